//! Follow-ups around fulfillment: hand-over facts, customer notifications (claimed once by
//! the sender), conflicts flagged for HQ, and the facts devices send under ids of their own
//! (counts, returns) with the outcome each got.

use super::{StorageError, Tx};
use crate::params;
use uuid::Uuid;

/// Records a hand-over fact.
pub fn insert_handover(
    tx: &mut dyn Tx,
    fo: Uuid,
    device: &str,
    staff: &str,
    method: &str,
    verified: bool,
    now_ms: i64,
) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO handover (fulfillment_order_id, device_id, staff_id, method, verified, at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        params![fo, device, staff, method, verified, now_ms],
    )?;
    Ok(())
}

/// Number of hand-over facts recorded for a fulfillment order.
pub fn handover_count(tx: &mut dyn Tx, fo: Uuid) -> Result<i64, StorageError> {
    let r = tx.query_opt("SELECT COUNT(*) FROM handover WHERE fulfillment_order_id = $1", params![fo])?;
    Ok(r.map(|r| r.i64(0)).transpose()?.unwrap_or(0))
}

/// Queues a customer notification.
pub fn insert_notification(
    tx: &mut dyn Tx,
    order_id: Uuid,
    fo: Option<Uuid>,
    kind: &str,
    recipient: &str,
    body: &str,
    now_ms: i64,
) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO notification (order_id, fulfillment_order_id, kind, recipient, body, created_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        params![order_id, fo, kind, recipient, body, now_ms],
    )?;
    Ok(())
}

/// A queued notification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Notification {
    /// Id.
    pub id: i64,
    /// Order.
    pub order_id: String,
    /// Fulfillment order.
    pub fulfillment_order_id: Option<String>,
    /// Kind, e.g. `pickup_code`.
    pub kind: String,
    /// Phone number.
    pub recipient: String,
    /// Message text.
    pub body: String,
}

/// Claims up to `limit` unclaimed notifications: each is handed out exactly once.
pub fn claim_notifications(tx: &mut dyn Tx, limit: u32, now_ms: i64) -> Result<Vec<Notification>, StorageError> {
    let rows = tx.query(
        "SELECT id, order_id, fulfillment_order_id, kind, recipient, body FROM notification WHERE claimed_ms IS NULL ORDER BY id LIMIT $1",
        params![limit],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = r.i64(0)?;
        if tx
            .exec("UPDATE notification SET claimed_ms = $2 WHERE id = $1 AND claimed_ms IS NULL", params![id, now_ms])?
            == 1
        {
            out.push(Notification {
                id,
                order_id: r.text(1)?,
                fulfillment_order_id: r.opt_text(2)?,
                kind: r.text(3)?,
                recipient: r.text(4)?,
                body: r.text(5)?,
            });
        }
    }
    Ok(out)
}

/// A conflict or alert for HQ.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Conflict {
    /// Id.
    pub id: i64,
    /// Store involved.
    pub store_code: Option<String>,
    /// Device that sent the fact.
    pub device_id: Option<String>,
    /// The op.
    pub op_id: Option<String>,
    /// Order.
    pub order_id: Option<String>,
    /// Fulfillment order.
    pub fulfillment_order_id: Option<String>,
    /// Code.
    pub code: String,
    /// Message.
    pub message: String,
    /// When.
    pub created_ms: i64,
}

/// Flags a conflict for HQ.
pub fn insert_conflict(tx: &mut dyn Tx, c: &Conflict) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO flagged_conflict (store_code, device_id, op_id, order_id, fulfillment_order_id, code, message, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        params![c.store_code.clone(), c.device_id.clone(), c.op_id.clone(), c.order_id.clone(), c.fulfillment_order_id.clone(), &c.code, &c.message, c.created_ms],
    )?;
    Ok(())
}

/// Open conflicts, newest first.
pub fn open_conflicts(tx: &mut dyn Tx, limit: u32) -> Result<Vec<Conflict>, StorageError> {
    tx.query(
        "SELECT id, store_code, device_id, op_id, order_id, fulfillment_order_id, code, message, created_ms
         FROM flagged_conflict WHERE resolved_ms IS NULL ORDER BY id DESC LIMIT $1",
        params![limit],
    )?
    .iter()
    .map(|r| {
        Ok(Conflict {
            id: r.i64(0)?,
            store_code: r.opt_text(1)?,
            device_id: r.opt_text(2)?,
            op_id: r.opt_text(3)?,
            order_id: r.opt_text(4)?,
            fulfillment_order_id: r.opt_text(5)?,
            code: r.text(6)?,
            message: r.text(7)?,
            created_ms: r.i64(8)?,
        })
    })
    .collect()
}
