//! The sled-backed [`Store`](super::Store). The only file in the crate that imports sled.
//!
//! Trees: `accounts`, `subscriptions`, `credits`, `audit`, `idempotency`, `confirmations`
//! (layouts in [`super::codec`]). Every commit is one multi-tree sled transaction run on
//! the group-commit writer thread, followed by `Db::flush` before the caller returns.
//!
//! sled 0.34 has public reports of databases that no longer open after an abrupt stop
//! (spacejam/sled#1533). [`SledStore::open`] therefore never panics: panics inside sled
//! and unreadable records found by the open-time scan become [`StoreError::Unopenable`],
//! naming the directory and the recovery path (restore from JSON exports).

use std::path::{Path, PathBuf};

use sled::transaction::{
    ConflictableTransactionError, TransactionError, TransactionalTree, UnabortableTransactionError,
};
use sled::Transactional;

use super::codec::{split, Tree};
use super::commit::{apply, Tx};
use super::group_commit::{Backend, GroupCommit};
use super::raw::{self, impl_store, Raw, Visitor};
use super::{Committed, StoreError, WriteSet};
use crate::lifecycle::{
    Account, AccountId, AuditRecord, ConfirmationId, Credit, IdempotencyRecord,
    PendingConfirmation, Subscription,
};

/// A durable store in a sled directory.
pub struct SledStore {
    dir: PathBuf,
    trees: Trees,
    writer: GroupCommit,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
struct Trees {
    db: sled::Db,
    t: [sled::Tree; 6],
}

impl Trees {
    fn tree(&self, tree: Tree) -> &sled::Tree {
        &self.t[tree as usize]
    }
}

fn io(e: sled::Error) -> StoreError {
    StoreError::Io(e.to_string())
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the storage engine panicked".to_owned())
}

impl SledStore {
    /// Opens (creating if needed) the database in `dir`, checks that every record is
    /// readable, and starts the writer thread. Never panics: a damaged or locked
    /// directory is reported as [`StoreError::Unopenable`].
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        SledStore::open_with(dir, Durability::default())
    }

    /// [`SledStore::open`] with an explicit [`Durability`].
    pub fn open_with(dir: impl AsRef<Path>, durability: Durability) -> Result<Self, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        let unopenable = |detail: String| StoreError::Unopenable {
            dir: dir.clone(),
            detail,
        };
        let opened = std::panic::catch_unwind(|| -> sled::Result<Trees> {
            // We flush explicitly after every batch, so sled's timer thread would only
            // add I/O contention.
            let db = sled::Config::new().path(&dir).flush_every_ms(None).open()?;
            let mut t = Vec::with_capacity(Tree::ALL.len());
            for tree in Tree::ALL {
                t.push(db.open_tree(tree.name())?);
            }
            let t: [sled::Tree; 6] = t
                .try_into()
                .map_err(|_| sled::Error::Unsupported("tree count".into()))?;
            Ok(Trees { db, t })
        });
        let trees = match opened {
            Ok(Ok(trees)) => trees,
            Ok(Err(e)) => return Err(unopenable(e.to_string())),
            Err(panic) => return Err(unopenable(panic_text(panic.as_ref()))),
        };
        // AssertUnwindSafe: after a panic the half-opened database is dropped, never used.
        let scanned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| verify(&trees)));
        match scanned {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(unopenable(e.to_string())),
            Err(panic) => return Err(unopenable(panic_text(panic.as_ref()))),
        }
        let data_file = match durability {
            Durability::ProcessCrash => None,
            Durability::PowerLoss => Some(
                std::fs::File::open(dir.join("db"))
                    .map_err(|e| unopenable(format!("{}: {e}", dir.join("db").display())))?,
            ),
        };
        let writer = GroupCommit::start(
            "lifecycle-store-writer",
            Writer {
                trees: trees.clone(),
                data_file,
            },
        )?;
        Ok(SledStore { dir, trees, writer })
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn raw_commit(&self, ws: WriteSet) -> Result<Committed, StoreError> {
        self.writer.commit(ws)
    }

    fn raw_sync(&self) -> Result<(), StoreError> {
        self.writer.sync()
    }
}

/// Reads every record once: iteration errors and unknown format bytes surface at open
/// instead of in the middle of a customer's action.
fn verify(trees: &Trees) -> Result<(), StoreError> {
    for tree in Tree::ALL {
        for item in trees.tree(tree).iter() {
            let (k, v) = item.map_err(io)?;
            split(tree, &k, &v)?;
        }
    }
    Ok(())
}

impl Raw for SledStore {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .trees
            .tree(tree)
            .get(key)
            .map_err(io)?
            .map(|v| v.to_vec()))
    }

    fn scan(&self, tree: Tree, prefix: &[u8], visit: &mut Visitor<'_>) -> Result<(), StoreError> {
        for item in self.trees.tree(tree).scan_prefix(prefix) {
            let (k, v) = item.map_err(io)?;
            visit(&k, &v)?;
        }
        Ok(())
    }
}

/// How far "flushed" goes before a commit is acknowledged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    /// `Db::flush` plus `fdatasync` of sled's data file. On Linux sled 0.34's flush uses
    /// `sync_file_range`, which survives a process crash but does not flush the drive's
    /// write cache; the extra `fdatasync` (one per group-commit batch) does.
    #[default]
    PowerLoss,
    /// `Db::flush` only: survives the process being killed, not necessarily power loss.
    ProcessCrash,
}

struct Writer {
    trees: Trees,
    data_file: Option<std::fs::File>,
}

type View = (
    TransactionalTree,
    TransactionalTree,
    TransactionalTree,
    TransactionalTree,
    TransactionalTree,
    TransactionalTree,
);

struct SledTx<'a>(&'a View);

impl SledTx<'_> {
    fn tree(&self, tree: Tree) -> &TransactionalTree {
        let v = self.0;
        match tree {
            Tree::Accounts => &v.0,
            Tree::Subscriptions => &v.1,
            Tree::Credits => &v.2,
            Tree::Audit => &v.3,
            Tree::Idempotency => &v.4,
            Tree::Confirmations => &v.5,
        }
    }
}

impl Tx for SledTx<'_> {
    type E = UnabortableTransactionError;

    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, Self::E> {
        Ok(self.tree(tree).get(key)?.map(|v| v.to_vec()))
    }

    fn put(&self, tree: Tree, key: Vec<u8>, value: Vec<u8>) -> Result<(), Self::E> {
        self.tree(tree).insert(key, value).map(|_| ())
    }

    fn remove(&self, tree: Tree, key: &[u8]) -> Result<(), Self::E> {
        self.tree(tree).remove(key).map(|_| ())
    }

    fn next_seq(&self) -> Result<u64, Self::E> {
        self.tree(Tree::Audit)
            .generate_id()
            .map_err(UnabortableTransactionError::Storage)
    }
}

impl Backend for Writer {
    fn apply_batch(&mut self, batch: &[&WriteSet]) -> Vec<Result<Committed, StoreError>> {
        let t = &self.trees.t;
        let trees = (&t[0], &t[1], &t[2], &t[3], &t[4], &t[5]);
        // One sled transaction per batch: sled's transactions take a database-wide write
        // lock, so taking it once per batch instead of once per write set is what keeps
        // readers moving under load. `apply` checks before it writes, so a refused write
        // set leaves nothing behind inside the shared transaction.
        let result = trees.transaction(|view| {
            let tx = SledTx(view);
            let mut out = Vec::with_capacity(batch.len());
            for ws in batch {
                out.push(apply(&tx, ws)?);
            }
            Ok::<_, ConflictableTransactionError<StoreError>>(out)
        });
        match result {
            Ok(results) => results,
            Err(TransactionError::Abort(e)) => batch.iter().map(|_| Err(e.clone())).collect(),
            Err(TransactionError::Storage(e)) => batch.iter().map(|_| Err(io(e.clone()))).collect(),
        }
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        self.trees.db.flush().map_err(io)?;
        if let Some(f) = &self.data_file {
            f.sync_data()
                .map_err(|e| StoreError::Io(format!("fdatasync: {e}")))?;
        }
        Ok(())
    }
}

impl_store!(SledStore);
