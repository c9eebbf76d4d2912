//! A span-aware counter of links and bold spans in *source* files, written
//! independently of the importer so the two can check each other.

/// Counts for the localized and the English half of a source body (equal for plain files).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HalfCounts {
    pub localized_links: usize,
    pub english_links: usize,
    pub localized_bold_markers: usize,
    pub english_bold_markers: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Where {
    Outside,
    Localized,
    English,
}

/// Count in the body of a source file (front matter skipped). A link is a `](` that is
/// followed by a destination without whitespace and a `)`; bold markers are unescaped `**`.
/// Text outside sxs spans (a link wrapped around a pair) counts for both halves.
pub fn source_counts(file_text: &str) -> HalfCounts {
    let body = skip_front_matter(file_text);
    let mut counts = HalfCounts::default();
    let mut place = Where::Outside;
    let b = body.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let rest = &body[i..];
        if rest.starts_with("<span data-ttu-id=") {
            place = Where::Localized;
            i += rest.find('>').map_or(1, |e| e + 1);
            continue;
        }
        if rest.starts_with("<span class=\"sxs-lookup\"><span data-stu-id=") {
            place = Where::English;
            i += "<span class=\"sxs-lookup\">".len();
            i += body[i..].find('>').map_or(1, |e| e + 1);
            continue;
        }
        if rest.starts_with("</span></span>") && place == Where::English {
            place = Where::Outside;
            i += "</span></span>".len();
            continue;
        }
        if rest.starts_with("</span>") && place == Where::Localized {
            place = Where::Outside;
            i += "</span>".len();
            continue;
        }
        let escaped = i > 0 && b[i - 1] == b'\\';
        let (links, bold, step) = if rest.starts_with("](") && is_destination(&rest[2..]) {
            (1, 0, 2)
        } else if rest.starts_with("**") && !escaped {
            (0, 1, 2)
        } else {
            (0, 0, rest.chars().next().map_or(1, char::len_utf8))
        };
        if place != Where::English {
            counts.localized_links += links;
            counts.localized_bold_markers += bold;
        }
        if place != Where::Localized {
            counts.english_links += links;
            counts.english_bold_markers += bold;
        }
        i += step;
    }
    counts
}

fn is_destination(s: &str) -> bool {
    match s.find(')') {
        Some(end) => !s[..end].chars().any(char::is_whitespace),
        None => false,
    }
}

fn skip_front_matter(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("---\n") else {
        return text;
    };
    match rest.find("\n---\n") {
        Some(end) => &rest[end + 5..],
        None => rest.strip_suffix("\n---").map_or(rest, |_| ""),
    }
}
