//! Pure per-subscription transitions: no storage, no clock, no I/O.
//!
//! Each function takes the current record and `now` and returns the new record (and any
//! credit) or a user-facing refusal. Revisions are bumped by the engine, once per commit.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, Utc};

use super::account::{Billing, Credit, CreditReason, SubState, Subscription};
use super::error::{LifecycleError, RefundRefusal};
use super::policy::Rules;
use crate::auth::AdminRole;

/// Midnight UTC at the start of `date`.
pub fn start_of(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
}

/// `t + days`, saturating instead of panicking at the end of chrono's range.
pub fn plus_days(t: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    t.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The first monthly billing date on the subscription's anchor day strictly after `today`:
/// the invoice a credit is due with.
pub fn next_billing_date(anchor: NaiveDate, today: NaiveDate) -> NaiveDate {
    let months = (today.year() - anchor.year()) * 12 + today.month() as i32 - anchor.month() as i32;
    let mut k = u32::try_from(months.max(0)).unwrap_or(0);
    // At most two steps: clamping to month ends can land on or before `today` once.
    loop {
        match anchor.checked_add_months(Months::new(k)) {
            Some(d) if d > today => return d,
            Some(_) => k += 1,
            None => return today,
        }
    }
}

/// Refuses what may not be cancelled here: partner billing, trials, wrong state, and (for
/// account admins) the online seat limit.
pub fn check_cancellable(
    sub: &Subscription,
    rules: &Rules,
    role: AdminRole,
) -> Result<(), LifecycleError> {
    if let Billing::Partner { name } = &sub.billing {
        return Err(LifecycleError::PartnerBilled {
            subscription: sub.id,
            partner: name.clone(),
        });
    }
    if !matches!(sub.state, SubState::Active | SubState::Expired) {
        return Err(LifecycleError::WrongState {
            subscription: sub.id,
            state: sub.state,
            verb: "cancelled",
        });
    }
    if sub.trial {
        return Err(LifecycleError::TrialNothingToCancel {
            subscription: sub.id,
            ends_on: sub.term_end,
        });
    }
    // Support agents are the "call support" path, so the online limit does not bind them.
    if role == AdminRole::AccountAdmin && sub.seats >= rules.seat_limit {
        return Err(LifecycleError::SeatLimit {
            subscription: sub.id,
            seats: sub.seats,
            limit: rules.seat_limit,
        });
    }
    Ok(())
}

/// The prorated credit for the part of the current term after `from`'s day.
///
/// Unused days = `term_end - (from's date + 1)`: the day of cancellation counts as used.
/// Amount = `floor(term_price × unused / term_days)` (see [`super::money`]).
pub fn prorated_credit(
    sub: &Subscription,
    rules: &Rules,
    prior: &[Credit],
    from: DateTime<Utc>,
    reason: CreditReason,
    now: DateTime<Utc>,
) -> Result<Result<Credit, RefundRefusal>, LifecycleError> {
    if sub.trial && !rules.allow_trial_refunds {
        return Ok(Err(RefundRefusal::Trial));
    }
    if let Some(c) = prior
        .iter()
        .find(|c| c.subscription == sub.id && c.term_start == sub.term_start)
    {
        return Ok(Err(RefundRefusal::AlreadyRefunded {
            term_start: c.term_start,
            issued_at: c.issued_at,
        }));
    }
    let day = from.date_naive();
    if let Some(window) = rules.refund_window_days {
        let last = sub
            .term_start
            .checked_add_days(Days::new(u64::from(window)));
        if last.is_some_and(|last| day > last) {
            return Ok(Err(RefundRefusal::OutsideWindow {
                window_days: window,
                term_start: sub.term_start,
            }));
        }
    }
    let term_days = (sub.term_end - sub.term_start).num_days();
    let first_unused = day.succ_opt().unwrap_or(day).max(sub.term_start);
    let unused_days = (sub.term_end - first_unused).num_days().clamp(0, term_days);
    if term_days <= 0 || unused_days == 0 {
        return Ok(Err(RefundRefusal::NothingUnused));
    }
    let amount = sub.term_price()?.prorate(unused_days, term_days)?;
    if amount.minor == 0 {
        return Ok(Err(RefundRefusal::NothingUnused));
    }
    Ok(Ok(Credit {
        account: sub.account.clone(),
        subscription: sub.id,
        term_start: sub.term_start,
        term_end: sub.term_end,
        amount,
        unused_days,
        term_days,
        issued_at: now,
        due_on: next_billing_date(sub.billing_anchor, now.date_naive()),
        reason,
    }))
}

/// Active/Expired → Disabled now; deletion after `disabled_days`, capped by retention.
pub fn disable(sub: &Subscription, rules: &Rules, now: DateTime<Utc>) -> Subscription {
    let mut next = sub.clone();
    next.set_state(SubState::Disabled, now);
    next.cancelled_at = Some(now);
    next.grace_until = None;
    let days = rules.disabled_days.min(rules.max_retention_days);
    next.delete_at = Some(plus_days(now, days));
    next
}

/// Disabled/Expired → Active. Starts a fresh term today if the old term ended or was
/// already credited (the customer was paid back for it, so it is closed).
pub fn reactivate(
    sub: &Subscription,
    prior: &[Credit],
    now: DateTime<Utc>,
) -> Result<Subscription, LifecycleError> {
    if let Billing::Partner { name } = &sub.billing {
        return Err(LifecycleError::PartnerBilled {
            subscription: sub.id,
            partner: name.clone(),
        });
    }
    if !matches!(sub.state, SubState::Disabled | SubState::Expired) || sub.trial {
        return Err(LifecycleError::WrongState {
            subscription: sub.id,
            state: sub.state,
            verb: if sub.trial {
                "reactivated (trials end; buy the product instead)"
            } else {
                "reactivated"
            },
        });
    }
    if let Some(delete_at) = sub.delete_at.filter(|d| *d <= now) {
        return Err(LifecycleError::ReactivationWindowClosed {
            subscription: sub.id,
            delete_at,
        });
    }
    let today = now.date_naive();
    let credited = prior
        .iter()
        .any(|c| c.subscription == sub.id && c.term_start == sub.term_start);
    let mut next = sub.clone();
    if credited || today >= sub.term_end {
        let (start, end) = sub
            .period
            .term(today, 0)
            .ok_or(LifecycleError::WrongState {
                subscription: sub.id,
                state: sub.state,
                verb: "reactivated",
            })?;
        next.billing_anchor = today;
        next.term_index = 0;
        next.term_start = start;
        next.term_end = end;
    }
    next.set_state(SubState::Active, now);
    next.grace_until = None;
    next.delete_at = None;
    Ok(next)
}

/// Any state but Deleted → Deleted now (closing an account).
pub fn delete_now(sub: &Subscription, now: DateTime<Utc>) -> Subscription {
    let mut next = sub.clone();
    next.set_state(SubState::Deleted, now);
    next.grace_until = None;
    next.delete_at = Some(now);
    next
}

/// What the scheduler did in one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduledStep {
    /// Auto-renewal rolled the term forward (possibly several terms).
    Renewed,
    /// A state change that was due.
    Transition,
}

/// The next due scheduler step, if any, dated when it became due (not when noticed).
pub fn step_due(
    sub: &Subscription,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Option<(Subscription, ScheduledStep)> {
    let today = now.date_naive();
    match sub.state {
        SubState::Active if sub.term_end <= today => {
            let mut next = sub.clone();
            if sub.auto_renew && !sub.trial {
                // Bounded: even a century of missed monthly renewals is 1200 steps.
                while next.term_end <= today && next.term_index < u32::MAX - 1 {
                    let (s, e) = next.period.term(next.billing_anchor, next.term_index + 1)?;
                    (next.term_index, next.term_start, next.term_end) = (next.term_index + 1, s, e);
                }
                return Some((next, ScheduledStep::Renewed));
            }
            let at = start_of(sub.term_end);
            next.set_state(SubState::Expired, at);
            next.grace_until = Some(plus_days(at, rules.grace_days));
            Some((next, ScheduledStep::Transition))
        }
        SubState::Expired => {
            let at = sub.grace_until.filter(|g| *g <= now)?;
            let mut next = sub.clone();
            next.set_state(SubState::Disabled, at);
            next.grace_until = None;
            // Retention runs from the end of the paid term on this path.
            let cap = plus_days(start_of(sub.term_end), rules.max_retention_days);
            next.delete_at = Some(plus_days(at, rules.disabled_days).min(cap));
            Some((next, ScheduledStep::Transition))
        }
        SubState::Disabled => {
            let at = sub.delete_at.filter(|d| *d <= now)?;
            let mut next = sub.clone();
            next.set_state(SubState::Deleted, at);
            Some((next, ScheduledStep::Transition))
        }
        SubState::Active | SubState::Deleted => None,
    }
}
