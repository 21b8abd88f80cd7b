//! HQ settings that are business rules, stored as data so HQ changes them through the API.

use super::{StorageError, Tx};
use crate::params;

/// The stored value of a setting, if HQ set it.
pub fn get(tx: &mut dyn Tx, name: &str) -> Result<Option<String>, StorageError> {
    tx.query_opt("SELECT value FROM hq_setting WHERE name = $1", params![name])?.map(|r| r.text(0)).transpose()
}

/// Sets a setting.
pub fn set(tx: &mut dyn Tx, name: &str, value: &str, now_ms: i64) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO hq_setting (name, value, updated_ms) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms",
        params![name, value, now_ms],
    )?;
    Ok(())
}
