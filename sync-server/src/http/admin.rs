//! HQ and ERP endpoints (admin token): master data, stock, orders, devices, follow-ups.
//!
//! Each handler's `#[utoipa::path]` is its entry in the OpenAPI document: the doc comment's
//! first paragraph is the summary, the rest the description; the answers listed are the
//! handler's own, and [`super::openapi`] adds those of the extractors and layers.

use super::auth::Admin;
use super::error::{parse_id, ApiError, ApiJson, ApiPath, ApiQuery};
use super::openapi::{DEVICES, FOLLOW_UP, ORDERS, SETTINGS, STOCK};
use super::AppState;
use crate::service::{self, enroll, intake, now_ms, stock, ServiceError};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use shared::admin::{
    AdjustmentResult, Audit, Conflict, Device, EnrollmentCode, EnrollmentCodeRequest, ImportSummary, Notification,
    Reservation, ResolveRequest,
};
use shared::import::{ImportBundle, ReservationRequest, StockAdjustmentBatch};
use shared::order::{ChannelOrderInput, Order};
use shared::protocol::StockRecord;
use shared::rules::BusinessRules;
use shared::staff::PinPolicy;
use utoipa::{IntoParams, ToSchema};

type ApiResult = Result<Response, ApiError>;

fn ok<T: serde::Serialize>(v: T) -> ApiResult {
    Ok(Json(v).into_response())
}

fn created<T: serde::Serialize>(v: T) -> ApiResult {
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// Import master data and stock levels
///
/// Creates or updates nodes, styles, SKUs, bundles and staff (PINs are hashed on arrival),
/// and sets stock levels: the difference from the current on-hand is recorded as an `import`
/// stock movement, and safety stock is set when given. All of it in one transaction, or
/// nothing when any row is invalid. Devices see the changes on their next pull.
#[utoipa::path(
    post,
    path = "/api/v1/import",
    operation_id = "importMasterData",
    tag = STOCK,
    security(("admin" = [])),
    request_body(content = ImportBundle, description = "Any of nodes, styles, skus, bundles, staff, stock; at most 200000 rows in all."),
    responses(
        (status = 200, description = "What was changed.", body = ImportSummary),
        (status = 409, description = "constraint_violation: the change conflicts with existing data."),
        (status = 422, description = "Also too_many_rows, invalid_field, invalid_location, invalid_price, duplicate_barcode, unknown_style, invalid_bundle, invalid_pin, pin_too_short (shorter than HQ's PIN policy), unknown_store, unknown_node, unknown_sku; nothing was imported."),
    ),
)]
pub async fn import(_: Admin, State(s): State<AppState>, ApiJson(bundle): ApiJson<ImportBundle>) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| stock::import(tx, &bundle)).await?)
}

/// Apply an ERP stock adjustment batch
///
/// Records each line as an `adjustment` stock movement (units in or out at a node), all or
/// nothing. Idempotent by batch_id: replaying the same batch changes nothing and answers
/// replayed=true.
#[utoipa::path(
    post,
    path = "/api/v1/stock/adjustments",
    operation_id = "adjustStock",
    tag = STOCK,
    security(("admin" = [])),
    request_body(content = StockAdjustmentBatch, description = "The batch: 1 to 10000 lines, and the whole body at most 16 MiB (413 body_too_large), which holds 10000 lines with every field at its longest in UTF-8 (about 1.2 KB a line); only text sent as \\u escapes could need more."),
    responses(
        (status = 200, description = "Applied, or replayed.", body = AdjustmentResult),
        (status = 409, description = "batch_id_reused: the batch_id was applied before with different lines; use a new batch_id."),
        (status = 422, description = "Also invalid_batch (not 1 to 10000 lines), invalid_field (a note over 200 characters), invalid_delta, unknown_node, unknown_sku, adjustment_exceeds_stock (a line would take on-hand below zero or below what is reserved; it names the line); nothing was applied."),
    ),
)]
pub async fn adjust(_: Admin, State(s): State<AppState>, ApiJson(batch): ApiJson<StockAdjustmentBatch>) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| stock::adjust(tx, &batch)).await?)
}

/// Which balances `GET /api/v1/stock` lists.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StockQuery {
    /// Node code.
    node: String,
    /// Only this SKU.
    sku: Option<String>,
}

/// Stock balances of a node
///
/// The node's balances (on-hand, reserved, safety, locked) per SKU and stock layer, in SKU
/// order, at most 10000. An unknown node is 404; an unknown SKU (or one the node has no
/// stock of) gives an empty list.
#[utoipa::path(
    get,
    path = "/api/v1/stock",
    operation_id = "getNodeStock",
    tag = STOCK,
    security(("admin" = [])),
    params(StockQuery),
    responses(
        (status = 200, description = "The balances.", body = Vec<StockRecord>),
        (status = 404, description = "not_found: no such node."),
    ),
)]
pub async fn stock(_: Admin, State(s): State<AppState>, ApiQuery(q): ApiQuery<StockQuery>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), move |tx| stock::node_stock(tx, &q.node, q.sku.as_deref())).await?)
}

/// Check the stock pool's invariants
///
/// Checks that every balance's on-hand equals the sum of its stock movements and its
/// reserved equals its active reservations, and lists oversold balances.
#[utoipa::path(
    get,
    path = "/api/v1/stock/audit",
    operation_id = "auditStock",
    tag = STOCK,
    security(("admin" = [])),
    responses((status = 200, description = "The audit.", body = Audit)),
)]
pub async fn audit(_: Admin, State(s): State<AppState>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), stock::audit).await?)
}

/// Place a channel stock hold
///
/// Reserves sellable units of a SKU at a node for a channel (预占), all or nothing, so they
/// cannot be promised twice. Idempotent by reference: the same reference and content return
/// the existing reservation with 200.
#[utoipa::path(
    post,
    path = "/api/v1/reservations",
    operation_id = "holdStock",
    tag = STOCK,
    security(("admin" = [])),
    request_body(content = ReservationRequest, description = "The hold."),
    responses(
        (status = 201, description = "The reservation was created.", body = Reservation),
        (status = 200, description = "The reference was used before for the same hold: the existing reservation.", body = Reservation),
        (status = 409, description = "insufficient_stock: not that much available; or reference_reused: the reference holds a different reservation."),
        (status = 422, description = "Also invalid_field (reference not 1 to 100 characters), unknown_node, unknown_sku."),
    ),
)]
pub async fn hold(_: Admin, State(s): State<AppState>, ApiJson(req): ApiJson<ReservationRequest>) -> ApiResult {
    let r = service::write(s.storage.as_ref(), move |tx| stock::hold(tx, &req)).await?;
    if r.created {
        created(r.reservation)
    } else {
        ok(r.reservation)
    }
}

/// Release a channel stock hold
///
/// Ends an active channel hold and returns its units to available. Releasing twice is
/// harmless: the reservation is returned as it is.
#[utoipa::path(
    delete,
    path = "/api/v1/reservations/{id}",
    operation_id = "releaseHold",
    tag = STOCK,
    security(("admin" = [])),
    params(("id" = String, Path, description = "Reservation id.")),
    responses(
        (status = 200, description = "The reservation after release.", body = Reservation),
        (status = 404, description = "not_found: no such reservation."),
        (status = 409, description = "not_a_hold: the reservation belongs to a fulfillment order; cancel the order instead."),
    ),
)]
pub async fn release(_: Admin, State(s): State<AppState>, ApiPath(id): ApiPath<String>) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| stock::release_hold(tx, &id)).await?)
}

/// Take a channel order
///
/// Validates a channel order, routes its lines to nodes (pickup orders to the chosen store;
/// ship and same-city orders by distance, stock and capacity), reserves the stock and
/// creates the fulfillment orders, all or nothing. Stores see their fulfillment orders on
/// their next pull. Idempotent by (channel, channel_order_id): the same content returns the
/// existing order with 200.
#[utoipa::path(
    post,
    path = "/api/v1/orders",
    operation_id = "intakeOrder",
    tag = ORDERS,
    security(("admin" = [])),
    request_body(content = ChannelOrderInput, description = "The order."),
    responses(
        (status = 201, description = "The order was created and routed.", body = Order),
        (status = 200, description = "The same order was taken before: the existing order.", body = Order),
        (status = 409, description = "insufficient_stock: not enough stock at the pickup store or in the network (nothing was reserved); order_conflict: the channel order id exists with different content; stock_changed: retry."),
        (status = 422, description = "Also invalid_field, invalid_lines, unknown_sku, invalid_price, invalid_location, pickup_store_required, invalid_pickup_store, location_required."),
    ),
)]
pub async fn intake(_: Admin, State(s): State<AppState>, ApiJson(input): ApiJson<ChannelOrderInput>) -> ApiResult {
    let r =
        service::write(s.storage.as_ref(), move |tx| intake::intake(tx, &input, &intake::PlacedBy::default())).await?;
    if r.created {
        created(r.order)
    } else {
        ok(r.order)
    }
}

/// Get an order
///
/// The order with its lines and its fulfillment orders, their states, pickup code hashes and
/// tracking.
#[utoipa::path(
    get,
    path = "/api/v1/orders/{id}",
    operation_id = "getOrder",
    tag = ORDERS,
    security(("admin" = [])),
    params(("id" = String, Path, description = "Order id (UUID).")),
    responses(
        (status = 200, description = "The order.", body = Order),
        (status = 404, description = "not_found: no such order (or the id is not a UUID)."),
    ),
)]
pub async fn order(_: Admin, State(s): State<AppState>, ApiPath(id): ApiPath<String>) -> ApiResult {
    let id = parse_id("order", &id)?;
    ok(service::read(s.storage.as_ref(), move |tx| intake::order_view(tx, id)).await?)
}

/// Cancel an order
///
/// Cancels every open fulfillment order of the order, releases their reservations and
/// reverses the sales attribution. A courier or rider booked for it before collection is
/// cancelled at the platform through the courier outbox (a cancellation fee is recorded when
/// the platform deducts one; a rider who already has the parcels is flagged for HQ). Refused
/// once goods left (dispatched, delivered or picked up): take it back as a return instead.
/// Cancelling a cancelled order returns it unchanged. Takes no body.
#[utoipa::path(
    post,
    path = "/api/v1/orders/{id}/cancel",
    operation_id = "cancelOrder",
    tag = ORDERS,
    security(("admin" = [])),
    params(("id" = String, Path, description = "Order id (UUID).")),
    responses(
        (status = 200, description = "The cancelled order.", body = Order),
        (status = 404, description = "not_found: no such order (or the id is not a UUID)."),
        (status = 409, description = "order_not_cancellable: a fulfillment order already left the node."),
    ),
)]
pub async fn cancel(_: Admin, State(s): State<AppState>, ApiPath(id): ApiPath<String>) -> ApiResult {
    let id = parse_id("order", &id)?;
    ok(service::write(s.storage.as_ref(), move |tx| service::courier::cancel_order(tx, id, now_ms())).await?)
}

/// Courier callback: a parcel was delivered
///
/// Moves a dispatched ship or same-city fulfillment order to delivered and refreshes the
/// order's status. Takes no body.
#[utoipa::path(
    post,
    path = "/api/v1/fulfillment-orders/{id}/delivered",
    operation_id = "markDelivered",
    tag = ORDERS,
    security(("admin" = [])),
    params(("id" = String, Path, description = "Fulfillment order id (UUID).")),
    responses(
        (status = 204, description = "Delivered."),
        (status = 404, description = "not_found: no such fulfillment order (or the id is not a UUID)."),
        (status = 409, description = "illegal_transition: it is not dispatched, or it is a pickup order (handed over at the store instead)."),
    ),
)]
pub async fn delivered(_: Admin, State(s): State<AppState>, ApiPath(id): ApiPath<String>) -> ApiResult {
    let id = parse_id("fulfillment order", &id)?;
    service::write(s.storage.as_ref(), move |tx| crate::service::delivered(tx, id, now_ms())).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Create a device enrolment code
///
/// Creates a one-time enrolment code for a store, valid 24 hours. It is shown once (print it
/// or show it as a QR code); a device exchanges it at /api/v1/enroll for its token.
#[utoipa::path(
    post,
    path = "/api/v1/enrollment-codes",
    operation_id = "createEnrollmentCode",
    tag = DEVICES,
    security(("admin" = [])),
    request_body(content = EnrollmentCodeRequest, description = "The store."),
    responses(
        (status = 201, description = "The code.", body = EnrollmentCode),
        (status = 404, description = "not_found: no such store."),
        (status = 422, description = "Also not_a_store: the node is a warehouse."),
    ),
)]
pub async fn enrollment_code(
    _: Admin,
    State(s): State<AppState>,
    ApiJson(req): ApiJson<EnrollmentCodeRequest>,
) -> ApiResult {
    let store_code = req.store_code.clone();
    let code = service::write(s.storage.as_ref(), move |tx| enroll::create_code(tx, &req.store_code, now_ms())).await?;
    created(EnrollmentCode { store_code, code, valid_hours: enroll::CODE_VALID_HOURS })
}

/// Which devices `GET /api/v1/devices` lists.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DevicesQuery {
    /// Only devices of this store.
    store: Option<String>,
}

/// List enrolled devices
///
/// Every enrolled device, revoked ones included, in enrolment order, optionally of one store.
#[utoipa::path(
    get,
    path = "/api/v1/devices",
    operation_id = "listDevices",
    tag = DEVICES,
    security(("admin" = [])),
    params(DevicesQuery),
    responses((status = 200, description = "The devices.", body = Vec<Device>)),
)]
pub async fn devices(_: Admin, State(s): State<AppState>, ApiQuery(q): ApiQuery<DevicesQuery>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), move |tx| enroll::devices(tx, q.store.as_deref())).await?)
}

/// Revoke a device
///
/// Revokes a device's token at once (a lost or stolen tablet): its next call gets 401
/// device_revoked. Revoking again is harmless. Takes no body.
#[utoipa::path(
    post,
    path = "/api/v1/devices/{id}/revoke",
    operation_id = "revokeDevice",
    tag = DEVICES,
    security(("admin" = [])),
    params(("id" = String, Path, description = "Device id.")),
    responses(
        (status = 204, description = "Revoked."),
        (status = 404, description = "not_found: no such device."),
    ),
)]
pub async fn revoke(_: Admin, State(s): State<AppState>, ApiPath(id): ApiPath<String>) -> ApiResult {
    service::write(s.storage.as_ref(), move |tx| enroll::revoke(tx, &id, now_ms())).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// How many notifications `POST /api/v1/notifications/claim` hands out.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LimitQuery {
    /// Most notifications to return (default 100). Any value from 0 to 4294967295 is
    /// accepted and clamped to 1..1000; a negative, fractional or larger number is 400
    /// invalid_query.
    #[param(default = 100)]
    limit: Option<u32>,
}

/// Which conflicts `GET /api/v1/conflicts` lists.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConflictsQuery {
    /// Most conflicts to return (default 100). Any value from 0 to 4294967295 is accepted and
    /// clamped to 1..1000; a negative, fractional or larger number is 400 invalid_query.
    #[param(default = 100)]
    limit: Option<u32>,
    /// Which conflicts: still open (default), resolved, or all.
    #[param(inline, default = "open")]
    status: Option<ConflictStatus>,
}

/// Which conflicts to list.
#[derive(Deserialize, Clone, Copy, ToSchema)]
#[serde(rename_all = "snake_case")]
enum ConflictStatus {
    Open,
    Resolved,
    All,
}

/// Conflicts flagged for HQ
///
/// Conflicts and alerts that stores' facts raised (a hand-over of a cancelled order, a wrong
/// pickup code accepted by ID check, a count that differs from the server, unknown
/// staff...), newest first: the open ones unless `status` says otherwise.
#[utoipa::path(
    get,
    path = "/api/v1/conflicts",
    operation_id = "listConflicts",
    tag = FOLLOW_UP,
    security(("admin" = [])),
    params(ConflictsQuery),
    responses((status = 200, description = "The conflicts.", body = Vec<Conflict>)),
)]
pub async fn conflicts(_: Admin, State(s): State<AppState>, ApiQuery(q): ApiQuery<ConflictsQuery>) -> ApiResult {
    let resolved = match q.status.unwrap_or(ConflictStatus::Open) {
        ConflictStatus::Open => Some(false),
        ConflictStatus::Resolved => Some(true),
        ConflictStatus::All => None,
    };
    ok(service::read(s.storage.as_ref(), move |tx| service::follow_ups::conflicts(tx, resolved, q.limit)).await?)
}

/// Resolve a conflict
///
/// HQ followed a conflict up: it is resolved with HQ's note, leaves the open list, and the
/// store whose op raised it sees it resolved in its devices' inbox. Resolving again with the
/// same note answers the same; with another note it is refused (409 already_resolved).
#[utoipa::path(
    post,
    path = "/api/v1/conflicts/{id}/resolve",
    operation_id = "resolveConflict",
    tag = FOLLOW_UP,
    security(("admin" = [])),
    params(("id" = String, Path, description = "Conflict id.")),
    request_body(content = ResolveRequest, description = "HQ's note on what was done."),
    responses(
        (status = 200, description = "The conflict, resolved.", body = Conflict),
        (status = 404, description = "not_found: no such conflict."),
        (status = 409, description = "already_resolved: resolved before with another note."),
        (status = 422, description = "Also invalid_field: the note is not 1 to 500 characters; nothing_to_release: release_refund on a conflict that holds no refund (it stays open)."),
    ),
)]
pub async fn resolve_conflict(
    _: Admin,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ResolveRequest>,
) -> ApiResult {
    let n: i64 =
        id.parse().ok().filter(|n| *n > 0).ok_or_else(|| ApiError(ServiceError::not_found("conflict", &id)))?;
    let resolved = service::write(s.storage.as_ref(), move |tx| {
        service::follow_ups::resolve(tx, n, &body.note, body.release_refund, now_ms())
    })
    .await?;
    ok(resolved.to_admin().map_err(ServiceError::from)?)
}

/// Claim customer notifications to send
///
/// Hands out up to `limit` queued customer notifications (such as the SMS with the pickup
/// code), oldest first. A claim holds a notification for 60 s: acknowledge it once sent
/// (`POST /api/v1/notifications/{id}/ack`), or it is handed out again, so delivery is at
/// least once and the sender dedupes by `id`. Takes no body.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/claim",
    operation_id = "claimNotifications",
    tag = FOLLOW_UP,
    security(("admin" = [])),
    params(LimitQuery),
    responses((status = 200, description = "The claimed notifications.", body = Vec<Notification>)),
)]
pub async fn claim_notifications(_: Admin, State(s): State<AppState>, ApiQuery(q): ApiQuery<LimitQuery>) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| service::follow_ups::claim_notifications(tx, q.limit, now_ms()))
        .await?)
}

/// Acknowledge a sent notification
///
/// The gateway took the notification: it is not handed out again, and its secrets (the plain
/// pickup code and the QR pass) are erased from the server, which keeps only the redacted
/// text. Acknowledging again is harmless. Takes no body.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/{id}/ack",
    operation_id = "ackNotification",
    tag = FOLLOW_UP,
    security(("admin" = [])),
    params(("id" = String, Path, description = "Notification id (from the claim).")),
    responses(
        (status = 204, description = "Acknowledged; the plain text is erased."),
        (status = 404, description = "not_found: no such notification (or the id is not a positive integer)."),
    ),
)]
pub async fn ack_notification(
    _: Admin,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    service::write(s.storage.as_ref(), move |tx| service::follow_ups::ack_notification(tx, &id, now_ms())).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The staff PIN policy
///
/// How many digits a staff PIN must have at least (4 unless HQ set more). Devices keep only
/// slow hashes of PINs for offline log-in, so the PIN length is what someone who copied a
/// device must guess through; six or more is recommended.
#[utoipa::path(
    get,
    path = "/api/v1/settings/pin-policy",
    operation_id = "getPinPolicy",
    tag = DEVICES,
    security(("admin" = [])),
    responses((status = 200, description = "The policy in force.", body = PinPolicy)),
)]
pub async fn pin_policy(_: Admin, State(s): State<AppState>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), service::settings::pin_policy).await?)
}

/// Set the staff PIN policy
///
/// Sets the fewest digits a PIN may have. It applies to PINs HQ sets from now on (an import
/// with a shorter PIN is refused with 422 pin_too_short); PINs already set stay until HQ
/// sets them again.
#[utoipa::path(
    put,
    path = "/api/v1/settings/pin-policy",
    operation_id = "setPinPolicy",
    tag = DEVICES,
    security(("admin" = [])),
    request_body(content = PinPolicy, description = "The policy."),
    responses(
        (status = 200, description = "The policy now in force.", body = PinPolicy),
        (status = 422, description = "Also invalid_pin_policy: min_length is not 4 to 8."),
    ),
)]
pub async fn set_pin_policy(_: Admin, State(s): State<AppState>, ApiJson(policy): ApiJson<PinPolicy>) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| service::settings::set_pin_policy(tx, &policy, now_ms())).await?)
}

/// The business rules in force
///
/// The rules HQ sets as data: the fulfillment fee stores earn (basis points of the goods'
/// value), the same-city radius, the refund above which a store manager must approve, and
/// the pickup-code limits (wrong codes before the counter locks, the first lockout's length,
/// how long a code stays valid). The defaults until HQ sets them.
#[utoipa::path(
    get,
    path = "/api/v1/settings/business-rules",
    operation_id = "getBusinessRules",
    tag = SETTINGS,
    security(("admin" = [])),
    responses((status = 200, description = "The rules in force.", body = BusinessRules)),
)]
pub async fn business_rules(_: Admin, State(s): State<AppState>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), service::settings::business_rules).await?)
}

/// Set the business rules
///
/// Sets every rule at once (send them all; an unknown one is refused). They apply to what
/// happens from now on: a fee already credited or a pickup code already issued keeps the rule
/// it was made under. Stores' devices get the rules they apply offline with their next pull.
#[utoipa::path(
    put,
    path = "/api/v1/settings/business-rules",
    operation_id = "setBusinessRules",
    tag = SETTINGS,
    security(("admin" = [])),
    request_body(content = BusinessRules, description = "The rules."),
    responses(
        (status = 200, description = "The rules now in force.", body = BusinessRules),
        (status = 422, description = "Also invalid_business_rules: a rule is outside its range (the message names it and the range)."),
    ),
)]
pub async fn set_business_rules(
    _: Admin,
    State(s): State<AppState>,
    ApiJson(rules): ApiJson<BusinessRules>,
) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| service::settings::set_business_rules(tx, &rules, now_ms()))
        .await?)
}
