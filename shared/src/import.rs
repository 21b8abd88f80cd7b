//! Master data and stock as HQ's ERP sends them (also what `gen` writes).

use crate::catalogue::{Bundle, Sku, Style};
use crate::node::Node;
use crate::staff::StaffInput;
use crate::stock::Quality;
use crate::Qty;
use serde::{Deserialize, Serialize};

/// Everything an import may carry; each part is optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
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
    /// Safety stock to keep back.
    #[serde(default)]
    pub safety: Option<crate::Count>,
}

/// An ERP stock adjustment batch, idempotent by `batch_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockAdjustmentBatch {
    /// The ERP's id for this batch; a replay with the same id changes nothing.
    pub batch_id: String,
    /// Adjustments.
    pub lines: Vec<StockAdjustment>,
}

/// Adds or removes units at a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockAdjustment {
    /// Node code.
    pub node_code: String,
    /// SKU code.
    pub sku_code: String,
    /// Stock layer.
    pub quality: Quality,
    /// Units added (positive) or removed (negative), not zero.
    pub delta: i64,
    /// Why, for the ledger.
    pub note: String,
}

/// A stock hold by a channel (预占), e.g. while a customer pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReservationRequest {
    /// The caller's idempotency key: the same key returns the same reservation.
    pub reference: String,
    /// Node to reserve at.
    pub node_code: String,
    /// SKU.
    pub sku_code: String,
    /// Units.
    pub qty: Qty,
}
