//! Stage 4 of the pipeline: articles and their analysis into a [`Digest`]:
//! topics with counts, days, ISO weeks, months, the front page, and each
//! article's neighbours in time.
//!
//! Pure: no IO. Lists hold article indices (into `Corpus::articles`), newest
//! first; near-duplicates are left out of lists (their kept copy stands in).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::analyse::Analysis;
use crate::config::Config;
use crate::content::Corpus;

/// One topic and its articles.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Topic {
    /// Display name, as first written.
    pub name: String,
    /// URL name: the topic lives at `/topics/<slug>/`.
    pub slug: String,
    /// True when every article got this topic from analysis (no article
    /// names it by hand).
    pub automatic: bool,
    /// Its articles, newest first.
    pub article_indices: Vec<usize>,
}

/// One calendar day (in the site's time zone) that has articles.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Day {
    /// The day.
    pub date: NaiveDate,
    /// `YYYY-MM-DD`, used in `/days/<id>/`.
    pub id: String,
    /// Its articles, newest first.
    pub article_indices: Vec<usize>,
}

/// One ISO week that has articles.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Week {
    /// `YYYY-Www` (ISO year and week), used in `/weeks/<id>/`.
    pub id: String,
    /// The ISO week-numbering year.
    pub iso_year: i32,
    /// The ISO week number, 1 to 53.
    pub week: u32,
    /// Monday of the week.
    pub start: NaiveDate,
    /// Sunday of the week.
    pub end: NaiveDate,
    /// Its articles, newest first.
    pub article_indices: Vec<usize>,
}

/// One calendar month that has articles.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Month {
    /// The year.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u32,
    /// Indices into [`Digest::days`] of the days of this month, newest first.
    pub day_indices: Vec<usize>,
    /// Number of listed articles in the month.
    pub n_articles: usize,
}

/// An article's neighbours in time, for "previous / next" links.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Neighbours {
    /// The next older listed article.
    pub previous: Option<usize>,
    /// The next newer listed article.
    pub next: Option<usize>,
    /// The next older article of the same (first) topic.
    pub previous_in_topic: Option<usize>,
    /// The next newer article of the same (first) topic.
    pub next_in_topic: Option<usize>,
}

/// Everything the pages are made of, grouped.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Digest {
    /// All topics, sorted by name (case-insensitively), then slug.
    pub topics: Vec<Topic>,
    /// Days that have articles, newest first.
    pub days: Vec<Day>,
    /// ISO weeks that have articles, newest first.
    pub weeks: Vec<Week>,
    /// Months that have articles, newest first.
    pub months: Vec<Month>,
    /// Indices into `days` shown on the front page (the latest
    /// `front_page_days` days that have articles).
    pub front_page_day_indices: Vec<usize>,
    /// For each article: the index into `topics` of its first topic.
    pub primary_topic: Vec<usize>,
    /// For each article: the indices into `topics` of all its topics.
    pub article_topics: Vec<Vec<usize>>,
    /// For each article: previous and next.
    pub neighbours: Vec<Neighbours>,
    /// All listed (not near-duplicate) articles, newest first.
    pub listed: Vec<usize>,
}

impl Digest {
    /// Splits `article_indices` (already in display order) by primary topic,
    /// in topic order, for pages "grouped by topic".
    pub fn by_topic(&self, article_indices: &[usize]) -> Vec<(usize, Vec<usize>)> {
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for &article_idx in article_indices {
            if let Some(&topic_idx) = self.primary_topic.get(article_idx) {
                groups.entry(topic_idx).or_default().push(article_idx);
            }
        }
        groups.into_iter().collect()
    }
}

/// The slug of a topic name: lowercase ASCII words joined by `-`.
pub fn topic_slug(name: &str) -> String {
    let slug = slug::slugify(name);
    if slug.is_empty() {
        "topic".to_string()
    } else {
        slug
    }
}

/// Groups the analysed corpus into topics, days, weeks, months and the front
/// page.
pub fn run(corpus: &Corpus, analysis: &Analysis, config: &Config) -> Digest {
    let articles = &corpus.articles;
    let is_listed = |article_idx: usize| {
        analysis
            .articles
            .get(article_idx)
            .is_none_or(|a| a.duplicate_of.is_none())
    };
    // Newest first: the corpus is oldest first, ties broken by slug.
    let mut listed: Vec<usize> = (0..articles.len()).filter(|&i| is_listed(i)).collect();
    listed.sort_by(|&a, &b| {
        articles[b]
            .date
            .cmp(&articles[a].date)
            .then_with(|| articles[a].slug.cmp(&articles[b].slug))
    });

    // Topics: keyed by slug so "Middle East" and "middle east" are one
    // topic; the first spelling seen (oldest article) names it.
    let mut topic_by_slug: BTreeMap<String, Topic> = BTreeMap::new();
    let mut slugs_of_article: Vec<Vec<String>> = vec![Vec::new(); articles.len()];
    for (article_idx, article_analysis) in analysis.articles.iter().enumerate() {
        for assignment in &article_analysis.topics {
            let slug = topic_slug(&assignment.name);
            let topic = topic_by_slug.entry(slug.clone()).or_insert_with(|| Topic {
                name: assignment.name.trim().to_string(),
                slug: slug.clone(),
                automatic: true,
                article_indices: Vec::new(),
            });
            topic.automatic &= assignment.automatic;
            if !slugs_of_article[article_idx].contains(&slug) {
                slugs_of_article[article_idx].push(slug);
            }
        }
    }
    let mut topics: Vec<Topic> = topic_by_slug.into_values().collect();
    topics.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then_with(|| a.slug.cmp(&b.slug))
    });
    let topic_idx_of: BTreeMap<String, usize> = topics
        .iter()
        .enumerate()
        .map(|(idx, t)| (t.slug.clone(), idx))
        .collect();
    let article_topics: Vec<Vec<usize>> = slugs_of_article
        .iter()
        .map(|slugs| {
            slugs
                .iter()
                .filter_map(|s| topic_idx_of.get(s).copied())
                .collect()
        })
        .collect();
    let primary_topic: Vec<usize> = article_topics
        .iter()
        .map(|list| list.first().copied().unwrap_or(0))
        .collect();
    for &article_idx in &listed {
        for &topic_idx in &article_topics[article_idx] {
            topics[topic_idx].article_indices.push(article_idx);
        }
    }
    // A topic whose only articles are near-duplicates keeps an (empty)
    // list rather than disappearing: the duplicates' own pages still link to
    // it, and a missing page would be a broken link.

    // Days, weeks, months, newest first because `listed` is.
    let mut days: Vec<Day> = Vec::new();
    let mut week_idx_of: BTreeMap<(i32, u32), usize> = BTreeMap::new();
    let mut weeks: Vec<Week> = Vec::new();
    for &article_idx in &listed {
        let date = articles[article_idx].local_date;
        match days.last_mut() {
            Some(day) if day.date == date => day.article_indices.push(article_idx),
            _ => days.push(Day {
                date,
                id: date.format("%Y-%m-%d").to_string(),
                article_indices: vec![article_idx],
            }),
        }
        let iso = date.iso_week();
        let key = (iso.year(), iso.week());
        let week_idx = *week_idx_of.entry(key).or_insert_with(|| {
            let start = date - chrono::Days::new(u64::from(date.weekday().num_days_from_monday()));
            weeks.push(Week {
                id: format!("{}-W{:02}", iso.year(), iso.week()),
                iso_year: iso.year(),
                week: iso.week(),
                start,
                end: start + chrono::Days::new(6),
                article_indices: Vec::new(),
            });
            weeks.len() - 1
        });
        weeks[week_idx].article_indices.push(article_idx);
    }
    let mut months: Vec<Month> = Vec::new();
    for (day_idx, day) in days.iter().enumerate() {
        let (year, month) = (day.date.year(), day.date.month());
        match months.last_mut() {
            Some(m) if m.year == year && m.month == month => {
                m.day_indices.push(day_idx);
                m.n_articles += day.article_indices.len();
            }
            _ => months.push(Month {
                year,
                month,
                day_indices: vec![day_idx],
                n_articles: day.article_indices.len(),
            }),
        }
    }
    let front_page_day_indices = (0..days.len().min(config.front_page_days)).collect();

    let mut neighbours = vec![Neighbours::default(); articles.len()];
    for (position, &article_idx) in listed.iter().enumerate() {
        let entry = &mut neighbours[article_idx];
        entry.next = position.checked_sub(1).map(|p| listed[p]);
        entry.previous = listed.get(position + 1).copied();
    }
    for topic in &topics {
        for (position, &article_idx) in topic.article_indices.iter().enumerate() {
            if primary_topic[article_idx] != topic_idx_of[&topic.slug] {
                continue;
            }
            let entry = &mut neighbours[article_idx];
            entry.next_in_topic = position.checked_sub(1).map(|p| topic.article_indices[p]);
            entry.previous_in_topic = topic.article_indices.get(position + 1).copied();
        }
    }

    Digest {
        topics,
        days,
        weeks,
        months,
        front_page_day_indices,
        primary_topic,
        article_topics,
        neighbours,
        listed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{Article, DateSource, Format};
    use chrono::{DateTime, FixedOffset, TimeZone};
    use proptest::prelude::*;

    fn config() -> Config {
        Config::parse("title = \"T\"\nbase_url = \"https://example.org/\"\nfront_page_days = 2\n")
            .unwrap()
    }

    fn article(slug: &str, date: DateTime<FixedOffset>, topics: &[&str]) -> Article {
        Article {
            source_path: format!("content/{slug}.md").into(),
            slug: slug.into(),
            title: slug.into(),
            date,
            local_date: date.date_naive(),
            date_source: DateSource::FrontMatter,
            updated: None,
            topics: topics.iter().map(|t| t.to_string()).collect(),
            source: None,
            source_url: None,
            author: None,
            summary: String::new(),
            image: None,
            lang: "en".into(),
            draft: false,
            extra: Default::default(),
            body_html: String::new(),
            body_file: None,
            text: String::new(),
            word_count: 0,
            reading_minutes: 1,
            format: Format::Markdown,
        }
    }

    fn at(day: u32, hour: u32) -> DateTime<FixedOffset> {
        let utc = FixedOffset::east_opt(0).unwrap();
        utc.with_ymd_and_hms(2025, 3, day, hour, 0, 0).unwrap()
    }

    fn digest_of(mut articles: Vec<Article>) -> (Corpus, Digest) {
        articles.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.slug.cmp(&b.slug)));
        let corpus = Corpus { articles };
        let config = config();
        let analysis = crate::analyse::run(&corpus, &config);
        let digest = run(&corpus, &analysis, &config);
        (corpus, digest)
    }

    #[test]
    fn topics_merge_spellings_and_count_articles() {
        let (_, digest) = digest_of(vec![
            article("a", at(3, 9), &["Middle East"]),
            article("b", at(4, 9), &["middle east", "Energy"]),
            article("c", at(5, 9), &[]),
        ]);
        let names: Vec<_> = digest
            .topics
            .iter()
            .map(|t| (t.name.as_str(), t.article_indices.len()))
            .collect();
        assert_eq!(
            names,
            vec![("Energy", 1), ("General", 1), ("Middle East", 2)]
        );
        assert!(digest.topics[1].automatic);
        assert!(!digest.topics[2].automatic);
    }

    #[test]
    fn days_weeks_months_are_newest_first_and_front_page_counts_days_with_articles() {
        // 3 March 2025 is a Monday; 10 March starts the next ISO week.
        let (corpus, digest) = digest_of(vec![
            article("a", at(3, 9), &["X"]),
            article("b", at(3, 18), &["X"]),
            article("c", at(10, 9), &["X"]),
            article("d", at(20, 9), &["Y"]),
        ]);
        let days: Vec<_> = digest.days.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(days, vec!["2025-03-20", "2025-03-10", "2025-03-03"]);
        let first_day: Vec<_> = digest.days[2]
            .article_indices
            .iter()
            .map(|&i| corpus.articles[i].slug.as_str())
            .collect();
        assert_eq!(first_day, vec!["b", "a"]);
        let weeks: Vec<_> = digest.weeks.iter().map(|w| w.id.as_str()).collect();
        assert_eq!(weeks, vec!["2025-W12", "2025-W11", "2025-W10"]);
        assert_eq!(digest.weeks[2].start.to_string(), "2025-03-03");
        assert_eq!(digest.weeks[2].end.to_string(), "2025-03-09");
        assert_eq!(digest.months.len(), 1);
        assert_eq!(digest.months[0].n_articles, 4);
        // The front page counts back from the newest article, not from today.
        assert_eq!(digest.front_page_day_indices, vec![0, 1]);
    }

    #[test]
    fn neighbours_follow_time_and_topic() {
        let (corpus, digest) = digest_of(vec![
            article("a", at(3, 9), &["X"]),
            article("b", at(4, 9), &["Y"]),
            article("c", at(5, 9), &["X"]),
        ]);
        let idx = |slug: &str| corpus.articles.iter().position(|a| a.slug == slug).unwrap();
        let c = &digest.neighbours[idx("c")];
        assert_eq!(c.previous, Some(idx("b")));
        assert_eq!(c.next, None);
        assert_eq!(c.previous_in_topic, Some(idx("a")));
        assert_eq!(digest.neighbours[idx("a")].next_in_topic, Some(idx("c")));
    }

    #[test]
    fn by_topic_keeps_order_within_groups() {
        let (corpus, digest) = digest_of(vec![
            article("a", at(3, 9), &["Y"]),
            article("b", at(3, 10), &["X"]),
            article("c", at(3, 11), &["Y"]),
        ]);
        let groups = digest.by_topic(&digest.days[0].article_indices);
        let named: Vec<(String, Vec<String>)> = groups
            .iter()
            .map(|(t, list)| {
                (
                    digest.topics[*t].name.clone(),
                    list.iter()
                        .map(|&i| corpus.articles[i].slug.clone())
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            named,
            vec![
                ("X".into(), vec!["b".into()]),
                ("Y".into(), vec!["c".into(), "a".into()])
            ]
        );
    }

    proptest! {
        #[test]
        fn every_article_lands_in_exactly_one_day_week_and_month(
            dates in proptest::collection::vec((1u32..=28, 1u32..=12, 0u32..24), 1..40)
        ) {
            let utc = FixedOffset::east_opt(0).unwrap();
            let articles: Vec<Article> = dates
                .iter()
                .enumerate()
                .map(|(i, &(day, month, hour))| {
                    article(&format!("a{i}"), utc.with_ymd_and_hms(2024, month, day, hour, 0, 0).unwrap(), &["T"])
                })
                .collect();
            let n = articles.len();
            let (corpus, digest) = digest_of(articles);
            let mut seen_day = vec![0; n];
            for day in &digest.days {
                for &i in &day.article_indices {
                    seen_day[i] += 1;
                    prop_assert_eq!(corpus.articles[i].local_date, day.date);
                }
            }
            prop_assert!(seen_day.iter().all(|&c| c == 1));
            let mut seen_week = vec![0; n];
            for week in &digest.weeks {
                for &i in &week.article_indices {
                    seen_week[i] += 1;
                    let date = corpus.articles[i].local_date;
                    prop_assert!(week.start <= date && date <= week.end);
                }
            }
            prop_assert!(seen_week.iter().all(|&c| c == 1));
            let month_total: usize = digest.months.iter().map(|m| m.n_articles).sum();
            prop_assert_eq!(month_total, n);
        }
    }
}
