//! The group-commit backend that makes commits durable through the redo
//! [`journal`](super::journal): plan a batch against the engine plus the batch's own
//! writes, sync the planned writes as one journal frame, then apply them to the engine
//! and acknowledge. The engine only ever receives journaled writes, and persists them
//! on its own schedule (checkpoints); [`JournaledWriter::recover`] replays what the
//! journal holds beyond the last checkpoint.

use std::path::Path;

use super::group_commit::Backend;
use super::journal::{Journal, JournalOp, DEFAULT_CAPACITY};
use super::overlay::{Base, Overlay};
use super::write::{apply_write, StoreCommitted, StoreWrite};
use crate::lifecycle::StoreError;

/// What the journaled writer needs from a storage engine.
pub(crate) trait JournalEngine: Base + Send + 'static {
    /// Applies journaled writes in order (in memory is enough). Need not be atomic:
    /// after a crash the journal replay completes whatever was half-applied.
    fn apply(&self, writes: &[JournalOp]) -> Result<(), StoreError>;
    /// Makes everything applied so far durable without the journal's help.
    fn persist(&self) -> Result<(), StoreError>;
    /// One more than the highest audit sequence number stored (0 when none).
    ///
    /// The writer numbers audit records itself rather than asking the engine for ids:
    /// ids an engine hands out are only unique relative to what *it* persisted, and
    /// journaled records may carry ids the engine never persisted before a crash.
    fn next_audit_seq(&self) -> Result<u64, StoreError>;
}

/// The writer thread's backend.
pub(crate) struct JournaledWriter<E: JournalEngine> {
    engine: E,
    journal: Journal,
    /// The writes of the batch being committed, between `apply_batch` and `flush`.
    staged: Vec<JournalOp>,
    /// Set when the journal or the engine failed mid-commit: disk and memory may
    /// disagree, so every later commit is refused until a restart replays the journal.
    broken: Option<String>,
    /// The next audit sequence number.
    next_seq: u64,
}

impl<E: JournalEngine> JournaledWriter<E> {
    /// Opens the journal at `path`, replays its batches into `engine` and checkpoints.
    /// `sync` chooses `fdatasync` per batch (power-loss safe) or a plain write
    /// (survives a killed process). Also returns how many batches were replayed. The
    /// error text names the journal and the step.
    pub(crate) fn recover(engine: E, path: &Path, sync: bool) -> Result<(Self, usize), String> {
        let (journal, replay) =
            Journal::open(path, DEFAULT_CAPACITY, sync).map_err(|e| e.to_string())?;
        let mut writer = JournaledWriter {
            engine,
            journal,
            staged: Vec::new(),
            broken: None,
            next_seq: 0,
        };
        if !replay.is_empty() {
            let writes: usize = replay.iter().map(Vec::len).sum();
            for ops in &replay {
                if let Err(e) = writer.engine.apply(ops) {
                    // Keep the journal untouched (no shutdown checkpoint) for the next try.
                    writer.broken = Some(e.to_string());
                    return Err(format!("replaying {}: {e}", path.display()));
                }
            }
            writer
                .checkpoint()
                .map_err(|e| format!("checkpoint after replaying {}: {e}", path.display()))?;
            tracing::info!(
                "store: replayed {} journaled batches ({writes} writes) from {}",
                replay.len(),
                path.display()
            );
        }
        // After the replay: replayed audit records count.
        writer.next_seq = writer.engine.next_audit_seq().map_err(|e| e.to_string())?;
        Ok((writer, replay.len()))
    }

    /// Makes the engine durable on its own, so the journal can start over.
    fn checkpoint(&mut self) -> Result<(), StoreError> {
        self.engine.persist()?;
        self.journal
            .reset()
            .map_err(|e| StoreError::Io(e.to_string()))
    }

    fn stop(&mut self, why: String) -> StoreError {
        tracing::error!("{why}");
        self.broken = Some(why.clone());
        StoreError::Io(why)
    }
}

impl<E: JournalEngine> Drop for JournaledWriter<E> {
    fn drop(&mut self) {
        // A clean shutdown leaves an empty journal, so the next open replays nothing.
        if self.broken.is_none() {
            let done = self.checkpoint();
            if let Err(e) = done {
                tracing::warn!(
                    "store checkpoint at shutdown failed (the journal will be replayed at the next start): {e}"
                );
            }
        }
    }
}

impl<E: JournalEngine> Backend for JournaledWriter<E> {
    fn apply_batch(&mut self, batch: &[&StoreWrite]) -> Vec<Result<StoreCommitted, StoreError>> {
        if let Some(why) = &self.broken {
            return batch
                .iter()
                .map(|_| Err(StoreError::Io(why.clone())))
                .collect();
        }
        let mut overlay = Overlay::new(&self.engine, self.next_seq);
        let mut results = Vec::with_capacity(batch.len());
        for ws in batch {
            match apply_write(&overlay, ws) {
                Ok(Ok(committed)) => {
                    overlay.accept();
                    results.push(Ok(committed));
                }
                Ok(Err(refused)) => {
                    overlay.discard();
                    results.push(Err(refused));
                }
                Err(e) => {
                    overlay.discard();
                    results.push(Err(StoreError::Io(e.to_string())));
                }
            }
        }
        (self.staged, self.next_seq) = overlay.into_writes();
        results
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        if let Some(why) = &self.broken {
            return Err(StoreError::Io(why.clone()));
        }
        if self.staged.is_empty() {
            // Every earlier batch was journaled before it was acknowledged.
            return Ok(());
        }
        let writes = std::mem::take(&mut self.staged);
        if !self.journal.has_room_for(&writes) {
            self.checkpoint()?;
        }
        if let Err(e) = self.journal.append(&writes) {
            // The frame may or may not be on disk; the replay at restart settles it.
            return Err(self.stop(format!(
                "{e}; the store stopped accepting changes: restart supportbot to recover"
            )));
        }
        // Durable from here on, so the callers are told so even if the engine fails.
        let applied =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.engine.apply(&writes)))
                .unwrap_or_else(|_| Err(StoreError::Io("the storage engine panicked".into())));
        if let Err(e) = applied {
            self.stop(format!(
                "applying a journaled batch failed ({e}); the store stopped accepting changes: restart supportbot to replay the journal"
            ));
        }
        Ok(())
    }
}
