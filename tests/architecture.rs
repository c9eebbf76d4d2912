//! Architecture invariants that the compiler cannot check.
//!
//! 1. The domain (intent, locale, answer, knowledge) imports no platform,
//!    HTTP, storage or networking crate.
//! 2. Nothing below `main`/`config` reads the environment.
//! 3. No import cycle between the top-level modules of `src/` (read from
//!    every `crate::…` and root-reaching `super::…` path).
//! 4. The domain modules (intent, locale, answer, lifecycle, auth,
//!    conversation, model, knowledge) import no store adapter, transport or
//!    CLI code, and no serenity, axum, hyper, reqwest, sled or SQL driver.

use std::path::Path;

const DOMAIN: &[&str] = &[
    "src/intent",
    "src/locale",
    "src/answer",
    "src/knowledge.rs",
    "src/conversation",
    "src/handoff",
    "src/operator",
    "src/model",
];
const FORBIDDEN_IN_DOMAIN: &[&str] = &[
    "serenity",
    "axum",
    "hyper",
    "sled",
    "tokio_postgres",
    "tokio::net",
    "reqwest",
];

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

/// The code of a file without `//` comments (doc comments included), so a
/// path named in prose is not an import.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut code = line;
        let mut in_str = false;
        let bytes = line.as_bytes();
        let mut i = 0;
        while i + 1 < bytes.len() {
            match bytes[i] {
                b'"' if i == 0 || bytes[i - 1] != b'\\' => in_str = !in_str,
                b'/' if !in_str && bytes[i + 1] == b'/' => {
                    code = &line[..i];
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// The module path of a file under `src/`: `src/lifecycle/engine/mod.rs` →
/// `["lifecycle", "engine"]`, `src/knowledge.rs` → `["knowledge"]`.
fn module_path(path: &str) -> Vec<String> {
    let rel = path.strip_prefix("src/").unwrap_or(path);
    let rel = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut parts: Vec<String> = rel.split('/').map(str::to_owned).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn ident_at(code: &str, at: usize) -> &str {
    let end = code[at..]
        .bytes()
        .position(|b| !is_ident_byte(b))
        .map_or(code.len(), |n| at + n);
    &code[at..end]
}

/// The first path segment of every item of a `{ … }` group starting at
/// `at` (just after the `{`).
fn group_heads(code: &str, at: usize) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut expect_head = true;
    let bytes = code.as_bytes();
    let mut i = at;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'{' => {
                depth += 1;
                expect_head = false;
            }
            b'}' if depth == 0 => break,
            b'}' => depth -= 1,
            b',' if depth == 0 => expect_head = true,
            b if b.is_ascii_whitespace() => {}
            b if expect_head && is_ident_byte(b) => {
                heads.push(ident_at(code, i).to_owned());
                expect_head = false;
                i += heads.last().map_or(1, String::len);
                continue;
            }
            _ => expect_head = false,
        }
        i += 1;
    }
    heads
}

/// Every top-level module this file's code names, with the line: through
/// `crate::x`, `crate::{x, y}`, and `super::` chains that climb to the
/// crate root.
fn top_level_references(path: &str, text: &str) -> Vec<(String, usize)> {
    let code = code_of(text);
    let module = module_path(path);
    let mut refs = Vec::new();
    let line_of = |at: usize| code[..at].bytes().filter(|&b| b == b'\n').count() + 1;
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        let preceded_by_ident = i > 0 && (is_ident_byte(bytes[i - 1]) || bytes[i - 1] == b'$');
        if preceded_by_ident {
            i += 1;
            continue;
        }
        let (climb, after) = if rest.starts_with(b"crate::") {
            (None, i + "crate::".len())
        } else if rest.starts_with(b"super::") {
            let mut n = 0;
            let mut j = i;
            while bytes[j..].starts_with(b"super::") {
                n += 1;
                j += "super::".len();
            }
            (Some(n), j)
        } else {
            i += 1;
            continue;
        };
        let reaches_root = match climb {
            None => true,
            Some(n) => n >= module.len(),
        };
        if reaches_root {
            if code[after..].starts_with('{') {
                for head in group_heads(&code, after + 1) {
                    refs.push((head, line_of(i)));
                }
            } else {
                let head = ident_at(&code, after);
                if !head.is_empty() {
                    refs.push((head.to_owned(), line_of(i)));
                }
            }
        }
        i = after;
    }
    refs
}

/// Edges `from → to` between top-level modules of `src/`, each with the
/// first place that makes it.
fn module_graph() -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>
{
    let sources = files(&["src"]);
    let top_level: std::collections::BTreeSet<String> = sources
        .iter()
        .filter_map(|(path, _)| module_path(path).first().cloned())
        .filter(|m| m != "lib" && m != "main")
        .collect();
    let mut graph: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>> =
        top_level
            .iter()
            .map(|m| (m.clone(), Default::default()))
            .collect();
    for (path, text) in &sources {
        let Some(from) = module_path(path).first().cloned() else {
            continue;
        };
        if !top_level.contains(&from) {
            continue;
        }
        for (to, line) in top_level_references(path, text) {
            if to != from && top_level.contains(&to) {
                graph
                    .get_mut(&from)
                    .expect("node")
                    .entry(to)
                    .or_insert_with(|| format!("{path}:{line}"));
            }
        }
    }
    graph
}

/// One cycle of the graph, as the list of nodes and the places that make
/// each edge, or `None`.
fn find_cycle(
    graph: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
) -> Option<Vec<(String, String)>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
        marks: &mut std::collections::BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<(String, String)>> {
        marks.insert(node.to_owned(), Mark::Open);
        stack.push(node.to_owned());
        for next in graph[node].keys() {
            match marks[next.as_str()] {
                Mark::Open => {
                    let start = stack.iter().position(|n| n == next).expect("on stack");
                    let mut nodes: Vec<String> = stack[start..].to_vec();
                    nodes.push(next.clone());
                    return Some(
                        nodes
                            .windows(2)
                            .map(|w| (w[0].clone(), graph[&w[0]][&w[1]].clone()))
                            .chain(std::iter::once((next.clone(), String::new())))
                            .collect(),
                    );
                }
                Mark::New => {
                    if let Some(cycle) = visit(next, graph, marks, stack) {
                        return Some(cycle);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks.insert(node.to_owned(), Mark::Done);
        None
    }
    let mut marks: std::collections::BTreeMap<String, Mark> =
        graph.keys().map(|k| (k.clone(), Mark::New)).collect();
    for node in graph.keys() {
        if marks[node.as_str()] == Mark::New {
            if let Some(cycle) = visit(node, graph, &mut marks, &mut Vec::new()) {
                return Some(cycle);
            }
        }
    }
    None
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let graph = module_graph();
    assert!(graph.len() > 5, "parsed too few modules: {graph:?}");
    assert!(
        graph["cli"].contains_key("conversation"),
        "the parser misses edges: {graph:?}"
    );
    if let Some(cycle) = find_cycle(&graph) {
        let shown: Vec<String> = cycle
            .iter()
            .map(|(node, place)| {
                if place.is_empty() {
                    node.clone()
                } else {
                    format!("{node} ({place}) →")
                }
            })
            .collect();
        panic!(
            "import cycle between top-level modules: {}",
            shown.join(" ")
        );
    }
}

#[test]
fn the_cycle_finder_reports_a_cycle() {
    let mut graph = std::collections::BTreeMap::new();
    let edge =
        |to: &str| std::collections::BTreeMap::from([(to.to_owned(), format!("src/{to}.rs:1"))]);
    graph.insert("a".to_owned(), edge("b"));
    graph.insert("b".to_owned(), edge("c"));
    graph.insert("c".to_owned(), edge("a"));
    graph.insert("d".to_owned(), edge("a"));
    let cycle = find_cycle(&graph).expect("a cycle");
    let nodes: Vec<&str> = cycle.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(nodes, ["a", "b", "c", "a"]);
    graph.get_mut("c").expect("c").clear();
    assert!(find_cycle(&graph).is_none());
    assert_eq!(
        top_level_references(
            "src/x/y.rs",
            "use crate::{a::B, c};\nuse super::super::d; // crate::no\nuse super::e;\n"
        ),
        [
            ("a".to_owned(), 1),
            ("c".to_owned(), 1),
            ("d".to_owned(), 2)
        ]
    );
}

/// Domain modules: they decide; adapters and transports call them.
const DOMAIN_MODULES: &[&str] = &[
    "intent",
    "locale",
    "answer",
    "lifecycle",
    "auth",
    "conversation",
    "handoff",
    "record",
    "operator",
    "model",
    "knowledge",
];
/// What the domain never imports: the storage adapters, the transports, the
/// command line, and platform, HTTP or database crates.
const OUTER_MODULES: &[&str] = &["store", "transport", "cli"];
const OUTER_CRATES: &[&str] = &[
    "serenity",
    "axum",
    "hyper",
    "reqwest",
    "sled",
    "tokio_postgres",
];

#[test]
fn domain_modules_import_no_adapter_transport_cli_or_platform_crate() {
    let mut violations = Vec::new();
    for (path, text) in files(&["src"]) {
        let Some(top) = module_path(&path).first().cloned() else {
            continue;
        };
        if !DOMAIN_MODULES.contains(&top.as_str()) {
            continue;
        }
        for (to, line) in top_level_references(&path, &text) {
            if OUTER_MODULES.contains(&to.as_str()) {
                violations.push(format!("{path}:{line}: imports crate::{to}"));
            }
        }
        for (n, line) in code_of(&text).lines().enumerate() {
            for name in OUTER_CRATES {
                let used = line.contains(&format!("{name}::"))
                    && !line.contains(&format!("_{name}::"))
                    || line.trim_start().starts_with(&format!("use {name}"))
                    || line.contains(&format!("extern crate {name}"));
                if used {
                    violations.push(format!("{path}:{}: uses {name}", n + 1));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "domain modules must not depend on adapters, transports, the CLI or platform crates:\n{}",
        violations.join("\n")
    );
}
