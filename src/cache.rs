//! The build stamp: lets `digest build` skip a build whose inputs did not
//! change since the last one and whose output is still as that build left
//! it.
//!
//! After a successful build, `.digest-cache/build.json` in the site root
//! records a fingerprint of every input (the bytes, size and modification
//! time of every file under `content/`, `templates/` and `static/`, of
//! `site.toml`, the build options and the `digest` binary itself), the
//! report to repeat, and a fingerprint of the output folder (each file's
//! path, size, modification time and inode, taken from what the writer
//! wrote rather than by reading the folder again). The next build computes both
//! fingerprints again (the input files are read only when their metadata
//! matches); only when both match does it skip loading, analysing,
//! rendering and writing. A build that starts within two seconds of an
//! input being saved leaves no stamp, as a second save within the same
//! clock tick could keep the file's size and time. Anything else (a changed byte, a
//! touched file, an output file edited or deleted, another `digest`
//! binary) is a full build. A missing or unreadable stamp is a full build
//! too: the stamp is only ever a shortcut.
//!
//! Every successful build, `--no-cache` ones too, also leaves
//! `.digest-cache/output.tsv`, the [`Manifest`] of the output: each file's
//! size, time, inode and a hash of its bytes. The next build's writer
//! compares a page with a file that still has the recorded size, time and
//! inode by hash alone, instead of reading the file back (1.8 GB for a
//! 100,000-article site).

use std::collections::hash_map::DefaultHasher;
use std::fmt::Write as _;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::content::load::content_hash;
use crate::content::FileHashes;
use crate::output::{self, FileRecord, Manifest};
use crate::{BuildOptions, Diagnostic, Report};

/// The folder (under the site root) that holds the stamp.
pub const CACHE_DIR: &str = ".digest-cache";

/// The stamp's file name inside [`CACHE_DIR`].
const STAMP_FILE: &str = "build.json";

/// The output manifest's file name inside [`CACHE_DIR`].
const MANIFEST_FILE: &str = "output.tsv";

/// Bumped when the stamp's meaning changes, so old stamps never match.
/// 2: the output fingerprint is a sum over files, folders left out.
const STAMP_VERSION: u32 = 2;

/// The first line of an output manifest of this version, before the
/// output folder it describes.
const MANIFEST_HEADER: &str = "digest output manifest 1";

/// What the inputs of a build looked like, from their metadata alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inputs {
    /// Paths, sizes and modification times, with the options and binary.
    stats: u64,
    /// The files, relative to the site root.
    files: Vec<PathBuf>,
    /// The latest modification time of any input.
    newest: Option<SystemTime>,
}

/// An input saved this close to a build may be saved again within the same
/// tick of the file system's clock, keeping its size and time: such a
/// build leaves no stamp.
const RACY_WINDOW: Duration = Duration::from_secs(2);

/// The stamp a successful build leaves.
#[derive(Debug, Serialize, Deserialize)]
struct Stamp {
    version: u32,
    stats: String,
    key: String,
    output: PathBuf,
    output_fingerprint: String,
    n_articles: usize,
    n_topics: usize,
    n_days: usize,
    n_files: usize,
    warnings: Vec<StoredWarning>,
}

/// A warning of the stamped build, repeated when the build is skipped.
#[derive(Debug, Serialize, Deserialize)]
struct StoredWarning {
    path: PathBuf,
    line: Option<usize>,
    message: String,
}

fn stamp_path(root: &Path) -> PathBuf {
    root.join(CACHE_DIR).join(STAMP_FILE)
}

/// Takes the metadata of the inputs of a build of `options` into `out`;
/// `None` when some input cannot be read (the build itself then reports
/// it).
pub fn inputs(options: &BuildOptions, out: &Path) -> Option<Inputs> {
    let files = input_files(&options.root)?;
    Some(Inputs {
        stats: stats_of(options, out, &files),
        newest: files
            .iter()
            .filter_map(|(_, meta)| meta.modified().ok())
            .max(),
        files: files.into_iter().map(|(path, _)| path).collect(),
    })
}

/// Hashes the bytes of every input file, in parallel; a file in `known`
/// (hashed when it was loaded) is not read again.
fn contents_of(root: &Path, inputs: &Inputs, known: &FileHashes) -> Option<u64> {
    let contents: Vec<u64> = inputs
        .files
        .par_iter()
        .map(|relative| {
            let path = root.join(relative);
            match known.get(path.as_path()) {
                Some(&hash) => Some(hash),
                None => fs::read(&path).ok().map(|bytes| content_hash(&bytes)),
            }
        })
        .collect::<Option<_>>()?;
    let mut key = DefaultHasher::new();
    inputs.stats.hash(&mut key);
    contents.hash(&mut key);
    Some(key.finish())
}

/// Hashes everything about a build but the input files' bytes.
fn stats_of(options: &BuildOptions, out: &Path, files: &[(PathBuf, fs::Metadata)]) -> u64 {
    let mut stats = DefaultHasher::new();
    STAMP_VERSION.hash(&mut stats);
    env!("CARGO_PKG_VERSION").hash(&mut stats);
    // The binary's size and time stand for its code: a rebuilt `digest`
    // may render differently under the same version number.
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| fs::metadata(p).ok());
    exe.as_ref().map(fs::Metadata::len).hash(&mut stats);
    exe.as_ref().and_then(modified_nanos).hash(&mut stats);
    options.include_drafts.hash(&mut stats);
    options.base_url.hash(&mut stats);
    options.live_reload.hash(&mut stats);
    absolute(out).hash(&mut stats);
    for (relative, meta) in files {
        relative.hash(&mut stats);
        meta.len().hash(&mut stats);
        // Articles without a date are dated by this time.
        modified_nanos(meta).hash(&mut stats);
    }
    stats.finish()
}

/// The report of the stamped build when it matches `inputs` and its output
/// is still in place untouched; `None` means "build".
pub fn lookup(options: &BuildOptions, out: &Path, inputs: &Inputs) -> Option<Report> {
    let text = fs::read(stamp_path(&options.root)).ok()?;
    let stamp: Stamp = serde_json::from_slice(&text).ok()?;
    // Cheap checks first: a full build needs no file read twice.
    if stamp.version != STAMP_VERSION
        || stamp.stats != hex(inputs.stats)
        || stamp.output != absolute(out)
        || stamp.output_fingerprint != hex(output_fingerprint(out)?)
        || stamp.key != hex(contents_of(&options.root, inputs, &FileHashes::new())?)
    {
        return None;
    }
    Some(Report {
        n_articles: stamp.n_articles,
        n_topics: stamp.n_topics,
        n_days: stamp.n_days,
        n_files: stamp.n_files,
        n_written: 0,
        output_dir: Some(out.to_path_buf()),
        warnings: stamp
            .warnings
            .into_iter()
            .map(|w| Diagnostic::warning(w.path, w.line, w.message))
            .collect(),
        timings: Vec::new(),
        elapsed: std::time::Duration::ZERO,
    })
}

/// Records that the build described by `report`, started at `started`,
/// made `out` from `inputs`; `loaded` are the hashes of the article files
/// as the build read them, `written` the files the writer left in `out`.
/// Leaves no stamp when an input was saved just before the build. Best
/// effort: a stamp that cannot be written only costs the next build its
/// shortcut.
pub fn store(
    options: &BuildOptions,
    out: &Path,
    inputs: &Inputs,
    loaded: &FileHashes,
    written: &Manifest,
    started: SystemTime,
    report: &Report,
) {
    // An input changed during the build needs no second walk of the
    // inputs to be caught: the stamp keeps the metadata taken before the
    // build, which the changed file no longer has, and the next lookup
    // hashes the bytes again anyway. Only a save within one tick of the
    // file system's clock can keep the metadata: the racy window.
    let racy = inputs
        .newest
        .is_some_and(|newest| newest + RACY_WINDOW > started);
    if racy {
        return;
    }
    let Some(key) = contents_of(&options.root, inputs, loaded) else {
        return;
    };
    let fingerprint = fingerprint_of(
        written
            .iter()
            .map(|(path, record)| file_entry(path, record)),
    );
    let stamp = Stamp {
        version: STAMP_VERSION,
        stats: hex(inputs.stats),
        key: hex(key),
        output: absolute(out),
        output_fingerprint: hex(fingerprint),
        n_articles: report.n_articles,
        n_topics: report.n_topics,
        n_days: report.n_days,
        n_files: report.n_files,
        warnings: report
            .warnings
            .iter()
            .map(|w| StoredWarning {
                path: w.path.clone(),
                line: w.line,
                message: w.message.clone(),
            })
            .collect(),
    };
    let Ok(text) = serde_json::to_vec(&stamp) else {
        return;
    };
    save(&options.root, STAMP_FILE, &text);
}

/// Writes `bytes` as `name` in the cache folder of `root`, whole or not at
/// all (a temporary file renamed into place). Best effort.
fn save(root: &Path, name: &str, bytes: &[u8]) {
    let dir = root.join(CACHE_DIR);
    let temporary = dir.join(format!("{name}.{}", std::process::id()));
    if fs::create_dir_all(&dir).is_err() {
        return;
    }
    #[allow(clippy::disallowed_methods)]
    // The cache is not site output: it lives beside the site's inputs.
    let written = fs::write(&temporary, bytes);
    if written.is_err() || fs::rename(&temporary, dir.join(name)).is_err() {
        let _ = fs::remove_file(&temporary);
    }
}

/// Records the files a build left in `out` (see the module's doc), for the
/// next build's writer. Best effort: without it that writer reads the
/// files it compares.
pub fn store_manifest(root: &Path, out: &Path, written: &Manifest) {
    let mut text = format!("{MANIFEST_HEADER}\t{}\n", absolute(out).display());
    for (path, record) in written {
        // A path that is not UTF-8 or holds a line break cannot be told
        // back; its page is compared by reading, as without a manifest.
        let Some(path) = path.to_str().filter(|p| !p.contains(['\n', '\r'])) else {
            continue;
        };
        let _ = writeln!(
            text,
            "{:032x}\t{}\t{}\t{}\t{path}",
            record.hash, record.len, record.modified, record.inode
        );
    }
    save(root, MANIFEST_FILE, text.as_bytes());
}

/// The files the last build left in `out`, as [`store_manifest`] recorded
/// them; empty when there is no record for that folder (or it cannot be
/// read).
pub fn previous_manifest(root: &Path, out: &Path) -> Manifest {
    let Ok(text) = fs::read_to_string(root.join(CACHE_DIR).join(MANIFEST_FILE)) else {
        return Manifest::new();
    };
    let mut lines = text.lines();
    let header = format!("{MANIFEST_HEADER}\t{}", absolute(out).display());
    if lines.next() != Some(header.as_str()) {
        return Manifest::new();
    }
    lines
        .filter_map(|line| {
            let mut fields = line.splitn(5, '\t');
            let hash = u128::from_str_radix(fields.next()?, 16).ok()?;
            let len = fields.next()?.parse().ok()?;
            let modified = fields.next()?.parse().ok()?;
            let inode = fields.next()?.parse().ok()?;
            let path = PathBuf::from(fields.next()?);
            Some((
                path,
                FileRecord {
                    len,
                    modified,
                    inode,
                    hash,
                },
            ))
        })
        .collect()
}

/// Every input file with its metadata, relative to `root`, sorted; `None`
/// when a folder cannot be walked.
fn input_files(root: &Path) -> Option<Vec<(PathBuf, fs::Metadata)>> {
    let mut files = Vec::new();
    let config = root.join(crate::config::CONFIG_FILE);
    if let Ok(meta) = fs::metadata(&config) {
        files.push((PathBuf::from(crate::config::CONFIG_FILE), meta));
    }
    for folder in [
        crate::content::CONTENT_DIR,
        crate::render::theme::TEMPLATES_DIR,
        crate::output::STATIC_DIR,
    ] {
        let dir = root.join(folder);
        if !dir.exists() {
            continue;
        }
        for entry in walkdir::WalkDir::new(&dir)
            .follow_links(true)
            .sort_by_file_name()
        {
            let entry = entry.ok()?;
            if entry.file_type().is_dir() {
                continue;
            }
            let meta = entry.metadata().ok()?;
            let relative = entry.path().strip_prefix(root).ok()?.to_path_buf();
            files.push((relative, meta));
        }
    }
    Some(files)
}

/// The output folder's files (anything but folders): paths, sizes,
/// modification times and inodes; `None` when it cannot be walked (or
/// does not exist). Equal to [`fingerprint_of`] the files a build wrote
/// there as long as nobody touched them. The folders are listed in
/// parallel and told from files by their entries' types, so only the files
/// are `stat`ed (at 10k, 13k files but also 10k folders).
fn output_fingerprint(out: &Path) -> Option<u64> {
    if !out.is_dir() {
        return None;
    }
    let files = output::entries_below(out, Path::new(""))?;
    let entries: Vec<u64> = files
        .par_iter()
        .map(|(relative, _)| {
            let meta = fs::symlink_metadata(out.join(relative)).ok()?;
            Some(file_entry(relative, &FileRecord::of(&meta, 0)))
        })
        .collect::<Option<_>>()?;
    Some(fingerprint_of(entries.into_iter()))
}

/// The hash of one output file's path, size, time and inode (not its
/// bytes' hash: the stamp's check must not read the files).
fn file_entry(relative: &Path, record: &FileRecord) -> u64 {
    let mut hasher = DefaultHasher::new();
    relative.hash(&mut hasher);
    record.len.hash(&mut hasher);
    record.modified.hash(&mut hasher);
    record.inode.hash(&mut hasher);
    hasher.finish()
}

/// The fingerprint of a folder from the [`file_entry`] of each of its
/// files, in any order: the writer knows its files in the order they were
/// written, the check in the order it walks the folder.
fn fingerprint_of(entries: impl Iterator<Item = u64>) -> u64 {
    let (mut sum, mut count) = (0u64, 0u64);
    for entry in entries {
        sum = sum.wrapping_add(entry);
        count += 1;
    }
    let mut hasher = DefaultHasher::new();
    (sum, count).hash(&mut hasher);
    hasher.finish()
}

/// [`output::modified_nanos`], `None` when unknown.
fn modified_nanos(meta: &fs::Metadata) -> Option<u128> {
    Some(output::modified_nanos(meta)).filter(|&nanos| nanos != 0)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn hex(value: u64) -> String {
    format!("{value:016x}")
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // Tests edit their sites directly.
mod tests {
    use super::*;

    fn stages(report: &Report) -> Vec<&'static str> {
        report.timings.iter().map(|t| t.stage).collect()
    }

    fn site() -> (tempfile::TempDir, BuildOptions) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        crate::scaffold::init(&root).unwrap();
        // Files saved just before a build leave no stamp (see
        // `RACY_WINDOW`): make these an hour old.
        let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
        for entry in walkdir::WalkDir::new(&root) {
            let entry = entry.unwrap();
            if entry.file_type().is_file() {
                fs::File::options()
                    .write(true)
                    .open(entry.path())
                    .unwrap()
                    .set_modified(an_hour_ago)
                    .unwrap();
            }
        }
        let options = BuildOptions {
            root,
            reuse_unchanged: true,
            ..BuildOptions::default()
        };
        (tmp, options)
    }

    #[test]
    fn an_unchanged_site_is_not_built_again() {
        let (_tmp, options) = site();
        let first = crate::build(&options).unwrap();
        assert!(stages(&first).contains(&"analyse"));
        let second = crate::build(&options).unwrap();
        assert_eq!(stages(&second), ["config", "check"]);
        assert_eq!(second.n_written, 0);
        assert_eq!(second.n_files, first.n_files);
        assert_eq!(second.n_articles, first.n_articles);
        assert_eq!(second.warnings, first.warnings);
    }

    #[test]
    fn a_changed_input_or_output_means_a_full_build() {
        let (_tmp, options) = site();
        let out = options.root.join("public");
        crate::build(&options).unwrap();
        let built = |options: &BuildOptions| stages(&crate::build(options).unwrap()).len() > 2;

        // One byte of one article, same size, same modification time.
        let article = walkdir::WalkDir::new(options.root.join("content"))
            .into_iter()
            .filter_map(Result::ok)
            .find(|e| e.file_type().is_file())
            .unwrap()
            .into_path();
        let modified = fs::metadata(&article).unwrap().modified().unwrap();
        let text = fs::read_to_string(&article).unwrap();
        let edited = text.replacen('e', "a", 1);
        assert_eq!(edited.len(), text.len());
        fs::write(&article, edited).unwrap();
        fs::File::options()
            .write(true)
            .open(&article)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        assert!(built(&options), "an edited article was not rebuilt");
        assert!(!built(&options));

        // An output file edited by hand is put right.
        fs::write(out.join("index.html"), "edited").unwrap();
        assert!(built(&options));
        assert_ne!(fs::read(out.join("index.html")).unwrap(), b"edited");

        // A deleted output, other options, another output folder.
        fs::remove_dir_all(&out).unwrap();
        assert!(built(&options));
        let drafts = BuildOptions {
            include_drafts: true,
            ..options.clone()
        };
        assert!(built(&drafts));
        let elsewhere = BuildOptions {
            output_dir: Some(options.root.join("elsewhere")),
            ..options.clone()
        };
        assert!(built(&elsewhere));
        assert!(!built(&elsewhere));
    }

    #[test]
    fn a_site_saved_just_before_the_build_leaves_no_stamp() {
        let (_tmp, options) = site();
        let config = options.root.join("site.toml");
        let text = fs::read_to_string(&config).unwrap();
        fs::write(&config, text).unwrap();
        crate::build(&options).unwrap();
        assert!(!options.root.join(CACHE_DIR).join(STAMP_FILE).exists());
        assert!(stages(&crate::build(&options).unwrap()).contains(&"analyse"));
    }

    #[test]
    fn the_output_manifest_is_read_back_for_its_own_folder_only() {
        let (_tmp, options) = site();
        let out = options.root.join("public");
        let no_cache = BuildOptions {
            reuse_unchanged: false,
            ..options.clone()
        };
        crate::build(&no_cache).unwrap();
        let manifest = previous_manifest(&options.root, &out);
        assert!(manifest.contains_key(Path::new("index.html")));
        for (path, record) in &manifest {
            let bytes = fs::read(out.join(path)).unwrap();
            assert_eq!(record.hash, crate::output::file_hash(&bytes), "{path:?}");
        }
        assert!(previous_manifest(&options.root, &options.root.join("elsewhere")).is_empty());
        // A rebuild that changes nothing rewrites nothing and keeps the
        // same record.
        let again = crate::build(&no_cache).unwrap();
        assert_eq!(again.n_written, 0);
        assert_eq!(previous_manifest(&options.root, &out), manifest);
    }

    #[test]
    fn a_failed_build_after_a_stamped_one_keeps_the_output() {
        let (_tmp, options) = site();
        crate::build(&options).unwrap();
        let home = fs::read(options.root.join("public/index.html")).unwrap();
        fs::write(options.root.join("site.toml"), "title = [").unwrap();
        assert!(crate::build(&options).is_err());
        assert_eq!(
            fs::read(options.root.join("public/index.html")).unwrap(),
            home
        );
    }
}
