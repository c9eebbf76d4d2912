//! The ASCII-safe engine must agree with a Unicode-`\b` reference engine on
//! real text: every pattern of the shipped rules, plus patterns aimed at
//! Nordic letters next to keywords, over every line of ../shared/eval/dev.tsv
//! and dev-ml.tsv (Arabic and 17 more languages) and a set of constructed
//! edge cases.

mod common;

use regex_automata::meta::Regex;
use supportbot::intent::ascii_safe::{compile, prepare_source};
use supportbot::intent::normalize::normalize;
use supportbot::source::{Origin, SourceTree};

/// Patterns exercising word boundaries around non-ASCII letters.
const EXTRA: &[&str] = &[
    r"\bfå\b",
    r"\bf\b",
    r"\bopp\b",
    r"\bø\w*",
    r"\w+æ\b",
    r"[^a-z\s]+",
    r"\B\w\B",
    r"\bs\w*t\b",
    r"(?-i)\bjeg\b",
    r"\d+\s*kr\b",
    r"[æøå]{2,}",
    r"\p{L}+\s+\p{L}+",
];

fn patterns() -> Vec<String> {
    let tree = SourceTree::read(&Origin::Dir(common::intents_dir())).expect("intents readable");
    let mut out: Vec<String> = EXTRA.iter().map(|p| (*p).to_owned()).collect();
    // Intent files, language files and anything else with patterns.
    for file in tree.files.iter().filter(|f| f.path.ends_with(".toml")) {
        let value: toml::Value = toml::from_str(&file.text).expect("toml");
        collect_patterns(&value, &mut out);
    }
    out
}

fn collect_patterns(value: &toml::Value, out: &mut Vec<String>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                match (k.as_str(), v) {
                    ("pattern", toml::Value::String(p)) => out.push(p.clone()),
                    _ => collect_patterns(v, out),
                }
            }
        }
        toml::Value::Array(a) => a.iter().for_each(|v| collect_patterns(v, out)),
        _ => {}
    }
}

fn lines() -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for file in ["eval/dev.tsv", "eval/dev-ml.tsv"] {
        let text = std::fs::read_to_string(common::shared(file)).expect(file);
        lines.extend(
            text.lines()
                .skip(1)
                .filter_map(|l| l.split('\t').next())
                .map(str::to_owned),
        );
    }
    lines.extend(
        [
            "få",
            "Få",
            "FÅ meg ut",
            "fø",
            "sø opp",
            "søopp",
            "oppø",
            "æopp",
            "Æ",
            "blåbær",
            "si opp abonnementet",
            "sei opp",
            "c\u{200b}ancel",
            "ｃａｎｃｅｌ",
            "ß",
            "İstanbul",
            "ﬁnal",
            "e\u{301}cole",
            "日本語で解約",
            "ملاحظة إلغاء",
            "отменить подписку",
            "2000 kr",
            "«avslutt»",
            "don’t",
            "a\u{00a0}b",
            "x_y",
            "_å_",
        ]
        .map(str::to_owned),
    );
    lines
}

#[test]
fn ascii_safe_engine_matches_unicode_reference_on_the_eval_set() {
    let patterns = patterns();
    assert!(patterns.len() > 40, "rules were found");
    let fast: Vec<Regex> = patterns
        .iter()
        .map(|p| {
            Regex::builder()
                .build_from_hir(&compile(p).expect("compiles"))
                .expect("builds")
        })
        .collect();
    let reference = regex::RegexSetBuilder::new(patterns.iter().map(|p| prepare_source(p)))
        .case_insensitive(true)
        .size_limit(1 << 28)
        .build()
        .expect("reference set builds");
    let mut disagreements = Vec::new();
    let lines = lines();
    for line in &lines {
        let n = normalize(line);
        let want = reference.matches(&n.unescaped());
        for (i, regex) in fast.iter().enumerate() {
            let got = regex.is_match(n.as_str());
            if got != want.matched(i) {
                disagreements.push(format!(
                    "{:?} on {line:?}: fast {got}, reference {}",
                    patterns[i], !got
                ));
            }
        }
    }
    assert!(lines.len() > 40_000);
    assert!(
        disagreements.is_empty(),
        "{} disagreements, e.g.:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
