//! Near-duplicates: the same wire story published by two outlets. Two
//! articles are copies when their bodies use nearly the same words (cosine
//! of stem counts at least `duplicate_min_similarity`) and their lengths are
//! close; every later copy points at the earliest one, which stays in lists.
//!
//! Bodies are compared without the headline, because outlets rewrite the
//! headline of a wire story far more often than its text. Their stem counts
//! come from the features pass ([`BodyStems`]): this step never reads the
//! article texts, so a build can free them before it runs.

use rayon::prelude::*;

use super::features::{cosine, sparse_dot, BodyStems, Features};
use super::related::Near;

/// Only pairs whose TF-IDF vectors are at least this share of
/// `duplicate_min_similarity` similar have their bodies compared: a cheap
/// filter before the exact check (headlines, weighted into the vectors,
/// differ between outlets more than bodies do).
const PREFILTER: f64 = 0.6;

/// The shorter of two copies has at least this share of the longer one's
/// words: an article quoting a wire story in full is more than a copy.
const MIN_LENGTH_RATIO: f64 = 0.6;

/// Pairs whose bodies are compared at a time: bounds the memory of the
/// unpacked stem counts held at once, whatever the size of the site.
const PAIRS_PER_BLOCK: usize = 16_384;

/// For every article, the earliest article it is a near-duplicate of.
///
/// Articles are in corpus order (oldest first, then slug), so the earliest
/// copy has the smallest index. Only candidate pairs are compared (each
/// article's closest candidates by text and entities, known before the
/// rest of their score, so the body stems can be freed before scoring):
/// first by what analysis already computed, then, for the few that pass, by
/// their bodies' stem counts, in parallel one block of pairs at a time.
pub fn find(
    features: &Features,
    bodies: &BodyStems,
    candidates: &[Vec<Near>],
    min_similarity: f64,
) -> Vec<Option<usize>> {
    let n_articles = candidates.len();
    // Each pair once, earlier article first; a pair found from either side
    // counts.
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (article_idx, list) in candidates.iter().enumerate() {
        for candidate in list {
            let other = candidate.article_idx as usize;
            let (earlier, later) = if other < article_idx {
                (other, article_idx)
            } else {
                (article_idx, other)
            };
            if earlier != later
                && later < n_articles
                // The candidate's text cosine is the vectors' cosine,
                // already computed: checked first, it skips most pairs.
                && candidate.text >= PREFILTER * min_similarity
                && same_names(features, candidate, earlier, later, min_similarity)
                && might_be_copy(features, earlier, later, min_similarity)
            {
                pairs.push((earlier, later));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();

    // Earliest partner of each article.
    let mut earliest_partner: Vec<Option<usize>> = vec![None; n_articles];
    for block in pairs.chunks(PAIRS_PER_BLOCK) {
        let mut needed: Vec<usize> = block.iter().flat_map(|&(a, b)| [a, b]).collect();
        needed.sort_unstable();
        needed.dedup();
        let counts: Vec<Option<BodyCounts>> =
            needed.par_iter().map(|&idx| bodies.counts(idx)).collect();
        let body = |idx: usize| {
            needed
                .binary_search(&idx)
                .ok()
                .and_then(|position| counts[position].as_ref())
        };
        let copies: Vec<bool> = block
            .par_iter()
            .map(|&(a, b)| match (body(a), body(b)) {
                (Some(x), Some(y)) => counts_cosine(x, y) >= min_similarity,
                _ => false,
            })
            .collect();
        for (&(earlier, later), is_copy) in block.iter().zip(copies) {
            if is_copy {
                let slot = &mut earliest_partner[later];
                *slot = Some(slot.map_or(earlier, |known| known.min(earlier)));
            }
        }
    }
    let mut duplicate_of: Vec<Option<usize>> = vec![None; n_articles];
    for later in 0..n_articles {
        // Point at the kept copy of the earliest partner, so a group of
        // copies has exactly one article that stays in lists.
        if let Some(earliest) = earliest_partner[later] {
            duplicate_of[later] = Some(duplicate_of[earliest].unwrap_or(earliest));
        }
    }
    duplicate_of
}

/// Copies of one story name the same people and places: entity vectors
/// (taken from bodies only) must be nearly as similar as the bodies. This
/// keeps the exact body check to a few pairs even in a corpus full of
/// follow-ups of one story.
fn same_names(
    features: &Features,
    candidate: &Near,
    a: usize,
    b: usize,
    min_similarity: f64,
) -> bool {
    let has_names = |idx: usize| {
        features
            .entity_vectors
            .get(idx)
            .is_some_and(|v| !v.is_empty())
    };
    if !has_names(a) || !has_names(b) {
        return true;
    }
    candidate.entities >= NAMES_PREFILTER * min_similarity
}

/// See [`same_names`].
const NAMES_PREFILTER: f64 = 0.8;

/// The cheap part of the test: similar length and similar vectors.
fn might_be_copy(features: &Features, a: usize, b: usize, min_similarity: f64) -> bool {
    let (Some(vector_a), Some(vector_b)) = (features.vectors.get(a), features.vectors.get(b))
    else {
        return false;
    };
    if vector_a.is_empty() || vector_b.is_empty() {
        return false;
    }
    let words = |idx: usize| f64::from(features.word_counts.get(idx).copied().unwrap_or(0));
    let (short, long) = (words(a).min(words(b)), words(a).max(words(b)));
    if long > 0.0 && short / long < MIN_LENGTH_RATIO {
        return false;
    }
    cosine(vector_a, vector_b) >= PREFILTER * min_similarity
}

/// Stem counts of a body, sorted by stem ([`BodyStems::counts`]).
type BodyCounts = Vec<(u32, f32)>;

/// Cosine of two bodies' stem counts. The counts are whole numbers, so the
/// sums are exact in any order.
fn counts_cosine(counts_a: &BodyCounts, counts_b: &BodyCounts) -> f64 {
    let dot = sparse_dot(counts_a, counts_b);
    let norm = |counts: &BodyCounts| {
        counts
            .iter()
            .map(|&(_, x)| f64::from(x) * f64::from(x))
            .sum::<f64>()
            .sqrt()
    };
    let denominator = norm(counts_a) * norm(counts_b);
    if denominator == 0.0 {
        0.0
    } else {
        (dot / denominator).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::features::{build_with_bodies, Document, Weighting};
    use crate::analyse::related::candidates_and_neighbourhoods;
    use crate::config::RelatedConfig;

    fn run(texts: &[(&str, &str)]) -> Vec<Option<usize>> {
        let docs: Vec<Document<'_>> = texts
            .iter()
            .map(|(title, text)| Document {
                title,
                text,
                lang: "en",
            })
            .collect();
        let (features, bodies) = build_with_bodies(&docs, &[], &Weighting::default(), true);
        let config = RelatedConfig::default();
        let (found, _) = candidates_and_neighbourhoods(&features, 20, 20, &config);
        find(&features, &bodies, &found, config.duplicate_min_similarity)
    }

    const WIRE: &str = "Flood waters forced the evacuation of three villages along the \
        river on Tuesday as emergency crews built sandbag walls through the night. \
        The regional governor said about 4,000 residents had been moved to schools \
        and sports halls, and that the water was expected to peak on Thursday.";

    #[test]
    fn exact_and_near_exact_copies_point_at_the_earliest() {
        let edited = WIRE
            .replace("about 4,000", "nearly 4,000")
            .replace("Thursday", "Friday");
        let found = run(&[
            ("Floods force evacuations", WIRE),
            ("Floods force evacuations", WIRE),
            ("Villages evacuated as floods rise", &edited),
            (
                "Chess final ends in a draw",
                "The chess final ended in a draw after six hours of play in the capital.",
            ),
        ]);
        assert_eq!(found, [None, Some(0), Some(0), None]);
    }

    #[test]
    fn issue_3_stories_sharing_a_headline_word_are_not_merged() {
        let found = run(&[
            ("Floods hit the north", WIRE),
            (
                "Floods of tourists hit the coast",
                "Record numbers of tourists crowded the beaches of the coast this \
                 summer, and hotel owners said bookings for the autumn were already \
                 higher than in any year before the pandemic.",
            ),
        ]);
        assert_eq!(found, [None, None]);
    }
}
