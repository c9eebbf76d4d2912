//! Crash safety: a child process runs a stream of confirmed actions against a sled
//! directory and prints each acknowledged event id (after the flush) on stdout; the
//! parent kills it with SIGKILL at random points, reopens the directory and checks:
//! the database opens, every acknowledged action is present exactly once (idempotency
//! record plus exactly one `Confirmed` audit record), and the audit log matches states.
//!
//! The child is this same test binary re-executed with `CRASH_CHILD_DIR` set, running
//! only `crash_child_entry` (a no-op in normal test runs).

#[path = "lifecycle/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use chrono::Utc;
use common::{auth_config, operator, TempDir};
use supportbot::auth::authorize_operator;
use supportbot::lifecycle::Store;
use supportbot::lifecycle::{
    Action, AuditKind, Engine, Policy, Seed, StoredOutcome, SubState, TokenKey,
};
use supportbot::model::Platform;
use supportbot::model::{AccountId, EventId, SubscriptionId};
use supportbot::store::SledStore;

const CHILD_ENV: &str = "CRASH_CHILD_DIR";
const ROUND_ENV: &str = "CRASH_ROUND";
/// Defaults keep `cargo test` bounded; `CRASH_KILLS` / `CRASH_BUDGET_SECS` raise them
/// for soak runs (`CRASH_KILLS=500 CRASH_BUDGET_SECS=600 cargo test --release --test crash`).
const MAX_KILLS: usize = 40;
const BUDGET: Duration = Duration::from_secs(45);

fn limit(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
const WORKERS: u64 = 4;
const SUBS: u64 = 8;

fn account() -> AccountId {
    AccountId::parse("crash").expect("id")
}

fn seed() -> Seed {
    let today = Utc::now().date_naive();
    let mut text = String::from(
        "[[account]]\nid = \"crash\"\nname = \"Crash Test\"\ncountry = \"NO\"\npreferred_locale = \"en-US\"\n",
    );
    for n in 1..=SUBS {
        text.push_str(&format!(
            "[[subscription]]\nid = \"SUB-{n}\"\naccount = \"crash\"\nproduct = \"P{n}\"\nseats = 1\n\
             unit_price_minor = 9999\ncurrency = \"NOK\"\nperiod = \"monthly\"\nstarted = \"{today}\"\n"
        ));
    }
    Seed::from_toml(&text).expect("seed")
}

/// Child mode: act until killed.
#[test]
fn crash_child_entry() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let round = std::env::var(ROUND_ENV).unwrap_or_default();
    let store = match SledStore::open(&dir) {
        Ok(s) => s,
        Err(e) => {
            println!("OPEN_ERROR {e}");
            std::process::exit(3);
        }
    };
    let engine = Arc::new(Engine::new(
        store,
        Policy::default(),
        auth_config(),
        TokenKey::from_bytes([9; 32]),
    ));
    if engine.store().account(&account()).expect("read").is_none() {
        let op = authorize_operator(&operator(), &auth_config()).expect("op");
        engine
            .provision(&op, &seed(), Utc::now())
            .expect("provision");
    }
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let (engine, round) = (Arc::clone(&engine), round.clone());
            std::thread::spawn(move || worker(&engine, &round, w))
        })
        .collect();
    for w in workers {
        w.join().expect("worker panicked");
    }
}

fn worker(engine: &Engine<SledStore>, round: &str, w: u64) {
    let admin = engine
        .authorize(&operator(), &account(), None, Utc::now())
        .expect("authorize");
    for k in 0u64.. {
        let n = 1 + w + WORKERS * (k % (SUBS / WORKERS));
        let id = SubscriptionId::from_number(n);
        let subs = engine.store().subscriptions(&account()).expect("read");
        let state = subs
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.state)
            .expect("sub");
        let action = match state {
            SubState::Active => Action::Cancel { subscription: id },
            _ => Action::Reactivate { subscription: id },
        };
        let ev = |suffix: &str| {
            EventId::new(Platform::Cli, &format!("r{round}-w{w}-{k}-{suffix}")).expect("event")
        };
        let p = engine
            .propose(&admin, action, &ev("p"), Utc::now())
            .expect("propose");
        let confirm_ev = ev("c");
        engine
            .confirm(&operator(), &p.token, None, &confirm_ev, Utc::now())
            .expect("confirm");
        // Printed only after confirm returned, i.e. after the group-commit flush.
        println!("ACK {}", confirm_ev.key());
    }
}

fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("random");
    u64::from_le_bytes(b)
}

/// Checks the invariants on a reopened directory; returns the number of actions found
/// and the number of journaled batches the reopen replayed.
fn verify(dir: &Path, acked: &[String]) -> Result<(usize, usize), String> {
    let store = SledStore::open(dir).map_err(|e| format!("reopen failed: {e}"))?;
    let replayed = store.replayed_batches();
    let Some(_) = store.account(&account()).map_err(|e| e.to_string())? else {
        return if acked.is_empty() {
            Ok((0, replayed))
        } else {
            Err("account missing but actions were acknowledged".into())
        };
    };
    let audit = store.audit(Some(&account())).map_err(|e| e.to_string())?;
    let mut confirmed: HashMap<&str, usize> = HashMap::new();
    for r in audit.iter().filter(|r| r.kind == AuditKind::Confirmed) {
        *confirmed
            .entry(r.event.as_deref().unwrap_or(""))
            .or_default() += 1;
    }
    for key in acked {
        match store.outcome(key).map_err(|e| e.to_string())? {
            Some(rec) if matches!(rec.outcome, StoredOutcome::Confirmed(_)) => {}
            other => {
                return Err(format!(
                    "acknowledged {key} has no stored outcome: {other:?}"
                ))
            }
        }
        if confirmed.get(key.as_str()) != Some(&1) {
            return Err(format!(
                "acknowledged {key} has {:?} Confirmed audit records",
                confirmed.get(key.as_str())
            ));
        }
    }
    // Atomicity the other way round: no audit record without its idempotency record.
    for key in confirmed.keys() {
        if store.outcome(key).map_err(|e| e.to_string())?.is_none() {
            return Err(format!("audit record for {key} without idempotency record"));
        }
    }
    for s in store.subscriptions(&account()).map_err(|e| e.to_string())? {
        let last = audit
            .iter()
            .rev()
            .find(|r| r.subscription == Some(s.id) && r.after.is_some());
        let expected = last.and_then(|r| r.after).unwrap_or(SubState::Active);
        if expected != s.state {
            return Err(format!(
                "{}: state {} but audit says {expected}",
                s.id, s.state
            ));
        }
    }
    Ok((confirmed.len(), replayed))
}

#[test]
fn sigkill_at_random_points_loses_no_acknowledged_action() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let dir = TempDir::new("crash");
    let exe = std::env::current_exe().expect("test binary");
    let started = Instant::now();
    let (mut kills, mut all_acked, mut replays) = (0usize, Vec::<String>::new(), 0usize);
    let max_kills = limit("CRASH_KILLS", MAX_KILLS as u64) as usize;
    let budget = Duration::from_secs(limit("CRASH_BUDGET_SECS", BUDGET.as_secs()));
    while kills < max_kills && started.elapsed() < budget {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_child_entry",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .env(ROUND_ENV, kills.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Random kill point: from "still opening the database" to "mid-stream".
        std::thread::sleep(Duration::from_millis(5 + random_u64() % 400));
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        reader.join().expect("reader");
        let lines: Vec<String> = rx.try_iter().collect();
        if let Some(err) = lines.iter().find(|l| l.starts_with("OPEN_ERROR")) {
            panic!(
                "round {kills}: child could not open {}: {err}",
                dir.path().display()
            );
        }
        assert!(
            status.code() != Some(101),
            "round {kills}: child panicked: {lines:?}"
        );
        all_acked.extend(
            lines
                .iter()
                .filter_map(|l| l.strip_prefix("ACK ").map(str::to_owned)),
        );
        kills += 1;
        match verify(dir.path(), &all_acked) {
            Ok((_, replayed)) => replays += usize::from(replayed > 0),
            Err(problem) => {
                let keep = std::env::temp_dir()
                    .join(format!("lifecycle-crash-repro-{}", std::process::id()));
                let _ = Command::new("cp")
                    .arg("-r")
                    .arg(dir.path())
                    .arg(&keep)
                    .status();
                panic!(
                    "after kill {kills}: {problem} (copy kept in {})",
                    keep.display()
                );
            }
        }
    }
    let (found, _) = verify(dir.path(), &all_acked).expect("final verify");
    eprintln!(
        "crash test: {kills} kills, {} acknowledged, {found} durable actions, {replays} reopens replayed the journal, {:?}",
        all_acked.len(),
        started.elapsed()
    );
    assert!(
        replays > 0,
        "no kill ever left journaled batches to replay: the recovery path went untested"
    );
    assert!(kills >= 10, "too few kills within the time budget: {kills}");
    assert!(
        !all_acked.is_empty(),
        "the child never acknowledged anything"
    );
}
