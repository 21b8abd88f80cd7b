//! Nodes, styles, SKUs, bundles and staff.

use super::{Row, StorageError, Tx};
use crate::params;
use shared::catalogue::{Bundle, BundleComponent, Sku, Style};
use shared::ean13::Ean13;
use shared::node::{Capabilities, GeoPoint, Node, NodeKind};
use shared::protocol::StaffRecord;
use shared::staff::Role;
use shared::{Fen, Qty};

fn e6(x: f64) -> i64 {
    (x * 1e6).round() as i64
}

/// Creates or updates a node.
pub fn upsert_node(tx: &mut dyn Tx, n: &Node) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO node (code, name, kind, city, lat_e6, lon_e6, can_ship, can_pickup, can_same_city, opening_hours, daily_capacity, handling_cost_fen)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, city = excluded.city,
           lat_e6 = excluded.lat_e6, lon_e6 = excluded.lon_e6, can_ship = excluded.can_ship,
           can_pickup = excluded.can_pickup, can_same_city = excluded.can_same_city,
           opening_hours = excluded.opening_hours, daily_capacity = excluded.daily_capacity,
           handling_cost_fen = excluded.handling_cost_fen",
        params![
            &n.code, &n.name, n.kind.as_str(), &n.city, e6(n.location.lat), e6(n.location.lon),
            n.capabilities.ship, n.capabilities.pickup, n.capabilities.same_city,
            &n.opening_hours, n.daily_capacity, n.handling_cost.0
        ],
    )?;
    Ok(())
}

const NODE_COLUMNS: &str = "code, name, kind, city, lat_e6, lon_e6, can_ship, can_pickup, can_same_city, opening_hours, daily_capacity, handling_cost_fen";

fn node_from_row(r: &Row) -> Result<Node, StorageError> {
    let kind = r.text(2)?;
    Ok(Node {
        code: r.text(0)?,
        name: r.text(1)?,
        kind: NodeKind::parse(&kind).ok_or_else(|| StorageError::Decode(format!("node kind {kind}")))?,
        city: r.text(3)?,
        location: GeoPoint { lat: r.i64(4)? as f64 / 1e6, lon: r.i64(5)? as f64 / 1e6 },
        capabilities: Capabilities { ship: r.bool(6)?, pickup: r.bool(7)?, same_city: r.bool(8)? },
        opening_hours: r.text(9)?,
        daily_capacity: r.i64(10)? as u32,
        handling_cost: Fen(r.i64(11)?),
    })
}

/// One node.
pub fn node(tx: &mut dyn Tx, code: &str) -> Result<Option<Node>, StorageError> {
    let sql = format!("SELECT {NODE_COLUMNS} FROM node WHERE code = $1");
    tx.query_opt(&sql, params![code])?.map(|r| node_from_row(&r)).transpose()
}

/// Nodes with code greater than `after`, in code order.
pub fn nodes_after(tx: &mut dyn Tx, after: &str, limit: u32) -> Result<Vec<Node>, StorageError> {
    let sql = format!("SELECT {NODE_COLUMNS} FROM node WHERE code > $1 ORDER BY code LIMIT $2");
    tx.query(&sql, params![after, limit])?.iter().map(node_from_row).collect()
}

/// Every node.
pub fn all_nodes(tx: &mut dyn Tx) -> Result<Vec<Node>, StorageError> {
    nodes_after(tx, "", u32::MAX >> 1)
}

/// Creates or updates a style.
pub fn upsert_style(tx: &mut dyn Tx, s: &Style) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO style (code, name, category, list_price_fen) VALUES ($1, $2, $3, $4)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, category = excluded.category, list_price_fen = excluded.list_price_fen",
        params![&s.code, &s.name, &s.category, s.list_price.0],
    )?;
    Ok(())
}

fn style_from_row(r: &Row) -> Result<Style, StorageError> {
    Ok(Style { code: r.text(0)?, name: r.text(1)?, category: r.text(2)?, list_price: Fen(r.i64(3)?) })
}

/// One style.
pub fn style(tx: &mut dyn Tx, code: &str) -> Result<Option<Style>, StorageError> {
    tx.query_opt("SELECT code, name, category, list_price_fen FROM style WHERE code = $1", params![code])?
        .map(|r| style_from_row(&r))
        .transpose()
}

/// Styles after `after` in code order.
pub fn styles_after(tx: &mut dyn Tx, after: &str, limit: u32) -> Result<Vec<Style>, StorageError> {
    tx.query(
        "SELECT code, name, category, list_price_fen FROM style WHERE code > $1 ORDER BY code LIMIT $2",
        params![after, limit],
    )?
    .iter()
    .map(style_from_row)
    .collect()
}

/// Creates or updates a SKU. Fails with a constraint error when the barcode belongs to
/// another SKU or the style is unknown.
pub fn upsert_sku(tx: &mut dyn Tx, s: &Sku) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO sku (code, style_code, barcode, colour, size, list_price_fen) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (code) DO UPDATE SET style_code = excluded.style_code, barcode = excluded.barcode,
           colour = excluded.colour, size = excluded.size, list_price_fen = excluded.list_price_fen",
        params![&s.code, &s.style_code, s.barcode.as_str(), &s.colour, &s.size, s.list_price.0],
    )?;
    Ok(())
}

const SKU_COLUMNS: &str = "code, style_code, barcode, colour, size, list_price_fen";

fn sku_from_row(r: &Row) -> Result<Sku, StorageError> {
    let barcode = r.text(2)?;
    Ok(Sku {
        code: r.text(0)?,
        style_code: r.text(1)?,
        barcode: Ean13::parse(&barcode).map_err(|e| StorageError::Decode(e.to_string()))?,
        colour: r.text(3)?,
        size: r.text(4)?,
        list_price: Fen(r.i64(5)?),
    })
}

/// One SKU.
pub fn sku(tx: &mut dyn Tx, code: &str) -> Result<Option<Sku>, StorageError> {
    let sql = format!("SELECT {SKU_COLUMNS} FROM sku WHERE code = $1");
    tx.query_opt(&sql, params![code])?.map(|r| sku_from_row(&r)).transpose()
}

/// SKUs after `after` in code order.
pub fn skus_after(tx: &mut dyn Tx, after: &str, limit: u32) -> Result<Vec<Sku>, StorageError> {
    let sql = format!("SELECT {SKU_COLUMNS} FROM sku WHERE code > $1 ORDER BY code LIMIT $2");
    tx.query(&sql, params![after, limit])?.iter().map(sku_from_row).collect()
}

/// Whether a SKU exists.
pub fn sku_exists(tx: &mut dyn Tx, code: &str) -> Result<bool, StorageError> {
    Ok(tx.query_opt("SELECT 1 FROM sku WHERE code = $1", params![code])?.is_some())
}

/// Replaces a bundle's components.
pub fn replace_bundle(tx: &mut dyn Tx, b: &Bundle) -> Result<(), StorageError> {
    tx.exec("DELETE FROM bundle_component WHERE bundle_sku = $1", params![&b.sku_code])?;
    for c in &b.components {
        tx.exec(
            "INSERT INTO bundle_component (bundle_sku, component_sku, qty) VALUES ($1, $2, $3)",
            params![&b.sku_code, &c.sku_code, c.qty.get()],
        )?;
    }
    Ok(())
}

/// One bundle, if the SKU is a bundle.
pub fn bundle(tx: &mut dyn Tx, sku_code: &str) -> Result<Option<Bundle>, StorageError> {
    let rows = tx.query(
        "SELECT component_sku, qty FROM bundle_component WHERE bundle_sku = $1 ORDER BY component_sku",
        params![sku_code],
    )?;
    if rows.is_empty() {
        return Ok(None);
    }
    let components = rows
        .iter()
        .map(|r| {
            let qty = Qty::new(r.i64(1)?).map_err(|e| StorageError::Decode(e.to_string()))?;
            Ok(BundleComponent { sku_code: r.text(0)?, qty })
        })
        .collect::<Result<Vec<_>, StorageError>>()?;
    Ok(Some(Bundle { sku_code: sku_code.to_string(), components }))
}

/// Bundle SKU codes after `after`.
pub fn bundle_codes_after(tx: &mut dyn Tx, after: &str, limit: u32) -> Result<Vec<String>, StorageError> {
    tx.query(
        "SELECT DISTINCT bundle_sku FROM bundle_component WHERE bundle_sku > $1 ORDER BY bundle_sku LIMIT $2",
        params![after, limit],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

/// A staff member as stored: the PIN only as its slow hash, and the approval key derived
/// from it (see `shared::approval`).
pub struct StaffRow<'a> {
    /// Id.
    pub id: &'a str,
    /// Store.
    pub store: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Role.
    pub role: Role,
    /// Slow salted PIN hash.
    pub pin_hash: &'a str,
    /// Approval salt (hex; synced to devices).
    pub approval_salt: &'a str,
    /// Approval key (hex; never leaves the server).
    pub approval_key: &'a str,
}

/// Creates or updates a staff member.
pub fn upsert_staff(tx: &mut dyn Tx, s: &StaffRow<'_>) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO staff (id, store_code, name, role, pin_hash, active, approval_salt, approval_key)
         VALUES ($1, $2, $3, $4, $5, 1, $6, $7)
         ON CONFLICT (id) DO UPDATE SET store_code = excluded.store_code, name = excluded.name,
           role = excluded.role, pin_hash = excluded.pin_hash, active = 1,
           approval_salt = excluded.approval_salt, approval_key = excluded.approval_key",
        params![s.id, s.store, s.name, s.role.as_str(), s.pin_hash, s.approval_salt, s.approval_key],
    )?;
    Ok(())
}

const STAFF_COLUMNS: &str = "id, name, role, pin_hash, active, approval_salt";

/// A staff member's store and record.
pub fn staff(tx: &mut dyn Tx, id: &str) -> Result<Option<(String, StaffRecord)>, StorageError> {
    let sql = format!("SELECT {STAFF_COLUMNS}, store_code FROM staff WHERE id = $1");
    tx.query_opt(&sql, params![id])?.map(|r| Ok((r.text(6)?, staff_from_row(&r)?))).transpose()
}

/// A staff member's approval key (hex), empty when HQ set their PIN before approvals had keys.
pub fn staff_approval_key(tx: &mut dyn Tx, id: &str) -> Result<Option<String>, StorageError> {
    tx.query_opt("SELECT approval_key FROM staff WHERE id = $1", params![id])?.map(|r| r.text(0)).transpose()
}

fn staff_from_row(r: &Row) -> Result<StaffRecord, StorageError> {
    let role = r.text(2)?;
    Ok(StaffRecord {
        id: r.text(0)?,
        name: r.text(1)?,
        role: Role::parse(&role).ok_or_else(|| StorageError::Decode(format!("role {role}")))?,
        pin_hash: r.text(3)?,
        active: r.bool(4)?,
        approval_salt: r.text(5)?,
    })
}

/// A store's staff after `after` in id order.
pub fn store_staff_after(
    tx: &mut dyn Tx,
    store: &str,
    after: &str,
    limit: u32,
) -> Result<Vec<StaffRecord>, StorageError> {
    tx.query(
        "SELECT id, name, role, pin_hash, active, approval_salt FROM staff WHERE store_code = $1 AND id > $2 ORDER BY id LIMIT $3",
        params![store, after, limit],
    )?
    .iter()
    .map(staff_from_row)
    .collect()
}

/// Row counts of the catalogue tables, for bootstrap progress.
pub fn counts(tx: &mut dyn Tx, store: &str) -> Result<[u64; 5], StorageError> {
    let r = tx
        .query_opt(
            "SELECT (SELECT COUNT(*) FROM node), (SELECT COUNT(*) FROM style), (SELECT COUNT(*) FROM sku),
                    (SELECT COUNT(DISTINCT bundle_sku) FROM bundle_component), (SELECT COUNT(*) FROM staff WHERE store_code = $1)",
            params![store],
        )?
        .ok_or_else(|| StorageError::Decode("no counts".into()))?;
    Ok([r.i64(0)? as u64, r.i64(1)? as u64, r.i64(2)? as u64, r.i64(3)? as u64, r.i64(4)? as u64])
}
