//! Storage-engine-neutral record layout: trees, keys and the versioned value encoding.
//!
//! Values are `[format byte 1][revision: u64 big-endian][JSON]`, so the encoding can
//! evolve (a reader meeting an unknown format byte reports it instead of misreading data)
//! and the commit-time revision check reads 9 bytes instead of parsing JSON. Records
//! without a revision store 0.
//! Keys are chosen for prefix scans per account: `account 0x00 …`. Account ids cannot
//! contain 0x00, so a prefix never matches another account.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::lifecycle::StoreError;
use crate::lifecycle::{ConfirmationId, Credit, Subscription};
use crate::model::{AccountId, SubscriptionId};

/// Current value format byte.
pub const FORMAT_V1: u8 = 1;

/// The logical tables (sled trees).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tree {
    /// `account id` → `Account`.
    Accounts,
    /// `account 0 sub-number(BE)` → `Subscription`.
    Subscriptions,
    /// `account 0 sub-number(BE) term-start` → `Credit`.
    Credits,
    /// `account 0 seq(BE)` (empty account = none) → `AuditRecord`.
    Audit,
    /// `platform:event` → `IdempotencyRecord`.
    Idempotency,
    /// 16-byte id → `PendingConfirmation`.
    Confirmations,
    /// `ticket number(BE)` → handoff `Ticket`.
    Tickets,
    /// `ticket number(BE) revision(BE)` → handoff `HistoryEntry`.
    TicketHistory,
    /// `platform 0 conversation 0 user` → handoff `UserState`.
    HandoffUsers,
    /// `platform:event` → the `TicketId` that event opened.
    HandoffEvents,
    /// `answer key 0 locale 0 platform:event` → handoff `Feedback`.
    Feedback,
    /// `time(ms, BE, sign-flipped) event` → conversation record `Entry`.
    Records,
    /// `platform 0 user 0 record key` → nothing: the record by user.
    RecordUsers,
    /// `platform 0 user 0 conversation` → conversation `StoredSession`
    /// (with its expiry); written outside the commit path.
    Sessions,
    /// `operator name` → console `Operator`.
    Operators,
    /// SHA-256 (hex) of a session id → `ConsoleSession`.
    ConsoleSessions,
}

impl Tree {
    /// Every tree, in a fixed order (the sled transaction tuple order).
    pub const ALL: [Tree; 16] = [
        Tree::Accounts,
        Tree::Subscriptions,
        Tree::Credits,
        Tree::Audit,
        Tree::Idempotency,
        Tree::Confirmations,
        Tree::Tickets,
        Tree::TicketHistory,
        Tree::HandoffUsers,
        Tree::HandoffEvents,
        Tree::Feedback,
        Tree::Records,
        Tree::RecordUsers,
        Tree::Sessions,
        Tree::Operators,
        Tree::ConsoleSessions,
    ];

    /// Tree name on disk.
    pub fn name(self) -> &'static str {
        match self {
            Tree::Accounts => "accounts",
            Tree::Subscriptions => "subscriptions",
            Tree::Credits => "credits",
            Tree::Audit => "audit",
            Tree::Idempotency => "idempotency",
            Tree::Confirmations => "confirmations",
            Tree::Tickets => "handoff_tickets",
            Tree::TicketHistory => "handoff_history",
            Tree::HandoffUsers => "handoff_users",
            Tree::HandoffEvents => "handoff_events",
            Tree::Feedback => "feedback",
            Tree::Records => "records",
            Tree::RecordUsers => "record_users",
            Tree::Sessions => "sessions",
            Tree::Operators => "operators",
            Tree::ConsoleSessions => "console_sessions",
        }
    }
}

/// Length of the value header (format byte + revision).
const HEADER: usize = 9;

fn codec_error(tree: Tree, key: &[u8], detail: String) -> StoreError {
    StoreError::Decode {
        tree: tree.name(),
        key: String::from_utf8_lossy(key).into_owned(),
        detail,
    }
}

/// Encodes a value (revision 0) with the current format byte.
pub fn encode<T: Serialize>(tree: Tree, value: &T) -> Result<Vec<u8>, StoreError> {
    encode_versioned(tree, 0, value)
}

/// Encodes a value carrying `revision` in its header.
pub fn encode_versioned<T: Serialize>(
    tree: Tree,
    revision: u64,
    value: &T,
) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::with_capacity(512);
    out.push(FORMAT_V1);
    out.extend_from_slice(&revision.to_be_bytes());
    serde_json::to_writer(&mut out, value)
        .map_err(|e| codec_error(tree, b"", format!("encode: {e}")))?;
    Ok(out)
}

/// Checks the header and returns `(revision, json)`.
pub fn split<'a>(tree: Tree, key: &[u8], bytes: &'a [u8]) -> Result<(u64, &'a [u8]), StoreError> {
    match bytes.split_first() {
        Some((&FORMAT_V1, rest)) if rest.len() >= HEADER - 1 => {
            let (rev, json) = rest.split_at(HEADER - 1);
            let rev = <[u8; 8]>::try_from(rev)
                .map_err(|_| codec_error(tree, key, "short header".into()))?;
            Ok((u64::from_be_bytes(rev), json))
        }
        Some((&FORMAT_V1, _)) => Err(codec_error(tree, key, "truncated value".into())),
        Some((v, _)) => Err(codec_error(
            tree,
            key,
            format!("unsupported format version {v}"),
        )),
        None => Err(codec_error(tree, key, "empty value".into())),
    }
}

/// Decodes a stored value, checking the format byte.
pub fn decode<T: DeserializeOwned>(tree: Tree, key: &[u8], bytes: &[u8]) -> Result<T, StoreError> {
    let (_, json) = split(tree, key, bytes)?;
    serde_json::from_slice(json).map_err(|e| codec_error(tree, key, e.to_string()))
}

/// Prefix of every per-account key.
pub fn account_prefix(account: Option<&AccountId>) -> Vec<u8> {
    let mut k = account
        .map(|a| a.as_str().as_bytes().to_vec())
        .unwrap_or_default();
    k.push(0);
    k
}

/// The audit sequence number at the end of an audit key.
pub fn audit_seq(key: &[u8]) -> Option<u64> {
    let tail = key.get(key.len().checked_sub(8)?..)?;
    <[u8; 8]>::try_from(tail).ok().map(u64::from_be_bytes)
}

/// Key of a subscription.
pub fn subscription_key(s: &Subscription) -> Vec<u8> {
    subscription_key_of(&s.account, s.id)
}

/// Key of subscription `id` of `account`.
pub fn subscription_key_of(account: &AccountId, id: SubscriptionId) -> Vec<u8> {
    let mut k = account_prefix(Some(account));
    k.extend_from_slice(&id.number().to_be_bytes());
    k
}

/// Key of a credit: unique per subscription term.
pub fn credit_key(c: &Credit) -> Vec<u8> {
    let mut k = account_prefix(Some(&c.account));
    k.extend_from_slice(&c.subscription.number().to_be_bytes());
    k.extend_from_slice(c.term_start.format("%Y-%m-%d").to_string().as_bytes());
    k
}

/// Key of a confirmation.
pub fn confirmation_key(id: &ConfirmationId) -> Vec<u8> {
    id.as_bytes().to_vec()
}
