//! The sled-backed [`Store`](crate::lifecycle::Store). The only file in the crate that imports sled.
//!
//! Trees (layouts in [`super::codec`]): `accounts`, `subscriptions`, `credits`, `audit`,
//! `idempotency`, `confirmations`, `handoff_tickets`, `handoff_history`, `handoff_users`,
//! `handoff_events`, `records`, `record_users`, `operators`, `console_sessions`, `sessions` (not
//! journaled: `store/session.rs`).
//! Commits go through group commit and the [journaled writer](super::journaled): each batch is
//! planned, synced to the redo journal (`supportbot.journal` in the same directory), then applied
//! to sled and acknowledged. sled writes its log out lazily; checkpoints (`Db::flush` +
//! `fdatasync`, new journal epoch) run when the journal fills and at shutdown, and
//! [`SledStore::open`] replays what the journal holds beyond the last one.
//!
//! sled 0.34 has public reports of databases that no longer open after an abrupt stop
//! (spacejam/sled#1533). [`SledStore::open`] therefore never panics: panics inside sled
//! and unreadable records found by the open-time scan become [`StoreError::Unopenable`],
//! naming the directory and the recovery path (restore from JSON exports).

use std::path::{Path, PathBuf};

use super::codec::{audit_seq, split, Tree};
use super::group_commit::GroupCommit;
use super::journal::JournalOp;
use super::journaled::{JournalEngine, JournaledWriter};
use super::overlay::Base;
use super::raw::{self, impl_store, Raw, Visitor};
use crate::handoff::{HandoffCommitted, HandoffWrite};
use crate::lifecycle::{
    Account, AuditRecord, ConfirmationId, Credit, IdempotencyRecord, PendingConfirmation,
    Subscription,
};
use crate::lifecycle::{Committed, StoreError, WriteSet};
use crate::model::AccountId;
use crate::record::RecordWrite;

/// A durable store in a sled directory.
pub struct SledStore {
    dir: PathBuf,
    trees: Trees,
    writer: GroupCommit<JournaledWriter<SledEngine>>,
    replayed: usize,
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
    t: [sled::Tree; Tree::ALL.len()],
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
        super::sled_dir::discard_unfinished_snapshots(&dir).map_err(unopenable)?;
        let opened = std::panic::catch_unwind(|| -> sled::Result<Trees> {
            // Durability comes from the journal and checkpoints flush explicitly, so
            // sled's timer thread would only compete with the writer for the disk.
            let db = sled::Config::new().path(&dir).flush_every_ms(None).open()?;
            let mut t = Vec::with_capacity(Tree::ALL.len());
            for tree in Tree::ALL {
                t.push(db.open_tree(tree.name())?);
            }
            let t: [sled::Tree; Tree::ALL.len()] = t
                .try_into()
                .map_err(|_| sled::Error::Unsupported("tree count".into()))?;
            Ok(Trees { db, t })
        });
        let trees = match opened {
            Ok(Ok(trees)) => trees,
            Ok(Err(e)) => return Err(unopenable(e.to_string())),
            Err(panic) => return Err(unopenable(panic_text(panic.as_ref()))),
        };
        let data_file = match durability {
            Durability::ProcessCrash => None,
            Durability::PowerLoss => Some(
                std::fs::File::open(dir.join("db"))
                    .map_err(|e| unopenable(format!("{}: {e}", dir.join("db").display())))?,
            ),
        };
        let engine = SledEngine {
            trees: trees.clone(),
            data_file,
        };
        let (writer, replayed) = JournaledWriter::recover(
            engine,
            &dir.join(JOURNAL_FILE),
            durability == Durability::PowerLoss,
        )
        .map_err(unopenable)?;
        // AssertUnwindSafe: after a panic the half-opened database is dropped, never used.
        let scanned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| verify(&trees)));
        match scanned {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(unopenable(e.to_string())),
            Err(panic) => return Err(unopenable(panic_text(panic.as_ref()))),
        }
        let writer = GroupCommit::new(writer);
        Ok(SledStore {
            dir,
            trees,
            writer,
            replayed,
        })
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How many journaled batches [`SledStore::open`] re-applied: non-zero after a stop
    /// that skipped the shutdown checkpoint (a crash or a kill).
    pub fn replayed_batches(&self) -> usize {
        self.replayed
    }

    fn raw_commit(&self, ws: WriteSet) -> Result<Committed, StoreError> {
        self.writer.commit(ws)
    }

    fn raw_commit_handoff(&self, w: HandoffWrite) -> Result<HandoffCommitted, StoreError> {
        self.writer.commit_handoff(w)
    }

    fn raw_commit_operator(&self, w: crate::operator::OperatorWrite) -> Result<(), StoreError> {
        self.writer.commit_operator(w)
    }

    fn raw_commit_record(&self, w: RecordWrite) -> Result<(), StoreError> {
        self.writer.commit_record(w)
    }

    fn raw_sync(&self) -> Result<(), StoreError> {
        self.writer.sync()
    }

    fn raw_put_session(&self, key: Vec<u8>, value: Vec<u8>) -> Result<(), StoreError> {
        (self.trees.tree(Tree::Sessions).insert(key, value).map(drop)).map_err(io)
    }
    fn raw_remove_sessions(&self, keys: &[Vec<u8>]) -> Result<(), StoreError> {
        let remove = |k: &Vec<u8>| self.trees.tree(Tree::Sessions).remove(k).map(drop);
        keys.iter().try_for_each(remove).map_err(io)
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

/// The redo journal's file name inside the sled directory.
pub const JOURNAL_FILE: &str = "supportbot.journal";

/// How far "durable" goes before a commit is acknowledged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    /// The batch's journal frame is `fdatasync`ed (one device round trip per batch), and
    /// checkpoints `fdatasync` sled's data file after `Db::flush`: survives power loss.
    /// (On Linux sled 0.34's own flush uses `sync_file_range`, which does not flush the
    /// drive's write cache or file metadata.)
    #[default]
    PowerLoss,
    /// The journal frame is written but not synced, and checkpoints only call
    /// `Db::flush`: survives the process being killed, not necessarily power loss.
    ProcessCrash,
}

/// sled as the journaled writer's engine.
struct SledEngine {
    trees: Trees,
    /// sled's data file, `fdatasync`ed after `Db::flush` under [`Durability::PowerLoss`].
    data_file: Option<std::fs::File>,
}

impl JournalEngine for SledEngine {
    fn apply(&self, writes: &[JournalOp]) -> Result<(), StoreError> {
        apply_ops(&self.trees, writes)
    }

    fn persist(&self) -> Result<(), StoreError> {
        self.trees.db.flush().map_err(io)?;
        if let Some(f) = &self.data_file {
            f.sync_data()
                .map_err(|e| StoreError::Io(format!("fdatasync of the sled data file: {e}")))?;
        }
        Ok(())
    }

    fn next_audit_seq(&self) -> Result<u64, StoreError> {
        let mut next = 0;
        for key in self.trees.tree(Tree::Audit).iter().keys() {
            if let Some(seq) = audit_seq(&key.map_err(io)?) {
                next = next.max(seq.saturating_add(1));
            }
        }
        Ok(next)
    }
}

/// Writes journaled operations to sled, in order.
///
/// Deliberately not a sled transaction or batch: in sled 0.34 both seal and write
/// the log buffer (`pin_log` rolls the I/O buffer before and after), i.e. a disk
/// write plus `sync_file_range` per commit, which is what the journal exists to
/// avoid. Atomicity after a crash comes from replaying the journal instead. Readers
/// may see a batch half-applied for microseconds; write sets put their idempotency
/// record after the records it vouches for, so a reader that sees the outcome also
/// sees its state.
fn apply_ops(trees: &Trees, ops: &[JournalOp]) -> Result<(), StoreError> {
    for op in ops {
        let tree = trees.t.get(usize::from(op.tree)).ok_or_else(|| {
            StoreError::Io(format!(
                "the journal names tree {} (this version has {})",
                op.tree,
                trees.t.len()
            ))
        })?;
        match &op.value {
            Some(value) => tree.insert(op.key.as_slice(), value.as_slice()),
            None => tree.remove(op.key.as_slice()),
        }
        .map_err(io)?;
    }
    Ok(())
}

impl Base for SledEngine {
    type E = sled::Error;

    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, Self::E> {
        Ok(self.trees.tree(tree).get(key)?.map(|v| v.to_vec()))
    }
}

impl_store!(SledStore);
super::handoff::impl_ticket_store!(SledStore);
super::record::impl_record_store!(SledStore);
super::session::impl_session_store!(SledStore);
super::operator::impl_operator_store!(SledStore);
