//! Unit tests of `normalize`.

use super::*;

fn norm(s: &str) -> String {
    normalize(s).unescaped()
}

#[test]
fn half_width_voiced_katakana_composes() {
    assert_eq!(norm("ｻﾌﾞｽｸ"), "サブスク");
    assert_eq!(norm("ﾍﾟｰｼﾞ"), "ページ");
}

#[test]
fn inverted_and_non_latin_question_marks_become_ascii() {
    assert_eq!(norm("¿cómo cancelo?"), "?cómo cancelo?");
    assert_eq!(norm("¡hola!"), "!hola!");
    assert_eq!(norm("كيف؟"), "كيف?");
    assert_eq!(norm("解約。"), "解約.");
}

#[test]
fn ascii_is_lowercased_and_controls_become_spaces() {
    assert_eq!(normalize("Cancel\tMY Plan").as_str(), "cancel my plan");
}

#[test]
fn zero_width_and_format_characters_are_removed() {
    assert_eq!(norm("c\u{200b}ancel"), "cancel");
    assert_eq!(norm("can\u{00ad}cel\u{feff}"), "cancel");
    assert_eq!(norm("re\u{200d}fund"), "refund");
}

#[test]
fn full_width_letters_are_folded_by_nfkc() {
    assert_eq!(norm("ｃａｎｃｅｌ"), "cancel");
    assert_eq!(norm("ＣＡＮＣＥＬ my plan"), "cancel my plan");
}

#[test]
fn case_folding_is_unicode_aware() {
    assert_eq!(norm("AVSLUTT ØKONOMI"), "avslutt økonomi");
    assert_eq!(norm("Schließen"), "schliessen");
}

#[test]
fn decomposed_letters_compose_to_the_same_text() {
    // "a" + COMBINING RING ABOVE composes to "å" under NFKC.
    assert_eq!(norm("fa\u{030a}"), "få");
    assert_eq!(normalize("fa\u{030a}").as_str(), normalize("få").as_str());
}

#[test]
fn typographic_punctuation_maps_to_ascii() {
    assert_eq!(norm("don\u{2019}t cancel"), "don't cancel");
    assert_eq!(norm("«avslutt»"), "\"avslutt\"");
    assert_eq!(norm("no\u{00a0}break"), "no break");
}

#[test]
fn escapes_are_ascii_word_bytes() {
    let n = normalize("få øl");
    assert!(n.as_str().is_ascii());
    // U+00E5 is hex 0000E5: digits 0,0,0,0,14,5 → A,A,A,A,O,F.
    assert!(n.as_str().starts_with("fXAAAAOF"));
    let words: Vec<&str> = n.as_str().split(' ').collect();
    assert_eq!(words.len(), 2);
    assert!(words
        .iter()
        .all(|w| w.bytes().all(|b| b.is_ascii_alphanumeric())));
}

#[test]
fn spans_map_back_to_the_original() {
    let input = "Jeg vil AVSLUTTE på møtet";
    let n = normalize(input);
    let at = n.as_str().find("avslutte").unwrap_or(0);
    let span = n.original_span(at..at + "avslutte".len());
    assert_eq!(&input[span], "AVSLUTTE");
    let esc_start = n.as_str().find('X').unwrap_or(0);
    let span = n.original_span(esc_start..esc_start + 7);
    assert_eq!(&input[span], "å");
}

#[test]
fn pattern_characters_normalise_like_text() {
    assert_eq!(normalize_pattern_char('’'), "'");
    assert_eq!(normalize_pattern_char('Ø'), "ø");
    assert_eq!(normalize_pattern_char('ｃ'), "c");
    assert_eq!(normalize_pattern_char('\u{200b}'), "");
}

#[test]
fn arabic_spelling_variants_fold_together() {
    // Hamza on alef, alef maqsura, teh marbuta, tatweel and short vowels.
    assert_eq!(norm("إلغاء"), norm("الغاء"));
    assert_eq!(norm("أريد استرداد"), "اريد استرداد");
    assert_eq!(norm("فاتورة"), norm("فاتوره"));
    assert_eq!(norm("على"), norm("علي"));
    assert_eq!(norm("الـــغاء"), norm("الغاء"));
    assert_eq!(norm("اِسْتِرْدَاد"), norm("استرداد"));
    // Persian keyboard letters and Arabic-Indic digits.
    assert_eq!(norm("ی"), norm("ي"));
    assert_eq!(norm("SUB-١٢"), "sub-12");
    // Bidi marks RTL clients insert never split a word.
    assert_eq!(norm("ال\u{200f}غاء\u{200e}"), norm("الغاء"));
}

#[test]
fn turkish_dotted_and_dotless_i_fold_to_i() {
    assert_eq!(norm("İPTAL"), "iptal");
    assert_eq!(norm("ABONELİĞİMİ"), norm("aboneliğimi"));
    assert_eq!(norm("hesabımı"), "hesabimi");
    assert_eq!(normalize_pattern_char('ı'), "i");
    assert_eq!(normalize_pattern_char('İ'), "i");
}

#[test]
fn greek_accents_and_final_sigma_fold() {
    assert_eq!(norm("ΑΚΥΡΩΣΗ ΣΥΝΔΡΟΜΗΣ"), norm("ακύρωση συνδρομής"));
    assert_eq!(norm("λογαριασμός"), "λογαριασμοσ");
}

#[test]
fn hebrew_points_and_cyrillic_yo_fold() {
    // Points go; plene spelling (with yod or vav) stays a rule matter.
    assert_eq!(norm("בִּטּוּל"), "בטול");
    assert_eq!(norm("ещё"), "еще");
}

#[test]
fn folding_twice_changes_nothing() {
    for s in [
        "إلغاء الاشتراك",
        "İptal",
        "ΑΚΥΡΩΣΗ",
        "Schließen",
        "ｃａｎｃｅｌ",
        "ёлка",
        "解約したい",
    ] {
        let once = norm(s);
        assert_eq!(norm(&once), once, "{s}");
    }
}

/// Found by the `normalize` fuzz target: folding left a base that composes
/// with the mark after it, so a second pass changed the text.
#[test]
fn normalising_twice_settles_bases_that_compose_after_folding() {
    for s in [
        "\u{03AA}\u{0301}",         // capital Ϊ + acute: ι + acute, composes to ί
        "\u{0130}\u{0301}",         // Turkish İ + acute: i + acute, composes to í
        "\u{03B9}\u{200D}\u{0301}", // a joiner between a base and its mark
        "\u{03AA}\u{200F}\u{0301}te\u{0301}", // a bidi mark, then Latin
        // Found next: many absorbed marks behind one base took one pass each.
        "\u{038A}\u{0325}\u{032A}\u{0301}\u{0325}\u{0301}\u{0325}\u{032A}\u{0301}\u{0301}x",
        "\u{0435}\u{0308}\u{0308}\u{0308}", // Cyrillic е + diaeresis ×3
        "\u{03B0}\u{0390}",                 // ΰ and ΐ, which full case folding expands
    ] {
        let once = norm(s);
        assert_eq!(norm(&once), once, "{s:?} → {once:?}");
    }
    assert_eq!(norm("\u{03AA}\u{0301}"), norm("ι"), "the accents fold away");
}

/// Found by the `normalize` fuzz target: U+0F73 has combining class 0 but
/// decomposes into two marks, so it began a cluster of its own and the mark
/// before it stayed in front; a second pass saw one cluster and reordered.
#[test]
fn normalising_twice_keeps_marks_in_order_when_a_starter_decomposes_into_marks_or_vanishes() {
    for s in [
        "\u{0305}\u{0F73}; \u{0101}t%", // overline, then Tibetan vowel sign II
        "x\u{0305}\u{0F75}",            // vowel sign UU after a mark on a base
        "\u{0F40}\u{0334}\u{0F81}",     // reversed vowel sign II after an overlay
        // Found next: marks after a tatweel, which folds away, landed on the
        // letter before it only in the second pass.
        "W\u{0640}\u{0301}\u{0331}\u{0627}",
        "\u{0627}\u{0640}\u{0651}\u{0301}",
        // And an ASCII capital that composes with nothing, while its small
        // letter composes with a mark (h + line below is ẖ).
        "HH\u{0301}\u{031B}\u{0301}\u{0331}\u{0627}\u{0643}",
        // And text already in NFKC whose case folding brings out marks
        // that compose again (ῧ is υ + dialytika + perispomeni).
        "\u{1FE7}",
        "\u{1FE7}\u{0331}x\u{1E96}",
        // And a starter whose decomposition folds away entirely (Arabic
        // damma medial form: tatweel + damma) between runs of marks.
        "\u{0301}\u{032A}\u{FE79}\u{0301}\u{0325}\u{033F}\u{032A}]\u{06EA}\u{0301}",
        "a\u{FE79}\u{0301}\u{0325}",
        // And a half-width jamo that NFKC turns into a final consonant, after
        // a syllable and a mark that folds away.
        "\u{C004}\u{0307}\u{FFAC}#",
    ] {
        let once = norm(s);
        assert_eq!(norm(&once), once, "{s:?} → {once:?}");
    }
}

#[test]
fn unescape_round_trips() {
    for s in ["få", "日本語のテキスト", "ملاحظ", "ПРИМЕЧАНИЕ", "plain"] {
        let n = normalize(s);
        assert_eq!(n.unescaped(), caseless::default_case_fold_str(s));
    }
}
