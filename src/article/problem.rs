//! Problems found while importing, with the position they refer to.

use std::fmt;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The file was imported, but something was repaired or guessed.
    Warning,
    /// The file (or the part the problem is about) could not be imported.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// A problem at a line of a file that is not yet known (parsers work on strings).
///
/// [`Note::in_file`] turns it into a [`Problem`] once the importer knows the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// 1-based line in the file (not in the body) the note is about.
    pub line: usize,
    /// How bad it is.
    pub severity: Severity,
    /// What is wrong, as a sentence fragment without a trailing period.
    pub message: String,
}

impl Note {
    /// A warning at `line`.
    pub fn warning(line: usize, message: impl Into<String>) -> Self {
        Note {
            line,
            severity: Severity::Warning,
            message: message.into(),
        }
    }

    /// An error at `line`.
    pub fn error(line: usize, message: impl Into<String>) -> Self {
        Note {
            line,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    /// Attach the file this note belongs to.
    pub fn in_file(self, file: &str) -> Problem {
        Problem {
            file: file.to_owned(),
            line: self.line,
            severity: self.severity,
            message: self.message,
        }
    }
}

/// A problem in a source file, displayed as `file:line: severity: what is wrong`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Path of the source file, relative to the imported tree, with `/` separators.
    pub file: String,
    /// 1-based line number; 0 when the problem concerns the whole file.
    pub line: usize,
    /// How bad it is.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.severity, self.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_file_line_message() {
        let p = Note::error(7, "ttu id a-1 does not match stu id a-2").in_file("nb-NO/x.sxs.md");
        assert_eq!(
            p.to_string(),
            "nb-NO/x.sxs.md:7: error: ttu id a-1 does not match stu id a-2"
        );
        assert!(p.is_error());
    }
}
