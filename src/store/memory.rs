//! In-memory [`Store`](crate::lifecycle::Store) for tests and demos. It stores the same encoded bytes
//! and runs the same commit rules as the sled store; it just isn't durable.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::codec::Tree;
use super::commit::Tx;
use super::raw::{self, impl_store, Raw, Visitor};
use super::write::{apply_write, StoreCommitted, StoreWrite};
use crate::handoff::{HandoffCommitted, HandoffWrite};
use crate::lifecycle::{
    Account, AuditRecord, ConfirmationId, Credit, IdempotencyRecord, PendingConfirmation,
    Subscription,
};
use crate::lifecycle::{Committed, StoreError, WriteSet};
use crate::model::AccountId;
use crate::record::RecordWrite;

type Table = BTreeMap<Vec<u8>, Vec<u8>>;
/// Staged writes: `None` marks a removal.
type Overlay = BTreeMap<(Tree, Vec<u8>), Option<Vec<u8>>>;

#[derive(Debug, Default)]
struct Inner {
    tables: BTreeMap<Tree, Table>,
    seq: u64,
}

/// A non-durable store held in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock cannot leave a half-applied commit
        // (commits are staged first), so the data behind a poisoned lock is consistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn raw_commit(&self, ws: WriteSet) -> Result<Committed, StoreError> {
        self.commit_write(&StoreWrite::Lifecycle(ws))?.lifecycle()
    }

    fn raw_commit_handoff(&self, w: HandoffWrite) -> Result<HandoffCommitted, StoreError> {
        self.commit_write(&StoreWrite::Handoff(w))?.handoff()
    }

    fn raw_commit_record(&self, w: RecordWrite) -> Result<(), StoreError> {
        self.commit_write(&StoreWrite::Record(w))?.record()
    }

    fn commit_write(&self, ws: &StoreWrite) -> Result<StoreCommitted, StoreError> {
        let mut inner = self.lock();
        let tx = Staged {
            base: &inner,
            overlay: RefCell::new(BTreeMap::new()),
            seq: Cell::new(inner.seq),
        };
        let result = match apply_write(&tx, ws) {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let (overlay, seq) = (tx.overlay.into_inner(), tx.seq.get());
        if matches!(
            result,
            Ok(StoreCommitted::Lifecycle(Committed::Applied)
                | StoreCommitted::Handoff(HandoffCommitted::Applied)
                | StoreCommitted::Record)
        ) {
            inner.seq = seq;
            for ((tree, key), value) in overlay {
                let table = inner.tables.entry(tree).or_default();
                match value {
                    Some(v) => table.insert(key, v),
                    None => table.remove(&key),
                };
            }
        }
        result
    }

    fn raw_sync(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

impl Raw for MemoryStore {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .lock()
            .tables
            .get(&tree)
            .and_then(|t| t.get(key))
            .cloned())
    }

    fn scan(&self, tree: Tree, prefix: &[u8], visit: &mut Visitor<'_>) -> Result<(), StoreError> {
        let inner = self.lock();
        let Some(table) = inner.tables.get(&tree) else {
            return Ok(());
        };
        for (k, v) in table
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
        {
            visit(k, v)?;
        }
        Ok(())
    }
}

/// A commit staged over the current tables; merged only if it succeeds.
struct Staged<'a> {
    base: &'a Inner,
    overlay: RefCell<Overlay>,
    seq: Cell<u64>,
}

impl Tx for Staged<'_> {
    type E = Infallible;

    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, Infallible> {
        if let Some(v) = self.overlay.borrow().get(&(tree, key.to_vec())) {
            return Ok(v.clone());
        }
        Ok(self
            .base
            .tables
            .get(&tree)
            .and_then(|t| t.get(key))
            .cloned())
    }

    fn put(&self, tree: Tree, key: Vec<u8>, value: Vec<u8>) -> Result<(), Infallible> {
        self.overlay.borrow_mut().insert((tree, key), Some(value));
        Ok(())
    }

    fn remove(&self, tree: Tree, key: &[u8]) -> Result<(), Infallible> {
        self.overlay.borrow_mut().insert((tree, key.to_vec()), None);
        Ok(())
    }

    fn next_seq(&self) -> Result<u64, Infallible> {
        self.seq.set(self.seq.get() + 1);
        Ok(self.seq.get())
    }
}

impl_store!(MemoryStore);
super::handoff::impl_ticket_store!(MemoryStore);
super::record::impl_record_store!(MemoryStore);
