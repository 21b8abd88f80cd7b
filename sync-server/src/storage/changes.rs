//! The change log: which entity changed in whose scope, in commit order.
//!
//! Pull serves the *current* state of every entity logged after the device's cursor, so an
//! entity that changed five times is sent once. Positions are `(tx, seq)`; on SQLite `tx`
//! is always 0 because a single writer commits in `seq` order. On PostgreSQL several
//! writers commit in any order, so `tx` is a commit number given after the commit (see
//! [`position_committed`]); rows still without one are not served yet. Nothing outside this
//! database (another database's transactions on the same server) delays them.

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

/// PostgreSQL: gives every committed row still without a position the next commit number.
/// Run in a transaction of its own right after a write commits (and by a periodic sweep);
/// the advisory lock is held until this transaction commits, so numbers become visible in
/// order and a reader never sees a later one before an earlier one. SQLite (one writer)
/// numbers rows as they are written.
pub fn position_committed(tx: &mut dyn Tx) -> Result<(), StorageError> {
    if tx.dialect() != Dialect::Postgres
        || tx.query_opt("SELECT seq FROM change_log WHERE tx IS NULL LIMIT 1", params![])?.is_none()
    {
        return Ok(());
    }
    tx.exec("SELECT pg_advisory_xact_lock(727211)", params![])?;
    let n = tx
        .query_opt("SELECT nextval('change_log_commit')", params![])?
        .map(|r| r.i64(0))
        .transpose()?
        .ok_or_else(|| StorageError::Decode("no commit number".into()))?;
    tx.exec("UPDATE change_log SET tx = $1 WHERE tx IS NULL", params![n])?;
    Ok(())
}

/// The end of the log as this transaction sees it: nothing at or before it can still
/// appear later, so a reader may start after it, and no cursor this server issued is
/// beyond it.
pub fn horizon(tx: &mut dyn Tx) -> Result<Position, StorageError> {
    match tx.dialect() {
        Dialect::Sqlite => {
            let r = tx.query_opt("SELECT COALESCE(MAX(seq), 0) FROM change_log", params![])?;
            Ok(Position { tx: 0, seq: r.map(|r| r.i64(0)).transpose()?.unwrap_or(0) })
        }
        Dialect::Postgres => {
            let r = tx.query_opt("SELECT CAST(COALESCE(MAX(tx), 0) AS BIGINT) FROM change_log", params![])?;
            Ok(Position { tx: r.map(|r| r.i64(0)).transpose()?.unwrap_or(0), seq: i64::MAX })
        }
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
    let rows = tx.query(
        "SELECT tx, seq, entity, entity_key FROM change_log
         WHERE scope IN ($1, '*') AND tx IS NOT NULL AND (tx > $2 OR (tx = $2 AND seq > $3))
         ORDER BY tx, seq LIMIT $4",
        params![scope, after.tx, after.seq, limit],
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
    let scopes = tx.query(
        "SELECT DISTINCT scope FROM change_log WHERE tx IS NOT NULL AND (tx > $1 OR (tx = $1 AND seq > $2))",
        params![after.tx, after.seq],
    )?;
    let newest = tx.query_opt(
        "SELECT tx, seq FROM change_log WHERE tx IS NOT NULL AND (tx > $1 OR (tx = $1 AND seq > $2)) ORDER BY tx DESC, seq DESC LIMIT 1",
        params![after.tx, after.seq],
    )?;
    let newest = match newest {
        Some(r) => Position { tx: r.i64(0)?, seq: r.i64(1)? },
        None => after,
    };
    Ok((scopes.iter().map(|r| r.text(0)).collect::<Result<_, _>>()?, newest))
}
