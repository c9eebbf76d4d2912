//! `import-articles SRC_DIR [--out DIR]`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use crate::article::import_tree;

/// Imports the tree; problems go to stderr as `file:line: …`, a summary to
/// stdout. Exit code 1 when any file failed (the rest are still written).
pub fn run(src: &Path, out: &Path) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let report = import_tree(src, out)?;
    for problem in &report.problems {
        eprintln!("{problem}");
    }
    println!(
        "imported {} of {} files from {} into {} in {:.2} s: {} articles, {} en-US sources; {} warnings, {} errors, {} files failed",
        report.files_imported,
        report.files_read,
        src.display(),
        out.display(),
        started.elapsed().as_secs_f64(),
        report.articles_written,
        report.english_written,
        report.warning_count(),
        report.error_count(),
        report.files_failed,
    );
    Ok(if report.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
