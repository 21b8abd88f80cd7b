//! A fresh, empty HQ database for one test, on the backend `SYNC_TEST_BACKEND` names.

use std::path::Path;

/// A fresh, empty database: a SQLite file in a temporary directory (`SYNC_TEST_BACKEND`
/// unset or `sqlite`) or a new PostgreSQL database (`SYNC_TEST_BACKEND=postgres`), removed
/// when dropped.
pub struct Database {
    /// What `sync_server::storage::open` and `--database` take: `sqlite://…` or
    /// `postgres://…`.
    pub url: String,
    /// The PostgreSQL database to drop, if this is one.
    postgres: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

/// Whether this run tests the PostgreSQL backend (`SYNC_TEST_BACKEND=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("SYNC_TEST_BACKEND").as_deref() == Ok("postgres")
}

/// Where PostgreSQL tests create their databases: `SYNC_TEST_POSTGRES_URL`, by default
/// `postgres://postgres@127.0.0.1:5432/postgres`.
pub fn postgres_admin_url() -> String {
    std::env::var("SYNC_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Runs PostgreSQL admin statements (`CREATE DATABASE …`) on a thread of its own: the
/// blocking client cannot run on an async runtime's thread. Panics with how to start
/// PostgreSQL when it is not reachable.
pub fn postgres_admin(sql: String) {
    if let Err(e) = try_postgres_admin(sql) {
        panic!("{e}");
    }
}

/// [`postgres_admin`] without the panic.
pub fn try_postgres_admin(sql: String) -> Result<(), String> {
    let url = postgres_admin_url();
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).map_err(|e| {
            format!("PostgreSQL is not reachable at {url} ({e}); start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start")
        })?;
        c.batch_execute(&sql).map_err(|e| format!("{sql}: {e}"))
    })
    .join()
    .unwrap_or_else(|_| Err("the PostgreSQL admin thread panicked".into()))
}

impl Database {
    /// A fresh database on the backend `SYNC_TEST_BACKEND` names.
    pub fn fresh() -> Database {
        if on_postgres() {
            Database::fresh_postgres()
        } else {
            Database::fresh_sqlite()
        }
    }

    /// A fresh SQLite file (`hq.sqlite`) in a temporary directory of its own.
    pub fn fresh_sqlite() -> Database {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Database::sqlite_in(dir.path());
        db._dir = Some(dir);
        db
    }

    /// A fresh PostgreSQL database under [`postgres_admin_url`], whatever the backend of
    /// the run; dropped (forcibly) with the value.
    pub fn fresh_postgres() -> Database {
        let name = format!("omni_test_{}", uuid::Uuid::new_v4().simple());
        postgres_admin(format!("CREATE DATABASE {name}"));
        let admin = postgres_admin_url();
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin);
        Database { url: format!("{base}/{name}"), postgres: Some(name), _dir: None }
    }

    /// The SQLite file `hq.sqlite` in `dir`, which the caller owns (a test that copies the
    /// database files, for instance). Nothing is removed on drop.
    pub fn sqlite_in(dir: &Path) -> Database {
        Database::sqlite_file(&dir.join("hq.sqlite"))
    }

    /// The SQLite file at `path`, which the caller owns. Nothing is removed on drop.
    pub fn sqlite_file(path: &Path) -> Database {
        Database { url: format!("sqlite://{}", path.display()), postgres: None, _dir: None }
    }

    /// The PostgreSQL database's name, if this is one.
    pub fn postgres_name(&self) -> Option<&str> {
        self.postgres.as_deref()
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some(name) = self.postgres.take() {
            // Never panics: this also runs while a failed test unwinds.
            let _ = try_postgres_admin(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}
