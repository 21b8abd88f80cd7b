//! Endless-aisle look-ups for store devices: a style's live availability across the
//! network, and the status of an order the store placed. Read-only, scoped to the device's
//! store, limited per device ([`super::rate_limit::Limiter::device_read`]) and logged.

use super::auth::DeviceAuth;
use super::error::{too_many_reads, ApiError, ApiPath};
use super::openapi::DEVICE;
use super::rate_limit::LOOKUP_LIMITED;
use super::AppState;
use crate::service::{self, aisle};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use shared::aisle::{PlacedOrderStatus, StyleAvailability};
use std::time::Instant;

/// Live availability of a style
///
/// Free-to-promise units of every SKU (colour × size) of the style as the device's store
/// may see them: its own shelf (`here`, its store lease included), the other nodes that can
/// promise units — nearby stores with their distance, warehouses — nearest first (at most
/// 10 per SKU), and the network total. Other nodes' on-hand, reservations and orders are
/// not part of it. Read-only; counts against the device's look-up limit.
#[utoipa::path(
    get,
    path = "/api/v1/sync/styles/{style_code}/availability",
    operation_id = "styleAvailability",
    tag = DEVICE,
    security(("device" = [])),
    params(("style_code" = String, Path, description = "Style code, e.g. `ST-2026-0001`.")),
    responses(
        (status = 200, description = "The style's availability, read now.", body = StyleAvailability),
        (status = 404, description = "style_not_found: no style with this code."),
        (status = 429, description = LOOKUP_LIMITED),
    ),
)]
pub async fn style_availability(
    DeviceAuth(device): DeviceAuth,
    State(s): State<AppState>,
    ApiPath(style_code): ApiPath<String>,
) -> Result<Response, ApiError> {
    if let Err(retry) = s.limiter.device_read(&device.id, Instant::now()) {
        tracing::info!(device = %device.id, store = %device.store_code, "style availability refused: look-up limit");
        return Ok(too_many_reads(retry));
    }
    let (store, style) = (device.store_code.clone(), style_code.clone());
    let answer =
        service::read(s.storage.as_ref(), move |tx| aisle::style_availability(tx, &store, &style, service::now()))
            .await;
    let found = answer.as_ref().map_or(0, |a| a.skus.len());
    tracing::info!(device = %device.id, store = %device.store_code, style = %style_code, skus = found, "style availability");
    Ok(Json(answer?).into_response())
}

/// Status of an order the store placed
///
/// An order placed at the device's store (endless aisle): its status, the units no node
/// could take, and each fulfillment order — the node it ships from or is collected at, its
/// state, lines, courier and tracking number. Another store's order, a channel's order and
/// an unknown or malformed id are all 404. Read-only; counts against the device's look-up
/// limit.
#[utoipa::path(
    get,
    path = "/api/v1/sync/placed-orders/{order_id}",
    operation_id = "placedOrderStatus",
    tag = DEVICE,
    security(("device" = [])),
    params(("order_id" = String, Path, description = "The order id the device chose (UUID).")),
    responses(
        (status = 200, description = "The order as the store follows it.", body = PlacedOrderStatus),
        (status = 404, description = "order_not_found: no order with this id was placed at this store."),
        (status = 429, description = LOOKUP_LIMITED),
    ),
)]
pub async fn placed_order(
    DeviceAuth(device): DeviceAuth,
    State(s): State<AppState>,
    ApiPath(order_id): ApiPath<String>,
) -> Result<Response, ApiError> {
    if let Err(retry) = s.limiter.device_read(&device.id, Instant::now()) {
        tracing::info!(device = %device.id, store = %device.store_code, "placed order refused: look-up limit");
        return Ok(too_many_reads(retry));
    }
    let (store, id) = (device.store_code.clone(), order_id.clone());
    let answer =
        service::read(s.storage.as_ref(), move |tx| aisle::placed_order_status(tx, &store, &id, service::now())).await;
    let found = answer.as_ref().map_or(0, |a| a.fulfillments.len());
    tracing::info!(device = %device.id, store = %device.store_code, order = %order_id, fulfillments = found, "placed order");
    Ok(Json(answer?).into_response())
}
