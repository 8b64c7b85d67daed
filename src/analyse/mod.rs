//! Stage 3 of the pipeline: article text into signals, and from them related
//! stories, story threads, automatic topics and near-duplicates.
//!
//! Pure: no IO, no Tera. The same corpus and config give the same
//! [`Analysis`], bit for bit.

use std::fmt;

use crate::config::Config;
use crate::content::Corpus;

pub mod duplicates;
pub mod features;
pub mod related;
pub mod report;
pub mod text;
pub mod threads;
pub mod topics;

/// Whether a related story came before or after the article it is listed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Published before (or at the same time as) this article.
    EarlierCoverage,
    /// Published after this article.
    FollowUp,
}

/// One related story of an article.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Related {
    /// Index of the related article in the corpus.
    pub article_idx: usize,
    /// The combined score in [0, 1].
    pub score: f64,
    /// The strongest shared entities and terms, most important first, as a
    /// reader would write them ("Vladimir Putin", "sanctions").
    pub reasons: Vec<String>,
    /// Earlier coverage or a follow-up.
    pub relation: Relation,
}

/// A topic an article belongs to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TopicAssignment {
    /// The topic's display name.
    pub name: String,
    /// True when the topic was assigned by analysis, not written by hand.
    pub automatic: bool,
}

/// A developing story followed across days.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Thread {
    /// Stable id, used in `/threads/<id>/`; it does not change when newer
    /// articles join the thread.
    pub id: String,
    /// A short name for the story (from its first article or key terms).
    pub title: String,
    /// Its articles, oldest first.
    pub article_indices: Vec<usize>,
}

/// What analysis found out about one article.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ArticleAnalysis {
    /// The article's topics: its own, else automatic ones. Never empty.
    pub topics: Vec<TopicAssignment>,
    /// Related stories, best first, at most `related.count`.
    pub related: Vec<Related>,
    /// Index into [`Analysis::threads`] if the article is part of a thread.
    pub thread_idx: Option<usize>,
    /// If this article is a near-duplicate, the article it duplicates (the
    /// earliest copy, which stays in lists).
    pub duplicate_of: Option<usize>,
    /// On the kept copy: the near-duplicates collapsed into it.
    pub duplicates: Vec<usize>,
}

/// The result of analysis, indexed like `Corpus::articles`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Analysis {
    /// One entry per article, same index as the corpus.
    pub articles: Vec<ArticleAnalysis>,
    /// Story threads, ordered by their first article's date, then id.
    pub threads: Vec<Thread>,
}

/// How many reasons a related story gives at most.
const MAX_REASONS: usize = 4;

/// Candidates scored per article, as a multiple of `related.count`; more
/// than are shown, because duplicates and weak ones are dropped after.
const CANDIDATES_PER_SHOWN: usize = 6;

/// Candidates scored per article at least, whatever `related.count` is.
const MIN_CANDIDATES: usize = 30;

/// How many of its nearest candidates make up an article's neighbourhood
/// (20 and 30 measure alike on the BBC and Lee corpora; 20 is cheaper).
pub const N_NEIGHBOURS: usize = 20;

/// The signals analysis computes before deciding anything: vectors, topics
/// and times. [`run`] and [`explain`] share it, so an explanation always
/// matches what the site shows.
#[derive(Debug, Clone)]
pub struct Model {
    /// Text and entity vectors of every article; the text vectors cut to
    /// their strongest terms once the topics are assigned
    /// (`related::shorten_vectors`).
    pub features: features::Features,
    /// Topics of every article, given or automatic.
    pub topics: Vec<Vec<TopicAssignment>>,
    /// Topic names of every article, sorted, for scoring.
    pub topic_names: Vec<Vec<String>>,
    /// Publication times, seconds since the Unix epoch.
    pub timestamps: Vec<i64>,
    /// Per article: the articles worth scoring against it (inverted index),
    /// with the text and entity parts of their score.
    pub candidate_lists: Vec<Vec<related::Near>>,
    /// Per article: its neighbourhood, for the neighbourhood part of scores.
    pub neighbourhoods: Vec<topics::SparseVector>,
    /// The articles in an order where each comes soon after those it is
    /// compared with ([`related::locality_order`] of the found candidates):
    /// the steps that read candidates' vectors visit the articles in it.
    pub order: Vec<u32>,
}

impl Model {
    /// The model from the articles' `features`, calling `lap` with the name
    /// of each step as it ends. Reads no article text.
    fn build(
        corpus: &Corpus,
        config: &Config,
        mut features: features::Features,
        lap: &mut dyn FnMut(&str),
    ) -> Model {
        let given: Vec<Vec<String>> = corpus.articles.iter().map(|a| a.topics.clone()).collect();
        let topics = topics::assign(&features.vectors, &features.term_labels, &given, config);
        let topic_names = topics
            .iter()
            .map(|assigned| {
                let mut names: Vec<String> = assigned.iter().map(|t| t.name.clone()).collect();
                names.sort();
                names.dedup();
                names
            })
            .collect();
        // Topics read the full vectors (cut to 128 terms, BBC topic
        // accuracy fell from 0.962 to 0.944); what follows reads the
        // strongest terms only.
        related::shorten_vectors(&mut features.vectors, related::RELATED_TERMS);
        lap("topics");
        let timestamps = corpus.articles.iter().map(|a| a.date.timestamp()).collect();
        let n_candidates = (config.related.count * CANDIDATES_PER_SHOWN).max(MIN_CANDIDATES);
        let found = related::candidate_indices(&features, n_candidates * 2);
        lap("candidate search");
        let order = related::locality_order(&found, |&other| other as usize);
        let (candidate_lists, neighbourhoods) = related::nearest_and_neighbourhoods(
            &features,
            &found,
            &order,
            n_candidates,
            N_NEIGHBOURS,
            &config.related,
        );
        drop(found);
        lap("closest + neighbourhoods");
        Model {
            features,
            topics,
            topic_names,
            timestamps,
            candidate_lists,
            neighbourhoods,
            order,
        }
    }

    /// The signals scoring reads.
    pub fn signals(&self) -> related::Signals<'_> {
        related::Signals {
            features: &self.features,
            timestamps: &self.timestamps,
            topics: &self.topic_names,
            neighbourhoods: &self.neighbourhoods,
        }
    }
}

/// The text of every article, for the features pass of [`read_texts`]: with
/// [`read_and_drop_texts`], which takes the texts, the only places analysis
/// reads `Article::text`.
fn documents(corpus: &Corpus) -> Vec<features::Document<'_>> {
    corpus
        .articles
        .iter()
        .map(|article| features::Document {
            title: &article.title,
            text: &article.text,
            lang: &article.lang,
        })
        .collect()
}

/// What analysis reads from the article texts, which nothing after it
/// does: the vectors, and the body stems near-duplicate detection compares.
/// A build computes it with [`read_and_drop_texts`], which frees the texts
/// (about a third of a loaded corpus) chunk by chunk as their words are
/// counted, and finishes with [`finish`].
#[derive(Debug, Clone)]
pub struct TextSignals {
    features: features::Features,
    bodies: features::BodyStems,
}

/// The first part of analysis, the only one that reads `Article::text`.
pub fn read_texts(corpus: &Corpus) -> TextSignals {
    let documents = documents(corpus);
    let (features, bodies) =
        features::build_with_bodies(&documents, &[], &features::Weighting::default(), true);
    TextSignals { features, bodies }
}

/// [`read_texts`], emptying the corpus's texts ([`Corpus::take_texts`]) and
/// freeing each chunk of them as soon as its words are counted
/// ([`features::count_taking_texts`]): the texts' memory is given back while
/// the counts grow, and the texts and the vectors are never held at once,
/// which on a large site lowers the peak memory of the analysis.
pub fn read_and_drop_texts(corpus: &mut Corpus) -> TextSignals {
    let texts = corpus.take_texts();
    let documents = corpus
        .articles
        .iter()
        .zip(texts)
        .map(|(article, text)| features::OwnedText {
            title: &article.title,
            text,
            lang: &article.lang,
        })
        .collect();
    let counted = features::count_taking_texts(documents, &features::Weighting::default());
    let (features, bodies) = counted.weigh(true);
    TextSignals { features, bodies }
}

/// Analyses the corpus: topics, related stories, near-duplicates, threads.
pub fn run(corpus: &Corpus, config: &Config) -> Analysis {
    run_timed(corpus, config, &mut |_| {})
}

/// [`run`], calling `lap` with the name of each step as it ends, so a
/// benchmark can time the steps of the real pipeline.
pub fn run_timed(corpus: &Corpus, config: &Config, lap: &mut dyn FnMut(&str)) -> Analysis {
    let signals = read_texts(corpus);
    lap("features");
    finish_timed(corpus, config, signals, lap)
}

/// The rest of [`run`] after [`read_texts`] of the same corpus. Reads no
/// article text, so the corpus's texts may already be dropped.
pub fn finish(corpus: &Corpus, config: &Config, signals: TextSignals) -> Analysis {
    finish_timed(corpus, config, signals, &mut |_| {})
}

/// [`finish`], calling `lap` with the name of each step as it ends.
pub fn finish_timed(
    corpus: &Corpus,
    config: &Config,
    signals: TextSignals,
    lap: &mut dyn FnMut(&str),
) -> Analysis {
    let TextSignals { features, bodies } = signals;
    let model = Model::build(corpus, config, features, lap);
    run_with(corpus, config, model, bodies, lap)
}

/// [`run`] on a model already computed. Takes the model and the body stems
/// to drop each part as soon as it is done with: the body stems, candidate
/// lists and neighbourhoods are each about as large as the vectors.
fn run_with(
    corpus: &Corpus,
    config: &Config,
    mut model: Model,
    bodies: features::BodyStems,
    lap: &mut dyn FnMut(&str),
) -> Analysis {
    let settings = &config.related;
    let n_articles = corpus.articles.len();
    // Copies are found among the candidates by their text and entity parts
    // alone, so this runs before scoring and the body stems are freed
    // before the scored lists are made.
    let duplicate_of = duplicates::find(
        &model.features,
        &bodies,
        &model.candidate_lists,
        settings.duplicate_min_similarity,
    );
    drop(bodies);
    lap("duplicates");
    // Scoring frees each candidate list as it goes; the neighbourhoods and
    // topic names, which only scoring reads, right after it.
    let candidate_lists = std::mem::take(&mut model.candidate_lists);
    let candidates =
        related::score_candidates(&model.signals(), candidate_lists, &model.order, settings);
    let Model {
        features,
        topics,
        topic_names,
        timestamps,
        candidate_lists: _,
        neighbourhoods,
        order,
    } = model;
    drop((neighbourhoods, topic_names));
    lap("scoring");

    let mut copies: Vec<Vec<usize>> = vec![Vec::new(); n_articles];
    for (article_idx, kept) in duplicate_of.iter().enumerate() {
        if let Some(kept) = *kept {
            copies[kept].push(article_idx);
        }
    }
    let excluded: Vec<bool> = duplicate_of.iter().map(Option::is_some).collect();
    // Threads (a union-find, mostly one step after the other) and the
    // related lists read the same scored candidates and neither needs the
    // other: the threads take one core while the lists take the others.
    let ((threads, thread_of), related_lists) = rayon::join(
        || {
            threads::find(
                corpus,
                &timestamps,
                &features,
                &candidates,
                &excluded,
                settings,
            )
        },
        || {
            related_lists(
                corpus,
                settings,
                &features,
                &candidates,
                &duplicate_of,
                &excluded,
                &order,
            )
        },
    );

    let articles = topics
        .into_iter()
        .zip(related_lists)
        .enumerate()
        .map(|(article_idx, (topics, related))| {
            let kept = duplicate_of[article_idx];
            ArticleAnalysis {
                topics,
                related,
                // A copy follows the story of its kept article.
                thread_idx: thread_of[kept.unwrap_or(article_idx)],
                duplicate_of: kept,
                duplicates: std::mem::take(&mut copies[article_idx]),
            }
        })
        .collect();
    lap("threads + related lists + reasons");
    Analysis { articles, threads }
}

/// The related stories of every article, in corpus order: its scored
/// candidates past the filters, best first, with their reasons. Choosing
/// and explaining related stories is independent per article; the results
/// come back in corpus order, so they do not depend on threads, nor on the
/// order that keeps the vectors read in cache.
fn related_lists(
    corpus: &Corpus,
    settings: &crate::config::RelatedConfig,
    features: &features::Features,
    candidates: &[Vec<related::Candidate>],
    duplicate_of: &[Option<usize>],
    excluded: &[bool],
    order: &[u32],
) -> Vec<Vec<Related>> {
    related::map_in_order(
        order,
        || related::ReasonFinder::new(features),
        |finder, article_idx| {
            let list = &candidates[article_idx];
            let kept = duplicate_of[article_idx].unwrap_or(article_idx);
            let mut chosen: Vec<&related::Candidate> = list
                .iter()
                .filter(|c| {
                    // Copies stand behind their kept article, and an article
                    // is never related to its own copies.
                    !excluded[c.article_idx]
                            && c.article_idx != kept
                            // Shared words, not only shared neighbours: an
                            // article with no close stories has a
                            // neighbourhood of loose ones, and the reasons
                            // shown are the shared words.
                            && c.text >= settings.min_text_similarity
                })
                .collect();
            // Far below the article's best match is a weaker kind of
            // related, whatever the absolute score: an article whose
            // neighbours are all middling still lists them, and one with
            // a close match does not pad its list with loose ones.
            let best = chosen.iter().map(|c| c.total).fold(0.0, f64::max);
            let floor = settings.min_score.max(settings.min_share_of_best * best);
            chosen.retain(|c| c.total >= floor);
            chosen.sort_by(|a, b| {
                let (x, y) = (
                    &corpus.articles[a.article_idx],
                    &corpus.articles[b.article_idx],
                );
                b.total
                    .total_cmp(&a.total)
                    .then_with(|| y.date.cmp(&x.date))
                    .then_with(|| x.slug.cmp(&y.slug))
            });
            chosen.truncate(settings.count);
            // The vectors the reasons read, fetched at once.
            related::touch(chosen.iter().flat_map(|c| {
                [
                    features
                        .vectors
                        .get(c.article_idx)
                        .map_or(&[][..], Vec::as_slice),
                    features
                        .entity_vectors
                        .get(c.article_idx)
                        .map_or(&[][..], Vec::as_slice),
                ]
            }));
            chosen
                .into_iter()
                .map(|c| Related {
                    article_idx: c.article_idx,
                    score: c.total,
                    reasons: finder.reasons(article_idx, c.article_idx, MAX_REASONS),
                    relation: if corpus.articles[c.article_idx].date
                        <= corpus.articles[article_idx].date
                    {
                        Relation::EarlierCoverage
                    } else {
                        Relation::FollowUp
                    },
                })
                .collect()
        },
    )
}

/// The score of two articles, part by part, with what they share: what
/// `digest explain` prints.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explanation {
    /// Slug of the first article.
    pub first: String,
    /// Slug of the second article.
    pub second: String,
    /// The parts of the score and the total.
    pub breakdown: related::Breakdown,
    /// The weights in force (text, entities, neighbourhood, topics, time),
    /// for reading the total.
    pub weights: [f64; 5],
    /// Shared entities, with their share of the entity cosine, strongest first.
    pub shared_entities: Vec<(String, f64)>,
    /// Shared terms, with their share of the text cosine, strongest first.
    pub shared_terms: Vec<(String, f64)>,
    /// The reasons a reader would see.
    pub reasons: Vec<String>,
    /// Whether the second article is listed among the first's related stories.
    pub listed: bool,
}

/// Explains the score of articles `first` and `second` (corpus indices).
/// Returns `None` when either index is out of range.
pub fn explain(
    corpus: &Corpus,
    config: &Config,
    first: usize,
    second: usize,
) -> Option<Explanation> {
    let a = corpus.articles.get(first)?;
    let b = corpus.articles.get(second)?;
    let TextSignals { features, bodies } = read_texts(corpus);
    let model = Model::build(corpus, config, features, &mut |_| {});
    let breakdown = related::breakdown(&model.signals(), first, second, &config.related);
    let (shared_entities, shared_terms) = related::shared_labels(&model.features, first, second);
    let reasons = related::reasons(&model.features, first, second, MAX_REASONS);
    let analysis = run_with(corpus, config, model, bodies, &mut |_| {});
    let listed = analysis.articles[first]
        .related
        .iter()
        .any(|r| r.article_idx == second);
    let settings = &config.related;
    Some(Explanation {
        first: a.slug.clone(),
        second: b.slug.clone(),
        breakdown,
        weights: [
            settings.text_weight,
            settings.entity_weight,
            settings.neighbourhood_weight,
            settings.topic_weight,
            settings.time_weight,
        ],
        shared_entities,
        shared_terms,
        reasons,
        listed,
    })
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = &self.breakdown;
        let [text_weight, entity_weight, neighbourhood_weight, topic_weight, time_weight] =
            self.weights;
        writeln!(f, "{} ↔ {}", self.first, self.second)?;
        writeln!(
            f,
            "  text          {:.3}  (TF-IDF cosine, weight {text_weight})",
            parts.text
        )?;
        writeln!(
            f,
            "  entities      {:.3}  (entity cosine, weight {entity_weight})",
            parts.entities
        )?;
        writeln!(
            f,
            "  neighbourhood {:.3}  (similar to the same stories, weight {neighbourhood_weight})",
            parts.neighbourhood
        )?;
        writeln!(
            f,
            "  topics        {:.3}  (shared topics, weight {topic_weight})",
            parts.topics
        )?;
        writeln!(
            f,
            "  time          {:.3}  (closeness in time, weight {time_weight})",
            parts.time
        )?;
        writeln!(
            f,
            "  total         {:.3}  ({})",
            parts.total,
            if self.listed {
                "listed as related"
            } else {
                "not listed as related"
            }
        )?;
        let list = |items: &[(String, f64)]| {
            if items.is_empty() {
                "none".to_string()
            } else {
                items
                    .iter()
                    .take(10)
                    .map(|(label, weight)| format!("{label} ({weight:.3})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        writeln!(f, "  shared entities: {}", list(&self.shared_entities))?;
        writeln!(f, "  shared terms: {}", list(&self.shared_terms))?;
        write!(
            f,
            "  reasons: {}",
            if self.reasons.is_empty() {
                "none".to_string()
            } else {
                self.reasons.join(", ")
            }
        )
    }
}
