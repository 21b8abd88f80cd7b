//! The endless aisle (门店缺货线上订) across the app boundary: finding a style, its colour ×
//! size grid with this store's stock, the network's availability (live, or the stored
//! snapshot offline), the order an associate places for a customer, and the orders the
//! device placed, as the aisle screens show them.

use super::ErrorView;
use crate::aisle::{Alternatives, PlacedOrderStatus, ShelfCheck, StyleAvailability};
use crate::Fen;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the associate typed or scanned to find a style.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AisleSearchArgs {
    /// A style code or part of a style's name, a SKU code, or an item's EAN-13.
    pub query: String,
}

/// One style.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StyleArgs {
    /// Style code.
    pub style_code: String,
}

/// A style a search or a scan found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StyleHit {
    /// Style code.
    pub style_code: String,
    /// Name.
    pub name: String,
    /// Category.
    pub category: String,
    /// List price.
    pub list_price: Fen,
    /// How many SKUs (colour × size) it has.
    pub skus: u32,
    /// The SKU the scan or the SKU code named, if the search was for one item.
    pub matched_sku: Option<String>,
}

/// One colour × size cell with this store's stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridCell {
    /// SKU code.
    pub sku_code: String,
    /// EAN-13.
    pub barcode: String,
    /// Colour.
    pub colour: String,
    /// Size.
    pub size: String,
    /// List price.
    pub list_price: Fen,
    /// Sellable units on this store's shelf.
    pub on_hand: i64,
    /// Units this store can sell from its shelf (free of reservations and locks), less its
    /// queued orders to collect here.
    pub here: i64,
    /// Of those, what its stock lease covers: safe to promise offline.
    pub lease: i64,
    /// Units the network could promise when the snapshot was taken, if it has the SKU.
    pub network: Option<i64>,
}

/// A style's colour × size grid, from the device's catalogue and stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StyleGrid {
    /// Style code.
    pub style_code: String,
    /// Name.
    pub name: String,
    /// List price.
    pub list_price: Fen,
    /// Colours, in catalogue order (rows).
    pub colours: Vec<String>,
    /// Sizes, smallest first (columns).
    pub sizes: Vec<String>,
    /// Every SKU of the style.
    pub cells: Vec<GridCell>,
    /// When the network snapshot was taken (ms), if the device has one.
    pub snapshot_as_of_ms: Option<i64>,
}

/// A SKU's network units in the stored snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotSku {
    /// SKU code.
    pub sku_code: String,
    /// Units the network could promise then.
    pub network: i64,
}

/// Availability as the aisle screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum AisleAvailability {
    /// HQ's live, device-scoped read.
    Live {
        /// What HQ answered.
        availability: StyleAvailability,
    },
    /// HQ could not be asked: the stored snapshot (network totals only), and why.
    Snapshot {
        /// When the snapshot was taken (ms); `None` if the device has none yet.
        as_of_ms: Option<i64>,
        /// The style's SKUs in it.
        skus: Vec<SnapshotSku>,
        /// Why the live read failed (offline, HQ busy).
        why: ErrorView,
    },
}

/// How the customer gets the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AisleDelivery {
    /// Shipped to the customer's address.
    Ship {
        /// Delivery address.
        address: String,
    },
    /// Collected at another store.
    PickupElsewhere {
        /// That store's node code.
        store_code: String,
    },
    /// Collected here later.
    PickupHere,
}

/// One line the associate orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AisleLine {
    /// SKU code.
    pub sku_code: String,
    /// Units.
    pub qty: i64,
}

/// An order the associate places for a customer (no `Debug`: it carries the customer's
/// phone).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AisleOrderInput {
    /// What the customer orders.
    pub lines: Vec<AisleLine>,
    /// How they get it.
    pub delivery: AisleDelivery,
    /// Customer's name.
    pub customer_name: String,
    /// Customer's mobile number (for the order's notifications).
    pub customer_phone: String,
    /// The store till's payment reference (the app takes no payments).
    pub payment_ref: String,
}

/// Places an endless-aisle order.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceOrderArgs {
    /// The order.
    pub order: AisleOrderInput,
}

/// One order the device placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacedOrderArgs {
    /// Its order id.
    pub order_id: Uuid,
}

/// Where an order the device placed stands with HQ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PlacedState {
    /// Queued on the device: HQ has not confirmed it yet.
    Queued,
    /// HQ took the order.
    Confirmed,
    /// HQ refused it; the customer must be told.
    Refused {
        /// The server's stable code (e.g. `insufficient_stock`).
        code: String,
        /// The server's explanation, with what is available instead.
        message: String,
    },
}

/// An ordered line, described.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacedLine {
    /// SKU code.
    pub sku_code: String,
    /// Style name.
    pub name: String,
    /// Colour.
    pub colour: String,
    /// Size.
    pub size: String,
    /// Units.
    pub qty: i64,
    /// Price per unit.
    pub unit_price: Fen,
}

/// An order this device placed, as the device keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacedOrderView {
    /// Order id (HQ's order number for it).
    pub order_id: Uuid,
    /// The op that carries it.
    pub op_id: Uuid,
    /// When it was placed (device clock, ms).
    pub placed_ms: i64,
    /// Who placed it.
    pub staff_id: String,
    /// The style ordered (of the first line).
    pub style_code: String,
    /// Customer's name.
    pub customer_name: String,
    /// Customer's phone, masked (138****5678).
    pub customer_phone: String,
    /// How the customer gets it.
    pub delivery: AisleDelivery,
    /// What was ordered.
    pub lines: Vec<PlacedLine>,
    /// The till's payment reference.
    pub payment_ref: String,
    /// Whether the units come from this store's shelf within its lease.
    pub shelf: ShelfCheck,
    /// Where it stands with HQ.
    pub state: PlacedState,
    /// When HQ answered (ms).
    pub answered_ms: Option<i64>,
    /// HQ's latest status of it (where it ships from, tracking).
    pub status: Option<PlacedOrderStatus>,
    /// When that status was read (ms).
    pub status_ms: Option<i64>,
}

/// What placing an order led to: the order as the device now has it, and when HQ refused
/// it, what to offer instead (from a live read, if HQ could be asked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceOrderOutcome {
    /// The placed order (queued, confirmed or refused).
    pub order: PlacedOrderView,
    /// What to offer instead, when refused.
    pub alternatives: Option<Alternatives>,
}
