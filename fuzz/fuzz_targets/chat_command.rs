//! Chat text parsed as a lifecycle command (`cancel SUB-1`, `si opp
//! strømavtalen`, `confirm c1:…`), in any script.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supportbot::conversation::parse_command;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_command(text);
    }
});
