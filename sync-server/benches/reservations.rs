//! Reservation throughput over HTTP against the raw limit of the same SQLite file.
//!
//! `cargo bench -p sync-server --bench reservations [-- --seconds N]`
//!
//! Seeds one warehouse with 5,000 SKUs, then for a hot SKU and for SKUs spread over all
//! 5,000: 32 HTTP clients reserve 1 unit each per request for N seconds; then, in the same
//! run, the same conditional UPDATE is issued directly on the same database file in a tight
//! loop (one autocommit statement each, prepared once). Prints both rates and the ratio.

use rand::{Rng, SeedableRng};
use serde_json::json;
use shared::catalogue::{Sku, Style};
use shared::ean13::Ean13;
use shared::import::{ImportBundle, StockAdjustment, StockAdjustmentBatch, StockLevelInput};
use shared::node::{Capabilities, GeoPoint, Node, NodeKind};
use shared::stock::Quality;
use shared::{Count, Fen};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use sync_server::service::{self, stock};

const SKUS: usize = 5_000;
const CLIENTS: usize = 32;
const ADMIN: &str = "bench-admin-token-0123456789";

fn bundle() -> ImportBundle {
    let node = Node {
        code: "BENCH-WH".into(),
        name: "bench warehouse".into(),
        kind: NodeKind::CentralWarehouse,
        city: "上海".into(),
        location: GeoPoint { lat: 31.2, lon: 121.4 },
        capabilities: Capabilities { ship: true, pickup: false, same_city: false },
        opening_hours: "00:00-24:00".into(),
        daily_capacity: 100_000,
        handling_cost: Fen(300),
    };
    let style = Style { code: "BENCH".into(), name: "bench".into(), category: "bench".into(), list_price: Fen(100) };
    let skus: Vec<Sku> = (0..SKUS)
        .map(|i| {
            let digits = format!("691{i:09}");
            let mut d = [0u8; 12];
            for (k, c) in digits.bytes().enumerate() {
                d[k] = c - b'0';
            }
            Sku {
                code: format!("B{i:05}"),
                style_code: "BENCH".into(),
                barcode: Ean13::from_first12(d),
                colour: "x".into(),
                size: "x".into(),
                list_price: Fen(100),
            }
        })
        .collect();
    let stock = skus
        .iter()
        .map(|s| StockLevelInput {
            node_code: "BENCH-WH".into(),
            sku_code: s.code.clone(),
            quality: Quality::Sellable,
            on_hand: Count::new(100_000).unwrap(),
            safety: None,
        })
        .collect();
    ImportBundle { nodes: vec![node], styles: vec![style], skus, stock, ..Default::default() }
}

async fn http_rate(base: &str, hot: bool, seconds: u64, run: &str) -> f64 {
    let client = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build().unwrap();
    let ok = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (client, ok, url, run) =
            (client.clone(), ok.clone(), format!("{base}/api/v1/reservations"), run.to_string());
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(c as u64);
            let mut n = 0u64;
            while Instant::now() < deadline {
                let sku = if hot { 0 } else { rng.gen_range(0..SKUS) };
                let body = json!({"reference": format!("{run}-{c}-{n}"), "node_code": "BENCH-WH", "sku_code": format!("B{sku:05}"), "qty": 1});
                let r = client.post(&url).bearer_auth(ADMIN).json(&body).send().await.expect("server reachable");
                assert_eq!(r.status(), reqwest::StatusCode::CREATED, "reservation refused");
                n += 1;
                ok.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    ok.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn raw_rate(path: &std::path::Path, hot: bool, seconds: u64) -> f64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;").unwrap();
    let mut stmt = conn
        .prepare(
            "UPDATE stock_balance SET reserved = reserved + ?3
             WHERE node_code = ?1 AND sku_code = ?2 AND quality = 'sellable' AND on_hand - reserved - safety - locked >= ?3",
        )
        .unwrap();
    let codes: Vec<String> = (0..SKUS).map(|i| format!("B{i:05}")).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut n = 0u64;
    while Instant::now() < deadline {
        let sku = if hot { &codes[0] } else { &codes[rng.gen_range(0..SKUS)] };
        assert_eq!(stmt.execute(rusqlite::params!["BENCH-WH", sku, 1]).unwrap(), 1);
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds = args
        .iter()
        .position(|a| a == "--seconds")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(5u64);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.sqlite");
    let storage = sync_server::storage::open(&format!("sqlite://{}", path.display())).unwrap();
    rt.block_on(async {
        let b = bundle();
        service::write(storage.as_ref(), move |tx| stock::import(tx, &b)).await.unwrap();
        // The hot SKU needs more than one import row can hold: top it up to 10 million.
        let lines = (0..100)
            .map(|_| StockAdjustment {
                node_code: "BENCH-WH".into(),
                sku_code: "B00000".into(),
                quality: Quality::Sellable,
                delta: 100_000,
                note: "bench".into(),
            })
            .collect();
        let batch = StockAdjustmentBatch { batch_id: "hot".into(), lines };
        service::write(storage.as_ref(), move |tx| stock::adjust(tx, &batch)).await.unwrap();
    });
    let base = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = sync_server::app(storage.clone(), ADMIN);
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        base
    });
    println!("reservations: {CLIENTS} HTTP clients, {SKUS} SKUs, {seconds} s per run, SQLite (WAL, synchronous=NORMAL), 2 cores shared by clients and server");
    println!("{:<28} {:>14} {:>20} {:>8}", "scenario", "HTTP res/s", "raw UPDATE res/s", "ratio");
    for (name, hot) in [("one hot SKU", true), ("spread over 5,000 SKUs", false)] {
        let http = rt.block_on(http_rate(&base, hot, seconds, name));
        let raw = raw_rate(&path, hot, seconds);
        println!("{name:<28} {http:>14.0} {raw:>20.0} {:>8.3}", http / raw);
    }
    let audit =
        rt.block_on(service::read(storage.as_ref(), |tx| Ok(sync_server::storage::ledger::audit(tx)?))).unwrap();
    println!("ledger audit after the run: {} balances, {} ledger mismatches (raw UPDATEs bypass the reservation table, so {} reservation mismatches are expected)", audit.balances, audit.ledger_mismatches.len(), audit.reservation_mismatches.len());
}
