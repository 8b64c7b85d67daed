//! The HTTP side of `digest serve`: the last good site from memory, the
//! live-reload script and its event stream.
//!
//! A request path is decoded and checked by the pure [`sanitise`] before it
//! is looked up: `..`, `.`, encoded slashes, backslashes, NUL and drive
//! letters are refused with 400. Pages are looked up in memory, never on
//! disk by URL, so no path can reach a file outside the site; files of
//! `static/` are read from the canonical paths the scan checked. Every
//! response says `Cache-Control: no-store`, so an edit always shows.
//!
//! Pages are built with absolute links (canonical, feeds, sitemap) to the
//! address serve listens on; a request that reached it under another name
//! (`localhost`, the machine's address on the network with `--bind
//! 0.0.0.0`, a forwarded port) gets them pointing at that name instead
//! ([`links_for_host`]), so every link works from where the page was
//! opened.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body as HttpBody, Bytes};
use axum::extract::State as Extract;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::reload::{Message, EVENTS_PATH, SCRIPT, SCRIPT_PATH};
use super::site::{Body, Site};
use super::state::State;

/// A request path that stays inside the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitePath {
    /// The decoded segments, none empty, `.` or `..`.
    pub segments: Vec<String>,
    /// The path ended in `/` (or was `/`): it names a folder.
    pub folder: bool,
}

impl SitePath {
    /// The file key this path names first: `index.html` inside a folder.
    pub fn key(&self) -> String {
        let joined = self.segments.join("/");
        match (self.folder, joined.is_empty()) {
            (_, true) => "index.html".into(),
            (true, false) => format!("{joined}/index.html"),
            (false, false) => joined,
        }
    }
}

/// Why a request path was refused (answered with 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadPath {
    /// The path does not start with `/`.
    NotAbsolute,
    /// A percent-escape decodes to bytes that are not UTF-8.
    NotUtf8,
    /// A segment is `.` or `..` (plain or encoded).
    DotSegment,
    /// A segment holds a slash or backslash (plain or encoded), a NUL or
    /// another control character, or a drive letter (`C:`).
    ForbiddenCharacter,
}

/// Checks and decodes a request path (as sent, before any decoding).
///
/// The path is split on `/` *before* percent-decoding, so an encoded slash
/// (`%2f`) cannot make a new segment; each segment is then decoded and
/// refused if it is `.`/`..` or holds `/`, `\`, a control character or a
/// drive letter. Empty segments (`//`) are dropped.
pub fn sanitise(raw: &str) -> Result<SitePath, BadPath> {
    let Some(rest) = raw.strip_prefix('/') else {
        return Err(BadPath::NotAbsolute);
    };
    let folder = rest.is_empty() || rest.ends_with('/');
    let mut segments = Vec::new();
    for raw_segment in rest.split('/') {
        if raw_segment.is_empty() {
            continue;
        }
        let decoded = percent_encoding::percent_decode_str(raw_segment)
            .decode_utf8()
            .map_err(|_| BadPath::NotUtf8)?;
        if decoded == "." || decoded == ".." {
            return Err(BadPath::DotSegment);
        }
        if decoded
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control())
        {
            return Err(BadPath::ForbiddenCharacter);
        }
        if is_drive_letter(&decoded) {
            return Err(BadPath::ForbiddenCharacter);
        }
        segments.push(decoded.into_owned());
    }
    Ok(SitePath { segments, folder })
}

fn is_drive_letter(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// What a request path leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The file at this key.
    Found(String),
    /// A folder asked for without its final `/`: redirect here.
    AddSlash(String),
    /// Nothing.
    NotFound,
}

/// Looks `path` up in `site`.
pub fn resolve(site: &Site, path: &SitePath) -> Resolution {
    let key = path.key();
    if site.contains(&key) {
        return Resolution::Found(key);
    }
    if !path.folder && site.contains(&format!("{key}/index.html")) {
        let mut location = String::from("/");
        for segment in &path.segments {
            location.push_str(&encode_segment(segment));
            location.push('/');
        }
        return Resolution::AddSlash(location);
    }
    Resolution::NotFound
}

fn encode_segment(segment: &str) -> String {
    // Everything but unreserved characters is escaped, so the Location
    // header is always valid ASCII.
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(segment, SET).to_string()
}

/// The `Content-Type` of a file, from its name.
pub fn content_type(key: &str) -> &'static str {
    let name = key.rsplit('/').next().unwrap_or(key);
    if name == "feed.xml" || name == "atom.xml" {
        return "application/atom+xml; charset=utf-8";
    }
    let extension = name
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "xml" => "application/xml; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// The routes: the live-reload script, its event stream, and the site.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route(SCRIPT_PATH, get(script))
        .route(EVENTS_PATH, get(events))
        .fallback(site_file)
        .with_state(state)
}

/// How long a client may take to send a request's headers, counted from
/// when the connection waits for them (a kept-alive connection's idle time
/// included): one that connects and stalls is cut off instead of holding a
/// connection open for ever. Browsers send their headers at once; an event
/// stream is not waiting for headers while it streams.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves on `listener` until the state is stopped; connections then
/// finish the request they are on.
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<State>) -> std::io::Result<()> {
    let service = hyper_util::service::TowerToHyperService::new(router(Arc::clone(&state)));
    let mut stopping = state.stopping();
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: wait a little and
                // keep serving the connections that are open.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            // An error means the state is gone, which also means stop.
            _ = stopping.wait_for(|stop| *stop) => break,
        };
        // Small writes (an event) go out at once.
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        let mut stopping = state.stopping();
        connections.spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = stopping.wait_for(|stop| *stop) => {}
            }
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        });
        // Reap the connections that are done as new ones come.
        while connections.try_join_next().is_some() {}
    }
    while connections.join_next().await.is_some() {}
    Ok(())
}

fn respond(status: StatusCode, content_type: &str, body: impl Into<HttpBody>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    // Every edit must show at once: no caching of anything while previewing.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

async fn script() -> Response {
    respond(
        StatusCode::OK,
        "text/javascript; charset=utf-8",
        Bytes::from_static(SCRIPT.as_bytes()),
    )
}

/// A small page of our own, with the live-reload script so the overlay and
/// the reload still work on it.
fn own_page(status: StatusCode, title: &str, text: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<script src=\"{SCRIPT_PATH}\" defer></script>\n</head>\n<body>\n<h1>{title}</h1>\n<p>{text}</p>\n</body>\n</html>\n"
    );
    respond(status, "text/html; charset=utf-8", html)
}

/// `body` (a page serve rendered) with its absolute links to `site_url`
/// pointing at `http://{host}/` instead, when the request named a `host`
/// other than the one of `site_url`; `host` must be a plain host name or
/// address with an optional port, anything else leaves the body as it is.
pub fn links_for_host(body: Bytes, site_url: &str, host: Option<&str>) -> Bytes {
    let Some(host) = host else {
        return body;
    };
    let plain = !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    let ours = format!("http://{host}/");
    if !plain || site_url.is_empty() || ours == site_url {
        return body;
    }
    match std::str::from_utf8(&body) {
        Ok(text) if text.contains(site_url) => Bytes::from(text.replace(site_url, &ours)),
        _ => body,
    }
}

async fn site_file(
    Extract(state): Extract<Arc<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut response = respond(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "method not allowed\n",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let path = match sanitise(uri.path()) {
        Ok(path) => path,
        Err(_) => {
            return respond(
                StatusCode::BAD_REQUEST,
                "text/plain; charset=utf-8",
                "bad request: the path leaves the site\n",
            )
        }
    };
    let snapshot = state.snapshot();
    if !snapshot.built {
        return own_page(
            StatusCode::SERVICE_UNAVAILABLE,
            "The site has not built yet",
            "The first build failed; the terminal says why. Fix it and this page reloads by itself.",
        );
    }
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok());
    let rebase = |key: &str, bytes: Bytes| {
        // The site's own files of `static/` are served as they are.
        if matches!(snapshot.site.get(key), Some(Body::Bytes(_))) {
            links_for_host(bytes, state.site_url(), host)
        } else {
            bytes
        }
    };
    match resolve(&snapshot.site, &path) {
        Resolution::Found(key) => match read(&snapshot.site, &key).await {
            Some(bytes) => respond(StatusCode::OK, content_type(&key), rebase(&key, bytes)),
            None => not_found(&snapshot.site, rebase).await,
        },
        Resolution::AddSlash(mut location) => {
            if let Some(query) = uri.query() {
                location.push('?');
                location.push_str(query);
            }
            let mut response = respond(
                StatusCode::MOVED_PERMANENTLY,
                "text/plain; charset=utf-8",
                "moved\n",
            );
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        Resolution::NotFound => not_found(&snapshot.site, rebase).await,
    }
}

/// The bytes of the file at `key`; `None` when it is gone or a file of
/// `static/` no longer resolves inside `static/` (it was swapped for a link
/// since the scan).
async fn read(site: &Site, key: &str) -> Option<Bytes> {
    match site.get(key)? {
        Body::Bytes(bytes) => Some(bytes),
        Body::File { path, .. } => {
            let root = site.static_root()?;
            let real = tokio::fs::canonicalize(&path).await.ok()?;
            if real != path || !real.starts_with(root) {
                return None;
            }
            tokio::fs::read(&real).await.ok().map(Bytes::from)
        }
    }
}

async fn not_found(site: &Site, rebase: impl Fn(&str, Bytes) -> Bytes) -> Response {
    match read(site, "404.html").await {
        Some(bytes) => respond(
            StatusCode::NOT_FOUND,
            "text/html; charset=utf-8",
            rebase("404.html", bytes),
        ),
        None => own_page(
            StatusCode::NOT_FOUND,
            "Not found",
            "The site has no page here.",
        ),
    }
}

fn to_event(message: &Message) -> Event {
    Event::default().event(message.event()).data(message.data())
}

async fn events(
    Extract(state): Extract<Arc<State>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let (snapshot, receiver) = state.subscribe();
    let hello = Message::Hello {
        generation: snapshot.generation,
        problems: snapshot.problems.clone(),
    };
    // A tab that loses the connection retries quickly, so a restarted
    // server is found again within a second.
    let first = to_event(&hello).retry(Duration::from_millis(500));
    let stopping = state.stopping();
    let stream = futures_util::stream::unfold(
        (Some(first), receiver, stopping, state),
        |(first, mut receiver, mut stopping, state)| async move {
            if let Some(event) = first {
                return Some((Ok(event), (None, receiver, stopping, state)));
            }
            let event = tokio::select! {
                _ = stopping.wait_for(|stop| *stop) => return None,
                received = receiver.recv() => match received {
                    Ok(message) => to_event(&message),
                    // The tab fell behind; a reload brings it up to date.
                    Err(RecvError::Lagged(_)) => to_event(&Message::Reload {
                        generation: state.snapshot().generation,
                    }),
                    Err(RecvError::Closed) => return None,
                },
            };
            Some((Ok(event), (None, receiver, stopping, state)))
        },
    );
    // Comments every few seconds find tabs that went away without closing.
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(5)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Page;
    use crate::serve::site::StaticFiles;

    fn ok(raw: &str) -> SitePath {
        sanitise(raw).unwrap_or_else(|err| panic!("{raw}: {err:?}"))
    }

    #[test]
    fn absolute_links_follow_the_host_the_page_was_asked_for() {
        let site_url = "http://127.0.0.1:1111/";
        let page = || {
            Bytes::from_static(
                b"<link rel=\"canonical\" href=\"http://127.0.0.1:1111/a/\"><a href=\"/b/\">",
            )
        };
        let text = |bytes: Bytes| String::from_utf8(bytes.to_vec()).unwrap();
        assert_eq!(
            text(links_for_host(page(), site_url, Some("192.168.1.4:1111"))),
            "<link rel=\"canonical\" href=\"http://192.168.1.4:1111/a/\"><a href=\"/b/\">"
        );
        assert_eq!(
            text(links_for_host(page(), site_url, Some("[::1]:8080"))),
            "<link rel=\"canonical\" href=\"http://[::1]:8080/a/\"><a href=\"/b/\">"
        );
        // The same host, no host, or a host that is not a plain name: as is.
        for host in [
            Some("127.0.0.1:1111"),
            None,
            Some(""),
            Some("evil\"><script>"),
            Some("a/b"),
        ] {
            assert_eq!(links_for_host(page(), site_url, host), page(), "{host:?}");
        }
        assert_eq!(links_for_host(page(), "", Some("localhost")), page());
    }

    #[test]
    fn plain_paths_name_files_and_folders() {
        assert_eq!(ok("/").key(), "index.html");
        assert_eq!(ok("/articles/vote/").key(), "articles/vote/index.html");
        assert_eq!(ok("/articles/vote").key(), "articles/vote");
        assert_eq!(ok("/style.css").key(), "style.css");
        assert_eq!(ok("//articles//vote/").key(), "articles/vote/index.html");
        assert_eq!(ok("/caf%C3%A9/").key(), "café/index.html");
        assert_eq!(ok("/a%20b.txt").key(), "a b.txt");
    }

    #[test]
    fn traversal_attempts_are_refused() {
        for raw in [
            "/..",
            "/../etc/passwd",
            "/articles/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E/etc/passwd",
            "/.%2e/etc/passwd",
            "/%2e%2e%2fetc%2fpasswd",
            "/..%2fetc%2fpasswd",
            "/%2fetc%2fpasswd",
            "/..\\etc\\passwd",
            "/%5c..%5cetc%5cpasswd",
            "/a\\b",
            "/./index.html",
            "/C:/Windows/win.ini",
            "/c%3a/windows",
            "/index.html%00.css",
            "/%ff%fe",
        ] {
            assert!(sanitise(raw).is_err(), "{raw} was let through");
        }
        assert_eq!(sanitise("etc/passwd"), Err(BadPath::NotAbsolute));
        assert_eq!(sanitise("/%c0%ae%c0%ae/"), Err(BadPath::NotUtf8));
    }

    #[test]
    fn absolute_looking_paths_stay_inside_the_site() {
        // `//etc/passwd` is just `etc/passwd` inside the site: not found,
        // never the system's file.
        assert_eq!(ok("//etc/passwd").key(), "etc/passwd");
        assert_eq!(ok("/%252e%252e/").key(), "%2e%2e/index.html");
    }

    fn site() -> Site {
        let page = |path: &str| Page {
            path: path.into(),
            bytes: b"x".to_vec(),
        };
        Site::new(
            vec![
                page("index.html"),
                page("articles/vote/index.html"),
                page("feed.xml"),
            ],
            StaticFiles::default(),
        )
    }

    #[test]
    fn folders_without_a_slash_redirect() {
        let site = site();
        assert_eq!(
            resolve(&site, &ok("/")),
            Resolution::Found("index.html".into())
        );
        assert_eq!(
            resolve(&site, &ok("/articles/vote")),
            Resolution::AddSlash("/articles/vote/".into())
        );
        assert_eq!(
            resolve(&site, &ok("/articles/vote/")),
            Resolution::Found("articles/vote/index.html".into())
        );
        assert_eq!(resolve(&site, &ok("/nope/")), Resolution::NotFound);
        assert_eq!(resolve(&site, &ok("/feed.xml/")), Resolution::NotFound);
    }

    #[test]
    fn content_types_follow_the_file_name() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("a/b/STYLE.CSS"), "text/css; charset=utf-8");
        assert_eq!(
            content_type("feed.xml"),
            "application/atom+xml; charset=utf-8"
        );
        assert_eq!(
            content_type("sitemap.xml"),
            "application/xml; charset=utf-8"
        );
        assert_eq!(content_type("search-index.json"), "application/json");
        assert_eq!(content_type("robots.txt"), "text/plain; charset=utf-8");
        assert_eq!(content_type("logo.svg"), "image/svg+xml");
        assert_eq!(content_type("README"), "application/octet-stream");
    }
}
