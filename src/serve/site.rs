//! The site as `digest serve` holds it: every output file by its path,
//! rendered pages in memory and the files of `static/` by their (checked)
//! place on disk. The user's output folder is never read or written.
//!
//! Comparing two builds gives the paths that changed, which decides between
//! a full reload and a stylesheet swap.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;

use crate::error::Diagnostic;
use crate::output::STATIC_DIR;
use crate::render::Page;

/// Where one served file's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// A rendered page, in memory.
    Bytes(Bytes),
    /// A file of `static/`, read when asked for.
    File {
        /// Its canonical path, checked to be inside the canonical `static/`.
        path: PathBuf,
        /// Its size when the site was scanned.
        len: u64,
        /// Its modification time when the site was scanned.
        modified: Option<SystemTime>,
    },
}

/// Every file of one build, by `/`-separated path relative to the site's
/// top (e.g. `articles/vote/index.html`).
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// The rendered pages; shared, so a `static/`-only change reuses them.
    pages: Arc<BTreeMap<String, Bytes>>,
    /// The files of `static/`; they win over a page of the same path, as in
    /// `digest build`.
    statics: BTreeMap<String, Body>,
    /// The canonical `static/` folder that file bodies must stay inside.
    static_root: Option<PathBuf>,
}

impl Site {
    /// A site of rendered `pages` and the scanned static files.
    pub fn new(pages: Vec<Page>, statics: StaticFiles) -> Site {
        let mut by_key = BTreeMap::new();
        for page in pages {
            // `output::write` refuses such paths for a build; serve skips
            // them rather than stop the preview.
            if let Some(key) = key_of(&page.path) {
                by_key.insert(key, Bytes::from(page.bytes));
            }
        }
        Site {
            pages: Arc::new(by_key),
            statics: statics.files,
            static_root: statics.root,
        }
    }

    /// The pages with `changed` put in (added or replacing the page of the
    /// same path); the rest are shared with `self`.
    pub fn with_pages(&self, changed: Vec<Page>) -> Site {
        let mut pages = (*self.pages).clone();
        for page in changed {
            if let Some(key) = key_of(&page.path) {
                pages.insert(key, Bytes::from(page.bytes));
            }
        }
        Site {
            pages: Arc::new(pages),
            statics: self.statics.clone(),
            static_root: self.static_root.clone(),
        }
    }

    /// The site with `changed` pages put in (as [`Site::with_pages`]) and
    /// `statics` as scanned now, with the paths whose served file differs
    /// from `self`'s, sorted, as [`Site::changed`] would give them: only
    /// the pages given and the static files can differ, so the thousands of
    /// shared pages are not looked at.
    pub fn updated(&self, changed: Vec<Page>, statics: StaticFiles) -> (Site, Vec<String>) {
        let mut candidates: BTreeSet<String> = changed
            .iter()
            .filter_map(|page| key_of(&page.path))
            .collect();
        candidates.extend(self.statics.keys().cloned());
        candidates.extend(statics.files.keys().cloned());
        let newer = self.with_pages(changed).with_statics(statics);
        let differ = candidates
            .into_iter()
            .filter(|key| self.served(key) != newer.served(key))
            .collect();
        (newer, differ)
    }

    /// The file served at `key`, borrowed.
    fn served(&self, key: &str) -> Option<BodyRef<'_>> {
        match self.statics.get(key) {
            Some(body) => Some(BodyRef::Static(body)),
            None => self.pages.get(key).map(BodyRef::Page),
        }
    }

    /// The same pages with a fresh scan of `static/`.
    pub fn with_statics(&self, statics: StaticFiles) -> Site {
        Site {
            pages: Arc::clone(&self.pages),
            statics: statics.files,
            static_root: statics.root,
        }
    }

    /// The file at `key`, if the site has one.
    pub fn get(&self, key: &str) -> Option<Body> {
        if let Some(body) = self.statics.get(key) {
            return Some(body.clone());
        }
        self.pages.get(key).map(|bytes| Body::Bytes(bytes.clone()))
    }

    /// True when the site has a file at `key`.
    pub fn contains(&self, key: &str) -> bool {
        self.statics.contains_key(key) || self.pages.contains_key(key)
    }

    /// How many files the site has.
    pub fn len(&self) -> usize {
        self.pages.len()
            + self
                .statics
                .keys()
                .filter(|key| !self.pages.contains_key(*key))
                .count()
    }

    /// True when the site has no file at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The canonical `static/` folder, when the site has one.
    pub fn static_root(&self) -> Option<&Path> {
        self.static_root.as_deref()
    }

    /// Every file, as served (static files over pages).
    fn merged(&self) -> BTreeMap<&str, BodyRef<'_>> {
        let mut merged: BTreeMap<&str, BodyRef<'_>> = self
            .pages
            .iter()
            .map(|(key, bytes)| (key.as_str(), BodyRef::Page(bytes)))
            .collect();
        for (key, body) in &self.statics {
            merged.insert(key.as_str(), BodyRef::Static(body));
        }
        merged
    }

    /// The paths that differ between `self` and `newer`: added, removed or
    /// changed, sorted.
    pub fn changed(&self, newer: &Site) -> Vec<String> {
        let old = self.merged();
        let new = newer.merged();
        let mut changed: Vec<String> = new
            .iter()
            .filter(|(key, body)| old.get(*key) != Some(body))
            .map(|(key, _)| key.to_string())
            .collect();
        changed.extend(
            old.keys()
                .filter(|key| !new.contains_key(*key))
                .map(|key| key.to_string()),
        );
        changed.sort();
        changed
    }
}

/// A served file, borrowed, for comparing two builds.
#[derive(Debug)]
enum BodyRef<'a> {
    Page(&'a Bytes),
    Static(&'a Body),
}

impl PartialEq for BodyRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            // Pages shared between two builds are the same buffer: no need
            // to compare ten thousand pages byte by byte after an edit.
            (BodyRef::Page(a), BodyRef::Page(b)) => {
                (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
            }
            (BodyRef::Static(a), BodyRef::Static(b)) => a == b,
            _ => false,
        }
    }
}

/// True when every changed path is a stylesheet, so tabs can swap styles
/// instead of reloading.
pub fn only_stylesheets(changed: &[String]) -> bool {
    !changed.is_empty() && changed.iter().all(|path| path.ends_with(".css"))
}

/// `relative` as a `/`-separated key, or `None` when it could leave the
/// site or is not UTF-8.
fn key_of(relative: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            _ => return None,
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("/"))
    }
}

/// The files of `static/`, scanned.
#[derive(Debug, Clone, Default)]
pub struct StaticFiles {
    /// The canonical `static/` folder, when there is one.
    pub root: Option<PathBuf>,
    /// Its files by key.
    pub files: BTreeMap<String, Body>,
    /// Files left out, with why (symlinks out of `static/`, unreadable).
    pub warnings: Vec<Diagnostic>,
}

/// Scans `root/static`: every file that is not hidden, by key. A symlink
/// whose target lies outside `static/` is left out with a warning, so the
/// preview never serves a file from elsewhere on the disk.
pub fn scan_static(root: &Path) -> StaticFiles {
    let mut scanned = StaticFiles::default();
    let dir = root.join(STATIC_DIR);
    let Ok(canonical_root) = dir.canonicalize() else {
        return scanned;
    };
    if !canonical_root.is_dir() {
        return scanned;
    }
    let walker = walkdir::WalkDir::new(&canonical_root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().unwrap_or(&canonical_root);
                let shown =
                    Path::new(STATIC_DIR).join(path.strip_prefix(&canonical_root).unwrap_or(path));
                scanned.warnings.push(Diagnostic::warning(
                    shown,
                    None,
                    format!("cannot be read ({err}); `digest serve` leaves it out"),
                ));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry
            .path()
            .strip_prefix(&canonical_root)
            .unwrap_or(entry.path());
        let shown = Path::new(STATIC_DIR).join(relative);
        let Some(key) = key_of(relative) else {
            continue;
        };
        let target = match entry.path().canonicalize() {
            Ok(target) if target.starts_with(&canonical_root) => target,
            Ok(_) => {
                scanned.warnings.push(Diagnostic::warning(
                    shown,
                    None,
                    "is a link to a file outside `static/`; `digest serve` does not serve it: copy the file into `static/` instead",
                ));
                continue;
            }
            Err(err) => {
                scanned.warnings.push(Diagnostic::warning(
                    shown,
                    None,
                    format!("cannot be read ({err}); `digest serve` leaves it out"),
                ));
                continue;
            }
        };
        let metadata = entry.metadata().ok();
        scanned.files.insert(
            key,
            Body::File {
                path: target,
                len: metadata.as_ref().map_or(0, |m| m.len()),
                modified: metadata.and_then(|m| m.modified().ok()),
            },
        );
    }
    scanned.root = Some(canonical_root);
    scanned
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &str, text: &str) -> Page {
        Page {
            path: PathBuf::from(path),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn changed_lists_added_removed_and_modified_paths() {
        let old = Site::new(
            vec![
                page("index.html", "a"),
                page("gone/index.html", "x"),
                page("style.css", "s"),
            ],
            StaticFiles::default(),
        );
        let new = Site::new(
            vec![
                page("index.html", "b"),
                page("new/index.html", "y"),
                page("style.css", "s"),
            ],
            StaticFiles::default(),
        );
        assert_eq!(
            old.changed(&new),
            vec!["gone/index.html", "index.html", "new/index.html"]
        );
        assert!(new.changed(&new).is_empty());
    }

    #[test]
    fn with_pages_replaces_only_the_pages_given() {
        let old = Site::new(
            vec![page("index.html", "a"), page("b/index.html", "b")],
            StaticFiles::default(),
        );
        let new = old.with_pages(vec![page("index.html", "a2"), page("c.html", "c")]);
        assert_eq!(old.changed(&new), vec!["c.html", "index.html"]);
        assert_eq!(new.get("b/index.html"), old.get("b/index.html"));
        // Replacing a page by the same bytes is no change.
        let same = new.with_pages(vec![page("c.html", "c")]);
        assert!(new.changed(&same).is_empty());
    }

    #[test]
    fn updated_finds_what_a_full_comparison_finds() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("static")).unwrap();
        std::fs::File::create(dir.path().join("static/style.css")).unwrap();
        std::fs::File::create(dir.path().join("static/gone.txt")).unwrap();
        let old = Site::new(
            vec![
                page("index.html", "a"),
                page("b/index.html", "b"),
                page("style.css", "theme"),
                page("gone.txt", "page under a static file"),
            ],
            scan_static(dir.path()),
        );
        std::fs::remove_file(dir.path().join("static/gone.txt")).unwrap();
        std::fs::File::create(dir.path().join("static/new.txt")).unwrap();
        let pages = vec![
            // Same bytes: not a change.
            page("index.html", "a"),
            page("b/index.html", "b2"),
            // Hidden behind the static file either way.
            page("style.css", "theme2"),
            page("c/index.html", "c"),
        ];
        let (new, changed) = old.updated(pages.clone(), scan_static(dir.path()));
        assert_eq!(changed, old.changed(&new));
        assert_eq!(
            changed,
            vec!["b/index.html", "c/index.html", "gone.txt", "new.txt"]
        );
    }

    #[test]
    fn only_stylesheet_changes_are_told_apart() {
        assert!(only_stylesheets(&[
            "style.css".into(),
            "css/print.css".into()
        ]));
        assert!(!only_stylesheets(&[
            "style.css".into(),
            "index.html".into()
        ]));
        assert!(!only_stylesheets(&[]));
    }

    #[test]
    fn unsafe_page_paths_are_skipped() {
        let site = Site::new(
            vec![
                page("../evil.html", "x"),
                page("/abs.html", "x"),
                page("ok.html", "y"),
            ],
            StaticFiles::default(),
        );
        assert_eq!(site.len(), 1);
        assert!(site.contains("ok.html"));
    }

    #[cfg(unix)]
    #[test]
    fn static_links_out_of_static_are_left_out_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret.txt");
        std::fs::File::create(&secret).unwrap();
        let static_dir = dir.path().join("site/static");
        std::fs::create_dir_all(static_dir.join("css")).unwrap();
        std::fs::File::create(static_dir.join("css/site.css")).unwrap();
        std::fs::File::create(static_dir.join(".hidden")).unwrap();
        std::os::unix::fs::symlink(&secret, static_dir.join("leak.txt")).unwrap();
        std::os::unix::fs::symlink(
            static_dir.join("css/site.css"),
            static_dir.join("alias.css"),
        )
        .unwrap();
        let scanned = scan_static(&dir.path().join("site"));
        assert_eq!(
            scanned.files.keys().collect::<Vec<_>>(),
            vec!["alias.css", "css/site.css"]
        );
        assert_eq!(scanned.warnings.len(), 1);
        assert!(scanned.warnings[0].message.contains("outside `static/`"));
        assert_eq!(scanned.warnings[0].path, Path::new("static/leak.txt"));
    }

    #[test]
    fn static_files_win_over_pages_and_survive_a_page_refresh() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("static")).unwrap();
        std::fs::File::create(dir.path().join("static/style.css")).unwrap();
        let site = Site::new(
            vec![page("style.css", "theme"), page("index.html", "home")],
            scan_static(dir.path()),
        );
        assert!(matches!(site.get("style.css"), Some(Body::File { .. })));
        let rescanned = site.with_statics(scan_static(dir.path()));
        assert_eq!(site.changed(&rescanned), Vec::<String>::new());
        // Removing the static file uncovers the theme's page again.
        std::fs::remove_file(dir.path().join("static/style.css")).unwrap();
        let without = site.with_statics(scan_static(dir.path()));
        assert_eq!(site.changed(&without), vec!["style.css"]);
        assert_eq!(
            without.get("style.css"),
            Some(Body::Bytes(Bytes::from_static(b"theme")))
        );
    }
}
