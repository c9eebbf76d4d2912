//! PostgresStore specifics, on a real server: durability across reopen,
//! one outcome when two stores (two processes' worth of pools) race on the
//! same event or the same record, migrations that two instances run at
//! once, refusal of a newer schema, and a shared confirmation-token key.

use std::sync::{Arc, Barrier};

use crate::common::*;
use supportbot::lifecycle::{
    Actor, AuditKind, AuditRecord, Committed, IdempotencyRecord, Store, StoreError, StoredOutcome,
    SubState, WriteSet,
};
use supportbot::store::PostgresStore;

fn url(test: &str) -> Option<String> {
    pg::database(test)
}

#[tokio::test]
async fn data_survives_reopen() {
    let Some(url) = url("postgres_store::data_survives_reopen") else {
        return;
    };
    let h = harness_with(
        PostgresStore::open(&url).expect("open"),
        None,
        supportbot::lifecycle::Policy::default(),
    );
    let (_, p) = propose_cancel(&h, 1, "p1").await;
    let receipt = h
        .svc
        .confirm(&admin(), &p.token, None, &ev("c1"))
        .await
        .expect("confirm");
    drop(h);
    let store = PostgresStore::open(&url).expect("reopen");
    assert_eq!(
        store.subscriptions(&contoso()).expect("subs")[0].state,
        SubState::Disabled
    );
    let stored = store
        .outcome(&ev("c1").key())
        .expect("read")
        .expect("idempotency record");
    assert!(matches!(stored.outcome, StoredOutcome::Confirmed(r) if r == receipt));
    let audit = store.audit(Some(&contoso())).expect("audit");
    assert!(
        audit.windows(2).all(|w| w[0].seq < w[1].seq),
        "append order is preserved"
    );
    assert_eq!(
        audit
            .iter()
            .filter(|r| r.kind == AuditKind::Confirmed)
            .count(),
        1
    );
}

#[test]
fn stale_revisions_are_rejected_atomically() {
    let Some(h) = postgres("postgres_store::stale_revisions_are_rejected_atomically") else {
        return;
    };
    let store = h.svc.engine().store();
    let mut s = store.subscriptions(&contoso()).expect("subs").remove(0);
    let audit_before = store.audit(Some(&contoso())).expect("audit").len();
    s.state = SubState::Deleted;
    let rec = AuditRecord::new(t0(), Actor::Scheduler, AuditKind::Transition);
    let err = store.commit(WriteSet {
        subscriptions: vec![s.clone()],
        audit: vec![rec.clone()],
        ..WriteSet::default()
    });
    assert!(matches!(err, Err(StoreError::Conflict(_))), "{err:?}");
    assert_eq!(
        store.audit(Some(&contoso())).expect("audit").len(),
        audit_before,
        "audit rolled back too"
    );
    s.revision += 1;
    store
        .commit(WriteSet {
            subscriptions: vec![s],
            audit: vec![rec],
            ..WriteSet::default()
        })
        .expect("commit");
}

/// Many threads over two stores on one database commit the same event at
/// once: exactly one applies it, every other one gets its stored outcome.
#[test]
fn one_event_committed_concurrently_on_two_stores_applies_once() {
    let Some(url) = url("postgres_store::one_event_committed_concurrently_on_two_stores") else {
        return;
    };
    let stores = [
        Arc::new(PostgresStore::open(&url).expect("open a")),
        Arc::new(PostgresStore::open(&url).expect("open b")),
    ];
    let threads = 12;
    let start = Arc::new(Barrier::new(threads));
    let record = IdempotencyRecord {
        event: ev("same").key(),
        user: supportbot::auth::UserKey::of(&admin()),
        at: t0(),
        outcome: StoredOutcome::Dismissed(supportbot::lifecycle::Dismissal {
            account: contoso(),
            action: supportbot::lifecycle::Action::Cancel {
                subscription: sub(1),
            },
            dismissed_at: t0(),
        }),
    };
    let joins: Vec<_> = (0..threads)
        .map(|i| {
            let store = Arc::clone(&stores[i % 2]);
            let start = Arc::clone(&start);
            let record = record.clone();
            std::thread::spawn(move || {
                start.wait();
                store.commit(WriteSet {
                    audit: vec![AuditRecord::new(
                        t0(),
                        Actor::Scheduler,
                        AuditKind::Transition,
                    )],
                    idempotency: Some(record),
                    ..WriteSet::default()
                })
            })
        })
        .collect();
    let results: Vec<_> = joins
        .into_iter()
        .map(|j| j.join().expect("thread").expect("commit"))
        .collect();
    let applied = results
        .iter()
        .filter(|r| matches!(r, Committed::Applied))
        .count();
    assert_eq!(applied, 1, "{results:?}");
    assert!(results
        .iter()
        .all(|r| matches!(r, Committed::Applied | Committed::Replayed(_))));
    assert_eq!(
        stores[0]
            .audit(None)
            .expect("audit")
            .iter()
            .filter(|r| r.kind == AuditKind::Transition)
            .count(),
        1,
        "the losers' audit records were rolled back"
    );
}

/// Two stores write the next revision of one record at once: one wins, the
/// other is told about the conflict, nothing is half-written.
#[test]
fn a_revision_race_across_stores_has_one_winner() {
    let Some(h) = postgres("postgres_store::a_revision_race_across_stores_has_one_winner") else {
        return;
    };
    let other = h.svc.engine().store();
    let store = h.svc.engine().store();
    let mut s = store.subscriptions(&contoso()).expect("subs").remove(0);
    s.revision += 1;
    let (a, b) = (s.clone(), {
        let mut b = s.clone();
        b.seats += 1;
        b
    });
    let start = Barrier::new(2);
    let (ra, rb) = std::thread::scope(|scope| {
        let ta = scope.spawn(|| {
            start.wait();
            store.commit(WriteSet {
                subscriptions: vec![a],
                ..WriteSet::default()
            })
        });
        let tb = scope.spawn(|| {
            start.wait();
            other.commit(WriteSet {
                subscriptions: vec![b],
                ..WriteSet::default()
            })
        });
        (ta.join().expect("a"), tb.join().expect("b"))
    });
    let wins = [&ra, &rb].iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "{ra:?} {rb:?}");
    assert!(
        [&ra, &rb]
            .iter()
            .any(|r| matches!(r, Err(StoreError::Conflict(_)))),
        "{ra:?} {rb:?}"
    );
}

#[test]
fn instances_starting_together_migrate_once_and_share_the_token_key() {
    let Some(url) = url("postgres_store::instances_starting_together_migrate_once") else {
        return;
    };
    let start = Arc::new(Barrier::new(4));
    let keys: Vec<[u8; 32]> = (0..4u8)
        .map(|i| {
            let (url, start) = (url.clone(), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                let store = PostgresStore::open(&url).expect("concurrent open");
                assert_eq!(store.schema_version().expect("version"), 1);
                store.shared_token_key([i; 32]).expect("token key")
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|j| j.join().expect("thread"))
        .collect();
    assert!(
        keys.windows(2).all(|w| w[0] == w[1]),
        "every instance uses the first key stored"
    );
}

#[test]
fn a_newer_schema_is_refused_with_a_clear_message() {
    let Some(url) = url("postgres_store::a_newer_schema_is_refused") else {
        return;
    };
    drop(PostgresStore::open(&url).expect("first open migrates"));
    pg::exec(&url, "INSERT INTO supportbot_schema (version) VALUES (99)").expect("bump");
    let err = PostgresStore::open(&url).expect_err("newer schema");
    assert!(
        matches!(
            err,
            StoreError::SchemaTooNew {
                found: 99,
                known: 1
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("upgrade supportbot"), "{err}");
}

#[test]
fn an_unreachable_server_names_host_and_database_but_not_the_password() {
    let err = PostgresStore::open("postgres://bob:s3cret@127.0.0.1:1/support")
        .expect_err("nothing listens on port 1");
    let text = err.to_string();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{text}");
    assert!(text.contains("127.0.0.1:1/support"), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
}

/// Two instances' schedulers tick over the same due changes at once: each
/// change is applied (and audited) once, whoever wins it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_apply_each_due_change_once() {
    let Some(url) = url("postgres_store::two_schedulers_apply_each_due_change_once") else {
        return;
    };
    let policy = supportbot::lifecycle::Policy::default;
    let a = harness_with(PostgresStore::open(&url).expect("a"), None, policy());
    // The second instance shares the database; its own provisioning of the
    // same seed is refused as a conflict, so it is built without one.
    let b_svc = supportbot::lifecycle::LifecycleService::new(
        PostgresStore::open(&url).expect("b"),
        policy(),
        auth_config(),
        a.clock.clone(),
        a.key.clone(),
    );
    // SUB-1 and northwind's SUB-2 end, SUB-2 renews: several due changes.
    a.clock.set(t0() + chrono::TimeDelta::days(40));
    let now = a.svc.now();
    let (ra, rb) = tokio::join!(a.svc.tick(now), b_svc.tick(now));
    ra.expect("tick a");
    rb.expect("tick b");
    // (TickReport counts the steps each tick planned, including those the
    // other scheduler won, so the audit log is what shows the effect.)
    let reference = {
        let m = memory();
        m.clock.set(t0() + chrono::TimeDelta::days(40));
        m.svc.tick(m.svc.now()).await.expect("memory tick")
    };
    assert!(
        reference.transitions + reference.renewals > 0,
        "due changes exist"
    );
    let store = a.svc.engine().store();
    let mut audited = 0;
    for account in [contoso(), northwind()] {
        audited += store
            .audit(Some(&account))
            .expect("audit")
            .iter()
            .filter(|r| matches!(r.kind, AuditKind::Transition | AuditKind::Renewed))
            .count();
    }
    assert_eq!(
        audited,
        reference.transitions + reference.renewals,
        "each due change audited once"
    );
    let again = a.svc.tick(now).await.expect("tick again");
    assert_eq!((again.transitions, again.renewals), (0, 0), "nothing left");
}

/// Session memory written through one store is read through another (two
/// instances), replaced last-writer-wins, forgotten when expired and purged.
#[test]
fn sessions_written_on_one_store_are_read_on_another_until_they_expire() {
    use supportbot::conversation::{SessionStore, StoredQuestion, StoredSession};
    use supportbot::locale::{LocaleChain, LocaleSource};
    let Some(url) = url("postgres_store::sessions") else {
        return;
    };
    let (a, b) = (
        PostgresStore::open(&url).expect("open"),
        PostgresStore::open(&url).expect("open"),
    );
    let t0 = chrono::Utc::now();
    let key = (
        supportbot::Platform::Teams,
        "user-1".to_owned(),
        "conversation-1".to_owned(),
    );
    let session = |text: &str, ttl: i64| StoredSession {
        choices: vec!["cancel".into(), "refund".into()],
        last: Some(StoredQuestion {
            text: text.into(),
            chain: LocaleChain {
                chain: vec!["en".into()],
                source: LocaleSource::Default,
            },
        }),
        expires_at: t0 + chrono::Duration::seconds(ttl),
    };
    assert_eq!(b.session(&key, t0).expect("read"), None);
    a.put_session(&key, &session("first", 60)).expect("put");
    assert_eq!(
        b.session(&key, t0).expect("read"),
        Some(session("first", 60))
    );
    b.put_session(&key, &session("second", 60))
        .expect("replace");
    assert_eq!(
        a.session(&key, t0).expect("read"),
        Some(session("second", 60))
    );
    let later = t0 + chrono::Duration::seconds(61);
    assert_eq!(a.session(&key, later).expect("read"), None, "expired");
    let other = (key.0, "user-2".to_owned(), key.2.clone());
    a.put_session(&other, &session("x", 10)).expect("put");
    a.put_session(&key, &session("y", 100)).expect("put");
    assert_eq!(b.purge_sessions(later).expect("purge"), 1);
    assert!(a.session(&key, later).expect("read").is_some(), "kept");
    // What a reply pays: one read (a choice number or `/why`) and one write.
    let started = std::time::Instant::now();
    for n in 0..200 {
        a.put_session(&key, &session(&format!("q{n}"), 100))
            .expect("put");
        assert!(b.session(&key, t0).expect("read").is_some());
    }
    eprintln!(
        "postgres sessions: {:?} per write + read on another store",
        started.elapsed() / 200
    );
}

/// Record writes were rolled back on PostgreSQL: the commit kept only
/// applied lifecycle and handoff writes, so the conversation record stayed
/// empty. An entry committed on one store is read on another.
#[tokio::test]
async fn a_record_entry_is_committed_and_read_on_another_store() {
    use supportbot::model::Platform;
    use supportbot::record::{Entry, EntryKind, RecordStore, RecordWrite, UserRef};
    let Some(url) = url("postgres_store::a_record_entry_is_committed_and_read_on_another_store")
    else {
        return;
    };
    let entry = Entry {
        at: t0(),
        event: "discord:1".into(),
        user: UserRef {
            platform: Platform::Discord,
            user_id: "42".into(),
        },
        conversation: "c1".into(),
        scope: None,
        kind: EntryKind::Text,
        locale: "en".into(),
        text: Some("hello [email]".into()),
        intent: None,
        rules: vec![],
        vetoed: vec![],
        answer_key: "none".into(),
        understood: Some(false),
    };
    let writer = PostgresStore::open(&url).expect("open");
    writer
        .commit_record(RecordWrite {
            put: vec![entry.clone()],
            ..RecordWrite::default()
        })
        .expect("commit");
    let reader = PostgresStore::open(&url).expect("second store");
    assert_eq!(reader.entries(None).expect("entries"), vec![entry.clone()]);
    assert_eq!(reader.user_entries(&entry.user).expect("by user").len(), 1);
}
