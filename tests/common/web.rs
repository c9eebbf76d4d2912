//! A real `supportbot serve` with the web chat on, and a Direct Line client
//! for it (HTTP with reqwest, the stream with tokio-tungstenite).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};

/// A `serve` process, killed on drop.
pub struct Served {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its data directory (sled database, token key).
    pub data: tempfile::TempDir,
}

impl Served {
    /// `http://addr` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops the server (SIGKILL; sled's journal makes what it acknowledged
    /// durable) so the CLI can open the database.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts `serve` with no platform settings plus `env`; returns once it
/// listens.
pub fn serve(env: &[(&str, &str)]) -> Served {
    let data = tempfile::tempdir().expect("data dir");
    serve_in(data, env)
}

/// [`serve`] on an existing data directory.
pub fn serve_in(data: tempfile::TempDir, env: &[(&str, &str)]) -> Served {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("supportbot"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SUPPORTBOT_") {
            cmd.env_remove(key);
        }
    }
    let mut child = cmd
        .arg("--data-dir")
        .arg(data.path())
        .arg("serve")
        .env("SUPPORTBOT_HTTP_ADDR", "127.0.0.1:0")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let banner = lines.next().and_then(Result::ok).unwrap_or_default();
    let addr = banner
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {banner:?}"));
    let web = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.trim_start().starts_with("web:"))
        .unwrap_or_default();
    assert!(web.contains("web: on"), "{web}");
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
    Served { child, addr, data }
}

/// `supportbot --data-dir DIR admin ARGS…`'s stdout, asserting success.
pub fn admin(data: &Path, args: &[&str]) -> String {
    let out = crate::common::supportbot()
        .arg("--data-dir")
        .arg(data)
        .arg("admin")
        .args(args)
        .output()
        .expect("admin runs");
    assert!(
        out.status.success(),
        "admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One Direct Line conversation.
pub struct Chat {
    /// The HTTP client.
    pub http: reqwest::Client,
    /// `http://addr`.
    pub base: String,
    /// Conversation id.
    pub id: String,
    /// Bearer token.
    pub token: String,
    /// The stream URL from the start.
    pub stream_url: String,
}

impl Chat {
    /// Starts a conversation on `served`.
    pub async fn start(served: &Served) -> Chat {
        Chat::start_at(&served.url("")).await
    }

    /// Starts a conversation on the `serve` at `base` (`http://addr`).
    pub async fn start_at(base: &str) -> Chat {
        let http = reqwest::Client::new();
        let base = base.trim_end_matches('/').to_owned();
        let minted: Value = http
            .post(format!("{base}/v3/directline/tokens/generate"))
            .send()
            .await
            .expect("generate")
            .json()
            .await
            .expect("token json");
        let token = minted["token"].as_str().expect("token").to_owned();
        let response = http
            .post(format!("{base}/v3/directline/conversations"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("start");
        assert_eq!(response.status().as_u16(), 201);
        let started: Value = response.json().await.expect("conversation json");
        assert_eq!(started["conversationId"], minted["conversationId"]);
        assert!(started["expires_in"].as_i64().unwrap_or(0) > 0, "{started}");
        Chat {
            http,
            base,
            id: started["conversationId"].as_str().expect("id").to_owned(),
            token: started["token"].as_str().expect("token").to_owned(),
            stream_url: started["streamUrl"].as_str().expect("streamUrl").to_owned(),
        }
    }

    /// Posts `activity`; the status and body.
    pub async fn post(&self, activity: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!(
                "{}/v3/directline/conversations/{}/activities",
                self.base, self.id
            ))
            .bearer_auth(&self.token)
            .json(&activity)
            .send()
            .await
            .expect("post activity");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Sends `text` with `locale` and returns the bot's answer to it (by
    /// polling, which also checks `replyToId`).
    pub async fn say(&self, text: &str, locale: &str) -> Value {
        let (status, body) = self
            .post(json!({"type": "message", "from": {"id": "me"}, "text": text, "locale": locale}))
            .await;
        assert_eq!(status, 200, "{body}");
        self.answer_to(body["id"].as_str().expect("id")).await
    }

    /// The bot's answer to the activity `id`.
    pub async fn answer_to(&self, id: &str) -> Value {
        let (all, _) = self.poll(None).await;
        all.into_iter()
            .find(|a| a["replyToId"] == id)
            .unwrap_or_else(|| panic!("no answer to {id}"))
    }

    /// `GET activities?watermark=…`: the activities and the next watermark.
    pub async fn poll(&self, watermark: Option<&str>) -> (Vec<Value>, String) {
        let mut url = format!(
            "{}/v3/directline/conversations/{}/activities",
            self.base, self.id
        );
        if let Some(w) = watermark {
            url.push_str(&format!("?watermark={w}"));
        }
        let set: Value = self
            .http
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("poll")
            .json()
            .await
            .expect("activity set");
        let list = set["activities"].as_array().cloned().unwrap_or_default();
        (list, set["watermark"].as_str().unwrap_or("").to_owned())
    }
}

/// Reads ActivitySet frames from a stream until one holds a bot message;
/// that activity and the frame's watermark.
pub async fn next_bot_message<S>(socket: &mut S) -> (Value, String)
where
    S: futures_util::Stream<
            Item = Result<
                tokio_tungstenite::tungstenite::Message,
                tokio_tungstenite::tungstenite::Error,
            >,
        > + Unpin,
{
    let read = async {
        while let Some(frame) = socket.next().await {
            let Ok(tokio_tungstenite::tungstenite::Message::Text(text)) = frame else {
                continue;
            };
            let set: Value = serde_json::from_str(&text).expect("ActivitySet JSON");
            let watermark = set["watermark"].as_str().unwrap_or("").to_owned();
            if let Some(bot) = set["activities"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|a| a["from"]["role"] == "bot")
            {
                return (bot.clone(), watermark);
            }
        }
        panic!("stream closed without a bot message");
    };
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("a bot message on the stream within 20 s")
}
