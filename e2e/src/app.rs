//! Launching the real app (or, for the harness's own tests, a plain WebKitGTK browser)
//! under WebDriver control.
//!
//! How it fits together on Linux: `tauri-driver` (an intermediary on `--port`) starts
//! `WebKitWebDriver` (on `--native-port`); a new session whose capabilities carry
//! `tauri:options.application` makes WebKitWebDriver launch that binary with automation on.
//! Environment variables reach the app by inheritance (harness → tauri-driver →
//! WebKitWebDriver → app), so [`AppOptions::env`] sets them on the tauri-driver process —
//! that is how a test gives the app its own data directory (`STORE_APP_DATA_DIR`).
//!
//! Every process runs in its own process group and is killed with its descendants when the
//! [`App`] is dropped (see `process.rs`), so a failing test leaks nothing. Both driver ports
//! are picked free for each launch, so tests can run in parallel.

use crate::error::{Error, Result};
use crate::process::{descendants, find_executable, free_port, free_ports, profile_dir, ProcessGroup};
use crate::webdriver::Session;
use serde_json::{json, Value};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// WebKitGTK's test browser (Debian package `libwebkit2gtk-4.1-0`), used by the harness's
/// own tests in place of the app.
pub const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
/// Name of the store app's binary in the Cargo target directory.
pub const STORE_APP_BINARY: &str = "store-app";
/// How to install tauri-driver.
pub const INSTALL_TAURI_DRIVER: &str = "cargo install tauri-driver@2.1.0 --locked";
/// How to install WebKitWebDriver.
pub const INSTALL_WEBKIT_DRIVER: &str = "apt-get install webkit2gtk-driver";

/// What to launch and how.
#[derive(Debug, Clone)]
pub struct AppOptions {
    /// The app binary.
    pub application: PathBuf,
    /// Its command-line arguments.
    pub args: Vec<String>,
    /// Environment variables for the app (set on the driver, inherited by the app).
    pub env: Vec<(OsString, OsString)>,
    /// tauri-driver's port; a free one when `None`.
    pub port: Option<u16>,
    /// Bound on the drivers coming up and the session (app) starting.
    pub startup_timeout: Duration,
}

impl AppOptions {
    /// Launch `application` with no arguments and the harness's environment.
    pub fn new(application: impl Into<PathBuf>) -> AppOptions {
        AppOptions {
            application: application.into(),
            args: Vec::new(),
            env: Vec::new(),
            port: None,
            startup_timeout: Duration::from_secs(60),
        }
    }

    /// The store app: `$E2E_APP_BINARY`, else `store-app` beside the test binary
    /// (`target/debug/store-app`). Fails if it has not been built.
    pub fn store_app() -> Result<AppOptions> {
        let path = match std::env::var_os("E2E_APP_BINARY") {
            Some(p) => PathBuf::from(p),
            None => profile_dir().unwrap_or_default().join(STORE_APP_BINARY),
        };
        if !path.is_file() {
            return Err(Error::MissingTool {
                tool: "the store app binary".into(),
                looked: path.display().to_string(),
                install: "`cargo build -p store-app` (its UI bundled from ui/dist), or set E2E_APP_BINARY".into(),
            });
        }
        Ok(AppOptions::new(path))
    }

    /// Adds a command-line argument.
    pub fn arg(mut self, arg: impl Into<String>) -> AppOptions {
        self.args.push(arg.into());
        self
    }

    /// Adds an environment variable for the app.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> AppOptions {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Uses a fixed tauri-driver port.
    pub fn port(mut self, port: u16) -> AppOptions {
        self.port = Some(port);
        self
    }

    /// The new-session body tauri-driver expects: it rewrites `tauri:options` into
    /// WebKitWebDriver's `webkitgtk:browserOptions` (`binary`, `args`).
    pub fn capabilities(&self) -> Value {
        json!({ "capabilities": { "alwaysMatch": {
            "tauri:options": { "application": self.application, "args": self.args }
        }}})
    }
}

/// A running app (or browser) with its drivers and WebDriver session. Dereferences to the
/// [`Session`], so `app.wait_for("#login")` works. Dropping it kills everything.
pub struct App {
    session: Session,
    driver: ProcessGroup,
    url: String,
}

impl std::ops::Deref for App {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.session
    }
}

impl std::ops::DerefMut for App {
    fn deref_mut(&mut self) -> &mut Session {
        &mut self.session
    }
}

impl App {
    /// Starts tauri-driver on a free port (or `opts.port`) and launches the app in a new
    /// session. Fails clearly without a display or without the drivers.
    pub async fn launch(opts: AppOptions) -> Result<App> {
        require_display()?;
        let tauri_driver = tauri_driver()?;
        let native = webkit_driver()?;
        if !opts.application.is_file() {
            return Err(Error::MissingTool {
                tool: "the app binary".into(),
                looked: opts.application.display().to_string(),
                install: "build it first".into(),
            });
        }
        let [free, native_port] = free_ports::<2>()?;
        let port = opts.port.unwrap_or(free);
        let mut cmd = Command::new(tauri_driver);
        cmd.arg("--port").arg(port.to_string());
        cmd.arg("--native-port").arg(native_port.to_string());
        cmd.arg("--native-driver").arg(native);
        cmd.envs(opts.env.iter().map(|(k, v)| (k, v)));
        let driver = ProcessGroup::spawn(cmd, &format!("tauri-driver on port {port}"))?;
        App::start(driver, port, opts.capabilities(), opts.startup_timeout).await
    }

    /// Starts WebKitWebDriver directly with WebKitGTK's MiniBrowser: a plain browser to test
    /// the harness itself, without the app. `env` is set on the driver, as for the app.
    pub async fn launch_browser(env: &[(&str, &str)]) -> Result<App> {
        require_display()?;
        let native = webkit_driver()?;
        if !Path::new(MINIBROWSER).is_file() {
            return Err(Error::MissingTool {
                tool: "MiniBrowser".into(),
                looked: MINIBROWSER.into(),
                install: "apt-get install libwebkit2gtk-4.1-0".into(),
            });
        }
        let port = free_port()?;
        let mut cmd = Command::new(native);
        cmd.arg(format!("--port={port}")).arg("--host=127.0.0.1");
        cmd.envs(env.iter().copied());
        let driver = ProcessGroup::spawn(cmd, &format!("WebKitWebDriver on port {port}"))?;
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "webkitgtk:browserOptions": { "binary": MINIBROWSER, "args": ["--automation"] }
        }}});
        App::start(driver, port, caps, Duration::from_secs(60)).await
    }

    async fn start(mut driver: ProcessGroup, port: u16, caps: Value, timeout: Duration) -> Result<App> {
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + timeout;
        let http = reqwest::Client::new();
        loop {
            if !driver.is_running() {
                return Err(driver.startup_error("the driver exited"));
            }
            let ready = http.get(format!("{url}/status")).timeout(Duration::from_secs(2)).send().await;
            if let Ok(r) = ready {
                let body: Value = r.json().await.unwrap_or(Value::Null);
                if body["value"]["ready"] == json!(true) {
                    break;
                }
            }
            if Instant::now() >= deadline {
                return Err(driver.startup_error(format!("{url}/status was not ready within {timeout:?}")));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        match Session::new(&url, caps).await {
            Ok(session) => Ok(App { session, driver, url }),
            Err(e) => Err(driver.startup_error(format!("cannot start a session: {e}"))),
        }
    }

    /// The WebDriver session.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The driver's URL (`http://127.0.0.1:PORT`).
    pub fn driver_url(&self) -> &str {
        &self.url
    }

    /// The last `lines` lines printed by the drivers and the app (its stderr is inherited).
    pub fn log_tail(&self, lines: usize) -> String {
        self.driver.log_tail(lines)
    }

    /// Process ids of the driver and everything it started (drivers, app, WebKit helpers).
    pub fn pids(&self) -> Vec<u32> {
        let mut pids = vec![self.driver.pid()];
        pids.extend(descendants(self.driver.pid()));
        pids
    }

    /// Closes the app properly (deletes the session: the window closes), then stops the
    /// drivers. Dropping the [`App`] instead kills everything at once, like a crash.
    pub async fn quit(self) -> Result<()> {
        let App { session, mut driver, .. } = self;
        let result = session.delete().await;
        driver.kill();
        result
    }
}

/// Fails with [`Error::NoDisplay`] unless an X or Wayland display is set.
pub fn require_display() -> Result<()> {
    display_in(|k| std::env::var_os(k))
}

fn display_in(var: impl Fn(&str) -> Option<OsString>) -> Result<()> {
    let set = |k: &str| var(k).is_some_and(|v| !v.is_empty());
    if set("DISPLAY") || set("WAYLAND_DISPLAY") {
        Ok(())
    } else {
        Err(Error::NoDisplay)
    }
}

/// `tauri-driver`: `$TAURI_DRIVER`, else `PATH`, else `~/.cargo/bin`.
pub fn tauri_driver() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Ok(p);
        }
        return Err(Error::MissingTool {
            tool: "tauri-driver".into(),
            looked: format!("TAURI_DRIVER={}", p.display()),
            install: INSTALL_TAURI_DRIVER.into(),
        });
    }
    let cargo_bin = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin"));
    let extra: Vec<PathBuf> = cargo_bin.into_iter().collect();
    find_executable("tauri-driver", &extra).ok_or_else(|| Error::MissingTool {
        tool: "tauri-driver".into(),
        looked: format!("PATH and {}", extra.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")),
        install: INSTALL_TAURI_DRIVER.into(),
    })
}

/// `WebKitWebDriver`: `PATH`, else `/usr/bin`.
pub fn webkit_driver() -> Result<PathBuf> {
    find_executable("WebKitWebDriver", &[PathBuf::from("/usr/bin")]).ok_or_else(|| Error::MissingTool {
        tool: "WebKitWebDriver".into(),
        looked: "PATH and /usr/bin".into(),
        install: INSTALL_WEBKIT_DRIVER.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_display_the_error_says_to_use_xvfb() {
        let none = display_in(|_| None).unwrap_err();
        assert!(none.to_string().contains("xvfb-run -a cargo test -p e2e"), "{none}");
        assert!(display_in(|k| (k == "DISPLAY").then(|| ":0".into())).is_ok());
        assert!(display_in(|k| (k == "WAYLAND_DISPLAY").then(|| "wayland-0".into())).is_ok());
        assert!(display_in(|k| (k == "DISPLAY").then(OsString::new)).is_err());
    }

    #[test]
    fn capabilities_are_what_tauri_driver_rewrites() {
        let caps = AppOptions::new("/opt/app").arg("--x").env("K", "V").capabilities();
        assert_eq!(
            caps["capabilities"]["alwaysMatch"]["tauri:options"],
            json!({ "application": "/opt/app", "args": ["--x"] })
        );
    }
}
