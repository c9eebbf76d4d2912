//! `POST /discord/interactions`: Discord's signed HTTP interactions endpoint.
//!
//! Every request is verified first (Ed25519 over timestamp + raw body with
//! the application's public key, fresh timestamp), then parsed leniently
//! (`discord::payload`), handed to `Bot::handle`, and the reply rendered
//! (`discord::render`). The 3-second rule: when the bot has not answered
//! within [`Responder::defer_after`], the endpoint answers with a
//! deferred response and sends the reply as a follow-up through the
//! interaction webhook. Each interaction gets exactly one initial response.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::json;

use super::api::DiscordApi;
use super::payload::Interaction;
use super::respond::Responder;
use crate::transport::metrics::Metrics;
use crate::Bot;

/// Route of the Discord interactions endpoint.
pub const ROUTE: &str = "/discord/interactions";

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

/// What the handler of [`ROUTE`] shares.
#[derive(Clone)]
struct EndpointState {
    bot: Arc<Bot>,
    metrics: Metrics,
    endpoint: Arc<DiscordEndpoint>,
}

impl DiscordEndpoint {
    /// `POST /discord/interactions`, answered by `bot`.
    pub fn routes(self, bot: Arc<Bot>, metrics: Metrics) -> Router {
        let state = EndpointState {
            bot,
            metrics,
            endpoint: Arc::new(self),
        };
        Router::new()
            .route(ROUTE, post(interactions))
            .with_state(state)
    }
}

/// The handler of `POST /discord/interactions`.
async fn interactions(
    State(state): State<EndpointState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let endpoint = &state.endpoint;
    if let Err(reason) = endpoint.verify(&headers, &body, unix_now()) {
        state.metrics.signature_failure(reason);
        return error(StatusCode::UNAUTHORIZED, "invalid request signature");
    }
    let parsed = Interaction::parse(&body).and_then(|i| i.intake().map(|a| (i, a)));
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
