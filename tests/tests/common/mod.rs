//! Harness for the end-to-end tests: a real sync-server process on loopback over a SQLite
//! file, and device engines in their own directories.
#![allow(dead_code)]

use replica::{FileTokenStore, Replica, SyncEngine};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// The HQ admin token the test server runs with.
pub const ADMIN: &str = "e2e-admin-token-0123456789";

/// A sync-server process.
pub struct Hq {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its port.
    pub port: u16,
    database: String,
    child: Option<Child>,
    http: reqwest::Client,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Hq {
    /// Starts a server over a fresh SQLite file in `dir`, loaded with the tiny brand.
    pub async fn start(dir: &Path) -> Hq {
        let mut hq = Hq {
            base: String::new(),
            port: free_port(),
            database: format!("sqlite://{}", dir.join("hq.sqlite").display()),
            child: None,
            http: reqwest::Client::new(),
        };
        hq.base = format!("http://127.0.0.1:{}", hq.port);
        hq.restart().await;
        let r = hq.admin_post("/api/v1/import", serde_json::to_value(gen::tiny()).unwrap()).await;
        assert_eq!(r.0, 200, "{}", r.1);
        hq
    }

    /// Kills the process (SIGKILL).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the process again on the same port and database.
    pub async fn restart(&mut self) {
        self.kill();
        let child = Command::new(env!("CARGO_BIN_EXE_hq"))
            .args(["--database", &self.database, "serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .env("SYNC_ADMIN_TOKEN", ADMIN)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        for _ in 0..400 {
            if self.http.get(format!("{}/healthz", self.base)).send().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the sync server did not start");
    }

    /// POST with the admin token; returns status and JSON body.
    pub async fn admin_post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self.http.post(format!("{}{path}", self.base)).bearer_auth(ADMIN).json(&body).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// GET with the admin token.
    pub async fn admin_get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(format!("{}{path}", self.base)).bearer_auth(ADMIN).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// A one-time enrollment code for `store`.
    pub async fn enrollment_code(&self, store: &str) -> String {
        let (s, b) = self.admin_post("/api/v1/enrollment-codes", json!({ "store_code": store })).await;
        assert_eq!(s, 201, "{b}");
        b["code"].as_str().unwrap().to_string()
    }

    /// Places a pickup order at `store`; returns the fulfillment order id.
    pub async fn pickup_order(&self, id: &str, store: &str, sku: &str, qty: i64) -> uuid::Uuid {
        let body = json!({
            "channel": "tmall", "channel_order_id": id, "fulfillment": "pickup", "pickup_store": store,
            "customer": { "name": "王五", "phone": "13700001234" },
            "lines": [{ "sku_code": sku, "qty": qty, "unit_price": 39900 }],
        });
        let (s, b) = self.admin_post("/api/v1/orders", body).await;
        assert_eq!(s, 201, "{b}");
        b["fulfillment_orders"][0]["id"].as_str().unwrap().parse().unwrap()
    }

    /// On-hand and reserved of a sellable balance.
    pub async fn stock(&self, node: &str, sku: &str) -> (i64, i64) {
        let (_, b) = self.admin_get(&format!("/api/v1/stock?node={node}&sku={sku}")).await;
        let s = b.as_array().and_then(|a| a.iter().find(|s| s["quality"] == "sellable").cloned()).unwrap_or(json!({}));
        (s["on_hand"].as_i64().unwrap_or(0), s["reserved"].as_i64().unwrap_or(0))
    }

    /// The pickup code the customer got for `fo` (claims the notification outbox).
    pub async fn pickup_code(&self, fo: uuid::Uuid) -> String {
        let (_, notes) = self.admin_post("/api/v1/notifications/claim", json!({})).await;
        let n = notes
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["fulfillment_order_id"] == fo.to_string())
            .expect("a pickup code notification")
            .clone();
        let body = n["body"].as_str().unwrap();
        let at = body.find("Pickup code ").expect("the code in the notification") + "Pickup code ".len();
        body[at..].chars().take(8).collect()
    }

    /// Asserts the ledger balances.
    pub async fn assert_audit_clean(&self) {
        let (_, a) = self.admin_get("/api/v1/stock/audit").await;
        assert_eq!(a["ledger_mismatches"], json!([]), "{a}");
        assert_eq!(a["reservation_mismatches"], json!([]), "{a}");
    }
}

impl Drop for Hq {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A device: its replica and sync engine in a directory of its own.
pub struct Device {
    /// The replica.
    pub replica: Arc<Replica>,
    /// The sync engine.
    pub engine: Arc<SyncEngine>,
    /// Its directory (replica.sqlite, token).
    pub dir: PathBuf,
}

impl Device {
    /// Opens the device in `dir` (enrolled or not).
    pub fn open(dir: &Path) -> Device {
        std::fs::create_dir_all(dir).unwrap();
        let replica = Arc::new(Replica::open(&dir.join("replica.sqlite")).unwrap());
        let engine = SyncEngine::new(replica.clone(), Arc::new(FileTokenStore::new(dir.join("token"))));
        Device { replica, engine, dir: dir.to_path_buf() }
    }

    /// A new device enrolled at `store` on `server_url`, bootstrapped.
    pub async fn enrol(hq: &Hq, server_url: &str, store: &str, dir: &Path) -> Device {
        let d = Device::open(dir);
        let code = hq.enrollment_code(store).await;
        d.engine.enroll(server_url, &code, "test device").await.unwrap();
        d.engine.sync_once().await.unwrap();
        d
    }
}

// ---------------------------------------------------------------------------------------
// Fault injection: bounded tests, child devices, a TCP proxy and a fake HTTP server.
// ---------------------------------------------------------------------------------------

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;

/// Runs `f`, failing the test if it takes longer than `secs` seconds.
pub async fn bounded<F: std::future::Future>(secs: u64, f: F) -> F::Output {
    match tokio::time::timeout(Duration::from_secs(secs), f).await {
        Ok(v) => v,
        Err(_) => panic!("the test did not finish within {secs} s"),
    }
}

/// A return of one unit of `sku`, resaleable, for a made-up order: a fact that adds one
/// unit to the store's on-hand whether or not the order is known.
pub fn return_op(sku: &str) -> shared::protocol::Op {
    shared::protocol::Op::AcceptReturn {
        return_id: uuid::Uuid::now_v7(),
        order_id: uuid::Uuid::now_v7(),
        lines: vec![shared::protocol::ReturnLine {
            sku_code: sku.to_string(),
            qty: shared::Qty::new(1).unwrap(),
            condition: shared::protocol::ReturnCondition::Resaleable,
        }],
        approved_by: None,
        approval: None,
    }
}

impl Hq {
    /// The `last_seq` HQ recorded for `device`.
    pub async fn device_last_seq(&self, device: uuid::Uuid) -> i64 {
        let (s, b) = self.admin_get("/api/v1/devices").await;
        assert_eq!(s, 200, "{b}");
        let d = b.as_array().unwrap().iter().find(|d| d["id"] == device.to_string()).unwrap_or_else(|| panic!("{b}"));
        d["last_seq"].as_i64().unwrap()
    }

    /// Places a pickup order at `store`; returns the order id and its fulfillment order id.
    pub async fn pickup_order_ids(&self, id: &str, store: &str, sku: &str, qty: i64) -> (uuid::Uuid, uuid::Uuid) {
        let body = json!({
            "channel": "tmall", "channel_order_id": id, "fulfillment": "pickup", "pickup_store": store,
            "customer": { "name": "王五", "phone": "13700001234" },
            "lines": [{ "sku_code": sku, "qty": qty, "unit_price": 39900 }],
        });
        let (s, b) = self.admin_post("/api/v1/orders", body).await;
        assert_eq!(s, 201, "{b}");
        (
            b["id"].as_str().unwrap().parse().unwrap(),
            b["fulfillment_orders"][0]["id"].as_str().unwrap().parse().unwrap(),
        )
    }

    /// Every stock record of `node`.
    pub async fn node_stock(&self, node: &str) -> Vec<shared::protocol::StockRecord> {
        let (s, b) = self.admin_get(&format!("/api/v1/stock?node={node}")).await;
        assert_eq!(s, 200, "{b}");
        b.as_array()
            .unwrap()
            .iter()
            .map(|r| shared::protocol::StockRecord {
                sku_code: r["sku_code"].as_str().unwrap().to_string(),
                quality: serde_json::from_value(r["quality"].clone()).unwrap(),
                on_hand: r["on_hand"].as_i64().unwrap(),
                reserved: r["reserved"].as_i64().unwrap(),
                safety: r["safety"].as_i64().unwrap_or(0),
                locked: r["locked"].as_i64().unwrap_or(0),
                lease: 0,
            })
            .collect()
    }

    /// The server's address (for a proxy in front of it).
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }
}

/// A `device DIR ...` child process, SIGKILLed when dropped.
pub struct DeviceProcess(pub Child);

impl DeviceProcess {
    /// Starts `device DIR args...`.
    pub fn spawn(dir: &Path, args: &[&str]) -> DeviceProcess {
        let child = Command::new(env!("CARGO_BIN_EXE_device"))
            .arg(dir)
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        DeviceProcess(child)
    }

    /// SIGKILLs it; true if it was still running.
    pub fn kill(&mut self) -> bool {
        let running = self.0.try_wait().unwrap().is_none();
        let _ = self.0.kill();
        let _ = self.0.wait();
        running
    }

    /// Whether it exited (and how).
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.0.try_wait().unwrap()
    }
}

impl Drop for DeviceProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `device DIR args...` to the end; panics with its output if it fails.
pub async fn run_device(dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_device"));
    cmd.arg(dir).args(args).env("RUST_LOG", "warn");
    let out = tokio::task::spawn_blocking(move || cmd.output()).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "device {args:?} failed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// Reads a meta value of the replica in `dir` from another connection (the replica may be
/// in use by a child process).
pub fn replica_meta(dir: &Path, key: &str) -> Option<String> {
    let conn = rusqlite::Connection::open(dir.join("replica.sqlite")).ok()?;
    conn.busy_timeout(Duration::from_secs(5)).ok()?;
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).ok()
}

/// Ops in the outbox of the replica in `dir`, read from another connection.
pub fn replica_outbox(dir: &Path) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("replica.sqlite")).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0)).unwrap()
}

/// What the proxy does with a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyMode {
    /// Forwards both ways.
    Pass,
    /// Forwards the request, then closes both sides as soon as the server starts to
    /// answer: the server did the work, the client never hears of it.
    DropResponses,
}

/// A TCP proxy on loopback in front of a target that can drop responses, cut every
/// connection and switch targets.
pub struct Proxy {
    /// Its port.
    pub port: u16,
    target: Arc<Mutex<SocketAddr>>,
    drop_responses: Arc<AtomicBool>,
    dropped: Arc<AtomicUsize>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    /// A pass-through proxy to `target`.
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let target = Arc::new(Mutex::new(target));
        let drop_responses = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicUsize::new(0));
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let accept = tokio::spawn({
            let (target, drop_responses, dropped, conns) =
                (target.clone(), drop_responses.clone(), dropped.clone(), conns.clone());
            async move {
                while let Ok((inbound, _)) = listener.accept().await {
                    let to = *target.lock().unwrap();
                    let conn = tokio::spawn(relay(inbound, to, drop_responses.clone(), dropped.clone()));
                    let mut conns = conns.lock().unwrap();
                    conns.retain(|c| !c.is_finished());
                    conns.push(conn);
                }
            }
        });
        Proxy { port, target, drop_responses, dropped, conns, accept }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Switches mode for bytes from now on.
    pub fn set_mode(&self, mode: ProxyMode) {
        self.drop_responses.store(mode == ProxyMode::DropResponses, Ordering::SeqCst);
    }

    /// Responses dropped so far.
    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }

    /// Closes every open connection (new ones are still accepted).
    pub fn cut(&self) {
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }

    /// Sends new connections to `target`, closing the open ones.
    pub fn set_target(&self, target: SocketAddr) {
        *self.target.lock().unwrap() = target;
        self.cut();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

async fn relay(
    inbound: tokio::net::TcpStream,
    to: SocketAddr,
    drop_responses: Arc<AtomicBool>,
    dropped: Arc<AtomicUsize>,
) {
    let Ok(outbound) = tokio::net::TcpStream::connect(to).await else { return };
    let (mut client_rd, mut client_wr) = inbound.into_split();
    let (mut server_rd, mut server_wr) = outbound.into_split();
    let up = async {
        let _ = tokio::io::copy(&mut client_rd, &mut server_wr).await;
        let _ = server_wr.shutdown().await;
        // The connection ends when the server side does.
        std::future::pending::<()>().await
    };
    let down = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match server_rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if drop_responses.load(Ordering::SeqCst) {
                dropped.fetch_add(1, Ordering::SeqCst);
                break;
            }
            if client_wr.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    };
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
    // Both sockets close here.
}

/// A canned HTTP answer: status and body.
pub type FakeAnswer = (u16, String);

/// A fake HTTP server on loopback that answers each request with what `respond` returns for
/// its request line (`"GET /api/v1/sync/pull?... HTTP/1.1"`), one request per connection.
pub struct FakeServer {
    /// Its port.
    pub port: u16,
    /// Request lines received.
    pub requests: Arc<Mutex<Vec<String>>>,
    accept: JoinHandle<()>,
}

impl FakeServer {
    /// Starts it.
    pub async fn start(respond: impl Fn(&str) -> FakeAnswer + Send + Sync + 'static) -> FakeServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let respond = Arc::new(respond);
        let accept = tokio::spawn({
            let requests = requests.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let (requests, respond) = (requests.clone(), respond.clone());
                    tokio::spawn(async move {
                        let _ = answer(stream, &requests, &*respond).await;
                    });
                }
            }
        });
        FakeServer { port, requests, accept }
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn answer(
    mut stream: tokio::net::TcpStream,
    requests: &Mutex<Vec<String>>,
    respond: &(dyn Fn(&str) -> FakeAnswer + Send + Sync),
) -> std::io::Result<()> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    let line = head.lines().next().unwrap_or("").to_string();
    requests.lock().unwrap().push(line.clone());
    let (status, body) = respond(&line);
    let resp = format!(
        "HTTP/1.1 {status} Fake\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(resp.as_bytes()).await?;
    stream.shutdown().await
}
