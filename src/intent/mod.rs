//! Intent recognition: rule files → one multi-pattern automaton → ranked,
//! explainable candidates.
//!
//! Data flow: [`load`] parses `intents/*.toml` ([`schema`]), compiles every
//! rule and guard pattern with [`ascii_safe`] into one multi-pattern lazy DFA
//! ([`matcher::Matcher`]) and then runs each file's examples against the
//! finished engine; any failure is reported with file, rule and example.
//! [`matcher::Matcher::classify`] normalises a message once ([`normalize`]),
//! makes one pass over all patterns, applies guards and ranks intents.
//!
//! Invariant: this module knows nothing about chat platforms, HTTP or
//! storage; it maps text to [`Classification`] and nothing else.

pub mod ascii_safe;
pub mod draft;
pub mod load;
pub mod matcher;
pub mod normalize;
pub mod pattern;
pub mod prefilter;
pub mod schema;
pub mod slots;
pub mod typo;

use std::ops::Range;

use serde::Serialize;

pub use load::{load, LoadError, RuleError};
pub use matcher::Matcher;
pub use schema::IntentKind;
pub use slots::Slots;
pub use typo::Correction;

/// One intent that a message matched, with the rule that decided it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Intent name, e.g. `cancel`.
    pub intent: String,
    /// Weight of the strongest rule that fired for this intent.
    pub score: f32,
    /// Full id (`intent/lang/rule`) of that rule.
    pub rule: String,
    /// Language of that rule (`en`, `nb`, …).
    pub lang: String,
}

/// The result of classifying one message.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Classification {
    /// Request intents (cancel, refund, close …) ranked best first.
    pub candidates: Vec<Candidate>,
    /// The best conversational intent (help, greeting) when no request
    /// intent matched.
    pub topic: Option<Candidate>,
    /// Languages of the rules that fired, most relevant first; used to pick
    /// a reply locale when the platform sends none.
    pub langs: Vec<String>,
    /// Languages whose marker words (common function words) occur in the
    /// message; a cheap language hint when no rule fired.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub marker_langs: Vec<String>,
    /// Full ids of the rules that matched but a guard vetoed, in rule order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vetoed: Vec<String>,
    /// Values extracted from the message.
    pub slots: Slots,
    /// Misspelled keywords read as the keyword before the rules matched;
    /// empty when the message matched as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<typo::Correction>,
}

impl Classification {
    /// The best request intent, if any.
    pub fn top(&self) -> Option<&Candidate> {
        self.candidates.first()
    }

    /// True when two or more request intents are equally strong, so the
    /// bot should offer the choices instead of picking one.
    pub fn is_ambiguous(&self) -> bool {
        match self.candidates.as_slice() {
            [first, second, ..] => second.score >= first.score,
            _ => false,
        }
    }
}

/// Why a message was classified the way it was: every rule that matched,
/// whether a guard vetoed it, and where.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The normalised text the patterns ran on (escapes decoded).
    pub normalized: String,
    /// Every rule whose pattern matched, in rule order.
    pub hits: Vec<RuleHit>,
    /// The resulting classification.
    pub classification: Classification,
}

/// A rule whose pattern matched a message.
#[derive(Debug, Clone, Serialize)]
pub struct RuleHit {
    /// Full rule id.
    pub rule: String,
    /// Intent the rule belongs to.
    pub intent: String,
    /// Rule language.
    pub lang: String,
    /// Rule weight.
    pub weight: f32,
    /// Byte span of the match in the original message.
    pub span: Range<usize>,
    /// The matched part of the original message.
    pub text: String,
    /// Guards that matched and veto this rule; empty when the rule fired.
    pub vetoed_by: Vec<GuardHit>,
}

/// A guard that matched a message.
#[derive(Debug, Clone, Serialize)]
pub struct GuardHit {
    /// Full guard id.
    pub guard: String,
    /// Byte span in the original message.
    pub span: Range<usize>,
    /// The matched part of the original message.
    pub text: String,
}
