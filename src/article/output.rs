//! The catalog file format: TOML front matter between `+++` lines, then the body.
//!
//! ```text
//! +++
//! key = "cancel-refund-close-your-microsoft-365-subscription"
//! locale = "nb-NO"
//! title = "Avbryte, refundere eller lukke Microsoft 365 abonnementet"
//! kind = "article"
//! format = "literal"  # body is NOT a template; never interpolate it
//! source = "nb-NO/cancel-refund-close-your-microsoft-365-subscription.md"
//! translation = "machine"
//! date = "2021-04-14"
//! ids = ["9002914", "5614"]
//! +++
//! # Avbryte/refundere/lukke Microsoft 365 abonnementet
//! ```
//!
//! `date`, `direction` and `refs` are omitted when empty; `ids` is always written.

use serde::{Deserialize, Serialize};

/// Value of `kind` for imported articles.
pub const KIND_ARTICLE: &str = "article";
/// Value of `format` for bodies that must be shown as they are, never interpolated.
pub const FORMAT_LITERAL: &str = "literal";
const DELIMITER: &str = "+++";
const FORMAT_COMMENT: &str = "  # body is NOT a template; never interpolate it";

/// Where the text of an output article came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TranslationLabel {
    /// `ms.translationtype: MT`.
    Machine,
    /// `ms.translationtype: HT`.
    Human,
    /// Source text: an en-US article, e.g. the English half of an sxs file.
    Source,
    /// The source file did not say.
    Unknown,
}

/// The TOML header of a catalog article file, in output key order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleHeader {
    /// Article key: the source file name without `.md` / `.sxs.md`.
    pub key: String,
    /// Canonical BCP-47 locale.
    pub locale: String,
    /// Display title.
    pub title: String,
    /// Always [`KIND_ARTICLE`] for imported articles.
    pub kind: String,
    /// Always [`FORMAT_LITERAL`]: the body is not a template.
    pub format: String,
    /// Source file, relative to the imported directory, `/`-separated.
    pub source: String,
    /// How the text was produced.
    pub translation: TranslationLabel,
    /// `ms.date` as `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Numeric `ms.custom` ids.
    #[serde(default)]
    pub ids: Vec<String>,
    /// `"rtl"` for right-to-left locales.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// Cross-references to other articles, `article:<slug>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refs: Vec<String>,
}

/// Errors writing or reading a catalog article file.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The header could not be serialised.
    #[error("cannot serialise article header: {0}")]
    Serialize(#[from] toml::ser::Error),
    /// The header is not valid TOML or lacks a required key.
    #[error("invalid article header: {0}")]
    Deserialize(#[from] toml::de::Error),
    /// The file does not start with a `+++` line or the header is not closed.
    #[error("article file has no `+++` header")]
    MissingHeader,
}

/// Serialise `header` and `body` into the catalog file format.
pub fn write_article_file(header: &ArticleHeader, body: &str) -> Result<String, OutputError> {
    let toml = toml::to_string(header)?;
    let mut out = String::with_capacity(toml.len() + body.len() + 64);
    out.push_str(DELIMITER);
    out.push('\n');
    for line in toml.lines() {
        out.push_str(line);
        if line.starts_with("format = ") {
            out.push_str(FORMAT_COMMENT);
        }
        out.push('\n');
    }
    out.push_str(DELIMITER);
    out.push('\n');
    out.push_str(body);
    Ok(out)
}

/// Split a catalog file into its header and body.
pub fn read_article_file(text: &str) -> Result<(ArticleHeader, &str), OutputError> {
    let rest = text
        .strip_prefix("+++\n")
        .ok_or(OutputError::MissingHeader)?;
    let end = if rest.starts_with("+++\n") {
        0
    } else {
        rest.find("\n+++\n")
            .map(|e| e + 1)
            .ok_or(OutputError::MissingHeader)?
    };
    let header: ArticleHeader = toml::from_str(&rest[..end])?;
    Ok((header, &rest[end + DELIMITER.len() + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> ArticleHeader {
        ArticleHeader {
            key: "cancel-x".into(),
            locale: "he-IL".into(),
            title: "Quote \" and \\ back\u{a0}slash".into(),
            kind: KIND_ARTICLE.into(),
            format: FORMAT_LITERAL.into(),
            source: "he-IL/cancel-x.md".into(),
            translation: TranslationLabel::Machine,
            date: Some("2021-04-14".into()),
            ids: vec!["9002914".into(), "5614".into()],
            direction: Some("rtl".into()),
            refs: vec![],
        }
    }

    #[test]
    fn round_trip_and_layout() {
        let body = "# T\n\n+++\nbody {{not a template}}\n";
        let text = write_article_file(&header(), body).unwrap();
        assert!(
            text.starts_with("+++\nkey = \"cancel-x\"\nlocale = \"he-IL\"\n"),
            "{text}"
        );
        assert!(
            text.contains("format = \"literal\"  # body is NOT a template"),
            "{text}"
        );
        assert!(
            text.contains("ids = [\"9002914\", \"5614\"]\ndirection = \"rtl\"\n+++\n# T"),
            "{text}"
        );
        assert!(!text.contains("refs"));
        let (parsed, parsed_body) = read_article_file(&text).unwrap();
        assert_eq!(parsed, header());
        assert_eq!(parsed_body, body);
    }

    #[test]
    fn rejects_headerless_files() {
        assert!(matches!(
            read_article_file("# T\n"),
            Err(OutputError::MissingHeader)
        ));
        assert!(matches!(
            read_article_file("+++\nkey = 1\n"),
            Err(OutputError::MissingHeader)
        ));
        assert!(read_article_file("+++\nkey = \"k\"\n+++\n").is_err());
    }
}
