//! Every endpoint demands its credential: none, a wrong one, the other kind.

use super::*;

#[tokio::test]
async fn every_endpoint_demands_the_right_credential() {
    use StatusCode as S;
    let s = TestServer::with_fixture().await;
    let device = s.enrol("STORE-A").await;
    let revoked = s.enrol("STORE-B").await;
    let devices = s.admin_get("/api/v1/devices?store=STORE-B").await;
    let revoked_id = devices.body.as_array().unwrap()[0]["id"].as_str().unwrap().to_string();
    let r = s.admin_post(&format!("/api/v1/devices/{revoked_id}/revoke"), Value::Null).await;
    assert_eq!(r.status, S::NO_CONTENT, "{}", r.body);
    let mut m = Matrix::new(&s).await;
    let some_id = random_id();

    let admin_endpoints: Vec<(&str, Method, String, Option<Value>)> = vec![
        (
            "import",
            Method::POST,
            "/api/v1/import".into(),
            Some(json!({"styles": [{"code": "ST-X", "name": "x", "category": "shoes", "list_price": 1}]})),
        ),
        ("stock adjustments", Method::POST, "/api/v1/stock/adjustments".into(), Some(valid_adjustment("AUTH-1", 1))),
        ("stock", Method::GET, "/api/v1/stock?node=STORE-A".into(), None),
        ("stock audit", Method::GET, "/api/v1/stock/audit".into(), None),
        ("reservations", Method::POST, "/api/v1/reservations".into(), Some(valid_hold("AUTH-R", json!(1)))),
        ("release reservation", Method::DELETE, format!("/api/v1/reservations/{some_id}"), None),
        (
            "orders",
            Method::POST,
            "/api/v1/orders".into(),
            Some(order("AUTH-O", "pickup", Some("STORE-A"), &[("SKU-1", 1)])),
        ),
        ("order", Method::GET, format!("/api/v1/orders/{some_id}"), None),
        ("cancel order", Method::POST, format!("/api/v1/orders/{some_id}/cancel"), None),
        ("delivered", Method::POST, format!("/api/v1/fulfillment-orders/{some_id}/delivered"), None),
        ("enrollment codes", Method::POST, "/api/v1/enrollment-codes".into(), Some(json!({"store_code": "STORE-A"}))),
        ("devices", Method::GET, "/api/v1/devices".into(), None),
        ("revoke device", Method::POST, format!("/api/v1/devices/{}/revoke", random_id()), None),
        ("conflicts", Method::GET, "/api/v1/conflicts".into(), None),
        ("claim notifications", Method::POST, "/api/v1/notifications/claim".into(), None),
    ];
    let bad_admin_tokens: Vec<(&str, Option<&str>)> = vec![
        ("no token", None),
        ("wrong token", Some("not-the-admin-token")),
        ("device token", Some(device.as_str())),
        ("empty bearer", Some("")),
    ];
    for (name, method, path, body) in &admin_endpoints {
        for (what, token) in &bad_admin_tokens {
            let mut req = Req::new(method.clone(), path, *token);
            if let Some(b) = body {
                req = req.content_type(Some(JSON)).body(serde_json::to_vec(b).unwrap());
            }
            m.expect(&format!("{method} {name} with {what} -> 401"), S::UNAUTHORIZED, req).await;
        }
        let req = Req::new(method.clone(), path, None).auth_raw(format!("Basic {ADMIN_TOKEN}").as_bytes());
        m.expect(&format!("{method} {name} with the admin token as Basic auth -> 401"), S::UNAUTHORIZED, req).await;
        let req = Req::new(method.clone(), path, None).auth_raw(b"Bearer \xff\xfe-not-ascii");
        m.expect(&format!("{method} {name} with a non-ASCII token -> 401"), S::UNAUTHORIZED, req).await;
    }

    let push_body = batch(1, "STORE-A-A", vec![count_op(json!(4))]);
    let device_endpoints: Vec<(&str, Method, &str, Option<Value>)> = vec![
        ("push", Method::POST, "/api/v1/sync/push", Some(push_body)),
        ("pull", Method::GET, "/api/v1/sync/pull?cursor=0", None),
        ("events", Method::GET, "/api/v1/sync/events", None),
    ];
    let garbage = "f".repeat(64);
    let bad_device_tokens: Vec<(&str, Option<&str>)> = vec![
        ("no token", None),
        ("the admin token", Some(ADMIN_TOKEN)),
        ("a garbage token", Some(garbage.as_str())),
        ("a revoked device's token", Some(revoked.as_str())),
        ("empty bearer", Some("")),
    ];
    for (name, method, path, body) in &device_endpoints {
        for (what, token) in &bad_device_tokens {
            let mut req = Req::new(method.clone(), path, *token);
            if let Some(b) = body {
                req = req.content_type(Some(JSON)).body(serde_json::to_vec(b).unwrap());
            }
            m.expect(&format!("{method} {name} with {what} -> 401"), S::UNAUTHORIZED, req).await;
        }
    }
    m.finish("credentials").await;
}
