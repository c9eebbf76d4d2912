//! Accounts (tenants), subscriptions and credits: the persisted domain records.

use std::fmt;

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::money::Money;
use crate::model::{AccountId, CountryCode, SubscriptionId};

/// A customer tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Stable id, typed back to confirm closing the account.
    pub id: AccountId,
    /// Display name of the organisation.
    pub name: String,
    /// Billing country; selects per-country policy overrides.
    pub country: CountryCode,
    /// BCP 47 tag the lead's locale negotiation may use as a fallback.
    pub preferred_locale: String,
    /// Discord guilds whose administrators administer this account.
    #[serde(default)]
    pub discord_guild_ids: Vec<u64>,
    /// Microsoft Entra tenants whose configured admins administer this account.
    #[serde(default)]
    pub teams_tenant_ids: Vec<String>,
    /// Set when the account was closed; a closed account rejects every action.
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency counter, bumped by every committed change.
    #[serde(default)]
    pub revision: u64,
}

impl Account {
    /// Whether a Discord guild (as the snowflake string Discord sends) is bound here.
    pub fn has_discord_guild(&self, guild: &str) -> bool {
        guild
            .parse::<u64>()
            .is_ok_and(|g| self.discord_guild_ids.contains(&g))
    }

    /// Whether a Teams tenant id is bound here (tenant ids are GUIDs: case-insensitive).
    pub fn has_teams_tenant(&self, tenant: &str) -> bool {
        self.teams_tenant_ids
            .iter()
            .any(|t| t.eq_ignore_ascii_case(tenant))
    }
}

impl crate::auth::BoundScopes for Account {
    fn account_id(&self) -> &AccountId {
        &self.id
    }

    fn has_discord_guild(&self, guild: &str) -> bool {
        Account::has_discord_guild(self, guild)
    }

    fn has_teams_tenant(&self, tenant: &str) -> bool {
        Account::has_teams_tenant(self, tenant)
    }
}

/// Microsoft 365 subscription states (see `subscription-status` in the corpus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubState {
    /// In use and billed.
    Active,
    /// Term ended without renewal; grace period, still usable.
    Expired,
    /// Cancelled or out of grace: admins can back up data and reactivate.
    Disabled,
    /// Data deleted; terminal.
    Deleted,
}

impl fmt::Display for SubState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SubState::Active => "active",
            SubState::Expired => "expired",
            SubState::Disabled => "disabled",
            SubState::Deleted => "deleted",
        })
    }
}

/// How often a subscription is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingPeriod {
    /// One calendar month per term.
    Monthly,
    /// Twelve calendar months per term.
    Yearly,
}

impl BillingPeriod {
    fn months(self) -> u32 {
        match self {
            BillingPeriod::Monthly => 1,
            BillingPeriod::Yearly => 12,
        }
    }

    /// Start and (exclusive) end of term number `index` counted from `anchor`. Terms are
    /// computed from the anchor rather than chained, so Jan 31 → Feb 29 → Mar 31 does not
    /// drift to the 29th.
    pub fn term(self, anchor: NaiveDate, index: u32) -> Option<(NaiveDate, NaiveDate)> {
        let m = self.months();
        let start = anchor.checked_add_months(Months::new(m.checked_mul(index)?))?;
        let end = anchor.checked_add_months(Months::new(m.checked_mul(index.checked_add(1)?)?))?;
        Some((start, end))
    }
}

/// Who bills the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Billing {
    /// Billed by us: cancellable and refundable here.
    Direct,
    /// Bought through a partner, who alone can cancel or refund it.
    Partner {
        /// The partner's name, when known.
        name: Option<String>,
    },
}

/// One recorded state change with its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateChange {
    /// When it took effect.
    pub at: DateTime<Utc>,
    /// State before.
    pub from: SubState,
    /// State after.
    pub to: SubState,
}

/// A subscription to one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    /// `SUB-<n>`.
    pub id: SubscriptionId,
    /// Owning account.
    pub account: AccountId,
    /// Product name as shown to the customer.
    pub product: String,
    /// Purchased licences.
    pub seats: u32,
    /// Price of one seat for one term.
    pub unit_price: Money,
    /// Term length.
    pub period: BillingPeriod,
    /// Day the first term started; every later term is computed from it.
    pub billing_anchor: NaiveDate,
    /// Index of the current term (0 = first).
    pub term_index: u32,
    /// Current term start (inclusive), derived from anchor and index.
    pub term_start: NaiveDate,
    /// Current term end (exclusive): the renewal or expiry date.
    pub term_end: NaiveDate,
    /// Renew at term end instead of expiring.
    pub auto_renew: bool,
    /// A free trial: nothing to cancel; it expires unless a payment method is added.
    pub trial: bool,
    /// Who bills it.
    pub billing: Billing,
    /// Current state.
    pub state: SubState,
    /// When the subscription was created.
    pub created_at: DateTime<Utc>,
    /// Every state change, oldest first.
    #[serde(default)]
    pub history: Vec<StateChange>,
    /// Last cancellation time (by an admin or by closing the account).
    #[serde(default)]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// End of the grace period while Expired.
    #[serde(default)]
    pub grace_until: Option<DateTime<Utc>>,
    /// When a Disabled subscription's data will be deleted (reactivation deadline).
    #[serde(default)]
    pub delete_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency counter, bumped by every committed change.
    #[serde(default)]
    pub revision: u64,
}

impl Subscription {
    /// Price of all seats for one full term.
    pub fn term_price(&self) -> Result<Money, super::money::MoneyError> {
        self.unit_price.times(self.seats)
    }

    /// Moves to `to` at `at`, recording the change. Callers check that it is legal.
    pub(crate) fn set_state(&mut self, to: SubState, at: DateTime<Utc>) {
        self.history.push(StateChange {
            at,
            from: self.state,
            to,
        });
        self.state = to;
    }
}

/// Why a credit was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditReason {
    /// Prorated credit from a cancellation.
    Cancellation,
    /// An explicit refund request.
    Refund,
    /// Cancelled as part of closing the account.
    AccountClosure,
}

/// A prorated credit, due with the next billing cycle. At most one per subscription term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    /// Account credited.
    pub account: AccountId,
    /// Subscription the credit is for.
    pub subscription: SubscriptionId,
    /// Start of the term the credit refunds; with `subscription`, the uniqueness key.
    pub term_start: NaiveDate,
    /// End of that term.
    pub term_end: NaiveDate,
    /// Amount, floored to the minor unit (see [`super::money`]).
    pub amount: Money,
    /// Whole days of the term not used (the day of cancellation counts as used).
    pub unused_days: i64,
    /// Days in the term (365 or 366 for yearly terms, 28–31 for monthly ones).
    pub term_days: i64,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Billing date of the invoice the credit will appear on.
    pub due_on: NaiveDate,
    /// Why it was issued.
    pub reason: CreditReason,
}
