//! Digit chains: card numbers (Luhn), phone numbers and long numbers, with
//! dates and short numbers left alone.

use super::{Kind, Span, View};

// ---- digit chains ------------------------------------------------------------

/// Digit groups joined by single separators.
struct Chain {
    /// First character (the `+` or `(` when there is one).
    start: usize,
    /// After the last character.
    end: usize,
    plus: bool,
    parens: bool,
    groups: Vec<(usize, usize)>,
    seps: Vec<char>,
}

fn digit_count(groups: &[(usize, usize)]) -> usize {
    groups.iter().map(|(s, e)| e - s).sum()
}

pub(super) fn chains(view: &mut View, spans: &mut Vec<Span>) {
    let mut i = 0;
    while i < view.chars.len() {
        let Some(chain) = chain_at(view, i) else {
            i += 1;
            continue;
        };
        i = chain.end.max(i + 1);
        for (start, end, kind) in classify(view, &chain) {
            view.mask(spans, start, end, kind);
        }
    }
}

fn chain_at(view: &View, i: usize) -> Option<Chain> {
    let starts_group = |k: usize| {
        view.digit(k).is_some() || (view.get(k) == Some('(') && view.digit(k + 1).is_some())
    };
    let plus = view.get(i) == Some('+') && starts_group(i + 1);
    if !plus && !starts_group(i) {
        return None;
    }
    // A digit continuing a group that started earlier is not a new chain.
    if !plus && i > 0 && view.digit(i - 1).is_some() {
        return None;
    }
    let mut chain = Chain {
        start: i,
        end: i,
        plus,
        parens: false,
        groups: Vec::new(),
        seps: Vec::new(),
    };
    let mut k = if plus { i + 1 } else { i };
    loop {
        let paren = view.get(k) == Some('(');
        if paren {
            k += 1;
        }
        let g = k;
        while view.digit(k).is_some() {
            k += 1;
        }
        if k == g {
            break;
        }
        chain.groups.push((g, k));
        chain.end = k;
        let mut closed = false;
        if paren && view.get(k) == Some(')') {
            chain.parens = true;
            k += 1;
            chain.end = k;
            closed = true;
        }
        match view.get(k) {
            Some(c @ (' ' | '-' | '.' | '/')) if starts_group(k + 1) => {
                chain.seps.push(c);
                k += 1;
            }
            _ if closed && starts_group(k) => chain.seps.push(')'),
            _ => break,
        }
    }
    (!chain.groups.is_empty()).then_some(chain)
}

/// The masks of one chain (none, one, or one after a leading date).
fn classify(view: &View, chain: &Chain) -> Vec<Span> {
    let mut groups = chain.groups.as_slice();
    let mut seps = chain.seps.as_slice();
    let mut start = chain.start;
    if !chain.plus && is_date(view, groups, seps) {
        // The date stays; what follows it is a chain of its own.
        groups = groups.get(3..).unwrap_or_default();
        seps = seps.get(3..).unwrap_or_default();
        match groups.first() {
            Some(&(s, _)) => start = s,
            None => return Vec::new(),
        }
    }
    let n = digit_count(groups);
    let whole = |kind| vec![(start, chain.end, kind)];
    let card_shaped = !chain.plus
        && !chain.parens
        && (13..=19).contains(&n)
        && seps.iter().all(|c| matches!(c, ' ' | '-'));
    let leading_00 = groups
        .first()
        .is_some_and(|&(s, _)| view.digit(s) == Some(0) && view.digit(s + 1) == Some(0));
    if chain.plus && (8..=15).contains(&n) {
        whole(Kind::Phone)
    } else if card_shaped && luhn(view, groups) {
        whole(Kind::Card)
    } else if !chain.plus && leading_00 && (10..=17).contains(&n) {
        whole(Kind::Phone)
    } else if n >= 13 {
        whole(Kind::Number)
    } else if groups.len() >= 2 && (8..=12).contains(&n) {
        whole(Kind::Phone)
    } else if groups.iter().any(|(s, e)| e - s >= 8) {
        whole(Kind::Number)
    } else {
        Vec::new()
    }
}

/// `2026-12-03`, `03.12.2026`, `3/12/26`: three groups, one separator, a
/// plausible day and month (and year, when it has four digits). A fourth
/// group after the same separator makes it something else (a card number).
fn is_date(view: &View, groups: &[(usize, usize)], seps: &[char]) -> bool {
    let (Some(g), Some(s)) = (groups.get(..3), seps.get(..2)) else {
        return false;
    };
    if s[0] != s[1] || !matches!(s[0], '-' | '.' | '/') || seps.get(2) == Some(&s[0]) {
        return false;
    }
    // Parts of a date have at most four digits; longer groups are no date.
    let value = |&(a, b): &(usize, usize)| -> Option<u32> {
        if b - a > 4 {
            return None;
        }
        (a..b).try_fold(0u32, |acc, k| Some(acc * 10 + view.digit(k)?))
    };
    let len = |&(a, b): &(usize, usize)| b - a;
    let (Some(x), Some(y), Some(z)) = (value(&g[0]), value(&g[1]), value(&g[2])) else {
        return false;
    };
    let year = |v: u32, l: usize| (l == 4 && (1900..=2100).contains(&v)) || l == 2;
    let day = |v: u32, l: usize| l <= 2 && (1..=31).contains(&v);
    let month = |v: u32, l: usize| l <= 2 && (1..=12).contains(&v);
    let (lx, ly, lz) = (len(&g[0]), len(&g[1]), len(&g[2]));
    (lx == 4 && year(x, lx) && month(y, ly) && day(z, lz))
        || (year(z, lz) && ((day(x, lx) && month(y, ly)) || (month(x, lx) && day(y, ly))))
}

/// The Luhn checksum over the chain's digits.
fn luhn(view: &View, groups: &[(usize, usize)]) -> bool {
    let digits: Vec<u32> = groups
        .iter()
        .flat_map(|&(s, e)| s..e)
        .filter_map(|k| view.digit(k))
        .collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| match (i % 2 == 1, d * 2) {
            (true, d2) if d2 > 9 => d2 - 9,
            (true, d2) => d2,
            (false, _) => d,
        })
        .sum();
    !digits.is_empty() && sum % 10 == 0
}
