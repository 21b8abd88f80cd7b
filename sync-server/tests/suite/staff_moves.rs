//! Staff changes reach every store that holds the record: a staff member moved to another
//! store is pulled by the old store's devices as deactivated (without a PIN hash) and by the
//! new store's devices as active, and the old store's devices can no longer act for them.

use crate::common::{batch, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Pulls from `cursor` until the page names staff member `id`; returns that record and the
/// new cursor. On PostgreSQL a change is served once older writing transactions have ended
/// (other tests run beside this one): polled, bounded.
async fn pull_staff(s: &TestServer, token: &str, mut cursor: String, id: &str) -> (Value, String) {
    for _ in 0..100 {
        let p = s.device_get(token, &format!("/api/v1/sync/pull?cursor={cursor}")).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        cursor = p.body["cursor"].as_str().unwrap().to_string();
        let found =
            p.body["changes"].as_array().unwrap().iter().rev().find(|c| c["entity"] == "staff" && c["id"] == id);
        if let Some(c) = found {
            return (c.clone(), cursor);
        }
        if !p.body["has_more"].as_bool().unwrap() {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    panic!("staff member {id} never came in a pull");
}

async fn cursor_after_bootstrap(s: &TestServer, token: &str) -> String {
    let mut cursor = "0".to_string();
    for _ in 0..100 {
        let p = s.device_get(token, &format!("/api/v1/sync/pull?cursor={cursor}")).await;
        cursor = p.body["cursor"].as_str().unwrap().to_string();
        if !p.body["has_more"].as_bool().unwrap() {
            return cursor;
        }
    }
    panic!("bootstrap never finished");
}

fn staff(store: &str) -> Value {
    json!({"staff": [{"id": "STORE-A-A", "store_code": store, "name": "导购", "role": "associate", "pin": "1234"}]})
}

#[tokio::test]
async fn a_moved_staff_member_is_deactivated_on_the_old_stores_devices_and_active_on_the_new() {
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    let b = s.enrol("STORE-B").await;
    let (a_cursor, b_cursor) = (cursor_after_bootstrap(&s, &a).await, cursor_after_bootstrap(&s, &b).await);

    let r = s.admin_post("/api/v1/import", staff("STORE-B")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let (at_a, a_cursor) = pull_staff(&s, &a, a_cursor, "STORE-A-A").await;
    assert_eq!(at_a["active"], false, "{at_a}");
    assert_eq!(at_a["pin_hash"], "", "store A no longer gets their PIN hash: {at_a}");
    let (at_b, _) = pull_staff(&s, &b, b_cursor, "STORE-A-A").await;
    assert_eq!(at_b["active"], true, "{at_b}");
    assert!(at_b["pin_hash"].as_str().unwrap().starts_with("pbkdf2"), "{at_b}");

    // Store A's devices cannot act for them any more; store B's can.
    let r = s
        .device_post(
            &a,
            "/api/v1/sync/push",
            batch(1, "STORE-A-A", vec![json!({"kind": "StartPick", "fulfillment_order_id": uuid::Uuid::now_v7()})]),
        )
        .await;
    assert_eq!(r.body["results"][0]["outcome"]["code"], "unknown_staff", "{}", r.body);

    // Moved back: store A gets them active again.
    assert_eq!(s.admin_post("/api/v1/import", staff("STORE-A")).await.status, StatusCode::OK);
    let (at_a, _) = pull_staff(&s, &a, a_cursor, "STORE-A-A").await;
    assert_eq!(at_a["active"], true, "{at_a}");
    assert!(at_a["pin_hash"].as_str().unwrap().starts_with("pbkdf2"), "{at_a}");
}
