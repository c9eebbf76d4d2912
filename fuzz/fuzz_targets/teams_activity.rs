//! A Bot Framework activity as the Teams bot and the outgoing webhook read
//! it: JSON → `Activity` → cleaned text, card commands and the `Inbound`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supportbot::transport::teams::activity::{bot_inbound, card_command, webhook_inbound, Activity};

/// A fixed instant: the target must not depend on the clock.
fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    let Ok(activity) = serde_json::from_slice::<Activity>(data) else {
        return;
    };
    let _ = activity.clean_text(Some("28:bot"), true);
    let _ = activity.clean_text(None, false);
    let _ = activity.tenant_id();
    let _ = activity.locales();
    if let Some(value) = &activity.value {
        let _ = card_command(value);
    }
    let _ = bot_inbound(&activity, now());
    let _ = webhook_inbound(&activity, now());
});
