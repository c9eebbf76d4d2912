//! Splitting side-by-side (sxs) review bodies into their localized and English halves.
//!
//! A pair is `<span data-ttu-id="ID">LOCALIZED</span><span class="sxs-lookup"><span
//! data-stu-id="ID">ENGLISH</span></span>`. Everything outside pairs (list markers,
//! `# <a name…></a>`, `> [!NOTE]`, and `[`…`](url)` wrapped around a whole pair) is
//! structure and is copied into both halves, which is what turns
//! `[<pair X|Y>](url)` into `[X](url)` and `[Y](url)`. Span contents may cross lines
//! (es-ES breaks link text inside a pair).

use std::collections::HashSet;

use super::problem::Note;

const TTU_OPEN: &str = "<span data-ttu-id=\"";
const LOOKUP_OPEN: &str = "<span class=\"sxs-lookup\">";
const STU_OPEN: &str = "<span data-stu-id=\"";
const CLOSE: &str = "</span>";

/// The two markdown bodies of an sxs file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SxsSplit {
    /// The translation (from `data-ttu-id` spans).
    pub localized: String,
    /// The English source (from `sxs-lookup` spans).
    pub english: String,
    /// Number of pairs read.
    pub pairs: usize,
    /// Problems with file line numbers; malformed markup is an error.
    pub notes: Vec<Note>,
}

/// True when `body` is in side-by-side form (or a broken attempt at it, which
/// [`split_sxs`] then reports).
pub fn is_sxs(body: &str) -> bool {
    body.contains("class=\"sxs-lookup\"") || body.contains("data-ttu-id=")
}

/// Split an sxs `body` whose first line is file line `first_line`.
pub fn split_sxs(body: &str, first_line: usize) -> SxsSplit {
    let mut out = SxsSplit::default();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut pos = 0;
    // Line counting is incremental so a body with many pairs stays linear.
    let mut line = first_line;
    let mut counted = 0;
    let mut line_at = |at: usize| {
        line += body.as_bytes()[counted..at]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        counted = at;
        line
    };
    while let Some(found) = body[pos..].find("<span") {
        let start = pos + found;
        let outside = &body[pos..start];
        out.localized.push_str(outside);
        out.english.push_str(outside);
        let at_line = line_at(start);
        let rest = &body[start..];
        if let Some(after) = rest.strip_prefix(TTU_OPEN) {
            match read_pair(after) {
                Ok(pair) => {
                    if pair.ttu != pair.stu {
                        out.notes.push(Note::warning(
                            at_line,
                            format!("ttu id `{}` does not match stu id `{}`", pair.ttu, pair.stu),
                        ));
                    }
                    if !valid_id(pair.ttu) {
                        out.notes.push(Note::warning(
                            at_line,
                            format!("unusual sxs id `{}`", pair.ttu),
                        ));
                    }
                    if !seen.insert(pair.ttu) {
                        out.notes.push(Note::warning(
                            at_line,
                            format!("duplicate sxs id `{}`", pair.ttu),
                        ));
                    }
                    out.localized.push_str(pair.localized);
                    out.english.push_str(pair.english);
                    out.pairs += 1;
                    pos = start + TTU_OPEN.len() + pair.consumed;
                }
                Err(PairError { message, consumed }) => {
                    out.notes.push(Note::error(at_line, message));
                    pos = start + TTU_OPEN.len() + consumed;
                }
            }
        } else if let Some(after) = rest.strip_prefix(LOOKUP_OPEN) {
            // A lookup without its translation: keep the English, say so.
            match after.strip_prefix(STU_OPEN).and_then(|a| read_span(a, 2)) {
                Some((_, english, consumed)) => {
                    out.notes.push(Note::warning(
                        at_line,
                        "sxs-lookup span without a data-ttu-id span before it",
                    ));
                    out.english.push_str(english);
                    pos = start + LOOKUP_OPEN.len() + STU_OPEN.len() + consumed;
                }
                None => {
                    out.notes
                        .push(Note::error(at_line, "malformed sxs-lookup span"));
                    pos = start + LOOKUP_OPEN.len();
                }
            }
        } else {
            out.notes.push(Note::error(
                at_line,
                "unexpected <span> outside an sxs pair",
            ));
            pos = start + "<span".len();
        }
    }
    out.localized.push_str(&body[pos..]);
    out.english.push_str(&body[pos..]);
    out
}

struct Pair<'a> {
    ttu: &'a str,
    stu: &'a str,
    localized: &'a str,
    english: &'a str,
    consumed: usize,
}

struct PairError {
    message: String,
    consumed: usize,
}

/// Read `ID">LOCALIZED</span><span class="sxs-lookup"><span data-stu-id="ID">ENGLISH</span></span>`.
fn read_pair(s: &str) -> Result<Pair<'_>, PairError> {
    let fail = |message: &str, consumed: usize| PairError {
        message: message.to_owned(),
        consumed,
    };
    let (ttu, localized, mut k) =
        read_span(s, 1).ok_or_else(|| fail("unterminated data-ttu-id span", 0))?;
    // Tolerate blanks in the glue, which the corpus never has but hand edits might.
    k += s[k..].len() - s[k..].trim_start_matches([' ', '\t']).len();
    let glue = s[k..]
        .strip_prefix(LOOKUP_OPEN)
        .and_then(|r| r.strip_prefix(STU_OPEN));
    let Some(after) = glue else {
        return Err(fail(
            &format!("data-ttu-id span `{ttu}` is not followed by its sxs-lookup span"),
            k,
        ));
    };
    k += LOOKUP_OPEN.len() + STU_OPEN.len();
    let (stu, english, used) =
        read_span(after, 2).ok_or_else(|| fail("unterminated sxs-lookup span", k))?;
    Ok(Pair {
        ttu,
        stu,
        localized,
        english,
        consumed: k + used,
    })
}

/// Read `ID">CONTENT` followed by `closes` times `</span>`; returns id, content and the
/// bytes consumed. Content holding another `<span` is rejected rather than guessed at.
fn read_span(s: &str, closes: usize) -> Option<(&str, &str, usize)> {
    let id_end = s.find("\">")?;
    let id = &s[..id_end];
    if id.contains(['<', '>', '\n', '"']) {
        return None;
    }
    let content_start = id_end + 2;
    let content_len = s[content_start..].find(CLOSE)?;
    let content = &s[content_start..content_start + content_len];
    if content.contains("<span") {
        return None;
    }
    let mut k = content_start + content_len;
    for _ in 0..closes {
        k += s[k..].starts_with(CLOSE).then_some(CLOSE.len())?;
    }
    Some((id, content, k))
}

/// The corpus id grammar: `[0-9a-f]{5}-p?\d+`.
fn valid_id(id: &str) -> bool {
    let Some((prefix, number)) = id.split_once('-') else {
        return false;
    };
    let number = number.strip_prefix('p').unwrap_or(number);
    prefix.len() == 5
        && prefix.bytes().all(|b| b.is_ascii_hexdigit())
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests;
