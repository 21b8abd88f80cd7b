//! Bootstrap of a store device against the raw limit of writing the same rows to SQLite.
//!
//! `cargo bench -p tests --bench bootstrap [-- --styles N] [-- --store-stock-only] [-- --quick]`
//!
//! Starts a sync server in-process over a SQLite file, imports the generated brand
//! (`--styles 1700` ≈ 51,000 SKUs; `--quick` uses 200 styles), enrols a device at the demo
//! store and times its first `sync_once()`: the bootstrap snapshot in pages of 1,000
//! records, each applied in one local transaction. Bytes on the wire are counted by a TCP
//! proxy between the device and the server (HTTP headers and bodies both ways, no
//! compression) for the whole `sync_once()`, which besides the pull pages also fetches the
//! network-availability snapshot; a second, plain reqwest loop repeats just the pull and
//! sums the response bodies as a cross-check. The raw limit, in the same run: the same SKUs (as the JSON the replica
//! stores) and the store's stock rows inserted into a fresh SQLite file (same tables and
//! index as the replica, WAL, synchronous=NORMAL) in one transaction with prepared
//! statements; JSON is serialised before the clock starts.
//!
//! Most of the run is the HQ import (≈ 670,000 stock rows over 33 nodes, ≈ 45 s on 2
//! cores); `--store-stock-only` imports only the demo store's stock, which is all its
//! device receives, and finishes in a fraction of the time.

// A benchmark of a test-only crate: a failed step should stop it loudly, and it stamps the
// data it generates with the time it runs.
#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod common;

use common::Proxy;
use gen::{GenConfig, DEMO_STORE};
use shared::protocol::StockRecord;
use std::time::Instant;

fn raw_insert(
    path: &std::path::Path,
    skus: &[(String, String, String, String)],
    stock: &[(String, String, String)],
) -> f64 {
    let mut conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
         CREATE TABLE sku (code TEXT PRIMARY KEY, barcode TEXT NOT NULL, style_code TEXT NOT NULL, json TEXT NOT NULL);
         CREATE INDEX sku_barcode ON sku (barcode);
         CREATE TABLE stock_local (sku_code TEXT NOT NULL, quality TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (sku_code, quality));",
    )
    .unwrap();
    let start = Instant::now();
    let tx = conn.transaction().unwrap();
    {
        let mut ins = tx.prepare("INSERT INTO sku (code, barcode, style_code, json) VALUES (?1, ?2, ?3, ?4)").unwrap();
        for (c, b, s, j) in skus {
            ins.execute(rusqlite::params![c, b, s, j]).unwrap();
        }
        let mut ins = tx.prepare("INSERT INTO stock_local (sku_code, quality, json) VALUES (?1, ?2, ?3)").unwrap();
        for (s, q, j) in stock {
            ins.execute(rusqlite::params![s, q, j]).unwrap();
        }
    }
    tx.commit().unwrap();
    start.elapsed().as_secs_f64()
}

fn main() {
    let quick = common::quick();
    let styles = common::arg("styles", if quick { 200 } else { 1700 });
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();

    let t = Instant::now();
    let data = gen::generate(&GenConfig { styles, ..Default::default() });
    let mut bundle = data.bundle;
    if std::env::args().any(|a| a == "--store-stock-only") {
        bundle.stock.retain(|s| s.node_code == DEMO_STORE);
    }
    let gen_s = t.elapsed().as_secs_f64();
    let store_stock: Vec<_> = bundle.stock.iter().filter(|s| s.node_code == DEMO_STORE).cloned().collect();

    let (storage, addr, proxy) = rt.block_on(async {
        let (storage, addr) = common::server(&dir.path().join("hq.sqlite")).await;
        (storage, addr, Proxy::start(addr).await)
    });
    let t = Instant::now();
    rt.block_on(common::import(storage.as_ref(), &bundle));
    let import_s = t.elapsed().as_secs_f64();
    println!(
        "bootstrap: {} styles, {} SKUs, {} stock rows in HQ ({} at {DEMO_STORE}); generated in {gen_s:.1} s, imported in {import_s:.1} s",
        bundle.styles.len(),
        bundle.skus.len(),
        bundle.stock.len(),
        store_stock.len()
    );

    let device_dir = dir.path().join("device");
    let (replica, engine) = rt.block_on(common::enrol(&format!("http://{addr}"), &proxy.base, DEMO_STORE, &device_dir));
    proxy.reset();
    let t = Instant::now();
    let report = rt.block_on(engine.sync_once()).unwrap();
    let boot_s = t.elapsed().as_secs_f64();
    let (up, down) = proxy.bytes();
    assert_eq!(report.pushed, 0);
    let n_skus = bundle.skus.iter().filter(|s| replica.lookup_barcode(s.barcode.as_str()).unwrap().is_some()).count();
    assert_eq!(n_skus, bundle.skus.len(), "every SKU reached the device");

    // Cross-check of the wire figure: the same pull done again with a plain HTTP client,
    // summing the response bodies (no headers).
    let token = std::fs::read_to_string(device_dir.join("token")).unwrap();
    let (bodies, pages) = rt.block_on(async {
        let http = reqwest::Client::new();
        let (mut cursor, mut bodies, mut pages) = (shared::protocol::BOOTSTRAP_CURSOR.to_string(), 0u64, 0u32);
        loop {
            let body = http
                .get(format!("http://{addr}/api/v1/sync/pull"))
                .query(&[("cursor", cursor.as_str()), ("limit", "1000")])
                .bearer_auth(token.trim())
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            bodies += body.len() as u64;
            pages += 1;
            let page: shared::protocol::PullResponse = serde_json::from_slice(&body).unwrap();
            cursor = page.cursor;
            if !page.has_more {
                return (bodies, pages);
            }
        }
    });

    // The raw limit: the same SKU and stock rows straight into SQLite.
    let skus: Vec<_> = bundle
        .skus
        .iter()
        .map(|s| {
            (s.code.clone(), s.barcode.as_str().to_string(), s.style_code.clone(), serde_json::to_string(s).unwrap())
        })
        .collect();
    let stock: Vec<_> = store_stock
        .iter()
        .map(|s| {
            let on_hand = s.on_hand.get();
            let safety = s.safety.map(|c| c.get()).unwrap_or(0);
            let r = StockRecord {
                sku_code: s.sku_code.clone(),
                quality: s.quality,
                on_hand,
                reserved: 0,
                safety,
                locked: 0,
                lease: on_hand - safety,
            };
            (s.sku_code.clone(), s.quality.as_str().to_string(), serde_json::to_string(&r).unwrap())
        })
        .collect();
    let raw_s = raw_insert(&dir.path().join("raw.sqlite"), &skus, &stock);
    let raw_rows = skus.len() + stock.len();

    println!("{:<44} {:>10} {:>10} {:>12} {:>12}", "", "seconds", "records", "records/s", "bytes");
    println!(
        "{:<44} {:>10.2} {:>10} {:>12.0} {:>12}",
        "device bootstrap (sync_once over HTTP)",
        boot_s,
        report.pulled,
        report.pulled as f64 / boot_s,
        down + up
    );
    println!(
        "{:<44} {:>10.2} {:>10} {:>12.0} {:>12}",
        "raw SQLite insert (SKUs + stock, 1 tx)",
        raw_s,
        raw_rows,
        raw_rows as f64 / raw_s,
        "-"
    );
    println!(
        "wire, whole sync_once incl. availability snapshot (TCP proxy, headers included, uncompressed): {} server→device ({:.0} B/record), {} device→server",
        common::mib(down),
        down as f64 / report.pulled.max(1) as f64,
        common::mib(up)
    );
    println!(
        "cross-check, response bodies of the same pull via a separate reqwest loop: {} in {pages} pages ({:.0} B/record)",
        common::mib(bodies),
        bodies as f64 / report.pulled.max(1) as f64
    );
    println!("ratio raw_time / bootstrap_time = {:.3}", raw_s / boot_s);
}
