//! Authorization refusals and domain refusals end to end, including the audit trail.

use crate::common::*;
use chrono::TimeDelta;
use supportbot::auth::DenyReason;
use supportbot::lifecycle::Store;
use supportbot::lifecycle::{Action, AuditKind, Facts, LifecycleError, RefundRefusal, SubState};

on_both_stores!(
    denials_and_refusals_are_audited,
    revoked_role_cannot_confirm,
    refund_once_per_term,
    reactivate_within_window,
);

async fn denials_and_refusals_are_audited<S: Store>(h: Harness<S>) {
    let err = h
        .svc
        .authorize(&member(), &contoso(), Some(&ev("d1")))
        .await;
    assert!(matches!(err, Err(LifecycleError::Denied(d)) if d.reason == DenyReason::NotAdmin));
    let dm = discord("1", None, supportbot::auth::DISCORD_ADMINISTRATOR);
    let err = h.svc.authorize(&dm, &contoso(), Some(&ev("d2"))).await;
    assert!(matches!(err, Err(LifecycleError::Denied(d)) if d.reason == DenyReason::DirectMessage));
    let wrong_guild = h
        .svc
        .authorize(&discord("7", Some(OTHER_GUILD), 8), &contoso(), None)
        .await;
    assert!(matches!(wrong_guild, Err(LifecycleError::Denied(_))));
    assert!(matches!(
        h.svc.status(&discord("7", None, 0), &contoso()).await,
        Err(LifecycleError::Denied(_))
    ));

    // Northwind: 30 seats (seat limit) and a partner-billed subscription.
    let nw_admin = discord("5", Some(OTHER_GUILD), 8);
    let nw = h
        .svc
        .authorize(&nw_admin, &northwind(), None)
        .await
        .expect("nw admin");
    let err = h
        .svc
        .propose(
            &nw,
            Action::Cancel {
                subscription: sub(1),
            },
            &ev("n1"),
        )
        .await;
    assert!(
        matches!(
            err,
            Err(LifecycleError::SeatLimit {
                seats: 30,
                limit: 25,
                ..
            })
        ),
        "{err:?}"
    );
    let err = h
        .svc
        .propose(
            &nw,
            Action::Refund {
                subscription: sub(2),
            },
            &ev("n2"),
        )
        .await;
    let Err(LifecycleError::PartnerBilled { partner, .. }) = err else {
        panic!("{err:?}")
    };
    assert_eq!(partner.as_deref(), Some("Fabrikam Partners"));
    let agent = h
        .svc
        .authorize(&discord("999", None, 0), &northwind(), None)
        .await
        .expect("support agent");
    h.svc
        .propose(
            &agent,
            Action::Cancel {
                subscription: sub(1),
            },
            &ev("n3"),
        )
        .await
        .expect("support may cancel 30 seats");
    let admin_v = contoso_admin(&h).await;
    let err = h
        .svc
        .propose(
            &admin_v,
            Action::Cancel {
                subscription: sub(3),
            },
            &ev("t1"),
        )
        .await;
    assert!(matches!(
        err,
        Err(LifecycleError::TrialNothingToCancel { .. })
    ));

    let audit = h.svc.audit(&admin_v).await.expect("audit");
    let denied: Vec<_> = audit
        .iter()
        .filter(|r| r.kind == AuditKind::Denied)
        .collect();
    assert_eq!(denied.len(), 3);
    assert_eq!(denied[0].event.as_deref(), Some("discord:d1"));
    assert!(audit
        .iter()
        .any(|r| r.kind == AuditKind::Refused && r.subscription == Some(sub(3))));
    let nw_audit = h.svc.audit(&nw).await.expect("audit");
    assert_eq!(
        nw_audit
            .iter()
            .filter(|r| r.kind == AuditKind::Refused)
            .count(),
        2
    );
}

async fn revoked_role_cannot_confirm<S: Store>(h: Harness<S>) {
    let (_, p) = propose_cancel(&h, 1, "p1").await;
    let demoted = discord("1", Some(GUILD), 0);
    let err = h.svc.confirm(&demoted, &p.token, None, &ev("c1")).await;
    assert!(
        matches!(err, Err(LifecycleError::Denied(d)) if d.reason == DenyReason::NotAdmin),
        "{err:?}"
    );
    let status = h.svc.status(&member(), &contoso()).await.expect("status");
    assert_eq!(status.subscriptions[0].state, SubState::Active);
}

async fn refund_once_per_term<S: Store>(h: Harness<S>) {
    let admin_v = contoso_admin(&h).await;
    let p = h
        .svc
        .propose(
            &admin_v,
            Action::Refund {
                subscription: sub(1),
            },
            &ev("p1"),
        )
        .await
        .expect("propose");
    h.svc
        .confirm(&admin(), &p.token, None, &ev("c1"))
        .await
        .expect("refund");
    let err = h
        .svc
        .propose(
            &admin_v,
            Action::Refund {
                subscription: sub(1),
            },
            &ev("p2"),
        )
        .await;
    assert!(
        matches!(
            err,
            Err(LifecycleError::RefundRefused {
                reason: RefundRefusal::AlreadyRefunded { .. },
                ..
            })
        ),
        "{err:?}"
    );
}

async fn reactivate_within_window<S: Store>(h: Harness<S>) {
    let (admin_v, _) = cancel_confirmed(&h, 2, "p1", "c1").await;
    h.clock.advance(TimeDelta::days(30));
    let p = h
        .svc
        .propose(
            &admin_v,
            Action::Reactivate {
                subscription: sub(2),
            },
            &ev("p2"),
        )
        .await
        .expect("propose");
    let Facts::Reactivate { new_term: true, .. } = p.facts else {
        panic!("{:?}", p.facts)
    };
    h.svc
        .confirm(&admin(), &p.token, None, &ev("c2"))
        .await
        .expect("reactivate");
    let s = h.svc.status(&admin(), &contoso()).await.expect("status");
    assert_eq!(s.subscriptions[1].state, SubState::Active);
}
