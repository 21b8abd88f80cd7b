//! The control API's HTTP side (`/sim/...`: scripts, manual steps, the order list) and the
//! router that puts it next to the platforms' endpoints.

use crate::types::{OrdersView, ScriptRequest, SimError};
use crate::{advance, dada, orders_view, queue_script, sf, Sim};
use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use std::sync::Arc;

async fn get_orders(AxState(sim): AxState<Arc<Sim>>) -> Json<OrdersView> {
    Json(orders_view(&sim))
}

async fn post_script(AxState(sim): AxState<Arc<Sim>>, body: axum::body::Bytes) -> Result<StatusCode, SimError> {
    let req: ScriptRequest = serde_json::from_slice(&body).map_err(|e| SimError::BadRequest(e.to_string()))?;
    queue_script(&sim, &req.platform, req.script)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn post_advance(
    AxState(sim): AxState<Arc<Sim>>,
    Path((platform, order_id)): Path<(String, String)>,
) -> Result<Json<OrdersView>, SimError> {
    advance(&sim, &platform, &order_id).await?;
    Ok(Json(orders_view(&sim)))
}

async fn health() -> &'static str {
    "ok"
}

pub(crate) fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route(shared::courier::sf::SERVICE_PATH, post(sf::service))
        .route("/{platform}/api/{*rest}", post(dada::api))
        .route("/sim/orders", get(get_orders))
        .route("/sim/scripts", post(post_script))
        .route("/sim/orders/{platform}/{order_id}/advance", post(post_advance))
        .with_state(sim)
}
