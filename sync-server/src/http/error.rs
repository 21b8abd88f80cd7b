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

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            })
            .unwrap_or(false);
        if !json_type {
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
            Err(r) => return Err(error_response(StatusCode::BAD_REQUEST, "unreadable_body", r.body_text())),
        };
        parse_object(&bytes).map(ApiJson)
    }
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

/// Parses a UUID path segment; a malformed id is simply not found.
pub fn parse_id(what: &str, s: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(s).map_err(|_| ApiError(ServiceError::not_found(what, s)))
}
