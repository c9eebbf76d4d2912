//! The Discord HTTP interactions endpoint, driven over real HTTP with real
//! Ed25519 signatures on 127.0.0.1.

use std::time::Duration;

use crate::common::discord::{now, signing_key, spawn_discord, FakeDiscord};
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

const NO_API: &str = "http://127.0.0.1:9/api/v10";

fn command(name: &str, options: Value, locale: &str) -> Value {
    json!({
        "id": "1175928719452839946",
        "application_id": "42",
        "type": 2,
        "token": "interaction-token",
        "version": 1,
        "guild_id": "290926798626357999",
        "channel_id": "645027906669510667",
        "locale": locale,
        "guild_locale": "en-US",
        "member": {
            "user": { "id": "53908232506183680", "username": "Mason" },
            "roles": ["539082325061836999"],
            "permissions": "2147483647"
        },
        "data": { "id": "771825006014889984", "type": 1, "name": name, "options": options }
    })
}

fn component(custom_id: &str) -> Value {
    json!({
        "id": "1175928719452839947",
        "application_id": "42",
        "type": 3,
        "token": "interaction-token",
        "channel_id": "645027906669510667",
        "user": { "id": "53908232506183680" },
        "locale": "en-US",
        "data": { "custom_id": custom_id, "component_type": 2 }
    })
}

#[tokio::test]
async fn ping_is_answered_with_pong_as_json() {
    let server = spawn_discord(NO_API, |_| {}).await;
    let fixture = std::fs::read(crate::common::shared(
        "fixtures/discord/interaction-ping.djs-tests.json",
    ))
    .expect("fixture");
    for body in [fixture, br#"{"id":"1","type":1}"#.to_vec()] {
        let response = server.post_signed(&body).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().expect("ascii"),
            "application/json"
        );
        assert_eq!(
            response.json::<Value>().await.expect("json"),
            json!({"type": 1})
        );
    }
}

#[tokio::test]
async fn bad_missing_and_stale_signatures_are_refused_with_401() {
    let server = spawn_discord(NO_API, |_| {}).await;
    let body = br#"{"id":"1","type":1}"#;
    let missing = server
        .client
        .post(server.url("/discord/interactions"))
        .body(body.to_vec())
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), 401);
    let other_key = SigningKey::from_bytes(&[7; 32]);
    let wrong = server.post_signed_with(body, &other_key, now()).await;
    assert_eq!(wrong.status(), 401);
    let stale = server
        .post_signed_with(body, &signing_key(), now() - 3600)
        .await;
    assert_eq!(stale.status(), 401);
    let future = server
        .post_signed_with(body, &signing_key(), now() + 3600)
        .await;
    assert_eq!(future.status(), 401);
    // A valid signature over a different body.
    let ts = now().to_string();
    let mut message = ts.clone().into_bytes();
    message.extend_from_slice(body);
    let sig = hex::encode(ed25519_dalek::Signer::sign(&signing_key(), &message).to_bytes());
    for (signature, sent) in [
        (sig.as_str(), br#"{"id":"2","type":1}"#.as_slice()),
        ("not hex", body.as_slice()),
        ("abcd", body.as_slice()),
    ] {
        let response = server
            .client
            .post(server.url("/discord/interactions"))
            .header("x-signature-ed25519", signature)
            .header("x-signature-timestamp", &ts)
            .body(sent.to_vec())
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 401, "{signature}");
    }
    let metrics = server.metrics().await;
    assert!(metrics.contains(r#"supportbot_discord_signature_failures_total{reason="missing"} 1"#));
    assert!(metrics.contains(r#"supportbot_discord_signature_failures_total{reason="stale"} 2"#));
    assert!(
        metrics
            .contains(r#"supportbot_discord_signature_failures_total{reason="bad_signature"} 4"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn oversized_malformed_and_unknown_bodies_are_refused() {
    let server = spawn_discord(NO_API, |_| {}).await;
    let huge = format!(
        r#"{{"id":"1","type":1,"pad":"{}"}}"#,
        "x".repeat(200 * 1024)
    );
    assert_eq!(server.post_signed(huge.as_bytes()).await.status(), 413);

    let malformed = server.post_signed(b"{\"id\": \"1\", \"type\": ").await;
    assert_eq!(malformed.status(), 400);
    assert!(malformed.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("application/json"));
    let error = malformed.json::<Value>().await.expect("json");
    assert!(
        error["error"]
            .as_str()
            .expect("message")
            .contains("malformed"),
        "{error}"
    );

    let (status, body) = server.interact(&json!({"id": "1", "type": 99})).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().expect("message").contains("99"));

    let (status, _) = server
        .interact(&json!({"id": "1", "type": 2, "user": {"id": "5"}}))
        .await;
    assert_eq!(status, 400, "a command without data");
}

#[tokio::test]
async fn every_command_gets_a_channel_message() {
    let server = spawn_discord(NO_API, |_| {}).await;
    let sub = json!([{ "name": "subscription", "type": 3, "value": "SUB-1" }]);
    let account = json!([{ "name": "account", "type": 3, "value": "ACME" }]);
    let none = json!([]);
    let cases = [
        ("help", none.clone(), false),
        (
            "help",
            json!([{ "name": "topic", "type": 3, "value": "refund" }]),
            false,
        ),
        ("why", none.clone(), true),
        (
            "subscription",
            json!([{ "name": "status", "type": 1, "options": account.clone() }]),
            true,
        ),
        ("cancel", sub.clone(), true),
        ("refund", sub.clone(), true),
        ("reactivate", sub.clone(), true),
        ("close-account", account.clone(), true),
        ("export", none.clone(), true),
        // A stale registration and a missing option: transport notices.
        ("no-such-command", none.clone(), true),
        ("cancel", none.clone(), true),
    ];
    for (name, options, ephemeral) in cases {
        let (status, body) = server.interact(&command(name, options, "en-US")).await;
        assert_eq!(status, 200, "{name}: {body}");
        assert_eq!(body["type"], 4, "{name}: {body}");
        let data = &body["data"];
        let content = data["content"].as_str().unwrap_or_default();
        assert!(
            !content.is_empty() || data["embeds"].is_array(),
            "{name}: {body}"
        );
        assert!(content.chars().count() <= 2000);
        assert_eq!(
            data["flags"].as_u64() == Some(64),
            ephemeral,
            "{name}: {body}"
        );
    }
}

#[tokio::test]
async fn help_follows_the_discord_locale() {
    let server = spawn_discord(NO_API, |_| {}).await;
    let (_, norwegian) = server.interact(&command("help", json!([]), "no")).await;
    let text = norwegian["data"]["content"].as_str().expect("content");
    assert!(text.contains("Si opp et abonnement"), "{text}");
    let (_, english) = server.interact(&command("help", json!([]), "en-GB")).await;
    let text = english["data"]["content"].as_str().expect("content");
    assert!(text.contains("Cancel a subscription"), "{text}");
}

#[tokio::test]
async fn buttons_and_the_account_modal() {
    let server = spawn_discord(NO_API, |_| {}).await;
    let fixture = std::fs::read(crate::common::shared(
        "fixtures/discord/interaction-button-minimal.djs-tests.json",
    ))
    .expect("fixture");
    let response = server.post_signed(&fixture).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["type"], 4);
    assert_eq!(body["data"]["flags"], 64);

    for id in ["confirm:tok123", "dismiss:tok123"] {
        let (status, body) = server.interact(&component(id)).await;
        assert_eq!(status, 200);
        assert_eq!(body["type"], 4, "{id}: {body}");
        assert_eq!(body["data"]["flags"], 64, "{id}: {body}");
    }

    let (status, modal) = server.interact(&component("confirm-typed:tok123")).await;
    assert_eq!(status, 200);
    assert_eq!(modal["type"], 9);
    assert_eq!(modal["data"]["custom_id"], "confirm-typed:tok123");
    let input = &modal["data"]["components"][0]["components"][0];
    assert_eq!(input["type"], 4);
    assert_eq!(input["custom_id"], "account");
    assert!(
        modal["data"]["title"]
            .as_str()
            .expect("title")
            .chars()
            .count()
            <= 45
    );

    // Interface texts come from the answer catalog in the user's language.
    let mut norwegian = component("confirm-typed:tok123");
    norwegian["locale"] = json!("no");
    let (_, modal) = server.interact(&norwegian).await;
    assert_eq!(
        modal["data"]["title"], "Bekreft lukking av konto",
        "{modal}"
    );
    norwegian["data"]["custom_id"] = json!("no-such-button:x");
    let (_, notice) = server.interact(&norwegian).await;
    assert_eq!(
        notice["data"]["content"], "Denne knappen er ikke lenger aktiv.",
        "{notice}"
    );

    let submit = json!({
        "id": "1175928719452839948",
        "application_id": "42",
        "type": 5,
        "token": "interaction-token",
        "user": { "id": "53908232506183680" },
        "data": { "custom_id": "confirm-typed:tok123", "components": [
            { "type": 1, "components": [{ "type": 4, "custom_id": "account", "value": "ACME" }] }
        ]}
    });
    let (status, body) = server.interact(&submit).await;
    assert_eq!(status, 200);
    assert_eq!(body["type"], 4, "{body}");

    let (status, body) = server
        .interact(&json!({"id": "1", "type": 4, "user": {"id": "5"}, "data": {"name": "help"}}))
        .await;
    assert_eq!((status, body["type"].as_u64()), (200, Some(8)));
}

#[tokio::test]
async fn a_slow_bot_is_deferred_and_answered_once_by_follow_up() {
    let discord = FakeDiscord::start().await;
    let server = spawn_discord(&discord.base, |e| {
        e.responder.defer_after = Duration::from_millis(50);
        e.responder.handle_delay = Duration::from_millis(300);
    })
    .await;
    let (status, body) = server
        .interact(&command(
            "cancel",
            json!([{ "name": "subscription", "type": 3, "value": "SUB-1" }]),
            "en-US",
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "type": 5, "data": { "flags": 64 } }));
    let received = discord.wait_for(1).await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0].method, "POST");
    assert_eq!(received[0].path, "/api/v10/webhooks/42/interaction-token");
    assert_eq!(received[0].body["flags"], 64);
    assert!(received[0].body["content"]
        .as_str()
        .is_some_and(|c| !c.is_empty()));

    let (status, body) = server.interact(&component("dismiss:tok")).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "type": 6 }));
    let received = discord.wait_for(2).await;
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].path, "/api/v10/webhooks/42/interaction-token");
    // Nothing more arrives: one answer per interaction.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(discord.received.lock().expect("lock").len(), 2);
    // Without a bot token serenity still sends an (empty) `Bot` scheme; the
    // webhook route is authorised by the interaction token in its path.
    assert_eq!(received[0].authorization.as_deref(), Some("Bot"));
    // serenity understood the created messages Discord returned.
    let metrics = server.metrics().await;
    assert!(
        metrics.contains(r#"supportbot_discord_followups_total{outcome="sent"} 2"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn health_and_metrics_are_served() {
    let server = spawn_discord(NO_API, |_| {}).await;
    let health = server
        .client
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    server.interact(&command("help", json!([]), "no")).await;
    server.interact(&json!({"id": "1", "type": 1})).await;
    let metrics = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("metrics");
    assert_eq!(metrics.status(), 200);
    assert!(metrics.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("text/plain"));
    let text = metrics.text().await.expect("text");
    for expected in [
        r#"supportbot_http_requests_total{route="/discord/interactions",status="200"} 2"#,
        r#"supportbot_http_requests_total{route="/healthz",status="200"} 1"#,
        r#"supportbot_discord_interactions_total{kind="ping",response="pong"} 1"#,
        r#"supportbot_discord_interactions_total{kind="command",response="message"} 1"#,
        r#"supportbot_intents_total{intent="none",locale="nb-NO",platform="discord"} 1"#,
        r#"supportbot_http_request_duration_seconds_count{route="/discord/interactions"} 2"#,
    ] {
        assert!(text.contains(expected), "missing {expected}\n{text}");
    }
}

/// A bot that hands over after one miss and tells agents through a desk
/// posting to `discord`.
fn handoff_bot(discord: &FakeDiscord) -> (supportbot::Bot, supportbot::handoff::HandoffService) {
    use std::sync::Arc;
    use supportbot::handoff::{HandoffPolicy, HandoffService};
    use supportbot::transport::discord::api::DiscordApi;
    use supportbot::transport::discord::desk::DiscordDesk;
    let api = DiscordApi::new(
        &supportbot::config::ApiBase::parse(&discord.base).expect("base"),
        Some(secrecy::SecretString::from("desk-token")),
    );
    let policy = HandoffPolicy {
        misses: 1,
        ..HandoffPolicy::default()
    };
    let service = HandoffService::new(
        Arc::new(supportbot::store::MemoryStore::new()),
        Arc::new(supportbot::lifecycle::SystemClock),
        policy,
    )
    .with_desk(Arc::new(DiscordDesk::new(
        api,
        1_575_396_591_760_687_300,
        Some(777),
    )))
    .with_retry_pauses(&[]);
    let knowledge =
        supportbot::Knowledge::load(&supportbot::knowledge::KnowledgeSource::embedded())
            .expect("embedded knowledge");
    (
        supportbot::Bot::new(knowledge).with_handoff(service.clone()),
        service,
    )
}

#[tokio::test]
async fn a_redelivered_interaction_opens_one_ticket_and_one_thread() {
    let discord = FakeDiscord::start().await;
    let (bot, service) = handoff_bot(&discord);
    let server = crate::common::discord::spawn_discord_with(bot, NO_API, |_| {}).await;
    // An offered choice's button answered with something the bot does not
    // understand: with one miss allowed, that hands over.
    let click = component("choice:zzqx vvbn");
    let (status, first) = server.interact(&click).await;
    assert_eq!(status, 200, "{first}");
    assert!(
        first["data"]["content"]
            .as_str()
            .is_some_and(|c| c.contains("H-1")),
        "{first}"
    );
    let (status, again) = server.interact(&click).await;
    assert_eq!(status, 200, "{again}");
    assert!(
        again["data"]["content"]
            .as_str()
            .is_some_and(|c| c.contains("H-1")),
        "the re-delivery is told the same ticket: {again}"
    );
    let received = discord.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = {
        let all = discord.received.lock().expect("lock").clone();
        assert!(all.len() >= received.len());
        all
    };
    let threads: Vec<_> = received
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/api/v10/channels/1575396591760687300/threads")
        .collect();
    assert_eq!(threads.len(), 1, "{received:#?}");
    assert_eq!(threads[0].authorization.as_deref(), Some("Bot desk-token"));
    // A DM: the user is not added to a guild thread; the summary says so.
    assert!(!received.iter().any(|r| r.method == "PUT"), "{received:#?}");
    let summary = received
        .iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/messages"))
        .expect("the summary");
    let text = summary.body["content"].as_str().unwrap_or_default();
    assert!(text.contains("direct message"), "{text}");
    assert!(text.contains("zzqx vvbn"), "{text}");
    assert_eq!(summary.body["allowed_mentions"]["roles"], json!(["777"]));
    assert_eq!(service.list().await.expect("tickets").len(), 1);
}

#[tokio::test]
async fn a_failing_desk_never_costs_the_user_the_answer() {
    // Nothing listens on port 9: every delivery fails, the user is still
    // told a person will take over, and the ticket is stored.
    let dead = FakeDiscord {
        base: NO_API.into(),
        received: Default::default(),
    };
    let (bot, service) = handoff_bot(&dead);
    let server = crate::common::discord::spawn_discord_with(bot, NO_API, |_| {}).await;
    let (status, body) = server.interact(&component("choice:qqxv")).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["data"]["content"]
            .as_str()
            .is_some_and(|c| c.contains("H-1")),
        "{body}"
    );
    assert_eq!(service.list().await.expect("tickets").len(), 1);
}

/// A button click `custom_id` as interaction `id` (a DM).
fn click(id: &str, custom_id: &str) -> Value {
    let mut c = component(custom_id);
    c["id"] = json!(id);
    c
}

fn button_ids(body: &Value) -> Vec<String> {
    body["data"]["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["custom_id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn answers_ask_did_this_help_and_a_no_offers_a_person() {
    let discord = FakeDiscord::start().await;
    let (bot, service) = handoff_bot(&discord);
    let server = crate::common::discord::spawn_discord_with(bot, NO_API, |_| {}).await;
    // A question (as the text of an offered choice) gets the answer with
    // "Did this help?".
    let (_, answer) = server
        .interact(&click(
            "1175928719452839950",
            "choice:how do I cancel my subscription",
        ))
        .await;
    assert_eq!(
        button_ids(&answer),
        ["feedback:yes:cancel", "feedback:no:cancel"],
        "{answer}"
    );
    let (_, thanks) = server
        .interact(&click("1175928719452839951", "feedback:yes:cancel"))
        .await;
    assert!(
        thanks["data"]["content"]
            .as_str()
            .is_some_and(|c| c.contains("glad it helped")),
        "{thanks}"
    );
    // A no is stored and answered with the offer of a person.
    let (_, sorry) = server
        .interact(&click("1175928719452839952", "feedback:no:cancel"))
        .await;
    assert_eq!(button_ids(&sorry), ["feedback:ask:cancel"], "{sorry}");
    assert_eq!(sorry["data"]["flags"], 64, "{sorry}");
    let mut stored = service.feedback_list().await.expect("feedback");
    stored.sort_by_key(|f| f.helped);
    let seen: Vec<(&str, &str, bool)> = stored
        .iter()
        .map(|f| (f.answer.as_str(), f.locale.as_str(), f.helped))
        .collect();
    assert_eq!(
        seen,
        [("cancel", "en-US", false), ("cancel", "en-US", true)]
    );
    // Taking the offer opens a ticket for the feedback, and agents hear of it.
    let (_, opened) = server
        .interact(&click("1175928719452839953", "feedback:ask:cancel"))
        .await;
    assert!(
        opened["data"]["content"]
            .as_str()
            .is_some_and(|c| c.contains("H-1")),
        "{opened}"
    );
    let tickets = service.list().await.expect("tickets");
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].reason, supportbot::handoff::Reason::Feedback);
    let received = discord.wait_for(2).await;
    assert!(
        received.iter().any(|r| r.path.ends_with("/threads")
            && r.body["name"]
                .as_str()
                .is_some_and(|n| n.contains("did not help"))),
        "{received:#?}"
    );
    // A re-delivered click stores nothing new.
    server
        .interact(&click("1175928719452839952", "feedback:no:cancel"))
        .await;
    assert_eq!(service.feedback_list().await.expect("feedback").len(), 2);
}
