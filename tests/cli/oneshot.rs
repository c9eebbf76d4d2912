//! Drives the `supportbot` binary the way a user does.

use crate::common::{stdout_of, supportbot};
use serde_json::Value;

fn ask_json(args: &[&str]) -> Value {
    let out = supportbot()
        .arg("ask")
        .arg("--json")
        .args(args)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "ask failed: {}",
        crate::common::stderr_of(&out)
    );
    serde_json::from_str(stdout_of(&out).trim()).expect("ask --json prints one JSON object")
}

#[test]
fn ask_answers_english_cancel_requests() {
    let v = ask_json(&["How do I cancel my subscription?"]);
    assert_eq!(v["intent"], "cancel");
    assert_eq!(v["locale"], "en-US");
    assert_eq!(v["fallback_chain"], serde_json::json!(["en-US"]));
    assert!(v["rule"]
        .as_str()
        .unwrap_or_default()
        .starts_with("cancel/en/"));
    let answer = v["answer"].as_str().unwrap_or_default();
    assert!(answer.contains("disabled for 90 days"), "{answer}");
    assert!(answer.contains("prorated credit"), "{answer}");
    assert!(answer.contains("close-your-account"), "{answer}");
}

#[test]
fn ask_answers_norwegian_in_norwegian_with_localized_dates() {
    let v = ask_json(&["Hvordan sier jeg opp abonnementet mitt?"]);
    assert_eq!(v["intent"], "cancel");
    assert_eq!(v["locale"], "nb-NO");
    assert_eq!(v["locale_source"], "rule_language");
    let answer = v["answer"].as_str().unwrap_or_default();
    assert!(answer.contains("deaktivert i 90 dager"), "{answer}");
    // A Norwegian month name from chrono's locale data, e.g. "24. februar 2027".
    let months = [
        "januar",
        "februar",
        "mars",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "desember",
    ];
    assert!(months.iter().any(|m| answer.contains(m)), "{answer}");
}

#[test]
fn discord_no_locale_reaches_bokmal_and_english_text_still_classifies() {
    let v = ask_json(&["--locale", "no", "I want a refund"]);
    assert_eq!(v["intent"], "refund");
    assert_eq!(v["locale"], "nb-NO");
    assert_eq!(v["fallback_chain"], serde_json::json!(["nb-NO", "en-US"]));
    assert_eq!(v["locale_source"], "requested");
}

#[test]
fn unsupported_locale_falls_back_along_the_chain() {
    // Icelandic: no rules, answers or alias ship for it.
    let v = ask_json(&["--locale", "is-IS", "close my account"]);
    assert_eq!(v["intent"], "close");
    assert_eq!(v["locale"], "en-US");
    assert_eq!(v["fallback_chain"], serde_json::json!(["is-IS", "en-US"]));
}

#[test]
fn look_alikes_do_not_fire() {
    for text in [
        "cancel my meeting",
        "avlys møtet",
        "cancel the transfer",
        "unsubscribe from notifications",
    ] {
        let v = ask_json(&[text]);
        assert_eq!(v["intent"], Value::Null, "{text:?} fired {:?}", v["rule"]);
    }
}

#[test]
fn several_intents_offer_choices_instead_of_picking() {
    let v = ask_json(&["cancel and refund me"]);
    let candidates: Vec<&str> = v["candidates"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["intent"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        candidates.contains(&"cancel") && candidates.contains(&"refund"),
        "{candidates:?}"
    );
    assert_eq!(v["choices"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["answer_key"], "choose");
}

#[test]
fn slots_are_extracted() {
    let v = ask_json(&["please cancel sub 12 for Office 365"]);
    assert_eq!(v["slots"]["subscription_id"], "SUB-12");
    assert_eq!(v["slots"]["product"], "Microsoft 365");
    assert!(v["answer"].as_str().unwrap_or_default().contains("SUB-12"));
}

#[test]
fn zero_width_and_full_width_text_cannot_dodge_rules() {
    assert_eq!(
        ask_json(&["c\u{200b}ancel my subscription"])["intent"],
        "cancel"
    );
    assert_eq!(
        ask_json(&["ｃａｎｃｅｌ my subscription"])["intent"],
        "cancel"
    );
}

#[test]
fn unrecognised_text_gets_a_helpful_answer_not_an_empty_one() {
    let v = ask_json(&["what's the weather like"]);
    assert_eq!(v["intent"], Value::Null);
    assert_eq!(v["answer_key"], "none");
    assert!(!v["answer"].as_str().unwrap_or_default().trim().is_empty());
}

#[test]
fn ask_without_text_explains_usage() {
    let out = supportbot().arg("ask").output().expect("runs");
    assert!(!out.status.success());
    assert!(crate::common::stderr_of(&out).contains("TEXT"));
}

#[test]
fn classify_streams_one_line_per_input() {
    let input = "How do I cancel my subscription?\nhei\nslett kontoen min\n\nI want my money back\nwhat time is it\n";
    let out = supportbot()
        .arg("classify")
        .write_stdin(input)
        .output()
        .expect("runs");
    assert!(out.status.success());
    let lines: Vec<String> = stdout_of(&out).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 6, "{lines:?}");
    assert_eq!(lines[0], "cancel\ten-US");
    assert_eq!(lines[2], "close\tnb-NO");
    assert!(lines[3].starts_with("none\t"));
    assert_eq!(lines[4], "refund\ten-US");
    assert!(lines[5].starts_with("none\t"));
}

#[test]
fn classify_survives_invalid_utf8() {
    let mut input = b"cancel my plan\n".to_vec();
    input.extend_from_slice(b"\xff\xfe broken\n");
    input.extend_from_slice(b"delete my account\n");
    let out = supportbot()
        .arg("classify")
        .write_stdin(input)
        .output()
        .expect("runs");
    assert!(out.status.success());
    let lines: Vec<String> = stdout_of(&out).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[1].starts_with("none\t"));
    assert!(lines[2].starts_with("close\t"));
    assert!(crate::common::stderr_of(&out).contains("line 2"));
}

#[test]
fn classify_json_lines_parse() {
    let out = supportbot()
        .args(["classify", "--json", "--locale", "nb-NO"])
        .write_stdin("cancel my subscription\n")
        .output()
        .expect("runs");
    let v: Value = serde_json::from_str(stdout_of(&out).trim()).expect("json line");
    assert_eq!(v["intent"], "cancel");
    assert_eq!(v["locale"], "nb-NO");
}

#[test]
fn explain_shows_vetoes_spans_and_chain() {
    let out = supportbot()
        .args(["explain", "please don't cancel my subscription"])
        .output()
        .expect("runs");
    let text = stdout_of(&out);
    assert!(
        text.contains("vetoed `cancel/en/verb-subscription`"),
        "{text}"
    );
    assert!(text.contains("guard `cancel/en/negated`"), "{text}");
    assert!(
        text.contains("\"cancel my subscription\" at 13..35"),
        "{text}"
    );
    assert!(text.contains("Locale chain: en-US"), "{text}");
}

#[test]
fn explain_json_has_hits_and_locale() {
    let out = supportbot()
        .args([
            "explain",
            "--json",
            "--locale",
            "no",
            "avslutt abonnementet",
        ])
        .output()
        .expect("runs");
    let v: Value = serde_json::from_str(stdout_of(&out).trim()).expect("json");
    assert_eq!(v["explanation"]["hits"][0]["intent"], "cancel");
    assert_eq!(v["locale"]["chain"], serde_json::json!(["nb-NO", "en-US"]));
}

#[test]
fn chat_reads_stdin_and_answers_each_line() {
    let out = supportbot()
        .write_stdin("hei\nhow do I close my account?\n/why\n/quit\nnot reached\n")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = stdout_of(&out);
    assert!(text.contains("Hei!"), "{text}");
    assert!(text.contains("Close your account"), "{text}");
    assert!(
        text.contains("close/en/verb-account"),
        "/why explains: {text}"
    );
    assert!(!text.contains("not reached"));
}

#[test]
fn chat_choices_can_be_answered_by_number() {
    let out = supportbot()
        .args(["chat"])
        .write_stdin("cancel and refund me\n2\n")
        .output()
        .expect("runs");
    let text = stdout_of(&out);
    assert!(text.contains("1. Refunds and credit"), "{text}");
    assert!(
        text.contains("Cancel a subscription\n\n"),
        "picking 2 answers cancel: {text}"
    );
}

#[test]
fn bad_config_file_is_named() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("supportbot.toml");
    std::fs::write(&config, "data_dri = \"x\"\n").expect("write");
    let out = supportbot()
        .arg("--config")
        .arg(&config)
        .args(["ask", "hi"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = crate::common::stderr_of(&out);
    assert!(
        err.contains("supportbot.toml") && err.contains("data_dri"),
        "{err}"
    );
}
