//! What every cross-process test suite (`sync-server/tests`, `tests`, `e2e`) and benchmark
//! needs from HQ, once:
//!
//! * [`Database`] — a fresh, empty database on the backend `SYNC_TEST_BACKEND` names
//!   (`sqlite`, the default, or `postgres`), removed when dropped;
//! * [`HqProcess`] — the real server binary as a child process that can be killed and
//!   started again on the same port and database; [`TestServer`] — the server in the
//!   test's own process, with its storage at hand;
//! * [`HqClient`] — HQ's API as admin ([`ADMIN_TOKEN`]) or as a device: any request as a
//!   [`Reply`], and the admin calls a scenario needs with the answer types of `shared`
//!   (import, enrollment codes, orders, stock, the ledger audit, devices, the pickup code
//!   from the notification outbox). Both servers deref to it;
//! * [`Proxy`] — a TCP proxy that loses answers, cuts connections, switches targets and
//!   counts bytes;
//! * fixtures — the tiny brand ([`fixture`]), a channel order body ([`order`]), a push
//!   batch ([`batch`]), a return op ([`return_op`]);
//! * [`printer::FakePrinter`] — a network thermal printer on a loopback port that decodes
//!   the ESC/POS it receives into a transcript;
//! * with the `device` feature, [`device::Device`]: a device engine in a directory of its
//!   own, enrolled against a server.
//!
//! ```no_run
//! # async fn demo() {
//! use test_support::{fixture, order, HqProcess, Database};
//! let db = Database::fresh();
//! // `env!("CARGO_BIN_EXE_sync-server")` in sync-server's tests; other packages pass a
//! // binary of their own that runs `sync_server::cli::main`.
//! let hq = HqProcess::start("target/debug/sync-server", &db.url).await;
//! hq.import(&fixture()).await;
//! let placed = hq.intake(&order("TM-1", "pickup", Some("STORE-A"), &[("SKU-1", 1)])).await;
//! assert_eq!(placed.fulfillment_orders[0].node_code, "STORE-A");
//! assert_eq!(hq.stock("STORE-A", "SKU-1").await.reserved, 1);
//! hq.assert_audit_clean().await;
//! # }
//! ```

// A test harness fails the test it serves by panicking, as the tests themselves do
// (clippy.toml: allow-unwrap-in-tests).
#![allow(clippy::unwrap_used)]

mod client;
mod database;
#[cfg(feature = "device")]
pub mod device;
mod fixtures;
mod in_process;
pub mod printer;
mod process;
mod proxy;

pub use client::{audit_problems, excerpt, pickup_code_in, AdminError, HqClient, Reply};
pub use database::{on_postgres, postgres_admin, postgres_admin_url, try_postgres_admin, Database};
pub use fixtures::{batch, ean, fixture, order, return_op};
pub use in_process::{import_into, TestServer};
pub use process::{free_port, free_ports, HqOptions, HqProcess, StartError};
pub use proxy::{Proxy, ProxyMode};

/// The admin token every test server runs with.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";
