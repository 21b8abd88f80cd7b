//! Failed credential checks are limited per source and per enrollment code, with a clear
//! 429 `rate_limited` and `Retry-After`, and nothing changes while refused. (Issue 9, item
//! 21: enrollment codes could be guessed without limit.)
//!
//! The server runs with the default limits (10 failures per source, 5 per code, per
//! minute). Each loopback address 127.0.0.N is a different source.

use crate::common;
use crate::common::{TestServer, ADMIN_TOKEN};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::net::IpAddr;
use sync_server::http::rate_limit::{self, Limits};
use sync_server::http::serve::ServeLimits;

/// A client whose requests come from `127.0.0.{n}`.
fn from(n: u8) -> reqwest::Client {
    reqwest::Client::builder().local_address(IpAddr::from([127, 0, 0, n])).build().unwrap()
}

struct Answer {
    status: StatusCode,
    retry_after: Option<u64>,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

async fn answer(req: reqwest::RequestBuilder) -> Answer {
    let r = req.send().await.unwrap();
    let status = r.status();
    let retry_after = r.headers().get("retry-after").map(|v| v.to_str().unwrap().parse().unwrap());
    let body = r.json().await.unwrap_or(Value::Null);
    Answer { status, retry_after, body }
}

async fn enroll(s: &TestServer, client: &reqwest::Client, code: &str) -> Answer {
    answer(
        client
            .post(format!("{}/api/v1/enroll", s.base))
            .json(&json!({ "code": code, "device_name": "guessing tablet", "protocol_version": 1 })),
    )
    .await
}

async fn new_code(s: &TestServer) -> String {
    s.enrollment_code("STORE-A").await
}

fn assert_refused(a: &Answer, what: &str) {
    assert_eq!((a.status, a.code()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"), "{what}: {}", a.body);
    assert!(a.body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {}", a.body);
    let secs = a.retry_after.unwrap_or_else(|| panic!("{what}: no Retry-After"));
    assert!((1..=rate_limit::DEFAULT_WINDOW.as_secs()).contains(&secs), "{what}: Retry-After {secs}");
}

async fn server() -> TestServer {
    let s = TestServer::start_with(ServeLimits::default(), Limits::default()).await;
    s.import(&common::fixture()).await;
    s
}

#[tokio::test]
async fn guessing_enrollment_codes_from_one_source_is_refused_after_ten_failures() {
    let s = server().await;
    let good = new_code(&s).await;
    let guesser = from(2);
    for i in 0..rate_limit::DEFAULT_PER_SOURCE {
        let a = enroll(&s, &guesser, &format!("GUES-SNUM-{i:04}")).await;
        assert_eq!((a.status, a.code()), (StatusCode::UNAUTHORIZED, "invalid_enrollment_code"), "guess {i}");
    }
    let before = s.fingerprint().await;
    // Now even the right code is refused from there, and so is any other credential.
    assert_refused(&enroll(&s, &guesser, &good).await, "the right code from the guessing source");
    assert_refused(&enroll(&s, &guesser, "GUES-SNUM-9999").await, "another guess");
    let admin = answer(guesser.get(format!("{}/api/v1/devices", s.base)).bearer_auth(ADMIN_TOKEN)).await;
    assert_refused(&admin, "the admin token from the guessing source");
    assert_eq!(s.fingerprint().await, before, "a refused attempt changed something");
    // Another source is not held back: the code still works, once.
    let a = enroll(&s, &from(3), &good).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
}

#[tokio::test]
async fn one_code_is_refused_after_five_failures_from_any_sources_but_other_codes_work() {
    let s = server().await;
    let target = "ABCD-EFGH-JKLM";
    for n in 0..rate_limit::DEFAULT_PER_CODE as u8 {
        let a = enroll(&s, &from(10 + n), target).await;
        assert_eq!((a.status, a.code()), (StatusCode::UNAUTHORIZED, "invalid_enrollment_code"), "try {n}");
    }
    // The same code in another spelling, from a fresh source: refused.
    assert_refused(&enroll(&s, &from(20), "abcd efgh jklm").await, "the code after five failures");
    // A fresh source with a real code is not held back by failures on another code.
    let good = new_code(&s).await;
    let a = enroll(&s, &from(20), &good).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    // Nor is one of the sources that failed on the code, with its own budget left.
    let good = new_code(&s).await;
    let a = enroll(&s, &from(10), &good).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
}

#[tokio::test]
async fn wrong_device_and_admin_tokens_count_per_source_and_revoked_tokens_do_not() {
    let s = server().await;
    let token = s.enrol("STORE-A").await;
    let pull = |client: &reqwest::Client, t: &str| {
        client.get(format!("{}/api/v1/sync/pull?cursor=0", s.base)).bearer_auth(t.to_string())
    };

    // Unknown device tokens from one source.
    let guesser = from(30);
    for i in 0..rate_limit::DEFAULT_PER_SOURCE {
        let a = answer(pull(&guesser, &format!("{i:064x}"))).await;
        assert_eq!((a.status, a.code()), (StatusCode::UNAUTHORIZED, "invalid_token"), "guess {i}");
    }
    assert_refused(&answer(pull(&guesser, &token)).await, "a real device token from the guessing source");
    let a = answer(pull(&from(31), &token)).await;
    assert_eq!(a.status, StatusCode::OK, "another source: {}", a.body);

    // Wrong admin tokens from another source.
    let admin_guesser = from(32);
    for i in 0..rate_limit::DEFAULT_PER_SOURCE {
        let a =
            answer(admin_guesser.get(format!("{}/api/v1/devices", s.base)).bearer_auth(format!("guess-{i:020}"))).await;
        assert_eq!((a.status, a.code()), (StatusCode::UNAUTHORIZED, "invalid_token"), "admin guess {i}");
    }
    let a = answer(admin_guesser.get(format!("{}/api/v1/devices", s.base)).bearer_auth(ADMIN_TOKEN)).await;
    assert_refused(&a, "the admin token from the guessing source");
    let a = answer(from(33).get(format!("{}/api/v1/devices", s.base)).bearer_auth(ADMIN_TOKEN)).await;
    assert_eq!(a.status, StatusCode::OK, "another source: {}", a.body);

    // A revoked device keeps trying with its real token: that is no guess, and must not
    // lock its store's address out.
    let code = new_code(&s).await;
    let enrolled = enroll(&s, &from(35), &code).await;
    assert_eq!(enrolled.status, StatusCode::CREATED, "{}", enrolled.body);
    let revoked = enrolled.body["token"].as_str().unwrap().to_string();
    let id = enrolled.body["device_id"].as_str().unwrap();
    let r = s.admin_post(&format!("/api/v1/devices/{id}/revoke"), json!(null)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let store = from(34);
    for i in 0..3 * rate_limit::DEFAULT_PER_SOURCE {
        let a = answer(pull(&store, &revoked)).await;
        assert_eq!((a.status, a.code()), (StatusCode::UNAUTHORIZED, "device_revoked"), "try {i}");
    }
    let a = answer(pull(&store, &token)).await;
    assert_eq!(a.status, StatusCode::OK, "the store's address was locked out by a revoked device: {}", a.body);
}

#[tokio::test]
async fn the_429_and_its_retry_after_are_documented_where_credentials_are_checked() {
    let s = TestServer::start().await;
    let doc: Value =
        s.client.get(format!("{}/api/v1/openapi.json", s.base)).send().await.unwrap().json().await.unwrap();
    for (method, path) in [
        ("post", "/api/v1/enroll"),
        ("get", "/api/v1/sync/pull"),
        ("post", "/api/v1/sync/push"),
        ("get", "/api/v1/devices"),
        ("post", "/api/v1/import"),
    ] {
        let r = &doc["paths"][path][method]["responses"]["429"];
        assert!(r["description"].as_str().is_some_and(|d| d.starts_with("rate_limited")), "{method} {path}: {r}");
        assert!(r["headers"]["Retry-After"].is_object(), "{method} {path}: {r}");
    }
    assert!(doc["paths"]["/healthz"]["get"]["responses"].get("429").is_none());
}
