//! HQ and ERP endpoints (admin token): master data, stock, orders, devices, follow-ups.

use super::auth::Admin;
use super::error::{parse_id, ApiError, ApiJson, ApiPath, ApiQuery};
use super::AppState;
use crate::service::{self, enroll, intake, now_ms, stock, ErrorKind, ServiceError};
use crate::storage::{devices, followups, ledger};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use shared::import::{ImportBundle, ReservationRequest, StockAdjustmentBatch};
use shared::order::ChannelOrderInput;

type ApiResult = Result<Response, ApiError>;

fn ok<T: serde::Serialize>(v: T) -> ApiResult {
    Ok(Json(v).into_response())
}

fn created<T: serde::Serialize>(v: T) -> ApiResult {
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

pub async fn import(_: Admin, State(s): State<AppState>, ApiJson(bundle): ApiJson<ImportBundle>) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| stock::import(tx, &bundle)).await?)
}

pub async fn adjust(_: Admin, State(s): State<AppState>, ApiJson(batch): ApiJson<StockAdjustmentBatch>) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| stock::adjust(tx, &batch)).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockQuery {
    node: String,
    sku: Option<String>,
}

pub async fn stock(_: Admin, State(s): State<AppState>, ApiQuery(q): ApiQuery<StockQuery>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), move |tx| {
        if crate::storage::catalogue::node(tx, &q.node)?.is_none() {
            return Err(service::ServiceError::not_found("node", &q.node));
        }
        Ok(ledger::node_stock(tx, &q.node, q.sku.as_deref())?)
    })
    .await?)
}

pub async fn audit(_: Admin, State(s): State<AppState>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), |tx| Ok(ledger::audit(tx)?)).await?)
}

pub async fn hold(_: Admin, State(s): State<AppState>, ApiJson(req): ApiJson<ReservationRequest>) -> ApiResult {
    let r = service::write(s.storage.as_ref(), move |tx| stock::hold(tx, &req)).await?;
    if r.created {
        created(r)
    } else {
        ok(r)
    }
}

pub async fn release(_: Admin, State(s): State<AppState>, ApiPath(id): ApiPath<String>) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| stock::release_hold(tx, &id)).await?)
}

pub async fn intake(_: Admin, State(s): State<AppState>, ApiJson(input): ApiJson<ChannelOrderInput>) -> ApiResult {
    let r =
        service::write(s.storage.as_ref(), move |tx| intake::intake(tx, &input, &intake::PlacedBy::default())).await?;
    if r.created {
        created(r.order)
    } else {
        ok(r.order)
    }
}

pub async fn order(_: Admin, State(s): State<AppState>, ApiPath(id): ApiPath<String>) -> ApiResult {
    let id = parse_id("order", &id)?;
    ok(service::read(s.storage.as_ref(), move |tx| intake::order_view(tx, id)).await?)
}

pub async fn cancel(_: Admin, State(s): State<AppState>, ApiPath(id): ApiPath<String>) -> ApiResult {
    let id = parse_id("order", &id)?;
    ok(service::write(s.storage.as_ref(), move |tx| intake::cancel(tx, id)).await?)
}

pub async fn delivered(_: Admin, State(s): State<AppState>, ApiPath(id): ApiPath<String>) -> ApiResult {
    let id = parse_id("fulfillment order", &id)?;
    service::write(s.storage.as_ref(), move |tx| crate::service::delivered(tx, id, now_ms())).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    store_code: String,
}

pub async fn enrollment_code(_: Admin, State(s): State<AppState>, ApiJson(req): ApiJson<CodeRequest>) -> ApiResult {
    let store = req.store_code.clone();
    let code = service::write(s.storage.as_ref(), move |tx| enroll::create_code(tx, &req.store_code, now_ms())).await?;
    created(serde_json::json!({ "store_code": store, "code": code, "valid_hours": enroll::CODE_VALID_HOURS }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevicesQuery {
    store: Option<String>,
}

pub async fn devices(_: Admin, State(s): State<AppState>, ApiQuery(q): ApiQuery<DevicesQuery>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), move |tx| Ok(devices::devices(tx, q.store.as_deref())?)).await?)
}

pub async fn revoke(_: Admin, State(s): State<AppState>, ApiPath(id): ApiPath<String>) -> ApiResult {
    let found = service::write(s.storage.as_ref(), {
        let id = id.clone();
        move |tx| Ok(devices::revoke_device(tx, &id, now_ms())?)
    })
    .await?;
    if !found {
        return Err(ApiError(service::ServiceError::not_found("device", &id)));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitQuery {
    limit: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictsQuery {
    limit: Option<u32>,
    status: Option<ConflictStatus>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum ConflictStatus {
    Open,
    Resolved,
    All,
}

pub async fn conflicts(_: Admin, State(s): State<AppState>, ApiQuery(q): ApiQuery<ConflictsQuery>) -> ApiResult {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let resolved = match q.status.unwrap_or(ConflictStatus::Open) {
        ConflictStatus::Open => Some(false),
        ConflictStatus::Resolved => Some(true),
        ConflictStatus::All => None,
    };
    ok(service::read(s.storage.as_ref(), move |tx| Ok(followups::follow_ups(tx, resolved, limit)?)).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    note: String,
}

pub async fn resolve_conflict(
    _: Admin,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ResolveRequest>,
) -> ApiResult {
    let n: i64 =
        id.parse().ok().filter(|n| *n > 0).ok_or_else(|| ApiError(ServiceError::not_found("conflict", &id)))?;
    ok(service::write(s.storage.as_ref(), move |tx| service::follow_ups::resolve(tx, n, &body.note, now_ms())).await?)
}

pub async fn claim_notifications(_: Admin, State(s): State<AppState>, ApiQuery(q): ApiQuery<LimitQuery>) -> ApiResult {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    ok(service::write(s.storage.as_ref(), move |tx| Ok(followups::claim_notifications(tx, limit, now_ms())?)).await?)
}

/// The gateway acknowledges a notification it took: it is not handed out again and its
/// secrets are erased.
pub async fn ack_notification(
    _: Admin,
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let n: i64 = id.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError(ServiceError::new(ErrorKind::NotFound, "not_found", format!("notification {id:?} was not found")))
    })?;
    let found = service::write(s.storage.as_ref(), move |tx| Ok(followups::ack_notification(tx, n, now_ms())?)).await?;
    if found {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError(ServiceError::not_found("notification", n)))
    }
}

pub async fn pin_policy(_: Admin, State(s): State<AppState>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), service::settings::pin_policy).await?)
}

pub async fn set_pin_policy(
    _: Admin,
    State(s): State<AppState>,
    ApiJson(policy): ApiJson<shared::staff::PinPolicy>,
) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| service::settings::set_pin_policy(tx, &policy, now_ms())).await?)
}
