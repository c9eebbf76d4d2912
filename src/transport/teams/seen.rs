//! A bounded set of recently seen keys (activity ids, greeted
//! conversations): the oldest is forgotten first. Keys come from requests,
//! so long ones are hashed ([`bounded_key`]): the set holds at most
//! `capacity` keys of at most [`crate::model::MAX_KEY_BYTES`] bytes each.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use crate::model::bounded_key;

/// Recently seen keys, at most `capacity` of them.
#[derive(Debug)]
pub struct Seen {
    capacity: usize,
    inner: Mutex<(HashSet<String>, VecDeque<String>)>,
}

impl Seen {
    /// An empty set remembering up to `capacity` keys.
    pub fn new(capacity: usize) -> Seen {
        Seen {
            capacity: capacity.max(1),
            inner: Mutex::new((HashSet::new(), VecDeque::new())),
        }
    }

    /// Records `key`; false if it was already there.
    pub fn insert(&self, key: &str) -> bool {
        let key = bounded_key(key);
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (set, order) = &mut *guard;
        if set.contains(&key) {
            return false;
        }
        if order.len() >= self.capacity {
            if let Some(old) = order.pop_front() {
                set.remove(&old);
            }
        }
        set.insert(key.clone());
        order.push_back(key);
        true
    }

    /// Bytes of key text held (twice per key: set and order); at most
    /// `2 × capacity ×` [`crate::model::MAX_KEY_BYTES`].
    pub fn key_bytes(&self) -> usize {
        let guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        guard.0.iter().chain(guard.1.iter()).map(String::len).sum()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn forgets_the_oldest_first() {
        let seen = super::Seen::new(2);
        assert!(seen.insert("a") && seen.insert("b"));
        assert!(!seen.insert("a"));
        assert!(seen.insert("c"));
        assert!(seen.insert("a"), "a was evicted by c");
        assert!(!seen.insert("c"));
    }

    #[test]
    fn attacker_sized_keys_are_held_in_bounded_bytes() {
        let seen = super::Seen::new(100);
        for n in 0..200 {
            assert!(seen.insert(&format!("{n}{}", "x".repeat(100_000))));
        }
        assert!(!seen.insert(&format!("199{}", "x".repeat(100_000))));
        assert!(
            seen.key_bytes() <= 2 * 100 * crate::model::MAX_KEY_BYTES,
            "{} bytes",
            seen.key_bytes()
        );
    }
}
