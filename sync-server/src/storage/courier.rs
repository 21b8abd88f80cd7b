//! Courier dispatch as stored (migration 0007): bookings (one row per attempt), the callbacks
//! the platforms sent, the courier worker's task outbox (claimed with a lease, acknowledged)
//! and the fees per fulfillment order.

use super::{Dialect, Row, StorageError, Tx};
use crate::params;
use shared::courier::{
    BookingProblem, BookingStatus, CourierBooking, CourierMethod, ExpressService, Parcel, Rider, ShippingLabel,
};
use shared::node::GeoPoint;
use shared::Fen;
use uuid::Uuid;

/// A booking as stored: the shared [`CourierBooking`] plus what only the server keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct BookingRow {
    /// The booking as HQ and the store see it.
    pub booking: CourierBooking,
    /// The store it leaves from.
    pub node_code: String,
    /// The dispatcher's booking number since the store's request (1 for the first).
    pub dispatch_no: u32,
    /// HQ asked the platform to cancel it (an order cancelled while a rider was on the way).
    pub cancel_requested: bool,
    /// Created (ms).
    pub created_ms: i64,
}

const BOOKING_COLUMNS: &str = "id, fulfillment_order_id, node_code, method, service, platform, attempt, platform_order_no, status, problem, problem_detail, fee_fen, tip_fen, penalty_fen, distance_m, rider_name, rider_phone, rider_lat_e6, rider_lon_e6, rider_code, eta_ms, parcels, labels, cancel_requested, created_ms, updated_ms, dispatch_no";

fn json<T: serde::Serialize>(v: &T) -> Result<String, StorageError> {
    serde_json::to_string(v).map_err(|e| StorageError::Decode(format!("cannot encode: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T, StorageError> {
    serde_json::from_str(s).map_err(|e| StorageError::Decode(format!("{what}: {e}")))
}

fn e6(v: f64) -> i64 {
    (v * 1e6).round() as i64
}

fn booking_from_row(r: &Row) -> Result<BookingRow, StorageError> {
    let bad = |what: &str, v: &str| StorageError::Decode(format!("{what} {v}"));
    let method = r.text(3)?;
    let service = r.text(4)?;
    let status = r.text(8)?;
    let problem = r.opt_text(9)?;
    let rider = match (r.opt_text(15)?, r.opt_text(16)?) {
        (Some(name), Some(phone)) => Some(Rider {
            name,
            phone,
            position: match (r.opt_i64(17)?, r.opt_i64(18)?) {
                (Some(lat), Some(lon)) => Some(GeoPoint { lat: lat as f64 / 1e6, lon: lon as f64 / 1e6 }),
                _ => None,
            },
        }),
        _ => None,
    };
    Ok(BookingRow {
        booking: CourierBooking {
            id: r.uuid(0)?,
            fulfillment_order_id: r.uuid(1)?,
            method: CourierMethod::parse(&method).ok_or_else(|| bad("method", &method))?,
            service: ExpressService::parse(&service).ok_or_else(|| bad("service", &service))?,
            platform: r.text(5)?,
            attempt: r.i64(6)? as u32,
            platform_order_no: r.opt_text(7)?,
            status: BookingStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
            problem: problem
                .as_deref()
                .map(|p| BookingProblem::parse(p).ok_or_else(|| bad("problem", p)))
                .transpose()?,
            problem_detail: r.opt_text(10)?,
            fee: Fen(r.i64(11)?),
            tip: Fen(r.i64(12)?),
            penalty: Fen(r.i64(13)?),
            distance_m: r.opt_i64(14)?.map(|d| d as u32),
            rider,
            rider_code: r.opt_text(19)?,
            eta: r.opt_i64(20)?.map(crate::clock::at_ms),
            parcels: from_json::<Vec<Parcel>>("parcels", &r.text(21)?)?,
            labels: from_json::<Vec<ShippingLabel>>("labels", &r.text(22)?)?,
            updated_at: crate::clock::at_ms(r.i64(25)?),
        },
        node_code: r.text(2)?,
        dispatch_no: r.i64(26)? as u32,
        cancel_requested: r.bool(23)?,
        created_ms: r.i64(24)?,
    })
}

/// Inserts a booking.
pub fn insert_booking(tx: &mut dyn Tx, b: &BookingRow) -> Result<(), StorageError> {
    let k = &b.booking;
    tx.exec(
        "INSERT INTO courier_booking (id, fulfillment_order_id, node_code, method, service, platform, attempt, status,
            problem, problem_detail, tip_fen, parcels, labels, created_ms, updated_ms, dispatch_no, rider_code)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, '[]', $13, $13, $14, $15)",
        params![
            k.id,
            k.fulfillment_order_id,
            &b.node_code,
            k.method.as_str(),
            k.service.as_str(),
            &k.platform,
            k.attempt,
            k.status.as_str(),
            k.problem.map(|p| p.as_str()),
            k.problem_detail.clone(),
            k.tip.0,
            json(&k.parcels)?,
            b.created_ms,
            b.dispatch_no,
            k.rider_code.clone()
        ],
    )?;
    Ok(())
}

/// Writes every mutable field of a booking.
pub fn update_booking(tx: &mut dyn Tx, b: &BookingRow, now_ms: i64) -> Result<(), StorageError> {
    let k = &b.booking;
    let pos = k.rider.as_ref().and_then(|r| r.position);
    tx.exec(
        "UPDATE courier_booking SET platform = $2, platform_order_no = $3, status = $4, problem = $5, problem_detail = $6,
            fee_fen = $7, tip_fen = $8, penalty_fen = $9, distance_m = $10, rider_name = $11, rider_phone = $12,
            rider_lat_e6 = $13, rider_lon_e6 = $14, rider_code = $15, eta_ms = $16, parcels = $17, labels = $18,
            cancel_requested = $19, updated_ms = $20
         WHERE id = $1",
        params![
            k.id,
            &k.platform,
            k.platform_order_no.clone(),
            k.status.as_str(),
            k.problem.map(|p| p.as_str()),
            k.problem_detail.clone(),
            k.fee.0,
            k.tip.0,
            k.penalty.0,
            k.distance_m,
            k.rider.as_ref().map(|r| r.name.clone()),
            k.rider.as_ref().map(|r| r.phone.clone()),
            pos.map(|p| e6(p.lat)),
            pos.map(|p| e6(p.lon)),
            k.rider_code.clone(),
            k.eta.map(|t| t.timestamp_millis()),
            json(&k.parcels)?,
            json(&k.labels)?,
            b.cancel_requested,
            now_ms
        ],
    )?;
    Ok(())
}

fn lock(tx: &dyn Tx) -> &'static str {
    if tx.dialect() == Dialect::Postgres {
        " FOR UPDATE"
    } else {
        ""
    }
}

/// A booking by id, locked until the transaction ends on PostgreSQL.
pub fn booking_for_update(tx: &mut dyn Tx, id: Uuid) -> Result<Option<BookingRow>, StorageError> {
    let sql = format!("SELECT {BOOKING_COLUMNS} FROM courier_booking WHERE id = $1{}", lock(tx));
    tx.query_opt(&sql, params![id])?.map(|r| booking_from_row(&r)).transpose()
}

/// A booking by id.
pub fn booking(tx: &mut dyn Tx, id: Uuid) -> Result<Option<BookingRow>, StorageError> {
    let sql = format!("SELECT {BOOKING_COLUMNS} FROM courier_booking WHERE id = $1");
    tx.query_opt(&sql, params![id])?.map(|r| booking_from_row(&r)).transpose()
}

/// A booking by the platform's own order number.
pub fn booking_by_platform_no(
    tx: &mut dyn Tx,
    platform: &str,
    platform_order_no: &str,
) -> Result<Option<BookingRow>, StorageError> {
    let sql = format!(
        "SELECT {BOOKING_COLUMNS} FROM courier_booking WHERE platform = $1 AND platform_order_no = $2 ORDER BY attempt DESC LIMIT 1"
    );
    tx.query_opt(&sql, params![platform, platform_order_no])?.map(|r| booking_from_row(&r)).transpose()
}

/// Every booking of a fulfillment order, first attempt first.
pub fn bookings_of(tx: &mut dyn Tx, fulfillment_order_id: Uuid) -> Result<Vec<BookingRow>, StorageError> {
    let sql = format!("SELECT {BOOKING_COLUMNS} FROM courier_booking WHERE fulfillment_order_id = $1 ORDER BY attempt");
    tx.query(&sql, params![fulfillment_order_id])?.iter().map(booking_from_row).collect()
}

/// The latest booking of a fulfillment order (the one the store shows).
pub fn latest_booking(tx: &mut dyn Tx, fulfillment_order_id: Uuid) -> Result<Option<BookingRow>, StorageError> {
    let sql = format!(
        "SELECT {BOOKING_COLUMNS} FROM courier_booking WHERE fulfillment_order_id = $1 ORDER BY attempt DESC LIMIT 1"
    );
    tx.query_opt(&sql, params![fulfillment_order_id])?.map(|r| booking_from_row(&r)).transpose()
}

/// A callback as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackRow {
    /// Id.
    pub id: i64,
    /// Platform code.
    pub platform: String,
    /// The booking it was about.
    pub booking_id: Uuid,
    /// The platform's own status code, as sent.
    pub platform_status: String,
    /// Our status for it, if it maps to one.
    pub status: Option<BookingStatus>,
    /// `applied` (it moved the booking) or `repeated` (a status already passed: nothing
    /// changed).
    pub outcome: String,
    /// The body as received (the platform's signature in it is not a secret).
    pub body: String,
    /// When (ms).
    pub received_ms: i64,
}

/// Records a verified callback.
pub fn insert_callback(tx: &mut dyn Tx, c: &CallbackRow) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO courier_callback (platform, booking_id, platform_status, status, outcome, body, received_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            &c.platform,
            c.booking_id,
            &c.platform_status,
            c.status.map(|s| s.as_str()),
            &c.outcome,
            &c.body,
            c.received_ms
        ],
    )?;
    Ok(())
}

/// The callbacks about a fulfillment order's bookings, oldest first.
pub fn callbacks_of(tx: &mut dyn Tx, fulfillment_order_id: Uuid) -> Result<Vec<CallbackRow>, StorageError> {
    tx.query(
        "SELECT c.id, c.platform, c.booking_id, c.platform_status, c.status, c.outcome, c.body, c.received_ms
         FROM courier_callback c JOIN courier_booking b ON b.id = c.booking_id
         WHERE b.fulfillment_order_id = $1 ORDER BY c.id",
        params![fulfillment_order_id],
    )?
    .iter()
    .map(|r| {
        let status = r.opt_text(4)?;
        Ok(CallbackRow {
            id: r.i64(0)?,
            platform: r.text(1)?,
            booking_id: r.uuid(2)?,
            platform_status: r.text(3)?,
            status: status
                .as_deref()
                .map(|s| BookingStatus::parse(s).ok_or_else(|| StorageError::Decode(format!("status {s}"))))
                .transpose()?,
            outcome: r.text(5)?,
            body: r.text(6)?,
            received_ms: r.i64(7)?,
        })
    })
    .collect()
}

/// What the courier worker is asked to do with a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskKind {
    /// Book it with the platform (express: create the waybills; same-city: quote the rider
    /// platforms and place it with the chosen one).
    Book,
    /// Cancel it at the platform.
    Cancel,
    /// Ask the platform where it is (HQ's refresh, for callbacks that never came).
    Track,
}

impl TaskKind {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Book => "book",
            Self::Cancel => "cancel",
            Self::Track => "track",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Book, Self::Cancel, Self::Track].into_iter().find(|k| k.as_str() == s)
    }
}

/// A task of the courier outbox, as claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Id.
    pub id: i64,
    /// What to do.
    pub kind: TaskKind,
    /// The booking.
    pub booking_id: Uuid,
    /// Tries so far (this claim included).
    pub tries: i64,
    /// This claim's token: only the claim still holding the task may extend, retry or
    /// acknowledge it.
    pub token: String,
}

/// Queues a task due at `due_ms`, unless one of its kind for the booking exists: a task
/// already done is queued again (a refresh asked twice), one still pending is left alone.
pub fn queue_task(
    tx: &mut dyn Tx,
    kind: TaskKind,
    booking_id: Uuid,
    due_ms: i64,
    now_ms: i64,
) -> Result<(), StorageError> {
    let n = tx.exec(
        "UPDATE courier_task SET done_ms = NULL, claimed_ms = NULL, claim_token = NULL, tries = 0, last_error = NULL,
            due_ms = $3
         WHERE kind = $1 AND booking_id = $2 AND done_ms IS NOT NULL",
        params![kind.as_str(), booking_id, due_ms],
    )?;
    if n == 0 {
        tx.exec(
            "INSERT INTO courier_task (kind, booking_id, due_ms, created_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (kind, booking_id) DO NOTHING",
            params![kind.as_str(), booking_id, due_ms, now_ms],
        )?;
    }
    Ok(())
}

/// Claims the oldest due task nobody holds (never claimed, or claimed at or before
/// `expired_ms` and never acknowledged) that has had fewer than `max_tries` tries, under
/// `token`. One at a time, so a claim's lease covers one task's platform calls only.
pub fn claim_task(
    tx: &mut dyn Tx,
    token: &str,
    max_tries: i64,
    now_ms: i64,
    expired_ms: i64,
) -> Result<Option<Task>, StorageError> {
    let skip = if tx.dialect() == Dialect::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "SELECT id, kind, booking_id, tries FROM courier_task
         WHERE done_ms IS NULL AND due_ms <= $1 AND (claimed_ms IS NULL OR claimed_ms <= $2) AND tries < $3
         ORDER BY due_ms, id LIMIT 1{skip}"
    );
    let Some(r) = tx.query_opt(&sql, params![now_ms, expired_ms, max_tries])? else { return Ok(None) };
    let id = r.i64(0)?;
    let taken = tx.exec(
        "UPDATE courier_task SET claimed_ms = $2, claim_token = $3, tries = tries + 1
         WHERE id = $1 AND done_ms IS NULL AND (claimed_ms IS NULL OR claimed_ms <= $4)",
        params![id, now_ms, token, expired_ms],
    )?;
    if taken != 1 {
        return Ok(None);
    }
    let kind = r.text(1)?;
    Ok(Some(Task {
        id,
        kind: TaskKind::parse(&kind).ok_or_else(|| StorageError::Decode(format!("task kind {kind}")))?,
        booking_id: r.uuid(2)?,
        tries: r.i64(3)? + 1,
        token: token.to_string(),
    }))
}

/// Renews the claim's lease from `now_ms` (right before a platform call); false when the
/// claim no longer holds the task (its lease expired and another took it, or it is done).
pub fn extend_claim(tx: &mut dyn Tx, task: &Task, now_ms: i64) -> Result<bool, StorageError> {
    Ok(tx.exec(
        "UPDATE courier_task SET claimed_ms = $3 WHERE id = $1 AND claim_token = $2 AND done_ms IS NULL",
        params![task.id, &task.token, now_ms],
    )? == 1)
}

/// The task is done: never handed out again. Only by the claim holding it; answers whether
/// it did.
pub fn ack_task(tx: &mut dyn Tx, task: &Task, now_ms: i64) -> Result<bool, StorageError> {
    Ok(tx.exec(
        "UPDATE courier_task SET done_ms = COALESCE(done_ms, $3) WHERE id = $1 AND claim_token = $2",
        params![task.id, &task.token, now_ms],
    )? == 1)
}

/// The task failed for now: handed out again at `due_ms`, with the reason kept. Only by
/// the claim holding it; answers whether it did.
pub fn retry_task(tx: &mut dyn Tx, task: &Task, due_ms: i64, error: &str) -> Result<bool, StorageError> {
    let error: String = error.chars().take(500).collect();
    Ok(tx.exec(
        "UPDATE courier_task SET claimed_ms = NULL, claim_token = NULL, due_ms = $3, last_error = $4
         WHERE id = $1 AND claim_token = $2 AND done_ms IS NULL",
        params![task.id, &task.token, due_ms, error],
    )? == 1)
}

/// Tasks that used up `max_tries` without being acknowledged (each claim ended without an
/// answer recorded) and nobody holds: each is closed with `error` and answered, for the
/// worker to give up on its booking.
pub fn give_up_tasks(
    tx: &mut dyn Tx,
    max_tries: i64,
    now_ms: i64,
    expired_ms: i64,
    error: &str,
) -> Result<Vec<Task>, StorageError> {
    let rows = tx.query(
        "SELECT id, kind, booking_id, tries FROM courier_task
         WHERE done_ms IS NULL AND tries >= $1 AND (claimed_ms IS NULL OR claimed_ms <= $2)
         ORDER BY id LIMIT 100",
        params![max_tries, expired_ms],
    )?;
    let mut out = Vec::new();
    for r in &rows {
        let id = r.i64(0)?;
        let closed = tx.exec(
            "UPDATE courier_task SET done_ms = $2, last_error = $3, claim_token = NULL
             WHERE id = $1 AND done_ms IS NULL AND tries >= $4 AND (claimed_ms IS NULL OR claimed_ms <= $5)",
            params![id, now_ms, error, max_tries, expired_ms],
        )?;
        if closed == 1 {
            let kind = r.text(1)?;
            out.push(Task {
                id,
                kind: TaskKind::parse(&kind).ok_or_else(|| StorageError::Decode(format!("task kind {kind}")))?,
                booking_id: r.uuid(2)?,
                tries: r.i64(3)?,
                token: String::new(),
            });
        }
    }
    Ok(out)
}

/// A task as HQ's courier view lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRow {
    /// Kind.
    pub kind: TaskKind,
    /// Booking.
    pub booking_id: Uuid,
    /// Tries so far.
    pub tries: i64,
    /// Due (ms).
    pub due_ms: i64,
    /// Done (ms).
    pub done_ms: Option<i64>,
    /// The last failure.
    pub last_error: Option<String>,
}

/// The tasks about a fulfillment order's bookings, oldest first.
pub fn tasks_of(tx: &mut dyn Tx, fulfillment_order_id: Uuid) -> Result<Vec<TaskRow>, StorageError> {
    tx.query(
        "SELECT t.kind, t.booking_id, t.tries, t.due_ms, t.done_ms, t.last_error
         FROM courier_task t JOIN courier_booking b ON b.id = t.booking_id
         WHERE b.fulfillment_order_id = $1 ORDER BY t.id",
        params![fulfillment_order_id],
    )?
    .iter()
    .map(|r| {
        let kind = r.text(0)?;
        Ok(TaskRow {
            kind: TaskKind::parse(&kind).ok_or_else(|| StorageError::Decode(format!("task kind {kind}")))?,
            booking_id: r.uuid(1)?,
            tries: r.i64(2)?,
            due_ms: r.i64(3)?,
            done_ms: r.opt_i64(4)?,
            last_error: r.opt_text(5)?,
        })
    })
    .collect()
}

/// Records a fee once per booking and kind; answers whether it was new.
pub fn insert_fee(
    tx: &mut dyn Tx,
    b: &CourierBooking,
    kind: &str,
    amount: Fen,
    now_ms: i64,
) -> Result<bool, StorageError> {
    Ok(tx.exec(
        "INSERT INTO courier_fee (fulfillment_order_id, booking_id, platform, kind, amount_fen, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (booking_id, kind) DO NOTHING",
        params![b.fulfillment_order_id, b.id, &b.platform, kind, amount.0, now_ms],
    )? == 1)
}

/// A fee as recorded: (booking, platform, kind, amount, when).
pub type FeeRow = (Uuid, String, String, Fen, i64);

/// The fees recorded for a fulfillment order, oldest first.
pub fn fees_of(tx: &mut dyn Tx, fulfillment_order_id: Uuid) -> Result<Vec<FeeRow>, StorageError> {
    tx.query(
        "SELECT booking_id, platform, kind, amount_fen, created_ms FROM courier_fee WHERE fulfillment_order_id = $1 ORDER BY id",
        params![fulfillment_order_id],
    )?
    .iter()
    .map(|r| Ok((r.uuid(0)?, r.text(1)?, r.text(2)?, Fen(r.i64(3)?), r.i64(4)?)))
    .collect()
}

/// Which stores the configured platforms serve: written by each server at start from its
/// courier config, read by the device view (`same_city_offered`) and by a store's request.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Coverage {
    /// Stores with an express account.
    pub express: Vec<String>,
    /// Per store, the rider platforms with a shop for it.
    pub same_city: std::collections::BTreeMap<String, Vec<String>>,
}

const COVERAGE: &str = "courier_coverage";

/// Records the coverage of the courier config in force.
pub fn set_coverage(tx: &mut dyn Tx, c: &Coverage, now_ms: i64) -> Result<(), StorageError> {
    super::settings::set(tx, COVERAGE, &json(c)?, now_ms)
}

/// The coverage in force (none until a server with a courier config started).
pub fn coverage(tx: &mut dyn Tx) -> Result<Coverage, StorageError> {
    Ok(super::settings::get(tx, COVERAGE)?.and_then(|v| serde_json::from_str(&v).ok()).unwrap_or_default())
}

/// Bookings still queued because no platform was configured for their store (to book once
/// one is).
pub fn queued_unconfigured(tx: &mut dyn Tx) -> Result<Vec<BookingRow>, StorageError> {
    let sql = format!(
        "SELECT {BOOKING_COLUMNS} FROM courier_booking WHERE status = 'queued' AND problem = 'not_configured' ORDER BY created_ms LIMIT 10000"
    );
    tx.query(&sql, params![])?.iter().map(booking_from_row).collect()
}
