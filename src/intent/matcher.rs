//! The compiled rule set: every marker, rule, guard and typo hint as its own
//! small regex, and one keyword index over all of them
//! ([`super::prefilter`]) that finds, in one pass, the few patterns a
//! message can match.
//!
//! Hot path ([`Matcher::classify`]): normalise once, one Aho-Corasick pass
//! over the keywords, anchored runs of the candidate patterns only, then
//! bit tests on the resulting pattern set. Spans are computed only when
//! ranking needs a tie-break or when explaining.

use regex_automata::meta::Regex;
use regex_automata::{PatternID, PatternSet};

use super::normalize::{normalize, Normalized};
use super::pattern::compile_all;
use super::prefilter::Prefilter;
use super::schema::IntentKind;
use super::slots::SlotExtractor;
use super::typo::{self, Correction, TypoWord};
use super::{Candidate, Classification, Explanation, GuardHit, RuleHit};

mod rank;

/// An intent as the engine knows it.
#[derive(Debug, Clone)]
pub struct IntentInfo {
    /// Intent name.
    pub name: String,
    /// Request or conversation.
    pub kind: IntentKind,
    /// One-line description.
    pub description: String,
    /// Answer template key.
    pub answer: String,
    /// Imported article slug, if any.
    pub article: Option<String>,
    /// Ranking tie-break.
    pub priority: i32,
}

/// A rule or guard pattern before compilation.
#[derive(Debug, Clone)]
pub struct PatternDef {
    /// Full id, `intent/lang/id`.
    pub id: String,
    /// Index into the engine's intents.
    pub intent: usize,
    /// Language of the section it came from.
    pub lang: String,
    /// Source pattern.
    pub pattern: String,
    /// Rule weight (ignored for guards).
    pub weight: f32,
    /// For rules: indices of the guards that veto it.
    pub guards: Vec<usize>,
}

/// Why the engine could not be built: the id of the failing pattern and the
/// reason.
#[derive(Debug)]
pub struct CompileError {
    /// Full id of the rule or guard.
    pub id: String,
    /// What went wrong.
    pub message: String,
}

/// The compiled rule set. Immutable; swapped as a whole on reload.
#[derive(Debug)]
pub struct Matcher {
    prefilter: Prefilter,
    singles: Vec<Regex>,
    rules: Vec<PatternDef>,
    guards: Vec<PatternDef>,
    markers: Vec<PatternDef>,
    /// The keyword of each typo hint, normalised, in hint order.
    typo_words: Vec<String>,
    /// The language of each typo hint, in hint order.
    hint_langs: Vec<String>,
    /// Every typo-tolerant keyword of every language, normalised: a word
    /// that is exactly one of them is never "corrected" into another.
    keywords: std::collections::HashSet<String>,
    intents: Vec<IntentInfo>,
    slots: SlotExtractor,
}

/// Everything a [`Matcher`] is compiled from.
#[derive(Debug, Default)]
pub struct MatcherSpec {
    /// Intents, in file order; rules and guards index into them.
    pub intents: Vec<IntentInfo>,
    /// Recognising patterns.
    pub rules: Vec<PatternDef>,
    /// Vetoing patterns.
    pub guards: Vec<PatternDef>,
    /// Language markers: patterns whose only meaning is "this message is in
    /// language `lang`".
    pub markers: Vec<PatternDef>,
    /// Keywords whose one-typo misspellings are understood.
    pub typo_words: Vec<TypoWord>,
    /// Slot patterns.
    pub slots: SlotExtractor,
}

impl Matcher {
    /// Compiles rules and guards. Every failing pattern is reported.
    pub fn build(
        intents: Vec<IntentInfo>,
        rules: Vec<PatternDef>,
        guards: Vec<PatternDef>,
        slots: SlotExtractor,
    ) -> Result<Matcher, Vec<CompileError>> {
        Self::from_spec(MatcherSpec {
            intents,
            rules,
            guards,
            slots,
            ..MatcherSpec::default()
        })
    }

    /// Compiles markers, rules, guards and typo hints into one automaton.
    pub fn from_spec(spec: MatcherSpec) -> Result<Matcher, Vec<CompileError>> {
        let MatcherSpec {
            intents,
            rules,
            guards,
            markers,
            typo_words,
            slots,
        } = spec;
        let hints: Vec<PatternDef> = typo_words
            .iter()
            .map(|t| PatternDef {
                id: format!("typo/{}/{}", t.lang, t.word),
                intent: 0,
                lang: t.lang.clone(),
                pattern: typo::hint_pattern(&t.word),
                weight: 0.0,
                guards: Vec::new(),
            })
            .collect();
        let total = markers.len() + rules.len() + guards.len() + hints.len();
        let mut hirs = Vec::with_capacity(total);
        let mut singles = Vec::with_capacity(total);
        let mut errors = Vec::new();
        // Pattern ids: markers, rules, guards, typo hints (see `rule_pid`).
        // Markers match nearly every message, so they go first: `rank` stops
        // reading the match set after the last hit, usually among the first
        // few ids.
        let defs: Vec<&PatternDef> = markers
            .iter()
            .chain(&rules)
            .chain(&guards)
            .chain(&hints)
            .collect();
        let sources: Vec<&str> = defs.iter().map(|d| d.pattern.as_str()).collect();
        for (def, compiled) in defs.iter().zip(compile_all(&sources)) {
            match compiled {
                Ok((hir, single)) => {
                    hirs.push(hir);
                    singles.push(single);
                }
                Err(message) => errors.push(CompileError {
                    id: def.id.clone(),
                    message,
                }),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let prefilter = Prefilter::build(&hirs).map_err(|e| {
            vec![CompileError {
                id: "(all rules)".into(),
                message: e.to_string(),
            }]
        })?;
        Ok(Matcher {
            prefilter,
            singles,
            rules,
            guards,
            markers,
            hint_langs: typo_words.iter().map(|t| t.lang.clone()).collect(),
            keywords: typo_words
                .iter()
                .map(|t| normalize(&t.word).as_str().to_owned())
                .collect(),
            typo_words: typo_words
                .into_iter()
                .map(|t| typo::normalized_word(&t.word))
                .collect(),
            intents,
            slots,
        })
    }

    /// The same matcher with empty search caches. Checking thousands of
    /// examples fills the lazy DFA's cache with states no live message
    /// needs, and a full cache makes later searches clear and rebuild it
    /// (measured: classification 17x slower); cloning a regex shares the
    /// compiled automaton and starts a new cache pool.
    pub fn with_fresh_caches(self) -> Matcher {
        Matcher {
            prefilter: self.prefilter.clone(),
            singles: self.singles.iter().map(Regex::clone).collect(),
            ..self
        }
    }

    /// The intents this engine knows, in file order.
    pub fn intents(&self) -> &[IntentInfo] {
        &self.intents
    }

    /// Looks an intent up by name.
    pub fn intent(&self, name: &str) -> Option<&IntentInfo> {
        self.intents.iter().find(|i| i.name == name)
    }

    /// Number of rule patterns (guards excluded).
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Number of guard patterns.
    pub fn guard_count(&self) -> usize {
        self.guards.len()
    }

    /// Classifies one message. When a keyword looks misspelled, the message
    /// is read with the keyword corrected, by rules and guards alike.
    pub fn classify(&self, text: &str) -> Classification {
        let normalized = normalize(text);
        let matched = self.scan(&normalized);
        if let Some((corrected, corrections)) = self.corrected(&normalized, text, &matched) {
            let mut retried = self.classify_exact(&corrected);
            retried.corrections = corrections;
            return retried;
        }
        self.rank(&normalized, text, &matched)
    }

    /// Classifies one message as written, without typo correction.
    pub fn classify_exact(&self, text: &str) -> Classification {
        let normalized = normalize(text);
        let matched = self.scan(&normalized);
        self.rank(&normalized, text, &matched)
    }

    /// The message with the misspelled keywords the typo hints found
    /// replaced, or `None` when there is nothing to correct. The corrected
    /// text is what the user meant to type, so guards see it too ("delete
    /// my acount photos" is about photos, like "delete my account photos").
    ///
    /// Correction is a last resort: a message any rule matched as written
    /// (fired or vetoed) is read as written, so a correct word of one
    /// language is never rewritten into another language's keyword. When
    /// marker words tell the language, only that language's hints count.
    fn corrected(
        &self,
        normalized: &Normalized,
        text: &str,
        matched: &PatternSet,
    ) -> Option<(String, Vec<Correction>)> {
        let markers = self.markers.len();
        let first_hint = markers + self.rules.len() + self.guards.len();
        if self.typo_words.is_empty() || matched.is_empty() {
            return None;
        }
        let ids: Vec<usize> = matched.iter().map(|id| id.as_usize()).collect();
        if ids
            .iter()
            .any(|&id| (markers..markers + self.rules.len()).contains(&id))
        {
            return None;
        }
        let marker_langs: Vec<&str> = ids
            .iter()
            .take_while(|&&id| id < markers)
            .map(|&id| self.markers[id].lang.as_str())
            .collect();
        let mut edits: Vec<(std::ops::Range<usize>, &str)> = Vec::new();
        for &id in &ids {
            let Some(hint) = id.checked_sub(first_hint) else {
                continue;
            };
            let lang = self.hint_langs[hint].as_str();
            if !marker_langs.is_empty()
                && !marker_langs
                    .iter()
                    .any(|m| *m == lang || is_variant(m, lang))
            {
                continue;
            }
            let Some(m) = self.singles[id].find(normalized.as_str()) else {
                continue;
            };
            // The whole written word: a hint matches only up to the typo.
            let rest = &normalized.as_str()[m.start()..];
            let word_len = rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            let written = &rest[..word_len];
            if self
                .keywords
                .iter()
                .any(|k| written.starts_with(k.as_str()))
            {
                continue;
            }
            edits.push((normalized.original_span(m.range()), &self.typo_words[hint]));
        }
        if edits.is_empty() {
            return None;
        }
        edits.sort_by_key(|(span, _)| (span.start, std::cmp::Reverse(span.end)));
        let mut corrected = String::with_capacity(text.len() + 8);
        let mut corrections = Vec::new();
        let mut at = 0;
        for (span, word) in edits {
            if span.start < at || text.get(span.clone()).is_none() {
                continue;
            }
            corrected.push_str(&text[at..span.start]);
            corrected.push_str(word);
            corrections.push(Correction {
                from: text[span.clone()].to_owned(),
                to: word.to_owned(),
            });
            at = span.end;
        }
        corrected.push_str(&text[at..]);
        Some((corrected, corrections))
    }

    /// Classifies one message and reports every rule and guard involved.
    pub fn explain(&self, text: &str) -> Explanation {
        let normalized = normalize(text);
        let matched = self.scan(&normalized);
        if let Some((corrected, corrections)) = self.corrected(&normalized, text, &matched) {
            let mut retried = self.explain_exact(&corrected);
            retried.classification.corrections = corrections;
            return retried;
        }
        self.explain_exact(text)
    }

    /// [`explain`](Self::explain) of the message as written.
    fn explain_exact(&self, text: &str) -> Explanation {
        let normalized = normalize(text);
        let matched = self.scan(&normalized);
        let hits = self
            .rules
            .iter()
            .enumerate()
            .filter(|(i, _)| matched.contains(self.rule_pid(*i)))
            .map(|(i, rule)| {
                let (span, matched_text) = self.span_of(self.rule_pid(i), &normalized, text);
                RuleHit {
                    rule: rule.id.clone(),
                    intent: self.intents[rule.intent].name.clone(),
                    lang: rule.lang.clone(),
                    weight: rule.weight,
                    span,
                    text: matched_text,
                    vetoed_by: rule
                        .guards
                        .iter()
                        .filter(|&&g| matched.contains(self.guard_pid(g)))
                        .map(|&g| {
                            let (span, text) = self.span_of(self.guard_pid(g), &normalized, text);
                            GuardHit {
                                guard: self.guards[g].id.clone(),
                                span,
                                text,
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        Explanation {
            normalized: normalized.unescaped(),
            hits,
            classification: self.rank(&normalized, text, &matched),
        }
    }

    /// True when the rule with this full id fires (matches, not vetoed).
    pub fn rule_fires(&self, rule_id: &str, text: &str) -> Option<bool> {
        let index = self.rules.iter().position(|r| r.id == rule_id)?;
        // Only this rule and its guards decide; the others need not run.
        let wanted: Vec<usize> = std::iter::once(self.rule_pid(index))
            .chain(self.rules[index].guards.iter().map(|&g| self.guard_pid(g)))
            .map(|p| p.as_usize())
            .collect();
        let matched = self
            .prefilter
            .scan_among(normalize(text).as_str(), &self.singles, &wanted);
        Some(self.fires(index, &matched))
    }

    /// True when the guard with this full id matches.
    pub fn guard_matches(&self, guard_id: &str, text: &str) -> Option<bool> {
        let index = self.guards.iter().position(|g| g.id == guard_id)?;
        Some(self.singles[self.guard_pid(index).as_usize()].is_match(normalize(text).as_str()))
    }

    fn scan(&self, normalized: &Normalized) -> PatternSet {
        self.prefilter.scan(normalized.as_str(), &self.singles)
    }

    /// Ids of the rules and guards without a leading keyword, which run on
    /// every message; `intents check` lists them so rule authors keep the
    /// list short.
    pub fn unfiltered_patterns(&self) -> Vec<&str> {
        let all: Vec<&PatternDef> = self
            .markers
            .iter()
            .chain(&self.rules)
            .chain(&self.guards)
            .collect();
        self.prefilter
            .unfiltered_ids()
            .filter_map(|id| all.get(id).map(|d| d.id.as_str()))
            .collect()
    }

    fn fires(&self, rule: usize, matched: &PatternSet) -> bool {
        matched.contains(self.rule_pid(rule))
            && !self.rules[rule]
                .guards
                .iter()
                .any(|&g| matched.contains(self.guard_pid(g)))
    }

    /// Pattern id of rule `i`.
    fn rule_pid(&self, i: usize) -> PatternID {
        pid(self.markers.len() + i)
    }

    /// Pattern id of guard `g`.
    fn guard_pid(&self, g: usize) -> PatternID {
        pid(self.markers.len() + self.rules.len() + g)
    }
}

/// True when `variant` is `base` plus a subtag (`zh-Hant` of `zh`).
fn is_variant(variant: &str, base: &str) -> bool {
    variant
        .strip_prefix(base)
        .is_some_and(|rest| rest.starts_with('-'))
}

/// Pattern ids are indices into `rules` followed by `guards`; their number
/// is bounded by the rule files, far below `PatternID::LIMIT`.
fn pid(index: usize) -> PatternID {
    PatternID::new_unchecked(index)
}
