//! Stage 7 of the pipeline: `digest serve`, a live preview.
//!
//! It builds the site with links pointing at the local address and the
//! live-reload script on every page, keeps the result in memory (the user's
//! output folder is never touched) and serves it on `127.0.0.1`. A watcher
//! ([`watch`]) reports changes to `content/`, `templates/`, `static/` and
//! `site.toml`; the rebuild thread rebuilds what they touch, compares the new
//! site with the served one ([`site`]) and tells every open tab ([`reload`])
//! to reload, to swap its stylesheets, or to show the build's problems while
//! the last good site stays served. The HTTP side ([`http`]) only ever looks
//! paths up in the site it holds.
//!
//! Serve knows nothing about articles: it drives the pipeline through
//! [`crate::generate`] and sees pages and files.

use std::collections::{BTreeSet, HashMap};
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::error::Diagnostic;
use crate::render::{Edit, Page};
use crate::BuildOptions;

/// Prints a line on stdout. Unlike `println!` it cannot panic: when the
/// terminal or pipe is gone, the preview keeps serving.
macro_rules! out_line {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Prints a line on stderr, as [`out_line`] does on stdout.
macro_rules! err_line {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

pub mod http;
pub mod reload;
pub mod site;
pub mod state;
pub mod watch;

use reload::{Message, Problem};
use site::{only_stylesheets, scan_static, Site};
use state::{Snapshot, State};
use watch::{Batch, Watcher};

/// How many ports after the asked one are tried when it is taken.
const PORT_TRIES: u16 = 20;

/// What `digest serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site's root folder (the one with `site.toml`).
    pub root: PathBuf,
    /// Include articles marked `draft: true`.
    pub include_drafts: bool,
    /// The address to listen on; anything but loopback is warned about.
    pub bind: IpAddr,
    /// The port to listen on: when taken, the next free one of the
    /// following few is used (and said so); 0 lets the system pick.
    pub port: u16,
    /// Open the site in the default browser once it is served.
    pub open: bool,
    /// How long the file system must be quiet before a rebuild starts (at
    /// most 5 ms once a file was closed after writing or renamed into
    /// place, see [`watch::Debouncer`]).
    pub debounce: Duration,
}

impl ServeOptions {
    /// The defaults of `digest serve` for the site at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            include_drafts: false,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 1111,
            open: false,
            debounce: Duration::from_millis(30),
        }
    }
}

/// A running preview server: HTTP, watcher and rebuild threads.
pub struct Server {
    address: SocketAddr,
    url: String,
    state: Arc<State>,
    http: Option<JoinHandle<()>>,
    rebuild: Option<JoinHandle<()>>,
    watcher: Option<Watcher>,
}

/// Builds and serves the site until Ctrl-C, then stops cleanly.
///
/// Errs when the site has no `site.toml`, no port can be bound or the
/// watcher cannot start; a site that does not build is served with its
/// problems shown instead.
pub fn run(options: &ServeOptions) -> anyhow::Result<()> {
    let server = start_with(options, true)?;
    out_line!("serving at {} (press Ctrl-C to stop)", server.url());
    if options.open {
        if let Err(err) = opener::open(server.url()) {
            err_line!(
                "warning: could not open a browser ({err}); open {} yourself",
                server.url()
            );
        }
    }
    server.wait();
    out_line!("stopped");
    Ok(())
}

/// Starts a server for the site (without handling Ctrl-C: call
/// [`Server::stop`]). The first build is done before this returns.
///
/// Errs as [`run`] does.
pub fn start(options: &ServeOptions) -> anyhow::Result<Server> {
    start_with(options, false)
}

fn start_with(options: &ServeOptions, stop_on_ctrl_c: bool) -> anyhow::Result<Server> {
    let root = options
        .root
        .canonicalize()
        .with_context(|| format!("cannot open the site folder `{}`", options.root.display()))?;
    if !root.join(crate::config::CONFIG_FILE).is_file() {
        // Same message as `digest build` gives.
        crate::Config::load(&root)?;
    }
    if !options.bind.is_loopback() {
        err_line!(
            "warning: `--bind {}` makes the preview reachable from other machines; use `--bind 127.0.0.1` to keep it local",
            options.bind
        );
    }
    let (listener, moved_from) = bind(options.bind, options.port)?;
    let address = listener.local_addr()?;
    if let Some(asked) = moved_from {
        err_line!(
            "port {asked} is in use; serving on port {} instead",
            address.port()
        );
    }
    let url = local_url(address);

    // The watcher starts before the first build, so an edit made while it
    // runs is not lost.
    let (watcher, batches) = Watcher::start(&root, options.debounce)
        .with_context(|| format!("cannot watch `{}` for changes", root.display()))?;

    let mut rebuilder = Rebuilder {
        root: root.clone(),
        build: BuildOptions {
            root: root.clone(),
            output_dir: None,
            include_drafts: options.include_drafts,
            base_url: Some(url.clone()),
            live_reload: true,
            ..BuildOptions::default()
        },
        shown_warnings: BTreeSet::new(),
        model: None,
        dirty: BTreeSet::new(),
        failed: None,
        files_due: Edit::default(),
        analysis_stale: false,
        rebuilds: 0,
        refresh: None,
        refreshed: None,
        full_took: Duration::ZERO,
    };
    let state = State::for_url(Snapshot::default(), url.clone());
    rebuilder.rebuild(&Batch::default(), &state, Trigger::First);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    listener.set_nonblocking(true)?;
    let http_state = Arc::clone(&state);
    let http = std::thread::Builder::new()
        .name("digest-http".into())
        .spawn(move || serve_until_stopped(&runtime, listener, http_state, stop_on_ctrl_c))?;
    let rebuild_state = Arc::clone(&state);
    let rebuild = std::thread::Builder::new()
        .name("digest-rebuild".into())
        .spawn(move || rebuild_loop(rebuilder, &batches, &rebuild_state))?;

    Ok(Server {
        address,
        url,
        state,
        http: Some(http),
        rebuild: Some(rebuild),
        watcher: Some(watcher),
    })
}

impl Server {
    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The site's URL, e.g. `http://127.0.0.1:1111/`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The site as served right now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.state.snapshot()
    }

    /// Stops serving, watching and rebuilding, and waits for all of it.
    pub fn stop(mut self) {
        self.state.stop();
        self.join();
    }

    /// Waits until the server is stopped (by Ctrl-C, for [`run`]).
    pub fn wait(mut self) {
        if let Some(http) = self.http.take() {
            let _ = http.join();
        }
        self.state.stop();
        self.join();
    }

    fn join(&mut self) {
        if let Some(http) = self.http.take() {
            let _ = http.join();
        }
        // Stopping the watcher closes the batch channel, which ends the
        // rebuild thread once a rebuild in progress is done.
        if let Some(watcher) = self.watcher.take() {
            watcher.stop();
        }
        if let Some(rebuild) = self.rebuild.take() {
            let _ = rebuild.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.state.stop();
        self.join();
    }
}

/// Binds `ip:port`, or the next free port of the following few when it is
/// taken; says which port it moved from.
fn bind(ip: IpAddr, port: u16) -> anyhow::Result<(TcpListener, Option<u16>)> {
    let last = if port == 0 {
        0
    } else {
        port.saturating_add(PORT_TRIES - 1)
    };
    for candidate in port..=last {
        match TcpListener::bind(SocketAddr::new(ip, candidate)) {
            Ok(listener) => return Ok((listener, (candidate != port).then_some(port))),
            Err(err) if err.kind() == io::ErrorKind::AddrInUse => continue,
            Err(err) => {
                return Err(err).with_context(|| format!("cannot listen on {ip} port {candidate}"))
            }
        }
    }
    anyhow::bail!("ports {port} to {last} are all in use: pass `--port` with a free one")
}

/// The URL links in the served site use.
fn local_url(address: SocketAddr) -> String {
    // An unspecified address listens everywhere, but a browser on this
    // machine reaches it through loopback.
    match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => format!("http://127.0.0.1:{}/", address.port()),
        IpAddr::V4(ip) => format!("http://{ip}:{}/", address.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => format!("http://[::1]:{}/", address.port()),
        IpAddr::V6(ip) => format!("http://[{ip}]:{}/", address.port()),
    }
}

fn serve_until_stopped(
    runtime: &tokio::runtime::Runtime,
    listener: TcpListener,
    state: Arc<State>,
    stop_on_ctrl_c: bool,
) {
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(err) => {
                err_line!("error: cannot serve: {err}");
                state.stop();
                return;
            }
        };
        if stop_on_ctrl_c {
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    state.stop();
                }
            });
        }
        let mut stopping = state.stopping();
        let server = http::serve(listener, Arc::clone(&state));
        // Graceful shutdown waits for open connections; a client that
        // stalls mid-request must not keep the process alive.
        let deadline = async move {
            let _ = stopping.wait_for(|stop| *stop).await;
            tokio::time::sleep(Duration::from_secs(2)).await;
        };
        tokio::select! {
            result = server => {
                if let Err(err) = result {
                    err_line!("error: the server stopped: {err}");
                }
            }
            () = deadline => {}
        }
        // Whatever ended the server, the rest must stop too.
        state.stop();
    });
}

/// How long the site must be left alone before a full build starts, in the
/// background, to bring the analysis of edited articles up to date; on a
/// site whose full build takes longer, that long (see
/// [`Rebuilder::settle_after`]).
const SETTLE_AFTER: Duration = Duration::from_secs(2);

/// How often the rebuild thread looks whether that background build is
/// done, while it waits for changes.
const REFRESH_POLL: Duration = Duration::from_millis(50);

/// A full build on a thread of its own, started once the site was left
/// alone after edits that kept the old analysis. Edits go on being shown
/// meanwhile; its result is used only if nothing was rebuilt since it
/// started (else a new one starts once the site is left alone again).
struct Refresh {
    /// [`Rebuilder::rebuilds`] when it started.
    rebuilds: u64,
    result: Receiver<Result<crate::Generated, crate::Error>>,
}

/// What started a rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    /// The first build, before serving.
    First,
    /// A change on disk.
    Change,
    /// The site was left alone after edits that kept the old analysis.
    Settle,
}

fn rebuild_loop(mut rebuilder: Rebuilder, batches: &Receiver<Batch>, state: &State) {
    let stopping = state.stopping();
    loop {
        rebuilder.prepare_theme();
        let received = if rebuilder.refresh.is_some() {
            batches.recv_timeout(REFRESH_POLL)
        } else if rebuilder.should_settle() {
            batches.recv_timeout(rebuilder.settle_after())
        } else {
            batches.recv().map_err(|_| RecvTimeoutError::Disconnected)
        };
        if *stopping.borrow() {
            return;
        }
        match received {
            Ok(mut batch) => {
                // Changes that came in during the last rebuild are done at
                // once.
                while let Ok(more) = batches.try_recv() {
                    batch.merge(more);
                }
                rebuilder.rebuild(&batch, state, Trigger::Change);
            }
            Err(RecvTimeoutError::Timeout) if rebuilder.refresh.is_some() => {
                rebuilder.finish_refresh(state);
            }
            Err(RecvTimeoutError::Timeout) => rebuilder.start_refresh(),
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Rebuilds the site on changes and publishes the result.
struct Rebuilder {
    root: PathBuf,
    build: BuildOptions,
    /// Warnings already printed, so each shows once, not on every rebuild.
    shown_warnings: BTreeSet<String>,
    /// What the last full build computed before rendering, kept up to date
    /// by later edits: a template change re-renders from it, and an edit of
    /// an article re-renders only the pages that show that article.
    model: Option<Model>,
    /// Article files edited since the model was last brought up to date,
    /// whose edit did not load (they are tried again with the next change).
    dirty: BTreeSet<PathBuf>,
    /// The work whose failure the served problems come from.
    failed: Option<Work>,
    /// Articles whose edit re-rendered their HTML pages; their feeds,
    /// sitemap and search index are rendered right after the reload.
    files_due: Edit,
    /// Articles were edited since the last full build, whose analysis
    /// (related stories, threads) is the one of their earlier text.
    analysis_stale: bool,
    /// How many rebuilds were started, to tell whether a background full
    /// build saw the site as it is.
    rebuilds: u64,
    /// The background full build in progress, if any.
    refresh: Option<Refresh>,
    /// How long the last full build took (in the foreground).
    full_took: Duration,
    /// Its result, for the next full build to use instead of building.
    refreshed: Option<Result<crate::Generated, crate::Error>>,
}

/// The stages before rendering, kept from a full build.
struct Model {
    config: crate::Config,
    corpus: crate::content::Corpus,
    analysis: crate::analyse::Analysis,
    digest: crate::group::Digest,
    /// The templates, compiled on first use after a full build.
    theme: Option<crate::render::Theme>,
    /// The warnings of loading, which a re-render does not see again.
    warnings: Vec<Diagnostic>,
    /// Each article's index in `corpus` by its source path (as
    /// [`path_key`] gives it), to find an edited file's article at once.
    by_path: HashMap<String, usize>,
}

impl Model {
    /// What the renderer reads of the kept stages.
    fn data(&self) -> crate::render::SiteData<'_> {
        crate::render::SiteData {
            config: &self.config,
            corpus: &self.corpus,
            analysis: &self.analysis,
            digest: &self.digest,
        }
    }
}

/// What a change needs redone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    /// Rescan `static/`; pages stay.
    Statics,
    /// Load the edited articles again and re-render the pages that show
    /// them, keeping the analysis (falls back to [`Work::Full`] when an
    /// edit moved an article, renamed it or changed its topics).
    Articles,
    /// Re-render from the kept model (templates changed).
    Render,
    /// Load, analyse, group and render again.
    Full,
}

/// The least work that brings the site up to date after `batch`, given
/// whether a model is kept and which work failed last (if any).
fn work_for(batch: &Batch, have_model: bool, failed: Option<Work>) -> Work {
    use watch::ChangeKind;
    let touches = |kind: ChangeKind| batch.paths.values().any(|k| *k == kind);
    if batch.rescan || touches(ChangeKind::Config) || !have_model {
        return Work::Full;
    }
    let content = touches(ChangeKind::Content);
    let template = touches(ChangeKind::Template);
    match failed {
        None if content && template => Work::Full,
        None if content => Work::Articles,
        None if template => Work::Render,
        None => Work::Statics,
        // An article did not load: only loading it again can tell it is
        // fixed, whatever else changed.
        Some(Work::Articles) if template => Work::Full,
        Some(Work::Articles) => Work::Articles,
        // A template did not render: render everything again.
        Some(Work::Render) if content => Work::Full,
        Some(Work::Render) => Work::Render,
        Some(Work::Statics | Work::Full) => Work::Full,
    }
}

impl Rebuilder {
    /// How this server renders pages (with or without the reload script).
    fn render_options(&self) -> crate::render::RenderOptions {
        crate::render::RenderOptions {
            live_reload: self.build.live_reload,
        }
    }

    /// Rebuilds what `batch` touches, publishes the new site (or the
    /// problems, keeping the last good site) and prints what happened.
    fn rebuild(&mut self, batch: &Batch, state: &State, trigger: Trigger) {
        let started = Instant::now();
        self.rebuilds += 1;
        let current = state.snapshot();
        let statics = scan_static(&self.root);
        let mut warnings = statics.warnings.clone();
        let mut work = if trigger == Trigger::First {
            Work::Full
        } else {
            work_for(batch, self.model.is_some(), self.failed)
        };
        // The new site, with the paths that changed when they are known
        // without comparing every file.
        let result: Result<(Site, Option<Vec<String>>), crate::Error> = match work {
            Work::Statics => Ok((current.site.with_statics(statics), None)),
            Work::Articles => match self.articles(batch) {
                Some(Ok(pages)) => {
                    warnings.extend(self.model_warnings());
                    let (site, changed) = current.site.updated(pages, statics);
                    Ok((site, Some(changed)))
                }
                Some(Err(err)) => Err(err),
                None => {
                    work = Work::Full;
                    self.full(&mut warnings)
                        .map(|pages| (Site::new(pages, statics), None))
                }
            },
            Work::Render => match self.render() {
                Ok(pages) => {
                    warnings.extend(self.model_warnings());
                    Ok((Site::new(pages, statics), None))
                }
                Err(err) => Err(err),
            },
            Work::Full => self
                .full(&mut warnings)
                .map(|pages| (Site::new(pages, statics), None)),
        };
        self.failed = result.is_err().then_some(work);
        match (&result, work) {
            (Ok(_), Work::Full) => {
                self.analysis_stale = false;
                if trigger != Trigger::Settle {
                    self.full_took = started.elapsed();
                }
            }
            (Ok(_), Work::Articles) => self.analysis_stale = true,
            _ => {}
        }
        self.show_warnings(&warnings);
        match result {
            Ok((site, known)) => {
                let changed = known.unwrap_or_else(|| current.site.changed(&site));
                let elapsed = started.elapsed();
                let was_broken = !current.problems.is_empty() || !current.built;
                let generation = if changed.is_empty() {
                    current.generation
                } else {
                    current.generation + 1
                };
                let message = if changed.is_empty() {
                    was_broken.then_some(Message::Fixed { generation })
                } else if only_stylesheets(&changed) && !was_broken {
                    Some(Message::Css {
                        generation,
                        paths: changed.iter().map(|key| format!("/{key}")).collect(),
                    })
                } else {
                    Some(Message::Reload { generation })
                };
                let n_files = site.len();
                state.publish(
                    Snapshot {
                        site,
                        built: true,
                        generation,
                        problems: Vec::new(),
                    },
                    message,
                );
                if trigger == Trigger::First {
                    out_line!("built {n_files} files in {} ms", elapsed.as_millis());
                } else if trigger == Trigger::Settle {
                    out_line!(
                        "related stories and threads brought up to date, {} file{} changed",
                        changed.len(),
                        if changed.len() == 1 { "" } else { "s" },
                    );
                } else {
                    let how = match work {
                        Work::Statics => "static files rescanned",
                        Work::Articles => "pages of the edited articles",
                        Work::Render => "re-rendered",
                        Work::Full => "full build",
                    };
                    out_line!(
                        "{}: rebuilt in {} ms ({how}), {} file{} changed{}",
                        describe(&self.root, batch),
                        elapsed.as_millis(),
                        changed.len(),
                        if changed.len() == 1 { "" } else { "s" },
                        if was_broken {
                            "; the site builds again"
                        } else {
                            ""
                        }
                    );
                }
            }
            Err(error) => {
                let problems = Problem::list(&error);
                for problem in &problems {
                    err_line!("{}", problem.text);
                }
                err_line!(
                    "error: the build failed; {} (fix the file and it rebuilds by itself)",
                    if current.built {
                        "the last good site is still served"
                    } else {
                        "nothing to serve yet"
                    }
                );
                state.publish_broken(problems);
            }
        }
        if !self.files_due.is_empty() {
            self.finish_files(state);
        }
    }

    /// Compiles the templates for the next edit of an article, between
    /// rebuilds: a full build does not keep them, and at 10,000 articles
    /// compiling them took most of the first edit's time (a second of
    /// 1.2 s). When they do not compile, the edit reports why.
    fn prepare_theme(&mut self) {
        if let Some(model) = &mut self.model {
            if model.theme.is_none() {
                model.theme = crate::render::Theme::load(&self.root).ok();
            }
        }
    }

    /// True when edits since the last full build kept the old analysis, so
    /// a full build should bring it up to date once the site is left alone.
    fn should_settle(&self) -> bool {
        self.analysis_stale && self.failed.is_none()
    }

    /// How long the site must be left alone before the analysis is brought
    /// up to date: 2 s, or as long as a full build takes. The background
    /// build shares the machine with the edits that come while it runs (at
    /// 10,000 articles they took ~180 ms instead of ~100 ms on a loaded
    /// machine), so a big site waits for a real pause in the editing.
    fn settle_after(&self) -> Duration {
        SETTLE_AFTER.max(self.full_took)
    }

    /// Starts a full build in the background. It gets one worker thread of
    /// its own, so the other core keeps serving edits at full speed.
    fn start_refresh(&mut self) {
        let build = self.build.clone();
        let (sender, result) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("digest-refresh".into())
            .spawn(move || {
                let generated = match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
                    Ok(pool) => pool.install(|| crate::generate(&build)),
                    Err(_) => crate::generate(&build),
                };
                // Nobody listens when serve stopped meanwhile.
                let _ = sender.send(generated);
            });
        match spawned {
            Ok(_) => {
                self.refresh = Some(Refresh {
                    rebuilds: self.rebuilds,
                    result,
                });
            }
            // No thread to spare: keep the old analysis until a change
            // needs a full build.
            Err(_) => self.analysis_stale = false,
        }
    }

    /// Uses the background full build once it is done, if nothing was
    /// rebuilt since it started.
    fn finish_refresh(&mut self, state: &State) {
        let Some(refresh) = &self.refresh else {
            return;
        };
        let result = match refresh.result.try_recv() {
            Ok(result) => result,
            Err(std::sync::mpsc::TryRecvError::Empty) => return,
            // The thread died; a later settle tries again.
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.refresh = None;
                return;
            }
        };
        let up_to_date = refresh.rebuilds == self.rebuilds;
        self.refresh = None;
        if up_to_date {
            self.refreshed = Some(result);
            let everything = Batch {
                rescan: true,
                ..Batch::default()
            };
            self.rebuild(&everything, state, Trigger::Settle);
        }
    }

    /// Loads, analyses, groups and renders everything; keeps the model.
    fn full(&mut self, warnings: &mut Vec<Diagnostic>) -> Result<Vec<Page>, crate::Error> {
        // The kept model is stale from here on, whether or not this build
        // succeeds.
        self.model = None;
        self.dirty.clear();
        self.files_due = Edit::default();
        let generated = match self.refreshed.take() {
            Some(result) => result?,
            None => crate::generate(&self.build)?,
        };
        warnings.extend(generated.warnings.iter().cloned());
        let by_path = generated
            .corpus
            .articles
            .iter()
            .enumerate()
            .map(|(idx, article)| (path_key(Path::new(""), &article.source_path), idx))
            .collect();
        // Re-rendering never reads the plain texts, and an edit keeps the
        // analysis made from them: the model does not hold them.
        let mut corpus = generated.corpus;
        corpus.drop_texts();
        self.model = Some(Model {
            config: generated.config,
            corpus,
            analysis: generated.analysis,
            digest: generated.digest,
            theme: None,
            warnings: generated.warnings,
            by_path,
        });
        Ok(generated.pages)
    }

    fn model_warnings(&self) -> Vec<Diagnostic> {
        self.model
            .as_ref()
            .map(|model| model.warnings.clone())
            .unwrap_or_default()
    }

    /// Renders every page again from the kept model with the templates as
    /// they are now.
    fn render(&mut self) -> Result<Vec<Page>, crate::Error> {
        let options = self.render_options();
        let Some(model) = &mut self.model else {
            // `work_for` only asks for a render when there is a model.
            let mut warnings = Vec::new();
            return self.full(&mut warnings);
        };
        model.theme = None;
        let theme = crate::render::Theme::load(&self.root).map_err(crate::Error::Input)?;
        let pages = crate::render::site(model.data(), &theme, &options);
        model.theme = Some(theme);
        pages.map_err(crate::Error::Input)
    }

    /// Loads the edited article files of `batch` (and those whose last edit
    /// did not load) again, puts them into the model and renders the pages
    /// that show them. `None` when that is not enough: a file was added,
    /// deleted or renamed, or an edit changed an article's slug, date,
    /// topics, language or draft state, which moves it between pages and
    /// changes what analysis found; the caller then does a full build.
    ///
    /// The analysis is kept as it was: related stories and threads of an
    /// edited article are brought up to date by the next full build.
    fn articles(&mut self, batch: &Batch) -> Option<Result<Vec<Page>, crate::Error>> {
        let options = self.render_options();
        let model = self.model.as_mut()?;
        let mut paths: BTreeSet<PathBuf> = batch
            .paths
            .iter()
            .filter(|(_, kind)| **kind == watch::ChangeKind::Content)
            .map(|(path, _)| path.clone())
            .collect();
        paths.extend(self.dirty.iter().cloned());
        let mut updates = Vec::new();
        let mut problems = Vec::new();
        let mut file_warnings = Vec::new();
        for path in &paths {
            let shown = path_key(&self.root, path);
            let known = model.by_path.get(&shown).copied();
            if path.is_dir() {
                // A folder moved in or out may hold any number of articles.
                return None;
            }
            if !path.exists() {
                match known {
                    // An article was deleted or renamed away.
                    Some(_) => return None,
                    // A temporary file an editor wrote and renamed.
                    None => continue,
                }
            }
            let Some((article, diagnostics)) = crate::content::load::load_one(
                &self.root,
                path,
                &model.config,
                self.build.include_drafts,
            ) else {
                // Not an article file (an image next to one, a backup):
                // the loader ignores it, so it changes nothing.
                if known.is_some() {
                    return None;
                }
                continue;
            };
            // A new article: analysis has to see it.
            let article_idx = known?;
            let (errors, others): (Vec<Diagnostic>, Vec<Diagnostic>) =
                diagnostics.into_iter().partition(Diagnostic::is_error);
            file_warnings.push((shown, others));
            if !errors.is_empty() {
                problems.extend(errors);
                continue;
            }
            let article = article?;
            let old = &model.corpus.articles[article_idx];
            let same_place = article.slug == old.slug
                && article.date == old.date
                && article.local_date == old.local_date
                && article.topics == old.topics
                && article.lang == old.lang
                && article.draft == old.draft;
            if !same_place {
                return None;
            }
            updates.push((article_idx, article));
        }
        if !problems.is_empty() {
            // The model keeps the last good version of every file; these
            // are tried again with the next change.
            self.dirty = paths;
            problems.sort();
            return Some(Err(crate::Error::Input(problems)));
        }
        self.dirty.clear();
        let mut edit = Edit::default();
        for (article_idx, mut article) in updates {
            // As in `full`: the kept articles hold no plain text.
            article.text = String::new();
            let old = &mut model.corpus.articles[article_idx];
            edit.updated_changed |= article.updated != old.updated;
            *old = article;
            edit.articles.insert(article_idx);
        }
        for (shown, new_warnings) in file_warnings {
            model
                .warnings
                .retain(|w| path_key(Path::new(""), &w.path) != shown);
            model.warnings.extend(new_warnings);
        }
        model.warnings.sort();
        if model.theme.is_none() {
            match crate::render::Theme::load(&self.root) {
                Ok(theme) => model.theme = Some(theme),
                Err(problems) => return Some(Err(crate::Error::Input(problems))),
            }
        }
        let theme = model.theme.as_ref()?;
        let data = model.data();
        // The pages readers see first; feeds, sitemap and search index
        // right after the reload message (see `finish_files`).
        let pages =
            crate::render::pages_showing(data, theme, &options, &edit, crate::render::Part::Pages);
        if pages.is_ok() {
            self.files_due.merge(edit);
        }
        Some(pages.map_err(crate::Error::Input))
    }

    /// Renders the feeds, sitemap and search index of the articles the last
    /// edit changed, and serves them (no reload: no tab shows them).
    fn finish_files(&mut self, state: &State) {
        let edit = std::mem::take(&mut self.files_due);
        let Some(model) = &self.model else {
            return;
        };
        let Some(theme) = &model.theme else {
            return;
        };
        let data = model.data();
        let options = self.render_options();
        let current = state.snapshot();
        match crate::render::pages_showing(data, theme, &options, &edit, crate::render::Part::Files)
        {
            Ok(pages) => state.publish(
                Snapshot {
                    site: current.site.with_pages(pages),
                    built: current.built,
                    generation: current.generation,
                    problems: current.problems.clone(),
                },
                None,
            ),
            Err(diagnostics) => {
                let problems = Problem::list(&crate::Error::Input(diagnostics));
                for problem in &problems {
                    err_line!("{}", problem.text);
                }
                err_line!("error: the build failed; the last good site is still served (fix the file and it rebuilds by itself)");
                // Only a whole render tells when a template is fixed.
                self.failed = Some(Work::Render);
                state.publish_broken(problems);
            }
        }
    }

    fn show_warnings(&mut self, warnings: &[Diagnostic]) {
        let now: BTreeSet<String> = warnings.iter().map(ToString::to_string).collect();
        for warning in now.difference(&self.shown_warnings) {
            err_line!("{warning}");
        }
        self.shown_warnings = now;
    }
}

/// `path` relative to `root`, `/`-separated: the form articles and
/// diagnostics name their files in.
fn path_key(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A short description of what changed, for the terminal.
fn describe(root: &Path, batch: &Batch) -> String {
    if batch.rescan {
        return "the site changed".into();
    }
    let mut paths: Vec<String> = batch
        .paths
        .keys()
        .map(|path| crate::display_path(root, path).display().to_string())
        .collect();
    let n_more = paths.len().saturating_sub(3);
    paths.truncate(3);
    let mut text = paths.join(", ");
    if n_more > 0 {
        text.push_str(&format!(" and {n_more} more"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_urls_use_loopback_for_unspecified_addresses() {
        let url = |text: &str| local_url(text.parse().unwrap());
        assert_eq!(url("127.0.0.1:1111"), "http://127.0.0.1:1111/");
        assert_eq!(url("0.0.0.0:8080"), "http://127.0.0.1:8080/");
        assert_eq!(url("[::]:8080"), "http://[::1]:8080/");
        assert_eq!(url("[::1]:8080"), "http://[::1]:8080/");
        assert_eq!(url("192.168.1.4:1111"), "http://192.168.1.4:1111/");
    }

    #[test]
    fn a_taken_port_moves_to_the_next_free_one() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        // The port right after may be taken by someone else too; any later
        // one of the tried range is fine.
        let (listener, moved_from) = bind(IpAddr::V4(Ipv4Addr::LOCALHOST), port).unwrap();
        assert_eq!(moved_from, Some(port));
        assert_ne!(listener.local_addr().unwrap().port(), port);
    }

    #[test]
    fn port_zero_lets_the_system_pick() {
        let (listener, moved_from) = bind(IpAddr::V4(Ipv4Addr::LOCALHOST), 0).unwrap();
        assert_eq!(moved_from, None);
        assert_ne!(listener.local_addr().unwrap().port(), 0);
    }

    fn batch_of(kinds: &[watch::ChangeKind]) -> Batch {
        let mut batch = Batch::default();
        for (idx, kind) in kinds.iter().enumerate() {
            batch
                .paths
                .insert(PathBuf::from(format!("/site/f{idx}")), *kind);
        }
        batch
    }

    #[test]
    fn each_change_gets_the_least_work_that_is_still_right() {
        use watch::ChangeKind::{Config, Content, Static, Template};
        let ok = None;
        assert_eq!(work_for(&batch_of(&[Static]), true, ok), Work::Statics);
        assert_eq!(work_for(&batch_of(&[Template]), true, ok), Work::Render);
        assert_eq!(
            work_for(&batch_of(&[Template, Static]), true, ok),
            Work::Render
        );
        assert_eq!(work_for(&batch_of(&[Content]), true, ok), Work::Articles);
        assert_eq!(
            work_for(&batch_of(&[Content, Static]), true, ok),
            Work::Articles
        );
        assert_eq!(
            work_for(&batch_of(&[Content, Template]), true, ok),
            Work::Full
        );
        assert_eq!(work_for(&batch_of(&[Config, Static]), true, ok), Work::Full);
        // Without a kept model everything is a full build.
        assert_eq!(work_for(&batch_of(&[Template]), false, ok), Work::Full);
        assert_eq!(work_for(&batch_of(&[Static]), false, ok), Work::Full);
        // After a failure, a change elsewhere must not hide it: the work
        // that failed is done again (or more).
        let article_failed = Some(Work::Articles);
        assert_eq!(
            work_for(&batch_of(&[Static]), true, article_failed),
            Work::Articles
        );
        assert_eq!(
            work_for(&batch_of(&[Template]), true, article_failed),
            Work::Full
        );
        let render_failed = Some(Work::Render);
        assert_eq!(
            work_for(&batch_of(&[Static]), true, render_failed),
            Work::Render
        );
        assert_eq!(
            work_for(&batch_of(&[Content]), true, render_failed),
            Work::Full
        );
        let mut rescan = batch_of(&[Static]);
        rescan.rescan = true;
        assert_eq!(work_for(&rescan, true, ok), Work::Full);
    }

    #[test]
    fn changes_are_described_by_relative_path() {
        let mut batch = Batch::default();
        for name in ["a.md", "b.md", "c.md", "d.md"] {
            batch.paths.insert(
                Path::new("/site/content").join(name),
                watch::ChangeKind::Content,
            );
        }
        assert_eq!(
            describe(Path::new("/site"), &batch),
            "content/a.md, content/b.md, content/c.md and 1 more"
        );
    }
}
