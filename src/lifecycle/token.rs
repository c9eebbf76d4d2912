//! Two-step confirmation: tokens and the pending-confirmation record.
//!
//! Token format: `c1:` + base32(16 random bytes) + base32(first 16 bytes of
//! HMAC-SHA256(key, "supportbot-confirm-v1" ‖ id)) = 55 ASCII characters, so it fits a
//! Discord `custom_id` (≤ 100) with room for a prefix. The random id alone makes it
//! unguessable (128 bits); the MAC lets us reject forged or mangled tokens before touching
//! storage. Tokens are not secret from other channel members (Discord shows components to
//! everyone), which is why the stored record binds the proposer and is single-use.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::action::Action;
use super::error::LifecycleError;
use crate::auth::{AdminRole, UserKey};
use crate::model::AccountId;

/// How long a proposal can be confirmed (matches Discord's interaction-token lifetime).
pub const CONFIRM_TTL: TimeDelta = TimeDelta::minutes(15);
const PREFIX: &str = "c1:";
const DOMAIN: &[u8] = b"supportbot-confirm-v1";
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// The HMAC key for confirmation tokens. Supply a persistent one from settings to keep
/// outstanding proposals valid across restarts; a fresh one only invalidates them early.
#[derive(Clone)]
pub struct TokenKey([u8; 32]);

impl TokenKey {
    /// Wraps key material (e.g. decoded from a secret in the settings).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        TokenKey(bytes)
    }

    /// A random key from the operating system.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k)?;
        Ok(TokenKey(k))
    }

    fn mac(&self, id: &ConfirmationId) -> Hmac<Sha256> {
        // HMAC zero-pads keys shorter than the 64-byte block, so padding here gives the
        // same MAC as keying with the 32 bytes directly, through the infallible `new`.
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&self.0);
        let mut m = <Hmac<Sha256> as KeyInit>::new(&block.into());
        m.update(DOMAIN);
        m.update(&id.0);
        m
    }

    /// The token text for `id`.
    pub fn token(&self, id: &ConfirmationId) -> String {
        let tag = self.mac(id).finalize().into_bytes();
        let mut short = [0u8; 16];
        short.copy_from_slice(&tag[..16]);
        format!("{PREFIX}{}{}", base32(&id.0), base32(&short))
    }

    /// Checks a token's shape and MAC and returns its id.
    pub fn verify(&self, token: &str) -> Result<ConfirmationId, LifecycleError> {
        let body = token
            .trim()
            .strip_prefix(PREFIX)
            .ok_or(LifecycleError::TokenMalformed)?;
        if body.len() != 52 || !body.is_ascii() {
            return Err(LifecycleError::TokenMalformed);
        }
        let (id_text, tag_text) = body.split_at(26);
        let id = ConfirmationId(unbase32(id_text).ok_or(LifecycleError::TokenMalformed)?);
        let tag = unbase32(tag_text).ok_or(LifecycleError::TokenMalformed)?;
        self.mac(&id)
            .verify_truncated_left(&tag)
            .map_err(|_| LifecycleError::TokenMalformed)?;
        Ok(id)
    }
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

/// Random id of one proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConfirmationId([u8; 16]);

impl ConfirmationId {
    /// A fresh random id.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut id = [0u8; 16];
        getrandom::fill(&mut id)?;
        Ok(ConfirmationId(id))
    }

    /// Raw bytes (storage key).
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl TryFrom<String> for ConfirmationId {
    type Error = LifecycleError;
    fn try_from(s: String) -> Result<Self, LifecycleError> {
        unbase32(&s)
            .map(ConfirmationId)
            .ok_or(LifecycleError::TokenMalformed)
    }
}

impl From<ConfirmationId> for String {
    fn from(id: ConfirmationId) -> String {
        base32(&id.0)
    }
}

/// Lifecycle of a proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum ConfirmationStatus {
    /// Waiting for the proposer.
    Pending,
    /// Confirmed (applied) once.
    Used {
        /// When.
        at: DateTime<Utc>,
        /// By which platform event.
        event: String,
    },
    /// Passed its deadline unconfirmed (noted by the scheduler).
    Expired,
    /// Dropped by the proposer (the Cancel button): used up, never confirmable.
    Dismissed {
        /// When.
        at: DateTime<Utc>,
        /// By which platform event.
        event: String,
    },
}

/// A proposal waiting for confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingConfirmation {
    /// Random id, also inside the token.
    pub id: ConfirmationId,
    /// Account acted on.
    pub account: AccountId,
    /// What to do.
    pub action: Action,
    /// Only this user may confirm.
    pub proposer: UserKey,
    /// The proposer's role at proposal time (re-checked at confirmation).
    pub role: AdminRole,
    /// When proposed.
    pub created_at: DateTime<Utc>,
    /// Confirmation deadline.
    pub expires_at: DateTime<Utc>,
    /// Pending, used, expired or dismissed.
    pub status: ConfirmationStatus,
    /// Optimistic-concurrency counter: makes "confirm once" atomic in the store.
    #[serde(default)]
    pub revision: u64,
}

fn base32(bytes: &[u8; 16]) -> String {
    let mut out = String::with_capacity(26);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

fn unbase32(text: &str) -> Option<[u8; 16]> {
    if text.len() != 26 {
        return None;
    }
    let mut out = [0u8; 16];
    let (mut acc, mut bits, mut n) = (0u32, 0u32, 0usize);
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c.to_ascii_lowercase())? as u32;
        acc = ((acc << 5) | v) & 0xfff;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            *out.get_mut(n)? = (acc >> bits) as u8;
            n += 1;
        }
    }
    // 26 × 5 = 130 bits: the 2 spare bits must be zero so each id has one spelling.
    (n == 16 && acc & ((1 << bits) - 1) == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_fit_custom_id_and_reject_tampering() {
        let key = TokenKey::from_bytes([7; 32]);
        let id = ConfirmationId([0xA5; 16]);
        let token = key.token(&id);
        assert_eq!(token.len(), 55);
        assert!(token.len() <= 100);
        assert_eq!(key.verify(&token).ok(), Some(id));
        assert_eq!(
            key.verify(&token.to_ascii_uppercase().replace("C1:", "c1:"))
                .ok(),
            Some(id)
        );
        let other = TokenKey::from_bytes([8; 32]);
        assert!(matches!(
            other.verify(&token),
            Err(LifecycleError::TokenMalformed)
        ));
        let mut flipped = token.clone().into_bytes();
        flipped[10] = if flipped[10] == b'a' { b'b' } else { b'a' };
        let flipped = String::from_utf8(flipped).unwrap_or_default();
        assert!(matches!(
            key.verify(&flipped),
            Err(LifecycleError::TokenMalformed)
        ));
        for bad in [
            "",
            "c1:",
            "c2:abc",
            &token[..54],
            "c1:ééééééééééééééééééééééééééééééééééééééééééééééééééé",
        ] {
            assert!(
                matches!(key.verify(bad), Err(LifecycleError::TokenMalformed)),
                "{bad}"
            );
        }
    }

    #[test]
    fn padded_key_gives_the_standard_hmac() {
        let key = TokenKey::from_bytes([7; 32]);
        let id = ConfirmationId([1; 16]);
        let mut plain = <Hmac<Sha256> as KeyInit>::new_from_slice(&[7; 32]).expect("any length");
        plain.update(DOMAIN);
        plain.update(&id.0);
        assert_eq!(
            key.mac(&id).finalize().into_bytes(),
            plain.finalize().into_bytes()
        );
    }

    #[test]
    fn base32_is_canonical() {
        for seed in [0u8, 1, 0x7f, 0xff] {
            let bytes = [seed; 16];
            assert_eq!(unbase32(&base32(&bytes)), Some(bytes));
        }
        // Same first 25 chars, non-zero spare bits: rejected rather than aliased.
        let s = base32(&[0; 16]);
        assert_eq!(unbase32(&format!("{}b", &s[..25])), None);
    }
}
