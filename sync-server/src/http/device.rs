//! Store-device endpoints: enrollment, push, pull and change pokes.

use super::auth::{DeviceAuth, Source};
use super::error::{rate_limited, ApiError, ApiJson, ApiQuery};
use super::AppState;
use crate::service::{self, enroll, now_ms, pull, push};
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use serde::Deserialize;
use shared::protocol::{AvailabilityPage, EnrollRequest, NetworkAvailability, PushRequest, SSE_EVENT_CHANGED};
use std::convert::Infallible;
use std::time::{Duration, Instant};
use tokio_stream::wrappers::BroadcastStream;

pub async fn enroll(
    State(s): State<AppState>,
    Source(from): Source,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<Response, ApiError> {
    if let Err(retry) = s.limiter.check(from, Some(&req.code), Instant::now()) {
        return Ok(rate_limited(retry));
    }
    let code = req.code.clone();
    match service::write(s.storage.as_ref(), move |tx| enroll::enroll(tx, &req, now_ms())).await {
        Ok(r) => Ok((axum::http::StatusCode::CREATED, Json(r)).into_response()),
        Err(e) => {
            if e.code == "invalid_enrollment_code" {
                s.limiter.failed(from, Some(&code), Instant::now());
            }
            Err(ApiError(e))
        }
    }
}

pub async fn push(
    DeviceAuth(device): DeviceAuth,
    State(s): State<AppState>,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<Response, ApiError> {
    push::check_batch(&req)?;
    let device_id = device.id.clone();
    let r = service::write(s.storage.as_ref(), move |tx| push::push(tx, &device_id, &req, now_ms())).await?;
    Ok(Json(r).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    cursor: String,
    limit: Option<u32>,
    protocol_version: Option<u32>,
}

pub async fn pull(
    DeviceAuth(device): DeviceAuth,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> Result<Response, ApiError> {
    if let Some(v) = q.protocol_version.filter(|v| *v != shared::protocol::PROTOCOL_VERSION) {
        return Err(ApiError(service::ServiceError::new(
            service::ErrorKind::BadRequest,
            "unsupported_protocol_version",
            format!(
                "this server speaks sync protocol v{}, the app sent v{v}; update the app",
                shared::protocol::PROTOCOL_VERSION
            ),
        )));
    }
    let limit = q.limit.unwrap_or(1000);
    let store = device.store_code.clone();
    let r = service::read(s.storage.as_ref(), move |tx| pull::pull(tx, &store, &q.cursor, limit)).await?;
    Ok(Json(r).into_response())
}

pub async fn events(DeviceAuth(device): DeviceAuth, State(s): State<AppState>) -> Response {
    let store = device.store_code;
    let stream = BroadcastStream::new(s.notifier.subscribe()).filter_map(move |scope| {
        // A lagging subscriber missed pokes: poke it once, pulling is idempotent.
        let relevant = match scope {
            Ok(scope) => *scope == *store || &*scope == "*",
            Err(_) => true,
        };
        async move { relevant.then(|| Ok::<Event, Infallible>(Event::default().event(SSE_EVENT_CHANGED).data("pull"))) }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityQuery {
    #[serde(default)]
    after: String,
    limit: Option<u32>,
}

/// Most SKUs per availability page.
pub const MAX_AVAILABILITY_PAGE: u32 = 5_000;

pub async fn availability(
    DeviceAuth(_): DeviceAuth,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<AvailabilityQuery>,
) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(MAX_AVAILABILITY_PAGE).clamp(1, MAX_AVAILABILITY_PAGE);
    let page = service::read(s.storage.as_ref(), move |tx| {
        let items = crate::storage::ledger::network_availability(tx, &q.after, limit)?;
        let next = (items.len() as u32 == limit).then(|| items.last().map(|i| i.0.clone())).flatten();
        Ok(AvailabilityPage {
            as_of: chrono::Utc::now(),
            items: items.into_iter().map(|(sku_code, available)| NetworkAvailability { sku_code, available }).collect(),
            next,
        })
    })
    .await?;
    Ok(Json(page).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolutionsQuery {
    #[serde(default)]
    after: String,
    limit: Option<u32>,
}

/// Conflicts raised by this store's ops that HQ has resolved, for the inbox.
pub async fn resolutions(
    DeviceAuth(device): DeviceAuth,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ResolutionsQuery>,
) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(service::follow_ups::MAX_RESOLUTION_PAGE);
    let page = service::read(s.storage.as_ref(), move |tx| {
        service::follow_ups::resolutions(tx, &device.store_code, &q.after, limit)
    })
    .await?;
    Ok(Json(page).into_response())
}
