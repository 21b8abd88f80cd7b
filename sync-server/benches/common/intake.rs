//! The raw limit of order intake: the writes one intake issues, recorded at the storage
//! boundary ([`Tx`]) while real intakes run, and replayed straight on a database
//! connection with fresh ids, so the benchmark can set the HTTP rate beside the rate of
//! exactly the same database writes with no HTTP, no validation, no routing and no reads.
//!
//! Recording at [`Tx`] rather than restating the SQL here keeps the replay honest as the
//! intake changes: whatever statements the service issues today are what is replayed.

use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type};
use std::collections::HashMap;
use sync_server::storage::{Dialect, Row, StorageError, Tx, Value};

/// One write statement an intake issued, with the rows it changed (or returned).
#[derive(Debug, Clone)]
pub struct Write {
    /// The statement as the service wrote it (`$n` placeholders).
    pub sql: String,
    /// Its parameters.
    pub params: Vec<Value>,
    /// Issued with `query` (a `RETURNING` or locking read) rather than `exec`.
    pub query: bool,
    /// Rows changed (`exec`) or returned (`query`).
    pub changed: u64,
}

/// What a [`Recorder`] saw during one intake.
#[derive(Debug, Clone, Default)]
pub struct Recording {
    /// The writes, in order.
    pub writes: Vec<Write>,
    /// Plain reads (not replayed: the raw limit is the writes alone).
    pub reads: usize,
}

/// A [`Tx`] that passes every statement to the real transaction and keeps the writes.
pub struct Recorder<'a> {
    /// The transaction the service runs in.
    pub inner: &'a mut dyn Tx,
    /// What was seen so far.
    pub seen: Recording,
}

fn first_word(sql: &str) -> String {
    sql.trim_start().split(|c: char| c.is_whitespace() || c == '(').next().unwrap_or("").to_ascii_uppercase()
}

/// Savepoints structure a transaction; they are not writes of the intake.
fn is_control(sql: &str) -> bool {
    matches!(first_word(sql).as_str(), "SAVEPOINT" | "RELEASE" | "ROLLBACK")
}

/// A query that writes (`INSERT … RETURNING`, a data-modifying `WITH`) or locks rows.
fn query_writes(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    match first_word(sql).as_str() {
        "INSERT" | "UPDATE" | "DELETE" | "REPLACE" => true,
        "WITH" => upper.contains("INSERT ") || upper.contains("UPDATE ") || upper.contains("DELETE "),
        _ => upper.contains("FOR UPDATE"),
    }
}

impl Tx for Recorder<'_> {
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StorageError> {
        let n = self.inner.exec(sql, params)?;
        if !is_control(sql) {
            self.seen.writes.push(Write { sql: sql.to_string(), params: params.to_vec(), query: false, changed: n });
        }
        Ok(n)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StorageError> {
        let rows = self.inner.query(sql, params)?;
        if query_writes(sql) {
            self.seen.writes.push(Write {
                sql: sql.to_string(),
                params: params.to_vec(),
                query: true,
                changed: rows.len() as u64,
            });
        } else {
            self.seen.reads += 1;
        }
        Ok(rows)
    }

    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }
}

#[derive(Debug, Clone)]
enum Part {
    Lit(String),
    /// Slot 0 is the channel order id; the others are the UUIDs of one intake.
    Slot(usize),
}

#[derive(Debug, Clone)]
enum Param {
    Fixed(Value),
    Text(Vec<Part>),
}

#[derive(Debug, Clone)]
struct Stmt {
    sql: String,
    query: bool,
    params: Vec<Param>,
    changed: u64,
}

/// One recorded intake, ready to be replayed as a new order: every UUID it wrote (order,
/// fulfillment order, reservation ids, wherever they appear in a text value) and its
/// channel order id become slots filled afresh on each replay, so unique keys hold.
#[derive(Debug, Clone)]
pub struct Template {
    stmts: Vec<Stmt>,
    slots: usize,
}

fn is_uuid_at(b: &[u8], i: usize) -> bool {
    const DASHES: [usize; 4] = [8, 13, 18, 23];
    b.len() >= i + 36
        && (0..36).all(|k| {
            let c = b[i + k];
            if DASHES.contains(&k) {
                c == b'-'
            } else {
                c.is_ascii_digit() || (b'a'..=b'f').contains(&c)
            }
        })
}

fn split(text: &str, channel_order_id: &str, uuids: &mut Vec<String>) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let slot = if is_uuid_at(b, i) {
            let u = &text[i..i + 36];
            let k = uuids.iter().position(|x| x == u).unwrap_or_else(|| {
                uuids.push(u.to_string());
                uuids.len() - 1
            });
            Some((k + 1, 36))
        } else if !channel_order_id.is_empty() && text[i..].starts_with(channel_order_id) {
            Some((0, channel_order_id.len()))
        } else {
            None
        };
        match slot {
            Some((s, len)) => {
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                }
                parts.push(Part::Slot(s));
                i += len;
            }
            None => {
                let c = text[i..].chars().next().expect("in bounds");
                lit.push(c);
                i += c.len_utf8();
            }
        }
    }
    if !lit.is_empty() {
        parts.push(Part::Lit(lit));
    }
    parts
}

impl Template {
    /// The writes of `rec`, an intake of the order `channel_order_id`.
    pub fn new(rec: &Recording, channel_order_id: &str) -> Template {
        let mut uuids = Vec::new();
        let stmts = rec
            .writes
            .iter()
            .map(|w| Stmt {
                sql: w.sql.clone(),
                query: w.query,
                changed: w.changed,
                params: w
                    .params
                    .iter()
                    .map(|p| match p {
                        Value::Text(t) => {
                            let parts = split(t, channel_order_id, &mut uuids);
                            if parts.iter().any(|x| matches!(x, Part::Slot(_))) {
                                Param::Text(parts)
                            } else {
                                Param::Fixed(p.clone())
                            }
                        }
                        other => Param::Fixed(other.clone()),
                    })
                    .collect(),
            })
            .collect();
        Template { stmts, slots: uuids.len() + 1 }
    }

    /// What each statement is (`INSERT INTO order_line`, `UPDATE stock_balance`, …).
    pub fn kinds(&self) -> impl Iterator<Item = String> + '_ {
        self.stmts
            .iter()
            .map(|s| s.sql.split_whitespace().take_while(|w| !w.contains('(')).take(3).collect::<Vec<_>>().join(" "))
    }

    /// Statements one replay issues.
    pub fn len(&self) -> usize {
        self.stmts.len()
    }

    /// Whether the intake wrote nothing (it was refused).
    pub fn is_empty(&self) -> bool {
        self.stmts.is_empty()
    }

    /// The parameters of every statement for a new order `channel_order_id`, with fresh UUIDs.
    pub fn instantiate(&self, channel_order_id: &str) -> Vec<Vec<Value>> {
        let mut fill = Vec::with_capacity(self.slots);
        fill.push(channel_order_id.to_string());
        fill.extend((1..self.slots).map(|_| uuid::Uuid::now_v7().to_string()));
        self.stmts
            .iter()
            .map(|s| {
                s.params
                    .iter()
                    .map(|p| match p {
                        Param::Fixed(v) => v.clone(),
                        Param::Text(parts) => Value::Text(
                            parts
                                .iter()
                                .map(|x| match x {
                                    Part::Lit(l) => l.as_str(),
                                    Part::Slot(k) => fill[*k].as_str(),
                                })
                                .collect(),
                        ),
                    })
                    .collect()
            })
            .collect()
    }

    /// Issues the writes on `tx` with `params` from [`Template::instantiate`]. Returns false
    /// if a statement changed a different number of rows than when it was recorded (e.g. a
    /// conditional reservation that found too little stock), so the caller can report it.
    pub fn replay(&self, tx: &mut dyn Tx, params: &[Vec<Value>]) -> Result<bool, StorageError> {
        let mut same = true;
        for (s, p) in self.stmts.iter().zip(params) {
            let n = if s.query { tx.query(&s.sql, p)?.len() as u64 } else { tx.exec(&s.sql, p)? };
            same &= n == s.changed;
        }
        Ok(same)
    }
}

/// A [`Tx`] straight on a rusqlite connection (statements prepared once and cached), in
/// whatever transaction the caller opened.
pub struct SqliteRaw<'c> {
    /// The connection.
    pub conn: &'c rusqlite::Connection,
    translated: HashMap<String, String>,
}

impl<'c> SqliteRaw<'c> {
    /// Wraps `conn`.
    pub fn new(conn: &'c rusqlite::Connection) -> Self {
        SqliteRaw { conn, translated: HashMap::new() }
    }

    fn sql(&mut self, sql: &str) -> String {
        self.translated.entry(sql.to_string()).or_insert_with(|| sql.replace('$', "?")).clone()
    }
}

fn sqlite_err(e: rusqlite::Error) -> StorageError {
    StorageError::Database(e.to_string())
}

fn to_sqlite(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Int(i) => rusqlite::types::Value::Integer(*i),
        Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
    }
}

impl Tx for SqliteRaw<'_> {
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StorageError> {
        let sql = self.sql(sql);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(sqlite_err)?;
        Ok(stmt.execute(rusqlite::params_from_iter(params.iter().map(to_sqlite))).map_err(sqlite_err)? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StorageError> {
        use rusqlite::types::ValueRef;
        let sql = self.sql(sql);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(sqlite_err)?;
        let cols = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter().map(to_sqlite))).map_err(sqlite_err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(sqlite_err)? {
            let mut values = Vec::with_capacity(cols);
            for i in 0..cols {
                values.push(match r.get_ref(i).map_err(sqlite_err)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Int(v as i64),
                    ValueRef::Text(t) | ValueRef::Blob(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
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

/// A [`Tx`] straight on a PostgreSQL transaction, statements prepared once per connection.
pub struct PgRaw<'a, 'c> {
    /// The open transaction.
    pub t: &'a mut postgres::Transaction<'c>,
    /// Prepared statements of this connection, by SQL text.
    pub statements: &'a mut HashMap<String, postgres::Statement>,
}

impl PgRaw<'_, '_> {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, StorageError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.t.prepare(sql).map_err(pg_err)?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

/// Serialization failures and deadlocks are [`StorageError::Retry`], as in the server.
pub fn pg_err(e: postgres::Error) -> StorageError {
    match e.code().map(|c| c.code()) {
        Some("40001") | Some("40P01") => StorageError::Retry(e.to_string()),
        Some(c) if c.starts_with("23") => StorageError::Constraint(e.to_string()),
        _ => StorageError::Database(e.to_string()),
    }
}

#[derive(Debug)]
struct PgParam<'a>(&'a Value);

impl ToSql for PgParam<'_> {
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

fn pg_column(row: &postgres::Row, i: usize) -> Result<Value, StorageError> {
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

impl Tx for PgRaw<'_, '_> {
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StorageError> {
        if params.is_empty() && !sql.contains('$') {
            self.t.batch_execute(sql).map_err(pg_err)?;
            return Ok(0);
        }
        let stmt = self.statement(sql)?;
        let p: Vec<PgParam<'_>> = params.iter().map(PgParam).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = p.iter().map(|x| x as &(dyn ToSql + Sync)).collect();
        self.t.execute(&stmt, &refs).map_err(pg_err)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StorageError> {
        let stmt = self.statement(sql)?;
        let p: Vec<PgParam<'_>> = params.iter().map(PgParam).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = p.iter().map(|x| x as &(dyn ToSql + Sync)).collect();
        let rows = self.t.query(&stmt, &refs).map_err(pg_err)?;
        rows.iter().map(|r| (0..r.len()).map(|i| pg_column(r, i)).collect::<Result<Vec<_>, _>>().map(Row)).collect()
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

/// The PostgreSQL server the benchmarks use: `SYNC_TEST_POSTGRES_URL`, default
/// postgres://postgres@127.0.0.1:5432/postgres (trust auth, as in the README).
pub fn pg_server_url() -> String {
    std::env::var("SYNC_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Runs `sql` on the server's maintenance database (create / drop the benchmark's own).
pub fn pg_admin(sql: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    let mut c = postgres::Client::connect(&pg_server_url(), postgres::NoTls)
        .context("PostgreSQL is not reachable at SYNC_TEST_POSTGRES_URL / 127.0.0.1:5432 (see README)")?;
    c.batch_execute(sql)?;
    Ok(())
}

/// The URL of database `name` on [`pg_server_url`]'s server.
pub fn pg_database_url(name: &str) -> String {
    let base = pg_server_url();
    format!("{}/{name}", base.rsplit_once('/').map(|(b, _)| b).unwrap_or(&base))
}
