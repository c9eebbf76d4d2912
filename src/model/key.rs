//! Cache keys built from platform ids, bounded in size: ids come from
//! requests, and a cache of 10,000 entries keyed by 200 KB ids would hold
//! gigabytes.

use sha2::{Digest, Sha256};

/// Longest id kept as it is in a cache key; longer ones are hashed.
pub const MAX_KEY_BYTES: usize = 128;

/// `id` as a cache key of at most [`MAX_KEY_BYTES`] bytes: itself when
/// short, else `sha256:` and its hex digest (71 bytes), which no short id
/// collides with in practice.
pub fn bounded_key(id: &str) -> String {
    if id.len() <= MAX_KEY_BYTES {
        return id.to_owned();
    }
    format!("sha256:{}", hex::encode(Sha256::digest(id.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_ids_become_short_distinct_keys_and_short_ids_stay() {
        assert_eq!(bounded_key("19:abc@thread.skype"), "19:abc@thread.skype");
        let a = bounded_key(&"a".repeat(200_000));
        let b = bounded_key(&format!("{}b", "a".repeat(199_999)));
        assert!(a.len() <= MAX_KEY_BYTES && b.len() <= MAX_KEY_BYTES);
        assert_ne!(a, b);
        assert_eq!(a, bounded_key(&"a".repeat(200_000)));
    }
}
