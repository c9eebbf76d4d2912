//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub mod postgres;

/// The `supportbot` binary with a clean environment: no config, no
/// SUPPORTBOT_* variables leaking in from the developer's shell.
pub fn supportbot() -> Command {
    let mut cmd = Command::cargo_bin("supportbot").expect("binary builds");
    for (key, _) in std::env::vars() {
        if key.starts_with("SUPPORTBOT_") {
            cmd.env_remove(key);
        }
    }
    // A fresh data directory per command, so no test writes a database into
    // the checkout or waits on another test's; `--data-dir` still wins.
    let data = std::env::temp_dir().join(format!(
        "supportbot-test-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    cmd.env("SUPPORTBOT_DATA_DIR", data);
    cmd
}

static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The project's `intents/` directory.
pub fn intents_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("intents")
}

/// `../shared/<relative>` next to the project.
pub fn shared(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(relative)
}

/// A copy of `intents/` in a temporary directory, to break on purpose.
pub fn copy_of_intents() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&intents_dir(), dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Stdout of a finished command as text.
pub fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Stderr of a finished command as text.
pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub mod corpus;
pub mod discord;
pub mod discord_peer;
pub mod seeded;
pub mod source_counts;
pub mod web;
#[allow(unused_imports)]
pub use corpus::*;
