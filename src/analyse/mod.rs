//! Stage 3 of the pipeline: article text into signals, and from them related
//! stories, story threads, automatic topics and near-duplicates.
//!
//! Pure: no IO, no Tera. The same corpus and config give the same
//! [`Analysis`], bit for bit.

use crate::config::Config;
use crate::content::Corpus;

pub mod topics;

/// Whether a related story came before or after the article it is listed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Published before (or at the same time as) this article.
    EarlierCoverage,
    /// Published after this article.
    FollowUp,
}

/// One related story of an article.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Related {
    /// Index of the related article in the corpus.
    pub article_idx: usize,
    /// The combined score in [0, 1].
    pub score: f64,
    /// The strongest shared entities and terms, most important first, as a
    /// reader would write them ("Vladimir Putin", "sanctions").
    pub reasons: Vec<String>,
    /// Earlier coverage or a follow-up.
    pub relation: Relation,
}

/// A topic an article belongs to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TopicAssignment {
    /// The topic's display name.
    pub name: String,
    /// True when the topic was assigned by analysis, not written by hand.
    pub automatic: bool,
}

/// A developing story followed across days.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Thread {
    /// Stable id, used in `/threads/<id>/`; it does not change when newer
    /// articles join the thread.
    pub id: String,
    /// A short name for the story (from its first article or key terms).
    pub title: String,
    /// Its articles, oldest first.
    pub article_indices: Vec<usize>,
}

/// What analysis found out about one article.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ArticleAnalysis {
    /// The article's topics: its own, else automatic ones. Never empty.
    pub topics: Vec<TopicAssignment>,
    /// Related stories, best first, at most `related.count`.
    pub related: Vec<Related>,
    /// Index into [`Analysis::threads`] if the article is part of a thread.
    pub thread_idx: Option<usize>,
    /// If this article is a near-duplicate, the article it duplicates (the
    /// earliest copy, which stays in lists).
    pub duplicate_of: Option<usize>,
    /// On the kept copy: the near-duplicates collapsed into it.
    pub duplicates: Vec<usize>,
}

/// The result of analysis, indexed like `Corpus::articles`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Analysis {
    /// One entry per article, same index as the corpus.
    pub articles: Vec<ArticleAnalysis>,
    /// Story threads, ordered by their first article's date, then id.
    pub threads: Vec<Thread>,
}

/// Analyses the corpus.
///
/// Until the text analysis lands this only gives every article its own
/// topics, or the site's `default_topic` when it has none.
pub fn run(corpus: &Corpus, config: &Config) -> Analysis {
    let given: Vec<Vec<String>> = corpus.articles.iter().map(|a| a.topics.clone()).collect();
    let vectors = vec![Vec::new(); corpus.articles.len()];
    let assigned = topics::assign(&vectors, &[], &given, config);
    let articles = assigned
        .into_iter()
        .map(|topics| ArticleAnalysis {
            topics,
            related: Vec::new(),
            thread_idx: None,
            duplicate_of: None,
            duplicates: Vec::new(),
        })
        .collect();
    Analysis {
        articles,
        threads: Vec::new(),
    }
}
