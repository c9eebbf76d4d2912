//! Typed identifiers, parsed once at the edge so the rest of the code cannot mix them up.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{excerpt, Platform, ECHO_CHARS};

/// Why an identifier was rejected; the message is safe to show to a user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Account ids are 1–64 ASCII letters, digits, `-`, `_` or `.`.
    #[error("`{0}` is not a valid account id (use 1-64 letters, digits, '-', '_' or '.')")]
    Account(String),
    /// Subscription ids look like `SUB-1`.
    #[error("`{0}` is not a valid subscription id (expected something like SUB-1)")]
    Subscription(String),
    /// Countries are ISO 3166-1 alpha-2 codes.
    #[error("`{0}` is not an ISO 3166-1 alpha-2 country code (e.g. NO, DE, JP)")]
    Country(String),
    /// Platform event ids must be non-empty and reasonably short.
    #[error("platform event id must be 1-128 printable characters")]
    Event,
}

/// A tenant account id, e.g. `contoso`. Case-sensitive, stored exactly as parsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    /// Parses user or file input; surrounding whitespace is ignored.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s = input.trim();
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if ok {
            Ok(AccountId(s.to_owned()))
        } else {
            Err(IdError::Account(excerpt(input, ECHO_CHARS)))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A subscription id, canonically `SUB-<n>`; `sub-01` parses to `SUB-1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SubscriptionId(u64);

impl SubscriptionId {
    /// Parses `SUB-<digits>` case-insensitively.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s = input.trim();
        let err = || IdError::Subscription(excerpt(input, ECHO_CHARS));
        let digits = s
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case("SUB-"))
            .and_then(|_| s.get(4..))
            .ok_or_else(err)?;
        if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        digits.parse().map(SubscriptionId).map_err(|_| err())
    }

    /// Builds the id for a known number (fixtures, provisioning).
    pub fn from_number(n: u64) -> Self {
        SubscriptionId(n)
    }

    /// The numeric part, which also orders subscriptions.
    pub fn number(self) -> u64 {
        self.0
    }
}

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode(String);

impl CountryCode {
    /// Parses `no`, `NO`, ` No ` alike; rejects codes ISO 3166-1 does not assign.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s = input.trim().to_ascii_uppercase();
        if s.len() == 2 && iso_country::Country::from_str(&s).is_ok() {
            Ok(CountryCode(s))
        } else {
            Err(IdError::Country(excerpt(input, ECHO_CHARS)))
        }
    }

    /// The two-letter code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The platform's own id for one inbound event (Discord interaction id, Teams activity id,
/// a CLI-generated id). Replays of the same event return the stored outcome.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EventId {
    platform: Platform,
    id: String,
}

impl EventId {
    /// Wraps a platform event id; rejects empty or oversized ids.
    pub fn new(platform: Platform, id: &str) -> Result<Self, IdError> {
        if id.is_empty() || id.len() > 128 || id.chars().any(char::is_control) {
            return Err(IdError::Event);
        }
        Ok(EventId {
            platform,
            id: id.to_owned(),
        })
    }

    /// The platform that issued the id.
    pub fn platform(&self) -> Platform {
        self.platform
    }

    /// The key under which the outcome is stored: ids are only unique per platform.
    pub fn key(&self) -> String {
        format!("{}:{}", self.platform, self.id)
    }
}

macro_rules! string_conversions {
    ($t:ty) => {
        impl TryFrom<String> for $t {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                <$t>::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.to_string()
            }
        }
        impl FromStr for $t {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                <$t>::parse(s)
            }
        }
    };
}
string_conversions!(AccountId);
string_conversions!(SubscriptionId);
string_conversions!(CountryCode);

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for SubscriptionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SUB-{}", self.0)
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_ids_are_canonical() {
        assert_eq!(
            SubscriptionId::parse("sub-01").map(|s| s.to_string()),
            Ok("SUB-1".into())
        );
        for bad in [
            "SUB-",
            "SUB-x",
            "SUB1",
            "",
            "SUB--1",
            "SUB-1234567890123456789",
            "ŠUB-1",
        ] {
            assert!(SubscriptionId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn account_and_country_ids() {
        assert_eq!(
            AccountId::parse(" contoso ").map(|a| a.to_string()),
            Ok("contoso".into())
        );
        assert!(AccountId::parse("con toso").is_err());
        assert!(AccountId::parse(&"a".repeat(65)).is_err());
        assert_eq!(
            CountryCode::parse("no").map(|c| c.to_string()),
            Ok("NO".into())
        );
        assert!(CountryCode::parse("XX").is_err());
        assert!(CountryCode::parse("NOR").is_err());
        assert!(EventId::new(Platform::Discord, "").is_err());
        let json = serde_json::to_string(&SubscriptionId::from_number(7)).ok();
        assert_eq!(json.as_deref(), Some("\"SUB-7\""));
    }
}
