//! Console sessions: a random id the browser holds (in a cookie), stored
//! only as its SHA-256, a CSRF token per session, and the idle clock.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Operator, OperatorRole};
use crate::model::{Evidence, Identity, Platform};

/// A session id as the browser holds it: 32 random bytes, hex. Only its
/// hash is stored, so reading the database does not yield a session.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

impl SessionToken {
    /// A fresh random token.
    pub(super) fn generate() -> Result<SessionToken, getrandom::Error> {
        Ok(SessionToken(random_hex()?))
    }

    /// A token as the browser sent it (not checked: lookups of junk miss).
    pub fn from_cookie(text: &str) -> SessionToken {
        SessionToken(text.to_owned())
    }

    /// The cookie value.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the store keys the session by.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

/// 32 random bytes, hex.
pub(super) fn random_hex() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(hex::encode(bytes))
}

/// One stored session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleSession {
    /// SHA-256 (hex) of the session token.
    pub id_hash: String,
    /// Whose.
    pub operator: String,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
    /// When it was created (at sign-in).
    pub created_at: DateTime<Utc>,
    /// Last request seen (refreshed at most once a minute).
    pub last_seen: DateTime<Utc>,
}

impl ConsoleSession {
    /// Whether the session has been idle longer than `idle`.
    pub fn idle(&self, now: DateTime<Utc>, idle: chrono::TimeDelta) -> bool {
        now - self.last_seen > idle
    }

    /// Whether `token` is this session's CSRF token, compared in constant
    /// time.
    pub fn csrf_matches(&self, token: &str) -> bool {
        let (a, b) = (self.csrf.as_bytes(), token.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// A signed-in operator: only [`OperatorService`](super::OperatorService)
/// builds it, from a stored, unexpired session of an existing operator.
#[derive(Debug, Clone)]
pub struct SignedIn {
    operator: Operator,
    session: ConsoleSession,
}

impl SignedIn {
    pub(super) fn new(operator: Operator, session: ConsoleSession) -> SignedIn {
        SignedIn { operator, session }
    }

    /// Who.
    pub fn name(&self) -> &str {
        &self.operator.name
    }

    /// With which role.
    pub fn role(&self) -> OperatorRole {
        self.operator.role
    }

    /// The session (for its CSRF token).
    pub fn session(&self) -> &ConsoleSession {
        &self.session
    }

    /// The identity the operator acts with on tickets and accounts:
    /// `console:<name>`, with evidence by role. Rule authors act on nothing.
    pub fn identity(&self) -> Option<Identity> {
        let evidence = match self.operator.role {
            OperatorRole::Admin => Evidence::ConsoleAdmin,
            OperatorRole::Agent => Evidence::ConsoleAgent,
            OperatorRole::RuleAuthor => return None,
        };
        Some(Identity {
            platform: Platform::Console,
            user_id: self.operator.name.clone(),
            scope: None,
            evidence,
        })
    }
}
