//! Returns: the return counter's order look-up and a return's status (store devices), HQ's
//! return policy, the refund instructions channel integrations claim and acknowledge, and an
//! order's attribution (admin token).
//!
//! Each handler's `#[utoipa::path]` is its entry in the OpenAPI document (see
//! [`super::admin`]).

use super::auth::{Admin, DeviceAuth};
use super::error::{parse_id, too_many_reads, ApiError, ApiJson, ApiPath, ApiQuery};
use super::openapi::{DEVICE, FOLLOW_UP, ORDERS, SETTINGS};
use super::AppState;
use crate::service::{self, lookup, now_ms, refunds, settings};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use shared::returns::{OrderAttribution, OrderLookupAnswer, RefundInstruction, ReturnPolicy, ReturnStatus};
use std::time::Instant;
use utoipa::IntoParams;

type ApiResult = Result<Response, ApiError>;

/// The 429 of a device look-up (as for the aisle's look-ups: one limit per device).
use super::rate_limit::LOOKUP_LIMITED;

/// How the return counter looks an order up: exactly one of `code`; `channel` with
/// `channel_order_id`; `phone_tail` with `name`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    /// What was scanned or typed: the receipt's QR (`OMNI-ORDER|<order id>`), an order id,
    /// or a channel order number (matched on every channel).
    #[param(max_length = 100)]
    code: Option<String>,
    /// The channel (`tmall`, `jd`, `douyin`, `mini_program`, `store`), with `channel_order_id`.
    channel: Option<String>,
    /// The channel's order number, with `channel`.
    #[param(max_length = 64)]
    channel_order_id: Option<String>,
    /// The last four digits of the customer's phone, with `name`.
    #[param(min_length = 4, max_length = 4, pattern = "^[0-9]{4}$")]
    phone_tail: Option<String>,
    /// The customer's name exactly as on the order (trimmed), with `phone_tail`.
    #[param(max_length = 100)]
    name: Option<String>,
}

/// Look an order up at the return counter
///
/// Finds the order a customer brings back, from any channel and any store: by the code
/// scanned from the receipt or typed (our QR, an order id, or a channel order number, which
/// may match on several channels), by channel and order number, or by the phone's last four
/// digits and the name on the order. Answers at most 20 orders, newest first, each with its
/// lines as the return counter needs them (sold, already returned, unit price, the line's
/// share of discounts, what was paid, final sale), the return window's end, the channel,
/// selling store and associate, the shipping fee and what of it was refunded, and HQ's
/// shipping-refund rule, so the device previews the refund with the rule the server books
/// with. The customer's name, phone and address are masked; nothing else about the order
/// is sent. Read-only, counted against the device's look-ups, and logged (never the phone).
#[utoipa::path(
    get,
    path = "/api/v1/sync/order-lookup",
    operation_id = "lookUpOrder",
    tag = DEVICE,
    security(("device" = [])),
    params(LookupQuery),
    responses(
        (status = 200, description = "The matching orders.", body = OrderLookupAnswer),
        (status = 400, description = "invalid_query: not exactly one way of looking up (code; channel with channel_order_id; phone_tail with name), an unknown channel, phone_tail not four digits, a value blank or too long, or an unknown parameter."),
        (status = 404, description = "order_not_found: no order matches; take the goods back against the receipt (the return is matched when it syncs)."),
        (status = 429, description = LOOKUP_LIMITED),
    ),
)]
pub async fn order_lookup(
    DeviceAuth(device): DeviceAuth,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<LookupQuery>,
) -> ApiResult {
    if let Err(retry) = s.limiter.device_read(&device.id, Instant::now()) {
        return Ok(too_many_reads(retry));
    }
    let form = lookup::lookup_form(
        q.code.as_deref(),
        q.channel.as_deref(),
        q.channel_order_id.as_deref(),
        q.phone_tail.as_deref(),
        q.name.as_deref(),
    )?;
    let (by, asked) = lookup::logged_query(&form);
    let answer = service::read(s.storage.as_ref(), move |tx| lookup::lookup(tx, &form)).await;
    let results = answer.as_ref().map_or(0, |a| a.orders.len());
    tracing::info!(device = %device.id, store = %device.store_code, by, asked = %asked, results, "order look-up");
    Ok(Json(answer?).into_response())
}

/// A return this store recorded
///
/// Where a return the store's devices recorded stands: the order it was matched to, the
/// refund booked, whether the channel was asked to refund it (requested), confirmed it, or
/// no refund is due (no order matched, or HQ follows the return up), and the follow-up code
/// if any. Read-only and counted against the device's look-ups.
#[utoipa::path(
    get,
    path = "/api/v1/sync/returns/{return_id}",
    operation_id = "getReturnStatus",
    tag = DEVICE,
    security(("device" = [])),
    params(("return_id" = String, Path, description = "Return id (the device's UUID).")),
    responses(
        (status = 200, description = "The return's status.", body = ReturnStatus),
        (status = 404, description = "return_not_found: this store recorded no such return (another store's, not synced yet, or not a UUID)."),
        (status = 429, description = LOOKUP_LIMITED),
    ),
)]
pub async fn return_status(
    DeviceAuth(device): DeviceAuth,
    State(s): State<AppState>,
    ApiPath(return_id): ApiPath<String>,
) -> ApiResult {
    if let Err(retry) = s.limiter.device_read(&device.id, Instant::now()) {
        return Ok(too_many_reads(retry));
    }
    let store = device.store_code.clone();
    let status = service::read(s.storage.as_ref(), move |tx| refunds::return_status(tx, &store, &return_id)).await?;
    Ok(Json(status).into_response())
}

/// The return policy in force
///
/// HQ's rules for taking goods back at a store: the return window per channel (days after
/// the order; a channel not listed gets the default), the final-sale / clearance SKU or
/// style codes that are never returnable, and when the shipping fee is refunded. The
/// refund above which a store manager must approve is a business rule
/// (`return_manager_limit_fen`). The default until HQ sets one.
#[utoipa::path(
    get,
    path = "/api/v1/settings/return-policy",
    operation_id = "getReturnPolicy",
    tag = SETTINGS,
    security(("admin" = [])),
    responses((status = 200, description = "The policy in force.", body = ReturnPolicy)),
)]
pub async fn return_policy(_: Admin, State(s): State<AppState>) -> ApiResult {
    Ok(Json(service::read(s.storage.as_ref(), settings::return_policy).await?).into_response())
}

/// Set the return policy
///
/// Sets the whole policy at once. It applies to look-ups and returns booked from now on; a
/// return already booked keeps its refund.
#[utoipa::path(
    put,
    path = "/api/v1/settings/return-policy",
    operation_id = "setReturnPolicy",
    tag = SETTINGS,
    security(("admin" = [])),
    request_body(content = ReturnPolicy, description = "The policy."),
    responses(
        (status = 200, description = "The policy now in force.", body = ReturnPolicy),
        (status = 422, description = "Also invalid_policy: a window outside 0 to 365 days, a channel listed twice, more than 2000 final-sale codes, or a code that is blank, padded or over 64 characters (the message names the field)."),
    ),
)]
pub async fn set_return_policy(
    _: Admin,
    State(s): State<AppState>,
    ApiJson(policy): ApiJson<ReturnPolicy>,
) -> ApiResult {
    let set = service::write(s.storage.as_ref(), move |tx| settings::set_return_policy(tx, &policy, now_ms())).await?;
    Ok(Json(set).into_response())
}

/// How many refund instructions a claim hands out.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ClaimQuery {
    /// Most instructions to return (default 100). Any value from 0 to 4294967295 is accepted
    /// and clamped to 1..1000; a negative, fractional or larger number is 400 invalid_query.
    #[param(default = 100)]
    limit: Option<u32>,
}

/// Claim refund instructions
///
/// Hands out up to `limit` refunds for the channels to pay back, oldest first: one per
/// return that refunds anything (goods by line and shipping), queued in the return's own
/// transaction. A claim holds an instruction for 60 s: acknowledge it once the channel took
/// it (`POST /api/v1/refunds/{return_id}/ack`), or it is handed out again, so delivery is at
/// least once and the integration dedupes by `return_id`. A refund above the manager limit
/// without a manager's proof is not queued (HQ follows it up). Takes no body.
#[utoipa::path(
    post,
    path = "/api/v1/refunds/claim",
    operation_id = "claimRefunds",
    tag = FOLLOW_UP,
    security(("admin" = [])),
    params(ClaimQuery),
    responses((status = 200, description = "The claimed instructions.", body = Vec<RefundInstruction>)),
)]
pub async fn claim_refunds(_: Admin, State(s): State<AppState>, ApiQuery(q): ApiQuery<ClaimQuery>) -> ApiResult {
    let claimed = service::write(s.storage.as_ref(), move |tx| refunds::claim(tx, q.limit, now_ms())).await?;
    Ok(Json(claimed).into_response())
}

/// Acknowledge a refund
///
/// The channel took the refund: it is not handed out again, and the store's devices show it
/// confirmed. Acknowledging again is harmless. Takes no body.
#[utoipa::path(
    post,
    path = "/api/v1/refunds/{return_id}/ack",
    operation_id = "ackRefund",
    tag = FOLLOW_UP,
    security(("admin" = [])),
    params(("return_id" = String, Path, description = "Return id (from the claim).")),
    responses(
        (status = 204, description = "Acknowledged."),
        (status = 404, description = "refund_not_found: no refund instruction for this return (unknown, nothing to refund, or not a UUID)."),
    ),
)]
pub async fn ack_refund(
    _: Admin,
    State(s): State<AppState>,
    ApiPath(return_id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    service::write(s.storage.as_ref(), move |tx| refunds::ack(tx, &return_id, now_ms())).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An order's attribution
///
/// The order's sales credit (channel, selling store, associate), the fulfillment fees the
/// nodes that fulfilled it earned, and their reversals by returns (for the returned units,
/// pro rata) and cancellation, oldest first, with the net per party.
#[utoipa::path(
    get,
    path = "/api/v1/orders/{id}/attribution",
    operation_id = "getOrderAttribution",
    tag = ORDERS,
    security(("admin" = [])),
    params(("id" = String, Path, description = "Order id (UUID).")),
    responses(
        (status = 200, description = "The attribution.", body = OrderAttribution),
        (status = 404, description = "not_found: no such order (or the id is not a UUID)."),
    ),
)]
pub async fn order_attribution(_: Admin, State(s): State<AppState>, ApiPath(id): ApiPath<String>) -> ApiResult {
    let id = parse_id("order", &id)?;
    Ok(Json(service::read(s.storage.as_ref(), move |tx| refunds::order_attribution(tx, id)).await?).into_response())
}
