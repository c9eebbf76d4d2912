//! Localized answers: templates per locale, rendered with locale-aware
//! filters, resolved along a locale fallback chain.
//!
//! Layout: `answers/<locale>/<key>.md`, an optional TOML front matter between
//! `+++` lines, then a markdown body. Hand-written bodies are minijinja
//! templates (`{{ disabled_until | date }}`, `{{ n | plural(one="# day",
//! other="# days") }}`); bodies with `format = "literal"` (imported articles)
//! are served verbatim and never interpolated.
//!
//! Invariant: every template rendered at least once, with the sample
//! [`AnswerVars`], before a catalog is accepted; rendering failures at run
//! time therefore mean a bug, and even then the next locale in the chain is
//! tried rather than sending an empty reply.

mod commands;
mod explain;
pub mod format;
pub mod render;
mod templates;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use commands::{CommandText, CommandTexts, LocaleCommands, NamedText};
pub use explain::explain_markdown;
pub use templates::{
    ActionVars, AnswerVars, Choice, HandoffVars, RefusalVars, SubscriptionVars, REFUSAL_KINDS,
};

/// Whether a body is a template or literal text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    /// A minijinja template (hand-written answers).
    #[default]
    Template,
    /// Served as is (imported articles).
    Literal,
}

/// Front matter of an answer file. Imported articles carry more metadata;
/// all of it is accepted and kept, unknown keys are errors.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// Must equal the file stem when present.
    pub key: Option<String>,
    /// Must equal the directory name when present.
    pub locale: Option<String>,
    /// Heading shown above the answer (embeds, cards).
    pub title: Option<String>,
    /// `template` (default) or `literal`.
    #[serde(default)]
    pub format: BodyFormat,
    /// `template` or `article`.
    pub kind: Option<String>,
    /// Where an imported article came from.
    pub source: Option<String>,
    /// `machine`, `human` or `source` for imported articles.
    pub translation: Option<String>,
    /// Date of the source article.
    pub date: Option<String>,
    /// Topic ids of the source article.
    pub ids: Option<Vec<String>>,
    /// `rtl` for right-to-left scripts.
    pub direction: Option<String>,
    /// Other articles this one links to (`article:<slug>`).
    pub refs: Option<Vec<String>>,
}

/// One answer file.
#[derive(Debug, Clone)]
pub struct Template {
    /// Answer key (file stem).
    pub key: String,
    /// Locale (directory name).
    pub locale: String,
    /// Front matter.
    pub meta: FrontMatter,
    /// Markdown body.
    pub body: String,
    /// Display path, for error messages.
    pub path: String,
    /// Number of lines before the body (front matter), so template errors
    /// report line numbers of the file.
    pub body_offset: usize,
}

/// A rendered answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rendered {
    /// Answer key.
    pub key: String,
    /// Locale the answer was rendered in (may be later in the chain than
    /// the preferred locale).
    pub locale: String,
    /// Title, if the template has one.
    pub title: Option<String>,
    /// Markdown body.
    pub markdown: String,
}

/// A problem with answer files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerProblem {
    /// Display path of the file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for AnswerProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

/// A key that a locale lacks and that falls back along the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingTranslation {
    /// The locale lacking the key.
    pub locale: String,
    /// The answer key.
    pub key: String,
}

/// All answer templates, by locale and key.
#[derive(Debug)]
pub struct Catalog {
    templates: BTreeMap<(String, String), Template>,
    env: templates::Renderer,
}

impl Catalog {
    /// Builds a catalog from parsed templates and validates that each one
    /// renders with the sample variables.
    pub fn new(
        list: Vec<Template>,
        locales: &crate::locale::LocaleConfig,
    ) -> Result<Catalog, Vec<AnswerProblem>> {
        let mut problems = Vec::new();
        let mut templates = BTreeMap::new();
        let mut env = templates::Renderer::new(locales.clone());
        for t in list {
            if t.meta.format == BodyFormat::Template {
                let source = format!("{}{}", "\n".repeat(t.body_offset), t.body);
                if let Err(e) = env.add(&t.locale, &t.key, &source) {
                    problems.push(AnswerProblem {
                        file: t.path.clone(),
                        message: e,
                    });
                    continue;
                }
            }
            templates.insert((t.locale.clone(), t.key.clone()), t);
        }
        let catalog = Catalog { templates, env };
        for t in catalog.templates.values() {
            let mut samples = vec![AnswerVars::sample()];
            if t.body.contains("refusal") {
                // Each refusal kind takes its own branch of the template.
                samples.extend(REFUSAL_KINDS.iter().map(|kind| {
                    let mut vars = AnswerVars::sample();
                    if let Some(action) = vars.action.as_mut() {
                        action.refusal = RefusalVars::sample(kind);
                    }
                    vars
                }));
            }
            if let Some(message) = samples
                .iter()
                .find_map(|vars| catalog.render_one(t, vars).err())
            {
                problems.push(AnswerProblem {
                    file: t.path.clone(),
                    message,
                });
            }
        }
        if problems.is_empty() {
            Ok(catalog)
        } else {
            Err(problems)
        }
    }

    /// Locales that have at least one answer, sorted.
    pub fn locales(&self) -> Vec<String> {
        let mut out: Vec<String> = self.templates.keys().map(|(l, _)| l.clone()).collect();
        out.dedup();
        out
    }

    /// Keys available in `locale`.
    pub fn keys(&self, locale: &str) -> Vec<&str> {
        self.templates
            .keys()
            .filter(|(l, _)| l == locale)
            .map(|(_, k)| k.as_str())
            .collect()
    }

    /// The title of `key` in `locale`, if it exists and has one.
    pub fn title(&self, locale: &str, key: &str) -> Option<String> {
        self.templates
            .get(&(locale.to_owned(), key.to_owned()))
            .and_then(|t| t.meta.title.clone())
    }

    /// True when `key` exists in `locale`.
    pub fn has(&self, locale: &str, key: &str) -> bool {
        self.templates
            .contains_key(&(locale.to_owned(), key.to_owned()))
    }

    /// Adds literal answers (imported articles). Hand-written templates win:
    /// an article never replaces a template with the same locale and key.
    pub fn add_literal(&mut self, list: Vec<Template>) {
        for t in list {
            self.templates
                .entry((t.locale.clone(), t.key.clone()))
                .or_insert(t);
        }
    }

    /// Renders `key` in the first locale of `chain` that has it. A template
    /// that fails to render is logged and skipped in favour of the next.
    pub fn render(&self, key: &str, chain: &[String], vars: &AnswerVars) -> Option<Rendered> {
        for locale in chain {
            let Some(t) = self.templates.get(&(locale.clone(), key.to_owned())) else {
                continue;
            };
            match self.render_one(t, vars) {
                Ok(markdown) => {
                    return Some(Rendered {
                        key: key.to_owned(),
                        locale: locale.clone(),
                        title: t.meta.title.clone(),
                        markdown,
                    })
                }
                Err(e) => {
                    tracing::warn!(file = %t.path, error = %e, "answer template failed to render")
                }
            }
        }
        None
    }

    /// Keys present in `default` but missing in another locale: these fall
    /// back along the chain and `intents check` reports them.
    pub fn missing_translations(&self, default: &str) -> Vec<MissingTranslation> {
        let mut out = Vec::new();
        let default_keys = self.keys(default);
        for locale in self.locales() {
            if locale == default || !self.has_templates(&locale) {
                continue;
            }
            for key in &default_keys {
                if !self.has(&locale, key) {
                    out.push(MissingTranslation {
                        locale: locale.clone(),
                        key: (*key).to_owned(),
                    });
                }
            }
        }
        out
    }

    /// True when `locale` has hand-written templates (not only articles).
    fn has_templates(&self, locale: &str) -> bool {
        self.templates
            .iter()
            .any(|((l, _), t)| l == locale && t.meta.format == BodyFormat::Template)
    }

    fn render_one(&self, t: &Template, vars: &AnswerVars) -> Result<String, String> {
        match t.meta.format {
            BodyFormat::Literal => Ok(t.body.clone()),
            BodyFormat::Template => self.env.render(&t.locale, &t.key, vars),
        }
    }
}

/// Parses one answer file. `path` is relative to the tree root
/// (`answers/<locale>/<key>.md`); `display` is used in errors.
pub fn parse_template(path: &str, display: &str, text: &str) -> Result<Template, AnswerProblem> {
    let problem = |message: String| AnswerProblem {
        file: display.to_owned(),
        message,
    };
    let mut parts = path.rsplit('/');
    let file_name = parts.next().unwrap_or_default();
    let locale_dir = parts.next().unwrap_or_default();
    let key = file_name
        .strip_suffix(".md")
        .unwrap_or(file_name)
        .to_owned();
    let canonical = crate::locale::parse_tag(locale_dir)
        .map(|t| t.to_string())
        .ok_or_else(|| problem(format!("directory {locale_dir:?} is not a locale tag")))?;
    if canonical != locale_dir {
        return Err(problem(format!(
            "directory {locale_dir:?} should be spelled {canonical:?}"
        )));
    }
    let (meta, body, body_offset) = split_front_matter(text).map_err(problem)?;
    if let Some(k) = &meta.key {
        if *k != key {
            return Err(problem(format!(
                "front matter key {k:?} differs from the file name {key:?}"
            )));
        }
    }
    if let Some(l) = &meta.locale {
        if *l != canonical {
            return Err(problem(format!(
                "front matter locale {l:?} differs from the directory {canonical:?}"
            )));
        }
    }
    if body.trim().is_empty() {
        return Err(problem("the answer body is empty".into()));
    }
    Ok(Template {
        key,
        locale: canonical,
        meta,
        body,
        path: display.to_owned(),
        body_offset,
    })
}

/// Splits `+++` TOML front matter from the body; also returns how many
/// lines precede the body.
fn split_front_matter(text: &str) -> Result<(FrontMatter, String, usize), String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))
    else {
        return Ok((FrontMatter::default(), text.to_owned(), 0));
    };
    let end = rest
        .find("\n+++")
        .ok_or_else(|| "front matter opened with +++ is never closed".to_owned())?;
    let meta: FrontMatter = toml::from_str(&rest[..end])
        .map_err(|e| format!("front matter: {}", e.to_string().trim_end()))?;
    let after = &rest[end + 4..];
    let body = after.trim_start_matches(['\r', '\n']);
    let offset = text.len() - body.len();
    let body_offset = text[..offset].matches('\n').count();
    Ok((meta, body.to_owned(), body_offset))
}

/// Loads imported articles from `dir` (`<locale>/<slug>.md`, as written by
/// `supportbot import-articles`). A missing directory means no articles.
/// Files that do not parse are reported and skipped; the rest load.
pub fn load_articles(dir: &std::path::Path) -> (Vec<Template>, Vec<AnswerProblem>) {
    let mut templates = Vec::new();
    let mut problems = Vec::new();
    let Ok(locales) = std::fs::read_dir(dir) else {
        return (templates, problems);
    };
    let mut paths: Vec<std::path::PathBuf> = locales
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .flat_map(|e| {
            std::fs::read_dir(e.path())
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
        })
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    paths.sort();
    for path in paths {
        let display = path.display().to_string();
        let relative = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        match std::fs::read_to_string(&path) {
            Ok(text) => match parse_template(&relative, &display, &text) {
                Ok(t) if t.meta.format == BodyFormat::Literal => templates.push(t),
                Ok(_) => problems.push(AnswerProblem {
                    file: display,
                    message: "imported articles must have format = \"literal\"".into(),
                }),
                Err(p) => problems.push(p),
            },
            Err(e) => problems.push(AnswerProblem {
                file: display,
                message: format!("cannot read: {e}"),
            }),
        }
    }
    (templates, problems)
}
