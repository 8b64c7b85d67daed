//! Articles into vectors: a TF-IDF vector of stemmed words (title and first
//! paragraph weighted higher, sublinear term frequency) and a TF-IDF vector of
//! entity-like key phrases, both L2-normalised and sorted by id, plus a
//! readable label for every term and entity.
//!
//! Articles are processed in parallel in fixed-size chunks; each chunk keeps
//! its own word and stem caches, so each distinct word is stemmed once per
//! chunk rather than once per occurrence. Chunks are merged into one
//! vocabulary whose ids follow the sorted stems, so the result does not
//! depend on the number of threads.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::text::{entities_in, for_each_word, normalise_word, FastMap, LanguageTools, Word};
use super::topics::SparseVector;

/// Articles per unit of parallel work. Fixed, so that results never depend
/// on the number of threads.
const CHUNK_SIZE: usize = 512;

/// The text of one document to analyse.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    /// The headline.
    pub title: &'a str,
    /// The body as plain text, paragraphs separated by blank lines.
    pub text: &'a str,
    /// Language code (`en`, `fr`, …) choosing stop words and stemmer.
    pub lang: &'a str,
}

/// How words are weighted into vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct Weighting {
    /// How much a word in the headline counts, against 1 for the body.
    pub title: f32,
    /// How much a word in the first paragraph counts.
    pub lead: f32,
    /// Use `1 + ln(tf)` instead of `tf`, so a word repeated ten times does
    /// not outweigh ten different shared words.
    pub sublinear_tf: bool,
    /// Keep at most this many of an article's strongest terms (bounds memory
    /// and time on long articles; the tail adds little to similarity).
    pub max_terms: usize,
    /// Weight of the last word of a multi-word entity as an entity of its own
    /// ("Putin" from "Vladimir Putin"), so short and full mentions match.
    pub entity_alias: f32,
    /// Reduce words to their Snowball stem ("sanctions" → "sanction").
    pub stemming: bool,
    /// The inverse document frequency is raised to this power: above 1,
    /// rare words count for more against common ones.
    pub idf_power: f32,
}

impl Default for Weighting {
    fn default() -> Self {
        Self {
            title: 3.0,
            lead: 2.0,
            sublinear_tf: true,
            max_terms: 200,
            entity_alias: 0.5,
            stemming: true,
            idf_power: 1.0,
        }
    }
}

/// The vectors of a set of documents.
#[derive(Debug, Clone, Default)]
pub struct Features {
    /// A readable form of each term id: the most frequent written form of
    /// the stem ("sanctions" for `sanction`).
    pub term_labels: Vec<String>,
    /// Per document: TF-IDF vector of stems, L2-normalised, sorted by id.
    pub vectors: Vec<SparseVector>,
    /// A readable form of each entity id ("Vladimir Putin").
    pub entity_labels: Vec<String>,
    /// Per document: TF-IDF vector of entities, L2-normalised, sorted by id.
    pub entity_vectors: Vec<SparseVector>,
    /// Per document: words counted (stop words included).
    pub word_counts: Vec<u32>,
    /// Per term id: in how many documents (background included) it occurs.
    pub term_document_frequency: Vec<u32>,
}

/// Builds the vectors of `documents`. `background` documents count only for
/// document frequencies (how rare a word is); they get no vectors.
pub fn build(
    documents: &[Document<'_>],
    background: &[Document<'_>],
    weighting: &Weighting,
) -> Features {
    let all: Vec<&Document<'_>> = documents.iter().chain(background.iter()).collect();
    let chunks: Vec<Chunk> = all
        .par_chunks(CHUNK_SIZE)
        .map(|docs| Chunk::process(docs, weighting))
        .collect();

    let (term_ids, term_labels) = merge_vocabulary(chunks.iter().map(|chunk| &chunk.terms));
    let (entity_ids, entity_labels) = merge_vocabulary(chunks.iter().map(|chunk| &chunk.entities));

    // Remap every chunk's local ids to global ones, in parallel.
    let remapped: Vec<(Vec<SparseVector>, Vec<SparseVector>)> = chunks
        .par_iter()
        .enumerate()
        .map(|(chunk_idx, chunk)| {
            (
                remap(&chunk.term_counts, &term_ids[chunk_idx]),
                remap(&chunk.entity_counts, &entity_ids[chunk_idx]),
            )
        })
        .collect();
    let word_counts: Vec<u32> = chunks
        .iter()
        .flat_map(|chunk| chunk.word_counts.iter().copied())
        .take(documents.len())
        .collect();
    let mut term_counts = Vec::with_capacity(all.len());
    let mut entity_counts = Vec::with_capacity(all.len());
    for (terms, entities) in remapped {
        term_counts.extend(terms);
        entity_counts.extend(entities);
    }

    let n_documents = all.len();
    let term_df = document_frequencies(&term_counts, term_labels.len());
    let entity_df = document_frequencies(&entity_counts, entity_labels.len());
    let term_idf = inverse_document_frequencies(&term_df, n_documents);
    let entity_idf = inverse_document_frequencies(&entity_df, n_documents);

    term_counts.truncate(documents.len());
    entity_counts.truncate(documents.len());
    let vectors = term_counts
        .par_iter()
        .map(|counts| weigh(counts, &term_idf, weighting, weighting.max_terms))
        .collect();
    let entity_vectors = entity_counts
        .par_iter()
        .map(|counts| weigh(counts, &entity_idf, weighting, weighting.max_terms))
        .collect();
    Features {
        term_labels,
        vectors,
        entity_labels,
        entity_vectors,
        word_counts,
        term_document_frequency: term_df,
    }
}

/// Cosine similarity of two L2-normalised sparse vectors sorted by id, in
/// [0, 1] for non-negative weights.
pub fn cosine(a: &[(u32, f32)], b: &[(u32, f32)]) -> f64 {
    let mut sum = 0.0f64;
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += f64::from(a[i].1) * f64::from(b[j].1);
                i += 1;
                j += 1;
            }
        }
    }
    sum.clamp(0.0, 1.0)
}

/// The ids both vectors have, with the product of their weights (their share
/// of the cosine), strongest first, ties by id.
pub fn shared(a: &[(u32, f32)], b: &[(u32, f32)]) -> Vec<(u32, f64)> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push((a[i].0, f64::from(a[i].1) * f64::from(b[j].1)));
                i += 1;
                j += 1;
            }
        }
    }
    out.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    out
}

/// One chunk's vocabulary: stems (or entity keys) in first-seen order, each
/// with its most frequent written form and how often that form was seen.
#[derive(Default)]
struct LocalVocabulary {
    keys: Vec<String>,
    ids: FastMap<String, u32>,
    /// Per local id: written form → count.
    forms: Vec<FastMap<String, u32>>,
}

impl LocalVocabulary {
    fn id_of(&mut self, key: &str) -> u32 {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        // Fewer than 2^32 distinct keys fit in memory in any realistic run.
        let id = self.keys.len() as u32;
        self.keys.push(key.to_owned());
        self.ids.insert(key.to_owned(), id);
        self.forms.push(FastMap::default());
        id
    }

    fn add_form(&mut self, id: u32, form: &str, count: u32) {
        if let Some(forms) = self.forms.get_mut(id as usize) {
            match forms.get_mut(form) {
                Some(existing) => *existing += count,
                None => {
                    forms.insert(form.to_owned(), count);
                }
            }
        }
    }

    /// The most frequent form of each key, ties broken by the smaller form.
    fn best_forms(&self) -> Vec<(&str, u32)> {
        self.forms
            .iter()
            .zip(&self.keys)
            .map(|(forms, key)| {
                forms
                    .iter()
                    .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                    .map_or((key.as_str(), 0), |(form, &count)| (form.as_str(), count))
            })
            .collect()
    }
}

/// What a lowercased word maps to, cached per chunk.
struct WordEntry {
    /// The local term id, or none for a stop word.
    term: Option<u32>,
    /// Occurrences, for choosing the readable label of the stem.
    count: u32,
}

/// The result of processing one chunk of documents.
struct Chunk {
    terms: LocalVocabulary,
    entities: LocalVocabulary,
    term_counts: Vec<Vec<(u32, f32)>>,
    entity_counts: Vec<Vec<(u32, f32)>>,
    word_counts: Vec<u32>,
}

impl Chunk {
    fn process(documents: &[&Document<'_>], weighting: &Weighting) -> Chunk {
        let mut chunk = Chunk {
            terms: LocalVocabulary::default(),
            entities: LocalVocabulary::default(),
            term_counts: Vec::with_capacity(documents.len()),
            entity_counts: Vec::with_capacity(documents.len()),
            word_counts: Vec::with_capacity(documents.len()),
        };
        // Word caches per language: the same spelling may be a stop word in
        // one language and a content word in another.
        let mut caches: BTreeMap<&'static str, FastMap<String, WordEntry>> = BTreeMap::new();
        let mut buffer = String::new();
        let mut counts: FastMap<u32, f32> = FastMap::default();
        let mut body_words: Vec<Word<'_>> = Vec::new();
        for document in documents {
            let tools = LanguageTools::for_code(document.lang);
            let cache = caches.entry(tools.code).or_default();
            counts.clear();
            let mut n_words = 0u32;
            // The body is split into words once, for terms and entities.
            body_words.clear();
            for_each_word(document.text, |word| body_words.push(word));
            let lead_end = lead_end(document.text);
            let mut title_words = Vec::new();
            for_each_word(document.title, |word| title_words.push(word));
            let weighted = title_words
                .iter()
                .map(|word| (word, weighting.title))
                .chain(body_words.iter().map(|word| {
                    let weight = if word.offset < lead_end {
                        weighting.lead
                    } else {
                        1.0
                    };
                    (word, weight)
                }));
            for (word, weight) in weighted {
                n_words += 1;
                if !normalise_word(word.text, &mut buffer) {
                    continue;
                }
                let entry = match cache.get_mut(buffer.as_str()) {
                    Some(entry) => entry,
                    None => {
                        let term = if tools.is_stop_word(&buffer) {
                            None
                        } else {
                            let stem = if weighting.stemming {
                                tools.stem(&buffer)
                            } else {
                                std::borrow::Cow::Borrowed(buffer.as_str())
                            };
                            if stem.chars().nth(1).is_none() {
                                None
                            } else {
                                Some(chunk.terms.id_of(&stem))
                            }
                        };
                        cache
                            .entry(buffer.clone())
                            .or_insert(WordEntry { term, count: 0 })
                    }
                };
                entry.count += 1;
                if let Some(term) = entry.term {
                    *counts.entry(term).or_insert(0.0) += weight;
                }
            }
            chunk.term_counts.push(sorted_counts(&counts));
            chunk.word_counts.push(n_words);

            counts.clear();
            for mention in entities_in(&body_words, tools) {
                let id = chunk.entities.id_of(&mention.key);
                chunk.entities.add_form(id, &mention.label, 1);
                *counts.entry(id).or_insert(0.0) += 1.0;
                if let Some((_, last)) = mention.key.rsplit_once(' ') {
                    if weighting.entity_alias > 0.0 && last.chars().nth(1).is_some() {
                        let label = mention
                            .label
                            .rsplit_once(' ')
                            .map_or(mention.label.as_str(), |(_, last)| last);
                        let alias = chunk.entities.id_of(last);
                        chunk.entities.add_form(alias, label, 1);
                        *counts.entry(alias).or_insert(0.0) += weighting.entity_alias;
                    }
                }
            }
            chunk.entity_counts.push(sorted_counts(&counts));
        }
        // The readable label of a stem is its most frequent written form.
        for cache in caches.values() {
            for (word, entry) in cache {
                if let Some(term) = entry.term {
                    chunk.terms.add_form(term, word, entry.count);
                }
            }
        }
        // The key → id maps are only needed while reading; every chunk is
        // kept until the merge, so freeing them now lowers the peak memory.
        chunk.terms.ids = FastMap::default();
        chunk.entities.ids = FastMap::default();
        chunk
    }
}

/// The byte offset where the first paragraph of a body ends.
fn lead_end(text: &str) -> usize {
    let start = text.len() - text.trim_start().len();
    text[start..]
        .find("\n\n")
        .map_or(text.len(), |idx| start + idx)
}

fn sorted_counts(counts: &FastMap<u32, f32>) -> Vec<(u32, f32)> {
    let mut out: Vec<(u32, f32)> = counts.iter().map(|(&id, &count)| (id, count)).collect();
    out.sort_unstable_by_key(|&(id, _)| id);
    out
}

/// Merges chunk vocabularies into one whose ids follow the sorted keys.
/// Returns, per chunk, local id → global id, and the label of each global id.
fn merge_vocabulary<'a>(
    vocabularies: impl Iterator<Item = &'a LocalVocabulary>,
) -> (Vec<Vec<u32>>, Vec<String>) {
    let vocabularies: Vec<&LocalVocabulary> = vocabularies.collect();
    // key → (best form, its count); summed when the same form wins in
    // several chunks.
    let mut merged: FastMap<&str, Vec<(&str, u32)>> = FastMap::default();
    for vocabulary in &vocabularies {
        for (key, (form, count)) in vocabulary.keys.iter().zip(vocabulary.best_forms()) {
            let forms = merged.entry(key.as_str()).or_default();
            match forms.iter_mut().find(|(existing, _)| *existing == form) {
                Some(entry) => entry.1 += count,
                None => forms.push((form, count)),
            }
        }
    }
    let mut keys: Vec<&str> = merged.keys().copied().collect();
    keys.sort_unstable();
    let global: FastMap<&str, u32> = keys
        .iter()
        .enumerate()
        .map(|(idx, key)| (*key, idx as u32))
        .collect();
    let labels = keys
        .iter()
        .map(|key| {
            merged
                .get(key)
                .and_then(|forms| {
                    forms
                        .iter()
                        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                        .map(|(form, _)| (*form).to_owned())
                })
                .unwrap_or_else(|| (*key).to_owned())
        })
        .collect();
    let maps = vocabularies
        .iter()
        .map(|vocabulary| {
            vocabulary
                .keys
                .iter()
                .map(|key| global.get(key.as_str()).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    (maps, labels)
}

fn remap(counts: &[Vec<(u32, f32)>], ids: &[u32]) -> Vec<Vec<(u32, f32)>> {
    counts
        .iter()
        .map(|vector| {
            let mut out: Vec<(u32, f32)> = vector
                .iter()
                .map(|&(local, count)| (ids.get(local as usize).copied().unwrap_or(0), count))
                .collect();
            out.sort_unstable_by_key(|&(id, _)| id);
            out
        })
        .collect()
}

fn document_frequencies(counts: &[Vec<(u32, f32)>], n_ids: usize) -> Vec<u32> {
    counts
        .par_chunks(4096)
        .fold(
            || vec![0u32; n_ids],
            |mut df, vectors| {
                for vector in vectors {
                    for &(id, _) in vector {
                        if let Some(slot) = df.get_mut(id as usize) {
                            *slot += 1;
                        }
                    }
                }
                df
            },
        )
        .reduce(
            || vec![0u32; n_ids],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        )
}

/// Smoothed inverse document frequency: `ln((1 + n) / (1 + df))`, so a word
/// in every document weighs (almost) nothing.
fn inverse_document_frequencies(df: &[u32], n_documents: usize) -> Vec<f32> {
    let n = n_documents as f64;
    df.iter()
        .map(|&df| ((1.0 + n) / (1.0 + f64::from(df))).ln() as f32)
        .collect()
}

/// Weighted counts into an L2-normalised TF-IDF vector of at most
/// `max_terms` entries, sorted by id.
fn weigh(
    counts: &[(u32, f32)],
    idf: &[f32],
    weighting: &Weighting,
    max_terms: usize,
) -> SparseVector {
    let mut weighted: Vec<(u32, f32)> = counts
        .iter()
        .map(|&(id, count)| {
            let tf = if weighting.sublinear_tf {
                1.0 + count.ln()
            } else {
                count
            };
            let idf = idf.get(id as usize).copied().unwrap_or(0.0);
            (id, tf * idf.powf(weighting.idf_power))
        })
        .filter(|&(_, weight)| weight > 0.0)
        .collect();
    if weighted.len() > max_terms {
        weighted.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        weighted.truncate(max_terms);
        weighted.sort_unstable_by_key(|&(id, _)| id);
    }
    let norm = weighted
        .iter()
        .map(|&(_, w)| f64::from(w) * f64::from(w))
        .sum::<f64>()
        .sqrt();
    if norm > 0.0 {
        for entry in &mut weighted {
            entry.1 = (f64::from(entry.1) / norm) as f32;
        }
    }
    weighted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc<'a>(title: &'a str, text: &'a str) -> Document<'a> {
        Document {
            title,
            text,
            lang: "en",
        }
    }

    fn label_weights(features: &Features, idx: usize) -> Vec<(String, f32)> {
        features.vectors[idx]
            .iter()
            .map(|&(id, w)| (features.term_labels[id as usize].clone(), w))
            .collect()
    }

    #[test]
    fn vectors_are_normalised_and_sorted() {
        let docs = [
            doc(
                "Sanctions on oil",
                "The sanctions hit oil exports.\n\nOil prices rose.",
            ),
            doc("Football final", "The final was played in Paris."),
            doc("Oil prices", "Oil prices fell again."),
        ];
        let features = build(&docs, &[], &Weighting::default());
        for vector in &features.vectors {
            assert!(vector.windows(2).all(|w| w[0].0 < w[1].0));
            let norm: f32 = vector.iter().map(|(_, w)| w * w).sum();
            assert!((norm - 1.0).abs() < 1e-5, "norm {norm}");
        }
        assert!(features.term_labels.windows(2).all(|w| w[0] != w[1]));
        assert_eq!(features.word_counts, [11, 8, 6]);
    }

    #[test]
    fn labels_are_readable_words_not_stems() {
        let docs = [
            doc("Negotiations resume", "Negotiations on sanctions resumed."),
            doc("Talks", "The negotiations failed over sanctions."),
        ];
        let features = build(&docs, &[], &Weighting::default());
        let labels: Vec<&str> = features.term_labels.iter().map(String::as_str).collect();
        assert!(labels.contains(&"negotiations"), "{labels:?}");
        assert!(labels.contains(&"sanctions"), "{labels:?}");
        assert!(!labels.contains(&"the"), "stop words are not terms");
    }

    #[test]
    fn title_words_weigh_more_than_body_words() {
        let docs = [
            doc("Drought", "Farmers face a harvest crisis."),
            doc("Other", "Something else entirely."),
        ];
        let features = build(&docs, &[], &Weighting::default());
        let weights = label_weights(&features, 0);
        let get = |label: &str| weights.iter().find(|(l, _)| l == label).map(|(_, w)| *w);
        assert!(get("drought") > get("harvest"), "{weights:?}");
    }

    #[test]
    fn background_documents_only_change_rarity() {
        let docs = [
            doc("Oil", "oil harbour"),
            doc("Oil", "oil tanker"),
            doc("Grain", "wheat"),
        ];
        let background = [doc("Oil", "oil"), doc("Oil", "oil"), doc("Oil", "oil")];
        let with = build(&docs, &background, &Weighting::default());
        assert_eq!(with.vectors.len(), 3);
        assert_eq!(with.word_counts.len(), 3);
        let without = build(&docs, &[], &Weighting::default());
        // "oil" is common in the background, so it counts for less.
        let with_cosine = cosine(&with.vectors[0], &with.vectors[1]);
        let without_cosine = cosine(&without.vectors[0], &without.vectors[1]);
        assert!(
            with_cosine < without_cosine,
            "{with_cosine} vs {without_cosine}"
        );
    }

    #[test]
    fn chunking_does_not_change_results() {
        let texts: Vec<String> = (0..CHUNK_SIZE * 2 + 7)
            .map(|i| {
                format!(
                    "Story {i} about harbour number{} and Captain Ahab{}",
                    i % 13,
                    i % 5
                )
            })
            .collect();
        let docs: Vec<Document<'_>> = texts.iter().map(|t| doc("News", t)).collect();
        let all = build(&docs, &[], &Weighting::default());
        let first = build(&docs[..3], &docs[3..], &Weighting::default());
        assert_eq!(all.term_labels, first.term_labels);
        assert_eq!(all.vectors[..3], first.vectors[..]);
    }

    #[test]
    fn entities_get_their_own_vectors_with_aliases() {
        let docs = [
            doc("Talks", "Vladimir Putin met envoys in Geneva."),
            doc("Reply", "Officials said Putin would not attend."),
            doc("Other", "Rain is expected in Oslo."),
        ];
        let features = build(&docs, &[], &Weighting::default());
        let shared_ids = shared(&features.entity_vectors[0], &features.entity_vectors[1]);
        let names: Vec<&str> = shared_ids
            .iter()
            .map(|&(id, _)| features.entity_labels[id as usize].as_str())
            .collect();
        assert_eq!(names, ["Putin"]);
    }

    #[test]
    fn cosine_is_one_for_itself_and_zero_for_disjoint() {
        let a = vec![(1, 0.6), (3, 0.8)];
        let b = vec![(2, 1.0)];
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&a, &b), 0.0);
    }
}
