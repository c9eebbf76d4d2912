use super::*;

#[test]
fn glued_list_numbers() {
    assert_eq!(
        fix_lines("1.Logg på [Azure-portalen](u)."),
        "1. Logg på [Azure-portalen](u).\n"
    );
    assert_eq!(fix_lines("    2.**Velg**"), "    2. **Velg**\n");
    assert_eq!(fix_lines("1.5 GB is fine"), "1.5 GB is fine\n");
    assert_eq!(fix_lines("3.Überprüfen"), "3. Überprüfen\n");
}

#[test]
fn run_on_steps_are_split() {
    assert_eq!(
        fix_lines("1.Log in. Click **Exchange** 2.Select the VM [see 3.Foo](u) 3.Review"),
        "1. Log in. Click **Exchange**\n2. Select the VM [see 3.Foo](u)\n3. Review\n"
    );
    assert_eq!(fix_lines("1. Costs 2.5 units"), "1. Costs 2.5 units\n");
    assert_eq!(fix_lines("Text with 2.Select"), "Text with 2.Select\n");
}

#[test]
fn breadcrumbs_unescaped_except_at_block_start() {
    assert_eq!(
        fix_lines("Go to **Billing** \\> [P](u) page"),
        "Go to **Billing** > [P](u) page\n"
    );
    assert_eq!(fix_lines("\\> not a quote"), "\\> not a quote\n");
    assert_eq!(fix_lines("- \\> item"), "- \\> item\n");
    assert_eq!(fix_lines("> \\> quoted"), "> \\> quoted\n");
    assert_eq!(fix_lines("a \\\\> b"), "a \\\\> b\n");
    assert_eq!(fix_lines("(1-97/365) \\* $120"), "(1-97/365) \\* $120\n");
}

#[test]
fn whitespace_and_blank_lines() {
    assert_eq!(
        fix_lines("\n\n# T\n  \n\n\nGå til i   >  [x](u)  \nnext  \n\n- item  \n- b"),
        "# T\n\nGå til i > [x](u)  \nnext\n\n- item\n- b\n"
    );
    assert_eq!(
        fix_lines("En savoir plus\u{a0}: [x](u)"),
        "En savoir plus\u{a0}: [x](u)\n"
    );
    assert_eq!(fix_lines("    **Obs!** Hvis"), "    **Obs!** Hvis\n");
    assert_eq!(fix_lines(""), "");
    assert_eq!(fix_lines("  \n \n"), "");
}

#[test]
fn block_prefixes() {
    assert_eq!(block_prefix_len("plain"), 0);
    assert_eq!(block_prefix_len("**bold**"), 0);
    assert_eq!(block_prefix_len("- x"), 2);
    assert_eq!(block_prefix_len("    > [!NOTE]"), 6);
    assert_eq!(block_prefix_len("12. x"), 4);
    assert_eq!(block_prefix_len("1.5"), 0);
}

#[test]
fn glued_bold_spans_are_separated() {
    assert_eq!(
        fix_lines("in **Abonnement en betalingsinstellingen****Abonnement annuleren**."),
        "in **Abonnement en betalingsinstellingen** **Abonnement annuleren**.\n"
    );
    assert_eq!(
        fix_lines("a ***** b **** c \\****x"),
        "a ***** b **** c \\****x\n"
    );
}
