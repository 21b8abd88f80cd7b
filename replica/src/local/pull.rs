//! Applying a pull page: server state replaces server-owned tables, then the device's own
//! unconfirmed ops are applied again on top, all in one local transaction.

use super::apply::{apply_to_order, fulfillment_of, stock_effects};
use super::queries::{apply_effect, empty_stock, load_order, store_order, store_stock};
use super::Replica;
use crate::error::Result;
use rusqlite::params;
use shared::protocol::{Change, Op, PullResponse};
use std::collections::HashSet;

impl Replica {
    /// Applies one page; the device's unanswered ops are applied again on top.
    pub fn apply_pull(&self, page: &PullResponse) -> Result<()> {
        let mut db = self.db();
        let store =
            Self::meta(&db, "store")?.and_then(|s| serde_json::from_str::<shared::node::Node>(&s).ok()).map(|n| n.code);
        let tx = db.transaction()?;
        if page.bootstrap.is_some() && Self::meta(&tx, "rebootstrap")?.is_some() {
            tx.execute_batch(
                "DELETE FROM node; DELETE FROM style; DELETE FROM sku; DELETE FROM bundle; DELETE FROM staff;
                 DELETE FROM stock_server; DELETE FROM stock_local; DELETE FROM fulfillment_server;
                 DELETE FROM fulfillment_local; DELETE FROM availability; DELETE FROM meta WHERE key IN ('rebootstrap', 'availability_as_of');",
            )?;
        }
        let mut touched_orders = HashSet::new();
        let mut touched_stock = HashSet::new();
        for c in &page.changes {
            match c {
                Change::Node(n) => {
                    tx.execute(
                        "INSERT OR REPLACE INTO node (code, json) VALUES (?1, ?2)",
                        params![n.code, serde_json::to_string(n)?],
                    )?;
                    if store.as_deref() == Some(n.code.as_str()) {
                        Self::set_meta(&tx, "store", &serde_json::to_string(n)?)?;
                    }
                }
                Change::Style(s) => {
                    tx.execute(
                        "INSERT OR REPLACE INTO style (code, json) VALUES (?1, ?2)",
                        params![s.code, serde_json::to_string(s)?],
                    )?;
                }
                Change::Sku(s) => {
                    tx.execute(
                        "INSERT OR REPLACE INTO sku (code, barcode, style_code, json) VALUES (?1, ?2, ?3, ?4)",
                        params![s.code, s.barcode.as_str(), s.style_code, serde_json::to_string(s)?],
                    )?;
                }
                Change::Bundle(b) => {
                    tx.execute(
                        "INSERT OR REPLACE INTO bundle (sku_code, json) VALUES (?1, ?2)",
                        params![b.sku_code, serde_json::to_string(b)?],
                    )?;
                }
                Change::Staff(s) => {
                    tx.execute(
                        "INSERT OR REPLACE INTO staff (id, name, role, pin_hash, active, approval_salt) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![s.id, s.name, s.role.as_str(), s.pin_hash, s.active as i64, s.approval_salt],
                    )?;
                }
                Change::Stock(r) => {
                    tx.execute(
                        "INSERT OR REPLACE INTO stock_server (sku_code, quality, json) VALUES (?1, ?2, ?3)",
                        params![r.sku_code, r.quality.as_str(), serde_json::to_string(r)?],
                    )?;
                    store_stock(&tx, r)?;
                    touched_stock.insert((r.sku_code.clone(), r.quality));
                }
                Change::FulfillmentOrder(f) => {
                    let id = f.id.to_string();
                    if f.state.is_open() {
                        tx.execute(
                            "INSERT OR REPLACE INTO fulfillment_server (id, json) VALUES (?1, ?2)",
                            params![id, serde_json::to_string(f)?],
                        )?;
                        store_order(&tx, f)?;
                    } else {
                        // Closed orders leave the device once no local op still needs them.
                        tx.execute("DELETE FROM fulfillment_server WHERE id = ?1", [&id])?;
                        store_order(&tx, f)?;
                    }
                    touched_orders.insert(id);
                }
            }
        }
        // Re-apply the device's remaining ops to what the server just said about the same
        // orders and stock. An op that no longer applies (order cancelled at HQ) leaves the
        // server's state; its result will reach the inbox.
        let mut stmt = tx.prepare("SELECT op FROM outbox ORDER BY seq")?;
        let ops: Vec<Op> = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .filter_map(|j| j.ok())
            .filter_map(|j| serde_json::from_str(&j).ok())
            .collect();
        drop(stmt);
        for op in &ops {
            let fo_id = fulfillment_of(op).map(|u| u.to_string());
            let before = match &fo_id {
                Some(id) => load_order(&tx, id)?,
                None => None,
            };
            let replay_order = fo_id.as_ref().is_some_and(|id| touched_orders.contains(id));
            if replay_order {
                if let Some(fo) = &before {
                    if let Ok(after) = apply_to_order(fo, op) {
                        store_order(&tx, &after)?;
                    }
                }
            }
            for e in stock_effects(op, before.as_ref()) {
                let (sku, q) = e.key();
                if touched_stock.contains(&(sku.to_string(), q)) {
                    apply_effect(&tx, &e)?;
                }
            }
        }
        // Closed orders no op refers to any more are gone from the task lists.
        tx.execute(
            "DELETE FROM fulfillment_local WHERE state IN ('picked_up', 'delivered', 'rejected', 'cancelled', 'dispatched')
               AND id NOT IN (SELECT fulfillment_order_id FROM outbox WHERE fulfillment_order_id IS NOT NULL)",
            [],
        )?;
        // Parcels of orders that left the device (handed over elsewhere, cancelled) go too.
        tx.execute("DELETE FROM pack_parcel WHERE fulfillment_order_id NOT IN (SELECT id FROM fulfillment_local)", [])?;
        // HQ's offline rules ride on every page: the counter applies a change from now on.
        Self::set_meta(&tx, "rules", &serde_json::to_string(&page.rules)?)?;
        Self::set_meta(&tx, "cursor", &page.cursor)?;
        Self::set_meta(&tx, "last_pull_ms", &page.server_time.timestamp_millis().to_string())?;
        if let Some(b) = page.bootstrap {
            Self::set_meta(&tx, "bootstrap", &format!("{}/{}", b.done, b.total))?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// Rebuilds the local view of one order from the server's state and the unanswered ops.
pub(super) fn rebuild_order(conn: &rusqlite::Connection, id: &str) -> Result<()> {
    use rusqlite::OptionalExtension;
    let server: Option<String> =
        conn.query_row("SELECT json FROM fulfillment_server WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    let Some(server) = server else { return Ok(()) };
    let mut fo: shared::order::FulfillmentOrder = serde_json::from_str(&server)?;
    let mut stmt = conn.prepare("SELECT op FROM outbox WHERE fulfillment_order_id = ?1 ORDER BY seq")?;
    let ops: Vec<String> = stmt.query_map([id], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
    for op in ops {
        if let Ok(op) = serde_json::from_str::<Op>(&op) {
            if let Ok(after) = apply_to_order(&fo, &op) {
                fo = after;
            }
        }
    }
    store_order(conn, &fo)
}

/// Rebuilds the local view of one balance from the server's state and the unanswered ops.
pub(super) fn rebuild_stock(conn: &rusqlite::Connection, sku: &str, quality: shared::stock::Quality) -> Result<()> {
    use rusqlite::OptionalExtension;
    let server: Option<String> = conn
        .query_row("SELECT json FROM stock_server WHERE sku_code = ?1 AND quality = ?2", [sku, quality.as_str()], |r| {
            r.get(0)
        })
        .optional()?;
    let base = match server {
        Some(json) => serde_json::from_str(&json)?,
        None => empty_stock(sku, quality),
    };
    store_stock(conn, &base)?;
    let mut stmt = conn.prepare("SELECT op, fulfillment_order_id FROM outbox ORDER BY seq")?;
    let ops: Vec<(String, Option<String>)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<std::result::Result<_, _>>()?;
    for (op, fo) in ops {
        let Ok(op) = serde_json::from_str::<Op>(&op) else { continue };
        let order = match &fo {
            Some(id) => load_order(conn, id)?,
            None => None,
        };
        for e in stock_effects(&op, order.as_ref()).iter().filter(|e| e.key() == (sku, quality)) {
            apply_effect(conn, e)?;
        }
    }
    Ok(())
}
