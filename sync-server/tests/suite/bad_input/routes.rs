//! Unknown routes and wrong methods get JSON errors.

use super::*;

#[tokio::test]
async fn unknown_routes_and_wrong_methods_get_json_errors() {
    use StatusCode as S;
    let s = TestServer::with_fixture().await;
    let mut m = Matrix::new(&s).await;
    let admin = Some(ADMIN_TOKEN);
    let id = random_id();
    let not_found: Vec<(Method, String)> = vec![
        (Method::GET, "/".into()),
        (Method::GET, "/api/v1/nope".into()),
        (Method::GET, "/api/v2/orders".into()),
        (Method::POST, "/api/v1/orders/x/y/z".into()),
        (Method::GET, format!("/api/v1/orders/{id}/lines")),
        (Method::POST, "/api/v1/devices//revoke".into()),
        (Method::GET, "/API/V1/ORDERS".into()),
    ];
    for (method, p) in not_found {
        m.expect_code(
            &format!("{method} {p} -> 404"),
            S::NOT_FOUND,
            Some("not_found"),
            Req::new(method.clone(), &p, admin),
        )
        .await;
    }
    let wrong_method: Vec<(Method, String)> = vec![
        (Method::GET, "/api/v1/orders".into()),
        (Method::PUT, "/api/v1/import".into()),
        (Method::GET, "/api/v1/import".into()),
        (Method::GET, "/api/v1/sync/push".into()),
        (Method::POST, "/api/v1/sync/pull".into()),
        (Method::POST, "/api/v1/sync/events".into()),
        (Method::GET, "/api/v1/enroll".into()),
        (Method::POST, "/healthz".into()),
        (Method::PUT, "/api/v1/stock/adjustments".into()),
        (Method::POST, "/api/v1/stock/audit".into()),
        (Method::DELETE, format!("/api/v1/orders/{id}")),
        (Method::PATCH, format!("/api/v1/reservations/{id}")),
        (Method::GET, "/api/v1/notifications/claim".into()),
        (Method::DELETE, "/api/v1/devices".into()),
        (Method::DELETE, "/api/v1/reservations".into()),
    ];
    for (method, p) in wrong_method {
        let req = Req::new(method.clone(), &p, admin).content_type(Some(JSON)).body(&b"{}"[..]);
        m.expect_code(&format!("{method} {p} -> 405"), S::METHOD_NOT_ALLOWED, Some("method_not_allowed"), req).await;
    }
    m.finish("routes").await;
}
