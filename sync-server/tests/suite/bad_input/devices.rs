//! Enrollment codes, enrollment and the device list.

use super::*;

#[tokio::test]
async fn enrollment_codes_enrollment_and_devices() {
    use StatusCode as S;
    let s = TestServer::with_fixture().await;
    let mut m = Matrix::new(&s).await;
    let admin = Some(ADMIN_TOKEN);
    let codes = "/api/v1/enrollment-codes";
    m.expect_code(
        "enrollment code: unknown store -> 404",
        S::NOT_FOUND,
        Some("not_found"),
        post(codes, admin, &json!({"store_code": "STORE-NOPE"})),
    )
    .await;
    m.expect_code(
        "enrollment code: empty store -> 404",
        S::NOT_FOUND,
        Some("not_found"),
        post(codes, admin, &json!({"store_code": ""})),
    )
    .await;
    m.expect_code(
        "enrollment code: a warehouse -> 422",
        S::UNPROCESSABLE_ENTITY,
        Some("not_a_store"),
        post(codes, admin, &json!({"store_code": "WH-1"})),
    )
    .await;
    m.expect_code(
        "enrollment code: store_code a number -> 422",
        S::UNPROCESSABLE_ENTITY,
        Some("invalid_body"),
        post(codes, admin, &json!({"store_code": 1})),
    )
    .await;
    m.expect_code(
        "enrollment code: store_code missing -> 422",
        S::UNPROCESSABLE_ENTITY,
        Some("invalid_body"),
        post(codes, admin, &json!({"store": "STORE-A"})),
    )
    .await;
    m.expect_code(
        "enrollment code: duplicate store_code key -> 422",
        S::UNPROCESSABLE_ENTITY,
        Some("invalid_body"),
        post_raw(codes, admin, Some(JSON), r#"{"store_code":"STORE-A","store_code":"STORE-B"}"#),
    )
    .await;

    let enroll = "/api/v1/enroll";
    let r =
        m.setup("enrollment code for STORE-A", S::CREATED, post(codes, admin, &json!({"store_code": "STORE-A"}))).await;
    let code = r.body["code"].as_str().unwrap().to_string();
    let req = |f: &dyn Fn(&mut Value)| {
        with(json!({"code": code, "device_name": "Counter tablet 1", "protocol_version": 1}), |v| f(v))
    };
    let cases: Vec<(&str, StatusCode, Option<&str>, Value)> = vec![
        (
            "a code HQ never issued",
            S::UNAUTHORIZED,
            Some("invalid_enrollment_code"),
            req(&|v| v["code"] = json!("ABCD-EFGH-JKLM")),
        ),
        ("an empty code", S::UNAUTHORIZED, Some("invalid_enrollment_code"), req(&|v| v["code"] = json!(""))),
        (
            "the code with one character changed",
            S::UNAUTHORIZED,
            Some("invalid_enrollment_code"),
            req(&|v| {
                let c = v["code"].as_str().unwrap().to_string();
                let last = if c.ends_with('A') { 'B' } else { 'A' };
                v["code"] = json!(format!("{}{last}", &c[..c.len() - 1]));
            }),
        ),
        (
            "protocol_version 2",
            S::BAD_REQUEST,
            Some("unsupported_protocol_version"),
            req(&|v| v["protocol_version"] = json!(2)),
        ),
        (
            "protocol_version -1",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            req(&|v| v["protocol_version"] = json!(-1)),
        ),
        (
            "protocol_version \"1\" (string)",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            req(&|v| v["protocol_version"] = json!("1")),
        ),
        (
            "an empty device_name",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_device_name"),
            req(&|v| v["device_name"] = json!("   ")),
        ),
        (
            "a 101-character device_name",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_device_name"),
            req(&|v| v["device_name"] = json!("T".repeat(101))),
        ),
        (
            "a control character in device_name",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_field"),
            req(&|v| v["device_name"] = json!("tab\u{001b}[2J")),
        ),
        (
            "device_name missing",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            req(&|v| {
                v.as_object_mut().unwrap().remove("device_name");
            }),
        ),
        ("the code as a number", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), req(&|v| v["code"] = json!(1234))),
        (
            "an unknown field (store)",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            req(&|v| v["store"] = json!("STORE-B")),
        ),
    ];
    for (what, status, c, body) in cases {
        m.expect_code(&format!("enroll with {what} -> {}", status.as_u16()), status, c, post(enroll, None, &body))
            .await;
    }
    // None of the failed attempts used the code up: it works once, then never again.
    let ok = m.setup("enroll with the right code", S::CREATED, post(enroll, None, &req(&|_| ()))).await;
    let token = ok.body["token"].as_str().unwrap().to_string();
    let device_id = ok.body["device_id"].as_str().unwrap().to_string();
    m.expect_code(
        "enroll with the same code a second time -> 401, no second device",
        S::UNAUTHORIZED,
        Some("invalid_enrollment_code"),
        post(enroll, None, &req(&|_| ())),
    )
    .await;
    m.expect_code(
        "enroll with the same code, lower-case and without dashes -> 401",
        S::UNAUTHORIZED,
        Some("invalid_enrollment_code"),
        post(enroll, None, &req(&|v| v["code"] = json!(code.replace('-', "").to_lowercase()))),
    )
    .await;
    m.expect_code(
        "enroll with the device's own token as the code -> 401",
        S::UNAUTHORIZED,
        Some("invalid_enrollment_code"),
        post(enroll, None, &req(&|v| v["code"] = json!(token.clone()))),
    )
    .await;
    let devices = s.admin_get("/api/v1/devices?store=STORE-A").await;
    if devices.body.as_array().map(|a| a.len()) != Some(1) {
        m.failures.push(format!("enroll: expected exactly one device at STORE-A, got {}", short(&devices.body)));
    }

    m.expect_code(
        "revoke an unknown device UUID -> 404",
        S::NOT_FOUND,
        Some("not_found"),
        Req::new(Method::POST, &format!("/api/v1/devices/{}/revoke", random_id()), admin),
    )
    .await;
    m.expect_code(
        "revoke a non-UUID device id -> 404",
        S::NOT_FOUND,
        Some("not_found"),
        Req::new(Method::POST, "/api/v1/devices/tablet-1/revoke", admin),
    )
    .await;
    m.expect_code(
        "revoke with the device token instead of an id -> 404",
        S::NOT_FOUND,
        Some("not_found"),
        Req::new(Method::POST, &format!("/api/v1/devices/{token}/revoke"), admin),
    )
    .await;
    m.expect_code(
        "a device revoking itself -> 401",
        S::UNAUTHORIZED,
        None,
        Req::new(Method::POST, &format!("/api/v1/devices/{device_id}/revoke"), Some(&token)),
    )
    .await;
    m.finish("enrollment").await;
}
