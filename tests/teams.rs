//! Microsoft Teams transport over real HTTP on 127.0.0.1: the outgoing
//! webhook's HMAC, the bot's JWT validation against a local OpenID
//! metadata + JWKS, and replies to a loopback Bot Connector peer, driven by
//! the recorded Teams activities in `tests/fixtures/teams/`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{json, Value};
use supportbot::config::{Secret, SecretBytes, TeamsBotSettings, TeamsSettings};
use supportbot::knowledge::KnowledgeSource;
use supportbot::transport::teams::{routes, TeamsState};
use supportbot::transport::teams_webhook;
use supportbot::{Bot, Knowledge};

const APP_ID: &str = "3d4f7c1e-0000-4000-8000-00000000b0b0";
const ISSUER: &str = "https://api.botframework.com";
const KEY1: &str = include_str!("fixtures/teams-test-keys/key1.pem");
const KEY1_N: &str = include_str!("fixtures/teams-test-keys/key1.n");
const KEY2: &str = include_str!("fixtures/teams-test-keys/key2.pem");
const KEY2_N: &str = include_str!("fixtures/teams-test-keys/key2.n");
/// The outgoing-webhook security token from the Microsoft Teams docs.
const DOC_WEBHOOK_SECRET: &str = "vqF0En+Z0ucuRTM/01o2GuhMH3hKKk/N2bOmlM31zaA=";

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/teams/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json")
}

fn jwk(kid: &str, n: &str) -> Value {
    json!({"kty": "RSA", "use": "sig", "kid": kid, "n": n.trim(), "e": "AQAB",
           "endorsements": ["msteams"]})
}

/// A reply the loopback Bot Connector received.
#[derive(Debug, Clone)]
struct Posted {
    conversation: String,
    reply_to: String,
    authorization: String,
    body: Value,
}

/// Loopback OpenID metadata, JWKS, token endpoint and Bot Connector.
#[derive(Default)]
struct Peer {
    addr: Mutex<Option<SocketAddr>>,
    jwks: Mutex<Vec<Value>>,
    metadata_fetches: AtomicUsize,
    token_calls: AtomicUsize,
    posted: Mutex<Vec<Posted>>,
}

impl Peer {
    fn url(&self) -> String {
        format!("http://{}", self.addr.lock().unwrap().expect("bound"))
    }

    fn posted(&self) -> Vec<Posted> {
        self.posted.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<Posted> {
        for _ in 0..200 {
            if self.posted.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.posted()
    }
}

async fn metadata(State(peer): State<Arc<Peer>>) -> Json<Value> {
    peer.metadata_fetches.fetch_add(1, Ordering::SeqCst);
    Json(
        json!({"issuer": ISSUER, "jwks_uri": format!("{}/keys", peer.url()),
                "id_token_signing_alg_values_supported": ["RS256"]}),
    )
}

async fn keys(State(peer): State<Arc<Peer>>) -> Json<Value> {
    Json(json!({"keys": *peer.jwks.lock().unwrap()}))
}

async fn token(State(peer): State<Arc<Peer>>, body: String) -> Json<Value> {
    assert!(body.contains("grant_type=client_credentials"), "{body}");
    assert!(body.contains(&format!("client_id={APP_ID}")), "{body}");
    let n = peer.token_calls.fetch_add(1, Ordering::SeqCst) + 1;
    Json(json!({"token_type": "Bearer", "expires_in": 3599,
                "access_token": format!("connector-token-{n}")}))
}

async fn reply(
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

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    addr
}

struct Harness {
    peer: Arc<Peer>,
    app: String,
    http: reqwest::Client,
}

impl Harness {
    async fn start() -> Harness {
        let peer = Arc::new(Peer::default());
        *peer.jwks.lock().unwrap() = vec![jwk("key-1", KEY1_N)];
        let peer_router = Router::new()
            .route("/openid", get(metadata))
            .route("/keys", get(keys))
            .route("/token", post(token))
            .route(
                "/v3/conversations/{conversation}/activities/{reply_to}",
                post(reply),
            )
            .with_state(peer.clone());
        *peer.addr.lock().unwrap() = Some(serve(peer_router).await);

        let settings = TeamsSettings {
            bot: Some(TeamsBotSettings {
                app_id: APP_ID.into(),
                app_password: Secret::new("app-password"),
                openid_metadata: format!("{}/openid", peer.url()),
                issuer: ISSUER.into(),
                token_url: format!("{}/token", peer.url()),
                scope: "https://api.botframework.com/.default".into(),
            }),
            webhook_key: Some(SecretBytes::new(
                base64::engine::general_purpose::STANDARD
                    .decode(DOC_WEBHOOK_SECRET)
                    .expect("doc key is base64"),
            )),
        };
        let bot = Arc::new(Bot::new(
            Knowledge::load(&KnowledgeSource::embedded()).expect("embedded knowledge"),
        ));
        let state = TeamsState::with_key_refresh(bot, &settings, Duration::ZERO).expect("state");
        assert_eq!(state.endpoints().len(), 2);
        let app = format!("http://{}", serve(routes(state)).await);
        Harness {
            peer,
            app,
            http: reqwest::Client::new(),
        }
    }

    fn service_url(&self) -> String {
        format!("{}/", self.peer.url())
    }

    /// A fixture with its serviceUrl pointed at the loopback peer.
    fn activity(&self, name: &str) -> Value {
        let mut a = fixture(name);
        a["serviceUrl"] = json!(self.service_url());
        a
    }

    fn claims(&self) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({"iss": ISSUER, "aud": APP_ID, "exp": now + 3600, "nbf": now - 10,
               "serviceUrl": self.service_url()})
    }

    async fn post(&self, token: Option<&str>, body: &Value) -> reqwest::StatusCode {
        let mut request = self
            .http
            .post(format!("{}/api/messages", self.app))
            .json(body);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        request.send().await.expect("post").status()
    }
}

fn sign(kid: &str, pem: &str, claims: &Value) -> String {
    let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_rsa_pem(pem.as_bytes()).expect("test key"),
    )
    .expect("sign")
}

#[tokio::test]
async fn webhook_hmac_matches_the_docs_key_and_an_independent_vector() {
    let h = Harness::start().await;
    let key = base64::engine::general_purpose::STANDARD
        .decode(DOC_WEBHOOK_SECRET)
        .expect("base64");
    // The docs' example message body is not published with the vector, so
    // this expectation was computed independently with
    // `openssl dgst -sha256 -mac HMAC -macopt hexkey:<decoded doc key> -binary | base64`.
    let body = r#"{"type":"message","id":"1485983408511","text":"<at>Contoso</at> help"}"#;
    let expected = "HMAC aYATqD1VpvvyGl9ZaZ820jTMf2JDRujqqD9GiAbXDys=";
    assert_eq!(teams_webhook::sign(&key, body.as_bytes()), expected);
    assert_eq!(
        teams_webhook::verify(&key, Some(expected), body.as_bytes()),
        Ok(())
    );

    let response = h
        .http
        .post(format!("{}/teams/webhook", h.app))
        .header("authorization", expected)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 200);
    let reply: Value = response.json().await.expect("json");
    assert_eq!(reply["type"], "message");
    assert!(
        !reply["text"].as_str().unwrap_or_default().is_empty(),
        "{reply}"
    );
}

#[tokio::test]
async fn webhook_refuses_bad_missing_malformed_and_oversized() {
    let h = Harness::start().await;
    let key = base64::engine::general_purpose::STANDARD
        .decode(DOC_WEBHOOK_SECRET)
        .expect("base64");
    let url = format!("{}/teams/webhook", h.app);
    let body = r#"{"type":"message","text":"<at>Hook</at> refund"}"#;
    let send = |auth: Option<String>, body: Vec<u8>| {
        let mut r = h.http.post(&url).body(body);
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        async move { r.send().await.expect("post").status().as_u16() }
    };
    let other_key = teams_webhook::sign(b"another key", body.as_bytes());
    assert_eq!(send(Some(other_key), body.into()).await, 401, "bad HMAC");
    assert_eq!(send(None, body.into()).await, 401, "missing header");
    let tampered = teams_webhook::sign(&key, body.as_bytes());
    assert_eq!(
        send(Some(tampered), body.replace("refund", "refunf").into()).await,
        401,
        "tampered body"
    );
    let malformed = b"{\"type\":\"message\",".to_vec();
    assert_eq!(
        send(Some(teams_webhook::sign(&key, &malformed)), malformed).await,
        400,
        "malformed JSON"
    );
    let huge = vec![b' '; 300 * 1024];
    assert_eq!(
        send(Some(teams_webhook::sign(&key, &huge)), huge).await,
        413,
        "oversized body"
    );
}

#[tokio::test]
async fn jwt_validation_accepts_only_good_tokens() {
    let h = Harness::start().await;
    let activity = h.activity("activity-message-personal");
    let mut n = 0;
    let mut fresh = |mut a: Value| {
        n += 1;
        a["id"] = json!(format!("jwt-case-{n}"));
        a
    };

    let good = sign("key-1", KEY1, &h.claims());
    assert_eq!(h.post(Some(&good), &fresh(activity.clone())).await, 200);

    assert_eq!(h.post(None, &fresh(activity.clone())).await, 401, "missing");

    let mut expired = h.claims();
    let now = chrono::Utc::now().timestamp();
    expired["exp"] = json!(now - 600);
    expired["nbf"] = json!(now - 4000);
    let t = sign("key-1", KEY1, &expired);
    assert_eq!(
        h.post(Some(&t), &fresh(activity.clone())).await,
        401,
        "expired"
    );

    let mut skewed = h.claims();
    skewed["exp"] = json!(now - 120);
    let t = sign("key-1", KEY1, &skewed);
    assert_eq!(
        h.post(Some(&t), &fresh(activity.clone())).await,
        200,
        "within 5 min skew"
    );

    let mut aud = h.claims();
    aud["aud"] = json!("someone-else");
    let t = sign("key-1", KEY1, &aud);
    assert_eq!(
        h.post(Some(&t), &fresh(activity.clone())).await,
        403,
        "audience"
    );

    let mut iss = h.claims();
    iss["iss"] = json!("https://evil.example");
    let t = sign("key-1", KEY1, &iss);
    assert_eq!(
        h.post(Some(&t), &fresh(activity.clone())).await,
        403,
        "issuer"
    );

    let mut other_url = h.claims();
    other_url["serviceUrl"] = json!("https://smba.trafficmanager.net/amer/");
    let t = sign("key-1", KEY1, &other_url);
    assert_eq!(
        h.post(Some(&t), &fresh(activity.clone())).await,
        403,
        "serviceUrl mismatch"
    );

    // Tamper with the signed claims but keep the signature.
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut claims = h.claims();
    claims["aud"] = json!(APP_ID);
    claims["exp"] = json!(now + 7200);
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
    let tampered = parts.join(".");
    assert_eq!(
        h.post(Some(&tampered), &fresh(activity.clone())).await,
        401,
        "tampered"
    );

    // Algorithm confusion: HS256 "signed" with the public modulus.
    let mut hs = Header::new(jsonwebtoken::Algorithm::HS256);
    hs.kid = Some("key-1".into());
    let t = jsonwebtoken::encode(
        &hs,
        &h.claims(),
        &EncodingKey::from_secret(KEY1_N.as_bytes()),
    )
    .expect("sign");
    assert_eq!(
        h.post(Some(&t), &fresh(activity.clone())).await,
        401,
        "HS256"
    );

    // Signed by a key the JWKS does not (yet) have, under a known kid.
    let t = sign("key-1", KEY2, &h.claims());
    assert_eq!(
        h.post(Some(&t), &fresh(activity.clone())).await,
        401,
        "wrong key"
    );

    // Unknown kid: refused while the JWKS lacks it, accepted once rotated.
    let rotated = sign("key-2", KEY2, &h.claims());
    assert_eq!(h.post(Some(&rotated), &fresh(activity.clone())).await, 401);
    let fetches = h.peer.metadata_fetches.load(Ordering::SeqCst);
    h.peer.jwks.lock().unwrap().push(jwk("key-2", KEY2_N));
    assert_eq!(h.post(Some(&rotated), &fresh(activity.clone())).await, 200);
    assert_eq!(
        h.peer.metadata_fetches.load(Ordering::SeqCst),
        fetches + 1,
        "the unknown kid caused exactly one refresh"
    );
    // Known keys are served from the cache.
    assert_eq!(h.post(Some(&good), &fresh(activity.clone())).await, 200);
    assert_eq!(h.peer.metadata_fetches.load(Ordering::SeqCst), fetches + 1);

    // Only the accepted activities were answered.
    let posted = h.peer.wait_for(4).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(h.peer.posted().len(), 4, "{posted:?}");
}

#[tokio::test]
async fn fixtures_are_answered_through_the_bot_connector_once() {
    let h = Harness::start().await;
    let token = sign("key-1", KEY1, &h.claims());

    // A personal message: answered in its locale, as a reply, with the
    // token from the token endpoint.
    let personal = h.activity("activity-message-personal");
    assert_eq!(h.post(Some(&token), &personal).await, 200);
    let posted = h.peer.wait_for(1).await;
    assert_eq!(posted.len(), 1);
    let p = &posted[0];
    assert_eq!(p.conversation, personal["conversation"]["id"]);
    assert_eq!(p.reply_to, "1571691217375");
    assert_eq!(p.authorization, "Bearer connector-token-1");
    assert_eq!(p.body["type"], "message");
    assert_eq!(p.body["replyToId"], "1571691217375");
    assert_eq!(p.body["locale"], "en-US");
    assert_eq!(p.body["from"]["id"], personal["recipient"]["id"]);
    assert_eq!(p.body["recipient"]["id"], personal["from"]["id"]);
    assert_eq!(p.body["conversation"]["id"], personal["conversation"]["id"]);
    assert!(!p.body["text"].as_str().unwrap_or_default().is_empty());

    // Teams re-sends it: acknowledged, not handled again.
    assert_eq!(h.post(Some(&token), &personal).await, 200);

    // A channel message mentioning the bot (conversation id with ';').
    let mention = h.activity("activity-message-channel-mention");
    assert_eq!(h.post(Some(&token), &mention).await, 200);
    let posted = h.peer.wait_for(2).await;
    assert_eq!(posted.len(), 2, "{posted:?}");
    assert_eq!(posted[1].conversation, mention["conversation"]["id"]);
    assert_eq!(posted[1].reply_to, "1571537152320");
    assert_eq!(
        h.peer.token_calls.load(Ordering::SeqCst),
        1,
        "token is cached"
    );
    assert_eq!(posted[1].authorization, "Bearer connector-token-1");

    // Nothing to answer: a foreign card submit, a task module fetch and
    // member updates that do not add the bot.
    for name in [
        "activity-message-card-submit-value",
        "activity-invoke-task-fetch",
        "activity-conversation-update-groupchat",
        "activity-conversation-update-team-member-added",
    ] {
        assert_eq!(h.post(Some(&token), &h.activity(name)).await, 200, "{name}");
    }

    // The bot itself added to a group chat: greeted once.
    let mut added = h.activity("activity-conversation-update-groupchat");
    added["membersAdded"] = json!([{"id": added["recipient"]["id"]}]);
    added["id"] = json!("f:bot-added");
    assert_eq!(h.post(Some(&token), &added).await, 200);
    added["id"] = json!("f:another-update");
    assert_eq!(h.post(Some(&token), &added).await, 200);

    // Our own card's Cancel button.
    let mut submit = h.activity("activity-message-card-submit-value");
    submit["id"] = json!("f:our-card");
    submit["value"] = json!({"action": "dismiss", "token": "TOKEN123"});
    assert_eq!(h.post(Some(&token), &submit).await, 200);

    let posted = h.peer.wait_for(4).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let posted_now = h.peer.posted();
    assert_eq!(posted_now.len(), 4, "{posted:#?}");
    let greeting = posted_now
        .iter()
        .find(|p| p.reply_to == "f:bot-added")
        .expect("greeting");
    assert!(
        !posted_now.iter().any(|p| p.reply_to == "f:another-update"),
        "greeted twice"
    );
    assert!(!greeting.body["text"]
        .as_str()
        .unwrap_or_default()
        .is_empty());
    assert!(posted_now.iter().any(|p| p.reply_to == "f:our-card"));
    assert!(
        posted_now
            .iter()
            .filter(|p| p.reply_to == "1571691217375")
            .count()
            == 1
    );
}

#[test]
fn fixtures_map_to_inbound_with_signed_identity_only() {
    use supportbot::model::{Command, Evidence, Message, Platform};
    use supportbot::transport::teams::activity::{bot_inbound, Activity, Intake};
    let parse =
        |name: &str| -> Activity { serde_json::from_value(fixture(name)).expect("activity") };
    let now = chrono::Utc::now();

    let Intake::Handle(mention) = bot_inbound(&parse("activity-message-channel-mention"), now)
    else {
        panic!("channel mention is answered");
    };
    assert_eq!(
        mention.message,
        Message::Text("1".into()),
        "bot mention stripped"
    );
    assert_eq!(mention.event_id, "1571537152320");
    assert_eq!(mention.locales, vec!["en-US".to_owned()]);
    assert_eq!(mention.identity.platform, Platform::Teams);
    assert_eq!(
        mention.identity.user_id,
        "6b703ce3-6d14-4fe6-b90c-dc5f03657ae4"
    );
    assert_eq!(
        mention.identity.scope.as_deref(),
        Some("72f988bf-86f1-41af-91ab-2d7cd011db47")
    );
    assert_eq!(
        mention.identity.evidence,
        Evidence::Teams {
            aad_object_id: Some("6b703ce3-6d14-4fe6-b90c-dc5f03657ae4".into())
        }
    );

    let Intake::Handle(personal) = bot_inbound(&parse("activity-message-personal"), now) else {
        panic!("personal message is answered");
    };
    assert_eq!(personal.message, Message::Text("file".into()));
    assert!(personal.conversation.starts_with("a:1VF4K2uX"));

    for name in [
        "activity-message-card-submit-value",
        "activity-invoke-task-fetch",
        "activity-conversation-update-groupchat",
        "activity-conversation-update-team-member-added",
    ] {
        assert!(
            matches!(bot_inbound(&parse(name), now), Intake::Ignore(_)),
            "{name}"
        );
    }

    let mut submit = fixture("activity-message-card-submit-value");
    submit["value"] = json!({"action": "confirm", "token": "TOK", "account": "ACME"});
    let submit: Activity = serde_json::from_value(submit).expect("activity");
    let Intake::Handle(confirm) = bot_inbound(&submit, now) else {
        panic!("our card submit is a command");
    };
    assert_eq!(
        confirm.message,
        Message::Command(Command::Confirm {
            token: "TOK".into(),
            typed: Some("ACME".into())
        })
    );
}
