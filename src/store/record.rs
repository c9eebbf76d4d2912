//! The conversation record on the shared commit path: key layout, the
//! writes of a [`RecordWrite`] (entries, their per-user index, audit
//! records), and the [`RecordStore`](crate::record::RecordStore) read
//! methods written once over [`Raw`](super::raw::Raw).

use chrono::{DateTime, Utc};

use super::codec::{decode, encode, Tree};
use super::commit::{audit_row, put_audit, Tx};
use super::raw::Raw;
use crate::lifecycle::StoreError;
use crate::record::{Entry, RecordKey, RecordWrite, UserRef};

/// Big-endian milliseconds with the sign bit flipped, so keys sort by time
/// (before 1970 too).
fn time_prefix(at: DateTime<Utc>) -> [u8; 8] {
    ((at.timestamp_millis() as u64) ^ (1 << 63)).to_be_bytes()
}

fn time_of(key: &[u8]) -> Option<i64> {
    let head = <[u8; 8]>::try_from(key.get(..8)?).ok()?;
    Some((u64::from_be_bytes(head) ^ (1 << 63)) as i64)
}

/// Key of an entry: its time, then its event.
pub(crate) fn record_key(key: &RecordKey) -> Vec<u8> {
    let mut k = time_prefix(key.at).to_vec();
    k.extend_from_slice(key.event.as_bytes());
    k
}

/// Prefix of a user's index keys. Platform ids never contain NUL.
pub(crate) fn user_prefix(user: &UserRef) -> Vec<u8> {
    let mut k = user.platform.as_str().as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(user.user_id.as_bytes());
    k.push(0);
    k
}

fn index_key(entry: &Entry) -> Vec<u8> {
    let mut k = user_prefix(&entry.user);
    k.extend_from_slice(&record_key(&entry.key()));
    k
}

/// Applies a record write inside a backend transaction. Everything is
/// encoded before the first write, so a write that cannot be encoded writes
/// nothing.
pub(crate) fn apply<X: Tx>(tx: &X, w: &RecordWrite) -> Result<Result<(), StoreError>, X::E> {
    let plan = || -> Result<_, StoreError> {
        let puts = w
            .put
            .iter()
            .map(|e| {
                Ok((
                    record_key(&e.key()),
                    index_key(e),
                    encode(Tree::Records, e)?,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let index_value = encode(Tree::RecordUsers, &())?;
        let audit = w
            .audit
            .iter()
            .map(audit_row)
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((puts, index_value, audit))
    };
    let (puts, index_value, audit) = match plan() {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    for e in &w.remove {
        tx.remove(Tree::Records, &record_key(&e.key()))?;
        tx.remove(Tree::RecordUsers, &index_key(e))?;
    }
    for (key, index, value) in puts {
        tx.put(Tree::Records, key, value)?;
        tx.put(Tree::RecordUsers, index, index_value.clone())?;
    }
    for (prefix, value) in audit {
        put_audit(tx, prefix, value)?;
    }
    Ok(Ok(()))
}

/// Entries whose key time is in `from..to` (milliseconds), oldest first,
/// at most `limit`. Keys outside are skipped without decoding.
pub(crate) fn entries_between(
    raw: &impl Raw,
    from: Option<i64>,
    to: Option<i64>,
    limit: usize,
) -> Result<Vec<Entry>, StoreError> {
    let mut out = Vec::new();
    raw.scan(Tree::Records, b"", &mut |k, v| {
        let t = time_of(k).unwrap_or(i64::MIN);
        let inside = from.is_none_or(|f| t >= f) && to.is_none_or(|e| t < e);
        if inside && out.len() < limit {
            out.push(decode(Tree::Records, k, v)?);
        }
        Ok(())
    })?;
    Ok(out)
}

/// One user's entries through the index, oldest first.
pub(crate) fn user_entries(raw: &impl Raw, user: &UserRef) -> Result<Vec<Entry>, StoreError> {
    let prefix = user_prefix(user);
    let mut keys = Vec::new();
    raw.scan(Tree::RecordUsers, &prefix, &mut |k, _| {
        keys.push(k.get(prefix.len()..).unwrap_or_default().to_vec());
        Ok(())
    })?;
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        if let Some(v) = raw.get(Tree::Records, &key)? {
            out.push(decode(Tree::Records, &key, &v)?);
        }
    }
    Ok(out)
}

/// Implements [`RecordStore`](crate::record::RecordStore) for a type with an
/// inherent `raw_commit_record` method and a `Raw` impl.
macro_rules! impl_record_store {
    ($t:ty) => {
        impl $crate::record::RecordStore for $t {
            fn entry(
                &self,
                key: &$crate::record::RecordKey,
            ) -> Result<Option<$crate::record::Entry>, StoreError> {
                raw::one(self, Tree::Records, &super::record::record_key(key))
            }
            fn entries(
                &self,
                since: Option<chrono::DateTime<chrono::Utc>>,
            ) -> Result<Vec<$crate::record::Entry>, StoreError> {
                super::record::entries_between(
                    self,
                    since.map(|s| s.timestamp_millis()),
                    None,
                    usize::MAX,
                )
            }
            fn entries_before(
                &self,
                cutoff: chrono::DateTime<chrono::Utc>,
                limit: usize,
            ) -> Result<Vec<$crate::record::Entry>, StoreError> {
                super::record::entries_between(self, None, Some(cutoff.timestamp_millis()), limit)
            }
            fn user_entries(
                &self,
                user: &$crate::record::UserRef,
            ) -> Result<Vec<$crate::record::Entry>, StoreError> {
                super::record::user_entries(self, user)
            }
            fn commit_record(&self, writes: $crate::record::RecordWrite) -> Result<(), StoreError> {
                self.raw_commit_record(writes)
            }
        }
    };
}
pub(crate) use impl_record_store;

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::Platform;
    use crate::record::{EntryKind, RecordStore};
    use crate::store::{MemoryStore, SledStore};

    fn entry(user: &str, secs: i64, event: &str) -> Entry {
        Entry {
            at: Utc
                .timestamp_opt(1_790_000_000 + secs, 0)
                .single()
                .expect("time"),
            event: format!("discord:{event}"),
            user: UserRef {
                platform: Platform::Discord,
                user_id: user.into(),
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
        }
    }

    fn exercise(store: &dyn RecordStore) {
        let (a1, a2, b1) = (
            entry("a", 10, "1"),
            entry("a", 20, "2"),
            entry("b", 15, "3"),
        );
        for e in [&a1, &a2, &b1] {
            store
                .commit_record(RecordWrite {
                    put: vec![e.clone()],
                    ..RecordWrite::default()
                })
                .expect("put");
        }
        let all = store.entries(None).expect("all");
        assert_eq!(all, vec![a1.clone(), b1.clone(), a2.clone()], "time order");
        assert_eq!(store.entries(Some(b1.at)).expect("since").len(), 2);
        assert_eq!(store.entries_before(a2.at, 10).expect("before").len(), 2);
        assert_eq!(
            store.entries_before(a2.at, 1).expect("limit"),
            vec![a1.clone()]
        );
        assert_eq!(
            store.user_entries(&a1.user).expect("a"),
            vec![a1.clone(), a2.clone()]
        );
        // A re-delivered event overwrites its own entry.
        let mut again = a1.clone();
        again.answer_key = "choose".into();
        store
            .commit_record(RecordWrite {
                put: vec![again.clone()],
                ..RecordWrite::default()
            })
            .expect("again");
        assert_eq!(store.entries(None).expect("all").len(), 3);
        assert_eq!(store.entry(&a1.key()).expect("one"), Some(again));
        store
            .commit_record(RecordWrite {
                remove: vec![a1.clone(), a2.clone()],
                ..RecordWrite::default()
            })
            .expect("erase");
        assert!(store.user_entries(&a1.user).expect("a").is_empty());
        assert_eq!(store.entries(None).expect("all"), vec![b1]);
    }

    #[test]
    fn memory_store_keeps_entries_in_time_order_with_a_user_index() {
        exercise(&MemoryStore::new());
    }

    #[test]
    fn sled_store_keeps_entries_durably_in_time_order_with_a_user_index() {
        let dir = tempfile::tempdir().expect("dir");
        {
            let store = SledStore::open(dir.path()).expect("open");
            exercise(&store);
        }
        let reopened = SledStore::open(dir.path()).expect("reopen");
        assert_eq!(
            reopened.entries(None).expect("all").len(),
            1,
            "survives a restart"
        );
    }

    #[test]
    fn keys_sort_by_time_across_1970() {
        let before = time_prefix(Utc.timestamp_opt(-5, 0).single().expect("t"));
        let after = time_prefix(Utc.timestamp_opt(5, 0).single().expect("t"));
        assert!(before < after);
        assert_eq!(time_of(&after), Some(5000));
    }
}
