//! The record's storage port. Adapters (memory, sled) live in `crate::store`
//! and share the lifecycle's durable commit path, so an entry is journaled
//! before the reply goes out.

use chrono::{DateTime, Utc};

use super::entry::{Entry, RecordKey, UserRef};
use crate::lifecycle::{AuditRecord, StoreError};

/// Everything one record step writes, applied atomically and durably.
#[derive(Debug, Clone, Default)]
pub struct RecordWrite {
    /// Entries to store (a stored entry with the same key is replaced).
    pub put: Vec<Entry>,
    /// Entries to delete (with their per-user index).
    pub remove: Vec<Entry>,
    /// Audit records written in the same commit (erasure on request).
    pub audit: Vec<AuditRecord>,
}

/// The storage operations the record needs.
pub trait RecordStore: Send + Sync + 'static {
    /// One entry.
    fn entry(&self, key: &RecordKey) -> Result<Option<Entry>, StoreError>;
    /// Every entry handled at or after `since` (all when `None`), oldest first.
    fn entries(&self, since: Option<DateTime<Utc>>) -> Result<Vec<Entry>, StoreError>;
    /// Up to `limit` entries handled before `cutoff`, oldest first.
    fn entries_before(&self, cutoff: DateTime<Utc>, limit: usize)
        -> Result<Vec<Entry>, StoreError>;
    /// Every entry of one user, oldest first.
    fn user_entries(&self, user: &UserRef) -> Result<Vec<Entry>, StoreError>;
    /// Applies `writes` atomically; returns once durable.
    fn commit_record(&self, writes: RecordWrite) -> Result<(), StoreError>;
}

impl<S: RecordStore + ?Sized> RecordStore for std::sync::Arc<S> {
    fn entry(&self, key: &RecordKey) -> Result<Option<Entry>, StoreError> {
        (**self).entry(key)
    }
    fn entries(&self, since: Option<DateTime<Utc>>) -> Result<Vec<Entry>, StoreError> {
        (**self).entries(since)
    }
    fn entries_before(
        &self,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Entry>, StoreError> {
        (**self).entries_before(cutoff, limit)
    }
    fn user_entries(&self, user: &UserRef) -> Result<Vec<Entry>, StoreError> {
        (**self).user_entries(user)
    }
    fn commit_record(&self, writes: RecordWrite) -> Result<(), StoreError> {
        (**self).commit_record(writes)
    }
}
