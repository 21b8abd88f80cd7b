//! `gen`: writes the demo dataset to files or seeds a running sync server.

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use gen::{generate, import_requests, Dataset, GenConfig};
use indicatif::{ProgressBar, ProgressStyle};
use reqwest::StatusCode;
use serde::Serialize;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

mod simulate;

/// Demo data for an omnichannel sportswear brand.
#[derive(Parser)]
#[command(name = "gen", version, about)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write nodes.json, catalogue.json, staff.json, stock.csv and orders.jsonl to a folder,
    /// for `sync-server import` in that order.
    Write {
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        gen: GenArgs,
    },
    /// Run simulated store devices (the real device engine) that accept, pick, pack and
    /// hand over a store's orders against a running sync server.
    Devices(DeviceArgs),
    /// Import the dataset into a running sync server, then send the channel orders.
    Seed {
        /// Base URL of the sync server, e.g. http://127.0.0.1:8080.
        #[arg(long)]
        server: String,
        /// HQ admin token.
        #[arg(long, env = "GEN_ADMIN_TOKEN")]
        admin_token: String,
        #[command(flatten)]
        gen: GenArgs,
    },
}

/// Simulated store devices working through a store's orders.
#[derive(Args)]
struct DeviceArgs {
    /// Base URL of the sync server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    server: String,
    /// HQ admin token (enrols the devices, and plays the customers' phones for pickup codes).
    #[arg(long, env = "GEN_ADMIN_TOKEN")]
    admin_token: String,
    /// Store whose orders the devices work.
    #[arg(long, default_value = gen::DEMO_STORE)]
    store: String,
    /// Devices in the store.
    #[arg(long, default_value_t = 2)]
    devices: usize,
    /// How long to run.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Where the devices keep their replicas (a temporary folder if unset).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// What to generate; unset values take `GenConfig::default()`.
#[derive(Args)]
struct GenArgs {
    /// RNG seed [default: 2026].
    #[arg(long)]
    seed: Option<u64>,
    /// Number of styles (about 27 SKUs each) [default: 220].
    #[arg(long)]
    styles: Option<usize>,
    /// Number of stores [default: 30].
    #[arg(long)]
    stores: Option<usize>,
    /// Number of channel orders [default: 400].
    #[arg(long)]
    orders: Option<usize>,
}

impl GenArgs {
    fn config(&self) -> GenConfig {
        let d = GenConfig::default();
        GenConfig {
            seed: self.seed.unwrap_or(d.seed),
            styles: self.styles.unwrap_or(d.styles),
            stores: self.stores.unwrap_or(d.stores),
            orders: self.orders.unwrap_or(d.orders),
        }
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Write { out, gen } => write(&out, &generate(&gen.config())),
        Cmd::Devices(args) => {
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(simulate::run(args))
        }
        Cmd::Seed { server, admin_token, gen } => {
            let data = generate(&gen.config());
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(seed(server.trim_end_matches('/'), &admin_token, data))
        }
    }
}

fn summary(d: &Dataset) -> String {
    let b = &d.bundle;
    format!(
        "{} nodes, {} styles, {} SKUs, {} bundles, {} staff, {} stock rows, {} orders",
        b.nodes.len(),
        b.styles.len(),
        b.skus.len(),
        b.bundles.len(),
        b.staff.len(),
        b.stock.len(),
        d.orders.len()
    )
}

fn write(out: &Path, d: &Dataset) -> Result<()> {
    gen::files::write(out, d)?;
    println!("wrote {}: {}", out.display(), summary(d));
    Ok(())
}

/// How the server answered one order.
enum Outcome {
    Created,
    Replayed,
    Refused,
}

/// POSTs `body` and returns the status and the JSON (or text) answer.
async fn post<T: Serialize + ?Sized>(
    client: &reqwest::Client,
    server: &str,
    path: &str,
    token: &str,
    body: &T,
) -> Result<(StatusCode, serde_json::Value)> {
    let resp = client.post(format!("{server}{path}")).bearer_auth(token).json(body).send().await.map_err(|e| {
        if e.is_connect() || e.is_timeout() {
            anyhow!("cannot reach the sync server at {server}: {e} — is it running?")
        } else {
            anyhow!("request to {server}{path} failed: {e}")
        }
    })?;
    let status = resp.status();
    let text = resp.text().await.with_context(|| format!("reading the answer of {path}"))?;
    let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    Ok((status, value))
}

/// The server's `{"error":{"code","message"}}` as one line, or the raw answer.
fn error_text(v: &serde_json::Value) -> String {
    match (v["error"]["code"].as_str(), v["error"]["message"].as_str()) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        (None, Some(msg)) => msg.to_string(),
        _ => v.to_string(),
    }
}

/// Orders in flight at once.
const CONCURRENCY: usize = 8;

async fn seed(server: &str, token: &str, data: Dataset) -> Result<()> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(300)).build()?;
    let requests = import_requests(&data.bundle);
    let bar = ProgressBar::new((requests.len() + data.orders.len()) as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}")
            .expect("valid template"),
    );

    bar.set_message("importing master data and stock");
    for req in &requests {
        let (status, answer) =
            post(&client, server, "/api/v1/import", token, req).await.inspect_err(|_| bar.abandon())?;
        if !status.is_success() {
            bar.abandon();
            bail!("the server refused the import ({status}): {}", error_text(&answer));
        }
        bar.inc(1);
    }

    bar.set_message("sending channel orders");
    let client = Arc::new(client);
    let (server_owned, token_owned) = (Arc::<str>::from(server), Arc::<str>::from(token));
    let mut tasks = tokio::task::JoinSet::new();
    let (mut created, mut replayed, mut refused) = (0usize, 0usize, 0usize);
    let mut first_refusal: Option<String> = None;
    let mut orders = data.orders.into_iter();
    loop {
        while tasks.len() < CONCURRENCY {
            let Some(order) = orders.next() else { break };
            let (client, server, token) = (client.clone(), server_owned.clone(), token_owned.clone());
            tasks.spawn(async move {
                let (status, answer) = post(&client, &server, "/api/v1/orders", &token, &order).await?;
                match status {
                    StatusCode::CREATED => Ok((Outcome::Created, None)),
                    StatusCode::OK => Ok((Outcome::Replayed, None)),
                    StatusCode::CONFLICT => {
                        Ok((Outcome::Refused, Some(format!("{}: {}", order.channel_order_id, error_text(&answer)))))
                    }
                    _ => Err(anyhow!(
                        "the server refused order {} ({status}): {}",
                        order.channel_order_id,
                        error_text(&answer)
                    )),
                }
            });
        }
        let Some(joined) = tasks.join_next().await else { break };
        // An error aborts: dropping the JoinSet cancels the requests still in flight.
        let (outcome, note) = joined.context("an order task panicked")?.inspect_err(|_| bar.abandon())?;
        match outcome {
            Outcome::Created => created += 1,
            Outcome::Replayed => replayed += 1,
            Outcome::Refused => refused += 1,
        }
        if first_refusal.is_none() {
            first_refusal = note;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    println!(
        "seeded {server}: {}; orders created {created}, replayed {replayed}, refused {refused}",
        summary_counts(&requests)
    );
    if let Some(note) = first_refusal {
        println!("first refusal: {note}");
    }
    Ok(())
}

fn summary_counts(requests: &[shared::import::ImportBundle]) -> String {
    let sum = |f: fn(&shared::import::ImportBundle) -> usize| requests.iter().map(f).sum::<usize>();
    format!(
        "{} import requests ({} nodes, {} styles, {} SKUs, {} bundles, {} staff, {} stock rows)",
        requests.len(),
        sum(|r| r.nodes.len()),
        sum(|r| r.styles.len()),
        sum(|r| r.skus.len()),
        sum(|r| r.bundles.len()),
        sum(|r| r.staff.len()),
        sum(|r| r.stock.len())
    )
}
