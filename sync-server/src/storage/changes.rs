//! The change log: which entity changed in whose scope, in commit order.
//!
//! Pull serves the *current* state of every entity logged after the device's cursor, so an
//! entity that changed five times is sent once. Positions are `(tx, seq)`; on SQLite `tx`
//! is always 0 because a single writer commits in `seq` order.

use super::{Dialect, StorageError, Tx};
use crate::params;

/// Scope of changes every store sees (catalogue, nodes).
pub const GLOBAL: &str = "*";

/// Kinds of entity in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    /// A node (global).
    Node,
    /// A style (global).
    Style,
    /// A SKU (global).
    Sku,
    /// A bundle (global).
    Bundle,
    /// A balance of the scope's store; key `sku|quality`.
    Stock,
    /// A fulfillment order of the scope's store.
    FulfillmentOrder,
    /// A staff member of the scope's store.
    Staff,
}

impl Entity {
    /// Name stored in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Node => "node",
            Entity::Style => "style",
            Entity::Sku => "sku",
            Entity::Bundle => "bundle",
            Entity::Stock => "stock",
            Entity::FulfillmentOrder => "fulfillment_order",
            Entity::Staff => "staff",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Entity> {
        [
            Entity::Node,
            Entity::Style,
            Entity::Sku,
            Entity::Bundle,
            Entity::Stock,
            Entity::FulfillmentOrder,
            Entity::Staff,
        ]
        .into_iter()
        .find(|e| e.as_str() == s)
    }
}

/// A position in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    /// Transaction order (0 on SQLite).
    pub tx: i64,
    /// Sequence within.
    pub seq: i64,
}

/// Logs that `key` of `entity` changed in `scope`.
pub fn record(tx: &mut dyn Tx, scope: &str, entity: Entity, key: &str) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO change_log (scope, entity, entity_key) VALUES ($1, $2, $3)",
        params![scope, entity.as_str(), key],
    )?;
    Ok(())
}

/// Rows with `tx` below this are final: their transactions have all ended, so no row can
/// still appear among them. On SQLite (one writer) every committed row is final.
fn final_below(tx: &mut dyn Tx) -> Result<i64, StorageError> {
    match tx.dialect() {
        Dialect::Sqlite => Ok(i64::MAX),
        Dialect::Postgres => {
            let r = tx.query_opt("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint", params![])?;
            r.map(|r| r.i64(0)).transpose()?.ok_or_else(|| StorageError::Decode("no snapshot".into()))
        }
    }
}

/// The latest position a reader may safely start after: nothing at or before it can
/// still appear later.
pub fn horizon(tx: &mut dyn Tx) -> Result<Position, StorageError> {
    match tx.dialect() {
        Dialect::Sqlite => {
            let r = tx.query_opt("SELECT COALESCE(MAX(seq), 0) FROM change_log", params![])?;
            Ok(Position { tx: 0, seq: r.map(|r| r.i64(0)).transpose()?.unwrap_or(0) })
        }
        Dialect::Postgres => Ok(Position { tx: final_below(tx)? - 1, seq: i64::MAX }),
    }
}

/// One logged change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// Its position.
    pub position: Position,
    /// Entity kind.
    pub entity: Entity,
    /// Entity key.
    pub key: String,
}

/// Changes in `scope` or global after `after`, up to `limit`, in order.
pub fn after(tx: &mut dyn Tx, scope: &str, after: Position, limit: u32) -> Result<Vec<Logged>, StorageError> {
    let below = final_below(tx)?;
    let rows = tx.query(
        "SELECT tx, seq, entity, entity_key FROM change_log
         WHERE scope IN ($1, '*') AND (tx > $2 OR (tx = $2 AND seq > $3)) AND tx < $5
         ORDER BY tx, seq LIMIT $4",
        params![scope, after.tx, after.seq, limit, below],
    )?;
    rows.iter()
        .map(|r| {
            let entity = r.text(2)?;
            Ok(Logged {
                position: Position { tx: r.i64(0)?, seq: r.i64(1)? },
                entity: Entity::parse(&entity).ok_or_else(|| StorageError::Decode(format!("entity {entity}")))?,
                key: r.text(3)?,
            })
        })
        .collect()
}

/// Scopes with changes after `after`, and the newest position seen (for SSE pokes).
pub fn scopes_changed_since(tx: &mut dyn Tx, after: Position) -> Result<(Vec<String>, Position), StorageError> {
    let below = final_below(tx)?;
    let scopes = tx.query(
        "SELECT DISTINCT scope FROM change_log WHERE (tx > $1 OR (tx = $1 AND seq > $2)) AND tx < $3",
        params![after.tx, after.seq, below],
    )?;
    let newest = tx.query_opt(
        "SELECT tx, seq FROM change_log WHERE (tx > $1 OR (tx = $1 AND seq > $2)) AND tx < $3 ORDER BY tx DESC, seq DESC LIMIT 1",
        params![after.tx, after.seq, below],
    )?;
    let newest = match newest {
        Some(r) => Position { tx: r.i64(0)?, seq: r.i64(1)? },
        None => after,
    };
    Ok((scopes.iter().map(|r| r.text(0)).collect::<Result<_, _>>()?, newest))
}
