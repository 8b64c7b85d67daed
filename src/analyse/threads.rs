//! Story threads: the articles of one developing story, across days.
//!
//! Links are strong pairs (story score, the text and entity parts of the
//! related score, at least `thread_min_score`; sharing a name
//! or much of their text, at most `thread_window_days` apart). Links are
//! taken strongest first and join two groups only when the groups' centroids
//! are themselves similar, so one loose link cannot chain two unrelated
//! stories into one thread. A group becomes a thread when it spans at least
//! two days. Its id is the slug of its first article, which does not change
//! when newer articles join.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::features::{sparse_dot, Features};
use super::related::{self, Candidate};
use super::Thread;
use crate::config::RelatedConfig;
use crate::content::Corpus;

/// Text similarity that links two articles even when neither names an
/// entity the other does.
const STRONG_TEXT: f64 = 0.5;
/// Two groups merge only when their centroids are at least this similar,
/// relative to `thread_min_score`.
const COHESION: f64 = 0.8;
/// Below this ratio of lengths, two centroids' dot product merges them;
/// above, it looks the shorter one's ids up in the longer (a binary search
/// costs about eight steps of a merge).
const MERGE_LENGTH_RATIO: usize = 8;

/// The story threads of a corpus, ordered by their first article's date,
/// then id; and for each article the index of its thread.
///
/// `timestamps[i]` is article `i`'s date in seconds (read in one array:
/// looking each pair's dates up in the articles themselves, large and in no
/// cache over 100,000 of them, cost more than the rest of the link test).
/// `excluded[i]` articles (near-duplicate copies) take no part.
pub fn find(
    corpus: &Corpus,
    timestamps: &[i64],
    features: &Features,
    candidates: &[Vec<Candidate>],
    excluded: &[bool],
    config: &RelatedConfig,
) -> (Vec<Thread>, Vec<Option<usize>>) {
    let n_articles = corpus.articles.len().min(candidates.len());
    let window_seconds = (config.thread_window_days.max(0.0) * 86_400.0) as i64;
    // Each pair once, from the side of its smaller index.
    let is_link = |article_idx: usize, candidate: &Candidate| -> Option<(f64, usize, usize)> {
        let other = candidate.article_idx;
        if other <= article_idx || other >= n_articles || excluded[article_idx] || excluded[other] {
            return None;
        }
        let apart = (timestamps[article_idx] - timestamps[other]).abs();
        // One story is told in the same words and names: the pair's own
        // text and entity similarity, not the neighbourhood part of the
        // related score, which ties together a whole subject (every story
        // about ports), nor shared topics.
        let story = related::content(candidate.text, candidate.entities, None, config);
        (story >= config.thread_min_score
            && apart <= window_seconds
            && (candidate.entities > 0.0 || candidate.text >= STRONG_TEXT))
            .then_some((story, article_idx, other))
    };
    // Links are found and sorted on all cores; only joining them (below)
    // is one after the other.
    let mut links: Vec<(f64, usize, usize)> = candidates[..n_articles]
        .par_iter()
        .enumerate()
        .flat_map_iter(|(article_idx, list)| {
            list.iter()
                .filter_map(move |candidate| is_link(article_idx, candidate))
        })
        .collect();
    // Strongest first; ties by indices so the result is deterministic (a
    // total order, so the unstable parallel sort gives the one result).
    links.par_sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));

    let mut groups = Groups::new(n_articles);
    for (_, a, b) in links {
        let (root_a, root_b) = (groups.root(a), groups.root(b));
        if root_a == root_b {
            continue;
        }
        let similarity = groups.similarity(root_a, root_b, features);
        if similarity >= COHESION * config.thread_min_score {
            groups.union(root_a, root_b, features);
        }
    }

    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (article_idx, &is_excluded) in excluded.iter().enumerate().take(n_articles) {
        if !is_excluded {
            members
                .entry(groups.root(article_idx))
                .or_default()
                .push(article_idx);
        }
    }
    let mut threads: Vec<Thread> = members
        .into_values()
        .filter(|indices| {
            let first = indices.first().map(|&idx| corpus.articles[idx].local_date);
            indices.len() >= 2
                && indices
                    .iter()
                    .any(|&idx| Some(corpus.articles[idx].local_date) != first)
        })
        .map(|indices| {
            // Members are in corpus order, which is oldest first.
            let first = &corpus.articles[indices[0]];
            Thread {
                id: first.slug.clone(),
                title: first.title.clone(),
                article_indices: indices,
            }
        })
        .collect();
    threads.sort_by(|a, b| {
        let date = |thread: &Thread| corpus.articles[thread.article_indices[0]].date;
        date(a).cmp(&date(b)).then_with(|| a.id.cmp(&b.id))
    });
    let mut thread_of = vec![None; corpus.articles.len()];
    for (thread_idx, thread) in threads.iter().enumerate() {
        for &article_idx in &thread.article_indices {
            thread_of[article_idx] = Some(thread_idx);
        }
    }
    (threads, thread_of)
}

/// Union-find over articles that keeps each group's centroid (the sum of
/// its members' text vectors), updated as groups merge.
/// How a centroid's norm is computed when it is not cached.
type NormOf<'a> = dyn Fn(&[(u32, f32)]) -> f64 + 'a;

struct Groups {
    parent: Vec<usize>,
    /// Per root with more than one member: the summed vector, sorted by id.
    /// A single article's centroid is its own vector, not copied.
    sums: Vec<Option<Vec<(u32, f32)>>>,
    /// The norm of each merged group's sum, computed once per merge.
    norms: Vec<Option<f64>>,
}

impl Groups {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
            sums: vec![None; n],
            norms: vec![None; n],
        }
    }

    fn root(&mut self, mut idx: usize) -> usize {
        while self.parent[idx] != idx {
            self.parent[idx] = self.parent[self.parent[idx]];
            idx = self.parent[idx];
        }
        idx
    }

    fn union(&mut self, a: usize, b: usize, features: &Features) {
        // The smaller index stays root so the result does not depend on
        // which side of a link came first.
        let (keep, gone) = if a < b { (a, b) } else { (b, a) };
        let sum = add(self.centroid(keep, features), self.centroid(gone, features));
        self.parent[gone] = keep;
        self.sums[gone] = None;
        self.norms[gone] = None;
        self.norms[keep] = Some(
            sum.iter()
                .map(|&(_, w)| f64::from(w).powi(2))
                .sum::<f64>()
                .sqrt(),
        );
        self.sums[keep] = Some(sum);
    }

    /// Cosine of two groups' centroids. Walks the smaller one and looks its
    /// ids up in the larger, so joining one article to a long thread costs
    /// the article's length, not the thread's.
    fn similarity(&self, a: usize, b: usize, features: &Features) -> f64 {
        let (x, y) = (self.centroid(a, features), self.centroid(b, features));
        let (small, large) = if x.len() <= y.len() { (x, y) } else { (y, x) };
        // Both ways sum the same products in id order, so give the same
        // bits; a merge is cheaper while the two are of similar length
        // (most links join two single articles or small groups).
        let dot = if large.len() <= MERGE_LENGTH_RATIO * small.len() {
            sparse_dot(small, large)
        } else {
            let mut dot = 0.0f64;
            for &(id, weight) in small {
                if let Ok(pos) = large.binary_search_by_key(&id, |&(other, _)| other) {
                    dot += f64::from(weight) * f64::from(large[pos].1);
                }
            }
            dot
        };
        let norm = |v: &[(u32, f32)]| {
            v.iter()
                .map(|&(_, w)| f64::from(w).powi(2))
                .sum::<f64>()
                .sqrt()
        };
        let denominator = self.norm(a, x, &norm) * self.norm(b, y, &norm);
        if denominator == 0.0 {
            0.0
        } else {
            (dot / denominator).clamp(0.0, 1.0)
        }
    }

    fn norm(&self, root: usize, centroid: &[(u32, f32)], norm: &NormOf<'_>) -> f64 {
        match self.norms.get(root).copied().flatten() {
            Some(value) => value,
            None => norm(centroid),
        }
    }

    fn centroid<'a>(&'a self, root: usize, features: &'a Features) -> &'a [(u32, f32)] {
        match &self.sums[root] {
            Some(sum) => sum,
            None => features.vectors.get(root).map_or(&[][..], Vec::as_slice),
        }
    }
}

/// The sum of two sparse vectors sorted by id.
fn add(a: &[(u32, f32)], b: &[(u32, f32)]) -> Vec<(u32, f32)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                out.push((x.0, x.1 + y.1));
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x.0 < y.0 => {
                out.push(*x);
                i += 1;
            }
            (Some(x), None) => {
                out.push(*x);
                i += 1;
            }
            (_, Some(y)) => {
                out.push(*y);
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}
