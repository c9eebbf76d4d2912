//! Mutating actions and the facts shown to the user before (proposal) and after
//! (receipt) confirmation. The planner that computes them is in [`mod@super::plan`].

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::account::Credit;
use super::error::RefundRefusal;
use crate::model::{AccountId, SubscriptionId};

/// How to close an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseMode {
    /// Only if every subscription is already cancelled (Disabled) or Deleted.
    WhenAllCancelled,
    /// Explicit admin choice: cancel and delete every subscription now, before the
    /// disabled period ends.
    CancelAndDeleteNow,
}

/// A mutating request. Always two-step: propose, then confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Action {
    /// Active/Expired → Disabled, with a prorated credit when policy allows.
    Cancel {
        /// Target.
        subscription: SubscriptionId,
    },
    /// Disabled/Expired → Active, within the disabled window.
    Reactivate {
        /// Target.
        subscription: SubscriptionId,
    },
    /// Prorated credit for the unused term; cancels an Active subscription too.
    Refund {
        /// Target.
        subscription: SubscriptionId,
    },
    /// Close the whole account (requires the account id typed back).
    CloseAccount {
        /// Which closing rule applies.
        mode: CloseMode,
    },
}

impl Action {
    /// Short lowercase name for the audit log.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Cancel { .. } => "cancel",
            Action::Reactivate { .. } => "reactivate",
            Action::Refund { .. } => "refund",
            Action::CloseAccount { .. } => "close_account",
        }
    }

    /// The subscription acted on, if the action targets one.
    pub fn subscription(&self) -> Option<SubscriptionId> {
        match self {
            Action::Cancel { subscription }
            | Action::Reactivate { subscription }
            | Action::Refund { subscription } => Some(*subscription),
            Action::CloseAccount { .. } => None,
        }
    }
}

/// What will happen (in a proposal) or what happened (in a receipt). Dates and amounts
/// are structured so the chat layer can render them in the user's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Facts {
    /// Cancellation.
    Cancel {
        /// Target.
        subscription: SubscriptionId,
        /// Product name.
        product: String,
        /// When it becomes Disabled.
        effective_at: DateTime<Utc>,
        /// When its data is deleted; admins can reactivate until then.
        delete_at: DateTime<Utc>,
        /// Prorated credit due with the next billing cycle, if any.
        credit: Option<Credit>,
        /// Why there is no credit, if there is none.
        no_credit: Option<RefundRefusal>,
    },
    /// Reactivation.
    Reactivate {
        /// Target.
        subscription: SubscriptionId,
        /// Product name.
        product: String,
        /// Term after reactivation.
        term_start: NaiveDate,
        /// Its end (renewal or expiry date).
        term_end: NaiveDate,
        /// True when a new term (and a new charge) starts instead of resuming the old one.
        new_term: bool,
    },
    /// Refund.
    Refund {
        /// Target.
        subscription: SubscriptionId,
        /// Product name.
        product: String,
        /// Whether the refund also cancels the (Active) subscription.
        cancels: bool,
        /// Deletion date if it cancels.
        delete_at: Option<DateTime<Utc>>,
        /// The credit.
        credit: Credit,
    },
    /// Account closure.
    CloseAccount {
        /// The account.
        account: AccountId,
        /// Closing rule.
        mode: CloseMode,
        /// When the account closes and data is deleted.
        effective_at: DateTime<Utc>,
        /// Subscriptions cancelled by the closure (were Active/Expired).
        cancelled: Vec<SubscriptionId>,
        /// Subscriptions deleted by the closure.
        deleted: Vec<SubscriptionId>,
        /// Prorated credits issued for cancelled subscriptions.
        credits: Vec<Credit>,
    },
}
