//! Imports of master data and stock: any bad row refuses the whole import.

use super::*;

/// A new store with a style, two SKUs, staff and stock, plus a change to an existing level.
fn new_master_data() -> Value {
    let fixture = serde_json::to_value(common::fixture()).unwrap();
    let store = with(fixture["nodes"][0].clone(), |n| {
        n["code"] = json!("STORE-N");
        n["name"] = json!("新店");
    });
    let sku = |code: &str, n: u64| {
        with(fixture["skus"][0].clone(), |s| {
            s["code"] = json!(code);
            s["style_code"] = json!("ST-N");
            s["barcode"] = json!(common::ean(n).as_str());
        })
    };
    json!({
        "nodes": [store],
        "styles": [{"code": "ST-N", "name": "卫衣", "category": "tops", "list_price": 29900}],
        "skus": [sku("SKU-N1", 101), sku("SKU-N2", 102)],
        "staff": [{"id": "STORE-N-A", "store_code": "STORE-N", "name": "导购", "role": "associate", "pin": "2468"}],
        "stock": [
            {"node_code": "STORE-N", "sku_code": "SKU-N1", "quality": "sellable", "on_hand": 10},
            {"node_code": "STORE-A", "sku_code": "SKU-1", "quality": "sellable", "on_hand": 50, "safety": 1},
            {"node_code": "STORE-N", "sku_code": "SKU-N2", "quality": "sellable", "on_hand": 7}
        ]
    })
}

fn push_last(v: &mut Value, part: &str, row: Value) {
    v[part].as_array_mut().unwrap().push(row);
}

#[tokio::test]
async fn imports_are_all_or_nothing() {
    use StatusCode as S;
    let s = TestServer::with_fixture().await;
    let mut m = Matrix::new(&s).await;
    let admin = Some(ADMIN_TOKEN);
    let base = new_master_data();
    let path = "/api/v1/import";
    let last_sku = |f: &dyn Fn(&mut Value)| {
        with(base.clone(), |v| {
            let mut row = v["skus"][1].clone();
            row["code"] = json!("SKU-N3");
            row["barcode"] = json!(common::ean(103).as_str());
            f(&mut row);
            push_last(v, "skus", row);
        })
    };
    let good = common::ean(103).as_str().to_string();
    let wrong_check = format!("{}{}", &good[..12], (good.as_bytes()[12] - b'0' + 1) % 10);

    let cases: Vec<(&str, Option<&str>, Value)> = vec![
        (
            "last stock row names an unknown SKU",
            Some("unknown_sku"),
            with(base.clone(), |v| {
                push_last(
                    v,
                    "stock",
                    json!({"node_code": "STORE-N", "sku_code": "SKU-NOPE", "quality": "sellable", "on_hand": 1}),
                )
            }),
        ),
        (
            "last stock row names an unknown node",
            Some("unknown_node"),
            with(base.clone(), |v| {
                push_last(
                    v,
                    "stock",
                    json!({"node_code": "STORE-NOPE", "sku_code": "SKU-N1", "quality": "sellable", "on_hand": 1}),
                )
            }),
        ),
        (
            "last stock row has on_hand -1",
            Some("invalid_body"),
            with(base.clone(), |v| {
                push_last(
                    v,
                    "stock",
                    json!({"node_code": "STORE-N", "sku_code": "SKU-N2", "quality": "sellable", "on_hand": -1}),
                )
            }),
        ),
        (
            "last stock row has on_hand 100001",
            Some("invalid_body"),
            with(base.clone(), |v| {
                push_last(
                    v,
                    "stock",
                    json!({"node_code": "STORE-N", "sku_code": "SKU-N2", "quality": "sellable", "on_hand": 100001}),
                )
            }),
        ),
        (
            "last stock row has on_hand 1.5",
            Some("invalid_body"),
            with(base.clone(), |v| {
                push_last(
                    v,
                    "stock",
                    json!({"node_code": "STORE-N", "sku_code": "SKU-N2", "quality": "sellable", "on_hand": 1.5}),
                )
            }),
        ),
        (
            "last stock row has on_hand \"5\" (string)",
            Some("invalid_body"),
            with(base.clone(), |v| {
                push_last(
                    v,
                    "stock",
                    json!({"node_code": "STORE-N", "sku_code": "SKU-N2", "quality": "sellable", "on_hand": "5"}),
                )
            }),
        ),
        (
            "last stock row has safety -1",
            Some("invalid_body"),
            with(base.clone(), |v| {
                push_last(
                    v,
                    "stock",
                    json!({"node_code": "STORE-N", "sku_code": "SKU-N2", "quality": "sellable", "on_hand": 5, "safety": -1}),
                )
            }),
        ),
        (
            "last stock row has quality \"broken\"",
            Some("invalid_body"),
            with(base.clone(), |v| {
                push_last(
                    v,
                    "stock",
                    json!({"node_code": "STORE-N", "sku_code": "SKU-N2", "quality": "broken", "on_hand": 5}),
                )
            }),
        ),
        (
            "last stock row has an unknown field",
            Some("invalid_body"),
            with(base.clone(), |v| {
                push_last(
                    v,
                    "stock",
                    json!({"node_code": "STORE-N", "sku_code": "SKU-N2", "quality": "sellable", "on_hand": 5, "bin": "A1"}),
                )
            }),
        ),
        (
            "last SKU has a 13-digit barcode with a wrong check digit",
            Some("invalid_body"),
            last_sku(&|r| r["barcode"] = json!(wrong_check.clone())),
        ),
        ("last SKU has a 12-digit barcode", Some("invalid_body"), last_sku(&|r| r["barcode"] = json!(&good[..12]))),
        (
            "last SKU has a barcode with letters",
            Some("invalid_body"),
            last_sku(&|r| r["barcode"] = json!(format!("{}A", &good[..12]))),
        ),
        ("last SKU has a numeric barcode", Some("invalid_body"), last_sku(&|r| r["barcode"] = json!(6900000001036u64))),
        (
            "last SKU reuses the barcode of existing SKU-1",
            Some("duplicate_barcode"),
            last_sku(&|r| r["barcode"] = json!(common::ean(1).as_str())),
        ),
        (
            "last SKU repeats a barcode from the same import",
            Some("duplicate_barcode"),
            last_sku(&|r| r["barcode"] = json!(common::ean(101).as_str())),
        ),
        ("last SKU names an unknown style", Some("unknown_style"), last_sku(&|r| r["style_code"] = json!("ST-NOPE"))),
        ("last SKU has a negative price", Some("invalid_price"), last_sku(&|r| r["list_price"] = json!(-1))),
        ("last SKU has an empty code", Some("invalid_field"), last_sku(&|r| r["code"] = json!(""))),
        (
            "last staff row has a 2-digit PIN",
            Some("invalid_pin"),
            with(base.clone(), |v| {
                push_last(
                    v,
                    "staff",
                    json!({"id": "STORE-N-M", "store_code": "STORE-N", "name": "店长", "role": "manager", "pin": "12"}),
                )
            }),
        ),
        (
            "last staff row is at a warehouse",
            Some("unknown_store"),
            with(base.clone(), |v| {
                push_last(
                    v,
                    "staff",
                    json!({"id": "WH-1-A", "store_code": "WH-1", "name": "仓管", "role": "associate", "pin": "1234"}),
                )
            }),
        ),
        (
            "last staff row has an unknown role",
            Some("invalid_body"),
            with(base.clone(), |v| {
                push_last(
                    v,
                    "staff",
                    json!({"id": "STORE-N-M", "store_code": "STORE-N", "name": "店长", "role": "king", "pin": "1234"}),
                )
            }),
        ),
        (
            "last node is off the globe (lat 999)",
            Some("invalid_location"),
            with(base.clone(), |v| {
                let n = with(v["nodes"][0].clone(), |n| {
                    n["code"] = json!("STORE-O");
                    n["location"]["lat"] = json!(999.0);
                });
                push_last(v, "nodes", n);
            }),
        ),
        (
            "last node has a control character in its name",
            Some("invalid_field"),
            with(base.clone(), |v| {
                let n = with(v["nodes"][0].clone(), |n| {
                    n["code"] = json!("STORE-O");
                    n["name"] = json!("bad\u{0007}name");
                });
                push_last(v, "nodes", n);
            }),
        ),
        (
            "last style has a negative price",
            Some("invalid_price"),
            with(base.clone(), |v| {
                push_last(v, "styles", json!({"code": "ST-O", "name": "x", "category": "x", "list_price": -5}))
            }),
        ),
        ("unknown section \"warehouses\"", Some("invalid_body"), with(base.clone(), |v| v["warehouses"] = json!([]))),
        (
            "skus is an object, not a list",
            Some("invalid_body"),
            with(base.clone(), |v| v["skus"] = json!({"code": "SKU-N1"})),
        ),
    ];
    for (what, code, body) in cases {
        m.expect_code(&format!("import: {what} -> 422"), S::UNPROCESSABLE_ENTITY, code, post(path, admin, &body)).await;
    }

    // Too many rows (200,001 stock rows, under the byte limit).
    let row = json!({"node_code": "STORE-A", "sku_code": "SKU-1", "quality": "sellable", "on_hand": 5});
    let many = json!({"stock": vec![row; 200_001]});
    m.expect_code(
        "import: 200001 rows -> 422",
        S::UNPROCESSABLE_ENTITY,
        Some("too_many_rows"),
        post(path, admin, &many),
    )
    .await;
    // Over 32 MiB, built in memory: a long style name in an otherwise valid import.
    let huge = with(base.clone(), |v| v["styles"][0]["name"] = json!(big_string(32 * MIB + 4096)));
    m.expect_code(
        "import: body over 32 MiB -> 413",
        S::PAYLOAD_TOO_LARGE,
        Some("body_too_large"),
        post(path, admin, &huge),
    )
    .await;

    // None of the valid earlier rows exist: the new store is unknown, its SKU is unknown
    // to orders, and STORE-A's level was not changed.
    let st = s.admin_get("/api/v1/stock?node=STORE-N").await;
    if st.status != S::NOT_FOUND {
        m.failures.push(format!(
            "import all-or-nothing: STORE-N has stock after failed imports: {} {}",
            st.status,
            short(&st.body)
        ));
    }
    let a = s.stock("STORE-A", "SKU-1").await;
    if a.on_hand != 5 {
        m.failures.push(format!(
            "import all-or-nothing: STORE-A SKU-1 on_hand is {} after failed imports, want 5",
            a.on_hand
        ));
    }
    m.expect_code(
        "order for SKU-N1 from a failed import -> 422 unknown_sku",
        S::UNPROCESSABLE_ENTITY,
        Some("unknown_sku"),
        post("/api/v1/orders", admin, &order("IMP-1", "ship", None, &[("SKU-N1", 1)])),
    )
    .await;

    // Control: the base bundle on its own is valid, so each failure above was the bad row.
    let r = m.setup("import: the valid rows alone", S::OK, post(path, admin, &base)).await;
    assert_eq!(r.body["skus"], 2, "{}", r.body);
    assert_eq!(s.stock("STORE-A", "SKU-1").await.on_hand, 50);
    m.finish("imports").await;
}
