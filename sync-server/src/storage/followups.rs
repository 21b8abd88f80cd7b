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

/// A customer notification to queue.
pub struct NewNotification<'a> {
    /// Order.
    pub order_id: Uuid,
    /// Fulfillment order.
    pub fulfillment_order_id: Option<Uuid>,
    /// Kind, e.g. `pickup_code`.
    pub kind: &'a str,
    /// Phone number.
    pub recipient: &'a str,
    /// The text to send, which may hold a secret (a pickup code).
    pub body: &'a str,
    /// The same text without its secrets: all the row keeps once the gateway took it.
    pub redacted_body: &'a str,
}

/// Queues a customer notification.
pub fn insert_notification(tx: &mut dyn Tx, n: &NewNotification<'_>, now_ms: i64) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO notification (order_id, fulfillment_order_id, kind, recipient, body, redacted_body, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![n.order_id, n.fulfillment_order_id, n.kind, n.recipient, n.body, n.redacted_body, now_ms],
    )?;
    Ok(())
}

/// A queued notification as stored (HQ's API sends [`Notification::to_admin`]).
#[derive(Debug, Clone, PartialEq, Eq)]
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

impl Notification {
    /// The notification as HQ's API shows it.
    pub fn to_admin(&self) -> Result<shared::admin::Notification, StorageError> {
        Ok(shared::admin::Notification {
            id: self.id,
            order_id: parse_uuid(&self.order_id)?,
            fulfillment_order_id: self.fulfillment_order_id.as_deref().map(parse_uuid).transpose()?,
            kind: self.kind.clone(),
            recipient: self.recipient.clone(),
            body: self.body.clone(),
        })
    }
}

/// How long a claimed notification is the claimer's: unacknowledged after that, it is
/// handed out again (delivery is at least once; the gateway dedupes by id).
pub const NOTIFICATION_LEASE_MS: i64 = 60_000;

/// Claims up to `limit` notifications nobody holds: never claimed, or claimed more than
/// [`NOTIFICATION_LEASE_MS`] ago and not acknowledged.
pub fn claim_notifications(tx: &mut dyn Tx, limit: u32, now_ms: i64) -> Result<Vec<Notification>, StorageError> {
    let expired = now_ms - NOTIFICATION_LEASE_MS;
    let rows = tx.query(
        "SELECT id, order_id, fulfillment_order_id, kind, recipient, body FROM notification
         WHERE acked_ms IS NULL AND (claimed_ms IS NULL OR claimed_ms <= $2) ORDER BY id LIMIT $1",
        params![limit, expired],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = r.i64(0)?;
        let taken = tx.exec(
            "UPDATE notification SET claimed_ms = $2
             WHERE id = $1 AND acked_ms IS NULL AND (claimed_ms IS NULL OR claimed_ms <= $3)",
            params![id, now_ms, expired],
        )?;
        if taken == 1 {
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

/// The gateway took a notification: it is not handed out again, and its plain text (the
/// pickup code in it) is erased, leaving the redacted text. Returns false if unknown.
/// Acknowledging twice is harmless.
pub fn ack_notification(tx: &mut dyn Tx, id: i64, now_ms: i64) -> Result<bool, StorageError> {
    Ok(tx.exec(
        "UPDATE notification SET acked_ms = COALESCE(acked_ms, $2), body = COALESCE(redacted_body, '') WHERE id = $1",
        params![id, now_ms],
    )? == 1)
}

/// A conflict or alert for HQ, as it is flagged.
#[derive(Debug, Clone, PartialEq, Eq)]
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

fn parse_uuid(text: &str) -> Result<Uuid, StorageError> {
    Uuid::parse_str(text).map_err(|e| StorageError::Decode(format!("uuid {text:?}: {e}")))
}

/// A conflict with its resolution, as stored (HQ's API sends [`FollowUp::to_admin`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// The conflict.
    pub conflict: Conflict,
    /// When HQ resolved it (ms), if it did.
    pub resolved_ms: Option<i64>,
    /// HQ's note.
    pub resolution_note: Option<String>,
}

impl FollowUp {
    /// The conflict as HQ's API shows it.
    pub fn to_admin(&self) -> Result<shared::admin::Conflict, StorageError> {
        let c = &self.conflict;
        let uuid = |t: &Option<String>| t.as_deref().map(parse_uuid).transpose();
        Ok(shared::admin::Conflict {
            id: c.id,
            store_code: c.store_code.clone(),
            device_id: uuid(&c.device_id)?,
            op_id: uuid(&c.op_id)?,
            order_id: uuid(&c.order_id)?,
            fulfillment_order_id: uuid(&c.fulfillment_order_id)?,
            code: c.code.clone(),
            message: c.message.clone(),
            created_ms: c.created_ms,
            resolved_ms: self.resolved_ms,
            resolution_note: self.resolution_note.clone(),
        })
    }
}

const FOLLOW_UP_COLUMNS: &str =
    "id, store_code, device_id, op_id, order_id, fulfillment_order_id, code, message, created_ms, resolved_ms, resolution_note";

fn follow_up_from_row(r: &super::Row) -> Result<FollowUp, StorageError> {
    Ok(FollowUp {
        conflict: Conflict {
            id: r.i64(0)?,
            store_code: r.opt_text(1)?,
            device_id: r.opt_text(2)?,
            op_id: r.opt_text(3)?,
            order_id: r.opt_text(4)?,
            fulfillment_order_id: r.opt_text(5)?,
            code: r.text(6)?,
            message: r.text(7)?,
            created_ms: r.i64(8)?,
        },
        resolved_ms: r.opt_i64(9)?,
        resolution_note: r.opt_text(10)?,
    })
}

/// Conflicts, newest first: the open ones, the resolved ones, or both, as HQ lists them.
pub fn follow_ups(
    tx: &mut dyn Tx,
    resolved: Option<bool>,
    limit: u32,
) -> Result<Vec<shared::admin::Conflict>, StorageError> {
    let filter = match resolved {
        None => "",
        Some(false) => "WHERE resolved_ms IS NULL",
        Some(true) => "WHERE resolved_ms IS NOT NULL",
    };
    let sql = format!("SELECT {FOLLOW_UP_COLUMNS} FROM flagged_conflict {filter} ORDER BY id DESC LIMIT $1");
    tx.query(&sql, params![limit])?.iter().map(|r| follow_up_from_row(r)?.to_admin()).collect()
}

/// One conflict, locked for a change on PostgreSQL.
pub fn follow_up_for_update(tx: &mut dyn Tx, id: i64) -> Result<Option<FollowUp>, StorageError> {
    let lock = if tx.dialect() == super::Dialect::Postgres { " FOR UPDATE" } else { "" };
    let sql = format!("SELECT {FOLLOW_UP_COLUMNS} FROM flagged_conflict WHERE id = $1{lock}");
    tx.query_opt(&sql, params![id])?.map(|r| follow_up_from_row(&r)).transpose()
}

/// Marks a conflict resolved with HQ's note.
pub fn resolve(tx: &mut dyn Tx, id: i64, note: &str, now_ms: i64) -> Result<(), StorageError> {
    tx.exec(
        "UPDATE flagged_conflict SET resolved_ms = $2, resolution_note = $3 WHERE id = $1 AND resolved_ms IS NULL",
        params![id, now_ms, note],
    )?;
    Ok(())
}

/// A store's resolved conflicts that came from its ops, after `(resolved_ms, id)`, oldest
/// first.
pub fn resolutions_after(
    tx: &mut dyn Tx,
    store: &str,
    after: (i64, i64),
    limit: u32,
) -> Result<Vec<FollowUp>, StorageError> {
    let sql = format!(
        "SELECT {FOLLOW_UP_COLUMNS} FROM flagged_conflict
         WHERE store_code = $1 AND op_id IS NOT NULL AND resolved_ms IS NOT NULL
           AND (resolved_ms > $2 OR (resolved_ms = $2 AND id > $3))
         ORDER BY resolved_ms, id LIMIT $4"
    );
    tx.query(&sql, params![store, after.0, after.1, limit])?.iter().map(follow_up_from_row).collect()
}

/// A fact a device sent under an id of its own, as first recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceFact {
    /// `count` or `return`.
    pub kind: String,
    /// The device's id for the fact (count id, return id).
    pub fact_id: String,
    /// Store whose device sent it.
    pub store_code: String,
    /// Digest of what the fact said.
    pub digest: String,
    /// The op outcome it got, as JSON.
    pub outcome_json: String,
    /// The op that carried it first.
    pub op_id: String,
}

/// The fact recorded under `kind` and `fact_id`, if any.
pub fn device_fact(tx: &mut dyn Tx, kind: &str, fact_id: &str) -> Result<Option<DeviceFact>, StorageError> {
    tx.query_opt(
        "SELECT kind, fact_id, store_code, digest, outcome, op_id FROM device_fact WHERE kind = $1 AND fact_id = $2",
        params![kind, fact_id],
    )?
    .map(|r| {
        Ok(DeviceFact {
            kind: r.text(0)?,
            fact_id: r.text(1)?,
            store_code: r.text(2)?,
            digest: r.text(3)?,
            outcome_json: r.text(4)?,
            op_id: r.text(5)?,
        })
    })
    .transpose()
}

/// Records a fact under its id; a second fact under the same id is a constraint error.
pub fn insert_device_fact(tx: &mut dyn Tx, f: &DeviceFact, now_ms: i64) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO device_fact (kind, fact_id, store_code, digest, outcome, op_id, recorded_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![&f.kind, &f.fact_id, &f.store_code, &f.digest, &f.outcome_json, &f.op_id, now_ms],
    )?;
    Ok(())
}
