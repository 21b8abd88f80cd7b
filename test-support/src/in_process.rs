//! The sync server in the test's own process: the same router and connection handling as
//! `sync-server serve`, on a loopback port, over a fresh database, with the storage at hand
//! for checks the API does not offer.

use crate::{fixture, Database, HqClient, ADMIN_TOKEN};
use std::sync::Arc;
use sync_server::http::rate_limit::Limits;
use sync_server::http::serve::ServeLimits;
use sync_server::service::{self, stock};
use sync_server::storage::Storage;

/// An in-process server; derefs to the [`HqClient`] of its address. It serves until the
/// runtime ends.
pub struct TestServer {
    hq: HqClient,
    /// Its storage.
    pub storage: Arc<dyn Storage>,
    /// Its database (dropped with the server).
    pub database: Database,
}

impl TestServer {
    /// An empty server over [`Database::fresh`], with the credential and device look-up
    /// limits off: bad-input sweeps send hundreds of wrong credentials from one address and
    /// hundreds of look-ups from one device (the limits themselves are tested with
    /// [`TestServer::start_with`]).
    pub async fn start() -> TestServer {
        let auth = Limits { per_source: 0, per_code: 0, device_reads: 0, ..Limits::default() };
        TestServer::start_with(ServeLimits::default(), auth).await
    }

    /// An empty server over [`Database::fresh`] with these connection bounds and
    /// credential limits.
    pub async fn start_with(serve_limits: ServeLimits, auth: Limits) -> TestServer {
        TestServer::start_on(Database::fresh(), serve_limits, auth).await
    }

    /// A server over `database` with these connection bounds and credential limits.
    pub async fn start_on(database: Database, serve_limits: ServeLimits, auth: Limits) -> TestServer {
        let storage = sync_server::storage::open(&database.url).unwrap();
        let app = sync_server::app_with(storage.clone(), ADMIN_TOKEN, auth);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(sync_server::http::serve::serve(listener, app, serve_limits, std::future::pending()));
        TestServer { hq: HqClient::new(base), storage, database }
    }

    /// [`TestServer::start`] with [`fixture`] imported over the API.
    pub async fn with_fixture() -> TestServer {
        let s = TestServer::start().await;
        s.import(&fixture()).await;
        s
    }

    /// The client of this server.
    pub fn hq(&self) -> &HqClient {
        &self.hq
    }

    /// The server's address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.hq.base.trim_start_matches("http://").parse().unwrap()
    }

    /// Everything a client could observe changing: the row count of every table that
    /// records facts, and the sums of on-hand and reserved. Bad input must leave it as it
    /// was.
    pub async fn fingerprint(&self) -> Vec<i64> {
        service::read(self.storage.as_ref(), |tx| {
            let mut out = Vec::new();
            for table in [
                "stock_movement",
                "reservation",
                "orders",
                "fulfillment_order",
                "applied_op",
                "change_log",
                "device",
                "flagged_conflict",
                "notification",
                "return_receipt",
                "return_line",
                "refund_instruction",
                "attribution",
                "node",
                "sku",
                "staff",
            ] {
                let r = tx.query_opt(&format!("SELECT COUNT(*) FROM {table}"), &[])?.unwrap();
                out.push(r.i64(0)?);
            }
            let r = tx
                .query_opt("SELECT CAST(COALESCE(SUM(on_hand), 0) AS BIGINT), CAST(COALESCE(SUM(reserved), 0) AS BIGINT) FROM stock_balance", &[])?
                .unwrap();
            out.push(r.i64(0)?);
            out.push(r.i64(1)?);
            Ok(out)
        })
        .await
        .unwrap()
    }
}

impl std::ops::Deref for TestServer {
    type Target = HqClient;
    fn deref(&self) -> &HqClient {
        &self.hq
    }
}

/// Imports `bundle` straight into `storage` (no HTTP), in the request-sized parts the CLI
/// and `gen` send: seeds a large brand quickly.
pub async fn import_into(storage: &dyn Storage, bundle: &shared::import::ImportBundle) {
    for part in gen::import_requests(bundle) {
        service::write(storage, move |tx| stock::import(tx, &part)).await.unwrap();
    }
}
