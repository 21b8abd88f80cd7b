//! What the device benchmarks share: an in-process sync server, enrolment, a byte-counting
//! TCP proxy and the command-line flags.
#![allow(dead_code)]

use replica::{FileTokenStore, Replica, SyncEngine};
use shared::import::ImportBundle;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use sync_server::service::{self, stock};
use sync_server::storage::Storage;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The admin token of the in-process server.
pub const ADMIN: &str = "bench-admin-token-0123456789";

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

/// A sync server over a fresh SQLite file at `path`; returns the storage and its address.
pub async fn server(path: &Path) -> (Arc<dyn Storage>, SocketAddr) {
    let storage = sync_server::storage::open(&format!("sqlite://{}", path.display())).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = sync_server::app(storage.clone(), ADMIN);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (storage, addr)
}

/// Imports a bundle in request-sized chunks, as the CLI does.
pub async fn import(storage: &dyn Storage, bundle: &ImportBundle) {
    for chunk in gen::import_requests(bundle) {
        service::write(storage, move |tx| stock::import(tx, &chunk)).await.unwrap();
    }
}

/// A device in `dir` enrolled at `store`: the code comes from the server at `admin_base`,
/// the device talks to `device_base` (the server itself or a proxy in front of it).
pub async fn enrol(admin_base: &str, device_base: &str, store: &str, dir: &Path) -> (Arc<Replica>, Arc<SyncEngine>) {
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{admin_base}/api/v1/enrollment-codes"))
        .bearer_auth(ADMIN)
        .json(&serde_json::json!({ "store_code": store }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let body: serde_json::Value = r.json().await.unwrap();
    let code = body["code"].as_str().unwrap().to_string();
    let replica = Arc::new(Replica::open(&dir.join("replica.sqlite")).unwrap());
    let engine = SyncEngine::new(replica.clone(), Arc::new(FileTokenStore::new(dir.join("token"))));
    engine.enroll(device_base, &code, "bench device").await.unwrap();
    (replica, engine)
}

/// A TCP proxy that counts the bytes it forwards each way (HTTP headers included).
pub struct Proxy {
    /// `http://127.0.0.1:PORT` of the proxy.
    pub base: String,
    /// Bytes device → server.
    pub up: Arc<AtomicU64>,
    /// Bytes server → device.
    pub down: Arc<AtomicU64>,
}

impl Proxy {
    /// Starts a proxy in front of `target`.
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (up, down) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (u, d) = (up.clone(), down.clone());
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { return };
                let Ok(server) = tokio::net::TcpStream::connect(target).await else { continue };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::spawn(pump(cr, sw, u.clone()));
                tokio::spawn(pump(sr, cw, d.clone()));
            }
        });
        Proxy { base, up, down }
    }

    /// Zeroes both counters.
    pub fn reset(&self) {
        self.up.store(0, Ordering::SeqCst);
        self.down.store(0, Ordering::SeqCst);
    }

    /// `(up, down)` bytes so far.
    pub fn bytes(&self) -> (u64, u64) {
        (self.up.load(Ordering::SeqCst), self.down.load(Ordering::SeqCst))
    }
}

async fn pump(mut from: tokio::net::tcp::OwnedReadHalf, mut to: tokio::net::tcp::OwnedWriteHalf, n: Arc<AtomicU64>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(k) => {
                n.fetch_add(k as u64, Ordering::Relaxed);
                if to.write_all(&buf[..k]).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown().await;
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
