//! HQ's routing endpoints (admin token): the versioned routing configuration and node
//! settings, dry-run, the needs-attention queue of held orders with retry, and manual
//! reassignment of fulfillment orders. Handlers only parse and answer; the rules live in
//! `service::routing` and `shared::routing`.

use super::auth::Admin;
use super::error::{parse_id, ApiError, ApiJson, ApiPath, ApiQuery};
use super::openapi::{ORDERS, SETTINGS};
use super::AppState;
use crate::service::{self, intake, now_ms, routing};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use shared::order::{ChannelOrderInput, Order};
use shared::routing::config::{NodeRouting, RoutingConfig};
use shared::routing::{DryRun, HeldPage, ReassignRequest, RouteResult, RoutingConfigView};
use utoipa::IntoParams;

type ApiResult = Result<Response, ApiError>;

fn ok<T: serde::Serialize>(v: T) -> ApiResult {
    Ok(Json(v).into_response())
}

/// Get the routing configuration
///
/// The rule profiles (filters, strategies, fallback), which profile serves which channel and
/// fulfillment kind, HQ's node settings (paused, groups, time zone) and channel exclusions by
/// node group, with the version in force. Version 0 is the built-in configuration (nearest
/// node that fills every line, else the fewest nodes for ship orders; a shortfall refuses).
#[utoipa::path(
    get,
    path = "/api/v1/routing/config",
    operation_id = "getRoutingConfig",
    tag = SETTINGS,
    security(("admin" = [])),
    responses((status = 200, description = "The configuration in force.", body = RoutingConfigView)),
)]
pub async fn config(_: Admin, State(s): State<AppState>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), routing::config).await?)
}

/// Set the routing configuration
///
/// Replaces the whole document, validated, as the next version; routing decisions from now
/// on use it and record its version. The same document can be applied from a file with
/// `sync-server routing apply --file F` (JSON or TOML).
#[utoipa::path(
    put,
    path = "/api/v1/routing/config",
    operation_id = "setRoutingConfig",
    tag = SETTINGS,
    security(("admin" = [])),
    request_body(content = RoutingConfig, description = "The whole configuration."),
    responses(
        (status = 200, description = "The configuration now in force, with its new version.", body = RoutingConfigView),
        (status = 422, description = "Also invalid_routing_config (the message names the field), unknown_node, invalid_time_zone; nothing was stored."),
    ),
)]
pub async fn set_config(_: Admin, State(s): State<AppState>, ApiJson(config): ApiJson<RoutingConfig>) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| routing::put_config(tx, &config, now_ms())).await?)
}

/// Get one stored version of the routing configuration
///
/// Routing decisions name the version they used; this shows it.
#[utoipa::path(
    get,
    path = "/api/v1/routing/config/versions/{version}",
    operation_id = "getRoutingConfigVersion",
    tag = SETTINGS,
    security(("admin" = [])),
    params(("version" = i64, Path, description = "Version (0: the built-in one).")),
    responses(
        (status = 200, description = "That version.", body = RoutingConfigView),
        (status = 404, description = "not_found: no such version."),
    ),
)]
pub async fn config_version(_: Admin, State(s): State<AppState>, ApiPath(version): ApiPath<String>) -> ApiResult {
    let v: i64 = version.parse().map_err(|_| service::ServiceError::not_found("routing config version", &version))?;
    ok(service::read(s.storage.as_ref(), move |tx| routing::config_version(tx, v)).await?)
}

/// Set a node's routing settings
///
/// HQ pauses a node, sets its groups (for channel exclusions) or its IANA time zone (its
/// opening hours and local day; default Asia/Shanghai). Stores the configuration's next
/// version.
#[utoipa::path(
    put,
    path = "/api/v1/routing/nodes/{code}",
    operation_id = "setNodeRouting",
    tag = SETTINGS,
    security(("admin" = [])),
    params(("code" = String, Path, description = "Node code.")),
    request_body(content = NodeRouting, description = "The node's settings."),
    responses(
        (status = 200, description = "The configuration now in force.", body = RoutingConfigView),
        (status = 404, description = "not_found: no such node."),
        (status = 422, description = "Also invalid_routing_config, invalid_time_zone."),
    ),
)]
pub async fn set_node(
    _: Admin,
    State(s): State<AppState>,
    ApiPath(code): ApiPath<String>,
    ApiJson(settings): ApiJson<NodeRouting>,
) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| routing::put_node(tx, &code, &settings, now_ms())).await?)
}

/// Dry-run routing for an order
///
/// Routes a hypothetical channel order as intake would (same validation, same profiles)
/// and answers the plan and its explanation. Nothing is reserved or written, and the
/// channel order id is not taken.
#[utoipa::path(
    post,
    path = "/api/v1/routing/dry-run",
    operation_id = "dryRunRouting",
    tag = ORDERS,
    security(("admin" = [])),
    request_body(content = ChannelOrderInput, description = "The order."),
    responses(
        (status = 200, description = "What routing would do.", body = DryRun),
        (status = 422, description = "Also invalid_field, invalid_lines, unknown_sku, invalid_price, invalid_location, pickup_store_required, invalid_pickup_store, location_required."),
    ),
)]
pub async fn dry_run(_: Admin, State(s): State<AppState>, ApiJson(input): ApiJson<ChannelOrderInput>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), move |tx| intake::dry_run(tx, &input)).await?)
}

/// Held-orders query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HeldQuery {
    /// The `next` of the previous page; empty to start.
    #[serde(default)]
    after: String,
    /// Most orders to return (default and most 500).
    #[param(default = 500)]
    limit: Option<u32>,
}

/// List the needs-attention queue
///
/// Orders routing held (no profile could place them and the last profile's fallback is
/// hold), oldest first, each with the reason. Route one again with
/// `POST /api/v1/orders/{id}/route`.
#[utoipa::path(
    get,
    path = "/api/v1/routing/held",
    operation_id = "listHeldOrders",
    tag = ORDERS,
    security(("admin" = [])),
    params(HeldQuery),
    responses(
        (status = 200, description = "A page of held orders.", body = HeldPage),
        (status = 422, description = "Also invalid_cursor."),
    ),
)]
pub async fn held(_: Admin, State(s): State<AppState>, ApiQuery(q): ApiQuery<HeldQuery>) -> ApiResult {
    let limit = q.limit.unwrap_or(routing::MAX_HELD_PAGE);
    ok(service::read(s.storage.as_ref(), move |tx| routing::held(tx, &q.after, limit)).await?)
}

/// Route a held order again
///
/// Runs the routing profiles for a held (or presale) order now: placed, it is reserved and
/// its fulfillment orders created; still short, it stays held with the new reason. Any other
/// order is returned unchanged with `placed` false. Takes no body.
#[utoipa::path(
    post,
    path = "/api/v1/orders/{id}/route",
    operation_id = "routeHeldOrder",
    tag = ORDERS,
    security(("admin" = [])),
    params(("id" = String, Path, description = "Order id (UUID).")),
    responses(
        (status = 200, description = "Whether it was placed, and the order.", body = RouteResult),
        (status = 404, description = "not_found: no such order (or the id is not a UUID)."),
    ),
)]
pub async fn route(_: Admin, State(s): State<AppState>, ApiPath(id): ApiPath<String>) -> ApiResult {
    let id = parse_id("order", &id)?;
    let r = service::write(s.storage.as_ref(), move |tx| {
        intake::order_view(tx, id)?;
        let placed = intake::route_existing(tx, id, now_ms())?;
        Ok(RouteResult { placed, order: intake::order_view(tx, id)? })
    })
    .await?;
    ok(r)
}

/// Move a fulfillment order to another node
///
/// HQ reassigns a routed or accepted fulfillment order, or some of its lines, to a named
/// node: the stock is reserved there and released where it was, in one transaction. The new
/// node gets a new fulfillment order; the old one loses the lines (or is cancelled with the
/// reason when it loses all), so both stores' devices see it at their next pull.
#[utoipa::path(
    post,
    path = "/api/v1/fulfillment-orders/{id}/reassign",
    operation_id = "reassignFulfillmentOrder",
    tag = ORDERS,
    security(("admin" = [])),
    params(("id" = String, Path, description = "Fulfillment order id (UUID).")),
    request_body(content = ReassignRequest, description = "The node and, optionally, which lines."),
    responses(
        (status = 200, description = "The order after the move.", body = Order),
        (status = 404, description = "not_found: no such fulfillment order (or the id is not a UUID)."),
        (status = 409, description = "not_reassignable: picking started or it ended; insufficient_stock: the node has too few units (nothing moved)."),
        (status = 422, description = "Also unknown_node, same_node, node_cannot_fulfil, invalid_lines."),
    ),
)]
pub async fn reassign(
    _: Admin,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ReassignRequest>,
) -> ApiResult {
    let id = parse_id("fulfillment order", &id)?;
    ok(service::write(s.storage.as_ref(), move |tx| {
        let order = routing::reassign(tx, id, &req, now_ms())?;
        intake::order_view(tx, order)
    })
    .await?)
}
