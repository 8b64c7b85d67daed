//! `digest build` (and `init`, `new`, `check`) end to end over fixture
//! sites: which pages exist, drafts, boilerplate, inferred titles, dates,
//! the summary line, exit codes, determinism and untouched files.

use std::path::{Path, PathBuf};

use digest_site::content::DateSource;
use digest_site::{BuildOptions, Generated, Severity};

use crate::support::{
    files_containing, files_with_extension, mixed, mtimes, titles, tree, tree_difference, Fixture,
    MIXED_UNDATED,
};

/// The slug of the article loaded from `source` (relative to the site).
fn slug_of(generated: &Generated, source: &str) -> String {
    article_of(generated, source).slug.clone()
}

fn article_of<'a>(generated: &'a Generated, source: &str) -> &'a digest_site::content::Article {
    generated
        .corpus
        .articles
        .iter()
        .find(|a| a.source_path == Path::new(source))
        .unwrap_or_else(|| {
            let loaded: Vec<_> = generated
                .corpus
                .articles
                .iter()
                .map(|a| a.source_path.display().to_string())
                .collect();
            panic!("`{source}` was not loaded; loaded: {loaded:?}")
        })
}

fn assert_files_exist(out: &Path, files: &[String]) {
    let missing: Vec<&String> = files.iter().filter(|f| !out.join(f).is_file()).collect();
    assert!(
        missing.is_empty(),
        "missing output files: {missing:#?}\nthe output has: {:#?}",
        crate::support::tree_paths(out)
    );
}

/// A title inferred from raw text is a whole-word start of its first
/// paragraph, short enough for a headline, and not text run together.
pub fn assert_sensible_title(title: &str, source_text: &str) {
    let first_paragraph = source_text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    assert!(!title.trim().is_empty(), "empty title");
    assert!(!title.contains('\n'), "title spans lines: {title:?}");
    assert!(
        title.chars().count() <= 150,
        "title too long ({} characters): {title:?}",
        title.chars().count()
    );
    assert!(
        !title.to_lowercase().contains("also read"),
        "boilerplate in title: {title:?}"
    );
    assert!(
        !title.trim_end_matches('.').contains(". "),
        "the title runs over a sentence end: {title:?}"
    );
    let first_100: String = source_text.chars().take(100).collect();
    assert_ne!(title, first_100, "the title is the first 100 characters");
    let clean = |word: &str| {
        word.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    let title_words: Vec<String> = title
        .trim_end_matches(['…', '.'])
        .split_whitespace()
        .map(clean)
        .filter(|w| !w.is_empty())
        .collect();
    let source_words: Vec<String> = first_paragraph
        .split_whitespace()
        .map(clean)
        .filter(|w| !w.is_empty())
        .collect();
    assert!(
        title_words.len() >= 3,
        "title has fewer than three words: {title:?}"
    );
    assert!(
        source_words.starts_with(&title_words),
        "the title is not whole words from the start of the first paragraph\n title: {title:?}\n text:  {first_paragraph:?}"
    );
}

#[test]
fn mixed_site_has_every_page_of_the_url_table() {
    let site = mixed();
    site.build_ok();
    let out = site.public();
    let generated = site.generate();
    let wind = slug_of(&generated, "content/2024-03-06-wind-farm-approved.txt");
    let river = slug_of(&generated, "content/2024-03-05-river-levels-rise.txt");
    let ferry = slug_of(&generated, MIXED_UNDATED);

    let mut expected: Vec<String> = [
        "index.html",
        "articles/port-workers-strike/index.html",
        "articles/port-strike-talks/index.html",
        "articles/council-budget-vote/index.html",
        "articles/late-night-vote/index.html",
        "articles/seals-counted/index.html",
        "articles/port-strike-ends/index.html",
        "articles/bridge-repairs/index.html",
        "topics/index.html",
        "topics/economy/index.html",
        "topics/economy/page/2/index.html",
        "topics/transport/index.html",
        "topics/transport/page/2/index.html",
        "topics/environment/index.html",
        "topics/politics/index.html",
        "topics/economy/feed.xml",
        "topics/transport/feed.xml",
        "topics/environment/feed.xml",
        "topics/politics/feed.xml",
        "days/2024-03-04/index.html",
        "days/2024-03-05/index.html",
        "days/2024-03-06/index.html",
        "days/2024-03-07/index.html",
        "days/2024-03-11/index.html",
        "days/2024-03-12/index.html",
        "days/2024-03-18/index.html",
        "days/2024-03-20/index.html",
        "days/2024-03-26/index.html",
        "days/2024-04-02/index.html",
        "weeks/2024-W10/index.html",
        "weeks/2024-W11/index.html",
        "weeks/2024-W12/index.html",
        "weeks/2024-W13/index.html",
        "weeks/2024-W14/index.html",
        "archive/index.html",
        "archive/2024/03/index.html",
        "archive/2024/04/index.html",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "search-index.json",
        "files/port-rota.txt",
    ]
    .map(String::from)
    .to_vec();
    for slug in [&wind, &river, &ferry] {
        expected.push(format!("articles/{slug}/index.html"));
    }
    assert_files_exist(&out, &expected);

    // And everything the digest itself says exists.
    let mut derived = Vec::new();
    for article in &generated.corpus.articles {
        derived.push(format!("articles/{}/index.html", article.slug));
    }
    for topic in &generated.digest.topics {
        derived.push(format!("topics/{}/index.html", topic.slug));
        derived.push(format!("topics/{}/feed.xml", topic.slug));
        let n_pages = topic
            .article_indices
            .len()
            .div_ceil(generated.config.paginate);
        for page in 2..=n_pages {
            derived.push(format!("topics/{}/page/{page}/index.html", topic.slug));
        }
        let past_the_end = format!(
            "topics/{}/page/{}/index.html",
            topic.slug,
            n_pages.max(1) + 1
        );
        assert!(
            !out.join(&past_the_end).exists(),
            "{past_the_end} should not exist"
        );
    }
    for day in &generated.digest.days {
        derived.push(format!("days/{}/index.html", day.id));
    }
    for week in &generated.digest.weeks {
        derived.push(format!("weeks/{}/index.html", week.id));
    }
    for month in &generated.digest.months {
        derived.push(format!(
            "archive/{}/{:02}/index.html",
            month.year, month.month
        ));
    }
    for thread in &generated.analysis.threads {
        derived.push(format!("threads/{}/index.html", thread.id));
    }
    assert_files_exist(&out, &derived);

    assert_eq!(
        generated.corpus.articles.len(),
        10,
        "drafts and skipped files are not articles"
    );
    assert_eq!(generated.digest.days.len(), 10);
    assert_eq!(generated.digest.weeks.len(), 5);

    let search: serde_json::Value = serde_json::from_str(&site.read("public/search-index.json"))
        .expect("search-index.json is JSON");
    let search_text = search.to_string();
    for article in &generated.corpus.articles {
        assert!(
            search_text.contains(&article.slug),
            "search-index.json lacks `{}`",
            article.slug
        );
    }
    let sitemap = site.read("public/sitemap.xml");
    for article in &generated.corpus.articles {
        let url = format!("https://example.org/articles/{}/", article.slug);
        assert!(sitemap.contains(&url), "sitemap.xml lacks {url}");
    }
}

#[test]
fn drafts_are_built_only_with_the_drafts_flag() {
    let site = mixed();
    site.build_ok();
    assert!(!site.public().join("articles/secret-draft").exists());
    assert!(!site.public().join("topics/culture").exists());
    assert_eq!(
        files_containing(&site.public(), "lighthouse keeper"),
        Vec::<PathBuf>::new(),
        "the draft's title leaked into the output"
    );

    let options = BuildOptions {
        include_drafts: true,
        ..site.options()
    };
    let report = site.build_with(&options).expect("build with drafts");
    assert_eq!(report.n_articles, 11);
    assert!(site
        .public()
        .join("articles/secret-draft/index.html")
        .is_file());
    assert!(site.public().join("topics/culture/index.html").is_file());

    site.run(&["build"]).assert_code(0);
    assert!(!site.public().join("articles/secret-draft").exists());
    site.run(&["build", "--drafts"]).assert_code(0);
    assert!(site
        .public()
        .join("articles/secret-draft/index.html")
        .is_file());
}

#[test]
fn boilerplate_and_skipped_files_never_reach_the_output() {
    let site = mixed();
    site.build_ok();
    for needle in ["also read", "NOTES-MUST-NOT", "HIDDEN-MUST-NOT"] {
        assert_eq!(
            files_containing(&site.public(), needle),
            Vec::<PathBuf>::new(),
            "`{needle}` is in the output"
        );
    }
    // The paragraphs around the removed lines are kept.
    let generated = site.generate();
    let river = article_of(&generated, "content/2024-03-05-river-levels-rise.txt");
    assert!(river.text.contains("Volunteers from the rowing club"));
    assert!(river.text.contains("Forecasters expect the rain to ease"));
    // Single-newline paragraphs (the first seed's style) are paragraphs.
    assert!(
        river.body_html.matches("<p>").count() >= 6,
        "raw text lines should each be a paragraph:\n{}",
        river.body_html
    );
    let ferry = article_of(&generated, MIXED_UNDATED);
    assert!(ferry.text.contains("With inputs from"));
    assert!(
        ferry.body_html.matches("<p>").count() >= 5,
        "{}",
        ferry.body_html
    );
}

#[test]
fn titles_are_inferred_from_raw_text() {
    let site = mixed();
    let generated = site.generate();
    let river = article_of(&generated, "content/2024-03-05-river-levels-rise.txt");
    assert_eq!(
        river.title,
        "River Alder bursts its banks as rain continues"
    );
    let ferry = article_of(&generated, MIXED_UNDATED);
    assert_sensible_title(&ferry.title, &site.read(MIXED_UNDATED));
    let wind = article_of(&generated, "content/2024-03-06-wind-farm-approved.txt");
    assert_eq!(wind.title, "Offshore wind farm wins final approval");
    assert_eq!(wind.topics, ["Environment", "Economy"]);
    // The front matter of a `.txt` file is not part of its text.
    assert!(!wind.text.contains("title:"), "{}", wind.text);
    for article in &generated.corpus.articles {
        assert!(
            !article.summary.is_empty(),
            "{} has no summary",
            article.slug
        );
        assert!(article.word_count > 20, "{} word count", article.slug);
        assert!(article.reading_minutes >= 1);
    }
}

#[test]
fn dates_come_from_front_matter_file_name_folder_and_file_time() {
    let site = mixed();
    let generated = site.generate();
    let cases = [
        (
            "content/2024-03-04-port-workers-strike.md",
            DateSource::FrontMatter,
            "2024-03-04",
        ),
        (
            "content/2024-03-05-river-levels-rise.txt",
            DateSource::FileName,
            "2024-03-05",
        ),
        (
            "content/2024/03/12/council-budget-vote.md",
            DateSource::FolderPath,
            "2024-03-12",
        ),
        (MIXED_UNDATED, DateSource::ModifiedTime, "2024-03-20"),
        // 23:30 UTC is 00:30 the next day in the site's Europe/Paris.
        (
            "content/2024-03-10-late-night-vote.md",
            DateSource::FrontMatter,
            "2024-03-11",
        ),
        // A date without an offset is read in the site's time zone.
        (
            "content/2024-03-07-port-strike-talks.md",
            DateSource::FrontMatter,
            "2024-03-07",
        ),
    ];
    for (source, date_source, day) in cases {
        let article = article_of(&generated, source);
        assert_eq!(article.date_source, date_source, "{source}");
        assert_eq!(article.local_date.to_string(), day, "{source}");
    }
    let talks = article_of(&generated, "content/2024-03-07-port-strike-talks.md");
    assert_eq!(
        talks.date.offset().local_minus_utc(),
        3600,
        "Paris is UTC+1 in March"
    );

    let warned: Vec<_> = generated
        .warnings
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .filter(|d| d.message.contains("time"))
        .map(|d| d.path.clone())
        .collect();
    assert_eq!(
        warned,
        [PathBuf::from(MIXED_UNDATED)],
        "exactly the undated file gets a file-time warning: {:#?}",
        generated.warnings
    );
    let day = site_day_page(&site, "2024-03-11");
    assert!(day.contains("articles/late-night-vote/"), "{day}");
}

fn site_day_page(site: &Fixture, day: &str) -> String {
    if !site.public().join("index.html").exists() {
        site.build_ok();
    }
    site.read(&format!("public/days/{day}/index.html"))
}

#[test]
fn articles_without_topics_get_one_and_are_listed_there() {
    let site = mixed();
    site.build_ok();
    let generated = site.generate();
    let river_idx = generated
        .corpus
        .articles
        .iter()
        .position(|a| a.source_path == Path::new("content/2024-03-05-river-levels-rise.txt"))
        .expect("river article");
    let topics = &generated.analysis.articles[river_idx].topics;
    assert!(!topics.is_empty(), "an article without topics got none");
    let topic_idx = generated.digest.primary_topic[river_idx];
    let topic = &generated.digest.topics[topic_idx];
    let page = site.read(&format!("public/topics/{}/index.html", topic.slug));
    let slug = &generated.corpus.articles[river_idx].slug;
    let later_pages = (2..=4)
        .filter_map(|n| {
            std::fs::read_to_string(
                site.public()
                    .join(format!("topics/{}/page/{n}/index.html", topic.slug)),
            )
            .ok()
        })
        .collect::<String>();
    assert!(
        page.contains(&format!("articles/{slug}/"))
            || later_pages.contains(&format!("articles/{slug}/")),
        "topic `{}` does not list `{slug}`",
        topic.slug
    );
}

#[test]
fn topic_pages_list_newest_first_and_paginate() {
    let site = mixed();
    site.build_ok();
    let generated = site.generate();
    let wind = slug_of(&generated, "content/2024-03-06-wind-farm-approved.txt");
    let first = site.read("public/topics/economy/index.html");
    let second = site.read("public/topics/economy/page/2/index.html");
    let position = |page: &str, slug: &str| page.find(&format!("articles/{slug}/"));
    let ends = position(&first, "port-strike-ends").expect("newest on page 1");
    let talks = position(&first, "port-strike-talks").expect("second newest on page 1");
    assert!(ends < talks, "page 1 is not newest first");
    assert!(
        position(&first, &wind).is_none(),
        "page 1 holds more than `paginate = 2`"
    );
    let wind_at = position(&second, &wind).expect("third newest on page 2");
    let workers = position(&second, "port-workers-strike").expect("oldest on page 2");
    assert!(wind_at < workers, "page 2 is not newest first");
}

#[test]
fn the_front_page_shows_the_latest_days_with_articles() {
    let site = mixed();
    site.build_ok();
    let generated = site.generate();
    let ferry = slug_of(&generated, MIXED_UNDATED);
    let front = site.read("public/index.html");
    // front_page_days = 3: 2 April, 26 March and 20 March.
    for slug in ["bridge-repairs", "port-strike-ends", ferry.as_str()] {
        assert!(
            front.contains(&format!("articles/{slug}/")),
            "front page lacks {slug}"
        );
    }
    // Grouped by topic: every front-page article's primary topic is named.
    for day_idx in &generated.digest.front_page_day_indices {
        for &article_idx in &generated.digest.days[*day_idx].article_indices {
            let topic = &generated.digest.topics[generated.digest.primary_topic[article_idx]];
            assert!(
                front.contains(&format!("topics/{}/", topic.slug)) && front.contains(&topic.name),
                "the front page does not name topic `{}`",
                topic.name
            );
        }
    }
    for slug in ["seals-counted", "port-workers-strike"] {
        assert!(
            !front.contains(&format!("articles/{slug}/")),
            "front page shows {slug}, older than the latest 3 days"
        );
    }
}

#[test]
fn static_files_are_copied_as_is() {
    let site = mixed();
    site.build_ok();
    assert_eq!(
        std::fs::read(site.public().join("files/port-rota.txt")).expect("copied"),
        std::fs::read(site.path("static/files/port-rota.txt")).expect("source")
    );
}

#[test]
fn a_feed_holds_at_most_fifty_entries_with_full_content() {
    let site = Fixture::copy("minimal");
    for n in 0..55 {
        site.write(
            &format!("content/2024-04-{:02}-notice-{n}.md", 1 + n % 28),
            format!(
                "---\ntitle: Harbour notice number {n}\ntopics: [Notices]\n---\n{}\n",
                distinct_text(n)
            ),
        );
    }
    site.build_ok();
    let generated = site.generate();
    assert_eq!(
        generated.digest.listed.len(),
        57,
        "distinct articles were collapsed as duplicates"
    );
    let entries = |feed: &str| feed.matches("<entry>").count() + feed.matches("<entry ").count();
    let feed = site.read("public/feed.xml");
    assert_eq!(entries(&feed), 50);
    assert_eq!(entries(&site.read("public/topics/notices/feed.xml")), 50);
    // Full content: the last sentence of the newest article is in the feed.
    let newest = &generated.corpus.articles[*generated.digest.listed.first().expect("articles")];
    let last_sentence = newest
        .text
        .trim()
        .rsplit(". ")
        .next()
        .unwrap_or("")
        .trim_end_matches('.');
    assert!(
        feed.contains(last_sentence),
        "the feed lacks the full content of `{}`: {last_sentence:?}",
        newest.slug
    );
}

/// An article text of its own for each `n`: words picked by a small
/// deterministic generator, so that no two texts look like duplicates.
fn distinct_text(n: u64) -> String {
    const WORDS: &[&str] = &[
        "harbour",
        "ferry",
        "crane",
        "quay",
        "tide",
        "council",
        "budget",
        "market",
        "bridge",
        "river",
        "storm",
        "school",
        "library",
        "museum",
        "festival",
        "lighthouse",
        "fishing",
        "cargo",
        "union",
        "strike",
        "rota",
        "wind",
        "turbine",
        "seal",
        "estuary",
        "bakery",
        "garden",
        "railway",
        "bus",
        "cyclist",
        "walkway",
        "flood",
        "wall",
        "sandbag",
        "shelter",
        "island",
        "hospital",
        "doctor",
        "nurse",
        "teacher",
        "pupil",
        "mayor",
        "vote",
        "election",
        "tax",
        "rent",
        "housing",
        "shop",
        "cafe",
        "theatre",
        "concert",
        "choir",
        "football",
        "rowing",
        "sailing",
        "regatta",
        "boatyard",
        "welder",
        "painter",
        "timber",
        "steel",
        "diesel",
        "battery",
        "solar",
        "grid",
        "water",
        "sewer",
        "road",
        "pothole",
        "parking",
        "ticket",
        "fare",
        "timetable",
        "delay",
        "repair",
        "survey",
    ];
    let mut state = n
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut sentences = Vec::new();
    for _ in 0..4 {
        let mut words = Vec::new();
        for _ in 0..9 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            words.push(WORDS[(state >> 33) as usize % WORDS.len()]);
        }
        sentences.push(format!("Notice {n} mentions {}", words.join(" ")));
    }
    sentences.join(". ") + "."
}

#[test]
fn build_ends_with_a_one_line_summary() {
    let site = mixed();
    let run = site.run(&["build"]);
    run.assert_code(0);
    let last = run.stdout.lines().last().unwrap_or("");
    let pattern = regex::Regex::new(
        r"10 articles, \d+ topics, 10 days.*\b\d+ (files|pages)\b.*\b\d+ written\b.*\d+(\.\d+)? ?(s|ms)\b",
    )
    .expect("regex");
    assert!(
        pattern.is_match(last),
        "summary line: {last:?}\nstdout:\n{}",
        run.stdout
    );
    assert!(
        run.stderr.contains(MIXED_UNDATED),
        "the file-time warning is printed: {}",
        run.stderr
    );
}

#[test]
fn exit_codes_are_0_for_success_1_for_site_problems_2_for_usage() {
    let site = mixed();
    site.run(&["build"]).assert_code(0);
    site.run(&["check"]).assert_code(0);
    for usage in [
        &["build", "--no-such-flag"][..],
        &["frobnicate"],
        &["new"],
        &["build", "--base-url"],
    ] {
        let run = site.run(usage);
        run.assert_code(2);
        assert!(!run.stderr.is_empty(), "{usage:?} printed no error");
    }
    site.write("content/broken.md", "---\ntitle: Broken: yes\n---\nBody.\n");
    let run = site.run(&["build"]);
    run.assert_code(1);
    assert!(run.stderr.contains("content/broken.md:2"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    site.run(&["check"]).assert_code(1);
    let other = Fixture::empty();
    let run = other.run(&["build"]);
    run.assert_code(1);
    assert!(run.stderr.contains("site.toml"), "{}", run.stderr);
}

#[test]
fn the_same_input_gives_byte_identical_output() {
    // Two copies in different folders (no absolute path may leak into the
    // output), one built by the library and one by the binary (another
    // process, so another hash seed).
    let first = mixed();
    let second = mixed();
    first.build_ok();
    second.run(&["build"]).assert_code(0);
    let (a, b) = (first.output_tree(), second.output_tree());
    assert!(a.len() > 40, "only {} files", a.len());
    if let Some(difference) = tree_difference(&a, &b) {
        panic!("two builds of the same input differ:\n{difference}");
    }
    for (path, bytes) in &a {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains(&first.root().display().to_string()),
            "{} holds the site's temp path",
            path.display()
        );
    }
}

#[test]
fn a_rebuild_leaves_unchanged_files_untouched() {
    let site = mixed();
    site.build_ok();
    let before = mtimes(&site.public());
    std::thread::sleep(std::time::Duration::from_millis(50));
    let report = site.build_ok();
    assert_eq!(
        report.n_written, 0,
        "a rebuild of the same input wrote files"
    );
    assert_eq!(
        before,
        mtimes(&site.public()),
        "a rebuild changed file times"
    );

    let path = "content/2024-04-02-bridge-repairs.md";
    let edited = site
        .read(path)
        .replace("temporary walkway", "temporary footbridge");
    site.write(path, edited);
    let report = site.build_ok();
    assert!(report.n_written >= 1);
    let after = mtimes(&site.public());
    assert_ne!(
        before[Path::new("articles/bridge-repairs/index.html")],
        after[Path::new("articles/bridge-repairs/index.html")]
    );
    for untouched in [
        "robots.txt",
        "404.html",
        "articles/seals-counted/index.html",
        "files/port-rota.txt",
    ] {
        assert_eq!(
            before[Path::new(untouched)],
            after[Path::new(untouched)],
            "{untouched} was rewritten"
        );
    }
}

#[test]
fn output_and_base_url_flags_are_honoured() {
    let site = mixed();
    site.run(&[
        "build",
        "--output",
        "elsewhere",
        "--base-url",
        "https://example.org/news",
    ])
    .assert_code(0);
    assert!(!site.public().exists(), "`--output` still wrote public/");
    let index = site.read("elsewhere/index.html");
    assert!(index.contains("/news/"), "links do not carry the base path");
    let feed = site.read("elsewhere/feed.xml");
    assert!(
        feed.contains("https://example.org/news/articles/"),
        "{feed}"
    );
}

#[test]
fn check_writes_nothing_and_reports_success() {
    let site = mixed();
    let before = tree(site.root());
    let run = site.run(&["check"]);
    run.assert_code(0);
    assert!(run.stdout.contains("10 articles"), "{}", run.stdout);
    if let Some(difference) = tree_difference(&before, &tree(site.root())) {
        panic!("`digest check` changed the site folder:\n{difference}");
    }
    let report = digest_site::check(&site.options()).expect("check");
    assert_eq!(report.n_articles, 10);
    assert!(report.output_dir.is_none());
}

#[test]
fn init_creates_a_site_that_builds_at_once() {
    let parent = Fixture::empty();
    parent.run(&["init", "newsite"]).assert_code(0);
    let site_dir = parent.path("newsite");
    assert!(site_dir.join("site.toml").is_file());
    assert!(site_dir.join("content").is_dir());
    assert!(
        site_dir.join("templates").is_dir(),
        "init gives the templates to edit"
    );
    let run = parent.run(&["build", "--site", "newsite"]);
    run.assert_code(0);
    assert!(
        site_dir.join("public/index.html").is_file(),
        "{}",
        run.stdout
    );
    assert!(
        !files_with_extension(&site_dir.join("public/articles"), "html").is_empty(),
        "the new site has no sample article"
    );

    // `init` in the current (empty) folder.
    let here = Fixture::empty();
    here.run(&["init"]).assert_code(0);
    here.run(&["build"]).assert_code(0);
    // A second `init` does not overwrite the site.
    let config = here.read("site.toml");
    let again = here.run(&["init"]);
    assert_ne!(again.code, 0, "init over an existing site must refuse");
    assert_eq!(here.read("site.toml"), config);
}

#[test]
fn new_creates_a_dated_article_that_builds() {
    let site = Fixture::copy("minimal");
    let before = crate::support::tree_paths(&site.path("content"));
    let run = site.run(&["new", "Storm closes the harbour", "--topic", "Weather"]);
    run.assert_code(0);
    let after = crate::support::tree_paths(&site.path("content"));
    let created: Vec<_> = after.iter().filter(|p| !before.contains(p)).collect();
    assert_eq!(created.len(), 1, "expected one new file, got {created:?}");
    let name = created[0].to_string_lossy().into_owned();
    let dated = regex::Regex::new(r"\d{4}-\d{2}-\d{2}").expect("regex");
    let text = site.read(&format!("content/{name}"));
    assert!(
        dated.is_match(&name) || text.contains("date:"),
        "the new file is not dated: {name}\n{text}"
    );
    assert!(name.contains("storm-closes-the-harbour"), "{name}");
    site.build_ok();
    let generated = site.generate();
    let article = generated
        .corpus
        .articles
        .iter()
        .find(|a| a.title == "Storm closes the harbour")
        .expect("the new article is built");
    assert_eq!(article.topics, ["Weather"]);
    assert!(site
        .public()
        .join(format!("articles/{}/index.html", article.slug))
        .is_file());
    // The same title again does not overwrite the first file.
    let again = site.run(&["new", "Storm closes the harbour"]);
    assert_eq!(
        site.read(&format!("content/{name}")),
        text,
        "`new` overwrote a file"
    );
    assert!(again.code == 0 || again.code == 1, "exit {}", again.code);
}

#[test]
fn markdown_tables_footnotes_and_strikethrough_are_rendered() {
    let site = mixed();
    site.build_ok();
    let page = site.read("public/articles/port-workers-strike/index.html");
    assert!(page.contains("<table"), "no table");
    assert!(
        page.contains("<del>") || page.contains("<s>"),
        "no strikethrough"
    );
    assert!(page.contains("footnote"), "no footnote");
    assert!(page.contains("<h2"), "no heading");
    assert!(!page.contains("[^1]"), "a footnote marker is left as text");
}

#[test]
fn a_site_template_overrides_the_default_one() {
    let site = mixed();
    site.write(
        "templates/404.html",
        "<!doctype html>\n<html lang=\"en\"><head><title>Lost at sea</title></head>\n<body><p>OVERRIDDEN 404 of {{ site.title }}</p></body></html>\n",
    );
    site.build_ok();
    let page = site.read("public/404.html");
    assert!(
        page.contains("OVERRIDDEN 404 of Harbour Town Digest"),
        "{page}"
    );
    // Other pages still use the default theme.
    assert!(site
        .read("public/index.html")
        .contains("Harbour Town Digest"));
}

#[test]
fn every_command_takes_the_site_folder_from_the_site_flag() {
    let site = mixed();
    let elsewhere = Fixture::empty();
    let root = site.root().to_string_lossy().into_owned();
    elsewhere.run(&["--site", &root, "check"]).assert_code(0);
    elsewhere.run(&["build", "--site", &root]).assert_code(0);
    assert!(site.public().join("index.html").is_file());
    assert!(
        !elsewhere.public().exists(),
        "`--site` built into the current folder"
    );
    elsewhere
        .run(&["new", "Gulls nest on the town hall roof", "--site", &root])
        .assert_code(0);
    assert_eq!(
        files_containing(&site.path("content"), "Gulls nest on the town hall roof").len(),
        1,
        "`new --site` did not write into the site"
    );
    assert_eq!(
        crate::support::tree_paths(elsewhere.root()),
        Vec::<PathBuf>::new()
    );
}

#[test]
fn the_demo_site_builds_byte_identically_twice() {
    // The demo site is the largest corpus in the repository, with a real
    // story thread and related stories: ties in analysis scores show here
    // first. One build by the library, one by the binary (another process).
    let scratch = Fixture::empty();
    let root = crate::support::repo_root();
    let options = BuildOptions {
        root: root.clone(),
        output_dir: Some(scratch.path("first")),
        ..BuildOptions::default()
    };
    digest_site::build(&options)
        .unwrap_or_else(|err| panic!("the demo site does not build:\n{err}"));
    let second = scratch.path("second");
    let root_arg = root.to_string_lossy().into_owned();
    let output_arg = second.to_string_lossy().into_owned();
    scratch
        .run(&["build", "--site", &root_arg, "--output", &output_arg])
        .assert_code(0);
    let (a, b) = (tree(&scratch.path("first")), tree(&second));
    assert!(a.len() > 50, "only {} files", a.len());
    if let Some(difference) = tree_difference(&a, &b) {
        panic!("two builds of the demo site differ:\n{difference}");
    }
}

#[test]
fn untidy_input_just_works() {
    // Windows line endings, a byte-order mark, the `.markdown` extension,
    // files that are not articles and a folder named like an article.
    let site = Fixture::copy("minimal");
    site.write(
        "content/2024-05-04-crlf.md",
        "---\r\ntitle: Tram line reopens after repairs\r\ntopics: [Town]\r\n---\r\nThe tram line to the harbour reopened on Saturday.\r\n\r\nTrams run every ten minutes.\r\n",
    );
    site.write(
        "content/2024-05-05-bom.md",
        "\u{feff}---\ntitle: Beach cleanup draws two hundred volunteers\n---\nVolunteers filled forty bags with litter on Sunday.\n",
    );
    site.write(
        "content/2024-05-06-long-extension.markdown",
        "---\ntitle: Harbour festival dates announced\n---\nThe festival runs for three days in July.\n",
    );
    site.write(
        "content/2024-05-07-pasted.txt",
        "School roof repaired before winter\r\nBuilders finished the new roof of the harbour school on Monday.\r\nAlso read | Library extends its evening opening hours\r\nPupils return to their classrooms next week.\r\n",
    );
    site.write("content/photo.jpg", [0xff_u8, 0xd8, 0xff, 0xe0, 0x00]);
    site.write("content/notes.docx", "not an article");
    site.write(
        "content/folder.md/inner.txt",
        "Inner file\nA file inside a folder named like an article.\n",
    );
    let report = site.build_ok();
    let generated = site.generate();
    let titles = titles(&generated);
    for title in [
        "Tram line reopens after repairs",
        "Beach cleanup draws two hundred volunteers",
        "Harbour festival dates announced",
        "School roof repaired before winter",
    ] {
        assert!(titles.contains(&title), "`{title}` missing from {titles:?}");
    }
    for article in &generated.corpus.articles {
        assert!(!article.title.contains('\r'), "{:?}", article.title);
        assert!(
            !article.text.contains('\r'),
            "{} keeps CR characters",
            article.slug
        );
        assert!(
            !article.title.starts_with('\u{feff}'),
            "{:?}",
            article.title
        );
    }
    assert!(
        report.warnings.iter().all(|d| !d.is_error()),
        "{:#?}",
        report.warnings
    );
    assert_eq!(
        files_containing(&site.public(), "also read"),
        Vec::<PathBuf>::new()
    );
}

#[test]
fn article_pages_link_their_neighbours_related_stories_and_thread() {
    let site = mixed();
    site.build_ok();
    let generated = site.generate();
    let articles = &generated.corpus.articles;
    let mut n_links = 0;
    for (article_idx, article) in articles.iter().enumerate() {
        let page = site.read(&format!("public/articles/{}/index.html", article.slug));
        let neighbours = &generated.digest.neighbours[article_idx];
        let analysis = &generated.analysis.articles[article_idx];
        let mut expected: Vec<String> = [
            neighbours.previous,
            neighbours.next,
            neighbours.previous_in_topic,
            neighbours.next_in_topic,
        ]
        .into_iter()
        .flatten()
        .chain(analysis.related.iter().map(|r| r.article_idx))
        .map(|idx| format!("articles/{}/", articles[idx].slug))
        .collect();
        if let Some(thread_idx) = analysis.thread_idx {
            expected.push(format!(
                "threads/{}/",
                generated.analysis.threads[thread_idx].id
            ));
        }
        // Each related story shows why it is related.
        for related in &analysis.related {
            if let Some(reason) = related.reasons.first() {
                expected.push(digest_site::render::theme::escape_html(reason));
            }
        }
        for link in expected {
            assert!(
                page.contains(&link),
                "{} does not link {link}",
                article.slug
            );
            n_links += 1;
        }
    }
    assert!(n_links >= 20, "only {n_links} links checked");
}
