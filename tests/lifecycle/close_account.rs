//! Close-account rules and export/restore, on both stores.

use crate::common::*;
use chrono::TimeDelta;
use supportbot::auth::authorize_operator;
use supportbot::lifecycle::Store;
use supportbot::lifecycle::{
    Action, AuditKind, CloseMode, Export, Facts, LifecycleError, SubState,
};
use supportbot::store::MemoryStore;

on_both_stores!(
    close_requires_cancelled_subscriptions_or_explicit_choice,
    closed_account_rejects_everything,
    export_and_restore_round_trip,
);

async fn close_requires_cancelled_subscriptions_or_explicit_choice<S: Store>(h: Harness<S>) {
    let admin_v = contoso_admin(&h).await;
    let err = h
        .svc
        .propose(
            &admin_v,
            Action::CloseAccount {
                mode: CloseMode::WhenAllCancelled,
            },
            &ev("p0"),
        )
        .await;
    let Err(LifecycleError::CloseBlocked { open, .. }) = err else {
        panic!("{err:?}")
    };
    assert_eq!(open, vec![sub(1), sub(2), sub(3)]);

    let p = h
        .svc
        .propose(
            &admin_v,
            Action::CloseAccount {
                mode: CloseMode::CancelAndDeleteNow,
            },
            &ev("p1"),
        )
        .await
        .expect("propose");
    assert!(p.requires_typed_account_id);
    let Facts::CloseAccount {
        cancelled,
        deleted,
        credits,
        ..
    } = &p.facts
    else {
        panic!("{:?}", p.facts)
    };
    assert_eq!(
        (cancelled.len(), deleted.len(), credits.len()),
        (3, 3, 2),
        "trial has no credit"
    );
    let err = h.svc.confirm(&admin(), &p.token, None, &ev("c1")).await;
    assert!(
        matches!(err, Err(LifecycleError::TypedBackRequired { .. })),
        "{err:?}"
    );
    let err = h
        .svc
        .confirm(&admin(), &p.token, Some("Contoso"), &ev("c2"))
        .await;
    assert!(
        matches!(err, Err(LifecycleError::TypedBackMismatch { .. })),
        "{err:?}"
    );
    let r = h
        .svc
        .confirm(&admin(), &p.token, Some("  contoso "), &ev("c3"))
        .await
        .expect("close");
    assert!(matches!(r.facts, Facts::CloseAccount { .. }));

    let store = h.svc.engine().store();
    let subs = store.subscriptions(&contoso()).expect("subs");
    assert!(subs.iter().all(|s| s.state == SubState::Deleted));
    assert!(store
        .account(&contoso())
        .expect("read")
        .is_some_and(|a| a.closed_at == Some(t0())));
    assert_eq!(store.credits(&contoso()).expect("credits").len(), 2);
    let audit = store.audit(Some(&contoso())).expect("audit");
    let confirmed = audit
        .iter()
        .filter(|r| r.kind == AuditKind::Confirmed)
        .count();
    assert_eq!(confirmed, 4, "one per subscription plus the account record");
}

async fn closed_account_rejects_everything<S: Store>(h: Harness<S>) {
    let admin_v = contoso_admin(&h).await;
    // Cancel the two paid subscriptions and let the trial lapse via deletion: then the
    // safe mode is allowed.
    for (i, n) in [1, 2].into_iter().enumerate() {
        let p = h
            .svc
            .propose(
                &admin_v,
                Action::Cancel {
                    subscription: sub(n),
                },
                &ev(&format!("p{i}")),
            )
            .await
            .expect("propose");
        h.svc
            .confirm(&admin(), &p.token, None, &ev(&format!("c{i}")))
            .await
            .expect("cancel");
    }
    h.clock.advance(TimeDelta::days(200));
    h.svc.tick(h.svc.now()).await.expect("tick");
    let p = h
        .svc
        .propose(
            &admin_v,
            Action::CloseAccount {
                mode: CloseMode::WhenAllCancelled,
            },
            &ev("p9"),
        )
        .await
        .expect("propose");
    h.svc
        .confirm(&admin(), &p.token, Some("contoso"), &ev("c9"))
        .await
        .expect("close");

    let closed =
        |r: &Result<_, LifecycleError>| matches!(r, Err(LifecycleError::AccountClosed { .. }));
    assert!(closed(
        &h.svc
            .authorize(&admin(), &contoso(), None)
            .await
            .map(|_| ())
    ));
    assert!(closed(
        &h.svc
            .propose(
                &admin_v,
                Action::Reactivate {
                    subscription: sub(1)
                },
                &ev("p10")
            )
            .await
            .map(|_| ())
    ));
    assert!(closed(
        &h.svc.status(&admin(), &contoso()).await.map(|_| ())
    ));
    assert!(closed(&h.svc.export(&admin_v, None).await.map(|_| ())));
    let msg = h
        .svc
        .status(&admin(), &contoso())
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(msg.contains("was closed"), "{msg}");
}

async fn export_and_restore_round_trip<S: Store>(h: Harness<S>) {
    let (admin_v, _) = cancel_confirmed(&h, 1, "p1", "c1").await;
    let export = h
        .svc
        .export(&admin_v, Some(&ev("e1")))
        .await
        .expect("export");
    assert_eq!(export.subscriptions.len(), 3);
    assert_eq!(export.credits.len(), 1);
    assert_eq!(
        export.audit.last().map(|r| r.kind),
        Some(AuditKind::Exported),
        "the export itself is audited"
    );
    let json = export.to_json().expect("json");
    assert!(
        json.contains("\"SUB-1\"") && json.contains("\"disabled\"") && json.contains("\"NOK\"")
    );
    let parsed = Export::from_json(&json).expect("parse");
    assert_eq!(parsed, export);

    let fresh = harness_with(MemoryStore::new(), None, Default::default());
    let op = authorize_operator(&operator(), &auth_config()).expect("op");
    let dup = fresh.svc.restore(&op, parsed.clone()).await;
    assert!(
        matches!(dup, Err(LifecycleError::InvalidData(_))),
        "existing account is not overwritten: {dup:?}"
    );
    let empty = supportbot::lifecycle::LifecycleService::new(
        MemoryStore::new(),
        Default::default(),
        auth_config(),
        h.clock.clone(),
        h.key.clone(),
    );
    empty.restore(&op, parsed).await.expect("restore");
    let restored = empty.status(&admin(), &contoso()).await.expect("status");
    assert_eq!(restored.subscriptions[0].state, SubState::Disabled);
    assert_eq!(restored.credits, export.credits);
}
