//! Storage behind one trait.
//!
//! Business logic and the repository modules beside this file are written once against
//! [`Tx`], a transaction that runs SQL with `$1`-style placeholders over a small [`Value`]
//! type. Each backend ([`sqlite`], and PostgreSQL) implements [`Tx`] and [`Storage`], which
//! hands out write and read transactions. SQL lives only in the repository modules and the
//! migrations.

pub mod aisle;
pub mod allocation;
pub mod campaigns;
pub mod catalogue;
pub mod changes;
pub mod courier;
pub mod devices;
pub mod followups;
pub mod keys;
pub mod ledger;
pub mod orders;
pub mod postgres;
pub mod returns;
pub mod routing;
pub mod settings;
pub mod settlement;
pub mod sqlite;
pub mod sync_ops;
mod value;

pub use value::{Row, Value};

use std::future::Future;
use std::pin::Pin;

/// Which SQL dialect a transaction speaks, for the few statements that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite 3.35+.
    Sqlite,
    /// PostgreSQL 13+.
    Postgres,
}

/// A storage failure. Business errors are not here: they are the service layer's.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database is busy, restarting or out of connections; retrying later may work.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A constraint was violated (unique key, foreign key).
    #[error("constraint violated: {0}")]
    Constraint(String),
    /// Anything else the database reported.
    #[error("database error: {0}")]
    Database(String),
    /// The transaction lost a race (serialization failure, deadlock) and may be retried.
    #[error("transaction conflict: {0}")]
    Retry(String),
    /// A row did not have the shape the code expected (a bug or a bad migration).
    #[error("unexpected row shape: {0}")]
    Decode(String),
}

/// One open transaction. Statements run in order; nothing is visible to others until the
/// storage commits it.
pub trait Tx {
    /// Runs a statement, returning the number of rows changed.
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StorageError>;
    /// Runs a query, returning all rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StorageError>;
    /// The dialect, for the few statements that differ.
    fn dialect(&self) -> Dialect;

    /// Runs a query expected to return at most one row.
    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, StorageError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

/// Runs `f` inside a savepoint of the current transaction: its writes are undone if it
/// fails, while the surrounding transaction goes on.
pub fn savepoint<T, E: From<StorageError>>(
    tx: &mut dyn Tx,
    f: impl FnOnce(&mut dyn Tx) -> Result<T, E>,
) -> Result<T, E> {
    tx.exec("SAVEPOINT inner_op", &[])?;
    match f(tx) {
        Ok(v) => {
            tx.exec("RELEASE SAVEPOINT inner_op", &[])?;
            Ok(v)
        }
        Err(e) => {
            tx.exec("ROLLBACK TO SAVEPOINT inner_op", &[])?;
            tx.exec("RELEASE SAVEPOINT inner_op", &[])?;
            Err(e)
        }
    }
}

/// Whether a job's transaction should be committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Commit what the job wrote.
    Commit,
    /// Roll back what the job wrote (it failed with a business error).
    Rollback,
}

/// A unit of work run inside one transaction. It may run more than once if the backend
/// retries a transaction that lost a serialization race, so it must have no effects
/// outside the transaction.
pub type Job = Box<dyn FnMut(&mut dyn Tx) -> Result<Outcome, StorageError> + Send>;

/// A future returned by [`Storage`].
pub type StorageFuture = Pin<Box<dyn Future<Output = Result<(), StorageError>> + Send>>;

/// A database that runs jobs in transactions.
pub trait Storage: Send + Sync + 'static {
    /// Runs `job` in a write transaction and commits (or rolls back) before resolving.
    fn write(&self, job: Job) -> StorageFuture;
    /// Runs `job` in a read-only transaction with a consistent snapshot.
    fn read(&self, job: Job) -> StorageFuture;
    /// A short name for logs and `/healthz`.
    fn backend_name(&self) -> &'static str;
}

/// Whether the database answers a trivial query (`GET /healthz`).
pub fn health(tx: &mut dyn Tx) -> Result<(), StorageError> {
    match tx.query_opt("SELECT 1", &[])? {
        Some(_) => Ok(()),
        None => Err(StorageError::Unavailable("the database answered SELECT 1 with no row".into())),
    }
}

/// Builds a parameter list: `params![a, b]` is `&[Value::from(a), Value::from(b)]`.
#[macro_export]
macro_rules! params {
    () => { &[] as &[$crate::storage::Value] };
    ($($x:expr),+ $(,)?) => { &[$($crate::storage::Value::from($x)),+] as &[$crate::storage::Value] };
}

/// Opens the storage named by a database URL: `sqlite://PATH` or
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?pool_size=N]`.
pub fn open(url: &str) -> Result<std::sync::Arc<dyn Storage>, StorageError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        return Ok(std::sync::Arc::new(sqlite::SqliteStorage::open(std::path::Path::new(path))?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(std::sync::Arc::new(postgres::PgStorage::open(url)?));
    }
    Err(StorageError::Database(format!(
        "unsupported database URL {url:?}: use sqlite://PATH or postgres://USER@HOST:PORT/DB"
    )))
}
