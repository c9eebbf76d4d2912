//! Text normalisation before matching, and the ASCII-safe encoding that keeps
//! word boundaries Unicode-correct on a byte DFA.
//!
//! # Why an encoding
//!
//! The regex crate's fast engines (lazy DFA, full DFA) only understand ASCII
//! word boundaries; a Unicode `\b` makes them give up on any non-ASCII
//! haystack and fall back to the PikeVM, which is two orders of magnitude
//! slower. So instead of asking the engine for Unicode `\b`, we make the
//! haystack ASCII while keeping every Unicode *word* character a word
//! character: each non-ASCII word character `c` becomes the seven ASCII bytes
//! `X` + six hex digits of `c` written with the letters `A`..=`P`.
//!
//! Invariants of the normalised text (relied on by [`super::ascii_safe`]):
//! 1. It is pure ASCII.
//! 2. ASCII uppercase letters occur only inside escapes, and every escape
//!    starts with `X` (which never occurs inside the hex part), so a match can
//!    only enter an escape at its start: the code is self-synchronising.
//! 3. Every escape is made of ASCII word bytes, so `(?-u:\b)` sees exactly the
//!    boundaries Unicode `\b` sees in the unescaped text.
//! 4. Non-ASCII characters that are not word characters never survive: they
//!    are mapped to an ASCII look-alike (quotes, dashes) or to a space.
//!    Format characters (zero-width space, joiners, BOM, soft hyphen) are
//!    removed, so "c\u{200b}ancel" cannot dodge a rule.
//!
//! # Spellings that mean the same word
//!
//! After case folding, [`fold_script`] maps characters that readers of a
//! script treat as the same letter, so one rule covers how people type:
//! Arabic alef, yeh, teh marbuta and hamza carriers, Persian keyboard letters
//! and Arabic-Indic digits, without tatweel or short-vowel marks; Hebrew
//! without points; Greek without tonos or dialytika (capitals are usually
//! typed without them); Russian ё as е; Turkish dotless ı and dotted İ as
//! i. German ß is already "ss" and Greek final ς already σ by case folding,
//! and full-width forms are folded by NFKC. Rule patterns go through the same
//! folds ([`normalize_pattern_char`]), so a rule may be written with either
//! spelling.

use caseless::Caseless;
use unicode_general_category::{get_general_category, GeneralCategory};
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// First byte of every escape.
pub const ESCAPE_LEAD: u8 = b'X';
/// Number of hex digits after [`ESCAPE_LEAD`]; enough for U+10FFFF.
pub const ESCAPE_DIGITS: usize = 6;
/// Byte that encodes hex digit 0; digit `d` is `DIGIT_BASE + d`, so `A`..=`P`.
pub const DIGIT_BASE: u8 = b'A';

/// A message prepared for matching.
///
/// `text` is the ASCII-safe form. When the input was not already plain
/// lowercase-able ASCII, `origin` maps every byte of `text` (and one past the
/// end) back to a byte offset of the original input so spans can be reported
/// in the user's own text.
#[derive(Debug, Clone)]
pub struct Normalized {
    text: String,
    origin: Option<Vec<u32>>,
}

impl Normalized {
    /// The ASCII-safe text that patterns run against.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Maps a byte offset of the normalised text to the original input.
    pub fn original_offset(&self, offset: usize) -> usize {
        match &self.origin {
            None => offset,
            Some(map) => map
                .get(offset)
                .or_else(|| map.last())
                .map_or(offset, |&o| o as usize),
        }
    }

    /// Maps a span of the normalised text to a span of the original input.
    pub fn original_span(&self, span: std::ops::Range<usize>) -> std::ops::Range<usize> {
        self.original_offset(span.start)..self.original_offset(span.end)
    }

    /// The normalised text with escapes decoded back to Unicode: what a
    /// reader (and the Unicode-`\b` reference engine) sees.
    pub fn unescaped(&self) -> String {
        unescape(&self.text)
    }
}

/// Normalises `input` for matching: NFKC (only when the quick check says it
/// is needed), default case folding, removal of format characters, mapping
/// of typographic punctuation and non-word symbols, and the ASCII-safe
/// encoding of non-ASCII word characters.
pub fn normalize(input: &str) -> Normalized {
    if input.is_ascii() {
        // Fast path: the overwhelmingly common case in chat. No escapes, so
        // offsets are the identity and no origin table is built.
        let mut bytes = input.as_bytes().to_vec();
        for b in &mut bytes {
            *b = ascii_byte(*b);
        }
        // Only ASCII bytes were written.
        let text = String::from_utf8(bytes).unwrap_or_default();
        return Normalized { text, origin: None };
    }
    if is_nfkc_quick(input.chars()) == IsNormalized::Yes {
        // Already in NFKC: fold character by character, unless folding
        // brings out a combining mark (ῧ folds to υ + two marks, which NFKC
        // would compose again): then the text needs settling after all.
        let mut out = Encoder::with_capacity(input.len() + 16);
        let brought_out_a_mark = input
            .char_indices()
            .any(|(offset, c)| out.push_folded(c, offset));
        if !brought_out_a_mark {
            return out.finish(input.len());
        }
    }
    // NFKC may compose a base with following combining marks, so we
    // normalise cluster by cluster and attribute the output to the
    // cluster's first byte.
    let mut out = Encoder::with_capacity(input.len() + 16);
    let mut group: Option<Group> = None;
    for (offset, cluster) in clusters(input) {
        let chars = settled(cluster);
        let end = offset + cluster.len();
        // A cluster whose starter normalises away (ﹹ is a tatweel and a
        // damma, both folded out) leaves its marks without a base; a second
        // pass would see them on the cluster before, so they are settled
        // with it now. Merged groups are settled once, when they end, which
        // keeps the work linear however many clusters merge.
        let orphan = chars
            .first()
            .is_none_or(|&c| unicode_normalization::char::canonical_combining_class(c) != 0);
        match &mut group {
            Some(g) if orphan => {
                g.end = end;
                g.merged = true;
            }
            _ => {
                if let Some(g) = group.take() {
                    g.push_to(&mut out, input);
                }
                group = Some(Group {
                    start: offset,
                    end,
                    merged: false,
                    chars,
                });
            }
        }
    }
    if let Some(g) = group {
        g.push_to(&mut out, input);
    }
    out.finish(input.len())
}

/// Consecutive clusters of the input settled as one (see [`normalize`]).
struct Group {
    start: usize,
    end: usize,
    /// More than one cluster: `chars` is the first one's and must be
    /// settled again over the whole range.
    merged: bool,
    chars: Vec<char>,
}

impl Group {
    fn push_to(self, out: &mut Encoder, input: &str) {
        let chars = if self.merged {
            settled(&input[self.start..self.end])
        } else {
            self.chars
        };
        for c in chars {
            out.push_folded(c, self.start);
        }
    }
}

/// Normalises a single pattern character the way message characters are,
/// but without escaping: the result is what this character turns into in the
/// unescaped normalised text. Used to pre-process non-ASCII characters in rule
/// patterns so a pattern written with "’" or a full-width letter still fits.
pub fn normalize_pattern_char(c: char) -> String {
    let mut s = String::new();
    let nfkc: String = std::iter::once(pre_fold(c)).nfkc().collect();
    for c in nfkc.chars().flat_map(fold_char) {
        match classify(c) {
            Class::Ascii(b) => s.push(b as char),
            Class::Word => s.push(c),
            Class::Replace(r) => s.push_str(r),
            Class::Drop => {}
        }
    }
    s
}

/// `c` case-folded and script-folded. The script fold runs before case
/// folding as well as after: full case folding expands ΐ and ΰ into a base
/// and two marks, which a second pass would compose and fold to ι and υ.
fn fold_char(c: char) -> impl Iterator<Item = char> {
    fold_script(pre_fold(c))
        .into_iter()
        .flat_map(|c| std::iter::once(c).default_case_fold())
        .filter_map(fold_script)
}

/// True when `c` can occur in normalised text as itself: case folding and
/// the script folds leave it unchanged.
pub fn survives_folding(c: char) -> bool {
    let mut folded = std::iter::once(c).default_case_fold();
    folded.next() == Some(c) && folded.next().is_none() && fold_script(c) == Some(c)
}

/// Appends the escape for `c` (a non-ASCII word character) to `out`.
pub fn push_escape(out: &mut String, c: char) {
    out.push(ESCAPE_LEAD as char);
    let v = c as u32;
    for i in (0..ESCAPE_DIGITS).rev() {
        let digit = ((v >> (i * 4)) & 0xF) as u8;
        out.push((DIGIT_BASE + digit) as char);
    }
}

/// Decodes escapes back to Unicode.
pub fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == ESCAPE_LEAD && i + ESCAPE_DIGITS < bytes.len() {
            let digits = &bytes[i + 1..=i + ESCAPE_DIGITS];
            if digits.iter().all(|d| (b'A'..=b'P').contains(d)) {
                let v = digits
                    .iter()
                    .fold(0u32, |acc, d| (acc << 4) | u32::from(d - DIGIT_BASE));
                if let Some(c) = char::from_u32(v) {
                    out.push(c);
                    i += 1 + ESCAPE_DIGITS;
                    continue;
                }
            }
        }
        out.push(bytes[i] as char);
        i += 1;
    }
    out
}

/// Maps a character before case folding where Unicode's default folding
/// would split it: Turkish İ folds to "i" plus a combining dot, which would
/// no longer match a rule written with "i".
fn pre_fold(c: char) -> char {
    match c {
        '\u{0130}' | '\u{0131}' => 'i',
        other => other,
    }
}

/// Folds a case-folded character to the spelling rules are matched on (see
/// the module docs); `None` drops it (vowel marks, tatweel, points).
pub fn fold_script(c: char) -> Option<char> {
    let folded = match c {
        // Arabic: hamza carriers and alef forms, alef maqsura, teh marbuta,
        // Persian keyboard kaf and yeh; Arabic-Indic and Persian digits.
        '\u{0622}' | '\u{0623}' | '\u{0625}' | '\u{0671}' => '\u{0627}',
        '\u{0649}' | '\u{0626}' | '\u{06CC}' => '\u{064A}',
        '\u{0624}' => '\u{0648}',
        '\u{0629}' => '\u{0647}',
        '\u{06A9}' => '\u{0643}',
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        // Arabic tatweel, short vowels, shadda, sukun, superscript alef.
        '\u{0640}' | '\u{064B}'..='\u{065F}' | '\u{0670}' => return None,
        // Hebrew points and cantillation marks (not maqaf, paseq or sof pasuq,
        // which are punctuation).
        '\u{0591}'..='\u{05BD}'
        | '\u{05BF}'
        | '\u{05C1}'
        | '\u{05C2}'
        | '\u{05C4}'
        | '\u{05C5}'
        | '\u{05C7}' => return None,
        // Greek vowels with tonos or dialytika.
        '\u{03AC}' => '\u{03B1}',
        '\u{03AD}' => '\u{03B5}',
        '\u{03AE}' => '\u{03B7}',
        '\u{03AF}' | '\u{03CA}' | '\u{0390}' => '\u{03B9}',
        '\u{03CC}' => '\u{03BF}',
        '\u{03CD}' | '\u{03CB}' | '\u{03B0}' => '\u{03C5}',
        '\u{03CE}' => '\u{03C9}',
        '\u{03C2}' => '\u{03C3}',
        // Russian ё is commonly typed as е.
        '\u{0451}' => '\u{0435}',
        // Turkish dotless i; the combining dot that full case folding of İ
        // leaves behind.
        '\u{0131}' => 'i',
        '\u{0307}' => return None,
        other => other,
    };
    Some(folded)
}

/// What a (case-folded, NFKC) character becomes in the normalised text.
enum Class {
    Ascii(u8),
    Word,
    Replace(&'static str),
    Drop,
}

fn ascii_byte(b: u8) -> u8 {
    match b {
        b'A'..=b'Z' => b.to_ascii_lowercase(),
        // Tabs, newlines and other controls separate words like a space.
        0..=0x1F | 0x7F => b' ',
        _ => b,
    }
}

fn classify(c: char) -> Class {
    if c.is_ascii() {
        return Class::Ascii(ascii_byte(c as u8));
    }
    // Format characters first: the joiners count as word characters for
    // regex, but they are invisible and must not split or join words.
    if get_general_category(c) == GeneralCategory::Format {
        return Class::Drop;
    }
    if regex_syntax::is_word_character(c) {
        return Class::Word;
    }
    match get_general_category(c) {
        GeneralCategory::SpaceSeparator
        | GeneralCategory::LineSeparator
        | GeneralCategory::ParagraphSeparator => return Class::Ascii(b' '),
        _ => {}
    }
    // Typographic punctuation people (and phone keyboards) type in place of
    // the ASCII characters rules are written with.
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' => {
            Class::Ascii(b'\'')
        }
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => Class::Ascii(b'"'),
        '\u{2010}'..='\u{2015}' | '\u{2212}' => Class::Ascii(b'-'),
        '\u{2026}' => Class::Replace("..."),
        // Inverted Spanish marks and the Arabic and CJK question marks,
        // commas and full stops, so rules can anchor on "?" in any script.
        '\u{00BF}' | '\u{061F}' => Class::Ascii(b'?'),
        '\u{00A1}' => Class::Ascii(b'!'),
        '\u{060C}' | '\u{3001}' => Class::Ascii(b','),
        '\u{3002}' | '\u{06D4}' => Class::Ascii(b'.'),
        _ => Class::Ascii(b' '),
    }
}

struct Encoder {
    text: String,
    origin: Vec<u32>,
}

impl Encoder {
    fn with_capacity(n: usize) -> Self {
        Encoder {
            text: String::with_capacity(n),
            origin: Vec::with_capacity(n + 1),
        }
    }

    /// Pushes `c` folded; true when folding turned it into something that
    /// holds a combining mark it was not (settled text never does that).
    fn push_folded(&mut self, c: char, offset: usize) -> bool {
        if c.is_ascii() {
            self.push_ascii(ascii_byte(c as u8), offset);
            return false;
        }
        let mut brought_out_a_mark = false;
        for f in fold_char(c) {
            brought_out_a_mark |=
                f != c && unicode_normalization::char::canonical_combining_class(f) != 0;
            match classify(f) {
                Class::Ascii(b) => self.push_ascii(b, offset),
                Class::Word => {
                    push_escape(&mut self.text, f);
                    let end = self.text.len();
                    self.origin.resize(end, offset as u32);
                }
                Class::Replace(r) => {
                    for b in r.bytes() {
                        self.push_ascii(b, offset);
                    }
                }
                Class::Drop => {}
            }
        }
        brought_out_a_mark
    }

    fn push_ascii(&mut self, b: u8, offset: usize) {
        self.text.push(b as char);
        self.origin.push(offset as u32);
    }

    fn finish(mut self, input_len: usize) -> Normalized {
        self.origin.push(input_len as u32);
        Normalized {
            text: self.text,
            origin: Some(self.origin),
        }
    }
}

/// One cluster in NFKC, case- and script-folded until nothing changes,
/// without format characters. Folding can leave a base that composes with
/// the mark after it (capital Ϊ + acute folds to ι + acute, which NFKC
/// composes to ί and folding turns into ι), and a dropped joiner can bring a
/// base and a mark together; settling here is what makes normalising twice
/// change nothing. The result is fed to `push_folded` again, which folds
/// settled text to itself.
fn settled(cluster: &str) -> Vec<char> {
    let mut chars = fold_chars(cluster.chars().filter(|&c| !is_format(c)).nfkc());
    drop_absorbed_marks(&mut chars);
    // With absorbed marks gone, one more pass settles what is left (İ + ́
    // folds to i + ́, which composes to í once and stays); the bound only
    // guards against a Unicode table we have not thought of.
    for _ in 0..3 {
        let mut again = fold_chars(chars.iter().copied().nfkc());
        drop_absorbed_marks(&mut again);
        if again == chars {
            break;
        }
        chars = again;
    }
    chars
}

/// `fold_char` over a run of characters, format characters dropped. ASCII
/// is mapped here as `push_folded` will map it, so that a cluster settles
/// on what the output holds: an ASCII capital that composes with nothing
/// would otherwise come out as a small letter that does (H + U+0331 stays,
/// h + U+0331 composes to ẖ, whose case folding puts the marks in another
/// order).
fn fold_chars(chars: impl Iterator<Item = char>) -> Vec<char> {
    let mut out = Vec::new();
    for c in chars {
        if c.is_ascii() {
            out.push(char::from(ascii_byte(c as u8)));
        } else if !is_format(c) {
            out.extend(fold_char(c));
        }
    }
    out
}

/// Drops each combining mark that would compose with its base into a letter
/// that folds back to the base (ι + ́ → ί → ι, е + ̈ → ё → е). Without this a
/// base followed by k such marks would need k passes to settle; with it one
/// linear pass does, whatever the input's length.
fn drop_absorbed_marks(chars: &mut Vec<char>) {
    use unicode_normalization::char::{canonical_combining_class, compose};
    let mut base: Option<char> = None;
    chars.retain(|&c| {
        if canonical_combining_class(c) == 0 {
            base = Some(c);
            return true;
        }
        let absorbed = base
            .and_then(|b| compose(b, c).map(|k| (b, k)))
            .is_some_and(|(b, k)| fold_char(k).eq([b]));
        !absorbed
    });
}

fn is_format(c: char) -> bool {
    !c.is_ascii() && get_general_category(c) == GeneralCategory::Format
}

/// Splits `input` into (byte offset, cluster) where a cluster is a starter
/// followed by the characters NFKC may compose with it: combining marks and
/// Hangul medial/final jamo.
fn clusters(input: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut starts: Vec<usize> = Vec::new();
    for (i, c) in input.char_indices() {
        // Characters that normalise to nothing (joiners, bidi marks, the
        // Arabic tatweel) must not separate a base from the marks after it:
        // once they are gone, a second pass would see the marks on it.
        let continues = joins_the_starter_before(c) || vanishes(c);
        if !continues || starts.is_empty() {
            starts.push(i);
        }
    }
    let ends: Vec<usize> = starts
        .iter()
        .skip(1)
        .copied()
        .chain([input.len()])
        .collect();
    starts
        .into_iter()
        .zip(ends)
        .map(move |(s, e)| (s, &input[s..e]))
}

/// True when `c` leaves nothing in normalised text: format characters and
/// the letters and marks the script folds drop (tatweel, Arabic short
/// vowels, Hebrew points).
fn vanishes(c: char) -> bool {
    !c.is_ascii() && (is_format(c) || fold_char(c).next().is_none())
}

/// True when NFKC puts something first where `c` stands that belongs to
/// the starter before: a combining mark, or a Hangul medial vowel or final
/// consonant (which compose with the syllable before them). That is every
/// mark (ccc ≠ 0) and every conjoining medial/final jamo, and also the
/// characters whose decomposition begins with one: half-width (semi-)voiced
/// sound marks are spacing characters that become combining ones (ｻﾌﾞ must
/// compose to サブ), half-width and compatibility jamo become conjoining
/// ones, and Tibetan vowel signs such as U+0F73 have class 0 but decompose
/// into marks that canonical ordering moves past a mark before them. Split
/// there, a second pass would compose or order them differently.
fn joins_the_starter_before(c: char) -> bool {
    use unicode_normalization::char::{canonical_combining_class, decompose_compatible};
    let joins =
        |d: char| canonical_combining_class(d) != 0 || ('\u{1160}'..='\u{11FF}').contains(&d);
    if c.is_ascii() {
        return false;
    }
    if joins(c) {
        return true;
    }
    let mut first = None;
    decompose_compatible(c, |d| {
        first.get_or_insert(d);
    });
    first.is_some_and(joins)
}

#[cfg(test)]
#[path = "normalize_tests.rs"]
mod tests;
