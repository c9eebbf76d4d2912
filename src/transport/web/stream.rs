//! The Direct Line WebSocket stream (`streamUrl`): every activity of the
//! conversation after the client's watermark, as `ActivitySet` text frames
//! (`{"activities": […], "watermark": "N"}`), then each new one as it comes.
//! The token rides in the `t` query parameter (browsers cannot set headers
//! on a WebSocket); the stream closes when it expires, and the client
//! reconnects with a refreshed one.

use std::time::Duration;

use axum::extract::{Path, Query, Request, State};
use axum::http::header::{CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::json;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::WebSocketStream;

use super::queue::Queues;
use super::WebState;

/// A ping this often keeps proxies from closing an idle stream.
const PING_EVERY: Duration = Duration::from_secs(30);
/// Largest frame a client may send (it has nothing to say on the stream).
const MAX_CLIENT_FRAME: usize = 4 * 1024;

/// The stream's query: the token and the last watermark seen.
#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    t: Option<String>,
    watermark: Option<String>,
}

/// `GET /v3/directline/conversations/{id}/stream`: the upgrade.
pub async fn open(
    State(state): State<WebState>,
    Path(id): Path<String>,
    Query(query): Query<StreamQuery>,
    mut request: Request,
) -> Response {
    let headers = request.headers();
    let token = query
        .t
        .as_deref()
        .or_else(|| super::directline::bearer(headers));
    let Some(token) = token else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let now = chrono::Utc::now().timestamp();
    let grant = match state.tokens.check_for(token, &id, now) {
        Ok(g) => g,
        Err(e) => {
            tracing::debug!(reason = %e, "web: stream token refused");
            return StatusCode::FORBIDDEN.into_response();
        }
    };
    let upgrade = headers
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let Some(key) = headers.get(SEC_WEBSOCKET_KEY).filter(|_| upgrade) else {
        return (StatusCode::BAD_REQUEST, "expected a WebSocket upgrade").into_response();
    };
    let accept = derive_accept_key(key.as_bytes());
    let Ok(permit) = state.streams.clone().try_acquire_owned() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let on_upgrade = hyper::upgrade::on(&mut request);
    let watermark = query.watermark.and_then(|w| w.parse().ok());
    let lifetime = Duration::from_secs(u64::try_from(grant.expires - now).unwrap_or(0));
    let queues = state.queues.clone();
    tokio::spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!(error = %e, "web: stream upgrade failed");
                return;
            }
        };
        let config = WebSocketConfig {
            max_message_size: Some(MAX_CLIENT_FRAME),
            max_frame_size: Some(MAX_CLIENT_FRAME),
            ..WebSocketConfig::default()
        };
        let socket =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config))
                .await;
        let _ = tokio::time::timeout(lifetime, pump(socket, queues, id, watermark)).await;
        drop(permit);
    });
    let mut response = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let h = response.headers_mut();
    h.insert(UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(CONNECTION, HeaderValue::from_static("upgrade"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert(SEC_WEBSOCKET_ACCEPT, v);
    }
    response
}

/// Sends the conversation's activities after `watermark` as they come,
/// until the client goes away or the conversation is dropped.
async fn pump<S>(socket: WebSocketStream<S>, queues: Queues, id: String, mut watermark: Option<u64>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (mut tx, mut rx) = socket.split();
    let mut changed = queues.watch(&id);
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        changed.borrow_and_update();
        let (activities, last) = queues.since(&id, watermark);
        if !activities.is_empty() {
            let frame = json!({"activities": activities, "watermark": last.to_string()});
            if tx.send(Frame::Text(frame.to_string())).await.is_err() {
                return;
            }
        }
        watermark = Some(last);
        tokio::select! {
            moved = changed.changed() => if moved.is_err() { break },
            frame = rx.next() => match frame {
                Some(Ok(Frame::Close(_)) | Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => if tx.send(Frame::Ping(Vec::new())).await.is_err() { return },
        }
    }
    let _ = tx.send(Frame::Close(None)).await;
}
