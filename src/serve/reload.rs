//! Live reload for `digest serve`: the messages the server pushes to open
//! browser tabs over server-sent events, and the script (`live.js`) the
//! renderer links from every page in serve mode.
//!
//! The script reloads the page on `reload`, swaps stylesheets on `css`, and
//! shows an overlay with every problem (file, line, message) on `broken`,
//! which it removes on `fixed` or on the reload that follows a good build.

use serde::Serialize;

use crate::error::{Diagnostic, Error};

/// URL of the live-reload script; the renderer links it from every page.
pub const SCRIPT_PATH: &str = "/__digest/live.js";

/// URL of the server-sent event stream the script listens to.
pub const EVENTS_PATH: &str = "/__digest/events";

/// The live-reload script, served at [`SCRIPT_PATH`].
pub const SCRIPT: &str = include_str!("live.js");

/// One problem of a failed build, as the browser overlay shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file, relative to the site root where possible.
    pub path: String,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong and what to do.
    pub message: String,
    /// The whole diagnostic as the terminal prints it.
    pub text: String,
}

impl Problem {
    /// The problems a failed build reports (its errors; warnings are left
    /// out of the overlay because the site did build with them).
    pub fn list(error: &Error) -> Vec<Problem> {
        match error {
            Error::Input(diagnostics) => {
                let errors: Vec<&Diagnostic> =
                    diagnostics.iter().filter(|d| d.is_error()).collect();
                // An `Input` error with no error-level diagnostic should not
                // happen; show the warnings rather than an empty overlay.
                let shown = if errors.is_empty() {
                    diagnostics.iter().collect()
                } else {
                    errors
                };
                shown.into_iter().map(Problem::from_diagnostic).collect()
            }
            Error::Io { path, source } => vec![Problem {
                path: path.display().to_string(),
                line: None,
                message: source.to_string(),
                text: error.to_string(),
            }],
        }
    }

    fn from_diagnostic(diagnostic: &Diagnostic) -> Problem {
        Problem {
            path: diagnostic.path.display().to_string(),
            line: diagnostic.line,
            message: diagnostic.message.clone(),
            text: diagnostic.to_string(),
        }
    }
}

/// A message pushed to every open tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Sent first on every connection: the site's generation, so a tab that
    /// reconnects after missing a build reloads, and the current problems.
    Hello {
        /// Bumped on every build that changed the site.
        generation: u64,
        /// The problems of the last build; empty when it succeeded.
        problems: Vec<Problem>,
    },
    /// Pages changed: reload.
    Reload {
        /// The new generation.
        generation: u64,
    },
    /// Only stylesheets changed: swap them in place, keep the page.
    Css {
        /// The new generation.
        generation: u64,
        /// URL paths of the changed stylesheets.
        paths: Vec<String>,
    },
    /// A build failed: the last good site is still served; show the overlay.
    Broken {
        /// What is wrong.
        problems: Vec<Problem>,
    },
    /// A build succeeded again with no page changed: hide the overlay.
    Fixed {
        /// The generation (unchanged).
        generation: u64,
    },
}

#[derive(Serialize)]
struct Payload<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    generation: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    paths: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problems: Option<&'a [Problem]>,
}

impl Message {
    /// The SSE event name.
    pub fn event(&self) -> &'static str {
        match self {
            Message::Hello { .. } => "hello",
            Message::Reload { .. } => "reload",
            Message::Css { .. } => "css",
            Message::Broken { .. } => "broken",
            Message::Fixed { .. } => "fixed",
        }
    }

    /// The SSE data: one line of JSON.
    pub fn data(&self) -> String {
        let payload = match self {
            Message::Hello {
                generation,
                problems,
            } => Payload {
                generation: Some(*generation),
                paths: None,
                problems: Some(problems),
            },
            Message::Reload { generation } | Message::Fixed { generation } => Payload {
                generation: Some(*generation),
                paths: None,
                problems: None,
            },
            Message::Css { generation, paths } => Payload {
                generation: Some(*generation),
                paths: Some(paths),
                problems: None,
            },
            Message::Broken { problems } => Payload {
                generation: None,
                paths: None,
                problems: Some(problems),
            },
        };
        // Serialising plain strings and numbers cannot fail; an empty
        // object keeps the stream well-formed should it ever.
        serde_json::to_string(&payload).unwrap_or_else(|_| "{}".into())
    }

    /// The whole SSE frame, as written on the wire (for logs and tests).
    pub fn frame(&self) -> String {
        format!("event: {}\ndata: {}\n\n", self.event(), self.data())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_keep_file_line_and_message() {
        let error = Error::Input(vec![
            Diagnostic::warning("content/b.md", None, "no `date`"),
            Diagnostic::error_at("content/a.md", 3, "bad `date`: write `YYYY-MM-DD`"),
        ]);
        let problems = Problem::list(&error);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "content/a.md");
        assert_eq!(problems[0].line, Some(3));
        assert_eq!(problems[0].message, "bad `date`: write `YYYY-MM-DD`");
        assert_eq!(
            problems[0].text,
            "content/a.md:3: error: bad `date`: write `YYYY-MM-DD`"
        );
    }

    #[test]
    fn io_errors_become_problems_too() {
        let error = Error::io(
            std::path::Path::new("static/big.bin"),
            std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied"),
        );
        let problems = Problem::list(&error);
        assert_eq!(problems[0].path, "static/big.bin");
        assert_eq!(problems[0].line, None);
    }

    #[test]
    fn frames_are_one_event_and_one_line_of_json() {
        let message = Message::Css {
            generation: 7,
            paths: vec!["/style.css".into()],
        };
        assert_eq!(
            message.frame(),
            "event: css\ndata: {\"generation\":7,\"paths\":[\"/style.css\"]}\n\n"
        );
        let broken = Message::Broken {
            problems: vec![Problem {
                path: "a\nb".into(),
                line: None,
                message: "m".into(),
                text: "t".into(),
            }],
        };
        // A newline inside a value must not end the SSE data line.
        assert_eq!(broken.data().lines().count(), 1);
    }

    #[test]
    fn the_script_listens_to_every_event() {
        for event in ["hello", "reload", "css", "broken", "fixed"] {
            assert!(
                SCRIPT.contains(&format!("'{event}'")),
                "live.js ignores `{event}`"
            );
        }
        assert!(SCRIPT.contains(EVENTS_PATH));
    }
}
