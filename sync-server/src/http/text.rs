//! The text boundary: no text with a control character (NUL above all, which PostgreSQL
//! cannot store and answers with an error) gets past the HTTP layer, whichever endpoint,
//! field or backend. One layer checks the decoded path parameters, the query parameters and
//! every string of a JSON body before a handler runs, and refuses with a 4xx that names
//! the parameter or the JSON path of the field; the rules are [`shared::text`]'s. Lengths
//! and other per-field rules stay with the services, which know the fields.

use super::error::{body_timeout, error_response, is_body_timeout, is_json};
use super::{ADJUSTMENT_BODY_LIMIT, BODY_LIMIT, IMPORT_BODY_LIMIT, PUSH_BODY_LIMIT};
use crate::service::text::first_bad_string;
use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use serde_json::Value;
use shared::text::{check, Rule, TextError};

/// The first query parameter (name or value, percent-decoded) that breaks the text rules.
pub fn first_bad_query_param(query: &str) -> Option<TextError> {
    for (name, value) in form_pairs(query) {
        let field = format!("query parameter {name:?}");
        if let Err(e) = check(&field, &name, Rule::ANY).and_then(|_| check(&field, &value, Rule::ANY)) {
            return Some(e);
        }
    }
    None
}

/// `application/x-www-form-urlencoded` pairs as axum's `Query` reads them.
fn form_pairs(query: &str) -> Vec<(String, String)> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(
        &format!("/?{query}").parse().unwrap_or_else(|_| axum::http::Uri::from_static("/")),
    )
    .map(|q| q.0)
    .unwrap_or_default()
}

/// The body limit of a route (as set in [`super::router`]).
pub(super) fn body_limit(route: &str) -> usize {
    match route {
        "/api/v1/import" => IMPORT_BODY_LIMIT,
        "/api/v1/sync/push" => PUSH_BODY_LIMIT,
        "/api/v1/stock/adjustments" => ADJUSTMENT_BODY_LIMIT,
        _ => BODY_LIMIT,
    }
}

/// Reads a body of at most `limit` bytes, answering as the JSON extractor would when it
/// cannot: 413 over the limit, 408 past the body's deadline, 400 when it breaks off.
#[allow(clippy::result_large_err)] // the error is the response to send
async fn read_body(body: Body, limit: usize) -> Result<Bytes, Response> {
    let mut stream = body.into_data_stream();
    let mut out = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            if is_body_timeout(&e) {
                body_timeout()
            } else {
                error_response(StatusCode::BAD_REQUEST, "unreadable_body", format!("the body could not be read: {e}"))
            }
        })?;
        if out.len() + chunk.len() > limit {
            return Err(error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "the request body is larger than this endpoint accepts; send it in smaller parts",
            ));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out.freeze())
}

/// The layer: refuses control characters in path parameters (400 `invalid_path`), query
/// parameters (400 `invalid_query`) and JSON body strings (422 `invalid_field`). Requests
/// to unknown routes, bodies that are not JSON and bodies over the route's limit pass
/// untouched, for the router and the body extractor to answer as they always do.
pub async fn guard(req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let Some(route) = parts.extensions.get::<MatchedPath>().map(|m| m.as_str().to_string()) else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    if let Ok(params) = RawPathParams::from_request_parts(&mut parts, &()).await {
        for (name, value) in &params {
            if let Err(e) = check(&format!("path parameter {name:?}"), value, Rule::ANY) {
                return error_response(StatusCode::BAD_REQUEST, "invalid_path", e.to_string());
            }
        }
    }
    if let Some(e) = parts.uri.query().and_then(first_bad_query_param) {
        return error_response(StatusCode::BAD_REQUEST, "invalid_query", e.to_string());
    }
    let limit = body_limit(&route);
    let declared =
        parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if !is_json(&parts.headers) || declared.is_some_and(|n| n > limit as u64) {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let bytes = match read_body(body, limit).await {
        Ok(b) => b,
        Err(response) => return response,
    };
    if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
        if let Some(e) = first_bad_string(&v) {
            return error_response(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", e.to_string());
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn body_strings_are_named_by_their_json_path() {
        let ok = json!({"customer": {"name": "张三", "phone": "138"}, "lines": [{"sku_code": "A"}], "n": 1});
        assert_eq!(first_bad_string(&ok), None);
        let bad = json!({"ops": [{"staff_id": "S1"}, {"op": {"kind": "X", "reason": "a\u{0}b"}}]});
        let e = first_bad_string(&bad).unwrap();
        assert_eq!(e.field, "ops[1].op.reason");
        let bad = json!({"customer": {"name": "x", "address": "line 1\nline 2"}});
        assert_eq!(first_bad_string(&bad).unwrap().field, "customer.address");
        assert_eq!(first_bad_string(&json!({"a\u{1b}": 1})).unwrap().field, "the key \"a\\u{1b}\"");
        assert_eq!(first_bad_string(&json!("\u{7f}")).unwrap().field, "body");
        assert_eq!(first_bad_string(&json!([["ok", "\u{85}"]])).unwrap().field, "[0][1]");
    }

    #[tokio::test]
    async fn bodies_are_read_up_to_the_limit() {
        assert_eq!(read_body(Body::from("12345"), 5).await.unwrap(), Bytes::from("12345"));
        let r = read_body(Body::from("123456"), 5).await.unwrap_err();
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn query_parameters_are_checked_decoded() {
        assert!(first_bad_query_param("store=STORE-A&limit=5&after=").is_none());
        assert!(first_bad_query_param("node=%E4%B8%8A%E6%B5%B7").is_none());
        let e = first_bad_query_param("node=STORE-A&store=U%00").unwrap();
        assert_eq!(e.field, "query parameter \"store\"");
        assert!(first_bad_query_param("cursor=c%2F1%0A").is_some());
        assert!(first_bad_query_param("a%01=1").is_some());
    }
}
