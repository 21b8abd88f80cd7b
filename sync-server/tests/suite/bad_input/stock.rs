//! Stock adjustments, channel holds and stock queries.

use super::*;

#[tokio::test]
async fn stock_adjustments_reservations_and_queries() {
    use StatusCode as S;
    let s = TestServer::with_fixture().await;
    let mut m = Matrix::new(&s).await;
    let admin = Some(ADMIN_TOKEN);
    let adj = "/api/v1/stock/adjustments";
    let line = |f: &dyn Fn(&mut Value)| with(valid_adjustment("BAD-ADJ", 1), |v| f(&mut v["lines"][0]));

    let cases: Vec<(&str, Option<&str>, Value)> = vec![
        ("delta 0", Some("invalid_delta"), line(&|l| l["delta"] = json!(0))),
        ("delta 100001", Some("invalid_delta"), line(&|l| l["delta"] = json!(100_001))),
        ("delta -100001", Some("invalid_delta"), line(&|l| l["delta"] = json!(-100_001))),
        ("delta i64::MAX", Some("invalid_delta"), line(&|l| l["delta"] = json!(i64::MAX))),
        ("delta i64::MIN", Some("invalid_delta"), line(&|l| l["delta"] = json!(i64::MIN))),
        (
            "delta 2^63 (overflows i64)",
            Some("invalid_body"),
            line(&|l| l["delta"] = json!(9_223_372_036_854_775_808u64)),
        ),
        ("delta 1.5", Some("invalid_body"), line(&|l| l["delta"] = json!(1.5))),
        ("delta \"5\" (string)", Some("invalid_body"), line(&|l| l["delta"] = json!("5"))),
        ("quality \"broken\"", Some("invalid_body"), line(&|l| l["quality"] = json!("broken"))),
        (
            "note missing",
            Some("invalid_body"),
            line(&|l| {
                l.as_object_mut().unwrap().remove("note");
            }),
        ),
        ("unknown field in a line", Some("invalid_body"), line(&|l| l["reason"] = json!("x"))),
        ("unknown node", Some("unknown_node"), line(&|l| l["node_code"] = json!("STORE-NOPE"))),
        ("unknown SKU", Some("unknown_sku"), line(&|l| l["sku_code"] = json!("SKU-NOPE"))),
        ("no lines", Some("invalid_batch"), with(valid_adjustment("BAD-ADJ", 1), |v| v["lines"] = json!([]))),
        ("empty batch_id", Some("invalid_field"), with(valid_adjustment("BAD-ADJ", 1), |v| v["batch_id"] = json!(""))),
        ("batch_id a number", Some("invalid_body"), with(valid_adjustment("BAD-ADJ", 1), |v| v["batch_id"] = json!(7))),
        (
            "last of three lines names an unknown SKU",
            Some("unknown_sku"),
            with(valid_adjustment("BAD-ADJ", 1), |v| {
                let first = v["lines"][0].clone();
                v["lines"] = json!([
                    first.clone(),
                    with(first.clone(), |l| l["sku_code"] = json!("SKU-2")),
                    with(first, |l| l["sku_code"] = json!("SKU-NOPE"))
                ]);
            }),
        ),
        (
            "last of three lines has delta 0",
            Some("invalid_delta"),
            with(valid_adjustment("BAD-ADJ", 1), |v| {
                let first = v["lines"][0].clone();
                v["lines"] = json!([first.clone(), first.clone(), with(first, |l| l["delta"] = json!(0))]);
            }),
        ),
        (
            "10001 lines",
            Some("invalid_batch"),
            with(valid_adjustment("BAD-ADJ", 1), |v| {
                let l =
                    json!({"node_code": "STORE-A", "sku_code": "SKU-1", "quality": "sellable", "delta": 1, "note": ""});
                v["lines"] = json!(vec![l; 10_001]);
            }),
        ),
    ];
    for (what, code, body) in cases {
        m.expect_code(&format!("adjustment: {what} -> 422"), S::UNPROCESSABLE_ENTITY, code, post(adj, admin, &body))
            .await;
    }
    let first = m.setup("adjustment: apply batch ERP-1", S::OK, post(adj, admin, &valid_adjustment("ERP-1", 3))).await;
    assert_eq!(first.body["replayed"], false, "{}", first.body);
    let replay = m
        .expect_replay(
            "adjustment: replay ERP-1 -> 200 replayed, nothing changes",
            S::OK,
            post(adj, admin, &valid_adjustment("ERP-1", 3)),
        )
        .await;
    if let Some(r) = replay {
        if r.body["replayed"] != true || r.body["applied"] != 0 {
            m.failures.push(format!("adjustment replay: expected replayed=true, applied=0, got {}", short(&r.body)));
        }
    }
    m.expect_code(
        "adjustment: reuse ERP-1 with a different delta -> 409",
        S::CONFLICT,
        Some("batch_id_reused"),
        post(adj, admin, &valid_adjustment("ERP-1", 4)),
    )
    .await;
    m.expect_code(
        "adjustment: reuse ERP-1 with an extra line -> 409",
        S::CONFLICT,
        Some("batch_id_reused"),
        post(
            adj,
            admin,
            &with(valid_adjustment("ERP-1", 3), |v| {
                let l = v["lines"][0].clone();
                v["lines"].as_array_mut().unwrap().push(with(l, |l| l["sku_code"] = json!("SKU-2")));
            }),
        ),
    )
    .await;
    m.expect_code(
        "adjustment: reuse ERP-1 at another node -> 409",
        S::CONFLICT,
        Some("batch_id_reused"),
        post(adj, admin, &with(valid_adjustment("ERP-1", 3), |v| v["lines"][0]["node_code"] = json!("STORE-B"))),
    )
    .await;

    // Reservations.
    let res = "/api/v1/reservations";
    let hold_cases: Vec<(&str, StatusCode, Option<&str>, Value)> = vec![
        ("qty -1", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), valid_hold("BAD-R", json!(-1))),
        ("qty 0", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), valid_hold("BAD-R", json!(0))),
        ("qty 100001", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), valid_hold("BAD-R", json!(100_001))),
        ("qty 1.5", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), valid_hold("BAD-R", json!(1.5))),
        ("qty \"1\" (string)", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), valid_hold("BAD-R", json!("1"))),
        (
            "qty missing",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            with(valid_hold("BAD-R", json!(1)), |v| {
                v.as_object_mut().unwrap().remove("qty");
            }),
        ),
        (
            "unknown field",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            with(valid_hold("BAD-R", json!(1)), |v| v["ttl"] = json!(60)),
        ),
        ("empty reference", S::UNPROCESSABLE_ENTITY, Some("invalid_field"), valid_hold("", json!(1))),
        (
            "101-character reference",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_field"),
            valid_hold(&"R".repeat(101), json!(1)),
        ),
        (
            "unknown node",
            S::UNPROCESSABLE_ENTITY,
            Some("unknown_node"),
            with(valid_hold("BAD-R", json!(1)), |v| v["node_code"] = json!("STORE-NOPE")),
        ),
        (
            "unknown SKU",
            S::UNPROCESSABLE_ENTITY,
            Some("unknown_sku"),
            with(valid_hold("BAD-R", json!(1)), |v| v["sku_code"] = json!("SKU-NOPE")),
        ),
        ("more than available (1000 of 8)", S::CONFLICT, Some("insufficient_stock"), valid_hold("BAD-R", json!(1000))),
    ];
    for (what, status, code, body) in hold_cases {
        m.expect_code(&format!("reservation: {what} -> {}", status.as_u16()), status, code, post(res, admin, &body))
            .await;
    }
    let held = m.setup("reservation: hold R-1 for 2", S::CREATED, post(res, admin, &valid_hold("R-1", json!(2)))).await;
    let hold_id = held.body["id"].as_str().unwrap_or_default().to_string();
    m.expect_replay(
        "reservation: identical replay of R-1 -> 200, nothing new",
        S::OK,
        post(res, admin, &valid_hold("R-1", json!(2))),
    )
    .await;
    m.expect_code(
        "reservation: R-1 reused with qty 3 -> 409",
        S::CONFLICT,
        Some("reference_reused"),
        post(res, admin, &valid_hold("R-1", json!(3))),
    )
    .await;
    m.expect_code(
        "reservation: R-1 reused at another node -> 409",
        S::CONFLICT,
        Some("reference_reused"),
        post(res, admin, &with(valid_hold("R-1", json!(2)), |v| v["node_code"] = json!("STORE-B"))),
    )
    .await;
    m.expect_code(
        "reservation: release an unknown UUID -> 404",
        S::NOT_FOUND,
        Some("not_found"),
        Req::new(Method::DELETE, &format!("{res}/{}", random_id()), admin),
    )
    .await;
    m.expect_code(
        "reservation: release a non-UUID id -> 404",
        S::NOT_FOUND,
        Some("not_found"),
        Req::new(Method::DELETE, &format!("{res}/not-a-uuid"), admin),
    )
    .await;
    m.expect_code(
        "reservation: release by reference instead of id -> 404",
        S::NOT_FOUND,
        Some("not_found"),
        Req::new(Method::DELETE, &format!("{res}/R-1"), admin),
    )
    .await;
    assert!(!hold_id.is_empty(), "the hold has an id: {}", held.body);

    // Query-string endpoints.
    let query_cases: Vec<(&str, String)> = vec![
        ("stock without node", "/api/v1/stock".into()),
        ("stock with sku but no node", "/api/v1/stock?sku=SKU-1".into()),
        ("stock with an unknown parameter", "/api/v1/stock?node=STORE-A&colour=red".into()),
        ("stock with node twice", "/api/v1/stock?node=STORE-A&node=STORE-B".into()),
        ("devices with an unknown parameter", "/api/v1/devices?shop=STORE-A".into()),
        ("conflicts with limit=-1", "/api/v1/conflicts?limit=-1".into()),
        ("conflicts with limit=abc", "/api/v1/conflicts?limit=abc".into()),
        ("conflicts with limit=4294967296", "/api/v1/conflicts?limit=4294967296".into()),
        ("conflicts with an unknown parameter", "/api/v1/conflicts?offset=5".into()),
    ];
    for (what, p) in query_cases {
        m.expect_code(&format!("{what} -> 400"), S::BAD_REQUEST, Some("invalid_query"), get(&p, admin)).await;
    }
    for (what, q) in [("limit=-1", "limit=-1"), ("limit=abc", "limit=abc"), ("an unknown parameter", "all=true")] {
        m.expect_code(
            &format!("claim notifications with {what} -> 400"),
            S::BAD_REQUEST,
            Some("invalid_query"),
            Req::new(Method::POST, &format!("/api/v1/notifications/claim?{q}"), admin),
        )
        .await;
    }
    m.expect_code(
        "stock of an unknown node -> 404",
        S::NOT_FOUND,
        Some("not_found"),
        get("/api/v1/stock?node=STORE-NOPE", admin),
    )
    .await;

    // The writer survived everything above: a valid adjustment still applies.
    m.setup(
        "adjustment: a valid batch still applies afterwards",
        S::OK,
        post(adj, admin, &valid_adjustment("ERP-2", 1)),
    )
    .await;
    m.finish("adjustments and reservations").await;
}
