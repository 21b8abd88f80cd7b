//! The local replica: SQLite on the device, written only through these methods.

mod aisle;
pub mod apply;
mod courier;
mod pull;
mod queries;
mod returns;
#[cfg(test)]
mod tests;
mod views;

use crate::clock::SystemClock;
use crate::error::{ReplicaError, Result};
use rusqlite::{params, Connection, OptionalExtension};
use shared::approval::Approved;
use shared::pickup::Attempt;
use shared::protocol::{EnrollResponse, HandOverVerification, Op, OpEnvelope, OpOutcome, OpResult};
use shared::staff::Role;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use uuid::Uuid;

pub use queries::{InboxItem, TaskCounts};
pub use views::{SkuView, StaffMember};

const SCHEMA_VERSION: i64 = 6;

/// Migrations from each schema version to the next; `MIGRATIONS[0]` turns version 1 into 2.
const MIGRATIONS: [&str; 5] = [
    include_str!("schema_v2.sql"),
    include_str!("schema_v3.sql"),
    include_str!("schema_v4.sql"),
    include_str!("schema_v5.sql"),
    include_str!("schema_v6.sql"),
];

/// What enrollment recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrollment {
    /// Server base URL.
    pub server_url: String,
    /// This device's id.
    pub device_id: Uuid,
    /// The store.
    pub store: shared::node::Node,
}

/// The device's replica of its store.
pub struct Replica {
    conn: Mutex<Connection>,
}

impl Replica {
    /// Opens (creating if needed) the replica file.
    pub fn open(path: &Path) -> Result<Replica> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| ReplicaError::Storage { message: format!("cannot create {}: {e}", dir.display()) })?;
        }
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(ReplicaError::Storage {
                message: format!("the replica was written by a newer app (schema {version}); update the app"),
            });
        }
        // A replica written by an older app is brought up to date in place: nothing queued
        // on the shop floor may be lost to an app update.
        let mut sql = String::from("BEGIN;");
        if version == 0 {
            sql.push_str(include_str!("schema.sql"));
        }
        for migration in &MIGRATIONS[(version.max(1) - 1) as usize..] {
            sql.push_str(migration);
        }
        if version < SCHEMA_VERSION {
            sql.push_str(&format!("PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"));
            conn.execute_batch(&sql)?;
        }
        Ok(Replica { conn: Mutex::new(conn) })
    }

    pub(crate) fn db(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back).
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn meta(conn: &Connection, key: &str) -> Result<Option<String>> {
        Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// The enrollment, if the device is enrolled.
    pub fn enrollment(&self) -> Result<Option<Enrollment>> {
        let db = self.db();
        let (Some(url), Some(id), Some(store)) =
            (Self::meta(&db, "server_url")?, Self::meta(&db, "device_id")?, Self::meta(&db, "store")?)
        else {
            return Ok(None);
        };
        Ok(Some(Enrollment {
            server_url: url,
            device_id: Uuid::parse_str(&id).map_err(|e| ReplicaError::Storage { message: e.to_string() })?,
            store: serde_json::from_str(&store)?,
        }))
    }

    /// Records a fresh enrollment; a device moved to another store starts from scratch.
    pub fn record_enrollment(&self, server_url: &str, resp: &EnrollResponse) -> Result<()> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let previous_store =
            Self::meta(&tx, "store")?.and_then(|s| serde_json::from_str::<shared::node::Node>(&s).ok());
        if previous_store.is_none_or(|s| s.code != resp.store.code)
            || Self::meta(&tx, "server_url")?.as_deref() != Some(server_url)
        {
            // Another store or server: this replica's data and unsent work belong elsewhere.
            tx.execute_batch(
                "DELETE FROM stock_server; DELETE FROM stock_local; DELETE FROM fulfillment_server; DELETE FROM fulfillment_local;
                 DELETE FROM staff; DELETE FROM outbox; DELETE FROM attempts; DELETE FROM availability; DELETE FROM pick_progress; DELETE FROM meta;
                 DELETE FROM return_order; DELETE FROM return_record; DELETE FROM placed_order;
                 DELETE FROM pack_parcel; DELETE FROM rider_arrival_seen;",
            )?;
        }
        // A new device id starts a new sequence on the server: renumber what is still
        // unsent from 1 so nothing done on the shop floor is lost by re-enrolling.
        let unsent = Self::renumber_outbox(&tx)?;
        Self::set_meta(&tx, "server_url", server_url)?;
        Self::set_meta(&tx, "device_id", &resp.device_id.to_string())?;
        Self::set_meta(&tx, "store", &serde_json::to_string(&resp.store)?)?;
        match &resp.hq_public_key {
            Some(key) => Self::set_meta(&tx, "hq_public_key", key)?,
            None => {
                tx.execute("DELETE FROM meta WHERE key = 'hq_public_key'", [])?;
            }
        }
        Self::set_meta(&tx, "cursor", shared::protocol::BOOTSTRAP_CURSOR)?;
        Self::set_meta(&tx, "next_seq", &(unsent + 1).to_string())?;
        tx.commit()?;
        Ok(())
    }

    /// Starts the store's download again from cursor 0 (the server no longer knows this
    /// device's cursor). The first bootstrap page then replaces every server-owned table,
    /// so nothing the restored server no longer has lingers; the outbox, the inbox and pick
    /// progress stay, and unsent ops are applied again on top.
    pub fn restart_bootstrap(&self) -> Result<()> {
        let mut db = self.db();
        let tx = db.transaction()?;
        Self::set_meta(&tx, "cursor", shared::protocol::BOOTSTRAP_CURSOR)?;
        Self::set_meta(&tx, "rebootstrap", "1")?;
        tx.commit()?;
        Ok(())
    }

    /// Renumbers the outbox 1..=n in its order; returns n.
    fn renumber_outbox(tx: &Connection) -> Result<i64> {
        let rows: Vec<(String, String, String, String, Option<String>)> = {
            let mut stmt =
                tx.prepare("SELECT op_id, staff_id, device_time, op, fulfillment_order_id FROM outbox ORDER BY seq")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        tx.execute("DELETE FROM outbox", [])?;
        for (i, (op_id, staff, time, op, fo)) in rows.iter().enumerate() {
            tx.execute(
                "INSERT INTO outbox (seq, op_id, staff_id, device_time, op, fulfillment_order_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![i as i64 + 1, op_id, staff, time, op, fo],
            )?;
        }
        Ok(rows.len() as i64)
    }

    /// Does an action: checks it against the local state with the shared rules (the order's
    /// state machine, the text and input rules of [`shared::text`] and [`shared::input`], and
    /// that only an active manager confirms an ID check), applies it at once and queues it
    /// for the server, in one local transaction. A refused action queues nothing. Returns
    /// the queued op. Reads the device's clock ([`SystemClock::now`]); a caller that has
    /// the time already passes it to [`Replica::perform_at`].
    pub fn perform(&self, staff_id: &str, op: Op) -> Result<OpEnvelope> {
        self.perform_at(staff_id, op, SystemClock::now())
    }

    /// [`Replica::perform`] with the device clock reading given (the clock may be wrong;
    /// the server orders ops by sequence number, never by this time). A pickup code is
    /// checked for expiry and lockout at this time too.
    pub fn perform_at(&self, staff_id: &str, op: Op, device_time: chrono::DateTime<chrono::Utc>) -> Result<OpEnvelope> {
        self.perform_then(staff_id, op, device_time, |_, _| Ok(()))
    }

    /// [`Replica::perform_at`], also running `then` with the queued op inside the same
    /// local transaction (a record the action keeps on the device beside the op).
    pub(crate) fn perform_then(
        &self,
        staff_id: &str,
        op: Op,
        device_time: chrono::DateTime<chrono::Utc>,
        then: impl FnOnce(&Connection, &OpEnvelope) -> Result<()>,
    ) -> Result<OpEnvelope> {
        let mut db = self.db();
        if let Op::HandOver { fulfillment_order_id, verification: HandOverVerification::PickupCode { code } } = &op {
            // The same attempt limit and expiry as the counter check, counted even if refused.
            let now = device_time.timestamp_millis();
            match queries::check_pickup_code(&db, *fulfillment_order_id, code, now)? {
                Attempt::Verified => {}
                Attempt::Wrong { attempts_left } => return Err(ReplicaError::WrongPickupCode { attempts_left }),
                Attempt::LockedOut { until_ms } => return Err(ReplicaError::LockedOut { until_ms }),
                Attempt::Expired => {
                    return Err(ReplicaError::not_allowed(
                        "pickup_code_expired",
                        "the pickup code has expired; ask HQ to issue a new one, or use a manager's ID check",
                    ))
                }
            }
        }
        Self::meta(&db, "store")?.ok_or(ReplicaError::NotEnrolled)?;
        // Text the server could never store (a control character) is refused here, before it
        // reaches the outbox, rather than by the server on every retry.
        for (field, value) in op.text_fields() {
            if let Err(e) = shared::text::check(&field, value, shared::text::Rule::ANY) {
                return Err(ReplicaError::not_allowed("invalid_field", e.to_string()));
            }
        }
        // What only a person can supply: a reason to reject, a note on an ID check.
        shared::input::check_op(&op)?;
        let tx = db.transaction()?;
        let staff_ok: bool =
            tx.query_row("SELECT EXISTS(SELECT 1 FROM staff WHERE id = ?1 AND active = 1)", [staff_id], |r| r.get(0))?;
        if !staff_ok {
            return Err(ReplicaError::not_allowed(
                "unknown_staff",
                format!("{staff_id} is not active staff of this store; log in again"),
            ));
        }
        if let Op::HandOver { verification: HandOverVerification::IdCheck { manager_id, .. }, .. } = &op {
            if !Self::is_active_manager(&tx, manager_id)? {
                return Err(ReplicaError::NotManager { staff_id: manager_id.clone() });
            }
        }
        queries::apply_op_locally(&tx, &op)?;
        if let Op::ConfirmPick { fulfillment_order_id, .. } | Op::RejectFulfillment { fulfillment_order_id, .. } = &op {
            tx.execute(
                "DELETE FROM pick_progress WHERE fulfillment_order_id = ?1",
                [fulfillment_order_id.to_string()],
            )?;
        }
        let seq: i64 = Self::meta(&tx, "next_seq")?.and_then(|s| s.parse().ok()).unwrap_or(1);
        let env = OpEnvelope {
            op_id: Uuid::now_v7(),
            device_seq: seq as u64,
            staff_id: staff_id.to_string(),
            device_time,
            op,
        };
        tx.execute(
            "INSERT INTO outbox (seq, op_id, staff_id, device_time, op, fulfillment_order_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                seq,
                env.op_id.to_string(),
                env.staff_id,
                env.device_time.to_rfc3339(),
                serde_json::to_string(&env.op)?,
                apply::fulfillment_of(&env.op).map(|u| u.to_string())
            ],
        )?;
        Self::set_meta(&tx, "next_seq", &(seq + 1).to_string())?;
        then(&tx, &env)?;
        tx.commit()?;
        Ok(env)
    }

    /// Whether `staff_id` is an active member of this store who may confirm an ID check.
    fn is_active_manager(conn: &Connection, staff_id: &str) -> Result<bool> {
        let role: Option<String> = conn
            .query_row("SELECT role FROM staff WHERE id = ?1 AND active = 1", [staff_id], |r| r.get(0))
            .optional()?;
        Ok(role.as_deref().and_then(Role::parse).is_some_and(shared::input::may_confirm_id_check))
    }

    /// Hands an order over after a manager checked the customer's ID instead of a code. The
    /// note must say what was checked; the manager confirms with their own PIN, checked
    /// offline like a log-in (wrong PINs count towards its lockout), and the proof of it
    /// goes with the hand-over for the server to check. Only an active manager of the store
    /// may confirm. Refused input queues nothing. `now_ms` is the device clock reading, for
    /// the PIN check and as the op's device time.
    pub fn hand_over_with_id_check(
        &self,
        staff_id: &str,
        fulfillment_order_id: Uuid,
        manager_id: &str,
        manager_pin: &str,
        note: &str,
        now_ms: i64,
    ) -> Result<OpEnvelope> {
        shared::input::check_id_check_note(note)?;
        let device_time = chrono::DateTime::from_timestamp_millis(now_ms)
            .ok_or_else(|| ReplicaError::not_allowed("invalid_time", format!("{now_ms} ms is not a clock reading")))?;
        let what = Approved::IdCheck { fulfillment_order_id, manager_id };
        let approval = self.manager_approval(manager_id, manager_pin, what, now_ms).map_err(|e| match e {
            ReplicaError::NotAllowed { reason, .. } if reason == "not_manager" => {
                ReplicaError::NotManager { staff_id: manager_id.to_string() }
            }
            other => other,
        })?;
        let verification = HandOverVerification::IdCheck {
            manager_id: manager_id.to_string(),
            note: note.trim().to_string(),
            approval: Some(approval),
        };
        self.perform_at(staff_id, Op::HandOver { fulfillment_order_id, verification }, device_time)
    }

    /// Unacknowledged ops in device order, at most `limit`.
    pub fn pending_ops(&self, limit: usize) -> Result<Vec<OpEnvelope>> {
        let db = self.db();
        let mut stmt =
            db.prepare_cached("SELECT seq, op_id, staff_id, device_time, op FROM outbox ORDER BY seq LIMIT ?1")?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, op_id, staff_id, time, op) = row?;
            out.push(OpEnvelope {
                op_id: Uuid::parse_str(&op_id).map_err(|e| ReplicaError::Storage { message: e.to_string() })?,
                device_seq: seq as u64,
                staff_id,
                device_time: chrono::DateTime::parse_from_rfc3339(&time)
                    .map_err(|e| ReplicaError::Storage { message: e.to_string() })?
                    .to_utc(),
                op: serde_json::from_str(&op)?,
            });
        }
        Ok(out)
    }

    /// Ops not yet acknowledged by the server.
    pub fn pending_count(&self) -> Result<u64> {
        Ok(self.db().query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// Records the server's answers: answered ops leave the outbox, rejections and conflicts
    /// go to the inbox, stamped `now_ms` (Unix ms). Answers for ops this device does not
    /// have are ignored.
    pub fn record_push_results(&self, results: &[OpResult], now_ms: i64) -> Result<()> {
        let mut db = self.db();
        let tx = db.transaction()?;
        for r in results {
            let row: Option<(String, Option<String>)> = tx
                .query_row(
                    "SELECT op, fulfillment_order_id FROM outbox WHERE op_id = ?1",
                    [r.op_id.to_string()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let Some((op, fo)) = row else { continue };
            tx.execute("DELETE FROM outbox WHERE op_id = ?1", [r.op_id.to_string()])?;
            aisle::record_answer(&tx, r, now_ms)?;
            let (status, code, message) = match &r.outcome {
                OpOutcome::Applied => continue,
                OpOutcome::Rejected { code, message } => ("rejected", code, message),
                OpOutcome::Conflict { code, message } => ("conflict", code, message),
            };
            if let OpOutcome::Rejected { .. } = &r.outcome {
                // The server did not do it: show the server's state again, with the
                // device's other unanswered ops on top.
                if let Ok(rejected) = serde_json::from_str::<Op>(&op) {
                    let order = match &fo {
                        Some(id) => queries::load_order(&tx, id)?,
                        None => None,
                    };
                    for e in apply::stock_effects(&rejected, order.as_ref()) {
                        let (sku, quality) = e.key();
                        pull::rebuild_stock(&tx, sku, quality)?;
                    }
                }
                if let Some(fo) = &fo {
                    pull::rebuild_order(&tx, fo)?;
                }
            }
            let kind = serde_json::from_str::<Op>(&op).map(|o| o.kind()).unwrap_or("unknown");
            tx.execute(
                "INSERT INTO inbox (op_id, kind, status, code, message, fulfillment_order_id, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (op_id) DO NOTHING",
                params![r.op_id.to_string(), kind, status, code, message, fo, now_ms],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The server refused an op whole (a 4xx for the op itself, e.g. text it can never
    /// store): it will never be applied, so it leaves the outbox as a rejection in the inbox,
    /// its local effects are undone, and the ops queued after it are renumbered down so the
    /// device's sequence has no gap the server would refuse. Nothing else is lost. The
    /// rejection is stamped `now_ms` (Unix ms).
    pub fn refuse_unsendable(&self, op_id: Uuid, code: &str, message: &str, now_ms: i64) -> Result<()> {
        let seq: Option<i64> = self
            .db()
            .query_row("SELECT seq FROM outbox WHERE op_id = ?1", [op_id.to_string()], |r| r.get(0))
            .optional()?;
        let Some(seq) = seq else { return Ok(()) };
        let refused = OpResult {
            op_id,
            device_seq: seq as u64,
            outcome: OpOutcome::Rejected { code: code.to_string(), message: message.to_string() },
        };
        self.record_push_results(std::slice::from_ref(&refused), now_ms)?;
        let mut db = self.db();
        let tx = db.transaction()?;
        let later: Vec<i64> = {
            let mut stmt = tx.prepare("SELECT seq FROM outbox WHERE seq > ?1 ORDER BY seq")?;
            let rows = stmt.query_map([seq], |r| r.get(0))?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        for s in later {
            tx.execute("UPDATE outbox SET seq = ?1 WHERE seq = ?2", [s - 1, s])?;
        }
        let next: i64 = Self::meta(&tx, "next_seq")?.and_then(|s| s.parse().ok()).unwrap_or(seq + 1);
        Self::set_meta(&tx, "next_seq", &(next - 1).max(seq).to_string())?;
        tx.commit()?;
        Ok(())
    }

    /// The pull cursor.
    pub fn cursor(&self) -> Result<String> {
        Ok(Self::meta(&self.db(), "cursor")?.unwrap_or_else(|| shared::protocol::BOOTSTRAP_CURSOR.to_string()))
    }
}
