//! Every state transition of the pure state machine.

use chrono::TimeDelta;

use super::*;
use crate::auth::AdminRole;
use crate::lifecycle::transition::{
    check_cancellable, delete_now, disable, reactivate, step_due, ScheduledStep,
};
use crate::model::CountryCode;

fn monthly() -> Subscription {
    sub(1, BillingPeriod::Monthly, "2024-04-01", 10_000, "NOK", 5)
}

#[test]
fn cancel_disables_for_the_policy_period_with_country_override() {
    let now = at("2024-04-10T12:00:00Z");
    let s = disable(&monthly(), &rules(), now);
    assert_eq!(s.state, SubState::Disabled);
    assert_eq!(s.cancelled_at, Some(now));
    assert_eq!(s.delete_at, Some(now + TimeDelta::days(90)));
    assert_eq!(
        s.history.last().map(|h| (h.from, h.to, h.at)),
        Some((SubState::Active, SubState::Disabled, now))
    );
    let policy = Policy::from_toml("[country.JP]\ndisabled_days = 120").expect("policy");
    let jp = policy.rules_for(&CountryCode::parse("JP").expect("jp"));
    assert_eq!(
        disable(&monthly(), &jp, now).delete_at,
        Some(now + TimeDelta::days(120))
    );
}

#[test]
fn cancellation_refusals() {
    let r = rules();
    let partner = Subscription {
        billing: Billing::Partner {
            name: Some("Fabrikam".into()),
        },
        ..monthly()
    };
    let err = check_cancellable(&partner, &r, AdminRole::SupportAgent).expect_err("partner");
    assert!(
        err.to_string().contains("Fabrikam") && err.to_string().contains("contact them"),
        "{err}"
    );
    let unnamed = Subscription {
        billing: Billing::Partner { name: None },
        ..monthly()
    };
    let err = check_cancellable(&unnamed, &r, AdminRole::AccountAdmin).expect_err("partner");
    assert!(err.to_string().contains("a Microsoft partner"), "{err}");

    let trial = Subscription {
        trial: true,
        ..monthly()
    };
    let err = check_cancellable(&trial, &r, AdminRole::AccountAdmin).expect_err("trial");
    assert!(
        matches!(err, LifecycleError::TrialNothingToCancel { ends_on, .. } if ends_on == d("2024-05-01"))
    );

    let big = Subscription {
        seats: 25,
        ..monthly()
    };
    let err = check_cancellable(&big, &r, AdminRole::AccountAdmin).expect_err("seats");
    assert!(matches!(
        err,
        LifecycleError::SeatLimit {
            seats: 25,
            limit: 25,
            ..
        }
    ));
    let text = err.to_string();
    assert!(
        text.contains("Call support") && text.contains("fewer than 25"),
        "{text}"
    );
    assert!(
        check_cancellable(&big, &r, AdminRole::SupportAgent).is_ok(),
        "support is the phone path"
    );
    assert!(check_cancellable(
        &Subscription {
            seats: 24,
            ..monthly()
        },
        &r,
        AdminRole::AccountAdmin
    )
    .is_ok());

    let disabled = disable(&monthly(), &r, at("2024-04-10T00:00:00Z"));
    let err = check_cancellable(&disabled, &r, AdminRole::AccountAdmin).expect_err("state");
    assert!(matches!(
        err,
        LifecycleError::WrongState {
            state: SubState::Disabled,
            ..
        }
    ));
}

#[test]
fn reactivate_within_window_resumes_the_term() {
    let cancelled = disable(&monthly(), &rules(), at("2024-04-10T00:00:00Z"));
    let back = reactivate(&cancelled, &[], at("2024-04-20T00:00:00Z")).expect("reactivate");
    assert_eq!(back.state, SubState::Active);
    assert_eq!(
        (back.term_start, back.term_end),
        (d("2024-04-01"), d("2024-05-01"))
    );
    assert_eq!(back.delete_at, None);
    assert_eq!(back.history.len(), 2);
}

#[test]
fn reactivate_after_term_end_or_credit_starts_a_new_term() {
    let cancelled = disable(&monthly(), &rules(), at("2024-04-10T00:00:00Z"));
    let back = reactivate(&cancelled, &[], at("2024-06-03T09:00:00Z")).expect("reactivate");
    assert_eq!(
        (back.term_start, back.term_end, back.billing_anchor),
        (d("2024-06-03"), d("2024-07-03"), d("2024-06-03"))
    );
    let credited = transition::prorated_credit(
        &monthly(),
        &rules(),
        &[],
        at("2024-04-10T00:00:00Z"),
        CreditReason::Cancellation,
        at("2024-04-10T00:00:00Z"),
    )
    .expect("ok")
    .expect("credit");
    let back = reactivate(&cancelled, &[credited], at("2024-04-20T00:00:00Z")).expect("reactivate");
    assert_eq!(
        back.term_start,
        d("2024-04-20"),
        "a refunded term is closed"
    );
}

#[test]
fn reactivate_refusals() {
    let cancelled = disable(&monthly(), &rules(), at("2024-04-10T00:00:00Z"));
    let late = at("2024-04-10T00:00:00Z") + TimeDelta::days(90);
    assert!(matches!(
        reactivate(&cancelled, &[], late),
        Err(LifecycleError::ReactivationWindowClosed { .. })
    ));
    assert!(matches!(
        reactivate(&monthly(), &[], late),
        Err(LifecycleError::WrongState {
            state: SubState::Active,
            ..
        })
    ));
    let trial = Subscription {
        trial: true,
        ..cancelled.clone()
    };
    assert!(matches!(
        reactivate(&trial, &[], at("2024-04-11T00:00:00Z")),
        Err(LifecycleError::WrongState { .. })
    ));
    let partner = Subscription {
        billing: Billing::Partner { name: None },
        ..cancelled
    };
    assert!(matches!(
        reactivate(&partner, &[], at("2024-04-11T00:00:00Z")),
        Err(LifecycleError::PartnerBilled { .. })
    ));
}

#[test]
fn scheduler_path_active_expired_disabled_deleted() {
    let r = rules();
    let s = monthly();
    assert!(
        step_due(&s, &r, at("2024-04-30T23:59:59Z")).is_none(),
        "not due before term end"
    );
    let (expired, step) = step_due(&s, &r, at("2024-05-01T00:00:00Z")).expect("expires");
    assert_eq!(
        (expired.state, step),
        (SubState::Expired, ScheduledStep::Transition)
    );
    assert_eq!(
        expired.history.last().map(|h| h.at),
        Some(at("2024-05-01T00:00:00Z"))
    );
    assert_eq!(expired.grace_until, Some(at("2024-05-31T00:00:00Z")));
    assert!(step_due(&expired, &r, at("2024-05-30T00:00:00Z")).is_none());
    let (disabled, _) = step_due(&expired, &r, at("2024-06-15T00:00:00Z")).expect("disables");
    assert_eq!(disabled.state, SubState::Disabled);
    assert_eq!(
        disabled.history.last().map(|h| h.at),
        Some(at("2024-05-31T00:00:00Z")),
        "dated when due"
    );
    assert_eq!(disabled.delete_at, Some(at("2024-08-29T00:00:00Z")));
    let (deleted, _) = step_due(&disabled, &r, at("2024-08-29T00:00:00Z")).expect("deletes");
    assert_eq!(deleted.state, SubState::Deleted);
    assert!(
        step_due(&deleted, &r, at("2030-01-01T00:00:00Z")).is_none(),
        "terminal"
    );
}

#[test]
fn retention_cap_bounds_the_expiry_path() {
    let r = Rules {
        grace_days: 30,
        disabled_days: 150,
        max_retention_days: 170,
        ..rules()
    };
    let (expired, _) = step_due(&monthly(), &r, at("2024-05-01T00:00:00Z")).expect("expire");
    let (disabled, _) = step_due(&expired, &r, at("2024-06-01T00:00:00Z")).expect("disable");
    assert_eq!(
        disabled.delete_at,
        Some(at("2024-05-01T00:00:00Z") + TimeDelta::days(170))
    );
    let cancelled = disable(
        &monthly(),
        &Rules {
            disabled_days: 400,
            ..r
        },
        at("2024-04-02T00:00:00Z"),
    );
    assert_eq!(
        cancelled.delete_at,
        Some(at("2024-04-02T00:00:00Z") + TimeDelta::days(170))
    );
}

#[test]
fn auto_renew_rolls_terms_forward_and_trials_lapse() {
    let s = Subscription {
        auto_renew: true,
        ..sub(1, BillingPeriod::Monthly, "2024-01-31", 100, "NOK", 1)
    };
    let (renewed, step) = step_due(&s, &rules(), at("2024-04-05T00:00:00Z")).expect("renew");
    assert_eq!(step, ScheduledStep::Renewed);
    assert_eq!(
        (renewed.term_index, renewed.term_start, renewed.term_end),
        (2, d("2024-03-31"), d("2024-04-30"))
    );
    assert_eq!(renewed.state, SubState::Active);
    let trial = Subscription { trial: true, ..s };
    let (lapsed, _) = step_due(&trial, &rules(), at("2024-03-01T00:00:00Z")).expect("trial lapses");
    assert_eq!(lapsed.state, SubState::Expired);
}

#[test]
fn delete_now_is_terminal() {
    let s = delete_now(&monthly(), at("2024-04-03T00:00:00Z"));
    assert_eq!(s.state, SubState::Deleted);
    assert!(step_due(&s, &rules(), at("2030-01-01T00:00:00Z")).is_none());
}
