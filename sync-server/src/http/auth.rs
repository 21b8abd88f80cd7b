//! Bearer-token authentication for HQ (admin token) and store devices (device token),
//! behind the failed-credential limits of [`super::rate_limit`].

use super::error::{error_response, rate_limited, ApiError};
use super::AppState;
use crate::service::{self, enroll};
use crate::storage::devices::Device;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::{header, request::Parts, StatusCode};
use axum::response::{IntoResponse, Response};
use shared::secret::token_digest;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;
use subtle::ConstantTimeEq;

fn bearer(parts: &Parts) -> Option<&str> {
    let (scheme, token) = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The caller's address, when the server was served with it (see [`super::serve`]).
pub fn source(parts: &Parts) -> Option<IpAddr> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

/// The caller's address as an extractor, for checks made in handlers (enrollment).
pub struct Source(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Source {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Source(source(parts)))
    }
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
