//! Microsoft Teams transport over real HTTP on 127.0.0.1: the outgoing
//! webhook's HMAC, the bot's JWT validation against a local OpenID
//! metadata + JWKS, and replies to a loopback Bot Connector peer (which
//! also creates personal chats and takes file uploads), driven by the
//! recorded Teams activities in `tests/fixtures/teams/`.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post, put};
use axum::Router;
use base64::Engine as _;
use jsonwebtoken::{EncodingKey, Header};
use secrecy::{SecretSlice, SecretString};
use serde_json::{json, Value};
use supportbot::auth::AuthConfig;
use supportbot::config::{TeamsBotSettings, TeamsSettings};
use supportbot::transport::http::App;
use supportbot::transport::metrics::Metrics;
use supportbot::transport::teams::webhook as teams_webhook;
use supportbot::transport::teams::{routes, TeamsState};
use supportbot::Bot;

use super::teams_peer::{
    create_conversation, keys, metadata, post_message, reply, serve, token, upload, Peer, Posted,
};
use crate::common::seeded::{SeededBot, TestAccount};

pub(crate) const APP_ID: &str = "3d4f7c1e-0000-4000-8000-00000000b0b0";
pub(crate) const ISSUER: &str = "https://api.botframework.com";
pub(crate) const KEY1: &str = include_str!("../fixtures/teams-test-keys/key1.pem");
const KEY1_N: &str = include_str!("../fixtures/teams-test-keys/key1.n");
pub(crate) const KEY2: &str = include_str!("../fixtures/teams-test-keys/key2.pem");
const KEY2_N: &str = include_str!("../fixtures/teams-test-keys/key2.n");
/// The tenant of every recorded fixture.
const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
/// The sender of the channel fixtures, configured as the tenant's admin.
const CHANNEL_ADMIN: &str = "6b703ce3-6d14-4fe6-b90c-dc5f03657ae4";
/// The sender of the personal-chat fixture, configured as admin too.
const PERSONAL_ADMIN: &str = "6d415fdd-f97e-4f70-ac45-e69601e4ecb2";
/// The outgoing-webhook security token from the Microsoft Teams docs.
pub(crate) const DOC_WEBHOOK_SECRET: &str = "vqF0En+Z0ucuRTM/01o2GuhMH3hKKk/N2bOmlM31zaA=";

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

pub(crate) struct Harness {
    pub(crate) peer: Arc<Peer>,
    pub(crate) app: String,
    pub(crate) http: reqwest::Client,
}

impl Harness {
    pub(crate) async fn start() -> Harness {
        Harness::start_with(Duration::ZERO).await
    }

    /// A harness whose validator refetches keys at most once per
    /// `min_refresh`.
    pub(crate) async fn start_with(min_refresh: Duration) -> Harness {
        let peer = Harness::start_peer().await;
        let settings = Harness::settings(&peer);
        let bot = bot_with_actions().await;
        Harness::finish(peer, &settings, bot, min_refresh).await
    }

    /// The loopback Teams side, running.
    async fn start_peer() -> Arc<Peer> {
        let peer = Arc::new(Peer::default());
        *peer.jwks.lock().unwrap() = vec![jwk("key-1", KEY1_N)];
        let peer_router = Router::new()
            .route("/openid", get(metadata))
            .route("/keys", get(keys))
            .route("/token", post(token))
            .route("/v3/conversations", post(create_conversation))
            .route(
                "/v3/conversations/{conversation}/activities",
                post(post_message),
            )
            .route(
                "/v3/conversations/{conversation}/activities/{reply_to}",
                post(reply),
            )
            .route("/upload/{name}", put(upload))
            .with_state(peer.clone());
        *peer.addr.lock().unwrap() = Some(serve(peer_router).await);
        peer
    }

    /// Bot and webhook settings pointing at `peer`.
    fn settings(peer: &Peer) -> TeamsSettings {
        TeamsSettings {
            bot: Some(TeamsBotSettings {
                app_id: APP_ID.into(),
                app_password: SecretString::from("app-password"),
                openid_metadata: format!("{}/openid", peer.url()),
                issuer: ISSUER.into(),
                token_url: format!("{}/token", peer.url()),
                scope: "https://api.botframework.com/.default".into(),
                agents: None,
                agent_ids: Vec::new(),
            }),
            webhook_key: Some(SecretSlice::from(
                base64::engine::general_purpose::STANDARD
                    .decode(DOC_WEBHOOK_SECRET)
                    .expect("doc key is base64"),
            )),
        }
    }

    /// Serves `bot` with `settings`, replying to `peer`.
    async fn finish(
        peer: Arc<Peer>,
        settings: &TeamsSettings,
        bot: Bot,
        min_refresh: Duration,
    ) -> Harness {
        let bot = Arc::new(bot);
        let state = TeamsState::with_key_refresh(bot, settings, min_refresh).expect("state");
        assert_eq!(state.endpoints().len(), 2);
        let app = App::new(Metrics::new()).with(routes(state)).router();
        let app = format!("http://{}", serve(app).await);
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
    pub(crate) fn activity(&self, name: &str) -> Value {
        let mut a = fixture(name);
        a["serviceUrl"] = json!(self.service_url());
        a
    }

    pub(crate) fn claims(&self) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({"iss": ISSUER, "aud": APP_ID, "exp": now + 3600, "nbf": now - 10,
               "serviceUrl": self.service_url()})
    }

    pub(crate) async fn post(&self, token: Option<&str>, body: &Value) -> reqwest::StatusCode {
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

/// A bot running lifecycle commands for the account `acme`, bound to the
/// fixtures' tenant, whose admins are the fixtures' two senders.
async fn bot_with_actions() -> Bot {
    SeededBot::new()
        .auth(AuthConfig {
            teams_admins: vec![
                (TENANT.into(), CHANNEL_ADMIN.into()),
                (TENANT.into(), PERSONAL_ADMIN.into()),
            ],
            ..AuthConfig::default()
        })
        .token_key([9; 32])
        .account(
            TestAccount::new("acme")
                .billed("US", "en-US", "USD")
                .in_tenant(TENANT),
        )
        .build()
        .await
}

pub(crate) fn sign(kid: &str, pem: &str, claims: &Value) -> String {
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

/// What the signed outgoing webhook answers to the channel fixture (sent by
/// a configured tenant admin) saying `text`.
async fn webhook_says(h: &Harness, id: &str, text: &str) -> String {
    let key = base64::engine::general_purpose::STANDARD
        .decode(DOC_WEBHOOK_SECRET)
        .expect("base64");
    let body = channel_message(h, id, text, "en-US").to_string();
    let response = h
        .http
        .post(format!("{}/teams/webhook", h.app))
        .header("authorization", teams_webhook::sign(&key, body.as_bytes()))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 200, "{text}");
    let reply: Value = response.json().await.expect("json");
    reply["text"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn webhook_never_shows_account_data_or_runs_commands_even_for_a_bound_tenant_admin() {
    let h = Harness::start().await;
    let commands = [
        "status",
        "status acme",
        "export",
        "cancel SUB-1",
        "refund SUB-1",
        "reactivate acme/SUB-1",
        "close account acme",
        "confirm c1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ];
    for (n, text) in commands.into_iter().enumerate() {
        let said = webhook_says(&h, &format!("hook-{n}"), text).await;
        for private in ["Microsoft 365", "SUB-1", "acme", "Acme", "c1:", "seats"] {
            if text.contains(private) {
                continue;
            }
            assert!(
                !said.contains(private),
                "{text:?} showed {private:?}: {said}"
            );
        }
        assert!(
            said.contains("can't verify who you are"),
            "a clear notice that actions need the Teams bot: {text:?} got {said}"
        );
    }
    // Nothing reached the Bot Connector either: the webhook answers inline.
    assert!(h.peer.posted().is_empty());
    // Questions are still answered there.
    let help = webhook_says(&h, "hook-q", "how do I cancel my subscription").await;
    assert!(!help.is_empty() && !help.contains("can't verify"), "{help}");
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

    // One claim changed at a time, signed properly: what each must yield.
    let cases = [
        ("exp", json!(now - 120), 200, "within 5 min skew"),
        ("aud", json!("someone-else"), 403, "audience"),
        ("iss", json!("https://evil.example"), 403, "issuer"),
        (
            "serviceUrl",
            json!("https://smba.trafficmanager.net/amer/"),
            403,
            "serviceUrl mismatch",
        ),
    ];
    for (claim, value, status, why) in cases {
        let mut claims = h.claims();
        claims[claim] = value;
        let t = sign("key-1", KEY1, &claims);
        assert_eq!(
            h.post(Some(&t), &fresh(activity.clone())).await,
            status,
            "{why}"
        );
    }

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

    // Its answer is private: it goes to a personal chat, and the channel
    // gets a pointer (the last thing sent).
    let posted = h.peer.wait_for(5).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let posted_now = h.peer.posted();
    assert_eq!(posted_now.len(), 5, "{posted:#?}");
    assert!(
        posted_now.iter().any(|p| p.conversation == "a:personal-1"),
        "{posted_now:#?}"
    );
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

/// The channel fixture with `text` (after the bot mention), as a fresh
/// activity `id` in `locale`.
/// Posts a signed channel message; returns it and its conversation id.
async fn post_in_channel(h: &Harness, id: &str, text: &str, locale: &str) -> (Value, String) {
    let token = sign("key-1", KEY1, &h.claims());
    let incoming = channel_message(h, id, text, locale);
    assert_eq!(h.post(Some(&token), &incoming).await, 200);
    let channel = incoming["conversation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    (incoming, channel)
}

fn channel_message(h: &Harness, id: &str, text: &str, locale: &str) -> Value {
    let mut a = h.activity("activity-message-channel-mention");
    a["id"] = json!(id);
    a["text"] = json!(format!("<at>My Combined</at> {text}"));
    a["locale"] = json!(locale);
    a
}

/// The personal-chat fixture with `text`, as a fresh activity `id`.
fn personal_message(h: &Harness, id: &str, text: &str) -> Value {
    let mut a = h.activity("activity-message-personal");
    a["id"] = json!(id);
    a["text"] = json!(text);
    a
}

/// The confirmation token on a posted proposal's card.
fn card_token(p: &Posted) -> String {
    p.body["attachments"][0]["content"]["actions"][0]["data"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// What Teams sends when the user in `conversation` answers our consent
/// card with `context`: the channel sender, now in their personal chat.
fn consent_invoke(
    h: &Harness,
    id: &str,
    conversation: &str,
    context: &Value,
    accept: bool,
) -> Value {
    let channel = h.activity("activity-message-channel-mention");
    let mut value = json!({"type": "fileUpload", "context": context});
    if accept {
        value["action"] = json!("accept");
        value["uploadInfo"] = json!({
            "contentUrl": "https://contoso.sharepoint.com/personal/dave/Documents/Applications/acme-export.json",
            "name": "acme-export.json",
            "uploadUrl": format!("{}/upload/{id}", h.peer.url()),
            "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C8C",
            "fileType": "json",
            "etag": "123"
        });
    } else {
        value["action"] = json!("decline");
    }
    json!({
        "type": "invoke",
        "name": "fileConsent/invoke",
        "id": id,
        "channelId": "msteams",
        "serviceUrl": h.service_url(),
        "from": channel["from"],
        "recipient": channel["recipient"],
        "conversation": {"conversationType": "personal", "tenantId": TENANT, "id": conversation},
        "channelData": {"tenant": {"id": TENANT}},
        "locale": "en-US",
        "value": value
    })
}

#[tokio::test]
async fn private_replies_in_a_channel_go_to_a_personal_chat() {
    let h = Harness::start().await;
    let (incoming, channel) = post_in_channel(&h, "p:cancel", "cancel SUB-1", "en-US").await;

    // The pointer in the channel is sent last, once the proposal is out.
    let pointer = h
        .peer
        .until("the pointer in the channel", |p| {
            p.iter().find(|p| p.conversation == channel).cloned()
        })
        .await;
    assert_eq!(
        pointer.text(),
        "I've sent you the details in a private chat."
    );
    assert_eq!(pointer.reply_to, "p:cancel");
    assert_eq!(pointer.body["replyToId"], "p:cancel");
    assert!(pointer.body.get("attachments").is_none());

    // The personal chat was created for the sender, in their tenant.
    let created = h.peer.created();
    assert_eq!(created.len(), 1, "{created:#?}");
    let body = &created[0].body;
    assert_eq!(body["members"], json!([{"id": incoming["from"]["id"]}]));
    assert_eq!(body["members"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["bot"]["id"], incoming["recipient"]["id"]);
    assert_eq!(body["tenantId"], TENANT);
    assert_eq!(body["channelData"]["tenant"]["id"], TENANT);
    assert_eq!(body["isGroup"], false);
    assert_eq!(created[0].authorization, "Bearer connector-token-1");

    // The proposal, with its card and token, is there and nowhere else.
    let posted = h.peer.posted();
    let private: Vec<&Posted> = posted
        .iter()
        .filter(|p| p.conversation == "a:personal-1")
        .collect();
    assert_eq!(private.len(), 1, "{posted:#?}");
    let proposal = private[0];
    assert_eq!(proposal.reply_to, "", "not a reply: new conversation");
    assert!(proposal.body.get("replyToId").is_none());
    assert_eq!(proposal.body["conversation"]["id"], "a:personal-1");
    assert_eq!(proposal.body["conversation"]["tenantId"], TENANT);
    assert_eq!(proposal.body["recipient"]["id"], incoming["from"]["id"]);
    assert!(
        proposal.text().contains("Microsoft 365"),
        "{}",
        proposal.text()
    );
    let confirm = card_token(proposal);
    assert!(!confirm.is_empty(), "{:#}", proposal.body);
    assert!(proposal.text().contains(&confirm));
    for p in posted.iter().filter(|p| p.conversation == channel) {
        assert!(
            !p.body.to_string().contains(&confirm),
            "token leaked into the channel: {:#}",
            p.body
        );
    }
    assert_eq!(posted.len(), 2, "{posted:#?}");
}

#[tokio::test]
async fn unreachable_personal_chat_gets_a_public_notice_never_the_private_text() {
    let h = Harness::start().await;
    h.peer.refuse_create.store(true, Ordering::SeqCst);
    let (_, channel) = post_in_channel(&h, "p:refused", "cancel SUB-1", "nb-NO").await;

    let notice = h
        .peer
        .until("the unreachable notice", |p| {
            p.iter().find(|p| p.conversation == channel).cloned()
        })
        .await;
    // Localized: the activity's locale is Norwegian.
    assert!(
        notice
            .text()
            .starts_with("Jeg fikk ikke kontakt med deg i en privat chat"),
        "{}",
        notice.text()
    );
    assert!(notice.text().contains("personlig chat"));
    assert_eq!(notice.reply_to, "p:refused");
    assert!(notice.body.get("attachments").is_none());
    assert_eq!(h.peer.created().len(), 1, "creating was tried");
    let posted = h.peer.posted();
    assert_eq!(posted.len(), 1, "only the notice: {posted:#?}");
    for word in ["SUB-1", "Microsoft 365", "bekreft", "confirm"] {
        assert!(!notice.text().contains(word), "{word}: {}", notice.text());
    }
}

#[tokio::test]
async fn private_replies_in_a_personal_chat_are_posted_directly() {
    let h = Harness::start().await;
    let token = sign("key-1", KEY1, &h.claims());
    let incoming = personal_message(&h, "p:direct", "cancel SUB-1");
    assert_eq!(h.post(Some(&token), &incoming).await, 200);
    let proposal = h.peer.until("the proposal", |p| p.first().cloned()).await;
    assert_eq!(proposal.conversation, incoming["conversation"]["id"]);
    assert_eq!(proposal.reply_to, "p:direct");
    assert!(!card_token(&proposal).is_empty(), "{:#}", proposal.body);
    assert!(h.peer.created().is_empty(), "no chat created for a 1:1");
}

#[tokio::test]
async fn exports_are_offered_privately_and_uploaded_on_consent() {
    let h = Harness::start().await;
    let (_, channel) = post_in_channel(&h, "p:export", "export", "en-US").await;
    let token = sign("key-1", KEY1, &h.claims());
    h.peer
        .until("the pointer", |p| {
            p.iter().find(|p| p.conversation == channel).cloned()
        })
        .await;

    // In the personal chat: the text, then the consent card; the channel
    // only has the pointer.
    let posted = h.peer.posted();
    assert_eq!(posted.len(), 3, "{posted:#?}");
    let private: Vec<&Posted> = posted
        .iter()
        .filter(|p| p.conversation == "a:personal-1")
        .collect();
    assert_eq!(private.len(), 2, "{posted:#?}");
    assert!(private[0].text().contains("Acme"), "{}", private[0].text());
    let offer = private[1];
    assert_eq!(
        offer.card_type(),
        "application/vnd.microsoft.teams.card.file.consent"
    );
    let card = &offer.body["attachments"][0];
    assert_eq!(card["name"], "acme-export.json");
    assert_eq!(card["content"]["description"], "Account export");
    let size = card["content"]["sizeInBytes"].as_u64().expect("size");
    assert!(size > 0);
    let context = card["content"]["acceptContext"].clone();
    assert_eq!(card["content"]["declineContext"], context);
    let channel_posts = posted.iter().filter(|p| p.conversation == channel);
    for p in channel_posts {
        assert!(p.body.get("attachments").is_none(), "{:#}", p.body);
    }

    // Someone else answering the card (here: the personal-chat fixture's
    // user) gets nothing.
    let mut stranger = consent_invoke(&h, "p:stranger", "a:personal-1", &context, true);
    let personal = h.activity("activity-message-personal");
    stranger["from"] = personal["from"].clone();
    assert_eq!(h.post(Some(&token), &stranger).await, 200);
    let refused = h
        .peer
        .until("the stranger's notice", |p| p.get(3).cloned())
        .await;
    assert!(
        refused.text().starts_with("I couldn't deliver that file"),
        "{}",
        refused.text()
    );
    assert!(h.peer.uploads().is_empty());

    // An unsigned accept is refused before anything happens.
    let accept = consent_invoke(&h, "p:accept", "a:personal-1", &context, true);
    assert_eq!(h.post(None, &accept).await, 401);

    // The owner accepts: the JSON is PUT to the upload URL (no bearer
    // token: the URL is pre-authorised) and the file card follows.
    assert_eq!(h.post(Some(&token), &accept).await, 200);
    let info = h
        .peer
        .until("the file info card", |p| {
            p.iter()
                .find(|p| p.card_type() == "application/vnd.microsoft.teams.card.file.info")
                .cloned()
        })
        .await;
    let uploads = h.peer.uploads();
    assert_eq!(uploads.len(), 1, "{uploads:#?}");
    let up = &uploads[0];
    assert_eq!(up.name, "p:accept");
    assert_eq!(up.authorization, None);
    assert_eq!(up.body.len() as u64, size);
    assert_eq!(up.content_range, format!("bytes 0-{}/{size}", size - 1));
    let export: Value = serde_json::from_slice(&up.body).expect("the export is JSON");
    assert!(export.to_string().contains("SUB-1"), "{export:#}");
    assert_eq!(info.conversation, "a:personal-1");
    let file = &info.body["attachments"][0];
    assert_eq!(file["name"], "acme-export.json");
    assert_eq!(
        file["contentUrl"],
        "https://contoso.sharepoint.com/personal/dave/Documents/Applications/acme-export.json"
    );
    assert_eq!(
        file["content"]["uniqueId"],
        "1150D938-8870-4044-9F2C-5BBDEBA70C8C"
    );
    assert_eq!(file["content"]["fileType"], "json");

    // The same card cannot be used twice.
    let again = consent_invoke(&h, "p:again", "a:personal-1", &context, true);
    assert_eq!(h.post(Some(&token), &again).await, 200);
    h.peer
        .until("the second notice", |p| {
            (p.iter()
                .filter(|p| p.text().starts_with("I couldn't deliver"))
                .count()
                == 2)
                .then_some(())
        })
        .await;
    assert_eq!(h.peer.uploads().len(), 1);
}

#[tokio::test]
async fn a_declined_export_is_never_uploaded() {
    let h = Harness::start().await;
    let token = sign("key-1", KEY1, &h.claims());
    let incoming = personal_message(&h, "p:export-1to1", "export");
    let conversation = incoming["conversation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(h.post(Some(&token), &incoming).await, 200);
    let offer = h
        .peer
        .until("the consent card", |p| {
            p.iter()
                .find(|p| p.card_type() == "application/vnd.microsoft.teams.card.file.consent")
                .cloned()
        })
        .await;
    assert_eq!(
        offer.conversation, conversation,
        "a 1:1 export stays in the 1:1"
    );
    assert!(h.peer.created().is_empty());
    let context = offer.body["attachments"][0]["content"]["declineContext"].clone();

    let mut decline = consent_invoke(&h, "p:decline", &conversation, &context, false);
    let personal = h.activity("activity-message-personal");
    decline["from"] = personal["from"].clone();
    // A decline is handled before the invoke is acknowledged.
    assert_eq!(h.post(Some(&token), &decline).await, 200);

    // Accepting the declined card afterwards finds nothing to upload.
    let mut late = consent_invoke(&h, "p:late-accept", &conversation, &context, true);
    late["from"] = personal["from"].clone();
    assert_eq!(h.post(Some(&token), &late).await, 200);
    let notice = h
        .peer
        .until("the not-sent notice", |p| {
            p.iter()
                .find(|p| p.text().starts_with("I couldn't deliver that file"))
                .cloned()
        })
        .await;
    assert_eq!(notice.conversation, conversation);
    assert!(h.peer.uploads().is_empty(), "{:#?}", h.peer.uploads());
}

/// The agents' conversation of the handoff tests.
const AGENTS: &str = "19:agents@thread.tacv2";

/// A harness whose bot hands conversations to people: Teams tickets go to
/// [`AGENTS`] on the peer, and the channel fixtures' sender is an agent.
async fn handoff_harness() -> (Harness, supportbot::handoff::HandoffService) {
    use supportbot::auth::{AgentRoster, UserKey};
    use supportbot::handoff::{HandoffPolicy, HandoffService};
    use supportbot::model::Platform;
    use supportbot::transport::teams::desk::TeamsDesk;
    let peer = Harness::start_peer().await;
    let mut settings = Harness::settings(&peer);
    if let Some(bot) = settings.bot.as_mut() {
        bot.agents = Some(supportbot::config::TeamsAgentsChannel {
            conversation_id: AGENTS.into(),
            service_url: format!("{}/", peer.url()),
        });
        bot.agent_ids = vec![CHANNEL_ADMIN.into()];
    }
    let desk = TeamsDesk::new(settings.bot.as_ref().expect("bot"))
        .expect("client")
        .expect("agents' conversation configured");
    let service = HandoffService::new(
        Arc::new(supportbot::store::MemoryStore::new()),
        Arc::new(supportbot::lifecycle::SystemClock),
        HandoffPolicy::default(),
    )
    .with_desk(Arc::new(desk))
    .with_agents(AgentRoster {
        discord_roles: Vec::new(),
        agents: vec![UserKey {
            platform: Platform::Teams,
            user_id: CHANNEL_ADMIN.into(),
        }],
    })
    .with_retry_pauses(&[]);
    let knowledge =
        supportbot::Knowledge::load(&supportbot::knowledge::KnowledgeSource::embedded())
            .expect("knowledge");
    let bot = Bot::new(knowledge).with_handoff(service.clone());
    (
        Harness::finish(peer, &settings, bot, Duration::ZERO).await,
        service,
    )
}

/// A card submit from the channel fixture's sender (an agent).
fn agent_submit(h: &Harness, id: &str, action: &str, ticket: u64) -> Value {
    let mut a = h.activity("activity-message-card-submit-value");
    a["id"] = json!(id);
    a["value"] = json!({ "action": action, "ticket": ticket });
    a
}

#[tokio::test]
async fn a_teams_ticket_reaches_the_agents_card_and_agents_claim_from_it() {
    let (h, service) = handoff_harness().await;
    let token = sign("key-1", KEY1, &h.claims());
    let asked = personal_message(&h, "handoff-1", "I want to talk to a human");
    let user_chat = asked["conversation"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(h.post(Some(&token), &asked).await, 200);
    // Teams re-sends an activity it had no answer to in time.
    assert_eq!(h.post(Some(&token), &asked).await, 200);

    // The user's conversation gets the notice; the agents' the card.
    let notice = h
        .peer
        .until("the user's notice", |p| {
            p.iter().find(|p| p.conversation == user_chat).cloned()
        })
        .await;
    assert!(notice.text().contains("H-1"), "{:?}", notice.body);
    let card = h
        .peer
        .until("the agents' card", |p| {
            p.iter().find(|p| p.conversation == AGENTS).cloned()
        })
        .await;
    assert_eq!(card.card_type(), "application/vnd.microsoft.card.adaptive");
    assert!(
        card.authorization.starts_with("Bearer connector-token-"),
        "{card:?}"
    );
    let content = &card.body["attachments"][0]["content"];
    let actions = content["actions"].as_array().cloned().unwrap_or_default();
    assert_eq!(actions[0]["type"], "Action.Submit");
    assert_eq!(
        actions[0]["data"],
        json!({ "action": "handoff-claim", "ticket": 1 })
    );
    assert_eq!(
        actions[1]["data"],
        json!({ "action": "handoff-resolve", "ticket": 1 })
    );
    assert_eq!(
        actions[2]["url"],
        format!("https://teams.microsoft.com/l/chat/0/0?users={PERSONAL_ADMIN}")
    );
    assert!(
        content.to_string().contains("I want to talk to a human"),
        "{content}"
    );

    // The user (not an agent) cannot resolve their own ticket from a card.
    let mut forged = personal_message(&h, "handoff-2", "");
    forged["value"] = json!({ "action": "handoff-resolve", "ticket": 1 });
    assert_eq!(h.post(Some(&token), &forged).await, 200);
    h.peer
        .until("the refusal", |p| {
            p.iter()
                .find(|p| p.conversation == user_chat && p.text().contains("cannot do that"))
                .cloned()
        })
        .await;

    // The agent claims from the card; the agents' conversation hears it.
    let claim = agent_submit(&h, "handoff-3", "handoff-claim", 1);
    assert_eq!(h.post(Some(&token), &claim).await, 200);
    h.peer
        .until("the claim notice", |p| {
            p.iter()
                .find(|p| {
                    p.conversation == AGENTS
                        && p.text()
                            .contains(&format!("claimed (by teams:{CHANNEL_ADMIN})"))
                })
                .cloned()
        })
        .await;
    h.peer
        .until("the agent's answer", |p| {
            p.iter()
                .find(|p| p.text().contains("You have claimed ticket **H-1**"))
                .cloned()
        })
        .await;
    let resolve = agent_submit(&h, "handoff-4", "handoff-resolve", 1);
    assert_eq!(h.post(Some(&token), &resolve).await, 200);
    h.peer
        .until("the resolution", |p| {
            p.iter()
                .find(|p| p.conversation == AGENTS && p.text().contains("resolved"))
                .cloned()
        })
        .await;

    let tickets = service.list().await.expect("tickets");
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    assert_eq!(tickets[0].state, supportbot::handoff::TicketState::Resolved);
    let cards = h
        .peer
        .posted()
        .iter()
        .filter(|p| p.conversation == AGENTS && !p.card_type().is_empty())
        .count();
    assert_eq!(cards, 1, "one card for one ticket");
}
