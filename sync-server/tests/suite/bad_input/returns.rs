//! Returns: malformed look-ups, return policies and refund calls get a clear 4xx and change
//! nothing; a return op that cannot be recorded is rejected without booking anything, and
//! one that can (bad quantities for the order, unknown lines, cancelled orders, replays) is
//! booked once and flagged, never refunded beyond what was paid.

use super::*;

#[tokio::test]
async fn malformed_look_ups_policies_and_refund_calls_are_refused_and_change_nothing() {
    use StatusCode as S;
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    let dev = Some(a.as_str());
    let mut m = Matrix::new(&s).await;
    let look = |q: &str| get(&format!("/api/v1/sync/order-lookup{q}"), dev);
    let long = big_string(101);
    let lookups: Vec<(&str, String)> = vec![
        ("no parameter", String::new()),
        ("code and channel", "?code=TM-1&channel=tmall&channel_order_id=TM-1".into()),
        ("channel without its number", "?channel=tmall".into()),
        ("number without its channel", "?channel_order_id=TM-1".into()),
        ("unknown channel", "?channel=taobao&channel_order_id=TM-1".into()),
        ("channel in capitals", "?channel=TMALL&channel_order_id=TM-1".into()),
        ("blank code", "?code=%20%20".into()),
        ("empty code", "?code=".into()),
        ("code of 101 characters", format!("?code={long}")),
        ("number of 65 characters", format!("?channel=jd&channel_order_id={}", big_string(65))),
        ("phone tail without name", "?phone_tail=1234".into()),
        ("name without phone tail", "?name=%E5%BC%A0%E4%B8%89".into()),
        ("phone tail of three digits", "?phone_tail=123&name=%E5%BC%A0%E4%B8%89".into()),
        ("phone tail with a letter", "?phone_tail=12a4&name=%E5%BC%A0%E4%B8%89".into()),
        ("phone tail of five digits", "?phone_tail=12345&name=%E5%BC%A0%E4%B8%89".into()),
        ("blank name", "?phone_tail=1234&name=%20".into()),
        ("phone search and code", "?phone_tail=1234&name=%E5%BC%A0%E4%B8%89&code=X".into()),
        ("unknown parameter", "?code=TM-1&store=STORE-B".into()),
        ("control character in code", "?code=TM%0A1".into()),
    ];
    for (label, q) in lookups {
        m.expect(&format!("look-up: {label}"), S::BAD_REQUEST, look(&q)).await;
    }
    m.expect_code(
        "look-up without a token",
        S::UNAUTHORIZED,
        Some("missing_token"),
        get("/api/v1/sync/order-lookup?code=X", None),
    )
    .await;
    m.expect_code(
        "look-up with the admin token",
        S::UNAUTHORIZED,
        None,
        get("/api/v1/sync/order-lookup?code=X", Some(ADMIN_TOKEN)),
    )
    .await;
    m.expect_code("look-up of nothing", S::NOT_FOUND, Some("order_not_found"), look("?code=NOPE")).await;
    m.expect_code(
        "return status of a non-UUID",
        S::NOT_FOUND,
        Some("return_not_found"),
        get("/api/v1/sync/returns/R-1", dev),
    )
    .await;
    m.expect_code(
        "return status with the admin token",
        S::UNAUTHORIZED,
        None,
        get(&format!("/api/v1/sync/returns/{}", random_id()), Some(ADMIN_TOKEN)),
    )
    .await;

    let put = |body: Value| {
        Req::new(Method::PUT, "/api/v1/settings/return-policy", Some(ADMIN_TOKEN))
            .content_type(Some(JSON))
            .body(serde_json::to_vec(&body).unwrap())
    };
    let policies: Vec<(&str, S, &str, Value)> = vec![
        ("window of 366 days", S::UNPROCESSABLE_ENTITY, "invalid_policy", json!({"default_window_days": 366})),
        (
            "channel window of 400 days",
            S::UNPROCESSABLE_ENTITY,
            "invalid_policy",
            json!({"default_window_days": 30, "windows": [{"channel": "jd", "days": 400}]}),
        ),
        (
            "a channel listed twice",
            S::UNPROCESSABLE_ENTITY,
            "invalid_policy",
            json!({"default_window_days": 30, "windows": [{"channel": "jd", "days": 7}, {"channel": "jd", "days": 9}]}),
        ),
        (
            "a blank final-sale code",
            S::UNPROCESSABLE_ENTITY,
            "invalid_policy",
            json!({"default_window_days": 30, "final_sale": [" "]}),
        ),
        (
            "a padded final-sale code",
            S::UNPROCESSABLE_ENTITY,
            "invalid_policy",
            json!({"default_window_days": 30, "final_sale": [" SKU-1"]}),
        ),
        (
            "2001 final-sale codes",
            S::UNPROCESSABLE_ENTITY,
            "invalid_policy",
            json!({"default_window_days": 30, "final_sale": (0..2001).map(|i| format!("C{i}")).collect::<Vec<_>>()}),
        ),
        ("negative window", S::UNPROCESSABLE_ENTITY, "invalid_body", json!({"default_window_days": -1})),
        ("window missing", S::UNPROCESSABLE_ENTITY, "invalid_body", json!({"windows": []})),
        (
            "unknown channel",
            S::UNPROCESSABLE_ENTITY,
            "invalid_body",
            json!({"default_window_days": 30, "windows": [{"channel": "taobao", "days": 7}]}),
        ),
        (
            "unknown shipping rule",
            S::UNPROCESSABLE_ENTITY,
            "invalid_body",
            json!({"default_window_days": 30, "shipping_refund": "always"}),
        ),
        (
            "unknown field",
            S::UNPROCESSABLE_ENTITY,
            "invalid_body",
            json!({"default_window_days": 30, "restocking_fee": 5}),
        ),
    ];
    for (label, status, code, body) in policies {
        m.expect_code(&format!("return policy: {label}"), status, Some(code), put(body)).await;
    }
    let r = m.expect_code(
        "return policy: the message names the field",
        S::UNPROCESSABLE_ENTITY,
        Some("invalid_policy"),
        put(json!({"default_window_days": 30, "windows": [{"channel": "jd", "days": 7}, {"channel": "jd", "days": 9}]})),
    )
    .await;
    assert!(r.unwrap().body["error"]["message"].as_str().unwrap().contains("windows[1].channel"));
    m.expect_code(
        "return policy with a device token",
        S::UNAUTHORIZED,
        None,
        Req::new(Method::PUT, "/api/v1/settings/return-policy", dev)
            .content_type(Some(JSON))
            .body(br#"{"default_window_days": 1}"#.to_vec()),
    )
    .await;

    for (label, q) in
        [("negative limit", "-1"), ("fractional limit", "1.5"), ("limit 2^32", "4294967296"), ("text limit", "ten")]
    {
        m.expect_code(
            &format!("refund claim: {label}"),
            S::BAD_REQUEST,
            Some("invalid_query"),
            post(&format!("/api/v1/refunds/claim?limit={q}"), Some(ADMIN_TOKEN), &json!(null)),
        )
        .await;
    }
    m.expect_code(
        "refund claim with a device token",
        S::UNAUTHORIZED,
        None,
        post("/api/v1/refunds/claim", dev, &json!(null)),
    )
    .await;
    for (label, id) in [("unknown return", random_id()), ("not a UUID", "R-1".to_string())] {
        m.expect_code(
            &format!("refund ack: {label}"),
            S::NOT_FOUND,
            Some("refund_not_found"),
            post(&format!("/api/v1/refunds/{id}/ack"), Some(ADMIN_TOKEN), &json!(null)),
        )
        .await;
    }
    for (label, id) in [("unknown order", random_id()), ("not a UUID", "O-1".to_string())] {
        m.expect_code(
            &format!("attribution: {label}"),
            S::NOT_FOUND,
            Some("not_found"),
            get(&format!("/api/v1/orders/{id}/attribution"), Some(ADMIN_TOKEN)),
        )
        .await;
    }
    m.finish("returns endpoints").await;
}

/// What a return books: stock movements, receipts and their lines, refund instructions,
/// attribution entries and the units returned on orders.
async fn books(s: &TestServer) -> Vec<i64> {
    sync_server::service::read(s.storage.as_ref(), |tx| {
        let mut out = Vec::new();
        for sql in [
            "SELECT COUNT(*) FROM stock_movement",
            "SELECT COUNT(*) FROM return_receipt",
            "SELECT COUNT(*) FROM return_line",
            "SELECT COUNT(*) FROM refund_instruction",
            "SELECT COUNT(*) FROM attribution",
            "SELECT CAST(COALESCE(SUM(returned_qty), 0) AS BIGINT) FROM order_line",
            "SELECT CAST(COALESCE(SUM(on_hand), 0) AS BIGINT) FROM stock_balance",
        ] {
            out.push(tx.query_opt(sql, &[])?.unwrap().i64(0)?);
        }
        Ok(out)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn return_ops_that_cannot_be_recorded_book_nothing_and_the_rest_are_flagged_not_overpaid() {
    let s = TestServer::with_fixture().await;
    let r = s.admin_post("/api/v1/orders", order("BAD-RET", "ship", None, &[("SKU-1", 2)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let order_id = r.body["id"].as_str().unwrap().to_string();
    // Its goods left (only units that left can be returned).
    let id: uuid::Uuid = order_id.parse().unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    sync_server::service::write(s.storage.as_ref(), move |tx| sync_server::service::demo::deliver(tx, id, now))
        .await
        .unwrap();
    let a = s.enrol("STORE-A").await;
    let good_line = json!({"line_no": 1, "sku_code": "SKU-1", "qty": 1, "condition": "resaleable", "reason": "size"});
    let op = |f: &dyn Fn(&mut Value)| {
        let mut v =
            json!({"kind": "AcceptReturn", "return_id": random_id(), "order_id": order_id, "lines": [good_line]});
        f(&mut v);
        v
    };
    let mut seq = 1;
    // Whole batches refused (the op cannot even be read): nothing at all changes.
    let refused: Vec<(&str, Value)> = vec![
        ("qty 0", op(&|v| v["lines"][0]["qty"] = json!(0))),
        ("qty -1", op(&|v| v["lines"][0]["qty"] = json!(-1))),
        ("qty 1.5", op(&|v| v["lines"][0]["qty"] = json!(1.5))),
        ("line_no -1", op(&|v| v["lines"][0]["line_no"] = json!(-1))),
        ("unknown reason", op(&|v| v["lines"][0]["reason"] = json!("bored"))),
        ("order_id not a UUID", op(&|v| v["order_id"] = json!("TM-1"))),
        (
            "order_ref of an unknown channel",
            op(&|v| v["order_ref"] = json!({"channel": "taobao", "channel_order_id": "X"})),
        ),
        ("order_ref without its number", op(&|v| v["order_ref"] = json!({"channel": "jd"}))),
        ("unknown field in a line", op(&|v| v["lines"][0]["refund"] = json!(100))),
        ("control character in a note", op(&|v| v["lines"][0]["note"] = json!("a\u{7}b"))),
    ];
    let mut problems = Vec::new();
    for (label, bad) in refused {
        let before = s.fingerprint().await;
        let r = s.device_post(&a, "/api/v1/sync/push", batch(seq, "STORE-A-A", vec![bad])).await;
        if !r.status.is_client_error() || r.body["error"]["code"].as_str().is_none() {
            problems.push(format!("{label}: expected a 4xx error, got {} {}", r.status, r.body));
        }
        if s.fingerprint().await != before {
            problems.push(format!("{label}: something was written"));
        }
    }
    // Ops refused one by one (recorded as rejected, nothing booked).
    let rejected: Vec<(&str, &str, Value)> = vec![
        ("no lines", "invalid_lines", op(&|v| v["lines"] = json!([]))),
        ("101 lines", "invalid_lines", op(&|v| v["lines"] = json!(vec![good_line.clone(); 101]))),
        (
            "neither order_id nor order_ref",
            "order_required",
            op(&|v| {
                v.as_object_mut().unwrap().remove("order_id");
            }),
        ),
        ("a note of 501 characters", "invalid_field", op(&|v| v["lines"][0]["note"] = json!(big_string(501)))),
        (
            "an order number of 65 characters",
            "invalid_field",
            op(&|v| {
                v.as_object_mut().unwrap().remove("order_id");
                v["order_ref"] = json!({"channel": "tmall", "channel_order_id": big_string(65)});
            }),
        ),
    ];
    for (label, code, bad) in rejected {
        let before = books(&s).await;
        let r = s.device_post(&a, "/api/v1/sync/push", batch(seq, "STORE-A-A", vec![bad])).await;
        seq += 1;
        let outcome = &r.body["results"][0]["outcome"];
        if r.status != StatusCode::OK || outcome["status"] != "rejected" || outcome["code"] != code {
            problems.push(format!("{label}: expected rejected {code}, got {} {}", r.status, r.body));
        }
        if books(&s).await != before {
            problems.push(format!("{label}: something was booked"));
        }
    }
    // Facts that cannot be refunded as asked: booked once, flagged, refunded at most what
    // was paid (the order is 2 units, ¥1,138.00 less ¥59.00).
    let flagged: Vec<(&str, &str, Value)> = vec![
        ("3 units of a 2-unit line", "more_than_returnable", op(&|v| v["lines"][0]["qty"] = json!(3))),
        (
            "line 9 of a 1-line order",
            "unknown_line",
            op(&|v| {
                v["lines"][0]["line_no"] = json!(9);
                v["lines"][0]["sku_code"] = json!("SKU-2");
            }),
        ),
        ("100000 units", "more_than_returnable", op(&|v| v["lines"][0]["qty"] = json!(100_000))),
    ];
    for (label, code, bad) in flagged {
        let r = s.device_post(&a, "/api/v1/sync/push", batch(seq, "STORE-A-A", vec![bad.clone()])).await;
        seq += 1;
        let outcome = &r.body["results"][0]["outcome"];
        if outcome["status"] != "conflict" || outcome["code"] != code {
            problems.push(format!("{label}: expected conflict {code}, got {} {}", r.status, r.body));
        }
        // Replayed under a new op id: the same answer, nothing booked again.
        let before = books(&s).await;
        let again = s.device_post(&a, "/api/v1/sync/push", batch(seq, "STORE-A-A", vec![bad])).await;
        seq += 1;
        if again.body["results"][0]["outcome"] != *outcome {
            problems.push(format!("{label}: replay answered {}", again.body));
        }
        if books(&s).await != before {
            problems.push(format!("{label}: the replay booked something"));
        }
    }
    let refunded: i64 = sync_server::service::read(s.storage.as_ref(), |tx| {
        Ok(tx
            .query_opt("SELECT CAST(COALESCE(SUM(refund_fen), 0) AS BIGINT) FROM return_receipt", &[])?
            .unwrap()
            .i64(0)?)
    })
    .await
    .unwrap();
    if refunded != 2 * 59_900 - 5_900 {
        problems.push(format!("refunded {refunded}, not exactly what was paid for the 2 units"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    s.assert_audit_clean().await;
}
