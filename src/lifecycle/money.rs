//! Money in integer minor units with an ISO 4217 currency; never floats.
//!
//! Rounding rule for prorated credits: the exact rational amount is rounded **down**
//! (floor) to a whole minor unit. The customer therefore never receives more than the
//! unused share of what was paid, and at most one minor unit (e.g. 1 øre, 1 yen,
//! 1 fils) less. Floor was chosen because a credit is a liability we cannot claw back,
//! while a sub-unit shortfall is immaterial and deterministic across currencies.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Money arithmetic failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not an ISO 4217 code, or a code without minor units (XAU, XDR...) that cannot be billed.
    #[error("`{0}` is not a billable ISO 4217 currency code")]
    UnknownCurrency(String),
    /// Amounts must fit in an `i64` of minor units.
    #[error("amount overflows the supported range")]
    Overflow,
    /// Prices and credits are never negative.
    #[error("amount must not be negative")]
    Negative,
}

/// A billable ISO 4217 currency (one with a defined minor-unit exponent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// Parses an ISO 4217 alphabetic code such as `NOK`, `JPY`, `KWD` (case-insensitive).
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let upper = code.trim().to_ascii_uppercase();
        iso_currency::Currency::from_code(&upper)
            .filter(|c| c.exponent().is_some())
            .map(Currency)
            .ok_or_else(|| MoneyError::UnknownCurrency(code.to_owned()))
    }

    /// The alphabetic code, e.g. `NOK`.
    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Number of decimal places of the minor unit: JPY 0, NOK 2, KWD 3.
    pub fn exponent(self) -> u32 {
        // `parse` only admits currencies that have an exponent.
        u32::from(self.0.exponent().unwrap_or(0))
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(s: String) -> Result<Self, MoneyError> {
        Currency::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount in minor units of a currency (øre, cents, fils; yen have none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Whole minor units; never negative in this crate.
    pub minor: i64,
    /// The currency the amount is in.
    pub currency: Currency,
}

impl Money {
    /// Builds a non-negative amount.
    pub fn new(minor: i64, currency: Currency) -> Result<Self, MoneyError> {
        if minor < 0 {
            return Err(MoneyError::Negative);
        }
        Ok(Money { minor, currency })
    }

    /// A zero amount in `currency`.
    pub fn zero(currency: Currency) -> Self {
        Money { minor: 0, currency }
    }

    /// `unit_price × seats`, checked.
    pub fn times(self, seats: u32) -> Result<Self, MoneyError> {
        let minor = self
            .minor
            .checked_mul(i64::from(seats))
            .ok_or(MoneyError::Overflow)?;
        Money::new(minor, self.currency)
    }

    /// `floor(self × numerator / denominator)`, computed in `i128` so the product cannot
    /// overflow. Used for prorating: `numerator` = unused days, `denominator` = term days.
    pub fn prorate(self, numerator: i64, denominator: i64) -> Result<Self, MoneyError> {
        if numerator < 0 || denominator <= 0 || self.minor < 0 {
            return Err(MoneyError::Negative);
        }
        let exact = i128::from(self.minor) * i128::from(numerator);
        // Integer division of non-negative values is floor: see the module docs.
        let floored = exact / i128::from(denominator);
        let minor = i64::try_from(floored).map_err(|_| MoneyError::Overflow)?;
        Money::new(minor, self.currency)
    }

    /// Plain decimal rendering, e.g. `1234.50 NOK`, `1200 JPY`, `1.250 KWD`. The chat
    /// layer formats localized amounts itself; this is for logs and the CLI.
    pub fn to_decimal_string(self) -> String {
        let exp = self.currency.exponent();
        if exp == 0 {
            return format!("{} {}", self.minor, self.currency);
        }
        let scale = 10_i64.pow(exp);
        let (whole, frac) = (self.minor / scale, (self.minor % scale).abs());
        let sign = if self.minor < 0 && whole == 0 {
            "-"
        } else {
            ""
        };
        format!(
            "{sign}{whole}.{frac:0width$} {}",
            self.currency,
            width = exp as usize
        )
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_decimal_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn exponents_come_from_iso_4217() {
        assert_eq!(cur("jpy").exponent(), 0);
        assert_eq!(cur("NOK").exponent(), 2);
        assert_eq!(cur("KWD").exponent(), 3);
        assert_eq!(cur("BHD").exponent(), 3);
        assert!(
            Currency::parse("XAU").is_err(),
            "no minor unit: not billable"
        );
        assert!(Currency::parse("ABC").is_err());
    }

    #[test]
    fn decimal_rendering_follows_exponent() {
        let m = |minor, c| Money {
            minor,
            currency: cur(c),
        };
        assert_eq!(m(123_450, "NOK").to_string(), "1234.50 NOK");
        assert_eq!(m(1200, "JPY").to_string(), "1200 JPY");
        assert_eq!(m(1250, "KWD").to_string(), "1.250 KWD");
        assert_eq!(m(5, "BHD").to_string(), "0.005 BHD");
    }

    #[test]
    fn prorate_floors_and_does_not_overflow() {
        let m = Money {
            minor: 1000,
            currency: cur("USD"),
        };
        assert_eq!(m.prorate(1, 3).map(|x| x.minor), Ok(333));
        assert_eq!(m.prorate(2, 3).map(|x| x.minor), Ok(666));
        assert_eq!(m.prorate(3, 3).map(|x| x.minor), Ok(1000));
        let big = Money {
            minor: i64::MAX,
            currency: cur("USD"),
        };
        assert_eq!(big.prorate(365, 366).map(|x| x.minor < i64::MAX), Ok(true));
        assert_eq!(big.times(2), Err(MoneyError::Overflow));
        assert_eq!(m.prorate(-1, 3), Err(MoneyError::Negative));
    }
}
