//! Every rule's and guard's must/must-not examples, run through the
//! finished matcher.

use super::*;

/// Checks every section's examples, on two threads when there are many:
/// with every language loaded this is a third of start-up. Problems come
/// out in section order either way.
pub(super) fn check_examples(engine: &Matcher, origins: &[Origin], errors: &mut Vec<RuleError>) {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if threads < 2 || origins.len() < 16 {
        check_sections(engine, origins, errors);
        return;
    }
    let (first, second) = origins.split_at(origins.len() / 2);
    let mut later = Vec::new();
    let finished = std::thread::scope(|scope| {
        let handle = scope.spawn(|| check_sections(engine, second, &mut later));
        check_sections(engine, first, errors);
        handle.join()
    });
    match finished {
        Ok(()) => errors.append(&mut later),
        // The thread died mid-check (a bug, not bad rules): check its half
        // again here rather than accept rules nobody checked.
        Err(_) => check_sections(engine, second, errors),
    }
}

fn check_sections(engine: &Matcher, origins: &[Origin], errors: &mut Vec<RuleError>) {
    for origin in origins {
        let err = |subject: &str, message: String| RuleError {
            file: origin.file.clone(),
            subject: subject.to_owned(),
            message,
        };
        for (id, examples, counter) in &origin.rule_examples {
            let subject = format!("rule {id}");
            for example in examples {
                if engine.rule_fires(id, example) != Some(true) {
                    errors.push(err(&subject, why_not(engine, id, example)));
                }
            }
            for example in counter {
                if engine.rule_fires(id, example) == Some(true) {
                    errors.push(err(
                        &subject,
                        format!("counter-example {example:?} fires this rule; tighten the pattern or add a guard"),
                    ));
                }
            }
        }
        for (id, examples) in &origin.guard_examples {
            for example in examples {
                if engine.guard_matches(id, example) != Some(true) {
                    errors.push(err(
                        &format!("guard {id}"),
                        format!("example {example:?} does not match this guard"),
                    ));
                }
            }
        }
        for (intent, _lang, examples, counter) in &origin.intent_examples {
            let subject = format!("{} examples", origin.label);
            for example in examples {
                let c = engine.classify(example);
                let found = c
                    .candidates
                    .iter()
                    .chain(&c.topic)
                    .any(|k| &k.intent == intent);
                if !found {
                    errors.push(err(
                        &subject,
                        format!("example {example:?} is not classified as {intent:?}"),
                    ));
                }
            }
            for example in counter {
                let c = engine.classify(example);
                if let Some(k) = c
                    .candidates
                    .iter()
                    .chain(&c.topic)
                    .find(|k| &k.intent == intent)
                {
                    errors.push(err(
                        &subject,
                        format!(
                            "counter-example {example:?} is classified as {intent:?} by rule {}",
                            k.rule
                        ),
                    ));
                }
            }
        }
    }
}

pub(super) fn why_not(engine: &Matcher, rule_id: &str, example: &str) -> String {
    let explanation = engine.explain(example);
    match explanation.hits.iter().find(|h| h.rule == rule_id) {
        Some(hit) if !hit.vetoed_by.is_empty() => format!(
            "example {example:?} matches but is vetoed by guard {}",
            hit.vetoed_by
                .iter()
                .map(|g| g.guard.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => format!("example {example:?} does not match this rule's pattern"),
    }
}
