//! Barcode look-ups on a replica with a large catalogue, against the raw limit of the same
//! SELECT on a bare SQLite connection.
//!
//! `cargo bench -p tests --bench barcode [-- --skus N --lookups N] [-- --quick]`
//!
//! Fills a replica with 100,000 SKUs (`--quick`: 20,000) through `apply_pull` pages of
//! 1,000 `Change::Sku` with valid EAN-13s, then times 100,000 random `lookup_barcode`
//! calls one by one (each: mutex, cached prepared statement, index look-up, JSON decode of
//! the SKU). Raw limit, in the same run: `SELECT json FROM sku WHERE barcode = ?1` with a
//! prepared statement on a separate rusqlite connection to the same file, the same
//! barcodes in the same order, returning the JSON text.

// A benchmark of a test-only crate: a failed step should stop it loudly, and it stamps the
// data it generates with the time it runs.
#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod common;

use rand::{Rng, SeedableRng};
use replica::Replica;
use shared::catalogue::Sku;
use shared::protocol::{Change, PullResponse, PROTOCOL_VERSION};
use shared::Fen;
use std::time::{Duration, Instant};

fn summary(name: &str, mut d: Vec<Duration>) -> (f64, f64, f64) {
    let total: f64 = d.iter().map(|x| x.as_secs_f64()).sum();
    d.sort();
    let (p50, p99) = (common::percentile_us(&d, 0.50), common::percentile_us(&d, 0.99));
    let per_s = d.len() as f64 / total;
    println!("{name:<40} {p50:>10.1} {p99:>10.1} {per_s:>14.0}");
    (p50, p99, per_s)
}

fn main() {
    let quick = common::quick();
    let n_skus: u64 = common::arg("skus", if quick { 20_000 } else { 100_000 });
    let lookups: usize = common::arg("lookups", if quick { 20_000 } else { 100_000 });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replica.sqlite");
    let replica = Replica::open(&path).unwrap();

    let t = Instant::now();
    let mut n = 0u64;
    while n < n_skus {
        let changes: Vec<Change> = (n..(n + 1000).min(n_skus))
            .map(|i| {
                Change::Sku(Sku {
                    code: format!("S{i:07}"),
                    style_code: format!("ST{:05}", i / 27),
                    barcode: gen::ean(i),
                    colour: "黑".into(),
                    size: format!("{}", 36 + i % 10),
                    list_price: Fen(39_900),
                })
            })
            .collect();
        n += changes.len() as u64;
        let page = PullResponse {
            protocol_version: PROTOCOL_VERSION,
            cursor: n.to_string(),
            has_more: n < n_skus,
            bootstrap: None,
            changes,
            server_time: chrono::Utc::now(),
            rules: Default::default(),
        };
        replica.apply_pull(&page).unwrap();
    }
    println!(
        "barcode: {n_skus} SKUs applied via apply_pull in {:.2} s; {lookups} random look-ups, one at a time",
        t.elapsed().as_secs_f64()
    );

    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let codes: Vec<String> = (0..lookups).map(|_| gen::ean(rng.gen_range(0..n_skus)).as_str().to_string()).collect();

    println!("{:<40} {:>10} {:>10} {:>14}", "", "p50 µs", "p99 µs", "look-ups/s");
    let mut d = Vec::with_capacity(lookups);
    for c in &codes {
        let t = Instant::now();
        let sku = replica.lookup_barcode(c).unwrap();
        d.push(t.elapsed());
        assert!(sku.is_some());
    }
    let (p50, p99, rate) = summary("Replica::lookup_barcode", d);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let mut stmt = conn.prepare("SELECT json FROM sku WHERE barcode = ?1").unwrap();
    let mut d = Vec::with_capacity(lookups);
    for c in &codes {
        let t = Instant::now();
        let json: String = stmt.query_row([c], |r| r.get(0)).unwrap();
        d.push(t.elapsed());
        assert!(!json.is_empty());
    }
    let (raw50, raw99, raw_rate) = summary("raw prepared SELECT (rusqlite)", d);
    println!(
        "ratio raw / replica: p50 {:.3}, p99 {:.3}, throughput replica/raw {:.3}",
        raw50 / p50,
        raw99 / p99,
        rate / raw_rate
    );
}
