//! Stage 2 of the pipeline: the files in `content/` into a [`Corpus`] of
//! [`Article`]s.
//!
//! `load` walks the folder, `front_matter` splits and reads the YAML block,
//! `markdown` renders `.md` bodies and `text` turns raw pasted news text into
//! paragraphs, a title and a body.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, NaiveDate};

pub mod front_matter;
pub mod load;
pub mod markdown;
pub mod text;

pub use load::{body_html, load, load_hashed, load_with_html, Bodies, FileHashes};

/// The folder (under the site root) that holds the articles.
pub const CONTENT_DIR: &str = "content";

/// The format an article was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `.md` / `.markdown`: CommonMark with tables, footnotes, strikethrough.
    Markdown,
    /// `.txt`: raw news text pasted from a website.
    Text,
}

/// Where an article's date came from; templates and warnings use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateSource {
    /// The `date` field of the front matter.
    FrontMatter,
    /// A `YYYY-MM-DD` prefix of the file name.
    FileName,
    /// A `YYYY/MM/DD` folder path.
    FolderPath,
    /// The file's modification time (a warning is given).
    ModifiedTime,
}

/// One news article, parsed and ready for analysis.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Article {
    /// Path of the source file relative to the site root, `/`-separated
    /// (e.g. `content/2024/05/vote.md`); used in messages and the analysis
    /// output.
    pub source_path: PathBuf,
    /// URL-safe unique name: the article lives at `/articles/<slug>/`.
    pub slug: String,
    /// The headline (front matter, else inferred from the text).
    pub title: String,
    /// Publication time, with the offset it was written in (or the site's).
    pub date: DateTime<FixedOffset>,
    /// The calendar day in the site's time zone; days and weeks use it.
    pub local_date: NaiveDate,
    /// Where `date` came from.
    pub date_source: DateSource,
    /// Time of the last update, if the front matter gives one.
    pub updated: Option<DateTime<FixedOffset>>,
    /// Topics as written in the front matter (trimmed, duplicates removed,
    /// in the order given). Empty when the article names none.
    pub topics: Vec<String>,
    /// The outlet that published it (e.g. "The Daily Planet").
    pub source: Option<String>,
    /// Link to the original.
    pub source_url: Option<String>,
    /// Who wrote it.
    pub author: Option<String>,
    /// Front matter `summary`, else the first paragraph cut at a word
    /// boundary; plain text.
    pub summary: String,
    /// Lead image URL or path, from the front matter.
    pub image: Option<String>,
    /// Language code: the article's `lang`, else the site's `language`.
    pub lang: String,
    /// Drafts are only loaded with `--drafts`.
    pub draft: bool,
    /// Front matter keys that are not standard fields, for templates.
    pub extra: Extra,
    /// The body as HTML (safe to embed as is), when the load kept it
    /// ([`Bodies::Held`]); empty when it is made again from the file at
    /// render time ([`Bodies::FromFile`]). Read it with [`body_html`],
    /// which handles both.
    pub body_html: String,
    /// The file to make `body_html` from when the load did not keep it.
    #[serde(skip)]
    pub body_file: Option<BodyFile>,
    /// The body as plain text, paragraphs separated by a blank line;
    /// boilerplate already removed. Analysis reads this; a build takes it
    /// out as the analysis starts and frees it as it is read
    /// ([`Corpus::take_texts`]).
    pub text: String,
    /// Words in `text`.
    pub word_count: usize,
    /// Estimated minutes to read, at least 1.
    pub reading_minutes: usize,
    /// The format of the source file.
    pub format: Format,
}

/// Front matter keys that are not standard fields and their values, by
/// key; templates see them as a map (`article.extra.rating`), as a
/// `BTreeMap` of them would serialise.
///
/// A sorted list rather than a `BTreeMap`: most articles have one or two
/// such keys, and a map's first node has room for eleven (~640 bytes per
/// article, ~60 MB held through a build of 100,000 articles).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extra(Box<[(String, serde_json::Value)]>);

impl Extra {
    /// The value of `key`, if the front matter gave one.
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|idx| &self.0[idx].1)
    }

    /// The keys and values, by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<BTreeMap<String, serde_json::Value>> for Extra {
    fn from(map: BTreeMap<String, serde_json::Value>) -> Self {
        Extra(map.into_iter().collect())
    }
}

impl serde::Serialize for Extra {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// Where the HTML body of an article loaded with [`Bodies::FromFile`] is
/// made from again when a page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyFile {
    /// The path to open.
    pub path: PathBuf,
    /// [`load::content_hash`] of the bytes loaded: a file that no longer
    /// matches changed during the build, and its page is not made from
    /// text the rest of the build never saw.
    pub hash: u64,
    /// Where the body starts in the file, after the front matter.
    pub body_start: usize,
    /// Markdown: the top-level blocks the load left out of the body
    /// ([`markdown::MarkdownDoc::dropped_blocks`]), so the HTML is made
    /// again without the plain text and title work that chose them.
    pub dropped_blocks: Box<[u32]>,
}

/// All articles of a site, sorted by date (oldest first) then slug, so every
/// later stage sees them in one stable order.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Corpus {
    /// The articles; an `article_idx` elsewhere is an index into this.
    pub articles: Vec<Article>,
}

impl Corpus {
    /// Empties every article's `text`, the plain text that only the
    /// analysis reads, and gives its memory back.
    ///
    /// `serve` calls this once the analysis is done, so the model it keeps
    /// does not hold every body twice (as HTML and as plain text: on a
    /// large site the texts are a third of the corpus's memory); a build
    /// frees them earlier, as it reads them ([`Corpus::take_texts`]).
    pub fn drop_texts(&mut self) {
        drop(self.take_texts());
    }

    /// Moves every article's `text` out (leaving it empty, as
    /// [`Corpus::drop_texts`] does), in article order, so the analysis can
    /// free each text as soon as it has read it.
    pub fn take_texts(&mut self) -> Vec<String> {
        self.articles
            .iter_mut()
            .map(|article| std::mem::take(&mut article.text))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_fields_read_and_serialise_as_the_map_they_came_from() {
        let map: BTreeMap<String, serde_json::Value> = [
            ("rating".to_string(), serde_json::json!(4.5)),
            ("mood".to_string(), serde_json::json!("calm")),
            ("tags".to_string(), serde_json::json!({"a": [1, 2]})),
        ]
        .into_iter()
        .collect();
        let extra = Extra::from(map.clone());
        assert_eq!(extra.get("mood"), Some(&serde_json::json!("calm")));
        assert_eq!(extra.get("rating"), Some(&serde_json::json!(4.5)));
        assert_eq!(extra.get("missing"), None);
        assert_eq!(
            serde_json::to_string(&extra).ok(),
            serde_json::to_string(&map).ok()
        );
        assert!(Extra::default().is_empty());
    }
}
