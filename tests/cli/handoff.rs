//! Handoff from the command line: asking for a person in `chat` opens a
//! ticket that `admin handoff` lists, claims and resolves (same data dir).

use crate::common::{stderr_of, stdout_of, supportbot};
use serde_json::Value;

fn run(dir: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    supportbot()
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .write_stdin(stdin.to_owned())
        .output()
        .expect("runs")
}

fn tickets(dir: &std::path::Path) -> Vec<Value> {
    let out = run(dir, &["admin", "handoff", "list", "--json"], "");
    assert!(out.status.success(), "{}", stderr_of(&out));
    stdout_of(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn asking_for_a_person_in_chat_opens_a_ticket_that_admin_handoff_shows_and_resolves() {
    let data = tempfile::tempdir().expect("tmp");
    let dir = data.path();
    let out = run(
        dir,
        &["chat"],
        "jeg vil snakke med et menneske\nhvordan sier jeg opp abonnementet\n",
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(text.contains("Et menneske tar over"), "{text}");
    assert!(text.contains("H-1"), "{text}");
    assert!(
        text.contains("Et menneske har samtalen din"),
        "quiet while the ticket is open: {text}"
    );

    let list = tickets(dir);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["state"], "open");
    assert_eq!(list[0]["user"]["platform"], "cli");
    assert_eq!(list[0]["locale"], "nb-NO");
    assert_eq!(list[0]["reason"]["kind"], "asked");

    let claim = run(dir, &["admin", "handoff", "claim", "H-1", "--json"], "");
    assert!(claim.status.success(), "{}", stderr_of(&claim));
    let claimed: Value = serde_json::from_str(stdout_of(&claim).trim()).expect("json");
    assert_eq!(claimed["state"], "claimed");
    assert_eq!(claimed["claimed"][1], "cli:operator");

    let resolve = run(dir, &["admin", "handoff", "resolve", "1"], "");
    assert!(resolve.status.success(), "{}", stderr_of(&resolve));
    assert!(stdout_of(&resolve).contains("resolved"));

    let again = run(dir, &["admin", "handoff", "claim", "H-1", "--json"], "");
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stdout_of(&again).contains("already resolved"),
        "{}",
        stdout_of(&again)
    );

    let show = run(dir, &["admin", "handoff", "show", "H-1"], "");
    let shown = stdout_of(&show);
    assert!(shown.contains("jeg vil snakke med et menneske"), "{shown}");
    assert!(
        shown.contains("Opened") && shown.contains("Claimed") && shown.contains("Resolved"),
        "{shown}"
    );

    let back = run(dir, &["chat"], "hvordan sier jeg opp abonnementet\n");
    let text = stdout_of(&back);
    assert!(
        text.contains("Nå svarer jeg igjen"),
        "resumes and says so: {text}"
    );
}

#[test]
fn unknown_tickets_and_bad_ids_are_refused() {
    let data = tempfile::tempdir().expect("tmp");
    let out = run(data.path(), &["admin", "handoff", "show", "H-9"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout_of(&out).contains("there is no ticket H-9"));
    let bad = run(data.path(), &["admin", "handoff", "claim", "nine"], "");
    assert!(!bad.status.success());
    assert!(
        stderr_of(&bad).contains("not a ticket id"),
        "{}",
        stderr_of(&bad)
    );
}
