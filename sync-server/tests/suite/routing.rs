//! Configurable, explainable routing over HTTP: the versioned configuration and its bad
//! input, profiles with filters, strategies and fallback (hold queue and retry), the
//! explanation on `GET /orders/{id}`, dry-run, node settings, manual reassignment, reroute
//! with refused nodes excluded, and kits reserving their components.

use crate::common::{batch, order, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn profile(name: &str, filters: Value, strategies: Value, max_splits: u32, fallback: Value) -> Value {
    json!({"name": name, "filters": filters, "ranking": "tie_break", "strategies": strategies,
           "max_splits": max_splits, "fallback": fallback})
}

fn config(profiles: Vec<Value>, default_profile: &str) -> Value {
    json!({"profiles": profiles, "default_profile": default_profile})
}

async fn put_config(s: &TestServer, c: &Value) -> Value {
    let r = s.admin_put("/api/v1/routing/config", c).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

fn nodes_of(order: &Value) -> Vec<String> {
    order["fulfillment_orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["state"] != "cancelled" && f["state"] != "rejected")
        .map(|f| f["node_code"].as_str().unwrap().to_string())
        .collect()
}

fn removed_by<'a>(explanation: &'a Value, node: &str) -> Option<&'a str> {
    explanation["attempts"][0]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["node_code"] == node)
        .and_then(|c| c["removed_by"].as_str())
}

#[tokio::test]
async fn built_in_config_routes_as_before_and_explains() {
    let s = TestServer::with_fixture().await;
    let c = s.admin_get("/api/v1/routing/config").await;
    assert_eq!(c.status, StatusCode::OK);
    assert_eq!(c.body["version"], 0);
    assert_eq!(c.body["config"]["default_profile"], "default_ship");
    // SKU-1 and SKU-2 together: STORE-A (nearest) holds both.
    let r = s.admin_post("/api/v1/orders", order("RT-1", "ship", None, &[("SKU-1", 1), ("SKU-2", 1)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(nodes_of(&r.body), vec!["STORE-A"]);
    let id = r.body["id"].as_str().unwrap();
    let o = s.admin_get(&format!("/api/v1/orders/{id}")).await;
    let e = &o.body["routing"];
    assert_eq!(e["outcome"], "placed", "{e}");
    assert_eq!(e["config_version"], 0);
    assert_eq!(e["profile"], "default_ship");
    assert_eq!(e["nodes"], json!(["STORE-A"]));
    let cands = e["attempts"][0]["candidates"].as_array().unwrap();
    assert!(cands.iter().any(|c| c["node_code"] == "WH-1" && c["fills_all"] == true), "{e}");
    assert!(e["attempts"][0]["plans"][0]["chosen"].as_bool().unwrap());
    assert!(e["attempts"][0]["plans"][0]["metrics"]["nearest"].as_f64().is_some());
}

#[tokio::test]
async fn config_is_validated_versioned_and_recorded() {
    let s = TestServer::with_fixture().await;
    let good = config(vec![profile("p1", json!([]), json!([{"kind": "nearest"}]), 1, json!({"kind": "reject"}))], "p1");
    let bad_cases = [
        (json!({"profiles": [], "default_profile": "x"}), "invalid_routing_config"),
        (config(vec![good["profiles"][0].clone()], "nope"), "invalid_routing_config"),
        (
            config(vec![profile("p1", json!([]), json!([{"kind": "nearest"}]), 0, json!({"kind": "reject"}))], "p1"),
            "invalid_routing_config",
        ),
        (
            config(
                vec![profile(
                    "p1",
                    json!([]),
                    json!([{"kind": "nearest"}]),
                    1,
                    json!({"kind": "next", "profile": "p1"}),
                )],
                "p1",
            ),
            "invalid_routing_config",
        ),
        (
            config(
                vec![profile(
                    "p1",
                    json!([{"kind": "max_distance", "km": 0}]),
                    json!([{"kind": "nearest"}]),
                    1,
                    json!({"kind": "hold"}),
                )],
                "p1",
            ),
            "invalid_routing_config",
        ),
        (
            config(
                vec![profile("p1", json!([]), json!([{"kind": "nearest", "weight": 0}]), 1, json!({"kind": "hold"}))],
                "p1",
            ),
            "invalid_routing_config",
        ),
        (json!({"profiles": good["profiles"], "default_profile": "p1", "nodes": {"NOPE": {}}}), "unknown_node"),
        (
            json!({"profiles": good["profiles"], "default_profile": "p1", "nodes": {"STORE-A": {"time_zone": "Mars/Olympus"}}}),
            "invalid_time_zone",
        ),
        (
            json!({"profiles": good["profiles"], "default_profile": "p1", "nodes": {"STORE-A": {"groups": ["bad group!"]}}}),
            "invalid_routing_config",
        ),
    ];
    for (body, code) in bad_cases {
        let r = s.admin_put("/api/v1/routing/config", &body).await;
        assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, code), "{body} → {}", r.body);
    }
    // Unknown fields and wrong shapes are refused by the parser, never a 5xx.
    for body in [
        json!({"profiles": good["profiles"], "default_profile": "p1", "extra": 1}),
        json!({"profiles": [{"name": "p1", "strategies": [{"kind": "teleport"}], "max_splits": 1, "fallback": {"kind": "hold"}}], "default_profile": "p1"}),
        json!({"profiles": "x", "default_profile": "p1"}),
        json!([]),
    ] {
        let r = s.admin_put("/api/v1/routing/config", &body).await;
        assert!(r.status.is_client_error(), "{body} → {} {}", r.status, r.body);
        assert!(r.body["error"]["code"].is_string());
    }
    assert_eq!(s.admin_get("/api/v1/routing/config").await.body["version"], 0, "nothing stored");
    assert_eq!(put_config(&s, &good).await["version"], 1);
    assert_eq!(put_config(&s, &good).await["version"], 2);
    let v1 = s.admin_get("/api/v1/routing/config/versions/1").await;
    assert_eq!((v1.status, v1.body["version"].clone()), (StatusCode::OK, json!(1)));
    assert_eq!(
        s.admin_get("/api/v1/routing/config/versions/0").await.body["config"]["default_profile"],
        "default_ship"
    );
    for v in ["99", "x", "-1"] {
        assert_eq!(s.admin_get(&format!("/api/v1/routing/config/versions/{v}")).await.status, StatusCode::NOT_FOUND);
    }
    let r = s.admin_post("/api/v1/orders", order("RT-V", "ship", None, &[("SKU-1", 1)])).await;
    assert_eq!(r.body["routing"]["config_version"], 2, "{}", r.body);
    assert_eq!(r.body["routing"]["profile"], "p1");
}

#[tokio::test]
async fn channel_exclusions_and_pauses_remove_nodes_with_the_reason() {
    let s = TestServer::with_fixture().await;
    let mut c = config(vec![profile("p", json!([]), json!([{"kind": "nearest"}]), 1, json!({"kind": "reject"}))], "p");
    c["nodes"] = json!({"STORE-A": {"groups": ["franchise"]}});
    c["channel_exclusions"] = json!([{"channel": "tmall", "group": "franchise"}]);
    put_config(&s, &c).await;
    let r = s.admin_post("/api/v1/orders", order("RT-X", "ship", None, &[("SKU-1", 1)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(nodes_of(&r.body), vec!["STORE-B"]);
    assert_eq!(removed_by(&r.body["routing"], "STORE-A"), Some("channel_exclusion"));
    // JD is not excluded: STORE-A again.
    let mut jd = order("JD-X", "ship", None, &[("SKU-1", 1)]);
    jd["channel"] = json!("jd");
    let r = s.admin_post("/api/v1/orders", &jd).await;
    assert_eq!(nodes_of(&r.body), vec!["STORE-A"]);
    // HQ pauses STORE-B: a new version, and Tmall goes to the warehouse.
    let r = s.admin_put("/api/v1/routing/nodes/STORE-B", json!({"paused": true})).await;
    assert_eq!((r.status, r.body["version"].clone()), (StatusCode::OK, json!(2)), "{}", r.body);
    assert_eq!(r.body["config"]["nodes"]["STORE-B"]["time_zone"], "Asia/Shanghai");
    let r = s.admin_post("/api/v1/orders", order("RT-Y", "ship", None, &[("SKU-1", 1)])).await;
    assert_eq!(nodes_of(&r.body), vec!["WH-1"]);
    assert_eq!(removed_by(&r.body["routing"], "STORE-B"), Some("paused"));
    for (path, body, status) in [
        ("/api/v1/routing/nodes/NOPE", json!({}), StatusCode::NOT_FOUND),
        ("/api/v1/routing/nodes/STORE-B", json!({"time_zone": "Nowhere/City"}), StatusCode::UNPROCESSABLE_ENTITY),
        ("/api/v1/routing/nodes/STORE-B", json!({"paused": "yes"}), StatusCode::UNPROCESSABLE_ENTITY),
        ("/api/v1/routing/nodes/STORE-B", json!({"pause": true}), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let r = s.admin_put(path, &body).await;
        assert!(
            r.status == status || (status.is_client_error() && r.status.is_client_error()),
            "{path} {body}: {}",
            r.body
        );
        assert!(r.body["error"]["code"].is_string());
    }
}

#[tokio::test]
async fn hold_fallback_queues_the_order_and_retry_routes_it() {
    let s = TestServer::with_fixture().await;
    let c = config(
        vec![
            profile(
                "stores_only",
                json!([{"kind": "max_distance", "km": 20}]),
                json!([{"kind": "nearest"}]),
                1,
                json!({"kind": "next", "profile": "anywhere"}),
            ),
            profile(
                "anywhere",
                json!([]),
                json!([{"kind": "fewest_splits"}, {"kind": "nearest"}]),
                3,
                json!({"kind": "hold"}),
            ),
        ],
        "stores_only",
    );
    put_config(&s, &c).await;
    // 50 of SKU-2: only WH-1 has that many, 30 km away: the first profile fails, the second places it.
    let r = s.admin_post("/api/v1/orders", order("RT-F", "ship", None, &[("SKU-2", 50)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(nodes_of(&r.body), vec!["WH-1"]);
    let e = &r.body["routing"];
    assert_eq!(e["profile"], "anywhere");
    assert_eq!(e["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(removed_by(e, "WH-1"), Some("max_distance"));
    // 500 of SKU-2: nobody has them → held with the reason; nothing reserved.
    let before = s.stock("WH-1", "SKU-2").await.reserved;
    let r = s.admin_post("/api/v1/orders", order("RT-H", "ship", None, &[("SKU-2", 500)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["status"], "held");
    assert!(r.body["fulfillment_orders"].as_array().unwrap().is_empty());
    assert_eq!(r.body["routing"]["outcome"], "held");
    assert_eq!(s.stock("WH-1", "SKU-2").await.reserved, before);
    let id = r.body["id"].as_str().unwrap().to_string();
    let q = s.admin_get("/api/v1/routing/held").await;
    assert_eq!(q.status, StatusCode::OK);
    let items = q.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["order_id"], id.as_str());
    assert!(items[0]["reason"].as_str().unwrap().contains("SKU-2"), "{}", q.body);
    // Retry before stock arrives: still held.
    let r = s.admin_post(&format!("/api/v1/orders/{id}/route"), json!(null)).await;
    assert_eq!((r.status, r.body["placed"].clone()), (StatusCode::OK, json!(false)), "{}", r.body);
    // Stock arrives; retry places it.
    let r = s
        .admin_post(
            "/api/v1/stock/adjustments",
            json!({"batch_id": "rt-in", "lines": [{"node_code": "WH-1", "sku_code": "SKU-2", "quality": "sellable", "delta": 500, "note": "receipt"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = s.admin_post(&format!("/api/v1/orders/{id}/route"), json!(null)).await;
    assert_eq!(r.body["placed"], true, "{}", r.body);
    assert_eq!(r.body["order"]["status"], "routed");
    assert_eq!(nodes_of(&r.body["order"]), vec!["WH-1"]);
    assert!(s.admin_get("/api/v1/routing/held").await.body["items"].as_array().unwrap().is_empty());
    // A routed order is left alone.
    let r = s.admin_post(&format!("/api/v1/orders/{id}/route"), json!(null)).await;
    assert_eq!(r.body["placed"], false);
    for (path, status) in [
        ("/api/v1/orders/not-a-uuid/route".to_string(), StatusCode::NOT_FOUND),
        (format!("/api/v1/orders/{}/route", uuid::Uuid::now_v7()), StatusCode::NOT_FOUND),
    ] {
        assert_eq!(s.admin_post(&path, json!(null)).await.status, status);
    }
    for q in ["?after=zz", "?limit=-1", "?limit=x", "?bogus=1", "?after=1_"] {
        let r = s.admin_get(&format!("/api/v1/routing/held{q}")).await;
        if q == "?after=1_" {
            assert_eq!(r.status, StatusCode::OK);
        } else {
            assert!(r.status.is_client_error(), "{q}: {}", r.body);
        }
    }
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn reject_fallback_refuses_and_writes_nothing() {
    let s = TestServer::with_fixture().await;
    let r = s.admin_post("/api/v1/orders", order("RT-R", "ship", None, &[("SKU-2", 5000)])).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "insufficient_stock"));
    assert!(s.admin_get("/api/v1/routing/held").await.body["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn dry_run_reserves_nothing_and_explains() {
    let s = TestServer::with_fixture().await;
    let before = s.stock("STORE-A", "SKU-1").await;
    let r = s.admin_post("/api/v1/routing/dry-run", order("DRY-1", "ship", None, &[("SKU-1", 2)])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["placed"], true);
    assert_eq!(r.body["assignments"][0]["node_code"], "STORE-A");
    assert_eq!(r.body["explanation"]["outcome"], "placed");
    assert_eq!(s.stock("STORE-A", "SKU-1").await, before);
    // The channel order id is not taken: intake with it works.
    let r2 = s.admin_post("/api/v1/orders", order("DRY-1", "ship", None, &[("SKU-1", 2)])).await;
    assert_eq!(r2.status, StatusCode::CREATED);
    let short = s.admin_post("/api/v1/routing/dry-run", order("DRY-2", "ship", None, &[("SKU-2", 9999)])).await;
    assert_eq!((short.status, short.body["placed"].clone()), (StatusCode::OK, json!(false)));
    assert_eq!(short.body["unplaced"][0]["sku_code"], "SKU-2");
    for (body, code) in [
        (order("DRY-3", "ship", None, &[("NOPE", 1)]), "unknown_sku"),
        (order("DRY-4", "pickup", None, &[("SKU-1", 1)]), "pickup_store_required"),
        (order("DRY-5", "ship", None, &[]), "invalid_lines"),
    ] {
        let r = s.admin_post("/api/v1/routing/dry-run", &body).await;
        assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, code), "{}", r.body);
    }
    let r = s.admin_post("/api/v1/routing/dry-run", json!({"channel": "tmall"})).await;
    assert!(r.status.is_client_error());
}

#[tokio::test]
async fn strategies_and_filters_from_node_data() {
    let s = TestServer::with_fixture().await;
    // Lowest cost: WH-1's handling is cheap, the stores' dear; weighted cost outweighs distance.
    let mut bundle = crate::common::fixture();
    for n in bundle.nodes.iter_mut() {
        n.handling_cost = shared::Fen(if n.code == "WH-1" { 0 } else { 50_000 });
    }
    bundle.stock.clear();
    bundle.staff.clear();
    s.import(&bundle).await;
    let mut p = profile(
        "cost",
        json!([]),
        json!([{"kind": "lowest_cost", "weight": 5, "shipping_fen_per_km": 10}, {"kind": "nearest", "weight": 1}]),
        1,
        json!({"kind": "reject"}),
    );
    p["ranking"] = json!("weighted");
    put_config(&s, &config(vec![p], "cost")).await;
    let r = s.admin_post("/api/v1/orders", order("RT-C", "ship", None, &[("SKU-1", 1)])).await;
    assert_eq!(nodes_of(&r.body), vec!["WH-1"], "{}", r.body["routing"]);
    let plans = r.body["routing"]["attempts"][0]["plans"].as_array().unwrap();
    assert_eq!(plans.len(), 3);
    assert!(plans[0]["total"].as_f64().unwrap() >= plans[1]["total"].as_f64().unwrap());
    // Stock depth: keep 5 on each store shelf: STORE-A (5 of SKU-1) would fall below, WH-1 not.
    let p = profile(
        "depth",
        json!([]),
        json!([{"kind": "stock_depth", "keep_units": 5}, {"kind": "nearest"}]),
        1,
        json!({"kind": "reject"}),
    );
    put_config(&s, &config(vec![p], "depth")).await;
    let r = s.admin_post("/api/v1/orders", order("RT-D", "ship", None, &[("SKU-1", 1)])).await;
    assert_eq!(nodes_of(&r.body), vec!["WH-1"], "{}", r.body["routing"]);
    // Daily capacity: STORE-A may take one order a day.
    for n in bundle.nodes.iter_mut() {
        n.daily_capacity = if n.code == "STORE-A" { 1 } else { 200 };
    }
    s.import(&bundle).await;
    let p =
        profile("cap", json!([{"kind": "daily_capacity"}]), json!([{"kind": "nearest"}]), 1, json!({"kind": "reject"}));
    put_config(&s, &config(vec![p], "cap")).await;
    let r = s.admin_post("/api/v1/orders", order("RT-K1", "ship", None, &[("SKU-1", 1)])).await;
    assert_eq!(nodes_of(&r.body), vec!["STORE-A"]);
    let r = s.admin_post("/api/v1/orders", order("RT-K2", "ship", None, &[("SKU-1", 1)])).await;
    assert_eq!(nodes_of(&r.body), vec!["STORE-B"], "{}", r.body["routing"]);
    assert_eq!(removed_by(&r.body["routing"], "STORE-A"), Some("daily_capacity"));
    // Opening hours in the node's zone: STORE-A is set to a zone where it is now closed.
    use chrono::Timelike;
    let now = chrono::Utc::now();
    let shanghai_hour = (now.hour() + 8) % 24;
    // A zone 12 hours away from Shanghai: 10:00-22:00 there is closed when Shanghai is
    // between 22:00 and 10:00 local… so pick hours around the current Shanghai hour instead.
    let closed_from = (shanghai_hour + 2) % 24;
    for n in bundle.nodes.iter_mut() {
        n.opening_hours = if n.code == "STORE-B" {
            format!("{:02}:00-{:02}:00", closed_from, (closed_from + 1) % 24)
        } else {
            "00:00-24:00".into()
        };
        n.daily_capacity = 200;
    }
    s.import(&bundle).await;
    let p = profile(
        "hours",
        json!([{"kind": "opening_hours", "cutoff_minutes": 30}]),
        json!([{"kind": "nearest"}]),
        1,
        json!({"kind": "reject"}),
    );
    let mut c = config(vec![p], "hours");
    c["nodes"] = json!({"STORE-A": {"paused": true}});
    put_config(&s, &c).await;
    let r = s.admin_post("/api/v1/orders", order("RT-O", "ship", None, &[("SKU-1", 1)])).await;
    assert_eq!(nodes_of(&r.body), vec!["WH-1"], "{}", r.body["routing"]);
    assert_eq!(removed_by(&r.body["routing"], "STORE-B"), Some("opening_hours"));
}

#[tokio::test]
async fn hq_reassigns_a_fulfillment_order_and_both_stores_see_it() {
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    let b = s.enrol("STORE-B").await;
    let cursor = |body: &Value| body["cursor"].as_str().unwrap().to_string();
    let ca = cursor(&s.device_get(&a, "/api/v1/sync/pull?cursor=0&limit=10000").await.body);
    let cb = cursor(&s.device_get(&b, "/api/v1/sync/pull?cursor=0&limit=10000").await.body);
    let r = s.admin_post("/api/v1/orders", order("RT-M", "ship", None, &[("SKU-1", 2), ("SKU-2", 1)])).await;
    assert_eq!(nodes_of(&r.body), vec!["STORE-A"]);
    let fo = r.body["fulfillment_orders"][0]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/fulfillment-orders/{fo}/reassign");
    // Bad input first: nothing moves.
    for (body, status, code) in [
        (json!({"node_code": "STORE-A"}), StatusCode::UNPROCESSABLE_ENTITY, "same_node"),
        (json!({"node_code": "NOPE"}), StatusCode::UNPROCESSABLE_ENTITY, "unknown_node"),
        (json!({"node_code": "STORE-B", "lines": []}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_lines"),
        (json!({"node_code": "STORE-B", "lines": [7]}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_lines"),
        (json!({"node_code": "STORE-B", "lines": [1, 1]}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_lines"),
        // STORE-B has no SKU-2.
        (json!({"node_code": "STORE-B"}), StatusCode::CONFLICT, "insufficient_stock"),
    ] {
        let r = s.admin_post(&path, &body).await;
        assert_eq!((r.status, r.code()), (status, code), "{body}: {}", r.body);
    }
    for body in [
        json!({}),
        json!({"node_code": 5}),
        json!({"node_code": "STORE-B", "x": 1}),
        json!({"node_code": "STORE-B", "lines": [-1]}),
    ] {
        assert!(s.admin_post(&path, &body).await.status.is_client_error());
    }
    assert_eq!(
        s.admin_post("/api/v1/fulfillment-orders/zz/reassign", json!({"node_code": "STORE-B"})).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(s.stock("STORE-A", "SKU-1").await.reserved, 2);
    // Move line 1 (SKU-1 × 2) to STORE-B.
    let r = s.admin_post(&path, json!({"node_code": "STORE-B", "lines": [1]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut nodes = nodes_of(&r.body);
    nodes.sort();
    assert_eq!(nodes, vec!["STORE-A", "STORE-B"]);
    assert_eq!(r.body["routing"]["outcome"], "reassigned");
    assert_eq!(s.stock("STORE-A", "SKU-1").await.reserved, 0);
    assert_eq!(s.stock("STORE-B", "SKU-1").await.reserved, 2);
    assert_eq!(s.stock("STORE-A", "SKU-2").await.reserved, 1);
    // Both devices see their change at the next pull.
    let pa = s.device_get(&a, &format!("/api/v1/sync/pull?cursor={ca}")).await.body;
    let pb = s.device_get(&b, &format!("/api/v1/sync/pull?cursor={cb}")).await.body;
    let fos = |p: &Value| -> Vec<Value> {
        p["changes"].as_array().unwrap().iter().filter(|c| c["entity"] == "fulfillment_order").cloned().collect()
    };
    let at_a = fos(&pa);
    assert!(at_a.iter().any(|c| c["id"] == fo.as_str() && c["lines"].as_array().unwrap().len() == 1), "{pa}");
    assert!(fos(&pb).iter().any(|c| c["node_code"] == "STORE-B" && c["lines"][0]["qty"] == 2), "{pb}");
    // Move the rest to WH-1: STORE-A's order is cancelled with the reason.
    let r = s.admin_post(&path, json!({"node_code": "WH-1"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let old = r.body["fulfillment_orders"].as_array().unwrap().iter().find(|f| f["id"] == fo.as_str()).unwrap().clone();
    assert_eq!(old["state"], "cancelled");
    assert!(old["reject_reason"].as_str().unwrap().contains("WH-1"));
    assert_eq!(s.stock("STORE-A", "SKU-2").await.reserved, 0);
    assert_eq!(s.stock("WH-1", "SKU-2").await.reserved, 1);
    let r = s.admin_post(&path, json!({"node_code": "STORE-B"})).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "not_reassignable"));
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn reroute_on_reject_uses_profiles_and_skips_refusing_nodes() {
    let s = TestServer::with_fixture().await;
    let p = profile("p", json!([]), json!([{"kind": "nearest"}]), 1, json!({"kind": "reject"}));
    put_config(&s, &config(vec![p], "p")).await;
    let a = s.enrol("STORE-A").await;
    let r = s.admin_post("/api/v1/orders", order("RT-J", "ship", None, &[("SKU-1", 1)])).await;
    assert_eq!(nodes_of(&r.body), vec!["STORE-A"]);
    let id = r.body["id"].as_str().unwrap().to_string();
    let fo = r.body["fulfillment_orders"][0]["id"].as_str().unwrap().to_string();
    let ops = vec![json!({"kind": "RejectFulfillment", "fulfillment_order_id": fo, "reason": "无货"})];
    let r = s.device_post(&a, "/api/v1/sync/push", batch(1, "STORE-A-A", ops)).await;
    assert_eq!(r.body["results"][0]["outcome"]["status"], "applied", "{}", r.body);
    let o = s.admin_get(&format!("/api/v1/orders/{id}")).await.body;
    assert_eq!(nodes_of(&o), vec!["STORE-B"]);
    assert_eq!(o["routing"]["profile"], "p");
    assert_eq!(removed_by(&o["routing"], "STORE-A"), Some("refused_before"));
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn a_kit_line_reserves_its_components() {
    let s = TestServer::with_fixture().await;
    let mut bundle = crate::common::fixture();
    bundle.stock.clear();
    bundle.staff.clear();
    bundle.skus.push(shared::catalogue::Sku {
        code: "KIT-1".into(),
        style_code: "ST-1".into(),
        barcode: gen::ean(99),
        colour: "套装".into(),
        size: "-".into(),
        list_price: shared::Fen(99_900),
    });
    bundle.bundles = vec![shared::catalogue::Bundle {
        sku_code: "KIT-1".into(),
        components: vec![
            shared::catalogue::BundleComponent { sku_code: "SKU-1".into(), qty: shared::Qty::new(1).unwrap() },
            shared::catalogue::BundleComponent { sku_code: "SKU-2".into(), qty: shared::Qty::new(2).unwrap() },
        ],
    }];
    s.import(&bundle).await;
    // 1 kit = SKU-1 + 2 × SKU-2: STORE-A has 5 and 2.
    let r = s.admin_post("/api/v1/orders", order("RT-KIT", "ship", None, &[("KIT-1", 1)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(nodes_of(&r.body), vec!["STORE-A"]);
    let lines = r.body["fulfillment_orders"][0]["lines"].as_array().unwrap();
    let got: Vec<(String, i64)> =
        lines.iter().map(|l| (l["sku_code"].as_str().unwrap().to_string(), l["qty"].as_i64().unwrap())).collect();
    assert_eq!(got, vec![("SKU-1".to_string(), 1), ("SKU-2".to_string(), 2)]);
    assert_eq!(s.stock("STORE-A", "SKU-2").await.reserved, 2);
    // 2 more kits need 4 × SKU-2: only WH-1 (ship splits by component are allowed).
    let r = s.admin_post("/api/v1/orders", order("RT-KIT2", "ship", None, &[("KIT-1", 2)])).await;
    assert_eq!(nodes_of(&r.body), vec!["WH-1"], "{}", r.body);
    s.assert_audit_clean().await;
}
