//! The gateway bot end to end: the real `supportbot serve` process, its
//! serenity client connected to a loopback Discord (REST and a gateway
//! WebSocket speaking the real protocol, `common::discord_peer`), and
//! assertions on what that Discord received.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::discord_peer::{
    bot_user, button_interaction, command_interaction, message_create, user, DiscordPeer, Invoker,
    PeerGuild, RestCall, APP_ID, BOT_NAME, WAIT,
};
use serde_json::Value;

const TOKEN: &str = "gateway-test-token";
/// How long `serve` may take to start (rule compilation included).
const STARTUP: Duration = Duration::from_secs(90);

/// Bound to the account `acme`; prefers Norwegian.
const NO_GUILD: PeerGuild = PeerGuild {
    id: "1575396591739715626",
    channel: "1575396591760687149",
    locale: "no",
};
/// Not bound; prefers English.
const EN_GUILD: PeerGuild = PeerGuild {
    id: "1575396591739715700",
    channel: "1575396591760687200",
    locale: "en-US",
};

/// MANAGE_GUILD (1 << 5) and USE_APPLICATION_COMMANDS (1 << 31).
const ADMIN: Invoker = Invoker {
    id: "1575396591580332069",
    name: "owner",
    permissions: "2147483680",
};
/// VIEW_CHANNEL, SEND_MESSAGES and USE_APPLICATION_COMMANDS: no
/// ADMINISTRATOR, no MANAGE_GUILD.
const MEMBER: Invoker = Invoker {
    id: "1575396591580332070",
    name: "member",
    permissions: "2147486720",
};

/// GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES; MESSAGE_CONTENT is off.
const INTENTS: u64 = 1 | (1 << 9) | (1 << 12);

/// `supportbot serve` as a child process; killed if the test fails.
struct Serve {
    child: Option<Child>,
    log: PathBuf,
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
            eprintln!("--- supportbot serve log ---\n{}", self.log_text());
        }
    }
}

impl Serve {
    fn start(data: &Path, peer: &DiscordPeer) -> Serve {
        Serve::start_with(data, peer, &[])
    }

    /// [`Serve::start`] with more `SUPPORTBOT_*` settings.
    fn start_with(data: &Path, peer: &DiscordPeer, env: &[(&str, &str)]) -> Serve {
        let log = data.join("serve.log");
        let stderr = std::fs::File::create(&log).expect("log file");
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("supportbot"));
        for (key, _) in std::env::vars() {
            if key.starts_with("SUPPORTBOT_") {
                cmd.env_remove(key);
            }
        }
        let child = cmd
            .arg("--data-dir")
            .arg(data)
            .arg("serve")
            .env("SUPPORTBOT_HTTP_ADDR", "127.0.0.1:0")
            .env("SUPPORTBOT_DISCORD_TOKEN", TOKEN)
            .env("SUPPORTBOT_DISCORD_APPLICATION_ID", APP_ID)
            .env("SUPPORTBOT_DISCORD_API_BASE", &peer.api_base)
            .env(
                "SUPPORTBOT_DISCORD_REGISTER",
                format!("guild:{}", NO_GUILD.id),
            )
            .envs(env.iter().copied())
            .env("SUPPORTBOT_LOG", "info,supportbot=debug")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("serve starts");
        Serve {
            child: Some(child),
            log,
        }
    }

    fn log_text(&self) -> String {
        strip_ansi(&std::fs::read_to_string(&self.log).unwrap_or_default())
    }

    /// Waits until the log has a line containing all of `needles`.
    async fn wait_log(&self, needles: &[&str]) {
        self.wait_log_within(needles, WAIT).await;
    }

    /// Waits until `serve` has loaded its rules and started the gateway:
    /// compiling every language's rules takes seconds, many more on a
    /// loaded machine, so this wait is longer than the others.
    async fn wait_started(&self) {
        self.wait_log_within(&["discord-gateway: on"], STARTUP)
            .await;
    }

    async fn wait_log_within(&self, needles: &[&str], wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if self
                .log_text()
                .lines()
                .any(|l| needles.iter().all(|n| l.contains(n)))
            {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no log line with {needles:?} within {wait:?}:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGTERM, then waits for a clean exit.
    async fn stop(mut self) {
        let mut child = self.child.take().expect("running");
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let deadline = tokio::time::Instant::now() + WAIT;
        let exit = loop {
            if let Some(exit) = child.try_wait().expect("wait") {
                break exit;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "serve did not stop on SIGTERM:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert!(exit.success(), "{exit:?}\n{}", self.log_text());
    }
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `supportbot --data-dir DATA admin ARGS…`, which must succeed.
fn admin(data: &Path, args: &[&str]) -> String {
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
        crate::common::stderr_of(&out)
    );
    crate::common::stdout_of(&out)
}

fn messages_to(channel: &str) -> impl Fn(&RestCall) -> bool + '_ {
    move |c| c.is("POST", &format!("/api/v10/channels/{channel}/messages"))
}

fn callback_path(id: &str, token: &str) -> String {
    format!("/api/v10/interactions/{id}/{token}/callback")
}

/// Sends an interaction and returns the one callback it got.
async fn interact(peer: &DiscordPeer, id: &str, token: &str, interaction: Value) -> Value {
    peer.dispatch("INTERACTION_CREATE", interaction);
    let path = callback_path(id, token);
    let call = peer
        .wait_rest(&format!("the callback of interaction {id}"), |c| {
            c.is("POST", &path)
        })
        .await;
    assert!(
        call.authorization
            .as_deref()
            .is_some_and(|a| a.ends_with(TOKEN)),
        "{call:?}"
    );
    call.body
}

fn content(body: &Value) -> String {
    body["content"].as_str().unwrap_or_default().to_owned()
}

fn custom_ids(data: &Value) -> Vec<String> {
    data["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["custom_id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_bot_answers_chat_and_interactions_through_a_loopback_discord() {
    let data = tempfile::tempdir().expect("temp dir");
    let started = (chrono::Utc::now() - chrono::Days::new(10))
        .date_naive()
        .to_string();
    admin(
        data.path(),
        &[
            "account",
            "create",
            "acme",
            "--name",
            "Acme AS",
            "--country",
            "NO",
            "--discord-guild",
            NO_GUILD.id,
        ],
    );
    admin(
        data.path(),
        &[
            "subscription",
            "add",
            "acme",
            "SUB-1",
            "--product",
            "Microsoft 365 Business Standard",
            "--price-minor",
            "14990",
            "--currency",
            "NOK",
            "--started",
            &started,
        ],
    );

    let peer = DiscordPeer::start(vec![NO_GUILD, EN_GUILD], 1000).await;
    let serve = Serve::start(data.path(), &peer);
    serve.wait_started().await;

    // Config → serenity: the gateway URL comes from our REST, Identify
    // carries the token and the intents without MESSAGE_CONTENT.
    let identify = peer.wait_frame(2).await;
    assert!(
        identify["d"]["token"]
            .as_str()
            .is_some_and(|t| t.ends_with(TOKEN)),
        "{identify}"
    );
    assert_eq!(identify["d"]["intents"], INTENTS, "{identify}");
    assert!(
        peer.rest()
            .iter()
            .any(|c| c.method == "GET" && c.path.starts_with("/api/v10/gateway")),
        "serenity asked our REST for the gateway URL: {:?}",
        peer.rest()
    );
    let connection = &peer.connections()[0];
    assert!(connection.contains("v=10"), "{connection}");

    // Registration at start goes through serenity with the bot token.
    let register = peer
        .wait_rest("command registration", |c| {
            c.is(
                "PUT",
                &format!(
                    "/api/v10/applications/{APP_ID}/guilds/{}/commands",
                    NO_GUILD.id
                ),
            )
        })
        .await;
    assert_eq!(
        register.authorization.as_deref(),
        Some(format!("Bot {TOKEN}").as_str())
    );
    assert_eq!(register.body.as_array().map(Vec::len), Some(9));

    serve
        .wait_log(&["discord gateway: ready", &format!("user={BOT_NAME}")])
        .await;
    serve
        .wait_log(&["guild available", NO_GUILD.id, "locale=no"])
        .await;

    // (a) A Norwegian DM gets the Norwegian cancel answer, as a reply.
    let dm = "1575396591760680001";
    let asker = user("1575396591580339001", "kari", false);
    peer.dispatch(
        "MESSAGE_CREATE",
        message_create(
            "1575400000000000001",
            dm,
            None,
            asker.clone(),
            "hvordan sier jeg opp abonnementet mitt?",
            vec![],
        ),
    );
    let reply = peer.wait_rest("the DM reply", messages_to(dm)).await;
    let text = content(&reply.body);
    assert!(text.contains("For å si opp"), "{text}");
    assert_eq!(
        reply.body["message_reference"]["message_id"],
        "1575400000000000001"
    );
    assert_eq!(
        reply.body["allowed_mentions"]["parse"],
        serde_json::json!([])
    );
    assert!(
        reply.body.get("flags").is_none(),
        "chat cannot be ephemeral"
    );
    // Within the 3 s cooldown: handled (and checked at the end) while the
    // rest of the test runs.
    peer.dispatch(
        "MESSAGE_CREATE",
        message_create(
            "1575400000000000002",
            dm,
            None,
            asker,
            "og hva med refusjon?",
            vec![],
        ),
    );

    // (b) Bots, webhooks and the bot itself are ignored, and so is a guild
    // message that does not mention the bot. They go first; the English
    // mention after them is the marker that they were handled.
    let ignored = [
        "1575396591760680011",
        "1575396591760680012",
        "1575396591760680013",
    ];
    peer.dispatch(
        "MESSAGE_CREATE",
        message_create(
            "1575400000000000011",
            ignored[0],
            None,
            user("1575396591580339011", "otherbot", true),
            "how do I cancel my subscription?",
            vec![],
        ),
    );
    peer.dispatch(
        "MESSAGE_CREATE",
        message_create(
            "1575400000000000012",
            ignored[1],
            None,
            bot_user(),
            "how do I cancel my subscription?",
            vec![],
        ),
    );
    let mut webhook = message_create(
        "1575400000000000013",
        ignored[2],
        Some(EN_GUILD.id),
        user("1575396591580339013", "hook", true),
        &format!("<@{APP_ID}> how do I cancel my subscription?"),
        vec![bot_user()],
    );
    webhook["webhook_id"] = serde_json::json!("1575396591580339013");
    peer.dispatch("MESSAGE_CREATE", webhook);
    peer.dispatch(
        "MESSAGE_CREATE",
        message_create(
            "1575400000000000014",
            EN_GUILD.channel,
            Some(EN_GUILD.id),
            user("1575396591580339014", "quiet", false),
            "how do I cancel my subscription?",
            vec![],
        ),
    );
    peer.dispatch(
        "MESSAGE_CREATE",
        message_create(
            "1575400000000000015",
            EN_GUILD.channel,
            Some(EN_GUILD.id),
            user("1575396591580339015", "ola", false),
            &format!("<@{APP_ID}> how do I cancel my subscription?"),
            vec![bot_user()],
        ),
    );
    let reply = peer
        .wait_rest("the English mention's reply", messages_to(EN_GUILD.channel))
        .await;
    let text = content(&reply.body);
    assert!(text.contains("To cancel a subscription"), "{text}");
    assert_eq!(
        reply.body["message_reference"]["message_id"],
        "1575400000000000015"
    );

    // In the Norwegian guild the guild's language (from GUILD_CREATE) wins.
    peer.dispatch(
        "MESSAGE_CREATE",
        message_create(
            "1575400000000000016",
            NO_GUILD.channel,
            Some(NO_GUILD.id),
            user("1575396591580339016", "per", false),
            &format!("<@{APP_ID}> how do I cancel my subscription?"),
            vec![bot_user()],
        ),
    );
    let reply = peer
        .wait_rest("the Norwegian guild's reply", messages_to(NO_GUILD.channel))
        .await;
    let text = content(&reply.body);
    assert!(text.contains("For å si opp"), "{text}");

    // (c) /help follows the interaction's locale, in one callback.
    let help_no = interact(
        &peer,
        "1575400000000000101",
        "token-help-no",
        command_interaction(
            "1575400000000000101",
            "token-help-no",
            &EN_GUILD,
            &MEMBER,
            "no",
            "help",
            &[],
        ),
    )
    .await;
    assert_eq!(help_no["type"], 4, "{help_no}");
    assert!(
        content(&help_no["data"]).contains("Si opp et abonnement"),
        "{help_no}"
    );
    assert!(help_no["data"].get("flags").is_none(), "{help_no}");
    let help_en = interact(
        &peer,
        "1575400000000000102",
        "token-help-en",
        command_interaction(
            "1575400000000000102",
            "token-help-en",
            &NO_GUILD,
            &MEMBER,
            "en-US",
            "help",
            &[],
        ),
    )
    .await;
    assert_eq!(help_en["type"], 4, "{help_en}");
    assert!(
        content(&help_en["data"]).contains("Cancel a subscription"),
        "{help_en}"
    );

    // (d) A member without MANAGE_GUILD/ADMINISTRATOR is refused, privately.
    let refused = interact(
        &peer,
        "1575400000000000103",
        "token-cancel-member",
        command_interaction(
            "1575400000000000103",
            "token-cancel-member",
            &NO_GUILD,
            &MEMBER,
            "en-US",
            "cancel",
            &[("subscription", "SUB-1")],
        ),
    )
    .await;
    assert_eq!(refused["type"], 4, "{refused}");
    assert_eq!(refused["data"]["flags"], 64, "{refused}");
    assert!(
        content(&refused["data"]).contains("only an administrator of this account"),
        "{refused}"
    );
    assert!(custom_ids(&refused["data"]).is_empty(), "{refused}");

    // (e) An admin of the bound guild gets a private proposal with buttons.
    let proposal = interact(
        &peer,
        "1575400000000000104",
        "token-cancel-admin",
        command_interaction(
            "1575400000000000104",
            "token-cancel-admin",
            &NO_GUILD,
            &ADMIN,
            "en-US",
            "cancel",
            &[("subscription", "SUB-1")],
        ),
    )
    .await;
    assert_eq!(proposal["type"], 4, "{proposal}");
    assert_eq!(proposal["data"]["flags"], 64, "{proposal}");
    let ids = custom_ids(&proposal["data"]);
    let confirm = ids
        .iter()
        .find(|id| id.starts_with("confirm:"))
        .unwrap_or_else(|| panic!("a Confirm button: {proposal}"))
        .clone();
    assert!(
        ids.iter().any(|id| id.starts_with("dismiss:")),
        "{proposal}"
    );
    let token = confirm.trim_start_matches("confirm:");
    assert!(!token.is_empty() && ids.iter().all(|id| id.ends_with(token)));

    // Someone else clicking Confirm is refused.
    let other = interact(
        &peer,
        "1575400000000000105",
        "token-click-member",
        button_interaction(
            "1575400000000000105",
            "token-click-member",
            &NO_GUILD,
            &MEMBER,
            "en-US",
            &confirm,
        ),
    )
    .await;
    assert_eq!(other["data"]["flags"], 64, "{other}");
    assert!(
        content(&other["data"]).contains("only the person who asked"),
        "{other}"
    );

    // The admin's click confirms.
    let done = interact(
        &peer,
        "1575400000000000106",
        "token-click-admin",
        button_interaction(
            "1575400000000000106",
            "token-click-admin",
            &NO_GUILD,
            &ADMIN,
            "en-US",
            &confirm,
        ),
    )
    .await;
    assert!(
        [4, 7].contains(&done["type"].as_u64().unwrap_or_default()),
        "{done}"
    );
    assert_eq!(done["data"]["flags"], 64, "{done}");
    assert!(content(&done["data"]).contains("is cancelled"), "{done}");

    // A second click finds the confirmation used.
    let again = interact(
        &peer,
        "1575400000000000107",
        "token-click-again",
        button_interaction(
            "1575400000000000107",
            "token-click-again",
            &NO_GUILD,
            &ADMIN,
            "en-US",
            &confirm,
        ),
    )
    .await;
    assert_eq!(again["data"]["flags"], 64, "{again}");
    assert!(
        content(&again["data"]).contains("already confirmed"),
        "{again}"
    );

    // (f) Heartbeats were sent and acknowledged: the bot never reconnected.
    let heartbeat = peer.wait_frame(1).await;
    assert!(heartbeat.get("d").is_some(), "{heartbeat}");

    serve.stop().await;

    let rest = peer.rest();
    for channel in ignored {
        assert!(
            !rest.iter().any(messages_to(channel)),
            "answered in {channel}: {rest:#?}"
        );
    }
    let answered = |channel: &str| rest.iter().filter(|c| messages_to(channel)(c)).count();
    assert_eq!(answered(dm), 1, "one answer per cooldown: {rest:#?}");
    assert_eq!(answered(EN_GUILD.channel), 1, "{rest:#?}");
    let mut callbacks: Vec<&str> = rest
        .iter()
        .filter(|c| c.path.starts_with("/api/v10/interactions/"))
        .map(|c| c.path.as_str())
        .collect();
    let all = callbacks.len();
    callbacks.sort_unstable();
    callbacks.dedup();
    assert_eq!(all, 7, "{callbacks:?}");
    assert_eq!(callbacks.len(), all, "one response per interaction");
    assert!(
        !rest
            .iter()
            .any(|c| c.path.starts_with("/api/v10/webhooks/")),
        "every answer fit the initial response: {rest:#?}"
    );
    assert_eq!(peer.connections().len(), 1, "no reconnects");

    // Nothing but the admin's confirmation changed the subscription, and
    // every decision was taken for the identity Discord sent.
    let audit = admin(data.path(), &["audit", "acme", "--json"]);
    let records: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON record per line"))
        .filter(|r: &Value| r["actor"]["user"]["platform"] == "discord")
        .collect();
    let trail: Vec<(&str, &str, &str)> = records
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap_or_default(),
                r["actor"]["user"]["user_id"].as_str().unwrap_or_default(),
                r["after"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        trail,
        [
            ("denied", MEMBER.id, ""),
            ("proposed", ADMIN.id, ""),
            ("confirm_rejected", MEMBER.id, ""),
            ("confirmed", ADMIN.id, "disabled"),
            ("confirm_rejected", ADMIN.id, ""),
        ],
        "{audit}"
    );
    let show = admin(data.path(), &["subscription", "show", "acme/SUB-1"]);
    assert!(show.contains("disabled"), "{show}");
}

/// Where Discord tickets open their threads.
const SUPPORT_CHANNEL: &str = "1575396591760687300";
/// The support role: pinged in new threads, may use `/handoff`.
const SUPPORT_ROLE: &str = "1575396591739715999";
/// A support-role member (no admin permissions).
const AGENT: Invoker = Invoker {
    id: "1575396591580332080",
    name: "agent",
    permissions: "2147486720",
};
/// Another agent, listed by id in `SUPPORTBOT_DISCORD_AGENT_IDS`.
const LISTED_AGENT: Invoker = Invoker {
    id: "1575396591580332081",
    name: "listed",
    permissions: "2147486720",
};

/// `/handoff <sub> ticket:<n>` from `invoker` with `roles`.
fn handoff_command(id: &str, invoker: &Invoker, roles: &[&str], sub: &str, ticket: u64) -> Value {
    let mut d = command_interaction(
        id,
        "handoff-token",
        &EN_GUILD,
        invoker,
        "en-US",
        "handoff",
        &[],
    );
    d["data"]["options"] = serde_json::json!([{
        "type": 1,
        "name": sub,
        "options": [{ "type": 4, "name": "ticket", "value": ticket }],
    }]);
    let mut all = vec![EN_GUILD.id];
    all.extend_from_slice(roles);
    d["member"]["roles"] = serde_json::json!(all);
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handoff_opens_a_private_thread_for_the_support_role_and_agents_claim_it() {
    let data = tempfile::tempdir().expect("temp dir");
    let peer = DiscordPeer::start(vec![EN_GUILD], 1000).await;
    let serve = Serve::start_with(
        data.path(),
        &peer,
        &[
            ("SUPPORTBOT_DISCORD_SUPPORT_CHANNEL_ID", SUPPORT_CHANNEL),
            ("SUPPORTBOT_DISCORD_SUPPORT_ROLE_ID", SUPPORT_ROLE),
            ("SUPPORTBOT_DISCORD_AGENT_IDS", LISTED_AGENT.id),
        ],
    );
    serve.wait_started().await;
    serve
        .wait_log(&["handoff-discord: on", SUPPORT_CHANNEL])
        .await;
    serve.wait_log(&["guild available", EN_GUILD.id]).await;

    // The user asks for a person in a guild channel.
    let asker = "1575396591580339101";
    peer.dispatch(
        "MESSAGE_CREATE",
        message_create(
            "1575400000000000101",
            EN_GUILD.channel,
            Some(EN_GUILD.id),
            user(asker, "ola", false),
            &format!("<@{APP_ID}> I want to talk to a human please @everyone"),
            vec![bot_user()],
        ),
    );
    let told = peer
        .wait_rest("the user's notice", messages_to(EN_GUILD.channel))
        .await;
    assert!(content(&told.body).contains("H-1"), "{told:?}");

    // The agents' side: one private thread in the support channel, the
    // user added to it, the summary pinging only the support role.
    let thread = peer
        .wait_rest("the ticket's thread", |c| {
            c.is(
                "POST",
                &format!("/api/v10/channels/{SUPPORT_CHANNEL}/threads"),
            )
        })
        .await;
    assert_eq!(thread.body["type"], 12, "{thread:?}");
    assert!(
        thread.body["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("H-1")),
        "{thread:?}"
    );
    let added = peer
        .wait_rest("the user added to the thread", |c| {
            c.method == "PUT" && c.path.ends_with(&format!("/thread-members/{asker}"))
        })
        .await;
    let thread_id = added
        .path
        .trim_start_matches("/api/v10/channels/")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(
        added
            .authorization
            .as_deref()
            .is_some_and(|a| a.ends_with(TOKEN)),
        "{added:?}"
    );
    let summary = peer
        .wait_rest("the summary in the thread", messages_to(&thread_id))
        .await;
    let text = content(&summary.body);
    assert!(text.contains("**Ticket H-1**"), "{text}");
    assert!(text.contains("asked for a person"), "{text}");
    assert!(text.contains("en-US"), "{text}");
    assert!(text.contains("I want to talk to a human please"), "{text}");
    assert!(text.contains(&format!("<@&{SUPPORT_ROLE}>")), "{text}");
    assert_eq!(
        summary.body["allowed_mentions"],
        serde_json::json!({ "parse": [], "roles": [SUPPORT_ROLE] }),
        "only the support role is pinged"
    );

    // A plain member cannot claim, and learns nothing about the ticket.
    let refused = interact(
        &peer,
        "1575410000000000101",
        "handoff-token",
        handoff_command("1575410000000000101", &MEMBER, &[], "claim", 1),
    )
    .await;
    let refusal = content(&refused["data"]);
    assert!(refusal.contains("cannot do that"), "{refused}");
    assert!(!refusal.contains("H-1"), "{refused}");
    assert_eq!(refused["data"]["flags"], 64, "{refused}");

    // A support-role member claims it; the thread is told.
    let claimed = interact(
        &peer,
        "1575410000000000102",
        "handoff-token",
        handoff_command("1575410000000000102", &AGENT, &[SUPPORT_ROLE], "claim", 1),
    )
    .await;
    assert!(
        content(&claimed["data"]).contains("You have claimed ticket **H-1**"),
        "{claimed}"
    );
    peer.wait_rest("the claim in the thread", |c| {
        messages_to(&thread_id)(c)
            && content(&c.body).contains(&format!("claimed (by <@{}>)", AGENT.id))
    })
    .await;

    // A listed agent comes second: one winner, a clear answer.
    let second = interact(
        &peer,
        "1575410000000000103",
        "handoff-token",
        handoff_command("1575410000000000103", &LISTED_AGENT, &[], "claim", 1),
    )
    .await;
    assert!(
        content(&second["data"]).contains(&format!("already claimed by discord:{}", AGENT.id)),
        "{second}"
    );

    // The holder resolves it.
    let resolved = interact(
        &peer,
        "1575410000000000104",
        "handoff-token",
        handoff_command("1575410000000000104", &AGENT, &[SUPPORT_ROLE], "resolve", 1),
    )
    .await;
    assert!(
        content(&resolved["data"]).contains("resolved"),
        "{resolved}"
    );
    peer.wait_rest("the resolution in the thread", |c| {
        messages_to(&thread_id)(c) && content(&c.body).contains("resolved")
    })
    .await;

    serve.stop().await;
    let threads = peer
        .rest()
        .iter()
        .filter(|c| c.path.ends_with("/threads"))
        .count();
    assert_eq!(threads, 1);
    let show = admin(data.path(), &["handoff", "show", "H-1", "--json"]);
    let shown: Value = serde_json::from_str(show.trim()).expect("json");
    assert_eq!(shown["ticket"]["state"], "resolved", "{show}");
    assert_eq!(
        shown["ticket"]["claimed"][1],
        format!("discord:{}", AGENT.id),
        "{show}"
    );
}

/// `serve` with a shard range: serenity identifies each shard of the range
/// with `shard: [id, total]` (here one shard, 1 of 2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_range_identifies_with_its_shard_id_and_total() {
    let data = tempfile::tempdir().expect("temp dir");
    let peer = DiscordPeer::start(vec![NO_GUILD], 1000).await;
    let serve = Serve::start_with(
        data.path(),
        &peer,
        &[
            ("SUPPORTBOT_DISCORD_SHARDS", "1-1"),
            ("SUPPORTBOT_DISCORD_TOTAL_SHARDS", "2"),
        ],
    );
    serve
        .wait_log_within(&["discord-gateway: on", "shards 1-1 of 2"], STARTUP)
        .await;
    let identify = peer.wait_frame(2).await;
    assert_eq!(
        identify["d"]["shard"],
        serde_json::json!([1, 2]),
        "{identify}"
    );
}
