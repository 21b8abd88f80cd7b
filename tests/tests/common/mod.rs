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
        body[body.find("PK1:").unwrap()..].rsplit(':').next().unwrap().chars().take(8).collect()
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
