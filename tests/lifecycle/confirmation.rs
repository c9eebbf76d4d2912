//! Propose/confirm flows, confirmation errors, idempotent replays and concurrent
//! confirmation, run against both the memory and the sled store.

use crate::common::*;
use chrono::TimeDelta;
use supportbot::lifecycle::Store;
use supportbot::lifecycle::{
    Action, Actor, AuditKind, ConfirmationId, Facts, LifecycleError, SubState,
};

on_both_stores!(
    cancel_is_two_step_durable_and_audited,
    confirmation_errors_are_distinct,
    replays_return_the_stored_outcome,
    concurrent_confirms_apply_once,
    a_dismissed_proposal_is_used_up_and_cannot_be_confirmed,
);

async fn cancel_is_two_step_durable_and_audited<S: Store>(h: Harness<S>) {
    let admin_v = h
        .svc
        .authorize(&admin(), &contoso(), Some(&ev("a1")))
        .await
        .expect("admin");
    let p = h
        .svc
        .propose(
            &admin_v,
            Action::Cancel {
                subscription: sub(1),
            },
            &ev("p1"),
        )
        .await
        .expect("propose");
    assert!(p.token.starts_with("c1:") && p.token.len() <= 100);
    assert_eq!(p.expires_at, t0() + TimeDelta::minutes(15));
    let Facts::Cancel {
        credit: Some(credit),
        ..
    } = &p.facts
    else {
        panic!("{:?}", p.facts)
    };
    assert_eq!(credit.amount.minor, 50_000 * 20 / 30);
    let status = h.svc.status(&member(), &contoso()).await.expect("status");
    assert_eq!(
        status.subscriptions[0].state,
        SubState::Active,
        "nothing changes before confirmation"
    );

    let receipt = h
        .svc
        .confirm(&admin(), &p.token, None, &ev("c1"))
        .await
        .expect("confirm");
    assert!(matches!(receipt.facts, Facts::Cancel { .. }));
    let status = h.svc.status(&member(), &contoso()).await.expect("status");
    assert_eq!(status.subscriptions[0].state, SubState::Disabled);
    assert_eq!(status.credits.len(), 1);

    let audit = h.svc.audit(&admin_v).await.expect("audit");
    let kinds: Vec<_> = audit.iter().map(|r| r.kind).collect();
    assert!(
        kinds.ends_with(&[AuditKind::Proposed, AuditKind::Confirmed]),
        "{kinds:?}"
    );
    let confirmed = audit.last().expect("record");
    assert_eq!(
        (confirmed.before, confirmed.after),
        (Some(SubState::Active), Some(SubState::Disabled))
    );
    assert_eq!(confirmed.event.as_deref(), Some("discord:c1"));
    assert!(matches!(&confirmed.actor, Actor::User(u) if u.user_id == "1"));
}

async fn confirmation_errors_are_distinct<S: Store>(h: Harness<S>) {
    let admin_v = contoso_admin(&h).await;
    let propose = |n: &str| {
        let (svc, admin_v, n) = (h.svc.clone(), admin_v.clone(), n.to_owned());
        async move {
            svc.propose(
                &admin_v,
                Action::Cancel {
                    subscription: sub(1),
                },
                &ev(&n),
            )
            .await
            .expect("propose")
        }
    };
    let p = propose("p1").await;
    let err = h
        .svc
        .confirm(&other_admin(), &p.token, None, &ev("x1"))
        .await;
    assert!(matches!(err, Err(LifecycleError::TokenForeign)), "{err:?}");
    assert!(matches!(
        h.svc
            .confirm(&admin(), "c1:nonsense", None, &ev("x2"))
            .await,
        Err(LifecycleError::TokenMalformed)
    ));
    let stray = h.key.token(&ConfirmationId::generate().expect("rng"));
    assert!(matches!(
        h.svc.confirm(&admin(), &stray, None, &ev("x3")).await,
        Err(LifecycleError::TokenUnknown)
    ));

    h.svc
        .confirm(&admin(), &p.token, None, &ev("c1"))
        .await
        .expect("first confirm");
    let err = h.svc.confirm(&admin(), &p.token, None, &ev("c2")).await;
    assert!(
        matches!(err, Err(LifecycleError::TokenUsed { used_at }) if used_at == t0()),
        "{err:?}"
    );

    let p2 = h
        .svc
        .propose(
            &admin_v,
            Action::Cancel {
                subscription: sub(2),
            },
            &ev("p2"),
        )
        .await
        .expect("propose 2");
    h.clock.advance(TimeDelta::minutes(15));
    let err = h.svc.confirm(&admin(), &p2.token, None, &ev("c3")).await;
    assert!(
        matches!(err, Err(LifecycleError::TokenExpired { expired_at }) if expired_at == p2.expires_at),
        "{err:?}"
    );

    let rejected = h
        .svc
        .audit(&admin_v)
        .await
        .expect("audit")
        .iter()
        .filter(|r| r.kind == AuditKind::ConfirmRejected)
        .count();
    assert_eq!(
        rejected, 3,
        "foreign, reused and expired attempts on this account are audited"
    );
}

async fn replays_return_the_stored_outcome<S: Store>(h: Harness<S>) {
    let admin_v = contoso_admin(&h).await;
    let action = Action::Cancel {
        subscription: sub(1),
    };
    let p = h
        .svc
        .propose(&admin_v, action.clone(), &ev("p1"))
        .await
        .expect("propose");
    let again = h
        .svc
        .propose(&admin_v, action, &ev("p1"))
        .await
        .expect("replay");
    assert_eq!(p, again, "same event → same proposal and token");
    let other = h
        .svc
        .propose(
            &admin_v,
            Action::Cancel {
                subscription: sub(2),
            },
            &ev("p1"),
        )
        .await;
    assert!(matches!(other, Err(LifecycleError::EventMismatch)));

    let r1 = h
        .svc
        .confirm(&admin(), &p.token, None, &ev("c1"))
        .await
        .expect("confirm");
    h.clock.advance(TimeDelta::hours(2));
    let r2 = h
        .svc
        .confirm(&admin(), &p.token, None, &ev("c1"))
        .await
        .expect("replayed confirm");
    assert_eq!(r1, r2);
    let hijack = h
        .svc
        .confirm(&other_admin(), &p.token, None, &ev("c1"))
        .await;
    assert!(matches!(hijack, Err(LifecycleError::EventMismatch)));

    let audit = h.svc.audit(&admin_v).await.expect("audit");
    assert_eq!(
        audit
            .iter()
            .filter(|r| r.kind == AuditKind::Confirmed)
            .count(),
        1,
        "acted once"
    );
    assert_eq!(
        audit
            .iter()
            .filter(|r| r.kind == AuditKind::Proposed)
            .count(),
        1
    );
    assert_eq!(
        h.svc
            .engine()
            .store()
            .credits(&contoso())
            .expect("credits")
            .len(),
        1
    );
}

async fn concurrent_confirms_apply_once<S: Store>(h: Harness<S>) {
    let (admin_v, p) = propose_cancel(&h, 1, "p1").await;
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let (svc, token) = (h.svc.clone(), p.token.clone());
            tokio::spawn(async move {
                svc.confirm(&admin(), &token, None, &ev(&format!("c{i}")))
                    .await
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("join") {
            Ok(_) => ok += 1,
            Err(LifecycleError::TokenUsed { .. }) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(ok, 1);
    let audit = h.svc.audit(&admin_v).await.expect("audit");
    assert_eq!(
        audit
            .iter()
            .filter(|r| r.kind == AuditKind::Confirmed)
            .count(),
        1
    );
}

async fn a_dismissed_proposal_is_used_up_and_cannot_be_confirmed<S: Store>(h: Harness<S>) {
    let (admin_v, p) = propose_cancel(&h, 1, "p1").await;
    let foreign = h.svc.dismiss(&other_admin(), &p.token, &ev("x1")).await;
    assert!(
        matches!(foreign, Err(LifecycleError::TokenForeign)),
        "{foreign:?}"
    );
    let first = h
        .svc
        .dismiss(&admin(), &p.token, &ev("d1"))
        .await
        .expect("dismiss");
    assert_eq!(first.dismissed_at, t0());
    h.clock.advance(TimeDelta::minutes(1));
    let replay = h
        .svc
        .dismiss(&admin(), &p.token, &ev("d1"))
        .await
        .expect("replayed dismissal");
    assert_eq!(replay, first, "same event, same outcome");
    let again = h
        .svc
        .dismiss(&admin(), &p.token, &ev("d2"))
        .await
        .expect("second dismissal");
    assert_eq!(again.dismissed_at, first.dismissed_at, "idempotent");
    let confirm = h.svc.confirm(&admin(), &p.token, None, &ev("c1")).await;
    assert!(
        matches!(confirm, Err(LifecycleError::TokenDismissed { dismissed_at }) if dismissed_at == t0()),
        "{confirm:?}"
    );
    let reused = h.svc.confirm(&admin(), &p.token, None, &ev("d1")).await;
    assert!(
        matches!(reused, Err(LifecycleError::EventMismatch)),
        "{reused:?}"
    );
    let status = h.svc.status(&member(), &contoso()).await.expect("status");
    assert_eq!(status.subscriptions[0].state, SubState::Active);
    let audit = h.svc.audit(&admin_v).await.expect("audit");
    let dismissed: Vec<_> = audit
        .iter()
        .filter(|r| r.kind == AuditKind::Dismissed)
        .collect();
    assert_eq!(dismissed.len(), 1, "{audit:#?}");
    assert_eq!(dismissed[0].subscription, Some(sub(1)));
    assert_eq!(dismissed[0].event.as_deref(), Some("discord:d1"));
    assert!(audit.iter().all(|r| r.kind != AuditKind::Confirmed));
}
