//! Rejections the web framework makes on its own (a path segment that is not UTF-8, and
//! the like) get the API's JSON error body with a stable code, never plain text, and
//! change nothing. (Issue 9, item 7: `GET /api/v1/orders/%FF` answered a plain-text 400.)

use crate::common::{TestServer, ADMIN_TOKEN};
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn path_ids_that_are_not_utf8_get_a_json_400() {
    let s = TestServer::with_fixture().await;
    let before = s.fingerprint().await;
    let cases = [
        (Method::GET, "/api/v1/orders/%FF"),
        (Method::POST, "/api/v1/orders/%FF/cancel"),
        (Method::DELETE, "/api/v1/reservations/%C3%28"),
        (Method::POST, "/api/v1/fulfillment-orders/%FE%FF/delivered"),
        (Method::POST, "/api/v1/devices/abc%80/revoke"),
    ];
    let mut failures = Vec::new();
    for (method, path) in cases {
        let r = s
            .client
            .request(method.clone(), format!("{}{path}", s.base))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let content_type = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
        let text = r.text().await.unwrap();
        let body: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        let ok = status == StatusCode::BAD_REQUEST
            && content_type.as_deref() == Some("application/json")
            && body["error"]["code"] == "invalid_path"
            && body["error"]["message"].as_str().is_some_and(|m| !m.is_empty());
        if !ok {
            failures.push(format!("{method} {path}: {status} {content_type:?} {text}"));
        }
    }
    assert!(failures.is_empty(), "not JSON 400 invalid_path:\n{}", failures.join("\n"));
    assert_eq!(s.fingerprint().await, before);
    let r = s.client.get(format!("{}/healthz", s.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}
