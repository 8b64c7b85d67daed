//! Property tests over whole builds: whatever a user puts in `content/` or
//! `templates/`, the build never panics and every error names a file; every
//! article lands on exactly one day page. (Unit-level properties of the
//! parsers and the scoring live beside their code.)

use proptest::prelude::*;

use digest_site::Error;

use crate::support::Fixture;

/// Pieces that raw and Markdown articles are made of, including the ones
/// that tend to break parsers: fences, colons, brackets, odd dates, stray
/// bytes of punctuation and non-ASCII text.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("---\n".to_string()),
        Just("title: ".to_string()),
        Just("date: ".to_string()),
        Just("topics: [".to_string()),
        Just("slug: ".to_string()),
        Just("draft: true\n".to_string()),
        Just("2024-02-30".to_string()),
        Just("2024-05-06T07:08:09+02:00".to_string()),
        Just("Also read | ".to_string()),
        Just("Also read: ".to_string()),
        Just("\n\n".to_string()),
        Just("\n".to_string()),
        Just(": ".to_string()),
        Just("]".to_string()),
        Just("\"".to_string()),
        Just("{{ x }}".to_string()),
        Just("<script>".to_string()),
        Just("| a | b |\n|---|---|\n".to_string()),
        Just("[^1]".to_string()),
        Just("« Ünïcödé — 東京 »".to_string()),
        "[A-Za-z ,.!?']{0,40}",
    ]
}

/// Pieces of Tera templates, valid and broken.
fn template_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{{ ".to_string()),
        Just(" }}".to_string()),
        Just("{% ".to_string()),
        Just(" %}".to_string()),
        Just("{# ".to_string()),
        Just(" #}".to_string()),
        Just("if ".to_string()),
        Just("endif".to_string()),
        Just("for a in site.extra ".to_string()),
        Just("endfor".to_string()),
        Just("block main".to_string()),
        Just("endblock".to_string()),
        Just("extends \"base.html\"".to_string()),
        Just("include \"nope.html\"".to_string()),
        Just("site.title".to_string()),
        Just("page.nothing".to_string()),
        Just(" | upper".to_string()),
        Just(" | no_such_filter".to_string()),
        Just("\n".to_string()),
        Just("<p>".to_string()),
        "[a-z .|\"(){}%#]{0,12}",
    ]
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..24).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn any_article_text_builds_or_names_its_file(markdown in document(), text in document()) {
        let site = Fixture::copy("minimal");
        site.write("content/any.md", &markdown);
        site.write("content/any.txt", &text);
        match digest_site::generate(&site.options()) {
            Ok(generated) => {
                for page in &generated.pages {
                    prop_assert!(page.path.is_relative());
                }
            }
            Err(Error::Input(list)) => {
                prop_assert!(!list.is_empty());
                for diagnostic in list.iter().filter(|d| d.is_error()) {
                    let path = diagnostic.path.to_string_lossy().into_owned();
                    prop_assert!(
                        path == "content/any.md" || path == "content/any.txt",
                        "an error about another file: {}", diagnostic
                    );
                }
            }
            Err(other) => prop_assert!(false, "not an input error: {other}"),
        }
    }

    #[test]
    fn any_template_text_builds_or_names_its_file(
        template in prop::collection::vec(template_fragment(), 0..20).prop_map(|p| p.concat())
    ) {
        let site = Fixture::copy("minimal");
        site.write("templates/index.html", &template);
        match digest_site::generate(&site.options()) {
            Ok(_) => {}
            Err(Error::Input(list)) => {
                prop_assert!(!list.is_empty());
                for diagnostic in list.iter().filter(|d| d.is_error()) {
                    let path = diagnostic.path.to_string_lossy().into_owned();
                    // A broken `extends` or `include` may be reported on the
                    // template it names, which is still the theme.
                    prop_assert!(
                        path.starts_with("templates/") || path.starts_with("(default theme)"),
                        "an error about something else: {}", diagnostic
                    );
                }
            }
            Err(other) => prop_assert!(false, "not an input error: {other}"),
        }
    }

    #[test]
    fn every_article_is_on_exactly_one_day_page(
        dates in prop::collection::vec(
            (2019i32..2031, 1u32..13, 1u32..29, 0u32..24, 0u32..60, -12i32..15),
            1..8,
        )
    ) {
        let site = Fixture::copy("minimal");
        site.remove("content/2024-05-02-market-reopens.md");
        site.remove("content/2024-05-03-library-hours.md");
        for (n, (year, month, day, hour, minute, offset)) in dates.iter().enumerate() {
            let sign = if *offset < 0 { '-' } else { '+' };
            site.write(
                &format!("content/story-{n}.md"),
                format!(
                    "---\ntitle: Story number {n}\ndate: {year}-{month:02}-{day:02}T{hour:02}:{minute:02}:00{sign}{:02}:00\nslug: story-{n}\n---\nStory {n} text.\n",
                    offset.abs()
                ),
            );
        }
        site.build_ok();
        let days = site.public().join("days");
        let pages: Vec<String> = crate::support::files_with_extension(&days, "html")
            .into_iter()
            .map(|p| std::fs::read_to_string(days.join(p)).expect("a day page"))
            .collect();
        for n in 0..dates.len() {
            let link = format!("articles/story-{n}/\"");
            let on = pages.iter().filter(|page| page.contains(&link)).count();
            prop_assert_eq!(on, 1, "story-{} is on {} day pages", n, on);
        }
    }
}
