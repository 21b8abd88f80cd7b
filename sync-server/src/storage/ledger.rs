//! The stock pool: balances, the append-only movement ledger and reservations.
//!
//! Invariants kept here and checked by [`audit`]: a balance's on-hand equals the sum of its
//! movements, and its reserved equals the sum of its active reservations. Removals HQ
//! decides ([`try_record_movement`]) never take on-hand below zero or below reserved; only
//! physical facts (a count finding less) may, and those are flagged for HQ. Reservations are a
//! single conditional UPDATE, so concurrent requests can never reserve more than is
//! available, whatever the backend's isolation level.
//!
//! The `locked` layer (promotion locks, 库存快照) is audited the same way: every change of a
//! balance's locked units is a lock movement (`lock_movement`: lock, draw, return, release,
//! shrink) that leaves on-hand alone, and locked equals both the sum of its lock movements and
//! the units the campaigns still hold there (`campaign_lock.left_qty`). A lock takes only
//! available units, removals HQ decides stop at reserved + locked, and a physical fact that
//! leaves less on hand shrinks the locks (`shared::campaign::excess_locked`), so locked never
//! exceeds on-hand.

use super::{changes, StorageError, Tx};
use crate::params;
use shared::admin::ReservationStatus;
/// Reservations and the audit are sent to HQ as they are: the API's own types.
pub use shared::admin::{Audit, Reservation};
use shared::campaign::excess_locked;
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
    changes::record(tx, node, changes::Entity::Stock, &stock_key(sku, quality))?;
    // Channel allocation: the SKU's published quantities follow its pool in this transaction.
    if quality == Quality::Sellable {
        super::allocation::stock_changed(tx, sku, None)?;
    }
    Ok(())
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
    if m.delta < 0 && m.quality == Quality::Sellable {
        shrink_locks(tx, m.node, m.sku, m.reference, now_ms)?;
    }
    touched(tx, m.node, m.sku, m.quality)
}

/// Appends a movement unless it would take the balance's on-hand below zero or below what
/// is reserved and locked: one conditional UPDATE, so a concurrent reservation or removal cannot slip
/// in between check and write. Adding units always succeeds. Returns false, changing
/// nothing, when the movement is refused.
pub fn try_record_movement(tx: &mut dyn Tx, m: &Movement<'_>, now_ms: i64) -> Result<bool, StorageError> {
    if m.delta >= 0 {
        record_movement(tx, m, now_ms)?;
        return Ok(true);
    }
    let n = tx.exec(
        "UPDATE stock_balance SET on_hand = on_hand + $4
         WHERE node_code = $1 AND sku_code = $2 AND quality = $3 AND on_hand + $4 >= 0 AND on_hand + $4 >= reserved + locked",
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
        expires_ms: r.opt_i64(6)?,
    })
}

/// A reservation by id.
pub fn reservation(tx: &mut dyn Tx, id: &str) -> Result<Option<Reservation>, StorageError> {
    tx.query_opt(
        "SELECT id, reference, node_code, sku_code, qty, status, expires_ms FROM reservation WHERE id = $1",
        params![id],
    )?
    .map(|r| reservation_from_row(&r))
    .transpose()
}

/// A reservation by the caller's reference.
pub fn reservation_by_reference(tx: &mut dyn Tx, reference: &str) -> Result<Option<Reservation>, StorageError> {
    tx.query_opt(
        "SELECT id, reference, node_code, sku_code, qty, status, expires_ms FROM reservation WHERE reference = $1",
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
    if how == Close::Release && return_to_lock(tx, &r, now_ms)? {
        return Ok(true);
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
    // The locked layer against its lock movements and against what the campaigns hold.
    let locks = tx.query(
        "SELECT b.node_code, b.sku_code, b.quality FROM stock_balance b
         LEFT JOIN (SELECT node_code, sku_code, SUM(delta) AS total FROM lock_movement GROUP BY node_code, sku_code) m
           ON m.node_code = b.node_code AND m.sku_code = b.sku_code AND b.quality = 'sellable'
         LEFT JOIN (SELECT node_code, sku_code, SUM(left_qty) AS total FROM campaign_lock GROUP BY node_code, sku_code) c
           ON c.node_code = b.node_code AND c.sku_code = b.sku_code AND b.quality = 'sellable'
         WHERE b.locked <> COALESCE(m.total, 0) OR b.locked <> COALESCE(c.total, 0) OR (b.locked > 0 AND b.locked > b.on_hand) LIMIT 100",
        params![],
    )?;
    let mut ledger_mismatches: Vec<String> = ledger.iter().map(key).collect::<Result<_, _>>()?;
    for r in &locks {
        ledger_mismatches.push(format!("{}/locked", key(r)?));
    }
    Ok(Audit {
        balances: counts.i64(0)? as u64,
        movements: counts.i64(1)? as u64,
        ledger_mismatches,
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

#[allow(clippy::too_many_arguments)]
fn lock_movement(
    tx: &mut dyn Tx,
    node: &str,
    sku: &str,
    delta: i64,
    reason: &str,
    campaign: &str,
    reference: &str,
    now_ms: i64,
) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO lock_movement (node_code, sku_code, delta, reason, campaign_code, reference, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![node, sku, delta, reason, campaign, reference, now_ms],
    )?;
    Ok(())
}

/// Locks `qty` available units of a balance for `campaign` (the `locked` layer, with a lock
/// movement): one conditional UPDATE, so it never takes units another request reserved or
/// locked. Returns false, changing nothing, when fewer are available.
pub fn try_lock(
    tx: &mut dyn Tx,
    campaign: &str,
    node: &str,
    sku: &str,
    qty: i64,
    now_ms: i64,
) -> Result<bool, StorageError> {
    let n = tx.exec(
        "UPDATE stock_balance SET locked = locked + $3
         WHERE node_code = $1 AND sku_code = $2 AND quality = 'sellable' AND on_hand - reserved - safety - locked >= $3",
        params![node, sku, qty],
    )?;
    if n == 0 {
        return Ok(false);
    }
    tx.exec(
        "INSERT INTO campaign_lock (campaign_code, node_code, sku_code, locked, left_qty) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (campaign_code, node_code, sku_code)
         DO UPDATE SET locked = campaign_lock.locked + excluded.locked, left_qty = campaign_lock.left_qty + excluded.left_qty",
        params![campaign, node, sku, qty],
    )?;
    lock_movement(tx, node, sku, qty, "lock", campaign, campaign, now_ms)?;
    touched(tx, node, sku, Quality::Sellable)?;
    Ok(true)
}

/// Units `campaign` still holds at a balance.
pub fn lock_left(tx: &mut dyn Tx, campaign: &str, node: &str, sku: &str) -> Result<i64, StorageError> {
    Ok(tx
        .query_opt(
            "SELECT left_qty FROM campaign_lock WHERE campaign_code = $1 AND node_code = $2 AND sku_code = $3",
            params![campaign, node, sku],
        )?
        .map(|r| r.i64(0))
        .transpose()?
        .unwrap_or(0))
}

/// Gives everything `campaign` still holds at a balance back to the pool (`reason`:
/// `release` at the end or early); answers how many units. Harmless when nothing is left.
pub fn release_lock(
    tx: &mut dyn Tx,
    campaign: &str,
    node: &str,
    sku: &str,
    reason: &str,
    now_ms: i64,
) -> Result<i64, StorageError> {
    loop {
        let left = lock_left(tx, campaign, node, sku)?;
        if left == 0 {
            return Ok(0);
        }
        // Conditional on what was read: a concurrent draw changes left_qty and this reads again.
        let n = tx.exec(
            "UPDATE campaign_lock SET left_qty = 0, released = released + $4
             WHERE campaign_code = $1 AND node_code = $2 AND sku_code = $3 AND left_qty = $4",
            params![campaign, node, sku, left],
        )?;
        if n == 0 {
            continue;
        }
        tx.exec(
            "UPDATE stock_balance SET locked = locked - $3 WHERE node_code = $1 AND sku_code = $2 AND quality = 'sellable'",
            params![node, sku, left],
        )?;
        lock_movement(tx, node, sku, -left, reason, campaign, campaign, now_ms)?;
        touched(tx, node, sku, Quality::Sellable)?;
        return Ok(left);
    }
}

/// Reserves `qty` units of `campaign`'s lock at a balance: locked → reserved (on-hand
/// unchanged), an ordinary active reservation `id` closed like any other. Returns false,
/// changing nothing, when the lock holds fewer units there.
#[allow(clippy::too_many_arguments)]
pub fn reserve_locked(
    tx: &mut dyn Tx,
    campaign: &str,
    id: &str,
    reference: Option<&str>,
    node: &str,
    sku: &str,
    qty: i64,
    now_ms: i64,
) -> Result<bool, StorageError> {
    let n = tx.exec(
        "UPDATE campaign_lock SET left_qty = left_qty - $4, sold = sold + $4
         WHERE campaign_code = $1 AND node_code = $2 AND sku_code = $3 AND left_qty >= $4",
        params![campaign, node, sku, qty],
    )?;
    if n == 0 {
        return Ok(false);
    }
    tx.exec(
        "UPDATE stock_balance SET locked = locked - $3, reserved = reserved + $3
         WHERE node_code = $1 AND sku_code = $2 AND quality = 'sellable'",
        params![node, sku, qty],
    )?;
    tx.exec(
        "INSERT INTO reservation (id, reference, node_code, sku_code, qty, status, created_ms) VALUES ($1, $2, $3, $4, $5, 'active', $6)",
        params![id, reference, node, sku, qty, now_ms],
    )?;
    tx.exec(
        "INSERT INTO lock_draw (reservation_id, campaign_code, node_code, sku_code, qty) VALUES ($1, $2, $3, $4, $5)",
        params![id, campaign, node, sku, qty],
    )?;
    lock_movement(tx, node, sku, -qty, "draw", campaign, id, now_ms)?;
    touched(tx, node, sku, Quality::Sellable)?;
    Ok(true)
}

/// A released reservation drawn from a lock whose campaign still runs gives its units back
/// to the lock (an order cancelled during a live stream is sold again in it), not to the
/// pool. The campaign row is touched first: the release at the window's end touches it too,
/// so the two cannot interleave (PostgreSQL row lock; SQLite has one writer).
fn return_to_lock(tx: &mut dyn Tx, r: &Reservation, now_ms: i64) -> Result<bool, StorageError> {
    let Some(row) =
        tx.query_opt("SELECT campaign_code, qty FROM lock_draw WHERE reservation_id = $1", params![&r.id])?
    else {
        return Ok(false);
    };
    let campaign = row.text(0)?;
    let qty = row.i64(1)?.min(r.qty);
    let open = tx.exec(
        "UPDATE campaign SET closed_ms = closed_ms
         WHERE code = $1 AND closed_ms IS NULL AND starts_ms <= $2 AND ends_ms > $2",
        params![&campaign, now_ms],
    )?;
    if open == 0 || qty <= 0 {
        return Ok(false);
    }
    tx.exec(
        "UPDATE campaign_lock SET left_qty = left_qty + $4, sold = sold - $4
         WHERE campaign_code = $1 AND node_code = $2 AND sku_code = $3",
        params![&campaign, &r.node_code, &r.sku_code, qty],
    )?;
    tx.exec(
        "UPDATE stock_balance SET reserved = reserved - $3, locked = locked + $4
         WHERE node_code = $1 AND sku_code = $2 AND quality = 'sellable'",
        params![&r.node_code, &r.sku_code, r.qty, qty],
    )?;
    lock_movement(tx, &r.node_code, &r.sku_code, qty, "return", &campaign, &r.id, now_ms)?;
    touched(tx, &r.node_code, &r.sku_code, Quality::Sellable)?;
    Ok(true)
}

/// After a physical fact took on-hand down: unlocks what the balance can no longer back
/// (latest-ending campaigns first), with `shrink` lock movements.
fn shrink_locks(tx: &mut dyn Tx, node: &str, sku: &str, reference: &str, now_ms: i64) -> Result<(), StorageError> {
    let level = balance(tx, node, sku, Quality::Sellable)?;
    let mut excess = excess_locked(&level);
    if excess == 0 {
        return Ok(());
    }
    let rows = tx.query(
        "SELECT l.campaign_code, l.left_qty FROM campaign_lock l JOIN campaign c ON c.code = l.campaign_code
         WHERE l.node_code = $1 AND l.sku_code = $2 AND l.left_qty > 0 ORDER BY c.ends_ms DESC, l.campaign_code",
        params![node, sku],
    )?;
    for r in rows {
        if excess == 0 {
            break;
        }
        let campaign = r.text(0)?;
        let take = r.i64(1)?.min(excess);
        let n = tx.exec(
            "UPDATE campaign_lock SET left_qty = left_qty - $4, released = released + $4
             WHERE campaign_code = $1 AND node_code = $2 AND sku_code = $3 AND left_qty >= $4",
            params![&campaign, node, sku, take],
        )?;
        if n == 0 {
            continue;
        }
        tx.exec(
            "UPDATE stock_balance SET locked = locked - $3 WHERE node_code = $1 AND sku_code = $2 AND quality = 'sellable'",
            params![node, sku, take],
        )?;
        lock_movement(tx, node, sku, -take, "shrink", &campaign, reference, now_ms)?;
        excess -= take;
    }
    Ok(())
}

/// Sets when a channel hold expires.
pub fn set_expiry(tx: &mut dyn Tx, id: &str, expires_ms: i64) -> Result<(), StorageError> {
    tx.exec("UPDATE reservation SET expires_ms = $2 WHERE id = $1", params![id, expires_ms])?;
    Ok(())
}

/// Active holds whose TTL passed by `now_ms`, oldest expiry first, at most `limit`.
pub fn expired_holds(tx: &mut dyn Tx, now_ms: i64, limit: u32) -> Result<Vec<String>, StorageError> {
    tx.query(
        "SELECT id FROM reservation WHERE status = 'active' AND expires_ms IS NOT NULL AND expires_ms <= $1
         ORDER BY expires_ms, id LIMIT $2",
        params![now_ms, limit],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}
