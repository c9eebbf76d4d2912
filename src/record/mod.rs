//! The conversation record: what the bot was asked and how it answered, kept
//! for rule authors (`supportbot report`) and agents, redacted before it is
//! stored and kept only as long as the retention allows.
//!
//! The domain owns its storage port ([`RecordStore`]); `crate::store`
//! implements it next to the lifecycle's and the handoff's, on the same
//! durable commit path. [`redact`] is pure and runs on every text before an
//! [`Entry`] exists; [`report`] turns entries and handoff tickets into
//! figures. Nothing here knows a transport or a storage engine.

mod entry;
mod port;
pub mod redact;
pub mod report;
mod service;

pub use entry::{Entry, EntryKind, RecordKey, UserRef};
pub use port::{RecordStore, RecordWrite};
pub use redact::redact;
pub use report::{Report, ReportFilter};
pub use service::RecordService;

use crate::lifecycle::StoreError;

/// Settings of the record, read once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordPolicy {
    /// How long an entry is kept.
    pub retention: chrono::TimeDelta,
}

/// Default retention in days.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

impl Default for RecordPolicy {
    fn default() -> Self {
        RecordPolicy {
            retention: chrono::TimeDelta::days(i64::from(DEFAULT_RETENTION_DAYS)),
        }
    }
}

/// Why a record step did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// Not `PLATFORM:ID`.
    #[error("{0:?} is not a user like discord:123456 or cli:operator")]
    BadUser(String),
    /// No entry under that key.
    #[error("no recorded message {0}")]
    NotFound(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
