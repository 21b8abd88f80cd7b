//! Bad input of every kind against every endpoint: each request must get the specific 4xx,
//! a JSON `{"error":{"code","message"}}` body, and change nothing (the fingerprint of every
//! fact table stays the same). A panic in a handler is a bug, so each test ends by checking
//! that the server is still healthy.
//!
//! Every case runs even when an earlier one fails; a test fails at its end with the full
//! list of cases that did not behave (status, body, fingerprint), so one run shows them all.

mod common;

use common::{batch, order, Reply, TestServer, ADMIN};
use reqwest::header::HeaderValue;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const JSON: &str = "application/json";
const MIB: usize = 1024 * 1024;

/// One request to send.
struct Req {
    method: Method,
    path: String,
    /// The raw `Authorization` header value, if any.
    auth: Option<Vec<u8>>,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

impl Req {
    fn new(method: Method, path: &str, token: Option<&str>) -> Req {
        Req {
            method,
            path: path.to_string(),
            auth: token.map(|t| format!("Bearer {t}").into_bytes()),
            content_type: None,
            body: Vec::new(),
        }
    }
    fn content_type(mut self, ct: Option<&'static str>) -> Req {
        self.content_type = ct;
        self
    }
    fn body(mut self, body: impl Into<Vec<u8>>) -> Req {
        self.body = body.into();
        self
    }
    fn auth_raw(mut self, value: &[u8]) -> Req {
        self.auth = Some(value.to_vec());
        self
    }
}

fn get(path: &str, token: Option<&str>) -> Req {
    Req::new(Method::GET, path, token)
}

fn post(path: &str, token: Option<&str>, body: &Value) -> Req {
    Req::new(Method::POST, path, token).content_type(Some(JSON)).body(serde_json::to_vec(body).unwrap())
}

fn post_raw(path: &str, token: Option<&str>, content_type: Option<&'static str>, body: impl Into<Vec<u8>>) -> Req {
    Req::new(Method::POST, path, token).content_type(content_type).body(body)
}

async fn send(s: &TestServer, r: Req) -> Result<Reply, String> {
    let mut b = s.client.request(r.method.clone(), format!("{}{}", s.base, r.path));
    if let Some(ct) = r.content_type {
        b = b.header("content-type", ct);
    }
    if let Some(a) = &r.auth {
        b = b.header("authorization", HeaderValue::from_bytes(a).map_err(|e| format!("bad test header: {e}"))?);
    }
    if !r.body.is_empty() {
        b = b.body(r.body);
    }
    let resp = b.send().await.map_err(|e| format!("transport error (connection dropped?): {e:?}"))?;
    let status = resp.status();
    let text = resp.text().await.map_err(|e| format!("transport error reading body: {e:?}"))?;
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    Ok(Reply { status, body })
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 400 {
        format!(
            "{}… ({} bytes)",
            &s[..s.char_indices().take_while(|(i, _)| *i < 400).last().map(|(i, _)| i).unwrap_or(0)],
            s.len()
        )
    } else {
        s
    }
}

/// Runs cases against one server and collects what went wrong.
struct Matrix<'a> {
    s: &'a TestServer,
    baseline: Vec<i64>,
    passed: Vec<String>,
    failures: Vec<String>,
}

impl<'a> Matrix<'a> {
    async fn new(s: &'a TestServer) -> Matrix<'a> {
        Matrix { s, baseline: s.fingerprint().await, passed: Vec::new(), failures: Vec::new() }
    }

    /// Accepts the current state after deliberate setup writes.
    async fn rebase(&mut self) {
        self.baseline = self.s.fingerprint().await;
    }

    async fn check_unchanged(&mut self, problems: &mut Vec<String>) {
        let now = self.s.fingerprint().await;
        if now != self.baseline {
            problems.push(format!("fingerprint changed {:?} -> {:?} (something was written)", self.baseline, now));
            self.baseline = now;
        }
    }

    fn record(&mut self, label: &str, problems: Vec<String>) {
        if problems.is_empty() {
            self.passed.push(label.to_string());
        } else {
            self.failures.push(format!("{label}: {}", problems.join("; ")));
        }
    }

    /// Sends `req`; expects `status`, an error body (with `code` when given) and no change.
    async fn expect_code(&mut self, label: &str, status: StatusCode, code: Option<&str>, req: Req) -> Option<Reply> {
        let mut problems = Vec::new();
        let reply = match send(self.s, req).await {
            Ok(r) => Some(r),
            Err(e) => {
                problems.push(e);
                None
            }
        };
        if let Some(r) = &reply {
            let got_code = r.body["error"]["code"].as_str().unwrap_or("");
            let got_message = r.body["error"]["message"].as_str().unwrap_or("");
            if r.status != status {
                problems.push(format!("expected {status}, got {} with body {}", r.status, short(&r.body)));
            } else if got_code.is_empty() || got_message.is_empty() {
                problems.push(format!("{} without a JSON error code and message: body {}", r.status, short(&r.body)));
            } else if let Some(want) = code {
                if got_code != want {
                    problems.push(format!("expected error code {want:?}, got {got_code:?} ({got_message})"));
                }
            }
        }
        self.check_unchanged(&mut problems).await;
        self.record(label, problems);
        reply
    }

    async fn expect(&mut self, label: &str, status: StatusCode, req: Req) -> Option<Reply> {
        self.expect_code(label, status, None, req).await
    }

    /// A replay of something already done: `status` and a success body, and no change.
    async fn expect_replay(&mut self, label: &str, status: StatusCode, req: Req) -> Option<Reply> {
        let mut problems = Vec::new();
        let reply = match send(self.s, req).await {
            Ok(r) => Some(r),
            Err(e) => {
                problems.push(e);
                None
            }
        };
        if let Some(r) = &reply {
            if r.status != status {
                problems.push(format!("expected {status}, got {} with body {}", r.status, short(&r.body)));
            }
        }
        self.check_unchanged(&mut problems).await;
        self.record(label, problems);
        reply
    }

    /// A deliberate setup step that must succeed.
    async fn setup(&mut self, label: &str, status: StatusCode, req: Req) -> Reply {
        let r = send(self.s, req).await.unwrap_or_else(|e| panic!("setup {label}: {e}"));
        assert_eq!(r.status, status, "setup {label}: {}", short(&r.body));
        self.rebase().await;
        r
    }

    /// Asserts the server survived, prints the case list and fails with every bad case.
    async fn finish(mut self, name: &str) {
        let mut problems = Vec::new();
        match send(self.s, get("/healthz", None)).await {
            Ok(r) if r.status == StatusCode::OK => {}
            Ok(r) => problems.push(format!("expected 200, got {} {}", r.status, short(&r.body))),
            Err(e) => problems.push(e),
        }
        self.record("GET /healthz still 200 afterwards", problems);
        println!(
            "== {name}: {} cases, {} passed, {} failed",
            self.passed.len() + self.failures.len(),
            self.passed.len(),
            self.failures.len()
        );
        for p in &self.passed {
            println!("PASS {p}");
        }
        for f in &self.failures {
            println!("FAIL {f}");
        }
        assert!(
            self.failures.is_empty(),
            "{name}: {} of {} bad-input cases misbehaved:\n{}",
            self.failures.len(),
            self.passed.len() + self.failures.len(),
            self.failures.join("\n")
        );
    }
}

fn fulfillment_id(order: &Value, node: &str) -> String {
    order["fulfillment_orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["node_code"] == node)
        .expect("a fulfillment order at the node")["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn with(mut v: Value, f: impl FnOnce(&mut Value)) -> Value {
    f(&mut v);
    v
}

fn random_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn valid_adjustment(batch_id: &str, delta: i64) -> Value {
    json!({ "batch_id": batch_id, "lines": [{ "node_code": "STORE-A", "sku_code": "SKU-1", "quality": "sellable", "delta": delta, "note": "ERP correction" }] })
}

fn valid_hold(reference: &str, qty: Value) -> Value {
    json!({ "reference": reference, "node_code": "STORE-A", "sku_code": "SKU-1", "qty": qty })
}

fn count_op(counted: Value) -> Value {
    json!({"kind": "CountStock", "count_id": uuid::Uuid::now_v7(), "lines": [{"sku_code": "SKU-1", "quality": "sellable", "counted": counted, "expected": 5}]})
}

fn place_order_op(qty: Value) -> Value {
    json!({"kind": "PlaceOrder", "order_id": uuid::Uuid::now_v7(), "fulfillment": "ship",
           "customer": {"name": "李四", "phone": "13900001111", "address": "杭州", "location": {"lat": 30.27, "lon": 120.15}},
           "lines": [{"sku_code": "SKU-3", "qty": qty, "unit_price": 59900}]})
}

/// A string field of `n` bytes.
fn big_string(n: usize) -> String {
    "x".repeat(n)
}

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
        let req = Req::new(method.clone(), path, None).auth_raw(format!("Basic {ADMIN}").as_bytes());
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
        ("the admin token", Some(ADMIN)),
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

#[tokio::test]
async fn malformed_bodies_are_refused_by_every_json_endpoint() {
    use StatusCode as S;
    let s = TestServer::with_fixture().await;
    let device = s.enrol("STORE-A").await;
    let mut m = Matrix::new(&s).await;
    let admin = Some(ADMIN);

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
    let admin = Some(ADMIN);
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
    if a["on_hand"] != 5 {
        m.failures.push(format!(
            "import all-or-nothing: STORE-A SKU-1 on_hand is {} after failed imports, want 5",
            a["on_hand"]
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
    assert_eq!(s.stock("STORE-A", "SKU-1").await["on_hand"], 50);
    m.finish("imports").await;
}

#[tokio::test]
async fn orders_refuse_bad_lines_nodes_and_ids() {
    use StatusCode as S;
    let s = TestServer::with_fixture().await;
    let mut m = Matrix::new(&s).await;
    let admin = Some(ADMIN);
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

#[tokio::test]
async fn stock_adjustments_reservations_and_queries() {
    use StatusCode as S;
    let s = TestServer::with_fixture().await;
    let mut m = Matrix::new(&s).await;
    let admin = Some(ADMIN);
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

#[tokio::test]
async fn enrollment_codes_enrollment_and_devices() {
    use StatusCode as S;
    let s = TestServer::with_fixture().await;
    let mut m = Matrix::new(&s).await;
    let admin = Some(ADMIN);
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

#[tokio::test]
async fn push_refuses_bad_batches_whole() {
    use StatusCode as S;
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    let r = s.admin_post("/api/v1/orders", order("PUSH-1", "pickup", Some("STORE-A"), &[("SKU-1", 1)])).await;
    assert_eq!(r.status, S::CREATED, "{}", r.body);
    let fo = fulfillment_id(&r.body, "STORE-A");
    let order_id = r.body["id"].as_str().unwrap().to_string();
    let mut m = Matrix::new(&s).await;
    let dev = Some(a.as_str());
    let path = "/api/v1/sync/push";
    let accept = json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo});
    let one = |op: Value| batch(1, "STORE-A-A", vec![op]);
    let env = |f: &dyn Fn(&mut Value)| with(one(accept.clone()), |v| f(&mut v["ops"][0]));

    let cases: Vec<(&str, StatusCode, Option<&str>, Value)> = vec![
        (
            "protocol_version 2",
            S::BAD_REQUEST,
            Some("unsupported_protocol_version"),
            with(one(accept.clone()), |v| v["protocol_version"] = json!(2)),
        ),
        (
            "protocol_version \"1\" (string)",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            with(one(accept.clone()), |v| v["protocol_version"] = json!("1")),
        ),
        ("ops missing", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), json!({"protocol_version": 1})),
        (
            "ops is an object",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            with(one(accept.clone()), |v| v["ops"] = v["ops"][0].clone()),
        ),
        (
            "unknown field in an envelope",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            env(&|e| e["priority"] = json!(1)),
        ),
        (
            "unknown field in an op",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            env(&|e| e["op"]["force"] = json!(true)),
        ),
        (
            "unknown op kind Teleport",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            env(&|e| e["op"]["kind"] = json!("Teleport")),
        ),
        (
            "op kind in lower case",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            env(&|e| e["op"]["kind"] = json!("acceptfulfillment")),
        ),
        (
            "op without kind",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            env(&|e| {
                e["op"].as_object_mut().unwrap().remove("kind");
            }),
        ),
        ("op_id not a UUID", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), env(&|e| e["op_id"] = json!("op-1"))),
        (
            "fulfillment_order_id not a UUID",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            env(&|e| e["op"]["fulfillment_order_id"] = json!("FO-1")),
        ),
        (
            "device_time not a time",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            env(&|e| e["device_time"] = json!("yesterday")),
        ),
        ("device_seq -1", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), env(&|e| e["device_seq"] = json!(-1))),
        ("device_seq 0", S::UNPROCESSABLE_ENTITY, Some("invalid_sequence"), env(&|e| e["device_seq"] = json!(0))),
        (
            "device_seq 2^63",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_sequence"),
            env(&|e| e["device_seq"] = json!(9_223_372_036_854_775_808u64)),
        ),
        (
            "device_seq \"1\" (string)",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            env(&|e| e["device_seq"] = json!("1")),
        ),
        ("empty staff_id", S::UNPROCESSABLE_ENTITY, Some("invalid_staff"), env(&|e| e["staff_id"] = json!(""))),
        (
            "65-character staff_id",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_staff"),
            env(&|e| e["staff_id"] = json!("S".repeat(65))),
        ),
        ("PlaceOrder qty -1", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), one(place_order_op(json!(-1)))),
        ("PlaceOrder qty 0", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), one(place_order_op(json!(0)))),
        ("PlaceOrder qty 100001", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), one(place_order_op(json!(100_001)))),
        (
            "AcceptReturn qty 0",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            one(
                json!({"kind": "AcceptReturn", "return_id": uuid::Uuid::now_v7(), "order_id": order_id, "lines": [{"sku_code": "SKU-1", "qty": 0, "condition": "resaleable"}]}),
            ),
        ),
        (
            "AcceptReturn qty -2",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            one(
                json!({"kind": "AcceptReturn", "return_id": uuid::Uuid::now_v7(), "order_id": order_id, "lines": [{"sku_code": "SKU-1", "qty": -2, "condition": "resaleable"}]}),
            ),
        ),
        (
            "AcceptReturn qty 100001",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            one(
                json!({"kind": "AcceptReturn", "return_id": uuid::Uuid::now_v7(), "order_id": order_id, "lines": [{"sku_code": "SKU-1", "qty": 100_001, "condition": "resaleable"}]}),
            ),
        ),
        (
            "AcceptReturn condition \"stolen\"",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            one(
                json!({"kind": "AcceptReturn", "return_id": uuid::Uuid::now_v7(), "order_id": order_id, "lines": [{"sku_code": "SKU-1", "qty": 1, "condition": "stolen"}]}),
            ),
        ),
        ("CountStock counted -1", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), one(count_op(json!(-1)))),
        ("CountStock counted 100001", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), one(count_op(json!(100_001)))),
        ("CountStock counted 2.5", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), one(count_op(json!(2.5)))),
        (
            "ConfirmPick picked -1",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            one(json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": 1, "picked": -1}]})),
        ),
        (
            "ConfirmPick picked 100001",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            one(
                json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": 1, "picked": 100_001}]}),
            ),
        ),
        (
            "ConfirmPick line_no -1",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            one(json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": -1, "picked": 1}]})),
        ),
        (
            "HandOver with an unknown verification method",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            one(json!({"kind": "HandOver", "fulfillment_order_id": fo, "verification": {"method": "telepathy"}})),
        ),
        (
            "valid ops followed by a CountStock with counted -1",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            batch(1, "STORE-A-A", vec![accept.clone(), count_op(json!(3)), count_op(json!(-1))]),
        ),
        (
            "501 ops",
            S::UNPROCESSABLE_ENTITY,
            Some("batch_too_large"),
            batch(1, "STORE-A-A", (0..501).map(|_| count_op(json!(5))).collect()),
        ),
        (
            "duplicate op_ids in one batch",
            S::UNPROCESSABLE_ENTITY,
            Some("duplicate_op_id"),
            with(batch(1, "STORE-A-A", vec![accept.clone(), count_op(json!(5))]), |v| {
                v["ops"][1]["op_id"] = v["ops"][0]["op_id"].clone()
            }),
        ),
        (
            "reordered batch",
            S::CONFLICT,
            Some("reordered_batch"),
            with(batch(1, "STORE-A-A", vec![accept.clone(), count_op(json!(5))]), |v| {
                v["ops"].as_array_mut().unwrap().reverse()
            }),
        ),
        (
            "the same device_seq twice",
            S::CONFLICT,
            Some("reordered_batch"),
            with(batch(1, "STORE-A-A", vec![accept.clone(), count_op(json!(5))]), |v| {
                v["ops"][1]["device_seq"] = json!(1)
            }),
        ),
        (
            "a gap inside the batch",
            S::CONFLICT,
            Some("reordered_batch"),
            with(batch(1, "STORE-A-A", vec![accept.clone(), count_op(json!(5))]), |v| {
                v["ops"][1]["device_seq"] = json!(3)
            }),
        ),
        (
            "a batch starting after a gap",
            S::CONFLICT,
            Some("sequence_gap"),
            batch(4, "STORE-A-A", vec![accept.clone()]),
        ),
    ];
    for (what, status, code, body) in cases {
        m.expect_code(&format!("push: {what} -> {}", status.as_u16()), status, code, post(path, dev, &body)).await;
    }

    // A batch was applied; replaying it is harmless, contradicting it is refused whole.
    let applied_batch = batch(1, "STORE-A-A", vec![accept.clone()]);
    let first = m.setup("push: AcceptFulfillment as seq 1", S::OK, post(path, dev, &applied_batch)).await;
    assert_eq!(first.body["results"][0]["outcome"]["status"], "applied", "{}", first.body);
    let replay = m
        .expect_replay(
            "push: replay of the applied batch -> 200, nothing changes",
            S::OK,
            post(path, dev, &applied_batch),
        )
        .await;
    if let Some(r) = replay {
        if r.body != first.body {
            m.failures.push(format!(
                "push replay: results differ: first {} then {}",
                short(&first.body),
                short(&r.body)
            ));
        }
    }
    m.expect_code(
        "push: a different op under seq 1 -> 409",
        S::CONFLICT,
        Some("sequence_conflict"),
        post(path, dev, &batch(1, "STORE-A-A", vec![json!({"kind": "StartPick", "fulfillment_order_id": fo})])),
    )
    .await;
    let reused = with(
        batch(2, "STORE-A-A", vec![json!({"kind": "StartPick", "fulfillment_order_id": fo}), count_op(json!(5))]),
        |v| {
            v["ops"][1]["op_id"] = applied_batch["ops"][0]["op_id"].clone();
        },
    );
    // An op_id the server applied gets its stored result whatever sequence it now carries
    // (a device re-enrolled at its store renumbers its outbox); the sequence goes on after it.
    let renumbered =
        m.setup("push: new seq 2, then seq 1's op_id again as seq 3 -> 200", S::OK, post(path, dev, &reused)).await;
    assert_eq!(renumbered.body["results"][1]["outcome"], first.body["results"][0]["outcome"], "{}", renumbered.body);
    let replay_then_bad = with(batch(1, "STORE-A-A", vec![accept.clone(), count_op(json!(5))]), |v| {
        v["ops"][0] = applied_batch["ops"][0].clone();
        v["ops"][1]["op"]["lines"][0]["quality"] = json!("stolen");
    });
    m.expect_code(
        "push: replayed op then a malformed op -> 422",
        S::UNPROCESSABLE_ENTITY,
        Some("invalid_body"),
        post(path, dev, &replay_then_bad),
    )
    .await;
    // The device's sequence did not move: seq 4 is still the next one the server accepts.
    m.setup(
        "push: seq 4 still accepted after the refused batches",
        S::OK,
        post(path, dev, &batch(4, "STORE-A-A", vec![json!({"kind": "MarkReady", "fulfillment_order_id": fo})])),
    )
    .await;
    m.finish("push").await;
}

#[tokio::test]
async fn pull_refuses_bad_cursors_and_limits() {
    use StatusCode as S;
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    let mut m = Matrix::new(&s).await;
    let dev = Some(a.as_str());
    let cases: Vec<(&str, &str, &str)> = vec![
        ("no cursor", "/api/v1/sync/pull", "invalid_query"),
        ("no cursor, only a limit", "/api/v1/sync/pull?limit=10", "invalid_query"),
        ("limit=-1", "/api/v1/sync/pull?cursor=0&limit=-1", "invalid_query"),
        ("limit=abc", "/api/v1/sync/pull?cursor=0&limit=abc", "invalid_query"),
        ("limit=4294967296", "/api/v1/sync/pull?cursor=0&limit=4294967296", "invalid_query"),
        ("limit=1.5", "/api/v1/sync/pull?cursor=0&limit=1.5", "invalid_query"),
        ("an unknown parameter", "/api/v1/sync/pull?cursor=0&store=STORE-B", "invalid_query"),
        ("cursor twice", "/api/v1/sync/pull?cursor=0&cursor=1", "invalid_query"),
        ("a garbage cursor", "/api/v1/sync/pull?cursor=garbage", "invalid_cursor"),
        ("an empty cursor", "/api/v1/sync/pull?cursor=", "invalid_cursor"),
        ("cursor -1", "/api/v1/sync/pull?cursor=-1", "invalid_cursor"),
        ("cursor c/abc/1", "/api/v1/sync/pull?cursor=c/abc/1", "invalid_cursor"),
        ("cursor c/-1/-1", "/api/v1/sync/pull?cursor=c/-1/-1", "invalid_cursor"),
        ("cursor c/1 (missing part)", "/api/v1/sync/pull?cursor=c/1", "invalid_cursor"),
        ("cursor c/99999999999999999999/0", "/api/v1/sync/pull?cursor=c/99999999999999999999/0", "invalid_cursor"),
        ("cursor b/0/0 (truncated)", "/api/v1/sync/pull?cursor=b/0/0", "invalid_cursor"),
        ("cursor with section 7", "/api/v1/sync/pull?cursor=b/0/0/0/7/x", "invalid_cursor"),
        ("cursor with section 4294967296", "/api/v1/sync/pull?cursor=b/0/0/0/4294967296/x", "invalid_cursor"),
        ("cursor with a NUL byte", "/api/v1/sync/pull?cursor=c/1/1%00", "invalid_query"),
    ];
    for (what, p, code) in cases {
        m.expect_code(&format!("pull with {what} -> 400"), S::BAD_REQUEST, Some(code), get(p, dev)).await;
    }
    m.finish("pull").await;
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_get_json_errors() {
    use StatusCode as S;
    let s = TestServer::with_fixture().await;
    let mut m = Matrix::new(&s).await;
    let admin = Some(ADMIN);
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
