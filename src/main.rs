//! The `digest` binary: parses the command line, calls the library, prints
//! diagnostics and a summary, and exits 0 (success), 1 (a problem in the
//! site) or 2 (a usage error).

mod cli;

use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, Command};
use digest_site::{BuildOptions, Error, Report};

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
            let options = BuildOptions {
                root,
                output_dir: args.output,
                include_drafts: args.drafts,
                base_url: args.base_url,
                live_reload: false,
            };
            let report = digest_site::build(&options)?;
            print_warnings(&report);
            if args.timings {
                for timing in &report.timings {
                    eprintln!(
                        "  {:<8} {:>8.1} ms",
                        timing.stage,
                        timing.elapsed.as_secs_f64() * 1000.0
                    );
                }
            }
            println!("{}", summary("built", &report));
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
            println!("{}", summary("checked", &report));
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(_)
        | Command::Init(_)
        | Command::New(_)
        | Command::Explain(_)
        | Command::Analyse(_) => {
            eprintln!("error: this command is not available yet");
            Ok(ExitCode::from(2))
        }
    }
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
