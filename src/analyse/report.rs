//! The analysis as `digest analyse --json` prints it: plain data keyed by
//! slug, with scores rounded to 3 decimals, so two runs on the same site give
//! byte-identical output. The schema is documented in `docs/analysis.md`.

use super::{Analysis, Relation, TopicAssignment};
use crate::content::Corpus;

/// The whole report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    /// Every article, in corpus order (oldest first, then slug).
    pub articles: Vec<ArticleReport>,
    /// Every story thread, ordered by its first article's date, then id.
    pub threads: Vec<ThreadReport>,
}

/// One article's analysis.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ArticleReport {
    /// The source file, relative to the site root, `/`-separated.
    pub source_path: String,
    /// The article's slug.
    pub slug: String,
    /// Its headline.
    pub title: String,
    /// Its publication time, RFC 3339.
    pub date: String,
    /// Its topics, each marked automatic or not.
    pub topics: Vec<TopicAssignment>,
    /// Its related stories, best first.
    pub related: Vec<RelatedReport>,
    /// The id of its story thread, if any.
    pub thread: Option<String>,
    /// The slug of the article it is a near-duplicate of, if any.
    pub duplicate_of: Option<String>,
    /// Slugs of its near-duplicates (on the kept copy).
    pub duplicates: Vec<String>,
}

/// One related story.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RelatedReport {
    /// Its slug.
    pub slug: String,
    /// The combined score, rounded to 3 decimals.
    pub score: f64,
    /// Shared entities and terms, strongest first.
    pub reasons: Vec<String>,
    /// `earlier_coverage` or `follow_up`.
    pub relation: Relation,
}

/// One story thread.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ThreadReport {
    /// Its stable id (the slug of its first article).
    pub id: String,
    /// Its name.
    pub title: String,
    /// Slugs of its articles, oldest first.
    pub articles: Vec<String>,
}

/// The article a user means by `key`: its slug, or its source path as
/// written relative to the site root (`content/2024/vote.md`, with or
/// without `./`, either slash).
pub fn find_article(corpus: &Corpus, key: &str) -> Option<usize> {
    if let Some(idx) = corpus.articles.iter().position(|a| a.slug == key) {
        return Some(idx);
    }
    let wanted = key.replace('\\', "/");
    let wanted = wanted.trim_start_matches("./");
    corpus.articles.iter().position(|article| {
        let path = slash_path(&article.source_path);
        path == wanted || path.strip_prefix("content/") == Some(wanted)
    })
}

fn slash_path(path: &std::path::Path) -> String {
    path.components()
        .map(|part| part.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

impl std::fmt::Display for Report {
    /// A readable summary: each article with its topics, related stories
    /// and thread; then the threads.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for article in &self.articles {
            let topics: Vec<String> = article
                .topics
                .iter()
                .map(|t| {
                    if t.automatic {
                        format!("{} (automatic)", t.name)
                    } else {
                        t.name.clone()
                    }
                })
                .collect();
            writeln!(
                f,
                "{}  {}",
                article.date.get(..10).unwrap_or(&article.date),
                article.slug
            )?;
            writeln!(f, "  topics: {}", topics.join(", "))?;
            if let Some(kept) = &article.duplicate_of {
                writeln!(f, "  duplicate of: {kept}")?;
            }
            if !article.duplicates.is_empty() {
                writeln!(f, "  also reported as: {}", article.duplicates.join(", "))?;
            }
            if let Some(thread) = &article.thread {
                writeln!(f, "  thread: {thread}")?;
            }
            for related in &article.related {
                let relation = match related.relation {
                    Relation::EarlierCoverage => "earlier",
                    Relation::FollowUp => "follow-up",
                };
                writeln!(
                    f,
                    "  related {:.3} {relation:<9} {}  ({})",
                    related.score,
                    related.slug,
                    related.reasons.join(", ")
                )?;
            }
        }
        for thread in &self.threads {
            writeln!(
                f,
                "thread {}: {} ({} articles)",
                thread.id,
                thread.title,
                thread.articles.len()
            )?;
        }
        Ok(())
    }
}

/// Rounds a score to 3 decimals for output.
pub fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// The report of an analysed corpus.
pub fn report(corpus: &Corpus, analysis: &Analysis) -> Report {
    let slug = |idx: usize| {
        corpus
            .articles
            .get(idx)
            .map(|article| article.slug.clone())
            .unwrap_or_default()
    };
    let articles = corpus
        .articles
        .iter()
        .zip(&analysis.articles)
        .map(|(article, analysed)| ArticleReport {
            source_path: slash_path(&article.source_path),
            slug: article.slug.clone(),
            title: article.title.clone(),
            date: article.date.to_rfc3339(),
            topics: analysed.topics.clone(),
            related: analysed
                .related
                .iter()
                .map(|related| RelatedReport {
                    slug: slug(related.article_idx),
                    score: round3(related.score),
                    reasons: related.reasons.clone(),
                    relation: related.relation,
                })
                .collect(),
            thread: analysed
                .thread_idx
                .and_then(|idx| analysis.threads.get(idx))
                .map(|thread| thread.id.clone()),
            duplicate_of: analysed.duplicate_of.map(slug),
            duplicates: analysed.duplicates.iter().map(|&idx| slug(idx)).collect(),
        })
        .collect();
    let threads = analysis
        .threads
        .iter()
        .map(|thread| ThreadReport {
            id: thread.id.clone(),
            title: thread.title.clone(),
            articles: thread
                .article_indices
                .iter()
                .map(|&idx| slug(idx))
                .collect(),
        })
        .collect();
    Report { articles, threads }
}
