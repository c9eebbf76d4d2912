//! A gateway `INTERACTION_CREATE` payload: serenity's model, then our
//! conversion into the same `Interaction` the HTTP endpoint uses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supportbot::transport::discord::gateway::from_gateway;

fuzz_target!(|data: &[u8]| {
    let Ok(interaction) = serde_json::from_slice::<serenity::all::Interaction>(data) else {
        return;
    };
    if let Ok(parsed) = from_gateway(&interaction) {
        let _ = parsed.intake();
    }
});
