//! Lifecycle policy: how long things stay disabled, when data must be gone, who may cancel
//! online, and refund rules. Loaded once from TOML; every field has a documented default.
//!
//! ```toml
//! disabled_days = 90        # Active --cancel--> Disabled lasts this long, then Deleted
//! grace_days = 30           # Expired (grace) lasts this long, then Disabled
//! max_retention_days = 180  # hard cap: data deleted no later than this after cancellation
//! seat_limit = 25           # online cancellation needs fewer seats than this
//! refund_window_days = 30   # optional: refunds only within N days of the term start
//! allow_trial_refunds = false
//!
//! [country.JP]              # per-country overrides (ISO 3166-1 alpha-2)
//! disabled_days = 120
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::CountryCode;

/// Microsoft 365 deletes data "no later than 180 days after cancellation"; no policy may
/// promise to keep it longer.
pub const RETENTION_CAP_DAYS: u32 = 180;

/// A policy file that could not be used; each message names the offending key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// TOML syntax, an unknown key or a wrongly typed value (toml's message names the key).
    #[error("policy file: {0}")]
    Parse(String),
    /// A value is out of range or inconsistent with another one.
    #[error("policy key `{key}`: {reason}")]
    Invalid {
        /// Dotted key path, e.g. `country.JP.disabled_days`.
        key: String,
        /// Why the value was rejected.
        reason: String,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct PolicyFile {
    disabled_days: u32,
    grace_days: u32,
    max_retention_days: u32,
    seat_limit: u32,
    refund_window_days: Option<u32>,
    allow_trial_refunds: bool,
    country: BTreeMap<String, CountryFile>,
}

impl Default for PolicyFile {
    fn default() -> Self {
        PolicyFile {
            disabled_days: 90,
            grace_days: 30,
            max_retention_days: RETENTION_CAP_DAYS,
            seat_limit: 25,
            refund_window_days: None,
            allow_trial_refunds: false,
            country: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CountryFile {
    disabled_days: Option<u32>,
    grace_days: Option<u32>,
    seat_limit: Option<u32>,
}

/// The rules that apply to one account, after country overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Days a cancelled subscription stays Disabled (reactivatable) before deletion.
    pub disabled_days: u32,
    /// Days an expired subscription stays in grace before it is Disabled.
    pub grace_days: u32,
    /// Upper bound on days between cancellation (or expiry) and data deletion.
    pub max_retention_days: u32,
    /// Online cancellation requires strictly fewer seats than this.
    pub seat_limit: u32,
    /// Refunds only within this many days of the term start; `None` = any time in the term.
    pub refund_window_days: Option<u32>,
    /// Whether trial subscriptions may be refunded at all.
    pub allow_trial_refunds: bool,
}

/// A validated policy. Build with [`Policy::from_toml`] or [`Policy::default`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    base: Rules,
    countries: BTreeMap<CountryCode, Rules>,
}

impl Default for Policy {
    fn default() -> Self {
        // The defaults are valid by construction (checked by a unit test).
        let file = PolicyFile::default();
        Policy {
            base: base_rules(&file),
            countries: BTreeMap::new(),
        }
    }
}

fn base_rules(f: &PolicyFile) -> Rules {
    Rules {
        disabled_days: f.disabled_days,
        grace_days: f.grace_days,
        max_retention_days: f.max_retention_days,
        seat_limit: f.seat_limit,
        refund_window_days: f.refund_window_days,
        allow_trial_refunds: f.allow_trial_refunds,
    }
}

fn invalid(key: &str, reason: impl Into<String>) -> PolicyError {
    PolicyError::Invalid {
        key: key.to_owned(),
        reason: reason.into(),
    }
}

fn check(prefix: &str, r: &Rules) -> Result<(), PolicyError> {
    let key = |k: &str| format!("{prefix}{k}");
    if r.disabled_days == 0 {
        return Err(invalid(&key("disabled_days"), "must be at least 1"));
    }
    if r.disabled_days > r.max_retention_days {
        return Err(invalid(
            &key("disabled_days"),
            format!(
                "{} exceeds max_retention_days ({})",
                r.disabled_days, r.max_retention_days
            ),
        ));
    }
    // The expiry path (grace, then disabled) must also delete data within the cap.
    if r.grace_days + r.disabled_days > r.max_retention_days {
        return Err(invalid(
            &key("grace_days"),
            format!(
                "grace_days + disabled_days = {} exceeds max_retention_days ({})",
                r.grace_days + r.disabled_days,
                r.max_retention_days
            ),
        ));
    }
    if r.seat_limit == 0 {
        return Err(invalid(&key("seat_limit"), "must be at least 1"));
    }
    Ok(())
}

impl Policy {
    /// Parses and validates a policy; unknown keys and out-of-range values are errors.
    pub fn from_toml(text: &str) -> Result<Self, PolicyError> {
        let file: PolicyFile =
            toml::from_str(text).map_err(|e| PolicyError::Parse(e.to_string()))?;
        if file.max_retention_days > RETENTION_CAP_DAYS || file.max_retention_days == 0 {
            return Err(invalid(
                "max_retention_days",
                format!("must be between 1 and {RETENTION_CAP_DAYS}"),
            ));
        }
        let base = base_rules(&file);
        check("", &base)?;
        let mut countries = BTreeMap::new();
        for (code, o) in &file.country {
            let prefix = format!("country.{code}.");
            let cc = CountryCode::parse(code)
                .map_err(|e| invalid(&format!("country.{code}"), e.to_string()))?;
            let rules = Rules {
                disabled_days: o.disabled_days.unwrap_or(base.disabled_days),
                grace_days: o.grace_days.unwrap_or(base.grace_days),
                seat_limit: o.seat_limit.unwrap_or(base.seat_limit),
                ..base
            };
            check(&prefix, &rules)?;
            if countries.insert(cc, rules).is_some() {
                return Err(invalid(&format!("country.{code}"), "duplicate country"));
            }
        }
        Ok(Policy { base, countries })
    }

    /// The rules for an account in `country`: its override if any, else the defaults.
    pub fn rules_for(&self, country: &CountryCode) -> Rules {
        self.countries.get(country).copied().unwrap_or(self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_key(text: &str) -> String {
        match Policy::from_toml(text) {
            Err(PolicyError::Invalid { key, .. }) => key,
            Err(PolicyError::Parse(msg)) => msg,
            Ok(_) => "ok".into(),
        }
    }

    #[test]
    fn defaults_are_valid_and_match_microsoft_365() {
        let p = Policy::from_toml("").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p, Policy::default());
        let r = p.rules_for(&CountryCode::parse("NO").unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(
            (r.disabled_days, r.max_retention_days, r.seat_limit),
            (90, 180, 25)
        );
        assert!(!r.allow_trial_refunds);
    }

    #[test]
    fn country_overrides_apply() {
        let p = Policy::from_toml("[country.jp]\ndisabled_days = 120\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let jp = CountryCode::parse("JP").unwrap_or_else(|e| panic!("{e}"));
        let de = CountryCode::parse("DE").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.rules_for(&jp).disabled_days, 120);
        assert_eq!(p.rules_for(&de).disabled_days, 90);
    }

    #[test]
    fn validation_names_the_key() {
        assert_eq!(err_key("disabled_days = 200"), "disabled_days");
        assert_eq!(err_key("max_retention_days = 365"), "max_retention_days");
        assert_eq!(err_key("grace_days = 100"), "grace_days");
        assert_eq!(err_key("seat_limit = 0"), "seat_limit");
        assert_eq!(
            err_key("[country.JP]\ndisabled_days = 181"),
            "country.JP.disabled_days"
        );
        assert_eq!(err_key("[country.XX]\ndisabled_days = 10"), "country.XX");
        assert!(err_key("disabled_dayz = 3").contains("disabled_dayz"));
        assert!(err_key("[country.JP]\nretention = 3").contains("retention"));
        assert!(err_key("seat_limit = \"many\"").contains("seat_limit"));
    }
}
