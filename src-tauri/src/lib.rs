//! The store associate app: a Tauri window showing the Leptos UI (`ui/`), whose commands
//! are thin calls into the device engine (`replica`).
//!
//! The replica and its sync engine run inside the app; the UI learns of sync progress
//! through the [`SyncStatus`] event and of camera scans through
//! [`shared::app::command::CameraScanned`]. Commands and events are declared once in
//! [`shared::app::command`]; [`ipc`] routes each invoke to its handler in [`commands`].

pub mod commands;
pub mod error;
pub mod events;
pub mod ipc;
pub mod state;

use shared::app::command::SyncStatus;
use state::AppState;
use std::path::{Path, PathBuf};
use tauri::{AppHandle, Manager, Runtime};

/// Where the replica lives: `STORE_APP_DATA_DIR` if set (tests, several devices on one
/// machine), else the platform's app data directory.
fn data_dir<R: Runtime>(app: &AppHandle<R>) -> Result<PathBuf, Box<dyn std::error::Error>> {
    if let Some(dir) = std::env::var_os("STORE_APP_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    Ok(app.path().app_data_dir()?)
}

/// Opens the replica in `dir` as the app's state, and starts the sync engine and the
/// events that report its status. The setup hook of [`builder`] calls this.
pub fn start<R: Runtime>(app: &AppHandle<R>, dir: &Path) -> Result<(), replica::ReplicaError> {
    let state = AppState::open(dir)?;
    let engine = state.engine.clone();
    let mut status = engine.status();
    let handle = app.clone();
    app.manage(state);
    tauri::async_runtime::spawn(engine.run());
    tauri::async_runtime::spawn(async move {
        while status.changed().await.is_ok() {
            let view = commands::sync_view(&status.borrow_and_update());
            events::emit::<SyncStatus, R>(&handle, view);
        }
    });
    Ok(())
}

/// The app on any runtime (Wry in [`run`], the mock runtime in tests): its setup and its
/// commands. Plugins and the context are the caller's.
pub fn builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .setup(|app| {
            let dir = data_dir(app.handle())?;
            start(app.handle(), &dir)?;
            Ok(())
        })
        .invoke_handler(ipc::handler())
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
    let result = self::builder(builder).run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("The store app could not start: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};
    use shared::app::command::{Command, Enroll, GetAppState, Perform, ScanForPick};
    use shared::app::AppSnapshot;
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
    use tauri::webview::InvokeRequest;

    fn invoke(
        webview: &tauri::WebviewWindow<tauri::test::MockRuntime>,
        cmd: &str,
        args: Value,
    ) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(webview, request).map(|body| body.deserialize::<Value>().unwrap())
    }

    /// The app as `run` builds it, on the mock runtime: its commands answer by their
    /// declared names with their declared answers and the errors the UI translates.
    #[test]
    fn the_app_builds_on_the_mock_runtime_and_serves_its_commands() {
        let dir = tempfile::tempdir().unwrap();
        let app = super::builder(mock_builder()).build(mock_context(noop_assets())).unwrap();
        super::start(app.handle(), dir.path()).unwrap();
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();

        let snapshot: AppSnapshot =
            serde_json::from_value(invoke(&webview, GetAppState::NAME, json!({})).unwrap()).unwrap();
        assert_eq!((snapshot.enrollment, snapshot.staff, snapshot.language.as_str()), (None, None, "zh-CN"));

        let refused = invoke(&webview, Enroll::NAME, json!({"server_url": "hq.example", "code": "X"})).unwrap_err();
        assert_eq!((refused["error"].as_str(), refused["field"].as_str()), (Some("invalid_input"), Some("server_url")));
        let op = json!({"kind": "AcceptFulfillment", "fulfillment_order_id": uuid::Uuid::nil()});
        let refused = invoke(&webview, Perform::NAME, json!({ "op": op })).unwrap_err();
        assert_eq!(refused["error"], "not_logged_in");
        // Arguments of the wrong shape are refused, naming the command.
        let refused = invoke(&webview, ScanForPick::NAME, json!({"id": "not a uuid"})).unwrap_err();
        assert!(refused.as_str().is_some_and(|m| m.contains("scan_for_pick")), "{refused}");
    }
}
