//! The slow path of [`normalize`](super::normalize): text that is not in
//! NFKC, or whose folding brings out combining marks, is split into
//! clusters (a starter and what NFKC or folding may join to it) and each is
//! settled: composed, folded and composed again until nothing changes, so
//! that normalising the result again changes nothing.

use unicode_general_category::{get_general_category, GeneralCategory};
use unicode_normalization::char::{canonical_combining_class, compose, decompose_compatible};
use unicode_normalization::UnicodeNormalization;

use super::{ascii_byte, fold_char, Encoder};

/// Settles `input` cluster by cluster into `out`, attributing each
/// cluster's output to its first byte.
pub(super) fn by_cluster(input: &str, out: &mut Encoder) {
    // NFKC may compose a base with following combining marks, so we
    // normalise cluster by cluster and attribute the output to the
    // cluster's first byte.
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
            .is_none_or(|&c| canonical_combining_class(c) != 0);
        match &mut group {
            Some(g) if orphan => {
                g.end = end;
                g.merged = true;
            }
            _ => {
                if let Some(g) = group.take() {
                    g.push_to(out, input);
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
        g.push_to(out, input);
    }
}

/// Consecutive clusters of the input settled as one (see [`by_cluster`]).
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
