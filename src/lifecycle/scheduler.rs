//! `tick(now)`: applies every transition that has come due and expires stale proposals.
//!
//! Each subscription's due steps are committed together with one audit record per step
//! (actor "scheduler"). A subscription that lost a race with a user action is simply left
//! for the next tick, which sees the new state.

use chrono::{DateTime, TimeDelta, Utc};

use super::audit::{Actor, AuditKind, AuditRecord};
use super::engine::Engine;
use super::error::LifecycleError;
use super::outcome::TickReport;
use super::token::ConfirmationStatus;
use super::transition::{step_due, ScheduledStep};
use super::Subscription;
use crate::lifecycle::{Store, StoreError, WriteSet};

/// Used and expired confirmation records are kept this long so that a late click gets
/// "already used"/"expired" rather than "unknown".
pub const CONFIRMATION_RETENTION: TimeDelta = TimeDelta::days(1);

impl<S: Store> Engine<S> {
    /// Applies due transitions as of `now`. Safe to call repeatedly and concurrently with
    /// user actions; a tick after a long outage catches up step by step.
    pub fn tick(&self, now: DateTime<Utc>) -> Result<TickReport, LifecycleError> {
        let mut report = TickReport::default();
        for account in self.store.accounts()? {
            let rules = self.policy.rules_for(&account.country);
            for sub in self.store.subscriptions(&account.id)? {
                let (next, audit) = due_steps(&sub, &rules, now, &mut report);
                if audit.is_empty() {
                    continue;
                }
                let ws = WriteSet {
                    subscriptions: vec![Subscription {
                        revision: sub.revision + 1,
                        ..next
                    }],
                    audit,
                    ..WriteSet::default()
                };
                match self.store.commit(ws) {
                    Ok(_) | Err(StoreError::Conflict(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        self.expire_confirmations(now, &mut report)?;
        // Counts of coalesced refusals whose window has passed.
        let counts = self.denials.flush(now);
        if !counts.is_empty() {
            self.record(counts)?;
        }
        Ok(report)
    }

    fn expire_confirmations(
        &self,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<(), LifecycleError> {
        let mut purge = Vec::new();
        for c in self.store.confirmations()? {
            if c.status == ConfirmationStatus::Pending && c.expires_at <= now {
                let rec = AuditRecord::new(now, Actor::Scheduler, AuditKind::Expired)
                    .about(
                        Some(c.role.into()),
                        Some(c.action.name()),
                        Some(&c.account),
                        None,
                    )
                    .on(c.action.subscription())
                    .detail(format!("proposal by {} expired unconfirmed", c.proposer));
                let expired = super::PendingConfirmation {
                    status: ConfirmationStatus::Expired,
                    revision: c.revision + 1,
                    ..c
                };
                let ws = WriteSet {
                    confirmations: vec![expired],
                    audit: vec![rec],
                    ..WriteSet::default()
                };
                match self.store.commit(ws) {
                    Ok(_) => report.expired_proposals += 1,
                    // Confirmed at the last moment: nothing to expire.
                    Err(StoreError::Conflict(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            } else if c.status != ConfirmationStatus::Pending
                && c.expires_at + CONFIRMATION_RETENTION <= now
            {
                purge.push(c.id);
            }
        }
        if !purge.is_empty() {
            report.purged_confirmations = purge.len();
            self.store.commit(WriteSet {
                purge_confirmations: purge,
                ..WriteSet::default()
            })?;
        }
        Ok(())
    }
}

/// Runs [`step_due`] to a fixed point, returning the final record and one audit record
/// per step.
fn due_steps(
    sub: &Subscription,
    rules: &super::Rules,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> (Subscription, Vec<AuditRecord>) {
    let mut current = sub.clone();
    let mut audit = Vec::new();
    // Active → Expired → Disabled → Deleted is at most three transitions plus a renewal.
    for _ in 0..8 {
        let Some((next, step)) = step_due(&current, rules, now) else {
            break;
        };
        let kind = match step {
            ScheduledStep::Renewed => {
                report.renewals += 1;
                AuditKind::Renewed
            }
            ScheduledStep::Transition => {
                report.transitions += 1;
                AuditKind::Transition
            }
        };
        let detail = match step {
            ScheduledStep::Renewed => {
                format!("renewed: term {} to {}", next.term_start, next.term_end)
            }
            ScheduledStep::Transition => format!(
                "due at {}",
                next.history
                    .last()
                    .map(|h| h.at.to_rfc3339())
                    .unwrap_or_default()
            ),
        };
        audit.push(
            AuditRecord::new(now, Actor::Scheduler, kind)
                .about(None, Some("scheduler"), Some(&sub.account), None)
                .change(&current, &next)
                .detail(detail),
        );
        current = next;
    }
    (current, audit)
}
