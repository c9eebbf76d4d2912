//! The on-disk shape of rule files (`intents/*.toml`) and the slot file
//! (`intents/slots.toml`). Parsing is strict: unknown keys are errors, so a
//! typo such as `gaurds` is reported instead of silently ignored.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One intent file, e.g. `intents/cancel.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntentFile {
    /// Intent name: lowercase ASCII, unique across files.
    pub intent: String,
    /// `request` intents (cancel, refund, close) are what the bot is for and
    /// what `ask --json` reports; `conversation` intents (help, greeting)
    /// only steer the conversation.
    #[serde(default)]
    pub kind: IntentKind,
    /// One-line description shown in `explain` and in the choices offered
    /// when a message matches several intents.
    pub description: String,
    /// Answer template key (`answers/<locale>/<answer>.md`).
    pub answer: String,
    /// Imported article slug answering this intent where no hand-written
    /// template exists for the user's locale.
    #[serde(default)]
    pub article: Option<String>,
    /// Orders intents whose best rules score the same (higher first).
    #[serde(default)]
    pub priority: i32,
    /// Rules and guards grouped per language (`[lang.en]`, `[lang.nb]`).
    #[serde(default)]
    pub lang: BTreeMap<String, LanguageSection>,
}

/// One language file, `intents/lang/<lang>.toml`: the rules, guards and
/// examples of every intent in one language, and the language's marker.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageFile {
    /// Language code (`de`, `pt`, `zh-Hant`); must match the file name.
    pub lang: String,
    /// Pattern of common function words that say a message is in this
    /// language. It runs in the same pass as the rules and picks the reply
    /// language when no rule fired; keep it to words other languages lack.
    #[serde(default)]
    pub marker: Option<String>,
    /// Words still understood with one typo (a letter wrong, missing, extra
    /// or two swapped): the distinctive keywords of this language's rules,
    /// such as "cancel", "subscription", "refund". At least five letters
    /// each; a message no rule matched is tried again with such a near miss
    /// corrected, and the guards still apply.
    #[serde(default)]
    pub typo_tolerant_words: Vec<String>,
    /// Sections per intent: `[intent.cancel]`, `[[intent.cancel.rule]]`, …
    #[serde(default)]
    pub intent: BTreeMap<String, LanguageSection>,
}

/// Whether an intent is something the user asks the bot to handle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IntentKind {
    /// A support request: cancel, refund, close.
    #[default]
    Request,
    /// Conversation steering: help, greeting.
    Conversation,
}

/// The rules, guards and examples of one intent in one language.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageSection {
    /// Patterns that recognise the intent.
    #[serde(default)]
    pub rule: Vec<RuleSpec>,
    /// Patterns that veto rules of this section (negations, look-alikes).
    #[serde(default)]
    pub guard: Vec<GuardSpec>,
    /// Messages that must be classified as this intent.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Messages that must not be classified as this intent.
    #[serde(default)]
    pub counter_examples: Vec<String>,
}

/// One recognising pattern.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique within the section; the full id is `intent/lang/id`.
    pub id: String,
    /// Case-insensitive Unicode regex, matched against normalised text.
    pub pattern: String,
    /// Strength in (0, 1]: 1 for explicit requests, lower for vaguer
    /// phrasing. Intents are ranked by their strongest firing rule.
    #[serde(default = "default_weight")]
    pub weight: f32,
    /// Messages this rule must fire on (not vetoed).
    #[serde(default)]
    pub examples: Vec<String>,
    /// Messages this rule must not fire on (no match, or vetoed).
    #[serde(default)]
    pub counter_examples: Vec<String>,
}

/// One vetoing pattern.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardSpec {
    /// Unique within the section; the full id is `intent/lang/id`.
    pub id: String,
    /// Case-insensitive Unicode regex; when it matches anywhere in the
    /// message, the rules it applies to do not fire.
    pub pattern: String,
    /// Rule ids (within the section) this guard vetoes; all when empty.
    #[serde(default)]
    pub applies_to: Vec<String>,
    /// Messages this guard must match.
    #[serde(default)]
    pub examples: Vec<String>,
}

fn default_weight() -> f32 {
    1.0
}

/// `intents/slots.toml`: what to extract from a message besides the intent.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotFile {
    /// Pattern whose first capture group (or whole match) is a subscription id.
    #[serde(default)]
    pub subscription_id: Option<SlotPattern>,
    /// Product names and their spellings.
    #[serde(default)]
    pub product: Vec<ProductSpec>,
}

/// A slot pattern with its examples.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotPattern {
    /// Case-insensitive Unicode regex.
    pub pattern: String,
    /// Messages the pattern must find a value in.
    #[serde(default)]
    pub examples: Vec<String>,
}

/// A product the bot knows by name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductSpec {
    /// Canonical display name, e.g. "Microsoft 365".
    pub name: String,
    /// Spellings people use (matched as whole words, case-insensitively).
    pub aliases: Vec<String>,
}
