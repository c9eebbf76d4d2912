//! The ASCII-safe engine must agree with a Unicode-`\b` reference engine on
//! real text: every pattern of the shipped rules, plus patterns aimed at
//! Nordic letters next to keywords, over every line of ../shared/eval/dev.tsv
//! and dev-ml.tsv (Arabic and 17 more languages) and a set of constructed
//! edge cases.

mod common;

use supportbot::intent::ascii_safe::prepare_source;
use supportbot::intent::normalize::normalize;
use supportbot::intent::pattern::compile_single;
use supportbot::intent::prefilter::Prefilter;
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

/// Literals one of which every match of `pattern` starts with, as an
/// Aho-Corasick automaton; `None` when the pattern has no such finite set
/// (then every line is checked). Sound because regex-syntax's prefix
/// extraction only ever over-approximates: a line without any of the
/// literals cannot match.
fn prefix_filter(pattern: &str) -> Option<aho_corasick::AhoCorasick> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = supportbot::intent::ascii_safe::parse_reference(pattern).ok()?;
    let mut extractor = Extractor::new();
    extractor
        .kind(ExtractKind::Prefix)
        .limit_class(64)
        .limit_total(4096)
        .limit_literal_len(6);
    let seq = extractor.extract(&hir);
    let literals = seq.literals()?;
    if literals.is_empty() || literals.iter().any(|l| l.as_bytes().is_empty()) {
        return None;
    }
    aho_corasick::AhoCorasick::new(literals.iter().map(|l| l.as_bytes())).ok()
}

#[test]
fn ascii_safe_engine_matches_unicode_reference_on_the_eval_set() {
    let patterns = patterns();
    assert!(patterns.len() > 40, "rules were found");
    // The fast side as the matcher runs it: the keyword prefilter over
    // each pattern's own ASCII-safe regex.
    let (hirs, singles): (Vec<_>, Vec<_>) = patterns
        .iter()
        .map(|p| compile_single(p).expect("compiles"))
        .unzip();
    let fast = Prefilter::build(&hirs).expect("prefilter builds");
    let reference: Vec<regex::Regex> = patterns
        .iter()
        .map(|p| {
            regex::RegexBuilder::new(&prepare_source(p))
                .case_insensitive(true)
                .size_limit(1 << 26)
                .build()
                .expect("reference builds")
        })
        .collect();
    let filters: Vec<Option<aho_corasick::AhoCorasick>> =
        patterns.iter().map(|p| prefix_filter(p)).collect();
    let mut disagreements = Vec::new();
    let lines = lines();
    let mut compared = 0usize;
    for line in &lines {
        let n = normalize(line);
        let unescaped = n.unescaped();
        let got = fast.scan(n.as_str(), &singles);
        for (i, regex) in reference.iter().enumerate() {
            let fast_says = got.contains(regex_automata::PatternID::new_unchecked(i));
            let possible = filters[i]
                .as_ref()
                .is_none_or(|f| f.is_match(unescaped.as_bytes()));
            let want = possible && {
                compared += 1;
                regex.is_match(&unescaped)
            };
            if fast_says != want {
                disagreements.push(format!(
                    "{:?} on {line:?}: fast {fast_says}, reference {want}",
                    patterns[i]
                ));
            }
        }
    }
    assert!(lines.len() > 40_000);
    eprintln!(
        "{} patterns × {} lines; {compared} pairs run through the reference",
        patterns.len(),
        lines.len()
    );
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
