//! The attack suite at the HTTP level (issue 14): the real Discord
//! interactions endpoint in front of a bot with lifecycle actions over
//! seeded accounts, every request signed for real, the way an attacker with
//! a Discord account (but not the application's key) reaches it. What an
//! attack must not change is read back through the account admin's own
//! `/subscription status`, so the assertions see what users would see.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};
use supportbot::lifecycle::{ManualClock, CONFIRM_TTL};

use crate::common::discord::{spawn_discord_with, TestServer};
use crate::common::seeded::{SeededBot, TestAccount};

const NO_API: &str = "http://127.0.0.1:9/api/v10";
/// The guild `acme` is bound to, and its administrator.
const GUILD: &str = "290926798626357999";
const ADMIN: &str = "53908232506183680";
/// A member of that guild without permissions.
const MEMBER: &str = "53908232506183681";
/// Another guild (bound to `globex`) and its administrator.
const OTHER_GUILD: &str = "390926798626357999";
const OTHER_ADMIN: &str = "63908232506183680";
/// Discord's ADMINISTRATOR | MANAGE_GUILD, and nothing.
const ALL: &str = "2147483647";
const NONE: &str = "0";

static IDS: AtomicU64 = AtomicU64::new(1_175_928_719_452_839_000);

/// Who sends an interaction: a guild member with permissions, or a DM user.
#[derive(Clone, Copy)]
enum From {
    Member {
        user: &'static str,
        guild: &'static str,
        permissions: &'static str,
    },
    Dm {
        user: &'static str,
    },
}

const ACME_ADMIN: From = From::Member {
    user: ADMIN,
    guild: GUILD,
    permissions: ALL,
};
const ACME_MEMBER: From = From::Member {
    user: MEMBER,
    guild: GUILD,
    permissions: NONE,
};
const GLOBEX_ADMIN: From = From::Member {
    user: OTHER_ADMIN,
    guild: OTHER_GUILD,
    permissions: ALL,
};

/// An interaction of `kind` with `data`, from `from`, under a fresh id.
fn interaction(kind: u8, from: From, data: Value) -> Value {
    let id = IDS.fetch_add(1, Ordering::SeqCst).to_string();
    let mut i = json!({
        "id": id,
        "application_id": "42",
        "type": kind,
        "token": format!("token-{id}"),
        "version": 1,
        "locale": "en-US",
        "channel_id": "645027906669510667",
        "data": data,
    });
    match from {
        From::Member {
            user,
            guild,
            permissions,
        } => {
            i["guild_id"] = json!(guild);
            i["member"] = json!({
                "user": {"id": user, "username": "someone"},
                "roles": [],
                "permissions": permissions,
            });
        }
        From::Dm { user } => i["user"] = json!({"id": user, "username": "someone"}),
    }
    i
}

fn slash(name: &str, option: &str, value: &str) -> Value {
    json!({"id": "1", "type": 1, "name": name,
           "options": [{"name": option, "type": 3, "value": value}]})
}

fn click(custom_id: &str) -> Value {
    json!({"custom_id": custom_id, "component_type": 2})
}

fn typed_back(custom_id: &str, typed: &str) -> Value {
    json!({"custom_id": custom_id, "components": [
        {"type": 1, "components": [{"type": 4, "custom_id": "account", "value": typed}]}
    ]})
}

/// The endpoint over `acme` (guild GUILD; SUB-1, SUB-2) and `globex`
/// (OTHER_GUILD; SUB-1), on `clock`.
async fn endpoint(clock: Arc<ManualClock>) -> TestServer {
    let bot = SeededBot::new()
        .clock(clock)
        .account(
            TestAccount::new("acme")
                .billed("US", "en-US", "USD")
                .in_guild(GUILD.parse().expect("id"))
                .with_subscriptions(&["SUB-1", "SUB-2"]),
        )
        .account(
            TestAccount::new("globex")
                .billed("US", "en-US", "USD")
                .in_guild(OTHER_GUILD.parse().expect("id")),
        )
        .build()
        .await;
    spawn_discord_with(bot, NO_API, |_| {}).await
}

fn now_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(chrono::Utc::now()))
}

/// Sends one interaction; returns the response's message data.
async fn send(server: &TestServer, kind: u8, from: From, data: Value) -> Value {
    let (status, body) = server.interact(&interaction(kind, from, data)).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn content(body: &Value) -> String {
    body["data"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The custom ids of a reply's buttons.
fn custom_ids(body: &Value) -> Vec<String> {
    body["data"]["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["custom_id"].as_str().map(str::to_owned))
        .collect()
}

/// What acme's admin sees in `/subscription status`.
async fn acme_status(server: &TestServer) -> String {
    let data = json!({"id": "1", "type": 1, "name": "subscription", "options": [
        {"name": "status", "type": 1, "options": [{"name": "account", "type": 3, "value": "acme"}]}
    ]});
    content(&send(server, 2, ACME_ADMIN, data).await)
}

/// acme's admin proposes `/cancel sub`; returns the confirm and dismiss ids.
async fn propose_cancel(server: &TestServer, sub: &str) -> (String, String) {
    let body = send(server, 2, ACME_ADMIN, slash("cancel", "subscription", sub)).await;
    let ids = custom_ids(&body);
    let confirm = ids.iter().find(|i| i.starts_with("confirm:")).cloned();
    let dismiss = ids.iter().find(|i| i.starts_with("dismiss:")).cloned();
    match (confirm, dismiss) {
        (Some(c), Some(d)) => (c, d),
        _ => panic!("a proposal with confirm and dismiss buttons: {body}"),
    }
}

#[tokio::test]
async fn forged_and_altered_custom_ids_act_on_nothing() {
    let server = endpoint(now_clock()).await;
    let before = acme_status(&server).await;
    let (confirm, _) = propose_cancel(&server, "SUB-1").await;
    let token = confirm.trim_start_matches("confirm:");
    // One character of the MAC changed (tokens are read case-insensitively,
    // so the replacement differs in value, not only in case).
    let mut flipped = token.to_owned().into_bytes();
    let at = flipped.len() - 10;
    flipped[at] = if flipped[at].eq_ignore_ascii_case(&b'a') {
        b'b'
    } else {
        b'a'
    };
    let flipped = String::from_utf8(flipped).expect("ascii token");
    let forged = [
        format!("confirm:{flipped}"),
        format!("confirm:{token}x"),
        format!("confirm:{}", &token[..token.len() / 2]),
        "confirm:".to_owned(),
        "confirm:../../acme/SUB-1".to_owned(),
        format!("confirm:{}", "A".repeat(10_000)),
        "confirm:\u{0000}\u{202E}токен".to_owned(),
        format!("dismiss:{flipped}"),
        "cancel:SUB-1".to_owned(),
    ];
    // (`confirm-typed:` with any text only opens the modal, which reveals
    // nothing; its submission is what is checked, below.)
    for id in &forged {
        let body = send(&server, 3, ACME_ADMIN, click(id)).await;
        assert_eq!(body["type"], 4, "{id:.60}: {body}");
        assert_eq!(body["data"]["flags"], 64, "refusals are private: {body}");
        assert!(custom_ids(&body).is_empty(), "no new buttons: {body}");
    }
    assert_eq!(
        acme_status(&server).await,
        before,
        "no forged id changed anything"
    );
    // The genuine token was neither used up nor revoked by the forgeries.
    let done = send(&server, 3, ACME_ADMIN, click(&confirm)).await;
    assert!(content(&done).contains("SUB-1"), "{done}");
    assert_ne!(acme_status(&server).await, before, "the real click acted");
}

#[tokio::test]
async fn members_other_guilds_admins_and_dms_cannot_act_or_learn_what_exists() {
    let server = endpoint(now_clock()).await;
    let before = acme_status(&server).await;
    let refusals = [
        (ACME_MEMBER, slash("cancel", "subscription", "SUB-1")),
        (ACME_MEMBER, slash("refund", "subscription", "SUB-2")),
        (ACME_MEMBER, slash("close-account", "account", "acme")),
        (GLOBEX_ADMIN, slash("cancel", "subscription", "acme/SUB-1")),
        (GLOBEX_ADMIN, slash("close-account", "account", "acme")),
        (
            From::Dm { user: ADMIN },
            slash("cancel", "subscription", "acme/SUB-1"),
        ),
        (From::Dm { user: ADMIN }, slash("export", "account", "acme")),
    ];
    for (from, data) in refusals {
        let body = send(&server, 2, from, data.clone()).await;
        assert!(
            custom_ids(&body).is_empty(),
            "no confirm button: {data} → {body}"
        );
        assert_eq!(body["data"]["flags"], 64, "{body}");
        assert!(
            body["data"]["attachments"]
                .as_array()
                .is_none_or(Vec::is_empty),
            "{body}"
        );
    }
    // An outsider's refusal reads the same for an account that exists and
    // one that does not, and for a subscription that exists and one that
    // does not: nothing can be enumerated.
    let refusal = |from, value: &str| {
        let server = &server;
        let value = value.to_owned();
        async move { content(&send(server, 2, from, slash("cancel", "subscription", &value)).await) }
    };
    for from in [GLOBEX_ADMIN, From::Dm { user: ADMIN }] {
        let existing = refusal(from, "acme/SUB-1").await;
        assert_eq!(existing, refusal(from, "nosuch/SUB-1").await);
        assert_eq!(existing, refusal(from, "acme/SUB-99").await);
        assert!(
            !existing.contains("globex") && !existing.contains("Acme"),
            "{existing}"
        );
    }
    // Someone else's confirm button, clicked by a member, by another
    // guild's admin and from a DM.
    let (confirm, dismiss) = propose_cancel(&server, "SUB-1").await;
    for from in [ACME_MEMBER, GLOBEX_ADMIN, From::Dm { user: MEMBER }] {
        for id in [&confirm, &dismiss] {
            let body = send(&server, 3, from, click(id)).await;
            assert_eq!(body["data"]["flags"], 64, "{body}");
        }
    }
    assert_eq!(acme_status(&server).await, before);
    // The proposer can still confirm: the strangers' clicks used nothing up.
    send(&server, 3, ACME_ADMIN, click(&confirm)).await;
    assert_ne!(acme_status(&server).await, before);
}

#[tokio::test]
async fn expired_reused_replayed_and_dismissed_tokens_act_at_most_once() {
    let clock = now_clock();
    let server = endpoint(clock.clone()).await;
    let before = acme_status(&server).await;

    let (stale, _) = propose_cancel(&server, "SUB-1").await;
    clock.advance(CONFIRM_TTL + chrono::TimeDelta::seconds(1));
    let late = send(&server, 3, ACME_ADMIN, click(&stale)).await;
    assert!(content(&late).to_lowercase().contains("expired"), "{late}");
    assert_eq!(
        acme_status(&server).await,
        before,
        "an expired token acts on nothing"
    );

    let (confirm, _) = propose_cancel(&server, "SUB-1").await;
    let first = interaction(3, ACME_ADMIN, click(&confirm));
    let (_, done) = server.interact(&first).await;
    let after = acme_status(&server).await;
    assert_ne!(after, before, "{done}");
    let (_, replayed) = server.interact(&first).await;
    assert_eq!(
        replayed, done,
        "a re-delivered interaction gets the stored answer"
    );
    let again = send(&server, 3, ACME_ADMIN, click(&confirm)).await;
    assert!(content(&again).contains("already"), "{again}");
    assert_eq!(
        acme_status(&server).await,
        after,
        "a second click acts on nothing"
    );

    let (confirm, dismiss) = propose_cancel(&server, "SUB-2").await;
    send(&server, 3, ACME_ADMIN, click(&dismiss)).await;
    let refused = send(&server, 3, ACME_ADMIN, click(&confirm)).await;
    assert!(custom_ids(&refused).is_empty(), "{refused}");
    assert_eq!(
        acme_status(&server).await,
        after,
        "dismiss-then-confirm acts on nothing"
    );
}

#[tokio::test]
async fn closing_needs_the_account_typed_back_exactly() {
    let server = endpoint(now_clock()).await;
    let before = acme_status(&server).await;
    let body = send(
        &server,
        2,
        ACME_ADMIN,
        slash("close-account", "account", "acme"),
    )
    .await;
    let typed = custom_ids(&body)
        .into_iter()
        .find(|i| i.starts_with("confirm-typed:"))
        .unwrap_or_else(|| panic!("a typed confirmation: {body}"));
    let modal = send(&server, 3, ACME_ADMIN, click(&typed)).await;
    assert_eq!(modal["type"], 9, "{modal}");
    for wrong in ["globex", "acm", "acme2", "", "\u{0000}acme", "ａｃｍｅ"] {
        send(&server, 5, ACME_ADMIN, typed_back(&typed, wrong)).await;
        assert_eq!(acme_status(&server).await, before, "typed back {wrong:?}");
    }
    // Another user submitting the modal with the right id is refused too.
    send(&server, 5, ACME_MEMBER, typed_back(&typed, "acme")).await;
    send(&server, 5, GLOBEX_ADMIN, typed_back(&typed, "acme")).await;
    assert_eq!(acme_status(&server).await, before);
    // A cancel token typed back into a close-account modal closes nothing.
    let (confirm, _) = propose_cancel(&server, "SUB-2").await;
    let cancel_token = confirm.trim_start_matches("confirm:");
    send(
        &server,
        5,
        ACME_ADMIN,
        typed_back(&format!("confirm-typed:{cancel_token}"), "acme"),
    )
    .await;
    assert!(!acme_status(&server).await.to_lowercase().contains("closed"));
    let closed = send(&server, 5, ACME_ADMIN, typed_back(&typed, "acme")).await;
    assert_ne!(acme_status(&server).await, before, "{closed}");
}

#[tokio::test]
async fn invalid_utf8_nul_bytes_and_huge_strings_get_4xx_or_a_short_answer_never_5xx() {
    let server = endpoint(now_clock()).await;
    let cancel = |value: &str| interaction(2, ACME_ADMIN, slash("cancel", "subscription", value));
    let mut invalid_utf8 = cancel("SUB-1").to_string().into_bytes();
    let at = invalid_utf8.len() / 2;
    invalid_utf8.splice(at..at, [0xFF, 0xFE, 0xC0]);
    let mut raw_nul = cancel("SUB-1").to_string().into_bytes();
    raw_nul.insert(raw_nul.len() / 2, 0);
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("invalid UTF-8", invalid_utf8),
        ("a raw NUL byte", raw_nul),
        (
            "NUL escapes",
            cancel("SUB-\u{0000}1\u{0000}").to_string().into_bytes(),
        ),
        (
            "a 1 MB option",
            cancel(&"x".repeat(1 << 20)).to_string().into_bytes(),
        ),
        (
            "a 100 KB option",
            cancel(&"я".repeat(50_000)).to_string().into_bytes(),
        ),
        (
            "deep nesting",
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        ),
        ("a number as id", br#"{"id":1e999,"type":2}"#.to_vec()),
    ];
    for (what, body) in bodies {
        let response = server.post_signed(&body).await;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        assert!(status < 500, "{what}: {status} {text:.200}");
        assert!(
            text.len() < 8_192,
            "{what}: a short answer, got {} bytes",
            text.len()
        );
    }
    let (status, pong) = server.interact(&json!({"id": "1", "type": 1})).await;
    assert_eq!((status, pong), (200, json!({"type": 1})), "still serving");
}

/// Bot Framework tokens missing what the Bot Connector always signs, or
/// not yet valid: each is refused before the activity is read, and nothing
/// is posted back.
#[tokio::test]
async fn teams_tokens_without_kid_exp_iss_aud_or_service_url_or_not_yet_valid_are_refused() {
    use crate::teams::{sign, Harness, KEY1};
    use base64::Engine as _;

    let h = Harness::start().await;
    let activity = h.activity("activity-message-personal");
    let now = chrono::Utc::now().timestamp();
    let mut cases: Vec<(String, &str)> = Vec::new();
    for claim in ["exp", "iss", "aud", "serviceUrl"] {
        let mut claims = h.claims();
        claims.as_object_mut().expect("claims").remove(claim);
        cases.push((sign("key-1", KEY1, &claims), claim));
    }
    let mut early = h.claims();
    early["nbf"] = json!(now + 3600);
    cases.push((sign("key-1", KEY1, &early), "nbf an hour ahead"));
    let no_kid = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &h.claims(),
        &jsonwebtoken::EncodingKey::from_rsa_pem(KEY1.as_bytes()).expect("key"),
    )
    .expect("sign");
    cases.push((no_kid, "no kid"));
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let unsigned = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "kid": "key-1", "typ": "JWT"})),
        b64(&h.claims())
    );
    cases.push((unsigned, "alg none"));
    cases.push(("a.b.c".into(), "garbage"));
    cases.push((
        format!("{}.{}", "e".repeat(5000), "x".repeat(100_000)),
        "huge",
    ));
    for (n, (token, why)) in cases.iter().enumerate() {
        let mut a = activity.clone();
        a["id"] = json!(format!("attack-{n}"));
        let status = h.post(Some(token), &a).await;
        assert!(
            status == 401 || status == 403 || status == 431 || status == 400,
            "{why}: {status}"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(h.peer.posted().is_empty(), "nothing was answered");
}
