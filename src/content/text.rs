//! Raw news text (`.txt`) into paragraphs, a title and HTML, plus the text
//! helpers the Markdown reader shares: sentence splitting, headline
//! shortening, summaries, word counts and HTML escaping.
//!
//! Text pasted from news sites is untidy: one paragraph per line or blank
//! lines between paragraphs, hard-wrapped lines, "Also read | …" links between
//! paragraphs, no title line. Everything here works line by line or on the
//! first few hundred characters of a paragraph, so a file costs time linear
//! in its size.

use regex::Regex;

/// A headline inferred from a sentence is kept whole up to this many
/// characters.
pub const HEADLINE_MAX_CHARS: usize = 100;

/// A cut before a phrase ("… over the crisis") may go a little past
/// [`HEADLINE_MAX_CHARS`] when that keeps a name whole.
const PHRASE_CUT_MAX_CHARS: usize = 110;

/// Dropping a trailing attribution (", the White House reported") leaves a
/// complete statement, which may be a little longer still.
const ATTRIBUTION_CUT_MAX_CHARS: usize = 140;

/// A headline cut before an attribution keeps at least this many characters.
const MIN_CUT_CHARS: usize = 40;

/// A first line longer than this is a paragraph, not a headline.
const HEADLINE_LINE_MAX_CHARS: usize = 150;

/// A raw text article split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextDoc {
    /// The inferred headline: the first line when it reads as one, else the
    /// first sentence shortened. `None` when a title was given or the text
    /// has no paragraphs.
    pub title: Option<String>,
    /// The body paragraphs: whitespace normalised, hard wraps re-joined,
    /// boilerplate removed, the headline line (if any) left out.
    pub paragraphs: Vec<String>,
}

impl TextDoc {
    /// The body as `<p>` paragraphs, HTML-escaped.
    pub fn html(&self) -> String {
        let capacity = self.paragraphs.iter().map(|p| p.len() + 8).sum();
        let mut html = String::with_capacity(capacity);
        for paragraph in &self.paragraphs {
            html.push_str("<p>");
            escape_html_into(paragraph, &mut html);
            html.push_str("</p>\n");
        }
        html
    }

    /// The body as plain text, paragraphs separated by a blank line.
    pub fn text(&self) -> String {
        self.paragraphs.join("\n\n")
    }

    /// The first paragraph that is not a byline or timestamp line: the one
    /// a summary starts from. Empty when there are no paragraphs.
    pub fn lead(&self) -> &str {
        self.paragraphs
            .iter()
            .find(|p| !is_byline(p))
            .or(self.paragraphs.first())
            .map_or("", String::as_str)
    }
}

/// Parses the body of a `.txt` article.
///
/// `given_title` is the front matter title: when set, no title is inferred,
/// and a first line repeating it is dropped so it is not shown twice.
pub fn parse(body: &str, boilerplate: &[Regex], given_title: Option<&str>) -> TextDoc {
    let mut paragraphs = paragraphs(body, boilerplate);
    let mut title = None;
    match given_title {
        Some(given) => {
            if paragraphs
                .first()
                .is_some_and(|first| same_text(first, given))
            {
                paragraphs.remove(0);
            }
        }
        None => {
            if let Some(first) = paragraphs.first() {
                if paragraphs.len() > 1 && looks_like_headline(first) {
                    title = Some(paragraphs.remove(0));
                } else {
                    // A byline or timestamp line says nothing about the
                    // story: infer from the first paragraph after them.
                    let lead = paragraphs.iter().find(|p| !is_byline(p)).unwrap_or(first);
                    title = Some(headline_from_text(lead));
                }
            }
        }
    }
    TextDoc { title, paragraphs }
}

/// Splits raw text into paragraphs.
///
/// A blank line ends a paragraph, and so does a single newline (many sites
/// paste as one paragraph per line), unless the line break looks like a hard
/// wrap: the line does not end a sentence and the next one starts in
/// lowercase, or the line ends with a comma or hyphen, or the whole file is
/// wrapped at a fixed width with blank lines between paragraphs. Lines that a
/// `boilerplate` pattern matches (trimmed) are dropped.
pub fn paragraphs(body: &str, boilerplate: &[Regex]) -> Vec<String> {
    let style = WrapStyle::of(body);
    let mut paragraphs = Vec::new();
    let mut current = String::new();
    let mut last_line_chars = 0;
    for raw_line in body.lines() {
        let line = normalise_whitespace(raw_line);
        if line.is_empty() {
            push_paragraph(&mut paragraphs, &mut current);
            continue;
        }
        if is_separator(&line) || is_boilerplate(&line, boilerplate) {
            push_paragraph(&mut paragraphs, &mut current);
            continue;
        }
        let line_chars = line.chars().count();
        if current.is_empty() {
            current = line;
        } else if style.joins(&current, last_line_chars, &line) {
            // A word broken with a hyphen at the wrap ("long-\nterm") keeps
            // its hyphen but gets no space.
            if !ends_with_letter_hyphen(&current) {
                current.push(' ');
            }
            current.push_str(&line);
        } else {
            push_paragraph(&mut paragraphs, &mut current);
            current = line;
        }
        last_line_chars = line_chars;
    }
    push_paragraph(&mut paragraphs, &mut current);
    paragraphs
}

fn push_paragraph(paragraphs: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        paragraphs.push(std::mem::take(current));
    }
}

/// How the lines of one file are laid out, which decides when a single
/// newline is a hard wrap rather than a paragraph break.
#[derive(Debug, Clone, Copy)]
struct WrapStyle {
    /// The file has blank lines between paragraphs and its lines are no
    /// longer than a typical wrap width: single newlines are wraps.
    hard_wrapped: bool,
    /// The longest line, in characters.
    max_line_chars: usize,
}

impl WrapStyle {
    /// Hard-wrapped text rarely goes past this width; pasted news text with
    /// a paragraph per line does.
    const MAX_WRAP_WIDTH: usize = 100;
    /// Nobody wraps prose this narrow: a block of short lines is a list of
    /// short paragraphs.
    const MIN_WRAP_WIDTH: usize = 50;

    fn of(body: &str) -> Self {
        let mut max_line_chars = 0;
        let mut seen_text = false;
        let mut blank_after_text = false;
        let mut blank_between = false;
        for line in body.lines() {
            if line.trim().is_empty() {
                blank_after_text |= seen_text;
            } else {
                seen_text = true;
                blank_between |= blank_after_text;
                max_line_chars = max_line_chars.max(line.chars().count());
            }
        }
        Self {
            hard_wrapped: blank_between
                && (Self::MIN_WRAP_WIDTH..=Self::MAX_WRAP_WIDTH).contains(&max_line_chars),
            max_line_chars,
        }
    }

    /// Whether `next` continues the paragraph `previous` (same block, no
    /// blank line in between), whose last line had `previous_line_chars`
    /// characters.
    fn joins(&self, previous: &str, previous_line_chars: usize, next: &str) -> bool {
        if ends_sentence(previous) {
            return false;
        }
        if next.chars().next().is_some_and(char::is_lowercase) {
            return true;
        }
        if previous.ends_with([',', '-', '–', '—', '(']) {
            return true;
        }
        // In wrapped text a line well short of the wrap width is a short
        // line of its own (a headline, a byline), not a wrapped one.
        self.hard_wrapped && previous_line_chars * 10 >= self.max_line_chars * 6
    }
}

fn ends_with_letter_hyphen(text: &str) -> bool {
    let mut chars = text.chars().rev();
    chars.next() == Some('-') && chars.next().is_some_and(char::is_alphabetic)
}

/// Whether `line` is a separator such as `* * *`, `-----` or `=====`: a
/// paragraph break, not a paragraph.
fn is_separator(line: &str) -> bool {
    let mut n_marks = 0;
    for c in line.chars() {
        match c {
            '-' | '=' | '*' | '_' | '~' | '#' | '•' | '·' | '—' | '–' => n_marks += 1,
            ' ' => {}
            _ => return false,
        }
    }
    n_marks >= 3
}

/// Whether the trimmed `line` matches one of the boilerplate patterns.
pub fn is_boilerplate(line: &str, boilerplate: &[Regex]) -> bool {
    boilerplate.iter().any(|re| re.is_match(line))
}

/// Collapses every run of whitespace (including no-break spaces) into one
/// space, trims the ends and drops control characters, which have no place
/// in an HTML page.
pub fn normalise_whitespace(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    push_normalised(line, &mut out);
    out
}

/// Appends `text` to `out` as [`normalise_whitespace`] gives it (a space
/// goes only between its own words, never before the first). Returns
/// whether anything was appended.
///
/// One pass over the bytes: runs of bytes that cannot start white space or
/// an invisible character (ASCII's printable characters, and every UTF-8
/// byte but the five lead bytes that can) are copied whole; only the rest
/// is decoded. Most news text is such runs, which makes this several times
/// faster than splitting on white space.
pub fn push_normalised(text: &str, out: &mut String) -> bool {
    if is_normalised(text) {
        out.push_str(text);
        return !text.is_empty();
    }
    let bytes = text.as_bytes();
    let start_len = out.len();
    // White space was seen since the last character kept.
    let mut space_due = false;
    let mut idx = 0;
    while idx < bytes.len() {
        if is_plain_byte(bytes[idx]) {
            let run_start = idx;
            while idx < bytes.len() && is_plain_byte(bytes[idx]) {
                idx += 1;
            }
            if space_due && out.len() > start_len {
                out.push(' ');
            }
            space_due = false;
            out.push_str(&text[run_start..idx]);
            continue;
        }
        // An ASCII space or control byte, or the lead byte of a character
        // that may be white space or invisible: `idx` is on a character
        // boundary, because a run ends only before such a byte.
        let c = text[idx..].chars().next().unwrap_or(' ');
        idx += c.len_utf8();
        if c.is_whitespace() {
            space_due = true;
        } else if !is_invisible(c) {
            if space_due && out.len() > start_len {
                out.push(' ');
            }
            space_due = false;
            out.push(c);
        }
    }
    out.len() > start_len
}

/// Whether `text` is already as [`push_normalised`] would make it: no
/// white space but single ASCII spaces between words, no control or
/// invisible character. Most text from the Markdown parser is, and
/// checking costs a fraction of rebuilding it: the scan has no branch on
/// ASCII bytes (a branch per word boundary would be mispredicted every few
/// bytes), and only lead bytes of characters that may be white space or
/// invisible are looked at more closely.
fn is_normalised(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.first().is_some_and(|&b| b <= b' ' || b == 0x7f) || bytes.last() == Some(&b' ') {
        return false;
    }
    // The bytes that need a closer look: control bytes, a space after a
    // space, and lead bytes of the non-ASCII characters that may be white
    // space or invisible (curly quotes and dashes share the lead byte E2,
    // so each is decoded to tell). Blocks without one, most of a text, are
    // passed over by a branch-free test the compiler turns into vector code.
    let needs_look = |previous: u8, byte: u8| {
        (byte < 0x20)
            | (byte == 0x7f)
            | ((byte == b' ') & (previous == b' '))
            | matches!(byte, 0xc2 | 0xe1 | 0xe2 | 0xe3 | 0xef)
    };
    let looks_fine = |idx: usize| {
        let byte = bytes[idx];
        if byte < 0x80 {
            // A control byte or a second space.
            return false;
        }
        // A lead byte, so a character boundary.
        let c = text[idx..].chars().next().unwrap_or(' ');
        !(c.is_whitespace() || is_invisible(c))
    };
    // The first byte has no byte before it; it is no control byte or space.
    if bytes.first().is_some_and(|&b| needs_look(b'x', b)) && !looks_fine(0) {
        return false;
    }
    const BLOCK: usize = 32;
    let mut start = 1;
    while start < bytes.len() {
        let end = (start + BLOCK).min(bytes.len());
        let flagged = bytes[start - 1..end - 1]
            .iter()
            .zip(&bytes[start..end])
            .fold(0u8, |any, (&previous, &byte)| {
                any | u8::from(needs_look(previous, byte))
            });
        if flagged != 0 {
            for idx in start..end {
                if needs_look(bytes[idx - 1], bytes[idx]) && !looks_fine(idx) {
                    return false;
                }
            }
        }
        start = end;
    }
    true
}

/// Whether `byte` belongs to a character that is neither white space nor
/// invisible, whatever bytes follow it. Non-ASCII white space, the C1
/// controls, the byte order mark and the zero width space all start with
/// one of the lead bytes C2, E1, E2, E3 or EF.
fn is_plain_byte(byte: u8) -> bool {
    match byte {
        0x21..=0x7e => true,
        0xc2 | 0xe1 | 0xe2 | 0xe3 | 0xef => false,
        0x80..=0xff => true,
        _ => false,
    }
}

/// Characters dropped from text: controls, the byte order mark and zero
/// width spaces, which have no place in an HTML page.
fn is_invisible(c: char) -> bool {
    c.is_control() || c == '\u{feff}' || c == '\u{200b}'
}

/// Characters that may follow the final punctuation of a sentence.
const CLOSERS: &[char] = &['"', '\'', '”', '’', ')', ']', '»'];

/// Characters that may open a sentence before its first letter.
const OPENERS: &[char] = &['"', '\'', '“', '‘', '(', '[', '«', '¡', '¿'];

/// Whether `text` ends a sentence (final `.`, `!`, `?`, `…` or `:`, maybe
/// followed by closing quotes or brackets).
pub fn ends_sentence(text: &str) -> bool {
    text.trim_end()
        .trim_end_matches(CLOSERS)
        .ends_with(['.', '!', '?', '…', ':'])
}

/// Abbreviations (lowercase, without their period) that do not end a
/// sentence. Single initials and dotted acronyms ("U.S.") are recognised
/// without a list.
const ABBREVIATIONS: &[&str] = &[
    "adm", "al", "approx", "apr", "aug", "ave", "blvd", "capt", "cmdr", "co", "col", "corp", "cpl",
    "dec", "dept", "det", "dr", "eg", "est", "etc", "feb", "fig", "ft", "gen", "gov", "hon", "ie",
    "inc", "insp", "jan", "jr", "jul", "jun", "lt", "ltd", "maj", "messrs", "mlle", "mme", "mr",
    "mrs", "ms", "mt", "nov", "oct", "ph", "pres", "prof", "pvt", "rd", "rep", "rev", "sen", "sep",
    "sept", "sgt", "sr", "st", "supt", "univ", "vol", "vs",
];

/// The byte offset just past the end of the first sentence of `text`, or
/// `None` when the whole text is one sentence.
///
/// Survives abbreviations ("Dr.", "U.S."), decimal numbers and times
/// ("11.04am") and a missing space after a full stop ("vote.The").
pub fn first_sentence_end(text: &str) -> Option<usize> {
    let mut chars = text.char_indices().peekable();
    while let Some((idx, c)) = chars.next() {
        if !matches!(c, '.' | '!' | '?' | '…') {
            continue;
        }
        let mut end = idx + c.len_utf8();
        while let Some(&(next_idx, next)) = chars.peek() {
            if matches!(next, '.' | '!' | '?' | '…') || CLOSERS.contains(&next) {
                end = next_idx + next.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let rest = &text[end..];
        // Punctuation at the very end: the whole text is one sentence.
        let next = rest.chars().next()?;
        let boundary = if next.is_whitespace() {
            starts_like_sentence(rest.trim_start()) && !(c == '.' && is_abbreviation(&text[..idx]))
        } else {
            // "vote.The": a full stop glued to a capital after a word of
            // lowercase letters, not an initial or acronym ("U.S.President").
            c == '.' && next.is_uppercase() && word_before_is_lowercase(&text[..idx])
        };
        if boundary {
            return Some(end);
        }
    }
    None
}

/// A sentence starts with a capital, or a quote or bracket then a capital.
/// Digits do not count: news style spells out a number that starts a
/// sentence, while "No. 10" and "Vol. 3" are common.
fn starts_like_sentence(after: &str) -> bool {
    let first = after.trim_start_matches(OPENERS).chars().next();
    first.is_some_and(char::is_uppercase)
}

/// Whether the word that ends `before` (the text before a full stop) is an
/// abbreviation, an initial or a dotted acronym.
fn is_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("")
        .trim_start_matches(OPENERS);
    if word.is_empty() {
        return false;
    }
    if word.contains('.') {
        // "U.S", "e.g", "p.m": dotted forms are abbreviations.
        return true;
    }
    let mut letters = word.chars();
    if let (Some(first), None) = (letters.next(), letters.next()) {
        return first.is_uppercase();
    }
    word.len() <= 8 && ABBREVIATIONS.contains(&word.to_lowercase().as_str())
}

fn word_before_is_lowercase(before: &str) -> bool {
    let mut chars = before.chars().rev();
    matches!(
        (chars.next(), chars.next()),
        (Some(a), Some(b)) if a.is_lowercase() && b.is_alphabetic()
    )
}

/// The first sentence of `text`.
pub fn first_sentence(text: &str) -> &str {
    match first_sentence_end(text) {
        Some(end) => text[..end].trim(),
        None => text.trim(),
    }
}

/// Whether a first line of raw text reads as a headline: short, starts with
/// a capital (or a quote or digit), does not end like a sentence or a clause
/// and is not a byline.
pub fn looks_like_headline(line: &str) -> bool {
    let line = line.trim();
    let n_chars = line.chars().count();
    if !(3..=HEADLINE_LINE_MAX_CHARS).contains(&n_chars) {
        return false;
    }
    if line.ends_with(['.', ',', ';', ':', '-', '–', '—']) {
        return false;
    }
    let Some(first) = line.trim_start_matches(OPENERS).chars().next() else {
        return false;
    };
    if !(first.is_uppercase() || first.is_numeric()) {
        return false;
    }
    if !line.chars().any(char::is_alphabetic) {
        return false;
    }
    !is_byline(line)
}

/// Whether `line` is a byline or a timestamp line ("By Jane Doe",
/// "Updated: 3 May 2024"), which pasted pages often start with.
pub fn is_byline(line: &str) -> bool {
    let head: String = line.chars().take(10).flat_map(char::to_lowercase).collect();
    (head.starts_with("by ") && line.split_whitespace().nth(5).is_none())
        || head.starts_with("updated")
        || head.starts_with("published")
}

/// A headline made from the first sentence of `paragraph`, after any wire
/// dateline ("LISBON, May 2 (Reuters) -"); see [`shorten_headline`].
pub fn headline_from_text(paragraph: &str) -> String {
    shorten_headline(first_sentence(strip_dateline(paragraph)))
}

/// `paragraph` without a leading wire dateline: a place in capitals, then
/// a date or an agency ("LISBON, May 2 (Reuters)", "KYIV (AP)"), then a
/// dash, all within the first 60 characters. A capitalised word straight
/// before a dash is not enough: "NATO - Russia talks" is a headline.
pub fn strip_dateline(paragraph: &str) -> &str {
    let window = prefix_chars(paragraph, 60);
    let Some((dash_idx, dash)) = [" - ", " – ", " — "]
        .iter()
        .filter_map(|dash| window.find(dash).map(|idx| (idx, dash.len())))
        .min()
    else {
        return paragraph;
    };
    let before = &paragraph[..dash_idx];
    let Some(place_end) = before.find([',', '(']) else {
        return paragraph;
    };
    let place = before[..place_end].trim_end();
    let is_capitals = place.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && place
            .chars()
            .all(|c| c.is_uppercase() || matches!(c, ' ' | '.' | '\'' | '-'));
    let rest = paragraph[dash_idx + dash..].trim_start();
    if is_capitals && !rest.is_empty() {
        rest
    } else {
        paragraph
    }
}

/// Words a headline should not end on before an ellipsis.
const WEAK_ENDINGS: &[&str] = &[
    "a", "an", "and", "as", "at", "but", "by", "for", "from", "had", "has", "have", "her", "his",
    "in", "into", "is", "its", "of", "on", "or", "over", "that", "the", "their", "to", "was",
    "were", "which", "who", "will", "with", "would",
];

/// Words that start a phrase a headline can be cut before. "of" and "and"
/// are left out: they usually join the two halves of one name or noun.
const PHRASE_STARTS: &[&str] = &[
    "about", "after", "against", "amid", "as", "at", "because", "before", "by", "despite",
    "during", "for", "from", "in", "into", "on", "over", "since", "that", "to", "which", "while",
    "who", "with",
];

/// Words that mark the end of a sentence as an attribution ("…, the White
/// House reported").
const ATTRIBUTION_VERBS: &[&str] = &[
    "according",
    "added",
    "announced",
    "claimed",
    "confirmed",
    "reported",
    "reports",
    "said",
    "says",
    "stated",
    "told",
    "warned",
];

/// Shortens a sentence into a headline.
///
/// Kept whole (without its final full stop) when it has at most
/// [`HEADLINE_MAX_CHARS`] characters. Otherwise cut, in order of preference:
/// before a trailing attribution (", officials said"); at the last clause
/// boundary (`,`, `;`, `:`, a dash) within the limit; before the last
/// phrase within a little more ("… over the crisis"); at a word boundary.
/// Clause and phrase cuts must keep at least [`SOLID_CUT_CHARS`]
/// characters, or they say too little. Cuts that may leave the statement
/// unfinished end with "…"; an attribution, or a clause followed by
/// ", ending …" or ", after …", leaves a complete statement and gets none.
pub fn shorten_headline(sentence: &str) -> String {
    let sentence = sentence.trim();
    let sentence = strip_final_full_stop(sentence);
    // Only the start of a sentence can end up in a headline; bounding the
    // window keeps a paragraph without full stops from costing more.
    let window = prefix_chars(sentence, ATTRIBUTION_CUT_MAX_CHARS + 1);
    if window.len() == sentence.len() && sentence.chars().count() <= HEADLINE_MAX_CHARS {
        return sentence.to_string();
    }

    let mut attribution = None;
    let mut best_clause = None;
    let mut best_phrase = None;
    for (n_chars, (idx, c)) in window.char_indices().enumerate() {
        if n_chars < MIN_CUT_CHARS {
            continue;
        }
        let rest = &sentence[idx..];
        let clause_mark = matches!(c, ',' | ';' | ':')
            || (c == ' ' && (rest.starts_with(" — ") || rest.starts_with(" – ")));
        if clause_mark {
            if c == ',' && attribution.is_none() && is_attribution(&rest[1..]) {
                attribution = Some(idx);
            }
            if (SOLID_CUT_CHARS..=HEADLINE_MAX_CHARS).contains(&n_chars) {
                best_clause = Some(idx);
            }
        } else if c == ' ' && (SOLID_CUT_CHARS..=PHRASE_CUT_MAX_CHARS).contains(&n_chars) {
            let next_word = rest[1..].split(' ').next().unwrap_or("");
            if PHRASE_STARTS.contains(&next_word) {
                best_phrase = Some(idx);
            }
        }
    }
    if let Some(idx) = attribution {
        return sentence[..idx].trim_end().to_string();
    }
    if let Some(idx) = best_clause {
        let next_word = sentence[idx + 1..]
            .split_whitespace()
            .next()
            .unwrap_or("")
            .trim_matches(|c: char| !c.is_alphanumeric());
        if sentence[idx..].starts_with(',') && starts_complete_clause_tail(next_word) {
            return sentence[..idx].trim_end().to_string();
        }
        return with_ellipsis(&sentence[..idx]);
    }
    let cut = best_phrase.unwrap_or_else(|| word_cut(window, HEADLINE_MAX_CHARS));
    with_ellipsis(&sentence[..cut])
}

/// A clause or phrase cut keeping fewer characters says too little.
pub const SOLID_CUT_CHARS: usize = 60;

/// Whether a comma followed by `word` ends a complete statement: a
/// participle ("…, ending a review") or a conjunction of time or contrast
/// ("…, after talks failed").
fn starts_complete_clause_tail(word: &str) -> bool {
    const TAILS: &[&str] = &[
        "after",
        "amid",
        "although",
        "as",
        "because",
        "before",
        "but",
        "despite",
        "following",
        "since",
        "though",
        "while",
        "with",
    ];
    let lower = word.to_lowercase();
    TAILS.contains(&lower.as_str())
        || (lower.len() >= 5 && lower.ends_with("ing") && word.starts_with(char::is_lowercase))
}

/// Whether `rest` (what follows a comma) is a short attribution such as
/// " the White House reported." or " the port authority said on Thursday,
/// five days after …": the words up to the next comma hold a verb of
/// saying.
fn is_attribution(rest: &str) -> bool {
    let clause = rest.split([',', ';']).next().unwrap_or("");
    // Looking at nine words at most keeps this cheap on a long sentence.
    let words: Vec<&str> = clause
        .split_whitespace()
        .take(9)
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .collect();
    (1..=8).contains(&words.len())
        && words
            .iter()
            .any(|w| ATTRIBUTION_VERBS.contains(&w.to_lowercase().as_str()))
}

/// Drops one final full stop, but not the period of an abbreviation or an
/// ellipsis ("… the U.S.").
fn strip_final_full_stop(sentence: &str) -> &str {
    match sentence.strip_suffix('.') {
        Some(stripped) if !stripped.ends_with('.') && !is_abbreviation(stripped) => stripped,
        _ => sentence,
    }
}

/// The first `max_chars` characters of `text`.
fn prefix_chars(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((idx, _)) => &text[..idx],
        None => text,
    }
}

/// The byte offset of the last space at or before `max_chars` characters,
/// or of the limit itself when the text has no space there.
fn word_cut(text: &str, max_chars: usize) -> usize {
    let prefix = prefix_chars(text, max_chars);
    if prefix.len() == text.len() {
        return text.len();
    }
    // The character after the limit being a space means the prefix ends on
    // a whole word.
    if text[prefix.len()..].starts_with(char::is_whitespace) {
        return prefix.len();
    }
    match prefix.rfind(char::is_whitespace) {
        Some(idx) if idx > 0 => idx,
        _ => prefix.len(),
    }
}

/// `text` without trailing punctuation and weak words, then "…".
fn with_ellipsis(text: &str) -> String {
    let mut text = text.trim_end_matches(|c: char| c.is_whitespace() || ",;:-–—(".contains(c));
    // Never strip the text away entirely: stop at the first word.
    while let Some((head, last)) = text.rsplit_once(' ') {
        if !WEAK_ENDINGS.contains(&last.to_lowercase().as_str()) {
            break;
        }
        text = head.trim_end_matches(|c: char| c.is_whitespace() || ",;:-–—(".contains(c));
    }
    format!("{text}…")
}

/// Cuts `text` at a word boundary to at most `max_chars` characters
/// (counting the "…" it then ends with). Used for summaries.
pub fn truncate_words(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    let window = prefix_chars(text, max_chars + 1);
    if window.len() == text.len() && window.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut = word_cut(text, max_chars.saturating_sub(1).max(1));
    let head = text[..cut].trim_end_matches(|c: char| c.is_whitespace() || ",;:-–—(".contains(c));
    format!("{head}…")
}

/// Number of words in `text`, counted as Unicode's word boundary rules
/// (UAX #29) count them for news text: runs of letters and digits, joined
/// across an apostrophe or full stop between letters ("Keller’s", "U.S")
/// or a full stop or comma between digits ("3.5", "100,000"); each Chinese
/// or Japanese ideograph and kana is a word of its own.
///
/// A state machine (`WORD_STEPS`) for the characters that need one
/// (non-ASCII ones, `_`, the start of each ASCII run), and a branch-free
/// count for the runs of ASCII between them, which are most of a news text:
/// a branch per word boundary would be mispredicted every few bytes and
/// cost more than the rest of the work. Many times faster than a full
/// UAX #29 segmenter, which matters on a hundred thousand articles.
pub fn word_count(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut count = 0;
    let mut state = WordState::Between as u8;
    let mut idx = 0;
    while idx < bytes.len() {
        // A run of ASCII without `_` is counted without the state machine
        // but for its first two bytes (see `count_ascii_run`).
        let run_len = position_blocked(&bytes[idx..], |b| (b >= 0x80) | (b == b'_'))
            .unwrap_or(bytes.len() - idx);
        if run_len > 0 {
            count += count_ascii_run(&bytes[idx..idx + run_len], &mut state);
            idx += run_len;
            continue;
        }
        let c = text[idx..].chars().next().unwrap_or(' ');
        idx += c.len_utf8();
        let class = if c == '_' {
            CharClass::Connector
        } else if ('\u{2010}'..='\u{2027}').contains(&c) {
            // Dashes, curly quotes, bullets and ellipses, the non-ASCII
            // characters of most news text: no letter, digit or mark, so
            // Unicode's tables need not be searched for them.
            if c == '’' {
                CharClass::Apostrophe
            } else {
                CharClass::Other
            }
        } else if is_ideographic(c) {
            count += 1;
            state = WordState::Between as u8;
            continue;
        } else if c.is_numeric() {
            CharClass::Digit
        } else if c.is_alphabetic() {
            CharClass::Letter
        } else if is_combining_mark(c) && state != WordState::Between as u8 {
            // A mark written separately (an accent, a joiner) belongs to
            // the character before it, as in UAX #29.
            continue;
        } else {
            match c {
                '’' => CharClass::Apostrophe,
                '·' => CharClass::Colon,
                _ => CharClass::Other,
            }
        };
        count += word_step_packed(&mut state, class);
    }
    count
}

/// The index of the first byte of `bytes` that `wanted` holds for, as
/// `position` finds it, but tested a block of bytes at a time with no
/// branch per byte (which the compiler turns into vector code): the bytes
/// looked for are rare in news text, so most blocks are passed over whole.
fn position_blocked(bytes: &[u8], wanted: impl Fn(u8) -> bool) -> Option<usize> {
    const BLOCK: usize = 32;
    let mut start = 0;
    for block in bytes.chunks(BLOCK) {
        if block.iter().fold(0u8, |any, &b| any | u8::from(wanted(b))) != 0 {
            return block.iter().position(|&b| wanted(b)).map(|idx| start + idx);
        }
        start += block.len();
    }
    None
}

/// Takes the state machine one character further; returns 1 when the
/// character starts a word.
fn word_step_packed(state: &mut u8, class: CharClass) -> usize {
    let step = WORD_STEPS[usize::from(*state) * N_CHAR_CLASSES + class as usize];
    *state = step >> 1;
    usize::from(step & 1)
}

/// Words starting in `run`, ASCII without `_`, entered in `state` (which
/// is left as it is after the run).
///
/// Without `_` the state after a character depends only on it and the
/// character before it, so whether the character at `i >= 2` starts a word
/// depends only on the bytes at `i - 2`, `i - 1` and `i`: that is computed
/// with no branch and no dependency between bytes, which the compiler turns
/// into vector code. The first two bytes, which depend on the state the
/// run is entered in, and the state left after it go through the state
/// machine.
fn count_ascii_run(run: &[u8], state: &mut u8) -> usize {
    let mut count = 0;
    for &byte in &run[..run.len().min(2)] {
        count += word_step_packed(state, ASCII_WORD_CLASS[usize::from(byte)]);
    }
    if run.len() <= 2 {
        return count;
    }
    let is_letter = |b: u8| (b | 0x20).wrapping_sub(b'a') < 26;
    let is_digit = |b: u8| b.wrapping_sub(b'0') < 10;
    let starts = |before: u8, previous: u8, byte: u8| {
        let previous_is_word = is_letter(previous) | is_digit(previous);
        let apostrophe = (previous == b'\'') | (previous == b'.');
        let letter_joined =
            previous_is_word | ((apostrophe | (previous == b':')) & is_letter(before));
        let digit_joined = previous_is_word
            | ((apostrophe | (previous == b',') | (previous == b';')) & is_digit(before));
        u8::from((is_letter(byte) & !letter_joined) | (is_digit(byte) & !digit_joined))
    };
    // Summed in bytes, a block at a time, so the loop stays in narrow
    // vector lanes.
    const BLOCK: usize = 240;
    let mut offset = 2;
    while offset < run.len() {
        let end = (offset + BLOCK).min(run.len());
        let block: u8 = run[offset - 2..end - 2]
            .iter()
            .zip(&run[offset - 1..end - 1])
            .zip(&run[offset..end])
            .map(|((&before, &previous), &byte)| starts(before, previous, byte))
            .fold(0u8, u8::wrapping_add);
        count += usize::from(block);
        offset = end;
    }
    // The state after the run: its last two bytes decide it.
    *state = WordState::Between as u8;
    for &byte in &run[run.len() - 2..] {
        word_step_packed(state, ASCII_WORD_CLASS[usize::from(byte)]);
    }
    count
}

/// What a character is to [`word_count`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CharClass {
    Letter,
    Digit,
    /// `_`, which joins anything on either side and is no word alone.
    Connector,
    /// `'`, `’` and `.`: join letters to letters and digits to digits.
    Apostrophe,
    /// `,` and `;`: join digits to digits.
    Comma,
    /// `:` and `·`: join letters to letters.
    Colon,
    /// Spaces and other punctuation: end a word.
    Other,
}

const N_CHAR_CLASSES: usize = 7;

/// Where [`word_count`] is: between words, or after a character of a word
/// (its class, whether the word was counted yet), or after a joiner inside
/// one (which class it may join).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WordState {
    Between,
    AfterLetter,
    AfterDigit,
    /// After `_`, in a segment with no letter or digit yet.
    AfterConnector,
    /// After `_`, in a counted word.
    AfterConnectorCounted,
    /// After a letter and `'`, `’` or `.`.
    LetterJoiner,
    /// After a letter and `:` or `·`.
    LetterColon,
    /// After a digit and `'`, `’`, `.`, `,` or `;`.
    DigitJoiner,
}

const N_WORD_STATES: usize = 8;

/// The class of each ASCII byte.
const ASCII_WORD_CLASS: [CharClass; 128] = {
    let mut table = [CharClass::Other; 128];
    let mut byte = 0;
    while byte < 128 {
        table[byte] = match byte as u8 {
            b'a'..=b'z' | b'A'..=b'Z' => CharClass::Letter,
            b'0'..=b'9' => CharClass::Digit,
            b'_' => CharClass::Connector,
            b'\'' | b'.' => CharClass::Apostrophe,
            b',' | b';' => CharClass::Comma,
            b':' => CharClass::Colon,
            _ => CharClass::Other,
        };
        byte += 1;
    }
    table
};

/// For each state and class: the next state (shifted left by one) and
/// whether a word starts (the low bit).
const WORD_STEPS: [u8; N_WORD_STATES * N_CHAR_CLASSES] = {
    let mut table = [0u8; N_WORD_STATES * N_CHAR_CLASSES];
    let mut state = 0;
    while state < N_WORD_STATES {
        let mut class = 0;
        while class < N_CHAR_CLASSES {
            let (next, starts) = word_step(WORD_STATES[state], CHAR_CLASSES[class]);
            table[state * N_CHAR_CLASSES + class] = ((next as u8) << 1) | starts as u8;
            class += 1;
        }
        state += 1;
    }
    table
};

const WORD_STATES: [WordState; N_WORD_STATES] = [
    WordState::Between,
    WordState::AfterLetter,
    WordState::AfterDigit,
    WordState::AfterConnector,
    WordState::AfterConnectorCounted,
    WordState::LetterJoiner,
    WordState::LetterColon,
    WordState::DigitJoiner,
];

const CHAR_CLASSES: [CharClass; N_CHAR_CLASSES] = [
    CharClass::Letter,
    CharClass::Digit,
    CharClass::Connector,
    CharClass::Apostrophe,
    CharClass::Comma,
    CharClass::Colon,
    CharClass::Other,
];

/// One step of the word counter: the state after a character of `class`,
/// and whether that character starts a new counted word.
const fn word_step(state: WordState, class: CharClass) -> (WordState, bool) {
    use CharClass as C;
    use WordState as S;
    match class {
        C::Letter | C::Digit | C::Connector => {
            // Whether the character continues the segment before it.
            let joined = match state {
                S::Between => false,
                S::AfterLetter | S::AfterDigit | S::AfterConnector | S::AfterConnectorCounted => {
                    true
                }
                S::LetterJoiner | S::LetterColon => matches!(class, C::Letter),
                S::DigitJoiner => matches!(class, C::Digit),
            };
            let counted = joined && !matches!(state, S::AfterConnector);
            match class {
                C::Letter => (S::AfterLetter, !counted),
                C::Digit => (S::AfterDigit, !counted),
                _ if counted => (S::AfterConnectorCounted, false),
                _ => (S::AfterConnector, false),
            }
        }
        C::Apostrophe => match state {
            S::AfterLetter => (S::LetterJoiner, false),
            S::AfterDigit => (S::DigitJoiner, false),
            _ => (S::Between, false),
        },
        C::Comma => match state {
            S::AfterDigit => (S::DigitJoiner, false),
            _ => (S::Between, false),
        },
        C::Colon => match state {
            S::AfterLetter => (S::LetterColon, false),
            _ => (S::Between, false),
        },
        C::Other => (S::Between, false),
    }
}

/// Han ideographs, hiragana and other scripts written without spaces,
/// where every character is a word boundary.
fn is_ideographic(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{309f}'
        | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{f900}'..='\u{faff}'
        | '\u{20000}'..='\u{3134f}')
}

fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}' | '\u{200d}')
}

/// Whether two texts are the same once case and whitespace are ignored.
pub fn same_text(a: &str, b: &str) -> bool {
    let mut a = a.split_whitespace().flat_map(str::chars);
    let mut b = b.split_whitespace().flat_map(str::chars);
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x.to_lowercase().eq(y.to_lowercase()) => {}
            _ => return false,
        }
    }
}

/// `text` with `&`, `<`, `>`, `"` and `'` escaped for HTML.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    escape_html_into(text, &mut out);
    out
}

/// Appends `text`, HTML-escaped, to `out`.
pub fn escape_html_into(text: &str, out: &mut String) {
    // Copy the runs between special characters whole; they are all ASCII,
    // so byte offsets found this way are character boundaries.
    let mut start = 0;
    for (idx, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[start..idx]);
        out.push_str(entity);
        start = idx + 1;
    }
    out.push_str(&text[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    static BOILERPLATE: std::sync::LazyLock<Vec<Regex>> = std::sync::LazyLock::new(|| {
        crate::config::DEFAULT_BOILERPLATE
            .iter()
            .map(|p| {
                regex::RegexBuilder::new(p)
                    .case_insensitive(true)
                    .build()
                    .unwrap()
            })
            .collect()
    });

    fn boilerplate() -> &'static [Regex] {
        &BOILERPLATE
    }

    /// Shaped like pasted news text with a paragraph per line, no title
    /// line and "Also read |" links between paragraphs.
    const LINE_PER_PARAGRAPH: &str = "Dutch Prime Minister Anna de Vries has wrapped up her long-awaited video call with Chinese Premier Li Wen over the dispute about chip export licences.\n\
The call started at 9.15am CET and ran for just under ninety minutes, the ANP news agency said, citing the prime minister's office.\n\
Also read | Dutch farmers brace for retaliation as chip row deepens\n\
While the Dutch government says the rules protect national security, Beijing has accused The Hague of bowing to pressure from the U.S. and its allies.\n\
Also read | EU trade ministers to meet in Brussels on Friday\n\
With the dispute dragging on, the outcome of the call could shape trade between the two countries for years.";

    /// Shaped like pasted news text with blank lines between paragraphs,
    /// no-break spaces and "Also read:" links.
    const BLANK_LINE_PARAGRAPHS: &str = "Chancellor Maria Keller told her French counterpart that Germany would push hard for a common European answer to rising energy prices, the government spokesman said. The two leaders spoke for almost an hour.\n\
\n\
Officials in Berlin said the call began at 4:10 PM CET and ended 40 minutes later.\u{a0}\n\
\n\
Also read:\u{a0} Why are so many trains late in Germany?\n\
\n\
\u{201c}It would be a serious mistake to go it alone,\u{201d} said Dr. Jonas Brandt, an adviser to the chancellor.\n\
\n\
With inputs from Reuters";

    #[test]
    fn paragraph_per_line_text_keeps_each_line_and_drops_also_read() {
        let doc = parse(LINE_PER_PARAGRAPH, boilerplate(), None);
        assert_eq!(doc.paragraphs.len(), 4);
        assert!(doc.paragraphs[1].starts_with("The call started at 9.15am"));
        assert!(!doc.text().contains("Also read"));
        assert!(!doc.html().contains("Also read"));
    }

    #[test]
    fn blank_line_paragraphs_are_split_and_spaces_normalised() {
        let doc = parse(BLANK_LINE_PARAGRAPHS, boilerplate(), None);
        assert_eq!(doc.paragraphs.len(), 4, "{:#?}", doc.paragraphs);
        assert_eq!(
            doc.paragraphs[1],
            "Officials in Berlin said the call began at 4:10 PM CET and ended 40 minutes later."
        );
        assert!(!doc.text().contains("Also read"));
        assert!(!doc.text().contains('\u{a0}'));
    }

    #[test]
    fn hard_wrapped_line_starting_in_lowercase_is_rejoined() {
        let body = "The finance minister said the budget would be\npresented to parliament on Tuesday.\nThe opposition called it a gamble.";
        let paragraphs = paragraphs(body, &[]);
        assert_eq!(
            paragraphs,
            vec![
                "The finance minister said the budget would be presented to parliament on Tuesday.",
                "The opposition called it a gamble."
            ]
        );
    }

    #[test]
    fn text_wrapped_at_a_fixed_width_is_rejoined_even_before_capitals() {
        let body = "Budget talks collapse\n\n\
The finance minister said on Monday that the talks with the\n\
Greens had failed after the party refused to back cuts to\n\
rail spending in the north of the country.\n\n\
A new round of talks is planned for next week, according to\n\
officials.\n";
        let paragraphs = paragraphs(body, &[]);
        assert_eq!(paragraphs.len(), 3, "{paragraphs:#?}");
        assert!(paragraphs[1].contains("with the Greens had failed"));
        assert!(paragraphs[2].ends_with("according to officials."));
    }

    #[test]
    fn short_lines_in_blank_line_text_stay_apart() {
        let body =
            "Key points\n\nThe vote passed\nThe opposition walked out\nThe speaker resigned\n";
        assert_eq!(paragraphs(body, &[]).len(), 4);
    }

    #[test]
    fn separator_lines_break_paragraphs() {
        let body = "Markets closed higher.\n* * *\nIn other news, rain.\n=====\n---\nLast line.";
        assert_eq!(
            paragraphs(body, &[]),
            vec![
                "Markets closed higher.",
                "In other news, rain.",
                "Last line."
            ]
        );
        assert!(!is_separator("--"));
        assert!(!is_separator("- item"));
    }

    #[test]
    fn hyphen_at_a_wrap_keeps_the_word_whole() {
        let body = "The plan has long-\nterm goals and short-\nterm costs.";
        assert_eq!(
            paragraphs(body, &[]),
            vec!["The plan has long-term goals and short-term costs."]
        );
    }

    #[test]
    fn headline_first_line_is_the_title_and_not_repeated() {
        let body = "Keller and Moreau agree on joint gas purchases\n\nChancellor Maria Keller and President Luc Moreau agreed on Monday to buy gas together.";
        let doc = parse(body, &[], None);
        assert_eq!(
            doc.title.as_deref(),
            Some("Keller and Moreau agree on joint gas purchases")
        );
        assert_eq!(doc.paragraphs.len(), 1);
        assert!(!doc.text().contains("agree on joint"));
    }

    #[test]
    fn first_line_that_is_a_sentence_is_not_a_headline() {
        let doc = parse(LINE_PER_PARAGRAPH, boilerplate(), None);
        let title = doc.title.unwrap();
        assert!(
            doc.paragraphs[0].starts_with("Dutch Prime Minister"),
            "the first line stays in the body"
        );
        assert_eq!(
            title,
            "Dutch Prime Minister Anna de Vries has wrapped up her long-awaited video call with Chinese Premier Li Wen…"
        );
    }

    #[test]
    fn headline_only_text_keeps_its_line_in_the_body() {
        let doc = parse("Storm closes schools across the north", &[], None);
        assert_eq!(
            doc.title.as_deref(),
            Some("Storm closes schools across the north")
        );
        assert_eq!(doc.paragraphs.len(), 1);
    }

    #[test]
    fn bylines_are_not_headlines() {
        assert!(!looks_like_headline("By Jane Doe"));
        assert!(!looks_like_headline("Updated: 3 May 2024, 10:04"));
        assert!(!looks_like_headline("the minister said"));
        assert!(!looks_like_headline("The minister resigned."));
        assert!(looks_like_headline("Why are trains late again?"));
        assert!(looks_like_headline(
            "\u{2018}A colossal mistake\u{2019}: Keller warns Paris"
        ));
    }

    #[test]
    fn byline_first_line_is_skipped_for_the_title() {
        let body = "By Ana Sousa\nThe Lisbon metro will run all night during the festival. Tickets cost the same.";
        let doc = parse(body, &[], None);
        assert_eq!(
            doc.title.as_deref(),
            Some("The Lisbon metro will run all night during the festival")
        );
        assert_eq!(doc.paragraphs.len(), 2, "the byline stays in the body");
        assert!(doc.lead().starts_with("The Lisbon metro"));
    }

    #[test]
    fn wire_dateline_is_left_out_of_the_title() {
        let text = "LISBON, May 2 (Reuters) - Portugal's parliament approved the budget on Thursday. More follows.";
        assert_eq!(
            headline_from_text(text),
            "Portugal's parliament approved the budget on Thursday"
        );
        assert_eq!(
            strip_dateline("NEW YORK (AP) — Stocks fell."),
            "Stocks fell."
        );
        for not_dateline in [
            "Prices rose - again - in May.",
            "NATO - Russia talks resume.",
            "Paris, the capital - and more.",
        ] {
            assert_eq!(strip_dateline(not_dateline), not_dateline);
        }
    }

    #[test]
    fn given_title_drops_a_first_line_repeating_it() {
        let body = "Gas deal agreed\nThe two leaders agreed to buy gas together.";
        let doc = parse(body, &[], Some("Gas  deal AGREED"));
        assert_eq!(doc.title, None);
        assert_eq!(
            doc.paragraphs,
            vec!["The two leaders agreed to buy gas together."]
        );
    }

    #[test]
    fn sentences_survive_abbreviations_initials_and_times() {
        let text =
            "Dr. Brandt met U.S. envoys at 11.04am in St. Louis with J. Smith. The talks ended.";
        assert_eq!(
            first_sentence(text),
            "Dr. Brandt met U.S. envoys at 11.04am in St. Louis with J. Smith."
        );
    }

    #[test]
    fn sentence_split_survives_a_missing_space_after_a_full_stop() {
        assert_eq!(
            first_sentence("Ministers met on Monday.The vote is on Friday."),
            "Ministers met on Monday."
        );
        assert_eq!(
            first_sentence("He flew to the U.S.President Keller followed."),
            "He flew to the U.S.President Keller followed."
        );
    }

    #[test]
    fn sentence_ends_with_its_closing_quote() {
        let text = "\u{201c}We will respond.\u{201d} The minister left.";
        assert_eq!(first_sentence(text), "\u{201c}We will respond.\u{201d}");
        assert_eq!(first_sentence("Is it over? Nobody knows."), "Is it over?");
        assert_eq!(
            first_sentence("prices rose. by how much"),
            "prices rose. by how much"
        );
    }

    #[test]
    fn short_sentence_is_the_whole_headline_without_its_full_stop() {
        assert_eq!(
            shorten_headline("Parliament approves the budget."),
            "Parliament approves the budget"
        );
        assert_eq!(
            shorten_headline("Keller flies to the U.S."),
            "Keller flies to the U.S."
        );
    }

    #[test]
    fn trailing_attribution_is_dropped_without_an_ellipsis() {
        let title = headline_from_text(BLANK_LINE_PARAGRAPHS);
        assert_eq!(
            title,
            "Chancellor Maria Keller told her French counterpart that Germany would push hard for a common European answer to rising energy prices"
        );
    }

    #[test]
    fn long_sentence_without_clauses_is_cut_at_a_word_with_an_ellipsis() {
        let sentence = "Thousands of farmers from across the southern provinces drove their tractors slowly into the capital early this morning demanding lower diesel taxes and fairer milk prices from the supermarkets.";
        let title = shorten_headline(sentence);
        assert!(title.ends_with('…'), "{title}");
        assert!(title.chars().count() <= HEADLINE_MAX_CHARS + 1, "{title}");
        let words: Vec<&str> = title.trim_end_matches('…').split(' ').collect();
        assert!(
            sentence.starts_with(&words.join(" ")),
            "cut on a word: {title}"
        );
        assert!(!WEAK_ENDINGS.contains(words.last().unwrap()), "{title}");
    }

    #[test]
    fn clause_boundary_is_preferred_over_a_word_cut() {
        let sentence = "The central bank raised its main interest rate by half a point on Thursday, its fourth rise this year, and signalled that more increases were likely before the summer.";
        let title = shorten_headline(sentence);
        assert_eq!(
            title,
            "The central bank raised its main interest rate by half a point on Thursday…"
        );
    }

    #[test]
    fn clause_followed_by_a_participle_is_a_complete_headline() {
        let sentence = "The regional council on Monday approved a new tram line across the old town of Aster, ending a decade of arguments over noise and cost.";
        assert_eq!(
            shorten_headline(sentence),
            "The regional council on Monday approved a new tram line across the old town of Aster"
        );
    }

    #[test]
    fn attribution_in_the_middle_of_a_sentence_is_dropped_with_the_rest() {
        let sentence = "The ferry company restored its full timetable between the islands after a month of storms, the harbour office said on Friday, three days after the last gale.";
        assert_eq!(
            shorten_headline(sentence),
            "The ferry company restored its full timetable between the islands after a month of storms"
        );
    }

    #[test]
    fn long_sentence_is_cut_before_a_phrase_rather_than_inside_one() {
        let sentence = "Opposition leader Nora Falk on Tuesday demanded an independent review into how the transport ministry chose its suppliers for new rail signals last spring.";
        assert_eq!(
            shorten_headline(sentence),
            "Opposition leader Nora Falk on Tuesday demanded an independent review…"
        );
    }

    #[test]
    fn summary_is_cut_at_a_word_boundary() {
        let text =
            "Ministers agreed on Monday to extend the fuel subsidy until the end of the year.";
        assert_eq!(truncate_words(text, 200), text);
        let cut = truncate_words(text, 30);
        assert_eq!(cut, "Ministers agreed on Monday to…");
        assert!(cut.chars().count() <= 30);
    }

    #[test]
    fn html_is_escaped() {
        let doc = parse(
            "Rates <up> & \"prices\" 'down'\nMore text here.",
            &[],
            Some("T"),
        );
        assert_eq!(
            doc.html(),
            "<p>Rates &lt;up&gt; &amp; &quot;prices&quot; &#39;down&#39;</p>\n<p>More text here.</p>\n"
        );
    }

    #[test]
    fn words_are_counted_by_unicode_rules() {
        assert_eq!(word_count("Keller’s plan — 40 minutes, état d'urgence."), 6);
        assert_eq!(word_count(""), 0);
    }

    #[test]
    fn whitespace_is_normalised_and_control_characters_dropped() {
        assert_eq!(
            normalise_whitespace("  a\u{a0}\u{a0}b\t c\u{0}d\u{feff} "),
            "a b cd"
        );
    }

    /// The character-by-character word counter this module used before
    /// the fast one, kept to check that one against.
    /// Number of words in `text`, counted as Unicode's word boundary rules
    /// (UAX #29) count them for news text: runs of letters and digits, joined
    /// across an apostrophe or full stop between letters ("Keller’s", "U.S")
    /// or a full stop or comma between digits ("3.5", "100,000"); each Chinese
    /// or Japanese ideograph and kana is a word of its own.
    ///
    /// One pass over the text, several times faster than a full UAX #29
    /// segmenter, which matters on a hundred thousand articles.
    fn word_count_reference(text: &str) -> usize {
        #[derive(Clone, Copy, PartialEq, Eq)]
        enum Class {
            Letter,
            Digit,
            /// `_`, which joins anything on either side.
            Connector,
        }
        let mut count = 0;
        // The class of the last character of the current segment, if in one.
        let mut last: Option<Class> = None;
        // Whether the current segment holds a letter or digit (and was counted).
        let mut counted = false;
        // A joiner seen inside a word: (class before it, joins letters only).
        let mut pending: Option<(Class, bool)> = None;
        let bytes = text.as_bytes();
        let mut idx = 0;
        while idx < bytes.len() {
            // Most news text is ASCII: skip UTF-8 decoding for those bytes.
            let c = if bytes[idx] < 0x80 {
                idx += 1;
                char::from(bytes[idx - 1])
            } else {
                let c = text[idx..].chars().next().unwrap_or(' ');
                idx += c.len_utf8();
                c
            };
            let class = if c.is_ascii_digit() {
                Some(Class::Digit)
            } else if c.is_ascii_alphabetic() {
                Some(Class::Letter)
            } else if c == '_' {
                Some(Class::Connector)
            } else if c.is_ascii() {
                None
            } else if is_ideographic(c) {
                count += 1;
                last = None;
                pending = None;
                continue;
            } else if c.is_numeric() {
                Some(Class::Digit)
            } else if c.is_alphabetic() {
                Some(Class::Letter)
            } else if is_combining_mark(c) && last.is_some() {
                // A mark written separately (an accent, a joiner) belongs to
                // the character before it, as in UAX #29.
                continue;
            } else {
                None
            };
            match class {
                Some(class) => {
                    let joined = match (last, pending) {
                        (Some(_), None) => true,
                        (Some(_), Some((before, letters_only))) => {
                            before == class && !(letters_only && class == Class::Digit)
                        }
                        (None, _) => false,
                    };
                    if !joined {
                        counted = false;
                    }
                    if !counted && class != Class::Connector {
                        count += 1;
                        counted = true;
                    }
                    last = Some(class);
                    pending = None;
                }
                None => {
                    pending = match (last, pending, c) {
                        (Some(before @ (Class::Letter | Class::Digit)), None, '\'' | '’' | '.') => {
                            Some((before, false))
                        }
                        (Some(Class::Digit), None, ',' | ';') => Some((Class::Digit, false)),
                        (Some(Class::Letter), None, ':' | '·') => Some((Class::Letter, true)),
                        _ => None,
                    };
                    if pending.is_none() {
                        last = None;
                    }
                }
            }
        }
        count
    }

    /// The words joined by one space each, with control and invisible
    /// characters dropped; `capacity` is the length of the text they are from.
    fn join_words<'a>(words: impl Iterator<Item = &'a str>, capacity: usize) -> String {
        let mut out = String::with_capacity(capacity);
        for word in words {
            // Whole words are copied at once; only a word holding a byte that
            // may start a control or invisible character is filtered by char.
            let suspicious = word
                .bytes()
                .any(|b| b < 0x20 || b == 0x7f || b == 0xc2 || b == 0xef || b == 0xe2);
            let start = out.len();
            if !out.is_empty() {
                out.push(' ');
            }
            let content_start = out.len();
            if suspicious {
                out.extend(word.chars().filter(|&c| !is_invisible(c)));
            } else {
                out.push_str(word);
            }
            if out.len() == content_start {
                // The word was all control characters: take back its space.
                out.truncate(start);
            }
        }
        out
    }

    /// The word-splitting normaliser this module used before
    /// [`push_normalised`], kept to check that one against.
    fn normalise_reference(line: &str) -> String {
        join_words(line.split_whitespace(), line.len())
    }

    proptest! {
        #[test]
        fn ascii_whitespace_is_normalised_as_unicode_whitespace(line in "[ -~\t\n\r\x0b\x0c\x00-\x1f\x7f]{0,40}") {
            prop_assert_eq!(normalise_whitespace(&line), normalise_reference(&line));
        }

        #[test]
        fn normalising_agrees_with_splitting_on_white_space(line in "(\\PC|[ \t\n\u{a0}\u{85}\u{1680}\u{2000}-\u{200b}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}\u{feff}\u{0}-\u{1f}\u{7f}-\u{9f}a-z])*") {
            prop_assert_eq!(normalise_whitespace(&line), normalise_reference(&line));
            let mut out = String::from("x");
            let appended = push_normalised(&line, &mut out);
            prop_assert_eq!(appended, out.len() > 1);
            prop_assert_eq!(&out[1..], normalise_reference(&line));
        }

        #[test]
        fn long_texts_are_normalised_and_counted_as_short_ones(text in "([a-zA-Z0-9’“”—·_é中]{1,9}[ ,.:;'\n\u{a0}\u{200b}]{1,2}){0,90}") {
            // Longer than the blocks the scans pass over whole, with the
            // characters they look for here and there.
            prop_assert_eq!(normalise_whitespace(&text), normalise_reference(&text));
            prop_assert_eq!(word_count(&text), word_count_reference(&text), "{:?}", text);
        }

        #[test]
        fn fast_word_count_agrees_with_the_reference(text in "[a-zA-Zé0-9 ,.'’:;·_\\-\n“”中文ひら\u{301}\u{200d}]{0,120}|[aA1 ,.':;_]{0,600}|\\PC{0,120}") {
            prop_assert_eq!(word_count(&text), word_count_reference(&text), "{:?}", text);
        }

        #[test]
        fn parse_never_panics_and_paragraphs_are_clean(body in "\\PC*|[a-zA-Z .,!?\"“”\n\r\t-]{0,400}") {
            let doc = parse(&body, boilerplate(), None);
            for paragraph in &doc.paragraphs {
                prop_assert!(!paragraph.is_empty());
                prop_assert!(!paragraph.contains('\n'));
                prop_assert_eq!(paragraph.trim(), paragraph.as_str());
            }
            if let Some(title) = &doc.title {
                prop_assert!(title.chars().count() <= HEADLINE_LINE_MAX_CHARS + 1, "{}", title);
            }
        }

        #[test]
        fn word_count_agrees_with_unicode_segmentation(text in "[a-zA-Zé0-9 ,.'’:;_\\-\n“”中文ひら\u{301}]{0,80}") {
            use unicode_segmentation::UnicodeSegmentation;
            prop_assert_eq!(word_count(&text), text.unicode_words().count(), "{:?}", text);
        }

        #[test]
        fn shorten_headline_never_panics_and_stays_short(sentence in "\\PC{0,400}") {
            let title = shorten_headline(&sentence);
            prop_assert!(title.chars().count() <= ATTRIBUTION_CUT_MAX_CHARS + 1, "{}", title);
        }
    }
}
