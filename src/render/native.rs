//! The default theme's busiest pages (articles, topics, days, weeks,
//! months, threads: over 95% of a site's pages), its feeds and its sitemap,
//! written straight into bytes: byte for byte what Tera makes of
//! `templates/`, about ten times faster (no JSON context per page, no
//! variable lookups by string path, no macro calls).
//!
//! Part of stage 5 (render). It is used for a page only while its template
//! (and, for an HTML page, `base.html` and `macros.html`) is the built-in
//! one or a site's copy identical to it, as `digest init` writes: an edited
//! template sends its pages back through Tera with the variables of
//! docs/templates.md. Each function below mirrors one template or macro
//! and names it; a change to a default template needs the same change
//! here, and the unit test `native_pages_match_the_templates` fails until
//! both agree.

use std::fmt::Write as _;

use super::view::{
    ArticleView, CardView, DayView, EscapedCard, FeedView, GroupView, MonthView, NavLink, PageMeta,
    Pagination, SiteView, SitemapUrl, ThreadView, TopicLink, WeekView,
};
use crate::content::text::escape_html_into;

/// HTML templates this module can stand in for.
pub(super) const PAGES: &[&str] = &[
    "article.html",
    "topic.html",
    "day.html",
    "week.html",
    "thread.html",
    "month.html",
];

/// Templates every page of [`PAGES`] also uses.
pub(super) const SHARED: &[&str] = &["base.html", "macros.html"];

/// Templates this module can stand in for that use no other.
pub(super) const STANDALONE: &[&str] = &["feed.xml", "sitemap.xml"];

/// The site-wide parts of `base.html`, escaped and joined once per render.
pub(super) struct Frame {
    /// `site.title`, escaped.
    title: String,
    /// From `<meta name="color-scheme"` to just before `<link
    /// rel="canonical"`.
    generator_meta: String,
    /// The site feed's `<link rel="alternate">` line.
    feed_link: String,
    /// The stylesheet's `<link>` line.
    stylesheet_link: String,
    /// From the skip link to `<div class="wrap">` of `<main>`, for a page
    /// that is none of the three the main navigation marks as current.
    header: String,
    /// From the end of `<main>` to `</html>`.
    footer: String,
}

impl Frame {
    /// The frame of every page of `site`.
    pub(super) fn new(site: &SiteView<'_>) -> Self {
        let mut title = String::new();
        esc(&mut title, site.title);

        let mut generator_meta = String::from(
            "<meta name=\"color-scheme\" content=\"light dark\">\n<meta name=\"generator\" content=\"",
        );
        esc(&mut generator_meta, site.generator);
        generator_meta.push_str("\">\n");

        let mut feed_link =
            String::from("<link rel=\"alternate\" type=\"application/atom+xml\" title=\"");
        feed_link.push_str(&title);
        feed_link.push_str("\" href=\"");
        esc(&mut feed_link, &site.feed_url);
        feed_link.push_str("\">\n");

        let mut stylesheet_link = String::from("<link rel=\"stylesheet\" href=\"");
        esc(&mut stylesheet_link, &site.stylesheet_url);
        stylesheet_link.push_str("\">\n");

        let mut h = String::from(
            "<a class=\"skip-link\" href=\"#main\">Skip to content</a>\n<header class=\"site-header\">\n<div class=\"wrap masthead\">\n<a class=\"brand\" href=\"",
        );
        esc(&mut h, &site.home_url);
        h.push_str("\">");
        h.push_str(&title);
        h.push_str("</a>\n<nav class=\"site-nav\" aria-label=\"Main\">\n<ul>\n<li><a href=\"");
        esc(&mut h, &site.home_url);
        h.push_str("\">Latest</a></li>\n<li><a href=\"");
        esc(&mut h, &site.topics_url);
        h.push_str("\">Topics</a></li>\n<li><a href=\"");
        esc(&mut h, &site.archive_url);
        h.push_str("\">Archive</a></li>\n<li><a href=\"");
        esc(&mut h, &site.feed_url);
        h.push_str("\">Feed</a></li>\n</ul>\n</nav>\n</div>\n");
        if !site.nav_topics.is_empty() {
            h.push_str(
                "<nav class=\"topic-bar\" aria-label=\"Popular topics\">\n<ul class=\"wrap\">\n",
            );
            for topic in &site.nav_topics {
                h.push_str("<li><a href=\"");
                esc(&mut h, &topic.url);
                h.push_str("\">");
                esc(&mut h, topic.name);
                h.push_str("</a></li>\n");
            }
            h.push_str("</ul>\n</nav>\n");
        }
        h.push_str("</header>\n<main id=\"main\" tabindex=\"-1\">\n<div class=\"wrap\">\n");

        let mut f = String::from(
            "\n</div>\n</main>\n<footer class=\"site-footer\">\n<div class=\"wrap\">\n<p class=\"footer-title\"><a href=\"",
        );
        esc(&mut f, &site.home_url);
        f.push_str("\">");
        f.push_str(&title);
        f.push_str("</a>");
        if !site.description.is_empty() {
            f.push_str(" · ");
            esc(&mut f, site.description);
        }
        let _ = write!(
            f,
            "</p>\n<p>{} article{} in {} topic{}",
            site.n_articles,
            plural(site.n_articles),
            site.n_topics,
            plural(site.n_topics)
        );
        if let Some(newest) = &site.newest {
            f.push_str(", latest on <time datetime=\"");
            esc(&mut f, &newest.day);
            f.push_str("\">");
            esc(&mut f, &newest.human);
            f.push_str("</time>");
        }
        f.push_str(".\n<a href=\"");
        esc(&mut f, &site.feed_url);
        f.push_str("\">Atom feed</a> · <a href=\"");
        esc(&mut f, &site.archive_url);
        f.push_str("\">Archive</a></p>\n<p class=\"generator\">Made with ");
        esc(&mut f, site.generator);
        f.push_str("</p>\n</div>\n</footer>\n</body>\n</html>\n");

        Self {
            title,
            generator_meta,
            feed_link,
            stylesheet_link,
            header: h,
            footer: f,
        }
    }

    /// `base.html` around a page's `head` and `main` blocks. `meta.kind`
    /// is never `front`, `topics` or `archive` here (their navigation
    /// links are marked current, and their pages go through Tera).
    fn page(
        &self,
        meta: &PageMeta,
        size_hint: usize,
        head: impl FnOnce(&mut String),
        main: impl FnOnce(&mut String),
    ) -> Vec<u8> {
        let mut out = String::with_capacity(size_hint + self.header.len() + self.footer.len());
        out.push_str("<!DOCTYPE html>\n<html lang=\"");
        esc(&mut out, &meta.lang);
        out.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
        esc(&mut out, &meta.title);
        out.push_str(" · ");
        out.push_str(&self.title);
        out.push_str("</title>\n");
        if !meta.description.is_empty() {
            out.push_str("<meta name=\"description\" content=\"");
            esc(&mut out, &meta.description);
            out.push_str("\">\n");
        }
        out.push_str(&self.generator_meta);
        out.push_str("<link rel=\"canonical\" href=\"");
        esc(&mut out, &meta.permalink);
        out.push_str("\">\n");
        if let Some(prev) = truthy(meta.rel_prev.as_deref()) {
            out.push_str("<link rel=\"prev\" href=\"");
            esc(&mut out, prev);
            out.push_str("\">\n");
        }
        if let Some(next) = truthy(meta.rel_next.as_deref()) {
            out.push_str("<link rel=\"next\" href=\"");
            esc(&mut out, next);
            out.push_str("\">\n");
        }
        out.push_str(&self.feed_link);
        if let Some(feed) = truthy(meta.feed_url.as_deref()) {
            out.push_str("<link rel=\"alternate\" type=\"application/atom+xml\" title=\"");
            esc(&mut out, &meta.title);
            out.push_str(" · ");
            out.push_str(&self.title);
            out.push_str("\" href=\"");
            esc(&mut out, feed);
            out.push_str("\">\n");
        }
        out.push_str(&self.stylesheet_link);
        head(&mut out);
        out.push_str("\n</head>\n<body class=\"page-");
        esc(&mut out, meta.kind);
        out.push_str("\">\n");
        out.push_str(&self.header);
        main(&mut out);
        out.push_str(&self.footer);
        out.into_bytes()
    }
}

/// `article.html`.
pub(super) fn article(frame: &Frame, meta: &PageMeta, article: &ArticleView<'_>) -> Vec<u8> {
    let card = article.card;
    let head = |out: &mut String| {
        out.push_str("<meta property=\"og:title\" content=\"");
        out.push_str(&card.escaped.title);
        out.push_str("\">\n<meta property=\"og:type\" content=\"article\">\n<meta property=\"og:url\" content=\"");
        esc(out, &article.permalink);
        out.push_str("\">\n");
        if let Some(image) = truthy(card.image) {
            out.push_str("<meta property=\"og:image\" content=\"");
            esc(out, image);
            out.push_str("\">\n");
        }
    };
    let main = |out: &mut String| {
        out.push_str("\n<div class=\"article-layout\">\n<article class=\"story\">\n<header class=\"story-header\">\n");
        if !card.topics.is_empty() {
            out.push_str("<p class=\"kicker\">");
            topic_tags(out, card);
            out.push_str("</p>\n");
        }
        out.push_str("<h1>");
        out.push_str(&card.escaped.title);
        out.push_str("</h1>\n");
        let author = truthy(card.author);
        let source = truthy(card.source);
        if author.is_some() || source.is_some() {
            out.push_str("<p class=\"byline\">");
            if let Some(author) = author {
                out.push_str("By <span class=\"author\">");
                esc(out, author);
                out.push_str("</span>");
            }
            if author.is_some() && source.is_some() {
                out.push_str(" · ");
            }
            if let Some(source) = source {
                match truthy(card.source_url) {
                    Some(url) => {
                        out.push_str("<a href=\"");
                        esc(out, url);
                        out.push_str("\">");
                        esc(out, source);
                        out.push_str("</a>");
                    }
                    None => esc(out, source),
                }
            }
            out.push_str("</p>");
        }
        out.push_str("\n<p class=\"dateline\"><time datetime=\"");
        esc(out, &card.date.iso);
        out.push_str("\">");
        esc(out, &card.date.human);
        if let Some(time) = truthy(card.date.time.as_deref()) {
            out.push_str(", ");
            esc(out, time);
        }
        out.push_str("</time>");
        if let Some(updated) = &card.updated {
            out.push_str(" · updated <time datetime=\"");
            esc(out, &updated.iso);
            out.push_str("\">");
            esc(out, &updated.human);
            out.push_str("</time>");
        }
        let _ = writeln!(out, " · {} min read</p>", card.reading_minutes);
        if card.draft {
            out.push_str(
                "<p class=\"draft-note\">Draft: not published without <code>--drafts</code>.</p>\n",
            );
        }
        out.push_str("</header>\n");
        if let Some(image) = truthy(card.image) {
            out.push_str("<img class=\"lead-image\" src=\"");
            esc(out, image);
            out.push_str("\" alt=\"\">\n");
        }
        out.push_str("<div class=\"story-body\">\n");
        out.push_str(&article.body_html);
        out.push_str("\n</div>\n");
        if let Some(url) = truthy(card.source_url) {
            out.push_str("<p class=\"original\">Read the original ");
            out.push_str(if source.is_some() { "at " } else { "" });
            out.push_str("<a href=\"");
            esc(out, url);
            out.push_str("\">");
            match source {
                Some(source) => esc(out, source),
                None => out.push_str("article"),
            }
            out.push_str("</a></p>\n");
        }
        if !card.also_reported_by.is_empty() {
            out.push_str("<section class=\"also-box\" aria-labelledby=\"also-heading\">\n<h2 id=\"also-heading\">Also reported by</h2>\n<ul>\n");
            for copy in &card.also_reported_by {
                out.push_str("<li><a href=\"");
                esc(out, &copy.url);
                out.push_str("\">");
                let source = truthy(copy.source);
                esc(out, source.unwrap_or(copy.title));
                out.push_str("</a>");
                if source.is_some() {
                    out.push_str(": ");
                    esc(out, copy.title);
                }
                out.push_str("</li>\n");
            }
            out.push_str("</ul>\n</section>\n");
        }
        out.push_str("</article>\n<div class=\"story-aside\">\n");
        if let Some(thread) = &article.thread_box {
            out.push_str("<section class=\"thread-box\" aria-labelledby=\"thread-heading\">\n<h2 id=\"thread-heading\">Follow this story</h2>\n<p class=\"thread-name\"><a href=\"");
            esc(out, &thread.url);
            out.push_str("\">");
            esc(out, thread.title);
            let _ = write!(
                out,
                "</a></p>\n<p class=\"thread-count\">Article {} of {}</p>\n<ol class=\"timeline\">\n",
                thread.position, thread.n_articles
            );
            if thread.n_earlier_hidden > 0 {
                out.push_str("<li class=\"timeline-more\"><a href=\"");
                esc(out, &thread.url);
                let n = thread.n_earlier_hidden;
                let _ = writeln!(out, "\">{n} earlier article{}</a></li>", plural(n));
            }
            for entry in &thread.entries {
                let escaped = entry.article.escaped;
                out.push_str(if entry.current {
                    "<li class=\"timeline-current\" aria-current=\"page\">"
                } else {
                    "<li>"
                });
                out.push_str(&escaped.dateline[..escaped.time_end]);
                out.push(' ');
                if entry.current {
                    out.push_str("<span class=\"timeline-title\">");
                    out.push_str(&escaped.title);
                    out.push_str("</span>");
                } else {
                    out.push_str("<a href=\"");
                    out.push_str(&escaped.url);
                    out.push_str("\">");
                    out.push_str(&escaped.title);
                    out.push_str("</a>");
                }
                out.push_str("</li>\n");
            }
            if thread.n_later_hidden > 0 {
                out.push_str("<li class=\"timeline-more\"><a href=\"");
                esc(out, &thread.url);
                let n = thread.n_later_hidden;
                let _ = writeln!(out, "\">{n} later article{}</a></li>", plural(n));
            }
            out.push_str("</ol>\n<p class=\"thread-all\"><a href=\"");
            esc(out, &thread.url);
            out.push_str("\">The whole story as a timeline →</a></p>\n</section>\n");
        }
        if !article.related.is_empty() {
            out.push_str("<section class=\"related\" aria-labelledby=\"related-heading\">\n<h2 id=\"related-heading\">Related stories</h2>\n<ol>\n");
            for related in &article.related {
                out.push_str("<li class=\"related-item\">\n<span class=\"relation relation-");
                esc(out, related.relation);
                out.push_str("\">");
                esc(out, related.relation_label);
                out.push_str("</span>\n<a class=\"related-title\" href=\"");
                out.push_str(&related.article.escaped.url);
                out.push_str("\">");
                out.push_str(&related.article.escaped.title);
                out.push_str("</a>\n<span class=\"meta\">");
                out.push_str(&related.article.escaped.dateline);
                out.push_str("</span>\n");
                if !related.reasons.is_empty() {
                    out.push_str("<span class=\"reasons\">Shared: ");
                    for (i, reason) in related.reasons.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        out.push_str("<span class=\"reason\">");
                        esc(out, reason);
                        out.push_str("</span>");
                    }
                    out.push_str("</span>\n");
                }
                out.push_str("</li>\n");
            }
            out.push_str("</ol>\n</section>\n");
        }
        out.push_str("</div>\n</div>\n");
        if article.previous.is_some() || article.next.is_some() {
            out.push_str("<nav class=\"pager\" aria-label=\"Earlier and later articles\">\n");
            pager_list(
                out,
                article.previous.as_ref().map(|a| a.escaped.link()),
                article.next.as_ref().map(|a| a.escaped.link()),
                true,
            );
        }
        if let Some(topic) = article.primary_topic {
            if article.previous_in_topic.is_some() || article.next_in_topic.is_some() {
                out.push_str("<nav class=\"pager pager-topic\" aria-label=\"More in ");
                esc(out, topic.name);
                out.push_str("\">\n<p class=\"pager-label\">More in <a href=\"");
                esc(out, &topic.url);
                out.push_str("\">");
                esc(out, topic.name);
                out.push_str("</a></p>\n");
                pager_list(
                    out,
                    article.previous_in_topic.as_ref().map(|a| a.escaped.link()),
                    article.next_in_topic.as_ref().map(|a| a.escaped.link()),
                    false,
                );
            }
        }
        out.push('\n');
    };
    frame.page(meta, article.body_html.len() + 8 * 1024, head, main)
}

/// `topic.html`.
pub(super) fn topic(
    frame: &Frame,
    site: &SiteView<'_>,
    meta: &PageMeta,
    topic: &TopicLink<'_>,
    articles: &[&CardView<'_>],
    pagination: &Pagination,
) -> Vec<u8> {
    let main = |out: &mut String| {
        out.push_str("\n<header class=\"page-header\">\n<p class=\"kicker\"><a href=\"");
        esc(out, &site.topics_url);
        out.push_str("\">Topics</a></p>\n<h1>");
        esc(out, topic.name);
        let _ = write!(
            out,
            "</h1>\n<p class=\"lede\">{} article{}, newest first",
            topic.n_articles,
            plural(topic.n_articles)
        );
        if pagination.total > 1 {
            let _ = write!(
                out,
                " · page {} of {}",
                pagination.current, pagination.total
            );
        }
        out.push_str(" · <a href=\"");
        esc(out, &topic.feed_url);
        out.push_str("\">feed</a></p>\n</header>\n<div class=\"card-list\">\n");
        for card in articles {
            card_macro(out, card, 2, true, false, true);
        }
        out.push_str("\n</div>\n");
        if articles.is_empty() {
            out.push_str("<p class=\"empty\">Every article of this topic is a copy of a story listed elsewhere.</p>\n");
        }
        if pagination.total > 1 {
            out.push_str("<nav class=\"pagination\" aria-label=\"Pages of ");
            esc(out, topic.name);
            out.push_str("\">\n<ul>\n");
            if let Some(previous) = truthy(pagination.previous_url.as_deref()) {
                out.push_str("<li><a href=\"");
                esc(out, previous);
                out.push_str("\" rel=\"prev\">← Newer</a></li>\n");
            }
            for number in &pagination.pages {
                if number.gap_before {
                    out.push_str("<li class=\"pagination-gap\" aria-hidden=\"true\">…</li>\n");
                }
                if number.current {
                    let _ = write!(
                        out,
                        "<li><span aria-current=\"page\">{}</span>",
                        number.number
                    );
                } else {
                    out.push_str("<li><a href=\"");
                    esc(out, &number.url);
                    let _ = write!(out, "\">{}</a>", number.number);
                }
                out.push_str("</li>\n");
            }
            if let Some(next) = truthy(pagination.next_url.as_deref()) {
                out.push_str("<li><a href=\"");
                esc(out, next);
                out.push_str("\" rel=\"next\">Older →</a></li>\n");
            }
            out.push_str("</ul>\n</nav>\n");
        }
        out.push('\n');
    };
    frame.page(meta, articles.len() * 1024 + 4096, |_| {}, main)
}

/// `day.html`.
pub(super) fn day(
    frame: &Frame,
    site: &SiteView<'_>,
    meta: &PageMeta,
    day: &DayView<'_>,
    previous: Option<&NavLink>,
    next: Option<&NavLink>,
) -> Vec<u8> {
    let (date, n_articles) = (&day.date, day.n_articles);
    let main = |out: &mut String| {
        archive_header(out, site);
        out.push_str("<time datetime=\"");
        esc(out, &date.iso);
        out.push_str("\">");
        esc(out, &date.human);
        let _ = write!(
            out,
            "</time></h1>\n<p class=\"lede\">{n_articles} article{}</p>\n</header>\n",
            plural(n_articles)
        );
        groups_macro(out, &day.groups, 2);
        out.push('\n');
        neighbours_macro(out, previous, next, "Earlier and later days");
        out.push('\n');
    };
    frame.page(meta, n_articles * 1024 + 4096, |_| {}, main)
}

/// `week.html`.
pub(super) fn week(
    frame: &Frame,
    site: &SiteView<'_>,
    meta: &PageMeta,
    week: &WeekView<'_>,
    previous: Option<&NavLink>,
    next: Option<&NavLink>,
) -> Vec<u8> {
    let main = |out: &mut String| {
        archive_header(out, site);
        esc(out, &week.label);
        out.push_str("</h1>\n<p class=\"lede\"><time datetime=\"");
        esc(out, week.id);
        out.push_str("\">");
        esc(out, &week.range);
        let _ = writeln!(
            out,
            "</time> · {} article{}</p>",
            week.n_articles,
            plural(week.n_articles)
        );
        if !week.days.is_empty() {
            out.push_str("<ul class=\"inline-list\">\n");
            for day in &week.days {
                out.push_str("<li><a href=\"");
                esc(out, &day.url);
                out.push_str("\"><time datetime=\"");
                esc(out, &day.date.iso);
                out.push_str("\">");
                esc(out, &day.date.human);
                let _ = writeln!(
                    out,
                    "</time></a> <span class=\"count\">{}</span></li>",
                    day.n_articles
                );
            }
            out.push_str("</ul>\n");
        }
        out.push_str("</header>\n");
        groups_macro(out, &week.groups, 2);
        out.push('\n');
        neighbours_macro(out, previous, next, "Earlier and later weeks");
        out.push('\n');
    };
    frame.page(meta, week.n_articles * 1024 + 4096, |_| {}, main)
}

/// `thread.html`.
pub(super) fn thread(frame: &Frame, meta: &PageMeta, thread: &ThreadView<'_>) -> Vec<u8> {
    let main = |out: &mut String| {
        out.push_str(
            "\n<header class=\"page-header\">\n<p class=\"kicker\">Story thread</p>\n<h1>",
        );
        esc(out, thread.title);
        let _ = write!(
            out,
            "</h1>\n<p class=\"lede\">{} article{}",
            thread.n_articles,
            plural(thread.n_articles)
        );
        if let (Some(first), Some(last)) = (&thread.first, &thread.last) {
            out.push_str(", from <time datetime=\"");
            esc(out, &first.iso);
            out.push_str("\">");
            esc(out, &first.human);
            out.push_str("</time> to <time datetime=\"");
            esc(out, &last.iso);
            out.push_str("\">");
            esc(out, &last.human);
            out.push_str("</time>");
        }
        out.push_str(", oldest first</p>\n</header>\n<ol class=\"timeline timeline-full\">\n");
        for card in &thread.articles {
            out.push_str("<li>\n<p class=\"timeline-date\"><time datetime=\"");
            esc(out, &card.date.iso);
            out.push_str("\">");
            esc(out, &card.date.human);
            out.push_str("</time></p>\n");
            card_macro(out, card, 2, true, true, false);
            out.push_str("\n</li>\n");
        }
        out.push_str("</ol>\n");
    };
    frame.page(meta, thread.articles.len() * 1024 + 4096, |_| {}, main)
}

/// `month.html`.
pub(super) fn month(
    frame: &Frame,
    site: &SiteView<'_>,
    meta: &PageMeta,
    month: &MonthView<'_>,
    previous: Option<&NavLink>,
    next: Option<&NavLink>,
) -> Vec<u8> {
    let main = |out: &mut String| {
        archive_header(out, site);
        out.push_str("<time datetime=\"");
        esc(out, &month.iso);
        out.push_str("\">");
        esc(out, &month.name);
        let n_days = month.days.len();
        let _ = write!(
            out,
            "</time></h1>\n<p class=\"lede\">{} article{} on {n_days} day{}</p>\n</header>\n<div class=\"month-layout\">\n<div class=\"calendars\">",
            month.n_articles,
            plural(month.n_articles),
            plural(n_days)
        );
        calendar_macro(out, month, false);
        out.push_str("</div>\n<div class=\"month-days\">\n");
        for day in &month.days {
            out.push_str("<section class=\"month-day\">\n<h2><a href=\"");
            esc(out, &day.url);
            out.push_str("\"><time datetime=\"");
            esc(out, &day.date.iso);
            out.push_str("\">");
            esc(out, &day.date.human);
            out.push_str("</time></a></h2>\n<ul class=\"headlines\">\n");
            for card in &day.articles {
                out.push_str("<li><a href=\"");
                out.push_str(&card.escaped.url);
                out.push_str("\">");
                out.push_str(&card.escaped.title);
                out.push_str("</a>");
                if let Some(source) = truthy(card.source) {
                    out.push_str(" <span class=\"source\">");
                    esc(out, source);
                    out.push_str("</span>");
                }
                out.push_str("</li>\n");
            }
            out.push_str("</ul>\n</section>\n");
        }
        out.push_str("</div>\n</div>\n");
        neighbours_macro(out, previous, next, "Earlier and later months");
        out.push('\n');
    };
    frame.page(meta, month.n_articles * 256 + 8192, |_| {}, main)
}

/// `feed.xml`.
pub(super) fn feed(site: &SiteView<'_>, feed: &FeedView<'_>) -> Vec<u8> {
    let size: usize = feed
        .entries
        .iter()
        .map(|e| e.content_html.len() + e.summary.len() + 1024)
        .sum();
    let mut out = String::with_capacity(size + 1024);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"");
    esc(&mut out, feed.lang);
    out.push_str("\">\n<title>");
    esc(&mut out, &feed.title);
    out.push_str("</title>\n");
    if !feed.subtitle.is_empty() {
        out.push_str("<subtitle>");
        esc(&mut out, feed.subtitle);
        out.push_str("</subtitle>\n");
    }
    out.push_str("<id>");
    esc(&mut out, &feed.id);
    out.push_str("</id>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"");
    esc(&mut out, &feed.self_url);
    out.push_str("\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
    esc(&mut out, &feed.alternate_url);
    out.push_str("\"/>\n<updated>");
    esc(&mut out, &feed.updated);
    out.push_str("</updated>\n<author><name>");
    esc(&mut out, truthy(site.author).unwrap_or(site.title));
    out.push_str("</name></author>\n<generator>");
    esc(&mut out, site.generator);
    out.push_str("</generator>\n");
    for entry in &feed.entries {
        out.push_str("<entry>\n<title>");
        esc(&mut out, entry.title);
        out.push_str("</title>\n<id>");
        esc(&mut out, &entry.id);
        out.push_str("</id>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
        esc(&mut out, &entry.url);
        out.push_str("\"/>\n<published>");
        esc(&mut out, &entry.published);
        out.push_str("</published>\n<updated>");
        esc(&mut out, &entry.updated);
        out.push_str("</updated>\n");
        if let Some(author) = truthy(entry.author) {
            out.push_str("<author><name>");
            esc(&mut out, author);
            out.push_str("</name></author>\n");
        }
        for topic in &entry.topics {
            out.push_str("<category term=\"");
            esc(&mut out, topic);
            out.push_str("\"/>\n");
        }
        if !entry.summary.is_empty() {
            out.push_str("<summary>");
            esc(&mut out, entry.summary);
            out.push_str("</summary>\n");
        }
        out.push_str("<content type=\"html\">");
        esc(&mut out, &entry.content_html);
        out.push_str("</content>\n</entry>\n");
    }
    out.push_str("</feed>\n");
    out.into_bytes()
}

/// `sitemap.xml`: an index of `sitemaps` when there are any, else the
/// list of `urls`.
pub(super) fn sitemap(urls: &[SitemapUrl], sitemaps: &[String]) -> Vec<u8> {
    let mut out = String::with_capacity(urls.len() * 96 + sitemaps.len() * 96 + 256);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    if sitemaps.is_empty() {
        out.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for url in urls {
            out.push_str("<url><loc>");
            esc(&mut out, &url.loc);
            out.push_str("</loc>");
            if let Some(lastmod) = truthy(url.lastmod.as_deref()) {
                out.push_str("<lastmod>");
                esc(&mut out, lastmod);
                out.push_str("</lastmod>");
            }
            out.push_str("</url>\n");
        }
        out.push_str("</urlset>\n");
    } else {
        out.push_str("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for sitemap in sitemaps {
            out.push_str("<sitemap><loc>");
            esc(&mut out, sitemap);
            out.push_str("</loc></sitemap>\n");
        }
        out.push_str("</sitemapindex>\n");
    }
    out.push('\n');
    out.into_bytes()
}

/// The opening of a day, week or month page's header, up to the open
/// `<h1>`: the kicker links back to the archive.
fn archive_header(out: &mut String, site: &SiteView<'_>) {
    out.push_str("\n<header class=\"page-header\">\n<p class=\"kicker\"><a href=\"");
    esc(out, &site.archive_url);
    out.push_str("\">Archive</a></p>\n<h1>");
}

/// `macros.html`: `calendar`.
fn calendar_macro(out: &mut String, month: &MonthView<'_>, link_caption: bool) {
    out.push_str("\n<table class=\"calendar\">\n<caption>");
    if link_caption {
        out.push_str("<a href=\"");
        esc(out, &month.url);
        out.push_str("\">");
        esc(out, &month.name);
        out.push_str("</a>");
    } else {
        esc(out, &month.name);
    }
    let _ = write!(
        out,
        " <span class=\"count\">{}</span></caption>\n<thead><tr><th scope=\"col\" abbr=\"Monday\">M</th><th scope=\"col\" abbr=\"Tuesday\">T</th><th scope=\"col\" abbr=\"Wednesday\">W</th><th scope=\"col\" abbr=\"Thursday\">T</th><th scope=\"col\" abbr=\"Friday\">F</th><th scope=\"col\" abbr=\"Saturday\">S</th><th scope=\"col\" abbr=\"Sunday\">S</th></tr></thead>\n<tbody>\n",
        month.n_articles
    );
    for week in &month.weeks {
        out.push_str("<tr>");
        for cell in week {
            match cell {
                Some(cell) => match truthy(cell.url.as_deref()) {
                    Some(url) => {
                        out.push_str("<td class=\"has-articles\"><a href=\"");
                        esc(out, url);
                        let _ = write!(
                            out,
                            "\" title=\"{} article{}\"><time datetime=\"",
                            cell.n_articles,
                            plural(cell.n_articles)
                        );
                        esc(out, &cell.iso);
                        let _ = write!(out, "\">{}</time></a></td>", cell.day);
                    }
                    None => {
                        let _ = write!(out, "<td>{}</td>", cell.day);
                    }
                },
                None => out.push_str("<td></td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// `macros.html`: `card`.
fn card_macro(
    out: &mut String,
    card: &CardView<'_>,
    level: usize,
    summary: bool,
    tags: bool,
    thread: bool,
) {
    let _ = write!(
        out,
        "\n<article class=\"card\">\n<h{level} class=\"card-title\"><a href=\""
    );
    out.push_str(&card.escaped.url);
    out.push_str("\">");
    out.push_str(&card.escaped.title);
    let _ = write!(out, "</a></h{level}>\n<p class=\"meta\">");
    out.push_str(&card.escaped.dateline);
    out.push_str("</p>\n");
    if summary && !card.summary.is_empty() {
        out.push_str("<p class=\"summary\">");
        out.push_str(&card.escaped.summary);
        out.push_str("</p>\n");
    }
    if tags && !card.topics.is_empty() {
        out.push_str("<p class=\"tags\">");
        topic_tags(out, card);
        out.push_str("</p>\n");
    }
    also_reported(out, card);
    if let Some(story) = card.thread.as_ref().filter(|_| thread) {
        out.push_str("\n<p class=\"story-link\"><a href=\"");
        esc(out, &story.url);
        let _ = write!(
            out,
            "\">Follow the story · {} articles</a></p>",
            story.n_articles
        );
    }
    out.push_str("\n</article>\n");
}

/// `macros.html`: `groups`.
fn groups_macro(out: &mut String, groups: &[GroupView<'_>], level: usize) {
    out.push_str("\n<div class=\"groups\">\n");
    for group in groups {
        let _ = write!(
            out,
            "\n<section class=\"group\">\n<h{level} class=\"group-title\"><a href=\""
        );
        esc(out, &group.topic.url);
        out.push_str("\">");
        esc(out, group.topic.name);
        let _ = writeln!(out, "</a></h{level}>");
        for (i, card) in group.articles.iter().enumerate() {
            card_macro(out, card, level + 1, i == 0, false, true);
        }
        out.push_str("\n</section>\n");
    }
    out.push_str("\n</div>\n");
}

/// `macros.html`: `neighbours`.
fn neighbours_macro(
    out: &mut String,
    previous: Option<&NavLink>,
    next: Option<&NavLink>,
    label: &str,
) {
    if previous.is_none() && next.is_none() {
        return;
    }
    out.push_str("\n<nav class=\"pager\" aria-label=\"");
    esc(out, label);
    out.push_str("\">\n");
    let escaped = |link: &NavLink| {
        let (mut url, mut label) = (String::new(), String::new());
        esc(&mut url, &link.url);
        esc(&mut label, &link.label);
        (url, label)
    };
    let (previous, next) = (previous.map(escaped), next.map(escaped));
    pager_list(
        out,
        previous.as_ref().map(|(u, l)| (u.as_str(), l.as_str())),
        next.as_ref().map(|(u, l)| (u.as_str(), l.as_str())),
        true,
    );
}

/// The list every pager shows, from `<ul>` to the pager's `</nav>`: the
/// earlier and the later link as (url, text), both already HTML-escaped,
/// each slot present even when empty so the two stay in their columns;
/// `rel` marks them `prev`/`next` (only the site's main sequence of pages
/// does).
fn pager_list(
    out: &mut String,
    previous: Option<(&str, &str)>,
    next: Option<(&str, &str)>,
    rel: bool,
) {
    out.push_str("<ul>\n");
    for (class, link, rel_value, direction) in [
        ("pager-prev", previous, "prev", "← Earlier"),
        ("pager-next", next, "next", "Later →"),
    ] {
        out.push_str("<li class=\"");
        out.push_str(class);
        out.push_str("\">");
        if let Some((url, text)) = link {
            out.push_str("<a href=\"");
            out.push_str(url);
            out.push('"');
            if rel {
                out.push_str(" rel=\"");
                out.push_str(rel_value);
                out.push('"');
            }
            out.push_str("><span class=\"pager-dir\">");
            out.push_str(direction);
            out.push_str("</span> ");
            out.push_str(text);
            out.push_str("</a>");
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n</nav>\n");
}

/// The fields of `card` that pages show most, escaped (see
/// [`EscapedCard`]).
pub(super) fn escaped_card(card: &CardView<'_>) -> EscapedCard {
    let escaped = |text: &str| {
        let mut out = String::with_capacity(text.len());
        esc(&mut out, text);
        out
    };
    // `macros.html`'s `dateline`: the time, then the source and the
    // reading time.
    let mut dateline = String::with_capacity(96);
    dateline.push_str("<time datetime=\"");
    esc(&mut dateline, &card.date.iso);
    dateline.push_str("\">");
    esc(&mut dateline, &card.date.short);
    dateline.push_str("</time>");
    let time_end = dateline.len();
    if let Some(source) = truthy(card.source) {
        dateline.push_str(" · <span class=\"source\">");
        esc(&mut dateline, source);
        dateline.push_str("</span>");
    }
    let _ = write!(dateline, " · {} min read", card.reading_minutes);
    EscapedCard {
        title: escaped(card.title),
        url: escaped(&card.url),
        summary: escaped(card.summary),
        dateline,
        time_end,
    }
}

/// `macros.html`: `topic_tags`.
fn topic_tags(out: &mut String, card: &CardView<'_>) {
    for (i, topic) in card.topics.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(if topic.automatic {
            "<a class=\"tag tag-auto\" href=\""
        } else {
            "<a class=\"tag\" href=\""
        });
        esc(out, &topic.url);
        out.push_str(if topic.automatic {
            "\" title=\"Topic assigned automatically\">"
        } else {
            "\">"
        });
        esc(out, topic.name);
        out.push_str("</a>");
    }
}

/// `macros.html`: `also_reported`.
fn also_reported(out: &mut String, card: &CardView<'_>) {
    if card.also_reported_by.is_empty() {
        return;
    }
    out.push_str("<p class=\"also\">Also reported by ");
    for (i, copy) in card.also_reported_by.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str("<a href=\"");
        esc(out, &copy.url);
        out.push_str("\">");
        esc(out, truthy(copy.source).unwrap_or(copy.title));
        out.push_str("</a>");
    }
    out.push_str("</p>");
}

/// `{{ text }}` in an HTML template: escaped as Tera escapes it.
fn esc(out: &mut String, text: &str) {
    escape_html_into(text, out);
}

/// `| pluralize`.
fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A text as a template's `{% if %}` sees it: missing and empty are false.
fn truthy(text: Option<&str>) -> Option<&str> {
    text.filter(|t| !t.is_empty())
}
