//! Money after the sale: attribution entries (sales credit and fulfillment fees, reversed
//! by returns and cancellations). Return receipts and refunds are in [`super::returns`].

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
    /// `sale`, `fulfillment_fee`, `return`, `fulfillment_fee_return` or `cancel`.
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

/// One stored attribution entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttribution {
    /// `channel`, `associate` or `store`.
    pub party_kind: String,
    /// Who.
    pub party: String,
    /// Amount (negative for reversals).
    pub amount: i64,
    /// Why.
    pub reason: String,
    /// What caused it.
    pub reference: String,
    /// When (ms).
    pub at_ms: i64,
}

/// Every attribution entry of an order, oldest first.
pub fn attribution_entries(tx: &mut dyn Tx, order_id: Uuid) -> Result<Vec<StoredAttribution>, StorageError> {
    tx.query(
        "SELECT party_kind, party, amount_fen, reason, reference, at_ms FROM attribution WHERE order_id = $1 ORDER BY id",
        params![order_id],
    )?
    .iter()
    .map(|r| {
        Ok(StoredAttribution {
            party_kind: r.text(0)?,
            party: r.text(1)?,
            amount: r.i64(2)?,
            reason: r.text(3)?,
            reference: r.text(4)?,
            at_ms: r.i64(5)?,
        })
    })
    .collect()
}

/// Net of an order's entries with `reason`, per (party kind, party, reference).
pub fn totals_by_reason(
    tx: &mut dyn Tx,
    order_id: Uuid,
    reason: &str,
) -> Result<Vec<(String, String, String, i64)>, StorageError> {
    tx.query(
        "SELECT party_kind, party, reference, CAST(SUM(amount_fen) AS BIGINT) FROM attribution
         WHERE order_id = $1 AND reason = $2 GROUP BY party_kind, party, reference ORDER BY party_kind, party, reference",
        params![order_id, reason],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.text(1)?, r.text(2)?, r.i64(3)?)))
    .collect()
}
