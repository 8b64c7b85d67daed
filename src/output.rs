//! Stage 6 of the pipeline: pages and `static/` into the output folder.
//!
//! Everything is written into a staging folder next to the output, which is
//! then swapped in, so a failed build never leaves a half-written or empty
//! site. A file whose bytes did not change is hard-linked from the previous
//! output instead of written, so it keeps its modification time (and rsync
//! or a CDN sees nothing new).
//!
//! The output a swap replaces is not deleted: it is kept beside the output
//! (`.<out>.old`) and becomes the next build's staging folder, whose files
//! are written over in place. Deleting thousands of files and creating as
//! many new ones soon after is slow on ext4 without a journal: it skips
//! inodes freed in the last minutes when it hands out new ones, one cache
//! lookup each, so a build after a deletion of the same size spent 4–7 s
//! of kernel time writing 13,000 files instead of 0.3 s. Overwriting a
//! file keeps its inode, so a rebuild that changes every page frees and
//! allocates none. A file of the kept folder that is also a file of the
//! output (a hard link of an unchanged page) is never written into: it is
//! replaced, so the output is never touched before the swap.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

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

/// One file of an output folder as a build left it: its size,
/// modification time and inode tell that the file is still the one written
/// (as `git` tells an unchanged file), and the hash what it holds, so the
/// next build can tell an unchanged page without reading the file back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileRecord {
    /// Size in bytes.
    pub len: u64,
    /// Modification time, nanoseconds since the Unix epoch (0: unknown).
    pub modified: u128,
    /// Inode number (0 where the platform has none).
    pub inode: u64,
    /// [`file_hash`] of the bytes.
    pub hash: u128,
}

impl FileRecord {
    /// The record of a file with metadata `meta` holding bytes of `hash`.
    pub fn of(meta: &fs::Metadata, hash: u128) -> Self {
        Self {
            len: meta.len(),
            modified: modified_nanos(meta),
            inode: inode(meta),
            hash,
        }
    }

    /// True when `meta` is that of the very file this record describes.
    fn describes(&self, meta: &fs::Metadata) -> bool {
        self.len == meta.len()
            && self.modified != 0
            && self.modified == modified_nanos(meta)
            && self.inode == inode(meta)
    }
}

/// Every file of an output folder by its path inside it: what a
/// [`Writer`] wrote (or kept), for the build stamp and the next build.
pub type Manifest = HashMap<PathBuf, FileRecord>;

/// The hash of an output file's bytes kept in its [`FileRecord`]: 128-bit
/// XXH3, fast enough to hash every page of a build (about 10 GB/s) and
/// long enough that two different pages never share one in practice.
pub fn file_hash(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// A file's modification time in nanoseconds since the Unix epoch, 0 when
/// unknown.
pub fn modified_nanos(meta: &fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_nanos())
}

#[cfg(unix)]
fn inode(meta: &fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn inode(_meta: &fs::Metadata) -> u64 {
    0
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

/// Writes a site page by page as it is rendered, from every rendering
/// thread ([`Writer::put`]), so a large site never holds every page in
/// memory, and swaps it in when [`Writer::finish`]es.
///
/// Each page is compared with the file of the same path in the current
/// output: by hash when the file is still the one the last build recorded
/// (see [`Writer::with_previous`]), else by reading it. A changed page goes
/// into the staging folder (created with the first change, or earlier by
/// [`Writer::make_ahead`]); an unchanged
/// one is only remembered and hard-linked from the current output at the
/// end, so it keeps its modification time. When nothing changed and
/// nothing is left over, the output folder is not touched at all. A writer
/// dropped before `finish` (a failed build) puts its staging folder aside
/// as `.<out>.old` and leaves the output as it was.
pub struct Writer {
    out: PathBuf,
    staging: PathBuf,
    aside: PathBuf,
    /// Files of `static/` by output path; they win over pages.
    statics: BTreeMap<PathBuf, PathBuf>,
    /// The files of the new site so far (a hash set: at 100k pages, the
    /// path comparisons of an ordered set were a tenth of the writer's
    /// time).
    files: Manifest,
    /// The current output's files as the last build recorded them.
    previous: Manifest,
    /// Files equal to those of the current output, to link at the end.
    unchanged: Vec<PathBuf>,
    /// Whether there is a current output to compare with (a first build
    /// has none: no file need be looked for).
    out_exists: bool,
    /// `None` until the staging folder is made (by the first changed
    /// file, which may come from any thread: see [`Writer::put`]); then
    /// whether it is the kept previous output (see the module's doc),
    /// whose files may stand where new ones go.
    staged: Mutex<Option<bool>>,
    /// Folders (inside the output) made ahead in a new staging folder by
    /// [`Writer::make_ahead`]: a page going into one is written without
    /// looking for its folder first.
    made_folders: HashSet<PathBuf>,
    /// Files (inside the output) made ahead, empty, by
    /// [`Writer::make_ahead`]: such a page is written into its file
    /// without creating it.
    made_files: HashSet<PathBuf>,
    /// How many of `made_files` pages filled: when all of them, no file
    /// or folder made ahead is left over at the end.
    n_filled: AtomicUsize,
    n_written: usize,
    finished: bool,
}

impl Writer {
    /// A writer into `out`, with the files of `static_dir` to add at the
    /// end. Keeps what an interrupted earlier build left beside `out` as
    /// the folder to write over (see the module's doc).
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
        if staging.exists() {
            keep_or_remove(&staging, &aside)?;
        }
        Ok(Self {
            out: out.to_path_buf(),
            staging,
            aside,
            statics,
            files: Manifest::new(),
            previous: Manifest::new(),
            unchanged: Vec::new(),
            out_exists: out.exists(),
            staged: Mutex::new(None),
            made_folders: HashSet::new(),
            made_files: HashSet::new(),
            n_filled: AtomicUsize::new(0),
            n_written: 0,
            finished: false,
        })
    }

    /// Tells the writer what the current output's files held when the
    /// last build recorded them (its [`Manifest`]): a page whose file still
    /// has the recorded size, time and inode is compared by hash, without
    /// reading the file. A wrong or stale manifest costs only those reads.
    pub fn with_previous(mut self, previous: Manifest) -> Self {
        self.previous = previous;
        self
    }

    /// Makes the files `pages` (paths inside the output), empty, and their
    /// folders in a new staging folder before any page arrives, when every
    /// page will be written anyway: there is no current output to compare
    /// with and no kept one to write over (a first build, or one after the
    /// output was moved away). Run while the analysis works, it takes the
    /// kernel's making of folders and files (inodes, folder entries), about
    /// half of its work per page, off the rendering threads later, which
    /// then only fill the files. Best effort: a file or folder not made
    /// here is made (or its problem reported) when its page is written; a
    /// file made here that no page fills is removed at the end.
    pub fn make_ahead(&mut self, pages: impl IntoIterator<Item = PathBuf>) {
        if self.out_exists || self.is_staged() || self.aside.exists() {
            return;
        }
        if self.stage().is_err() {
            return;
        }
        for page in pages {
            let Some(folder) = page.parent().filter(|f| !f.as_os_str().is_empty()) else {
                continue;
            };
            if !is_safe_relative(&page) {
                continue;
            }
            if !self.made_folders.contains(folder)
                && fs::create_dir_all(self.staging.join(folder)).is_err()
            {
                continue;
            }
            // A folder is only recorded with a file in it, so the end of
            // the build can tell from the filled files alone whether
            // anything is left to remove (a folder whose file could not be
            // made here is made again, or reported, when its page is
            // written).
            if fs::File::create_new(self.staging.join(&page)).is_ok() {
                if !self.made_folders.contains(folder) {
                    self.made_folders.insert(folder.to_path_buf());
                }
                self.made_files.insert(page);
            }
        }
    }

    /// Adds rendered pages: compares them with the current output and
    /// writes the changed ones into the staging folder, on every core
    /// ([`Writer::put`], then [`Writer::absorb`]).
    pub fn add(&mut self, pages: &[Page]) -> Result<(), Error> {
        // Checked in order first, so the path named is the first unsafe
        // one whatever the threads' timing.
        for page in pages {
            refuse_unsafe(&page.path)?;
        }
        let put: Vec<Option<Put>> = pages
            .par_iter()
            .map(|page| self.put(&page.path, &page.bytes))
            .collect::<Result<_, _>>()?;
        self.absorb(put.into_iter().flatten());
        Ok(())
    }

    /// Compares one file of the new site with the current output and
    /// writes it into the staging folder when it changed (making the
    /// staging folder with the first changed file). Takes `&self`, so
    /// every rendering thread can write the pages it renders at once; what
    /// it returns goes to [`Writer::absorb`]. `None` for a page a file of
    /// `static/` replaces.
    pub fn put(&self, path: &Path, bytes: &[u8]) -> Result<Option<Put>, Error> {
        if self.statics.contains_key(path) {
            return Ok(None);
        }
        self.put_file(path, bytes).map(Some)
    }

    /// [`Writer::put`] for any file, a static one included.
    fn put_file(&self, path: &Path, bytes: &[u8]) -> Result<Put, Error> {
        refuse_unsafe(path)?;
        let hash = file_hash(bytes);
        if let Some(record) = self.unchanged_record(path, bytes, hash) {
            return Ok(Put {
                path: path.to_path_buf(),
                record,
                written: false,
            });
        }
        let recycled = self.stage()?;
        let target = self.staging.join(path);
        let written = if !recycled && self.made_files.contains(path) {
            // Made empty ahead, in a new staging folder, for this page
            // alone (no two pages share a path): filled, not created.
            self.n_filled.fetch_add(1, Ordering::Relaxed);
            fill_file(&target, bytes)
        } else {
            // A folder made ahead in a new staging folder holds nothing yet.
            let ready = !recycled && path.parent().is_some_and(|p| self.made_folders.contains(p));
            if !ready {
                make_room(&self.staging, &target, recycled, Room::ForWriting)?;
            }
            write_file(&target, bytes)
        };
        let meta = written.map_err(|e| Error::io(&target, e))?;
        Ok(Put {
            path: path.to_path_buf(),
            record: FileRecord::of(&meta, hash),
            written: true,
        })
    }

    /// Records files [`Writer::put`] handled: the written ones, and the
    /// unchanged ones to link from the current output at the end.
    pub fn absorb(&mut self, put: impl IntoIterator<Item = Put>) {
        for Put {
            path,
            record,
            written,
        } in put
        {
            if written {
                self.n_written += 1;
            } else {
                self.unchanged.push(path.clone());
            }
            self.files.insert(path, record);
        }
    }

    /// The record of the current output's file at `path` when it holds
    /// exactly `bytes` (of hash `hash`), `None` when it differs or is
    /// missing.
    fn unchanged_record(&self, path: &Path, bytes: &[u8], hash: u128) -> Option<FileRecord> {
        if !self.out_exists {
            return None;
        }
        let old = self.out.join(path);
        let meta = fs::symlink_metadata(&old).ok()?;
        if !meta.is_file() || meta.len() != bytes.len() as u64 {
            return None;
        }
        let same = match self.previous.get(path) {
            Some(known) if known.describes(&meta) => known.hash == hash,
            _ => fs::read(&old).is_ok_and(|held| held == bytes),
        };
        same.then(|| FileRecord::of(&meta, hash))
    }

    /// Makes the staging folder unless it is made already: the kept
    /// previous output when there is one (its files are written over),
    /// else a new folder. Returns whether it is the kept one.
    fn stage(&self) -> Result<bool, Error> {
        let mut staged = self.staged.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(recycled) = *staged {
            return Ok(recycled);
        }
        let recycled = self.aside.is_dir() && fs::rename(&self.aside, &self.staging).is_ok();
        if !recycled {
            fs::create_dir(&self.staging).map_err(|e| Error::io(&self.staging, e))?;
        }
        *staged = Some(recycled);
        Ok(recycled)
    }

    /// Whether the staging folder is made.
    fn is_staged(&self) -> bool {
        self.staged
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    /// Adds the static files, then swaps the new site in (or leaves the
    /// output alone when every file is unchanged).
    pub fn finish(self) -> Result<WriteStats, Error> {
        self.finish_recorded().map(|(stats, _)| stats)
    }

    /// [`Writer::finish`], also returning the record of every file of the
    /// new output, for the build stamp.
    pub fn finish_recorded(mut self) -> Result<(WriteStats, Manifest), Error> {
        let statics = std::mem::take(&mut self.statics);
        for path in statics.keys() {
            refuse_unsafe(path)?;
        }
        let put: Vec<Put> = statics
            .par_iter()
            .map(|(relative, absolute)| {
                let bytes = fs::read(absolute).map_err(|e| Error::io(absolute, e))?;
                self.put_file(relative, &bytes)
            })
            .collect::<Result<_, Error>>()?;
        self.absorb(put);
        let stats = WriteStats {
            n_files: self.files.len(),
            n_written: self.n_written,
        };
        if !self.is_staged() && holds_only(&self.out, &self.files) {
            // Nothing to do: leave the folder, its inodes and every mtime
            // alone, which also spares a large site thousands of hard links.
            self.finished = true;
            return Ok((stats, std::mem::take(&mut self.files)));
        }
        let recycled = self.stage()?;
        let (out, staging) = (&self.out, &self.staging);
        // A file that cannot be hard-linked is copied: a new file, whose
        // record is taken anew.
        let copied: Vec<(PathBuf, fs::Metadata)> = self
            .unchanged
            .par_iter()
            .map(|relative| {
                let (old, target) = (out.join(relative), staging.join(relative));
                if make_room(staging, &target, recycled, Room::ForLinking(&old))? {
                    // The kept folder already holds this very file.
                    return Ok(None);
                }
                if fs::hard_link(&old, &target).is_ok() {
                    return Ok(None);
                }
                fs::copy(&old, &target).map_err(|e| Error::io(&target, e))?;
                let meta = fs::metadata(&target).map_err(|e| Error::io(&target, e))?;
                Ok(Some((relative.clone(), meta)))
            })
            .filter_map(Result::transpose)
            .collect::<Result<_, Error>>()?;
        for (relative, meta) in copied {
            if let Some(record) = self.files.get_mut(&relative) {
                *record = FileRecord::of(&meta, record.hash);
            }
        }
        if recycled {
            remove_others(&self.staging, &self.files)?;
        }
        self.remove_unused_ahead();
        self.swap()?;
        self.finished = true;
        Ok((stats, std::mem::take(&mut self.files)))
    }

    /// Removes the files made ahead ([`Writer::make_ahead`]) that no page
    /// filled, then the folders made ahead that no file went into, and the
    /// folders above them left empty.
    fn remove_unused_ahead(&self) {
        // Every folder made ahead holds a file made ahead (`make_ahead`
        // keeps no folder it made no file in), so when every file was
        // filled there is nothing to remove.
        if self.made_folders.is_empty()
            || self.n_filled.load(Ordering::Relaxed) == self.made_files.len()
        {
            return;
        }
        for file in &self.made_files {
            if !self.files.contains_key(file) {
                let _ = fs::remove_file(self.staging.join(file));
            }
        }
        let used: HashSet<&Path> = self.files.keys().filter_map(|p| p.parent()).collect();
        for folder in &self.made_folders {
            if used.contains(folder.as_path()) {
                continue;
            }
            // `remove_dir` stops at the first folder that holds anything.
            for empty in folder.ancestors().filter(|f| !f.as_os_str().is_empty()) {
                if fs::remove_dir(self.staging.join(empty)).is_err() {
                    break;
                }
            }
        }
    }

    /// Puts the staging folder in the output's place; the output it
    /// replaces is kept aside for the next build to write over.
    fn swap(&self) -> Result<(), Error> {
        let (out, staging, aside) = (&self.out, &self.staging, &self.aside);
        if out.exists() {
            if aside.exists() {
                // Only when the kept folder could not be taken as staging.
                remove_tree(aside)?;
            }
            fs::rename(out, aside).map_err(|e| Error::io(out, e))?;
            if let Err(err) = fs::rename(staging, out) {
                // Put the previous site back before reporting.
                let _ = fs::rename(aside, out);
                return Err(Error::io(out, err));
            }
            Ok(())
        } else {
            fs::rename(staging, out).map_err(|e| Error::io(out, e))
        }
    }
}

/// What [`Writer::put`] did with one file, for [`Writer::absorb`].
#[derive(Debug)]
pub struct Put {
    path: PathBuf,
    record: FileRecord,
    /// False when the current output holds the same bytes (the file is
    /// linked from there at the end).
    written: bool,
}

/// Writes `bytes` into a new file at `target` and returns its metadata
/// (taken from the open file: no second path lookup).
fn write_file(target: &Path, bytes: &[u8]) -> std::io::Result<fs::Metadata> {
    let mut file = fs::File::create(target)?;
    file.write_all(bytes)?;
    file.metadata()
}

/// Writes `bytes` into the existing empty file at `target` and returns its
/// metadata.
fn fill_file(target: &Path, bytes: &[u8]) -> std::io::Result<fs::Metadata> {
    // Not opened with `truncate`: on ext4, truncating a file to size 0,
    // even one already empty, marks it to be flushed to disk when it is
    // closed (`auto_da_alloc`, a safeguard for programs that replace a
    // file by truncating and rewriting it), so closing each page started
    // its write-back on the rendering thread: ~a fifth of the render's
    // CPU in `perf` at 10k (`ext4_release_file` -> `ext4_writepages`).
    let mut file = fs::OpenOptions::new().write(true).open(target)?;
    file.write_all(bytes)?;
    let meta = file.metadata()?;
    // The file is new and empty, but should two pages ever share a path,
    // the second must not keep the first's tail.
    if meta.len() > bytes.len() as u64 {
        file.set_len(bytes.len() as u64)?;
        return file.metadata();
    }
    Ok(meta)
}

impl Drop for Writer {
    fn drop(&mut self) {
        if !self.finished && self.is_staged() {
            // Best effort: the staging folder is ours and half-written; the
            // output itself was never touched. Kept aside, its files are
            // written over by the next build rather than deleted now.
            let _ = keep_or_remove(&self.staging, &self.aside);
        }
    }
}

/// Keeps the folder `dir` as the folder `aside` that the next build
/// writes over, or removes it when there is one already.
fn keep_or_remove(dir: &Path, aside: &Path) -> Result<(), Error> {
    if !aside.exists() && fs::rename(dir, aside).is_ok() {
        return Ok(());
    }
    fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))
}

/// What a file of the staging folder is made room for.
#[derive(Clone, Copy)]
enum Room<'p> {
    /// New bytes, written over a file of the kept folder that nothing
    /// else shares.
    ForWriting,
    /// A hard link to this file of the current output.
    ForLinking(&'p Path),
}

/// Makes `target` ready to be written or linked: its folder exists, and
/// in a `recycled` staging folder nothing stands in its way. A file there
/// that is also linked from elsewhere (from the current output: an
/// unchanged page of an earlier build) is removed, never written into.
/// For [`Room::ForLinking`], true when `target` already is that file.
fn make_room(staging: &Path, target: &Path, recycled: bool, room: Room<'_>) -> Result<bool, Error> {
    if let Err(err) = create_parent(target) {
        if !recycled {
            return Err(err);
        }
        // A file of the kept folder where a folder now goes.
        clear_ancestors(staging, target)?;
        create_parent(target)?;
    }
    if !recycled {
        return Ok(false);
    }
    let Ok(meta) = fs::symlink_metadata(target) else {
        return Ok(false);
    };
    let remove = |result: std::io::Result<()>| result.map_err(|e| Error::io(target, e));
    if meta.is_dir() {
        remove(fs::remove_dir_all(target))?;
        return Ok(false);
    }
    match room {
        Room::ForWriting if meta.is_file() && !is_shared(&meta) => Ok(false),
        Room::ForLinking(old)
            if fs::symlink_metadata(old).is_ok_and(|old| same_file(&old, &meta)) =>
        {
            Ok(true)
        }
        _ => remove(fs::remove_file(target)).map(|()| false),
    }
}

/// Removes whatever is not a folder on the way from `staging` down to
/// `target`'s folder.
fn clear_ancestors(staging: &Path, target: &Path) -> Result<(), Error> {
    let Some(parent) = target.parent() else {
        return Ok(());
    };
    let Ok(relative) = parent.strip_prefix(staging) else {
        return Ok(());
    };
    let mut path = staging.to_path_buf();
    for part in relative.components() {
        path.push(part);
        match fs::symlink_metadata(&path) {
            Ok(meta) if !meta.is_dir() => match fs::remove_file(&path) {
                // Pages are written from several threads: another one
                // under the same folder may have removed the file first.
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Error::io(&path, e));
                }
                _ => {}
            },
            _ => {}
        }
    }
    Ok(())
}

/// Removes from the recycled staging folder `dir` every file that is not
/// one of `files`, and the folders left empty.
fn remove_others(dir: &Path, files: &Manifest) -> Result<(), Error> {
    let mut stale_files = Vec::new();
    let mut folders = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            Error::io(&path, e.into())
        })?;
        let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        if entry.file_type().is_dir() {
            folders.push(entry.into_path());
        } else if !files.contains_key(relative) {
            stale_files.push(entry.into_path());
        }
    }
    stale_files
        .par_iter()
        .try_for_each(|path| fs::remove_file(path).map_err(|e| Error::io(path, e)))?;
    // The folders holding a kept file stay; the others are empty now.
    // Deepest first, so a folder's subfolders are gone before it.
    let mut holding = std::collections::HashSet::new();
    for file in files.keys() {
        for folder in file.ancestors().skip(1) {
            if !holding.insert(folder) {
                break;
            }
        }
    }
    for folder in folders.iter().rev() {
        let relative = folder.strip_prefix(dir).unwrap_or(folder);
        if !holding.contains(relative) {
            fs::remove_dir(folder).map_err(|e| Error::io(folder, e))?;
        }
    }
    Ok(())
}

/// True when a file has other names than the one it was looked up by
/// (always assumed where links cannot be counted).
fn is_shared(meta: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        std::os::unix::fs::MetadataExt::nlink(meta) > 1
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        true
    }
}

/// True when two metadata are of one file.
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        a.dev() == b.dev() && a.ino() == b.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
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
fn holds_only(out: &Path, files: &Manifest) -> bool {
    if !out.is_dir() {
        return false;
    }
    entries_below(out, Path::new("")).is_some_and(|entries| {
        entries.len() == files.len()
            && entries
                .iter()
                .all(|(path, is_file)| *is_file && files.contains_key(path))
    })
}

/// Every entry below `dir` that is not a folder, by its path under
/// `relative`, and whether it is a plain file; `None` when a folder cannot
/// be read. Folders are read in parallel (an output holds one per
/// article), and nothing is `stat`ed: the folder entries say their kind.
pub(crate) fn entries_below(dir: &Path, relative: &Path) -> Option<Vec<(PathBuf, bool)>> {
    let entries: Vec<fs::DirEntry> = fs::read_dir(dir).ok()?.collect::<Result<_, _>>().ok()?;
    let mut found = Vec::new();
    let mut folders = Vec::new();
    for entry in entries {
        let kind = entry.file_type().ok()?;
        let path = relative.join(entry.file_name());
        if kind.is_dir() {
            folders.push((entry.path(), path));
        } else {
            found.push((path, kind.is_file()));
        }
    }
    let below: Vec<Vec<(PathBuf, bool)>> = folders
        .par_iter()
        .map(|(folder, path)| entries_below(folder, path))
        .collect::<Option<_>>()?;
    found.extend(below.into_iter().flatten());
    Some(found)
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
    fn files_made_ahead_hold_the_pages_and_only_on_a_first_build() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let none = dir.path().join("static");
        let ahead = [
            "a/index.html",
            "b/c/index.html",
            "unused/index.html",
            "../outside/index.html",
        ]
        .map(PathBuf::from);
        let pages = [
            page("a/index.html", "a"),
            page("a/feed.xml", "feed"),
            page("b/c/index.html", "c"),
            page("d/index.html", "d"),
        ];
        let mut writer = Writer::new(&out, &none).unwrap();
        writer.make_ahead(ahead.clone());
        assert!(!dir.path().join("outside").exists());
        assert!(dir.path().join(".public.staging/b/c/index.html").is_file());
        writer.add(&pages).unwrap();
        assert_eq!(writer.finish().unwrap().n_written, 4);
        for page in &pages {
            assert_eq!(fs::read(out.join(&page.path)).unwrap(), page.bytes);
        }
        // A file or folder no page went into is not part of the site.
        assert!(!out.join("unused").exists());
        // A rebuild (with an output to compare with) makes nothing ahead
        // and rewrites nothing.
        let mut writer = Writer::new(&out, &none).unwrap();
        writer.make_ahead(ahead);
        writer.add(&pages).unwrap();
        assert_eq!(writer.finish().unwrap().n_written, 0);
        assert!(!out.join("unused").exists());
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
        // The replaced output is kept for the next build to write over.
        assert!(dir.path().join(".public.old/old/index.html").exists());
    }

    fn text(path: &Path) -> String {
        fs::read_to_string(path).unwrap()
    }

    fn inode_of(path: &Path) -> u64 {
        std::os::unix::fs::MetadataExt::ino(&fs::metadata(path).unwrap())
    }

    #[test]
    fn the_replaced_output_is_written_over_by_the_next_build() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let none = dir.path().join("static");
        let site = |version: &str| {
            vec![
                page("index.html", &format!("home {version}")),
                page("same/index.html", "unchanged"),
                page(&format!("only-{version}/index.html"), version),
            ]
        };
        write(&out, &site("1"), &none).unwrap();
        let first_home = inode_of(&out.join("index.html"));
        write(&out, &site("2"), &none).unwrap();
        let second_home = inode_of(&out.join("index.html"));
        let unchanged = inode_of(&out.join("same/index.html"));
        let stats = write(&out, &site("3"), &none).unwrap();
        assert_eq!(stats.n_written, 2);
        // The home page went into the file the first build made (no new
        // inode), the second build's output is kept aside whole.
        assert_eq!(inode_of(&out.join("index.html")), first_home);
        assert_eq!(text(&out.join("index.html")), "home 3");
        let aside = dir.path().join(".public.old");
        assert_eq!(inode_of(&aside.join("index.html")), second_home);
        assert_eq!(text(&aside.join("index.html")), "home 2");
        // The unchanged page is one file throughout; pages gone since are
        // gone with their folders.
        assert_eq!(inode_of(&out.join("same/index.html")), unchanged);
        assert_eq!(text(&out.join("same/index.html")), "unchanged");
        assert!(!out.join("only-1").exists());
        assert!(!out.join("only-2").exists());
        assert_eq!(text(&out.join("only-3/index.html")), "3");
    }

    #[test]
    fn a_failed_build_never_writes_into_a_file_the_output_shares() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let none = dir.path().join("static");
        write(&out, &[page("a.html", "a1"), page("b.html", "b1")], &none).unwrap();
        // `a.html` is unchanged: the output and the kept folder share it.
        write(&out, &[page("a.html", "a1"), page("b.html", "b2")], &none).unwrap();
        let aside = dir.path().join(".public.old");
        assert_eq!(
            inode_of(&aside.join("a.html")),
            inode_of(&out.join("a.html"))
        );
        // A file where the kept folder has a folder, and the reverse.
        fs::create_dir_all(aside.join("c.html/x")).unwrap();
        fs::write(aside.join("d"), "file").unwrap();
        let mut writer = Writer::new(&out, &none).unwrap();
        writer
            .add(&[
                page("a.html", "a3"),
                page("b.html", "b3"),
                page("c.html", "c3"),
                page("d/index.html", "d3"),
            ])
            .unwrap();
        assert_eq!(text(&dir.path().join(".public.staging/d/index.html")), "d3");
        drop(writer);
        assert_eq!(text(&out.join("a.html")), "a1");
        assert_eq!(text(&out.join("b.html")), "b2");
        // The same pages, finished this time.
        let pages = [page("a.html", "a3"), page("c.html", "c3")];
        write(&out, &pages, &none).unwrap();
        assert_eq!(text(&out.join("a.html")), "a3");
        assert_eq!(text(&out.join("c.html")), "c3");
        assert!(!out.join("b.html").exists() && !out.join("d").exists());
        assert_eq!(text(&aside.join("a.html")), "a1");
    }

    #[test]
    fn a_path_leaving_the_output_is_refused_and_output_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let none = dir.path().join("static");
        write(&out, &[page("index.html", "good")], &none).unwrap();
        assert!(write(&out, &[page("../evil", "x")], &none).is_err());
        assert_eq!(text(&out.join("index.html")), "good");
    }

    #[test]
    fn recorded_files_are_compared_by_hash_and_edited_ones_by_reading() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let none = dir.path().join("static");
        let pages = vec![page("index.html", "home"), page("a/index.html", "aaaa")];
        let write_with = |previous: Manifest| {
            let mut writer = Writer::new(&out, &none).unwrap().with_previous(previous);
            writer.add(&pages).unwrap();
            writer.finish_recorded().unwrap()
        };
        let (_, manifest) = write_with(Manifest::new());
        assert_eq!(manifest.len(), 2);
        for (path, record) in &manifest {
            let file = out.join(path);
            assert!(record.describes(&fs::metadata(&file).unwrap()));
            assert_eq!(record.hash, file_hash(&fs::read(&file).unwrap()));
        }
        let (stats, again) = write_with(manifest.clone());
        assert_eq!(stats.n_written, 0);
        assert_eq!(again, manifest);

        // The record is believed while the file is the one it describes:
        // a record saying the home page held other bytes gets it written
        // again, without the file being read.
        let mut stale = manifest.clone();
        stale.get_mut(Path::new("index.html")).unwrap().hash ^= 1;
        let (stats, rewritten) = write_with(stale);
        assert_eq!(stats.n_written, 1);
        assert_eq!(rewritten[Path::new("index.html")].hash, file_hash(b"home"));

        // A file replaced since (another inode and time) is read: same
        // bytes are kept, other bytes written.
        fs::remove_file(out.join("a/index.html")).unwrap();
        fs::write(out.join("a/index.html"), "bbbb").unwrap();
        let (stats, _) = write_with(rewritten);
        assert_eq!(stats.n_written, 1);
        assert_eq!(text(&out.join("a/index.html")), "aaaa");
    }

    #[test]
    fn output_dir_may_not_contain_the_site() {
        let dir = tempfile::tempdir().unwrap();
        assert!(guard_output_dir(dir.path(), dir.path()).is_err());
        assert!(guard_output_dir(dir.path(), &dir.path().join("content")).is_err());
        assert!(guard_output_dir(dir.path(), &dir.path().join("public")).is_ok());
    }
}
