//! Reservation throughput over HTTP against the raw limit of the same SQLite file.
//!
//! `cargo bench -p sync-server --bench reservations [-- --seconds N]`
//!
//! Seeds one warehouse with 5,000 SKUs, then for a hot SKU and for SKUs spread over all
//! 5,000: 32 HTTP clients reserve 1 unit each per request for N seconds; then, in the same
//! run, the same conditional UPDATE is issued directly on the same database file in a tight
//! loop (one autocommit statement each, prepared once). Prints both rates and the ratio.

mod common;

use common::{CLIENTS, SKUS};
use std::time::{Duration, Instant};

fn raw_rate(path: &std::path::Path, hot: bool, seconds: u64) -> anyhow::Result<f64> {
    let conn = rusqlite::Connection::open(path)?;
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")?;
    let mut stmt = conn.prepare(&common::RAW_UPDATE.replace('$', "?"))?;
    let mut pick = common::sku_picker(hot, 7);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut n = 0u64;
    while Instant::now() < deadline {
        assert_eq!(stmt.execute(rusqlite::params!["BENCH-WH", pick(), 1])?, 1);
        n += 1;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

fn main() -> anyhow::Result<()> {
    let seconds = common::seconds_arg();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.sqlite");
    let storage = sync_server::storage::open(&format!("sqlite://{}", path.display()))?;
    rt.block_on(common::seed(storage.as_ref()))?;
    let base = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let app = sync_server::app(storage.clone(), common::ADMIN);
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("the benchmark's server stopped: {e}");
            }
        });
        anyhow::Ok(base)
    })?;
    println!("reservations: {CLIENTS} HTTP clients, {SKUS} SKUs, {seconds} s per run, SQLite (WAL, synchronous=NORMAL), 2 cores shared by clients and server");
    println!("{:<28} {:>14} {:>20} {:>8}", "scenario", "HTTP res/s", "raw UPDATE res/s", "ratio");
    for (name, hot) in [("one hot SKU", true), ("spread over 5,000 SKUs", false)] {
        let http = rt.block_on(common::http_rate(std::slice::from_ref(&base), hot, seconds, name))?;
        let raw = raw_rate(&path, hot, seconds)?;
        println!("{name:<28} {http:>14.0} {raw:>20.0} {:>8.3}", http / raw);
    }
    let audit =
        rt.block_on(sync_server::service::read(storage.as_ref(), |tx| Ok(sync_server::storage::ledger::audit(tx)?)))?;
    println!("ledger audit after the run: {} balances, {} ledger mismatches (raw UPDATEs bypass the reservation table, so {} reservation mismatches are expected)", audit.balances, audit.ledger_mismatches.len(), audit.reservation_mismatches.len());
    Ok(())
}
