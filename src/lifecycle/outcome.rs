//! What callers get back, and what is stored per platform event for idempotent replays.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::account::{Account, Credit, Subscription};
use super::action::{Action, Facts};
use super::audit::AuditRecord;
use crate::auth::{Role, UserKey};
use crate::model::AccountId;

/// Step one of a mutating action: what would happen, and the token to confirm it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// Goes into the confirm button's `custom_id` (55 characters).
    pub token: String,
    /// Account acted on.
    pub account: AccountId,
    /// The action proposed.
    pub action: Action,
    /// What will happen if confirmed now (recomputed at confirmation).
    pub facts: Facts,
    /// Confirm before this instant.
    pub expires_at: DateTime<Utc>,
    /// Closing an account needs the account id typed back at confirmation.
    pub requires_typed_account_id: bool,
}

/// Step two: what was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// Account acted on.
    pub account: AccountId,
    /// The action applied.
    pub action: Action,
    /// What actually happened (computed at confirmation time).
    pub facts: Facts,
    /// When it was applied.
    pub confirmed_at: DateTime<Utc>,
}

/// The stored result of one platform event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StoredOutcome {
    /// The event proposed an action.
    Proposed(Proposal),
    /// The event confirmed an action.
    Confirmed(Receipt),
    /// The event dismissed a proposal.
    Dismissed(Dismissal),
}

/// A dismissed proposal: nothing was done, and its token is used up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dismissal {
    /// Account the proposal was for.
    pub account: AccountId,
    /// The action that will not happen.
    pub action: Action,
    /// When it was (first) dismissed.
    pub dismissed_at: DateTime<Utc>,
}

/// Idempotency record: platform event → outcome, written in the same transaction as the
/// change it describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    /// `platform:event-id`.
    pub event: String,
    /// Who sent the event; a replay by someone else is refused.
    pub user: UserKey,
    /// When it was first processed.
    pub at: DateTime<Utc>,
    /// The outcome to return on replay.
    pub outcome: StoredOutcome,
}

/// Read-only view of an account for `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountStatus {
    /// The caller's role on this account.
    pub role: Role,
    /// The account.
    pub account: Account,
    /// Its subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// Credits issued and due with upcoming invoices.
    pub credits: Vec<Credit>,
}

/// Everything stored about an account, as JSON-serializable data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Export {
    /// Export format version; bump on incompatible changes.
    pub format: u32,
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// The account.
    pub account: Account,
    /// Its subscriptions, in any state.
    pub subscriptions: Vec<Subscription>,
    /// Its credits.
    pub credits: Vec<Credit>,
    /// Its audit log, oldest first.
    pub audit: Vec<AuditRecord>,
}

impl Export {
    /// Current [`Export::format`].
    pub const FORMAT: u32 = 1;

    /// Pretty JSON for download.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// Parses an export (e.g. to restore after storage damage).
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// What one `tick` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TickReport {
    /// Scheduler state changes applied.
    pub transitions: usize,
    /// Auto-renewals applied.
    pub renewals: usize,
    /// Proposals marked expired.
    pub expired_proposals: usize,
    /// Old confirmation records removed.
    pub purged_confirmations: usize,
}
