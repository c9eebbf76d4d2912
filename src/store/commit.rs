//! The commit rules, written once over a minimal transaction interface so the in-memory
//! store used by tests checks exactly what the sled store checks.

use super::codec::{
    account_prefix, confirmation_key, credit_key, decode, encode, encode_versioned, split,
    subscription_key, Tree,
};
use crate::lifecycle::{AuditRecord, Credit};
use crate::lifecycle::{Committed, StoreError, WriteSet};

/// The primitive operations a backend transaction offers. `E` is the backend's own error
/// (e.g. sled's "retry this transaction"), kept apart from our [`StoreError`] aborts.
pub trait Tx {
    /// Backend failure type.
    type E;
    /// Reads a key (seeing this transaction's own writes).
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, Self::E>;
    /// Writes a key.
    fn put(&self, tree: Tree, key: Vec<u8>, value: Vec<u8>) -> Result<(), Self::E>;
    /// Removes a key.
    fn remove(&self, tree: Tree, key: &[u8]) -> Result<(), Self::E>;
    /// A new, monotonically increasing audit sequence number.
    fn next_seq(&self) -> Result<u64, Self::E>;
}

/// An audit record as stored: the account prefix of its key, and its value
/// without a sequence number (that lives in the key, assigned at write
/// time by [`put_audit`]).
pub(crate) fn audit_row(r: &AuditRecord) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
    let value = encode(
        Tree::Audit,
        &AuditRecord {
            seq: 0,
            ..r.clone()
        },
    )?;
    Ok((account_prefix(r.account.as_ref()), value))
}

/// Writes an [`audit_row`], completing its key with the next sequence number.
pub(crate) fn put_audit<X: Tx>(tx: &X, mut prefix: Vec<u8>, value: Vec<u8>) -> Result<(), X::E> {
    prefix.extend_from_slice(&tx.next_seq()?.to_be_bytes());
    tx.put(Tree::Audit, prefix, value)
}

/// What must hold for a write to go ahead.
enum Expect {
    /// Versioned record: stored revision must be `new - 1`, or absent when `new` is 0.
    Revision(u64),
    /// Must not exist yet (credits).
    Absent,
    /// No precondition.
    Nothing,
}

/// One encoded write.
struct Op {
    tree: Tree,
    key: Vec<u8>,
    value: Option<Vec<u8>>,
    expect: Expect,
}

/// Encodes every write up front, so nothing can fail half-way through writing.
fn plan_ops(ws: &WriteSet) -> Result<Vec<Op>, StoreError> {
    let mut ops = Vec::new();
    let mut put = |tree, key, value, expect| {
        ops.push(Op {
            tree,
            key,
            value: Some(value),
            expect,
        })
    };
    for a in &ws.accounts {
        let key = a.id.as_str().as_bytes().to_vec();
        put(
            Tree::Accounts,
            key,
            encode_versioned(Tree::Accounts, a.revision, a)?,
            Expect::Revision(a.revision),
        );
    }
    for s in &ws.subscriptions {
        put(
            Tree::Subscriptions,
            subscription_key(s),
            encode_versioned(Tree::Subscriptions, s.revision, s)?,
            Expect::Revision(s.revision),
        );
    }
    for c in &ws.confirmations {
        put(
            Tree::Confirmations,
            confirmation_key(&c.id),
            encode_versioned(Tree::Confirmations, c.revision, c)?,
            Expect::Revision(c.revision),
        );
    }
    for c in &ws.credits {
        put(
            Tree::Credits,
            credit_key(c),
            encode(Tree::Credits, c)?,
            Expect::Absent,
        );
    }
    for r in &ws.audit {
        let (prefix, value) = audit_row(r)?;
        put(Tree::Audit, prefix, value, Expect::Nothing);
    }
    // After the records it vouches for: the sled engine applies writes one by one, so
    // a reader that sees the stored outcome must already see the state it describes.
    if let Some(rec) = &ws.idempotency {
        put(
            Tree::Idempotency,
            rec.event.as_bytes().to_vec(),
            encode(Tree::Idempotency, rec)?,
            Expect::Nothing,
        );
    }
    for id in &ws.purge_confirmations {
        ops.push(Op {
            tree: Tree::Confirmations,
            key: confirmation_key(id),
            value: None,
            expect: Expect::Nothing,
        });
    }
    let mut keys: Vec<_> = ops
        .iter()
        .filter(|o| o.tree != Tree::Audit)
        .map(|o| (o.tree, &o.key))
        .collect();
    keys.sort();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        return Err(StoreError::Conflict(
            "the same record twice in one commit".into(),
        ));
    }
    Ok(ops)
}

fn check<X: Tx>(tx: &X, op: &Op) -> Result<Result<(), StoreError>, X::E> {
    let conflict = || {
        StoreError::Conflict(format!(
            "{} {}",
            op.tree.name(),
            String::from_utf8_lossy(&op.key)
        ))
    };
    let ok = match op.expect {
        Expect::Nothing => true,
        Expect::Absent => {
            if tx.get(op.tree, &op.key)?.is_some() {
                return Ok(Err(duplicate_credit(&op.key, op.value.as_deref())));
            }
            true
        }
        Expect::Revision(new) => match tx.get(op.tree, &op.key)? {
            None => new == 0,
            Some(bytes) => match split(op.tree, &op.key, &bytes) {
                Ok((revision, _)) => revision.checked_add(1) == Some(new),
                Err(e) => return Ok(Err(e)),
            },
        },
    };
    Ok(if ok { Ok(()) } else { Err(conflict()) })
}

fn duplicate_credit(key: &[u8], value: Option<&[u8]>) -> StoreError {
    match value.map(|v| decode::<Credit>(Tree::Credits, key, v)) {
        Some(Ok(c)) => StoreError::DuplicateCredit {
            subscription: c.subscription,
            term_start: c.term_start,
        },
        Some(Err(e)) => e,
        None => StoreError::Conflict("credit".into()),
    }
}

/// Applies a write set inside a backend transaction. The outer `Result` is the backend's
/// error; the inner one is ours. All checks run before the first write, so a refused
/// write set writes nothing, even when several share one backend transaction.
pub fn apply<X: Tx>(tx: &X, ws: &WriteSet) -> Result<Result<Committed, StoreError>, X::E> {
    if let Some(rec) = &ws.idempotency {
        if let Some(bytes) = tx.get(Tree::Idempotency, rec.event.as_bytes())? {
            return Ok(decode(Tree::Idempotency, rec.event.as_bytes(), &bytes)
                .map(|r| Committed::Replayed(Box::new(r))));
        }
    }
    let ops = match plan_ops(ws) {
        Ok(ops) => ops,
        Err(e) => return Ok(Err(e)),
    };
    for op in &ops {
        if let Err(e) = check(tx, op)? {
            return Ok(Err(e));
        }
    }
    for op in ops {
        match (op.tree, op.value) {
            (Tree::Audit, Some(v)) => put_audit(tx, op.key, v)?,
            (tree, Some(v)) => tx.put(tree, op.key, v)?,
            (tree, None) => tx.remove(tree, &op.key)?,
        }
    }
    Ok(Ok(Committed::Applied))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::Account;
    use crate::lifecycle::Store;
    use crate::model::{AccountId, CountryCode};
    use crate::store::MemoryStore;

    fn account(revision: u64) -> Account {
        Account {
            id: AccountId::parse("a").expect("id"),
            name: "A".into(),
            country: CountryCode::parse("NO").expect("country"),
            preferred_locale: "en".into(),
            discord_guild_ids: vec![],
            teams_tenant_ids: vec![],
            closed_at: None,
            revision,
        }
    }

    #[test]
    fn header_revision_matches_the_record_and_gates_the_next_write() {
        let store = MemoryStore::new();
        let ws = |r| WriteSet {
            accounts: vec![account(r)],
            ..WriteSet::default()
        };
        assert!(
            matches!(store.commit(ws(1)), Err(StoreError::Conflict(_))),
            "must be new"
        );
        store.commit(ws(0)).expect("create");
        store.commit(ws(1)).expect("update");
        assert!(
            matches!(store.commit(ws(1)), Err(StoreError::Conflict(_))),
            "stale"
        );
        let twice = WriteSet {
            accounts: vec![account(2), account(2)],
            ..WriteSet::default()
        };
        assert!(matches!(store.commit(twice), Err(StoreError::Conflict(_))));
        let bytes = encode_versioned(Tree::Accounts, 5, &account(5)).expect("encode");
        assert_eq!(
            split(Tree::Accounts, b"a", &bytes).map(|(r, _)| r).ok(),
            Some(5)
        );
        assert_eq!(
            store
                .account(&account(0).id)
                .ok()
                .flatten()
                .map(|a| a.revision),
            Some(1)
        );
    }
}
