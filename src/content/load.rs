//! Walks `content/` and parses every article file into the [`Corpus`].
//!
//! The walk is sequential and sorted by file name; parsing runs in parallel
//! (rayon) because it is most of the work on a large archive; everything
//! order-dependent (slug collisions, the final sort) runs after, in walk
//! order, so the result never depends on thread timing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use rayon::prelude::*;
use walkdir::WalkDir;

use super::front_matter::{self, FrontMatter};
use super::{markdown, text, Article, Corpus, DateSource, Format, CONTENT_DIR};
use crate::config::Config;
use crate::error::Diagnostic;

/// A slug made from a title or file name is cut at a word boundary to at
/// most this many characters.
const SLUG_MAX_CHARS: usize = 60;

/// Loads every article under `root/content`.
///
/// Keeps going past a bad file: returns the articles that loaded and every
/// diagnostic (errors and warnings, sorted by file and line). Drafts are
/// left out unless `include_drafts`. Paths in diagnostics are relative to
/// `root`, with `/` separators.
pub fn load(root: &Path, config: &Config, include_drafts: bool) -> (Corpus, Vec<Diagnostic>) {
    let (files, mut diagnostics) = find_files(root);
    let results: Vec<(Option<Article>, Vec<Diagnostic>)> = files
        .par_iter()
        .map(|file| load_file(file, config, include_drafts))
        .collect();

    let mut articles = Vec::with_capacity(results.len());
    // Slug owners in walk order: the first file keeps a slug, later ones
    // are errors that name it.
    let mut owners: BTreeMap<String, PathBuf> = BTreeMap::new();
    for (article, file_diagnostics) in results {
        diagnostics.extend(file_diagnostics);
        let Some(article) = article else { continue };
        if let Some(owner) = owners.get(&article.slug) {
            diagnostics.push(Diagnostic::error(
                article.source_path.clone(),
                format!(
                    "slug `{}` is already used by `{}`: give one of them another `slug:` in its front matter, or rename the file",
                    article.slug,
                    owner.display()
                ),
            ));
            continue;
        }
        owners.insert(article.slug.clone(), article.source_path.clone());
        articles.push(article);
    }
    articles.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.slug.cmp(&b.slug)));
    diagnostics.sort();
    (Corpus { articles }, diagnostics)
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

/// Lists the article files under `root/content`, sorted by name; hidden and
/// `_`-prefixed files and folders are skipped, files of other kinds
/// (images next to articles) ignored.
fn find_files(root: &Path) -> (Vec<SourceFile>, Vec<Diagnostic>) {
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
        .sort_by_file_name()
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
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let extension = path
            .extension()
            .map(|ext| ext.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let format = match extension.as_str() {
            "md" | "markdown" => Format::Markdown,
            "txt" => Format::Text,
            _ => continue,
        };
        let folders = path
            .parent()
            .and_then(|parent| parent.strip_prefix(&content).ok())
            .map(|parent| {
                parent
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        files.push(SourceFile {
            display: relative_display(root, path),
            path: path.to_path_buf(),
            folders,
            stem: path
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default(),
            format,
        });
    }
    (files, diagnostics)
}

fn is_skipped(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.') || name.starts_with('_')
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

/// Reads and parses one file. Returns no article when the file has an error
/// or is a draft left out.
fn load_file(
    file: &SourceFile,
    config: &Config,
    include_drafts: bool,
) -> (Option<Article>, Vec<Diagnostic>) {
    let bytes = match std::fs::read(&file.path) {
        Ok(bytes) => bytes,
        Err(err) => {
            return (
                None,
                vec![Diagnostic::error(
                    file.display.clone(),
                    format!("cannot read the file ({err}): check its permissions"),
                )],
            )
        }
    };
    let modified = std::fs::metadata(&file.path)
        .and_then(|meta| meta.modified())
        .ok()
        .map(DateTime::<Utc>::from);
    parse_file(file, &bytes, modified, config, include_drafts)
}

/// Parses the bytes of one file; `modified` is its modification time, the
/// date of last resort.
fn parse_file(
    file: &SourceFile,
    bytes: &[u8],
    modified: Option<DateTime<Utc>>,
    config: &Config,
    include_drafts: bool,
) -> (Option<Article>, Vec<Diagnostic>) {
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

    let given_title = front.title.as_deref();
    let (inferred_title, body_html, plain, first_paragraph) = match file.format {
        Format::Text => {
            let doc = text::parse(split.body, &config.boilerplate, given_title);
            let first = doc.paragraphs.first().cloned().unwrap_or_default();
            (doc.title.clone(), doc.html(), doc.text(), first)
        }
        Format::Markdown => {
            let doc = markdown::render(split.body, &config.boilerplate, given_title);
            (doc.title, doc.html, doc.text, doc.first_paragraph)
        }
    };
    if body_html.trim().is_empty() {
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
                    let time = modified.unwrap_or_default();
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

    let slug = front
        .slug
        .clone()
        .or_else(|| slug_from_stem(&file.stem))
        .or_else(|| non_empty(cut_slug(&slug::slugify(&title))))
        .or_else(|| non_empty(cut_slug(&slug::slugify(&file.stem))))
        .unwrap_or_else(|| "article".into());

    let summary = match front.summary {
        Some(summary) => summary,
        None => text::truncate_words(&first_paragraph, config.summary_length),
    };
    let word_count = text::word_count(&plain);
    let words_per_minute = config.words_per_minute.max(1);
    let reading_minutes = word_count.div_ceil(words_per_minute).max(1);

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
        extra: front.extra,
        body_html,
        text: plain,
        word_count,
        reading_minutes,
        format: file.format,
    };
    (Some(article), diagnostics)
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
