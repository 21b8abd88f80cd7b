//! Returns: the receipts and lines a store books, the order facts the return counter reads
//! (shipping fee, what was refunded), the look-ups by channel number and customer, and the
//! refund instruction outbox the channel integrations claim.

use super::{Dialect, Row, StorageError, Tx};
use crate::params;
use uuid::Uuid;

/// Sets the shipping fee an order's customer paid (at intake).
pub fn set_shipping_fee(tx: &mut dyn Tx, order_id: Uuid, fee_fen: i64) -> Result<(), StorageError> {
    tx.exec("UPDATE orders SET shipping_fee_fen = $2 WHERE id = $1", params![order_id, fee_fen])?;
    Ok(())
}

/// An order's money as returns see it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderMoney {
    /// The shipping fee the customer paid.
    pub shipping_fee: i64,
    /// Goods refunded by its returns so far.
    pub goods_refunded: i64,
    /// Shipping refunded by its returns so far.
    pub shipping_refunded: i64,
}

/// An order's shipping fee and what its returns refunded so far (zeros for no order).
pub fn order_money(tx: &mut dyn Tx, order_id: Uuid) -> Result<OrderMoney, StorageError> {
    let r = tx.query_opt(
        "SELECT o.shipping_fee_fen,
                CAST((SELECT COALESCE(SUM(r.goods_fen), 0) FROM return_receipt r WHERE r.order_id = o.id) AS BIGINT),
                CAST((SELECT COALESCE(SUM(r.shipping_fen), 0) FROM return_receipt r WHERE r.order_id = o.id) AS BIGINT)
         FROM orders o WHERE o.id = $1",
        params![order_id],
    )?;
    match r {
        Some(r) => Ok(OrderMoney { shipping_fee: r.i64(0)?, goods_refunded: r.i64(1)?, shipping_refunded: r.i64(2)? }),
        None => Ok(OrderMoney::default()),
    }
}

/// Locks an order's row until the transaction ends (PostgreSQL), so two returns of one
/// order booked at once run one after the other and the second sees what the first
/// returned. SQLite has a single writer. Returns false if there is no such order.
pub fn lock_order(tx: &mut dyn Tx, order_id: Uuid) -> Result<bool, StorageError> {
    let sql = if tx.dialect() == Dialect::Postgres {
        "SELECT id FROM orders WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT id FROM orders WHERE id = $1"
    };
    Ok(tx.query_opt(sql, params![order_id])?.is_some())
}

/// Orders with this channel order number on any channel, newest first.
pub fn orders_by_channel_number(tx: &mut dyn Tx, number: &str, limit: u32) -> Result<Vec<Uuid>, StorageError> {
    tx.query(
        "SELECT id FROM orders WHERE channel_order_id = $1 ORDER BY created_ms DESC, id DESC LIMIT $2",
        params![number, limit],
    )?
    .iter()
    .map(|r| r.uuid(0))
    .collect()
}

/// Orders in this customer's exact name, newest first, with the phone on each (for the
/// caller to check its last digits).
pub fn orders_by_customer_name(tx: &mut dyn Tx, name: &str, limit: u32) -> Result<Vec<(Uuid, String)>, StorageError> {
    tx.query(
        "SELECT id, customer_phone FROM orders WHERE customer_name = $1 ORDER BY created_ms DESC, id DESC LIMIT $2",
        params![name, limit],
    )?
    .iter()
    .map(|r| Ok((r.uuid(0)?, r.text(1)?)))
    .collect()
}

/// Whether a return receipt exists under this id.
pub fn return_exists(tx: &mut dyn Tx, id: Uuid) -> Result<bool, StorageError> {
    Ok(tx.query_opt("SELECT 1 FROM return_receipt WHERE id = $1", params![id])?.is_some())
}

/// A return receipt as booked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRow {
    /// Return id (the device's).
    pub id: Uuid,
    /// The order it was matched to, if any.
    pub order_id: Option<Uuid>,
    /// The channel the device named (offline, from the receipt), if it did.
    pub order_ref_channel: Option<String>,
    /// The channel order number the device named, if it did.
    pub order_ref_id: Option<String>,
    /// The store that took the goods back.
    pub store_code: String,
    /// Its device that sent the fact.
    pub device_id: String,
    /// The op that carried it.
    pub op_id: String,
    /// The associate.
    pub staff_id: String,
    /// The manager named as approving, if any.
    pub approved_by: Option<String>,
    /// Refund for the goods.
    pub goods_fen: i64,
    /// Shipping refunded.
    pub shipping_fen: i64,
    /// Goods and shipping.
    pub refund_fen: i64,
    /// The refund per order line as booked, as JSON (`[QuotedLine]`).
    pub refund_lines_json: String,
    /// The first conflict code HQ follows up, if any.
    pub problem: Option<String>,
    /// When it was booked.
    pub created_ms: i64,
}

/// Inserts a return receipt.
pub fn insert_return(tx: &mut dyn Tx, r: &ReturnRow) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO return_receipt (id, order_id, order_ref_channel, order_ref_id, store_code, device_id, op_id, staff_id,
            approved_by, goods_fen, shipping_fen, refund_fen, refund_lines, problem, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        params![
            r.id,
            r.order_id,
            r.order_ref_channel.clone(),
            r.order_ref_id.clone(),
            &r.store_code,
            &r.device_id,
            &r.op_id,
            &r.staff_id,
            r.approved_by.clone(),
            r.goods_fen,
            r.shipping_fen,
            r.refund_fen,
            &r.refund_lines_json,
            r.problem.clone(),
            r.created_ms
        ],
    )?;
    Ok(())
}

/// A return receipt of `store`, if it booked one under `id`.
pub fn store_return(tx: &mut dyn Tx, id: Uuid, store: &str) -> Result<Option<ReturnRow>, StorageError> {
    tx.query_opt(
        "SELECT id, order_id, order_ref_channel, order_ref_id, store_code, COALESCE(device_id, ''), COALESCE(op_id, ''),
                staff_id, approved_by, goods_fen, shipping_fen, refund_fen, problem, created_ms, refund_lines
         FROM return_receipt WHERE id = $1 AND store_code = $2",
        params![id, store],
    )?
    .map(|r| return_from_row(&r))
    .transpose()
}

/// The return receipt an op booked, if it booked one.
pub fn return_by_op(tx: &mut dyn Tx, op_id: &str) -> Result<Option<ReturnRow>, StorageError> {
    tx.query_opt(
        "SELECT id, order_id, order_ref_channel, order_ref_id, store_code, COALESCE(device_id, ''), COALESCE(op_id, ''),
                staff_id, approved_by, goods_fen, shipping_fen, refund_fen, problem, created_ms, refund_lines
         FROM return_receipt WHERE op_id = $1",
        params![op_id],
    )?
    .map(|r| return_from_row(&r))
    .transpose()
}

/// Units of each order line whose goods left a node (on fulfillment orders picked up,
/// dispatched or delivered): `(order line, units)`, lines with none left out. Only these
/// were sold to the customer and can come back.
pub fn units_gone(tx: &mut dyn Tx, order_id: Uuid) -> Result<Vec<(u32, i64)>, StorageError> {
    tx.query(
        "SELECT fl.order_line_no, CAST(SUM(fl.qty) AS BIGINT) FROM fulfillment_line fl
         JOIN fulfillment_order fo ON fo.id = fl.fulfillment_order_id
         WHERE fo.order_id = $1 AND fo.state IN ('picked_up', 'dispatched', 'delivered')
         GROUP BY fl.order_line_no ORDER BY fl.order_line_no",
        params![order_id],
    )?
    .iter()
    .map(|r| Ok((r.i64(0)? as u32, r.i64(1)?)))
    .collect()
}

fn return_from_row(r: &Row) -> Result<ReturnRow, StorageError> {
    Ok(ReturnRow {
        id: r.uuid(0)?,
        order_id: r.opt_text(1)?.map(|t| parse_uuid(&t)).transpose()?,
        order_ref_channel: r.opt_text(2)?,
        order_ref_id: r.opt_text(3)?,
        store_code: r.text(4)?,
        device_id: r.text(5)?,
        op_id: r.text(6)?,
        staff_id: r.text(7)?,
        approved_by: r.opt_text(8)?,
        goods_fen: r.i64(9)?,
        shipping_fen: r.i64(10)?,
        refund_fen: r.i64(11)?,
        problem: r.opt_text(12)?,
        created_ms: r.i64(13)?,
        refund_lines_json: r.text(14)?,
    })
}

fn parse_uuid(text: &str) -> Result<Uuid, StorageError> {
    Uuid::parse_str(text).map_err(|e| StorageError::Decode(format!("uuid {text:?}: {e}")))
}

/// One line of a return receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnLineRow<'a> {
    /// The return's own line number (1-based, in the device's order).
    pub line_no: u32,
    /// SKU brought back.
    pub sku_code: &'a str,
    /// Units brought back.
    pub qty: i64,
    /// `resaleable` or `damaged`.
    pub condition: &'a str,
    /// The order line the units were matched to, if any.
    pub order_line_no: Option<u32>,
    /// Units refunded (at most `qty`).
    pub refund_qty: i64,
    /// Refund for them.
    pub refund_fen: i64,
    /// The reason code.
    pub reason: &'a str,
    /// The associate's note.
    pub note: &'a str,
}

/// Inserts a return line.
pub fn insert_return_line(tx: &mut dyn Tx, return_id: Uuid, l: &ReturnLineRow<'_>) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO return_line (return_id, line_no, sku_code, qty, condition, order_line_no, refund_qty, refund_fen, reason, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        params![
            return_id,
            l.line_no,
            l.sku_code,
            l.qty,
            l.condition,
            l.order_line_no,
            l.refund_qty,
            l.refund_fen,
            l.reason,
            l.note
        ],
    )?;
    Ok(())
}

/// A refund instruction as queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRow {
    /// The return.
    pub return_id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// Its channel.
    pub channel: String,
    /// Its channel order number.
    pub channel_order_id: String,
    /// The store that took the goods back.
    pub store_code: String,
    /// The refund per order line, as JSON (`[QuotedLine]`).
    pub lines_json: String,
    /// Refund for the goods.
    pub goods_fen: i64,
    /// Shipping refunded.
    pub shipping_fen: i64,
    /// What the channel pays back.
    pub amount_fen: i64,
    /// When it was queued.
    pub created_ms: i64,
}

/// Queues a refund instruction (in the return's transaction).
pub fn insert_refund(tx: &mut dyn Tx, r: &RefundRow) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO refund_instruction (return_id, order_id, channel, channel_order_id, store_code, lines, goods_fen,
            shipping_fen, amount_fen, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        params![
            r.return_id,
            r.order_id,
            &r.channel,
            &r.channel_order_id,
            &r.store_code,
            &r.lines_json,
            r.goods_fen,
            r.shipping_fen,
            r.amount_fen,
            r.created_ms
        ],
    )?;
    Ok(())
}

/// Claims up to `limit` refund instructions nobody holds: never claimed, or claimed at or
/// before `expired_ms` and not acknowledged; oldest first. On PostgreSQL the rows another
/// claim is taking at this moment are skipped (`FOR UPDATE SKIP LOCKED`), so claims running
/// at once hand out different instructions instead of waiting on each other; SQLite has a
/// single writer.
pub fn claim_refunds(
    tx: &mut dyn Tx,
    limit: u32,
    now_ms: i64,
    expired_ms: i64,
) -> Result<Vec<RefundRow>, StorageError> {
    let lock = if tx.dialect() == Dialect::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "SELECT return_id, order_id, channel, channel_order_id, store_code, lines, goods_fen, shipping_fen, amount_fen, created_ms
         FROM refund_instruction
         WHERE acked_ms IS NULL AND (claimed_ms IS NULL OR claimed_ms <= $2) ORDER BY created_ms, return_id LIMIT $1{lock}"
    );
    let rows = tx.query(&sql, params![limit, expired_ms])?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = r.uuid(0)?;
        let taken = tx.exec(
            "UPDATE refund_instruction SET claimed_ms = $2
             WHERE return_id = $1 AND acked_ms IS NULL AND (claimed_ms IS NULL OR claimed_ms <= $3)",
            params![id, now_ms, expired_ms],
        )?;
        if taken == 1 {
            out.push(RefundRow {
                return_id: id,
                order_id: r.uuid(1)?,
                channel: r.text(2)?,
                channel_order_id: r.text(3)?,
                store_code: r.text(4)?,
                lines_json: r.text(5)?,
                goods_fen: r.i64(6)?,
                shipping_fen: r.i64(7)?,
                amount_fen: r.i64(8)?,
                created_ms: r.i64(9)?,
            });
        }
    }
    Ok(out)
}

/// The channel confirmed a refund: it is not handed out again. Returns false if there is
/// no instruction for this return; acknowledging twice keeps the first time.
pub fn ack_refund(tx: &mut dyn Tx, return_id: Uuid, now_ms: i64) -> Result<bool, StorageError> {
    Ok(tx.exec(
        "UPDATE refund_instruction SET acked_ms = COALESCE(acked_ms, $2) WHERE return_id = $1",
        params![return_id, now_ms],
    )? == 1)
}

/// Whether a return has a refund instruction, and whether the channel confirmed it.
pub fn refund_state(tx: &mut dyn Tx, return_id: Uuid) -> Result<Option<bool>, StorageError> {
    tx.query_opt("SELECT acked_ms FROM refund_instruction WHERE return_id = $1", params![return_id])?
        .map(|r| Ok(r.opt_i64(0)?.is_some()))
        .transpose()
}
