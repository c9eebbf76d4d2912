//! Which patterns can match a message, found in one pass over its keywords.
//!
//! A single automaton for every pattern of every language does not scale:
//! with overlapping "all matches" semantics its lazy DFA states are sets of
//! thousands of NFA states, the cache thrashes on ordinary text, and the
//! regex engine falls back to a PikeVM whose scratch space grows with
//! states × patterns (measured at 18 languages: 12 GiB and a minute and a
//! half to load). Almost every rule starts with one of a few keywords,
//! though ("cancel…", "avslutt…", "解約"), so:
//!
//! 1. for each pattern, a set of *keywords* one of which occurs in every
//!    match: its prefix literals when it has usable ones (every match
//!    starts with one), else the prefix literals of a later part of it
//!    ("…(?:^|\W)(?:konto|profil)…"), else the union over the branches of
//!    a top-level alternation (the marker word lists). All keywords of all
//!    patterns go into one Aho-Corasick automaton, scanned once per message;
//! 2. a pattern runs only when one of its keywords occurs: as an anchored
//!    search right at the keyword when the keywords are its prefixes, else
//!    as one search of its own small regex over the message;
//! 3. the few patterns with no keyword at all run on every message, each
//!    its own small regex (those anchored at the start of the message, like
//!    `^\W*hello\W*$`, fail within a few bytes).
//!
//! The result is exactly the set of patterns that match anywhere: a keyword
//! is a necessary condition and the pattern's own regex decides.

use aho_corasick::{AhoCorasick, MatchKind as AcMatchKind};
use regex_automata::meta::Regex;
use regex_automata::{Anchored, Input, PatternID, PatternSet};
use regex_syntax::hir::literal::Extractor;
use regex_syntax::hir::{Hir, HirKind, Look};

use super::normalize::{DIGIT_BASE, ESCAPE_DIGITS, ESCAPE_LEAD};

/// Longest prefix literal kept, in bytes of the ASCII-safe text: four
/// escaped letters, enough to be selective in any script.
const MAX_LITERAL_BYTES: usize = 28;
/// A character class wider than this ends a literal (it would multiply the
/// literal set without making it more selective).
const MAX_CLASS_CHARS: u32 = 16;
/// Prefix sets larger than this are treated as unusable.
const MAX_LITERALS_PER_PATTERN: usize = 4096;
/// Least [`selectivity`] of a keyword searched for anywhere in a pattern:
/// three letters, or an ideograph and a letter.
const MIN_SELECTIVITY: u32 = 3;
/// Least selectivity of a prefix keyword: one letter ("å", "a" are marker
/// words); cut-off escapes, spaces and punctuation alone never.
const MIN_PREFIX_SELECTIVITY: u32 = 1;

/// The keyword index of a compiled rule set.
#[derive(Debug, Clone)]
pub struct Prefilter {
    /// Every distinct keyword; match ids index `owners`.
    literals: Option<AhoCorasick>,
    /// For each keyword, the patterns it selects and whether it is their
    /// prefix (so the pattern can be tried anchored at the keyword).
    owners: Vec<Vec<Owner>>,
    /// Patterns without keywords, run on every message; those anchored at
    /// the start of the message (`^\W*hello…`) first, as they cost a few
    /// bytes each.
    unfiltered: Vec<u32>,
    /// How many of `unfiltered` are anchored at the start.
    anchored_at_start: usize,
}

/// A pattern a keyword selects, and how to try it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Owner {
    pattern: u32,
    /// The keyword starts every match: try the pattern anchored there.
    prefix: bool,
    /// The match also starts at a word boundary.
    word_start: bool,
}

/// Keywords one of which occurs in every match, and whether they are
/// prefixes of the match.
struct Keywords {
    literals: Vec<Vec<u8>>,
    prefix: bool,
    /// Every match starts at a word boundary (the pattern opens with
    /// `\b`), so a keyword inside a word cannot start one.
    word_start: bool,
}

/// How much a literal narrows things down: ASCII letters and digits count
/// one, an escaped letter one, an escaped ideograph, kana or Hangul
/// syllable two (one of them is already a word); spaces, punctuation and
/// cut-off escapes nothing. "a", " " or the first bytes of an escape occur
/// in nearly every message and would select patterns for no reason.
fn selectivity(literal: &[u8]) -> u32 {
    let mut weight = 0;
    let mut i = 0;
    while i < literal.len() {
        let b = literal[i];
        if b == ESCAPE_LEAD {
            let digits = literal.get(i + 1..i + 1 + ESCAPE_DIGITS);
            match digits {
                Some(d) if d.iter().all(|x| (DIGIT_BASE..DIGIT_BASE + 16).contains(x)) => {
                    let code = d
                        .iter()
                        .fold(0u32, |acc, x| (acc << 4) | u32::from(x - DIGIT_BASE));
                    weight += if code >= 0x2E80 { 2 } else { 1 };
                    i += 1 + ESCAPE_DIGITS;
                    continue;
                }
                _ => break,
            }
        }
        if b.is_ascii_alphanumeric() {
            weight += 1;
        }
        i += 1;
    }
    weight
}

fn usable(seq: &regex_syntax::hir::literal::Seq, least: u32) -> Option<Vec<Vec<u8>>> {
    let lits = seq.literals()?;
    if lits.is_empty() || lits.iter().any(|l| selectivity(l.as_bytes()) < least) {
        return None;
    }
    Some(lits.iter().map(|l| l.as_bytes().to_vec()).collect())
}

/// True when every match of `hir` starts at the start of the text (`^`).
fn opens_at_text_start(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Look(look) => matches!(look, Look::Start | Look::StartLF | Look::StartCRLF),
        HirKind::Capture(cap) => opens_at_text_start(&cap.sub),
        HirKind::Concat(parts) => parts.first().is_some_and(opens_at_text_start),
        HirKind::Alternation(branches) => branches.iter().all(opens_at_text_start),
        _ => false,
    }
}

/// True when every match of `hir` starts with a word-boundary assertion.
fn opens_with_word_boundary(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Look(look) => matches!(
            look,
            Look::WordAscii | Look::WordStartAscii | Look::WordStartHalfAscii
        ),
        HirKind::Capture(cap) => opens_with_word_boundary(&cap.sub),
        HirKind::Concat(parts) => parts.first().is_some_and(opens_with_word_boundary),
        HirKind::Alternation(branches) => branches.iter().all(opens_with_word_boundary),
        _ => false,
    }
}

/// Zero-width assertions (`\b`, `^`) before a part keep its keywords
/// prefixes of the whole match.
fn zero_width(hir: &Hir) -> bool {
    matches!(hir.kind(), HirKind::Look(_) | HirKind::Empty)
}

fn keywords(extractor: &Extractor, hir: &Hir) -> Option<Keywords> {
    // Prefixes are tried anchored right where they occur, which is cheap,
    // so short ones do; a keyword found elsewhere in the pattern costs a
    // search of the whole message, so it must be rarer.
    if let Some(literals) = usable(&extractor.extract(hir), MIN_PREFIX_SELECTIVITY) {
        return Some(Keywords {
            literals,
            prefix: true,
            word_start: opens_with_word_boundary(hir),
        });
    }
    match hir.kind() {
        HirKind::Capture(cap) => keywords(extractor, &cap.sub),
        HirKind::Repetition(rep) if rep.min >= 1 => {
            let k = keywords(extractor, &rep.sub)?;
            Some(Keywords {
                word_start: false,
                ..k
            })
        }
        HirKind::Alternation(branches) => {
            let mut literals = Vec::new();
            let mut prefix = true;
            let mut word_start = true;
            for branch in branches {
                let k = keywords(extractor, branch)?;
                prefix &= k.prefix;
                word_start &= k.word_start;
                literals.extend(k.literals);
            }
            Some(Keywords {
                literals,
                prefix,
                word_start: prefix && word_start,
            })
        }
        HirKind::Concat(parts) => {
            let lead = |i: usize| parts[..i].iter().all(zero_width);
            let bounded = |i: usize| parts[..i].iter().any(opens_with_word_boundary);
            for i in 1..parts.len() {
                let rest = Hir::concat(parts[i..].to_vec());
                let least = if lead(i) {
                    MIN_PREFIX_SELECTIVITY
                } else {
                    MIN_SELECTIVITY
                };
                if let Some(literals) = usable(&extractor.extract(&rest), least) {
                    return Some(Keywords {
                        literals,
                        prefix: lead(i),
                        word_start: lead(i) && bounded(i),
                    });
                }
            }
            parts.iter().enumerate().find_map(|(i, part)| {
                let k = keywords(extractor, part)?;
                let prefix = k.prefix && lead(i);
                if !prefix && k.literals.iter().any(|l| selectivity(l) < MIN_SELECTIVITY) {
                    return None;
                }
                Some(Keywords {
                    literals: k.literals,
                    prefix,
                    word_start: prefix && (k.word_start || bounded(i)),
                })
            })
        }
        _ => None,
    }
}

/// Why the keyword index could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PrefilterError {
    /// The literal automaton could not be built.
    #[error("the keyword automaton does not build: {0}")]
    Literals(String),
}

impl Prefilter {
    /// Indexes `hirs` (ASCII-safe, in pattern-id order).
    pub fn build(hirs: &[Hir]) -> Result<Prefilter, PrefilterError> {
        let mut extractor = Extractor::new();
        extractor
            .limit_class(MAX_CLASS_CHARS as usize)
            .limit_literal_len(MAX_LITERAL_BYTES)
            .limit_total(MAX_LITERALS_PER_PATTERN);
        let mut index: std::collections::HashMap<Vec<u8>, usize> = Default::default();
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut owners: Vec<Vec<Owner>> = Vec::new();
        let mut unfiltered_ids = Vec::new();
        let mut unfiltered_hirs: Vec<Hir> = Vec::new();
        for (id, hir) in hirs.iter().enumerate() {
            match keywords(&extractor, hir) {
                Some(k) => {
                    for lit in k.literals {
                        let slot = *index.entry(lit.clone()).or_insert_with(|| {
                            literals.push(lit);
                            owners.push(Vec::new());
                            literals.len() - 1
                        });
                        let owner = Owner {
                            pattern: id as u32,
                            prefix: k.prefix,
                            word_start: k.word_start,
                        };
                        if !owners[slot].contains(&owner) {
                            owners[slot].push(owner);
                        }
                    }
                }
                None => {
                    unfiltered_ids.push(id as u32);
                    unfiltered_hirs.push(hir.clone());
                }
            }
        }
        let literals = if literals.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(AcMatchKind::Standard)
                    .build(&literals)
                    .map_err(|e| PrefilterError::Literals(e.to_string()))?,
            )
        };
        // One automaton for all of these would be wrong for speed: with
        // "all matches" semantics its states multiply and it falls back
        // to the PikeVM. Each pattern's own regex stays a small lazy DFA.
        let mut unfiltered: Vec<u32> = Vec::with_capacity(unfiltered_ids.len());
        let mut later: Vec<u32> = Vec::new();
        for (&id, hir) in unfiltered_ids.iter().zip(&unfiltered_hirs) {
            if opens_at_text_start(hir) {
                unfiltered.push(id);
            } else {
                later.push(id);
            }
        }
        let anchored_at_start = unfiltered.len();
        unfiltered.append(&mut later);
        Ok(Prefilter {
            literals,
            owners,
            unfiltered,
            anchored_at_start,
        })
    }

    /// Ids of the patterns that run on every message because they have no
    /// keyword and are not anchored at the start of the message.
    pub fn unfiltered_ids(&self) -> impl Iterator<Item = usize> + '_ {
        self.unfiltered[self.anchored_at_start..]
            .iter()
            .map(|&i| i as usize)
    }

    /// The patterns (by id, out of `singles`) that match somewhere in
    /// `text`, the ASCII-safe normalised message.
    pub fn scan(&self, text: &str, singles: &[Regex]) -> PatternSet {
        self.scan_where(text, singles, |_| true)
    }

    /// [`scan`](Self::scan) restricted to the patterns in `wanted`: the
    /// same answer for those, through the same keyword selection, without
    /// running the others. Checking one rule's examples needs only the rule
    /// and its guards.
    pub fn scan_among(&self, text: &str, singles: &[Regex], wanted: &[usize]) -> PatternSet {
        self.scan_where(text, singles, |id| wanted.contains(&id))
    }

    #[inline]
    fn scan_where(
        &self,
        text: &str,
        singles: &[Regex],
        wanted: impl Fn(usize) -> bool,
    ) -> PatternSet {
        let mut matched = PatternSet::new(singles.len());
        for &id in &self.unfiltered {
            if wanted(id as usize) && singles[id as usize].is_match(text) {
                matched.insert(PatternID::new_unchecked(id as usize));
            }
        }
        let Some(literals) = &self.literals else {
            return matched;
        };
        // Patterns already searched over the whole message.
        let mut searched = PatternSet::new(singles.len());
        let bytes = text.as_bytes();
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        for m in literals.find_overlapping_iter(text) {
            let inside_word =
                m.start() > 0 && is_word(bytes[m.start() - 1]) && is_word(bytes[m.start()]);
            for owner in &self.owners[m.pattern().as_usize()] {
                let id = owner.pattern as usize;
                let pid = PatternID::new_unchecked(id);
                if matched.contains(pid) || searched.contains(pid) || !wanted(id) {
                    continue;
                }
                let found = if owner.prefix {
                    if owner.word_start && inside_word {
                        continue;
                    }
                    // The keyword starts every match, so the pattern either
                    // matches right here or not from this occurrence.
                    singles[id].is_match(
                        Input::new(text)
                            .span(m.start()..text.len())
                            .anchored(Anchored::Yes),
                    )
                } else {
                    searched.insert(pid);
                    singles[id].is_match(text)
                };
                if found {
                    matched.insert(pid);
                }
            }
        }
        matched
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intent::normalize::normalize;
    use crate::intent::pattern::compile_single;

    fn check(patterns: &[&str], texts: &[&str]) {
        let (hirs, singles): (Vec<Hir>, Vec<Regex>) = patterns
            .iter()
            .map(|p| compile_single(p).expect("compiles"))
            .unzip();
        let prefilter = Prefilter::build(&hirs).expect("builds");
        for text in texts {
            let n = normalize(text);
            let got: Vec<usize> = prefilter
                .scan(n.as_str(), &singles)
                .iter()
                .map(|p| p.as_usize())
                .collect();
            let want: Vec<usize> = singles
                .iter()
                .enumerate()
                .filter(|(_, r)| r.is_match(n.as_str()))
                .map(|(i, _)| i)
                .collect();
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn keyword_patterns_and_unfiltered_ones_agree_with_running_every_pattern() {
        check(
            &[
                r"\b(?:cancel\w*|stop)\W+(?:\w+\W+){0,4}?(?:subscription|plan)s?\b",
                r"^\W*(?:hi|hello)\W*$",
                r"\w*konto\w*",
                r"(?:解約|退会)",
                r"\bavslutt\w*\s+(?:\w+\s+)?abonnement\w*",
                r"\bабонемент\w*",
                r"\bsi\s+opp\b",
                r"(?:^|\W)(?:konto|profil)(?:en)?\b",
                r"\b(?:jeg|ikke|hvordan|hva|kan|vil|skal|må|meg|min)\b",
                r"^\W*\w+\W*$",
            ],
            &[
                "cancel my subscription",
                "please stop the plan",
                "Hello!",
                "hi, cancel the meeting",
                "slett brukerkontoen",
                "サブスクを解約したい",
                "Jeg vil avslutte det abonnementet",
                "отменить АБОНЕМЕНТ",
                "si opp, si opp",
                "",
                "cancel cancel cancel plan",
                "slett kontoen",
                "profil",
                "hvordan kan jeg",
                "word",
            ],
        );
    }

    #[test]
    fn a_pattern_without_a_keyword_is_listed_unless_anchored_at_the_start() {
        let (hirs, _): (Vec<Hir>, Vec<Regex>) = [r"\w+[0-9]", r"\bcancel", r"^\W*hi\W*$"]
            .iter()
            .map(|p| compile_single(p).expect("compiles"))
            .unzip();
        let prefilter = Prefilter::build(&hirs).expect("builds");
        assert_eq!(prefilter.unfiltered_ids().collect::<Vec<_>>(), vec![0]);
    }
}
