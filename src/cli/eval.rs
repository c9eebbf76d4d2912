//! `eval FILE.tsv`: precision, recall and F1 of the rules on a labelled file.
//!
//! The file has a header row naming at least the columns `text`, `label`
//! and `lang` (any order, more columns allowed), tab-separated, no quoting.
//! Labels are intent names or `none`; conversational intents (help,
//! greeting) count as `none`, since they are not requests.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde::Serialize;

use super::EvalArgs;
use crate::intent::IntentKind;
use crate::knowledge::Knowledge;

/// Words that make a `none` line a look-alike: it mentions cancelling,
/// refunding, closing or deleting something that is not a subscription or
/// account request. Kept independent of the rules so the figure cannot be
/// tuned by the rules themselves.
///
/// Lines of files with a `source_label` column also count when the source's
/// own label names such an action (`alarm/cancel_alarm`, `cancel transfer`):
/// that is how look-alikes in languages without a word list here are found.
const LOOKALIKE_WORDS: &str = r"(?i)\b(cancel\w*|refund\w*|clos\w*|delet\w*|terminat\w*|unsubscrib\w*|remove|stop\w*|end|money back|avslutt\w*|avlys\w*|avbestill\w*|si opp|sei opp|slett\w*|refusjon\w*|kanseller\w*|avbryt\w*|stopp\w*|lukk\w*|fjern\w*)\b";

/// Source labels of look-alike `none` lines (see [`LOOKALIKE_WORDS`]).
const LOOKALIKE_SOURCE_LABELS: &str =
    r"(?i)cancel|delet|remov|terminat|clos|stop|snooze|unsubscrib";

#[derive(Debug, Clone, Default, Serialize)]
struct Score {
    precision: f64,
    recall: f64,
    f1: f64,
    support: usize,
    /// Lines predicted as this intent.
    predicted: usize,
}

#[derive(Debug, Default, Serialize)]
struct Figures {
    lines: usize,
    macro_f1: f64,
    per_intent: BTreeMap<String, Score>,
    none_fpr: f64,
    none_support: usize,
    lookalike_fpr: f64,
    lookalike_support: usize,
    /// Lines read with a misspelled keyword corrected.
    typo_corrected: usize,
    /// Rules behind false fires on `none` lines, most frequent first.
    false_fire_rules: Vec<(String, usize)>,
}

#[derive(Debug, Serialize)]
struct Report {
    #[serde(flatten)]
    all: Figures,
    by_lang: BTreeMap<String, Figures>,
    msgs_per_sec: f64,
}

struct Row {
    text: String,
    label: String,
    lang: String,
    source_label: Option<String>,
}

/// What the rules said about one row.
struct Prediction {
    intent: String,
    rule: Option<String>,
    corrected: bool,
}

/// Runs the evaluation and prints the report.
pub fn run(knowledge: &Knowledge, args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let rows = read_rows(&args.file, knowledge)?;
    let intents: Vec<String> = knowledge
        .matcher
        .intents()
        .iter()
        .filter(|i| i.kind == IntentKind::Request)
        .map(|i| i.name.clone())
        .collect();
    let predictions: Vec<Prediction> = rows
        .iter()
        .map(|r| {
            let c = knowledge.matcher.classify(&r.text);
            Prediction {
                intent: c
                    .top()
                    .map_or_else(|| "none".to_owned(), |k| k.intent.clone()),
                rule: c.top().map(|k| k.rule.clone()),
                corrected: !c.corrections.is_empty(),
            }
        })
        .collect();
    let lookalike = LookAlike {
        words: regex::Regex::new(LOOKALIKE_WORDS).context("look-alike pattern")?,
        source_labels: regex::Regex::new(LOOKALIKE_SOURCE_LABELS)
            .context("look-alike source labels")?,
    };
    let all: Vec<usize> = (0..rows.len()).collect();
    let mut by_lang: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_lang.entry(r.lang.clone()).or_default().push(i);
    }
    let figures = |subset: &[usize]| score(subset, &rows, &predictions, &intents, &lookalike);
    let report = Report {
        all: figures(&all),
        by_lang: by_lang
            .iter()
            .map(|(l, s)| (l.clone(), figures(s)))
            .collect(),
        msgs_per_sec: throughput(knowledge, &rows),
    };
    print_report(&report, &intents, args.json)?;
    Ok(ExitCode::SUCCESS)
}

fn read_rows(path: &std::path::Path, knowledge: &Knowledge) -> anyhow::Result<Vec<Row>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .with_context(|| format!("{}: empty file; expected a header row", path.display()))?
        .split('\t')
        .collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .with_context(|| {
                format!(
                    "{}:1: no {name:?} column in the header (found: {})",
                    path.display(),
                    header.join(", ")
                )
            })
    };
    let (ti, li, gi) = (column("text")?, column("label")?, column("lang")?);
    let si = header.iter().position(|h| h.trim() == "source_label");
    let mut known: Vec<&str> = knowledge
        .matcher
        .intents()
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    known.push("none");
    let mut rows = Vec::new();
    for (n, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        let cell = |i: usize| cells.get(i).copied();
        let (Some(text), Some(label), Some(lang)) = (cell(ti), cell(li), cell(gi)) else {
            bail!(
                "{}:{}: expected at least {} tab-separated columns, found {}",
                path.display(),
                n + 2,
                header.len().min(3),
                cells.len()
            );
        };
        if !known.contains(&label) {
            bail!(
                "{}:{}: unknown label {label:?}; expected one of {}",
                path.display(),
                n + 2,
                known.join(", ")
            );
        }
        rows.push(Row {
            text: text.to_owned(),
            label: label.to_owned(),
            lang: lang.to_owned(),
            source_label: si.and_then(cell).map(str::to_owned),
        });
    }
    Ok(rows)
}

/// Tells look-alike `none` lines apart (see [`LOOKALIKE_WORDS`]).
struct LookAlike {
    words: regex::Regex,
    source_labels: regex::Regex,
}

impl LookAlike {
    fn is_match(&self, row: &Row) -> bool {
        self.words.is_match(&row.text)
            || row
                .source_label
                .as_deref()
                .is_some_and(|l| self.source_labels.is_match(l))
    }
}

fn score(
    subset: &[usize],
    rows: &[Row],
    predictions: &[Prediction],
    intents: &[String],
    lookalike: &LookAlike,
) -> Figures {
    let mut figures = Figures {
        lines: subset.len(),
        ..Figures::default()
    };
    let mut f1_sum = 0.0;
    let mut defined = 0usize;
    for intent in intents {
        let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
        for &i in subset {
            let gold = rows[i].label == *intent;
            let said = predictions[i].intent == *intent;
            match (gold, said) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fn_ += 1,
                (false, false) => {}
            }
        }
        let precision = ratio(tp, tp + fp, 1.0);
        let recall = ratio(tp, tp + fn_, 1.0);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        // An intent with neither positives nor predictions in this subset
        // says nothing about it; averaging in its vacuous 1.0 would flatter
        // the macro figure of every language without that intent.
        if tp + fp + fn_ > 0 {
            f1_sum += f1;
            defined += 1;
        }
        figures.per_intent.insert(
            intent.clone(),
            Score {
                precision,
                recall,
                f1,
                support: tp + fn_,
                predicted: tp + fp,
            },
        );
    }
    figures.macro_f1 = if defined == 0 {
        1.0
    } else {
        f1_sum / defined as f64
    };
    let none: Vec<usize> = subset
        .iter()
        .copied()
        .filter(|&i| !intents.contains(&rows[i].label))
        .collect();
    let fired = |set: &[usize]| {
        set.iter()
            .filter(|&&i| predictions[i].intent != "none")
            .count()
    };
    figures.none_support = none.len();
    figures.none_fpr = ratio(fired(&none), none.len(), 0.0);
    let looks: Vec<usize> = none
        .iter()
        .copied()
        .filter(|&i| lookalike.is_match(&rows[i]))
        .collect();
    figures.lookalike_support = looks.len();
    figures.lookalike_fpr = ratio(fired(&looks), looks.len(), 0.0);
    figures.typo_corrected = subset.iter().filter(|&&i| predictions[i].corrected).count();
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for &i in &none {
        if let Some(rule) = &predictions[i].rule {
            *by_rule.entry(rule.as_str()).or_default() += 1;
        }
    }
    let mut by_rule: Vec<(String, usize)> = by_rule
        .into_iter()
        .map(|(r, n)| (r.to_owned(), n))
        .collect();
    by_rule.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    figures.false_fire_rules = by_rule;
    figures
}

fn ratio(num: usize, den: usize, empty: f64) -> f64 {
    if den == 0 {
        empty
    } else {
        num as f64 / den as f64
    }
}

/// Messages per second of `classify` over the file, repeated for at least
/// half a second so short files still give a stable figure.
fn throughput(knowledge: &Knowledge, rows: &[Row]) -> f64 {
    if rows.is_empty() {
        return 0.0;
    }
    let start = Instant::now();
    let mut count = 0usize;
    while start.elapsed() < Duration::from_millis(500) {
        for r in rows {
            std::hint::black_box(knowledge.matcher.classify(&r.text));
        }
        count += rows.len();
    }
    count as f64 / start.elapsed().as_secs_f64()
}

fn print_report(report: &Report, intents: &[String], json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let print_figures = |out: &mut dyn Write, name: &str, f: &Figures| -> std::io::Result<()> {
        writeln!(out, "{name} ({} lines)", f.lines)?;
        writeln!(
            out,
            "  {:<10} {:>9} {:>9} {:>9} {:>8}",
            "intent", "precision", "recall", "f1", "support"
        )?;
        for intent in intents {
            if let Some(s) = f.per_intent.get(intent) {
                // Without positives (or predictions) a figure would be a
                // meaningless 1.000: say so instead.
                let shown = |value: f64, defined: bool| {
                    if defined {
                        format!("{value:.3}")
                    } else {
                        "n/a".to_owned()
                    }
                };
                writeln!(
                    out,
                    "  {intent:<10} {:>9} {:>9} {:>9} {:>8}",
                    shown(s.precision, s.predicted > 0),
                    shown(s.recall, s.support > 0),
                    shown(s.f1, s.support > 0 || s.predicted > 0),
                    s.support
                )?;
            }
        }
        writeln!(
            out,
            "  macro-F1 {:.3} (over intents with positives or predictions)",
            f.macro_f1
        )?;
        writeln!(
            out,
            "  false fires on none: {:.2}% of {}",
            100.0 * f.none_fpr,
            f.none_support
        )?;
        writeln!(
            out,
            "  false fires on look-alike none: {:.2}% of {}",
            100.0 * f.lookalike_fpr,
            f.lookalike_support
        )?;
        if !f.false_fire_rules.is_empty() {
            let top: Vec<String> = f
                .false_fire_rules
                .iter()
                .take(5)
                .map(|(rule, n)| format!("{rule} ×{n}"))
                .collect();
            writeln!(out, "  false fires by rule: {}", top.join(", "))?;
        }
        if f.typo_corrected > 0 {
            writeln!(
                out,
                "  read with a typo corrected: {} lines",
                f.typo_corrected
            )?;
        }
        Ok(())
    };
    print_figures(&mut out, "all", &report.all)?;
    for (lang, f) in &report.by_lang {
        print_figures(&mut out, &format!("lang {lang}"), f)?;
    }
    writeln!(
        out,
        "throughput: {:.0} messages/s (classification only, one thread)",
        report.msgs_per_sec
    )?;
    if json {
        writeln!(out, "{}", serde_json::to_string(report)?)?;
    }
    Ok(())
}
