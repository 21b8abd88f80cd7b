//! The store flows end to end over HTTP: pickup, ship, reject and reroute, short pick,
//! returns, counts, endless aisle, replay and store isolation.

use crate::common;
use crate::common::{batch, order, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn pull_all(s: &TestServer, token: &str) -> (Vec<Value>, String) {
    let mut cursor = "0".to_string();
    let mut changes = Vec::new();
    for _ in 0..100 {
        let r = s.device_get(token, &format!("/api/v1/sync/pull?cursor={cursor}&limit=3")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        changes.extend(r.body["changes"].as_array().unwrap().iter().cloned());
        cursor = r.body["cursor"].as_str().unwrap().to_string();
        if !r.body["has_more"].as_bool().unwrap() {
            return (changes, cursor);
        }
    }
    panic!("pull never finished");
}

fn fulfillment_id(order: &Value, node: &str) -> String {
    order["fulfillment_orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["node_code"] == node)
        .expect("a fulfillment order at the node")["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn pickup_flow_with_wrong_then_right_code_replay_and_isolation() {
    let s = TestServer::with_fixture().await;
    let r = s.admin_post("/api/v1/orders", order("TM-1", "pickup", Some("STORE-A"), &[("SKU-1", 2)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let fo = fulfillment_id(&r.body, "STORE-A");
    assert_eq!(s.stock("STORE-A", "SKU-1").await.reserved, 2);

    // Idempotent intake: same body → same order; different body → 409.
    let again = s.admin_post("/api/v1/orders", order("TM-1", "pickup", Some("STORE-A"), &[("SKU-1", 2)])).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["id"], r.body["id"]);
    let other = s.admin_post("/api/v1/orders", order("TM-1", "pickup", Some("STORE-A"), &[("SKU-1", 1)])).await;
    assert_eq!((other.status, other.code()), (StatusCode::CONFLICT, "order_conflict"));

    let a = s.enrol("STORE-A").await;
    let b = s.enrol("STORE-B").await;

    // Bootstrap: store A sees its order, stock and staff; B sees none of A's.
    let (changes, _) = pull_all(&s, &a).await;
    assert!(changes.iter().any(|c| c["entity"] == "fulfillment_order" && c["id"] == fo.as_str()));
    assert!(changes.iter().any(|c| c["entity"] == "staff"
        && c["id"] == "STORE-A-A"
        && c["pin_hash"].as_str().unwrap().starts_with("pbkdf2")));
    // An entity may come twice (in the snapshot and again as a change logged around it);
    // what counts is that every SKU is there.
    let skus: std::collections::BTreeSet<&str> =
        changes.iter().filter(|c| c["entity"] == "sku").filter_map(|c| c["code"].as_str()).collect();
    assert_eq!(skus.len(), 3);
    let (b_changes, _) = pull_all(&s, &b).await;
    assert!(!b_changes.iter().any(|c| c["entity"] == "fulfillment_order"));
    assert!(!b_changes.iter().any(|c| c["entity"] == "staff" && c["id"] == "STORE-A-A"));

    // Store B cannot touch A's order: rejected as not found, nothing else changes.
    let before = s.fingerprint().await;
    let r = s
        .device_post(
            &b,
            "/api/v1/sync/push",
            batch(1, "STORE-B-A", vec![json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo})]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["results"][0]["outcome"]["status"], "rejected");
    assert_eq!(r.body["results"][0]["outcome"]["code"], "not_found");
    let after = s.fingerprint().await;
    assert_eq!(before[0..4], after[0..4], "no stock or order change");

    // Store A works the order.
    let ops = vec![
        json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo}),
        json!({"kind": "StartPick", "fulfillment_order_id": fo}),
        json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": 1, "picked": 2}]}),
        json!({"kind": "MarkReady", "fulfillment_order_id": fo}),
    ];
    let push = batch(1, "STORE-A-A", ops);
    let r = s.device_post(&a, "/api/v1/sync/push", push.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for res in r.body["results"].as_array().unwrap() {
        assert_eq!(res["outcome"]["status"], "applied", "{res}");
    }
    // Replaying the batch returns identical results and changes nothing.
    let before = s.fingerprint().await;
    let replay = s.device_post(&a, "/api/v1/sync/push", push.clone()).await;
    assert_eq!(replay.body, r.body);
    assert_eq!(s.fingerprint().await, before);

    let code = s.pickup_code_for(&fo).await;
    assert_eq!(code.len(), 8);
    // The code reaches the customer once: a second claim has nothing for this order.
    let again = s.admin_post("/api/v1/notifications/claim", json!(null)).await;
    assert!(!again
        .body
        .as_array()
        .map(|a| a.iter().any(|n| n["fulfillment_order_id"] == fo.as_str()))
        .unwrap_or(false));

    let wrong = if code == "00000000" { "11111111" } else { "00000000" };
    let r = s.device_post(&a, "/api/v1/sync/push", batch(5, "STORE-A-A", vec![
        json!({"kind": "HandOver", "fulfillment_order_id": fo, "verification": {"method": "pickup_code", "code": code}}),
    ])).await;
    assert_eq!(r.body["results"][0]["outcome"]["status"], "applied", "{}", r.body);
    let stock = s.stock("STORE-A", "SKU-1").await;
    assert_eq!((stock.on_hand, stock.reserved), (3, 0));

    // A second hand-over of the same order (another device, or a wrong code) is recorded
    // and flagged, never rejected, and moves no stock twice.
    let r = s.device_post(&a, "/api/v1/sync/push", batch(6, "STORE-A-A", vec![
        json!({"kind": "HandOver", "fulfillment_order_id": fo, "verification": {"method": "pickup_code", "code": wrong}}),
    ])).await;
    assert_eq!(r.body["results"][0]["outcome"]["status"], "conflict", "{}", r.body);
    assert_eq!(s.stock("STORE-A", "SKU-1").await.on_hand, 3);
    let conflicts = s.admin_get("/api/v1/conflicts").await;
    assert!(conflicts.body.as_array().unwrap().iter().any(|c| c["code"] == "already_handed_over"));

    // Incremental pull shows the picked-up state to A.
    let order = s.admin_get(&format!("/api/v1/orders/{}", again_id(&again, &r, &s, &fo).await)).await;
    assert_eq!(order.body["status"], "completed");
    s.assert_audit_clean().await;
}

async fn again_id(_: &common::Reply, _: &common::Reply, s: &TestServer, fo: &str) -> String {
    let o = s.admin_get("/api/v1/conflicts").await;
    o.body.as_array().unwrap().iter().find(|c| c["fulfillment_order_id"] == fo).unwrap()["order_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn sequence_gaps_and_reordered_batches_change_nothing() {
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    let r = s.admin_post("/api/v1/orders", order("TM-2", "pickup", Some("STORE-A"), &[("SKU-2", 1)])).await;
    let fo = fulfillment_id(&r.body, "STORE-A");
    let before = s.fingerprint().await;
    let gap = s
        .device_post(
            &a,
            "/api/v1/sync/push",
            batch(3, "STORE-A-A", vec![json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo})]),
        )
        .await;
    assert_eq!((gap.status, gap.code()), (StatusCode::CONFLICT, "sequence_gap"));
    let mut reordered = batch(
        1,
        "STORE-A-A",
        vec![
            json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo}),
            json!({"kind": "StartPick", "fulfillment_order_id": fo}),
        ],
    );
    reordered["ops"].as_array_mut().unwrap().reverse();
    let r = s.device_post(&a, "/api/v1/sync/push", reordered).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "reordered_batch"));
    let r = s.device_post(&a, "/api/v1/sync/push", json!({"protocol_version": 2, "ops": []})).await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "unsupported_protocol_version"));
    assert_eq!(s.fingerprint().await, before);

    // Same seq, different op: the outbox and the server disagree → 409, nothing changes.
    let first = batch(1, "STORE-A-A", vec![json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo})]);
    assert_eq!(s.device_post(&a, "/api/v1/sync/push", first).await.status, StatusCode::OK);
    let before = s.fingerprint().await;
    let clash = batch(1, "STORE-A-A", vec![json!({"kind": "StartPick", "fulfillment_order_id": fo})]);
    let r = s.device_post(&a, "/api/v1/sync/push", clash).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "sequence_conflict"));
    assert_eq!(s.fingerprint().await, before);
}

#[tokio::test]
async fn reject_and_short_pick_reroute_lines() {
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    // Ship order near store A: A fills it (nearest node with everything).
    let r = s.admin_post("/api/v1/orders", order("JD-1", "ship", None, &[("SKU-1", 1), ("SKU-2", 2)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let fo = fulfillment_id(&r.body, "STORE-A");
    let order_id = r.body["id"].as_str().unwrap().to_string();
    let ops = vec![
        json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo}),
        json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": 1, "picked": 1}, {"line_no": 2, "picked": 3}]}),
        json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": 1, "picked": 1}, {"line_no": 2, "picked": 1}]}),
        json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": 1, "picked": 1}, {"line_no": 2, "picked": 1}], "shortage_reason": "one damaged"}),
        json!({"kind": "RequestCourier", "fulfillment_order_id": fo, "carrier": "SF Express"}),
        json!({"kind": "RecordTracking", "fulfillment_order_id": fo, "carrier": "SF Express", "tracking_no": "SF1234567890"}),
    ];
    let r = s.device_post(&a, "/api/v1/sync/push", batch(1, "STORE-A-A", ops)).await;
    let codes: Vec<&str> = r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["outcome"]["code"].as_str().unwrap_or("applied"))
        .collect();
    assert_eq!(codes, ["applied", "picked_too_many", "shortage_reason_required", "applied", "applied", "applied"]);
    // The short unit went to the warehouse.
    let o = s.admin_get(&format!("/api/v1/orders/{order_id}")).await;
    let wh = o.body["fulfillment_orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["node_code"] == "WH-1")
        .expect("rerouted to the warehouse");
    assert_eq!(wh["lines"][0]["sku_code"], "SKU-2");
    assert_eq!(wh["lines"][0]["qty"], 1);
    // A shipped 1 + 1 units: on-hand 5→4 and 2→1.
    assert_eq!(s.stock("STORE-A", "SKU-1").await.on_hand, 4);
    assert_eq!(s.stock("STORE-A", "SKU-2").await.on_hand, 1);
    assert_eq!(s.stock("STORE-A", "SKU-2").await.reserved, 0);

    // Store B rejects a pickup order → rerouted to the nearest other pickup store with stock.
    let b = s.enrol("STORE-B").await;
    let r = s.admin_post("/api/v1/orders", order("DY-1", "pickup", Some("STORE-B"), &[("SKU-1", 1)])).await;
    let fo_b = fulfillment_id(&r.body, "STORE-B");
    let r2 = s
        .device_post(
            &b,
            "/api/v1/sync/push",
            batch(
                1,
                "STORE-B-A",
                vec![json!({"kind": "RejectFulfillment", "fulfillment_order_id": fo_b, "reason": "display item only"})],
            ),
        )
        .await;
    assert_eq!(r2.body["results"][0]["outcome"]["status"], "applied");
    let o = s.admin_get(&format!("/api/v1/orders/{}", r.body["id"].as_str().unwrap())).await;
    let states: Vec<(String, String)> = o.body["fulfillment_orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["node_code"].as_str().unwrap().into(), f["state"].as_str().unwrap().into()))
        .collect();
    assert!(states.contains(&("STORE-B".into(), "rejected".into())));
    assert!(states.contains(&("STORE-A".into(), "routed".into())), "{states:?}");
    assert_eq!(s.stock("STORE-B", "SKU-1").await.reserved, 0);
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn cancel_then_handover_is_a_flagged_fact() {
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    let r = s.admin_post("/api/v1/orders", order("TM-9", "pickup", Some("STORE-A"), &[("SKU-1", 1)])).await;
    let fo = fulfillment_id(&r.body, "STORE-A");
    let id = r.body["id"].as_str().unwrap().to_string();
    let c = s.admin_post(&format!("/api/v1/orders/{id}/cancel"), json!(null)).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.body);
    assert_eq!(s.stock("STORE-A", "SKU-1").await.reserved, 0);
    let r = s.device_post(&a, "/api/v1/sync/push", batch(1, "STORE-A-M", vec![
        json!({"kind": "HandOver", "fulfillment_order_id": fo, "verification": {"method": "id_check", "manager_id": "STORE-A-M", "note": "ID card ****1234"}}),
    ])).await;
    assert_eq!(r.body["results"][0]["outcome"]["status"], "conflict");
    assert_eq!(r.body["results"][0]["outcome"]["code"], "handed_over_after_cancel");
    // The goods left: on-hand falls even though the order was cancelled.
    assert_eq!(s.stock("STORE-A", "SKU-1").await.on_hand, 4);
    // Cancelling an order whose goods left is refused.
    let r = s.admin_post("/api/v1/orders", order("TM-10", "pickup", Some("STORE-A"), &[("SKU-1", 1)])).await;
    let fo2 = fulfillment_id(&r.body, "STORE-A");
    s.device_post(&a, "/api/v1/sync/push", batch(2, "STORE-A-M", vec![
        json!({"kind": "HandOver", "fulfillment_order_id": fo2, "verification": {"method": "id_check", "manager_id": "STORE-A-M", "note": "passport"}}),
    ])).await;
    let c = s.admin_post(&format!("/api/v1/orders/{}/cancel", r.body["id"].as_str().unwrap()), json!(null)).await;
    assert_eq!((c.status, c.code()), (StatusCode::CONFLICT, "order_not_cancellable"));
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn returns_counts_and_endless_aisle() {
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    // An online order shipped from the warehouse, returned at store A.
    let r = s.admin_post("/api/v1/orders", order("TM-R", "ship", None, &[("SKU-3", 2)])).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let order_id = r.body["id"].as_str().unwrap().to_string();
    let return_id = uuid::Uuid::now_v7();
    let count_id = uuid::Uuid::now_v7();
    let placed = uuid::Uuid::now_v7();
    let ops = vec![
        json!({"kind": "AcceptReturn", "return_id": return_id, "order_id": order_id, "lines": [
            {"sku_code": "SKU-3", "qty": 1, "condition": "resaleable"},
            {"sku_code": "SKU-3", "qty": 2, "condition": "damaged"}
        ]}),
        json!({"kind": "CountStock", "count_id": count_id, "lines": [{"sku_code": "SKU-2", "quality": "sellable", "counted": 1, "expected": 2}]}),
        json!({"kind": "PlaceOrder", "order_id": placed, "fulfillment": "ship", "payment_ref": "POS-1",
               "customer": {"name": "李四", "phone": "13900001111", "address": "杭州", "location": {"lat": 30.27, "lon": 120.15}},
               "lines": [{"sku_code": "SKU-3", "qty": 5, "unit_price": 59900}]}),
        json!({"kind": "PlaceOrder", "order_id": uuid::Uuid::now_v7(), "fulfillment": "ship", "payment_ref": "POS-1",
               "customer": {"name": "李四", "phone": "13900001111", "address": "杭州", "location": {"lat": 30.27, "lon": 120.15}},
               "lines": [{"sku_code": "SKU-3", "qty": 5000, "unit_price": 59900}]}),
    ];
    let r = s.device_post(&a, "/api/v1/sync/push", batch(1, "STORE-A-A", ops)).await;
    let res = r.body["results"].as_array().unwrap();
    // Three units back of an order whose goods never left (nothing was sold yet): booked into
    // stock, flagged, not refunded.
    assert_eq!(res[0]["outcome"]["code"], "more_than_returnable", "{}", r.body);
    assert_eq!(res[1]["outcome"]["status"], "applied", "{}", r.body);
    assert_eq!(res[2]["outcome"]["status"], "applied", "{}", r.body);
    assert_eq!(res[3]["outcome"]["code"], "insufficient_stock", "{}", r.body);
    assert_eq!(s.stock("STORE-A", "SKU-3").await.on_hand, 1);
    assert_eq!(s.stock("STORE-A", "SKU-2").await.on_hand, 1);
    let defective = s.admin_get("/api/v1/stock?node=STORE-A&sku=SKU-3").await;
    assert!(defective.body.as_array().unwrap().iter().any(|b| b["quality"] == "defective" && b["on_hand"] == 2));
    // The endless-aisle order exists with the store as channel.
    let o = s.admin_get(&format!("/api/v1/orders/{placed}")).await;
    assert_eq!(o.status, StatusCode::OK, "{}", o.body);
    assert_eq!(o.body["channel"], "store");
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn incremental_pull_follows_changes_and_revocation_locks_out() {
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    let (_, cursor) = pull_all(&s, &a).await;
    let r = s.admin_post("/api/v1/orders", order("TM-P", "pickup", Some("STORE-A"), &[("SKU-1", 1)])).await;
    let fo = fulfillment_id(&r.body, "STORE-A");
    // On PostgreSQL a change is served once every older writing transaction in the cluster
    // has ended (other tests run beside this one): poll, bounded.
    let mut changes: Vec<Value> = Vec::new();
    let mut next = cursor.clone();
    for _ in 0..100 {
        let p = s.device_get(&a, &format!("/api/v1/sync/pull?cursor={next}")).await;
        changes.extend(p.body["changes"].as_array().unwrap().iter().cloned());
        next = p.body["cursor"].as_str().unwrap().to_string();
        if changes.iter().any(|c| c["entity"] == "fulfillment_order" && c["id"] == fo.as_str()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(changes.iter().any(|c| c["entity"] == "fulfillment_order" && c["id"] == fo.as_str()));
    assert!(changes.iter().any(|c| c["entity"] == "stock" && c["sku_code"] == "SKU-1" && c["reserved"] == 1));
    let old = s.device_get(&a, "/api/v1/sync/pull?cursor=0&protocol_version=2").await;
    assert_eq!((old.status, old.code()), (StatusCode::BAD_REQUEST, "unsupported_protocol_version"));
    let bad = s.device_get(&a, "/api/v1/sync/pull?cursor=c/zz").await;
    assert_eq!((bad.status, bad.code()), (StatusCode::BAD_REQUEST, "invalid_cursor"));

    let devices = s.admin_get("/api/v1/devices?store=STORE-A").await;
    let id = devices.body[0]["id"].as_str().unwrap().to_string();
    assert_eq!(s.admin_post(&format!("/api/v1/devices/{id}/revoke"), json!(null)).await.status, StatusCode::NO_CONTENT);
    let p = s.device_get(&a, &format!("/api/v1/sync/pull?cursor={cursor}")).await;
    assert_eq!((p.status, p.code()), (StatusCode::UNAUTHORIZED, "device_revoked"));
}

#[tokio::test]
async fn network_availability_sums_free_units_across_nodes() {
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    s.admin_post(
        "/api/v1/reservations",
        json!({"reference": "h", "node_code": "WH-1", "sku_code": "SKU-1", "qty": 10}),
    )
    .await;
    let r = s.device_get(&a, "/api/v1/sync/availability").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let items = r.body["items"].as_array().unwrap();
    let of = |sku: &str| items.iter().find(|i| i["sku_code"] == sku).unwrap()["available"].as_i64().unwrap();
    // SKU-1: 5 at A + 3 at B + 100 − 10 held at the warehouse.
    assert_eq!((of("SKU-1"), of("SKU-2"), of("SKU-3")), (98, 102, 104));
    assert_eq!(r.body["next"], Value::Null);
    let page = s.device_get(&a, "/api/v1/sync/availability?limit=1&after=SKU-1").await;
    assert_eq!(page.body["items"][0]["sku_code"], "SKU-2");
    assert_eq!(page.body["next"], "SKU-2");
    let no_token = s.raw(reqwest::Method::GET, "/api/v1/sync/availability", None, "application/json", vec![]).await;
    assert_eq!(no_token.status, StatusCode::UNAUTHORIZED);
}
