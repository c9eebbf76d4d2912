//! Every shipped language, driven through the binary: what a user writing
//! in that language gets back. The rule files' own examples say what each
//! language must understand; these tests add what `intents check` cannot
//! see: the reply locale a message gets without any platform hint, that the
//! locale has its own help answers, and the script families whose text
//! breaks naive matching (no spaces, right-to-left with bidi marks,
//! compounds, Turkish casing).

mod common;

use std::collections::BTreeMap;

use common::{intents_dir, stdout_of, supportbot};
use serde_json::Value;

/// Help answers every language with rules must have in its own locale.
const HELP_ANSWERS: [&str; 7] = [
    "cancel", "refund", "close", "help", "greeting", "none", "handoff",
];

/// `[languages]` of locales.toml: rule language -> reply locale.
fn language_locales() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(intents_dir().join("locales.toml")).expect("locales.toml");
    let value: toml::Value = toml::from_str(&text).expect("locales.toml parses");
    value["languages"]
        .as_table()
        .expect("[languages]")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("locale string").to_owned()))
        .collect()
}

/// Language files with rules (variant files hold only markers), with the
/// intent-level examples of each: (intent, example).
fn languages_with_examples() -> BTreeMap<String, Vec<(String, String)>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(intents_dir().join("lang")).expect("intents/lang") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("language file");
        let value: toml::Value = toml::from_str(&text).expect("language file parses");
        let lang = value["lang"].as_str().expect("lang").to_owned();
        let Some(intents) = value.get("intent").and_then(toml::Value::as_table) else {
            continue;
        };
        let mut examples = Vec::new();
        for (intent, section) in intents {
            for e in section
                .get("examples")
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
            {
                examples.push((intent.clone(), e.as_str().expect("example").to_owned()));
            }
        }
        out.insert(lang, examples);
    }
    out
}

/// One `classify --json` run over `lines`; one JSON value per line.
fn classify(lines: &[&str]) -> Vec<Value> {
    let input = lines.join("\n") + "\n";
    let out = supportbot()
        .args(["classify", "--json"])
        .write_stdin(input)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", common::stderr_of(&out));
    stdout_of(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

#[test]
fn every_language_answers_its_own_examples_in_its_own_locale() {
    let locales = language_locales();
    let languages = languages_with_examples();
    let mut lines: Vec<&str> = Vec::new();
    let mut expected: Vec<(&str, &str, &str)> = Vec::new();
    for (lang, examples) in &languages {
        let locale = locales
            .get(lang)
            .unwrap_or_else(|| panic!("{lang} has rules but no [languages] entry"));
        for (intent, example) in examples {
            lines.push(example);
            expected.push((lang, intent, locale));
        }
    }
    let results = classify(&lines);
    assert_eq!(results.len(), lines.len());
    let mut wrong = Vec::new();
    for ((result, line), (lang, intent, locale)) in results.iter().zip(&lines).zip(&expected) {
        let got = result["intent"]
            .as_str()
            .or_else(|| result["topic"].as_str())
            .unwrap_or("none");
        let got_locale = result["locale"].as_str().unwrap_or_default();
        // A variant (pt-PT for pt, zh-TW for zh) may refine the locale.
        let base = |l: &str| l.split('-').next().unwrap_or_default().to_owned();
        if got != *intent || base(got_locale) != base(locale) {
            wrong.push(format!(
                "[{lang}] {line:?}: got {got} in {got_locale}, want {intent} in {locale}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_language_with_rules_has_its_own_help_answers() {
    let locales = language_locales();
    let mut missing = Vec::new();
    for lang in languages_with_examples().keys() {
        let locale = &locales[lang];
        for answer in HELP_ANSWERS {
            let path = intents_dir()
                .join("answers")
                .join(locale)
                .join(format!("{answer}.md"));
            if !path.is_file() {
                missing.push(format!("{lang}: {}", path.display()));
            }
        }
    }
    assert!(missing.is_empty(), "missing:\n{}", missing.join("\n"));
}
