//! `supportbot import-articles` end to end: import, then answer from the
//! imported articles through `ask`.

use crate::common::{stderr_of, stdout_of, supportbot};
use serde_json::Value;

/// A source tree with two locales of the real corpus, plus one broken file.
fn source_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    for locale in ["de-DE", "nb-NO"] {
        let from = crate::common::shared(&format!("corpus/alchemy-insights/{locale}"));
        let to = dir.path().join(locale);
        std::fs::create_dir_all(&to).expect("mkdir");
        for entry in std::fs::read_dir(&from).expect("corpus locale") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    }
    dir
}

fn ask(data: &std::path::Path, intents: &std::path::Path, args: &[&str]) -> Value {
    let out = supportbot()
        .arg("--data-dir")
        .arg(data)
        .arg("--intents")
        .arg(intents)
        .args(["ask", "--json"])
        .args(args)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    serde_json::from_str(stdout_of(&out).trim()).expect("json")
}

#[test]
fn imported_articles_answer_where_no_template_exists_and_templates_win() {
    let src = source_tree();
    let data = tempfile::tempdir().expect("tmp");
    let out = supportbot()
        .arg("--data-dir")
        .arg(data.path())
        .arg("import-articles")
        .arg(src.path())
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let summary = stdout_of(&out);
    assert!(summary.contains("0 errors, 0 files failed"), "{summary}");
    assert!(data
        .path()
        .join("articles/de-DE/cancel-refund-close-your-microsoft-365-subscription.md")
        .is_file());
    assert!(data
        .path()
        .join("articles/en-US/cancel-refund-close-your-microsoft-365-subscription.md")
        .is_file());

    // German without its hand-written cancel and close answers (as a
    // locale looks before anyone writes them): the German article answers.
    let intents = crate::common::copy_of_intents();
    for key in ["cancel", "close"] {
        std::fs::remove_file(intents.path().join(format!("answers/de-DE/{key}.md")))
            .expect("remove template");
    }
    let v = ask(
        data.path(),
        intents.path(),
        &["--locale", "de-DE", "how do I cancel my subscription"],
    );
    assert_eq!(v["intent"], "cancel");
    assert_eq!(v["locale"], "de-DE");
    assert_eq!(
        v["answer_key"],
        "cancel-refund-close-your-microsoft-365-subscription"
    );
    assert!(
        v["answer"]
            .as_str()
            .unwrap_or_default()
            .contains("Abonnement"),
        "{}",
        v["answer"]
    );

    // Discord's "de" finds de-DE through negotiation.
    let v = ask(
        data.path(),
        intents.path(),
        &["--locale", "de", "close my account"],
    );
    assert_eq!(v["locale"], "de-DE");
    assert_eq!(v["answer_key"], "how-to-close-your-account");

    // Norwegian: the hand-written template wins over the imported article.
    let v = ask(
        data.path(),
        intents.path(),
        &["--locale", "nb-NO", "how do I cancel my subscription"],
    );
    assert_eq!(v["locale"], "nb-NO");
    assert_eq!(v["answer_key"], "cancel");
}

#[test]
fn broken_files_are_reported_with_line_and_the_rest_imports() {
    let src = tempfile::tempdir().expect("tmp");
    let good = crate::common::shared("corpus/alchemy-insights/nb-NO/credit-refund.md");
    std::fs::create_dir_all(src.path().join("nb-NO")).expect("mkdir");
    std::fs::copy(&good, src.path().join("nb-NO/credit-refund.md")).expect("copy");
    std::fs::write(
        src.path().join("nb-NO/broken.sxs.md"),
        "---\ntitle: x\nms.contentlocale: nb-NO\n---\n# Tittel\n\n<span data-ttu-id=\"abcde-102\">Uavsluttet\n",
    )
    .expect("write");
    let out_dir = tempfile::tempdir().expect("tmp");
    let out = supportbot()
        .arg("import-articles")
        .arg(src.path())
        .arg("--out")
        .arg(out_dir.path())
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed file sets the exit code"
    );
    let err = stderr_of(&out);
    assert!(err.contains("broken.sxs.md:7:"), "{err}");
    assert!(
        out_dir.path().join("nb-NO/credit-refund.md").is_file(),
        "the good file is still imported"
    );
}

#[test]
fn a_missing_source_directory_is_a_clear_error() {
    let out = supportbot()
        .args(["import-articles", "/nonexistent/articles", "--out"])
        .arg(tempfile::tempdir().expect("tmp").path())
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("/nonexistent/articles"),
        "{}",
        stderr_of(&out)
    );
}
