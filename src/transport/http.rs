//! The HTTP server of `supportbot serve`: the routes each transport
//! contributes plus `GET /healthz` and `GET /metrics`, with one body-size
//! cap, per-route metrics, graceful shutdown and reload on SIGHUP. It knows
//! no platform: a transport hands over a finished [`Router`]. Connections
//! are bounded ([`HttpLimits`]): in number, per IP, in how long a client may
//! take, and in how long shutdown waits for them.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_http::add_extension::AddExtension;
use tower_http::timeout::{RequestBodyTimeout, Timeout};

use super::metrics::Metrics;
use crate::config::HttpLimits;

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

/// Serves on `listener` until `shutdown` completes, then lets the requests
/// in flight finish for at most `limits.shutdown_timeout`.
pub async fn run(
    listener: TcpListener,
    app: App,
    limits: HttpLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = Timeout::with_status_code(
        RequestBodyTimeout::new(app.router(), limits.body_timeout),
        StatusCode::REQUEST_TIMEOUT,
        limits.request_timeout,
    );
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let per_ip = PerIp::new(limits.max_connections_per_ip);
    // Graceful shutdown by hand (hyper-util's `GracefulShutdown` does not
    // take upgradeable connections): each connection holds a `done_tx`
    // clone and watches `stop_rx`; all are finished when `done_rx` closes.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::channel::<()>(1);
    tokio::pin!(shutdown);
    loop {
        // The slot is taken before accepting: at the cap, new clients wait
        // in the kernel's backlog instead of costing a file descriptor.
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors or a connection reset before
                    // accept: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(visit) = per_ip.enter(peer.ip()) else {
            tracing::debug!(ip = %peer.ip(), "per-IP connection limit reached; closing");
            continue;
        };
        // Handlers see the client's address (`ConnectInfo`), e.g. for
        // per-address rate limits. With upgrades, for the web chat's
        // WebSocket stream: an upgraded connection leaves this loop's
        // accounting once handed over (the web transport bounds its streams
        // itself).
        let with_peer = AddExtension::new(service.clone(), ConnectInfo(peer));
        let conn = http1
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(with_peer))
            .with_upgrades();
        let mut stopping = stop_rx.clone();
        let done = done_tx.clone();
        tokio::spawn(async move {
            tokio::pin!(conn);
            let ended = tokio::select! {
                ended = conn.as_mut() => Some(ended),
                _ = stopping.wait_for(|stop| *stop) => None,
            };
            let ended = match ended {
                Some(ended) => ended,
                None => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(visit);
            drop(slot);
            drop(done);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(done_tx);
    if tokio::time::timeout(limits.shutdown_timeout, done_rx.recv())
        .await
        .is_err()
    {
        tracing::warn!(
            seconds = limits.shutdown_timeout.as_secs_f64(),
            "connections still open after the shutdown deadline; dropping them"
        );
    }
    Ok(())
}

/// Open connections per client IP address.
#[derive(Clone)]
struct PerIp {
    max: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One open connection counted in [`PerIp`]; dropping it uncounts it.
struct Visit {
    ip: IpAddr,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl PerIp {
    fn new(max: usize) -> PerIp {
        PerIp {
            max: max.max(1),
            open: Arc::default(),
        }
    }

    /// Counts a connection from `ip`, or `None` when `ip` has its share.
    fn enter(&self, ip: IpAddr) -> Option<Visit> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(ip).or_default();
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(Visit {
            ip,
            open: self.open.clone(),
        })
    }
}

impl Drop for Visit {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
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
