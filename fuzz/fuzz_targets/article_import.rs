//! A Microsoft Docs localized-markdown article (YAML front matter, side-by-side
//! `sxs` spans) through the importer's parsers and converter.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supportbot::article::import::convert_file;
use supportbot::article::{clean_markdown, parse_document, split_sxs};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let doc = parse_document(text);
    assert!(text.ends_with(doc.body));
    let split = split_sxs(doc.body, doc.front.body_line);
    for half in [&split.localized, &split.english] {
        let cleaned = clean_markdown(half, 1);
        assert!(cleaned.markdown.is_empty() || cleaned.markdown.ends_with('\n'));
    }
    let (candidates, _) = convert_file("nb-no/article.sxs.md", text);
    for c in candidates {
        assert!(!c.body.contains("data-ttu-id"));
    }
});
