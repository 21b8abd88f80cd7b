//! Command-line interface (anyhow lives here, at the binary's edge).

#[cfg(feature = "demo")]
mod demo;
mod import;
mod routing;

use crate::config::{self, FileConfig, DEFAULT_DATABASE, DEFAULT_LISTEN};
use crate::service::{self, enroll, now_ms};
use crate::storage::{self, Storage};
use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// HQ sync server for the omnichannel store app.
#[derive(Parser, Debug)]
#[command(version, about)]
pub struct Cli {
    /// Database URL: sqlite://PATH (default sqlite://data/sync-server.sqlite).
    #[arg(long, env = "DATABASE_URL", global = true)]
    database: Option<String>,
    /// TOML config file with database, listen, admin_token, public_url.
    #[arg(long, env = "SYNC_SERVER_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the HTTP API.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long, env = "SYNC_LISTEN")]
        listen: Option<String>,
        /// Token HQ/ERP callers send as 'Authorization: Bearer'.
        #[arg(long, env = "SYNC_ADMIN_TOKEN", hide_env_values = true)]
        admin_token: Option<String>,
        /// Courier config (TOML): the express and same-city platforms, their accounts and
        /// the stores they serve. Without it no courier is booked: requests wait with
        /// `not_configured`.
        #[arg(long, env = "COURIERS_FILE")]
        couriers: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Print a one-time enrollment code (and its QR) for a store's device.
    Enroll {
        /// Store code, e.g. SH-JINGAN.
        #[arg(long)]
        store: String,
        /// Address devices use to reach this server, put in the QR code.
        #[arg(long, env = "SYNC_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Import master data and stock: .json (an import bundle), .csv (stock rows:
    /// node_code,sku_code,quality,on_hand,safety) or .jsonl (channel orders).
    Import {
        /// Files to import, in order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run the demo: embedded SQLite seeded with a generated brand, one enrollment code.
    #[cfg(feature = "demo")]
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = DEFAULT_LISTEN)]
        listen: String,
        /// Where the demo database lives.
        #[arg(long, default_value = "demo-data")]
        data_dir: PathBuf,
        /// Start from a fresh database.
        #[arg(long)]
        fresh: bool,
    },
    /// HQ's routing configuration as a file (the document of PUT /api/v1/routing/config).
    Routing {
        #[command(subcommand)]
        action: RoutingAction,
    },
    /// Revoke a device's access.
    RevokeDevice {
        /// Device id (see GET /api/v1/devices).
        id: String,
    },
}

/// What `sync-server routing` does.
#[derive(Subcommand, Debug)]
enum RoutingAction {
    /// Validate a routing configuration file (JSON, or TOML if it ends in .toml) and store it
    /// as the next version.
    Apply {
        /// The file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Print the routing configuration in force (JSON, with its version).
    Show,
}

/// What one client may hold of the server, and how many failed credential checks it gets.
#[derive(clap::Args, Debug, Clone, PartialEq, Eq)]
pub struct LimitArgs {
    /// Seconds a client has to send a request's headers; idle connections close after it too.
    #[arg(long, env = "SYNC_HEADER_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout_secs: u64,
    /// Seconds a request body has to arrive in full once the server reads it (408 after).
    #[arg(long, env = "SYNC_BODY_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    body_timeout_secs: u64,
    /// Most connections open at once; more clients wait until one closes.
    #[arg(long, env = "SYNC_MAX_CONNECTIONS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: u64,
    /// Failed credential checks (unknown enrollment code, admin or device token) one
    /// address may make per window before it gets 429 (0: no limit).
    #[arg(long, env = "SYNC_AUTH_FAILURES_PER_SOURCE", default_value_t = 10)]
    auth_failures_per_source: u32,
    /// Failed attempts one enrollment code may take per window before it gets 429 (0: no limit).
    #[arg(long, env = "SYNC_AUTH_FAILURES_PER_CODE", default_value_t = 5)]
    auth_failures_per_code: u32,
    /// Seconds a failed credential check counts for.
    #[arg(long, env = "SYNC_AUTH_WINDOW_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    auth_window_secs: u64,
    /// Look-ups (style availability, placed orders, order look-up at the return counter) one
    /// device may make per window before it gets 429 (0: no limit).
    #[arg(long, env = "SYNC_DEVICE_LOOKUPS", default_value_t = 120)]
    device_lookups: u32,
}

impl Default for LimitArgs {
    fn default() -> Self {
        use crate::http::{rate_limit, serve};
        LimitArgs {
            header_timeout_secs: serve::DEFAULT_HEADER_TIMEOUT.as_secs(),
            body_timeout_secs: serve::DEFAULT_BODY_TIMEOUT.as_secs(),
            max_connections: serve::DEFAULT_MAX_CONNECTIONS as u64,
            auth_failures_per_source: rate_limit::DEFAULT_PER_SOURCE,
            auth_failures_per_code: rate_limit::DEFAULT_PER_CODE,
            auth_window_secs: rate_limit::DEFAULT_WINDOW.as_secs(),
            device_lookups: rate_limit::DEFAULT_DEVICE_READS,
        }
    }
}

impl LimitArgs {
    fn serve_limits(&self) -> crate::http::serve::ServeLimits {
        crate::http::serve::ServeLimits {
            header_timeout: Duration::from_secs(self.header_timeout_secs),
            body_timeout: Duration::from_secs(self.body_timeout_secs),
            max_connections: self.max_connections as usize,
        }
    }

    fn auth_limits(&self) -> crate::http::rate_limit::Limits {
        crate::http::rate_limit::Limits {
            window: Duration::from_secs(self.auth_window_secs),
            per_source: self.auth_failures_per_source,
            per_code: self.auth_failures_per_code,
            device_reads: self.device_lookups,
            ..Default::default()
        }
    }
}

struct Settings {
    file: FileConfig,
    database: String,
}

fn settings(cli: &Cli) -> anyhow::Result<Settings> {
    let file = config::load(cli.config.as_deref())?;
    let database = cli.database.clone().or(file.database.clone()).unwrap_or_else(|| DEFAULT_DATABASE.to_string());
    Ok(Settings { file, database })
}

fn open(url: &str) -> anyhow::Result<Arc<dyn Storage>> {
    storage::open(url).with_context(|| format!("cannot open the database {url}"))
}

/// Prints a QR code in the terminal with Unicode half blocks.
pub fn print_qr(payload: &str) {
    match qrcode::QrCode::new(payload.as_bytes()) {
        Ok(code) => println!("{}", code.render::<qrcode::render::unicode::Dense1x2>().quiet_zone(true).build()),
        Err(e) => println!("(cannot draw the QR code: {e})"),
    }
}

async fn enrollment_code(storage: &dyn Storage, store: &str, public_url: &str) -> anyhow::Result<String> {
    let store_code = store.to_string();
    let code = service::write(storage, move |tx| enroll::create_code(tx, &store_code, now_ms()))
        .await
        .with_context(|| format!("cannot create an enrollment code for {store}"))?;
    println!("Enrollment code for {store} (one use, valid {} hours):\n\n    {code}\n", enroll::CODE_VALID_HOURS);
    let payload = shared::protocol::enrollment_qr_payload(public_url, &code);
    print_qr(&payload);
    // For devices without a camera: the app's scan field takes the payload as typed text.
    println!("QR content: {payload}\n");
    Ok(code)
}

#[cfg(feature = "demo")]
async fn serve(
    storage: Arc<dyn Storage>,
    listen: &str,
    admin_token: &str,
    couriers: crate::courier::Couriers,
) -> anyhow::Result<()> {
    serve_with(storage, listen, admin_token, &LimitArgs::default(), couriers).await
}

/// The courier platforms of the config file, if one is given.
fn couriers(path: Option<&std::path::Path>) -> anyhow::Result<crate::courier::Couriers> {
    let Some(path) = path else {
        tracing::info!("no courier config (--couriers / COURIERS_FILE): courier requests wait with not_configured");
        return Ok(crate::courier::Couriers::none());
    };
    let config = crate::courier::CourierConfig::load(path)?;
    let couriers = crate::courier::Couriers::from_config(config)?;
    tracing::info!(platforms = ?couriers, "courier platforms configured");
    Ok(couriers)
}

async fn serve_with(
    storage: Arc<dyn Storage>,
    listen: &str,
    admin_token: &str,
    limits: &LimitArgs,
    couriers: crate::courier::Couriers,
) -> anyhow::Result<()> {
    crate::start_couriers(storage.clone(), &couriers).await.context("cannot start the courier worker")?.spawn();
    crate::service::stock_control::Sweeper::new(storage.clone(), std::time::Duration::from_secs(2)).spawn();
    crate::service::allocation::webhook::Worker::new(storage.clone()).spawn();
    let app = crate::app_with_couriers(storage, admin_token, limits.auth_limits(), couriers);
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    tracing::info!(address = %listener.local_addr()?, "sync server listening");
    crate::http::serve::serve(listener, app, limits.serve_limits(), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    Ok(())
}

/// The binary's entry point: logs to stderr, parses the command line, runs it. Also used
/// by test harnesses that need the server as a real process.
pub fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let args = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(args))
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let s = settings(&cli)?;
    match cli.command {
        Command::Serve { listen, admin_token, couriers: couriers_file, limits } => {
            let listen = listen.or(s.file.listen.clone()).unwrap_or_else(|| DEFAULT_LISTEN.to_string());
            let Some(token) = admin_token.or(s.file.admin_token.clone()) else {
                bail!("no admin token: pass --admin-token, set SYNC_ADMIN_TOKEN or admin_token in the config file (HQ and ERP callers need it)");
            };
            if token.len() < 16 {
                bail!("the admin token is too short: use at least 16 characters");
            }
            let couriers = couriers(couriers_file.as_deref())?;
            serve_with(open(&s.database)?, &listen, &token, &limits, couriers).await
        }
        Command::Enroll { store, public_url } => {
            let url = public_url.or(s.file.public_url.clone()).unwrap_or_else(|| format!("http://{DEFAULT_LISTEN}"));
            enrollment_code(open(&s.database)?.as_ref(), &store, &url).await.map(|_| ())
        }
        Command::Import { files } => import::run(open(&s.database)?.as_ref(), &files).await,
        #[cfg(feature = "demo")]
        Command::Demo { listen, data_dir, fresh } => demo::run(&listen, &data_dir, fresh).await,
        Command::Routing { action: RoutingAction::Apply { file } } => {
            routing::apply(open(&s.database)?.as_ref(), &file).await
        }
        Command::Routing { action: RoutingAction::Show } => routing::show(open(&s.database)?.as_ref()).await,
        Command::RevokeDevice { id } => {
            let storage = open(&s.database)?;
            let device = id.clone();
            match service::write(storage.as_ref(), move |tx| service::enroll::revoke(tx, &device, now_ms())).await {
                Err(e) if e.kind == service::ErrorKind::NotFound => {
                    bail!("no device {id}; list devices with GET /api/v1/devices")
                }
                r => r?,
            }
            println!("Device {id} revoked: its token no longer works.");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve_limits(args: &[&str]) -> Result<LimitArgs, clap::Error> {
        let cli = Cli::try_parse_from(["sync-server", "serve"].iter().chain(args))?;
        match cli.command {
            Command::Serve { limits, .. } => Ok(limits),
            _ => unreachable!("parsed serve"),
        }
    }

    #[test]
    fn serve_limits_default_to_the_documented_values_and_refuse_zero_timeouts() {
        let limits = serve_limits(&[]).unwrap();
        assert_eq!(limits, LimitArgs::default());
        assert_eq!(limits.serve_limits(), crate::http::serve::ServeLimits::default());
        assert_eq!(limits.auth_limits(), crate::http::rate_limit::Limits::default());
        let set =
            serve_limits(&["--body-timeout-secs", "5", "--max-connections", "3", "--auth-failures-per-code", "0"])
                .unwrap();
        assert_eq!(set.serve_limits().body_timeout, Duration::from_secs(5));
        assert_eq!(set.serve_limits().max_connections, 3);
        assert_eq!(set.auth_limits().per_code, 0);
        assert!(serve_limits(&["--header-timeout-secs", "0"]).is_err());
        assert!(serve_limits(&["--max-connections", "0"]).is_err());
    }
}
