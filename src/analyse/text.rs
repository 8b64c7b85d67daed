//! Text into words: the tokenizer, stop words, Snowball stemming and the
//! entity-like key phrases ("White House", "Vladimir Putin") that the rest of
//! analysis turns into TF-IDF and entity vectors.
//!
//! Everything here works on one piece of text at a time and allocates as
//! little as it can, because analysis of a large archive spends most of its
//! time in this file.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_segmentation::UnicodeSegmentation;

/// Words that carry little meaning in news text on top of the language's
/// general stop-word list: reporting verbs and honorifics appear in nearly
/// every English article, so they only add noise to similarity.
const EXTRA_ENGLISH_STOP_WORDS: &[&str] = &[
    "said",
    "says",
    "say",
    "told",
    "tell",
    "also",
    "would",
    "could",
    "should",
    "might",
    "must",
    "may",
    "mr",
    "mrs",
    "ms",
    "dr",
    "one",
    "two",
    "us",
    "yesterday",
    "today",
    "tomorrow",
    "last",
    "first",
    "new",
    "according",
    "including",
    "however",
    "since",
    "many",
    "much",
    "per",
    "cent",
    "percent",
    "week",
    "year",
    "years",
    "day",
    "days",
    "time",
    "made",
    "make",
    "get",
    "got",
    "go",
    "going",
    "like",
    "well",
    "still",
    "yet",
    "even",
    "back",
    "way",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "reuters",
    "ap",
    "afp",
];

/// French news words that carry little meaning (see the English list).
const EXTRA_FRENCH_STOP_WORDS: &[&str] = &[
    "a",
    "été",
    "être",
    "dit",
    "selon",
    "aussi",
    "plus",
    "comme",
    "fait",
    "faire",
    "cette",
    "ces",
    "tout",
    "tous",
    "deux",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
    "afp",
    "an",
    "ans",
    "année",
];

/// German news words that carry little meaning (see the English list).
const EXTRA_GERMAN_STOP_WORDS: &[&str] = &[
    "sagte",
    "sagt",
    "laut",
    "mehr",
    "sei",
    "seien",
    "worden",
    "wurde",
    "wurden",
    "schon",
    "montag",
    "dienstag",
    "mittwoch",
    "donnerstag",
    "freitag",
    "samstag",
    "sonntag",
    "januar",
    "februar",
    "märz",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "dezember",
    "dpa",
    "jahr",
    "jahre",
    "jahren",
    "prozent",
];

/// Words that start with a capital letter in English but are not names:
/// calendar words and titles. They never start or form an entity on their own.
const NOT_ENTITIES: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "mr",
    "mrs",
    "ms",
    "dr",
    "i",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
    "m",
    "mme",
];

/// Lowercase words allowed inside a name ("Bank of England", "Charles de
/// Gaulle") when a capitalised word follows them.
const NAME_CONNECTORS: &[&str] = &[
    "of", "de", "du", "des", "la", "von", "van", "der", "al", "bin",
];

/// A fast, deterministic hasher for the short keys (words, ids) analysis
/// looks up millions of times; the standard SipHash guards against crafted
/// keys, which a site's own articles are not, at several times the cost.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher {
    hash: u64,
}

impl FastHasher {
    const MULTIPLIER: u64 = 0x517c_c1b7_2722_0a95;

    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::MULTIPLIER);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        // The low bits of a product depend only on the low bits of its
        // factors, so without this the low bits, which pick a hash table's
        // bucket, would depend on little more than each word's first letter
        // or two and pile words into the same few buckets. The rotation
        // brings the well-mixed high bits down (as rustc-hash does).
        self.hash.rotate_left(26)
    }
}

/// A hash map with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
/// A hash set with [`FastHasher`].
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

/// Stop words and a stemmer for one language.
pub struct LanguageTools {
    /// The ISO 639-1 code the tools are for, or `""` when the language is
    /// not supported (then words are only lowercased).
    pub code: &'static str,
    stemmer: Option<Stemmer>,
    stop_words: FastSet<&'static str>,
    /// German capitalises every noun, so a lone capitalised word says nothing
    /// about being a name there: only runs of two or more words count.
    single_word_entities: bool,
}

impl LanguageTools {
    fn new(code: &'static str, algorithm: Option<Algorithm>) -> Self {
        let mut stop_words: FastSet<&'static str> = FastSet::default();
        if !code.is_empty() {
            if let Some(list) = stop_words::lookup(code) {
                stop_words.extend(list.iter().copied());
            }
        }
        let extra: &[&'static str] = match code {
            "en" => EXTRA_ENGLISH_STOP_WORDS,
            "fr" => EXTRA_FRENCH_STOP_WORDS,
            "de" => EXTRA_GERMAN_STOP_WORDS,
            _ => &[],
        };
        stop_words.extend(extra.iter().copied());
        Self {
            code,
            stemmer: algorithm.map(Stemmer::create),
            stop_words,
            single_word_entities: code != "de",
        }
    }

    /// The tools for a language code such as `en`, `fr-CA` or `de_DE`
    /// (case-insensitive). An unsupported language gets tools that only
    /// lowercase: no stop words, no stemming.
    pub fn for_code(lang: &str) -> &'static LanguageTools {
        let primary = lang
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let (slot, code, algorithm) = match primary.as_str() {
            "en" | "" => (0, "en", Some(Algorithm::English)),
            "fr" => (1, "fr", Some(Algorithm::French)),
            "de" => (2, "de", Some(Algorithm::German)),
            "es" => (3, "es", Some(Algorithm::Spanish)),
            "it" => (4, "it", Some(Algorithm::Italian)),
            "pt" => (5, "pt", Some(Algorithm::Portuguese)),
            "nl" => (6, "nl", Some(Algorithm::Dutch)),
            "sv" => (7, "sv", Some(Algorithm::Swedish)),
            "da" => (8, "da", Some(Algorithm::Danish)),
            "no" | "nb" | "nn" => (9, "no", Some(Algorithm::Norwegian)),
            "fi" => (10, "fi", Some(Algorithm::Finnish)),
            "ru" => (11, "ru", Some(Algorithm::Russian)),
            "ro" => (12, "ro", Some(Algorithm::Romanian)),
            "hu" => (13, "hu", Some(Algorithm::Hungarian)),
            "tr" => (14, "tr", Some(Algorithm::Turkish)),
            "el" => (15, "el", Some(Algorithm::Greek)),
            "ar" => (16, "ar", Some(Algorithm::Arabic)),
            _ => (17, "", None),
        };
        static TOOLS: [OnceLock<LanguageTools>; 18] = [const { OnceLock::new() }; 18];
        TOOLS[slot].get_or_init(|| LanguageTools::new(code, algorithm))
    }

    /// True for a lowercased word that carries little meaning.
    pub fn is_stop_word(&self, word: &str) -> bool {
        self.stop_words.contains(word)
    }

    /// The Snowball stem of a lowercased word (the word itself when the
    /// language has no stemmer).
    pub fn stem<'a>(&self, word: &'a str) -> Cow<'a, str> {
        match &self.stemmer {
            Some(stemmer) => stemmer.stem(word),
            None => Cow::Borrowed(word),
        }
    }
}

/// One word of a text, with what entity detection needs to know about its
/// surroundings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word<'a> {
    /// The word as written.
    pub text: &'a str,
    /// Its byte offset in the text.
    pub offset: usize,
    /// True when it opens a sentence (or the text, or a line).
    pub sentence_start: bool,
    /// True when only spaces separate it from the previous word, so both
    /// can belong to one name.
    pub joined_to_previous: bool,
}

/// Calls `visit` for every word of `text` (Unicode word boundaries, UAX #29),
/// in order. Numbers and punctuation are skipped.
pub fn for_each_word<'a>(text: &'a str, mut visit: impl FnMut(Word<'a>)) {
    // News text after smart punctuation is ASCII but for typographic
    // quotes, apostrophes, dashes and the like: then one scan of the whole
    // text splits it as the pieces below would, reading the gaps (quotes,
    // dashes and no-break spaces included) as it skips them.
    if is_smart_ascii(text) {
        let mut first = true;
        ascii_words(text, &mut |start, word, gap, has_letter| {
            if has_letter {
                visit(Word {
                    text: word,
                    offset: start,
                    sentence_start: first || gap.sentence_break,
                    joined_to_previous: !first && gap.only_spaces,
                });
            }
            first = false;
        });
    } else {
        words_by_pieces(text, visit);
    }
}

/// [`for_each_word`] line by line, each line split at its [`HARD_BREAKS`]
/// and each piece split by [`ascii_words`] when it can and by the Unicode
/// rules when not.
fn words_by_pieces<'a>(text: &'a str, mut visit: impl FnMut(Word<'a>)) {
    let mut previous_end = 0;
    let mut first = true;
    // `known`: the gap before the word and whether the word has a letter,
    // when the fast path saw them while scanning.
    let mut handle = |start: usize, word: &'a str, known: Option<(Gap, bool)>| {
        let (sentence_start, joined_to_previous, has_letter) = match known {
            Some((gap, has_letter)) if !first => (gap.sentence_break, gap.only_spaces, has_letter),
            _ => {
                let gap = text.get(previous_end..start).unwrap_or("");
                (
                    first
                        || gap.chars().any(|c| {
                            matches!(c, '.' | '!' | '?' | ':' | ';' | '\n' | '"' | '“' | '”')
                        }),
                    !first && gap.chars().all(|c| c == ' ' || c == '\u{a0}'),
                    word.chars().any(char::is_alphabetic),
                )
            }
        };
        previous_end = start + word.len();
        first = false;
        if !has_letter {
            return;
        }
        visit(Word {
            text: word,
            offset: start,
            sentence_start,
            joined_to_previous,
        });
    };
    // Most news text is plain ASCII, apart from typographic quotes and
    // dashes; segmenting it by hand is several times faster than the general
    // Unicode rules and splits the same. Words never span lines, nor the
    // characters in `HARD_BREAKS`, so each piece between them takes the fast
    // path when it can. The fast path also reads the gap between two words
    // of one piece as it skips it; the gap before a piece's first word
    // reaches back into the pieces before, so `handle` reads that one.
    fn fast_piece<'a>(
        offset: usize,
        piece: &'a str,
        handle: &mut impl FnMut(usize, &'a str, Option<(Gap, bool)>),
    ) {
        let mut first_in_piece = true;
        ascii_words(piece, &mut |start, word, gap, has_letter| {
            let known = (!first_in_piece).then_some((gap, has_letter));
            first_in_piece = false;
            handle(offset + start, word, known);
        });
    }
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        if line.is_ascii() {
            fast_piece(line_start, line, &mut handle);
        } else {
            for (piece_start, piece) in pieces(line) {
                let offset = line_start + piece_start;
                if piece.bytes().all(|b| b.is_ascii()) || only_ascii_and_apostrophes(piece) {
                    fast_piece(offset, piece, &mut handle);
                } else {
                    for (start, word) in piece.unicode_word_indices() {
                        handle(offset + start, word, None);
                    }
                }
            }
        }
        line_start += line.len();
    }
}

/// What separates two words of a piece of text.
#[derive(Debug, Clone, Copy)]
struct Gap {
    /// It holds a character that ends a sentence or opens a quotation
    /// (`.`, `!`, `?`, `:`, `;`, a line break or `"`).
    sentence_break: bool,
    /// It holds nothing but spaces, so the two words can belong to one name.
    only_spaces: bool,
}

/// Characters with a word boundary on both sides under UAX #29 (word break
/// property "Other"), which news text uses often: typographic double
/// quotes, dashes, the ellipsis, guillemets and the no-break space.
const HARD_BREAKS: &[char] = &[
    '\u{201c}', '\u{201d}', '\u{2013}', '\u{2014}', '\u{2026}', '\u{ab}', '\u{bb}', '\u{a0}',
];

/// Splits a line at its [`HARD_BREAKS`] (which go with neither piece), each
/// piece with its byte offset. A break character followed by a non-ASCII
/// character that is not itself a break is kept inside the piece, because a
/// combining mark or joiner after it would attach to it (rule WB4).
fn pieces(line: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = line.as_bytes();
    let mut rest_start = 0;
    // Always at a char boundary, so the first non-ASCII byte from here on
    // opens a char: only those are decoded, ASCII is skipped byte by byte.
    let mut search_from = 0;
    std::iter::from_fn(move || {
        while let Some(found) = bytes
            .get(search_from..)
            .and_then(|rest| rest.iter().position(|&b| !b.is_ascii()))
        {
            let idx = search_from + found;
            let Some(c) = line[idx..].chars().next() else {
                break;
            };
            search_from = idx + c.len_utf8();
            if !HARD_BREAKS.contains(&c) {
                continue;
            }
            let next_is_plain = line[search_from..]
                .chars()
                .next()
                .is_none_or(|next| next.is_ascii() || HARD_BREAKS.contains(&next));
            if !next_is_plain {
                continue;
            }
            let piece = (rest_start, &line[rest_start..idx]);
            rest_start = search_from;
            return Some(piece);
        }
        search_from = line.len();
        if rest_start <= line.len() {
            let piece = (rest_start, &line[rest_start..]);
            rest_start = line.len() + 1;
            return Some(piece);
        }
        None
    })
}

/// True when every non-ASCII character of `text` is a typographic
/// apostrophe (‘ ’) or one of the [`HARD_BREAKS`] followed by ASCII, another
/// hard break or nothing: then [`pieces`] would split every line at each of
/// its hard breaks and hand every piece to [`ascii_words`], which splits the
/// whole text the same way in one scan (a hard break is a gap to it, as a
/// piece's end is).
fn is_smart_ascii(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut idx = 0;
    loop {
        idx = next_non_ascii(bytes, idx);
        let Some(c) = text.get(idx..).and_then(|rest| rest.chars().next()) else {
            return true;
        };
        idx += c.len_utf8();
        if c == '\u{2018}' || c == '\u{2019}' {
            continue;
        }
        if !HARD_BREAKS.contains(&c) {
            return false;
        }
        let next_is_plain = text[idx..]
            .chars()
            .next()
            .is_none_or(|next| next.is_ascii() || HARD_BREAKS.contains(&next));
        if !next_is_plain {
            return false;
        }
    }
}

/// The index of the first non-ASCII byte at or after `idx`, or the length
/// of `bytes`; 32 bytes at a time while they are all ASCII (most of a
/// news text is), then eight at a time.
fn next_non_ascii(bytes: &[u8], mut idx: usize) -> usize {
    while let Some(chunk) = bytes.get(idx..idx + 32) {
        let any_high = chunk.chunks_exact(8).fold(0, |high, word| {
            let mut eight = [0u8; 8];
            eight.copy_from_slice(word);
            high | u64::from_le_bytes(eight)
        }) & HIGH_BITS;
        if any_high != 0 {
            break;
        }
        idx += 32;
    }
    while let Some(chunk) = bytes.get(idx..idx + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let high = u64::from_le_bytes(word) & HIGH_BITS;
        if high != 0 {
            return idx + (high.trailing_zeros() / 8) as usize;
        }
        idx += 8;
    }
    while bytes.get(idx).is_some_and(u8::is_ascii) {
        idx += 1;
    }
    idx.min(bytes.len())
}

/// True when the only non-ASCII characters of `text` are typographic
/// apostrophes (‘ ’), which [`ascii_words`] handles like `'`.
fn only_ascii_and_apostrophes(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii() || c == '\u{2018}' || c == '\u{2019}')
}

/// Byte classes for [`ascii_words`], as bit flags in [`BYTE_CLASSES`]: one
/// table load per byte instead of a chain of range checks.
const WORD_BYTE: u8 = 1;
const LETTER: u8 = 2;
const DIGIT: u8 = 4;
/// Ends a sentence or opens a quotation (see [`Gap::sentence_break`]).
const SENTENCE_BREAK: u8 = 8;
const SPACE: u8 = 16;
/// May join the word bytes on either side into one word (`'`, `.`, `:`,
/// `,`, `;`, or the first byte of a typographic apostrophe).
const MAY_JOIN: u8 = 32;
/// The first byte of a no-break space or of a typographic double quote
/// (and of other characters), which a gap reads as a space or as a
/// sentence break (see [`Gap`]).
const GAP_LEAD: u8 = 64;

/// The class flags of every byte (non-ASCII bytes have none but
/// `MAY_JOIN` on the first byte of a typographic apostrophe).
static BYTE_CLASSES: [u8; 256] = {
    let mut classes = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let byte = b as u8;
        let mut class = 0;
        if byte.is_ascii_alphabetic() {
            class |= WORD_BYTE | LETTER;
        }
        if byte.is_ascii_digit() {
            class |= WORD_BYTE | DIGIT;
        }
        if byte == b'_' {
            class |= WORD_BYTE;
        }
        if matches!(byte, b'.' | b'!' | b'?' | b':' | b';' | b'\n' | b'"') {
            class |= SENTENCE_BREAK;
        }
        if byte == b' ' {
            class |= SPACE;
        }
        if matches!(byte, b'\'' | b'.' | b':' | b',' | b';') {
            class |= MAY_JOIN;
        }
        classes[b] = class;
        b += 1;
    }
    classes[0xE2] = MAY_JOIN | GAP_LEAD;
    classes[0xC2] = GAP_LEAD;
    classes
};

/// The class flags of `b` ([`BYTE_CLASSES`]).
fn class_of(b: u8) -> u8 {
    BYTE_CLASSES[usize::from(b)]
}

/// The words of a text of ASCII and typographic apostrophes (and of
/// [`HARD_BREAKS`] between words, read as gaps), as UAX #29 finds them: runs of letters, digits and `_`, where `'`, `‘`, `’`, `.` or
/// `:` between two letters ("don't", "U.S") and `.`, `,`, `;`, `'`, `‘` or
/// `’` between two digits ("3.5", "4,000") do not split.
fn ascii_words<'a>(text: &'a str, visit: &mut impl FnMut(usize, &'a str, Gap, bool)) {
    let bytes = text.as_bytes();
    let mut idx = 0;
    let mut gap = Gap {
        sentence_break: false,
        only_spaces: true,
    };
    while idx < bytes.len() {
        let class = class_of(bytes[idx]);
        if class & WORD_BYTE == 0 {
            // A gap read as characters: a typographic double quote breaks a
            // sentence and a no-break space is a space, as the Unicode path
            // reads them; any other non-ASCII byte is neither.
            if class & GAP_LEAD != 0 {
                match (bytes[idx], bytes.get(idx + 1), bytes.get(idx + 2)) {
                    (0xE2, Some(0x80), Some(0x9C | 0x9D)) => {
                        gap.sentence_break = true;
                        gap.only_spaces = false;
                        idx += 3;
                        continue;
                    }
                    (0xC2, Some(0xA0), _) => {
                        idx += 2;
                        continue;
                    }
                    _ => {}
                }
            }
            gap.sentence_break |= class & SENTENCE_BREAK != 0;
            gap.only_spaces &= class & SPACE != 0;
            idx += 1;
            continue;
        }
        let start = idx;
        // Most words start with a letter, which settles `has_letter` at
        // once; the others are checked at their end.
        let starts_with_letter = class & LETTER != 0;
        idx += 1;
        loop {
            idx = end_of_word_bytes(bytes, idx);
            let Some(&b) = bytes.get(idx) else {
                break;
            };
            // Most words end at a space or a byte that can join nothing.
            if class_of(b) & MAY_JOIN == 0 {
                break;
            }
            // A typographic apostrophe is the three bytes E2 80 98 or 99;
            // like `'` it is MidNumLet.
            let (mid_num_let, width) = match (b, bytes.get(idx + 1), bytes.get(idx + 2)) {
                (b'\'' | b'.', _, _) => (true, 1),
                (0xE2, Some(0x80), Some(0x98 | 0x99)) => (true, 3),
                _ => (false, 1),
            };
            let (Some(&before), Some(&after)) = (bytes.get(idx - 1), bytes.get(idx + width)) else {
                break;
            };
            let (before, after) = (class_of(before), class_of(after));
            // UAX #29 rules WB6/7 (MidLetter, MidNumLet) and WB11/12 (MidNum,
            // MidNumLet), restricted to ASCII.
            let joins = ((mid_num_let || b == b':') && before & after & LETTER != 0)
                || ((mid_num_let || matches!(b, b',' | b';')) && before & after & DIGIT != 0);
            if joins {
                idx += width + 1;
            } else {
                break;
            }
        }
        // Every index here is at an ASCII byte, hence a char boundary.
        let word = &text[start..idx];
        let has_letter = starts_with_letter || word.bytes().any(|b| class_of(b) & LETTER != 0);
        visit(start, word, gap, has_letter);
        gap = Gap {
            sentence_break: false,
            only_spaces: true,
        };
    }
}

/// The index of the first byte at or after `idx` that is not a word byte
/// (letter, digit, `_`), or the length of `bytes`. Eight bytes are
/// classified at once: most words end within the first eight, so the loop
/// rarely takes a second round and its exit is easy to predict.
fn end_of_word_bytes(bytes: &[u8], mut idx: usize) -> usize {
    while let Some(chunk) = bytes.get(idx..idx + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let not_word = !word_byte_mask(u64::from_le_bytes(word)) & HIGH_BITS;
        if not_word != 0 {
            return idx + (not_word.trailing_zeros() / 8) as usize;
        }
        idx += 8;
    }
    while bytes
        .get(idx)
        .is_some_and(|&b| class_of(b) & WORD_BYTE != 0)
    {
        idx += 1;
    }
    idx
}

/// The high bit of every byte of a `u64`.
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// `b` in every byte of a `u64`.
const fn every_byte(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// The high bit of each byte of `x` set where that byte is a word byte
/// (ASCII letter, digit or `_`, as [`WORD_BYTE`]), the other bits clear.
fn word_byte_mask(x: u64) -> u64 {
    let ascii = !x & HIGH_BITS;
    let low = x & !HIGH_BITS;
    // For bytes below 0x80, `b + (0x80 - lo)` has its high bit set exactly
    // when `b >= lo`, and never carries into the next byte.
    let at_least = |bytes: u64, lo: u8| (bytes + every_byte(0x80 - lo)) & HIGH_BITS;
    let between = |bytes: u64, lo: u8, hi: u8| at_least(bytes, lo) & !at_least(bytes, hi + 1);
    // Setting bit 5 lowercases letters and maps no other byte onto one.
    let letters = between(low | every_byte(0x20), b'a', b'z');
    let digits = between(low, b'0', b'9');
    let underscores = between(low, b'_', b'_');
    (letters | digits | underscores) & ascii
}

/// Lowercases `word` into `buffer` and strips possessives ("Putin's") and
/// elisions ("l'armée"). Returns false when what is left is too short to
/// mean anything (one letter).
pub fn normalise_word(word: &str, buffer: &mut String) -> bool {
    buffer.clear();
    if word.is_ascii() {
        buffer.push_str(word);
        buffer.make_ascii_lowercase();
    } else {
        buffer.extend(word.chars().flat_map(char::to_lowercase));
    }
    if buffer.contains(['\'', '’']) {
        let cleaned = clean_apostrophes(buffer);
        buffer.clear();
        buffer.push_str(&cleaned);
    }
    buffer.chars().nth(1).is_some()
}

/// "putin's" → "putin", "l'armée" → "armée", "don't" → "dont".
fn clean_apostrophes(word: &str) -> String {
    let mut word = word;
    for suffix in ["'s", "’s"] {
        if let Some(stripped) = word.strip_suffix(suffix) {
            word = stripped;
        }
    }
    if let Some(idx) = word.find(['\'', '’']) {
        let head = &word[..idx];
        // Elided French and Italian articles and pronouns are one or two
        // letters ("l'", "d'", "qu'"): the word is what follows them.
        if head.chars().count() <= 2 || head == "qu" {
            let rest = &word[idx..];
            let rest = rest.trim_start_matches(['\'', '’']);
            return rest.replace(['\'', '’'], "");
        }
    }
    word.replace(['\'', '’'], "")
}

/// An entity-like key phrase found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityMention {
    /// Lowercased, possessives stripped, words joined by one space: what
    /// mentions are matched on ("white house").
    pub key: String,
    /// As written ("White House").
    pub label: String,
}

/// The entity-like key phrases of `text`: runs of capitalised words
/// ("Vladimir Putin", "Bank of England"), with stop words trimmed from their
/// ends. A capitalised word that opens a sentence only counts when the text
/// never uses it in lowercase, so "Officials said…" gives no entity while
/// "Moscow said…" does. Mentions are returned in order, repeats included.
pub fn entities(text: &str, tools: &LanguageTools) -> Vec<EntityMention> {
    let mut words = Vec::new();
    for_each_word(text, |word| words.push(word));
    entities_in(&words, tools)
}

/// [`entities`] of a text already split into words.
pub fn entities_in(words: &[Word<'_>], tools: &LanguageTools) -> Vec<EntityMention> {
    let mut facts = WordShapes::of(words, tools);
    let mut mentions = Vec::new();
    let mut buffer = String::new();
    entity_spans(words, tools, &mut facts, |span| {
        let mut key = String::new();
        let mut label = String::new();
        for word in &words[span] {
            if !key.is_empty() {
                key.push(' ');
                label.push(' ');
            }
            normalise_word(word.text, &mut buffer);
            key.push_str(&buffer);
            label.push_str(strip_possessive(word.text));
        }
        mentions.push(EntityMention { key, label });
    });
    mentions
}

/// What entity detection needs to know about the words of one text, each
/// asked by the word's position in the text's word list. [`entities_in`]
/// answers from the words themselves; analysis of a whole site answers from
/// caches shared by many texts, which is what makes this a trait.
pub trait WordFacts {
    /// True when the word starts with a capital letter.
    fn is_capitalised(&mut self, position: usize) -> bool;
    /// True when the word, as written, is a lowercase name connector ("of",
    /// "de").
    fn is_connector(&mut self, position: usize) -> bool;
    /// True when the word cannot open or close a name: one letter, a stop
    /// word, a calendar word or title, or a connector (after lowercasing).
    fn is_weak(&mut self, position: usize) -> bool;
    /// True when the word's normalised form ([`normalise_word`]) is written,
    /// in lowercase, somewhere in the text.
    fn written_in_lowercase(&mut self, position: usize) -> bool;
    /// True when the text capitalises this word, as written, inside a
    /// sentence somewhere.
    fn capitalised_inside(&mut self, position: usize) -> bool;
    /// The position of the first capitalised word in `from..end`, or `end`
    /// when there is none.
    fn next_capitalised(&mut self, from: usize, end: usize) -> usize {
        (from..end)
            .find(|&position| self.is_capitalised(position))
            .unwrap_or(end)
    }
}

/// True when a lowercased word cannot open or close a name.
pub fn is_weak_in_name(normalised: &str, tools: &LanguageTools) -> bool {
    tools.is_stop_word(normalised)
        || NOT_ENTITIES.contains(&normalised)
        || NAME_CONNECTORS.contains(&normalised)
}

/// True when a word, as written, may join two capitalised words into one
/// name ("Bank of England").
pub fn is_name_connector(word: &str) -> bool {
    NAME_CONNECTORS.contains(&word)
}

/// Finds the entity-like key phrases of `words` (see [`entities`]) and calls
/// `emit` with the positions of the words of each, in order, repeats
/// included.
pub fn entity_spans(
    words: &[Word<'_>],
    tools: &LanguageTools,
    facts: &mut impl WordFacts,
    mut emit: impl FnMut(std::ops::Range<usize>),
) {
    // A run is always a stretch of consecutive words: capitalised words and
    // the connectors between them.
    let mut run_start = 0;
    let mut run_end = 0;
    let mut pending_connector = false;
    let mut flush = |start: usize, end: usize, facts: &mut dyn WordFacts| {
        if let Some((first, last)) = trimmed_span(words, start, end, tools, facts) {
            emit(first..last);
        }
    };
    let mut position = 0;
    while position < words.len() {
        if run_start == run_end {
            // No run to extend or end (nor a pending connector, which only
            // follows a run): the words before the next capitalised one
            // would each only move the empty run past them, so it jumps
            // there at once. Most words of a text are skipped here.
            position = facts.next_capitalised(position, words.len());
            run_start = position;
            run_end = position;
            if position == words.len() {
                break;
            }
        }
        let word = &words[position];
        let continues = word.joined_to_previous && !word.sentence_start;
        let run_is_empty = run_start == run_end;
        if facts.is_capitalised(position) {
            if continues && !run_is_empty {
                // A pending connector sits right before this word, and so
                // joins the run with it.
            } else {
                flush(run_start, run_end, facts);
                run_start = position;
            }
            pending_connector = false;
            run_end = position + 1;
            position += 1;
            continue;
        }
        if continues && !run_is_empty && !pending_connector && facts.is_connector(position) {
            pending_connector = true;
            position += 1;
            continue;
        }
        pending_connector = false;
        if !run_is_empty {
            flush(run_start, run_end, facts);
        }
        run_start = position + 1;
        run_end = position + 1;
        position += 1;
    }
    flush(run_start, run_end, facts);
}

/// The run `words[start..end]` with weak words trimmed from its ends, or
/// `None` when nothing that can be a name is left.
fn trimmed_span(
    words: &[Word<'_>],
    mut start: usize,
    mut end: usize,
    tools: &LanguageTools,
    facts: &mut dyn WordFacts,
) -> Option<(usize, usize)> {
    while start < end {
        // A capitalised word opening a sentence is a common word when the
        // text also writes it in lowercase ("Officials said…").
        if facts.is_weak(start)
            || (words[start].sentence_start && facts.written_in_lowercase(start))
        {
            start += 1;
        } else {
            break;
        }
    }
    while end > start && facts.is_weak(end - 1) {
        end -= 1;
    }
    let n_words = end - start;
    if n_words == 0 || (n_words == 1 && !tools.single_word_entities) {
        return None;
    }
    // A lone capitalised word that opens a sentence is only a name when the
    // text also capitalises it inside a sentence: "Talks with…" is not.
    if n_words == 1 && words[start].sentence_start && !facts.capitalised_inside(start) {
        return None;
    }
    Some((start, end))
}

/// How a text writes its words, to tell common words that open a sentence
/// ("Officials said") from names ("Moscow said").
struct WordShapes<'w, 'a> {
    words: &'w [Word<'a>],
    tools: &'w LanguageTools,
    buffer: String,
    /// Words written in lowercase somewhere.
    lowercase: FastSet<&'a str>,
    /// Capitalised words seen inside a sentence somewhere.
    capitalised_inside: FastSet<&'a str>,
}

impl<'w, 'a> WordShapes<'w, 'a> {
    fn of(words: &'w [Word<'a>], tools: &'w LanguageTools) -> Self {
        let mut shapes = WordShapes {
            words,
            tools,
            buffer: String::new(),
            lowercase: FastSet::default(),
            capitalised_inside: FastSet::default(),
        };
        for word in words {
            match word.text.chars().next() {
                Some(c) if c.is_lowercase() => {
                    shapes.lowercase.insert(word.text);
                }
                Some(c) if c.is_uppercase() && !word.sentence_start => {
                    shapes.capitalised_inside.insert(word.text);
                }
                _ => {}
            }
        }
        shapes
    }
}

impl WordFacts for WordShapes<'_, '_> {
    fn is_capitalised(&mut self, position: usize) -> bool {
        self.words[position]
            .text
            .chars()
            .next()
            .is_some_and(char::is_uppercase)
    }

    fn is_connector(&mut self, position: usize) -> bool {
        is_name_connector(self.words[position].text)
    }

    fn is_weak(&mut self, position: usize) -> bool {
        !normalise_word(self.words[position].text, &mut self.buffer)
            || is_weak_in_name(&self.buffer, self.tools)
    }

    fn written_in_lowercase(&mut self, position: usize) -> bool {
        normalise_word(self.words[position].text, &mut self.buffer)
            && self.lowercase.contains(self.buffer.as_str())
    }

    fn capitalised_inside(&mut self, position: usize) -> bool {
        self.capitalised_inside.contains(self.words[position].text)
    }
}

/// A word without its English possessive ("Putin's" → "Putin").
pub fn strip_possessive(word: &str) -> &str {
    word.strip_suffix("'s")
        .or_else(|| word.strip_suffix("’s"))
        .unwrap_or(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        for_each_word(text, |word| out.push(word.text));
        out
    }

    fn keys(text: &str, lang: &str) -> Vec<String> {
        entities(text, LanguageTools::for_code(lang))
            .into_iter()
            .map(|mention| mention.key)
            .collect()
    }

    #[test]
    fn tokenizer_splits_unicode_words_and_skips_numbers() {
        assert_eq!(
            words("Prices rose 3.5% in Zürich — «l’économie» va mieux, 2024."),
            [
                "Prices",
                "rose",
                "in",
                "Zürich",
                "l’économie",
                "va",
                "mieux"
            ]
        );
    }

    #[test]
    fn ascii_fast_path_splits_like_unicode_rules() {
        let text = "The U.S. envoy's 4,000-strong team (G20) met at 3.5 p.m.; don't ask_me \
                    why--or how. \"Quoted,\" she said. e.g. x1.y2 a'b 'tis a:b 1;2 1'2 1:2 a,b";
        let mut fast = Vec::new();
        ascii_words(text, &mut |start, word, _, _| fast.push((start, word)));
        let unicode: Vec<(usize, &str)> = text.unicode_word_indices().collect();
        assert_eq!(fast, unicode);
    }

    #[test]
    fn eight_bytes_at_once_classify_like_the_byte_table() {
        for byte in 0..=255u8 {
            for at in 0..8 {
                let mut bytes = [b'a'; 8];
                bytes[at] = byte;
                let mask = word_byte_mask(u64::from_le_bytes(bytes));
                let is_word = mask & (0x80 << (8 * at)) != 0;
                assert_eq!(is_word, class_of(byte) & WORD_BYTE != 0, "byte {byte:#x}");
                let expected = if is_word { 8 } else { at };
                assert_eq!(end_of_word_bytes(&bytes, 0), expected, "byte {byte:#x}");
            }
        }
    }

    #[test]
    fn smart_punctuation_splits_like_unicode_rules() {
        let text = "\u{201c}Don\u{2019}t,\u{201d} she said \u{2014} 4\u{2019}000 l\u{2019}arm\u{e9}e \u{ab}Oui\u{bb}\u{a0}non\u{2026} \u{2018}tis a\u{2019}\u{2019}b";
        let mut fast = Vec::new();
        for_each_word(text, |word| fast.push((word.offset, word.text)));
        let unicode: Vec<(usize, &str)> = text
            .unicode_word_indices()
            .filter(|(_, w)| w.chars().any(char::is_alphabetic))
            .collect();
        assert_eq!(fast, unicode);
    }

    proptest::proptest! {
        #[test]
        fn fast_paths_split_like_unicode_rules(
            text in "([a-z0-9_ .,;:'\n\"]|\u{201c}|\u{201d}|\u{2018}|\u{2019}|\u{2013}|\u{2014}|\u{2026}|\u{ab}|\u{bb}|\u{a0}|\u{e9}|\u{301}|\u{200d}|\u{202f}|\u{5d0}){0,40}"
        ) {
            let mut fast = Vec::new();
            for_each_word(&text, |word| fast.push((word.offset, word.text)));
            let unicode: Vec<(usize, &str)> = text
                .unicode_word_indices()
                .filter(|(_, w)| w.chars().any(char::is_alphabetic))
                .collect();
            proptest::prop_assert_eq!(fast, unicode);
        }
    }

    proptest::proptest! {
        #[test]
        fn one_scan_splits_like_the_pieces(
            text in "([a-zA-Z0-9_ .,;:!?'\n\"]|\u{201c}|\u{201d}|\u{2018}|\u{2019}|\u{2013}|\u{2014}|\u{2026}|\u{ab}|\u{bb}|\u{a0}){0,80}"
        ) {
            let mut scanned = Vec::new();
            for_each_word(&text, |word| scanned.push(word));
            let mut by_pieces = Vec::new();
            words_by_pieces(&text, |word| by_pieces.push(word));
            proptest::prop_assert_eq!(scanned, by_pieces);
        }
    }

    #[test]
    fn the_first_non_ascii_byte_is_found_wherever_it_stands() {
        for len in [0, 7, 8, 31, 32, 33, 70] {
            for at in 0..=len {
                let mut bytes = vec![b'a'; len];
                if at < len {
                    bytes[at] = 0xC3;
                }
                for from in [0, 1, 9].into_iter().filter(|&from| from <= at) {
                    assert_eq!(next_non_ascii(&bytes, from), at, "len {len}, at {at}");
                }
            }
        }
    }

    #[test]
    fn smart_ascii_is_read_in_one_scan() {
        assert!(is_smart_ascii(
            "\u{201c}Don\u{2019}t\u{201d} \u{2014} x\u{a0}y\u{2026}"
        ));
        assert!(!is_smart_ascii("Zürich"));
        assert!(!is_smart_ascii("a\u{201c}\u{2019}b"));
    }

    /// The words of `text` with their flags, straight from the Unicode
    /// rules and the gaps between all tokens (numbers included).
    fn reference_words(text: &str) -> Vec<(usize, &str, bool, bool)> {
        let mut out = Vec::new();
        let mut previous_end = None;
        for (start, word) in text.unicode_word_indices() {
            let gap = &text[previous_end.unwrap_or(0)..start];
            let sentence_start = previous_end.is_none()
                || gap.chars().any(|c| {
                    matches!(
                        c,
                        '.' | '!' | '?' | ':' | ';' | '\n' | '"' | '\u{201c}' | '\u{201d}'
                    )
                });
            let joined = previous_end.is_some() && gap.chars().all(|c| c == ' ' || c == '\u{a0}');
            previous_end = Some(start + word.len());
            if word.chars().any(char::is_alphabetic) {
                out.push((start, word, sentence_start, joined));
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn sentence_starts_and_joins_follow_the_gaps(
            text in "([a-zA-Z0-9 .,;:!?'\n\"]|\u{201c}|\u{201d}|\u{2019}|\u{2014}|\u{a0}|\u{e9}){0,60}"
        ) {
            let mut fast = Vec::new();
            for_each_word(&text, |word| {
                fast.push((word.offset, word.text, word.sentence_start, word.joined_to_previous));
            });
            proptest::prop_assert_eq!(fast, reference_words(&text));
        }
    }

    #[test]
    fn normalise_strips_possessives_and_elisions() {
        let mut buffer = String::new();
        assert!(normalise_word("Putin's", &mut buffer));
        assert_eq!(buffer, "putin");
        assert!(normalise_word("l’Économie", &mut buffer));
        assert_eq!(buffer, "économie");
        assert!(normalise_word("qu'il", &mut buffer));
        assert_eq!(buffer, "il");
        assert!(!normalise_word("A", &mut buffer));
    }

    #[test]
    fn english_stems_and_stop_words() {
        let en = LanguageTools::for_code("en-GB");
        assert_eq!(en.code, "en");
        assert_eq!(en.stem("sanctions"), "sanction");
        assert_eq!(en.stem("negotiating"), "negoti");
        assert!(en.is_stop_word("the"));
        assert!(en.is_stop_word("said"));
        assert!(!en.is_stop_word("sanctions"));
    }

    #[test]
    fn french_and_german_have_their_own_stemmer_and_stop_words() {
        let fr = LanguageTools::for_code("fr");
        assert_eq!(fr.code, "fr");
        assert!(fr.is_stop_word("les"));
        assert!(!fr.is_stop_word("the"));
        assert_eq!(fr.stem("élections"), fr.stem("élection"));
        let de = LanguageTools::for_code("DE_at");
        assert_eq!(de.code, "de");
        assert!(de.is_stop_word("und"));
        assert_eq!(
            de.stem("Regierungen".to_lowercase().as_str()),
            de.stem("regierung")
        );
    }

    #[test]
    fn unknown_language_only_lowercases() {
        let tools = LanguageTools::for_code("xx");
        assert_eq!(tools.code, "");
        assert_eq!(tools.stem("running"), "running");
        assert!(!tools.is_stop_word("the"));
    }

    #[test]
    fn entities_are_runs_of_capitalised_words() {
        let text = "The White House said on Monday that Vladimir Putin's envoy met \
                    officials of the Bank of England. Officials said talks went well. \
                    Moscow denied it. Reports from Moscow differ.";
        assert_eq!(
            keys(text, "en"),
            [
                "white house",
                "vladimir putin",
                "bank of england",
                "moscow",
                "moscow"
            ]
        );
    }

    #[test]
    fn entity_label_keeps_the_written_form() {
        let found = entities(
            "Talks with Vladimir Putin's team",
            LanguageTools::for_code("en"),
        );
        assert_eq!(found[0].label, "Vladimir Putin");
    }

    #[test]
    fn punctuation_breaks_a_name() {
        assert_eq!(
            keys("They met Paris, London and Rome.", "en"),
            ["paris", "london", "rome"]
        );
    }

    #[test]
    fn german_needs_two_capitalised_words() {
        assert_eq!(
            keys(
                "Die Regierung in Berlin lobte Angela Merkel und die Deutsche Bank.",
                "de"
            ),
            ["angela merkel", "deutsche bank"]
        );
    }
}
