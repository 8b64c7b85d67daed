//! Speed and memory of the load stage alone (`content::load`) on a site:
//! wall and CPU time, resident memory after loading, and how many bytes each
//! field of the loaded articles holds, so a change to loading can be
//! measured without running the rest of a build.
//!
//! ```text
//! cargo run --release --example load_bench -- /tmp/st10 [ROUNDS]
//! ```
//!
//! The corpus is loaded as `digest build` loads it, HTML bodies left in
//! the files (`Bodies::FromFile`). `LOAD_BENCH_DUMP=FILE` also writes the
//! loaded corpus as JSON with the HTML bodies made again from the files, as
//! the render stage makes them (after the timing);
//! `LOAD_BENCH_HELPERS=1` times the text helpers on the loaded texts.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use digest_site::{content, Config};

/// The allocator of the `digest` binary, so time and memory are what a
/// build sees.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Resident memory now, in MiB (Linux).
fn rss_mib() -> f64 {
    digest_site::resident_memory().map_or(0.0, |bytes| bytes as f64 / (1024.0 * 1024.0))
}

/// CPU time used by the process so far (user + system), in seconds.
fn cpu_seconds() -> f64 {
    digest_site::cpu_time().map_or(0.0, |cpu| cpu.as_secs_f64())
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(site) = args.next().map(PathBuf::from) else {
        eprintln!("usage: load_bench SITE_DIR [ROUNDS]");
        return ExitCode::from(2);
    };
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(3);
    let config = match Config::load(&site) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let before = rss_mib();
    let mut kept = None;
    for round in 0..rounds {
        drop(kept.take());
        let (wall, cpu) = (Instant::now(), cpu_seconds());
        let (corpus, _) = content::load(&site, &config, false);
        println!(
            "round {round}: {} articles, load {:.3} s wall, {:.2} s cpu, rss {:.0} MiB (was {before:.0})",
            corpus.articles.len(),
            wall.elapsed().as_secs_f64(),
            cpu_seconds() - cpu,
            rss_mib(),
        );
        if std::env::var_os("LOAD_BENCH_SMAPS").is_some() {
            // How much of the resident memory is in huge pages (a partly
            // used 2 MiB page counts whole).
            let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
            for line in rollup
                .lines()
                .filter(|l| l.starts_with("Rss") || l.contains("Huge"))
            {
                println!("  {line}");
            }
        }
        kept = Some(corpus);
    }
    if let Some(mut corpus) = kept {
        print_sizes(&corpus);
        if let Some(path) = std::env::var_os("LOAD_BENCH_DUMP") {
            let (started, cpu) = (Instant::now(), cpu_seconds());
            for article in &mut corpus.articles {
                match content::body_html(article, &config) {
                    Ok(html) => article.body_html = html.into_owned(),
                    Err(problem) => {
                        eprintln!("error: {problem}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            println!(
                "bodies made again from the files in {:.3} s wall, {:.2} s cpu (one thread)",
                started.elapsed().as_secs_f64(),
                cpu_seconds() - cpu,
            );
            // The whole corpus as JSON, to check that a change to loading
            // leaves every article byte for byte the same.
            let json = serde_json::to_string(&corpus).unwrap_or_default();
            let written = std::fs::File::create(&path)
                .and_then(|mut file| std::io::Write::write_all(&mut file, json.as_bytes()));
            if let Err(err) = written {
                eprintln!(
                    "error: cannot write {}: {err}",
                    PathBuf::from(path).display()
                );
                return ExitCode::FAILURE;
            }
        }
        if std::env::var_os("LOAD_BENCH_HELPERS").is_some() {
            time_helpers(&corpus);
        }
    }
    ExitCode::SUCCESS
}

/// Bytes held by the strings of the loaded articles, field by field.
fn print_sizes(corpus: &content::Corpus) {
    let mut sizes: Vec<(&str, usize)> = vec![
        ("struct Article", std::mem::size_of::<content::Article>()),
        ("body_html", 0),
        ("body_file", 0),
        ("text", 0),
        ("summary", 0),
        ("title+slug+path", 0),
        ("topics", 0),
        ("extra (json)", 0),
        ("other strings", 0),
    ];
    let n = corpus.articles.len().max(1);
    for a in &corpus.articles {
        sizes[1].1 += a.body_html.capacity();
        sizes[2].1 += a.body_file.as_ref().map_or(0, |f| f.path.capacity());
        sizes[3].1 += a.text.capacity();
        sizes[4].1 += a.summary.capacity();
        sizes[5].1 += a.title.capacity() + a.slug.capacity() + a.source_path.capacity();
        sizes[6].1 += a.topics.iter().map(|t| t.capacity() + 24).sum::<usize>();
        sizes[7].1 += serde_json::to_string(&a.extra).map_or(0, |s| s.len());
        sizes[8].1 += a.lang.capacity()
            + [&a.source, &a.source_url, &a.author, &a.image]
                .iter()
                .map(|s| s.as_ref().map_or(0, String::capacity))
                .sum::<usize>();
    }
    sizes[0].1 *= n;
    for (name, bytes) in sizes {
        println!(
            "  {name:<16} {:>8.1} MiB  {:>7.0} B/article",
            bytes as f64 / 1048576.0,
            bytes as f64 / n as f64
        );
    }
}

/// Rounds of each helper timing.
const REPS: usize = 10;

/// Times the text helpers on the loaded texts (`LOAD_BENCH_HELPERS=1`),
/// next to two plain loops over the same bytes as yardsticks.
fn time_helpers(corpus: &content::Corpus) {
    let bytes: usize = corpus.articles.iter().map(|a| a.text.len()).sum();
    // Runs `per_text` on every text REPS times; prints CPU per byte and the
    // sum of what it returned (so the work cannot be optimised away).
    let time = |label: &str, per_text: &mut dyn FnMut(&str) -> usize| {
        let started = cpu_seconds();
        let mut total = 0;
        for _ in 0..REPS {
            for a in &corpus.articles {
                total += per_text(&a.text);
            }
        }
        let per_byte = (cpu_seconds() - started) * 1e9 / (REPS as f64 * bytes as f64);
        println!("  {label}: {per_byte:.2} ns/byte ({total})");
    };
    time("word_count", &mut |text| content::text::word_count(text));
    let mut out = String::new();
    time("push_normalised", &mut |text| {
        for paragraph in text.split("\n\n") {
            out.clear();
            content::text::push_normalised(paragraph, &mut out);
        }
        out.len()
    });
    time("count spaces", &mut |text| {
        text.bytes().filter(|&b| b == b' ').count()
    });
    time("branchy loop", &mut |text| {
        let b = text.as_bytes();
        let (mut alnum, mut i) = (0, 0);
        while i < b.len() {
            if b[i].is_ascii_alphanumeric() {
                alnum += 1;
            }
            i += 1;
        }
        alnum
    });
}
