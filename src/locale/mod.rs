//! Locale negotiation: which language to answer in, and what to fall back to.
//!
//! Platforms disagree on tags: Discord sends `no` for Norwegian, Teams sends
//! `nb-NO`, browsers send `nb` or `nn`. `locales.toml` holds an alias graph
//! that expands each requested tag into the tags we may serve; then
//! `fluent-langneg` matches those against the locales that have content
//! (so `en-GB` finds `en-US`), and the chain always ends in the default.
//!
//! When the platform sends no locale, the message itself decides: first the
//! language of the rules that matched, then a cheap trigram detector
//! (`whatlang`) restricted to the languages we configured, then the default.

mod config;

use fluent_langneg::{negotiate_languages, NegotiationStrategy};
use serde::{Deserialize, Serialize};
use unic_langid::LanguageIdentifier;

pub use config::{LocaleConfig, LocaleConfigError, LocaleInfo};

/// How the reply locale was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocaleSource {
    /// A locale the platform or user asked for.
    Requested,
    /// The language of the rules that matched the message.
    RuleLanguage,
    /// The language detector.
    Detected,
    /// Nothing else applied.
    Default,
}

/// The outcome of negotiation: the ordered chain of locales to try.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocaleChain {
    /// Locales to try in order; the last is always the default.
    pub chain: Vec<String>,
    /// How the head of the chain was chosen.
    pub source: LocaleSource,
}

impl LocaleChain {
    /// The preferred locale (head of the chain).
    pub fn preferred(&self) -> &str {
        self.chain.first().map_or("", String::as_str)
    }
}

/// Negotiates reply locales against the locales that have content.
#[derive(Debug, Clone)]
pub struct Negotiator {
    config: LocaleConfig,
    available: Vec<LanguageIdentifier>,
    default: LanguageIdentifier,
    detector: whatlang::Detector,
}

impl Negotiator {
    /// Builds a negotiator for the locales in `available` (those with any
    /// templates or articles).
    pub fn new(config: LocaleConfig, available: &[String]) -> Negotiator {
        let default = config.default_langid();
        let mut available: Vec<LanguageIdentifier> =
            available.iter().filter_map(|t| parse_tag(t)).collect();
        if !available.contains(&default) {
            available.push(default.clone());
        }
        let allow = config
            .detect
            .keys()
            .filter_map(|code| whatlang::Lang::from_code(code.as_str()))
            .collect();
        Negotiator {
            detector: whatlang::Detector::with_allowlist(allow),
            config,
            available,
            default,
        }
    }

    /// The locale configuration.
    pub fn config(&self) -> &LocaleConfig {
        &self.config
    }

    /// The default locale tag.
    pub fn default_locale(&self) -> String {
        self.default.to_string()
    }

    /// Chooses the chain for a message: the first requested tag that parses
    /// wins; otherwise the message's rule languages, then detection.
    pub fn negotiate(
        &self,
        requested: &[String],
        rule_langs: &[String],
        text: &str,
    ) -> LocaleChain {
        self.negotiate_with_markers(requested, rule_langs, &[], text)
    }

    /// Like [`negotiate`](Self::negotiate), with the languages whose marker
    /// words occur in the message: one marker language is taken as the
    /// detected language without running the trigram detector.
    pub fn negotiate_with_markers(
        &self,
        requested: &[String],
        rule_langs: &[String],
        marker_langs: &[String],
        text: &str,
    ) -> LocaleChain {
        let requested: Vec<LanguageIdentifier> =
            requested.iter().filter_map(|t| parse_tag(t)).collect();
        if !requested.is_empty() {
            return self.chain_for(&requested, LocaleSource::Requested);
        }
        // A variant's marker (`zh-Hant`, `pt-PT`) refines the rules' base
        // language: the same rules serve both, the words tell which.
        let refine = |lang: &String| -> String {
            marker_langs
                .iter()
                .find(|m| is_variant_of(m, lang))
                .unwrap_or(lang)
                .clone()
        };
        let rule_locales: Vec<&String> = rule_langs
            .iter()
            .map(refine)
            .filter_map(|l| self.config.languages.get(&l))
            .collect();
        let from_rules: Vec<LanguageIdentifier> =
            rule_locales.iter().filter_map(|t| parse_tag(t)).collect();
        if !from_rules.is_empty() {
            // Rules of several languages matched (an English product name
            // in a Chinese sentence, cousins sharing a stem): a writing
            // system only one of them uses settles it.
            if from_rules.len() > 1 {
                if let Some(script) = self.script_locale(text) {
                    if let Some(tag) = from_rules.iter().find(|t| t.language == script.language) {
                        return self
                            .chain_for(std::slice::from_ref(tag), LocaleSource::RuleLanguage);
                    }
                }
                // Same script (Swedish and Norwegian rules both read
                // "avsluta"): the detector only chooses among those.
                let candidates = self.detector_langs(rule_locales.iter().map(|l| l.as_str()));
                if candidates.len() > 1 {
                    if let Some(found) = self.detect_among(text, &candidates) {
                        if let Some(pos) =
                            from_rules.iter().position(|t| t.language == found.language)
                        {
                            let mut ordered = from_rules;
                            ordered[..=pos].rotate_right(1);
                            return self.chain_for(&ordered, LocaleSource::RuleLanguage);
                        }
                    }
                }
            }
            return self.chain_for(&from_rules, LocaleSource::RuleLanguage);
        }
        // A base language whose variant's marker also occurs is that variant.
        let markers: Vec<&String> = marker_langs
            .iter()
            .filter(|m| !marker_langs.iter().any(|v| is_variant_of(v, m)))
            .collect();
        if let [only] = markers.as_slice() {
            if let Some(tag) = self.config.languages.get(*only).and_then(|t| parse_tag(t)) {
                return self.chain_for(&[tag], LocaleSource::Detected);
            }
        }
        // Markers of several languages: the detector only has to tell those
        // apart, which is both cheaper and more reliable than all of them.
        let candidates = self.detector_langs(
            markers
                .iter()
                .filter_map(|m| self.config.languages.get(m.as_str()))
                .map(String::as_str),
        );
        let detected = self
            .script_locale(text)
            .or_else(|| self.detect_among(text, &candidates));
        if let Some(tag) = detected {
            return self.chain_for(&[tag], LocaleSource::Detected);
        }
        self.chain_for(&[], LocaleSource::Default)
    }

    /// Expands `requested` through the alias graph and negotiates it against
    /// the available locales; the default closes the chain.
    pub fn chain_for(&self, requested: &[LanguageIdentifier], source: LocaleSource) -> LocaleChain {
        let mut expanded: Vec<LanguageIdentifier> = Vec::new();
        for tag in requested {
            for alias in self.config.expand(tag) {
                if !expanded.contains(&alias) {
                    expanded.push(alias);
                }
            }
        }
        let negotiated = negotiate_languages(
            &expanded,
            &self.available,
            Some(&self.default),
            NegotiationStrategy::Filtering,
        );
        let mut chain: Vec<String> = Vec::new();
        let mut push = |tag: String| {
            if !chain.contains(&tag) {
                chain.push(tag);
            }
        };
        // Exact requested tags first, even without hand-written templates:
        // imported articles may exist for them.
        for tag in &expanded {
            if tag.region.is_some() {
                push(tag.to_string());
            }
        }
        for tag in negotiated {
            push(tag.to_string());
        }
        push(self.default.to_string());
        LocaleChain { chain, source }
    }

    /// The locale of the writing system `text` is mostly in, when only one
    /// shipped language uses it (`[scripts]` in `locales.toml`). Any kana
    /// makes Han text Japanese.
    pub fn script_locale(&self, text: &str) -> Option<LanguageIdentifier> {
        if text.is_ascii() || self.config.scripts.is_empty() {
            return None;
        }
        let script = whatlang::detect_script(text)?;
        let script = match script {
            whatlang::Script::Mandarin
                if text
                    .chars()
                    .any(|c| matches!(c, '\u{3041}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}')) =>
            {
                whatlang::Script::Hiragana
            }
            other => other,
        };
        self.config
            .scripts
            .get(script.name())
            .and_then(|t| parse_tag(t))
    }

    /// Guesses the language of `text` with the configured detector.
    /// Short or mixed messages are left undetected rather than guessed.
    pub fn detect(&self, text: &str) -> Option<LanguageIdentifier> {
        self.detect_among(text, &[])
    }

    /// [`detect`](Self::detect) restricted to `candidates` (all configured
    /// languages when empty).
    /// The detector languages (`[detect]`) that reply in one of `locales`.
    fn detector_langs<'a>(&self, locales: impl Iterator<Item = &'a str>) -> Vec<whatlang::Lang> {
        locales
            .flat_map(|locale| {
                self.config
                    .detect
                    .iter()
                    .filter(move |(_, l)| l.as_str() == locale)
                    .filter_map(|(code, _)| whatlang::Lang::from_code(code.as_str()))
            })
            .collect()
    }

    fn detect_among(
        &self,
        text: &str,
        candidates: &[whatlang::Lang],
    ) -> Option<LanguageIdentifier> {
        let letters = text
            .chars()
            .filter(|c| c.is_alphabetic())
            .take(self.config.detect_min_letters)
            .count();
        if letters < self.config.detect_min_letters {
            return None;
        }
        let info = if candidates.is_empty() {
            self.detector.detect(text)?
        } else {
            whatlang::Detector::with_allowlist(candidates.to_vec()).detect(text)?
        };
        if !info.is_reliable() && info.confidence() < self.config.detect_min_confidence {
            return None;
        }
        self.config
            .detect
            .get(info.lang().code())
            .and_then(|t| parse_tag(t))
    }
}

/// True when `variant` is `base` plus a subtag: `zh-Hant` of `zh`.
fn is_variant_of(variant: &str, base: &str) -> bool {
    variant
        .strip_prefix(base)
        .is_some_and(|rest| rest.starts_with('-'))
}

/// Parses a language tag leniently: `nb_no`, `NB-no` and `nb-NO` are the
/// same tag. Unparseable tags yield `None` and are skipped by negotiation.
pub fn parse_tag(tag: &str) -> Option<LanguageIdentifier> {
    let tag = tag.trim().replace('_', "-");
    if tag.is_empty() {
        return None;
    }
    tag.parse::<LanguageIdentifier>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn negotiator() -> Negotiator {
        let config: LocaleConfig = toml::from_str(
            r#"
default = "en-US"
[aliases]
no = ["nb-NO"]
nb = ["nb-NO"]
nn = ["nn-NO", "nb-NO"]
[languages]
en = "en-US"
nb = "nb-NO"
zh = "zh-CN"
"zh-Hant" = "zh-TW"
[detect]
eng = "en-US"
nob = "nb-NO"
"#,
        )
        .expect("config parses");
        Negotiator::new(
            config,
            &[
                "en-US".into(),
                "nb-NO".into(),
                "zh-CN".into(),
                "zh-TW".into(),
            ],
        )
    }

    fn chain(requested: &str) -> Vec<String> {
        negotiator()
            .negotiate(&[requested.to_owned()], &[], "")
            .chain
    }

    #[test]
    fn discord_no_reaches_bokmal() {
        assert_eq!(chain("no"), ["nb-NO", "en-US"]);
        assert_eq!(chain("nb"), ["nb-NO", "en-US"]);
        assert_eq!(chain("nb-no"), ["nb-NO", "en-US"]);
        assert_eq!(chain("nb_NO"), ["nb-NO", "en-US"]);
    }

    #[test]
    fn nynorsk_falls_back_to_bokmal() {
        assert_eq!(chain("nn"), ["nn-NO", "nb-NO", "en-US"]);
    }

    #[test]
    fn other_english_finds_en_us() {
        assert_eq!(chain("en-GB"), ["en-GB", "en-US"]);
        assert_eq!(chain("en"), ["en-US"]);
    }

    #[test]
    fn unsupported_locales_keep_their_tag_then_default() {
        assert_eq!(chain("sv-SE"), ["sv-SE", "en-US"]);
        assert_eq!(chain("de"), ["en-US"]);
    }

    #[test]
    fn garbage_tags_are_skipped() {
        let n = negotiator();
        let c = n.negotiate(&["!!".into()], &[], "");
        assert_eq!(c.chain, ["en-US"]);
        assert_eq!(c.source, LocaleSource::Default);
    }

    #[test]
    fn rule_language_beats_detection() {
        let n = negotiator();
        let c = n.negotiate(&[], &["nb".into()], "cancel");
        assert_eq!(c.chain, ["nb-NO", "en-US"]);
        assert_eq!(c.source, LocaleSource::RuleLanguage);
    }

    #[test]
    fn a_variant_marker_refines_the_rule_language() {
        let n = negotiator();
        let traditional =
            n.negotiate_with_markers(&[], &["zh".into()], &["zh".into(), "zh-Hant".into()], "");
        // Simplified before English: a reader of one script reads the other
        // far better than English.
        assert_eq!(traditional.chain, ["zh-TW", "zh-CN", "en-US"]);
        assert_eq!(traditional.source, LocaleSource::RuleLanguage);
        let simplified = n.negotiate_with_markers(&[], &["zh".into()], &["zh".into()], "");
        assert_eq!(simplified.chain, ["zh-CN", "zh-TW", "en-US"]);
        // Markers alone: the variant wins over its base.
        let markers_only = n.negotiate_with_markers(&[], &[], &["zh".into(), "zh-Hant".into()], "");
        assert_eq!(markers_only.chain, ["zh-TW", "zh-CN", "en-US"]);
    }

    #[test]
    fn a_script_only_one_language_uses_decides_without_the_detector() {
        let config: LocaleConfig = toml::from_str(
            r#"
default = "en-US"
[scripts]
Hangul = "ko-KR"
Hiragana = "ja-JP"
Katakana = "ja-JP"
Mandarin = "zh-CN"
"#,
        )
        .expect("config parses");
        let n = Negotiator::new(config, &["en-US".into()]);
        let tag = |t: &str| n.script_locale(t).map(|l| l.to_string());
        assert_eq!(tag("구독을 해지하고 싶어요").as_deref(), Some("ko-KR"));
        assert_eq!(tag("明日の会議をキャンセルして").as_deref(), Some("ja-JP"));
        // Kanji only, but one kana: Japanese.
        assert_eq!(tag("解約方法は").as_deref(), Some("ja-JP"));
        assert_eq!(tag("我想取消订阅").as_deref(), Some("zh-CN"));
        assert_eq!(tag("plain ascii"), None);
        assert_eq!(tag("отменить подписку"), None);
    }

    #[test]
    fn short_messages_are_not_guessed() {
        let n = negotiator();
        let c = n.negotiate(&[], &[], "ok takk");
        assert_eq!(c.source, LocaleSource::Default);
    }

    #[test]
    fn detection_is_used_without_rules_or_request() {
        let n = negotiator();
        let c = n.negotiate(
            &[],
            &[],
            "Hvordan kan jeg få hjelp med fakturaen min fra forrige måned?",
        );
        assert_eq!(c.chain, ["nb-NO", "en-US"]);
        assert_eq!(c.source, LocaleSource::Detected);
    }
}
