//! The seam between the sync engine and the network. The engine only ever talks to a
//! [`Transport`] and only ever sees a typed [`Failure`], so what it does about each kind of
//! failure (back off, wait as the server asked, stop until re-enrolled, download again,
//! isolate a refused op) can be tested with a scripted transport and no server process.
//! [`super::client`] is the production implementation over HTTP.

use crate::error::ReplicaError;
use futures_util::stream::BoxStream;
use shared::protocol::{
    AvailabilityPage, EnrollRequest, EnrollResponse, PullResponse, PushRequest, PushResponse, ResolutionPage,
};
use std::future::Future;
use std::time::Duration;

/// Why a call produced no answer the engine can use, sorted by what the engine does about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No answer: the server cannot be reached, timed out, or the answer was cut off.
    Network {
        /// The connection error.
        message: String,
    },
    /// 401 `device_revoked` or `invalid_token`: the server no longer knows this device's token.
    Revoked,
    /// Another 401 or 403: the credential is not accepted for this call.
    Denied {
        /// The HTTP status of the answer.
        status: u16,
        /// The server's stable error code.
        code: String,
        /// The server's explanation, in English.
        message: String,
    },
    /// 409: the request conflicts with the server's state (`cursor_ahead`, `sequence_gap`,
    /// `sequence_conflict`, ...).
    Conflict {
        /// The server's stable error code.
        code: String,
        /// The server's explanation, in English.
        message: String,
    },
    /// 400 or 422: the request is refused as sent; sending it again will not help.
    Refused {
        /// The HTTP status of the answer.
        status: u16,
        /// The server's stable error code.
        code: String,
        /// The server's explanation, in English.
        message: String,
    },
    /// 429: too many requests; `retry_after` is the server's `Retry-After`.
    RateLimited {
        /// How long the server asked the device to wait, if it said.
        retry_after: Option<Duration>,
        /// The server's stable error code.
        code: String,
        /// The server's explanation, in English.
        message: String,
    },
    /// 503: the server is busy or restarting; `retry_after` is the server's `Retry-After`.
    Unavailable {
        /// How long the server asked the device to wait, if it said.
        retry_after: Option<Duration>,
        /// The server's stable error code.
        code: String,
        /// The server's explanation, in English.
        message: String,
    },
    /// Another 5xx.
    ServerError {
        /// The HTTP status of the answer.
        status: u16,
        /// The server's stable error code.
        code: String,
        /// The server's explanation, in English.
        message: String,
    },
    /// The server speaks another protocol version, or has no sync API at this address.
    Incompatible {
        /// Which versions differ, or where the API was missing.
        message: String,
    },
    /// The answer could not be read.
    Corrupt {
        /// Why the answer could not be read.
        message: String,
    },
    /// Any other status (a 404 with a code, 413, ...).
    Other {
        /// The HTTP status of the answer.
        status: u16,
        /// The server's stable error code.
        code: String,
        /// The server's explanation, in English.
        message: String,
    },
}

impl Failure {
    /// Sorts an error answer (`status` with the body's `code` and `message`, and the
    /// `Retry-After` the server sent, if any).
    pub fn from_answer(status: u16, code: String, message: String, retry_after: Option<Duration>) -> Failure {
        match (status, code.as_str()) {
            (401, "device_revoked" | "invalid_token") => Failure::Revoked,
            (400, "unsupported_protocol_version") => Failure::Incompatible { message },
            (401 | 403, _) => Failure::Denied { status, code, message },
            (409, _) => Failure::Conflict { code, message },
            (400 | 422, _) => Failure::Refused { status, code, message },
            (429, _) => Failure::RateLimited { retry_after, code, message },
            (503, _) => Failure::Unavailable { retry_after, code, message },
            (500..=599, _) => Failure::ServerError { status, code, message },
            _ => Failure::Other { status, code, message },
        }
    }

    /// The HTTP status of an error answer (`None` when there was no usable answer).
    pub fn status(&self) -> Option<u16> {
        match self {
            Failure::Network { .. } | Failure::Incompatible { .. } | Failure::Corrupt { .. } => None,
            Failure::Revoked => Some(401),
            Failure::Conflict { .. } => Some(409),
            Failure::RateLimited { .. } => Some(429),
            Failure::Unavailable { .. } => Some(503),
            Failure::Denied { status, .. }
            | Failure::Refused { status, .. }
            | Failure::ServerError { status, .. }
            | Failure::Other { status, .. } => Some(*status),
        }
    }

    /// The error body's code, for an error answer that had one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Failure::Denied { code, .. }
            | Failure::Conflict { code, .. }
            | Failure::Refused { code, .. }
            | Failure::RateLimited { code, .. }
            | Failure::Unavailable { code, .. }
            | Failure::ServerError { code, .. }
            | Failure::Other { code, .. } => Some(code),
            _ => None,
        }
    }

    /// How long the server asked to be left alone (429 and 503 only).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Failure::RateLimited { retry_after, .. } | Failure::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// What the device reports: the same errors it always reported, whatever the transport.
impl From<Failure> for ReplicaError {
    fn from(f: Failure) -> Self {
        let status = f.status();
        match f {
            Failure::Network { message } => ReplicaError::Offline { message },
            Failure::Revoked => ReplicaError::Revoked,
            Failure::Incompatible { message } => ReplicaError::IncompatibleServer { message },
            Failure::Corrupt { message } => ReplicaError::CorruptResponse { message },
            Failure::Denied { code, message, .. }
            | Failure::Conflict { code, message }
            | Failure::Refused { code, message, .. }
            | Failure::RateLimited { code, message, .. }
            | Failure::Unavailable { code, message, .. }
            | Failure::ServerError { code, message, .. }
            | Failure::Other { code, message, .. } => {
                ReplicaError::Server { status: status.unwrap_or_default(), code, message }
            }
        }
    }
}

/// Something the server tells an online device without being asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerEvent {
    /// The device's scope changed: pull.
    Changed,
}

/// The server's events, until the connection ends.
pub type Events = BoxStream<'static, ServerEvent>;

/// Opens a [`Transport`] to one server. The engine opens one per sync round and one per
/// events connection, so nothing of a round (an HTTP connection, say) outlives it.
pub trait Connector: Send + Sync + 'static {
    /// The calls to one server.
    type Transport: Transport;

    /// A transport to `server_url` (already without a trailing `/`).
    fn connect(&self, server_url: &str) -> Result<Self::Transport, Failure>;
}

/// The calls the sync engine makes to a server. An answer is returned only if it is one the
/// engine can use; everything else is a [`Failure`].
pub trait Transport: Send + Sync + 'static {
    /// Exchanges a one-time enrollment code for a device token.
    fn enroll(&self, req: &EnrollRequest) -> impl Future<Output = Result<EnrollResponse, Failure>> + Send;

    /// Pushes a batch of ops.
    fn push(&self, token: &str, req: &PushRequest) -> impl Future<Output = Result<PushResponse, Failure>> + Send;

    /// Pulls the page of changes after `cursor`.
    fn pull(&self, token: &str, cursor: &str) -> impl Future<Output = Result<PullResponse, Failure>> + Send;

    /// One page of the network availability snapshot, after `after`.
    fn availability(&self, token: &str, after: &str) -> impl Future<Output = Result<AvailabilityPage, Failure>> + Send;

    /// One page of HQ's resolutions of the store's conflicts, after `after`.
    fn resolutions(&self, token: &str, after: &str) -> impl Future<Output = Result<ResolutionPage, Failure>> + Send;

    /// Subscribes to the server's events.
    fn events(&self, token: &str) -> impl Future<Output = Result<Events, Failure>> + Send;

    // --- returns ---
    /// Looks an order up for a return at the counter (`GET /api/v1/sync/order-lookup`).
    fn order_lookup(
        &self,
        token: &str,
        lookup: &shared::returns::OrderLookup,
    ) -> impl Future<Output = Result<shared::returns::OrderLookupAnswer, Failure>> + Send;

    /// Where a return this store recorded stands (`GET /api/v1/sync/returns/{return_id}`).
    fn return_status(
        &self,
        token: &str,
        return_id: uuid::Uuid,
    ) -> impl Future<Output = Result<shared::returns::ReturnStatus, Failure>> + Send;

    // --- aisle ---
    /// A style's live availability per node (`GET /api/v1/sync/styles/{style_code}/availability`).
    fn style_availability(
        &self,
        token: &str,
        style_code: &str,
    ) -> impl Future<Output = Result<shared::aisle::StyleAvailability, Failure>> + Send;

    /// How an order this store placed stands (`GET /api/v1/sync/placed-orders/{order_id}`).
    fn placed_order(
        &self,
        token: &str,
        order_id: uuid::Uuid,
    ) -> impl Future<Output = Result<shared::aisle::PlacedOrderStatus, Failure>> + Send;
}
