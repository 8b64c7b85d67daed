//! `digest` turns a folder of news articles into a static digest site.
//!
//! The pipeline runs one way, one module a stage:
//! [`config`] → [`content`] → [`analyse`] → [`group`] → [`render`] →
//! [`output`]. [`build`] runs all of it; [`check`] runs all but the writing.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub mod analyse;
pub mod cache;
pub mod config;
pub mod content;
pub mod error;
pub mod group;
pub mod output;
pub mod render;
pub mod scaffold;
pub mod serve;

pub use config::Config;
pub use error::{Diagnostic, Error, Severity};

/// What `digest build` (or `check`, or `serve`) was asked to do.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The site's root folder (the one with `site.toml`).
    pub root: PathBuf,
    /// Write here instead of the configured `output_dir` (relative paths are
    /// relative to the current folder, as a user typing `--output` expects).
    pub output_dir: Option<PathBuf>,
    /// Include articles marked `draft: true`.
    pub include_drafts: bool,
    /// Use this base URL instead of the one in `site.toml`.
    pub base_url: Option<String>,
    /// Add the live-reload script to every page (`digest serve`).
    pub live_reload: bool,
    /// Told the name of each stage as it starts (for a progress display).
    pub progress: ProgressHook,
    /// Skip the build when nothing changed since the last one and its
    /// output is still in place (see [`cache`]); `digest build` sets it.
    pub reuse_unchanged: bool,
}

/// A callback told the name of each pipeline stage as it starts, so the
/// command line can show progress without the library knowing about
/// terminals.
#[derive(Clone, Default)]
pub struct ProgressHook(Option<Arc<dyn Fn(&'static str) + Send + Sync>>);

impl ProgressHook {
    /// A hook that calls `callback` with each stage's name.
    pub fn new(callback: impl Fn(&'static str) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(callback)))
    }

    /// Reports that `stage` starts.
    pub fn stage(&self, stage: &'static str) {
        if let Some(callback) = &self.0 {
            callback(stage);
        }
    }
}

impl fmt::Debug for ProgressHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "ProgressHook(set)"
        } else {
            "ProgressHook(none)"
        })
    }
}

/// How long one stage of the pipeline took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageTiming {
    /// The stage: `config`, `check`, `load`, `analyse`, `group`,
    /// `folders` (the output folders made on a thread alongside `analyse`:
    /// its wall time is the wait for them after it), `render`, `write`,
    /// `stamp`.
    pub stage: &'static str,
    /// Wall time spent in it.
    pub elapsed: Duration,
    /// CPU time (user and system, all threads) spent in it (Linux only;
    /// in steps of 10 ms): on a busy machine it says more than wall time.
    pub cpu: Option<Duration>,
    /// The process's peak resident memory so far, in bytes, when the stage
    /// ended (Linux only): which stage raised it shows where memory goes.
    pub peak_memory: Option<u64>,
}

/// CPU time (user and system) the process has used so far, all threads
/// (Linux only). `--timings` and the benchmark examples read it.
pub fn cpu_time() -> Option<Duration> {
    cpu_time_in("/proc/self/stat")
}

/// CPU time the calling thread has used so far (Linux only).
fn thread_cpu_time() -> Option<Duration> {
    cpu_time_in("/proc/thread-self/stat")
}

/// The CPU time (user and system) a `/proc/…/stat` file gives.
fn cpu_time_in(stat_file: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(stat_file).ok()?;
    // Fields after the command name, which is in parentheses; `utime` and
    // `stime` are the 14th and 15th fields, in ticks of 1/100 s (Linux's
    // fixed `USER_HZ`).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Wall and CPU time at one moment.
#[derive(Debug, Clone, Copy)]
struct Mark {
    wall: Instant,
    cpu: Option<Duration>,
}

impl Mark {
    fn now() -> Self {
        Self {
            wall: Instant::now(),
            cpu: cpu_time(),
        }
    }

    /// Wall and CPU time from `self` to now.
    fn elapsed(self) -> Spent {
        let now = Self::now();
        Spent {
            wall: now.wall - self.wall,
            cpu: now.cpu.zip(self.cpu).map(|(a, b)| a.saturating_sub(b)),
        }
    }
}

/// Wall and CPU time spent.
#[derive(Debug, Clone, Copy, Default)]
struct Spent {
    wall: Duration,
    cpu: Option<Duration>,
}

/// The process's peak resident memory so far (`VmHWM`), in bytes (Linux
/// only).
pub fn peak_memory() -> Option<u64> {
    memory_status("VmHWM:")
}

/// The process's resident memory now (`VmRSS`), in bytes (Linux only).
pub fn resident_memory() -> Option<u64> {
    memory_status("VmRSS:")
}

/// A line of `/proc/self/status` given in kB, in bytes.
fn memory_status(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}

/// What a successful build did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Articles built (drafts excluded unless asked for).
    pub n_articles: usize,
    /// Topics, hand-written and automatic.
    pub n_topics: usize,
    /// Days that have articles.
    pub n_days: usize,
    /// Output files the site has (pages and static files).
    pub n_files: usize,
    /// Output files whose bytes changed and were written.
    pub n_written: usize,
    /// Where the site was written (none for `check`).
    pub output_dir: Option<PathBuf>,
    /// Warnings that did not stop the build.
    pub warnings: Vec<Diagnostic>,
    /// Time per stage, in pipeline order.
    pub timings: Vec<StageTiming>,
    /// Wall time of the whole build.
    pub elapsed: Duration,
}

/// A site taken through every stage but writing.
#[derive(Debug)]
pub struct Generated {
    /// The settings in force.
    pub config: Config,
    /// The articles.
    pub corpus: content::Corpus,
    /// Related stories, threads, topics, duplicates.
    pub analysis: analyse::Analysis,
    /// Topics, days, weeks, months.
    pub digest: group::Digest,
    /// Every rendered page.
    pub pages: Vec<render::Page>,
    /// Warnings found on the way.
    pub warnings: Vec<Diagnostic>,
    /// Time per stage so far.
    pub timings: Vec<StageTiming>,
}

/// Wall time per stage, taken lap by lap.
struct Laps {
    timings: Vec<StageTiming>,
    clock: Mark,
}

impl Laps {
    fn start() -> Self {
        Self {
            timings: Vec::new(),
            clock: Mark::now(),
        }
    }

    /// Ends the current stage, named `stage`, and starts the next.
    fn lap(&mut self, stage: &'static str) {
        let spent = self.clock.elapsed();
        self.push(stage, spent);
        self.clock = Mark::now();
    }

    /// Records a stage timed by the caller.
    fn push(&mut self, stage: &'static str, spent: Spent) {
        self.timings.push(StageTiming {
            stage,
            elapsed: spent.wall,
            cpu: spent.cpu,
            peak_memory: peak_memory(),
        });
    }
}

/// A site taken through every stage before rendering.
struct Prepared {
    config: Config,
    corpus: content::Corpus,
    analysis: analyse::Analysis,
    digest: group::Digest,
    theme: render::Theme,
    diagnostics: Vec<Diagnostic>,
    /// What the article files held when loaded, for the build stamp.
    file_hashes: content::FileHashes,
}

impl Prepared {
    fn data(&self) -> render::SiteData<'_> {
        render::SiteData {
            config: &self.config,
            corpus: &self.corpus,
            analysis: &self.analysis,
            digest: &self.digest,
        }
    }

    /// The build's error: every problem found so far plus `problems`.
    fn fail(mut self, problems: Vec<Diagnostic>) -> Error {
        self.diagnostics.extend(problems);
        self.diagnostics.sort();
        Error::Input(self.diagnostics)
    }
}

/// Loads the settings, applying the options that override them.
fn load_config(options: &BuildOptions) -> Result<Config, Error> {
    let mut config = Config::load(&options.root)?;
    if let Some(url) = &options.base_url {
        config
            .set_base_url(url)
            .map_err(|message| Error::Input(vec![Diagnostic::error("--base-url", message)]))?;
    }
    Ok(config)
}

/// Loads, analyses and groups the site and loads its templates: all but
/// rendering and writing.
/// `bodies` says whether the articles hold their HTML bodies or the render
/// stage makes them again from the files; with `drop_texts`, the articles'
/// plain texts are emptied as soon as the analysis has read them.
/// `on_loaded` is shown the articles and settings once they loaded without
/// error, before the analysis starts.
fn prepare(
    options: &BuildOptions,
    config: Config,
    bodies: content::Bodies,
    drop_texts: bool,
    laps: &mut Laps,
    on_loaded: impl FnOnce(&content::Corpus, &Config),
) -> Result<Prepared, Error> {
    let progress = &options.progress;
    progress.stage("load");
    let (mut corpus, mut diagnostics, file_hashes) =
        content::load_hashed(&options.root, &config, options.include_drafts, bodies);
    laps.lap("load");
    // A template that does not compile is reported with the content
    // problems, so one run lists everything.
    let theme = render::Theme::load(&options.root);
    if let Err(problems) = &theme {
        diagnostics.extend(problems.iter().cloned());
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        diagnostics.sort();
        return Err(Error::Input(diagnostics));
    }
    let theme = match theme {
        Ok(theme) => theme,
        // Unreachable in practice: a theme error was pushed above and
        // returned; keep the compiler and reader certain of it.
        Err(problems) => return Err(Error::Input(problems)),
    };
    on_loaded(&corpus, &config);

    progress.stage("analyse");
    // Only the first part of the analysis reads the plain texts, and nothing
    // after it does: their memory (a third of the loaded corpus) can be
    // given back before the rest of the analysis runs.
    let signals = if drop_texts {
        analyse::read_and_drop_texts(&mut corpus)
    } else {
        analyse::read_texts(&corpus)
    };
    let analysis = analyse::finish(&corpus, &config, signals);
    laps.lap("analyse");
    progress.stage("group");
    let digest = group::run(&corpus, &analysis, &config);
    laps.lap("group");
    Ok(Prepared {
        config,
        corpus,
        analysis,
        digest,
        theme,
        diagnostics,
        file_hashes,
    })
}

/// Loads, analyses, groups and renders the site, without writing.
///
/// Errs with every problem found (warnings included, sorted by file and
/// line) when any input has an error.
pub fn generate(options: &BuildOptions) -> Result<Generated, Error> {
    let mut laps = Laps::start();
    options.progress.stage("config");
    let config = load_config(options)?;
    laps.lap("config");
    // `serve` keeps the site and renders pages again after an edit, from
    // the corpus it keeps: the bodies must not change under it.
    let prepared = prepare(
        options,
        config,
        content::Bodies::Held,
        false,
        &mut laps,
        |_, _| {},
    )?;
    let render_options = render::RenderOptions {
        live_reload: options.live_reload,
    };
    options.progress.stage("render");
    let pages = match render::site(prepared.data(), &prepared.theme, &render_options) {
        Ok(pages) => pages,
        Err(problems) => return Err(prepared.fail(problems)),
    };
    laps.lap("render");
    let Prepared {
        config,
        corpus,
        analysis,
        digest,
        mut diagnostics,
        ..
    } = prepared;
    diagnostics.sort();
    Ok(Generated {
        config,
        corpus,
        analysis,
        digest,
        pages,
        warnings: diagnostics,
        timings: laps.timings,
    })
}

/// The output folder a build writes to.
pub fn output_dir(options: &BuildOptions, config: &Config) -> PathBuf {
    match &options.output_dir {
        Some(dir) => dir.clone(),
        None => options.root.join(&config.output_dir),
    }
}

/// How many bytes of article files a build holds the HTML bodies of from
/// the load on (see [`content::Bodies::HeldUpTo`]): all of a 10,000-article
/// site (44 MB of files; its peak memory ~230 -> ~300 MiB, render CPU
/// -0.27 s), about a seventh of a 100,000-article one, whose peak (set by
/// the analysis) this raises by about twice the budget (the allocator's
/// rounding; ~130 MB measured at 100k, 1.32 GiB in all).
const HELD_BODIES_BYTES: usize = 64 << 20;

/// Builds the site into its output folder.
///
/// Each page is written by the thread that rendered it as soon as it is
/// rendered (the `render` timing includes writing the pages, `write` is the
/// static files, the links to unchanged files and the swap), so a large
/// site is never held in memory whole. Errs with every problem found; on
/// error the previous output is left exactly as it was.
pub fn build(options: &BuildOptions) -> Result<Report, Error> {
    let started = Instant::now();
    let mut laps = Laps::start();
    options.progress.stage("config");
    let config = load_config(options)?;
    let out = output_dir(options, &config);
    output::guard_output_dir(&options.root, &out)?;
    laps.lap("config");
    let started_at = std::time::SystemTime::now();
    let inputs = if options.reuse_unchanged {
        options.progress.stage("check");
        let inputs = cache::inputs(options, &out);
        let hit = inputs
            .as_ref()
            .and_then(|inputs| cache::lookup(options, &out, inputs));
        laps.lap("check");
        if let Some(mut report) = hit {
            report.timings = laps.timings;
            report.elapsed = started.elapsed();
            return Ok(report);
        }
        inputs
    } else {
        None
    };
    // Beyond the first `HELD_BODIES_BYTES` of article files, the bodies are
    // made again from the files as their pages are rendered,
    // so a large site's corpus does not hold them through the analysis.
    let bodies = content::Bodies::HeldUpTo(HELD_BODIES_BYTES);
    // The writer is made while the analysis runs (see `writer_ahead`).
    let mut ahead = None;
    let prepared = prepare(
        options,
        config,
        bodies,
        true,
        &mut laps,
        |corpus, config| {
            ahead = Some(writer_ahead(
                options,
                &out,
                render::pages_ahead(corpus, config),
            ));
        },
    );
    // Joined before an error returns, so no thread outlives a failed build
    // (a panic in the analysis still leaves it to finish on its own).
    let ahead = ahead.map(std::thread::JoinHandle::join);
    let prepared = prepared?;
    let (writer, ahead_spent) = match ahead {
        Some(Ok(made)) => made,
        Some(Err(panic)) => std::panic::resume_unwind(panic),
        // Not reached: `prepare` calls back with the corpus before it
        // returns `Ok`. Made here all the same rather than unwrapped.
        None => (new_writer(options, &out), Spent::default()),
    };
    let mut writer = writer?;
    // The "folders" lap's wall time is only what the build waited for the
    // thread after the analysis (the stages still add up to the whole);
    // its CPU time is all the thread's, taken out of the analysis's lap,
    // during which the rest of it ran.
    laps.lap("folders");
    let waited_cpu = laps.timings.last().and_then(|t| t.cpu).unwrap_or_default();
    let moved = ahead_spent
        .cpu
        .unwrap_or_default()
        .saturating_sub(waited_cpu);
    for timing in &mut laps.timings {
        match timing.stage {
            "analyse" => timing.cpu = timing.cpu.map(|cpu| cpu.saturating_sub(moved)),
            "folders" => timing.cpu = timing.cpu.map(|cpu| cpu + moved),
            _ => {}
        }
    }

    let render_options = render::RenderOptions {
        live_reload: options.live_reload,
    };
    options.progress.stage("render");
    // Each page is written by the thread that rendered it as soon as it is
    // rendered, so the "render" lap includes the writing of the pages and
    // "write" is the end: static files, links to the unchanged files of
    // the current output, the swap.
    let rendered = render::site_each(prepared.data(), &prepared.theme, &render_options, |page| {
        writer.put(&page.path, &page.bytes)
    });
    let put = match rendered {
        Ok(put) => put,
        // Dropping the writer puts its staging folder aside: the output is
        // untouched.
        Err(render::SiteError::Templates(problems)) => return Err(prepared.fail(problems)),
        Err(render::SiteError::Sink(err)) => return Err(err),
    };
    writer.absorb(put.into_iter().flatten());
    let (n_articles, n_topics, n_days) = (
        prepared.corpus.articles.len(),
        prepared.digest.topics.len(),
        prepared.digest.days.len(),
    );
    let mut prepared = prepared;
    let mut diagnostics = std::mem::take(&mut prepared.diagnostics);
    let file_hashes = std::mem::take(&mut prepared.file_hashes);
    // The articles, their analysis and the digest are hundreds of
    // thousands of allocations (~60 ms of freeing at 10k): freed on a
    // thread of their own, so that neither the rest of the build nor the
    // command's exit waits for them.
    // Should no thread be had, they are freed here instead (the closure,
    // and so `prepared`, comes back inside the error).
    if let Err(err) = std::thread::Builder::new().spawn(move || drop(prepared)) {
        drop(err);
    }
    laps.lap("render");
    options.progress.stage("write");
    let (stats, written) = writer.finish_recorded()?;
    laps.lap("write");

    diagnostics.sort();
    let mut report = Report {
        n_articles,
        n_topics,
        n_days,
        n_files: stats.n_files,
        n_written: stats.n_written,
        output_dir: Some(out.clone()),
        warnings: diagnostics,
        timings: laps.timings,
        elapsed: started.elapsed(),
    };
    let stamp_started = Mark::now();
    cache::store_manifest(&options.root, &out, &written);
    if let Some(inputs) = &inputs {
        cache::store(
            options,
            &out,
            inputs,
            &file_hashes,
            &written,
            started_at,
            &report,
        );
    }
    let spent = stamp_started.elapsed();
    report.timings.push(StageTiming {
        stage: "stamp",
        elapsed: spent.wall,
        cpu: spent.cpu,
        peak_memory: peak_memory(),
    });
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The writer of a build into `out`, which knows what the last build left
/// there (its record of its files lets the writer compare pages by hash
/// instead of reading the old output back).
fn new_writer(options: &BuildOptions, out: &Path) -> Result<output::Writer, Error> {
    let writer = output::Writer::new(out, &options.root.join(output::STATIC_DIR))?;
    Ok(writer.with_previous(cache::previous_manifest(&options.root, out)))
}

/// Makes a build's writer ([`new_writer`]) on a thread of its own while
/// the analysis runs, and with it the files of the `pages` known before
/// the analysis, empty, when every page will be written
/// (`output::Writer::make_ahead`: ~11,000 files and folders at 10k,
/// otherwise made by the rendering threads later). Returns the writer and
/// the thread's wall and CPU time.
fn writer_ahead(
    options: &BuildOptions,
    out: &Path,
    pages: Vec<PathBuf>,
) -> std::thread::JoinHandle<(Result<output::Writer, Error>, Spent)> {
    let (options, out) = (options.clone(), out.to_path_buf());
    std::thread::spawn(move || {
        let (wall, cpu) = (Instant::now(), thread_cpu_time());
        let writer = new_writer(&options, &out).map(|mut writer| {
            writer.make_ahead(pages);
            writer
        });
        let spent = Spent {
            wall: wall.elapsed(),
            cpu: thread_cpu_time()
                .zip(cpu)
                .map(|(now, then)| now.saturating_sub(then)),
        };
        (writer, spent)
    })
}

/// Does everything a build does but write; reports every problem at once.
pub fn check(options: &BuildOptions) -> Result<Report, Error> {
    let started = Instant::now();
    let generated = generate(options)?;
    let mut report = report_of(&generated, started);
    report.n_files = generated.pages.len();
    Ok(report)
}

fn report_of(generated: &Generated, started: Instant) -> Report {
    Report {
        n_articles: generated.corpus.articles.len(),
        n_topics: generated.digest.topics.len(),
        n_days: generated.digest.days.len(),
        n_files: 0,
        n_written: 0,
        output_dir: None,
        warnings: generated.warnings.clone(),
        timings: generated.timings.clone(),
        elapsed: started.elapsed(),
    }
}

/// A site's settings and articles, loaded for inspection (`digest explain`,
/// `digest analyse`) without rendering.
#[derive(Debug)]
pub struct LoadedSite {
    /// The settings in force.
    pub config: Config,
    /// The articles.
    pub corpus: content::Corpus,
    /// Warnings found while loading.
    pub warnings: Vec<Diagnostic>,
}

/// Loads `site.toml` and the articles of the site in `root`.
///
/// Errs, like [`generate`], with every problem found when an input has an
/// error.
pub fn load_site(root: &Path, include_drafts: bool) -> Result<LoadedSite, Error> {
    let config = Config::load(root)?;
    let (corpus, mut diagnostics) = content::load(root, &config, include_drafts);
    diagnostics.sort();
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Error::Input(diagnostics));
    }
    Ok(LoadedSite {
        config,
        corpus,
        warnings: diagnostics,
    })
}

/// `path` relative to `root` when it is inside it, for messages.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}
