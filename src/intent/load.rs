//! Loading and validating rule files.
//!
//! A rule set is only ever used after it passed every check here: the files
//! parse, names are unique, every pattern compiles within the size limit, and
//! every example and counter-example agrees with the finished engine. All
//! problems are collected, each naming its file, the rule or guard, and the
//! example, so one `intents check` run shows everything to fix.

use std::collections::{BTreeMap, HashSet};

use super::matcher::{IntentInfo, Matcher, MatcherSpec, PatternDef};
use super::schema::{IntentFile, LanguageFile, LanguageSection, SlotFile};
use super::slots::SlotExtractor;
use super::typo::{self, TypoWord};
use crate::source::SourceTree;

mod examples;
mod files;

use examples::check_examples;
use files::{check_lang, check_name, file_error, load_markers, load_slots};

/// Files in the root of a knowledge tree that are not intent files.
pub const NON_INTENT_FILES: [&str; 3] = ["locales.toml", "markers.toml", "slots.toml"];

/// Directory of language files: `lang/<language>.toml` holds every intent's
/// rules in one language, so adding a language is one new file.
pub const LANGUAGE_DIR: &str = "lang";

/// One problem found while loading rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// Display path of the file.
    pub file: String,
    /// What in the file: `rule cancel/en/x`, `guard …`, `intent`, …
    pub subject: String,
    /// What is wrong and, where possible, what to do.
    pub message: String,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.subject.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: {}: {}", self.file, self.subject, self.message)
        }
    }
}

/// Every problem found while loading rules.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} problem(s) in the rules:\n{}", .0.len(), .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
pub struct LoadError(pub Vec<RuleError>);

/// One language section of one intent, wherever it was written: a
/// `[lang.xx]` table of an intent file or an `[intent.name]` table of
/// `lang/xx.toml`.
struct Section<'a> {
    file: String,
    /// How the file names the section: `[lang.en]` or `[intent.cancel]`.
    label: String,
    intent: usize,
    lang: String,
    spec: &'a LanguageSection,
}

/// The examples of one section, checked against the finished matcher.
struct Origin {
    file: String,
    label: String,
    rule_examples: Vec<(String, Vec<String>, Vec<String>)>,
    guard_examples: Vec<(String, Vec<String>)>,
    intent_examples: Vec<(String, String, Vec<String>, Vec<String>)>,
}

/// Loads and validates every intent file, every language file
/// (`lang/*.toml`), `markers.toml` and `slots.toml` in `tree`.
pub fn load(tree: &SourceTree) -> Result<Matcher, LoadError> {
    let mut errors = Vec::new();
    let slots = load_slots(tree, &mut errors);

    let mut intents: Vec<IntentInfo> = Vec::new();
    let intent_files: Vec<(String, IntentFile)> = tree
        .root_files(".toml")
        .filter(|f| !NON_INTENT_FILES.contains(&f.path.as_str()))
        .filter_map(|file| {
            let display = tree.display_path(&file.path);
            match toml::from_str::<IntentFile>(&file.text) {
                Ok(parsed) => Some((display, parsed)),
                Err(e) => {
                    errors.push(file_error(&display, &e));
                    None
                }
            }
        })
        .collect();
    let language_files: Vec<(String, LanguageFile)> = tree
        .under(LANGUAGE_DIR)
        .filter_map(|file| {
            let display = tree.display_path(&file.path);
            if !file.path.ends_with(".toml") {
                errors.push(RuleError {
                    file: display,
                    subject: String::new(),
                    message: format!(
                        "only <language>.toml files belong in {LANGUAGE_DIR}/; move or remove this file"
                    ),
                });
                return None;
            }
            match toml::from_str::<LanguageFile>(&file.text) {
                Ok(parsed) => Some((display, parsed)),
                Err(e) => {
                    errors.push(file_error(&display, &e));
                    None
                }
            }
        })
        .collect();

    let mut sections: Vec<Section<'_>> = Vec::new();
    for (display, parsed) in &intent_files {
        let err = |subject: &str, message: String| RuleError {
            file: display.clone(),
            subject: subject.to_owned(),
            message,
        };
        if let Err(message) = check_name(&parsed.intent) {
            errors.push(err("intent", message));
            continue;
        }
        if intents.iter().any(|i| i.name == parsed.intent) {
            errors.push(err(
                "intent",
                format!("intent {:?} is defined in another file too", parsed.intent),
            ));
            continue;
        }
        for (lang, spec) in &parsed.lang {
            match check_lang(lang) {
                Ok(()) => sections.push(Section {
                    file: display.clone(),
                    label: format!("[lang.{lang}]"),
                    intent: intents.len(),
                    lang: lang.clone(),
                    spec,
                }),
                Err(message) => errors.push(err(&format!("[lang.{lang}]"), message)),
            }
        }
        intents.push(IntentInfo {
            name: parsed.intent.clone(),
            kind: parsed.kind,
            description: parsed.description.clone(),
            answer: parsed.answer.clone(),
            article: parsed.article.clone(),
            priority: parsed.priority,
        });
    }

    let mut markers: Vec<PatternDef> = Vec::new();
    let mut typo_words: Vec<TypoWord> = Vec::new();
    let mut file_of: BTreeMap<String, String> = BTreeMap::new();
    for (display, parsed) in &language_files {
        let err = |subject: &str, message: String| RuleError {
            file: display.clone(),
            subject: subject.to_owned(),
            message,
        };
        let lang = &parsed.lang;
        if let Err(message) = check_lang(lang) {
            errors.push(err("lang", message));
            continue;
        }
        let expected = format!("{lang}.toml");
        if !display.ends_with(&format!("/{expected}")) && display != &expected {
            errors.push(err(
                "lang",
                format!("lang = {lang:?} must match the file name; name the file {expected}"),
            ));
            continue;
        }
        for word in &parsed.typo_tolerant_words {
            match typo::check_word(word) {
                Ok(()) => typo_words.push(TypoWord {
                    lang: lang.clone(),
                    word: word.clone(),
                }),
                Err(message) => errors.push(err("typo_tolerant_words", message)),
            }
        }
        if let Some(pattern) = &parsed.marker {
            let id = format!("markers/{lang}");
            file_of.insert(id.clone(), display.clone());
            markers.push(PatternDef {
                id,
                intent: 0,
                lang: lang.clone(),
                pattern: pattern.clone(),
                weight: 0.0,
                guards: Vec::new(),
            });
        }
        for (name, spec) in &parsed.intent {
            let Some(intent) = intents.iter().position(|i| &i.name == name) else {
                errors.push(err(
                    &format!("[intent.{name}]"),
                    format!("no intent file defines {name:?}; create {name}.toml next to {LANGUAGE_DIR}/ or fix the name"),
                ));
                continue;
            };
            if let Some(other) = sections
                .iter()
                .find(|s| s.intent == intent && &s.lang == lang)
            {
                errors.push(err(
                    &format!("[intent.{name}]"),
                    format!(
                        "the {lang} rules of {name:?} are also written in {}; keep them in one place",
                        other.file
                    ),
                ));
                continue;
            }
            sections.push(Section {
                file: display.clone(),
                label: format!("[intent.{name}]"),
                intent,
                lang: lang.clone(),
                spec,
            });
        }
    }

    let mut rules = Vec::new();
    let mut guards = Vec::new();
    let mut origins: Vec<Origin> = Vec::new();
    for section in &sections {
        let lang = &section.lang;
        let intent_name = &intents[section.intent].name;
        let err = |subject: String, message: String| RuleError {
            file: section.file.clone(),
            subject,
            message,
        };
        let mut origin = Origin {
            file: section.file.clone(),
            label: section.label.clone(),
            rule_examples: Vec::new(),
            guard_examples: Vec::new(),
            intent_examples: Vec::new(),
        };
        let mut seen = HashSet::new();
        let mut rule_indices = BTreeMap::new();
        for rule in &section.spec.rule {
            let id = format!("{intent_name}/{lang}/{}", rule.id);
            if let Err(message) = check_name(&rule.id) {
                errors.push(err(format!("rule {id}"), message));
            } else if !seen.insert(rule.id.clone()) {
                errors.push(err(format!("rule {id}"), "duplicate rule id".into()));
            } else if !(rule.weight > 0.0 && rule.weight <= 1.0) {
                errors.push(err(
                    format!("rule {id}"),
                    format!("weight {} is outside (0, 1]", rule.weight),
                ));
            }
            rule_indices.insert(rule.id.clone(), rules.len());
            file_of.insert(id.clone(), section.file.clone());
            origin.rule_examples.push((
                id.clone(),
                rule.examples.clone(),
                rule.counter_examples.clone(),
            ));
            rules.push(PatternDef {
                id,
                intent: section.intent,
                lang: lang.clone(),
                pattern: rule.pattern.clone(),
                weight: rule.weight,
                guards: Vec::new(),
            });
        }
        for guard in &section.spec.guard {
            let id = format!("{intent_name}/{lang}/{}", guard.id);
            if let Err(message) = check_name(&guard.id) {
                errors.push(err(format!("guard {id}"), message));
            } else if !seen.insert(guard.id.clone()) {
                errors.push(err(format!("guard {id}"), "duplicate id".into()));
            }
            let guard_index = guards.len();
            let targets: Vec<usize> = if guard.applies_to.is_empty() {
                rule_indices.values().copied().collect()
            } else {
                guard
                    .applies_to
                    .iter()
                    .filter_map(|name| {
                        let found = rule_indices.get(name).copied();
                        if found.is_none() {
                            errors.push(err(
                                format!("guard {id}"),
                                format!("applies_to names {name:?}, which is not a {lang} rule of {intent_name:?}"),
                            ));
                        }
                        found
                    })
                    .collect()
            };
            for t in targets {
                rules[t].guards.push(guard_index);
            }
            file_of.insert(id.clone(), section.file.clone());
            origin
                .guard_examples
                .push((id.clone(), guard.examples.clone()));
            guards.push(PatternDef {
                id,
                intent: section.intent,
                lang: lang.clone(),
                pattern: guard.pattern.clone(),
                weight: 0.0,
                guards: Vec::new(),
            });
        }
        origin.intent_examples.push((
            intent_name.clone(),
            lang.clone(),
            section.spec.examples.clone(),
            section.spec.counter_examples.clone(),
        ));
        origins.push(origin);
    }
    if intents.is_empty() && errors.is_empty() {
        errors.push(RuleError {
            file: tree.display_path(""),
            subject: String::new(),
            message: "no intent files (*.toml) found".into(),
        });
    }
    let Some(slots) = slots else {
        return Err(LoadError(errors));
    };
    if !errors.is_empty() {
        return Err(LoadError(errors));
    }
    for m in load_markers(tree, &mut errors) {
        if markers.iter().any(|k| k.lang == m.lang) {
            errors.push(RuleError {
                file: tree.display_path("markers.toml"),
                subject: format!("[lang.{}]", m.lang),
                message: format!(
                    "the {} marker is also in {LANGUAGE_DIR}/{}.toml; keep one",
                    m.lang, m.lang
                ),
            });
            continue;
        }
        file_of.insert(m.id.clone(), tree.display_path("markers.toml"));
        markers.push(m);
    }
    if !errors.is_empty() {
        return Err(LoadError(errors));
    }
    for t in &typo_words {
        file_of.insert(
            format!("typo/{}/{}", t.lang, t.word),
            tree.display_path(&format!("{LANGUAGE_DIR}/{}.toml", t.lang)),
        );
    }
    let spec = MatcherSpec {
        intents,
        rules,
        guards,
        markers,
        typo_words,
        slots,
    };
    let compile_started = std::time::Instant::now();
    let matcher = Matcher::from_spec(spec).map_err(|compile_errors| {
        LoadError(
            compile_errors
                .into_iter()
                .map(|e| RuleError {
                    file: file_of.get(&e.id).cloned().unwrap_or_default(),
                    subject: e.id,
                    message: e.message,
                })
                .collect(),
        )
    })?;
    let examples_started = std::time::Instant::now();
    check_examples(&matcher, &origins, &mut errors);
    tracing::debug!(
        compile_ms = (examples_started - compile_started).as_millis() as u64,
        examples_ms = examples_started.elapsed().as_millis() as u64,
        "rules compiled and examples checked"
    );
    if errors.is_empty() {
        Ok(matcher.with_fresh_caches())
    } else {
        Err(LoadError(errors))
    }
}
