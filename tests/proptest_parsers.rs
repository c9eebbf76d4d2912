//! Property tests: the parsers and the renderer never panic, on arbitrary strings and on
//! arbitrary mutations of real corpus files, and keep their basic invariants.

mod common;

use std::sync::OnceLock;

use common::corpus_files;
use proptest::prelude::*;
use supportbot::answer::render::{render, Flavor};
use supportbot::article::import::convert_file;
use supportbot::article::links::find_links;
use supportbot::article::{clean_markdown, parse_document, split_sxs};

/// Fragments of the corpus' markup, so random strings hit the interesting paths.
const TOKENS: &[&str] = &[
    "---\n",
    "title: x\n",
    "ms.custom:\n- \"12\"\n",
    "ms.contentlocale: nb-no\n",
    "ms.date: 04/14/2021\n",
    "key: 'a''b'\n",
    "<span data-ttu-id=\"cd664-102\">",
    "</span>",
    "<span class=\"sxs-lookup\">",
    "<span data-stu-id=\"cd664-102\">",
    "<span data-stu-id=\"cd664-p101\">",
    "<a name=\"x\"></a>",
    "[",
    "]",
    "(",
    ")",
    "](",
    "](https://d.example/x?view=a#b)",
    "[](/microsoft-365/x)",
    "**",
    "*",
    "\\>",
    "\\",
    ">",
    "> [!NOTE]\n",
    "    ",
    "  \n",
    "\n",
    "\n\n",
    "- ",
    "1.",
    "2.",
    "1. ",
    "# ",
    "word ",
    "text",
    ".",
    ",",
    "製品",
    "إغلاق",
    "\u{a0}",
    "\u{200b}",
    "\u{feff}",
    "\"",
    "'",
    ":",
    "`",
    "```\n",
    "~~",
    "|",
    "_",
    "\t",
    "\r",
];

fn markdownish() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..80).prop_map(|v| v.concat())
}

fn corpus() -> &'static Vec<(String, String)> {
    static FILES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    FILES.get_or_init(corpus_files)
}

/// Apply `(position fraction, delete length, insertion)` edits on char boundaries.
fn mutate(text: &str, edits: &[(f64, usize, String)]) -> String {
    let mut s = text.to_owned();
    for (at, delete, insert) in edits {
        let mut start = ((s.len() as f64) * at) as usize;
        while !s.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (start + delete).min(s.len());
        while !s.is_char_boundary(end) {
            end += 1;
        }
        s.replace_range(start..end, insert);
    }
    s
}

fn check_all_parsers(text: &str) {
    let doc = parse_document(text);
    assert!(text.ends_with(doc.body));
    assert!(doc.front.body_line >= 1);
    let split = split_sxs(doc.body, doc.front.body_line);
    for half in [&split.localized, &split.english, &doc.body.to_owned()] {
        let cleaned = clean_markdown(half, 1);
        assert!(!cleaned.markdown.contains(['\u{feff}', '\u{200b}']));
        assert!(cleaned.markdown.is_empty() || cleaned.markdown.ends_with('\n'));
    }
    let (candidates, _) = convert_file("xx-XX/some-file.sxs.md", text);
    for c in candidates {
        assert!(!c.body.contains("data-ttu-id"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsers_never_panic_on_any_string(text in any::<String>()) {
        check_all_parsers(&text);
    }

    #[test]
    fn parsers_never_panic_on_markdownish_strings(text in markdownish()) {
        check_all_parsers(&text);
    }

    #[test]
    fn links_are_ordered_and_well_formed(text in markdownish()) {
        let mut previous_end = 0;
        for link in find_links(&text) {
            prop_assert!(link.whole.start >= previous_end);
            prop_assert!(link.whole.start < link.text.start && link.text.end < link.url.start);
            prop_assert!(link.url.end < link.whole.end && link.whole.end <= text.len());
            prop_assert!(text.is_char_boundary(link.text.start) && text.is_char_boundary(link.url.end));
            prop_assert!(text[link.whole.clone()].ends_with(')'));
            previous_end = link.whole.end;
        }
    }

    #[test]
    fn cleaning_is_idempotent(text in markdownish()) {
        let once = clean_markdown(&text, 1).markdown;
        let twice = clean_markdown(&once, 1).markdown;
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn mutated_corpus_files_never_panic(
        index in any::<prop::sample::Index>(),
        edits in prop::collection::vec((0.0..1.0f64, 0..40usize, markdownish()), 1..6),
    ) {
        let files = corpus();
        let (_, text) = &files[index.index(files.len())];
        check_all_parsers(&mutate(text, &edits));
    }

    #[test]
    fn render_respects_limits(text in markdownish(), limit in 1..300usize) {
        for flavor in [Flavor::Discord, Flavor::Teams, Flavor::Plain] {
            for chunk in render(&text, flavor, limit) {
                prop_assert!(!chunk.trim().is_empty());
                prop_assert!(chunk.chars().count() <= limit, "{:?} {}: {:?}", flavor, limit, chunk);
            }
        }
    }

    #[test]
    fn render_never_splits_links(
        words in prop::collection::vec(prop_oneof![
            "[a-z]{1,12}".prop_map(|w| w),
            ("[a-z ]{1,20}", "[a-z]{1,20}").prop_map(|(t, u)| format!("[{}](https://x.example/{u})", t.trim())),
            Just("\n\n".to_owned()),
            Just("\n- ".to_owned()),
        ], 1..80),
        // Longest link atom: 20 chars of text + 38 of URL + 4 of syntax.
        limit in 62..400usize,
    ) {
        let markdown = words.join(" ");
        for flavor in [Flavor::Discord, Flavor::Plain] {
            let chunks = render(&markdown, flavor, limit);
            for url in markdown.match_indices("https://x.example/").map(|(at, _)| {
                let end = markdown[at..].find(')').map_or(markdown.len(), |e| at + e);
                &markdown[at..end]
            }) {
                // Discord keeps `[text](url)`; Plain writes `text (url)` or a bare `url`.
                let whole = |c: &str| c.match_indices(url).any(|(at, _)| {
                    let next = c[at + url.len()..].chars().next();
                    match flavor {
                        Flavor::Plain => matches!(next, None | Some(')' | ' ' | '\n')),
                        _ => (next == Some(')') && c[..at].ends_with('(')) || matches!(next, None | Some(' ' | '\n')),
                    }
                });
                prop_assert!(chunks.iter().any(|c| whole(c)), "{:?}: {} missing whole", flavor, url);
            }
        }
    }
}
