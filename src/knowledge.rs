//! Everything the bot knows, loaded and validated as one unit: rules,
//! locales and answers. A `Knowledge` value only exists if all of it passed
//! validation, which is what makes the reload swap safe: the running bot
//! keeps its old `Knowledge` until a new one is complete.

use std::path::PathBuf;

use crate::answer::{self, Catalog, CommandTexts, MissingTranslation, Template};
use crate::intent::{self, Matcher};
use crate::locale::{LocaleConfig, Negotiator};
use crate::source::{Origin, SourceError, SourceTree};

/// Answer keys the bot itself uses, which the default locale must have.
pub const REQUIRED_ANSWERS: [&str; 29] = [
    "none",
    "choose",
    "help",
    "action-proposal",
    "action-done",
    "action-refused",
    "action-status",
    "action-export",
    "action-dismissed",
    "button-confirm",
    "button-dismiss",
    "notice-unknown-command",
    "notice-missing-option",
    "notice-unknown-button",
    "notice-sent-privately",
    "notice-private-unreachable",
    "notice-file-not-sent",
    "notice-internal-error",
    "dialog-account-title",
    "dialog-account-label",
    "handoff-opened",
    "handoff-waiting",
    "handoff-resumed",
    "handoff-agent",
    "button-helped",
    "button-not-helped",
    "button-ask-person",
    "feedback-thanks",
    "feedback-sorry",
];

/// Where knowledge is loaded from: the rule tree and, optionally, a
/// directory of imported articles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnowledgeSource {
    /// Rules, locales and hand-written answers.
    pub origin: Origin,
    /// Articles written by `supportbot import-articles`; absent is fine.
    pub articles: Option<PathBuf>,
}

impl KnowledgeSource {
    /// Only the embedded defaults.
    pub fn embedded() -> KnowledgeSource {
        KnowledgeSource {
            origin: Origin::Embedded,
            articles: None,
        }
    }
}

/// A validated set of rules, locales and answers.
#[derive(Debug)]
pub struct Knowledge {
    /// Intent rules.
    pub matcher: Matcher,
    /// Answer templates (and imported articles).
    pub catalog: Catalog,
    /// Locale negotiation.
    pub negotiator: Negotiator,
    /// Slash-command names and descriptions per locale.
    pub commands: CommandTexts,
    /// Where it was loaded from.
    pub source: KnowledgeSource,
    /// Keys that fall back to another locale (reported, not fatal).
    pub missing: Vec<MissingTranslation>,
    /// Imported articles that could not be read and were skipped.
    pub skipped_articles: Vec<String>,
}

/// Why knowledge could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    /// The tree could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// Files were read but did not validate; each line names a file.
    #[error("{} problem(s):\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<String>),
}

impl Knowledge {
    /// Reads and validates the rule tree and the articles of `source`.
    pub fn load(source: &KnowledgeSource) -> Result<Knowledge, KnowledgeError> {
        let tree = SourceTree::read(&source.origin)?;
        let (articles, problems) = match &source.articles {
            Some(dir) => answer::load_articles(dir),
            None => (Vec::new(), Vec::new()),
        };
        for p in &problems {
            tracing::warn!(problem = %p, "skipping an imported article");
        }
        let mut knowledge = Self::from_tree(&tree, articles)?;
        knowledge.source = source.clone();
        knowledge.skipped_articles = problems.iter().map(ToString::to_string).collect();
        Ok(knowledge)
    }

    /// Validates an in-memory tree plus imported articles.
    pub fn from_tree(
        tree: &SourceTree,
        articles: Vec<Template>,
    ) -> Result<Knowledge, KnowledgeError> {
        let mut problems: Vec<String> = Vec::new();
        let locales = match tree.get("locales.toml") {
            Some(f) => LocaleConfig::parse(&f.text).map_err(|e| {
                problems.push(format!(
                    "{}: {}",
                    tree.display_path("locales.toml"),
                    e.key_message()
                ));
            }),
            None => {
                problems.push(format!(
                    "{}: missing; it names the default locale",
                    tree.display_path("locales.toml")
                ));
                Err(())
            }
        };
        let matcher = intent::load(tree).map_err(|e| {
            problems.extend(e.0.iter().map(ToString::to_string));
        });
        let mut templates = Vec::new();
        for file in tree.under("answers") {
            if !file.path.ends_with(".md") {
                continue;
            }
            match answer::parse_template(&file.path, &tree.display_path(&file.path), &file.text) {
                Ok(t) => templates.push(t),
                Err(p) => problems.push(p.to_string()),
            }
        }
        let (Ok(locales), Ok(matcher)) = (locales, matcher) else {
            return Err(KnowledgeError::Invalid(problems));
        };
        let catalog = Catalog::new(templates, &locales).map_err(|ps| {
            problems.extend(ps.iter().map(ToString::to_string));
        });
        let Ok(mut catalog) = catalog else {
            return Err(KnowledgeError::Invalid(problems));
        };
        catalog.add_literal(articles);
        let default = locales.default.clone();
        let required = REQUIRED_ANSWERS
            .iter()
            .map(|k| (*k).to_owned())
            .chain(matcher.intents().iter().map(|i| i.answer.clone()));
        for key in required {
            if !catalog.has(&default, &key) {
                problems.push(format!(
                    "{}: missing; the default locale must have every answer",
                    tree.display_path(&format!("answers/{default}/{key}.md"))
                ));
            }
        }
        let command_files: Vec<(&str, String, &str)> = tree
            .under("commands")
            .filter_map(|f| {
                let stem = f.path.strip_prefix("commands/")?.strip_suffix(".toml")?;
                Some((stem, tree.display_path(&f.path), f.text.as_str()))
            })
            .collect();
        let shipped = catalog.locales();
        for (locale, path, _) in &command_files {
            if !shipped.iter().any(|l| l == locale) {
                problems.push(format!(
                    "{path}: {locale} is not a locale with answers (the file name is the locale tag, e.g. nb-NO.toml)"
                ));
            }
        }
        let commands = CommandTexts::parse(&default, command_files).unwrap_or_else(|ps| {
            problems.extend(ps);
            CommandTexts::default()
        });
        if !problems.is_empty() {
            return Err(KnowledgeError::Invalid(problems));
        }
        let missing = catalog.missing_translations(&default);
        let negotiator = Negotiator::new(locales, &catalog.locales());
        Ok(Knowledge {
            matcher,
            catalog,
            negotiator,
            commands,
            source: KnowledgeSource {
                origin: tree.origin.clone(),
                articles: None,
            },
            missing,
            skipped_articles: Vec::new(),
        })
    }
}

impl crate::locale::LocaleConfigError {
    fn key_message(&self) -> String {
        format!("{}: {}", self.key, self.message)
    }
}
