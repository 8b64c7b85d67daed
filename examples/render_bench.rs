//! Times the render stage alone on a synthetic site, without loading or
//! analysing anything: `cargo run --release --example render_bench -- 10000`.
//!
//! The articles get hand-made analysis (five related stories each, threads
//! of eight, a near-duplicate now and then) so every part of every page
//! template runs, as it would on a real site.

use std::path::PathBuf;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use digest_site::analyse::{Related, Relation, Thread};
use digest_site::content::{Article, Corpus, DateSource, Format};
use digest_site::render::{self, RenderOptions, SiteData, Theme};
use digest_site::Config;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let config = Config::parse("title = \"Bench\"\nbase_url = \"https://example.org/news/\"\n")
        .expect("constant config parses");
    let paragraph = "The minister said on Tuesday that the agreement would be signed \
        next week, after talks that lasted most of the night. Officials from both \
        sides described the mood as constructive, and the markets rose on the news. ";
    let body: String = (0..12)
        .map(|_| format!("<p>{}</p>\n", paragraph.repeat(2)))
        .collect();
    let start = Utc
        .with_ymd_and_hms(2024, 1, 1, 6, 0, 0)
        .single()
        .expect("valid date");
    let topics = [
        "Politics",
        "Economy",
        "Health",
        "Sport",
        "Science",
        "Technology",
        "Environment",
        "Labour",
    ];
    let articles: Vec<Article> = (0..n)
        .map(|i| {
            let date = (start + Duration::minutes(i as i64 * 97)).fixed_offset();
            Article {
                source_path: PathBuf::from(format!("content/a{i}.md")),
                slug: format!("article-{i}"),
                title: format!("Headline number {i} about the agreement"),
                date,
                local_date: date.date_naive(),
                date_source: DateSource::FrontMatter,
                updated: None,
                topics: vec![topics[i % topics.len()].to_string()],
                source: Some(format!("Outlet {}", i % 13)),
                source_url: Some(format!("https://outlet.example/{i}")),
                author: Some("A. Writer".into()),
                summary: paragraph.to_string(),
                image: None,
                lang: "en".into(),
                draft: false,
                extra: Default::default(),
                body_html: body.clone(),
                body_file: None,
                text: String::new(),
                word_count: 600,
                reading_minutes: 3,
                format: Format::Markdown,
            }
        })
        .collect();
    let corpus = Corpus { articles };
    let mut analysis = digest_site::analyse::Analysis {
        articles: corpus
            .articles
            .iter()
            .map(|a| digest_site::analyse::ArticleAnalysis {
                topics: vec![digest_site::analyse::TopicAssignment {
                    name: a.topics[0].clone(),
                    automatic: false,
                }],
                related: Vec::new(),
                thread_idx: None,
                duplicate_of: None,
                duplicates: Vec::new(),
            })
            .collect(),
        threads: Vec::new(),
    };
    for i in 0..n {
        analysis.articles[i].related = (1..=5)
            .map(|k| {
                let other = (i + k * 37) % n;
                Related {
                    article_idx: other,
                    score: 0.5,
                    reasons: vec!["agreement".into(), "minister".into()],
                    relation: if other < i {
                        Relation::EarlierCoverage
                    } else {
                        Relation::FollowUp
                    },
                }
            })
            .collect();
    }
    for (thread_idx, chunk) in (0..n).collect::<Vec<_>>().chunks(8).enumerate() {
        if thread_idx % 3 != 0 {
            continue;
        }
        let id = analysis.threads.len();
        analysis.threads.push(Thread {
            id: format!("thread-{thread_idx}"),
            title: format!("Story {thread_idx}"),
            article_indices: chunk.to_vec(),
        });
        for &i in chunk {
            analysis.articles[i].thread_idx = Some(id);
        }
    }
    for i in (10..n).step_by(50) {
        analysis.articles[i].duplicate_of = Some(i - 1);
        analysis.articles[i - 1].duplicates.push(i);
    }
    let digest = digest_site::group::run(&corpus, &analysis, &config);
    // A second argument names a site whose `templates/` override the
    // defaults, to time a theme or one template alone.
    let theme = match std::env::args().nth(2) {
        Some(root) => Theme::load(std::path::Path::new(&root)).expect("templates compile"),
        None => Theme::default_theme(),
    };
    let data = SiteData {
        config: &config,
        corpus: &corpus,
        analysis: &analysis,
        digest: &digest,
    };
    for _ in 0..3 {
        let started = Instant::now();
        let pages = render::site(data, &theme, &RenderOptions::default()).expect("renders");
        let bytes: usize = pages.iter().map(|p| p.bytes.len()).sum();
        println!(
            "{n} articles: {} pages, {:.1} MB in {:.0} ms",
            pages.len(),
            bytes as f64 / 1e6,
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
}
