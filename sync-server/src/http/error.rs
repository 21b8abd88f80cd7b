//! Error responses and request extractors that turn every bad input into
//! `{"error":{"code","message"}}` with the right status, never a panic.

use crate::service::{ErrorKind, ServiceError};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use shared::api_error::{ApiErrorBody, ApiErrorDetail};

/// An error as the HTTP API returns it.
#[derive(Debug)]
pub struct ApiError(pub ServiceError);

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError(e)
    }
}

/// Builds an error response.
pub fn error_response(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = ApiErrorBody { error: ApiErrorDetail { code: code.to_string(), message: message.into() } };
    let mut resp = (status, axum::Json(body)).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    }
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match self.0.kind {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        error_response(status, self.0.code, self.0.message)
    }
}

/// A JSON object body whose rejections are API errors: 415 without a JSON content type,
/// 413 over the route's body limit, 400 when it is not JSON, 422 when it is JSON of the
/// wrong shape (including a top-level array or scalar where an object is expected).
pub struct ApiJson<T>(pub T);

/// Whether the request says its body is JSON (`application/json` or `application/*+json`).
pub(crate) fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
        .unwrap_or(false)
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(error_response(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let bytes = match Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(error_response(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    "the request body is larger than this endpoint accepts; send it in smaller parts",
                ))
            }
            Err(r) if is_body_timeout(&r) => return Err(body_timeout()),
            Err(r) => return Err(error_response(StatusCode::BAD_REQUEST, "unreadable_body", r.body_text())),
        };
        parse_object(&bytes).map(ApiJson)
    }
}

/// Whether `e` or an error it wraps is an `E`.
fn caused_by<E: std::error::Error + 'static>(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(e) = next {
        if e.is::<E>() {
            return true;
        }
        next = e.source();
    }
    false
}

/// Whether a body-read error is the request body's deadline passing (see [`super::serve`]).
pub fn is_body_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    caused_by::<super::serve::BodyTimeout>(e)
}

/// 408 for a body that did not arrive in time; the connection is closed after it.
pub fn body_timeout() -> Response {
    let mut resp = error_response(
        StatusCode::REQUEST_TIMEOUT,
        "body_timeout",
        "the request body did not arrive in time; send the request again in one go",
    );
    resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// 429 for a caller that failed too many credential checks.
pub fn rate_limited(retry: super::rate_limit::RetryAfter) -> Response {
    let seconds = retry.seconds();
    let mut resp = error_response(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many failed credential checks from here or on this code; retry after {seconds} s"),
    );
    resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    resp
}

/// 429 for a device that made too many look-ups (see [`super::rate_limit::Limiter::device_read`]).
pub fn too_many_reads(retry: super::rate_limit::RetryAfter) -> Response {
    let seconds = retry.seconds();
    let mut resp = error_response(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("this device made too many look-ups in a short time; retry after {seconds} s"),
    );
    resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    resp
}

#[allow(clippy::result_large_err)] // a rejection is a response by axum's design
fn parse_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Response> {
    // Structs also deserialise from positional arrays; the API's contract is objects.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(_) => {
                Err(error_response(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "the body must be a JSON object"))
            }
            Err(e) => Err(error_response(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the body is not valid JSON: {e}"),
            )),
        };
    }
    serde_json::from_slice::<T>(bytes).map_err(|e| {
        let text: String = e.to_string().chars().take(300).collect();
        // Decide by whether the bytes are JSON at all, not by serde's error category,
        // which calls some type errors syntax errors.
        match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(_) => error_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                format!("a field has the wrong type or value, is duplicated or unknown: {text}"),
            ),
            Err(_) => {
                error_response(StatusCode::BAD_REQUEST, "malformed_json", format!("the body is not valid JSON: {text}"))
            }
        }
    })
}

/// Query parameters whose rejections are API errors.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(r) => Err(error_response(StatusCode::BAD_REQUEST, "invalid_query", r.body_text())),
        }
    }
}

/// Path parameters whose rejections are API errors (e.g. a segment that is not UTF-8).
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(r) if r.status().is_server_error() => {
                Err(error_response(StatusCode::INTERNAL_SERVER_ERROR, "internal", r.body_text()))
            }
            Err(r) => Err(error_response(
                StatusCode::BAD_REQUEST,
                "invalid_path",
                format!("{}; percent-encode the id's UTF-8 bytes", r.body_text()),
            )),
        }
    }
}

/// The code and advice for an error status whose body the framework wrote.
fn status_code_and_advice(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("bad_request", "the request is malformed; see /api/v1/openapi.json"),
        401 => ("unauthorized", "send the credential as 'Authorization: Bearer <token>'"),
        403 => ("forbidden", "this credential may not do that"),
        404 => ("not_found", "no such endpoint or item; see /api/v1/openapi.json"),
        405 => ("method_not_allowed", "this endpoint does not accept that method; see /api/v1/openapi.json"),
        408 => ("request_timeout", "the request did not arrive in time; send it again in one go"),
        411 => ("length_required", "send a Content-Length header"),
        413 => ("body_too_large", "the request body is larger than this endpoint accepts; send it in smaller parts"),
        414 => ("uri_too_long", "the address is too long; send fewer or shorter query parameters"),
        415 => ("unsupported_media_type", "send the body as JSON with Content-Type: application/json"),
        422 => ("invalid_body", "a field has the wrong type or value; see /api/v1/openapi.json"),
        429 => ("rate_limited", "too many requests; retry after the Retry-After seconds"),
        431 => ("headers_too_large", "the request headers are too large"),
        503 => ("unavailable", "the server is busy; retry after the Retry-After seconds"),
        500..=599 => ("internal", "an internal error occurred; nothing was changed"),
        _ => ("bad_request", "the request was refused; see /api/v1/openapi.json"),
    }
}

/// Response layer: an error answer whose body is not JSON (the framework's own
/// rejections: path, query, body limit, method) gets the API's JSON error body, with a
/// stable code for its status, keeping its status and other headers.
pub async fn json_error_bodies(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"));
    if is_json {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let text = match axum::body::to_bytes(body, 4096).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().chars().filter(|c| !c.is_control()).take(300).collect(),
        Err(_) => String::new(),
    };
    let (code, advice) = status_code_and_advice(status);
    let message = if text.is_empty() { advice.to_string() } else { format!("{text}; {advice}") };
    let (fresh, body) = error_response(status, code, message).into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in fresh.headers.iter() {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, body)
}

/// Parses a UUID path segment; a malformed id is simply not found.
pub fn parse_id(what: &str, s: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(s).map_err(|_| ApiError(ServiceError::not_found(what, s)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    async fn body_json(resp: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 16).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    fn plain(status: StatusCode, text: &'static str) -> Response {
        let mut resp = Response::new(Body::from(text));
        *resp.status_mut() = status;
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        resp
    }

    #[tokio::test]
    async fn framework_text_errors_become_json_with_a_code_for_their_status() {
        for (status, code) in [
            (StatusCode::BAD_REQUEST, "bad_request"),
            (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
            (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        ] {
            let mut resp = plain(status, "Failed to parse the request body as JSON\n");
            resp.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET"));
            let resp = json_error_bodies(resp).await;
            assert_eq!(resp.status(), status);
            assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/json");
            assert_eq!(resp.headers()[header::ALLOW], "GET", "other headers are kept");
            let body = body_json(resp).await;
            assert_eq!(body["error"]["code"], code);
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.starts_with("Failed to parse the request body as JSON; "), "{message}");
        }
        // An empty body still gets a message saying what to do.
        let body = body_json(json_error_bodies(plain(StatusCode::NOT_FOUND, "")).await).await;
        assert_eq!(body["error"]["code"], "not_found");
        assert!(body["error"]["message"].as_str().unwrap().contains("openapi.json"));
        // 503 keeps its Retry-After.
        let resp = json_error_bodies(plain(StatusCode::SERVICE_UNAVAILABLE, "busy")).await;
        assert!(resp.headers().contains_key(header::RETRY_AFTER));
    }

    #[tokio::test]
    async fn json_errors_and_successes_pass_untouched() {
        let api = error_response(StatusCode::CONFLICT, "op_id_reused", "that op id was used");
        let body = body_json(json_error_bodies(api).await).await;
        assert_eq!(body["error"]["code"], "op_id_reused");
        let ok = json_error_bodies(plain(StatusCode::OK, "hello")).await;
        assert_eq!(ok.headers()[header::CONTENT_TYPE], "text/plain; charset=utf-8");
        let bytes = axum::body::to_bytes(ok.into_body(), 100).await.unwrap();
        assert_eq!(&bytes[..], b"hello");
    }

    #[test]
    fn body_timeouts_are_found_through_wrapping_errors() {
        let inner: axum::BoxError = Box::new(super::super::serve::BodyTimeout(std::time::Duration::from_secs(1)));
        let wrapped = axum::Error::new(inner);
        assert!(is_body_timeout(&wrapped));
        assert!(!is_body_timeout(&axum::Error::new(std::io::Error::other("reset"))));
    }
}
