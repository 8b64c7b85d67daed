//! Articles into vectors: a TF-IDF vector of stemmed words (title and first
//! paragraph weighted higher, sublinear term frequency) and a TF-IDF vector of
//! entity-like key phrases, both L2-normalised and sorted by id, plus a
//! readable label for every term and entity.
//!
//! Articles are processed in parallel in fixed-size chunks. Each chunk looks
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
    let all: Vec<&Document<'_>> = documents.iter().chain(background.iter()).collect();
    let shared = SharedWords::new(weighting.stemming);
    // Each thread takes a set of word caches for a chunk and gives it back
    // after, so a spelling is looked up in the shared tables once per thread
    // rather than once per chunk.
    let pool: Mutex<Vec<Caches<'_>>> = Mutex::default();
    let mut chunks: Vec<Chunk> = all
        .par_chunks(CHUNK_SIZE)
        .enumerate()
        .map(|(chunk_idx, docs)| {
            let mut caches = lock(&pool).pop().unwrap_or_default();
            let chunk = Chunk::process(
                docs,
                chunk_idx * CHUNK_SIZE,
                weighting,
                &shared,
                &mut caches,
            );
            lock(&pool).push(caches);
            chunk
        })
        .collect();
    drop(pool);
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
        .iter_mut()
        .map(|chunk| {
            std::mem::take(&mut chunk.forms)
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
        .iter_mut()
        .map(|chunk| std::mem::take(&mut chunk.entity_forms))
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

    // Remap every chunk's ids to final ones, in parallel and in place.
    let remapped: Vec<Chunk> = chunks
        .into_par_iter()
        .map(|mut chunk| {
            remap(&mut chunk.term_counts, &term_ids);
            remap(&mut chunk.entity_counts, &entity_ids);
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
    let term_idf = inverse_document_frequencies(&term_df, n_documents, weighting.idf_power);
    let entity_idf = inverse_document_frequencies(&entity_df, n_documents, weighting.idf_power);

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

/// No id: a stop word, or a word too short to count.
const NO_ID: u32 = u32::MAX;

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
    /// Per word of the shard: (language code, term, weak) for every language
    /// it was met in.
    languages: Vec<Vec<(&'static str, u32, bool)>>,
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

    /// The index of a language code, for [`PackedWord::language`].
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
            Some(packed) => {
                let mut hasher = FastHasher::default();
                packed.hash(&mut hasher);
                ((hasher.finish() >> 32) as usize) & (SHARDS - 1)
            }
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
            let &(_, term, weak) = shard
                .languages
                .get(index as usize)?
                .iter()
                .find(|(code, _, _)| *code == tools.code)?;
            Some(WordInfo {
                normalised: provisional_id(shard_idx, index as usize),
                term,
                weak,
            })
        };
        if let Some(info) = known(&lock(&self.words[shard_idx])) {
            return info;
        }
        // Stemming, the slow part, runs without the lock. Two threads that
        // meet a new word at once both stem it, to the same result; the
        // first to insert it wins.
        let term = if tools.is_stop_word(word) {
            NO_ID
        } else {
            let stem = if self.stemming {
                tools.stem(word)
            } else {
                std::borrow::Cow::Borrowed(word)
            };
            if stem.chars().nth(1).is_none() {
                NO_ID
            } else {
                self.stem_id(&stem)
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
        let (term, weak) = match languages.iter().find(|(code, _, _)| *code == tools.code) {
            Some(&(_, term, weak)) => (term, weak),
            None => {
                languages.push((tools.code, term, weak));
                (term, weak)
            }
        };
        WordInfo {
            normalised: provisional_id(shard_idx, index as usize),
            term,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct PackedWord {
    head: u64,
    tail: u64,
    len: u8,
    /// The index of the language the word is read in ([`SharedWords::language`]).
    language: u8,
}

impl PackedWord {
    /// The packed form of `word`, or `None` when it is longer than 16 bytes.
    fn of(word: &str, language: u8) -> Option<Self> {
        let bytes = word.as_bytes();
        let len = bytes.len();
        let load8 = |at: usize| {
            let mut word = [0u8; 8];
            word.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(word)
        };
        let load4 = |at: usize| {
            let mut word = [0u8; 4];
            word.copy_from_slice(&bytes[at..at + 4]);
            u64::from(u32::from_le_bytes(word))
        };
        // The first and the last 8 (or 4) bytes overlap for shorter words;
        // with the length they still tell every word apart.
        let (head, tail) = match len {
            17.. => return None,
            8.. => (load8(0), load8(len - 8)),
            4.. => (load4(0) | (load4(len - 4) << 32), 0),
            _ => (
                bytes
                    .iter()
                    .rev()
                    .fold(0u64, |packed, &b| (packed << 8) | u64::from(b)),
                0,
            ),
        };
        Some(Self {
            head,
            tail,
            len: len as u8,
            language,
        })
    }
}

/// A word as written, seen somewhere in the chunk.
struct WrittenWord {
    /// Index of its normalised form in [`WordCache::normalised`], or
    /// [`NO_ID`] when it normalises to nothing (one letter).
    normalised: u32,
    starts_lowercase: bool,
    starts_uppercase: bool,
    /// A lowercase name connector as written ("of", "de").
    is_connector: bool,
    /// Written exactly as its normalised form, so in lowercase: a body using
    /// it writes that normalised word in lowercase.
    is_normal_form: bool,
    /// The last document (chunk-local stamp) whose body writes it
    /// capitalised inside a sentence.
    capitalised_inside_in: u32,
}

/// A normalised (lowercased, possessive-free) word seen in the chunk.
struct NormalisedWord {
    info: WordInfo,
    /// Occurrences, for choosing the readable label of the stem.
    count: u32,
    /// The last document (chunk-local stamp) whose body writes this word in
    /// lowercase, exactly as normalised.
    lowercase_in: u32,
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

/// One language's word caches for one thread: every distinct spelling is
/// looked up in the run-wide tables once per thread, and every mention of
/// an entity written the same way is read once. Caches go from chunk to
/// chunk (see [`build`]); what they hold does not depend on which chunks a
/// thread read before, only how soon they fill up.
struct WordCache<'a> {
    tools: &'static LanguageTools,
    language: u8,
    packed_ids: FastMap<PackedWord, u32>,
    long_ids: FastMap<&'a str, u32>,
    written: Vec<WrittenWord>,
    /// Run-wide normalised id → index in `normalised`.
    normalised_ids: FastMap<u32, u32>,
    normalised: Vec<NormalisedWord>,
    span_ids: SpanIds,
    spans: Vec<Span>,
    /// The normalised words and spans counted in the chunk being read.
    counted_words: Vec<u32>,
    counted_spans: Vec<u32>,
}

impl<'a> WordCache<'a> {
    fn new(tools: &'static LanguageTools, language: u8) -> Self {
        Self {
            tools,
            language,
            packed_ids: FastMap::default(),
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

    /// The id of a word as written, adding it (and its normalised form) on
    /// first sight in the chunk.
    fn written_id(&mut self, word: &'a str, shared: &SharedWords, buffer: &mut String) -> u32 {
        let packed = PackedWord::of(word, self.language);
        let known = match &packed {
            Some(packed) => self.packed_ids.get(packed),
            None => self.long_ids.get(word),
        };
        if let Some(&id) = known {
            return id;
        }
        let info = shared.written(word, packed, self.tools, self.language, buffer);
        let normalised = match info.word {
            Some(word) => self.normalised_id(word),
            None => NO_ID,
        };
        let id = self.written.len() as u32;
        self.written.push(WrittenWord {
            normalised,
            starts_lowercase: info.starts_lowercase,
            starts_uppercase: info.starts_uppercase,
            is_connector: info.is_connector,
            is_normal_form: info.is_normal_form,
            capitalised_inside_in: 0,
        });
        match packed {
            Some(packed) => self.packed_ids.insert(packed, id),
            None => self.long_ids.insert(word, id),
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
            lowercase_in: 0,
        });
        self.normalised_ids.insert(info.normalised, id);
        id
    }

    fn normalised_of(&self, written: u32) -> Option<&NormalisedWord> {
        let written = self.written.get(written as usize)?;
        self.normalised.get(written.normalised as usize)
    }

    /// The span of the mention written with `words` (`ids` their written
    /// ids), adding it, its entity and its alias on first sight.
    fn span(
        &mut self,
        words: &[Word<'a>],
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

    fn normalised(&self, position: usize) -> Option<&NormalisedWord> {
        self.cache.normalised_of(*self.ids.get(position)?)
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
        self.normalised(position).is_none_or(|n| n.info.weak)
    }

    fn written_in_lowercase(&mut self, position: usize) -> bool {
        self.normalised(position)
            .is_some_and(|n| n.lowercase_in == self.stamp)
    }

    fn capitalised_inside(&mut self, position: usize) -> bool {
        self.written(position)
            .is_some_and(|w| w.capitalised_inside_in == self.stamp)
    }
}

/// Weighted counts of one document, summed in a dense array indexed by
/// id; `take` returns them and clears the array.
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

    /// The counts in the order ids were first added (`remap` sorts them).
    fn take(&mut self) -> Vec<(u32, f32)> {
        self.touched
            .drain(..)
            .map(|id| (id, std::mem::take(&mut self.values[id as usize])))
            .collect()
    }
}

/// The result of processing one chunk of documents.
struct Chunk {
    /// Per document: weighted counts by provisional term id.
    term_counts: Vec<Vec<(u32, f32)>>,
    /// Per document: weighted counts by provisional entity id.
    entity_counts: Vec<Vec<(u32, f32)>>,
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
type Caches<'a> = BTreeMap<&'static str, WordCache<'a>>;

impl Chunk {
    /// Reads `documents`, the first of which is document `first` of the run,
    /// with `caches` (kept from the chunks the thread read before).
    fn process<'a>(
        documents: &[&Document<'a>],
        first: usize,
        weighting: &Weighting,
        shared: &SharedWords,
        caches: &mut Caches<'a>,
    ) -> Chunk {
        let mut term_counts = Vec::with_capacity(documents.len());
        let mut entity_counts = Vec::with_capacity(documents.len());
        let mut word_counts = Vec::with_capacity(documents.len());
        let mut buffer = String::new();
        let mut counts = DenseCounts::default();
        let mut body_words: Vec<Word<'a>> = Vec::new();
        let mut body_ids: Vec<u32> = Vec::new();
        let mut title_ids: Vec<u32> = Vec::new();
        let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
        for (document_idx, document) in documents.iter().enumerate() {
            // Stamps are unique in the run and start at 1: 0 marks "never".
            let stamp = (first + document_idx) as u32 + 1;
            let tools = LanguageTools::for_code(document.lang);
            let cache = caches
                .entry(tools.code)
                .or_insert_with(|| WordCache::new(tools, shared.language(tools.code)));
            // The body is split into words once, for terms and entities.
            body_words.clear();
            for_each_word(document.text, |word| body_words.push(word));
            body_ids.clear();
            for word in &body_words {
                let id = cache.written_id(word.text, shared, &mut buffer);
                body_ids.push(id);
                let written = &mut cache.written[id as usize];
                if written.starts_lowercase {
                    if written.is_normal_form {
                        let normalised = written.normalised as usize;
                        if let Some(entry) = cache.normalised.get_mut(normalised) {
                            entry.lowercase_in = stamp;
                        }
                    }
                } else if written.starts_uppercase && !word.sentence_start {
                    written.capitalised_inside_in = stamp;
                }
            }
            title_ids.clear();
            for_each_word(document.title, |word| {
                title_ids.push(cache.written_id(word.text, shared, &mut buffer));
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
                if entry.count == 0 {
                    cache.counted_words.push(normalised);
                }
                entry.count += 1;
                if entry.info.term != NO_ID {
                    counts.add(entry.info.term, weight);
                }
            }
            term_counts.push(counts.take());
            word_counts.push((title_ids.len() + body_ids.len()) as u32);

            let mut facts = CachedFacts {
                cache,
                ids: &body_ids,
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
                counts.add(span.entity, 1.0);
                if span.alias != NO_ID {
                    counts.add(span.alias, weighting.entity_alias);
                }
            }
            entity_counts.push(counts.take());
        }
        let mut forms = Vec::new();
        let mut entity_forms = Vec::new();
        for cache in caches.values_mut() {
            // The readable label of a stem is its most frequent written
            // form, and so is an entity's.
            for id in cache.counted_words.drain(..) {
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
        Chunk {
            term_counts,
            entity_counts,
            word_counts,
            forms,
            entity_forms,
        }
    }
}

/// The most frequent form of every id (by final id), from each chunk's
/// (provisional id, form, count): as when every chunk kept a vocabulary of
/// its own, each chunk first picks its most frequent form of each id, and
/// the forms picked are then summed over chunks (ties: the smaller form).
fn best_forms<T: Borrow<str> + Clone + Send>(
    chunks: Vec<Vec<(u32, T, u32)>>,
    final_ids: &[u32],
    n_ids: usize,
) -> Vec<Option<T>> {
    fn text<T: Borrow<str>>(form: &T) -> &str {
        form.borrow()
    }
    let better = |a: &(T, u32), b: &(T, u32)| a.1.cmp(&b.1).then(text(&b.0).cmp(text(&a.0)));
    let chunk_best: Vec<Vec<(u32, T, u32)>> = chunks
        .into_par_iter()
        .map(|mut forms| {
            // The same form may come from two languages' caches: summed.
            forms.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(text(&a.1).cmp(text(&b.1))));
            let mut summed: Vec<(u32, T, u32)> = Vec::with_capacity(forms.len());
            for (id, form, count) in forms {
                match summed.last_mut() {
                    Some(last) if last.0 == id && text(&last.1) == text(&form) => last.2 += count,
                    _ => summed.push((id, form, count)),
                }
            }
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
/// in every document weighs (almost) nothing; raised to `power`.
fn inverse_document_frequencies(df: &[u32], n_documents: usize, power: f32) -> Vec<f32> {
    let n = n_documents as f64;
    df.iter()
        .map(|&df| (((1.0 + n) / (1.0 + f64::from(df))).ln() as f32).powf(power))
        .collect()
}

/// Weighted counts into an L2-normalised TF-IDF vector of at most
/// `max_terms` entries, sorted by id (`idf` already raised to its power).
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
        entry.1 = tf * idf.get(id as usize).copied().unwrap_or(0.0);
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
    fn cosine_is_one_for_itself_and_zero_for_disjoint() {
        let a = vec![(1, 0.6), (3, 0.8)];
        let b = vec![(2, 1.0)];
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&a, &b), 0.0);
    }
}
