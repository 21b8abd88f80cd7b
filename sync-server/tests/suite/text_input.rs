//! Text at every entrance. NUL and other control characters in every text field of every
//! endpoint (each string of each JSON body, each query parameter, each path id) get a 4xx
//! that names the field and change nothing, on whichever backend runs the suite (NUL used
//! to be stored by SQLite and to fail with 500 on PostgreSQL, for ever for a push batch).
//! Lengths count characters, not UTF-8 bytes. The bearer scheme is case-insensitive.

use crate::common;
use crate::common::{batch, order, replaced, string_leaves, TestServer, ADMIN_TOKEN};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use shared::protocol::{PushRequest, PROTOCOL_VERSION};
use sync_server::service::{self, ErrorKind};

/// Control characters to slip into fields: (name, character, percent-encoded).
const BAD: &[(&str, &str, &str)] =
    &[("NUL", "\u{0}", "%00"), ("ESC", "\u{1b}", "%1B"), ("line feed", "\n", "%0A"), ("C1 NEL", "\u{85}", "%C2%85")];

/// The middle of `s` with `bad` in it (or just `bad` for an empty string).
fn spiked(s: &str, bad: &str) -> String {
    let mid = s.char_indices().nth(s.chars().count() / 2).map(|(i, _)| i).unwrap_or(s.len());
    format!("{}{bad}{}", &s[..mid], &s[mid..])
}

struct Sweep<'a> {
    s: &'a TestServer,
    baseline: Vec<i64>,
    cases: usize,
    failures: Vec<String>,
}

impl<'a> Sweep<'a> {
    async fn new(s: &'a TestServer) -> Sweep<'a> {
        Sweep { s, baseline: s.fingerprint().await, cases: 0, failures: Vec::new() }
    }

    async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> (StatusCode, Value) {
        self.s.send(self.s.request(method, path, token, body)).await.into()
    }

    /// Sends a bad request; it must get `status` with `code`, a message naming `field`,
    /// and change nothing.
    #[allow(clippy::too_many_arguments)]
    async fn refused(
        &mut self,
        label: &str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        status: StatusCode,
        code: &str,
        field: &str,
    ) {
        self.cases += 1;
        let (got, reply) = self.send(method, path, token, body).await;
        let message = reply["error"]["message"].as_str().unwrap_or("");
        let mut problems = Vec::new();
        if got != status || reply["error"]["code"] != code {
            problems.push(format!("expected {status} {code}, got {got} {reply}"));
        } else if !message.contains(field) {
            problems.push(format!("the message does not name {field}: {message}"));
        }
        let now = self.s.fingerprint().await;
        if now != self.baseline {
            problems.push(format!("something was written: {:?} -> {now:?}", self.baseline));
            self.baseline = now;
        }
        if !problems.is_empty() {
            self.failures.push(format!("{label}: {}", problems.join("; ")));
        }
    }

    /// Every string of `body` spiked with every bad character.
    async fn body(&mut self, method: Method, path: &str, token: Option<&str>, body: &Value) {
        let mut leaves = Vec::new();
        string_leaves(body, String::new(), &mut leaves);
        assert!(!leaves.is_empty(), "{path}: no string fields to try");
        for (field, value) in leaves {
            for (name, bad, _) in BAD {
                let b = replaced(body, &field, &spiked(&value, bad));
                let label = format!("{method} {path}: {name} in {field}");
                let s = StatusCode::UNPROCESSABLE_ENTITY;
                self.refused(&label, method.clone(), path, token, Some(&b), s, "invalid_field", &field).await;
            }
        }
    }

    /// Every parameter of a query string spiked with every bad character.
    async fn query(&mut self, method: Method, path: &str, token: Option<&str>, params: &[(&str, &str)]) {
        for (i, (param, _)) in params.iter().enumerate() {
            for (name, _, encoded) in BAD {
                let query: Vec<String> = params
                    .iter()
                    .enumerate()
                    .map(|(j, (k, v))| if i == j { format!("{k}={}", spiked(v, encoded)) } else { format!("{k}={v}") })
                    .collect();
                let p = format!("{path}?{}", query.join("&"));
                let label = format!("{method} {p}: {name} in query parameter {param}");
                let s = StatusCode::BAD_REQUEST;
                self.refused(&label, method.clone(), &p, token, None, s, "invalid_query", &format!("\"{param}\""))
                    .await;
            }
        }
    }

    /// A path whose `{id}` is a real id spiked with every bad character.
    async fn path_id(&mut self, method: Method, template: &str, id: &str) {
        for (name, _, encoded) in BAD {
            let p = template.replace("{id}", &spiked(id, encoded));
            let label = format!("{method} {p}: {name} in the path id");
            let s = StatusCode::BAD_REQUEST;
            self.refused(&label, method.clone(), &p, Some(ADMIN_TOKEN), None, s, "invalid_path", "\"id\"").await;
        }
    }

    /// The unspiked request succeeds: each refusal above was the bad character's doing.
    async fn control(&mut self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> Value {
        let (got, reply) = self.send(method.clone(), path, token, body).await;
        if !got.is_success() {
            self.failures.push(format!("control {method} {path}: expected success, got {got} {reply}"));
        }
        self.baseline = self.s.fingerprint().await;
        reply
    }

    fn finish(self, name: &str) {
        println!("== {name}: {} cases, {} failed", self.cases, self.failures.len());
        assert!(
            self.failures.is_empty(),
            "{name}: {} of {} cases misbehaved:\n{}",
            self.failures.len(),
            self.cases,
            self.failures.join("\n")
        );
    }
}

/// New master data touching every import section and every string of each row.
fn full_import() -> Value {
    let fixture = serde_json::to_value(common::fixture()).unwrap();
    let node = with(fixture["nodes"][0].clone(), |n| {
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
        "nodes": [node],
        "styles": [{"code": "ST-N", "name": "卫衣", "category": "tops", "list_price": 29900}],
        "skus": [sku("SKU-N1", 101), sku("SKU-N2", 102)],
        "bundles": [{"sku_code": "SKU-N2", "components": [{"sku_code": "SKU-N1", "qty": 2}]}],
        "staff": [{"id": "STORE-N-A", "store_code": "STORE-N", "name": "导购", "role": "associate", "pin": "2468"}],
        "stock": [{"node_code": "STORE-N", "sku_code": "SKU-N1", "quality": "sellable", "on_hand": 10}],
    })
}

fn with(mut v: Value, f: impl FnOnce(&mut Value)) -> Value {
    f(&mut v);
    v
}

/// A push batch with every kind of op, every optional text field filled in.
fn every_op(fo: &str, order_id: &str) -> Value {
    let id = || uuid::Uuid::now_v7();
    batch(
        1,
        "STORE-A-A",
        vec![
            json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo}),
            json!({"kind": "StartPick", "fulfillment_order_id": fo}),
            json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": 1, "picked": 1}], "shortage_reason": "货架缺货"}),
            json!({"kind": "MarkReady", "fulfillment_order_id": fo}),
            json!({"kind": "HandOver", "fulfillment_order_id": fo, "verification": {"method": "pickup_code", "code": "12345678"}}),
            json!({"kind": "HandOver", "fulfillment_order_id": fo, "verification": {"method": "id_check", "manager_id": "STORE-A-M", "note": "身份证 1234", "approval": "AP1"}}),
            json!({"kind": "RejectFulfillment", "fulfillment_order_id": id(), "reason": "店内无货"}),
            json!({"kind": "RequestCourier", "fulfillment_order_id": id(), "carrier": "顺丰"}),
            json!({"kind": "RecordTracking", "fulfillment_order_id": id(), "carrier": "SF", "tracking_no": "SF1234567890"}),
            json!({"kind": "AcceptReturn", "return_id": id(), "order_id": order_id, "lines": [{"sku_code": "SKU-1", "qty": 1, "condition": "resaleable"}], "approved_by": "STORE-A-M", "approval": "AP1"}),
            json!({"kind": "PlaceOrder", "order_id": id(), "fulfillment": "ship",
                   "customer": {"name": "李四", "phone": "13900001111", "address": "杭州市西湖区", "location": {"lat": 30.27, "lon": 120.15}},
                   "lines": [{"sku_code": "SKU-3", "qty": 1, "unit_price": 59900}]}),
            json!({"kind": "CountStock", "count_id": id(), "lines": [{"sku_code": "SKU-2", "quality": "sellable", "counted": 2, "expected": 2}]}),
        ],
    )
}

#[tokio::test]
async fn control_characters_in_every_text_field_of_every_endpoint_are_refused() {
    let s = TestServer::with_fixture().await;
    let device = s.enrol("STORE-A").await;
    let placed = s.admin_post("/api/v1/orders", order("TXT-1", "pickup", Some("STORE-A"), &[("SKU-1", 1)])).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let order_id = placed.body["id"].as_str().unwrap().to_string();
    let fo = placed.body["fulfillment_orders"][0]["id"].as_str().unwrap().to_string();
    let held = s
        .admin_post(
            "/api/v1/reservations",
            json!({"reference": "TXT-R", "node_code": "WH-1", "sku_code": "SKU-2", "qty": 1}),
        )
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    let hold_id = held.body["id"].as_str().unwrap().to_string();
    let devices = s.admin_get("/api/v1/devices?store=STORE-A").await;
    let device_id = devices.body[0]["id"].as_str().unwrap().to_string();
    let mut m = Sweep::new(&s).await;
    let admin = Some(ADMIN_TOKEN);
    let dev = Some(device.as_str());

    // JSON bodies: every string, including enum values, ids and the order's optional parts.
    let import = full_import();
    m.body(Method::POST, "/api/v1/import", admin, &import).await;
    let adjustment = json!({"batch_id": "TXT-ADJ", "lines": [{"node_code": "WH-1", "sku_code": "SKU-3", "quality": "sellable", "delta": 1, "note": "盘盈"}]});
    m.body(Method::POST, "/api/v1/stock/adjustments", admin, &adjustment).await;
    let hold = json!({"reference": "TXT-R2", "node_code": "WH-1", "sku_code": "SKU-2", "qty": 1});
    m.body(Method::POST, "/api/v1/reservations", admin, &hold).await;
    let o = with(order("TXT-2", "pickup", Some("STORE-A"), &[("SKU-2", 1)]), |o| {
        o["associate_id"] = json!("STORE-A-A");
    });
    m.body(Method::POST, "/api/v1/orders", admin, &o).await;
    let code_req = json!({"store_code": "STORE-A"});
    m.body(Method::POST, "/api/v1/enrollment-codes", admin, &code_req).await;
    let push = every_op(&fo, &order_id);
    m.body(Method::POST, "/api/v1/sync/push", dev, &push).await;
    let code = m.control(Method::POST, "/api/v1/enrollment-codes", admin, Some(&code_req)).await;
    let enroll = json!({"code": code["code"], "device_name": "收银台 1", "protocol_version": 1});
    m.body(Method::POST, "/api/v1/enroll", None, &enroll).await;

    // Query parameters.
    m.query(Method::GET, "/api/v1/stock", admin, &[("node", "STORE-A"), ("sku", "SKU-1")]).await;
    m.query(Method::GET, "/api/v1/devices", admin, &[("store", "STORE-A")]).await;
    m.query(Method::GET, "/api/v1/conflicts", admin, &[("limit", "10")]).await;
    m.query(Method::POST, "/api/v1/notifications/claim", admin, &[("limit", "10")]).await;
    m.query(Method::GET, "/api/v1/sync/pull", dev, &[("cursor", "0"), ("limit", "10"), ("protocol_version", "1")])
        .await;
    m.query(Method::GET, "/api/v1/sync/availability", dev, &[("after", "SKU-1"), ("limit", "10")]).await;

    // Path ids.
    m.path_id(Method::DELETE, "/api/v1/reservations/{id}", &hold_id).await;
    m.path_id(Method::GET, "/api/v1/orders/{id}", &order_id).await;
    m.path_id(Method::POST, "/api/v1/orders/{id}/cancel", &order_id).await;
    m.path_id(Method::POST, "/api/v1/fulfillment-orders/{id}/delivered", &fo).await;
    m.path_id(Method::POST, "/api/v1/devices/{id}/revoke", &device_id).await;
    m.path_id(Method::POST, "/api/v1/notifications/{id}/ack", "1").await;

    // Controls: the same requests without the bad characters are accepted.
    m.control(Method::POST, "/api/v1/import", admin, Some(&import)).await;
    m.control(Method::POST, "/api/v1/stock/adjustments", admin, Some(&adjustment)).await;
    m.control(Method::POST, "/api/v1/reservations", admin, Some(&hold)).await;
    m.control(Method::POST, "/api/v1/orders", admin, Some(&o)).await;
    let r = m.control(Method::POST, "/api/v1/sync/push", dev, Some(&push)).await;
    assert_eq!(r["results"].as_array().map(Vec::len), Some(12), "{r}");
    m.control(Method::POST, "/api/v1/enroll", None, Some(&enroll)).await;
    m.control(Method::GET, "/api/v1/devices?store=STORE-A", admin, None).await;
    m.control(Method::DELETE, &format!("/api/v1/reservations/{hold_id}"), admin, None).await;
    m.control(Method::POST, &format!("/api/v1/devices/{device_id}/revoke"), admin, None).await;
    m.finish("control characters");
}

#[tokio::test]
async fn the_service_layer_refuses_control_characters_before_they_reach_storage() {
    // Callers other than HTTP (the CLI, tools) meet the same rules.
    let s = TestServer::with_fixture().await;
    let storage = s.storage.clone();

    let e = service::write(storage.as_ref(), |tx| service::enroll::create_code(tx, "STORE-A\0", 0)).await.unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Invalid, "invalid_field"), "{e}");
    assert!(e.message.starts_with("store_code "), "{e}");

    let before = s.fingerprint().await;
    let bodies: Vec<(&str, Value)> = vec![
        (
            "pickup_store",
            with(order("SVC-1", "pickup", Some("STORE-A"), &[("SKU-1", 1)]), |o| {
                o["pickup_store"] = json!("STORE-A\0")
            }),
        ),
        (
            "associate_id",
            with(order("SVC-1", "pickup", Some("STORE-A"), &[("SKU-1", 1)]), |o| o["associate_id"] = json!("S\0")),
        ),
        ("lines[0].sku_code", order("SVC-1", "ship", None, &[("SKU-1\0", 1)])),
        (
            "customer.name",
            with(order("SVC-1", "ship", None, &[("SKU-1", 1)]), |o| o["customer"]["name"] = json!("张\0三")),
        ),
        (
            "customer.address",
            with(order("SVC-1", "ship", None, &[("SKU-1", 1)]), |o| o["customer"]["address"] = json!("a\nb")),
        ),
    ];
    for (field, body) in bodies {
        let input: shared::order::ChannelOrderInput = serde_json::from_value(body).unwrap();
        let placed = service::intake::PlacedBy::default();
        let e = service::write(storage.as_ref(), move |tx| service::intake::intake(tx, &input, &placed).map(|_| ()))
            .await
            .unwrap_err();
        assert_eq!((e.kind, e.code), (ErrorKind::Invalid, "invalid_field"), "{field}: {e}");
        assert!(e.message.starts_with(&format!("{field} must be")), "{field}: {e}");
    }
    assert_eq!(s.fingerprint().await, before, "a refused order wrote something");

    // A push batch is checked whole before anything is applied: every text field of every op.
    let fo = uuid::Uuid::now_v7().to_string();
    let good = every_op(&fo, &uuid::Uuid::now_v7().to_string());
    let req: PushRequest = serde_json::from_value(good.clone()).unwrap();
    assert_eq!(req.protocol_version, PROTOCOL_VERSION);
    service::push::check_batch(&req).unwrap();
    let mut leaves = Vec::new();
    string_leaves(&good, String::new(), &mut leaves);
    let mut checked = 0;
    for (field, value) in leaves {
        let bad = replaced(&good, &field, &spiked(&value, "\0"));
        // Ids, times and enum values with a NUL do not even parse; every free-text field does.
        let Ok(req) = serde_json::from_value::<PushRequest>(bad) else { continue };
        let e = service::push::check_batch(&req).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid, "{field}: {e}");
        assert!(e.message.starts_with(&format!("{field} must be")), "{field}: {e}");
        checked += 1;
    }
    // staff_id in each of the 12 envelopes and the 17 free-text fields of the ops.
    assert_eq!(checked, 12 + 17, "text fields checked");
}

#[tokio::test]
async fn lengths_count_characters_not_utf8_bytes() {
    let s = TestServer::with_fixture().await;
    let style = |name: String| json!({"styles": [{"code": "ST-ZH", "name": name, "category": "鞋", "list_price": 1}]});
    let node = |name: String| {
        let fixture = serde_json::to_value(common::fixture()).unwrap();
        json!({"nodes": [with(fixture["nodes"][0].clone(), |n| n["name"] = json!(name))]})
    };
    let accepted = [
        ("a style name of 100 Chinese characters", style("款".repeat(100))),
        ("a style name of 200 Chinese characters", style("款".repeat(200))),
        ("a store name of 200 Chinese characters", node("店".repeat(200))),
    ];
    for (what, body) in accepted {
        let r = s.admin_post("/api/v1/import", body).await;
        assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.body);
    }
    for (what, body, field) in [
        ("a style name of 201 Chinese characters", style("款".repeat(201)), "style name"),
        ("a store name of 201 Chinese characters", node("店".repeat(201)), "node name"),
    ] {
        let before = s.fingerprint().await;
        let r = s.admin_post("/api/v1/import", body).await;
        assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field"), "{what}: {}", r.body);
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("{field} must be 1 to 200 characters")), "{what}: {message}");
        assert_eq!(s.fingerprint().await, before, "{what}");
    }

    let customer = |name: String| {
        with(order(&format!("ZH-{}", name.chars().count()), "pickup", Some("STORE-A"), &[("SKU-1", 1)]), |o| {
            o["customer"]["name"] = json!(name)
        })
    };
    let r = s.admin_post("/api/v1/orders", customer("张".repeat(100))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = s.admin_post("/api/v1/orders", customer("张".repeat(101))).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field"), "{}", r.body);

    let r = s
        .admin_post(
            "/api/v1/reservations",
            json!({"reference": "预".repeat(100), "node_code": "WH-1", "sku_code": "SKU-2", "qty": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let adj = json!({"batch_id": "批".repeat(100), "lines": [{"node_code": "WH-1", "sku_code": "SKU-3", "quality": "sellable", "delta": 1, "note": ""}]});
    let r = s.admin_post("/api/v1/stock/adjustments", adj).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let code = s.admin_post("/api/v1/enrollment-codes", json!({"store_code": "STORE-A"})).await;
    let enroll = |name: String| json!({"code": code.body["code"], "device_name": name, "protocol_version": 1});
    let r = s
        .raw(Method::POST, "/api/v1/enroll", None, "application/json", enroll("台".repeat(101)).to_string().into())
        .await;
    assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_device_name"), "{}", r.body);
    let r = s
        .raw(Method::POST, "/api/v1/enroll", None, "application/json", enroll("台".repeat(100)).to_string().into())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = r.body["token"].as_str().unwrap().to_string();

    // A store's reason of 500 Chinese characters is applied; 501 is a rejected op.
    let placed = s.admin_post("/api/v1/orders", order("ZH-REJ", "pickup", Some("STORE-A"), &[("SKU-1", 1)])).await;
    let fo = placed.body["fulfillment_orders"][0]["id"].as_str().unwrap().to_string();
    let reject = |n: usize| json!({"kind": "RejectFulfillment", "fulfillment_order_id": fo, "reason": "缺".repeat(n)});
    let r = s.device_post(&token, "/api/v1/sync/push", batch(1, "STORE-A-A", vec![reject(501), reject(500)])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["results"][0]["outcome"]["code"], "invalid_field", "{}", r.body);
    assert_eq!(r.body["results"][1]["outcome"]["status"], "applied", "{}", r.body);
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let s = TestServer::with_fixture().await;
    let device = s.enrol("STORE-A").await;
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let r = s
            .client
            .get(format!("{}/api/v1/stock/audit", s.base))
            .header("authorization", format!("{scheme} {ADMIN_TOKEN}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "admin with {scheme}");
        let r = s
            .client
            .get(format!("{}/api/v1/sync/pull?cursor=0", s.base))
            .header("authorization", format!("{scheme} {device}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "device with {scheme}");
    }
    for wrong in [
        format!("Basic {ADMIN_TOKEN}"),
        format!("Bearer{ADMIN_TOKEN}"),
        format!("Bearers {ADMIN_TOKEN}"),
        ADMIN_TOKEN.to_string(),
    ] {
        let r = s
            .client
            .get(format!("{}/api/v1/stock/audit", s.base))
            .header("authorization", wrong.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{wrong}");
    }
}
