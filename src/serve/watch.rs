//! Watching the site's inputs for `digest serve`: `content/`, `templates/`,
//! `static/` and `site.toml`, with a real file-system watcher (`notify`).
//!
//! Raw events are debounced (an editor's save is often a burst of writes,
//! renames and deletions) into one [`Batch`] of changed paths, each mapped to
//! a [`ChangeKind`] by the pure function [`change_kind`], so the rebuild
//! knows what a change can touch.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher as _};

use crate::config::CONFIG_FILE;
use crate::content::CONTENT_DIR;
use crate::output::STATIC_DIR;

/// The folder (under the site root) that holds template overrides.
pub const TEMPLATES_DIR: &str = "templates";

/// Which input of the site a changed path belongs to; it decides what a
/// rebuild has to redo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// An article under `content/`.
    Content,
    /// A template under `templates/`.
    Template,
    /// A file under `static/`, copied as is.
    Static,
    /// `site.toml`.
    Config,
}

/// Maps a changed path to the input it belongs to, or `None` when the
/// change cannot affect the site (the output folder, hidden files, editor
/// swap and backup files, `_`-prefixed content that the loader skips).
///
/// `path` may be absolute (as the watcher reports it) or relative to `root`.
pub fn change_kind(root: &Path, path: &Path) -> Option<ChangeKind> {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            // Anything else (a `..`, another root) is not inside the site.
            _ => return None,
        }
    }
    let (first, rest) = parts.split_first()?;
    if rest.iter().any(|part| is_ignored_name(part)) {
        return None;
    }
    match *first {
        CONTENT_DIR => {
            // The loader skips `_`-prefixed files and folders, so they cannot
            // change the site.
            if rest.iter().any(|part| part.starts_with('_')) {
                None
            } else {
                Some(ChangeKind::Content)
            }
        }
        TEMPLATES_DIR => Some(ChangeKind::Template),
        STATIC_DIR => Some(ChangeKind::Static),
        CONFIG_FILE if rest.is_empty() => Some(ChangeKind::Config),
        _ => None,
    }
}

/// Hidden files and the temporary files editors write next to the one being
/// saved (vim's `.swp` and its `4913` probe, emacs' `#x#` and `x~`, …).
fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913"
}

/// Changes gathered over one burst of events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// Each changed path (absolute) with the input it belongs to.
    pub paths: BTreeMap<PathBuf, ChangeKind>,
    /// The watcher lost track (an overflow or an error): rebuild everything.
    pub rescan: bool,
}

impl Batch {
    /// True when nothing in the batch can change the site.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && !self.rescan
    }

    /// True when the batch holds only changes to `static/`, which need no
    /// re-render.
    pub fn only_static(&self) -> bool {
        !self.rescan && self.paths.values().all(|kind| *kind == ChangeKind::Static)
    }

    /// Adds the changes of `other`.
    pub fn merge(&mut self, other: Batch) {
        self.paths.extend(other.paths);
        self.rescan |= other.rescan;
    }
}

/// How long the file system must be quiet after a file was closed after
/// writing or renamed into place: the save is whole, and only the rest of
/// a burst (an editor removing its backup, a second file) is waited for.
const WHOLE_QUIET: Duration = Duration::from_millis(5);

/// Collects events until the file system has been quiet for `quiet`, but
/// never holds a change longer than `longest`, so a program that writes
/// without pause still gets its edits shown. When the last change was a
/// whole file ([`Debouncer::push_whole`]) the quiet time is shorter.
#[derive(Debug)]
pub struct Debouncer {
    quiet: Duration,
    longest: Duration,
    first: Option<Instant>,
    last: Option<Instant>,
    /// True when the last change pushed was a whole file.
    whole: bool,
    pending: Batch,
}

impl Debouncer {
    /// A debouncer that waits for `quiet` without events, at most `longest`.
    pub fn new(quiet: Duration, longest: Duration) -> Self {
        Self {
            quiet,
            longest,
            first: None,
            last: None,
            whole: false,
            pending: Batch::default(),
        }
    }

    /// Records changes seen at `now`, of files that may still be written.
    pub fn push(&mut self, batch: Batch, now: Instant) {
        self.record(batch, now, false);
    }

    /// Records changes seen at `now` that leave a file whole: closed after
    /// writing, or renamed into place (as editors save).
    pub fn push_whole(&mut self, batch: Batch, now: Instant) {
        self.record(batch, now, true);
    }

    fn record(&mut self, batch: Batch, now: Instant, whole: bool) {
        if batch.is_empty() {
            return;
        }
        self.first.get_or_insert(now);
        self.last = Some(now);
        self.whole = whole;
        self.pending.merge(batch);
    }

    /// How long to wait for more events before [`Debouncer::take`] is due;
    /// `None` when nothing is pending.
    pub fn wait(&self, now: Instant) -> Option<Duration> {
        let (first, last) = (self.first?, self.last?);
        let quiet = if self.whole {
            self.quiet.min(WHOLE_QUIET)
        } else {
            self.quiet
        };
        let due = (last + quiet).min(first + self.longest);
        Some(due.saturating_duration_since(now))
    }

    /// The pending batch, when it is due at `now`.
    pub fn take(&mut self, now: Instant) -> Option<Batch> {
        if self.wait(now)? > Duration::ZERO {
            return None;
        }
        self.first = None;
        self.last = None;
        Some(std::mem::take(&mut self.pending))
    }
}

/// What the watcher thread receives: notify's events, or a request to stop.
enum Signal {
    Event(notify::Result<notify::Event>),
    Stop,
}

/// A running watcher: a thread that turns file-system events into debounced
/// [`Batch`]es. Stopping it (or dropping it) ends the thread, which closes
/// the batch channel.
pub struct Watcher {
    signals: Sender<Signal>,
    thread: Option<JoinHandle<()>>,
}

impl Watcher {
    /// Starts watching the site at `root` (an absolute, canonical path).
    /// Batches arrive on the returned receiver.
    ///
    /// Errs when the operating system refuses the watch (e.g. the inotify
    /// limit is reached).
    pub fn start(root: &Path, quiet: Duration) -> notify::Result<(Watcher, Receiver<Batch>)> {
        let (signals, signal_rx) = mpsc::channel();
        let callback_tx = signals.clone();
        let mut inner = notify::recommended_watcher(move |event| {
            // The receiver is gone only while stopping; nothing to do then.
            let _ = callback_tx.send(Signal::Event(event));
        })?;
        // The root itself is watched without recursion: it reports
        // `site.toml` and the creation of a watched folder, without the
        // noise of `public/`, `.git/` or `target/`.
        inner.watch(root, RecursiveMode::NonRecursive)?;
        for dir in WATCHED_DIRS {
            let path = root.join(dir);
            if path.is_dir() {
                inner.watch(&path, RecursiveMode::Recursive)?;
            }
        }
        let (batch_tx, batch_rx) = mpsc::channel();
        let root = root.to_path_buf();
        let longest = (quiet * 10).max(Duration::from_millis(500));
        let thread = std::thread::Builder::new()
            .name("digest-watch".into())
            .spawn(move || {
                run(
                    inner,
                    &root,
                    &signal_rx,
                    &batch_tx,
                    Debouncer::new(quiet, longest),
                )
            })
            .map_err(notify::Error::io)?;
        Ok((
            Watcher {
                signals,
                thread: Some(thread),
            },
            batch_rx,
        ))
    }

    /// Stops the watcher and waits for its thread.
    pub fn stop(mut self) {
        self.stop_thread();
    }

    fn stop_thread(&mut self) {
        let _ = self.signals.send(Signal::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

/// The folders watched recursively.
const WATCHED_DIRS: [&str; 3] = [CONTENT_DIR, TEMPLATES_DIR, STATIC_DIR];

fn run(
    mut inner: notify::RecommendedWatcher,
    root: &Path,
    signals: &Receiver<Signal>,
    batches: &Sender<Batch>,
    mut debouncer: Debouncer,
) {
    loop {
        let signal = match debouncer.wait(Instant::now()) {
            None => signals.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(wait) => signals.recv_timeout(wait),
        };
        match signal {
            Ok(Signal::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Ok(Signal::Event(event)) => {
                let whole = event
                    .as_ref()
                    .is_ok_and(|event| leaves_a_whole_file(root, event));
                let batch = batch_of(root, event);
                rewatch(&mut inner, root, &batch);
                if whole {
                    debouncer.push_whole(batch, Instant::now());
                } else {
                    debouncer.push(batch, Instant::now());
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        if let Some(batch) = debouncer.take(Instant::now()) {
            if batches.send(batch).is_err() {
                return;
            }
        }
    }
}

/// The changes one notify event reports.
fn batch_of(root: &Path, event: notify::Result<notify::Event>) -> Batch {
    let mut batch = Batch::default();
    match event {
        Ok(event) => {
            if event.need_rescan() {
                batch.rescan = true;
            }
            // Opening or reading a file changes nothing; closing it after
            // writing says the write is done.
            if matches!(event.kind, notify::EventKind::Access(_))
                && !leaves_a_whole_file(root, &event)
            {
                return batch;
            }
            for path in event.paths {
                if let Some(kind) = change_kind(root, &path) {
                    batch.paths.insert(path, kind);
                }
            }
        }
        // The watcher lost events; only a full rebuild is safe.
        Err(_) => batch.rescan = true,
    }
    batch
}

/// True when `event` says a file of the site is whole: it was closed after
/// writing, or renamed into place (an editor's temporary file renamed over
/// the article). Renaming a file away (to a backup name the watcher
/// ignores, as vim does before writing the new one) is not.
fn leaves_a_whole_file(root: &Path, event: &notify::Event) -> bool {
    use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
    use notify::EventKind;
    match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        // The destination is the last path.
        EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both)) => event
            .paths
            .last()
            .is_some_and(|path| change_kind(root, path).is_some()),
        _ => false,
    }
}

/// A watched folder that was created (or deleted and created again) after
/// the watcher started needs its own recursive watch.
fn rewatch(inner: &mut notify::RecommendedWatcher, root: &Path, batch: &Batch) {
    for dir in WATCHED_DIRS {
        let path = root.join(dir);
        if batch.paths.contains_key(&path) && path.is_dir() {
            let _ = inner.unwatch(&path);
            // A failure here leaves that folder unwatched; the root watch
            // still reports its removal and creation.
            let _ = inner.watch(&path, RecursiveMode::Recursive);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(path: &str) -> Option<ChangeKind> {
        change_kind(Path::new("/site"), Path::new(path))
    }

    #[test]
    fn paths_map_to_the_input_they_belong_to() {
        assert_eq!(
            kind("/site/content/2024/vote.md"),
            Some(ChangeKind::Content)
        );
        assert_eq!(kind("/site/content"), Some(ChangeKind::Content));
        assert_eq!(
            kind("/site/templates/article.html"),
            Some(ChangeKind::Template)
        );
        assert_eq!(kind("/site/static/css/site.css"), Some(ChangeKind::Static));
        assert_eq!(kind("/site/site.toml"), Some(ChangeKind::Config));
        assert_eq!(kind("content/a.txt"), Some(ChangeKind::Content));
    }

    #[test]
    fn paths_that_cannot_change_the_site_are_ignored() {
        assert_eq!(kind("/site/public/index.html"), None);
        assert_eq!(kind("/site/README.md"), None);
        assert_eq!(kind("/site/content/.vote.md.swp"), None);
        assert_eq!(kind("/site/content/vote.md~"), None);
        assert_eq!(kind("/site/content/#vote.md#"), None);
        assert_eq!(kind("/site/content/4913"), None);
        assert_eq!(kind("/site/content/_drafts/a.md"), None);
        assert_eq!(kind("/site/static/.DS_Store"), None);
        assert_eq!(kind("/site/site.toml/x"), None);
        assert_eq!(kind("/elsewhere/content/a.md"), None);
        assert_eq!(kind("/site/../content/a.md"), None);
        assert_eq!(kind("/site"), None);
    }

    fn batch(paths: &[(&str, ChangeKind)]) -> Batch {
        Batch {
            paths: paths
                .iter()
                .map(|(path, kind)| (PathBuf::from(path), *kind))
                .collect(),
            rescan: false,
        }
    }

    #[test]
    fn a_burst_of_events_becomes_one_batch_after_the_quiet_time() {
        let start = Instant::now();
        let ms = Duration::from_millis;
        let mut debouncer = Debouncer::new(ms(30), ms(300));
        assert_eq!(debouncer.wait(start), None);
        debouncer.push(batch(&[("/s/content/a.md", ChangeKind::Content)]), start);
        debouncer.push(
            batch(&[("/s/static/a.css", ChangeKind::Static)]),
            start + ms(20),
        );
        assert_eq!(debouncer.take(start + ms(40)), None);
        let taken = debouncer.take(start + ms(50)).unwrap();
        assert_eq!(taken.paths.len(), 2);
        assert!(!taken.only_static());
        assert_eq!(debouncer.wait(start + ms(60)), None);
    }

    #[test]
    fn a_change_is_never_held_longer_than_the_longest_wait() {
        let start = Instant::now();
        let ms = Duration::from_millis;
        let mut debouncer = Debouncer::new(ms(30), ms(100));
        for step in 0..10 {
            debouncer.push(
                batch(&[("/s/content/a.md", ChangeKind::Content)]),
                start + ms(step * 20),
            );
        }
        // Events kept coming every 20 ms, yet the batch is due at 100 ms.
        assert_eq!(debouncer.wait(start + ms(90)), Some(ms(10)));
        assert!(debouncer.take(start + ms(100)).is_some());
    }

    #[test]
    fn a_whole_file_is_taken_sooner_unless_more_writes_follow() {
        let start = Instant::now();
        let ms = Duration::from_millis;
        let mut debouncer = Debouncer::new(ms(30), ms(300));
        let article = || batch(&[("/s/content/a.md", ChangeKind::Content)]);
        debouncer.push(article(), start);
        debouncer.push_whole(article(), start + ms(1));
        assert_eq!(debouncer.wait(start + ms(1)), Some(WHOLE_QUIET));
        // An event on an ignored path (an editor's backup) changes nothing.
        debouncer.push(Batch::default(), start + ms(2));
        assert!(debouncer.take(start + ms(1) + WHOLE_QUIET).is_some());
        // A write after the file was whole waits for the full quiet time.
        debouncer.push_whole(article(), start + ms(100));
        debouncer.push(article(), start + ms(101));
        assert_eq!(debouncer.take(start + ms(120)), None);
        assert!(debouncer.take(start + ms(131)).is_some());
    }

    #[test]
    fn saves_and_renames_into_place_leave_whole_files() {
        use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind, RenameMode};
        use notify::{Event, EventKind};
        let root = Path::new("/site");
        let event = |kind: EventKind, paths: &[&str]| {
            paths
                .iter()
                .fold(Event::new(kind), |event, path| event.add_path(path.into()))
        };
        let closed = EventKind::Access(AccessKind::Close(AccessMode::Write));
        let renamed = EventKind::Modify(ModifyKind::Name(RenameMode::Both));
        let whole = |event: &Event| leaves_a_whole_file(root, event);
        assert!(whole(&event(closed, &["/site/content/a.md"])));
        assert!(whole(&event(
            renamed,
            &["/site/content/a.md.saving", "/site/content/a.md"]
        )));
        // vim moves the article to its backup before writing it anew.
        assert!(!whole(&event(
            renamed,
            &["/site/content/a.md", "/site/content/a.md~"]
        )));
        assert!(!whole(&event(
            EventKind::Create(CreateKind::File),
            &["/site/content/a.md"]
        )));
        // The close is kept as a change; other accesses are not.
        assert_eq!(
            batch_of(root, Ok(event(closed, &["/site/content/a.md"])))
                .paths
                .len(),
            1
        );
        let opened = EventKind::Access(AccessKind::Open(notify::event::AccessMode::Any));
        assert!(batch_of(root, Ok(event(opened, &["/site/content/a.md"])))
            .paths
            .is_empty());
    }

    #[test]
    fn empty_batches_do_not_start_the_clock() {
        let mut debouncer = Debouncer::new(Duration::from_millis(30), Duration::from_secs(1));
        debouncer.push(Batch::default(), Instant::now());
        assert_eq!(debouncer.wait(Instant::now()), None);
    }

    #[test]
    fn only_static_is_false_for_a_rescan() {
        let mut all = batch(&[("/s/static/a.css", ChangeKind::Static)]);
        assert!(all.only_static());
        all.rescan = true;
        assert!(!all.only_static());
    }
}
