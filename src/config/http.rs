//! Limits of the `serve` HTTP server: timeouts, connection caps and the
//! shutdown deadline. Each file key `k` is also `SUPPORTBOT_K`.

use std::time::Duration;

use super::{ConfigError, FileSettings, Sources};

/// Bounds on what one client can hold of the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpLimits {
    /// Time a client has to send a whole request head; the same timer runs
    /// while a keep-alive connection waits for its next request, so it is
    /// also the idle timeout.
    pub header_timeout: Duration,
    /// Longest pause between two pieces of a request body.
    pub body_timeout: Duration,
    /// Longest a request may take, body and handler included (408 after).
    pub request_timeout: Duration,
    /// Open connections at most; further clients wait in the listen
    /// backlog (no file descriptor spent) until one closes.
    pub max_connections: usize,
    /// Open connections from one IP address at most; more are closed at
    /// once.
    pub max_connections_per_ip: usize,
    /// After SIGTERM, how long requests in flight may finish before the
    /// remaining connections are dropped.
    pub shutdown_timeout: Duration,
}

/// Default [`HttpLimits::header_timeout`].
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default [`HttpLimits::body_timeout`].
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Default [`HttpLimits::request_timeout`].
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default [`HttpLimits::max_connections`]: well below the usual soft limit
/// of 1024 file descriptors, leaving room for the database and outbound
/// connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// Default [`HttpLimits::max_connections_per_ip`].
pub const DEFAULT_MAX_CONNECTIONS_PER_IP: usize = 64;
/// Default [`HttpLimits::shutdown_timeout`].
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

impl Default for HttpLimits {
    fn default() -> HttpLimits {
        HttpLimits {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_ip: DEFAULT_MAX_CONNECTIONS_PER_IP,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
        }
    }
}

/// Reads the `http_*` limits.
pub(super) fn limits(src: &Sources<'_>, file: &FileSettings) -> Result<HttpLimits, ConfigError> {
    let d = HttpLimits::default();
    let secs = |key: &'static str, value: &Option<toml::Value>, default: Duration| match src
        .pick(key, scalar(value))
    {
        None => Ok(default),
        Some(p) => p
            .value
            .parse::<f64>()
            .ok()
            .filter(|s| *s > 0.0)
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .ok_or_else(|| p.invalid(format!("{:?} is not a positive number of seconds", p.value))),
    };
    let count = |key: &'static str, value: &Option<toml::Value>, default: usize| match src
        .pick(key, scalar(value))
    {
        None => Ok(default),
        Some(p) => p
            .value
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| p.invalid(format!("{:?} is not a positive whole number", p.value))),
    };
    Ok(HttpLimits {
        header_timeout: secs(
            "http_header_timeout_secs",
            &file.http_header_timeout_secs,
            d.header_timeout,
        )?,
        body_timeout: secs(
            "http_body_timeout_secs",
            &file.http_body_timeout_secs,
            d.body_timeout,
        )?,
        request_timeout: secs(
            "http_request_timeout_secs",
            &file.http_request_timeout_secs,
            d.request_timeout,
        )?,
        max_connections: count(
            "http_max_connections",
            &file.http_max_connections,
            d.max_connections,
        )?,
        max_connections_per_ip: count(
            "http_max_connections_per_ip",
            &file.http_max_connections_per_ip,
            d.max_connections_per_ip,
        )?,
        shutdown_timeout: secs(
            "http_shutdown_timeout_secs",
            &file.http_shutdown_timeout_secs,
            d.shutdown_timeout,
        )?,
    })
}

/// A file value as the text an environment variable would hold, so
/// `http_max_connections = 100` and `= "100"` both work.
pub(super) fn scalar(value: &Option<toml::Value>) -> Option<String> {
    match value.as_ref()? {
        toml::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}
