//! The store stock lease is a real quantity: what a store's devices are told they may promise
//! from their own shelf while offline is kept from every other channel, and the store itself
//! may sell from its own safety stock.

use crate::common::{batch, order, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn lease(s: &TestServer, token: &str, sku: &str) -> (i64, i64) {
    let mut cursor = "0".to_string();
    let mut found = None;
    loop {
        let r = s.device_get(token, &format!("/api/v1/sync/pull?cursor={cursor}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        for c in r.body["changes"].as_array().unwrap() {
            if c["entity"] == "stock" && c["sku_code"] == sku && c["quality"] == "sellable" {
                found = Some((c["on_hand"].as_i64().unwrap(), c["lease"].as_i64().unwrap()));
            }
        }
        cursor = r.body["cursor"].as_str().unwrap().to_string();
        if !r.body["has_more"].as_bool().unwrap() {
            return found.expect("the store's balance");
        }
    }
}

fn place(sku: &str, qty: i64) -> Value {
    json!({
        "kind": "PlaceOrder", "order_id": uuid::Uuid::now_v7(), "fulfillment": "pickup", "payment_ref": "POS-1",
        "customer": { "name": "李四", "phone": "13900001234" },
        "lines": [{ "sku_code": sku, "qty": qty, "unit_price": 59900, "discount": 0 }],
    })
}

#[tokio::test]
async fn the_lease_is_kept_from_other_channels_and_the_store_may_sell_its_safety_stock() {
    let s = TestServer::with_fixture().await;
    let token = s.enrol("STORE-A").await;
    let level = |sku: &str| json!({ "node_code": "STORE-A", "sku_code": sku, "quality": "sellable", "on_hand": 4, "safety": 2 });
    let r = s.admin_post("/api/v1/import", json!({ "stock": [level("SKU-1"), level("SKU-2")] })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // The case: on hand 4, safety 2; the store orders all 4 from its own shelf.
    assert_eq!(lease(&s, &token, "SKU-1").await, (4, 2));
    let r = s.device_post(&token, "/api/v1/sync/push", batch(1, "STORE-A-A", vec![place("SKU-1", 4)])).await;
    assert_eq!(r.body["results"][0]["outcome"]["status"], "applied", "{}", r.body);
    assert_eq!(s.stock("STORE-A", "SKU-1").await.reserved, 4);
    assert_eq!(lease(&s, &token, "SKU-1").await, (4, 0));

    // Other channels cannot take the store's lease: of 4 on hand with safety 2, Tmall gets 2.
    assert_eq!(lease(&s, &token, "SKU-2").await, (4, 2));
    let r = s.admin_post("/api/v1/orders", order("TM-L1", "pickup", Some("STORE-A"), &[("SKU-2", 3)])).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "insufficient_stock"), "{}", r.body);
    let r = s.admin_post("/api/v1/orders", order("TM-L2", "pickup", Some("STORE-A"), &[("SKU-2", 2)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The lease the devices were told of is still whole, and the server honours it.
    assert_eq!(lease(&s, &token, "SKU-2").await, (4, 2));
    let r = s.device_post(&token, "/api/v1/sync/push", batch(2, "STORE-A-A", vec![place("SKU-2", 2)])).await;
    assert_eq!(r.body["results"][0]["outcome"]["status"], "applied", "{}", r.body);
    assert_eq!(lease(&s, &token, "SKU-2").await, (4, 0));
    let r = s.admin_post("/api/v1/orders", order("TM-L3", "pickup", Some("STORE-A"), &[("SKU-2", 1)])).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "insufficient_stock"), "{}", r.body);
    s.assert_audit_clean().await;
}
