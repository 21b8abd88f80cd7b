//! Stock changes that must hold the pool's floor and happen once: ERP adjustments never take
//! on-hand below zero or below what is reserved (a refused batch changes nothing), a count
//! that finds less than is reserved is recorded and flagged for HQ, and every fact a device
//! sends with an id of its own (count, return, endless-aisle order) is applied once by that
//! id, whatever op id carries it.

use crate::common;
use crate::common::{batch, order, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn line(node: &str, sku: &str, delta: i64) -> Value {
    json!({"node_code": node, "sku_code": sku, "quality": "sellable", "delta": delta, "note": "ERP"})
}

async fn adjust(s: &TestServer, batch_id: &str, lines: Vec<Value>) -> common::Reply {
    s.admin_post("/api/v1/stock/adjustments", json!({"batch_id": batch_id, "lines": lines})).await
}

async fn conflicts(s: &TestServer) -> Vec<Value> {
    let r = s.admin_get("/api/v1/conflicts").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body.as_array().unwrap().clone()
}

async fn push(s: &TestServer, token: &str, seq: u64, op: Value) -> Value {
    let r = s.device_post(token, "/api/v1/sync/push", batch(seq, "STORE-A-A", vec![op])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["results"][0]["outcome"].clone()
}

/// Units at STORE-A of SKU-1 (on hand 5) reserved by a pickup order: 2.
async fn with_two_reserved() -> TestServer {
    let s = TestServer::with_fixture().await;
    let r = s.admin_post("/api/v1/orders", order("TM-1", "pickup", Some("STORE-A"), &[("SKU-1", 2)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let b = s.stock("STORE-A", "SKU-1").await;
    assert_eq!((b.on_hand, b.reserved), (5, 2));
    s
}

#[tokio::test]
async fn an_adjustment_below_zero_or_below_reserved_is_refused_and_changes_nothing() {
    let s = with_two_reserved().await;
    let before = s.fingerprint().await;

    // The case: a huge removal from a small balance.
    let r = adjust(&s, "B-1", vec![line("STORE-A", "SKU-2", -100_000)]).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "adjustment_exceeds_stock"), "{}", r.body);
    let msg = r.body["error"]["message"].as_str().unwrap();
    assert!(msg.contains("line 1") && msg.contains("SKU-2") && msg.contains("STORE-A"), "{msg}");

    // Below what is reserved, in the second line: the valid first line is not applied either.
    let r = adjust(&s, "B-2", vec![line("WH-1", "SKU-1", 7), line("STORE-A", "SKU-1", -4)]).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "adjustment_exceeds_stock"), "{}", r.body);
    let msg = r.body["error"]["message"].as_str().unwrap();
    assert!(msg.contains("line 2") && msg.contains("SKU-1") && msg.contains("2 reserved"), "{msg}");

    // Lines on the same balance add up: each alone fits, together they do not.
    let r = adjust(&s, "B-3", vec![line("STORE-A", "SKU-1", -2), line("STORE-A", "SKU-1", -2)]).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "adjustment_exceeds_stock"), "{}", r.body);
    assert!(r.body["error"]["message"].as_str().unwrap().contains("line 2"), "{}", r.body);

    // A removal from a balance that does not exist yet.
    let r = adjust(&s, "B-4", vec![line("STORE-B", "SKU-2", -1)]).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "adjustment_exceeds_stock"), "{}", r.body);

    assert_eq!(s.fingerprint().await, before, "a refused batch changes nothing");
    assert_eq!(s.stock("WH-1", "SKU-1").await.on_hand, 100);

    // Down to exactly what is reserved is fine, and a refused batch id is still free.
    let r = adjust(&s, "B-2", vec![line("WH-1", "SKU-1", 7), line("STORE-A", "SKU-1", -3)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["applied"], 2);
    let b = s.stock("STORE-A", "SKU-1").await;
    assert_eq!((b.on_hand, b.reserved), (2, 2));
    assert_eq!(s.stock("WH-1", "SKU-1").await.on_hand, 107);
    // Adding is always allowed.
    let r = adjust(&s, "B-5", vec![line("STORE-A", "SKU-1", 1)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    s.assert_audit_clean().await;
    let audit = s.admin_get("/api/v1/stock/audit").await;
    assert_eq!(audit.body["oversold"], json!([]), "{}", audit.body);
}

#[tokio::test]
async fn a_count_below_reserved_is_recorded_and_flagged_for_hq() {
    let s = with_two_reserved().await;
    let a = s.enrol("STORE-A").await;
    // The device read 4 (stock moved since) and counts 1 of the 2 promised units.
    let outcome = push(
        &s,
        &a,
        1,
        json!({"kind": "CountStock", "count_id": uuid::Uuid::now_v7(), "lines": [
            {"sku_code": "SKU-1", "quality": "sellable", "counted": 1, "expected": 4}
        ]}),
    )
    .await;
    assert_eq!(outcome["status"], "conflict", "{outcome}");
    let b = s.stock("STORE-A", "SKU-1").await;
    assert_eq!((b.on_hand, b.reserved), (1, 2), "the count is a fact");
    let flagged = conflicts(&s).await;
    let shortfall = flagged
        .iter()
        .find(|c| c["code"] == "count_below_reserved")
        .unwrap_or_else(|| panic!("HQ has a follow-up for the shortfall: {flagged:?}"));
    assert_eq!(shortfall["store_code"], "STORE-A");
    let message = shortfall["message"].as_str().unwrap();
    assert!(message.contains("SKU-1") && message.contains("1 counted") && message.contains('2'), "{message}");
    assert!(flagged.iter().any(|c| c["code"] == "stock_moved_during_count"), "{flagged:?}");
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn a_count_sent_again_under_a_new_op_id_is_applied_once() {
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    let count_id = uuid::Uuid::now_v7();
    let count = |counted: i64| {
        json!({"kind": "CountStock", "count_id": count_id, "lines": [
            {"sku_code": "SKU-1", "quality": "sellable", "counted": counted, "expected": 5}
        ]})
    };
    assert_eq!(push(&s, &a, 1, count(3)).await["status"], "applied");
    assert_eq!(s.stock("STORE-A", "SKU-1").await.on_hand, 3);
    // The ERP books 2 units in after the count.
    assert_eq!(adjust(&s, "IN-1", vec![line("STORE-A", "SKU-1", 2)]).await.status, StatusCode::OK);
    let movements = s.fingerprint().await[0];

    // The same count again (a new op id): the stored result, nothing changes.
    let again = push(&s, &a, 2, count(3)).await;
    assert_eq!(again["status"], "applied", "{again}");
    assert_eq!(s.stock("STORE-A", "SKU-1").await.on_hand, 5, "the count was not applied twice");
    assert_eq!(s.fingerprint().await[0], movements);
    assert!(conflicts(&s).await.is_empty());

    // The same count id with other lines: flagged, not applied.
    let other = push(&s, &a, 3, count(1)).await;
    assert_eq!(
        (other["status"].as_str(), other["code"].as_str()),
        (Some("conflict"), Some("count_id_reused")),
        "{other}"
    );
    assert_eq!(s.stock("STORE-A", "SKU-1").await.on_hand, 5);
    assert_eq!(s.fingerprint().await[0], movements);
    let flagged = conflicts(&s).await;
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert_eq!(flagged[0]["code"], "count_id_reused");

    // Another store's device cannot reuse the id either.
    let b = s.enrol("STORE-B").await;
    let r = s
        .device_post(
            &b,
            "/api/v1/sync/push",
            batch(
                1,
                "STORE-B-A",
                vec![json!({"kind": "CountStock", "count_id": count_id, "lines": [
                    {"sku_code": "SKU-1", "quality": "sellable", "counted": 3, "expected": 5}
                ]})],
            ),
        )
        .await;
    assert_eq!(r.body["results"][0]["outcome"]["code"], "count_id_reused", "{}", r.body);
    assert_eq!(s.stock("STORE-B", "SKU-1").await.on_hand, 3);
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn a_return_or_an_endless_aisle_order_sent_again_under_a_new_op_id_is_applied_once() {
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    let r = s.admin_post("/api/v1/orders", order("TM-R", "ship", None, &[("SKU-3", 2)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let order_id = r.body["id"].as_str().unwrap().to_string();
    // Its goods left (only units that left a node can be returned).
    let id: uuid::Uuid = order_id.parse().unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    sync_server::service::write(s.storage.as_ref(), move |tx| sync_server::service::demo::deliver(tx, id, now))
        .await
        .unwrap();
    let return_op = json!({"kind": "AcceptReturn", "return_id": uuid::Uuid::now_v7(), "order_id": order_id, "lines": [
        {"sku_code": "SKU-3", "qty": 1, "condition": "resaleable"}
    ]});
    let first = push(&s, &a, 1, return_op.clone()).await;
    assert_eq!(first["status"], "applied", "{first}");
    assert_eq!(s.stock("STORE-A", "SKU-3").await.on_hand, 1);
    let once = s.fingerprint().await;
    let again = push(&s, &a, 2, return_op).await;
    assert_eq!(again["status"], "applied", "the stored result: {again}");
    assert_eq!(s.stock("STORE-A", "SKU-3").await.on_hand, 1, "the return was not booked twice");
    let now = s.fingerprint().await;
    // Only the op record (applied_op) is new.
    assert_eq!((now[0], now[8], now[9], now[10]), (once[0], once[8], once[9], once[10]));
    assert!(conflicts(&s).await.is_empty());

    let placed = uuid::Uuid::now_v7();
    let place = json!({"kind": "PlaceOrder", "order_id": placed, "fulfillment": "ship", "payment_ref": "POS-1",
        "customer": {"name": "李四", "phone": "13900001111", "address": "杭州", "location": {"lat": 30.27, "lon": 120.15}},
        "lines": [{"sku_code": "SKU-3", "qty": 5, "unit_price": 59900}]});
    assert_eq!(push(&s, &a, 3, place.clone()).await["status"], "applied");
    let once = s.fingerprint().await;
    assert_eq!(push(&s, &a, 4, place.clone()).await["status"], "applied");
    let now = s.fingerprint().await;
    // Orders, fulfillment orders, reservations, movements and on-hand/reserved unchanged.
    assert_eq!((now[0], now[1], now[2], now[3]), (once[0], once[1], once[2], once[3]));
    assert_eq!(&now[14..], &once[14..]);
    // The same order id with other lines is an intent refused, not a second order.
    let mut other = place.clone();
    other["lines"][0]["qty"] = json!(1);
    let refused = push(&s, &a, 5, other).await;
    assert_eq!((refused["status"].as_str(), refused["code"].as_str()), (Some("rejected"), Some("order_conflict")));
    let now = s.fingerprint().await;
    assert_eq!((now[0], now[1], now[2], now[3]), (once[0], once[1], once[2], once[3]));
    assert_eq!(&now[14..], &once[14..]);
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn the_largest_adjustment_batch_the_document_allows_fits_the_body_limit() {
    let s = common::TestServer::with_fixture().await;
    // 10,000 lines with every field at its longest, in 4-byte UTF-8: the body limit holds
    // them, so the answer is about their content (unknown node), never 413.
    let node: String = "𠀀".repeat(32);
    let sku: String = "𠀀".repeat(64);
    let note: String = "𠀀".repeat(200);
    let line = serde_json::json!({"node_code": node, "sku_code": sku, "quality": "defective", "delta": -100_000, "note": note});
    let batch = serde_json::json!({"batch_id": "𠀀".repeat(100), "lines": vec![line; 10_000]});
    assert!(batch.to_string().len() > 12_000_000);
    let r = s.admin_post("/api/v1/stock/adjustments", batch).await;
    assert_eq!((r.status, r.code()), (reqwest::StatusCode::UNPROCESSABLE_ENTITY, "unknown_node"), "{}", r.body);
    let long_note = serde_json::json!({"batch_id": "n", "lines": [{"node_code": "STORE-A", "sku_code": "SKU-1", "quality": "sellable", "delta": 1, "note": "字".repeat(201)}]});
    let r = s.admin_post("/api/v1/stock/adjustments", long_note).await;
    assert_eq!((r.status, r.code()), (reqwest::StatusCode::UNPROCESSABLE_ENTITY, "invalid_field"), "{}", r.body);
    assert!(r.body["error"]["message"].as_str().unwrap().contains("lines[0].note"), "{}", r.body);
}
