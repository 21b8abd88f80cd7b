//! Orders, fulfillment orders and what hangs off them: hand-overs, returns, attribution,
//! customer notifications and conflicts flagged for HQ.

use super::{changes, Dialect, Row, StorageError, Tx};
use crate::params;
use shared::fulfillment::{FulfillmentKind, FulfillmentState};
use shared::order::{Channel, FulfillmentLine, FulfillmentOrder, OrderLine, OrderStatus, PickupCodeHash};
use shared::Fen;
use uuid::Uuid;

/// An order row as stored (lines separately).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRow {
    /// Id.
    pub id: Uuid,
    /// Channel.
    pub channel: Channel,
    /// Channel order number.
    pub channel_order_id: String,
    /// Fulfilment kind.
    pub fulfillment: FulfillmentKind,
    /// Status.
    pub status: OrderStatus,
    /// Customer name.
    pub customer_name: String,
    /// Customer phone.
    pub customer_phone: String,
    /// Customer address.
    pub customer_address: String,
    /// Customer location in microdegrees.
    pub location_e6: Option<(i64, i64)>,
    /// Pickup store.
    pub pickup_store: Option<String>,
    /// Associate credited.
    pub associate_id: Option<String>,
    /// Store where an associate placed it (endless aisle).
    pub placed_at_store: Option<String>,
    /// Digest of the intake request, for idempotency.
    pub digest: String,
    /// Created.
    pub created_ms: i64,
    /// The campaign (promotion lock) its lines draw on, if any.
    pub campaign: Option<String>,
    /// Why routing holds it (status held), shown in HQ's needs-attention queue.
    pub held_reason: Option<String>,
}

/// Inserts an order.
pub fn insert_order(tx: &mut dyn Tx, o: &OrderRow) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO orders (id, channel, channel_order_id, fulfillment, status, customer_name, customer_phone, customer_address,
            lat_e6, lon_e6, pickup_store, associate_id, placed_at_store, digest, created_ms, campaign, held_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        params![
            o.id, o.channel.as_str(), &o.channel_order_id, o.fulfillment.as_str(), o.status.as_str(),
            &o.customer_name, &o.customer_phone, &o.customer_address,
            o.location_e6.map(|l| l.0), o.location_e6.map(|l| l.1),
            o.pickup_store.clone(), o.associate_id.clone(), o.placed_at_store.clone(), &o.digest, o.created_ms,
            o.campaign.clone(), o.held_reason.clone()
        ],
    )?;
    Ok(())
}

const ORDER_COLUMNS: &str = "id, channel, channel_order_id, fulfillment, status, customer_name, customer_phone, customer_address, lat_e6, lon_e6, pickup_store, associate_id, placed_at_store, digest, created_ms, campaign, held_reason";

fn order_from_row(r: &Row) -> Result<OrderRow, StorageError> {
    let bad = |what: &str, v: String| StorageError::Decode(format!("{what} {v}"));
    let channel = r.text(1)?;
    let kind = r.text(3)?;
    let status = r.text(4)?;
    Ok(OrderRow {
        id: r.uuid(0)?,
        channel: Channel::parse(&channel).ok_or_else(|| bad("channel", channel.clone()))?,
        channel_order_id: r.text(2)?,
        fulfillment: FulfillmentKind::parse(&kind).ok_or_else(|| bad("kind", kind.clone()))?,
        status: OrderStatus::parse(&status).ok_or_else(|| bad("status", status.clone()))?,
        customer_name: r.text(5)?,
        customer_phone: r.text(6)?,
        customer_address: r.text(7)?,
        location_e6: match (r.opt_i64(8)?, r.opt_i64(9)?) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        },
        pickup_store: r.opt_text(10)?,
        associate_id: r.opt_text(11)?,
        placed_at_store: r.opt_text(12)?,
        digest: r.text(13)?,
        created_ms: r.i64(14)?,
        campaign: r.opt_text(15)?,
        held_reason: r.opt_text(16)?,
    })
}

/// An order by id.
pub fn order(tx: &mut dyn Tx, id: Uuid) -> Result<Option<OrderRow>, StorageError> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1");
    tx.query_opt(&sql, params![id])?.map(|r| order_from_row(&r)).transpose()
}

/// An order by its channel number.
pub fn order_by_channel(
    tx: &mut dyn Tx,
    channel: Channel,
    channel_order_id: &str,
) -> Result<Option<OrderRow>, StorageError> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE channel = $1 AND channel_order_id = $2");
    tx.query_opt(&sql, params![channel.as_str(), channel_order_id])?.map(|r| order_from_row(&r)).transpose()
}

/// Sets an order's status.
pub fn set_order_status(tx: &mut dyn Tx, id: Uuid, status: OrderStatus) -> Result<(), StorageError> {
    tx.exec("UPDATE orders SET status = $2 WHERE id = $1", params![id, status.as_str()])?;
    Ok(())
}

/// Sets an order's status and the reason routing holds it (None when it is not held).
pub fn set_order_routing(
    tx: &mut dyn Tx,
    id: Uuid,
    status: OrderStatus,
    held_reason: Option<&str>,
) -> Result<(), StorageError> {
    tx.exec(
        "UPDATE orders SET status = $2, held_reason = $3 WHERE id = $1",
        params![id, status.as_str(), held_reason],
    )?;
    Ok(())
}

/// Orders in `status` created at or after `(after_ms, after_id)` in (created, id) order:
/// HQ's needs-attention queue pages through held orders with it.
pub fn orders_in_status(
    tx: &mut dyn Tx,
    status: OrderStatus,
    after_ms: i64,
    after_id: &str,
    limit: u32,
) -> Result<Vec<OrderRow>, StorageError> {
    let sql = format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE status = $1 AND (created_ms > $2 OR (created_ms = $2 AND id > $3))
         ORDER BY created_ms, id LIMIT $4"
    );
    tx.query(&sql, params![status.as_str(), after_ms, after_id, limit])?.iter().map(order_from_row).collect()
}

/// Inserts an order line.
pub fn insert_order_line(tx: &mut dyn Tx, order_id: Uuid, l: &OrderLine) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO order_line (order_id, line_no, sku_code, qty, unit_price_fen, discount_fen, unrouted_qty, returned_qty)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        params![order_id, l.line_no, &l.sku_code, l.qty, l.unit_price.0, l.discount.0, l.unrouted_qty, l.returned_qty],
    )?;
    Ok(())
}

/// An order's lines.
pub fn order_lines(tx: &mut dyn Tx, order_id: Uuid) -> Result<Vec<OrderLine>, StorageError> {
    tx.query(
        "SELECT line_no, sku_code, qty, unit_price_fen, discount_fen, unrouted_qty, returned_qty FROM order_line WHERE order_id = $1 ORDER BY line_no",
        params![order_id],
    )?
    .iter()
    .map(|r| {
        Ok(OrderLine {
            line_no: r.i64(0)? as u32,
            sku_code: r.text(1)?,
            qty: r.i64(2)?,
            unit_price: Fen(r.i64(3)?),
            discount: Fen(r.i64(4)?),
            unrouted_qty: r.i64(5)?,
            returned_qty: r.i64(6)?,
        })
    })
    .collect()
}

/// Adds to a line's unrouted quantity.
pub fn add_unrouted(tx: &mut dyn Tx, order_id: Uuid, line_no: u32, qty: i64) -> Result<(), StorageError> {
    tx.exec(
        "UPDATE order_line SET unrouted_qty = unrouted_qty + $3 WHERE order_id = $1 AND line_no = $2",
        params![order_id, line_no, qty],
    )?;
    Ok(())
}

/// Adds to a line's returned quantity.
pub fn add_returned(tx: &mut dyn Tx, order_id: Uuid, line_no: u32, qty: i64) -> Result<(), StorageError> {
    tx.exec(
        "UPDATE order_line SET returned_qty = returned_qty + $3 WHERE order_id = $1 AND line_no = $2",
        params![order_id, line_no, qty],
    )?;
    Ok(())
}

/// A fulfillment order row (lines separately).
#[derive(Debug, Clone, PartialEq)]
pub struct FulfillmentRow {
    /// Id.
    pub id: Uuid,
    /// Order.
    pub order_id: Uuid,
    /// Node.
    pub node_code: String,
    /// Kind.
    pub kind: FulfillmentKind,
    /// State.
    pub state: FulfillmentState,
    /// Version.
    pub version: i64,
    /// Pickup code hash.
    pub pickup_code_hash: Option<String>,
    /// Pickup code expiry.
    pub pickup_expires_ms: Option<i64>,
    /// Reject reason.
    pub reject_reason: Option<String>,
    /// Carrier.
    pub carrier: Option<String>,
    /// Tracking number.
    pub tracking_no: Option<String>,
    /// Flagged for HQ.
    pub flagged: bool,
    /// Created.
    pub created_ms: i64,
    /// Updated.
    pub updated_ms: i64,
}

impl FulfillmentRow {
    /// A fulfillment order just routed to `node_code`: version 1, nothing issued or booked yet.
    pub fn routed(id: Uuid, order_id: Uuid, node_code: String, kind: FulfillmentKind, now_ms: i64) -> FulfillmentRow {
        FulfillmentRow {
            id,
            order_id,
            node_code,
            kind,
            state: FulfillmentState::Routed,
            version: 1,
            pickup_code_hash: None,
            pickup_expires_ms: None,
            reject_reason: None,
            carrier: None,
            tracking_no: None,
            flagged: false,
            created_ms: now_ms,
            updated_ms: now_ms,
        }
    }
}

/// Inserts a fulfillment order and logs it in its node's scope.
pub fn insert_fulfillment(tx: &mut dyn Tx, f: &FulfillmentRow) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO fulfillment_order (id, order_id, node_code, kind, state, version, created_ms, updated_ms)
         VALUES ($1, $2, $3, $4, $5, 1, $6, $6)",
        params![f.id, f.order_id, &f.node_code, f.kind.as_str(), f.state.as_str(), f.created_ms],
    )?;
    changes::record(tx, &f.node_code, changes::Entity::FulfillmentOrder, &f.id.to_string())
}

/// Inserts a fulfillment line.
pub fn insert_fulfillment_line(
    tx: &mut dyn Tx,
    fulfillment_order_id: Uuid,
    line_no: u32,
    order_line_no: u32,
    sku: &str,
    qty: i64,
    reservation_id: Option<&str>,
) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO fulfillment_line (fulfillment_order_id, line_no, order_line_no, sku_code, qty, reservation_id)
         VALUES ($1, $2, $3, $4, $5, $6)",
        params![fulfillment_order_id, line_no, order_line_no, sku, qty, reservation_id],
    )?;
    Ok(())
}

const FULFILLMENT_COLUMNS: &str = "id, order_id, node_code, kind, state, version, pickup_code_hash, pickup_expires_ms, reject_reason, carrier, tracking_no, flagged, created_ms, updated_ms";

fn fulfillment_from_row(r: &Row) -> Result<FulfillmentRow, StorageError> {
    let kind = r.text(3)?;
    let state = r.text(4)?;
    Ok(FulfillmentRow {
        id: r.uuid(0)?,
        order_id: r.uuid(1)?,
        node_code: r.text(2)?,
        kind: FulfillmentKind::parse(&kind).ok_or_else(|| StorageError::Decode(format!("kind {kind}")))?,
        state: FulfillmentState::parse(&state).ok_or_else(|| StorageError::Decode(format!("state {state}")))?,
        version: r.i64(5)?,
        pickup_code_hash: r.opt_text(6)?,
        pickup_expires_ms: r.opt_i64(7)?,
        reject_reason: r.opt_text(8)?,
        carrier: r.opt_text(9)?,
        tracking_no: r.opt_text(10)?,
        flagged: r.bool(11)?,
        created_ms: r.i64(12)?,
        updated_ms: r.i64(13)?,
    })
}

/// A fulfillment order by id.
pub fn fulfillment(tx: &mut dyn Tx, id: Uuid) -> Result<Option<FulfillmentRow>, StorageError> {
    let sql = format!("SELECT {FULFILLMENT_COLUMNS} FROM fulfillment_order WHERE id = $1");
    tx.query_opt(&sql, params![id])?.map(|r| fulfillment_from_row(&r)).transpose()
}

/// A fulfillment order by id, its row locked until the transaction ends (PostgreSQL), so
/// two steps on one order arriving at once run one after the other and the second sees the
/// state the first left. SQLite has a single writer, which serialises them already.
pub fn fulfillment_for_update(tx: &mut dyn Tx, id: Uuid) -> Result<Option<FulfillmentRow>, StorageError> {
    let sql = format!("SELECT {FULFILLMENT_COLUMNS} FROM fulfillment_order WHERE id = $1{}", row_lock(tx));
    tx.query_opt(&sql, params![id])?.map(|r| fulfillment_from_row(&r)).transpose()
}

/// An order's fulfillment orders, their rows locked as in [`fulfillment_for_update`].
pub fn fulfillments_of_order_for_update(tx: &mut dyn Tx, order_id: Uuid) -> Result<Vec<FulfillmentRow>, StorageError> {
    let sql = format!(
        "SELECT {FULFILLMENT_COLUMNS} FROM fulfillment_order WHERE order_id = $1 ORDER BY created_ms, id{}",
        row_lock(tx)
    );
    tx.query(&sql, params![order_id])?.iter().map(fulfillment_from_row).collect()
}

fn row_lock(tx: &dyn Tx) -> &'static str {
    if tx.dialect() == Dialect::Postgres {
        " FOR UPDATE"
    } else {
        ""
    }
}

/// An order's fulfillment orders.
pub fn fulfillments_of_order(tx: &mut dyn Tx, order_id: Uuid) -> Result<Vec<FulfillmentRow>, StorageError> {
    let sql =
        format!("SELECT {FULFILLMENT_COLUMNS} FROM fulfillment_order WHERE order_id = $1 ORDER BY created_ms, id");
    tx.query(&sql, params![order_id])?.iter().map(fulfillment_from_row).collect()
}

/// A node's open fulfillment order ids after `after`, for bootstrap pages.
pub fn open_fulfillment_ids_after(
    tx: &mut dyn Tx,
    node: &str,
    after: &str,
    limit: u32,
) -> Result<Vec<Uuid>, StorageError> {
    tx.query(
        "SELECT id FROM fulfillment_order WHERE node_code = $1 AND id > $2
           AND state NOT IN ('picked_up', 'delivered', 'rejected', 'cancelled', 'dispatched')
         ORDER BY id LIMIT $3",
        params![node, after, limit],
    )?
    .iter()
    .map(|r| r.uuid(0))
    .collect()
}

/// Number of a node's open fulfillment orders.
pub fn count_open_fulfillments(tx: &mut dyn Tx, node: &str) -> Result<u64, StorageError> {
    let r = tx.query_opt(
        "SELECT COUNT(*) FROM fulfillment_order WHERE node_code = $1 AND state NOT IN ('picked_up', 'delivered', 'rejected', 'cancelled', 'dispatched')",
        params![node],
    )?;
    Ok(r.map(|r| r.i64(0)).transpose()?.unwrap_or(0) as u64)
}

/// Writes a fulfillment order's mutable fields, bumps its version and logs the change.
pub fn update_fulfillment(tx: &mut dyn Tx, f: &FulfillmentRow, now_ms: i64) -> Result<(), StorageError> {
    tx.exec(
        "UPDATE fulfillment_order SET state = $2, version = version + 1, pickup_code_hash = $3, pickup_expires_ms = $4,
            reject_reason = $5, carrier = $6, tracking_no = $7, flagged = $8, updated_ms = $9
         WHERE id = $1",
        params![
            f.id,
            f.state.as_str(),
            f.pickup_code_hash.clone(),
            f.pickup_expires_ms,
            f.reject_reason.clone(),
            f.carrier.clone(),
            f.tracking_no.clone(),
            f.flagged,
            now_ms
        ],
    )?;
    changes::record(tx, &f.node_code, changes::Entity::FulfillmentOrder, &f.id.to_string())
}

/// A fulfillment line with its reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfillmentLineRow {
    /// Line number.
    pub line_no: u32,
    /// Order line it fulfils.
    pub order_line_no: u32,
    /// SKU.
    pub sku_code: String,
    /// Units.
    pub qty: i64,
    /// Units picked.
    pub picked_qty: Option<i64>,
    /// Reservation holding the units.
    pub reservation_id: Option<String>,
}

/// A fulfillment order's lines.
pub fn fulfillment_lines(tx: &mut dyn Tx, id: Uuid) -> Result<Vec<FulfillmentLineRow>, StorageError> {
    tx.query(
        "SELECT line_no, order_line_no, sku_code, qty, picked_qty, reservation_id FROM fulfillment_line WHERE fulfillment_order_id = $1 ORDER BY line_no",
        params![id],
    )?
    .iter()
    .map(|r| {
        Ok(FulfillmentLineRow {
            line_no: r.i64(0)? as u32,
            order_line_no: r.i64(1)? as u32,
            sku_code: r.text(2)?,
            qty: r.i64(3)?,
            picked_qty: r.opt_i64(4)?,
            reservation_id: r.opt_text(5)?,
        })
    })
    .collect()
}

/// Removes a fulfillment line (HQ moved it to another node) and logs the change.
pub fn delete_fulfillment_line(tx: &mut dyn Tx, id: Uuid, line_no: u32) -> Result<(), StorageError> {
    tx.exec("DELETE FROM fulfillment_line WHERE fulfillment_order_id = $1 AND line_no = $2", params![id, line_no])?;
    Ok(())
}

/// The next free line number of a fulfillment order.
pub fn next_fulfillment_line_no(tx: &mut dyn Tx, id: Uuid) -> Result<u32, StorageError> {
    Ok(tx
        .query_opt(
            "SELECT COALESCE(MAX(line_no), 0) + 1 FROM fulfillment_line WHERE fulfillment_order_id = $1",
            params![id],
        )?
        .map(|r| r.i64(0))
        .transpose()?
        .unwrap_or(1) as u32)
}

/// Records picking of a line: its quantity becomes what was picked, with a new reservation
/// for it (or none when nothing was picked).
pub fn set_line_picked(
    tx: &mut dyn Tx,
    id: Uuid,
    line_no: u32,
    picked: i64,
    reservation_id: Option<&str>,
) -> Result<(), StorageError> {
    tx.exec(
        "UPDATE fulfillment_line SET qty = $3, picked_qty = $3, reservation_id = $4 WHERE fulfillment_order_id = $1 AND line_no = $2",
        params![id, line_no, picked, reservation_id],
    )?;
    Ok(())
}

/// The device view of a fulfillment order.
pub fn fulfillment_view(tx: &mut dyn Tx, id: Uuid) -> Result<Option<FulfillmentOrder>, StorageError> {
    let Some(f) = fulfillment(tx, id)? else { return Ok(None) };
    let Some(o) = order(tx, f.order_id)? else { return Ok(None) };
    let lines = fulfillment_lines(tx, id)?;
    let courier = super::courier::latest_booking(tx, id)?.map(|b| b.booking);
    let same_city_offered = same_city_offered(tx, &f, &o)?;
    let tail: String = o.customer_phone.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    Ok(Some(FulfillmentOrder {
        id: f.id,
        order_id: f.order_id,
        channel_order_id: o.channel_order_id,
        channel: o.channel,
        node_code: f.node_code,
        kind: f.kind,
        state: f.state,
        customer_name: o.customer_name,
        customer_phone_tail: tail,
        lines: lines
            .into_iter()
            .map(|l| FulfillmentLine { line_no: l.line_no, sku_code: l.sku_code, qty: l.qty, picked_qty: l.picked_qty })
            .collect(),
        pickup_code: match (f.pickup_code_hash, f.pickup_expires_ms) {
            (Some(hash), Some(exp)) => Some(PickupCodeHash { hash, expires_at: crate::clock::at_ms(exp) }),
            _ => None,
        },
        reject_reason: f.reject_reason,
        carrier: f.carrier,
        tracking_no: f.tracking_no,
        courier,
        same_city_offered,
        flagged: f.flagged,
        version: f.version,
        created_at: crate::clock::at_ms(f.created_ms),
        updated_at: crate::clock::at_ms(f.updated_ms),
    }))
}

/// Whether a same-city rider may be booked for `f`: not a pickup order, the customer within
/// HQ's same-city radius of the node, and a rider platform serving the node.
pub fn same_city_offered(tx: &mut dyn Tx, f: &FulfillmentRow, o: &OrderRow) -> Result<bool, StorageError> {
    Ok(super::courier::coverage(tx)?.same_city.contains_key(&f.node_code) && within_same_city_radius(tx, f, o)?)
}

/// Whether the customer of `o` is within HQ's same-city radius of the node of `f` (and `f`
/// is not a pickup order).
pub fn within_same_city_radius(tx: &mut dyn Tx, f: &FulfillmentRow, o: &OrderRow) -> Result<bool, StorageError> {
    if f.kind == FulfillmentKind::Pickup {
        return Ok(false);
    }
    let Some((lat, lon)) = o.location_e6 else { return Ok(false) };
    let Some(node) = super::catalogue::node(tx, &f.node_code)? else { return Ok(false) };
    let customer = shared::node::GeoPoint { lat: lat as f64 / 1e6, lon: lon as f64 / 1e6 };
    let radius_km = f64::from(super::settings::business_rules(tx)?.same_city_radius_km);
    Ok(node.location.distance_km(&customer) <= radius_km)
}

/// Nodes that already rejected lines of this order, so rerouting avoids them.
pub fn rejecting_nodes(tx: &mut dyn Tx, order_id: Uuid) -> Result<Vec<String>, StorageError> {
    tx.query(
        "SELECT DISTINCT node_code FROM fulfillment_order WHERE order_id = $1 AND state = 'rejected'",
        params![order_id],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

/// Marks the fulfillment order's goods as gone from the store's stock (`left`) or back on
/// it; answers whether that changed anything (false: they had left, or were back, already).
pub fn mark_goods_left(tx: &mut dyn Tx, id: Uuid, left: bool) -> Result<bool, StorageError> {
    let (to, from) = if left { (1_i64, 0_i64) } else { (0, 1) };
    Ok(tx.exec(
        "UPDATE fulfillment_order SET goods_left = $2 WHERE id = $1 AND goods_left = $3",
        params![id, to, from],
    )? == 1)
}
