//! Endless aisle (门店缺货线上订): a style's sellable stock across the network for the
//! availability look-up, and what a store adds to an order it places (`placed_order`).

use super::{StorageError, Tx};
use crate::params;
use shared::stock::StockLevel;
use uuid::Uuid;

/// One SKU of a style: code, colour, size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyleSku {
    /// SKU code.
    pub code: String,
    /// Colour.
    pub colour: String,
    /// Size.
    pub size: String,
}

/// A style's SKUs (index `sku_style`), in code order.
pub fn style_skus(tx: &mut dyn Tx, style_code: &str) -> Result<Vec<StyleSku>, StorageError> {
    tx.query("SELECT code, colour, size FROM sku WHERE style_code = $1 ORDER BY code", params![style_code])?
        .iter()
        .map(|r| Ok(StyleSku { code: r.text(0)?, colour: r.text(1)?, size: r.text(2)? }))
        .collect()
}

/// One sellable balance of a style's SKU at a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyleBalance {
    /// SKU code.
    pub sku_code: String,
    /// Node code.
    pub node_code: String,
    /// The balance's layers.
    pub level: StockLevel,
}

/// The query of [`style_balances`], also timed alone by the look-up's benchmark as its raw
/// limit: the style's SKUs by `sku_style`, each SKU's sellable balances by
/// `stock_balance_sku`.
pub const STYLE_BALANCES_SQL: &str = "SELECT b.sku_code, b.node_code, b.on_hand, b.reserved, b.safety, b.locked
     FROM sku s JOIN stock_balance b ON b.sku_code = s.code AND b.quality = 'sellable'
     WHERE s.style_code = $1";

/// Every sellable balance of a style's SKUs, at every node that has one.
pub fn style_balances(tx: &mut dyn Tx, style_code: &str) -> Result<Vec<StyleBalance>, StorageError> {
    tx.query(STYLE_BALANCES_SQL, params![style_code])?
        .iter()
        .map(|r| {
            Ok(StyleBalance {
                sku_code: r.text(0)?,
                node_code: r.text(1)?,
                level: StockLevel { on_hand: r.i64(2)?, reserved: r.i64(3)?, safety: r.i64(4)?, locked: r.i64(5)? },
            })
        })
        .collect()
}

/// What a store adds to an order it placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedOrderRow {
    /// The order.
    pub order_id: Uuid,
    /// The store that placed it.
    pub store_code: String,
    /// The associate who placed it.
    pub staff_id: String,
    /// The till's payment reference (may be empty).
    pub payment_ref: String,
    /// The customer took the goods from the shelf at once.
    pub carry_out: bool,
    /// The return it exchanges goods for.
    pub exchange_of: Option<Uuid>,
    /// When it was placed.
    pub created_ms: i64,
}

/// Records what a store added to an order it placed.
pub fn insert_placed_order(tx: &mut dyn Tx, p: &PlacedOrderRow) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO placed_order (order_id, store_code, staff_id, payment_ref, carry_out, exchange_of, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![p.order_id, &p.store_code, &p.staff_id, &p.payment_ref, p.carry_out, p.exchange_of, p.created_ms],
    )?;
    Ok(())
}

/// What a store added to an order, if a store placed it.
pub fn placed_order(tx: &mut dyn Tx, order_id: Uuid) -> Result<Option<PlacedOrderRow>, StorageError> {
    tx.query_opt(
        "SELECT order_id, store_code, staff_id, payment_ref, carry_out, exchange_of, created_ms FROM placed_order WHERE order_id = $1",
        params![order_id],
    )?
    .map(|r| {
        Ok(PlacedOrderRow {
            order_id: r.uuid(0)?,
            store_code: r.text(1)?,
            staff_id: r.text(2)?,
            payment_ref: r.text(3)?,
            carry_out: r.bool(4)?,
            exchange_of: r
                .opt_text(5)?
                .map(|s| Uuid::parse_str(&s).map_err(|e| StorageError::Decode(format!("exchange_of {s}: {e}"))))
                .transpose()?,
            created_ms: r.i64(6)?,
        })
    })
    .transpose()
}

/// The store that recorded a return, if the return exists (an exchange names it).
pub fn return_store(tx: &mut dyn Tx, return_id: Uuid) -> Result<Option<String>, StorageError> {
    tx.query_opt("SELECT store_code FROM return_receipt WHERE id = $1", params![return_id])?
        .map(|r| r.text(0))
        .transpose()
}

/// An order's active reservation of a SKU at a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderReservation {
    /// The order's channel (`tmall`, `store`, …).
    pub channel: String,
    /// The channel's order number.
    pub channel_order_id: String,
    /// Units reserved.
    pub qty: i64,
}

/// The active reservations of `sku` at `node` held by orders' fulfillment lines, newest
/// first (the ones to reroute first when the shelf came up short).
pub fn order_reservations(tx: &mut dyn Tx, node: &str, sku: &str) -> Result<Vec<OrderReservation>, StorageError> {
    tx.query(
        "SELECT o.channel, o.channel_order_id, r.qty
         FROM reservation r
         JOIN fulfillment_line fl ON fl.reservation_id = r.id
         JOIN fulfillment_order f ON f.id = fl.fulfillment_order_id
         JOIN orders o ON o.id = f.order_id
         WHERE r.node_code = $1 AND r.sku_code = $2 AND r.status = 'active'
         ORDER BY r.created_ms DESC, r.id DESC",
        params![node, sku],
    )?
    .iter()
    .map(|r| Ok(OrderReservation { channel: r.text(0)?, channel_order_id: r.text(1)?, qty: r.i64(2)? }))
    .collect()
}
