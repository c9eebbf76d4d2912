//! Cleaning a plain or sxs-extracted article body into the catalog's markdown.
//!
//! What changes, and why:
//! - zero-width format characters (U+200B, U+FEFF, U+2060, U+180E) are removed: they are
//!   MT debris inside words. U+200C/U+200D are kept because they change shaping in some
//!   scripts, and U+00A0 is kept because French typography relies on it;
//! - `<a name="…"></a>` anchors are dropped (they are targets, not links);
//! - links: an empty text gets the link title or else the URL, so no link is ever
//!   dropped; trailing ASCII `.`/`,`/`:`/`;` move out of the link text (MT let the
//!   sentence's punctuation drift in); site-relative URLs are made absolute against
//!   [`super::urls::DOCS_BASE`]; links to other Alchemy articles stay absolute and are
//!   recorded in [`Cleaned::refs`];
//! - line repairs: `1.Log in` → `1. Log in` (and a run-on `2.Select` on the same line
//!   becomes the next item), `**A****B**` → `**A** **B**`, `\>` → `>` except where it
//!   would start a block, runs of ASCII spaces collapsed, whitespace-only lines emptied,
//!   trailing blanks dropped unless they are a hard break inside a paragraph, one blank
//!   line between blocks and one final newline.
//!
//! Nothing else is touched: RTL text, CJK brackets, localized note labels (`**Obs!**`),
//! `> [!NOTE]` alerts, words glued after a link and MT oddities stay as written.

use super::line_fixes::fix_lines;
use super::links::find_links;
use super::problem::Note;
use super::urls::{article_ref, resolve};

/// Zero-width format characters removed from the text.
pub const REMOVED_INVISIBLES: &[char] = &['\u{200B}', '\u{FEFF}', '\u{2060}', '\u{180E}'];

/// Markup that must never reach the output; finding it after cleaning is an error.
pub const FORBIDDEN_IN_OUTPUT: &[&str] = &[
    "<span",
    "</span>",
    "data-ttu-id",
    "data-stu-id",
    "sxs-lookup",
];

/// A cleaned body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleaned {
    /// The markdown, ending in exactly one newline (empty when the body was empty).
    pub markdown: String,
    /// Cross-references to other articles (`article:<slug>`), sorted and deduplicated.
    pub refs: Vec<String>,
    /// Repairs worth reporting and leftovers that could not be cleaned.
    pub notes: Vec<Note>,
}

/// Clean `body`, whose first line is file line `first_line`.
pub fn clean_markdown(body: &str, first_line: usize) -> Cleaned {
    let mut notes = Vec::new();
    let text: String = if body.contains(REMOVED_INVISIBLES) {
        body.chars()
            .filter(|c| !REMOVED_INVISIBLES.contains(c))
            .collect()
    } else {
        body.to_owned()
    };
    let text = remove_anchors(&text);
    let (text, mut refs) = rewrite_links(&text, first_line, &mut notes);
    let markdown = fix_lines(&text);
    refs.sort();
    refs.dedup();
    for needle in FORBIDDEN_IN_OUTPUT {
        if let Some(at) = markdown.find(needle) {
            let line = first_line + markdown[..at].matches('\n').count();
            notes.push(Note::error(
                line,
                format!("`{needle}` left in the cleaned text"),
            ));
        }
    }
    if let Some(at) = markdown.find("<a ") {
        let line = first_line + markdown[..at].matches('\n').count();
        notes.push(Note::warning(line, "HTML `<a>` tag kept as text"));
    }
    Cleaned {
        markdown,
        refs,
        notes,
    }
}

/// The text of the first `# ` heading of cleaned markdown (the article's H1).
pub fn heading_title(markdown: &str) -> Option<String> {
    markdown
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .map(|t| t.trim_ascii().to_owned())
        .filter(|t| !t.is_empty())
}

/// Drop empty HTML anchors: `<a name="x"></a>` and `<a id="x"></a>`.
fn remove_anchors(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("<a ") {
        out.push_str(&rest[..at]);
        let candidate = &rest[at..];
        let anchor_len = candidate.find('>').and_then(|close| {
            let attrs = candidate[3..close].trim();
            let is_target =
                (attrs.starts_with("name=") || attrs.starts_with("id=")) && !attrs.contains('\n');
            let after = candidate[close + 1..].trim_start_matches([' ', '\t']);
            (is_target && after.starts_with("</a>"))
                .then(|| candidate.len() - after.len() + "</a>".len())
        });
        match anchor_len {
            Some(len) => rest = &candidate[len..],
            None => {
                out.push_str("<a ");
                rest = &candidate[3..];
            }
        }
    }
    out.push_str(rest);
    out
}

const DRIFTING_PUNCTUATION: &[char] = &['.', ',', ':', ';'];

fn rewrite_links(text: &str, first_line: usize, notes: &mut Vec<Note>) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len() + 64);
    let mut refs = Vec::new();
    let mut last = 0;
    for link in find_links(text).into_iter().filter(|l| !l.is_image) {
        let line = first_line + text[..link.whole.start].matches('\n').count();
        out.push_str(&text[last..link.whole.start]);
        last = link.whole.end;
        let raw_url = &text[link.url.clone()];
        let url = match resolve(raw_url) {
            Some(url) => url,
            None => {
                notes.push(Note::warning(
                    line,
                    format!("relative link `{raw_url}` has no base; kept as written"),
                ));
                raw_url.to_owned()
            }
        };
        if let Some(reference) = article_ref(&url) {
            refs.push(reference);
        }
        let title = link.title.clone().map(|r| &text[r]);
        let label = &text[link.text.clone()];
        let (label, drifted) = if label.trim().is_empty() {
            let fallback = title.filter(|t| !t.trim().is_empty()).unwrap_or(&url);
            notes.push(Note::warning(
                line,
                format!("empty link text; using `{fallback}`"),
            ));
            (escape_label(fallback.trim()), "")
        } else {
            let core = label.trim_end_matches(DRIFTING_PUNCTUATION);
            if core.trim().is_empty() || core.ends_with('\\') {
                (label.to_owned(), "")
            } else {
                (core.to_owned(), &label[core.len()..])
            }
        };
        out.push('[');
        out.push_str(&label);
        out.push_str("](");
        if url.contains([' ', '(', ')', '<', '>']) {
            out.push('<');
            out.push_str(&url);
            out.push('>');
        } else {
            out.push_str(&url);
        }
        if let Some(title) = title {
            out.push_str(" \"");
            out.push_str(&title.replace('"', "\\\""));
            out.push('"');
        }
        out.push(')');
        out.push_str(drifted);
    }
    out.push_str(&text[last..]);
    (out, refs)
}

/// Escape characters that would turn a URL used as link text into markup.
fn escape_label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '_' | '[' | ']' | '`' | '<' | '>') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests;
