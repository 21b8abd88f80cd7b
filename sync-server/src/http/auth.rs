//! Bearer-token authentication for HQ (admin token) and store devices (device token).

use super::error::{error_response, ApiError};
use super::AppState;
use crate::service::{self, enroll};
use crate::storage::devices::Device;
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, StatusCode};
use axum::response::{IntoResponse, Response};
use shared::secret::token_digest;
use subtle::ConstantTimeEq;

fn bearer(parts: &Parts) -> Option<&str> {
    parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// An HQ caller holding the admin token.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer(parts) else {
            return Err(error_response(
                StatusCode::UNAUTHORIZED,
                "missing_token",
                "send the HQ admin token as 'Authorization: Bearer <token>'",
            ));
        };
        let from = source(parts);
        state.limiter.check(from, None, Instant::now()).map_err(rate_limited)?;
        let ok: bool = token_digest(token).as_bytes().ct_eq(state.admin_token_digest.as_bytes()).into();
        if !ok {
            state.limiter.failed(from, None, Instant::now());
            return Err(error_response(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "the admin token is wrong; see the server's configuration",
            ));
        }
        Ok(Admin)
    }
}

/// An enrolled, unrevoked store device.
pub struct DeviceAuth(pub Device);

impl FromRequestParts<AppState> for DeviceAuth {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer(parts).map(str::to_string) else {
            return Err(error_response(
                StatusCode::UNAUTHORIZED,
                "missing_token",
                "this call needs the device token: enrol the device first",
            ));
        };
        let from = source(parts);
        state.limiter.check(from, None, Instant::now()).map_err(rate_limited)?;
        match service::read(state.storage.as_ref(), move |tx| enroll::authenticate(tx, &token)).await {
            Ok(device) => Ok(DeviceAuth(device)),
            Err(e) => {
                // An unknown token is a guess; a revoked device's token is a real one, still
                // tried by a device HQ cut off, and must not lock out its store's address.
                if e.code == "invalid_token" {
                    state.limiter.failed(from, None, Instant::now());
                }
                Err(ApiError(e).into_response())
            }
        }
    }
}
