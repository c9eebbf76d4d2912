//! Console operators and sessions on the shared commit path: keys, the
//! revision checks of an [`OperatorWrite`], and the
//! [`OperatorStore`](crate::operator::OperatorStore) read methods written
//! once over [`Raw`](super::raw::Raw).

use super::codec::{encode, encode_versioned, split, Tree};
use super::commit::{audit_row, put_audit, Tx};
use crate::lifecycle::StoreError;
use crate::operator::OperatorWrite;

/// Applies an operator write inside a backend transaction. Everything is
/// encoded and every revision checked before the first write.
pub(crate) fn apply<X: Tx>(tx: &X, w: &OperatorWrite) -> Result<Result<(), StoreError>, X::E> {
    let plan = || -> Result<_, StoreError> {
        let mut puts = Vec::new();
        for o in &w.operators {
            let value = encode_versioned(Tree::Operators, o.revision, o)?;
            puts.push((
                Tree::Operators,
                o.name.as_bytes().to_vec(),
                value,
                Some(o.revision),
            ));
        }
        for s in &w.sessions {
            let value = encode(Tree::ConsoleSessions, s)?;
            puts.push((
                Tree::ConsoleSessions,
                s.id_hash.as_bytes().to_vec(),
                value,
                None,
            ));
        }
        let audit = w
            .audit
            .iter()
            .map(audit_row)
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((puts, audit))
    };
    let (puts, audit) = match plan() {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    for (tree, key, _, revision) in &puts {
        let Some(new) = *revision else { continue };
        let ok = match tx.get(*tree, key)? {
            None => new == 0,
            Some(bytes) => match split(*tree, key, &bytes) {
                Ok((stored, _)) => new != 0 && stored.checked_add(1) == Some(new),
                Err(e) => return Ok(Err(e)),
            },
        };
        if !ok {
            return Ok(Err(StoreError::Conflict(format!(
                "{} {}",
                tree.name(),
                String::from_utf8_lossy(key)
            ))));
        }
    }
    for name in &w.remove_operators {
        tx.remove(Tree::Operators, name.as_bytes())?;
    }
    for hash in &w.remove_sessions {
        tx.remove(Tree::ConsoleSessions, hash.as_bytes())?;
    }
    for (tree, key, value, _) in puts {
        tx.put(tree, key, value)?;
    }
    for (prefix, value) in audit {
        put_audit(tx, prefix, value)?;
    }
    Ok(Ok(()))
}

/// Implements [`OperatorStore`](crate::operator::OperatorStore) for a type
/// with an inherent `raw_commit_operator` method and a `Raw` impl.
macro_rules! impl_operator_store {
    ($t:ty) => {
        impl $crate::operator::OperatorStore for $t {
            fn operator(
                &self,
                name: &str,
            ) -> Result<Option<$crate::operator::Operator>, StoreError> {
                raw::one(self, Tree::Operators, name.as_bytes())
            }
            fn operators(&self) -> Result<Vec<$crate::operator::Operator>, StoreError> {
                raw::list(self, Tree::Operators, b"")
            }
            fn console_session(
                &self,
                id_hash: &str,
            ) -> Result<Option<$crate::operator::ConsoleSession>, StoreError> {
                raw::one(self, Tree::ConsoleSessions, id_hash.as_bytes())
            }
            fn console_sessions(
                &self,
            ) -> Result<Vec<$crate::operator::ConsoleSession>, StoreError> {
                raw::list(self, Tree::ConsoleSessions, b"")
            }
            fn commit_operators(
                &self,
                writes: $crate::operator::OperatorWrite,
            ) -> Result<(), StoreError> {
                self.raw_commit_operator(writes)
            }
        }
    };
}
pub(crate) use impl_operator_store;

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use crate::lifecycle::Store;
    use crate::operator::{Operator, OperatorRole, OperatorStore, OperatorWrite};
    use crate::store::MemoryStore;

    fn op(revision: u64) -> Operator {
        Operator {
            name: "ada".into(),
            role: OperatorRole::Admin,
            password_hash: "$argon2id$x".into(),
            created_at: Utc::now(),
            revision,
        }
    }

    #[test]
    fn operators_are_created_once_and_audited_in_the_same_commit() {
        let store = MemoryStore::new();
        let mut audit = crate::lifecycle::AuditRecord::new(
            Utc::now(),
            crate::lifecycle::Actor::Scheduler,
            crate::lifecycle::AuditKind::OperatorAdded,
        );
        audit.detail = Some("added".into());
        let add = |revision| OperatorWrite {
            operators: vec![op(revision)],
            audit: vec![audit.clone()],
            ..OperatorWrite::default()
        };
        store.commit_operators(add(0)).expect("create");
        assert!(store.commit_operators(add(0)).is_err(), "exists");
        assert_eq!(
            store.audit(None).expect("audit").len(),
            1,
            "refused write wrote nothing"
        );
        store.commit_operators(add(1)).expect("update");
        assert_eq!(store.operators().expect("list").len(), 1);
        store
            .commit_operators(OperatorWrite {
                remove_operators: vec!["ada".into()],
                ..OperatorWrite::default()
            })
            .expect("remove");
        assert!(store.operator("ada").expect("read").is_none());
    }

    use crate::operator::ConsoleSession;
    use crate::store::sled::SledStore;

    fn session() -> ConsoleSession {
        let at = chrono::Utc::now();
        ConsoleSession {
            id_hash: "ab12".into(),
            operator: "ada".into(),
            csrf: "c".into(),
            created_at: at,
            last_seen: at,
        }
    }

    fn removed_session_is_gone(store: &dyn OperatorStore) {
        let session = session();
        store
            .commit_operators(OperatorWrite {
                sessions: vec![session.clone()],
                ..OperatorWrite::default()
            })
            .expect("put");
        assert_eq!(store.console_session("ab12").expect("read"), Some(session));
        store
            .commit_operators(OperatorWrite {
                remove_sessions: vec!["ab12".into()],
                ..OperatorWrite::default()
            })
            .expect("remove");
        assert_eq!(store.console_session("ab12").expect("read"), None);
    }

    /// Sign-out deletes the session: the cookie must be dead afterwards on
    /// every adapter.
    #[test]
    fn a_removed_console_session_is_gone() {
        removed_session_is_gone(&MemoryStore::new());
        let dir = tempfile::tempdir().expect("tempdir");
        removed_session_is_gone(&SledStore::open(dir.path().join("db")).expect("open"));
    }
}
