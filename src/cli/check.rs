//! `intents check [DIR]`: the same validation a reload runs, with a report.

use std::collections::BTreeMap;
use std::process::ExitCode;

use crate::knowledge::{Knowledge, KnowledgeSource};
use crate::transport::discord::commands;

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
            let mut by_locale: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for m in &k.missing {
                by_locale.entry(&m.locale).or_default().push(&m.key);
            }
            for (locale, keys) in by_locale {
                match keys.as_slice() {
                    [key] => println!(
                        "warning: answers/{locale}/{key}.md is missing; {locale} users get it from the next locale in their chain (ends in {default})"
                    ),
                    keys => println!(
                        "warning: answers/{locale}/ lacks {} answers ({}); {locale} users get them from the next locale in their chain (ends in {default})",
                        keys.len(),
                        keys.join(", ")
                    ),
                }
            }
            // The texts validate on their own; building the registration
            // also checks them against the commands the Discord transport
            // defines (every default text present, size limits).
            match commands::definitions(&k.commands) {
                Ok(_) => {
                    let locales: Vec<String> = k
                        .commands
                        .locales()
                        .map(|(tag, _)| match commands::discord_locale(tag) {
                            Some(code) if code != tag => format!("{tag} (Discord {code})"),
                            Some(_) => tag.to_owned(),
                            None => format!("{tag} (no Discord locale)"),
                        })
                        .collect();
                    println!("slash commands in: {}", locales.join(", "));
                }
                Err(e) => {
                    eprintln!("error: {origin}: {e}");
                    return ExitCode::from(1);
                }
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
