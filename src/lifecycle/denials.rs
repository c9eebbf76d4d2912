//! Coalescing of repeated refusals, so that a flood of denied attempts costs
//! a bounded number of durable audit writes.
//!
//! Choice: this is a best-effort, in-memory limiter that only *reduces
//! writes*. No reply depends on it (a refused sender reads the same refusal
//! whether or not its attempt was written), so its state need not be shared
//! between processes or survive a restart: a restart at worst writes one
//! more record per sender, target and action. What it keeps is bounded by
//! [`MAX_TRACKED`] whatever the attack.
//!
//! Per fixed window of [`WINDOW`]: the first refusal of each (sender, kind,
//! account, subscription, action) is written at once, if that sender has had
//! fewer than [`PER_SENDER`] and that account fewer than [`PER_TARGET`]
//! records written in the window; every further one is counted, and when the
//! window has passed (at the next refusal or the scheduler's tick) one
//! record per key carries the count. Keys beyond [`MAX_TRACKED`] are counted
//! together in one overflow record.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

use super::audit::{Actor, AuditKind, AuditRecord};
use crate::model::{AccountId, SubscriptionId};

/// Length of one coalescing window.
pub const WINDOW: TimeDelta = TimeDelta::minutes(10);
/// Records written at once per sender and window; the rest are counted.
pub const PER_SENDER: u32 = 10;
/// Records written at once per target account and window (across senders).
pub const PER_TARGET: u32 = 50;
/// Distinct keys tracked per window; beyond it attempts share one count.
pub const MAX_TRACKED: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    actor: Actor,
    kind: AuditKind,
    account: Option<AccountId>,
    subscription: Option<SubscriptionId>,
    action: Option<String>,
}

impl Key {
    fn of(rec: &AuditRecord) -> Key {
        Key {
            actor: rec.actor.clone(),
            kind: rec.kind,
            account: rec.account.clone(),
            subscription: rec.subscription,
            action: rec.action.clone(),
        }
    }
}

/// One key's first record and the attempts not yet written.
#[derive(Debug)]
struct Tracked {
    first: AuditRecord,
    unwritten: u32,
}

#[derive(Debug, Default)]
struct Window {
    start: Option<DateTime<Utc>>,
    index: HashMap<Key, usize>,
    tracked: Vec<Tracked>,
    per_sender: HashMap<Actor, u32>,
    per_target: HashMap<Option<AccountId>, u32>,
    overflow: Option<Tracked>,
}

impl Window {
    /// The count records of a window that has passed, leaving a fresh one.
    fn close(&mut self, now: DateTime<Utc>) -> Vec<AuditRecord> {
        let passed = self.start.is_some_and(|s| now >= s + WINDOW);
        if !passed {
            return Vec::new();
        }
        let window = std::mem::take(self);
        window
            .tracked
            .into_iter()
            .chain(window.overflow)
            .filter(|t| t.unwritten > 0)
            .map(|t| counted(t, window.start, now))
            .collect()
    }
}

fn counted(t: Tracked, start: Option<DateTime<Utc>>, now: DateTime<Utc>) -> AuditRecord {
    let since = start.map(|s| s.to_rfc3339()).unwrap_or_default();
    let detail = t.first.detail.clone().unwrap_or_default();
    AuditRecord {
        seq: 0,
        at: now,
        event: None,
        count: Some(t.unwritten),
        detail: Some(format!(
            "{} more like this since {since} (coalesced): {detail}",
            t.unwritten
        )),
        ..t.first
    }
}

/// The limiter; one per engine.
#[derive(Debug, Default)]
pub(crate) struct DenialLimiter {
    window: Mutex<Window>,
}

impl DenialLimiter {
    /// The records to write for refusal `rec`: it, if it is the first of
    /// its key within the limits, plus the counts of a window that has
    /// passed. Often nothing.
    pub(crate) fn admit(&self, rec: AuditRecord) -> Vec<AuditRecord> {
        let now = rec.at;
        let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = w.close(now);
        w.start.get_or_insert(now);
        let key = Key::of(&rec);
        if let Some(&i) = w.index.get(&key) {
            if let Some(t) = w.tracked.get_mut(i) {
                t.unwritten = t.unwritten.saturating_add(1);
            }
            return out;
        }
        if w.tracked.len() >= MAX_TRACKED {
            let over = w.overflow.get_or_insert(Tracked {
                first: AuditRecord {
                    account: None,
                    subscription: None,
                    action: None,
                    ..rec
                }
                .detail("refusals beyond the tracking limit, from several senders"),
                unwritten: 0,
            });
            over.unwritten = over.unwritten.saturating_add(1);
            return out;
        }
        let sender = w.per_sender.get(&rec.actor).copied().unwrap_or(0);
        let target = w.per_target.get(&rec.account).copied().unwrap_or(0);
        let now_too = sender < PER_SENDER && target < PER_TARGET;
        if now_too {
            *w.per_sender.entry(rec.actor.clone()).or_default() += 1;
            *w.per_target.entry(rec.account.clone()).or_default() += 1;
            out.push(rec.clone());
        }
        let i = w.tracked.len();
        w.tracked.push(Tracked {
            first: rec,
            unwritten: u32::from(!now_too),
        });
        w.index.insert(key, i);
        out
    }

    /// The counts of a window that has passed by `now` (for the scheduler).
    pub(crate) fn flush(&self, now: DateTime<Utc>) -> Vec<AuditRecord> {
        self.window
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .close(now)
    }
}

/// Whether refusals of this kind go through the limiter: the ones anyone
/// can cause (authorization denials, rejected confirmation attempts).
pub(crate) fn coalesced(kind: AuditKind) -> bool {
    matches!(kind, AuditKind::Denied | AuditKind::ConfirmRejected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::UserKey;
    use crate::model::Platform;

    fn denial(user: &str, account: &str, at: DateTime<Utc>) -> AuditRecord {
        let actor = Actor::User(UserKey {
            platform: Platform::Discord,
            user_id: user.into(),
        });
        let account = AccountId::parse(account).ok();
        AuditRecord::new(at, actor, AuditKind::Denied).about(
            None,
            Some("cancel"),
            account.as_ref(),
            None,
        )
    }

    #[test]
    fn a_flood_costs_one_record_and_one_count() {
        let limiter = DenialLimiter::default();
        let t0 = Utc::now();
        let written: usize = (0..300)
            .map(|_| limiter.admit(denial("1", "acme", t0)).len())
            .sum();
        assert_eq!(written, 1);
        let counts = limiter.flush(t0 + WINDOW);
        assert_eq!(counts.len(), 1);
        assert_eq!(counts[0].count, Some(299));
        assert!(limiter.flush(t0 + WINDOW * 3).is_empty(), "counted once");
    }

    #[test]
    fn senders_and_targets_are_capped_and_counted_later() {
        let limiter = DenialLimiter::default();
        let t0 = Utc::now();
        let one_sender: usize = (0..100)
            .map(|n| limiter.admit(denial("1", &format!("a{n}"), t0)).len())
            .sum();
        assert_eq!(one_sender, PER_SENDER as usize);
        let one_target: usize = (0..100)
            .map(|n| limiter.admit(denial(&format!("u{n}"), "acme", t0)).len())
            .sum();
        assert_eq!(one_target, PER_TARGET as usize);
        let later = limiter.flush(t0 + WINDOW);
        let total: u32 = later.iter().filter_map(|r| r.count).sum();
        assert_eq!(total, 100 - PER_SENDER + 100 - PER_TARGET);
    }

    #[test]
    fn tracking_is_bounded() {
        let limiter = DenialLimiter::default();
        let t0 = Utc::now();
        for n in 0..MAX_TRACKED + 500 {
            limiter.admit(denial(&format!("u{n}"), &format!("a{n}"), t0));
        }
        let later = limiter.flush(t0 + WINDOW);
        assert!(later.len() <= MAX_TRACKED + 1);
        let overflow = later.last().and_then(|r| r.count);
        assert_eq!(overflow, Some(500));
    }
}
