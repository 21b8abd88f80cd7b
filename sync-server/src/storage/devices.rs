//! Enrollment codes and enrolled devices. Only hashes of codes and tokens are stored.

use super::{Dialect, StorageError, Tx};
use crate::params;

/// Stores a new one-time enrollment code hash.
pub fn insert_enrollment_code(
    tx: &mut dyn Tx,
    code_hash: &str,
    store: &str,
    now_ms: i64,
    expires_ms: i64,
) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO enrollment_code (code_hash, store_code, created_ms, expires_ms) VALUES ($1, $2, $3, $4)",
        params![code_hash, store, now_ms, expires_ms],
    )?;
    Ok(())
}

/// Marks an unused, unexpired code as used by `device_id`; returns its store, or `None`
/// when the code is unknown, used or expired. Atomic: a code is used once.
pub fn consume_enrollment_code(
    tx: &mut dyn Tx,
    code_hash: &str,
    device_id: &str,
    now_ms: i64,
) -> Result<Option<String>, StorageError> {
    let Some(r) = tx.query_opt(
        "SELECT store_code FROM enrollment_code WHERE code_hash = $1 AND used_ms IS NULL AND expires_ms > $2",
        params![code_hash, now_ms],
    )?
    else {
        return Ok(None);
    };
    let n = tx.exec(
        "UPDATE enrollment_code SET used_ms = $2, device_id = $3 WHERE code_hash = $1 AND used_ms IS NULL",
        params![code_hash, now_ms, device_id],
    )?;
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(r.text(0)?))
}

/// An enrolled device as stored (HQ's API sends [`Device::to_admin`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Id.
    pub id: String,
    /// Its store.
    pub store_code: String,
    /// Name.
    pub name: String,
    /// Highest device_seq applied.
    pub last_seq: i64,
    /// Revoked at (ms), if revoked.
    pub revoked_ms: Option<i64>,
    /// Enrolled at (ms).
    pub created_ms: i64,
    /// Last request at (ms).
    pub last_seen_ms: Option<i64>,
}

impl Device {
    /// The device as HQ's API shows it.
    pub fn to_admin(&self) -> Result<shared::admin::Device, StorageError> {
        Ok(shared::admin::Device {
            id: uuid::Uuid::parse_str(&self.id)
                .map_err(|e| StorageError::Decode(format!("device id {}: {e}", self.id)))?,
            store_code: self.store_code.clone(),
            name: self.name.clone(),
            last_seq: self.last_seq,
            revoked_ms: self.revoked_ms,
            created_ms: self.created_ms,
            last_seen_ms: self.last_seen_ms,
        })
    }
}

/// Inserts a device.
pub fn insert_device(
    tx: &mut dyn Tx,
    id: &str,
    store: &str,
    name: &str,
    token_hash: &str,
    now_ms: i64,
) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO device (id, store_code, name, token_hash, created_ms) VALUES ($1, $2, $3, $4, $5)",
        params![id, store, name, token_hash, now_ms],
    )?;
    Ok(())
}

const DEVICE_COLUMNS: &str = "id, store_code, name, last_seq, revoked_ms, created_ms, last_seen_ms";

fn device_from_row(r: &super::Row) -> Result<Device, StorageError> {
    Ok(Device {
        id: r.text(0)?,
        store_code: r.text(1)?,
        name: r.text(2)?,
        last_seq: r.i64(3)?,
        revoked_ms: r.opt_i64(4)?,
        created_ms: r.i64(5)?,
        last_seen_ms: r.opt_i64(6)?,
    })
}

/// The device holding a token hash.
pub fn device_by_token(tx: &mut dyn Tx, token_hash: &str) -> Result<Option<Device>, StorageError> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM device WHERE token_hash = $1");
    tx.query_opt(&sql, params![token_hash])?.map(|r| device_from_row(&r)).transpose()
}

/// A device by id.
pub fn device(tx: &mut dyn Tx, id: &str) -> Result<Option<Device>, StorageError> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM device WHERE id = $1");
    tx.query_opt(&sql, params![id])?.map(|r| device_from_row(&r)).transpose()
}

/// A device by id, its row locked until the transaction ends (PostgreSQL), so pushes of
/// one device served by several instances at once run one after the other. SQLite has a
/// single writer, which serialises them already.
pub fn device_for_update(tx: &mut dyn Tx, id: &str) -> Result<Option<Device>, StorageError> {
    let lock = if tx.dialect() == Dialect::Postgres { " FOR UPDATE" } else { "" };
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM device WHERE id = $1{lock}");
    tx.query_opt(&sql, params![id])?.map(|r| device_from_row(&r)).transpose()
}

/// All devices, optionally of one store, as HQ lists them.
pub fn devices(tx: &mut dyn Tx, store: Option<&str>) -> Result<Vec<shared::admin::Device>, StorageError> {
    let sql = format!(
        "SELECT {DEVICE_COLUMNS} FROM device WHERE CAST($1 AS TEXT) IS NULL OR store_code = $1 ORDER BY created_ms"
    );
    tx.query(&sql, params![store])?.iter().map(|r| device_from_row(r)?.to_admin()).collect()
}

/// Revokes a device; returns false if unknown.
pub fn revoke_device(tx: &mut dyn Tx, id: &str, now_ms: i64) -> Result<bool, StorageError> {
    Ok(tx.exec("UPDATE device SET revoked_ms = COALESCE(revoked_ms, $2) WHERE id = $1", params![id, now_ms])? == 1)
}

/// Advances a device's applied sequence and last-seen time.
pub fn set_last_seq(tx: &mut dyn Tx, id: &str, seq: i64, now_ms: i64) -> Result<(), StorageError> {
    tx.exec("UPDATE device SET last_seq = $2, last_seen_ms = $3 WHERE id = $1", params![id, seq, now_ms])?;
    Ok(())
}
