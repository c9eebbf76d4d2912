//! `locales.toml`: default locale, alias graph, rule-language and detector
//! mappings, and per-locale formatting patterns.

use std::collections::BTreeMap;

use chrono::format::{Item, StrftimeItems};
use serde::Deserialize;
use unic_langid::LanguageIdentifier;

use super::parse_tag;

/// The parsed `locales.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocaleConfig {
    /// Locale every chain ends in; must have every answer template.
    pub default: String,
    /// Minimum detector confidence to trust a guess that whatlang itself
    /// does not call reliable.
    #[serde(default = "default_confidence")]
    pub detect_min_confidence: f64,
    /// Requested tag (or bare language) → tags it may be served as, in
    /// order of preference. `no = ["nb-NO"]` lets Discord's `no` reach
    /// Bokmål content.
    #[serde(default)]
    pub aliases: BTreeMap<String, Vec<String>>,
    /// Rule language (`[lang.xx]` in rule files) → locale.
    #[serde(default)]
    pub languages: BTreeMap<String, String>,
    /// Detector language (ISO 639-3, as whatlang names it) → locale. Only
    /// these languages are considered by the detector.
    #[serde(default)]
    pub detect: BTreeMap<String, String>,
    /// Writing system (as the detector names it: `Hangul`, `Hiragana`,
    /// `Katakana`, `Mandarin`, `Thai`, `Hebrew`, `Greek`, `Arabic`) → locale,
    /// for scripts only one shipped language is written in. Decides before
    /// the trigram detector, at the cost of one pass over the characters.
    #[serde(default)]
    pub scripts: BTreeMap<String, String>,
    /// Messages with fewer letters than this are not given to the trigram
    /// detector: its guesses on a few words are noise, and it is the most
    /// expensive step of answering a message.
    #[serde(default = "default_min_letters")]
    pub detect_min_letters: usize,
    /// Formatting details per locale.
    #[serde(default)]
    pub locale: BTreeMap<String, LocaleInfo>,
}

/// Formatting details of one locale.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocaleInfo {
    /// The locale's name in its own language, for help texts.
    pub name: String,
    /// strftime pattern for long dates; month and day names come from
    /// chrono's locale data (e.g. `%-d. %B %Y` → "24. februar 2027").
    pub date_long: String,
    /// Text direction, `ltr` (default) or `rtl`.
    #[serde(default)]
    pub direction: Option<String>,
    /// Month names for `%B` where a date needs another grammatical case
    /// than the locale data gives (Finnish partitive "3. joulukuuta",
    /// Slovenian genitive "3. decembra"): twelve names, January first.
    #[serde(default)]
    pub months: Option<Vec<String>>,
    /// Written instead of the day number on the first of a month (French
    /// "1er mars").
    #[serde(default)]
    pub first_day: Option<String>,
}

impl LocaleInfo {
    /// The long-date pattern for `date`, with the month name and the first
    /// day substituted where the locale overrides them.
    pub fn long_date_pattern(&self, date: chrono::NaiveDate) -> std::borrow::Cow<'_, str> {
        use chrono::Datelike;
        let mut pattern = std::borrow::Cow::Borrowed(self.date_long.as_str());
        let month = self
            .months
            .as_ref()
            .and_then(|m| m.get(date.month0() as usize));
        if let Some(name) = month {
            pattern = pattern.replace("%B", &name.replace('%', "%%")).into();
        }
        if let (1, Some(first)) = (date.day(), &self.first_day) {
            pattern = pattern.replace("%-d", &first.replace('%', "%%")).into();
        }
        pattern
    }
}

/// A problem in `locales.toml`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("locales.toml: {key}: {message}")]
pub struct LocaleConfigError {
    /// The offending key.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

fn default_confidence() -> f64 {
    0.5
}

fn default_min_letters() -> usize {
    12
}

impl LocaleConfig {
    /// Parses and validates `locales.toml`.
    pub fn parse(text: &str) -> Result<LocaleConfig, LocaleConfigError> {
        let config: LocaleConfig = toml::from_str(text).map_err(|e| LocaleConfigError {
            key: "(file)".into(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), LocaleConfigError> {
        let bad_tag = |key: String, tag: &str| LocaleConfigError {
            key,
            message: format!("{tag:?} is not a valid BCP 47 language tag"),
        };
        if parse_tag(&self.default).is_none() {
            return Err(bad_tag("default".into(), &self.default));
        }
        for (from, targets) in &self.aliases {
            if parse_tag(from).is_none() {
                return Err(bad_tag(format!("aliases.{from}"), from));
            }
            for t in targets {
                if parse_tag(t).is_none() {
                    return Err(bad_tag(format!("aliases.{from}"), t));
                }
            }
        }
        for (lang, tag) in self
            .languages
            .iter()
            .chain(&self.detect)
            .chain(&self.scripts)
        {
            if parse_tag(tag).is_none() {
                return Err(bad_tag(lang.clone(), tag));
            }
        }
        for code in self.detect.keys() {
            if whatlang::Lang::from_code(code.as_str()).is_none() {
                return Err(LocaleConfigError {
                    key: format!("detect.{code}"),
                    message: "not a language the detector knows (use ISO 639-3 codes such as \"eng\", \"nob\")".into(),
                });
            }
        }
        for name in self.scripts.keys() {
            if !whatlang::Script::all().iter().any(|s| s.name() == name) {
                return Err(LocaleConfigError {
                    key: format!("scripts.{name}"),
                    message:
                        "not a script the detector knows (e.g. \"Hangul\", \"Mandarin\", \"Thai\")"
                            .into(),
                });
            }
        }
        for (tag, info) in &self.locale {
            if parse_tag(tag).is_none() {
                return Err(bad_tag(format!("locale.{tag}"), tag));
            }
            if let Some(months) = &info.months {
                if months.len() != 12 || months.iter().any(|m| m.trim().is_empty()) {
                    return Err(LocaleConfigError {
                        key: format!("locale.{tag}.months"),
                        message: format!(
                            "needs twelve non-empty month names, January first (has {})",
                            months.len()
                        ),
                    });
                }
            }
            if StrftimeItems::new(&info.date_long).any(|i| matches!(i, Item::Error)) {
                return Err(LocaleConfigError {
                    key: format!("locale.{tag}.date_long"),
                    message: format!("{:?} is not a valid strftime pattern", info.date_long),
                });
            }
        }
        Ok(())
    }

    /// The default locale as a language identifier.
    pub fn default_langid(&self) -> LanguageIdentifier {
        parse_tag(&self.default).unwrap_or_default()
    }

    /// Expands a requested tag through the alias graph: the tag itself (when
    /// it names a region) followed by its aliases, looked up by full tag and
    /// then by bare language.
    pub fn expand(&self, tag: &LanguageIdentifier) -> Vec<LanguageIdentifier> {
        let full = tag.to_string();
        let language = tag.language.as_str().to_owned();
        let targets = self
            .aliases
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&full))
            .or_else(|| self.aliases.get_key_value(&language))
            .map(|(_, v)| v.as_slice())
            .unwrap_or_default();
        let mut out = vec![tag.clone()];
        for t in targets {
            if let Some(id) = parse_tag(t) {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        out
    }

    /// Formatting info for `tag`, falling back to its bare language and
    /// then the default locale.
    pub fn info(&self, tag: &str) -> Option<&LocaleInfo> {
        self.locale.get(tag).or_else(|| {
            let language = tag.split('-').next().unwrap_or(tag);
            self.locale
                .iter()
                .find(|(k, _)| k.split('-').next() == Some(language))
                .map(|(_, v)| v)
                .or_else(|| self.locale.get(&self.default))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_tags_name_the_key() {
        let err = LocaleConfig::parse("default = \"en-US\"\n[aliases]\nno = [\"!!\"]\n")
            .expect_err("invalid alias target");
        assert_eq!(err.key, "aliases.no");
    }

    #[test]
    fn bad_date_patterns_are_rejected() {
        let err = LocaleConfig::parse(
            "default = \"en-US\"\n[locale.en-US]\nname = \"English\"\ndate_long = \"%Q\"\n",
        )
        .expect_err("invalid strftime");
        assert_eq!(err.key, "locale.en-US.date_long");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = LocaleConfig::parse("default = \"en-US\"\ndefualt = 1\n").expect_err("typo");
        assert!(err.message.contains("defualt"), "{}", err.message);
    }

    #[test]
    fn month_overrides_need_twelve_names_and_apply_in_the_pattern() {
        let base =
            "default = \"fi-FI\"\n[locale.fi-FI]\nname = \"suomi\"\ndate_long = \"%-d. %B %Y\"\n";
        let bad = LocaleConfig::parse(&format!("{base}months = [\"tammikuuta\"]\n"))
            .expect_err("one name");
        assert_eq!(bad.key, "locale.fi-FI.months");
        let months: Vec<String> = (1..=12).map(|m| format!("\"m{m}%\"")).collect();
        let config = LocaleConfig::parse(&format!(
            "{base}months = [{}]\nfirst_day = \"1er\"\n",
            months.join(", ")
        ))
        .expect("valid");
        let info = config.info("fi-FI").expect("fi");
        let first = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).expect("date");
        assert_eq!(info.long_date_pattern(first), "1er. m3%% %Y");
        let third = chrono::NaiveDate::from_ymd_opt(2027, 12, 3).expect("date");
        assert_eq!(info.long_date_pattern(third), "%-d. m12%% %Y");
    }
}
