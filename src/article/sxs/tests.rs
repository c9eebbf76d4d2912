use super::*;
use crate::article::problem::Severity;

fn pair(id: &str, loc: &str, en: &str) -> String {
    format!("<span data-ttu-id=\"{id}\">{loc}</span><span class=\"sxs-lookup\"><span data-stu-id=\"{id}\">{en}</span></span>")
}

#[test]
fn structure_outside_spans_goes_to_both_halves() {
    let body = format!(
        "# <a name=\"x\"></a>{}\n\n- {} {}\n> [!NOTE]\n> {}\n",
        pair("cd664-102", "Tittel", "Title"),
        pair("cd664-103", "En.", "One."),
        pair("cd664-p101", "To.", "Two."),
        pair("cd664-104", "Obs", "Note"),
    );
    let split = split_sxs(&body, 20);
    assert_eq!(
        split.localized,
        "# <a name=\"x\"></a>Tittel\n\n- En. To.\n> [!NOTE]\n> Obs\n"
    );
    assert_eq!(
        split.english,
        "# <a name=\"x\"></a>Title\n\n- One. Two.\n> [!NOTE]\n> Note\n"
    );
    assert_eq!(split.pairs, 4);
    assert!(split.notes.is_empty(), "{:?}", split.notes);
}

#[test]
fn link_wrapped_around_a_pair() {
    let body = format!(
        "- [{}](https://d/x?WT.mc_id=P)  ",
        pair("5be5a-139", "Bytte abonnement", "Switch subscription")
    );
    let split = split_sxs(&body, 1);
    assert_eq!(
        split.localized,
        "- [Bytte abonnement](https://d/x?WT.mc_id=P)  "
    );
    assert_eq!(
        split.english,
        "- [Switch subscription](https://d/x?WT.mc_id=P)  "
    );
}

#[test]
fn pair_spanning_two_lines() {
    let body = format!(
        "{}\n\nnext",
        pair(
            "0470c-112",
            "vea [Reactivar \nla suscripción](/m/r).",
            "see [Reactivate](/m/r)."
        )
    );
    let split = split_sxs(&body, 5);
    assert_eq!(
        split.localized,
        "vea [Reactivar \nla suscripción](/m/r).\n\nnext"
    );
    assert_eq!(split.english, "see [Reactivate](/m/r).\n\nnext");
}

#[test]
fn id_mismatch_is_reported_with_line() {
    let body = format!(
        "a\n\n{}",
        pair("cd664-105", "x", "y")
            .replace("data-stu-id=\"cd664-105\"", "data-stu-id=\"cd664-106\"")
    );
    let split = split_sxs(&body, 10);
    assert_eq!(split.english, "a\n\ny");
    assert_eq!(split.notes.len(), 1);
    assert_eq!(split.notes[0].line, 12);
    assert_eq!(split.notes[0].severity, Severity::Warning);
    assert!(split.notes[0].message.contains("cd664-105"));
}

#[test]
fn malformed_markup_is_an_error_and_never_panics() {
    for body in [
        "<span data-ttu-id=\"a\">unterminated",
        "<span data-ttu-id=\"a\">x</span> no lookup",
        "<span data-ttu-id=\"a\">x</span><span class=\"sxs-lookup\"><span data-stu-id=\"a\">y",
        "<span style=\"x\">?</span>",
        "<span class=\"sxs-lookup\">",
        "<span",
    ] {
        let split = split_sxs(body, 1);
        assert!(
            split.notes.iter().any(|n| n.severity == Severity::Error),
            "{body}"
        );
    }
    let orphan = split_sxs(
        "<span class=\"sxs-lookup\"><span data-stu-id=\"a\">en</span></span>",
        1,
    );
    assert_eq!(orphan.english, "en");
    assert_eq!(orphan.localized, "");
}

#[test]
fn id_grammar() {
    assert!(valid_id("cd664-102"));
    assert!(valid_id("38bd1-p102"));
    assert!(!valid_id("cd664"));
    assert!(!valid_id("xyz12-1"));
}
