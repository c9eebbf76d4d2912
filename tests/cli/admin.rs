//! The subscription lifecycle driven through `supportbot admin …` and the
//! chat, against a real sled database in a temporary data directory.

use crate::common::{stderr_of, stdout_of, supportbot};
use serde_json::Value;

struct Data(tempfile::TempDir);

impl Data {
    fn new() -> Data {
        let data = Data(tempfile::tempdir().expect("tmp"));
        let out = data.admin(&["seed-demo"]);
        assert!(out.status.success(), "{}", stderr_of(&out));
        data
    }

    fn admin(&self, args: &[&str]) -> std::process::Output {
        self.admin_stdin(args, "")
    }

    fn admin_stdin(&self, args: &[&str], stdin: &str) -> std::process::Output {
        supportbot()
            .arg("--data-dir")
            .arg(self.0.path())
            .arg("admin")
            .args(args)
            .write_stdin(stdin)
            .output()
            .expect("runs")
    }

    fn json_lines(&self, args: &[&str]) -> Vec<Value> {
        let out = self.admin(args);
        stdout_of(&out)
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect()
    }
}

#[test]
fn cancel_is_proposed_confirmed_and_audited() {
    let data = Data::new();
    let replies = data.json_lines(&["cancel", "SUB-1", "--yes", "--json", "--request-id", "r1"]);
    assert_eq!(replies.len(), 2, "proposal then receipt: {replies:?}");
    assert_eq!(replies[0]["stage"], "proposed");
    assert_eq!(replies[0]["answer_key"], "action-proposal");
    let proposal = &replies[0]["outcome"];
    assert_eq!(proposal["action"]["kind"], "cancel");
    assert_eq!(proposal["action"]["subscription"], "SUB-1");
    let token = proposal["token"].as_str().unwrap_or_default();
    assert!(
        !token.is_empty() && token.len() + "confirm:".len() <= 100,
        "fits a Discord custom_id"
    );
    assert!(
        replies[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains(token)),
        "the text a chat user reads names the same token: {replies:?}"
    );
    assert_eq!(replies[1]["stage"], "confirmed");
    let receipt = &replies[1]["outcome"];
    assert_eq!(receipt["kind"], "confirmed");
    assert_eq!(receipt["facts"]["subscription"], "SUB-1");
    assert!(
        receipt["facts"]["credit"]["amount"]["minor"]
            .as_i64()
            .is_some_and(|m| m > 0),
        "a prorated credit for the unused days: {receipt}"
    );
    assert!(replies[1]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("is cancelled"));

    let status = stdout_of(&data.admin(&["status", "demo"]));
    assert!(
        status.contains("SUB-1: Microsoft 365 Business Standard, 10 seats, disabled"),
        "{status}"
    );

    let audit = data.json_lines(&["audit", "demo", "--json"]);
    let confirmed: Vec<&Value> = audit.iter().filter(|r| r["kind"] == "confirmed").collect();
    assert_eq!(confirmed.len(), 1, "{audit:?}");
    assert_eq!(confirmed[0]["before"], "active");
    assert_eq!(confirmed[0]["after"], "disabled");
}

#[test]
fn provisioning_with_json_prints_what_was_created() {
    let data = Data(tempfile::tempdir().expect("tmp"));
    let created = data.json_lines(&["seed-demo", "--json"]);
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(
        created[0]["created"]["accounts"],
        serde_json::json!(["demo"])
    );
    assert_eq!(
        created[0]["created"]["subscriptions"],
        serde_json::json!(["demo/SUB-1", "demo/SUB-2", "demo/SUB-3", "demo/SUB-4"])
    );
    let created = data.json_lines(&[
        "account",
        "create",
        "acme",
        "--name",
        "Acme",
        "--country",
        "NO",
        "--json",
    ]);
    assert_eq!(
        created[0]["created"]["accounts"],
        serde_json::json!(["acme"])
    );
}

#[test]
fn subscription_show_takes_the_id_with_or_without_the_account() {
    let data = Data::new();
    let short = stdout_of(&data.admin(&["subscription", "show", "SUB-1"]));
    let long = stdout_of(&data.admin(&["subscription", "show", "demo/SUB-1"]));
    assert!(
        short.contains("SUB-1: Microsoft 365 Business Standard"),
        "{short}"
    );
    assert_eq!(short, long);
    let out = data.admin(&["subscription", "show", "SUB-99"]);
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("SUB-99"), "{}", stderr_of(&out));
}

#[test]
fn replaying_a_request_id_returns_the_stored_outcome_without_acting_twice() {
    let data = Data::new();
    let first = data.json_lines(&["refund", "SUB-1", "--yes", "--json", "--request-id", "same"]);
    let again = data.json_lines(&["refund", "SUB-1", "--yes", "--json", "--request-id", "same"]);
    assert_eq!(
        first[1]["outcome"], again[1]["outcome"],
        "the replay returns the stored receipt"
    );
    assert_eq!(first[1]["message"], again[1]["message"]);
    let audit = data.json_lines(&["audit", "demo", "--json"]);
    let confirmed = audit.iter().filter(|r| r["kind"] == "confirmed").count();
    assert_eq!(confirmed, 1, "acted once: {audit:?}");
}

#[test]
fn partner_billed_subscriptions_are_refused_with_who_to_contact() {
    let data = Data::new();
    let out = data.admin(&["cancel", "SUB-4", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout_of(&out);
    assert!(text.contains("Contoso Partner AS"), "{text}");
}

#[test]
fn status_and_refusals_with_json_are_data_objects() {
    let data = Data::new();
    let status = data.json_lines(&["status", "demo", "--json"]);
    assert_eq!(status.len(), 1, "{status:?}");
    assert_eq!(status[0]["account"]["id"], "demo");
    let states: Vec<&Value> = status[0]["subscriptions"]
        .as_array()
        .map(|subs| subs.iter().map(|s| &s["state"]).collect())
        .unwrap_or_default();
    assert_eq!(states.len(), 4, "{status:?}");
    assert!(states.iter().all(|s| *s == "active"), "{states:?}");
    assert_eq!(
        data.json_lines(&["subscription", "show", "SUB-2", "--json"]),
        status,
        "subscription show prints its account's status"
    );

    let out = data.admin(&["cancel", "SUB-4", "--yes", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let refused: Value = serde_json::from_str(stdout_of(&out).trim()).expect("one object");
    assert_eq!(refused["stage"], "refused");
    assert_eq!(refused["outcome"], Value::Null, "nothing was stored");
}

#[test]
fn closing_an_account_needs_the_id_typed_back_and_then_refuses_everything() {
    let data = Data::new();
    let started = (chrono::Utc::now() - chrono::Days::new(10))
        .date_naive()
        .to_string();
    assert!(data
        .admin(&[
            "account",
            "create",
            "acme",
            "--name",
            "Acme AS",
            "--country",
            "NO"
        ])
        .status
        .success());
    let add = data.admin(&[
        "subscription",
        "add",
        "acme",
        "SUB-1",
        "--product",
        "Microsoft 365 Business Basic",
        "--seats",
        "5",
        "--price-minor",
        "6990",
        "--currency",
        "NOK",
        "--started",
        &started,
    ]);
    assert!(add.status.success(), "{}", stderr_of(&add));

    let out = data.admin_stdin(&["close-account", "acme", "--yes"], "wrong\n");
    let text = stdout_of(&out);
    assert!(
        text.contains("cancelled and deleted now") && text.contains("SUB-1"),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(1), "wrong id typed back: {text}");

    let out = data.admin_stdin(&["close-account", "acme", "--yes"], "acme\n");
    assert!(out.status.success(), "{}", stdout_of(&out));
    assert!(stdout_of(&out).contains("is closed"));

    let out = data.admin(&["reactivate", "acme/SUB-1", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout_of(&out).contains("closed"), "{}", stdout_of(&out));
}

#[test]
fn a_closed_accounts_audit_log_and_export_stay_readable_to_support() {
    let data = Data::new();
    let create = data.admin(&[
        "account",
        "create",
        "acme",
        "--name",
        "Acme AS",
        "--country",
        "NO",
    ]);
    assert!(create.status.success(), "{}", stderr_of(&create));
    let out = data.admin_stdin(&["close-account", "acme", "--yes"], "acme\n");
    assert!(out.status.success(), "{}", stdout_of(&out));
    assert!(stdout_of(&out).contains("is closed"), "{}", stdout_of(&out));

    let out = data.admin(&["audit", "acme", "--json"]);
    assert!(
        out.status.success(),
        "audit of a closed account: {}",
        stderr_of(&out)
    );
    let audit: Vec<Value> = stdout_of(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON record per line"))
        .collect();
    assert!(
        audit
            .iter()
            .any(|r| r["kind"] == "confirmed" && r["action"] == "close_account"),
        "{audit:?}"
    );

    let lines = data.json_lines(&["export", "acme", "--json"]);
    let export = &lines[0];
    assert_eq!(export["account"]["id"], "acme", "{lines:?}");
    assert!(export["account"]["closed_at"].is_string(), "{export}");
    assert!(!export["audit"]
        .as_array()
        .map(Vec::is_empty)
        .unwrap_or(true));
}

#[test]
fn export_is_json_with_account_subscriptions_and_audit() {
    let data = Data::new();
    let lines = data.json_lines(&["export", "demo", "--json"]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let export = &lines[0];
    assert_eq!(export["account"]["id"], "demo");
    assert_eq!(export["subscriptions"].as_array().map(Vec::len), Some(4));
    assert!(export["audit"].as_array().is_some_and(|a| !a.is_empty()));
}

#[test]
fn tick_deletes_cancelled_subscriptions_after_the_disabled_period() {
    let data = Data::new();
    assert!(data.admin(&["cancel", "SUB-1", "--yes"]).status.success());
    let later = (chrono::Utc::now() + chrono::Days::new(91)).to_rfc3339();
    let report = data.json_lines(&["tick", "--json", "--now", &later]);
    assert!(
        report[0]["transitions"].as_u64().unwrap_or(0) >= 1,
        "{report:?}"
    );
    let status = stdout_of(&data.admin(&["status", "demo"]));
    assert!(
        status.contains("SUB-1: Microsoft 365 Business Standard, 10 seats, deleted"),
        "{status}"
    );
}

#[test]
fn chat_runs_actions_as_a_conversation_in_norwegian() {
    let data = Data::new();
    let out = supportbot()
        .arg("--data-dir")
        .arg(data.0.path())
        .write_stdin("si opp SUB-1\n")
        .output()
        .expect("runs");
    let text = stdout_of(&out);
    assert!(
        text.contains("Si opp Microsoft 365 Business Standard (SUB-1)"),
        "{text}"
    );
    let token = text
        .split_whitespace()
        .find(|w| w.starts_with("c1:"))
        .expect("a token in the proposal")
        .to_owned();
    let out = supportbot()
        .arg("--data-dir")
        .arg(data.0.path())
        .write_stdin(format!("confirm {token}\nconfirm {token}\n"))
        .output()
        .expect("runs");
    let text = stdout_of(&out);
    assert!(text.contains("is cancelled"), "{text}");
    assert!(
        text.contains("already"),
        "a second confirmation is refused: {text}"
    );
}

#[test]
fn finnish_dates_take_the_partitive_month() {
    let data = Data::new();
    let lines = data.json_lines(&["--locale", "fi-FI", "cancel", "SUB-1", "--json"]);
    let message = lines[0]["message"].as_str().unwrap_or_default();
    // "poistetaan 3. maaliskuuta 2027", not the nominative "3. maaliskuu".
    let partitive = regex::Regex::new(r"\d{1,2}\. \p{L}+kuuta \d{4}").expect("pattern");
    assert!(partitive.is_match(message), "{message}");
}

#[test]
fn a_date_ending_in_a_period_ends_the_sentence_with_one_period() {
    let data = Data::new();
    let lines = data.json_lines(&["--locale", "hr-HR", "cancel", "SUB-1", "--json"]);
    let message = lines[0]["message"].as_str().unwrap_or_default();
    // Croatian long dates end in a period ("3. ožujka 2027.").
    assert!(
        regex::Regex::new(r"\d{4}\.")
            .expect("pattern")
            .is_match(message),
        "{message}"
    );
    assert!(!message.contains(".."), "{message}");
    assert!(!message.contains('\u{E000}'), "{message}");
}
