//! The typed values templates receive: one `Serialize` struct per thing a
//! page shows (an article card, a day grouped by topic, a calendar month, a
//! feed entry …).
//!
//! Part of stage 5 (render). Views borrow article text from the corpus
//! instead of cloning it; URLs are built here once, so every template links
//! the same way and honours the base path. `docs/templates.md` lists every
//! field; keep the two in step.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SecondsFormat};
use serde::Serialize;

use crate::config::Config;

/// Builds links: root-relative ones (with the base path) for pages, and
/// absolute ones for canonical links, feeds and the sitemap.
#[derive(Debug, Clone, Copy)]
pub struct Urls<'a> {
    /// The absolute base URL, ending in `/`.
    pub base_url: &'a str,
    /// The base URL's path, starting and ending in `/`.
    pub base_path: &'a str,
}

impl<'a> Urls<'a> {
    /// The URLs of a site with this config.
    pub fn new(config: &'a Config) -> Self {
        Self {
            base_url: &config.base_url,
            base_path: config.base_path(),
        }
    }

    /// Root-relative link to `relative` (which has no leading `/`).
    pub fn path(&self, relative: &str) -> String {
        format!("{}{relative}", self.base_path)
    }

    /// Absolute link to `relative` (which has no leading `/`).
    pub fn absolute(&self, relative: &str) -> String {
        format!("{}{relative}", self.base_url)
    }
}

/// Site-relative location (no leading `/`) of an article page.
pub fn article_location(slug: &str) -> String {
    format!("articles/{slug}/")
}

/// Site-relative location of page `page` (1-based) of a topic.
pub fn topic_location(slug: &str, page: usize) -> String {
    if page <= 1 {
        format!("topics/{slug}/")
    } else {
        format!("topics/{slug}/page/{page}/")
    }
}

/// Site-relative location of a topic's feed.
pub fn topic_feed_location(slug: &str) -> String {
    format!("topics/{slug}/feed.xml")
}

/// Site-relative location of a day page.
pub fn day_location(id: &str) -> String {
    format!("days/{id}/")
}

/// Site-relative location of a week page.
pub fn week_location(id: &str) -> String {
    format!("weeks/{id}/")
}

/// Site-relative location of a month page.
pub fn month_location(year: i32, month: u32) -> String {
    format!("archive/{year:04}/{month:02}/")
}

/// Site-relative location of a thread page.
pub fn thread_location(id: &str) -> String {
    format!("threads/{id}/")
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The English name of month `month` (1 to 12).
pub fn month_name(month: u32) -> &'static str {
    MONTHS
        .get(month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("")
}

/// A date or time, ready to show and to put in `<time datetime>`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DateView {
    /// Machine-readable: RFC 3339 for a time (`2025-03-04T09:30:00+01:00`),
    /// `YYYY-MM-DD` for a day. Valid in `<time datetime>` and Atom.
    pub iso: String,
    /// The calendar day, `YYYY-MM-DD`.
    pub day: String,
    /// For people: `Tuesday 4 March 2025`.
    pub human: String,
    /// Short: `4 Mar 2025`.
    pub short: String,
    /// Time of day `09:30` in the site's time zone; none for a day.
    pub time: Option<String>,
}

impl DateView {
    /// A point in time, shown in the site's time zone. Midnight exactly is
    /// what a date without a time (front matter `2025-03-04`, a file name,
    /// a folder path) becomes, so no time of day is shown for it.
    pub fn of_time(time: DateTime<FixedOffset>, tz: chrono_tz::Tz) -> Self {
        let local = time.with_timezone(&tz);
        let mut view = Self::of_day(local.date_naive());
        view.iso = time.to_rfc3339_opts(SecondsFormat::Secs, true);
        view.time =
            (local.time() != chrono::NaiveTime::MIN).then(|| local.format("%H:%M").to_string());
        view
    }

    /// A calendar day.
    pub fn of_day(day: NaiveDate) -> Self {
        Self {
            iso: day.format("%Y-%m-%d").to_string(),
            day: day.format("%Y-%m-%d").to_string(),
            human: day.format("%A %-d %B %Y").to_string(),
            short: day.format("%-d %b %Y").to_string(),
            time: None,
        }
    }
}

/// `3–9 March 2025`, `28 February – 6 March 2025`, or both dates in full.
pub fn day_range(start: NaiveDate, end: NaiveDate) -> String {
    if start.year() != end.year() {
        format!(
            "{} – {}",
            start.format("%-d %B %Y"),
            end.format("%-d %B %Y")
        )
    } else if start.month() != end.month() {
        format!("{} – {}", start.format("%-d %B"), end.format("%-d %B %Y"))
    } else {
        format!("{}–{}", start.format("%-d"), end.format("%-d %B %Y"))
    }
}

/// The whole site, given to every template as `site`.
#[derive(Debug, Clone, Serialize)]
pub struct SiteView<'a> {
    /// The site's name.
    pub title: &'a str,
    /// One sentence about the site (may be empty).
    pub description: &'a str,
    /// Absolute base URL, ending in `/`.
    pub base_url: &'a str,
    /// Path of the base URL, starting and ending in `/`; prefix of every
    /// internal link.
    pub base_path: &'a str,
    /// Default language code.
    pub language: &'a str,
    /// Default author.
    pub author: Option<&'a str>,
    /// The `[extra]` table of `site.toml`.
    pub extra: &'a BTreeMap<String, toml::Value>,
    /// Link to the front page.
    pub home_url: String,
    /// Link to the topic index.
    pub topics_url: String,
    /// Link to the archive.
    pub archive_url: String,
    /// Link to the site feed.
    pub feed_url: String,
    /// Absolute URL of the site feed.
    pub feed_permalink: String,
    /// Link to the theme stylesheet.
    pub stylesheet_url: String,
    /// Link to the search index.
    pub search_index_url: String,
    /// The biggest topics (at most eight), for the navigation bar.
    pub nav_topics: Vec<TopicLink<'a>>,
    /// Listed articles (near-duplicates not counted).
    pub n_articles: usize,
    /// Topics.
    pub n_topics: usize,
    /// Date of the newest article, if any.
    pub newest: Option<DateView>,
    /// `digest` and its version.
    pub generator: &'static str,
}

/// What the page being rendered is, given to every template as `page`.
#[derive(Debug, Clone, Serialize)]
pub struct PageMeta {
    /// `front`, `article`, `topics`, `topic`, `day`, `week`, `archive`,
    /// `month`, `thread`, `not_found`, `feed`, `sitemap`, `robots`,
    /// `stylesheet`.
    pub kind: &'static str,
    /// The page's own title (without the site name).
    pub title: String,
    /// A sentence for `<meta name="description">`.
    pub description: String,
    /// Root-relative link to this page.
    pub url: String,
    /// Absolute URL of this page, for `<link rel="canonical">`.
    pub permalink: String,
    /// Language of the page.
    pub lang: String,
    /// Link to the previous page of a paginated list, if any.
    pub rel_prev: Option<String>,
    /// Link to the next page of a paginated list, if any.
    pub rel_next: Option<String>,
    /// Link to a feed of this page's subject (a topic feed), if any.
    pub feed_url: Option<String>,
}

/// A topic as linked from anywhere.
#[derive(Debug, Clone, Serialize)]
pub struct TopicLink<'a> {
    /// Display name.
    pub name: &'a str,
    /// URL name.
    pub slug: &'a str,
    /// Link to the topic's first page.
    pub url: String,
    /// Link to the topic's feed.
    pub feed_url: String,
    /// True when no article names this topic by hand.
    pub automatic: bool,
    /// Listed articles in the topic.
    pub n_articles: usize,
}

/// A topic of one article.
#[derive(Debug, Clone, Serialize)]
pub struct TopicTag<'a> {
    /// Display name.
    pub name: &'a str,
    /// URL name.
    pub slug: &'a str,
    /// Link to the topic.
    pub url: String,
    /// True when analysis gave the article this topic.
    pub automatic: bool,
}

/// The thread an article belongs to, as linked from a card.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadRef<'a> {
    /// Thread id.
    pub id: &'a str,
    /// Short name of the story.
    pub title: &'a str,
    /// Link to the thread page.
    pub url: String,
    /// Articles in the thread.
    pub n_articles: usize,
}

/// Another outlet's copy of the same story.
#[derive(Debug, Clone, Serialize)]
pub struct OtherCopy<'a> {
    /// Its headline.
    pub title: &'a str,
    /// Link to its article page.
    pub url: String,
    /// Its outlet, if known.
    pub source: Option<&'a str>,
    /// Link to the original at the outlet, if known.
    pub source_url: Option<&'a str>,
}

/// An article as shown in lists: everything but the body.
#[derive(Debug, Clone, Serialize)]
pub struct CardView<'a> {
    /// URL name.
    pub slug: &'a str,
    /// Headline.
    pub title: &'a str,
    /// Link to the article page.
    pub url: String,
    /// Publication time.
    pub date: DateView,
    /// Time of the last update, if given.
    pub updated: Option<DateView>,
    /// The outlet.
    pub source: Option<&'a str>,
    /// Link to the original.
    pub source_url: Option<&'a str>,
    /// Who wrote it (the site's default author when none is given).
    pub author: Option<&'a str>,
    /// Plain-text summary.
    pub summary: &'a str,
    /// Lead image URL or path.
    pub image: Option<&'a str>,
    /// Language code.
    pub lang: &'a str,
    /// Its topics, the primary one first.
    pub topics: Vec<TopicTag<'a>>,
    /// Estimated minutes to read.
    pub reading_minutes: usize,
    /// Words in the body.
    pub word_count: usize,
    /// True for a draft (only built with `--drafts`).
    pub draft: bool,
    /// Its story thread, if any.
    pub thread: Option<ThreadRef<'a>>,
    /// Near-duplicates: the other outlets' copies (in both directions).
    pub also_reported_by: Vec<OtherCopy<'a>>,
    /// What the pages written without Tera show of the card, escaped once
    /// (not a template variable).
    #[serde(skip)]
    pub escaped: EscapedCard,
}

/// A card's most shown fields, HTML-escaped once when the card is built:
/// one card is shown on about twenty pages (related lists, timelines,
/// pagers, topic, day, week and thread pages), and escaping the same text
/// again on each was about a tenth of the render's CPU. `native` fills it
/// and copies from it.
#[derive(Debug, Clone, Default)]
pub struct EscapedCard {
    /// The headline.
    pub title: String,
    /// The link to the article page.
    pub url: String,
    /// The summary.
    pub summary: String,
    /// The `dateline` macro for the card, whole: `<time …>…</time>`, the
    /// source, the reading time.
    pub dateline: String,
    /// Where the dateline's `</time>` ends (the timeline shows only that
    /// part).
    pub time_end: usize,
}

impl EscapedCard {
    /// The (url, title) of a pager's link to the card's article.
    pub fn link(&self) -> (&str, &str) {
        (&self.url, &self.title)
    }
}

/// A compact link to another article (related stories, timelines,
/// previous / next): a page shows up to sixteen of these, so they carry only
/// what such a link shows rather than the whole card.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleLink<'a> {
    /// URL name.
    pub slug: &'a str,
    /// Headline.
    pub title: &'a str,
    /// Link to the article page.
    pub url: &'a str,
    /// Publication time.
    pub date: &'a DateView,
    /// The outlet.
    pub source: Option<&'a str>,
    /// Plain-text summary.
    pub summary: &'a str,
    /// Estimated minutes to read.
    pub reading_minutes: usize,
    /// The card's fields, escaped (not a template variable).
    #[serde(skip)]
    pub escaped: &'a EscapedCard,
}

impl<'a> ArticleLink<'a> {
    /// The link to the article of `card`.
    pub fn of(card: &'a CardView<'a>) -> Self {
        Self {
            slug: card.slug,
            title: card.title,
            url: &card.url,
            date: &card.date,
            source: card.source,
            summary: card.summary,
            reading_minutes: card.reading_minutes,
            escaped: &card.escaped,
        }
    }
}

/// A related story with the reason it is related.
#[derive(Debug, Clone, Serialize)]
pub struct RelatedView<'a> {
    /// The related article.
    pub article: ArticleLink<'a>,
    /// Score in [0, 1], rounded to two decimals.
    pub score: f64,
    /// Shared people, places, organisations and terms, strongest first.
    pub reasons: Vec<&'a str>,
    /// `earlier_coverage` or `follow_up`.
    pub relation: &'static str,
    /// `Earlier coverage` or `Follow-up`.
    pub relation_label: &'static str,
}

/// One entry of a story timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry<'a> {
    /// The article.
    pub article: ArticleLink<'a>,
    /// True for the article whose page this is.
    pub current: bool,
}

/// The "Follow this story" box of an article in a thread.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadBox<'a> {
    /// Thread id.
    pub id: &'a str,
    /// Short name of the story.
    pub title: &'a str,
    /// Link to the thread page.
    pub url: String,
    /// Articles in the thread.
    pub n_articles: usize,
    /// 1-based position of this article in the thread.
    pub position: usize,
    /// Up to seven entries around this article, oldest first.
    pub entries: Vec<TimelineEntry<'a>>,
    /// Older entries left out of `entries`.
    pub n_earlier_hidden: usize,
    /// Newer entries left out of `entries`.
    pub n_later_hidden: usize,
}

/// One article page.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleView<'a> {
    /// Everything a card has.
    #[serde(flatten)]
    pub card: &'a CardView<'a>,
    /// The body as HTML (use `| safe`).
    pub body_html: Cow<'a, str>,
    /// Absolute URL of the page.
    pub permalink: String,
    /// Front matter keys that are not standard fields.
    pub extra: &'a crate::content::Extra,
    /// Related stories, best first.
    pub related: Vec<RelatedView<'a>>,
    /// "Follow this story", when the article is in a thread.
    pub thread_box: Option<ThreadBox<'a>>,
    /// The primary topic.
    pub primary_topic: Option<&'a TopicLink<'a>>,
    /// The next older article.
    pub previous: Option<ArticleLink<'a>>,
    /// The next newer article.
    pub next: Option<ArticleLink<'a>>,
    /// The next older article of the primary topic.
    pub previous_in_topic: Option<ArticleLink<'a>>,
    /// The next newer article of the primary topic.
    pub next_in_topic: Option<ArticleLink<'a>>,
}

/// Articles of one topic inside a day, a week or the front page.
#[derive(Debug, Clone, Serialize)]
pub struct GroupView<'a> {
    /// The topic.
    pub topic: &'a TopicLink<'a>,
    /// Its articles, newest first.
    pub articles: Vec<&'a CardView<'a>>,
}

/// A day's digest.
#[derive(Debug, Clone, Serialize)]
pub struct DayView<'a> {
    /// `YYYY-MM-DD`.
    pub id: &'a str,
    /// The day.
    pub date: DateView,
    /// Link to the day page.
    pub url: String,
    /// Articles that day.
    pub n_articles: usize,
    /// Its articles grouped by primary topic, topics in name order.
    pub groups: Vec<GroupView<'a>>,
}

/// A link to a neighbouring day, week or month.
#[derive(Debug, Clone, Serialize)]
pub struct NavLink {
    /// What to show: `Monday 3 March 2025`, `Week 9, 2025`, `February 2025`.
    pub label: String,
    /// Where it goes.
    pub url: String,
}

/// A day in a list of days (a week, a month).
#[derive(Debug, Clone, Serialize)]
pub struct DayLink<'a> {
    /// The day.
    pub date: DateView,
    /// Link to the day page.
    pub url: String,
    /// Articles that day.
    pub n_articles: usize,
    /// The day's articles, newest first (empty where a page does not list
    /// them).
    pub articles: Vec<&'a CardView<'a>>,
}

/// An ISO week's digest.
#[derive(Debug, Clone, Serialize)]
pub struct WeekView<'a> {
    /// `YYYY-Www`.
    pub id: &'a str,
    /// `Week 10, 2025`.
    pub label: String,
    /// `3–9 March 2025`.
    pub range: String,
    /// Monday.
    pub start: DateView,
    /// Sunday.
    pub end: DateView,
    /// Link to the week page.
    pub url: String,
    /// Articles that week.
    pub n_articles: usize,
    /// The days of the week that have articles, newest first.
    pub days: Vec<DayLink<'a>>,
    /// Its articles grouped by primary topic.
    pub groups: Vec<GroupView<'a>>,
}

/// One cell of a month calendar.
#[derive(Debug, Clone, Serialize)]
pub struct CalendarDay {
    /// Day of the month.
    pub day: u32,
    /// `YYYY-MM-DD`.
    pub iso: String,
    /// Link to the day page when the day has articles.
    pub url: Option<String>,
    /// Articles that day.
    pub n_articles: usize,
}

/// A calendar month.
#[derive(Debug, Clone, Serialize)]
pub struct MonthView<'a> {
    /// The year.
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
    /// `March 2025`.
    pub name: String,
    /// `YYYY-MM`, also a valid `<time datetime>`.
    pub iso: String,
    /// Link to the month page.
    pub url: String,
    /// Articles in the month.
    pub n_articles: usize,
    /// Weeks, Monday first; each has seven cells, `null` outside the month.
    pub weeks: Vec<Vec<Option<CalendarDay>>>,
    /// Days that have articles, newest first, with their articles (only on
    /// the month page; empty in the archive).
    pub days: Vec<DayLink<'a>>,
}

/// A year of the archive.
#[derive(Debug, Clone, Serialize)]
pub struct YearView<'a> {
    /// The year.
    pub year: i32,
    /// Articles in the year.
    pub n_articles: usize,
    /// Its months that have articles, newest first.
    pub months: Vec<MonthView<'a>>,
}

/// A story thread page.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadView<'a> {
    /// Thread id.
    pub id: &'a str,
    /// Short name of the story.
    pub title: &'a str,
    /// Link to the page.
    pub url: String,
    /// Articles in the thread.
    pub n_articles: usize,
    /// Date of the first article.
    pub first: Option<DateView>,
    /// Date of the last article.
    pub last: Option<DateView>,
    /// Its articles, oldest first.
    pub articles: Vec<&'a CardView<'a>>,
}

/// Page numbers of a paginated list.
#[derive(Debug, Clone, Serialize)]
pub struct Pagination {
    /// This page, 1-based.
    pub current: usize,
    /// Number of pages.
    pub total: usize,
    /// Link to the previous page.
    pub previous_url: Option<String>,
    /// Link to the next page.
    pub next_url: Option<String>,
    /// The page numbers to show: the first and last page and those within
    /// [`PAGE_WINDOW`] of this one, so that a topic with thousands of pages
    /// does not put thousands of links on each of them.
    pub pages: Vec<PageNumber>,
}

/// How many page numbers either side of the current one are listed.
pub const PAGE_WINDOW: usize = 2;

impl Pagination {
    /// Page `current` of `total`, with `url_of` giving each page's link.
    pub fn new(current: usize, total: usize, url_of: impl Fn(usize) -> String) -> Self {
        let near = |number: usize| number.abs_diff(current) <= PAGE_WINDOW;
        let mut pages = Vec::new();
        let mut last_listed = 0;
        for number in (1..=total).filter(|&n| n == 1 || n == total || near(n)) {
            pages.push(PageNumber {
                number,
                url: url_of(number),
                current: number == current,
                gap_before: number > last_listed + 1,
            });
            last_listed = number;
        }
        Self {
            current,
            total,
            previous_url: (current > 1).then(|| url_of(current - 1)),
            next_url: (current < total).then(|| url_of(current + 1)),
            pages,
        }
    }
}

/// One page number.
#[derive(Debug, Clone, Serialize)]
pub struct PageNumber {
    /// 1-based.
    pub number: usize,
    /// Link to it.
    pub url: String,
    /// True for the current page.
    pub current: bool,
    /// True when pages between the one listed before and this one are left
    /// out (shown as "…").
    pub gap_before: bool,
}

/// An Atom feed.
#[derive(Debug, Clone, Serialize)]
pub struct FeedView<'a> {
    /// Feed title.
    pub title: String,
    /// Feed subtitle (may be empty).
    pub subtitle: &'a str,
    /// Stable id: the absolute URL of the page the feed follows.
    pub id: String,
    /// Absolute URL of the feed itself.
    pub self_url: String,
    /// Absolute URL of the HTML page the feed follows.
    pub alternate_url: String,
    /// Newest entry's date (RFC 3339); the Unix epoch for an empty feed,
    /// never the build time, so builds are reproducible.
    pub updated: String,
    /// Language code.
    pub lang: &'a str,
    /// Newest first, at most `feed_limit`.
    pub entries: Vec<FeedEntry<'a>>,
}

/// One Atom entry.
#[derive(Debug, Clone, Serialize)]
pub struct FeedEntry<'a> {
    /// Headline.
    pub title: &'a str,
    /// Stable id: the article's absolute URL.
    pub id: String,
    /// Absolute URL of the article page.
    pub url: String,
    /// RFC 3339 publication time.
    pub published: String,
    /// RFC 3339 last update (the publication time when there is none).
    pub updated: String,
    /// Author, if known.
    pub author: Option<&'a str>,
    /// The outlet, if known.
    pub source: Option<&'a str>,
    /// Plain-text summary.
    pub summary: &'a str,
    /// The body as HTML; the feed template escapes it.
    pub content_html: Cow<'a, str>,
    /// Topic names.
    pub topics: Vec<&'a str>,
}

/// One `<url>` of the sitemap.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct SitemapUrl {
    /// Absolute URL.
    pub loc: String,
    /// `YYYY-MM-DD` of the last change, when known.
    pub lastmod: Option<String>,
}

/// One entry of `search-index.json`.
#[derive(Debug, Clone, Serialize)]
pub struct SearchEntry<'a> {
    /// Headline.
    pub title: &'a str,
    /// Root-relative link.
    pub url: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Topic names.
    pub topics: Vec<&'a str>,
    /// Plain-text summary.
    pub summary: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_paginations_list_the_ends_and_the_pages_near_this_one() {
        let listed = |current, total| {
            Pagination::new(current, total, |n| format!("/p/{n}/"))
                .pages
                .iter()
                .map(|p| format!("{}{}", if p.gap_before { "…" } else { "" }, p.number))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(listed(1, 1), "1");
        assert_eq!(listed(3, 5), "1 2 3 4 5");
        assert_eq!(listed(1, 500), "1 2 3 …500");
        assert_eq!(listed(250, 500), "1 …248 249 250 251 252 …500");
        assert_eq!(listed(500, 500), "1 …498 499 500");
        let middle = Pagination::new(250, 500, |n| format!("/p/{n}/"));
        assert_eq!(middle.previous_url.as_deref(), Some("/p/249/"));
        assert_eq!(middle.next_url.as_deref(), Some("/p/251/"));
        assert!(middle.pages.iter().any(|p| p.current && p.number == 250));
    }

    #[test]
    fn dates_read_like_a_newspaper() {
        let day = NaiveDate::from_ymd_opt(2025, 3, 4).unwrap();
        let view = DateView::of_day(day);
        assert_eq!(view.human, "Tuesday 4 March 2025");
        assert_eq!(view.short, "4 Mar 2025");
        assert_eq!(view.iso, "2025-03-04");
        let time = DateTime::parse_from_rfc3339("2025-03-04T23:30:00+00:00").unwrap();
        let view = DateView::of_time(time, chrono_tz::Europe::Paris);
        assert_eq!(view.human, "Wednesday 5 March 2025");
        assert_eq!(view.time.as_deref(), Some("00:30"));
        assert_eq!(view.iso, "2025-03-04T23:30:00Z");
    }

    #[test]
    fn day_ranges_skip_repeated_parts() {
        let d = |m, d| NaiveDate::from_ymd_opt(2025, m, d).unwrap();
        assert_eq!(day_range(d(3, 3), d(3, 9)), "3–9 March 2025");
        assert_eq!(day_range(d(2, 24), d(3, 2)), "24 February – 2 March 2025");
        let end = NaiveDate::from_ymd_opt(2026, 1, 4).unwrap();
        assert_eq!(
            day_range(d(12, 29), end),
            "29 December 2025 – 4 January 2026"
        );
    }

    #[test]
    fn locations_have_no_leading_slash_and_end_in_one() {
        assert_eq!(topic_location("war", 1), "topics/war/");
        assert_eq!(topic_location("war", 3), "topics/war/page/3/");
        assert_eq!(month_location(2025, 3), "archive/2025/03/");
        let urls = Urls {
            base_url: "https://example.org/news/",
            base_path: "/news/",
        };
        assert_eq!(urls.path("articles/a/"), "/news/articles/a/");
        assert_eq!(
            urls.absolute("feed.xml"),
            "https://example.org/news/feed.xml"
        );
    }
}
