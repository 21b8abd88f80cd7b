//! The HTTP API: routes, shared state and cross-cutting layers.

mod admin;
mod aisle;
mod allocation;
mod auth;
mod campaigns;
mod couriers;
mod device;
pub mod error;
mod openapi;
pub mod rate_limit;
mod returns;
mod routing;
pub mod serve;
mod text;

use crate::events::Notifier;
use crate::storage::Storage;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Bodies above this are refused with 413 on ordinary endpoints.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Imports may be larger.
pub const IMPORT_BODY_LIMIT: usize = 32 * 1024 * 1024;
/// Pushes carry up to 500 ops.
pub const PUSH_BODY_LIMIT: usize = 4 * 1024 * 1024;
/// Adjustment batches carry up to 10,000 lines: 16 MiB holds that many lines with every field
/// at its longest in UTF-8 (about 1.2 KB a line).
pub const ADJUSTMENT_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub storage: Arc<dyn Storage>,
    /// SHA-256 of the HQ admin token.
    pub admin_token_digest: String,
    /// Pokes devices when their scope changes.
    pub notifier: Notifier,
    /// Failed-credential limits.
    pub limiter: Arc<rate_limit::Limiter>,
    /// The courier platforms configured (their callbacks are checked against them).
    pub couriers: crate::courier::Couriers,
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    error::error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "an internal error occurred; nothing was changed",
    )
}

async fn not_found() -> Response {
    error::error_response(StatusCode::NOT_FOUND, "not_found", "no such endpoint; see /api/v1/openapi.json")
}

async fn method_not_allowed() -> Response {
    error::error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not accept that method; see /api/v1/openapi.json",
    )
}

/// Liveness and database check
///
/// Runs a trivial query against the database. 200 when the server can reach it, 503 when it
/// cannot.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = openapi::META,
    responses((status = 200, description = "The server and its database are up.", body = shared::admin::Health)),
)]
async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match crate::service::stock::health(state.storage.as_ref()).await {
        Ok(health) => axum::Json(health).into_response(),
        Err(e) => error::ApiError(e).into_response(),
    }
}

/// Every route of the API with its documentation: registered through `routes!`, so a route
/// cannot exist without its entry in the OpenAPI document (see [`openapi`]).
pub fn api() -> OpenApiRouter<AppState> {
    let import = OpenApiRouter::new().routes(routes!(admin::import)).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT));
    let push = OpenApiRouter::new().routes(routes!(device::push)).layer(DefaultBodyLimit::max(PUSH_BODY_LIMIT));
    let adjust =
        OpenApiRouter::new().routes(routes!(admin::adjust)).layer(DefaultBodyLimit::max(ADJUSTMENT_BODY_LIMIT));
    let rest = OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(openapi::document))
        .routes(routes!(device::enroll))
        .routes(routes!(device::pull))
        .routes(routes!(device::events))
        .routes(routes!(device::availability))
        .routes(routes!(admin::stock))
        .routes(routes!(admin::audit))
        .routes(routes!(admin::hold))
        .routes(routes!(admin::release))
        .routes(routes!(admin::intake))
        .routes(routes!(admin::order))
        .routes(routes!(admin::cancel))
        .routes(routes!(routing::config, routing::set_config))
        .routes(routes!(routing::config_version))
        .routes(routes!(routing::set_node))
        .routes(routes!(routing::dry_run))
        .routes(routes!(routing::held))
        .routes(routes!(routing::route))
        .routes(routes!(routing::reassign))
        .routes(routes!(admin::delivered))
        .routes(routes!(admin::enrollment_code))
        .routes(routes!(admin::devices))
        .routes(routes!(admin::revoke))
        .routes(routes!(admin::pin_policy, admin::set_pin_policy))
        .routes(routes!(admin::business_rules, admin::set_business_rules))
        .routes(routes!(admin::conflicts))
        .routes(routes!(admin::resolve_conflict))
        .routes(routes!(device::resolutions))
        .routes(routes!(aisle::style_availability))
        .routes(routes!(aisle::placed_order))
        .routes(routes!(admin::claim_notifications))
        .routes(routes!(admin::ack_notification))
        .routes(routes!(returns::order_lookup))
        .routes(routes!(returns::return_status))
        .routes(routes!(returns::return_policy, returns::set_return_policy))
        .routes(routes!(returns::claim_refunds))
        .routes(routes!(returns::ack_refund))
        .routes(routes!(returns::order_attribution))
        .routes(routes!(couriers::sf_route_push))
        .routes(routes!(couriers::rider_callback))
        .routes(routes!(couriers::fulfillment_courier))
        .routes(routes!(couriers::refresh_courier))
        .routes(routes!(couriers::cancel_courier))
        .routes(routes!(couriers::register_shop))
        .routes(routes!(couriers::courier_policy, couriers::set_courier_policy))
        .routes(routes!(campaigns::create_campaign, campaigns::list_campaigns))
        .routes(routes!(campaigns::get_campaign))
        .routes(routes!(campaigns::release_campaign))
        .routes(routes!(campaigns::create_presale, campaigns::list_presales))
        .routes(routes!(campaigns::get_presale))
        .routes(routes!(campaigns::close_presale))
        .routes(routes!(campaigns::route_presale))
        .routes(routes!(campaigns::stock_control, campaigns::set_stock_control))
        .routes(routes!(campaigns::employee_prices, campaigns::set_employee_prices))
        .routes(routes!(campaigns::outlet_candidates, campaigns::direct_to_outlet))
        .routes(routes!(allocation::config, allocation::set_config))
        .routes(routes!(allocation::config_version))
        .routes(routes!(allocation::sku))
        .routes(routes!(allocation::switches))
        .routes(routes!(allocation::feed))
        .routes(routes!(allocation::webhook, allocation::set_webhook))
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi()).merge(import).merge(push).merge(adjust).merge(rest)
}

/// The OpenAPI document of [`api`], as `GET /api/v1/openapi.json` serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi::build(api())
}

/// Builds the router: the routes of [`api`] behind the cross-cutting layers.
pub fn router(state: AppState) -> Router {
    let (routes, _) = api().split_for_parts();
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::map_response(error::json_error_bodies))
        .layer(axum::middleware::from_fn(text::guard))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response))
        // Spans name the path, never the query: a courier callback's URL carries its token.
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(
            |req: &axum::http::Request<axum::body::Body>| {
                tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
            },
        ))
        .with_state(state)
}
