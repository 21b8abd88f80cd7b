//! Money after the sale: attribution entries (sales credit and fulfillment fees, reversed
//! by returns and cancellations) and return receipts.

use super::{StorageError, Tx};
use crate::params;
use uuid::Uuid;

/// A sales-credit or fee entry.
pub struct AttributionEntry<'a> {
    /// Order.
    pub order_id: Uuid,
    /// `channel`, `associate` or `store`.
    pub party_kind: &'a str,
    /// Who.
    pub party: &'a str,
    /// Amount (negative for reversals).
    pub amount: i64,
    /// `sale`, `return` or `fulfillment_fee`.
    pub reason: &'a str,
    /// What caused it.
    pub reference: &'a str,
}

/// Appends an attribution entry.
pub fn insert_attribution(tx: &mut dyn Tx, a: &AttributionEntry<'_>, now_ms: i64) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO attribution (order_id, party_kind, party, amount_fen, reason, reference, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![a.order_id, a.party_kind, a.party, a.amount, a.reason, a.reference, now_ms],
    )?;
    Ok(())
}

/// Net attribution per (party kind, party) of an order.
pub fn attribution_totals(tx: &mut dyn Tx, order_id: Uuid) -> Result<Vec<(String, String, i64)>, StorageError> {
    tx.query(
        "SELECT party_kind, party, CAST(SUM(amount_fen) AS BIGINT) FROM attribution WHERE order_id = $1 GROUP BY party_kind, party ORDER BY party_kind, party",
        params![order_id],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.text(1)?, r.i64(2)?)))
    .collect()
}

/// Whether a return receipt exists.
pub fn return_exists(tx: &mut dyn Tx, id: Uuid) -> Result<bool, StorageError> {
    Ok(tx.query_opt("SELECT 1 FROM return_receipt WHERE id = $1", params![id])?.is_some())
}

/// Inserts a return receipt.
#[allow(clippy::too_many_arguments)]
pub fn insert_return(
    tx: &mut dyn Tx,
    id: Uuid,
    order_id: Uuid,
    store: &str,
    staff: &str,
    approved_by: Option<&str>,
    refund: i64,
    now_ms: i64,
) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO return_receipt (id, order_id, store_code, staff_id, approved_by, refund_fen, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![id, order_id, store, staff, approved_by, refund, now_ms],
    )?;
    Ok(())
}

/// Inserts a return line.
pub fn insert_return_line(
    tx: &mut dyn Tx,
    return_id: Uuid,
    line_no: u32,
    sku: &str,
    qty: i64,
    condition: &str,
    refund: i64,
) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO return_line (return_id, line_no, sku_code, qty, condition, refund_fen) VALUES ($1, $2, $3, $4, $5, $6)",
        params![return_id, line_no, sku, qty, condition, refund],
    )?;
    Ok(())
}
