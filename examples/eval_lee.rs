//! Evaluation against human judgement: the Lee, Pincombe and Welsh (2005)
//! corpus of 50 news documents, with human similarity ratings for all 1,225
//! pairs. Scores every pair with the site's own scoring code
//! (`analyse::related::breakdown`) and prints the Pearson correlation with
//! the ratings.
//!
//! The data is not in the repository: `scripts/eval/lee.sh` downloads the
//! gensim wheel from PyPI and runs this with the folder that holds
//! `lee.cor`, `lee_background.cor` and `similarities0-1.txt`:
//!
//! ```text
//! cargo run --release --example eval_lee -- /path/to/gensim/test/test_data
//! ```
//!
//! Without `--no-background` the 300 background documents count for
//! document frequencies (how rare a word is), as the corpus intends.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use digest_site::analyse::features::{build, Document, Weighting};
use digest_site::analyse::related::{
    breakdown, candidates_and_neighbourhoods, shorten_vectors, Signals, RELATED_TERMS,
};
use digest_site::analyse::N_NEIGHBOURS;
use digest_site::config::RelatedConfig;

fn main() -> ExitCode {
    let mut dir: Option<PathBuf> = None;
    let mut use_background = true;
    let mut weighting = Weighting::default();
    let mut explore = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--no-background" => use_background = false,
            "--explore" => explore = true,
            "--no-stemming" => weighting.stemming = false,
            "--linear-tf" => weighting.sublinear_tf = false,
            other => {
                if let Some(value) = other.strip_prefix("--idf-power=") {
                    weighting.idf_power = value.parse().unwrap_or(1.0);
                } else if let Some(value) = other.strip_prefix("--entity-alias=") {
                    weighting.entity_alias = value.parse().unwrap_or(0.5);
                } else if let Some(value) = other.strip_prefix("--max-terms=") {
                    weighting.max_terms = value.parse().unwrap_or(200);
                } else if !other.starts_with("--") {
                    dir = Some(PathBuf::from(other));
                }
            }
        }
    }
    let Some(dir) = dir else {
        eprintln!("usage: eval_lee [--no-background] DIR (the folder with `lee.cor`)");
        return ExitCode::from(2);
    };
    match run(&dir, use_background, &weighting, explore) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Reads a file as UTF-8, or as Latin-1 when it is not (the Lee files are).
fn read(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|err| format!("{}: {err}", path.display()))?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => err
            .into_bytes()
            .iter()
            .map(|&byte| char::from(byte))
            .collect(),
    })
}

fn lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .collect()
}

fn run(
    dir: &Path,
    use_background: bool,
    weighting: &Weighting,
    explore: bool,
) -> Result<(), String> {
    let corpus_text = read(&dir.join("lee.cor"))?;
    let background_text = read(&dir.join("lee_background.cor"))?;
    let ratings_text = read(&dir.join("similarities0-1.txt"))?;
    let texts = lines(&corpus_text);
    let background_texts = if use_background {
        lines(&background_text)
    } else {
        Vec::new()
    };
    let ratings: Vec<Vec<f64>> = lines(&ratings_text)
        .iter()
        .map(|line| {
            line.split_whitespace()
                .map(|value| {
                    value
                        .parse::<f64>()
                        .map_err(|err| format!("rating `{value}`: {err}"))
                })
                .collect::<Result<Vec<f64>, String>>()
        })
        .collect::<Result<_, _>>()?;
    let n = texts.len();
    if n != 50 || ratings.len() != n || ratings.iter().any(|row| row.len() != n) {
        return Err(format!(
            "expected 50 documents and a 50×50 rating matrix, found {n} documents and {} rows",
            ratings.len()
        ));
    }
    let document = |text: &'static str| Document {
        title: "",
        text,
        lang: "en",
    };
    // The corpus lives for the whole program; leaking keeps lifetimes simple.
    let texts: Vec<&'static str> = texts
        .iter()
        .map(|t| &*Box::leak(t.to_string().into_boxed_str()))
        .collect();
    let background_texts: Vec<&'static str> = background_texts
        .iter()
        .map(|t| &*Box::leak(t.to_string().into_boxed_str()))
        .collect();
    let documents: Vec<Document<'_>> = texts.iter().map(|t| document(t)).collect();
    let background: Vec<Document<'_>> = background_texts.iter().map(|t| document(t)).collect();

    let started = std::time::Instant::now();
    let mut features = build(&documents, &background, weighting);
    // As the site does after its topics: related stories read each
    // article's strongest terms only.
    shorten_vectors(&mut features.vectors, RELATED_TERMS);
    // The Lee documents have no dates or topics: every pair gets the same
    // time and topic parts, which leaves the correlation to the content.
    let timestamps = vec![0i64; n];
    let topics = vec![Vec::new(); n];
    let mut config = RelatedConfig::default();
    let mut n_candidates = 30;
    let mut n_neighbours = N_NEIGHBOURS;
    let mut neighbour_config = config.clone();
    // Variations for exploring (`--weights=T,E,N`, `--candidates=K`,
    // `--neighbours=K`, `--neighbour-text-only`); the defaults are the site's.
    for arg in std::env::args() {
        if let Some(value) = arg.strip_prefix("--weights=") {
            let parts: Vec<f64> = value.split(',').filter_map(|v| v.parse().ok()).collect();
            if let [text, entity, neighbourhood] = parts[..] {
                config.text_weight = text;
                config.entity_weight = entity;
                config.neighbourhood_weight = neighbourhood;
                neighbour_config = config.clone();
            }
        } else if let Some(value) = arg.strip_prefix("--candidates=") {
            n_candidates = value.parse().unwrap_or(n_candidates);
        } else if let Some(value) = arg.strip_prefix("--neighbours=") {
            n_neighbours = value.parse().unwrap_or(n_neighbours);
        }
    }
    if std::env::args().any(|arg| arg == "--neighbour-text-only") {
        neighbour_config.entity_weight = 0.0;
    }
    // The same candidate search and neighbourhoods as the site.
    let (_, around) =
        candidates_and_neighbourhoods(&features, n_candidates, n_neighbours, &neighbour_config);
    let signals = Signals {
        features: &features,
        timestamps: &timestamps,
        topics: &topics,
        neighbourhoods: &around,
    };
    let mut human = Vec::new();
    let mut total = Vec::new();
    let mut text = Vec::new();
    let mut entities = Vec::new();
    let mut neighbourhood = Vec::new();
    // Pairs (a, b) index both the ratings matrix and the signals, so plain
    // index loops read best here.
    #[allow(clippy::needless_range_loop)]
    for a in 0..n {
        for b in a + 1..n {
            let scored = breakdown(&signals, a, b, &config);
            human.push(ratings[a][b]);
            total.push(scored.total);
            text.push(scored.text);
            entities.push(scored.entities);
            neighbourhood.push(scored.neighbourhood);
        }
    }
    let elapsed = started.elapsed();
    println!(
        "Lee, Pincombe and Welsh (2005): {} documents, {} pairs",
        n,
        human.len()
    );
    println!(
        "background documents for document frequencies: {}",
        background.len()
    );
    println!(
        "pearson(total score, human)    = {:.4}",
        pearson(&total, &human)
    );
    println!(
        "pearson(text cosine, human)    = {:.4}",
        pearson(&text, &human)
    );
    println!(
        "pearson(entity cosine, human)  = {:.4}",
        pearson(&entities, &human)
    );
    println!(
        "pearson(neighbourhood, human)  = {:.4}",
        pearson(&neighbourhood, &human)
    );
    println!("time: {:.1} ms", elapsed.as_secs_f64() * 1000.0);
    if explore {
        // Other ways of mixing the same parts, to choose the site's defaults.
        explore_profiles(&documents, &background, weighting, &human, &text, &entities);
        for exponent in [1.0, 0.75, 0.5, 0.33] {
            for text_share in [1.0, 0.8, 0.7, 0.6, 0.5] {
                let mixed: Vec<f64> = text
                    .iter()
                    .zip(&entities)
                    .map(|(t, e)| (text_share * t + (1.0 - text_share) * e).powf(exponent))
                    .collect();
                println!(
                    "explore: exponent {exponent:.2} text share {text_share:.1}: {:.4}",
                    pearson(&mixed, &human)
                );
            }
        }
    }
    Ok(())
}

/// Second-order similarity: two documents are alike when they are alike to
/// the same other documents (their rows of the cosine matrix).
fn explore_profiles(
    documents: &[Document<'_>],
    background: &[Document<'_>],
    weighting: &Weighting,
    human: &[f64],
    text: &[f64],
    entities: &[f64],
) {
    use digest_site::analyse::features::cosine;
    let all: Vec<Document<'_>> = documents.iter().chain(background).copied().collect();
    let features = build(&all, &[], weighting);
    let n_all = all.len();
    let n = documents.len();
    let matrix: Vec<Vec<f64>> = (0..n_all)
        .map(|a| {
            (0..n_all)
                .map(|b| cosine(&features.vectors[a], &features.vectors[b]))
                .collect()
        })
        .collect();
    for (label, columns) in [("corpus only", n), ("corpus+background", n_all)] {
        for top in [5usize, 10, 20, 50, 1000] {
            let profiles: Vec<Vec<(u32, f32)>> = (0..n)
                .map(|a| {
                    let mut row: Vec<(u32, f32)> = (0..columns)
                        .map(|c| (c as u32, matrix[a][c] as f32))
                        .filter(|&(_, w)| w > 0.0)
                        .collect();
                    row.sort_by(|x, y| y.1.total_cmp(&x.1));
                    row.truncate(top);
                    row.sort_by_key(|&(c, _)| c);
                    let norm = row.iter().map(|&(_, w)| w * w).sum::<f32>().sqrt();
                    row.iter().map(|&(c, w)| (c, w / norm)).collect()
                })
                .collect();
            let mut profile = Vec::new();
            for a in 0..n {
                for b in a + 1..n {
                    profile.push(cosine(&profiles[a], &profiles[b]));
                }
            }
            for share in [1.0, 0.7, 0.5, 0.3] {
                let mixed: Vec<f64> = text
                    .iter()
                    .zip(&entities.to_vec())
                    .zip(&profile)
                    .map(|((t, e), p)| share * (0.8 * t + 0.2 * e) + (1.0 - share) * p)
                    .collect();
                println!(
                    "explore: profiles {label} top {top} content share {share:.1}: {:.4}",
                    pearson(&mixed, human)
                );
            }
        }
    }
}

/// Pearson's correlation coefficient of two equally long samples.
fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mean_x = x.iter().sum::<f64>() / n;
    let mean_y = y.iter().sum::<f64>() / n;
    let (mut covariance, mut var_x, mut var_y) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        covariance += (a - mean_x) * (b - mean_y);
        var_x += (a - mean_x).powi(2);
        var_y += (b - mean_y).powi(2);
    }
    if var_x == 0.0 || var_y == 0.0 {
        return 0.0;
    }
    covariance / (var_x.sqrt() * var_y.sqrt())
}
