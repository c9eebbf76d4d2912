//! Helpers for the article-import tests: the corpus, scratch dirs, counts.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pulldown_cmark::{Event, Options, Parser, Tag};
use supportbot::article::{import_tree, ImportReport};

/// The corpus, relative to this crate's manifest directory. In the main project the
/// corpus is at `../shared/corpus/alchemy-insights`; change this one constant there.
pub const CORPUS_RELATIVE: &str = "../shared/corpus/alchemy-insights";

/// Absolute path of the corpus.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS_RELATIVE)
}

/// A scratch directory under cargo's per-target temp dir, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The corpus imported once per test binary.
pub fn imported() -> &'static (ImportReport, PathBuf) {
    static IMPORTED: OnceLock<(ImportReport, PathBuf)> = OnceLock::new();
    IMPORTED.get_or_init(|| {
        let out = scratch("corpus-import");
        let report = import_tree(&corpus_dir(), &out).expect("corpus import");
        (report, out)
    })
}

/// Every file below `dir`, as sorted paths relative to it.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, base, out);
            } else {
                out.push(path.strip_prefix(base).expect("prefix").to_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Every corpus source file as (relative `/` path, text).
pub fn corpus_files() -> Vec<(String, String)> {
    let dir = corpus_dir();
    files_below(&dir)
        .into_iter()
        .map(|rel| {
            let text = std::fs::read_to_string(dir.join(&rel)).expect("utf-8 corpus file");
            (rel.to_string_lossy().replace('\\', "/"), text)
        })
        .collect()
}

/// Links and bold spans as pulldown-cmark sees them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub links: usize,
    pub bold: usize,
}

/// Count links and bold spans in markdown with pulldown-cmark.
pub fn markdown_counts(markdown: &str) -> Counts {
    let mut counts = Counts::default();
    for event in Parser::new_ext(markdown, Options::ENABLE_GFM) {
        match event {
            Event::Start(Tag::Link { .. }) => counts.links += 1,
            Event::Start(Tag::Strong) => counts.bold += 1,
            _ => {}
        }
    }
    counts
}
