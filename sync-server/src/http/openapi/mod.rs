//! The OpenAPI 3.1 document of the HTTP API, served at `GET /api/v1/openapi.json`.
//!
//! Derived, not written: [`super::api`] registers every route with `utoipa_axum::routes!`,
//! so the document's operations are the router's routes, each described by the
//! `#[utoipa::path]` attribute on its handler (summary and description from the handler's
//! doc comment, parameters, request body, success and route-specific error answers), and
//! every body schema is the `utoipa::ToSchema` derive of the Rust type the handler reads or
//! sends (`shared`'s types under its `openapi` feature; field doc comments are the
//! descriptions, serde attributes the shapes). [`finish`] then adds what no single handler
//! or type states, from the rules the server applies everywhere: the error answers of the
//! extractors and layers, the text rules, and the forms utoipa's derive cannot express.
//! `sync-server/openapi.json` is a committed copy that `tests/openapi.rs` keeps in step.

mod finish;

use finish::SecuritySchemes;
pub use finish::RATE_LIMITED;

use axum::Json;
use serde_json::Value;
use shared::api_error::ApiErrorBody;
use std::sync::OnceLock;
use utoipa::OpenApi;

/// Tags, in display order.
pub const META: &str = "Meta";
/// Store-device endpoints.
pub const DEVICE: &str = "Store devices";
/// HQ master data and stock.
pub const STOCK: &str = "HQ: master data and stock";
/// HQ order endpoints.
pub const ORDERS: &str = "HQ: orders";
/// HQ device administration.
pub const DEVICES: &str = "HQ: devices";
/// HQ follow-ups.
pub const FOLLOW_UP: &str = "HQ: follow-ups";
/// HQ settings: business rules as data.
pub const SETTINGS: &str = "HQ: settings";
/// Courier platforms' callbacks and HQ's view of bookings.
pub const COURIERS: &str = "Couriers";

/// The document's frame: everything that is not a route.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Omnichannel sync server",
        version = "1",
        description = "The HQ sync server of the omnichannel retail system: the master stock pool, channel order intake and routing into fulfillment orders, and sync with store devices.

Two kinds of callers use it:

* **HQ and its ERP** (and channel integrations) with the **admin token**: import master data and stock, adjust stock, place channel holds, take and cancel orders, report deliveries, create enrolment codes, manage devices, follow up conflicts and send customer notifications.
* **Store devices** with a **device token** obtained by enrolling with a one-time code from HQ: push business operations from their offline outbox (accept, pick, pickup code, hand-over, returns, counts, endless-aisle orders), pull the changes of their store's scope, and listen for change pokes.

Every error is `{\"error\":{\"code\",\"message\"}}` with a stable code. Money is integer fen (1/100 yuan); quantities are integers."
    ),
    servers((url = "/")),
    tags(
        (name = META, description = "Health and this document."),
        (name = DEVICE, description = "Called by store devices: enrolment with a one-time code, then push of operations, pull of changes and change pokes, with the device token."),
        (name = STOCK, description = "Called by HQ's ERP with the admin token: master data import, stock movements, balances and channel holds."),
        (name = ORDERS, description = "Called by HQ and channel integrations with the admin token: order intake, routing into fulfillment orders, cancellation, delivery callbacks."),
        (name = DEVICES, description = "Called by HQ with the admin token: enrolment codes, the device list, revocation."),
        (name = FOLLOW_UP, description = "Called by HQ with the admin token: conflicts flagged by stores and customer notifications to send."),
        (name = SETTINGS, description = "Called by HQ with the admin token: the business rules (fees, limits, radius, pickup-code lockouts) the server and the stores' devices apply, with defaults and validated ranges."),
        (name = COURIERS, description = "Called by the courier platforms (SF Express route pushes, Dada-shaped rider callbacks; a secret token in the URL, plus the platform's signature), answered in each platform's own shape; and by HQ with the admin token: a fulfillment order's bookings, callbacks and fees."),
    ),
    components(schemas(ApiErrorBody)),
    modifiers(&SecuritySchemes),
)]
pub struct ApiDoc;

/// The finished document of `routes` (see [`super::api`]).
pub fn build(routes: utoipa_axum::router::OpenApiRouter<super::AppState>) -> utoipa::openapi::OpenApi {
    let mut doc = routes.into_openapi();
    finish::finish(&mut doc);
    doc
}

/// The served document, built once.
pub fn served() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_value(super::openapi()).expect("the OpenAPI document serialises"))
}

/// This OpenAPI document
///
/// The OpenAPI 3.1 description of every endpoint of the sync server.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "getOpenApi",
    tag = META,
    responses((status = 200, description = "The document.", body = Object)),
)]
pub async fn document() -> Json<Value> {
    Json(served().clone())
}
