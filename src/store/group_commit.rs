//! Group commit with a leader instead of a writer thread: the first caller to find no
//! commit in progress becomes the leader and runs the batch on its own thread; callers
//! that arrive meanwhile queue up and wait. When the leader's batch is durable it
//! answers everyone in it, and if more requests queued up it hands leadership to the
//! oldest of them. Concurrent actions therefore share one journal sync, and a lone
//! caller pays no thread hand-off at all (two context switches per commit, which on a
//! small VM cost as much as the sync itself).
//!
//! A caller is answered only after the sync that covers its write has returned, so
//! "acknowledged" always means "durable". Callers block: async code reaches this
//! through `spawn_blocking`.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::write::{StoreCommitted, StoreWrite};
use crate::handoff::{HandoffCommitted, HandoffWrite};
use crate::lifecycle::{Committed, StoreError, WriteSet};
use crate::operator::OperatorWrite;
use crate::record::RecordWrite;

/// Upper bound on write sets per sync; keeps one batch's latency bounded.
const MAX_BATCH: usize = 256;

enum Op {
    Commit(Box<StoreWrite>),
    /// Flush barrier: answered once everything before it is durable.
    Sync,
}

/// Where a waiting caller learns what happened.
#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
    ready: Condvar,
}

#[derive(Default)]
enum SlotState {
    #[default]
    Waiting,
    /// This caller leads the next batch.
    Lead,
    Done(Result<StoreCommitted, StoreError>),
}

struct Request {
    op: Op,
    slot: std::sync::Arc<Slot>,
}

struct Queue {
    pending: VecDeque<Request>,
    /// Whether some caller is leading a batch right now.
    leading: bool,
}

/// The committer. Dropping it drops the backend (whose `Drop` may checkpoint).
pub(crate) struct GroupCommit<B> {
    queue: Mutex<Queue>,
    /// Only the leader locks it, so it is never contended.
    backend: Mutex<B>,
}

/// What the leader does with the backend.
pub(crate) trait Backend: Send + 'static {
    /// Applies the write sets in order, each all-or-nothing (not yet durable). One result
    /// per write set.
    fn apply_batch(&mut self, batch: &[&StoreWrite]) -> Vec<Result<StoreCommitted, StoreError>>;
    /// Makes everything applied so far durable.
    fn flush(&mut self) -> Result<(), StoreError>;
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding these locks cannot leave them half-updated in a way that
    // matters more than refusing all further commits would.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<B: Backend> GroupCommit<B> {
    /// A committer over `backend`.
    pub(crate) fn new(backend: B) -> Self {
        GroupCommit {
            queue: Mutex::new(Queue {
                pending: VecDeque::new(),
                leading: false,
            }),
            backend: Mutex::new(backend),
        }
    }

    /// Commits a write set and blocks until it is durable (or failed).
    pub(crate) fn commit(&self, ws: WriteSet) -> Result<Committed, StoreError> {
        self.submit(Op::Commit(Box::new(StoreWrite::Lifecycle(ws))))?
            .lifecycle()
    }

    /// Commits a handoff write and blocks until it is durable (or failed).
    pub(crate) fn commit_handoff(&self, w: HandoffWrite) -> Result<HandoffCommitted, StoreError> {
        self.submit(Op::Commit(Box::new(StoreWrite::Handoff(w))))?
            .handoff()
    }

    /// Commits a record write and blocks until it is durable (or failed).
    pub(crate) fn commit_record(&self, w: RecordWrite) -> Result<(), StoreError> {
        self.submit(Op::Commit(Box::new(StoreWrite::Record(w))))?
            .record()
    }

    /// Commits an operator write and blocks until it is durable (or failed).
    pub(crate) fn commit_operator(&self, w: OperatorWrite) -> Result<(), StoreError> {
        self.submit(Op::Commit(Box::new(StoreWrite::Operator(w))))?
            .operator()
    }

    /// Blocks until everything committed so far is durable.
    pub(crate) fn sync(&self) -> Result<(), StoreError> {
        self.submit(Op::Sync).map(|_| ())
    }

    fn submit(&self, op: Op) -> Result<StoreCommitted, StoreError> {
        let slot = std::sync::Arc::new(Slot::default());
        let lead_now = {
            let mut q = lock(&self.queue);
            q.pending.push_back(Request {
                op,
                slot: std::sync::Arc::clone(&slot),
            });
            !std::mem::replace(&mut q.leading, true)
        };
        if !lead_now {
            let mut state = lock(&slot.state);
            loop {
                match std::mem::take(&mut *state) {
                    SlotState::Waiting => {
                        state = slot
                            .ready
                            .wait(state)
                            .unwrap_or_else(PoisonError::into_inner);
                    }
                    SlotState::Lead => break,
                    SlotState::Done(result) => return result,
                }
            }
        }
        self.lead();
        let outcome = std::mem::take(&mut *lock(&slot.state));
        match outcome {
            SlotState::Done(result) => result,
            // The leader's own request is always in the batch it runs.
            SlotState::Waiting | SlotState::Lead => Err(StoreError::CommitLost),
        }
    }

    /// Runs one batch from the head of the queue, answers it, and passes leadership on.
    fn lead(&self) {
        let batch: Vec<Request> = {
            let mut q = lock(&self.queue);
            let n = q.pending.len().min(MAX_BATCH);
            q.pending.drain(..n).collect()
        };
        // A panic in the storage engine must not leave the queue without a leader and
        // every later caller waiting forever: the batch fails, the queue moves on.
        let answers = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run(&batch)))
            .unwrap_or_else(|_| {
                batch
                    .iter()
                    .map(|_| Err(StoreError::Io("the storage engine panicked".into())))
                    .collect()
            });
        for (req, answer) in batch.iter().zip(answers) {
            let mut state = lock(&req.slot.state);
            *state = SlotState::Done(answer);
            req.slot.ready.notify_one();
        }
        let mut q = lock(&self.queue);
        match q.pending.front() {
            Some(next) => {
                // Its caller is blocked in `submit`; it runs the next batch.
                *lock(&next.slot.state) = SlotState::Lead;
                next.slot.ready.notify_one();
            }
            None => q.leading = false,
        }
    }

    fn run(&self, batch: &[Request]) -> Vec<Result<StoreCommitted, StoreError>> {
        let mut backend = lock(&self.backend);
        let sets: Vec<&StoreWrite> = batch
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
                Op::Commit(_) => applied.next().unwrap_or(Err(StoreError::CommitLost)),
                Op::Sync => Ok(StoreCommitted::Lifecycle(Committed::Applied)),
            })
            .collect();
        // One sync covers every write set applied above.
        match backend.flush() {
            Ok(()) => results,
            Err(e) => results.iter().map(|_| Err(e.clone())).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};
    use std::time::Duration;

    use super::*;

    /// Counts write sets and syncs; the sync is slow so that callers pile up behind it.
    #[derive(Default)]
    struct Counting {
        applied: Arc<AtomicUsize>,
        flushes: Arc<AtomicUsize>,
        panic_on_first: bool,
    }

    impl Backend for Counting {
        fn apply_batch(
            &mut self,
            batch: &[&StoreWrite],
        ) -> Vec<Result<StoreCommitted, StoreError>> {
            if std::mem::take(&mut self.panic_on_first) {
                panic!("engine bug");
            }
            self.applied.fetch_add(batch.len(), Ordering::SeqCst);
            batch
                .iter()
                .map(|_| Ok(StoreCommitted::Lifecycle(Committed::Applied)))
                .collect()
        }

        fn flush(&mut self) -> Result<(), StoreError> {
            std::thread::sleep(Duration::from_millis(5));
            self.flushes.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    #[test]
    fn concurrent_callers_share_syncs_and_all_get_answers() {
        let backend = Counting::default();
        let (applied, flushes) = (Arc::clone(&backend.applied), Arc::clone(&backend.flushes));
        let gc = Arc::new(GroupCommit::new(backend));
        let callers = 32;
        let start = Arc::new(Barrier::new(callers));
        let threads: Vec<_> = (0..callers)
            .map(|_| {
                let (gc, start) = (Arc::clone(&gc), Arc::clone(&start));
                std::thread::spawn(move || {
                    start.wait();
                    gc.commit(WriteSet::default())
                })
            })
            .collect();
        for t in threads {
            assert!(matches!(t.join().expect("caller"), Ok(Committed::Applied)));
        }
        assert_eq!(applied.load(Ordering::SeqCst), callers);
        let syncs = flushes.load(Ordering::SeqCst);
        assert!(
            syncs < callers,
            "{syncs} syncs for {callers} callers: no batching"
        );
        gc.sync().expect("barrier");
    }

    #[test]
    fn a_panicking_engine_fails_the_batch_without_stalling_later_commits() {
        let gc = GroupCommit::new(Counting {
            panic_on_first: true,
            ..Counting::default()
        });
        let err = gc.commit(WriteSet::default()).expect_err("panicked batch");
        assert!(err.to_string().contains("panicked"), "{err}");
        assert!(matches!(
            gc.commit(WriteSet::default()),
            Ok(Committed::Applied)
        ));
    }
}
