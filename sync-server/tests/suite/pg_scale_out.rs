//! Several stateless sync-server processes on one PostgreSQL database: no oversell, a
//! retried push applied once wherever it lands, a pull cursor that never skips a change,
//! and 503 + Retry-After under backpressure and database outages. Always PostgreSQL.

use crate::common;
use crate::common::{batch, order, Database, HqClient, HqProcess, Proxy, ADMIN_TOKEN};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;

async fn post(hq: &HqClient, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
    hq.device_post(token, path, body).await.into()
}

async fn get(hq: &HqClient, path: &str, token: &str) -> (StatusCode, Value) {
    hq.device_get(token, path).await.into()
}

async fn cluster(n: usize) -> (Database, Vec<HqProcess>) {
    let db = Database::fresh_postgres();
    let mut instances = Vec::new();
    for _ in 0..n {
        instances.push(common::instance(&db.url).await);
    }
    instances[0].import(&common::fixture()).await;
    (db, instances)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pg_scale_out_reservations_never_oversell_across_three_instances() {
    let (_db, inst) = cluster(3).await;
    let top_up = json!({"batch_id": "ten", "lines": [{"node_code": "STORE-B", "sku_code": "SKU-3", "quality": "sellable", "delta": 6, "note": "to 10"}]});
    assert_eq!(post(&inst[0], "/api/v1/stock/adjustments", ADMIN_TOKEN, &top_up).await.0, StatusCode::OK);
    let mut tasks = Vec::new();
    for i in 0..60 {
        let base = inst[i % 3].hq().clone();
        tasks.push(tokio::spawn(async move {
            let body = json!({"reference": format!("c{i}"), "node_code": "STORE-B", "sku_code": "SKU-3", "qty": 1});
            post(&base, "/api/v1/reservations", ADMIN_TOKEN, &body).await.0
        }));
    }
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 10);
    let (_, stock) = get(&inst[2], "/api/v1/stock?node=STORE-B&sku=SKU-3", ADMIN_TOKEN).await;
    assert_eq!(stock[0]["reserved"], 10);
    inst[1].assert_audit_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pg_scale_out_a_push_retried_on_another_instance_applies_once() {
    let (_db, inst) = cluster(2).await;
    let (_, o) =
        post(&inst[0], "/api/v1/orders", ADMIN_TOKEN, &order("TM-S", "pickup", Some("STORE-A"), &[("SKU-1", 2)])).await;
    let fo = o["fulfillment_orders"][0]["id"].as_str().unwrap().to_string();
    let token = inst[1].enrol("STORE-A").await;
    let push = batch(
        1,
        "STORE-A-A",
        vec![
            json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo}),
            json!({"kind": "StartPick", "fulfillment_order_id": fo}),
            json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": 1, "picked": 2}]}),
            json!({"kind": "MarkReady", "fulfillment_order_id": fo}),
        ],
    );
    // The same batch lands on both instances at once (a retry racing the original).
    let (a, b) = tokio::join!(
        post(&inst[0], "/api/v1/sync/push", &token, &push),
        post(&inst[1], "/api/v1/sync/push", &token, &push)
    );
    assert_eq!((a.0, b.0), (StatusCode::OK, StatusCode::OK), "{} {}", a.1, b.1);
    assert_eq!(a.1, b.1, "both answers carry the stored results");
    for r in a.1["results"].as_array().unwrap() {
        assert_eq!(r["outcome"]["status"], "applied", "{r}");
    }
    let again = post(&inst[1], "/api/v1/sync/push", &token, &push).await;
    assert_eq!(again.1, a.1);
    // One pickup code, one state change each: exactly once.
    let (_, notes) = post(&inst[0], "/api/v1/notifications/claim", ADMIN_TOKEN, &json!({})).await;
    assert_eq!(notes.as_array().unwrap().iter().filter(|n| n["fulfillment_order_id"] == fo.as_str()).count(), 1);
    let (_, order) = get(&inst[1], &format!("/api/v1/orders/{}", o["id"].as_str().unwrap()), ADMIN_TOKEN).await;
    assert_eq!(order["fulfillment_orders"][0]["state"], "ready_for_pickup");
    assert_eq!(order["fulfillment_orders"][0]["version"], 5, "routed + 4 applied ops");
    inst[0].assert_audit_clean().await;
}

async fn pull_until_quiet(bases: &[HqClient], token: &str, cursor: &mut String, seen: &mut HashSet<String>) {
    for i in 0.. {
        let base = &bases[i % bases.len()];
        let (s, p) = get(base, &format!("/api/v1/sync/pull?cursor={cursor}&limit=7"), token).await;
        assert_eq!(s, StatusCode::OK, "{p}");
        for c in p["changes"].as_array().unwrap() {
            let key = c["id"].as_str().or(c["code"].as_str()).or(c["sku_code"].as_str()).unwrap_or_default();
            seen.insert(format!("{}:{key}", c["entity"].as_str().unwrap()));
        }
        *cursor = p["cursor"].as_str().unwrap().to_string();
        if !p["has_more"].as_bool().unwrap() {
            return;
        }
    }
}

/// Pulls until every `wanted` change was seen; fails after 30 s with what is missing.
async fn pull_until_seen(
    bases: &[HqClient],
    token: &str,
    cursor: &mut String,
    seen: &mut HashSet<String>,
    wanted: &[String],
) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        pull_until_quiet(bases, token, cursor, seen).await;
        let missing: Vec<&String> = wanted.iter().filter(|w| !seen.contains(*w)).collect();
        if missing.is_empty() {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "pull skipped {missing:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pg_scale_out_pull_cursor_never_skips_a_change_committed_late() {
    let (db, inst) = cluster(2).await;
    let bases: Vec<HqClient> = inst.iter().map(|i| i.hq().clone()).collect();
    let token = bases[0].enrol("STORE-A").await;
    let mut cursor = "0".to_string();
    let mut seen = HashSet::new();
    pull_until_quiet(&bases, &token, &mut cursor, &mut seen).await;

    // The classic trap: a transaction takes a change-log sequence number, then commits
    // after a transaction with a higher number. Hold one open on a thread of its own.
    let url = db.url.clone();
    let (took_seq, took_seq_rx) = std::sync::mpsc::channel();
    let (commit, commit_rx) = std::sync::mpsc::channel::<()>();
    let slow = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let mut t = c.transaction().unwrap();
        t.execute("INSERT INTO change_log (scope, entity, entity_key) VALUES ('STORE-A', 'staff', 'STORE-A-A')", &[])
            .unwrap();
        took_seq.send(()).unwrap();
        commit_rx.recv().unwrap();
        t.commit().unwrap();
    });
    took_seq_rx.recv().unwrap();
    // A later change commits first, through the other instance.
    let (s, o) =
        post(&bases[1], "/api/v1/orders", ADMIN_TOKEN, &order("TM-LATE", "pickup", Some("STORE-A"), &[("SKU-2", 1)]))
            .await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    let fo = format!("fulfillment_order:{}", o["fulfillment_orders"][0]["id"].as_str().unwrap());
    seen.clear();
    pull_until_quiet(&bases, &token, &mut cursor, &mut seen).await;
    assert!(!seen.contains("staff:STORE-A-A"), "an uncommitted change was served");
    // Now the slow transaction commits; the device must still get its change. (Other
    // tests' open transactions in the cluster may delay it: poll, bounded.)
    commit.send(()).unwrap();
    slow.join().unwrap();
    let wanted = ["staff:STORE-A-A".to_string(), fo];
    pull_until_seen(&bases, &token, &mut cursor, &mut seen, &wanted).await;

    // Many writers through every instance while the device pulls: it sees every order.
    let top_up = json!({"batch_id": "deep", "lines": [{"node_code": "STORE-A", "sku_code": "SKU-1", "quality": "sellable", "delta": 500, "note": "x"}]});
    post(&bases[0], "/api/v1/stock/adjustments", ADMIN_TOKEN, &top_up).await;
    let mut writers = Vec::new();
    for w in 0..4 {
        let bases = bases.clone();
        writers.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..8 {
                let (s, o) = post(
                    &bases[(w + i) % 2],
                    "/api/v1/orders",
                    ADMIN_TOKEN,
                    &order(&format!("TM-{w}-{i}"), "pickup", Some("STORE-A"), &[("SKU-1", 1)]),
                )
                .await;
                assert_eq!(s, StatusCode::CREATED, "{o}");
                ids.push(format!("fulfillment_order:{}", o["fulfillment_orders"][0]["id"].as_str().unwrap()));
            }
            ids
        }));
    }
    let mut seen = HashSet::new();
    while !writers.iter().all(|w| w.is_finished()) {
        pull_until_quiet(&bases, &token, &mut cursor, &mut seen).await;
    }
    let mut expected = Vec::new();
    for w in writers {
        expected.extend(w.await.unwrap());
    }
    pull_until_seen(&bases, &token, &mut cursor, &mut seen, &expected).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pg_scale_out_pool_exhaustion_and_database_outage_give_503_and_lose_nothing() {
    let db = Database::fresh_postgres();
    let pg: std::net::SocketAddr = "127.0.0.1:5432".parse().unwrap();
    let proxy = Proxy::start(pg).await;
    let name = db.url.rsplit('/').next().unwrap().to_string();
    let via_proxy = format!("postgres://postgres@127.0.0.1:{}/{name}?pool_size=1", proxy.port);
    let inst = common::instance(&via_proxy).await;
    inst.import(&common::fixture()).await;

    // Pool exhaustion: the only connection waits on a lock; the next request gets 503.
    let url = db.url.clone();
    let (locked, locked_rx) = std::sync::mpsc::channel();
    let (unlock, unlock_rx) = std::sync::mpsc::channel::<()>();
    let locker = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let mut t = c.transaction().unwrap();
        t.batch_execute("LOCK TABLE stock_balance IN ACCESS EXCLUSIVE MODE").unwrap();
        locked.send(()).unwrap();
        unlock_rx.recv().unwrap();
        t.commit().unwrap();
    });
    locked_rx.recv().unwrap();
    let held = {
        let base = inst.hq().clone();
        tokio::spawn(async move {
            post(
                &base,
                "/api/v1/reservations",
                ADMIN_TOKEN,
                &json!({"reference": "held", "node_code": "STORE-A", "sku_code": "SKU-1", "qty": 1}),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = inst.client.get(inst.url("/api/v1/stock/audit")).bearer_auth(ADMIN_TOKEN).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));
    unlock.send(()).unwrap();
    locker.join().unwrap();
    assert_eq!(held.await.unwrap().0, StatusCode::CREATED, "the waiting request completes once the lock goes");

    // Database outage: every request is a 503 with Retry-After, and a push retried after
    // the database is back applies once.
    let (_, o) =
        post(&inst, "/api/v1/orders", ADMIN_TOKEN, &order("TM-O", "pickup", Some("STORE-A"), &[("SKU-1", 1)])).await;
    let fo = o["fulfillment_orders"][0]["id"].as_str().unwrap().to_string();
    let token = inst.enrol("STORE-A").await;
    proxy.cut();
    let push = batch(1, "STORE-A-A", vec![json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo})]);
    for _ in 0..2 {
        let r = inst.client.post(inst.url("/api/v1/sync/push")).bearer_auth(&token).json(&push).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(r.headers().contains_key("retry-after"));
    }
    proxy.restore().await;
    let mut applied = None;
    for _ in 0..20 {
        let (s, r) = post(&inst, "/api/v1/sync/push", &token, &push).await;
        if s == StatusCode::OK {
            applied = Some(r);
            break;
        }
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{r}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let applied = applied.expect("the push went through once the database was back");
    assert_eq!(applied["results"][0]["outcome"]["status"], "applied");
    let (_, order) = get(&inst, &format!("/api/v1/orders/{}", o["id"].as_str().unwrap()), ADMIN_TOKEN).await;
    assert_eq!(order["fulfillment_orders"][0]["version"], 2, "accepted exactly once");
    inst.assert_audit_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pg_scale_out_unrelated_open_transactions_do_not_delay_a_change() {
    let (db, inst) = cluster(2).await;
    let bases: Vec<HqClient> = inst.iter().map(|i| i.hq().clone()).collect();
    let token = bases[0].enrol("STORE-A").await;
    let mut cursor = "0".to_string();
    let mut seen = HashSet::new();
    pull_until_quiet(&bases, &token, &mut cursor, &mut seen).await;

    // Sessions idle in a transaction that holds a transaction id: one in another database
    // of the same server, one in ours that never touches the change log.
    let (ready, ready_rx) = std::sync::mpsc::channel();
    let (done, done_rx) = std::sync::mpsc::channel::<()>();
    let idle = std::thread::spawn(move || {
        let mut clients: Vec<postgres::Client> = [common::postgres_admin_url(), db.url.clone()]
            .iter()
            .map(|url| postgres::Client::connect(url, postgres::NoTls).unwrap())
            .collect();
        let mut open = Vec::new();
        for c in clients.iter_mut() {
            let mut t = c.transaction().unwrap();
            t.query_one("SELECT pg_current_xact_id()::text", &[]).unwrap();
            open.push(t);
        }
        ready.send(()).unwrap();
        done_rx.recv().unwrap();
        drop(open);
        db
    });
    ready_rx.recv().unwrap();
    for (i, base) in bases.iter().enumerate() {
        let (s, o) = post(
            base,
            "/api/v1/orders",
            ADMIN_TOKEN,
            &order(&format!("TM-NOW-{i}"), "pickup", Some("STORE-A"), &[("SKU-2", 1)]),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{o}");
        let fo = format!("fulfillment_order:{}", o["fulfillment_orders"][0]["id"].as_str().unwrap());
        // Visible to the very next pull, on either instance.
        seen.clear();
        pull_until_quiet(&bases[i..=i], &token, &mut cursor, &mut seen).await;
        assert!(seen.contains(&fo), "the change waited for unrelated transactions: saw {seen:?}");
    }
    done.send(()).unwrap();
    let _db = idle.join().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pg_scale_out_an_endless_aisle_order_that_loses_a_stock_race_is_retried_by_the_server() {
    let (db, inst) = cluster(1).await;
    let base = inst[0].hq();
    let token = base.enrol("STORE-A").await;
    // Another transaction takes STORE-B's SKU-3 (the nearest stock) while the order is
    // being routed: it holds the balance row until the push waits for it, then commits.
    let url = db.url.clone();
    let (took, took_rx) = std::sync::mpsc::channel();
    let (commit, commit_rx) = std::sync::mpsc::channel::<()>();
    let rival = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let mut t = c.transaction().unwrap();
        t.execute(
            "UPDATE stock_balance SET locked = locked + 4 WHERE node_code = 'STORE-B' AND sku_code = 'SKU-3'",
            &[],
        )
        .unwrap();
        took.send(()).unwrap();
        commit_rx.recv().unwrap();
        t.commit().unwrap();
    });
    took_rx.recv().unwrap();
    let place = batch(
        1,
        "STORE-A-A",
        vec![json!({
            "kind": "PlaceOrder", "order_id": uuid::Uuid::now_v7(), "fulfillment": "ship", "payment_ref": "POS-1",
            "customer": { "name": "李四", "phone": "13900001234", "address": "上海市黄浦区", "location": { "lat": 31.23, "lon": 121.47 } },
            "lines": [{ "sku_code": "SKU-3", "qty": 1, "unit_price": 59900, "discount": 0 }],
        })],
    );
    let pushing = {
        let (base, token, place) = (base.clone(), token.clone(), place.clone());
        tokio::spawn(async move { post(&base, "/api/v1/sync/push", &token, &place).await })
    };
    // Wait (bounded) until the push is blocked on the balance row, then let the rival commit.
    let url = db.url.clone();
    let blocked = tokio::task::spawn_blocking(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        for _ in 0..200 {
            let n: i64 = c
                .query_one("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", &[])
                .unwrap()
                .get(0);
            if n > 0 {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    })
    .await
    .unwrap();
    commit.send(()).unwrap();
    rival.join().unwrap();
    assert!(blocked, "the push never waited for the rival's row; the race was not staged");
    let (s, r) = pushing.await.unwrap();
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["results"][0]["outcome"]["status"], "applied", "routed to the stock still held elsewhere: {r}");
    // A replay answers the same.
    let (_, again) = post(base, "/api/v1/sync/push", &token, &place).await;
    assert_eq!(again, r);
    let (_, wh) = get(base, "/api/v1/stock?node=WH-1&sku=SKU-3", ADMIN_TOKEN).await;
    assert_eq!(wh[0]["reserved"], 1, "{wh}");
    let url = db.url.clone();
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.execute(
            "UPDATE stock_balance SET locked = locked - 4 WHERE node_code = 'STORE-B' AND sku_code = 'SKU-3'",
            &[],
        )
        .unwrap();
    })
    .join()
    .unwrap();
    base.assert_audit_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pg_scale_out_a_device_ahead_of_a_restored_database_is_told_to_start_over() {
    let (db, inst) = cluster(1).await;
    let token = inst[0].enrol("STORE-A").await;
    let mut cursor = "0".to_string();
    let mut seen = HashSet::new();
    pull_until_quiet(std::slice::from_ref(inst[0].hq()), &token, &mut cursor, &mut seen).await;
    // HQ backs up the database, goes on (the device pulls what follows), then restores the
    // backup and points the server at it.
    drop(inst);
    let name = db.url.rsplit('/').next().unwrap().to_string();
    let backup = Database::fresh_postgres();
    let backup_name = backup.url.rsplit('/').next().unwrap().to_string();
    // The killed instances' sessions take a moment to end; a template must have none.
    let copied = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&common::postgres_admin_url(), postgres::NoTls).unwrap();
        c.batch_execute(&format!("DROP DATABASE {backup_name}")).unwrap();
        for _ in 0..100 {
            if c.batch_execute(&format!("CREATE DATABASE {backup_name} TEMPLATE {name}")).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    })
    .join()
    .unwrap();
    assert!(copied, "could not copy the database");
    let live = common::instance(&db.url).await;
    for i in 0..3 {
        let (s, o) = post(
            &live,
            "/api/v1/orders",
            ADMIN_TOKEN,
            &order(&format!("TM-AFTER-{i}"), "pickup", Some("STORE-A"), &[("SKU-1", 1)]),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{o}");
    }
    pull_until_quiet(std::slice::from_ref(live.hq()), &token, &mut cursor, &mut seen).await;
    drop(live);
    let restored = common::instance(&backup.url).await;
    let (s, r) = get(&restored, &format!("/api/v1/sync/pull?cursor={cursor}"), &token).await;
    assert_eq!((s, r["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("cursor_ahead")), "{r}");
    // Starting over works, and serves the restored state (without the orders made after).
    let mut fresh = "0".to_string();
    let mut again = HashSet::new();
    pull_until_quiet(std::slice::from_ref(restored.hq()), &token, &mut fresh, &mut again).await;
    assert!(again.iter().any(|k| k.starts_with("node:")), "{again:?}");
    assert!(!again.iter().any(|k| k.starts_with("fulfillment_order:")), "{again:?}");
}
