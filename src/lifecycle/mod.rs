//! Accounts, subscriptions, policy, transitions, prorated credit, confirmation and the
//! scheduler, mirroring Microsoft 365 semantics:
//!
//! ```text
//!   Active ──cancel (admin, confirmed)──▶ Disabled ──disabled_days──▶ Deleted
//!     │ ▲                                   │  ▲
//!     │ └────reactivate (admin, in window)──┘  │ grace_days
//!     │                                        │
//!     └──term end, no auto-renew──▶ Expired ───┘   (auto-renew: new term, stays Active)
//!   close account: every subscription → Deleted now; the account rejects all actions.
//! ```
//!
//! Layering: [`transition`] and [`mod@plan`] are pure (no storage, no clock); [`Engine`] is
//! the synchronous core over a [`Store`]; [`LifecycleService`] is the
//! async wrapper that runs the engine on tokio's blocking pool.
//!
//! Invariants: mutating calls take a [`VerifiedAdmin`](crate::auth::VerifiedAdmin) (or
//! re-authorize the signed identity at confirmation); an action is acknowledged only after
//! its state change, audit records and idempotency record were committed together and
//! flushed. Refusals anyone can cause are coalesced (`denials`) so a flood costs a bounded
//! number of audit writes. This module imports neither sled nor any networking.

mod account;
mod action;
mod audit;
mod clock;
mod denials;
mod engine;
mod error;
mod money;
mod outcome;
mod plan;
mod policy;
mod port;
mod provision;
mod scheduler;
mod seed;
mod service;
mod token;
mod transition;

#[cfg(test)]
mod tests;

pub use account::{
    Account, Billing, BillingPeriod, Credit, CreditReason, StateChange, SubState, Subscription,
};
pub use action::{Action, CloseMode, Facts};
pub use audit::{Actor, AuditKind, AuditRecord};
pub use clock::{Clock, ManualClock, SystemClock};
pub use engine::{Attempt, Engine};
pub use error::{LifecycleError, RefundRefusal};
pub use money::{Currency, Money, MoneyError};
pub use outcome::{
    AccountStatus, Dismissal, Export, IdempotencyRecord, Proposal, Receipt, StoredOutcome,
    TickReport,
};
pub use plan::{plan, AccountView, Plan};
pub use policy::{Policy, PolicyError, Rules, RETENTION_CAP_DAYS};
pub use port::{Committed, Store, StoreError, WriteSet};
pub use seed::{AccountSeed, Seed, SubscriptionSeed};
pub use service::LifecycleService;
pub use token::{ConfirmationId, ConfirmationStatus, PendingConfirmation, TokenKey, CONFIRM_TTL};
