//! A lenient scanner for inline markdown links `[text](url "title")`.
//!
//! The corpus only has inline links, but their text is sloppy: empty (`[](url)`),
//! containing brackets (`[[製品]](url)`), preceded by an unbalanced `[`, broken over a
//! line, or glued to the next word. The scanner anchors on `](`, reads the destination
//! forwards and then finds the opening `[` backwards with bracket balancing, which gives
//! the same links as CommonMark for this input while exposing exact byte ranges.

use std::ops::Range;

/// One inline link found in a markdown string; all ranges are byte ranges into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// From the `[` (or the `!` of an image) to just after the `)`.
    pub whole: Range<usize>,
    /// The text between the brackets.
    pub text: Range<usize>,
    /// The destination, without surrounding spaces or `<…>`.
    pub url: Range<usize>,
    /// The title inside its quotes, if any.
    pub title: Option<Range<usize>>,
    /// `![alt](src)`.
    pub is_image: bool,
}

fn is_escaped(bytes: &[u8], at: usize) -> bool {
    bytes[..at]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count()
        % 2
        == 1
}

/// Find all inline links in `s`, in order, never overlapping.
pub fn find_links(s: &str) -> Vec<Link> {
    let bytes = s.as_bytes();
    let mut links = Vec::new();
    let mut floor = 0;
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b']' && bytes[i + 1] == b'(' && !is_escaped(bytes, i) {
            if let Some(link) = link_at(s, i, floor) {
                i = link.whole.end;
                floor = i;
                links.push(link);
                continue;
            }
        }
        i += 1;
    }
    links
}

/// Try the link whose text closes with the `]` at `close`, not starting before `floor`.
fn link_at(s: &str, close: usize, floor: usize) -> Option<Link> {
    let (url, title, end) = destination(s, close + 2)?;
    let open = opening_bracket(s.as_bytes(), close, floor)?;
    let is_image =
        open > floor && s.as_bytes()[open - 1] == b'!' && !is_escaped(s.as_bytes(), open - 1);
    let start = if is_image { open - 1 } else { open };
    Some(Link {
        whole: start..end,
        text: open + 1..close,
        url,
        title,
        is_image,
    })
}

/// Walk back from `close` to the `[` that balances it, without crossing a blank line.
fn opening_bracket(bytes: &[u8], close: usize, floor: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = close;
    while j > floor {
        j -= 1;
        match bytes[j] {
            b'[' if !is_escaped(bytes, j) => {
                if depth == 0 {
                    return Some(j);
                }
                depth -= 1;
            }
            b']' if !is_escaped(bytes, j) => depth += 1,
            b'\n' if blank_line_before(bytes, j) => return None,
            _ => {}
        }
    }
    None
}

/// True when the line ending at the newline `nl` contains only whitespace.
fn blank_line_before(bytes: &[u8], nl: usize) -> bool {
    bytes[..nl]
        .iter()
        .rev()
        .take_while(|&&b| b != b'\n')
        .all(|b| b.is_ascii_whitespace())
}

/// Parse `url "title")` starting at `from`; returns the url range, title range and the
/// index just after `)`. URLs have no whitespace; one level of balanced parentheses is
/// allowed, as in CommonMark.
fn destination(s: &str, from: usize) -> Option<(Range<usize>, Option<Range<usize>>, usize)> {
    let bytes = s.as_bytes();
    let skip_ws = |mut k: usize| {
        while k < bytes.len() && matches!(bytes[k], b' ' | b'\t') {
            k += 1;
        }
        k
    };
    let mut k = skip_ws(from);
    let url = if bytes.get(k) == Some(&b'<') {
        let end = k + 1 + s[k + 1..].find(['>', '\n'])?;
        if bytes[end] != b'>' {
            return None;
        }
        let url = k + 1..end;
        k = end + 1;
        url
    } else {
        let start = k;
        let mut depth = 0usize;
        while k < bytes.len() {
            match bytes[k] {
                b'(' if !is_escaped(bytes, k) => depth += 1,
                b')' if !is_escaped(bytes, k) => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                }
                b if b.is_ascii_whitespace() => break,
                _ => {}
            }
            k += 1;
        }
        start..k
    };
    k = skip_ws(k);
    let mut title = None;
    if let Some(&quote) = bytes.get(k).filter(|&&b| b == b'"' || b == b'\'') {
        let end = k + 1 + s[k + 1..].find(quote as char)?;
        title = Some(k + 1..end);
        k = skip_ws(end + 1);
    }
    (bytes.get(k) == Some(&b')')).then_some((url, title, k + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<(&str, &str)> {
        find_links(s)
            .into_iter()
            .map(|l| (&s[l.text], &s[l.url]))
            .collect()
    }

    #[test]
    fn plain_and_glued() {
        let s = "kan [du se Lukke kontoen](https://x/close?view=o365)din .";
        assert_eq!(
            texts(s),
            [("du se Lukke kontoen", "https://x/close?view=o365")]
        );
    }

    #[test]
    fn empty_text_and_brackets() {
        assert_eq!(texts("a [](u1) b"), [("", "u1")]);
        assert_eq!(texts("**[課金]** > [[製品]](u) ページ"), [("[製品]", "u")]);
        assert_eq!(
            texts("移至 [ **帳單** \\> [產品](u) ] 頁面"),
            [("產品", "u")]
        );
        assert_eq!(texts("選取 [ **重新啟用此訂閱**]"), []);
    }

    #[test]
    fn multi_line_text_but_not_across_paragraphs() {
        assert_eq!(
            texts("vea [Reactivar \nla suscripción](/m/r)."),
            [("Reactivar \nla suscripción", "/m/r")]
        );
        assert_eq!(texts("[a\n\nb](u)"), []);
        assert_eq!(texts("[a\n  \nb](u)"), []);
    }

    #[test]
    fn urls_titles_and_escapes() {
        let s = "[t](https://p/#blade/A_B?x=1?y=2 \"T\") \\[no](u) [p](a_(b)) [s]( <c d> )";
        let links = find_links(s);
        assert_eq!(links.len(), 3);
        assert_eq!(&s[links[0].url.clone()], "https://p/#blade/A_B?x=1?y=2");
        assert_eq!(links[0].title.clone().map(|r| &s[r]), Some("T"));
        assert_eq!(&s[links[1].url.clone()], "a_(b)");
        assert_eq!(&s[links[2].url.clone()], "c d");
        assert_eq!(texts("[a](b c)"), []);
        assert_eq!(texts("[a](b"), []);
        assert!(find_links("![i](p)")[0].is_image);
    }

    #[test]
    fn adjacent_links_do_not_share_brackets() {
        assert_eq!(texts("[a](1)[b](2)"), [("a", "1"), ("b", "2")]);
        assert_eq!(texts("[a](1)](2)"), [("a", "1")]);
    }
}
