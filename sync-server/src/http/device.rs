//! Store-device endpoints: enrollment, push, pull and change pokes.
//!
//! Each handler's `#[utoipa::path]` is its entry in the OpenAPI document (see
//! [`super::admin`]).

use super::auth::{DeviceAuth, Source};
use super::error::{rate_limited, ApiError, ApiJson, ApiQuery};
use super::openapi::{DEVICE, RATE_LIMITED};
use super::AppState;
use crate::service::{self, enroll, now_ms, pull, push, stock};
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use serde::Deserialize;
use shared::protocol::{
    AvailabilityPage, EnrollRequest, EnrollResponse, PullResponse, PushRequest, PushResponse, ResolutionPage,
    SSE_EVENT_CHANGED,
};
use std::convert::Infallible;
use std::time::{Duration, Instant};
use tokio_stream::wrappers::BroadcastStream;
use utoipa::IntoParams;

/// Enrol a store device
///
/// Exchanges a one-time enrolment code (created by HQ for one store, valid 24 hours, usable
/// once) for a device id and a bearer token bound to that store. The token is shown only in
/// this response. Needs no credential: the code is the credential.
#[utoipa::path(
    post,
    path = "/api/v1/enroll",
    operation_id = "enrollDevice",
    tag = DEVICE,
    request_body(content = EnrollRequest, description = "The code, a device name and the protocol version."),
    responses(
        (status = 201, description = "Enrolled; keep the token.", body = EnrollResponse),
        (status = 400, description = "malformed_json: the body is not valid JSON; or unsupported_protocol_version: the app speaks another sync protocol version, update it."),
        (status = 401, description = "invalid_enrollment_code: the code is unknown, used or expired; ask HQ for a new one."),
        (status = 404, description = "not_found: the code's store no longer exists."),
        (status = 422, description = "Also invalid_device_name (device_name not 1 to 100 characters)."),
        (status = 429, description = RATE_LIMITED),
    ),
)]
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

/// Push operations from the device outbox
///
/// Applies a batch of business operations (accept, reject, pick, mark ready and issue the
/// pickup code, hand over, courier, tracking, returns, stock counts, endless-aisle orders)
/// exactly once each, in device order, in one transaction. Operations already applied (by
/// op_id) get their stored result again, so a retried push is safe. A rejected intent is
/// reported per operation and undoes only its own writes; facts from the physical world are
/// recorded even when they conflict, and flagged for HQ.
#[utoipa::path(
    post,
    path = "/api/v1/sync/push",
    operation_id = "pushOps",
    tag = DEVICE,
    security(("device" = [])),
    request_body(content = PushRequest, description = "Up to 500 operations, in device order."),
    responses(
        (status = 200, description = "One result per operation, in order.", body = PushResponse),
        (status = 400, description = "malformed_json: the body is not valid JSON; or unsupported_protocol_version: update the app."),
        (status = 409, description = "reordered_batch (device_seq not consecutive), sequence_gap (the batch starts after the next expected device_seq: push from there), sequence_conflict (a device_seq was used by another op: re-enrol), op_id_reused, or constraint_violation."),
        (status = 422, description = "Also batch_too_large (more than 500 ops), invalid_sequence (device_seq 0 or above 2^63−1), duplicate_op_id, invalid_staff (staff_id not 1 to 64 characters). A control character in any text field of any op refuses the whole batch with invalid_field; an op's other field rules (a reason's or carrier's length) are answered per op as a rejected outcome."),
    ),
)]
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

/// Where a pull starts and how much it takes.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PullQuery {
    /// `0` to bootstrap, else the cursor from the previous page (opaque).
    cursor: String,
    /// Most changes to return (default 1000). Any value from 0 to 4294967295 is accepted and
    /// clamped to 1..5000; a negative, fractional or larger number is 400 invalid_query.
    #[param(default = 1000)]
    limit: Option<u32>,
    /// The protocol version the device speaks (1); another one is refused with 400
    /// unsupported_protocol_version.
    #[param(minimum = 1, maximum = 1)]
    protocol_version: Option<u32>,
}

/// Pull changes for the device's store
///
/// Returns one page of the current state of every entity in the store's scope that changed
/// after the cursor: nodes, styles, SKUs, bundles, the store's staff, its stock balances and
/// its fulfillment orders. Cursor `0` starts a paged bootstrap snapshot; then incremental
/// changes follow. Pull again at once while has_more is true. Pulling is idempotent.
#[utoipa::path(
    get,
    path = "/api/v1/sync/pull",
    operation_id = "pullChanges",
    tag = DEVICE,
    security(("device" = [])),
    params(PullQuery),
    responses(
        (status = 200, description = "A page of changes and the next cursor.", body = PullResponse),
        (status = 400, description = "invalid_query: cursor missing, limit not an unsigned integer, an unknown parameter, or a control character in one; invalid_cursor: not a cursor this server issued, pull again from `0`; or unsupported_protocol_version: update the app."),
        (status = 409, description = "cursor_ahead: the cursor is beyond the end of this server's change log (HQ restored an older backup, or the device talks to another server); pull again from `0`."),
    ),
)]
pub async fn pull(
    DeviceAuth(device): DeviceAuth,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> Result<Response, ApiError> {
    pull::check_protocol_version(q.protocol_version)?;
    let limit = q.limit.unwrap_or(1000);
    let store = device.store_code.clone();
    let r =
        service::read(s.storage.as_ref(), move |tx| pull::pull(tx, &store, &q.cursor, limit, service::now())).await?;
    Ok(Json(r).into_response())
}

/// Change pokes (Server-sent events)
///
/// A Server-sent event stream that sends an event named `changed` with data `pull` whenever
/// something in the device's store scope (or global master data) changed, and a keep-alive
/// comment every 15 seconds. The event carries no data to apply: the device pulls. A device
/// that fell behind gets one extra poke.
#[utoipa::path(
    get,
    path = "/api/v1/sync/events",
    operation_id = "changeEvents",
    tag = DEVICE,
    security(("device" = [])),
    responses(
        (status = 200, description = "An endless event stream: `event: changed` / `data: pull`.", content_type = "text/event-stream", body = String, example = json!("event: changed\ndata: pull\n\n")),
    ),
)]
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

/// Which page of the network availability to read.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityQuery {
    /// Return SKUs after this code (the `next` of the previous page); empty to start.
    #[serde(default)]
    after: String,
    /// Most SKUs to return (default 5000). Any value from 0 to 4294967295 is accepted and
    /// clamped to 1..5000; a negative, fractional or larger number is 400 invalid_query.
    #[param(default = 5000)]
    limit: Option<u32>,
}

/// Network availability snapshot
///
/// Sellable units available to promise across every node, per SKU, in SKU code order and
/// paged: what an associate may still order for a customer from elsewhere (endless aisle).
/// Read-only; the device keeps it with its as-of time.
#[utoipa::path(
    get,
    path = "/api/v1/sync/availability",
    operation_id = "networkAvailability",
    tag = DEVICE,
    security(("device" = [])),
    params(AvailabilityQuery),
    responses((status = 200, description = "A page of availability.", body = AvailabilityPage)),
)]
pub async fn availability(
    DeviceAuth(_): DeviceAuth,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<AvailabilityQuery>,
) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(stock::MAX_AVAILABILITY_PAGE);
    let page =
        service::read(s.storage.as_ref(), move |tx| stock::network_availability(tx, &q.after, limit, service::now()))
            .await?;
    Ok(Json(page).into_response())
}

/// Which page of resolutions to read.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResolutionsQuery {
    /// The `next` of the previous page; empty to start.
    #[serde(default)]
    after: String,
    /// Most resolutions to return (default 500). Any value from 0 to 4294967295 is accepted
    /// and clamped to 1..500; a negative, fractional or larger number is 400 invalid_query.
    #[param(default = 500)]
    limit: Option<u32>,
}

/// Resolutions of the store's conflicts
///
/// Conflicts raised by this store's ops that HQ has resolved, oldest resolution first and
/// paged, so the devices' inbox shows them resolved with HQ's note. Read-only; only the
/// device's own store.
#[utoipa::path(
    get,
    path = "/api/v1/sync/resolutions",
    operation_id = "conflictResolutions",
    tag = DEVICE,
    security(("device" = [])),
    params(ResolutionsQuery),
    responses((status = 200, description = "A page of resolutions.", body = ResolutionPage)),
)]
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
