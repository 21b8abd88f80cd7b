//! The stock pool: balances, the append-only movement ledger and reservations.
//!
//! Invariants kept here and checked by [`audit`]: a balance's on-hand equals the sum of its
//! movements, and its reserved equals the sum of its active reservations. Removals HQ
//! decides ([`try_record_movement`]) never take on-hand below zero or below reserved; only
//! physical facts (a count finding less) may, and those are flagged for HQ. Reservations are a
//! single conditional UPDATE, so concurrent requests can never reserve more than is
//! available, whatever the backend's isolation level.

use super::{changes, StorageError, Tx};
use crate::params;
use shared::admin::ReservationStatus;
/// Reservations and the audit are sent to HQ as they are: the API's own types.
pub use shared::admin::{Audit, Reservation};
use shared::protocol::StockRecord;
use shared::stock::{MovementReason, Quality, StockLevel};

/// The change-log key of a balance.
pub fn stock_key(sku: &str, quality: Quality) -> String {
    format!("{sku}|{}", quality.as_str())
}

fn ensure_balance(tx: &mut dyn Tx, node: &str, sku: &str, quality: Quality) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO stock_balance (node_code, sku_code, quality) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        params![node, sku, quality.as_str()],
    )?;
    Ok(())
}

fn touched(tx: &mut dyn Tx, node: &str, sku: &str, quality: Quality) -> Result<(), StorageError> {
    changes::record(tx, node, changes::Entity::Stock, &stock_key(sku, quality))
}

/// One balance (zeros if none).
pub fn balance(tx: &mut dyn Tx, node: &str, sku: &str, quality: Quality) -> Result<StockLevel, StorageError> {
    Ok(tx
        .query_opt(
            "SELECT on_hand, reserved, safety, locked FROM stock_balance WHERE node_code = $1 AND sku_code = $2 AND quality = $3",
            params![node, sku, quality.as_str()],
        )?
        .map(|r| -> Result<StockLevel, StorageError> {
            Ok(StockLevel { on_hand: r.i64(0)?, reserved: r.i64(1)?, safety: r.i64(2)?, locked: r.i64(3)? })
        })
        .transpose()?
        .unwrap_or_default())
}

/// A movement for the ledger.
pub struct Movement<'a> {
    /// Node.
    pub node: &'a str,
    /// SKU.
    pub sku: &'a str,
    /// Stock layer.
    pub quality: Quality,
    /// Units in (+) or out (−).
    pub delta: i64,
    /// Why.
    pub reason: MovementReason,
    /// What caused it (order, count, batch id).
    pub reference: &'a str,
}

/// Appends a movement and applies it to the balance.
pub fn record_movement(tx: &mut dyn Tx, m: &Movement<'_>, now_ms: i64) -> Result<(), StorageError> {
    if m.delta == 0 {
        return Ok(());
    }
    ensure_balance(tx, m.node, m.sku, m.quality)?;
    tx.exec(
        "INSERT INTO stock_movement (node_code, sku_code, quality, delta, reason, reference, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![m.node, m.sku, m.quality.as_str(), m.delta, m.reason.as_str(), m.reference, now_ms],
    )?;
    tx.exec(
        "UPDATE stock_balance SET on_hand = on_hand + $4 WHERE node_code = $1 AND sku_code = $2 AND quality = $3",
        params![m.node, m.sku, m.quality.as_str(), m.delta],
    )?;
    touched(tx, m.node, m.sku, m.quality)
}

/// Appends a movement unless it would take the balance's on-hand below zero or below what
/// is reserved: one conditional UPDATE, so a concurrent reservation or removal cannot slip
/// in between check and write. Adding units always succeeds. Returns false, changing
/// nothing, when the movement is refused.
pub fn try_record_movement(tx: &mut dyn Tx, m: &Movement<'_>, now_ms: i64) -> Result<bool, StorageError> {
    if m.delta >= 0 {
        record_movement(tx, m, now_ms)?;
        return Ok(true);
    }
    let n = tx.exec(
        "UPDATE stock_balance SET on_hand = on_hand + $4
         WHERE node_code = $1 AND sku_code = $2 AND quality = $3 AND on_hand + $4 >= 0 AND on_hand + $4 >= reserved",
        params![m.node, m.sku, m.quality.as_str(), m.delta],
    )?;
    if n == 0 {
        return Ok(false);
    }
    tx.exec(
        "INSERT INTO stock_movement (node_code, sku_code, quality, delta, reason, reference, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![m.node, m.sku, m.quality.as_str(), m.delta, m.reason.as_str(), m.reference, now_ms],
    )?;
    touched(tx, m.node, m.sku, m.quality)?;
    Ok(true)
}

/// The digest an ERP adjustment batch was applied with, if it was.
pub fn adjustment_batch_digest(tx: &mut dyn Tx, batch_id: &str) -> Result<Option<String>, StorageError> {
    tx.query_opt("SELECT digest FROM adjustment_batch WHERE batch_id = $1", params![batch_id])?
        .map(|r| r.text(0))
        .transpose()
}

/// Records that an ERP adjustment batch was applied.
pub fn insert_adjustment_batch(tx: &mut dyn Tx, batch_id: &str, digest: &str, now_ms: i64) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO adjustment_batch (batch_id, digest, applied_ms) VALUES ($1, $2, $3)",
        params![batch_id, digest, now_ms],
    )?;
    Ok(())
}

/// Sets the safety stock of a balance.
pub fn set_safety(tx: &mut dyn Tx, node: &str, sku: &str, quality: Quality, safety: i64) -> Result<(), StorageError> {
    ensure_balance(tx, node, sku, quality)?;
    let n = tx.exec(
        "UPDATE stock_balance SET safety = $4 WHERE node_code = $1 AND sku_code = $2 AND quality = $3 AND safety <> $4",
        params![node, sku, quality.as_str(), safety],
    )?;
    if n > 0 {
        touched(tx, node, sku, quality)?;
    }
    Ok(())
}

/// Reserves `qty` sellable units if available: one conditional UPDATE, then the
/// reservation row. Returns false, changing nothing, when not enough is available.
pub fn try_reserve(
    tx: &mut dyn Tx,
    id: &str,
    reference: Option<&str>,
    node: &str,
    sku: &str,
    qty: i64,
    now_ms: i64,
) -> Result<bool, StorageError> {
    reserve_if(tx, id, reference, node, sku, qty, false, now_ms)
}

/// [`try_reserve`] for the node's own store selling from its shelf: its safety stock counts
/// (see `StockLevel::available_to_own_store`).
pub fn try_reserve_own_shelf(
    tx: &mut dyn Tx,
    id: &str,
    node: &str,
    sku: &str,
    qty: i64,
    now_ms: i64,
) -> Result<bool, StorageError> {
    reserve_if(tx, id, None, node, sku, qty, true, now_ms)
}

#[allow(clippy::too_many_arguments)]
fn reserve_if(
    tx: &mut dyn Tx,
    id: &str,
    reference: Option<&str>,
    node: &str,
    sku: &str,
    qty: i64,
    own_shelf: bool,
    now_ms: i64,
) -> Result<bool, StorageError> {
    let sql = if own_shelf {
        "UPDATE stock_balance SET reserved = reserved + $3
         WHERE node_code = $1 AND sku_code = $2 AND quality = 'sellable' AND on_hand - reserved - locked >= $3"
    } else {
        "UPDATE stock_balance SET reserved = reserved + $3
         WHERE node_code = $1 AND sku_code = $2 AND quality = 'sellable' AND on_hand - reserved - safety - locked >= $3"
    };
    let n = tx.exec(sql, params![node, sku, qty])?;
    if n == 0 {
        return Ok(false);
    }
    tx.exec(
        "INSERT INTO reservation (id, reference, node_code, sku_code, qty, status, created_ms) VALUES ($1, $2, $3, $4, $5, 'active', $6)",
        params![id, reference, node, sku, qty, now_ms],
    )?;
    touched(tx, node, sku, Quality::Sellable)?;
    Ok(true)
}

fn reservation_from_row(r: &super::Row) -> Result<Reservation, StorageError> {
    Ok(Reservation {
        id: r.text(0)?,
        reference: r.opt_text(1)?,
        node_code: r.text(2)?,
        sku_code: r.text(3)?,
        qty: r.i64(4)?,
        status: {
            let status = r.text(5)?;
            ReservationStatus::parse(&status)
                .ok_or_else(|| StorageError::Decode(format!("reservation status {status}")))?
        },
    })
}

/// A reservation by id.
pub fn reservation(tx: &mut dyn Tx, id: &str) -> Result<Option<Reservation>, StorageError> {
    tx.query_opt("SELECT id, reference, node_code, sku_code, qty, status FROM reservation WHERE id = $1", params![id])?
        .map(|r| reservation_from_row(&r))
        .transpose()
}

/// A reservation by the caller's reference.
pub fn reservation_by_reference(tx: &mut dyn Tx, reference: &str) -> Result<Option<Reservation>, StorageError> {
    tx.query_opt(
        "SELECT id, reference, node_code, sku_code, qty, status FROM reservation WHERE reference = $1",
        params![reference],
    )?
    .map(|r| reservation_from_row(&r))
    .transpose()
}

/// How an active reservation ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Close {
    /// The units were not needed after all.
    Release,
    /// The goods left the node: on-hand falls too, with a fulfilment movement.
    Consume,
}

/// Ends an active reservation. Returns false if it was not active (already closed).
pub fn close_reservation(
    tx: &mut dyn Tx,
    id: &str,
    how: Close,
    reference: &str,
    now_ms: i64,
) -> Result<bool, StorageError> {
    let Some(r) = reservation(tx, id)? else { return Ok(false) };
    let status = match how {
        Close::Release => "released",
        Close::Consume => "consumed",
    };
    let n = tx.exec(
        "UPDATE reservation SET status = $2, closed_ms = $3 WHERE id = $1 AND status = 'active'",
        params![id, status, now_ms],
    )?;
    if n == 0 {
        return Ok(false);
    }
    tx.exec(
        "UPDATE stock_balance SET reserved = reserved - $3 WHERE node_code = $1 AND sku_code = $2 AND quality = 'sellable'",
        params![&r.node_code, &r.sku_code, r.qty],
    )?;
    touched(tx, &r.node_code, &r.sku_code, Quality::Sellable)?;
    if how == Close::Consume {
        let m = Movement {
            node: &r.node_code,
            sku: &r.sku_code,
            quality: Quality::Sellable,
            delta: -r.qty,
            reason: MovementReason::Fulfilment,
            reference,
        };
        record_movement(tx, &m, now_ms)?;
    }
    Ok(true)
}

/// Sellable availability of `sku` at every node that has a balance, as an order placed by
/// `own_store` (if any) sees it: that store's own shelf includes its safety stock (see
/// `StockLevel::available_to_own_store`), every other node's does not.
pub fn availability(tx: &mut dyn Tx, sku: &str, own_store: Option<&str>) -> Result<Vec<(String, i64)>, StorageError> {
    tx.query(
        "SELECT node_code,
                on_hand - reserved - locked - CASE WHEN node_code = CAST($2 AS TEXT) THEN 0 ELSE safety END
         FROM stock_balance WHERE sku_code = $1 AND quality = 'sellable'",
        params![sku, own_store],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.i64(1)?.max(0))))
    .collect()
}

fn record_from_row(r: &super::Row) -> Result<StockRecord, StorageError> {
    let quality = r.text(1)?;
    let level = StockLevel { on_hand: r.i64(2)?, reserved: r.i64(3)?, safety: r.i64(4)?, locked: r.i64(5)? };
    Ok(StockRecord {
        sku_code: r.text(0)?,
        quality: Quality::parse(&quality).ok_or_else(|| StorageError::Decode(format!("quality {quality}")))?,
        on_hand: level.on_hand,
        reserved: level.reserved,
        safety: level.safety,
        locked: level.locked,
        lease: level.lease(),
    })
}

/// A node's stock of one SKU and quality as a device sees it.
pub fn stock_record(tx: &mut dyn Tx, node: &str, sku: &str, quality: Quality) -> Result<StockRecord, StorageError> {
    let l = balance(tx, node, sku, quality)?;
    Ok(StockRecord {
        sku_code: sku.to_string(),
        quality,
        on_hand: l.on_hand,
        reserved: l.reserved,
        safety: l.safety,
        locked: l.locked,
        lease: l.lease(),
    })
}

/// A node's balances after `(sku, quality)` in key order, for bootstrap pages.
pub fn stock_after(
    tx: &mut dyn Tx,
    node: &str,
    after_sku: &str,
    after_quality: &str,
    limit: u32,
) -> Result<Vec<StockRecord>, StorageError> {
    tx.query(
        "SELECT sku_code, quality, on_hand, reserved, safety, locked FROM stock_balance
         WHERE node_code = $1 AND (sku_code > $2 OR (sku_code = $2 AND quality > $3))
         ORDER BY sku_code, quality LIMIT $4",
        params![node, after_sku, after_quality, limit],
    )?
    .iter()
    .map(record_from_row)
    .collect()
}

/// A node's balances, all of them (HQ view).
pub fn node_stock(tx: &mut dyn Tx, node: &str, sku: Option<&str>) -> Result<Vec<StockRecord>, StorageError> {
    tx.query(
        "SELECT sku_code, quality, on_hand, reserved, safety, locked FROM stock_balance
         WHERE node_code = $1 AND (CAST($2 AS TEXT) IS NULL OR sku_code = $2) ORDER BY sku_code, quality LIMIT 10000",
        params![node, sku],
    )?
    .iter()
    .map(record_from_row)
    .collect()
}

/// Number of balances of a node, for bootstrap progress.
pub fn count_balances(tx: &mut dyn Tx, node: &str) -> Result<u64, StorageError> {
    let r = tx.query_opt("SELECT COUNT(*) FROM stock_balance WHERE node_code = $1", params![node])?;
    Ok(r.map(|r| r.i64(0)).transpose()?.unwrap_or(0) as u64)
}

/// Checks that every balance equals its ledger and reservations.
pub fn audit(tx: &mut dyn Tx) -> Result<Audit, StorageError> {
    let counts = tx
        .query_opt("SELECT (SELECT COUNT(*) FROM stock_balance), (SELECT COUNT(*) FROM stock_movement)", params![])?
        .ok_or_else(|| StorageError::Decode("no counts".into()))?;
    let key = |r: &super::Row| -> Result<String, StorageError> {
        Ok(format!("{}/{}/{}", r.text(0)?, r.text(1)?, r.text(2)?))
    };
    let ledger = tx.query(
        "SELECT b.node_code, b.sku_code, b.quality FROM stock_balance b
         LEFT JOIN (SELECT node_code, sku_code, quality, SUM(delta) AS total FROM stock_movement GROUP BY node_code, sku_code, quality) m
           ON m.node_code = b.node_code AND m.sku_code = b.sku_code AND m.quality = b.quality
         WHERE b.on_hand <> COALESCE(m.total, 0) LIMIT 100",
        params![],
    )?;
    let reservations = tx.query(
        "SELECT b.node_code, b.sku_code, b.quality FROM stock_balance b
         LEFT JOIN (SELECT node_code, sku_code, SUM(qty) AS total FROM reservation WHERE status = 'active' GROUP BY node_code, sku_code) r
           ON r.node_code = b.node_code AND r.sku_code = b.sku_code AND b.quality = 'sellable'
         WHERE b.reserved <> COALESCE(r.total, 0) LIMIT 100",
        params![],
    )?;
    let oversold = tx.query(
        "SELECT node_code, sku_code, quality FROM stock_balance WHERE reserved > on_hand LIMIT 100",
        params![],
    )?;
    Ok(Audit {
        balances: counts.i64(0)? as u64,
        movements: counts.i64(1)? as u64,
        ledger_mismatches: ledger.iter().map(key).collect::<Result<_, _>>()?,
        reservation_mismatches: reservations.iter().map(key).collect::<Result<_, _>>()?,
        oversold: oversold.iter().map(key).collect::<Result<_, _>>()?,
    })
}

/// Shrinks an active reservation to `qty` units (a short pick), releasing the rest; zero
/// releases it. Returns false if it was not active.
pub fn shrink_reservation(
    tx: &mut dyn Tx,
    id: &str,
    qty: i64,
    reference: &str,
    now_ms: i64,
) -> Result<bool, StorageError> {
    if qty <= 0 {
        return close_reservation(tx, id, Close::Release, reference, now_ms);
    }
    let Some(r) = reservation(tx, id)? else { return Ok(false) };
    if r.status != ReservationStatus::Active || qty >= r.qty {
        return Ok(r.status == ReservationStatus::Active);
    }
    tx.exec("UPDATE reservation SET qty = $2 WHERE id = $1", params![id, qty])?;
    tx.exec(
        "UPDATE stock_balance SET reserved = reserved - $3 WHERE node_code = $1 AND sku_code = $2 AND quality = 'sellable'",
        params![&r.node_code, &r.sku_code, r.qty - qty],
    )?;
    touched(tx, &r.node_code, &r.sku_code, Quality::Sellable)?;
    Ok(true)
}

/// Sellable units available to promise across every node, per SKU after `after`.
pub fn network_availability(tx: &mut dyn Tx, after: &str, limit: u32) -> Result<Vec<(String, i64)>, StorageError> {
    tx.query(
        "SELECT sku_code, CAST(SUM(CASE WHEN on_hand - reserved - safety - locked > 0 THEN on_hand - reserved - safety - locked ELSE 0 END) AS BIGINT)
         FROM stock_balance WHERE quality = 'sellable' AND sku_code > $1 GROUP BY sku_code ORDER BY sku_code LIMIT $2",
        params![after, limit],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.i64(1)?)))
    .collect()
}
