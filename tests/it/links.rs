//! An internal link checker for a built site: every `href`/`src` (and
//! sitemap `<loc>`) that points into the site must name an existing output
//! file, and a `#fragment` must name an `id` in that file.
//!
//! It reads HTML with a small tokenizer rather than a regular expression
//! over the whole text, so attributes inside comments, scripts and styles
//! are not mistaken for links; the Nu checker separately proves the pages
//! are valid HTML, which this tokenizer then reads correctly.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::support::tree_paths;

/// One start tag: its lowercase name and attributes (values decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// The element name, lowercase.
    pub name: String,
    /// Attributes in order, names lowercase, values with entities decoded.
    pub attributes: Vec<(String, String)>,
}

impl Tag {
    /// The value of attribute `name`, if present.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Every start tag of an HTML or XML document, in order. Comments, CDATA,
/// doctype and end tags are skipped, and so is the text of `script`,
/// `style`, `textarea` and `title` elements.
pub fn start_tags(text: &str) -> Vec<Tag> {
    let bytes = text.as_bytes();
    let mut tags = Vec::new();
    let mut at = 0;
    while let Some(found) = text[at..].find('<') {
        let start = at + found;
        let rest = &text[start..];
        if rest.starts_with("<!--") {
            at = skip_past(text, start + 4, "-->");
            continue;
        }
        if rest.starts_with("<![CDATA[") {
            at = skip_past(text, start + 9, "]]>");
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") || rest.starts_with("</") {
            at = skip_past(text, start + 1, ">");
            continue;
        }
        if !bytes.get(start + 1).is_some_and(u8::is_ascii_alphabetic) {
            at = start + 1;
            continue;
        }
        let (tag, end) = parse_tag(text, start + 1);
        at = end;
        if matches!(tag.name.as_str(), "script" | "style" | "textarea" | "title") {
            let close = format!("</{}", tag.name);
            at = match text[at..].to_ascii_lowercase().find(&close) {
                Some(offset) => at + offset,
                None => text.len(),
            };
        }
        tags.push(tag);
    }
    tags
}

fn skip_past(text: &str, from: usize, needle: &str) -> usize {
    match text.get(from..).and_then(|rest| rest.find(needle)) {
        Some(offset) => from + offset + needle.len(),
        None => text.len(),
    }
}

/// Parses a start tag whose name begins at `from`; returns it and the
/// offset after its `>`.
fn parse_tag(text: &str, from: usize) -> (Tag, usize) {
    let bytes = text.as_bytes();
    let mut at = from;
    while at < bytes.len()
        && !bytes[at].is_ascii_whitespace()
        && bytes[at] != b'>'
        && bytes[at] != b'/'
    {
        at += 1;
    }
    let name = text[from..at].to_ascii_lowercase();
    let mut attributes = Vec::new();
    loop {
        while at < bytes.len() && (bytes[at].is_ascii_whitespace() || bytes[at] == b'/') {
            at += 1;
        }
        if at >= bytes.len() {
            break;
        }
        if bytes[at] == b'>' {
            at += 1;
            break;
        }
        let name_start = at;
        while at < bytes.len()
            && !bytes[at].is_ascii_whitespace()
            && !matches!(bytes[at], b'=' | b'>' | b'/')
        {
            at += 1;
        }
        let attribute = text[name_start..at].to_ascii_lowercase();
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let mut value = String::new();
        if bytes.get(at) == Some(&b'=') {
            at += 1;
            while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            match bytes.get(at) {
                Some(&quote) if quote == b'"' || quote == b'\'' => {
                    let value_start = at + 1;
                    let end = text[value_start..]
                        .find(quote as char)
                        .map_or(text.len(), |offset| value_start + offset);
                    value = decode_entities(&text[value_start..end]);
                    at = (end + 1).min(text.len());
                }
                _ => {
                    let value_start = at;
                    while at < bytes.len() && !bytes[at].is_ascii_whitespace() && bytes[at] != b'>'
                    {
                        at += 1;
                    }
                    value = decode_entities(&text[value_start..at]);
                }
            }
        }
        if !attribute.is_empty() {
            attributes.push((attribute, value));
        }
    }
    (Tag { name, attributes }, at)
}

/// Decodes the character references an attribute value may hold.
pub fn decode_entities(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';').filter(|&s| s <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ if entity.starts_with("#x") || entity.starts_with("#X") => {
                u32::from_str_radix(&entity[2..], 16)
                    .ok()
                    .and_then(char::from_u32)
            }
            _ if entity.starts_with('#') => entity[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decodes `%XX` escapes of a URL path (invalid ones are kept as is).
pub fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' && at + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(high), Some(low)) = (hex(bytes[at + 1]), hex(bytes[at + 2])) {
                // Two hex digits make one byte, so this never truncates.
                out.push((high * 16 + low) as u8);
                at += 3;
                continue;
            }
        }
        out.push(bytes[at]);
        at += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a link check found.
#[derive(Debug, Default)]
pub struct LinkReport {
    /// Links checked that point into the site.
    pub n_internal: usize,
    /// Links to other sites (not followed).
    pub n_external: usize,
    /// Every broken link: `file: link: why`.
    pub broken: Vec<String>,
}

/// Checks every internal link of the site built in `out` for `base_url`
/// (which must end in `/`).
pub fn check_links(out: &Path, base_url: &str) -> LinkReport {
    let (origin, base_path) = split_base(base_url);
    let mut report = LinkReport::default();
    let mut ids: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    let files = tree_paths(out);
    for file in &files {
        let extension = file.extension().and_then(|e| e.to_str()).unwrap_or("");
        if file == Path::new("search-index.json") {
            // The search script turns these into links.
            let text = fs::read_to_string(out.join(file)).unwrap_or_default();
            let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
                report.broken.push(format!("{}: not JSON", file.display()));
                continue;
            };
            let mut urls = Vec::new();
            json_urls(&value, &mut urls);
            let page = Page {
                origin: &origin,
                base_path: &base_path,
                page_path: &base_path,
                file,
            };
            for link in urls {
                check_one(out, &page, &link, &mut ids, &mut report);
            }
            continue;
        }
        if !matches!(extension, "html" | "xml") {
            continue;
        }
        let Ok(text) = fs::read_to_string(out.join(file)) else {
            report.broken.push(format!("{}: not UTF-8", file.display()));
            continue;
        };
        let page_path = page_url_path(&base_path, file);
        let mut links: Vec<String> = Vec::new();
        for tag in start_tags(&text) {
            for attribute in ["href", "src"] {
                if let Some(value) = tag.attribute(attribute) {
                    links.push(value.to_string());
                }
            }
        }
        if extension == "xml" {
            links.extend(element_texts(&text, "loc"));
        }
        // A host serves 404.html at whatever URL was not found, so a
        // relative link on it resolves against that URL, not its own.
        let served_anywhere = file == Path::new("404.html");
        for link in links {
            let relative =
                !link.starts_with('/') && !link.starts_with('#') && !link.contains("://");
            if served_anywhere
                && relative
                && !link.starts_with("mailto:")
                && !link.starts_with("data:")
            {
                report.broken.push(format!(
                    "{}: `{link}`: 404.html is served at any URL, so its links must be absolute",
                    file.display()
                ));
                continue;
            }
            let page = Page {
                origin: &origin,
                base_path: &base_path,
                page_path: &page_path,
                file,
            };
            check_one(out, &page, &link, &mut ids, &mut report);
        }
    }
    report
}

/// Where a link was found.
struct Page<'a> {
    /// `https://example.org`.
    origin: &'a str,
    /// `/news/`.
    base_path: &'a str,
    /// The URL path the file is served at.
    page_path: &'a str,
    /// The file, relative to the output folder.
    file: &'a Path,
}

/// Resolves and checks one link found on `page`.
fn check_one(
    out: &Path,
    page: &Page<'_>,
    link: &str,
    ids: &mut BTreeMap<PathBuf, BTreeSet<String>>,
    report: &mut LinkReport,
) {
    let file = page.file.display();
    match resolve(link, page.origin, page.page_path) {
        Resolved::External => report.n_external += 1,
        Resolved::Broken(why) => report.broken.push(format!("{file}: `{link}`: {why}")),
        Resolved::Internal { path, fragment } => {
            report.n_internal += 1;
            if let Err(why) = check_target(out, page.base_path, &path, &fragment, ids) {
                report.broken.push(format!("{file}: `{link}`: {why}"));
            }
        }
    }
}

/// Every string under a key named `url` in a JSON value.
fn json_urls(value: &serde_json::Value, urls: &mut Vec<String>) {
    match value {
        serde_json::Value::Array(items) => items.iter().for_each(|item| json_urls(item, urls)),
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                match item {
                    serde_json::Value::String(url) if key == "url" => urls.push(url.clone()),
                    other => json_urls(other, urls),
                }
            }
        }
        _ => {}
    }
}

/// `https://example.org/news/` → (`https://example.org`, `/news/`).
fn split_base(base_url: &str) -> (String, String) {
    let scheme_end = base_url.find("://").map_or(0, |i| i + 3);
    match base_url[scheme_end..].find('/') {
        Some(slash) => (
            base_url[..scheme_end + slash].to_string(),
            base_url[scheme_end + slash..].to_string(),
        ),
        None => (base_url.to_string(), "/".to_string()),
    }
}

/// The URL path a file is served at: `articles/x/index.html` → `/base/articles/x/`.
fn page_url_path(base_path: &str, file: &Path) -> String {
    let relative = file.to_string_lossy().replace('\\', "/");
    let relative = relative.strip_suffix("index.html").unwrap_or(&relative);
    format!("{base_path}{relative}")
}

enum Resolved {
    External,
    Broken(String),
    Internal { path: String, fragment: String },
}

/// Resolves `link` found on the page served at `page_path` to an absolute
/// URL path on the site's origin.
fn resolve(link: &str, origin: &str, page_path: &str) -> Resolved {
    let link = link.trim();
    let lower = link.to_ascii_lowercase();
    if ["mailto:", "tel:", "data:", "javascript:"]
        .iter()
        .any(|s| lower.starts_with(s))
    {
        return Resolved::External;
    }
    let (without_fragment, fragment) = match link.split_once('#') {
        Some((before, after)) => (before, after.to_string()),
        None => (link, String::new()),
    };
    let without_query = without_fragment.split('?').next().unwrap_or("");
    let path = if lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("//")
    {
        let absolute = if lower.starts_with("//") {
            format!(
                "{}:{without_query}",
                origin.split(':').next().unwrap_or("https")
            )
        } else {
            without_query.to_string()
        };
        let host_of = |url: &str| {
            let after = url.split_once("://").map_or(url, |(_, rest)| rest);
            after.split('/').next().unwrap_or("").to_ascii_lowercase()
        };
        if host_of(&absolute) != host_of(origin) {
            return Resolved::External;
        }
        if !absolute.starts_with(origin) {
            return Resolved::Broken(format!("wrong scheme for this site, expected `{origin}`"));
        }
        let rest = &absolute[origin.len()..];
        if rest.is_empty() {
            "/".to_string()
        } else {
            rest.to_string()
        }
    } else if without_query.starts_with('/') {
        without_query.to_string()
    } else if without_query.is_empty() {
        page_path.to_string()
    } else {
        let directory = &page_path[..page_path.rfind('/').map_or(0, |i| i + 1)];
        normalise(&format!("{directory}{without_query}"))
    };
    Resolved::Internal { path, fragment }
}

/// Resolves `.` and `..` segments of an absolute URL path.
fn normalise(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = format!("/{}", segments.join("/"));
    if trailing && out != "/" {
        out.push('/');
    }
    out
}

/// Checks that `path` (an absolute URL path) is a file of the site under
/// `base_path`, and that `fragment` is an id in it.
fn check_target(
    out: &Path,
    base_path: &str,
    path: &str,
    fragment: &str,
    ids: &mut BTreeMap<PathBuf, BTreeSet<String>>,
) -> Result<(), String> {
    let Some(relative) = path.strip_prefix(base_path) else {
        return Err(format!("outside the site's base path `{base_path}`"));
    };
    let relative = percent_decode(relative);
    let mut file = if relative.is_empty() || relative.ends_with('/') {
        PathBuf::from(format!("{relative}index.html"))
    } else {
        PathBuf::from(&relative)
    };
    if out.join(&file).is_dir() {
        // A folder without a trailing slash: hosts redirect it to the slash
        // form, so it works, but costs a round trip.
        file = file.join("index.html");
    }
    if !out.join(&file).is_file() {
        return Err(format!("no file `{}` in the output", file.display()));
    }
    if fragment.is_empty() {
        return Ok(());
    }
    let fragment = percent_decode(fragment);
    let known = ids.entry(file.clone()).or_insert_with(|| {
        let text = fs::read_to_string(out.join(&file)).unwrap_or_default();
        start_tags(&text)
            .into_iter()
            .flat_map(|tag| {
                let mut found = Vec::new();
                if let Some(id) = tag.attribute("id") {
                    found.push(id.to_string());
                }
                if tag.name == "a" {
                    if let Some(name) = tag.attribute("name") {
                        found.push(name.to_string());
                    }
                }
                found
            })
            .collect()
    });
    if known.contains(&fragment) || fragment == "top" {
        Ok(())
    } else {
        Err(format!(
            "no element with id `{fragment}` in `{}`",
            file.display()
        ))
    }
}

/// The text of every `<name>…</name>` element (for sitemap `<loc>`).
fn element_texts(text: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(start) = text[at..].find(&open) {
        let value_start = at + start + open.len();
        let Some(len) = text[value_start..].find(&close) else {
            break;
        };
        found.push(decode_entities(text[value_start..value_start + len].trim()));
        at = value_start + len + close.len();
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::{write_file, Fixture};

    #[test]
    fn tokenizer_reads_attributes_and_skips_scripts_and_comments() {
        let html = r#"<!doctype html><!-- <a href="/no/"> --><A HREF='/a/?x=1&amp;y=2#top' class=x>
            <script>let s = '<a href="/in-script/">';</script><img src=/i.png alt="">"#;
        let tags = start_tags(html);
        let names: Vec<_> = tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["a", "script", "img"]);
        assert_eq!(tags[0].attribute("href"), Some("/a/?x=1&y=2#top"));
        assert_eq!(tags[2].attribute("src"), Some("/i.png"));
    }

    #[test]
    fn relative_links_resolve_against_the_page_folder() {
        assert_eq!(normalise("/news/articles/x/../../topics/"), "/news/topics/");
        assert_eq!(normalise("/a/./b"), "/a/b");
        assert_eq!(percent_decode("/caf%C3%A9/"), "/café/");
    }

    #[test]
    fn the_checker_finds_missing_files_fragments_and_base_path_escapes() {
        let site = Fixture::empty();
        let out = site.root();
        write_file(
            &out.join("index.html"),
            br##"<p id="here"><a href="/news/a/">ok</a> <a href="a/#sec">ok</a>
            <a href="https://example.org/news/a/#nope">bad fragment</a>
            <a href="/a/">escapes the base</a> <a href="missing/">missing</a>
            <a href="https://elsewhere.example/">external</a> <a href="#here">self</a>"##,
        );
        write_file(
            &out.join("a/index.html"),
            br#"<h2 id="sec">x</h2><a href="../">up</a>"#,
        );
        write_file(
            &out.join("search-index.json"),
            br#"[{"title": "A", "url": "/news/a/"}, {"title": "Gone", "url": "/news/gone/"}]"#,
        );
        write_file(
            &out.join("404.html"),
            br#"<a href="/news/">home</a> <a href="a/">relative</a>"#,
        );
        let report = check_links(out, "https://example.org/news/");
        assert_eq!(report.n_external, 1);
        assert_eq!(report.n_internal, 10, "{report:?}");
        assert_eq!(report.broken.len(), 5, "{:#?}", report.broken);
        assert!(report.broken[0].contains("404.html: `a/`: 404.html is served at any URL"));
        assert!(report.broken[1].contains("#nope"));
        assert!(report.broken[2].contains("outside the site's base path"));
        assert!(report.broken[3].contains("no file `missing/index.html`"));
        assert!(report.broken[4].starts_with("search-index.json: `/news/gone/`"));
    }
}
