//! The endless-aisle look-up (`GET /api/v1/sync/styles/{style_code}/availability`) on the
//! demo brand, against the raw limit of its storage query on the same SQLite file.
//!
//! `cargo bench -p sync-server --bench aisle_lookup [-- --seconds N] [-- --quick]`
//!
//! Seeds the demo brand (`gen`'s default: 220 styles ≈ 6,000 SKUs, 33 nodes, its stock and
//! its 400 channel orders, so balances carry reservations) into a SQLite file, serves it
//! in-process with the look-up limit off, enrols a device at the demo store and, for N
//! seconds each: one device asking for random styles one after another (an associate at a
//! counter), then 8 devices at once (a busy afternoon across stores). Prints p50 / p99 /
//! max latency per request. The raw limit, in the same run: the look-up's one SQL query
//! (`storage::aisle::STYLE_BALANCES_SQL`, a style's sellable balances at every node) issued
//! directly on the same file with a prepared statement, for the same random styles, and the
//! whole look-up in-process (service and storage, no HTTP). The target is 300 ms p99
//! on the demo brand. `--quick` (the smoke run of `scripts/test.sh`) seeds 20 styles and
//! runs 1 s per scenario.

mod common;

use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::{Duration, Instant};
use sync_server::http::rate_limit::Limits;
use sync_server::service::{self, aisle, intake};

/// Devices asking at once in the busy scenario.
const BUSY_DEVICES: usize = 8;

struct Figures {
    n: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

fn figures(mut d: Vec<Duration>) -> Figures {
    d.sort();
    let at = |q: f64| d.get(((d.len().saturating_sub(1)) as f64 * q).round() as usize).copied().unwrap_or_default();
    Figures { n: d.len(), p50: at(0.5), p99: at(0.99), max: d.last().copied().unwrap_or_default() }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn print(name: &str, f: &Figures) {
    println!("{name:<44} {:>8} {:>10.2} {:>10.2} {:>10.2}", f.n, ms(f.p50), ms(f.p99), ms(f.max));
}

/// `clients` devices asking for random styles for `seconds`; every latency.
async fn http_latencies(
    url: Arc<String>,
    token: Arc<String>,
    styles: Arc<Vec<String>>,
    clients: usize,
    seconds: u64,
) -> anyhow::Result<Vec<Duration>> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, url, token, styles) = (client.clone(), url.clone(), token.clone(), styles.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(c as u64);
            let mut out = Vec::new();
            while Instant::now() < deadline {
                let style = &styles[rng.gen_range(0..styles.len())];
                let t = Instant::now();
                let r = client
                    .get(format!("{url}/api/v1/sync/styles/{style}/availability"))
                    .bearer_auth(&*token)
                    .send()
                    .await?;
                let status = r.status();
                let body = r.bytes().await?;
                out.push(t.elapsed());
                anyhow::ensure!(status == reqwest::StatusCode::OK, "look-up refused: {status} {body:?}");
            }
            anyhow::Ok(out)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    Ok(all)
}

/// The look-up's SQL alone on the same file, for random styles for `seconds`.
fn raw_latencies(path: &std::path::Path, styles: &[String], seconds: u64) -> anyhow::Result<Vec<Duration>> {
    let conn = rusqlite::Connection::open(path)?;
    let mut stmt = conn.prepare(&sync_server::storage::aisle::STYLE_BALANCES_SQL.replace('$', "?"))?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut out = Vec::new();
    while Instant::now() < deadline {
        let style = &styles[rng.gen_range(0..styles.len())];
        let t = Instant::now();
        let mut rows = stmt.query([style])?;
        let mut n = 0u64;
        while let Some(r) = rows.next()? {
            let (_, _, a, b, c, d): (String, String, i64, i64, i64, i64) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
            n += (a - b - c - d).max(0) as u64;
        }
        out.push(t.elapsed());
        std::hint::black_box(n);
    }
    Ok(out)
}

/// The whole look-up in-process (service and storage, no HTTP), one after another.
async fn service_latencies(
    storage: &Arc<dyn sync_server::storage::Storage>,
    styles: &[String],
    seconds: u64,
) -> anyhow::Result<Vec<Duration>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut out = Vec::new();
    while Instant::now() < deadline {
        let style = styles[rng.gen_range(0..styles.len())].clone();
        let t = Instant::now();
        let a = service::read(storage.as_ref(), move |tx| {
            aisle::style_availability(tx, gen::DEMO_STORE, &style, chrono::DateTime::default())
        })
        .await?;
        out.push(t.elapsed());
        std::hint::black_box(a);
    }
    Ok(out)
}

fn main() -> anyhow::Result<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let seconds = if quick { 1 } else { common::seconds_arg() };
    let cfg =
        if quick { gen::GenConfig { styles: 20, orders: 40, ..Default::default() } } else { gen::GenConfig::default() };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("aisle.sqlite");
    let storage = sync_server::storage::open(&format!("sqlite://{}", path.display()))?;

    let t = Instant::now();
    let data = gen::generate(&cfg);
    let styles: Vec<String> = data.bundle.styles.iter().map(|s| s.code.clone()).collect();
    let (skus, nodes, rows) = (data.bundle.skus.len(), data.bundle.nodes.len(), data.bundle.stock.len());
    rt.block_on(test_support::import_into(storage.as_ref(), &data.bundle));
    let mut routed = 0;
    for o in data.orders {
        let placed = rt.block_on(service::write(storage.as_ref(), move |tx| {
            intake::intake(tx, &o, &intake::PlacedBy::default()).map(|_| ())
        }));
        routed += usize::from(placed.is_ok());
    }
    let seeded = t.elapsed();

    let (base, token) = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let limits = Limits { device_reads: 0, ..Limits::default() };
        let app = sync_server::app_with(storage.clone(), common::ADMIN, limits);
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("the benchmark's server stopped: {e}");
            }
        });
        let token = test_support::HqClient::new(base.clone()).enrol(gen::DEMO_STORE).await;
        anyhow::Ok((base, token))
    })?;

    println!(
        "aisle look-up: demo brand ({} styles, {skus} SKUs, {nodes} nodes, {rows} stock rows, {routed} orders routed; seeded in {:.1} s), device at {}, SQLite (WAL), {seconds} s per scenario, 2 cores shared by clients and server",
        styles.len(),
        seeded.as_secs_f64(),
        gen::DEMO_STORE
    );
    println!("{:<44} {:>8} {:>10} {:>10} {:>10}", "scenario", "n", "p50 ms", "p99 ms", "max ms");
    let (url, token, shared_styles) = (Arc::new(base), Arc::new(token), Arc::new(styles.clone()));
    let one = figures(rt.block_on(http_latencies(url.clone(), token.clone(), shared_styles.clone(), 1, seconds))?);
    print("HTTP, 1 device, one look-up after another", &one);
    let busy = figures(rt.block_on(http_latencies(url, token, shared_styles, BUSY_DEVICES, seconds))?);
    print(&format!("HTTP, {BUSY_DEVICES} devices at once"), &busy);
    let svc = figures(rt.block_on(service_latencies(&storage, &styles, seconds))?);
    print("in-process service + storage (no HTTP)", &svc);
    let raw = figures(raw_latencies(&path, &styles, seconds)?);
    print("raw limit: the SQL query alone (rusqlite)", &raw);
    println!(
        "p99 over HTTP (1 device) is {:.1}× the raw query's p99; target 300 ms p99: {}",
        ms(one.p99) / ms(raw.p99).max(1e-6),
        if one.p99 <= Duration::from_millis(300) && busy.p99 <= Duration::from_millis(300) { "met" } else { "NOT met" }
    );
    Ok(())
}
