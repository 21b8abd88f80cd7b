//! Promotion locks (库存快照) and presale quotas (预售): HQ sets stock aside for a campaign
//! or live stream, and sells ahead of stock against an expected receipt. Intake calls the
//! hooks here ([`lock_availability`], [`reserve_from_lock`], [`accept_presale`]);
//! `service::stock_control` releases locks at their window's end, expires channel holds and
//! routes presale orders first come first served once their stock is there. The rules themselves
//! live in `shared::campaign`; the `locked` layer changes only through `storage::ledger`,
//! which audits it.

use super::text::check;
use super::{ErrorKind, ServiceError};
use crate::storage::campaigns::{self as store, CampaignRow, PresaleRow};
use crate::storage::{catalogue, ledger, Tx};
use shared::campaign::{
    spread, status, Campaign, CampaignRequest, CampaignStatus, Presale, PresaleRequest, PresaleStatus,
    StockControlPolicy, StockControlSettings, MAX_LINES,
};
use shared::text::{self, Rule};
use std::collections::BTreeMap;
use std::str::FromStr;
use uuid::Uuid;

/// A campaign or presale code: what orders carry in `campaign` / `presale`.
const CODE: Rule = Rule::required(64);
/// Most campaigns or presales one list answers with.
const LIST_LIMIT: u32 = 500;
/// Name of the stock-control policy's versioned document.
const POLICY: &str = "stock_control";

fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::new(ErrorKind::Internal, "internal", e.to_string())
}

// Settings ------------------------------------------------------------------------------

/// The stock-control settings in force: HQ's latest version, or the defaults (version 0).
pub fn stock_control(tx: &mut dyn Tx) -> Result<StockControlSettings, ServiceError> {
    Ok(match store::latest_version(tx, POLICY)? {
        Some((version, json, set_ms)) => StockControlSettings {
            version,
            updated_ms: set_ms,
            policy: serde_json::from_str::<StockControlPolicy>(&json).map_err(internal)?,
        },
        None => StockControlSettings { version: 0, updated_ms: 0, policy: StockControlPolicy::default() },
    })
}

/// Sets the stock-control settings, all of them, as version n+1. Holds placed from now on
/// get the new TTLs (a hold keeps the expiry it was given); employee limits apply to orders
/// from now on.
pub fn set_stock_control(
    tx: &mut dyn Tx,
    policy: &StockControlPolicy,
    now: i64,
) -> Result<StockControlSettings, ServiceError> {
    policy.check().map_err(|e| ServiceError::invalid("invalid_stock_control", e))?;
    chrono_tz::Tz::from_str(&policy.employee_store.time_zone).map_err(|_| {
        ServiceError::invalid(
            "invalid_stock_control",
            format!("employee_store.time_zone {:?} is not an IANA time zone", policy.employee_store.time_zone),
        )
    })?;
    let json = serde_json::to_string(policy).map_err(internal)?;
    let version = store::store_version(tx, POLICY, &json, now)?;
    Ok(StockControlSettings { version, updated_ms: now, policy: policy.clone() })
}

// Locks ---------------------------------------------------------------------------------

fn view(tx: &mut dyn Tx, c: CampaignRow, now: i64) -> Result<Campaign, ServiceError> {
    let lines = store::lock_lines(tx, &c.code)?;
    Ok(Campaign {
        status: status(c.starts_ms, c.ends_ms, c.closed_ms.map(|_| c.early), now),
        code: c.code,
        name: c.name,
        starts_ms: c.starts_ms,
        ends_ms: c.ends_ms,
        created_ms: c.created_ms,
        closed_ms: c.closed_ms,
        lines,
    })
}

/// Creates a campaign and locks its stock, all of it or nothing: a line at a node takes
/// that node's available units; a network-wide line is spread over the nodes by what each
/// has available now (`shared::campaign::spread`). Node lines are locked before
/// network-wide ones.
pub fn create_campaign(tx: &mut dyn Tx, req: &CampaignRequest, now: i64) -> Result<Campaign, ServiceError> {
    check("code", &req.code, CODE)?;
    check("name", &req.name, text::DISPLAY_NAME)?;
    if req.ends_ms <= req.starts_ms {
        return Err(ServiceError::invalid("invalid_window", "ends_ms must be after starts_ms"));
    }
    if req.ends_ms <= now {
        return Err(ServiceError::invalid("invalid_window", "the window has already ended"));
    }
    if req.lines.is_empty() || req.lines.len() > MAX_LINES {
        return Err(ServiceError::invalid("invalid_lines", format!("a lock has 1 to {MAX_LINES} lines")));
    }
    for (i, l) in req.lines.iter().enumerate() {
        check(&format!("lines[{i}].sku_code"), &l.sku_code, text::SKU_CODE)?;
        if !catalogue::sku_exists(tx, &l.sku_code)? {
            return Err(ServiceError::invalid("unknown_sku", format!("unknown SKU {}", l.sku_code)));
        }
        if let Some(node) = &l.node_code {
            check(&format!("lines[{i}].node_code"), node, text::NODE_CODE)?;
            if catalogue::node(tx, node)?.is_none() {
                return Err(ServiceError::invalid("unknown_node", format!("unknown node {node}")));
            }
        }
    }
    let row = CampaignRow {
        code: req.code.clone(),
        name: req.name.clone(),
        starts_ms: req.starts_ms,
        ends_ms: req.ends_ms,
        created_ms: now,
        closed_ms: None,
        early: false,
    };
    if !store::insert_campaign(tx, &row)? {
        return Err(ServiceError::conflict("campaign_exists", format!("campaign {} exists", req.code)));
    }
    let short = |sku: &str, at: &str, asked: i64, available: i64| {
        ServiceError::conflict(
            "insufficient_stock",
            format!("cannot lock {asked} of {sku} {at}: only {available} available; nothing was locked"),
        )
    };
    let (at_nodes, network): (Vec<_>, Vec<_>) = req.lines.iter().partition(|l| l.node_code.is_some());
    for l in at_nodes {
        let node = l.node_code.as_deref().unwrap_or_default();
        if !ledger::try_lock(tx, &req.code, node, &l.sku_code, l.qty.get(), now)? {
            let available = ledger::balance(tx, node, &l.sku_code, shared::stock::Quality::Sellable)?.available();
            return Err(short(&l.sku_code, &format!("at {node}"), l.qty.get(), available));
        }
    }
    for l in network {
        let available = store::lockable(tx, &l.sku_code)?;
        let total: i64 = available.iter().map(|a| a.1).sum();
        let Some(parts) = spread(l.qty.get(), &available) else {
            return Err(short(&l.sku_code, "network-wide", l.qty.get(), total));
        };
        for (node, qty) in parts {
            if !ledger::try_lock(tx, &req.code, &node, &l.sku_code, qty, now)? {
                // Read a moment ago in this transaction: another writer took it meanwhile.
                return Err(ServiceError::stale_read("stock_changed", "stock changed while locking; retry"));
            }
        }
    }
    let row = store::campaign(tx, &req.code)?.ok_or_else(|| ServiceError::not_found("campaign", &req.code))?;
    view(tx, row, now)
}

/// A campaign with its lock.
pub fn campaign(tx: &mut dyn Tx, code: &str, now: i64) -> Result<Campaign, ServiceError> {
    let row = store::campaign(tx, code)?.ok_or_else(|| ServiceError::not_found("campaign", code))?;
    view(tx, row, now)
}

/// Every campaign, latest window first (at most 500).
pub fn campaigns(tx: &mut dyn Tx, now: i64) -> Result<Vec<Campaign>, ServiceError> {
    let rows = store::campaigns(tx, LIST_LIMIT)?;
    rows.into_iter().map(|r| view(tx, r, now)).collect()
}

/// Gives what a campaign's lock still holds back to the pool: early when HQ asks before the
/// window's end, at the end by `service::stock_control::Sweeper`. Releasing twice is harmless (the campaign is
/// answered as it is).
pub fn release_campaign(tx: &mut dyn Tx, code: &str, now: i64) -> Result<Campaign, ServiceError> {
    let row = store::campaign(tx, code)?.ok_or_else(|| ServiceError::not_found("campaign", code))?;
    if row.closed_ms.is_none() {
        let early = now < row.ends_ms;
        if store::close_campaign(tx, code, early, now)? {
            for l in store::lock_lines(tx, code)? {
                ledger::release_lock(tx, code, &l.node_code, &l.sku_code, "release", now)?;
            }
        }
    }
    campaign(tx, code, now)
}

/// Releases every campaign whose window has ended (at most `limit`); answers how many.
pub fn release_ended(tx: &mut dyn Tx, now: i64, limit: u32) -> Result<usize, ServiceError> {
    let ended = store::ended_campaigns(tx, now, limit)?;
    for code in &ended {
        release_campaign(tx, code, now)?;
    }
    Ok(ended.len())
}

fn running(tx: &mut dyn Tx, campaign: &str, now: i64) -> Result<(), ServiceError> {
    let Some(c) = store::campaign(tx, campaign)? else {
        return Err(ServiceError::invalid("unknown_campaign", format!("no campaign {campaign}")));
    };
    match status(c.starts_ms, c.ends_ms, c.closed_ms.map(|_| c.early), now) {
        CampaignStatus::Running => Ok(()),
        s => Err(ServiceError::conflict(
            "campaign_not_running",
            format!("campaign {campaign} is {}: it sells only in its window", s.as_str()),
        )),
    }
}

/// Where the lock of `campaign` covers `sku`: `(node, units left)` for every node it covers,
/// 0 when exhausted there; empty when the campaign locked no `sku` (the order draws on the
/// pool). 422 `unknown_campaign`, 409 `campaign_not_running` outside its window.
pub fn lock_availability(
    tx: &mut dyn Tx,
    campaign: &str,
    sku: &str,
    now: i64,
) -> Result<Vec<(String, i64)>, ServiceError> {
    running(tx, campaign, now)?;
    Ok(store::lock_for_sku(tx, campaign, sku)?)
}

/// Moves `qty` units of `sku` at `node` from the lock of `campaign` into the reservation
/// `reservation_id` (an ordinary active reservation, closed like any other), atomically;
/// false when the lock has too few units left there. Released while the campaign runs, its
/// units go back to the lock.
#[allow(clippy::too_many_arguments)]
pub fn reserve_from_lock(
    tx: &mut dyn Tx,
    campaign: &str,
    reservation_id: &str,
    node: &str,
    sku: &str,
    qty: i64,
    now: i64,
) -> Result<bool, ServiceError> {
    if qty <= 0 {
        return Err(ServiceError::invalid("invalid_qty", "quantity must be positive"));
    }
    running(tx, campaign, now)?;
    Ok(ledger::reserve_locked(tx, campaign, reservation_id, None, node, sku, qty, now)?)
}

// Presales ------------------------------------------------------------------------------

fn presale_view(tx: &mut dyn Tx, p: PresaleRow) -> Result<Presale, ServiceError> {
    let lines = store::presale_lines(tx, &p.code)?;
    let orders = store::presale_orders(tx, &p.code, false, 10_000)?;
    Ok(Presale {
        code: p.code,
        name: p.name,
        node_code: p.node_code,
        promise_ms: p.promise_ms,
        status: p.status,
        created_ms: p.created_ms,
        lines,
        orders,
    })
}

/// Creates a presale against an expected receipt at a node.
pub fn create_presale(tx: &mut dyn Tx, req: &PresaleRequest, now: i64) -> Result<Presale, ServiceError> {
    check("code", &req.code, CODE)?;
    check("name", &req.name, text::DISPLAY_NAME)?;
    check("node_code", &req.node_code, text::NODE_CODE)?;
    if catalogue::node(tx, &req.node_code)?.is_none() {
        return Err(ServiceError::invalid("unknown_node", format!("unknown node {}", req.node_code)));
    }
    if req.promise_ms <= now {
        return Err(ServiceError::invalid("invalid_promise", "promise_ms must be in the future"));
    }
    if req.lines.is_empty() || req.lines.len() > MAX_LINES {
        return Err(ServiceError::invalid("invalid_lines", format!("a presale has 1 to {MAX_LINES} lines")));
    }
    let mut lines: Vec<(String, i64, i64)> = Vec::new();
    for (i, l) in req.lines.iter().enumerate() {
        check(&format!("lines[{i}].sku_code"), &l.sku_code, text::SKU_CODE)?;
        if !catalogue::sku_exists(tx, &l.sku_code)? {
            return Err(ServiceError::invalid("unknown_sku", format!("unknown SKU {}", l.sku_code)));
        }
        if lines.iter().any(|x| x.0 == l.sku_code) {
            return Err(ServiceError::invalid("duplicate_sku", format!("{} is listed twice", l.sku_code)));
        }
        let quota = l.quota.unwrap_or(l.expected).get();
        if quota > l.expected.get() {
            return Err(ServiceError::invalid(
                "quota_exceeds_receipt",
                format!("{}: quota {quota} is more than the {} expected", l.sku_code, l.expected.get()),
            ));
        }
        lines.push((l.sku_code.clone(), l.expected.get(), quota));
    }
    let row = PresaleRow {
        code: req.code.clone(),
        name: req.name.clone(),
        node_code: req.node_code.clone(),
        promise_ms: req.promise_ms,
        status: PresaleStatus::Open,
        created_ms: now,
    };
    if !store::insert_presale(tx, &row, &lines)? {
        return Err(ServiceError::conflict("presale_exists", format!("presale {} exists", req.code)));
    }
    presale_view(tx, row)
}

/// A presale with its quota and queue.
pub fn presale(tx: &mut dyn Tx, code: &str) -> Result<Presale, ServiceError> {
    let p = store::presale(tx, code)?.ok_or_else(|| ServiceError::not_found("presale", code))?;
    presale_view(tx, p)
}

/// Every presale, latest promise first (at most 500).
pub fn presales(tx: &mut dyn Tx) -> Result<Vec<Presale>, ServiceError> {
    let rows = store::presales(tx, LIST_LIMIT)?;
    rows.into_iter().map(|p| presale_view(tx, p)).collect()
}

/// Closes a presale: no more orders; those taken still wait for their stock. Harmless twice.
pub fn close_presale(tx: &mut dyn Tx, code: &str) -> Result<Presale, ServiceError> {
    store::presale(tx, code)?.ok_or_else(|| ServiceError::not_found("presale", code))?;
    store::set_presale_status(tx, code, PresaleStatus::Closed)?;
    presale(tx, code)
}

/// Accepts the order `order_id` into the presale `presale`: takes its lines from the quota
/// atomically (never oversold: 409 `presale_sold_out` naming the SKU when it does not fit)
/// and queues it; the order waits as `OrderStatus::Presale` until
/// `service::stock_control::route_presale` places it.
pub fn accept_presale(
    tx: &mut dyn Tx,
    order_id: Uuid,
    presale: &str,
    lines: &[(String, i64)],
    now: i64,
) -> Result<(), ServiceError> {
    let Some(p) = store::presale(tx, presale)? else {
        return Err(ServiceError::invalid("unknown_presale", format!("no presale {presale}")));
    };
    if p.status != PresaleStatus::Open {
        return Err(ServiceError::conflict("presale_closed", format!("presale {presale} no longer takes orders")));
    }
    let mut wanted: BTreeMap<&str, i64> = BTreeMap::new();
    for (sku, qty) in lines {
        if *qty <= 0 {
            return Err(ServiceError::invalid("invalid_qty", "quantity must be positive"));
        }
        *wanted.entry(sku.as_str()).or_insert(0) += qty;
    }
    let quota = store::presale_lines(tx, presale)?;
    for (sku, qty) in wanted {
        let Some(line) = quota.iter().find(|l| l.sku_code == sku) else {
            return Err(ServiceError::invalid("not_in_presale", format!("{sku} is not sold in presale {presale}")));
        };
        if !store::take_quota(tx, presale, sku, qty)? {
            let left = store::presale_lines(tx, presale)?
                .into_iter()
                .find(|l| l.sku_code == sku)
                .map_or(0, |l| l.quota - l.sold);
            return Err(ServiceError::conflict(
                "presale_sold_out",
                format!("only {left} of {sku} left in presale {presale} (quota {}), {qty} asked", line.quota),
            ));
        }
    }
    if !store::queue_presale_order(tx, presale, order_id, now)? {
        return Err(ServiceError::conflict(
            "presale_order_exists",
            format!("order {order_id} is already in a presale"),
        ));
    }
    Ok(())
}

// Holds ---------------------------------------------------------------------------------

/// Releases the channel holds whose TTL has passed (at most `limit`); answers how many.
/// A hold released meanwhile by its channel is skipped: releasing twice is harmless.
pub fn expire_holds(tx: &mut dyn Tx, now: i64, limit: u32) -> Result<usize, ServiceError> {
    let mut n = 0;
    for id in ledger::expired_holds(tx, now, limit)? {
        if ledger::close_reservation(tx, &id, ledger::Close::Release, "expired", now)? {
            n += 1;
        }
    }
    Ok(n)
}
