//! Automatic topics: articles without hand-written topics join the existing
//! topic they are closest to, or new topics named by their key terms.
//!
//! Part of the analysis stage. Three steps, all on the articles' L2-normalised
//! TF-IDF vectors:
//!
//! 1. **Join.** Each hand-written topic gets a centroid (the normalised sum of
//!    its articles' vectors). An article without topics joins the topic whose
//!    centroid is most similar (cosine), when that similarity reaches
//!    `topics.min_similarity`.
//! 2. **Cluster.** The articles left over are grouped by spherical k-means
//!    with a fixed-seed k-means++ start, so the same input always gives the
//!    same topics. It is trained on an evenly spaced sample of at most
//!    [`TRAINING_SAMPLE`] articles and then assigns every article in one pass,
//!    which keeps it near-linear in the number of articles. The number of
//!    topics grows with the square root of the number of articles, capped by
//!    `topics.max_automatic`.
//! 3. **Name.** A new topic is named by its two most distinctive terms
//!    ("Elections & Parliament"). Groups smaller than `topics.min_size` are
//!    dissolved; their articles move to the closest other new topic or, when
//!    none is close enough, to the site's `default_topic`.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::analyse::TopicAssignment;
use crate::config::Config;

/// One article's TF-IDF vector: `(term_id, weight)` pairs sorted by
/// `term_id`, L2-normalised.
pub type SparseVector = Vec<(u32, f32)>;

/// At most this many articles train the k-means centroids; the rest are only
/// assigned. News topics are broad, so a few thousand articles pin the
/// centroids down as well as all of them would, at a fraction of the cost.
pub const TRAINING_SAMPLE: usize = 3000;

/// How many k-means runs (each from its own seeded start) are tried; the one
/// whose articles sit closest to their centroids wins. One run can get stuck
/// with two centroids in one real topic; the best of a few rarely does.
const RESTARTS: u64 = 2;

/// For clustering, an article keeps only its strongest terms (renormalised):
/// what a story is about shows in its top few dozen terms, and the tail
/// would cost time on every k-means pass without moving it.
const CLUSTER_TERMS: usize = 100;

/// An article is in known territory when its group of similar articles is
/// tagged by hand at least this share of the site's overall rate.
const KNOWN_SHARE: f64 = 0.5;

/// Lloyd iterations per run at most (it usually settles well before).
const MAX_ITERATIONS: usize = 20;

/// A hand-written topic's centroid keeps only its strongest terms: the weak
/// tail (words every topic shares) barely moves a cosine but would make
/// every topic a candidate for every article.
const CENTROID_TERMS: usize = 400;

/// Gives every article its topics.
///
/// `vectors[i]` is article `i`'s vector; `term_labels[term_id]` is a
/// readable form of the term (for naming new topics); `given_topics[i]` is
/// what the article's front matter says (empty when nothing). Articles with
/// given topics keep them (`automatic: false`); the others get exactly one
/// automatic topic: the closest hand-written one, a new one named by its key
/// terms, or `default_topic`.
pub fn assign(
    vectors: &[SparseVector],
    term_labels: &[String],
    given_topics: &[Vec<String>],
    config: &Config,
) -> Vec<Vec<TopicAssignment>> {
    let settings = &config.topics;
    let n_articles = given_topics.len();
    // Weights that are not finite would poison every sum they enter; drop
    // them (and zeros) here so no later step has to care. The usual input
    // is clean, and is then used as it is rather than copied.
    let is_clean = |vector: &SparseVector| {
        vector
            .iter()
            .all(|(_, weight)| weight.is_finite() && *weight != 0.0)
    };
    let cleaned: Vec<SparseVector>;
    let vectors: &[SparseVector] =
        if vectors.len() >= n_articles && vectors[..n_articles].par_iter().all(is_clean) {
            &vectors[..n_articles]
        } else {
            let empty = SparseVector::new();
            cleaned = (0..n_articles)
                .map(|article_idx| {
                    vectors
                        .get(article_idx)
                        .unwrap_or(&empty)
                        .iter()
                        .copied()
                        .filter(|(_, weight)| weight.is_finite() && *weight != 0.0)
                        .collect()
                })
                .collect();
            &cleaned
        };
    let n_terms = vectors
        .iter()
        .flat_map(|vector| vector.iter().map(|(term, _)| *term as usize + 1))
        .max()
        .unwrap_or(0);

    let mut result: Vec<Vec<TopicAssignment>> = given_topics
        .iter()
        .map(|given| {
            given
                .iter()
                .map(|name| TopicAssignment {
                    name: name.clone(),
                    automatic: false,
                })
                .collect()
        })
        .collect();
    let unlabelled: Vec<usize> = (0..n_articles)
        .filter(|&article_idx| given_topics[article_idx].is_empty())
        .collect();
    if unlabelled.is_empty() {
        return result;
    }

    // Step 1: join the closest hand-written topic, if the article is in
    // known territory at all.
    let existing = TopicIndex::new(vectors, given_topics, n_terms);
    let known = if existing.names.is_empty() {
        vec![false; n_articles]
    } else {
        known_territory(vectors, given_topics, n_terms, settings)
    };
    let joined: Vec<Option<usize>> = unlabelled
        .par_iter()
        .map(|&article_idx| {
            if known[article_idx] {
                existing.closest(&vectors[article_idx], settings.min_similarity)
            } else {
                None
            }
        })
        .collect();
    let mut leftover = Vec::new();
    for (&article_idx, topic) in unlabelled.iter().zip(&joined) {
        match topic {
            Some(topic_idx) => result[article_idx].push(TopicAssignment {
                name: existing.names[*topic_idx].clone(),
                automatic: true,
            }),
            None if !vectors[article_idx].is_empty() => leftover.push(article_idx),
            None => {}
        }
    }

    // Steps 2 and 3: group what is left into new, named topics.
    if settings.automatic && leftover.len() >= settings.min_size {
        let mut taken: BTreeSet<String> = existing.names.iter().map(|n| slug_of(n)).collect();
        taken.insert(slug_of(&config.default_topic));
        let clusters = cluster(
            vectors,
            &leftover,
            n_terms,
            settings.max_automatic,
            settings.min_size,
            settings.min_similarity,
        );
        for group in clusters {
            let name = name_cluster(&group.top_terms, term_labels, &mut taken);
            for &article_idx in &group.members {
                result[article_idx].push(TopicAssignment {
                    name: name.clone(),
                    automatic: true,
                });
            }
        }
    }

    for topics in &mut result {
        if topics.is_empty() {
            topics.push(TopicAssignment {
                name: config.default_topic.clone(),
                automatic: true,
            });
        }
    }
    result
}

/// The hand-written topics with their centroids, as an inverted index
/// (term to the topics whose centroid has it) so an article is scored only
/// against the topics it shares terms with.
struct TopicIndex {
    /// Topic names, sorted; a topic's index is its place here.
    names: Vec<String>,
    /// `postings[term]`: `(topic_idx, weight)` of every centroid with that term.
    postings: Vec<Vec<(u32, f32)>>,
}

impl TopicIndex {
    fn new(vectors: &[SparseVector], given_topics: &[Vec<String>], n_terms: usize) -> TopicIndex {
        let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (article_idx, given) in given_topics.iter().enumerate() {
            // The same topic written twice on one article counts once.
            let unique: BTreeSet<&str> = given.iter().map(String::as_str).collect();
            for name in unique {
                members.entry(name).or_default().push(article_idx);
            }
        }
        let mut names = Vec::with_capacity(members.len());
        let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n_terms];
        let mut sum = vec![0.0f32; n_terms];
        let mut touched: Vec<u32> = Vec::new();
        for (topic_idx, (name, articles)) in members.iter().enumerate() {
            names.push((*name).to_string());
            for &article_idx in articles {
                for &(term, weight) in &vectors[article_idx] {
                    let slot = &mut sum[term as usize];
                    if *slot == 0.0 {
                        touched.push(term);
                    }
                    *slot += weight;
                }
            }
            let mut centroid: Vec<(u32, f32)> = touched
                .drain(..)
                .map(|term| (term, std::mem::take(&mut sum[term as usize])))
                .filter(|(_, weight)| *weight > 0.0)
                .collect();
            let norm = centroid
                .iter()
                .map(|(_, w)| f64::from(*w) * f64::from(*w))
                .sum::<f64>()
                .sqrt();
            if norm == 0.0 {
                continue;
            }
            // Strongest terms first, ties by term id, so the cut is stable.
            centroid.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            centroid.truncate(CENTROID_TERMS);
            // The norm of the whole centroid, not of the kept terms: the
            // score stays the true cosine minus the dropped tail.
            for (term, weight) in centroid {
                postings[term as usize].push((topic_idx as u32, (f64::from(weight) / norm) as f32));
            }
        }
        TopicIndex { names, postings }
    }

    /// The topic most similar to `vector`, if at least `min_similarity`;
    /// ties go to the topic whose name sorts first.
    fn closest(&self, vector: &SparseVector, min_similarity: f64) -> Option<usize> {
        if self.names.is_empty() {
            return None;
        }
        let mut scores = vec![0.0f32; self.names.len()];
        for &(term, weight) in vector {
            if let Some(posting) = self.postings.get(term as usize) {
                for &(topic_idx, centroid_weight) in posting {
                    scores[topic_idx as usize] += weight * centroid_weight;
                }
            }
        }
        let (best, score) = argmax(&scores)?;
        (f64::from(score) >= min_similarity && score > 0.0).then_some(best)
    }
}

/// The index and value of the largest score; the first one wins ties.
fn argmax(scores: &[f32]) -> Option<(usize, f32)> {
    let mut best: Option<(usize, f32)> = None;
    for (idx, &score) in scores.iter().enumerate() {
        if best.is_none_or(|(_, top)| score > top) {
            best = Some((idx, score));
        }
    }
    best
}

/// A new topic found by clustering.
#[derive(Debug, Clone, PartialEq)]
struct Cluster {
    /// Its articles, in corpus order.
    members: Vec<usize>,
    /// Its most distinctive terms, best first.
    top_terms: Vec<u32>,
}

/// Article vectors restricted to the terms that at least two of the
/// clustered articles share (a term only one article has cannot pull two
/// articles together), renumbered densely so centroids are small arrays.
struct Compact {
    /// One vector per clustered article, with compact term ids.
    vectors: Vec<Vec<(u32, f32)>>,
    /// Compact term id to the original term id.
    original: Vec<u32>,
    /// Original term id to the compact one (`u32::MAX` when dropped).
    compact_id: Vec<u32>,
}

impl Compact {
    fn new(vectors: &[SparseVector], articles: &[usize], n_terms: usize) -> Compact {
        // The vocabulary is that of the training sample: a term no training
        // article has gets no weight in any centroid, so keeping it would
        // only make every centroid bigger.
        let mut document_frequency = vec![0u32; n_terms];
        for position in sample_positions(articles.len()) {
            for &(term, _) in &vectors[articles[position]] {
                document_frequency[term as usize] += 1;
            }
        }
        let mut compact_id = vec![u32::MAX; n_terms];
        let mut original = Vec::new();
        for (term, &df) in document_frequency.iter().enumerate() {
            if df >= 2 {
                compact_id[term] = original.len() as u32;
                original.push(term as u32);
            }
        }
        let vectors = articles
            .par_iter()
            .map(|&article_idx| {
                let mut kept: Vec<(u32, f32)> = vectors[article_idx]
                    .iter()
                    .filter_map(|&(term, weight)| {
                        let id = compact_id[term as usize];
                        (id != u32::MAX).then_some((id, weight))
                    })
                    .collect();
                if kept.len() > CLUSTER_TERMS {
                    // A partial selection, not a sort: this runs on every
                    // article. Strongest first, ties by term id, so the cut
                    // is the same on every run.
                    kept.select_nth_unstable_by(CLUSTER_TERMS - 1, |a, b| {
                        b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
                    });
                    kept.truncate(CLUSTER_TERMS);
                    kept.sort_unstable_by_key(|(term, _)| *term);
                }
                let norm = kept
                    .iter()
                    .map(|(_, w)| f64::from(*w) * f64::from(*w))
                    .sum::<f64>()
                    .sqrt();
                if norm > 0.0 {
                    kept.iter_mut()
                        .for_each(|(_, w)| *w = (f64::from(*w) / norm) as f32);
                }
                kept
            })
            .collect();
        Compact {
            vectors,
            original,
            compact_id,
        }
    }

    fn n_terms(&self) -> usize {
        self.original.len()
    }
}

/// Centroids of `k` clusters over a compact vocabulary, stored term-major
/// (`weights[term * k + cluster]`) so scoring one article against every
/// cluster reads memory in order.
struct Centroids {
    k: usize,
    weights: Vec<f32>,
}

impl Centroids {
    /// The cosine of `vector` with each centroid.
    fn scores(&self, vector: &[(u32, f32)], out: &mut [f32]) {
        out.iter_mut().for_each(|s| *s = 0.0);
        for &(term, weight) in vector {
            let row = &self.weights[term as usize * self.k..(term as usize + 1) * self.k];
            for (score, centroid_weight) in out.iter_mut().zip(row) {
                *score += weight * centroid_weight;
            }
        }
    }

    /// The closest centroid to every vector, with its cosine.
    fn assign(&self, vectors: &[&[(u32, f32)]]) -> Vec<(usize, f32)> {
        vectors
            .par_iter()
            .map_init(
                || vec![0.0f32; self.k],
                |scores, vector| {
                    self.scores(vector, scores);
                    argmax(scores).unwrap_or((0, 0.0))
                },
            )
            .collect()
    }

    /// Normalised means of the vectors in each cluster; an empty cluster
    /// gets a zero centroid.
    fn fit(vectors: &[&[(u32, f32)]], labels: &[usize], k: usize, n_terms: usize) -> Centroids {
        let mut weights = vec![0.0f32; n_terms * k];
        for (vector, &label) in vectors.iter().zip(labels) {
            for &(term, weight) in *vector {
                weights[term as usize * k + label] += weight;
            }
        }
        let mut norms = vec![0.0f64; k];
        for row in weights.chunks(k) {
            for (norm, &w) in norms.iter_mut().zip(row) {
                *norm += f64::from(w) * f64::from(w);
            }
        }
        for row in weights.chunks_mut(k) {
            for (w, norm) in row.iter_mut().zip(&norms) {
                if *norm > 0.0 {
                    *w = (f64::from(*w) / norm.sqrt()) as f32;
                }
            }
        }
        Centroids { k, weights }
    }
}

/// A small, fast, well-mixed generator (SplitMix64). A fixed seed makes the
/// k-means start, and so the topics, the same on every run and machine.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in [0, 1).
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How many new topics `n_articles` articles get: about one per
/// `min_size`-squared articles' square root, so a few dozen articles get two
/// or three topics and a few thousand get the maximum.
fn cluster_count(n_articles: usize, max_topics: usize, min_size: usize) -> usize {
    let per_topic = n_articles as f64 / min_size.max(1) as f64;
    (per_topic.sqrt().floor() as usize).clamp(1, max_topics.max(1))
}

/// k-means++ start: the first centre at random, each next one drawn with a
/// chance that grows with the squared distance (1 - cosine) to the nearest
/// centre so far.
fn seed(vectors: &[&[(u32, f32)]], k: usize, n_terms: usize, rng: &mut SplitMix64) -> Vec<usize> {
    let n = vectors.len();
    let mut centres = Vec::with_capacity(k);
    let mut nearest = vec![f64::INFINITY; n];
    let mut dense = vec![0.0f32; n_terms];
    let mut chosen = (rng.next_u64() % n as u64) as usize;
    while centres.len() < k {
        centres.push(chosen);
        for &(term, weight) in vectors[chosen] {
            dense[term as usize] = weight;
        }
        for (vector, best) in vectors.iter().zip(nearest.iter_mut()) {
            let cosine: f32 = vector.iter().map(|&(t, w)| w * dense[t as usize]).sum();
            let distance = (1.0 - f64::from(cosine)).max(0.0);
            *best = best.min(distance * distance);
        }
        for &(term, _) in vectors[chosen] {
            dense[term as usize] = 0.0;
        }
        let total: f64 = nearest.iter().sum();
        if total <= 0.0 {
            // Every article is a copy of a centre already: fewer clusters.
            break;
        }
        let mut target = rng.next_f64() * total;
        chosen = n - 1;
        for (idx, &d) in nearest.iter().enumerate() {
            if target < d {
                chosen = idx;
                break;
            }
            target -= d;
        }
    }
    centres
}

/// One spherical k-means run from a seeded start; returns the centroids and
/// the total cosine of the training articles to their centroids.
fn kmeans(
    vectors: &[&[(u32, f32)]],
    k: usize,
    n_terms: usize,
    rng: &mut SplitMix64,
) -> (Centroids, f64) {
    let centres = seed(vectors, k, n_terms, rng);
    let k = centres.len();
    let mut labels = vec![usize::MAX; vectors.len()];
    let seeds: Vec<&[(u32, f32)]> = centres.iter().map(|&idx| vectors[idx]).collect();
    let seed_labels: Vec<usize> = (0..k).collect();
    let mut centroids = Centroids::fit(&seeds, &seed_labels, k, n_terms);
    let mut objective = 0.0;
    for _ in 0..MAX_ITERATIONS {
        let assigned = centroids.assign(vectors);
        objective = assigned.iter().map(|(_, s)| f64::from(*s)).sum();
        let new_labels: Vec<usize> = assigned.iter().map(|(label, _)| *label).collect();
        let changed = new_labels
            .iter()
            .zip(&labels)
            .filter(|(new, old)| new != old)
            .count();
        // Settled: at most one article in a thousand still moves, which
        // would not change any topic's name or its bulk.
        if changed * 1000 <= vectors.len() {
            break;
        }
        labels = new_labels;
        // A cluster that lost all its articles takes the article that fits
        // its own cluster worst, so k topics stay k topics.
        let mut sizes = vec![0usize; k];
        labels.iter().for_each(|&label| sizes[label] += 1);
        for cluster_idx in 0..k {
            if sizes[cluster_idx] == 0 {
                let worst = assigned
                    .iter()
                    .enumerate()
                    .filter(|(idx, _)| sizes[labels[*idx]] > 1)
                    .min_by(|a, b| a.1 .1.total_cmp(&b.1 .1).then(a.0.cmp(&b.0)))
                    .map(|(idx, _)| idx);
                if let Some(idx) = worst {
                    sizes[labels[idx]] -= 1;
                    labels[idx] = cluster_idx;
                    sizes[cluster_idx] = 1;
                }
            }
        }
        centroids = Centroids::fit(vectors, &labels, k, n_terms);
    }
    (centroids, objective)
}

/// The positions of the k-means training sample among `n` articles.
fn sample_positions(n: usize) -> Vec<usize> {
    // Evenly spaced rather than the first N: an archive is in date order,
    // and the newest months should shape the topics as much as the oldest.
    if n > TRAINING_SAMPLE {
        (0..TRAINING_SAMPLE)
            .map(|i| i * n / TRAINING_SAMPLE)
            .collect()
    } else {
        (0..n).collect()
    }
}

/// Spherical k-means centroids of `vectors` (the best of [`RESTARTS`]
/// seeded runs on an evenly spaced sample of at most [`TRAINING_SAMPLE`]).
fn fit(vectors: &[&[(u32, f32)]], k: usize, n_terms: usize) -> Option<Centroids> {
    let sample: Vec<&[(u32, f32)]> = sample_positions(vectors.len())
        .into_iter()
        .map(|position| vectors[position])
        .filter(|vector| !vector.is_empty())
        .collect();
    if sample.is_empty() {
        return None;
    }
    let mut best: Option<(Centroids, f64)> = None;
    for restart in 0..RESTARTS {
        let mut rng = SplitMix64(0x5EED_D16E_0000 + restart);
        let (centroids, objective) = kmeans(&sample, k.min(sample.len()), n_terms, &mut rng);
        if best.as_ref().is_none_or(|(_, top)| objective > *top) {
            best = Some((centroids, objective));
        }
    }
    best.map(|(centroids, _)| centroids)
}

/// Which articles lie in known territory: in a group of similar articles
/// (k-means over the whole site) where hand-written topics are at least
/// half as common as on the site overall.
///
/// A cosine to a topic centroid alone cannot tell "a less typical article
/// of this topic" from "an article of a subject no topic covers": both sit
/// at similar, low cosines. The company an article keeps can: sport
/// articles on a site whose editors only tag politics and business group
/// with other untagged sport articles, so they make a topic of their own
/// instead of being forced into the closest tagged one.
fn known_territory(
    vectors: &[SparseVector],
    given_topics: &[Vec<String>],
    n_terms: usize,
    settings: &crate::config::TopicsConfig,
) -> Vec<bool> {
    let articles: Vec<usize> = (0..vectors.len())
        .filter(|&article_idx| !vectors[article_idx].is_empty())
        .collect();
    let mut known = vec![false; vectors.len()];
    if articles.is_empty() {
        return known;
    }
    let compact = Compact::new(vectors, &articles, n_terms);
    let all: Vec<&[(u32, f32)]> = compact.vectors.iter().map(Vec::as_slice).collect();
    let k = cluster_count(articles.len(), settings.max_automatic, settings.min_size);
    let Some(centroids) = fit(&all, k, compact.n_terms()) else {
        return known;
    };
    let assigned = centroids.assign(&all);
    let mut members = vec![0usize; centroids.k];
    let mut tagged = vec![0usize; centroids.k];
    for (&article_idx, &(label, _)) in articles.iter().zip(&assigned) {
        members[label] += 1;
        if !given_topics[article_idx].is_empty() {
            tagged[label] += 1;
        }
    }
    let site_share = tagged.iter().sum::<usize>() as f64 / articles.len() as f64;
    for (&article_idx, &(label, _)) in articles.iter().zip(&assigned) {
        let share = tagged[label] as f64 / members[label].max(1) as f64;
        known[article_idx] = share >= KNOWN_SHARE * site_share;
    }
    known
}

/// Groups the `articles` into new topics (see the module documentation).
fn cluster(
    vectors: &[SparseVector],
    articles: &[usize],
    n_terms: usize,
    max_topics: usize,
    min_size: usize,
    min_similarity: f64,
) -> Vec<Cluster> {
    let compact = Compact::new(vectors, articles, n_terms);
    let all: Vec<&[(u32, f32)]> = compact.vectors.iter().map(Vec::as_slice).collect();
    // One topic is kept free for `default_topic`, which the articles that
    // fit no group get, so the site never has more than `max_topics`.
    let k = cluster_count(articles.len(), max_topics.saturating_sub(1), min_size);
    let Some(mut centroids) = fit(&all, k, compact.n_terms()) else {
        return Vec::new();
    };

    // Assign everyone, dissolve groups that are too small, and assign their
    // articles again among the groups that stay.
    let mut alive = vec![true; centroids.k];
    let mut assigned = centroids.assign(&all);
    loop {
        let mut sizes = vec![0usize; centroids.k];
        for &(label, score) in &assigned {
            if f64::from(score) >= min_similarity && score > 0.0 {
                sizes[label] += 1;
            }
        }
        // Dissolve the smallest too-small group first, one at a time: its
        // articles may make another small group big enough.
        let smallest = (0..centroids.k)
            .filter(|&c| alive[c] && sizes[c] < min_size)
            .min_by_key(|&c| (sizes[c], c));
        let Some(dead) = smallest else { break };
        alive[dead] = false;
        for row in centroids.weights.chunks_mut(centroids.k) {
            row[dead] = 0.0;
        }
        if !alive.iter().any(|&a| a) {
            return Vec::new();
        }
        // Only the dissolved group's articles move; the rest keep their
        // (still best) group, so there is no need to score them again.
        let moved: Vec<usize> = (0..assigned.len())
            .filter(|&position| assigned[position].0 == dead)
            .collect();
        let moved_vectors: Vec<&[(u32, f32)]> = moved.iter().map(|&p| all[p]).collect();
        for (position, scored) in moved.into_iter().zip(centroids.assign(&moved_vectors)) {
            assigned[position] = scored;
        }
    }

    // Members as positions in `articles` (and so in `all`).
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); centroids.k];
    for (position, &(label, score)) in assigned.iter().enumerate() {
        if alive[label] && f64::from(score) >= min_similarity && score > 0.0 {
            members[label].push(position);
        }
    }

    // Name by the final members: a term's mean weight in the group, times
    // (the log of) how much more the group uses it than the whole site
    // does. The site, not just the clustered articles, is the background,
    // so a lone group left next to hand-written topics still gets the terms
    // that set it apart; `ln(1 + ratio)` keeps a term ranked by its weight
    // when the group is the whole site.
    let mut background = vec![0.0f64; compact.n_terms()];
    for vector in vectors {
        for &(term, weight) in vector {
            let id = compact.compact_id[term as usize];
            if id != u32::MAX {
                background[id as usize] += f64::from(weight);
            }
        }
    }
    background
        .iter_mut()
        .for_each(|w| *w /= vectors.len().max(1) as f64);
    let mut clusters: Vec<Cluster> = members
        .into_par_iter()
        .filter(|group| !group.is_empty())
        .map(|group| {
            let mut total = vec![0.0f64; compact.n_terms()];
            for &position in &group {
                for &(term, weight) in all[position] {
                    total[term as usize] += f64::from(weight);
                }
            }
            let size = group.len() as f64;
            let mut scored: Vec<(f64, u32)> = total
                .iter()
                .enumerate()
                .filter(|(_, sum)| **sum > 0.0)
                .map(|(term, sum)| {
                    let mean = sum / size;
                    let ratio = mean / background[term].max(f64::MIN_POSITIVE);
                    (mean * ratio.ln_1p(), compact.original[term])
                })
                .filter(|(score, _)| *score > 0.0)
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            Cluster {
                members: group
                    .into_iter()
                    .map(|position| articles[position])
                    .collect(),
                top_terms: scored.into_iter().take(12).map(|(_, term)| term).collect(),
            }
        })
        .collect();
    // Biggest first, so the biggest topics get the plainest names.
    clusters.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.members[0].cmp(&b.members[0]))
    });
    clusters
}

/// The slug a topic name gets in URLs; two names with the same slug would
/// be one topic page.
fn slug_of(name: &str) -> String {
    slug::slugify(name)
}

/// A label as a topic-name word: lowercase words get a capital first
/// letter; words that already have capitals (names, "iPhone") stay as they
/// are.
fn title_case(label: &str) -> String {
    label
        .split_whitespace()
        .map(|word| {
            if word.chars().any(char::is_uppercase) {
                word.to_string()
            } else {
                let mut chars = word.chars();
                match chars.next() {
                    Some(first) => first.to_uppercase().chain(chars).collect(),
                    None => String::new(),
                }
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Names a new topic by two of its top terms ("Elections & Parliament"),
/// avoiding names already `taken` (compared by slug) and labels that repeat
/// each other ("Blair" next to "Tony Blair").
fn name_cluster(top_terms: &[u32], term_labels: &[String], taken: &mut BTreeSet<String>) -> String {
    let mut labels: Vec<String> = Vec::new();
    for &term in top_terms {
        let Some(label) = term_labels.get(term as usize) else {
            continue;
        };
        let label = label.trim();
        if !label.chars().any(char::is_alphabetic) {
            continue;
        }
        let lower = label.to_lowercase();
        let repeats = labels.iter().any(|kept| {
            let kept = kept.to_lowercase();
            kept.split_whitespace().any(|w| w == lower)
                || lower.split_whitespace().any(|w| w == kept)
        });
        if !repeats {
            labels.push(title_case(label));
        }
    }
    let mut candidates: Vec<String> = Vec::new();
    for second in 1..labels.len() {
        candidates.push(format!("{} & {}", labels[0], labels[second]));
    }
    for first in 1..labels.len() {
        for second in first + 1..labels.len() {
            candidates.push(format!("{} & {}", labels[first], labels[second]));
        }
    }
    candidates.extend(labels.iter().cloned());
    for candidate in candidates {
        let slug = slug_of(&candidate);
        if !slug.is_empty() && !taken.contains(&slug) {
            taken.insert(slug);
            return candidate;
        }
    }
    // Every combination is taken (or there are no usable labels): number it.
    let base = labels
        .first()
        .cloned()
        .unwrap_or_else(|| "Topic".to_string());
    let mut number = 2;
    loop {
        let candidate = format!("{base} {number}");
        let slug = slug_of(&candidate);
        if !taken.contains(&slug) {
            taken.insert(slug);
            return candidate;
        }
        number += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::parse("title = \"T\"\nbase_url = \"https://example.org/\"\n").unwrap()
    }

    /// A normalised vector from `(term, weight)` pairs.
    fn vector(pairs: &[(u32, f32)]) -> SparseVector {
        let norm = pairs.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        let mut v: SparseVector = pairs.iter().map(|&(t, w)| (t, w / norm)).collect();
        v.sort_by_key(|(t, _)| *t);
        v
    }

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    /// Three themes over a 12-term vocabulary: terms 0-3 are politics,
    /// 4-7 sport, 8-11 markets. Article `i` of a theme uses three of the
    /// theme's four terms (which three varies), plus a little of term
    /// `12 + i % 3`, shared noise.
    fn themed(theme: u32, i: u32) -> SparseVector {
        let base = theme * 4;
        let skip = i % 4;
        let mut pairs: Vec<(u32, f32)> = (0..4)
            .filter(|&j| j != skip)
            .map(|j| (base + j, 1.0 + 0.1 * ((i + j) % 3) as f32))
            .collect();
        pairs.push((12 + i % 3, 0.2));
        vector(&pairs)
    }

    fn term_labels() -> Vec<String> {
        labels(&[
            "election",
            "parliament",
            "vote",
            "minister",
            "match",
            "goal",
            "league",
            "coach",
            "shares",
            "market",
            "investors",
            "profit",
            "said",
            "year",
            "new",
        ])
    }

    fn names(result: &[Vec<TopicAssignment>]) -> Vec<String> {
        result.iter().map(|topics| topics[0].name.clone()).collect()
    }

    #[test]
    fn given_topics_are_kept_as_written() {
        let vectors = vec![themed(0, 0), themed(1, 0)];
        let given = vec![vec!["Politics".to_string(), "UK".to_string()], vec![]];
        let result = assign(&vectors, &term_labels(), &given, &config());
        assert_eq!(
            result[0],
            vec![
                TopicAssignment {
                    name: "Politics".into(),
                    automatic: false
                },
                TopicAssignment {
                    name: "UK".into(),
                    automatic: false
                },
            ]
        );
        assert!(result[1][0].automatic);
    }

    #[test]
    fn article_joins_the_closest_hand_written_topic() {
        let mut vectors = Vec::new();
        let mut given = Vec::new();
        for i in 0..4 {
            vectors.push(themed(0, i));
            given.push(vec!["Politics".to_string()]);
            vectors.push(themed(1, i));
            given.push(vec!["Sport".to_string()]);
        }
        vectors.push(themed(1, 7));
        given.push(vec![]);
        vectors.push(themed(0, 9));
        given.push(vec![]);
        let result = assign(&vectors, &term_labels(), &given, &config());
        assert_eq!(
            result[8],
            vec![TopicAssignment {
                name: "Sport".into(),
                automatic: true
            }]
        );
        assert_eq!(
            result[9],
            vec![TopicAssignment {
                name: "Politics".into(),
                automatic: true
            }]
        );
    }

    #[test]
    fn weak_match_does_not_join_and_falls_back_to_default_topic() {
        // Two articles about markets next to a politics topic: too few to
        // make a topic of their own (min_size 3), and not politics.
        let vectors = vec![themed(0, 0), themed(0, 1), themed(2, 0), themed(2, 1)];
        let given = vec![
            vec!["Politics".to_string()],
            vec!["Politics".to_string()],
            vec![],
            vec![],
        ];
        let mut config = config();
        config.topics.min_similarity = 0.3;
        let result = assign(&vectors, &term_labels(), &given, &config);
        assert_eq!(names(&result[2..]), vec!["General", "General"]);
        assert!(result[2][0].automatic);
    }

    #[test]
    fn articles_without_any_topics_get_a_small_named_set() {
        let mut vectors = Vec::new();
        for i in 0..12 {
            for theme in 0..3 {
                vectors.push(themed(theme, i));
            }
        }
        let given = vec![Vec::new(); vectors.len()];
        let result = assign(&vectors, &term_labels(), &given, &config());
        let topic_of: Vec<String> = names(&result);
        // Every theme is one topic, and different themes are different topics.
        for theme in 0..3 {
            let first = &topic_of[theme];
            for i in 0..12 {
                assert_eq!(&topic_of[i * 3 + theme], first, "theme {theme} article {i}");
            }
        }
        let distinct: BTreeSet<&String> = topic_of.iter().collect();
        assert_eq!(distinct.len(), 3, "{distinct:?}");
        // Named by their own terms, readable.
        let politics = &topic_of[0];
        assert!(
            ["Election", "Parliament", "Vote", "Minister"]
                .iter()
                .filter(|w| politics.contains(*w))
                .count()
                == 2
                && politics.contains(" & "),
            "{politics}"
        );
        assert!(result
            .iter()
            .all(|topics| topics.len() == 1 && topics[0].automatic));
    }

    #[test]
    fn leftovers_form_new_topics_next_to_hand_written_ones() {
        let mut vectors = Vec::new();
        let mut given = Vec::new();
        for i in 0..8 {
            vectors.push(themed(0, i));
            given.push(vec!["Politics".to_string()]);
        }
        for i in 0..8 {
            vectors.push(themed(1, i));
            given.push(vec![]);
        }
        let mut config = config();
        config.topics.min_similarity = 0.3;
        let result = assign(&vectors, &term_labels(), &given, &config);
        let new: BTreeSet<String> = names(&result[8..]).into_iter().collect();
        assert_eq!(new.len(), 1, "{new:?}");
        let name = new.into_iter().next().unwrap();
        assert_ne!(name, "Politics");
        assert_ne!(name, "General");
        assert!(name.contains(" & "), "{name}");
    }

    #[test]
    fn output_is_deterministic_and_independent_of_thread_count() {
        let mut vectors = Vec::new();
        for i in 0..40 {
            vectors.push(themed(i % 3, i));
        }
        let given = vec![Vec::new(); vectors.len()];
        let first = assign(&vectors, &term_labels(), &given, &config());
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let second = pool.install(|| assign(&vectors, &term_labels(), &given, &config()));
        assert_eq!(first, second);
    }

    #[test]
    fn empty_and_broken_vectors_get_the_default_topic() {
        let vectors = vec![Vec::new(), vec![(3, f32::NAN)]];
        let given = vec![Vec::new(), Vec::new(), Vec::new()];
        let result = assign(&vectors, &[], &given, &config());
        assert_eq!(names(&result), vec!["General", "General", "General"]);
    }

    #[test]
    fn automatic_topics_can_be_turned_off() {
        let vectors: Vec<SparseVector> = (0..9).map(|i| themed(i % 3, i)).collect();
        let given = vec![Vec::new(); vectors.len()];
        let mut config = config();
        config.topics.automatic = false;
        let result = assign(&vectors, &term_labels(), &given, &config);
        assert!(names(&result).iter().all(|n| n == "General"));
    }

    #[test]
    fn names_avoid_taken_slugs_and_repeated_labels() {
        let term_labels = labels(&["Tony Blair", "blair", "labour", "election"]);
        let mut taken: BTreeSet<String> = ["tony-blair-labour".to_string()].into();
        let name = name_cluster(&[0, 1, 2, 3], &term_labels, &mut taken);
        assert_eq!(name, "Tony Blair & Election");
        let again = name_cluster(&[0, 1, 2, 3], &term_labels, &mut taken);
        assert_eq!(again, "Labour & Election");
        let mut none = BTreeSet::new();
        assert_eq!(name_cluster(&[7, 8], &term_labels, &mut none), "Topic 2");
    }

    #[test]
    fn cluster_count_scales_with_the_corpus_and_is_capped() {
        assert_eq!(cluster_count(3, 15, 3), 1);
        assert_eq!(cluster_count(30, 15, 3), 3);
        assert_eq!(cluster_count(300, 15, 3), 10);
        assert_eq!(cluster_count(100_000, 15, 3), 15);
    }

    #[test]
    fn title_case_keeps_names_and_capitalises_words() {
        assert_eq!(title_case("interest rates"), "Interest Rates");
        assert_eq!(title_case("iPhone"), "iPhone");
        assert_eq!(title_case("Vladimir Putin"), "Vladimir Putin");
    }
}
