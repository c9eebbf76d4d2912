//! E-mail addresses and IBANs (ISO 13616 lengths, mod-97 checked) in the
//! detection view.

use std::sync::LazyLock;

use super::{Kind, Span, View};
use regex::Regex;

// ---- e-mail ----------------------------------------------------------------

pub(super) static EMAIL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    // Letters, marks and digits of any script; the domain has at least one dot.
    let atom = r"[\p{L}\p{M}\p{N}_%+\-]+";
    let label = r"[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}\-]*[\p{L}\p{M}\p{N}])?";
    Regex::new(&format!(r"{atom}(?:\.{atom})*@{label}(?:\.{label})+")).ok()
});

pub(super) fn emails(view: &mut View, spans: &mut Vec<Span>) {
    let Some(re) = EMAIL.as_ref() else { return };
    let found: Vec<(usize, usize)> = re
        .find_iter(&view.text)
        .filter_map(|m| Some((view.char_at(m.start())?, view.char_at(m.end())?)))
        .collect();
    for (s, e) in found {
        view.mask(spans, s, e, Kind::Email);
    }
}

// ---- IBAN ------------------------------------------------------------------

/// IBAN lengths by country (ISO 13616 registry). Countries not listed are
/// accepted at any length from 15 to 34 when the checksum holds.
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BR", 29),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NL", 18),
    ("NO", 15),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("SA", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VG", 24),
    ("XK", 20),
];

const IBAN_MIN: usize = 15;
const IBAN_MAX: usize = 34;

pub(super) fn ibans(view: &mut View, spans: &mut Vec<Span>) {
    let mut i = 0;
    while i < view.chars.len() {
        match iban_at(view, i) {
            Some(end) => {
                view.mask(spans, i, end, Kind::Iban);
                i = end;
            }
            None => i += 1,
        }
    }
}

/// The end of a valid IBAN starting at character `i`, if one does.
fn iban_at(view: &View, i: usize) -> Option<usize> {
    let letter = |k: usize| view.get(k).filter(char::is_ascii_alphabetic);
    let (a, b) = (letter(i)?, letter(i + 1)?);
    view.digit(i + 2)?;
    view.digit(i + 3)?;
    if i > 0 && view.chars.get(i - 1).is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    // Alphanumeric positions, with single spaces or dashes between groups.
    let mut at = Vec::with_capacity(IBAN_MAX);
    let mut k = i;
    while at.len() < IBAN_MAX {
        match view.get(k) {
            Some(c) if c.is_ascii_alphanumeric() => {
                at.push(k);
                k += 1;
            }
            Some(' ' | '-')
                if !at.is_empty() && view.get(k + 1).is_some_and(|c| c.is_ascii_alphanumeric()) =>
            {
                k += 1
            }
            _ => break,
        }
    }
    let country: String = [a, b].iter().map(char::to_ascii_uppercase).collect();
    let lengths: Vec<usize> = match IBAN_LENGTHS.iter().find(|(c, _)| *c == country) {
        Some(&(_, n)) => vec![n],
        None => (IBAN_MIN..=IBAN_MAX).rev().collect(),
    };
    for n in lengths {
        let Some(&last) = at.get(n.checked_sub(1)?) else {
            continue;
        };
        // The IBAN must end where a word does.
        if view
            .chars
            .get(last + 1)
            .is_some_and(|c| c.is_alphanumeric())
        {
            continue;
        }
        let compact: Vec<char> = at[..n]
            .iter()
            .filter_map(|&k| view.chars.get(k).copied())
            .collect();
        if mod97(&compact) == Some(1) {
            return Some(last + 1);
        }
    }
    None
}

/// ISO 7064 MOD 97-10 of an IBAN: the first four characters moved to the end,
/// letters read as 10–35.
fn mod97(iban: &[char]) -> Option<u32> {
    let (head, tail) = (iban.get(..4)?, iban.get(4..)?);
    let mut r = 0u32;
    for c in tail.iter().chain(head) {
        let v = c.to_digit(36)?;
        r = if v >= 10 {
            (r * 100 + v) % 97
        } else {
            (r * 10 + v) % 97
        };
    }
    Some(r)
}
