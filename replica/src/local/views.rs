//! What the store app's screens show beyond the raw replica: staff to log in as, SKU
//! descriptions for order lines, and pick progress that survives an app restart.

use super::queries::load_order;
use super::Replica;
use crate::error::{ReplicaError, Result};
use rusqlite::{params, Connection, OptionalExtension};
use shared::app::OrderDetail;
use shared::catalogue::{Sku, Style};
use shared::fulfillment::FulfillmentState;
use shared::pick::{count_scan, pick_lines, PickLine};
use shared::staff::Role;
use uuid::Uuid;

pub use shared::app::{SkuView, StaffMember};

impl Replica {
    /// Active staff of the store, managers first.
    pub fn staff_members(&self) -> Result<Vec<StaffMember>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(
            "SELECT id, name, role FROM staff WHERE active = 1 ORDER BY CASE role WHEN 'manager' THEN 0 ELSE 1 END, id",
        )?;
        let rows =
            stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, role) = row?;
            out.push(StaffMember { id, name, role: Role::parse(&role).unwrap_or(Role::Associate) });
        }
        Ok(out)
    }

    /// Descriptions of these SKUs, in the order asked; unknown codes are left out.
    pub fn sku_views(&self, codes: &[String]) -> Result<Vec<SkuView>> {
        let db = self.db();
        let mut sku_stmt = db.prepare_cached("SELECT json FROM sku WHERE code = ?1")?;
        let mut out = Vec::with_capacity(codes.len());
        for code in codes {
            let Some(json) = sku_stmt.query_row([code], |r| r.get::<_, String>(0)).optional()? else {
                continue;
            };
            let sku: Sku = serde_json::from_str(&json)?;
            let style: Option<String> = db
                .prepare_cached("SELECT json FROM style WHERE code = ?1")?
                .query_row([&sku.style_code], |r| r.get(0))
                .optional()?;
            let name = match style {
                Some(s) => serde_json::from_str::<Style>(&s)?.name,
                None => sku.style_code.clone(),
            };
            out.push(SkuView {
                code: sku.code,
                barcode: sku.barcode.as_str().to_string(),
                name,
                colour: sku.colour,
                size: sku.size,
            });
        }
        Ok(out)
    }

    /// One order as its screens show it: the local view (with actions not yet synced), its
    /// SKUs described, its pick progress and how many of its actions wait for the server.
    pub fn order_detail(&self, fulfillment_order_id: Uuid) -> Result<OrderDetail> {
        let order = self
            .fulfillment_order(fulfillment_order_id)?
            .ok_or_else(|| ReplicaError::NotFound { what: format!("fulfillment order {fulfillment_order_id}") })?;
        let codes: Vec<String> = order.lines.iter().map(|l| l.sku_code.clone()).collect();
        Ok(OrderDetail {
            skus: self.sku_views(&codes)?,
            pick: self.pick_progress(fulfillment_order_id)?,
            pending_ops: self.pending_count_for(fulfillment_order_id)?,
            order,
        })
    }

    /// Pick progress of an order: its lines with the units scanned so far.
    pub fn pick_progress(&self, fulfillment_order_id: Uuid) -> Result<Vec<PickLine>> {
        Ok(progress_of(&self.db(), fulfillment_order_id)?.1)
    }

    /// Counts one scanned unit towards an order being picked. A wrong item, one too many or
    /// an unknown barcode changes nothing and says why.
    pub fn scan_for_pick(&self, fulfillment_order_id: Uuid, barcode: &str) -> Result<Vec<PickLine>> {
        // One lock for the read and the write: two quick scans cannot both count one unit.
        let db = self.db();
        let id = fulfillment_order_id.to_string();
        let (state, mut lines) = progress_of(&db, fulfillment_order_id)?;
        if state != FulfillmentState::Picking {
            return Err(ReplicaError::not_allowed("not_picking", "start picking this order before scanning its items"));
        }
        let barcode = barcode.trim();
        let sku: Option<String> = db
            .prepare_cached("SELECT code FROM sku WHERE barcode = ?1")?
            .query_row([barcode], |r| r.get(0))
            .optional()?;
        let line_no = count_scan(&mut lines, barcode, sku.as_deref()).map_err(ReplicaError::PickScan)?;
        let scanned = lines.iter().find(|l| l.line_no == line_no).map_or(0, |l| l.scanned);
        db.execute(
            "INSERT INTO pick_progress (fulfillment_order_id, line_no, scanned) VALUES (?1, ?2, ?3)
             ON CONFLICT (fulfillment_order_id, line_no) DO UPDATE SET scanned = excluded.scanned",
            params![id, line_no, scanned],
        )?;
        Ok(lines)
    }

    /// This order's actions still waiting for the server.
    pub fn pending_count_for(&self, fulfillment_order_id: Uuid) -> Result<u64> {
        let n: i64 = self.db().query_row(
            "SELECT COUNT(*) FROM outbox WHERE fulfillment_order_id = ?1",
            [fulfillment_order_id.to_string()],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Forgets an order's scans (the associate starts the pick over).
    pub fn reset_pick(&self, fulfillment_order_id: Uuid) -> Result<()> {
        self.db()
            .execute("DELETE FROM pick_progress WHERE fulfillment_order_id = ?1", [fulfillment_order_id.to_string()])?;
        Ok(())
    }
}

/// An order's state and its lines with the units scanned so far.
fn progress_of(conn: &Connection, fulfillment_order_id: Uuid) -> Result<(FulfillmentState, Vec<PickLine>)> {
    let id = fulfillment_order_id.to_string();
    let fo =
        load_order(conn, &id)?.ok_or_else(|| ReplicaError::NotFound { what: format!("fulfillment order {id}") })?;
    let mut lines = pick_lines(&fo.lines);
    let mut stmt =
        conn.prepare_cached("SELECT scanned FROM pick_progress WHERE fulfillment_order_id = ?1 AND line_no = ?2")?;
    for line in &mut lines {
        let scanned: Option<i64> = stmt.query_row(params![id, line.line_no], |r| r.get(0)).optional()?;
        line.scanned = scanned.unwrap_or(0).clamp(0, line.qty);
    }
    Ok((fo.state, lines))
}
