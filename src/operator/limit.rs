//! Sign-in throttling: after `max_failures` failed sign-ins within `window`
//! from one IP address or for one name, further attempts are refused for
//! `lock_for` without checking the password. Kept in memory per process:
//! a brute force spread over several instances meets each one's limit.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

/// The throttle's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimits {
    /// Failures allowed within `window` before the lock.
    pub max_failures: u32,
    /// How far back failures count.
    pub window: TimeDelta,
    /// How long a lock lasts.
    pub lock_for: TimeDelta,
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits {
            max_failures: 5,
            window: TimeDelta::minutes(15),
            lock_for: TimeDelta::minutes(15),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first: DateTime<Utc>,
    locked_until: Option<DateTime<Utc>>,
}

/// Failure counts per key (`ip:…`, `name:…`).
#[derive(Debug, Default)]
pub struct SignInThrottle {
    limits: SignInLimits,
    seen: Mutex<HashMap<String, Failures>>,
}

/// Keys kept before old entries are dropped (bounds memory under a flood
/// of made-up names).
const MAX_KEYS: usize = 10_000;

impl SignInThrottle {
    /// A throttle with `limits`.
    pub fn new(limits: SignInLimits) -> SignInThrottle {
        SignInThrottle {
            limits,
            seen: Mutex::default(),
        }
    }

    /// Whether any of `keys` is locked at `now`.
    pub fn locked(&self, keys: &[String], now: DateTime<Utc>) -> bool {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        keys.iter().any(|k| {
            seen.get(k)
                .and_then(|f| f.locked_until)
                .is_some_and(|until| now < until)
        })
    }

    /// Counts a failure for each key; locks those past the limit.
    pub fn failed(&self, keys: &[String], now: DateTime<Utc>) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > MAX_KEYS {
            let window = self.limits.window;
            seen.retain(|_, f| now - f.first < window || f.locked_until.is_some_and(|u| now < u));
        }
        for key in keys {
            let f = seen.entry(key.clone()).or_insert(Failures {
                count: 0,
                first: now,
                locked_until: None,
            });
            if now - f.first >= self.limits.window && f.locked_until.is_none_or(|u| now >= u) {
                *f = Failures {
                    count: 0,
                    first: now,
                    locked_until: None,
                };
            }
            f.count += 1;
            if f.count >= self.limits.max_failures {
                f.locked_until = Some(now + self.limits.lock_for);
            }
        }
    }

    /// Forgets the failures of `keys` (after a successful sign-in).
    pub fn succeeded(&self, keys: &[String]) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        for key in keys {
            seen.remove(key);
        }
    }
}
