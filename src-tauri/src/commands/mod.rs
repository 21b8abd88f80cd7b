//! The commands the UI invokes. Each is a thin call into the replica or the sync engine;
//! rules live in `shared` and `replica`, never here.

pub mod camera;
pub mod orders;

use crate::error::{invalid, AppResult};
use crate::state::{AppState, Settings};
use replica::{ReplicaError, SyncStatus};
use shared::app::{AppSnapshot, Diagnostics, EnrollmentView, ErrorView, HomeView, InboxItem, StaffMember, SyncView};
use tauri::State;

/// The sync status as the UI shows it.
pub fn sync_view(s: &SyncStatus) -> SyncView {
    SyncView {
        online: s.online,
        syncing: s.syncing,
        pending_ops: s.pending_ops,
        last_sync_ms: s.last_sync_ms,
        bootstrap: s.bootstrap,
        error: s.error.as_ref().map(error_view),
    }
}

fn error_view(e: &ReplicaError) -> ErrorView {
    serde_json::to_value(crate::error::AppError::from(e.clone()))
        .and_then(serde_json::from_value)
        .unwrap_or_else(|_| ErrorView { error: e.code().into(), message: e.to_string(), ..Default::default() })
}

fn enrollment_view(state: &AppState) -> AppResult<Option<EnrollmentView>> {
    Ok(state.replica.enrollment()?.map(|e| EnrollmentView {
        server_url: e.server_url,
        device_id: e.device_id,
        store: e.store,
    }))
}

/// Where the app stands: enrollment, session, sync, language.
#[tauri::command(rename_all = "snake_case")]
pub fn app_state(state: State<'_, AppState>) -> AppResult<AppSnapshot> {
    Ok(AppSnapshot {
        enrollment: enrollment_view(&state)?,
        staff: state.staff(),
        sync: sync_view(&state.engine.status().borrow()),
        language: state.settings().language,
        mobile: cfg!(mobile),
        version: env!("CARGO_PKG_VERSION").to_string(),
    })
}

/// Enrols this device with a server address and a one-time code from HQ.
#[tauri::command(rename_all = "snake_case")]
pub async fn enroll(state: State<'_, AppState>, server_url: String, code: String) -> AppResult<EnrollmentView> {
    let server_url = server_url.trim().trim_end_matches('/').to_string();
    if !(server_url.starts_with("http://") || server_url.starts_with("https://")) {
        return Err(invalid("server_url", "the server address must start with http:// or https://"));
    }
    let code = code.trim().to_string();
    if code.is_empty() {
        return Err(invalid("code", "enter the enrollment code from HQ"));
    }
    let device_name = std::env::var("HOSTNAME").unwrap_or_else(|_| "store device".into());
    state.engine.enroll(&server_url, &code, &device_name).await?;
    state.set_staff(None);
    enrollment_view(&state)?.ok_or_else(|| ReplicaError::NotEnrolled.into())
}

/// Staff who may log in on this device.
#[tauri::command(rename_all = "snake_case")]
pub fn staff_members(state: State<'_, AppState>) -> AppResult<Vec<StaffMember>> {
    Ok(state.replica.staff_members()?)
}

/// Checks a PIN offline and starts a session.
#[tauri::command(rename_all = "snake_case")]
pub async fn login(state: State<'_, AppState>, staff_id: String, pin: String) -> AppResult<StaffMember> {
    let replica = state.replica.clone();
    let now = chrono::Utc::now().timestamp_millis();
    // The PIN hash is deliberately slow: keep it off the UI thread.
    let record = tauri::async_runtime::spawn_blocking(move || replica.login(&staff_id, &pin, now))
        .await
        .map_err(|e| ReplicaError::Storage { message: e.to_string() })??;
    let staff = StaffMember { id: record.id, name: record.name, role: record.role };
    state.set_staff(Some(staff.clone()));
    Ok(staff)
}

/// Ends the session.
#[tauri::command(rename_all = "snake_case")]
pub fn logout(state: State<'_, AppState>) {
    state.set_staff(None);
}

/// Task counts and unread inbox items.
#[tauri::command(rename_all = "snake_case")]
pub fn home(state: State<'_, AppState>) -> AppResult<HomeView> {
    Ok(HomeView { counts: state.replica.task_counts()?, unread_inbox: state.replica.unread_inbox()? })
}

/// Rejections and conflicts, newest first.
#[tauri::command(rename_all = "snake_case")]
pub fn inbox(state: State<'_, AppState>) -> AppResult<Vec<InboxItem>> {
    Ok(state.replica.inbox()?)
}

/// Marks an inbox item read.
#[tauri::command(rename_all = "snake_case")]
pub fn mark_read(state: State<'_, AppState>, id: i64) -> AppResult<()> {
    Ok(state.replica.mark_read(id)?)
}

/// Syncs now and reports how it went.
#[tauri::command(rename_all = "snake_case")]
pub async fn sync_now(state: State<'_, AppState>) -> AppResult<SyncView> {
    let result = state.engine.sync_once().await;
    let view = sync_view(&state.engine.status().borrow());
    result?;
    Ok(view)
}

/// Changes the UI language.
#[tauri::command(rename_all = "snake_case")]
pub fn set_language(state: State<'_, AppState>, language: String) -> AppResult<()> {
    if !matches!(language.as_str(), "zh-CN" | "en") {
        return Err(invalid("language", "language must be zh-CN or en"));
    }
    state.save_settings(Settings { language })
}

/// Facts for support.
#[tauri::command(rename_all = "snake_case")]
pub fn diagnostics(state: State<'_, AppState>) -> AppResult<Diagnostics> {
    let replica_bytes = std::fs::metadata(state.data_dir.join("replica.sqlite")).map(|m| m.len()).unwrap_or(0);
    Ok(Diagnostics {
        version: env!("CARGO_PKG_VERSION").to_string(),
        protocol_version: shared::protocol::PROTOCOL_VERSION,
        data_dir: state.data_dir.display().to_string(),
        replica_bytes,
        cursor: state.replica.cursor()?,
        pending_ops: state.replica.pending_count()?,
        orders_on_device: state.replica.fulfillment_orders(&[])?.len() as u64,
        cameras: camera::camera_names(),
    })
}
