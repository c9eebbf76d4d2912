//! Group commit: one writer thread takes every queued write set, applies them in one
//! backend transaction (each write set still all-or-nothing), flushes once, then
//! acknowledges the whole batch. Concurrent actions share one fsync instead of
//! paying one each, and the single writer also serializes the commit-time checks.
//!
//! A caller is acknowledged only after the flush that covers its write has returned, so
//! "acknowledged" always means "durable".

use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

use super::{Committed, StoreError, WriteSet};

/// Upper bound on write sets per flush; keeps one batch's latency bounded.
const MAX_BATCH: usize = 256;

enum Op {
    Commit(Box<WriteSet>),
    /// Flush barrier: acknowledged once everything before it is durable.
    Sync,
}

struct Request {
    op: Op,
    reply: SyncSender<Result<Committed, StoreError>>,
}

/// Handle to the writer thread. Dropping it drains the queue and joins the thread.
pub(crate) struct GroupCommit {
    queue: Option<Sender<Request>>,
    thread: Option<JoinHandle<()>>,
}

/// What the writer thread does with the backend.
pub(crate) trait Backend: Send + 'static {
    /// Applies the write sets in order, each all-or-nothing (not yet durable). One result
    /// per write set.
    fn apply_batch(&mut self, batch: &[&WriteSet]) -> Vec<Result<Committed, StoreError>>;
    /// Makes everything applied so far durable.
    fn flush(&mut self) -> Result<(), StoreError>;
}

impl GroupCommit {
    /// Starts the writer thread.
    pub(crate) fn start(name: &str, backend: impl Backend) -> Result<Self, StoreError> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || run(rx, backend))
            .map_err(|e| StoreError::Io(format!("cannot start writer thread: {e}")))?;
        Ok(GroupCommit {
            queue: Some(tx),
            thread: Some(thread),
        })
    }

    /// Queues a write set and blocks until it is durable (or failed).
    pub(crate) fn commit(&self, ws: WriteSet) -> Result<Committed, StoreError> {
        self.submit(Op::Commit(Box::new(ws)))
    }

    /// Blocks until everything committed so far is durable.
    pub(crate) fn sync(&self) -> Result<(), StoreError> {
        self.submit(Op::Sync).map(|_| ())
    }

    fn submit(&self, op: Op) -> Result<Committed, StoreError> {
        let (reply, answer) = mpsc::sync_channel(1);
        let queue = self.queue.as_ref().ok_or(StoreError::WriterGone)?;
        queue
            .send(Request { op, reply })
            .map_err(|_| StoreError::WriterGone)?;
        answer.recv().map_err(|_| StoreError::WriterGone)?
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        // Closing the queue ends the writer loop after it finishes queued work.
        self.queue.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(rx: Receiver<Request>, mut backend: impl Backend) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        let sets: Vec<&WriteSet> = batch
            .iter()
            .filter_map(|r| match &r.op {
                Op::Commit(ws) => Some(&**ws),
                Op::Sync => None,
            })
            .collect();
        let mut applied = backend.apply_batch(&sets).into_iter();
        let results: Vec<_> = batch
            .iter()
            .map(|r| match r.op {
                Op::Commit(_) => applied.next().unwrap_or(Err(StoreError::WriterGone)),
                Op::Sync => Ok(Committed::Applied),
            })
            .collect();
        // One flush covers every transaction applied above.
        let flushed = backend.flush();
        for (req, result) in batch.into_iter().zip(results) {
            let answer = match &flushed {
                Ok(()) => result,
                Err(e) => Err(e.clone()),
            };
            // The caller may have given up (e.g. its task was cancelled); that is fine.
            let _ = req.reply.send(answer);
        }
    }
}
