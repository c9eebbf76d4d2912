//! The operators' storage port. Adapters (memory, sled, PostgreSQL) live in
//! `crate::store` and share the lifecycle's durable commit path.

use super::session::ConsoleSession;
use super::Operator;
use crate::lifecycle::{AuditRecord, StoreError};

/// Everything one operator step writes, applied atomically and durably.
/// Operators carry their *new* revision (see `lifecycle::WriteSet`).
#[derive(Debug, Clone, Default)]
pub struct OperatorWrite {
    /// New operator versions.
    pub operators: Vec<Operator>,
    /// Operators to delete, by name.
    pub remove_operators: Vec<String>,
    /// Sessions to store (replacing one with the same id hash).
    pub sessions: Vec<ConsoleSession>,
    /// Sessions to delete, by id hash.
    pub remove_sessions: Vec<String>,
    /// Audit records written in the same commit (sign-ins, changes).
    pub audit: Vec<AuditRecord>,
}

/// The storage operations the operators need.
pub trait OperatorStore: Send + Sync + 'static {
    /// One operator.
    fn operator(&self, name: &str) -> Result<Option<Operator>, StoreError>;
    /// Every operator, by name.
    fn operators(&self) -> Result<Vec<Operator>, StoreError>;
    /// One session, by the hash of its id.
    fn console_session(&self, id_hash: &str) -> Result<Option<ConsoleSession>, StoreError>;
    /// Every session.
    fn console_sessions(&self) -> Result<Vec<ConsoleSession>, StoreError>;
    /// Checks revisions and applies `writes` atomically; returns once durable.
    fn commit_operators(&self, writes: OperatorWrite) -> Result<(), StoreError>;
}

impl<S: OperatorStore + ?Sized> OperatorStore for std::sync::Arc<S> {
    fn operator(&self, name: &str) -> Result<Option<Operator>, StoreError> {
        (**self).operator(name)
    }
    fn operators(&self) -> Result<Vec<Operator>, StoreError> {
        (**self).operators()
    }
    fn console_session(&self, id_hash: &str) -> Result<Option<ConsoleSession>, StoreError> {
        (**self).console_session(id_hash)
    }
    fn console_sessions(&self) -> Result<Vec<ConsoleSession>, StoreError> {
        (**self).console_sessions()
    }
    fn commit_operators(&self, writes: OperatorWrite) -> Result<(), StoreError> {
        (**self).commit_operators(writes)
    }
}
