//! HQ's channel allocation endpoints (admin token): the versioned allocation configuration,
//! a SKU's allocation now and its deep/shallow switches, each channel's cursor-paged stock
//! feed and its webhook. Handlers only parse and answer; the rules live in
//! `service::allocation` and `shared::allocation`.

use super::auth::Admin;
use super::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use super::openapi::{SETTINGS, STOCK};
use super::AppState;
use crate::service::{self, allocation, now_ms};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use shared::allocation::{
    AllocationConfig, AllocationConfigView, FeedPage, SkuAllocation, SwitchPage, WebhookInput, WebhookView,
};
use utoipa::IntoParams;

type ApiResult = Result<Response, ApiError>;

fn ok<T: serde::Serialize>(v: T) -> ApiResult {
    Ok(Json(v).into_response())
}

/// Get the allocation configuration
///
/// The strategies per SKU group (all, a style, a SKU list) and channel: share 100%, fixed
/// ratio (exclusive carve-out), priority channels, safety units held back, daily caps per
/// channel, and the automatic switch from the deep to the shallow plan below a total
/// available with hysteresis; first matching rule wins, else the default plan. Version 0 is
/// the built-in one (every online channel shares 100%).
#[utoipa::path(
    get,
    path = "/api/v1/allocation/config",
    operation_id = "getAllocationConfig",
    tag = SETTINGS,
    security(("admin" = [])),
    responses((status = 200, description = "The configuration in force.", body = AllocationConfigView)),
)]
pub async fn config(_: Admin, State(s): State<AppState>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), allocation::config).await?)
}

/// Set the allocation configuration
///
/// Replaces the whole document, validated, as the next version, and recomputes every SKU's
/// published quantities with it in the same transaction.
#[utoipa::path(
    put,
    path = "/api/v1/allocation/config",
    operation_id = "setAllocationConfig",
    tag = SETTINGS,
    security(("admin" = [])),
    request_body(content = AllocationConfig, description = "The whole configuration."),
    responses(
        (status = 200, description = "The configuration now in force, with its new version.", body = AllocationConfigView),
        (status = 422, description = "Also invalid_allocation_config (the message names the field), invalid_time_zone; nothing was stored."),
    ),
)]
pub async fn set_config(_: Admin, State(s): State<AppState>, ApiJson(config): ApiJson<AllocationConfig>) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| allocation::put_config(tx, &config, now_ms())).await?)
}

/// Get one stored version of the allocation configuration
///
/// Published quantities and switches name the version they used; this shows it.
#[utoipa::path(
    get,
    path = "/api/v1/allocation/config/versions/{version}",
    operation_id = "getAllocationConfigVersion",
    tag = SETTINGS,
    security(("admin" = [])),
    params(("version" = i64, Path, description = "Version (0: the built-in one).")),
    responses(
        (status = 200, description = "That version.", body = AllocationConfigView),
        (status = 404, description = "not_found: no such version."),
    ),
)]
pub async fn config_version(_: Admin, State(s): State<AppState>, ApiPath(version): ApiPath<String>) -> ApiResult {
    let v: i64 =
        version.parse().map_err(|_| service::ServiceError::not_found("allocation config version", &version))?;
    ok(service::read(s.storage.as_ref(), move |tx| allocation::config_version(tx, v)).await?)
}

/// A SKU's allocation now
///
/// The SKU's total available, the rule and plan (deep or shallow) in force, what each online
/// channel may sell (and sold today against its cap), and its last switches.
#[utoipa::path(
    get,
    path = "/api/v1/allocation/skus/{sku}",
    operation_id = "getSkuAllocation",
    tag = STOCK,
    security(("admin" = [])),
    params(("sku" = String, Path, description = "SKU code.")),
    responses(
        (status = 200, description = "The SKU's allocation.", body = SkuAllocation),
        (status = 404, description = "not_found: no such SKU."),
    ),
)]
pub async fn sku(_: Admin, State(s): State<AppState>, ApiPath(sku): ApiPath<String>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), move |tx| allocation::sku_allocation(tx, &sku, now_ms())).await?)
}

/// Switches query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SwitchQuery {
    /// Only this SKU's.
    sku: Option<String>,
    /// The `next_before` of the previous page; leave out to start at the newest.
    before: Option<i64>,
    /// Most switches to return (default 100, at most 500).
    #[param(default = 100)]
    limit: Option<u32>,
}

/// List deep/shallow switches
///
/// Every switch of a SKU between its rule's deep and shallow plans, newest first, with the
/// total available that caused it and the threshold crossed.
#[utoipa::path(
    get,
    path = "/api/v1/allocation/switches",
    operation_id = "listAllocationSwitches",
    tag = STOCK,
    security(("admin" = [])),
    params(SwitchQuery),
    responses(
        (status = 200, description = "A page of switches.", body = SwitchPage),
        (status = 422, description = "Also invalid_limit."),
    ),
)]
pub async fn switches(_: Admin, State(s): State<AppState>, ApiQuery(q): ApiQuery<SwitchQuery>) -> ApiResult {
    let limit = q.limit.unwrap_or(100);
    ok(service::read(s.storage.as_ref(), move |tx| allocation::switches(tx, q.sku.as_deref(), q.before, limit)).await?)
}

/// Stock feed query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The `next_after` of the previous page; 0 (default) to start.
    #[serde(default)]
    after: i64,
    /// Most entries to return (default 500, at most 1000).
    #[param(default = 500)]
    limit: Option<u32>,
}

/// A channel's stock feed
///
/// The channel's published quantities changed after the cursor, in the channel's sequence
/// order (commit order): each SKU appears once, with its current quantity, after its last
/// change. Page with `next_after` while `more`; poll from the last `next_after` for new
/// changes.
#[utoipa::path(
    get,
    path = "/api/v1/channels/{channel}/stock-feed",
    operation_id = "getChannelStockFeed",
    tag = STOCK,
    security(("admin" = [])),
    params(("channel" = String, Path, description = "Channel (tmall, jd, douyin, mini_program, employee_store, outlet)."), FeedQuery),
    responses(
        (status = 200, description = "A page of the feed.", body = FeedPage),
        (status = 404, description = "not_found: no such channel."),
        (status = 422, description = "Also invalid_channel (store), invalid_cursor, invalid_limit."),
    ),
)]
pub async fn feed(
    _: Admin,
    State(s): State<AppState>,
    ApiPath(channel): ApiPath<String>,
    ApiQuery(q): ApiQuery<FeedQuery>,
) -> ApiResult {
    let limit = q.limit.unwrap_or(500);
    ok(service::read(s.storage.as_ref(), move |tx| allocation::feed(tx, &channel, q.after, limit)).await?)
}

/// Get a channel's webhook
///
/// Where the channel's stock feed is pushed, and how far it was delivered. The secret is
/// never shown (`***`).
#[utoipa::path(
    get,
    path = "/api/v1/channels/{channel}/webhook",
    operation_id = "getChannelWebhook",
    tag = SETTINGS,
    security(("admin" = [])),
    params(("channel" = String, Path, description = "Channel.")),
    responses(
        (status = 200, description = "The webhook.", body = WebhookView),
        (status = 404, description = "not_found: no such channel, or no webhook set."),
        (status = 422, description = "Also invalid_channel (store)."),
    ),
)]
pub async fn webhook(_: Admin, State(s): State<AppState>, ApiPath(channel): ApiPath<String>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), move |tx| allocation::webhook(tx, &channel)).await?)
}

/// Set a channel's webhook
///
/// The worker POSTs the channel's feed entries after the delivered position to `url` as a
/// `WebhookBatch`, at least once and in sequence order, signed in `X-Signature:
/// t=<ms>,v1=<hex HMAC-SHA256 of "<ms>.<body>">` with the secret; a 2xx acknowledges the
/// batch, anything else is tried again with a doubling back-off (1 s up to 5 min).
/// Receivers apply an entry only if its `seq` is above the last they applied.
#[utoipa::path(
    put,
    path = "/api/v1/channels/{channel}/webhook",
    operation_id = "setChannelWebhook",
    tag = SETTINGS,
    security(("admin" = [])),
    params(("channel" = String, Path, description = "Channel.")),
    request_body(content = WebhookInput, description = "URL, secret (required the first time), enabled, delivery position."),
    responses(
        (status = 200, description = "The webhook now.", body = WebhookView),
        (status = 404, description = "not_found: no such channel."),
        (status = 422, description = "Also invalid_channel, invalid_url, invalid_secret, invalid_cursor."),
    ),
)]
pub async fn set_webhook(
    _: Admin,
    State(s): State<AppState>,
    ApiPath(channel): ApiPath<String>,
    ApiJson(input): ApiJson<WebhookInput>,
) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| allocation::put_webhook(tx, &channel, &input, now_ms())).await?)
}
