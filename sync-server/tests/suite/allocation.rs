//! Channel allocation end to end over the API, on both backends: published quantities follow
//! every stock movement, strategies carve the pool out without publishing more than it
//! holds, intake refuses what a channel may not sell, the deep/shallow switch keeps its
//! hysteresis and is recorded, the stock feed pages by cursor, and the webhook push is
//! signed, retried with back-off and idempotent by sequence against a local receiver.

use crate::common::{order, TestServer};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use sync_server::service::allocation::webhook::Worker;

fn quantity(a: &Value, channel: &str) -> i64 {
    a["channels"].as_array().unwrap().iter().find(|c| c["channel"] == channel).unwrap()["quantity"].as_i64().unwrap()
}

async fn allocation(s: &TestServer, sku: &str) -> Value {
    let r = s.admin_get(&format!("/api/v1/allocation/skus/{sku}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

async fn put_config(s: &TestServer, config: Value) -> Value {
    let r = s.admin_put("/api/v1/allocation/config", config).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

async fn hold(s: &TestServer, reference: &str, node: &str, sku: &str, qty: i64) -> String {
    let r = s
        .admin_post(
            "/api/v1/reservations",
            json!({"reference": reference, "node_code": node, "sku_code": sku, "qty": qty}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

async fn feed_all(s: &TestServer, channel: &str) -> Vec<Value> {
    let r = s.admin_get(&format!("/api/v1/channels/{channel}/stock-feed?after=0&limit=1000")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["entries"].as_array().unwrap().clone()
}

fn rule(name: &str, skus: &[&str], deep: Value) -> Value {
    json!({"name": name, "group": {"kind": "skus", "skus": skus}, "deep": deep})
}

#[tokio::test]
async fn sharing_everything_publishes_the_pool_and_follows_every_movement() {
    let s = TestServer::with_fixture().await;
    let a = allocation(&s, "SKU-1").await;
    let total = a["total_available"].as_i64().unwrap();
    assert!(total > 0);
    assert_eq!(a["config_version"], 0);
    for c in ["tmall", "jd", "douyin", "mini_program", "employee_store", "outlet"] {
        assert_eq!(quantity(&a, c), total, "{c}");
    }
    assert!(a["channels"].as_array().unwrap().iter().all(|c| c["channel"] != "store"));
    let feed = feed_all(&s, "tmall").await;
    let entry = feed.iter().find(|e| e["sku_code"] == "SKU-1").unwrap();
    assert_eq!(entry["quantity"], total);

    // A hold takes 3 units: every channel's quantity and the feed follow in that transaction.
    hold(&s, "cart-1", "WH-1", "SKU-1", 3).await;
    let a = allocation(&s, "SKU-1").await;
    assert_eq!(quantity(&a, "jd"), total - 3);
    let after = feed_all(&s, "tmall").await;
    let moved = after.iter().find(|e| e["sku_code"] == "SKU-1").unwrap();
    assert_eq!(moved["quantity"], total - 3);
    assert!(moved["seq"].as_i64().unwrap() > entry["seq"].as_i64().unwrap());
    // Served once per SKU: the feed holds each SKU's current quantity, not its history.
    assert_eq!(after.iter().filter(|e| e["sku_code"] == "SKU-1").count(), 1);
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn strategies_carve_out_the_pool_and_never_publish_more_than_it_holds() {
    let s = TestServer::with_fixture().await;
    let total = allocation(&s, "SKU-1").await["total_available"].as_i64().unwrap();
    let deep = json!({"safety_units": 8, "channels": [
        {"channel": "tmall", "share": {"kind": "ratio", "percent": 30}},
        {"channel": "mini_program", "share": {"kind": "priority", "rank": 0, "max_units": 10}},
        {"channel": "jd", "share": {"kind": "shared"}},
        {"channel": "douyin", "share": {"kind": "shared"}, "daily_cap": 2}
    ]});
    let v = put_config(&s, json!({"rules": [rule("double11", &["SKU-1"], deep)]})).await;
    assert_eq!(v["version"], 1);
    let a = allocation(&s, "SKU-1").await;
    assert_eq!(a["rule"], "double11");
    assert_eq!(a["config_version"], 1);
    let pool = total - 8;
    let tmall = pool * 30 / 100;
    assert_eq!(quantity(&a, "tmall"), tmall);
    assert_eq!(quantity(&a, "mini_program"), 10);
    assert_eq!(quantity(&a, "jd"), pool - tmall - 10);
    assert_eq!(quantity(&a, "douyin"), 2);
    assert_eq!(quantity(&a, "outlet"), 0, "a channel the plan does not name sells nothing");
    // The sum rule: carve-outs plus the largest shared quantity stay within the pool.
    assert!(quantity(&a, "tmall") + quantity(&a, "mini_program") + quantity(&a, "jd") <= total);
    // SKU-2 has no rule: the default plan (share 100%).
    let b = allocation(&s, "SKU-2").await;
    assert_eq!(b["rule"], Value::Null);
    assert_eq!(quantity(&b, "outlet"), b["total_available"].as_i64().unwrap());
    // Versions are kept.
    let v0 = s.admin_get("/api/v1/allocation/config/versions/0").await;
    assert_eq!(v0.body["config"]["rules"], json!([]));
    let v1 = s.admin_get("/api/v1/allocation/config/versions/1").await;
    assert_eq!(v1.body["config"]["rules"][0]["name"], "double11");
    assert_eq!(s.admin_get("/api/v1/allocation/config/versions/9").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn intake_refuses_what_a_channel_may_not_sell_and_counts_daily_caps() {
    let s = TestServer::with_fixture().await;
    let deep = json!({"channels": [{"channel": "tmall", "share": {"kind": "shared"}, "daily_cap": 2}]});
    put_config(&s, json!({"rules": [rule("capped", &["SKU-1"], deep), rule("jd-only", &["SKU-2"], json!({"channels": [{"channel": "jd", "share": {"kind": "shared"}}]}))]})).await;
    let before = s.fingerprint().await;
    let r = s.admin_post("/api/v1/orders", order("CAP-1", "ship", None, &[("SKU-1", 3)])).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "channel_stock_exhausted"), "{}", r.body);
    let m = r.body["error"]["message"].as_str().unwrap();
    assert!(m.contains("SKU-1") && m.contains("asks 3") && m.contains("may sell 2"), "{m}");
    assert_eq!(s.fingerprint().await, before, "a refused order changes nothing");
    let r = s.admin_post("/api/v1/orders", order("CAP-2", "ship", None, &[("SKU-1", 2)])).await;
    assert!(r.status.is_success(), "{}", r.body);
    let a = allocation(&s, "SKU-1").await;
    let tmall = a["channels"].as_array().unwrap().iter().find(|c| c["channel"] == "tmall").unwrap().clone();
    assert_eq!((tmall["quantity"].as_i64(), tmall["sold_today"].as_i64()), (Some(0), Some(2)));
    let r = s.admin_post("/api/v1/orders", order("CAP-3", "ship", None, &[("SKU-1", 1)])).await;
    assert_eq!(r.code(), "channel_stock_exhausted", "{}", r.body);
    // SKU-2 is for JD only: Tmall may sell none of it.
    let r = s.admin_post("/api/v1/orders", order("CAP-4", "ship", None, &[("SKU-2", 1)])).await;
    assert_eq!(r.code(), "channel_stock_exhausted", "{}", r.body);
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn the_shallow_switch_keeps_its_hysteresis_and_is_recorded() {
    let s = TestServer::with_fixture().await;
    let total = allocation(&s, "SKU-1").await["total_available"].as_i64().unwrap();
    let (below, back_at) = (total - 5, total - 2);
    let r = json!({
        "name": "deep-shallow",
        "group": {"kind": "all"},
        "deep": {"channels": [{"channel": "tmall", "share": {"kind": "shared"}}, {"channel": "mini_program", "share": {"kind": "shared"}}]},
        "shallow": {"channels": [{"channel": "mini_program", "share": {"kind": "priority", "rank": 0}}, {"channel": "tmall", "share": {"kind": "shared"}}]},
        "switch": {"below": below, "back_at": back_at}
    });
    put_config(&s, json!({"rules": [r]})).await;
    assert_eq!(allocation(&s, "SKU-1").await["depth"], "deep");
    // Down to total - 6: shallow, the mini-program first, Tmall gets what is left (nothing).
    let big = hold(&s, "h-big", "WH-1", "SKU-1", 6).await;
    let a = allocation(&s, "SKU-1").await;
    assert_eq!(a["depth"], "shallow");
    assert_eq!((quantity(&a, "mini_program"), quantity(&a, "tmall")), (total - 6, 0));
    // Back to total - 3: inside the band, still shallow.
    let small = hold(&s, "h-3", "WH-1", "SKU-1", 3).await;
    assert_eq!(s.admin_delete(&format!("/api/v1/reservations/{big}")).await.status, StatusCode::OK);
    assert_eq!(allocation(&s, "SKU-1").await["depth"], "shallow");
    // The whole pool again: deep.
    assert_eq!(s.admin_delete(&format!("/api/v1/reservations/{small}")).await.status, StatusCode::OK);
    let a = allocation(&s, "SKU-1").await;
    assert_eq!(a["depth"], "deep");
    assert_eq!(quantity(&a, "tmall"), total);
    let page = s.admin_get("/api/v1/allocation/switches?sku=SKU-1").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let switches = page.body["switches"].as_array().unwrap();
    assert_eq!(switches.len(), 2, "{switches:?}");
    assert_eq!((switches[0]["from"].as_str(), switches[0]["to"].as_str()), (Some("shallow"), Some("deep")));
    assert_eq!(switches[0]["threshold"], back_at);
    assert_eq!(switches[0]["total_available"], total);
    let first = switches.last().unwrap();
    assert_eq!((first["from"].as_str(), first["to"].as_str()), (Some("deep"), Some("shallow")));
    assert_eq!(first["total_available"], total - 6);
    assert_eq!(first["threshold"], below);
    assert_eq!(first["config_version"], 1);
    assert_eq!(first["rule"], "deep-shallow");
    assert!(a["switches"].as_array().unwrap().len() == switches.len());
}

#[tokio::test]
async fn the_stock_feed_pages_by_cursor() {
    let s = TestServer::with_fixture().await;
    let mut after = 0;
    let mut seen = Vec::new();
    loop {
        let r = s.admin_get(&format!("/api/v1/channels/jd/stock-feed?after={after}&limit=1")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        for e in r.body["entries"].as_array().unwrap() {
            seen.push((e["seq"].as_i64().unwrap(), e["sku_code"].as_str().unwrap().to_string()));
        }
        after = r.body["next_after"].as_i64().unwrap();
        if r.body["more"] == false {
            break;
        }
    }
    let skus: std::collections::BTreeSet<_> = seen.iter().map(|(_, s)| s.clone()).collect();
    assert_eq!(skus.len(), seen.len(), "each SKU once");
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "by sequence: {seen:?}");
    assert!(skus.contains("SKU-1") && skus.contains("SKU-3"));
    // Nothing new after the end; a movement then shows up after the cursor.
    let r = s.admin_get(&format!("/api/v1/channels/jd/stock-feed?after={after}")).await;
    assert_eq!(r.body["entries"], json!([]));
    assert_eq!(r.body["next_after"], after);
    hold(&s, "f-1", "STORE-B", "SKU-3", 1).await;
    let r = s.admin_get(&format!("/api/v1/channels/jd/stock-feed?after={after}")).await;
    let entries = r.body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["sku_code"], "SKU-3");
}

/// A local receiver: answers `fail_first` requests with 500, then 200, and keeps every
/// verified batch it accepted (and how many arrived unsigned or badly signed).
#[derive(Default)]
struct Receiver {
    fail_first: usize,
    calls: usize,
    bad_signatures: usize,
    accepted: Vec<Value>,
    /// Highest sequence applied: what a receiver idempotent by sequence keeps.
    applied: i64,
    quantities: std::collections::BTreeMap<String, i64>,
}

const SECRET: &str = "a-signing-secret-of-some-length";

async fn receiver(fail_first: usize) -> (String, Arc<Mutex<Receiver>>) {
    let state = Arc::new(Mutex::new(Receiver { fail_first, ..Default::default() }));
    let st = state.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let st = st.clone();
            async move {
                let mut r = st.lock().unwrap();
                r.calls += 1;
                let sig = headers.get("x-signature").and_then(|v| v.to_str().ok()).unwrap_or("");
                if !shared::allocation::verify_webhook_signature(SECRET, sig, &body) {
                    r.bad_signatures += 1;
                    return AxumStatus::UNAUTHORIZED;
                }
                if r.calls <= r.fail_first {
                    return AxumStatus::INTERNAL_SERVER_ERROR;
                }
                let batch: Value = serde_json::from_slice(&body).unwrap();
                for e in batch["entries"].as_array().unwrap() {
                    let seq = e["seq"].as_i64().unwrap();
                    if seq > r.applied {
                        r.applied = seq;
                        r.quantities
                            .insert(e["sku_code"].as_str().unwrap().to_string(), e["quantity"].as_i64().unwrap());
                    }
                }
                r.accepted.push(batch);
                AxumStatus::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, state)
}

/// Runs the worker until a round sends nothing and nothing is due within `wait_ms`.
async fn drain(worker: &Worker, s: &TestServer, channel: &str, wait_ms: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(wait_ms);
    loop {
        worker.run_due().await.unwrap();
        let w = s.admin_get(&format!("/api/v1/channels/{channel}/webhook")).await;
        if w.body["delivered_seq"] == w.body["head_seq"] || std::time::Instant::now() > deadline {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_webhook_pushes_signed_batches_retries_with_back_off_and_is_idempotent_by_sequence() {
    let s = TestServer::with_fixture().await;
    let (url, rx) = receiver(1).await;
    let r = s.admin_put("/api/v1/channels/douyin/webhook", json!({"url": url, "secret": SECRET})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["secret"], "***");
    assert!(!r.body.to_string().contains(SECRET), "the secret is never echoed");
    let head = r.body["head_seq"].as_i64().unwrap();
    assert!(head > 0);
    let worker = Worker::new(s.storage.clone());
    // First try: the receiver fails; the delivery waits out its back-off (1 s).
    assert_eq!(worker.run_due().await.unwrap(), 1);
    let w = s.admin_get("/api/v1/channels/douyin/webhook").await;
    assert_eq!((w.body["tries"].as_i64(), w.body["delivered_seq"].as_i64()), (Some(1), Some(0)));
    assert!(w.body["last_error"].as_str().unwrap().contains("500"));
    assert_eq!(worker.run_due().await.unwrap(), 0, "not due before its back-off");
    drain(&worker, &s, "douyin", 5000).await;
    let w = s.admin_get("/api/v1/channels/douyin/webhook").await;
    assert_eq!(w.body["delivered_seq"], head, "{}", w.body);
    assert_eq!(w.body["tries"], 0);
    {
        let r = rx.lock().unwrap();
        assert_eq!(r.bad_signatures, 0);
        assert_eq!(r.applied, head);
        assert!(r.quantities.contains_key("SKU-1"));
    }
    // A movement: only the change is pushed, with a higher sequence.
    hold(&s, "w-1", "WH-1", "SKU-2", 4).await;
    drain(&worker, &s, "douyin", 3000).await;
    let expected = allocation(&s, "SKU-2").await;
    {
        let r = rx.lock().unwrap();
        let last = r.accepted.last().unwrap();
        assert_eq!(last["channel"], "douyin");
        assert_eq!(last["entries"].as_array().unwrap().len(), 1);
        assert_eq!(r.quantities["SKU-2"], quantity(&expected, "douyin"));
    }
    // Delivering again from the start (as after a lost acknowledgement): the receiver's
    // state does not change, since it applies by sequence.
    let before = rx.lock().unwrap().quantities.clone();
    let r = s.admin_put("/api/v1/channels/douyin/webhook", json!({"url": url, "deliver_after": 0})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["version"], 2);
    drain(&worker, &s, "douyin", 3000).await;
    assert_eq!(rx.lock().unwrap().quantities, before);
    // A wrong secret on the receiver's side: refused there, retried here.
    let (url2, rx2) = receiver(0).await;
    s.admin_put("/api/v1/channels/jd/webhook", json!({"url": url2, "secret": "not-the-receivers-secret"})).await;
    worker.run_due().await.unwrap();
    assert!(rx2.lock().unwrap().bad_signatures >= 1);
    let w = s.admin_get("/api/v1/channels/jd/webhook").await;
    assert_eq!(w.body["delivered_seq"], 0);
    assert!(w.body["last_error"].as_str().unwrap().contains("401"));
}

#[tokio::test]
async fn bad_allocation_input_is_refused_and_changes_nothing() {
    let s = TestServer::with_fixture().await;
    let before = s.fingerprint().await;
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"rules": [rule("r", &["SKU-1"], json!({"channels": [{"channel": "store", "share": {"kind": "shared"}}]}))]}),
            "invalid_allocation_config",
        ),
        (
            json!({"rules": [rule("r", &["SKU-1"], json!({"channels": [{"channel": "jd", "share": {"kind": "ratio", "percent": 0}}]}))]}),
            "invalid_allocation_config",
        ),
        (
            json!({"rules": [rule("r", &["SKU-1"], json!({"channels": [{"channel": "jd", "share": {"kind": "ratio", "percent": 70}}, {"channel": "tmall", "share": {"kind": "ratio", "percent": 40}}]}))]}),
            "invalid_allocation_config",
        ),
        (
            json!({"rules": [rule("r", &["SKU-1"], json!({"safety_units": -1, "channels": []}))]}),
            "invalid_allocation_config",
        ),
        (
            json!({"rules": [rule("r", &["SKU-1"], json!({"channels": [{"channel": "jd", "share": {"kind": "shared"}, "daily_cap": -3}]}))]}),
            "invalid_allocation_config",
        ),
        (json!({"rules": [rule("r", &[], json!({"channels": []}))]}), "invalid_allocation_config"),
        (
            json!({"rules": [rule("r", &["SKU-1"], json!({"channels": []})), rule("r", &["SKU-2"], json!({"channels": []}))]}),
            "invalid_allocation_config",
        ),
        (
            json!({"rules": [{"name": "r", "group": {"kind": "all"}, "deep": {"channels": []}, "switch": {"below": 5, "back_at": 9}}]}),
            "invalid_allocation_config",
        ),
        (
            json!({"rules": [{"name": "r", "group": {"kind": "all"}, "deep": {"channels": []}, "shallow": {"channels": []}, "switch": {"below": 9, "back_at": 9}}]}),
            "invalid_allocation_config",
        ),
        (json!({"rules": [rule("bad name!", &["SKU-1"], json!({"channels": []}))]}), "invalid_allocation_config"),
        (json!({"time_zone": "Mars/Olympus"}), "invalid_time_zone"),
    ];
    for (body, code) in cases {
        let r = s.admin_put("/api/v1/allocation/config", &body).await;
        assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, code), "{body}: {}", r.body);
    }
    // Malformed documents: 4xx, never 5xx.
    for body in [
        json!({"rules": [{"name": "r", "group": {"kind": "nope"}, "deep": {"channels": []}}]}),
        json!({"rules": [rule("r", &["SKU-1"], json!({"channels": [{"channel": "nope", "share": {"kind": "shared"}}]}))]}),
        json!({"rules": "x"}),
        json!({"rules": [rule("r", &["SKU-1"], json!({"channels": [{"channel": "jd", "share": {"kind": "ratio", "percent": 1e99}}]}))]}),
    ] {
        let r = s.admin_put("/api/v1/allocation/config", &body).await;
        assert!(r.status.is_client_error(), "{body}: {} {}", r.status, r.body);
    }
    assert_eq!(s.admin_get("/api/v1/allocation/config").await.body["version"], 0);
    // Feeds, SKUs, switches.
    for (path, status, code) in [
        ("/api/v1/channels/nope/stock-feed", StatusCode::NOT_FOUND, "not_found"),
        ("/api/v1/channels/store/stock-feed", StatusCode::UNPROCESSABLE_ENTITY, "invalid_channel"),
        ("/api/v1/channels/jd/stock-feed?after=-1", StatusCode::UNPROCESSABLE_ENTITY, "invalid_cursor"),
        ("/api/v1/channels/jd/stock-feed?limit=0", StatusCode::UNPROCESSABLE_ENTITY, "invalid_limit"),
        ("/api/v1/channels/jd/stock-feed?limit=1001", StatusCode::UNPROCESSABLE_ENTITY, "invalid_limit"),
        ("/api/v1/allocation/switches?limit=0", StatusCode::UNPROCESSABLE_ENTITY, "invalid_limit"),
        ("/api/v1/allocation/skus/NOPE", StatusCode::NOT_FOUND, "not_found"),
        ("/api/v1/channels/jd/webhook", StatusCode::NOT_FOUND, "not_found"),
        ("/api/v1/allocation/config/versions/x", StatusCode::NOT_FOUND, "not_found"),
    ] {
        let r = s.admin_get(path).await;
        assert_eq!((r.status, r.code()), (status, code), "{path}: {}", r.body);
    }
    for path in [
        "/api/v1/channels/jd/stock-feed?after=abc",
        "/api/v1/channels/jd/stock-feed?limit=-5",
        "/api/v1/channels/jd/stock-feed?bogus=1",
        "/api/v1/allocation/switches?before=x",
    ] {
        let r = s.admin_get(path).await;
        assert!(r.status.is_client_error(), "{path}: {} {}", r.status, r.body);
    }
    // Webhooks.
    for (body, code) in [
        (json!({"url": "ftp://x/y", "secret": SECRET}), "invalid_url"),
        (json!({"url": "http://", "secret": SECRET}), "invalid_url"),
        (json!({"url": "http://x/y", "secret": "short"}), "invalid_secret"),
        (json!({"url": "http://x/y"}), "invalid_secret"),
        (json!({"url": "http://x/y", "secret": SECRET, "deliver_after": -1}), "invalid_cursor"),
    ] {
        let r = s.admin_put("/api/v1/channels/jd/webhook", &body).await;
        assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, code), "{body}: {}", r.body);
    }
    let r = s.admin_put("/api/v1/channels/store/webhook", json!({"url": "http://x/y", "secret": SECRET})).await;
    assert_eq!(r.code(), "invalid_channel");
    let r =
        s.admin_put("/api/v1/channels/jd/webhook", json!({"url": "http://x/y", "secret": SECRET, "extra": 1})).await;
    assert!(r.status.is_client_error());
    assert_eq!(s.fingerprint().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_movements_keep_the_feed_in_commit_order() {
    let s = TestServer::with_fixture().await;
    let start =
        s.admin_get("/api/v1/channels/tmall/stock-feed?after=0&limit=1000").await.body["next_after"].as_i64().unwrap();
    let mut tasks = Vec::new();
    for i in 0..24 {
        let client = reqwest::Client::new();
        let url = format!("{}/api/v1/reservations", s.base);
        let (node, sku) = [("WH-1", "SKU-1"), ("WH-1", "SKU-2"), ("WH-1", "SKU-3")][i % 3];
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(crate::common::ADMIN_TOKEN)
                .json(&json!({"reference": format!("c-{i}"), "node_code": node, "sku_code": sku, "qty": 1}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    // A reader pages the feed meanwhile: its cursor only moves forward, entries come in order.
    let mut after = start;
    let mut last: std::collections::BTreeMap<String, i64> = Default::default();
    for _ in 0..30 {
        let r = s.admin_get(&format!("/api/v1/channels/tmall/stock-feed?after={after}&limit=2")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        for e in r.body["entries"].as_array().unwrap() {
            let seq = e["seq"].as_i64().unwrap();
            assert!(seq > after, "the feed went back: {seq} after {after}");
            after = seq;
            last.insert(e["sku_code"].as_str().unwrap().to_string(), e["quantity"].as_i64().unwrap());
        }
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::CREATED);
    }
    // Read to the end: the reader's view of each SKU is the published quantity now.
    loop {
        let r = s.admin_get(&format!("/api/v1/channels/tmall/stock-feed?after={after}&limit=2")).await;
        for e in r.body["entries"].as_array().unwrap() {
            assert!(e["seq"].as_i64().unwrap() > after);
            after = e["seq"].as_i64().unwrap();
            last.insert(e["sku_code"].as_str().unwrap().to_string(), e["quantity"].as_i64().unwrap());
        }
        if r.body["more"] == false {
            break;
        }
    }
    for sku in ["SKU-1", "SKU-2", "SKU-3"] {
        let a = allocation(&s, sku).await;
        assert_eq!(last.get(sku).copied(), Some(quantity(&a, "tmall")), "{sku}");
    }
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn a_directed_allocation_gives_the_outlet_its_skus_alone() {
    use sync_server::service::{self, allocation as alloc};
    let s = TestServer::with_fixture().await;
    let skus = vec!["SKU-3".to_string()];
    let v = service::write(s.storage.as_ref(), move |tx| {
        alloc::direct_to_channel(tx, shared::order::Channel::Outlet, &skus, "slow movers", 1_700_000_000_000)
    })
    .await
    .unwrap();
    assert_eq!(v, 1);
    let a = allocation(&s, "SKU-3").await;
    assert_eq!(a["rule"], "directed:outlet");
    assert_eq!(quantity(&a, "outlet"), a["total_available"].as_i64().unwrap());
    assert_eq!(quantity(&a, "tmall"), 0);
    let feed = feed_all(&s, "tmall").await;
    assert_eq!(feed.iter().find(|e| e["sku_code"] == "SKU-3").unwrap()["quantity"], 0);
    // An empty list removes the rule: back to the default plan.
    let v = service::write(s.storage.as_ref(), move |tx| {
        alloc::direct_to_channel(tx, shared::order::Channel::Outlet, &[], "done", 1_700_000_000_000)
    })
    .await
    .unwrap();
    assert_eq!(v, 2);
    let a = allocation(&s, "SKU-3").await;
    assert_eq!(a["rule"], Value::Null);
    assert_eq!(quantity(&a, "tmall"), a["total_available"].as_i64().unwrap());
    let refused = service::write(s.storage.as_ref(), move |tx| {
        alloc::direct_to_channel(tx, shared::order::Channel::Store, &[], "x", 1)
    })
    .await;
    assert_eq!(refused.unwrap_err().code, "invalid_channel");
}
