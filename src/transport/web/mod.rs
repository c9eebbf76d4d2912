//! The web chat: the `/chat` page, the embeddable `/widget.js`, and the
//! Bot Framework Direct Line 3.0 subset that Microsoft's Web Chat (and our
//! page) speaks, under `/v3/directline`.
//!
//! Visitors are anonymous ([`crate::model::Platform::Web`],
//! [`crate::model::Evidence::Unverified`]): they get help answers and the
//! handoff, never an account action, exactly like the Teams outgoing webhook.
//! A signed token ([`token`]) binds a visitor to one conversation.
//!
//! - [`directline`]: tokens, conversations, posting and polling activities.
//! - [`stream`]: the WebSocket `streamUrl`.
//! - [`activity`]: activities ↔ `Inbound` / `Reply`.
//! - [`pages`]: the page, its script and style, the widget; security
//!   headers and the CORS check.
//! - [`queue`]: the activities of each conversation (memory, bounded).
//! - [`limit`]: per-visitor and per-address rate limits.
//! - [`relay`]: agents' replies from the console into a conversation.

pub mod activity;
pub mod directline;
pub mod limit;
pub mod pages;
pub mod queue;
pub mod relay;
pub mod stream;
pub mod token;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use tokio::sync::Semaphore;

use crate::config::WebSettings;
use crate::Bot;

/// WebSocket streams open at once, at most; past it a stream is refused
/// with 503 and the client polls (they do not count towards `serve`'s
/// connection caps once upgraded).
pub const MAX_STREAMS: usize = 1024;

/// Conversations a client address may start per minute, as a multiple of
/// the per-visitor message rate.
const STARTS_PER_MESSAGE_RATE: u32 = 2;

/// What the web handlers share.
#[derive(Clone)]
pub struct WebState {
    bot: Arc<Bot>,
    tokens: token::Tokens,
    queues: queue::Queues,
    visitors: limit::RateLimit,
    addresses: limit::RateLimit,
    origins: Arc<Vec<String>>,
    streams: Arc<Semaphore>,
}

impl WebState {
    /// The web chat of `bot`, signing tokens with `key`, over `queues`
    /// (shared with the [`relay::WebRelay`] agents reply through).
    pub fn new(
        bot: Arc<Bot>,
        settings: &WebSettings,
        key: secrecy::SecretSlice<u8>,
        queues: queue::Queues,
    ) -> WebState {
        WebState {
            bot,
            tokens: token::Tokens::new(key),
            queues,
            visitors: limit::RateLimit::new(settings.rate_per_minute),
            addresses: limit::RateLimit::new(
                settings
                    .rate_per_minute
                    .saturating_mul(STARTS_PER_MESSAGE_RATE),
            ),
            origins: Arc::new(settings.allowed_origins.clone()),
            streams: Arc::new(Semaphore::new(MAX_STREAMS)),
        }
    }
}

/// Every web route, with `state` applied.
pub fn routes(state: WebState) -> Router {
    use directline as dl;
    let api = Router::new()
        .route("/v3/directline/tokens/generate", post(dl::generate))
        .route("/v3/directline/tokens/refresh", post(dl::refresh))
        .route("/v3/directline/conversations", post(dl::start))
        .route("/v3/directline/conversations/{id}", get(dl::resume))
        .route(
            "/v3/directline/conversations/{id}/activities",
            post(dl::post_activity).get(dl::activities),
        )
        .route(
            "/v3/directline/conversations/{id}/stream",
            get(stream::open),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::cors,
        ));
    let pages = Router::new()
        .route("/chat", get(pages::chat))
        .route("/chat.js", get(pages::chat_js))
        .route("/chat.css", get(pages::chat_css))
        .route("/widget.js", get(pages::widget_js));
    api.merge(pages).with_state(state)
}
