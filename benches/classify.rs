//! Classification throughput and start-up time.
//!
//! - `classify/shipped`: the real rules (every shipped language) over every
//!   line of ../shared/eval/dev.tsv and dev-ml.tsv, interleaved.
//! - `classify/500-patterns-20-languages`: the shipped rules plus generated
//!   rules for 18 more languages (pseudo-words with non-ASCII letters, same
//!   shape as real rules) to reach 500 patterns, over the same messages.
//! - `classify/unicode-regexset-reference`: the same 500 patterns in a
//!   `regex::RegexSet`s (50 patterns each: one set of 500 does not compile
//!   within 256 MiB) with Unicode `\b` on unescaped text, the design this
//!   engine replaces.
//! - `startup/knowledge-load`: embedded rules, locales and templates to a
//!   ready, validated `Knowledge`.
//!
//! Results and the machine they ran on are in docs/benchmarks.md.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use supportbot::intent::matcher::{IntentInfo, Matcher, PatternDef};
use supportbot::intent::slots::SlotExtractor;
use supportbot::intent::IntentKind;
use supportbot::source::{Origin, SourceTree};
use supportbot::Knowledge;

const TARGET_PATTERNS: usize = 500;
/// Messages run through the (slow) Unicode reference set.
const REFERENCE_SAMPLE: usize = 1_000;
/// Patterns per Unicode reference set.
const REFERENCE_CHUNK: usize = 50;

/// Every message of dev.tsv and dev-ml.tsv, interleaved line by line so
/// every timed slice mixes the languages.
fn messages() -> Vec<String> {
    let read = |name: &str| -> Vec<String> {
        let path = format!("{}/../shared/eval/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap_or_default();
        text.lines()
            .skip(1)
            .filter_map(|l| l.split('\t').next())
            .map(str::to_owned)
            .collect()
    };
    let (dev, ml) = (read("dev.tsv"), read("dev-ml.tsv"));
    let mut lines = Vec::with_capacity(dev.len() + ml.len());
    let mut ml = ml.into_iter();
    for line in dev {
        lines.push(line);
        lines.extend(ml.next());
    }
    lines.extend(ml);
    if lines.is_empty() {
        lines = vec![
            "How do I cancel my subscription?".into(),
            "avlys møtet".into(),
        ];
    }
    lines
}

/// Deterministic pseudo-words over an alphabet with non-ASCII letters, so
/// generated languages exercise the escape encoding like real ones would.
fn pseudo_word(seed: &mut u64, alphabet: &[char]) -> String {
    let mut w = String::new();
    let len = 4 + (*seed % 5) as usize;
    for _ in 0..len {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        w.push(alphabet[((*seed >> 33) as usize) % alphabet.len()]);
    }
    w
}

/// The shipped rules plus generated languages up to `TARGET_PATTERNS`.
fn big_rule_set() -> (Vec<IntentInfo>, Vec<PatternDef>, Vec<PatternDef>) {
    let intents: Vec<IntentInfo> = ["cancel", "refund", "close"]
        .iter()
        .map(|n| IntentInfo {
            name: (*n).into(),
            kind: IntentKind::Request,
            description: String::new(),
            answer: (*n).into(),
            article: None,
            priority: 0,
        })
        .collect();
    let mut patterns = Vec::new();
    let tree = SourceTree::read(&Origin::Embedded).expect("embedded rules");
    for file in tree.root_files(".toml").chain(tree.under("lang")) {
        if let Ok(v) = toml::from_str::<toml::Value>(&file.text) {
            collect(&v, &mut patterns);
        }
    }
    let alphabets: [&[char]; 6] = [
        &[
            'a', 'e', 'i', 'o', 'u', 'n', 'r', 's', 't', 'l', 'ä', 'ö', 'ü',
        ],
        &['a', 'e', 'o', 'k', 'l', 'm', 'n', 'p', 'r', 'ø', 'å', 'æ'],
        &['а', 'е', 'и', 'о', 'н', 'т', 'р', 'с', 'л', 'в', 'к'],
        &['a', 'c', 'e', 'i', 'n', 'r', 's', 'z', 'ł', 'ę', 'ą', 'ó'],
        &['a', 'e', 'i', 'o', 'u', 'c', 'n', 't', 'é', 'è', 'à', 'ç'],
        &['α', 'ε', 'ι', 'ο', 'ν', 'τ', 'ρ', 'σ', 'λ', 'κ', 'μ'],
    ];
    // The shipped rules alone may already exceed the target.
    patterns.truncate(TARGET_PATTERNS);
    let mut seed = 7u64;
    let mut lang = 0;
    while patterns.len() < TARGET_PATTERNS {
        let alphabet = alphabets[lang % alphabets.len()];
        for _ in 0..26 {
            if patterns.len() >= TARGET_PATTERNS {
                break;
            }
            let verbs: Vec<String> = (0..4).map(|_| pseudo_word(&mut seed, alphabet)).collect();
            let objects: Vec<String> = (0..5).map(|_| pseudo_word(&mut seed, alphabet)).collect();
            patterns.push(format!(
                r"\b(?:{})\w*\W+(?:\w+\W+){{0,4}}?(?:{})\w*\b",
                verbs.join("|"),
                objects.join("|")
            ));
        }
        lang += 1;
    }
    let rules = patterns
        .iter()
        .enumerate()
        .map(|(i, p)| PatternDef {
            id: format!("bench/{i}"),
            intent: i % 3,
            lang: format!("l{}", i / 26),
            pattern: p.clone(),
            weight: 1.0,
            guards: Vec::new(),
        })
        .collect();
    (intents, rules, Vec::new())
}

fn collect(value: &toml::Value, out: &mut Vec<String>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                match (k.as_str(), v) {
                    ("pattern", toml::Value::String(p)) => out.push(p.clone()),
                    _ => collect(v, out),
                }
            }
        }
        toml::Value::Array(a) => a.iter().for_each(|v| collect(v, out)),
        _ => {}
    }
}

fn bench_classify(c: &mut Criterion) {
    let messages = messages();
    let knowledge = Knowledge::load(&supportbot::knowledge::KnowledgeSource::embedded())
        .expect("embedded knowledge");
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.sample_size(20);
    group.bench_function("shipped", |b| {
        b.iter(|| {
            for m in &messages {
                black_box(knowledge.matcher.classify(m));
            }
        })
    });
    let (intents, rules, guards) = big_rule_set();
    let sources: Vec<String> = rules.iter().map(|r| r.pattern.clone()).collect();
    assert_eq!(rules.len(), TARGET_PATTERNS);
    let engine = Matcher::build(intents, rules, guards, SlotExtractor::default()).expect("builds");
    group.bench_function("500-patterns-20-languages", |b| {
        b.iter(|| {
            for m in &messages {
                black_box(engine.classify(m));
            }
        })
    });
    // One Unicode set of 500 patterns exceeds any sane compile limit (that is
    // the point of the ASCII-safe design), so the reference runs sets of
    // REFERENCE_CHUNK patterns one after another.
    let reference: Vec<regex::RegexSet> = sources
        .chunks(REFERENCE_CHUNK)
        .map(|chunk| {
            regex::RegexSetBuilder::new(
                chunk
                    .iter()
                    .map(|p| supportbot::intent::ascii_safe::prepare_source(p)),
            )
            .case_insensitive(true)
            .size_limit(1 << 28)
            .build()
            .expect("reference chunk builds")
        })
        .collect();
    // The reference is ~1000x slower; a slice of the messages keeps its run
    // (and `cargo test --all-targets`, which runs each benchmark once) short.
    let sample = &messages[..messages.len().min(REFERENCE_SAMPLE)];
    let unescaped: Vec<String> = sample
        .iter()
        .map(|m| supportbot::intent::normalize::normalize(m).unescaped())
        .collect();
    group.sample_size(10);
    group.throughput(Throughput::Elements(sample.len() as u64));
    group.bench_function("unicode-regexset-reference", |b| {
        b.iter(|| {
            for m in &unescaped {
                for set in &reference {
                    black_box(set.matches(m));
                }
            }
        })
    });
    group.finish();
}

fn bench_startup(c: &mut Criterion) {
    let mut group = c.benchmark_group("startup");
    group.sample_size(10);
    group.bench_function("knowledge-load", |b| {
        b.iter(|| {
            black_box(
                Knowledge::load(&supportbot::knowledge::KnowledgeSource::embedded())
                    .expect("loads"),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench_classify, bench_startup);
criterion_main!(benches);
