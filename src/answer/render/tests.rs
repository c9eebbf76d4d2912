use super::*;

fn one(markdown: &str, flavor: Flavor) -> String {
    render(markdown, flavor, 10_000).join("\n---chunk---\n")
}

const ARTICLE: &str = "# <Title>\n\nGo to **Billing** > [Your products](https://go.microsoft.com/fwlink/p/?linkid=842054) page.\n\n- one\n- two with [link](https://x.example/a_b)din .\n    > [!NOTE]\n    > If you don't see it.\n\n1. First\n2. Second\n\n> [!IMPORTANT]\n> Back up **first**.\n";

#[test]
fn plain_links_bold_lists_alerts() {
    assert_eq!(
        one(ARTICLE, Flavor::Plain),
        "<Title>\n\nGo to Billing > Your products (https://go.microsoft.com/fwlink/p/?linkid=842054) page.\n\n- one\n- two with link (https://x.example/a_b) din .\n  Note: If you don't see it.\n\n1. First\n2. Second\n\nImportant: Back up first."
    );
}

#[test]
fn soft_breaks_stay_line_breaks_except_in_links() {
    assert_eq!(
        one("2. Select **Reactivate**.\n    **Nota:** Si no ve [Reactivar\nla suscripción](https://u.example/r).", Flavor::Plain),
        "2. Select Reactivate.\n   Nota: Si no ve Reactivar la suscripción (https://u.example/r)."
    );
}

#[test]
fn plain_link_text_equal_to_url_is_shown_once() {
    assert_eq!(
        one("[https://a.example/x](https://a.example/x)", Flavor::Plain),
        "https://a.example/x"
    );
    assert_eq!(
        one("[](https://a.example/x)", Flavor::Plain),
        "https://a.example/x"
    );
}

#[test]
fn empty_link_text_becomes_a_bare_url() {
    assert_eq!(
        one("see [](https://a.example/x_y)", Flavor::Discord),
        "see https://a.example/x_y"
    );
    assert_eq!(
        one("[https://a.example/](https://a.example/)", Flavor::Teams),
        "https://a.example/"
    );
}

#[test]
fn discord_keeps_masked_links_and_bold() {
    assert_eq!(
        one(ARTICLE, Flavor::Discord),
        "# <Title>\n\nGo to **Billing** > [Your products](https://go.microsoft.com/fwlink/p/?linkid=842054) page.\n\n- one\n- two with [link](https://x.example/a_b)din .\n  > **Note:** If you don't see it.\n\n1. First\n2. Second\n\n> **Important:** Back up **first**."
    );
}

#[test]
fn teams_headings_become_bold_and_text_is_escaped() {
    assert_eq!(
        one("# Title\n\n(1-97/365) \\* $120 a_b", Flavor::Teams),
        "**Title**\n\n(1-97/365) \\* $120 a\\_b"
    );
    assert_eq!(
        one(
            "\\> literal\n\n[[製品]](https://u.example/)",
            Flavor::Discord
        ),
        "\\> literal\n\n[[製品]](https://u.example/)"
    );
    assert_eq!(
        one("[a](https://u.example/x y)", Flavor::Discord),
        "[a\\](https://u.example/x y)"
    );
    assert_eq!(
        one("\\[a\\](https://evil.example/)", Flavor::Discord),
        "[a\\](https://evil.example/)"
    );
    assert_eq!(
        one("[a](<https://u.example/x y>)", Flavor::Discord),
        "[a](https://u.example/x%20y)"
    );
}

#[test]
fn chunks_respect_limit_and_keep_links_whole() {
    let link = "[Reactivate your subscription](https://docs.microsoft.com/microsoft-365/commerce/subscriptions/reactivate-your-subscription)";
    let para = format!("Words before the link {link} and words after it, repeated. ");
    let markdown = format!("{}\n\n- item {link}\n- item two\n", para.repeat(12));
    for flavor in [Flavor::Discord, Flavor::Teams, Flavor::Plain] {
        for limit in [130, 200, 500, 2000] {
            let chunks = render(&markdown, flavor, limit);
            assert!(chunks.len() > 1 || limit == 2000, "{flavor:?} {limit}");
            for c in &chunks {
                assert!(c.chars().count() <= limit, "{flavor:?} {limit}: {c}");
                assert!(!c.is_empty());
            }
            let joined = chunks.join(" ");
            let expected = if flavor == Flavor::Plain {
                "Reactivate your subscription (https://"
            } else {
                link
            };
            assert_eq!(joined.matches(expected).count(), 13, "{flavor:?} {limit}");
        }
    }
}

#[test]
fn code_blocks_are_refenced_per_chunk() {
    let code = format!("```\n{}```\n", "line of code\n".repeat(40));
    let chunks = render(&code, Flavor::Discord, 100);
    assert!(chunks.len() > 1);
    for c in &chunks {
        assert!(c.starts_with("```\n") && c.ends_with("\n```"), "{c}");
        assert!(c.chars().count() <= 100);
    }
}

#[test]
fn oversized_atoms_are_cut_as_a_last_resort() {
    let chunks = render(
        "[abcdefghij](https://example.com/very/long)",
        Flavor::Discord,
        10,
    );
    assert!(chunks.iter().all(|c| c.chars().count() <= 10));
    assert_eq!(
        chunks.concat(),
        "[abcdefghij](https://example.com/very/long)"
    );
    assert!(render("", Flavor::Plain, 0).is_empty());
    assert_eq!(render("x", Flavor::Plain, 0), ["x"]);
}

#[test]
fn cap_keeps_the_first_chunks_and_marks_the_cut_within_the_limit() {
    let chunks: Vec<String> = (0..10).map(|i| format!("{i}").repeat(10)).collect();
    assert_eq!(cap(chunks.clone(), 10, 10), chunks);
    let capped = cap(chunks, 3, 10);
    assert_eq!(capped.len(), 3);
    assert_eq!(capped[2], "22222222\n…");
    assert!(capped[2].chars().count() <= 10);
}
