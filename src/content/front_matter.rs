//! The optional YAML front matter at the top of an article: splitting it
//! from the body, and reading it into typed fields with errors that name the
//! line in the *file* (not in the YAML block).
//!
//! Dates are parsed here too, because `date` and `updated` are the fields
//! whose formats users get wrong most often.

use std::collections::BTreeMap;

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone,
};
use serde_yaml::Value;

/// The front matter delimiter line.
const DELIMITER: &str = "---";

/// A file cut into its front matter and its body.
///
/// `head` followed by `body` is exactly the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split<'a> {
    /// Everything before the body: a byte order mark, the opening `---`
    /// line, the YAML and the closing line. Empty when there is neither BOM
    /// nor front matter.
    pub head: &'a str,
    /// The YAML between the delimiter lines, when there is front matter.
    pub yaml: Option<&'a str>,
    /// The 1-based file line on which the YAML starts.
    pub yaml_line: usize,
    /// The article text after the front matter.
    pub body: &'a str,
    /// The 1-based file line on which the body starts.
    pub body_line: usize,
}

/// The front matter was opened with `---` but never closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unterminated;

/// Splits `input` into front matter and body.
///
/// Front matter is present when the first line (after an optional byte
/// order mark) is `---`; it ends at the next line that is `---` (or `...`,
/// YAML's own end marker). CRLF line endings are fine.
///
/// Errs when the opening `---` has no closing line.
pub fn split(input: &str) -> Result<Split<'_>, Unterminated> {
    let bom_len = if input.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let no_front_matter = Split {
        head: &input[..bom_len],
        yaml: None,
        yaml_line: 1,
        body: &input[bom_len..],
        body_line: 1,
    };
    let rest = &input[bom_len..];
    let Some((first_line, after_first)) = split_line(rest) else {
        return Ok(no_front_matter);
    };
    if trim_line_end(first_line) != DELIMITER || after_first.is_none() {
        // A lone `---` without a newline is an unclosed block too.
        if trim_line_end(first_line) == DELIMITER {
            return Err(Unterminated);
        }
        return Ok(no_front_matter);
    }
    let yaml_start = bom_len + first_line.len() + 1;
    let mut offset = yaml_start;
    let mut line_no = 2;
    loop {
        let Some((line, after)) = split_line(&input[offset..]) else {
            return Err(Unterminated);
        };
        let trimmed = trim_line_end(line);
        if trimmed == DELIMITER || trimmed == "..." {
            let body_start = match after {
                Some(_) => offset + line.len() + 1,
                None => input.len(),
            };
            return Ok(Split {
                head: &input[..body_start],
                yaml: Some(&input[yaml_start..offset]),
                yaml_line: 2,
                body: &input[body_start..],
                body_line: line_no + 1,
            });
        }
        match after {
            Some(_) => offset += line.len() + 1,
            None => return Err(Unterminated),
        }
        line_no += 1;
    }
}

/// The first line of `text` (without its `\n`) and whether a newline
/// followed it; `None` for empty text.
fn split_line(text: &str) -> Option<(&str, Option<()>)> {
    if text.is_empty() {
        return None;
    }
    Some(match text.find('\n') {
        Some(idx) => (&text[..idx], Some(())),
        None => (text, None),
    })
}

fn trim_line_end(line: &str) -> &str {
    line.trim_end_matches([' ', '\t', '\r'])
}

/// The fields of a front matter block, checked and typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    /// `title`, trimmed; `None` when absent or blank.
    pub title: Option<String>,
    /// `date`, read in the site's time zone when it has no offset.
    pub date: Option<DateTime<FixedOffset>>,
    /// `updated`, like `date`.
    pub updated: Option<DateTime<FixedOffset>>,
    /// `topics`: a list, or one string (split on commas); trimmed, blanks
    /// dropped, duplicates (by slug) removed, in the order given.
    pub topics: Vec<String>,
    /// `source`.
    pub source: Option<String>,
    /// `source_url`.
    pub source_url: Option<String>,
    /// `author`.
    pub author: Option<String>,
    /// `summary`.
    pub summary: Option<String>,
    /// `slug`, already slugified.
    pub slug: Option<String>,
    /// `draft`.
    pub draft: bool,
    /// `image`.
    pub image: Option<String>,
    /// `lang`.
    pub lang: Option<String>,
    /// Every other key, for templates.
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// One problem in a front matter block, at a line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The 1-based line in the file.
    pub line: usize,
    /// Lowercase, no final period, says what to do.
    pub message: String,
}

/// The date formats accepted, for messages.
pub const DATE_FORMATS: &str =
    "`2024-05-01`, `2024-05-01 14:30`, `2024-05-01T14:30:00` or `2024-05-01T14:30:00+02:00`";

/// Reads the YAML block `yaml`, which starts on file line `yaml_line`, into
/// typed fields. Dates without an offset are read in `timezone`.
///
/// Errs with every problem found: broken YAML, a field of the wrong type, a
/// bad date, a slug with no letters or digits.
pub fn parse(
    yaml: &str,
    yaml_line: usize,
    timezone: chrono_tz::Tz,
) -> Result<FrontMatter, Vec<FieldError>> {
    let key_lines = top_level_key_lines(yaml, yaml_line);
    let parsed = match simple_mapping(yaml) {
        Some(mapping) => Ok(Value::Mapping(mapping)),
        None => serde_yaml::from_str(yaml),
    };
    let value: Value = match parsed {
        Ok(value) => value,
        Err(err) => return Err(vec![yaml_error(&err, yaml_line, &key_lines)]),
    };
    let mapping = match value {
        Value::Null => return Ok(FrontMatter::default()),
        Value::Mapping(mapping) => mapping,
        Value::Tagged(tagged) => match tagged.value {
            Value::Mapping(mapping) => mapping,
            _ => return Err(vec![not_a_mapping(yaml_line)]),
        },
        _ => return Err(vec![not_a_mapping(yaml_line)]),
    };

    let mut front = FrontMatter::default();
    let mut errors = Vec::new();
    for (key, value) in mapping {
        let key = key_string(&key);
        let line = key_lines.get(&key).copied().unwrap_or(yaml_line);
        let wrong_type = |expected: &str| FieldError {
            line,
            message: format!("`{key}` must be {expected}, not {}", describe(&value)),
        };
        match key.as_str() {
            "title" | "source" | "source_url" | "author" | "summary" | "image" | "lang" => {
                match scalar_string(&value) {
                    Some(text) => {
                        let text = text.trim();
                        let text = (!text.is_empty()).then(|| text.to_string());
                        match key.as_str() {
                            "title" => front.title = text,
                            "source" => front.source = text,
                            "source_url" => front.source_url = text,
                            "author" => front.author = text,
                            "summary" => front.summary = text,
                            "image" => front.image = text,
                            _ => front.lang = text,
                        }
                    }
                    None if value.is_null() => {}
                    None => errors.push(wrong_type("text")),
                }
            }
            "slug" => match scalar_string(&value) {
                Some(text) => {
                    let slug = slug::slugify(text.trim());
                    if slug.is_empty() {
                        errors.push(FieldError {
                            line,
                            message: format!(
                                "`slug` `{}` has no letters or digits: use a name such as `budget-vote`",
                                text.trim()
                            ),
                        });
                    } else {
                        front.slug = Some(slug);
                    }
                }
                None if value.is_null() => {}
                None => errors.push(wrong_type("text such as `budget-vote`")),
            },
            "date" | "updated" => {
                let parsed = match &value {
                    Value::String(text) => parse_date(text, timezone),
                    Value::Null => continue,
                    _ => None,
                };
                match parsed {
                    Some(date) if key == "date" => front.date = Some(date),
                    Some(date) => front.updated = Some(date),
                    None => {
                        let shown = scalar_string(&value)
                            .map_or_else(|| describe(&value), |text| format!("`{}`", text.trim()));
                        errors.push(FieldError {
                            line,
                            message: format!(
                                "`{key}` {shown} is not a date: write it as {DATE_FORMATS}"
                            ),
                        });
                    }
                }
            }
            "topics" => match topics(&value) {
                Some(list) => front.topics = list,
                None => errors.push(wrong_type(
                    "a list of names (`[Politics, Europe]`) or one name",
                )),
            },
            "draft" => match &value {
                Value::Bool(draft) => front.draft = *draft,
                Value::Null => {}
                _ => errors.push(wrong_type("`true` or `false`")),
            },
            _ => {
                front.extra.insert(key, to_json(&value));
            }
        }
    }
    if errors.is_empty() {
        Ok(front)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// The mapping `serde_yaml` would read from `yaml`, when every line of it is
/// one of the plain forms generated and hand-written front matter mostly
/// uses: `key: "text"`, `key: ["a", "b"]` or `key: plain text` (starting
/// with a letter, or a `YYYY-MM-DD…` date). `None` for anything else, which
/// then goes to `serde_yaml`: comments, block lists, escapes, numbers,
/// `true`/`null`-like words, duplicate keys, tabs, carriage returns.
///
/// A YAML parse was the largest single cost of loading an article; this
/// reads the common case in a fraction of the time, and a test checks it
/// against `serde_yaml` on generated blocks.
fn simple_mapping(yaml: &str) -> Option<serde_yaml::Mapping> {
    let mut mapping = serde_yaml::Mapping::new();
    for line in yaml.split('\n') {
        if line.is_empty() {
            continue;
        }
        let (key, rest) = line.split_once(':')?;
        let key_ok = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            && !is_special_word(key);
        if !key_ok {
            return None;
        }
        let value = rest.strip_prefix(' ')?.trim_end_matches(' ');
        let value = if let Some(inner) = value.strip_prefix('"') {
            Value::String(simple_quoted(inner.strip_suffix('"')?)?.to_string())
        } else if let Some(inner) = value.strip_prefix('[') {
            let inner = inner.strip_suffix(']')?.trim_matches(' ');
            let mut items = Vec::new();
            if !inner.is_empty() {
                for item in inner.split(',') {
                    let item = item.trim_matches(' ');
                    let text = item.strip_prefix('"')?.strip_suffix('"')?;
                    items.push(Value::String(simple_quoted(text)?.to_string()));
                }
            }
            Value::Sequence(items)
        } else {
            Value::String(simple_plain(value)?.to_string())
        };
        if mapping
            .insert(Value::String(key.to_string()), value)
            .is_some()
        {
            // A duplicate key: serde_yaml's error says which.
            return None;
        }
    }
    (!mapping.is_empty()).then_some(mapping)
}

/// The inside of a one-line double-quoted scalar with nothing to unescape.
fn simple_quoted(text: &str) -> Option<&str> {
    let plain = text.chars().all(|c| {
        c != '"' && c != '\\' && (c == ' ' || !(c.is_control() || is_yaml_special_char(c)))
    });
    plain.then_some(text)
}

/// A plain scalar YAML reads as a string whatever the resolver: it starts
/// with a letter (and is no `null`, `true`, … word) or is a date such as
/// `2024-05-01` or `2024-05-01T14:30:00+02:00`, holds no `: ` or ` #`, and
/// has no character with a meaning of its own.
fn simple_plain(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let starts_ok = match bytes.first()? {
        b if b.is_ascii_alphabetic() => !is_special_word(text),
        _ => is_date_like(text),
    };
    let chars_ok = text.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                ' ' | '.'
                    | ','
                    | '/'
                    | ':'
                    | '+'
                    | '-'
                    | '_'
                    | '('
                    | ')'
                    | '\''
                    | '?'
                    | '!'
                    | '&'
                    | '='
                    | '%'
            )
            || (!c.is_ascii() && !c.is_control() && !is_yaml_special_char(c))
    });
    let ok = starts_ok
        && chars_ok
        && !text.contains(": ")
        && !text.ends_with(':')
        && !text.contains(" #");
    ok.then_some(text)
}

/// `YYYY-MM-DD` at the start, then nothing or a `T` or space and a time:
/// never a number to YAML.
fn is_date_like(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 10
        && bytes[..10].iter().enumerate().all(|(idx, b)| match idx {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
        && (bytes.len() == 10 || matches!(bytes[10], b'T' | b' '))
}

/// Words a YAML resolver may read as something other than text.
fn is_special_word(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "null", "true", "false", "yes", "no", "on", "off", "y", "n", "inf", "infinity", "nan",
    ];
    WORDS.iter().any(|word| word.eq_ignore_ascii_case(text))
}

/// Non-ASCII characters YAML treats as line breaks or that need escaping
/// (NEL, line and paragraph separators, byte order mark), and other
/// invisible or white space characters.
fn is_yaml_special_char(c: char) -> bool {
    !c.is_ascii() && (c.is_whitespace() || matches!(c, '\u{feff}' | '\u{200b}'..='\u{200f}'))
}

fn not_a_mapping(yaml_line: usize) -> FieldError {
    FieldError {
        line: yaml_line,
        message: "the front matter must be `key: value` lines, such as `title: Budget vote`".into(),
    }
}

/// A serde_yaml error at the right file line, without serde_yaml's own
/// block-relative "at line X column Y" text.
fn yaml_error(
    err: &serde_yaml::Error,
    yaml_line: usize,
    key_lines: &BTreeMap<String, usize>,
) -> FieldError {
    let raw = err.to_string();
    if let Some(key) = raw
        .strip_prefix("duplicate entry with key \"")
        .and_then(|rest| rest.split('"').next())
    {
        // serde_yaml places a duplicate key at the start of the mapping;
        // the later occurrence is the one to remove.
        let line = key_lines.get(key).copied().unwrap_or(yaml_line);
        return FieldError {
            line,
            message: format!("`{key}` is given twice in the front matter: keep one"),
        };
    }
    let line = err.location().map_or(yaml_line, |location| {
        yaml_line + location.line().saturating_sub(1)
    });
    let mut message = strip_positions(&raw);
    if message.is_empty() {
        message = "invalid YAML".into();
    }
    FieldError {
        line,
        message: format!(
            "broken front matter: {message}; quote values that contain `: ` or start with a quote, `[`, `{{`, `@` or `*`"
        ),
    }
}

/// Removes every " at line N column M" (and "at position N") that
/// serde_yaml adds; those count from the start of the YAML block.
fn strip_positions(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(idx) = rest.find(" at line ") {
        out.push_str(&rest[..idx]);
        let after = &rest[idx + " at line ".len()..];
        let after = after.trim_start_matches(|c: char| c.is_ascii_digit());
        let after = match after.strip_prefix(" column ") {
            Some(col) => col.trim_start_matches(|c: char| c.is_ascii_digit()),
            None => after,
        };
        rest = after;
    }
    out.push_str(rest);
    let out = out.trim().trim_end_matches('.').to_string();
    lowercase_first(&out)
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The file line of each top-level `key:` in block style. Flow-style or
/// quoted-and-escaped keys are not found and fall back to the block's first
/// line.
fn top_level_key_lines(yaml: &str, yaml_line: usize) -> BTreeMap<String, usize> {
    let mut lines = BTreeMap::new();
    for (idx, line) in yaml.lines().enumerate() {
        if line.starts_with([' ', '\t', '#', '-']) || line.is_empty() {
            continue;
        }
        let key = if let Some(quoted) = line.strip_prefix('"') {
            quoted.split('"').next()
        } else if let Some(quoted) = line.strip_prefix('\'') {
            quoted.split('\'').next()
        } else {
            line.split(':').next().map(str::trim_end)
        };
        if let Some(key) = key {
            // A later duplicate wins, so a "given twice" error points at it.
            lines.insert(key.to_string(), yaml_line + idx);
        }
    }
    lines
}

/// The text of a scalar: strings as they are, numbers and booleans as
/// written (`title: 1984` is a title, not an error).
fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Tagged(tagged) => scalar_string(&tagged.value),
        _ => None,
    }
}

/// `topics` as a clean list; `None` when it is not a list of scalars or a
/// string.
fn topics(value: &Value) -> Option<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    match value {
        Value::Null => {}
        Value::Sequence(items) => {
            for item in items {
                match item {
                    Value::Null => {}
                    _ => names.push(scalar_string(item)?),
                }
            }
        }
        Value::Tagged(tagged) => return topics(&tagged.value),
        _ => {
            // "topics: Politics, Europe" almost always means two topics.
            let text = scalar_string(value)?;
            names.extend(text.split(',').map(str::to_string));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut clean = Vec::with_capacity(names.len());
    for name in names {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            continue;
        }
        if seen.insert(slug::slugify(&name)) {
            clean.push(name);
        }
    }
    Some(clean)
}

fn key_string(key: &Value) -> String {
    match key {
        Value::String(text) => text.clone(),
        other => scalar_string(other).unwrap_or_else(|| describe(other)),
    }
}

/// A short description of a YAML value's type for messages.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "empty".into(),
        Value::Bool(_) => "a true/false value".into(),
        Value::Number(_) => "a number".into(),
        Value::String(_) => "text".into(),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping of keys".into(),
        Value::Tagged(tagged) => describe(&tagged.value),
    }
}

/// A YAML value as JSON for templates; map keys become strings and numbers
/// JSON cannot hold (NaN, infinity) become null.
pub fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(flag) => serde_json::Value::Bool(*flag),
        Value::Number(number) => {
            if let Some(int) = number.as_i64() {
                int.into()
            } else if let Some(int) = number.as_u64() {
                int.into()
            } else {
                number
                    .as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
        }
        Value::String(text) => serde_json::Value::String(text.clone()),
        Value::Sequence(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Mapping(mapping) => serde_json::Value::Object(
            mapping
                .iter()
                .map(|(key, value)| (key_string(key), to_json(value)))
                .collect(),
        ),
        Value::Tagged(tagged) => to_json(&tagged.value),
    }
}

/// Parses a date as users write it: RFC 3339, `YYYY-MM-DD`,
/// `YYYY-MM-DD HH:MM[:SS]` or `YYYY-MM-DDTHH:MM[:SS]` (fractional seconds
/// allowed), with an optional offset (`Z`, `+02:00`, `+0200`, `+02`, or
/// `UTC`). Without an offset the time is read in `timezone`; a bare date is
/// midnight there.
///
/// Returns `None` for anything else, including impossible dates.
pub fn parse_date(text: &str, timezone: chrono_tz::Tz) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date);
    }
    let date_part = text.get(..10)?;
    let bytes = date_part.as_bytes();
    let digits_at = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    if !(digits_at(0..4)
        && bytes[4] == b'-'
        && digits_at(5..7)
        && bytes[7] == b'-'
        && digits_at(8..10))
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| date_part[range].parse::<u32>().ok();
    let year = i32::try_from(number(0..4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?)?;
    let rest = &text[10..];
    if rest.is_empty() {
        return Some(in_zone(date.and_time(NaiveTime::MIN), timezone));
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?.trim_start_matches(' ');
    let (time, rest) = parse_time(rest)?;
    let naive = date.and_time(time);
    let offset = rest.trim_start_matches(' ');
    if offset.is_empty() {
        return Some(in_zone(naive, timezone));
    }
    let offset = parse_offset(offset)?;
    offset.from_local_datetime(&naive).single()
}

/// `HH:MM[:SS[.fff]]` at the start of `text`, and what follows.
fn parse_time(text: &str) -> Option<(NaiveTime, &str)> {
    let two_digits = |s: &str| -> Option<u32> {
        let part = s.get(..2)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let hour = two_digits(text)?;
    let rest = text.get(2..)?.strip_prefix(':')?;
    let minute = two_digits(rest)?;
    let mut rest = &rest[2..];
    let mut second = 0;
    let mut nanos = 0;
    if let Some(after) = rest.strip_prefix(':') {
        second = two_digits(after)?;
        rest = &after[2..];
        if let Some(fraction) = rest.strip_prefix(['.', ',']) {
            let n_digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if n_digits == 0 {
                return None;
            }
            let kept = &fraction[..n_digits.min(9)];
            let scale = 10u32.pow(9 - u32::try_from(kept.len()).ok()?);
            nanos = kept.parse::<u32>().ok()? * scale;
            rest = &fraction[n_digits..];
        }
    }
    Some((
        NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?,
        rest,
    ))
}

/// `Z`, `UTC`, `GMT`, `+HH:MM`, `+HHMM` or `+HH` (or with `-`).
fn parse_offset(text: &str) -> Option<FixedOffset> {
    if matches!(text, "Z" | "z" | "UTC" | "GMT") {
        return FixedOffset::east_opt(0);
    }
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let digits: String = match digits.len() {
        2 | 4 => digits.to_string(),
        5 if digits.as_bytes()[2] == b':' => format!("{}{}", &digits[..2], &digits[3..]),
        _ => return None,
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = if digits.len() == 4 {
        digits[2..].parse().ok()?
    } else {
        0
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// `naive` read as wall-clock time in `timezone`. An ambiguous time (the
/// hour repeated when clocks go back) takes the earlier instant; a time the
/// clocks skipped takes the same wall time an hour later.
pub fn in_zone(naive: NaiveDateTime, timezone: chrono_tz::Tz) -> DateTime<FixedOffset> {
    match timezone.from_local_datetime(&naive) {
        LocalResult::Single(date) | LocalResult::Ambiguous(date, _) => date.fixed_offset(),
        LocalResult::None => timezone
            .from_local_datetime(&(naive + TimeDelta::hours(1)))
            .earliest()
            .map_or_else(
                || naive.and_utc().fixed_offset(),
                |date| date.fixed_offset(),
            ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PARIS: chrono_tz::Tz = chrono_tz::Europe::Paris;

    fn date(text: &str) -> Option<String> {
        parse_date(text, PARIS).map(|d| d.to_rfc3339())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Whatever the fast reader accepts, it reads as serde_yaml does.
        #[test]
        fn simple_mapping_reads_as_serde_yaml(
            lines in proptest::collection::vec(
                "[a-zA-Z_][a-zA-Z0-9_-]{0,8}: ( *\"[^\"\\\\\n]{0,12}\" *|\\[( *\"[a-z ’:#]{0,6}\" *,?){0,3}\\]|[a-zA-Z0-9][a-zA-Z0-9 .,/:+_()'?!&=%#é’\u{85}\u{a0}\u{2028}-]{0,16}|[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]?[0-9:+]{0,8})",
                0..6,
            )
        ) {
            let yaml = lines.join("\n");
            if let Some(mapping) = simple_mapping(&yaml) {
                let expected: Value = serde_yaml::from_str(&yaml).unwrap();
                prop_assert_eq!(Value::Mapping(mapping), expected, "{:?}", yaml);
            }
        }
    }

    #[test]
    fn plain_front_matter_skips_the_yaml_parser_and_the_rest_does_not() {
        let common = "title: \"Vote: a \u{2019}yes\u{2019}\"\ndate: 2024-05-01T10:00:00+02:00\ntopics: [\"Politics\", \"Europe\"]\nsource: The Daily Planet\nsource_url: https://x.example/a-b\n";
        let mapping = simple_mapping(common).expect("read without serde_yaml");
        assert_eq!(
            Value::Mapping(mapping),
            serde_yaml::from_str::<Value>(common).unwrap()
        );
        for other in [
            "pages: 5\n",
            "draft: true\n",
            "title: Vote # later\n",
            "topics:\n  - a\n",
            "title: a\ntitle: b\n",
            "title: \"a \\\" b\"\n",
            "title: Vote\r\n",
            "note: ~\n",
        ] {
            assert_eq!(simple_mapping(other), None, "{other:?}");
        }
    }

    #[test]
    fn text_without_front_matter_is_all_body() {
        let split = split("Ministers met.\n---\nMore.").unwrap();
        assert_eq!(split.head, "");
        assert_eq!(split.yaml, None);
        assert_eq!(split.body, "Ministers met.\n---\nMore.");
        assert_eq!(split.body_line, 1);
    }

    #[test]
    fn front_matter_is_split_with_line_numbers() {
        let input = "---\ntitle: Vote\ndate: 2024-05-01\n---\nBody text.\n";
        let split = split(input).unwrap();
        assert_eq!(split.yaml, Some("title: Vote\ndate: 2024-05-01\n"));
        assert_eq!(split.yaml_line, 2);
        assert_eq!(split.body, "Body text.\n");
        assert_eq!(split.body_line, 5);
        assert_eq!(format!("{}{}", split.head, split.body), input);
    }

    #[test]
    fn bom_and_crlf_are_tolerated() {
        let input = "\u{feff}---\r\ntitle: Vote\r\n---\r\nBody.\r\n";
        let split = split(input).unwrap();
        assert_eq!(split.yaml, Some("title: Vote\r\n"));
        assert_eq!(split.body, "Body.\r\n");
        let front = parse(split.yaml.unwrap(), split.yaml_line, PARIS).unwrap();
        assert_eq!(front.title.as_deref(), Some("Vote"));
    }

    #[test]
    fn front_matter_may_end_the_file_or_close_with_dots() {
        let split_a = split("---\ntitle: A\n---").unwrap();
        assert_eq!(split_a.body, "");
        let split_b = split("---\ntitle: B\n...\nText").unwrap();
        assert_eq!(split_b.yaml, Some("title: B\n"));
        assert_eq!(split_b.body, "Text");
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        assert_eq!(split("---\ntitle: Vote\nBody text."), Err(Unterminated));
        assert_eq!(split("---"), Err(Unterminated));
        assert_eq!(split("---\n"), Err(Unterminated));
    }

    #[test]
    fn a_longer_rule_is_not_front_matter() {
        let split = split("-----\nText\n---\n").unwrap();
        assert_eq!(split.yaml, None);
    }

    #[test]
    fn every_field_is_read() {
        let yaml = "title: \" Budget vote \"\ndate: 2024-05-01 09:30\nupdated: 2024-05-02T10:00:00Z\ntopics: [Politics, Europe, politics, \" \", Économie]\nsource: Daily Planet\nsource_url: https://example.org/a\nauthor: Jane Doe\nsummary: Short.\nslug: Budget Vote 2024!\ndraft: true\nimage: /img/vote.jpg\nlang: fr\nrating: 4.5\ntags: {a: 1}\n";
        let front = parse(yaml, 2, PARIS).unwrap();
        assert_eq!(front.title.as_deref(), Some("Budget vote"));
        assert_eq!(
            front.date.unwrap().to_rfc3339(),
            "2024-05-01T09:30:00+02:00"
        );
        assert_eq!(
            front.updated.unwrap().to_rfc3339(),
            "2024-05-02T10:00:00+00:00"
        );
        assert_eq!(front.topics, vec!["Politics", "Europe", "Économie"]);
        assert_eq!(front.source.as_deref(), Some("Daily Planet"));
        assert_eq!(front.source_url.as_deref(), Some("https://example.org/a"));
        assert_eq!(front.author.as_deref(), Some("Jane Doe"));
        assert_eq!(front.summary.as_deref(), Some("Short."));
        assert_eq!(front.slug.as_deref(), Some("budget-vote-2024"));
        assert!(front.draft);
        assert_eq!(front.image.as_deref(), Some("/img/vote.jpg"));
        assert_eq!(front.lang.as_deref(), Some("fr"));
        assert_eq!(front.extra["rating"], serde_json::json!(4.5));
        assert_eq!(front.extra["tags"], serde_json::json!({"a": 1}));
    }

    #[test]
    fn topics_may_be_one_string() {
        let front = parse("topics: Politics, Europe ,\n", 2, PARIS).unwrap();
        assert_eq!(front.topics, vec!["Politics", "Europe"]);
        let front = parse("topics: Energy\n", 2, PARIS).unwrap();
        assert_eq!(front.topics, vec!["Energy"]);
    }

    #[test]
    fn numbers_are_accepted_as_text() {
        let front = parse("title: 1984\n", 2, PARIS).unwrap();
        assert_eq!(front.title.as_deref(), Some("1984"));
    }

    #[test]
    fn empty_front_matter_is_fine() {
        assert_eq!(parse("", 2, PARIS).unwrap(), FrontMatter::default());
        assert_eq!(
            parse("# just a comment\n", 2, PARIS).unwrap(),
            FrontMatter::default()
        );
    }

    #[test]
    fn broken_yaml_names_the_file_line_without_yaml_positions() {
        // The YAML starts on file line 2; the bad line is its second line.
        let err = parse("title: Vote\nsummary: a: b\n", 2, PARIS).unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].line, 3);
        assert!(!err[0].message.contains("at line"), "{}", err[0].message);
        assert!(!err[0].message.contains("column"), "{}", err[0].message);
        assert!(
            err[0]
                .message
                .starts_with("broken front matter: mapping values"),
            "{}",
            err[0].message
        );
    }

    #[test]
    fn duplicate_key_points_at_the_second_one() {
        let err = parse("title: A\ndate: 2024-05-01\ntitle: B\n", 2, PARIS).unwrap_err();
        assert_eq!(err[0].line, 4);
        assert_eq!(
            err[0].message,
            "`title` is given twice in the front matter: keep one"
        );
    }

    #[test]
    fn wrong_types_name_the_line_of_their_key() {
        let yaml = "title: Vote\ntopics:\n  nested: map\ndraft: maybe\nauthor: [a, b]\n";
        let err = parse(yaml, 2, PARIS).unwrap_err();
        let lines: Vec<usize> = err.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 5, 6]);
        assert_eq!(
            err[1].message,
            "`draft` must be `true` or `false`, not text"
        );
        assert_eq!(err[2].message, "`author` must be text, not a list");
    }

    #[test]
    fn bad_date_names_its_line_and_the_accepted_formats() {
        let err = parse("title: Vote\ndate: 1 May 2024\n", 10, PARIS).unwrap_err();
        assert_eq!(err[0].line, 11);
        assert!(
            err[0]
                .message
                .starts_with("`date` `1 May 2024` is not a date: write it as `2024-05-01`"),
            "{}",
            err[0].message
        );
        let err = parse("updated: 2024-02-30\n", 2, PARIS).unwrap_err();
        assert!(err[0].message.starts_with("`updated` `2024-02-30`"));
    }

    #[test]
    fn slug_without_letters_is_an_error() {
        let err = parse("slug: '!!!'\n", 2, PARIS).unwrap_err();
        assert_eq!(err[0].line, 2);
        assert!(err[0].message.contains("no letters or digits"));
    }

    #[test]
    fn a_list_is_not_front_matter() {
        let err = parse("- a\n- b\n", 2, PARIS).unwrap_err();
        assert!(err[0].message.contains("`key: value`"));
    }

    #[test]
    fn dates_in_every_accepted_format() {
        assert_eq!(
            date("2024-05-01T10:00:00Z").unwrap(),
            "2024-05-01T10:00:00+00:00"
        );
        assert_eq!(
            date("2024-05-01T10:00:00.250-04:00").unwrap(),
            "2024-05-01T10:00:00.250-04:00"
        );
        assert_eq!(date("2024-05-01").unwrap(), "2024-05-01T00:00:00+02:00");
        assert_eq!(date("2024-01-15").unwrap(), "2024-01-15T00:00:00+01:00");
        assert_eq!(
            date("2024-05-01 14:30").unwrap(),
            "2024-05-01T14:30:00+02:00"
        );
        assert_eq!(
            date("2024-05-01 14:30:05").unwrap(),
            "2024-05-01T14:30:05+02:00"
        );
        assert_eq!(
            date("2024-05-01T14:30").unwrap(),
            "2024-05-01T14:30:00+02:00"
        );
        assert_eq!(
            date("2024-05-01 14:30 +0530").unwrap(),
            "2024-05-01T14:30:00+05:30"
        );
        assert_eq!(
            date("2024-05-01 14:30:00 UTC").unwrap(),
            "2024-05-01T14:30:00+00:00"
        );
        assert_eq!(
            date("2024-05-01T14:30+01").unwrap(),
            "2024-05-01T14:30:00+01:00"
        );
        assert_eq!(date("  2024-05-01  ").unwrap(), "2024-05-01T00:00:00+02:00");
    }

    #[test]
    fn impossible_or_foreign_dates_are_rejected() {
        for text in [
            "2024-13-01",
            "2024-02-30",
            "01/05/2024",
            "May 1, 2024",
            "2024-5-1",
            "2024-05-01 25:00",
            "2024-05-01T10:00 +25:00",
            "2024-05-01x",
            "",
            "2024-05-01 10",
            "2024-05-01T10:00:00.",
            "２０２４-05-01",
        ] {
            assert_eq!(date(text), None, "{text}");
        }
    }

    #[test]
    fn times_skipped_or_repeated_by_daylight_saving_are_resolved() {
        // Clocks in Paris jumped from 02:00 to 03:00 on 2024-03-31.
        assert_eq!(
            date("2024-03-31 02:30").unwrap(),
            "2024-03-31T03:30:00+02:00"
        );
        // And went back from 03:00 to 02:00 on 2024-10-27: take the first.
        assert_eq!(
            date("2024-10-27 02:30").unwrap(),
            "2024-10-27T02:30:00+02:00"
        );
    }

    proptest! {
        #[test]
        fn split_never_panics_and_rebuilds_the_input(input in "(\u{feff})?(---\r?\n)?[a-z: \n\r.-]{0,60}(\n---\n)?\\PC{0,40}") {
            if let Ok(split) = split(&input) {
                prop_assert_eq!(format!("{}{}", split.head, split.body), input.clone());
                if let Some(yaml) = split.yaml {
                    prop_assert!(split.head.contains(yaml));
                    prop_assert!(split.body_line >= 3);
                }
            }
        }

        #[test]
        fn split_never_panics_on_any_text(input in "\\PC*") {
            if let Ok(split) = split(&input) {
                prop_assert_eq!(format!("{}{}", split.head, split.body), input);
            }
        }

        #[test]
        fn parse_never_panics(yaml in "[a-z_]{1,8}: [\\PC]{0,30}\n([a-z]{1,5}:[ -~]{0,20}\n){0,4}") {
            let _ = parse(&yaml, 2, PARIS);
        }

        #[test]
        fn parse_date_never_panics(text in "[0-9T:.+Z -]{0,30}|\\PC{0,30}") {
            let _ = parse_date(&text, PARIS);
        }
    }
}
