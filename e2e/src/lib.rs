//! Harness for end-to-end tests of the real store app, driven over W3C WebDriver, against a
//! real sync server.
//!
//! The unit and cross-process tests elsewhere prove the engine and the server; this crate
//! exists to prove what an associate actually does works through the real window: the
//! Tauri app's WebKitGTK webview, its local replica, and its sync with HQ. It gives a test:
//!
//! * [`webdriver`] — a small W3C WebDriver client ([`Session`], [`Element`]) whose waits are
//!   bounded and fail with the selector and the page's visible text;
//! * [`app`] — [`App::launch`] starts `tauri-driver` (which starts `WebKitWebDriver`, which
//!   starts the app) on free ports, with environment variables for the app, and kills the
//!   whole process tree on drop;
//! * [`screens`] — screenshots to `target/e2e-screenshots/` and phone / tablet viewports;
//! * [`server`] — [`SyncServer`]: a real server process over a temporary SQLite database,
//!   seeded with a generated brand, that can be stopped and restarted on the same address,
//!   with HQ's admin calls (enrollment codes, orders, pickup codes, ledger audit) made by
//!   `test-support` and answered in `shared`'s types.
//!
//! # Running
//!
//! The app needs a display, `tauri-driver` and `WebKitWebDriver`:
//!
//! ```sh
//! apt-get install xvfb webkit2gtk-driver
//! cargo install tauri-driver@2.1.0 --locked
//! xvfb-run -a cargo test -p e2e
//! ```
//!
//! Without `DISPLAY` the UI tests fail with [`Error::NoDisplay`] (they never pass silently).
//! The app is not built by `cargo test -p e2e` (Cargo cannot build another package's binary
//! for a test): build it first with `cargo build -p store-app`. It must serve its bundled UI
//! (Tauri's `custom-protocol` feature), not a dev server. `E2E_APP_BINARY` overrides its
//! path (default `target/debug/store-app`), `E2E_SCREENSHOT_DIR` the screenshot directory,
//! `E2E_WAIT_SECS` the default wait (15 s), `TAURI_DRIVER` the tauri-driver binary.
//!
//! # A scenario test
//!
//! ```no_run
//! use e2e::{keys, screens, App, AppOptions, CheckAudit, FormFactor, Seed, SyncServer};
//! use std::time::Duration;
//!
//! #[tokio::test(flavor = "multi_thread")]
//! async fn pickup_order_end_to_end() -> e2e::Result<()> {
//!     let hq = SyncServer::start(Seed::Demo).await?;
//!     let data = tempfile::tempdir().unwrap();
//!     let app = App::launch(AppOptions::store_app()?.env("STORE_APP_DATA_DIR", data.path())).await?;
//!     screens::resize_to(&app, FormFactor::PhonePortrait).await?;
//!
//!     app.wait_for("#server-url").await?.send_keys(hq.url()).await?;
//!     app.find("#enrollment-code").await?.send_keys(&hq.enrollment_code(e2e::DEMO_STORE).await?).await?;
//!     app.find("#enroll").await?.click().await?;
//!     app.wait_for("#staff-id").await?.send_keys(e2e::DEMO_ASSOCIATE).await?;
//!     app.find("#pin").await?.send_keys(&format!("{}{}", e2e::DEMO_ASSOCIATE_PIN, keys::ENTER)).await?;
//!
//!     let sku = hq.skus_in_stock(e2e::DEMO_STORE).await?.remove(0);
//!     let order = hq.pickup_order("TM-E2E-1", e2e::DEMO_STORE, &[(&sku, 1)]).await?;
//!     app.wait_for_text(".task", "TM-E2E-1").await?.click().await?;
//!     screens::save_screenshot(&app, "order-detail", "phone").await?;
//!     // … accept, pick, mark ready in the UI …
//!     let code = hq.pickup_code(order.fulfillment_orders[0].id, Duration::from_secs(30)).await?;
//!     app.wait_for("#pickup-code").await?.send_keys(&code).await?;
//!     hq.audit().await?.check()?;
//!     app.quit().await
//! }
//! ```
//!
//! (The selectors are illustrative; they belong to the app's UI.) Use
//! [`screens::save_failure`] to keep a screenshot, the page source and text when a step
//! fails, and [`App::log_tail`] / [`SyncServer::log_tail`] for what the processes printed.

pub mod app;
pub mod couriers;
mod error;
mod process;
pub mod screens;
pub mod server;
pub mod webdriver;

pub use app::{App, AppOptions};
pub use couriers::CourierSim;
pub use error::{Error, Result};
pub use screens::{FormFactor, Viewport};
pub use server::{
    CheckAudit, Seed, ServerOptions, SyncServer, DEMO_ASSOCIATE, DEMO_ASSOCIATE_PIN, DEMO_MANAGER, DEMO_MANAGER_PIN,
    DEMO_STORE,
};
pub use webdriver::{keys, Element, Rect, Session};
