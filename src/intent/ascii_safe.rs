//! Compiles rule patterns into ASCII-only regexes that run on the
//! [`normalize`](super::normalize) encoding with exactly the meaning the
//! pattern has, with Unicode word boundaries, on the unescaped text.
//!
//! A rule author writes an ordinary (case-insensitive, Unicode) regex such as
//! `\bsi\s+opp\b` or `\bfå\b`. We parse it with `regex-syntax` and rewrite its
//! HIR:
//! - Unicode word-boundary assertions become ASCII ones (sound because of
//!   invariant 3 in `normalize`);
//! - non-ASCII characters in literals and classes become their escapes;
//!   classes become "ASCII part | escape part", where the escape part is a
//!   small automaton over hex digits, so `[^a-z]`, `.` and `\w` stay exact;
//! - ASCII uppercase letters are removed from classes and literals: after
//!   case folding they never occur in the text outside escapes, and leaving
//!   them in would let a pattern match inside an escape (invariant 2).
//!
//! The result never needs Unicode word boundaries, so the lazy DFA handles it
//! on any input. `tests::matches_unicode_reference` (and the eval-set test in
//! `tests/`) check the rewrite against the Unicode reference engine.

use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Look};
use regex_syntax::ParserBuilder;

use super::normalize::{normalize_pattern_char, DIGIT_BASE, ESCAPE_DIGITS, ESCAPE_LEAD};

/// Longest pattern source accepted, in bytes. Patterns come from data files;
/// together with the compiled-size limit this keeps a careless rule from
/// making start-up slow or memory-hungry.
pub const MAX_PATTERN_LEN: usize = 2_000;

/// Why a pattern could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum PatternError {
    /// The pattern is not valid regex syntax.
    #[error("invalid regex: {0}")]
    Syntax(Box<regex_syntax::Error>),
    /// The pattern source is longer than [`MAX_PATTERN_LEN`].
    #[error("pattern is {0} bytes long; the limit is {MAX_PATTERN_LEN}")]
    TooLong(usize),
}

/// Rewrites non-ASCII characters of a pattern source the way message text is
/// normalised, so that "don’t" in a rule means the same as "don't".
pub fn prepare_source(pattern: &str) -> String {
    if pattern.is_ascii() {
        return pattern.to_owned();
    }
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        for n in normalize_pattern_char(c).chars() {
            // An ASCII replacement (a quote, a dash) must stay a literal even
            // inside a class, where a bare '-' would form a range.
            if n.is_ascii_punctuation() {
                out.push('\\');
            }
            out.push(n);
        }
    }
    out
}

/// Parses a rule pattern as a case-insensitive Unicode regex (the reference
/// meaning of the pattern, on unescaped normalised text).
pub fn parse_reference(pattern: &str) -> Result<Hir, PatternError> {
    if pattern.len() > MAX_PATTERN_LEN {
        return Err(PatternError::TooLong(pattern.len()));
    }
    ParserBuilder::new()
        .case_insensitive(true)
        .build()
        .parse(&prepare_source(pattern))
        .map_err(|e| PatternError::Syntax(Box::new(e)))
}

/// Parses a rule pattern and rewrites it for the ASCII-safe text.
pub fn compile(pattern: &str) -> Result<Hir, PatternError> {
    Rewriter::new().compile(pattern)
}

/// Rewrites many patterns, remembering the rewrite of every non-ASCII class.
///
/// Rule sets repeat the same few classes thousands of times (`\w`, `\W`,
/// each case-folded letter of a script), and rewriting one means set
/// operations against the thousands of ranges of [`appearing_words`]: with
/// every language loaded that was most of the start-up time.
#[derive(Default)]
pub struct Rewriter {
    memo: std::cell::RefCell<std::collections::HashMap<Vec<(char, char)>, Hir>>,
}

/// Non-ASCII word characters that can occur in normalised text: those that
/// case folding and the script folds leave as they are. Upper-case letters,
/// `ſ`, the Kelvin sign, `ё` and the like are folded away before matching,
/// so a pattern need not (and, for speed, should not) encode them.
fn appearing_words() -> &'static ClassUnicode {
    static WORDS: std::sync::OnceLock<ClassUnicode> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        let mut words = match ParserBuilder::new()
            .build()
            .parse(r"\w")
            .map(Hir::into_kind)
        {
            Ok(HirKind::Class(Class::Unicode(c))) => c,
            _ => ClassUnicode::empty(),
        };
        words.difference(&ClassUnicode::new([ClassUnicodeRange::new('\0', '\x7f')]));
        let mut folded_away = Vec::new();
        for range in words.iter() {
            for c in range.start()..=range.end() {
                if !super::normalize::survives_folding(c) {
                    folded_away.push(ClassUnicodeRange::new(c, c));
                }
            }
        }
        words.difference(&ClassUnicode::new(folded_away));
        words
    })
}

impl Rewriter {
    /// A rewriter with nothing remembered yet.
    pub fn new() -> Self {
        Rewriter::default()
    }

    /// [`compile`] with this rewriter's memory of classes.
    pub fn compile(&self, pattern: &str) -> Result<Hir, PatternError> {
        let hir = parse_reference(pattern)?;
        Ok(self.rewrite(&hir))
    }

    fn rewrite(&self, hir: &Hir) -> Hir {
        match hir.kind() {
            HirKind::Empty => Hir::empty(),
            HirKind::Literal(lit) => self.literal(&lit.0),
            HirKind::Class(Class::Unicode(cls)) => self.class(cls),
            HirKind::Class(Class::Bytes(cls)) => {
                let ranges = cls.iter().filter(|r| r.start() < 0x80).map(|r| {
                    ClassUnicodeRange::new(char::from(r.start()), char::from(r.end().min(0x7f)))
                });
                self.class(&ClassUnicode::new(ranges))
            }
            HirKind::Look(look) => Hir::look(ascii_look(*look)),
            HirKind::Repetition(rep) => {
                let mut rep = rep.clone();
                rep.sub = Box::new(self.rewrite(&rep.sub));
                Hir::repetition(rep)
            }
            HirKind::Capture(cap) => {
                let mut cap = cap.clone();
                cap.sub = Box::new(self.rewrite(&cap.sub));
                Hir::capture(cap)
            }
            HirKind::Concat(subs) => Hir::concat(subs.iter().map(|h| self.rewrite(h)).collect()),
            HirKind::Alternation(subs) => {
                Hir::alternation(subs.iter().map(|h| self.rewrite(h)).collect())
            }
        }
    }

    fn literal(&self, bytes: &[u8]) -> Hir {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Hir::fail();
        };
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if c.is_ascii_uppercase() {
                return Hir::fail();
            } else if c.is_ascii() {
                out.push(c);
            } else if !super::normalize::survives_folding(c) {
                // An upper-case or otherwise folded-away letter never
                // occurs in normalised text.
                return Hir::fail();
            } else if regex_syntax::is_word_character(c) {
                super::normalize::push_escape(&mut out, c);
            } else {
                // Non-word non-ASCII characters never survive normalisation.
                return Hir::fail();
            }
        }
        Hir::literal(out.into_bytes())
    }

    fn class(&self, cls: &ClassUnicode) -> Hir {
        let ascii_only = cls.ranges().last().is_none_or(|r| r.end() <= '\x7f');
        if ascii_only {
            // No non-ASCII word characters, so no escape part: only the
            // upper-case letters go (what `class_uncached` does, without
            // the set operations against every Unicode word character).
            let mut ascii = cls.clone();
            ascii.difference(&ClassUnicode::new([ClassUnicodeRange::new('A', 'Z')]));
            return if ascii.iter().next().is_some() {
                Hir::class(Class::Unicode(ascii))
            } else {
                Hir::fail()
            };
        }
        let key: Vec<(char, char)> = cls.iter().map(|r| (r.start(), r.end())).collect();
        if let Some(hir) = self.memo.borrow().get(&key) {
            return hir.clone();
        }
        let hir = Self::class_uncached(cls);
        self.memo.borrow_mut().insert(key, hir.clone());
        hir
    }

    fn class_uncached(cls: &ClassUnicode) -> Hir {
        let words = appearing_words();
        let mut ascii = cls.clone();
        ascii.intersect(&ClassUnicode::new([ClassUnicodeRange::new('\0', '\x7f')]));
        ascii.difference(&ClassUnicode::new([ClassUnicodeRange::new('A', 'Z')]));

        let mut present = cls.clone();
        present.intersect(words);
        let mut alternatives = Vec::new();
        if ascii.iter().next().is_some() {
            alternatives.push(Hir::class(Class::Unicode(ascii)));
        }
        if present.iter().next().is_some() {
            let mut missing = words.clone();
            missing.difference(&present);
            alternatives.extend(escape_alternatives(&present, &missing));
        }
        match alternatives.len() {
            0 => Hir::fail(),
            1 => alternatives.pop().unwrap_or_else(Hir::fail),
            _ => Hir::alternation(alternatives),
        }
    }
}

fn ascii_look(look: Look) -> Look {
    match look {
        Look::WordUnicode => Look::WordAscii,
        Look::WordUnicodeNegate => Look::WordAsciiNegate,
        Look::WordStartUnicode => Look::WordStartAscii,
        Look::WordEndUnicode => Look::WordEndAscii,
        Look::WordStartHalfUnicode => Look::WordStartHalfAscii,
        Look::WordEndHalfUnicode => Look::WordEndHalfAscii,
        other => other,
    }
}

/// Builds the escape automaton for the word characters in `present`.
///
/// Characters in neither `present` nor `missing` never appear in normalised
/// text, so ranges of `present` separated only by such characters can be
/// merged; this keeps `[^a-z]` or `.` down to a single generic escape.
fn escape_alternatives(present: &ClassUnicode, missing: &ClassUnicode) -> Vec<Hir> {
    let mut merged: Vec<(u32, u32)> = Vec::new();
    let mut gaps = missing.iter().peekable();
    for r in present.iter() {
        let (start, end) = (u32::from(r.start()), u32::from(r.end()));
        if let Some(last) = merged.last_mut() {
            // Skip gaps that lie entirely before this range.
            while gaps.peek().is_some_and(|g| u32::from(g.end()) < last.1) {
                gaps.next();
            }
            let blocked = gaps
                .peek()
                .is_some_and(|g| u32::from(g.start()) > last.1 && u32::from(g.end()) < start);
            if !blocked {
                last.1 = end;
                continue;
            }
        }
        merged.push((start, end));
    }
    if missing.iter().next().is_none() {
        // Every word character is allowed: one generic escape.
        merged = vec![(0, 0xFF_FFFF)];
    }
    let mut out = Vec::new();
    for (lo, hi) in merged {
        for seq in digit_ranges(lo, hi, ESCAPE_DIGITS) {
            let mut parts = vec![Hir::literal(vec![ESCAPE_LEAD])];
            for (a, b) in seq {
                parts.push(Hir::class(Class::Unicode(ClassUnicode::new([
                    ClassUnicodeRange::new(char::from(DIGIT_BASE + a), char::from(DIGIT_BASE + b)),
                ]))));
            }
            out.push(Hir::concat(parts));
        }
    }
    out
}

/// Splits the numbers `lo..=hi` (written with `width` hex digits) into
/// sequences of per-digit ranges, the classic range-to-regex construction.
fn digit_ranges(lo: u32, hi: u32, width: usize) -> Vec<Vec<(u8, u8)>> {
    if width == 0 {
        return vec![Vec::new()];
    }
    let shift = 4 * (width - 1) as u32;
    let rest_mask = (1u32 << shift) - 1;
    let (lo_d, hi_d) = (((lo >> shift) & 0xF) as u8, ((hi >> shift) & 0xF) as u8);
    let (lo_rest, hi_rest) = (lo & rest_mask, hi & rest_mask);
    let prefixed = |d: (u8, u8), tails: Vec<Vec<(u8, u8)>>| {
        tails
            .into_iter()
            .map(move |t| std::iter::once(d).chain(t).collect::<Vec<_>>())
    };
    if lo_d == hi_d {
        return prefixed((lo_d, lo_d), digit_ranges(lo_rest, hi_rest, width - 1)).collect();
    }
    let mut out = Vec::new();
    let mut first = lo_d;
    if lo_rest != 0 {
        out.extend(prefixed(
            (lo_d, lo_d),
            digit_ranges(lo_rest, rest_mask, width - 1),
        ));
        first += 1;
    }
    let mut last = hi_d;
    let mut tail = Vec::new();
    if hi_rest != rest_mask {
        tail.extend(prefixed((hi_d, hi_d), digit_ranges(0, hi_rest, width - 1)));
        last -= 1;
    }
    if first <= last {
        let mut seq = vec![(first, last)];
        seq.extend(std::iter::repeat_n((0, 15), width - 1));
        out.push(seq);
    }
    out.extend(tail);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intent::normalize::normalize;
    use regex_automata::meta::Regex;

    fn fast(pattern: &str) -> Regex {
        Regex::builder()
            .build_from_hir(&compile(pattern).expect("pattern compiles"))
            .expect("regex builds")
    }

    fn reference(pattern: &str) -> regex::Regex {
        regex::RegexBuilder::new(&prepare_source(pattern))
            .case_insensitive(true)
            .build()
            .expect("reference builds")
    }

    fn agree(pattern: &str, text: &str) -> bool {
        let n = normalize(text);
        let got = fast(pattern).is_match(n.as_str());
        let want = reference(pattern).is_match(&n.unescaped());
        assert_eq!(got, want, "pattern {pattern:?} on {text:?}");
        got
    }

    #[test]
    fn word_boundaries_treat_nordic_letters_as_letters() {
        assert!(!agree(r"\bf\b", "få"));
        assert!(agree(r"\bfå\b", "Kan jeg FÅ pengene tilbake"));
        assert!(!agree(r"\bopp\b", "oppø"));
        assert!(agree(r"\bsi\s+opp\b", "jeg vil si opp"));
        assert!(!agree(r"\bslett\b", "sletteæ"));
        assert!(agree(r"\bavslutt\w*", "AVSLUTTE abonnementet"));
    }

    #[test]
    fn classes_stay_exact() {
        assert!(agree(r"[^a-z]opp", "søopp"));
        assert!(!agree(r"[^a-z]opp", "søpp"));
        assert!(agree(r"a.b", "aøb"));
        assert!(!agree(r"a\Wb", "aøb"));
        assert!(agree(r"\w+ment", "abonnøment"));
        assert!(agree(r"[æøå]", "blåbær"));
        assert!(!agree(r"[æø]", "blå"));
        assert!(agree(r"\p{Cyrillic}+", "отменить подписку"));
        assert!(!agree(r"\p{Greek}", "отменить"));
        assert!(agree(r"\d+", "sub 42"));
        assert!(!agree(r"\d", "fø"), "digits inside escapes must not match");
    }

    #[test]
    fn uppercase_never_matches_inside_escapes() {
        assert!(!agree(r"(?-i)X", "ø"));
        assert!(!agree(r"[A-Z]", "ø"));
    }

    #[test]
    fn typographic_quotes_in_patterns_match_ascii_text() {
        assert!(agree(r"don’t\s+cancel", "Please don't cancel"));
        assert!(agree(r"don't\s+cancel", "Please don’t cancel"));
    }

    #[test]
    fn digit_ranges_cover_exactly() {
        for (lo, hi) in [
            (0u32, 0xFF_FFFF),
            (0xE5, 0xE5),
            (0x80, 0x2FF),
            (0x1234, 0x5678),
        ] {
            let seqs = digit_ranges(lo, hi, 6);
            let covers = |v: u32| {
                seqs.iter().any(|s| {
                    s.iter().enumerate().all(|(i, (a, b))| {
                        let d = ((v >> (4 * (5 - i))) & 0xF) as u8;
                        (*a..=*b).contains(&d)
                    })
                })
            };
            for v in [lo, hi, lo.saturating_sub(1), hi + 1, (lo + hi) / 2] {
                if v > 0xFF_FFFF {
                    continue;
                }
                assert_eq!(
                    covers(v),
                    (lo..=hi).contains(&v),
                    "{v:x} in {lo:x}..={hi:x}"
                );
            }
        }
    }

    #[test]
    fn too_long_patterns_are_rejected() {
        let long = "a".repeat(MAX_PATTERN_LEN + 1);
        assert!(matches!(compile(&long), Err(PatternError::TooLong(_))));
    }

    proptest::proptest! {
        #[test]
        fn matches_unicode_reference(text in "[a-zæøåA-ZÆØÅ _'’-]{0,24}") {
            for pattern in [r"\bså\b", r"\bopp\w*", r"\bav\B", r"[^a-z ]+", r"\w\W\w"] {
                agree(pattern, &text);
            }
        }
    }
}
