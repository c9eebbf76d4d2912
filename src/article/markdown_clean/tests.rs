use super::*;
use crate::article::problem::Severity;

fn clean(s: &str) -> String {
    clean_markdown(s, 1).markdown
}

#[test]
fn anchors_and_invisibles() {
    assert_eq!(
        clean("# <a name=\"cancel-x\"></a>Avbryte/refundere\n"),
        "# Avbryte/refundere\n"
    );
    assert_eq!(
        clean("ボリュ\u{200b}\u{200b}ーム 12 Monate \u{feff}kostenlose 30–\u{2060}90"),
        "ボリューム 12 Monate kostenlose 30–90\n"
    );
    assert_eq!(clean("<a href=\"x\">keep</a>"), "<a href=\"x\">keep</a>\n");
}

#[test]
fn empty_links_get_text() {
    let out = clean_markdown(
        "i > [](https://go.microsoft.com/fwlink/p/?linkid=842054) x.[](/a_b \"Tittel\")",
        3,
    );
    assert_eq!(
        out.markdown,
        "i > [https://go.microsoft.com/fwlink/p/?linkid=842054](https://go.microsoft.com/fwlink/p/?linkid=842054) x.[Tittel](https://docs.microsoft.com/a_b \"Tittel\")\n"
    );
    assert_eq!(out.notes.len(), 2);
    assert!(out
        .notes
        .iter()
        .all(|n| n.line == 3 && n.severity == Severity::Warning));
    assert_eq!(
        clean("[ ](/x_y*z)"),
        "[https://docs.microsoft.com/x\\_y\\*z](https://docs.microsoft.com/x_y*z)\n"
    );
}

#[test]
fn drifting_punctuation_and_glued_text() {
    assert_eq!(
        clean("ringe [kundestøtte for å avbryte.](u)"),
        "ringe [kundestøtte for å avbryte](u).\n"
    );
    assert_eq!(
        clean("[du se Lukke kontoen](u)din ."),
        "[du se Lukke kontoen](u)din .\n"
    );
    assert_eq!(clean("[Hva skjer](u#x)?"), "[Hva skjer](u#x)?\n");
    assert_eq!(clean("[...](u) [a\\.](u)"), "[...](u) [a\\.](u)\n");
}

#[test]
fn cjk_and_rtl_untouched() {
    let ja = "**[課金]** > [[製品]](https://go.microsoft.com/fwlink/p/?linkid=842054) ページ\n";
    assert_eq!(clean(ja), ja);
    let tw = "選取三個點 (多個動作) ]，然後選取 [ **重新啟用此訂閱**]\n";
    assert_eq!(clean(tw), tw);
    let ar = "… راجع [إغلاق حسابك](https://docs.microsoft.com/microsoft-365/commerce/close-your-account?view=o365-worldwide).\n";
    assert_eq!(clean(ar), ar);
}

#[test]
fn relative_links_and_refs() {
    let out = clean_markdown(
        "See [R](/microsoft-365/commerce/r) and [C](https://docs.microsoft.com/alchemyinsights/canceling-x) [C2](https://docs.microsoft.com/alchemyinsights/canceling-x#a) [o](other.md)",
        1,
    );
    assert_eq!(
        out.markdown,
        "See [R](https://docs.microsoft.com/microsoft-365/commerce/r) and [C](https://docs.microsoft.com/alchemyinsights/canceling-x) [C2](https://docs.microsoft.com/alchemyinsights/canceling-x#a) [o](other.md)\n"
    );
    assert_eq!(out.refs, ["article:canceling-x"]);
    assert_eq!(out.notes.len(), 1);
}

#[test]
fn multi_line_link_text_survives() {
    assert_eq!(
        clean("vea [Reactivar \nla suscripción](/m)."),
        "vea [Reactivar\nla suscripción](https://docs.microsoft.com/m).\n"
    );
}

#[test]
fn leftover_spans_are_errors() {
    let out = clean_markdown("a\n<span data-ttu-id=\"x\">", 10);
    assert!(out
        .notes
        .iter()
        .any(|n| n.severity == Severity::Error && n.line == 11));
}

#[test]
fn heading_title_from_h1() {
    assert_eq!(
        heading_title("# Cancel your subscription\n\ntext\n").as_deref(),
        Some("Cancel your subscription")
    );
    assert_eq!(heading_title("text\n"), None);
}
