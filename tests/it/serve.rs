//! `digest serve` from the outside (issue 4): the real binary on
//! `127.0.0.1:0`, spoken to in raw HTTP over TCP (a client library would
//! tidy away the `..` and `%2e%2e` the traversal tests must send), with the
//! site edited on disk while it runs.

// Helpers outside `#[test]` functions unwrap too: a failure there is a
// failed test, which is what it should be.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::support::{tree, write_file, Fixture};

/// Long enough for a debug build of the site on a busy 2-core machine.
const WAIT: Duration = Duration::from_secs(60);

pub const MARKET_TITLE: &str = "Covered market reopens after roof repairs";

/// A small site of our own: three articles, a stylesheet and a text file
/// in `static/`.
pub fn serve_site() -> Fixture {
    let site = Fixture::empty();
    site.write(
        "site.toml",
        "title = \"Serve Digest\"\nbase_url = \"https://example.org/news/\"\ntimezone = \"UTC\"\n",
    );
    site.write(
        "content/2024-05-02-market-reopens.md",
        market_article(MARKET_TITLE),
    );
    site.write(
        "content/2024-05-03-library-hours.md",
        "---\ntitle: Library extends its evening opening hours\ndate: 2024-05-03T10:00:00Z\ntopics: [Town]\nslug: library-hours\n---\nThe town library will stay open until nine on weekdays from June, the council said on Friday.\n",
    );
    site.write(
        "content/2024-05-03-ferry-timetable.md",
        "---\ntitle: Ferry timetable changes for the summer\ndate: 2024-05-03T12:00:00Z\ntopics: [Transport]\nslug: ferry-timetable\n---\nThe island ferry adds two crossings a day from the first of June, the operator said.\n",
    );
    site.write(
        "static/style.css",
        "body { background: rgb(255, 255, 255); }\n",
    );
    site.write("static/notes.txt", "plain notes\n");
    site
}

/// The market article with `title`.
pub fn market_article(title: &str) -> String {
    format!(
        "---\ntitle: {title}\ndate: 2024-05-02T09:00:00Z\ntopics: [Town]\nslug: market-reopens\n---\nThe covered market on Quay Street reopened on Thursday after eight months of\nrepairs to its iron and glass roof. Forty stalls were back on the first day.\n"
    )
}

/// A running `digest serve`, killed on drop.
pub struct ServeProcess {
    child: Child,
    /// Where it listens.
    pub address: SocketAddr,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl ServeProcess {
    /// Starts `digest serve --port 0` on `root` and waits for its address.
    pub fn start(root: &Path) -> ServeProcess {
        ServeProcess::start_on(root, "0")
    }

    /// Starts `digest serve --port <port>` on `root` and waits for its
    /// address.
    pub fn start_on(root: &Path, port: &str) -> ServeProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_digest"))
            .arg("--site")
            .arg(root)
            .args(["serve", "--port", port])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start digest serve");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (lines_tx, lines) = mpsc::channel();
        collect(
            child.stdout.take().expect("piped stdout"),
            &stdout,
            Some(lines_tx),
        );
        collect(child.stderr.take().expect("piped stderr"), &stderr, None);
        let address = wait_for_address(&lines).unwrap_or_else(|| {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "digest serve did not say where it serves within {WAIT:?}\nstdout:\n{}\nstderr:\n{}",
                stdout.lock().unwrap(),
                stderr.lock().unwrap()
            )
        });
        ServeProcess {
            child,
            address,
            stdout,
            stderr,
        }
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// What it printed on stdout so far.
    pub fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    /// What it printed on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends Ctrl-C (SIGINT) and waits for the process to end.
    pub fn interrupt(&mut self) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -INT failed");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for digest serve") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "digest serve did not stop within 15 s of Ctrl-C"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(
    stream: impl Read + Send + 'static,
    into: &Arc<Mutex<String>>,
    lines: Option<mpsc::Sender<String>>,
) {
    let into = Arc::clone(into);
    thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { return };
            into.lock().unwrap().push_str(&format!("{line}\n"));
            if let Some(lines) = &lines {
                let _ = lines.send(line);
            }
        }
    });
}

fn wait_for_address(lines: &Receiver<String>) -> Option<SocketAddr> {
    let deadline = Instant::now() + WAIT;
    loop {
        let line = lines
            .recv_timeout(deadline.checked_duration_since(Instant::now())?)
            .ok()?;
        if let Some(rest) = line.strip_prefix("serving at http://") {
            let address = rest.split('/').next()?;
            return address.parse().ok();
        }
    }
}

/// One HTTP response, as read off the wire.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `GET <target>` exactly as written and reads the whole response.
pub fn get(address: SocketAddr, target: &str) -> Response {
    request(address, "GET", target)
}

pub fn request(address: SocketAddr, method: &str, target: &str) -> Response {
    request_as(address, &address.to_string(), method, target)
}

/// A request to `address` that names the server `host`, as a browser that
/// reached it under that name sends it.
fn request_as(address: SocketAddr, host: &str, method: &str, target: &str) -> Response {
    let mut stream = TcpStream::connect(address).expect("connect to digest serve");
    stream.set_read_timeout(Some(WAIT)).unwrap();
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the response");
    parse_response(&raw, method == "HEAD")
}

fn parse_response(raw: &[u8], head: bool) -> Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers in {:?}", String::from_utf8_lossy(raw)));
    let head_text = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head_text.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
        .collect();
    let rest = &raw[split + 4..];
    let chunked = headers.iter().any(|(key, value)| {
        key.eq_ignore_ascii_case("transfer-encoding") && value.contains("chunked")
    });
    let body = if head {
        Vec::new()
    } else if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&rest[..end]);
        let size =
            usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        body.extend_from_slice(&rest[start..(start + size).min(rest.len())]);
        rest = &rest[(start + size + 2).min(rest.len())..];
    }
    body
}

/// A connection to the live-reload event stream.
pub struct Events {
    reader: BufReader<TcpStream>,
    /// Decoded body bytes not yet made into events.
    pending: String,
}

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: String,
    pub data: serde_json::Value,
}

impl Events {
    pub fn connect(address: SocketAddr) -> Events {
        let mut stream = TcpStream::connect(address).expect("connect to digest serve");
        write!(
            stream,
            "GET /__digest/events HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(stream);
        let mut status = String::new();
        reader.get_mut().set_read_timeout(Some(WAIT)).unwrap();
        reader.read_line(&mut status).unwrap();
        assert!(status.contains(" 200 "), "event stream answered {status:?}");
        let mut content_type = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.to_ascii_lowercase().starts_with("content-type:") {
                content_type = line.clone();
            }
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        assert!(
            content_type.contains("text/event-stream"),
            "event stream type {content_type:?}"
        );
        Events {
            reader,
            pending: String::new(),
        }
    }

    /// The next event (keep-alive comments skipped) within `timeout`, or
    /// `None`.
    pub fn next(&mut self, timeout: Duration) -> Option<Event> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(event) = self.take_event() {
                return Some(event);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            self.reader
                .get_mut()
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .unwrap();
            // The body is chunked: a size line, the data, an empty line.
            let mut size_line = String::new();
            match self.reader.read_line(&mut size_line) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(_) => return None,
            }
            let size = usize::from_str_radix(size_line.trim(), 16).ok()?;
            if size == 0 {
                return None;
            }
            let mut chunk = vec![0; size + 2];
            self.reader
                .get_mut()
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            self.reader.read_exact(&mut chunk).ok()?;
            self.pending
                .push_str(&String::from_utf8_lossy(&chunk[..size]));
        }
    }

    /// The next event named `name` within `timeout`, skipping others.
    pub fn wait_for(&mut self, name: &str, timeout: Duration) -> Event {
        let deadline = Instant::now() + timeout;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left) {
                Some(event) if event.name == name => return event,
                Some(event) => seen.push(event.name),
                None => panic!("no `{name}` event within {timeout:?}; saw {seen:?}"),
            }
        }
    }

    fn take_event(&mut self) -> Option<Event> {
        loop {
            let end = self.pending.find("\n\n")?;
            let frame: String = self.pending[..end].to_string();
            self.pending.drain(..end + 2);
            let mut name = String::from("message");
            let mut data = String::new();
            for line in frame.lines() {
                if let Some(value) = line.strip_prefix("event:") {
                    name = value.trim().to_string();
                } else if let Some(value) = line.strip_prefix("data:") {
                    data.push_str(value.trim());
                }
            }
            if data.is_empty() {
                // A keep-alive comment.
                continue;
            }
            let data = serde_json::from_str(&data)
                .unwrap_or_else(|e| panic!("event data is not JSON ({e}): {data}"));
            return Some(Event { name, data });
        }
    }
}

/// Replaces a file the way many editors save: write a temporary file, then
/// rename it over the old one.
pub fn save_atomically(path: &Path, contents: &str) {
    let temporary = path.with_extension("saving");
    write_file(&temporary, contents.as_bytes());
    std::fs::rename(&temporary, path).unwrap();
}

#[test]
fn serve_answers_pages_static_files_and_404_with_the_right_types() {
    let site = serve_site();
    let server = ServeProcess::start(site.root());
    let address = server.address;

    let front = get(address, "/");
    assert_eq!(front.status, 200);
    assert_eq!(
        front.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(front.header("cache-control"), Some("no-store"));
    let html = front.text();
    assert!(html.contains(MARKET_TITLE), "front page lacks the article");
    assert!(html.contains("<script src=\"/__digest/live.js\" defer></script>"));
    // Links point at the local server, not at `base_url`.
    assert!(
        !html.contains("https://example.org/news/"),
        "links use base_url"
    );
    assert!(html.contains(&format!("http://{address}/")) || html.contains("href=\"/"));

    let article = get(address, "/articles/market-reopens/");
    assert_eq!(article.status, 200);
    assert!(article.text().contains(MARKET_TITLE));

    let moved = get(address, "/articles/market-reopens?x=1");
    assert_eq!(moved.status, 301);
    assert_eq!(
        moved.header("location"),
        Some("/articles/market-reopens/?x=1")
    );

    let css = get(address, "/style.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(css.text(), "body { background: rgb(255, 255, 255); }\n");
    assert_eq!(
        get(address, "/notes.txt").header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(
        get(address, "/feed.xml").header("content-type"),
        Some("application/atom+xml; charset=utf-8")
    );
    assert_eq!(
        get(address, "/sitemap.xml").header("content-type"),
        Some("application/xml; charset=utf-8")
    );
    let script = get(address, "/__digest/live.js");
    assert_eq!(script.status, 200);
    assert_eq!(
        script.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(script.text().contains("EventSource"));

    let missing = get(address, "/no/such/page/");
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(missing.header("cache-control"), Some("no-store"));
    // The site's own 404 page, the one `digest build` writes.
    let own_404 = get(address, "/404.html").text();
    assert!(!own_404.is_empty());
    assert_eq!(missing.text(), own_404);

    let head = request(address, "HEAD", "/");
    assert_eq!(head.status, 200);
    let post = request(address, "POST", "/");
    assert_eq!(post.status, 405);

    // Serving writes nothing into the site: no `public/`, no staging.
    assert!(!site.public().exists(), "serve wrote the user's public/");
    assert!(!site.path(".public.staging").exists());
}

#[cfg(unix)]
fn get_as(address: SocketAddr, host: &str, target: &str) -> Response {
    request_as(address, host, "GET", target)
}

/// `site` served in this process on a free port, with a tab's event stream
/// that has seen its `hello`.
fn serve_in_process(site: &Fixture) -> (digest_site::serve::Server, Events) {
    let server = digest_site::serve::start(&digest_site::serve::ServeOptions {
        port: 0,
        ..digest_site::serve::ServeOptions::new(site.root())
    })
    .unwrap();
    let mut events = Events::connect(server.address());
    events.wait_for("hello", WAIT);
    (server, events)
}

/// With `--bind 0.0.0.0` the preview is opened from other machines, by this
/// machine's name or network address: the absolute links of its pages
/// (canonical, feeds, sitemap) must lead back to where the page came from,
/// not to the other machine's own 127.0.0.1.
#[test]
fn absolute_links_follow_the_address_the_site_is_opened_at() {
    let site = serve_site();
    let server = digest_site::serve::start(&digest_site::serve::ServeOptions {
        bind: "0.0.0.0".parse().unwrap(),
        port: 0,
        ..digest_site::serve::ServeOptions::new(site.root())
    })
    .unwrap();
    let port = server.address().port();
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    assert_eq!(server.url(), format!("http://127.0.0.1:{port}/"));

    let as_localhost = get_as(
        address,
        &format!("localhost:{port}"),
        "/articles/market-reopens/",
    );
    assert_eq!(as_localhost.status, 200);
    let html = as_localhost.text();
    assert!(
        html.contains(&format!(
            "href=\"http://localhost:{port}/articles/market-reopens/\""
        )),
        "the canonical link does not follow the host:\n{html}"
    );
    assert!(
        !html.contains("127.0.0.1"),
        "a link still leads to 127.0.0.1"
    );
    let feed = get_as(address, &format!("192.0.2.7:{port}"), "/feed.xml").text();
    assert!(feed.contains(&format!("http://192.0.2.7:{port}/articles/market-reopens/")));
    assert!(!feed.contains("127.0.0.1"));
    // The 404 page is a page of the site too.
    let missing = get_as(address, &format!("localhost:{port}"), "/no-such-page/");
    assert_eq!(missing.status, 404);
    assert!(!missing.text().contains("127.0.0.1"));

    // Opened at the address it was built for, nothing changes; a Host that
    // is not a plain name is not written into pages.
    let plain = get_as(
        address,
        &format!("127.0.0.1:{port}"),
        "/articles/market-reopens/",
    );
    assert!(plain.text().contains(&format!(
        "href=\"http://127.0.0.1:{port}/articles/market-reopens/\""
    )));
    let odd = get_as(address, "a\"b", "/articles/market-reopens/").text();
    assert!(!odd.contains("a\"b/"));
    server.stop();
}

/// A client that connects and never finishes its request is cut off after
/// the header-read timeout, while an open tab's event stream, quiet for
/// longer than that, still gets the next reload.
#[test]
fn a_stalled_client_is_cut_off_but_a_quiet_event_stream_is_not() {
    let site = serve_site();
    let (server, mut events) = serve_in_process(&site);

    let started = Instant::now();
    let mut stalled = TcpStream::connect(server.address()).unwrap();
    stalled.set_read_timeout(Some(WAIT)).unwrap();
    write!(stalled, "GET / HTTP/1.1\r\nHost: {}\r\n", server.address()).unwrap();
    // The server answers (408) or just closes; either way the read ends.
    let mut answer = Vec::new();
    let _ = stalled.read_to_end(&mut answer);
    let waited = started.elapsed();
    let timeout = digest_site::serve::http::HEADER_READ_TIMEOUT;
    assert!(
        waited >= timeout && waited < WAIT,
        "the stalled client was cut off after {waited:?}"
    );

    save_atomically(
        &site.path("content/2024-05-02-market-reopens.md"),
        &market_article("Market hall reopens after a long quiet"),
    );
    events.wait_for("reload", WAIT);
    let front = get(server.address(), "/");
    assert!(front
        .text()
        .contains("Market hall reopens after a long quiet"));
    server.stop();
}

#[test]
fn serve_never_answers_with_a_file_outside_the_site() {
    let site = serve_site();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    write_file(&secret, b"TOP-SECRET-CONTENT");
    std::os::unix::fs::symlink(&secret, site.path("static/leak.txt")).unwrap();
    std::os::unix::fs::symlink(outside.path(), site.path("static/elsewhere")).unwrap();
    write_file(&site.path("secret-in-root.txt"), b"TOP-SECRET-CONTENT");
    let server = ServeProcess::start(site.root());
    let address = server.address;

    let secret_path = secret.display().to_string();
    let attempts = [
        "/../secret-in-root.txt".to_string(),
        "/../../../../../../etc/passwd".into(),
        "/articles/../../secret-in-root.txt".into(),
        "/%2e%2e/secret-in-root.txt".into(),
        "/%2E%2E/%2E%2E/%2E%2E/etc/passwd".into(),
        "/.%2e/.%2e/etc/passwd".into(),
        "/..%2fsecret-in-root.txt".into(),
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd".into(),
        "/..\\secret-in-root.txt".into(),
        "/%5c..%5csecret-in-root.txt".into(),
        "/..%5c..%5cetc%5cpasswd".into(),
        "/%252e%252e/secret-in-root.txt".into(),
        "//etc/passwd".into(),
        format!("/{secret_path}"),
        format!("/{}", secret_path.replace('/', "%2f")),
        "/C:/Windows/win.ini".into(),
        "/leak.txt".into(),
        "/elsewhere/secret.txt".into(),
        "/secret-in-root.txt".into(),
        "/site.toml".into(),
        "/content/2024-05-02-market-reopens.md".into(),
        "/index.html%00.txt".into(),
    ];
    for target in &attempts {
        let response = get(address, target);
        assert!(
            response.status == 400 || response.status == 404,
            "{target} answered {}",
            response.status
        );
        let text = response.text();
        assert!(!text.contains("TOP-SECRET"), "{target} leaked the secret");
        assert!(!text.contains("root:x:0:0"), "{target} leaked /etc/passwd");
        assert!(
            !text.contains("slug: market-reopens"),
            "{target} leaked an input"
        );
    }
    // A request target that is not a path at all is refused too.
    let raw = get(address, "../secret-in-root.txt");
    assert!(raw.status == 400 || raw.status == 404, "{}", raw.status);
    assert!(
        server.stderr().contains("static/leak.txt"),
        "no warning about the link out of static/:\n{}",
        server.stderr()
    );
    // And the server is still fine.
    assert_eq!(get(address, "/").status, 200);
}

#[test]
fn serve_stays_up_under_200_connections_and_clients_that_hang_up() {
    let site = serve_site();
    let server = ServeProcess::start(site.root());
    let address = server.address;

    // Clients that connect and give up half-way: after part of the request
    // line, after the headers without reading, or at once.
    let mut idle = Vec::new();
    for step in 0..60 {
        let mut stream = TcpStream::connect(address).unwrap();
        match step % 3 {
            0 => stream.write_all(b"GET /artic").unwrap(),
            1 => stream
                .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap(),
            _ => {}
        }
        if step % 2 == 0 {
            idle.push(stream);
        }
    }
    // 200 clients at the same time, while the half-done ones hang on.
    let handles: Vec<_> = (0..200)
        .map(|index| {
            thread::spawn(move || {
                let target = if index % 2 == 0 {
                    "/"
                } else {
                    "/articles/market-reopens/"
                };
                get(address, target).status
            })
        })
        .collect();
    // Event streams count as connections too.
    let streams: Vec<Events> = (0..20).map(|_| Events::connect(address)).collect();
    let statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    drop(idle);
    drop(streams);
    assert_eq!(get(address, "/").status, 200);
}

#[test]
fn an_edit_reloads_tabs_and_a_stylesheet_change_only_swaps_styles() {
    let site = serve_site();
    let server = ServeProcess::start(site.root());
    let address = server.address;
    let mut events = Events::connect(address);
    let hello = events.wait_for("hello", WAIT);
    let first = hello.data["generation"].as_u64().unwrap();
    assert_eq!(hello.data["problems"], serde_json::json!([]));

    // An edit.
    save_atomically(
        &site.path("content/2024-05-02-market-reopens.md"),
        &market_article("Market hall reopens with a new glass roof"),
    );
    let reload = events.wait_for("reload", WAIT);
    assert!(reload.data["generation"].as_u64().unwrap() > first);
    let page = get(address, "/articles/market-reopens/").text();
    assert!(page.contains("Market hall reopens with a new glass roof"));
    assert!(!page.contains(MARKET_TITLE));

    // A stylesheet alone: a `css` event naming it, no reload.
    site.write("static/style.css", "body { background: rgb(0, 0, 0); }\n");
    let css = events.wait_for("css", WAIT);
    assert_eq!(css.data["paths"], serde_json::json!(["/style.css"]));
    assert_eq!(
        get(address, "/style.css").text(),
        "body { background: rgb(0, 0, 0); }\n"
    );

    // A new file.
    site.write(
        "content/2024-05-04-bakery.md",
        "---\ntitle: Old bakery becomes a community kitchen\ndate: 2024-05-04T08:00:00Z\ntopics: [Town]\nslug: bakery\n---\nThe old bakery on Mill Lane opens as a community kitchen next month.\n",
    );
    events.wait_for("reload", WAIT);
    assert_eq!(get(address, "/articles/bakery/").status, 200);

    // A rename.
    std::fs::rename(
        site.path("content/2024-05-04-bakery.md"),
        site.path("content/2024-05-04-community-kitchen.md"),
    )
    .unwrap();
    // The slug is in the front matter, so the page may not change; the
    // server must still rebuild and keep serving it.
    let deadline = Instant::now() + WAIT;
    while !server.stdout().contains("community-kitchen.md") {
        assert!(
            Instant::now() < deadline,
            "no rebuild after a rename:\n{}",
            server.stdout()
        );
        thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(get(address, "/articles/bakery/").status, 200);

    // A deletion.
    std::fs::remove_file(site.path("content/2024-05-04-community-kitchen.md")).unwrap();
    events.wait_for("reload", WAIT);
    assert_eq!(get(address, "/articles/bakery/").status, 404);

    // A template override.
    let theme_404 = get(address, "/404.html").text();
    site.write(
        "templates/404.html",
        "<!doctype html><title>Lost</title><p>Nothing here, sorry.</p>\n",
    );
    events.wait_for("reload", WAIT);
    let custom = get(address, "/nowhere/");
    assert_eq!(custom.status, 404);
    assert_ne!(custom.text(), theme_404);
    assert!(custom.text().contains("Nothing here, sorry."));
}

#[test]
fn a_broken_file_keeps_the_last_good_site_and_recovery_clears_the_problem() {
    let site = serve_site();
    let server = ServeProcess::start(site.root());
    let address = server.address;
    let mut events = Events::connect(address);
    events.wait_for("hello", WAIT);

    let article = site.path("content/2024-05-02-market-reopens.md");
    let broken = market_article(MARKET_TITLE).replace("topics: [Town]", "topics: [Town");
    save_atomically(&article, &broken);
    let problem = events.wait_for("broken", WAIT);
    let problems = problem.data["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["path"], "content/2024-05-02-market-reopens.md");
    assert!(problems[0]["line"].as_u64().is_some(), "{problems:?}");
    assert!(!problems[0]["message"].as_str().unwrap().is_empty());

    // The last good site is still served.
    let page = get(address, "/articles/market-reopens/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains(MARKET_TITLE));
    // A tab opened now learns of the problem at once.
    let mut late = Events::connect(address);
    let hello = late.wait_for("hello", WAIT);
    assert_eq!(
        hello.data["problems"][0]["path"],
        "content/2024-05-02-market-reopens.md"
    );
    // The terminal says the same.
    let deadline = Instant::now() + WAIT;
    while !server
        .stderr()
        .contains("content/2024-05-02-market-reopens.md:")
    {
        assert!(Instant::now() < deadline, "terminal: {}", server.stderr());
        thread::sleep(Duration::from_millis(50));
    }

    // Fixing the file clears it by itself: a good build that changed nothing
    // says `fixed`, one that changed pages says `reload`.
    save_atomically(&article, &market_article("Covered market is open again"));
    let recovered = loop {
        let event = events.next(WAIT).expect("no event after the fix");
        if event.name == "reload" || event.name == "fixed" {
            break event;
        }
        assert_ne!(
            event.name, "broken",
            "still broken after the fix: {event:?}"
        );
    };
    assert_eq!(recovered.name, "reload");
    let hello = Events::connect(address).wait_for("hello", WAIT);
    assert_eq!(hello.data["problems"], serde_json::json!([]));
    assert!(get(address, "/articles/market-reopens/")
        .text()
        .contains("Covered market is open again"));

    // Breaking a template works the same way.
    site.write("templates/article.html", "{% if %}\n");
    let problem = events.wait_for("broken", WAIT);
    assert!(problem.data["problems"][0]["path"]
        .as_str()
        .unwrap()
        .contains("article.html"));
    std::fs::remove_file(site.path("templates/article.html")).unwrap();
    let fixed = events
        .next(WAIT)
        .expect("no event after removing the bad template");
    assert!(fixed.name == "fixed" || fixed.name == "reload", "{fixed:?}");
}

#[test]
fn a_site_that_never_built_is_served_as_its_problems() {
    let site = serve_site();
    site.write(
        "content/2024-05-02-market-reopens.md",
        "---\ntitle: [unclosed\n---\nbody\n",
    );
    let server = ServeProcess::start(site.root());
    let address = server.address;
    let page = get(address, "/");
    assert_eq!(page.status, 503);
    assert!(page.text().contains("/__digest/live.js"));
    let mut events = Events::connect(address);
    let hello = events.wait_for("hello", WAIT);
    assert_eq!(
        hello.data["problems"][0]["path"],
        "content/2024-05-02-market-reopens.md"
    );
    site.write(
        "content/2024-05-02-market-reopens.md",
        market_article(MARKET_TITLE),
    );
    events.wait_for("reload", WAIT);
    assert_eq!(get(address, "/").status, 200);
}

#[test]
fn ctrl_c_stops_serve_cleanly_and_leaves_the_site_as_it_was() {
    let site = serve_site();
    let before = tree(site.root());
    let mut server = ServeProcess::start(site.root());
    let _events = Events::connect(server.address);
    assert_eq!(get(server.address, "/").status, 200);
    let status = server.interrupt();
    assert!(
        status.success(),
        "exit status {status:?}\n{}",
        server.stderr()
    );
    assert!(server.stdout().contains("stopped"));
    assert_eq!(tree(site.root()), before, "serve left files behind");
    assert!(
        TcpStream::connect(server.address).is_err(),
        "still listening"
    );
}

#[test]
fn a_taken_port_moves_serve_to_the_next_free_one() {
    let site = serve_site();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let server = ServeProcess::start_on(site.root(), &port);
    assert_ne!(server.address.port().to_string(), port);
    assert!(
        server.stderr().contains(&format!(
            "port {port} is in use; serving on port {} instead",
            server.address.port()
        )),
        "{}",
        server.stderr()
    );
    assert_eq!(get(server.address, "/").status, 200);
}

#[test]
fn serve_without_a_site_says_what_to_do() {
    let empty = Fixture::empty();
    let run = empty.run(&["serve", "--port", "0"]);
    run.assert_code(1);
    assert!(run.stderr.contains("digest init"), "{}", run.stderr);
}

#[test]
fn an_article_edit_serves_the_same_pages_a_full_build_gives() {
    let site = serve_site();
    let (server, mut events) = serve_in_process(&site);

    // The edit keeps slug, date and topics: only the pages showing the
    // article are rendered again, and they must match a full build.
    save_atomically(
        &site.path("content/2024-05-02-market-reopens.md"),
        &market_article("Market hall reopens with forty stalls").replace(
            "Forty stalls were back on the first day.",
            "Forty stalls and a new cafe were back on the first day.",
        ),
    );
    events.wait_for("reload", WAIT);
    let full = digest_site::generate(&digest_site::BuildOptions {
        root: site.root().to_path_buf(),
        base_url: Some(server.url().to_string()),
        live_reload: true,
        ..digest_site::BuildOptions::default()
    })
    .unwrap();
    // Feeds, sitemap and search index follow the reload message by a
    // moment: wait for the served site to settle, then it must be equal.
    let difference = || {
        let snapshot = server.snapshot();
        for page in &full.pages {
            let key = page.path.to_string_lossy().replace('\\', "/");
            match snapshot.site.get(&key) {
                None => return Some(format!("`{key}` is not served")),
                Some(digest_site::serve::site::Body::Bytes(bytes)) => {
                    if bytes.as_ref() != page.bytes.as_slice() {
                        return Some(format!("`{key}` differs from a full build"));
                    }
                }
                // A file of `static/` wins over the theme's page, as in a
                // build.
                Some(_) if key == "style.css" => {}
                Some(_) => return Some(format!("`{key}` is served from a file")),
            }
        }
        None
    };
    let deadline = Instant::now() + WAIT;
    while let Some(problem) = difference() {
        assert!(Instant::now() < deadline, "{problem}");
        thread::sleep(Duration::from_millis(50));
    }
    let snapshot = server.snapshot();
    // The static files come on top of the pages.
    assert_eq!(snapshot.site.len(), full.pages.len() + 1);
    server.stop();
}

/// The pages of `data` rendered in full, by path.
fn render_all(
    data: digest_site::render::SiteData<'_>,
    theme: &digest_site::render::Theme,
    options: &digest_site::render::RenderOptions,
) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    digest_site::render::site(data, theme, options)
        .unwrap()
        .into_iter()
        .map(|page| (page.path, page.bytes))
        .collect()
}

/// What serve does after an edit in place, checked without timing on every
/// article of the demo site (threads, related stories, copies, a front page
/// of five days, paginated topics, feeds cut at three entries): the pages
/// `pages_showing` renders are the pages a full render gives, and every
/// page the edit changes is among them. The serve test above cannot tell a
/// missed page from one the settling full build fixed a moment later.
#[test]
fn an_edit_in_place_re_renders_every_page_it_changes_and_only_right_ones() {
    use digest_site::render::{pages_showing, Edit, Part, RenderOptions, SiteData, Theme};
    let root = crate::support::repo_root();
    let mut generated = digest_site::generate(&digest_site::BuildOptions {
        root: root.clone(),
        base_url: Some("http://127.0.0.1:1111/".into()),
        live_reload: true,
        ..digest_site::BuildOptions::default()
    })
    .unwrap();
    generated.config.feed_limit = 3;
    let theme = Theme::load(&root).unwrap();
    let options = RenderOptions { live_reload: true };
    fn data_of<'a>(
        generated: &'a digest_site::Generated,
        corpus: &'a digest_site::content::Corpus,
    ) -> SiteData<'a> {
        SiteData {
            config: &generated.config,
            corpus,
            analysis: &generated.analysis,
            digest: &generated.digest,
        }
    }
    let before = render_all(data_of(&generated, &generated.corpus), &theme, &options);
    let n_articles = generated.corpus.articles.len();
    assert!(n_articles > 20, "the demo site has {n_articles} articles");
    for idx in 0..n_articles {
        // Every other article gets an `updated` time, which the sitemap shows.
        let updated_changed = idx % 2 == 0;
        let mut corpus = generated.corpus.clone();
        let article = &mut corpus.articles[idx];
        article.title.push_str(" (edited)");
        article.summary.push_str(" Edited.");
        article.body_html.push_str("<p>An added paragraph.</p>\n");
        article.source = Some("Edited Wire".into());
        article.author = Some("A. Editor".into());
        if updated_changed {
            article.updated = Some(article.date + chrono::Duration::hours(5));
        }
        let edit = Edit {
            articles: [idx].into(),
            updated_changed,
        };
        let partial = pages_showing(
            data_of(&generated, &corpus),
            &theme,
            &options,
            &edit,
            Part::All,
        )
        .unwrap();
        let after = render_all(data_of(&generated, &corpus), &theme, &options);
        for page in &partial {
            assert!(
                after.get(&page.path) == Some(&page.bytes),
                "article {idx}: `{}` differs from a full render",
                page.path.display()
            );
        }
        let rendered: std::collections::BTreeSet<_> = partial.iter().map(|p| &p.path).collect();
        for (path, bytes) in &after {
            assert!(
                before.get(path) == Some(bytes) || rendered.contains(path),
                "article {idx}: the edit changed `{}`, which was not rendered again",
                path.display()
            );
        }
    }
}

#[test]
fn after_article_edits_a_small_site_brings_its_analysis_up_to_date_by_itself() {
    let site = serve_site();
    let server = ServeProcess::start(site.root());
    let mut events = Events::connect(server.address);
    events.wait_for("hello", WAIT);
    save_atomically(
        &site.path("content/2024-05-02-market-reopens.md"),
        &market_article("Market reopens and the library extends its evening opening hours"),
    );
    events.wait_for("reload", WAIT);
    // The edit re-rendered only the pages showing the article, with the
    // analysis of its old text; once the site is left alone a full build
    // redoes the analysis.
    let deadline = Instant::now() + WAIT;
    loop {
        let stdout = server.stdout();
        if stdout.contains("(pages of the edited articles)")
            && stdout.contains("related stories and threads brought up to date")
        {
            break;
        }
        assert!(Instant::now() < deadline, "no settling build:\n{stdout}");
        thread::sleep(Duration::from_millis(100));
    }
}
