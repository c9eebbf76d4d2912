//! Locale-aware formatting used by answer templates: long dates, numbers,
//! money and plural selection.
//!
//! Nothing here hand-rolls locale data: month names come from chrono's
//! locale tables, separators from the same glibc-derived tables
//! (`pure-rust-locales`), plural categories from CLDR via
//! `intl_pluralrules`. The only per-locale choice we make is the long-date
//! *pattern* (in `locales.toml`), because glibc has none.

use chrono::{Locale as ChronoLocale, NaiveDate};
use intl_pluralrules::{PluralCategory, PluralRuleType, PluralRules};
use pure_rust_locales::locale_match;

use crate::locale::parse_tag;

/// Maps a BCP 47 tag to chrono's (glibc) locale: `nb-NO` → `nb_NO`; a bare
/// language takes its first regional variant; unknown tags use POSIX.
pub fn chrono_locale(tag: &str) -> ChronoLocale {
    let Some(id) = parse_tag(tag) else {
        return ChronoLocale::POSIX;
    };
    let language = id.language.as_str().to_owned();
    // Norwegian without a written standard reads Bokmål.
    let language = if language == "no" {
        "nb".to_owned()
    } else {
        language
    };
    if let Some(region) = id.region {
        // glibc names script variants with a modifier: sr_RS@latin.
        let modifier = match id.script.as_ref().map(|s| s.as_str()) {
            Some("Latn") => "@latin",
            _ => "",
        };
        for name in [
            format!("{language}_{region}{modifier}"),
            format!("{language}_{region}"),
        ] {
            if let Ok(l) = ChronoLocale::try_from(name.as_str()) {
                return l;
            }
        }
    }
    let common_region = match language.as_str() {
        "en" => "US",
        "nb" | "nn" => "NO",
        "sv" => "SE",
        "da" => "DK",
        _ => "",
    };
    ChronoLocale::try_from(format!("{language}_{common_region}").as_str())
        .or_else(|_| ChronoLocale::try_from(language.as_str()))
        .unwrap_or(ChronoLocale::POSIX)
}

/// Formats `date` with a strftime `pattern` and the locale's month names.
pub fn format_date(date: NaiveDate, pattern: &str, tag: &str) -> String {
    date.format_localized(pattern, chrono_locale(tag))
        .to_string()
}

/// Formats a number with the locale's decimal point and digit grouping.
/// `decimals` digits are always shown after the decimal point.
pub fn format_number(value: f64, decimals: usize, tag: &str) -> String {
    let locale = chrono_locale(tag);
    let point = locale_match!(locale => LC_NUMERIC::DECIMAL_POINT);
    let separator = locale_match!(locale => LC_NUMERIC::THOUSANDS_SEP);
    let grouping = locale_match!(locale => LC_NUMERIC::GROUPING);
    let formatted = format!("{:.*}", decimals, value.abs());
    let (int_part, frac_part) = formatted.split_once('.').unwrap_or((&formatted, ""));
    let mut out = group_digits(int_part, separator, grouping);
    if !frac_part.is_empty() {
        out.push_str(point);
        out.push_str(frac_part);
    }
    if value < 0.0 && formatted.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.insert(0, '-');
    }
    out
}

/// Formats an amount given in minor units (öre, cents) of an ISO 4217
/// currency with `exponent` minor digits, placing the currency code the way
/// the locale places its own currency symbol.
pub fn format_money(minor: i64, currency: &str, exponent: u32, tag: &str) -> String {
    let scale = 10f64.powi(exponent as i32);
    let number = format_number(minor as f64 / scale, exponent as usize, tag);
    let locale = chrono_locale(tag);
    let precedes = locale_match!(locale => LC_MONETARY::P_CS_PRECEDES);
    if precedes == 1 {
        format!("{currency} {number}")
    } else {
        format!("{number} {currency}")
    }
}

/// Inserts `separator` between digit groups as glibc's `grouping` says
/// (sizes from the right; the last size repeats).
fn group_digits(digits: &str, separator: &str, grouping: &[i64]) -> String {
    let bytes = digits.as_bytes();
    let mut groups: Vec<&[u8]> = Vec::new();
    let mut end = bytes.len();
    let mut sizes = grouping.iter().copied().filter(|&g| g > 0);
    let mut size = sizes.next();
    while end > 0 {
        let Some(s) = size else {
            groups.push(&bytes[..end]);
            break;
        };
        let start = end.saturating_sub(s as usize);
        groups.push(&bytes[start..end]);
        end = start;
        size = sizes.next().or(size);
    }
    groups.reverse();
    groups
        .iter()
        .map(|g| String::from_utf8_lossy(g))
        .collect::<Vec<_>>()
        .join(separator)
}

/// The CLDR plural category of `n` in locale `tag` ("one", "other", …).
pub fn plural_category(n: f64, tag: &str) -> &'static str {
    let Some(id) = parse_tag(tag) else {
        return "other";
    };
    let rules = PluralRules::create(id.clone(), PluralRuleType::CARDINAL).or_else(|_| {
        let bare = unic_langid::LanguageIdentifier::from_parts(id.language, None, None, &[]);
        PluralRules::create(bare, PluralRuleType::CARDINAL)
    });
    let Ok(rules) = rules else {
        return "other";
    };
    let category = if n.fract() == 0.0 && n.abs() < i64::MAX as f64 {
        rules.select(n as i64)
    } else {
        rules.select(n)
    };
    match category {
        Ok(PluralCategory::ZERO) => "zero",
        Ok(PluralCategory::ONE) => "one",
        Ok(PluralCategory::TWO) => "two",
        Ok(PluralCategory::FEW) => "few",
        Ok(PluralCategory::MANY) => "many",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn norwegian_long_dates_use_norwegian_month_names() {
        assert_eq!(
            format_date(date(2027, 2, 24), "%-d. %B %Y", "nb-NO"),
            "24. februar 2027"
        );
        assert_eq!(
            format_date(date(2027, 2, 24), "%B %-d, %Y", "en-US"),
            "February 24, 2027"
        );
    }

    #[test]
    fn serbian_in_latin_script_gets_latin_month_names() {
        assert_eq!(
            format_date(date(2027, 2, 24), "%-d. %B %Y.", "sr-Latn-RS"),
            "24. februar 2027."
        );
    }

    #[test]
    fn bare_and_discord_tags_find_a_locale() {
        assert_eq!(format_date(date(2026, 12, 1), "%B", "nb"), "desember");
        assert_eq!(format_date(date(2026, 12, 1), "%B", "no"), "desember");
        assert_eq!(format_date(date(2026, 12, 1), "%B", "xx-YY"), "December");
    }

    #[test]
    fn numbers_use_locale_separators() {
        assert_eq!(format_number(1234567.5, 2, "en-US"), "1,234,567.50");
        assert_eq!(
            format_number(1234567.5, 2, "nb-NO"),
            "1\u{202f}234\u{202f}567,50"
        );
        assert_eq!(format_number(-12.0, 0, "en-US"), "-12");
        assert_eq!(format_number(999.0, 0, "nb-NO"), "999");
    }

    #[test]
    fn money_places_the_currency_like_the_locale() {
        assert_eq!(format_money(12_345, "USD", 2, "en-US"), "USD 123.45");
        assert_eq!(format_money(12_345, "NOK", 2, "nb-NO"), "NOK 123,45");
        assert_eq!(format_money(1_500, "JPY", 0, "en-US"), "JPY 1,500");
    }

    #[test]
    fn plural_categories_follow_cldr() {
        assert_eq!(plural_category(1.0, "en-US"), "one");
        assert_eq!(plural_category(0.0, "en-US"), "other");
        assert_eq!(plural_category(1.0, "nb-NO"), "one");
        assert_eq!(plural_category(90.0, "nb-NO"), "other");
        assert_eq!(plural_category(3.0, "pl-PL"), "few");
        assert_eq!(plural_category(5.0, "pl-PL"), "many");
        assert_eq!(plural_category(2.0, "ar-SA"), "two");
    }
}
