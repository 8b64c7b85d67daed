//! Speed and memory of the analysis stage on large synthetic sites (made by
//! `bench/gen.py --mode digest`), and, when the generator's `truth.tsv` sits
//! next to the site, how often related stories and threads keep to one story
//! arc.
//!
//! ```text
//! cargo run --release --example bench_analyse -- /tmp/corp/n10000/digest …
//! ```
//!
//! Loading is timed apart from analysis; peak memory is the process's high
//! water mark (`VmHWM`), which includes the loaded corpus.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use digest_site::{analyse, content, Config};

fn main() -> ExitCode {
    let sites: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if sites.is_empty() {
        eprintln!("usage: bench_analyse SITE_DIR...");
        return ExitCode::from(2);
    }
    for site in &sites {
        if let Err(message) = bench(site) {
            eprintln!("error: {}: {message}", site.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// The process's peak and current resident memory, in MiB, from
/// `/proc/self/status` (Linux).
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Times the steps of analysis one by one (`BENCH_STAGES=1`).
fn stages(corpus: &content::Corpus, config: &Config) {
    use analyse::{features, related, topics};
    let mut clock = Instant::now();
    let mut lap = |name: &str| {
        println!("    {name:<22} {:>7.2} s", clock.elapsed().as_secs_f64());
        clock = Instant::now();
    };
    let documents: Vec<features::Document<'_>> = corpus
        .articles
        .iter()
        .map(|a| features::Document {
            title: &a.title,
            text: &a.text,
            lang: &a.lang,
        })
        .collect();
    let built = features::build(&documents, &[], &features::Weighting::default());
    lap("features");
    let given: Vec<Vec<String>> = corpus.articles.iter().map(|a| a.topics.clone()).collect();
    let assigned = topics::assign(&built.vectors, &built.term_labels, &given, config);
    lap("topics");
    let lists = related::candidate_indices(&built, 30);
    lap("candidate search");
    let around = related::neighbourhoods(&built, &lists, analyse::N_NEIGHBOURS, &config.related);
    lap("neighbourhoods");
    let names: Vec<Vec<String>> = assigned
        .iter()
        .map(|t| t.iter().map(|a| a.name.clone()).collect())
        .collect();
    let timestamps: Vec<i64> = corpus.articles.iter().map(|a| a.date.timestamp()).collect();
    let signals = related::Signals {
        features: &built,
        timestamps: &timestamps,
        topics: &names,
        neighbourhoods: &around,
    };
    let scored = related::score_candidates(&signals, &lists, &config.related);
    lap("scoring");
    let duplicates = analyse::duplicates::find(&built, &documents, &scored, 0.9);
    lap("duplicates");
    let excluded: Vec<bool> = duplicates.iter().map(Option::is_some).collect();
    let _ = analyse::threads::find(corpus, &built, &scored, &excluded, &config.related);
    lap("threads");
}

fn bench(root: &Path) -> Result<(), String> {
    let config = Config::load(root).map_err(|err| err.to_string())?;
    let started = Instant::now();
    let (corpus, _) = content::load(root, &config, false);
    let load_seconds = started.elapsed().as_secs_f64();
    let (_, rss_loaded) = memory_mib();
    let started = Instant::now();
    let analysis = analyse::run(&corpus, &config);
    let analyse_seconds = started.elapsed().as_secs_f64();
    let (peak, _) = memory_mib();
    let n_articles = corpus.articles.len();
    let words: usize = corpus.articles.iter().map(|a| a.word_count).sum();
    println!(
        "{}: {n_articles} articles, {:.0} words each on average",
        root.display(),
        words as f64 / n_articles.max(1) as f64
    );
    println!(
        "  load {load_seconds:.2} s, analyse {analyse_seconds:.2} s ({:.1} µs per article); \
         memory after load {rss_loaded:.0} MiB, peak {peak:.0} MiB",
        analyse_seconds * 1e6 / n_articles.max(1) as f64
    );
    if std::env::var_os("BENCH_STAGES").is_some() {
        stages(&corpus, &config);
    }
    let n_related: usize = analysis.articles.iter().map(|a| a.related.len()).sum();
    let n_duplicates = analysis
        .articles
        .iter()
        .filter(|a| a.duplicate_of.is_some())
        .count();
    println!(
        "  {n_related} related links ({:.2} per article), {} threads, {n_duplicates} near-duplicates",
        n_related as f64 / n_articles.max(1) as f64,
        analysis.threads.len()
    );

    let truth_path = root.join("..").join("truth.tsv");
    let Ok(truth) = std::fs::read_to_string(&truth_path) else {
        return Ok(());
    };
    let arcs: BTreeMap<&str, &str> = truth
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split('\t');
            Some((fields.next()?, fields.next()?))
        })
        .collect();
    let arc_of = |idx: usize| arcs.get(corpus.articles[idx].slug.as_str()).copied();
    let (mut same, mut total) = (0usize, 0usize);
    for (idx, analysed) in analysis.articles.iter().enumerate() {
        for related in &analysed.related {
            total += 1;
            if arc_of(idx).is_some() && arc_of(idx) == arc_of(related.article_idx) {
                same += 1;
            }
        }
    }
    let (mut majority, mut members) = (0usize, 0usize);
    for thread in &analysis.threads {
        let mut counts: BTreeMap<Option<&str>, usize> = BTreeMap::new();
        for &idx in &thread.article_indices {
            *counts.entry(arc_of(idx)).or_insert(0) += 1;
        }
        majority += counts.values().max().copied().unwrap_or(0);
        members += thread.article_indices.len();
    }
    println!(
        "  truth: {:.3} of related links stay in the article's story arc; \
         thread purity {:.3} over {members} thread members",
        same as f64 / total.max(1) as f64,
        majority as f64 / members.max(1) as f64
    );
    Ok(())
}
