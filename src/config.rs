//! Stage 1 of the pipeline: `site.toml` into a typed, validated [`Config`].
//!
//! Unknown keys, wrong types and invalid values are errors that name the key
//! and the line, because a typo in a setting must never pass silently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::{line_of_offset, Diagnostic, Error};

/// The name of the configuration file at the root of every site.
pub const CONFIG_FILE: &str = "site.toml";

/// Boilerplate lines that news sites put between paragraphs; a line of raw
/// text that matches one of these (case-insensitively) is dropped.
pub const DEFAULT_BOILERPLATE: &[&str] = &[
    r"^also read\s*[|:\-–—]",
    r"^(also )?read more\s*([|:\-–—].*)?$",
    r"^read also\s*[|:\-–—]",
    r"^see also\s*[|:\-–—]",
    r"^related\s*[|:\-–—]",
    r"^recommended\s*[|:\-–—]",
    r"^advertisement$",
    r"^sponsored( content)?$",
    r"^story continues below( this ad| advertisement)?$",
    r"^click here to .*",
    r"^(subscribe|sign up) (now|to our newsletter|for our newsletter).*",
    r"^follow us on .*",
    r"^share (this|on) .*",
    r"^(photo|image|file photo)\s*[|:]\s*.*",
];

/// The site's settings, validated and with every default filled in.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Config {
    /// The site's name, shown in every page header and feed.
    pub title: String,
    /// One sentence about the site, for the front page and the feeds.
    pub description: String,
    /// Absolute URL of the site, always ending in `/` (may have a sub-path).
    pub base_url: String,
    /// Default language of articles (an ISO 639-1 code such as `en`).
    pub language: String,
    /// The time zone dates without an offset are read in, and days are cut in.
    #[serde(serialize_with = "serialize_timezone")]
    pub timezone: chrono_tz::Tz,
    /// Where `digest build` writes, relative to the site root.
    pub output_dir: PathBuf,
    /// How many articles a topic page lists before it paginates.
    pub paginate: usize,
    /// How many days (that have articles) the front page shows.
    pub front_page_days: usize,
    /// How many entries a feed holds at most.
    pub feed_limit: usize,
    /// The topic of an article that has none and matches no other.
    pub default_topic: String,
    /// The longest automatic summary, in characters.
    pub summary_length: usize,
    /// Reading speed used for the reading time.
    pub words_per_minute: usize,
    /// Default author for articles that name none.
    pub author: Option<String>,
    /// Regular expressions (case-insensitive) for boilerplate lines in raw
    /// text: the built-in ones (unless turned off) plus the site's own.
    #[serde(skip)]
    pub boilerplate: Vec<regex::Regex>,
    /// The related-stories and story-thread settings.
    pub related: RelatedConfig,
    /// The automatic-topic settings.
    pub topics: TopicsConfig,
    /// Free-form values for templates, from the `[extra]` table.
    pub extra: BTreeMap<String, toml::Value>,
}

fn serialize_timezone<S: serde::Serializer>(tz: &chrono_tz::Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}

/// Settings of the `[related]` table: how related stories are scored.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RelatedConfig {
    /// How many related stories an article lists at most.
    pub count: usize,
    /// Below this score nothing is shown rather than something unrelated.
    pub min_score: f64,
    /// A related story must score at least this share of the article's
    /// best related story.
    pub min_share_of_best: f64,
    /// A related story must have at least this text similarity (TF-IDF
    /// cosine), whatever its neighbourhood says.
    pub min_text_similarity: f64,
    /// Days after which the time-closeness part of the score halves.
    pub half_life_days: f64,
    /// Weight of text similarity (TF-IDF cosine).
    pub text_weight: f64,
    /// Weight of shared named entities.
    pub entity_weight: f64,
    /// Weight of shared neighbourhood: how far two articles are similar to
    /// the same other articles (smooths over different wording).
    pub neighbourhood_weight: f64,
    /// Weight of shared topics.
    pub topic_weight: f64,
    /// Weight of closeness in time.
    pub time_weight: f64,
    /// Minimum story score (text and entity similarity, without the
    /// neighbourhood, topic and time parts) for two articles to belong to
    /// the same story thread.
    pub thread_min_score: f64,
    /// Two articles more than this many days apart are never linked
    /// directly in a story thread (a thread can still span longer through
    /// articles in between).
    pub thread_window_days: f64,
    /// Minimum text similarity for two articles to count as near-duplicates.
    pub duplicate_min_similarity: f64,
}

impl Default for RelatedConfig {
    fn default() -> Self {
        Self {
            count: 5,
            min_score: 0.1,
            min_share_of_best: 0.5,
            min_text_similarity: 0.1,
            half_life_days: 14.0,
            text_weight: 0.3,
            entity_weight: 0.05,
            neighbourhood_weight: 0.65,
            topic_weight: 1.0,
            time_weight: 0.05,
            thread_min_score: 0.4,
            thread_window_days: 7.0,
            duplicate_min_similarity: 0.9,
        }
    }
}

/// Settings of the `[topics]` table: how articles without topics get one.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TopicsConfig {
    /// How close (cosine in [0, 1]) an article without topics must be to a
    /// topic, hand-written or automatic, to be put in it; below that it goes
    /// to `default_topic`.
    pub min_similarity: f64,
    /// Whether articles that match no hand-written topic are grouped into
    /// new topics named by their key terms (else they get `default_topic`).
    pub automatic: bool,
    /// The most automatic topics a site gets.
    pub max_automatic: usize,
    /// An automatic topic needs at least this many articles; the articles
    /// of a smaller group move to the closest other topic or `default_topic`.
    pub min_size: usize,
}

impl Default for TopicsConfig {
    fn default() -> Self {
        Self {
            min_similarity: 0.05,
            automatic: true,
            max_automatic: 15,
            min_size: 3,
        }
    }
}

/// `site.toml` as written: every field optional, unknown keys rejected.
#[derive(Debug, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawConfig {
    title: Option<Spanned<String>>,
    description: Option<String>,
    base_url: Option<Spanned<String>>,
    language: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    output_dir: Option<String>,
    paginate: Option<Spanned<usize>>,
    front_page_days: Option<Spanned<usize>>,
    feed_limit: Option<Spanned<usize>>,
    default_topic: Option<Spanned<String>>,
    summary_length: Option<Spanned<usize>>,
    words_per_minute: Option<Spanned<usize>>,
    author: Option<String>,
    builtin_boilerplate: Option<bool>,
    boilerplate: Vec<Spanned<String>>,
    related: Option<Spanned<RelatedConfig>>,
    topics: Option<Spanned<TopicsConfig>>,
    extra: BTreeMap<String, toml::Value>,
}

impl Config {
    /// Reads and validates `site.toml` in `root`.
    ///
    /// Errs when the file is missing, unreadable or invalid; the diagnostic
    /// names the key and the line.
    pub fn load(root: &Path) -> Result<Config, Error> {
        let path = root.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::Input(vec![Diagnostic::error(
                    CONFIG_FILE,
                    format!(
                        "no `{CONFIG_FILE}` in `{}`: run `digest init` to create a site, or pass `--site DIR`",
                        root.display()
                    ),
                )]))
            }
            Err(err) => return Err(Error::io(&path, err)),
        };
        Config::parse(&text).map_err(Error::Input)
    }

    /// Parses the text of `site.toml` (no IO). Every problem found is returned,
    /// each with the line it is on; paths are reported as `site.toml`.
    pub fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let raw: RawConfig = toml::from_str(text).map_err(|err| {
            let line = err.span().map(|span| line_of_offset(text, span.start));
            let mut message = clean_toml_message(err.message());
            // A type error names the type but not the key; the key is the
            // one on the offending line, which is what the user must fix.
            if let Some(key) = line.and_then(|line| key_on_line(text, line)) {
                if !message.contains(&format!("`{key}`")) {
                    message = format!("`{key}`: {message}");
                }
            }
            vec![Diagnostic {
                path: PathBuf::from(CONFIG_FILE),
                line,
                severity: crate::error::Severity::Error,
                message: format!("{message}; see the `site.toml` reference in README.md"),
            }]
        })?;
        Config::from_raw(raw, text)
    }

    /// Whether `base_url` has a sub-path, e.g. `https://example.org/news/`.
    pub fn base_path(&self) -> &str {
        // The base URL was validated to start with a scheme and host, so the
        // path is whatever follows the third slash.
        let after_scheme = self.base_url.split_once("://").map_or("", |(_, rest)| rest);
        after_scheme
            .find('/')
            .map_or("/", |idx| &after_scheme[idx..])
    }

    /// Replaces the base URL (for `--base-url` and `digest serve`).
    ///
    /// Errs when `url` is not an absolute `http(s)` URL.
    pub fn set_base_url(&mut self, url: &str) -> Result<(), String> {
        self.base_url = normalise_base_url(url)?;
        Ok(())
    }

    fn from_raw(raw: RawConfig, text: &str) -> Result<Config, Vec<Diagnostic>> {
        let mut problems = Vec::new();
        let mut problem = |span: std::ops::Range<usize>, message: String| {
            problems.push(Diagnostic::error_at(
                CONFIG_FILE,
                line_of_offset(text, span.start),
                message,
            ));
        };

        let title = match raw.title {
            Some(title) if !title.get_ref().trim().is_empty() => title.into_inner(),
            Some(title) => {
                problem(
                    title.span(),
                    "`title` is empty: give the site a name".into(),
                );
                String::new()
            }
            None => {
                problem(
                    0..0,
                    "missing `title`: add a line such as `title = \"My digest\"`".into(),
                );
                String::new()
            }
        };
        let base_url = match raw.base_url {
            Some(url) => match normalise_base_url(url.get_ref()) {
                Ok(url) => url,
                Err(message) => {
                    problem(url.span(), format!("`base_url`: {message}"));
                    String::new()
                }
            },
            None => {
                problem(
                    0..0,
                    "missing `base_url`: add a line such as `base_url = \"https://example.org/\"`"
                        .into(),
                );
                String::new()
            }
        };
        let timezone = match raw.timezone {
            Some(tz) => match tz.get_ref().parse::<chrono_tz::Tz>() {
                Ok(parsed) => parsed,
                Err(_) => {
                    problem(
                        tz.span(),
                        format!(
                            "`timezone` `{}` is not a known time zone: use an IANA name such as `Europe/Paris` or `UTC`",
                            tz.get_ref()
                        ),
                    );
                    chrono_tz::UTC
                }
            },
            None => chrono_tz::UTC,
        };
        let language = match raw.language {
            Some(lang) if is_language_code(lang.get_ref()) => lang.into_inner().to_lowercase(),
            Some(lang) => {
                problem(
                    lang.span(),
                    format!(
                        "`language` `{}` is not a language code: use one such as `en` or `fr`",
                        lang.get_ref()
                    ),
                );
                "en".into()
            }
            None => "en".into(),
        };
        let positive =
            |value: Option<Spanned<usize>>,
             key: &str,
             default: usize,
             problem: &mut dyn FnMut(std::ops::Range<usize>, String)| match value {
                Some(v) if *v.get_ref() == 0 => {
                    problem(v.span(), format!("`{key}` must be at least 1"));
                    default
                }
                Some(v) => v.into_inner(),
                None => default,
            };
        let paginate = positive(raw.paginate, "paginate", 20, &mut problem);
        let front_page_days = positive(raw.front_page_days, "front_page_days", 3, &mut problem);
        let feed_limit = positive(raw.feed_limit, "feed_limit", 50, &mut problem);
        let summary_length = positive(raw.summary_length, "summary_length", 280, &mut problem);
        let words_per_minute =
            positive(raw.words_per_minute, "words_per_minute", 230, &mut problem);
        let default_topic = match raw.default_topic {
            Some(topic) if slug::slugify(topic.get_ref()).is_empty() => {
                problem(
                    topic.span(),
                    "`default_topic` needs at least one letter or digit".into(),
                );
                "General".into()
            }
            Some(topic) => topic.into_inner().trim().to_string(),
            None => "General".into(),
        };

        let mut boilerplate = Vec::new();
        if raw.builtin_boilerplate.unwrap_or(true) {
            for pattern in DEFAULT_BOILERPLATE {
                if let Ok(re) = compile_pattern(pattern) {
                    boilerplate.push(re);
                }
            }
        }
        for pattern in &raw.boilerplate {
            match compile_pattern(pattern.get_ref()) {
                Ok(re) => boilerplate.push(re),
                Err(err) => problem(
                    pattern.span(),
                    format!(
                        "`boilerplate` pattern `{}` is not a valid regular expression: {err}",
                        pattern.get_ref()
                    ),
                ),
            }
        }

        let related = match raw.related {
            Some(related) => {
                let span = related.span();
                let related = related.into_inner();
                for (key, value) in [
                    ("min_score", related.min_score),
                    ("min_share_of_best", related.min_share_of_best),
                    ("min_text_similarity", related.min_text_similarity),
                    ("thread_min_score", related.thread_min_score),
                    ("duplicate_min_similarity", related.duplicate_min_similarity),
                ] {
                    if !(0.0..=1.0).contains(&value) {
                        problem(
                            span.clone(),
                            format!("`related.{key}` must be between 0 and 1"),
                        );
                    }
                }
                for (key, value) in [
                    ("half_life_days", related.half_life_days),
                    ("thread_window_days", related.thread_window_days),
                    ("text_weight", related.text_weight),
                    ("entity_weight", related.entity_weight),
                    ("neighbourhood_weight", related.neighbourhood_weight),
                    ("topic_weight", related.topic_weight),
                    ("time_weight", related.time_weight),
                ] {
                    if !value.is_finite() || value < 0.0 {
                        problem(
                            span.clone(),
                            format!("`related.{key}` must be a number of at least 0"),
                        );
                    }
                }
                related
            }
            None => RelatedConfig::default(),
        };

        let topics = match raw.topics {
            Some(topics) => {
                let span = topics.span();
                let topics = topics.into_inner();
                if !(0.0..=1.0).contains(&topics.min_similarity) {
                    problem(
                        span.clone(),
                        "`topics.min_similarity` must be between 0 and 1".into(),
                    );
                }
                for (key, value) in [
                    ("max_automatic", topics.max_automatic),
                    ("min_size", topics.min_size),
                ] {
                    if value == 0 {
                        problem(span.clone(), format!("`topics.{key}` must be at least 1"));
                    }
                }
                topics
            }
            None => TopicsConfig::default(),
        };

        let output_dir = PathBuf::from(raw.output_dir.unwrap_or_else(|| "public".into()));

        if !problems.is_empty() {
            problems.sort();
            return Err(problems);
        }
        Ok(Config {
            title,
            description: raw.description.unwrap_or_default(),
            base_url,
            language,
            timezone,
            output_dir,
            paginate,
            front_page_days,
            feed_limit,
            default_topic,
            summary_length,
            words_per_minute,
            author: raw.author.filter(|a| !a.trim().is_empty()),
            boilerplate,
            related,
            topics,
            extra: raw.extra,
        })
    }
}

/// The key of a `key = value` line (1-based), with its table prefix
/// (`related.count`) when the line sits in a `[table]`.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let (key, _) = lines.get(line.checked_sub(1)?)?.split_once('=')?;
    let key = key.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('#') || key.starts_with('[') {
        return None;
    }
    let table = lines[..line - 1]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('[') && !l.starts_with("[["))
        .map(|l| l.trim_matches(['[', ']']).trim().to_string());
    Some(match table {
        Some(table) if !table.is_empty() => format!("{table}.{key}"),
        _ => key.to_string(),
    })
}

fn compile_pattern(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
}

fn is_language_code(code: &str) -> bool {
    let mut parts = code.split(['-', '_']);
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Checks that `url` is an absolute http(s) URL and makes it end in `/`.
fn normalise_base_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(format!(
            "`{url}` is not an absolute URL: write it as `https://example.org/`"
        ));
    };
    if scheme != "http" && scheme != "https" {
        return Err(format!("`{url}` must start with `http://` or `https://`"));
    }
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || rest.contains(['?', '#', ' ']) {
        return Err(format!(
            "`{url}` needs a host and no query or fragment, e.g. `https://example.org/news/`"
        ));
    }
    let mut normalised = url.to_string();
    if !normalised.ends_with('/') {
        normalised.push('/');
    }
    Ok(normalised)
}

/// toml's messages sometimes end with a period or span several lines; our
/// diagnostics are one lowercase line without a final period.
fn clean_toml_message(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message).trim();
    let first = first.trim_end_matches('.');
    // serde names Rust types; a user thinks in TOML values.
    let first = first
        .replace("expected usize", "expected a whole number")
        .replace("expected u64", "expected a whole number")
        .replace("expected u32", "expected a whole number")
        .replace("expected f64", "expected a number")
        .replace("expected a boolean", "expected `true` or `false`");
    let mut chars = first.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().collect::<String>() + chars.as_str(),
        None => "invalid `site.toml`".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "title = \"T\"\nbase_url = \"https://example.org/news\"\n";

    #[test]
    fn minimal_config_gets_defaults() {
        let config = Config::parse(MINIMAL).unwrap();
        assert_eq!(config.base_url, "https://example.org/news/");
        assert_eq!(config.base_path(), "/news/");
        assert_eq!(config.paginate, 20);
        assert_eq!(config.timezone, chrono_tz::UTC);
        assert_eq!(config.related, RelatedConfig::default());
        assert!(!config.boilerplate.is_empty());
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let err = Config::parse(&format!("{MINIMAL}\npaginte = 3\n")).unwrap_err();
        assert_eq!(err[0].line, Some(4));
        assert!(err[0].message.contains("paginte"), "{}", err[0].message);
    }

    #[test]
    fn unknown_key_in_related_table_is_an_error() {
        let err =
            Config::parse(&format!("{MINIMAL}[related]\ncount = 3\ncuont = 2\n")).unwrap_err();
        assert!(err[0].message.contains("cuont"), "{}", err[0].message);
        assert_eq!(err[0].line, Some(5));
    }

    #[test]
    fn topics_table_is_read_and_validated() {
        let config = Config::parse(&format!("{MINIMAL}[topics]\nmin_similarity = 0.2\n")).unwrap();
        assert_eq!(config.topics.min_similarity, 0.2);
        assert_eq!(config.topics.max_automatic, 15);
        let err = Config::parse(&format!("{MINIMAL}[topics]\nmin_size = 0\n")).unwrap_err();
        assert!(
            err[0].message.contains("`topics.min_size`"),
            "{}",
            err[0].message
        );
        assert_eq!(err[0].line, Some(3));
        let err = Config::parse(&format!("{MINIMAL}[topics]\nmax_new = 3\n")).unwrap_err();
        assert!(err[0].message.contains("max_new"), "{}", err[0].message);
    }

    #[test]
    fn wrong_type_names_line() {
        let err = Config::parse(&format!("{MINIMAL}paginate = \"ten\"\n")).unwrap_err();
        assert_eq!(err[0].line, Some(3));
        assert!(
            err[0].message.starts_with("`paginate`"),
            "{}",
            err[0].message
        );
        let err = Config::parse(&format!("{MINIMAL}[related]\ncount = \"five\"\n")).unwrap_err();
        assert!(
            err[0].message.starts_with("`related.count`"),
            "{}",
            err[0].message
        );
    }

    #[test]
    fn invalid_timezone_names_key_and_line() {
        let err = Config::parse(&format!("{MINIMAL}timezone = \"Mars/Olympus\"\n")).unwrap_err();
        assert_eq!(err[0].line, Some(3));
        assert!(err[0].message.contains("`timezone`"));
    }

    #[test]
    fn every_value_problem_is_reported() {
        let text = "title = \"T\"\nbase_url = \"ftp://x\"\ntimezone = \"Nowhere\"\npaginate = 0\n";
        let err = Config::parse(text).unwrap_err();
        let lines: Vec<_> = err.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![Some(2), Some(3), Some(4)]);
    }

    #[test]
    fn missing_title_is_an_error() {
        let err = Config::parse("base_url = \"https://x.org/\"\n").unwrap_err();
        assert!(err[0].message.contains("`title`"));
    }

    #[test]
    fn default_boilerplate_matches_news_site_lines() {
        let config = Config::parse(MINIMAL).unwrap();
        let matches = |line: &str| config.boilerplate.iter().any(|re| re.is_match(line));
        assert!(matches("Also read | Ministers meet again"));
        assert!(matches("Also read: Why flights were delayed"));
        assert!(matches("ADVERTISEMENT"));
        assert!(matches("Read more"));
        assert!(!matches("Ministers read the report aloud."));
    }
}
