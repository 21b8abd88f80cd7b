//! One error type for the whole harness, so a scenario test can use `?` on WebDriver calls,
//! process launches and sync-server calls alike and return `e2e::Result<()>`.
//!
//! Every variant says what was being done and carries the evidence needed to debug a failed
//! run without re-running it: the WebDriver error code and message, the page's visible text
//! on a timeout, the tail of a process's log when it did not start.

use std::path::PathBuf;
use std::time::Duration;

/// Result with the harness's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong in the harness or in the system under test.
#[derive(thiserror::Error)]
pub enum Error {
    /// The WebDriver remote end answered a command with a W3C error.
    #[error("WebDriver {command}: {code} (HTTP {status}): {message}")]
    WebDriver {
        /// The command, e.g. `find element \`#login\``.
        command: String,
        /// HTTP status of the answer.
        status: u16,
        /// W3C error code, e.g. `no such element`, `stale element reference`.
        code: String,
        /// The driver's message (may be empty).
        message: String,
    },
    /// No answer, or an unreadable one, from an HTTP server (WebDriver or sync server).
    #[error("{command}: no usable answer from {url}: {source}")]
    Transport {
        /// The command or request.
        command: String,
        /// Where it was sent.
        url: String,
        /// The underlying HTTP error.
        #[source]
        source: reqwest::Error,
    },
    /// The WebDriver answer was not shaped as the protocol says.
    #[error("WebDriver {command}: unexpected answer: {detail}")]
    Protocol {
        /// The command.
        command: String,
        /// What was wrong with the answer.
        detail: String,
    },
    /// A bounded wait ran out.
    #[error("timed out after {waited:?} waiting for {what}\n{context}")]
    Timeout {
        /// What was awaited, e.g. ``a displayed element `#login` ``.
        what: String,
        /// How long it waited.
        waited: Duration,
        /// What the page or server looked like at the end (visible text, URL, log tail).
        context: String,
    },
    /// Neither `DISPLAY` nor `WAYLAND_DISPLAY` is set: WebKitGTK cannot open a window.
    #[error(
        "no display: DISPLAY is not set, so the app's WebKitGTK window cannot open. Run the tests under a \
         virtual X server: `xvfb-run -a cargo test -p e2e` (apt-get install xvfb)"
    )]
    NoDisplay,
    /// A program the harness needs is not installed.
    #[error("{tool} not found (looked in {looked}); install it with: {install}")]
    MissingTool {
        /// The program.
        tool: String,
        /// Where the harness looked.
        looked: String,
        /// How to install it.
        install: String,
    },
    /// A child process (driver, server) did not come up.
    #[error("{what} did not start: {detail}\n--- last lines of its log ---\n{log_tail}")]
    Startup {
        /// The process, e.g. `tauri-driver on port 41234`.
        what: String,
        /// Why the harness gave up.
        detail: String,
        /// The end of what it printed.
        log_tail: String,
    },
    /// A file or process operation failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done, e.g. `cannot write`.
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The window could not be brought to the requested viewport size.
    #[error(
        "resizing is not supported as needed: asked for a {requested_width}x{requested_height} viewport, \
         got {width}x{height} (window {window_width}x{window_height}): {detail}"
    )]
    Resize {
        /// Requested viewport width in CSS pixels.
        requested_width: u32,
        /// Requested viewport height in CSS pixels.
        requested_height: u32,
        /// `window.innerWidth` afterwards.
        width: u32,
        /// `window.innerHeight` afterwards.
        height: u32,
        /// Window width the driver reported afterwards.
        window_width: u32,
        /// Window height the driver reported afterwards.
        window_height: u32,
        /// Why, as far as the harness can tell.
        detail: String,
    },
    /// The sync server answered an admin request with an unexpected status.
    #[error("sync server {method} {path}: HTTP {status}: {body}")]
    Server {
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
        /// Status received.
        status: u16,
        /// Response body (JSON error or text).
        body: String,
    },
    /// A check of the system under test failed (e.g. the stock ledger does not balance, a
    /// pickup-code notification has no code).
    #[error("{0}")]
    Check(String),
}

/// `Debug` shows the message, so a test returning `e2e::Result<()>` prints a readable
/// failure (page text with its line breaks) rather than an escaped struct dump.
impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)?;
        let mut source = std::error::Error::source(self);
        while let Some(s) = source {
            write!(f, "\n  caused by: {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

impl Error {
    /// The W3C error code if this is a WebDriver error.
    pub fn webdriver_code(&self) -> Option<&str> {
        match self {
            Error::WebDriver { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether the element was not (or no longer) there: worth retrying while the UI renders.
    pub fn is_element_gone(&self) -> bool {
        matches!(self.webdriver_code(), Some("no such element" | "stale element reference"))
    }
}
