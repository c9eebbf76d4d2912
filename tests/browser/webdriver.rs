//! A small W3C WebDriver client over reqwest: starts chromedriver on a free
//! loopback port, opens one headless Chromium session with a fresh profile,
//! and kills both on drop. Only what the browser tests need.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

use crate::process::{chromedriver, chromium, delete_session, free_port, kill_leftovers, missing};

/// The key W3C WebDriver uses for element references.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long a wait polls by default.
pub const WAIT: Duration = Duration::from_secs(15);

/// An element found on the page.
#[derive(Debug, Clone)]
pub struct Element(String);

/// One chromedriver with one browser session.
pub struct Browser {
    http: reqwest::Client,
    session: String,
    port: u16,
    driver: Child,
    profile: tempfile::TempDir,
    shots: PathBuf,
    step: u32,
}

impl Browser {
    /// A headless Chromium for test `name`, or `None` (after printing
    /// `SKIPPED: …`) when Chromium or chromedriver is missing, unless
    /// `SUPPORTBOT_REQUIRE_BROWSER=1` makes that a failure.
    pub async fn launch(name: &str) -> Option<Browser> {
        if let Some(reason) = missing() {
            if std::env::var("SUPPORTBOT_REQUIRE_BROWSER").as_deref() == Ok("1") {
                panic!("{name}: SUPPORTBOT_REQUIRE_BROWSER=1 but {reason}");
            }
            eprintln!("SKIPPED: {name}: {reason}");
            return None;
        }
        let port = free_port();
        let driver = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("profile dir");
        let shots = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/browser-screenshots")
            .join(name);
        let _ = std::fs::remove_dir_all(&shots);
        let mut browser = Browser {
            http: reqwest::Client::new(),
            session: String::new(),
            port,
            driver,
            profile,
            shots,
            step: 0,
        };
        browser.wait_for_driver().await;
        browser.session = browser.new_session().await;
        Some(browser)
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn wait_for_driver(&self) {
        let until = Instant::now() + WAIT;
        loop {
            let ready = self
                .http
                .get(format!("{}/status", self.base()))
                .send()
                .await;
            if let Ok(r) = ready {
                let status: Value = r.json().await.unwrap_or(Value::Null);
                if status["value"]["ready"] == true {
                    return;
                }
            }
            assert!(
                Instant::now() < until,
                "chromedriver not ready within {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn new_session(&self) -> String {
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1024,768",
        ];
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", self.profile.path().display()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium(), "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let response = self.raw("POST", "/session", Some(caps)).await;
        response["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {response}"))
            .to_owned()
    }

    /// One WebDriver command; its `value`, panicking on a WebDriver error.
    async fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base());
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or(json!({}))),
        };
        let response = request
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(
            status.is_success(),
            "WebDriver {method} {path}: {status} {body}"
        );
        body["value"].clone()
    }

    async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.raw(method, &path, body).await
    }

    /// Opens `url` (returns once the page has loaded).
    pub async fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url}))).await;
    }

    /// The first element matching CSS `selector`, if any.
    pub async fn find(&self, selector: &str) -> Option<Element> {
        let found = self
            .cmd(
                "POST",
                "/elements",
                Some(json!({"using": "css selector", "value": selector})),
            )
            .await;
        found.as_array()?.first()?[ELEMENT]
            .as_str()
            .map(|id| Element(id.to_owned()))
    }

    /// Clicks `element`.
    pub async fn click(&self, element: &Element) {
        self.cmd("POST", &format!("/element/{}/click", element.0), None)
            .await;
    }

    /// Types `text` into `element` (`\u{E007}` is Enter).
    pub async fn send_keys(&self, element: &Element, text: &str) {
        let path = format!("/element/{}/value", element.0);
        self.cmd("POST", &path, Some(json!({"text": text}))).await;
    }

    /// The rendered text of `element`.
    pub async fn text(&self, element: &Element) -> String {
        let path = format!("/element/{}/text", element.0);
        self.cmd("GET", &path, None)
            .await
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// Runs `script` (a function body) with `args`; its return value.
    pub async fn js(&self, script: &str, args: Value) -> Value {
        let body = json!({"script": script, "args": args});
        self.cmd("POST", "/execute/sync", Some(body)).await
    }

    /// Runs `script`, which calls `arguments[arguments.length - 1]` with its
    /// result, and returns that result.
    pub async fn js_async(&self, script: &str, args: Value) -> Value {
        let body = json!({"script": script, "args": args});
        self.cmd("POST", "/execute/async", Some(body)).await
    }

    /// Into the iframe `element`; `None` back to the top page.
    pub async fn frame(&self, element: Option<&Element>) {
        let id = element.map_or(Value::Null, |e| json!({ELEMENT: e.0}));
        self.cmd("POST", "/frame", Some(json!({"id": id}))).await;
    }

    /// Polls `script` until it returns something other than `null`/`false`
    /// and returns that; past `timeout`, a screenshot and a panic saying
    /// what was awaited and what the page showed.
    pub async fn wait_until(&mut self, what: &str, script: &str, timeout: Duration) -> Value {
        let until = Instant::now() + timeout;
        loop {
            let value = self.js(script, json!([])).await;
            if !value.is_null() && value != false {
                return value;
            }
            if Instant::now() >= until {
                let shot = self.screenshot("timeout").await;
                let body = self
                    .js(
                        "return document.body ? document.body.innerText : ''",
                        json!([]),
                    )
                    .await;
                panic!(
                    "timed out after {timeout:?} waiting for {what}; page text: {body}; \
                     screenshot: {}",
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Saves a PNG of the viewport as `NN-step.png`; its path.
    pub async fn screenshot(&mut self, step: &str) -> PathBuf {
        self.step += 1;
        let data = self.cmd("GET", "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or(""))
            .expect("screenshot is base64");
        std::fs::create_dir_all(&self.shots).expect("screenshot dir");
        let path = self.shots.join(format!("{:02}-{step}.png", self.step));
        std::fs::write(&path, png).expect("screenshot written");
        path
    }

    /// The browser console since the last call (`level`, `message`).
    pub async fn console(&self) -> Vec<(String, String)> {
        let logs = self
            .cmd("POST", "/se/log", Some(json!({"type": "browser"})))
            .await;
        logs.as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let text = |k: &str| e[k].as_str().unwrap_or("").to_owned();
                (text("level"), text("message"))
            })
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            delete_session(self.port, &self.session);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        kill_leftovers(self.profile.path());
    }
}
