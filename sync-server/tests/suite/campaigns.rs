//! Promotion locks, presales, the employee store, the outlet's directed allocation and hold
//! expiry, over the API on the backend the suite runs on; the concurrency test draws a
//! live-stream lock with many concurrent orders while stock movements arrive.

use crate::common::{self, fixture, order, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sync_server::service::{self, campaigns, now_ms, stock_control};

const HOUR: i64 = 3_600_000;

fn lock_body(code: &str, starts_ms: i64, ends_ms: i64, lines: Value) -> Value {
    json!({"code": code, "name": format!("直播 {code}"), "starts_ms": starts_ms, "ends_ms": ends_ms, "lines": lines})
}

fn campaign_order(id: &str, campaign: &str, sku: &str, qty: i64) -> Value {
    let mut o = order(id, "ship", None, &[(sku, qty)]);
    o["campaign"] = json!(campaign);
    o
}

fn line<'a>(c: &'a Value, node: &str, sku: &str) -> &'a Value {
    c["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["node_code"] == node && l["sku_code"] == sku)
        .unwrap_or_else(|| panic!("no lock line {node}/{sku} in {c}"))
}

/// Row counts of this module's tables, beside the suite's fingerprint.
async fn my_fingerprint(s: &TestServer) -> Vec<i64> {
    let mut out = s.fingerprint().await;
    let mine = service::read(s.storage.as_ref(), |tx| {
        let mut out = Vec::new();
        for table in [
            "campaign",
            "campaign_lock",
            "lock_movement",
            "presale",
            "presale_line",
            "presale_order",
            "stock_control_version",
            "employee_price",
            "employee_purchase",
        ] {
            out.push(tx.query_opt(&format!("SELECT COUNT(*) FROM {table}"), &[])?.unwrap().i64(0)?);
        }
        let r = tx.query_opt("SELECT CAST(COALESCE(SUM(locked), 0) AS BIGINT) FROM stock_balance", &[])?.unwrap();
        out.push(r.i64(0)?);
        Ok(out)
    })
    .await
    .unwrap();
    out.extend(mine);
    out
}

#[tokio::test]
async fn locks_take_available_units_at_nodes_and_network_wide() {
    let s = TestServer::with_fixture().await;
    let now = now_ms();
    // SKU-1: STORE-A 5, STORE-B 3, WH-1 100 → 54 network-wide spread by available.
    let r = s
        .admin_post(
            "/api/v1/campaigns",
            lock_body(
                "D11-A",
                now - 1000,
                now + HOUR,
                json!([{"sku_code": "SKU-2", "node_code": "WH-1", "qty": 40}, {"sku_code": "SKU-1", "qty": 54}]),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["status"], "running");
    assert_eq!(line(&r.body, "WH-1", "SKU-2")["left"], 40);
    let spread: i64 = ["STORE-A", "STORE-B", "WH-1"]
        .iter()
        .filter_map(|n| {
            r.body["lines"].as_array().unwrap().iter().find(|l| l["node_code"] == *n && l["sku_code"] == "SKU-1")
        })
        .map(|l| l["locked"].as_i64().unwrap())
        .sum();
    assert_eq!(spread, 54);
    assert_eq!(line(&r.body, "WH-1", "SKU-1")["locked"], 50, "100 of 108 available → 50 of 54");
    let wh = s.stock("WH-1", "SKU-2").await;
    assert_eq!((wh.on_hand, wh.locked), (100, 40));
    s.assert_audit_clean().await;

    // More than is available: nothing at all is locked, and the code stays free.
    let before = my_fingerprint(&s).await;
    let too_much = s
        .admin_post(
            "/api/v1/campaigns",
            lock_body(
                "D11-B",
                now,
                now + HOUR,
                json!([{"sku_code": "SKU-3", "node_code": "WH-1", "qty": 5}, {"sku_code": "SKU-2", "node_code": "WH-1", "qty": 61}]),
            ),
        )
        .await;
    assert_eq!((too_much.status, too_much.code()), (StatusCode::CONFLICT, "insufficient_stock"), "{}", too_much.body);
    assert!(too_much.body["error"]["message"].as_str().unwrap().contains("only 60"));
    assert_eq!(my_fingerprint(&s).await, before);
    let taken = s
        .admin_post("/api/v1/campaigns", lock_body("D11-A", now, now + HOUR, json!([{"sku_code": "SKU-3", "qty": 1}])))
        .await;
    assert_eq!((taken.status, taken.code()), (StatusCode::CONFLICT, "campaign_exists"));

    // Locked units are out of channels' holds and ERP removals.
    let hold = s
        .admin_post(
            "/api/v1/reservations",
            json!({"reference": "h1", "node_code": "WH-1", "sku_code": "SKU-2", "qty": 61}),
        )
        .await;
    assert_eq!(hold.status, StatusCode::CONFLICT, "{}", hold.body);
    let removal = s
        .admin_post(
            "/api/v1/stock/adjustments",
            json!({"batch_id": "rm", "lines": [{"node_code": "WH-1", "sku_code": "SKU-2", "quality": "sellable", "delta": -61, "note": "damage"}]}),
        )
        .await;
    assert_eq!(
        (removal.status, removal.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "adjustment_exceeds_stock"),
        "{}",
        removal.body
    );
    assert!(removal.body["error"]["message"].as_str().unwrap().contains("40 locked"), "{}", removal.body);

    // Early release gives the rest back; twice is harmless.
    let released = s.admin_post("/api/v1/campaigns/D11-A/release", json!({})).await;
    assert_eq!(released.status, StatusCode::OK, "{}", released.body);
    assert_eq!(released.body["status"], "released");
    assert_eq!(line(&released.body, "WH-1", "SKU-2")["released"], 40);
    let again = s.admin_post("/api/v1/campaigns/D11-A/release", json!({})).await;
    assert_eq!(again.body, released.body);
    assert_eq!(s.stock("WH-1", "SKU-2").await.locked, 0);
    assert_eq!(s.admin_get("/api/v1/campaigns").await.body.as_array().unwrap().len(), 1);
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn campaign_orders_draw_the_lock_and_the_rest_is_released_at_the_end() {
    let s = TestServer::with_fixture().await;
    let now = now_ms();
    let ends = now + HOUR;
    let r = s
        .admin_post(
            "/api/v1/campaigns",
            lock_body("LIVE-1", now - 1000, ends, json!([{"sku_code": "SKU-3", "node_code": "WH-1", "qty": 3}])),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let o = s.admin_post("/api/v1/orders", campaign_order("L-1", "LIVE-1", "SKU-3", 2)).await;
    assert_eq!(o.status, StatusCode::CREATED, "{}", o.body);
    let wh = s.stock("WH-1", "SKU-3").await;
    assert_eq!((wh.on_hand, wh.reserved, wh.locked), (100, 2, 1));
    // Cancelled during the window: its units go back to the lock, not to the pool.
    let id = o.body["id"].as_str().unwrap().to_string();
    let c = s.admin_post(&format!("/api/v1/orders/{id}/cancel"), json!({})).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.body);
    let wh = s.stock("WH-1", "SKU-3").await;
    assert_eq!((wh.reserved, wh.locked), (0, 3));
    let o = s.admin_post("/api/v1/orders", campaign_order("L-2", "LIVE-1", "SKU-3", 3)).await;
    assert_eq!(o.status, StatusCode::CREATED, "{}", o.body);
    // Exhausted: the next campaign order is not served from the pool.
    let more = s.admin_post("/api/v1/orders", campaign_order("L-3", "LIVE-1", "SKU-3", 1)).await;
    assert!(more.status == StatusCode::CONFLICT || more.body["status"] == "held", "{}: {}", more.status, more.body);
    assert_eq!(s.stock("WH-1", "SKU-3").await.reserved, 3);
    // Unknown or not running campaigns are refused.
    let unknown = s.admin_post("/api/v1/orders", campaign_order("L-4", "NOPE", "SKU-3", 1)).await;
    assert_eq!((unknown.status, unknown.code()), (StatusCode::UNPROCESSABLE_ENTITY, "unknown_campaign"));

    // A second campaign with a remainder: released by the sweeper at its end.
    let r = s
        .admin_post(
            "/api/v1/campaigns",
            lock_body("LIVE-2", now - 1000, ends, json!([{"sku_code": "SKU-2", "node_code": "WH-1", "qty": 10}])),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let sweeper = stock_control::Sweeper::new(s.storage.clone(), std::time::Duration::from_secs(1));
    assert_eq!(sweeper.run_due(ends - 1).await.unwrap(), 0, "nothing due before the end");
    assert!(sweeper.run_due(ends).await.unwrap() >= 2);
    let done = s.admin_get("/api/v1/campaigns/LIVE-2").await;
    assert_eq!(done.body["status"], "ended");
    assert_eq!(line(&done.body, "WH-1", "SKU-2")["released"], 10);
    assert_eq!(s.stock("WH-1", "SKU-2").await.locked, 0);
    let late =
        service::write(s.storage.as_ref(), move |tx| campaigns::lock_availability(tx, "LIVE-1", "SKU-3", ends)).await;
    assert_eq!(late.unwrap_err().code, "campaign_not_running");
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn a_count_finding_less_shrinks_the_lock() {
    let s = TestServer::with_fixture().await;
    let now = now_ms();
    let r = s
        .admin_post(
            "/api/v1/campaigns",
            lock_body("C-1", now, now + HOUR, json!([{"sku_code": "SKU-1", "node_code": "STORE-A", "qty": 4}])),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // A physical fact: the shelf has 2 where 5 were booked.
    service::write(s.storage.as_ref(), move |tx| {
        let m = sync_server::storage::ledger::Movement {
            node: "STORE-A",
            sku: "SKU-1",
            quality: shared::stock::Quality::Sellable,
            delta: -3,
            reason: shared::stock::MovementReason::Count,
            reference: "count-1",
        };
        Ok(sync_server::storage::ledger::record_movement(tx, &m, now)?)
    })
    .await
    .unwrap();
    let a = s.stock("STORE-A", "SKU-1").await;
    assert_eq!((a.on_hand, a.locked), (2, 2));
    let c = s.admin_get("/api/v1/campaigns/C-1").await;
    assert_eq!(
        (line(&c.body, "STORE-A", "SKU-1")["left"].as_i64(), line(&c.body, "STORE-A", "SKU-1")["released"].as_i64()),
        (Some(2), Some(2))
    );
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn holds_expire_by_ttl() {
    let s = TestServer::with_fixture().await;
    let settings = s.admin_get("/api/v1/settings/stock-control").await;
    assert_eq!(settings.body["version"], 0);
    assert_eq!(settings.body["policy"]["holds"]["default_ttl_seconds"], 1800);
    let mut policy = settings.body["policy"].clone();
    policy["holds"]["default_ttl_seconds"] = json!(60);
    let put = s.admin_put("/api/v1/settings/stock-control", &policy).await;
    assert_eq!((put.status, put.body["version"].as_i64()), (StatusCode::OK, Some(1)), "{}", put.body);

    let before = now_ms();
    let a = s
        .admin_post(
            "/api/v1/reservations",
            json!({"reference": "c-1", "node_code": "STORE-A", "sku_code": "SKU-1", "qty": 2}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let expires = a.body["expires_ms"].as_i64().unwrap();
    assert!(expires >= before + 60_000 && expires <= now_ms() + 60_000, "{expires}");
    let b = s
        .admin_post(
            "/api/v1/reservations",
            json!({"reference": "c-2", "node_code": "STORE-A", "sku_code": "SKU-1", "qty": 1, "ttl_seconds": 600}),
        )
        .await;
    assert_eq!(b.status, StatusCode::CREATED, "{}", b.body);
    for ttl in [json!(0), json!(86_401), json!(-1), json!("x")] {
        let bad = s
            .admin_post(
                "/api/v1/reservations",
                json!({"reference": "c-3", "node_code": "STORE-A", "sku_code": "SKU-1", "qty": 1, "ttl_seconds": ttl}),
            )
            .await;
        assert!(bad.status.is_client_error(), "{ttl}: {}", bad.body);
    }
    assert_eq!(s.stock("STORE-A", "SKU-1").await.reserved, 3);
    let sweeper = stock_control::Sweeper::new(s.storage.clone(), std::time::Duration::from_secs(1));
    assert_eq!(sweeper.run_due(expires).await.unwrap(), 1);
    assert_eq!(s.stock("STORE-A", "SKU-1").await.reserved, 1);
    assert_eq!(sweeper.run_due(expires).await.unwrap(), 0, "releasing twice is harmless");
    let id = a.body["id"].as_str().unwrap();
    let del = s.admin_delete(&format!("/api/v1/reservations/{id}")).await;
    assert_eq!((del.status, del.body["status"].as_str()), (StatusCode::OK, Some("released")));
    assert_eq!(sweeper.run_due(expires + 600_000).await.unwrap(), 1);
    assert_eq!(s.stock("STORE-A", "SKU-1").await.reserved, 0);
    s.assert_audit_clean().await;
}

fn presale_order(id: &str, code: &str, sku: &str, qty: i64) -> Value {
    let mut o = order(id, "ship", None, &[(sku, qty)]);
    o["presale"] = json!(code);
    o
}

#[tokio::test]
async fn presale_quota_is_never_oversold_and_orders_route_in_order_when_stock_arrives() {
    let s = TestServer::start().await;
    // A brand where SKU-3 has no stock anywhere yet.
    let mut bundle = fixture();
    bundle.stock.retain(|l| l.sku_code != "SKU-3");
    s.import(&bundle).await;
    let now = now_ms();
    let p = s
        .admin_post(
            "/api/v1/presales",
            json!({"code": "PRE-1", "name": "新款预售", "node_code": "WH-1", "promise_ms": now + 7 * 24 * HOUR,
                   "lines": [{"sku_code": "SKU-3", "expected": 10, "quota": 5}]}),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    let mut ids = Vec::new();
    for (i, q) in [2, 2, 1].into_iter().enumerate() {
        let o = s.admin_post("/api/v1/orders", presale_order(&format!("P-{i}"), "PRE-1", "SKU-3", q)).await;
        assert_eq!(o.status, StatusCode::CREATED, "{}", o.body);
        assert_eq!(o.body["status"], "presale");
        ids.push(o.body["id"].as_str().unwrap().to_string());
    }
    let over = s.admin_post("/api/v1/orders", presale_order("P-9", "PRE-1", "SKU-3", 1)).await;
    assert_eq!((over.status, over.code()), (StatusCode::CONFLICT, "presale_sold_out"), "{}", over.body);
    let not_in = s.admin_post("/api/v1/orders", presale_order("P-8", "PRE-1", "SKU-1", 1)).await;
    assert_eq!((not_in.status, not_in.code()), (StatusCode::UNPROCESSABLE_ENTITY, "not_in_presale"), "{}", not_in.body);
    let unknown = s.admin_post("/api/v1/orders", presale_order("P-7", "NOPE", "SKU-3", 1)).await;
    assert_eq!((unknown.status, unknown.code()), (StatusCode::UNPROCESSABLE_ENTITY, "unknown_presale"));
    let view = s.admin_get("/api/v1/presales/PRE-1").await;
    assert_eq!(view.body["lines"][0]["sold"], 5);
    assert_eq!(view.body["orders"].as_array().unwrap().len(), 3);

    // No stock yet: nobody is routed. Then 3 units arrive: the first order (2) is routed;
    // the second (2) does not fit in the 1 left, and the third (1) waits behind it.
    let routed = s.admin_post("/api/v1/presales/PRE-1/route", json!({})).await;
    assert_eq!(routed.status, StatusCode::OK, "{}", routed.body);
    assert!(routed.body["orders"].as_array().unwrap().iter().all(|o| o["routed_ms"].is_null()));
    let receipt = |n: i64, batch: &str| json!({"batch_id": batch, "lines": [{"node_code": "WH-1", "sku_code": "SKU-3", "quality": "sellable", "delta": n, "note": "receipt"}]});
    assert_eq!(s.admin_post("/api/v1/stock/adjustments", receipt(3, "r1")).await.status, StatusCode::OK);
    let routed = s.admin_post("/api/v1/presales/PRE-1/route", json!({})).await;
    let done: Vec<bool> = routed.body["orders"].as_array().unwrap().iter().map(|o| !o["routed_ms"].is_null()).collect();
    assert_eq!(done, [true, false, false], "first come first served: the 1-unit order does not jump the queue");
    assert_eq!(s.admin_get(&format!("/api/v1/orders/{}", ids[0])).await.body["status"], "routed");
    assert_eq!(s.admin_get(&format!("/api/v1/orders/{}", ids[2])).await.body["status"], "presale");
    assert_eq!(s.admin_post("/api/v1/stock/adjustments", receipt(7, "r2")).await.status, StatusCode::OK);
    // The sweeper routes the rest by itself.
    let sweeper = stock_control::Sweeper::new(s.storage.clone(), std::time::Duration::from_secs(1));
    assert_eq!(sweeper.run_due(now_ms()).await.unwrap(), 2);
    let view = s.admin_get("/api/v1/presales/PRE-1").await;
    assert!(view.body["orders"].as_array().unwrap().iter().all(|o| !o["routed_ms"].is_null()), "{}", view.body);
    assert_eq!(s.stock("WH-1", "SKU-3").await.reserved, 5);
    let closed = s.admin_post("/api/v1/presales/PRE-1/close", json!({})).await;
    assert_eq!(closed.body["status"], "closed");
    s.assert_audit_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_presale_orders_never_oversell_the_quota() {
    let s = TestServer::with_fixture().await;
    let p = s
        .admin_post(
            "/api/v1/presales",
            json!({"code": "PRE-R", "name": "抢购", "node_code": "WH-1", "promise_ms": now_ms() + HOUR,
                   "lines": [{"sku_code": "SKU-2", "expected": 7}]}),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    let mut tasks = Vec::new();
    for i in 0..24 {
        let client = reqwest::Client::new();
        let url = format!("{}/api/v1/orders", s.base);
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(common::ADMIN_TOKEN)
                .json(&presale_order(&format!("R-{i}"), "PRE-R", "SKU-2", 1))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::CREATED => ok += 1,
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(ok, 7);
    assert_eq!(s.admin_get("/api/v1/presales/PRE-R").await.body["lines"][0]["sold"], 7);
}

fn employee_order(id: &str, employee: Option<&str>, lines: &[(&str, i64, i64)]) -> Value {
    json!({
        "channel": "employee_store",
        "channel_order_id": id,
        "fulfillment": "ship",
        "customer": { "name": "员工", "phone": "13800001234", "address": "上海市静安区", "location": { "lat": 31.23, "lon": 121.47 } },
        "employee_id": employee,
        "lines": lines.iter().map(|(sku, q, p)| json!({"sku_code": sku, "qty": q, "unit_price": p})).collect::<Vec<_>>(),
    })
}

#[tokio::test]
async fn the_employee_store_sells_at_its_prices_within_limits() {
    let s = TestServer::with_fixture().await;
    let put = s
        .admin_put(
            "/api/v1/clearance/employee-prices",
            json!({"prices": [{"sku_code": "SKU-1", "price": 19_900}, {"sku_code": "SKU-2", "price": 29_900}]}),
        )
        .await;
    assert_eq!((put.status, put.body["version"].as_i64()), (StatusCode::OK, Some(1)), "{}", put.body);
    let mut policy = s.admin_get("/api/v1/settings/stock-control").await.body["policy"].clone();
    policy["employee_store"] = json!({"period": "month", "time_zone": "Asia/Shanghai", "max_units_per_period": 4, "max_units_per_sku": 2, "max_spend_per_period": 100_000});
    assert_eq!(s.admin_put("/api/v1/settings/stock-control", &policy).await.status, StatusCode::OK);

    let ok = s.admin_post("/api/v1/orders", employee_order("E-1", Some("STORE-A-A"), &[("SKU-1", 2, 19_900)])).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    let cases = [
        (
            employee_order("E-2", Some("STORE-A-A"), &[("SKU-1", 1, 59_900)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "employee_price_mismatch",
        ),
        (
            employee_order("E-3", Some("STORE-A-A"), &[("SKU-3", 1, 100)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "employee_price_mismatch",
        ),
        (
            employee_order("E-4", Some("STORE-A-A"), &[("SKU-1", 1, 19_900)]),
            StatusCode::CONFLICT,
            "employee_limit_reached",
        ),
        (
            employee_order("E-5", Some("STORE-A-A"), &[("SKU-2", 3, 29_900)]),
            StatusCode::CONFLICT,
            "employee_limit_reached",
        ),
        (employee_order("E-6", None, &[("SKU-2", 1, 29_900)]), StatusCode::UNPROCESSABLE_ENTITY, "employee_required"),
        (
            employee_order("E-7", Some("NOBODY"), &[("SKU-2", 1, 29_900)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_employee",
        ),
    ];
    for (body, status, code) in cases {
        let before = my_fingerprint(&s).await;
        let r = s.admin_post("/api/v1/orders", &body).await;
        assert_eq!((r.status, r.code()), (status, code), "{body}: {}", r.body);
        assert_eq!(my_fingerprint(&s).await, before);
    }
    // Another employee has their own limits; the same one within them still buys.
    let other = s.admin_post("/api/v1/orders", employee_order("E-8", Some("STORE-B-A"), &[("SKU-1", 2, 19_900)])).await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.body);
    let more = s.admin_post("/api/v1/orders", employee_order("E-9", Some("STORE-A-A"), &[("SKU-2", 2, 29_900)])).await;
    assert_eq!(more.status, StatusCode::CREATED, "{}", more.body);
    // employee_id on another channel is refused.
    let mut tmall = order("T-1", "ship", None, &[("SKU-1", 1)]);
    tmall["employee_id"] = json!("STORE-A-A");
    assert_eq!(s.admin_post("/api/v1/orders", &tmall).await.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn slow_movers_are_directed_to_the_outlet() {
    let s = TestServer::with_fixture().await;
    let mut policy = s.admin_get("/api/v1/settings/stock-control").await.body["policy"].clone();
    policy["outlet"] = json!({"min_days_unsold": 0, "min_on_hand": 100, "max_skus": 10});
    assert_eq!(s.admin_put("/api/v1/settings/stock-control", &policy).await.status, StatusCode::OK);
    let got = s.admin_get("/api/v1/clearance/outlet").await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    let skus: Vec<&str> = got.body.as_array().unwrap().iter().map(|m| m["sku_code"].as_str().unwrap()).collect();
    assert_eq!(skus.len(), 3, "{}", got.body);
    let directed = s.admin_post("/api/v1/clearance/outlet", json!({})).await;
    assert_eq!(directed.status, StatusCode::OK, "{}", directed.body);
    assert_eq!(directed.body, got.body);
}

#[tokio::test]
async fn bad_input_changes_nothing() {
    let s = TestServer::with_fixture().await;
    let now = now_ms();
    let ok_line = json!([{"sku_code": "SKU-1", "node_code": "WH-1", "qty": 1}]);
    let cases: Vec<(&str, &str, Value)> = vec![
        ("POST", "/api/v1/campaigns", json!({})),
        ("POST", "/api/v1/campaigns", lock_body("", now, now + HOUR, ok_line.clone())),
        ("POST", "/api/v1/campaigns", lock_body("X\u{7}", now, now + HOUR, ok_line.clone())),
        ("POST", "/api/v1/campaigns", lock_body(&"X".repeat(65), now, now + HOUR, ok_line.clone())),
        ("POST", "/api/v1/campaigns", lock_body("X", now + HOUR, now, ok_line.clone())),
        ("POST", "/api/v1/campaigns", lock_body("X", now - 2 * HOUR, now - HOUR, ok_line.clone())),
        ("POST", "/api/v1/campaigns", lock_body("X", now, now + HOUR, json!([]))),
        ("POST", "/api/v1/campaigns", lock_body("X", now, now + HOUR, json!([{"sku_code": "NOPE", "qty": 1}]))),
        (
            "POST",
            "/api/v1/campaigns",
            lock_body("X", now, now + HOUR, json!([{"sku_code": "SKU-1", "node_code": "NOPE", "qty": 1}])),
        ),
        ("POST", "/api/v1/campaigns", lock_body("X", now, now + HOUR, json!([{"sku_code": "SKU-1", "qty": 0}]))),
        ("POST", "/api/v1/campaigns", lock_body("X", now, now + HOUR, json!([{"sku_code": "SKU-1", "qty": -3}]))),
        (
            "POST",
            "/api/v1/campaigns",
            lock_body("X", now, now + HOUR, json!([{"sku_code": "SKU-1", "qty": 1, "extra": 1}])),
        ),
        (
            "POST",
            "/api/v1/campaigns",
            json!({"code": "X", "name": "n", "starts_ms": "soon", "ends_ms": 1, "lines": ok_line}),
        ),
        ("POST", "/api/v1/campaigns/NOPE/release", json!({})),
        (
            "POST",
            "/api/v1/presales",
            json!({"code": "P", "name": "n", "node_code": "WH-1", "promise_ms": now - 1, "lines": [{"sku_code": "SKU-1", "expected": 1}]}),
        ),
        (
            "POST",
            "/api/v1/presales",
            json!({"code": "P", "name": "n", "node_code": "NOPE", "promise_ms": now + HOUR, "lines": [{"sku_code": "SKU-1", "expected": 1}]}),
        ),
        (
            "POST",
            "/api/v1/presales",
            json!({"code": "P", "name": "n", "node_code": "WH-1", "promise_ms": now + HOUR, "lines": [{"sku_code": "SKU-1", "expected": 1, "quota": 2}]}),
        ),
        (
            "POST",
            "/api/v1/presales",
            json!({"code": "P", "name": "n", "node_code": "WH-1", "promise_ms": now + HOUR, "lines": [{"sku_code": "SKU-1", "expected": 1}, {"sku_code": "SKU-1", "expected": 1}]}),
        ),
        (
            "POST",
            "/api/v1/presales",
            json!({"code": "P", "name": "n", "node_code": "WH-1", "promise_ms": now + HOUR, "lines": []}),
        ),
        (
            "POST",
            "/api/v1/presales",
            json!({"code": "P", "name": " ", "node_code": "WH-1", "promise_ms": now + HOUR, "lines": [{"sku_code": "SKU-1", "expected": 1}]}),
        ),
        ("POST", "/api/v1/presales/NOPE/close", json!({})),
        ("POST", "/api/v1/presales/NOPE/route", json!({})),
        ("PUT", "/api/v1/settings/stock-control", json!({"holds": {"default_ttl_seconds": 0, "max_ttl_seconds": 10}})),
        (
            "PUT",
            "/api/v1/settings/stock-control",
            json!({"holds": {"default_ttl_seconds": 100, "max_ttl_seconds": 10}}),
        ),
        (
            "PUT",
            "/api/v1/settings/stock-control",
            json!({"employee_store": {"time_zone": "Mars/Olympus", "max_units_per_period": 1, "max_units_per_sku": 1, "max_spend_per_period": 1}}),
        ),
        (
            "PUT",
            "/api/v1/settings/stock-control",
            json!({"employee_store": {"max_units_per_period": 1, "max_units_per_sku": 2, "max_spend_per_period": 1}}),
        ),
        (
            "PUT",
            "/api/v1/settings/stock-control",
            json!({"employee_store": {"max_units_per_period": -1, "max_units_per_sku": 0, "max_spend_per_period": 1}}),
        ),
        (
            "PUT",
            "/api/v1/settings/stock-control",
            json!({"outlet": {"min_days_unsold": 1, "min_on_hand": 1, "max_skus": 0}}),
        ),
        ("PUT", "/api/v1/settings/stock-control", json!({"surprise": 1})),
        ("PUT", "/api/v1/clearance/employee-prices", json!({"prices": [{"sku_code": "NOPE", "price": 1}]})),
        ("PUT", "/api/v1/clearance/employee-prices", json!({"prices": [{"sku_code": "SKU-1", "price": -1}]})),
        (
            "PUT",
            "/api/v1/clearance/employee-prices",
            json!({"prices": [{"sku_code": "SKU-1", "price": 1}, {"sku_code": "SKU-1", "price": 2}]}),
        ),
        ("PUT", "/api/v1/clearance/employee-prices", json!({"prices": "all"})),
    ];
    for (method, path, body) in cases {
        let before = my_fingerprint(&s).await;
        let r = if method == "POST" { s.admin_post(path, &body).await } else { s.admin_put(path, &body).await };
        assert!(r.status.is_client_error(), "{method} {path} {body}: {} {}", r.status, r.body);
        assert!(!r.code().is_empty(), "{method} {path} {body}: {}", r.body);
        assert_eq!(my_fingerprint(&s).await, before, "{method} {path} {body}");
    }
    for path in ["/api/v1/campaigns/NOPE", "/api/v1/presales/NOPE"] {
        assert_eq!(s.admin_get(path).await.status, StatusCode::NOT_FOUND);
    }
}

/// The live stream: 30 units of SKU-2 and 30 of SKU-3 locked at WH-1 for an hour; 80
/// concurrent one-unit orders for SKU-2 and 10 for SKU-3 while ERP receipts and removals of
/// the same balances and a count elsewhere arrive. Exactly the lock's 30 units of SKU-2 are
/// sold, 10 of SKU-3, and at the end the 20 left of SKU-3 go back to the pool.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_live_stream_lock_sells_exactly_its_units_under_concurrency() {
    let s = TestServer::with_fixture().await;
    let now = now_ms();
    let ends = now + HOUR;
    let r = s
        .admin_post(
            "/api/v1/campaigns",
            lock_body(
                "LIVE",
                now - 1000,
                ends,
                json!([{"sku_code": "SKU-2", "node_code": "WH-1", "qty": 30}, {"sku_code": "SKU-3", "node_code": "WH-1", "qty": 30}]),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut tasks = Vec::new();
    for i in 0..90 {
        let client = reqwest::Client::new();
        let base = s.base.clone();
        tasks.push(tokio::spawn(async move {
            let sku = if i < 80 { "SKU-2" } else { "SKU-3" };
            // A channel retries what the server answers 503 (too much contention) with the
            // same order: intake is idempotent by channel order id.
            for _ in 0..20 {
                let r = client
                    .post(format!("{base}/api/v1/orders"))
                    .bearer_auth(common::ADMIN_TOKEN)
                    .json(&campaign_order(&format!("LIVE-{i}"), "LIVE", sku, 1))
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                let body: Value = r.json().await.unwrap_or(Value::Null);
                if status != StatusCode::SERVICE_UNAVAILABLE {
                    return (sku, status, body);
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("order LIVE-{i} kept meeting contention")
        }));
    }
    let mut movers = Vec::new();
    for i in 0..10 {
        let client = reqwest::Client::new();
        let base = s.base.clone();
        movers.push(tokio::spawn(async move {
            let delta = if i % 2 == 0 { 5 } else { -5 };
            for _ in 0..20 {
                let r = client
                    .post(format!("{base}/api/v1/stock/adjustments"))
                    .bearer_auth(common::ADMIN_TOKEN)
                    .json(&json!({"batch_id": format!("mv-{i}"), "lines": [
                        {"node_code": "WH-1", "sku_code": "SKU-2", "quality": "sellable", "delta": delta, "note": "live"},
                        {"node_code": "WH-1", "sku_code": "SKU-3", "quality": "sellable", "delta": delta, "note": "live"}
                    ]}))
                    .send()
                    .await
                    .unwrap();
                if r.status() != StatusCode::SERVICE_UNAVAILABLE {
                    return r.status();
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("adjustment mv-{i} kept meeting contention")
        }));
    }
    let mut sold = std::collections::BTreeMap::<&str, i64>::new();
    for t in tasks {
        let (sku, status, body) = t.await.unwrap();
        match status {
            StatusCode::CREATED | StatusCode::OK if body["status"] == "routed" => *sold.entry(sku).or_default() += 1,
            StatusCode::CREATED | StatusCode::OK if body["status"] == "held" => {}
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}: {body}"),
        }
    }
    for m in movers {
        let st = m.await.unwrap();
        assert_eq!(st, StatusCode::OK, "receipts and removals of unlocked units all apply");
    }
    assert_eq!(sold.get("SKU-2"), Some(&30), "exactly the lock's units are sold");
    assert_eq!(sold.get("SKU-3"), Some(&10));
    let c = s.admin_get("/api/v1/campaigns/LIVE").await;
    assert_eq!(
        (line(&c.body, "WH-1", "SKU-2")["sold"].as_i64(), line(&c.body, "WH-1", "SKU-2")["left"].as_i64()),
        (Some(30), Some(0))
    );
    assert_eq!(line(&c.body, "WH-1", "SKU-3")["left"], 20);
    s.assert_audit_clean().await;
    let sweeper = stock_control::Sweeper::new(s.storage.clone(), std::time::Duration::from_secs(1));
    sweeper.run_due(ends).await.unwrap();
    let c = s.admin_get("/api/v1/campaigns/LIVE").await;
    assert_eq!(c.body["status"], "ended");
    assert_eq!(line(&c.body, "WH-1", "SKU-3")["released"], 20);
    let (b2, b3) = (s.stock("WH-1", "SKU-2").await, s.stock("WH-1", "SKU-3").await);
    assert_eq!((b2.locked, b2.reserved, b3.locked, b3.reserved), (0, 30, 0, 10));
    s.assert_audit_clean().await;
}
