//! Bounded resources (issue 14, defects 6, 7 and 9): `serve` times out slow
//! and idle clients, caps connections below its file-descriptor limit and
//! stops within its deadline; forged Teams tokens cannot make it fetch keys
//! again and again; one request cannot become an unbounded number of
//! messages.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::json;
use supportbot::Bot;

use crate::common::discord::{signing_key, spawn_discord_with, FakeDiscord};
use crate::common::seeded::SeededBot;
use crate::teams::{sign, Harness, KEY2};

static SERVES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// `supportbot serve` on 127.0.0.1:0 with `env`, its descriptors limited to
/// `max_fds`; returns the process and its address once it listens.
fn serve(env: &[(&str, &str)], max_fds: u32) -> (Child, SocketAddr) {
    let bin = assert_cmd::cargo::cargo_bin("supportbot");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -n {max_fds} && exec \"$0\" \"$@\""))
        .arg(bin);
    for (key, _) in std::env::vars() {
        if key.starts_with("SUPPORTBOT_") {
            cmd.env_remove(key);
        }
    }
    let data = std::env::temp_dir().join(format!(
        "supportbot-bounds-{}-{}",
        std::process::id(),
        SERVES.fetch_add(1, Ordering::SeqCst)
    ));
    cmd.arg("--data-dir")
        .arg(data)
        .arg("serve")
        .env("SUPPORTBOT_HTTP_ADDR", "127.0.0.1:0")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("serve starts");
    let mut banner = String::new();
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    out.read_line(&mut banner).expect("banner");
    // Keep reading, so the test never depends on what serve does with a
    // closed stdout (that has its own test below).
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let addr = banner
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {banner:?}"));
    (child, addr)
}

/// Waits up to `limit` for `child` to exit; kills it if it does not.
fn exits_within(child: &mut Child, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if child.try_wait().expect("wait").is_some() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(status.success());
}

/// `GET /healthz` on a fresh connection, with a deadline.
fn healthz(addr: SocketAddr, limit: Duration) -> Result<String, std::io::Error> {
    let mut s = TcpStream::connect_timeout(&addr, limit)?;
    s.set_read_timeout(Some(limit))?;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

/// Regression: serve printed its banner with `println!`, which panics when
/// stdout is closed, so `supportbot serve | head -1` (or a test that read
/// only the first line) killed the server a moment after it started.
#[test]
fn serve_keeps_serving_when_nobody_reads_its_output() {
    let addr = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        probe.local_addr().expect("addr")
    };
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let bin = assert_cmd::cargo::cargo_bin("supportbot");
    let data = tempfile::tempdir().expect("data dir");
    let mut cmd = Command::new(bin);
    for (key, _) in std::env::vars() {
        if key.starts_with("SUPPORTBOT_") {
            cmd.env_remove(key);
        }
    }
    let mut child = cmd
        .arg("--data-dir")
        .arg(data.path())
        .arg("serve")
        .env("SUPPORTBOT_HTTP_ADDR", addr.to_string())
        .stdout(writer)
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let start = Instant::now();
    let mut answered = None;
    while start.elapsed() < Duration::from_secs(20) && answered.is_none() {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        answered = healthz(addr, Duration::from_secs(2))
            .ok()
            .filter(|r| r.starts_with("HTTP/1.1 200"));
        std::thread::sleep(Duration::from_millis(100));
    }
    // Still up a moment after the banner would have been written.
    std::thread::sleep(Duration::from_millis(300));
    let alive = child.try_wait().expect("wait").is_none();
    let again = healthz(addr, Duration::from_secs(2));
    sigterm_if_running(&mut child);
    assert!(answered.is_some(), "serve never answered /healthz");
    assert!(alive, "serve exited after its banner could not be written");
    assert!(again.expect("second request").starts_with("HTTP/1.1 200"));
}

/// Regression: the SIGTERM handler was registered by a task that ran only
/// after the banner was printed, so a SIGTERM right after the banner got
/// the default action and killed `serve` instead of stopping it.
#[test]
fn sigterm_right_after_the_banner_stops_serve_cleanly() {
    for _ in 0..3 {
        let (mut child, _) = serve(&[], 1024);
        sigterm(&child);
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break Some(status);
            }
            if start.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let status = status.expect("serve stopped within 10 s of SIGTERM");
        assert!(status.success(), "serve did not stop cleanly: {status:?}");
    }
}

fn sigterm_if_running(child: &mut Child) {
    if child.try_wait().expect("wait").is_none() {
        sigterm(child);
        let _ = exits_within(child, Duration::from_secs(5));
    }
}

#[test]
fn a_slow_header_client_is_disconnected_within_the_header_timeout() {
    let (mut child, addr) = serve(&[("SUPPORTBOT_HTTP_HEADER_TIMEOUT_SECS", "0.3")], 1024);
    let mut slow = TcpStream::connect(addr).expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .expect("part of a head");
    slow.set_read_timeout(Some(Duration::from_secs(3)))
        .expect("timeout");
    let start = Instant::now();
    let mut buf = [0u8; 256];
    let closed = match slow.read(&mut buf) {
        Ok(_) => true,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    };
    sigterm(&child);
    let _ = exits_within(&mut child, Duration::from_secs(5));
    assert!(
        closed && start.elapsed() < Duration::from_secs(2),
        "the slow client was still connected after {:?}",
        start.elapsed()
    );
}

#[test]
fn more_connections_from_one_ip_than_its_share_are_closed_at_once() {
    let (mut child, addr) = serve(
        &[
            ("SUPPORTBOT_HTTP_HEADER_TIMEOUT_SECS", "5"),
            ("SUPPORTBOT_HTTP_MAX_CONNECTIONS_PER_IP", "4"),
        ],
        1024,
    );
    let held: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(addr).expect("connect"))
        .collect();
    // Accepting is asynchronous: give the server the four first.
    std::thread::sleep(Duration::from_millis(200));
    let refused = healthz(addr, Duration::from_secs(2));
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    let served = healthz(addr, Duration::from_secs(2));
    sigterm(&child);
    let _ = exits_within(&mut child, Duration::from_secs(5));
    assert!(
        refused.as_ref().map_or(true, String::is_empty),
        "a fifth connection was served: {refused:?}"
    );
    assert!(served.expect("served").starts_with("HTTP/1.1 200"));
}

/// Defect 6: idle sockets used to take a descriptor each until none were
/// left. Now connections beyond the cap wait in the backlog and idle ones
/// are closed by the header timeout, so a new client gets its turn.
#[test]
fn three_hundred_idle_sockets_do_not_lock_out_a_new_client() {
    let (mut child, addr) = serve(
        &[
            ("SUPPORTBOT_HTTP_HEADER_TIMEOUT_SECS", "1"),
            ("SUPPORTBOT_HTTP_MAX_CONNECTIONS", "100"),
            ("SUPPORTBOT_HTTP_MAX_CONNECTIONS_PER_IP", "1000"),
        ],
        200,
    );
    let idle: Vec<TcpStream> = (0..300)
        .filter_map(|_| TcpStream::connect_timeout(&addr, Duration::from_millis(300)).ok())
        .collect();
    let held = idle.len();
    let served = healthz(addr, Duration::from_secs(10));
    let alive = child.try_wait().expect("wait").is_none();
    drop(idle);
    sigterm_if_running(&mut child);
    assert!(
        held > 100,
        "only {held} idle sockets connected; the test proves nothing"
    );
    assert!(alive, "serve exited under the idle flood");
    assert!(
        served
            .expect("a new client is served")
            .starts_with("HTTP/1.1 200"),
        "the new client got no answer"
    );
}

#[test]
fn sigterm_with_a_stuck_client_exits_within_the_shutdown_deadline() {
    let key = hex::encode(signing_key().verifying_key().as_bytes());
    let (mut child, addr) = serve(
        &[
            ("SUPPORTBOT_DISCORD_PUBLIC_KEY", key.as_str()),
            ("SUPPORTBOT_HTTP_BODY_TIMEOUT_SECS", "60"),
            ("SUPPORTBOT_HTTP_SHUTDOWN_TIMEOUT_SECS", "0.5"),
        ],
        1024,
    );
    // A request whose body never arrives keeps its handler waiting.
    let mut stuck = TcpStream::connect(addr).expect("connect");
    stuck
        .write_all(
            b"POST /discord/interactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 1000\r\n\r\n{\"type\":",
        )
        .expect("head");
    std::thread::sleep(Duration::from_millis(300));
    sigterm(&child);
    let took = exits_within(&mut child, Duration::from_secs(6));
    drop(stuck);
    let took = took.expect("serve still running 6 s after SIGTERM");
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[tokio::test]
async fn forged_tokens_with_the_metadata_endpoint_down_fetch_keys_at_most_once() {
    let h = Harness::start_with(Duration::from_secs(60)).await;
    h.peer.metadata_down.store(true, Ordering::SeqCst);
    let activity = h.activity("activity-message-personal");
    let burst = (0..40).map(|n| {
        let mut a = activity.clone();
        a["id"] = json!(format!("forged-{n}"));
        // A well-formed RS256 token naming a key nobody published.
        let token = sign(&format!("forged-kid-{n}"), KEY2, &h.claims());
        let h = &h;
        async move { h.post(Some(&token), &a).await }
    });
    let statuses = futures_util::future::join_all(burst).await;
    assert!(
        statuses
            .iter()
            .all(|s| s.is_client_error() || s.is_server_error()),
        "{statuses:?}"
    );
    let fetches = h.peer.metadata_fetches.load(Ordering::SeqCst);
    assert!(
        fetches <= 1,
        "{fetches} metadata fetches for 40 forged tokens"
    );

    // Back up, the keys are fetched once more for a genuine sender only
    // after the refresh interval, and forged ids never refetch meanwhile.
    h.peer.metadata_down.store(false, Ordering::SeqCst);
    let mut a = activity.clone();
    a["id"] = json!("forged-late");
    let token = sign("forged-kid-late", KEY2, &h.claims());
    assert!(h.post(Some(&token), &a).await.is_server_error());
    assert_eq!(h.peer.metadata_fetches.load(Ordering::SeqCst), fetches);
}

/// `SUB-` and 100,000 digits: a subscription id that is invalid and huge.
fn huge_subscription() -> String {
    format!("SUB-{}", "9".repeat(100_000))
}

#[tokio::test]
async fn a_huge_teams_command_is_answered_with_a_short_refusal() {
    let h = Harness::start().await;
    let token = sign("key-1", crate::teams::KEY1, &h.claims());
    let mut a = h.activity("activity-message-personal");
    a["id"] = json!("huge-cancel");
    a["text"] = json!(format!("cancel {}", huge_subscription()));
    assert_eq!(h.post(Some(&token), &a).await, 200);
    h.peer
        .until("the refusal", |p| (!p.is_empty()).then_some(()))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let posted = h.peer.posted();
    let text: String = posted.iter().map(|p| p.text()).collect();
    assert!(posted.len() <= 2, "{} connector posts", posted.len());
    assert!(
        text.chars().count() < 2_000,
        "{} chars",
        text.chars().count()
    );
    assert!(!text.contains(&"9".repeat(65)), "{text}");
}

/// A bot with lifecycle commands and nothing provisioned.
async fn lifecycle_bot() -> Bot {
    SeededBot::new().token_key([9; 32]).build().await
}

#[tokio::test]
async fn a_huge_discord_option_is_answered_with_a_short_refusal() {
    let discord = FakeDiscord::start().await;
    let server = spawn_discord_with(lifecycle_bot().await, &discord.base, |_| {}).await;
    let interaction = json!({
        "id": "1175928719452839946", "application_id": "42", "type": 2,
        "token": "interaction-token", "version": 1,
        "guild_id": "290926798626357999", "channel_id": "645027906669510667",
        "locale": "en-US",
        "member": { "user": { "id": "53908232506183680", "username": "Mason" },
                    "roles": [], "permissions": "0" },
        "data": { "id": "771825006014889984", "type": 1, "name": "cancel",
                  "options": [{ "name": "subscription", "type": 3,
                                "value": huge_subscription() }] }
    });
    let (status, body) = server.interact(&interaction).await;
    assert_eq!(status, 200, "{body}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let followups = discord.received.lock().expect("lock").len();
    assert_eq!(followups, 0, "{followups} follow-ups");
    let text = body["data"].to_string();
    assert!(
        text.chars().count() < 3_000,
        "{} chars",
        text.chars().count()
    );
    assert!(!text.contains(&"9".repeat(65)), "{text}");
}
