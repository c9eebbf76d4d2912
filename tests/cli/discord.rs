//! `supportbot serve` and `supportbot discord register` as processes.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::common::discord::{signing_key, FakeDiscord};

static SERVES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn serve_command() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("supportbot"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SUPPORTBOT_") {
            cmd.env_remove(key);
        }
    }
    // Each serve gets its own data directory: the database must not land in
    // the checkout, and two serves cannot share one sled directory.
    let data = std::env::temp_dir().join(format!(
        "supportbot-serve-{}-{}",
        std::process::id(),
        SERVES.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    cmd.arg("--data-dir")
        .arg(data)
        .arg("serve")
        .env("SUPPORTBOT_HTTP_ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    cmd
}

/// Starts `serve`, reads its banner, GETs /healthz, stops it with SIGTERM.
async fn serve_banner(cmd: Command) -> Vec<String> {
    let mut cmd = cmd;
    let mut child = cmd.spawn().expect("serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let (lines, reader) = tokio::task::spawn_blocking(move || {
        let mut reader = BufReader::new(stdout);
        let mut lines = Vec::new();
        // The address, then one line per part; the gateway's comes last.
        while lines.len() < 20 {
            let mut line = String::new();
            if reader.read_line(&mut line).expect("read") == 0 {
                break;
            }
            let last = line.contains("discord-gateway:");
            lines.push(line.trim_end().to_owned());
            if last {
                break;
            }
        }
        (lines, reader)
    })
    .await
    .expect("join");
    let addr = lines[0]
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {lines:?}"))
        .to_owned();
    let health = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || child.wait().expect("wait"))
        .await
        .expect("join");
    assert!(exit.success(), "serve exits cleanly on SIGTERM: {exit:?}");
    let mut rest = String::new();
    let mut reader = reader;
    std::io::Read::read_to_string(&mut reader, &mut rest).expect("rest");
    assert!(rest.contains("stopped"), "{rest}");
    lines
}

#[tokio::test]
async fn serve_says_which_transports_run_and_stops_on_sigterm() {
    let lines = serve_banner(serve_command()).await;
    assert!(lines[0].starts_with("supportbot serve: listening on http://127.0.0.1:"));
    assert!(
        lines.iter().any(|l| l.contains("discord-http: off")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("lifecycle: on")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("handoff-discord: off")),
        "{lines:?}"
    );

    let mut cmd = serve_command();
    cmd.env(
        "SUPPORTBOT_DISCORD_PUBLIC_KEY",
        hex::encode(signing_key().verifying_key().as_bytes()),
    )
    .env("SUPPORTBOT_DISCORD_TOKEN", "sekrit-token")
    // The gateway finds nobody there, logs it, and the endpoint keeps serving.
    .env("SUPPORTBOT_DISCORD_API_BASE", "http://127.0.0.1:9/api/v10");
    let lines = serve_banner(cmd).await;
    assert!(
        lines
            .iter()
            .any(|l| l.contains("discord-http: on (POST /discord/interactions)")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("discord-gateway: on")),
        "{lines:?}"
    );
    assert!(lines.iter().all(|l| !l.contains("sekrit")));
}

#[tokio::test]
async fn register_puts_localized_commands_for_a_guild() {
    let discord = FakeDiscord::start().await;
    let base = discord.base.clone();
    let output = tokio::task::spawn_blocking(move || {
        crate::common::supportbot()
            .args(["discord", "register", "--guild", "99"])
            .env("SUPPORTBOT_DISCORD_TOKEN", "sekrit-token")
            .env("SUPPORTBOT_DISCORD_APPLICATION_ID", "42")
            .env("SUPPORTBOT_DISCORD_API_BASE", base)
            .output()
            .expect("runs")
    })
    .await
    .expect("join");
    let stdout = crate::common::stdout_of(&output);
    assert!(
        output.status.success(),
        "{}",
        crate::common::stderr_of(&output)
    );
    assert!(
        stdout.contains("registered 9 commands for guild 99"),
        "{stdout}"
    );
    let received = discord.wait_for(1).await;
    assert_eq!(received[0].method, "PUT");
    assert_eq!(
        received[0].path,
        "/api/v10/applications/42/guilds/99/commands"
    );
    assert_eq!(
        received[0].authorization.as_deref(),
        Some("Bot sekrit-token")
    );
    let commands = received[0].body.as_array().expect("array");
    let cancel = commands
        .iter()
        .find(|c| c["name"] == "cancel")
        .expect("cancel");
    assert_eq!(cancel["default_member_permissions"], "32");
    assert_eq!(cancel["name_localizations"]["no"], "si-opp");
    assert_eq!(
        cancel["name_localizations"]["de"], "kündigen",
        "intents/commands/de-DE.toml reaches Discord's `de`"
    );
    assert_eq!(
        cancel["options"][0]["name_localizations"]["no"],
        "abonnement"
    );
    assert_eq!(
        cancel["description_localizations"]["en-US"],
        "Cancel a subscription"
    );
}

#[test]
fn register_without_a_token_names_the_variable() {
    let output = crate::common::supportbot()
        .args(["discord", "register"])
        .env("SUPPORTBOT_DISCORD_APPLICATION_ID", "42")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(crate::common::stderr_of(&output).contains("SUPPORTBOT_DISCORD_TOKEN"));
    let printed = crate::common::supportbot()
        .args(["discord", "register", "--print"])
        .output()
        .expect("runs");
    assert!(printed.status.success());
    let json: serde_json::Value =
        serde_json::from_slice(&printed.stdout).expect("definitions are JSON");
    assert_eq!(json.as_array().map(Vec::len), Some(9));
    let handoff = json
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "handoff"))
        .expect("/handoff");
    // Visible to everyone: the support role is the bot's check, not a
    // Discord permission.
    assert!(
        handoff.get("default_member_permissions").is_none(),
        "{handoff}"
    );
    let subs: Vec<&str> = handoff["options"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["name"].as_str())
        .collect();
    assert_eq!(subs, ["claim", "resolve", "release"]);
    let ticket = &handoff["options"][0]["options"][0];
    assert_eq!(
        (ticket["name"].as_str(), ticket["type"].as_u64()),
        (Some("ticket"), Some(4))
    );
    assert_eq!(handoff["name_localizations"]["no"], "overlevering");
    assert_eq!(
        handoff["options"][0]["name_localizations"]["de"],
        "übernehmen"
    );
}

#[test]
fn a_shard_range_outside_the_total_is_refused_naming_the_setting() {
    let output = crate::common::supportbot()
        .args(["serve", "--shards", "4-8", "--total-shards", "8"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = crate::common::stderr_of(&output);
    assert!(
        stderr.contains("--shards") && stderr.contains("outside the 8 shards"),
        "{stderr}"
    );
    let output = crate::common::supportbot()
        .args(["serve"])
        .env("SUPPORTBOT_DISCORD_SHARDS", "0-3")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = crate::common::stderr_of(&output);
    assert!(
        stderr.contains("SUPPORTBOT_DISCORD_SHARDS") && stderr.contains("--total-shards"),
        "{stderr}"
    );
}
