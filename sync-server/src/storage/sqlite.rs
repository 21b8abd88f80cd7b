//! SQLite backend: one writer thread with group commit, a small pool of readers, WAL.
//!
//! SQLite allows one writer at a time, so writes queue for a single connection. The
//! writer takes every job waiting in the queue and runs them in one transaction, each in
//! its own savepoint: a failing job rolls back only itself, and one commit covers the
//! group. A job's future resolves only after that commit.

use super::{Dialect, Job, Outcome, Row, Storage, StorageError, StorageFuture, Tx, Value};
use rusqlite::{types::ValueRef, Connection, ErrorCode, OpenFlags};
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};
use tokio::sync::{oneshot, Semaphore};

/// Most jobs committed together.
const MAX_GROUP: usize = 128;
/// Reader connections.
const READERS: usize = 4;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/sqlite/0001_init.sql")),
    (2, include_str!("migrations/sqlite/0002_counts_and_adjustments.sql")),
    (4, include_str!("migrations/sqlite/0004_approvals_passes_and_resolutions.sql")),
    (5, include_str!("migrations/sqlite/0005_returns.sql")),
    (6, include_str!("migrations/sqlite/0006_aisle.sql")),
    (7, include_str!("migrations/sqlite/0007_courier.sql")),
    (8, include_str!("migrations/sqlite/0008_routing.sql")),
    (9, include_str!("migrations/sqlite/0009_allocation.sql")),
    (10, include_str!("migrations/sqlite/0010_campaigns.sql")),
];

type WriteRequest = (Job, oneshot::Sender<Result<(), StorageError>>);

/// SQLite storage at one file.
pub struct SqliteStorage {
    writer: Mutex<mpsc::Sender<WriteRequest>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    reader_permits: Arc<Semaphore>,
}

fn map_err(e: rusqlite::Error) -> StorageError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StorageError::Unavailable(e.to_string()),
            ErrorCode::ConstraintViolation => StorageError::Constraint(e.to_string()),
            _ => StorageError::Database(e.to_string()),
        },
        _ => StorageError::Database(e.to_string()),
    }
}

fn open_connection(path: &Path, read_only: bool) -> Result<Connection, StorageError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags).map_err(map_err)?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(map_err)?;
    // WAL lets readers run beside the writer; NORMAL sync is durable across app crashes
    // and loses at most the last commits on power loss, the usual WAL trade-off.
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
        .map_err(map_err)?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StorageError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)",
    )
    .map_err(map_err)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(map_err)?;
    for (version, sql) in MIGRATIONS {
        let done: bool = tx
            .query_row("SELECT EXISTS(SELECT 1 FROM schema_migrations WHERE version = ?1)", [version], |r| r.get(0))
            .map_err(map_err)?;
        if !done {
            tx.execute_batch(sql).map_err(map_err)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_ms) VALUES (?1, ?2)",
                [*version, crate::clock::now_ms()],
            )
            .map_err(map_err)?;
            tracing::info!(version, "applied SQLite migration");
        }
    }
    tx.commit().map_err(map_err)
}

impl SqliteStorage {
    /// Opens (creating if needed) the database file and applies migrations.
    pub fn open(path: &Path) -> Result<SqliteStorage, StorageError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StorageError::Database(format!("cannot create {}: {e}", dir.display())))?;
        }
        let mut writer = open_connection(path, false)?;
        migrate(&mut writer)?;
        let readers = (0..READERS).map(|_| open_connection(path, true)).collect::<Result<Vec<_>, _>>()?;
        let (sender, receiver) = mpsc::channel::<WriteRequest>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(writer, receiver))
            .map_err(|e| StorageError::Database(format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteStorage {
            writer: Mutex::new(sender),
            readers: Arc::new(Mutex::new(readers)),
            reader_permits: Arc::new(Semaphore::new(READERS)),
        })
    }
}

fn run_job(conn: &Connection, job: &mut Job) -> Result<Outcome, StorageError> {
    let mut tx = SqliteTx { conn };
    match std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut tx))) {
        Ok(r) => r,
        Err(_) => Err(StorageError::Database("a storage job panicked; its changes were rolled back".into())),
    }
}

fn writer_loop(conn: Connection, receiver: mpsc::Receiver<WriteRequest>) {
    while let Ok(first) = receiver.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match receiver.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            let err = map_err(e);
            for (_, reply) in group {
                let _ = reply.send(Err(StorageError::Unavailable(err.to_string())));
            }
            continue;
        }
        let mut results = Vec::with_capacity(group.len());
        for (job, _) in group.iter_mut() {
            let result = conn.execute_batch("SAVEPOINT job").map_err(map_err).and_then(|_| run_job(&conn, job));
            let keep = matches!(result, Ok(Outcome::Commit));
            let end = if keep { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" };
            let result = match conn.execute_batch(end).map_err(map_err) {
                Ok(()) => result.map(|_| ()),
                Err(e) => Err(e),
            };
            results.push(result);
        }
        let committed = conn.execute_batch("COMMIT").map_err(map_err);
        if let Err(e) = &committed {
            let _ = conn.execute_batch("ROLLBACK");
            tracing::error!(error = %e, "SQLite commit failed; the group was rolled back");
        }
        for ((_, reply), result) in group.into_iter().zip(results) {
            let result = match &committed {
                Ok(()) => result,
                Err(e) => Err(StorageError::Unavailable(e.to_string())),
            };
            let _ = reply.send(result);
        }
    }
}

impl Storage for SqliteStorage {
    fn write(&self, job: Job) -> StorageFuture {
        let (reply, receive) = oneshot::channel();
        let sent = self.writer.lock().map(|s| s.send((job, reply)).is_ok()).unwrap_or(false);
        Box::pin(async move {
            if !sent {
                return Err(StorageError::Unavailable("the SQLite writer has stopped".into()));
            }
            receive.await.map_err(|_| StorageError::Unavailable("the SQLite writer has stopped".into()))?
        })
    }

    fn read(&self, mut job: Job) -> StorageFuture {
        let readers = self.readers.clone();
        let permits = self.reader_permits.clone();
        Box::pin(async move {
            let permit = permits.acquire_owned().await.map_err(|_| StorageError::Unavailable("closed".into()))?;
            let (reply, receive) = oneshot::channel();
            // The permit stands for a reader connection, so it moves with the connection into
            // the blocking task and is released only when the connection is back in the pool.
            // A caller that gives up (its future dropped) frees nothing the task still holds.
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                if reply.is_closed() {
                    // Nobody waits for the answer any more: leave the connection to others.
                    return;
                }
                let conn = readers.lock().ok().and_then(|mut r| r.pop());
                let Some(conn) = conn else {
                    let _ = reply.send(Err(StorageError::Unavailable("no reader connection free".into())));
                    return;
                };
                let result = conn.execute_batch("BEGIN").map_err(map_err).and_then(|_| run_job(&conn, &mut job));
                let _ = conn.execute_batch("ROLLBACK");
                if let Ok(mut r) = readers.lock() {
                    r.push(conn);
                }
                let _ = reply.send(result.map(|_| ()));
            });
            receive.await.map_err(|_| StorageError::Database("the reader task ended without an answer".into()))?
        })
    }

    fn backend_name(&self) -> &'static str {
        "sqlite"
    }
}

struct SqliteTx<'c> {
    conn: &'c Connection,
}

thread_local! {
    // `$1` placeholders translated to SQLite's `?1`, per statement text.
    static TRANSLATED: std::cell::RefCell<HashMap<String, String>> = std::cell::RefCell::new(HashMap::new());
}

/// Rewrites `$n` placeholders as `?n`; the repository SQL never has `$` elsewhere.
fn translate(sql: &str) -> String {
    TRANSLATED.with(|cache| {
        if let Some(t) = cache.borrow().get(sql) {
            return t.clone();
        }
        let t = sql.replace('$', "?");
        cache.borrow_mut().insert(sql.to_string(), t.clone());
        t
    })
}

fn to_sql(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Int(i) => rusqlite::types::Value::Integer(*i),
        Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
    }
}

impl Tx for SqliteTx<'_> {
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StorageError> {
        let mut stmt = self.conn.prepare_cached(&translate(sql)).map_err(map_err)?;
        let n = stmt.execute(rusqlite::params_from_iter(params.iter().map(to_sql))).map_err(map_err)?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StorageError> {
        let mut stmt = self.conn.prepare_cached(&translate(sql)).map_err(map_err)?;
        let cols = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter().map(to_sql))).map_err(map_err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(map_err)? {
            let mut values = Vec::with_capacity(cols);
            for i in 0..cols {
                values.push(match r.get_ref(i).map_err(map_err)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Int(v as i64),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Text(String::from_utf8_lossy(b).into_owned()),
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}
