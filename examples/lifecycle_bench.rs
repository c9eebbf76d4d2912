//! Durable-action throughput and latency of the sled store (group commit).
//!
//! `cargo run --release --example lifecycle_bench -- [ACTIONS] [DIR]`
//!
//! Runs once with `Durability::PowerLoss` (sled flush + fdatasync, the default) and once
//! with `Durability::ProcessCrash` (sled flush only).
//!
//! Two measurements per concurrency level (1 and 64 workers):
//! - `commit`: one "durable action" = one `Store::commit` holding a subscription state
//!   change, its audit record and its idempotency record, flushed before returning.
//! - `confirm`: the full chat flow through the async `LifecycleService`: status read,
//!   propose, confirm (two durable commits, plus reads and planning).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use supportbot::auth::{authorize_operator, AuthConfig, UserKey};
use supportbot::lifecycle::{
    Action, Actor, AuditKind, AuditRecord, IdempotencyRecord, LifecycleService, Policy, Receipt,
    Seed, StoredOutcome, SubState, SystemClock, TokenKey,
};
use supportbot::lifecycle::{Store, WriteSet};
use supportbot::model::{AccountId, EventId, SubscriptionId};
use supportbot::model::{Evidence, Identity, Platform};
use supportbot::store::{Durability, SledStore};

const WORKERS: u64 = 64;

fn operator() -> Identity {
    Identity {
        platform: Platform::Cli,
        user_id: "operator".into(),
        scope: None,
        evidence: Evidence::LocalOperator,
    }
}

/// One tenant per worker (64 admins acting at once), each with three subscriptions.
fn seed() -> Seed {
    let today = Utc::now().date_naive();
    let mut t = String::new();
    for w in 1..=WORKERS {
        t.push_str(&format!(
            "[[account]]\nid = \"bench-{w}\"\nname = \"Bench {w}\"\ncountry = \"NO\"\npreferred_locale = \"en\"\n"
        ));
        for n in 1..=3 {
            t.push_str(&format!(
                "[[subscription]]\nid = \"SUB-{n}\"\naccount = \"bench-{w}\"\nproduct = \"P\"\nseats = 1\n\
                 unit_price_minor = 100\ncurrency = \"NOK\"\nperiod = \"monthly\"\nstarted = \"{today}\"\n"
            ));
        }
    }
    Seed::from_toml(&t).unwrap_or_else(|e| panic!("seed: {e}"))
}

fn account(w: u64) -> AccountId {
    AccountId::parse(&format!("bench-{w}")).unwrap_or_else(|e| panic!("{e}"))
}

fn report(name: &str, workers: u64, wall: Duration, mut lat: Vec<Duration>) {
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p) as usize];
    println!(
        "{name:<8} workers={workers:<3} actions={:<7} {:>8.0} actions/s  p50={:>7.3}ms  p99={:>7.3}ms  max={:>7.3}ms",
        lat.len(),
        lat.len() as f64 / wall.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        pct(1.0).as_secs_f64() * 1e3,
    );
}

/// One durable action on SUB-1 of `account`: flip Active/Disabled with audit + idempotency.
fn commit_once(store: &SledStore, account: &AccountId, tag: &str) -> Duration {
    let id = SubscriptionId::from_number(1);
    let mut s = store
        .subscriptions(account)
        .ok()
        .and_then(|v| v.into_iter().find(|s| s.id == id))
        .unwrap_or_else(|| panic!("SUB-1 of {account}"));
    let before = s.clone();
    s.state = if s.state == SubState::Active {
        SubState::Disabled
    } else {
        SubState::Active
    };
    s.revision += 1;
    let now = Utc::now();
    let audit = AuditRecord::new(now, Actor::Scheduler, AuditKind::Transition).change(&before, &s);
    let receipt = Receipt {
        account: account.clone(),
        action: Action::Cancel { subscription: id },
        facts: supportbot::lifecycle::Facts::Reactivate {
            subscription: id,
            product: "P".into(),
            term_start: s.term_start,
            term_end: s.term_end,
            new_term: false,
        },
        confirmed_at: now,
    };
    let ws = WriteSet {
        subscriptions: vec![s],
        audit: vec![audit],
        idempotency: Some(IdempotencyRecord {
            event: format!("bench:{tag}"),
            user: UserKey {
                platform: Platform::Cli,
                user_id: "bench".into(),
            },
            at: now,
            outcome: StoredOutcome::Confirmed(receipt),
        }),
        ..WriteSet::default()
    };
    let t = Instant::now();
    store.commit(ws).unwrap_or_else(|e| panic!("commit: {e}"));
    t.elapsed()
}

fn bench_commits(store: &Arc<SledStore>, workers: u64, per_worker: u64, round: &str) {
    let start = Instant::now();
    let handles: Vec<_> = (1..=workers)
        .map(|w| {
            let (store, account, round) = (Arc::clone(store), account(w), round.to_owned());
            std::thread::spawn(move || {
                (0..per_worker)
                    .map(|k| commit_once(&store, &account, &format!("{round}-{w}-{k}")))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let lat: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap_or_default())
        .collect();
    report("commit", workers, start.elapsed(), lat);
}

async fn bench_confirms(
    svc: &LifecycleService<Arc<SledStore>>,
    workers: u64,
    per_worker: u64,
    round: &str,
) {
    let start = Instant::now();
    let tasks: Vec<_> = (1..=workers)
        .map(|w| {
            let (svc, round) = (svc.clone(), round.to_owned());
            tokio::spawn(async move {
                let account = account(w);
                let admin = svc
                    .authorize(&operator(), &account, None)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                let id = SubscriptionId::from_number(2);
                let mut lat = Vec::new();
                for k in 0..per_worker {
                    let ev = |s: &str| {
                        EventId::new(Platform::Cli, &format!("{round}-{w}-{k}-{s}"))
                            .unwrap_or_else(|e| panic!("{e}"))
                    };
                    let t = Instant::now();
                    let status = svc
                        .status(&operator(), &account)
                        .await
                        .unwrap_or_else(|e| panic!("status: {e}"));
                    let active = status
                        .subscriptions
                        .iter()
                        .any(|s| s.id == id && s.state == SubState::Active);
                    let action = if active {
                        Action::Cancel { subscription: id }
                    } else {
                        Action::Reactivate { subscription: id }
                    };
                    let p = svc
                        .propose(&admin, action, &ev("p"))
                        .await
                        .unwrap_or_else(|e| panic!("propose: {e}"));
                    svc.confirm(&operator(), &p.token, None, &ev("c"))
                        .await
                        .unwrap_or_else(|e| panic!("confirm: {e}"));
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap_or_default());
    }
    report("confirm", workers, start.elapsed(), lat);
}

fn run(per: u64, dir: &str, durability: Durability) {
    let _ = std::fs::remove_dir_all(dir);
    let store = Arc::new(SledStore::open_with(dir, durability).unwrap_or_else(|e| panic!("{e}")));
    let op =
        authorize_operator(&operator(), &AuthConfig::default()).unwrap_or_else(|e| panic!("{e}"));
    let svc = LifecycleService::new(
        Arc::clone(&store),
        Policy::default(),
        AuthConfig::default(),
        Arc::new(SystemClock),
        TokenKey::from_bytes([1; 32]),
    );
    svc.engine()
        .provision(&op, &seed(), Utc::now())
        .unwrap_or_else(|e| panic!("{e}"));
    println!("-- durability {durability:?}, sled dir {dir}");
    bench_commits(&store, 1, per, "s");
    bench_commits(&store, 64, (per / 8).max(1), "c");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(async {
        bench_confirms(&svc, 1, (per / 5).max(1), "cs").await;
        bench_confirms(&svc, 64, (per / 40).max(1), "cc").await;
    });
    drop(svc);
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let per: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5_000);
    let dir = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| format!("target/bench-db-{}", std::process::id()));
    println!(
        "{} cores; {per} single-worker commits",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    run(per, &dir, Durability::PowerLoss);
    run(per, &dir, Durability::ProcessCrash);
}
