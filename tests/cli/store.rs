//! `admin store copy|check`: a sled data directory moved into PostgreSQL
//! reads the same through every admin command, a second copy writes
//! nothing, and the moved store keeps working.

use crate::common::postgres::database;
use crate::common::{stderr_of, stdout_of, supportbot};

const NOW: &str = "2026-01-15T12:00:00Z";

fn admin(data: &std::path::Path, url: Option<&str>, args: &[&str]) -> std::process::Output {
    let mut cmd = supportbot();
    if let Some(url) = url {
        cmd.env("SUPPORTBOT_DATABASE_URL", url);
    }
    cmd.arg("--data-dir")
        .arg(data)
        .arg("admin")
        .args(args)
        .args(["--now", NOW])
        .output()
        .expect("runs")
}

fn ok(out: std::process::Output) -> String {
    assert!(out.status.success(), "{}", stderr_of(&out));
    stdout_of(&out)
}

#[test]
fn a_sled_store_copied_into_postgres_reads_the_same_and_a_rerun_writes_nothing() {
    let Some(url) = database("cli::store::copy_round_trip") else {
        return;
    };
    let data = tempfile::tempdir().expect("tmp");
    let sled = data.path();
    ok(admin(sled, None, &["seed-demo"]));
    ok(admin(
        sled,
        None,
        &["cancel", "SUB-1", "--yes", "--request-id", "r1"],
    ));
    let before_audit = ok(admin(sled, None, &["audit", "demo", "--json"]));
    let before_status = ok(admin(sled, None, &["status", "demo", "--json"]));

    let copied = ok(admin(sled, Some(&url), &["store", "copy", "--json"]));
    let report: serde_json::Value = serde_json::from_str(copied.trim()).expect("json");
    assert!(
        report["written"]["audit"].as_u64().unwrap_or(0) > 0,
        "{report}"
    );
    let again = ok(admin(sled, Some(&url), &["store", "copy", "--json"]));
    let again: serde_json::Value = serde_json::from_str(again.trim()).expect("json");
    assert!(
        again["written"]
            .as_object()
            .expect("counts")
            .values()
            .all(|n| n == 0),
        "a second copy writes nothing: {again}"
    );
    assert_eq!(again["source"], report["source"]);

    let checked = ok(admin(sled, Some(&url), &["store", "check"]));
    assert!(
        checked.contains("every record is readable and consistent"),
        "{checked}"
    );
    assert!(!checked.contains(url.as_str()), "the URL is not printed");

    // Another data directory: nothing but the database is shared.
    let other = tempfile::tempdir().expect("tmp");
    let pg = other.path();
    assert_eq!(
        ok(admin(pg, Some(&url), &["audit", "demo", "--json"])),
        before_audit
    );
    assert_eq!(
        ok(admin(pg, Some(&url), &["status", "demo", "--json"])),
        before_status
    );
    // The moved store keeps working: a new action appends after the copied audit.
    ok(admin(
        pg,
        Some(&url),
        &["cancel", "SUB-2", "--yes", "--request-id", "r2"],
    ));
    let after = ok(admin(pg, Some(&url), &["audit", "demo", "--json"]));
    let seqs: Vec<u64> = after
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|r| r["seq"].as_u64())
        .collect();
    assert!(seqs.len() > before_audit.lines().count(), "{after}");
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "new audit numbers follow the copied ones: {seqs:?}"
    );
}

#[test]
fn a_check_of_a_sled_store_reports_counts() {
    let data = tempfile::tempdir().expect("tmp");
    ok(admin(data.path(), None, &["seed-demo"]));
    let out = ok(admin(data.path(), None, &["store", "check"]));
    assert!(out.contains("accounts: 1 records"), "{out}");
    assert!(
        out.contains("every record is readable and consistent"),
        "{out}"
    );
}
