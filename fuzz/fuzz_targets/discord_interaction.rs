//! A Discord interaction body as the HTTP endpoint parses it after the
//! signature check: JSON → `Interaction` → what the bot should do.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supportbot::transport::discord::payload::Interaction;

fuzz_target!(|data: &[u8]| {
    if let Ok(interaction) = Interaction::parse(data) {
        let _ = interaction.intake();
    }
});
