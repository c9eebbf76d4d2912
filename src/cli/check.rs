//! `intents check [DIR]`: the same validation a reload runs, with a report.

use std::process::ExitCode;

use crate::knowledge::Knowledge;
use crate::source::Origin;

/// Validates the tree at `origin`; exit code 1 when anything is wrong.
pub fn run(origin: &Origin) -> ExitCode {
    match Knowledge::load(origin) {
        Ok(k) => {
            let intents = k.engine.intents().len();
            println!(
                "ok: {origin}: {intents} intents, {} rules, {} guards, answers in {}",
                k.engine.rule_count(),
                k.engine.guard_count(),
                k.catalog.locales().join(", ")
            );
            let default = k.negotiator.default_locale();
            for m in &k.missing {
                println!(
                    "warning: answers/{}/{}.md is missing; {} users get it from the next locale in their chain (ends in {default})",
                    m.locale, m.key, m.locale
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {origin}: {e}");
            ExitCode::from(1)
        }
    }
}
