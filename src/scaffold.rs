//! `digest init` and `digest new`: the files a user starts from.
//!
//! Not a pipeline stage: these commands write a new site (a `site.toml`,
//! sample articles, an empty `static/` and the default theme to edit) or a
//! new dated article, which the pipeline then reads like any other input.
//! Files are created with `File::create_new`, so nothing a user already has
//! is ever overwritten, even if it appears between our check and our write.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::config::{Config, CONFIG_FILE};
use crate::content::CONTENT_DIR;
use crate::error::{Diagnostic, Error};
use crate::output::STATIC_DIR;
use crate::render::theme::{DEFAULT_TEMPLATES, TEMPLATES_DIR};

/// The `site.toml` a new site starts with: the required keys, and the
/// optional ones commented out with their defaults so they are easy to find.
const SITE_TOML: &str = r#"# Settings of this digest site. Only `title` and `base_url` are required;
# every other key is shown commented out with its default value. The full
# reference is in the README of `digest`.

title = "My digest"
description = "The news I follow, grouped by topic and day."

# The address the site will be published at. A sub-path works too, e.g.
# "https://example.org/news/"; `digest build --base-url URL` overrides it.
base_url = "https://example.org/"

# language = "en"
# Days are cut at midnight in this time zone, and dates written without an
# offset are read in it. Use an IANA name such as "Europe/Paris".
timezone = "UTC"
# output_dir = "public"
# paginate = 20
# front_page_days = 3
# feed_limit = 50
# default_topic = "General"
# summary_length = 280
# words_per_minute = 230
# author = "Your name"

# Lines to drop from raw `.txt` articles, as case-insensitive regular
# expressions, on top of the built-in ones (`Also read | …`, `Read more`, …).
boilerplate = ['^with inputs from agencies$']

# [related]
# count = 5
# min_score = 0.12
# half_life_days = 14.0
"#;

/// The sample articles of a new site: path under `content/`, and text. One
/// of each kind a user meets: Markdown with every common front-matter field,
/// Markdown with none of the optional ones, a follow-up story, and raw text
/// pasted from a news site (dated by its file name).
const SAMPLE_ARTICLES: &[(&str, &str)] = &[
    (
        "2025-01-13-riverton-council-approves-bridge.md",
        r#"---
title: Riverton council approves new footbridge over the Ash
date: 2025-01-13T18:30:00+00:00
topics: [Local, Transport]
source: Riverton Gazette
source_url: https://gazette.example/riverton-footbridge
author: Jo Marsh
summary: >-
  The town council voted to build a footbridge linking the station to the
  market square, to open in 2026.
---

Riverton town council voted on Monday to build a footbridge over the river
Ash between the railway station and the market square, ending years of
debate over how to make the crossing safer for people on foot.

The bridge will cost 2.4 million pounds, most of it from a regional
transport grant. Work is due to begin in the autumn, and the bridge should
open in the summer of 2026.

Councillors voted by eleven to three in favour. Those against said the
money would be better spent on the town's roads.

The plan includes:

- a crossing wide enough for bicycles and wheelchairs;
- lighting along the river path;
- a new entrance to the station from the east side.

More details are on the council's [planning page](https://council.example/ash-bridge).
"#,
    ),
    (
        "2025-01-20-riverton-bridge-design-chosen.md",
        r#"---
title: Design chosen for Riverton's footbridge over the Ash
date: 2025-01-20T12:00:00+00:00
topics: [Local, Transport]
source: Riverton Gazette
---

Riverton town council has chosen the design of the footbridge it agreed
last week to build over the river Ash between the station and the market
square: a single steel arch with a timber deck.

The design, by a firm of engineers from the county town, was picked from
three shortlisted entries after residents voted on them at the library.
It won nearly half of the 1,900 votes cast.

The council said the arch would need no supports in the river, which
matters because the Ash floods most winters. Work is still due to begin
in the autumn, and the bridge should open in the summer of 2026.
"#,
    ),
    (
        "2025-01-16-library-longer-opening-hours.md",
        r#"---
title: Library to open on Sundays from February
date: 2025-01-16T09:00:00+00:00
---

Riverton's public library will open on Sunday afternoons from February,
after a trial last year drew more visitors than any other day of the week.

The library will open from noon to five o'clock, staffed by its own team
and by volunteers from the Friends of Riverton Library. Children's reading
sessions will move from Saturday to Sunday.

This article has no `topics`: `digest` gives it one automatically, or the
`default_topic` from `site.toml`.
"#,
    ),
    (
        "2025-01-17-ferry-suspended-storm.txt",
        "Ferry service to Holm Island suspended as storm reaches the coast\n\
Ferries between Riverton harbour and Holm Island were cancelled on Friday as a storm brought winds of up to 110 kilometres an hour to the coast.\n\
The ferry company said no sailings would run until Saturday afternoon at the earliest, and that tickets would be refunded or moved to another day.\n\
Also read | Riverton council approves new footbridge over the Ash\n\
Islanders were advised to stock up on essentials. The island's shop said it had enough bread and milk for two days.\n\
Coastguards asked people to stay away from the harbour wall while the storm lasts.\n\
With inputs from agencies\n",
    ),
];

/// What `digest init` created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitReport {
    /// The site's folder.
    pub root: PathBuf,
    /// Every file written, relative to `root`, in the order written.
    pub files: Vec<PathBuf>,
}

/// A new site's `.gitignore`: the built site, the build's staging folder, the
/// previous output it keeps to write over next time, and the build stamp are
/// made by `digest build`, not written by hand.
const GITIGNORE: &str = ".gitignore";
const GITIGNORE_TEXT: &str = "# Made by `digest build`; not sources.\n/public/\n/.public.staging/\n/.public.old/\n/.digest-cache/\n";

/// Creates a new site in `dir`: `site.toml`, sample articles in `content/`,
/// an empty `static/`, the default templates in `templates/` and a
/// `.gitignore` for the build's output (unless one is there already).
///
/// `dir` is created when missing. Entries whose names start with a dot
/// (such as `.git`) are allowed, so `git init` can come first.
///
/// Errs when `dir` is a file or holds anything else, without writing, or
/// when a file cannot be written.
pub fn init(dir: &Path) -> Result<InitReport, Error> {
    check_empty(dir)?;
    std::fs::create_dir_all(dir).map_err(|err| Error::io(dir, err))?;

    let mut files = Vec::new();
    write_new(dir, Path::new(CONFIG_FILE), SITE_TOML, &mut files)?;
    for (name, text) in SAMPLE_ARTICLES {
        write_new(dir, &Path::new(CONTENT_DIR).join(name), text, &mut files)?;
    }
    let static_dir = dir.join(STATIC_DIR);
    std::fs::create_dir_all(&static_dir).map_err(|err| Error::io(&static_dir, err))?;
    for (name, text) in DEFAULT_TEMPLATES {
        write_new(dir, &Path::new(TEMPLATES_DIR).join(name), text, &mut files)?;
    }
    // Hidden entries are allowed (`git init` may come first), so a
    // `.gitignore` the user already has is kept as it is.
    if !dir.join(GITIGNORE).exists() {
        write_new(dir, Path::new(GITIGNORE), GITIGNORE_TEXT, &mut files)?;
    }
    Ok(InitReport {
        root: dir.to_path_buf(),
        files,
    })
}

/// Writes a new Markdown article titled `title` into `root/content/`, named
/// `YYYY-MM-DD-<slug>.md` and dated `now` in the site's time zone, and
/// returns its path.
///
/// Errs when the site's `site.toml` is missing or invalid, when the title has
/// no letter or digit, or when the file already exists (it is never
/// overwritten).
pub fn new_article(
    root: &Path,
    title: &str,
    topics: &[String],
    now: DateTime<Utc>,
) -> Result<PathBuf, Error> {
    let config = Config::load(root)?;
    let title = title.trim();
    let slug = file_slug(title);
    if slug.is_empty() {
        return Err(Error::Input(vec![Diagnostic::error(
            CONTENT_DIR,
            format!("the title `{title}` has no letter or digit to name the file after: give a title such as `Council approves budget`"),
        )]));
    }
    let local = now.with_timezone(&config.timezone).fixed_offset();
    let relative = Path::new(CONTENT_DIR).join(format!("{}-{slug}.md", local.format("%Y-%m-%d")));
    let path = root.join(&relative);
    if path.exists() {
        return Err(already_exists(&relative));
    }
    let topics: Vec<&str> = topics
        .iter()
        .map(|topic| topic.trim())
        .filter(|topic| !topic.is_empty())
        .collect();
    let text = format!(
        "---\ntitle: {}\ndate: {}\ntopics: {}\ndraft: false\n---\n\n\
         Write the article here, in Markdown. Paragraphs are separated by a\n\
         blank line. Add `source`, `source_url`, `author` or `summary` to the\n\
         front matter above when you have them.\n",
        yaml_string(title),
        local.format("%Y-%m-%dT%H:%M:%S%:z"),
        yaml_list(&topics),
    );
    let mut written = Vec::new();
    write_new(root, &relative, &text, &mut written)?;
    Ok(path)
}

/// Errs unless `dir` is missing or an empty folder (hidden entries allowed).
fn check_empty(dir: &Path) -> Result<(), Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(_) if dir.is_file() => {
            return Err(Error::Input(vec![Diagnostic::error(
                dir,
                "this is a file, not a folder: give `digest init` the name of a new folder, e.g. `digest init my-digest`",
            )]))
        }
        Err(err) => return Err(Error::io(dir, err)),
    };
    let mut visible: Vec<String> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| Error::io(dir, err))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') {
            visible.push(name);
        }
    }
    if visible.is_empty() {
        return Ok(());
    }
    // Sorted so the message is the same on every file system.
    visible.sort();
    let shown: Vec<String> = visible.iter().take(3).map(|n| format!("`{n}`")).collect();
    let more = if visible.len() > 3 { ", …" } else { "" };
    Err(Error::Input(vec![Diagnostic::error(
        dir,
        format!(
            "the folder is not empty (it holds {}{more}): run `digest init` with a new or empty folder, e.g. `digest init my-digest`",
            shown.join(", ")
        ),
    )]))
}

/// Creates `root/relative` (and its parent folders) holding `text`, and
/// records `relative` in `written`. Errs if the file already exists.
fn write_new(
    root: &Path,
    relative: &Path,
    text: &str,
    written: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|err| Error::io(parent, err))?;
    }
    // `create_new` fails if the file exists, so a file that appeared since
    // our checks is still never overwritten.
    let mut file = match std::fs::File::create_new(&path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(already_exists(relative))
        }
        Err(err) => return Err(Error::io(&path, err)),
    };
    file.write_all(text.as_bytes())
        .map_err(|err| Error::io(&path, err))?;
    written.push(relative.to_path_buf());
    Ok(())
}

fn already_exists(relative: &Path) -> Error {
    Error::Input(vec![Diagnostic::error(
        relative,
        "the file already exists and was left as it was: edit it, or choose another title",
    )])
}

/// The file-name part of a title: its slug, cut at a word boundary so file
/// names stay short.
fn file_slug(title: &str) -> String {
    const MAX_LEN: usize = 60;
    let slug = slug::slugify(title);
    if slug.len() <= MAX_LEN {
        return slug;
    }
    // A slug is ASCII, so byte indexes are character boundaries.
    let cut = slug[..MAX_LEN].rfind('-').unwrap_or(MAX_LEN);
    slug[..cut].to_string()
}

/// `text` as a YAML scalar. A JSON string is a valid YAML double-quoted
/// scalar, and serde_json escapes quotes, backslashes and control
/// characters, so any title survives the round trip.
fn yaml_string(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

/// `items` as a YAML flow sequence, e.g. `["Economy", "Labour"]`.
fn yaml_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| yaml_string(item)).collect();
    format!("[{}]", quoted.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn write_config(root: &Path, extra: &str) {
        std::fs::create_dir_all(root).unwrap();
        let text = format!("title = \"T\"\nbase_url = \"https://example.org/\"\n{extra}");
        let mut file = std::fs::File::create(root.join(CONFIG_FILE)).unwrap();
        file.write_all(text.as_bytes()).unwrap();
    }

    fn late_evening_utc() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 30, 23, 15, 0).unwrap()
    }

    #[test]
    fn init_writes_config_samples_static_and_templates() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        let report = init(&root).unwrap();
        assert!(root.join("site.toml").is_file());
        assert!(root.join("static").is_dir());
        let n_articles = report
            .files
            .iter()
            .filter(|p| p.starts_with(CONTENT_DIR))
            .count();
        assert_eq!(n_articles, SAMPLE_ARTICLES.len());
        assert!(report
            .files
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "txt")));
        for (name, text) in DEFAULT_TEMPLATES {
            let written = std::fs::read_to_string(root.join(TEMPLATES_DIR).join(name)).unwrap();
            assert_eq!(&written, text, "template {name}");
        }
    }

    #[test]
    fn init_site_toml_is_valid() {
        let config = Config::parse(SITE_TOML).unwrap();
        assert_eq!(config.title, "My digest");
        assert_eq!(
            config.boilerplate.len(),
            crate::config::DEFAULT_BOILERPLATE.len() + 1
        );
    }

    #[test]
    fn init_site_builds_at_once_without_warnings() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        init(&root).unwrap();
        let options = crate::BuildOptions {
            root: root.clone(),
            ..crate::BuildOptions::default()
        };
        let report = crate::build(&options).unwrap();
        assert_eq!(report.n_articles, SAMPLE_ARTICLES.len());
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
        assert!(root.join("public/index.html").is_file());
    }

    #[test]
    fn init_raw_sample_gets_its_headline_and_loses_its_boilerplate() {
        let tmp = tempfile::tempdir().unwrap();
        init(tmp.path()).unwrap();
        let options = crate::BuildOptions {
            root: tmp.path().to_path_buf(),
            ..crate::BuildOptions::default()
        };
        let generated = crate::generate(&options).unwrap();
        let raw: Vec<_> = generated
            .corpus
            .articles
            .iter()
            .filter(|a| a.format == crate::content::Format::Text)
            .collect();
        assert_eq!(raw.len(), 1);
        assert_eq!(
            raw[0].title,
            "Ferry service to Holm Island suspended as storm reaches the coast"
        );
        assert_eq!(raw[0].date_source, crate::content::DateSource::FileName);
        assert!(!raw[0].text.contains("Also read"), "{}", raw[0].text);
        assert!(!raw[0].text.contains("With inputs"), "{}", raw[0].text);
    }

    #[test]
    fn init_refuses_a_non_empty_folder_and_writes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let mut file = std::fs::File::create(tmp.path().join("notes.txt")).unwrap();
        file.write_all(b"keep me").unwrap();
        let err = init(tmp.path()).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("not empty"), "{message}");
        assert!(message.contains("`notes.txt`"), "{message}");
        assert!(!tmp.path().join("site.toml").exists());
    }

    #[test]
    fn init_accepts_a_folder_with_only_hidden_entries() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join(".git")).unwrap();
        init(tmp.path()).unwrap();
        assert!(tmp.path().join("site.toml").is_file());
    }

    #[test]
    fn init_ignores_the_built_site_and_stamp_but_keeps_an_existing_gitignore() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        init(&root).unwrap();
        let ignore = std::fs::read_to_string(root.join(".gitignore")).unwrap();
        let lines: Vec<&str> = ignore.lines().collect();
        assert!(lines.contains(&"/public/"), "{ignore}");
        assert!(lines.contains(&"/.digest-cache/"), "{ignore}");
        assert!(lines.contains(&"/.public.old/"), "{ignore}");
        assert!(lines.contains(&"/.public.staging/"), "{ignore}");

        let own = tmp.path().join("own");
        std::fs::create_dir(&own).unwrap();
        let mut file = std::fs::File::create(own.join(".gitignore")).unwrap();
        file.write_all(b"*.bak\n").unwrap();
        let report = init(&own).unwrap();
        assert_eq!(
            std::fs::read_to_string(own.join(".gitignore")).unwrap(),
            "*.bak\n"
        );
        assert!(!report.files.iter().any(|p| p == Path::new(".gitignore")));
    }

    #[test]
    fn init_refuses_a_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("site.toml");
        std::fs::File::create(&path).unwrap();
        let err = init(&path).unwrap_err();
        assert!(err.to_string().contains("is a file"), "{err}");
    }

    #[test]
    fn new_article_is_dated_in_the_site_time_zone() {
        let tmp = tempfile::tempdir().unwrap();
        write_config(tmp.path(), "timezone = \"Europe/Berlin\"\n");
        let path = new_article(
            tmp.path(),
            "Council approves budget",
            &["Politics".into(), " ".into(), "Local news".into()],
            late_evening_utc(),
        )
        .unwrap();
        // 23:15 UTC on June 30 is already July 1 in Berlin (UTC+2).
        assert_eq!(
            path,
            tmp.path()
                .join("content/2025-07-01-council-approves-budget.md")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("---\ntitle: \"Council approves budget\"\n"),
            "{text}"
        );
        assert!(
            text.contains("\ndate: 2025-07-01T01:15:00+02:00\n"),
            "{text}"
        );
        assert!(
            text.contains("\ntopics: [\"Politics\", \"Local news\"]\n"),
            "{text}"
        );
        assert!(text.contains("\ndraft: false\n---\n"), "{text}");
    }

    #[test]
    fn new_article_front_matter_is_valid_yaml_for_awkward_titles() {
        let tmp = tempfile::tempdir().unwrap();
        write_config(tmp.path(), "");
        let title = "Minister: \"no comment\" # on `tax` \\ plans";
        let path = new_article(tmp.path(), title, &[], late_evening_utc()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let yaml = text.split("---\n").nth(1).unwrap();
        let value: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(value["title"].as_str(), Some(title));
        assert_eq!(value["topics"].as_sequence().map(Vec::len), Some(0));
        assert_eq!(value["draft"].as_bool(), Some(false));
    }

    #[test]
    fn new_article_on_another_day_with_the_same_title_builds() {
        // A daily title ("Morning briefing") gives one file a day; the
        // loader tells their slugs apart by date, so the site still builds.
        let tmp = tempfile::tempdir().unwrap();
        write_config(tmp.path(), "");
        new_article(tmp.path(), "Morning briefing", &[], late_evening_utc()).unwrap();
        let next_day = late_evening_utc() + chrono::Duration::days(1);
        new_article(tmp.path(), "Morning briefing", &[], next_day).unwrap();
        let options = crate::BuildOptions {
            root: tmp.path().to_path_buf(),
            ..crate::BuildOptions::default()
        };
        let generated = crate::generate(&options).unwrap();
        let slugs: Vec<&str> = generated
            .corpus
            .articles
            .iter()
            .map(|a| a.slug.as_str())
            .collect();
        assert_eq!(slugs.len(), 2);
        assert_ne!(slugs[0], slugs[1]);
    }

    #[test]
    fn new_article_never_overwrites() {
        let tmp = tempfile::tempdir().unwrap();
        write_config(tmp.path(), "");
        let path = new_article(tmp.path(), "Same title", &[], late_evening_utc()).unwrap();
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(b"my edits\n").unwrap();
        let before = std::fs::read_to_string(&path).unwrap();
        let err = new_article(tmp.path(), "Same title", &[], late_evening_utc()).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    }

    #[test]
    fn new_article_needs_a_site_and_a_usable_title() {
        let tmp = tempfile::tempdir().unwrap();
        let err = new_article(tmp.path(), "Title", &[], late_evening_utc()).unwrap_err();
        assert!(err.to_string().contains("digest init"), "{err}");
        write_config(tmp.path(), "");
        let err = new_article(tmp.path(), "?!", &[], late_evening_utc()).unwrap_err();
        assert!(err.to_string().contains("no letter or digit"), "{err}");
    }

    #[test]
    fn long_titles_give_short_file_names_cut_between_words() {
        let slug = file_slug(&"word ".repeat(40));
        assert!(slug.len() <= 60);
        assert!(slug.ends_with("word"), "{slug}");
    }
}
