//! The `courier-sim` command: reads the accounts from a TOML file (the sync server's courier
//! file works, with the simulator's extras) and serves on a loopback address until stopped.

use crate::{SimConfig, Timeline};
use anyhow::Context as _;
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Simulated SF Express and Dada-shaped rider platforms on loopback.
#[derive(Debug, Parser)]
#[command(name = "courier-sim", version, about)]
pub struct Args {
    /// The accounts, shops, prices and timeline (TOML).
    #[arg(long, env = "COURIER_SIM_CONFIG")]
    pub config: Option<PathBuf>,
    /// Where to listen (loopback only).
    #[arg(long, default_value = "127.0.0.1:8090", env = "COURIER_SIM_LISTEN")]
    pub listen: SocketAddr,
    /// Where SF route pushes go (overrides `sf_express.push_url`).
    #[arg(long)]
    pub sf_push_url: Option<String>,
    /// Step every N milliseconds (automatic timeline; overrides the file).
    #[arg(long, conflicts_with = "manual")]
    pub step_ms: Option<u64>,
    /// Step only on `POST /sim/orders/<platform>/<id>/advance` (overrides the file).
    #[arg(long)]
    pub manual: bool,
}

/// Runs the command with the process's arguments.
pub fn main() -> anyhow::Result<()> {
    run(Args::parse())
}

/// Runs the command with these arguments: serves until Ctrl-C or SIGTERM.
pub fn run(args: Args) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            SimConfig::from_toml(&text)?
        }
        None => SimConfig::default(),
    };
    if let Some(url) = args.sf_push_url {
        if let Some(sf) = config.sf_express.as_mut() {
            sf.push_url = Some(url);
        }
    }
    if let Some(step_ms) = args.step_ms {
        config.timeline = Timeline::Auto { step_ms };
    }
    if args.manual {
        config.timeline = Timeline::Manual;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let running = crate::start_on(config, args.listen).await?;
        println!("courier-sim listening on {}", running.url());
        shutdown_signal().await;
        running.stop().await;
        anyhow::Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
