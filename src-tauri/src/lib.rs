//! The store associate app: a Tauri window showing the Leptos UI (`ui/`), whose commands
//! are thin calls into the device engine (`replica`).
//!
//! The replica and its sync engine run inside the app; the UI learns of sync progress
//! through the `sync-status` event and of camera scans through `camera-scan`.

pub mod commands;
pub mod error;
pub mod state;

use state::AppState;
use std::path::PathBuf;
use tauri::{Emitter, Manager};

/// The event carrying a [`shared::app::SyncView`] whenever sync state changes.
pub const SYNC_STATUS_EVENT: &str = "sync-status";

/// Where the replica lives: `STORE_APP_DATA_DIR` if set (tests, several devices on one
/// machine), else the platform's app data directory.
fn data_dir(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    if let Some(dir) = std::env::var_os("STORE_APP_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    Ok(app.path().app_data_dir()?)
}

/// Runs the app.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let builder = tauri::Builder::default();
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_barcode_scanner::init());
    let result = builder
        .setup(|app| {
            let dir = data_dir(app)?;
            let state = AppState::open(&dir)?;
            let engine = state.engine.clone();
            let mut status = engine.status();
            let handle = app.handle().clone();
            app.manage(state);
            tauri::async_runtime::spawn(engine.run());
            tauri::async_runtime::spawn(async move {
                while status.changed().await.is_ok() {
                    let view = commands::sync_view(&status.borrow_and_update());
                    let _ = handle.emit(SYNC_STATUS_EVENT, view);
                }
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_state,
            commands::enroll,
            commands::staff_members,
            commands::login,
            commands::logout,
            commands::home,
            commands::inbox,
            commands::mark_read,
            commands::sync_now,
            commands::set_language,
            commands::diagnostics,
            commands::orders::fulfillment_orders,
            commands::orders::order_detail,
            commands::orders::perform,
            commands::orders::scan_for_pick,
            commands::orders::reset_pick,
            commands::orders::hand_over_with_id_check,
            commands::camera::camera_start,
            commands::camera::camera_stop,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("The store app could not start: {e}");
        std::process::exit(1);
    }
}
