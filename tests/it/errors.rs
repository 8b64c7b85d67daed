//! Problems in user input: each names the file and the line in the file,
//! every problem is listed in one run, the exit code is 1, and the previous
//! output is left byte for byte as it was. Messages are insta snapshots
//! (temp paths redacted to `[ROOT]`).

use std::path::{Path, PathBuf};

use digest_site::{Diagnostic, Error};

use crate::support::{tree, tree_difference, Fixture};

/// A good build first, then `files` written over it, then a build that must
/// fail (via the library and via the binary) without touching `public/`.
/// Returns the diagnostics and the error text, redacted.
fn broken_build(site: &Fixture, files: &[(&str, &[u8])]) -> (Vec<Diagnostic>, String) {
    site.build_ok();
    let before = tree(&site.public());
    assert!(!before.is_empty());
    for (path, contents) in files {
        site.write(path, contents);
    }
    let err = match site.build() {
        Ok(_) => panic!("the build of a broken site succeeded"),
        Err(err) => err,
    };
    let Error::Input(list) = &err else {
        panic!("expected input diagnostics, got {err:?}");
    };
    if let Some(difference) = tree_difference(&before, &tree(&site.public())) {
        panic!("a failed build changed public/:\n{difference}");
    }
    for diagnostic in list {
        assert_style(diagnostic);
    }
    let text = site.redact(&err.to_string());

    let run = site.run(&["build"]);
    run.assert_code(1);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    for line in err.to_string().lines() {
        assert!(
            run.stderr.contains(line),
            "stderr lacks `{line}`:\n{}",
            run.stderr
        );
    }
    if let Some(difference) = tree_difference(&before, &tree(&site.public())) {
        panic!("a failed `digest build` changed public/:\n{difference}");
    }
    for leftover in [".public.staging", ".public.old"] {
        assert!(!site.path(leftover).exists(), "{leftover} left behind");
    }
    (list.clone(), text)
}

/// The message style of STYLE.md: a relative path, lowercase start, no
/// final period.
fn assert_style(diagnostic: &Diagnostic) {
    assert!(
        diagnostic.path.is_relative(),
        "absolute path in {diagnostic}"
    );
    let first = diagnostic.message.chars().next().unwrap_or(' ');
    assert!(
        !first.is_uppercase(),
        "message starts uppercase: {diagnostic}"
    );
    assert!(
        !diagnostic.message.ends_with('.'),
        "message ends with a period: {diagnostic}"
    );
    assert!(
        !diagnostic.message.contains('\n'),
        "message spans lines: {diagnostic}"
    );
}

/// The one error diagnostic about `path`.
fn error_for<'a>(list: &'a [Diagnostic], path: &str) -> &'a Diagnostic {
    let found: Vec<&Diagnostic> = list
        .iter()
        .filter(|d| d.is_error() && d.path == Path::new(path))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one error for {path}, got {list:#?}"
    );
    found[0]
}

#[test]
fn broken_yaml_names_the_file_line() {
    let site = Fixture::copy("minimal");
    let yaml = b"---\ntitle: Ferry timetable changes\nsummary: Boats: fewer on Sundays\ntopics: [Transport]\n---\nThe ferry runs less often.\n";
    let (list, text) = broken_build(&site, &[("content/ferry.md", yaml)]);
    let error = error_for(&list, "content/ferry.md");
    assert_eq!(
        error.line,
        Some(3),
        "the line in the file, not in the YAML block: {error}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn a_bad_date_names_the_file_line() {
    let site = Fixture::copy("minimal");
    let text = b"---\ntitle: Quay repairs\ndate: 2024-13-45\n---\nThe quay is repaired.\n";
    let (list, text) = broken_build(&site, &[("content/quay.md", text)]);
    assert_eq!(error_for(&list, "content/quay.md").line, Some(3));
    insta::assert_snapshot!(text);
}

#[test]
fn a_non_utf8_file_is_named() {
    let site = Fixture::copy("minimal");
    let latin1 = b"Harbour news\nCaf\xe9 owners protest against the new parking rules\n";
    let (list, text) = broken_build(&site, &[("content/cafe.txt", latin1)]);
    let error = error_for(&list, "content/cafe.txt");
    assert!(
        error.line.is_none() || error.line == Some(2),
        "the first bad byte is on line 2: {error}"
    );
    assert!(error.message.contains("UTF-8"), "{error}");
    insta::assert_snapshot!(text);
}

#[test]
fn an_empty_file_is_named() {
    let site = Fixture::copy("minimal");
    let (list, text) = broken_build(&site, &[("content/empty.md", b"")]);
    error_for(&list, "content/empty.md");
    insta::assert_snapshot!(text);
}

#[test]
fn a_template_syntax_error_names_the_template_line() {
    let site = Fixture::copy("minimal");
    let template = b"<!doctype html>\n<html lang=\"en\">\n<title>Not found</title>\n<p>{{ site.title }</p>\n</html>\n";
    let (list, text) = broken_build(&site, &[("templates/404.html", template)]);
    assert_eq!(error_for(&list, "templates/404.html").line, Some(4));
    insta::assert_snapshot!(text);
}

#[test]
fn an_unknown_template_variable_names_the_template_line() {
    let site = Fixture::copy("minimal");
    let template = b"<!doctype html>\n<html lang=\"en\">\n<title>Not found</title>\n<p>{{ site.nmae }}</p>\n</html>\n";
    let (list, text) = broken_build(&site, &[("templates/404.html", template)]);
    let error = error_for(&list, "templates/404.html");
    assert_eq!(error.line, Some(4), "{error}");
    assert!(error.message.contains("site.nmae"), "{error}");
    insta::assert_snapshot!(text);
}

const MINIMAL_CONFIG: &str = "title = \"Minimal Digest\"\nbase_url = \"https://example.org/\"\n";

#[test]
fn an_unknown_site_toml_key_names_the_key_and_line() {
    let site = Fixture::copy("minimal");
    let config = format!("{MINIMAL_CONFIG}timezone = \"UTC\"\npaginte = 5\n");
    let (list, text) = broken_build(&site, &[("site.toml", config.as_bytes())]);
    let error = error_for(&list, "site.toml");
    assert_eq!(error.line, Some(4));
    assert!(error.message.contains("paginte"), "{error}");
    insta::assert_snapshot!(text);
}

#[test]
fn a_wrong_type_in_site_toml_names_the_line() {
    let site = Fixture::copy("minimal");
    let config = format!("{MINIMAL_CONFIG}paginate = \"ten\"\n");
    let (list, text) = broken_build(&site, &[("site.toml", config.as_bytes())]);
    let error = error_for(&list, "site.toml");
    assert_eq!(error.line, Some(3));
    insta::assert_snapshot!(text);
    assert!(
        error.message.contains("`paginate`"),
        "the key is not named: {error}"
    );
}

#[test]
fn a_bad_timezone_names_the_key_and_line() {
    let site = Fixture::copy("minimal");
    let config = format!("{MINIMAL_CONFIG}\ntimezone = \"Atlantis/Harbour\"\n");
    let (list, text) = broken_build(&site, &[("site.toml", config.as_bytes())]);
    let error = error_for(&list, "site.toml");
    assert_eq!(error.line, Some(4));
    assert!(error.message.contains("timezone"), "{error}");
    insta::assert_snapshot!(text);
}

#[test]
fn a_slug_collision_names_both_files() {
    let site = Fixture::copy("minimal");
    let first = b"---\ntitle: Harbour news one\ndate: 2024-05-04\nslug: harbour-news\n---\nOne.\n";
    let second = b"---\ntitle: Harbour news two\ndate: 2024-05-05\nslug: harbour-news\n---\nTwo.\n";
    let (list, text) = broken_build(
        &site,
        &[
            ("content/a/harbour.md", first),
            ("content/b/harbour.md", second),
        ],
    );
    let errors: Vec<&Diagnostic> = list.iter().filter(|d| d.is_error()).collect();
    assert!(!errors.is_empty());
    let all = errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(all.contains("content/a/harbour.md"), "{all}");
    assert!(all.contains("content/b/harbour.md"), "{all}");
    assert!(all.contains("harbour-news"), "{all}");
    insta::assert_snapshot!(text);
}

/// Every kind of problem at once: one run lists them all.
fn every_broken_input() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "content/ferry.md",
            b"---\ntitle: Ferry\nsummary: Boats: fewer\n---\nText.\n".to_vec(),
        ),
        (
            "content/quay.md",
            b"---\ntitle: Quay\ndate: 2024-13-45\n---\nText.\n".to_vec(),
        ),
        (
            "content/cafe.txt",
            b"Harbour news\nCaf\xe9 owners protest\n".to_vec(),
        ),
        ("content/empty.md", Vec::new()),
        ("templates/404.html", b"<p>\n{{ site.title }\n".to_vec()),
        (
            "content/a/one.md",
            b"---\ntitle: One\ndate: 2024-05-04\nslug: same\n---\nOne.\n".to_vec(),
        ),
        (
            "content/b/two.md",
            b"---\ntitle: Two\ndate: 2024-05-04\nslug: same\n---\nTwo.\n".to_vec(),
        ),
    ]
}

const EVERY_BROKEN_FILE: [&str; 6] = [
    "content/ferry.md",
    "content/quay.md",
    "content/cafe.txt",
    "content/empty.md",
    "templates/404.html",
    "content/b/two.md",
];

#[test]
fn every_problem_is_listed_in_one_run() {
    let site = Fixture::copy("minimal");
    let files = every_broken_input();
    let borrowed: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (*p, b.as_slice())).collect();
    let (list, text) = broken_build(&site, &borrowed);
    let named: Vec<PathBuf> = list
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.path.clone())
        .collect();
    for file in EVERY_BROKEN_FILE {
        let mentioned = named.iter().any(|p| p == Path::new(file))
            || (file == "content/b/two.md" && text.contains(file));
        assert!(mentioned, "{file} is not reported:\n{text}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn check_lists_every_problem_and_writes_nothing() {
    let site = Fixture::copy("minimal");
    for (path, bytes) in every_broken_input() {
        site.write(path, bytes);
    }
    let before = tree(site.root());
    let run = site.run(&["check"]);
    run.assert_code(1);
    for file in EVERY_BROKEN_FILE {
        assert!(
            run.stderr.contains(file),
            "`digest check` does not list {file}:\n{}",
            run.stderr
        );
    }
    if let Some(difference) = tree_difference(&before, &tree(site.root())) {
        panic!("`digest check` changed the site folder:\n{difference}");
    }
    insta::assert_snapshot!(site.redact(&run.stderr));
}

#[test]
fn a_missing_site_toml_says_what_to_do() {
    let site = Fixture::empty();
    let run = site.run(&["build"]);
    run.assert_code(1);
    assert!(run.stderr.contains("digest init"), "{}", run.stderr);
    assert!(!site.public().exists());
}
