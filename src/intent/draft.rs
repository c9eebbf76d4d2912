//! Trying a draft rule or guard before anyone edits `intents/`: which of a
//! set of messages it matches, and which examples in the rule files it
//! would change (a draft rule matching one of its intent's counter-examples
//! turns it into a false positive; a draft guard matching one of the
//! intent's examples vetoes a true positive). Patterns run like shipped
//! ones: case-insensitive, on the normalised text.

use serde::Serialize;

use super::normalize::normalize;
use crate::source::SourceTree;

/// A rule (adds matches) or a guard (vetoes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftKind {
    /// A rule of the intent.
    Rule,
    /// A guard of the intent.
    Guard,
}

/// One rule-file example the draft would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// `lang/<lang>.toml`.
    pub file: String,
    /// The example text.
    pub text: String,
    /// `counter_example` (a rule now matches it) or `example` (a guard now
    /// vetoes it).
    pub was: &'static str,
}

/// What a draft does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DraftReport {
    /// The messages it matches, as given.
    pub matches: Vec<String>,
    /// The examples it breaks.
    pub breaks: Vec<Broken>,
}

/// The draft could not be tried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DraftError {
    /// The pattern does not compile.
    #[error("the pattern does not compile: {0}")]
    Pattern(String),
}

/// Longest draft pattern accepted (a draft is typed by a person).
pub const MAX_PATTERN: usize = 2000;

/// Tries `pattern` as a `kind` of `intent` against `messages` and the
/// examples in `tree`'s `lang/*.toml` files.
pub fn test_draft(
    tree: &SourceTree,
    intent: &str,
    kind: DraftKind,
    pattern: &str,
    messages: &[String],
) -> Result<DraftReport, DraftError> {
    if pattern.len() > MAX_PATTERN {
        return Err(DraftError::Pattern(format!(
            "longer than {MAX_PATTERN} bytes"
        )));
    }
    let re = regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| DraftError::Pattern(e.to_string()))?;
    let hit = |text: &str| re.is_match(&normalize(text).unescaped());
    let matches = messages.iter().filter(|m| hit(m)).cloned().collect();
    let wanted = match kind {
        DraftKind::Rule => "counter_examples",
        DraftKind::Guard => "examples",
    };
    let mut breaks = Vec::new();
    for file in tree.under("lang") {
        let Ok(doc) = file.text.parse::<toml::Table>() else {
            continue;
        };
        let Some(table) = doc.get("intent").and_then(|i| i.get(intent)) else {
            continue;
        };
        let mut texts = Vec::new();
        collect(table, wanted, &mut texts);
        for text in texts.into_iter().filter(|t| hit(t)) {
            breaks.push(Broken {
                file: file.path.clone(),
                text,
                was: if kind == DraftKind::Rule {
                    "counter_example"
                } else {
                    "example"
                },
            });
        }
    }
    Ok(DraftReport { matches, breaks })
}

/// Every string in `key` arrays of `value`, its rules and its guards.
fn collect(value: &toml::Value, key: &str, out: &mut Vec<String>) {
    let strings = |v: Option<&toml::Value>, out: &mut Vec<String>| {
        for s in v.and_then(|v| v.as_array()).into_iter().flatten() {
            if let Some(s) = s.as_str() {
                out.push(s.to_owned());
            }
        }
    };
    strings(value.get(key), out);
    for part in ["rule", "guard"] {
        for item in value
            .get(part)
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            strings(item.get(key), out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Origin, SourceFile};

    fn tree() -> SourceTree {
        SourceTree {
            origin: Origin::Embedded,
            files: vec![SourceFile {
                path: "lang/en.toml".into(),
                text: r#"
lang = "en"
[intent.cancel]
examples = ["cancel my subscription"]
counter_examples = ["cancel my meeting"]
[[intent.cancel.rule]]
id = "r"
pattern = 'x'
counter_examples = ["cancel the order"]
"#
                .into(),
            }],
        }
    }

    #[test]
    fn a_rule_breaks_counter_examples_and_a_guard_breaks_examples() {
        let msgs = vec!["Cancel my MEETING".to_owned(), "hello".to_owned()];
        let r = test_draft(&tree(), "cancel", DraftKind::Rule, r"\bcancel\b", &msgs).unwrap();
        assert_eq!(r.matches, vec!["Cancel my MEETING".to_owned()]);
        assert_eq!(r.breaks.len(), 2, "{:?}", r.breaks);
        let g = test_draft(&tree(), "cancel", DraftKind::Guard, "subscription", &msgs).unwrap();
        assert_eq!(g.breaks.len(), 1);
        assert_eq!(g.breaks[0].was, "example");
        assert!(test_draft(&tree(), "cancel", DraftKind::Rule, "(", &msgs).is_err());
    }
}
