//! Microsoft Teams outgoing webhook: `POST /teams/webhook`.
//!
//! Teams signs the raw body: `Authorization: HMAC <base64(HMAC-SHA256(key,
//! body))>`, the key being the base64-decoded security token shown when the
//! webhook was created. The reply is synchronous (Teams waits 5 s). A webhook
//! cannot tell who is speaking, so its messages are only ever text with
//! [`crate::model::Evidence::Unverified`]; never a lifecycle command. Its
//! answer goes to the whole channel, so a reply meant for one person is
//! never rendered here (the bot gives anonymous senders none; this is the
//! second lock).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;

use axum::extract::State;
use axum::http::{header::AUTHORIZATION, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;

use super::activity::{self, Activity, Intake};
use super::reply::text_chunks;
use crate::model::Visibility;
use crate::Bot;
use secrecy::{ExposeSecret, SecretSlice};

/// Teams closes the connection after five seconds; answer before that.
const ANSWER_WITHIN: Duration = Duration::from_millis(4500);

/// Why a webhook request was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum HmacError {
    /// No `Authorization: HMAC …` header.
    #[error("missing Authorization: HMAC header")]
    Missing,
    /// The signature is not base64.
    #[error("signature is not base64")]
    Malformed,
    /// The signature does not match the body.
    #[error("signature does not match the body")]
    Mismatch,
}

/// Checks an `Authorization` header value against `body` in constant time.
pub fn verify(key: &[u8], authorization: Option<&str>, body: &[u8]) -> Result<(), HmacError> {
    let signature = authorization
        .and_then(|h| {
            let (scheme, sig) = h.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("hmac").then(|| sig.trim())
        })
        .filter(|s| !s.is_empty())
        .ok_or(HmacError::Missing)?;
    let signature = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .map_err(|_| HmacError::Malformed)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(|_| HmacError::Mismatch)?;
    mac.update(body);
    mac.verify_slice(&signature)
        .map_err(|_| HmacError::Mismatch)
}

/// The `Authorization` value Teams would send for `body` (for tests and
/// tooling).
pub fn sign(key: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(body);
    format!(
        "HMAC {}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

/// Route of the outgoing webhook.
pub const ROUTE: &str = "/teams/webhook";

/// What the webhook handler shares.
#[derive(Clone)]
struct WebhookState {
    bot: Arc<Bot>,
    key: Arc<SecretSlice<u8>>,
}

/// `POST /teams/webhook`, verified with `key`, answered by `bot`.
pub fn routes(bot: Arc<Bot>, key: SecretSlice<u8>) -> Router {
    let state = WebhookState {
        bot,
        key: Arc::new(key),
    };
    Router::new().route(ROUTE, post(webhook)).with_state(state)
}

async fn webhook(State(state): State<WebhookState>, headers: HeaderMap, body: Bytes) -> Response {
    let authorization = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    if let Err(e) = verify(state.key.expose_secret(), authorization, &body) {
        tracing::warn!(reason = %e, "refused Teams webhook request");
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let activity: Activity = match serde_json::from_slice(&body) {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(error = %e, "malformed Teams webhook activity");
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    let inbound = match activity::webhook_inbound(&activity, chrono::Utc::now()) {
        Intake::Handle(inbound) => *inbound,
        Intake::Ignore(why) => {
            tracing::debug!(why, "Teams webhook message ignored");
            return Json(json!({"type": "message", "text": ""})).into_response();
        }
    };
    let locales = inbound.locales.clone();
    match tokio::time::timeout(ANSWER_WITHIN, state.bot.handle(inbound)).await {
        Ok(reply) => {
            let text = match reply.visibility {
                Visibility::Public => text_chunks(&reply).join("\n\n"),
                Visibility::Private => state.bot.phrase("notice-private-unreachable", &locales),
            };
            Json(json!({"type": "message", "text": text})).into_response()
        }
        Err(_) => {
            tracing::error!("Teams webhook answer took longer than Teams waits");
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify_agree_and_reject_tampering() {
        let key = b"key";
        let header = sign(key, b"body");
        assert_eq!(verify(key, Some(&header), b"body"), Ok(()));
        assert_eq!(
            verify(key, Some(&header), b"bodx"),
            Err(HmacError::Mismatch)
        );
        assert_eq!(verify(key, None, b"body"), Err(HmacError::Missing));
        assert_eq!(
            verify(key, Some("Bearer x"), b"body"),
            Err(HmacError::Missing)
        );
        assert_eq!(
            verify(key, Some("HMAC %%%"), b"body"),
            Err(HmacError::Malformed)
        );
    }
}
