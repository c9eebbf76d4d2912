//! Integration tests over the whole Alchemy Insights corpus.

mod common;

use std::collections::BTreeMap;

use common::source_counts::source_counts;
use common::{corpus_dir, corpus_files, files_below, imported, markdown_counts, scratch};
use supportbot::article::import::{convert_file, Origin};
use supportbot::article::{
    import_tree, is_sxs, parse_document, read_article_file, split_sxs, Severity,
};

#[test]
fn whole_corpus_imports_without_errors() {
    let (report, _) = imported();
    let errors: Vec<String> = report
        .problems
        .iter()
        .filter(|p| p.is_error())
        .map(|p| p.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(report.files_read, 4248);
    assert_eq!(report.files_failed, 0);
    assert_eq!(report.files_imported, 4248);
    assert_eq!(report.articles_written, 36 * 59 + 59);
    assert_eq!(report.english_written, 59);
    assert!(report.is_success());
}

#[test]
fn links_and_bold_spans_survive_per_half() {
    let mut mismatches = Vec::new();
    for (source, text) in corpus_files() {
        let input = source_counts(&text);
        let (candidates, notes) = convert_file(&source, &text);
        assert!(
            notes.iter().all(|n| n.severity == Severity::Warning),
            "{source}: {notes:?}"
        );
        for candidate in candidates {
            let (links, markers) = match candidate.origin {
                Origin::SxsEnglish => (input.english_links, input.english_bold_markers),
                _ => (input.localized_links, input.localized_bold_markers),
            };
            let output = markdown_counts(&candidate.body);
            if output.links != links || output.bold * 2 != markers {
                mismatches.push(format!(
                    "{source} {:?}: links {links} -> {}, bold markers {markers} -> {} spans",
                    candidate.origin, output.links, output.bold
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn no_break_spaces_are_kept() {
    let nbsp = |s: &str| s.matches('\u{a0}').count();
    for (source, text) in corpus_files() {
        let doc = parse_document(&text);
        let (candidates, _) = convert_file(&source, &text);
        let split = is_sxs(doc.body).then(|| split_sxs(doc.body, 1));
        for candidate in candidates {
            let half = match (&split, candidate.origin) {
                (Some(split), Origin::SxsEnglish) => split.english.as_str(),
                (Some(split), _) => split.localized.as_str(),
                (None, _) => doc.body,
            };
            assert_eq!(
                nbsp(&candidate.body),
                nbsp(half),
                "{source} {:?}",
                candidate.origin
            );
            if candidate.origin != Origin::SxsEnglish {
                assert_eq!(
                    nbsp(&candidate.header.title),
                    nbsp(&doc.front.title),
                    "{source}"
                );
            }
        }
    }
}

#[test]
fn no_markup_or_invisibles_survive() {
    let (_, out) = imported();
    let mut nbsp = 0;
    for rel in files_below(out) {
        let text = std::fs::read_to_string(out.join(&rel)).expect("output is UTF-8");
        for needle in [
            "<span",
            "</span",
            "data-ttu-id",
            "data-stu-id",
            "sxs-lookup",
            "<a name",
            "\u{feff}",
            "\u{200b}",
            "\u{2060}",
        ] {
            assert!(
                !text.contains(needle),
                "{} contains {needle:?}",
                rel.display()
            );
        }
        nbsp += text.matches('\u{a0}').count();
    }
    assert!(nbsp >= 217, "U+00A0 must be kept, found {nbsp}");
}

#[test]
fn every_output_file_is_a_valid_catalog_entry() {
    let (_, out) = imported();
    let mut per_locale: BTreeMap<String, usize> = BTreeMap::new();
    for rel in files_below(out) {
        let text = std::fs::read_to_string(out.join(&rel)).expect("read");
        let (header, body) =
            read_article_file(&text).unwrap_or_else(|e| panic!("{}: {e}", rel.display()));
        let folder = rel.parent().and_then(|p| p.to_str()).unwrap_or_default();
        assert_eq!(header.locale, folder);
        assert_eq!(
            format!("{}.md", header.key),
            rel.file_name().and_then(|n| n.to_str()).unwrap_or_default()
        );
        assert_eq!(header.kind, "article");
        assert_eq!(header.format, "literal");
        assert!(!header.title.is_empty(), "{}", rel.display());
        assert!(
            corpus_dir().join(&header.source).is_file(),
            "{}",
            header.source
        );
        assert_eq!(
            header.direction.is_some(),
            matches!(folder, "ar-SA" | "he-IL"),
            "{}",
            rel.display()
        );
        assert!(
            body.ends_with('\n') && !body.ends_with("\n\n") && body.starts_with("# "),
            "{}",
            rel.display()
        );
        *per_locale.entry(header.locale).or_default() += 1;
    }
    assert_eq!(per_locale.len(), 37);
    assert!(per_locale.values().all(|&n| n == 59), "{per_locale:?}");
    assert!(per_locale.contains_key("sr-Latn-RS") && per_locale.contains_key("en-US"));
}

#[test]
fn importing_twice_is_byte_identical() {
    let (first_report, first) = imported();
    let second = scratch("second-import");
    let second_report = import_tree(&corpus_dir(), &second).expect("second import");
    assert_eq!(first_report, &second_report);
    let files = files_below(first);
    assert_eq!(files, files_below(&second));
    assert!(files.iter().all(|f| !f.to_string_lossy().contains(".tmp")));
    for rel in files {
        let a = std::fs::read(first.join(&rel)).expect("a");
        let b = std::fs::read(second.join(&rel)).expect("b");
        assert!(a == b, "{} differs", rel.display());
    }
}

#[test]
fn cross_references_are_recorded() {
    let (_, out) = imported();
    let text = std::fs::read_to_string(out.join("nb-NO/all-subscriptions-are-active.md"))
        .unwrap_or_default();
    let refs: usize = files_below(out)
        .iter()
        .filter_map(|rel| std::fs::read_to_string(out.join(rel)).ok())
        .filter_map(|t| read_article_file(&t).ok().map(|(h, _)| h.refs.len()))
        .sum();
    assert!(refs > 100, "only {refs} cross-references; sample:\n{text}");
}

#[test]
fn every_article_renders_within_limits_without_splitting_links() {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    use supportbot::answer::render::{render, Flavor, DISCORD_CONTENT_LIMIT};

    let (_, out) = imported();
    for rel in files_below(out) {
        let text = std::fs::read_to_string(out.join(&rel)).expect("read");
        let (_, body) = read_article_file(&text).expect("catalog file");
        let urls: Vec<String> = Parser::new_ext(body, Options::ENABLE_GFM)
            .filter_map(|e| match e {
                Event::Start(Tag::Link { dest_url, .. }) => Some(dest_url.to_string()),
                _ => None,
            })
            .collect();
        for flavor in [Flavor::Discord, Flavor::Teams, Flavor::Plain] {
            for limit in [DISCORD_CONTENT_LIMIT, 400] {
                let chunks = render(body, flavor, limit);
                assert!(!chunks.is_empty(), "{}", rel.display());
                for chunk in &chunks {
                    assert!(
                        chunk.chars().count() <= limit,
                        "{} {flavor:?} {limit}",
                        rel.display()
                    );
                    assert!(
                        !chunk.contains("[!NOTE]") && !chunk.contains("[!IMPORTANT]"),
                        "{}",
                        rel.display()
                    );
                    if flavor == Flavor::Plain {
                        assert!(
                            !chunk.contains("**") && !chunk.contains("]("),
                            "{}: {chunk}",
                            rel.display()
                        );
                    }
                }
                // Every link URL appears whole, each inside one chunk.
                let found: usize = chunks
                    .iter()
                    .map(|c| urls.iter().filter(|u| c.contains(u.as_str())).count())
                    .sum();
                assert!(
                    found >= urls.iter().collect::<std::collections::BTreeSet<_>>().len(),
                    "{} {flavor:?}",
                    rel.display()
                );
            }
        }
    }
}
