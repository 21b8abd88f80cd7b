//! The simulator's vocabulary: scripts, the views of `GET /sim/orders`, the control API's
//! errors, and the deliveries (callbacks and pushes) an order queues and records.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use shared::courier::BookingStatus;
use std::collections::VecDeque;

/// What a platform's next order does instead of the happy path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Script {
    /// Rider platforms: the rider cancels once after accepting; the order then waits for a
    /// re-dispatch (`reAddOrder`).
    RiderCancelsOnce,
    /// Rider platforms: no rider takes it; the next step expires it.
    Expire,
    /// Rider platforms: the create-failed callback (1000) instead of looking for a rider.
    /// SF: the create is refused with a business error.
    FailCreate,
    /// The delivery fails and the parcel goes back to the store (Dada 9 → 10; SF 70 → 99 → 80).
    FailDelivery,
    /// Every step's callback is sent twice, with the previous step's callback in between
    /// (duplicated and out of order).
    DuplicateCallbacks,
}

/// `POST /sim/scripts`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptRequest {
    /// `sf_express` or a rider platform's code.
    pub platform: String,
    /// The script.
    pub script: Script,
}

/// A control request the simulator cannot do; answered `{"error":{"code","message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// No such platform.
    #[error("no platform {0} is simulated")]
    UnknownPlatform(String),
    /// No such order.
    #[error("platform {platform} has no order {order_id}")]
    UnknownOrder {
        /// Platform.
        platform: String,
        /// Order id.
        order_id: String,
    },
    /// The script does not apply to that platform.
    #[error("script {script:?} does not apply to {platform}")]
    ScriptNotApplicable {
        /// Platform.
        platform: String,
        /// Script.
        script: Script,
    },
    /// Nothing more happens to the order until the merchant acts (or ever).
    #[error("order {0} has no further step")]
    NoFurtherStep(String),
    /// The body is not a script request.
    #[error("{0}")]
    BadRequest(String),
}

impl SimError {
    fn code(&self) -> &'static str {
        match self {
            Self::UnknownPlatform(_) => "unknown_platform",
            Self::UnknownOrder { .. } => "unknown_order",
            Self::ScriptNotApplicable { .. } => "script_not_applicable",
            Self::NoFurtherStep(_) => "no_further_step",
            Self::BadRequest(_) => "bad_request",
        }
    }
}

impl IntoResponse for SimError {
    fn into_response(self) -> Response {
        let status = match self {
            Self::UnknownPlatform(_) | Self::UnknownOrder { .. } => StatusCode::NOT_FOUND,
            Self::NoFurtherStep(_) => StatusCode::CONFLICT,
            Self::ScriptNotApplicable { .. } | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
        };
        let body = serde_json::json!({ "error": { "code": self.code(), "message": self.to_string() } });
        (status, Json(body)).into_response()
    }
}

/// One attempt to deliver a callback or push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// The receiver's HTTP status; none when the request failed.
    pub http_status: Option<u16>,
    /// The receiver's answer (its first 500 characters), or why the request failed.
    pub answer: String,
}

/// A callback (Dada) or route push (SF) the simulator sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallbackRecord {
    /// What it reports (`order_status 2`, `opCode 50`).
    pub label: String,
    /// The JSON sent.
    pub payload: serde_json::Value,
    /// Each attempt, in order.
    pub attempts: Vec<Attempt>,
    /// Whether the receiver took it.
    pub delivered: bool,
}

/// An SF order as `GET /sim/orders` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SfOrderView {
    /// The merchant's order id.
    pub order_id: String,
    /// The waybills, master first.
    pub waybills: Vec<String>,
    /// The last operation code pushed.
    pub last_op_code: Option<String>,
    /// Our status reading of it (`sf::route_status`).
    pub status: BookingStatus,
    /// Cancelled by the merchant.
    pub cancelled: bool,
    /// The script it runs.
    pub script: Option<Script>,
    /// Steps still to come.
    pub steps_left: usize,
    /// The route pushes sent.
    pub pushes: Vec<CallbackRecord>,
}

/// A rider as `GET /sim/orders` shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiderView {
    /// `dm_id`.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Mobile.
    pub phone: String,
}

/// A rider-platform order as `GET /sim/orders` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiderOrderView {
    /// The platform's code.
    pub platform: String,
    /// Our order id (`origin_id`).
    pub origin_id: String,
    /// The platform's order number.
    pub client_id: String,
    /// Dada's `order_status`.
    pub order_status: i64,
    /// Our reading of it.
    pub status: Option<BookingStatus>,
    /// The rider, from acceptance on.
    pub rider: Option<RiderView>,
    /// The rider's position `(lat, lng)`.
    pub position: Option<(f64, f64)>,
    /// The pickup code the rider shows at the shop.
    pub fetch_code: String,
    /// Fee (fen), tip included.
    pub fee_fen: i64,
    /// Tip (fen).
    pub tips_fen: i64,
    /// Penalty kept on a merchant cancel (fen).
    pub deduct_fee_fen: i64,
    /// Times the order was placed (1, then +1 per `reAddOrder`).
    pub placements: u32,
    /// The script it runs.
    pub script: Option<Script>,
    /// Steps still to come.
    pub steps_left: usize,
    /// The callbacks sent.
    pub callbacks: Vec<CallbackRecord>,
}

/// `GET /sim/orders`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrdersView {
    /// SF orders by order id.
    pub sf_express: Vec<SfOrderView>,
    /// Rider orders by platform and origin id.
    pub riders: Vec<RiderOrderView>,
}

/// Whose record a delivery goes to.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    Sf(String),
    Rider(String, String),
}

/// When the receiver has taken a delivery.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rule {
    /// SF: HTTP 2xx and `{"return_code":"0000"}`.
    SfPush,
    /// Dada: HTTP 200.
    Http200,
}

impl Rule {
    pub(crate) fn accepts(self, status: u16, body: &str) -> bool {
        match self {
            Self::SfPush => {
                (200..300).contains(&status)
                    && serde_json::from_str::<shared::courier::sf::PushAnswer>(body).is_ok_and(|a| a.is_ok())
            }
            Self::Http200 => status == 200,
        }
    }
}

/// A callback or push to send.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub(crate) url: String,
    pub(crate) body: serde_json::Value,
    pub(crate) label: String,
    pub(crate) rule: Rule,
}

/// An order's deliveries: queued in the order the platform decided them, sent one at a time
/// (so a slow receiver never sees them reordered unless a script says so), then recorded.
#[derive(Default)]
pub(crate) struct Mailbox {
    pub(crate) outbox: VecDeque<Outgoing>,
    pub(crate) pumping: bool,
    pub(crate) records: Vec<CallbackRecord>,
}

impl Mailbox {
    pub(crate) fn queue(&mut self, outs: impl IntoIterator<Item = Outgoing>) {
        self.outbox.extend(outs);
    }

    pub(crate) fn idle(&self) -> bool {
        self.outbox.is_empty() && !self.pumping
    }
}

pub(crate) fn clip(text: String) -> String {
    match text.char_indices().nth(500) {
        Some((i, _)) => text[..i].to_owned(),
        None => text,
    }
}
