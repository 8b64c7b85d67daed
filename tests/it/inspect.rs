//! `digest analyse --json` and `digest explain` on the demo site: what a
//! user reads to find out why two stories are linked.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::support::{repo_root, run_digest};

/// The demo site's analysis as `digest analyse --json` prints it.
fn analysis_json() -> (String, Value) {
    let run = run_digest(&repo_root(), &["analyse", "--json"]);
    run.assert_code(0);
    let parsed = serde_json::from_str(&run.stdout).expect("analyse --json prints JSON");
    (run.stdout, parsed)
}

fn text<'v>(value: &'v Value, key: &str) -> &'v str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is a string in {value}"))
}

#[test]
fn analyse_json_describes_every_article_and_two_runs_are_identical() {
    let (first, analysis) = analysis_json();
    let (second, _) = analysis_json();
    assert_eq!(first, second, "two runs of `digest analyse --json` differ");

    let articles = analysis["articles"].as_array().expect("an articles list");
    assert!(articles.len() >= 20, "the demo site has its articles");
    let slugs: BTreeSet<&str> = articles.iter().map(|a| text(a, "slug")).collect();
    assert_eq!(slugs.len(), articles.len(), "slugs are unique");
    let threads: BTreeMap<&str, &Value> = analysis["threads"]
        .as_array()
        .expect("a threads list")
        .iter()
        .map(|t| (text(t, "id"), t))
        .collect();
    assert!(
        !threads.is_empty(),
        "the demo's developing story is a thread"
    );

    let mut with_related = 0;
    for article in articles {
        let slug = text(article, "slug");
        assert!(text(article, "source_path").starts_with("content/"));
        assert!(!text(article, "title").is_empty());
        chrono::DateTime::parse_from_rfc3339(text(article, "date"))
            .unwrap_or_else(|err| panic!("{slug}: date is RFC 3339: {err}"));
        let topics = article["topics"].as_array().expect("a topics list");
        assert!(!topics.is_empty(), "{slug} has a topic");
        for topic in topics {
            assert!(!text(topic, "name").is_empty());
            assert!(topic["automatic"].is_boolean(), "{slug}: {topic}");
        }
        let related = article["related"].as_array().expect("a related list");
        assert!(related.len() <= 5, "{slug}: at most related.count = 5");
        with_related += usize::from(!related.is_empty());
        let mut last_score = f64::INFINITY;
        for story in related {
            let other = text(story, "slug");
            assert!(slugs.contains(other) && other != slug, "{slug} → {other}");
            let score = story["score"].as_f64().expect("a score");
            assert!(score > 0.0 && score <= 1.0, "{slug} → {other}: {score}");
            assert!(score <= last_score, "{slug}: related stories best first");
            last_score = score;
            assert!(
                !story["reasons"].as_array().expect("reasons").is_empty(),
                "{slug} → {other} says why"
            );
            assert!(
                ["earlier_coverage", "follow_up"].contains(&text(story, "relation")),
                "{story}"
            );
        }
        match &article["thread"] {
            Value::Null => {}
            Value::String(id) => {
                let members = threads[id.as_str()]["articles"].as_array().unwrap();
                assert!(
                    members.iter().any(|m| m == slug),
                    "{slug} is in thread {id}"
                );
            }
            other => panic!("{slug}: thread is an id or null, not {other}"),
        }
        assert!(article["duplicate_of"].is_null() || article["duplicate_of"].is_string());
        assert!(article["duplicates"].is_array());
    }
    assert!(
        with_related * 2 > articles.len(),
        "most demo articles have related stories ({with_related} of {})",
        articles.len()
    );
}

#[test]
fn explain_gives_the_score_the_site_ranks_by() {
    let (_, analysis) = analysis_json();
    let articles = analysis["articles"].as_array().unwrap();
    let article = articles
        .iter()
        .find(|a| !a["related"].as_array().unwrap().is_empty())
        .expect("an article with related stories");
    let (slug, story) = (text(article, "slug"), &article["related"][0]);
    let run = run_digest(&repo_root(), &["explain", slug, text(story, "slug")]);
    run.assert_code(0);
    for part in ["text", "entities", "neighbourhood", "topics", "time"] {
        assert!(
            run.stdout.lines().any(|l| l.trim_start().starts_with(part)),
            "explain prints the {part} part:\n{}",
            run.stdout
        );
    }
    let total_line = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("total"))
        .expect("a total line");
    let total: f64 = total_line
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let listed = story["score"].as_f64().unwrap();
    assert!(
        (total - listed).abs() < 0.0015,
        "explain's total {total} is the listed score {listed}"
    );
    assert!(total_line.contains("(listed as related)"), "{total_line}");
    for reason in story["reasons"].as_array().unwrap() {
        assert!(run.stdout.contains(reason.as_str().unwrap()), "{reason}");
    }

    // A pair the site does not link says so.
    let unrelated = articles
        .iter()
        .map(|a| text(a, "slug"))
        .find(|other| {
            *other != slug
                && !article["related"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| text(r, "slug") == *other)
        })
        .expect("an article not related to the first");
    let run = run_digest(&repo_root(), &["explain", slug, unrelated]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("(not listed as related)"),
        "{}",
        run.stdout
    );
}

#[test]
fn explain_names_an_unknown_article_and_what_to_run() {
    let run = run_digest(
        &repo_root(),
        &["explain", "no-such-story", "valmora-port-strike-ends"],
    );
    run.assert_code(2);
    assert!(run.stderr.contains("no-such-story"), "{}", run.stderr);
    assert!(run.stderr.contains("digest analyse"), "{}", run.stderr);
}
