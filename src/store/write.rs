//! What a caller hands the committer (a lifecycle write set, a handoff write or
//! a record write) and what it gets back, with the one dispatch that applies any
//! of them inside a backend transaction.

use super::commit::{apply, Tx};
use crate::handoff::{HandoffCommitted, HandoffWrite};
use crate::lifecycle::{Committed, StoreError, WriteSet};
use crate::operator::OperatorWrite;
use crate::record::RecordWrite;

/// One caller's writes: the lifecycle's, the handoff's or the record's. All go
/// through the same group commit and journal, so all are durable before they
/// are acknowledged.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "the commit queue boxes it; it is built once per commit"
)]
pub(crate) enum StoreWrite {
    /// A lifecycle write set.
    Lifecycle(WriteSet),
    /// A handoff write.
    Handoff(HandoffWrite),
    /// A conversation-record write.
    Record(RecordWrite),
    /// A console operator or session write.
    Operator(OperatorWrite),
}

/// The result of a [`StoreWrite`].
#[derive(Debug)]
pub(crate) enum StoreCommitted {
    /// Of a lifecycle write set.
    Lifecycle(Committed),
    /// Of a handoff write.
    Handoff(HandoffCommitted),
    /// Of a record write.
    Record,
    /// Of an operator write.
    Operator,
}

impl StoreCommitted {
    /// Whether the write changed the store, so its transaction must be kept:
    /// an applied lifecycle or handoff write, or any record write (those are
    /// never refused). Refusals and replays wrote nothing and roll back.
    pub(crate) fn wrote(&self) -> bool {
        matches!(
            self,
            StoreCommitted::Lifecycle(Committed::Applied)
                | StoreCommitted::Handoff(HandoffCommitted::Applied)
                | StoreCommitted::Record
                | StoreCommitted::Operator
        )
    }

    /// The lifecycle result of a lifecycle write; any other kind means the
    /// committer mixed up its answers (a bug).
    pub(crate) fn lifecycle(self) -> Result<Committed, StoreError> {
        match self {
            StoreCommitted::Lifecycle(c) => Ok(c),
            _ => Err(StoreError::CommitLost),
        }
    }

    /// The handoff result of a handoff write (see [`StoreCommitted::lifecycle`]).
    pub(crate) fn handoff(self) -> Result<HandoffCommitted, StoreError> {
        match self {
            StoreCommitted::Handoff(c) => Ok(c),
            _ => Err(StoreError::CommitLost),
        }
    }

    /// The result of a record write (see [`StoreCommitted::lifecycle`]).
    pub(crate) fn record(self) -> Result<(), StoreError> {
        match self {
            StoreCommitted::Record => Ok(()),
            _ => Err(StoreError::CommitLost),
        }
    }

    /// The result of an operator write (see [`StoreCommitted::lifecycle`]).
    pub(crate) fn operator(self) -> Result<(), StoreError> {
        match self {
            StoreCommitted::Operator => Ok(()),
            _ => Err(StoreError::CommitLost),
        }
    }
}

/// Applies either kind of write inside a backend transaction (see [`apply`]).
pub(crate) fn apply_write<X: Tx>(
    tx: &X,
    w: &StoreWrite,
) -> Result<Result<StoreCommitted, StoreError>, X::E> {
    Ok(match w {
        StoreWrite::Lifecycle(ws) => apply(tx, ws)?.map(StoreCommitted::Lifecycle),
        StoreWrite::Handoff(h) => super::handoff::apply(tx, h)?.map(StoreCommitted::Handoff),
        StoreWrite::Record(r) => super::record::apply(tx, r)?.map(|()| StoreCommitted::Record),
        StoreWrite::Operator(o) => {
            super::operator::apply(tx, o)?.map(|()| StoreCommitted::Operator)
        }
    })
}
