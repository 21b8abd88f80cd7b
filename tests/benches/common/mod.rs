//! What the device benchmarks share: `test-support`'s in-process sync server, device and
//! byte-counting TCP proxy in the shapes the benchmarks use, and the command-line flags.
#![allow(dead_code)]

use replica::{Replica, SyncEngine};
use shared::import::ImportBundle;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use sync_server::http::rate_limit::Limits;
use sync_server::http::serve::ServeLimits;
use sync_server::storage::Storage;
use test_support::device::Device;
use test_support::{Database, HqClient, TestServer};

/// `--quick`: a small run for CI smoke tests.
pub fn quick() -> bool {
    std::env::args().any(|a| a == "--quick")
}

/// `--NAME VALUE` from the command line, or `default`.
pub fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    let flag = format!("--{name}");
    args.iter().position(|a| *a == flag).and_then(|i| args.get(i + 1)).and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// A sync server in-process over a fresh SQLite file at `path`; its storage and address.
pub async fn server(path: &Path) -> (Arc<dyn Storage>, SocketAddr) {
    let s = TestServer::start_on(Database::sqlite_file(path), ServeLimits::default(), Limits::default()).await;
    (s.storage.clone(), s.addr())
}

/// Imports a bundle straight into the storage, in request-sized chunks, as the CLI does.
pub async fn import(storage: &dyn Storage, bundle: &ImportBundle) {
    test_support::import_into(storage, bundle).await
}

/// A device in `dir` enrolled at `store`: the code comes from the server at `admin_base`,
/// the device talks to `device_base` (the server itself or a proxy in front of it).
pub async fn enrol(admin_base: &str, device_base: &str, store: &str, dir: &Path) -> (Arc<Replica>, Arc<SyncEngine>) {
    let d = Device::enrolled(&HqClient::new(admin_base), device_base, store, dir).await;
    (d.replica, d.engine)
}

/// The byte-counting TCP proxy of `test-support`, with its address as `base`.
pub struct Proxy {
    /// `http://127.0.0.1:PORT` of the proxy.
    pub base: String,
    inner: test_support::Proxy,
}

impl Proxy {
    /// Starts a proxy in front of `target`.
    pub async fn start(target: SocketAddr) -> Proxy {
        let inner = test_support::Proxy::start(target).await;
        Proxy { base: inner.url(), inner }
    }

    /// Zeroes both counters.
    pub fn reset(&self) {
        self.inner.reset_bytes()
    }

    /// `(up, down)` bytes so far.
    pub fn bytes(&self) -> (u64, u64) {
        self.inner.bytes()
    }
}

/// Percentile of sorted durations, in microseconds.
pub fn percentile_us(sorted: &[std::time::Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e6
}

/// A human number of bytes.
pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}
