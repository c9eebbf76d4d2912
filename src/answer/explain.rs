//! Human-readable explanations of a classification, for `supportbot
//! explain` and the `/why` command. Technical output for support agents, so
//! it is not localized.

use std::fmt::Write;

use crate::intent::Explanation;
use crate::locale::LocaleChain;

/// Renders an explanation as markdown: every rule that matched, whether it
/// fired or which guard vetoed it, with spans, the result and the locale
/// chain.
pub fn explain_markdown(explanation: &Explanation, chain: &LocaleChain) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Normalised text: `{}`", explanation.normalized);
    let corrections = &explanation.classification.corrections;
    if !corrections.is_empty() {
        let read: Vec<String> = corrections
            .iter()
            .map(|c| format!("\"{}\" as \"{}\"", c.from, c.to))
            .collect();
        let _ = writeln!(
            out,
            "Read with typos corrected: {} (spans below are in the corrected text).",
            read.join(", ")
        );
    }
    if explanation.hits.is_empty() {
        out.push_str("No rule matched.\n");
    }
    for hit in &explanation.hits {
        let _ = write!(
            out,
            "- {} `{}` (weight {}) matched \"{}\" at {}..{}",
            if hit.vetoed_by.is_empty() {
                "fired"
            } else {
                "vetoed"
            },
            hit.rule,
            hit.weight,
            hit.text,
            hit.span.start,
            hit.span.end
        );
        for guard in &hit.vetoed_by {
            let _ = write!(
                out,
                "; guard `{}` matched \"{}\" at {}..{}",
                guard.guard, guard.text, guard.span.start, guard.span.end
            );
        }
        out.push('\n');
    }
    let c = &explanation.classification;
    match c.top() {
        Some(_) if c.is_ambiguous() => {
            let names: Vec<&str> = c.candidates.iter().map(|k| k.intent.as_str()).collect();
            let _ = writeln!(
                out,
                "Result: ambiguous between {}; the user is offered the choices.",
                names.join(", ")
            );
        }
        Some(top) => {
            let _ = writeln!(out, "Result: {} (rule `{}`)", top.intent, top.rule);
        }
        None => match &c.topic {
            Some(t) => {
                let _ = writeln!(
                    out,
                    "Result: no request; conversation topic {} (rule `{}`)",
                    t.intent, t.rule
                );
            }
            None => out.push_str("Result: none\n"),
        },
    }
    if let Some(id) = &c.slots.subscription_id {
        let _ = writeln!(out, "Subscription id: {id}");
    }
    if let Some(p) = &c.slots.product {
        let _ = writeln!(out, "Product: {p}");
    }
    if !c.langs.is_empty() {
        let _ = writeln!(out, "Rule languages: {}", c.langs.join(", "));
    }
    let source = serde_json::to_value(chain.source)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let _ = writeln!(out, "Locale chain: {} ({source})", chain.chain.join(" → "));
    out
}
