//! `supportbot intents check` on good and deliberately broken rule trees.

mod common;

use common::{copy_of_intents, stderr_of, stdout_of, supportbot};

fn check(dir: &std::path::Path) -> std::process::Output {
    supportbot()
        .args(["intents", "check"])
        .arg(dir)
        .output()
        .expect("runs")
}

fn edit(dir: &std::path::Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{file} has no {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

#[test]
fn shipped_rules_pass() {
    let out = supportbot()
        .args(["intents", "check"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stdout_of(&out).starts_with("ok: embedded defaults"));
    let out = check(&common::intents_dir());
    assert!(out.status.success(), "{}", stderr_of(&out));
}

#[test]
fn a_pattern_that_does_not_compile_names_file_and_rule() {
    let dir = copy_of_intents();
    edit(
        dir.path(),
        "lang/en.toml",
        "id = \"end-subscription\"\npattern = '''",
        "id = \"end-subscription\"\npattern = '''(unclosed",
    );
    let out = check(dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("lang/en.toml") && err.contains("cancel/en/end-subscription"),
        "{err}"
    );
}

#[test]
fn a_disagreeing_example_names_file_rule_and_example() {
    let dir = copy_of_intents();
    edit(
        dir.path(),
        "lang/en.toml",
        "examples = [\"refund please\"",
        "examples = [\"refund please\", \"bananas are yellow\"",
    );
    let out = check(dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("lang/en.toml: rule refund/en/refund-word: example \"bananas are yellow\" does not match"), "{err}");
}

#[test]
fn a_counter_example_that_fires_is_reported() {
    let dir = copy_of_intents();
    edit(
        dir.path(),
        "lang/en.toml",
        "counter_examples = [\"I made a payment",
        "counter_examples = [\"close my account\", \"I made a payment",
    );
    let out = check(dir.path());
    let err = stderr_of(&out);
    assert!(
        err.contains("counter-example \"close my account\" fires this rule"),
        "{err}"
    );
}

#[test]
fn a_too_large_pattern_is_rejected() {
    let dir = copy_of_intents();
    let huge = format!(
        "(?:{}){{50}}",
        (0..40)
            .map(|i| format!("w{i}\\w{{1,30}}"))
            .collect::<Vec<_>>()
            .join("|")
    );
    edit(
        dir.path(),
        "lang/en.toml",
        "id = \"what-can-you-do\"\npattern = '''^",
        &format!("id = \"what-can-you-do\"\npattern = '''{huge}|^"),
    );
    let out = check(dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("help/en/what-can-you-do") && err.contains("too large"),
        "{err}"
    );
}

#[test]
fn unknown_keys_and_bad_toml_are_located() {
    let dir = copy_of_intents();
    edit(
        dir.path(),
        "close.toml",
        "priority = 30",
        "priority = 30\npriorty = 1",
    );
    let out = check(dir.path());
    let err = stderr_of(&out);
    assert!(
        err.contains("close.toml") && err.contains("priorty"),
        "{err}"
    );
}

#[test]
fn a_broken_template_names_file_and_line() {
    let dir = copy_of_intents();
    edit(
        dir.path(),
        "answers/nb-NO/refund.md",
        "{% if product %}",
        "{% if product %}{{ nonexistent_variable }}",
    );
    let out = check(dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("answers/nb-NO/refund.md: line 4"), "{err}");
}

#[test]
fn missing_translations_are_warnings_not_errors() {
    let dir = copy_of_intents();
    std::fs::remove_file(dir.path().join("answers/nb-NO/refund.md")).expect("rm");
    let out = check(dir.path());
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains("warning: answers/nb-NO/refund.md is missing"));
    // …and the Norwegian user still gets an answer, from the next locale.
    let out = supportbot()
        .arg("--intents")
        .arg(dir.path())
        .args(["ask", "--json", "--locale", "nb-NO", "I want a refund"])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_str(stdout_of(&out).trim()).expect("json");
    assert_eq!(v["locale"], "en-US");
    assert_eq!(v["fallback_chain"], serde_json::json!(["nb-NO", "en-US"]));
}

#[test]
fn the_default_locale_must_have_every_answer() {
    let dir = copy_of_intents();
    std::fs::remove_file(dir.path().join("answers/en-US/close.md")).expect("rm");
    let out = check(dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_of(&out).contains("answers/en-US/close.md: missing"));
}

#[test]
fn a_missing_directory_is_a_clear_error() {
    let out = check(std::path::Path::new("/nonexistent/rules"));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_of(&out).contains("cannot read /nonexistent/rules"));
}

#[test]
fn language_file_mistakes_name_the_file_and_the_fix() {
    let dir = copy_of_intents();
    // A language file whose `lang` disagrees with its name, one naming an
    // intent nobody defines, and rules written twice for one language.
    std::fs::write(dir.path().join("lang/xx.toml"), "lang = \"de\"\n").expect("write");
    std::fs::write(
        dir.path().join("lang/da.toml"),
        "lang = \"da\"\n[intent.cancle]\nexamples = []\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("lang/sv.toml"),
        "lang = \"sv\"\n[intent.cancel]\nexamples = []\n",
    )
    .expect("write");
    edit(
        dir.path(),
        "cancel.toml",
        "priority = 10",
        "priority = 10\n[lang.sv]\nexamples = []",
    );
    let out = check(dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains(
            "lang/xx.toml: lang: lang = \"de\" must match the file name; name the file de.toml"
        ),
        "{err}"
    );
    assert!(
        err.contains("lang/da.toml: [intent.cancle]: no intent file defines \"cancle\""),
        "{err}"
    );
    assert!(
        err.contains(
            "lang/sv.toml: [intent.cancel]: the sv rules of \"cancel\" are also written in"
        ),
        "{err}"
    );
}

#[test]
fn slash_command_texts_are_checked_against_discord_rules() {
    let dir = copy_of_intents();
    edit(
        dir.path(),
        "commands/nb-NO.toml",
        "name = \"si-opp\"",
        "name = \"Si opp\"",
    );
    edit(
        dir.path(),
        "commands/de-DE.toml",
        "[refund]",
        "[refnud]\nname = \"x\"\n[refund]",
    );
    let out = check(dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("commands/nb-NO.toml: cancel.name: \"Si opp\" must be 1-32 letters"),
        "{err}"
    );
    assert!(
        err.contains("commands/de-DE.toml: refnud: not in the default locale's file"),
        "{err}"
    );

    let dir = copy_of_intents();
    edit(
        dir.path(),
        "commands/en-US.toml",
        "description = \"Close an account\"\n",
        "",
    );
    let out = check(dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("close-account.description"), "{err}");

    let out = check(&common::intents_dir());
    let listed = stdout_of(&out);
    let line = listed
        .lines()
        .find(|l| l.starts_with("slash commands in: "))
        .unwrap_or_default();
    for mapped in ["de-DE (Discord de)", "nb-NO (Discord no)", "sv-SE", "en-US"] {
        assert!(line.contains(mapped), "{mapped} in {line:?}");
    }
}
