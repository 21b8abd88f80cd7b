//! Channel orders with bad lines, nodes and ids.

use super::*;

#[tokio::test]
async fn orders_refuse_bad_lines_nodes_and_ids() {
    use StatusCode as S;
    let s = TestServer::with_fixture().await;
    let mut m = Matrix::new(&s).await;
    let admin = Some(ADMIN_TOKEN);
    let path = "/api/v1/orders";
    let base = order("BAD-1", "pickup", Some("STORE-A"), &[("SKU-1", 1)]);
    let line = |f: &dyn Fn(&mut Value)| with(base.clone(), |v| f(&mut v["lines"][0]));

    let cases: Vec<(&str, Option<&str>, Value)> = vec![
        ("qty -1", Some("invalid_body"), line(&|l| l["qty"] = json!(-1))),
        ("qty 0", Some("invalid_body"), line(&|l| l["qty"] = json!(0))),
        ("qty 100001", Some("invalid_body"), line(&|l| l["qty"] = json!(100_001))),
        ("qty 1.5", Some("invalid_body"), line(&|l| l["qty"] = json!(1.5))),
        ("qty \"2\" (string)", Some("invalid_body"), line(&|l| l["qty"] = json!("2"))),
        ("qty null", Some("invalid_body"), line(&|l| l["qty"] = Value::Null)),
        ("qty 2^64", Some("invalid_body"), line(&|l| l["qty"] = json!(18446744073709551616.0f64))),
        ("unit_price \"599\" (string)", Some("invalid_body"), line(&|l| l["unit_price"] = json!("599"))),
        ("unit_price 1.5", Some("invalid_body"), line(&|l| l["unit_price"] = json!(1.5))),
        ("unit_price -1", Some("invalid_price"), line(&|l| l["unit_price"] = json!(-1))),
        ("discount above the line value", Some("invalid_price"), line(&|l| l["discount"] = json!(59_901))),
        ("negative discount", Some("invalid_price"), line(&|l| l["discount"] = json!(-1))),
        ("unknown field in a line", Some("invalid_body"), line(&|l| l["colour"] = json!("red"))),
        ("unknown SKU", Some("unknown_sku"), line(&|l| l["sku_code"] = json!("SKU-NOPE"))),
        (
            "unknown SKU in the last of three lines",
            Some("unknown_sku"),
            order("BAD-1", "ship", None, &[("SKU-1", 1), ("SKU-2", 1), ("SKU-NOPE", 1)]),
        ),
        (
            "pickup order at a warehouse",
            Some("invalid_pickup_store"),
            order("BAD-1", "pickup", Some("WH-1"), &[("SKU-1", 1)]),
        ),
        (
            "pickup order at an unknown store",
            Some("invalid_pickup_store"),
            order("BAD-1", "pickup", Some("STORE-NOPE"), &[("SKU-1", 1)]),
        ),
        (
            "pickup order without pickup_store",
            Some("pickup_store_required"),
            order("BAD-1", "pickup", None, &[("SKU-1", 1)]),
        ),
        (
            "ship order without a location",
            Some("location_required"),
            with(order("BAD-1", "ship", None, &[("SKU-1", 1)]), |v| v["customer"]["location"] = Value::Null),
        ),
        (
            "customer location off the globe",
            Some("invalid_location"),
            with(order("BAD-1", "ship", None, &[("SKU-1", 1)]), |v| v["customer"]["location"]["lat"] = json!(999.0)),
        ),
        ("no lines", Some("invalid_lines"), with(base.clone(), |v| v["lines"] = json!([]))),
        (
            "101 lines",
            Some("invalid_lines"),
            with(base.clone(), |v| v["lines"] = json!(vec![v["lines"][0].clone(); 101])),
        ),
        ("lines is an object", Some("invalid_body"), with(base.clone(), |v| v["lines"] = v["lines"][0].clone())),
        (
            "lines missing",
            Some("invalid_body"),
            with(base.clone(), |v| {
                v.as_object_mut().unwrap().remove("lines");
            }),
        ),
        ("unknown channel", Some("invalid_body"), with(base.clone(), |v| v["channel"] = json!("amazon"))),
        ("channel is a number", Some("invalid_body"), with(base.clone(), |v| v["channel"] = json!(5))),
        (
            "unknown fulfillment kind",
            Some("invalid_body"),
            with(base.clone(), |v| v["fulfillment"] = json!("teleport")),
        ),
        ("empty channel_order_id", Some("invalid_field"), with(base.clone(), |v| v["channel_order_id"] = json!(""))),
        (
            "65-character channel_order_id",
            Some("invalid_field"),
            with(base.clone(), |v| v["channel_order_id"] = json!("X".repeat(65))),
        ),
        (
            "control character in customer name",
            Some("invalid_field"),
            with(base.clone(), |v| v["customer"]["name"] = json!("张\u{0000}三")),
        ),
        ("empty customer phone", Some("invalid_field"), with(base.clone(), |v| v["customer"]["phone"] = json!(""))),
        (
            "900 KB address (under the byte limit)",
            Some("invalid_field"),
            with(base.clone(), |v| v["customer"]["address"] = json!(big_string(900 * 1024))),
        ),
        (
            "unknown field in customer",
            Some("invalid_body"),
            with(base.clone(), |v| v["customer"]["email"] = json!("a@b.c")),
        ),
        ("customer is a string", Some("invalid_body"), with(base.clone(), |v| v["customer"] = json!("张三"))),
        ("duplicate key", Some("invalid_body"), json!(null)),
    ];
    for (what, code, body) in cases {
        let req = if what == "duplicate key" {
            let text = serde_json::to_string(&base).unwrap().replacen("{", "{\"channel\":\"jd\",", 1);
            post_raw(path, admin, Some(JSON), text)
        } else {
            post(path, admin, &body)
        };
        m.expect_code(&format!("order: {what} -> 422"), S::UNPROCESSABLE_ENTITY, code, req).await;
    }
    let huge = with(base.clone(), |v| v["customer"]["address"] = json!(big_string(MIB + 16)));
    m.expect_code(
        "order: body over 1 MiB -> 413",
        S::PAYLOAD_TOO_LARGE,
        Some("body_too_large"),
        post(path, admin, &huge),
    )
    .await;

    // An order exists; replays are idempotent, a different body under its id conflicts.
    let placed = m.setup("order: place a pickup order", S::CREATED, post(path, admin, &base)).await;
    let order_id = placed.body["id"].as_str().unwrap().to_string();
    let pickup_fo = fulfillment_id(&placed.body, "STORE-A");
    m.expect_replay("order: identical replay -> 200, nothing new", S::OK, post(path, admin, &base)).await;
    m.expect_code(
        "order: same channel id, different qty -> 409",
        S::CONFLICT,
        Some("order_conflict"),
        post(path, admin, &line(&|l| l["qty"] = json!(2))),
    )
    .await;
    m.expect_code(
        "order: same channel id, different SKU -> 409",
        S::CONFLICT,
        Some("order_conflict"),
        post(path, admin, &line(&|l| l["sku_code"] = json!("SKU-2"))),
    )
    .await;
    let ship = m
        .setup(
            "order: place a ship order",
            S::CREATED,
            post(path, admin, &order("BAD-2", "ship", None, &[("SKU-2", 1)])),
        )
        .await;
    let ship_fo = ship.body["fulfillment_orders"][0]["id"].as_str().unwrap().to_string();

    let nf = random_id();
    let id_cases: Vec<(String, Method, String, StatusCode)> = vec![
        ("GET order with a non-UUID id".into(), Method::GET, "/api/v1/orders/not-a-uuid".into(), S::NOT_FOUND),
        (
            "GET order with an SQL-ish id".into(),
            Method::GET,
            "/api/v1/orders/1%27%20OR%20%271%27=%271".into(),
            S::NOT_FOUND,
        ),
        ("GET order with an unknown UUID".into(), Method::GET, format!("/api/v1/orders/{nf}"), S::NOT_FOUND),
        (
            "GET order with a fulfillment order's id".into(),
            Method::GET,
            format!("/api/v1/orders/{pickup_fo}"),
            S::NOT_FOUND,
        ),
        ("cancel with a non-UUID id".into(), Method::POST, "/api/v1/orders/not-a-uuid/cancel".into(), S::NOT_FOUND),
        ("cancel an unknown order".into(), Method::POST, format!("/api/v1/orders/{nf}/cancel"), S::NOT_FOUND),
        (
            "cancel with a fulfillment order's id".into(),
            Method::POST,
            format!("/api/v1/orders/{pickup_fo}/cancel"),
            S::NOT_FOUND,
        ),
        (
            "delivered with a non-UUID id".into(),
            Method::POST,
            "/api/v1/fulfillment-orders/12345/delivered".into(),
            S::NOT_FOUND,
        ),
        (
            "delivered for an unknown fulfillment order".into(),
            Method::POST,
            format!("/api/v1/fulfillment-orders/{nf}/delivered"),
            S::NOT_FOUND,
        ),
        (
            "delivered with an order's id".into(),
            Method::POST,
            format!("/api/v1/fulfillment-orders/{order_id}/delivered"),
            S::NOT_FOUND,
        ),
        (
            "delivered for a pickup order".into(),
            Method::POST,
            format!("/api/v1/fulfillment-orders/{pickup_fo}/delivered"),
            S::CONFLICT,
        ),
        (
            "delivered for a ship order not yet dispatched".into(),
            Method::POST,
            format!("/api/v1/fulfillment-orders/{ship_fo}/delivered"),
            S::CONFLICT,
        ),
    ];
    for (what, method, p, status) in id_cases {
        m.expect(&format!("{what} -> {}", status.as_u16()), status, Req::new(method, &p, admin)).await;
    }
    m.finish("orders").await;
}
