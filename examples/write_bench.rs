//! Times the write stage alone against the file system's floor:
//! `cargo run --release --example write_bench -- <built output folder> <scratch folder> [rounds]`.
//!
//! It reads a built site (e.g. `public/` of the 10k bench site) into
//! memory, then writes the same tree into `<scratch>` three ways, each
//! round into a new folder: `floor-1` (one thread: each folder once, then
//! each file), `floor-N` (rayon: the folders level by level, then the
//! files, all in parallel), and `writer` (`output::Writer`, in batches of
//! 1,024 pages as `digest build` hands them over, then `finish`). Last it
//! times `writer` again over an output that already holds the same bytes
//! (the `--no-cache` rebuild: compare, write nothing). Wall and CPU time
//! (user + system, all threads) per way.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use digest_site::output::Writer;
use digest_site::render::Page;
use rayon::prelude::*;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(source), Some(scratch)) = (args.next(), args.next()) else {
        eprintln!("usage: write_bench <built output folder> <scratch folder> [rounds]");
        std::process::exit(2);
    };
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let source = PathBuf::from(source);
    let scratch = PathBuf::from(scratch);
    let pages = read_tree(&source);
    let bytes: usize = pages.iter().map(|p| p.bytes.len()).sum();
    println!(
        "{} files, {:.1} MB, from {}",
        pages.len(),
        bytes as f64 / 1e6,
        source.display()
    );
    fs::create_dir_all(&scratch).expect("scratch folder");
    let no_static = scratch.join("no-static");
    for round in 0..rounds {
        for (name, way) in [
            ("floor-1", Way::FloorOne),
            ("floor-N", Way::FloorParallel),
            ("writer", Way::Writer),
        ] {
            let out = scratch.join(format!("{name}-{round}"));
            let _ = fs::remove_dir_all(&out);
            sync();
            let (wall, cpu) = timed(|| match way {
                Way::FloorOne => floor_one(&out, &pages),
                Way::FloorParallel => floor_parallel(&out, &pages),
                Way::Writer => write_with_writer(&out, &pages, &no_static),
            });
            println!("{name:8} into a new folder: {wall:>6.0} ms wall, {cpu:>6.0} ms CPU");
            if matches!(way, Way::Writer) {
                let (wall, cpu) = timed(|| write_with_writer(&out, &pages, &no_static));
                println!("{name:8} over the same bytes: {wall:>6.0} ms wall, {cpu:>6.0} ms CPU");
            }
        }
    }
    let _ = fs::remove_dir_all(&scratch);
}

#[derive(Clone, Copy)]
enum Way {
    FloorOne,
    FloorParallel,
    Writer,
}

/// Every file under `root`, as pages with paths relative to it.
fn read_tree(root: &Path) -> Vec<Page> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| Page {
            path: e
                .path()
                .strip_prefix(root)
                .expect("under root")
                .to_path_buf(),
            bytes: fs::read(e.path()).expect("readable"),
        })
        .collect()
}

/// The folders the files of `pages` need, parents before children.
fn folders(pages: &[Page]) -> Vec<BTreeSet<PathBuf>> {
    let mut by_depth: Vec<BTreeSet<PathBuf>> = Vec::new();
    for page in pages {
        for folder in page.path.ancestors().skip(1) {
            if folder.as_os_str().is_empty() {
                continue;
            }
            let level = folder.components().count() - 1;
            if by_depth.len() <= level {
                by_depth.resize(level + 1, BTreeSet::new());
            }
            by_depth[level].insert(folder.to_path_buf());
        }
    }
    by_depth
}

fn write_file(path: &Path, bytes: &[u8]) {
    let mut file = fs::File::create(path).expect("create");
    file.write_all(bytes).expect("write");
}

fn floor_one(out: &Path, pages: &[Page]) {
    fs::create_dir(out).expect("out");
    for level in folders(pages) {
        for folder in level {
            fs::create_dir(out.join(folder)).expect("mkdir");
        }
    }
    for page in pages {
        write_file(&out.join(&page.path), &page.bytes);
    }
}

fn floor_parallel(out: &Path, pages: &[Page]) {
    fs::create_dir(out).expect("out");
    for level in folders(pages) {
        let level: Vec<PathBuf> = level.into_iter().collect();
        level
            .par_iter()
            .for_each(|folder| fs::create_dir(out.join(folder)).expect("mkdir"));
    }
    pages
        .par_iter()
        .for_each(|page| write_file(&out.join(&page.path), &page.bytes));
}

fn write_with_writer(out: &Path, pages: &[Page], no_static: &Path) {
    let mut writer = Writer::new(out, no_static).expect("writer");
    for batch in pages.chunks(1024) {
        writer.add(batch).expect("add");
    }
    writer.finish().expect("finish");
}

/// Flushes dirty pages so one way's writeback does not bill the next.
fn sync() {
    let _ = std::process::Command::new("sync").status();
}

/// Wall and CPU milliseconds of `work`.
fn timed(work: impl FnOnce()) -> (f64, f64) {
    let (started, cpu) = (Instant::now(), cpu_time());
    work();
    let cpu = cpu_time().saturating_sub(cpu);
    (
        started.elapsed().as_secs_f64() * 1e3,
        cpu.as_secs_f64() * 1e3,
    )
}

/// CPU time (user and system) of this process so far, all threads.
fn cpu_time() -> Duration {
    digest_site::cpu_time().unwrap_or_default()
}
