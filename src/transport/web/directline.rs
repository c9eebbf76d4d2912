//! Direct Line 3.0 REST: tokens, conversations, activities.
//!
//! The subset `botframework-webchat` (DirectLineJS) uses: `POST
//! tokens/generate` and `tokens/refresh`, `POST conversations` (with a token,
//! or none: a public bot hands out anonymous conversations), `GET
//! conversations/{id}` (reconnect), `POST` and `GET` (polling with
//! `watermark`) `conversations/{id}/activities`. A message is answered before
//! the `POST` returns; the answer reaches the client through the stream or
//! the next poll. The event `webchat/join` gets the greeting, once.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::header::{ACCEPT_LANGUAGE, AUTHORIZATION, HOST, RETRY_AFTER};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::activity::{self, Incoming};
use super::token::{fresh_grant, Grant, TokenError, TOKEN_TTL_SECS};
use super::WebState;
use crate::model::Message;

/// Longest the bot may take for one message before the client is told to
/// try again (the answer still lands in the queue when it comes).
const ANSWER_WITHIN: Duration = Duration::from_secs(20);

/// A refusal in Direct Line's error shape.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

/// Why a request gets no conversation: turned into its response only at
/// the handler (a `Response` is too large to pass around as an error).
#[derive(Debug)]
enum Refusal {
    Token(TokenError),
    TooMany(u64),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Token(e) => refused(e),
            Refusal::TooMany(seconds) => too_many(seconds),
        }
    }
}

fn refused(e: TokenError) -> Response {
    tracing::debug!(reason = %e, "web: token refused");
    match e {
        TokenError::Missing => error(StatusCode::UNAUTHORIZED, "BadArgument", "token required"),
        TokenError::Expired => error(StatusCode::FORBIDDEN, "TokenExpired", "token expired"),
        TokenError::Invalid | TokenError::WrongConversation => {
            error(StatusCode::FORBIDDEN, "BadArgument", "token not valid")
        }
    }
}

fn too_many(seconds: u64) -> Response {
    let mut response = error(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        "too many messages; wait a moment",
    );
    if let Ok(v) = seconds.to_string().parse() {
        response.headers_mut().insert(RETRY_AFTER, v);
    }
    response
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The bearer token of a request.
pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn grant_of(state: &WebState, headers: &HeaderMap) -> Result<Grant, Refusal> {
    let token = bearer(headers).ok_or(Refusal::Token(TokenError::Missing))?;
    state.tokens.check(token, now()).map_err(Refusal::Token)
}

fn grant_for(state: &WebState, headers: &HeaderMap, id: &str) -> Result<Grant, Refusal> {
    let token = bearer(headers).ok_or(Refusal::Token(TokenError::Missing))?;
    state
        .tokens
        .check_for(token, id, now())
        .map_err(Refusal::Token)
}

/// A new anonymous conversation, limited per client address.
fn new_grant(state: &WebState, peer: SocketAddr) -> Result<Grant, Refusal> {
    state
        .addresses
        .take(&peer.ip().to_string())
        .map_err(Refusal::TooMany)?;
    Ok(fresh_grant(now()))
}

fn token_body(state: &WebState, grant: &Grant) -> Value {
    json!({
        "conversationId": grant.conversation,
        "token": state.tokens.issue(grant),
        "expires_in": TOKEN_TTL_SECS,
    })
}

/// `ws://host/…/stream?t=…` for this request's host (`wss` behind a proxy
/// that says the client used HTTPS).
fn stream_url(state: &WebState, headers: &HeaderMap, grant: &Grant, watermark: &str) -> String {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let mut url = format!(
        "{}://{host}/v3/directline/conversations/{}/stream?t={}",
        if secure { "wss" } else { "ws" },
        grant.conversation,
        state.tokens.issue(grant)
    );
    if !watermark.is_empty() {
        url.push_str(&format!("&watermark={watermark}"));
    }
    url
}

fn conversation_body(state: &WebState, headers: &HeaderMap, grant: &Grant, w: &str) -> Value {
    let mut body = token_body(state, grant);
    body["streamUrl"] = Value::String(stream_url(state, headers, grant, w));
    body
}

/// `POST /v3/directline/tokens/generate`: a token for a new conversation.
pub async fn generate(
    State(state): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    match new_grant(&state, peer) {
        Ok(grant) => Json(token_body(&state, &grant)).into_response(),
        Err(r) => r.into_response(),
    }
}

/// `POST /v3/directline/tokens/refresh`: the same conversation, a new expiry.
pub async fn refresh(State(state): State<WebState>, headers: HeaderMap) -> Response {
    match grant_of(&state, &headers) {
        Ok(grant) => {
            let grant = Grant {
                expires: now() + TOKEN_TTL_SECS,
                ..grant
            };
            Json(token_body(&state, &grant)).into_response()
        }
        Err(r) => r.into_response(),
    }
}

/// `POST /v3/directline/conversations`: starts (or, with a token, opens)
/// the token's conversation.
pub async fn start(
    State(state): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let grant = match bearer(&headers) {
        Some(_) => grant_of(&state, &headers),
        None => new_grant(&state, peer),
    };
    match grant {
        Ok(grant) => (
            StatusCode::CREATED,
            Json(conversation_body(&state, &headers, &grant, "")),
        )
            .into_response(),
        Err(r) => r.into_response(),
    }
}

/// The `watermark` query parameter.
#[derive(Debug, Deserialize)]
pub struct Watermark {
    /// Last watermark the client has seen; absent or `-` for none.
    watermark: Option<String>,
}

impl Watermark {
    fn value(&self) -> Option<u64> {
        self.watermark.as_deref().and_then(|w| w.parse().ok())
    }
}

/// `GET /v3/directline/conversations/{id}`: reconnecting; a fresh stream URL.
pub async fn resume(
    State(state): State<WebState>,
    Path(id): Path<String>,
    Query(w): Query<Watermark>,
    headers: HeaderMap,
) -> Response {
    match grant_for(&state, &headers, &id) {
        Ok(grant) => {
            let w = w.value().map(|w| w.to_string()).unwrap_or_default();
            Json(conversation_body(&state, &headers, &grant, &w)).into_response()
        }
        Err(r) => r.into_response(),
    }
}

/// `GET /v3/directline/conversations/{id}/activities?watermark=N`.
pub async fn activities(
    State(state): State<WebState>,
    Path(id): Path<String>,
    Query(w): Query<Watermark>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = grant_for(&state, &headers, &id) {
        return r.into_response();
    }
    let (list, watermark) = state.queues.since(&id, w.value());
    Json(json!({"activities": list, "watermark": watermark.to_string()})).into_response()
}

/// `POST /v3/directline/conversations/{id}/activities`: a visitor's
/// activity; messages are answered by the bot.
pub async fn post_activity(
    State(state): State<WebState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let grant = match grant_for(&state, &headers, &id) {
        Ok(g) => g,
        Err(r) => return r.into_response(),
    };
    let incoming: Incoming = match serde_json::from_slice(&body) {
        Ok(a) => a,
        Err(_) => return error(StatusCode::BAD_REQUEST, "BadArgument", "not an activity"),
    };
    // The greeting, once: only into a conversation that is still empty
    // (a reloaded page resuming its conversation is not greeted again).
    let join = incoming.is_join() && state.queues.since(&id, None).0.is_empty();
    if incoming.kind != "message" && !join {
        // Typing indicators and other events are accepted and dropped.
        return Json(json!({"id": format!("{id}|-")})).into_response();
    }
    let message = match (join, incoming.message()) {
        (true, _) => Message::Help { topic: None },
        (false, Some(m)) => m,
        (false, None) => {
            return error(
                StatusCode::BAD_REQUEST,
                "BadArgument",
                "message without text",
            )
        }
    };
    if let Err(seconds) = state.visitors.take(&grant.visitor) {
        return too_many(seconds);
    }
    let at = chrono::Utc::now();
    // The join is not something the visitor said: it gets no echo.
    let event = if join {
        format!("{id}|join")
    } else {
        let echo = activity::echo(&incoming, &grant.visitor, &id, at);
        state.queues.push(&id, echo)
    };
    let accept = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let locales = activity::locales(incoming.locale.as_deref(), accept);
    let inbound = activity::inbound(&grant.visitor, &id, &event, locales, message, at);
    let (bot, queues, visitor, conversation) = (
        state.bot.clone(),
        state.queues.clone(),
        grant.visitor.clone(),
        id.clone(),
    );
    let reply_to = event.clone();
    // The answer is queued even if the client gave up waiting.
    let answered = tokio::spawn(async move {
        let reply = bot.handle(inbound).await;
        let out = activity::outgoing(&reply, &visitor, &conversation, &reply_to);
        queues.push(&conversation, out);
    });
    match tokio::time::timeout(ANSWER_WITHIN, answered).await {
        Ok(Ok(())) => Json(json!({"id": event})).into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "web: answering a message failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "ServiceError",
                "no answer",
            )
        }
        Err(_) => {
            tracing::warn!("web: answer still running after the wait; it will be queued");
            Json(json!({"id": event})).into_response()
        }
    }
}
