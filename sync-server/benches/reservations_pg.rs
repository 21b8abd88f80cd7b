//! Reservation throughput with 1, 2 and 3 sync-server processes on one PostgreSQL
//! database, against the raw limit measured in the same run: the same conditional UPDATE
//! issued directly by a pool of 16 connections (one autocommit statement each).
//!
//! `cargo bench -p sync-server --bench reservations_pg [-- --seconds N]`; the database is
//! created under `SYNC_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/postgres)
//! and dropped at the end.

mod common;

use anyhow::Context;
use common::{CLIENTS, SKUS};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const RAW_CONNECTIONS: usize = 16;

fn admin(sql: &str) -> anyhow::Result<()> {
    let url = std::env::var("SYNC_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut c = postgres::Client::connect(&url, postgres::NoTls).context("PostgreSQL is not reachable (see README)")?;
    c.batch_execute(sql)?;
    Ok(())
}

struct Instances(Vec<Child>);

impl Drop for Instances {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn start_instances(url: &str, n: usize) -> anyhow::Result<(Instances, Vec<String>)> {
    let mut children = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..n {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        children.push(
            Command::new(env!("CARGO_BIN_EXE_sync-server"))
                .args(["--database", &format!("{url}?pool_size=16"), "serve", "--listen", &format!("127.0.0.1:{port}")])
                .env("SYNC_ADMIN_TOKEN", common::ADMIN)
                .env("RUST_LOG", "error")
                .stdout(Stdio::null())
                .spawn()?,
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "instance did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        bases.push(format!("http://127.0.0.1:{port}"));
    }
    Ok((Instances(children), bases))
}

fn raw_rate(url: &str, hot: bool, seconds: u64) -> anyhow::Result<f64> {
    let total = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let threads: Vec<_> = (0..RAW_CONNECTIONS)
        .map(|i| {
            let (url, total) = (url.to_string(), total.clone());
            std::thread::spawn(move || -> anyhow::Result<()> {
                let mut c = postgres::Client::connect(&url, postgres::NoTls)?;
                let stmt = c.prepare(common::RAW_UPDATE)?;
                let mut pick = common::sku_picker(hot, i as u64);
                let mut n = 0;
                while Instant::now() < deadline {
                    let one: i64 = 1;
                    assert_eq!(c.execute(&stmt, &[&"BENCH-WH", &pick(), &one])?, 1);
                    n += 1;
                }
                total.fetch_add(n, Ordering::Relaxed);
                Ok(())
            })
        })
        .collect();
    for t in threads {
        t.join().map_err(|_| anyhow::anyhow!("a raw UPDATE thread panicked"))??;
    }
    Ok(total.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64())
}

fn main() -> anyhow::Result<()> {
    let seconds = common::seconds_arg();
    let name = format!("omni_bench_{}", std::process::id());
    admin(&format!("DROP DATABASE IF EXISTS {name}"))?;
    admin(&format!("CREATE DATABASE {name}"))?;
    let base_url = std::env::var("SYNC_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let url = format!("{}/{name}", base_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&base_url));
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    {
        let storage = sync_server::storage::open(&url)?;
        rt.block_on(common::seed(storage.as_ref()))?;
    }
    println!("reservations on PostgreSQL: {CLIENTS} HTTP clients round-robin over the instances, {SKUS} SKUs, {seconds} s per run; raw limit: {RAW_CONNECTIONS} connections issuing the conditional UPDATE; 2 cores shared by clients, servers and PostgreSQL");
    println!("{:<10} {:<24} {:>12} {:>18} {:>8}", "instances", "scenario", "HTTP res/s", "raw UPDATE res/s", "ratio");
    for (scenario, hot) in [("one hot SKU", true), ("spread over 5,000 SKUs", false)] {
        let raw = raw_rate(&url, hot, seconds)?;
        for n in 1..=3 {
            let (_instances, bases) = start_instances(&url, n)?;
            let http = rt.block_on(common::http_rate(&bases, hot, seconds, &format!("{scenario}-{n}")))?;
            println!("{n:<10} {scenario:<24} {http:>12.0} {raw:>18.0} {:>8.3}", http / raw);
        }
    }
    drop(rt);
    admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
}
