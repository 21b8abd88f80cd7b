//! Malformed JSON bodies, wrong content types and oversized bodies, the same matrix for
//! every JSON endpoint.

use super::*;

/// The same bad-body matrix for every JSON endpoint.
async fn body_matrix(
    m: &mut Matrix<'_>,
    name: &str,
    path: &str,
    token: Option<&str>,
    valid: &Value,
    oversized: Value,
    empty_is_valid: bool,
) {
    use StatusCode as S;
    let valid_bytes = serde_json::to_vec(valid).unwrap();
    m.expect_code(
        &format!("{name}: malformed JSON"),
        S::BAD_REQUEST,
        Some("malformed_json"),
        post_raw(path, token, Some(JSON), &b"{,}"[..]),
    )
    .await;
    let truncated = valid_bytes[..valid_bytes.len() / 2].to_vec();
    m.expect_code(
        &format!("{name}: valid body cut off halfway"),
        S::BAD_REQUEST,
        Some("malformed_json"),
        post_raw(path, token, Some(JSON), truncated),
    )
    .await;
    m.expect_code(
        &format!("{name}: empty body"),
        S::BAD_REQUEST,
        Some("malformed_json"),
        post_raw(path, token, Some(JSON), Vec::new()),
    )
    .await;
    let mut trailing = valid_bytes.clone();
    trailing.extend_from_slice(b" {}garbage");
    m.expect_code(
        &format!("{name}: valid JSON followed by garbage"),
        S::BAD_REQUEST,
        Some("malformed_json"),
        post_raw(path, token, Some(JSON), trailing),
    )
    .await;
    m.expect_code(
        &format!("{name}: invalid UTF-8 inside a string"),
        S::BAD_REQUEST,
        Some("malformed_json"),
        post_raw(path, token, Some(JSON), &b"{\"\xff\xfe\": 1}"[..]),
    )
    .await;
    m.expect_code(
        &format!("{name}: single quotes instead of JSON"),
        S::BAD_REQUEST,
        Some("malformed_json"),
        post_raw(path, token, Some(JSON), &b"{'a': 1}"[..]),
    )
    .await;
    m.expect_code(
        &format!("{name}: JSON array instead of object"),
        S::UNPROCESSABLE_ENTITY,
        Some("invalid_body"),
        post(path, token, &json!([])),
    )
    .await;
    m.expect_code(
        &format!("{name}: JSON array of the object"),
        S::UNPROCESSABLE_ENTITY,
        Some("invalid_body"),
        post(path, token, &json!([valid])),
    )
    .await;
    m.expect_code(
        &format!("{name}: JSON null"),
        S::UNPROCESSABLE_ENTITY,
        Some("invalid_body"),
        post(path, token, &Value::Null),
    )
    .await;
    m.expect_code(
        &format!("{name}: JSON number"),
        S::UNPROCESSABLE_ENTITY,
        Some("invalid_body"),
        post(path, token, &json!(42)),
    )
    .await;
    m.expect_code(
        &format!("{name}: JSON string"),
        S::UNPROCESSABLE_ENTITY,
        Some("invalid_body"),
        post(path, token, &json!("hello")),
    )
    .await;
    if empty_is_valid {
        // Every part is optional: an empty object is a valid no-op, not bad input.
    } else {
        m.expect_code(
            &format!("{name}: empty object"),
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            post(path, token, &json!({})),
        )
        .await;
    }
    let unknown = with(valid.clone(), |v| v["zz_unknown_field"] = json!(true));
    m.expect_code(
        &format!("{name}: unknown top-level field"),
        S::UNPROCESSABLE_ENTITY,
        Some("invalid_body"),
        post(path, token, &unknown),
    )
    .await;
    m.expect_code(
        &format!("{name}: text/plain content type"),
        S::UNSUPPORTED_MEDIA_TYPE,
        Some("unsupported_media_type"),
        post_raw(path, token, Some("text/plain"), valid_bytes.clone()),
    )
    .await;
    m.expect_code(
        &format!("{name}: form content type"),
        S::UNSUPPORTED_MEDIA_TYPE,
        Some("unsupported_media_type"),
        post_raw(path, token, Some("application/x-www-form-urlencoded"), valid_bytes.clone()),
    )
    .await;
    m.expect_code(
        &format!("{name}: no content type"),
        S::UNSUPPORTED_MEDIA_TYPE,
        Some("unsupported_media_type"),
        post_raw(path, token, None, valid_bytes.clone()),
    )
    .await;
    let size = serde_json::to_vec(&oversized).unwrap();
    let label = format!("{name}: body of {} bytes over the limit", size.len());
    m.expect_code(&label, S::PAYLOAD_TOO_LARGE, Some("body_too_large"), post_raw(path, token, Some(JSON), size)).await;
}

#[tokio::test]
async fn malformed_bodies_are_refused_by_every_json_endpoint() {
    use StatusCode as S;
    let s = TestServer::with_fixture().await;
    let device = s.enrol("STORE-A").await;
    let mut m = Matrix::new(&s).await;
    let admin = Some(ADMIN_TOKEN);

    let import = json!({"styles": [{"code": "ST-2", "name": "外套", "category": "coats", "list_price": 99900}]});
    let big = with(import.clone(), |v| v["styles"][0]["name"] = json!(big_string(32 * MIB + 1024)));
    body_matrix(&mut m, "POST /api/v1/import", "/api/v1/import", admin, &import, big, true).await;

    let adj = valid_adjustment("MAL-1", 1);
    let big = with(adj.clone(), |v| v["lines"][0]["note"] = json!(big_string(16 * MIB + 1024)));
    body_matrix(&mut m, "POST /api/v1/stock/adjustments", "/api/v1/stock/adjustments", admin, &adj, big, false).await;

    let hold = valid_hold("MAL-R", json!(1));
    let big = with(hold.clone(), |v| v["reference"] = json!(big_string(MIB + 1024)));
    body_matrix(&mut m, "POST /api/v1/reservations", "/api/v1/reservations", admin, &hold, big, false).await;

    let o = order("MAL-O", "pickup", Some("STORE-A"), &[("SKU-1", 1)]);
    let big = with(o.clone(), |v| v["customer"]["address"] = json!(big_string(MIB + 1024)));
    body_matrix(&mut m, "POST /api/v1/orders", "/api/v1/orders", admin, &o, big, false).await;

    let code = json!({"store_code": "STORE-A"});
    let big = json!({"store_code": big_string(MIB + 1024)});
    body_matrix(&mut m, "POST /api/v1/enrollment-codes", "/api/v1/enrollment-codes", admin, &code, big, false).await;

    let enroll = json!({"code": "ABCD-EFGH-JKLM", "device_name": "tablet", "protocol_version": 1});
    let big = with(enroll.clone(), |v| v["device_name"] = json!(big_string(MIB + 1024)));
    body_matrix(&mut m, "POST /api/v1/enroll", "/api/v1/enroll", None, &enroll, big, false).await;

    let push = batch(1, "STORE-A-A", vec![count_op(json!(4))]);
    let big = batch(
        1,
        "STORE-A-A",
        vec![
            json!({"kind": "RejectFulfillment", "fulfillment_order_id": uuid::Uuid::now_v7(), "reason": big_string(4 * MIB + 1024)}),
        ],
    );
    body_matrix(&mut m, "POST /api/v1/sync/push", "/api/v1/sync/push", Some(device.as_str()), &push, big, false).await;

    // The object's fields as a positional JSON array: the wrong shape, however familiar.
    let positional: Vec<(&str, &str, Value)> = vec![
        (
            "POST /api/v1/import",
            "/api/v1/import",
            json!([[], [{"code": "ST-2", "name": "外套", "category": "coats", "list_price": 99900}]]),
        ),
        (
            "POST /api/v1/stock/adjustments",
            "/api/v1/stock/adjustments",
            json!(["ARR-1", [["STORE-A", "SKU-1", "sellable", 1, "note"]]]),
        ),
        ("POST /api/v1/reservations", "/api/v1/reservations", json!(["ARR-R", "STORE-A", "SKU-1", 1])),
        (
            "POST /api/v1/orders",
            "/api/v1/orders",
            json!([
                "tmall",
                "ARR-O",
                "pickup",
                ["张三", "13800001234", "", null],
                "STORE-A",
                null,
                [["SKU-1", 1, 59900, 0]]
            ]),
        ),
        ("POST /api/v1/enrollment-codes", "/api/v1/enrollment-codes", json!(["STORE-A"])),
    ];
    for (name, path, body) in positional {
        m.expect_code(
            &format!("{name}: the fields as a positional array"),
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            post(path, admin, &body),
        )
        .await;
    }
    m.finish("malformed bodies").await;
}
