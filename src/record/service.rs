//! The async face of the record: each storage step runs on tokio's blocking
//! pool, because a commit waits for the journal's `fdatasync`.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::entry::{Entry, UserRef};
use super::port::{RecordStore, RecordWrite};
use super::{redact, RecordError, RecordPolicy};
use crate::auth::VerifiedOperator;
use crate::lifecycle::{Actor, AuditKind, AuditRecord, Clock, StoreError};

/// Characters of a message kept in the record, after redaction: enough to
/// read the request, not a pasted log.
pub const KEPT_CHARS: usize = 500;

/// Bytes of a message read for redaction; the kept part is far shorter, and
/// a pasted log must not cost more than a paragraph does.
const READ_BYTES: usize = 8 * 1024;

/// Entries removed per commit by the retention purge.
const PURGE_BATCH: usize = 256;

/// Cheap to clone; share one per process.
#[derive(Clone)]
pub struct RecordService {
    store: Arc<dyn RecordStore>,
    clock: Arc<dyn Clock>,
    policy: Arc<RecordPolicy>,
}

impl std::fmt::Debug for RecordService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordService")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// The stored form of a message text: redacted, then cut to [`KEPT_CHARS`].
pub fn kept_text(text: &str) -> String {
    let mut end = text.len().min(READ_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let redacted = redact(text[..end].trim());
    match redacted.char_indices().nth(KEPT_CHARS) {
        Some((cut, _)) => format!("{}…", &redacted[..cut]),
        None => redacted,
    }
}

impl RecordService {
    /// A service over `store`, with time from `clock`.
    pub fn new(store: Arc<dyn RecordStore>, clock: Arc<dyn Clock>, policy: RecordPolicy) -> Self {
        RecordService {
            store,
            clock,
            policy: Arc::new(policy),
        }
    }

    /// The settings.
    pub fn policy(&self) -> &RecordPolicy {
        &self.policy
    }

    /// The service's notion of now.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    async fn blocking<T, F>(&self, f: F) -> Result<T, RecordError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn RecordStore) -> Result<T, RecordError> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|e| RecordError::Store(StoreError::Io(format!("storage task failed: {e}"))))?
    }

    /// Stores one handled message; its text is redacted and cut here, so
    /// nothing unredacted reaches the store. Returns once durable.
    pub async fn record(&self, mut entry: Entry) -> Result<(), RecordError> {
        entry.text = entry.text.as_deref().map(kept_text);
        self.blocking(move |s| {
            Ok(s.commit_record(RecordWrite {
                put: vec![entry],
                ..RecordWrite::default()
            })?)
        })
        .await
    }

    /// Every entry since `since` (all when `None`), oldest first.
    pub async fn entries(&self, since: Option<DateTime<Utc>>) -> Result<Vec<Entry>, RecordError> {
        self.blocking(move |s| Ok(s.entries(since)?)).await
    }

    /// Deletes every entry older than the retention allows, as of `now`.
    /// Returns how many were deleted.
    pub async fn purge(&self, now: DateTime<Utc>) -> Result<usize, RecordError> {
        let cutoff = now - self.policy.retention;
        self.blocking(move |s| {
            let mut removed = 0;
            loop {
                let old = s.entries_before(cutoff, PURGE_BATCH)?;
                if old.is_empty() {
                    return Ok(removed);
                }
                removed += old.len();
                s.commit_record(RecordWrite {
                    remove: old,
                    ..RecordWrite::default()
                })?;
            }
        })
        .await
    }

    /// Every entry of `user`, for a request to see what is stored; the
    /// export itself is audited.
    pub async fn export(
        &self,
        user: &UserRef,
        by: &VerifiedOperator,
    ) -> Result<Vec<Entry>, RecordError> {
        let (user, audit) = (user.clone(), self.audit(by, AuditKind::Exported));
        self.blocking(move |s| {
            let entries = s.user_entries(&user)?;
            s.commit_record(RecordWrite {
                audit: vec![audit(format!(
                    "privacy export of {} recorded messages of {user}",
                    entries.len()
                ))],
                ..RecordWrite::default()
            })?;
            Ok(entries)
        })
        .await
    }

    /// Deletes every entry of `user`, with an audit record in the same
    /// commit. Returns how many were deleted.
    pub async fn erase(&self, user: &UserRef, by: &VerifiedOperator) -> Result<usize, RecordError> {
        let (user, audit) = (user.clone(), self.audit(by, AuditKind::Erased));
        self.blocking(move |s| {
            let entries = s.user_entries(&user)?;
            let n = entries.len();
            s.commit_record(RecordWrite {
                remove: entries,
                audit: vec![audit(format!(
                    "privacy erasure of {n} recorded messages of {user}"
                ))],
                ..RecordWrite::default()
            })?;
            Ok(n)
        })
        .await
    }

    fn audit(
        &self,
        by: &VerifiedOperator,
        kind: AuditKind,
    ) -> impl FnOnce(String) -> AuditRecord + Send + 'static {
        let (now, actor) = (self.now(), Actor::User(by.user().clone()));
        move |detail| {
            let mut rec = AuditRecord::new(now, actor, kind);
            rec.action = Some("privacy".into());
            rec.detail = Some(detail);
            rec
        }
    }
}
