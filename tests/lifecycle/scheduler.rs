//! `tick`: scheduled transitions, renewals and proposal expiry, on both stores.

use crate::common::*;
use chrono::TimeDelta;
use supportbot::lifecycle::Store;
use supportbot::lifecycle::{Actor, AuditKind, LifecycleError, SubState};

on_both_stores!(
    tick_cancel_path_ends_in_deletion,
    tick_expiry_path_and_renewal,
    tick_expires_unconfirmed_proposals,
);

async fn tick_cancel_path_ends_in_deletion<S: Store>(h: Harness<S>) {
    let (admin_v, _) = cancel_confirmed(&h, 1, "p1", "c1").await;
    h.clock.advance(TimeDelta::days(89));
    h.svc.tick(h.svc.now()).await.expect("tick");
    let state = |h: &Harness<S>| {
        h.svc
            .engine()
            .store()
            .subscriptions(&contoso())
            .expect("subs")[0]
            .state
    };
    assert_eq!(state(&h), SubState::Disabled);
    h.clock.advance(TimeDelta::days(1));
    let report = h.svc.tick(h.svc.now()).await.expect("tick");
    assert!(report.transitions >= 1);
    assert_eq!(state(&h), SubState::Deleted);
    let audit = h.svc.audit(&admin_v).await.expect("audit");
    let rec = audit
        .iter()
        .rev()
        .find(|r| r.subscription == Some(sub(1)) && r.kind == AuditKind::Transition)
        .expect("record");
    assert_eq!(
        (rec.actor.clone(), rec.before, rec.after),
        (
            Actor::Scheduler,
            Some(SubState::Disabled),
            Some(SubState::Deleted)
        )
    );
    let again = h.svc.tick(h.svc.now()).await.expect("tick");
    assert_eq!((again.transitions, again.renewals), (0, 0), "idempotent");
}

async fn tick_expiry_path_and_renewal<S: Store>(h: Harness<S>) {
    let store = || {
        h.svc
            .engine()
            .store()
            .subscriptions(&contoso())
            .expect("subs")
    };
    // SUB-1 ends 2024-05-01 without renewal; SUB-2 auto-renews on the 15th; SUB-3 trial
    // ends 2024-05-05; northwind's partner-billed SUB-2 also ends 2024-05-01.
    h.clock.set(t0() + TimeDelta::days(26));
    let r = h.svc.tick(h.svc.now()).await.expect("tick");
    assert_eq!((r.transitions, r.renewals), (3, 1), "{r:?}");
    let s = store();
    assert_eq!(
        (s[0].state, s[1].state, s[2].state),
        (SubState::Expired, SubState::Active, SubState::Expired)
    );
    assert_eq!(s[1].term_start.to_string(), "2024-04-15");
    h.clock.advance(TimeDelta::days(31));
    h.svc.tick(h.svc.now()).await.expect("tick");
    assert_eq!(store()[0].state, SubState::Disabled);
    h.clock.advance(TimeDelta::days(90));
    h.svc.tick(h.svc.now()).await.expect("tick");
    assert_eq!(store()[0].state, SubState::Deleted);
    let admin_v = contoso_admin(&h).await;
    let audit = h.svc.audit(&admin_v).await.expect("audit");
    let path: Vec<_> = audit
        .iter()
        .filter(|r| r.subscription == Some(sub(1)) && r.actor == Actor::Scheduler)
        .map(|r| r.after)
        .collect();
    assert_eq!(
        path,
        vec![
            Some(SubState::Expired),
            Some(SubState::Disabled),
            Some(SubState::Deleted)
        ]
    );
}

async fn tick_expires_unconfirmed_proposals<S: Store>(h: Harness<S>) {
    let (admin_v, p) = propose_cancel(&h, 1, "p1").await;
    h.clock.advance(TimeDelta::minutes(16));
    let r = h.svc.tick(h.svc.now()).await.expect("tick");
    assert_eq!(r.expired_proposals, 1);
    let audit = h.svc.audit(&admin_v).await.expect("audit");
    assert!(audit
        .iter()
        .any(|r| r.kind == AuditKind::Expired && r.actor == Actor::Scheduler));
    let err = h.svc.confirm(&admin(), &p.token, None, &ev("c1")).await;
    assert!(matches!(err, Err(LifecycleError::TokenExpired { .. })));
    h.clock.advance(TimeDelta::days(2));
    let r = h.svc.tick(h.svc.now()).await.expect("tick");
    assert_eq!(r.purged_confirmations, 1);
    let err = h.svc.confirm(&admin(), &p.token, None, &ev("c2")).await;
    assert!(matches!(err, Err(LifecycleError::TokenUnknown)));
}
