//! The HTTP server of `supportbot serve`: every HTTP transport's route plus
//! `GET /healthz` and `GET /metrics`, with a body-size cap, per-route
//! metrics, graceful shutdown and reload on SIGHUP.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;

use super::discord_http::{self, DiscordEndpoint};
use super::metrics::Metrics;
use crate::Bot;

/// Largest request body accepted (413 above). Interactions are a few KiB;
/// message commands with resolved messages stay well below this.
pub const MAX_BODY_BYTES: usize = 128 * 1024;

/// Route of the Discord interactions endpoint.
pub const DISCORD_ROUTE: &str = "/discord/interactions";

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The bot.
    pub bot: Arc<Bot>,
    /// Metrics of this server.
    pub metrics: Metrics,
    /// The Discord endpoint, when configured.
    pub discord: Option<Arc<DiscordEndpoint>>,
    /// Routes of other transports with their own state (Teams), merged in.
    pub extra: Option<Router>,
}

impl AppState {
    /// State with no transports configured.
    pub fn new(bot: Arc<Bot>) -> AppState {
        AppState {
            bot,
            metrics: Metrics::new(),
            discord: None,
            extra: None,
        }
    }
}

/// The router: configured transports' routes, health and metrics.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics));
    if state.discord.is_some() {
        router = router.route(DISCORD_ROUTE, post(discord_http::interactions));
    }
    let mut app: Router = router.with_state(state.clone());
    if let Some(extra) = state.extra.clone() {
        app = app.merge(extra);
    }
    app.layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(state, track))
}

/// Serves on `listener` until `shutdown` completes, then finishes the
/// requests in flight.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(),
    )
        .into_response()
}

async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = match request.uri().path() {
        "/healthz" => "/healthz",
        "/metrics" => "/metrics",
        DISCORD_ROUTE => DISCORD_ROUTE,
        "/api/messages" => "/api/messages",
        "/teams/webhook" => "/teams/webhook",
        _ => "other",
    };
    let start = Instant::now();
    let response = next.run(request).await;
    state.metrics.request(
        route,
        response.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    response
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C: shutting down"),
        () = term => tracing::info!("SIGTERM: shutting down"),
    }
}

/// Reloads the bot's rules and answers on every SIGHUP, logging the result.
pub fn reload_on_sighup(bot: Arc<Bot>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let mut hup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGHUP; reload disabled");
                return;
            }
        };
        while hup.recv().await.is_some() {
            let bot = bot.clone();
            match tokio::task::spawn_blocking(move || bot.reload()).await {
                Ok(Ok(report)) => tracing::info!(
                    rules = report.rules,
                    locales = report.locales,
                    "SIGHUP: reloaded rules and answers"
                ),
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "SIGHUP: reload refused; the previous rules stay")
                }
                Err(e) => tracing::error!(error = %e, "SIGHUP: reload task failed"),
            }
        }
    });
    #[cfg(not(unix))]
    let _ = bot;
}
