//! Console operators: who may sign in to the operator console, with which
//! role, and their sessions.
//!
//! Passwords are kept only as Argon2id PHC strings ([`password`]); session
//! ids only as SHA-256 hashes, so neither a database copy nor an export
//! lets anyone sign in. The domain owns its storage port
//! ([`OperatorStore`]); `crate::store` implements it on the same durable
//! commit path as the lifecycle, so every instance sharing a database
//! honours the same sessions. Nothing here knows HTTP or a storage engine.

mod limit;
mod password;
mod port;
mod service;
mod session;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use limit::{SignInLimits, SignInThrottle};
pub use password::{hash_password, verify_password, PasswordError};
pub use port::{OperatorStore, OperatorWrite};
pub use service::{OperatorService, SignInError};
pub use session::{ConsoleSession, SessionToken, SignedIn};

/// 32 random bytes, hex: for tokens outside a session (the sign-in form's
/// double-submit token).
pub fn random_token() -> Result<String, getrandom::Error> {
    session::random_hex()
}

use crate::lifecycle::StoreError;

/// What an operator may do in the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorRole {
    /// Works the handoff queue (claim, resolve, release, reply).
    Agent,
    /// Everything an agent does, plus lifecycle actions on accounts.
    Admin,
    /// Reads the inbox and tests draft rules; no tickets, no accounts.
    RuleAuthor,
}

impl OperatorRole {
    /// Parses `agent`, `admin` or `rule-author`.
    pub fn parse(text: &str) -> Result<OperatorRole, OperatorError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "agent" => Ok(OperatorRole::Agent),
            "admin" => Ok(OperatorRole::Admin),
            "rule-author" | "rule_author" => Ok(OperatorRole::RuleAuthor),
            other => Err(OperatorError::BadRole(other.chars().take(40).collect())),
        }
    }

    /// The name [`OperatorRole::parse`] reads.
    pub fn as_str(self) -> &'static str {
        match self {
            OperatorRole::Agent => "agent",
            OperatorRole::Admin => "admin",
            OperatorRole::RuleAuthor => "rule-author",
        }
    }

    /// Whether this role works the handoff queue.
    pub fn works_tickets(self) -> bool {
        matches!(self, OperatorRole::Agent | OperatorRole::Admin)
    }
}

/// One console operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    /// Sign-in name (see [`check_name`]).
    pub name: String,
    /// What they may do.
    pub role: OperatorRole,
    /// Argon2id PHC string; never the password.
    pub password_hash: String,
    /// When the operator was added.
    pub created_at: DateTime<Utc>,
    /// Bumped by every change; 0 = must not exist yet.
    pub revision: u64,
}

/// Longest operator name.
pub const MAX_NAME: usize = 64;

/// Checks an operator name: 1 to [`MAX_NAME`] ASCII letters, digits, `.`,
/// `_`, `-` (they appear in audit records, keys and page titles).
pub fn check_name(name: &str) -> Result<(), OperatorError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(OperatorError::BadName(
            name.chars().take(MAX_NAME).collect(),
        ))
    }
}

/// Why an operator step did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OperatorError {
    /// Not a valid name.
    #[error("{0:?} is not an operator name (1-64 letters, digits, '.', '_', '-')")]
    BadName(String),
    /// Not a role.
    #[error("{0:?} is not a role (agent, admin, rule-author)")]
    BadRole(String),
    /// The name is taken.
    #[error("operator {0} exists already")]
    Exists(String),
    /// No such operator.
    #[error("there is no operator {0}")]
    NotFound(String),
    /// The password is too short or too long.
    #[error("the password must be 12 to 1024 characters")]
    WeakPassword,
    /// Hashing failed.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests;
