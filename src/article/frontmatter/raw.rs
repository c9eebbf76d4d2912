//! Reading front-matter YAML into flat `key → scalar | list` fields.
//!
//! The YAML is read through yaml-rust2's event parser instead of its `YamlLoader`,
//! because the loader rejects duplicate keys and drops line numbers; both are needed
//! to tolerate and report the corpus' irregularities.

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use super::super::problem::Note;

/// A front-matter value: the corpus only uses scalars and lists of scalars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawValue {
    /// A scalar, unquoted; an empty or null value is `Scalar("")`.
    Scalar(String),
    /// A list of scalars.
    List(Vec<String>),
}

/// One `key: value` entry and the 1-based file line of its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawField {
    /// The key as written (`ms.custom`).
    pub key: String,
    /// Its value.
    pub value: RawValue,
    /// 1-based line in the file.
    pub line: usize,
}

enum Node {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<Node>),
}

/// Parse `yaml` (which starts at file line `first_line`) with a real YAML parser.
///
/// Returns `None` when the YAML is broken or not a mapping, so the caller can fall back
/// to [`read_lines`]; the reason is pushed to `notes`.
pub fn read_yaml(yaml: &str, first_line: usize, notes: &mut Vec<Note>) -> Option<Vec<RawField>> {
    let mut parser = Parser::new_from_str(yaml);
    // Frames hold the children read so far plus the line where the collection began.
    let mut stack: Vec<(Node, usize)> = Vec::new();
    let mut root: Option<Node> = None;
    let mut lines: Vec<usize> = Vec::new();
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(pair) => pair,
            Err(err) => {
                let line = first_line + err.marker().line().saturating_sub(1);
                notes.push(Note::warning(
                    line,
                    format!(
                        "front matter is not valid YAML ({}); read line by line instead",
                        err.info()
                    ),
                ));
                return None;
            }
        };
        let line = first_line + mark.line().saturating_sub(1);
        let node = match event {
            Event::StreamEnd | Event::DocumentEnd => break,
            Event::Scalar(value, style, _, _) => {
                let is_null = style == TScalarStyle::Plain
                    && matches!(value.as_str(), "~" | "null" | "Null" | "NULL");
                Node::Scalar(if is_null { String::new() } else { value })
            }
            Event::Alias(_) => Node::Scalar(String::new()),
            Event::SequenceStart(..) => {
                stack.push((Node::Seq(Vec::new()), line));
                continue;
            }
            Event::MappingStart(..) => {
                stack.push((Node::Map(Vec::new()), line));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some((node, _)) => node,
                None => return None,
            },
            Event::Nothing | Event::StreamStart | Event::DocumentStart => continue,
        };
        let top_level = stack.len() == 1;
        match stack.last_mut() {
            Some((Node::Seq(items), _)) => items.push(node),
            Some((Node::Map(items), _)) => {
                if top_level && items.len() % 2 == 0 {
                    lines.push(line);
                }
                items.push(node);
            }
            Some((Node::Scalar(_), _)) => return None,
            None => root = Some(node),
        }
        if root.is_some() {
            break;
        }
    }
    let items = match root {
        Some(Node::Map(items)) => items,
        // An empty front matter parses as nothing at all: no fields, not broken.
        None if yaml.trim().is_empty() => Vec::new(),
        _ => {
            notes.push(Note::warning(
                first_line,
                "front matter is not a YAML mapping; read line by line instead",
            ));
            return None;
        }
    };
    let mut fields = Vec::new();
    let mut iter = items.into_iter();
    let mut line_iter = lines.into_iter();
    while let (Some(key), Some(value)) = (iter.next(), iter.next()) {
        let line = line_iter.next().unwrap_or(first_line);
        let Node::Scalar(key) = key else {
            notes.push(Note::warning(
                line,
                "front-matter key is not a plain string; ignored",
            ));
            continue;
        };
        let value = match value {
            Node::Scalar(s) => RawValue::Scalar(s),
            Node::Seq(items) => RawValue::List(flatten(items, &key, line, notes)),
            Node::Map(_) => {
                notes.push(Note::warning(
                    line,
                    format!("nested mapping under `{key}` ignored"),
                ));
                RawValue::Scalar(String::new())
            }
        };
        fields.push(RawField { key, value, line });
    }
    Some(fields)
}

fn flatten(items: Vec<Node>, key: &str, line: usize, notes: &mut Vec<Note>) -> Vec<String> {
    let mut out = Vec::new();
    for item in items {
        match item {
            Node::Scalar(s) => out.push(s),
            Node::Seq(inner) => out.extend(flatten(inner, key, line, notes)),
            Node::Map(_) => notes.push(Note::warning(
                line,
                format!("mapping inside list `{key}` ignored"),
            )),
        }
    }
    out
}

/// Read `key: value` lines without a YAML parser, for front matter that YAML rejects.
///
/// Understands top-level `key: value`, `key:` followed by `- item` lines, `[a, b]` flow
/// lists and single/double quoting; anything else is reported and skipped.
pub fn read_lines(yaml: &str, first_line: usize, notes: &mut Vec<Note>) -> Vec<RawField> {
    let mut fields: Vec<RawField> = Vec::new();
    for (i, raw_line) in yaml.lines().enumerate() {
        let line = first_line + i;
        let text = raw_line.trim_end();
        let trimmed = text.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(item) = trimmed
            .strip_prefix('-')
            .filter(|r| r.is_empty() || r.starts_with(' '))
        {
            if let Some(last) = fields.last_mut() {
                let item = unquote(item.trim());
                match &mut last.value {
                    RawValue::List(items) => items.push(item),
                    RawValue::Scalar(s) if s.is_empty() => last.value = RawValue::List(vec![item]),
                    RawValue::Scalar(_) => notes.push(Note::warning(
                        line,
                        "list item after a scalar value ignored",
                    )),
                }
                continue;
            }
        }
        match text.split_once(':') {
            Some((key, value))
                if !text.starts_with(char::is_whitespace) && !key.trim().is_empty() =>
            {
                let value = value.trim();
                let value = match value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
                    Some(inner) => RawValue::List(
                        inner
                            .split(',')
                            .map(|s| unquote(s.trim()))
                            .filter(|s| !s.is_empty())
                            .collect(),
                    ),
                    None => RawValue::Scalar(unquote(value)),
                };
                fields.push(RawField {
                    key: key.trim().to_owned(),
                    value,
                    line,
                });
            }
            _ => notes.push(Note::warning(
                line,
                format!("unreadable front-matter line `{trimmed}` skipped"),
            )),
        }
    }
    fields
}

/// Remove YAML quotes: `'it''s'` → `it's`, `"a \"b\""` → `a "b"`; plain text loses a
/// trailing ` # comment`.
pub fn unquote(value: &str) -> String {
    if value.len() >= 2 && value.starts_with('\'') && value.ends_with('\'') {
        return value[1..value.len() - 1].replace("''", "'");
    }
    if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        let mut out = String::new();
        let mut chars = value[1..value.len() - 1].chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        }
        return out;
    }
    match value.find(" #") {
        Some(cut) => value[..cut].trim_end().to_owned(),
        None => value.to_owned(),
    }
}
