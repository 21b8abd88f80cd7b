//! Reads of the replica and the local side of actions.

use super::apply::{apply_to_order, fulfillment_of, stock_effects, StockEffect};
use super::Replica;
use crate::error::{ReplicaError, Result};
use rusqlite::{params, Connection, OptionalExtension};
use shared::approval::Approved;
use shared::catalogue::Sku;
use shared::fulfillment::{FulfillmentKind, FulfillmentState};
use shared::order::FulfillmentOrder;
use shared::pickup::{Attempt, AttemptState, PassCheck, PickupCode, PickupPass};
use shared::protocol::{Op, StaffRecord, StockRecord};
use shared::secret::verify_secret;
use shared::stock::Quality;
use uuid::Uuid;

pub(crate) fn load_order(conn: &Connection, id: &str) -> Result<Option<FulfillmentOrder>> {
    let json: Option<String> =
        conn.query_row("SELECT json FROM fulfillment_local WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(Into::into)).transpose()
}

pub(crate) fn store_order(conn: &Connection, fo: &FulfillmentOrder) -> Result<()> {
    conn.execute(
        "INSERT INTO fulfillment_local (id, state, kind, created_ms, json) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, kind = excluded.kind, json = excluded.json",
        params![
            fo.id.to_string(),
            fo.state.as_str(),
            fo.kind.as_str(),
            fo.created_at.timestamp_millis(),
            serde_json::to_string(fo)?
        ],
    )?;
    Ok(())
}

pub(crate) fn load_stock(conn: &Connection, sku: &str, quality: Quality) -> Result<Option<StockRecord>> {
    let json: Option<String> = conn
        .query_row("SELECT json FROM stock_local WHERE sku_code = ?1 AND quality = ?2", [sku, quality.as_str()], |r| {
            r.get(0)
        })
        .optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(Into::into)).transpose()
}

pub(crate) fn store_stock(conn: &Connection, r: &StockRecord) -> Result<()> {
    conn.execute(
        "INSERT INTO stock_local (sku_code, quality, on_hand, reserved, lease, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (sku_code, quality) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved, lease = excluded.lease, json = excluded.json",
        params![r.sku_code, r.quality.as_str(), r.on_hand, r.reserved, r.lease, serde_json::to_string(r)?],
    )?;
    Ok(())
}

/// A balance the store has never held.
pub(crate) fn empty_stock(sku: &str, quality: Quality) -> StockRecord {
    StockRecord { sku_code: sku.to_string(), quality, on_hand: 0, reserved: 0, safety: 0, locked: 0, lease: 0 }
}

pub(crate) fn apply_effect(conn: &Connection, e: &StockEffect) -> Result<()> {
    let (sku, quality) = e.key();
    let mut r = load_stock(conn, sku, quality)?.unwrap_or_else(|| empty_stock(sku, quality));
    e.apply(&mut r);
    store_stock(conn, &r)
}

/// Checks and applies an op to the local view (orders and stock).
pub(crate) fn apply_op_locally(conn: &Connection, op: &Op) -> Result<()> {
    let before = match fulfillment_of(op) {
        Some(id) => Some(
            load_order(conn, &id.to_string())?
                .ok_or_else(|| ReplicaError::NotFound { what: format!("fulfillment order {id}") })?,
        ),
        None => None,
    };
    if let Op::CountStock { lines, .. } = op {
        for l in lines {
            let known: bool =
                conn.query_row("SELECT EXISTS(SELECT 1 FROM sku WHERE code = ?1)", [&l.sku_code], |r| r.get(0))?;
            if !known {
                return Err(ReplicaError::NotFound { what: format!("SKU {}", l.sku_code) });
            }
        }
    }
    if let (Some(fo), Op::HandOverToCourier { check, .. }) = (&before, op) {
        super::apply::courier::check_hand_over(fo, check)?;
    }
    if let Some(fo) = &before {
        let after = apply_to_order(fo, op)?;
        store_order(conn, &after)?;
    }
    for e in stock_effects(op, before.as_ref()) {
        apply_effect(conn, &e)?;
    }
    Ok(())
}

pub use shared::app::{InboxItem, TaskCounts};

impl Replica {
    /// Fulfillment orders, newest first, optionally only those in `states`.
    pub fn fulfillment_orders(&self, states: &[FulfillmentState]) -> Result<Vec<FulfillmentOrder>> {
        let db = self.db();
        let mut stmt = db.prepare_cached("SELECT state, json FROM fulfillment_local ORDER BY created_ms DESC")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (state, json) = row?;
            if states.is_empty() || states.iter().any(|s| s.as_str() == state) {
                out.push(serde_json::from_str(&json)?);
            }
        }
        Ok(out)
    }

    /// One fulfillment order.
    pub fn fulfillment_order(&self, id: Uuid) -> Result<Option<FulfillmentOrder>> {
        load_order(&self.db(), &id.to_string())
    }

    /// Task counts for the home screen.
    pub fn task_counts(&self) -> Result<TaskCounts> {
        let db = self.db();
        let mut stmt = db.prepare_cached("SELECT state, kind, COUNT(*) FROM fulfillment_local GROUP BY state, kind")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?;
        let mut c = TaskCounts::default();
        for row in rows {
            let (state, kind, n) = row?;
            let n = n as u64;
            let pickup = FulfillmentKind::parse(&kind) == Some(FulfillmentKind::Pickup);
            match FulfillmentState::parse(&state) {
                Some(FulfillmentState::Routed) => c.to_accept += n,
                Some(FulfillmentState::Accepted | FulfillmentState::Picking) => c.to_pick += n,
                Some(FulfillmentState::Packed) if pickup => c.ready_for_pickup += n,
                Some(FulfillmentState::ReadyForPickup) => c.ready_for_pickup += n,
                Some(FulfillmentState::Packed | FulfillmentState::AwaitingCourier) => c.awaiting_courier += n,
                _ => {}
            }
        }
        Ok(c)
    }

    /// The SKU with this barcode (EAN-13 as scanned).
    pub fn lookup_barcode(&self, barcode: &str) -> Result<Option<Sku>> {
        let db = self.db();
        let mut stmt = db.prepare_cached("SELECT json FROM sku WHERE barcode = ?1")?;
        let json: Option<String> = stmt.query_row([barcode.trim()], |r| r.get(0)).optional()?;
        json.map(|j| serde_json::from_str(&j).map_err(Into::into)).transpose()
    }

    /// The store's stock of a SKU (every quality).
    pub fn stock(&self, sku: &str) -> Result<Vec<StockRecord>> {
        let db = self.db();
        let mut stmt = db.prepare_cached("SELECT json FROM stock_local WHERE sku_code = ?1 ORDER BY quality")?;
        let rows = stmt.query_map([sku], |r| r.get::<_, String>(0))?;
        rows.map(|j| Ok(serde_json::from_str(&j?)?)).collect()
    }

    /// Rejections and conflicts, newest first.
    pub fn inbox(&self) -> Result<Vec<InboxItem>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(
            "SELECT id, op_id, kind, status, code, message, fulfillment_order_id, created_ms, read, resolved_ms, resolution_note
             FROM inbox ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(InboxItem {
                id: r.get(0)?,
                op_id: r.get(1)?,
                kind: r.get(2)?,
                status: r.get(3)?,
                code: r.get(4)?,
                message: r.get(5)?,
                fulfillment_order_id: r.get(6)?,
                created_ms: r.get(7)?,
                read: r.get::<_, i64>(8)? != 0,
                resolved_ms: r.get(9)?,
                resolution_note: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
    }

    /// Where the next page of HQ's resolutions starts (`""` at first).
    pub fn resolutions_after(&self) -> Result<String> {
        Ok(Self::meta(&self.db(), "resolutions_after")?.unwrap_or_default())
    }

    /// Marks the inbox items whose conflicts HQ resolved, with HQ's note, as unread again so
    /// the associate sees the answer; remembers where the next page starts. Returns how many
    /// items changed (resolutions of ops this device did not send change nothing).
    pub fn apply_resolutions(&self, items: &[shared::protocol::Resolution], next: Option<&str>) -> Result<usize> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let mut changed = 0;
        for r in items {
            changed += tx.execute(
                "UPDATE inbox SET resolved_ms = ?2, resolution_note = ?3, read = 0 WHERE op_id = ?1 AND resolved_ms IS NULL",
                params![r.op_id.to_string(), r.resolved_at.timestamp_millis(), r.note],
            )?;
        }
        if let Some(next) = next {
            Self::set_meta(&tx, "resolutions_after", next)?;
        } else if let Some(last) = items.last() {
            // The last page: go on after its last item next time.
            let after = format!("{}/{}", last.resolved_at.timestamp_millis(), last.conflict_id);
            Self::set_meta(&tx, "resolutions_after", &after)?;
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Network availability of a SKU (for endless aisle) and the snapshot's time (ms).
    pub fn network_availability(&self, sku: &str) -> Result<Option<(i64, i64)>> {
        let db = self.db();
        Ok(db
            .query_row("SELECT available, as_of_ms FROM availability WHERE sku_code = ?1", [sku], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    /// When the availability snapshot was taken (ms), if there is one.
    pub fn availability_as_of(&self) -> Result<Option<i64>> {
        Ok(Self::meta(&self.db(), "availability_as_of")?.and_then(|s| s.parse().ok()))
    }

    /// Replaces the availability snapshot.
    pub fn replace_availability(&self, items: &[shared::protocol::NetworkAvailability], as_of_ms: i64) -> Result<()> {
        let mut db = self.db();
        let tx = db.transaction()?;
        tx.execute("DELETE FROM availability", [])?;
        {
            let mut stmt =
                tx.prepare("INSERT INTO availability (sku_code, available, as_of_ms) VALUES (?1, ?2, ?3)")?;
            for i in items {
                stmt.execute(params![i.sku_code, i.available, as_of_ms])?;
            }
        }
        Self::set_meta(&tx, "availability_as_of", &as_of_ms.to_string())?;
        tx.commit()?;
        Ok(())
    }

    /// Inbox items not yet read (the home screen's badge).
    pub fn unread_inbox(&self) -> Result<u64> {
        let n: i64 = self.db().query_row("SELECT COUNT(*) FROM inbox WHERE read = 0", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Marks an inbox item read.
    pub fn mark_read(&self, id: i64) -> Result<()> {
        self.db().execute("UPDATE inbox SET read = 1 WHERE id = ?1", [id])?;
        Ok(())
    }

    fn attempt_state(conn: &Connection, subject: &str) -> Result<AttemptState> {
        Ok(conn
            .query_row("SELECT failures, locked_until_ms, lockouts FROM attempts WHERE subject = ?1", [subject], |r| {
                Ok(AttemptState {
                    failures: r.get::<_, i64>(0)? as u32,
                    locked_until_ms: r.get(1)?,
                    lockouts: r.get::<_, i64>(2)? as u32,
                })
            })
            .optional()?
            .unwrap_or_default())
    }

    /// The rules HQ set for the counter, as of the last pull (the defaults before the first).
    pub(crate) fn device_rules(conn: &Connection) -> Result<shared::rules::DeviceRules> {
        Ok(Self::meta(conn, "rules")?.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default())
    }

    /// The rules HQ set that this device applies offline.
    pub fn rules(&self) -> Result<shared::rules::DeviceRules> {
        Self::device_rules(&self.db())
    }

    fn save_attempts(conn: &Connection, subject: &str, s: &AttemptState) -> Result<()> {
        conn.execute(
            "INSERT INTO attempts (subject, failures, locked_until_ms, lockouts) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (subject) DO UPDATE SET failures = excluded.failures, locked_until_ms = excluded.locked_until_ms,
               lockouts = excluded.lockouts",
            params![subject, s.failures as i64, s.locked_until_ms, s.lockouts as i64],
        )?;
        Ok(())
    }

    /// Checks a staff PIN offline (slow hash), with a lockout after repeated wrong PINs.
    pub fn login(&self, staff_id: &str, pin: &str, now_ms: i64) -> Result<StaffRecord> {
        let db = self.db();
        let staff: Option<(String, String, String, i64, String)> = db
            .query_row("SELECT name, role, pin_hash, active, approval_salt FROM staff WHERE id = ?1", [staff_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        let Some((name, role, pin_hash, active, approval_salt)) = staff.filter(|s| s.3 == 1) else {
            return Err(ReplicaError::NotFound { what: format!("active staff member {staff_id}") });
        };
        let subject = format!("pin:{staff_id}");
        let mut state = Self::attempt_state(&db, &subject)?;
        let matched = verify_secret(pin, &pin_hash);
        // PINs do not expire; the far-future expiry keeps the shared attempt rules.
        let outcome = state.attempt(&Self::device_rules(&db)?, matched, now_ms, i64::MAX);
        Self::save_attempts(&db, &subject, &state)?;
        match outcome {
            Attempt::Verified => Ok(StaffRecord {
                id: staff_id.to_string(),
                name,
                role: shared::staff::Role::parse(&role).unwrap_or(shared::staff::Role::Associate),
                pin_hash,
                active: active == 1,
                approval_salt,
            }),
            Attempt::Wrong { attempts_left } => Err(ReplicaError::WrongPin { attempts_left }),
            Attempt::LockedOut { until_ms } => Err(ReplicaError::LockedOut { until_ms }),
            Attempt::Expired => Err(ReplicaError::LockedOut { until_ms: now_ms }),
        }
    }

    /// A manager approves an action on this device by typing their PIN: checked offline
    /// like a log-in (with its lockout), then turned into the proof the server checks (see
    /// [`shared::approval`]). Only a manager of this store may approve.
    pub fn manager_approval(&self, manager_id: &str, pin: &str, what: Approved<'_>, now_ms: i64) -> Result<String> {
        let manager = self.login(manager_id, pin, now_ms)?;
        if manager.role != shared::staff::Role::Manager {
            return Err(ReplicaError::not_allowed(
                "not_manager",
                format!("{manager_id} is not a manager of this store; a manager must confirm"),
            ));
        }
        let key = shared::approval::approval_key(pin, manager_id, &manager.approval_salt);
        Ok(shared::approval::proof(&key, what))
    }

    /// Checks a pickup code typed or scanned at the counter, offline, with the per-order
    /// attempt limit and lockout.
    pub fn verify_pickup_code(&self, fulfillment_order_id: Uuid, input: &str, now_ms: i64) -> Result<Attempt> {
        check_pickup_code(&self.db(), fulfillment_order_id, input, now_ms)
    }
}

/// Checks a pickup code against the order's hash and records the attempt (committed on its
/// own, so wrong guesses count even when the action they were for is refused).
pub(crate) fn check_pickup_code(
    conn: &Connection,
    fulfillment_order_id: Uuid,
    input: &str,
    now_ms: i64,
) -> Result<Attempt> {
    let fo = load_order(conn, &fulfillment_order_id.to_string())?
        .ok_or_else(|| ReplicaError::NotFound { what: format!("fulfillment order {fulfillment_order_id}") })?;
    if let Some(pass) = PickupPass::parse(input) {
        return check_pickup_pass(conn, fulfillment_order_id, &pass, now_ms);
    }
    let Some(hash) = fo.pickup_code else {
        return Err(ReplicaError::not_allowed(
            "no_pickup_code",
            "this order's pickup code has not reached the device yet; sync, or use a manager's ID check",
        ));
    };
    let matched = PickupCode::parse_input(input)
        .is_some_and(|(c, qr)| qr.is_none_or(|q| q == fulfillment_order_id) && c.verify(&hash.hash));
    let subject = format!("pickup:{fulfillment_order_id}");
    let mut state = Replica::attempt_state(conn, &subject)?;
    let outcome = state.attempt(&Replica::device_rules(conn)?, matched, now_ms, hash.expires_at.timestamp_millis());
    Replica::save_attempts(conn, &subject, &state)?;
    Ok(outcome)
}

/// Checks a scanned pickup pass with HQ's public key (no secret on the device), counting a
/// forged or wrong pass like a wrong code.
fn check_pickup_pass(conn: &Connection, fulfillment_order_id: Uuid, pass: &PickupPass, now_ms: i64) -> Result<Attempt> {
    let key = Replica::meta(conn, "hq_public_key")?
        .and_then(|k| shared::secret::from_hex(&k))
        .and_then(|k| <[u8; 32]>::try_from(k).ok())
        .ok_or_else(|| {
            ReplicaError::not_allowed(
                "no_hq_key",
                "this device cannot check pickup QR codes until it is enrolled again; type the 8-digit code instead",
            )
        })?;
    let check = pass.check(&key, fulfillment_order_id, now_ms);
    let subject = format!("pickup:{fulfillment_order_id}");
    let mut state = Replica::attempt_state(conn, &subject)?;
    let outcome = match check {
        PassCheck::Expired => Attempt::Expired,
        other => state.attempt(&Replica::device_rules(conn)?, other == PassCheck::Valid, now_ms, pass.expires_ms),
    };
    Replica::save_attempts(conn, &subject, &state)?;
    Ok(outcome)
}
