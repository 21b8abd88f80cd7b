//! Endless aisle (issue 11): a store's device reads a style's live availability across the
//! network (its own shelf with its lease, other nodes' free units only, nearest first) and
//! follows the orders its store placed (and only those); `PlaceOrder` ships, is collected at
//! another store or here later, or is carried out at once; it is attributed to the store
//! and the associate whoever fulfils it, the customer is told the order number, and a
//! refusal says what else is available. Runs on both backends.

use crate::common::{batch, order, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sync_server::http::rate_limit::Limits;
use sync_server::http::serve::ServeLimits;
use sync_server::service;
use sync_server::storage::{aisle, settlement};
use uuid::Uuid;

/// A device of one store and its next sequence number.
struct Device {
    token: String,
    seq: u64,
}

impl Device {
    async fn enrol(s: &TestServer, store: &str) -> Device {
        Device { token: s.enrol(store).await, seq: 1 }
    }

    /// Pushes `ops` as `staff`; returns the outcomes.
    async fn push(&mut self, s: &TestServer, staff: &str, ops: Vec<Value>) -> Vec<Value> {
        let n = ops.len() as u64;
        let r = s.device_post(&self.token, "/api/v1/sync/push", batch(self.seq, staff, ops)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        self.seq += n;
        r.body["results"].as_array().unwrap().iter().map(|r| r["outcome"].clone()).collect()
    }
}

fn customer() -> Value {
    json!({"name": "王五", "phone": "+86 139-0000-1111", "address": "上海市徐汇区漕溪北路 1 号"})
}

fn place(order_id: Uuid, fulfillment: &str, pickup_store: Option<&str>, lines: &[(&str, i64)]) -> Value {
    json!({
        "kind": "PlaceOrder", "order_id": order_id, "fulfillment": fulfillment, "customer": customer(),
        "lines": lines.iter().map(|(sku, q)| json!({"sku_code": sku, "qty": q, "unit_price": 59900})).collect::<Vec<_>>(),
        "pickup_store": pickup_store, "payment_ref": "POS-0001-7788",
    })
}

fn carry_out(order_id: Uuid, lines: &[(&str, i64)]) -> Value {
    let mut op = place(order_id, "pickup", None, lines);
    op["carry_out"] = json!(true);
    op
}

async fn availability(s: &TestServer, token: &str, style: &str) -> crate::common::Reply {
    s.device_get(token, &format!("/api/v1/sync/styles/{style}/availability")).await
}

fn sku<'a>(a: &'a Value, code: &str) -> &'a Value {
    a["skus"].as_array().unwrap().iter().find(|s| s["sku_code"] == code).unwrap_or_else(|| panic!("{code} in {a}"))
}

fn nodes(sku: &Value) -> Vec<(String, i64)> {
    sku["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["node_code"].as_str().unwrap().to_string(), n["available"].as_i64().unwrap()))
        .collect()
}

async fn attribution(s: &TestServer, order_id: Uuid) -> Vec<(String, String, i64)> {
    service::read(s.storage.as_ref(), move |tx| Ok(settlement::attribution_totals(tx, order_id)?)).await.unwrap()
}

async fn placed_row(s: &TestServer, order_id: Uuid) -> Option<aisle::PlacedOrderRow> {
    service::read(s.storage.as_ref(), move |tx| Ok(aisle::placed_order(tx, order_id)?)).await.unwrap()
}

/// Everything the fingerprint counts but the op log (a rejected op's stored answer), plus
/// the placed orders.
async fn facts(s: &TestServer) -> Vec<i64> {
    let mut f = s.fingerprint().await;
    f.remove(4); // applied_op
    let placed = service::read(s.storage.as_ref(), |tx| {
        Ok(tx.query_opt("SELECT COUNT(*) FROM placed_order", &[])?.unwrap().i64(0)?)
    })
    .await
    .unwrap();
    f.push(placed);
    f
}

#[tokio::test]
async fn the_store_sees_its_own_lease_and_only_other_nodes_free_units_nearest_first() {
    let s = TestServer::with_fixture().await;
    let a = Device::enrol(&s, "STORE-A").await;
    let b = Device::enrol(&s, "STORE-B").await;
    // STORE-A: 5 of SKU-1, 2 of them its safety stock (its lease).
    let r = s
        .admin_post(
            "/api/v1/import",
            json!({"stock": [{"node_code": "STORE-A", "sku_code": "SKU-1", "quality": "sellable", "on_hand": 5, "safety": 2}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A Tmall order takes 2 of STORE-B's 3 SKU-1.
    let r = s.admin_post("/api/v1/orders", order("TM-AV", "pickup", Some("STORE-B"), &[("SKU-1", 2)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let r = availability(&s, &a.token, "ST-1").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.body["style_code"].as_str(), r.body["name"].as_str()), (Some("ST-1"), Some("跑鞋")));
    let codes: Vec<&str> = r.body["skus"].as_array().unwrap().iter().map(|s| s["sku_code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["SKU-1", "SKU-2", "SKU-3"], "colour then size");
    let one = sku(&r.body, "SKU-1");
    assert_eq!((one["here"].as_i64(), one["network"].as_i64()), (Some(5), Some(106)), "{one}");
    assert_eq!(nodes(one), [("STORE-B".to_string(), 1), ("WH-1".to_string(), 100)], "nearest first");
    let store_b = &one["nodes"][0];
    assert_eq!((store_b["kind"].as_str(), store_b["pickup"].as_bool()), (Some("direct_store"), Some(true)));
    assert!((6_000..9_000).contains(&store_b["distance_m"].as_u64().unwrap()), "{store_b}");
    assert_eq!(one["nodes"][1]["pickup"], false, "a warehouse is not a pickup point");
    let three = sku(&r.body, "SKU-3");
    assert_eq!((three["here"].as_i64(), three["network"].as_i64()), (Some(0), Some(104)));
    // Nothing but free units: no other node's on-hand, reservations, safety or orders.
    let mut leaves = Vec::new();
    crate::common::string_leaves(&r.body, String::new(), &mut leaves);
    let text = r.body.to_string();
    for hidden in ["on_hand", "reserved", "safety", "locked", "lease", "TM-AV", "张三", "13800001234"] {
        assert!(!text.contains(hidden), "{hidden} leaked: {text}");
    }
    for node in r.body["skus"].as_array().unwrap().iter().flat_map(|s| s["nodes"].as_array().unwrap()) {
        let mut keys: Vec<&str> = node.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["available", "city", "distance_m", "kind", "name", "node_code", "pickup"]);
    }

    // STORE-B's device sees the same pool from where it stands: its own 1 free unit, STORE-A's
    // 3 without its safety stock.
    let r = availability(&s, &b.token, "ST-1").await;
    let one = sku(&r.body, "SKU-1");
    assert_eq!(one["here"], 1);
    assert_eq!(nodes(one), [("STORE-A".to_string(), 3), ("WH-1".to_string(), 100)]);

    let r = availability(&s, &a.token, "NO-SUCH-STYLE").await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "style_not_found"), "{}", r.body);
}

#[tokio::test]
async fn an_order_placed_here_ships_from_another_node_is_credited_here_and_the_customer_gets_its_number() {
    let s = TestServer::with_fixture().await;
    let mut a = Device::enrol(&s, "STORE-A").await;
    let mut b = Device::enrol(&s, "STORE-B").await;
    let id = Uuid::now_v7();
    // STORE-A has no SKU-3: a delivery of 2 comes from elsewhere, routed like a channel order
    // (from the store's own position: the device has no geocoder for the address).
    let out = a.push(&s, "STORE-A-A", vec![place(id, "ship", None, &[("SKU-3", 2)])]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    let o = s.order(id).await;
    assert_eq!(o.channel.as_str(), "store");
    assert_eq!(o.fulfillment_orders.len(), 1);
    let from = o.fulfillment_orders[0].node_code.clone();
    assert_eq!(from, "STORE-B", "the nearest node with the goods");

    // The store follows it; nobody else can.
    let r = s.device_get(&a.token, &format!("/api/v1/sync/placed-orders/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["order_id"].as_str(), r.body["status"].as_str()),
        (Some(id.to_string().as_str()), Some("routed"))
    );
    assert_eq!(r.body["unrouted"], 0);
    let f = &r.body["fulfillments"][0];
    assert_eq!(
        (f["node_code"].as_str(), f["kind"].as_str(), f["state"].as_str()),
        (Some(from.as_str()), Some("ship"), Some("routed"))
    );
    assert_eq!(f["lines"], json!([["SKU-3", 2]]));
    assert!(f["tracking_no"].is_null());
    let text = r.body.to_string();
    for hidden in ["王五", "13900001111", "漕溪北路", "POS-0001"] {
        assert!(!text.contains(hidden), "{hidden} leaked: {text}");
    }
    let r = s.device_get(&b.token, &format!("/api/v1/sync/placed-orders/{id}")).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "order_not_found"), "another store: {}", r.body);
    let tmall = s.admin_post("/api/v1/orders", order("TM-PO", "ship", None, &[("SKU-1", 1)])).await;
    let tmall_id = tmall.body["id"].as_str().unwrap();
    let r = s.device_get(&a.token, &format!("/api/v1/sync/placed-orders/{tmall_id}")).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "order_not_found"), "a channel order: {}", r.body);
    for bad in [Uuid::now_v7().to_string(), "not-a-uuid".to_string()] {
        let r = s.device_get(&a.token, &format!("/api/v1/sync/placed-orders/{bad}")).await;
        assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "order_not_found"), "{bad}: {}", r.body);
    }

    // 业绩归属: the channel, the associate and the store that sold it.
    let paid = 2 * 59900;
    let mut credit = attribution(&s, id).await;
    credit.sort();
    assert_eq!(
        credit,
        [
            ("associate".to_string(), "STORE-A-A".to_string(), paid),
            ("channel".to_string(), "store".to_string(), paid),
            ("store".to_string(), "STORE-A".to_string(), paid),
        ]
    );
    // The till's reference is kept with the order.
    let row = placed_row(&s, id).await.unwrap();
    assert_eq!(
        (row.store_code.as_str(), row.staff_id.as_str(), row.payment_ref.as_str()),
        ("STORE-A", "STORE-A-A", "POS-0001-7788")
    );
    assert!(!row.carry_out && row.exchange_of.is_none());
    // The customer is told the order number, at the number the associate typed, normalised.
    let n: Vec<_> = s.claim_notifications().await.into_iter().filter(|n| n.order_id == id).collect();
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!((n[0].kind.as_str(), n[0].recipient.as_str()), ("order_placed", "13900001111"));
    assert!(n[0].body.contains(&id.to_string()) && n[0].body.contains("tracking"), "{}", n[0].body);

    // STORE-B ships it: the customer gets the tracking number, the placing store sees it.
    let fo = o.fulfillment_orders[0].id;
    let out = b
        .push(
            &s,
            "STORE-B-A",
            vec![
                json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo}),
                json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": 1, "picked": 2}]}),
                json!({"kind": "RequestCourier", "fulfillment_order_id": fo, "carrier": "SF"}),
                json!({"kind": "RecordTracking", "fulfillment_order_id": fo, "carrier": "SF", "tracking_no": "SF1234567890"}),
            ],
        )
        .await;
    assert!(out.iter().all(|o| o["status"] == "applied"), "{out:?}");
    let n: Vec<_> = s.claim_notifications().await.into_iter().filter(|n| n.order_id == id).collect();
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!((n[0].kind.as_str(), n[0].recipient.as_str()), ("tracking", "13900001111"));
    assert!(n[0].body.contains("SF1234567890"), "{}", n[0].body);
    let r = s.device_get(&a.token, &format!("/api/v1/sync/placed-orders/{id}")).await;
    let f = &r.body["fulfillments"][0];
    assert_eq!(
        (f["state"].as_str(), f["carrier"].as_str(), f["tracking_no"].as_str()),
        (Some("dispatched"), Some("SF"), Some("SF1234567890"))
    );
    // STORE-B's fee, STORE-A's sale.
    let credit = attribution(&s, id).await;
    assert!(credit.contains(&("store".to_string(), "STORE-A".to_string(), paid)), "{credit:?}");
    assert!(credit.iter().any(|(k, p, fee)| k == "store" && p == "STORE-B" && *fee > 0), "{credit:?}");
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn pickup_at_another_store_is_fulfilled_there_and_credited_to_the_store_that_sold_it() {
    let s = TestServer::with_fixture().await;
    let mut a = Device::enrol(&s, "STORE-A").await;
    let mut b = Device::enrol(&s, "STORE-B").await;
    let id = Uuid::now_v7();
    let out = a.push(&s, "STORE-A-A", vec![place(id, "pickup", Some("STORE-B"), &[("SKU-3", 1)])]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    let o = s.order(id).await;
    let fo = o.fulfillment_orders[0].id;
    assert_eq!(
        (o.fulfillment_orders[0].node_code.as_str(), o.fulfillment_orders[0].kind.as_str()),
        ("STORE-B", "pickup")
    );
    let n = s.claim_notifications().await;
    assert!(n.iter().any(|n| n.order_id == id && n.kind == "order_placed" && n.body.contains("STORE-B name")), "{n:?}");

    // STORE-B fulfils it: its fee, STORE-A's sale.
    let out = b
        .push(
            &s,
            "STORE-B-A",
            vec![
                json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo}),
                json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": 1, "picked": 1}]}),
                json!({"kind": "MarkReady", "fulfillment_order_id": fo}),
            ],
        )
        .await;
    assert!(out.iter().all(|o| o["status"] == "applied"), "{out:?}");
    let code = s.pickup_code_for(fo).await;
    let out = b
        .push(&s, "STORE-B-A", vec![json!({"kind": "HandOver", "fulfillment_order_id": fo, "verification": {"method": "pickup_code", "code": code}})])
        .await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    let credit = attribution(&s, id).await;
    assert!(credit.contains(&("store".to_string(), "STORE-A".to_string(), 59900)), "{credit:?}");
    assert!(credit.contains(&("associate".to_string(), "STORE-A-A".to_string(), 59900)), "{credit:?}");
    let fee = credit.iter().find(|(k, p, _)| k == "store" && p == "STORE-B").map(|c| c.2);
    assert!(fee.is_some_and(|f| f > 0), "STORE-B's fulfillment fee: {credit:?}");
    let r = s.device_get(&a.token, &format!("/api/v1/sync/placed-orders/{id}")).await;
    assert_eq!(
        (r.body["status"].as_str(), r.body["fulfillments"][0]["state"].as_str()),
        (Some("completed"), Some("picked_up")),
        "{}",
        r.body
    );
    assert_eq!(r.body["fulfillments"][0]["node_name"], "STORE-B name");

    // Pickup here later (no pickup_store): this store's shelf, even its safety stock.
    let later = Uuid::now_v7();
    let out = a.push(&s, "STORE-A-A", vec![place(later, "pickup", None, &[("SKU-2", 2)])]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    let o = s.order(later).await;
    assert_eq!(
        (o.fulfillment_orders[0].node_code.as_str(), o.fulfillment_orders[0].state.as_str()),
        ("STORE-A", "routed")
    );
    assert_eq!(s.stock("STORE-A", "SKU-2").await.reserved, 2);
    // Cancelled at HQ: the stock is free again and every credit of the sale, the selling
    // store's included, is reversed.
    let c = s.admin_post(&format!("/api/v1/orders/{later}/cancel"), json!(null)).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.body);
    assert_eq!(s.stock("STORE-A", "SKU-2").await.reserved, 0);
    let credit = attribution(&s, later).await;
    assert_eq!(credit.len(), 3, "{credit:?}");
    assert!(credit.iter().all(|(_, _, amount)| *amount == 0), "{credit:?}");
    let out = a.push(&s, "STORE-A-A", vec![place(Uuid::now_v7(), "pickup", None, &[("SKU-2", 2)])]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");

    // A pickup where the customer cannot collect, or where the size is missing: refused,
    // nothing written, and the refusal says where it is.
    let before = facts(&s).await;
    let out = a.push(&s, "STORE-A-A", vec![place(Uuid::now_v7(), "pickup", Some("WH-1"), &[("SKU-3", 1)])]).await;
    assert_eq!(
        (out[0]["status"].as_str(), out[0]["code"].as_str()),
        (Some("rejected"), Some("invalid_pickup_store")),
        "{out:?}"
    );
    let out = a.push(&s, "STORE-A-A", vec![place(Uuid::now_v7(), "pickup", Some("STORE-B"), &[("SKU-2", 1)])]).await;
    assert_eq!(
        (out[0]["status"].as_str(), out[0]["code"].as_str()),
        (Some("rejected"), Some("insufficient_stock")),
        "{out:?}"
    );
    let message = out[0]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "Only 0 of 1 SKU-2 (黑 42) at store STORE-B; available instead: 黑 41 (5 here, 108 in the network), 黑 43 (103 in the network)."
    );
    assert_eq!(facts(&s).await, before);
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn a_carry_out_is_handed_over_at_once_from_this_shelf() {
    let s = TestServer::with_fixture().await;
    let mut a = Device::enrol(&s, "STORE-A").await;
    let id = Uuid::now_v7();
    let out = a.push(&s, "STORE-A-A", vec![carry_out(id, &[("SKU-1", 2)])]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    let o = s.order(id).await;
    assert_eq!(o.status.as_str(), "completed");
    let f = &o.fulfillment_orders[0];
    assert_eq!((f.node_code.as_str(), f.state.as_str(), f.lines[0].picked_qty), ("STORE-A", "picked_up", Some(2)));
    // The goods left the shelf: the reservation consumed, the movement in the ledger.
    let stock = s.stock("STORE-A", "SKU-1").await;
    assert_eq!((stock.on_hand, stock.reserved), (3, 0));
    let moved = service::read(s.storage.as_ref(), move |tx| {
        let r = tx.query_opt(
            "SELECT CAST(SUM(delta) AS BIGINT) FROM stock_movement WHERE node_code = 'STORE-A' AND sku_code = 'SKU-1' AND reason = 'fulfilment'",
            &[],
        )?;
        Ok(r.unwrap().i64(0)?)
    })
    .await
    .unwrap();
    assert_eq!(moved, -2);
    let row = placed_row(&s, id).await.unwrap();
    assert!(row.carry_out);
    // The store sold it and fulfilled it: its credit is the sale and the fulfillment fee.
    let credit = attribution(&s, id).await;
    let store = credit.iter().find(|c| c.0 == "store" && c.1 == "STORE-A").map_or(0, |c| c.2);
    assert!(store > 2 * 59900, "{credit:?}");
    assert!(credit.contains(&("associate".to_string(), "STORE-A-A".to_string(), 2 * 59900)), "{credit:?}");
    let n = s.claim_notifications().await;
    assert!(n.iter().any(|n| n.order_id == id && n.kind == "order_placed" && n.body.contains("handed over")), "{n:?}");

    s.assert_audit_clean().await;
}

async fn conflicts(s: &TestServer) -> String {
    let r = s.admin_get("/api/v1/conflicts").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body.to_string()
}

/// A carry-out is a fact (the customer walked out with the goods, maybe offline): a shelf
/// short of the units, another price than the catalogue's or a missing till reference is
/// booked — order, hand-over, stock movement — and flagged for HQ, never refused; only what
/// cannot be booked as told is.
#[tokio::test]
async fn a_carry_out_beyond_the_shelf_is_booked_and_flagged_naming_the_orders_now_short() {
    let s = TestServer::with_fixture().await;
    let mut a = Device::enrol(&s, "STORE-A").await;
    // A Tmall pickup holds 2 of STORE-A's 5 SKU-1: 3 free.
    let r = s.admin_post("/api/v1/orders", order("TM-CO", "pickup", Some("STORE-A"), &[("SKU-1", 2)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = Uuid::now_v7();
    let out = a.push(&s, "STORE-A-A", vec![carry_out(id, &[("SKU-1", 4), ("SKU-2", 1)])]).await;
    assert_eq!(
        (out[0]["status"].as_str(), out[0]["code"].as_str()),
        (Some("conflict"), Some("carry_out_short")),
        "{out:?}"
    );
    let message = out[0]["message"].as_str().unwrap();
    assert!(message.contains("4 of SKU-1") && message.contains("tmall order TM-CO (2 reserved)"), "{message}");
    assert!(message.contains("reroute"), "{message}");
    // Booked whole: handed over, off the shelf, attributed, the customer told.
    let o = s.order(id).await;
    assert_eq!(o.status.as_str(), "completed");
    let f = &o.fulfillment_orders[0];
    assert_eq!((f.node_code.as_str(), f.state.as_str()), ("STORE-A", "picked_up"));
    let one = s.stock("STORE-A", "SKU-1").await;
    assert_eq!((one.on_hand, one.reserved), (1, 2), "the movement recorded, TM-CO's reservation now 1 short");
    assert_eq!(s.stock("STORE-A", "SKU-2").await.on_hand, 1, "the line the shelf had: reserved and consumed");
    assert!(placed_row(&s, id).await.unwrap().carry_out);
    let credit = attribution(&s, id).await;
    assert!(credit.contains(&("associate".to_string(), "STORE-A-A".to_string(), 5 * 59900)), "{credit:?}");
    let n = s.claim_notifications().await;
    assert!(n.iter().any(|n| n.order_id == id && n.kind == "order_placed"), "{n:?}");
    let flagged = conflicts(&s).await;
    assert!(flagged.contains("carry_out_short") && flagged.contains("TM-CO"), "HQ sees it: {flagged}");
    s.assert_audit_clean().await;

    // Nothing on the books at all, another price, no till reference, a staff id the server
    // does not know: booked, each flagged.
    let id = Uuid::now_v7();
    let mut op = carry_out(id, &[("SKU-3", 1)]);
    op["lines"][0]["unit_price"] = json!(100);
    op["payment_ref"] = json!("");
    let out = a.push(&s, "STORE-A-A", vec![op]).await;
    assert_eq!((out[0]["status"].as_str(), out[0]["code"].as_str()), (Some("conflict"), Some("carry_out_short")));
    let message = out[0]["message"].as_str().unwrap();
    assert!(message.contains("count the shelf"), "{message}");
    assert!(message.contains("catalogue price is ¥599.00"), "{message}");
    assert!(message.contains("payment reference"), "{message}");
    assert_eq!(s.stock("STORE-A", "SKU-3").await.on_hand, -1);
    assert_eq!(attribution(&s, id).await.iter().find(|c| c.0 == "channel").map(|c| c.2), Some(100), "as paid");
    let flagged = conflicts(&s).await;
    for code in ["price_mismatch", "payment_ref_missing"] {
        assert!(flagged.contains(code), "{code}: {flagged}");
    }
    let id = Uuid::now_v7();
    let out = a.push(&s, "NOBODY", vec![carry_out(id, &[("SKU-2", 1)])]).await;
    assert_eq!((out[0]["status"].as_str(), out[0]["code"].as_str()), (Some("conflict"), Some("unknown_staff")));
    assert_eq!(s.order(id).await.status.as_str(), "completed");

    // What cannot be booked as told is still refused, writing nothing: not a pickup here, an
    // unknown SKU.
    let before = facts(&s).await;
    let mut ship = carry_out(Uuid::now_v7(), &[("SKU-1", 1)]);
    ship["fulfillment"] = json!("ship");
    let mut elsewhere = carry_out(Uuid::now_v7(), &[("SKU-1", 1)]);
    elsewhere["pickup_store"] = json!("STORE-B");
    let out = a.push(&s, "STORE-A-A", vec![ship, elsewhere]).await;
    assert!(out.iter().all(|o| o["status"] == "rejected" && o["code"] == "invalid_carry_out"), "{out:?}");
    let out = a.push(&s, "STORE-A-A", vec![carry_out(Uuid::now_v7(), &[("SKU-404", 1)])]).await;
    assert_eq!((out[0]["status"].as_str(), out[0]["code"].as_str()), (Some("rejected"), Some("unknown_sku")));
    assert_eq!(facts(&s).await, before);
    s.assert_audit_clean().await;
}

/// An order still to be placed sells at the catalogue's list price, with the till's
/// reference (an exchange excepted); a discount up to the line's value is fine.
#[tokio::test]
async fn a_placed_order_is_at_the_list_price_with_the_tills_reference() {
    let s = TestServer::with_fixture().await;
    let mut a = Device::enrol(&s, "STORE-A").await;
    let before = facts(&s).await;
    let mut cheap = place(Uuid::now_v7(), "ship", None, &[("SKU-3", 1)]);
    cheap["lines"][0]["unit_price"] = json!(100);
    let mut unpaid = place(Uuid::now_v7(), "ship", None, &[("SKU-3", 1)]);
    unpaid["payment_ref"] = json!("   ");
    let mut over = place(Uuid::now_v7(), "ship", None, &[("SKU-3", 1)]);
    over["lines"][0]["discount"] = json!(59901);
    let out = a.push(&s, "STORE-A-A", vec![cheap, unpaid, over]).await;
    let codes: Vec<(&str, &str)> =
        out.iter().map(|o| (o["status"].as_str().unwrap(), o["code"].as_str().unwrap())).collect();
    assert_eq!(
        codes,
        [("rejected", "price_mismatch"), ("rejected", "payment_ref_required"), ("rejected", "invalid_price")]
    );
    let message = out[0]["message"].as_str().unwrap();
    assert!(message.contains("SKU-3") && message.contains("¥599.00"), "names the SKU and its price: {message}");
    assert_eq!(facts(&s).await, before);
    let id = Uuid::now_v7();
    let mut discounted = place(id, "ship", None, &[("SKU-3", 1)]);
    discounted["lines"][0]["discount"] = json!(59900);
    let out = a.push(&s, "STORE-A-A", vec![discounted]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn an_exchange_names_a_return_of_this_store_and_keeps_it() {
    let s = TestServer::with_fixture().await;
    let mut a = Device::enrol(&s, "STORE-A").await;
    let mut b = Device::enrol(&s, "STORE-B").await;
    let sold = s.admin_post("/api/v1/orders", order("TM-EX", "ship", None, &[("SKU-2", 1)])).await;
    let return_id = Uuid::now_v7();
    let ret = json!({"kind": "AcceptReturn", "return_id": return_id, "order_id": sold.body["id"],
                     "lines": [{"sku_code": "SKU-2", "qty": 1, "condition": "resaleable", "reason": "size"}]});
    let out = a.push(&s, "STORE-A-A", vec![ret]).await;
    assert_ne!(out[0]["status"], "rejected", "{out:?}");

    let unknown = Uuid::now_v7();
    let mut op = carry_out(unknown, &[("SKU-1", 1)]);
    op["exchange_of"] = json!(Uuid::now_v7());
    let before = facts(&s).await;
    let out = a.push(&s, "STORE-A-A", vec![op]).await;
    assert_eq!(out[0]["code"], "exchange_return_not_found", "{out:?}");
    // Another store cannot name this store's return.
    let mut op = place(Uuid::now_v7(), "pickup", None, &[("SKU-1", 1)]);
    op["exchange_of"] = json!(return_id);
    let out = b.push(&s, "STORE-B-A", vec![op]).await;
    assert_eq!(out[0]["code"], "exchange_return_not_found", "{out:?}");
    assert_eq!(facts(&s).await, before);

    let id = Uuid::now_v7();
    let mut op = carry_out(id, &[("SKU-1", 1)]);
    op["exchange_of"] = json!(return_id);
    // The exchange may leave nothing to pay at the till: no reference needed.
    op["payment_ref"] = json!("");
    let out = a.push(&s, "STORE-A-A", vec![op]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    assert_eq!(placed_row(&s, id).await.unwrap().exchange_of, Some(return_id));
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn a_refusal_in_the_network_names_the_other_sizes_and_replays_change_nothing() {
    let s = TestServer::with_fixture().await;
    let mut a = Device::enrol(&s, "STORE-A").await;
    let before = facts(&s).await;
    let out = a.push(&s, "STORE-A-A", vec![place(Uuid::now_v7(), "ship", None, &[("SKU-2", 200)])]).await;
    assert_eq!(
        (out[0]["status"].as_str(), out[0]["code"].as_str()),
        (Some("rejected"), Some("insufficient_stock")),
        "{out:?}"
    );
    assert_eq!(
        out[0]["message"],
        "Only 102 of 200 SKU-2 (黑 42) in the network, and nothing else of this style can be offered instead."
    );
    assert_eq!(facts(&s).await, before);

    // The same op again (same op id): its stored answer, nothing new. The same order under a
    // new op id: applied once. Other content under that order id: refused.
    let id = Uuid::now_v7();
    let op = place(id, "ship", None, &[("SKU-1", 1)]);
    let body = batch(a.seq, "STORE-A-A", vec![op.clone()]);
    let first = s.device_post(&a.token, "/api/v1/sync/push", &body).await;
    assert_eq!(first.body["results"][0]["outcome"]["status"], "applied", "{}", first.body);
    a.seq += 1;
    let once = s.fingerprint().await;
    let again = s.device_post(&a.token, "/api/v1/sync/push", &body).await;
    assert_eq!(again.body, first.body);
    assert_eq!(s.fingerprint().await, once);
    let once = facts(&s).await;
    let out = a.push(&s, "STORE-A-A", vec![op.clone()]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    let mut other = op.clone();
    other["payment_ref"] = json!("POS-OTHER");
    let mut more = op;
    more["lines"][0]["qty"] = json!(2);
    let out = a.push(&s, "STORE-A-A", vec![other, more]).await;
    assert!(out.iter().all(|o| o["code"] == "order_conflict"), "{out:?}");
    assert_eq!(facts(&s).await, once);
    assert_eq!(s.claim_notifications().await.iter().filter(|n| n.order_id == id).count(), 1);
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn look_ups_are_limited_per_device() {
    let limits = Limits { per_source: 0, per_code: 0, device_reads: 3, ..Limits::default() };
    let s = TestServer::start_with(ServeLimits::default(), limits).await;
    s.import(&crate::common::fixture()).await;
    let a = Device::enrol(&s, "STORE-A").await;
    let b = Device::enrol(&s, "STORE-B").await;
    for _ in 0..2 {
        assert_eq!(availability(&s, &a.token, "ST-1").await.status, StatusCode::OK);
    }
    let r = s.device_get(&a.token, &format!("/api/v1/sync/placed-orders/{}", Uuid::now_v7())).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let refused =
        s.client.get(s.url("/api/v1/sync/styles/ST-1/availability")).bearer_auth(&a.token).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let secs: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&secs), "{secs}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    // Another device of the same address is not held back, and pushing is not a look-up.
    assert_eq!(availability(&s, &b.token, "ST-1").await.status, StatusCode::OK);
    let r = s.device_post(&a.token, "/api/v1/sync/push", batch(1, "STORE-A-A", vec![])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
