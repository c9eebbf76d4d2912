//! Unit tests of the pure domain: transitions, money, planning. No storage involved.

use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::model::{AccountId, CountryCode, SubscriptionId};

mod credit;
mod plans;
mod transitions;

pub(crate) fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("timestamp")
        .with_timezone(&Utc)
}

pub(crate) fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

pub(crate) fn account() -> Account {
    Account {
        id: AccountId::parse("contoso").expect("id"),
        name: "Contoso".into(),
        country: CountryCode::parse("NO").expect("country"),
        preferred_locale: "nb-NO".into(),
        discord_guild_ids: vec![111],
        teams_tenant_ids: vec![],
        closed_at: None,
        revision: 0,
    }
}

/// An Active subscription in its first term starting at `anchor`.
pub(crate) fn sub(
    n: u64,
    period: BillingPeriod,
    anchor: &str,
    price: i64,
    currency: &str,
    seats: u32,
) -> Subscription {
    let anchor = d(anchor);
    let (start, end) = period.term(anchor, 0).expect("term");
    Subscription {
        id: SubscriptionId::from_number(n),
        account: AccountId::parse("contoso").expect("id"),
        product: "Microsoft 365 Business Standard".into(),
        seats,
        unit_price: Money::new(price, Currency::parse(currency).expect("currency")).expect("money"),
        period,
        billing_anchor: anchor,
        term_index: 0,
        term_start: start,
        term_end: end,
        auto_renew: false,
        trial: false,
        billing: Billing::Direct,
        state: SubState::Active,
        created_at: transition::start_of(anchor),
        history: vec![],
        cancelled_at: None,
        grace_until: None,
        delete_at: None,
        revision: 0,
    }
}

pub(crate) fn rules() -> Rules {
    Policy::default().rules_for(&CountryCode::parse("NO").expect("country"))
}
