//! Pushes that race or are replayed, against real server processes on the backend
//! `SYNC_TEST_BACKEND` names (two instances on one database when it is PostgreSQL): a
//! re-enrolled device drains its outbox, two steps on one order at the same instant take
//! effect once, and overlapping pushes of one device get the same answers wherever they land.

use crate::common;
use crate::common::{batch, order, Database, HqClient, HqProcess, ADMIN_TOKEN};
use reqwest::StatusCode;
use serde_json::{json, Value};

struct Fleet {
    _db: Database,
    instances: Vec<HqProcess>,
}

impl Fleet {
    /// One instance on SQLite (a single writer), two on PostgreSQL.
    async fn start() -> Fleet {
        let db = Database::fresh();
        let n = if db.url.starts_with("postgres") { 2 } else { 1 };
        let mut instances = Vec::new();
        for _ in 0..n {
            instances.push(common::instance(&db.url).await);
        }
        let fleet = Fleet { _db: db, instances };
        fleet.hq(0).import(&common::fixture()).await;
        fleet
    }

    /// Instance `i` (round robin).
    fn hq(&self, i: usize) -> &HqClient {
        self.instances[i % self.instances.len()].hq()
    }

    async fn post(&self, i: usize, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        self.hq(i).device_post(token, path, body).await.into()
    }

    async fn get(&self, i: usize, path: &str, token: &str) -> (StatusCode, Value) {
        self.hq(i).device_get(token, path).await.into()
    }

    async fn enrol(&self, store: &str) -> (String, String) {
        let enrolled = self.hq(0).enrol_device(store).await;
        (enrolled.token, enrolled.device_id.to_string())
    }

    async fn on_hand(&self, node: &str, sku: &str) -> i64 {
        self.hq(0).stock(node, sku).await.on_hand
    }

    async fn audit_clean(&self) {
        self.hq(0).assert_audit_clean().await
    }

    /// Adds `n` units of SKU-1 at STORE-A, so every round has one to sell.
    async fn top_up(&self, n: i64) {
        let body = json!({"batch_id": "more", "lines": [{"node_code": "STORE-A", "sku_code": "SKU-1", "quality": "sellable", "delta": n, "note": "for the rounds"}]});
        assert_eq!(self.post(0, "/api/v1/stock/adjustments", ADMIN_TOKEN, &body).await.0, StatusCode::OK);
    }

    async fn pickup_order(&self, id: &str) -> String {
        let (s, o) =
            self.post(0, "/api/v1/orders", ADMIN_TOKEN, &order(id, "pickup", Some("STORE-A"), &[("SKU-1", 1)])).await;
        assert_eq!(s, StatusCode::CREATED, "{o}");
        o["fulfillment_orders"][0]["id"].as_str().unwrap().to_string()
    }
}

/// A device's view of its own sequence.
struct Till {
    token: String,
    next_seq: u64,
}

impl Till {
    fn ops(&mut self, ops: Vec<Value>) -> Value {
        let b = batch(self.next_seq, "STORE-A-M", ops);
        self.next_seq += b["ops"].as_array().unwrap().len() as u64;
        b
    }
}

fn outcomes(answer: &Value) -> Vec<String> {
    answer["results"].as_array().unwrap().iter().map(|r| r["outcome"]["status"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reenrolled_device_drains_its_outbox_after_a_lost_answer() {
    let fleet = Fleet::start().await;
    let fo = fleet.pickup_order("TM-RE").await;
    let (token, device) = fleet.enrol("STORE-A").await;
    // Applied, but the device never heard the answer.
    let first = batch(1, "STORE-A-A", vec![json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo})]);
    let (s, lost) = fleet.post(0, "/api/v1/sync/push", &token, &first).await;
    assert_eq!(s, StatusCode::OK, "{lost}");
    // HQ revokes the device; it is enrolled again and renumbers its unsent ops from 1,
    // keeping their op_ids.
    let (s, _) = fleet.post(0, &format!("/api/v1/devices/{device}/revoke"), ADMIN_TOKEN, &json!(null)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (token, _) = fleet.enrol("STORE-A").await;
    let mut outbox = first.clone();
    let second = batch(2, "STORE-A-A", vec![json!({"kind": "StartPick", "fulfillment_order_id": fo})]);
    outbox["ops"].as_array_mut().unwrap().push(second["ops"][0].clone());
    for round in 0..2 {
        let (s, r) = fleet.post(round, "/api/v1/sync/push", &token, &outbox).await;
        assert_eq!(s, StatusCode::OK, "round {round}: {r}");
        assert_eq!(outcomes(&r), ["applied", "applied"], "{r}");
        assert_eq!(r["results"][0], lost["results"][0], "the replay carries the stored result");
    }
    // The device's sequence goes on after the replayed ops.
    let next = batch(
        3,
        "STORE-A-A",
        vec![json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": 1, "picked": 1}]})],
    );
    let (s, r) = fleet.post(1, "/api/v1/sync/push", &token, &next).await;
    assert_eq!((s, outcomes(&r)), (StatusCode::OK, vec!["applied".to_string()]), "{r}");
    let (_, devices) = fleet.get(0, "/api/v1/devices?store=STORE-A", ADMIN_TOKEN).await;
    let seqs: Vec<i64> = devices.as_array().unwrap().iter().map(|d| d["last_seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 3], "{devices}");
    // Another store's device cannot replay this store's op ids.
    let (other, _) = fleet.enrol("STORE-B").await;
    let (s, r) = fleet.post(0, "/api/v1/sync/push", &other, &first).await;
    assert_eq!((s, r["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("op_id_reused")), "{r}");
    fleet.audit_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_steps_on_one_order_at_the_same_instant_take_effect_once() {
    const ROUNDS: i64 = 12;
    let fleet = Fleet::start().await;
    fleet.top_up(ROUNDS).await;
    let start = fleet.on_hand("STORE-A", "SKU-1").await;
    let mut tills = Vec::new();
    for _ in 0..2 {
        tills.push(Till { token: fleet.enrol("STORE-A").await.0, next_seq: 1 });
    }
    for round in 0..ROUNDS {
        let fo = fleet.pickup_order(&format!("TM-RACE-{round}")).await;
        // Both tills accept at once: one is applied, the other refused.
        let accept = json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo});
        let (a, b) = (tills[0].ops(vec![accept.clone()]), tills[1].ops(vec![accept]));
        let (ra, rb) = tokio::join!(
            fleet.post(0, "/api/v1/sync/push", &tills[0].token, &a),
            fleet.post(1, "/api/v1/sync/push", &tills[1].token, &b)
        );
        let mut got = [outcomes(&ra.1), outcomes(&rb.1)].concat();
        got.sort();
        assert_eq!(got, ["applied", "rejected"], "round {round}: {} {}", ra.1, rb.1);
        let rejected = if outcomes(&ra.1)[0] == "rejected" { &ra.1 } else { &rb.1 };
        assert_eq!(rejected["results"][0]["outcome"]["code"], "illegal_transition", "{rejected}");
        let steps = tills[0].ops(vec![
            json!({"kind": "StartPick", "fulfillment_order_id": fo}),
            json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": 1, "picked": 1}]}),
            json!({"kind": "MarkReady", "fulfillment_order_id": fo}),
        ]);
        let (s, r) = fleet.post(0, "/api/v1/sync/push", &tills[0].token, &steps).await;
        assert_eq!((s, outcomes(&r)), (StatusCode::OK, vec!["applied".to_string(); 3]), "{r}");
        // Both tills hand the one unit over at once: the goods leave once, and the second
        // hand-over is recorded as a conflict for HQ.
        let fo_id: uuid::Uuid = fo.parse().unwrap();
        let what = shared::approval::Approved::IdCheck { fulfillment_order_id: fo_id, manager_id: "STORE-A-M" };
        let proof = common::approval(fleet.hq(0), &tills[0].token, "STORE-A-M", "8888", what).await;
        let hand_over = json!({"kind": "HandOver", "fulfillment_order_id": fo, "verification": {"method": "id_check", "manager_id": "STORE-A-M", "note": "ID card ****1234", "approval": proof}});
        let (a, b) = (tills[0].ops(vec![hand_over.clone()]), tills[1].ops(vec![hand_over]));
        let (ra, rb) = tokio::join!(
            fleet.post(0, "/api/v1/sync/push", &tills[0].token, &a),
            fleet.post(1, "/api/v1/sync/push", &tills[1].token, &b)
        );
        assert_eq!((ra.0, rb.0), (StatusCode::OK, StatusCode::OK), "{} {}", ra.1, rb.1);
        let mut got = [outcomes(&ra.1), outcomes(&rb.1)].concat();
        got.sort();
        assert_eq!(got, ["applied", "conflict"], "round {round}: {} {}", ra.1, rb.1);
        let conflict = if outcomes(&ra.1)[0] == "conflict" { &ra.1 } else { &rb.1 };
        assert_eq!(conflict["results"][0]["outcome"]["code"], "already_handed_over", "{conflict}");
    }
    assert_eq!(fleet.on_hand("STORE-A", "SKU-1").await, start - ROUNDS, "each unit left once");
    fleet.audit_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlapping_pushes_of_one_device_get_the_same_answers_wherever_they_land() {
    let fleet = Fleet::start().await;
    fleet.top_up(12).await;
    let (token, _) = fleet.enrol("STORE-A").await;
    let mut till = Till { token, next_seq: 1 };
    for round in 0..12 {
        let fo = fleet.pickup_order(&format!("TM-OVER-{round}")).await;
        let push = till.ops(vec![
            json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo}),
            json!({"kind": "StartPick", "fulfillment_order_id": fo}),
        ]);
        // The original and its retry race on two instances (or one).
        let (a, b) = tokio::join!(
            fleet.post(0, "/api/v1/sync/push", &till.token, &push),
            fleet.post(1, "/api/v1/sync/push", &till.token, &push)
        );
        assert_eq!((a.0, b.0), (StatusCode::OK, StatusCode::OK), "round {round}: {} {}", a.1, b.1);
        assert_eq!(a.1, b.1, "round {round}: both answers carry the stored results");
        assert_eq!(outcomes(&a.1), ["applied", "applied"], "{}", a.1);
    }
    let (_, devices) = fleet.get(0, "/api/v1/devices?store=STORE-A", ADMIN_TOKEN).await;
    assert_eq!(devices[0]["last_seq"], 24, "{devices}");
}
