//! Architecture invariants of the lifecycle core (`src/lifecycle`, `src/auth`,
//! `src/store`) that code review alone would miss: sled stays in
//! `store/sled.rs`, the PostgreSQL driver in `store/postgres.rs` and
//! `store/postgres/`, and nothing in the core imports networking or `anyhow`.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The lifecycle core: the domain, authorisation and storage layers.
const CORE: [&str; 3] = ["lifecycle", "auth", "store"];

fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for dir in CORE {
        rust_files(&root.join(dir), &mut files);
    }
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&p).expect("read"))
        })
        .collect()
}

fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim_start)
        .filter(|l| !l.starts_with("//"))
}

#[test]
fn only_store_sled_imports_sled() {
    for (file, text) in sources() {
        let uses_sled = code_lines(&text).any(|l| {
            l.contains("sled::") && !l.contains("self::sled::") && !l.contains("store::sled::")
        });
        assert_eq!(
            uses_sled,
            file == "store/sled.rs",
            "{file} must {}import sled",
            if uses_sled { "not " } else { "" }
        );
    }
}

#[test]
fn only_store_postgres_knows_postgres() {
    for (file, text) in sources() {
        let uses_driver = code_lines(&text).any(|l| l.contains("tokio_postgres"));
        let allowed = file == "store/postgres.rs" || file.starts_with("store/postgres/");
        assert!(
            allowed || !uses_driver,
            "{file} must not use the PostgreSQL driver"
        );
    }
}

#[test]
fn no_networking_or_platform_sdks() {
    let banned = [
        "tokio::net",
        "std::net",
        "hyper",
        "axum",
        "serenity",
        "reqwest",
        "twilight",
        "anyhow",
    ];
    for (file, text) in sources() {
        for line in code_lines(&text) {
            for b in banned {
                assert!(!line.contains(b), "{file}: `{b}` in `{line}`");
            }
        }
    }
}

#[test]
fn files_stay_small() {
    for (file, text) in sources() {
        assert!(
            text.lines().count() <= 320,
            "{file} has {} lines",
            text.lines().count()
        );
    }
}
