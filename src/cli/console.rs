//! What `serve` mounts for the operator console, and the one reload path
//! the console's button and SIGHUP share.

use std::sync::Arc;

use axum::Router;
use tokio::task::JoinHandle;

use crate::config::Settings;
use crate::handoff::HandoffService;
use crate::operator::OperatorService;
use crate::record::RecordService;
use crate::transport::console::{self, Console};
use crate::Bot;

pub use crate::transport::console::Reloads;

/// What one transport adds to the server: routes, a background task, and
/// the start-up lines saying whether it runs.
#[derive(Default)]
pub struct Mounted {
    /// Routes to merge into the server.
    pub routes: Option<Router>,
    /// A task that runs beside the server.
    pub task: Option<JoinHandle<()>>,
    /// Start-up lines.
    pub lines: Vec<String>,
}

/// The console, when enabled and the database is open.
pub fn mount(
    settings: &Settings,
    bot: &Arc<Bot>,
    services: Option<(OperatorService, HandoffService, RecordService)>,
    reloads: &Reloads,
) -> anyhow::Result<Mounted> {
    let line = |s: &str| Mounted {
        lines: vec![s.to_owned()],
        ..Mounted::default()
    };
    if !settings.console.enabled {
        return Ok(line("console: off (console.enabled = false)"));
    }
    let Some((operators, handoff, record)) = services else {
        return Ok(line("console: off (the database is not open)"));
    };
    let console = Console::new(
        bot.clone(),
        operators,
        handoff,
        record,
        settings.console.clone(),
        reloads.clone(),
    )
    .map_err(anyhow::Error::msg)?;
    Ok(Mounted {
        lines: vec![format!(
            "console: on (GET /console/; cookie {}, sessions idle out after {} min{}; add operators with `supportbot admin operator add`)",
            if settings.console.secure_cookie { "Secure" } else { "not Secure (plain HTTP)" },
            settings.console.session_idle.num_minutes(),
            settings
                .console
                .trusted_identity_header
                .as_deref()
                .map(|h| format!(", trusting header {h}"))
                .unwrap_or_default()
        )],
        routes: Some(console::routes(console)),
        task: None,
    })
}

/// Reloads rules and answers and notes when and how it went.
pub async fn reload(bot: &Arc<Bot>, reloads: &Reloads) -> Result<(), String> {
    console::reload_now(bot, reloads).await
}
