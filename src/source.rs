//! Where rules, locales and answer templates come from: the copy of
//! `intents/` embedded in the binary at build time, or a directory on disk
//! (`--intents DIR`), which is what makes live reload useful.
//!
//! Everything is read into memory first, so validation never sees a tree
//! that changes halfway through a load.

use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/intents");

/// Largest file accepted in a knowledge tree; rule and template files are
/// small, so anything bigger is a mistake (a log, a binary).
pub const MAX_FILE_BYTES: u64 = 4 << 20;

/// Where a knowledge tree is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The `intents/` directory compiled into the binary.
    Embedded,
    /// A directory on disk with the same layout.
    Dir(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Embedded => f.write_str("embedded defaults"),
            Origin::Dir(dir) => write!(f, "{}", dir.display()),
        }
    }
}

/// One file of a knowledge tree, with its path relative to the tree root
/// using `/` separators (e.g. `answers/nb-NO/cancel.md`).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the root.
    pub path: String,
    /// File contents.
    pub text: String,
}

/// All files of a knowledge tree, sorted by path.
#[derive(Debug, Clone)]
pub struct SourceTree {
    /// Where the files came from.
    pub origin: Origin,
    /// The files, sorted by path so loading is deterministic.
    pub files: Vec<SourceFile>,
}

/// Why a knowledge tree could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The directory or a file in it could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file is not UTF-8 text.
    #[error("{path}: not UTF-8 text")]
    NotUtf8 {
        /// The offending file.
        path: String,
    },
    /// A file exceeds [`MAX_FILE_BYTES`].
    #[error("{path}: {bytes} bytes is larger than the {MAX_FILE_BYTES}-byte limit for rule and template files")]
    TooLarge {
        /// The offending file.
        path: String,
        /// Its size.
        bytes: u64,
    },
}

impl SourceTree {
    /// Reads the tree at `origin`.
    pub fn read(origin: &Origin) -> Result<SourceTree, SourceError> {
        let mut files = Vec::new();
        match origin {
            Origin::Embedded => collect_embedded(&EMBEDDED, &mut files)?,
            Origin::Dir(dir) => collect_dir(dir, dir, &mut files)?,
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(SourceTree {
            origin: origin.clone(),
            files,
        })
    }

    /// Files directly in the root whose name ends in `suffix`.
    pub fn root_files<'a>(&'a self, suffix: &'a str) -> impl Iterator<Item = &'a SourceFile> {
        self.files
            .iter()
            .filter(move |f| !f.path.contains('/') && f.path.ends_with(suffix))
    }

    /// The file at `path`, if present.
    pub fn get(&self, path: &str) -> Option<&SourceFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// Files under the directory `prefix/`.
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a SourceFile> {
        self.files.iter().filter(move |f| {
            f.path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
        })
    }

    /// A display path for error messages: the path on disk, or
    /// `intents/<path>` for the embedded tree.
    pub fn display_path(&self, relative: &str) -> String {
        match &self.origin {
            Origin::Embedded => format!("intents/{relative}"),
            Origin::Dir(dir) => dir.join(relative).display().to_string(),
        }
    }
}

fn collect_embedded(dir: &Dir<'static>, out: &mut Vec<SourceFile>) -> Result<(), SourceError> {
    for file in dir.files() {
        let path = file.path().to_string_lossy().replace('\\', "/");
        let text = file
            .contents_utf8()
            .ok_or_else(|| SourceError::NotUtf8 { path: path.clone() })?;
        out.push(SourceFile {
            path,
            text: text.to_owned(),
        });
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out)?;
    }
    Ok(())
}

fn collect_dir(root: &Path, dir: &Path, out: &mut Vec<SourceFile>) -> Result<(), SourceError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SourceError::Io { path, source }
    };
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let path = entry.path();
        let meta = entry.metadata().map_err(io(&path))?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            // Editor swap files and dot-directories are not rules.
            continue;
        }
        if meta.is_dir() {
            collect_dir(root, &path, out)?;
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if meta.len() > MAX_FILE_BYTES {
            return Err(SourceError::TooLarge {
                path: relative,
                bytes: meta.len(),
            });
        }
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        let text = String::from_utf8(bytes).map_err(|_| SourceError::NotUtf8 {
            path: relative.clone(),
        })?;
        out.push(SourceFile {
            path: relative,
            text,
        });
    }
    Ok(())
}
