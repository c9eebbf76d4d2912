//! Prorated credit arithmetic: exact integer minor units, floor rounding.

use proptest::prelude::*;

use super::*;
use crate::lifecycle::transition::{next_billing_date, prorated_credit};

fn credit(s: &Subscription, when: &str) -> Result<Credit, RefundRefusal> {
    prorated_credit(
        s,
        &rules(),
        &[],
        at(when),
        CreditReason::Cancellation,
        at(when),
    )
    .expect("no internal error")
}

#[test]
fn thirty_day_month_floors_to_the_minor_unit() {
    // April 2024 has 30 days; cancelling on the 10th leaves 11th..30th = 20 unused days.
    let s = sub(1, BillingPeriod::Monthly, "2024-04-01", 10_000, "NOK", 1);
    let c = credit(&s, "2024-04-10T12:00:00Z").expect("credit");
    assert_eq!((c.unused_days, c.term_days), (20, 30));
    assert_eq!(c.amount.minor, 6_666, "10000 × 20/30 = 6666.67, floored");
    assert_eq!(c.due_on, d("2024-05-01"));
}

#[test]
fn odd_day_counts() {
    // January: 31 days; cancel on day 1 → 30 unused.
    let s = sub(1, BillingPeriod::Monthly, "2023-01-01", 10_000, "USD", 1);
    let c = credit(&s, "2023-01-01T08:00:00Z").expect("credit");
    assert_eq!(
        (c.unused_days, c.term_days, c.amount.minor),
        (30, 31, 9_677)
    );
    // February 2023: 28 days, 3 seats of 1 200 JPY (exponent 0): 3600 × 18/28 = 2314.28.
    let s = sub(2, BillingPeriod::Monthly, "2023-02-01", 1_200, "JPY", 3);
    let c = credit(&s, "2023-02-10T23:59:59Z").expect("credit");
    assert_eq!(
        (c.unused_days, c.term_days, c.amount.minor),
        (18, 28, 2_314)
    );
    assert_eq!(c.amount.to_string(), "2314 JPY");
}

#[test]
fn three_decimal_currencies() {
    // 12.345 KWD = 12 345 fils; 31-day month, cancel on the 15th → 16 unused.
    let s = sub(1, BillingPeriod::Monthly, "2023-03-01", 12_345, "KWD", 1);
    let c = credit(&s, "2023-03-15T10:00:00Z").expect("credit");
    assert_eq!((c.unused_days, c.amount.minor), (16, 6_371));
    assert_eq!(c.amount.to_string(), "6.371 KWD");
    let s = sub(2, BillingPeriod::Yearly, "2023-01-01", 99_999, "BHD", 7);
    let c = credit(&s, "2023-07-02T00:00:00Z").expect("credit");
    // 699 993 fils × 182/365 = 349 037.6 → 349 037.
    assert_eq!(
        (c.unused_days, c.term_days, c.amount.minor),
        (182, 365, 349_037)
    );
}

#[test]
fn leap_years() {
    // 2024 is a leap year: the yearly term has 366 days, and Feb 29 is a normal day in it.
    let s = sub(1, BillingPeriod::Yearly, "2024-01-01", 366_000, "EUR", 1);
    let c = credit(&s, "2024-02-29T12:00:00Z").expect("credit");
    assert_eq!(
        (c.unused_days, c.term_days, c.amount.minor),
        (306, 366, 306_000)
    );
    // A term anchored on Feb 29 ends on Feb 28 next year (365 days), and the anchor keeps
    // later terms on the 28th until the next leap year brings back the 29th.
    let p = BillingPeriod::Yearly;
    assert_eq!(
        p.term(d("2024-02-29"), 0),
        Some((d("2024-02-29"), d("2025-02-28")))
    );
    assert_eq!(
        p.term(d("2024-02-29"), 3),
        Some((d("2027-02-28"), d("2028-02-29")))
    );
    // Monthly from Jan 31: Feb 29, then back to the 31st (no drift to the 29th).
    let m = BillingPeriod::Monthly;
    assert_eq!(
        m.term(d("2024-01-31"), 1),
        Some((d("2024-02-29"), d("2024-03-31")))
    );
    let s = sub(2, BillingPeriod::Monthly, "2024-02-01", 2_900, "NOK", 1);
    let c = credit(&s, "2024-02-28T00:00:00Z").expect("credit");
    assert_eq!((c.unused_days, c.term_days, c.amount.minor), (1, 29, 100));
}

#[test]
fn refusals() {
    let s = sub(1, BillingPeriod::Monthly, "2024-04-01", 10_000, "NOK", 1);
    assert_eq!(
        credit(&s, "2024-04-30T09:00:00Z"),
        Err(RefundRefusal::NothingUnused),
        "last day of term"
    );
    let trial = Subscription {
        trial: true,
        ..s.clone()
    };
    assert_eq!(
        credit(&trial, "2024-04-02T00:00:00Z"),
        Err(RefundRefusal::Trial)
    );
    let first = credit(&s, "2024-04-02T00:00:00Z").expect("credit");
    let again = prorated_credit(
        &s,
        &rules(),
        std::slice::from_ref(&first),
        at("2024-04-03T00:00:00Z"),
        CreditReason::Refund,
        at("2024-04-03T00:00:00Z"),
    );
    assert_eq!(
        again.ok(),
        Some(Err(RefundRefusal::AlreadyRefunded {
            term_start: s.term_start,
            issued_at: first.issued_at
        }))
    );
    let windowed = Rules {
        refund_window_days: Some(14),
        ..rules()
    };
    let late = prorated_credit(
        &s,
        &windowed,
        &[],
        at("2024-04-16T00:00:00Z"),
        CreditReason::Refund,
        at("2024-04-16T00:00:00Z"),
    );
    assert_eq!(
        late.ok(),
        Some(Err(RefundRefusal::OutsideWindow {
            window_days: 14,
            term_start: s.term_start
        }))
    );
    let in_window = prorated_credit(
        &s,
        &windowed,
        &[],
        at("2024-04-15T00:00:00Z"),
        CreditReason::Refund,
        at("2024-04-15T00:00:00Z"),
    );
    assert!(matches!(in_window, Ok(Ok(_))));
    let free = sub(3, BillingPeriod::Monthly, "2024-04-01", 0, "NOK", 1);
    assert_eq!(
        credit(&free, "2024-04-02T00:00:00Z"),
        Err(RefundRefusal::NothingUnused)
    );
}

#[test]
fn next_billing_date_follows_the_anchor_day() {
    assert_eq!(
        next_billing_date(d("2024-01-31"), d("2024-02-10")),
        d("2024-02-29")
    );
    assert_eq!(
        next_billing_date(d("2024-01-31"), d("2024-02-29")),
        d("2024-03-31")
    );
    assert_eq!(
        next_billing_date(d("2024-01-15"), d("2024-01-15")),
        d("2024-02-15")
    );
    assert_eq!(
        next_billing_date(d("2024-05-15"), d("2024-01-01")),
        d("2024-05-15")
    );
}

proptest! {
    #[test]
    fn credit_is_the_exact_floor_and_never_exceeds_the_price(
        price in 0i64..10_000_000_000,
        seats in 1u32..10_000,
        yearly in any::<bool>(),
        start_offset in 0i64..3_000,
        day in 0i64..366,
    ) {
        let period = if yearly { BillingPeriod::Yearly } else { BillingPeriod::Monthly };
        let anchor = d("2020-01-01") + chrono::Days::new(start_offset as u64);
        let s = sub(1, period, &anchor.to_string(), price, "NOK", seats);
        let when = transition::start_of(anchor + chrono::Days::new(day as u64));
        let total = i128::from(price) * i128::from(seats);
        match prorated_credit(&s, &rules(), &[], when, CreditReason::Cancellation, when) {
            Ok(Ok(c)) => {
                let (a, u, t) = (i128::from(c.amount.minor), i128::from(c.unused_days), i128::from(c.term_days));
                prop_assert!(a <= total);
                prop_assert!(a * t <= total * u && total * u < (a + 1) * t, "floor of total*u/t");
                prop_assert!(c.unused_days < c.term_days, "the cancellation day counts as used");
            }
            Ok(Err(RefundRefusal::NothingUnused)) => {}
            other => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    #[test]
    fn later_cancellation_never_credits_more(price in 1i64..1_000_000, a in 0u64..365, b in 0u64..365) {
        let s = sub(1, BillingPeriod::Yearly, "2024-01-01", price, "KWD", 3);
        let at_day = |n: u64| transition::start_of(d("2024-01-01") + chrono::Days::new(n));
        let amount = |n| match prorated_credit(&s, &rules(), &[], at_day(n), CreditReason::Refund, at_day(n)) {
            Ok(Ok(c)) => c.amount.minor,
            _ => 0,
        };
        let (early, late) = (a.min(b), a.max(b));
        prop_assert!(amount(early) >= amount(late));
    }
}
