//! Concurrent reservations never oversell, and holds are idempotent.

use crate::common;
use crate::common::TestServer;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_clients_race_for_ten_units() {
    let s = TestServer::with_fixture().await;
    // Give STORE-B's SKU-3 exactly 10 free units (it has 4).
    let r = s
        .admin_post(
            "/api/v1/stock/adjustments",
            json!({"batch_id": "top-up", "lines": [
                {"node_code": "STORE-B", "sku_code": "SKU-3", "quality": "sellable", "delta": 6, "note": "delivery"}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut tasks = Vec::new();
    for i in 0..64 {
        let client = reqwest::Client::new();
        let url = format!("{}/api/v1/reservations", s.base);
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(common::ADMIN_TOKEN)
                .json(&json!({"reference": format!("cart-{i}"), "node_code": "STORE-B", "sku_code": "SKU-3", "qty": 1}))
                .send()
                .await
                .unwrap();
            r.status()
        }));
    }
    let mut created = 0;
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => refused += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!((created, refused), (10, 54));
    let stock = s.stock("STORE-B", "SKU-3").await;
    assert_eq!((stock.on_hand, stock.reserved), (10, 10));
    s.assert_audit_clean().await;
}

#[tokio::test]
async fn holds_are_idempotent_and_release_once() {
    let s = TestServer::with_fixture().await;
    let body = json!({"reference": "cart-x", "node_code": "STORE-A", "sku_code": "SKU-1", "qty": 2});
    let first = s.admin_post("/api/v1/reservations", body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = s.admin_post("/api/v1/reservations", body).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(s.stock("STORE-A", "SKU-1").await.reserved, 2);
    let id = first.body["id"].as_str().unwrap();
    let released = s.admin_delete(&format!("/api/v1/reservations/{id}")).await;
    assert_eq!(released.body["status"], "released");
    let twice = s.admin_delete(&format!("/api/v1/reservations/{id}")).await;
    assert_eq!(twice.status, StatusCode::OK);
    assert_eq!(s.stock("STORE-A", "SKU-1").await.reserved, 0);
    let too_many = s
        .admin_post(
            "/api/v1/reservations",
            json!({"reference": "cart-y", "node_code": "STORE-A", "sku_code": "SKU-1", "qty": 6}),
        )
        .await;
    assert_eq!((too_many.status, too_many.code()), (StatusCode::CONFLICT, "insufficient_stock"));
    assert!(too_many.body["error"]["message"].as_str().unwrap().contains("only 5"));
    s.assert_audit_clean().await;
}
