//! PostgreSQL backend: a bounded pool of connections, READ COMMITTED writes retried on
//! serialization failures, deadlocks and unique-key races, REPEATABLE READ read-only
//! snapshots for reads.
//!
//! Jobs are synchronous (the business logic is shared with SQLite), so each runs on a
//! blocking thread with a pooled `postgres::Client`. When every connection is busy for
//! longer than [`ACQUIRE_TIMEOUT`], or the database is down, the job fails as
//! `Unavailable`, which the API answers with 503 and `Retry-After`.

use super::{Dialect, Job, Outcome, Row, Storage, StorageError, StorageFuture, Tx, Value};
use bytes::BytesMut;
use postgres::error::SqlState;
use postgres::types::{IsNull, ToSql, Type};
use postgres::{Client, IsolationLevel, NoTls, Statement};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Connections in the pool unless the URL says `?pool_size=N`.
pub const DEFAULT_POOL_SIZE: usize = 16;
/// How long a request waits for a free connection before it gets a 503.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts for a transaction that lost a race.
const ATTEMPTS: u32 = 5;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/postgres/0001_init.sql")),
    (2, include_str!("migrations/postgres/0002_counts_and_adjustments.sql")),
    (3, include_str!("migrations/postgres/0003_change_log_commit_order.sql")),
    (4, include_str!("migrations/postgres/0004_approvals_passes_and_resolutions.sql")),
    (5, include_str!("migrations/postgres/0005_returns.sql")),
    (6, include_str!("migrations/postgres/0006_aisle.sql")),
    (7, include_str!("migrations/postgres/0007_courier.sql")),
    (8, include_str!("migrations/postgres/0008_routing.sql")),
    (9, include_str!("migrations/postgres/0009_allocation.sql")),
    (10, include_str!("migrations/postgres/0010_campaigns.sql")),
];

struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
}

struct Pool {
    config: postgres::Config,
    idle: Mutex<Vec<Conn>>,
    permits: Arc<Semaphore>,
    size: usize,
}

/// PostgreSQL storage.
pub struct PgStorage {
    pool: Arc<Pool>,
}

fn map_err(e: postgres::Error) -> StorageError {
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        if *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED {
            return StorageError::Retry(db.message().to_string());
        }
        if *code == SqlState::UNIQUE_VIOLATION
            || *code == SqlState::FOREIGN_KEY_VIOLATION
            || *code == SqlState::CHECK_VIOLATION
        {
            return StorageError::Constraint(db.message().to_string());
        }
        if code.code().starts_with("08") || code.code().starts_with("57") || *code == SqlState::TOO_MANY_CONNECTIONS {
            return StorageError::Unavailable(db.message().to_string());
        }
        return StorageError::Database(format!("{} ({})", db.message(), code.code()));
    }
    // No database error: the connection itself failed (refused, reset, closed).
    StorageError::Unavailable(e.to_string())
}

impl Pool {
    fn connect(&self) -> Result<Conn, StorageError> {
        let client = self
            .config
            .connect(NoTls)
            .map_err(|e| StorageError::Unavailable(format!("cannot connect to PostgreSQL: {e}")))?;
        Ok(Conn { client, statements: HashMap::new() })
    }

    fn take(&self) -> Result<Conn, StorageError> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        match idle {
            Some(c) if !c.client.is_closed() => Ok(c),
            _ => self.connect(),
        }
    }

    fn give_back(&self, conn: Conn) {
        if !conn.client.is_closed() {
            if let Ok(mut v) = self.idle.lock() {
                v.push(conn);
            }
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // A blocking client owns a small runtime, which must not be dropped on an async
        // thread: close idle connections on a thread of their own.
        if let Ok(mut idle) = self.idle.lock() {
            let conns: Vec<Conn> = idle.drain(..).collect();
            if !conns.is_empty() {
                std::thread::spawn(move || drop(conns));
            }
        }
    }
}

/// Splits our own `pool_size` parameter off a `postgres://` URL.
fn split_url(url: &str) -> Result<(String, usize), StorageError> {
    let Some((base, query)) = url.split_once('?') else { return Ok((url.to_string(), DEFAULT_POOL_SIZE)) };
    let mut size = DEFAULT_POOL_SIZE;
    let mut rest = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("pool_size", n)) => {
                size = n
                    .parse()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| StorageError::Database(format!("pool_size must be 1 to 1000, got {n:?}")))?;
            }
            _ => rest.push(pair),
        }
    }
    let url = if rest.is_empty() { base.to_string() } else { format!("{base}?{}", rest.join("&")) };
    Ok((url, size))
}

fn migrate(conn: &mut Conn) -> Result<(), StorageError> {
    let mut t = conn.client.transaction().map_err(map_err)?;
    // Instances starting together must not migrate twice.
    t.execute("SELECT pg_advisory_xact_lock(727210)", &[]).map_err(map_err)?;
    t.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_ms BIGINT NOT NULL)",
    )
    .map_err(map_err)?;
    for (version, sql) in MIGRATIONS {
        let done =
            t.query_opt("SELECT 1 FROM schema_migrations WHERE version = $1", &[version]).map_err(map_err)?.is_some();
        if !done {
            t.batch_execute(sql).map_err(map_err)?;
            t.execute(
                "INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, $2)",
                &[version, &crate::clock::now_ms()],
            )
            .map_err(map_err)?;
            tracing::info!(version, "applied PostgreSQL migration");
        }
    }
    t.commit().map_err(map_err)
}

impl PgStorage {
    /// Connects, applies migrations and keeps one connection in the pool. Safe to call
    /// from async code: the blocking client runs on its own thread.
    pub fn open(url: &str) -> Result<PgStorage, StorageError> {
        let url = url.to_string();
        std::thread::spawn(move || PgStorage::open_blocking(&url))
            .join()
            .map_err(|_| StorageError::Database("opening PostgreSQL panicked".into()))?
    }

    fn open_blocking(url: &str) -> Result<PgStorage, StorageError> {
        let (url, size) = split_url(url)?;
        let config: postgres::Config =
            url.parse().map_err(|e| StorageError::Database(format!("invalid PostgreSQL URL: {e}")))?;
        let pool = Pool { config, idle: Mutex::new(Vec::new()), permits: Arc::new(Semaphore::new(size)), size };
        let mut first = pool.connect()?;
        migrate(&mut first)?;
        pool.give_back(first);
        let pool = Arc::new(pool);
        spawn_sweep(Arc::downgrade(&pool));
        Ok(PgStorage { pool })
    }

    fn run(&self, job: Job, write: bool) -> StorageFuture {
        let pool = self.pool.clone();
        Box::pin(async move {
            let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, pool.permits.clone().acquire_owned())
                .await
                .map_err(|_| {
                    StorageError::Unavailable(format!(
                        "all {} database connections stayed busy for {} s",
                        pool.size,
                        ACQUIRE_TIMEOUT.as_secs()
                    ))
                })?
                .map_err(|_| StorageError::Unavailable("the pool is closed".into()))?;
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                let mut conn = pool.take()?;
                let result = run_job(&mut conn, job, write);
                pool.give_back(conn);
                result
            })
            .await
            .map_err(|e| StorageError::Database(format!("database task failed: {e}")))?
        })
    }
}

fn run_job(conn: &mut Conn, mut job: Job, write: bool) -> Result<(), StorageError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = run_once(conn, &mut job, write);
        match result {
            Err(StorageError::Retry(_)) | Err(StorageError::Constraint(_)) if attempt < ATTEMPTS => {
                // Lost a race with another transaction: back off a little and run again.
                std::thread::sleep(Duration::from_millis(2u64 << attempt));
            }
            Err(StorageError::Retry(m)) => {
                return Err(StorageError::Unavailable(format!("too much contention, retry later: {m}")))
            }
            other => return other,
        }
    }
}

fn run_once(conn: &mut Conn, job: &mut Job, write: bool) -> Result<(), StorageError> {
    let Conn { client, statements } = conn;
    let builder = client.build_transaction();
    let builder = if write {
        builder.isolation_level(IsolationLevel::ReadCommitted)
    } else {
        builder.isolation_level(IsolationLevel::RepeatableRead).read_only(true)
    };
    let mut t = builder.start().map_err(map_err)?;
    let outcome = {
        let mut tx = PgTx { t: &mut t, statements };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut tx))) {
            Ok(r) => r,
            Err(_) => Err(StorageError::Database("a storage job panicked; its changes were rolled back".into())),
        }
    };
    match outcome {
        Ok(Outcome::Commit) if write => {
            t.commit().map_err(map_err)?;
            // The change-log rows just committed get their positions now, so devices see
            // them at once; if this fails, the periodic sweep does it.
            if let Err(e) = position_changes(conn) {
                tracing::warn!(error = %e, "could not position new change-log rows; the sweep will");
            }
            Ok(())
        }
        Ok(_) => t.rollback().map_err(map_err),
        Err(e) => {
            let _ = t.rollback();
            Err(e)
        }
    }
}

/// Gives committed change-log rows their positions, in a small transaction of its own.
fn position_changes(conn: &mut Conn) -> Result<(), StorageError> {
    let Conn { client, statements } = conn;
    let mut t = client.build_transaction().isolation_level(IsolationLevel::ReadCommitted).start().map_err(map_err)?;
    super::changes::position_committed(&mut PgTx { t: &mut t, statements })?;
    super::allocation::position_committed(&mut PgTx { t: &mut t, statements })?;
    t.commit().map_err(map_err)
}

/// How often the sweep positions change-log rows a writer committed but did not position
/// (it died or lost its connection in between).
const SWEEP_INTERVAL: Duration = Duration::from_millis(500);

/// Runs the sweep on a thread of its own until the storage is dropped. It borrows a pooled
/// connection only when one is free, so it never holds up requests.
fn spawn_sweep(pool: std::sync::Weak<Pool>) {
    std::thread::spawn(move || loop {
        std::thread::sleep(SWEEP_INTERVAL);
        let Some(pool) = pool.upgrade() else { return };
        let Ok(_permit) = pool.permits.try_acquire() else { continue };
        if let Ok(mut conn) = pool.take() {
            if let Err(e) = position_changes(&mut conn) {
                tracing::debug!(error = %e, "change-log sweep failed; will retry");
            }
            pool.give_back(conn);
        }
    });
}

impl Storage for PgStorage {
    fn write(&self, job: Job) -> StorageFuture {
        self.run(job, true)
    }

    fn read(&self, job: Job) -> StorageFuture {
        self.run(job, false)
    }

    fn backend_name(&self) -> &'static str {
        "postgres"
    }
}

struct PgTx<'a, 'c> {
    t: &'a mut postgres::Transaction<'c>,
    statements: &'a mut HashMap<String, Statement>,
}

impl PgTx<'_, '_> {
    fn statement(&mut self, sql: &str) -> Result<Statement, StorageError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.t.prepare(sql).map_err(map_err)?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

#[derive(Debug)]
struct Param<'a>(&'a Value);

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                _ => Err(format!("cannot bind an integer to a {ty} parameter").into()),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn column(row: &postgres::Row, i: usize) -> Result<Value, StorageError> {
    let ty = row.columns()[i].type_().clone();
    let decode = |e: postgres::Error| StorageError::Decode(format!("column {i} ({ty}): {e}"));
    Ok(match ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i).map_err(decode)?.map_or(Value::Null, Value::Int),
        Type::INT4 => row.try_get::<_, Option<i32>>(i).map_err(decode)?.map_or(Value::Null, |v| Value::Int(v.into())),
        Type::INT2 => row.try_get::<_, Option<i16>>(i).map_err(decode)?.map_or(Value::Null, |v| Value::Int(v.into())),
        Type::BOOL => row.try_get::<_, Option<bool>>(i).map_err(decode)?.map_or(Value::Null, |v| Value::Int(v.into())),
        _ => row.try_get::<_, Option<String>>(i).map_err(decode)?.map_or(Value::Null, Value::Text),
    })
}

impl Tx for PgTx<'_, '_> {
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StorageError> {
        if params.is_empty() && !sql.contains('$') {
            // Savepoints and other parameterless statements: no need to prepare.
            self.t.batch_execute(sql).map_err(map_err)?;
            return Ok(0);
        }
        let stmt = self.statement(sql)?;
        let p: Vec<Param<'_>> = params.iter().map(Param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = p.iter().map(|x| x as &(dyn ToSql + Sync)).collect();
        self.t.execute(&stmt, &refs).map_err(map_err)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StorageError> {
        let stmt = self.statement(sql)?;
        let p: Vec<Param<'_>> = params.iter().map(Param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = p.iter().map(|x| x as &(dyn ToSql + Sync)).collect();
        let rows = self.t.query(&stmt, &refs).map_err(map_err)?;
        rows.iter().map(|r| (0..r.len()).map(|i| column(r, i)).collect::<Result<Vec<_>, _>>().map(Row)).collect()
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_size_is_taken_from_the_url() {
        assert_eq!(split_url("postgres://u@h/db").unwrap(), ("postgres://u@h/db".into(), DEFAULT_POOL_SIZE));
        assert_eq!(
            split_url("postgres://u@h/db?pool_size=4&sslmode=disable").unwrap(),
            ("postgres://u@h/db?sslmode=disable".into(), 4)
        );
        assert!(split_url("postgres://u@h/db?pool_size=0").is_err());
    }
}
