//! Microsoft Teams: the Bot Framework bot (`POST /api/messages`, in
//! [`bot`]) and the outgoing webhook (`POST /teams/webhook`, in
//! [`webhook`]).
//!
//! The bot verifies the channel's JWT ([`jwt`]), answers the HTTP request at
//! once and replies proactively through the Bot Connector from a spawned
//! task: Teams re-sends an activity it has not had an answer to after about
//! 15 s, and a re-sent activity id is acknowledged but not handled twice.
//! Where the answer goes (the thread, or the sender's personal chat for
//! private replies and files) is [`deliver`]'s business.

pub mod activity;
pub mod bot;
pub mod connector;
pub mod deliver;
pub mod desk;
pub mod files;
pub mod jwt;
pub mod reply;
pub mod seen;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;

use secrecy::SecretSlice;

use crate::config::TeamsSettings;
use crate::Bot;
use bot::TeamsBot;

/// The configured Teams routes, before they are served.
#[derive(Debug)]
pub struct TeamsState {
    bot: Arc<Bot>,
    teams_bot: Option<TeamsBot>,
    webhook_key: Option<SecretSlice<u8>>,
}

impl TeamsState {
    /// State for the parts of `settings` that are configured.
    pub fn new(bot: Arc<Bot>, settings: &TeamsSettings) -> anyhow::Result<TeamsState> {
        TeamsState::with_key_refresh(bot, settings, jwt::MIN_REFRESH)
    }

    /// [`TeamsState::new`] with the minimum time between signing-key
    /// fetches caused by unknown key ids (tests use zero).
    pub fn with_key_refresh(
        bot: Arc<Bot>,
        settings: &TeamsSettings,
        min_refresh: Duration,
    ) -> anyhow::Result<TeamsState> {
        let teams_bot = match &settings.bot {
            Some(b) => Some(TeamsBot::new(b, min_refresh)?),
            None => None,
        };
        Ok(TeamsState {
            bot,
            teams_bot,
            webhook_key: settings.webhook_key.clone(),
        })
    }

    /// The routes that are on, for `serve`'s start-up line.
    pub fn endpoints(&self) -> Vec<&'static str> {
        let mut on = Vec::new();
        if self.teams_bot.is_some() {
            on.push("POST /api/messages (Teams bot)");
        }
        if self.webhook_key.is_some() {
            on.push("POST /teams/webhook (Teams outgoing webhook)");
        }
        on
    }
}

/// `POST /api/messages` and `POST /teams/webhook`, each only when
/// configured (an unconfigured one is absent, so a 404).
pub fn routes(state: TeamsState) -> Router {
    let mut router = Router::new();
    if let Some(teams_bot) = state.teams_bot {
        router = router.merge(bot::routes(state.bot.clone(), teams_bot));
    }
    if let Some(key) = state.webhook_key {
        router = router.merge(webhook::routes(state.bot, key));
    }
    router
}
