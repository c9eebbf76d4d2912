//! Two real `supportbot serve` processes on one PostgreSQL database (issue
//! 13): the same signed Discord interaction delivered to both at once acts
//! once and both answer with the stored outcome; the same confirmation
//! clicked on both confirms once and is refused once; a conversation begun
//! on one instance continues on the other (session memory in the database).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ed25519_dalek::Signer;
use serde_json::{json, Value};
use supportbot::lifecycle::{AuditKind, Store, SubState};
use supportbot::model::{AccountId, SubscriptionId};
use supportbot::store::PostgresStore;

use crate::common::discord::{now, signing_key};
use crate::common::postgres::database;
use crate::common::supportbot;

const GUILD: &str = "290926798626357999";
const NO_API: &str = "http://127.0.0.1:9/api/v10";

/// A `serve` process, killed on drop.
struct Instance {
    child: Child,
    addr: SocketAddr,
    _data: tempfile::TempDir,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn env(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SUPPORTBOT_DATABASE_URL", url.to_owned()),
        (
            "SUPPORTBOT_DISCORD_PUBLIC_KEY",
            hex::encode(signing_key().verifying_key().to_bytes()),
        ),
        ("SUPPORTBOT_DISCORD_APPLICATION_ID", "42".to_owned()),
        ("SUPPORTBOT_DISCORD_API_BASE", NO_API.to_owned()),
        ("SUPPORTBOT_HTTP_ADDR", "127.0.0.1:0".to_owned()),
        (
            "SUPPORTBOT_TEAMS_WEBHOOK_SECRET",
            crate::teams::DOC_WEBHOOK_SECRET.to_owned(),
        ),
    ]
}

/// Starts `serve` on the database; returns once it listens with the
/// lifecycle on PostgreSQL.
fn serve(url: &str) -> Instance {
    let data = tempfile::tempdir().expect("data dir");
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
        .envs(env(url))
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
    let lifecycle = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.trim_start().starts_with("lifecycle:"))
        .unwrap_or_default();
    // Keep reading: a closed pipe would make the server's next line fail.
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
    assert!(
        lifecycle.contains("lifecycle: on (database postgresql://"),
        "{lifecycle}"
    );
    assert!(
        !lifecycle.contains(url),
        "the URL is not printed: {lifecycle}"
    );
    Instance {
        child,
        addr,
        _data: data,
    }
}

fn admin(url: &str, args: &[&str]) {
    let out = supportbot()
        .env("SUPPORTBOT_DATABASE_URL", url)
        .arg("admin")
        .args(args)
        .output()
        .expect("admin runs");
    assert!(
        out.status.success(),
        "admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn member() -> Value {
    json!({
        "user": { "id": "53908232506183680", "username": "Mason" },
        "roles": [],
        "permissions": "8"
    })
}

fn cancel_command(id: &str) -> Value {
    json!({
        "id": id, "application_id": "42", "type": 2, "token": "t", "version": 1,
        "guild_id": GUILD, "channel_id": "645027906669510667", "locale": "en-US",
        "member": member(),
        "data": { "id": "771825006014889984", "type": 1, "name": "cancel",
                  "options": [{ "name": "subscription", "type": 3, "value": "SUB-1" }] }
    })
}

fn click(id: &str, custom_id: &str) -> Value {
    json!({
        "id": id, "application_id": "42", "type": 3, "token": "t", "version": 1,
        "guild_id": GUILD, "channel_id": "645027906669510667", "locale": "en-US",
        "member": member(),
        "data": { "custom_id": custom_id, "component_type": 2 }
    })
}

async fn post(client: &reqwest::Client, to: SocketAddr, body: &[u8]) -> (u16, Value) {
    let ts = now().to_string();
    let mut message = ts.clone().into_bytes();
    message.extend_from_slice(body);
    let response = client
        .post(format!("http://{to}/discord/interactions"))
        .header("content-type", "application/json")
        .header(
            "x-signature-ed25519",
            hex::encode(signing_key().sign(&message).to_bytes()),
        )
        .header("x-signature-timestamp", ts)
        .body(body.to_vec())
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Every `custom_id` in a message response.
fn custom_ids(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for row in body["data"]["components"].as_array().into_iter().flatten() {
        for c in row["components"].as_array().into_iter().flatten() {
            if let Some(id) = c["custom_id"].as_str() {
                out.push(id.to_owned());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_interaction_on_two_instances_acts_once_and_a_confirmation_is_used_once() {
    let Some(url) = database("two_instances::one_interaction_on_two_instances") else {
        return;
    };
    admin(
        &url,
        &[
            "account",
            "create",
            "acme",
            "--name",
            "Acme AS",
            "--country",
            "NO",
            "--discord-guild",
            GUILD,
        ],
    );
    admin(
        &url,
        &[
            "subscription",
            "add",
            "acme",
            "SUB-1",
            "--product",
            "Microsoft 365 E3",
            "--seats",
            "5",
            "--price-minor",
            "10000",
            "--currency",
            "NOK",
            "--started",
            "2024-04-01",
        ],
    );
    let (a, b) = (serve(&url), serve(&url));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");

    // The same delivery reaches both instances at once.
    let body = cancel_command("1175928719452839946").to_string();
    let ((sa, ra), (sb, rb)) = tokio::join!(
        post(&client, a.addr, body.as_bytes()),
        post(&client, b.addr, body.as_bytes())
    );
    assert_eq!((sa, sb), (200, 200), "{ra} {rb}");
    assert_eq!(ra, rb, "both instances answer with the stored proposal");
    let confirm = custom_ids(&ra)
        .into_iter()
        .find(|id| id.starts_with("confirm:"))
        .unwrap_or_else(|| panic!("no confirm button in {ra}"));

    let store = PostgresStore::open(&url).expect("open");
    assert_eq!(store.confirmations().expect("confirmations").len(), 1);
    let account = AccountId::parse("acme").expect("id");
    let proposed = |kind| {
        store
            .audit(Some(&account))
            .expect("audit")
            .iter()
            .filter(|r| r.kind == kind)
            .count()
    };
    assert_eq!(proposed(AuditKind::Proposed), 1, "one proposal recorded");

    // The user clicks Confirm twice; each click reaches another instance.
    let (ca, cb) = (
        click("1175928719452839950", &confirm).to_string(),
        click("1175928719452839951", &confirm).to_string(),
    );
    let ((sa, ra), (sb, rb)) = tokio::join!(
        post(&client, a.addr, ca.as_bytes()),
        post(&client, b.addr, cb.as_bytes())
    );
    assert_eq!((sa, sb), (200, 200), "{ra} {rb}");
    assert_ne!(ra, rb, "one confirms, the other is refused");
    assert_eq!(proposed(AuditKind::Confirmed), 1, "{ra} {rb}");
    assert_eq!(proposed(AuditKind::ConfirmRejected), 1, "{ra} {rb}");
    let sub = store
        .subscription(&account, SubscriptionId::from_number(1))
        .expect("read")
        .expect("SUB-1");
    assert_ne!(sub.state, SubState::Active, "the cancel was applied");
}

/// What instance `to`'s Teams outgoing webhook answers the channel fixture
/// saying `text` (as activity `id`).
async fn webhook(client: &reqwest::Client, to: SocketAddr, id: &str, text: &str) -> String {
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD
        .decode(crate::teams::DOC_WEBHOOK_SECRET)
        .expect("base64");
    let path = format!(
        "{}/tests/fixtures/teams/activity-message-channel-mention.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut activity: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    activity["id"] = json!(id);
    activity["text"] = json!(format!("<at>My Combined</at> {text}"));
    activity["locale"] = json!("en-US");
    let body = activity.to_string();
    let response = client
        .post(format!("http://{to}/teams/webhook"))
        .header(
            "authorization",
            supportbot::transport::teams::webhook::sign(&key, body.as_bytes()),
        )
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 200, "{text}");
    let reply: Value = response.json().await.expect("json");
    reply["text"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_choice_offered_by_one_instance_is_picked_on_the_other() {
    let Some(url) = database("two_instances::a_choice_offered_by_one_instance") else {
        return;
    };
    let (a, b) = (serve(&url), serve(&url));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    // Before any offer, "1" is just a message nobody understands.
    let unoffered = webhook(&client, b.addr, "f:0", "1").await;
    let offer = webhook(&client, a.addr, "f:1", "cancel and refund me").await;
    assert!(
        offer.contains("Which should I answer first?") && offer.contains("1. "),
        "numbered choices: {offer}"
    );
    let picked = webhook(&client, b.addr, "f:2", "1").await;
    assert_ne!(picked, unoffered, "the other instance took up the offer");
    assert_ne!(picked, offer);
    // The offer is used up, on either instance.
    let again = webhook(&client, a.addr, "f:3", "1").await;
    assert_eq!(again, unoffered, "{again}");
}
