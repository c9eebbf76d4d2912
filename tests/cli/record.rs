//! The conversation record from the command line: what `chat` was told shows
//! up in `report --json` with the right figures and redacted texts, and
//! `admin privacy export|erase` return and delete a user's records.

use crate::common::{stderr_of, stdout_of, supportbot};
use serde_json::Value;

fn run(dir: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    supportbot()
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("SUPPORTBOT_LOG", "info")
        .write_stdin(stdin.to_owned())
        .output()
        .expect("runs")
}

fn json(dir: &std::path::Path, args: &[&str]) -> Value {
    let out = run(dir, args, "");
    assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    serde_json::from_str(stdout_of(&out).trim()).expect("one JSON object")
}

/// Two not-understood messages never follow each other, so the bot does not
/// hand over before the user asks for a person (line 7).
const CHAT: &str = "I want to cancel my subscription
where is my parcel, mail me at kari@example.no, card 4111 1111 1111 1111
hvordan sier jeg opp abonnementet
Where is my parcel? Mail me at ola@eksempel.no, card 5555 5555 5555 4444
I want a refund to GB82 WEST 1234 5698 7654 32 please
I want to cancel the order for my subscription
jeg vil snakke med et menneske
hello
";

#[test]
fn report_counts_what_chat_was_told_and_shows_only_redacted_text() {
    let data = tempfile::tempdir().expect("tmp");
    let dir = data.path();
    let chat = run(dir, &["chat"], CHAT);
    assert!(chat.status.success(), "{}", stderr_of(&chat));
    assert!(
        !stderr_of(&chat).contains("parcel"),
        "message text in the log: {}",
        stderr_of(&chat)
    );

    let r = json(dir, &["report", "--json"]);
    assert_eq!(r["messages"], 7, "{r:#}");
    assert_eq!(r["not_understood"], 3);
    assert_eq!(r["not_understood_rate"], 0.4286);
    assert_eq!(
        r["while_handed_off"], 1,
        "the last line came while a person had it"
    );
    let days = r["days"].as_array().expect("days");
    let en = days.iter().find(|d| d["locale"] == "en-US").expect("en-US");
    let nb = days.iter().find(|d| d["locale"] == "nb-NO").expect("nb-NO");
    assert_eq!(
        (en["messages"].as_u64(), en["not_understood"].as_u64()),
        (Some(5), Some(3))
    );
    assert_eq!(
        (nb["messages"].as_u64(), nb["not_understood"].as_u64()),
        (Some(2), Some(0))
    );
    let intents = r["intents"].as_array().expect("intents");
    assert_eq!(intents[0]["name"], "cancel");
    assert_eq!(intents[0]["count"], 2);
    let top = &r["top_not_understood"][0];
    assert_eq!(
        top["count"], 2,
        "both parcel questions read the same: {r:#}"
    );
    assert_eq!(top["locale"], "en-US");
    assert_eq!(
        top["text"],
        "where is my parcel, mail me at [email], card [card]"
    );
    let vetoed = &r["top_vetoed"][0];
    assert_eq!(
        vetoed["text"],
        "I want to cancel the order for my subscription"
    );
    assert!(vetoed["vetoed"]
        .as_array()
        .expect("rules")
        .contains(&Value::from("cancel/en/verb-subscription")));
    assert_eq!(r["handoffs"][0]["reason"], "asked");
    assert_eq!(r["handoffs"][0]["tickets"], 1);
    assert_eq!(r["handoffs"][0]["claimed"], 0);
    let whole = r.to_string();
    for secret in ["4111", "5555", "kari@", "GB82", "WEST"] {
        assert!(!whole.contains(secret), "{secret} in the report: {whole}");
    }

    let claim = run(dir, &["admin", "handoff", "claim", "H-1"], "");
    assert!(claim.status.success(), "{}", stderr_of(&claim));
    let r = json(dir, &["report", "--json"]);
    assert_eq!(r["handoffs"][0]["claimed"], 1);
    assert!(r["handoffs"][0]["median_seconds_to_claim"].as_i64() >= Some(0));

    let nb = json(dir, &["report", "--json", "--locale", "nb"]);
    assert_eq!(
        (nb["messages"].as_u64(), nb["not_understood"].as_u64()),
        (Some(2), Some(0))
    );
    let later = json(dir, &["report", "--json", "--since", "2999-01-01"]);
    assert_eq!(later["messages"], 0);

    let text = run(dir, &["report"], "");
    assert!(text.status.success(), "{}", stderr_of(&text));
    assert!(
        stdout_of(&text).contains("7 messages"),
        "{}",
        stdout_of(&text)
    );
}

#[test]
fn privacy_export_returns_records_and_tickets_and_erase_deletes_the_records() {
    let data = tempfile::tempdir().expect("tmp");
    let dir = data.path();
    let chat = run(dir, &["chat"], CHAT);
    assert!(chat.status.success(), "{}", stderr_of(&chat));

    let export = json(
        dir,
        &["admin", "privacy", "export", "--user", "cli:operator"],
    );
    assert_eq!(export["user"], "cli:operator");
    assert_eq!(export["records"].as_array().map(Vec::len), Some(8));
    assert_eq!(export["tickets"].as_array().map(Vec::len), Some(1));
    let whole = export.to_string();
    assert!(
        whole.contains("[card]") && !whole.contains("4111"),
        "{whole}"
    );

    let other = json(dir, &["admin", "privacy", "export", "--user", "discord:1"]);
    assert_eq!(other["records"].as_array().map(Vec::len), Some(0));

    let erase = json(
        dir,
        &[
            "admin",
            "privacy",
            "erase",
            "--user",
            "cli:operator",
            "--json",
        ],
    );
    assert_eq!(erase["erased_records"], 8);
    let after = json(
        dir,
        &["admin", "privacy", "export", "--user", "cli:operator"],
    );
    assert_eq!(after["records"].as_array().map(Vec::len), Some(0));
    assert_eq!(json(dir, &["report", "--json"])["messages"], 0);

    let bad = run(
        dir,
        &["admin", "privacy", "erase", "--user", "operator"],
        "",
    );
    assert!(!bad.status.success());
    assert!(
        stderr_of(&bad).contains("not a user"),
        "{}",
        stderr_of(&bad)
    );
}
