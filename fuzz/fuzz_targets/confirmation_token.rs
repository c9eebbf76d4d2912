//! Confirmation tokens as they come back in button `custom_id`s and typed
//! `confirm …` commands: only a token this key minted verifies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supportbot::lifecycle::TokenKey;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let key = TokenKey::from_bytes([7; 32]);
    if let Ok(id) = key.verify(text) {
        // Verification is exact: the only text that verifies to an id is its token.
        assert_eq!(key.token(&id), text);
    }
});
