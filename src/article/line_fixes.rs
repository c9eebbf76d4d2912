//! Line-level repairs of article markdown: whitespace, glued ordered-list numbers and
//! escaped `\>` breadcrumbs.

use std::borrow::Cow;

use super::links::find_links;

/// Apply the line repairs to `text` (which has already had its links rewritten) and
/// return markdown with single blank lines between blocks and one final newline.
pub fn fix_lines(text: &str) -> String {
    let mut lines: Vec<(String, bool)> = Vec::new();
    for raw in text.split('\n') {
        // ASCII-only trimming: a U+00A0 at a line end is text, not layout.
        let trimmed = raw.trim_ascii_end();
        let hard_break = !trimmed.is_empty() && raw[trimmed.len()..].starts_with("  ");
        if trimmed.is_empty() {
            lines.push((String::new(), false));
            continue;
        }
        let fixed = glue_list_number(trimmed);
        let fixed = split_glued_bold(&fixed);
        let fixed = collapse_spaces(&fixed);
        let fixed = unescape_gt(&fixed);
        match split_run_on_steps(&fixed) {
            Some(pieces) => lines.extend(pieces.into_iter().map(|piece| (piece, false))),
            None => lines.push((fixed.into_owned(), false)),
        }
        if let Some(last) = lines.last_mut() {
            last.1 = hard_break;
        }
    }
    let mut out = String::new();
    let mut pending_blank = false;
    for (i, (line, hard_break)) in lines.iter().enumerate() {
        if line.is_empty() {
            pending_blank = !out.is_empty();
            continue;
        }
        if pending_blank {
            out.push('\n');
            pending_blank = false;
        }
        out.push_str(line);
        // A trailing double space is a hard break only inside a paragraph; elsewhere it
        // is noise, so it survives only when the next line continues the paragraph.
        let next = lines.get(i + 1).map(|(l, _)| l.as_str()).unwrap_or("");
        if *hard_break
            && !next.is_empty()
            && block_prefix_len(next) == 0
            && !next.trim_start().starts_with('#')
        {
            out.push_str("  ");
        }
        out.push('\n');
    }
    out
}

/// Byte length of the block markers at the start of `line`: indentation, `>` quote
/// markers and list markers (`-`, `*`, `+`, `1.`, `1)`), with the blanks after them.
/// Zero means the line starts with plain text.
pub fn block_prefix_len(line: &str) -> usize {
    let b = line.as_bytes();
    let mut i = 0;
    let mut marker_seen = false;
    loop {
        while i < b.len() && matches!(b[i], b' ' | b'\t') {
            i += 1;
        }
        let spaced = |k: usize| k >= b.len() || matches!(b[k], b' ' | b'\t');
        let quote = i < b.len() && b[i] == b'>';
        let bullet = i < b.len() && matches!(b[i], b'-' | b'*' | b'+') && spaced(i + 1);
        if quote || bullet {
            i += 1;
        } else {
            let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            if (1..=9).contains(&digits)
                && matches!(b.get(i + digits), Some(b'.' | b')'))
                && spaced(i + digits + 1)
            {
                i += digits + 1;
            } else {
                return if marker_seen { i } else { 0 };
            }
        }
        marker_seen = true;
    }
}

/// `1.Log in` → `1. Log in`: the corpus has ordered items without the space CommonMark
/// needs. Only a letter, `*` or `[` after the dot counts, so `1.5 GB` stays.
fn glue_list_number(line: &str) -> Cow<'_, str> {
    let indent = line.len() - line.trim_ascii_start().len();
    let rest = &line[indent..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=3).contains(&digits) && rest[digits..].starts_with('.') {
        if let Some(next) = rest[digits + 1..].chars().next() {
            if next.is_alphabetic() || next == '*' || next == '[' {
                return Cow::Owned(format!(
                    "{}{}. {}",
                    &line[..indent],
                    &rest[..digits],
                    &rest[digits + 1..]
                ));
            }
        }
    }
    Cow::Borrowed(line)
}

/// `1. Log in … **Exchange** 2.Select …`: a following step glued onto the same line is
/// moved to its own line, but only the next number in sequence and never inside a link.
/// Returns `None` when there is nothing to split.
fn split_run_on_steps(line: &str) -> Option<Vec<String>> {
    let indent = line.len() - line.trim_ascii_start().len();
    let rest = &line[indent..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let number: Option<u32> = rest.get(..digits).and_then(|d| d.parse().ok());
    let mut number = number.filter(|_| digits > 0 && rest[digits..].starts_with(". "))?;
    let links = find_links(line);
    let mut out = Vec::new();
    let mut marker = String::new();
    let mut start = 0;
    let mut search = indent + digits + 2;
    loop {
        let needle = format!(" {}.", number + 1);
        let Some(found) = line[search..].find(&needle).map(|f| search + f) else {
            break;
        };
        let after = found + needle.len();
        let glued = line[after..]
            .chars()
            .next()
            .is_some_and(char::is_alphabetic);
        if glued && !links.iter().any(|l| l.whole.contains(&found)) {
            // The spaces before the next step's number belonged to the run-on
            // line, not to this step; keeping them would make a second pass
            // change the output.
            out.push(format!("{marker}{}", line[start..found].trim_end()));
            number += 1;
            marker = format!("{}{number}. ", &line[..indent]);
            start = after;
        }
        search = after;
    }
    if out.is_empty() {
        return None;
    }
    out.push(format!("{marker}{}", &line[start..]));
    Some(out)
}

/// `**A****B**` → `**A** **B**`: MT dropped the space between two bold spans, and
/// CommonMark would otherwise read one span with literal asterisks in it.
fn split_glued_bold(line: &str) -> Cow<'_, str> {
    if !line.contains("****") {
        return Cow::Borrowed(line);
    }
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(line.len() + 2);
    let mut last = 0;
    let mut search = 0;
    while let Some(found) = line[search..].find("****").map(|f| search + f) {
        let run = bytes[found..].iter().take_while(|&&b| b == b'*').count();
        let inside_text = found > 0
            && !bytes[found - 1].is_ascii_whitespace()
            && bytes[found - 1] != b'\\'
            && bytes
                .get(found + run)
                .is_some_and(|b| !b.is_ascii_whitespace());
        if run == 4 && inside_text {
            out.push_str(&line[last..found + 2]);
            out.push(' ');
            last = found + 2;
        }
        search = found + run;
    }
    out.push_str(&line[last..]);
    Cow::Owned(out)
}

/// Runs of ASCII spaces inside a line (left by MT dropping words) become one space.
/// Indentation is structure and U+00A0 is deliberate, so both are kept.
fn collapse_spaces(line: &str) -> Cow<'_, str> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if line.contains('`') || !line[indent..].contains("  ") {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    out.push_str(&line[..indent]);
    let mut previous_space = false;
    for c in line[indent..].chars() {
        if c == ' ' && previous_space {
            continue;
        }
        previous_space = c == ' ';
        out.push(c);
    }
    Cow::Owned(out)
}

/// `**Billing** \> [Products]` → `**Billing** > [Products]`. A `>` in the middle of a line
/// is literal in CommonMark, so the escape only stays where the `>` would begin a block.
fn unescape_gt(line: &str) -> Cow<'_, str> {
    if !line.contains("\\>") {
        return Cow::Borrowed(line);
    }
    let keep_at = block_prefix_len(line).max(line.len() - line.trim_ascii_start().len());
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut last = 0;
    for (at, _) in line.match_indices("\\>") {
        let escaped_backslash = bytes[..at]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count()
            % 2
            == 1;
        if at == keep_at || escaped_backslash {
            continue;
        }
        out.push_str(&line[last..at]);
        last = at + 1;
    }
    out.push_str(&line[last..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests;
