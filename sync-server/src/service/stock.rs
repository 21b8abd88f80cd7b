//! Master data import, ERP stock adjustments, channel stock holds, and what HQ and devices
//! read of the stock pool.

use super::{now_ms, random_bytes, ServiceError};
use crate::storage::{catalogue, changes, ledger, Storage, Tx};
use serde::Serialize;
use shared::admin::{Audit, Health, HealthStatus};
use shared::import::{ImportBundle, ReservationRequest, StockAdjustmentBatch};
use shared::protocol::{AvailabilityPage, NetworkAvailability, StockRecord};
use shared::secret::{hash_secret, to_hex, token_digest, PIN_ITERATIONS};
use shared::staff::{valid_pin, PinPolicy};
use shared::stock::{MovementReason, Quality};
use std::collections::HashSet;

/// Most rows one import may carry.
pub const MAX_IMPORT_ROWS: usize = 200_000;

/// What an import changed: the API's own answer type.
pub use shared::admin::ImportSummary;

fn check_text(field: &str, value: &str, max: usize) -> Result<(), ServiceError> {
    super::text::check(field, value, shared::text::Rule::required(max))
}

/// Checks an import before anything is written, so a bad row changes nothing.
fn validate(b: &ImportBundle, tx: &mut dyn Tx) -> Result<(), ServiceError> {
    let rows = b.nodes.len() + b.styles.len() + b.skus.len() + b.bundles.len() + b.staff.len() + b.stock.len();
    if rows > MAX_IMPORT_ROWS {
        return Err(ServiceError::invalid(
            "too_many_rows",
            format!("an import may carry at most {MAX_IMPORT_ROWS} rows, got {rows}; split it"),
        ));
    }
    let nodes: HashSet<&str> = b.nodes.iter().map(|n| n.code.as_str()).collect();
    let styles: HashSet<&str> = b.styles.iter().map(|s| s.code.as_str()).collect();
    let skus: HashSet<&str> = b.skus.iter().map(|s| s.code.as_str()).collect();
    let mut barcodes = HashSet::new();
    for n in &b.nodes {
        check_text("node code", &n.code, 32)?;
        check_text("node name", &n.name, 200)?;
        if !n.location.is_valid() {
            return Err(ServiceError::invalid(
                "invalid_location",
                format!("node {} has coordinates off the globe", n.code),
            ));
        }
    }
    let node_ok = |tx: &mut dyn Tx, code: &str| -> Result<bool, ServiceError> {
        Ok(nodes.contains(code) || catalogue::node(tx, code)?.is_some())
    };
    for s in &b.styles {
        check_text("style code", &s.code, 64)?;
        check_text("style name", &s.name, 200)?;
        if s.list_price.0 < 0 {
            return Err(ServiceError::invalid("invalid_price", format!("style {} has a negative price", s.code)));
        }
    }
    for s in &b.skus {
        check_text("SKU code", &s.code, 64)?;
        if s.list_price.0 < 0 {
            return Err(ServiceError::invalid("invalid_price", format!("SKU {} has a negative price", s.code)));
        }
        if !barcodes.insert(s.barcode.as_str()) {
            return Err(ServiceError::invalid(
                "duplicate_barcode",
                format!("barcode {} appears twice in the import", s.barcode),
            ));
        }
        if !styles.contains(s.style_code.as_str()) && catalogue::style(tx, &s.style_code)?.is_none() {
            return Err(ServiceError::invalid(
                "unknown_style",
                format!("SKU {} names style {}, which is neither in the import nor known", s.code, s.style_code),
            ));
        }
    }
    let sku_ok = |tx: &mut dyn Tx, code: &str| -> Result<bool, ServiceError> {
        Ok(skus.contains(code) || catalogue::sku_exists(tx, code)?)
    };
    for bundle in &b.bundles {
        if !sku_ok(tx, &bundle.sku_code)? || bundle.components.is_empty() {
            return Err(ServiceError::invalid(
                "invalid_bundle",
                format!("bundle {} must be a known SKU with at least one component", bundle.sku_code),
            ));
        }
        for c in &bundle.components {
            if !sku_ok(tx, &c.sku_code)? || c.sku_code == bundle.sku_code {
                return Err(ServiceError::invalid(
                    "invalid_bundle",
                    format!("bundle {} has unknown component {}", bundle.sku_code, c.sku_code),
                ));
            }
        }
    }
    let policy = if b.staff.is_empty() { PinPolicy::default() } else { super::settings::pin_policy(tx)? };
    for s in &b.staff {
        check_text("staff id", &s.id, 64)?;
        check_text("staff name", &s.name, 100)?;
        if !valid_pin(&s.pin) {
            return Err(ServiceError::invalid("invalid_pin", format!("staff {}: a PIN is 4 to 8 digits", s.id)));
        }
        if !policy.allows(&s.pin) {
            return Err(ServiceError::invalid(
                "pin_too_short",
                format!("staff {}: HQ requires PINs of at least {} digits", s.id, policy.min_length),
            ));
        }
        let store =
            catalogue::node(tx, &s.store_code)?.or_else(|| b.nodes.iter().find(|n| n.code == s.store_code).cloned());
        if !store.is_some_and(|n| n.kind.is_store()) {
            return Err(ServiceError::invalid(
                "unknown_store",
                format!("staff {} names store {}, which is not a known store", s.id, s.store_code),
            ));
        }
    }
    for row in &b.stock {
        if !node_ok(tx, &row.node_code)? {
            return Err(ServiceError::invalid(
                "unknown_node",
                format!("stock row names unknown node {}", row.node_code),
            ));
        }
        if !sku_ok(tx, &row.sku_code)? {
            return Err(ServiceError::invalid("unknown_sku", format!("stock row names unknown SKU {}", row.sku_code)));
        }
    }
    Ok(())
}

/// Applies an import in one transaction: all of it or, on any invalid row, none of it.
pub fn import(tx: &mut dyn Tx, b: &ImportBundle) -> Result<ImportSummary, ServiceError> {
    // Published channel quantities: once per SKU at the end, not once per stock row.
    crate::storage::allocation::batched(tx, |tx| import_now(tx, b))
}

fn import_now(tx: &mut dyn Tx, b: &ImportBundle) -> Result<ImportSummary, ServiceError> {
    // The HTTP layer refuses control characters in any field; an import from the command
    // line does not pass it, so the same rule is applied to the whole bundle here.
    super::text::check_document(b)?;
    validate(b, tx)?;
    let now = now_ms();
    let mut summary = ImportSummary::default();
    for n in &b.nodes {
        catalogue::upsert_node(tx, n)?;
        changes::record(tx, changes::GLOBAL, changes::Entity::Node, &n.code)?;
        summary.nodes += 1;
    }
    for s in &b.styles {
        catalogue::upsert_style(tx, s)?;
        changes::record(tx, changes::GLOBAL, changes::Entity::Style, &s.code)?;
        summary.styles += 1;
    }
    for s in &b.skus {
        catalogue::upsert_sku(tx, s).map_err(|e| match e {
            crate::storage::StorageError::Constraint(_) => ServiceError::invalid(
                "duplicate_barcode",
                format!("barcode {} of SKU {} already belongs to another SKU", s.barcode, s.code),
            ),
            other => other.into(),
        })?;
        changes::record(tx, changes::GLOBAL, changes::Entity::Sku, &s.code)?;
        summary.skus += 1;
    }
    for bundle in &b.bundles {
        catalogue::replace_bundle(tx, bundle)?;
        changes::record(tx, changes::GLOBAL, changes::Entity::Bundle, &bundle.sku_code)?;
        summary.bundles += 1;
    }
    for s in &b.staff {
        let pin_hash = hash_secret(&s.pin, &random_bytes::<16>(), PIN_ITERATIONS);
        let approval_salt = to_hex(&random_bytes::<16>());
        let approval_key = to_hex(&shared::approval::approval_key(&s.pin, &s.id, &approval_salt));
        let before = catalogue::staff(tx, &s.id)?.map(|(store, _)| store);
        let row = catalogue::StaffRow {
            id: &s.id,
            store: &s.store_code,
            name: &s.name,
            role: s.role,
            pin_hash: &pin_hash,
            approval_salt: &approval_salt,
            approval_key: &approval_key,
        };
        catalogue::upsert_staff(tx, &row)?;
        changes::record(tx, &s.store_code, changes::Entity::Staff, &s.id)?;
        // Moved: the old store's devices hold the record too and must learn they left (pull
        // serves them the member deactivated), or the old PIN keeps working there offline.
        if let Some(old_store) = before.filter(|old| *old != s.store_code) {
            changes::record(tx, &old_store, changes::Entity::Staff, &s.id)?;
        }
        summary.staff += 1;
    }
    for row in &b.stock {
        let level = ledger::balance(tx, &row.node_code, &row.sku_code, row.quality)?;
        let delta = row.on_hand.get() - level.on_hand;
        if delta != 0 {
            let m = ledger::Movement {
                node: &row.node_code,
                sku: &row.sku_code,
                quality: row.quality,
                delta,
                reason: MovementReason::Import,
                reference: "import",
            };
            ledger::record_movement(tx, &m, now)?;
            summary.movements += 1;
        }
        if let Some(safety) = row.safety {
            ledger::set_safety(tx, &row.node_code, &row.sku_code, row.quality, safety.get())?;
        }
        summary.stock += 1;
    }
    Ok(summary)
}

/// What an adjustment batch did: the API's own answer type.
pub use shared::admin::AdjustmentResult;

/// Applies an ERP adjustment batch once per `batch_id`, all lines or none: a line that
/// would take on-hand below zero or below what is reserved refuses the whole batch (422
/// `adjustment_exceeds_stock`, naming the line).
pub fn adjust(tx: &mut dyn Tx, batch: &StockAdjustmentBatch) -> Result<AdjustmentResult, ServiceError> {
    crate::storage::allocation::batched(tx, |tx| adjust_now(tx, batch))
}

fn adjust_now(tx: &mut dyn Tx, batch: &StockAdjustmentBatch) -> Result<AdjustmentResult, ServiceError> {
    check_text("batch_id", &batch.batch_id, 100)?;
    if batch.lines.is_empty() || batch.lines.len() > 10_000 {
        return Err(ServiceError::invalid("invalid_batch", "a batch has 1 to 10000 lines"));
    }
    let digest = token_digest(&serde_json::to_string(batch).unwrap_or_default());
    if let Some(applied) = ledger::adjustment_batch_digest(tx, &batch.batch_id)? {
        if applied != digest {
            return Err(ServiceError::conflict(
                "batch_id_reused",
                format!("batch {} was applied before with different lines; use a new batch_id", batch.batch_id),
            ));
        }
        return Ok(AdjustmentResult { batch_id: batch.batch_id.clone(), applied: 0, replayed: true });
    }
    for (i, l) in batch.lines.iter().enumerate() {
        super::text::check(&format!("lines[{i}].note"), &l.note, shared::text::ADJUSTMENT_NOTE)?;
    }
    for l in &batch.lines {
        if l.delta == 0 || l.delta.unsigned_abs() > shared::quantity::MAX_QTY as u64 {
            return Err(ServiceError::invalid(
                "invalid_delta",
                format!(
                    "delta for {} at {} must be non-zero and at most {} units",
                    l.sku_code,
                    l.node_code,
                    shared::quantity::MAX_QTY
                ),
            ));
        }
        if catalogue::node(tx, &l.node_code)?.is_none() {
            return Err(ServiceError::invalid("unknown_node", format!("unknown node {}", l.node_code)));
        }
        if !catalogue::sku_exists(tx, &l.sku_code)? {
            return Err(ServiceError::invalid("unknown_sku", format!("unknown SKU {}", l.sku_code)));
        }
    }
    let now = now_ms();
    for (i, l) in batch.lines.iter().enumerate() {
        let m = ledger::Movement {
            node: &l.node_code,
            sku: &l.sku_code,
            quality: l.quality,
            delta: l.delta,
            reason: MovementReason::Adjustment,
            reference: &batch.batch_id,
        };
        if !ledger::try_record_movement(tx, &m, now)? {
            // The transaction rolls back: no line of the batch is applied.
            let level = ledger::balance(tx, &l.node_code, &l.sku_code, l.quality)?;
            return Err(ServiceError::invalid(
                "adjustment_exceeds_stock",
                format!(
                    "line {} ({} {} at {}): a delta of {} would leave {} on hand with {} reserved and {} locked \
                     (counting the batch's earlier lines); an adjustment may not take on-hand below zero or below \
                     what is reserved and locked for campaigns. Nothing in batch {} was applied",
                    i + 1,
                    l.sku_code,
                    l.quality.as_str(),
                    l.node_code,
                    l.delta,
                    level.on_hand + l.delta,
                    level.reserved,
                    level.locked,
                    batch.batch_id
                ),
            ));
        }
    }
    ledger::insert_adjustment_batch(tx, &batch.batch_id, &digest, now)?;
    Ok(AdjustmentResult { batch_id: batch.batch_id.clone(), applied: batch.lines.len(), replayed: false })
}

/// A hold and whether this call created it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HoldResult {
    /// The reservation.
    #[serde(flatten)]
    pub reservation: ledger::Reservation,
    /// False when the reference had been used for the same hold before.
    #[serde(skip)]
    pub created: bool,
}

/// Places a channel hold: all of `qty` or nothing, for `ttl_seconds` (HQ's default TTL when
/// not given); the sweeper releases it when that passes. Idempotent by `reference`.
pub fn hold(tx: &mut dyn Tx, req: &ReservationRequest) -> Result<HoldResult, ServiceError> {
    check_text("reference", &req.reference, 100)?;
    if let Some(existing) = ledger::reservation_by_reference(tx, &req.reference)? {
        if existing.node_code != req.node_code || existing.sku_code != req.sku_code || existing.qty != req.qty.get() {
            return Err(ServiceError::conflict(
                "reference_reused",
                format!("reference {} already holds a different reservation", req.reference),
            ));
        }
        return Ok(HoldResult { reservation: existing, created: false });
    }
    if catalogue::node(tx, &req.node_code)?.is_none() {
        return Err(ServiceError::invalid("unknown_node", format!("unknown node {}", req.node_code)));
    }
    if !catalogue::sku_exists(tx, &req.sku_code)? {
        return Err(ServiceError::invalid("unknown_sku", format!("unknown SKU {}", req.sku_code)));
    }
    let holds = super::campaigns::stock_control(tx)?.policy.holds;
    let ttl = req.ttl_seconds.unwrap_or(holds.default_ttl_seconds);
    if ttl == 0 || ttl > holds.max_ttl_seconds {
        return Err(ServiceError::invalid(
            "invalid_ttl",
            format!("ttl_seconds must be 1 to {} (HQ's holds.max_ttl_seconds)", holds.max_ttl_seconds),
        ));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let now = now_ms();
    if !ledger::try_reserve(tx, &id, Some(&req.reference), &req.node_code, &req.sku_code, req.qty.get(), now)? {
        let available = ledger::balance(tx, &req.node_code, &req.sku_code, Quality::Sellable)?.available();
        return Err(ServiceError::conflict(
            "insufficient_stock",
            format!("only {available} of {} available at {}, {} requested", req.sku_code, req.node_code, req.qty.get()),
        ));
    }
    ledger::set_expiry(tx, &id, now + i64::from(ttl) * 1000)?;
    let reservation = ledger::reservation(tx, &id)?.ok_or_else(|| ServiceError::not_found("reservation", &id))?;
    Ok(HoldResult { reservation, created: true })
}

/// Releases a channel hold. Releasing twice is harmless.
pub fn release_hold(tx: &mut dyn Tx, id: &str) -> Result<ledger::Reservation, ServiceError> {
    let r = ledger::reservation(tx, id)?.ok_or_else(|| ServiceError::not_found("reservation", id))?;
    if r.reference.is_none() {
        return Err(ServiceError::conflict(
            "not_a_hold",
            "this reservation belongs to a fulfillment order; cancel the order instead",
        ));
    }
    ledger::close_reservation(tx, id, ledger::Close::Release, id, now_ms())?;
    Ok(ledger::reservation(tx, id)?.unwrap_or(r))
}

/// A node's balances (HQ view), in SKU order, at most 10000; only `sku`'s when given. An
/// unknown node is 404; an unknown SKU (or one the node has no stock of) gives an empty list.
pub fn node_stock(tx: &mut dyn Tx, node: &str, sku: Option<&str>) -> Result<Vec<StockRecord>, ServiceError> {
    if catalogue::node(tx, node)?.is_none() {
        return Err(ServiceError::not_found("node", node));
    }
    Ok(ledger::node_stock(tx, node, sku)?)
}

/// Checks the stock pool's invariants.
pub fn audit(tx: &mut dyn Tx) -> Result<Audit, ServiceError> {
    Ok(ledger::audit(tx)?)
}

/// Most SKUs per network availability page.
pub const MAX_AVAILABILITY_PAGE: u32 = 5_000;

/// One page of sellable units available to promise across the network, per SKU after
/// `after` in code order; `limit` is clamped to `1..=MAX_AVAILABILITY_PAGE`. The page is as
/// of `now`.
pub fn network_availability(
    tx: &mut dyn Tx,
    after: &str,
    limit: u32,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<AvailabilityPage, ServiceError> {
    let limit = limit.clamp(1, MAX_AVAILABILITY_PAGE);
    let items = ledger::network_availability(tx, after, limit)?;
    let next = (items.len() as u32 == limit).then(|| items.last().map(|i| i.0.clone())).flatten();
    // Kits (bundles) have no balance: their availability is the minimum over components.
    let items = super::routing::with_kits(tx, items, after, limit)?;
    Ok(AvailabilityPage {
        as_of: now,
        items: items.into_iter().map(|(sku_code, available)| NetworkAvailability { sku_code, available }).collect(),
        next,
    })
}

/// `GET /healthz`: whether the database answers. It is not stock, but the service layer has
/// no module of its own for it yet.
pub async fn health(storage: &dyn Storage) -> Result<Health, ServiceError> {
    super::read(storage, |tx| Ok(crate::storage::health(tx)?)).await?;
    Ok(Health { status: HealthStatus::Ok, database: storage.backend_name().to_string() })
}
