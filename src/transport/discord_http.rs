//! `POST /discord/interactions`: Discord's signed HTTP interactions endpoint.
//!
//! Every request is verified first (Ed25519 over timestamp + raw body with
//! the application's public key, fresh timestamp), then parsed leniently
//! (`discord::payload`), handed to `Bot::handle`, and the reply rendered
//! (`discord::render`). The 3-second rule: when the bot has not answered
//! within [`DiscordEndpoint::defer_after`], the endpoint answers with a
//! deferred response and sends the reply as a follow-up through the
//! interaction webhook. Each interaction gets exactly one initial response.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::{json, Value};
use tokio::task::JoinHandle;

use super::discord::api::DiscordApi;
use super::discord::payload::{kind, Action, Interaction, Notice, ACCOUNT_INPUT, CONFIRM_TYPED};
use super::discord::render;
use super::http::AppState;
use super::metrics::Metrics;
use crate::model::{Attachment, Inbound, Message, Reply};
use crate::Bot;

/// Callback types (Discord's `InteractionCallbackType`).
pub mod callback {
    /// PONG.
    pub const PONG: u8 = 1;
    /// CHANNEL_MESSAGE_WITH_SOURCE.
    pub const MESSAGE: u8 = 4;
    /// DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE.
    pub const DEFERRED_MESSAGE: u8 = 5;
    /// DEFERRED_UPDATE_MESSAGE (components only).
    pub const DEFERRED_UPDATE: u8 = 6;
    /// APPLICATION_COMMAND_AUTOCOMPLETE_RESULT.
    pub const AUTOCOMPLETE_RESULT: u8 = 8;
    /// MODAL.
    pub const MODAL: u8 = 9;
}

/// Default time the bot gets before the endpoint defers (Discord allows 3 s
/// for the initial response, including the network).
pub const DEFAULT_DEFER_AFTER: Duration = Duration::from_millis(2500);
/// Default accepted clock difference for `X-Signature-Timestamp`.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(300);

/// The endpoint's configuration.
#[derive(Debug)]
pub struct DiscordEndpoint {
    key: VerifyingKey,
    /// Oldest (or most future) accepted signature timestamp.
    pub max_skew: Duration,
    /// What answers verified interactions.
    pub responder: Responder,
}

/// A bad `SUPPORTBOT_DISCORD_PUBLIC_KEY`.
#[derive(Debug, thiserror::Error)]
#[error("SUPPORTBOT_DISCORD_PUBLIC_KEY must be 64 hex digits (a 32-byte Ed25519 key): {0}")]
pub struct KeyError(String);

/// Parses an application public key as the developer portal shows it (hex).
pub fn parse_public_key(hex_key: &str) -> Result<VerifyingKey, KeyError> {
    let bytes: [u8; 32] = hex::decode(hex_key.trim())
        .map_err(|e| KeyError(e.to_string()))?
        .try_into()
        .map_err(|v: Vec<u8>| KeyError(format!("{} bytes", v.len())))?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| KeyError(e.to_string()))
}

impl DiscordEndpoint {
    /// An endpoint verifying with `key`, following up through `api`.
    pub fn new(key: VerifyingKey, application_id: Option<String>, api: DiscordApi) -> Self {
        DiscordEndpoint {
            key,
            max_skew: DEFAULT_MAX_SKEW,
            responder: Responder::new(api, application_id),
        }
    }

    /// Checks the signature headers against `body`; `Err` names the reason
    /// (a metric label).
    pub fn verify(&self, headers: &HeaderMap, body: &[u8], now: u64) -> Result<(), &'static str> {
        let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
        let (Some(sig), Some(ts)) = (
            header("x-signature-ed25519"),
            header("x-signature-timestamp"),
        ) else {
            return Err("missing");
        };
        let when: u64 = ts.trim().parse().map_err(|_| "bad_timestamp")?;
        if now.abs_diff(when) > self.max_skew.as_secs() {
            return Err("stale");
        }
        let mut bytes = [0u8; 64];
        hex::decode_to_slice(sig.trim(), &mut bytes).map_err(|_| "bad_signature")?;
        let signature = Signature::from_bytes(&bytes);
        let mut message = Vec::with_capacity(ts.len() + body.len());
        message.extend_from_slice(ts.as_bytes());
        message.extend_from_slice(body);
        self.key
            .verify_strict(&message, &signature)
            .map_err(|_| "bad_signature")
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// An initial interaction response: its JSON and the file it declares.
#[derive(Debug, Clone)]
pub struct Initial {
    /// `{"type": …, "data": …}`.
    pub body: Value,
    /// The attachment, sent as multipart with the body.
    pub file: Option<Attachment>,
}

impl Initial {
    fn new(kind: u8, data: Option<Value>) -> Initial {
        let mut body = json!({ "type": kind });
        if let Some(d) = data {
            body["data"] = d;
        }
        Initial { body, file: None }
    }

    /// Content type and bytes (JSON, or multipart with the file).
    pub fn encode(&self) -> (String, Vec<u8>) {
        render::encode(&self.body, self.file.as_ref())
    }
}

/// The handler of `POST /discord/interactions`.
pub async fn interactions(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(endpoint) = state.discord.clone() else {
        return error(
            StatusCode::NOT_FOUND,
            "the Discord endpoint is not configured",
        );
    };
    if let Err(reason) = endpoint.verify(&headers, &body, unix_now()) {
        state.metrics.signature_failure(reason);
        return error(StatusCode::UNAUTHORIZED, "invalid request signature");
    }
    let parsed = Interaction::parse(&body).and_then(|i| i.action().map(|a| (i, a)));
    let (interaction, action) = match parsed {
        Ok(v) => v,
        Err(e) => {
            state.metrics.interaction("invalid", "400");
            return error(StatusCode::BAD_REQUEST, &e.to_string());
        }
    };
    let initial = endpoint
        .responder
        .respond(&state.bot, &state.metrics, &interaction, action)
        .await;
    let (content_type, bytes) = initial.encode();
    ([(CONTENT_TYPE, content_type)], bytes).into_response()
}

/// Turns verified interactions into responses; shared by the HTTP endpoint
/// and the gateway (which sends the same response through the callback
/// route).
#[derive(Debug, Clone)]
pub struct Responder {
    /// REST client for follow-ups.
    pub api: DiscordApi,
    /// Application id when the payload lacks one.
    pub application_id: Option<String>,
    /// How long the bot may take before the response is deferred.
    pub defer_after: Duration,
    /// Delay before handling each interaction: a test knob to exercise the
    /// deferred path; zero in production.
    pub handle_delay: Duration,
}

impl Responder {
    /// A responder following up through `api`, with the default timing.
    pub fn new(api: DiscordApi, application_id: Option<String>) -> Responder {
        Responder {
            api,
            application_id,
            defer_after: DEFAULT_DEFER_AFTER,
            handle_delay: Duration::ZERO,
        }
    }

    /// The initial response to `interaction`; any later messages (long
    /// replies, deferred answers) are sent as follow-ups in the background.
    pub async fn respond(
        &self,
        bot: &Arc<Bot>,
        metrics: &Metrics,
        interaction: &Interaction,
        action: Action,
    ) -> Initial {
        let kind_label = match interaction.kind {
            kind::PING => "ping",
            kind::APPLICATION_COMMAND => "command",
            kind::MESSAGE_COMPONENT => "component",
            kind::AUTOCOMPLETE => "autocomplete",
            _ => "modal",
        };
        let (label, initial) = match action {
            Action::Pong => ("pong", Initial::new(callback::PONG, None)),
            Action::Autocomplete => (
                "autocomplete",
                Initial::new(
                    callback::AUTOCOMPLETE_RESULT,
                    Some(json!({ "choices": [] })),
                ),
            ),
            Action::Notice(notice) => {
                let text = notice_text(bot, notice, &interaction.locales());
                (
                    "notice",
                    Initial::new(callback::MESSAGE, Some(render::notice(&text, true))),
                )
            }
            Action::AskAccount { token } => (
                "modal",
                Initial::new(
                    callback::MODAL,
                    Some(account_modal(bot, &token, &interaction.locales())),
                ),
            ),
            Action::Handle(inbound) => self.answer(bot, metrics, interaction, *inbound).await,
        };
        metrics.interaction(kind_label, label);
        initial
    }

    /// Runs the bot and answers inline, or defers and follows up.
    async fn answer(
        &self,
        bot: &Arc<Bot>,
        metrics: &Metrics,
        interaction: &Interaction,
        inbound: Inbound,
    ) -> (&'static str, Initial) {
        let ephemeral_defer = !matches!(inbound.message, Message::Help { .. } | Message::Text(_));
        let task = spawn_handle(bot.clone(), inbound, self.handle_delay);
        let followup = Followup {
            api: self.api.clone(),
            application_id: interaction
                .application_id
                .as_ref()
                .map(|a| a.0.clone())
                .or_else(|| self.application_id.clone()),
            token: interaction.token.clone(),
            metrics: metrics.clone(),
        };
        match within(task, self.defer_after).await {
            Finished::Ready(reply) => {
                metrics.intent("discord", reply.intent.as_deref(), &reply.locale);
                let mut messages = render::messages(&reply).into_iter();
                let first = messages
                    .next()
                    .unwrap_or_else(|| render::notice("…", false));
                let rest: Vec<Value> = messages.collect();
                let mut initial = Initial::new(callback::MESSAGE, Some(first));
                if rest.is_empty() {
                    initial.file = reply.attachment;
                } else {
                    // The rest can only follow once Discord has the response.
                    let file = reply.attachment;
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        followup.send_all(rest, file).await;
                    });
                }
                ("message", initial)
            }
            Finished::Failed => (
                "error",
                Initial::new(
                    callback::MESSAGE,
                    Some(render::notice("An internal error occurred.", true)),
                ),
            ),
            Finished::Pending(task) => {
                let metrics = metrics.clone();
                tokio::spawn(async move {
                    let (messages, file) = match task.await {
                        Ok(reply) => {
                            metrics.intent("discord", reply.intent.as_deref(), &reply.locale);
                            (render::messages(&reply), reply.attachment)
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "bot failed on a deferred interaction");
                            (
                                vec![render::notice("An internal error occurred.", true)],
                                None,
                            )
                        }
                    };
                    followup.send_all(messages, file).await;
                });
                if interaction.kind == kind::MESSAGE_COMPONENT {
                    (
                        "deferred_update",
                        Initial::new(callback::DEFERRED_UPDATE, None),
                    )
                } else {
                    let data = ephemeral_defer.then(|| json!({ "flags": render::EPHEMERAL }));
                    ("deferred", Initial::new(callback::DEFERRED_MESSAGE, data))
                }
            }
        }
    }
}

fn spawn_handle(bot: Arc<Bot>, inbound: Inbound, delay: Duration) -> JoinHandle<Reply> {
    tokio::spawn(async move {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        bot.handle(inbound).await
    })
}

/// How a task ended within the deadline.
#[derive(Debug)]
pub enum Finished<T> {
    /// It finished in time.
    Ready(T),
    /// It panicked or was cancelled.
    Failed,
    /// Still running; the caller owns it and must deliver its result later.
    Pending(JoinHandle<T>),
}

/// Waits up to `limit` for `task`. Exactly one of the outcomes happens, so
/// the caller answers either inline or later, never both.
pub async fn within<T>(mut task: JoinHandle<T>, limit: Duration) -> Finished<T> {
    match tokio::time::timeout(limit, &mut task).await {
        Ok(Ok(v)) => Finished::Ready(v),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "bot task failed");
            Finished::Failed
        }
        Err(_) => Finished::Pending(task),
    }
}

/// Where follow-ups for one interaction go.
struct Followup {
    api: DiscordApi,
    application_id: Option<String>,
    token: Option<String>,
    metrics: Metrics,
}

impl Followup {
    /// Sends `messages` in order; `file` goes with the one declaring it.
    async fn send_all(&self, messages: Vec<Value>, file: Option<Attachment>) {
        let (Some(app), Some(token)) = (&self.application_id, &self.token) else {
            tracing::error!("cannot follow up: interaction without application id or token");
            self.metrics.followup("unaddressable");
            return;
        };
        for message in messages {
            match self.api.followup(app, token, &message, file.as_ref()).await {
                Ok(()) => self.metrics.followup("sent"),
                Err(e) => {
                    tracing::warn!(error = %e, "follow-up failed");
                    self.metrics.followup("failed");
                }
            }
        }
    }
}

fn notice_text(bot: &Bot, notice: Notice, locales: &[String]) -> String {
    let key = match notice {
        Notice::UnknownCommand => "notice-unknown-command",
        Notice::MissingOption => "notice-missing-option",
        Notice::UnknownButton => "notice-unknown-button",
    };
    bot.phrase(key, locales)
}

/// Discord rejects modal titles and text input labels over 45 characters.
const MODAL_TEXT_MAX: usize = 45;

fn account_modal(bot: &Bot, token: &str, locales: &[String]) -> Value {
    let short = |key| -> String {
        bot.phrase(key, locales)
            .chars()
            .take(MODAL_TEXT_MAX)
            .collect()
    };
    let (title, label) = (short("dialog-account-title"), short("dialog-account-label"));
    json!({
        "custom_id": format!("{CONFIRM_TYPED}{token}"),
        "title": title,
        "components": [{
            "type": 1,
            "components": [{
                "type": 4,
                "custom_id": ACCOUNT_INPUT,
                "style": 1,
                "label": label,
                "required": true,
                "min_length": 1,
                "max_length": 100,
            }],
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_fast_task_is_ready_and_a_slow_one_is_handed_back_once() {
        let fast = tokio::spawn(async { 1 });
        assert!(matches!(
            within(fast, Duration::from_secs(1)).await,
            Finished::Ready(1)
        ));
        let slow = tokio::spawn(async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            2
        });
        match within(slow, Duration::from_millis(10)).await {
            Finished::Pending(task) => assert_eq!(task.await.expect("joins"), 2),
            other => panic!("expected pending, got {other:?}"),
        }
        let broken = tokio::spawn(async { panic!("boom") });
        assert!(matches!(
            within::<()>(broken, Duration::from_secs(1)).await,
            Finished::Failed
        ));
    }

    #[test]
    fn public_keys_must_be_32_bytes_of_hex() {
        assert!(parse_public_key("zz").is_err());
        assert!(parse_public_key("abcd").is_err());
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
        let parsed = parse_public_key(&hex::encode(key.as_bytes())).expect("valid");
        assert_eq!(parsed, key);
    }
}
