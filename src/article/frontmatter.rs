//! Typed reading of an article's YAML front matter.
//!
//! Tolerated irregularities (all seen in the corpus or close to it):
//! - `ms.custom` as a block list, a flow list, a scalar (`8000067`, `'9002914, 5614'`)
//!   or `''`; numeric items become [`FrontMatter::ms_custom_ids`] (deduplicated, first
//!   occurrence order), the rest [`FrontMatter::tags`];
//! - empty values (`ms.assetid:`) and `''` read as empty strings;
//! - duplicate keys: the **last** one wins, as in most YAML loaders, with a warning;
//! - `ms.contentlocale` in any casing, normalised to canonical BCP-47 (`nb-no` → `nb-NO`);
//! - titles with trailing spaces (ASCII blanks trimmed; U+00A0 is kept) or escaped quotes (unescaped);
//! - `ms.date` / `ms.lasthandoff` as `MM/DD/YYYY` (also `YYYY-MM-DD`) or empty;
//! - YAML the parser rejects: the block is re-read line by line (`key: value`, `- item`)
//!   and a warning is reported, so the file is not dropped.

mod raw;

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::locale::normalize_locale;
use super::problem::Note;
pub use raw::{RawField, RawValue};

/// How the article text was produced, from `ms.translationtype`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Translation {
    /// `MT`: machine translation.
    Machine,
    /// `HT`: human translation.
    Human,
    /// Missing or any other value.
    Unknown,
}

/// The front matter of one article, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatter {
    /// False when the file has no `---` block at all.
    pub present: bool,
    /// `title`, trimmed; empty when missing.
    pub title: String,
    /// `ms.contentlocale` in canonical BCP-47 casing; `None` when missing or malformed.
    pub locale: Option<String>,
    /// `ms.translationtype`.
    pub translation: Translation,
    /// `ms.date`, the article date.
    pub date: Option<NaiveDate>,
    /// `ms.lasthandoff`, when the localization was handed off.
    pub handoff: Option<NaiveDate>,
    /// Numeric `ms.custom` items (intent / topic ids), deduplicated, in file order.
    pub ms_custom_ids: Vec<String>,
    /// Non-numeric `ms.custom` items (`commerce_subscriptions`), deduplicated.
    pub tags: Vec<String>,
    /// Every field as read, after duplicate-key resolution.
    pub fields: BTreeMap<String, RawValue>,
    /// 1-based file line where the body starts.
    pub body_line: usize,
    /// Irregularities that were repaired or ignored.
    pub notes: Vec<Note>,
}

/// A document split into typed front matter and the markdown body after it.
#[derive(Debug, Clone)]
pub struct ParsedDocument<'a> {
    /// The front matter.
    pub front: FrontMatter,
    /// The body, starting at line [`FrontMatter::body_line`].
    pub body: &'a str,
}

/// Split `text` into front matter and body and type the front matter. Never fails:
/// whatever cannot be read is reported in [`FrontMatter::notes`].
pub fn parse_document(text: &str) -> ParsedDocument<'_> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut notes = Vec::new();
    let Some(first_end) = text
        .find('\n')
        .or(Some(text.len()))
        .filter(|&e| text[..e].trim_end() == "---")
    else {
        notes.push(Note::warning(
            1,
            "no front matter (file does not start with `---`)",
        ));
        return ParsedDocument {
            front: typed(Vec::new(), false, 1, notes),
            body: text,
        };
    };
    let yaml_start = (first_end + 1).min(text.len());
    let mut offset = yaml_start;
    let mut line = 2;
    while offset < text.len() {
        let end = text[offset..].find('\n').map_or(text.len(), |e| offset + e);
        let current = text[offset..end].trim_end();
        if current == "---" || current == "..." {
            let yaml = &text[yaml_start..offset];
            let fields = read_fields(yaml, 2, &mut notes);
            let body = &text[(end + 1).min(text.len())..];
            return ParsedDocument {
                front: typed(fields, true, line + 1, notes),
                body,
            };
        }
        offset = end + 1;
        line += 1;
    }
    notes.push(Note::error(
        1,
        "front matter is never closed by a `---` line",
    ));
    ParsedDocument {
        front: typed(Vec::new(), true, 1, notes),
        body: "",
    }
}

fn read_fields(yaml: &str, first_line: usize, notes: &mut Vec<Note>) -> Vec<RawField> {
    raw::read_yaml(yaml, first_line, notes)
        .unwrap_or_else(|| raw::read_lines(yaml, first_line, notes))
}

fn typed(
    fields: Vec<RawField>,
    present: bool,
    body_line: usize,
    mut notes: Vec<Note>,
) -> FrontMatter {
    let mut map: BTreeMap<String, RawValue> = BTreeMap::new();
    let mut lines: BTreeMap<String, usize> = BTreeMap::new();
    for field in fields {
        if let Some(previous) = lines.insert(field.key.clone(), field.line) {
            notes.push(Note::warning(
                field.line,
                format!(
                    "duplicate key `{}` (first at line {previous}); the last one wins",
                    field.key
                ),
            ));
        }
        map.insert(field.key, field.value);
    }
    let line_of = |key: &str| lines.get(key).copied().unwrap_or(1);
    let scalar = |key: &str| match map.get(key) {
        Some(RawValue::Scalar(s)) => s.trim_ascii().to_owned(),
        Some(RawValue::List(items)) => items.join(" ").trim_ascii().to_owned(),
        None => String::new(),
    };

    let locale_text = scalar("ms.contentlocale");
    let locale = normalize_locale(&locale_text);
    if locale.is_none() && !locale_text.is_empty() {
        notes.push(Note::warning(
            line_of("ms.contentlocale"),
            format!("`{locale_text}` is not a locale tag"),
        ));
    }
    let translation = match scalar("ms.translationtype").to_ascii_uppercase().as_str() {
        "MT" => Translation::Machine,
        "HT" => Translation::Human,
        _ => Translation::Unknown,
    };
    let mut date_of = |key: &str| {
        let text = scalar(key);
        let date = parse_date(&text);
        if date.is_none() && !text.is_empty() {
            notes.push(Note::warning(
                line_of(key),
                format!("`{key}: {text}` is not a MM/DD/YYYY date; ignored"),
            ));
        }
        date
    };
    let date = date_of("ms.date");
    let handoff = date_of("ms.lasthandoff");

    let items: Vec<String> = match map.get("ms.custom") {
        Some(RawValue::Scalar(s)) => s.split(',').map(|s| s.trim().to_owned()).collect(),
        Some(RawValue::List(items)) => items.iter().map(|s| s.trim().to_owned()).collect(),
        None => Vec::new(),
    };
    let mut ms_custom_ids: Vec<String> = Vec::new();
    let mut tags: Vec<String> = Vec::new();
    for item in items.into_iter().filter(|s| !s.is_empty()) {
        let bucket = if item.bytes().all(|b| b.is_ascii_digit()) {
            &mut ms_custom_ids
        } else {
            &mut tags
        };
        if !bucket.contains(&item) {
            bucket.push(item);
        }
    }
    FrontMatter {
        present,
        title: scalar("title"),
        locale,
        translation,
        date,
        handoff,
        ms_custom_ids,
        tags,
        fields: map,
        body_line,
        notes,
    }
}

/// Parse `MM/DD/YYYY` (the corpus form, single digits allowed) or ISO `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let numbers = |sep: char| -> Option<Vec<u32>> {
        let parts: Vec<&str> = text.split(sep).collect();
        if parts.len() != 3
            || parts
                .iter()
                .any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        parts.iter().map(|p| p.parse().ok()).collect()
    };
    if let Some(n) = numbers('/') {
        return NaiveDate::from_ymd_opt(i32::try_from(n[2]).ok()?, n[0], n[1]);
    }
    let n = numbers('-')?;
    NaiveDate::from_ymd_opt(i32::try_from(n[0]).ok()?, n[1], n[2])
}

#[cfg(test)]
mod tests;
