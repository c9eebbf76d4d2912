//! A loopback Discord for the gateway bot: the REST API on one 127.0.0.1
//! port (axum) and the gateway WebSocket on another (tokio-tungstenite), as
//! Discord serves them from `discord.com` and `gateway.discord.gg`.
//!
//! The gateway speaks the real protocol: Hello (op 10), Identify (op 2) →
//! READY and GUILD_CREATE dispatches, heartbeats (op 1) → ACK (op 11), and
//! whatever dispatches the test pushes. Payloads are complete, because
//! serenity deserialises strictly; they start from the recorded frames in
//! `../shared/fixtures/discord/` with the fields those lack added.
//!
//! Every REST request and every frame the bot sends is recorded; tests wait
//! for them with [`DiscordPeer::wait_rest`] / [`DiscordPeer::wait_frame`],
//! which fail with everything recorded so far after a timeout.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::handshake::server::{
    Request as WsRequest, Response as WsResponse,
};
use tokio_tungstenite::tungstenite::Message as Frame;

/// The application id, which is also the bot user's id (as on Discord).
pub const APP_ID: &str = "1575396591941042236";
/// The bot's user name.
pub const BOT_NAME: &str = "supportbot";
/// How long any wait lasts before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// One REST request the peer received.
#[derive(Debug, Clone)]
pub struct RestCall {
    /// `GET`, `POST`, `PUT`, …
    pub method: String,
    /// Path, e.g. `/api/v10/channels/1/messages`.
    pub path: String,
    /// `Authorization` header.
    pub authorization: Option<String>,
    /// `Content-Type` header.
    pub content_type: Option<String>,
    /// The JSON body, or a multipart body's `payload_json`; `Null` if none.
    pub body: Value,
    /// Files of a multipart body: (field name, file name, contents).
    pub files: Vec<(String, String, String)>,
}

impl RestCall {
    /// Whether this is `method` on `path`.
    pub fn is(&self, method: &str, path: &str) -> bool {
        self.method == method && self.path == path
    }
}

/// A guild the bot is in: sent as unavailable in READY, then as GUILD_CREATE.
#[derive(Debug, Clone)]
pub struct PeerGuild {
    /// Guild id.
    pub id: &'static str,
    /// Its text channel.
    pub channel: &'static str,
    /// `preferred_locale`, e.g. `no`.
    pub locale: &'static str,
}

#[derive(Default)]
struct Recorded {
    rest: Vec<RestCall>,
    frames: Vec<Value>,
    connections: Vec<String>,
}

struct Shared {
    recorded: Mutex<Recorded>,
    /// Bumped on every recording, so waiters wake up.
    changed: watch::Sender<u64>,
    /// Dispatches the test pushes, for whichever gateway connection is open.
    outbox: tokio::sync::Mutex<mpsc::UnboundedReceiver<(String, Value)>>,
    seq: AtomicU64,
    ids: AtomicU64,
    gateway_url: String,
    heartbeat_ms: u64,
    guilds: Vec<PeerGuild>,
}

impl Shared {
    fn record(&self, f: impl FnOnce(&mut Recorded)) {
        f(&mut self.recorded.lock().expect("peer state"));
        self.changed.send_modify(|n| *n += 1);
    }

    /// A fresh snowflake-shaped id.
    fn next_id(&self) -> String {
        (1_575_500_000_000_000_000 + self.ids.fetch_add(1, Ordering::SeqCst)).to_string()
    }
}

/// The running peer; its tasks end with the test's runtime.
pub struct DiscordPeer {
    /// `http://127.0.0.1:PORT`, serenity's proxy origin.
    pub origin: String,
    /// `http://127.0.0.1:PORT/api/v10`, the value of `SUPPORTBOT_DISCORD_API_BASE`.
    pub api_base: String,
    /// `ws://127.0.0.1:PORT2`, what `GET /gateway` answers.
    pub gateway_url: String,
    shared: Arc<Shared>,
    dispatch: mpsc::UnboundedSender<(String, Value)>,
}

impl DiscordPeer {
    /// Starts REST and gateway; `heartbeat_ms` goes into Hello.
    pub async fn start(guilds: Vec<PeerGuild>, heartbeat_ms: u64) -> DiscordPeer {
        let rest = TcpListener::bind("127.0.0.1:0").await.expect("bind REST");
        let gateway = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind gateway");
        let rest_addr: SocketAddr = rest.local_addr().expect("addr");
        let gateway_url = format!("ws://{}", gateway.local_addr().expect("addr"));
        let (dispatch, outbox) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            recorded: Mutex::new(Recorded::default()),
            changed: watch::channel(0).0,
            outbox: tokio::sync::Mutex::new(outbox),
            seq: AtomicU64::new(0),
            ids: AtomicU64::new(1),
            gateway_url: gateway_url.clone(),
            heartbeat_ms,
            guilds,
        });
        let app = Router::new().fallback(rest_call).with_state(shared.clone());
        tokio::spawn(async move { axum::serve(rest, app).await });
        let gw = shared.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = gateway.accept().await {
                tokio::spawn(serve_gateway(stream, gw.clone()));
            }
        });
        DiscordPeer {
            origin: format!("http://{rest_addr}"),
            api_base: format!("http://{rest_addr}/api/v10"),
            gateway_url,
            shared,
            dispatch,
        }
    }

    /// Sends a dispatch (op 0) with the next sequence number.
    pub fn dispatch(&self, event: &str, data: Value) {
        self.dispatch
            .send((event.to_owned(), data))
            .expect("gateway peer running");
    }

    /// Every REST call so far.
    pub fn rest(&self) -> Vec<RestCall> {
        self.shared
            .recorded
            .lock()
            .expect("peer state")
            .rest
            .clone()
    }

    /// Every frame the bot sent so far.
    pub fn frames(&self) -> Vec<Value> {
        self.shared
            .recorded
            .lock()
            .expect("peer state")
            .frames
            .clone()
    }

    /// The request URI of every gateway connection so far.
    pub fn connections(&self) -> Vec<String> {
        self.shared
            .recorded
            .lock()
            .expect("peer state")
            .connections
            .clone()
    }

    /// Waits until `done` holds for what was recorded; panics after
    /// [`WAIT`] naming `what` and showing the record.
    pub async fn wait_until<T>(
        &self,
        what: &str,
        mut done: impl FnMut(&[RestCall], &[Value]) -> Option<T>,
    ) -> T {
        let mut changed = self.shared.changed.subscribe();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            {
                let recorded = self.shared.recorded.lock().expect("peer state");
                if let Some(found) = done(&recorded.rest, &recorded.frames) {
                    return found;
                }
            }
            if tokio::time::timeout_at(deadline, changed.changed())
                .await
                .is_err()
            {
                panic!(
                    "timed out after {WAIT:?} waiting for {what}\nREST calls: {:#?}\nframes from the bot: {:#?}",
                    self.rest(),
                    self.frames()
                );
            }
        }
    }

    /// Waits for a REST call matching `pred` and returns it.
    pub async fn wait_rest(&self, what: &str, pred: impl Fn(&RestCall) -> bool) -> RestCall {
        self.wait_until(what, |rest, _| rest.iter().find(|c| pred(c)).cloned())
            .await
    }

    /// Waits for a frame from the bot with opcode `op` and returns it.
    pub async fn wait_frame(&self, op: u64) -> Value {
        self.wait_until(&format!("a gateway frame with op {op}"), |_, frames| {
            frames.iter().find(|f| f["op"] == op).cloned()
        })
        .await
    }
}

/// One gateway connection: Hello, then frames both ways until it closes.
async fn serve_gateway(stream: tokio::net::TcpStream, shared: Arc<Shared>) {
    let uri = Arc::new(Mutex::new(String::new()));
    let seen = uri.clone();
    // The signature (and its large error type) is tungstenite's.
    #[allow(clippy::result_large_err)]
    let callback = move |request: &WsRequest, response: WsResponse| {
        *seen.lock().expect("uri") = request.uri().to_string();
        Ok(response)
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
        return;
    };
    let uri = uri.lock().expect("uri").clone();
    shared.record(|r| r.connections.push(uri));
    // Only one connection at a time owns the test's dispatches.
    let mut outbox = shared.outbox.lock().await;
    let hello = json!({ "op": 10, "d": { "heartbeat_interval": shared.heartbeat_ms }, "s": null, "t": null });
    if ws.send(Frame::text(hello.to_string())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            incoming = ws.next() => {
                let text = match incoming {
                    Some(Ok(Frame::Text(text))) => text,
                    Some(Ok(Frame::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(_)) => continue,
                };
                let frame: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
                let op = frame["op"].as_u64();
                shared.record(|r| r.frames.push(frame));
                let replies = match op {
                    Some(1) => vec![json!({ "op": 11, "d": null, "s": null, "t": null })],
                    Some(2) => {
                        let mut out = vec![dispatch_frame(&shared, "READY", ready(&shared))];
                        for g in &shared.guilds {
                            out.push(dispatch_frame(&shared, "GUILD_CREATE", guild_create(g)));
                        }
                        out
                    }
                    _ => Vec::new(),
                };
                for reply in replies {
                    if ws.send(Frame::text(reply.to_string())).await.is_err() {
                        return;
                    }
                }
            }
            queued = outbox.recv() => {
                let Some((event, data)) = queued else { return };
                let frame = dispatch_frame(&shared, &event, data);
                if ws.send(Frame::text(frame.to_string())).await.is_err() {
                    return;
                }
            }
        }
    }
}

fn dispatch_frame(shared: &Shared, event: &str, data: Value) -> Value {
    let seq = shared.seq.fetch_add(1, Ordering::SeqCst) + 1;
    json!({ "op": 0, "t": event, "s": seq, "d": data })
}

/// The bot's own user object.
pub fn bot_user() -> Value {
    json!({
        "id": APP_ID,
        "username": BOT_NAME,
        "discriminator": "0",
        "global_name": null,
        "avatar": null,
        "bot": true,
        "system": false,
        "mfa_enabled": false,
        "banner": null,
        "accent_color": null,
        "locale": "en-US",
        "verified": true,
        "email": null,
        "flags": 0,
        "premium_type": 0,
        "public_flags": 0,
        "avatar_decoration_data": null
    })
}

/// A human (or, with `bot`, another bot) user.
pub fn user(id: &str, name: &str, bot: bool) -> Value {
    json!({
        "id": id,
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": null,
        "bot": bot,
        "system": false,
        "banner": null,
        "accent_color": null,
        "public_flags": 0,
        "avatar_decoration_data": null
    })
}

fn ready(shared: &Shared) -> Value {
    json!({
        "v": 10,
        "user": bot_user(),
        "guilds": shared.guilds.iter().map(|g| json!({ "id": g.id, "unavailable": true })).collect::<Vec<_>>(),
        "session_id": "d1f0c0ffee5e55104",
        "resume_gateway_url": shared.gateway_url,
        "shard": [0, 1],
        "application": { "id": APP_ID, "flags": 0 },
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "user_settings": {},
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "_trace": ["[\"loopback-gateway\"]"]
    })
}

fn fixture(name: &str) -> Value {
    let path = super::shared(&format!("fixtures/discord/{name}"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// GUILD_CREATE for `guild`, from the recorded frame with its ids replaced
/// and `stage_instances` added (Discord sends it; the recording lacks it).
fn guild_create(guild: &PeerGuild) -> Value {
    let text = fixture("gateway-guild-create.spacebar.json")["d"].to_string();
    let recorded_guild = "1575396591739715626";
    let recorded_channel = "1575396591760687149";
    let recorded_bot = "1575396591941042236";
    let text = text
        .replace(recorded_guild, guild.id)
        .replace(recorded_channel, guild.channel)
        .replace(recorded_bot, APP_ID);
    let mut d: Value = serde_json::from_str(&text).expect("patched fixture");
    d["preferred_locale"] = json!(guild.locale);
    d["name"] = json!(format!("guild-{}", guild.locale));
    d["stage_instances"] = json!([]);
    d
}

/// A MESSAGE_CREATE payload from the recorded frame: `guild` = `None` for a
/// DM (no `guild_id`, no `member`).
pub fn message_create(
    id: &str,
    channel: &str,
    guild: Option<&str>,
    author: Value,
    content: &str,
    mentions: Vec<Value>,
) -> Value {
    let mut d = fixture("gateway-message-create-dispatch.spacebar.json")["d"].clone();
    d["id"] = json!(id);
    d["channel_id"] = json!(channel);
    d["author"] = author;
    d["content"] = json!(content);
    d["mentions"] = json!(mentions);
    d["timestamp"] = json!(chrono::Utc::now().to_rfc3339());
    match guild {
        Some(g) => {
            d["guild_id"] = json!(g);
            d["member"]["guild_id"] = json!(g);
            d["member"]["id"] = d["author"]["id"].clone();
        }
        None => {
            let map = d.as_object_mut().expect("object");
            map.remove("guild_id");
            map.remove("member");
        }
    }
    d
}

/// Who invokes an interaction.
#[derive(Debug, Clone)]
pub struct Invoker {
    /// User id.
    pub id: &'static str,
    /// Name.
    pub name: &'static str,
    /// `member.permissions`, Discord's decimal bit-set string.
    pub permissions: &'static str,
}

/// Fields every interaction has: from a recorded frame, with the fields
/// Discord sends and the recording lacks (`locale`, a numeric
/// `public_flags`).
fn interaction_base(
    fixture_name: &str,
    id: &str,
    token: &str,
    guild: &PeerGuild,
    invoker: &Invoker,
    locale: &str,
) -> Value {
    let mut d = fixture(fixture_name)["d"].clone();
    d["id"] = json!(id);
    d["token"] = json!(token);
    d["application_id"] = json!(APP_ID);
    d["guild_id"] = json!(guild.id);
    d["channel_id"] = json!(guild.channel);
    d["guild"]["id"] = json!(guild.id);
    d["guild"]["locale"] = json!(guild.locale);
    d["guild_locale"] = json!(guild.locale);
    d["locale"] = json!(locale);
    d["member_id"] = json!(invoker.id);
    let member = &mut d["member"];
    member["id"] = json!(invoker.id);
    member["guild_id"] = json!(guild.id);
    member["roles"] = json!([guild.id]);
    member["permissions"] = json!(invoker.permissions);
    member["user"]["id"] = json!(invoker.id);
    member["user"]["username"] = json!(invoker.name);
    d
}

/// INTERACTION_CREATE for a slash command with string options.
pub fn command_interaction(
    id: &str,
    token: &str,
    guild: &PeerGuild,
    invoker: &Invoker,
    locale: &str,
    name: &str,
    options: &[(&str, &str)],
) -> Value {
    let mut d = interaction_base(
        "gateway-interaction-create-command.spacebar.json",
        id,
        token,
        guild,
        invoker,
        locale,
    );
    d["data"]["name"] = json!(name);
    d["data"]["guild_id"] = json!(guild.id);
    d["data"]["options"] = options
        .iter()
        .map(|(n, v)| json!({ "type": 3, "name": n, "value": v }))
        .collect();
    d
}

/// INTERACTION_CREATE for a click on the button `custom_id` of a message
/// the bot sent.
pub fn button_interaction(
    id: &str,
    token: &str,
    guild: &PeerGuild,
    invoker: &Invoker,
    locale: &str,
    custom_id: &str,
) -> Value {
    let mut d = interaction_base(
        "gateway-interaction-create-button.spacebar.json",
        id,
        token,
        guild,
        invoker,
        locale,
    );
    d["data"]["custom_id"] = json!(custom_id);
    let message = &mut d["message"];
    message["channel_id"] = json!(guild.channel);
    message["guild_id"] = json!(guild.id);
    message["author"] = user(APP_ID, BOT_NAME, true);
    message["flags"] = json!(64);
    message["components"][0]["components"][0]["custom_id"] = json!(custom_id);
    d
}

/// A message object as Discord returns it for a created message.
pub fn message_object(id: &str, channel: &str, body: &Value) -> Value {
    json!({
        "id": id,
        "channel_id": channel,
        "author": bot_user(),
        "content": body["content"].as_str().unwrap_or_default(),
        "timestamp": chrono::Utc::now().to_rfc3339(),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "mention_channels": [],
        "attachments": [],
        "embeds": body["embeds"].as_array().cloned().unwrap_or_default(),
        "reactions": [],
        "pinned": false,
        "type": 0,
        "flags": body["flags"].as_u64().unwrap_or(0),
        "components": []
    })
}

/// Application commands as Discord returns them after a bulk overwrite.
pub fn registered_commands(application_id: &str, guild: Option<&str>, body: &Value) -> Value {
    let commands = body.as_array().cloned().unwrap_or_default();
    Value::Array(
        commands
            .into_iter()
            .enumerate()
            .map(|(i, mut c)| {
                c["id"] = json!((1_575_600_000_000_000_000u64 + i as u64).to_string());
                c["application_id"] = json!(application_id);
                c["version"] = json!("1575600000000000000");
                if c.get("type").is_none() {
                    c["type"] = json!(1);
                }
                if let Some(g) = guild {
                    c["guild_id"] = json!(g);
                }
                c
            })
            .collect(),
    )
}

/// Splits a `multipart/form-data` body into `payload_json` and files.
pub fn parse_multipart(content_type: &str, body: &[u8]) -> (Value, Vec<(String, String, String)>) {
    let Some(boundary) = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
    else {
        return (Value::Null, Vec::new());
    };
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{}", boundary.trim_matches('"'));
    let mut payload = Value::Null;
    let mut files = Vec::new();
    for part in text.split(delimiter.as_str()).skip(1) {
        let Some((head, content)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let content = content.strip_suffix("\r\n").unwrap_or(content);
        let attr = |name: &str| {
            head.split(';')
                .find_map(|p| p.trim().strip_prefix(&format!("{name}=\"")))
                .and_then(|v| v.split('"').next())
                .map(str::to_owned)
        };
        let field = attr("name").unwrap_or_default();
        if field == "payload_json" {
            payload = serde_json::from_str(content).unwrap_or(Value::Null);
        } else {
            files.push((
                field,
                attr("filename").unwrap_or_default(),
                content.to_owned(),
            ));
        }
    }
    (payload, files)
}

async fn rest_call(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 8 << 20)
        .await
        .unwrap_or_default();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type");
    let (body, files) = match content_type.as_deref() {
        Some(ct) if ct.starts_with("multipart/form-data") => parse_multipart(ct, &bytes),
        _ => (
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            Vec::new(),
        ),
    };
    let path = parts.uri.path().to_owned();
    let segments: Vec<&str> = path
        .strip_prefix("/api/v10/")
        .unwrap_or_default()
        .split('/')
        .collect();
    let method = parts.method.clone();
    let answer = match (&method, segments.as_slice()) {
        (&Method::GET, ["gateway"]) => ok(json!({ "url": shared.gateway_url })),
        (&Method::GET, ["gateway", "bot"]) => ok(json!({
            "url": shared.gateway_url,
            "shards": 1,
            "session_start_limit": { "total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1 }
        })),
        (&Method::GET, ["users", "@me"]) => ok(bot_user()),
        (&Method::POST, ["users", "@me", "channels"]) => ok(json!({
            "id": format!("9{}", body["recipient_id"].as_str().unwrap_or("1")),
            "type": 1,
            "last_message_id": null,
            "recipients": [user(body["recipient_id"].as_str().unwrap_or("1"), "someone", false)]
        })),
        (&Method::POST, ["channels", channel, "messages"]) => {
            ok(message_object(&shared.next_id(), channel, &body))
        }
        (&Method::POST, ["channels", channel, "threads"]) => ok(json!({
            "id": shared.next_id(),
            "type": body["type"],
            "parent_id": channel,
            "name": body["name"],
            "thread_metadata": { "archived": false, "auto_archive_duration": 1440, "locked": false, "invitable": false },
        })),
        (&Method::PUT, ["channels", _, "thread-members", _]) => {
            StatusCode::NO_CONTENT.into_response()
        }
        (&Method::POST, ["interactions", _, _, "callback"]) => {
            StatusCode::NO_CONTENT.into_response()
        }
        (&Method::POST, ["webhooks", _, _]) => ok(message_object(&shared.next_id(), "1", &body)),
        (&Method::PUT, ["applications", app, "commands"]) => {
            ok(registered_commands(app, None, &body))
        }
        (&Method::PUT, ["applications", app, "guilds", guild, "commands"]) => {
            ok(registered_commands(app, Some(guild), &body))
        }
        _ => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "message": "404: Not Found", "code": 0 })),
        )
            .into_response(),
    };
    shared.record(|r| {
        r.rest.push(RestCall {
            method: method.to_string(),
            path,
            authorization: header("authorization"),
            content_type,
            body,
            files,
        })
    });
    answer
}

fn ok(body: Value) -> Response {
    axum::Json(body).into_response()
}
