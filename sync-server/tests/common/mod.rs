//! Test harness: a real server on loopback over a fresh database, and a small fixture.
#![allow(dead_code)]

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::import::ImportBundle;
use std::sync::Arc;
use sync_server::http::rate_limit::Limits;
use sync_server::http::serve::ServeLimits;
use sync_server::storage::Storage;

pub const ADMIN: &str = "test-admin-token-0123456789";

/// A fresh, empty database for one test, on the backend `SYNC_TEST_BACKEND` names
/// (`sqlite`, the default, or `postgres`); dropped with the test.
pub struct Database {
    pub url: String,
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

/// Whether this run tests the PostgreSQL backend (`SYNC_TEST_BACKEND=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("SYNC_TEST_BACKEND").as_deref() == Ok("postgres")
}

/// Where PostgreSQL tests create their databases.
pub fn postgres_admin_url() -> String {
    std::env::var("SYNC_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Runs blocking PostgreSQL admin statements on a thread of their own (the blocking client
/// cannot run on an async thread).
pub fn postgres_admin(sql: String) {
    let url = postgres_admin_url();
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap_or_else(|e| {
            panic!("PostgreSQL is not reachable at {url} ({e}); start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start")
        });
        c.batch_execute(&sql).unwrap();
    })
    .join()
    .unwrap();
}

impl Database {
    pub fn fresh() -> Database {
        let dir = tempfile::tempdir().unwrap();
        if on_postgres() {
            Database::fresh_postgres(dir)
        } else {
            Database { url: format!("sqlite://{}", dir.path().join("hq.sqlite").display()), postgres: None, _dir: dir }
        }
    }

    pub fn fresh_postgres(dir: tempfile::TempDir) -> Database {
        let name = format!("omni_test_{}", uuid::Uuid::new_v4().simple());
        postgres_admin(format!("CREATE DATABASE {name}"));
        let admin = postgres_admin_url();
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin);
        Database { url: format!("{base}/{name}"), postgres: Some((name, base)), _dir: dir }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some((name, _)) = &self.postgres {
            let name = name.clone();
            let _ = std::panic::catch_unwind(|| postgres_admin(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")));
        }
    }
}

pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    pub storage: Arc<dyn Storage>,
    pub database: Database,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        // Bad-input sweeps send hundreds of wrong credentials from one address; the
        // credential limits themselves are tested in rate_limits.rs.
        let auth = Limits { per_source: 0, per_code: 0, ..Limits::default() };
        TestServer::start_with(ServeLimits::default(), auth).await
    }

    /// A server with these connection bounds and credential limits, served as `serve` does.
    pub async fn start_with(serve_limits: ServeLimits, auth: Limits) -> TestServer {
        let database = Database::fresh();
        let storage = sync_server::storage::open(&database.url).unwrap();
        let app = sync_server::app_with(storage.clone(), ADMIN, auth);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(sync_server::http::serve::serve(listener, app, serve_limits, std::future::pending()));
        let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
        TestServer { base, client, storage, database }
    }

    pub async fn with_fixture() -> TestServer {
        let s = TestServer::start().await;
        let r = s.admin_post("/api/v1/import", serde_json::to_value(fixture()).unwrap()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        s
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let body =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Reply { status, body }
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> Reply {
        self.send(self.client.post(format!("{}{path}", self.base)).bearer_auth(ADMIN).json(&body)).await
    }

    pub async fn admin_get(&self, path: &str) -> Reply {
        self.send(self.client.get(format!("{}{path}", self.base)).bearer_auth(ADMIN)).await
    }

    pub async fn admin_delete(&self, path: &str) -> Reply {
        self.send(self.client.delete(format!("{}{path}", self.base)).bearer_auth(ADMIN)).await
    }

    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let mut req =
            self.client.request(method, format!("{}{path}", self.base)).header("content-type", content_type).body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    pub async fn device_post(&self, token: &str, path: &str, body: Value) -> Reply {
        self.send(self.client.post(format!("{}{path}", self.base)).bearer_auth(token).json(&body)).await
    }

    pub async fn device_get(&self, token: &str, path: &str) -> Reply {
        self.send(self.client.get(format!("{}{path}", self.base)).bearer_auth(token)).await
    }

    /// Enrols a device at `store` and returns its token.
    pub async fn enrol(&self, store: &str) -> String {
        let r = self.admin_post("/api/v1/enrollment-codes", json!({ "store_code": store })).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let code = r.body["code"].as_str().unwrap().to_string();
        let r = self
            .send(self.client.post(format!("{}/api/v1/enroll", self.base)).json(&json!({
                "code": code, "device_name": format!("tablet at {store}"), "protocol_version": 1
            })))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["token"].as_str().unwrap().to_string()
    }

    /// Everything a client could observe changing: counts of every table that records facts.
    pub async fn fingerprint(&self) -> Vec<i64> {
        sync_server::service::read(self.storage.as_ref(), |tx| {
            let mut out = Vec::new();
            for table in [
                "stock_movement",
                "reservation",
                "orders",
                "fulfillment_order",
                "applied_op",
                "change_log",
                "device",
                "flagged_conflict",
                "notification",
                "return_receipt",
                "attribution",
                "node",
                "sku",
                "staff",
            ] {
                let r = tx.query_opt(&format!("SELECT COUNT(*) FROM {table}"), &[])?.unwrap();
                out.push(r.i64(0)?);
            }
            let r = tx
                .query_opt("SELECT CAST(COALESCE(SUM(on_hand), 0) AS BIGINT), CAST(COALESCE(SUM(reserved), 0) AS BIGINT) FROM stock_balance", &[])?
                .unwrap();
            out.push(r.i64(0)?);
            out.push(r.i64(1)?);
            Ok(out)
        })
        .await
        .unwrap()
    }

    /// Asserts the stock ledger balances.
    pub async fn assert_audit_clean(&self) {
        let r = self.admin_get("/api/v1/stock/audit").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body["ledger_mismatches"], json!([]), "{}", r.body);
        assert_eq!(r.body["reservation_mismatches"], json!([]), "{}", r.body);
    }

    pub async fn stock(&self, node: &str, sku: &str) -> Value {
        let r = self.admin_get(&format!("/api/v1/stock?node={node}&sku={sku}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["quality"] == "sellable")
            .cloned()
            .unwrap_or(json!({"on_hand": 0, "reserved": 0}))
    }

    /// Claims pending notifications and returns the pickup code sent for `fo`.
    pub async fn pickup_code_for(&self, fo: &str) -> String {
        let r = self.admin_post("/api/v1/notifications/claim", json!(null)).await;
        let r = if r.status == StatusCode::OK {
            r
        } else {
            self.send(self.client.post(format!("{}/api/v1/notifications/claim", self.base)).bearer_auth(ADMIN)).await
        };
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let n = r
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["fulfillment_order_id"] == fo && n["kind"] == "pickup_code")
            .expect("a pickup code notification");
        let body = n["body"].as_str().unwrap();
        let start = body.find("Pickup code ").expect("the code in the notification") + "Pickup code ".len();
        body[start..].chars().take(8).collect()
    }
}

/// Two Shanghai stores (A near the customer, B further), one warehouse, three SKUs.
#[allow(unused_imports)] // used by some test binaries only
pub use gen::ean;

pub fn fixture() -> ImportBundle {
    gen::tiny()
}

/// A channel order body.
pub fn order(id: &str, kind: &str, pickup_store: Option<&str>, lines: &[(&str, i64)]) -> Value {
    json!({
        "channel": "tmall",
        "channel_order_id": id,
        "fulfillment": kind,
        "customer": { "name": "张三", "phone": "13800001234", "address": "上海市静安区", "location": { "lat": 31.23, "lon": 121.47 } },
        "pickup_store": pickup_store,
        "lines": lines.iter().map(|(sku, q)| json!({ "sku_code": sku, "qty": q, "unit_price": 59900, "discount": 5900 })).collect::<Vec<_>>(),
    })
}

/// Builds push ops with consecutive sequence numbers from `first_seq`.
pub fn batch(first_seq: u64, staff: &str, ops: Vec<Value>) -> Value {
    let ops: Vec<Value> = ops
        .into_iter()
        .enumerate()
        .map(|(i, op)| {
            json!({
                "op_id": uuid::Uuid::now_v7(),
                "device_seq": first_seq + i as u64,
                "staff_id": staff,
                "device_time": "2026-11-23T10:00:00Z",
                "op": op,
            })
        })
        .collect();
    json!({ "protocol_version": 1, "ops": ops })
}

/// A `sync-server serve` child process on a free loopback port; killed when dropped.
pub struct Instance {
    pub base: String,
    child: std::process::Child,
}

impl Instance {
    pub async fn start(database_url: &str) -> Instance {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_sync-server"))
            .args(["--database", database_url, "serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("SYNC_ADMIN_TOKEN", ADMIN)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Owned at once, so a failed start still kills the child on drop.
        let instance = Instance { base: format!("http://127.0.0.1:{port}"), child };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if client.get(format!("{}/healthz", instance.base)).send().await.is_ok() {
                return instance;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("sync-server instance did not come up on port {port}");
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP proxy on loopback that can be cut (every connection dropped, nothing accepted)
/// and restored on the same port: a database restart or a network outage, as the server
/// sees it.
pub struct Proxy {
    pub port: u16,
    target: std::net::SocketAddr,
    tasks: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    pub async fn start(target: std::net::SocketAddr) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let p = Proxy { port, target, tasks: Arc::new(std::sync::Mutex::new(Vec::new())) };
        p.serve(listener);
        p
    }

    fn serve(&self, listener: tokio::net::TcpListener) {
        let (target, tasks) = (self.target, self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(conn);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    /// Drops every connection and stops accepting.
    pub fn cut(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }

    /// Accepts again on the same port.
    pub async fn restore(&self) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.serve(listener);
    }
}

/// A manager's approval proof for `what`, computed as their device does from the PIN they
/// type, with the approval salt the store's devices get in the staff record (bootstrap pull).
pub async fn approval(
    client: &reqwest::Client,
    base: &str,
    device_token: &str,
    manager_id: &str,
    pin: &str,
    what: shared::approval::Approved<'_>,
) -> String {
    let mut cursor = "0".to_string();
    loop {
        let r = client
            .get(format!("{base}/api/v1/sync/pull?cursor={cursor}"))
            .bearer_auth(device_token)
            .send()
            .await
            .unwrap();
        let page: Value = r.json().await.unwrap();
        let salt = page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["entity"] == "staff" && c["id"] == manager_id)
            .map(|c| c["approval_salt"].as_str().unwrap().to_string());
        if let Some(salt) = salt {
            let key = shared::approval::approval_key(pin, manager_id, &salt);
            return shared::approval::proof(&key, what);
        }
        assert!(page["has_more"].as_bool().unwrap(), "{manager_id} is not staff of the device's store");
        cursor = page["cursor"].as_str().unwrap().to_string();
    }
}

/// Every string leaf of `v` as a JSON path (`a.b[0].c`) with its value.
pub fn string_leaves(v: &Value, at: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((at, s.clone())),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| string_leaves(x, format!("{at}[{i}]"), out)),
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| string_leaves(x, if at.is_empty() { k.clone() } else { format!("{at}.{k}") }, out)),
        _ => {}
    }
}

/// `v` with the string at `path` replaced.
pub fn replaced(v: &Value, path: &str, new: &str) -> Value {
    let mut v = v.clone();
    let mut cur = &mut v;
    for part in path.split('.') {
        let (key, indices) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        cur = &mut cur[key];
        for idx in indices.split(['[', ']']).filter(|s| !s.is_empty()) {
            cur = &mut cur[idx.parse::<usize>().unwrap()];
        }
    }
    *cur = json!(new);
    v
}

/// Takes a new pickup order of one SKU-1 at STORE-A to ready with `token`'s ops from
/// `first_seq` (four ops); returns the fulfillment order id.
pub async fn ready_pickup_order(s: &TestServer, token: &str, first_seq: u64, channel_order_id: &str) -> uuid::Uuid {
    let r = s.admin_post("/api/v1/orders", order(channel_order_id, "pickup", Some("STORE-A"), &[("SKU-1", 1)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let fo = r.body["fulfillment_orders"][0]["id"].as_str().unwrap().to_string();
    let ops = vec![
        json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo}),
        json!({"kind": "StartPick", "fulfillment_order_id": fo}),
        json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": 1, "picked": 1}]}),
        json!({"kind": "MarkReady", "fulfillment_order_id": fo}),
    ];
    let r = s.device_post(token, "/api/v1/sync/push", batch(first_seq, "STORE-A-A", ops)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    fo.parse().unwrap()
}
