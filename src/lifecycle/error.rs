//! Lifecycle errors. Every variant except [`LifecycleError::Internal`] is a user-facing
//! refusal: its fields carry the facts (dates, limits, partner name) so the chat layer can
//! render it in the user's language; `Display` is the English fallback.

use chrono::{DateTime, NaiveDate, Utc};

use super::account::SubState;
use super::money::MoneyError;
use crate::auth::Denied;
use crate::lifecycle::StoreError;
use crate::model::{AccountId, IdError, SubscriptionId};

/// Why no credit can be issued.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RefundRefusal {
    /// Trials cost nothing; policy `allow_trial_refunds` is false.
    #[error("trial subscriptions are free, so there is nothing to refund")]
    Trial,
    /// Outside policy `refund_window_days`.
    #[error(
        "refunds are only possible within {window_days} days of the term start ({term_start})"
    )]
    OutsideWindow {
        /// The policy window.
        window_days: u32,
        /// Start of the current term.
        term_start: NaiveDate,
    },
    /// No unused days remain in the term.
    #[error("no unused days remain in the current term")]
    NothingUnused,
    /// A credit for this term was already issued.
    #[error("a credit for the term starting {term_start} was already issued on {issued_at}")]
    AlreadyRefunded {
        /// The term already credited.
        term_start: NaiveDate,
        /// When that credit was issued.
        issued_at: DateTime<Utc>,
    },
    /// The subscription is not in the current term any more (expired/deleted).
    #[error("the subscription is {state}; only a subscription cancelled during its term can be refunded")]
    NotInTerm {
        /// Its state.
        state: SubState,
    },
}

/// Lifecycle failures.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// Input that does not parse (ids, event ids).
    #[error(transparent)]
    InvalidId(#[from] IdError),
    /// The speaker may not do this; the reason is user-facing.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// No such account.
    #[error("account {0} does not exist")]
    AccountNotFound(AccountId),
    /// No such subscription on this account.
    #[error("subscription {subscription} does not exist on account {account}")]
    SubscriptionNotFound {
        /// The account searched.
        account: AccountId,
        /// The missing subscription.
        subscription: SubscriptionId,
    },
    /// The account was closed; every action is refused.
    #[error("account {account} was closed on {closed_at}; no further actions are possible")]
    AccountClosed {
        /// The closed account.
        account: AccountId,
        /// When it was closed.
        closed_at: DateTime<Utc>,
    },
    /// The action does not apply in the subscription's current state.
    #[error("{subscription} is {state}, so it cannot be {verb}")]
    WrongState {
        /// The subscription.
        subscription: SubscriptionId,
        /// Its current state.
        state: SubState,
        /// Past participle of the attempted action ("cancelled", "reactivated").
        verb: &'static str,
    },
    /// Trials are not cancelled; they lapse.
    #[error("{subscription} is a trial: there's nothing to cancel. It expires automatically on {ends_on} unless a payment method is added")]
    TrialNothingToCancel {
        /// The trial.
        subscription: SubscriptionId,
        /// When the trial ends.
        ends_on: NaiveDate,
    },
    /// Partner-billed subscriptions can only be changed by the partner.
    #[error("{subscription} was bought through {}; only they can cancel it or issue a refund, so please contact them", partner.as_deref().unwrap_or("a Microsoft partner"))]
    PartnerBilled {
        /// The subscription.
        subscription: SubscriptionId,
        /// The partner's name, if known.
        partner: Option<String>,
    },
    /// Too many seats to cancel online.
    #[error("{subscription} has {seats} licenses; online cancellation needs fewer than {limit}. Call support to cancel, or remove licenses until fewer than {limit} remain and try again")]
    SeatLimit {
        /// The subscription.
        subscription: SubscriptionId,
        /// Its seats.
        seats: u32,
        /// The policy's seat limit.
        limit: u32,
    },
    /// Disabled for too long: the data is (being) deleted.
    #[error("{subscription} can no longer be reactivated: its data was scheduled for deletion on {delete_at}")]
    ReactivationWindowClosed {
        /// The subscription.
        subscription: SubscriptionId,
        /// The deletion time that passed.
        delete_at: DateTime<Utc>,
    },
    /// A refund was requested but cannot be given.
    #[error("no refund for {subscription}: {reason}")]
    RefundRefused {
        /// The subscription.
        subscription: SubscriptionId,
        /// Why.
        reason: RefundRefusal,
    },
    /// The speaker named no account and their guild or tenant is bound to none.
    #[error("no account is bound to this server or tenant; name the account")]
    NoAccountInScope,
    /// No account has a subscription with this id.
    #[error("no account has a subscription {0}")]
    SubscriptionUnknown(SubscriptionId),
    /// Several accounts have a subscription with this id.
    #[error("{subscription} exists in several accounts ({}); write ACCOUNT/{subscription}", accounts.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    SubscriptionAmbiguous {
        /// The subscription id.
        subscription: SubscriptionId,
        /// Accounts that have it.
        accounts: Vec<AccountId>,
    },
    /// Closing needs every subscription cancelled first (or the immediate mode).
    #[error("account {account} still has subscriptions that are not cancelled: {}. Cancel them first, or choose to close the account now, which cancels and deletes them immediately", open.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    CloseBlocked {
        /// The account.
        account: AccountId,
        /// Subscriptions that are Active or Expired.
        open: Vec<SubscriptionId>,
    },
    /// The confirmation token is not one we issued.
    #[error("that confirmation is not valid")]
    TokenMalformed,
    /// Well-formed but unknown (never issued here, or purged long after expiry).
    #[error("that confirmation is unknown or too old; please start again")]
    TokenUnknown,
    /// Older than the confirmation window.
    #[error("that confirmation expired at {expired_at}; please start again")]
    TokenExpired {
        /// When it expired.
        expired_at: DateTime<Utc>,
    },
    /// Already confirmed once.
    #[error("that action was already confirmed at {used_at}")]
    TokenUsed {
        /// When it was used.
        used_at: DateTime<Utc>,
    },
    /// The proposer dismissed it; it can no longer be confirmed.
    #[error(
        "that proposal was dismissed at {dismissed_at}, so nothing was changed; please start again"
    )]
    TokenDismissed {
        /// When it was dismissed.
        dismissed_at: DateTime<Utc>,
    },
    /// Proposed by someone else.
    #[error("only the person who asked for this action can confirm or dismiss it")]
    TokenForeign,
    /// Closing an account needs the account id typed back.
    #[error("to close the account, type its id ({account}) to confirm")]
    TypedBackRequired {
        /// The id to type.
        account: AccountId,
    },
    /// The typed-back id did not match.
    #[error("the account id you typed does not match {account}; nothing was changed")]
    TypedBackMismatch {
        /// The expected id.
        account: AccountId,
    },
    /// Seed or export data that cannot be loaded (operator input).
    #[error("invalid data: {0}")]
    InvalidData(String),
    /// An event id was replayed for a different request.
    #[error("this request id was already used for a different request")]
    EventMismatch,
    /// Arithmetic on the subscription's price failed (bad stored data).
    #[error("the subscription's price cannot be computed: {0}")]
    Money(#[from] MoneyError),
    /// Storage or other internal failure: show "an internal error occurred" to users.
    #[error("internal error: {0}")]
    Internal(#[from] StoreError),
}

impl LifecycleError {
    /// True for failures the user cannot act on (storage, corruption, contention).
    pub fn is_internal(&self) -> bool {
        matches!(self, LifecycleError::Internal(_))
    }
}
