use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{TimeDelta, TimeZone, Utc};

use super::*;
use crate::lifecycle::{AuditKind, AuditRecord, ManualClock};

/// A plain in-memory port, so these tests exercise the service alone
/// (the store adapters have their own tests in `crate::store`).
#[derive(Default)]
struct Fake {
    ops: Mutex<BTreeMap<String, Operator>>,
    sessions: Mutex<BTreeMap<String, ConsoleSession>>,
    audit: Mutex<Vec<AuditRecord>>,
}

impl OperatorStore for Fake {
    fn operator(&self, name: &str) -> Result<Option<Operator>, StoreError> {
        Ok(self.ops.lock().unwrap().get(name).cloned())
    }
    fn operators(&self) -> Result<Vec<Operator>, StoreError> {
        Ok(self.ops.lock().unwrap().values().cloned().collect())
    }
    fn console_session(&self, id: &str) -> Result<Option<ConsoleSession>, StoreError> {
        Ok(self.sessions.lock().unwrap().get(id).cloned())
    }
    fn console_sessions(&self) -> Result<Vec<ConsoleSession>, StoreError> {
        Ok(self.sessions.lock().unwrap().values().cloned().collect())
    }
    fn commit_operators(&self, w: OperatorWrite) -> Result<(), StoreError> {
        let mut ops = self.ops.lock().unwrap();
        for o in w.operators {
            ops.insert(o.name.clone(), o);
        }
        for n in w.remove_operators {
            ops.remove(&n);
        }
        let mut sessions = self.sessions.lock().unwrap();
        for s in w.sessions {
            sessions.insert(s.id_hash.clone(), s);
        }
        for h in w.remove_sessions {
            sessions.remove(&h);
        }
        self.audit.lock().unwrap().extend(w.audit);
        Ok(())
    }
}

fn service() -> (OperatorService, Arc<Fake>, Arc<ManualClock>) {
    let store = Arc::new(Fake::default());
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap(),
    ));
    let limits = SignInLimits {
        max_failures: 3,
        ..SignInLimits::default()
    };
    let s = OperatorService::new(store.clone(), clock.clone(), limits, TimeDelta::minutes(30));
    (s, store, clock)
}

const PW: &str = "correct horse battery";

#[test]
fn names_and_roles_parse_strictly() {
    assert!(check_name("ada.l-1_x").is_ok());
    for bad in ["", "a b", "<script>", "å", &"x".repeat(65)] {
        assert!(check_name(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        OperatorRole::parse("rule-author"),
        Ok(OperatorRole::RuleAuthor)
    );
    assert!(OperatorRole::parse("root").is_err());
}

#[test]
fn hashes_are_phc_and_salted() {
    let (a, b) = (hash_password(PW).unwrap(), hash_password(PW).unwrap());
    assert!(a.starts_with("$argon2id$"), "{a}");
    assert_ne!(a, b, "a fresh salt each time");
    assert!(verify_password(PW, &a));
    assert!(!verify_password("wrong", &a));
    assert!(!verify_password(PW, "not a phc string"));
}

#[tokio::test]
async fn sign_in_issues_a_fresh_session_and_audits_without_the_password() {
    let (s, store, _) = service();
    s.add("ada", OperatorRole::Admin, PW, "cli:operator")
        .await
        .unwrap();
    assert!(matches!(
        s.add("ada", OperatorRole::Agent, PW, "x").await,
        Err(OperatorError::Exists(_))
    ));
    assert!(matches!(
        s.add("bob", OperatorRole::Agent, "short", "x").await,
        Err(OperatorError::WeakPassword)
    ));
    assert_eq!(
        s.sign_in("ada", "nope", "1.2.3.4").await.err(),
        Some(SignInError::Wrong)
    );
    assert_eq!(
        s.sign_in("nobody", PW, "1.2.3.4").await.err(),
        Some(SignInError::Wrong)
    );
    let (t1, signed) = s.sign_in("ada", PW, "1.2.3.4").await.unwrap();
    let (t2, _) = s.sign_in("ada", PW, "1.2.3.4").await.unwrap();
    assert_ne!(t1, t2);
    assert_eq!(signed.identity().map(|i| i.user_id), Some("ada".to_owned()));
    assert!(s.check(&t1).await.unwrap().is_some());
    assert!(
        store.sessions.lock().unwrap().get(t1.as_str()).is_none(),
        "only the hash is a key"
    );
    let audit = store.audit.lock().unwrap().clone();
    let kinds: Vec<_> = audit.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == AuditKind::SignInFailed)
            .count(),
        2
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == AuditKind::SignedIn).count(),
        2
    );
    let text = serde_json::to_string(&audit).unwrap();
    assert!(!text.contains(PW) && !text.contains("nope"), "{text}");
}

#[tokio::test]
async fn failures_lock_the_name_and_the_address() {
    let (s, _, clock) = service();
    s.add("ada", OperatorRole::Agent, PW, "x").await.unwrap();
    for _ in 0..3 {
        assert_eq!(
            s.sign_in("ada", "bad", "9.9.9.9").await.err(),
            Some(SignInError::Wrong)
        );
    }
    assert_eq!(
        s.sign_in("ada", PW, "1.1.1.1").await.err(),
        Some(SignInError::Locked)
    );
    clock.advance(TimeDelta::minutes(16));
    assert!(
        s.sign_in("ada", PW, "1.1.1.1").await.is_ok(),
        "the lock ends"
    );
}

#[tokio::test]
async fn idle_sessions_expire_and_sign_out_and_removal_end_them() {
    let (s, _, clock) = service();
    s.add("ada", OperatorRole::RuleAuthor, PW, "x")
        .await
        .unwrap();
    let (t, signed) = s.sign_in("ada", PW, "ip").await.unwrap();
    assert!(signed.identity().is_none(), "rule authors act on nothing");
    clock.advance(TimeDelta::minutes(20));
    assert!(
        s.check(&t).await.unwrap().is_some(),
        "use refreshes the idle clock"
    );
    clock.advance(TimeDelta::minutes(20));
    assert!(s.check(&t).await.unwrap().is_some());
    clock.advance(TimeDelta::minutes(31));
    assert!(s.check(&t).await.unwrap().is_none(), "idle too long");
    let (t, signed) = s.sign_in("ada", PW, "ip").await.unwrap();
    s.sign_out(&signed).await.unwrap();
    assert!(s.check(&t).await.unwrap().is_none());
    let (t, _) = s.sign_in("ada", PW, "ip").await.unwrap();
    s.remove("ada", "x").await.unwrap();
    assert!(s.check(&t).await.unwrap().is_none());
    assert!(s
        .check(&SessionToken::from_cookie("junk"))
        .await
        .unwrap()
        .is_none());
}
