//! Turning one source file into output candidates.

use chrono::NaiveDate;

use super::super::frontmatter::{parse_document, FrontMatter, Translation};
use super::super::locale::{direction, normalize_locale};
use super::super::markdown_clean::{clean_markdown, heading_title};
use super::super::output::{ArticleHeader, TranslationLabel, FORMAT_LITERAL, KIND_ARTICLE};
use super::super::problem::{Note, Severity};
use super::super::sxs::{is_sxs, split_sxs};

/// Locale of source-language (English) articles.
pub const SOURCE_LOCALE: &str = "en-US";

/// Which kind of text a candidate is; earlier variants win over later ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// A published (plain) article.
    Published,
    /// The localized half of an sxs file (an older, unpublished review revision).
    SxsLocalized,
    /// The English half of an sxs file.
    SxsEnglish,
}

/// One article that may be written, before duplicates are resolved.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Where the text came from.
    pub origin: Origin,
    /// `ms.lasthandoff` of the source file.
    pub handoff: Option<NaiveDate>,
    /// `ms.date` of the source file.
    pub date: Option<NaiveDate>,
    /// Locale of the source file (differs from the header's for English halves).
    pub source_locale: String,
    /// The output header.
    pub header: ArticleHeader,
    /// The cleaned body.
    pub body: String,
}

impl Candidate {
    /// True when `self` should be written instead of `other` for the same locale and key:
    /// published text beats sxs text, then the newest `ms.lasthandoff`, then the newest
    /// `ms.date`, then the smallest source locale, then the smallest source path.
    pub fn beats(&self, other: &Candidate) -> bool {
        let key = |c: &Candidate| {
            (
                c.origin,
                std::cmp::Reverse(c.handoff),
                std::cmp::Reverse(c.date),
            )
        };
        let tie = |c: &Candidate| (c.source_locale.clone(), c.header.source.clone());
        (key(self), tie(self)) < (key(other), tie(other))
    }
}

/// Convert the text of the file at `source` (relative path, `/`-separated) into
/// candidates. Any error note means the file failed and its candidates are dropped.
pub fn convert_file(source: &str, text: &str) -> (Vec<Candidate>, Vec<Note>) {
    let doc = parse_document(text);
    let front = doc.front;
    if !front.present {
        return (
            Vec::new(),
            vec![Note::error(1, "no YAML front matter; not an article")],
        );
    }
    let mut notes = front.notes.clone();
    let Some(locale) = resolve_locale(&front, source, &mut notes) else {
        return (Vec::new(), notes);
    };
    let key = article_key(source);
    let base = Base {
        source,
        key: &key,
        front: &front,
    };
    let mut candidates = Vec::new();
    if is_sxs(doc.body) {
        let split = split_sxs(doc.body, front.body_line);
        notes.extend(split.notes);
        let localized = base.candidate(Origin::SxsLocalized, &locale, &split.localized, &mut notes);
        let english = base.candidate(
            Origin::SxsEnglish,
            SOURCE_LOCALE,
            &split.english,
            &mut notes,
        );
        candidates.extend(localized.into_iter().chain(english));
    } else {
        candidates.extend(base.candidate(Origin::Published, &locale, doc.body, &mut notes));
    }
    // Stable, so notes on one line keep the order in which they were found.
    notes.sort_by_key(|n| n.line);
    if notes.iter().any(|n| n.severity == Severity::Error) {
        candidates.clear();
    }
    (candidates, notes)
}

/// The article key: the file name without `.md` and a `.sxs` marker.
pub fn article_key(source: &str) -> String {
    let name = source.rsplit('/').next().unwrap_or(source);
    let name = name.strip_suffix(".md").unwrap_or(name);
    name.strip_suffix(".sxs").unwrap_or(name).to_owned()
}

/// `ms.contentlocale` decides; the folder name is only a fallback.
fn resolve_locale(front: &FrontMatter, source: &str, notes: &mut Vec<Note>) -> Option<String> {
    let folder = source.rsplit('/').nth(1).and_then(normalize_locale);
    match (&front.locale, folder) {
        (Some(locale), Some(folder)) if *locale != folder => {
            notes.push(Note::warning(1, format!("file is in folder `{folder}` but ms.contentlocale is `{locale}`; using `{locale}`")));
            Some(locale.clone())
        }
        (Some(locale), _) => Some(locale.clone()),
        (None, Some(folder)) => {
            notes.push(Note::warning(
                1,
                format!("no usable ms.contentlocale; using the folder name `{folder}`"),
            ));
            Some(folder)
        }
        (None, None) => {
            notes.push(Note::error(
                1,
                "no ms.contentlocale and the folder name is not a locale",
            ));
            None
        }
    }
}

struct Base<'a> {
    source: &'a str,
    key: &'a str,
    front: &'a FrontMatter,
}

impl Base<'_> {
    fn candidate(
        &self,
        origin: Origin,
        locale: &str,
        body: &str,
        notes: &mut Vec<Note>,
    ) -> Option<Candidate> {
        let cleaned = clean_markdown(body, self.front.body_line);
        let half = if origin == Origin::SxsEnglish {
            " (English half)"
        } else {
            ""
        };
        notes.extend(cleaned.notes.into_iter().map(|mut note| {
            note.message.push_str(half);
            note
        }));
        if cleaned.markdown.trim().is_empty() {
            let message = format!("article body{half} is empty");
            notes.push(Note::error(self.front.body_line, message));
            return None;
        }
        let heading = heading_title(&cleaned.markdown);
        // The front-matter title is localized and never has an English counterpart, so
        // English halves take their H1; localized text prefers the front-matter title.
        let title = match origin {
            Origin::SxsEnglish => heading.or_else(|| Some(self.front.title.clone())),
            _ => Some(self.front.title.clone())
                .filter(|t| !t.is_empty())
                .or(heading),
        };
        let title = title
            .map(|t| t.split_ascii_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        if title.is_empty() {
            notes.push(Note::warning(
                1,
                "no title and no `# ` heading; title left empty",
            ));
        }
        let translation = match (origin, self.front.translation) {
            (Origin::SxsEnglish, _) => TranslationLabel::Source,
            _ if locale == SOURCE_LOCALE => TranslationLabel::Source,
            (_, Translation::Machine) => TranslationLabel::Machine,
            (_, Translation::Human) => TranslationLabel::Human,
            (_, Translation::Unknown) => TranslationLabel::Unknown,
        };
        let header = ArticleHeader {
            key: self.key.to_owned(),
            locale: locale.to_owned(),
            title,
            kind: KIND_ARTICLE.to_owned(),
            format: FORMAT_LITERAL.to_owned(),
            source: self.source.to_owned(),
            translation,
            date: self.front.date.map(|d| d.format("%Y-%m-%d").to_string()),
            ids: self.front.ms_custom_ids.clone(),
            direction: direction(locale).map(str::to_owned),
            refs: cleaned.refs,
        };
        Some(Candidate {
            origin,
            handoff: self.front.handoff,
            date: self.front.date,
            source_locale: self
                .front
                .locale
                .clone()
                .unwrap_or_else(|| locale.to_owned()),
            header,
            body: cleaned.markdown,
        })
    }
}
