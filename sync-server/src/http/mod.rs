//! The HTTP API: routes, shared state and cross-cutting layers.

mod admin;
mod auth;
mod device;
pub mod error;
mod openapi;
pub mod rate_limit;
pub mod serve;
mod text;

use crate::events::Notifier;
use crate::storage::Storage;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use std::sync::Arc;

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

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match crate::service::read(state.storage.as_ref(), |tx| Ok(tx.query_opt("SELECT 1", &[])?.is_some())).await {
        Ok(_) => {
            axum::Json(serde_json::json!({"status": "ok", "database": state.storage.backend_name()})).into_response()
        }
        Err(e) => error::ApiError(e).into_response(),
    }
}

/// Builds the router.
pub fn router(state: AppState) -> Router {
    let import =
        Router::new().route("/api/v1/import", post(admin::import)).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT));
    let push =
        Router::new().route("/api/v1/sync/push", post(device::push)).layer(DefaultBodyLimit::max(PUSH_BODY_LIMIT));
    let adjust = Router::new()
        .route("/api/v1/stock/adjustments", post(admin::adjust))
        .layer(DefaultBodyLimit::max(ADJUSTMENT_BODY_LIMIT));
    let rest = Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/enroll", post(device::enroll))
        .route("/api/v1/sync/pull", get(device::pull))
        .route("/api/v1/sync/events", get(device::events))
        .route("/api/v1/sync/availability", get(device::availability))
        .route("/api/v1/stock", get(admin::stock))
        .route("/api/v1/stock/audit", get(admin::audit))
        .route("/api/v1/reservations", post(admin::hold))
        .route("/api/v1/reservations/{id}", delete(admin::release))
        .route("/api/v1/orders", post(admin::intake))
        .route("/api/v1/orders/{id}", get(admin::order))
        .route("/api/v1/orders/{id}/cancel", post(admin::cancel))
        .route("/api/v1/fulfillment-orders/{id}/delivered", post(admin::delivered))
        .route("/api/v1/enrollment-codes", post(admin::enrollment_code))
        .route("/api/v1/devices", get(admin::devices))
        .route("/api/v1/devices/{id}/revoke", post(admin::revoke))
        .route("/api/v1/settings/pin-policy", get(admin::pin_policy).put(admin::set_pin_policy))
        .route("/api/v1/conflicts", get(admin::conflicts))
        .route("/api/v1/conflicts/{id}/resolve", post(admin::resolve_conflict))
        .route("/api/v1/sync/resolutions", get(device::resolutions))
        .route("/api/v1/notifications/claim", post(admin::claim_notifications))
        .route("/api/v1/notifications/{id}/ack", post(admin::ack_notification))
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    Router::new()
        .merge(import)
        .merge(push)
        .merge(adjust)
        .merge(rest)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::map_response(error::json_error_bodies))
        .layer(axum::middleware::from_fn(text::guard))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
