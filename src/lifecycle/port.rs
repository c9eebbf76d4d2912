//! The lifecycle's storage port: the synchronous [`Store`] trait, the
//! [`WriteSet`] a transition commits and the [`StoreError`]s a backend
//! reports. Adapters (memory, sled) live in `crate::store` and implement it.
//!
//! The trait is synchronous on purpose: the async service calls it through
//! `tokio::task::spawn_blocking`, and the sled backend funnels commits
//! through one writer thread that batches flushes (group commit).
//!
//! Atomicity contract: [`Store::commit`] applies a whole [`WriteSet`] — state changes,
//! audit records, credits, confirmation updates and the idempotency record — in one
//! transaction and returns only once it is durable (flushed), or not at all.

use std::path::PathBuf;

use chrono::NaiveDate;

use super::{
    Account, AuditRecord, ConfirmationId, Credit, IdempotencyRecord, PendingConfirmation,
    Subscription,
};
use crate::model::{AccountId, SubscriptionId};

/// Storage failures. Only `Conflict` and `DuplicateCredit` are expected in normal
/// operation (lost races); the engine retries or maps them to user errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A record changed since it was read (revision mismatch); re-read and retry.
    #[error("concurrent update of {0}")]
    Conflict(String),
    /// A credit for this subscription term already exists.
    #[error("a credit for {subscription} term {term_start} already exists")]
    DuplicateCredit {
        /// The subscription.
        subscription: SubscriptionId,
        /// The term.
        term_start: NaiveDate,
    },
    /// The database directory cannot be opened: damaged, locked or unreadable.
    #[error("the database in {} cannot be opened: {detail}. If it was damaged by an abrupt stop, move the directory aside, start with an empty one and restore each account from its latest JSON export", dir.display())]
    Unopenable {
        /// The data directory.
        dir: PathBuf,
        /// What the storage engine reported.
        detail: String,
    },
    /// The database server cannot be reached (down, refusing connections, or
    /// every connection busy). `target` names host and database, never a password.
    #[error("the database {target} cannot be reached: {detail}")]
    Unavailable {
        /// Host, port, database and user.
        target: String,
        /// What the driver reported.
        detail: String,
    },
    /// The database was set up by a newer version of supportbot.
    #[error("the database has schema version {found}, but this supportbot knows versions up to {known}: upgrade supportbot before pointing it at this database")]
    SchemaTooNew {
        /// The version found in the database.
        found: u32,
        /// The newest version this binary can use.
        known: u32,
    },
    /// An I/O or storage-engine error during operation.
    #[error("storage error: {0}")]
    Io(String),
    /// A stored value could not be decoded.
    #[error("stored {tree} record {key} is unreadable: {detail}")]
    Decode {
        /// Tree (table) name.
        tree: &'static str,
        /// Key, printable.
        key: String,
        /// Decoder message.
        detail: String,
    },
    /// A commit was lost inside the committer (a bug, never an input problem).
    #[error("the storage committer lost a commit")]
    CommitLost,
}

/// Everything one action writes, applied atomically by [`Store::commit`].
///
/// Versioned records (`Account`, `Subscription`, `PendingConfirmation`) carry their *new*
/// revision: revision 0 means "must not exist yet", otherwise the stored revision must be
/// exactly one less. That check makes confirm-once and concurrent edits safe.
#[derive(Debug, Clone, Default)]
pub struct WriteSet {
    /// New account versions.
    pub accounts: Vec<Account>,
    /// New subscription versions.
    pub subscriptions: Vec<Subscription>,
    /// New credits; each `(subscription, term_start)` must be new.
    pub credits: Vec<Credit>,
    /// Audit records to append (their `seq` is assigned by the store).
    pub audit: Vec<AuditRecord>,
    /// New confirmation versions.
    pub confirmations: Vec<PendingConfirmation>,
    /// Confirmation records to remove (purged by the scheduler).
    pub purge_confirmations: Vec<ConfirmationId>,
    /// The event's stored outcome; if the event key already exists nothing is applied
    /// and the stored record is returned instead.
    pub idempotency: Option<IdempotencyRecord>,
}

impl WriteSet {
    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
            && self.subscriptions.is_empty()
            && self.credits.is_empty()
            && self.audit.is_empty()
            && self.confirmations.is_empty()
            && self.purge_confirmations.is_empty()
            && self.idempotency.is_none()
    }
}

/// Result of a successful [`Store::commit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Committed {
    /// Applied and durable.
    Applied,
    /// The event was already processed; nothing was applied. Durable on return.
    Replayed(Box<IdempotencyRecord>),
}

/// The storage operations the lifecycle engine needs, nothing more.
pub trait Store: Send + Sync + 'static {
    /// One account.
    fn account(&self, id: &AccountId) -> Result<Option<Account>, StoreError>;
    /// Every account, ordered by id (binding lookups, scheduler).
    fn accounts(&self) -> Result<Vec<Account>, StoreError>;
    /// An account's subscriptions, ordered by id.
    fn subscriptions(&self, account: &AccountId) -> Result<Vec<Subscription>, StoreError>;
    /// One subscription of an account.
    fn subscription(
        &self,
        account: &AccountId,
        id: SubscriptionId,
    ) -> Result<Option<Subscription>, StoreError>;
    /// An account's credits.
    fn credits(&self, account: &AccountId) -> Result<Vec<Credit>, StoreError>;
    /// An account's audit records in append order; `None` = records tied to no account.
    fn audit(&self, account: Option<&AccountId>) -> Result<Vec<AuditRecord>, StoreError>;
    /// One confirmation record.
    fn confirmation(&self, id: &ConfirmationId) -> Result<Option<PendingConfirmation>, StoreError>;
    /// Every confirmation record (scheduler expiry and purge).
    fn confirmations(&self) -> Result<Vec<PendingConfirmation>, StoreError>;
    /// The stored outcome of a platform event (`EventId::key`). The caller must
    /// [`Store::sync`] before acknowledging anything based on it.
    fn outcome(&self, event_key: &str) -> Result<Option<IdempotencyRecord>, StoreError>;
    /// Checks and applies `writes` atomically; returns once durable.
    fn commit(&self, writes: WriteSet) -> Result<Committed, StoreError>;
    /// Returns once everything readers can already see is durable.
    fn sync(&self) -> Result<(), StoreError>;
}

/// Lets one store be shared, e.g. by the service and an operator command.
impl<S: Store + ?Sized> Store for std::sync::Arc<S> {
    fn account(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        (**self).account(id)
    }
    fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        (**self).accounts()
    }
    fn subscriptions(&self, account: &AccountId) -> Result<Vec<Subscription>, StoreError> {
        (**self).subscriptions(account)
    }
    fn subscription(
        &self,
        account: &AccountId,
        id: SubscriptionId,
    ) -> Result<Option<Subscription>, StoreError> {
        (**self).subscription(account, id)
    }
    fn credits(&self, account: &AccountId) -> Result<Vec<Credit>, StoreError> {
        (**self).credits(account)
    }
    fn audit(&self, account: Option<&AccountId>) -> Result<Vec<AuditRecord>, StoreError> {
        (**self).audit(account)
    }
    fn confirmation(&self, id: &ConfirmationId) -> Result<Option<PendingConfirmation>, StoreError> {
        (**self).confirmation(id)
    }
    fn confirmations(&self) -> Result<Vec<PendingConfirmation>, StoreError> {
        (**self).confirmations()
    }
    fn outcome(&self, event_key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        (**self).outcome(event_key)
    }
    fn commit(&self, writes: WriteSet) -> Result<Committed, StoreError> {
        (**self).commit(writes)
    }
    fn sync(&self) -> Result<(), StoreError> {
        (**self).sync()
    }
}
