//! SledStore specifics: durability across reopen, typed open errors (never panics),
//! versioned values, commit-time checks.

use crate::common::*;
use supportbot::lifecycle::{AuditKind, SubState};
use supportbot::lifecycle::{Store, StoreError, WriteSet};
use supportbot::store::{codec, SledStore};

#[tokio::test]
async fn data_survives_reopen() {
    let h = sled();
    let dir = h.dir.as_ref().expect("dir").path().to_path_buf();
    let (_, p) = propose_cancel(&h, 1, "p1").await;
    let receipt = h
        .svc
        .confirm(&admin(), &p.token, None, &ev("c1"))
        .await
        .expect("confirm");
    let Harness { svc, dir: keep, .. } = h;
    drop(svc);
    let store = SledStore::open(&dir).expect("reopen");
    assert_eq!(
        store.subscriptions(&contoso()).expect("subs")[0].state,
        SubState::Disabled
    );
    let stored = store
        .outcome(&ev("c1").key())
        .expect("read")
        .expect("idempotency record");
    assert!(
        matches!(stored.outcome, supportbot::lifecycle::StoredOutcome::Confirmed(r) if r == receipt)
    );
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
    drop(keep);
}

#[tokio::test]
async fn a_dismissal_survives_reopen() {
    let h = sled();
    let dir = h.dir.as_ref().expect("dir").path().to_path_buf();
    let (_, p) = propose_cancel(&h, 1, "p1").await;
    h.svc
        .dismiss(&admin(), &p.token, &ev("d1"))
        .await
        .expect("dismiss");
    let Harness {
        svc,
        clock,
        key,
        dir: keep,
    } = h;
    drop(svc);
    let store = SledStore::open(&dir).expect("reopen");
    let svc = supportbot::lifecycle::LifecycleService::new(
        store,
        supportbot::lifecycle::Policy::default(),
        auth_config(),
        clock,
        key,
    );
    let err = svc.confirm(&admin(), &p.token, None, &ev("c1")).await;
    assert!(
        matches!(
            err,
            Err(supportbot::lifecycle::LifecycleError::TokenDismissed { .. })
        ),
        "{err:?}"
    );
    drop(svc);
    drop(keep);
}

#[test]
fn garbage_directory_is_a_typed_error_naming_the_dir() {
    let dir = TempDir::new("garbage");
    for name in ["conf", "db", "blobs"] {
        std::fs::write(
            dir.path().join(name),
            b"\x00\xffnot a sled file at all\x13\x37",
        )
        .expect("write");
    }
    let err = SledStore::open(dir.path()).expect_err("must not open");
    let StoreError::Unopenable { dir: reported, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(reported, dir.path());
    assert!(err.to_string().contains("restore"), "{err}");
}

/// Regression (the `tests/crash.rs` flake): a SIGKILL while sled wrote a
/// snapshot left `snap.<lsn>.generating`, which sled 0.34 then read as the
/// newest snapshot and refused to open the directory.
#[tokio::test]
async fn an_unfinished_snapshot_left_by_a_kill_does_not_stop_the_store_opening() {
    let h = sled();
    let dir = h.dir.as_ref().expect("dir").path().to_path_buf();
    let (_, p) = propose_cancel(&h, 1, "p1").await;
    h.svc
        .confirm(&admin(), &p.token, None, &ev("c1"))
        .await
        .expect("confirm");
    let Harness { svc, dir: keep, .. } = h;
    drop(svc);
    // What a kill half-way through `write_snapshot` leaves: a partial file
    // under a name that sorts after every finished snapshot.
    let unfinished = dir.join("snap.FFFFFFFFFFFFFFF0.generating");
    std::fs::write(&unfinished, b"\x01\x02 half a snapshot").expect("write");
    let store = SledStore::open(&dir).expect("opens despite the unfinished snapshot");
    assert_eq!(
        store.subscriptions(&contoso()).expect("subs")[0].state,
        SubState::Disabled,
        "the confirmed action is still there"
    );
    assert!(!unfinished.exists(), "the unfinished snapshot was removed");
    drop(keep);
}

#[test]
fn second_open_of_a_locked_directory_is_a_typed_error() {
    let dir = TempDir::new("locked");
    let first = SledStore::open(dir.path()).expect("first open");
    let second = SledStore::open(dir.path());
    assert!(
        matches!(second, Err(StoreError::Unopenable { .. })),
        "{second:?}"
    );
    drop(first);
    SledStore::open(dir.path()).expect("reopens once released");
}

#[test]
fn values_carry_a_format_byte() {
    let rec = supportbot::lifecycle::AuditRecord::new(
        t0(),
        supportbot::lifecycle::Actor::Scheduler,
        AuditKind::Transition,
    );
    let bytes = codec::encode(codec::Tree::Audit, &rec).expect("encode");
    assert_eq!(bytes[0], codec::FORMAT_V1);
    assert_eq!(
        &bytes[1..9],
        &[0u8; 8],
        "revision header (0 for audit records)"
    );
    assert!(bytes[9..].starts_with(b"{"), "JSON after the header");
    let versioned = codec::encode_versioned(codec::Tree::Audit, 7, &rec).expect("encode");
    assert_eq!(
        codec::split(codec::Tree::Audit, b"k", &versioned)
            .map(|(r, _)| r)
            .ok(),
        Some(7)
    );
    let back: supportbot::lifecycle::AuditRecord =
        codec::decode(codec::Tree::Audit, b"k", &bytes).expect("decode");
    assert_eq!(back, rec);
    let mut future = bytes.clone();
    future[0] = 2;
    let err =
        codec::decode::<supportbot::lifecycle::AuditRecord>(codec::Tree::Audit, b"k", &future)
            .expect_err("v2");
    assert!(
        err.to_string().contains("unsupported format version 2"),
        "{err}"
    );
}

#[test]
fn stale_revisions_are_rejected_atomically() {
    let h = sled();
    let store = h.svc.engine().store();
    let mut s = store.subscriptions(&contoso()).expect("subs").remove(0);
    let audit_before = store.audit(Some(&contoso())).expect("audit").len();
    // Revision not bumped: looks like a lost update.
    s.state = SubState::Deleted;
    let rec = supportbot::lifecycle::AuditRecord::new(
        t0(),
        supportbot::lifecycle::Actor::Scheduler,
        AuditKind::Transition,
    );
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
    assert_eq!(
        store.subscriptions(&contoso()).expect("subs")[0].state,
        SubState::Active
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

#[test]
fn unreadable_record_is_reported_at_open() {
    let dir = TempDir::new("badrecord");
    {
        let db = sled::open(dir.path()).expect("sled");
        let tree = db.open_tree("subscriptions").expect("tree");
        tree.insert(b"contoso\0x", &[9u8, 0, 0][..])
            .expect("insert");
        db.flush().expect("flush");
    }
    let err = SledStore::open(dir.path()).expect_err("must refuse");
    let text = err.to_string();
    assert!(
        text.contains("unsupported format version 9") && text.contains("restore"),
        "{text}"
    );
}
