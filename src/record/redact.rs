//! Redaction: masks what identifies a person or pays for something before a
//! message is stored — card numbers, e-mail addresses, phone numbers, IBANs
//! and long digit runs — in any script.
//!
//! Detection runs on a *view* of the text in which every decimal digit of any
//! script (full-width, Arabic-Indic, Devanagari, …) is its ASCII digit and
//! full-width ASCII forms are ASCII; each character maps to exactly one
//! character, so a match in the view is a span of the original, and the
//! original is what gets masked.
//!
//! Order: e-mail addresses first (they may hold digits), then IBANs (letters
//! and digits, mod-97 checked), then *digit chains* — digit groups joined by
//! single spaces, dashes, dots or slashes, optionally with a leading `+` and a
//! parenthesised group. A chain is
//! * a card number when it has 13–19 digits, only space/dash separators and a
//!   valid Luhn checksum;
//! * a long number when it has 13 digits or more otherwise (so no Luhn-valid
//!   run can survive in another shape);
//! * a phone number when it starts with `+` (or `00`) and has 8–15 digits, or
//!   has two groups or more and 8–12 digits (national forms);
//! * a long number when one group has 8 digits or more;
//! * left alone otherwise: dates (`2026-12-03`, `03.12.2026`), times, order
//!   numbers of a few digits, `SUB-1`.
//!
//! Masks are bracketed words without digits or `@` (`[card]`, `[email]`,
//! `[phone]`, `[iban]`, `[number]`), so redacting twice changes nothing.
//! Nothing here panics: every index comes from the text itself.

use unicode_general_category::{get_general_category, GeneralCategory};

use address::{emails, ibans};
use chains::chains;

mod address;
mod chains;

/// What a mask stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Luhn-valid payment card number.
    Card,
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// An IBAN (ISO 13616, mod-97 valid).
    Iban,
    /// A long run of digits (an account, a customer or a card number that
    /// fails its checksum).
    Number,
}

impl Kind {
    /// The text that replaces a masked span.
    pub fn mask(self) -> &'static str {
        match self {
            Kind::Card => "[card]",
            Kind::Email => "[email]",
            Kind::Phone => "[phone]",
            Kind::Iban => "[iban]",
            Kind::Number => "[number]",
        }
    }
}

/// Passes at most: see [`redact`].
const PASSES: usize = 4;

/// `text` with every card number, e-mail address, phone number, IBAN and
/// long digit run replaced by its [`Kind::mask`].
///
/// A mask can free its neighbour: an IBAN glued to a card number is no word
/// of its own until the card number is a mask. So a text in which something
/// was masked is read again, until nothing changes (at most [`PASSES`]
/// times); a text with nothing to mask is read once.
pub fn redact(text: &str) -> String {
    let mut out = pass(text);
    for _ in 1..PASSES {
        if out == text {
            break;
        }
        let next = pass(&out);
        if next == out {
            break;
        }
        out = next;
    }
    out
}

/// One reading of `text`: every detector once.
fn pass(text: &str) -> String {
    let mut view = View::of(text);
    let mut spans = Vec::new();
    emails(&mut view, &mut spans);
    ibans(&mut view, &mut spans);
    chains(&mut view, &mut spans);
    spans.sort_by_key(|s| s.0);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, kind) in spans {
        // Spans come from disjoint character ranges; a stray overlap is skipped.
        let (Some(s), Some(e)) = (view.orig_byte(start), view.orig_byte(end)) else {
            continue;
        };
        if s < at || text.get(at..s).is_none() {
            continue;
        }
        out.push_str(&text[at..s]);
        out.push_str(kind.mask());
        at = e;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

/// A span of the view in *character* indices, end exclusive.
type Span = (usize, usize, Kind);

/// The detection view: one normalised character per original character.
struct View {
    /// The normalised characters.
    chars: Vec<char>,
    /// The normalised text (for the e-mail pattern).
    text: String,
    /// Byte offset in `text` of each character, plus the end.
    norm_bytes: Vec<usize>,
    /// Byte offset in the original of each character, plus the end.
    orig_bytes: Vec<usize>,
    /// Characters already masked.
    masked: Vec<bool>,
}

impl View {
    fn of(text: &str) -> View {
        let mut chars = Vec::with_capacity(text.len());
        let mut orig_bytes = Vec::with_capacity(text.len() + 1);
        for (i, c) in text.char_indices() {
            orig_bytes.push(i);
            chars.push(fold(c));
        }
        orig_bytes.push(text.len());
        let mut norm = String::with_capacity(text.len());
        let mut norm_bytes = Vec::with_capacity(chars.len() + 1);
        for &c in &chars {
            norm_bytes.push(norm.len());
            norm.push(c);
        }
        norm_bytes.push(norm.len());
        View {
            masked: vec![false; chars.len()],
            chars,
            text: norm,
            norm_bytes,
            orig_bytes,
        }
    }

    fn orig_byte(&self, char_index: usize) -> Option<usize> {
        self.orig_bytes.get(char_index).copied()
    }

    /// Character index of a byte offset in the normalised text.
    fn char_at(&self, byte: usize) -> Option<usize> {
        self.norm_bytes.binary_search(&byte).ok()
    }

    fn get(&self, i: usize) -> Option<char> {
        if *self.masked.get(i)? {
            return None;
        }
        self.chars.get(i).copied()
    }

    fn digit(&self, i: usize) -> Option<u32> {
        self.get(i).and_then(|c| c.to_digit(10))
    }

    fn mask(&mut self, spans: &mut Vec<Span>, start: usize, end: usize, kind: Kind) {
        for m in self.masked.get_mut(start..end).into_iter().flatten() {
            *m = true;
        }
        spans.push((start, end, kind));
    }
}

/// The detection form of one character: a decimal digit of any script as its
/// ASCII digit, a full-width ASCII form as ASCII, anything else unchanged.
fn fold(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    if let Some(d) = digit_value(c) {
        return char::from_digit(d, 10).unwrap_or(c);
    }
    match u32::from(c) {
        n @ 0xFF01..=0xFF5E => char::from_u32(n - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

/// The value of a decimal digit of any script. Unicode assigns every script's
/// digits (general category Nd) in runs of ten, zero first, so the value is
/// the distance from the start of the run, modulo ten (runs of mathematical
/// digits follow each other).
fn digit_value(c: char) -> Option<u32> {
    let is_nd = |c: char| get_general_category(c) == GeneralCategory::DecimalNumber;
    if !is_nd(c) {
        return None;
    }
    let mut n = u32::from(c);
    let mut back = 0;
    while back < 60 {
        match n.checked_sub(1).and_then(char::from_u32) {
            Some(p) if is_nd(p) => {
                n -= 1;
                back += 1;
            }
            _ => break,
        }
    }
    Some(back % 10)
}

#[cfg(test)]
mod tests;
