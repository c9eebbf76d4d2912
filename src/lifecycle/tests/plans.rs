//! The pure planner: facts shown in proposals, refund and close-account rules.

use super::*;
use crate::auth::AdminRole;
use crate::model::SubscriptionId;

fn view(subs: Vec<Subscription>, credits: Vec<Credit>) -> AccountView {
    AccountView {
        account: account(),
        subscriptions: subs,
        credits,
    }
}

fn s1() -> Subscription {
    sub(1, BillingPeriod::Monthly, "2024-04-01", 10_000, "NOK", 5)
}

const NOW: &str = "2024-04-10T12:00:00Z";

fn run(action: Action, v: &AccountView) -> Result<Plan, LifecycleError> {
    plan(&action, v, &rules(), AdminRole::AccountAdmin, at(NOW))
}

#[test]
fn cancel_facts_include_dates_and_credit() {
    let p = run(
        Action::Cancel {
            subscription: s1().id,
        },
        &view(vec![s1()], vec![]),
    )
    .expect("plan");
    let Facts::Cancel {
        delete_at,
        credit: Some(c),
        no_credit: None,
        ..
    } = &p.facts
    else {
        panic!("unexpected facts {:?}", p.facts);
    };
    assert_eq!(*delete_at, at("2024-07-09T12:00:00Z"));
    assert_eq!(c.amount.minor, 50_000 * 20 / 30);
    assert_eq!(p.credits.len(), 1);
    assert_eq!(p.changes[0].1.state, SubState::Disabled);
}

#[test]
fn unknown_subscription_and_closed_account() {
    let err = run(
        Action::Cancel {
            subscription: SubscriptionId::from_number(9),
        },
        &view(vec![s1()], vec![]),
    );
    assert!(matches!(
        err,
        Err(LifecycleError::SubscriptionNotFound { .. })
    ));
    let mut v = view(vec![s1()], vec![]);
    v.account.closed_at = Some(at("2024-04-01T00:00:00Z"));
    for action in [
        Action::Cancel {
            subscription: s1().id,
        },
        Action::CloseAccount {
            mode: CloseMode::CancelAndDeleteNow,
        },
    ] {
        assert!(matches!(
            run(action, &v),
            Err(LifecycleError::AccountClosed { .. })
        ));
    }
}

#[test]
fn refund_cancels_active_and_credits_cancelled_once() {
    let p = run(
        Action::Refund {
            subscription: s1().id,
        },
        &view(vec![s1()], vec![]),
    )
    .expect("refund active");
    assert!(matches!(&p.facts, Facts::Refund { cancels: true, .. }));
    // Cancelled without credit (e.g. zero-price at the time), refund later: measured
    // from the cancellation day, no state change.
    let cancelled = transition::disable(&s1(), &rules(), at("2024-04-05T00:00:00Z"));
    let p = run(
        Action::Refund {
            subscription: s1().id,
        },
        &view(vec![cancelled.clone()], vec![]),
    )
    .expect("refund disabled");
    let Facts::Refund {
        cancels: false,
        credit,
        ..
    } = &p.facts
    else {
        panic!("{:?}", p.facts)
    };
    assert_eq!(credit.unused_days, 25);
    assert!(p.changes.is_empty());
    let err = run(
        Action::Refund {
            subscription: s1().id,
        },
        &view(vec![cancelled], p.credits.clone()),
    );
    assert!(matches!(
        err,
        Err(LifecycleError::RefundRefused {
            reason: RefundRefusal::AlreadyRefunded { .. },
            ..
        })
    ));
    let expired = Subscription {
        state: SubState::Expired,
        ..s1()
    };
    let err = run(
        Action::Refund {
            subscription: s1().id,
        },
        &view(vec![expired], vec![]),
    );
    assert!(matches!(
        err,
        Err(LifecycleError::RefundRefused {
            reason: RefundRefusal::NotInTerm { .. },
            ..
        })
    ));
    let trial = Subscription {
        trial: true,
        ..s1()
    };
    let err = run(
        Action::Refund {
            subscription: s1().id,
        },
        &view(vec![trial], vec![]),
    );
    assert!(
        matches!(
            err,
            Err(LifecycleError::RefundRefused {
                reason: RefundRefusal::Trial,
                ..
            })
        ),
        "{err:?}"
    );
    let partner = Subscription {
        billing: Billing::Partner {
            name: Some("Fabrikam".into()),
        },
        ..s1()
    };
    let err = run(
        Action::Refund {
            subscription: s1().id,
        },
        &view(vec![partner], vec![]),
    );
    assert!(matches!(err, Err(LifecycleError::PartnerBilled { .. })));
}

#[test]
fn cancel_after_reactivation_in_same_term_does_not_credit_twice() {
    let v = view(vec![s1()], vec![]);
    let first = run(
        Action::Cancel {
            subscription: s1().id,
        },
        &v,
    )
    .expect("cancel");
    let cancelled = first.changes[0].1.clone();
    // Reactivating a refunded term starts a new one, so a second cancellation credits the
    // new term, never the old one again.
    let back = transition::reactivate(&cancelled, &first.credits, at(NOW)).expect("reactivate");
    let v2 = view(vec![back], first.credits.clone());
    let second = run(
        Action::Cancel {
            subscription: s1().id,
        },
        &v2,
    )
    .expect("cancel again");
    assert!(second
        .credits
        .iter()
        .all(|c| c.term_start != first.credits[0].term_start));
}

#[test]
fn close_when_all_cancelled_requires_no_open_subscriptions() {
    let s2 = sub(2, BillingPeriod::Yearly, "2024-01-01", 100, "NOK", 1);
    let err = run(
        Action::CloseAccount {
            mode: CloseMode::WhenAllCancelled,
        },
        &view(vec![s1(), s2.clone()], vec![]),
    );
    let Err(LifecycleError::CloseBlocked { open, .. }) = err else {
        panic!("{err:?}")
    };
    assert_eq!(open.len(), 2);
    let d1 = transition::disable(&s1(), &rules(), at("2024-04-02T00:00:00Z"));
    let d2 = transition::delete_now(&s2, at("2024-04-02T00:00:00Z"));
    let p = run(
        Action::CloseAccount {
            mode: CloseMode::WhenAllCancelled,
        },
        &view(vec![d1, d2], vec![]),
    )
    .expect("close");
    assert_eq!(
        p.changes.len(),
        1,
        "already-deleted subscriptions are untouched"
    );
    assert!(p.changes.iter().all(|(_, a)| a.state == SubState::Deleted));
    assert!(p
        .account
        .as_ref()
        .is_some_and(|a| a.closed_at == Some(at(NOW))));
}

#[test]
fn close_now_cancels_credits_and_deletes_but_respects_partner_and_seats() {
    let trial = Subscription {
        trial: true,
        ..sub(2, BillingPeriod::Monthly, "2024-04-01", 0, "NOK", 1)
    };
    let p = run(
        Action::CloseAccount {
            mode: CloseMode::CancelAndDeleteNow,
        },
        &view(vec![s1(), trial], vec![]),
    )
    .expect("close");
    let Facts::CloseAccount {
        cancelled,
        deleted,
        credits,
        ..
    } = &p.facts
    else {
        panic!()
    };
    assert_eq!((cancelled.len(), deleted.len(), credits.len()), (2, 2, 1));
    assert_eq!(p.credits[0].reason, CreditReason::AccountClosure);
    let partner = Subscription {
        billing: Billing::Partner { name: None },
        ..s1()
    };
    let err = run(
        Action::CloseAccount {
            mode: CloseMode::CancelAndDeleteNow,
        },
        &view(vec![partner], vec![]),
    );
    assert!(matches!(err, Err(LifecycleError::PartnerBilled { .. })));
    let big = Subscription { seats: 30, ..s1() };
    let err = run(
        Action::CloseAccount {
            mode: CloseMode::CancelAndDeleteNow,
        },
        &view(vec![big.clone()], vec![]),
    );
    assert!(matches!(err, Err(LifecycleError::SeatLimit { .. })));
    let by_support = plan(
        &Action::CloseAccount {
            mode: CloseMode::CancelAndDeleteNow,
        },
        &view(vec![big], vec![]),
        &rules(),
        AdminRole::SupportAgent,
        at(NOW),
    );
    assert!(by_support.is_ok());
}
