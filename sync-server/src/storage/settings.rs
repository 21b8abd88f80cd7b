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

/// Name of the business rules setting.
pub const BUSINESS_RULES: &str = "business_rules";

/// The business rules in force: HQ's, or the defaults until HQ sets them (or if what is
/// stored no longer passes the checks).
pub fn business_rules(tx: &mut dyn Tx) -> Result<shared::rules::BusinessRules, StorageError> {
    Ok(get(tx, BUSINESS_RULES)?
        .and_then(|v| serde_json::from_str::<shared::rules::BusinessRules>(&v).ok())
        .filter(|r| r.check().is_ok())
        .unwrap_or_default())
}
