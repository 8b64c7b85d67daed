//! The default theme embedded in the binary, plus the site's overrides from
//! `templates/`.
//!
//! Part of stage 5 (render) and one of the few places allowed to read files:
//! it reads the site's `templates/**`, checks every template on its own so
//! that one run reports every broken file, and compiles the set once. It
//! also turns Tera's errors into [`Diagnostic`]s that name the template file
//! and the line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::Diagnostic;

/// The folder (under the site root) whose files override the default theme.
pub const TEMPLATES_DIR: &str = "templates";

/// File name endings that are loaded as templates; anything else in
/// `templates/` (images, notes, editor backups) is ignored.
pub const TEMPLATE_EXTENSIONS: &[&str] = &["html", "htm", "xml", "txt", "json", "css"];

/// The default theme: template name and source, embedded at compile time.
/// `digest init` copies these into a new site so they can be edited.
pub const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("article.html", include_str!("../../templates/article.html")),
    ("topics.html", include_str!("../../templates/topics.html")),
    ("topic.html", include_str!("../../templates/topic.html")),
    ("day.html", include_str!("../../templates/day.html")),
    ("week.html", include_str!("../../templates/week.html")),
    ("archive.html", include_str!("../../templates/archive.html")),
    ("month.html", include_str!("../../templates/month.html")),
    ("thread.html", include_str!("../../templates/thread.html")),
    ("404.html", include_str!("../../templates/404.html")),
    ("feed.xml", include_str!("../../templates/feed.xml")),
    ("sitemap.xml", include_str!("../../templates/sitemap.xml")),
    ("robots.txt", include_str!("../../templates/robots.txt")),
    ("style.css", include_str!("../../templates/style.css")),
];

/// Where a template came from, for messages.
#[derive(Debug, Clone)]
pub struct TemplateSource {
    /// As shown in diagnostics: `templates/x.html` for the site's own file,
    /// `(default theme) x.html` for a built-in one.
    pub display_path: PathBuf,
    /// The template text, searched to find the line of a render error.
    pub text: String,
    /// True for the site's own file.
    pub user: bool,
}

/// Compiled templates: the site's own first, the embedded defaults for the
/// rest.
#[derive(Debug)]
pub struct Theme {
    /// The compiled templates.
    pub tera: tera::Tera,
    /// Every compiled template's source, by template name.
    pub sources: BTreeMap<String, TemplateSource>,
}

impl Theme {
    /// Loads `root/templates/**` over the embedded defaults.
    ///
    /// Errs with one diagnostic per template that does not compile (file
    /// and line), or that cannot be read.
    pub fn load(root: &Path) -> Result<Theme, Vec<Diagnostic>> {
        let (user, mut problems) = read_user_templates(&root.join(TEMPLATES_DIR));
        let theme = Theme::from_sources(user);
        match theme {
            Ok(theme) if problems.is_empty() => Ok(theme),
            Ok(_) => Err(problems),
            Err(more) => {
                problems.extend(more);
                problems.sort();
                problems.dedup();
                Err(problems)
            }
        }
    }

    /// Only the embedded default theme.
    pub fn default_theme() -> Theme {
        match Theme::from_sources(Vec::new()) {
            Ok(theme) => theme,
            // The unit tests compile the default theme, so this cannot be
            // reached by any user input; fall back to an empty set rather
            // than panic.
            Err(_) => Theme {
                tera: tera::Tera::default(),
                sources: BTreeMap::new(),
            },
        }
    }

    /// Compiles the given site templates (name, text) over the defaults.
    ///
    /// Errs with one diagnostic per template that does not parse, or with
    /// the inheritance problem (a missing parent, a loop) of the set.
    pub fn from_sources(user: Vec<(String, String)>) -> Result<Theme, Vec<Diagnostic>> {
        let mut sources: BTreeMap<String, TemplateSource> = BTreeMap::new();
        let mut problems = Vec::new();
        // Each template is parsed alone first, so every broken file is
        // reported in one run (Tera stops at the first one it meets).
        for (name, text) in user {
            let display_path = Path::new(TEMPLATES_DIR).join(&name);
            if let Err(err) = tera::Template::new(&name, None, &text) {
                problems.push(parse_diagnostic(&display_path, &err));
                continue;
            }
            sources.insert(
                name,
                TemplateSource {
                    display_path,
                    text,
                    user: true,
                },
            );
        }
        for (name, text) in DEFAULT_TEMPLATES {
            sources
                .entry((*name).to_string())
                .or_insert_with(|| TemplateSource {
                    display_path: builtin_path(name),
                    text: (*text).to_string(),
                    user: false,
                });
        }
        problems.extend(reference_loops(&sources));
        if !problems.is_empty() {
            return Err(problems);
        }
        // The site's files and the defaults they do not replace go into one
        // set, which is what `Tera::extend` would give, but compiled in one
        // step: a site template that extends a default `base.html` could not
        // be compiled alone before the extend.
        let mut tera = tera::Tera::default();
        tera.set_escape_fn(escape_html);
        let all = sources
            .iter()
            .map(|(name, s)| (name.as_str(), s.text.as_str()));
        if let Err(err) = tera.add_raw_templates(all) {
            return Err(vec![set_diagnostic(&sources, &err)]);
        }
        Ok(Theme { tera, sources })
    }

    /// True when template `name` is the built-in one, or a site's copy
    /// identical to it (as `digest init` writes them).
    pub fn is_default(&self, name: &str) -> bool {
        let builtin = DEFAULT_TEMPLATES
            .iter()
            .find(|(default, _)| *default == name)
            .map(|(_, text)| *text);
        self.sources
            .get(name)
            .is_some_and(|source| Some(source.text.as_str()) == builtin)
    }

    /// True when the theme has a template of this name.
    pub fn has(&self, name: &str) -> bool {
        self.sources.contains_key(name)
    }

    /// The path diagnostics use for template `name`.
    pub fn display_path(&self, name: &str) -> PathBuf {
        self.sources
            .get(name)
            .map_or_else(|| builtin_path(name), |s| s.display_path.clone())
    }

    /// Turns a failed render of `template` into a diagnostic naming the file
    /// and line that caused it.
    pub fn render_diagnostic(&self, template: &str, err: &tera::Error) -> Diagnostic {
        let chain = error_chain(err);
        // The innermost message names the real problem; an earlier one may
        // name the template it happened in (a parent or an include).
        let inner = chain.last().cloned().unwrap_or_default();
        let culprit = chain
            .iter()
            .rev()
            .find_map(|m| quoted_after(m, "while rendering '"))
            .or_else(|| {
                chain
                    .iter()
                    .rev()
                    .find_map(|m| quoted_after(m, "Failed to render '"))
            })
            .filter(|name| self.sources.contains_key(name))
            .unwrap_or_else(|| template.to_string());

        if let Some(variable) = backticked(&inner).filter(|_| inner.starts_with("Variable `")) {
            let (name, line) = self.locate(&culprit, &variable);
            let message = format!(
                "unknown variable `{variable}`: check its name against the variables listed in docs/templates.md, or guard it with `{{% if {root} is defined %}}`",
                root = variable.split(['.', '[']).next().unwrap_or(&variable)
            );
            return self.diagnostic_at(&name, line, message);
        }
        let needle = backticked(&inner)
            .or_else(|| quoted_after(&inner, "'"))
            .unwrap_or_default();
        let (name, line) = if needle.is_empty() {
            (culprit, None)
        } else {
            self.locate(&culprit, &needle)
        };
        let message = format!(
            "cannot render `{template}`: {}; fix the template",
            tidy_message(&inner)
        );
        self.diagnostic_at(&name, line, message)
    }

    fn diagnostic_at(&self, name: &str, line: Option<usize>, message: String) -> Diagnostic {
        let path = self.display_path(name);
        match line {
            Some(line) => Diagnostic::error_at(path, line, message),
            None => Diagnostic::error(path, message),
        }
    }

    /// The template (the culprit, its parents, then any other) and line
    /// where `needle` first appears inside a tag.
    fn locate(&self, culprit: &str, needle: &str) -> (String, Option<usize>) {
        let mut order: Vec<String> = vec![culprit.to_string()];
        if let Ok(template) = self.tera.get_template(culprit) {
            order.extend(template.parents.iter().cloned());
        }
        // Site templates before built-in ones: the user's edit is the likely
        // cause.
        let mut rest: Vec<&String> = self.sources.keys().filter(|n| !order.contains(n)).collect();
        rest.sort_by_key(|n| !self.sources[*n].user);
        order.extend(rest.into_iter().cloned());
        for name in &order {
            if let Some(source) = self.sources.get(name) {
                if let Some(line) = line_in_tags(&source.text, needle) {
                    return (name.clone(), Some(line));
                }
            }
        }
        (culprit.to_string(), None)
    }
}

/// Escapes text for HTML and XML. Unlike Tera's default it leaves `/`
/// alone, so URLs in attributes stay readable (escaping `/` is not needed
/// for safety inside quoted attributes or text).
pub fn escape_html(input: &str) -> String {
    // Every `{{ }}` of every page goes through here; the content stage's
    // escaper already copies runs of plain text whole.
    crate::content::text::escape_html(input)
}

/// Templates that extend, include or import themselves, directly or
/// through others. Tera would recurse on them until the stack overflows, so
/// they are found from the tags before compiling, one diagnostic per loop.
fn reference_loops(sources: &BTreeMap<String, TemplateSource>) -> Vec<Diagnostic> {
    let tag = regex::Regex::new(r#"\{%-?\s*(extends|include|import)\s+([^%]*?)-?%\}"#);
    let quoted = regex::Regex::new(r#""([^"]+)"|'([^']+)'"#);
    let (Ok(tag), Ok(quoted)) = (tag, quoted) else {
        return Vec::new();
    };
    // name -> (referenced name, kind of tag, line of the tag)
    let mut edges: BTreeMap<&str, Vec<(String, String, usize)>> = BTreeMap::new();
    for (name, source) in sources {
        let list = edges.entry(name.as_str()).or_default();
        for found in tag.captures_iter(&source.text) {
            let (Some(whole), Some(kind), Some(args)) = (found.get(0), found.get(1), found.get(2))
            else {
                continue;
            };
            let line = crate::error::line_of_offset(&source.text, whole.start());
            for target in quoted.captures_iter(args.as_str()) {
                if let Some(target) = target.get(1).or_else(|| target.get(2)) {
                    list.push((target.as_str().to_string(), kind.as_str().to_string(), line));
                }
            }
        }
    }
    let mut problems = Vec::new();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for start in edges.keys().copied() {
        // Iterative depth-first search; `path` holds the templates on the
        // way down, so an edge back into it closes a loop.
        let mut path: Vec<(&str, usize)> = vec![(start, 0)];
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            let out = edges.get(node).map_or(&[][..], Vec::as_slice);
            let Some((target, kind, line)) = out.get(*next) else {
                done.insert(node);
                path.pop();
                continue;
            };
            *next += 1;
            let Some((target_name, _)) = edges.get_key_value(target.as_str()) else {
                continue;
            };
            if path.iter().any(|(on_path, _)| on_path == target_name) {
                let mut chain: Vec<&str> = path.iter().map(|(n, _)| *n).collect();
                let from = chain.iter().position(|n| n == target_name).unwrap_or(0);
                chain.drain(..from);
                chain.push(target_name);
                if let Some(source) = sources.get(node) {
                    problems.push(Diagnostic::error_at(
                        source.display_path.clone(),
                        *line,
                        format!(
                            "`{kind}` makes a loop of templates ({}): a template may not lead back to itself",
                            chain.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" → ")
                        ),
                    ));
                }
            } else if !done.contains(target_name) {
                path.push((target_name, 0));
            }
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

fn builtin_path(name: &str) -> PathBuf {
    PathBuf::from(format!("(default theme) {name}"))
}

/// Reads every template file under `dir`, sorted by name. A missing folder
/// is not an error: the site then uses the default theme as is.
fn read_user_templates(dir: &Path) -> (Vec<(String, String)>, Vec<Diagnostic>) {
    let mut templates = Vec::new();
    let mut problems = Vec::new();
    if !dir.is_dir() {
        return (templates, problems);
    }
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().unwrap_or(dir);
                problems.push(Diagnostic::error(
                    Path::new(TEMPLATES_DIR).join(path.strip_prefix(dir).unwrap_or(path)),
                    format!("cannot read the templates folder: {err}"),
                ));
                continue;
            }
        };
        let path = entry.path();
        let is_template = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| TEMPLATE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
        if !entry.file_type().is_file() || !is_template {
            continue;
        }
        let relative = path.strip_prefix(dir).unwrap_or(path);
        // Template names use `/` on every platform, as Tera and the
        // `{% extends %}` tags in the templates do.
        let name = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let display = Path::new(TEMPLATES_DIR).join(relative);
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => templates.push((name, text)),
                Err(_) => problems.push(Diagnostic::error(
                    display,
                    "the template is not UTF-8 text: save it as UTF-8",
                )),
            },
            Err(err) => problems.push(Diagnostic::error(
                display,
                format!("cannot read the template: {err}"),
            )),
        }
    }
    (templates, problems)
}

/// Every message of an error and its sources, outermost first.
fn error_chain(err: &tera::Error) -> Vec<String> {
    let mut chain = vec![err.to_string()];
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        chain.push(inner.to_string());
        source = inner.source();
    }
    chain
}

/// A diagnostic for a template that does not parse. Tera's parse errors
/// carry the position as ` --> line:column` and the expectation as
/// `= expected …`.
fn parse_diagnostic(path: &Path, err: &tera::Error) -> Diagnostic {
    let chain = error_chain(err);
    let detail = chain.last().cloned().unwrap_or_default();
    let line = detail.lines().find_map(|l| {
        let rest = l.trim_start().strip_prefix("-->")?;
        rest.trim().split(':').next()?.parse::<usize>().ok()
    });
    let expected = detail
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("= "))
        .map(str::to_string)
        .unwrap_or_else(|| tidy_message(&detail));
    let message = format!(
        "template syntax error: {}; fix the tag",
        tidy_message(&expected)
    );
    match line {
        Some(line) => Diagnostic::error_at(path, line, message),
        None => Diagnostic::error(path, message),
    }
}

/// A diagnostic for a problem of the template set as a whole: a parent
/// that does not exist, an inheritance loop, a missing macro file.
fn set_diagnostic(sources: &BTreeMap<String, TemplateSource>, err: &tera::Error) -> Diagnostic {
    let chain = error_chain(err);
    let inner = chain.last().cloned().unwrap_or_default();
    // Tera names the template first, in single quotes.
    let name = quoted_after(&inner, "'").unwrap_or_default();
    let message = format!(
        "{}; check the `extends` and `import` tags",
        tidy_message(&inner)
    );
    match sources.get(&name) {
        Some(source) => {
            let line = ["extends", "import"]
                .iter()
                .find_map(|needle| line_in_tags(&source.text, needle));
            match line {
                Some(line) => Diagnostic::error_at(&source.display_path, line, message),
                None => Diagnostic::error(&source.display_path, message),
            }
        }
        None => Diagnostic::error(TEMPLATES_DIR, message),
    }
}

/// The text between `prefix` and the next `'`.
fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let start = message.find(prefix)? + prefix.len();
    let len = message[start..].find('\'')?;
    Some(message[start..start + len].to_string())
}

/// The first name in backticks.
fn backticked(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_string())
}

/// Our diagnostics are one line, lowercase first letter, no final period.
fn tidy_message(message: &str) -> String {
    let one_line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    let trimmed = one_line.trim_end_matches('.');
    let mut chars = trimmed.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().collect::<String>() + chars.as_str(),
        None => "unknown template error".into(),
    }
}

/// The 1-based line of the first occurrence of `needle` inside a `{{ }}` or
/// `{% %}` tag, falling back to the first occurrence anywhere. A variable
/// path like `article.foo[0]` is also tried by its leading parts.
fn line_in_tags(text: &str, needle: &str) -> Option<usize> {
    let mut candidates = vec![needle.to_string()];
    let mut shorter = needle;
    while let Some(cut) = shorter.rfind(['.', '[']) {
        shorter = &shorter[..cut];
        if !shorter.is_empty() {
            candidates.push(shorter.to_string());
        }
    }
    let tag_spans = tag_spans(text);
    for candidate in &candidates {
        let mut from = 0;
        while let Some(found) = text[from..].find(candidate.as_str()) {
            let at = from + found;
            let end = at + candidate.len();
            let bounded =
                !text[..at].ends_with(is_word_char) && !text[end..].starts_with(is_word_char);
            if bounded && tag_spans.iter().any(|(s, e)| *s <= at && end <= *e) {
                return Some(crate::error::line_of_offset(text, at));
            }
            from = end;
        }
    }
    text.find(needle)
        .map(|at| crate::error::line_of_offset(text, at))
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Byte spans of every `{{ … }}` and `{% … %}` tag.
fn tag_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find('{') {
        let start = from + found;
        let close = match text[start + 1..].chars().next() {
            Some('{') => "}}",
            Some('%') => "%}",
            _ => {
                from = start + 1;
                continue;
            }
        };
        match text[start + 2..].find(close) {
            Some(len) => {
                let end = start + 2 + len + 2;
                spans.push((start, end));
                from = end;
            }
            None => break,
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, text: &str) -> Vec<(String, String)> {
        vec![(name.to_string(), text.to_string())]
    }

    #[test]
    fn template_loops_are_errors_not_stack_overflows() {
        let err =
            Theme::from_sources(user("base.html", "{% extends \"base.html\" %}")).unwrap_err();
        assert_eq!(err[0].line, Some(1), "{err:?}");
        assert!(err[0].message.contains("loop"), "{err:?}");
        let err = Theme::from_sources(vec![
            ("a.html".to_string(), "{% include \"b.html\" %}".to_string()),
            (
                "b.html".to_string(),
                "x\n{% include 'a.html' %}".to_string(),
            ),
        ])
        .unwrap_err();
        assert!(!err.is_empty());
        assert!(
            err.iter().all(|d| d.message.contains("`a.html` → `b.html`")
                || d.message.contains("`b.html` → `a.html`")),
            "{err:?}"
        );
    }

    #[test]
    fn the_default_theme_compiles() {
        let theme = Theme::from_sources(Vec::new()).unwrap();
        for (name, _) in DEFAULT_TEMPLATES {
            assert!(theme.tera.get_template(name).is_ok(), "{name}");
            assert!(!theme.sources[*name].user);
        }
    }

    #[test]
    fn a_site_template_overrides_the_default_of_the_same_name() {
        let theme = Theme::from_sources(user("404.html", "custom {{ site.title }}")).unwrap();
        assert!(theme.sources["404.html"].user);
        assert_eq!(
            theme.display_path("404.html"),
            PathBuf::from("templates/404.html")
        );
        assert_eq!(
            theme.display_path("article.html"),
            PathBuf::from("(default theme) article.html")
        );
    }

    #[test]
    fn every_syntax_error_is_reported_with_file_and_line() {
        let broken = vec![
            ("a.html".to_string(), "ok\n{{ title | }}\n".to_string()),
            (
                "b.html".to_string(),
                "1\n2\n{% if x %}never closed".to_string(),
            ),
            ("fine.html".to_string(), "{{ x }}".to_string()),
        ];
        let problems = Theme::from_sources(broken).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].path, PathBuf::from("templates/a.html"));
        assert_eq!(problems[0].line, Some(2), "{}", problems[0]);
        assert_eq!(problems[1].path, PathBuf::from("templates/b.html"));
        assert!(problems[1].line.is_some(), "{}", problems[1]);
        assert!(problems[0].message.starts_with("template syntax error: "));
    }

    #[test]
    fn a_missing_parent_names_the_extends_line() {
        let problems =
            Theme::from_sources(user("x.html", "\n\n{% extends \"nope.html\" %}")).unwrap_err();
        assert_eq!(problems[0].path, PathBuf::from("templates/x.html"));
        assert_eq!(problems[0].line, Some(3), "{}", problems[0]);
    }

    #[test]
    fn an_unknown_variable_names_file_and_line() {
        let theme =
            Theme::from_sources(user("t.html", "line one\n<p>{{ site.nmae }}</p>\n")).unwrap();
        let mut context = tera::Context::new();
        context.insert("site", &serde_json::json!({"name": "x"}));
        let err = theme.tera.render("t.html", &context).unwrap_err();
        let diagnostic = theme.render_diagnostic("t.html", &err);
        assert_eq!(diagnostic.path, PathBuf::from("templates/t.html"));
        assert_eq!(diagnostic.line, Some(2));
        assert!(diagnostic.message.contains("`site.nmae`"), "{diagnostic}");
    }

    #[test]
    fn an_unknown_variable_in_a_parent_template_points_at_the_parent() {
        let templates = vec![
            (
                "base.html".to_string(),
                "<body>\n\n{{ missing_thing }}\n{% block main %}{% endblock %}</body>".to_string(),
            ),
            (
                "child.html".to_string(),
                "{% extends \"base.html\" %}{% block main %}hi{% endblock %}".to_string(),
            ),
        ];
        let theme = Theme::from_sources(templates).unwrap();
        let err = theme
            .tera
            .render("child.html", &tera::Context::new())
            .unwrap_err();
        let diagnostic = theme.render_diagnostic("child.html", &err);
        assert_eq!(diagnostic.path, PathBuf::from("templates/base.html"));
        assert_eq!(diagnostic.line, Some(3));
    }

    #[test]
    fn templates_are_read_from_the_folder_with_their_relative_names() {
        let dir = tempfile::tempdir().unwrap();
        let templates = dir.path().join(TEMPLATES_DIR);
        std::fs::create_dir_all(templates.join("partials")).unwrap();
        #[allow(clippy::disallowed_methods)] // Test set-up writes input files.
        {
            std::fs::write(templates.join("partials/card.html"), "card").unwrap();
            std::fs::write(templates.join("notes.md"), "{{ not a template").unwrap();
            std::fs::write(templates.join("bad.html"), "{% endif %}").unwrap();
        }
        let problems = Theme::load(dir.path()).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].path, PathBuf::from("templates/bad.html"));
        std::fs::remove_file(templates.join("bad.html")).unwrap();
        let theme = Theme::load(dir.path()).unwrap();
        assert!(theme.has("partials/card.html"));
        assert!(!theme.has("notes.md"));
    }

    #[test]
    fn escaping_leaves_slashes_alone() {
        assert_eq!(
            escape_html("<a href=\"/x/\">&'"),
            "&lt;a href=&quot;/x/&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            escape_html("Zürich <b>ü</b>"),
            "Zürich &lt;b&gt;ü&lt;/b&gt;"
        );
        assert_eq!(escape_html("plain"), "plain");
    }
}
