//! The acceptance test of issue 2 on real pasted news: a site whose
//! `content/` holds exactly the two articles of `../shared/seeds/` builds,
//! with two article pages, sensible titles, no "Also read" line anywhere,
//! and a warning that the dates came from the files' times.
//!
//! The seeds are read beside the repository at test time and never copied
//! into it.

use std::fs;
use std::path::PathBuf;

use digest_site::content::DateSource;

use crate::build::assert_sensible_title;
use crate::support::{files_containing, files_with_extension, seeds_dir, titles, Fixture};

/// The `seeds` fixture with the two seed files copied into `content/`.
fn seed_site() -> (Fixture, Vec<String>) {
    let dir = seeds_dir();
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "cannot read the seed articles in `{}` ({e}): the tests expect `shared/` beside the repository",
                dir.display()
            )
        })
        .map(|entry| entry.expect("a seed file").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".txt"))
        .collect();
    names.sort();
    assert_eq!(
        names.len(),
        2,
        "expected the two seed articles, found {names:?}"
    );
    let site = Fixture::copy("seeds");
    for name in &names {
        let bytes = fs::read(dir.join(name)).expect("read a seed");
        site.write(&format!("content/{name}"), bytes);
    }
    (site, names)
}

#[test]
fn the_two_seed_articles_build_into_a_clean_site() {
    let (site, names) = seed_site();
    let report = site.build_ok();
    assert_eq!(report.n_articles, 2);

    let pages = files_with_extension(&site.public().join("articles"), "html");
    assert_eq!(pages.len(), 2, "article pages: {pages:?}");
    assert_eq!(
        files_containing(&site.public(), "also read"),
        Vec::<PathBuf>::new(),
        "an \"Also read\" line reached the output"
    );

    let generated = site.generate();
    for name in &names {
        let source = format!("content/{name}");
        let article = generated
            .corpus
            .articles
            .iter()
            .find(|a| a.source_path == std::path::Path::new(&source))
            .unwrap_or_else(|| panic!("{source} was not loaded"));
        assert_sensible_title(&article.title, &site.read(&source));
        assert_eq!(article.date_source, DateSource::ModifiedTime, "{source}");
        assert!(
            !article.text.to_lowercase().contains("also read"),
            "{source}: boilerplate kept in the text"
        );
        assert!(
            article.body_html.matches("<p>").count() >= 8,
            "{source}: paragraphs were run together"
        );
        let page = site.read(&format!("public/articles/{}/index.html", article.slug));
        assert!(
            page.contains(&digest_site::render::theme::escape_html(&article.title)),
            "{source}: the page does not show the title"
        );
        let warned = report.warnings.iter().any(|d| {
            d.path == std::path::Path::new(&source) && !d.is_error() && d.message.contains("time")
        });
        assert!(
            warned,
            "{source}: no warning that the date came from the file time: {:#?}",
            report.warnings
        );
    }
    let titles = titles(&generated);
    eprintln!("seed titles: {titles:#?}");

    // The warning reaches the user through the binary too.
    let run = site.run(&["build"]);
    run.assert_code(0);
    for name in &names {
        assert!(
            run.stderr.contains(name.as_str()),
            "no warning for {name}:\n{}",
            run.stderr
        );
    }
}
