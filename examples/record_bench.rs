//! What recording every message costs the chat path.
//!
//! `cargo run --release --example record_bench -- [MESSAGES] [DIR]`
//!
//! In one run, the same messages (every line of ../shared/eval/dev.tsv and
//! dev-ml.tsv, cycled) go through `Bot::handle` — classification, locale,
//! answer, and with a record the redaction and the durable record commit —
//! with no record, with the record on the memory store, and on sled with
//! `Durability::PowerLoss` (journal `fdatasync`, the default) and
//! `Durability::ProcessCrash`; each with 1 and 16 concurrent conversations.
//! Also times `redact` alone. Prints messages/s and p50/p99 latency of
//! `Bot::handle`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use supportbot::knowledge::KnowledgeSource;
use supportbot::lifecycle::SystemClock;
use supportbot::model::{Evidence, Identity, Inbound, Message, Platform};
use supportbot::record::{redact, RecordPolicy, RecordService, RecordStore};
use supportbot::store::{Durability, MemoryStore, SledStore};
use supportbot::{Bot, Knowledge};

fn messages() -> Vec<String> {
    let mut lines = Vec::new();
    for name in ["dev.tsv", "dev-ml.tsv"] {
        let path = format!("{}/../shared/eval/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap_or_default();
        lines.extend(
            text.lines()
                .skip(1)
                .filter_map(|l| l.split('\t').next())
                .map(str::to_owned),
        );
    }
    if lines.is_empty() {
        lines = vec![
            "How do I cancel my subscription?".into(),
            "avlys møtet".into(),
        ];
    }
    lines
}

fn inbound(worker: usize, n: usize, text: &str) -> Inbound {
    Inbound {
        event_id: format!("{worker}-{n}"),
        identity: Identity {
            platform: Platform::Discord,
            user_id: format!("user-{worker}"),
            scope: Some("guild".into()),
            evidence: Evidence::Discord {
                permissions: 0,
                role_ids: Vec::new(),
            },
        },
        conversation: format!("chan-{worker}"),
        locales: Vec::new(),
        message: Message::Text(text.to_owned()),
        received_at: Utc::now(),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

async fn measure(bot: Arc<Bot>, lines: Arc<Vec<String>>, total: usize, workers: usize) -> String {
    let per = total / workers;
    let started = Instant::now();
    let tasks: Vec<_> = (0..workers)
        .map(|w| {
            let (bot, lines) = (Arc::clone(&bot), Arc::clone(&lines));
            tokio::spawn(async move {
                let mut took = Vec::with_capacity(per);
                for n in 0..per {
                    let text = &lines[(w * per + n) % lines.len()];
                    let t = Instant::now();
                    std::hint::black_box(bot.handle(inbound(w, n, text)).await);
                    took.push(t.elapsed());
                }
                took
            })
        })
        .collect();
    let mut all = Vec::with_capacity(total);
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    let wall = started.elapsed();
    all.sort();
    format!(
        "{:>8.0} msg/s  p50 {:>7.3} ms  p99 {:>7.3} ms",
        all.len() as f64 / wall.as_secs_f64(),
        percentile(&all, 0.50).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3
    )
}

/// Builds the bot of one setup.
type Setup<'a> = Box<dyn Fn() -> Bot + 'a>;

/// A fresh `Knowledge` per setup, so no setup inherits another's warm caches.
fn knowledge() -> Knowledge {
    Knowledge::load(&KnowledgeSource::embedded()).unwrap_or_else(|e| panic!("knowledge: {e}"))
}

fn recording(store: Arc<dyn RecordStore>) -> Bot {
    let service = RecordService::new(store, Arc::new(SystemClock), RecordPolicy::default());
    Bot::new(knowledge()).with_record(service)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let total: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(4_000);
    let dir = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| format!("target/bench-record-{}", std::process::id()));
    let lines = Arc::new(messages());

    let t = Instant::now();
    let mut n = 0;
    while n < total {
        std::hint::black_box(redact(&lines[n % lines.len()]));
        n += 1;
    }
    println!(
        "redact alone: {:.2} µs per message ({total} messages cycled from {} lines)",
        t.elapsed().as_secs_f64() * 1e6 / total as f64,
        lines.len()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    let setups: Vec<(&str, Setup<'_>)> = vec![
        ("no record", Box::new(|| Bot::new(knowledge()))),
        (
            "record, memory",
            Box::new(|| recording(Arc::new(MemoryStore::new()))),
        ),
        (
            "record, sled PowerLoss",
            Box::new(|| {
                let d = format!("{dir}/power-{}", rand_suffix());
                let s = SledStore::open_with(&d, Durability::PowerLoss)
                    .unwrap_or_else(|e| panic!("{e}"));
                recording(Arc::new(s))
            }),
        ),
        (
            "record, sled ProcessCrash",
            Box::new(|| {
                let d = format!("{dir}/crash-{}", rand_suffix());
                let s = SledStore::open_with(&d, Durability::ProcessCrash)
                    .unwrap_or_else(|e| panic!("{e}"));
                recording(Arc::new(s))
            }),
        ),
    ];
    for workers in [1, 16] {
        for (name, make) in &setups {
            let bot = Arc::new(make());
            // Warm the caches the first messages would otherwise pay for.
            runtime.block_on(measure(Arc::clone(&bot), Arc::clone(&lines), 200, 1));
            let line = runtime.block_on(measure(bot, Arc::clone(&lines), total, workers));
            println!("{workers:>2} conversations  {name:<27} {line}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}
