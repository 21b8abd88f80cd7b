//! Error responses and request extractors that turn every bad input into
//! `{"error":{"code","message"}}` with the right status, never a panic.

use crate::service::{ErrorKind, ServiceError};
use axum::extract::rejection::{JsonRejection, QueryRejection};
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

/// A JSON body whose rejections are API errors.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> Response {
    let status = r.status();
    let (code, hint) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ("body_too_large", "the request body is larger than this endpoint accepts; send it in smaller parts"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "send the body as JSON with Content-Type: application/json"),
        StatusCode::UNPROCESSABLE_ENTITY => ("invalid_body", "a field has the wrong type or value, or is unknown"),
        _ => ("malformed_json", "the body is not valid JSON"),
    };
    let detail = r.body_text();
    error_response(status, code, format!("{hint}: {}", detail.chars().take(300).collect::<String>()))
}

/// Query parameters whose rejections are API errors.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(r @ QueryRejection::FailedToDeserializeQueryString(_)) => {
                Err(error_response(StatusCode::BAD_REQUEST, "invalid_query", r.body_text()))
            }
            Err(r) => Err(error_response(StatusCode::BAD_REQUEST, "invalid_query", r.body_text())),
        }
    }
}

/// Parses a UUID path segment; a malformed id is simply not found.
pub fn parse_id(what: &str, s: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(s).map_err(|_| ApiError(ServiceError::not_found(what, s)))
}
