//! Real validators over real output: the Nu HTML checker on every page,
//! Python's feedparser on every feed, and the internal link checker, for the
//! `mixed` fixture and for the repository's own demo site, under a root
//! `base_url` and under a sub-path one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use digest_site::BuildOptions;

use crate::links::check_links;
use crate::support::{files_with_extension, mixed, repo_root, require_tool, titles, Fixture};

const ROOT_URL: &str = "https://example.org/";
const SUB_PATH_URL: &str = "https://example.org/news/";

/// A built site: where its output is, and what it was built from.
struct Built {
    /// Holds the temp folders alive.
    _site: Fixture,
    name: String,
    out: PathBuf,
    generated: digest_site::Generated,
    base_url: String,
}

/// Builds the `mixed` fixture for `base_url` into its `public/`.
fn build_mixed(base_url: &str) -> Built {
    let site = mixed();
    let options = BuildOptions {
        base_url: Some(base_url.to_string()),
        ..site.options()
    };
    build(site, options, "mixed", base_url)
}

/// Builds the repository's demo site (its root) for `base_url` into a temp
/// folder, leaving the repository untouched.
fn build_demo(base_url: &str) -> Built {
    let scratch = Fixture::empty();
    let options = BuildOptions {
        root: repo_root(),
        output_dir: Some(scratch.path("public")),
        base_url: Some(base_url.to_string()),
        ..BuildOptions::default()
    };
    build(scratch, options, "demo", base_url)
}

fn build(site: Fixture, options: BuildOptions, name: &str, base_url: &str) -> Built {
    let report = digest_site::build(&options)
        .unwrap_or_else(|err| panic!("the {name} site does not build for {base_url}:\n{err}"));
    let out = report
        .output_dir
        .expect("a build reports its output folder");
    let generated = digest_site::generate(&options)
        .unwrap_or_else(|err| panic!("the {name} site does not generate:\n{err}"));
    Built {
        _site: site,
        name: format!("{name} ({base_url})"),
        out,
        generated,
        base_url: base_url.to_string(),
    }
}

#[test]
fn every_html_page_passes_the_nu_html_checker() {
    let Some(jar) = require_tool("DIGEST_VNU_JAR") else {
        return;
    };
    let sites = [
        build_mixed(ROOT_URL),
        build_mixed(SUB_PATH_URL),
        build_demo(ROOT_URL),
    ];
    let mut n_pages = 0;
    for site in &sites {
        let pages = files_with_extension(&site.out, "html");
        assert!(
            pages.len() > 20,
            "{}: only {} pages",
            site.name,
            pages.len()
        );
        n_pages += pages.len();
    }
    let dirs: Vec<(String, PathBuf)> = sites
        .iter()
        .map(|s| (s.name.clone(), s.out.clone()))
        .collect();
    let (problems, success) = nu_check(&jar, &dirs);
    assert!(
        problems.is_empty() && success,
        "the Nu HTML checker found {} problem(s) in {n_pages} pages:\n{}",
        problems.len(),
        problems.join("\n")
    );
    eprintln!("the Nu HTML checker passed {n_pages} pages");
}

/// Runs the Nu HTML checker once over every folder (one JVM start for
/// every page: starting Java is most of the cost). Returns each problem as
/// `[site] file:line: type: message` and whether the checker exited 0.
fn nu_check(jar: &Path, dirs: &[(String, PathBuf)]) -> (Vec<String>, bool) {
    let output = Command::new("java")
        .arg("-jar")
        .arg(jar)
        // CSS too: the theme's stylesheet is output like any page.
        .args([
            "--errors-only",
            "--format",
            "json",
            "--skip-non-html",
            "--also-check-css",
        ])
        .args(dirs.iter().map(|(_, dir)| dir))
        .output()
        .expect("run java (install a JRE, or run scripts/test)");
    let report: serde_json::Value = serde_json::from_slice(&output.stderr).unwrap_or_else(|e| {
        panic!(
            "the Nu checker's output is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let messages = report["messages"].as_array().cloned().unwrap_or_default();
    let mut problems = Vec::new();
    for message in &messages {
        let kind = message["type"].as_str().unwrap_or("");
        if kind == "info" {
            continue;
        }
        let mut file = message["url"].as_str().unwrap_or("").to_string();
        for (name, dir) in dirs {
            let prefix = format!("file:{}/", dir.display());
            if let Some(rest) = file.strip_prefix(&prefix) {
                file = format!("[{name}] {rest}");
            }
        }
        problems.push(format!(
            "{file}:{}: {kind}: {}\n    {}",
            message["lastLine"],
            message["message"].as_str().unwrap_or(""),
            message["extract"].as_str().unwrap_or("").replace('\n', " ")
        ));
    }
    (problems, output.status.success())
}

#[test]
fn the_nu_checker_run_catches_an_invalid_page() {
    // Proves the check above can fail: a page with an error in a nested
    // folder is found and reported with its path.
    let Some(jar) = require_tool("DIGEST_VNU_JAR") else {
        return;
    };
    let scratch = Fixture::empty();
    scratch.write(
        "out/deep/page/index.html",
        "<!doctype html><html lang=\"en\"><head><title>x</title></head><body><p>a<div></p></body></html>",
    );
    scratch.write("out/style.css", "p { colr: red; }\n");
    scratch.write("out/feed.xml", "<not-html>");
    let (problems, success) = nu_check(&jar, &[("scratch".into(), scratch.path("out"))]);
    assert!(!success);
    let found = |prefix: &str| problems.iter().any(|p| p.starts_with(prefix));
    assert!(found("[scratch] deep/page/index.html:"), "{problems:#?}");
    assert!(found("[scratch] style.css:"), "{problems:#?}");
    assert!(
        !problems.iter().any(|p| p.contains("feed.xml")),
        "{problems:#?}"
    );
}

/// What `tests/tools/feedcheck.py` says of one feed.
#[derive(Debug, serde::Deserialize)]
struct Feed {
    path: String,
    bozo: bool,
    bozo_exception: Option<String>,
    version: Option<String>,
    title: Option<String>,
    n_entries: usize,
    entries: Vec<Entry>,
}

#[derive(Debug, serde::Deserialize)]
struct Entry {
    title: Option<String>,
    link: Option<String>,
    id: Option<String>,
    updated: Option<String>,
    has_content: bool,
}

fn parse_feeds(python: &Path, files: &[PathBuf]) -> Vec<Feed> {
    let script = repo_root().join("tests/tools/feedcheck.py");
    let output = Command::new(python)
        .arg(&script)
        .args(files)
        .output()
        .expect("run the feed check");
    assert!(
        output.status.success(),
        "feedcheck.py failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    #[derive(serde::Deserialize)]
    struct Report {
        feeds: Vec<Feed>,
    }
    let report: Report = serde_json::from_slice(&output.stdout).expect("feedcheck.py prints JSON");
    report.feeds
}

fn feeds_of(out: &Path) -> Vec<PathBuf> {
    files_with_extension(out, "xml")
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "feed.xml"))
        .map(|p| out.join(p))
        .collect()
}

#[test]
fn every_feed_parses_with_feedparser() {
    let Some(python) = require_tool("DIGEST_PYTHON") else {
        return;
    };
    for site in [
        build_mixed(ROOT_URL),
        build_mixed(SUB_PATH_URL),
        build_demo(ROOT_URL),
    ] {
        let files = feeds_of(&site.out);
        let digest = &site.generated.digest;
        let limit = site.generated.config.feed_limit;
        assert_eq!(
            files.len(),
            1 + digest.topics.len(),
            "{}: one site feed and one per topic",
            site.name
        );
        let titles: BTreeSet<&str> = titles(&site.generated).into_iter().collect();
        for feed in parse_feeds(&python, &files) {
            let relative = feed.path.replace(&format!("{}/", site.out.display()), "");
            let here = format!("{}: {relative}", site.name);
            assert!(
                !feed.bozo,
                "{here}: feedparser flags the feed: {:?}",
                feed.bozo_exception
            );
            assert_eq!(feed.version.as_deref(), Some("atom10"), "{here}");
            assert!(
                feed.title.as_deref().is_some_and(|t| !t.is_empty()),
                "{here}: no title"
            );
            let expected = if relative == "feed.xml" {
                digest.listed.len().min(limit)
            } else {
                let slug = relative
                    .trim_start_matches("topics/")
                    .trim_end_matches("/feed.xml");
                let topic = digest
                    .topics
                    .iter()
                    .find(|t| t.slug == slug)
                    .unwrap_or_else(|| panic!("{here}: no topic `{slug}`"));
                topic.article_indices.len().min(limit)
            };
            assert_eq!(feed.n_entries, expected, "{here}: entries");
            let mut ids = BTreeSet::new();
            for entry in &feed.entries {
                let title = entry.title.as_deref().unwrap_or("");
                assert!(
                    titles.contains(title),
                    "{here}: entry title {title:?} is no article's"
                );
                let link = entry.link.as_deref().unwrap_or("");
                assert!(
                    link.starts_with(&site.base_url) && link.contains("/articles/"),
                    "{here}: entry link {link:?} is not an article URL under {}",
                    site.base_url
                );
                let page = site
                    .out
                    .join(&link[site.base_url.len()..])
                    .join("index.html");
                assert!(page.is_file(), "{here}: {link} has no page");
                assert!(entry.updated.is_some(), "{here}: {link} has no date");
                assert!(entry.has_content, "{here}: {link} has no content");
                let id = entry.id.clone().unwrap_or_default();
                assert!(
                    !id.is_empty() && ids.insert(id.clone()),
                    "{here}: id {id:?} missing or repeated"
                );
            }
        }
    }
}

#[test]
fn the_feed_check_flags_a_broken_feed() {
    // Proves the feed check can fail: feedparser sets `bozo` on XML that is
    // not well-formed, and the script reports it.
    let Some(python) = require_tool("DIGEST_PYTHON") else {
        return;
    };
    let scratch = Fixture::empty();
    scratch.write(
        "feed.xml",
        "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>x & y</title><entry><title>a</entry></feed>",
    );
    let feeds = parse_feeds(&python, &[scratch.path("feed.xml")]);
    assert_eq!(feeds.len(), 1);
    assert!(feeds[0].bozo, "{feeds:?}");
}

fn assert_links_ok(site: &Built) {
    let report = check_links(&site.out, &site.base_url);
    assert!(
        report.n_internal > 100,
        "{}: only {} internal links checked",
        site.name,
        report.n_internal
    );
    assert!(
        report.broken.is_empty(),
        "{}: {} broken link(s) of {}:\n{}",
        site.name,
        report.broken.len(),
        report.n_internal,
        report.broken.join("\n")
    );
}

#[test]
fn no_broken_internal_link_under_a_root_base_url() {
    assert_links_ok(&build_mixed(ROOT_URL));
}

#[test]
fn no_broken_internal_link_under_a_sub_path_base_url() {
    let site = build_mixed(SUB_PATH_URL);
    assert_links_ok(&site);
    // Not one root-relative link may miss the sub-path.
    let index = std::fs::read_to_string(site.out.join("index.html")).expect("index.html");
    assert!(
        index.contains("/news/"),
        "the front page has no /news/ link"
    );
}

#[test]
fn the_demo_site_has_no_broken_internal_link() {
    assert_links_ok(&build_demo(ROOT_URL));
    assert_links_ok(&build_demo(SUB_PATH_URL));
}

#[test]
fn the_demo_site_meets_the_issue_minimums() {
    let demo = build_demo(ROOT_URL);
    let corpus = &demo.generated.corpus;
    let digest = &demo.generated.digest;
    assert!(
        corpus.articles.len() >= 15,
        "{} articles",
        corpus.articles.len()
    );
    assert!(digest.topics.len() >= 4, "{} topics", digest.topics.len());
    assert!(digest.days.len() >= 6, "{} days", digest.days.len());
    let first = digest.days.last().map(|d| d.date);
    let last = digest.days.first().map(|d| d.date);
    if let (Some(first), Some(last)) = (first, last) {
        assert!(
            (last - first).num_days() >= 14,
            "the days span less than 3 weeks"
        );
    }
    let raw_untagged = corpus
        .articles
        .iter()
        .filter(|a| a.format == digest_site::content::Format::Text)
        .filter(|a| {
            let source =
                std::fs::read_to_string(repo_root().join(&a.source_path)).unwrap_or_default();
            !source.starts_with("---") && source.to_lowercase().contains("also read")
        })
        .count();
    assert!(
        raw_untagged >= 3,
        "{raw_untagged} raw .txt articles with boilerplate and no metadata"
    );
    assert!(
        crate::support::files_containing(&demo.out, "also read").is_empty(),
        "boilerplate reached the demo output"
    );
}
