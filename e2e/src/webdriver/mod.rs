//! A minimal W3C WebDriver client of our own, over `reqwest` on tokio.
//!
//! Why our own: the tests need two dozen commands against one remote end (WebKitWebDriver,
//! directly or behind tauri-driver); a small client keeps the dependency tree lean and lets
//! every failure carry what a UI test needs to be debugged from CI output alone: the
//! command, the W3C error code and, for waits, the page's visible text.
//!
//! Every call is bounded: each HTTP request has a timeout ([`COMMAND_TIMEOUT`], or
//! [`SESSION_TIMEOUT`] for starting a session, which launches the app), and every wait polls
//! until its own deadline (see [`Session::wait_for`]).

mod element;
mod wait;

pub use element::Element;

use crate::error::{Error, Result};
use base64::Engine as _;
use reqwest::Method;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Bound on any one WebDriver command.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// Bound on creating a session (the driver launches the browser or app).
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(90);
/// How long waits wait unless told otherwise ([`Session::set_default_timeout`]); the
/// environment variable `E2E_WAIT_SECS` overrides it for slow machines.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(15);

/// Web element identifier key of the W3C protocol.
pub const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Special keys for [`Element::send_keys`] (W3C key codes).
pub mod keys {
    /// Enter / Return.
    pub const ENTER: &str = "\u{E007}";
    /// Tab.
    pub const TAB: &str = "\u{E004}";
    /// Backspace.
    pub const BACKSPACE: &str = "\u{E003}";
    /// Escape.
    pub const ESCAPE: &str = "\u{E00C}";
}

/// A window's position and outer size, as the driver reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left edge on the screen.
    pub x: i32,
    /// Top edge on the screen.
    pub y: i32,
    /// Outer width.
    pub width: u32,
    /// Outer height.
    pub height: u32,
}

/// The HTTP connection to one session: `{driver}/session/{id}`. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Conn {
    http: reqwest::Client,
    session_url: Arc<str>,
}

impl Conn {
    /// Sends a command to `{session_url}{path}` and returns its `value`.
    pub(crate) async fn call(&self, method: Method, path: &str, body: Option<Value>, command: &str) -> Result<Value> {
        let url = format!("{}{path}", self.session_url);
        send(&self.http, method, &url, body, command, COMMAND_TIMEOUT).await
    }
}

/// Sends one WebDriver request and unwraps `{"value": ...}` or the W3C error in it.
async fn send(
    http: &reqwest::Client,
    method: Method,
    url: &str,
    body: Option<Value>,
    command: &str,
    timeout: Duration,
) -> Result<Value> {
    let transport = |source| Error::Transport { command: format!("WebDriver {command}"), url: url.to_string(), source };
    let mut req = http.request(method.clone(), url).timeout(timeout);
    // W3C: POST bodies are JSON objects, even when the command takes no parameters.
    if method == Method::POST {
        req = req.json(&body.unwrap_or_else(|| json!({})));
    }
    let resp = req.send().await.map_err(transport)?;
    let status = resp.status();
    let text = resp.text().await.map_err(transport)?;
    let parsed: Value = serde_json::from_str(&text).map_err(|e| Error::Protocol {
        command: command.to_string(),
        detail: format!("HTTP {status}, not JSON ({e}): {}", excerpt(&text, 300)),
    })?;
    let mut value = match parsed {
        Value::Object(mut o) if o.contains_key("value") => o.remove("value").unwrap_or(Value::Null),
        other => {
            return Err(Error::Protocol {
                command: command.to_string(),
                detail: format!("HTTP {status}, no `value`: {}", excerpt(&other.to_string(), 300)),
            })
        }
    };
    // W3C errors always come with a 4xx/5xx status; a script may return `{error: ...}` with 200.
    if let (false, Some(code)) = (status.is_success(), value.get("error").and_then(Value::as_str)) {
        return Err(Error::WebDriver {
            command: command.to_string(),
            status: status.as_u16(),
            code: code.to_string(),
            message: value.get("message").and_then(Value::as_str).unwrap_or("").to_string(),
        });
    }
    if !status.is_success() {
        return Err(Error::Protocol {
            command: command.to_string(),
            detail: format!("HTTP {status} without a W3C error: {}", excerpt(&value.take().to_string(), 300)),
        });
    }
    Ok(value)
}

/// At most `max` characters of `s`, marked when cut.
pub(crate) use test_support::excerpt;

/// A WebDriver session: one browser or app window under remote control.
///
/// Deleting it ([`Session::delete`]) closes the window; dropping it does nothing (the
/// process owner — [`crate::app::App`] — kills what is left).
pub struct Session {
    conn: Conn,
    driver_url: String,
    id: String,
    capabilities: Value,
    timeout: Duration,
}

impl Session {
    /// Starts a session on the driver at `driver_url` (`http://127.0.0.1:4444`) with the
    /// full new-session body, e.g. `{"capabilities": {"alwaysMatch": {...}}}`.
    pub async fn new(driver_url: &str, capabilities: Value) -> Result<Session> {
        let http = reqwest::Client::builder().build().map_err(|source| Error::Transport {
            command: "build HTTP client".into(),
            url: driver_url.into(),
            source,
        })?;
        let driver_url = driver_url.trim_end_matches('/').to_string();
        let url = format!("{driver_url}/session");
        let value = send(&http, Method::POST, &url, Some(capabilities), "new session", SESSION_TIMEOUT).await?;
        let id = value.get("sessionId").and_then(Value::as_str).ok_or_else(|| Error::Protocol {
            command: "new session".into(),
            detail: format!("no sessionId in {}", excerpt(&value.to_string(), 300)),
        })?;
        let timeout = std::env::var("E2E_WAIT_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_WAIT);
        Ok(Session {
            conn: Conn { http, session_url: format!("{url}/{id}").into() },
            id: id.to_string(),
            capabilities: value.get("capabilities").cloned().unwrap_or(Value::Null),
            driver_url,
            timeout,
        })
    }

    /// The session id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The capabilities the driver granted (browser name and version, `setWindowRect`, …).
    pub fn capabilities(&self) -> &Value {
        &self.capabilities
    }

    /// The driver this session runs on.
    pub fn driver_url(&self) -> &str {
        &self.driver_url
    }

    /// How long waits without an explicit timeout wait.
    pub fn default_timeout(&self) -> Duration {
        self.timeout
    }

    /// Changes how long waits without an explicit timeout wait.
    pub fn set_default_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Ends the session; the driver closes the window (and the app exits).
    pub async fn delete(self) -> Result<()> {
        self.conn.call(Method::DELETE, "", None, "delete session").await.map(drop)
    }

    /// Navigates to `url` (for pages in a plain browser; the app loads its own UI).
    pub async fn goto(&self, url: &str) -> Result<()> {
        self.conn.call(Method::POST, "/url", Some(json!({ "url": url })), "navigate").await.map(drop)
    }

    /// The current URL.
    pub async fn current_url(&self) -> Result<String> {
        let v = self.conn.call(Method::GET, "/url", None, "get current URL").await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// The document title.
    pub async fn title(&self) -> Result<String> {
        let v = self.conn.call(Method::GET, "/title", None, "get title").await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// The first element matching the CSS selector, now (no waiting).
    pub async fn find(&self, css: &str) -> Result<Element> {
        let body = json!({ "using": "css selector", "value": css });
        let v = self.conn.call(Method::POST, "/element", Some(body), &format!("find element `{css}`")).await?;
        Element::from_value(&self.conn, css, &v)
    }

    /// Every element matching the CSS selector, now (possibly none).
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let body = json!({ "using": "css selector", "value": css });
        let v = self.conn.call(Method::POST, "/elements", Some(body), &format!("find elements `{css}`")).await?;
        Element::list_from_value(&self.conn, css, &v)
    }

    /// Runs `script` as a function body in the page (`return ...;` gives the result); `args`
    /// are its `arguments` (an [`Element::to_json`] becomes the DOM element).
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        let body = json!({ "script": script, "args": args });
        self.conn.call(Method::POST, "/execute/sync", Some(body), &format!("execute `{}`", excerpt(script, 80))).await
    }

    /// Like [`Session::execute`], but the script finishes by calling its last argument (the
    /// callback) with the result; bounded by the session's script timeout (30 s default).
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        let body = json!({ "script": script, "args": args });
        let command = format!("execute async `{}`", excerpt(script, 80));
        self.conn.call(Method::POST, "/execute/async", Some(body), &command).await
    }

    /// Sets the script timeout that bounds [`Session::execute_async`].
    pub async fn set_script_timeout(&self, timeout: Duration) -> Result<()> {
        let body = json!({ "script": timeout.as_millis() as u64 });
        self.conn.call(Method::POST, "/timeouts", Some(body), "set timeouts").await.map(drop)
    }

    /// The window's position and outer size.
    pub async fn window_rect(&self) -> Result<Rect> {
        let v = self.conn.call(Method::GET, "/window/rect", None, "get window rect").await?;
        rect_from(&v, "get window rect")
    }

    /// Moves and resizes the window; returns the rect the driver reports afterwards (the
    /// window manager or the app's minimum size may not grant what was asked).
    pub async fn set_window_rect(&self, rect: Rect) -> Result<Rect> {
        let body = json!({ "x": rect.x, "y": rect.y, "width": rect.width, "height": rect.height });
        let v = self.conn.call(Method::POST, "/window/rect", Some(body), "set window rect").await?;
        rect_from(&v, "set window rect")
    }

    /// Resizes the window, leaving its position; returns the rect afterwards.
    pub async fn set_window_size(&self, width: u32, height: u32) -> Result<Rect> {
        let body = json!({ "width": width, "height": height });
        let v = self.conn.call(Method::POST, "/window/rect", Some(body), "set window size").await?;
        rect_from(&v, "set window size")
    }

    /// A PNG screenshot of the page.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        let v = self.conn.call(Method::GET, "/screenshot", None, "take screenshot").await?;
        decode_png(&v, "take screenshot")
    }

    /// Takes a screenshot and writes it to `path` (parent directories are created).
    pub async fn save_screenshot(&self, path: &Path) -> Result<()> {
        let png = self.screenshot().await?;
        write_file(path, &png)
    }

    /// The serialized DOM.
    pub async fn page_source(&self) -> Result<String> {
        let v = self.conn.call(Method::GET, "/source", None, "get page source").await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// The text a user sees on the page (`document.body.innerText`).
    pub async fn visible_text(&self) -> Result<String> {
        let v = self.execute("return document.body ? document.body.innerText : '';", vec![]).await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }
}

fn rect_from(v: &Value, command: &str) -> Result<Rect> {
    let num = |k: &str| {
        v.get(k)
            .and_then(Value::as_f64)
            .ok_or_else(|| Error::Protocol { command: command.to_string(), detail: format!("no numeric `{k}` in {v}") })
    };
    Ok(Rect {
        x: num("x")?.round() as i32,
        y: num("y")?.round() as i32,
        width: num("width")?.round().max(0.0) as u32,
        height: num("height")?.round().max(0.0) as u32,
    })
}

pub(crate) fn decode_png(v: &Value, command: &str) -> Result<Vec<u8>> {
    let b64 = v.as_str().ok_or_else(|| Error::Protocol { command: command.into(), detail: "not a string".into() })?;
    let png = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| Error::Protocol { command: command.into(), detail: format!("not base64: {e}") })?;
    if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(Error::Protocol { command: command.into(), detail: "the screenshot is not a PNG".into() });
    }
    Ok(png)
}

pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            action: "cannot create",
            path: dir.into(),
            source,
        })?;
    }
    std::fs::write(path, bytes).map_err(|source| Error::Io { action: "cannot write", path: path.into(), source })
}
