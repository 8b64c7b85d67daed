//! `digest serve` in a real browser (issue 4): headless Chromium, driven
//! over its DevTools protocol (a WebSocket), shows the front page; edits on
//! disk then show up with no action in the browser, a stylesheet change is
//! swapped in without a reload, a broken article shows the overlay with its
//! file and line, and the fix clears it.
//!
//! Needs Chromium: `DIGEST_CHROMIUM` names it (`scripts/test` sets it);
//! without it the test says loudly that it skipped, and fails under
//! `DIGEST_REQUIRE_TOOLS=1`, as CI runs.

// Helpers outside `#[test]` functions unwrap too: a failure there is a
// failed test, which is what it should be.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

use crate::serve::{market_article, save_atomically, serve_site, ServeProcess, MARKET_TITLE};
use crate::support::require_tool;

/// Chromium's first start in a fresh profile can be slow on a busy machine.
const WAIT: Duration = Duration::from_secs(60);

/// A headless Chromium, killed on drop (its profile folder is a temp dir).
struct Chromium {
    // Held for its `Drop`, which ends the browser.
    _child: KillOnDrop,
    _profile: tempfile::TempDir,
    page: WebSocket<TcpStream>,
    next_id: u64,
}

impl Chromium {
    /// Starts Chromium on `url` and connects to that page's DevTools.
    fn open(binary: &Path, url: &str) -> Chromium {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start Chromium");
        let stderr = child.stderr.take().expect("piped stderr");
        // From here on a failed step kills the browser on its way out.
        let child = KillOnDrop(child);
        let (lines_tx, lines) = mpsc::channel();
        thread::spawn(move || {
            // Chromium keeps writing to stderr; drain it so it never blocks.
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                let _ = lines_tx.send(line);
            }
        });
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        let browser_ws = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(at) = line.find("ws://") {
                        break line[at..].trim().to_string();
                    }
                    seen.push(line);
                }
                Err(_) => {
                    panic!(
                        "Chromium gave no DevTools address within {WAIT:?}:\n{}",
                        seen.join("\n")
                    );
                }
            }
        };
        let host = browser_ws
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap()
            .to_string();
        let page_ws = loop {
            let targets = http_json(&host, "/json/list");
            let page = targets.as_array().and_then(|targets| {
                targets
                    .iter()
                    .find(|t| {
                        t["type"] == "page" && t["url"].as_str().is_some_and(|u| u.starts_with(url))
                    })
                    .and_then(|t| t["webSocketDebuggerUrl"].as_str().map(str::to_string))
            });
            if let Some(page) = page {
                break page;
            }
            assert!(Instant::now() < deadline, "no page target in {targets}");
            thread::sleep(Duration::from_millis(100));
        };
        let stream = TcpStream::connect(&host).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let (page, _) = tungstenite::client(page_ws.as_str(), stream).expect("DevTools handshake");
        Chromium {
            _child: child,
            _profile: profile,
            page,
            next_id: 0,
        }
    }

    /// Evaluates `expression` in the page; `None` while the page is between
    /// documents (a reload in progress) or the expression threw.
    fn evaluate(&mut self, expression: &str) -> Option<Value> {
        self.next_id += 1;
        let id = self.next_id;
        let call = json!({
            "id": id,
            "method": "Runtime.evaluate",
            "params": {"expression": expression, "returnByValue": true},
        });
        self.page
            .send(Message::text(call.to_string()))
            .expect("send to Chromium");
        loop {
            let message = self.page.read().expect("read from Chromium");
            let Message::Text(text) = message else {
                continue;
            };
            let reply: Value = serde_json::from_str(text.as_str()).ok()?;
            if reply["id"] != id {
                // An event or a late reply; not ours.
                continue;
            }
            if reply.get("error").is_some() || reply["result"].get("exceptionDetails").is_some() {
                return None;
            }
            return Some(reply["result"]["result"]["value"].clone());
        }
    }

    /// Waits until `expression` is `true` in the page.
    fn wait_until(&mut self, expression: &str, what: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            if self.evaluate(expression) == Some(Value::Bool(true)) {
                return;
            }
            if Instant::now() > deadline {
                let text = self.evaluate("document.documentElement.outerHTML");
                panic!("{what}: not seen within {WAIT:?}; the page is:\n{text:?}");
            }
            thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A child process killed (and reaped) when dropped.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // SIGTERM first: Chromium then ends its helper processes itself
        // instead of leaving them behind; SIGKILL if it takes too long.
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET path` on `host` (DevTools' own HTTP endpoint), as JSON. Chromium
/// keeps the connection open, so the body is read by its length.
fn http_json(host: &str, path: &str) -> Value {
    let stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    write!(
        reader.get_mut(),
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        if line == "\r\n" || line.is_empty() {
            break;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    serde_json::from_slice(&body).unwrap_or(Value::Null)
}

fn body_has(text: &str) -> String {
    format!(
        "(document.body !== null && document.body.innerText.includes({}))",
        json!(text)
    )
}

#[test]
fn edits_show_up_in_a_real_browser_and_a_broken_article_shows_the_overlay() {
    let Some(chromium) = require_tool("DIGEST_CHROMIUM") else {
        return;
    };
    let site = serve_site();
    let server = ServeProcess::start(site.root());
    let mut browser = Chromium::open(&chromium, &server.url("/"));

    browser.wait_until(
        &format!(
            "document.documentElement.getAttribute('data-digest-live') === 'connected' && {}",
            body_has(MARKET_TITLE)
        ),
        "the front page, listening for changes",
    );

    // Change the title on disk: the page shows it with no action here.
    let article = site.path("content/2024-05-02-market-reopens.md");
    save_atomically(
        &article,
        &market_article("Market hall reopens under a new roof"),
    );
    browser.wait_until(
        &format!(
            "{} && !{}",
            body_has("Market hall reopens under a new roof"),
            body_has(MARKET_TITLE)
        ),
        "the new title",
    );
    browser.wait_until(
        "document.documentElement.getAttribute('data-digest-live') === 'connected'",
        "the reloaded page listening again",
    );

    // A stylesheet change is swapped in; the page is not reloaded (the
    // marker set on this document survives).
    browser.evaluate("window.__digestMarker = 'kept'; true");
    site.write("static/style.css", "body { background: rgb(0, 128, 0); }\n");
    browser.wait_until(
        "getComputedStyle(document.body).backgroundColor === 'rgb(0, 128, 0)'",
        "the new stylesheet",
    );
    assert_eq!(
        browser.evaluate("window.__digestMarker"),
        Some(json!("kept")),
        "a stylesheet change reloaded the page"
    );

    // Break the front matter: the overlay names the file and line.
    let broken = market_article("Market hall reopens under a new roof")
        .replace("topics: [Town]", "topics: [Town");
    save_atomically(&article, &broken);
    browser.wait_until(
        "(() => { const o = document.getElementById('__digest_overlay'); \
         return o !== null && /content\\/2024-05-02-market-reopens\\.md:\\d+/.test(o.innerText); })()",
        "the error overlay with file and line",
    );
    // The last good site is still what the page shows under it.
    assert_eq!(
        browser.evaluate(&body_has("Market hall reopens under a new roof")),
        Some(json!(true))
    );

    // Fix it: the overlay goes and the site is back.
    save_atomically(&article, &market_article("Market hall is open again"));
    browser.wait_until(
        &format!(
            "document.getElementById('__digest_overlay') === null && {}",
            body_has("Market hall is open again")
        ),
        "the fixed site without the overlay",
    );
}
