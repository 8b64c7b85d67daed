//! Stage 6 of the pipeline: pages and `static/` into the output folder.
//!
//! Everything is written into a staging folder next to the output, which is
//! then swapped in, so a failed build never leaves a half-written or empty
//! site. A file whose bytes did not change is hard-linked from the previous
//! output instead of written, so it keeps its modification time (and rsync
//! or a CDN sees nothing new).

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

/// Where one output file's bytes come from.
enum Source<'a> {
    Bytes(&'a [u8]),
    File(PathBuf),
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
    let mut files: BTreeMap<PathBuf, Source<'_>> = BTreeMap::new();
    for page in pages {
        files.insert(page.path.clone(), Source::Bytes(&page.bytes));
    }
    for (relative, absolute) in static_files(static_dir)? {
        files.insert(relative, Source::File(absolute));
    }
    for path in files.keys() {
        if !is_safe_relative(path) {
            return Err(Error::io(
                path,
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "output path leaves the output folder",
                ),
            ));
        }
    }

    if output_is_current(out, &files) {
        // Nothing to do: leave the folder, its inodes and every mtime alone,
        // which also spares a large site thousands of hard links.
        return Ok(WriteStats {
            n_files: files.len(),
            n_written: 0,
        });
    }

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

    let result = fill_staging(&staging, out, &files);
    let n_written = match result {
        Ok(n) => n,
        Err(err) => {
            // Best effort: the staging folder is ours and half-written.
            let _ = fs::remove_dir_all(&staging);
            return Err(err);
        }
    };

    if out.exists() {
        fs::rename(out, &aside).map_err(|e| Error::io(out, e))?;
        if let Err(err) = fs::rename(&staging, out) {
            // Put the previous site back before reporting.
            let _ = fs::rename(&aside, out);
            return Err(Error::io(out, err));
        }
        fs::remove_dir_all(&aside).map_err(|e| Error::io(&aside, e))?;
    } else {
        fs::rename(&staging, out).map_err(|e| Error::io(out, e))?;
    }
    Ok(WriteStats {
        n_files: files.len(),
        n_written,
    })
}

/// Writes every file into `staging`, reusing unchanged files of `previous`.
/// Returns how many files were actually written.
fn fill_staging(
    staging: &Path,
    previous: &Path,
    files: &BTreeMap<PathBuf, Source<'_>>,
) -> Result<usize, Error> {
    let mut folders: BTreeSet<PathBuf> = BTreeSet::new();
    folders.insert(staging.to_path_buf());
    for path in files.keys() {
        if let Some(parent) = staging.join(path).parent() {
            folders.insert(parent.to_path_buf());
        }
    }
    for folder in &folders {
        fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
    }
    let written: Result<Vec<bool>, Error> = files
        .par_iter()
        .map(|(relative, source)| {
            let target = staging.join(relative);
            let old = previous.join(relative);
            let bytes = match source {
                Source::Bytes(bytes) => std::borrow::Cow::Borrowed(*bytes),
                Source::File(path) => {
                    std::borrow::Cow::Owned(fs::read(path).map_err(|e| Error::io(path, e))?)
                }
            };
            if same_bytes(&old, &bytes) && fs::hard_link(&old, &target).is_ok() {
                return Ok(false);
            }
            #[allow(clippy::disallowed_methods)]
            // This module is the one place that writes output.
            fs::write(&target, &bytes).map_err(|e| Error::io(&target, e))?;
            Ok(true)
        })
        .collect();
    Ok(written?.into_iter().filter(|&w| w).count())
}

/// True when `out` already holds exactly `files` (same paths, same bytes)
/// and nothing else.
fn output_is_current(out: &Path, files: &BTreeMap<PathBuf, Source<'_>>) -> bool {
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
        if !entry.file_type().is_file() || !files.contains_key(relative) {
            return false;
        }
    }
    n_existing == files.len()
        && files.par_iter().all(|(relative, source)| match source {
            Source::Bytes(bytes) => same_bytes(&out.join(relative), bytes),
            Source::File(path) => {
                fs::read(path).is_ok_and(|bytes| same_bytes(&out.join(relative), &bytes))
            }
        })
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
