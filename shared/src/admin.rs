//! The HQ side of the HTTP API: the answers of the admin endpoints (and their small request
//! bodies) that have no other home in this crate.
//!
//! The sync server sends exactly these types, field for field, so a client (HQ tooling, the
//! end-to-end tests) can deserialise them instead of poking at JSON. Answers that are
//! domain types live with their domain: an order is [`crate::order::Order`], a balance is
//! [`crate::protocol::StockRecord`], the PIN policy is [`crate::staff::PinPolicy`], an error
//! is [`crate::api_error::ApiErrorBody`].
//!
//! Times of HQ's own records are Unix milliseconds (`*_ms`), as the server stores them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Liveness and database reachability (`GET /healthz`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `ok`: a server that cannot reach its database answers 503 instead.
    pub status: HealthStatus,
    /// Storage backend name, e.g. `sqlite` or `postgres`.
    #[cfg_attr(feature = "openapi", schema(examples("sqlite")))]
    pub database: String,
}

/// The one status a healthy server reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// The server and its database are up.
    Ok,
}

/// What an import changed (`POST /api/v1/import`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportSummary {
    /// Nodes upserted.
    pub nodes: usize,
    /// Styles upserted.
    pub styles: usize,
    /// SKUs upserted.
    pub skus: usize,
    /// Bundles replaced.
    pub bundles: usize,
    /// Staff upserted.
    pub staff: usize,
    /// Stock levels set.
    pub stock: usize,
    /// Stock movements recorded for on-hand differences.
    pub movements: usize,
}

/// What an ERP adjustment batch did (`POST /api/v1/stock/adjustments`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdjustmentResult {
    /// The batch.
    pub batch_id: String,
    /// Lines applied now (0 on a replay).
    pub applied: usize,
    /// The batch had been applied before; nothing changed.
    pub replayed: bool,
}

/// Result of checking the stock pool's invariants (`GET /api/v1/stock/audit`): every
/// balance equals its ledger and its active reservations. Each list holds at most 100
/// `node/sku/quality` keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Audit {
    /// Balances checked.
    pub balances: u64,
    /// Stock movements in the ledger.
    pub movements: u64,
    /// `node/sku/quality` of balances whose on-hand differs from their ledger sum, and
    /// `node/sku/quality/locked` of those whose locked layer differs from its lock movements
    /// (should be empty).
    pub ledger_mismatches: Vec<String>,
    /// `node/sku/quality` of balances whose reserved differs from their active reservations
    /// (should be empty).
    pub reservation_mismatches: Vec<String>,
    /// `node/sku/quality` of balances with more reserved than on hand, after physical facts
    /// such as counts.
    pub oversold: Vec<String>,
}

/// A reservation of sellable units at a node: a channel hold (with a reference) or a
/// fulfillment order line's (without). Answer of `POST /api/v1/reservations` and
/// `DELETE /api/v1/reservations/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reservation {
    /// Reservation id (a UUIDv7 string).
    pub id: String,
    /// The caller's idempotency key for holds; null for fulfillment order lines.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub reference: Option<String>,
    /// Node.
    pub node_code: String,
    /// SKU.
    pub sku_code: String,
    /// Units.
    pub qty: i64,
    /// Where the reservation is in its life.
    pub status: ReservationStatus,
    /// For channel holds: when the hold expires (Unix ms) and the sweeper releases it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_ms: Option<i64>,
}

/// Where a reservation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    /// Held: the units are not available to anyone else.
    Active,
    /// The goods left the node; the units became a stock movement.
    Consumed,
    /// No longer needed; the units are available again.
    Released,
}

impl ReservationStatus {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationStatus::Active => "active",
            ReservationStatus::Consumed => "consumed",
            ReservationStatus::Released => "released",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<ReservationStatus> {
        [ReservationStatus::Active, ReservationStatus::Consumed, ReservationStatus::Released]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// Which store a new device enrolment code is for (`POST /api/v1/enrollment-codes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrollmentCodeRequest {
    /// Store node code (a direct or franchise store; a warehouse is 422 not_a_store).
    pub store_code: String,
}

/// A one-time enrolment code, shown once; the server keeps only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollmentCode {
    /// The store.
    pub store_code: String,
    /// 12 characters in three groups, without 0/O/1/I; dashes and case are ignored when
    /// typed.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$", examples("ABCD-EFGH-JKLM"))
    )]
    pub code: String,
    /// Hours the code stays valid (24).
    #[cfg_attr(feature = "openapi", schema(minimum = 24, maximum = 24))]
    pub valid_hours: i64,
}

/// An enrolled store device (`GET /api/v1/devices`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    /// Device id.
    pub id: Uuid,
    /// Its store.
    pub store_code: String,
    /// Name given at enrolment.
    pub name: String,
    /// Highest device_seq applied from its outbox.
    pub last_seq: i64,
    /// When HQ revoked it (Unix ms), if revoked.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub revoked_ms: Option<i64>,
    /// When it enrolled (Unix ms).
    pub created_ms: i64,
    /// Its last push (Unix ms).
    #[cfg_attr(feature = "openapi", schema(required))]
    pub last_seen_ms: Option<i64>,
}

/// A conflict or alert flagged for HQ, e.g. a hand-over or count recorded although it
/// conflicts with the server's state (`GET /api/v1/conflicts`,
/// `POST /api/v1/conflicts/{id}/resolve`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conflict {
    /// Conflict id.
    pub id: i64,
    /// Store involved.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub store_code: Option<String>,
    /// Device that sent the fact.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub device_id: Option<Uuid>,
    /// The device operation.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub op_id: Option<Uuid>,
    /// Order.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub order_id: Option<Uuid>,
    /// Fulfillment order.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub fulfillment_order_id: Option<Uuid>,
    /// Machine-readable reason, e.g. `handover_of_cancelled_order`.
    pub code: String,
    /// Human-readable reason.
    pub message: String,
    /// When, in Unix milliseconds.
    pub created_ms: i64,
    /// When HQ resolved it (Unix ms); null while open.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub resolved_ms: Option<i64>,
    /// HQ's note; null while open.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub resolution_note: Option<String>,
}

/// How HQ resolved a conflict (`POST /api/v1/conflicts/{id}/resolve`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// What HQ did about it; shown to the store.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub note: String,
    /// For a return whose refund was held for want of a manager's approval
    /// (`manager_approval_missing`, `manager_approval_unproven`): HQ approves the refund
    /// and its instruction goes to the channel with this resolution. Any other conflict is
    /// refused (422 nothing_to_release) and stays open.
    #[serde(default)]
    pub release_refund: bool,
}

/// A queued customer notification (e.g. the pickup code SMS), claimed by the sender with
/// `POST /api/v1/notifications/claim`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    /// Notification id: acknowledge it with this, and dedupe by it.
    pub id: i64,
    /// Order.
    pub order_id: Uuid,
    /// Fulfillment order, if any.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub fulfillment_order_id: Option<Uuid>,
    /// Kind, e.g. `pickup_code`.
    #[cfg_attr(feature = "openapi", schema(examples("pickup_code")))]
    pub kind: String,
    /// Customer's phone number.
    pub recipient: String,
    /// Message text.
    pub body: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservation_status_names_round_trip() {
        for s in [ReservationStatus::Active, ReservationStatus::Consumed, ReservationStatus::Released] {
            assert_eq!(ReservationStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.as_str()));
        }
        assert_eq!(ReservationStatus::parse("held"), None);
    }

    #[test]
    fn answers_keep_their_wire_shape() {
        let c = Conflict {
            id: 1,
            store_code: None,
            device_id: None,
            op_id: None,
            order_id: Some(Uuid::from_u128(1)),
            fulfillment_order_id: None,
            code: "unrouted_lines".into(),
            message: "m".into(),
            created_ms: 5,
            resolved_ms: None,
            resolution_note: None,
        };
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["order_id"], "00000000-0000-0000-0000-000000000001");
        assert!(v["resolved_ms"].is_null() && v.get("resolved_ms").is_some());
        assert_eq!(serde_json::from_value::<Conflict>(v).unwrap(), c);
        let h = serde_json::to_value(Health { status: HealthStatus::Ok, database: "sqlite".into() }).unwrap();
        assert_eq!(h, serde_json::json!({"status": "ok", "database": "sqlite"}));
    }
}
