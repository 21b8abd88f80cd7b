//! The real server binary as a child process on a loopback port: started over a database
//! URL, killed (SIGKILL, every connection drops as in an outage) and started again on the
//! same port and database.
//!
//! The binary is the caller's: Cargo gives a package's integration tests only that
//! package's binaries (`env!("CARGO_BIN_EXE_sync-server")` in `sync-server`, the `hq`
//! binary of `tests`, `e2e-sync-server` of `e2e`, each `sync_server::cli::main`).
//!
//! What the process prints goes to a log file ([`HqProcess::log_tail`]); a failed start
//! reports its end, and so does a test that panics while the process runs.

use crate::{HqClient, ADMIN_TOKEN};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `N` distinct loopback TCP ports that were free a moment ago (held together while
/// picked, so they differ from each other).
pub fn free_ports<const N: usize>() -> std::io::Result<[u16; N]> {
    let mut held = Vec::with_capacity(N);
    let mut ports = [0u16; N];
    for port in ports.iter_mut() {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        *port = l.local_addr()?.port();
        held.push(l);
    }
    Ok(ports)
}

/// A loopback TCP port that was free a moment ago.
pub fn free_port() -> std::io::Result<u16> {
    free_ports::<1>().map(|[p]| p)
}

/// How to start an [`HqProcess`].
#[derive(Debug, Clone)]
pub struct HqOptions {
    /// The server binary (anything that runs `sync_server::cli::main`).
    pub binary: PathBuf,
    /// `--database`.
    pub database_url: String,
    /// Listen on this loopback port; a free one when `None`.
    pub port: Option<u16>,
    /// Bound on the server answering `/healthz` after a (re)start.
    pub startup_timeout: Duration,
    /// The HTTP client for the admin calls; the default one of [`HqClient::new`] when
    /// `None`.
    pub client: Option<reqwest::Client>,
}

impl HqOptions {
    /// `binary` over `database_url` on a free port, 30 s to start.
    pub fn new(binary: impl Into<PathBuf>, database_url: impl Into<String>) -> HqOptions {
        HqOptions {
            binary: binary.into(),
            database_url: database_url.into(),
            port: None,
            startup_timeout: Duration::from_secs(30),
            client: None,
        }
    }
}

/// A server process that did not come up.
#[derive(Debug, thiserror::Error)]
#[error("{what} did not start: {detail}\n--- last lines of its log ---\n{log_tail}")]
pub struct StartError {
    /// E.g. `sync server on port 41234`.
    pub what: String,
    /// Why the harness gave up.
    pub detail: String,
    /// The end of what it printed.
    pub log_tail: String,
}

/// A `serve` child process with [`ADMIN_TOKEN`]; killed when dropped. Derefs to the
/// [`HqClient`] of its address.
pub struct HqProcess {
    hq: HqClient,
    port: u16,
    binary: PathBuf,
    database_url: String,
    startup_timeout: Duration,
    child: Option<Child>,
    log: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl HqProcess {
    /// Starts `binary` over `database_url` on a free port and waits until it answers;
    /// panics if it does not.
    pub async fn start(binary: impl Into<PathBuf>, database_url: &str) -> HqProcess {
        HqProcess::try_start(HqOptions::new(binary, database_url)).await.unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts the server as `opts` say and waits until it answers.
    pub async fn try_start(opts: HqOptions) -> Result<HqProcess, StartError> {
        let startup = |detail: String| StartError { what: "sync server".into(), detail, log_tail: String::new() };
        let port = match opts.port {
            Some(p) => p,
            None => free_port().map_err(|e| startup(format!("no free port: {e}")))?,
        };
        let log_dir = tempfile::Builder::new()
            .prefix("hq-log-")
            .tempdir()
            .map_err(|e| startup(format!("cannot create a log directory: {e}")))?;
        let base = format!("http://127.0.0.1:{port}");
        let hq = match opts.client {
            Some(client) => HqClient::with_client(base, client),
            None => HqClient::new(base),
        };
        let mut p = HqProcess {
            hq,
            port,
            binary: opts.binary,
            database_url: opts.database_url,
            startup_timeout: opts.startup_timeout,
            child: None,
            log: log_dir.path().join("output.log"),
            _log_dir: log_dir,
        };
        p.try_restart().await?;
        Ok(p)
    }

    /// The client of this server.
    pub fn hq(&self) -> &HqClient {
        &self.hq
    }

    /// The port (kept across [`HqProcess::restart`]).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's address (for a proxy in front of it).
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Its `--database`.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// Whether the process is running.
    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Kills the process (SIGKILL): every connection drops, as in an outage.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the process again (killing it first if running) on the same port and
    /// database, and waits until it answers; panics if it does not.
    pub async fn restart(&mut self) {
        self.try_restart().await.unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`HqProcess::restart`] without the panic.
    pub async fn try_restart(&mut self) -> Result<(), StartError> {
        self.kill();
        let what = format!("sync server on port {}", self.port);
        let fail = |detail: String, log_tail: String| StartError { what: what.clone(), detail, log_tail };
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .and_then(|f| Ok((f.try_clone()?, f)))
            .map_err(|e| fail(format!("cannot open its log {}: {e}", self.log.display()), String::new()))?;
        let mut cmd = Command::new(&self.binary);
        cmd.args(["--database", &self.database_url, "serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .env("SYNC_ADMIN_TOKEN", ADMIN_TOKEN)
            .env_remove("SYNC_SERVER_CONFIG")
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(log.0)
            .stderr(log.1);
        if std::env::var_os("RUST_LOG").is_none() {
            cmd.env("RUST_LOG", "warn");
        }
        let child =
            cmd.spawn().map_err(|e| fail(format!("cannot run {}: {e}", self.binary.display()), String::new()))?;
        // Owned at once, so a failed start still kills the child on drop.
        self.child = Some(child);
        let deadline = Instant::now() + self.startup_timeout;
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                self.child = None;
                return Err(fail(format!("it exited: {status}"), self.log_tail(40)));
            }
            let health = self.hq.client.get(self.hq.url("/healthz")).timeout(Duration::from_secs(2)).send().await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.kill();
                return Err(fail(
                    format!("no answer on /healthz within {:?}", self.startup_timeout),
                    self.log_tail(40),
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The last `lines` lines the process printed (stdout and stderr, every start so far;
    /// `RUST_LOG=warn` unless set).
    pub fn log_tail(&self, lines: usize) -> String {
        log_tail(&self.log, lines)
    }
}

impl std::ops::Deref for HqProcess {
    type Target = HqClient;
    fn deref(&self) -> &HqClient {
        &self.hq
    }
}

impl Drop for HqProcess {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!(
                "--- {} (port {}), last lines of its log ---\n{}",
                self.binary.display(),
                self.port,
                self.log_tail(40)
            );
        }
    }
}

fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    let tail = all[all.len().saturating_sub(lines)..].join("\n");
    if tail.is_empty() {
        "(nothing)".into()
    } else {
        tail
    }
}
