//! The OpenAPI document: complete (every route of `http::router`, read from the router
//! itself, with its success and error answers), internally consistent (every `$ref`
//! resolves), accurate (real requests and responses of a store flow match the documented
//! schemas and statuses) and committed (`sync-server/openapi.json` is what the server
//! serves).

use crate::common;
use crate::common::{batch, order, replaced, string_leaves, Reply, TestServer, ADMIN_TOKEN};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Operations any caller may use without a token.
const PUBLIC: &[&str] = &[
    "/healthz",
    "/api/v1/openapi.json",
    "/api/v1/enroll",
    "/api/v1/couriers/sf-express/route-push",
    "/api/v1/couriers/{platform}/callback",
];

/// Courier platforms' callbacks: their refusals are in the platform's own answer shape.
fn platform_shaped(path: &str) -> bool {
    path.starts_with("/api/v1/couriers/")
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The committed copy of the document.
const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

/// Every (method, path) the served router answers, read from the router itself: axum lists
/// a router's routes and each route's methods in its `Debug` output. Not from the document,
/// so a route added past `routes!` shows up here and not there.
fn router_routes() -> BTreeSet<(String, String)> {
    let database = common::Database::fresh();
    let storage = sync_server::storage::open(&database.url).unwrap();
    let app = sync_server::app(storage, ADMIN_TOKEN);
    let debug = format!("{app:?}");
    let changed = "axum's Debug output of a Router changed: adapt router_routes()";
    let (routes, paths) = debug
        .split("fallback_router:")
        .next()
        .and_then(|own| own.split_once("node: Node"))
        .unwrap_or_else(|| panic!("{changed}: {debug}"));
    let path_re = regex::Regex::new(r#"RouteId\((\d+)\): "([^"]*)""#).unwrap();
    let path_of: BTreeMap<&str, &str> =
        path_re.captures_iter(paths).map(|c| (c.get(1).unwrap().as_str(), c.get(2).unwrap().as_str())).collect();
    let route_re = regex::Regex::new(r"RouteId\((\d+)\): MethodRouter\(MethodRouter \{ (.*?) allow_header").unwrap();
    let mut out = BTreeSet::new();
    for c in route_re.captures_iter(routes) {
        let (id, fields) = (c.get(1).unwrap().as_str(), c.get(2).unwrap().as_str());
        let path = path_of.get(id).unwrap_or_else(|| panic!("{changed}: route {id} has no path"));
        for method in METHODS {
            let field = fields
                .split(", ")
                .find_map(|f| f.strip_prefix(&format!("{method}: ")))
                .unwrap_or_else(|| panic!("{changed}: no {method} in {fields}"));
            // GET routes answer HEAD without a handler of their own.
            if !field.starts_with("None") && *method != "head" {
                out.insert((method.to_string(), path.to_string()));
            }
        }
    }
    assert!(!out.is_empty() && path_of.len() == out.iter().map(|(_, p)| p).collect::<BTreeSet<_>>().len(), "{changed}");
    out
}

/// Every (method, path) the document lists.
fn documented_routes(doc: &Value) -> BTreeSet<(String, String)> {
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, _) in item.as_object().expect("path item") {
            assert!(METHODS.contains(&method.as_str()), "{path} has a non-method key {method}");
            documented.insert((method.clone(), path.clone()));
        }
    }
    documented
}

/// Where two JSON values first differ, as a JSON pointer, with both sides.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let here = format!("{at}/{k}");
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => {
                        if let Some(d) = first_difference(p, q, &here) {
                            return Some(d);
                        }
                    }
                    (p, q) => return Some(format!("{here}: {p:?} vs {q:?}")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (p, q))| first_difference(p, q, &format!("{at}/{i}")))
        }
        _ => (a != b).then(|| format!("{at}: {a} vs {b}")),
    }
}

async fn fetch_document(s: &TestServer) -> Value {
    let resp = s.client.get(format!("{}/api/v1/openapi.json", s.base)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let text = resp.text().await.unwrap();
    serde_json::from_str(&text).expect("the document is valid JSON")
}

fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["components"]["schemas"].get(name).unwrap_or_else(|| panic!("no component schema {name}"))
}

fn resolve<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let name = reference
        .strip_prefix("#/components/schemas/")
        .unwrap_or_else(|| panic!("$ref {reference} does not point at a component schema"));
    schema(doc, name)
}

fn collect_refs(v: &Value, at: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if k == "$ref" {
                    out.push((at.clone(), child.as_str().unwrap_or_default().to_string()));
                } else if k == "mapping" {
                    for (value, target) in child.as_object().into_iter().flatten() {
                        out.push((format!("{at}/mapping/{value}"), target.as_str().unwrap_or_default().to_string()));
                    }
                } else {
                    collect_refs(child, format!("{at}/{k}"), out);
                }
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                collect_refs(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// `pattern` as a compiled regex (the document's patterns are ECMA-262 and also valid for
/// the `regex` crate: classes, `\uXXXX` escapes and anchors only).
fn pattern_matches(pattern: &str, text: &str) -> bool {
    thread_local! {
        static CACHE: std::cell::RefCell<std::collections::HashMap<String, regex::Regex>> = Default::default();
    }
    CACHE.with(|c| {
        c.borrow_mut()
            .entry(pattern.to_string())
            .or_insert_with(|| regex::Regex::new(pattern).unwrap_or_else(|e| panic!("pattern {pattern}: {e}")))
            .is_match(text)
    })
}

/// A small JSON Schema checker for the keywords the document uses (`format` only for
/// `uuid` and `date-time`): `$ref` (with sibling keywords, as 3.1 allows), `allOf`,
/// `anyOf`, `oneOf`, `not`, `const`, `enum`, `type` (one or a list such as
/// `["string", "null"]`), the numeric, length, item and pattern bounds, `required`,
/// `properties` and `additionalProperties: false`. `discriminator`, `description`,
/// `examples` and `default` only annotate.
fn validate(doc: &Value, s: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        validate(doc, resolve(doc, r), v, at, errors);
    }
    if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
        if !any.iter().any(|alt| passes(doc, alt, v)) {
            errors.push(format!("{at}: matches no anyOf alternative: {v}"));
        }
    }
    for all in s.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        validate(doc, all, v, at, errors);
    }
    if let Some(one) = s.get("oneOf").and_then(Value::as_array) {
        let n = one.iter().filter(|alt| passes(doc, alt, v)).count();
        if n != 1 {
            errors.push(format!("{at}: matches {n} oneOf alternatives, not 1: {v}"));
        }
    }
    if let Some(not) = s.get("not") {
        if passes(doc, not, v) {
            errors.push(format!("{at}: matches a `not` schema: {v}"));
        }
    }
    if let Some(c) = s.get("const") {
        if c != v {
            errors.push(format!("{at}: {v} is not the const {c}"));
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errors.push(format!("{at}: {v} is not one of {e:?}"));
        }
    }
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(t) => vec![t.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "null" => v.is_null(),
            "boolean" => v.is_boolean(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "string" => v.is_string(),
            "array" => v.is_array(),
            "object" => v.is_object(),
            _ => false,
        });
        if !ok {
            errors.push(format!("{at}: {v} is not of type {t}"));
            return;
        }
    }
    if let Some(n) = v.as_f64() {
        if s.get("minimum").and_then(Value::as_f64).is_some_and(|m| n < m)
            || s.get("maximum").and_then(Value::as_f64).is_some_and(|m| n > m)
        {
            errors.push(format!("{at}: {v} is out of range"));
        }
    }
    if let Some(t) = v.as_str() {
        // Lengths count characters (code points), as JSON Schema says.
        let n = t.chars().count() as u64;
        if s.get("minLength").and_then(Value::as_u64).is_some_and(|m| n < m)
            || s.get("maxLength").and_then(Value::as_u64).is_some_and(|m| n > m)
        {
            errors.push(format!("{at}: a string of {n} characters is out of range"));
        }
        if let Some(p) = s.get("pattern").and_then(Value::as_str) {
            if !pattern_matches(p, t) {
                errors.push(format!("{at}: {v} does not match {p}"));
            }
        }
        let format_ok = match s.get("format").and_then(Value::as_str) {
            Some("uuid") => uuid::Uuid::parse_str(t).is_ok(),
            Some("date-time") => chrono::DateTime::parse_from_rfc3339(t).is_ok(),
            _ => true,
        };
        if !format_ok {
            errors.push(format!("{at}: {v} is not a {}", s["format"]));
        }
    }
    if let Some(o) = v.as_object() {
        let props = s.get("properties").and_then(Value::as_object);
        for r in s.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !o.contains_key(r.as_str().unwrap()) {
                errors.push(format!("{at}: required property {r} is missing"));
            }
        }
        for (k, child) in o {
            match props.and_then(|p| p.get(k)) {
                Some(ps) => validate(doc, ps, child, &format!("{at}/{k}"), errors),
                None if s.get("additionalProperties") == Some(&json!(false)) => {
                    errors.push(format!("{at}: property {k} is not allowed"))
                }
                None => {}
            }
        }
    }
    if let Some(a) = v.as_array() {
        if s.get("minItems").and_then(Value::as_u64).is_some_and(|m| (a.len() as u64) < m)
            || s.get("maxItems").and_then(Value::as_u64).is_some_and(|m| a.len() as u64 > m)
        {
            errors.push(format!("{at}: {} items is out of range", a.len()));
        }
        if let Some(items) = s.get("items") {
            for (i, item) in a.iter().enumerate() {
                validate(doc, items, item, &format!("{at}/{i}"), errors);
            }
        }
    }
}

fn passes(doc: &Value, s: &Value, v: &Value) -> bool {
    let mut errors = Vec::new();
    validate(doc, s, v, "", &mut errors);
    errors.is_empty()
}

fn assert_valid(doc: &Value, s: &Value, v: &Value, what: &str) {
    let mut errors = Vec::new();
    validate(doc, s, v, "", &mut errors);
    assert!(errors.is_empty(), "{what} does not match its schema:\n{}\n{v:#}", errors.join("\n"));
}

fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    doc["paths"].get(path).and_then(|p| p.get(method)).unwrap_or_else(|| panic!("{method} {path} is not documented"))
}

/// Checks a request body against the operation's documented request schema.
fn check_request(doc: &Value, method: &str, path: &str, body: &Value) {
    let s = &operation(doc, method, path)["requestBody"]["content"]["application/json"]["schema"];
    assert!(!s.is_null(), "{method} {path} documents no JSON request body");
    assert_valid(doc, s, body, &format!("request of {method} {path}"));
}

/// Checks that a reply's status is documented for the operation and its body matches.
fn check_reply(doc: &Value, method: &str, path: &str, r: &Reply) {
    let status = r.status.as_str();
    let documented = operation(doc, method, path)["responses"]
        .get(status)
        .unwrap_or_else(|| panic!("{method} {path} answered {status}, which is not documented: {}", r.body));
    match documented["content"].get("application/json") {
        Some(c) => assert_valid(doc, &c["schema"], &r.body, &format!("{status} response of {method} {path}")),
        None => assert!(r.body.is_null(), "{method} {path} {status} documents no body but sent {}", r.body),
    }
}

#[tokio::test]
async fn document_is_openapi_3_1_and_documents_every_route() {
    let s = TestServer::start().await;
    let doc = fetch_document(&s).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Omnichannel sync server");
    assert_eq!(doc["info"]["version"], "1");
    assert_eq!(doc["servers"], json!([{ "url": "/" }]));
    let schemes = &doc["components"]["securitySchemes"];
    for name in ["admin", "device"] {
        assert_eq!(schemes[name]["type"], "http", "{name}");
        assert_eq!(schemes[name]["scheme"], "bearer", "{name}");
    }

    let routes = router_routes();
    let documented = documented_routes(&doc);
    let missing: Vec<_> = routes.difference(&documented).collect();
    assert!(missing.is_empty(), "routes without documentation: {missing:?}");
    let extra: Vec<_> = documented.difference(&routes).collect();
    assert!(extra.is_empty(), "documented operations the router does not have: {extra:?}");

    let mut ids = BTreeSet::new();
    for (method, path) in &routes {
        let (method, path) = (method.as_str(), path.as_str());
        let op = operation(&doc, method, path);
        let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        assert!(ids.insert(id.to_string()), "operationId {id} is used twice");
        for key in ["summary", "description"] {
            assert!(op[key].as_str().is_some_and(|t| !t.is_empty()), "{method} {path} has no {key}");
        }
        let security = op["security"].as_array().unwrap_or_else(|| panic!("{method} {path} lists no security"));
        if PUBLIC.contains(&path) {
            assert!(security.is_empty(), "{method} {path} should need no token");
        } else {
            let scheme = if path.starts_with("/api/v1/sync/") { "device" } else { "admin" };
            assert_eq!(security, &vec![json!({ scheme: [] })], "{method} {path}");
            assert!(op["responses"].get("401").is_some(), "{method} {path} documents no 401");
        }
        let responses = op["responses"].as_object().unwrap();
        assert!(responses.keys().any(|k| k.starts_with('2')), "{method} {path} documents no success");
        for (status, r) in responses {
            assert!(r["description"].is_string(), "{method} {path} {status} has no description");
            if (status.starts_with('4') || status.starts_with('5')) && !platform_shaped(path) {
                assert_eq!(
                    r["content"]["application/json"]["schema"],
                    json!({ "$ref": "#/components/schemas/Error" }),
                    "{method} {path} {status}"
                );
            }
        }
        let path_params: BTreeSet<&str> =
            path.split('/').filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}')).collect();
        let declared: BTreeSet<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(path_params, declared, "{method} {path} path parameters");
    }

    let pull = operation(&doc, "get", "/api/v1/sync/pull")["parameters"].as_array().unwrap().clone();
    assert_eq!(
        (&pull[0]["name"], &pull[0]["in"], &pull[0]["required"], &pull[0]["schema"]["type"]),
        (&json!("cursor"), &json!("query"), &json!(true), &json!("string"))
    );
    assert_eq!(pull[1]["name"], "limit");
    assert_eq!(pull[1]["required"], false);
    // The server clamps any u32 limit into 1..=5000, so the schema allows every u32.
    assert_eq!(
        (pull[1]["schema"]["minimum"].as_u64(), pull[1]["schema"]["maximum"].as_u64()),
        (Some(0), Some(u32::MAX as u64))
    );
}

/// The router and the document list the same routes (compared as sets above; counted
/// here), and the running server answers every documented method of a path, and no other,
/// with its own handler rather than the fallbacks.
#[tokio::test]
async fn the_router_serves_exactly_the_documented_routes() {
    let s = TestServer::start().await;
    let doc = fetch_document(&s).await;
    let routes = router_routes();
    let documented = documented_routes(&doc);
    println!("== the router serves {} routes, the document lists {}", routes.len(), documented.len());
    assert_eq!(routes.len(), documented.len());
    assert_eq!(routes, documented);
    let probe = [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::POST,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
        reqwest::Method::OPTIONS,
        reqwest::Method::TRACE,
    ];
    for path in documented.iter().map(|(_, p)| p).collect::<BTreeSet<_>>() {
        let url = path.replace("{id}", "1");
        for method in &probe {
            if path == "/api/v1/sync/events" && method == reqwest::Method::GET {
                continue; // an endless stream (with a token); without one it is a 401 like any other
            }
            let r = s.raw(method.clone(), &url, None, "application/json", Vec::new()).await;
            let is_documented = documented.contains(&(method.as_str().to_lowercase(), path.clone()));
            let fallback = r.status == StatusCode::METHOD_NOT_ALLOWED
                || (r.status == StatusCode::NOT_FOUND
                    && r.body["error"]["message"].as_str().is_some_and(|m| m.starts_with("no such endpoint")));
            assert_eq!(
                !fallback, is_documented,
                "{method} {url}: answered {} {} (documented: {is_documented})",
                r.status, r.body
            );
        }
    }
}

/// Every route of the router documents a success and the error answers it can give: the
/// database (503) and bugs (500) everywhere, credentials (401 and 429 with Retry-After)
/// where a token is needed, bad bodies (400, 408, 413, 415, 422) where one is read, bad
/// path and query parameters (400) where there are any; each answer described, each success
/// but 204 with its body.
#[tokio::test]
async fn every_route_documents_its_success_and_its_error_answers() {
    let s = TestServer::start().await;
    let doc = fetch_document(&s).await;
    let mut problems = Vec::new();
    for (method, path) in router_routes() {
        let op = operation(&doc, &method, &path);
        let responses = op["responses"].as_object().unwrap();
        let has = |status: &str| responses.contains_key(status);
        let mut need: Vec<&str> = vec!["500", "503"];
        if !op["security"].as_array().unwrap().is_empty() {
            need.extend(["401", "429"]);
        }
        if op.get("requestBody").is_some() {
            need.extend(["400", "408", "413", "415", "422"]);
        }
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        if params.iter().any(|p| p["in"] == "path") {
            need.push("400");
            let d = responses.get("400").and_then(|r| r["description"].as_str()).unwrap_or("");
            if !d.contains("invalid_path") {
                problems.push(format!("{method} {path}: 400 does not document invalid_path: {d}"));
            }
        }
        if params.iter().any(|p| p["in"] == "query") {
            need.push("400");
        }
        if !responses.keys().any(|k| k.starts_with('2')) {
            problems.push(format!("{method} {path}: no 2xx answer"));
        }
        for status in need {
            if !has(status) {
                problems.push(format!("{method} {path}: no {status} answer"));
            }
        }
        if let Some(limited) = responses.get("429") {
            if !limited["headers"]["Retry-After"].is_object() {
                problems.push(format!("{method} {path}: 429 without Retry-After"));
            }
        }
        for (status, r) in responses {
            let described = r["description"].as_str().is_some_and(|d| !d.trim().is_empty());
            if !described {
                problems.push(format!("{method} {path}: {status} has no description"));
            }
            if status.starts_with('2') && status != "204" && r["content"].as_object().is_none_or(|c| c.is_empty()) {
                problems.push(format!("{method} {path}: {status} documents no body"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `sync-server/openapi.json` is the document the server serves, so a change to the API
/// shows in review as a change to that file.
#[tokio::test]
async fn the_committed_document_is_the_served_one() {
    let s = TestServer::start().await;
    let served = fetch_document(&s).await;
    let text = serde_json::to_string_pretty(&served).unwrap() + "\n";
    let regenerate =
        "regenerate it with `UPDATE_OPENAPI=1 cargo test -p sync-server --test suite openapi` and commit it";
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, text).unwrap();
        println!("== wrote {COMMITTED}");
        return;
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_else(|e| panic!("{COMMITTED}: {e}; {regenerate}"));
    let committed: Value =
        serde_json::from_str(&committed).unwrap_or_else(|e| panic!("{COMMITTED}: {e}; {regenerate}"));
    if let Some(d) = first_difference(&committed, &served, "#") {
        panic!("{COMMITTED} is not the document the server serves; {regenerate}. First difference (committed vs served) at {d}");
    }
}

/// The numbers the document states are the server's own constants.
#[tokio::test]
async fn documented_bounds_are_the_servers_constants() {
    use shared::protocol::{MAX_PUSH_OPS, PROTOCOL_VERSION};
    let s = TestServer::start().await;
    let doc = fetch_document(&s).await;
    let prop = |schema_name: &str, p: &str| schema(&doc, schema_name)["properties"][p].clone();
    let max_qty = u64::from(shared::quantity::MAX_QTY);
    for (name, min) in [("Qty", 1), ("Count", 0)] {
        assert_eq!(
            (schema(&doc, name)["minimum"].as_u64(), schema(&doc, name)["maximum"].as_u64()),
            (Some(min), Some(max_qty))
        );
    }
    let delta = prop("StockAdjustment", "delta");
    assert_eq!((delta["minimum"].as_i64(), delta["maximum"].as_u64()), (Some(-(max_qty as i64)), Some(max_qty)));
    assert_eq!(delta["not"], json!({ "const": 0 }));
    let version = u64::from(PROTOCOL_VERSION);
    for v in [prop("EnrollRequest", "protocol_version"), prop("PushRequest", "protocol_version")] {
        assert_eq!((v["minimum"].as_u64(), v["maximum"].as_u64()), (Some(version), Some(version)));
    }
    let pull = operation(&doc, "get", "/api/v1/sync/pull")["parameters"][2]["schema"].clone();
    assert_eq!((pull["minimum"].as_u64(), pull["maximum"].as_u64()), (Some(version), Some(version)));
    assert_eq!(prop("PushRequest", "ops")["maxItems"].as_u64(), Some(MAX_PUSH_OPS as u64));
    assert_eq!(
        prop("ChannelOrderInput", "lines")["maxItems"].as_u64(),
        Some(sync_server::service::intake::MAX_LINES as u64)
    );
    let hours = prop("EnrollmentCode", "valid_hours");
    let valid = sync_server::service::enroll::CODE_VALID_HOURS;
    assert_eq!((hours["minimum"].as_i64(), hours["maximum"].as_i64()), (Some(valid), Some(valid)));
    let seq = prop("OpEnvelope", "device_seq");
    assert_eq!((seq["minimum"].as_u64(), seq["maximum"].as_i64()), (Some(1), Some(i64::MAX)));
}

#[tokio::test]
async fn every_ref_resolves_to_a_component_schema() {
    let s = TestServer::start().await;
    let doc = fetch_document(&s).await;
    let mut refs = Vec::new();
    collect_refs(&doc, "#".into(), &mut refs);
    assert!(refs.len() > 100, "suspiciously few $refs: {}", refs.len());
    let mut used = BTreeSet::new();
    for (at, r) in &refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{at}: $ref {r} does not point at a component schema"));
        assert!(doc["components"]["schemas"].get(name).is_some(), "{at}: $ref {r} does not resolve");
        used.insert(name.to_string());
    }
    // Every schema is used somewhere (the document has no dead parts).
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        assert!(used.contains(name), "component schema {name} is never referenced");
    }
    // Tagged enums carry their tag as a required const in each variant.
    for (name, tag) in
        [("Op", "kind"), ("HandOverVerification", "method"), ("OpOutcome", "status"), ("Change", "entity")]
    {
        for v in schema(&doc, name)["oneOf"].as_array().unwrap() {
            let variant = resolve(&doc, v["$ref"].as_str().unwrap());
            assert!(variant["properties"][tag]["const"].is_string(), "{name}: a variant lacks the {tag} const");
            assert!(
                variant["required"].as_array().unwrap().contains(&json!(tag)),
                "{name}: a variant does not require {tag}"
            );
        }
    }
}

/// Runs a store flow over HTTP and checks every request and reply against the document.
#[tokio::test]
async fn real_requests_and_replies_match_the_document() {
    let s = TestServer::with_fixture().await;
    let doc = fetch_document(&s).await;
    let d = &doc;

    // The checker itself catches wrong shapes.
    let sref = |name: &str| json!({ "$ref": format!("#/components/schemas/{name}") });
    assert!(!passes(d, &sref("Order"), &json!({})));
    assert!(!passes(d, &sref("Qty"), &json!(0)));
    assert!(!passes(
        d,
        &sref("Change"),
        &json!({ "entity": "style", "code": "S", "name": "n", "category": "c", "list_price": 1, "extra": 1 })
    ));
    assert!(passes(
        d,
        &sref("Change"),
        &json!({ "entity": "style", "code": "S", "name": "n", "category": "c", "list_price": 1 })
    ));
    assert!(!passes(d, &sref("Op"), &json!({ "kind": "StartPick", "fulfillment_order_id": "x", "lines": [] })));
    assert!(passes(d, &sref("OpOutcome"), &json!({ "status": "applied" })));
    assert!(!passes(d, &sref("OpOutcome"), &json!({ "status": "rejected" })));

    let r = send_json(&s, reqwest::Method::GET, "/healthz", None, None).await;
    check_reply(d, "get", "/healthz", &r);

    let fixture = serde_json::to_value(common::fixture()).unwrap();
    check_request(d, "post", "/api/v1/import", &fixture);
    let r = s.admin_post("/api/v1/import", fixture).await;
    assert_eq!(r.status, StatusCode::OK);
    check_reply(d, "post", "/api/v1/import", &r);
    let r = s.admin_post("/api/v1/import", json!({ "nodes": [], "bogus": 1 })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    check_reply(d, "post", "/api/v1/import", &r);
    let r = s.raw(reqwest::Method::POST, "/api/v1/import", Some(ADMIN_TOKEN), "text/plain", b"{}".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    check_reply(d, "post", "/api/v1/import", &r);
    let r = s.raw(reqwest::Method::POST, "/api/v1/import", None, "application/json", b"{}".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    check_reply(d, "post", "/api/v1/import", &r);

    let adj = json!({ "batch_id": "ERP-1", "lines": [{ "node_code": "WH-1", "sku_code": "SKU-3", "quality": "defective", "delta": 2, "note": "found" }] });
    check_request(d, "post", "/api/v1/stock/adjustments", &adj);
    let r = s.admin_post("/api/v1/stock/adjustments", adj).await;
    assert_eq!(r.status, StatusCode::OK);
    check_reply(d, "post", "/api/v1/stock/adjustments", &r);

    let r = s.admin_get("/api/v1/stock?node=STORE-A").await;
    assert_eq!(r.status, StatusCode::OK);
    check_reply(d, "get", "/api/v1/stock", &r);
    let r = s.admin_get("/api/v1/stock?sku=SKU-1").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    check_reply(d, "get", "/api/v1/stock", &r);

    let hold = json!({ "reference": "cart-1", "node_code": "WH-1", "sku_code": "SKU-2", "qty": 3 });
    check_request(d, "post", "/api/v1/reservations", &hold);
    let r = s.admin_post("/api/v1/reservations", hold.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED);
    check_reply(d, "post", "/api/v1/reservations", &r);
    let id = r.body["id"].as_str().unwrap().to_string();
    let r = s.admin_post("/api/v1/reservations", hold).await;
    assert_eq!(r.status, StatusCode::OK);
    check_reply(d, "post", "/api/v1/reservations", &r);
    let r = s
        .admin_post(
            "/api/v1/reservations",
            json!({ "reference": "cart-2", "node_code": "WH-1", "sku_code": "SKU-2", "qty": 100000 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    check_reply(d, "post", "/api/v1/reservations", &r);
    let r = s.admin_delete(&format!("/api/v1/reservations/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    check_reply(d, "delete", "/api/v1/reservations/{id}", &r);
    let r = s.admin_delete("/api/v1/reservations/nope").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    check_reply(d, "delete", "/api/v1/reservations/{id}", &r);

    let pickup = order("TM-1", "pickup", Some("STORE-A"), &[("SKU-1", 1)]);
    check_request(d, "post", "/api/v1/orders", &pickup);
    let r = s.admin_post("/api/v1/orders", pickup.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED);
    check_reply(d, "post", "/api/v1/orders", &r);
    let order_id = r.body["id"].as_str().unwrap().to_string();
    let fo = r.body["fulfillment_orders"][0]["id"].as_str().unwrap().to_string();
    let r = s.admin_post("/api/v1/orders", pickup).await;
    assert_eq!(r.status, StatusCode::OK);
    check_reply(d, "post", "/api/v1/orders", &r);
    let ship = order("TM-2", "ship", None, &[("SKU-3", 1)]);
    check_request(d, "post", "/api/v1/orders", &ship);
    let r = s.admin_post("/api/v1/orders", ship).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let ship_id = r.body["id"].as_str().unwrap().to_string();
    let r = s.admin_get(&format!("/api/v1/orders/{order_id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    check_reply(d, "get", "/api/v1/orders/{id}", &r);
    let r = s.admin_get("/api/v1/orders/not-a-uuid").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    check_reply(d, "get", "/api/v1/orders/{id}", &r);
    let r = s.admin_post(&format!("/api/v1/orders/{ship_id}/cancel"), Value::Null).await;
    assert_eq!(r.status, StatusCode::OK);
    check_reply(d, "post", "/api/v1/orders/{id}/cancel", &r);
    let r = s.admin_post(&format!("/api/v1/fulfillment-orders/{fo}/delivered"), Value::Null).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    check_reply(d, "post", "/api/v1/fulfillment-orders/{id}/delivered", &r);

    let code_req = json!({ "store_code": "STORE-A" });
    check_request(d, "post", "/api/v1/enrollment-codes", &code_req);
    let r = s.admin_post("/api/v1/enrollment-codes", code_req).await;
    assert_eq!(r.status, StatusCode::CREATED);
    check_reply(d, "post", "/api/v1/enrollment-codes", &r);
    let r = s.admin_post("/api/v1/enrollment-codes", json!({ "store_code": "WH-1" })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    check_reply(d, "post", "/api/v1/enrollment-codes", &r);
    let enroll = json!({ "code": r_code(&s).await, "device_name": "Counter tablet 1", "protocol_version": 1 });
    check_request(d, "post", "/api/v1/enroll", &enroll);
    let r = send_json(&s, reqwest::Method::POST, "/api/v1/enroll", None, Some(enroll.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED);
    check_reply(d, "post", "/api/v1/enroll", &r);
    let token = r.body["token"].as_str().unwrap().to_string();
    let device_id = r.body["device_id"].as_str().unwrap().to_string();
    let r = send_json(&s, reqwest::Method::POST, "/api/v1/enroll", None, Some(enroll)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    check_reply(d, "post", "/api/v1/enroll", &r);

    // Pull everything: every entity kind appears and matches its Change variant.
    let mut cursor = "0".to_string();
    let mut entities = BTreeSet::new();
    for _ in 0..100 {
        let r = s.device_get(&token, &format!("/api/v1/sync/pull?cursor={cursor}&limit=4")).await;
        assert_eq!(r.status, StatusCode::OK);
        check_reply(d, "get", "/api/v1/sync/pull", &r);
        entities
            .extend(r.body["changes"].as_array().unwrap().iter().map(|c| c["entity"].as_str().unwrap().to_string()));
        cursor = r.body["cursor"].as_str().unwrap().to_string();
        if r.body["has_more"] == false {
            break;
        }
    }
    for e in ["node", "style", "sku", "staff", "stock", "fulfillment_order"] {
        assert!(entities.contains(e), "no {e} change was pulled: {entities:?}");
    }
    let r = s.device_get(&token, "/api/v1/sync/pull?cursor=zzz").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    check_reply(d, "get", "/api/v1/sync/pull", &r);
    let r = s.device_get("wrong-token", "/api/v1/sync/pull?cursor=0").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    check_reply(d, "get", "/api/v1/sync/pull", &r);

    // Push the pickup flow, a wrong pickup code (a flagged conflict) and an unknown order.
    let staff = "STORE-A-A";
    let push = batch(
        1,
        staff,
        vec![
            json!({ "kind": "AcceptFulfillment", "fulfillment_order_id": fo }),
            json!({ "kind": "StartPick", "fulfillment_order_id": fo }),
            json!({ "kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{ "line_no": 1, "picked": 1 }], "shortage_reason": null }),
            json!({ "kind": "MarkReady", "fulfillment_order_id": fo }),
            json!({ "kind": "HandOver", "fulfillment_order_id": fo, "verification": { "method": "pickup_code", "code": "00000000" } }),
            json!({ "kind": "StartPick", "fulfillment_order_id": uuid::Uuid::now_v7() }),
            json!({ "kind": "CountStock", "count_id": uuid::Uuid::now_v7(), "lines": [{ "sku_code": "SKU-2", "quality": "sellable", "counted": 1, "expected": 2 }] }),
        ],
    );
    check_request(d, "post", "/api/v1/sync/push", &push);
    let r = s.device_post(&token, "/api/v1/sync/push", push).await;
    assert_eq!(r.status, StatusCode::OK);
    check_reply(d, "post", "/api/v1/sync/push", &r);
    let statuses: Vec<&str> =
        r.body["results"].as_array().unwrap().iter().map(|x| x["outcome"]["status"].as_str().unwrap()).collect();
    assert!(
        statuses.contains(&"applied") && statuses.contains(&"rejected") && statuses.contains(&"conflict"),
        "{statuses:?}"
    );
    let r = s
        .device_post(
            &token,
            "/api/v1/sync/push",
            batch(20, staff, vec![json!({ "kind": "MarkReady", "fulfillment_order_id": fo })]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    check_reply(d, "post", "/api/v1/sync/push", &r);
    let r = s.device_post(&token, "/api/v1/sync/push", batch(8, staff, vec![json!({ "kind": "Teleport" })])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    check_reply(d, "post", "/api/v1/sync/push", &r);
    let r = s.device_get(&token, &format!("/api/v1/sync/pull?cursor={cursor}")).await;
    check_reply(d, "get", "/api/v1/sync/pull", &r);

    let r = s.admin_post("/api/v1/notifications/claim?limit=10", Value::Null).await;
    assert_eq!(r.status, StatusCode::OK);
    check_reply(d, "post", "/api/v1/notifications/claim", &r);
    assert!(!r.body.as_array().unwrap().is_empty());
    let r = s.admin_get("/api/v1/conflicts").await;
    assert_eq!(r.status, StatusCode::OK);
    check_reply(d, "get", "/api/v1/conflicts", &r);
    assert!(!r.body.as_array().unwrap().is_empty());
    let r = s.admin_get("/api/v1/conflicts?limit=-1").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    check_reply(d, "get", "/api/v1/conflicts", &r);
    let r = s.admin_get("/api/v1/stock/audit").await;
    assert_eq!(r.status, StatusCode::OK);
    check_reply(d, "get", "/api/v1/stock/audit", &r);

    let r = s.admin_get("/api/v1/devices?store=STORE-A").await;
    assert_eq!(r.status, StatusCode::OK);
    check_reply(d, "get", "/api/v1/devices", &r);
    let r = s.admin_post(&format!("/api/v1/devices/{device_id}/revoke"), Value::Null).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    check_reply(d, "post", "/api/v1/devices/{id}/revoke", &r);
    let r = s.admin_post("/api/v1/devices/nope/revoke", Value::Null).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    check_reply(d, "post", "/api/v1/devices/{id}/revoke", &r);
    let r = s.device_get(&token, "/api/v1/sync/events").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    check_reply(d, "get", "/api/v1/sync/events", &r);
}

/// A fresh enrolment code for STORE-A.
async fn r_code(s: &TestServer) -> String {
    let r = s.admin_post("/api/v1/enrollment-codes", json!({ "store_code": "STORE-A" })).await;
    assert_eq!(r.status, StatusCode::CREATED);
    r.body["code"].as_str().unwrap().to_string()
}

/// A request with an optional JSON body and optional token.
async fn send_json(
    s: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let bytes = body.map(|b| serde_json::to_vec(&b).unwrap()).unwrap_or_default();
    s.raw(method, path, token, "application/json", bytes).await
}

/// Refusal codes that come from a text rule, not from what the text names.
const TEXT_CODES: &[&str] = &["invalid_field", "invalid_staff", "invalid_device_name"];

/// Values to try in a string field: empty, blank, control characters, and Chinese text of
/// the lengths around every limit the API has.
fn probes() -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = vec![
        ("empty".into(), String::new()),
        ("blank".into(), "   ".into()),
        ("ideographic space".into(), "\u{3000}".into()),
        ("NUL".into(), "a\u{0}b".into()),
        ("line feed".into(), "a\nb".into()),
        ("C1 NEL".into(), "a\u{85}b".into()),
    ];
    for n in [32, 33, 64, 65, 100, 101, 200, 201, 500, 501] {
        p.push((format!("{n} Chinese characters"), "字".repeat(n)));
    }
    p
}

/// What the server did with one request.
struct Verdict {
    accepted: bool,
    text_refusal: bool,
    what: String,
}

/// For every string of every request body: the document and the server agree. A value the
/// server refuses by a text rule (length, blank, control character) is invalid by the
/// schema, and a value the schema calls invalid is refused by the server, so a client that
/// validates against the document never sends what the server refuses for its form, nor
/// holds back what the server accepts.
#[tokio::test]
async fn the_document_and_the_server_agree_on_every_text_field() {
    let s = TestServer::with_fixture().await;
    let doc = fetch_document(&s).await;
    let more = json!({"stock": [
        {"node_code": "WH-1", "sku_code": "SKU-2", "quality": "sellable", "on_hand": 10000},
        {"node_code": "WH-1", "sku_code": "SKU-3", "quality": "sellable", "on_hand": 10000}
    ]});
    assert_eq!(s.admin_post("/api/v1/import", more).await.status, StatusCode::OK);
    let token = s.enrol("STORE-A").await;
    let fixture = serde_json::to_value(common::fixture()).unwrap();
    let node = fixture["nodes"][0].clone();
    let sku = fixture["skus"][0].clone();
    let import = json!({
        "nodes": [node], "styles": [fixture["styles"][0].clone()], "skus": [sku],
        "bundles": [{"sku_code": "SKU-3", "components": [{"sku_code": "SKU-1", "qty": 1}]}],
        "staff": [{"id": "STORE-A-X", "store_code": "STORE-A", "name": "导购", "role": "associate", "pin": "2468"}],
        "stock": [{"node_code": "STORE-A", "sku_code": "SKU-1", "quality": "sellable", "on_hand": 5}],
    });
    let fo = || uuid::Uuid::now_v7().to_string();
    let ops = vec![
        json!({"kind": "RejectFulfillment", "fulfillment_order_id": fo(), "reason": "无货"}),
        json!({"kind": "ConfirmPick", "fulfillment_order_id": fo(), "lines": [], "shortage_reason": "缺"}),
        json!({"kind": "HandOver", "fulfillment_order_id": fo(), "verification": {"method": "pickup_code", "code": "12345678"}}),
        json!({"kind": "HandOver", "fulfillment_order_id": fo(), "verification": {"method": "id_check", "manager_id": "STORE-A-M", "note": "ID", "approval": "AP1"}}),
        json!({"kind": "RequestCourier", "fulfillment_order_id": fo(), "carrier": "SF"}),
        json!({"kind": "RecordTracking", "fulfillment_order_id": fo(), "carrier": "SF", "tracking_no": "SF1"}),
        json!({"kind": "AcceptReturn", "return_id": fo(), "order_id": fo(), "lines": [{"sku_code": "SKU-1", "qty": 1, "condition": "damaged"}], "approved_by": "STORE-A-M", "approval": "AP1"}),
        json!({"kind": "PlaceOrder", "order_id": fo(), "fulfillment": "ship",
               "customer": {"name": "李四", "phone": "139", "address": "杭州", "location": {"lat": 30.27, "lon": 120.15}},
               "lines": [{"sku_code": "SKU-3", "qty": 1, "unit_price": 100}]}),
        json!({"kind": "CountStock", "count_id": fo(), "lines": [{"sku_code": "SKU-2", "quality": "sellable", "counted": 1, "expected": 1}]}),
    ];
    let mut bodies: Vec<(&str, Value)> = vec![
        ("/api/v1/import", import),
        (
            "/api/v1/stock/adjustments",
            json!({"batch_id": "B", "lines": [{"node_code": "WH-1", "sku_code": "SKU-3", "quality": "sellable", "delta": 1, "note": "n"}]}),
        ),
        ("/api/v1/reservations", json!({"reference": "R", "node_code": "WH-1", "sku_code": "SKU-2", "qty": 1})),
        ("/api/v1/orders", with_associate(order("O", "ship", None, &[("SKU-3", 1)]))),
        ("/api/v1/enrollment-codes", json!({"store_code": "STORE-A"})),
        ("/api/v1/enroll", json!({"code": "", "device_name": "收银台", "protocol_version": 1})),
    ];
    bodies.extend(ops.into_iter().map(|op| ("/api/v1/sync/push", batch(1, "STORE-A-A", vec![op]))));

    let mut seq = 1u64;
    let mut n = 0u64;
    let mut cases = 0;
    let mut failures = Vec::new();
    for (path, body) in &bodies {
        let schema = &operation(&doc, "post", path)["requestBody"]["content"]["application/json"]["schema"];
        let mut leaves = Vec::new();
        string_leaves(body, String::new(), &mut leaves);
        for (field, _) in leaves {
            for (label, probe) in probes() {
                n += 1;
                let mut b = replaced(body, &field, &probe);
                // Fresh idempotency keys and sequence numbers, unless they are the field tried.
                let fresh = format!("K-{n}");
                for key in ["batch_id", "reference", "channel_order_id"] {
                    if b.get(key).is_some() && field != key {
                        b[key] = json!(fresh);
                    }
                }
                if *path == "/api/v1/sync/push" {
                    b["ops"][0]["device_seq"] = json!(seq);
                    if field != "ops[0].op_id" {
                        b["ops"][0]["op_id"] = json!(uuid::Uuid::now_v7());
                    }
                }
                if *path == "/api/v1/enroll" && field != "code" {
                    let r = s.admin_post("/api/v1/enrollment-codes", json!({"store_code": "STORE-A"})).await;
                    b["code"] = r.body["code"].clone();
                }
                let schema_ok = passes(&doc, schema, &b);
                let token = if *path == "/api/v1/sync/push" {
                    Some(token.as_str())
                } else if *path == "/api/v1/enroll" {
                    None
                } else {
                    Some(ADMIN_TOKEN)
                };
                let r = send_json(&s, reqwest::Method::POST, path, token, Some(b)).await;
                let v = if r.status.is_success() && *path == "/api/v1/sync/push" {
                    seq += 1;
                    let outcome = &r.body["results"][0]["outcome"];
                    let code = outcome["code"].as_str().unwrap_or("");
                    Verdict {
                        accepted: outcome["status"] != "rejected",
                        text_refusal: TEXT_CODES.contains(&code),
                        what: format!("op {outcome}"),
                    }
                } else {
                    Verdict {
                        accepted: r.status.is_success(),
                        text_refusal: TEXT_CODES.contains(&r.code()),
                        what: format!("{} {}", r.status, r.body),
                    }
                };
                assert_ne!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{path} {field} {label}: {}", r.body);
                cases += 1;
                if v.text_refusal && schema_ok {
                    failures.push(format!(
                        "{path} {field} = {label}: the schema allows it, the server refuses it: {}",
                        v.what
                    ));
                }
                if v.accepted && !schema_ok {
                    failures.push(format!(
                        "{path} {field} = {label}: the schema refuses it, the server accepts it: {}",
                        v.what
                    ));
                }
            }
        }
    }
    println!("== {cases} text cases, {} disagreements", failures.len());
    assert!(failures.is_empty(), "{} of {cases} cases disagree:\n{}", failures.len(), failures.join("\n"));
}

fn with_associate(mut o: Value) -> Value {
    o["associate_id"] = json!("STORE-A-A");
    o
}
