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

use super::text::{
    entity_spans, for_each_word, is_name_connector, is_weak_in_name, normalise_word,
    strip_possessive, FastMap, LanguageTools, Word, WordFacts,
};
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

    // Remap every chunk's local ids to global ones, in parallel and in
    // place; each chunk's vocabulary is dropped as soon as it is remapped.
    let remapped: Vec<Chunk> = chunks
        .into_par_iter()
        .zip(term_ids.par_iter().zip(entity_ids.par_iter()))
        .map(|(mut chunk, (term_ids, entity_ids))| {
            chunk.terms = FrozenVocabulary::default();
            chunk.entities = FrozenVocabulary::default();
            remap(&mut chunk.term_counts, term_ids);
            remap(&mut chunk.entity_counts, entity_ids);
            chunk
        })
        .collect();
    drop((term_ids, entity_ids));
    let mut word_counts = Vec::with_capacity(all.len());
    let mut term_counts = Vec::with_capacity(all.len());
    let mut entity_counts = Vec::with_capacity(all.len());
    for chunk in remapped {
        word_counts.extend(chunk.word_counts);
        term_counts.extend(chunk.term_counts);
        entity_counts.extend(chunk.entity_counts);
    }
    word_counts.truncate(documents.len());

    let n_documents = all.len();
    let term_df = document_frequencies(&term_counts, term_labels.len());
    let entity_df = document_frequencies(&entity_counts, entity_labels.len());
    let term_idf = inverse_document_frequencies(&term_df, n_documents);
    let entity_idf = inverse_document_frequencies(&entity_df, n_documents);

    term_counts.truncate(documents.len());
    entity_counts.truncate(documents.len());
    let vectors = term_counts
        .into_par_iter()
        .map(|counts| weigh(counts, &term_idf, weighting, weighting.max_terms))
        .collect();
    let entity_vectors = entity_counts
        .into_par_iter()
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
    sparse_dot(a, b).clamp(0.0, 1.0)
}

/// Dot product of two sparse vectors sorted by key, summed in key order.
pub fn sparse_dot<K: Ord>(a: &[(K, f32)], b: &[(K, f32)]) -> f64 {
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
    sum
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

/// One chunk's vocabulary while it is read: stems (or entity keys) in
/// first-seen order, each with its written forms and how often each was seen.
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

    /// Keeps only what the merge needs: each key with its most frequent
    /// form (ties broken by the smaller form) and that form's count. Every
    /// chunk lives until the merge, so this lowers the peak memory.
    fn freeze(self) -> FrozenVocabulary {
        let best = self
            .forms
            .into_iter()
            .zip(&self.keys)
            .map(|(forms, key)| {
                forms
                    .into_iter()
                    .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                    .unwrap_or_else(|| (key.clone(), 0))
            })
            .collect();
        FrozenVocabulary {
            keys: self.keys,
            best,
        }
    }
}

/// A chunk's vocabulary after reading: keys by local id, and the best
/// written form of each with its count.
#[derive(Default)]
struct FrozenVocabulary {
    keys: Vec<String>,
    best: Vec<(String, u32)>,
}

/// No id: a stop word, or a word too short to count.
const NO_ID: u32 = u32::MAX;

/// A word as written, seen somewhere in the chunk.
struct WrittenWord {
    /// Index of its normalised form in [`WordCache::normalised`], or
    /// [`NO_ID`] when it normalises to nothing (one letter).
    normalised: u32,
    starts_lowercase: bool,
    starts_uppercase: bool,
    /// A lowercase name connector as written ("of", "de").
    is_connector: bool,
    /// The last document (chunk-local stamp) whose body writes it
    /// starting in lowercase.
    lowercase_in: u32,
    /// The last document whose body writes it capitalised inside a sentence.
    capitalised_inside_in: u32,
}

/// A normalised (lowercased, possessive-free) word seen in the chunk.
struct NormalisedWord {
    text: String,
    /// The local term id of its stem, or [`NO_ID`] for a stop word.
    term: u32,
    /// It cannot open or close a name (stop word, month, title, connector).
    weak: bool,
    /// Occurrences, for choosing the readable label of the stem.
    count: u32,
}

/// One language's word caches for one chunk: every distinct spelling is
/// normalised once, and every distinct normalised word is looked up in the
/// stop words and stemmed once, however often it occurs.
struct WordCache<'a> {
    tools: &'static LanguageTools,
    written_ids: FastMap<&'a str, u32>,
    written: Vec<WrittenWord>,
    normalised_ids: FastMap<String, u32>,
    normalised: Vec<NormalisedWord>,
}

impl<'a> WordCache<'a> {
    fn new(tools: &'static LanguageTools) -> Self {
        Self {
            tools,
            written_ids: FastMap::default(),
            written: Vec::new(),
            normalised_ids: FastMap::default(),
            normalised: Vec::new(),
        }
    }

    /// The id of a word as written, adding it (and its normalised form, and
    /// the stem's term id) on first sight.
    fn written_id(
        &mut self,
        word: &'a str,
        terms: &mut LocalVocabulary,
        stemming: bool,
        buffer: &mut String,
    ) -> u32 {
        if let Some(&id) = self.written_ids.get(word) {
            return id;
        }
        let normalised = if normalise_word(word, buffer) {
            self.normalised_id(buffer, terms, stemming)
        } else {
            NO_ID
        };
        let first = word.chars().next();
        let id = self.written.len() as u32;
        self.written.push(WrittenWord {
            normalised,
            starts_lowercase: first.is_some_and(char::is_lowercase),
            starts_uppercase: first.is_some_and(char::is_uppercase),
            is_connector: is_name_connector(word),
            lowercase_in: 0,
            capitalised_inside_in: 0,
        });
        self.written_ids.insert(word, id);
        id
    }

    fn normalised_id(&mut self, word: &str, terms: &mut LocalVocabulary, stemming: bool) -> u32 {
        if let Some(&id) = self.normalised_ids.get(word) {
            return id;
        }
        let tools = self.tools;
        let term = if tools.is_stop_word(word) {
            NO_ID
        } else {
            let stem = if stemming {
                tools.stem(word)
            } else {
                std::borrow::Cow::Borrowed(word)
            };
            if stem.chars().nth(1).is_none() {
                NO_ID
            } else {
                terms.id_of(&stem)
            }
        };
        let id = self.normalised.len() as u32;
        self.normalised.push(NormalisedWord {
            text: word.to_owned(),
            term,
            weak: is_weak_in_name(word, tools),
            count: 0,
        });
        self.normalised_ids.insert(word.to_owned(), id);
        id
    }

    fn normalised_of(&self, written: u32) -> Option<&NormalisedWord> {
        let written = self.written.get(written as usize)?;
        self.normalised.get(written.normalised as usize)
    }
}

/// Entity detection's questions about one body, answered from the chunk's
/// word cache and the marks its words left for this document.
struct CachedFacts<'c, 'a> {
    cache: &'c WordCache<'a>,
    /// The written-word id of each body word, by position.
    ids: &'c [u32],
    /// This document's stamp.
    stamp: u32,
}

impl CachedFacts<'_, '_> {
    fn written(&self, position: usize) -> Option<&WrittenWord> {
        self.cache.written.get(*self.ids.get(position)? as usize)
    }
}

impl WordFacts for CachedFacts<'_, '_> {
    fn is_capitalised(&mut self, position: usize) -> bool {
        self.written(position).is_some_and(|w| w.starts_uppercase)
    }

    fn is_connector(&mut self, position: usize) -> bool {
        self.written(position).is_some_and(|w| w.is_connector)
    }

    fn is_weak(&mut self, position: usize) -> bool {
        self.ids
            .get(position)
            .and_then(|&id| self.cache.normalised_of(id))
            .is_none_or(|n| n.weak)
    }

    fn written_in_lowercase(&mut self, position: usize) -> bool {
        let Some(normalised) = self
            .ids
            .get(position)
            .and_then(|&id| self.cache.normalised_of(id))
        else {
            return false;
        };
        self.cache
            .written_ids
            .get(normalised.text.as_str())
            .and_then(|&id| self.cache.written.get(id as usize))
            .is_some_and(|w| w.lowercase_in == self.stamp)
    }

    fn capitalised_inside(&mut self, position: usize) -> bool {
        self.written(position)
            .is_some_and(|w| w.capitalised_inside_in == self.stamp)
    }
}

/// Weighted counts of one document, summed in a dense array indexed by
/// local id; `take` returns them sorted by id and clears the array.
#[derive(Default)]
struct DenseCounts {
    values: Vec<f32>,
    touched: Vec<u32>,
}

impl DenseCounts {
    fn add(&mut self, id: u32, weight: f32) {
        let idx = id as usize;
        if idx >= self.values.len() {
            self.values.resize(idx + 1, 0.0);
        }
        let slot = &mut self.values[idx];
        if *slot == 0.0 {
            self.touched.push(id);
        }
        *slot += weight;
    }

    fn take(&mut self) -> Vec<(u32, f32)> {
        let mut out: Vec<(u32, f32)> = self
            .touched
            .drain(..)
            .map(|id| (id, std::mem::take(&mut self.values[id as usize])))
            .collect();
        out.sort_unstable_by_key(|&(id, _)| id);
        out
    }
}

/// The result of processing one chunk of documents.
struct Chunk {
    terms: FrozenVocabulary,
    entities: FrozenVocabulary,
    term_counts: Vec<Vec<(u32, f32)>>,
    entity_counts: Vec<Vec<(u32, f32)>>,
    word_counts: Vec<u32>,
}

impl Chunk {
    fn process<'a>(documents: &[&Document<'a>], weighting: &Weighting) -> Chunk {
        let mut terms = LocalVocabulary::default();
        let mut entities = LocalVocabulary::default();
        let mut term_counts = Vec::with_capacity(documents.len());
        let mut entity_counts = Vec::with_capacity(documents.len());
        let mut word_counts = Vec::with_capacity(documents.len());
        // Word caches per language: the same spelling may be a stop word in
        // one language and a content word in another.
        let mut caches: BTreeMap<&'static str, WordCache<'a>> = BTreeMap::new();
        let mut buffer = String::new();
        let mut key = String::new();
        let mut label = String::new();
        let mut counts = DenseCounts::default();
        let mut body_words: Vec<Word<'a>> = Vec::new();
        let mut body_ids: Vec<u32> = Vec::new();
        let mut title_ids: Vec<u32> = Vec::new();
        for (document_idx, document) in documents.iter().enumerate() {
            // Stamps start at 1: 0 marks "never".
            let stamp = document_idx as u32 + 1;
            let tools = LanguageTools::for_code(document.lang);
            let cache = caches
                .entry(tools.code)
                .or_insert_with(|| WordCache::new(tools));
            // The body is split into words once, for terms and entities.
            body_words.clear();
            for_each_word(document.text, |word| body_words.push(word));
            body_ids.clear();
            for word in &body_words {
                let id = cache.written_id(word.text, &mut terms, weighting.stemming, &mut buffer);
                body_ids.push(id);
                let written = &mut cache.written[id as usize];
                if written.starts_lowercase {
                    written.lowercase_in = stamp;
                } else if written.starts_uppercase && !word.sentence_start {
                    written.capitalised_inside_in = stamp;
                }
            }
            title_ids.clear();
            for_each_word(document.title, |word| {
                title_ids.push(cache.written_id(
                    word.text,
                    &mut terms,
                    weighting.stemming,
                    &mut buffer,
                ));
            });

            let lead_end = lead_end(document.text);
            let weighted = title_ids.iter().map(|&id| (id, weighting.title)).chain(
                body_ids.iter().zip(&body_words).map(|(&id, word)| {
                    let weight = if word.offset < lead_end {
                        weighting.lead
                    } else {
                        1.0
                    };
                    (id, weight)
                }),
            );
            for (id, weight) in weighted {
                let normalised = cache.written[id as usize].normalised;
                let Some(entry) = cache.normalised.get_mut(normalised as usize) else {
                    continue;
                };
                entry.count += 1;
                if entry.term != NO_ID {
                    counts.add(entry.term, weight);
                }
            }
            term_counts.push(counts.take());
            word_counts.push((title_ids.len() + body_ids.len()) as u32);

            let mut facts = CachedFacts {
                cache,
                ids: &body_ids,
                stamp,
            };
            entity_spans(&body_words, tools, &mut facts, |span| {
                key.clear();
                label.clear();
                for (word, &id) in body_words[span.clone()].iter().zip(&body_ids[span]) {
                    if !key.is_empty() {
                        key.push(' ');
                        label.push(' ');
                    }
                    match cache.normalised_of(id) {
                        Some(normalised) => key.push_str(&normalised.text),
                        // A one-letter word inside a name ("John F
                        // Kennedy") keeps its lowercased letter.
                        None => {
                            normalise_word(word.text, &mut buffer);
                            key.push_str(&buffer);
                        }
                    }
                    label.push_str(strip_possessive(word.text));
                }
                let id = entities.id_of(&key);
                entities.add_form(id, &label, 1);
                counts.add(id, 1.0);
                if let Some((_, last)) = key.rsplit_once(' ') {
                    if weighting.entity_alias > 0.0 && last.chars().nth(1).is_some() {
                        let last_label = label
                            .rsplit_once(' ')
                            .map_or(label.as_str(), |(_, last)| last);
                        let alias = entities.id_of(last);
                        entities.add_form(alias, last_label, 1);
                        counts.add(alias, weighting.entity_alias);
                    }
                }
            });
            entity_counts.push(counts.take());
        }
        // The readable label of a stem is its most frequent written form.
        for cache in caches.into_values() {
            for word in cache.normalised {
                if word.term != NO_ID {
                    terms.add_form(word.term, &word.text, word.count);
                }
            }
        }
        Chunk {
            terms: terms.freeze(),
            entities: entities.freeze(),
            term_counts,
            entity_counts,
            word_counts,
        }
    }
}

/// The byte offset where the first paragraph of a body ends.
fn lead_end(text: &str) -> usize {
    let start = text.len() - text.trim_start().len();
    text[start..]
        .find("\n\n")
        .map_or(text.len(), |idx| start + idx)
}

/// Merges chunk vocabularies into one whose ids follow the sorted keys.
/// Returns, per chunk, local id → global id, and the label of each global id.
fn merge_vocabulary<'a>(
    vocabularies: impl Iterator<Item = &'a FrozenVocabulary>,
) -> (Vec<Vec<u32>>, Vec<String>) {
    let vocabularies: Vec<&FrozenVocabulary> = vocabularies.collect();
    // key → (best form, its count); summed when the same form wins in
    // several chunks.
    let mut merged: FastMap<&str, Vec<(&str, u32)>> = FastMap::default();
    for vocabulary in &vocabularies {
        for (key, (form, count)) in vocabulary.keys.iter().zip(&vocabulary.best) {
            let forms = merged.entry(key.as_str()).or_default();
            match forms.iter_mut().find(|(existing, _)| *existing == form) {
                Some(entry) => entry.1 += count,
                None => forms.push((form.as_str(), *count)),
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

/// Rewrites local ids as global ones, keeping every vector sorted by id.
fn remap(counts: &mut [Vec<(u32, f32)>], ids: &[u32]) {
    for vector in counts {
        for entry in vector.iter_mut() {
            entry.0 = ids.get(entry.0 as usize).copied().unwrap_or(0);
        }
        vector.sort_unstable_by_key(|&(id, _)| id);
    }
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
    mut weighted: Vec<(u32, f32)>,
    idf: &[f32],
    weighting: &Weighting,
    max_terms: usize,
) -> SparseVector {
    for entry in &mut weighted {
        let (id, count) = *entry;
        let tf = if weighting.sublinear_tf {
            1.0 + count.ln()
        } else {
            count
        };
        let idf = idf.get(id as usize).copied().unwrap_or(0.0);
        entry.1 = tf * idf.powf(weighting.idf_power);
    }
    weighted.retain(|&(_, weight)| weight > 0.0);
    if weighted.len() > max_terms {
        // Strongest first, ties by id: a total order, so the kept set is
        // the same whichever way it is selected.
        weighted.select_nth_unstable_by(max_terms - 1, |a, b| {
            b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
        });
        weighted.truncate(max_terms);
        weighted.sort_unstable_by_key(|&(id, _)| id);
    }
    // The counts had room for every word; vectors live as long as the
    // analysis, so they give the rest back.
    weighted.shrink_to_fit();
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
