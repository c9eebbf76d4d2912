//! The Bot Framework bot: `POST /api/messages`. Verifies the channel's
//! JWT, acknowledges at once and answers from a spawned task.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header::AUTHORIZATION, HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;

use super::activity::{self, Activity, Intake};
use super::connector::Connector;
use super::deliver::Delivery;
use super::files::{self, Consent, PendingFiles};
use super::jwt::JwtValidator;
use super::seen::Seen;
use crate::config::TeamsBotSettings;
use crate::model::Message;
use crate::Bot;

/// Route of the Bot Framework messaging endpoint.
pub const ROUTE: &str = "/api/messages";
/// Activity ids remembered to drop re-sent activities.
const SEEN_ACTIVITIES: usize = 10_000;

/// The bot's verifier, outbound client and memory.
#[derive(Debug)]
pub struct TeamsBot {
    validator: JwtValidator,
    connector: Connector,
    seen: Seen,
    greeted: Seen,
    files: PendingFiles,
}

/// What the handler shares.
#[derive(Clone)]
struct BotState {
    bot: Arc<Bot>,
    teams: Arc<TeamsBot>,
}

impl TeamsBot {
    /// The bot for `settings`; `min_refresh` is the minimum time between
    /// signing-key fetches caused by unknown key ids.
    pub fn new(settings: &TeamsBotSettings, min_refresh: Duration) -> anyhow::Result<TeamsBot> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("supportbot/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(TeamsBot {
            validator: JwtValidator::new(
                http.clone(),
                &settings.openid_metadata,
                &settings.issuer,
                &settings.app_id,
                min_refresh,
            ),
            connector: Connector::new(http, settings),
            seen: Seen::new(SEEN_ACTIVITIES),
            greeted: Seen::new(SEEN_ACTIVITIES),
            files: PendingFiles::default(),
        })
    }

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

/// `POST /api/messages`, answered by `bot`.
pub fn routes(bot: Arc<Bot>, teams: TeamsBot) -> Router {
    let state = BotState {
        bot,
        teams: Arc::new(teams),
    };
    Router::new().route(ROUTE, post(messages)).with_state(state)
}

/// Verifies, acknowledges and hands an activity to a background task.
async fn messages(State(state): State<BotState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let teams = &state.teams;
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
                    .delivery(&state.bot, &service_url, &activity)
                    .decline(&answer.id);
                return StatusCode::OK;
            }
        };
        let task_state = state.clone();
        tokio::spawn(async move {
            task_state
                .teams
                .delivery(&task_state.bot, &service_url, &activity)
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
        let answer = task_state.bot.handle(inbound).await;
        task_state
            .teams
            .delivery(&task_state.bot, &service_url, &activity)
            .reply(&answer)
            .await;
    });
    StatusCode::OK
}
