//! The endless aisle on the device: finding a style in the local catalogue, its colour ×
//! size grid with this store's stock, the stored network snapshot, placing an order for a
//! customer (checked with the shared customer rule, and against the store's stock lease
//! when the units come from this store's shelf), and the record of every order the device
//! placed: queued, then confirmed or refused by HQ, then HQ's status of it.

use super::Replica;
use crate::error::{ReplicaError, Result};
use rusqlite::{params, Connection, OptionalExtension};
use shared::aisle::{check_customer, cmp_sizes, normalise_mobile, shelf_check, CustomerProblem, PlacedOrderStatus};
use shared::aisle::{ShelfCheck, MAX_PAYMENT_REF_CHARS};
use shared::app::aisle::{AisleDelivery, AisleOrderInput, GridCell, PlacedLine, PlacedOrderView, PlacedState};
use shared::app::aisle::{SnapshotSku, StyleGrid, StyleHit};
use shared::app::InputField;
use shared::catalogue::{Sku, Style};
use shared::fulfillment::FulfillmentKind;
use shared::order::{Customer, OrderLineInput, OrderStatus};
use shared::protocol::{Op, OpOutcome, OpResult, StockRecord};
use shared::stock::Quality;
use std::collections::HashMap;
use uuid::Uuid;

/// Most styles one search returns.
pub const MAX_HITS: usize = 20;
/// Most lines one endless-aisle order may have (as HQ's intake allows).
pub const MAX_LINES: usize = 100;
/// A placed order's status is asked again at most this often (ms).
pub const STATUS_MIN_AGE_MS: i64 = 60_000;
/// Most placed orders listed.
pub const MAX_LISTED: usize = 200;

fn invalid(field: InputField, message: impl Into<String>) -> ReplicaError {
    ReplicaError::InvalidInput { field, message: message.into() }
}

fn customer_error(p: CustomerProblem) -> ReplicaError {
    let field = match p {
        CustomerProblem::NameMissing | CustomerProblem::NameInvalid => InputField::CustomerName,
        CustomerProblem::PhoneInvalid => InputField::CustomerPhone,
        CustomerProblem::AddressMissing | CustomerProblem::AddressTooLong => InputField::Address,
    };
    invalid(field, p.to_string())
}

/// `%` and `_` typed by the associate match themselves in a LIKE pattern.
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

fn load_sku(conn: &Connection, code: &str) -> Result<Option<Sku>> {
    let json: Option<String> =
        conn.query_row("SELECT json FROM sku WHERE code = ?1", [code], |r| r.get(0)).optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(Into::into)).transpose()
}

fn load_style(conn: &Connection, code: &str) -> Result<Option<Style>> {
    let json: Option<String> =
        conn.query_row("SELECT json FROM style WHERE code = ?1", [code], |r| r.get(0)).optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(Into::into)).transpose()
}

fn hit(conn: &Connection, style: Style, matched_sku: Option<String>) -> Result<StyleHit> {
    let skus: i64 = conn.query_row("SELECT COUNT(*) FROM sku WHERE style_code = ?1", [&style.code], |r| r.get(0))?;
    Ok(StyleHit {
        style_code: style.code,
        name: style.name,
        category: style.category,
        list_price: style.list_price,
        skus: skus as u32,
        matched_sku,
    })
}

/// The store's sellable balance of a SKU, with the device's unanswered ops on top.
fn sellable(conn: &Connection, sku: &str) -> Result<Option<StockRecord>> {
    super::queries::load_stock(conn, sku, Quality::Sellable)
}

/// Units of each SKU that queued orders take from this store's shelf (collect here, from
/// stock on the shelf): the lease they use until HQ answers.
fn queued_from_shelf(conn: &Connection) -> Result<HashMap<String, i64>> {
    let mut stmt = conn.prepare_cached("SELECT json FROM placed_order WHERE state = 'queued'")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = HashMap::new();
    for json in rows {
        let view: PlacedOrderView = serde_json::from_str(&json?)?;
        if view.delivery == AisleDelivery::PickupHere && view.shelf != ShelfCheck::Network {
            for l in &view.lines {
                *out.entry(l.sku_code.clone()).or_insert(0) += l.qty;
            }
        }
    }
    Ok(out)
}

/// The columns a placed order is read from ([`view_of`]).
const VIEW_COLUMNS: &str = "json, state, code, message, answered_ms, status_json, status_ms";

type ViewRow = (String, String, Option<String>, Option<String>, Option<i64>, Option<String>, Option<i64>);

/// One placed order's row: the record as placed, with HQ's answer and status.
fn view_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<ViewRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?))
}

fn to_view(row: ViewRow) -> Result<PlacedOrderView> {
    let (json, state, code, message, answered_ms, status_json, status_ms) = row;
    let mut view: PlacedOrderView = serde_json::from_str(&json)?;
    view.state = match state.as_str() {
        "confirmed" => PlacedState::Confirmed,
        "refused" => PlacedState::Refused { code: code.unwrap_or_default(), message: message.unwrap_or_default() },
        _ => PlacedState::Queued,
    };
    view.answered_ms = answered_ms;
    view.status = status_json.map(|j| serde_json::from_str(&j)).transpose()?;
    view.status_ms = status_ms;
    Ok(view)
}

/// Records HQ's answer to a PlaceOrder op (called as the answer leaves the outbox): applied
/// is confirmed, rejected is refused with HQ's reason (the inbox gets it too), and a
/// conflict is confirmed with HQ's note. Answers to other ops change nothing.
pub(crate) fn record_answer(conn: &Connection, r: &OpResult, now_ms: i64) -> Result<()> {
    let (state, code, message, closed) = match &r.outcome {
        OpOutcome::Applied => ("confirmed", None, None, 0),
        OpOutcome::Conflict { code, message } => ("confirmed", Some(code), Some(message), 0),
        OpOutcome::Rejected { code, message } => ("refused", Some(code), Some(message), 1),
    };
    conn.execute(
        "UPDATE placed_order SET state = ?2, code = ?3, message = ?4, answered_ms = ?5, closed = ?6
         WHERE op_id = ?1 AND state = 'queued'",
        params![r.op_id.to_string(), state, code, message, now_ms, closed],
    )?;
    Ok(())
}

impl Replica {
    /// Styles matching what the associate typed or scanned: an item's EAN-13 or a SKU code
    /// finds its style (and names the SKU); otherwise style codes starting with the text
    /// and names containing it, at most [`MAX_HITS`], by code.
    pub fn search_styles(&self, query: &str) -> Result<Vec<StyleHit>> {
        let q = query.trim();
        if q.is_empty() {
            return Ok(Vec::new());
        }
        let db = self.db();
        let by_item: Option<String> = db
            .query_row("SELECT json FROM sku WHERE barcode = ?1 OR code = ?2", [q, &q.to_uppercase()], |r| r.get(0))
            .optional()?;
        if let Some(json) = by_item {
            let sku: Sku = serde_json::from_str(&json)?;
            return match load_style(&db, &sku.style_code)? {
                Some(style) => Ok(vec![hit(&db, style, Some(sku.code))?]),
                None => Ok(Vec::new()),
            };
        }
        let code_prefix = format!("{}%", like_escape(&q.to_uppercase()));
        let name_part = format!("%{}%", like_escape(q));
        let styles: Vec<String> = {
            let mut stmt = db.prepare_cached(
                "SELECT json FROM style
                 WHERE upper(code) LIKE ?1 ESCAPE '\\' OR json_extract(json, '$.name') LIKE ?2 ESCAPE '\\'
                 ORDER BY code LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![code_prefix, name_part, MAX_HITS as i64], |r| r.get(0))?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        styles.into_iter().map(|j| hit(&db, serde_json::from_str(&j)?, None)).collect()
    }

    /// A style's colour × size grid: every SKU with this store's sellable stock, what it can
    /// sell from the shelf and what its lease covers (both less the units queued orders to
    /// collect here take), and the network's units in the stored snapshot with its time.
    pub fn style_grid(&self, style_code: &str) -> Result<StyleGrid> {
        let db = self.db();
        let style = load_style(&db, style_code)?
            .ok_or_else(|| ReplicaError::NotFound { what: format!("style {style_code}") })?;
        let skus: Vec<Sku> = {
            let mut stmt = db.prepare_cached("SELECT json FROM sku WHERE style_code = ?1 ORDER BY code")?;
            let rows = stmt.query_map([style_code], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for json in rows {
                out.push(serde_json::from_str(&json?)?);
            }
            out
        };
        let queued = queued_from_shelf(&db)?;
        let mut colours: Vec<String> = Vec::new();
        let mut sizes: Vec<String> = Vec::new();
        let mut cells = Vec::with_capacity(skus.len());
        for sku in skus {
            if !colours.contains(&sku.colour) {
                colours.push(sku.colour.clone());
            }
            if !sizes.contains(&sku.size) {
                sizes.push(sku.size.clone());
            }
            let stock = sellable(&db, &sku.code)?;
            let on_hand = stock.as_ref().map_or(0, |s| s.on_hand.max(0));
            let taken = queued.get(&sku.code).copied().unwrap_or(0);
            let free = stock.as_ref().map_or(0, |s| (s.on_hand - s.reserved - s.locked).max(0));
            let here = (free - taken).max(0);
            let lease = (stock.as_ref().map_or(0, |s| s.lease) - taken).max(0);
            let network: Option<i64> = db
                .query_row("SELECT available FROM availability WHERE sku_code = ?1", [&sku.code], |r| r.get(0))
                .optional()?;
            cells.push(GridCell {
                sku_code: sku.code,
                barcode: sku.barcode.as_str().to_string(),
                colour: sku.colour,
                size: sku.size,
                list_price: sku.list_price,
                on_hand,
                here,
                lease,
                network,
            });
        }
        sizes.sort_by(|a, b| cmp_sizes(a, b));
        let snapshot_as_of_ms = Self::meta(&db, "availability_as_of")?.and_then(|s| s.parse().ok());
        Ok(StyleGrid {
            style_code: style.code,
            name: style.name,
            list_price: style.list_price,
            colours,
            sizes,
            cells,
            snapshot_as_of_ms,
        })
    }

    /// The network's units of a style's SKUs in the stored snapshot, and its time (ms).
    pub fn style_snapshot(&self, style_code: &str) -> Result<(Option<i64>, Vec<SnapshotSku>)> {
        let db = self.db();
        let mut stmt = db.prepare_cached(
            "SELECT s.code, a.available FROM sku s JOIN availability a ON a.sku_code = s.code
             WHERE s.style_code = ?1 ORDER BY s.code",
        )?;
        let rows = stmt.query_map([style_code], |r| Ok(SnapshotSku { sku_code: r.get(0)?, network: r.get(1)? }))?;
        let skus = rows.collect::<std::result::Result<Vec<_>, _>>()?;
        Ok((Self::meta(&db, "availability_as_of")?.and_then(|s| s.parse().ok()), skus))
    }

    /// Places an endless-aisle order for a customer as `staff_id`: checks the customer
    /// with the shared rule ([`check_customer`]; the phone is kept in its 11-digit form), the
    /// payment reference, the lines against the catalogue and the pickup store against the
    /// nodes; then queues `Op::PlaceOrder` (`order_id` chosen by the caller, UUIDv7) and
    /// keeps a record of it, in one local transaction. Units collected here from stock on
    /// this store's shelf are checked against the store's lease: within it the order is
    /// safe to promise offline, beyond it the record says so (the order is queued anyway
    /// and HQ decides). Refused input queues nothing.
    pub fn place_order(
        &self,
        staff_id: &str,
        input: &AisleOrderInput,
        order_id: Uuid,
        device_time: chrono::DateTime<chrono::Utc>,
    ) -> Result<PlacedOrderView> {
        if input.lines.is_empty() || input.lines.len() > MAX_LINES {
            return Err(ReplicaError::not_allowed("no_lines", format!("an order has 1 to {MAX_LINES} lines")));
        }
        let (kind, address) = match &input.delivery {
            AisleDelivery::Ship { address } => (FulfillmentKind::Ship, address.trim().to_string()),
            AisleDelivery::PickupElsewhere { .. } | AisleDelivery::PickupHere => {
                (FulfillmentKind::Pickup, String::new())
            }
        };
        let phone = normalise_mobile(&input.customer_phone).unwrap_or_else(|| input.customer_phone.trim().to_string());
        let customer = Customer { name: input.customer_name.trim().to_string(), phone, address, location: None };
        check_customer(&customer, kind).map_err(customer_error)?;
        let payment_ref = input.payment_ref.trim().to_string();
        if payment_ref.is_empty() {
            return Err(invalid(InputField::PaymentRef, "enter the payment reference from the till"));
        }
        if payment_ref.chars().count() > MAX_PAYMENT_REF_CHARS {
            return Err(invalid(
                InputField::PaymentRef,
                format!("the payment reference has at most {MAX_PAYMENT_REF_CHARS} characters"),
            ));
        }
        let (lines, placed_lines, style_code, delivery) = {
            let db = self.db();
            let store = Self::meta(&db, "store")?
                .and_then(|s| serde_json::from_str::<shared::node::Node>(&s).ok())
                .ok_or(ReplicaError::NotEnrolled)?;
            let mut delivery = input.delivery.clone();
            if let AisleDelivery::PickupElsewhere { store_code } = &mut delivery {
                *store_code = store_code.trim().to_string();
                if *store_code == store.code {
                    delivery = AisleDelivery::PickupHere;
                } else {
                    let node: Option<String> = db
                        .query_row("SELECT json FROM node WHERE code = ?1", [&*store_code], |r| r.get(0))
                        .optional()?;
                    let node = node.map(|j| serde_json::from_str::<shared::node::Node>(&j)).transpose()?;
                    if !node.is_some_and(|n| n.kind.is_store() && n.capabilities.pickup) {
                        return Err(ReplicaError::not_allowed(
                            "invalid_pickup_store",
                            format!("{store_code} is not a store where customers can collect"),
                        ));
                    }
                }
            }
            let mut lines = Vec::new();
            let mut placed = Vec::new();
            let mut style_code = String::new();
            for l in &input.lines {
                let qty =
                    shared::Qty::new(l.qty).map_err(|e| ReplicaError::not_allowed("invalid_qty", e.to_string()))?;
                let sku = load_sku(&db, &l.sku_code)?
                    .ok_or_else(|| ReplicaError::NotFound { what: format!("SKU {}", l.sku_code) })?;
                let name = load_style(&db, &sku.style_code)?.map_or_else(|| sku.style_code.clone(), |s| s.name);
                if style_code.is_empty() {
                    style_code = sku.style_code.clone();
                }
                lines.push(OrderLineInput {
                    sku_code: sku.code.clone(),
                    qty,
                    unit_price: sku.list_price,
                    discount: shared::Fen(0),
                });
                placed.push(PlacedLine {
                    sku_code: sku.code,
                    name,
                    colour: sku.colour,
                    size: sku.size,
                    qty: qty.get(),
                    unit_price: sku.list_price,
                });
            }
            (lines, placed, style_code, delivery)
        };
        let pickup_store = match &delivery {
            AisleDelivery::PickupElsewhere { store_code } => Some(store_code.clone()),
            _ => None,
        };
        let op = Op::PlaceOrder {
            order_id,
            fulfillment: kind,
            customer: customer.clone(),
            lines,
            pickup_store,
            payment_ref: payment_ref.clone(),
            carry_out: false,
            exchange_of: None,
        };
        let pickup_here = delivery == AisleDelivery::PickupHere;
        let placed_ms = device_time.timestamp_millis();
        self.perform_then(staff_id, op, device_time, |tx, env| {
            // Checked inside the transaction that queues the order, so two orders placed at
            // once cannot both count on the same units of the lease.
            let queued = queued_from_shelf(tx)?;
            let mut shelf = ShelfCheck::WithinLease;
            for l in &placed_lines {
                let stock = sellable(tx, &l.sku_code)?;
                let on_hand = stock.as_ref().map_or(0, |s| s.on_hand);
                let free = stock.as_ref().map_or(0, |s| s.lease) - queued.get(&l.sku_code).copied().unwrap_or(0);
                shelf = shelf.worst(shelf_check(pickup_here, on_hand, free, l.qty));
            }
            let view = PlacedOrderView {
                order_id,
                op_id: env.op_id,
                placed_ms,
                staff_id: env.staff_id.clone(),
                style_code: style_code.clone(),
                customer_name: customer.name.clone(),
                customer_phone: shared::returns::mask_phone(&customer.phone),
                delivery: delivery.clone(),
                lines: placed_lines.clone(),
                payment_ref: payment_ref.clone(),
                shelf,
                state: PlacedState::Queued,
                answered_ms: None,
                status: None,
                status_ms: None,
            };
            tx.execute(
                "INSERT INTO placed_order (order_id, op_id, created_ms, json) VALUES (?1, ?2, ?3, ?4)",
                params![order_id.to_string(), env.op_id.to_string(), placed_ms, serde_json::to_string(&view)?],
            )?;
            Ok(())
        })?;
        self.placed_order(order_id)?.ok_or_else(|| ReplicaError::NotFound { what: format!("placed order {order_id}") })
    }

    /// One order this device placed.
    pub fn placed_order(&self, order_id: Uuid) -> Result<Option<PlacedOrderView>> {
        let db = self.db();
        let row = db
            .query_row(
                &format!("SELECT {VIEW_COLUMNS} FROM placed_order WHERE order_id = ?1"),
                [order_id.to_string()],
                view_of,
            )
            .optional()?;
        row.map(to_view).transpose()
    }

    /// The orders this device placed, newest first (at most [`MAX_LISTED`]).
    pub fn placed_orders(&self) -> Result<Vec<PlacedOrderView>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(&format!(
            "SELECT {VIEW_COLUMNS} FROM placed_order ORDER BY created_ms DESC, order_id DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([MAX_LISTED as i64], view_of)?;
        rows.map(|r| to_view(r?)).collect()
    }

    /// Confirmed orders still open whose status was not asked in the last
    /// [`STATUS_MIN_AGE_MS`], the longest unasked first, at most `limit`.
    pub fn placed_orders_to_follow(&self, now_ms: i64, limit: usize) -> Result<Vec<Uuid>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(
            "SELECT order_id FROM placed_order
             WHERE state = 'confirmed' AND closed = 0 AND (status_ms IS NULL OR status_ms <= ?1)
             ORDER BY COALESCE(status_ms, 0), created_ms LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now_ms - STATUS_MIN_AGE_MS, limit as i64], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for id in rows {
            out.push(Uuid::parse_str(&id?).map_err(|e| ReplicaError::Storage { message: e.to_string() })?);
        }
        Ok(out)
    }

    /// Keeps HQ's status of a placed order, read at `now_ms`; a completed or cancelled
    /// order is no longer followed.
    pub fn record_placed_status(&self, status: &PlacedOrderStatus, now_ms: i64) -> Result<()> {
        let closed = matches!(status.status, OrderStatus::Completed | OrderStatus::Cancelled);
        self.db().execute(
            "UPDATE placed_order SET status_json = ?2, status_ms = ?3, closed = ?4 WHERE order_id = ?1",
            params![status.order_id.to_string(), serde_json::to_string(status)?, now_ms, closed as i64],
        )?;
        Ok(())
    }

    /// The associate saw HQ's refusal of an order on the screen while placing it: its inbox
    /// item is marked read (it stays in the inbox, and in the placed-orders list).
    pub fn mark_refusal_seen(&self, op_id: Uuid) -> Result<()> {
        self.db().execute("UPDATE inbox SET read = 1 WHERE op_id = ?1", [op_id.to_string()])?;
        Ok(())
    }

    /// Notes that HQ was asked about a placed order at `now_ms` without an answer about it
    /// (not known there yet), so it is asked again later rather than in every round.
    pub fn mark_placed_checked(&self, order_id: Uuid, now_ms: i64) -> Result<()> {
        self.db().execute(
            "UPDATE placed_order SET status_ms = ?2 WHERE order_id = ?1",
            params![order_id.to_string(), now_ms],
        )?;
        Ok(())
    }
}
