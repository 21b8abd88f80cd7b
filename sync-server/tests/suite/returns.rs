//! Returns of any-channel orders at any store (issue 11): the return counter's look-up
//! (scoped, masked, rate-limited), the refund booked with the same rule the device previews
//! with (`shared::returns::quote`), HQ's return policy, the refund outbox, the attribution
//! and fulfillment fee reversed for the returned units, and the facts that cannot be
//! refunded (unknown orders, over-returns, two devices returning the same units) booked into
//! stock and flagged, never dropped, never refunded twice.

use crate::common::{self, batch, order, Reply, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use shared::approval::Approved;
use shared::returns::{quote, OrderLookupAnswer, RefundInstruction, ReturnAsk, ReturnReason};
use sync_server::http::rate_limit::Limits;
use sync_server::http::serve::ServeLimits;
use uuid::Uuid;

/// Takes an order (the fixture's Tmall ship order with `shipping` fen of shipping) and has
/// its nodes deliver it; returns its id.
async fn delivered(s: &TestServer, channel_order_id: &str, lines: &[(&str, i64)], shipping: i64) -> Uuid {
    let mut body = order(channel_order_id, "ship", None, lines);
    body["shipping_fee"] = json!(shipping);
    delivered_body(s, body).await
}

async fn delivered_body(s: &TestServer, body: Value) -> Uuid {
    let r = s.admin_post("/api/v1/orders", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id: Uuid = r.body["id"].as_str().unwrap().parse().unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    sync_server::service::write(s.storage.as_ref(), move |tx| sync_server::service::demo::deliver(tx, id, now))
        .await
        .unwrap();
    let o = s.admin_get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(o.body["status"], "completed", "{}", o.body);
    id
}

async fn lookup(s: &TestServer, token: &str, query: &[(&str, &str)]) -> Reply {
    s.send(s.request(Method::GET, "/api/v1/sync/order-lookup", Some(token), None).query(query)).await
}

async fn found(s: &TestServer, token: &str, query: &[(&str, &str)]) -> OrderLookupAnswer {
    let r = lookup(s, token, query).await;
    assert_eq!(r.status, StatusCode::OK, "{query:?}: {}", r.body);
    serde_json::from_value(r.body).unwrap()
}

/// Pushes `ops` as `staff` from `seq`; the outcomes.
async fn push(s: &TestServer, token: &str, seq: u64, staff: &str, ops: Vec<Value>) -> Vec<Value> {
    let r = s.device_post(token, "/api/v1/sync/push", batch(seq, staff, ops)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["results"].as_array().unwrap().iter().map(|r| r["outcome"].clone()).collect()
}

fn line(line_no: Option<u32>, sku: &str, qty: i64, condition: &str, reason: &str) -> Value {
    let mut l = json!({"sku_code": sku, "qty": qty, "condition": condition, "reason": reason, "note": ""});
    if let Some(n) = line_no {
        l["line_no"] = json!(n);
    }
    l
}

fn give_back(return_id: Uuid, order_id: Option<Uuid>, lines: Vec<Value>) -> Value {
    json!({"kind": "AcceptReturn", "return_id": return_id, "order_id": order_id, "lines": lines})
}

fn give_back_by_ref(return_id: Uuid, channel: &str, number: &str, lines: Vec<Value>) -> Value {
    json!({"kind": "AcceptReturn", "return_id": return_id,
           "order_ref": {"channel": channel, "channel_order_id": number}, "lines": lines})
}

async fn claim(s: &TestServer) -> Vec<RefundInstruction> {
    let r = s.admin_post("/api/v1/refunds/claim?limit=100", json!(null)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_value(r.body).unwrap()
}

async fn status(s: &TestServer, token: &str, return_id: Uuid) -> Reply {
    s.device_get(token, &format!("/api/v1/sync/returns/{return_id}")).await
}

async fn on_hand(s: &TestServer, node: &str, sku: &str, quality: &str) -> i64 {
    let r = s.admin_get(&format!("/api/v1/stock?node={node}&sku={sku}")).await;
    r.body.as_array().unwrap().iter().find(|b| b["quality"] == quality).map_or(0, |b| b["on_hand"].as_i64().unwrap())
}

/// The net attribution of (kind, party) on an order.
async fn net(s: &TestServer, order_id: Uuid, kind: &str, party: &str) -> i64 {
    let r = s.admin_get(&format!("/api/v1/orders/{order_id}/attribution")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["party_kind"] == kind && t["party"] == party)
        .map_or(0, |t| t["amount"].as_i64().unwrap())
}

async fn conflict_codes(s: &TestServer) -> Vec<String> {
    let r = s.admin_get("/api/v1/conflicts?status=all&limit=1000").await;
    r.body.as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_delivered_online_order_is_returned_at_another_store_and_refunded_exactly_once() {
    let s = TestServer::with_fixture().await;
    let order_id = delivered(&s, "TM-RET-1", &[("SKU-1", 2), ("SKU-2", 1)], 800).await;
    let fee_node = s.order(order_id).await.fulfillment_orders[0].node_code.clone();
    let fee_before = net(&s, order_id, "store", &fee_node).await;
    assert!(fee_before > 0, "the fulfilling node earned its fee");
    assert_eq!(net(&s, order_id, "channel", "tmall").await, 113_900 + 54_000);
    let b = s.enrol("STORE-B").await;

    // Store B finds it by the channel number, and previews the refund from the answer.
    let answer = found(&s, &b, &[("code", "TM-RET-1")]).await;
    assert_eq!(answer.orders.len(), 1);
    let o = &answer.orders[0];
    assert_eq!((o.order_id, o.channel_order_id.as_str(), o.shipping_fee.0), (order_id, "TM-RET-1", 800));
    assert_eq!((o.customer_name.as_str(), o.customer_phone.as_str()), ("张*", "138****1234"));
    let l1 = &o.lines[0];
    assert_eq!(
        (l1.line_no, l1.sold, l1.returned, l1.unit_price.0, l1.discount.0, l1.paid.0),
        (1, 2, 0, 59_900, 5_900, 113_900)
    );
    assert!(o.return_by > o.ordered_at && !l1.final_sale);
    let asks = [ReturnAsk { line_no: 1, qty: 2, reason: ReturnReason::Quality }];
    let (preview, problems) = quote(o, &asks, answer.shipping_refund, chrono::Utc::now());
    assert!(problems.is_empty());
    assert_eq!((preview.goods.0, preview.shipping.0), (113_900, 800), "a defect: shipping back too (seller fault)");

    // One unit resaleable, one damaged, both of line 1.
    let r1 = Uuid::now_v7();
    let out = push(
        &s,
        &b,
        1,
        "STORE-B-A",
        vec![give_back(
            r1,
            Some(order_id),
            vec![line(Some(1), "SKU-1", 1, "resaleable", "size"), {
                let mut l = line(Some(1), "SKU-1", 1, "damaged", "quality");
                l["note"] = json!("seam open at the heel");
                l
            }],
        )],
    )
    .await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    assert_eq!(on_hand(&s, "STORE-B", "SKU-1", "sellable").await, 4);
    assert_eq!(on_hand(&s, "STORE-B", "SKU-1", "defective").await, 1);
    let st = status(&s, &b, r1).await;
    assert_eq!(st.status, StatusCode::OK, "{}", st.body);
    assert_eq!(
        (st.body["refund"].as_i64(), st.body["refund_state"].as_str()),
        (Some(preview.total.0), Some("requested"))
    );
    assert!(st.body["problem"].is_null());

    // The refund instruction: once, with what the device showed; acknowledged, it is done.
    let claimed = claim(&s).await;
    assert_eq!(claimed.len(), 1, "{claimed:?}");
    let c = &claimed[0];
    assert_eq!(
        (c.return_id, c.order_id, c.amount, c.goods, c.shipping),
        (r1, order_id, preview.total, preview.goods, preview.shipping)
    );
    assert_eq!(c.lines, preview.lines);
    assert_eq!((c.channel_order_id.as_str(), c.store_code.as_str()), ("TM-RET-1", "STORE-B"));
    assert!(claim(&s).await.is_empty(), "held by the first claim's lease");
    for _ in 0..2 {
        let r = s.admin_post(&format!("/api/v1/refunds/{r1}/ack"), json!(null)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    assert_eq!(status(&s, &b, r1).await.body["refund_state"], "confirmed");

    // The rest comes back offline, by the number on the receipt and the SKU alone.
    let r2 = Uuid::now_v7();
    let out = push(
        &s,
        &b,
        2,
        "STORE-B-A",
        vec![give_back_by_ref(r2, "tmall", "TM-RET-1", vec![line(None, "SKU-2", 1, "resaleable", "changed_mind")])],
    )
    .await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    let st = status(&s, &b, r2).await.body;
    assert_eq!((st["refund"].as_i64(), st["order_id"].as_str()), (Some(54_000), Some(order_id.to_string().as_str())));
    // Every unit back: refunds sum to exactly what was paid, shipping once; attribution and
    // the fulfillment fee are reversed to nothing.
    let again = found(&s, &b, &[("channel", "tmall"), ("channel_order_id", "TM-RET-1")]).await;
    assert!(again.orders[0].lines.iter().all(|l| l.returned == l.sold && l.returnable() == 0));
    assert_eq!(again.orders[0].shipping_refunded.0, 800);
    let all = claim(&s).await;
    assert_eq!(all.iter().map(|c| c.amount.0).sum::<i64>() + preview.total.0, 113_900 + 54_000 + 800);
    assert_eq!(net(&s, order_id, "channel", "tmall").await, 0);
    assert_eq!(net(&s, order_id, "store", &fee_node).await, 0, "the fee is reversed with the units");
    let attribution = s.admin_get(&format!("/api/v1/orders/{order_id}/attribution")).await.body;
    let reasons: Vec<&str> =
        attribution["entries"].as_array().unwrap().iter().map(|e| e["reason"].as_str().unwrap()).collect();
    assert!(reasons.contains(&"return") && reasons.contains(&"fulfillment_fee_return"), "{reasons:?}");

    // A third return of units already back: booked, flagged, not refunded.
    let r3 = Uuid::now_v7();
    let out = push(
        &s,
        &b,
        3,
        "STORE-B-A",
        vec![give_back(r3, Some(order_id), vec![line(Some(1), "SKU-1", 1, "resaleable", "size")])],
    )
    .await;
    assert_eq!(
        (out[0]["status"].as_str(), out[0]["code"].as_str()),
        (Some("conflict"), Some("more_than_returnable")),
        "{out:?}"
    );
    assert_eq!(on_hand(&s, "STORE-B", "SKU-1", "sellable").await, 5);
    assert!(claim(&s).await.is_empty());
    assert_eq!(status(&s, &b, r3).await.body["refund_state"], "not_due");
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn a_line_returned_unit_by_unit_refunds_exactly_what_was_paid() {
    let s = TestServer::with_fixture().await;
    let body = json!({
        "channel": "jd", "channel_order_id": "JD-ODD", "fulfillment": "ship",
        "customer": { "name": "李四", "phone": "13900005678", "address": "上海市黄浦区", "location": { "lat": 31.23, "lon": 121.47 } },
        "lines": [{ "sku_code": "SKU-1", "qty": 3, "unit_price": 10_000, "discount": 1 }],
    });
    let order_id = delivered_body(&s, body).await;
    let a = s.enrol("STORE-A").await;
    let mut refunds = Vec::new();
    for seq in 1..=3u64 {
        let id = Uuid::now_v7();
        let out = push(
            &s,
            &a,
            seq,
            "STORE-A-A",
            vec![give_back(id, Some(order_id), vec![line(Some(1), "SKU-1", 1, "resaleable", "size")])],
        )
        .await;
        assert_eq!(out[0]["status"], "applied", "{out:?}");
        refunds.push(status(&s, &a, id).await.body["refund"].as_i64().unwrap());
    }
    assert_eq!(refunds.iter().sum::<i64>(), 29_999, "{refunds:?}");
    assert!(refunds.iter().all(|r| (9_999..=10_000).contains(r)), "{refunds:?}");
    assert_eq!(net(&s, order_id, "channel", "jd").await, 0);
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn another_stores_device_sees_only_the_masked_returnable_order() {
    let s = TestServer::with_fixture().await;
    let body = json!({
        "channel": "tmall", "channel_order_id": "TM-SCOPE", "fulfillment": "pickup", "pickup_store": "STORE-A",
        "associate_id": "STORE-A-A",
        "customer": { "name": "张三丰", "phone": "13800001234", "address": "上海市静安区南京西路1601号12楼", "location": { "lat": 31.23, "lon": 121.47 } },
        "lines": [{ "sku_code": "SKU-1", "qty": 1, "unit_price": 59_900, "discount": 0 }],
    });
    let r = s.admin_post("/api/v1/orders", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let order_id = r.body["id"].as_str().unwrap().to_string();
    let b = s.enrol("STORE-B").await;
    let qr = shared::returns::order_qr_payload(order_id.parse().unwrap());
    for query in [
        vec![("code", qr.as_str())],
        vec![("code", order_id.as_str())],
        vec![("code", " TM-SCOPE ")],
        vec![("channel", "tmall"), ("channel_order_id", "TM-SCOPE")],
        vec![("phone_tail", "1234"), ("name", " 张三丰 ")],
    ] {
        let r = lookup(&s, &b, &query).await;
        assert_eq!(r.status, StatusCode::OK, "{query:?}: {}", r.body);
        let text = r.body.to_string();
        for secret in ["13800001234", "00001234", "南京西路", "张三丰", "pickup_code", "fulfillment_orders", "hash"]
        {
            assert!(!text.contains(secret), "{query:?} leaks {secret}: {text}");
        }
        let o = &r.body["orders"][0];
        let mut keys: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "associate_id",
                "channel",
                "channel_order_id",
                "customer_address",
                "customer_name",
                "customer_phone",
                "lines",
                "order_id",
                "ordered_at",
                "return_by",
                "selling_store",
                "shipping_fee",
                "shipping_refunded",
                "status"
            ],
            "nothing but the returnable order"
        );
        assert_eq!((o["customer_name"].as_str(), o["customer_phone"].as_str()), (Some("张**"), Some("138****1234")));
        assert_eq!(o["customer_address"], "上海市静安区****");
        assert_eq!(o["associate_id"], "STORE-A-A");
    }
    let unknown_id = Uuid::now_v7().to_string();
    for (query, what) in [
        (vec![("phone_tail", "1234"), ("name", "张三")], "another name"),
        (vec![("phone_tail", "9999"), ("name", "张三丰")], "another phone"),
        (vec![("code", "TM-NOPE")], "an unknown number"),
        (vec![("code", unknown_id.as_str())], "an unknown id"),
        (vec![("channel", "jd"), ("channel_order_id", "TM-SCOPE")], "the number on another channel"),
    ] {
        let r = lookup(&s, &b, &query).await;
        assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "order_not_found"), "{what}: {}", r.body);
    }
    // A return is followed only by the store that recorded it.
    let a = s.enrol("STORE-A").await;
    let id = Uuid::now_v7();
    push(
        &s,
        &a,
        1,
        "STORE-A-A",
        vec![give_back(id, order_id.parse().ok(), vec![line(Some(1), "SKU-1", 1, "resaleable", "size")])],
    )
    .await;
    assert_eq!(status(&s, &a, id).await.status, StatusCode::OK);
    for (token, asked) in [(&b, id.to_string()), (&a, Uuid::now_v7().to_string()), (&a, "not-a-uuid".to_string())] {
        let r = s.device_get(token, &format!("/api/v1/sync/returns/{asked}")).await;
        assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "return_not_found"), "{asked}: {}", r.body);
    }
}

#[tokio::test]
async fn look_ups_are_limited_per_device() {
    let limits = Limits { per_source: 0, per_code: 0, device_reads: 5, ..Limits::default() };
    let s = TestServer::start_with(ServeLimits::default(), limits).await;
    s.import(&common::fixture()).await;
    let a = s.enrol("STORE-A").await;
    let b = s.enrol("STORE-A").await;
    for i in 0..4 {
        let r = lookup(&s, &a, &[("code", "TM-NOPE")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "look-up {i}: {}", r.body);
    }
    assert_eq!(status(&s, &a, Uuid::now_v7()).await.status, StatusCode::NOT_FOUND, "a status read counts too");
    for r in [lookup(&s, &a, &[("code", "TM-NOPE")]).await, status(&s, &a, Uuid::now_v7()).await] {
        assert_eq!((r.status, r.code()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"), "{}", r.body);
    }
    let raw = s.request(Method::GET, "/api/v1/sync/order-lookup?code=X", Some(&a), None).send().await.unwrap();
    let secs: u64 = raw.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&secs), "{secs}");
    // Another device of the same store is not held back.
    assert_eq!(lookup(&s, &b, &[("code", "TM-NOPE")]).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_return_policy_decides_the_window_final_sale_and_shipping() {
    let s = TestServer::with_fixture().await;
    let policy = json!({
        "default_window_days": 30,
        "windows": [{"channel": "tmall", "days": 0}],
        "final_sale": ["SKU-2"],
        "shipping_refund": "never",
    });
    let r = s.admin_put("/api/v1/settings/return-policy", &policy).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(s.admin_get("/api/v1/settings/return-policy").await.body, policy);
    let order_id = delivered(&s, "TM-POL", &[("SKU-1", 1), ("SKU-2", 1)], 1_000).await;
    let a = s.enrol("STORE-A").await;
    let answer = found(&s, &a, &[("code", "TM-POL")]).await;
    let o = &answer.orders[0];
    assert_eq!(o.return_by, o.ordered_at, "a 0-day window on Tmall");
    assert_eq!((o.lines[0].final_sale, o.lines[1].final_sale), (false, true));
    assert_eq!(o.lines[1].returnable(), 0);
    assert_eq!(answer.shipping_refund, shared::returns::ShippingRefund::Never);

    // The window closed: the goods are booked, nothing is refunded, HQ follows it up.
    let late = Uuid::now_v7();
    let out = push(
        &s,
        &a,
        1,
        "STORE-A-A",
        vec![give_back(late, Some(order_id), vec![line(Some(1), "SKU-1", 1, "resaleable", "size")])],
    )
    .await;
    assert_eq!(out[0]["code"], "return_window_closed", "{out:?}");
    assert_eq!(on_hand(&s, "STORE-A", "SKU-1", "sellable").await, 5, "4 after the sale, 5 with the unit back");
    let st = status(&s, &a, late).await.body;
    assert_eq!(
        (st["refund"].as_i64(), st["refund_state"].as_str(), st["problem"].as_str()),
        (Some(0), Some("not_due"), Some("return_window_closed"))
    );

    // Tmall back to the default window: SKU-1 is refunded (no shipping: never), SKU-2 is
    // final sale.
    let policy = json!({"default_window_days": 30, "final_sale": ["SKU-2"], "shipping_refund": "never"});
    assert_eq!(s.admin_put("/api/v1/settings/return-policy", &policy).await.status, StatusCode::OK);
    let (ok, clearance) = (Uuid::now_v7(), Uuid::now_v7());
    let out = push(
        &s,
        &a,
        2,
        "STORE-A-A",
        vec![
            give_back(ok, Some(order_id), vec![line(Some(1), "SKU-1", 1, "resaleable", "not_as_described")]),
            give_back(clearance, Some(order_id), vec![line(Some(2), "SKU-2", 1, "resaleable", "size")]),
        ],
    )
    .await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    assert_eq!(out[1]["code"], "final_sale", "{out:?}");
    let claimed = claim(&s).await;
    assert_eq!(claimed.len(), 1);
    assert_eq!((claimed[0].return_id, claimed[0].amount.0, claimed[0].shipping.0), (ok, 54_000, 0));
    assert!(conflict_codes(&s).await.contains(&"final_sale".to_string()));
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn devices_returning_the_same_unit_offline_refund_it_once() {
    let s = TestServer::with_fixture().await;
    let order_id = delivered(&s, "TM-TWICE", &[("SKU-1", 1)], 0).await;
    // Four devices at two stores took the same unit back while offline, and sync at once.
    let mut devices = Vec::new();
    for store in ["STORE-A", "STORE-B", "STORE-A", "STORE-B"] {
        devices.push((store, s.enrol(store).await, Uuid::now_v7()));
    }
    let pushes = devices.iter().enumerate().map(|(i, (store, token, id))| {
        let op = if i % 2 == 0 {
            give_back(*id, Some(order_id), vec![line(Some(1), "SKU-1", 1, "resaleable", "size")])
        } else {
            give_back_by_ref(*id, "tmall", "TM-TWICE", vec![line(None, "SKU-1", 1, "resaleable", "size")])
        };
        let staff = format!("{store}-A");
        let s = &s;
        async move { push(s, token, 1, &staff, vec![op]).await.remove(0) }
    });
    let outcomes = futures_util::future::join_all(pushes).await;
    let applied = outcomes.iter().filter(|o| o["status"] == "applied").count();
    assert_eq!(applied, 1, "{outcomes:?}");
    assert!(
        outcomes.iter().filter(|o| o["status"] != "applied").all(|o| o["code"] == "more_than_returnable"),
        "{outcomes:?}"
    );
    // Every unit is on a shelf (the goods are real); one refund.
    let shelves = on_hand(&s, "STORE-A", "SKU-1", "sellable").await + on_hand(&s, "STORE-B", "SKU-1", "sellable").await;
    assert_eq!(shelves, 4 + 3 + 4);
    let claimed = claim(&s).await;
    assert_eq!(claimed.len(), 1, "{claimed:?}");
    assert_eq!(claimed[0].amount.0, 54_000);
    let mut refunds = 0;
    for (_, token, id) in &devices {
        refunds += status(&s, token, *id).await.body["refund"].as_i64().unwrap();
    }
    assert_eq!(refunds, 54_000);
    assert_eq!(found(&s, &devices[0].1, &[("code", "TM-TWICE")]).await.orders[0].lines[0].returned, 1);
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn an_unacknowledged_refund_is_handed_out_again_after_its_lease() {
    use sync_server::service::refunds::{self, REFUND_LEASE_MS};
    let s = TestServer::with_fixture().await;
    let order_id = delivered(&s, "TM-LEASE", &[("SKU-1", 1)], 0).await;
    let a = s.enrol("STORE-A").await;
    let id = Uuid::now_v7();
    push(
        &s,
        &a,
        1,
        "STORE-A-A",
        vec![give_back(id, Some(order_id), vec![line(Some(1), "SKU-1", 1, "resaleable", "size")])],
    )
    .await;
    assert_eq!(claim(&s).await.len(), 1);
    let at = |ms: i64| {
        let storage = s.storage.clone();
        async move {
            sync_server::service::write(storage.as_ref(), move |tx| refunds::claim(tx, Some(10), ms)).await.unwrap()
        }
    };
    let later = chrono::Utc::now().timestamp_millis() + REFUND_LEASE_MS + 1;
    let again = at(later).await;
    assert_eq!(again.iter().map(|r| r.return_id).collect::<Vec<_>>(), [id], "at least once");
    assert!(at(later + 1).await.is_empty(), "the second claim holds it now");
    assert_eq!(s.admin_post(&format!("/api/v1/refunds/{id}/ack"), json!(null)).await.status, StatusCode::NO_CONTENT);
    assert!(at(later + 100 * REFUND_LEASE_MS).await.is_empty(), "acknowledged: never again");
    assert_eq!(status(&s, &a, id).await.body["refund_state"], "confirmed");
}

#[tokio::test]
async fn a_phone_search_answers_the_newest_twenty_orders_of_that_customer() {
    let s = TestServer::with_fixture().await;
    let mut ids = Vec::new();
    for i in 0..22 {
        let body = json!({
            "channel": if i % 2 == 0 { "tmall" } else { "jd" }, "channel_order_id": format!("PH-{i}"), "fulfillment": "ship",
            "customer": { "name": "王五", "phone": "139-0000-5678", "location": { "lat": 31.39, "lon": 120.98 } },
            "lines": [{ "sku_code": "SKU-2", "qty": 1, "unit_price": 100 }],
        });
        let r = s.admin_post("/api/v1/orders", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.body["id"].as_str().unwrap().parse::<Uuid>().unwrap());
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    // Someone else with the same name, another phone.
    let other = json!({
        "channel": "tmall", "channel_order_id": "PH-OTHER", "fulfillment": "ship",
        "customer": { "name": "王五", "phone": "13900001111", "location": { "lat": 31.39, "lon": 120.98 } },
        "lines": [{ "sku_code": "SKU-2", "qty": 1, "unit_price": 100 }],
    });
    assert_eq!(s.admin_post("/api/v1/orders", other).await.status, StatusCode::CREATED);
    let a = s.enrol("STORE-A").await;
    let answer = found(&s, &a, &[("phone_tail", "5678"), ("name", "王五")]).await;
    let got: Vec<Uuid> = answer.orders.iter().map(|o| o.order_id).collect();
    let want: Vec<Uuid> = ids.iter().rev().take(20).copied().collect();
    assert_eq!(got, want, "the newest twenty, newest first");
    assert!(answer.orders.iter().all(|o| o.customer_phone == "139****5678"));
}

#[tokio::test]
async fn unknown_and_unmatched_returns_are_booked_and_flagged_never_dropped() {
    let s = TestServer::with_fixture().await;
    let order_id = delivered(&s, "TM-MATCH", &[("SKU-1", 1)], 0).await;
    let cancelled =
        s.admin_post("/api/v1/orders", order("TM-CANCEL", "pickup", Some("STORE-A"), &[("SKU-1", 1)])).await;
    let cancelled_id: Uuid = cancelled.body["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        s.admin_post(&format!("/api/v1/orders/{cancelled_id}/cancel"), json!(null)).await.status,
        StatusCode::OK
    );
    let a = s.enrol("STORE-A").await;
    let ids: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
    let out = push(
        &s,
        &a,
        1,
        "STORE-A-A",
        vec![
            give_back_by_ref(ids[0], "jd", "JD-NEVER-SEEN", vec![line(None, "SKU-2", 1, "damaged", "quality")]),
            give_back(ids[1], Some(order_id), vec![line(None, "SKU-3", 1, "resaleable", "colour")]),
            give_back(ids[2], Some(order_id), vec![line(Some(1), "NO-SUCH-SKU", 1, "resaleable", "size")]),
            give_back(ids[3], Some(cancelled_id), vec![line(Some(1), "SKU-1", 1, "resaleable", "size")]),
        ],
    )
    .await;
    let codes: Vec<&str> = out.iter().map(|o| o["code"].as_str().unwrap_or("")).collect();
    assert_eq!(codes, ["unknown_order", "unknown_line", "unknown_sku", "order_cancelled"], "{out:?}");
    assert!(out.iter().all(|o| o["status"] == "conflict"));
    // The goods that exist are on the shelves; nothing is refunded.
    assert_eq!(on_hand(&s, "STORE-A", "SKU-2", "defective").await, 1);
    assert_eq!(on_hand(&s, "STORE-A", "SKU-3", "sellable").await, 1);
    assert!(claim(&s).await.is_empty());
    let st = status(&s, &a, ids[0]).await.body;
    assert!(st["order_id"].is_null(), "{st}");
    assert_eq!((st["refund_state"].as_str(), st["problem"].as_str()), (Some("not_due"), Some("unknown_order")));
    let codes = conflict_codes(&s).await;
    for c in ["unknown_order", "unknown_line", "unknown_sku", "order_cancelled"] {
        assert!(codes.contains(&c.to_string()), "HQ follows up {c}: {codes:?}");
    }
    // The cancelled order's reversed attribution is not reversed again.
    assert_eq!(net(&s, cancelled_id, "channel", "tmall").await, 0);
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn a_refund_above_the_manager_limit_is_held_without_the_managers_proof() {
    let s = TestServer::with_fixture().await;
    let mut rules = s.admin_get("/api/v1/settings/business-rules").await.body;
    rules["return_manager_limit_fen"] = json!(50_000);
    assert_eq!(s.admin_put("/api/v1/settings/business-rules", &rules).await.status, StatusCode::OK);
    let first = delivered(&s, "TM-BIG-1", &[("SKU-1", 1)], 0).await;
    let second = delivered(&s, "TM-BIG-2", &[("SKU-1", 1)], 0).await;
    let a = s.enrol("STORE-A").await;
    let held = Uuid::now_v7();
    let out = push(
        &s,
        &a,
        1,
        "STORE-A-A",
        vec![give_back(held, Some(first), vec![line(Some(1), "SKU-1", 1, "resaleable", "size")])],
    )
    .await;
    assert_eq!(out[0]["code"], "manager_approval_missing", "{out:?}");
    let st = status(&s, &a, held).await.body;
    assert_eq!(
        (st["refund"].as_i64(), st["refund_state"].as_str()),
        (Some(54_000), Some("not_due")),
        "booked, not sent"
    );
    assert!(claim(&s).await.is_empty());

    let approved = Uuid::now_v7();
    let what = Approved::Return { return_id: approved, manager_id: "STORE-A-M" };
    let proof = common::approval(&s, &a, "STORE-A-M", "8888", what).await;
    let mut op = give_back(approved, Some(second), vec![line(Some(1), "SKU-1", 1, "resaleable", "size")]);
    op["approved_by"] = json!("STORE-A-M");
    op["approval"] = json!(proof);
    let out = push(&s, &a, 2, "STORE-A-A", vec![op]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    let claimed = claim(&s).await;
    assert_eq!((claimed.len(), claimed[0].return_id), (1, approved));

    // HQ follows the held one up: another conflict cannot release a refund, and stays open;
    // the held return's conflict releases it once, however often it is resolved.
    let conflicts = s.admin_get("/api/v1/conflicts?status=open&limit=100").await.body;
    let conflict_of = |code: &str| {
        conflicts.as_array().unwrap().iter().find(|c| c["code"] == code).map(|c| c["id"].as_i64().unwrap())
    };
    let missing = conflict_of("manager_approval_missing").expect("the held return's conflict");
    let other = delivered(&s, "TM-BIG-3", &[("SKU-1", 1)], 0).await;
    let not_on_order = push(
        &s,
        &a,
        3,
        "STORE-A-A",
        vec![give_back(Uuid::now_v7(), Some(other), vec![line(None, "SKU-2", 1, "resaleable", "size")])],
    )
    .await;
    assert_eq!(not_on_order[0]["status"], "conflict", "{not_on_order:?}");
    let conflicts = s.admin_get("/api/v1/conflicts?status=open&limit=100").await.body;
    let not_held = conflicts.as_array().unwrap().iter().find(|c| c["code"] != "manager_approval_missing").unwrap()
        ["id"]
        .as_i64()
        .unwrap();
    let body = json!({"note": "approved by the area manager", "release_refund": true});
    let r = s.admin_post(&format!("/api/v1/conflicts/{not_held}/resolve"), &body).await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("nothing_to_release")),
        "{:?}",
        r.body
    );
    assert!(claim(&s).await.is_empty(), "nothing released");
    let open = s.admin_get("/api/v1/conflicts?status=open&limit=100").await.body;
    assert!(open.as_array().unwrap().iter().any(|c| c["id"] == not_held), "a refused resolution leaves it open");
    for _ in 0..2 {
        let r = s.admin_post(&format!("/api/v1/conflicts/{missing}/resolve"), &body).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    let released = claim(&s).await;
    assert_eq!(released.len(), 1, "released once: {released:?}");
    assert_eq!((released[0].return_id, released[0].amount.0), (held, 54_000));
    assert_eq!(status(&s, &a, held).await.body["refund_state"], "requested");
}

#[tokio::test]
async fn a_return_sent_again_is_booked_once_and_other_content_under_its_id_is_flagged() {
    let s = TestServer::with_fixture().await;
    let order_id = delivered(&s, "TM-REPLAY", &[("SKU-1", 2)], 0).await;
    let a = s.enrol("STORE-A").await;
    let id = Uuid::now_v7();
    let op = give_back(id, Some(order_id), vec![line(Some(1), "SKU-1", 1, "resaleable", "size")]);
    let first = batch(1, "STORE-A-A", vec![op.clone()]);
    let r = s.device_post(&a, "/api/v1/sync/push", &first).await;
    assert_eq!(r.body["results"][0]["outcome"]["status"], "applied", "{}", r.body);
    let before = s.fingerprint().await;
    // The same op again (a retried push): its stored result, nothing changes.
    let again = s.device_post(&a, "/api/v1/sync/push", &first).await;
    assert_eq!(again.body["results"], r.body["results"]);
    assert_eq!(s.fingerprint().await, before);
    // The same return under a new op id: the first outcome, not booked again.
    let out = push(&s, &a, 2, "STORE-A-A", vec![op]).await;
    assert_eq!(out[0]["status"], "applied");
    // Other lines under the same return id: flagged, not applied.
    let out = push(
        &s,
        &a,
        3,
        "STORE-A-A",
        vec![give_back(id, Some(order_id), vec![line(Some(1), "SKU-1", 2, "resaleable", "size")])],
    )
    .await;
    assert_eq!(out[0]["code"], "return_id_reused", "{out:?}");
    assert_eq!(on_hand(&s, "STORE-A", "SKU-1", "sellable").await, 4, "5, less 2 sold, plus 1 back once");
    assert_eq!(claim(&s).await.len(), 1);
    let lookup = found(&s, &a, &[("code", "TM-REPLAY")]).await;
    assert_eq!(lookup.orders[0].lines[0].returned, 1);
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn the_demos_delivered_tmall_order_is_found_by_its_number_and_needs_the_manager() {
    let s = TestServer::start().await;
    let data = gen::generate(&gen::GenConfig { seed: 2026, styles: 12, stores: 3, orders: 0 });
    test_support::import_into(s.storage.as_ref(), &data.bundle).await;
    let input = gen::demo_return_order(&data.bundle, gen::DEMO_RETURN_HIGH_PRICE).expect("the brand has SKUs for it");
    let now = chrono::Utc::now().timestamp_millis();
    let taken = input.clone();
    let id = sync_server::service::write(s.storage.as_ref(), move |tx| {
        sync_server::service::demo::delivered_order(tx, &taken, now)
    })
    .await
    .unwrap();
    // Taken again (the demo restarted): the same order, delivered once.
    let again = sync_server::service::write(s.storage.as_ref(), move |tx| {
        sync_server::service::demo::delivered_order(tx, &input, now)
    })
    .await
    .unwrap();
    assert_eq!(again, id);
    let o = s.order(id).await;
    assert_eq!(o.status, shared::order::OrderStatus::Completed);
    assert!(o.fulfillment_orders.iter().all(|f| f.state == shared::fulfillment::FulfillmentState::Delivered));

    let token = s.enrol(gen::DEMO_STORE).await;
    let manager = format!("{}-M1", gen::DEMO_STORE);
    let answer = found(&s, &token, &[("code", gen::DEMO_RETURN_ORDER)]).await;
    let order = &answer.orders[0];
    assert_eq!(
        (order.order_id, order.channel, order.shipping_fee),
        (id, shared::order::Channel::Tmall, gen::DEMO_RETURN_SHIPPING)
    );
    assert_eq!(order.lines.len(), 2);
    let limit = shared::rules::BusinessRules::default().return_manager_limit_fen;
    assert!(order.lines[1].unit_price.0 > limit, "the second line alone needs the manager");
    let asks: Vec<ReturnAsk> =
        order.lines.iter().map(|l| ReturnAsk { line_no: l.line_no, qty: 1, reason: ReturnReason::Size }).collect();
    let (preview, _) = quote(order, &asks, answer.shipping_refund, chrono::Utc::now());
    let paid: i64 = order.lines.iter().map(|l| l.paid.0).sum();
    assert_eq!(preview.total.0, paid + gen::DEMO_RETURN_SHIPPING.0, "all of it back, shipping too");

    // One line resaleable, one damaged, with the manager's PIN: refunded as previewed.
    let return_id = Uuid::now_v7();
    let what = Approved::Return { return_id, manager_id: &manager };
    let proof = common::approval(&s, &token, &manager, gen::DEMO_MANAGER_PIN, what).await;
    let mut op = give_back(
        return_id,
        Some(id),
        vec![
            line(Some(1), &order.lines[0].sku_code, 1, "resaleable", "size"),
            line(Some(2), &order.lines[1].sku_code, 1, "damaged", "quality"),
        ],
    );
    op["approved_by"] = json!(manager);
    op["approval"] = json!(proof);
    let out = push(&s, &token, 1, &format!("{}-A1", gen::DEMO_STORE), vec![op]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    let claimed = claim(&s).await;
    assert_eq!((claimed.len(), claimed[0].amount), (1, preview.total));
    assert_eq!(on_hand(&s, gen::DEMO_STORE, &order.lines[1].sku_code, "defective").await, 1);
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn an_endless_aisle_sale_returned_elsewhere_reverses_the_selling_store_and_the_associate() {
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    let order_id = Uuid::now_v7();
    let place = json!({"kind": "PlaceOrder", "order_id": order_id, "fulfillment": "ship", "payment_ref": "POS-1",
        "customer": {"name": "李四", "phone": "13900001111", "address": "杭州市西湖区", "location": {"lat": 30.27, "lon": 120.15}},
        "lines": [{"sku_code": "SKU-3", "qty": 2, "unit_price": 59_900, "discount": 1_001}]});
    let out = push(&s, &a, 1, "STORE-A-A", vec![place]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    let now = chrono::Utc::now().timestamp_millis();
    sync_server::service::write(s.storage.as_ref(), move |tx| sync_server::service::demo::deliver(tx, order_id, now))
        .await
        .unwrap();
    let paid = 2 * 59_900 - 1_001;
    assert_eq!(net(&s, order_id, "store", "STORE-A").await, paid, "the selling store's credit");
    assert_eq!(net(&s, order_id, "associate", "STORE-A-A").await, paid);

    let b = s.enrol("STORE-B").await;
    let answer = found(&s, &b, &[("channel", "store"), ("channel_order_id", &order_id.to_string())]).await;
    let o = &answer.orders[0];
    assert_eq!((o.selling_store.as_deref(), o.associate_id.as_deref()), (Some("STORE-A"), Some("STORE-A-A")));
    // Returned in two goes at store B: each reverses its share, together all of it.
    for (seq, qty) in [(1, 1), (2, 1)] {
        let out = push(
            &s,
            &b,
            seq,
            "STORE-B-A",
            vec![give_back(
                Uuid::now_v7(),
                Some(order_id),
                vec![line(None, "SKU-3", qty, "resaleable", "changed_mind")],
            )],
        )
        .await;
        assert_eq!(out[0]["status"], "applied", "{out:?}");
        if seq == 1 {
            let half = net(&s, order_id, "store", "STORE-A").await;
            assert!(half > 0 && half < paid, "{half}");
        }
    }
    for (kind, party) in [("store", "STORE-A"), ("associate", "STORE-A-A"), ("channel", "store")] {
        assert_eq!(net(&s, order_id, kind, party).await, 0, "{kind} {party}");
    }
    let fulfiller = s.order(order_id).await.fulfillment_orders[0].node_code.clone();
    assert_eq!(net(&s, order_id, "store", &fulfiller).await, 0, "the fee of {fulfiller} too");
    assert_eq!(claim(&s).await.iter().map(|c| c.amount.0).sum::<i64>(), paid);
    s.assert_audit_clean().await;
}

/// The tiny brand with `sku`'s stock only where `levels` say.
fn brand_with(sku: &str, levels: &[(&str, i64)]) -> shared::import::ImportBundle {
    let mut bundle = common::fixture();
    bundle.stock.retain(|l| l.sku_code != sku);
    for (node, n) in levels {
        let mut l = bundle.stock[0].clone();
        l.node_code = node.to_string();
        l.sku_code = sku.to_string();
        l.on_hand = shared::Count::new(*n).unwrap();
        bundle.stock.push(l);
    }
    bundle
}

async fn deliver_one(s: &TestServer, fulfillment_order_id: Uuid) {
    let now = chrono::Utc::now().timestamp_millis();
    sync_server::service::write(s.storage.as_ref(), move |tx| {
        sync_server::service::demo::deliver_fulfillment(tx, fulfillment_order_id, now)
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn an_order_whose_goods_never_left_has_nothing_to_take_back() {
    let s = TestServer::with_fixture().await;
    let r = s.admin_post("/api/v1/orders", order("TM-UNSENT", "ship", None, &[("SKU-1", 1)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let order_id: Uuid = r.body["id"].as_str().unwrap().parse().unwrap();
    let b = s.enrol("STORE-B").await;
    let answer = found(&s, &b, &[("code", "TM-UNSENT")]).await;
    let o = &answer.orders[0];
    assert_eq!((o.lines[0].sold, o.lines[0].returnable(), o.lines[0].paid.0), (0, 0, 0), "routed, not sent");
    let asks = [ReturnAsk { line_no: 1, qty: 1, reason: ReturnReason::Size }];
    let (preview, problems) = quote(o, &asks, answer.shipping_refund, chrono::Utc::now());
    assert_eq!(problems.iter().map(|p| p.code()).collect::<Vec<_>>(), ["more_than_returnable"]);
    assert_eq!(preview.total.0, 0);

    // Taken back offline against the receipt anyway: booked into stock, flagged, no refund.
    let id = Uuid::now_v7();
    let out = push(
        &s,
        &b,
        1,
        "STORE-B-A",
        vec![give_back_by_ref(id, "tmall", "TM-UNSENT", vec![line(None, "SKU-1", 1, "resaleable", "size")])],
    )
    .await;
    assert_eq!((out[0]["status"].as_str(), out[0]["code"].as_str()), (Some("conflict"), Some("more_than_returnable")));
    assert_eq!(on_hand(&s, "STORE-B", "SKU-1", "sellable").await, 4);
    let st = status(&s, &b, id).await.body;
    assert_eq!((st["refund"].as_i64(), st["refund_state"].as_str()), (Some(0), Some("not_due")), "{st}");
    assert!(claim(&s).await.is_empty());
    assert_eq!(net(&s, order_id, "channel", "tmall").await, 54_000, "the sale stands");

    // Once its goods left, the unit can come back.
    sync_server::service::write(s.storage.as_ref(), move |tx| {
        sync_server::service::demo::deliver(tx, order_id, chrono::Utc::now().timestamp_millis())
    })
    .await
    .unwrap();
    assert_eq!(found(&s, &b, &[("code", "TM-UNSENT")]).await.orders[0].lines[0].returnable(), 1);
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn a_line_split_over_two_nodes_and_returned_unit_by_unit_reverses_each_fee_once() {
    let s = TestServer::start().await;
    s.import(&brand_with("SKU-3", &[("STORE-B", 1), ("WH-1", 1)])).await;
    let r = s.admin_post("/api/v1/orders", order("TM-SPLIT", "ship", None, &[("SKU-3", 2)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let order_id: Uuid = r.body["id"].as_str().unwrap().parse().unwrap();
    let fos = s.order(order_id).await.fulfillment_orders;
    assert_eq!(fos.len(), 2, "one unit from each node: {fos:?}");
    let (first, second) = ((fos[0].id, fos[0].node_code.clone()), (fos[1].id, fos[1].node_code.clone()));
    let a = s.enrol("STORE-A").await;
    let (x, y) = (first.1.clone(), second.1.clone());
    let fees = || async { (net(&s, order_id, "store", &x).await, net(&s, order_id, "store", &y).await) };

    // The later fulfillment order's goods leave first; its unit comes back.
    deliver_one(&s, second.0).await;
    assert_eq!(found(&s, &a, &[("code", "TM-SPLIT")]).await.orders[0].lines[0].sold, 1);
    let (_, earned_second) = fees().await;
    assert!(earned_second > 0);
    let back = || give_back(Uuid::now_v7(), Some(order_id), vec![line(None, "SKU-3", 1, "resaleable", "size")]);
    let out = push(&s, &a, 1, "STORE-A-A", vec![back()]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    assert_eq!(fees().await, (0, 0), "the fee of the node whose unit came back, and only it");

    // Then the other node's goods leave, and its unit comes back.
    deliver_one(&s, first.0).await;
    let (earned_first, _) = fees().await;
    assert!(earned_first > 0);
    let o = found(&s, &a, &[("code", "TM-SPLIT")]).await;
    assert_eq!((o.orders[0].lines[0].sold, o.orders[0].lines[0].returned), (2, 1));
    let out = push(&s, &a, 2, "STORE-A-A", vec![back()]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    assert_eq!(fees().await, (0, 0), "each node's fee reversed exactly once");
    assert_eq!(net(&s, order_id, "channel", "tmall").await, 0);
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn an_order_taken_before_shipping_fees_keeps_its_digest_and_is_answered_again() {
    let s = TestServer::with_fixture().await;
    let body = order("TM-OLD", "ship", None, &[("SKU-1", 1)]);
    let r = s.admin_post("/api/v1/orders", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id: Uuid = r.body["id"].as_str().unwrap().parse().unwrap();
    // The content as the intake digested it before `shipping_fee` existed.
    let old = r#"{"channel":"tmall","channel_order_id":"TM-OLD","fulfillment":"ship","customer":{"name":"张三","phone":"13800001234","address":"上海市静安区","location":{"lat":31.23,"lon":121.47}},"pickup_store":null,"associate_id":null,"lines":[{"sku_code":"SKU-1","qty":1,"unit_price":59900,"discount":5900}]}"#;
    let stored = sync_server::service::read(s.storage.as_ref(), move |tx| {
        Ok(sync_server::storage::orders::order(tx, id)?.unwrap().digest)
    })
    .await
    .unwrap();
    assert_eq!(stored, shared::secret::token_digest(old), "the digest of an order without shipping is the old one");
    let again = s.admin_post("/api/v1/orders", &body).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.body["id"], r.body["id"]);
}

#[tokio::test]
async fn a_released_refund_carries_the_lines_as_booked() {
    let s = TestServer::with_fixture().await;
    let mut rules = s.admin_get("/api/v1/settings/business-rules").await.body;
    rules["return_manager_limit_fen"] = json!(50_000);
    assert_eq!(s.admin_put("/api/v1/settings/business-rules", &rules).await.status, StatusCode::OK);
    let order_id = delivered(&s, "TM-TWO-LINES", &[("SKU-1", 1), ("SKU-2", 1), ("SKU-1", 1)], 0).await;
    let a = s.enrol("STORE-A").await;
    let answer = found(&s, &a, &[("code", "TM-TWO-LINES")]).await;
    let asks = [1, 3].map(|n| ReturnAsk { line_no: n, qty: 1, reason: ReturnReason::Size });
    let (preview, _) = quote(&answer.orders[0], &asks, answer.shipping_refund, chrono::Utc::now());
    // Two units of SKU-1 in one return line: matched to order lines 1 and 3.
    let held = Uuid::now_v7();
    let out = push(
        &s,
        &a,
        1,
        "STORE-A-A",
        vec![give_back(held, Some(order_id), vec![line(None, "SKU-1", 2, "resaleable", "size")])],
    )
    .await;
    assert_eq!(out[0]["code"], "manager_approval_missing", "{out:?}");
    let conflicts = s.admin_get("/api/v1/conflicts?status=open&limit=100").await.body;
    let id = conflicts.as_array().unwrap().iter().find(|c| c["code"] == "manager_approval_missing").unwrap()["id"]
        .as_i64()
        .unwrap();
    let body = json!({"note": "approved by the area manager", "release_refund": true});
    let r = s.admin_post(&format!("/api/v1/conflicts/{id}/resolve"), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let released = claim(&s).await;
    assert_eq!(released.len(), 1, "{released:?}");
    assert_eq!(released[0].lines, preview.lines, "one line per order line, as booked");
    assert_eq!(released[0].lines.iter().map(|l| (l.line_no, l.qty)).collect::<Vec<_>>(), [(1, 1), (3, 1)]);
    assert_eq!((released[0].amount, released[0].goods), (preview.total, preview.goods));
}

#[tokio::test]
async fn a_partly_unrouted_order_reverses_one_units_credit_per_unit_returned() {
    let s = TestServer::start().await;
    s.import(&brand_with("SKU-3", &[("STORE-B", 3)])).await;
    let body = json!({
        "channel": "jd", "channel_order_id": "JD-SHORT", "fulfillment": "ship",
        "customer": { "name": "李四", "phone": "13900005678", "address": "上海市黄浦区", "location": { "lat": 31.23, "lon": 121.47 } },
        "lines": [{ "sku_code": "SKU-3", "qty": 3, "unit_price": 10_000, "discount": 1 }],
    });
    let r = s.admin_post("/api/v1/orders", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let order_id: Uuid = r.body["id"].as_str().unwrap().parse().unwrap();
    let fo = r.body["fulfillment_orders"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(net(&s, order_id, "channel", "jd").await, 29_999);
    // STORE-B finds two of the three: the third has nowhere to go and is left unrouted.
    let b = s.enrol("STORE-B").await;
    let ops = vec![
        json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo}),
        json!({"kind": "StartPick", "fulfillment_order_id": fo}),
        json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": 1, "picked": 2}], "shortage_reason": "one missing"}),
        json!({"kind": "RequestCourier", "fulfillment_order_id": fo, "carrier": "SF Express"}),
        json!({"kind": "RecordTracking", "fulfillment_order_id": fo, "carrier": "SF Express", "tracking_no": "SF0001"}),
    ];
    let out = push(&s, &b, 1, "STORE-B-A", ops).await;
    assert!(out.iter().all(|o| o["status"] == "applied"), "{out:?}");
    assert_eq!(s.order(order_id).await.lines[0].unrouted_qty, 1);
    // One unit's credit (a third of 299.99, rounded down) goes with the unrouted unit.
    assert_eq!(net(&s, order_id, "channel", "jd").await, 29_999 - 9_999);
    let o = found(&s, &b, &[("code", "JD-SHORT")]).await;
    assert_eq!((o.orders[0].lines[0].sold, o.orders[0].lines[0].paid.0), (2, 19_999));
    let mut refunds = 0;
    for (seq, left) in [(6, 29_999 - 19_999), (7, 0)] {
        let id = Uuid::now_v7();
        let out = push(
            &s,
            &b,
            seq,
            "STORE-B-A",
            vec![give_back(id, Some(order_id), vec![line(Some(1), "SKU-3", 1, "resaleable", "size")])],
        )
        .await;
        assert_eq!(out[0]["status"], "applied", "{out:?}");
        refunds += status(&s, &b, id).await.body["refund"].as_i64().unwrap();
        assert_eq!(net(&s, order_id, "channel", "jd").await, left, "one unit's credit per unit returned");
    }
    assert_eq!(refunds, 19_999, "what was paid for the two units sold");
    let attribution = s.admin_get(&format!("/api/v1/orders/{order_id}/attribution")).await.body;
    let sale: i64 = attribution["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["party_kind"] == "channel")
        .map(|e| e["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(sale, 0, "{attribution}");
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn refund_claims_at_once_hand_out_different_instructions() {
    use sync_server::service::refunds;
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    let mut ids = Vec::new();
    for (seq, number) in [(1, "TM-CLAIM-1"), (2, "TM-CLAIM-2")] {
        let order_id = delivered(&s, number, &[("SKU-1", 1)], 0).await;
        let id = Uuid::now_v7();
        let out = push(
            &s,
            &a,
            seq,
            "STORE-A-A",
            vec![give_back(id, Some(order_id), vec![line(Some(1), "SKU-1", 1, "resaleable", "size")])],
        )
        .await;
        assert_eq!(out[0]["status"], "applied", "{out:?}");
        ids.push(id);
    }
    let now = chrono::Utc::now().timestamp_millis();
    let claim_one = |storage: std::sync::Arc<dyn sync_server::storage::Storage>| async move {
        sync_server::service::write(storage.as_ref(), move |tx| refunds::claim(tx, Some(1), now)).await.unwrap()
    };
    let (first, second) = if test_support::on_postgres() {
        // The first claim holds its row until the second one is done: the second skips it
        // and takes the other instruction instead of waiting for the first.
        let (taken_tx, taken_rx) = std::sync::mpsc::channel::<()>();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let done_rx = std::sync::Mutex::new(done_rx);
        let storage = s.storage.clone();
        let holder = tokio::spawn(async move {
            sync_server::service::write(storage.as_ref(), move |tx| {
                let got = refunds::claim(tx, Some(1), now)?;
                let _ = taken_tx.send(());
                let _ = done_rx.lock().unwrap().recv_timeout(std::time::Duration::from_secs(10));
                Ok(got)
            })
            .await
            .unwrap()
        });
        tokio::task::spawn_blocking(move || taken_rx.recv_timeout(std::time::Duration::from_secs(10)))
            .await
            .unwrap()
            .expect("the first claim ran");
        let second = tokio::time::timeout(std::time::Duration::from_secs(5), claim_one(s.storage.clone()))
            .await
            .expect("the second claim does not wait for the first");
        let _ = done_tx.send(());
        (holder.await.unwrap(), second)
    } else {
        (claim_one(s.storage.clone()).await, claim_one(s.storage.clone()).await)
    };
    let mut got: Vec<Uuid> = first.iter().chain(&second).map(|r| r.return_id).collect();
    got.sort();
    assert_eq!(got, ids, "each instruction once");
}
