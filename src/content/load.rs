//! Walks `content/` and parses every article file into the [`Corpus`].
//!
//! The walk is sequential and sorted by file name; parsing runs in parallel
//! (rayon) because it is most of the work on a large archive; everything
//! order-dependent (slug collisions, the final sort) runs after, in walk
//! order, so the result never depends on thread timing.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate, Timelike, Utc};
use rayon::prelude::*;
use walkdir::WalkDir;

use super::front_matter::{self, FrontMatter};
use super::{markdown, text, Article, BodyFile, Corpus, DateSource, Format, CONTENT_DIR};
use crate::config::Config;
use crate::error::Diagnostic;

/// A slug made from a title or file name is cut at a word boundary to at
/// most this many characters.
const SLUG_MAX_CHARS: usize = 60;

/// What the loaded articles keep of their HTML bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bodies {
    /// Every article holds its HTML in `body_html` from the load on: for
    /// `digest serve` and `digest check`, which keep the rendered site and
    /// render pages again after an edit.
    Held,
    /// `body_html` stays empty and [`body_html`] makes it again from the
    /// file when a page shows it, so the bodies are not held through the
    /// analysis (on a large site they are a third of the corpus's memory,
    /// and nothing before the render stage reads them): for the commands
    /// that do not render.
    FromFile,
    /// Held for the first article files in walk order (sorted by path)
    /// that total at most this many bytes, the others made again from
    /// their files as with [`Bodies::FromFile`]: for `digest build`. A small site's bodies cost
    /// little memory and are then made once, at load, from the Markdown
    /// already parsed there (making them again at render time, reading and
    /// parsing each file a second time, was a third of the render's CPU);
    /// a large site holds no more than this through the analysis.
    HeldUpTo(usize),
}

/// Loads every article under `root/content`, without keeping their HTML
/// bodies ([`Bodies::FromFile`]).
///
/// Keeps going past a bad file: returns the articles that loaded and every
/// diagnostic (errors and warnings, sorted by file and line). Drafts are
/// left out unless `include_drafts`. Paths in diagnostics are relative to
/// `root`, with `/` separators.
pub fn load(root: &Path, config: &Config, include_drafts: bool) -> (Corpus, Vec<Diagnostic>) {
    let (corpus, diagnostics, _) = load_hashed(root, config, include_drafts, Bodies::FromFile);
    (corpus, diagnostics)
}

/// [`load`], with every article holding its HTML body ([`Bodies::Held`]).
pub fn load_with_html(
    root: &Path,
    config: &Config,
    include_drafts: bool,
) -> (Corpus, Vec<Diagnostic>) {
    let (corpus, diagnostics, _) = load_hashed(root, config, include_drafts, Bodies::Held);
    (corpus, diagnostics)
}

/// [`content_hash`] of each article file [`load_hashed`] read, by its path
/// (`root/content/…`, as walked). Only looked up by path (the stamp's
/// inputs come in their own order), so a hash map.
pub type FileHashes = std::collections::HashMap<PathBuf, u64>;

/// Like [`load`], keeping the bodies as `bodies` says, and also returns a
/// hash of the bytes of every file read, so that the build stamp
/// (`crate::cache`) records exactly what was loaded without reading the
/// files a second time.
pub fn load_hashed(
    root: &Path,
    config: &Config,
    include_drafts: bool,
    bodies: Bodies,
) -> (Corpus, Vec<Diagnostic>, FileHashes) {
    let (paths, mut diagnostics) = find_files(root);
    let content = root.join(CONTENT_DIR);
    // How many files, in walk order, hold their bodies: decided before the
    // parallel part, so the same files are held on every run (and so a
    // file edited during a build is caught, or not, the same way).
    let n_held = match bodies {
        Bodies::Held => paths.len(),
        Bodies::FromFile => 0,
        Bodies::HeldUpTo(limit) => files_within(&paths, limit),
    };
    // The articles go straight into one list, in walk order, and stay in
    // it until they are sorted: on a large site each copy of the list is
    // tens of megabytes that would still be held when the load returns.
    // The boilerplate patterns joined into one regex, compiled once here:
    // `map_init` sets a worker up once per job, not once per thread.
    let boilerplate = one_pattern(&config.boilerplate);
    let (mut slots, outcomes): (Vec<Option<Article>>, Vec<FileOutcome>) = paths
        .par_iter()
        .enumerate()
        // Each worker gets its own clone of the boilerplate pattern (a
        // `Regex` shared between threads hands its scratch space out under
        // a lock, and every paragraph is matched against it; a clone has
        // its own) and its own buffer for the file bytes (reused, so the
        // memory of the articles kept is not interleaved with freed file
        // buffers).
        .map_init(
            || (boilerplate.clone(), Vec::new()),
            |(boilerplate, buffer), (file_idx, path)| {
                let (loaded, file_diagnostics, hash) = match source_file(root, &content, path) {
                    Some(file) => load_file(
                        &file,
                        config,
                        boilerplate,
                        buffer,
                        include_drafts,
                        file_idx < n_held,
                    ),
                    // Not an article file (an image next to one): ignored.
                    None => (None, Vec::new(), None),
                };
                let (article, origin) = loaded.map(|l| (l.article, l.origin)).unzip();
                (article, (origin, file_diagnostics, hash))
            },
        )
        .unzip();
    let mut origins = Vec::with_capacity(outcomes.len());
    let mut hashed = Vec::with_capacity(outcomes.len());
    for (path, (origin, file_diagnostics, hash)) in paths.into_iter().zip(outcomes) {
        diagnostics.extend(file_diagnostics);
        origins.push(origin);
        if let Some(hash) = hash {
            hashed.push((path, hash));
        }
    }
    let hashes: FileHashes = hashed.into_iter().collect();
    assign_slugs(&mut slots, &origins, &mut diagnostics);
    // Reuses the list's memory (an `Option<Article>` is an `Article` with
    // a spare value of its pointers).
    let mut articles: Vec<Article> = slots.into_iter().flatten().collect();
    // Slugs are unique by now, so no two articles compare equal and the
    // unstable sort, which needs no buffer, gives the one order.
    articles.sort_unstable_by(|a, b| a.date.cmp(&b.date).then_with(|| a.slug.cmp(&b.slug)));
    diagnostics.sort();
    (Corpus { articles }, diagnostics, hashes)
}

/// The HTML body of `article`: the one it holds ([`Bodies::Held`]), or
/// the one made again from its file ([`Bodies::FromFile`]), exactly as the
/// load would have made it.
///
/// Errs, naming the file, when the file can no longer be read or no longer
/// holds the bytes that were loaded: it changed during the build, and a
/// page must not show text the rest of the build never saw.
pub fn body_html<'a>(article: &'a Article, config: &Config) -> Result<Cow<'a, str>, Diagnostic> {
    let Some(body_file) = &article.body_file else {
        return Ok(Cow::Borrowed(&article.body_html));
    };
    let changed = || {
        Diagnostic::error(
            article.source_path.clone(),
            "the file changed while the site was being built: build again",
        )
    };
    let bytes = std::fs::read(&body_file.path).map_err(|err| {
        Diagnostic::error(
            article.source_path.clone(),
            format!("cannot read the file again to render it ({err}): check it is still there, and build again"),
        )
    })?;
    if content_hash(&bytes) != body_file.hash {
        return Err(changed());
    }
    let html = match article.format {
        // The same bytes: the same blocks, of which the load chose which to
        // leave out.
        Format::Markdown => bytes
            .get(body_file.body_start..)
            .and_then(|body| std::str::from_utf8(body).ok())
            .map(|body| markdown::html_without_blocks(body, &body_file.dropped_blocks)),
        Format::Text => html_of(&bytes, config),
    };
    html.map(Cow::Owned).ok_or_else(changed)
}

/// The HTML body of a `.txt` article file's bytes, made as [`parse_file`]
/// makes it; `None` when they do not parse, which the bytes of a file that
/// loaded always do.
fn html_of(bytes: &[u8], config: &Config) -> Option<String> {
    let input = std::str::from_utf8(bytes).ok()?;
    let split = front_matter::split(input).ok()?;
    let front = match split.yaml {
        Some(yaml) => front_matter::parse(yaml, split.yaml_line, config.timezone).ok()?,
        None => FrontMatter::default(),
    };
    let given_title = front.title.as_deref();
    Some(text::parse(split.body, &config.boilerplate, given_title).html())
}

/// A hash of a file's bytes (not cryptographic: it tells an edit from no
/// edit).
pub fn content_hash(bytes: &[u8]) -> u64 {
    // XXH3 (as the output manifest uses): several times faster than the
    // standard SipHash, which was 2.6% of the load's CPU and is paid again
    // for every body made at render time.
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// `patterns` as one regular expression that matches where any of them
/// does, so a paragraph is searched once rather than once per pattern (the
/// list as it is when they do not combine, e.g. two give a group the same
/// name).
fn one_pattern(patterns: &[regex::Regex]) -> Vec<regex::Regex> {
    if patterns.len() < 2 {
        return patterns.to_vec();
    }
    // Every pattern is compiled case-insensitive (`config`); each keeps its
    // own flags inside its group.
    let alternatives: Vec<String> = patterns
        .iter()
        .map(|re| format!("(?i:{})", re.as_str()))
        .collect();
    match regex::Regex::new(&alternatives.join("|")) {
        Ok(combined) => vec![combined],
        Err(_) => patterns.to_vec(),
    }
}

/// What the load keeps of one file besides its article: where the slug
/// came from (`None` without an article), the file's problems and its
/// [`content_hash`] (`None` when it was not read).
type FileOutcome = (Option<SlugOrigin>, Vec<Diagnostic>, Option<u64>);

/// An article parsed from one file, with where its slug came from.
struct Loaded {
    article: Article,
    origin: SlugOrigin,
}

/// Where a slug came from, which decides what a collision means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlugOrigin {
    /// The `slug` front matter field: the user chose this URL.
    FrontMatter,
    /// The file name; `dated` when the name had a date prefix.
    FileName { dated: Option<NaiveDate> },
    /// Made from the title, or the id-like file name as a last resort.
    Title,
}

/// Makes every slug unique, in walk order and in three rounds so a chosen
/// slug always wins over a derived one.
///
/// A `slug:` from the front matter that is already taken is an error naming
/// both files. A file-name slug that is taken gets its file's date
/// appended (`daily-briefing-2024-05-02`) when the name had one, else it is
/// an error too. A slug made from the title gets `-2`, `-3`, …: two outlets'
/// copies of one wire story share a title, and the analysis stage groups
/// them as duplicates rather than the user renaming files.
///
/// `slots` holds the articles in walk order, `origins` where each slug came
/// from; an article whose slug cannot be made unique is taken out of its
/// slot.
fn assign_slugs(
    slots: &mut [Option<Article>],
    origins: &[Option<SlugOrigin>],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut owners: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut next_suffix: BTreeMap<String, usize> = BTreeMap::new();
    let collision = |article: &Article, owner: &Path| {
        Diagnostic::error(
            article.source_path.clone(),
            format!(
                "slug `{}` is already used by `{}`: give one of them another `slug:` in its front matter, or rename the file",
                article.slug,
                owner.display()
            ),
        )
    };
    for round in 0..3 {
        for (slot, origin) in slots.iter_mut().zip(origins) {
            let Some(origin) = origin else {
                continue;
            };
            let in_round = match origin {
                SlugOrigin::FrontMatter => 0,
                SlugOrigin::FileName { .. } => 1,
                SlugOrigin::Title => 2,
            };
            if in_round != round {
                continue;
            }
            let Some(article) = slot.as_mut() else {
                continue;
            };
            if owners.contains_key(&article.slug) {
                let unique = match origin {
                    SlugOrigin::FrontMatter | SlugOrigin::FileName { dated: None } => None,
                    SlugOrigin::FileName { dated: Some(day) } => {
                        Some(format!("{}-{day}", article.slug)).filter(|s| !owners.contains_key(s))
                    }
                    SlugOrigin::Title => {
                        let counter = next_suffix.entry(article.slug.clone()).or_insert(1);
                        loop {
                            *counter += 1;
                            let candidate = format!("{}-{counter}", article.slug);
                            if !owners.contains_key(&candidate) {
                                break Some(candidate);
                            }
                        }
                    }
                };
                match unique {
                    Some(slug) => article.slug = slug,
                    None => {
                        let owner = owners.get(&article.slug).cloned().unwrap_or_default();
                        diagnostics.push(collision(article, &owner));
                        *slot = None;
                        continue;
                    }
                }
            }
            owners.insert(article.slug.clone(), article.source_path.clone());
        }
    }
}

/// One article file found by the walk.
#[derive(Debug)]
struct SourceFile {
    /// The path to open.
    path: PathBuf,
    /// The path relative to the site root, `/`-separated, for messages.
    display: PathBuf,
    /// The folders between `content/` and the file, for `YYYY/MM/DD` dates.
    folders: Vec<String>,
    /// The file name without its extension.
    stem: String,
    format: Format,
}

/// Loads the one article file at `path` on its own, as [`load`] would have
/// loaded it, for `digest serve`'s rebuild after an edit of that file.
///
/// The slug is the file's own: collisions with other files are not looked
/// at, so a caller must compare it with the slug the full load gave.
/// Returns `None` when `path` is not a file the walk would load (outside
/// `content/`, hidden, `_`-prefixed, or not `.md`/`.markdown`/`.txt`).
pub fn load_one(
    root: &Path,
    path: &Path,
    config: &Config,
    include_drafts: bool,
) -> Option<(Option<Article>, Vec<Diagnostic>)> {
    let content = root.join(CONTENT_DIR);
    let relative = path.strip_prefix(&content).ok()?;
    if relative.components().any(|c| is_skipped(c.as_os_str())) || !path.is_file() {
        return None;
    }
    let file = source_file(root, &content, path)?;
    let (loaded, diagnostics, _) = load_file(
        &file,
        config,
        &config.boilerplate,
        &mut Vec::new(),
        include_drafts,
        true,
    );
    Some((loaded.map(|loaded| loaded.article), diagnostics))
}

/// Lists the files under `root/content`, sorted by name; hidden and
/// `_`-prefixed files and folders are skipped. Which of them are articles
/// ([`source_file`]) is decided by the parallel part of the load, so the
/// one-threaded walk does as little as it can.
fn find_files(root: &Path) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let content = root.join(CONTENT_DIR);
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    if !content.is_dir() {
        diagnostics.push(Diagnostic::warning(
            CONTENT_DIR,
            None,
            format!("there is no `{CONTENT_DIR}` folder, so the site has no articles: create it and add `.md` or `.txt` files"),
        ));
        return (files, diagnostics);
    }
    let walker = WalkDir::new(&content)
        .follow_links(true)
        // By name: walkdir compares entries of one folder only, whose paths
        // are that folder's path joined with their names, so comparing the
        // whole paths' bytes gives the order of their names without taking
        // each path apart for its name on every comparison (`file_name`,
        // which `sort_by_file_name` calls, was most of the walk's CPU).
        .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !is_skipped(entry.file_name()));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().map_or_else(
                    || PathBuf::from(CONTENT_DIR),
                    |path| relative_display(root, path),
                );
                let reason = err
                    .io_error()
                    .map_or_else(|| err.to_string(), ToString::to_string);
                diagnostics.push(Diagnostic::error(
                    path,
                    format!("cannot read this file or folder ({reason}): check its permissions, or move it out of `{CONTENT_DIR}`"),
                ));
                continue;
            }
        };
        if entry.file_type().is_file() {
            files.push(entry.into_path());
        }
    }
    (files, diagnostics)
}

/// The article file at `path` (under `content`), or `None` when its
/// extension is not one of an article (`.md`, `.markdown`, `.txt`).
fn source_file(root: &Path, content: &Path, path: &Path) -> Option<SourceFile> {
    let format = article_format(path)?;
    let folders = path
        .parent()
        .and_then(|parent| parent.strip_prefix(content).ok())
        .map(|parent| {
            parent
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    Some(SourceFile {
        display: relative_display(root, path),
        path: path.to_path_buf(),
        folders,
        stem: path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default(),
        format,
    })
}

/// The format of an article file by its extension (`.md`, `.markdown`,
/// `.txt`), or `None` for any other file.
fn article_format(path: &Path) -> Option<Format> {
    let extension = path
        .extension()
        .map(|ext| ext.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "md" | "markdown" => Some(Format::Markdown),
        "txt" => Some(Format::Text),
        _ => None,
    }
}

/// How many of `paths`, from the first, hold their bodies under a budget of
/// `limit` bytes: all up to the first article file that would take the
/// sizes of the article files so far past it. Other files (images next to
/// articles) hold nothing and count for nothing; a file that cannot be
/// read counts as empty (its read fails with a diagnostic later). Stats
/// files only until the budget is spent.
fn files_within(paths: &[PathBuf], limit: usize) -> usize {
    let mut total: u64 = 0;
    for (idx, path) in paths.iter().enumerate() {
        if article_format(path).is_none() {
            continue;
        }
        total += std::fs::metadata(path).map_or(0, |meta| meta.len());
        if total > limit as u64 {
            return idx;
        }
    }
    paths.len()
}

fn is_skipped(name: &std::ffi::OsStr) -> bool {
    // A first byte that is not ASCII is no `.` or `_` in any encoding.
    matches!(name.as_encoded_bytes().first(), Some(b'.' | b'_'))
}

/// `path` relative to `root`, joined with `/` whatever the platform.
fn relative_display(root: &Path, path: &Path) -> PathBuf {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    PathBuf::from(parts.join("/"))
}

/// Reads (into `buffer`) and parses one file, dropping the paragraphs
/// `boilerplate` (the configured patterns) matches. Returns no article when
/// the file has an error or is a draft left out, and the [`content_hash`]
/// of the bytes read. `hold` says whether the article holds its HTML body
/// (else it gets a [`BodyFile`] to make it again from).
fn load_file(
    file: &SourceFile,
    config: &Config,
    boilerplate: &[regex::Regex],
    buffer: &mut Vec<u8>,
    include_drafts: bool,
    hold: bool,
) -> (Option<Loaded>, Vec<Diagnostic>, Option<u64>) {
    buffer.clear();
    let read = std::fs::File::open(&file.path)
        .and_then(|mut opened| std::io::Read::read_to_end(&mut opened, buffer));
    let bytes = match read {
        Ok(_) => buffer.as_slice(),
        Err(err) => {
            return (
                None,
                vec![Diagnostic::error(
                    file.display.clone(),
                    format!("cannot read the file ({err}): check its permissions"),
                )],
                None,
            )
        }
    };
    // Asked only for an article with no other date: one system call less
    // per file for the rest.
    let modified = || {
        std::fs::metadata(&file.path)
            .and_then(|meta| meta.modified())
            .ok()
            .map(DateTime::<Utc>::from)
    };
    let hash = content_hash(bytes);
    // `parse_file` fills in where the body starts and which blocks it
    // leaves out.
    let body_file = (!hold).then(|| BodyFile {
        path: file.path.clone(),
        hash,
        body_start: 0,
        dropped_blocks: Box::default(),
    });
    let (loaded, diagnostics) = parse_file(
        file,
        bytes,
        modified,
        config,
        boilerplate,
        include_drafts,
        body_file,
    );
    (loaded, diagnostics, Some(hash))
}

/// Parses the bytes of one file; `modified` gives its modification time,
/// the date of last resort. With a `body_file` the article gets that
/// instead of its HTML body ([`Bodies::FromFile`]).
fn parse_file(
    file: &SourceFile,
    bytes: &[u8],
    modified: impl FnOnce() -> Option<DateTime<Utc>>,
    config: &Config,
    boilerplate: &[regex::Regex],
    include_drafts: bool,
    mut body_file: Option<BodyFile>,
) -> (Option<Loaded>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let error = |line: Option<usize>, message: String| Diagnostic {
        path: file.display.clone(),
        line,
        severity: crate::error::Severity::Error,
        message,
    };

    let input = match std::str::from_utf8(bytes) {
        Ok(input) => input,
        Err(err) => {
            let valid = &bytes[..err.valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            let column =
                valid.len() - valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
            return (
                None,
                vec![error(
                    Some(line),
                    format!("the file is not UTF-8 text (bad byte at column {column}): save it with the UTF-8 encoding"),
                )],
            );
        }
    };
    if input.trim_start_matches('\u{feff}').trim().is_empty() {
        return (
            None,
            vec![error(
                None,
                "the file is empty: write the article in it, or delete it".into(),
            )],
        );
    }
    let Ok(split) = front_matter::split(input) else {
        return (
            None,
            vec![error(
                Some(1),
                "the front matter opened with `---` on this line is never closed: add a `---` line after its last field".into(),
            )],
        );
    };
    let front = match split.yaml {
        Some(yaml) => match front_matter::parse(yaml, split.yaml_line, config.timezone) {
            Ok(front) => front,
            Err(problems) => {
                let list = problems
                    .into_iter()
                    .map(|p| error(Some(p.line), p.message))
                    .collect();
                return (None, list);
            }
        },
        None => FrontMatter::default(),
    };
    if front.draft && !include_drafts {
        return (None, diagnostics);
    }
    let empty_body = || {
        error(
            Some(split.body_line),
            if split.yaml.is_some() {
                "the article has no text after the front matter: write it below the closing `---`"
                    .into()
            } else {
                "the article has no text: write it in the file, or delete the file".into()
            },
        )
    };
    if split.body.trim().is_empty() {
        return (None, vec![empty_body()]);
    }
    if split.yaml.is_none() && split.body.lines().next().map(str::trim_end) == Some("+++") {
        // Hugo's TOML front matter would otherwise show up as article text.
        return (
            None,
            vec![error(
                Some(1),
                "front matter in TOML (`+++`) is not supported: write the fields as YAML between `---` lines, such as `title: Budget vote`".into(),
            )],
        );
    }

    let given_title = front.title.as_deref();
    let with_html = body_file.is_none();
    // Without `with_html` the HTML is made only where it is needed to tell
    // whether the body is empty: a body with any plain text has HTML.
    let (inferred_title, body_html, plain, first_paragraph, no_html) = match file.format {
        Format::Text => {
            let doc = text::parse(split.body, boilerplate, given_title);
            let first = doc.lead().to_string();
            // Each paragraph is at least `<p></p>`.
            let no_html = doc.paragraphs.is_empty();
            let html = if with_html { doc.html() } else { String::new() };
            (doc.title.clone(), html, doc.text(), first, no_html)
        }
        Format::Markdown => {
            let doc = markdown::render_parts(split.body, boilerplate, given_title, with_html);
            let no_html = doc.html.trim().is_empty() && (with_html || doc.text.is_empty());
            if let Some(body_file) = &mut body_file {
                body_file.dropped_blocks = doc.dropped_blocks.into_boxed_slice();
            }
            let html = if with_html { doc.html } else { String::new() };
            (doc.title, html, doc.text, doc.first_paragraph, no_html)
        }
    };
    if let Some(body_file) = &mut body_file {
        // `split.body` is a part of `input`.
        body_file.body_start = split.body.as_ptr() as usize - input.as_ptr() as usize;
    }
    if no_html {
        // Only boilerplate lines, or only a title heading.
        return (None, vec![empty_body()]);
    }

    let title = given_title
        .map(str::to_string)
        .or(inferred_title)
        .filter(|title| !title.is_empty())
        .unwrap_or_else(|| title_from_stem(&file.stem));

    let (date, date_source) = match front.date {
        Some(date) => (date, DateSource::FrontMatter),
        None => match date_from_name(&file.stem) {
            Some(day) => (at_midnight(day, config), DateSource::FileName),
            None => match date_from_folders(&file.folders) {
                Some(day) => (at_midnight(day, config), DateSource::FolderPath),
                None => {
                    // Whole seconds: sub-second precision of a file time
                    // means nothing to a reader and clutters feeds.
                    let time = modified()
                        .unwrap_or_default()
                        .with_nanosecond(0)
                        .unwrap_or_default();
                    let date = time.with_timezone(&config.timezone).fixed_offset();
                    diagnostics.push(Diagnostic::warning(
                        file.display.clone(),
                        None,
                        format!(
                            "no date given, so the file's modification time ({}) is used: add `date: {}` in front matter at the top of the file (between `---` lines), or start the file name with the date, as in `{}-{}`",
                            date.format("%Y-%m-%d %H:%M"),
                            date.format("%Y-%m-%d"),
                            date.format("%Y-%m-%d"),
                            file.path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                        ),
                    ));
                    (date, DateSource::ModifiedTime)
                }
            },
        },
    };
    let local_date = date.with_timezone(&config.timezone).date_naive();

    let (slug, origin) = match (front.slug.clone(), slug_from_stem(&file.stem)) {
        (Some(slug), _) => (slug, SlugOrigin::FrontMatter),
        (None, Some(slug)) => (
            slug,
            SlugOrigin::FileName {
                dated: date_from_name(&file.stem),
            },
        ),
        (None, None) => (
            non_empty(cut_slug(&slug::slugify(&title)))
                .or_else(|| non_empty(cut_slug(&slug::slugify(&file.stem))))
                .unwrap_or_else(|| "article".into()),
            SlugOrigin::Title,
        ),
    };

    let summary = exact_size(match front.summary {
        Some(summary) => summary,
        None => text::truncate_words(&first_paragraph, config.summary_length),
    });
    let word_count = text::word_count(&plain);
    let words_per_minute = config.words_per_minute.max(1);
    let reading_minutes = word_count.div_ceil(words_per_minute).max(1);
    // The bodies are kept for the whole build: copy them into blocks of
    // their own size. `shrink_to_fit` is not enough: the allocator keeps a
    // block in place when it shrinks by less than half, so the room the
    // builders grew into stayed taken (a third of the corpus's memory on a
    // large site).
    let body_html = exact_size(body_html);
    let plain = exact_size(plain);

    let article = Article {
        source_path: file.display.clone(),
        slug,
        title,
        date,
        local_date,
        date_source,
        updated: front.updated,
        topics: front.topics,
        source: front.source,
        source_url: front.source_url,
        author: front.author.or_else(|| config.author.clone()),
        summary,
        image: front.image,
        lang: front.lang.unwrap_or_else(|| config.language.clone()),
        draft: front.draft,
        extra: front.extra.into(),
        body_html,
        body_file,
        text: plain,
        word_count,
        reading_minutes,
        format: file.format,
    };
    (Some(Loaded { article, origin }), diagnostics)
}

/// `text` in an allocation of its own length, so a string kept for the
/// whole build holds no spare room.
pub(crate) fn exact_size(text: String) -> String {
    if text.capacity() == text.len() {
        text
    } else {
        text.as_str().to_owned()
    }
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn at_midnight(day: NaiveDate, config: &Config) -> DateTime<FixedOffset> {
    front_matter::in_zone(day.and_time(chrono::NaiveTime::MIN), config.timezone)
}

/// A `YYYY-MM-DD` at the start of a file name, followed by the end of the
/// name or a separator (`2024-05-01-vote`, `2024-05-01_vote`).
fn date_from_name(stem: &str) -> Option<NaiveDate> {
    let (day, rest) = (stem.get(..10)?, &stem[10..]);
    if !(rest.is_empty() || rest.starts_with(['-', '_', ' ', '.'])) {
        return None;
    }
    let bytes = day.as_bytes();
    let shape_ok = bytes.iter().enumerate().all(|(idx, b)| match idx {
        4 | 7 => *b == b'-',
        _ => b.is_ascii_digit(),
    });
    if !shape_ok {
        return None;
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

/// The date of a `YYYY/MM/DD` folder path just above the file.
fn date_from_folders(folders: &[String]) -> Option<NaiveDate> {
    let [.., year, month, day] = folders else {
        return None;
    };
    let all_digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(year, 4) && all_digits(month, 2) && all_digits(day, 2)) {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// The file name without a date prefix, as a slug, when it is meaningful:
/// it holds a real word, not only numbers and hex ids such as
/// `000_8a9465579368dbc4`.
fn slug_from_stem(stem: &str) -> Option<String> {
    let name = match date_from_name(stem) {
        Some(_) => stem[10..].trim_start_matches(['-', '_', ' ', '.']),
        None => stem,
    };
    let meaningful = name.split(|c: char| !c.is_alphanumeric()).any(is_real_word);
    if !meaningful {
        return None;
    }
    non_empty(cut_slug(&slug::slugify(name)))
}

/// A run of at least two letters, and not a long run of hex digits.
fn is_real_word(token: &str) -> bool {
    let n_chars = token.chars().count();
    n_chars >= 2
        && token.chars().all(char::is_alphabetic)
        && !(n_chars >= 8 && token.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Cuts a slug to [`SLUG_MAX_CHARS`] at a `-` boundary when it is longer.
fn cut_slug(slug: &str) -> String {
    if slug.len() <= SLUG_MAX_CHARS {
        return slug.to_string();
    }
    // A slug is ASCII (slugify transliterates), so byte offsets are chars.
    let head = slug.get(..=SLUG_MAX_CHARS).unwrap_or(slug);
    match head.rfind('-') {
        Some(idx) if idx > 0 => slug[..idx].to_string(),
        _ => slug.get(..SLUG_MAX_CHARS).unwrap_or(slug).to_string(),
    }
}

/// A last-resort title: the file name without date prefix, dashes and
/// underscores turned into spaces.
fn title_from_stem(stem: &str) -> String {
    let name = match date_from_name(stem) {
        Some(_) => &stem[10..],
        None => stem,
    };
    let words: Vec<&str> = name
        .split(|c: char| c == '-' || c == '_' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        stem.to_string()
    } else {
        words.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::{Duration, SystemTime};

    use proptest::prelude::*;

    use crate::error::Severity;

    const SITE: &str = "title = \"T\"\nbase_url = \"https://example.org/\"\n";

    fn config() -> Config {
        Config::parse(SITE).unwrap()
    }

    fn config_with(extra: &str) -> Config {
        Config::parse(&format!("{SITE}{extra}")).unwrap()
    }

    /// Writes `bytes` to `root/rel`, creating folders (`std::fs::write` is
    /// kept for the output stage by the lint configuration).
    fn put(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut file = std::fs::File::create(&path).unwrap();
        file.write_all(bytes.as_ref()).unwrap();
        path
    }

    fn set_mtime(path: &Path, unix_seconds: u64) {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(unix_seconds))
            .unwrap();
    }

    fn errors(diagnostics: &[Diagnostic]) -> Vec<String> {
        diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(ToString::to_string)
            .collect()
    }

    /// Like a pasted article with a paragraph per line, no title line and no
    /// date, named by an id as a scraper would.
    const PASTED_LINES: &str = "Portuguese President Rui Matos has ended his tense video call with Spanish Prime Minister Elena Ruiz over the water-sharing dispute on the Tagus river.\n\
The call began at 10.30am WET and lasted a little under two hours, the Lusa news agency reported citing the presidency.\n\
The conversation came hours after Madrid cut the flow through the Alcántara dam by a third, amid growing fears of a summer drought.\n\
Also read | Farmers in the Alentejo count the cost of a dry spring\n\
Satellite images taken over the past month show the reservoirs at their lowest level since 1995. Lisbon has asked the EU to mediate.\n\
Also read | Brussels offers to host water talks in June\n\
With the summer approaching, the call between Matos and Ruiz could decide how much water reaches Portugal this year.";

    /// Like a pasted article with blank lines between paragraphs, no-break
    /// spaces and "Also read:" links.
    const PASTED_BLOCKS: &str = "Spanish Prime Minister Elena Ruiz assured Portuguese President Rui Matos that Spain would honour the 1998 water treaty in full, her office said. The two leaders spoke for about an hour on Tuesday evening.\n\
\n\
Officials in Madrid said the call began at 6:20 PM CET and ended shortly after 7 PM.\u{a0}\n\
\n\
Also read:\u{a0} Why are Spanish reservoirs so low this year?\n\
\n\
\u{201c}Spain will respect every commitment it has made to its neighbour,\u{201d} the statement said.\n\
\n\
With inputs from EFE";

    /// A site holding the two pasted texts, dated by their file times
    /// 2024-05-01T10:00:00Z and 2024-05-02T10:00:00Z.
    fn pasted_site() -> tempfile::TempDir {
        let site = tempfile::tempdir().unwrap();
        let a = put(
            site.path(),
            "content/000_3f9c2a71be04d5e8.txt",
            PASTED_LINES,
        );
        let b = put(
            site.path(),
            "content/001_c81d4e0a9f2b7365.txt",
            PASTED_BLOCKS,
        );
        set_mtime(&a, 1_714_557_600);
        set_mtime(&b, 1_714_644_000);
        site
    }

    #[test]
    fn pasted_news_texts_load_with_sensible_titles_and_no_boilerplate() {
        let site = pasted_site();
        let (corpus, diagnostics) = load_with_html(site.path(), &config(), false);
        assert!(errors(&diagnostics).is_empty(), "{diagnostics:#?}");

        let titles: Vec<&str> = corpus.articles.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(
            titles,
            vec![
                "Portuguese President Rui Matos has ended his tense video call with Spanish Prime Minister Elena Ruiz…",
                "Spanish Prime Minister Elena Ruiz assured Portuguese President Rui Matos that Spain would honour the 1998 water treaty in full",
            ]
        );
        for article in &corpus.articles {
            assert!(!article.text.contains("Also read"), "{}", article.text);
            assert!(
                !article.body_html.contains("Also read"),
                "{}",
                article.body_html
            );
            assert_eq!(article.date_source, DateSource::ModifiedTime);
            assert_eq!(article.format, Format::Text);
            assert!(article.slug.len() <= SLUG_MAX_CHARS, "{}", article.slug);
            assert!(!article.slug.contains("3f9c2a71"), "{}", article.slug);
        }
        let first = &corpus.articles[0];
        assert_eq!(
            first.slug,
            "portuguese-president-rui-matos-has-ended-his-tense-video"
        );
        assert_eq!(first.date.to_rfc3339(), "2024-05-01T10:00:00+00:00");
        assert_eq!(first.text.split("\n\n").count(), 5);
        assert!(first.body_html.starts_with("<p>Portuguese President"));

        let warnings: Vec<&Diagnostic> = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .collect();
        assert_eq!(warnings.len(), 2);
        assert_eq!(
            warnings[0].path,
            PathBuf::from("content/000_3f9c2a71be04d5e8.txt")
        );
        assert!(
            warnings[0]
                .message
                .starts_with("no date given, so the file's modification time (2024-05-01 10:00) is used: add `date: 2024-05-01`"),
            "{}",
            warnings[0].message
        );
    }

    #[test]
    fn pasted_news_texts_snapshot() {
        let site = pasted_site();
        let (corpus, _) = load_with_html(site.path(), &config(), false);
        insta::assert_snapshot!(serde_json::to_string_pretty(&corpus).unwrap());
    }

    #[test]
    fn boilerplate_patterns_as_one_match_where_any_of_them_does() {
        let config = config_with(
            "boilerplate = [\"^(?-i)EXACT case$\", \"^(?P<x>by) wire$\", \"^(?P<x>via) wire$\"]\n",
        );
        let many = &config.boilerplate;
        let sources = |list: &[regex::Regex]| -> Vec<String> {
            list.iter().map(|re| re.as_str().to_string()).collect()
        };
        assert_eq!(
            sources(&one_pattern(many)),
            sources(many),
            "same group name twice"
        );
        let config = config_with("boilerplate = [\"^(?-i)EXACT case$\", \"^by wire$\"]\n");
        let one = one_pattern(&config.boilerplate);
        assert_eq!(one.len(), 1);
        for line in [
            "Also read | Budget vote",
            "ALSO READ: more",
            "Read more",
            "read more about it here",
            "Advertisement",
            "An advertisement",
            "EXACT case",
            "exact case",
            "By Wire",
            "Photo: Reuters",
            "The river rose again.",
            "",
        ] {
            assert_eq!(
                text::is_boilerplate(line, &one),
                text::is_boilerplate(line, &config.boilerplate),
                "{line}"
            );
        }
    }

    #[test]
    fn bodies_made_again_from_the_files_are_the_bodies_a_load_keeps() {
        let site = pasted_site();
        let config = config_with("boilerplate = [\"^Key points:$\"]\n");
        put(
            site.path(),
            "content/2024-05-03-budget.md",
            "---\ntitle: Budget vote\n---\n# Budget vote\n\nThe vote[^main] passed.\n\nKey points:\n\n- one\n- two\n\n[^main]: By one vote.\n",
        );
        put(
            site.path(),
            "content/2024-05-04-river.md",
            "# River levels rise\n\nThe river rose -- again -- on \"Monday\".\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        put(
            site.path(),
            "content/2024-05-05-image.md",
            "![only an image](photo.jpg)\n",
        );
        put(
            site.path(),
            "content/2024-05-06-ferry.txt",
            "---\ntitle: Ferry strike\n---\nFerry strike\nThe ferries stopped.\nAlso read | Other news\n",
        );
        let (held, held_diagnostics) = load_with_html(site.path(), &config, false);
        let (lean, lean_diagnostics) = load(site.path(), &config, false);
        assert_eq!(held_diagnostics, lean_diagnostics);
        assert_eq!(held.articles.len(), 6);
        assert_eq!(lean.articles.len(), 6);
        for (held, lean) in held.articles.iter().zip(&lean.articles) {
            assert!(held.body_file.is_none() && !held.body_html.is_empty());
            assert!(lean.body_file.is_some() && lean.body_html.is_empty());
            assert_eq!(
                body_html(lean, &config).unwrap(),
                held.body_html,
                "{}",
                held.source_path.display()
            );
            assert_eq!(body_html(held, &config).unwrap(), held.body_html);
        }
        // Under a budget some bodies are held and the others made again,
        // and every page shows the same body either way.
        // The largest file: the first file read is held, not all six are.
        let largest = held
            .articles
            .iter()
            .map(|a| {
                std::fs::metadata(site.path().join(&a.source_path))
                    .unwrap()
                    .len()
            })
            .max();
        let budget = Bodies::HeldUpTo(largest.unwrap_or_default() as usize);
        let (mixed, _, _) = load_hashed(site.path(), &config, false, budget);
        let n_held = mixed.articles.iter().filter(|a| a.body_file.is_none());
        assert!((1..6).contains(&n_held.count()));
        for (held, mixed) in held.articles.iter().zip(&mixed.articles) {
            assert_eq!(body_html(mixed, &config).unwrap(), held.body_html);
        }
    }

    #[test]
    fn a_file_changed_during_the_build_fails_its_page_naming_the_file() {
        let site = pasted_site();
        let (corpus, _) = load(site.path(), &config(), false);
        let path = put(
            site.path(),
            "content/000_3f9c2a71be04d5e8.txt",
            "A new text, saved while the site was being built.\n",
        );
        let article = corpus
            .articles
            .iter()
            .find(|a| a.source_path == Path::new("content/000_3f9c2a71be04d5e8.txt"))
            .unwrap();
        let problem = body_html(article, &config()).unwrap_err();
        assert_eq!(
            problem.to_string(),
            "content/000_3f9c2a71be04d5e8.txt: error: the file changed while the site was being built: build again"
        );
        std::fs::remove_file(path).unwrap();
        let problem = body_html(article, &config()).unwrap_err();
        assert!(
            problem.message.starts_with("cannot read the file again"),
            "{problem}"
        );
    }

    #[test]
    fn date_comes_from_front_matter_file_name_or_folders() {
        let site = tempfile::tempdir().unwrap();
        put(
            site.path(),
            "content/aa.md",
            "---\ndate: 2024-03-02 08:00\n---\nText a.\n",
        );
        put(
            site.path(),
            "content/2024-03-01-budget-vote.txt",
            "Text b.\n",
        );
        put(site.path(), "content/2024/02/29/storm.md", "Text c.\n");
        let config = config_with("timezone = \"America/New_York\"\n");
        let (corpus, diagnostics) = load(site.path(), &config, false);
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        let got: Vec<(String, String, DateSource, String)> = corpus
            .articles
            .iter()
            .map(|a| {
                (
                    a.slug.clone(),
                    a.date.to_rfc3339(),
                    a.date_source,
                    a.local_date.to_string(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "storm".into(),
                    "2024-02-29T00:00:00-05:00".into(),
                    DateSource::FolderPath,
                    "2024-02-29".into()
                ),
                (
                    "budget-vote".into(),
                    "2024-03-01T00:00:00-05:00".into(),
                    DateSource::FileName,
                    "2024-03-01".into()
                ),
                (
                    "aa".into(),
                    "2024-03-02T08:00:00-05:00".into(),
                    DateSource::FrontMatter,
                    "2024-03-02".into()
                ),
            ]
        );
    }

    #[test]
    fn local_date_is_the_day_in_the_site_time_zone() {
        let site = tempfile::tempdir().unwrap();
        put(
            site.path(),
            "content/late.md",
            "---\ndate: 2024-05-01T23:30:00Z\n---\nText.\n",
        );
        let config = config_with("timezone = \"Asia/Tokyo\"\n");
        let (corpus, _) = load(site.path(), &config, false);
        assert_eq!(corpus.articles[0].local_date.to_string(), "2024-05-02");
    }

    #[test]
    fn every_error_is_reported_with_file_and_line() {
        let site = tempfile::tempdir().unwrap();
        let root = site.path();
        put(
            root,
            "content/a-bad-bytes.txt",
            b"First line.\nSecond \xff line.\n",
        );
        put(root, "content/b-empty.md", "  \n\n");
        put(root, "content/c-no-body.md", "---\ntitle: Nothing\n---\n\n");
        put(root, "content/d-unclosed.md", "---\ntitle: Open\nText.\n");
        put(
            root,
            "content/e-broken.md",
            "---\ntitle: Vote\nsummary: a: b\n---\nText.\n",
        );
        put(
            root,
            "content/f-types.md",
            "---\ntitle: Vote\ntopics: {a: 1}\n---\nText.\n",
        );
        put(
            root,
            "content/g-date.md",
            "---\ntitle: Vote\n\ndate: next Friday\n---\nText.\n",
        );
        put(root, "content/h-one.md", "---\nslug: same\n---\nText.\n");
        put(root, "content/i-two.md", "---\nslug: Same\n---\nText.\n");
        put(
            root,
            "content/j-only-boilerplate.txt",
            "Also read | Nothing here\nAdvertisement\n",
        );
        put(root, "content/k-good.md", "Fine text.\n");
        put(
            root,
            "content/l-toml.md",
            "+++\ntitle = \"Vote\"\n+++\nText.\n",
        );
        let (corpus, diagnostics) = load(root, &config(), false);
        let errors = errors(&diagnostics);
        assert_eq!(
            errors,
            vec![
                "content/a-bad-bytes.txt:2: error: the file is not UTF-8 text (bad byte at column 8): save it with the UTF-8 encoding",
                "content/b-empty.md: error: the file is empty: write the article in it, or delete it",
                "content/c-no-body.md:4: error: the article has no text after the front matter: write it below the closing `---`",
                "content/d-unclosed.md:1: error: the front matter opened with `---` on this line is never closed: add a `---` line after its last field",
                "content/e-broken.md:3: error: broken front matter: mapping values are not allowed in this context; quote values that contain `: ` or start with a quote, `[`, `{`, `@` or `*`",
                "content/f-types.md:3: error: `topics` must be a list of names (`[Politics, Europe]`) or one name, not a mapping of keys",
                "content/g-date.md:4: error: `date` `next Friday` is not a date: write it as `2024-05-01`, `2024-05-01 14:30`, `2024-05-01T14:30:00` or `2024-05-01T14:30:00+02:00`",
                "content/i-two.md: error: slug `same` is already used by `content/h-one.md`: give one of them another `slug:` in its front matter, or rename the file",
                "content/j-only-boilerplate.txt:1: error: the article has no text: write it in the file, or delete the file",
                "content/l-toml.md:1: error: front matter in TOML (`+++`) is not supported: write the fields as YAML between `---` lines, such as `title: Budget vote`",
            ]
        );
        let slugs: Vec<&str> = corpus.articles.iter().map(|a| a.slug.as_str()).collect();
        let mut sorted = slugs.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec!["k-good", "same"]);
    }

    #[test]
    fn hidden_underscored_and_other_files_are_skipped() {
        let site = tempfile::tempdir().unwrap();
        let root = site.path();
        put(root, "content/.draft.md", "Hidden.\n");
        put(root, "content/_notes/idea.md", "Skipped folder.\n");
        put(root, "content/_index.md", "Skipped file.\n");
        put(root, "content/.git/x.txt", "Hidden folder.\n");
        put(root, "content/photo.jpg", [0xff, 0xd8, 0xff]);
        put(root, "content/news/Kept.MARKDOWN", "Kept text.\n");
        let (corpus, diagnostics) = load(root, &config(), false);
        assert!(errors(&diagnostics).is_empty(), "{diagnostics:#?}");
        let paths: Vec<String> = corpus
            .articles
            .iter()
            .map(|a| a.source_path.display().to_string())
            .collect();
        assert_eq!(paths, vec!["content/news/Kept.MARKDOWN"]);
        assert_eq!(corpus.articles[0].format, Format::Markdown);
    }

    #[test]
    fn missing_content_folder_is_a_warning() {
        let site = tempfile::tempdir().unwrap();
        let (corpus, diagnostics) = load(site.path(), &config(), false);
        assert!(corpus.articles.is_empty());
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].severity, Severity::Warning);
    }

    #[test]
    fn drafts_are_left_out_unless_asked_for() {
        let site = tempfile::tempdir().unwrap();
        put(
            site.path(),
            "content/2024-01-01-plan.md",
            "---\ndraft: true\n---\nText.\n",
        );
        put(site.path(), "content/2024-01-02-done.md", "Text.\n");
        let (corpus, _) = load(site.path(), &config(), false);
        assert_eq!(corpus.articles.len(), 1);
        let (corpus, _) = load(site.path(), &config(), true);
        assert_eq!(corpus.articles.len(), 2);
        assert!(corpus.articles[0].draft);
    }

    #[test]
    fn articles_are_sorted_by_date_then_slug() {
        let site = tempfile::tempdir().unwrap();
        put(site.path(), "content/z/2024-01-02-bb.md", "Text.\n");
        put(site.path(), "content/2024-01-02-aa.md", "Text.\n");
        put(site.path(), "content/y/2024-01-01-cc.md", "Text.\n");
        put(
            site.path(),
            "content/xx.md",
            "---\ndate: 2024-01-02T00:00:00+01:00\n---\nText.\n",
        );
        let (corpus, diagnostics) = load(site.path(), &config(), false);
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        let slugs: Vec<&str> = corpus.articles.iter().map(|a| a.slug.as_str()).collect();
        // `xx` is 23:00 UTC on the 1st: after `cc`, before `aa`.
        assert_eq!(slugs, vec!["cc", "xx", "aa", "bb"]);
    }

    #[test]
    fn fields_default_from_the_site_and_the_text() {
        let site = tempfile::tempdir().unwrap();
        let body = "Rain ".repeat(500);
        put(
            site.path(),
            "content/2024-01-01-long.txt",
            format!("Long read about words\n{body}\n"),
        );
        put(
            site.path(),
            "content/2024-01-02-given.md",
            "---\ntitle: Given\nsummary: Given summary.\nauthor: Ana\nlang: pt\nsource: Diário\nimage: a.jpg\nmood: calm\n---\nText.\n",
        );
        let config =
            config_with("author = \"Desk\"\nsummary_length = 40\nwords_per_minute = 200\n");
        let (corpus, diagnostics) = load(site.path(), &config, false);
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        let long = &corpus.articles[0];
        assert_eq!(long.title, "Long read about words");
        assert_eq!(long.summary, "Rain Rain Rain Rain Rain Rain Rain Rain…");
        assert_eq!(long.word_count, 500);
        assert_eq!(long.reading_minutes, 3);
        assert_eq!(long.author.as_deref(), Some("Desk"));
        assert_eq!(long.lang, "en");
        let given = &corpus.articles[1];
        assert_eq!(given.summary, "Given summary.");
        assert_eq!(given.author.as_deref(), Some("Ana"));
        assert_eq!(given.lang, "pt");
        assert_eq!(given.source.as_deref(), Some("Diário"));
        assert_eq!(given.image.as_deref(), Some("a.jpg"));
        assert_eq!(given.extra.get("mood"), Some(&serde_json::json!("calm")));
        assert_eq!(given.reading_minutes, 1);
    }

    #[test]
    fn slugs_come_from_front_matter_then_file_name_then_title() {
        assert_eq!(
            slug_from_stem("2024-05-01-budget-vote"),
            Some("budget-vote".into())
        );
        assert_eq!(
            slug_from_stem("Élection présidentielle"),
            Some("election-presidentielle".into())
        );
        assert_eq!(slug_from_stem("000_8a9465579368dbc4"), None);
        assert_eq!(slug_from_stem("2024-05-01"), None);
        assert_eq!(slug_from_stem("12345"), None);
        assert_eq!(slug_from_stem("deadbeefcafe"), None);
        assert_eq!(slug_from_stem("cafe"), Some("cafe".into()));
        let long = cut_slug(&slug::slugify(
            "A very long title about the budget vote that parliament held late on Friday night",
        ));
        assert_eq!(
            long,
            "a-very-long-title-about-the-budget-vote-that-parliament-held"
        );
        assert!(long.len() <= SLUG_MAX_CHARS);

        let site = tempfile::tempdir().unwrap();
        put(
            site.path(),
            "content/2024-05-01-ignored-name.md",
            "---\nslug: Chosen Name\n---\nText.\n",
        );
        let (corpus, _) = load(site.path(), &config(), false);
        assert_eq!(corpus.articles[0].slug, "chosen-name");
    }

    #[test]
    fn derived_slugs_are_made_unique_and_chosen_ones_collide() {
        let site = tempfile::tempdir().unwrap();
        let root = site.path();
        let wire = "Fuel prices fall for a third week\nDiesel is now cheaper than in January.\n";
        put(root, "content/000_1a2b3c4d5e6f7a8b.txt", wire);
        put(root, "content/001_9f8e7d6c5b4a3f2e.txt", wire);
        put(root, "content/002_0a0b0c0d0e0f0a0b.txt", wire);
        put(root, "content/2024-05-01-daily-briefing.md", "Text.\n");
        put(root, "content/2024-05-02-daily-briefing.md", "Text.\n");
        put(root, "content/a/vote.md", "Text.\n");
        put(root, "content/b/vote.md", "Text.\n");
        // Walked last, but a chosen slug wins over ones made from a title.
        put(
            root,
            "content/zz.md",
            "---\nslug: fuel-prices-fall-for-a-third-week\n---\nText.\n",
        );
        let (corpus, diagnostics) = load(root, &config(), false);
        assert_eq!(
            errors(&diagnostics),
            vec!["content/b/vote.md: error: slug `vote` is already used by `content/a/vote.md`: give one of them another `slug:` in its front matter, or rename the file"]
        );
        let slug_of = |path: &str| {
            corpus
                .articles
                .iter()
                .find(|a| a.source_path == Path::new(path))
                .map(|a| a.slug.clone())
                .unwrap()
        };
        assert_eq!(
            slug_of("content/zz.md"),
            "fuel-prices-fall-for-a-third-week"
        );
        assert_eq!(
            slug_of("content/000_1a2b3c4d5e6f7a8b.txt"),
            "fuel-prices-fall-for-a-third-week-2"
        );
        assert_eq!(
            slug_of("content/001_9f8e7d6c5b4a3f2e.txt"),
            "fuel-prices-fall-for-a-third-week-3"
        );
        assert_eq!(
            slug_of("content/002_0a0b0c0d0e0f0a0b.txt"),
            "fuel-prices-fall-for-a-third-week-4"
        );
        assert_eq!(
            slug_of("content/2024-05-01-daily-briefing.md"),
            "daily-briefing"
        );
        assert_eq!(
            slug_of("content/2024-05-02-daily-briefing.md"),
            "daily-briefing-2024-05-02"
        );
    }

    #[test]
    fn dates_in_names_and_folders_must_be_real() {
        assert_eq!(
            date_from_name("2024-05-01"),
            NaiveDate::from_ymd_opt(2024, 5, 1)
        );
        assert_eq!(
            date_from_name("2024-05-01_x"),
            NaiveDate::from_ymd_opt(2024, 5, 1)
        );
        assert_eq!(date_from_name("2024-13-01-x"), None);
        assert_eq!(date_from_name("2024-05-011"), None);
        assert_eq!(date_from_name("vote"), None);
        let folders = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert_eq!(
            date_from_folders(&folders(&["news", "2024", "05", "01"])),
            NaiveDate::from_ymd_opt(2024, 5, 1)
        );
        assert_eq!(date_from_folders(&folders(&["2024", "02", "30"])), None);
        assert_eq!(date_from_folders(&folders(&["2024", "5", "1"])), None);
        assert_eq!(date_from_folders(&folders(&["05", "01"])), None);
    }

    #[test]
    fn title_falls_back_to_the_file_name() {
        assert_eq!(title_from_stem("2024-05-01-budget_vote"), "budget vote");
        let site = tempfile::tempdir().unwrap();
        put(
            site.path(),
            "content/photo-essay.md",
            "![only a picture](a.jpg)\n",
        );
        let (corpus, diagnostics) = load(site.path(), &config(), false);
        assert!(errors(&diagnostics).is_empty(), "{diagnostics:#?}");
        assert_eq!(corpus.articles[0].title, "photo essay");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn load_never_panics_on_any_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
            text in "(---\n)?[a-z]{1,6}: [\\PC]{0,20}\n(---\n)?\\PC{0,80}",
        ) {
            let site = tempfile::tempdir().unwrap();
            put(site.path(), "content/2024-01-01-raw.txt", &bytes);
            put(site.path(), "content/2024-01-01-raw.md", &bytes);
            put(site.path(), "content/text.txt", &text);
            put(site.path(), "content/text.md", &text);
            let (corpus, diagnostics) = load(site.path(), &config(), true);
            prop_assert!(corpus.articles.len() + diagnostics.iter().filter(|d| d.is_error()).count() >= 4);
        }
    }
}
