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
//!
//! `BENCH_DUMP=FILE` also writes the whole analysis as JSON, to check that a
//! speed change leaves the results byte for byte the same.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use digest_site::{analyse, content, Config};

/// The allocator of the `digest` binary, so time and memory are what a
/// build sees.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// The process's peak and current resident memory, in MiB (Linux).
fn memory_mib() -> (f64, f64) {
    let mib = |bytes: Option<u64>| bytes.map_or(0.0, |b| b as f64 / (1024.0 * 1024.0));
    (
        mib(digest_site::peak_memory()),
        mib(digest_site::resident_memory()),
    )
}

/// CPU time used by the process so far (user + system, all threads), in
/// seconds: on a shared machine it moves less than wall time with the load.
fn cpu_seconds() -> f64 {
    digest_site::cpu_time().map_or(0.0, |cpu| cpu.as_secs_f64())
}

/// Prints the wall and CPU time of each step of the analysis as it ends
/// (`BENCH_STAGES=1`), with the memory then: the steps
/// `analyse::finish_timed` reports of the real pipeline.
fn step_printer() -> impl FnMut(&str) {
    let mut clock = Instant::now();
    let mut cpu = cpu_seconds();
    move |name: &str| {
        let now = cpu_seconds();
        let (peak, current) = memory_mib();
        println!(
            "    {name:<26} {:>7.2} s wall {:>7.2} s cpu   memory {current:>6.0} MiB, peak {peak:>6.0} MiB",
            clock.elapsed().as_secs_f64(),
            now - cpu
        );
        clock = Instant::now();
        cpu = now;
    }
}

/// Runs the analysis `repeats` times (`BENCH_REPEAT=N`) and prints each
/// step's least CPU time: on a machine shared with other work, the least of
/// a few runs moves less than any one run.
fn repeat_steps(corpus: &content::Corpus, config: &Config, repeats: usize) {
    let mut least: Vec<(String, f64)> = Vec::new();
    for _ in 0..repeats {
        let mut cpu = cpu_seconds();
        let mut step = 0;
        analyse::run_timed(corpus, config, &mut |name: &str| {
            let now = cpu_seconds();
            match least.get_mut(step) {
                Some((_, seconds)) => *seconds = seconds.min(now - cpu),
                None => least.push((name.to_string(), now - cpu)),
            }
            step += 1;
            cpu = now;
        });
    }
    println!("  least CPU of {repeats} runs per step:");
    for (name, seconds) in &least {
        println!("    {name:<26} {seconds:>7.2} s cpu");
    }
    println!(
        "    {:<26} {:>7.2} s cpu",
        "sum",
        least.iter().map(|(_, seconds)| seconds).sum::<f64>()
    );
}

/// Writes what `digest analyse --json` prints to `path`, and the analysis
/// with unrounded scores to `path` + `.raw`.
fn dump(path: &Path, corpus: &content::Corpus, analysis: &analyse::Analysis) -> Result<(), String> {
    let report = analyse::report::report(corpus, analysis);
    let json = serde_json::to_string_pretty(&report).map_err(|err| err.to_string())?;
    let raw = serde_json::to_string(analysis).map_err(|err| err.to_string())?;
    let mut raw_path = path.as_os_str().to_owned();
    raw_path.push(".raw");
    // A benchmark's own scratch files, not site output, which only
    // `output` writes.
    #[allow(clippy::disallowed_methods)]
    std::fs::write(path, format!("{json}\n"))
        .and_then(|()| std::fs::write(raw_path, raw))
        .map_err(|err| err.to_string())
}

fn bench(root: &Path) -> Result<(), String> {
    let config = Config::load(root).map_err(|err| err.to_string())?;
    let started = Instant::now();
    let (mut corpus, _) = content::load(root, &config, false);
    let load_seconds = started.elapsed().as_secs_f64();
    let (_, rss_loaded) = memory_mib();
    let repeats: usize = std::env::var("BENCH_REPEAT")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    if repeats > 0 {
        repeat_steps(&corpus, &config, repeats);
    }
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    // As `digest build` does: the texts are freed once the features are read.
    let mut lap: Box<dyn FnMut(&str)> = if std::env::var_os("BENCH_STAGES").is_some() {
        println!("  steps:");
        Box::new(step_printer())
    } else {
        Box::new(|_| {})
    };
    let signals = analyse::read_and_drop_texts(&mut corpus);
    lap("features");
    let analysis = analyse::finish_timed(&corpus, &config, signals, &mut lap);
    let analyse_seconds = started.elapsed().as_secs_f64();
    let analyse_cpu = cpu_seconds() - cpu_before;
    let (peak, _) = memory_mib();
    if let Some(path) = std::env::var_os("BENCH_DUMP") {
        dump(Path::new(&path), &corpus, &analysis)?;
    }
    let n_articles = corpus.articles.len();
    let words: usize = corpus.articles.iter().map(|a| a.word_count).sum();
    println!(
        "{}: {n_articles} articles, {:.0} words each on average",
        root.display(),
        words as f64 / n_articles.max(1) as f64
    );
    println!(
        "  load {load_seconds:.2} s, analyse {analyse_seconds:.2} s wall, {analyse_cpu:.2} s cpu \
         ({:.1} µs per article); memory after load {rss_loaded:.0} MiB, peak {peak:.0} MiB",
        analyse_seconds * 1e6 / n_articles.max(1) as f64
    );
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
