//! Courier endpoints: the platforms' status callbacks (SF route pushes, Dada-shaped rider
//! callbacks), answered in each platform's own shape, and HQ's view of a fulfillment order's
//! bookings, its refresh, and the courier policy (admin token).
//!
//! A callback is checked twice: the secret token in the URL HQ registered with the platform
//! (SF does not sign its pushes; Dada's signature takes no secret), then the platform's own
//! signature where it has one. A refused callback (wrong token, bad signature, not the
//! platform's shape, an order HQ never booked with it) changes nothing, is logged without
//! its token, and is answered with a 4xx in the platform's error shape.

use super::auth::Admin;
use super::error::{error_response, is_json, parse_id, ApiError, ApiJson, ApiPath, ApiQuery};
use super::openapi::{COURIERS, SETTINGS};
use super::AppState;
use crate::courier::{CallbackRefused, Courier};
use crate::service::{self, courier, now_ms, settings, ErrorKind};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use shared::courier::CourierPolicy;
use std::sync::Arc;
use utoipa::IntoParams;

type ApiResult = Result<Response, ApiError>;

/// The callback URL's token.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    /// The secret token HQ put in the callback URL it registered with the platform
    /// (`callback_token` in the courier config).
    token: Option<String>,
}

fn answer(platform: &dyn Courier, status: StatusCode, refused: Option<&str>) -> Response {
    (status, Json(platform.callback_answer(refused))).into_response()
}

async fn callback(s: AppState, code: &str, token: Option<String>, headers: &HeaderMap, body: Bytes) -> Response {
    let Some(platform) = s.couriers.by_code(code) else {
        tracing::warn!(platform = code, "courier callback for a platform that is not configured");
        return error_response(
            StatusCode::NOT_FOUND,
            "unknown_platform",
            format!("no courier platform {code:?} is configured"),
        );
    };
    let refuse = |status: StatusCode, why: &str, message: &str| {
        tracing::warn!(platform = code, why, "courier callback refused: {message}");
        answer(platform.as_ref(), status, Some(message))
    };
    if !token.as_deref().is_some_and(|t| platform.callback_token_ok(t)) {
        return refuse(StatusCode::FORBIDDEN, "token", "the callback token is wrong or missing");
    }
    if !is_json(headers) {
        return refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, "media_type", "send the callback as JSON");
    }
    let reports = match platform.parse_callback(&body) {
        Ok(r) => r,
        Err(CallbackRefused::Signature) => {
            return refuse(StatusCode::UNAUTHORIZED, "signature", "the signature does not verify")
        }
        Err(e) => return refuse(StatusCode::BAD_REQUEST, "malformed", &e.to_string()),
    };
    let text = String::from_utf8_lossy(&body).into_owned();
    let name = code.to_string();
    let reports = Arc::new(reports);
    let applied = {
        let reports = reports.clone();
        service::write(s.storage.as_ref(), move |tx| courier::apply_reports(tx, &name, &reports, &text, now_ms())).await
    };
    match applied {
        Ok(done) => {
            let moved = done.iter().filter(|a| **a == courier::Applied::Moved).count();
            tracing::info!(platform = code, reports = done.len(), moved, "courier callback applied");
            answer(platform.as_ref(), StatusCode::OK, None)
        }
        Err(e) if e.kind == ErrorKind::NotFound => refuse(StatusCode::NOT_FOUND, "unknown_order", &e.message),
        Err(e) if e.kind == ErrorKind::Unavailable => {
            // Not taken: the platform sends it again.
            answer(platform.as_ref(), StatusCode::SERVICE_UNAVAILABLE, Some("busy; send it again"))
        }
        Err(e) => refuse(StatusCode::CONFLICT, e.code, &e.message),
    }
}

/// SF Express route push
///
/// SF's route push (`RoutePushService`, JSON): up to 10 waybill routes, each moving its
/// booking forward (collected → in transit → signed; returning → back at the store). A
/// route the booking already passed, repeated or out of order, changes nothing; one about a
/// waybill HQ did not book is skipped (logged) and the others applied. Answered in SF's
/// shape: `{"return_code":"0000","return_msg":"成功"}`, or `1000` with a 4xx when refused
/// (403 wrong token, 400 not a route push, 404 none of its waybills is one HQ booked;
/// nothing changed) so SF pushes again.
#[utoipa::path(
    post,
    path = "/api/v1/couriers/sf-express/route-push",
    operation_id = "sfRoutePush",
    tag = COURIERS,
    params(CallbackQuery),
    request_body(content = Object, content_type = "application/json", description = "SF's RoutePush: {\"Body\":{\"WaybillRoute\":[…]}}."),
    responses(
        (status = 200, description = "Taken: {\"return_code\":\"0000\",\"return_msg\":\"成功\"}.", body = Object),
        (status = 403, description = "The token in the URL is wrong or missing (SF's shape, return_code 1000).", body = Object),
        (status = 404, description = "None of the waybills is one HQ booked with SF, or SF is not configured (SF's shape, return_code 1000; unknown_platform in ours).", body = Object),
        (status = 409, description = "The push could not be applied (SF's shape, return_code 1000).", body = Object),
        (status = 503, description = "Busy: not taken, SF pushes again (SF's shape).", body = Object),
    ),
)]
pub async fn sf_route_push(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<CallbackQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    callback(s, crate::courier::sf::CODE, q.token, &headers, body).await
}

/// Same-city rider platform callback
///
/// A Dada-shaped rider platform's status callback (JSON, signed by the platform): looking
/// for a rider, accepted (with the rider's name, phone and position), at the store, picked
/// up, delivered, cancelled or expired (with the cancellation fee), returning, returned,
/// create failed. Each moves its booking forward once; a repeated or late one changes
/// nothing. A rider's cancellation or an expiry before pickup makes the dispatcher book
/// again with a higher tip (HQ's courier policy), until no rider is found. Answered in
/// Dada's shape (`{"status":"success","code":0}`), or `fail` with a 4xx when refused (403
/// wrong token, 401 bad signature, 400 not a callback, 404 an order HQ did not book with
/// this platform or a platform not configured; nothing changed).
#[utoipa::path(
    post,
    path = "/api/v1/couriers/{platform}/callback",
    operation_id = "riderCallback",
    tag = COURIERS,
    params(("platform" = String, Path, description = "The rider platform's code (the `[riders.<code>]` key of the courier config)."), CallbackQuery),
    request_body(content = Object, content_type = "application/json", description = "The platform's callback (Dada shape)."),
    responses(
        (status = 200, description = "Taken: {\"status\":\"success\",\"code\":0}.", body = Object),
        (status = 401, description = "The platform's signature does not verify (its shape, status fail).", body = Object),
        (status = 403, description = "The token in the URL is wrong or missing (its shape, status fail).", body = Object),
        (status = 404, description = "An order HQ did not book with this platform (its shape), or no such platform (unknown_platform).", body = Object),
        (status = 409, description = "The callback could not be applied (its shape).", body = Object),
        (status = 503, description = "Busy: not taken, the platform sends it again (its shape).", body = Object),
    ),
)]
pub async fn rider_callback(
    State(s): State<AppState>,
    ApiPath(platform): ApiPath<String>,
    ApiQuery(q): ApiQuery<CallbackQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if platform == crate::courier::sf::CODE {
        return error_response(
            StatusCode::NOT_FOUND,
            "unknown_platform",
            "SF pushes to /api/v1/couriers/sf-express/route-push",
        );
    }
    callback(s, &platform, q.token, &headers, body).await
}

/// A fulfillment order's courier bookings
///
/// Every booking of the fulfillment order (first attempt first: a rider cancelled, the
/// dispatcher booked again), every callback the platforms sent about them with what it did
/// (`applied`, or `repeated` when it changed nothing), the fees recorded (delivery fee and
/// tip once collected, cancellation fees) with their total, and the courier worker's tasks.
/// No secret of any platform is in it.
#[utoipa::path(
    get,
    path = "/api/v1/fulfillment-orders/{id}/courier",
    operation_id = "getFulfillmentCourier",
    tag = COURIERS,
    security(("admin" = [])),
    params(("id" = String, Path, description = "Fulfillment order id (UUID).")),
    responses(
        (status = 200, description = "The bookings, callbacks, fees and tasks.", body = courier::CourierView),
        (status = 404, description = "not_found: no such fulfillment order (or the id is not a UUID)."),
    ),
)]
pub async fn fulfillment_courier(_: Admin, State(s): State<AppState>, ApiPath(id): ApiPath<String>) -> ApiResult {
    let id = parse_id("fulfillment order", &id)?;
    Ok(Json(service::read(s.storage.as_ref(), move |tx| courier::view(tx, id)).await?).into_response())
}

/// Ask the platform where a booking is
///
/// Queues a status query of the fulfillment order's latest booking with its platform (for
/// callbacks that never came); the courier worker applies the answer like a callback. Takes
/// no body.
#[utoipa::path(
    post,
    path = "/api/v1/fulfillment-orders/{id}/courier/refresh",
    operation_id = "refreshFulfillmentCourier",
    tag = COURIERS,
    security(("admin" = [])),
    params(("id" = String, Path, description = "Fulfillment order id (UUID).")),
    responses(
        (status = 202, description = "Queued; the view as it is now.", body = courier::CourierView),
        (status = 404, description = "not_found: no such fulfillment order (or the id is not a UUID)."),
        (status = 409, description = "nothing_to_track: no booking with a courier platform."),
    ),
)]
pub async fn refresh_courier(_: Admin, State(s): State<AppState>, ApiPath(id): ApiPath<String>) -> ApiResult {
    let id = parse_id("fulfillment order", &id)?;
    let view = service::write(s.storage.as_ref(), move |tx| {
        crate::storage::orders::fulfillment(tx, id)?
            .ok_or_else(|| service::ServiceError::not_found("fulfillment order", id))?;
        courier::refresh(tx, id, now_ms())
    })
    .await?;
    Ok((StatusCode::ACCEPTED, Json(view)).into_response())
}

/// Cancel a fulfillment order's courier booking
///
/// Cancels the fulfillment order's live booking only (the order itself stays to be sent):
/// one a platform has, or whose platform was chosen, is cancelled there by the courier
/// worker (the platform's cancellation fee, if any, recorded with its answer; a rider who
/// already has the parcels is flagged for HQ); one still waiting for the worker is not
/// booked. Once the booking is cancelled the store may ask again, or switch to express.
/// Takes no body.
#[utoipa::path(
    post,
    path = "/api/v1/fulfillment-orders/{id}/courier/cancel",
    operation_id = "cancelFulfillmentCourier",
    tag = COURIERS,
    security(("admin" = [])),
    params(("id" = String, Path, description = "Fulfillment order id (UUID).")),
    responses(
        (status = 202, description = "Cancelled, or queued to be cancelled at the platform; the view as it is now.", body = courier::CourierView),
        (status = 404, description = "not_found: no such fulfillment order (or the id is not a UUID)."),
        (status = 409, description = "nothing_to_cancel: no platform booking before collection; cancel_already_requested: HQ asked already."),
    ),
)]
pub async fn cancel_courier(_: Admin, State(s): State<AppState>, ApiPath(id): ApiPath<String>) -> ApiResult {
    let id = parse_id("fulfillment order", &id)?;
    let view = service::write(s.storage.as_ref(), move |tx| courier::cancel_booking(tx, id, now_ms())).await?;
    Ok((StatusCode::ACCEPTED, Json(view)).into_response())
}

/// Register a store with a rider platform
///
/// Registers the store as a shop with the same-city rider platform (Dada's shop
/// registration), under the shop number the courier file gives it there, with the store's
/// name, city and position as HQ imported them and its contact from the courier file. The
/// platform places riders only for shops it knows. Registering again answers the same shop.
/// Takes no body.
#[utoipa::path(
    post,
    path = "/api/v1/couriers/{platform}/shops/{store}",
    operation_id = "registerCourierShop",
    tag = COURIERS,
    security(("admin" = [])),
    params(
        ("platform" = String, Path, description = "The rider platform's code (`[riders.<code>]` in the courier file)."),
        ("store" = String, Path, description = "The store's node code."),
    ),
    responses(
        (status = 200, description = "Registered.", body = shared::courier::ShopRegistration),
        (status = 404, description = "not_found: no such platform or store; shop_not_configured: the courier file gives the store no shop number there."),
        (status = 422, description = "not_a_rider_platform: SF Express has no shops; platform_refused: the platform said no (its words in the message)."),
        (status = 503, description = "courier_unreachable: the platform did not answer; try again later."),
    ),
)]
pub async fn register_shop(
    _: Admin,
    State(s): State<AppState>,
    ApiPath((platform, store)): ApiPath<(String, String)>,
) -> ApiResult {
    let shop = courier::shops::register(s.storage.as_ref(), &s.couriers, &platform, &store).await?;
    Ok(Json(shop).into_response())
}

/// The courier policy in force
///
/// How the rider dispatcher works: the rule it picks a same-city quote by (cheapest or
/// fastest), how many bookings it makes for one order before the store is told no rider was
/// found, the tip it adds on each re-dispatch and the most tip it offers. The default until
/// HQ sets one.
#[utoipa::path(
    get,
    path = "/api/v1/settings/courier-policy",
    operation_id = "getCourierPolicy",
    tag = SETTINGS,
    security(("admin" = [])),
    responses((status = 200, description = "The policy in force.", body = CourierPolicy)),
)]
pub async fn courier_policy(_: Admin, State(s): State<AppState>) -> ApiResult {
    Ok(Json(service::read(s.storage.as_ref(), settings::courier_policy).await?).into_response())
}

/// Set the courier policy
///
/// Sets the whole policy at once (a value left out takes its default). It applies to
/// dispatches from now on: a booking already made keeps its tip.
#[utoipa::path(
    put,
    path = "/api/v1/settings/courier-policy",
    operation_id = "setCourierPolicy",
    tag = SETTINGS,
    security(("admin" = [])),
    request_body(content = CourierPolicy, description = "The policy."),
    responses(
        (status = 200, description = "The policy now in force.", body = CourierPolicy),
        (status = 422, description = "Also invalid_courier_policy: a value outside its range (max_attempts 1 to 10, tip_step_fen 0 to 5000, tip_cap_fen 0 to 20000; the message names it)."),
    ),
)]
pub async fn set_courier_policy(
    _: Admin,
    State(s): State<AppState>,
    ApiJson(policy): ApiJson<CourierPolicy>,
) -> ApiResult {
    let set = service::write(s.storage.as_ref(), move |tx| settings::set_courier_policy(tx, &policy, now_ms())).await?;
    Ok(Json(set).into_response())
}
