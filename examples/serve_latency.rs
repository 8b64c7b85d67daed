//! Benchmark of `digest serve`'s rebuild latency (issue 4): the time from
//! saving one article to the `reload` message reaching an open tab, on a
//! large site. Not a timed test: it prints a table for `BENCHMARKS.md`.
//!
//! ```sh
//! python3 bench/gen.py --n 10000 --mode digest --out bench/out/n10000-seed1
//! cargo run --release --example serve_latency -- bench/out/n10000-seed1/digest 20
//! ```
//!
//! A third argument sets the pause between rounds in milliseconds (300 by
//! default).
//!
//! The site is copied into a temp folder first (the corpus is left as it
//! was), served on `127.0.0.1:0` through the library, and a raw HTTP client
//! listens to `/__digest/events` as a browser tab does. Each round changes
//! the title of a different article (written to a temporary file and
//! renamed over the old one, as editors save), starts the clock just before
//! the rename, and stops it when the `reload` event arrives. The watcher's
//! debounce wait is part of the measured time.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use digest_site::serve::{start, ServeOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let source = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "bench/out/n10000-seed1/digest".into()),
    );
    let rounds: usize = args.next().map_or(Ok(20), |n| n.parse())?;
    // Longer than 2 s lets serve start its background full build between
    // rounds, so the edits are measured while it runs.
    let pause = Duration::from_millis(args.next().map_or(Ok(300), |n| n.parse())?);
    if !source.join("site.toml").is_file() {
        return Err(format!(
            "no site at `{}`: generate one with `python3 bench/gen.py --n 10000 --mode digest`",
            source.display()
        )
        .into());
    }

    let copy = tempfile::tempdir()?;
    let root = copy.path().join("site");
    copy_tree(&source, &root)?;
    let articles = article_files(&root.join("content"))?;
    eprintln!("copied {} articles into {}", articles.len(), root.display());

    let started = Instant::now();
    let server = start(&ServeOptions {
        port: 0,
        ..ServeOptions::new(&root)
    })?;
    eprintln!(
        "first build and serve: {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let mut events = Events::connect(server.address())?;
    events.wait_for("hello", Duration::from_secs(60))?;
    // Serve compiles the templates right after its first build; a person
    // does not save within the first second either.
    std::thread::sleep(Duration::from_secs(2));

    let mut latencies = Vec::new();
    for round in 0..rounds {
        // Spread the edited articles over the archive, old and new.
        let path = &articles[(round * 7919) % articles.len()];
        let text = std::fs::read_to_string(path)?;
        let changed = retitle(&text, round);
        // A reload of serve's background full build during the pause is
        // not this round's.
        events.drain()?;
        let temporary = path.with_extension("saving");
        std::fs::File::create(&temporary)?.write_all(changed.as_bytes())?;
        let clock = Instant::now();
        std::fs::rename(&temporary, path)?;
        events.wait_for("reload", Duration::from_secs(120))?;
        let latency = clock.elapsed();
        eprintln!(
            "round {round:>2}: {:>7.1} ms  {}",
            ms(latency),
            path.display()
        );
        latencies.push(latency);
        // Let the file system settle so rounds do not share a debounce.
        std::thread::sleep(pause);
    }
    server.stop();

    latencies.sort();
    let quantile = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    println!("| articles | rounds | median | p90 | min | max |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
    println!(
        "| {} | {} | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms |",
        articles.len(),
        latencies.len(),
        ms(quantile(0.5)),
        ms(quantile(0.9)),
        ms(latencies[0]),
        ms(latencies[latencies.len() - 1]),
    );
    Ok(())
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// `text` with ` (update N)` added to its `title:` line (or, with no front
/// matter, to its first line).
fn retitle(text: &str, round: usize) -> String {
    let mut done = false;
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let (content, end) = match line.strip_suffix('\n') {
            Some(content) => (content, "\n"),
            None => (line, ""),
        };
        if !done && content.starts_with("title:") {
            let quoted = content.ends_with('"') || content.ends_with('\'');
            if quoted {
                let (head, quote) = content.split_at(content.len() - 1);
                out.push_str(&format!("{head} (update {round}){quote}{end}"));
            } else {
                out.push_str(&format!("{content} (update {round}){end}"));
            }
            done = true;
        } else {
            out.push_str(line);
        }
    }
    if !done {
        return format!("Update {round}: {text}");
    }
    out
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

fn article_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "md" || e == "txt" || e == "markdown")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// A listener on the event stream, as a browser tab is.
struct Events {
    reader: BufReader<TcpStream>,
    pending: String,
}

impl Events {
    fn connect(address: SocketAddr) -> std::io::Result<Events> {
        let mut stream = TcpStream::connect(address)?;
        write!(
            stream,
            "GET /__digest/events HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n\r\n"
        )?;
        let mut reader = BufReader::new(stream);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 || line == "\r\n" {
                break;
            }
        }
        Ok(Events {
            reader,
            pending: String::new(),
        })
    }

    /// Forgets every event that has arrived so far.
    fn drain(&mut self) -> std::io::Result<()> {
        self.reader
            .get_mut()
            .set_read_timeout(Some(Duration::from_millis(20)))?;
        let mut buffer = [0; 4096];
        loop {
            match self.reader.read(&mut buffer) {
                Ok(0) => return Err(std::io::Error::other("the event stream ended")),
                Ok(_) => continue,
                Err(err)
                    if matches!(
                        err.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    break
                }
                Err(err) => return Err(err),
            }
        }
        self.pending.clear();
        Ok(())
    }

    /// Reads until an event named `name` arrives.
    fn wait_for(&mut self, name: &str, timeout: Duration) -> std::io::Result<()> {
        self.reader.get_mut().set_read_timeout(Some(timeout))?;
        loop {
            while let Some(end) = self.pending.find("\n\n") {
                let frame: String = self.pending.drain(..end + 2).collect();
                if frame
                    .lines()
                    .any(|line| line.strip_prefix("event:").map(str::trim) == Some(name))
                {
                    return Ok(());
                }
            }
            // The body is chunked: a size line, the bytes, an empty line.
            let mut size_line = String::new();
            if self.reader.read_line(&mut size_line)? == 0 {
                return Err(std::io::Error::other("the event stream ended"));
            }
            let size = usize::from_str_radix(size_line.trim(), 16)
                .map_err(|_| std::io::Error::other("bad chunk size"))?;
            let mut chunk = vec![0; size + 2];
            self.reader.read_exact(&mut chunk)?;
            self.pending
                .push_str(&String::from_utf8_lossy(&chunk[..size]));
        }
    }
}
