//! HQ endpoints of promotion locks, presales, the clearance channels and the stock-control
//! settings (admin token). Thin: each handler runs one service function in one transaction.

use super::auth::Admin;
use super::error::{ApiError, ApiJson, ApiPath};
use super::openapi::{SETTINGS, STOCK};
use super::AppState;
use crate::service::{self, campaigns, clearance, now_ms, stock_control};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use shared::campaign::{Campaign, CampaignRequest, Presale, PresaleRequest, StockControlPolicy, StockControlSettings};
use shared::clearance::{EmployeePriceList, EmployeePrices, SlowMover};

type ApiResult = Result<Response, ApiError>;

fn ok<T: serde::Serialize>(v: T) -> ApiResult {
    Ok(Json(v).into_response())
}

/// Lock stock for a campaign or live stream
///
/// Creates a campaign with its time window and locks its stock (库存快照) in the `locked`
/// layer, all or nothing: a line with a node locks that node's available units; a line
/// without one is network-wide, spread over the nodes by what each has available now.
/// Locked units leave every channel's available; orders with `campaign` = the code draw
/// them during the window; at the end the remainder goes back to the pool by itself. Every
/// change is a lock movement in the audit.
#[utoipa::path(
    post,
    path = "/api/v1/campaigns",
    operation_id = "createCampaign",
    tag = STOCK,
    security(("admin" = [])),
    request_body(content = CampaignRequest, description = "The campaign and what to lock."),
    responses(
        (status = 201, description = "Created, with its lock.", body = Campaign),
        (status = 409, description = "campaign_exists: the code is taken; insufficient_stock: not that much available (nothing was locked)."),
        (status = 422, description = "Also invalid_field, invalid_window (ends before it starts, or already over), invalid_lines (1 to 500), unknown_sku, unknown_node."),
    ),
)]
pub async fn create_campaign(_: Admin, State(s): State<AppState>, ApiJson(req): ApiJson<CampaignRequest>) -> ApiResult {
    let c = service::write(s.storage.as_ref(), move |tx| campaigns::create_campaign(tx, &req, now_ms())).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

/// List campaigns
///
/// Every campaign (at most 500), latest window first, with its locked balances: locked,
/// left, sold and released units.
#[utoipa::path(
    get,
    path = "/api/v1/campaigns",
    operation_id = "listCampaigns",
    tag = STOCK,
    security(("admin" = [])),
    responses((status = 200, description = "The campaigns.", body = [Campaign])),
)]
pub async fn list_campaigns(_: Admin, State(s): State<AppState>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), |tx| campaigns::campaigns(tx, now_ms())).await?)
}

/// Show a campaign
///
/// The campaign, its status and its locked balances.
#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{code}",
    operation_id = "getCampaign",
    tag = STOCK,
    security(("admin" = [])),
    params(("code" = String, Path, description = "Campaign code.")),
    responses(
        (status = 200, description = "The campaign.", body = Campaign),
        (status = 404, description = "not_found: no such campaign."),
    ),
)]
pub async fn get_campaign(_: Admin, State(s): State<AppState>, ApiPath(code): ApiPath<String>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), move |tx| campaigns::campaign(tx, &code, now_ms())).await?)
}

/// Release a campaign's lock
///
/// Gives what the lock still holds back to the pool now (early release by HQ; at the
/// window's end this happens by itself). Orders already drawn keep their units. Releasing
/// twice is harmless: the campaign is returned as it is.
#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{code}/release",
    operation_id = "releaseCampaign",
    tag = STOCK,
    security(("admin" = [])),
    params(("code" = String, Path, description = "Campaign code.")),
    responses(
        (status = 200, description = "The campaign after release.", body = Campaign),
        (status = 404, description = "not_found: no such campaign."),
    ),
)]
pub async fn release_campaign(_: Admin, State(s): State<AppState>, ApiPath(code): ApiPath<String>) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| campaigns::release_campaign(tx, &code, now_ms())).await?)
}

/// Open a presale
///
/// Sells a quota of SKUs ahead of an expected receipt at a node (预售). Orders with
/// `presale` = the code take from the quota (never more) and wait as `presale`; when the
/// stock is there they are routed first come, first served.
#[utoipa::path(
    post,
    path = "/api/v1/presales",
    operation_id = "createPresale",
    tag = STOCK,
    security(("admin" = [])),
    request_body(content = PresaleRequest, description = "The presale."),
    responses(
        (status = 201, description = "Created.", body = Presale),
        (status = 409, description = "presale_exists: the code is taken."),
        (status = 422, description = "Also invalid_field, unknown_node, unknown_sku, duplicate_sku, invalid_promise (not in the future), invalid_lines (1 to 500), quota_exceeds_receipt."),
    ),
)]
pub async fn create_presale(_: Admin, State(s): State<AppState>, ApiJson(req): ApiJson<PresaleRequest>) -> ApiResult {
    let p = service::write(s.storage.as_ref(), move |tx| campaigns::create_presale(tx, &req, now_ms())).await?;
    Ok((StatusCode::CREATED, Json(p)).into_response())
}

/// List presales
///
/// Every presale (at most 500), latest promise first, with quotas and queues.
#[utoipa::path(
    get,
    path = "/api/v1/presales",
    operation_id = "listPresales",
    tag = STOCK,
    security(("admin" = [])),
    responses((status = 200, description = "The presales.", body = [Presale])),
)]
pub async fn list_presales(_: Admin, State(s): State<AppState>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), campaigns::presales).await?)
}

/// Show a presale
///
/// The presale, its quota per SKU and its orders in queue order.
#[utoipa::path(
    get,
    path = "/api/v1/presales/{code}",
    operation_id = "getPresale",
    tag = STOCK,
    security(("admin" = [])),
    params(("code" = String, Path, description = "Presale code.")),
    responses(
        (status = 200, description = "The presale.", body = Presale),
        (status = 404, description = "not_found: no such presale."),
    ),
)]
pub async fn get_presale(_: Admin, State(s): State<AppState>, ApiPath(code): ApiPath<String>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), move |tx| campaigns::presale(tx, &code)).await?)
}

/// Close a presale
///
/// No more orders are taken; those taken still wait for their stock. Harmless twice.
#[utoipa::path(
    post,
    path = "/api/v1/presales/{code}/close",
    operation_id = "closePresale",
    tag = STOCK,
    security(("admin" = [])),
    params(("code" = String, Path, description = "Presale code.")),
    responses(
        (status = 200, description = "The presale.", body = Presale),
        (status = 404, description = "not_found: no such presale."),
    ),
)]
pub async fn close_presale(_: Admin, State(s): State<AppState>, ApiPath(code): ApiPath<String>) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| campaigns::close_presale(tx, &code)).await?)
}

/// Route a presale's waiting orders now
///
/// Routes the waiting orders first come, first served, until one cannot be placed yet (the
/// server also does this by itself every few seconds; call it when the receipt is booked).
#[utoipa::path(
    post,
    path = "/api/v1/presales/{code}/route",
    operation_id = "routePresale",
    tag = STOCK,
    security(("admin" = [])),
    params(("code" = String, Path, description = "Presale code.")),
    responses(
        (status = 200, description = "The presale afterwards.", body = Presale),
        (status = 404, description = "not_found: no such presale."),
    ),
)]
pub async fn route_presale(_: Admin, State(s): State<AppState>, ApiPath(code): ApiPath<String>) -> ApiResult {
    let c = code.clone();
    service::read(s.storage.as_ref(), move |tx| campaigns::presale(tx, &c)).await?;
    stock_control::route_presale(s.storage.as_ref(), &code).await?;
    ok(service::read(s.storage.as_ref(), move |tx| campaigns::presale(tx, &code)).await?)
}

/// Stock-control settings
///
/// Channel hold TTLs, the employee store's purchase limits and the outlet's slow-mover
/// rule, with their version (0 = the defaults).
#[utoipa::path(
    get,
    path = "/api/v1/settings/stock-control",
    operation_id = "getStockControl",
    tag = SETTINGS,
    security(("admin" = [])),
    responses((status = 200, description = "The settings in force.", body = StockControlSettings)),
)]
pub async fn stock_control(_: Admin, State(s): State<AppState>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), campaigns::stock_control).await?)
}

/// Set the stock-control settings
///
/// Replaces them all, as a new version. Holds placed from now on get the new TTLs; limits
/// apply to orders from now on.
#[utoipa::path(
    put,
    path = "/api/v1/settings/stock-control",
    operation_id = "setStockControl",
    tag = SETTINGS,
    security(("admin" = [])),
    request_body(content = StockControlPolicy, description = "The settings."),
    responses(
        (status = 200, description = "Stored, with the new version.", body = StockControlSettings),
        (status = 422, description = "Also invalid_stock_control: a number out of range or an unknown time zone; nothing changed."),
    ),
)]
pub async fn set_stock_control(
    _: Admin,
    State(s): State<AppState>,
    ApiJson(policy): ApiJson<StockControlPolicy>,
) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| campaigns::set_stock_control(tx, &policy, now_ms())).await?)
}

/// Employee price list
///
/// The employee store's prices (员工内购价) with their version.
#[utoipa::path(
    get,
    path = "/api/v1/clearance/employee-prices",
    operation_id = "getEmployeePrices",
    tag = SETTINGS,
    security(("admin" = [])),
    responses((status = 200, description = "The price list.", body = EmployeePrices)),
)]
pub async fn employee_prices(_: Admin, State(s): State<AppState>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), clearance::employee_prices).await?)
}

/// Replace the employee price list
///
/// The whole list, as a new version: the employee store sells only these SKUs, only at
/// these prices.
#[utoipa::path(
    put,
    path = "/api/v1/clearance/employee-prices",
    operation_id = "setEmployeePrices",
    tag = SETTINGS,
    security(("admin" = [])),
    request_body(content = EmployeePriceList, description = "The price list."),
    responses(
        (status = 200, description = "Stored, with the new version.", body = EmployeePrices),
        (status = 422, description = "Also invalid_field, invalid_price (negative), duplicate_sku, unknown_sku, too_many_rows; nothing changed."),
    ),
)]
pub async fn set_employee_prices(
    _: Admin,
    State(s): State<AppState>,
    ApiJson(list): ApiJson<EmployeePriceList>,
) -> ApiResult {
    ok(service::write(s.storage.as_ref(), move |tx| clearance::set_employee_prices(tx, &list, now_ms())).await?)
}

/// Slow movers for the outlet
///
/// The SKUs HQ's outlet rule picks now: unsold across the network for the set number of
/// days, with at least the set stock; stalest first.
#[utoipa::path(
    get,
    path = "/api/v1/clearance/outlet",
    operation_id = "outletCandidates",
    tag = STOCK,
    security(("admin" = [])),
    responses((status = 200, description = "The slow movers.", body = [SlowMover])),
)]
pub async fn outlet_candidates(_: Admin, State(s): State<AppState>) -> ApiResult {
    ok(service::read(s.storage.as_ref(), |tx| clearance::outlet_candidates(tx, now_ms())).await?)
}

/// Direct the slow movers to the outlet
///
/// Picks the slow movers as `GET` shows them and makes them an allocation rule that shares
/// them to the outlet channel alone (a directed allocation), recorded with the settings
/// version used.
#[utoipa::path(
    post,
    path = "/api/v1/clearance/outlet",
    operation_id = "directToOutlet",
    tag = STOCK,
    security(("admin" = [])),
    responses((status = 200, description = "The SKUs directed.", body = [SlowMover])),
)]
pub async fn direct_to_outlet(_: Admin, State(s): State<AppState>) -> ApiResult {
    ok(service::write(s.storage.as_ref(), |tx| clearance::direct_to_outlet(tx, now_ms())).await?)
}
