//! Stage 6 of the pipeline: pages and `static/` into the output folder.
//!
//! Everything is written into a staging folder next to the output, which is
//! then swapped in, so a failed build never leaves a half-written or empty
//! site. A file whose bytes did not change is hard-linked from the previous
//! output instead of written, so it keeps its modification time (and rsync
//! or a CDN sees nothing new).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Diagnostic, Error};
use crate::render::Page;

/// The folder (under the site root) copied as is into the output.
pub const STATIC_DIR: &str = "static";

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Files in the new output.
    pub n_files: usize,
    /// Files whose bytes were new or changed.
    pub n_written: usize,
}

/// Refuses an output folder that would swallow the site's own input: the
/// swap replaces the output folder whole.
pub fn guard_output_dir(root: &Path, out: &Path) -> Result<(), Error> {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let out_abs = absolute(out);
    let root_abs = absolute(root);
    let protected = [
        root_abs.clone(),
        root_abs.join(crate::content::CONTENT_DIR),
        root_abs.join("templates"),
        root_abs.join(STATIC_DIR),
    ];
    if protected.iter().any(|p| p.starts_with(&out_abs)) {
        return Err(Error::Input(vec![Diagnostic::error(
            crate::config::CONFIG_FILE,
            format!(
                "output folder `{}` would replace the site's own files: set `output_dir` to a folder of its own, such as `public`",
                out.display()
            ),
        )]));
    }
    Ok(())
}

/// Writes `pages` and the files of `static_dir` (which win over a page of
/// the same path) into `out`, atomically.
///
/// Errs when a file cannot be read or written; the previous output is then
/// left as it was.
pub fn write(out: &Path, pages: &[Page], static_dir: &Path) -> Result<WriteStats, Error> {
    let mut writer = Writer::new(out, static_dir)?;
    writer.add(pages)?;
    writer.finish()
}

/// Writes a site batch by batch as it is rendered, so a large site never
/// holds every page in memory, and swaps it in when [`Writer::finish`]es.
///
/// Each page is compared with the file of the same path in the current
/// output. A changed page goes into the staging folder (created with the
/// first change); an unchanged one is only remembered and hard-linked from
/// the current output at the end, so it keeps its modification time. When
/// nothing changed and nothing is left over, the output folder is not
/// touched at all. A writer dropped before `finish` (a failed build)
/// removes its staging folder and leaves the output as it was.
pub struct Writer {
    out: PathBuf,
    staging: PathBuf,
    aside: PathBuf,
    /// Files of `static/` by output path; they win over pages.
    statics: BTreeMap<PathBuf, PathBuf>,
    /// Output paths of the new site so far.
    seen: BTreeSet<PathBuf>,
    /// Files equal to those of the current output, to link at the end.
    unchanged: Vec<PathBuf>,
    /// Whether there is a current output to compare with (a first build
    /// has none: no file need be looked for).
    out_exists: bool,
    /// Whether changed files are written by every core or by the calling
    /// thread alone. The kernel's folder and file creation barely gains
    /// from a second thread (the 10k and 100k sites are written as fast by
    /// one, with less CPU: `examples/write_bench.rs`), so a
    /// [`BackgroundWriter`] writes alone and leaves the cores to rendering.
    write_in_parallel: bool,
    staging_ready: bool,
    n_written: usize,
    finished: bool,
}

impl Writer {
    /// A writer into `out`, with the files of `static_dir` to add at the
    /// end. Removes what an interrupted earlier build left beside `out`.
    pub fn new(out: &Path, static_dir: &Path) -> Result<Self, Error> {
        let statics: BTreeMap<PathBuf, PathBuf> = static_files(static_dir)?.into_iter().collect();
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into());
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let staging = parent.join(format!(".{name}.staging"));
        let aside = parent.join(format!(".{name}.old"));
        for leftover in [&staging, &aside] {
            if leftover.exists() {
                fs::remove_dir_all(leftover).map_err(|e| Error::io(leftover, e))?;
            }
        }
        Ok(Self {
            out: out.to_path_buf(),
            staging,
            aside,
            statics,
            seen: BTreeSet::new(),
            unchanged: Vec::new(),
            out_exists: out.exists(),
            write_in_parallel: true,
            staging_ready: false,
            n_written: 0,
            finished: false,
        })
    }

    /// Adds rendered pages: compares them with the current output and
    /// writes the changed ones into the staging folder, in parallel.
    pub fn add(&mut self, pages: &[Page]) -> Result<(), Error> {
        let pages: Vec<&Page> = pages
            .iter()
            .filter(|page| !self.statics.contains_key(&page.path))
            .collect();
        for page in &pages {
            refuse_unsafe(&page.path)?;
            self.seen.insert(page.path.clone());
        }
        let same: Vec<bool> = if self.out_exists {
            pages
                .par_iter()
                .map(|page| same_bytes(&self.out.join(&page.path), &page.bytes))
                .collect()
        } else {
            vec![false; pages.len()]
        };
        self.store(pages.iter().zip(same).map(|(page, same)| {
            (
                page.path.as_path(),
                Cow::Borrowed(page.bytes.as_slice()),
                same,
            )
        }))
    }

    /// Writes the `(path, bytes, unchanged)` files not unchanged into the
    /// staging folder, and remembers the unchanged ones.
    fn store<'b>(
        &mut self,
        files: impl Iterator<Item = (&'b Path, Cow<'b, [u8]>, bool)>,
    ) -> Result<(), Error> {
        let mut changed = Vec::new();
        for (path, bytes, same) in files {
            if same {
                self.unchanged.push(path.to_path_buf());
            } else {
                changed.push((path, bytes));
            }
        }
        if changed.is_empty() {
            return Ok(());
        }
        self.prepare_staging()?;
        let staging = &self.staging;
        let write_one = |(path, bytes): &(&Path, Cow<'_, [u8]>)| {
            let target = staging.join(path);
            create_parent(&target)?;
            #[allow(clippy::disallowed_methods)]
            // This module is the one place that writes output.
            fs::write(&target, bytes).map_err(|e| Error::io(&target, e))
        };
        if self.write_in_parallel {
            changed.par_iter().try_for_each(write_one)?;
        } else {
            changed.iter().try_for_each(write_one)?;
        }
        self.n_written += changed.len();
        Ok(())
    }

    fn prepare_staging(&mut self) -> Result<(), Error> {
        if !self.staging_ready {
            fs::create_dir(&self.staging).map_err(|e| Error::io(&self.staging, e))?;
            self.staging_ready = true;
        }
        Ok(())
    }

    /// Adds the static files, then swaps the new site in (or leaves the
    /// output alone when every file is unchanged).
    pub fn finish(mut self) -> Result<WriteStats, Error> {
        let statics = std::mem::take(&mut self.statics);
        for path in statics.keys() {
            refuse_unsafe(path)?;
            self.seen.insert(path.clone());
        }
        let read: Vec<(&Path, Vec<u8>, bool)> = statics
            .par_iter()
            .map(|(relative, absolute)| {
                let bytes = fs::read(absolute).map_err(|e| Error::io(absolute, e))?;
                let same = self.out_exists && same_bytes(&self.out.join(relative), &bytes);
                Ok((relative.as_path(), bytes, same))
            })
            .collect::<Result<_, Error>>()?;
        self.store(
            read.into_iter()
                .map(|(path, bytes, same)| (path, Cow::Owned(bytes), same)),
        )?;
        let stats = WriteStats {
            n_files: self.seen.len(),
            n_written: self.n_written,
        };
        if !self.staging_ready && holds_only(&self.out, &self.seen) {
            // Nothing to do: leave the folder, its inodes and every mtime
            // alone, which also spares a large site thousands of hard links.
            self.finished = true;
            return Ok(stats);
        }
        self.prepare_staging()?;
        let (out, staging) = (&self.out, &self.staging);
        self.unchanged.par_iter().try_for_each(|relative| {
            let (old, target) = (out.join(relative), staging.join(relative));
            create_parent(&target)?;
            if fs::hard_link(&old, &target).is_err() {
                fs::copy(&old, &target).map_err(|e| Error::io(&target, e))?;
            }
            Ok::<(), Error>(())
        })?;
        self.swap()?;
        self.finished = true;
        Ok(stats)
    }

    /// Puts the staging folder in the output's place.
    fn swap(&self) -> Result<(), Error> {
        let (out, staging, aside) = (&self.out, &self.staging, &self.aside);
        if out.exists() {
            fs::rename(out, aside).map_err(|e| Error::io(out, e))?;
            if let Err(err) = fs::rename(staging, out) {
                // Put the previous site back before reporting.
                let _ = fs::rename(aside, out);
                return Err(Error::io(out, err));
            }
            remove_tree(aside)
        } else {
            fs::rename(staging, out).map_err(|e| Error::io(out, e))
        }
    }
}

/// A [`Writer`] on a thread of its own, so that writing one batch of pages
/// overlaps rendering the next: creating thousands of folders and files
/// waits on the kernel more than it computes.
///
/// [`BackgroundWriter::add`] queues a batch (waiting while one batch is
/// already queued, so at most three are in memory: one being rendered, one
/// queued, one being written). An error of the writer thread is returned
/// by the next `add` or by `finish`. Dropped before `finish`, it drops the
/// writer, which removes its staging folder.
pub struct BackgroundWriter {
    queue: Option<std::sync::mpsc::SyncSender<Vec<Page>>>,
    thread: Option<std::thread::JoinHandle<Result<Writer, Error>>>,
}

impl BackgroundWriter {
    /// Starts the thread that feeds `writer`.
    pub fn new(mut writer: Writer) -> Self {
        writer.write_in_parallel = false;
        let (queue, batches) = std::sync::mpsc::sync_channel::<Vec<Page>>(1);
        let thread = std::thread::spawn(move || {
            for pages in batches {
                writer.add(&pages)?;
            }
            Ok(writer)
        });
        Self {
            queue: Some(queue),
            thread: Some(thread),
        }
    }

    /// Queues `pages` to be written.
    pub fn add(&mut self, pages: Vec<Page>) -> Result<(), Error> {
        let sent = self.queue.as_ref().map(|queue| queue.send(pages));
        match sent {
            Some(Ok(())) => Ok(()),
            // The thread stopped: it failed, and says why.
            _ => self.join().map(drop),
        }
    }

    /// Writes what is queued, then finishes the writer (see
    /// [`Writer::finish`]).
    pub fn finish(mut self) -> Result<WriteStats, Error> {
        self.join()?.finish()
    }

    /// Closes the queue and waits for the thread.
    fn join(&mut self) -> Result<Writer, Error> {
        self.queue = None;
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => Err(Error::io(
                Path::new("."),
                std::io::Error::other("the output writer already stopped"),
            )),
        }
    }
}

impl Drop for BackgroundWriter {
    fn drop(&mut self) {
        // Let the thread end (and its writer remove the staging folder)
        // before the caller goes on.
        let _ = self.join();
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if !self.finished && self.staging_ready {
            // Best effort: the staging folder is ours and half-written; the
            // output itself was never touched.
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Removes a folder tree, its top-level entries in parallel (a replaced
/// site is thousands of files).
fn remove_tree(dir: &Path) -> Result<(), Error> {
    let entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    entries.par_iter().try_for_each(|path| {
        let removed = if path.is_dir() && !path.is_symlink() {
            let subfolders: Vec<PathBuf> = fs::read_dir(path)
                .map_err(|e| Error::io(path, e))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .collect();
            subfolders.par_iter().try_for_each(|sub| {
                if sub.is_dir() && !sub.is_symlink() {
                    fs::remove_dir_all(sub)
                } else {
                    fs::remove_file(sub)
                }
                .map_err(|e| Error::io(sub, e))
            })?;
            fs::remove_dir(path)
        } else {
            fs::remove_file(path)
        };
        removed.map_err(|e| Error::io(path, e))
    })?;
    fs::remove_dir(dir).map_err(|e| Error::io(dir, e))
}

fn create_parent(target: &Path) -> Result<(), Error> {
    match target.parent() {
        Some(parent) => fs::create_dir_all(parent).map_err(|e| Error::io(parent, e)),
        None => Ok(()),
    }
}

fn refuse_unsafe(path: &Path) -> Result<(), Error> {
    if is_safe_relative(path) {
        return Ok(());
    }
    Err(Error::io(
        path,
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "output path leaves the output folder",
        ),
    ))
}

/// True when `out` is a folder holding no file outside `files` (the caller
/// knows each of `files` is there, unchanged).
fn holds_only(out: &Path, files: &BTreeSet<PathBuf>) -> bool {
    if !out.is_dir() {
        return false;
    }
    let mut n_existing = 0usize;
    for entry in walkdir::WalkDir::new(out).min_depth(1) {
        let Ok(entry) = entry else {
            return false;
        };
        if entry.file_type().is_dir() {
            continue;
        }
        n_existing += 1;
        let relative = entry.path().strip_prefix(out).unwrap_or(entry.path());
        if !entry.file_type().is_file() || !files.contains(relative) {
            return false;
        }
    }
    n_existing == files.len()
}

fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() == bytes.len() as u64 => {
            fs::read(path).is_ok_and(|old| old == bytes)
        }
        _ => false,
    }
}

/// Every file under `static_dir` (hidden ones skipped), relative path first.
fn static_files(static_dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>, Error> {
    if !static_dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(static_dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(static_dir).to_path_buf();
            Error::io(&path, e.into())
        })?;
        if entry.file_type().is_file() {
            let relative = entry
                .path()
                .strip_prefix(static_dir)
                .unwrap_or(entry.path())
                .to_path_buf();
            files.push((relative, entry.path().to_path_buf()));
        }
    }
    Ok(files)
}

fn is_safe_relative(path: &Path) -> bool {
    !path.as_os_str().is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // Tests write their fixtures directly.
mod tests {
    use super::*;

    fn page(path: &str, text: &str) -> Page {
        Page {
            path: PathBuf::from(path),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn unchanged_files_keep_their_modification_time() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let none = dir.path().join("static");
        let pages = vec![page("index.html", "home"), page("a/index.html", "a")];
        let first = write(&out, &pages, &none).unwrap();
        assert_eq!(
            first,
            WriteStats {
                n_files: 2,
                n_written: 2
            }
        );
        let before = fs::metadata(out.join("index.html"))
            .unwrap()
            .modified()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let pages = vec![page("index.html", "home"), page("a/index.html", "changed")];
        let second = write(&out, &pages, &none).unwrap();
        assert_eq!(second.n_written, 1);
        let after = fs::metadata(out.join("index.html"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(before, after);
        assert_eq!(
            fs::read_to_string(out.join("a/index.html")).unwrap(),
            "changed"
        );
    }

    #[test]
    fn an_unchanged_site_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let none = dir.path().join("static");
        let pages = vec![page("index.html", "home"), page("a/index.html", "a")];
        write(&out, &pages, &none).unwrap();
        let inode_before = std::os::unix::fs::MetadataExt::ino(&fs::metadata(&out).unwrap());
        let stats = write(&out, &pages, &none).unwrap();
        assert_eq!(
            stats,
            WriteStats {
                n_files: 2,
                n_written: 0
            }
        );
        let inode_after = std::os::unix::fs::MetadataExt::ino(&fs::metadata(&out).unwrap());
        assert_eq!(
            inode_before, inode_after,
            "the folder was swapped although nothing changed"
        );
        // A stray file in the output is not "current": the swap removes it.
        fs::write(out.join("stray.html"), "x").unwrap();
        write(&out, &pages, &none).unwrap();
        assert!(!out.join("stray.html").exists());
    }

    #[test]
    fn a_writer_dropped_midway_leaves_the_output_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let none = dir.path().join("static");
        write(&out, &[page("index.html", "old")], &none).unwrap();
        let mut writer = Writer::new(&out, &none).unwrap();
        writer
            .add(&[page("index.html", "new"), page("a/index.html", "a")])
            .unwrap();
        assert!(dir.path().join(".public.staging").exists());
        drop(writer);
        assert!(!dir.path().join(".public.staging").exists());
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "old");
        assert!(!out.join("a").exists());
    }

    #[test]
    fn pages_added_in_batches_make_one_site() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let none = dir.path().join("static");
        write(
            &out,
            &[page("index.html", "home"), page("old/index.html", "x")],
            &none,
        )
        .unwrap();
        let mut writer = Writer::new(&out, &none).unwrap();
        writer.add(&[page("index.html", "home")]).unwrap();
        writer.add(&[page("b/index.html", "b")]).unwrap();
        let stats = writer.finish().unwrap();
        assert_eq!(
            stats,
            WriteStats {
                n_files: 2,
                n_written: 1
            }
        );
        assert_eq!(fs::read_to_string(out.join("b/index.html")).unwrap(), "b");
        assert!(!out.join("old").exists());
    }

    #[test]
    fn removed_pages_disappear_and_static_files_win() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let static_dir = dir.path().join("static");
        fs::create_dir_all(&static_dir).unwrap();
        fs::write(static_dir.join("style.css"), "user").unwrap();
        write(&out, &[page("old/index.html", "x")], &static_dir).unwrap();
        write(&out, &[page("style.css", "theme")], &static_dir).unwrap();
        assert!(!out.join("old").exists());
        assert_eq!(fs::read_to_string(out.join("style.css")).unwrap(), "user");
        assert!(!dir.path().join(".public.staging").exists());
        assert!(!dir.path().join(".public.old").exists());
    }

    #[test]
    fn a_path_leaving_the_output_is_refused_and_output_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let none = dir.path().join("static");
        write(&out, &[page("index.html", "good")], &none).unwrap();
        assert!(write(&out, &[page("../evil", "x")], &none).is_err());
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "good");
    }

    #[test]
    fn output_dir_may_not_contain_the_site() {
        let dir = tempfile::tempdir().unwrap();
        assert!(guard_output_dir(dir.path(), dir.path()).is_err());
        assert!(guard_output_dir(dir.path(), &dir.path().join("content")).is_err());
        assert!(guard_output_dir(dir.path(), &dir.path().join("public")).is_ok());
    }
}
