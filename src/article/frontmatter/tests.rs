use super::*;
use crate::article::problem::Severity;

const SEED: &str = "---\ntitle: Avbryte, refundere eller lukke Microsoft 365 abonnementet\nms.author: cmcatee\nms.custom:\n- commerce_subscriptions\n- \"9002914\"\n- \"5614\"\nms.date: 04/14/2021\nms.translationtype: MT\nms.contentlocale: nb-NO\nms.lasthandoff: 08/31/2021\nms.locfileid: \"58843387\"\n---\n# Heading\n\nBody";

#[test]
fn seed_front_matter() {
    let doc = parse_document(SEED);
    let fm = &doc.front;
    assert!(fm.present);
    assert_eq!(
        fm.title,
        "Avbryte, refundere eller lukke Microsoft 365 abonnementet"
    );
    assert_eq!(fm.locale.as_deref(), Some("nb-NO"));
    assert_eq!(fm.translation, Translation::Machine);
    assert_eq!(fm.date, NaiveDate::from_ymd_opt(2021, 4, 14));
    assert_eq!(fm.handoff, NaiveDate::from_ymd_opt(2021, 8, 31));
    assert_eq!(fm.ms_custom_ids, ["9002914", "5614"]);
    assert_eq!(fm.tags, ["commerce_subscriptions"]);
    assert_eq!(fm.body_line, 14);
    assert_eq!(doc.body, "# Heading\n\nBody");
    assert!(fm.notes.is_empty(), "{:?}", fm.notes);
}

fn front(yaml: &str) -> FrontMatter {
    parse_document(&format!("---\n{yaml}\n---\nbody\n")).front
}

#[test]
fn ms_custom_shapes() {
    assert_eq!(front("ms.custom: 8000067").ms_custom_ids, ["8000067"]);
    let empty = front("ms.custom: ''");
    assert!(empty.ms_custom_ids.is_empty() && empty.tags.is_empty());
    assert!(front("ms.custom:").ms_custom_ids.is_empty());
    let dup = front("ms.custom:\n- \"9003797\"\n- \"6837\"\n- \"9003797\"\n- \"6839\"");
    assert_eq!(dup.ms_custom_ids, ["9003797", "6837", "6839"]);
    assert_eq!(front("ms.custom: [\"1\", tag]").ms_custom_ids, ["1"]);
    assert_eq!(
        front("ms.custom: '9002914, 5614'").ms_custom_ids,
        ["9002914", "5614"]
    );
}

#[test]
fn titles_and_dates() {
    let fm = front("title: 'Vanlige spørsmål om bedriftsabonnement '\nms.date: ''\nms.assetid:");
    assert_eq!(fm.title, "Vanlige spørsmål om bedriftsabonnement");
    assert_eq!(fm.date, None);
    assert!(fm.notes.is_empty(), "{:?}", fm.notes);
    assert_eq!(
        front(r#"title: "\"Power BI\" atšaukimas""#).title,
        "\"Power BI\" atšaukimas"
    );
    let bad = front("ms.date: 13/45/2021");
    assert_eq!(bad.date, None);
    assert_eq!(bad.notes.len(), 1);
    assert_eq!(
        parse_date("2021-04-14"),
        NaiveDate::from_ymd_opt(2021, 4, 14)
    );
    assert_eq!(parse_date("4/1/2021"), NaiveDate::from_ymd_opt(2021, 4, 1));
}

#[test]
fn locale_and_translation() {
    let fm = front("ms.contentlocale: nb-no\nms.translationtype: HT");
    assert_eq!(fm.locale.as_deref(), Some("nb-NO"));
    assert_eq!(fm.translation, Translation::Human);
    assert_eq!(
        front("ms.contentlocale: sr-Latn-RS").locale.as_deref(),
        Some("sr-Latn-RS")
    );
    let bad = front("ms.contentlocale: ../../etc");
    assert_eq!(bad.locale, None);
    assert_eq!(bad.notes.len(), 1);
    assert_eq!(front("x: y").translation, Translation::Unknown);
}

#[test]
fn duplicate_keys_last_wins() {
    let fm = front("title: first\nms.author: a\ntitle: second");
    assert_eq!(fm.title, "second");
    assert_eq!(fm.notes.len(), 1);
    assert_eq!(fm.notes[0].line, 4);
    assert_eq!(fm.notes[0].severity, Severity::Warning);
}

#[test]
fn broken_yaml_falls_back_to_lines() {
    let fm = front(
        "title: Broken: \"quote\nms.custom:\n- \"12\"\n- tag\n\tweird\nms.contentlocale: de-de",
    );
    assert_eq!(fm.locale.as_deref(), Some("de-DE"));
    assert_eq!(fm.ms_custom_ids, ["12"]);
    assert_eq!(fm.tags, ["tag"]);
    assert!(fm
        .notes
        .iter()
        .any(|n| n.message.contains("not valid YAML")));
    assert!(fm.notes.iter().all(|n| n.severity == Severity::Warning));
}

#[test]
fn missing_or_unclosed_front_matter() {
    let none = parse_document("# Just a heading\n");
    assert!(!none.front.present);
    assert_eq!(none.body, "# Just a heading\n");
    let open = parse_document("---\ntitle: x\n");
    assert!(open
        .front
        .notes
        .iter()
        .any(|n| n.severity == Severity::Error));
    let bom = parse_document("\u{feff}---\ntitle: t\n---\n");
    assert_eq!(bom.front.title, "t");
    assert_eq!(bom.body, "");
    let empty = parse_document("---\n---\nbody");
    assert!(empty.front.present && empty.front.notes.is_empty());
    assert_eq!(empty.body, "body");
}

#[test]
fn yaml_line_numbers_are_file_lines() {
    let fm = front("a: 1\nb: [unclosed");
    let note = fm
        .notes
        .iter()
        .find(|n| n.message.contains("not valid YAML"));
    assert!(
        note.is_some_and(|n| (2..=5).contains(&n.line)),
        "{:?}",
        fm.notes
    );
}

#[test]
fn no_break_spaces_in_titles_are_kept() {
    assert_eq!(
        front("title: Annuler Microsoft\u{a0}365 ").title,
        "Annuler Microsoft\u{a0}365"
    );
}
