//! A real `serve` HTTP server on 127.0.0.1:0 with a test Ed25519 key, a
//! signing client, and a loopback stand-in for Discord's REST API.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::Router;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::Value;
use supportbot::knowledge::KnowledgeSource;
use supportbot::transport::discord::api::DiscordApi;
use supportbot::transport::discord::endpoint::DiscordEndpoint;
use supportbot::transport::http::{self, App};
use supportbot::transport::metrics::Metrics;
use supportbot::{Bot, Knowledge};
use tokio::sync::oneshot;

use super::discord_peer::{message_object, registered_commands};

/// The test application's signing key (fixed bytes).
pub fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// A running server; stops when dropped.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// An HTTP client.
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl TestServer {
    /// `http://addr/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The Prometheus text of `GET /metrics`.
    pub async fn metrics(&self) -> String {
        self.client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text")
    }

    /// POSTs `body` to the interactions endpoint signed with `key` at `timestamp`.
    pub async fn post_signed_with(
        &self,
        body: &[u8],
        key: &SigningKey,
        timestamp: u64,
    ) -> reqwest::Response {
        let ts = timestamp.to_string();
        let mut message = ts.clone().into_bytes();
        message.extend_from_slice(body);
        let signature = hex::encode(key.sign(&message).to_bytes());
        self.client
            .post(self.url("/discord/interactions"))
            .header("content-type", "application/json")
            .header("x-signature-ed25519", signature)
            .header("x-signature-timestamp", ts)
            .body(body.to_vec())
            .send()
            .await
            .expect("request")
    }

    /// POSTs `body` correctly signed, now.
    pub async fn post_signed(&self, body: &[u8]) -> reqwest::Response {
        self.post_signed_with(body, &signing_key(), now()).await
    }

    /// POSTs a JSON interaction and returns status and JSON body.
    pub async fn interact(&self, interaction: &Value) -> (u16, Value) {
        let response = self.post_signed(interaction.to_string().as_bytes()).await;
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }
}

/// Starts the server with the Discord endpoint; `configure` may change the
/// endpoint's timing before it starts.
pub async fn spawn_discord(
    api_base: &str,
    configure: impl FnOnce(&mut DiscordEndpoint),
) -> TestServer {
    let bot = Bot::new(Knowledge::load(&KnowledgeSource::embedded()).expect("embedded knowledge"));
    spawn_discord_with(bot, api_base, configure).await
}

/// [`spawn_discord`] with a bot of the test's own.
pub async fn spawn_discord_with(
    bot: Bot,
    api_base: &str,
    configure: impl FnOnce(&mut DiscordEndpoint),
) -> TestServer {
    let bot = Arc::new(bot);
    let mut endpoint = DiscordEndpoint::new(
        signing_key().verifying_key(),
        Some("42".into()),
        DiscordApi::new(
            &supportbot::config::ApiBase::parse(api_base).expect("a valid API base"),
            None,
        ),
    );
    configure(&mut endpoint);
    let metrics = Metrics::new();
    let app = App::new(metrics.clone()).with(endpoint.routes(bot, metrics));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(http::run(listener, app, Default::default(), async {
        let _ = stopped.await;
    }));
    TestServer {
        addr,
        client: reqwest::Client::new(),
        stop: Some(stop),
    }
}

/// One request the fake Discord API received.
#[derive(Debug, Clone)]
pub struct Received {
    /// Method.
    pub method: String,
    /// Path.
    pub path: String,
    /// `Authorization` header.
    pub authorization: Option<String>,
    /// JSON body.
    pub body: Value,
}

/// A loopback stand-in for Discord's REST API that records every request
/// and answers `[]`-ish JSON.
pub struct FakeDiscord {
    /// Its API base, e.g. `http://127.0.0.1:1234/api/v10`.
    pub base: String,
    /// What it received.
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl FakeDiscord {
    /// Starts it.
    pub async fn start() -> FakeDiscord {
        let received = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new().fallback(record).with_state(received.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeDiscord {
            base: format!("http://{addr}/api/v10"),
            received,
        }
    }

    /// Waits up to 5 s for `n` requests and returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..500 {
            {
                let got = self.received.lock().expect("lock");
                if got.len() >= n {
                    return got.clone();
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        self.received.lock().expect("lock").clone()
    }
}

async fn record(
    State(received): State<Arc<Mutex<Vec<Received>>>>,
    request: Request,
) -> axum::Json<Value> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    // What Discord answers: serenity parses the created message or commands.
    let path: Vec<&str> = parts.uri.path().split('/').collect();
    let answer = match (parts.method == axum::http::Method::PUT, path.as_slice()) {
        (true, ["", "api", "v10", "applications", app, "guilds", guild, "commands"]) => {
            registered_commands(app, Some(guild), &body)
        }
        (true, ["", "api", "v10", "applications", app, "commands"]) => {
            registered_commands(app, None, &body)
        }
        _ => message_object("1575500000000000001", "645027906669510667", &body),
    };
    received.lock().expect("lock").push(Received {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        authorization: parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body,
    });
    axum::Json(answer)
}
