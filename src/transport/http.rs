//! The HTTP server of `supportbot serve`: the routes each transport
//! contributes plus `GET /healthz` and `GET /metrics`, with one body-size
//! cap, per-route metrics, graceful shutdown and reload on SIGHUP. It knows
//! no platform: a transport hands over a finished [`Router`].

use std::future::Future;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;

use super::metrics::Metrics;

/// Largest request body accepted on any route (413 above). Discord
/// interactions and Teams activities are a few KiB; message commands with
/// resolved messages stay well below this.
pub const MAX_BODY_BYTES: usize = 128 * 1024;

/// What `serve` serves: every transport's routes, health and metrics.
#[derive(Clone, Default)]
pub struct App {
    metrics: Metrics,
    routes: Router,
}

impl App {
    /// An app with health and metrics only, recording into `metrics`.
    pub fn new(metrics: Metrics) -> App {
        App {
            metrics,
            routes: Router::new(),
        }
    }

    /// Adds one transport's routes (with their state already applied).
    pub fn with(mut self, routes: Router) -> App {
        self.routes = self.routes.merge(routes);
        self
    }

    /// The router: the transports' routes, health and metrics, under the
    /// body limit and the metrics middleware.
    pub fn router(self) -> Router {
        let own = Router::new()
            .route("/healthz", get(healthz))
            .route("/metrics", get(metrics))
            .with_state(self.metrics.clone());
        self.routes
            .merge(own)
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .layer(middleware::from_fn_with_state(self.metrics, track))
    }
}

/// Serves on `listener` until `shutdown` completes, then finishes the
/// requests in flight.
pub async fn run(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app.router())
        .with_graceful_shutdown(shutdown)
        .await
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn metrics(State(metrics): State<Metrics>) -> Response {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        metrics.render(),
    )
        .into_response()
}

/// Records every request under the route it matched ("other" when none did).
async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_owned(), |p| p.as_str().to_owned());
    let start = Instant::now();
    let response = next.run(request).await;
    metrics.request(
        &route,
        response.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    response
}
