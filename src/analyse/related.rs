//! Related stories: the score of a pair of articles, its breakdown and
//! reasons, and the candidate search through an inverted index.
//!
//! The score is `content × context`. `content` mixes TF-IDF cosine, entity
//! cosine and neighbourhood cosine (see
//! [`candidates_and_neighbourhoods`]); `context` (shared topics, closeness
//! in time) can only scale it, between
//! `content weights / Σ weights` and 1, so two stories on the same day in
//! the same topic but with nothing in common are never related. Every part
//! is in [0, 1] and symmetric in the two articles.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use rayon::prelude::*;

use super::features::{cosine, shared, strongest_unit, Features};
use super::topics::SparseVector;
use crate::config::RelatedConfig;

/// An article's top terms that go into the inverted index; a pair of
/// articles is only scored when one shares such a term with the other.
const INDEX_TERMS: usize = 32;
/// An article's top entities that go into the inverted index.
const INDEX_ENTITIES: usize = 8;
/// The longest posting list the candidate search reads (see
/// [`candidate_indices`]); reached at 10,000 articles.
const MAX_POSTINGS: usize = 400;
/// Seconds in a day, for the time part of the score.
const SECONDS_PER_DAY: f64 = 86_400.0;

/// What the score of a pair is computed from, indexed like the corpus.
#[derive(Debug, Clone, Copy)]
pub struct Signals<'a> {
    /// Text and entity vectors.
    pub features: &'a Features,
    /// Publication times, in seconds since the Unix epoch.
    pub timestamps: &'a [i64],
    /// Topic names of each article, sorted and deduplicated.
    pub topics: &'a [Vec<String>],
    /// Each article's neighbourhood (see
    /// [`candidates_and_neighbourhoods`]); may be empty, then that part of
    /// the score is left out.
    pub neighbourhoods: &'a [SparseVector],
}

/// The parts of the score of a pair of articles, each in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Breakdown {
    /// Cosine of the TF-IDF vectors.
    pub text: f64,
    /// Cosine of the entity vectors.
    pub entities: f64,
    /// Cosine of the two articles' neighbourhoods: how far they are close
    /// to the same other articles.
    pub neighbourhood: f64,
    /// Jaccard overlap of the topic sets.
    pub topics: f64,
    /// `0.5 ^ (days apart / half_life_days)`.
    pub time: f64,
    /// The combined score.
    pub total: f64,
}

/// The content part of the score: text, entity and neighbourhood
/// similarity mixed by their weights. `neighbourhood` is `None` when no
/// neighbourhoods were computed.
pub fn content(
    text: f64,
    entities: f64,
    neighbourhood: Option<f64>,
    config: &RelatedConfig,
) -> f64 {
    let (neighbourhood, neighbourhood_weight) = match neighbourhood {
        Some(value) => (value, config.neighbourhood_weight),
        None => (0.0, 0.0),
    };
    let weight = config.text_weight + config.entity_weight + neighbourhood_weight;
    let mixed = if weight > 0.0 {
        (config.text_weight * text
            + config.entity_weight * entities
            + neighbourhood_weight * neighbourhood)
            / weight
    } else {
        text
    };
    mixed.clamp(0.0, 1.0)
}

/// The combined score: `content` scaled by the context (shared topics,
/// closeness in time); in [0, 1] for parts in [0, 1] and non-negative
/// weights.
pub fn combine(content: f64, topics: f64, time: f64, config: &RelatedConfig) -> f64 {
    let content_weight = config.text_weight + config.entity_weight + config.neighbourhood_weight;
    let all_weight = content_weight + config.topic_weight + config.time_weight;
    let context = if all_weight > 0.0 {
        (content_weight + config.topic_weight * topics + config.time_weight * time) / all_weight
    } else {
        1.0
    };
    (content * context).clamp(0.0, 1.0)
}

/// The score of articles `a` and `b`, part by part.
pub fn breakdown(signals: &Signals<'_>, a: usize, b: usize, config: &RelatedConfig) -> Breakdown {
    let features = signals.features;
    let text = cosine(
        vector_of(&features.vectors, a),
        vector_of(&features.vectors, b),
    );
    let entities = cosine(
        vector_of(&features.entity_vectors, a),
        vector_of(&features.entity_vectors, b),
    );
    let neighbourhood = match (signals.neighbourhoods.get(a), signals.neighbourhoods.get(b)) {
        (Some(x), Some(y)) => Some(cosine(x, y)),
        _ => None,
    };
    let topics = topic_overlap(
        signals.topics.get(a).map_or(&[][..], Vec::as_slice),
        signals.topics.get(b).map_or(&[][..], Vec::as_slice),
    );
    let near = Near {
        article_idx: b as u32,
        text,
        entities,
    };
    finish(signals, a, &near, neighbourhood, topics, config)
}

/// The breakdown of `a` against `near` from all its parts but time, which
/// it computes.
fn finish(
    signals: &Signals<'_>,
    a: usize,
    near: &Near,
    neighbourhood: Option<f64>,
    topics: f64,
    config: &RelatedConfig,
) -> Breakdown {
    let b = near.article_idx as usize;
    let time = time_closeness(
        signals.timestamps.get(a).copied().unwrap_or(0),
        signals.timestamps.get(b).copied().unwrap_or(0),
        config.half_life_days,
    );
    let entity_part = entity_part(signals.features, a, b, near.text, near.entities);
    Breakdown {
        text: near.text,
        entities: near.entities,
        neighbourhood: neighbourhood.unwrap_or(0.0),
        topics,
        time,
        total: combine(
            content(near.text, entity_part, neighbourhood, config),
            topics,
            time,
            config,
        ),
    }
}

/// The entity part of the content score: the entity cosine, or the text
/// cosine when either article names no entity at all.
fn entity_part(features: &Features, a: usize, b: usize, text: f64, entities: f64) -> f64 {
    // An article without any name says nothing about entities either way:
    // score it on text alone rather than as "no shared names".
    if vector_of(&features.entity_vectors, a).is_empty()
        || vector_of(&features.entity_vectors, b).is_empty()
    {
        text
    } else {
        entities
    }
}

/// A candidate of an article with the text and entity parts of its score,
/// which the neighbourhood part completes later.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Near {
    /// Index of the other article.
    pub article_idx: u32,
    /// Cosine of the TF-IDF vectors.
    pub text: f64,
    /// Cosine of the entity vectors.
    pub entities: f64,
}

/// One sparse vector spread over a dense array by id, to take its dot
/// product with many others: each other vector then costs only its own
/// length, not a merge of both. One per thread, reused from article to
/// article.
struct Spread {
    /// Per id: the loaded vector's weight, zero elsewhere.
    dense: Vec<f32>,
    /// The ids set in `dense`, to clear them for the next vector.
    loaded: Vec<u32>,
}

impl Spread {
    fn new(n_ids: usize) -> Self {
        Self {
            dense: vec![0.0; n_ids],
            loaded: Vec::new(),
        }
    }

    fn load(&mut self, vector: &[(u32, f32)]) {
        for &id in &self.loaded {
            self.dense[id as usize] = 0.0;
        }
        self.loaded.clear();
        for &(id, weight) in vector {
            if let Some(slot) = self.dense.get_mut(id as usize) {
                *slot = weight;
                self.loaded.push(id);
            }
        }
    }

    /// The dot product with `other` (sorted by id), summed in id order over
    /// the shared ids exactly as [`super::features::sparse_dot`] does, so
    /// the result is the same to the bit.
    fn dot(&self, other: &[(u32, f32)]) -> f64 {
        let mut sum = 0.0f64;
        // Without a branch on whether the id is shared: most are not, and
        // adding their product, +0, leaves the sum exactly as it was, while
        // a branch taken at random costs more than the addition.
        for &(id, weight) in other {
            let mine = self.dense.get(id as usize).copied().unwrap_or(0.0);
            sum += f64::from(mine) * f64::from(weight);
        }
        sum
    }

    /// The dot products with four vectors at once, each the same to the bit
    /// as [`Spread::dot`] with it: each sum adds its own products in the
    /// same order, but the four sums are independent, so the loads of the
    /// four vectors (other articles', in no cache on a large site) overlap
    /// instead of each waiting for the one before.
    fn dots4(&self, others: [&[(u32, f32)]; 4]) -> [f64; 4] {
        let weight_of = |id: u32| f64::from(self.dense.get(id as usize).copied().unwrap_or(0.0));
        let common = others.iter().map(|other| other.len()).min().unwrap_or(0);
        let [a, b, c, d] = others;
        let mut sums = [0.0f64; 4];
        for (((x, y), z), w) in a[..common]
            .iter()
            .zip(&b[..common])
            .zip(&c[..common])
            .zip(&d[..common])
        {
            sums[0] += weight_of(x.0) * f64::from(x.1);
            sums[1] += weight_of(y.0) * f64::from(y.1);
            sums[2] += weight_of(z.0) * f64::from(z.1);
            sums[3] += weight_of(w.0) * f64::from(w.1);
        }
        for (sum, other) in sums.iter_mut().zip(others) {
            for &(id, weight) in &other[common..] {
                *sum += weight_of(id) * f64::from(weight);
            }
        }
        sums
    }
}

/// The text and entity parts of one article against many: its term and
/// entity vectors spread once.
struct PairParts {
    terms: Spread,
    entities: Spread,
    /// Positions in a found list whose parts are still to compute (reused).
    missing: Vec<u32>,
}

impl PairParts {
    fn new(features: &Features) -> Self {
        Self {
            terms: Spread::new(features.term_labels.len()),
            entities: Spread::new(features.entity_labels.len()),
            missing: Vec::new(),
        }
    }

    /// Fills in the parts of the loaded article against `out[pos]` for each
    /// of `positions`, four at a time ([`Spread::dots4`]).
    fn fill(&self, features: &Features, out: &mut [Near], positions: &[u32]) {
        let mut groups = positions.chunks_exact(4);
        for group in &mut groups {
            let others = [group[0], group[1], group[2], group[3]]
                .map(|pos| out[pos as usize].article_idx as usize);
            let text = self
                .terms
                .dots4(others.map(|other| vector_of(&features.vectors, other)));
            let entities = self
                .entities
                .dots4(others.map(|other| vector_of(&features.entity_vectors, other)));
            for (k, &pos) in group.iter().enumerate() {
                let near = &mut out[pos as usize];
                near.text = text[k].clamp(0.0, 1.0);
                near.entities = entities[k].clamp(0.0, 1.0);
            }
        }
        for &pos in groups.remainder() {
            let near = &mut out[pos as usize];
            *near = self.against(features, near.article_idx);
        }
    }

    /// The parts of `article_idx` against each of `others`, in their order
    /// (the site's path goes through [`MutualParts`] instead).
    #[cfg(test)]
    fn of(&mut self, features: &Features, article_idx: usize, others: &[u32]) -> Vec<Near> {
        self.load(features, article_idx);
        others
            .iter()
            .map(|&other| self.against(features, other))
            .collect()
    }

    fn load(&mut self, features: &Features, article_idx: usize) {
        self.terms.load(vector_of(&features.vectors, article_idx));
        self.entities
            .load(vector_of(&features.entity_vectors, article_idx));
    }

    /// The parts of the loaded article against `other`.
    fn against(&self, features: &Features, other: u32) -> Near {
        Near {
            article_idx: other,
            text: self
                .terms
                .dot(vector_of(&features.vectors, other as usize))
                .clamp(0.0, 1.0),
            entities: self
                .entities
                .dot(vector_of(&features.entity_vectors, other as usize))
                .clamp(0.0, 1.0),
        }
    }
}

/// No pair parts computed yet in a [`MutualParts`] slot: the bits of a NaN
/// whose payload is all ones, which no dot product of finite weights
/// produces.
const NOT_YET: u64 = u64::MAX;

/// The text and entity parts of the pairs that both articles found (each
/// is in the other's found list: three quarters of all pairs), computed by
/// whichever side needs them first and read by the other. Both sides
/// compute the same bits (a product of two f32 weights is exact in f64, and
/// both sum over the shared ids in id order), so which side comes first
/// changes the work done, never the result.
struct MutualParts {
    /// Where each article's entries start in `slots`: entry `pos` of
    /// article `a`'s found list is `slots[starts[a] + pos]` (one flat array
    /// instead of a vector per article).
    starts: Vec<usize>,
    /// Per entry of every found list: the pair's slot in `values`, or
    /// `NO_SLOT` when the other article did not find this one. Atomic only
    /// so that both entries of a pair can be written from either side's
    /// thread while it is filled.
    slots: Vec<AtomicU32>,
    /// Per slot: the text and entity parts' bits, `NOT_YET` until computed.
    values: Vec<[AtomicU64; 2]>,
}

/// A found-list entry whose pair has no [`MutualParts`] slot.
const NO_SLOT: u32 = u32::MAX;

impl MutualParts {
    /// The slots of the pairs in `found`, filled visiting the articles in
    /// `order` (their [`locality_order`], so that the lists scanned for
    /// mirrors are mostly in cache).
    fn new(found: &[Vec<u32>], order: &[u32]) -> Self {
        Self::scanning_up_to(found, order, 64)
    }

    /// [`MutualParts::new`], scanning the found lists for mirrors when none
    /// is longer than `scan_up_to`, else looking them up in sorted copies.
    fn scanning_up_to(found: &[Vec<u32>], order: &[u32], scan_up_to: usize) -> Self {
        // Per entry of each found list: where the other article's list has
        // this one, if it does. Lists of the default length (a few dozen
        // ids) are scanned, which beats making sorted copies; a large
        // `related.count` makes them long enough for the scans to grow
        // quadratic, so then each list is looked up in a sorted copy.
        let sorted: Option<Vec<Vec<(u32, u32)>>> =
            (found.iter().any(|list| list.len() > scan_up_to)).then(|| {
                found
                    .par_iter()
                    .map(|list| {
                        let mut pairs: Vec<(u32, u32)> = list
                            .iter()
                            .zip(0u32..)
                            .map(|(&id, pos)| (id, pos))
                            .collect();
                        pairs.sort_unstable();
                        pairs
                    })
                    .collect()
            });
        let position_in = |b: usize, a: usize| -> Option<u32> {
            match &sorted {
                None => found
                    .get(b)?
                    .iter()
                    .position(|&x| x as usize == a)
                    .map(|pos| pos as u32),
                Some(sorted) => {
                    let theirs = sorted.get(b)?;
                    let at = theirs.partition_point(|&(id, _)| (id as usize) < a);
                    theirs
                        .get(at)
                        .filter(|&&(id, _)| id as usize == a)
                        .map(|&(_, pos)| pos)
                }
            }
        };
        let mut starts = Vec::with_capacity(found.len() + 1);
        let mut n_entries = 0;
        starts.push(0);
        for list in found {
            n_entries += list.len();
            starts.push(n_entries);
        }
        let slots: Vec<AtomicU32> = (0..n_entries)
            .into_par_iter()
            .map(|_| AtomicU32::new(NO_SLOT))
            .collect();
        // Each pair is looked for once, from the side of its smaller index,
        // which then writes the slot into both sides' entries. Slots are
        // numbered in the order threads take them, which changes where a
        // pair's parts are kept, never what they are.
        let n_slots = AtomicU32::new(0);
        order
            .par_iter()
            .for_each_init(Vec::new, |mirrors: &mut Vec<(usize, usize)>, &a| {
                let a = a as usize;
                let Some(list) = found.get(a) else {
                    return;
                };
                mirrors.clear();
                for (pos, &b) in list.iter().enumerate() {
                    let b = b as usize;
                    if b > a {
                        if let Some(theirs) = position_in(b, a) {
                            mirrors.push((starts[a] + pos, starts[b] + theirs as usize));
                        }
                    }
                }
                let base = n_slots.fetch_add(mirrors.len() as u32, Ordering::Relaxed);
                for (&(mine, theirs), slot) in mirrors.iter().zip(base..) {
                    slots[mine].store(slot, Ordering::Relaxed);
                    slots[theirs].store(slot, Ordering::Relaxed);
                }
            });
        let values = (0..n_slots.into_inner())
            .into_par_iter()
            .map(|_| [AtomicU64::new(NOT_YET), AtomicU64::new(NOT_YET)])
            .collect();
        Self {
            starts,
            slots,
            values,
        }
    }

    /// The slot entries of `article_idx`'s found list.
    fn slots_of(&self, article_idx: usize) -> &[AtomicU32] {
        match (
            self.starts.get(article_idx),
            self.starts.get(article_idx + 1),
        ) {
            (Some(&start), Some(&end)) => &self.slots[start..end],
            _ => &[],
        }
    }

    /// The values of the slot in `entry`, if it has one.
    fn value(&self, entry: Option<&AtomicU32>) -> Option<&[AtomicU64; 2]> {
        let slot = entry?.load(Ordering::Relaxed);
        self.values.get(slot as usize)
    }

    /// The parts of `article_idx` against each of `others` (its found
    /// list), in their order, into `out` (cleared first; reused from
    /// article to article): from the slot when the other side already
    /// computed them.
    fn of(
        &self,
        parts: &mut PairParts,
        features: &Features,
        article_idx: usize,
        others: &[u32],
        out: &mut Vec<Near>,
    ) {
        parts.load(features, article_idx);
        let slots = self.slots_of(article_idx);
        let mut missing = std::mem::take(&mut parts.missing);
        missing.clear();
        out.clear();
        for (pos, &other) in others.iter().enumerate() {
            let value = self.value(slots.get(pos));
            // The text is stored last (release) and read first
            // (acquire), so its presence means the entities are there.
            let text = value.map_or(NOT_YET, |value| value[0].load(Ordering::Acquire));
            if let (Some(value), false) = (value, text == NOT_YET) {
                out.push(Near {
                    article_idx: other,
                    text: f64::from_bits(text),
                    entities: f64::from_bits(value[1].load(Ordering::Relaxed)),
                });
            } else {
                out.push(Near {
                    article_idx: other,
                    text: 0.0,
                    entities: 0.0,
                });
                missing.push(pos as u32);
            }
        }
        touch(missing.iter().flat_map(|&pos| {
            let other = others[pos as usize] as usize;
            [
                vector_of(&features.vectors, other),
                vector_of(&features.entity_vectors, other),
            ]
        }));
        parts.fill(features, out, &missing);
        for &pos in &missing {
            let pos = pos as usize;
            if let Some(value) = self.value(slots.get(pos)) {
                let near = out[pos];
                value[1].store(near.entities.to_bits(), Ordering::Relaxed);
                value[0].store(near.text.to_bits(), Ordering::Release);
            }
        }
        parts.missing = missing;
    }
}

/// Terms an article's vector keeps for related stories, threads and
/// duplicates: its strongest, renormalised (see [`shorten_vectors`]).
pub const RELATED_TERMS: usize = 128;

/// Cuts each vector to its `max_terms` strongest entries (ties by id) and
/// scales it back to unit length, in place; shorter vectors stay as they
/// are. Automatic topics read the full vectors; every later step reads many
/// vectors per article (the dot products of the closest candidates, the
/// neighbourhood sums, threads' centroids, reasons), and the weakest terms
/// of a long article cost the most there and decide the least.
pub fn shorten_vectors(vectors: &mut [SparseVector], max_terms: usize) {
    if max_terms == 0 {
        return;
    }
    vectors
        .par_iter_mut()
        .for_each_init(Vec::new, |weights, vector| {
            if vector.len() <= max_terms {
                return;
            }
            // Into a new buffer of the new length: shrinking in place would
            // keep the old block (the allocator keeps a block shrunk by less
            // than half), and the point is the memory.
            weights.clear();
            weights.extend_from_slice(vector);
            *vector = strongest_unit(weights, max_terms);
        });
}

/// How much an article's own TF-IDF vector counts in its neighbourhood
/// vector, against its neighbours' similarity to it (at most 1 each). Below
/// 1, so that what the article shares with the stories around it outweighs
/// its own wording (on the Lee corpus 0.5 beats 1: 0.70 against 0.68).
const NEIGHBOURHOOD_SELF_WEIGHT: f32 = 0.5;

/// Terms kept in a neighbourhood vector: as many as in an article's own
/// vector for related stories, which bounds memory and the cost of each
/// cosine.
const NEIGHBOURHOOD_TERMS: usize = RELATED_TERMS;

/// Sums vectors into a neighbourhood vector; one per thread, its buffers
/// reused from article to article.
struct Expander {
    /// Per term id: the weight summed so far.
    sums: Vec<f32>,
    /// The term ids with a weight in `sums`, to clear them afterwards.
    touched: Vec<u32>,
    /// The touched terms' [`heaviest_key`]s, to select the strongest.
    keys: Vec<u64>,
    /// Scratch for [`keep_heaviest`].
    sample: Vec<u64>,
}

impl Expander {
    fn new(n_terms: usize) -> Self {
        Self {
            sums: vec![0f32; n_terms],
            touched: Vec::new(),
            keys: Vec::new(),
            sample: Vec::new(),
        }
    }

    /// The neighbourhood vector of `article_idx` with the neighbours
    /// `near` (index and similarity), as
    /// [`candidates_and_neighbourhoods`] describes.
    fn expand(
        &mut self,
        features: &Features,
        article_idx: usize,
        near: &[(u32, f32)],
    ) -> SparseVector {
        let vector = |idx: usize| features.vectors.get(idx).map_or(&[][..], Vec::as_slice);
        let members = std::iter::once((article_idx, NEIGHBOURHOOD_SELF_WEIGHT)).chain(
            near.iter()
                .map(|&(other, similarity)| (other as usize, similarity)),
        );
        let most = vector(article_idx).len()
            + near
                .iter()
                .map(|&(other, _)| vector(other as usize).len())
                .sum::<usize>();
        self.touched.resize(most, 0);
        let mut n_touched = 0;
        for (member, scale) in members {
            for &(id, weight) in vector(member) {
                let slot = &mut self.sums[id as usize];
                // Noted when first touched, without a branch (which would
                // be taken at random): written always, kept by moving on.
                if let Some(noted) = self.touched.get_mut(n_touched) {
                    *noted = id;
                }
                n_touched += usize::from(*slot == 0.0);
                *slot += scale * weight;
            }
        }
        self.touched.truncate(n_touched);
        // The strongest terms by a numeric key (same order as below).
        let keys = &mut self.keys;
        keys.clear();
        keys.extend(
            self.touched
                .iter()
                .map(|&id| heaviest_key(id, self.sums[id as usize])),
        );
        keep_heaviest(keys, NEIGHBOURHOOD_TERMS, &mut self.sample);
        if keys.len() > NEIGHBOURHOOD_TERMS {
            keys.select_nth_unstable_by(NEIGHBOURHOOD_TERMS, |a, b| b.cmp(a));
            keys.truncate(NEIGHBOURHOOD_TERMS);
        }
        let mut expanded: Vec<(u32, f32)> = keys
            .iter()
            .map(|&key| {
                let id = id_of_key(key);
                (id, self.sums[id as usize])
            })
            .collect();
        for &id in &self.touched {
            self.sums[id as usize] = 0.0;
        }
        self.touched.clear();
        expanded.sort_unstable_by_key(|&(id, _)| id);
        let norm = expanded
            .iter()
            .map(|&(_, w)| f64::from(w).powi(2))
            .sum::<f64>()
            .sqrt();
        if norm == 0.0 {
            return Vec::new();
        }
        for entry in &mut expanded {
            entry.1 = (f64::from(entry.1) / norm) as f32;
        }
        expanded
    }
}

/// The `n_nearest` of `pairs` most similar to article `article_idx` by
/// text and entities (the content score without neighbourhoods), most
/// similar first, ties by index; none scoring 0. Each as its
/// [`heaviest_key`] (the similarity and the other article) and its
/// position in `pairs`, in `ranked` (reused from article to article): the
/// closest few of a few dozen are selected and sorted by integer keys
/// instead of sorting them all by a float and then the index.
fn closest<'r>(
    named: &[bool],
    article_idx: usize,
    pairs: &[Near],
    n_nearest: usize,
    config: &RelatedConfig,
    ranked: &'r mut Vec<(u64, u32)>,
) -> &'r [(u64, u32)] {
    ranked.clear();
    for (pos, near) in (0u32..).zip(pairs) {
        let other = near.article_idx as usize;
        let entity_part = entity_part_named(named, article_idx, other, near.text, near.entities);
        let similarity = content(near.text, entity_part, None, config) as f32;
        if similarity > 0.0 {
            ranked.push((heaviest_key(near.article_idx, similarity), pos));
        }
    }
    // The keys are distinct (each other article is in a found list once),
    // so the positions never decide the order.
    if n_nearest > 0 && ranked.len() > n_nearest {
        ranked.select_nth_unstable_by(n_nearest - 1, |a, b| b.cmp(a));
    }
    ranked.truncate(n_nearest);
    ranked.sort_unstable_by(|a, b| b.cmp(a));
    ranked
}

/// Buffers one thread of [`nearest_and_neighbourhoods`] reuses from
/// article to article.
struct NearestScratch {
    parts: PairParts,
    expander: Expander,
    /// The parts of the article against each of its found list.
    pairs: Vec<Near>,
    /// [`closest`]'s picks.
    ranked: Vec<(u64, u32)>,
    /// The neighbours that make up the neighbourhood, with their
    /// similarity.
    neighbours: Vec<(u32, f32)>,
}

/// What the site scores pairs from: each article's candidates (the
/// `n_candidates` closest of twice as many found through the inverted
/// index), with their text and entity parts, and its neighbourhood vector.
/// [`crate::analyse::Model`] and the evaluation on the Lee corpus
/// (`examples/eval_lee.rs`) both use this.
///
/// An article's neighbourhood vector is its own TF-IDF vector (at half
/// weight) plus those of its `n_neighbours` most similar candidates, each
/// weighted by its text-and-entity similarity, cut to its strongest 128
/// terms (as many as an article's vector keeps, see
/// [`shorten_vectors`]), L2-normalised and sorted by term id. The cosine of two such vectors is high when the two
/// articles and the stories around them use the same words, which smooths
/// over different wording the way latent semantic methods do (an article
/// about a "striker" and one about a "goalkeeper" meet through the match
/// reports around both).
pub fn candidates_and_neighbourhoods(
    features: &Features,
    n_candidates: usize,
    n_neighbours: usize,
    config: &RelatedConfig,
) -> (Vec<Vec<Near>>, Vec<SparseVector>) {
    let found = candidate_indices(features, n_candidates * 2);
    let order = locality_order(&found, |&other| other as usize);
    nearest_and_neighbourhoods(features, &found, &order, n_candidates, n_neighbours, config)
}

/// The second half of [`candidates_and_neighbourhoods`], from the lists
/// [`candidate_indices`] found (twice as many as `n_candidates`), visiting
/// the articles in `order` (their [`locality_order`]).
pub fn nearest_and_neighbourhoods(
    features: &Features,
    found: &[Vec<u32>],
    order: &[u32],
    n_candidates: usize,
    n_neighbours: usize,
    config: &RelatedConfig,
) -> (Vec<Vec<Near>>, Vec<SparseVector>) {
    let n_terms = features.term_labels.len();
    // The inverted index finds candidates by a rough overlap of their
    // strongest terms; asking it for twice as many as are scored and
    // keeping the closest by the full cosine finds nearer neighbours for the
    // same scoring work. The similarities that choose them also weigh the
    // neighbours, in the same pass, and their parts are kept for scoring.
    let mutual = MutualParts::new(found, order);
    let named = named(features);
    let results = map_in_order(
        order,
        || NearestScratch {
            parts: PairParts::new(features),
            expander: Expander::new(n_terms),
            pairs: Vec::new(),
            ranked: Vec::new(),
            neighbours: Vec::new(),
        },
        |scratch, article_idx| {
            let pairs = &mut scratch.pairs;
            let found = &found[article_idx];
            mutual.of(&mut scratch.parts, features, article_idx, found, pairs);
            let ranked = closest(
                &named,
                article_idx,
                pairs,
                n_candidates,
                config,
                &mut scratch.ranked,
            );
            let neighbours = &mut scratch.neighbours;
            neighbours.clear();
            neighbours.extend(
                ranked
                    .iter()
                    .take(n_neighbours)
                    .map(|&(key, _)| (id_of_key(key), weight_of_key(key))),
            );
            let near: Vec<Near> = ranked.iter().map(|&(_, pos)| pairs[pos as usize]).collect();
            touch(
                neighbours
                    .iter()
                    .map(|&(other, _)| vector_of(&features.vectors, other as usize)),
            );
            let around = scratch.expander.expand(features, article_idx, neighbours);
            (near, around)
        },
    );
    results.into_iter().unzip()
}

/// Reads one entry of every cache line of each of `vectors`, so that they
/// are all being fetched at once (the loads do not depend on each other)
/// before the work that reads them one by one: on a large site the vectors
/// of the articles compared are in no cache, and a vector's first line
/// then waits the whole way to memory.
pub fn touch<'v>(vectors: impl Iterator<Item = &'v [(u32, f32)]>) {
    // Eight entries of 8 bytes to a 64-byte line; ids xor-ed, one cycle
    // each, so the sum is no chain of slow additions.
    let mut seen = 0u32;
    for vector in vectors {
        for entry in vector.iter().step_by(8) {
            seen ^= entry.0;
        }
    }
    std::hint::black_box(seen);
}

/// Per article: whether it names any entity (see [`entity_part`]), in one
/// small array instead of a read of each entity vector's header.
fn named(features: &Features) -> Vec<bool> {
    features
        .entity_vectors
        .iter()
        .map(|vector| !vector.is_empty())
        .collect()
}

/// [`entity_part`] from the [`named`] flags.
fn entity_part_named(named: &[bool], a: usize, b: usize, text: f64, entities: f64) -> f64 {
    if named.get(a) == Some(&true) && named.get(b) == Some(&true) {
        entities
    } else {
        text
    }
}

/// The bits of `weight` as an unsigned number in the order of
/// `f32::total_cmp`: comparing these compares the weights.
fn order_bits(weight: f32) -> u32 {
    let bits = weight.to_bits();
    if bits >> 31 == 1 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

/// A key ordering (id, weight) pairs heaviest first, ties by smaller id,
/// as a plain number (larger key first): the weight's [`order_bits`] above,
/// the id reversed below. Selecting and sorting keys is then integer
/// comparisons instead of `total_cmp` then the id.
fn heaviest_key(id: u32, weight: f32) -> u64 {
    (u64::from(order_bits(weight)) << 32) | u64::from(u32::MAX - id)
}

/// Drops from `keys` some that cannot be among its `keep` largest, so that
/// selecting them costs less: the keys at or above a threshold guessed
/// from every eighth key, when at least `keep` are; the rest are below the
/// `keep` largest. Leaves `keys` as it is when the guess keeps too few (the
/// selection after it is exact either way).
fn keep_heaviest(keys: &mut Vec<u64>, keep: usize, sample: &mut Vec<u64>) {
    const STRIDE: usize = 8;
    if keep == 0 || keys.len() <= 4 * keep {
        return;
    }
    sample.clear();
    sample.extend(keys.iter().step_by(STRIDE));
    // Rank in the sample of about 1.5 × keep / STRIDE: above the keep-th
    // largest key by a margin, so the guess rarely keeps too few.
    let rank = (keep + keep / 2) / STRIDE;
    if rank >= sample.len() {
        return;
    }
    let (_, &mut threshold, _) = sample.select_nth_unstable_by(rank, |a, b| b.cmp(a));
    let n_above = keys.iter().filter(|&&key| key >= threshold).count();
    if n_above >= keep {
        keys.retain(|&key| key >= threshold);
    }
}

/// The id of a [`heaviest_key`].
fn id_of_key(key: u64) -> u32 {
    u32::MAX - key as u32
}

/// The weight of a [`heaviest_key`], to the bit: [`order_bits`] undone.
fn weight_of_key(key: u64) -> f32 {
    let bits = (key >> 32) as u32;
    f32::from_bits(if bits >> 31 == 1 {
        bits & 0x7fff_ffff
    } else {
        !bits
    })
}

/// An order of the articles in which each comes soon after others it is
/// compared with: a walk that goes from each article to its first
/// (closest) list entry not yet visited, and when there is none, on to the
/// next article by index.
///
/// The steps that compare every article with its few dozen candidates read
/// the candidates' vectors, which over 100,000 articles (about 140 MB)
/// stay in no cache; in this order consecutive articles share most of their
/// candidates, so their vectors are read from cache. The order changes
/// only when work is done, never its result.
pub fn locality_order<T>(lists: &[Vec<T>], other: impl Fn(&T) -> usize) -> Vec<u32> {
    let mut seen = vec![false; lists.len()];
    let mut order = Vec::with_capacity(lists.len());
    for start in 0..lists.len() {
        let mut current = start;
        while !seen[current] {
            seen[current] = true;
            order.push(current as u32);
            if let Some(next) = lists[current]
                .iter()
                .map(&other)
                .find(|&next| seen.get(next) == Some(&false))
            {
                current = next;
            }
        }
    }
    order
}

/// `work(state, article_idx)` for every article of `order`, in parallel
/// and in that order (each thread with its own `state` from `init`), with
/// the results in article order.
pub fn map_in_order<S, R: Send>(
    order: &[u32],
    init: impl Fn() -> S + Sync + Send,
    work: impl Fn(&mut S, usize) -> R + Sync + Send,
) -> Vec<R> {
    let results: Vec<(u32, R)> = order
        .par_iter()
        .map_init(init, |state, &article_idx| {
            (article_idx, work(state, article_idx as usize))
        })
        .collect();
    into_article_order(results)
}

/// Results tagged with their article, as parallel work over an order
/// gives them back, in article order without the tags.
fn into_article_order<R>(mut results: Vec<(u32, R)>) -> Vec<R> {
    results.sort_unstable_by_key(|&(article_idx, _)| article_idx);
    results.into_iter().map(|(_, result)| result).collect()
}

/// Jaccard overlap of two sorted, deduplicated topic lists.
pub fn topic_overlap(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let n_shared = a
        .iter()
        .filter(|topic| b.binary_search(topic).is_ok())
        .count();
    let n_union = a.len() + b.len() - n_shared;
    n_shared as f64 / n_union as f64
}

/// `0.5 ^ (days apart / half_life_days)`; with a half-life of 0 only the
/// same instant counts as close.
pub fn time_closeness(a: i64, b: i64, half_life_days: f64) -> f64 {
    let days = (a.abs_diff(b) as f64) / SECONDS_PER_DAY;
    if half_life_days > 0.0 {
        0.5f64.powf(days / half_life_days)
    } else if days == 0.0 {
        1.0
    } else {
        0.0
    }
}

/// Shared entities and terms of two articles, readable, strongest first:
/// up to `max` reasons, entities before terms, and no term that merely
/// repeats an entity ("putin" after "Vladimir Putin").
pub fn reasons(features: &Features, a: usize, b: usize, max: usize) -> Vec<String> {
    let fill_terms = |terms: &mut Vec<(u32, f64)>| {
        terms.clear();
        terms.extend(shared(
            vector_of(&features.vectors, a),
            vector_of(&features.vectors, b),
        ));
    };
    reasons_from(
        features,
        a,
        b,
        max,
        &mut ReasonScratch::default(),
        fill_terms,
    )
}

/// Buffers [`reasons_from`] reuses from pair to pair: it runs for every
/// shown related story, and allocating them anew cost more than filling
/// them.
#[derive(Default)]
struct ReasonScratch {
    /// The shared entities, then the shared terms, with the products of
    /// their weights.
    shared: Vec<(u32, f64)>,
}

/// Finds [`reasons`] for many pairs that share their first article, as the
/// related stories of one article do: the first article's term vector is
/// spread into a dense array once, so each pair costs the length of the
/// second article's vector instead of a merge of both.
pub struct ReasonFinder<'f> {
    features: &'f Features,
    /// The term weights of `loaded`, by term id; zero elsewhere.
    dense: Vec<f32>,
    loaded: Option<usize>,
    scratch: ReasonScratch,
}

impl<'f> ReasonFinder<'f> {
    /// A finder over `features`, with room for every term.
    pub fn new(features: &'f Features) -> Self {
        Self {
            features,
            dense: vec![0.0; features.term_labels.len()],
            loaded: None,
            scratch: ReasonScratch::default(),
        }
    }

    /// The same as [`reasons`]`(features, a, b, max)`.
    pub fn reasons(&mut self, a: usize, b: usize, max: usize) -> Vec<String> {
        let features = self.features;
        if self.loaded != Some(a) {
            if let Some(previous) = self.loaded.take() {
                for &(id, _) in vector_of(&features.vectors, previous) {
                    self.dense[id as usize] = 0.0;
                }
            }
            for &(id, weight) in vector_of(&features.vectors, a) {
                if let Some(slot) = self.dense.get_mut(id as usize) {
                    *slot = weight;
                }
            }
            self.loaded = Some(a);
        }
        let dense = &self.dense;
        let fill_terms = |terms: &mut Vec<(u32, f64)>| {
            // The same pairs and products as `shared`, not yet in order.
            // Each entry is written and kept only when shared, without a
            // branch (which would be taken at random: a third are shared).
            let theirs = vector_of(&features.vectors, b);
            terms.clear();
            terms.resize(theirs.len(), (0, 0.0));
            let mut n_shared = 0;
            for &(id, weight) in theirs {
                let mine = dense.get(id as usize).copied().unwrap_or(0.0);
                terms[n_shared] = (id, f64::from(mine) * f64::from(weight));
                n_shared += usize::from(mine != 0.0);
            }
            terms.truncate(n_shared);
        };
        reasons_from(features, a, b, max, &mut self.scratch, fill_terms)
    }
}

fn vector_of(vectors: &[Vec<(u32, f32)>], idx: usize) -> &[(u32, f32)] {
    vectors.get(idx).map_or(&[][..], Vec::as_slice)
}

/// How many of the strongest items [`strongest_first`] picks in its first
/// pass: a related story shows at most a few reasons, and the words it
/// skips (repeating a name) are few.
const FIRST_PICKS: usize = 8;

/// Visits `items` (id, weight; each id once) strongest first, ties by id,
/// as [`shared`] orders them, until `visit` returns false. Reasons need the
/// first few of a few dozen: one pass keeps the strongest
/// [`FIRST_PICKS`] in a small sorted array, and the rest are sorted only
/// when the visit goes past them.
fn strongest_first(items: &[(u32, f64)], mut visit: impl FnMut(u32) -> bool) {
    use std::cmp::Ordering::{Greater, Less};
    let order = |x: &(u32, f64), y: &(u32, f64)| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0));
    let mut top = [(0u32, 0f64); FIRST_PICKS];
    let mut n_top = 0;
    for item in items {
        if n_top == FIRST_PICKS && order(item, &top[FIRST_PICKS - 1]) != Less {
            continue;
        }
        // Insertion: the last entry (or a free one) makes room, and
        // entries the item comes before move down one.
        let mut pos = n_top.min(FIRST_PICKS - 1);
        n_top = (n_top + 1).min(FIRST_PICKS);
        while pos > 0 && order(item, &top[pos - 1]) == Less {
            top[pos] = top[pos - 1];
            pos -= 1;
        }
        top[pos] = *item;
    }
    for &(id, _) in &top[..n_top] {
        if !visit(id) {
            return;
        }
    }
    if items.len() <= n_top {
        return;
    }
    // Visited all the picks and wants more: the rest, all after the last
    // pick (a total order), sorted.
    let last = top[n_top - 1];
    let mut rest: Vec<(u32, f64)> = items
        .iter()
        .copied()
        .filter(|item| order(item, &last) == Greater)
        .collect();
    rest.sort_unstable_by(order);
    for (id, _) in rest {
        if !visit(id) {
            return;
        }
    }
}

/// The ids two sparse vectors sorted by id share, with the product of
/// their weights, in id order, into `out` (cleared first).
fn shared_into(a: &[(u32, f32)], b: &[(u32, f32)], out: &mut Vec<(u32, f64)>) {
    out.clear();
    let (mut i, mut j) = (0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.0.cmp(&y.0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push((x.0, f64::from(x.1) * f64::from(y.1)));
                i += 1;
                j += 1;
            }
        }
    }
}

/// `text` lowercased into `into` (cleared first); ASCII without the
/// general Unicode path, same result.
fn lowercase_into(text: &str, into: &mut String) {
    into.clear();
    if text.is_ascii() {
        into.push_str(text);
        into.make_ascii_lowercase();
    } else {
        into.push_str(&text.to_lowercase());
    }
}

/// [`reasons`], with the shared terms (in any order) put into the scratch
/// buffer by `fill_terms` only when the entities leave room for them.
/// Borrows labels and copies only the few it keeps, because it runs for
/// every shown related story.
fn reasons_from(
    features: &Features,
    a: usize,
    b: usize,
    max: usize,
    scratch: &mut ReasonScratch,
    fill_terms: impl FnOnce(&mut Vec<(u32, f64)>),
) -> Vec<String> {
    fn label(labels: &[String], id: u32) -> &str {
        labels.get(id as usize).map_or("", String::as_str)
    }
    let shared = &mut scratch.shared;
    shared_into(
        vector_of(&features.entity_vectors, a),
        vector_of(&features.entity_vectors, b),
        shared,
    );
    let mut strongest_entities: Vec<u32> = Vec::with_capacity(3);
    strongest_first(shared, |id| {
        strongest_entities.push(id);
        strongest_entities.len() < 3
    });
    let mut out: Vec<String> = Vec::new();
    // Each kept reason lowercased, parallel to `out`; its words are its
    // parts between spaces.
    let mut kept_lower: Vec<String> = Vec::new();
    let mut lower = String::new();
    for id in strongest_entities {
        let label = label(&features.entity_labels, id);
        lowercase_into(label, &mut lower);
        let words = || lower.split(' ');
        // "Putin" adds nothing after "Vladimir Putin"; "Vladimir Putin"
        // replaces a "Putin" listed before it.
        if kept_lower
            .iter()
            .any(|kept| words().all(|w| kept.split(' ').any(|k| k == w)))
        {
            continue;
        }
        if let Some(slot) = kept_lower
            .iter()
            .position(|kept| kept.split(' ').all(|k| words().any(|w| w == k)))
        {
            out[slot] = label.to_owned();
            kept_lower[slot] = std::mem::take(&mut lower);
            continue;
        }
        out.push(label.to_owned());
        kept_lower.push(std::mem::take(&mut lower));
    }
    if out.len() < max {
        fill_terms(shared);
        strongest_first(shared, |id| {
            let label = label(&features.term_labels, id);
            lowercase_into(label, &mut lower);
            if !kept_lower.iter().any(|kept| {
                kept.split(' ')
                    .any(|word| word.starts_with(lower.as_str()) || lower.starts_with(word))
            }) {
                out.push(label.to_owned());
                kept_lower.push(std::mem::take(&mut lower));
            }
            out.len() < max
        });
    }
    out.truncate(max);
    out
}

/// Readable labels, each with its share of a cosine.
pub type LabelWeights = Vec<(String, f64)>;

/// The shared entities and the shared terms of two articles, each with its
/// share of the cosine, strongest first.
pub fn shared_labels(features: &Features, a: usize, b: usize) -> (LabelWeights, LabelWeights) {
    fn get(vectors: &[Vec<(u32, f32)>], idx: usize) -> &[(u32, f32)] {
        vectors.get(idx).map_or(&[][..], Vec::as_slice)
    }
    let label = |labels: &[String], id: u32| labels.get(id as usize).cloned().unwrap_or_default();
    let entities = shared(
        get(&features.entity_vectors, a),
        get(&features.entity_vectors, b),
    )
    .into_iter()
    .map(|(id, weight)| (label(&features.entity_labels, id), weight))
    .collect();
    let terms = shared(get(&features.vectors, a), get(&features.vectors, b))
        .into_iter()
        .map(|(id, weight)| (label(&features.term_labels, id), weight))
        .collect();
    (entities, terms)
}

/// A candidate related article and the parts of its score that the later
/// steps read (threads, related lists; duplicates read [`Near`]); [`breakdown`] gives all
/// of them. Kept small: every article has a few dozen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// Index of the other article.
    pub article_idx: usize,
    /// Cosine of the TF-IDF vectors ([`Breakdown::text`]).
    pub text: f64,
    /// Cosine of the entity vectors ([`Breakdown::entities`]).
    pub entities: f64,
    /// The combined score ([`Breakdown::total`]).
    pub total: f64,
}

/// For every article, the articles worth scoring against it: those sharing
/// one of its strongest terms or entities through the inverted index, at
/// most `n_candidates` of them, most overlap first. Very common terms are
/// left out of the index, so the work grows with the number of articles,
/// not with its square.
pub fn candidate_indices(features: &Features, n_candidates: usize) -> Vec<Vec<u32>> {
    let n_articles = features.vectors.len();
    // A term in more articles than this is too common to find related
    // stories with. The limit grows with the site up to `MAX_POSTINGS` and
    // then stays, so each article's search costs at most a fixed amount and
    // the whole search grows linearly (a limit growing with the square root
    // made 100,000 articles cost 28 times what 10,000 did).
    let max_postings =
        ((n_articles as f64).sqrt() * 4.0).clamp(200.0, MAX_POSTINGS as f64) as usize;
    let term_index = InvertedIndex::new(&features.vectors, INDEX_TERMS, max_postings);
    let entity_index = InvertedIndex::new(&features.entity_vectors, INDEX_ENTITIES, max_postings);
    // Articles visited grouped by their strongest listed term: those of
    // one group read the same posting lists and add into the same other
    // articles' accumulator slots, which over a large site are then in
    // cache. Each article's search is on its own, so the order changes the
    // work's speed, never its result.
    let mut order: Vec<u32> = (0..n_articles as u32).collect();
    order.par_sort_unstable_by_key(|&article_idx| {
        (term_index.first_listed(article_idx as usize), article_idx)
    });
    map_in_order(
        &order,
        || (vec![0f32; n_articles], Vec::<u32>::new(), Vec::<u64>::new()),
        |(accumulator, touched, keys), article_idx| {
            let mut n_touched = 0;
            term_index.accumulate(article_idx, accumulator, touched, &mut n_touched, 1.0);
            entity_index.accumulate(article_idx, accumulator, touched, &mut n_touched, 0.5);
            // Most overlap first, ties by index, as [`heaviest_key`]s: a
            // total order, so selecting the first `n_candidates` and
            // sorting only them gives what sorting them all would.
            // The best so far, cut back to `n_candidates` whenever it
            // holds four times as many; an article below the weakest of
            // a cut-back set is beaten by all of them, so it is not kept
            // at all. Thousands of articles are touched, a few dozen
            // kept: this avoids collecting and selecting them all.
            let keep = n_candidates.max(1);
            let mut weakest = 0u64;
            keys.clear();
            for &other in &touched[..n_touched] {
                let slot = &mut accumulator[other as usize];
                let key = heaviest_key(other, *slot);
                *slot = 0.0;
                if key >= weakest && other as usize != article_idx {
                    keys.push(key);
                    if keys.len() >= 4 * keep {
                        keys.select_nth_unstable_by(keep - 1, |a, b| b.cmp(a));
                        keys.truncate(keep);
                        weakest = keys[keep - 1];
                    }
                }
            }
            if keys.len() > keep {
                keys.select_nth_unstable_by(keep - 1, |a, b| b.cmp(a));
            }
            keys.truncate(n_candidates);
            keys.sort_unstable_by(|a, b| b.cmp(a));
            keys.iter().map(|&key| id_of_key(key)).collect::<Vec<u32>>()
        },
    )
}

/// Scores every candidate of every article (their text and entity parts
/// already known); drops those scoring 0. Visits the articles in `order`
/// (a permutation of them, see [`locality_order`]), and takes the lists to
/// free each one once scored: the scored lists replace them instead of
/// adding to them (at 100,000 articles each set is about 80 MB).
pub fn score_candidates(
    signals: &Signals<'_>,
    mut candidate_lists: Vec<Vec<Near>>,
    order: &[u32],
    config: &RelatedConfig,
) -> Vec<Vec<Candidate>> {
    let n_terms = signals.features.term_labels.len();
    let topic_ids = topic_ids(signals.topics);
    let topics_of = |idx: usize| topic_ids.get(idx).map_or(&[][..], Vec::as_slice);
    let topic_bits = topic_bits(&topic_ids);
    let overlap = |a: usize, b: usize| match &topic_bits {
        Some(bits) => overlap_of_bits(
            bits.get(a).copied().unwrap_or(0),
            bits.get(b).copied().unwrap_or(0),
        ),
        None => overlap_of_ids(topics_of(a), topics_of(b)),
    };
    let in_order: Vec<(u32, Vec<Near>)> = order
        .iter()
        .filter_map(|&article_idx| {
            let list = candidate_lists.get_mut(article_idx as usize)?;
            Some((article_idx, std::mem::take(list)))
        })
        .collect();
    drop(candidate_lists);
    let named = named(signals.features);
    let results: Vec<(u32, Vec<Candidate>)> = in_order
        .into_par_iter()
        .map_init(
            || (Spread::new(n_terms), Vec::new()),
            |(around, dots), (article_idx, list)| {
                let article_idx = article_idx as usize;
                let mine = signals.neighbourhoods.get(article_idx);
                around.load(mine.map_or(&[][..], Vec::as_slice));
                // The neighbourhood parts first, four at a time.
                let theirs = |near: &Near| {
                    signals
                        .neighbourhoods
                        .get(near.article_idx as usize)
                        .map(Vec::as_slice)
                };
                let dots: &mut Vec<Option<f64>> = dots;
                dots.clear();
                touch(list.iter().filter_map(&theirs));
                let mut groups = list.chunks_exact(4);
                for group in &mut groups {
                    let found = [&group[0], &group[1], &group[2], &group[3]].map(theirs);
                    let sums = around.dots4(found.map(|v| v.unwrap_or(&[])));
                    for (sum, vector) in sums.into_iter().zip(found) {
                        dots.push(vector.map(|_| sum));
                    }
                }
                for near in groups.remainder() {
                    dots.push(theirs(near).map(|v| around.dot(v)));
                }
                let scored = list
                    .iter()
                    .zip(dots.iter())
                    .map(|(near, &dot)| {
                        let other = near.article_idx as usize;
                        let neighbourhood = match (mine, dot) {
                            (Some(_), Some(dot)) => Some(dot.clamp(0.0, 1.0)),
                            _ => None,
                        };
                        let topics = overlap(article_idx, other);
                        let time = time_closeness(
                            signals.timestamps.get(article_idx).copied().unwrap_or(0),
                            signals.timestamps.get(other).copied().unwrap_or(0),
                            config.half_life_days,
                        );
                        let entity_part =
                            entity_part_named(&named, article_idx, other, near.text, near.entities);
                        let total = combine(
                            content(near.text, entity_part, neighbourhood, config),
                            topics,
                            time,
                            config,
                        );
                        Candidate {
                            article_idx: other,
                            text: near.text,
                            entities: near.entities,
                            total,
                        }
                    })
                    .filter(|candidate| candidate.total > 0.0)
                    .collect();
                (article_idx as u32, scored)
            },
        )
        .collect();
    into_article_order(results)
}

/// Each article's topic names as ids, numbered in name order so that sorted
/// lists stay sorted: comparing ids is what comparing the names was.
fn topic_ids(topics: &[Vec<String>]) -> Vec<Vec<u32>> {
    let mut names: Vec<&str> = topics.iter().flatten().map(String::as_str).collect();
    names.sort_unstable();
    names.dedup();
    topics
        .iter()
        .map(|list| {
            list.iter()
                .filter_map(|name| names.binary_search(&name.as_str()).ok())
                .map(|id| id as u32)
                .collect()
        })
        .collect()
}

/// Each article's topic ids from [`topic_ids`] as the bits of one number,
/// when there are at most 64 topics (a site has a dozen or so): scoring
/// then reads one array of numbers, not each candidate's own small list,
/// which over a large site is in no cache. `None` with more topics.
fn topic_bits(topic_ids: &[Vec<u32>]) -> Option<Vec<u64>> {
    topic_ids
        .iter()
        .map(|ids| {
            ids.iter()
                .try_fold(0u64, |bits, &id| Some(bits | 1u64.checked_shl(id)?))
        })
        .collect()
}

/// [`overlap_of_ids`] of two [`topic_bits`] sets: the same counts (the
/// id lists have no repeats), so the same ratio to the bit.
fn overlap_of_bits(a: u64, b: u64) -> f64 {
    let n_union = (a | b).count_ones();
    if n_union == 0 {
        return 0.0;
    }
    f64::from((a & b).count_ones()) / f64::from(n_union)
}

/// [`topic_overlap`] of two id lists from [`topic_ids`].
fn overlap_of_ids(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let n_shared = a.iter().filter(|id| b.contains(id)).count();
    let n_union = a.len() + b.len() - n_shared;
    n_shared as f64 / n_union as f64
}

/// [`candidate_indices`] then [`score_candidates`], in one call for the
/// tests.
#[cfg(test)]
fn candidates(
    signals: &Signals<'_>,
    config: &RelatedConfig,
    n_candidates: usize,
) -> Vec<Vec<Candidate>> {
    let features = signals.features;
    let lists: Vec<Vec<Near>> = candidate_indices(features, n_candidates)
        .par_iter()
        .enumerate()
        .map_init(
            || PairParts::new(features),
            |parts, (article_idx, list)| parts.of(features, article_idx, list),
        )
        .collect();
    let order = locality_order(&lists, |near| near.article_idx as usize);
    score_candidates(signals, lists, &order, config)
}

/// Posting lists of the strongest ids of each vector (compressed rows).
struct InvertedIndex {
    /// `starts[id]..starts[id + 1]` is the posting list of `id` in `postings`.
    starts: Vec<usize>,
    postings: Vec<(u32, f32)>,
    /// Each vector's strongest entries, heaviest first: what it posted, and
    /// what it looks up as a query.
    tops: Vec<Vec<(u32, f32)>>,
    max_postings: usize,
}

impl InvertedIndex {
    fn new(vectors: &[Vec<(u32, f32)>], top: usize, max_postings: usize) -> Self {
        let n_ids = vectors
            .iter()
            .flat_map(|vector| vector.iter().map(|&(id, _)| id as usize + 1))
            .max()
            .unwrap_or(0);
        let tops: Vec<Vec<(u32, f32)>> = vectors.par_iter().map(|v| strongest(v, top)).collect();
        let mut starts = vec![0usize; n_ids + 1];
        for vector in &tops {
            for &(id, _) in vector {
                starts[id as usize + 1] += 1;
            }
        }
        for idx in 1..starts.len() {
            starts[idx] += starts[idx - 1];
        }
        let mut fill = starts.clone();
        let mut postings = vec![(0u32, 0f32); starts.last().copied().unwrap_or(0)];
        for (article_idx, vector) in tops.iter().enumerate() {
            for &(id, weight) in vector {
                let slot = &mut fill[id as usize];
                postings[*slot] = (article_idx as u32, weight);
                *slot += 1;
            }
        }
        Self {
            starts,
            postings,
            tops,
            max_postings,
        }
    }

    /// The strongest id of vector `query` whose posting list is read (not
    /// too common), or `u32::MAX` when there is none.
    fn first_listed(&self, query: usize) -> u32 {
        let listed = |id: u32| {
            let id = id as usize;
            match (self.starts.get(id), self.starts.get(id + 1)) {
                (Some(&start), Some(&end)) => end - start <= self.max_postings,
                _ => false,
            }
        };
        self.tops
            .get(query)
            .and_then(|tops| tops.iter().map(|&(id, _)| id).find(|&id| listed(id)))
            .unwrap_or(u32::MAX)
    }

    /// Adds `scale × w_query × w_other` to `accumulator[other]` for every
    /// article sharing one of article `query`'s strongest ids, noting each
    /// article touched for the first time in `touched[*n_touched..]` and
    /// counting it in `n_touched` (`touched` grows as needed and is never
    /// cleared, so no list costs a fill of its length).
    fn accumulate(
        &self,
        query: usize,
        accumulator: &mut [f32],
        touched: &mut Vec<u32>,
        n_touched: &mut usize,
        scale: f32,
    ) {
        let Some(strongest) = self.tops.get(query) else {
            return;
        };
        let list = |id: u32| -> &[(u32, f32)] {
            let id = id as usize;
            match (self.starts.get(id), self.starts.get(id + 1)) {
                (Some(&start), Some(&end)) if end - start <= self.max_postings => {
                    &self.postings[start..end]
                }
                _ => &[],
            }
        };
        let mut count = *n_touched;
        // The start of every list is fetched at once, before any is
        // read: each list is then read from cache or a running stream.
        let mut seen = 0u32;
        for &(id, _) in strongest {
            if let Some(first) = list(id).first() {
                seen ^= first.0;
            }
        }
        std::hint::black_box(seen);
        for &(id, weight) in strongest {
            let postings = list(id);
            if touched.len() < count + postings.len() {
                touched.resize(count + postings.len(), 0);
            }
            let room = &mut touched[count..count + postings.len()];
            let mut noted = 0;
            for &(other, other_weight) in postings {
                let slot = &mut accumulator[other as usize];
                // Noted when first touched without a branch (which would be
                // taken at random): written always, kept by moving on.
                room[noted] = other;
                noted += usize::from(*slot == 0.0);
                *slot += scale * weight * other_weight + f32::MIN_POSITIVE;
            }
            count += noted;
        }
        *n_touched = count;
    }
}

/// The `top` heaviest entries of a vector, heaviest first, ties by id.
fn strongest(vector: &[(u32, f32)], top: usize) -> Vec<(u32, f32)> {
    let by_weight = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    let mut entries = vector.to_vec();
    if entries.len() > top && top > 0 {
        // A total order: selecting the first `top` and sorting only them
        // gives what sorting them all would.
        entries.select_nth_unstable_by(top - 1, by_weight);
    }
    entries.truncate(top);
    entries.sort_unstable_by(by_weight);
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::features::{build, Document, Weighting};
    use proptest::prelude::*;

    fn features(texts: &[&str]) -> Features {
        let docs: Vec<Document<'_>> = texts
            .iter()
            .map(|text| Document {
                title: "",
                text,
                lang: "en",
            })
            .collect();
        build(&docs, &[], &Weighting::default())
    }

    /// For each entry of the found lists (flat, list after list): the
    /// entry it shares its [`MutualParts`] slot with, if any.
    fn partners(parts: &MutualParts) -> Vec<Option<usize>> {
        let slots: Vec<u32> = parts
            .slots
            .iter()
            .map(|slot| slot.load(Ordering::Relaxed))
            .collect();
        let mut holders: std::collections::HashMap<u32, Vec<usize>> = Default::default();
        for (entry, &slot) in slots.iter().enumerate() {
            if slot != NO_SLOT {
                holders.entry(slot).or_default().push(entry);
            }
        }
        slots
            .iter()
            .enumerate()
            .map(|(entry, slot)| {
                let both = holders.get(slot)?;
                both.iter().copied().find(|&other| other != entry)
            })
            .collect()
    }

    proptest! {
        /// Every pair found from both sides shares one slot, and no other
        /// entry has one, whichever order the articles are visited in and
        /// whether mirrors are scanned for or looked up in sorted copies
        /// (a large `related.count`).
        #[test]
        fn mutual_pairs_and_only_they_share_a_slot(
            lists in proptest::collection::vec(
                proptest::collection::btree_set(0u32..40, 0..12), 1..40)
        ) {
            let found: Vec<Vec<u32>> = lists
                .iter()
                .enumerate()
                .map(|(a, set)| set.iter().copied().filter(|&b| b as usize != a).rev().collect())
                .collect();
            let mut starts = vec![0];
            for list in &found {
                starts.push(starts.last().unwrap() + list.len());
            }
            let expected: Vec<Option<usize>> = found
                .iter()
                .enumerate()
                .flat_map(|(a, list)| {
                    let (found, starts) = (&found, &starts);
                    list.iter().map(move |&b| {
                        let b = b as usize;
                        let theirs = found.get(b)?.iter().position(|&x| x as usize == a)?;
                        Some(starts[b] + theirs)
                    })
                })
                .collect();
            let forward: Vec<u32> = (0..found.len() as u32).collect();
            let backward: Vec<u32> = forward.iter().rev().copied().collect();
            let scanned = MutualParts::scanning_up_to(&found, &forward, usize::MAX);
            let sorted = MutualParts::scanning_up_to(&found, &backward, 0);
            let n_mutual = expected.iter().flatten().count() / 2;
            prop_assert_eq!(&partners(&scanned), &expected);
            prop_assert_eq!(&partners(&sorted), &expected);
            prop_assert_eq!(scanned.values.len(), n_mutual);
            prop_assert_eq!(sorted.values.len(), n_mutual);
        }
    }

    #[test]
    fn unrelated_articles_score_zero_even_on_the_same_day_and_topic() {
        let features = features(&[
            "Harvest of wheat fails in drought",
            "Chess final ends in draw",
        ]);
        let topics = vec![vec!["News".to_string()], vec!["News".to_string()]];
        let signals = Signals {
            features: &features,
            timestamps: &[0, 0],
            topics: &topics,
            neighbourhoods: &[],
        };
        let scored = breakdown(&signals, 0, 1, &RelatedConfig::default());
        assert_eq!(scored.total, 0.0);
        assert_eq!(scored.time, 1.0);
        assert_eq!(scored.topics, 1.0);
    }

    #[test]
    fn time_closeness_halves_every_half_life() {
        let day = 86_400;
        assert_eq!(time_closeness(0, 0, 14.0), 1.0);
        assert!((time_closeness(0, 14 * day, 14.0) - 0.5).abs() < 1e-12);
        assert!((time_closeness(28 * day, 0, 14.0) - 0.25).abs() < 1e-12);
        assert_eq!(time_closeness(0, day, 0.0), 0.0);
    }

    #[test]
    fn topic_overlap_is_jaccard() {
        let a = vec!["Economy".to_string(), "Politics".to_string()];
        let b = vec!["Politics".to_string()];
        assert_eq!(topic_overlap(&a, &b), 0.5);
        assert_eq!(topic_overlap(&[], &[]), 0.0);
    }

    proptest! {
        /// A key gives back its id and weight to the bit, and keys order
        /// pairs as `total_cmp` of the weights then the smaller id first.
        #[test]
        fn heaviest_keys_round_trip_and_order(
            a in (any::<u32>(), any::<f32>()),
            b in (any::<u32>(), any::<f32>()),
        ) {
            let key = heaviest_key(a.0, a.1);
            prop_assert_eq!(id_of_key(key), a.0);
            prop_assert_eq!(weight_of_key(key).to_bits(), a.1.to_bits());
            let expected = b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
            prop_assert_eq!(heaviest_key(b.0, b.1).cmp(&key), expected);
        }
    }

    proptest! {
        /// Topic sets as bits overlap exactly as the id lists do, and more
        /// than 64 topics keep the lists.
        #[test]
        fn topic_bits_overlap_as_the_id_lists_do(
            a in proptest::collection::btree_set(0u32..64, 0..10),
            b in proptest::collection::btree_set(0u32..64, 0..10),
        ) {
            let lists = vec![a.into_iter().collect::<Vec<u32>>(), b.into_iter().collect()];
            let bits = topic_bits(&lists).expect("ids below 64");
            prop_assert_eq!(
                overlap_of_bits(bits[0], bits[1]).to_bits(),
                overlap_of_ids(&lists[0], &lists[1]).to_bits()
            );
            prop_assert_eq!(topic_bits(&[vec![3, 64]]), None);
        }
    }

    proptest! {
        /// The picks and the sorted rest visit exactly what a full sort
        /// would, in its order, for visits stopping anywhere.
        #[test]
        fn strongest_first_visits_in_sorted_order(
            weights in proptest::collection::btree_map(0u32..200, 0u8..6, 0..40),
            stop_after in 0usize..45,
        ) {
            // Few distinct weights, so that ties by id are common.
            let items: Vec<(u32, f64)> = weights
                .iter()
                .map(|(&id, &weight)| (id, f64::from(weight) * 0.25))
                .rev()
                .collect();
            let mut sorted = items.clone();
            sorted.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            let expected: Vec<u32> = sorted.iter().map(|&(id, _)| id).take(stop_after).collect();
            let mut visited = Vec::new();
            strongest_first(&items, |id| {
                visited.push(id);
                visited.len() < stop_after
            });
            if stop_after == 0 {
                // A visit always sees the first item before it can stop.
                prop_assert_eq!(visited.len(), usize::from(!items.is_empty()));
            } else {
                prop_assert_eq!(visited, expected);
            }
        }

        /// The finder of the site's related lists gives what `reasons`
        /// (used by `digest explain`) gives, pair after pair.
        #[test]
        fn reason_finder_matches_reasons(
            texts in proptest::collection::vec(
                proptest::collection::vec("[a-f]{3,6}|[A-C][a-c]{3} [A-C][a-c]{3}", 1..40), 2..6),
            max in 1usize..12,
        ) {
            let texts: Vec<String> = texts.iter().map(|words| words.join(" ")).collect();
            let borrowed: Vec<&str> = texts.iter().map(String::as_str).collect();
            let features = features(&borrowed);
            let mut finder = ReasonFinder::new(&features);
            for a in 0..texts.len() {
                for b in 0..texts.len() {
                    prop_assert_eq!(finder.reasons(a, b, max), reasons(&features, a, b, max));
                }
            }
        }
    }

    #[test]
    fn reasons_put_entities_first_and_skip_repeated_words() {
        let features = features(&[
            "Vladimir Putin rejected new sanctions on Russian oil exports.",
            "Sanctions against Vladimir Putin and oil traders widened.",
            "A recipe for bread.",
        ]);
        let found = reasons(&features, 0, 1, 5);
        assert_eq!(found[0], "Vladimir Putin");
        assert!(
            found.contains(&"sanctions".to_string()) || found.contains(&"Sanctions".to_string()),
            "{found:?}"
        );
        assert!(!found.iter().any(|r| r == "putin"), "{found:?}");
    }

    #[test]
    fn articles_worded_differently_meet_through_the_stories_around_them() {
        // The first two share no word; the match reports share words with
        // both. A story about something else stays apart.
        let features = features(&[
            "Striker scores twice as the club wins the derby",
            "Goalkeeper saves a penalty in the league match",
            "Striker and goalkeeper shine in the derby league match",
            "Club striker scores in the league match against rivals",
            "Central bank raises interest rates to fight inflation",
        ]);
        let config = RelatedConfig::default();
        let (lists, around) = candidates_and_neighbourhoods(&features, 30, 20, &config);
        let topics = vec![Vec::new(); 5];
        let signals = Signals {
            features: &features,
            timestamps: &[0; 5],
            topics: &topics,
            neighbourhoods: &around,
        };
        let football = breakdown(&signals, 0, 1, &config);
        assert_eq!(football.text, 0.0);
        assert!(football.neighbourhood > 0.3, "{football:?}");
        assert_eq!(breakdown(&signals, 0, 4, &config).neighbourhood, 0.0);
        // Candidates are the closest first ("club", "striker", "scores"),
        // never the article itself.
        assert_eq!(lists[0].first().map(|near| near.article_idx), Some(3));
        assert!(lists
            .iter()
            .enumerate()
            .all(|(idx, list)| list.iter().all(|near| near.article_idx != idx as u32)));
    }

    #[test]
    fn candidates_come_from_shared_terms_only() {
        let features = features(&[
            "Flooding closes the harbour in Rotterdam",
            "Rotterdam harbour reopens after flooding",
            "Tennis star wins the open",
        ]);
        let topics = vec![Vec::new(); 3];
        let signals = Signals {
            features: &features,
            timestamps: &[0, 0, 0],
            topics: &topics,
            neighbourhoods: &[],
        };
        let found = candidates(&signals, &RelatedConfig::default(), 10);
        assert_eq!(found[0].len(), 1);
        assert_eq!(found[0][0].article_idx, 1);
        assert!(found[2].is_empty());
    }

    proptest! {
        #[test]
        fn score_is_symmetric_and_within_unit_interval(
            words_a in proptest::collection::vec("[a-e]{3,5}|[A-E][a-e]{3} [A-E][a-e]{3}", 1..20),
            words_b in proptest::collection::vec("[a-e]{3,5}|[A-E][a-e]{3} [A-E][a-e]{3}", 1..20),
            time_a in 0i64..10_000_000,
            time_b in 0i64..10_000_000,
            topic_a in proptest::collection::btree_set("[ab]", 0..3),
            topic_b in proptest::collection::btree_set("[ab]", 0..3),
            text_weight in 0.0f64..2.0,
            neighbourhood_weight in 0.0f64..2.0,
            entity_weight in 0.0f64..2.0,
            topic_weight in 0.0f64..2.0,
            time_weight in 0.0f64..2.0,
            half_life_days in 0.0f64..30.0,
        ) {
            let a = words_a.join(" ");
            let b = words_b.join(" ");
            let features = features(&[&a, &b, "filler text"]);
            let topics = vec![
                topic_a.into_iter().collect::<Vec<_>>(),
                topic_b.into_iter().collect::<Vec<_>>(),
                Vec::new(),
            ];
            let config = RelatedConfig {
                text_weight, entity_weight, topic_weight, time_weight, half_life_days, neighbourhood_weight,
                ..RelatedConfig::default()
            };
            let (_, around) = candidates_and_neighbourhoods(&features, 10, 5, &config);
            let signals = Signals { features: &features, timestamps: &[time_a, time_b, 0], topics: &topics, neighbourhoods: &around };
            let ab = breakdown(&signals, 0, 1, &config);
            let ba = breakdown(&signals, 1, 0, &config);
            prop_assert_eq!(ab, ba);
            for part in [ab.text, ab.entities, ab.neighbourhood, ab.topics, ab.time, ab.total] {
                prop_assert!((0.0..=1.0).contains(&part), "{:?}", ab);
            }
            let itself = breakdown(&signals, 0, 0, &config);
            prop_assert!(itself.total >= ab.total - 1e-9);
        }
    }
}
