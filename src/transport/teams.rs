//! Microsoft Teams: the Bot Framework bot (`POST /api/messages`) and the
//! outgoing webhook (`POST /teams/webhook`, in [`super::teams_webhook`]).
//!
//! The bot verifies the channel's JWT, answers the HTTP request at once and
//! replies proactively through the Bot Connector from a spawned task: Teams
//! re-sends an activity it has not had an answer to after about 15 s, and a
//! re-sent activity id is acknowledged but not handled twice. Where the
//! answer goes (the thread, or the sender's personal chat for private
//! replies and files) is [`deliver`]'s business.

pub mod activity;
pub mod auth;
pub mod connector;
pub mod deliver;
pub mod files;
pub mod reply;
pub mod seen;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header::AUTHORIZATION, HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;

use crate::config::{SecretBytes, TeamsSettings};
use crate::model::Message;
use crate::Bot;
use activity::{Activity, Intake};
use auth::JwtValidator;
use connector::Connector;
use deliver::Delivery;
use files::{Consent, PendingFiles};
use seen::Seen;

/// Largest request body accepted on either route.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Activity ids remembered to drop re-sent activities.
const SEEN_ACTIVITIES: usize = 10_000;

/// Shared state of the Teams routes.
#[derive(Clone, Debug)]
pub struct TeamsState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    bot: Arc<Bot>,
    teams_bot: Option<TeamsBot>,
    webhook_key: Option<SecretBytes>,
}

#[derive(Debug)]
struct TeamsBot {
    validator: JwtValidator,
    connector: Connector,
    seen: Seen,
    greeted: Seen,
    files: PendingFiles,
}

impl TeamsState {
    /// State for the parts of `settings` that are configured.
    pub fn new(bot: Arc<Bot>, settings: &TeamsSettings) -> anyhow::Result<TeamsState> {
        TeamsState::with_key_refresh(bot, settings, auth::MIN_REFRESH)
    }

    /// [`TeamsState::new`] with the minimum time between signing-key
    /// fetches caused by unknown key ids (tests use zero).
    pub fn with_key_refresh(
        bot: Arc<Bot>,
        settings: &TeamsSettings,
        min_refresh: Duration,
    ) -> anyhow::Result<TeamsState> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("supportbot/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let teams_bot = settings.bot.as_ref().map(|b| TeamsBot {
            validator: JwtValidator::new(
                http.clone(),
                &b.openid_metadata,
                &b.issuer,
                &b.app_id,
                min_refresh,
            ),
            connector: Connector::new(http.clone(), b),
            seen: Seen::new(SEEN_ACTIVITIES),
            greeted: Seen::new(SEEN_ACTIVITIES),
            files: PendingFiles::default(),
        });
        Ok(TeamsState(Arc::new(Inner {
            bot,
            teams_bot,
            webhook_key: settings.webhook_key.clone(),
        })))
    }

    /// The routes that are on, for `serve`'s start-up line.
    pub fn endpoints(&self) -> Vec<&'static str> {
        let mut on = Vec::new();
        if self.0.teams_bot.is_some() {
            on.push("POST /api/messages (Teams bot)");
        }
        if self.0.webhook_key.is_some() {
            on.push("POST /teams/webhook (Teams outgoing webhook)");
        }
        on
    }

    pub(crate) fn bot(&self) -> &Arc<Bot> {
        &self.0.bot
    }

    pub(crate) fn webhook_key(&self) -> Option<&SecretBytes> {
        self.0.webhook_key.as_ref()
    }
}

impl TeamsBot {
    fn delivery<'a>(
        &'a self,
        bot: &'a Bot,
        service_url: &'a str,
        incoming: &'a Activity,
    ) -> Delivery<'a> {
        Delivery {
            bot,
            connector: &self.connector,
            files: &self.files,
            service_url,
            incoming,
        }
    }
}

/// `POST /api/messages` and `POST /teams/webhook`, each only when
/// configured (an unconfigured one is absent, so a 404).
pub fn routes(state: TeamsState) -> Router {
    let mut router = Router::new();
    if state.0.teams_bot.is_some() {
        router = router.route("/api/messages", post(messages));
    }
    if state.0.webhook_key.is_some() {
        router = router.route("/teams/webhook", post(super::teams_webhook::webhook));
    }
    router
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Verifies, acknowledges and hands an activity to a background task.
async fn messages(State(state): State<TeamsState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let Some(teams) = state.0.teams_bot.as_ref() else {
        return StatusCode::NOT_FOUND;
    };
    let authorization = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let verified = match teams.validator.validate(authorization).await {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(reason = %e, status = %e.status(), "refused Teams activity");
            return e.status();
        }
    };
    let activity: Activity = match serde_json::from_slice(&body) {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(error = %e, "malformed Teams activity");
            return StatusCode::BAD_REQUEST;
        }
    };
    let Some(service_url) = activity.service_url.clone().filter(|s| !s.is_empty()) else {
        tracing::warn!("Teams activity without serviceUrl");
        return StatusCode::BAD_REQUEST;
    };
    if verified.service_url.as_deref() != Some(service_url.as_str()) {
        tracing::warn!(
            reason = "serviceUrl claim does not match the activity",
            claim = ?verified.service_url,
            activity = %service_url,
            "refused Teams activity"
        );
        return StatusCode::FORBIDDEN;
    }
    if !verified.endorsements.is_empty() {
        let channel = activity.channel_id.as_deref().unwrap_or_default();
        if !verified.endorsements.iter().any(|e| e == channel) {
            tracing::warn!(
                reason = "signing key not endorsed for the channel",
                channel,
                "refused Teams activity"
            );
            return StatusCode::FORBIDDEN;
        }
    }
    let id = activity.id.clone().unwrap_or_default();
    if !id.is_empty()
        && !teams
            .seen
            .insert(&format!("{}\n{id}", activity.conversation_id()))
    {
        tracing::info!(activity = %id, "re-sent Teams activity; already handled");
        return StatusCode::OK;
    }
    if let Some(answer) = files::consent_answer(&activity) {
        // The user answered one of our file consent cards: transport
        // business, the bot is not asked.
        let info = match answer.consent {
            Consent::Accept(info) => info,
            Consent::Decline => {
                teams
                    .delivery(&state.0.bot, &service_url, &activity)
                    .decline(&answer.id);
                return StatusCode::OK;
            }
        };
        let task_state = state.clone();
        tokio::spawn(async move {
            let Some(teams) = task_state.0.teams_bot.as_ref() else {
                return;
            };
            teams
                .delivery(&task_state.0.bot, &service_url, &activity)
                .accept(&answer.id, &info)
                .await;
        });
        return StatusCode::OK;
    }
    let inbound = match activity::bot_inbound(&activity, chrono::Utc::now()) {
        Intake::Handle(inbound) => *inbound,
        Intake::Ignore(why) => {
            tracing::debug!(activity = %id, kind = %activity.kind, why, "Teams activity ignored");
            return StatusCode::OK;
        }
    };
    if inbound.message == (Message::Help { topic: None })
        && activity.kind == "conversationUpdate"
        && !teams.greeted.insert(activity.conversation_id())
    {
        return StatusCode::OK;
    }
    let task_state = state.clone();
    tokio::spawn(async move {
        let Some(teams) = task_state.0.teams_bot.as_ref() else {
            return;
        };
        let answer = task_state.0.bot.handle(inbound).await;
        teams
            .delivery(&task_state.0.bot, &service_url, &activity)
            .reply(&answer)
            .await;
    });
    StatusCode::OK
}
