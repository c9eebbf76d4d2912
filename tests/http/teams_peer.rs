//! The loopback Teams side of the HTTP tests: OpenID metadata, JWKS, the
//! OAuth token endpoint, a Bot Connector that records replies and creates
//! personal chats (or refuses with 403), and a OneDrive-like upload URL.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::teams::{APP_ID, ISSUER};

/// A reply the loopback Bot Connector received.
#[derive(Debug, Clone)]
pub struct Posted {
    pub conversation: String,
    /// Empty for a message that is not a reply.
    pub reply_to: String,
    pub authorization: String,
    pub body: Value,
}

impl Posted {
    pub fn text(&self) -> &str {
        self.body["text"].as_str().unwrap_or_default()
    }

    /// The first attachment's content type, or "".
    pub fn card_type(&self) -> &str {
        self.body["attachments"][0]["contentType"]
            .as_str()
            .unwrap_or_default()
    }
}

/// A `POST /v3/conversations` the loopback Bot Connector received.
#[derive(Debug, Clone)]
pub struct Created {
    pub authorization: String,
    pub body: Value,
}

/// A file PUT to the loopback upload URL.
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub authorization: Option<String>,
    pub content_range: String,
    pub body: Vec<u8>,
}

/// Loopback OpenID metadata, JWKS, token endpoint, Bot Connector and
/// OneDrive upload URL.
#[derive(Default)]
pub struct Peer {
    pub addr: Mutex<Option<SocketAddr>>,
    pub jwks: Mutex<Vec<Value>>,
    pub metadata_fetches: AtomicUsize,
    /// Answer the OpenID metadata with 503, as an endpoint that is down.
    pub metadata_down: AtomicBool,
    pub token_calls: AtomicUsize,
    pub posted: Mutex<Vec<Posted>>,
    pub created: Mutex<Vec<Created>>,
    /// Answer `POST /v3/conversations` with 403, as Teams does when the app
    /// is not installed for the user.
    pub refuse_create: AtomicBool,
    pub uploads: Mutex<Vec<Upload>>,
}

impl Peer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr.lock().unwrap().expect("bound"))
    }

    pub fn posted(&self) -> Vec<Posted> {
        self.posted.lock().unwrap().clone()
    }

    pub fn created(&self) -> Vec<Created> {
        self.created.lock().unwrap().clone()
    }

    pub fn uploads(&self) -> Vec<Upload> {
        self.uploads.lock().unwrap().clone()
    }

    /// Polls until `found` sees what it looks for in the posted activities
    /// (the bot answers from a spawned task), or fails after 5 s.
    pub async fn until<T>(&self, what: &str, found: impl Fn(&[Posted]) -> Option<T>) -> T {
        for _ in 0..200 {
            if let Some(t) = found(&self.posted()) {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("timed out waiting for {what}: {:#?}", self.posted());
    }

    pub async fn wait_for(&self, n: usize) -> Vec<Posted> {
        for _ in 0..200 {
            if self.posted.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.posted()
    }
}

pub async fn metadata(State(peer): State<Arc<Peer>>) -> Result<Json<Value>, StatusCode> {
    peer.metadata_fetches.fetch_add(1, Ordering::SeqCst);
    if peer.metadata_down.load(Ordering::SeqCst) {
        return Err(StatusCode::SERVICE_UNAVAILABLE);
    }
    Ok(Json(
        json!({"issuer": ISSUER, "jwks_uri": format!("{}/keys", peer.url()),
                "id_token_signing_alg_values_supported": ["RS256"]}),
    ))
}

pub async fn keys(State(peer): State<Arc<Peer>>) -> Json<Value> {
    Json(json!({"keys": *peer.jwks.lock().unwrap()}))
}

pub async fn token(State(peer): State<Arc<Peer>>, body: String) -> Json<Value> {
    assert!(body.contains("grant_type=client_credentials"), "{body}");
    assert!(body.contains(&format!("client_id={APP_ID}")), "{body}");
    let n = peer.token_calls.fetch_add(1, Ordering::SeqCst) + 1;
    Json(json!({"token_type": "Bearer", "expires_in": 3599,
                "access_token": format!("connector-token-{n}")}))
}

pub async fn reply(
    State(peer): State<Arc<Peer>>,
    Path((conversation, reply_to)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    peer.posted.lock().unwrap().push(Posted {
        conversation,
        reply_to,
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        body,
    });
    Json(json!({"id": "reply-1"}))
}

pub async fn create_conversation(
    State(peer): State<Arc<Peer>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let n = {
        let mut created = peer.created.lock().unwrap();
        created.push(Created {
            authorization: headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
            body,
        });
        created.len()
    };
    if peer.refuse_create.load(Ordering::SeqCst) {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({"error": {"code": "Forbidden",
                                  "message": "The bot is not part of the conversation roster."}})),
        );
    }
    (
        StatusCode::CREATED,
        Json(json!({"id": format!("a:personal-{n}")})),
    )
}

pub async fn post_message(
    state: State<Arc<Peer>>,
    Path(conversation): Path<String>,
    headers: HeaderMap,
    body: Json<Value>,
) -> Json<Value> {
    reply(state, Path((conversation, String::new())), headers, body).await
}

pub async fn upload(
    State(peer): State<Arc<Peer>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    peer.uploads.lock().unwrap().push(Upload {
        name,
        authorization: header("authorization"),
        content_range: header("content-range").unwrap_or_default(),
        body: body.to_vec(),
    });
    StatusCode::CREATED
}

pub async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    addr
}
