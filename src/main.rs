//! The `digest` binary: parses the command line, calls the library, prints
//! diagnostics and a summary, and exits 0 (success), 1 (a problem in the
//! site) or 2 (a usage error).

mod cli;

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use cli::{Cli, Command};
use digest_site::{BuildOptions, Error, ProgressHook, Report};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A faster allocator than the system one for the many small allocations a
/// build makes (a quarter less CPU time for a 10,000-article site).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            print_error(&err);
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    let root = cli.site.clone();
    match cli.command {
        Command::Build(args) => {
            let progress = Progress::start();
            let options = BuildOptions {
                root,
                output_dir: args.output,
                include_drafts: args.drafts,
                base_url: args.base_url,
                live_reload: false,
                progress: progress.hook(),
                reuse_unchanged: !args.no_cache,
            };
            let result = digest_site::build(&options);
            progress.finish();
            let report = result?;
            print_warnings(&report);
            if args.timings {
                for timing in &report.timings {
                    let cpu = timing.cpu.map_or_else(String::new, |cpu| {
                        format!("   cpu {:>8.0} ms", cpu.as_secs_f64() * 1000.0)
                    });
                    let peak = timing.peak_memory.map_or_else(String::new, |bytes| {
                        format!("   peak {:>6.0} MB", bytes as f64 / 1e6)
                    });
                    eprintln!(
                        "  {:<8} {:>8.1} ms{cpu}{peak}",
                        timing.stage,
                        timing.elapsed.as_secs_f64() * 1000.0
                    );
                }
            }
            print_out(&format!("{}\n", summary("built", &report)));
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(args) => {
            let options = BuildOptions {
                root,
                include_drafts: args.drafts,
                ..BuildOptions::default()
            };
            let report = digest_site::check(&options)?;
            print_warnings(&report);
            print_out(&format!("{}\n", summary("checked", &report)));
            Ok(ExitCode::SUCCESS)
        }
        Command::Init(args) => {
            // `digest --site DIR init` means the same as `digest init DIR`.
            let dir = if args.dir == std::path::Path::new(".") {
                root
            } else {
                args.dir
            };
            Ok(match digest_site::scaffold::init(&dir) {
                Ok(report) => {
                    print_init(&report);
                    ExitCode::SUCCESS
                }
                // Printed here, not by `print_error`, whose closing line talks
                // about a failed build.
                Err(err) => {
                    eprintln!("{err}");
                    ExitCode::from(1)
                }
            })
        }
        Command::New(args) => Ok(
            match digest_site::scaffold::new_article(
                &root,
                &args.title,
                &args.topics,
                chrono::Utc::now(),
            ) {
                Ok(path) => {
                    print_out(&format!("{}\n", path.display()));
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("{err}");
                    ExitCode::from(1)
                }
            },
        ),
        Command::Serve(args) => {
            let bind = match args.bind.as_str() {
                "localhost" => std::net::IpAddr::from([127, 0, 0, 1]),
                text => match text.parse() {
                    Ok(ip) => ip,
                    Err(_) => {
                        eprintln!(
                            "error: `--bind {text}` is not an IP address: use one such as `127.0.0.1`"
                        );
                        return Ok(ExitCode::from(2));
                    }
                },
            };
            let options = digest_site::serve::ServeOptions {
                include_drafts: args.drafts,
                bind,
                port: args.port,
                open: args.open,
                ..digest_site::serve::ServeOptions::new(root)
            };
            match digest_site::serve::run(&options) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                // A problem in the site prints like a build's problems.
                Err(err) => match err.downcast::<Error>() {
                    Ok(err) => Err(err),
                    Err(err) => {
                        eprintln!("error: {err:#}");
                        Ok(ExitCode::from(1))
                    }
                },
            }
        }
        Command::Explain(args) => {
            let site = digest_site::load_site(&root, false)?;
            let find = |key: &str| {
                let found = digest_site::analyse::report::find_article(&site.corpus, key);
                if found.is_none() {
                    eprintln!(
                        "error: no article has the slug or source path `{key}`; run `digest analyse` to list them"
                    );
                }
                found
            };
            let (Some(first), Some(second)) = (find(&args.first), find(&args.second)) else {
                return Ok(ExitCode::from(2));
            };
            match digest_site::analyse::explain(&site.corpus, &site.config, first, second) {
                Some(explanation) => {
                    print_out(&format!("{explanation}\n"));
                    Ok(ExitCode::SUCCESS)
                }
                None => Ok(ExitCode::from(2)),
            }
        }
        Command::Analyse(args) => {
            let site = digest_site::load_site(&root, args.drafts)?;
            for warning in &site.warnings {
                eprintln!("{warning}");
            }
            let analysis = digest_site::analyse::run(&site.corpus, &site.config);
            let report = digest_site::analyse::report::report(&site.corpus, &analysis);
            if args.json {
                match serde_json::to_string_pretty(&report) {
                    Ok(json) => print_out(&format!("{json}\n")),
                    Err(err) => {
                        eprintln!("error: could not write the analysis as JSON: {err}");
                        return Ok(ExitCode::from(1));
                    }
                }
            } else {
                print_out(&report.to_string());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A spinner on stderr naming the running stage. It appears only when a
/// build takes longer than a second and stderr is a terminal, so short
/// builds and scripts see no noise.
struct Progress {
    bar: ProgressBar,
    finished: Arc<Mutex<bool>>,
}

impl Progress {
    fn start() -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        let finished = Arc::new(Mutex::new(false));
        let (delayed_bar, delayed_finished) = (bar.clone(), Arc::clone(&finished));
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(1));
            // The lock makes "show" and "finish" exclusive, so a bar is never
            // drawn after the build has cleared it.
            if let Ok(done) = delayed_finished.lock() {
                if !*done {
                    delayed_bar.set_draw_target(ProgressDrawTarget::stderr());
                    delayed_bar.enable_steady_tick(Duration::from_millis(120));
                }
            }
        });
        Self { bar, finished }
    }

    fn hook(&self) -> ProgressHook {
        let bar = self.bar.clone();
        ProgressHook::new(move |stage| {
            bar.set_message(match stage {
                "config" => "reading site.toml",
                "load" => "loading articles",
                "analyse" => "analysing articles",
                "group" => "grouping",
                "check" => "looking for changes",
                "render" => "rendering and writing pages",
                "write" => "writing the site",
                other => other,
            })
        })
    }

    fn finish(self) {
        if let Ok(mut done) = self.finished.lock() {
            *done = true;
            self.bar.finish_and_clear();
        }
    }
}

/// What `digest init` made, and what to run next.
fn print_init(report: &digest_site::scaffold::InitReport) {
    let dir = report.root.display();
    let count = |folder: &str| {
        report
            .files
            .iter()
            .filter(|p| p.starts_with(folder))
            .count()
    };
    print_out(&format!(
        "created a new site in `{dir}`:\n\
         \x20 site.toml    the settings (title, base_url, timezone, …)\n\
         \x20 content/     {} sample articles to replace with your own\n\
         \x20 static/      files copied to the site as they are (empty)\n\
         \x20 templates/   {} templates of the default theme, to edit\n\
         next: `digest --site {dir} serve` to preview it, `digest --site {dir} build` to build it\n",
        count("content"),
        count("templates"),
    ));
}

/// Writes `text` to stdout. Unlike `println!`, a closed stdout (as in
/// `digest init | head -1`) is ignored instead of panicking: the work is
/// done, only the message is lost.
fn print_out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn print_warnings(report: &Report) {
    for warning in &report.warnings {
        eprintln!("{warning}");
    }
}

fn print_error(err: &Error) {
    eprintln!("{err}");
    let n_errors = err.diagnostics().iter().filter(|d| d.is_error()).count();
    if n_errors > 0 {
        eprintln!(
            "error: the build failed with {n_errors} problem{}; the previous output was left as it was",
            if n_errors == 1 { "" } else { "s" }
        );
    }
}

/// The one-line summary a build ends with.
fn summary(verb: &str, report: &Report) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "{verb} {}, {}, {}",
        plural(report.n_articles, "article"),
        plural(report.n_topics, "topic"),
        plural(report.n_days, "day"),
    );
    match &report.output_dir {
        Some(dir) => line.push_str(&format!(
            ": {} ({} written) in {:.2} s into `{}`",
            plural(report.n_files, "file"),
            report.n_written,
            report.elapsed.as_secs_f64(),
            dir.display()
        )),
        None => line.push_str(&format!(
            ": {} in {:.2} s, nothing written",
            plural(report.n_files, "page"),
            report.elapsed.as_secs_f64()
        )),
    }
    line
}
