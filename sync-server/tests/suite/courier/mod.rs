//! Courier dispatch (issue 12), on both backends: the server with a courier config, its
//! worker driven by the test (`run_due`, so every platform call happens when the test says),
//! the platforms' callbacks over real HTTP, and the courier simulator in-process where a
//! platform must answer the server's calls.

mod callbacks;
mod flows;
mod guards;
mod inputs;

use crate::common::{batch, fixture, order, Database, HqClient, Reply, ADMIN_TOKEN};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use shared::courier::dada;
use std::sync::Arc;
use sync_server::courier::{CourierConfig, Couriers};
use sync_server::http::rate_limit::Limits;
use sync_server::http::serve::ServeLimits;
use sync_server::service::courier::worker::Worker;
use sync_server::storage::Storage;
use uuid::Uuid;

/// The secrets of [`config`]: none may appear in an answer or a log line.
pub const SECRETS: [&str; 6] = [
    "sf-checkword-7f3a9c",
    "sf-push-token-51d0e2",
    "dada-app-secret-88b1",
    "dada-callback-token-c4e7",
    "fengniao-app-secret-0a9d",
    "fengniao-callback-token-6b2f",
];

/// The courier config of these tests: SF Express and two Dada-shaped rider platforms
/// (`dada`, `fengniao`), all serving STORE-A, at `sf`, `dada` and `fengniao`; the server
/// at `hq`.
pub fn config(hq: &str, sf: &str, dada: &str, fengniao: &str) -> String {
    format!(
        r#"
callback_base_url = "{hq}"
request_timeout_secs = 5
[stores.STORE-A]
contact = "静安店"
phone = "021-62000000"
address = "上海市静安区南京西路1号"
city_code = "021"
[sf_express]
base_url = "{sf}"
partner_id = "OMNI_TEST"
checkword = "{}"
callback_token = "{}"
[sf_express.stores]
STORE-A = {{ monthly_card = "7551234567" }}
[riders.dada]
base_url = "{dada}"
app_key = "dada-app-key"
app_secret = "{}"
source_id = "73753"
callback_token = "{}"
[riders.dada.shops]
STORE-A = "dada-shop-001"
[riders.fengniao]
base_url = "{fengniao}"
app_key = "fengniao-app-key"
app_secret = "{}"
source_id = "90001"
callback_token = "{}"
[riders.fengniao.shops]
STORE-A = "fn-shop-001"
"#,
        SECRETS[0], SECRETS[1], SECRETS[2], SECRETS[3], SECRETS[4], SECRETS[5]
    )
}

/// Where no platform listens (for tests whose worker never calls out).
pub const NOWHERE: &str = "http://127.0.0.1:9";

/// A server with couriers and its worker.
pub struct Hq {
    hq: HqClient,
    /// Its storage.
    pub storage: Arc<dyn Storage>,
    /// The worker, driven by the test.
    pub worker: Worker,
    /// Its base URL.
    pub base: String,
    _database: Database,
}

impl std::ops::Deref for Hq {
    type Target = HqClient;
    fn deref(&self) -> &HqClient {
        &self.hq
    }
}

impl Hq {
    /// A server over a fresh database with the fixture imported, the courier config
    /// `config(base)` (none: no couriers).
    pub async fn start(config: Option<&dyn Fn(&str) -> String>) -> Hq {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        Hq::start_on(listener, config.map(|c| c(&base))).await
    }

    /// A server on `listener` with this courier config (none: no couriers).
    pub async fn start_on(listener: tokio::net::TcpListener, config: Option<String>) -> Hq {
        let database = Database::fresh();
        let storage = sync_server::storage::open(&database.url).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let couriers = match config {
            Some(c) => Couriers::from_config(CourierConfig::parse(&c, &|_| None).unwrap()).unwrap(),
            None => Couriers::none(),
        };
        let worker = sync_server::start_couriers(storage.clone(), &couriers).await.unwrap();
        let limits = Limits { per_source: 0, per_code: 0, device_reads: 0, ..Limits::default() };
        let app = sync_server::app_with_couriers(storage.clone(), ADMIN_TOKEN, limits, couriers);
        tokio::spawn(sync_server::http::serve::serve(listener, app, ServeLimits::default(), std::future::pending()));
        let hq = HqClient::new(base.clone());
        hq.import(&fixture()).await;
        Hq { hq, storage, worker, base, _database: database }
    }

    /// A server whose platforms are nowhere (the worker is not run).
    pub async fn unreachable() -> Hq {
        Hq::start(Some(&|hq: &str| config(hq, NOWHERE, NOWHERE, NOWHERE))).await
    }

    /// Runs the worker until no task is due (bounded).
    pub async fn work(&self) -> usize {
        let mut total = 0;
        for _ in 0..20 {
            let n = self.worker.run_due().await.unwrap();
            if n == 0 {
                return total;
            }
            total += n;
        }
        panic!("the courier worker kept finding tasks");
    }

    /// Pushes `ops` as STORE-A's associate from `seq`; the outcomes.
    pub async fn push(&self, token: &str, seq: u64, ops: Vec<Value>) -> Vec<Value> {
        let r = self.device_post(token, "/api/v1/sync/push", batch(seq, "STORE-A-A", ops)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body["results"].as_array().unwrap().iter().map(|r| r["outcome"].clone()).collect()
    }

    /// Takes a `kind` order of `lines` at STORE-A and packs it there (3 ops from `seq`);
    /// the fulfillment order id.
    pub async fn packed(&self, token: &str, seq: u64, number: &str, kind: &str, lines: &[(&str, i64)]) -> Uuid {
        let r = self.admin_post("/api/v1/orders", order(number, kind, None, lines)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let fos = r.body["fulfillment_orders"].as_array().unwrap();
        assert_eq!(fos.len(), 1, "{}", r.body);
        assert_eq!(fos[0]["node_code"], "STORE-A", "{}", r.body);
        let fo = fos[0]["id"].as_str().unwrap().to_string();
        let picked: Vec<Value> =
            lines.iter().enumerate().map(|(i, (_, q))| json!({"line_no": i + 1, "picked": q})).collect();
        let out = self
            .push(
                token,
                seq,
                vec![
                    json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo}),
                    json!({"kind": "StartPick", "fulfillment_order_id": fo}),
                    json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": picked}),
                ],
            )
            .await;
        assert!(out.iter().all(|o| o["status"] == "applied"), "{out:?}");
        fo.parse().unwrap()
    }

    /// HQ's courier view of `fo`.
    pub async fn view(&self, fo: Uuid) -> Value {
        let r = self.admin_get(&format!("/api/v1/fulfillment-orders/{fo}/courier")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body
    }

    /// The latest booking of `fo` as HQ sees it.
    pub async fn latest(&self, fo: Uuid) -> Value {
        self.view(fo).await["bookings"].as_array().unwrap().last().cloned().unwrap_or(Value::Null)
    }

    /// The fulfillment order as the store's devices get it: its last version in the
    /// changes pulled from the start of the change log (a dispatched order is in no
    /// bootstrap snapshot).
    pub async fn device_view(&self, token: &str, fo: Uuid) -> Value {
        let mut cursor = "c/0/0".to_string();
        let mut last = Value::Null;
        for _ in 0..200 {
            let r = self.device_get(token, &format!("/api/v1/sync/pull?cursor={cursor}")).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            for c in r.body["changes"].as_array().unwrap() {
                if c["entity"] == "fulfillment_order" && c["id"] == fo.to_string() {
                    last = c.clone();
                }
            }
            cursor = r.body["cursor"].as_str().unwrap().to_string();
            if !r.body["has_more"].as_bool().unwrap() {
                return last;
            }
        }
        panic!("pull never finished");
    }

    /// The fulfillment order's state as HQ sees it.
    pub async fn state(&self, fo: Uuid) -> String {
        self.view(fo).await["state"].as_str().unwrap().to_string()
    }

    /// STORE-A's sellable balance of `sku`: (on-hand, reserved).
    pub async fn shelf(&self, sku: &str) -> (i64, i64) {
        let r = self.stock("STORE-A", sku).await;
        (r.on_hand, r.reserved)
    }

    /// Posts a callback body to `path` (which carries its `?token=`).
    pub async fn callback(&self, path: &str, body: &Value) -> Reply {
        self.send(self.request(Method::POST, path, None, Some(body))).await
    }

    /// Row counts of every courier table and of what a callback may change elsewhere.
    pub async fn courier_fingerprint(&self) -> Vec<i64> {
        sync_server::service::read(self.storage.as_ref(), |tx| {
            let mut out = Vec::new();
            for table in [
                "courier_booking",
                "courier_callback",
                "courier_task",
                "courier_fee",
                "notification",
                "stock_movement",
                "flagged_conflict",
                "change_log",
            ] {
                out.push(tx.query_opt(&format!("SELECT COUNT(*) FROM {table}"), &[])?.unwrap().i64(0)?);
            }
            let r =
                tx.query_opt("SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM fulfillment_order", &[])?.unwrap();
            out.push(r.i64(0)?);
            Ok(out)
        })
        .await
        .unwrap()
    }

    /// Notifications of `kind` for `fo` as stored (body).
    pub async fn notes(&self, fo: Uuid, kind: &str) -> Vec<String> {
        let (fo, kind) = (fo.to_string(), kind.to_string());
        sync_server::service::read(self.storage.as_ref(), move |tx| {
            let rows = tx.query(
                "SELECT body FROM notification WHERE fulfillment_order_id = $1 AND kind = $2 ORDER BY id",
                &[fo.as_str().into(), kind.as_str().into()],
            )?;
            Ok(rows.iter().map(|r| r.text(0)).collect::<Result<Vec<_>, _>>()?)
        })
        .await
        .unwrap()
    }

    /// Conflict codes flagged for `fo`.
    pub async fn flags(&self, fo: Uuid) -> Vec<String> {
        let r = self.admin_get("/api/v1/conflicts?status=all&limit=1000").await;
        r.body
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["fulfillment_order_id"] == fo.to_string())
            .map(|c| c["code"].as_str().unwrap().to_string())
            .collect()
    }

    /// Makes booking `id` look booked with `platform` under `platform_no` (for callback
    /// tests that need no platform to answer): what the worker records from a create.
    pub async fn as_booked(&self, id: Uuid, platform: &str, platform_no: &str, waybills: &[&str]) {
        let (platform, no) = (platform.to_string(), platform_no.to_string());
        let waybills: Vec<String> = waybills.iter().map(|w| w.to_string()).collect();
        sync_server::service::write(self.storage.as_ref(), move |tx| {
            use sync_server::storage::courier as store;
            let mut b = store::booking_for_update(tx, id)?.unwrap();
            b.booking.platform = platform.clone();
            b.booking.platform_order_no = Some(no.clone());
            b.booking.status = shared::courier::BookingStatus::Dispatching;
            b.booking.fee = shared::Fen(900);
            for (p, w) in b.booking.parcels.iter_mut().zip(&waybills) {
                p.waybill_no = Some(w.clone());
            }
            store::update_booking(tx, &b, 0)?;
            tx.exec("UPDATE courier_task SET done_ms = 1 WHERE booking_id = $1", &[id.to_string().into()])?;
            Ok(())
        })
        .await
        .unwrap();
    }
}

/// A RequestCourier op with `delivery`.
pub fn request(fo: Uuid, booking: Uuid, method: &str, parcels: Value) -> Value {
    json!({"kind": "RequestCourier", "fulfillment_order_id": fo,
           "delivery": {"booking_id": booking, "method": method, "service": "standard", "parcels": parcels}})
}

/// One parcel of `weight_g` holding `lines` (`(line_no, qty)`).
pub fn parcel(weight_g: u32, lines: &[(u32, i64)]) -> Value {
    json!({"weight_g": weight_g, "lines": lines.iter().map(|(l, q)| json!({"line_no": l, "qty": q})).collect::<Vec<_>>()})
}

/// A Dada callback about booking `id`, signed as Dada signs it.
pub fn dada_callback(id: Uuid, client_id: &str, status: i64, at: i64, extra: Value) -> Value {
    let mut c = dada::Callback {
        client_id: client_id.into(),
        order_id: id.to_string(),
        order_status: status,
        repeat_reason_type: None,
        cancel_reason: String::new(),
        cancel_from: 0,
        update_time: at,
        signature: String::new(),
        dm_id: None,
        dm_name: None,
        dm_mobile: None,
        finish_code: None,
        fetch_code: None,
        transporter_lat: None,
        transporter_lng: None,
        deduct_fee: None,
    };
    c.sign();
    let mut v = serde_json::to_value(&c).unwrap();
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in e {
            o.insert(k.clone(), x.clone());
        }
    }
    v
}

/// The Dada callback path of `platform` with its token.
pub fn rider_path(platform: &str) -> String {
    let token = if platform == "dada" { SECRETS[3] } else { SECRETS[5] };
    format!("/api/v1/couriers/{platform}/callback?token={token}")
}

/// The SF route push path with its token.
pub fn sf_path() -> String {
    format!("/api/v1/couriers/sf-express/route-push?token={}", SECRETS[1])
}

/// An SF route push of `(waybill, order id, op code, Beijing time)` routes.
pub fn sf_push(routes: &[(&str, Uuid, &str, &str)]) -> Value {
    json!({"Body": {"WaybillRoute": routes.iter().enumerate().map(|(i, (w, o, op, t))| json!({
        "id": format!("r{i}-{w}-{op}"), "mailno": w, "orderid": o.to_string(), "acceptTime": t,
        "acceptAddress": "上海", "remark": "", "opCode": op,
    })).collect::<Vec<_>>()}})
}
