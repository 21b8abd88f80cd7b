//! Master data and stock as HQ's ERP sends them (also what `gen` writes).

use crate::catalogue::{Bundle, Sku, Style};
use crate::node::Node;
use crate::staff::StaffInput;
use crate::stock::Quality;
use crate::Qty;
use serde::{Deserialize, Serialize};

/// Master data and stock from HQ's ERP; each part is optional. The whole import is applied in
/// one transaction, or nothing of it when any row is invalid; at most 200000 rows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportBundle {
    /// Nodes to create or update.
    #[serde(default)]
    pub nodes: Vec<Node>,
    /// Styles to create or update.
    #[serde(default)]
    pub styles: Vec<Style>,
    /// SKUs to create or update.
    #[serde(default)]
    pub skus: Vec<Sku>,
    /// Bundles to create or update.
    #[serde(default)]
    pub bundles: Vec<Bundle>,
    /// Staff to create or update.
    #[serde(default)]
    pub staff: Vec<StaffInput>,
    /// Stock levels to set.
    #[serde(default)]
    pub stock: Vec<StockLevelInput>,
}

/// Sets on-hand (and safety stock) of one SKU at one node; the server records the
/// difference as a stock movement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StockLevelInput {
    /// Node code.
    pub node_code: String,
    /// SKU code.
    pub sku_code: String,
    /// Stock layer.
    pub quality: Quality,
    /// On-hand to set.
    pub on_hand: crate::Count,
    /// Safety stock (安全库存) to keep back from channels; unchanged when absent or null.
    #[serde(default)]
    pub safety: Option<crate::Count>,
}

/// An ERP stock adjustment batch, idempotent by `batch_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StockAdjustmentBatch {
    /// The ERP's id for this batch; a replay with the same id and lines changes nothing, with
    /// other lines it is refused (409 batch_id_reused).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub batch_id: String,
    /// Adjustments, 1 to 10000.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 10000))]
    pub lines: Vec<StockAdjustment>,
}

/// Adds or removes units at a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StockAdjustment {
    /// Node code.
    pub node_code: String,
    /// SKU code.
    pub sku_code: String,
    /// Stock layer.
    pub quality: Quality,
    /// Units added (positive) or removed (negative); not zero, at most 100000 either way.
    #[cfg_attr(feature = "openapi", schema(minimum = -100000, maximum = 100000))]
    pub delta: i64,
    /// Why, for the ledger.
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub note: String,
}

/// A stock hold by a channel (预占), e.g. while a customer pays. Idempotent by `reference`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReservationRequest {
    /// The caller's idempotency key: the same key returns the same reservation.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub reference: String,
    /// Node to reserve at.
    pub node_code: String,
    /// SKU.
    pub sku_code: String,
    /// Units.
    pub qty: Qty,
    /// How long the hold lives, in seconds (at most HQ's `holds.max_ttl_seconds`); HQ's
    /// `holds.default_ttl_seconds` when left out. Past it the sweeper releases the hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub ttl_seconds: Option<u32>,
}
