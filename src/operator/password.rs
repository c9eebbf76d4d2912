//! Password hashing: Argon2id with the crate's default parameters (19 MiB,
//! two passes), stored as a PHC string that carries its own parameters and
//! salt, so stronger settings later still verify old hashes.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Hashing could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// No randomness for the salt.
    #[error("no randomness for the password salt")]
    NoRandomness,
    /// The hasher refused (never for valid input).
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// Hashes `password` with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|_| PasswordError::NoRandomness)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches the stored PHC string. A damaged hash never
/// matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// A hash of a password nobody has, verified when the name is unknown so a
/// wrong name costs as long as a wrong password (no name probing by timing).
pub(super) fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        hash_password("decoy password that nobody has").unwrap_or_else(|_| String::new())
    })
}
