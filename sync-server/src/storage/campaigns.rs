//! Campaigns (their windows and locks), presales and their queues, the employee store's
//! prices and usage, and this module's versioned HQ configuration. The `locked` layer itself
//! changes only through `ledger` (`try_lock`, `reserve_locked`, `release_lock`), which keeps it
//! audited.

use super::{StorageError, Tx};
use crate::params;
use shared::campaign::{LockLine, PresaleLine, PresaleOrder, PresaleStatus};
use shared::clearance::SkuActivity;
use uuid::Uuid;

/// A campaign as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignRow {
    /// Code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Window start (ms).
    pub starts_ms: i64,
    /// Window end (ms).
    pub ends_ms: i64,
    /// Created (ms).
    pub created_ms: i64,
    /// When its remainder was released, if it was.
    pub closed_ms: Option<i64>,
    /// Released early by HQ.
    pub early: bool,
}

const CAMPAIGN_COLUMNS: &str = "code, name, starts_ms, ends_ms, created_ms, closed_ms, early";

fn campaign_from_row(r: &super::Row) -> Result<CampaignRow, StorageError> {
    Ok(CampaignRow {
        code: r.text(0)?,
        name: r.text(1)?,
        starts_ms: r.i64(2)?,
        ends_ms: r.i64(3)?,
        created_ms: r.i64(4)?,
        closed_ms: r.opt_i64(5)?,
        early: r.i64(6)? != 0,
    })
}

/// Inserts a campaign; false when the code is taken.
pub fn insert_campaign(tx: &mut dyn Tx, c: &CampaignRow) -> Result<bool, StorageError> {
    let n = tx.exec(
        "INSERT INTO campaign (code, name, starts_ms, ends_ms, created_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        params![&c.code, &c.name, c.starts_ms, c.ends_ms, c.created_ms],
    )?;
    Ok(n == 1)
}

/// A campaign by code.
pub fn campaign(tx: &mut dyn Tx, code: &str) -> Result<Option<CampaignRow>, StorageError> {
    tx.query_opt(&format!("SELECT {CAMPAIGN_COLUMNS} FROM campaign WHERE code = $1"), params![code])?
        .map(|r| campaign_from_row(&r))
        .transpose()
}

/// Campaigns, latest window first, at most `limit`.
pub fn campaigns(tx: &mut dyn Tx, limit: u32) -> Result<Vec<CampaignRow>, StorageError> {
    tx.query(&format!("SELECT {CAMPAIGN_COLUMNS} FROM campaign ORDER BY ends_ms DESC, code LIMIT $1"), params![limit])?
        .iter()
        .map(campaign_from_row)
        .collect()
}

/// Marks a campaign closed (its remainder is being released now); false when it already was.
/// Touching the row first orders this against returns into the lock (see `ledger`).
pub fn close_campaign(tx: &mut dyn Tx, code: &str, early: bool, now_ms: i64) -> Result<bool, StorageError> {
    let n = tx.exec(
        "UPDATE campaign SET closed_ms = $2, early = $3 WHERE code = $1 AND closed_ms IS NULL",
        params![code, now_ms, i64::from(early)],
    )?;
    Ok(n == 1)
}

/// Open campaigns whose window ended by `now_ms`, at most `limit`.
pub fn ended_campaigns(tx: &mut dyn Tx, now_ms: i64, limit: u32) -> Result<Vec<String>, StorageError> {
    tx.query(
        "SELECT code FROM campaign WHERE closed_ms IS NULL AND ends_ms <= $1 ORDER BY ends_ms, code LIMIT $2",
        params![now_ms, limit],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

/// A campaign's locked balances, by node and SKU.
pub fn lock_lines(tx: &mut dyn Tx, code: &str) -> Result<Vec<LockLine>, StorageError> {
    tx.query(
        "SELECT node_code, sku_code, locked, left_qty, sold, released FROM campaign_lock
         WHERE campaign_code = $1 ORDER BY node_code, sku_code",
        params![code],
    )?
    .iter()
    .map(|r| {
        Ok(LockLine {
            node_code: r.text(0)?,
            sku_code: r.text(1)?,
            locked: r.i64(2)?,
            left: r.i64(3)?,
            sold: r.i64(4)?,
            released: r.i64(5)?,
        })
    })
    .collect()
}

/// Where a campaign's lock covers `sku`: (node, units left), by node.
pub fn lock_for_sku(tx: &mut dyn Tx, code: &str, sku: &str) -> Result<Vec<(String, i64)>, StorageError> {
    tx.query(
        "SELECT node_code, left_qty FROM campaign_lock WHERE campaign_code = $1 AND sku_code = $2 ORDER BY node_code",
        params![code, sku],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.i64(1)?)))
    .collect()
}

/// Sellable units available to lock of `sku` at every node with a balance.
pub fn lockable(tx: &mut dyn Tx, sku: &str) -> Result<Vec<(String, i64)>, StorageError> {
    tx.query(
        "SELECT node_code, on_hand - reserved - safety - locked FROM stock_balance
         WHERE sku_code = $1 AND quality = 'sellable' ORDER BY node_code",
        params![sku],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.i64(1)?.max(0))))
    .collect()
}

// Presales ------------------------------------------------------------------------------

/// A presale as stored (without lines and orders).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresaleRow {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Node of the expected receipt.
    pub node_code: String,
    /// Promise date (ms).
    pub promise_ms: i64,
    /// Open or closed.
    pub status: PresaleStatus,
    /// Created (ms).
    pub created_ms: i64,
}

/// Inserts a presale with its lines `(sku, expected, quota)`; false when the code is taken.
pub fn insert_presale(tx: &mut dyn Tx, p: &PresaleRow, lines: &[(String, i64, i64)]) -> Result<bool, StorageError> {
    let n = tx.exec(
        "INSERT INTO presale (code, name, node_code, promise_ms, status, created_ms) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING",
        params![&p.code, &p.name, &p.node_code, p.promise_ms, p.status.as_str(), p.created_ms],
    )?;
    if n == 0 {
        return Ok(false);
    }
    for (sku, expected, quota) in lines {
        tx.exec(
            "INSERT INTO presale_line (presale_code, sku_code, expected, quota) VALUES ($1, $2, $3, $4)",
            params![&p.code, sku, *expected, *quota],
        )?;
    }
    Ok(true)
}

/// A presale by code.
pub fn presale(tx: &mut dyn Tx, code: &str) -> Result<Option<PresaleRow>, StorageError> {
    tx.query_opt(
        "SELECT code, name, node_code, promise_ms, status, created_ms FROM presale WHERE code = $1",
        params![code],
    )?
    .map(|r| presale_from_row(&r))
    .transpose()
}

fn presale_from_row(r: &super::Row) -> Result<PresaleRow, StorageError> {
    let status = r.text(4)?;
    Ok(PresaleRow {
        code: r.text(0)?,
        name: r.text(1)?,
        node_code: r.text(2)?,
        promise_ms: r.i64(3)?,
        status: PresaleStatus::parse(&status)
            .ok_or_else(|| StorageError::Decode(format!("presale status {status}")))?,
        created_ms: r.i64(5)?,
    })
}

/// Presales, latest promise first, at most `limit`.
pub fn presales(tx: &mut dyn Tx, limit: u32) -> Result<Vec<PresaleRow>, StorageError> {
    tx.query(
        "SELECT code, name, node_code, promise_ms, status, created_ms FROM presale ORDER BY promise_ms DESC, code LIMIT $1",
        params![limit],
    )?
    .iter()
    .map(presale_from_row)
    .collect()
}

/// Sets a presale's status.
pub fn set_presale_status(tx: &mut dyn Tx, code: &str, status: PresaleStatus) -> Result<(), StorageError> {
    tx.exec("UPDATE presale SET status = $2 WHERE code = $1", params![code, status.as_str()])?;
    Ok(())
}

/// A presale's lines.
pub fn presale_lines(tx: &mut dyn Tx, code: &str) -> Result<Vec<PresaleLine>, StorageError> {
    tx.query(
        "SELECT sku_code, expected, quota, sold FROM presale_line WHERE presale_code = $1 ORDER BY sku_code",
        params![code],
    )?
    .iter()
    .map(|r| Ok(PresaleLine { sku_code: r.text(0)?, expected: r.i64(1)?, quota: r.i64(2)?, sold: r.i64(3)? }))
    .collect()
}

/// Takes `qty` of a presale line's quota: one conditional UPDATE, so concurrent orders
/// never oversell it. False, changing nothing, when less is left.
pub fn take_quota(tx: &mut dyn Tx, code: &str, sku: &str, qty: i64) -> Result<bool, StorageError> {
    let n = tx.exec(
        "UPDATE presale_line SET sold = sold + $3 WHERE presale_code = $1 AND sku_code = $2 AND sold + $3 <= quota",
        params![code, sku, qty],
    )?;
    Ok(n == 1)
}

/// Queues an order in a presale; false when it already is in one.
pub fn queue_presale_order(tx: &mut dyn Tx, code: &str, order: Uuid, now_ms: i64) -> Result<bool, StorageError> {
    let n = tx.exec(
        "INSERT INTO presale_order (order_id, presale_code, accepted_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        params![order, code, now_ms],
    )?;
    Ok(n == 1)
}

/// A presale's orders in queue order (at most `limit`), the waiting ones only if asked.
pub fn presale_orders(
    tx: &mut dyn Tx,
    code: &str,
    waiting_only: bool,
    limit: u32,
) -> Result<Vec<PresaleOrder>, StorageError> {
    tx.query(
        "SELECT order_id, seq, accepted_ms, routed_ms FROM presale_order
         WHERE presale_code = $1 AND (CAST($2 AS BIGINT) = 0 OR routed_ms IS NULL) ORDER BY seq LIMIT $3",
        params![code, i64::from(waiting_only), limit],
    )?
    .iter()
    .map(|r| {
        let id = r.text(0)?;
        Ok(PresaleOrder {
            order_id: Uuid::parse_str(&id).map_err(|e| StorageError::Decode(format!("order id {id}: {e}")))?,
            seq: r.i64(1)?,
            accepted_ms: r.i64(2)?,
            routed_ms: r.opt_i64(3)?,
        })
    })
    .collect()
}

/// Marks a queued order routed.
pub fn mark_presale_routed(tx: &mut dyn Tx, order: Uuid, now_ms: i64) -> Result<(), StorageError> {
    tx.exec(
        "UPDATE presale_order SET routed_ms = $2 WHERE order_id = $1 AND routed_ms IS NULL",
        params![order, now_ms],
    )?;
    Ok(())
}

/// Presales with orders still waiting, oldest first.
pub fn presales_waiting(tx: &mut dyn Tx, limit: u32) -> Result<Vec<String>, StorageError> {
    tx.query(
        "SELECT presale_code FROM presale_order WHERE routed_ms IS NULL GROUP BY presale_code ORDER BY MIN(seq) LIMIT $1",
        params![limit],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

// Versioned configuration ---------------------------------------------------------------

/// The latest version of a configuration document: (version, JSON, set at).
pub fn latest_version(tx: &mut dyn Tx, name: &str) -> Result<Option<(i64, String, i64)>, StorageError> {
    tx.query_opt(
        "SELECT version, value, set_ms FROM stock_control_version WHERE name = $1 ORDER BY version DESC LIMIT 1",
        params![name],
    )?
    .map(|r| Ok((r.i64(0)?, r.text(1)?, r.i64(2)?)))
    .transpose()
}

/// Stores the next version of a configuration document and answers its number. Two
/// concurrent PUTs both try the same number: the loser hits the primary key and is retried
/// by the backend.
pub fn store_version(tx: &mut dyn Tx, name: &str, value: &str, now_ms: i64) -> Result<i64, StorageError> {
    let version = latest_version(tx, name)?.map_or(0, |v| v.0) + 1;
    tx.exec(
        "INSERT INTO stock_control_version (name, version, value, set_ms) VALUES ($1, $2, $3, $4)",
        params![name, version, value, now_ms],
    )?;
    Ok(version)
}

// Employee store ------------------------------------------------------------------------

/// Replaces the employee price list.
pub fn replace_employee_prices(tx: &mut dyn Tx, prices: &[(String, i64)]) -> Result<(), StorageError> {
    tx.exec("DELETE FROM employee_price", params![])?;
    for (sku, price) in prices {
        tx.exec("INSERT INTO employee_price (sku_code, price) VALUES ($1, $2)", params![sku, *price])?;
    }
    Ok(())
}

/// The employee price of `sku`, if it is on the list.
pub fn employee_price(tx: &mut dyn Tx, sku: &str) -> Result<Option<i64>, StorageError> {
    tx.query_opt("SELECT price FROM employee_price WHERE sku_code = $1", params![sku])?.map(|r| r.i64(0)).transpose()
}

/// Adds an order to an employee's period totals unless it would pass `max_units` or
/// `max_spend`: one conditional UPDATE (concurrent orders of one employee cannot both slip
/// under the limit). False, changing nothing, when it would.
pub fn add_employee_usage(
    tx: &mut dyn Tx,
    employee: &str,
    period_start_ms: i64,
    units: i64,
    spend: i64,
    max_units: i64,
    max_spend: i64,
) -> Result<bool, StorageError> {
    tx.exec(
        "INSERT INTO employee_usage (employee_id, period_start_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        params![employee, period_start_ms],
    )?;
    let n = tx.exec(
        "UPDATE employee_usage SET units = units + $3, spend = spend + $4
         WHERE employee_id = $1 AND period_start_ms = $2 AND units + $3 <= $5 AND spend + $4 <= $6",
        params![employee, period_start_ms, units, spend, max_units, max_spend],
    )?;
    Ok(n == 1)
}

/// [`add_employee_usage`] for one SKU's units.
pub fn add_employee_sku_usage(
    tx: &mut dyn Tx,
    employee: &str,
    period_start_ms: i64,
    sku: &str,
    units: i64,
    max_units: i64,
) -> Result<bool, StorageError> {
    tx.exec(
        "INSERT INTO employee_sku_usage (employee_id, period_start_ms, sku_code) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        params![employee, period_start_ms, sku],
    )?;
    let n = tx.exec(
        "UPDATE employee_sku_usage SET units = units + $4
         WHERE employee_id = $1 AND period_start_ms = $2 AND sku_code = $3 AND units + $4 <= $5",
        params![employee, period_start_ms, sku, units, max_units],
    )?;
    Ok(n == 1)
}

/// An employee's totals in a period: (units, spend).
pub fn employee_usage(tx: &mut dyn Tx, employee: &str, period_start_ms: i64) -> Result<(i64, i64), StorageError> {
    Ok(tx
        .query_opt(
            "SELECT units, spend FROM employee_usage WHERE employee_id = $1 AND period_start_ms = $2",
            params![employee, period_start_ms],
        )?
        .map(|r| Ok::<_, StorageError>((r.i64(0)?, r.i64(1)?)))
        .transpose()?
        .unwrap_or((0, 0)))
}

/// An employee's units of one SKU in a period.
pub fn employee_sku_usage(
    tx: &mut dyn Tx,
    employee: &str,
    period_start_ms: i64,
    sku: &str,
) -> Result<i64, StorageError> {
    Ok(tx
        .query_opt(
            "SELECT units FROM employee_sku_usage WHERE employee_id = $1 AND period_start_ms = $2 AND sku_code = $3",
            params![employee, period_start_ms, sku],
        )?
        .map(|r| r.i64(0))
        .transpose()?
        .unwrap_or(0))
}

/// Records one employee-store purchase with the configuration versions it was checked under.
#[allow(clippy::too_many_arguments)]
pub fn insert_employee_purchase(
    tx: &mut dyn Tx,
    employee: &str,
    channel_order_id: &str,
    period_start_ms: i64,
    units: i64,
    spend: i64,
    policy_version: i64,
    prices_version: i64,
    now_ms: i64,
) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO employee_purchase (employee_id, channel_order_id, period_start_ms, units, spend, policy_version, prices_version, at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        params![employee, channel_order_id, period_start_ms, units, spend, policy_version, prices_version, now_ms],
    )?;
    Ok(())
}

// Outlet --------------------------------------------------------------------------------

/// Every SKU with at least `min_on_hand` sellable units in the network, with when it was
/// last sold (a fulfilment movement anywhere) and first stocked.
pub fn sku_activity(tx: &mut dyn Tx, min_on_hand: i64) -> Result<Vec<SkuActivity>, StorageError> {
    tx.query(
        "SELECT b.sku_code, CAST(SUM(b.on_hand) AS BIGINT),
                (SELECT MAX(m.at_ms) FROM stock_movement m WHERE m.sku_code = b.sku_code AND m.reason = 'fulfilment'),
                (SELECT MIN(m.at_ms) FROM stock_movement m WHERE m.sku_code = b.sku_code)
         FROM stock_balance b WHERE b.quality = 'sellable'
         GROUP BY b.sku_code HAVING CAST(SUM(b.on_hand) AS BIGINT) >= $1 AND SUM(b.on_hand) > 0 ORDER BY b.sku_code",
        params![min_on_hand],
    )?
    .iter()
    .map(|r| {
        Ok(SkuActivity {
            sku_code: r.text(0)?,
            on_hand: r.i64(1)?,
            last_sold_ms: r.opt_i64(2)?,
            first_stocked_ms: r.opt_i64(3)?.unwrap_or(0),
        })
    })
    .collect()
}

/// Records a directed allocation to the outlet.
pub fn insert_outlet_direction(
    tx: &mut dyn Tx,
    skus_json: &str,
    policy_version: i64,
    now_ms: i64,
) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO outlet_direction (skus, policy_version, at_ms) VALUES ($1, $2, $3)",
        params![skus_json, policy_version, now_ms],
    )?;
    Ok(())
}
