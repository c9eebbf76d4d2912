//! One-typo tolerance for a language's keywords, without leaving the
//! one-pass scan.
//!
//! For each keyword (`typo_tolerant_words` in a language file) we generate a
//! *hint* pattern matching the word's one-edit misspellings and compile it
//! into the same automaton as the rules. The exact scan therefore stays the
//! only pass for almost every message; only when a hint matched and no
//! request rule matched at all does the matcher correct the hinted words and
//! classify the corrected text once more, with every guard still in force.
//!
//! Which edits count, and why:
//! - the first letter is never edited: people rarely mistype it, and
//!   allowing it turns many unrelated words into keywords;
//! - five-letter words allow only swapping two neighbours ("clsoe" is a
//!   typo, "clone" and "chose" are words);
//! - longer words also allow one letter wrong, missing or extra inside the
//!   word; the last letter wrong or missing, or an extra copy of a
//!   neighbour, is not a typo here, because the hint would then match the
//!   start of the word itself or of its inflections ("cancell…" of
//!   "cancelled", "deleti…" of "deleting");
//! - hints have no trailing boundary, so inflected and compound forms of a
//!   misspelled stem ("subscriptoins", "tilasuksen") are found too.

use std::collections::BTreeSet;

use serde::Serialize;

use super::normalize::normalize_pattern_char;

/// Shortest keyword accepted for typo tolerance, in characters.
pub const MIN_WORD_CHARS: usize = 5;
/// Longest keyword accepted; longer words make the hint pattern large.
pub const MAX_WORD_CHARS: usize = 24;
/// Words of at least this many characters allow substitutions, deletions
/// and insertions; shorter ones only transpositions.
const ALL_EDITS_FROM: usize = 6;

/// A keyword of one language whose misspellings are understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypoWord {
    /// Language of the rules it belongs to.
    pub lang: String,
    /// The keyword, as written in the language file.
    pub word: String,
}

/// A misspelling the matcher corrected before the rules matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Correction {
    /// What the user wrote (the start of the word, up to the typo's end).
    pub from: String,
    /// The keyword it was read as.
    pub to: String,
}

/// Checks a keyword: one word of letters, within the length bounds.
pub fn check_word(word: &str) -> Result<(), String> {
    let chars = word.chars().count();
    if !word.chars().all(char::is_alphabetic) {
        return Err(format!("{word:?} must be one word of letters only"));
    }
    if !(MIN_WORD_CHARS..=MAX_WORD_CHARS).contains(&chars) {
        return Err(format!(
            "{word:?} has {chars} letters; typo-tolerant words need {MIN_WORD_CHARS} to {MAX_WORD_CHARS}"
        ));
    }
    Ok(())
}

/// The keyword in the spelling the matcher sees (case-folded, script folds).
pub fn normalized_word(word: &str) -> String {
    word.chars().map(normalize_pattern_char).collect()
}

/// The hint pattern for `word`: every one-edit misspelling (see the module
/// docs), never the word itself, anchored at a word start.
pub fn hint_pattern(word: &str) -> String {
    let chars: Vec<char> = normalized_word(word).chars().collect();
    let n = chars.len();
    let lit = |cs: &[char]| -> String {
        cs.iter()
            .map(|c| regex_syntax::escape(c.encode_utf8(&mut [0; 4])))
            .collect()
    };
    let mut variants: BTreeSet<String> = BTreeSet::new();
    for i in 1..n.saturating_sub(1) {
        if chars[i] != chars[i + 1] {
            let mut swapped = chars.clone();
            swapped.swap(i, i + 1);
            variants.insert(lit(&swapped));
        }
    }
    if n >= ALL_EDITS_FROM {
        for i in 1..n {
            // One letter extra, before position i. Not a doubled neighbour:
            // "cancell" would also be the start of "cancelled".
            variants.insert(format!(
                "{}[^\\W{}{}]{}",
                lit(&chars[..i]),
                lit(&chars[i - 1..i]),
                lit(&chars[i..=i]),
                lit(&chars[i..])
            ));
        }
        for i in 1..n - 1 {
            // One letter wrong: any word character but the right one.
            variants.insert(format!(
                "{}[^\\W{}]{}",
                lit(&chars[..i]),
                lit(&chars[i..=i]),
                lit(&chars[i + 1..])
            ));
            // One letter missing (not the last: that is a prefix of the word).
            let mut shorter = chars.clone();
            shorter.remove(i);
            variants.insert(lit(&shorter));
        }
    }
    let alternation: Vec<String> = variants.into_iter().collect();
    format!(r"\b(?:{})", alternation.join("|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(word: &str, text: &str) -> bool {
        let pattern = hint_pattern(word);
        regex::RegexBuilder::new(&pattern)
            .case_insensitive(true)
            .build()
            .expect("hint compiles")
            .is_match(text)
    }

    #[test]
    fn one_edit_misspellings_match() {
        for typo in ["cancle", "cancl", "canxcel", "cabcel", "carncel"] {
            assert!(matches("cancel", typo), "{typo}");
        }
        assert!(matches("subscription", "subscriptoins"));
        assert!(matches("subscription", "subcription"));
        assert!(matches("refund", "refnud"));
        assert!(matches("account", "acount"));
    }

    #[test]
    fn the_word_itself_and_its_inflections_do_not_match() {
        for exact in ["cancel", "cancelled", "cancellation", "cancels"] {
            assert!(!matches("cancel", exact), "{exact}");
        }
        assert!(!matches("account", "accounts"));
        assert!(!matches("refund", "refunded"));
        assert!(!matches("delete", "deleting"));
        assert!(!matches("terminate", "terminating"));
    }

    #[test]
    fn the_first_letter_and_short_words_stay_strict() {
        assert!(!matches("cancel", "xancel"));
        // Five letters: only neighbours swapped.
        assert!(matches("close", "clsoe"));
        assert!(!matches("close", "clone"));
        assert!(!matches("close", "chose"));
    }

    #[test]
    fn non_ascii_words_are_folded_like_rules() {
        assert!(matches("kündigen", "kündgien"));
        assert!(matches("İptal", "iptla"));
        assert!(matches("abonnement", "abonement"));
    }

    #[test]
    fn words_are_checked() {
        assert!(check_word("cancel").is_ok());
        assert!(check_word("stop").is_err());
        assert!(check_word("two words").is_err());
        assert!(check_word("sub-1").is_err());
        assert!(check_word(&"a".repeat(30)).is_err());
    }
}
