//! `intents check [DIR]`: the same validation a reload runs, with a report.

use std::process::ExitCode;

use crate::knowledge::{Knowledge, KnowledgeSource};

/// Validates the rules and articles of `source`; exit code 1 when anything
/// is wrong.
pub fn run(source: &KnowledgeSource) -> ExitCode {
    let origin = &source.origin;
    match Knowledge::load(source) {
        Ok(k) => {
            let intents = k.matcher.intents().len();
            println!(
                "ok: {origin}: {intents} intents, {} rules, {} guards, answers in {}",
                k.matcher.rule_count(),
                k.matcher.guard_count(),
                k.catalog.locales().join(", ")
            );
            let unfiltered = k.matcher.unfiltered_patterns();
            if !unfiltered.is_empty() {
                println!(
                    "note: {} patterns start without a keyword and run on every message (start them with a word to make them cheap): {}",
                    unfiltered.len(),
                    unfiltered.join(", ")
                );
            }
            let default = k.negotiator.default_locale();
            for m in &k.missing {
                println!(
                    "warning: answers/{}/{}.md is missing; {} users get it from the next locale in their chain (ends in {default})",
                    m.locale, m.key, m.locale
                );
            }
            for skipped in &k.skipped_articles {
                println!("warning: skipped article: {skipped}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {origin}: {e}");
            ExitCode::from(1)
        }
    }
}
