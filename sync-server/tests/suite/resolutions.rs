//! HQ resolves a conflict with a note; the store whose op raised it (and only that store)
//! gets the resolution for its devices' inbox.

use crate::common::{batch, order, TestServer};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn hq_resolves_a_conflict_and_only_its_store_hears_of_it() {
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    let b = s.enrol("STORE-B").await;
    // A hand-over of a cancelled order: recorded, and flagged for HQ.
    let r = s.admin_post("/api/v1/orders", order("TM-RES", "pickup", Some("STORE-A"), &[("SKU-1", 1)])).await;
    let fo = r.body["fulfillment_orders"][0]["id"].as_str().unwrap().to_string();
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(s.admin_post(&format!("/api/v1/orders/{id}/cancel"), json!(null)).await.status, StatusCode::OK);
    let push = batch(
        1,
        "STORE-A-M",
        vec![
            json!({"kind": "HandOver", "fulfillment_order_id": fo, "verification": {"method": "pickup_code", "code": "12345678"}}),
        ],
    );
    let pushed = s.device_post(&a, "/api/v1/sync/push", push).await;
    let op_id = pushed.body["results"][0]["op_id"].as_str().unwrap().to_string();
    let open = s.admin_get("/api/v1/conflicts").await;
    let conflict = open.body.as_array().unwrap().iter().find(|c| c["op_id"] == op_id.as_str()).unwrap().clone();
    assert_eq!(conflict["resolved_ms"], json!(null));
    let cid = conflict["id"].as_i64().unwrap();
    let resolve = |note: &str| json!({ "note": note });
    let path = format!("/api/v1/conflicts/{cid}/resolve");

    // Bad notes change nothing.
    let before = s.fingerprint().await;
    for bad in [
        json!({"note": ""}),
        json!({"note": "   "}),
        json!({"note": "x".repeat(501)}),
        json!({}),
        json!({"note": "ok", "extra": 1}),
    ] {
        let r = s.admin_post(&path, bad.clone()).await;
        assert!(r.status.is_client_error(), "{bad}: {} {}", r.status, r.body);
        assert!(!r.code().is_empty(), "{}", r.body);
    }
    assert_eq!(s.admin_post("/api/v1/conflicts/999999/resolve", resolve("x")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.admin_post("/api/v1/conflicts/abc/resolve", resolve("x")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.fingerprint().await, before);
    let none = s.device_get(&a, "/api/v1/sync/resolutions").await;
    assert_eq!(none.body["items"], json!([]), "{}", none.body);

    // Resolved: off the open list, on the resolved one, and served to store A only.
    let note = "已联系顾客，货品已追回 / customer contacted, goods recovered";
    let r = s.admin_post(&path, resolve(note)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["resolution_note"], note);
    assert!(r.body["resolved_ms"].as_i64().is_some());
    let again = s.admin_post(&path, resolve(note)).await;
    assert_eq!((again.status, &again.body), (StatusCode::OK, &r.body), "the same resolution again is harmless");
    let other = s.admin_post(&path, resolve("another story")).await;
    assert_eq!((other.status, other.code()), (StatusCode::CONFLICT, "already_resolved"), "{}", other.body);
    let open = s.admin_get("/api/v1/conflicts").await;
    assert!(open.body.as_array().unwrap().iter().all(|c| c["id"] != cid), "{}", open.body);
    let resolved = s.admin_get("/api/v1/conflicts?status=resolved").await;
    assert!(resolved.body.as_array().unwrap().iter().any(|c| c["id"] == cid), "{}", resolved.body);
    assert_eq!(s.admin_get("/api/v1/conflicts?status=closed").await.status, StatusCode::BAD_REQUEST);

    let page = s.device_get(&a, "/api/v1/sync/resolutions").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1, "{}", page.body);
    assert_eq!(page.body["items"][0]["op_id"], op_id.as_str());
    assert_eq!(page.body["items"][0]["note"], note);
    assert_eq!(page.body["next"], json!(null));
    let elsewhere = s.device_get(&b, "/api/v1/sync/resolutions").await;
    assert_eq!(elsewhere.body["items"], json!([]), "another store's devices hear nothing: {}", elsewhere.body);
    // Paging goes on after the last item; a made-up cursor is refused clearly.
    let after = format!("{}/{cid}", r.body["resolved_ms"].as_i64().unwrap());
    let rest = s.device_get(&a, &format!("/api/v1/sync/resolutions?after={after}")).await;
    assert_eq!(rest.body["items"], json!([]), "{}", rest.body);
    let bad = s.device_get(&a, "/api/v1/sync/resolutions?after=yesterday").await;
    assert_eq!((bad.status, bad.code()), (StatusCode::BAD_REQUEST, "invalid_query"), "{}", bad.body);
}
