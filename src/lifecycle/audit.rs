//! The append-only audit log: one record per attempt or state change, never rewritten.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::account::{SubState, Subscription};
use crate::auth::{Role, UserKey};
use crate::model::{AccountId, EventId, SubscriptionId};

/// Who caused a record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// A platform user.
    User(UserKey),
    /// The time-driven scheduler (`tick`).
    Scheduler,
}

/// What kind of event a record describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// Authorization refused.
    Denied,
    /// Authorized, but the domain refused (seat limit, partner, wrong state...).
    Refused,
    /// A confirmation token was issued.
    Proposed,
    /// A proposal was confirmed and applied; one record per changed entity.
    Confirmed,
    /// A confirmation attempt was rejected (expired, reused, foreign, wrong typed-back id).
    ConfirmRejected,
    /// The proposer dismissed a proposal; its token is used up.
    Dismissed,
    /// An unconfirmed proposal passed its deadline (noted by the scheduler).
    Expired,
    /// A scheduler state change (Expired, Disabled, Deleted).
    Transition,
    /// A scheduler auto-renewal.
    Renewed,
    /// Data loaded by the operator (fixtures, restore).
    Provisioned,
    /// An export was produced.
    Exported,
    /// Stored data about a person was deleted at their request.
    Erased,
    /// An operator signed in to the console (never with the password).
    SignedIn,
    /// A console sign-in was refused (wrong name or password, or locked).
    SignInFailed,
    /// An operator signed out of the console.
    SignedOut,
    /// A console operator was added (`admin operator add`).
    OperatorAdded,
    /// A console operator was removed, with their sessions.
    OperatorRemoved,
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Position in the log, assigned by the store at commit (0 before).
    #[serde(default)]
    pub seq: u64,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Actor,
    /// With which role, when authorization got that far.
    pub role: Option<Role>,
    /// What happened.
    pub kind: AuditKind,
    /// Action name (`cancel`, `refund`, `close_account`, ...).
    pub action: Option<String>,
    /// Account concerned.
    pub account: Option<AccountId>,
    /// Subscription concerned.
    pub subscription: Option<SubscriptionId>,
    /// State before.
    pub before: Option<SubState>,
    /// State after.
    pub after: Option<SubState>,
    /// Platform event id (`platform:id`) that triggered it.
    pub event: Option<String>,
    /// Free-text reason or detail (English; for humans reading the log).
    pub detail: Option<String>,
    /// How many identical attempts this record stands for, when repeated
    /// denials were coalesced (absent means one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

impl AuditRecord {
    /// A record with the common fields set; callers fill in the rest.
    pub fn new(at: DateTime<Utc>, actor: Actor, kind: AuditKind) -> Self {
        AuditRecord {
            seq: 0,
            at,
            actor,
            role: None,
            kind,
            action: None,
            account: None,
            subscription: None,
            before: None,
            after: None,
            event: None,
            detail: None,
            count: None,
        }
    }

    /// Sets role, action name, account and event.
    pub fn about(
        mut self,
        role: Option<Role>,
        action: Option<&str>,
        account: Option<&AccountId>,
        event: Option<&EventId>,
    ) -> Self {
        self.role = role;
        self.action = action.map(str::to_owned);
        self.account = account.cloned();
        self.event = event.map(EventId::key);
        self
    }

    /// Records a subscription's state change.
    pub fn change(mut self, before: &Subscription, after: &Subscription) -> Self {
        self.subscription = Some(after.id);
        self.before = Some(before.state);
        self.after = Some(after.state);
        self
    }

    /// Sets the subscription without a state change.
    pub fn on(mut self, subscription: Option<SubscriptionId>) -> Self {
        self.subscription = subscription;
        self
    }

    /// Adds a human-readable detail.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}
