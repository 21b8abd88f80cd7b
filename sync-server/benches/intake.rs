//! Order intake end to end over HTTP (`POST /api/v1/orders`: validation, routing,
//! reservation, fulfillment orders, attribution and change log in one transaction) in
//! orders/s on SQLite and on PostgreSQL, each beside the raw limit of the same database
//! writes measured in the same run, and the ratio.
//!
//! `cargo bench -p sync-server --bench intake [-- --seconds N] [--clients N]
//! [--backend sqlite|postgres] [--quick]`
//!
//! Data: `gen`'s brand with 200 stores and 3 warehouses (203 nodes) and 80 styles (about
//! 2,400 SKUs), each store keeping a third of the stock rows `gen` gives it; channel orders from
//! `gen` too (1–3 lines, popular SKUs more often; about 60 % ship, 25 % pickup, 15 %
//! same-city; Tmall, JD, Douyin, mini-program). Stock depth is multiplied by 1,000 (capped
//! at the largest count) so that a run of any length never sells a shelf out: the figures
//! are the steady state, not the rate of refusals.
//!
//! Per backend: the stock is imported, then the first orders are taken in-process through
//! a recording [`Tx`](sync_server::storage::Tx) (`common::intake`), which keeps every write
//! statement each intake issued (inserts of the order, its lines, fulfillment orders and
//! lines, reservations, attribution, change log; the conditional balance updates). Then,
//! for N seconds each:
//! - HTTP: `--clients` clients (default 4) post the orders (fresh channel order ids) to
//!   the server running in-process on the same database; orders/s and latency.
//! - raw limit: the recorded writes of those orders replayed straight on the database with
//!   fresh ids, with no HTTP, validation, routing or reads. SQLite: one connection (its
//!   only writer), committing `--clients` orders at a time as the server's group commit can
//!   at best (one commit per order is printed too); PostgreSQL: one connection per client,
//!   one transaction per order, each followed by the change-log positioning the server does.
//!
//! The ledger audit at the end covers both (the replay writes reservations and balances
//! together). PostgreSQL: a database of its own is created under `SYNC_TEST_POSTGRES_URL`
//! (default postgres://postgres@127.0.0.1:5432/postgres) and dropped at the end.
//! `--quick` (the smoke run of `scripts/test.sh`) uses 10 stores, 6 styles and 1 s runs.

mod common;

use common::intake::{pg_admin, pg_database_url, PgRaw, Recorder, SqliteRaw, Template};
use rand::{Rng, SeedableRng};
use shared::fulfillment::FulfillmentKind;
use shared::order::ChannelOrderInput;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use sync_server::service::{self, intake};
use sync_server::storage::{changes, ledger, Storage, StorageError, Tx};

/// Share of `gen`'s store stock rows kept (besides those the orders need).
const STORE_RANGE_KEPT: f64 = 1.0 / 3.0;

/// How much deeper than `gen`'s the imported stock is.
const STOCK_SCALE: i64 = 1_000;

struct Scale {
    stores: usize,
    styles: usize,
    orders: usize,
    recorded: usize,
}

const FULL: Scale = Scale { stores: 200, styles: 80, orders: 3_000, recorded: 300 };
const QUICK: Scale = Scale { stores: 10, styles: 6, orders: 120, recorded: 20 };

struct Args {
    quick: bool,
    seconds: u64,
    clients: usize,
    backends: Vec<&'static str>,
    stores: Option<usize>,
    styles: Option<usize>,
}

fn args() -> anyhow::Result<Args> {
    let a: Vec<String> = std::env::args().collect();
    let value = |name: &str| a.iter().position(|x| x == name).and_then(|i| a.get(i + 1)).cloned();
    let quick = a.iter().any(|x| x == "--quick");
    let seconds = if quick { 1 } else { common::seconds_arg() };
    let clients = value("--clients").map(|s| s.parse()).transpose()?.unwrap_or(4usize).max(1);
    let backends = match value("--backend").as_deref() {
        None => vec!["sqlite", "postgres"],
        Some("sqlite") => vec!["sqlite"],
        Some("postgres") => vec!["postgres"],
        Some(other) => anyhow::bail!("--backend is sqlite or postgres, not {other:?}"),
    };
    let stores = value("--stores").map(|s| s.parse()).transpose()?;
    let styles = value("--styles").map(|s| s.parse()).transpose()?;
    Ok(Args { quick, seconds, clients, backends, stores, styles })
}

fn dataset(scale: &Scale) -> anyhow::Result<gen::Dataset> {
    let cfg = gen::GenConfig { stores: scale.stores, styles: scale.styles, orders: scale.orders, ..Default::default() };
    let mut data = gen::generate(&cfg);
    // Staff PINs are hashed slowly on import by design and intake never reads them.
    data.bundle.staff.clear();
    // Stores range a third of what `gen` gives them (about 10-15 % of the catalogue), and
    // always what the orders sent to them (pickup, or same-city from the nearest rider
    // base) ask for. See the module header for why.
    let nodes: HashMap<&str, &shared::node::Node> = data.bundle.nodes.iter().map(|n| (n.code.as_str(), n)).collect();
    let riders: Vec<&shared::node::Node> =
        data.bundle.nodes.iter().filter(|n| n.kind.is_store() && n.capabilities.same_city).collect();
    let mut needed: HashSet<(String, String)> = HashSet::new();
    for o in &data.orders {
        let at = match (o.fulfillment, &o.pickup_store, o.customer.location) {
            (FulfillmentKind::Pickup, Some(s), _) => Some(s.clone()),
            (FulfillmentKind::SameCity, _, Some(loc)) => riders
                .iter()
                .min_by(|a, b| a.location.distance_km(&loc).total_cmp(&b.location.distance_km(&loc)))
                .map(|n| n.code.clone()),
            _ => None,
        };
        if let Some(at) = at {
            needed.extend(o.lines.iter().map(|l| (at.clone(), l.sku_code.clone())));
        }
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(13);
    data.bundle.stock.retain(|r| {
        !nodes[r.node_code.as_str()].kind.is_store()
            || needed.contains(&(r.node_code.clone(), r.sku_code.clone()))
            || rng.gen_bool(STORE_RANGE_KEPT)
    });
    let max = i64::from(shared::quantity::MAX_QTY);
    for row in &mut data.bundle.stock {
        row.on_hand = shared::Count::new((row.on_hand.get() * STOCK_SCALE).min(max))?;
    }
    Ok(data)
}

/// The first `n` orders taken in-process through a recorder: their writes, and the plain
/// reads each did.
async fn record(
    storage: &dyn Storage,
    orders: &[ChannelOrderInput],
) -> anyhow::Result<(Vec<Template>, usize, BTreeMap<String, usize>)> {
    let mut templates = Vec::new();
    let mut reads = 0;
    let mut refused = BTreeMap::new();
    for o in orders {
        let input = o.clone();
        let r = service::write(storage, move |tx| {
            let mut rec = Recorder { inner: tx, seen: Default::default() };
            intake::intake(&mut rec, &input, &intake::PlacedBy::default())?;
            Ok(rec.seen)
        })
        .await;
        match r {
            Ok(seen) => {
                reads += seen.reads;
                templates.push(Template::new(&seen, &o.channel_order_id));
            }
            Err(e) => *refused.entry(format!("{e}")).or_insert(0) += 1,
        }
    }
    Ok((templates, reads, refused))
}

struct HttpFigures {
    rate: f64,
    latencies: Vec<Duration>,
    statuses: BTreeMap<u16, u64>,
}

fn quantile(sorted: &[Duration], q: f64) -> f64 {
    let i = ((sorted.len().saturating_sub(1)) as f64 * q).round() as usize;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// `clients` clients posting `orders` (cycled, fresh channel order ids) for `seconds`.
async fn http_rate(
    base: &str,
    orders: Arc<Vec<ChannelOrderInput>>,
    clients: usize,
    seconds: u64,
) -> anyhow::Result<HttpFigures> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let created = Arc::new(AtomicU64::new(0));
    let url = Arc::new(format!("{base}/api/v1/orders"));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, created, url, orders) = (client.clone(), created.clone(), url.clone(), orders.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
            let mut k = 0usize;
            while Instant::now() < deadline {
                let mut order = orders[(c + k * clients) % orders.len()].clone();
                order.channel_order_id = format!("{}-H{c}x{k}", order.channel_order_id);
                k += 1;
                let t = Instant::now();
                let r = client.post(url.as_str()).bearer_auth(common::ADMIN).json(&order).send().await?;
                let status = r.status();
                let body = r.bytes().await?;
                latencies.push(t.elapsed());
                *statuses.entry(status.as_u16()).or_insert(0) += 1;
                if status == reqwest::StatusCode::CREATED {
                    created.fetch_add(1, Ordering::Relaxed);
                } else if status.is_server_error() {
                    anyhow::bail!("intake failed: {status} {}", String::from_utf8_lossy(&body));
                }
            }
            anyhow::Ok((latencies, statuses))
        }));
    }
    let mut latencies = Vec::new();
    let mut statuses = BTreeMap::new();
    for t in tasks {
        let (l, s) = t.await??;
        latencies.extend(l);
        for (k, v) in s {
            *statuses.entry(k).or_insert(0) += v;
        }
    }
    let rate = created.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
    latencies.sort();
    Ok(HttpFigures { rate, latencies, statuses })
}

/// What a raw replay run did.
#[derive(Default)]
struct RawFigures {
    rate: f64,
    /// Orders whose replay changed a different number of rows than the intake did.
    diverged: u64,
    /// Transactions run again after a deadlock or serialization failure.
    retries: u64,
}

/// The recorded writes replayed on one SQLite connection, `group` orders per transaction
/// (the server's writer commits what is queued together, so with `c` clients at most `c`).
fn raw_sqlite(
    path: &std::path::Path,
    templates: &[Template],
    seconds: u64,
    group: usize,
) -> anyhow::Result<RawFigures> {
    let conn = rusqlite::Connection::open(path)?;
    // As the server's writer connection.
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(256);
    let mut raw = SqliteRaw::new(&conn);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let (mut n, mut diverged) = (0u64, 0u64);
    while Instant::now() < deadline {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        for _ in 0..group.max(1) {
            let t = &templates[n as usize % templates.len()];
            let params = t.instantiate(&format!("R{group}x{n}"));
            match t.replay(&mut raw, &params) {
                Ok(same) => diverged += u64::from(!same),
                Err(e) => {
                    let _ = conn.execute_batch("ROLLBACK");
                    anyhow::bail!("raw replay failed on SQLite: {e}");
                }
            }
            n += 1;
        }
        conn.execute_batch("COMMIT")?;
    }
    Ok(RawFigures { rate: n as f64 / start.elapsed().as_secs_f64(), diverged, retries: 0 })
}

/// One order's writes in a transaction of their own, then the change-log positioning the
/// server runs after every commit.
fn pg_once(
    client: &mut postgres::Client,
    statements: &mut HashMap<String, postgres::Statement>,
    t: &Template,
    params: &[Vec<sync_server::storage::Value>],
) -> Result<bool, StorageError> {
    use postgres::IsolationLevel::ReadCommitted;
    let mut tr = client.build_transaction().isolation_level(ReadCommitted).start().map_err(common::intake::pg_err)?;
    let same = t.replay(&mut PgRaw { t: &mut tr, statements }, params)?;
    tr.commit().map_err(common::intake::pg_err)?;
    let mut tr = client.build_transaction().isolation_level(ReadCommitted).start().map_err(common::intake::pg_err)?;
    changes::position_committed(&mut PgRaw { t: &mut tr, statements })?;
    tr.commit().map_err(common::intake::pg_err)?;
    Ok(same)
}

/// The recorded writes replayed by `connections` PostgreSQL connections at once.
fn raw_postgres(
    url: &str,
    templates: Arc<Vec<Template>>,
    connections: usize,
    seconds: u64,
) -> anyhow::Result<RawFigures> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let threads: Vec<_> = (0..connections)
        .map(|c| {
            let (url, templates) = (url.to_string(), templates.clone());
            std::thread::spawn(move || -> anyhow::Result<(u64, u64, u64)> {
                let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
                let mut statements = HashMap::new();
                let mut rng = rand::rngs::StdRng::seed_from_u64(c as u64);
                let (mut n, mut diverged, mut retries) = (0u64, 0u64, 0u64);
                let mut k = rng.gen_range(0..templates.len());
                while Instant::now() < deadline {
                    let t = &templates[k % templates.len()];
                    k += connections;
                    let params = t.instantiate(&format!("R{c}x{n}"));
                    let mut attempt = 0;
                    let same = loop {
                        attempt += 1;
                        match pg_once(&mut client, &mut statements, t, &params) {
                            Err(StorageError::Retry(_)) if attempt < 8 => {
                                retries += 1;
                                std::thread::sleep(Duration::from_millis(2 << attempt));
                            }
                            other => break other?,
                        }
                    };
                    diverged += u64::from(!same);
                    n += 1;
                }
                Ok((n, diverged, retries))
            })
        })
        .collect();
    let mut f = RawFigures::default();
    let mut n = 0;
    for t in threads {
        let (a, b, c) = t.join().map_err(|_| anyhow::anyhow!("a raw replay thread panicked"))??;
        n += a;
        f.diverged += b;
        f.retries += c;
    }
    f.rate = n as f64 / start.elapsed().as_secs_f64();
    Ok(f)
}

async fn serve(storage: Arc<dyn Storage>) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = sync_server::app(storage, common::ADMIN);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("the benchmark's server stopped: {e}");
        }
    });
    Ok(base)
}

/// Drops the benchmark's PostgreSQL database however the run ends.
struct PgDatabase(String);

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Err(e) = pg_admin(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.0)) {
            eprintln!("could not drop the benchmark database {}: {e}", self.0);
        }
    }
}

fn run_backend(
    rt: &tokio::runtime::Runtime,
    backend: &str,
    args: &Args,
    scale: &Scale,
    data: &gen::Dataset,
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("intake.sqlite");
    let mut _database = None;
    let url = if backend == "sqlite" {
        format!("sqlite://{}", path.display())
    } else {
        let name = format!("omni_intake_bench_{}", std::process::id());
        pg_admin(&format!("DROP DATABASE IF EXISTS {name}"))?;
        pg_admin(&format!("CREATE DATABASE {name}"))?;
        _database = Some(PgDatabase(name.clone()));
        pg_database_url(&name)
    };
    let storage = sync_server::storage::open(&url)?;
    let t = Instant::now();
    rt.block_on(test_support::import_into(storage.as_ref(), &data.bundle));
    let seeded = t.elapsed();

    let (recorded, rest) = data.orders.split_at(scale.recorded.min(data.orders.len() / 2));
    let t = Instant::now();
    let (templates, reads, refused) = rt.block_on(record(storage.as_ref(), recorded))?;
    let recording = t.elapsed();
    anyhow::ensure!(!templates.is_empty(), "no order could be taken: {refused:?}");
    let writes: usize = templates.iter().map(Template::len).sum();
    let per = |x: usize| x as f64 / templates.len() as f64;
    println!(
        "\n{backend}: imported in {:.1} s; {} orders taken in-process through the recorder in {:.1} s ({:.1} ms each): one intake = {:.1} writes replayed by the raw limit (+ {:.1} reads that are not){}",
        seeded.as_secs_f64(),
        templates.len(),
        recording.as_secs_f64(),
        recording.as_secs_f64() * 1000.0 / recorded.len() as f64,
        per(writes),
        per(reads),
        if refused.is_empty() { String::new() } else { format!("; refused: {refused:?}") }
    );

    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for k in templates.iter().flat_map(Template::kinds) {
        *kinds.entry(k).or_insert(0) += 1;
    }
    let kinds: Vec<String> = kinds.into_iter().map(|(k, n)| format!("{k} x{:.2}", per(n))).collect();
    println!("  the writes per intake: {}", kinds.join(", "));

    let base = rt.block_on(serve(storage.clone()))?;
    let http = rt.block_on(http_rate(&base, Arc::new(rest.to_vec()), args.clients, args.seconds))?;
    let templates = Arc::new(templates);
    let (raw, raw_how) = if backend == "sqlite" {
        let single = raw_sqlite(&path, &templates, args.seconds, 1)?;
        let grouped = raw_sqlite(&path, &templates, args.seconds, args.clients)?;
        let how = format!(
            "1 connection (SQLite's one writer), {} orders per commit as the server's group commit at most ({:.0} orders/s with one commit per order)",
            args.clients, single.rate
        );
        (RawFigures { diverged: single.diverged + grouped.diverged, ..grouped }, how)
    } else {
        let how = format!("{} connections, one transaction per order", args.clients);
        (raw_postgres(&url, templates.clone(), args.clients, args.seconds)?, how)
    };
    let http_how = format!("{} HTTP clients", args.clients);
    println!(
        "{:<10} {:>14} {:>8} {:>8} {:>16} {:>8}",
        "backend", "HTTP orders/s", "p50 ms", "p99 ms", "raw orders/s", "ratio"
    );
    println!(
        "{backend:<10} {:>14.0} {:>8.2} {:>8.2} {:>16.0} {:>8.3}",
        http.rate,
        quantile(&http.latencies, 0.5),
        quantile(&http.latencies, 0.99),
        raw.rate,
        http.rate / raw.rate
    );
    println!(
        "  HTTP: {http_how}, statuses {:?}; raw: {raw_how}, {} replays changed other row counts than recorded, {} retried after a deadlock or serialization failure",
        http.statuses, raw.diverged, raw.retries
    );
    let audit = rt.block_on(service::read(storage.as_ref(), |tx: &mut dyn Tx| Ok(ledger::audit(tx)?)))?;
    println!(
        "  ledger audit after both runs: {} balances, {} ledger mismatches, {} reservation mismatches, {} oversold",
        audit.balances,
        audit.ledger_mismatches.len(),
        audit.reservation_mismatches.len(),
        audit.oversold.len()
    );
    drop(storage);
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = args()?;
    let mut scale = if args.quick { QUICK } else { FULL };
    scale.stores = args.stores.unwrap_or(scale.stores);
    scale.styles = args.styles.unwrap_or(scale.styles);
    let data = dataset(&scale)?;
    let nodes = data.bundle.nodes.len();
    let skus = data.bundle.skus.len();
    let rows = data.bundle.stock.len();
    let lines: usize = data.orders.iter().map(|o| o.lines.len()).sum();
    println!(
        "order intake: gen brand with {nodes} nodes, {skus} SKUs, {rows} stock rows (depth x{STOCK_SCALE}); {} orders of 1-3 lines ({:.2} lines on average); {} s per run; 2 cores shared by clients, server and database",
        data.orders.len(),
        lines as f64 / data.orders.len().max(1) as f64,
        args.seconds
    );
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    for backend in &args.backends {
        run_backend(&rt, backend, &args, &scale, &data)?;
    }
    Ok(())
}
