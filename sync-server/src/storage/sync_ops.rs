//! Applied operations: the exactly-once record of every op a device pushed.

use super::{StorageError, Tx};
use crate::params;

/// A stored op result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedOp {
    /// Device.
    pub device_id: String,
    /// Device sequence number.
    pub device_seq: i64,
    /// Op id.
    pub op_id: String,
    /// Outcome as JSON.
    pub outcome_json: String,
}

fn from_row(r: &super::Row) -> Result<AppliedOp, StorageError> {
    Ok(AppliedOp { device_id: r.text(0)?, device_seq: r.i64(1)?, op_id: r.text(2)?, outcome_json: r.text(3)? })
}

/// The op stored under `op_id`, from any device, with the store of the device that pushed
/// it (a device re-enrolled at its store replays its old ops under a new device id).
pub fn by_op_id(tx: &mut dyn Tx, op_id: &str) -> Result<Option<(AppliedOp, String)>, StorageError> {
    tx.query_opt(
        "SELECT a.device_id, a.device_seq, a.op_id, a.outcome, d.store_code
         FROM applied_op a JOIN device d ON d.id = a.device_id WHERE a.op_id = $1",
        params![op_id],
    )?
    .map(|r| Ok((from_row(&r)?, r.text(4)?)))
    .transpose()
}

/// The op a device applied at `seq`.
pub fn by_seq(tx: &mut dyn Tx, device_id: &str, seq: i64) -> Result<Option<AppliedOp>, StorageError> {
    tx.query_opt(
        "SELECT device_id, device_seq, op_id, outcome FROM applied_op WHERE device_id = $1 AND device_seq = $2",
        params![device_id, seq],
    )?
    .map(|r| from_row(&r))
    .transpose()
}

/// An op to record.
pub struct NewOp<'a> {
    /// Device.
    pub device_id: &'a str,
    /// Sequence.
    pub device_seq: i64,
    /// Op id.
    pub op_id: &'a str,
    /// Kind name.
    pub kind: &'a str,
    /// Staff.
    pub staff_id: &'a str,
    /// Device clock (ms).
    pub device_time_ms: i64,
    /// Outcome JSON.
    pub outcome_json: &'a str,
}

/// Records an applied op.
pub fn insert(tx: &mut dyn Tx, op: &NewOp<'_>, now_ms: i64) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO applied_op (device_id, device_seq, op_id, kind, staff_id, device_time_ms, outcome, applied_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        params![
            op.device_id,
            op.device_seq,
            op.op_id,
            op.kind,
            op.staff_id,
            op.device_time_ms,
            op.outcome_json,
            now_ms
        ],
    )?;
    Ok(())
}

/// Total ops applied (for tests and HQ diagnostics).
pub fn count(tx: &mut dyn Tx) -> Result<i64, StorageError> {
    Ok(tx.query_opt("SELECT COUNT(*) FROM applied_op", params![])?.map(|r| r.i64(0)).transpose()?.unwrap_or(0))
}
