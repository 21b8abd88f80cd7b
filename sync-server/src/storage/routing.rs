//! Routing data: HQ's versioned routing configuration, the explanation of every routing
//! decision, the per-node count of fulfillment orders routed in a local day (the
//! daily-capacity filter reads it), and when a node last sold a SKU (aged stock).
//!
//! Other storage modules may read the configuration here (channel allocation reads the
//! channel exclusions by node group through [`channel_allows`]).

use super::{StorageError, Tx};
use crate::params;
use shared::order::Channel;
use shared::routing::config::RoutingConfig;
use shared::routing::engine::Explanation;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The configuration in force and its version: the latest stored, or the built-in one as
/// version 0 until HQ stores one.
pub fn current(tx: &mut dyn Tx) -> Result<(i64, RoutingConfig), StorageError> {
    let row = tx.query_opt("SELECT version, document FROM routing_config ORDER BY version DESC LIMIT 1", params![])?;
    match row {
        None => Ok((0, RoutingConfig::default())),
        Some(r) => {
            let doc = r.text(1)?;
            let config =
                serde_json::from_str(&doc).map_err(|e| StorageError::Decode(format!("routing config: {e}")))?;
            Ok((r.i64(0)?, config))
        }
    }
}

/// One stored version, with when it was stored.
pub fn version(tx: &mut dyn Tx, version: i64) -> Result<Option<(RoutingConfig, i64)>, StorageError> {
    let Some(r) =
        tx.query_opt("SELECT document, created_ms FROM routing_config WHERE version = $1", params![version])?
    else {
        return Ok(None);
    };
    let config = serde_json::from_str(&r.text(0)?).map_err(|e| StorageError::Decode(format!("routing config: {e}")))?;
    Ok(Some((config, r.i64(1)?)))
}

/// When the latest version was stored (None: the built-in one is in force).
pub fn current_stored_ms(tx: &mut dyn Tx) -> Result<Option<i64>, StorageError> {
    tx.query_opt("SELECT created_ms FROM routing_config ORDER BY version DESC LIMIT 1", params![])?
        .map(|r| r.i64(0))
        .transpose()
}

/// Stores `config` as the next version and returns it.
pub fn store(tx: &mut dyn Tx, config: &RoutingConfig, now_ms: i64) -> Result<i64, StorageError> {
    let doc = serde_json::to_string(config).map_err(|e| StorageError::Decode(e.to_string()))?;
    let next = tx
        .query_opt("SELECT COALESCE(MAX(version), 0) + 1 FROM routing_config", params![])?
        .map(|r| r.i64(0))
        .transpose()?
        .unwrap_or(1);
    tx.exec(
        "INSERT INTO routing_config (version, document, created_ms) VALUES ($1, $2, $3)",
        params![next, doc, now_ms],
    )?;
    Ok(next)
}

/// Whether `node` may fulfil orders of `channel` under the configuration in force (no
/// exclusion of its groups for the channel).
pub fn channel_allows(tx: &mut dyn Tx, channel: Channel, node: &str) -> Result<bool, StorageError> {
    Ok(current(tx)?.1.channel_allows(channel, node))
}

/// Records a routing decision of an order.
pub fn insert_decision(tx: &mut dyn Tx, order_id: Uuid, e: &Explanation, now_ms: i64) -> Result<(), StorageError> {
    let doc = serde_json::to_string(e).map_err(|e| StorageError::Decode(e.to_string()))?;
    tx.exec(
        "INSERT INTO routing_decision (order_id, config_version, outcome, reason, explanation, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6)",
        params![order_id, e.config_version, e.outcome.as_str(), e.reason.clone(), doc, now_ms],
    )?;
    Ok(())
}

/// The latest routing decision of an order.
pub fn latest_decision(tx: &mut dyn Tx, order_id: Uuid) -> Result<Option<Explanation>, StorageError> {
    tx.query_opt(
        "SELECT explanation FROM routing_decision WHERE order_id = $1 ORDER BY id DESC LIMIT 1",
        params![order_id],
    )?
    .map(|r| serde_json::from_str(&r.text(0)?).map_err(|e| StorageError::Decode(format!("routing decision: {e}"))))
    .transpose()
}

/// Fulfillment orders routed to each node on `local_day` (`YYYY-MM-DD`).
pub fn routed_on(tx: &mut dyn Tx, local_day: &str) -> Result<BTreeMap<String, u32>, StorageError> {
    tx.query("SELECT node_code, routed FROM node_daily_routed WHERE local_day = $1", params![local_day])?
        .iter()
        .map(|r| Ok((r.text(0)?, r.i64(1)?.max(0) as u32)))
        .collect()
}

/// Counts one more fulfillment order routed to `node` on its `local_day`.
pub fn count_routed(tx: &mut dyn Tx, node: &str, local_day: &str) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO node_daily_routed (node_code, local_day, routed) VALUES ($1, $2, 1)
         ON CONFLICT (node_code, local_day) DO UPDATE SET routed = node_daily_routed.routed + 1",
        params![node, local_day],
    )?;
    Ok(())
}

/// When each node last sold `sku` (its latest fulfilment movement), Unix ms.
pub fn last_sold(tx: &mut dyn Tx, sku: &str) -> Result<BTreeMap<String, i64>, StorageError> {
    tx.query(
        "SELECT node_code, MAX(at_ms) FROM stock_movement WHERE sku_code = $1 AND reason = 'fulfilment' GROUP BY node_code",
        params![sku],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.i64(1)?)))
    .collect()
}
