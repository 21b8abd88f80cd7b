//! HQ sets how long staff PINs must be; an import with a shorter PIN is refused whole.

use crate::common::{Reply, TestServer};
use reqwest::StatusCode;
use serde_json::json;

fn staff(pin: &str) -> serde_json::Value {
    json!({ "staff": [{ "id": "STORE-A-X", "store_code": "STORE-A", "name": "新员工", "role": "associate", "pin": pin }] })
}

#[tokio::test]
async fn an_import_with_a_pin_shorter_than_hqs_policy_is_refused() {
    let s = TestServer::with_fixture().await;
    let r = s.admin_get("/api/v1/settings/pin-policy").await;
    assert_eq!((r.status, r.body.clone()), (StatusCode::OK, json!({ "min_length": 4 })), "the default");
    assert_eq!(s.admin_post("/api/v1/import", staff("1234")).await.status, StatusCode::OK);

    let put = |body: serde_json::Value| s.admin_put("/api/v1/settings/pin-policy", body);
    let before = s.fingerprint().await;
    for bad in [
        json!({"min_length": 3}),
        json!({"min_length": 9}),
        json!({"min_length": "6"}),
        json!({}),
        json!({"min_length": 6, "x": 1}),
    ] {
        let Reply { status, body } = put(bad.clone()).await;
        assert!(status.is_client_error(), "{bad}: {status} {body}");
        assert!(body["error"]["code"].is_string(), "{body}");
    }
    assert_eq!(s.admin_get("/api/v1/settings/pin-policy").await.body, json!({ "min_length": 4 }));
    let Reply { status, body } = put(json!({ "min_length": 6 })).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "min_length": 6 })));

    let r = s.admin_post("/api/v1/import", staff("2468")).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "pin_too_short"), "{}", r.body);
    assert!(r.body["error"]["message"].as_str().unwrap().contains("at least 6 digits"), "{}", r.body);
    assert_eq!(s.fingerprint().await, before, "nothing was imported");
    assert_eq!(s.admin_post("/api/v1/import", staff("246810")).await.status, StatusCode::OK);
}
