//! Shared helpers of the integration tests: fixture sites in temp folders,
//! library and binary builds, output trees, and the external tools.
//!
//! # Fixtures
//!
//! `Fixture::copy("case")` copies `tests/fixtures/case/` into a fresh temp
//! folder (removed when the value is dropped), so a test may add, break or
//! delete files freely. `site.build()` runs the library's `build` on it;
//! `site.build_with(&options)` takes options from `site.options()` with
//! changes; `site.run(&["build"])` runs the real `digest` binary in it and
//! returns its exit code, stdout and stderr.
//!
//! # External tools (the contract with `scripts/test`)
//!
//! Some tests need real tools: the Nu HTML checker, Python with
//! `feedparser`, Chromium. `scripts/test` installs them and exports:
//!
//! | variable | what |
//! | --- | --- |
//! | `DIGEST_REQUIRE_TOOLS=1` | a missing tool fails the test instead of skipping it |
//! | `DIGEST_VNU_JAR` | path of `vnu.jar` (npm `vnu-jar`, in `.tools/`), run with `java` |
//! | `DIGEST_PYTHON` | a Python (the `.venv/` one) that can `import feedparser` |
//! | `DIGEST_CHROMIUM` | the Chromium binary (`/usr/bin/chromium`) |
//!
//! A test asks with `require_tool("DIGEST_VNU_JAR")`: it gets the path, or
//! `None` after a loud message on stderr when the variable is unset (or
//! names no file) and `DIGEST_REQUIRE_TOOLS` is unset, so a plain
//! `cargo test` on a machine without the tools still runs everything else.
//! When `DIGEST_REQUIRE_TOOLS` is set the test panics instead: CI must
//! never pass by skipping.

// Each test module uses a different part of this file.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use digest_site::{BuildOptions, Error, Report};
use tempfile::TempDir;

/// The repository root (where `Cargo.toml` is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/fixtures/` in the repository.
pub fn fixtures_dir() -> PathBuf {
    repo_root().join("tests").join("fixtures")
}

/// The two pasted news articles of `../shared/seeds/`, beside the
/// repository (CI clones the repository with `shared/` beside it).
pub fn seeds_dir() -> PathBuf {
    repo_root().join("..").join("shared").join("seeds")
}

/// A site in a temp folder, deleted on drop.
pub struct Fixture {
    // Held for its `Drop`, which deletes the folder.
    _dir: TempDir,
    root: PathBuf,
}

impl Fixture {
    /// Copies `tests/fixtures/<case>/` into a new temp folder.
    ///
    /// Panics (failing the test) when the fixture does not exist.
    pub fn copy(case: &str) -> Fixture {
        let source = fixtures_dir().join(case);
        assert!(
            source.is_dir(),
            "no fixture `{}`: create it under tests/fixtures/",
            source.display()
        );
        let site = Fixture::empty();
        copy_tree(&source, &site.root);
        site
    }

    /// An empty temp folder (for `digest init`, or a site built by hand).
    pub fn empty() -> Fixture {
        let dir = tempfile::Builder::new()
            .prefix("digest-it-")
            .tempdir()
            .expect("create a temp folder");
        // Canonical, so that paths printed by the binary match the ones we
        // redact (on some systems the temp folder is behind a symlink).
        let root = dir.path().canonicalize().expect("canonical temp folder");
        Fixture { _dir: dir, root }
    }

    /// The site's root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `relative` inside the site.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// The default output folder, `public/`.
    pub fn public(&self) -> PathBuf {
        self.root.join("public")
    }

    /// Writes a file into the site, creating its folders.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) {
        write_file(&self.path(relative), contents.as_ref());
    }

    /// Reads a file of the site as text.
    pub fn read(&self, relative: &str) -> String {
        let path = self.path(relative);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// Deletes a file of the site.
    pub fn remove(&self, relative: &str) {
        let path = self.path(relative);
        fs::remove_file(&path).unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
    }

    /// Sets a file's modification time, for articles dated by it.
    pub fn set_mtime(&self, relative: &str, time: SystemTime) {
        set_mtime(&self.path(relative), time);
    }

    /// Build options for this site, as `digest build` without flags.
    pub fn options(&self) -> BuildOptions {
        BuildOptions {
            root: self.root.clone(),
            ..BuildOptions::default()
        }
    }

    /// Builds the site with the library, into `public/`.
    pub fn build(&self) -> Result<Report, Error> {
        digest_site::build(&self.options())
    }

    /// Builds the site with the given options.
    pub fn build_with(&self, options: &BuildOptions) -> Result<Report, Error> {
        digest_site::build(options)
    }

    /// Builds and panics with every diagnostic if the build fails.
    pub fn build_ok(&self) -> Report {
        match self.build() {
            Ok(report) => report,
            Err(err) => panic!("the build failed:\n{}", self.redact(&err.to_string())),
        }
    }

    /// Runs every stage but writing.
    pub fn generate(&self) -> digest_site::Generated {
        match digest_site::generate(&self.options()) {
            Ok(generated) => generated,
            Err(err) => panic!(
                "the site does not generate:\n{}",
                self.redact(&err.to_string())
            ),
        }
    }

    /// Runs the real `digest` binary with `args`, in the site's folder.
    pub fn run(&self, args: &[&str]) -> Run {
        run_digest(&self.root, args)
    }

    /// Replaces the temp root in `text` by `[ROOT]`, for snapshots.
    pub fn redact(&self, text: &str) -> String {
        redact(text, &self.root)
    }

    /// Every file of the output folder, with its bytes.
    pub fn output_tree(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        tree(&self.public())
    }
}

/// What a run of the `digest` binary did.
#[derive(Debug)]
pub struct Run {
    /// The exit code (`-1` when killed by a signal).
    pub code: i32,
    /// Standard output, as text.
    pub stdout: String,
    /// Standard error, as text.
    pub stderr: String,
}

impl Run {
    /// Panics with the output unless the exit code is `expected`.
    pub fn assert_code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "`digest` exited {} instead of {expected}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

/// Every article's title, in corpus order.
pub fn titles(generated: &digest_site::Generated) -> Vec<&str> {
    generated
        .corpus
        .articles
        .iter()
        .map(|a| a.title.as_str())
        .collect()
}

/// Runs the `digest` binary built for these tests, in `cwd`, with no stdin.
pub fn run_digest(cwd: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_digest"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run the digest binary");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Replaces `root` (and its non-canonical spellings) in `text` by `[ROOT]`.
pub fn redact(text: &str, root: &Path) -> String {
    let mut out = text.to_string();
    let canonical = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    for spelling in [canonical.as_path(), root] {
        let spelling = spelling.display().to_string();
        if !spelling.is_empty() {
            out = out.replace(&spelling, "[ROOT]");
        }
    }
    out
}

/// The path of an external tool from its `DIGEST_*` variable (see the top
/// of this file), or `None` when it is missing and tools are not required.
///
/// Panics when the tool is missing and `DIGEST_REQUIRE_TOOLS` is set.
pub fn require_tool(variable: &str) -> Option<PathBuf> {
    let path = std::env::var_os(variable)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    match path {
        Some(path) if path.exists() => Some(path),
        found => {
            let why = match found {
                Some(path) => format!(
                    "`{variable}` names `{}`, which does not exist",
                    path.display()
                ),
                None => format!("`{variable}` is not set"),
            };
            if std::env::var_os("DIGEST_REQUIRE_TOOLS").is_some_and(|v| !v.is_empty()) {
                panic!("{why}, and DIGEST_REQUIRE_TOOLS is set: run `scripts/test`, which installs the tools");
            }
            eprintln!();
            eprintln!(
                "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
            );
            eprintln!("!!! SKIPPED: {why}; this test's real-tool check did NOT run.");
            eprintln!("!!! Run `scripts/test` to install the tools and run every check.");
            eprintln!(
                "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
            );
            None
        }
    }
}

/// Writes `contents` to `path`, creating its folders. Tests set up their
/// input with this: the crate forbids `std::fs::write` outside `output`.
pub fn write_file(path: &Path, contents: &[u8]) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap_or_else(|e| panic!("create {}: {e}", parent.display()));
    }
    #[allow(clippy::disallowed_methods)] // Test input, not site output.
    fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Sets the modification time of `path`.
pub fn set_mtime(path: &Path, time: SystemTime) {
    let file = fs::File::options()
        .write(true)
        .open(path)
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    file.set_modified(time)
        .unwrap_or_else(|e| panic!("set the time of {}: {e}", path.display()));
}

/// Copies the folder `from` into `to` (created), recursively.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.expect("walk the fixture");
        let relative = entry.path().strip_prefix(from).expect("inside the fixture");
        let target = to.join(relative);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).expect("create a folder");
        } else {
            fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}

/// Every file under `dir` (relative path → bytes); empty when `dir` does
/// not exist. Comparing two of these compares whole trees byte for byte.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    if !dir.exists() {
        return files;
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk the output");
        if entry.file_type().is_file() {
            let relative = entry
                .path()
                .strip_prefix(dir)
                .expect("inside")
                .to_path_buf();
            let bytes = fs::read(entry.path()).expect("read an output file");
            files.insert(relative, bytes);
        }
    }
    files
}

/// Every file under `dir` with its modification time.
pub fn mtimes(dir: &Path) -> BTreeMap<PathBuf, SystemTime> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk the output");
        if entry.file_type().is_file() {
            let relative = entry
                .path()
                .strip_prefix(dir)
                .expect("inside")
                .to_path_buf();
            let time = entry
                .metadata()
                .expect("metadata")
                .modified()
                .expect("mtime");
            files.insert(relative, time);
        }
    }
    files
}

/// Explains how two trees differ (missing, extra and changed files), or
/// `None` when they are identical.
pub fn tree_difference(
    left: &BTreeMap<PathBuf, Vec<u8>>,
    right: &BTreeMap<PathBuf, Vec<u8>>,
) -> Option<String> {
    let mut lines = Vec::new();
    for (path, bytes) in left {
        match right.get(path) {
            None => lines.push(format!("only in the first: {}", path.display())),
            Some(other) if other != bytes => {
                lines.push(format!("differs: {}", path.display()));
                let (a, b) = (
                    String::from_utf8_lossy(bytes),
                    String::from_utf8_lossy(other),
                );
                if let Some((line_a, line_b)) = a.lines().zip(b.lines()).find(|(x, y)| x != y) {
                    lines.push(format!(
                        "    first: {}\n    second: {}",
                        line_a.trim(),
                        line_b.trim()
                    ));
                }
            }
            Some(_) => {}
        }
    }
    for path in right.keys().filter(|p| !left.contains_key(*p)) {
        lines.push(format!("only in the second: {}", path.display()));
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// Output files under `dir` whose name ends with `extension` (no dot),
/// sorted, relative to `dir`.
pub fn files_with_extension(dir: &Path, extension: &str) -> Vec<PathBuf> {
    tree_paths(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect()
}

/// Every file path under `dir`, relative and sorted.
pub fn tree_paths(dir: &Path) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk the output");
        if entry.file_type().is_file() {
            paths.push(
                entry
                    .path()
                    .strip_prefix(dir)
                    .expect("inside")
                    .to_path_buf(),
            );
        }
    }
    paths
}

/// A fixed time, `YYYY-MM-DD HH:MM` in UTC, as a `SystemTime`.
pub fn utc_time(text: &str) -> SystemTime {
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
        .unwrap_or_else(|e| panic!("bad test time `{text}`: {e}"));
    SystemTime::from(naive.and_utc())
}

/// Every output file whose text contains `needle` (case-insensitive).
pub fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let needle = needle.to_lowercase();
    tree(dir)
        .into_iter()
        .filter(|(_, bytes)| {
            String::from_utf8_lossy(bytes)
                .to_lowercase()
                .contains(&needle)
        })
        .map(|(path, _)| path)
        .collect()
}

/// The file of the `mixed` fixture that has no date at all: it is dated by
/// its modification time, which [`mixed`] sets.
pub const MIXED_UNDATED: &str = "content/ferry-service-resumes.txt";

/// The `mixed` fixture, with its undated article's file time set to
/// 2024-03-20 10:00 UTC so that its day (and the front page) is the same on
/// every run.
pub fn mixed() -> Fixture {
    let site = Fixture::copy("mixed");
    site.set_mtime(MIXED_UNDATED, utc_time("2024-03-20 10:00"));
    site
}
