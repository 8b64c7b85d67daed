//! Articles into vectors: a TF-IDF vector of stemmed words (title and first
//! paragraph weighted higher, sublinear term frequency) and a TF-IDF vector of
//! entity-like key phrases, both L2-normalised and sorted by id, plus a
//! readable label for every term and entity.
//!
//! Articles are processed in parallel in fixed-size chunks. Each thread looks
//! every distinct spelling up once (packed into integers, so hashing and
//! comparing it is cheap) in run-wide tables shared by all threads, where
//! each distinct word is normalised, looked up in the stop words and stemmed
//! once per run. Term ids follow the sorted stems and entity ids the sorted
//! entity keys, so the result does not depend on the number of threads.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rayon::prelude::*;

use super::text::{
    entity_spans, for_each_word, is_name_connector, is_weak_in_name, normalise_word,
    strip_possessive, FastHasher, FastMap, LanguageTools, Word, WordFacts,
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
    build_with_bodies(documents, background, weighting, false).0
}

/// [`build`], and the stem counts of every document's body when `bodies`
/// is true (else an empty [`BodyStems`]).
pub fn build_with_bodies(
    documents: &[Document<'_>],
    background: &[Document<'_>],
    weighting: &Weighting,
    bodies: bool,
) -> (Features, BodyStems) {
    count(documents, background, weighting).weigh(bodies)
}

/// What the first half of [`build_with_bodies`] counts in the documents'
/// texts; it borrows none of them, so a caller can free the texts before
/// [`Counted::weigh`] makes the vectors (which would otherwise be the
/// moment both are held: the peak of a large site's analysis).
pub struct Counted {
    chunks: Vec<Chunk>,
    term_ids: Vec<u32>,
    entity_ids: Vec<u32>,
    term_labels: Vec<String>,
    entity_labels: Vec<String>,
    term_df: Vec<u32>,
    entity_df: Vec<u32>,
    /// Documents counted, background included.
    n_documents: usize,
    /// Documents that get vectors (the first ones; the rest are background).
    n_own: usize,
    weighting: Weighting,
}

/// Reads and counts the words of `documents` and `background` (see
/// [`build_with_bodies`]).
pub fn count(
    documents: &[Document<'_>],
    background: &[Document<'_>],
    weighting: &Weighting,
) -> Counted {
    let all: Vec<&Document<'_>> = documents.iter().chain(background.iter()).collect();
    count_chunks(all.len(), documents.len(), weighting, |shared, pool| {
        all.par_chunks(CHUNK_SIZE)
            .enumerate()
            .map(|(chunk_idx, docs)| read_chunk(docs, chunk_idx, weighting, shared, pool))
            .collect()
    })
}

/// A document whose body text [`count_taking_texts`] takes over.
#[derive(Debug, Clone)]
pub struct OwnedText<'a> {
    /// The headline.
    pub title: &'a str,
    /// The body as plain text, paragraphs separated by blank lines.
    pub text: String,
    /// Language code (`en`, `fr`, …) choosing stop words and stemmer.
    pub lang: &'a str,
}

/// [`count`] of `documents` (no background), freeing each chunk's texts as
/// soon as the chunk is read: the texts' memory is given back while the
/// counts grow, instead of both being held until the last chunk is read
/// (on a large site, the peak of the analysis). The same counts as
/// [`count`].
pub fn count_taking_texts(documents: Vec<OwnedText<'_>>, weighting: &Weighting) -> Counted {
    let n_documents = documents.len();
    let mut chunks: Vec<Vec<OwnedText<'_>>> = Vec::with_capacity(n_documents.div_ceil(CHUNK_SIZE));
    let mut documents = documents.into_iter();
    loop {
        let chunk: Vec<OwnedText<'_>> = documents.by_ref().take(CHUNK_SIZE).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    count_chunks(n_documents, n_documents, weighting, |shared, pool| {
        chunks
            .into_par_iter()
            .enumerate()
            .map(|(chunk_idx, owned)| {
                let docs: Vec<Document<'_>> = owned
                    .iter()
                    .map(|document| Document {
                        title: document.title,
                        text: &document.text,
                        lang: document.lang,
                    })
                    .collect();
                let docs: Vec<&Document<'_>> = docs.iter().collect();
                read_chunk(&docs, chunk_idx, weighting, shared, pool)
                // `owned`, the chunk's texts, is freed here.
            })
            .collect()
    })
}

/// Reads chunk `chunk_idx` of a run with a worker from `pool`.
fn read_chunk(
    documents: &[&Document<'_>],
    chunk_idx: usize,
    weighting: &Weighting,
    shared: &SharedWords,
    pool: &Mutex<Vec<Worker>>,
) -> Chunk {
    let mut worker = lock(pool).pop().unwrap_or_default();
    let chunk = Chunk::process(
        documents,
        chunk_idx * CHUNK_SIZE,
        weighting,
        shared,
        &mut worker,
    );
    lock(pool).push(worker);
    chunk
}

/// The counts of `n_documents` documents (the first `n_own` get vectors),
/// whose chunks `read_all` reads in order with [`read_chunk`].
fn count_chunks(
    n_documents: usize,
    n_own: usize,
    weighting: &Weighting,
    read_all: impl FnOnce(&SharedWords, &Mutex<Vec<Worker>>) -> Vec<Chunk>,
) -> Counted {
    let shared = SharedWords::new(weighting.stemming);
    // Each thread takes a worker (word caches, counting arrays) for a chunk
    // and gives it back after, so a spelling is looked up in the shared
    // tables once per thread rather than once per chunk.
    let pool: Mutex<Vec<Worker>> = Mutex::default();
    let mut chunks = read_all(&shared, &pool);
    let workers = pool.into_inner().unwrap_or_else(PoisonError::into_inner);
    let RunTexts {
        words,
        stems,
        entity_keys,
    } = shared.into_texts();

    // Final ids follow the sorted stems and entity keys.
    let (term_ids, stems_by_final_id) = sorted_ids(&stems);
    let (entity_ids, entities_by_final_id) = sorted_ids(&entity_keys);
    let word_text = |id: u32| words.get(id as usize).map_or("", |text| &**text);
    let forms = chunks
        .par_iter_mut()
        .map(|chunk| {
            let mut forms = std::mem::take(&mut chunk.forms);
            // The same normalised word may come from two languages'
            // caches: summed by its id (one per text), comparing integers
            // rather than texts.
            forms.sort_unstable_by_key(|&(term, word, _)| (term, word));
            forms.dedup_by(|later, kept| {
                let same = (later.0, later.1) == (kept.0, kept.1);
                if same {
                    kept.2 += later.2;
                }
                same
            });
            forms
                .into_iter()
                .map(|(term, word, count)| (term, word_text(word), count))
                .collect()
        })
        .collect();
    let term_labels: Vec<String> = best_forms(forms, &term_ids, stems_by_final_id.len())
        .into_iter()
        .zip(&stems_by_final_id)
        .map(|(form, &stem)| match form {
            Some(word) => word.to_owned(),
            None => stems[stem as usize].to_string(),
        })
        .collect();
    let entity_forms = chunks
        .par_iter_mut()
        .map(|chunk| summed_by_text(std::mem::take(&mut chunk.entity_forms)))
        .collect();
    let entity_labels: Vec<String> =
        best_forms(entity_forms, &entity_ids, entities_by_final_id.len())
            .into_iter()
            .zip(&entities_by_final_id)
            .map(|(form, &key)| match form {
                Some(label) => label.into_string(),
                None => entity_keys[key as usize].to_string(),
            })
            .collect();
    drop((
        words,
        stems,
        stems_by_final_id,
        entity_keys,
        entities_by_final_id,
    ));

    // Document frequencies, summed over the threads and moved to final ids.
    let term_df = final_frequencies(
        workers.iter().map(|w| &w.terms),
        &term_ids,
        term_labels.len(),
    );
    let entity_df = final_frequencies(
        workers.iter().map(|w| &w.entities),
        &entity_ids,
        entity_labels.len(),
    );
    drop(workers);
    Counted {
        chunks,
        term_ids,
        entity_ids,
        term_labels,
        entity_labels,
        term_df,
        entity_df,
        n_documents,
        n_own,
        weighting: weighting.clone(),
    }
}

impl Counted {
    /// The vectors of the counted documents (not the background's), and
    /// their body stem counts when `bodies` is true.
    pub fn weigh(self, bodies: bool) -> (Features, BodyStems) {
        let Counted {
            chunks,
            term_ids,
            entity_ids,
            term_labels,
            entity_labels,
            term_df,
            entity_df,
            n_documents,
            n_own: n_documents_own,
            weighting,
        } = self;
        let weighting = &weighting;
        let term_idf = inverse_document_frequencies(&term_df, n_documents, weighting.idf_power);
        let entity_idf = inverse_document_frequencies(&entity_df, n_documents, weighting.idf_power);
        let term_frequency = TermFrequency::new(weighting.sublinear_tf);

        // Every chunk's documents into vectors (and body stems), in parallel;
        // background documents only counted for the frequencies.
        let weighed: Vec<ChunkVectors> = chunks
            .into_par_iter()
            .enumerate()
            .map(|(chunk_idx, chunk)| {
                let n_own = n_documents_own
                    .saturating_sub(chunk_idx * CHUNK_SIZE)
                    .min(chunk.word_counts.len());
                let mut out = ChunkVectors::default();
                // A document's entries are sorted as integers, final id
                // above and position below, which sorts faster than the
                // entries themselves; ids are unique within a document, so
                // the order is the entries' order by id.
                let mut keys: Vec<u64> = Vec::new();
                let mut entries: Vec<(f32, u32)> = Vec::new();
                let mut counts: Vec<(u32, f32)> = Vec::new();
                for idx in 0..n_own {
                    keys.clear();
                    entries.clear();
                    for (id, weight, body) in chunk.terms.document(idx) {
                        // One-letter stems keep their key, above every term id.
                        let id = term_ids.get(id as usize).copied().unwrap_or(id);
                        keys.push((u64::from(id) << 32) | entries.len() as u64);
                        entries.push((weight, body));
                    }
                    keys.sort_unstable();
                    let mut previous = 0;
                    counts.clear();
                    for &key in &keys {
                        let id = (key >> 32) as u32;
                        let (weight, body) = entries[key as u32 as usize];
                        if bodies && body > 0 {
                            push_varint(&mut out.body_bytes, id - previous);
                            push_varint(&mut out.body_bytes, body);
                            previous = id;
                        }
                        if (id as usize) < term_idf.len() {
                            counts.push((id, weight));
                        }
                    }
                    if bodies {
                        out.body_ends.push(out.body_bytes.len());
                    }
                    out.vectors.push(weigh(
                        &mut counts,
                        &term_idf,
                        &term_frequency,
                        weighting.max_terms,
                    ));
                    counts.clear();
                    counts.extend(chunk.entities.document(idx).map(|(id, weight, _)| {
                        (entity_ids.get(id as usize).copied().unwrap_or(0), weight)
                    }));
                    counts.sort_unstable_by_key(|&(id, _)| id);
                    out.entity_vectors.push(weigh(
                        &mut counts,
                        &entity_idf,
                        &term_frequency,
                        weighting.max_terms,
                    ));
                }
                out.word_counts = chunk.word_counts;
                out.word_counts.truncate(n_own);
                out.body_bytes.shrink_to_fit();
                out
            })
            .collect();
        let mut vectors = Vec::with_capacity(n_documents_own);
        let mut entity_vectors = Vec::with_capacity(n_documents_own);
        let mut word_counts = Vec::with_capacity(n_documents_own);
        let mut body_stems = BodyStems::default();
        for chunk in weighed {
            vectors.extend(chunk.vectors);
            entity_vectors.extend(chunk.entity_vectors);
            word_counts.extend(chunk.word_counts);
            if bodies {
                body_stems.chunks.push((chunk.body_bytes, chunk.body_ends));
            }
        }
        let features = Features {
            term_labels,
            vectors,
            entity_labels,
            entity_vectors,
            word_counts,
            term_document_frequency: term_df,
        };
        (features, body_stems)
    }
}

/// Document frequencies by final id, from each thread's by provisional id.
fn final_frequencies<'f>(
    per_thread: impl Iterator<Item = &'f DenseCounts>,
    final_ids: &[u32],
    n_ids: usize,
) -> Vec<u32> {
    let mut frequencies = vec![0u32; n_ids];
    for counts in per_thread {
        for (id, counted) in counts.slots.iter().enumerate() {
            if let Some(slot) = final_ids
                .get(id)
                .and_then(|&id| frequencies.get_mut(id as usize))
            {
                *slot += counted.documents;
            }
        }
    }
    frequencies
}

/// The vectors (and body stems) of one chunk's documents.
#[derive(Default)]
struct ChunkVectors {
    vectors: Vec<SparseVector>,
    entity_vectors: Vec<SparseVector>,
    word_counts: Vec<u32>,
    body_bytes: Vec<u8>,
    body_ends: Vec<usize>,
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

/// No id: a stop word, or a word too short to count.
const NO_ID: u32 = u32::MAX;

/// The body key of a word whose stem has one letter (or none): not a term,
/// but near-duplicate detection counts it like any other stem. Above every
/// term id (fewer than 2^26), and told apart by the letter.
fn one_letter_stem(stem: &str) -> u32 {
    const ONE_LETTER_STEM: u32 = 1 << 31;
    // One past the last char for an empty stem.
    ONE_LETTER_STEM | stem.chars().next().map_or(0x11_0000, u32::from)
}

/// The run-wide word tables are split into this many shards, each behind
/// its own lock, so that threads rarely wait for each other.
const SHARD_BITS: u32 = 6;
const SHARDS: usize = 1 << SHARD_BITS;

/// What a normalised word is in one language: the same in every chunk.
#[derive(Debug, Clone, Copy)]
struct WordInfo {
    /// Run-wide id of the normalised word (of its text, in any language).
    normalised: u32,
    /// Run-wide provisional id of its stem, or [`NO_ID`] for a stop word or
    /// a stem of one letter.
    term: u32,
    /// What near-duplicate detection counts it as: its term, a stem of one
    /// letter as [`one_letter_stem`], or [`NO_ID`] for a stop word.
    body_key: u32,
    /// It cannot open or close a name (stop word, month, title, connector).
    weak: bool,
}

/// What a word as written is, the same in every chunk.
#[derive(Debug, Clone, Copy)]
struct WrittenInfo {
    /// Its normalised form, or `None` when it normalises to nothing (one
    /// letter).
    word: Option<WordInfo>,
    starts_lowercase: bool,
    starts_uppercase: bool,
    /// A lowercase name connector as written ("of", "de").
    is_connector: bool,
    /// Written exactly as its normalised form, so in lowercase.
    is_normal_form: bool,
}

/// One shard of the run-wide table of words as written, by language.
#[derive(Default)]
struct WrittenShard {
    packed: FastMap<PackedWord, WrittenInfo>,
    /// Words too long to pack, after their language's index as a char.
    long: FastMap<String, WrittenInfo>,
}

/// One shard of the run-wide table of normalised words.
#[derive(Default)]
struct WordShard {
    ids: FastMap<Box<str>, u32>,
    /// Per word of the shard: (language code, term, body key, weak) for
    /// every language it was met in.
    languages: Vec<Vec<(&'static str, u32, u32, bool)>>,
}

/// The normalised words and stems of the whole run, shared by the threads
/// reading the chunks: each distinct normalised word is looked up in the
/// stop words and stemmed once per run, not once per chunk (a chunk meets
/// most of the vocabulary again), and terms get run-wide ids at once, so no
/// per-chunk term vocabulary has to be merged.
///
/// Ids are provisional (shard and position in it, so they depend on which
/// thread met a word first); [`build`] replaces term ids with ones that
/// follow the sorted stems.
struct SharedWords {
    written: Vec<Mutex<WrittenShard>>,
    /// Languages met so far: a word's language is its index here.
    languages: Mutex<Vec<&'static str>>,
    words: Vec<Mutex<WordShard>>,
    stems: Vec<Mutex<FastMap<Box<str>, u32>>>,
    /// Entity keys ("vladimir putin").
    entities: Vec<Mutex<FastMap<Box<str>, u32>>>,
    stemming: bool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The shard of a word or stem.
fn shard_of(text: &str) -> usize {
    let mut hasher = FastHasher::default();
    text.hash(&mut hasher);
    // Middle bits: the hash map inside a shard picks buckets with the low
    // bits and tags entries with the high ones, so both must still vary.
    ((hasher.finish() >> 32) as usize) & (SHARDS - 1)
}

fn provisional_id(shard: usize, index: usize) -> u32 {
    // Fewer than 2^26 distinct words or stems per run.
    ((index << SHARD_BITS) | shard) as u32
}

impl SharedWords {
    fn new(stemming: bool) -> Self {
        Self {
            written: (0..SHARDS).map(|_| Mutex::default()).collect(),
            languages: Mutex::default(),
            words: (0..SHARDS).map(|_| Mutex::default()).collect(),
            stems: (0..SHARDS).map(|_| Mutex::default()).collect(),
            entities: (0..SHARDS).map(|_| Mutex::default()).collect(),
            stemming,
        }
    }

    /// The index of a language code, for [`PackedWord::len_and_language`].
    fn language(&self, code: &'static str) -> u8 {
        let mut languages = lock(&self.languages);
        let idx = languages.iter().position(|known| *known == code);
        // There are fewer than 256 language codes (`LanguageTools`).
        idx.unwrap_or_else(|| {
            languages.push(code);
            languages.len() - 1
        }) as u8
    }

    /// What `word` as written is in the language of `tools` (`packed` is
    /// its packed form, with that language's index), normalising and
    /// stemming it on first sight in the run.
    fn written(
        &self,
        word: &str,
        packed: Option<PackedWord>,
        tools: &'static LanguageTools,
        language: u8,
        buffer: &mut String,
    ) -> WrittenInfo {
        let long_key = || {
            let mut key = String::with_capacity(word.len() + 1);
            key.push(char::from(language));
            key.push_str(word);
            key
        };
        let shard_idx = match &packed {
            Some(packed) => ((packed.fast_hash() >> 32) as usize) & (SHARDS - 1),
            None => shard_of(word),
        };
        {
            let shard = lock(&self.written[shard_idx]);
            let known = match &packed {
                Some(packed) => shard.packed.get(packed),
                None => shard.long.get(&long_key()),
            };
            if let Some(&info) = known {
                return info;
            }
        }
        let (normalised, is_normal_form) = if normalise_word(word, buffer) {
            (Some(self.word(buffer, tools)), buffer.as_str() == word)
        } else {
            (None, false)
        };
        let first = word.chars().next();
        let starts_lowercase = first.is_some_and(char::is_lowercase);
        let info = WrittenInfo {
            word: normalised,
            starts_lowercase,
            starts_uppercase: first.is_some_and(char::is_uppercase),
            is_connector: is_name_connector(word),
            is_normal_form: is_normal_form && starts_lowercase,
        };
        let mut shard = lock(&self.written[shard_idx]);
        match packed {
            Some(packed) => *shard.packed.entry(packed).or_insert(info),
            None => *shard.long.entry(long_key()).or_insert(info),
        }
    }

    /// What the normalised `word` is in the language of `tools`, stemming
    /// it on first sight in the run.
    fn word(&self, word: &str, tools: &'static LanguageTools) -> WordInfo {
        let shard_idx = shard_of(word);
        let known = |shard: &WordShard| {
            let &index = shard.ids.get(word)?;
            let &(_, term, body_key, weak) = shard
                .languages
                .get(index as usize)?
                .iter()
                .find(|(code, ..)| *code == tools.code)?;
            Some(WordInfo {
                normalised: provisional_id(shard_idx, index as usize),
                term,
                body_key,
                weak,
            })
        };
        if let Some(info) = known(&lock(&self.words[shard_idx])) {
            return info;
        }
        // Stemming, the slow part, runs without the lock. Two threads that
        // meet a new word at once both stem it, to the same result; the
        // first to insert it wins.
        let (term, body_key) = if tools.is_stop_word(word) {
            (NO_ID, NO_ID)
        } else {
            let stem = if self.stemming {
                tools.stem(word)
            } else {
                std::borrow::Cow::Borrowed(word)
            };
            if stem.chars().nth(1).is_none() {
                (NO_ID, one_letter_stem(&stem))
            } else {
                let id = self.stem_id(&stem);
                (id, id)
            }
        };
        let weak = is_weak_in_name(word, tools);
        let mut guard = lock(&self.words[shard_idx]);
        let shard = &mut *guard;
        let index = match shard.ids.get(word) {
            Some(&index) => index,
            None => {
                let index = shard.languages.len() as u32;
                shard.ids.insert(word.into(), index);
                shard.languages.push(Vec::new());
                index
            }
        };
        let languages = &mut shard.languages[index as usize];
        let (term, body_key, weak) = match languages.iter().find(|(code, ..)| *code == tools.code) {
            Some(&(_, term, body_key, weak)) => (term, body_key, weak),
            None => {
                languages.push((tools.code, term, body_key, weak));
                (term, body_key, weak)
            }
        };
        WordInfo {
            normalised: provisional_id(shard_idx, index as usize),
            term,
            body_key,
            weak,
        }
    }

    fn stem_id(&self, stem: &str) -> u32 {
        intern(&self.stems, stem)
    }

    fn entity_id(&self, key: &str) -> u32 {
        intern(&self.entities, key)
    }

    /// The texts of the normalised words, of the stems and of the entity
    /// keys, each indexed by provisional id (empty where no id was given:
    /// every real one has two letters or more).
    fn into_texts(self) -> RunTexts {
        let words = texts_by_id(self.words.into_iter().map(|shard| {
            shard
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .ids
        }));
        let unlocked = |shards: Vec<Mutex<FastMap<Box<str>, u32>>>| {
            texts_by_id(
                shards
                    .into_iter()
                    .map(|shard| shard.into_inner().unwrap_or_else(PoisonError::into_inner)),
            )
        };
        RunTexts {
            words,
            stems: unlocked(self.stems),
            entity_keys: unlocked(self.entities),
        }
    }
}

/// The texts of a run's tables, each indexed by provisional id.
struct RunTexts {
    words: Vec<Box<str>>,
    stems: Vec<Box<str>>,
    entity_keys: Vec<Box<str>>,
}

/// The provisional id of `text` in a sharded table, added on first sight.
fn intern(shards: &[Mutex<FastMap<Box<str>, u32>>], text: &str) -> u32 {
    let shard_idx = shard_of(text);
    let mut shard = lock(&shards[shard_idx]);
    if let Some(&index) = shard.get(text) {
        return provisional_id(shard_idx, index as usize);
    }
    let index = shard.len() as u32;
    shard.insert(text.into(), index);
    provisional_id(shard_idx, index as usize)
}

/// Final ids that follow the sorted texts, by provisional id ([`NO_ID`]
/// where none was given), and the provisional ids in final order.
fn sorted_ids(texts: &[Box<str>]) -> (Vec<u32>, Vec<u32>) {
    let mut by_final_id: Vec<u32> = (0..texts.len() as u32)
        .filter(|&id| !texts[id as usize].is_empty())
        .collect();
    by_final_id.par_sort_unstable_by(|&a, &b| texts[a as usize].cmp(&texts[b as usize]));
    let mut final_ids = vec![NO_ID; texts.len()];
    for (final_id, &id) in by_final_id.iter().enumerate() {
        final_ids[id as usize] = final_id as u32;
    }
    (final_ids, by_final_id)
}

fn texts_by_id(shards: impl Iterator<Item = FastMap<Box<str>, u32>>) -> Vec<Box<str>> {
    let mut texts: Vec<Box<str>> = Vec::new();
    for (shard, ids) in shards.enumerate() {
        for (text, index) in ids {
            let id = provisional_id(shard, index as usize) as usize;
            if id >= texts.len() {
                texts.resize_with(id + 1, Box::default);
            }
            texts[id] = text;
        }
    }
    texts
}

/// A word as written, packed into integers: the bytes of a word of up to 16
/// bytes (nearly every word) with its length. Hashing and comparing two
/// integers is several times faster than hashing and comparing the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PackedWord {
    head: u64,
    tail: u64,
    /// The length in the low byte, the index of the language the word is
    /// read in ([`SharedWords::language`]) in the high byte: one field, so
    /// hashing reads back in one load what building the key stored in one
    /// (two byte stores read as one word stall the core).
    len_and_language: u16,
}

impl Hash for PackedWord {
    /// One hasher round for the whole word instead of one per field: the
    /// fields are folded into one integer first (equal words still hash
    /// alike; the rare words the fold confuses are told apart by `==`).
    /// A lookup per body word makes the hash's serial multiplies count.
    fn hash<H: Hasher>(&self, state: &mut H) {
        let meta = u64::from(self.len_and_language);
        state.write_u64(self.head ^ self.tail.rotate_left(29) ^ (meta << 5));
    }
}

impl PackedWord {
    /// A key no word packs to (words are at most 16 bytes long), for the
    /// empty slots of [`RecentWords`].
    const NONE: Self = Self {
        head: 0,
        tail: 0,
        len_and_language: u8::MAX as u16,
    };

    /// The hash of the word with [`FastHasher`], as the maps use it.
    #[inline]
    fn fast_hash(&self) -> u64 {
        let mut hasher = FastHasher::default();
        self.hash(&mut hasher);
        hasher.finish()
    }

    /// The packed form of the word of `len` bytes at `start` in `text`, or
    /// `None` when it is longer than 16 bytes. The first eight bytes of the
    /// word are `head` and the next eight `tail`, each read in one load and
    /// cut to the word's bytes (zero past its end, so with the length they
    /// tell every word apart), without branching on the length.
    #[inline]
    fn in_text(text: &[u8], start: usize, len: usize, language: u8) -> Option<Self> {
        if len > 16 {
            return None;
        }
        let len_and_language = len as u16 | (u16::from(language) << 8);
        // Nearly every word has sixteen bytes of text from its start: two
        // loads, each cut to the word's bytes by a mask from a table (no
        // branch on the length).
        if let Some(bytes) = text.get(start..start + 16) {
            const LOW_BYTES: [u64; 9] = {
                let mut masks = [0u64; 9];
                let mut n = 1;
                while n <= 8 {
                    masks[n] = u64::MAX >> (64 - 8 * n);
                    n += 1;
                }
                masks
            };
            let mut head = [0u8; 8];
            let mut tail = [0u8; 8];
            head.copy_from_slice(&bytes[..8]);
            tail.copy_from_slice(&bytes[8..]);
            return Some(Self {
                head: u64::from_le_bytes(head) & LOW_BYTES[len.min(8)],
                tail: u64::from_le_bytes(tail) & LOW_BYTES[len.saturating_sub(8).min(8)],
                len_and_language,
            });
        }
        // Eight bytes from `at`, zero past the end of the text.
        let load8 = |at: usize| {
            let mut word = [0u8; 8];
            match text.get(at..at + 8) {
                Some(bytes) => word.copy_from_slice(bytes),
                None => {
                    let rest = text.get(at..).unwrap_or_default();
                    word[..rest.len()].copy_from_slice(rest);
                }
            }
            u64::from_le_bytes(word)
        };
        // The low `n` bytes of `x` (none for `n` = 0, all for 8).
        let keep = |x: u64, n: usize| x & u64::MAX.checked_shr(64 - 8 * n as u32).unwrap_or(0);
        Some(Self {
            head: keep(load8(start), len.min(8)),
            tail: keep(load8(start + 8), len.saturating_sub(8)),
            len_and_language,
        })
    }
}

/// A word as written, seen somewhere by the thread: everything reading a
/// word needs, in one place, so a body word costs one table lookup and one
/// visit to this entry (what its normalised form is, is copied in).
struct WrittenWord {
    /// Index of its normalised form in [`WordCache::normalised`], or
    /// [`NO_ID`] when it normalises to nothing (one letter).
    normalised: u32,
    /// Its normalised form's provisional term id, or [`NO_ID`].
    term: u32,
    /// Its normalised form's body key ([`WordInfo::body_key`]).
    body_key: u32,
    /// Occurrences in the chunk being read (labels are counted per
    /// normalised word when the chunk ends).
    count: u32,
    /// The last document (run-wide stamp) whose body writes it in lowercase;
    /// only kept for the spelling that is its own normalised form.
    lowercase_in: u32,
    /// The last document (run-wide stamp) whose body writes it capitalised
    /// inside a sentence.
    capitalised_inside_in: u32,
    starts_lowercase: bool,
    starts_uppercase: bool,
    /// A lowercase name connector as written ("of", "de").
    is_connector: bool,
    /// Written exactly as its normalised form, so in lowercase: a body using
    /// it writes that normalised word in lowercase.
    is_normal_form: bool,
    /// Its normalised form cannot open or close a name ([`WordInfo::weak`]);
    /// true when it normalises to nothing.
    weak: bool,
}

/// A normalised (lowercased, possessive-free) word seen by the thread.
struct NormalisedWord {
    info: WordInfo,
    /// Occurrences in the chunk being read, for choosing the readable label
    /// of the stem.
    count: u32,
    /// The written id of the spelling that is exactly this word (so in
    /// lowercase), or [`NO_ID`] while none was met.
    normal_form: u32,
}

/// An entity mention's words as written (by written id): up to four packed
/// into one integer, longer ones kept whole.
#[derive(Default)]
struct SpanIds {
    short: FastMap<u128, u32>,
    long: FastMap<Box<[u32]>, u32>,
}

/// What every mention written with the same words gives.
struct Span {
    /// Provisional entity id of the key.
    entity: u32,
    /// Provisional entity id of the last word as an alias, or [`NO_ID`].
    alias: u32,
    /// As written ("Vladimir Putin").
    label: String,
    /// Mentions in the chunk being read.
    mentions: u32,
}

/// The written ids of the spellings a thread met last, in a small table
/// that stays in the core's L2 cache: the few thousand most frequent words
/// make most of a text, and this answers them without probing the thread's
/// whole spelling table, which outgrows the cache on a large site. Each
/// hash picks a set of two slots in one cache line (two-way associative):
/// with one slot per hash, two frequent words with the same slot pushed
/// each other out all the time.
struct RecentWords {
    sets: Box<[RecentSet]>,
}

/// Two slots of [`RecentWords`], the newer first, in one cache line.
#[derive(Clone, Copy)]
#[repr(align(64))]
struct RecentSet {
    slots: [(PackedWord, u32); 2],
}

impl RecentWords {
    /// Sets in the table: 8,192 of 64 bytes, 512 KiB.
    const SETS: usize = 1 << 13;

    fn new() -> Self {
        let empty = RecentSet {
            slots: [(PackedWord::NONE, NO_ID); 2],
        };
        Self {
            sets: vec![empty; Self::SETS].into_boxed_slice(),
        }
    }

    fn set(hash: u64) -> usize {
        (hash as usize) & (Self::SETS - 1)
    }

    fn get(&self, packed: &PackedWord, hash: u64) -> Option<u32> {
        let [(newer, newer_id), (older, older_id)] = &self.sets[Self::set(hash)].slots;
        if newer == packed {
            Some(*newer_id)
        } else if older == packed {
            Some(*older_id)
        } else {
            None
        }
    }

    /// Puts `packed` first in its set; the newer of the two there moves
    /// second, the older is forgotten.
    fn put(&mut self, packed: PackedWord, hash: u64, id: u32) {
        let set = &mut self.sets[Self::set(hash)].slots;
        set[1] = set[0];
        set[0] = (packed, id);
    }
}

/// One language's word caches for one thread: every distinct spelling is
/// looked up in the run-wide tables once per thread, and every mention of
/// an entity written the same way is read once. Caches go from chunk to
/// chunk (see [`build_with_bodies`]); what they hold does not depend on which chunks a
/// thread read before, only how soon they fill up.
///
/// It borrows nothing from the texts (long spellings are copied), so a
/// chunk's texts can be freed as soon as it is read ([`count_taking_texts`]).
struct WordCache {
    tools: &'static LanguageTools,
    language: u8,
    packed_ids: FastMap<PackedWord, u32>,
    recent: RecentWords,
    long_ids: FastMap<Box<str>, u32>,
    written: Vec<WrittenWord>,
    /// Run-wide normalised id → index in `normalised`.
    normalised_ids: FastMap<u32, u32>,
    normalised: Vec<NormalisedWord>,
    span_ids: SpanIds,
    spans: Vec<Span>,
    /// The written words and the spans counted in the chunk being read.
    counted_words: Vec<u32>,
    counted_spans: Vec<u32>,
}

impl WordCache {
    fn new(tools: &'static LanguageTools, language: u8) -> Self {
        Self {
            tools,
            language,
            packed_ids: FastMap::default(),
            recent: RecentWords::new(),
            long_ids: FastMap::default(),
            written: Vec::new(),
            normalised_ids: FastMap::default(),
            normalised: Vec::new(),
            span_ids: SpanIds::default(),
            spans: Vec::new(),
            counted_words: Vec::new(),
            counted_spans: Vec::new(),
        }
    }

    /// The id of the word packed as `packed` when it is in the table of
    /// recent spellings, else [`NO_ID`].
    fn recent_id(&self, packed: Option<PackedWord>) -> u32 {
        packed.map_or(NO_ID, |packed| {
            self.recent
                .get(&packed, packed.fast_hash())
                .unwrap_or(NO_ID)
        })
    }

    /// The id of a word as written, the word at `word.offset` in `text`,
    /// adding it (and its normalised form) the first time this thread sees
    /// it.
    fn written_id(
        &mut self,
        text: &str,
        word: &Word<'_>,
        shared: &SharedWords,
        buffer: &mut String,
    ) -> u32 {
        let packed =
            PackedWord::in_text(text.as_bytes(), word.offset, word.text.len(), self.language);
        let word = word.text;
        let hash = packed.as_ref().map_or(0, PackedWord::fast_hash);
        if let Some(packed) = &packed {
            if let Some(id) = self.recent.get(packed, hash) {
                return id;
            }
        }
        let known = match &packed {
            Some(packed) => self.packed_ids.get(packed),
            None => self.long_ids.get(word),
        };
        if let Some(&id) = known {
            if let Some(packed) = packed {
                self.recent.put(packed, hash, id);
            }
            return id;
        }
        let info = shared.written(word, packed, self.tools, self.language, buffer);
        let id = self.written.len() as u32;
        let normalised = match info.word {
            Some(word) => {
                let normalised = self.normalised_id(word);
                if info.is_normal_form {
                    self.normalised[normalised as usize].normal_form = id;
                }
                normalised
            }
            None => NO_ID,
        };
        self.written.push(WrittenWord {
            normalised,
            term: info.word.map_or(NO_ID, |word| word.term),
            body_key: info.word.map_or(NO_ID, |word| word.body_key),
            count: 0,
            lowercase_in: 0,
            capitalised_inside_in: 0,
            starts_lowercase: info.starts_lowercase,
            starts_uppercase: info.starts_uppercase,
            is_connector: info.is_connector,
            is_normal_form: info.is_normal_form,
            weak: info.word.is_none_or(|word| word.weak),
        });
        match packed {
            Some(packed) => {
                self.recent.put(packed, hash, id);
                self.packed_ids.insert(packed, id)
            }
            None => self.long_ids.insert(word.into(), id),
        };
        id
    }

    fn normalised_id(&mut self, info: WordInfo) -> u32 {
        if let Some(&id) = self.normalised_ids.get(&info.normalised) {
            return id;
        }
        let id = self.normalised.len() as u32;
        self.normalised.push(NormalisedWord {
            info,
            count: 0,
            normal_form: NO_ID,
        });
        self.normalised_ids.insert(info.normalised, id);
        id
    }

    /// The span of the mention written with `words` (`ids` their written
    /// ids), adding it, its entity and its alias on first sight.
    fn span(
        &mut self,
        words: &[Word<'_>],
        ids: &[u32],
        shared: &SharedWords,
        entity_alias: f32,
        buffer: &mut String,
    ) -> usize {
        let short_key = (ids.len() <= 4).then(|| {
            // Every id + 1 is non-zero, so the length shows too.
            ids.iter()
                .fold(0u128, |key, &id| (key << 32) | u128::from(id + 1))
        });
        let known = match short_key {
            Some(key) => self.span_ids.short.get(&key),
            None => self.span_ids.long.get(ids),
        };
        if let Some(&span) = known {
            return span as usize;
        }
        let mut key = String::new();
        let mut label = String::new();
        for word in words {
            if !key.is_empty() {
                key.push(' ');
                label.push(' ');
            }
            // A one-letter word inside a name ("John F Kennedy") keeps its
            // lowercased letter.
            normalise_word(word.text, buffer);
            key.push_str(buffer);
            label.push_str(strip_possessive(word.text));
        }
        let entity = shared.entity_id(&key);
        let alias = match key.rsplit_once(' ') {
            Some((_, last)) if entity_alias > 0.0 && last.chars().nth(1).is_some() => {
                shared.entity_id(last)
            }
            _ => NO_ID,
        };
        let span = self.spans.len() as u32;
        self.spans.push(Span {
            entity,
            alias,
            label,
            mentions: 0,
        });
        match short_key {
            Some(key) => self.span_ids.short.insert(key, span),
            None => self.span_ids.long.insert(ids.into(), span),
        };
        span as usize
    }
}

/// Bits of [`CachedFacts::shapes`]: what entity detection asks of every
/// word, copied out of the word's cache entry while the counting pass has it
/// at hand, so that detection reads them in order instead of visiting each
/// word's entry again.
const CAPITALISED: u8 = 1;
const CONNECTOR: u8 = 2;
const WEAK: u8 = 4;

/// The [`CAPITALISED`], [`CONNECTOR`] and [`WEAK`] bits of a written word.
fn shape_of(written: &WrittenWord) -> u8 {
    let mut shape = 0;
    if written.starts_uppercase {
        shape |= CAPITALISED;
    }
    if written.is_connector {
        shape |= CONNECTOR;
    }
    if written.weak {
        shape |= WEAK;
    }
    shape
}

/// Entity detection's questions about one body, answered from the thread's
/// word cache and the marks its words left for this document.
struct CachedFacts<'c> {
    cache: &'c WordCache,
    /// The written-word id of each body word, by position.
    ids: &'c [u32],
    /// The shape ([`shape_of`]) of each body word, by position.
    shapes: &'c [u8],
    /// This document's stamp.
    stamp: u32,
}

impl CachedFacts<'_> {
    fn written(&self, position: usize) -> Option<&WrittenWord> {
        self.cache.written.get(*self.ids.get(position)? as usize)
    }
}

impl WordFacts for CachedFacts<'_> {
    fn is_capitalised(&mut self, position: usize) -> bool {
        self.shapes
            .get(position)
            .is_some_and(|shape| shape & CAPITALISED != 0)
    }

    fn is_connector(&mut self, position: usize) -> bool {
        self.shapes
            .get(position)
            .is_some_and(|shape| shape & CONNECTOR != 0)
    }

    fn is_weak(&mut self, position: usize) -> bool {
        self.shapes
            .get(position)
            .is_none_or(|shape| shape & WEAK != 0)
    }

    fn next_capitalised(&mut self, from: usize, end: usize) -> usize {
        self.shapes
            .get(from..end)
            .and_then(|shapes| shapes.iter().position(|shape| shape & CAPITALISED != 0))
            .map_or(end, |offset| from + offset)
    }

    fn written_in_lowercase(&mut self, position: usize) -> bool {
        let cache = self.cache;
        self.written(position)
            .and_then(|w| cache.normalised.get(w.normalised as usize))
            .and_then(|n| cache.written.get(n.normal_form as usize))
            .is_some_and(|lowercase| lowercase.lowercase_in == self.stamp)
    }

    fn capitalised_inside(&mut self, position: usize) -> bool {
        self.written(position)
            .is_some_and(|w| w.capitalised_inside_in == self.stamp)
    }
}

/// One id's counts in one document, and its document frequency.
#[derive(Clone, Copy, Default)]
struct Slot {
    /// Occurrences weighted by where they are (headline, first paragraph).
    weight: f32,
    /// Occurrences in the body, unweighted (for near-duplicates).
    body: u32,
    /// The stamp of the document the counts are of: older ones are stale.
    document: u32,
    /// Documents of the thread's chunks the id occurs in. Kept in the
    /// slot, which counting the document has just visited, rather than in
    /// an array of its own that would cost one more cache miss per id.
    documents: u32,
}

/// The counts of one document, summed in a dense array indexed by
/// provisional id; [`DenseCounts::pack`] moves them out.
#[derive(Default)]
struct DenseCounts {
    slots: Vec<Slot>,
    touched: Vec<u32>,
    /// The stamp of the document being counted.
    document: u32,
}

impl DenseCounts {
    fn add(&mut self, id: u32, weight: f32, body: u32) {
        let idx = id as usize;
        if idx >= self.slots.len() {
            self.slots.resize(idx + 1, Slot::default());
        }
        let slot = &mut self.slots[idx];
        if slot.document != self.document {
            *slot = Slot {
                weight: 0.0,
                body: 0,
                document: self.document,
                documents: slot.documents,
            };
            self.touched.push(id);
        }
        slot.weight += weight;
        slot.body += body;
    }

    /// Appends the document's counts to `packed`, in the order ids were
    /// first added, and counts the document in the frequency of each id.
    fn pack(&mut self, packed: &mut PackedCounts) {
        for id in self.touched.drain(..) {
            let slot = &mut self.slots[id as usize];
            packed.push(id, slot.weight, slot.body);
            slot.documents += 1;
        }
    }
}

/// Per-document counts (id, weight, body count), packed into bytes while
/// they wait for the run's document frequencies: a fraction of the memory
/// of `(u32, f32)` pairs. Ids and counts are LEB128 varints; a weight that
/// is a multiple of ½ below 2^23 (every weight with the default weighting)
/// is a varint of twice its value, any other weight its four bytes.
#[derive(Default)]
struct PackedCounts {
    bytes: Vec<u8>,
    /// Where each document's entries end in `bytes`.
    ends: Vec<usize>,
}

impl PackedCounts {
    fn push(&mut self, id: u32, weight: f32, body: u32) {
        push_varint(&mut self.bytes, id);
        let twice = weight * 2.0;
        // `twice` is whole and in [0, 2^24) exactly when converting it to
        // an integer and back gives it again (the conversion saturates, and
        // sends NaN to 0); no call to `fract`.
        let whole = twice as u32;
        if whole < 1 << 24 && whole as f32 == twice {
            push_varint(&mut self.bytes, whole << 1);
        } else {
            push_varint(&mut self.bytes, 1);
            self.bytes
                .extend_from_slice(&weight.to_bits().to_le_bytes());
        }
        push_varint(&mut self.bytes, body);
    }

    fn end_document(&mut self) {
        self.ends.push(self.bytes.len());
    }

    fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// The entries of document `idx` of the chunk, in the order pushed.
    fn document(&self, idx: usize) -> impl Iterator<Item = (u32, f32, u32)> + '_ {
        let start = if idx == 0 { 0 } else { self.ends[idx - 1] };
        let bytes = &self.bytes[start..self.ends[idx]];
        let mut at = 0;
        std::iter::from_fn(move || {
            if at >= bytes.len() {
                return None;
            }
            let id = read_varint(bytes, &mut at);
            let tagged = read_varint(bytes, &mut at);
            let weight = if tagged & 1 == 0 {
                (tagged >> 1) as f32 * 0.5
            } else {
                let mut raw = [0u8; 4];
                raw.copy_from_slice(&bytes[at..at + 4]);
                at += 4;
                f32::from_bits(u32::from_le_bytes(raw))
            };
            let body = read_varint(bytes, &mut at);
            Some((id, weight, body))
        })
    }
}

fn push_varint(bytes: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        bytes.push((value as u8) | 0x80);
        value >>= 7;
    }
    bytes.push(value as u8);
}

#[inline]
fn read_varint(bytes: &[u8], at: &mut usize) -> u32 {
    // Most values (weights, counts, many id gaps) fit one byte.
    if let Some(&byte) = bytes.get(*at) {
        if byte < 0x80 {
            *at += 1;
            return u32::from(byte);
        }
    }
    let mut value = 0u32;
    let mut shift = 0;
    while let Some(&byte) = bytes.get(*at) {
        *at += 1;
        value |= u32::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            break;
        }
        shift += 7;
    }
    value
}

/// The stems of every document's body with their counts, kept from the
/// features pass for near-duplicate detection ([`super::duplicates`]), so
/// that it does not read the texts again. Stems are term ids, or
/// keys above every term id for the few one-letter stems that are not
/// terms. Per chunk of `CHUNK_SIZE` documents, each document's (stem, count)
/// pairs sorted by stem, as varints of the gap from the previous stem and
/// of the count.
#[derive(Debug, Clone, Default)]
pub struct BodyStems {
    chunks: Vec<(Vec<u8>, Vec<usize>)>,
}

impl BodyStems {
    /// The stem counts of document `idx`'s body, sorted by stem, or `None`
    /// when there is no such document.
    pub fn counts(&self, idx: usize) -> Option<Vec<(u32, f32)>> {
        let (bytes, ends) = self.chunks.get(idx / CHUNK_SIZE)?;
        let within = idx % CHUNK_SIZE;
        let end = *ends.get(within)?;
        let start = if within == 0 { 0 } else { ends[within - 1] };
        let bytes = &bytes[start..end];
        let mut counts = Vec::new();
        let (mut at, mut stem) = (0, 0u32);
        while at < bytes.len() {
            stem += read_varint(bytes, &mut at);
            counts.push((stem, read_varint(bytes, &mut at) as f32));
        }
        Some(counts)
    }
}

/// What a thread keeps from chunk to chunk: its word caches and its
/// counting arrays, which hold the document frequencies of the documents it
/// read.
#[derive(Default)]
struct Worker {
    caches: Caches,
    /// Counts by provisional term id.
    terms: DenseCounts,
    /// Counts by provisional entity id.
    entities: DenseCounts,
}

/// The result of processing one chunk of documents.
struct Chunk {
    /// Per document: (provisional term id or one-letter stem key, weighted
    /// count, body count).
    terms: PackedCounts,
    /// Per document: (provisional entity id, weighted count, 0).
    entities: PackedCounts,
    word_counts: Vec<u32>,
    /// (provisional term id, run-wide normalised word id, occurrences) of
    /// every word the chunk counted, for the terms' labels.
    forms: Vec<(u32, u32, u32)>,
    /// (provisional entity id, label, mentions) of every entity the chunk
    /// counted, for the entities' labels.
    entity_forms: Vec<(u32, Box<str>, u32)>,
}

/// Word caches per language: the same spelling may be a stop word in one
/// language and a content word in another.
type Caches = BTreeMap<&'static str, WordCache>;

impl Chunk {
    /// Reads `documents`, the first of which is document `first` of the run,
    /// with `worker` (kept from the chunks the thread read before).
    fn process<'a>(
        documents: &[&Document<'a>],
        first: usize,
        weighting: &Weighting,
        shared: &SharedWords,
        worker: &mut Worker,
    ) -> Chunk {
        let Worker {
            caches,
            terms: term_counts,
            entities: entity_counts,
        } = worker;
        let mut terms = PackedCounts::default();
        let mut entities = PackedCounts::default();
        let mut word_counts = Vec::with_capacity(documents.len());
        let mut buffer = String::new();
        let mut title_words: Vec<Word<'a>> = Vec::new();
        let mut body_words: Vec<Word<'a>> = Vec::new();
        let mut body_ids: Vec<u32> = Vec::new();
        let mut body_shapes: Vec<u8> = Vec::new();
        let mut one_letter_stems: Vec<u32> = Vec::new();
        let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
        for (document_idx, document) in documents.iter().enumerate() {
            // Stamps are unique in the run and start at 1: 0 marks "never".
            let stamp = (first + document_idx) as u32 + 1;
            term_counts.document = stamp;
            entity_counts.document = stamp;
            let tools = LanguageTools::for_code(document.lang);
            let cache = caches
                .entry(tools.code)
                .or_insert_with(|| WordCache::new(tools, shared.language(tools.code)));
            let mut n_words = 0;
            // Words are collected first and looked up after, in a loop of
            // their own, so the tokenizer's loop stays small.
            title_words.clear();
            for_each_word(document.title, |word| title_words.push(word));
            for word in &title_words {
                let id = cache.written_id(document.title, word, shared, &mut buffer);
                let written = &mut cache.written[id as usize];
                if written.count == 0 {
                    cache.counted_words.push(id);
                }
                written.count += 1;
                if written.term != NO_ID {
                    term_counts.add(written.term, weighting.title, 0);
                }
                n_words += 1;
            }
            // Each body word is looked up (in the recent table, then on a
            // miss in the full one), marked for entity
            // detection, counted, and kept (with its id) for entity
            // detection, which needs the whole body's marks.
            let lead_end = lead_end(document.text);
            body_words.clear();
            for_each_word(document.text, |word| body_words.push(word));
            // Ids in three passes: the recent-spellings table answers most
            // words in a short loop whose lookups do not depend on each
            // other, so the core overlaps their cache misses; the rest are
            // looked up in full; then the words are counted.
            body_ids.clear();
            let text = document.text.as_bytes();
            body_ids.extend(body_words.iter().map(|word| {
                let packed =
                    PackedWord::in_text(text, word.offset, word.text.len(), cache.language);
                cache.recent_id(packed)
            }));
            for (word, id) in body_words.iter().zip(body_ids.iter_mut()) {
                if *id == NO_ID {
                    *id = cache.written_id(document.text, word, shared, &mut buffer);
                }
            }
            body_shapes.clear();
            for (word, &id) in body_words.iter().zip(&body_ids) {
                let written = &mut cache.written[id as usize];
                body_shapes.push(shape_of(written));
                if written.starts_lowercase {
                    if written.is_normal_form {
                        written.lowercase_in = stamp;
                    }
                } else if written.starts_uppercase && !word.sentence_start {
                    written.capitalised_inside_in = stamp;
                }
                if written.count == 0 {
                    cache.counted_words.push(id);
                }
                written.count += 1;
                if written.term != NO_ID {
                    let weight = if word.offset < lead_end {
                        weighting.lead
                    } else {
                        1.0
                    };
                    term_counts.add(written.term, weight, 1);
                } else if written.body_key != NO_ID {
                    one_letter_stems.push(written.body_key);
                }
            }
            n_words += body_ids.len();
            word_counts.push(n_words as u32);
            term_counts.pack(&mut terms);
            // Stems of one letter count for near-duplicates only (weight 0,
            // no document frequency).
            one_letter_stems.sort_unstable();
            for run in one_letter_stems.chunk_by(|a, b| a == b) {
                terms.push(run[0], 0.0, run.len() as u32);
            }
            one_letter_stems.clear();
            terms.end_document();

            let mut facts = CachedFacts {
                cache,
                ids: &body_ids,
                shapes: &body_shapes,
                stamp,
            };
            spans.clear();
            entity_spans(&body_words, tools, &mut facts, |span| spans.push(span));
            for span in &spans {
                let span = cache.span(
                    &body_words[span.clone()],
                    &body_ids[span.clone()],
                    shared,
                    weighting.entity_alias,
                    &mut buffer,
                );
                if cache.spans[span].mentions == 0 {
                    cache.counted_spans.push(span as u32);
                }
                let span = &mut cache.spans[span];
                span.mentions += 1;
                entity_counts.add(span.entity, 1.0, 0);
                if span.alias != NO_ID {
                    entity_counts.add(span.alias, weighting.entity_alias, 0);
                }
            }
            entity_counts.pack(&mut entities);
            entities.end_document();
        }
        let mut forms = Vec::new();
        let mut entity_forms = Vec::new();
        let mut counted_normalised = Vec::new();
        for cache in caches.values_mut() {
            // The readable label of a stem is its most frequent written
            // form (of the normalised words, summed over their spellings),
            // and so is an entity's.
            for id in cache.counted_words.drain(..) {
                let Some(written) = cache.written.get_mut(id as usize) else {
                    continue;
                };
                let count = std::mem::take(&mut written.count);
                if let Some(word) = cache.normalised.get_mut(written.normalised as usize) {
                    if word.count == 0 {
                        counted_normalised.push(written.normalised);
                    }
                    word.count += count;
                }
            }
            for id in counted_normalised.drain(..) {
                if let Some(word) = cache.normalised.get_mut(id as usize) {
                    if word.info.term != NO_ID {
                        forms.push((word.info.term, word.info.normalised, word.count));
                    }
                    word.count = 0;
                }
            }
            for id in cache.counted_spans.drain(..) {
                let Some(span) = cache.spans.get_mut(id as usize) else {
                    continue;
                };
                entity_forms.push((span.entity, span.label.as_str().into(), span.mentions));
                if span.alias != NO_ID {
                    let last = span
                        .label
                        .rsplit_once(' ')
                        .map_or(span.label.as_str(), |(_, last)| last);
                    entity_forms.push((span.alias, last.into(), span.mentions));
                }
                span.mentions = 0;
            }
        }
        // The counts wait for every other chunk: give back the slack.
        terms.shrink_to_fit();
        entities.shrink_to_fit();
        Chunk {
            terms,
            entities,
            word_counts,
            forms,
            entity_forms,
        }
    }
}

fn text<T: Borrow<str>>(form: &T) -> &str {
    form.borrow()
}

/// One chunk's (id, form, count) sorted by id and form, the counts of the
/// same form of the same id summed (it may come from two languages'
/// caches), as [`best_forms`] takes them.
fn summed_by_text<T: Borrow<str>>(mut forms: Vec<(u32, T, u32)>) -> Vec<(u32, T, u32)> {
    forms.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(text(&a.1).cmp(text(&b.1))));
    let mut summed: Vec<(u32, T, u32)> = Vec::with_capacity(forms.len());
    for (id, form, count) in forms {
        match summed.last_mut() {
            Some(last) if last.0 == id && text(&last.1) == text(&form) => last.2 += count,
            _ => summed.push((id, form, count)),
        }
    }
    summed
}

/// The most frequent form of every id (by final id), from each chunk's
/// (provisional id, form, count), grouped by id with each form of an id
/// once: as when every chunk kept a vocabulary of its own, each chunk first
/// picks its most frequent form of each id, and the forms picked are then
/// summed over chunks (ties: the smaller form).
fn best_forms<T: Borrow<str> + Clone + Send>(
    chunks: Vec<Vec<(u32, T, u32)>>,
    final_ids: &[u32],
    n_ids: usize,
) -> Vec<Option<T>> {
    let better = |a: &(T, u32), b: &(T, u32)| a.1.cmp(&b.1).then(text(&b.0).cmp(text(&a.0)));
    let chunk_best: Vec<Vec<(u32, T, u32)>> = chunks
        .into_par_iter()
        .map(|summed| {
            summed
                .chunk_by(|a, b| a.0 == b.0)
                .filter_map(|group| {
                    group
                        .iter()
                        .max_by(|a, b| a.2.cmp(&b.2).then(text(&b.1).cmp(text(&a.1))))
                        .cloned()
                })
                .collect()
        })
        .collect();
    let mut merged: Vec<Vec<(T, u32)>> = vec![Vec::new(); n_ids];
    for (id, form, count) in chunk_best.into_iter().flatten() {
        let Some(slot) = final_ids
            .get(id as usize)
            .and_then(|&id| merged.get_mut(id as usize))
        else {
            continue;
        };
        match slot
            .iter_mut()
            .find(|(existing, _)| text(existing) == text(&form))
        {
            Some(entry) => entry.1 += count,
            None => slot.push((form, count)),
        }
    }
    merged
        .into_iter()
        .map(|forms| {
            forms
                .into_iter()
                .max_by(|a, b| better(a, b))
                .map(|(form, _)| form)
        })
        .collect()
}

/// The byte offset where the first paragraph of a body ends.
fn lead_end(text: &str) -> usize {
    let start = text.len() - text.trim_start().len();
    text[start..]
        .find("\n\n")
        .map_or(text.len(), |idx| start + idx)
}

/// Smoothed inverse document frequency: `ln((1 + n) / (1 + df))`, so a word
/// in every document weighs (almost) nothing; raised to `power`.
fn inverse_document_frequencies(df: &[u32], n_documents: usize, power: f32) -> Vec<f32> {
    let n = n_documents as f64;
    df.iter()
        .map(|&df| (((1.0 + n) / (1.0 + f64::from(df))).ln() as f32).powf(power))
        .collect()
}

/// The term frequency a weighted count stands for: `1 + ln(count)` with
/// sublinear weighting, else the count itself.
struct TermFrequency {
    sublinear: bool,
    /// `1 + ln(k / 2)` for every `k` below the table's length, computed as
    /// [`TermFrequency::of`] would, so a table entry has the same bits: with
    /// the default weighting every count is a multiple of ½, and nearly
    /// every one is small, so `ln` is rarely called.
    halves: Vec<f32>,
}

impl TermFrequency {
    fn new(sublinear: bool) -> Self {
        let halves = if sublinear {
            (0..128u8)
                .map(|twice| 1.0 + (f32::from(twice) * 0.5).ln())
                .collect()
        } else {
            Vec::new()
        };
        Self { sublinear, halves }
    }

    fn of(&self, count: f32) -> f32 {
        if !self.sublinear {
            return count;
        }
        // Doubling is exact, so `twice` is whole exactly when `count` is a
        // multiple of ½, and then `twice * 0.5` is `count` again.
        let twice = count * 2.0;
        let whole = twice as usize;
        if whole as f32 == twice && whole < self.halves.len() {
            self.halves[whole]
        } else {
            1.0 + count.ln()
        }
    }
}

/// Weighted counts (sorted by id; used as scratch space) into an
/// L2-normalised TF-IDF vector of at most `max_terms` entries, sorted by id
/// (`idf` already raised to its power).
fn weigh(
    weighted: &mut Vec<(u32, f32)>,
    idf: &[f32],
    tf: &TermFrequency,
    max_terms: usize,
) -> SparseVector {
    for entry in weighted.iter_mut() {
        let (id, count) = *entry;
        entry.1 = tf.of(count) * idf.get(id as usize).copied().unwrap_or(0.0);
    }
    weighted.retain(|&(_, weight)| weight > 0.0);
    strongest_unit(weighted, max_terms)
}

/// The `max_terms` strongest of `weighted` (ties by the smaller id), sorted
/// by id and scaled to unit length, in a buffer of its exact size (vectors
/// live as long as the analysis; `weighted` is scratch space, used again).
/// `weighted` comes sorted by id when it is no longer than `max_terms`.
pub fn strongest_unit(weighted: &mut Vec<(u32, f32)>, max_terms: usize) -> SparseVector {
    if weighted.len() > max_terms {
        // Strongest first, ties by id: a total order, so the kept set is
        // the same whichever way it is selected.
        weighted.select_nth_unstable_by(max_terms - 1, |a, b| {
            b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
        });
        weighted.truncate(max_terms);
        weighted.sort_unstable_by_key(|&(id, _)| id);
    }
    let norm = weighted
        .iter()
        .map(|&(_, w)| f64::from(w) * f64::from(w))
        .sum::<f64>()
        .sqrt();
    if norm > 0.0 {
        weighted
            .iter()
            .map(|&(id, w)| (id, (f64::from(w) / norm) as f32))
            .collect()
    } else {
        weighted.to_vec()
    }
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
    fn freeing_texts_chunk_by_chunk_counts_the_same() {
        // Several chunks, two languages, entities and words too long to
        // pack (which the word caches copy now that texts go early).
        let texts: Vec<String> = (0..CHUNK_SIZE * 2 + 7)
            .map(|i| {
                format!(
                    "Captain Ahab{} sailed from harbour number{}. The \
                     internationalisation{} of Vladimir Putin's \
                     counterrevolutionaries{} continued.\n\nMore{i} later.",
                    i % 5,
                    i % 13,
                    i % 3,
                    i % 7
                )
            })
            .collect();
        let langs = ["en", "fr"];
        let docs: Vec<Document<'_>> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| Document {
                title: "News of the harbour",
                text,
                lang: langs[i % 2],
            })
            .collect();
        let weighting = Weighting::default();
        let (borrowed, borrowed_bodies) = count(&docs, &[], &weighting).weigh(true);
        let owned = docs
            .iter()
            .map(|document| OwnedText {
                title: document.title,
                text: document.text.to_owned(),
                lang: document.lang,
            })
            .collect();
        let (taken, taken_bodies) = count_taking_texts(owned, &weighting).weigh(true);
        assert_eq!(borrowed.term_labels, taken.term_labels);
        assert_eq!(borrowed.vectors, taken.vectors);
        assert_eq!(borrowed.entity_labels, taken.entity_labels);
        assert_eq!(borrowed.entity_vectors, taken.entity_vectors);
        assert_eq!(borrowed.word_counts, taken.word_counts);
        assert_eq!(
            borrowed.term_document_frequency,
            taken.term_document_frequency
        );
        for idx in 0..docs.len() {
            assert_eq!(borrowed_bodies.counts(idx), taken_bodies.counts(idx));
        }
        assert!(borrowed
            .term_labels
            .iter()
            .any(|label| label.starts_with("counterrevolution")));
        assert!(borrowed
            .entity_labels
            .iter()
            .any(|label| label == "Vladimir Putin"));
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
    fn long_words_and_long_names_match_like_short_ones() {
        let docs = [
            doc(
                "Reform",
                "The internationalisation of Ferdinand Maximilian Joseph Maria von Habsburg was discussed.",
            ),
            doc(
                "Reform",
                "Critics doubt the internationalisation pledged by Ferdinand Maximilian Joseph Maria von Habsburg.",
            ),
            doc("Other", "Rain is expected in Oslo."),
        ];
        let features = build(&docs, &[], &Weighting::default());
        let terms: Vec<&str> = shared(&features.vectors[0], &features.vectors[1])
            .iter()
            .map(|&(id, _)| features.term_labels[id as usize].as_str())
            .collect();
        assert!(terms.contains(&"internationalisation"), "{terms:?}");
        let names: Vec<&str> = shared(&features.entity_vectors[0], &features.entity_vectors[1])
            .iter()
            .map(|&(id, _)| features.entity_labels[id as usize].as_str())
            .collect();
        assert_eq!(
            names,
            ["Ferdinand Maximilian Joseph Maria von Habsburg", "Habsburg"]
        );
    }

    #[test]
    fn a_stop_word_in_one_language_can_be_a_term_in_another() {
        let docs = [
            Document {
                title: "Grèves",
                text: "Les grèves continuent dans les usines.",
                lang: "fr",
            },
            doc(
                "Guitars",
                "Collectors bought les guitars and les amplifiers.",
            ),
        ];
        let features = build(&docs, &[], &Weighting::default());
        let labels = |idx: usize| -> Vec<&str> {
            features.vectors[idx]
                .iter()
                .map(|&(id, _)| features.term_labels[id as usize].as_str())
                .collect()
        };
        assert!(!labels(0).contains(&"les"), "{:?}", labels(0));
        assert!(labels(1).contains(&"les"), "{:?}", labels(1));
    }

    #[test]
    fn body_stems_count_body_words_but_not_the_headline_or_stop_words() {
        let docs = [
            doc(
                "Sanctions",
                "Sanctions hit the oil exports.\n\nOil prices rose as exports fell.",
            ),
            doc("Other", "Rain is expected in Oslo."),
        ];
        let (features, bodies) = build_with_bodies(&docs, &[], &Weighting::default(), true);
        let mut counts: Vec<(&str, f32)> = bodies
            .counts(0)
            .unwrap_or_default()
            .into_iter()
            .map(|(id, count)| (features.term_labels[id as usize].as_str(), count))
            .collect();
        counts.sort_by(|a, b| a.0.cmp(b.0));
        assert_eq!(
            counts,
            [
                ("exports", 2.0),
                ("fell", 1.0),
                ("hit", 1.0),
                ("oil", 2.0),
                ("prices", 1.0),
                ("rose", 1.0),
                ("sanctions", 1.0)
            ]
        );
        assert!(bodies.counts(2).is_none());
        // The same vectors as without the body stems.
        assert_eq!(
            features.vectors,
            build(&docs, &[], &Weighting::default()).vectors
        );
    }

    #[test]
    fn a_word_packs_the_same_wherever_it_stands_in_a_text() {
        for word in [
            "a",
            "sanction",
            "sanctions",
            "internationally",
            "counterproposals",
        ] {
            for padding in 0..20 {
                let text = format!("{word}{}", " ".repeat(padding));
                let before = format!("x {text}");
                let at_start = PackedWord::in_text(text.as_bytes(), 0, word.len(), 3);
                let after_one = PackedWord::in_text(before.as_bytes(), 2, word.len(), 3);
                assert_eq!(at_start, after_one, "{word:?} before {padding} spaces");
                assert_ne!(
                    at_start,
                    PackedWord::in_text(text.as_bytes(), 0, word.len(), 4)
                );
            }
        }
        let long = "counterrevolutionaries";
        assert_eq!(PackedWord::in_text(long.as_bytes(), 0, long.len(), 0), None);
        let [a, b] = ["internationalise", "internationalism"]
            .map(|w| PackedWord::in_text(w.as_bytes(), 0, w.len(), 0));
        assert_ne!(a, b);
    }

    #[test]
    fn cosine_is_one_for_itself_and_zero_for_disjoint() {
        let a = vec![(1, 0.6), (3, 0.8)];
        let b = vec![(2, 1.0)];
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&a, &b), 0.0);
    }
}
