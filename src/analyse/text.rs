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
        self.hash
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
    let mut previous_end = 0;
    let mut first = true;
    let mut handle = |start: usize, word: &'a str| {
        let gap = text.get(previous_end..start).unwrap_or("");
        previous_end = start + word.len();
        let sentence_start = first
            || gap
                .chars()
                .any(|c| matches!(c, '.' | '!' | '?' | ':' | ';' | '\n' | '"' | '“' | '”'));
        let joined_to_previous = !first && gap.chars().all(|c| c == ' ' || c == '\u{a0}');
        first = false;
        if !word.chars().any(char::is_alphabetic) {
            return;
        }
        visit(Word {
            text: word,
            offset: start,
            sentence_start,
            joined_to_previous,
        });
    };
    // Most news text is plain ASCII; segmenting it by hand is several times
    // faster than the general Unicode rules and splits the same. Words never
    // span lines, so each line takes the fast path when it can.
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        if line.is_ascii() {
            ascii_words(line, &mut |start, word| handle(line_start + start, word));
        } else {
            for (start, word) in line.unicode_word_indices() {
                handle(line_start + start, word);
            }
        }
        line_start += line.len();
    }
}

/// The words of an ASCII text as UAX #29 finds them: runs of letters,
/// digits and `_`, where `'`, `.` or `:` between two letters ("don't",
/// "U.S") and `.`, `,`, `;` or `'` between two digits ("3.5", "4,000") do
/// not split.
fn ascii_words<'a>(text: &'a str, visit: &mut impl FnMut(usize, &'a str)) {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut idx = 0;
    while idx < bytes.len() {
        if !is_word(bytes[idx]) {
            idx += 1;
            continue;
        }
        let start = idx;
        idx += 1;
        while idx < bytes.len() {
            let b = bytes[idx];
            if is_word(b) {
                idx += 1;
                continue;
            }
            let (Some(&before), Some(&after)) = (bytes.get(idx - 1), bytes.get(idx + 1)) else {
                break;
            };
            // UAX #29 rules WB6/7 (MidLetter, MidNumLet) and WB11/12 (MidNum,
            // MidNumLet), restricted to ASCII.
            let joins = (matches!(b, b'\'' | b'.' | b':')
                && before.is_ascii_alphabetic()
                && after.is_ascii_alphabetic())
                || (matches!(b, b'.' | b',' | b';' | b'\'')
                    && before.is_ascii_digit()
                    && after.is_ascii_digit());
            if joins {
                idx += 2;
            } else {
                break;
            }
        }
        // Every index here is at an ASCII byte, hence a char boundary.
        visit(start, &text[start..idx]);
    }
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
    let shapes = WordShapes::of(words);
    let mut mentions = Vec::new();
    let mut run: Vec<Word<'_>> = Vec::new();
    let mut pending_connector: Option<Word<'_>> = None;
    let flush = |run: &mut Vec<Word<'_>>, mentions: &mut Vec<EntityMention>| {
        if let Some(mention) = mention_of(run, tools, &shapes) {
            mentions.push(mention);
        }
        run.clear();
    };
    for &word in words {
        let capitalised = word.text.chars().next().is_some_and(char::is_uppercase);
        let continues = word.joined_to_previous && !word.sentence_start;
        if capitalised {
            if continues && !run.is_empty() {
                if let Some(connector) = pending_connector.take() {
                    run.push(connector);
                }
            } else {
                pending_connector = None;
                flush(&mut run, &mut mentions);
            }
            run.push(word);
            continue;
        }
        let is_connector = NAME_CONNECTORS.contains(&word.text);
        if is_connector && continues && !run.is_empty() && pending_connector.is_none() {
            pending_connector = Some(word);
            continue;
        }
        pending_connector = None;
        flush(&mut run, &mut mentions);
    }
    flush(&mut run, &mut mentions);
    mentions
}

/// How a text writes its words, to tell common words that open a sentence
/// ("Officials said") from names ("Moscow said").
struct WordShapes<'a> {
    /// Words written in lowercase somewhere.
    lowercase: FastSet<&'a str>,
    /// Capitalised words seen inside a sentence somewhere.
    capitalised_inside: FastSet<&'a str>,
}

impl<'a> WordShapes<'a> {
    fn of(words: &[Word<'a>]) -> Self {
        let mut shapes = WordShapes {
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

fn mention_of(
    run: &[Word<'_>],
    tools: &LanguageTools,
    shapes: &WordShapes<'_>,
) -> Option<EntityMention> {
    let mut buffer = String::new();
    let is_weak = |word: &Word<'_>, buffer: &mut String| -> bool {
        if !normalise_word(word.text, buffer) {
            return true;
        }
        tools.is_stop_word(buffer)
            || NOT_ENTITIES.contains(&buffer.as_str())
            || NAME_CONNECTORS.contains(&buffer.as_str())
    };
    let mut start = 0;
    let mut end = run.len();
    while start < end {
        let word = &run[start];
        let common_opener = word.sentence_start
            && normalise_word(word.text, &mut buffer)
            && shapes.lowercase.contains(buffer.as_str());
        if is_weak(word, &mut buffer) || common_opener {
            start += 1;
        } else {
            break;
        }
    }
    while end > start && is_weak(&run[end - 1], &mut buffer) {
        end -= 1;
    }
    let words = &run[start..end];
    if words.is_empty() || (words.len() == 1 && !tools.single_word_entities) {
        return None;
    }
    // A lone capitalised word that opens a sentence is only a name when the
    // text also capitalises it inside a sentence: "Talks with…" is not.
    if words.len() == 1
        && words[0].sentence_start
        && !shapes.capitalised_inside.contains(words[0].text)
    {
        return None;
    }
    let mut key = String::new();
    let mut label = String::new();
    for word in words {
        if !key.is_empty() {
            key.push(' ');
            label.push(' ');
        }
        normalise_word(word.text, &mut buffer);
        key.push_str(&buffer);
        label.push_str(strip_possessive(word.text));
    }
    Some(EntityMention { key, label })
}

fn strip_possessive(word: &str) -> &str {
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
        ascii_words(text, &mut |start, word| fast.push((start, word)));
        let unicode: Vec<(usize, &str)> = text.unicode_word_indices().collect();
        assert_eq!(fast, unicode);
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
