//! Importing a tree of articles into catalog files.
//!
//! Layout in: any; every `*.md` below the source directory is read (dot-files and
//! dot-directories are skipped, symlinks are neither followed nor read) and the locale
//! comes from `ms.contentlocale`, with the folder name only as a fallback.
//!
//! Layout out: `out/<locale>/<key>.md`, in the format of [`super::output`]. Each sxs file
//! also yields an en-US candidate from its English half. When several candidates have
//! the same locale and key, one is chosen deterministically (see [`Candidate::beats`]):
//! published text beats sxs text (sxs files are older, unpublished review revisions),
//! then the newest `ms.lasthandoff`, then the newest `ms.date`, then the smallest source
//! locale name, then the smallest source path.
//!
//! Output is deterministic (sorted walk, no timestamps) and every file is written to a
//! temporary name in its folder and renamed into place, so readers never see half a
//! file. Files from earlier runs that this run does not produce are left alone.

mod convert;

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use convert::{article_key, convert_file, Candidate, Origin, SOURCE_LOCALE};

use super::output::{write_article_file, OutputError};
use super::problem::{Note, Problem, Severity};

/// A failure that stops the whole import (as opposed to a bad source file).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The source tree could not be listed.
    #[error("cannot read directory {path}: {source}")]
    ReadDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// An output file or folder could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A header could not be serialised.
    #[error("cannot serialise {path}: {source}")]
    Serialize {
        /// The output file.
        path: PathBuf,
        /// The serialisation error.
        source: OutputError,
    },
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Source `*.md` files read.
    pub files_read: usize,
    /// Files imported without an error (they may have warnings).
    pub files_imported: usize,
    /// Files with at least one error; nothing from them was written.
    pub files_failed: usize,
    /// Output files written, all locales.
    pub articles_written: usize,
    /// Of those, en-US files built from sxs English halves.
    pub english_written: usize,
    /// Candidates not written because another one won for the same locale and key.
    pub superseded: usize,
    /// Every problem, in source-path order.
    pub problems: Vec<Problem>,
}

impl ImportReport {
    /// Number of error-severity problems.
    pub fn error_count(&self) -> usize {
        self.problems.iter().filter(|p| p.is_error()).count()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.problems.len() - self.error_count()
    }

    /// True when every file was imported; a CLI exits non-zero otherwise.
    pub fn is_success(&self) -> bool {
        self.files_failed == 0
    }
}

/// Import every article below `src` into `out`; see the module documentation.
pub fn import_tree(src: &Path, out: &Path) -> Result<ImportReport, ImportError> {
    let mut files = Vec::new();
    let skip = fs::canonicalize(out).ok();
    collect_markdown(src, skip.as_deref(), &mut files)?;
    files.sort();
    let converted = parallel_map(&files, |path| {
        let relative = relative_name(src, path);
        let result = match fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => convert_file(&relative, &text),
                Err(_) => (Vec::new(), vec![Note::error(0, "not valid UTF-8")]),
            },
            Err(err) => (
                Vec::new(),
                vec![Note::error(0, format!("cannot read: {err}"))],
            ),
        };
        (relative, result)
    });
    let mut report = ImportReport::default();
    let mut chosen: BTreeMap<(String, String), Candidate> = BTreeMap::new();
    for (relative, (candidates, notes)) in converted {
        report.files_read += 1;
        if notes.iter().any(|n| n.severity == Severity::Error) {
            report.files_failed += 1;
        } else {
            report.files_imported += 1;
        }
        report
            .problems
            .extend(notes.into_iter().map(|n| n.in_file(&relative)));
        for candidate in candidates {
            let slot = (
                candidate.header.locale.clone(),
                candidate.header.key.clone(),
            );
            match chosen.get(&slot) {
                Some(current) if !candidate.beats(current) => report.superseded += 1,
                Some(_) => {
                    report.superseded += 1;
                    chosen.insert(slot, candidate);
                }
                None => {
                    chosen.insert(slot, candidate);
                }
            }
        }
    }
    let mut locales: Vec<&String> = chosen.keys().map(|(locale, _)| locale).collect();
    locales.dedup();
    for locale in locales {
        let dir = out.join(locale);
        fs::create_dir_all(&dir).map_err(|source| ImportError::Write {
            path: dir.clone(),
            source,
        })?;
    }
    let chosen: Vec<Candidate> = chosen.into_values().collect();
    for written in parallel_map(&chosen, |candidate| write_candidate(out, candidate)) {
        if written? == Origin::SxsEnglish {
            report.english_written += 1;
        }
        report.articles_written += 1;
    }
    Ok(report)
}

fn write_candidate(out: &Path, candidate: &Candidate) -> Result<Origin, ImportError> {
    let path = out
        .join(&candidate.header.locale)
        .join(format!("{}.md", candidate.header.key));
    let text = write_article_file(&candidate.header, &candidate.body).map_err(|source| {
        ImportError::Serialize {
            path: path.clone(),
            source,
        }
    })?;
    write_atomically(&path, text.as_bytes())
        .map_err(|source| ImportError::Write { path, source })?;
    Ok(candidate.origin)
}

/// `items.iter().map(f).collect()` on all cores, results in input order, so the output
/// does not depend on thread scheduling.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if threads < 2 || items.len() < 64 {
        return items.iter().map(f).collect();
    }
    let per_thread = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let f = &f;
        let handles: Vec<_> = items
            .chunks(per_thread)
            .map(|chunk| scope.spawn(move || chunk.iter().map(f).collect::<Vec<R>>()))
            .collect();
        // A panicking worker is a bug; re-raise it on the caller's thread.
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

fn collect_markdown(
    dir: &Path,
    skip: Option<&Path>,
    files: &mut Vec<PathBuf>,
) -> Result<(), ImportError> {
    let read_error = |source| ImportError::ReadDir {
        path: dir.to_owned(),
        source,
    };
    for entry in fs::read_dir(dir).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type().map_err(read_error)?;
        if kind.is_dir() {
            if skip.is_some() && fs::canonicalize(&path).ok().as_deref() == skip {
                continue;
            }
            collect_markdown(&path, skip, files)?;
        } else if path.extension().is_some_and(|e| e == "md") && !kind.is_symlink() {
            files.push(path);
        }
    }
    Ok(())
}

fn relative_name(src: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(src).unwrap_or(path);
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// Write `bytes` to a temporary file next to `path` and rename it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = fs::write(&temp, bytes).and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests;
