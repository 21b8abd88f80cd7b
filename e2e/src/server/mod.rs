//! A real sync server for a test: the `e2e-sync-server` binary of this crate (the same
//! code as `sync-server`, via `sync_server::cli::main`) as a child process
//! (`test_support::HqProcess`) over a SQLite file in a temporary directory, seeded over its
//! own admin API.
//!
//! Why a process and not an in-process router: the scenario needs to take the server away
//! from a running app (offline work) and bring it back on the same address and database;
//! killing a process drops every connection, including the app's event stream, exactly as
//! an outage does.
//!
//! The admin helpers are what a scenario needs from "HQ": enrollment codes, channel orders
//! for pickup at the store, the order as HQ sees it, the customer's pickup code (from the
//! notification outbox) and the stock-ledger audit; `test_support::HqClient` makes the
//! calls, this module turns its errors into [`Error`]s.

mod admin;

pub use admin::CheckAudit;

use crate::error::{Error, Result};
use crate::process::profile_dir;
use reqwest::Method;
use shared::import::ImportBundle;
use std::path::{Path, PathBuf};
use std::time::Duration;
use test_support::{HqOptions, HqProcess};

/// The admin token the test server runs with.
pub use test_support::ADMIN_TOKEN;
/// The demo store's associate (PIN [`gen::DEMO_ASSOCIATE_PIN`]).
pub const DEMO_ASSOCIATE: &str = "SH-JINGAN-A1";
/// The demo store's manager (PIN [`gen::DEMO_MANAGER_PIN`]).
pub const DEMO_MANAGER: &str = "SH-JINGAN-M1";
pub use gen::{DEMO_ASSOCIATE_PIN, DEMO_MANAGER_PIN, DEMO_STORE};

/// What the server holds when the test starts.
#[derive(Debug, Clone)]
pub enum Seed {
    /// Nothing.
    Empty,
    /// `gen::tiny()`: STORE-A and STORE-B in Shanghai, WH-1, SKU-1..3, a manager
    /// (`STORE-A-M`, PIN 8888) and an associate (`STORE-A-A`, PIN 1234) per store.
    Tiny,
    /// The generated demo brand (`gen::generate` defaults: 30 stores, ~6,000 SKUs, stock,
    /// staff) without its channel orders, so the demo store starts with no tasks. Seeding
    /// imports ~85,000 stock rows: about 12 s with a debug-build server.
    Demo,
    /// The demo brand with its ~400 channel orders routed (about 19 s in a debug build).
    DemoWithOrders,
    /// Your own import bundle.
    Bundle(Box<ImportBundle>),
}

/// How to start the server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Initial data.
    pub seed: Seed,
    /// Listen on this loopback port; a free one when `None`.
    pub port: Option<u16>,
    /// The server binary; `$E2E_SYNC_SERVER_BIN` or `e2e-sync-server` beside the test
    /// binary when `None`.
    pub binary: Option<PathBuf>,
    /// Bound on the server answering `/healthz` after a (re)start.
    pub startup_timeout: Duration,
    /// The courier file (TOML) the server reads (`COURIERS_FILE`), e.g. a
    /// [`crate::CourierSim::server_config`]; no couriers when `None`.
    pub couriers: Option<String>,
}

impl ServerOptions {
    /// Defaults for `seed`.
    pub fn new(seed: Seed) -> ServerOptions {
        ServerOptions { seed, port: None, binary: None, startup_timeout: Duration::from_secs(30), couriers: None }
    }
}

/// A sync-server process over a SQLite file in its own temporary directory. Dropping it
/// kills the process and deletes the directory.
pub struct SyncServer {
    // Declared before `dir`: the process dies before its database directory goes.
    process: HqProcess,
    dir: tempfile::TempDir,
}

impl SyncServer {
    /// Starts a server on a free port with `seed`.
    pub async fn start(seed: Seed) -> Result<SyncServer> {
        SyncServer::start_with(ServerOptions::new(seed)).await
    }

    /// Starts a server as `opts` say, waits for it and seeds it.
    pub async fn start_with(opts: ServerOptions) -> Result<SyncServer> {
        let binary = match opts.binary {
            Some(b) => b,
            None => server_binary()?,
        };
        let dir = tempfile::Builder::new().prefix("e2e-hq-").tempdir().map_err(|source| Error::Io {
            action: "cannot create a directory in",
            path: std::env::temp_dir(),
            source,
        })?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|source| Error::Transport { command: "build HTTP client".into(), url: String::new(), source })?;
        if let Some(couriers) = &opts.couriers {
            // The e2e-sync-server binary reads `couriers.toml` beside its database.
            let path = dir.path().join(COURIERS_FILE_NAME);
            std::fs::write(&path, couriers).map_err(|source| Error::Io { action: "cannot write", path, source })?;
        }
        let database = format!("sqlite://{}", dir.path().join("hq.sqlite").display());
        let process = HqProcess::try_start(HqOptions {
            port: opts.port,
            startup_timeout: opts.startup_timeout,
            client: Some(http),
            ..HqOptions::new(binary, database)
        })
        .await?;
        let server = SyncServer { process, dir };
        server.seed(opts.seed).await?;
        Ok(server)
    }

    async fn seed(&self, seed: Seed) -> Result<()> {
        let (bundle, orders) = match seed {
            Seed::Empty => return Ok(()),
            Seed::Tiny => (test_support::fixture(), Vec::new()),
            Seed::Bundle(b) => (*b, Vec::new()),
            Seed::Demo | Seed::DemoWithOrders => {
                let data = gen::generate(&gen::GenConfig::default());
                let orders = if matches!(seed, Seed::DemoWithOrders) { data.orders } else { Vec::new() };
                (data.bundle, orders)
            }
        };
        for part in gen::import_requests(&bundle) {
            self.process.try_import(&part).await?;
        }
        for order in &orders {
            // The generator may place more than stock allows: the server refuses those with
            // 409, as the demo does. Anything else is a broken seed.
            let body = serde_json::to_value(order).map_err(|e| Error::Check(format!("cannot encode an order: {e}")))?;
            let (status, body) = self.admin_request(Method::POST, "/api/v1/orders", Some(body)).await?;
            if !(200..300).contains(&status) && status != 409 {
                return Err(Error::Server {
                    method: "POST".into(),
                    path: "/api/v1/orders".into(),
                    status,
                    body: body.to_string(),
                });
            }
        }
        Ok(())
    }

    /// `http://127.0.0.1:PORT`: what the app enrolls against.
    pub fn url(&self) -> &str {
        &self.process.base
    }

    /// The port (kept across [`SyncServer::restart`]).
    pub fn port(&self) -> u16 {
        self.process.port()
    }

    /// `sqlite://…/hq.sqlite`.
    pub fn database_url(&self) -> &str {
        self.process.database_url()
    }

    /// The temporary directory holding the database.
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The last `lines` lines the server logged (stdout and stderr, `RUST_LOG=warn` unless
    /// set).
    pub fn log_tail(&self, lines: usize) -> String {
        self.process.log_tail(lines)
    }

    /// Whether the process is running.
    pub fn is_running(&mut self) -> bool {
        self.process.is_running()
    }

    /// Kills the server (SIGKILL): every connection drops, as in an outage.
    pub fn stop(&mut self) {
        self.process.kill();
    }

    /// Starts the server again (killing it first if running) on the same port and database,
    /// and waits until it answers.
    pub async fn restart(&mut self) -> Result<()> {
        Ok(self.process.try_restart().await?)
    }
}

/// The courier file's name beside the server's database (see the `e2e-sync-server` binary).
pub const COURIERS_FILE_NAME: &str = "couriers.toml";

/// The `e2e-sync-server` binary: `$E2E_SYNC_SERVER_BIN`, else beside the test binary.
fn server_binary() -> Result<PathBuf> {
    let path = match std::env::var_os("E2E_SYNC_SERVER_BIN") {
        Some(p) => PathBuf::from(p),
        None => profile_dir().unwrap_or_default().join("e2e-sync-server"),
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(Error::MissingTool {
            tool: "the e2e-sync-server binary".into(),
            looked: path.display().to_string(),
            install: "`cargo build -p e2e --bin e2e-sync-server` (cargo test -p e2e builds it)".into(),
        })
    }
}
