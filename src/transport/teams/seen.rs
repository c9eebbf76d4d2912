//! A bounded set of recently seen keys (activity ids, greeted
//! conversations): the oldest is forgotten first.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

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
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (set, order) = &mut *guard;
        if set.contains(key) {
            return false;
        }
        if order.len() >= self.capacity {
            if let Some(old) = order.pop_front() {
                set.remove(&old);
            }
        }
        set.insert(key.to_owned());
        order.push_back(key.to_owned());
        true
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
}
