//! The command line, as clap types. `main.rs` turns these into library calls.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// A static digest site generator for news articles.
#[derive(Debug, Parser)]
#[command(name = "digest", version, about, propagate_version = true)]
pub struct Cli {
    /// The site's folder (the one holding `site.toml`).
    #[arg(long, global = true, value_name = "DIR", default_value = ".")]
    pub site: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into its output folder (`public/` by default).
    Build(BuildArgs),
    /// Do everything a build does, write nothing, report every problem.
    Check(CheckArgs),
    /// Build, serve on 127.0.0.1 and rebuild on every change, with live reload.
    Serve(ServeArgs),
    /// Create a new site with sample content and the default templates.
    Init(InitArgs),
    /// Create a new dated article file in `content/`.
    New(NewArgs),
    /// Print the score breakdown between two articles (slugs or paths).
    Explain(ExplainArgs),
    /// Print the analysis of every article (topics, related, threads).
    Analyse(AnalyseArgs),
}

/// Options of `digest build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Use this base URL instead of `base_url` from `site.toml`.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Include articles marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
    /// Write the site here instead of `output_dir` from `site.toml`.
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Print the time each stage took.
    #[arg(long)]
    pub timings: bool,
    /// Build even when nothing changed since the last build (which is
    /// otherwise skipped, see `.digest-cache/`).
    #[arg(long)]
    pub no_cache: bool,
}

/// Options of `digest check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Include articles marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
}

/// Options of `digest serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port to listen on (the next free one is used if it is taken).
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// The address to listen on; anything but loopback exposes the preview.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Include articles marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
}

/// Options of `digest init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder to create the site in (created if missing; must be empty).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// Options of `digest new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The article's title.
    pub title: String,
    /// A topic for the article (repeat for more).
    #[arg(long = "topic", value_name = "TOPIC")]
    pub topics: Vec<String>,
}

/// Options of `digest explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The first article: its slug or its file path.
    pub first: String,
    /// The second article: its slug or its file path.
    pub second: String,
}

/// Options of `digest analyse`.
#[derive(Debug, Args)]
pub struct AnalyseArgs {
    /// Print JSON (the schema is in `docs/analysis.md`).
    #[arg(long)]
    pub json: bool,
    /// Include articles marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
}
