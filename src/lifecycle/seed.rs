//! Seed data for operator provisioning (fixtures, the demo tenant), from TOML.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Deserialize;

use super::account::{Billing, BillingPeriod, SubState, Subscription};
use super::error::LifecycleError;
use super::money::{Currency, Money};
use crate::model::{AccountId, CountryCode, SubscriptionId};

/// Seed data, e.g. fixtures or the demo tenant:
///
/// ```toml
/// [[account]]
/// id = "contoso"
/// name = "Contoso AS"
/// country = "NO"
/// preferred_locale = "nb-NO"
/// discord_guild_ids = [111]
///
/// [[subscription]]
/// id = "SUB-1"
/// account = "contoso"
/// product = "Microsoft 365 Business Standard"
/// seats = 10
/// unit_price_minor = 14990
/// currency = "NOK"
/// period = "monthly"
/// started = 2024-01-31
/// auto_renew = true
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Accounts to create.
    #[serde(default, rename = "account")]
    pub accounts: Vec<AccountSeed>,
    /// Subscriptions to create (Active, in the term that contains "now").
    #[serde(default, rename = "subscription")]
    pub subscriptions: Vec<SubscriptionSeed>,
}

/// One account in a [`Seed`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSeed {
    /// Id.
    pub id: AccountId,
    /// Display name.
    pub name: String,
    /// Billing country.
    pub country: CountryCode,
    /// Preferred locale tag.
    pub preferred_locale: String,
    /// Bound Discord guilds.
    #[serde(default)]
    pub discord_guild_ids: Vec<u64>,
    /// Bound Teams tenants.
    #[serde(default)]
    pub teams_tenant_ids: Vec<String>,
}

/// One subscription in a [`Seed`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionSeed {
    /// Id (`SUB-n`), unique within the account.
    pub id: SubscriptionId,
    /// Owning account.
    pub account: AccountId,
    /// Product name.
    pub product: String,
    /// Seats (at least 1).
    pub seats: u32,
    /// Price per seat per term, in minor units.
    pub unit_price_minor: i64,
    /// ISO 4217 code.
    pub currency: Currency,
    /// Term length.
    pub period: BillingPeriod,
    /// First day of the first term (not in the future); a TOML date or a `"YYYY-MM-DD"` string.
    #[serde(deserialize_with = "seed_date")]
    pub started: NaiveDate,
    /// Renew at term end.
    #[serde(default)]
    pub auto_renew: bool,
    /// Free trial.
    #[serde(default)]
    pub trial: bool,
    /// Partner name; present means partner-billed (`""` = partner unknown).
    #[serde(default)]
    pub partner: Option<String>,
}

/// Accepts a TOML local date (`2024-04-01`) as well as a string, so seeds read naturally.
fn seed_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Input {
        Toml(toml::value::Datetime),
        Text(String),
    }
    let text = match Input::deserialize(d)? {
        Input::Toml(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
        Input::Toml(dt) => {
            return Err(serde::de::Error::custom(format!(
                "expected a date without time, got {dt}"
            )))
        }
        Input::Text(t) => t,
    };
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(serde::de::Error::custom)
}

impl Seed {
    /// Parses a seed file; unknown keys are errors.
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }
}

/// The term of `period` from `anchor` that contains `today`.
pub fn current_term(
    period: BillingPeriod,
    anchor: NaiveDate,
    today: NaiveDate,
) -> Option<(u32, NaiveDate, NaiveDate)> {
    let months = (today.year() - anchor.year()) * 12 + today.month() as i32 - anchor.month() as i32;
    let per = if period == BillingPeriod::Yearly {
        12
    } else {
        1
    };
    let mut k = u32::try_from((months / per - 1).max(0)).ok()?;
    loop {
        let (s, e) = period.term(anchor, k)?;
        if e > today {
            return (s <= today).then_some((k, s, e));
        }
        k += 1;
    }
}

impl SubscriptionSeed {
    pub(crate) fn build(&self, now: DateTime<Utc>) -> Result<Subscription, LifecycleError> {
        let (index, start, end) = current_term(self.period, self.started, now.date_naive())
            .ok_or_else(|| {
                LifecycleError::InvalidData(format!(
                    "{}: `started` must not be in the future",
                    self.id
                ))
            })?;
        if self.seats == 0 || self.product.trim().is_empty() {
            return Err(LifecycleError::InvalidData(format!(
                "{}: needs a product and at least one seat",
                self.id
            )));
        }
        Ok(Subscription {
            id: self.id,
            account: self.account.clone(),
            product: self.product.clone(),
            seats: self.seats,
            unit_price: Money::new(self.unit_price_minor, self.currency)?,
            period: self.period,
            billing_anchor: self.started,
            term_index: index,
            term_start: start,
            term_end: end,
            auto_renew: self.auto_renew && !self.trial,
            trial: self.trial,
            billing: match &self.partner {
                None => Billing::Direct,
                Some(n) => Billing::Partner {
                    name: Some(n.trim().to_owned()).filter(|n| !n.is_empty()),
                },
            },
            state: SubState::Active,
            created_at: now,
            history: Vec::new(),
            cancelled_at: None,
            grace_until: None,
            delete_at: None,
            revision: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = r#"
[[subscription]]
id = "sub-7"
account = "contoso"
product = "P"
seats = 1
unit_price_minor = 100
currency = "nok"
period = "yearly"
"#;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn seeds_accept_toml_dates_and_strings_and_reject_unknown_keys() {
        for started in ["2020-02-29", "\"2020-02-29\""] {
            let seed = Seed::from_toml(&format!("{SUB}started = {started}\n")).expect("seed");
            let sub = seed.subscriptions[0]
                .build(at("2024-03-10T00:00:00Z"))
                .expect("build");
            assert_eq!(sub.id.to_string(), "SUB-7");
            assert_eq!(
                (
                    sub.term_index,
                    sub.term_start.to_string(),
                    sub.term_end.to_string()
                ),
                (4, "2024-02-29".into(), "2025-02-28".into())
            );
        }
        assert!(Seed::from_toml(&format!("{SUB}started = 2020-01-01\nseatz = 3\n")).is_err());
        assert!(Seed::from_toml(&format!("{SUB}started = 2020-01-01T10:00:00Z\n")).is_err());
        let future = Seed::from_toml(&format!("{SUB}started = 2030-01-01\n")).expect("seed");
        assert!(matches!(
            future.subscriptions[0].build(at("2024-03-10T00:00:00Z")),
            Err(LifecycleError::InvalidData(_))
        ));
    }

    #[test]
    fn current_term_contains_today() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let t = current_term(BillingPeriod::Monthly, d("2024-01-31"), d("2024-03-30"));
        assert_eq!(t, Some((1, d("2024-02-29"), d("2024-03-31"))));
        assert_eq!(
            current_term(BillingPeriod::Monthly, d("2024-01-31"), d("2024-01-30")),
            None
        );
    }
}
