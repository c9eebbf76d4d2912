//! Soak test for `scripts/soak`: `supportbot serve` under mixed signed
//! Discord load (help, lifecycle actions with their confirm clicks, bad
//! signatures) for a while, killed with SIGKILL at random moments and
//! restarted on the same data directory. After each kill, the account's
//! export (read with the server down) must hold every acknowledged action
//! exactly once: one `confirmed` audit record per confirm click the bot
//! answered "Done" to, and none twice. The server's resident memory is
//! sampled every few seconds.
//!
//! Usage: `cargo run --release --example soak -- BIN SECONDS [WORKERS]`
//! (BIN is the `supportbot` binary to test). Prints one line per kill and a
//! summary; exits non-zero when a check fails.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};

const GUILD: &str = "290926798626357999";
const ADMIN: &str = "53908232506183680";
const SUBSCRIPTIONS: usize = 64;

/// What the workers saw, shared with the checker.
#[derive(Default)]
struct Tally {
    /// Confirm clicks answered "Done": event key → subscription.
    acknowledged: HashMap<String, String>,
    help: u64,
    refused_signatures: u64,
    proposals: u64,
    errors: u64,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(bin), Some(seconds)) = (args.get(1), args.get(2).and_then(|s| s.parse().ok())) else {
        eprintln!("usage: soak BIN SECONDS [WORKERS]");
        return ExitCode::from(2);
    };
    let workers: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(8);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    match runtime.block_on(soak(
        PathBuf::from(bin),
        Duration::from_secs(seconds),
        workers,
    )) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("soak FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn soak(bin: PathBuf, total: Duration, workers: usize) -> Result<(), String> {
    let data = std::env::temp_dir().join(format!("supportbot-soak-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    seed(&data).await?;
    println!("seeded {SUBSCRIPTIONS} subscriptions in {}", data.display());
    let key = SigningKey::from_bytes(&[11; 32]);
    let public = hex(key.verifying_key().as_bytes());
    let tally = Arc::new(Mutex::new(Tally::default()));
    let ids = Arc::new(AtomicU64::new(1_300_000_000_000_000_000));
    let memory: Arc<Mutex<Vec<(f64, u64)>>> = Arc::default();
    let start = Instant::now();
    let mut kills = 0;
    let mut seed_state = 0x9E37_79B9_7F4A_7C15u64;
    while start.elapsed() < total {
        let (mut child, addr) = start_serve(&bin, &data, &public)?;
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for w in 0..workers {
            tasks.push(tokio::spawn(worker(
                w,
                workers,
                addr.clone(),
                key.clone(),
                ids.clone(),
                tally.clone(),
                stop.clone(),
            )));
        }
        // Kill somewhere between 3 and 15 s from now; sample memory meanwhile.
        let life = Duration::from_millis(3_000 + next(&mut seed_state) % 12_000);
        let born = Instant::now();
        while born.elapsed() < life && start.elapsed() < total {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if let Some(rss) = rss_kib(child.id()) {
                memory
                    .lock()
                    .expect("memory")
                    .push((start.elapsed().as_secs_f64(), rss));
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        kills += 1;
        stop.store(true, Ordering::SeqCst);
        for t in tasks {
            let _ = t.await;
        }
        check(&bin, &data, &tally.lock().expect("tally"), kills)?;
    }
    let t = tally.lock().expect("tally");
    let mem = memory.lock().expect("memory");
    let (first, last, peak) = (
        mem.first().map_or(0, |m| m.1),
        mem.last().map_or(0, |m| m.1),
        mem.iter().map(|m| m.1).max().unwrap_or(0),
    );
    println!(
        "soak ok: {:.0} s, {kills} SIGKILLs, {} acknowledged actions each present exactly once, \
         {} help answers, {} proposals, {} bad signatures refused, {} requests cut off by a kill",
        start.elapsed().as_secs_f64(),
        t.acknowledged.len(),
        t.help,
        t.proposals,
        t.refused_signatures,
        t.errors
    );
    println!("serve RSS: first {first} KiB, last {last} KiB, peak {peak} KiB (sampled each second of each life)");
    let step = (mem.len() / 10).max(1);
    for (at, rss) in mem.iter().step_by(step) {
        println!("  t={at:>6.0}s rss={rss} KiB");
    }
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}

fn run(bin: &Path, data: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(bin)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("SUPPORTBOT_CONFIG")
        .output()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The account and its subscriptions, provisioned through the library in
/// one commit (64 `admin subscription add` processes would take a minute).
async fn seed(data: &Path) -> Result<(), String> {
    use supportbot::auth::{authorize_operator, AuthConfig};
    use supportbot::conversation::Lifecycle;
    use supportbot::lifecycle::{Policy, Seed, SystemClock, TokenKey};
    use supportbot::model::Identity;

    let started = chrono::Utc::now().date_naive();
    let mut text = format!(
        "[[account]]\nid = \"soak\"\nname = \"Soak\"\ncountry = \"NO\"\n\
         preferred_locale = \"en-US\"\ndiscord_guild_ids = [{GUILD}]\n"
    );
    for n in 1..=SUBSCRIPTIONS {
        text.push_str(&format!(
            "[[subscription]]\nid = \"SUB-{n}\"\naccount = \"soak\"\nproduct = \"Soak 365\"\n\
             seats = 1\nunit_price_minor = 9900\ncurrency = \"NOK\"\nperiod = \"monthly\"\n\
             started = \"{started}\"\n"
        ));
    }
    let seed = Seed::from_toml(&text).map_err(|e| format!("seed: {e}"))?;
    let store = supportbot::store::SledStore::open(data.join("db")).map_err(|e| e.to_string())?;
    let service = Lifecycle::new(
        std::sync::Arc::new(store),
        Policy::default(),
        AuthConfig::default(),
        std::sync::Arc::new(SystemClock),
        TokenKey::from_bytes([0; 32]),
    );
    let operator = authorize_operator(&Identity::local_operator(), &AuthConfig::default())
        .map_err(|e| e.to_string())?;
    service
        .provision(&operator, seed)
        .await
        .map_err(|e| format!("provision: {e}"))?;
    Ok(())
}

fn start_serve(bin: &Path, data: &Path, public: &str) -> Result<(Child, String), String> {
    let mut child = Command::new(bin)
        .arg("--data-dir")
        .arg(data)
        .arg("serve")
        .env_remove("SUPPORTBOT_CONFIG")
        .env("SUPPORTBOT_HTTP_ADDR", "127.0.0.1:0")
        .env("SUPPORTBOT_DISCORD_PUBLIC_KEY", public)
        .env("SUPPORTBOT_DISCORD_APPLICATION_ID", "42")
        .env("SUPPORTBOT_DISCORD_API_BASE", "http://127.0.0.1:9")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("serve: {e}"))?;
    let mut out = BufReader::new(child.stdout.take().ok_or("no stdout")?);
    let mut banner = String::new();
    out.read_line(&mut banner)
        .map_err(|e| format!("banner: {e}"))?;
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let addr = banner
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .ok_or_else(|| format!("no address in {banner:?}"))?
        .to_owned();
    Ok((child, addr))
}

/// One worker: its own subscriptions, cancelled and reactivated in turn,
/// with help requests and forged signatures in between.
async fn worker(
    w: usize,
    workers: usize,
    addr: String,
    key: SigningKey,
    ids: Arc<AtomicU64>,
    tally: Arc<Mutex<Tally>>,
    stop: Arc<AtomicBool>,
) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let url = format!("http://{addr}/discord/interactions");
    let mine: Vec<usize> = (1..=SUBSCRIPTIONS).filter(|n| n % workers == w).collect();
    let mut rng = 0xA076_1D64_78BD_642Fu64 ^ (w as u64 + 1);
    while !stop.load(Ordering::SeqCst) {
        let roll = next(&mut rng) % 10;
        let post = |body: Value, good: bool| {
            let (client, url, key) = (client.clone(), url.clone(), key.clone());
            async move {
                let text = body.to_string();
                let ts = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or_default()
                    .to_string();
                let mut message = ts.clone().into_bytes();
                message.extend_from_slice(text.as_bytes());
                if !good {
                    message.push(b'!');
                }
                let signature = hex(&key.sign(&message).to_bytes());
                let response = client
                    .post(url)
                    .header("content-type", "application/json")
                    .header("x-signature-ed25519", signature)
                    .header("x-signature-timestamp", ts)
                    .body(text)
                    .send()
                    .await
                    .ok()?;
                let status = response.status().as_u16();
                Some((
                    status,
                    response.json::<Value>().await.unwrap_or(Value::Null),
                ))
            }
        };
        let id = || ids.fetch_add(1, Ordering::SeqCst).to_string();
        if roll < 5 {
            let body = interaction(&id(), 2, json!({"id": "1", "type": 1, "name": "help"}));
            match post(body, true).await {
                Some((200, _)) => tally.lock().expect("tally").help += 1,
                _ => {
                    tally.lock().expect("tally").errors += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        } else if roll < 7 {
            let body = interaction(&id(), 2, json!({"id": "1", "type": 1, "name": "help"}));
            match post(body, false).await {
                Some((401, _)) => tally.lock().expect("tally").refused_signatures += 1,
                _ => tally.lock().expect("tally").errors += 1,
            }
        } else if let Some(&n) = mine.get((next(&mut rng) as usize) % mine.len().max(1)) {
            let sub = format!("SUB-{n}");
            // Whether it is active is not tracked: after a kill an
            // unacknowledged action may or may not have happened. Try
            // cancel; if refused, reactivate.
            for command in ["cancel", "reactivate"] {
                let body = interaction(
                    &id(),
                    2,
                    json!({"id": "1", "type": 1, "name": command,
                           "options": [{"name": "subscription", "type": 3, "value": sub}]}),
                );
                let Some((200, reply)) = post(body, true).await else {
                    tally.lock().expect("tally").errors += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    break;
                };
                let Some(confirm) = custom_ids(&reply)
                    .into_iter()
                    .find(|c| c.starts_with("confirm:"))
                else {
                    continue;
                };
                tally.lock().expect("tally").proposals += 1;
                let click_id = id();
                let click = interaction(
                    &click_id,
                    3,
                    json!({"custom_id": confirm, "component_type": 2}),
                );
                match post(click, true).await {
                    Some((200, done)) if content(&done).contains("Done") => {
                        tally
                            .lock()
                            .expect("tally")
                            .acknowledged
                            .insert(format!("discord:{click_id}"), sub.clone());
                    }
                    Some((200, _)) => {}
                    _ => tally.lock().expect("tally").errors += 1,
                }
                break;
            }
        }
    }
}

/// With the server down: every acknowledged confirm is in the audit log
/// exactly once, and no event is there twice.
fn check(bin: &Path, data: &Path, tally: &Tally, kills: usize) -> Result<(), String> {
    let export = run(bin, data, &["admin", "--json", "export", "soak"])?;
    let export: Value =
        serde_json::from_str(export.trim()).map_err(|e| format!("export is not JSON: {e}"))?;
    let audit = export["audit"].as_array().ok_or("export without audit")?;
    let mut confirmed: BTreeMap<String, usize> = BTreeMap::new();
    for record in audit {
        if record["kind"] == "confirmed" {
            if let Some(event) = record["event"].as_str() {
                *confirmed.entry(event.to_owned()).or_default() += 1;
            }
        }
    }
    let twice: Vec<_> = confirmed.iter().filter(|(_, n)| **n > 1).collect();
    if !twice.is_empty() {
        return Err(format!(
            "after kill {kills}: events applied twice: {twice:?}"
        ));
    }
    let present: HashSet<&String> = confirmed.keys().collect();
    let missing: Vec<_> = tally
        .acknowledged
        .keys()
        .filter(|e| !present.contains(e))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "after kill {kills}: {} acknowledged actions are missing, e.g. {:?}",
            missing.len(),
            &missing[..missing.len().min(5)]
        ));
    }
    println!(
        "kill {kills}: {} acknowledged, {} confirmed records, {} audit records: ok",
        tally.acknowledged.len(),
        confirmed.len(),
        audit.len()
    );
    Ok(())
}

fn interaction(id: &str, kind: u8, data: Value) -> Value {
    json!({
        "id": id, "application_id": "42", "type": kind, "token": format!("t-{id}"),
        "version": 1, "locale": "en-US", "guild_id": GUILD, "channel_id": "645027906669510667",
        "member": {"user": {"id": ADMIN, "username": "soak"}, "roles": [], "permissions": "2147483647"},
        "data": data,
    })
}

fn content(body: &Value) -> String {
    body["data"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn custom_ids(body: &Value) -> Vec<String> {
    body["data"]["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["custom_id"].as_str().map(str::to_owned))
        .collect()
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// xorshift64*: enough randomness for load mixes, without a dependency.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}
