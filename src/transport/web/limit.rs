//! Per-visitor (and per-address) rate limits: a token bucket per key that
//! holds `per_minute` messages and refills at that rate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Keys tracked at most; past it, full buckets (idle keys) are forgotten
/// first, then all, so memory stays bounded under a flood of new keys.
const MAX_KEYS: usize = 50_000;

/// Token buckets by key.
#[derive(Debug, Clone)]
pub struct RateLimit {
    per_minute: f64,
    buckets: Arc<Mutex<HashMap<String, (f64, Instant)>>>,
}

impl RateLimit {
    /// At most `per_minute` per key per minute, bursts up to that many.
    pub fn new(per_minute: u32) -> RateLimit {
        RateLimit {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Arc::default(),
        }
    }

    /// Takes one from `key`'s bucket; `Err(seconds)` until the next one
    /// is there.
    pub fn take(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let rate = self.per_minute / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            let full = self.per_minute;
            buckets.retain(|_, (level, at)| {
                (*level + now.duration_since(*at).as_secs_f64() * rate) < full
            });
            if buckets.len() >= MAX_KEYS {
                buckets.clear();
            }
        }
        let (level, at) = buckets
            .entry(key.to_owned())
            .or_insert((self.per_minute, now));
        *level = (*level + now.duration_since(*at).as_secs_f64() * rate).min(self.per_minute);
        *at = now;
        if *level >= 1.0 {
            *level -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *level) / rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_past_the_rate_is_refused_per_key() {
        let limit = RateLimit::new(3);
        for _ in 0..3 {
            assert_eq!(limit.take("a"), Ok(()));
        }
        let wait = limit.take("a").expect_err("fourth in a minute");
        assert!((1..=20).contains(&wait), "{wait}");
        assert_eq!(limit.take("b"), Ok(()));
    }
}
