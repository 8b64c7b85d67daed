//! Markdown article bodies (`.md`, `.markdown`) into HTML and plain text.
//!
//! CommonMark plus tables, footnotes, strikethrough and smart punctuation
//! (straight quotes become curly ones, `--` a dash), rendered by
//! pulldown-cmark. The body is read as a list of top-level blocks so the
//! title heading and boilerplate paragraphs ("Also read | …", pasted along
//! with the article) can be left out before rendering.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use regex::Regex;

use super::text;

/// A Markdown body split into the parts an [`Article`](super::Article)
/// needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownDoc {
    /// The inferred title: the first `# ` heading, else a first line that
    /// reads as a headline, else the first sentence shortened. `None` when a
    /// title was given or the body has no text.
    pub title: Option<String>,
    /// The body as HTML, without the title heading or boilerplate.
    pub html: String,
    /// The body as plain text, blocks separated by a blank line.
    pub text: String,
    /// The plain text of the first paragraph (for the summary).
    pub first_paragraph: String,
    /// The top-level blocks left out of `html` (the title heading,
    /// boilerplate paragraphs, a headline line), by their position among
    /// all the body's top-level blocks, in order: [`html_without_blocks`]
    /// makes the same HTML from the body and these alone.
    pub dropped_blocks: Vec<u32>,
}

/// The Markdown extensions articles may use.
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
}

/// What kind of top-level block a run of events is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    /// A level-1 heading: a title candidate.
    Title,
    /// A paragraph: a summary, headline or boilerplate candidate.
    Paragraph,
    /// Anything else (lists, quotes, tables, code, other headings, rules).
    Other,
}

/// One top-level block: where its events and its plain text are in the
/// [`Blocks`] they belong to.
struct Block {
    /// Its position among all the top-level blocks of the body.
    position: u32,
    kind: BlockKind,
    /// Its events, in [`Blocks::events`].
    events: std::ops::Range<usize>,
    /// Its plain text, in [`Blocks::texts`].
    text: std::ops::Range<usize>,
    /// A paragraph written on one line (no soft or hard break).
    one_line: bool,
}

/// The top-level blocks of a body, their events and plain texts each in
/// one list for the whole body rather than one per block: an article has
/// tens of blocks, and growing and freeing lists and strings for each was
/// a tenth of the load's time.
struct Blocks<'a> {
    blocks: Vec<Block>,
    events: Vec<Event<'a>>,
    texts: String,
}

/// Renders a Markdown body.
///
/// `given_title` is the front matter title: when set no title is inferred,
/// and a first `# ` heading repeating it is dropped so it is not shown twice.
/// Paragraphs that a `boilerplate` pattern matches are dropped.
pub fn render(body: &str, boilerplate: &[Regex], given_title: Option<&str>) -> MarkdownDoc {
    render_parts(body, boilerplate, given_title, true)
}

/// [`render`], making the HTML only `with_html` or when the body has no
/// plain text (then an empty `html` tells an empty body): a build that
/// makes the HTML again at render time does not need it at load.
pub fn render_parts(
    body: &str,
    boilerplate: &[Regex],
    given_title: Option<&str>,
    with_html: bool,
) -> MarkdownDoc {
    let Blocks {
        mut blocks,
        events,
        texts,
    } = top_level_blocks(body);
    let text_of = |block: &Block| &texts[block.text.clone()];
    let n_blocks = blocks.len();
    let mut title = None;

    let first_heading = blocks.iter().position(|b| b.kind == BlockKind::Title);
    match (given_title, first_heading) {
        (Some(given), Some(idx)) => {
            if text::same_text(text_of(&blocks[idx]), given) {
                blocks.remove(idx);
            }
        }
        (Some(_), None) => {}
        (None, Some(idx)) => {
            let heading = blocks.remove(idx);
            if !heading.text.is_empty() {
                title = Some(text_of(&heading).to_string());
            }
        }
        (None, None) => {}
    }

    blocks.retain(|block| {
        block.kind != BlockKind::Paragraph || !text::is_boilerplate(text_of(block), boilerplate)
    });

    if given_title.is_none() && title.is_none() {
        // Text pasted into a `.md` file often opens with a bare headline
        // line, as in raw text.
        let first_is_headline = blocks.len() > 1
            && blocks[0].kind == BlockKind::Paragraph
            && blocks[0].one_line
            && text::looks_like_headline(text_of(&blocks[0]));
        if first_is_headline {
            title = Some(text_of(&blocks.remove(0)).to_string());
        } else {
            title = blocks
                .iter()
                .find(|b| b.kind == BlockKind::Paragraph)
                .or_else(|| blocks.iter().find(|b| !b.text.is_empty()))
                .map(|b| text::headline_from_text(text_of(b)))
                .filter(|t| !t.is_empty());
        }
    }

    let first_paragraph = blocks
        .iter()
        .find(|b| b.kind == BlockKind::Paragraph && !b.text.is_empty())
        .or_else(|| blocks.iter().find(|b| !b.text.is_empty()))
        .map(|b| text_of(b).to_string())
        .unwrap_or_default();
    // Sized exactly: the article keeps this string.
    let with_text = blocks.iter().filter(|b| !b.text.is_empty());
    let n_separators = with_text.clone().count().saturating_sub(1);
    let mut plain =
        String::with_capacity(with_text.map(|b| b.text.len()).sum::<usize>() + 2 * n_separators);
    for block in &blocks {
        if block.text.is_empty() {
            continue;
        }
        if !plain.is_empty() {
            plain.push_str("\n\n");
        }
        plain.push_str(text_of(block));
    }
    let dropped_blocks = {
        let mut kept = blocks.iter().map(|b| b.position).peekable();
        (0..n_blocks as u32)
            .filter(|&position| kept.next_if_eq(&position).is_none())
            .collect()
    };
    let mut html = String::new();
    if with_html || plain.is_empty() {
        html.reserve(body.len() + body.len() / 4);
        // The events of the blocks kept, in order (the blocks are).
        let mut kept = blocks.iter().map(|b| b.events.clone()).peekable();
        let events = events
            .into_iter()
            .enumerate()
            .filter(move |(idx, _)| {
                while kept.next_if(|range| range.end <= *idx).is_some() {}
                kept.peek().is_some_and(|range| range.contains(idx))
            })
            .map(|(_, event)| prefix_footnote_ids(event));
        pulldown_cmark::html::push_html(&mut html, events);
    }

    MarkdownDoc {
        title,
        html,
        text: plain,
        first_paragraph,
        dropped_blocks,
    }
}

/// The HTML of `body` without the top-level blocks at the positions
/// `dropped` (ascending): the `html` of the [`MarkdownDoc`] whose
/// `dropped_blocks` they are, made without the plain text, title and
/// boilerplate work that chose them.
pub fn html_without_blocks(body: &str, dropped: &[u32]) -> String {
    let mut html = String::with_capacity(body.len() + body.len() / 4);
    // Blocks end where `top_level_blocks` ends them: after an event that
    // brings the nesting depth back to zero.
    let mut depth = 0usize;
    let mut position = 0u32;
    let events = Parser::new_ext(body, options())
        .filter(|event| {
            let in_block = position;
            match event {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth == 0 {
                position += 1;
            }
            dropped.binary_search(&in_block).is_err()
        })
        .map(prefix_footnote_ids);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// pulldown-cmark uses a footnote's label as its HTML id, so `[^main]`
/// would clash with the page's own `id="main"`; a prefix keeps footnote ids
/// apart from the theme's.
fn prefix_footnote_ids(event: Event<'_>) -> Event<'_> {
    match event {
        Event::FootnoteReference(label) => Event::FootnoteReference(format!("fn-{label}").into()),
        Event::Start(Tag::FootnoteDefinition(label)) => {
            Event::Start(Tag::FootnoteDefinition(format!("fn-{label}").into()))
        }
        other => other,
    }
}

/// Parses `body` and groups its events into top-level blocks.
fn top_level_blocks(body: &str) -> Blocks<'_> {
    let mut all = Blocks {
        blocks: Vec::new(),
        // About one event per dozen bytes of news text: most bodies fit
        // without the list growing.
        events: Vec::with_capacity(body.len() / 12),
        texts: String::with_capacity(body.len()),
    };
    // The raw text of the inner block being read, reused.
    let mut current = String::new();
    let mut depth = 0usize;
    let mut block_start = 0;
    for event in Parser::new_ext(body, options()) {
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        all.events.push(event);
        if depth == 0 {
            push_block(&mut all, block_start, &mut current);
            block_start = all.events.len();
        }
    }
    if block_start < all.events.len() {
        push_block(&mut all, block_start, &mut current);
    }
    all
}

/// Adds the block made of the events from `start` on to `all`.
fn push_block(all: &mut Blocks<'_>, start: usize, current: &mut String) {
    let events = &all.events[start..];
    let kind = match events.first() {
        Some(Event::Start(Tag::Heading {
            level: HeadingLevel::H1,
            ..
        })) => BlockKind::Title,
        Some(Event::Start(Tag::Paragraph)) => BlockKind::Paragraph,
        _ => BlockKind::Other,
    };
    let one_line = !events
        .iter()
        .any(|e| matches!(e, Event::SoftBreak | Event::HardBreak));
    let text_start = all.texts.len();
    push_plain_text(events, &mut all.texts, current);
    all.blocks.push(Block {
        position: all.blocks.len() as u32,
        kind,
        events: start..all.events.len(),
        text: text_start..all.texts.len(),
        one_line,
    });
}

/// Appends the plain text of `events` to `out`: inline markup, HTML and
/// image alt text dropped, whitespace normalised, inner blocks separated
/// by a blank line. `current` is scratch space.
fn push_plain_text(events: &[Event<'_>], out: &mut String, current: &mut String) {
    let start = out.len();
    current.clear();
    let mut image_depth = 0usize;
    let flush = |out: &mut String, current: &mut String| {
        // Normalised straight into `out`; the separator is taken back when
        // the block had no text.
        let before = out.len();
        if before > start {
            out.push_str("\n\n");
        }
        if !text::push_normalised(current, out) {
            out.truncate(before);
        }
        current.clear();
    };
    for event in events {
        match event {
            Event::Start(Tag::Image { .. }) => image_depth += 1,
            Event::End(TagEnd::Image) => image_depth = image_depth.saturating_sub(1),
            Event::Text(content) | Event::Code(content) if image_depth == 0 => {
                current.push_str(content);
            }
            Event::SoftBreak | Event::HardBreak => current.push(' '),
            Event::End(TagEnd::TableCell) => current.push(' '),
            Event::Start(
                Tag::Paragraph
                | Tag::Heading { .. }
                | Tag::Item
                | Tag::List(_)
                | Tag::CodeBlock(_)
                | Tag::BlockQuote(_)
                | Tag::Table(_)
                | Tag::FootnoteDefinition(_),
            )
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::TableHead
                | TagEnd::TableRow
                | TagEnd::FootnoteDefinition,
            ) => flush(out, current),
            _ => {}
        }
    }
    flush(out, current);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn also_read() -> Vec<Regex> {
        vec![regex::RegexBuilder::new(r"^also read\s*[|:]")
            .case_insensitive(true)
            .build()
            .unwrap()]
    }

    #[test]
    fn footnote_ids_cannot_clash_with_the_page() {
        let doc = render("Text.[^main]\n\n[^main]: The note.\n", &[], Some("T"));
        assert!(doc.html.contains("id=\"fn-main\""), "{}", doc.html);
        assert!(doc.html.contains("href=\"#fn-main\""), "{}", doc.html);
        assert!(!doc.html.contains("id=\"main\""), "{}", doc.html);
    }

    #[test]
    fn first_heading_is_the_title_and_left_out_of_the_body() {
        let doc = render(
            "# Budget *vote* delayed\n\nThe vote moves to Friday.\n",
            &[],
            None,
        );
        assert_eq!(doc.title.as_deref(), Some("Budget vote delayed"));
        assert_eq!(doc.html, "<p>The vote moves to Friday.</p>\n");
        assert_eq!(doc.text, "The vote moves to Friday.");
    }

    #[test]
    fn setext_heading_counts_as_a_title() {
        let doc = render("Budget vote delayed\n===\n\nThe vote moves.\n", &[], None);
        assert_eq!(doc.title.as_deref(), Some("Budget vote delayed"));
        assert!(!doc.html.contains("<h1>"));
    }

    #[test]
    fn given_title_removes_only_a_heading_that_repeats_it() {
        let body = "# Budget vote delayed\n\nText.\n";
        let same = render(body, &[], Some("budget vote  delayed"));
        assert_eq!(same.title, None);
        assert!(!same.html.contains("<h1>"));
        let other = render(body, &[], Some("Another title"));
        assert!(other.html.contains("<h1>Budget vote delayed</h1>"));
    }

    #[test]
    fn extensions_render() {
        let body =
            "Intro text.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ new[^1]\n\n[^1]: A note.\n";
        let doc = render(body, &[], Some("T"));
        assert!(doc.html.contains("<table>"), "{}", doc.html);
        assert!(doc.html.contains("<del>old</del>"), "{}", doc.html);
        assert!(doc.html.contains("footnote"), "{}", doc.html);
        assert_eq!(doc.text, "Intro text.\n\na b\n\n1 2\n\nold new\n\nA note.");
    }

    #[test]
    fn smart_punctuation_curls_quotes() {
        let doc = render("\"Yes,\" she said -- twice.\n", &[], Some("T"));
        assert_eq!(doc.text, "\u{201c}Yes,\u{201d} she said \u{2013} twice.");
    }

    #[test]
    fn plain_text_has_no_markup_and_blank_lines_between_blocks() {
        let body = "Some **bold** and `code` and a [link](https://x.org).\nSecond line.\n\n- one\n- two\n\n> quoted\n\n![alt text](a.png)\n\n<div>raw</div>\n";
        let doc = render(body, &[], Some("T"));
        assert_eq!(
            doc.text,
            "Some bold and code and a link. Second line.\n\none\n\ntwo\n\nquoted"
        );
        assert_eq!(
            doc.first_paragraph,
            "Some bold and code and a link. Second line."
        );
    }

    #[test]
    fn boilerplate_paragraphs_are_dropped() {
        let body =
            "# T\n\nFirst.\n\nAlso read | Other story\n\nSecond.\n\n- Also read: kept in a list\n";
        let doc = render(body, &also_read(), None);
        assert!(!doc.html.contains("Also read | Other"), "{}", doc.html);
        assert!(doc.html.contains("kept in a list"));
        assert_eq!(doc.text, "First.\n\nSecond.\n\nAlso read: kept in a list");
    }

    #[test]
    fn headline_line_of_pasted_text_becomes_the_title() {
        let doc = render(
            "Farmers block the ring road\n\nTractors stood still for hours.\n",
            &[],
            None,
        );
        assert_eq!(doc.title.as_deref(), Some("Farmers block the ring road"));
        assert_eq!(doc.text, "Tractors stood still for hours.");
    }

    #[test]
    fn without_heading_the_title_is_the_first_sentence() {
        let doc = render(
            "Tractors stood still for hours. Police closed roads.\n\nMore.\n",
            &[],
            None,
        );
        assert_eq!(doc.title.as_deref(), Some("Tractors stood still for hours"));
        assert!(doc.html.starts_with("<p>Tractors stood"));
    }

    #[test]
    fn later_headings_stay_in_the_body() {
        let doc = render("# Title\n\nText.\n\n## Background\n\nMore.\n", &[], None);
        assert!(doc.html.contains("<h2>Background</h2>"));
        assert_eq!(doc.text, "Text.\n\nBackground\n\nMore.");
    }

    #[test]
    fn empty_body_gives_empty_parts() {
        let doc = render("", &[], None);
        assert_eq!(doc.title, None);
        assert_eq!(doc.html, "");
        assert_eq!(doc.text, "");
    }

    proptest::proptest! {
        #[test]
        fn render_never_panics(body in "\\PC{0,300}|[#*_>\\[\\]()|`~\\- \na-z!:^0-9]{0,300}") {
            let doc = render(&body, &also_read(), None);
            proptest::prop_assert!(!doc.text.contains("\n\n\n"));
        }

        #[test]
        fn html_without_the_dropped_blocks_is_the_rendered_html(
            body in "(# [A-Z][a-z ]{0,20}\n|Also read \\| [a-z ]{0,10}\n|[A-Z][a-z ]{0,30}\n|\n|- [a-z]{1,5}\n|> [a-z ]{0,9}\n|\\| a \\| b \\|\n|[a-z]{1,5}\\[\\^[a-z]{1,3}\\]\n|\\[\\^[a-z]{1,3}\\]: [a-z]{1,5}\n|    [a-z]{1,5}\n|[#*_>\\[\\]()|`~\\- \na-z!:^0-9]{1,40}){0,12}",
            given in proptest::option::of("[A-Z][a-z ]{0,20}"),
        ) {
            let doc = render(&body, &also_read(), given.as_deref());
            proptest::prop_assert_eq!(html_without_blocks(&body, &doc.dropped_blocks), doc.html);
        }
    }
}
