//! Bad input of every kind against every endpoint: each request must get the specific 4xx,
//! a JSON `{"error":{"code","message"}}` body, and change nothing (the fingerprint of every
//! fact table stays the same). A panic in a handler is a bug, so each test ends by checking
//! that the server is still healthy.
//!
//! Every case runs even when an earlier one fails; a test fails at its end with the full
//! list of cases that did not behave (status, body, fingerprint), so one run shows them all.

use crate::common;
use crate::common::{batch, order, Reply, TestServer, ADMIN_TOKEN};
use reqwest::header::HeaderValue;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

mod aisle;
mod bodies;
mod credentials;
mod devices;
mod import;
mod orders;
mod pull;
mod push;
mod returns;
mod routes;
mod stock;

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
    s.try_send(b).await.map_err(|e| format!("transport error (connection dropped?): {e:?}"))
}

/// The start of a body, for a failure message.
fn short(v: &Value) -> String {
    test_support::excerpt(&v.to_string(), 400)
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

/// A string field of `n` bytes.
fn big_string(n: usize) -> String {
    "x".repeat(n)
}
