//! Stage 5 of the pipeline: the digest into pages, with Tera.
//!
//! `theme` loads the embedded default templates and the site's overrides;
//! `view` builds the typed values templates receive; `native` writes the
//! busiest pages of the unedited default theme without Tera; this module
//! decides which pages exist and at which paths, and renders them in
//! parallel.
//! Rendering returns pages and never writes files.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use serde::Serialize;

use crate::analyse::{Analysis, Relation};
use crate::config::Config;
use crate::content::{self, Article, Corpus};
use crate::error::Diagnostic;
use crate::group::{topic_slug, Digest};

mod native;
pub mod theme;
pub mod view;

pub use theme::Theme;
use view::{
    article_location, day_location, day_range, month_location, month_name, thread_location,
    topic_feed_location, topic_location, week_location, ArticleLink, ArticleView, CalendarDay,
    CardView, DateView, DayLink, DayView, EscapedCard, FeedEntry, FeedView, GroupView, MonthView,
    NavLink, OtherCopy, PageMeta, Pagination, RelatedView, SearchEntry, SiteView, SitemapUrl,
    ThreadBox, ThreadRef, ThreadView, TimelineEntry, TopicLink, TopicTag, Urls, WeekView, YearView,
};

/// Everything a render needs, borrowed from the earlier stages.
#[derive(Debug, Clone, Copy)]
pub struct SiteData<'a> {
    /// The site's settings (with the base URL in force for this build).
    pub config: &'a Config,
    /// The articles.
    pub corpus: &'a Corpus,
    /// Related stories, threads, topics, duplicates.
    pub analysis: &'a Analysis,
    /// Topics, days, weeks, months, front page.
    pub digest: &'a Digest,
}

/// How to render (as opposed to what).
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Add the live-reload script to every HTML page (`digest serve` only).
    pub live_reload: bool,
}

/// One output file, before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Path relative to the output folder, e.g. `articles/vote/index.html`.
    pub path: PathBuf,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// The path, under the base path, that `digest serve` answers with the
/// live-reload script.
pub const LIVE_RELOAD_PATH: &str = "__digest/live.js";

/// The most URLs one sitemap file may hold (sitemaps.org); above it the
/// sitemap becomes an index of several files.
const SITEMAP_LIMIT: usize = 50_000;

/// How many entries of a thread the "Follow this story" box shows.
const TIMELINE_WINDOW: usize = 7;

/// How many topics the navigation bar shows.
const NAV_TOPICS: usize = 8;

/// Which pages [`pages_showing`] renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The HTML pages (and anything else a reader opens in a browser).
    Pages,
    /// The files programs read: feeds, the sitemap, the search index.
    Files,
    /// Both.
    All,
}

impl Part {
    fn includes(self, job: Job) -> bool {
        let file = matches!(job, Job::Feed(_) | Job::Sitemap { .. } | Job::SearchIndex);
        match self {
            Part::Pages => !file,
            Part::Files => file,
            Part::All => true,
        }
    }
}

/// One page to render.
#[derive(Debug, Clone, Copy)]
enum Job {
    Front,
    Article(usize),
    Topics,
    Topic { topic_idx: usize, page: usize },
    Day(usize),
    Week(usize),
    Archive,
    Month(usize),
    Thread(usize),
    Feed(Option<usize>),
    Sitemap { part: Option<usize> },
    Robots,
    NotFound,
    Stylesheet,
    SearchIndex,
}

/// A failed page: the template it used and Tera's error.
type Failure = (&'static str, tera::Error);

/// A problem with an article file met while rendering (a build makes the
/// HTML bodies again from the files), carried inside a [`Failure`] so it is
/// reported as the file's problem, not the template's.
#[derive(Debug)]
struct ContentProblem(Diagnostic);

impl std::fmt::Display for ContentProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ContentProblem {}

/// The HTML body of `article` (`content::body_html`); a problem with its
/// file fails the page that uses `template`.
fn body_html<'a>(
    article: &'a Article,
    config: &Config,
    template: &'static str,
) -> Result<Cow<'a, str>, Failure> {
    content::body_html(article, config).map_err(|problem| {
        (
            template,
            tera::Error::chain(problem.message.clone(), ContentProblem(problem)),
        )
    })
}

/// Renders every page of the site.
///
/// Errs with one diagnostic per failing template (file and line where
/// known), after trying every page.
pub fn site(
    data: SiteData<'_>,
    theme: &Theme,
    options: &RenderOptions,
) -> Result<Vec<Page>, Vec<Diagnostic>> {
    let renderer = Renderer::new(data, theme, options);
    let jobs = renderer.jobs();
    render_sorted(&renderer, theme, &jobs)
}

/// Why [`site_each`] stopped.
#[derive(Debug)]
pub enum SiteError<E> {
    /// Templates failed: one diagnostic per distinct problem, after trying
    /// every page.
    Templates(Vec<Diagnostic>),
    /// The sink refused a page (e.g. a file could not be written).
    Sink(E),
}

/// What became of one page in [`site_each`].
enum Step<T, E> {
    Sunk(T),
    Failed(Failure),
    Refused(E),
    /// Not handed on: a template failed (this page is still rendered, to
    /// find every problem) or the sink refused a page (not rendered).
    Skipped,
}

/// Renders every page of the site, as [`site`] does, but hands each page
/// to `sink` on the thread that rendered it as soon as it is rendered, so
/// that it is written and dropped at once: every core renders and writes
/// (the file system's work of one page overlaps the rendering of the
/// next), and about one page per core is in memory. Returns what `sink`
/// returned, in job order. After a template failure `sink` is
/// no longer called, but the remaining pages are still tried so that
/// every problem is reported at once; after a sink error nothing more is
/// rendered.
pub fn site_each<T: Send, E: Send>(
    data: SiteData<'_>,
    theme: &Theme,
    options: &RenderOptions,
    sink: impl Fn(Page) -> Result<T, E> + Sync,
) -> Result<Vec<T>, SiteError<E>> {
    let renderer = Renderer::new(data, theme, options);
    let jobs = renderer.jobs();
    let failed = AtomicBool::new(false);
    let refused = AtomicBool::new(false);
    let steps: Vec<Step<T, E>> = jobs
        .par_iter()
        .map(|job| {
            if refused.load(Ordering::Relaxed) {
                return Step::Skipped;
            }
            match renderer.render(*job) {
                Err(failure) => {
                    failed.store(true, Ordering::Relaxed);
                    Step::Failed(failure)
                }
                Ok(_) if failed.load(Ordering::Relaxed) => Step::Skipped,
                Ok(page) => match sink(page) {
                    Ok(sunk) => Step::Sunk(sunk),
                    Err(err) => {
                        refused.store(true, Ordering::Relaxed);
                        Step::Refused(err)
                    }
                },
            }
        })
        .collect();
    let mut sunk = Vec::with_capacity(steps.len());
    // Ten thousand article pages failing on one typo are one problem.
    let mut problems: BTreeSet<Diagnostic> = BTreeSet::new();
    let mut first_refusal = None;
    for step in steps {
        match step {
            Step::Sunk(value) => sunk.push(value),
            Step::Failed(failure) => {
                problems.insert(diagnostic(theme, failure));
            }
            Step::Refused(err) => {
                first_refusal.get_or_insert(err);
            }
            Step::Skipped => {}
        }
    }
    // Which of the two stopped the other depends on the threads' timing,
    // so the template problems, which the user can fix, come first; else
    // the sink's error of the earliest page (in job order) among those
    // tried.
    if !problems.is_empty() {
        Err(SiteError::Templates(problems.into_iter().collect()))
    } else if let Some(err) = first_refusal {
        Err(SiteError::Sink(err))
    } else {
        Ok(sunk)
    }
}

/// The diagnostic of a failed page: the article file's problem when the
/// render met one, else the template's.
fn diagnostic(theme: &Theme, (template, err): Failure) -> Diagnostic {
    let content_problem =
        std::error::Error::source(&err).and_then(|source| source.downcast_ref::<ContentProblem>());
    match content_problem {
        Some(ContentProblem(problem)) => problem.clone(),
        None => theme.render_diagnostic(template, &err),
    }
}

/// Renders `jobs` in parallel into pages in the order of the jobs, or
/// every distinct template problem met on the way.
fn render_jobs(
    renderer: &Renderer<'_>,
    theme: &Theme,
    jobs: &[Job],
) -> Result<Vec<Page>, Vec<Diagnostic>> {
    let results: Vec<Result<Page, Failure>> =
        jobs.par_iter().map(|job| renderer.render(*job)).collect();
    let mut pages = Vec::with_capacity(results.len());
    // Ten thousand article pages failing on one typo are one problem.
    let mut problems: BTreeSet<Diagnostic> = BTreeSet::new();
    for result in results {
        match result {
            Ok(page) => pages.push(page),
            Err(failure) => {
                problems.insert(diagnostic(theme, failure));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems.into_iter().collect());
    }
    Ok(pages)
}

/// [`render_jobs`], the pages sorted by path. The batches of a build are
/// not sorted: the writer takes them in any order, and the path
/// comparisons of sorting 100,000 pages were part of the ~0.2 s of CPU the
/// thread handing out the batches spent at 100k (perf).
fn render_sorted(
    renderer: &Renderer<'_>,
    theme: &Theme,
    jobs: &[Job],
) -> Result<Vec<Page>, Vec<Diagnostic>> {
    let mut pages = render_jobs(renderer, theme, jobs)?;
    pages.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(pages)
}

/// Articles edited in place, for [`pages_showing`]: each kept its slug,
/// date, topics, language and draft state, so it is on the same lists as
/// before and no count changed; its title, summary, body, source, author,
/// image, `updated` time or extra fields may have changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edit {
    /// The edited articles (indices into the corpus).
    pub articles: BTreeSet<usize>,
    /// True when an edit changed an article's `updated` time, which the
    /// sitemap shows as its last modification.
    pub updated_changed: bool,
}

impl Edit {
    /// Adds the articles of `other`.
    pub fn merge(&mut self, other: Edit) {
        self.articles.extend(other.articles);
        self.updated_changed |= other.updated_changed;
    }

    /// True when nothing was edited.
    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }
}

/// Renders only the pages that `edit` can change: the edited articles' own
/// pages, the pages of articles that list them (related, thread, copies,
/// neighbours), the topic pages, days, weeks, months, threads and feeds
/// that show them, the front page and search index when they are on it,
/// and the sitemap when an `updated` time changed. Pages that show only
/// names and counts (the topic index, the archive calendar, the 404 page)
/// cannot change. For `digest serve`, which renders only these pages after
/// an edit instead of the whole site. `part` picks the HTML pages readers
/// see, the files programs read (feeds, sitemap, search index), or both,
/// so serve can show the first sooner.
///
/// Errs as [`site`] does.
pub fn pages_showing(
    data: SiteData<'_>,
    theme: &Theme,
    options: &RenderOptions,
    edit: &Edit,
    part: Part,
) -> Result<Vec<Page>, Vec<Diagnostic>> {
    // Only the cards these pages show are built.
    let renderer = Renderer::with_lazy_cards(data, theme, options);
    let edit = Edit {
        articles: with_copies(data.analysis, &edit.articles),
        updated_changed: edit.updated_changed,
    };
    let jobs: Vec<Job> = renderer
        .jobs()
        .into_iter()
        .filter(|job| part.includes(*job) && renderer.shows(*job, &edit))
        .collect();
    render_sorted(&renderer, theme, &jobs)
}

/// `articles` with their near-duplicates: the card of each copy lists the
/// others ("also reported by", with their titles and outlets), so an edit
/// of one copy changes the cards of all.
fn with_copies(analysis: &Analysis, articles: &BTreeSet<usize>) -> BTreeSet<usize> {
    let mut widened = articles.clone();
    for &idx in articles {
        let Some(own) = analysis.articles.get(idx) else {
            continue;
        };
        let kept = own.duplicate_of.unwrap_or(idx);
        widened.insert(kept);
        if let Some(kept) = analysis.articles.get(kept) {
            widened.extend(kept.duplicates.iter().copied());
        }
    }
    widened
}

/// Views shared by many pages, built once per render.
struct Renderer<'a> {
    data: SiteData<'a>,
    theme: &'a Theme,
    options: &'a RenderOptions,
    urls: Urls<'a>,
    /// The `site` every template gets, serialised once.
    site: serde_json::Value,
    /// The same, as typed data for the pages rendered without Tera.
    site_view: SiteView<'a>,
    /// The site-wide parts of `base.html`, for the pages rendered
    /// without Tera.
    frame: native::Frame,
    /// The templates whose pages are rendered without Tera (see
    /// `native`): those of [`native::PAGES`] left as built in, when
    /// [`native::SHARED`] are too.
    native: Vec<&'static str>,
    topics: Vec<TopicLink<'a>>,
    cards: Cards<'a>,
    sitemap_parts: usize,
}

/// The card of every article (by corpus index), each built when first
/// asked for: a whole site needs them all, but the few pages `digest
/// serve` renders after an edit need a few hundred of ten thousand.
struct Cards<'a> {
    data: SiteData<'a>,
    urls: Urls<'a>,
    topic_idx_of: BTreeMap<&'a str, usize>,
    built: Vec<OnceLock<CardView<'a>>>,
}

impl<'a> Cards<'a> {
    fn new(data: SiteData<'a>, urls: Urls<'a>) -> Self {
        let topic_idx_of = data
            .digest
            .topics
            .iter()
            .enumerate()
            .map(|(idx, t)| (t.slug.as_str(), idx))
            .collect();
        Self {
            data,
            urls,
            topic_idx_of,
            built: (0..data.corpus.articles.len())
                .map(|_| OnceLock::new())
                .collect(),
        }
    }

    /// The card of article `idx`, if there is such an article.
    fn get(&self, idx: usize) -> Option<&CardView<'a>> {
        let cell = self.built.get(idx)?;
        Some(cell.get_or_init(|| card(self.data, self.urls, &self.topic_idx_of, idx)))
    }

    /// Builds every card, in parallel.
    fn build_all(&self) {
        self.built.par_iter().enumerate().for_each(|(idx, cell)| {
            cell.get_or_init(|| card(self.data, self.urls, &self.topic_idx_of, idx));
        });
    }
}

impl<'a> std::ops::Index<usize> for Cards<'a> {
    type Output = CardView<'a>;

    /// Panics when there is no article `idx`, as indexing a `Vec` does.
    fn index(&self, idx: usize) -> &CardView<'a> {
        match self.get(idx) {
            Some(card) => card,
            None => panic!("no article {idx} among {}", self.built.len()),
        }
    }
}

impl<'a> Renderer<'a> {
    /// A renderer for the whole site: every card is built up front, in
    /// parallel.
    fn new(data: SiteData<'a>, theme: &'a Theme, options: &'a RenderOptions) -> Self {
        let renderer = Self::with_lazy_cards(data, theme, options);
        renderer.cards.build_all();
        renderer
    }

    /// A renderer that builds a card only when a page shows it.
    fn with_lazy_cards(data: SiteData<'a>, theme: &'a Theme, options: &'a RenderOptions) -> Self {
        let config = data.config;
        let urls = Urls::new(config);
        let topics: Vec<TopicLink<'a>> = data
            .digest
            .topics
            .iter()
            .map(|topic| TopicLink {
                name: &topic.name,
                slug: &topic.slug,
                url: urls.path(&topic_location(&topic.slug, 1)),
                feed_url: urls.path(&topic_feed_location(&topic.slug)),
                automatic: topic.automatic,
                n_articles: topic.article_indices.len(),
            })
            .collect();
        let mut nav_topics = topics.clone();
        nav_topics.sort_by(|a, b| b.n_articles.cmp(&a.n_articles).then(a.slug.cmp(b.slug)));
        nav_topics.truncate(NAV_TOPICS);
        nav_topics.retain(|t| t.n_articles > 0);
        let newest = data
            .digest
            .listed
            .first()
            .and_then(|&idx| data.corpus.articles.get(idx))
            .map(|a| DateView::of_time(a.date, config.timezone));
        let site = SiteView {
            title: &config.title,
            description: &config.description,
            base_url: &config.base_url,
            base_path: urls.base_path,
            language: &config.language,
            author: config.author.as_deref(),
            extra: &config.extra,
            home_url: urls.path(""),
            topics_url: urls.path("topics/"),
            archive_url: urls.path("archive/"),
            feed_url: urls.path("feed.xml"),
            feed_permalink: urls.absolute("feed.xml"),
            stylesheet_url: urls.path("style.css"),
            search_index_url: urls.path("search-index.json"),
            nav_topics,
            n_articles: data.digest.listed.len(),
            n_topics: data.digest.topics.len(),
            newest,
            generator: concat!("digest ", env!("CARGO_PKG_VERSION")),
        };
        let shared_default = native::SHARED.iter().all(|name| theme.is_default(name));
        let native = native::PAGES
            .iter()
            .filter(|_| shared_default)
            .chain(native::STANDALONE)
            .copied()
            .filter(|name| theme.is_default(name))
            .collect();
        let mut renderer = Self {
            data,
            theme,
            options,
            urls,
            // Serialising plain data cannot fail.
            site: serde_json::to_value(&site).unwrap_or_default(),
            frame: native::Frame::new(&site),
            site_view: site,
            native,
            topics,
            cards: Cards::new(data, urls),
            sitemap_parts: 0,
        };
        let n_urls = renderer.sitemap_len();
        renderer.sitemap_parts = if n_urls > SITEMAP_LIMIT {
            n_urls.div_ceil(SITEMAP_LIMIT)
        } else {
            0
        };
        renderer
    }

    /// Every page of the site.
    fn jobs(&self) -> Vec<Job> {
        let digest = self.data.digest;
        let mut jobs = vec![
            Job::Front,
            Job::Topics,
            Job::Archive,
            Job::Feed(None),
            Job::Sitemap { part: None },
            Job::Robots,
            Job::NotFound,
            Job::Stylesheet,
            Job::SearchIndex,
        ];
        jobs.extend((0..self.data.corpus.articles.len()).map(Job::Article));
        for (topic_idx, topic) in digest.topics.iter().enumerate() {
            for page in 1..=self.topic_pages(topic.article_indices.len()) {
                jobs.push(Job::Topic { topic_idx, page });
            }
            jobs.push(Job::Feed(Some(topic_idx)));
        }
        jobs.extend((0..digest.days.len()).map(Job::Day));
        jobs.extend((0..digest.weeks.len()).map(Job::Week));
        jobs.extend((0..digest.months.len()).map(Job::Month));
        jobs.extend((0..self.data.analysis.threads.len()).map(Job::Thread));
        jobs.extend((1..=self.sitemap_parts).map(|part| Job::Sitemap { part: Some(part) }));
        jobs
    }

    /// Whether the page of `job` can change with `edit` (see
    /// [`pages_showing`]), whose `articles` include the copies of each
    /// edited article ([`with_copies`]); errs on the side of yes.
    fn shows(&self, job: Job, edit: &Edit) -> bool {
        let digest = self.data.digest;
        let analysis = self.data.analysis;
        let articles = &edit.articles;
        let any = |list: &[usize]| list.iter().any(|idx| articles.contains(idx));
        let feed_limit = self.data.config.feed_limit;
        match job {
            // These show names, counts and dates (the newest article's date
            // included), none of which an edit in place changes.
            Job::Robots | Job::Stylesheet | Job::Topics | Job::Archive | Job::NotFound => false,
            Job::Front => digest
                .front_page_day_indices
                .iter()
                .filter_map(|&day| digest.days.get(day))
                .any(|day| any(&day.article_indices)),
            // A feed lists its newest entries only.
            Job::Feed(None) => digest
                .listed
                .iter()
                .take(feed_limit)
                .any(|idx| articles.contains(idx)),
            // Each listed article's URL and last modification.
            Job::Sitemap { .. } => edit.updated_changed,
            Job::SearchIndex => any(&digest.listed),
            Job::Article(idx) => {
                if articles.contains(&idx) {
                    return true;
                }
                let neighbours = digest.neighbours.get(idx).is_some_and(|n| {
                    [n.previous, n.next, n.previous_in_topic, n.next_in_topic]
                        .into_iter()
                        .flatten()
                        .any(|other| articles.contains(&other))
                });
                let Some(own) = analysis.articles.get(idx) else {
                    return neighbours;
                };
                neighbours
                    || own
                        .related
                        .iter()
                        .any(|r| articles.contains(&r.article_idx))
                    || any(&own.duplicates)
                    || own
                        .duplicate_of
                        .is_some_and(|kept| articles.contains(&kept))
                    || own
                        .thread_idx
                        .and_then(|t| analysis.threads.get(t))
                        .is_some_and(|thread| any(&thread.article_indices))
            }
            Job::Topic { topic_idx, page } => digest.topics.get(topic_idx).is_some_and(|topic| {
                let per_page = self.data.config.paginate.max(1);
                let start = page.saturating_sub(1) * per_page;
                let end = (start + per_page).min(topic.article_indices.len());
                topic.article_indices.get(start..end).is_some_and(any)
            }),
            Job::Feed(Some(topic_idx)) => digest.topics.get(topic_idx).is_some_and(|topic| {
                topic
                    .article_indices
                    .iter()
                    .take(feed_limit)
                    .any(|idx| articles.contains(idx))
            }),
            Job::Day(idx) => digest
                .days
                .get(idx)
                .is_some_and(|d| any(&d.article_indices)),
            Job::Week(idx) => digest
                .weeks
                .get(idx)
                .is_some_and(|w| any(&w.article_indices)),
            Job::Month(idx) => digest.months.get(idx).is_some_and(|m| {
                m.day_indices
                    .iter()
                    .filter_map(|&day| digest.days.get(day))
                    .any(|day| any(&day.article_indices))
            }),
            Job::Thread(idx) => analysis
                .threads
                .get(idx)
                .is_some_and(|t| any(&t.article_indices)),
        }
    }

    fn topic_pages(&self, n_articles: usize) -> usize {
        n_articles.div_ceil(self.data.config.paginate.max(1)).max(1)
    }

    fn render(&self, job: Job) -> Result<Page, Failure> {
        let config = self.data.config;
        let digest = self.data.digest;
        match job {
            Job::Front => {
                let days: Vec<DayView<'_>> = digest
                    .front_page_day_indices
                    .iter()
                    .filter_map(|&idx| self.day_view(idx))
                    .collect();
                // Newest first: days are newest first, and so are their
                // articles.
                let indices: Vec<usize> = digest
                    .front_page_day_indices
                    .iter()
                    .filter_map(|&idx| digest.days.get(idx))
                    .flat_map(|day| day.article_indices.iter().copied())
                    .collect();
                let lead = indices.first().and_then(|&idx| self.cards.get(idx));
                let groups = self.group_views(indices.get(1..).unwrap_or_default());
                let articles = indices.iter().filter_map(|&i| self.cards.get(i)).collect();
                let description = if config.description.is_empty() {
                    format!("The latest news from {}", config.title)
                } else {
                    config.description.clone()
                };
                let meta = self.meta("front", "Latest news", description, "");
                #[derive(Serialize)]
                struct Front<'b> {
                    lead: Option<&'b CardView<'b>>,
                    groups: Vec<GroupView<'b>>,
                    articles: Vec<&'b CardView<'b>>,
                    days: Vec<DayView<'b>>,
                    topics: &'b [TopicLink<'b>],
                }
                let view = Front {
                    lead,
                    groups,
                    articles,
                    days,
                    topics: &self.topics,
                };
                self.html("index.html", "", meta, &view)
            }
            Job::Article(idx) => {
                let article = &self.data.corpus.articles[idx];
                let body_html = body_html(article, config, "article.html")?;
                let view = self.article_view(idx, body_html);
                let location = article_location(&article.slug);
                let mut meta = self.meta(
                    "article",
                    &article.title,
                    article.summary.clone(),
                    &location,
                );
                meta.lang = article.lang.clone();
                if self.is_native("article.html") {
                    let bytes = native::article(&self.frame, &meta, &view);
                    return Ok(self.native_page(&location, bytes));
                }
                #[derive(Serialize)]
                struct One<'b> {
                    article: ArticleView<'b>,
                }
                self.html("article.html", &location, meta, &One { article: view })
            }
            Job::Topics => {
                let meta = self.meta(
                    "topics",
                    "Topics",
                    format!("All {} topics of {}", self.topics.len(), config.title),
                    "topics/",
                );
                #[derive(Serialize)]
                struct All<'b> {
                    topics: &'b [TopicLink<'b>],
                }
                self.html(
                    "topics.html",
                    "topics/",
                    meta,
                    &All {
                        topics: &self.topics,
                    },
                )
            }
            Job::Topic { topic_idx, page } => self.topic_page(topic_idx, page),
            Job::Day(idx) => {
                let Some(day) = self.day_view(idx) else {
                    return Err(missing("day.html"));
                };
                let location = day_location(day.id);
                let meta = self.meta(
                    "day",
                    &day.date.human,
                    format!("{} articles on {}", day.n_articles, day.date.human),
                    &location,
                );
                let link = |i: usize| {
                    digest.days.get(i).map(|d| NavLink {
                        label: DateView::of_day(d.date).human,
                        url: self.urls.path(&day_location(&d.id)),
                    })
                };
                let neighbours = (link(idx + 1), idx.checked_sub(1).and_then(link));
                self.sequence_page(
                    "day.html",
                    &location,
                    meta,
                    day,
                    neighbours,
                    |meta, day, p, n| native::day(&self.frame, &self.site_view, meta, day, p, n),
                )
            }
            Job::Week(idx) => {
                let Some(week) = self.week_view(idx) else {
                    return Err(missing("week.html"));
                };
                let location = week_location(week.id);
                let meta = self.meta(
                    "week",
                    &week.label,
                    format!("{} articles in the week of {}", week.n_articles, week.range),
                    &location,
                );
                let link = |i: usize| {
                    digest.weeks.get(i).map(|w| NavLink {
                        label: format!("Week {}, {}", w.week, w.iso_year),
                        url: self.urls.path(&week_location(&w.id)),
                    })
                };
                let neighbours = (link(idx + 1), idx.checked_sub(1).and_then(link));
                self.sequence_page(
                    "week.html",
                    &location,
                    meta,
                    week,
                    neighbours,
                    |meta, week, p, n| native::week(&self.frame, &self.site_view, meta, week, p, n),
                )
            }
            Job::Archive => {
                let mut years: Vec<YearView<'_>> = Vec::new();
                for idx in 0..digest.months.len() {
                    let Some(month) = self.month_view(idx, false) else {
                        continue;
                    };
                    match years.last_mut() {
                        Some(year) if year.year == month.year => {
                            year.n_articles += month.n_articles;
                            year.months.push(month);
                        }
                        _ => years.push(YearView {
                            year: month.year,
                            n_articles: month.n_articles,
                            months: vec![month],
                        }),
                    }
                }
                let meta = self.meta(
                    "archive",
                    "Archive",
                    format!("Every day of {} in a calendar", config.title),
                    "archive/",
                );
                #[derive(Serialize)]
                struct Archive<'b> {
                    years: Vec<YearView<'b>>,
                }
                self.html("archive.html", "archive/", meta, &Archive { years })
            }
            Job::Month(idx) => {
                let Some(month) = self.month_view(idx, true) else {
                    return Err(missing("month.html"));
                };
                let location = month_location(month.year, month.month);
                let meta = self.meta(
                    "month",
                    &month.name,
                    format!("{} articles in {}", month.n_articles, month.name),
                    &location,
                );
                let link = |i: usize| {
                    digest.months.get(i).map(|m| NavLink {
                        label: format!("{} {}", month_name(m.month), m.year),
                        url: self.urls.path(&month_location(m.year, m.month)),
                    })
                };
                let neighbours = (link(idx + 1), idx.checked_sub(1).and_then(link));
                self.sequence_page(
                    "month.html",
                    &location,
                    meta,
                    month,
                    neighbours,
                    |meta, month, p, n| {
                        native::month(&self.frame, &self.site_view, meta, month, p, n)
                    },
                )
            }
            Job::Thread(idx) => {
                let thread = &self.data.analysis.threads[idx];
                let location = thread_location(&thread.id);
                let articles: Vec<&CardView<'_>> = thread
                    .article_indices
                    .iter()
                    .filter_map(|&i| self.cards.get(i))
                    .collect();
                let view = ThreadView {
                    id: &thread.id,
                    title: &thread.title,
                    url: self.urls.path(&location),
                    n_articles: articles.len(),
                    first: articles.first().map(|c| c.date.clone()),
                    last: articles.last().map(|c| c.date.clone()),
                    articles,
                };
                let meta = self.meta(
                    "thread",
                    &thread.title,
                    format!("{} articles following one story", view.n_articles),
                    &location,
                );
                if self.is_native("thread.html") {
                    let bytes = native::thread(&self.frame, &meta, &view);
                    return Ok(self.native_page(&location, bytes));
                }
                #[derive(Serialize)]
                struct OneThread<'b> {
                    thread: ThreadView<'b>,
                }
                self.html("thread.html", &location, meta, &OneThread { thread: view })
            }
            Job::Feed(topic_idx) => self.feed(topic_idx),
            Job::Sitemap { part } => self.sitemap(part),
            Job::Robots => {
                let meta = self.meta("robots", "robots.txt", String::new(), "robots.txt");
                #[derive(Serialize)]
                struct Robots {
                    sitemap_url: String,
                }
                let view = Robots {
                    sitemap_url: self.urls.absolute("sitemap.xml"),
                };
                self.file("robots.txt", "robots.txt", meta, &view)
            }
            Job::NotFound => {
                let mut meta = self.meta(
                    "not_found",
                    "Page not found",
                    "There is no page at this address".to_string(),
                    "404.html",
                );
                meta.url = self.urls.path("404.html");
                #[derive(Serialize)]
                struct NotFound<'b> {
                    topics: &'b [TopicLink<'b>],
                }
                let view = NotFound {
                    topics: &self.topics,
                };
                self.html("404.html", "404.html", meta, &view)
            }
            Job::Stylesheet => {
                let meta = self.meta("stylesheet", "style.css", String::new(), "style.css");
                #[derive(Serialize)]
                struct Nothing {}
                self.file("style.css", "style.css", meta, &Nothing {})
            }
            Job::SearchIndex => {
                let entries: Vec<SearchEntry<'_>> = digest
                    .listed
                    .iter()
                    .filter_map(|&idx| self.cards.get(idx))
                    .map(|card| SearchEntry {
                        title: card.title,
                        url: card.url.clone(),
                        date: card.date.day.clone(),
                        topics: card.topics.iter().map(|t| t.name).collect(),
                        summary: card.summary,
                    })
                    .collect();
                // Serialising plain data cannot fail; fall back to an empty
                // list rather than panic if it ever did.
                let bytes = serde_json::to_vec(&entries).unwrap_or_else(|_| b"[]".to_vec());
                Ok(Page {
                    path: PathBuf::from("search-index.json"),
                    bytes,
                })
            }
        }
    }

    fn meta(
        &self,
        kind: &'static str,
        title: &str,
        description: String,
        location: &str,
    ) -> PageMeta {
        PageMeta {
            kind,
            title: title.to_string(),
            description,
            url: self.urls.path(location),
            permalink: self.urls.absolute(location),
            lang: self.data.config.language.clone(),
            rel_prev: None,
            rel_next: None,
            feed_url: None,
        }
    }

    /// True when the pages of `template` are rendered without Tera.
    fn is_native(&self, template: &str) -> bool {
        self.native.contains(&template)
    }

    /// An HTML page at `location` rendered without Tera.
    fn native_page(&self, location: &str, mut bytes: Vec<u8>) -> Page {
        if self.options.live_reload {
            bytes = inject_live_reload(&bytes, self.urls.base_path);
        }
        Page {
            path: page_path(location),
            bytes,
        }
    }

    /// A day, week or month page with links to the one before and after
    /// (`neighbours`): written by `native` while `template` is the
    /// default, else through Tera, where the item is named after the
    /// template (`day`, `week`, `month`) next to `previous` and `next`.
    fn sequence_page<V: Serialize>(
        &self,
        template: &'static str,
        location: &str,
        meta: PageMeta,
        item: V,
        (previous, next): (Option<NavLink>, Option<NavLink>),
        native: impl FnOnce(&PageMeta, &V, Option<&NavLink>, Option<&NavLink>) -> Vec<u8>,
    ) -> Result<Page, Failure> {
        if self.is_native(template) {
            let bytes = native(&meta, &item, previous.as_ref(), next.as_ref());
            return Ok(self.native_page(location, bytes));
        }
        #[derive(Serialize)]
        struct InSequence<'a, V> {
            #[serde(flatten)]
            item: BTreeMap<&'static str, &'a V>,
            previous: Option<NavLink>,
            next: Option<NavLink>,
        }
        let key = template.strip_suffix(".html").unwrap_or(template);
        let view = InSequence {
            item: BTreeMap::from([(key, &item)]),
            previous,
            next,
        };
        self.html(template, location, meta, &view)
    }

    /// Renders an HTML page at `location` (a folder, or a file name).
    fn html<T: Serialize>(
        &self,
        template: &'static str,
        location: &str,
        meta: PageMeta,
        view: &T,
    ) -> Result<Page, Failure> {
        let mut page = self.file(template, location, meta, view)?;
        if self.options.live_reload {
            page.bytes = inject_live_reload(&page.bytes, self.urls.base_path);
        }
        Ok(page)
    }

    /// Renders any file; a `location` ending in `/` gets `index.html`.
    fn file<T: Serialize>(
        &self,
        template: &'static str,
        location: &str,
        meta: PageMeta,
        view: &T,
    ) -> Result<Page, Failure> {
        // One map holds the view's fields, `site` (serialised once per
        // render, cloned here) and `page`.
        let json = |e| (template, tera::Error::json(e));
        let mut context = serde_json::to_value(view).map_err(json)?;
        let serde_json::Value::Object(fields) = &mut context else {
            return Err((
                template,
                tera::Error::msg("internal: a page view is not a map"),
            ));
        };
        fields.insert("site".into(), self.site.clone());
        fields.insert("page".into(), serde_json::to_value(&meta).map_err(json)?);
        let context = tera::Context::from_value(context).map_err(|e| (template, e))?;
        let mut bytes = Vec::with_capacity(16 * 1024);
        self.theme
            .tera
            .render_to(template, &context, &mut bytes)
            .map_err(|e| (template, e))?;
        Ok(Page {
            path: page_path(location),
            bytes,
        })
    }

    fn group_views(&self, article_indices: &[usize]) -> Vec<GroupView<'_>> {
        self.data
            .digest
            .by_topic(article_indices)
            .into_iter()
            .filter_map(|(topic_idx, list)| {
                Some(GroupView {
                    topic: self.topics.get(topic_idx)?,
                    articles: list.iter().filter_map(|&i| self.cards.get(i)).collect(),
                })
            })
            .collect()
    }

    fn day_view(&self, idx: usize) -> Option<DayView<'_>> {
        let day = self.data.digest.days.get(idx)?;
        Some(DayView {
            id: &day.id,
            date: DateView::of_day(day.date),
            url: self.urls.path(&day_location(&day.id)),
            n_articles: day.article_indices.len(),
            groups: self.group_views(&day.article_indices),
        })
    }

    fn day_link(&self, idx: usize, with_articles: bool) -> Option<DayLink<'_>> {
        let day = self.data.digest.days.get(idx)?;
        Some(DayLink {
            date: DateView::of_day(day.date),
            url: self.urls.path(&day_location(&day.id)),
            n_articles: day.article_indices.len(),
            articles: if with_articles {
                day.article_indices
                    .iter()
                    .filter_map(|&i| self.cards.get(i))
                    .collect()
            } else {
                Vec::new()
            },
        })
    }

    fn week_view(&self, idx: usize) -> Option<WeekView<'_>> {
        let digest = self.data.digest;
        let week = digest.weeks.get(idx)?;
        let days = digest
            .days
            .iter()
            .enumerate()
            .filter(|(_, d)| week.start <= d.date && d.date <= week.end)
            .filter_map(|(i, _)| self.day_link(i, false))
            .collect();
        Some(WeekView {
            id: &week.id,
            label: format!("Week {}, {}", week.week, week.iso_year),
            range: day_range(week.start, week.end),
            start: DateView::of_day(week.start),
            end: DateView::of_day(week.end),
            url: self.urls.path(&week_location(&week.id)),
            n_articles: week.article_indices.len(),
            days,
            groups: self.group_views(&week.article_indices),
        })
    }

    fn month_view(&self, idx: usize, with_days: bool) -> Option<MonthView<'_>> {
        let digest = self.data.digest;
        let month = digest.months.get(idx)?;
        let first = NaiveDate::from_ymd_opt(month.year, month.month, 1)?;
        let mut counts: BTreeMap<u32, (usize, String)> = BTreeMap::new();
        for &day_idx in &month.day_indices {
            if let Some(day) = digest.days.get(day_idx) {
                counts.insert(
                    day.date.day(),
                    (
                        day.article_indices.len(),
                        self.urls.path(&day_location(&day.id)),
                    ),
                );
            }
        }
        let mut weeks: Vec<Vec<Option<CalendarDay>>> = Vec::new();
        let mut row: Vec<Option<CalendarDay>> =
            vec![None; first.weekday().num_days_from_monday() as usize];
        let mut date = first;
        while date.month() == month.month {
            let entry = counts.get(&date.day());
            row.push(Some(CalendarDay {
                day: date.day(),
                iso: date.format("%Y-%m-%d").to_string(),
                url: entry.map(|(_, url)| url.clone()),
                n_articles: entry.map_or(0, |(n, _)| *n),
            }));
            if row.len() == 7 {
                weeks.push(std::mem::take(&mut row));
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        if !row.is_empty() {
            row.resize(7, None);
            weeks.push(row);
        }
        let days = if with_days {
            month
                .day_indices
                .iter()
                .filter_map(|&i| self.day_link(i, true))
                .collect()
        } else {
            Vec::new()
        };
        Some(MonthView {
            year: month.year,
            month: month.month,
            name: format!("{} {}", month_name(month.month), month.year),
            iso: format!("{:04}-{:02}", month.year, month.month),
            url: self.urls.path(&month_location(month.year, month.month)),
            n_articles: month.n_articles,
            weeks,
            days,
        })
    }

    fn topic_page(&self, topic_idx: usize, page: usize) -> Result<Page, Failure> {
        let Some(topic) = self.data.digest.topics.get(topic_idx) else {
            return Err(missing("topic.html"));
        };
        let per_page = self.data.config.paginate.max(1);
        let total = self.topic_pages(topic.article_indices.len());
        let articles: Vec<&CardView<'_>> = topic
            .article_indices
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .filter_map(|&i| self.cards.get(i))
            .collect();
        let url_of = |n: usize| self.urls.path(&topic_location(&topic.slug, n));
        let pagination = Pagination::new(page, total, url_of);
        let location = topic_location(&topic.slug, page);
        let title = if page > 1 {
            format!("{} (page {page} of {total})", topic.name)
        } else {
            topic.name.clone()
        };
        let mut meta = self.meta(
            "topic",
            &title,
            format!(
                "{} articles about {}",
                topic.article_indices.len(),
                topic.name
            ),
            &location,
        );
        meta.rel_prev = pagination.previous_url.clone();
        meta.rel_next = pagination.next_url.clone();
        meta.feed_url = Some(self.urls.path(&topic_feed_location(&topic.slug)));
        #[derive(Serialize)]
        struct OneTopic<'b> {
            topic: &'b TopicLink<'b>,
            articles: Vec<&'b CardView<'b>>,
            pagination: Pagination,
        }
        let Some(link) = self.topics.get(topic_idx) else {
            return Err(missing("topic.html"));
        };
        if self.is_native("topic.html") {
            let bytes = native::topic(
                &self.frame,
                &self.site_view,
                &meta,
                link,
                &articles,
                &pagination,
            );
            return Ok(self.native_page(&location, bytes));
        }
        let view = OneTopic {
            topic: link,
            articles,
            pagination,
        };
        self.html("topic.html", &location, meta, &view)
    }

    fn article_view<'s>(&'s self, idx: usize, body_html: Cow<'s, str>) -> ArticleView<'s> {
        let data = self.data;
        let article = &data.corpus.articles[idx];
        let analysis = data.analysis.articles.get(idx);
        let related = analysis
            .map(|a| a.related.as_slice())
            .unwrap_or_default()
            .iter()
            .filter_map(|related| {
                let (relation, relation_label) = match related.relation {
                    Relation::EarlierCoverage => ("earlier_coverage", "Earlier coverage"),
                    Relation::FollowUp => ("follow_up", "Follow-up"),
                };
                Some(RelatedView {
                    article: ArticleLink::of(self.cards.get(related.article_idx)?),
                    score: (related.score * 100.0).round() / 100.0,
                    reasons: related.reasons.iter().map(String::as_str).collect(),
                    relation,
                    relation_label,
                })
            })
            .collect();
        let thread_box = analysis
            .and_then(|a| a.thread_idx)
            .and_then(|t| data.analysis.threads.get(t))
            .and_then(|thread| {
                let position = thread.article_indices.iter().position(|&i| i == idx)?;
                let n = thread.article_indices.len();
                let start = position
                    .saturating_sub(TIMELINE_WINDOW / 2)
                    .min(n.saturating_sub(TIMELINE_WINDOW));
                let end = (start + TIMELINE_WINDOW).min(n);
                Some(ThreadBox {
                    id: &thread.id,
                    title: &thread.title,
                    url: self.urls.path(&thread_location(&thread.id)),
                    n_articles: n,
                    position: position + 1,
                    entries: thread.article_indices[start..end]
                        .iter()
                        .filter_map(|&i| {
                            Some(TimelineEntry {
                                article: ArticleLink::of(self.cards.get(i)?),
                                current: i == idx,
                            })
                        })
                        .collect(),
                    n_earlier_hidden: start,
                    n_later_hidden: n - end,
                })
            });
        let neighbours = data.digest.neighbours.get(idx);
        let card_of = |i: Option<usize>| i.and_then(|i| self.cards.get(i)).map(ArticleLink::of);
        ArticleView {
            card: &self.cards[idx],
            body_html,
            permalink: self.urls.absolute(&article_location(&article.slug)),
            extra: &article.extra,
            related,
            thread_box,
            primary_topic: data
                .digest
                .primary_topic
                .get(idx)
                .and_then(|&t| self.topics.get(t)),
            previous: card_of(neighbours.and_then(|n| n.previous)),
            next: card_of(neighbours.and_then(|n| n.next)),
            previous_in_topic: card_of(neighbours.and_then(|n| n.previous_in_topic)),
            next_in_topic: card_of(neighbours.and_then(|n| n.next_in_topic)),
        }
    }

    fn feed(&self, topic_idx: Option<usize>) -> Result<Page, Failure> {
        let data = self.data;
        let config = data.config;
        let (title, list, html_location, feed_location) = match topic_idx {
            None => (
                config.title.clone(),
                data.digest.listed.as_slice(),
                String::new(),
                "feed.xml".to_string(),
            ),
            Some(idx) => {
                let Some(topic) = data.digest.topics.get(idx) else {
                    return Err(missing("feed.xml"));
                };
                (
                    format!("{}: {}", config.title, topic.name),
                    topic.article_indices.as_slice(),
                    topic_location(&topic.slug, 1),
                    topic_feed_location(&topic.slug),
                )
            }
        };
        let entries = list
            .iter()
            .take(config.feed_limit)
            .filter_map(|&idx| {
                let article = data.corpus.articles.get(idx)?;
                let card = self.cards.get(idx)?;
                let content_html = match body_html(article, config, "feed.xml") {
                    Ok(html) => html,
                    Err(failure) => return Some(Err(failure)),
                };
                let url = self.urls.absolute(&article_location(&article.slug));
                let published = article
                    .date
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                Some(Ok(FeedEntry {
                    title: &article.title,
                    id: url.clone(),
                    url,
                    updated: article
                        .updated
                        .map(|u| u.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                        .unwrap_or_else(|| published.clone()),
                    published,
                    author: card.author,
                    source: card.source,
                    summary: &article.summary,
                    content_html,
                    topics: card.topics.iter().map(|t| t.name).collect(),
                }))
            })
            .collect::<Result<Vec<FeedEntry<'_>>, Failure>>()?;
        let updated = list
            .iter()
            .take(config.feed_limit)
            .filter_map(|&idx| data.corpus.articles.get(idx))
            .map(|a| a.updated.map_or(a.date, |u| u.max(a.date)))
            .max()
            .map_or_else(
                || "1970-01-01T00:00:00Z".to_string(),
                |d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            );
        let view = FeedView {
            title,
            subtitle: &config.description,
            id: self.urls.absolute(&html_location),
            self_url: self.urls.absolute(&feed_location),
            alternate_url: self.urls.absolute(&html_location),
            updated,
            lang: &config.language,
            entries,
        };
        if self.is_native("feed.xml") {
            return Ok(Page {
                path: page_path(&feed_location),
                bytes: native::feed(&self.site_view, &view),
            });
        }
        let meta = self.meta("feed", &view.title, String::new(), &feed_location);
        #[derive(Serialize)]
        struct Feed<'b> {
            feed: FeedView<'b>,
        }
        self.file("feed.xml", &feed_location, meta, &Feed { feed: view })
    }

    /// How many URLs [`Renderer::sitemap_urls`] lists, counted rather than
    /// built: only the sitemap pages need the list, and at 100,000 articles
    /// it is that many strings.
    fn sitemap_len(&self) -> usize {
        let digest = self.data.digest;
        3 + digest.listed.len()
            + digest
                .topics
                .iter()
                .map(|t| self.topic_pages(t.article_indices.len()))
                .sum::<usize>()
            + digest.days.len()
            + digest.weeks.len()
            + digest.months.len()
            + self.data.analysis.threads.len()
    }

    /// Every page worth indexing: listed articles, lists, days, weeks,
    /// months, threads.
    fn sitemap_urls(&self) -> Vec<SitemapUrl> {
        let digest = self.data.digest;
        let newest = digest
            .listed
            .first()
            .and_then(|&i| self.cards.get(i))
            .map(|c| c.date.day.clone());
        let mut urls = vec![
            SitemapUrl {
                loc: self.urls.absolute(""),
                lastmod: newest.clone(),
            },
            SitemapUrl {
                loc: self.urls.absolute("topics/"),
                lastmod: newest.clone(),
            },
            SitemapUrl {
                loc: self.urls.absolute("archive/"),
                lastmod: newest,
            },
        ];
        let card_day = |i: usize| self.cards.get(i).map(|c| c.date.day.clone());
        for &idx in &digest.listed {
            if let Some(card) = self.cards.get(idx) {
                let lastmod = card.updated.as_ref().unwrap_or(&card.date).day.clone();
                urls.push(SitemapUrl {
                    loc: self.urls.absolute(&article_location(card.slug)),
                    lastmod: Some(lastmod),
                });
            }
        }
        for topic in &digest.topics {
            for page in 1..=self.topic_pages(topic.article_indices.len()) {
                urls.push(SitemapUrl {
                    loc: self.urls.absolute(&topic_location(&topic.slug, page)),
                    lastmod: topic.article_indices.first().and_then(|&i| card_day(i)),
                });
            }
        }
        for day in &digest.days {
            urls.push(SitemapUrl {
                loc: self.urls.absolute(&day_location(&day.id)),
                lastmod: Some(day.id.clone()),
            });
        }
        for week in &digest.weeks {
            urls.push(SitemapUrl {
                loc: self.urls.absolute(&week_location(&week.id)),
                lastmod: week.article_indices.first().and_then(|&i| card_day(i)),
            });
        }
        for month in &digest.months {
            urls.push(SitemapUrl {
                loc: self.urls.absolute(&month_location(month.year, month.month)),
                lastmod: None,
            });
        }
        for thread in &self.data.analysis.threads {
            urls.push(SitemapUrl {
                loc: self.urls.absolute(&thread_location(&thread.id)),
                lastmod: thread.article_indices.last().and_then(|&i| card_day(i)),
            });
        }
        urls
    }

    /// `sitemap.xml`, or, for a big site, the index (`part` none) and its
    /// numbered parts `sitemap-N.xml`.
    fn sitemap(&self, part: Option<usize>) -> Result<Page, Failure> {
        #[derive(Serialize)]
        struct Sitemap {
            urls: Vec<SitemapUrl>,
            sitemaps: Vec<String>,
        }
        let (location, view) = match part {
            None if self.sitemap_parts > 0 => (
                "sitemap.xml".to_string(),
                Sitemap {
                    urls: Vec::new(),
                    sitemaps: (1..=self.sitemap_parts)
                        .map(|n| self.urls.absolute(&format!("sitemap-{n}.xml")))
                        .collect(),
                },
            ),
            None => (
                "sitemap.xml".to_string(),
                Sitemap {
                    urls: self.sitemap_urls(),
                    sitemaps: Vec::new(),
                },
            ),
            Some(n) => (
                format!("sitemap-{n}.xml"),
                Sitemap {
                    urls: self
                        .sitemap_urls()
                        .into_iter()
                        .skip((n - 1) * SITEMAP_LIMIT)
                        .take(SITEMAP_LIMIT)
                        .collect(),
                    sitemaps: Vec::new(),
                },
            ),
        };
        if self.is_native("sitemap.xml") {
            return Ok(Page {
                path: page_path(&location),
                bytes: native::sitemap(&view.urls, &view.sitemaps),
            });
        }
        let meta = self.meta("sitemap", "Sitemap", String::new(), &location);
        self.file("sitemap.xml", &location, meta, &view)
    }
}

/// The card of article `idx`.
fn card<'a>(
    data: SiteData<'a>,
    urls: Urls<'a>,
    topic_idx_of: &BTreeMap<&str, usize>,
    idx: usize,
) -> CardView<'a> {
    let article = &data.corpus.articles[idx];
    let analysis = data.analysis.articles.get(idx);
    let config = data.config;
    let mut topics: Vec<TopicTag<'a>> = Vec::new();
    for assignment in analysis.map(|a| a.topics.as_slice()).unwrap_or_default() {
        let slug = topic_slug(&assignment.name);
        let Some(topic) = topic_idx_of
            .get(slug.as_str())
            .and_then(|&t| data.digest.topics.get(t))
        else {
            continue;
        };
        if topics.iter().any(|t| t.slug == topic.slug) {
            continue;
        }
        topics.push(TopicTag {
            name: &topic.name,
            slug: &topic.slug,
            url: urls.path(&topic_location(&topic.slug, 1)),
            automatic: assignment.automatic,
        });
    }
    let thread = analysis
        .and_then(|a| a.thread_idx)
        .and_then(|t| data.analysis.threads.get(t))
        .map(|thread| ThreadRef {
            id: &thread.id,
            title: &thread.title,
            url: urls.path(&thread_location(&thread.id)),
            n_articles: thread.article_indices.len(),
        });
    // Near-duplicates in both directions: the kept copy lists the others,
    // and each other copy lists the kept one and its siblings.
    let mut copies: Vec<usize> = Vec::new();
    if let Some(a) = analysis {
        match a.duplicate_of {
            Some(kept) => {
                copies.push(kept);
                if let Some(k) = data.analysis.articles.get(kept) {
                    copies.extend(k.duplicates.iter().copied().filter(|&d| d != idx));
                }
            }
            None => copies.extend(a.duplicates.iter().copied()),
        }
    }
    let also_reported_by = copies
        .into_iter()
        .filter_map(|i| {
            let other = data.corpus.articles.get(i)?;
            Some(OtherCopy {
                title: &other.title,
                url: urls.path(&article_location(&other.slug)),
                source: other.source.as_deref(),
                source_url: other.source_url.as_deref(),
            })
        })
        .collect();
    let mut card = CardView {
        slug: &article.slug,
        title: &article.title,
        url: urls.path(&article_location(&article.slug)),
        date: DateView::of_time(article.date, config.timezone),
        updated: article
            .updated
            .map(|u| DateView::of_time(u, config.timezone)),
        source: article.source.as_deref(),
        source_url: article.source_url.as_deref(),
        author: article.author.as_deref().or(config.author.as_deref()),
        summary: &article.summary,
        image: article.image.as_deref(),
        lang: &article.lang,
        topics,
        reading_minutes: article.reading_minutes,
        word_count: article.word_count,
        draft: article.draft,
        thread,
        also_reported_by,
        escaped: EscapedCard::default(),
    };
    card.escaped = native::escaped_card(&card);
    card
}

/// A page whose data is gone: cannot happen for indices from the digest,
/// but is reported rather than panicking.
fn missing(template: &'static str) -> Failure {
    (
        template,
        tera::Error::msg("internal: a page refers to data that does not exist"),
    )
}

/// Adds the live-reload script before the last `</body>`, or at the end of
/// a page that has none.
fn inject_live_reload(html: &[u8], base_path: &str) -> Vec<u8> {
    let script = format!("<script src=\"{base_path}{LIVE_RELOAD_PATH}\" defer></script>\n");
    let text = String::from_utf8_lossy(html);
    let lower = text.to_ascii_lowercase();
    let at = lower.rfind("</body>").unwrap_or(text.len());
    let mut out = String::with_capacity(text.len() + script.len());
    out.push_str(&text[..at]);
    out.push_str(&script);
    out.push_str(&text[at..]);
    out.into_bytes()
}

/// The files (inside the output) of the pages the articles of `corpus`
/// make, known from the load on, before the analysis: each article's page,
/// the pages of its day, ISO week and month, and the pages and feed of
/// each topic its front matter names. A build makes them while the
/// analysis runs (`output::Writer::make_ahead`). Best effort: a day whose
/// articles all turn out to be near-duplicates has no page, a topic may
/// get articles from the analysis; the writer removes what no page fills
/// and makes what is missing.
pub fn pages_ahead(corpus: &Corpus, config: &Config) -> Vec<PathBuf> {
    let articles = &corpus.articles;
    let mut pages: Vec<PathBuf> = articles
        .iter()
        .map(|article| page_path(&article_location(&article.slug)))
        .collect();
    let mut days = BTreeSet::new();
    let mut weeks = BTreeSet::new();
    let mut months = BTreeSet::new();
    // A site names a few dozen topics thousands of times: each name is
    // made a slug once (this runs on the main thread before the analysis).
    let mut slug_of: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    for article in articles {
        for name in &article.topics {
            if !slug_of.contains_key(name.as_str()) {
                slug_of.insert(name, topic_slug(name));
            }
        }
    }
    let mut topics: BTreeMap<&str, usize> = BTreeMap::new();
    let mut slugs: Vec<&str> = Vec::new();
    for article in articles {
        let date = article.local_date;
        days.insert(date);
        let iso = date.iso_week();
        weeks.insert((iso.year(), iso.week()));
        months.insert((date.year(), date.month()));
        slugs.clear();
        slugs.extend(
            article
                .topics
                .iter()
                .filter_map(|name| slug_of.get(name.as_str()).map(String::as_str)),
        );
        slugs.sort_unstable();
        slugs.dedup();
        for slug in &slugs {
            *topics.entry(slug).or_default() += 1;
        }
    }
    pages.extend(
        days.into_iter()
            .map(|date| page_path(&day_location(&date.format("%Y-%m-%d").to_string()))),
    );
    pages.extend(
        weeks
            .into_iter()
            .map(|(year, week)| page_path(&week_location(&format!("{year}-W{week:02}")))),
    );
    pages.extend(
        months
            .into_iter()
            .map(|(year, month)| page_path(&month_location(year, month))),
    );
    for (slug, n_articles) in topics {
        let n_pages = n_articles.div_ceil(config.paginate.max(1)).max(1);
        pages.extend((1..=n_pages).map(|page| page_path(&topic_location(slug, page))));
        pages.push(PathBuf::from(topic_feed_location(slug)));
    }
    pages
}

/// The file of a page at `location`: a folder (ending in `/`, or the
/// empty root) gets `index.html`.
fn page_path(location: &str) -> PathBuf {
    if location.is_empty() || location.ends_with('/') {
        PathBuf::from(format!("{location}index.html"))
    } else {
        PathBuf::from(location)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::{Related, Thread, TopicAssignment};
    use crate::content::{Article, DateSource, Format};
    use chrono::DateTime;
    use std::path::Path;

    fn config(extra: &str) -> Config {
        Config::parse(&format!(
            "title = \"The Test Digest\"\nbase_url = \"https://example.org/news/\"\n{extra}"
        ))
        .unwrap()
    }

    fn article(slug: &str, date: &str, topics: &[&str]) -> Article {
        let date = DateTime::parse_from_rfc3339(date).unwrap();
        Article {
            source_path: PathBuf::from(format!("content/{slug}.md")),
            slug: slug.to_string(),
            title: format!("Headline of {slug} & more"),
            date,
            local_date: date.date_naive(),
            date_source: DateSource::FrontMatter,
            updated: None,
            topics: topics.iter().map(|t| t.to_string()).collect(),
            source: Some("The Daily Planet".into()),
            source_url: Some(format!("https://planet.example/{slug}")),
            author: None,
            summary: format!("Summary of {slug}."),
            image: None,
            lang: "en".into(),
            draft: false,
            extra: Default::default(),
            body_html: format!("<p>Body of {slug}.</p>"),
            body_file: None,
            text: format!("Body of {slug}."),
            word_count: 3,
            reading_minutes: 1,
            format: Format::Markdown,
        }
    }

    /// A small site: five articles over three days, two topics, one
    /// thread, one near-duplicate, one related story.
    fn sample() -> (Config, Corpus, Analysis) {
        let config = config("paginate = 1\n");
        let corpus = Corpus {
            articles: vec![
                article("vote-called", "2025-03-03T09:00:00+00:00", &["Politics"]),
                article("vote-copy", "2025-03-03T10:00:00+00:00", &["Politics"]),
                article("markets-dip", "2025-03-04T08:00:00+00:00", &["Economy"]),
                article("vote-held", "2025-03-04T18:00:00+00:00", &["Politics"]),
                article("vote-result", "2025-03-11T07:30:00+00:00", &[]),
            ],
        };
        let mut analysis = crate::analyse::run(&corpus, &config);
        // Pin what the analysis found, so these tests follow the render
        // and not the analysis heuristics.
        analysis.threads.clear();
        for entry in &mut analysis.articles {
            entry.related.clear();
            entry.thread_idx = None;
            entry.duplicate_of = None;
            entry.duplicates.clear();
        }
        analysis.articles[4].topics = vec![TopicAssignment {
            name: "General".into(),
            automatic: true,
        }];
        analysis.threads.push(Thread {
            id: "the-vote".into(),
            title: "The vote".into(),
            article_indices: vec![0, 3, 4],
        });
        for idx in [0, 3, 4] {
            analysis.articles[idx].thread_idx = Some(0);
        }
        analysis.articles[1].duplicate_of = Some(0);
        analysis.articles[0].duplicates = vec![1];
        analysis.articles[3].related = vec![Related {
            article_idx: 0,
            score: 0.4567,
            reasons: vec!["Jane Doe".into(), "ballot".into()],
            relation: Relation::EarlierCoverage,
        }];
        (config, corpus, analysis)
    }

    fn render_with(
        config: &Config,
        corpus: &Corpus,
        analysis: &Analysis,
        theme: &Theme,
        options: &RenderOptions,
    ) -> Result<Vec<Page>, Vec<Diagnostic>> {
        let digest = crate::group::run(corpus, analysis, config);
        let data = SiteData {
            config,
            corpus,
            analysis,
            digest: &digest,
        };
        site(data, theme, options)
    }

    fn pages_of(config: &Config, corpus: &Corpus, analysis: &Analysis) -> BTreeMap<String, String> {
        let pages = render_with(
            config,
            corpus,
            analysis,
            &Theme::default_theme(),
            &RenderOptions::default(),
        )
        .unwrap();
        pages
            .into_iter()
            .map(|p| {
                (
                    p.path.to_string_lossy().into_owned(),
                    String::from_utf8(p.bytes).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn the_pages_made_ahead_are_the_pages_of_the_site_known_from_the_load() {
        let (config, corpus, analysis) = sample();
        let pages = pages_of(&config, &corpus, &analysis);
        let ahead: BTreeSet<String> = pages_ahead(&corpus, &config)
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        // Every page of an article, day, week or month, and of the topics
        // front matter names ("General" is the analysis's).
        let known = [
            "articles/",
            "days/",
            "weeks/",
            "archive/2",
            "topics/politics/",
            "topics/economy/",
        ];
        for path in pages.keys() {
            let expected = known.iter().any(|prefix| path.starts_with(prefix));
            assert_eq!(ahead.contains(path), expected, "{path}");
        }
        // The one file made for nothing (the writer removes it): a page
        // of Politics that counted the near-duplicate.
        let extra: Vec<&String> = ahead.iter().filter(|p| !pages.contains_key(*p)).collect();
        assert_eq!(extra, ["topics/politics/page/3/index.html"]);
    }

    #[test]
    fn every_page_of_the_url_table_is_rendered() {
        let (config, corpus, analysis) = sample();
        let pages = pages_of(&config, &corpus, &analysis);
        let paths: Vec<&str> = pages.keys().map(String::as_str).collect();
        for expected in [
            "index.html",
            "articles/vote-called/index.html",
            "articles/vote-copy/index.html",
            "articles/vote-result/index.html",
            "topics/index.html",
            "topics/politics/index.html",
            "topics/politics/page/2/index.html",
            "topics/politics/feed.xml",
            "topics/general/index.html",
            "days/2025-03-04/index.html",
            "weeks/2025-W10/index.html",
            "weeks/2025-W11/index.html",
            "archive/index.html",
            "archive/2025/03/index.html",
            "threads/the-vote/index.html",
            "feed.xml",
            "sitemap.xml",
            "robots.txt",
            "404.html",
            "search-index.json",
            "style.css",
        ] {
            assert!(paths.contains(&expected), "missing {expected} in {paths:?}");
        }
        assert!(!paths.contains(&"topics/politics/page/3/index.html"));
        assert!(!paths.contains(&"topics/politics/page/1/index.html"));
        for (path, text) in &pages {
            if path.ends_with(".html") {
                assert!(text.starts_with("<!DOCTYPE html>"), "{path}");
                assert_eq!(text.matches("<h1").count(), 1, "{path}");
                assert!(!text.contains("__digest"), "{path}");
            }
        }
    }

    #[test]
    fn links_honour_a_base_sub_path() {
        let (config, corpus, analysis) = sample();
        let pages = pages_of(&config, &corpus, &analysis);
        let page = &pages["articles/vote-held/index.html"];
        assert!(page.contains("href=\"/news/style.css\""), "{page}");
        assert!(page.contains(
            "<link rel=\"canonical\" href=\"https://example.org/news/articles/vote-held/\">"
        ));
        assert!(page.contains("href=\"/news/threads/the-vote/\""));
        assert!(page.contains("href=\"/news/topics/politics/\""));
        for (path, text) in &pages {
            for bad in [
                "href=\"/articles",
                "href=\"/topics",
                "href=\"/days",
                "src=\"/",
            ] {
                assert!(!text.contains(bad), "{path} has {bad}");
            }
        }
        let feed = &pages["feed.xml"];
        assert!(feed.contains("<id>https://example.org/news/articles/vote-result/</id>"));
        assert!(pages["robots.txt"].contains("Sitemap: https://example.org/news/sitemap.xml"));
        assert!(
            pages["sitemap.xml"].contains("<loc>https://example.org/news/days/2025-03-03/</loc>")
        );
        assert!(pages["search-index.json"].contains("\"url\":\"/news/articles/vote-result/\""));
    }

    #[test]
    fn topics_paginate_with_prev_and_next_links() {
        let (config, corpus, analysis) = sample();
        let pages = pages_of(&config, &corpus, &analysis);
        // Politics lists vote-held and vote-called (vote-copy is collapsed
        // into vote-called); one per page gives two pages.
        let first = &pages["topics/politics/index.html"];
        assert!(first.contains("<link rel=\"next\" href=\"/news/topics/politics/page/2/\">"));
        assert!(!first.contains("rel=\"prev\""));
        let second = &pages["topics/politics/page/2/index.html"];
        assert!(second.contains("<link rel=\"prev\" href=\"/news/topics/politics/\">"));
        assert!(second.contains("Headline of vote-called"));
        assert!(!second.contains("Headline of vote-held"));
    }

    #[test]
    fn article_page_shows_thread_duplicates_related_and_neighbours() {
        let (config, corpus, analysis) = sample();
        let pages = pages_of(&config, &corpus, &analysis);
        let held = &pages["articles/vote-held/index.html"];
        assert!(held.contains("Follow this story"));
        assert!(held.contains("Article 2 of 3"));
        assert!(held.contains("class=\"timeline-current\" aria-current=\"page\""));
        assert!(held.contains("Earlier coverage"));
        assert!(held.contains("<span class=\"reason\">Jane Doe</span>"));
        assert!(held.contains(
            "<time datetime=\"2025-03-04T18:00:00Z\">Tuesday 4 March 2025, 18:00</time>"
        ));
        assert!(held.contains("Headline of vote-called &amp; more"));
        assert!(held.contains("rel=\"prev\""));
        let kept = &pages["articles/vote-called/index.html"];
        assert!(kept.contains("Also reported by"));
        assert!(kept.contains("href=\"/news/articles/vote-copy/\""));
        let copy = &pages["articles/vote-copy/index.html"];
        assert!(copy.contains("href=\"/news/articles/vote-called/\""));
        let result = &pages["articles/vote-result/index.html"];
        assert!(result.contains("tag-auto"), "automatic topic is marked");
    }

    #[test]
    fn feeds_are_dated_by_their_newest_entry_and_limited() {
        let (mut config, corpus, analysis) = sample();
        config.feed_limit = 2;
        let pages = pages_of(&config, &corpus, &analysis);
        let feed = &pages["feed.xml"];
        assert_eq!(feed.matches("<entry>").count(), 2);
        assert!(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
        let updated = feed.split("<updated>").nth(1).unwrap();
        assert!(
            updated.starts_with("2025-03-11T07:30:00Z</updated>"),
            "{updated}"
        );
        assert!(feed
            .contains("<content type=\"html\">&lt;p&gt;Body of vote-result.&lt;/p&gt;</content>"));
        let empty = pages_of(&config, &Corpus::default(), &Analysis::default());
        assert!(empty["feed.xml"].contains("<updated>1970-01-01T00:00:00Z</updated>"));
    }

    #[test]
    fn an_empty_site_still_has_its_fixed_pages() {
        let config = config("");
        let pages = pages_of(&config, &Corpus::default(), &Analysis::default());
        for path in [
            "index.html",
            "topics/index.html",
            "archive/index.html",
            "404.html",
            "feed.xml",
            "sitemap.xml",
        ] {
            assert!(pages.contains_key(path), "{path}");
        }
        assert!(pages["index.html"].contains("No articles yet"));
        assert_eq!(pages["search-index.json"], "[]");
    }

    #[test]
    fn a_site_template_overrides_the_default() {
        let (config, corpus, analysis) = sample();
        let theme = Theme::from_sources(vec![(
            "404.html".into(),
            "{% extends \"base.html\" %}{% block main %}<h1>Lost in {{ site.title }}</h1>{% endblock main %}".into(),
        )])
        .unwrap();
        let pages = render_with(
            &config,
            &corpus,
            &analysis,
            &theme,
            &RenderOptions::default(),
        )
        .unwrap();
        let not_found = pages
            .iter()
            .find(|p| p.path == Path::new("404.html"))
            .unwrap();
        let text = String::from_utf8_lossy(&not_found.bytes);
        assert!(text.contains("<h1>Lost in The Test Digest</h1>"));
        assert!(
            text.contains("<!DOCTYPE html>"),
            "the default base still wraps it"
        );
    }

    #[test]
    fn an_unknown_variable_is_one_diagnostic_with_file_and_line() {
        let (config, corpus, analysis) = sample();
        let theme = Theme::from_sources(vec![
            (
                "article.html".into(),
                "<p>\n{{ article.title }}\n{{ article.headline }}</p>".into(),
            ),
            ("day.html".into(), "{{ day.nope }}".into()),
        ])
        .unwrap();
        let problems = render_with(
            &config,
            &corpus,
            &analysis,
            &theme,
            &RenderOptions::default(),
        )
        .unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].path, PathBuf::from("templates/article.html"));
        assert_eq!(problems[0].line, Some(3));
        assert!(problems[0].message.contains("`article.headline`"));
        assert_eq!(problems[1].path, PathBuf::from("templates/day.html"));
        assert_eq!(problems[1].line, Some(1));
    }

    #[test]
    fn live_reload_script_only_when_asked() {
        let (config, corpus, analysis) = sample();
        let options = RenderOptions { live_reload: true };
        let pages = render_with(
            &config,
            &corpus,
            &analysis,
            &Theme::default_theme(),
            &options,
        )
        .unwrap();
        for page in &pages {
            let text = String::from_utf8_lossy(&page.bytes);
            let is_html = page.path.extension().is_some_and(|e| e == "html");
            assert_eq!(
                text.contains("<script src=\"/news/__digest/live.js\" defer></script>\n</body>"),
                is_html,
                "{}",
                page.path.display()
            );
        }
    }

    #[test]
    fn the_same_input_gives_the_same_bytes() {
        let (config, corpus, analysis) = sample();
        let first = pages_of(&config, &corpus, &analysis);
        let second = pages_of(&config, &corpus, &analysis);
        assert_eq!(first, second);
    }

    /// Every page of a site rendered by Tera from the templates, and as the
    /// renderer does it (the busiest pages without Tera), by path.
    fn tera_and_native(
        config: &Config,
        corpus: &Corpus,
        analysis: &Analysis,
        theme: &Theme,
        sitemap_parts: Option<usize>,
    ) -> (Vec<Page>, Vec<Page>) {
        let digest = crate::group::run(corpus, analysis, config);
        let data = SiteData {
            config,
            corpus,
            analysis,
            digest: &digest,
        };
        let options = RenderOptions::default();
        let mut usual = Renderer::new(data, theme, &options);
        let mut tera_only = Renderer::new(data, theme, &options);
        tera_only.native.clear();
        if let Some(parts) = sitemap_parts {
            usual.sitemap_parts = parts;
            tera_only.sitemap_parts = parts;
        }
        let jobs = usual.jobs();
        (
            render_jobs(&tera_only, theme, &jobs).unwrap(),
            render_jobs(&usual, theme, &jobs).unwrap(),
        )
    }

    /// The sample site and then some: a long thread (hidden timeline
    /// entries), drafts, images, authors, updates, dates without a time,
    /// articles without outlet, link or summary, several and automatic
    /// topics, related stories without reasons, characters to escape.
    fn varied_sample() -> (Config, Corpus, Analysis) {
        let (_, mut corpus, mut analysis) = sample();
        let config = config(
            "paginate = 3\ndescription = \"News <&> \\\"views\\\"\"\nauthor = \"Ed O'Neil\"\n",
        );
        for i in 0..14 {
            let day = 5 + i % 9;
            let mut extra = article(
                &format!("story-{i}"),
                &format!("2025-03-{day:02}T{:02}:15:00+01:00", i % 24),
                &[["Politics", "Economy"][i % 2], "World <news>"][..1 + i % 2],
            );
            extra.title = format!("Story {i}: \"quotes\" & 'apostrophes' <b>");
            match i % 4 {
                0 => {
                    extra.source = None;
                    extra.image = Some("/img/a&b.jpg".into());
                }
                1 => {
                    extra.source_url = None;
                    extra.author = Some("Jo <Smith>".into());
                    extra.draft = true;
                }
                2 => {
                    extra.summary = String::new();
                    extra.source = None;
                    extra.source_url = None;
                    extra.updated = DateTime::parse_from_rfc3339("2025-03-20T10:00:00+00:00").ok();
                }
                _ => {
                    extra.date =
                        DateTime::parse_from_rfc3339(&format!("2025-03-{day:02}T00:00:00+00:00"))
                            .unwrap();
                    extra.local_date = extra.date.date_naive();
                }
            }
            corpus.articles.push(extra);
            analysis.articles.push(crate::analyse::ArticleAnalysis {
                topics: Vec::new(),
                related: Vec::new(),
                thread_idx: None,
                duplicate_of: None,
                duplicates: Vec::new(),
            });
        }
        let n = corpus.articles.len();
        for idx in 5..n {
            let names: Vec<String> = corpus.articles[idx].topics.clone();
            analysis.articles[idx].topics = names
                .into_iter()
                .map(|name| TopicAssignment {
                    name,
                    automatic: false,
                })
                .chain((idx % 3 == 0).then(|| TopicAssignment {
                    name: "General".into(),
                    automatic: true,
                }))
                .collect();
            analysis.articles[idx].related = (1..=idx % 4)
                .map(|k| Related {
                    article_idx: (idx + k * 5) % n,
                    score: 0.3,
                    reasons: (0..k - 1).map(|r| format!("reason <{r}>")).collect(),
                    relation: if k % 2 == 0 {
                        Relation::FollowUp
                    } else {
                        Relation::EarlierCoverage
                    },
                })
                .collect();
        }
        let long: Vec<usize> = (5..n).collect();
        for &idx in &long {
            analysis.articles[idx].thread_idx = Some(1);
        }
        analysis.threads.push(Thread {
            id: "long-story".into(),
            title: "A long <story>".into(),
            article_indices: long,
        });
        analysis.articles[7].duplicate_of = Some(6);
        analysis.articles[8].duplicate_of = Some(6);
        analysis.articles[6].duplicates = vec![7, 8];
        (config, corpus, analysis)
    }

    #[test]
    fn native_pages_match_the_templates() {
        let (config, corpus, analysis) = varied_sample();
        let theme = Theme::default_theme();
        let (tera, native) = tera_and_native(&config, &corpus, &analysis, &theme, None);
        assert_eq!(tera.len(), native.len());
        for (expected, got) in tera.iter().zip(&native) {
            assert_eq!(expected.path, got.path);
            assert_eq!(
                String::from_utf8_lossy(&got.bytes),
                String::from_utf8_lossy(&expected.bytes),
                "{}",
                got.path.display()
            );
        }
        for must in [
            "timeline-more",
            "draft-note",
            "lead-image",
            "tag-auto",
            "pagination-gap",
        ] {
            assert!(
                native
                    .iter()
                    .any(|p| String::from_utf8_lossy(&p.bytes).contains(must)),
                "the sample never shows {must}"
            );
        }
        let (tera, native) = tera_and_native(
            &config,
            &Corpus::default(),
            &Analysis::default(),
            &theme,
            None,
        );
        assert_eq!(tera, native);
        // A sitemap too big for one file: an index and its parts.
        let (tera, native) = tera_and_native(&config, &corpus, &analysis, &theme, Some(2));
        assert!(native.iter().any(|p| p.path == Path::new("sitemap-2.xml")));
        assert_eq!(tera, native);
    }

    #[test]
    fn an_edited_template_sends_its_pages_through_tera() {
        let (config, corpus, analysis) = sample();
        let copy = |name: &str| {
            let text = theme::DEFAULT_TEMPLATES
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap()
                .1;
            (name.to_string(), text.to_string())
        };
        // A site's copy of the defaults (`digest init`) changes nothing.
        let copies = Theme::from_sources(vec![copy("article.html"), copy("base.html")]).unwrap();
        let digest = crate::group::run(&corpus, &analysis, &config);
        let data = SiteData {
            config: &config,
            corpus: &corpus,
            analysis: &analysis,
            digest: &digest,
        };
        let options = RenderOptions::default();
        assert_eq!(
            Renderer::new(data, &copies, &options).native,
            [native::PAGES, native::STANDALONE].concat()
        );
        let (name, text) = copy("macros.html");
        let edited =
            Theme::from_sources(vec![(name, text.replace("min read", "minutes"))]).unwrap();
        assert_eq!(
            Renderer::new(data, &edited, &options).native,
            native::STANDALONE.to_vec()
        );
        let pages = render_with(&config, &corpus, &analysis, &edited, &options).unwrap();
        let article = pages
            .iter()
            .find(|p| p.path == Path::new("articles/vote-held/index.html"))
            .unwrap();
        assert!(String::from_utf8_lossy(&article.bytes).contains("1 minutes"));
    }

    #[test]
    fn archive_calendar_starts_on_monday_and_links_days() {
        let (config, corpus, analysis) = sample();
        let pages = pages_of(&config, &corpus, &analysis);
        let archive = &pages["archive/index.html"];
        // March 2025 starts on a Saturday: five empty cells first.
        assert!(
            archive.contains(
                "<tr><td></td><td></td><td></td><td></td><td></td><td>1</td><td>2</td></tr>"
            ),
            "{archive}"
        );
        assert!(archive.contains("<a href=\"/news/days/2025-03-04/\" title=\"2 articles\"><time datetime=\"2025-03-04\">4</time></a>"));
    }

    /// Runs `check` on a renderer of the sample site with the default theme.
    fn with_sample_renderer(check: impl FnOnce(&mut Renderer)) {
        let (config, corpus, analysis) = sample();
        let digest = crate::group::run(&corpus, &analysis, &config);
        let data = SiteData {
            config: &config,
            corpus: &corpus,
            analysis: &analysis,
            digest: &digest,
        };
        let theme = Theme::default_theme();
        let options = RenderOptions::default();
        check(&mut Renderer::new(data, &theme, &options));
    }

    #[test]
    fn the_sitemap_count_matches_its_list() {
        with_sample_renderer(|renderer| {
            assert_eq!(renderer.sitemap_urls().len(), renderer.sitemap_len());
        });
    }

    #[test]
    fn big_sitemaps_are_split_into_an_index() {
        with_sample_renderer(|renderer| {
            renderer.sitemap_parts = 2;
            let index = renderer.render(Job::Sitemap { part: None }).unwrap();
            let text = String::from_utf8(index.bytes).unwrap();
            assert!(text.contains("<sitemapindex"));
            assert!(text.contains("<loc>https://example.org/news/sitemap-2.xml</loc>"));
            let part = renderer.render(Job::Sitemap { part: Some(1) }).unwrap();
            assert_eq!(part.path, PathBuf::from("sitemap-1.xml"));
            assert!(String::from_utf8(part.bytes).unwrap().contains("<urlset"));
        });
    }
}
