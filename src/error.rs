//! Diagnostics and errors: every problem in user input names its file, the
//! line where known, and what to do, so `main` can print it and exit.

use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a diagnostic is: warnings are printed, errors fail the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The build goes on and succeeds; the user should still look.
    Warning,
    /// The build fails and leaves the previous output untouched.
    Error,
}

/// A problem in one input file (or in the site as a whole).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Diagnostic {
    /// The file the problem is in, as the user would type it (relative to the
    /// site root where possible).
    pub path: PathBuf,
    /// The 1-based line in that file, when known.
    pub line: Option<usize>,
    /// Whether the build can go on.
    pub severity: Severity,
    /// Lowercase, no final period, names in backticks; says what to do.
    pub message: String,
}

impl Diagnostic {
    /// An error at a known line of `path`.
    pub fn error_at(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            line: Some(line),
            severity: Severity::Error,
            message: message.into(),
        }
    }

    /// An error in `path` as a whole (no line is known).
    pub fn error(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            line: None,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    /// A warning in `path`, optionally at a line.
    pub fn warning(
        path: impl Into<PathBuf>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            path: path.into(),
            line,
            severity: Severity::Warning,
            message: message.into(),
        }
    }

    /// True when this diagnostic fails the build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        match self.line {
            Some(line) => write!(
                f,
                "{}:{line}: {kind}: {}",
                self.path.display(),
                self.message
            ),
            None => write!(f, "{}: {kind}: {}", self.path.display(), self.message),
        }
    }
}

/// Why a build (or check) failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more problems in the site's input; all of them are listed.
    #[error("{}", render_list(.0))]
    Input(Vec<Diagnostic>),
    /// A file could not be read or written for a reason outside the input
    /// itself (permissions, a full disk, …).
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl Error {
    /// An IO error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// The input diagnostics carried by this error (empty for IO errors).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Self::Input(list) => list,
            Self::Io { .. } => &[],
        }
    }
}

fn render_list(list: &[Diagnostic]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The 1-based line that byte `offset` of `text` falls on.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostic_shows_path_line_and_message() {
        let d = Diagnostic::error_at("content/a.md", 3, "bad `date`");
        assert_eq!(d.to_string(), "content/a.md:3: error: bad `date`");
    }

    #[test]
    fn line_of_offset_counts_newlines() {
        assert_eq!(line_of_offset("a\nb\nc", 0), 1);
        assert_eq!(line_of_offset("a\nb\nc", 2), 2);
        assert_eq!(line_of_offset("a\nb\nc", 99), 3);
    }
}
