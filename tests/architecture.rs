//! Architecture invariants that the compiler cannot check.
//!
//! 1. The domain (intent, locale, answer, knowledge) imports no platform,
//!    HTTP, storage or networking crate.
//! 2. Nothing below `main`/`config` reads the environment.

use std::path::Path;

const DOMAIN: &[&str] = &[
    "src/intent",
    "src/locale",
    "src/answer",
    "src/knowledge.rs",
    "src/conversation",
    "src/model",
];
const FORBIDDEN_IN_DOMAIN: &[&str] =
    &["serenity", "axum", "hyper", "sled", "tokio::net", "reqwest"];

fn rust_files(path: &Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("read_dir") {
            rust_files(&entry.expect("entry").path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

fn files(roots: &[&str]) -> Vec<(String, String)> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    for root in roots {
        rust_files(&base.join(root), &mut paths);
    }
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read");
            (
                p.strip_prefix(base).unwrap_or(&p).display().to_string(),
                text,
            )
        })
        .collect()
}

#[test]
fn the_domain_knows_nothing_about_platforms_http_or_storage() {
    let mut violations = Vec::new();
    for (path, text) in files(DOMAIN) {
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for name in FORBIDDEN_IN_DOMAIN {
                if code.contains(&format!("{name}::")) || code.contains(&format!("use {name}")) {
                    violations.push(format!("{path}:{}: uses {name}", n + 1));
                }
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn only_main_and_config_read_the_environment() {
    let mut violations = Vec::new();
    for (path, text) in files(&["src"]) {
        if path.ends_with("main.rs") || path.starts_with("src/config/") {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            if line.contains("env::var") || line.contains("std::env::vars") {
                violations.push(format!("{path}:{}", n + 1));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "environment read outside main/config:\n{}",
        violations.join("\n")
    );
}
