//! The handlers of the commands the UI invokes, one per [`shared::app::command`] command,
//! taking its `Args` and answering its `Answer` (the router in `ipc` holds them to that).
//! Each is a thin call into the replica or the sync engine; rules live in `shared` and
//! `replica`, never here. Replica work runs on a blocking thread ([`blocking`]), never on
//! the thread that drives the window.

pub mod aisle;
pub mod camera;
// --- courier ---
pub mod courier;
pub mod orders;
// --- print ---
pub mod print;
pub mod returns;

use crate::error::{AppError, AppResult};
use crate::state::{AppState, Settings};
use replica::{Replica, ReplicaError, SyncStatus};
use shared::app::command::{EnrollArgs, InboxItemArgs, LanguageArgs, LoginArgs, NoArgs};
use shared::app::{AppSnapshot, Diagnostics, EnrollmentView, ErrorCode, ErrorView, HomeView, InboxItem};
use shared::app::{StaffMember, SyncView};
use std::sync::Arc;
use tauri::{AppHandle, Manager, Runtime, State};

/// What a handler gets besides its arguments: the app, for its state and its events.
pub struct Cx<R: Runtime> {
    app: AppHandle<R>,
}

impl<R: Runtime> Cx<R> {
    /// The context of a command invoked on `app`.
    pub fn new(app: AppHandle<R>) -> Self {
        Cx { app }
    }

    /// The app.
    pub fn app(&self) -> &AppHandle<R> {
        &self.app
    }

    /// The running app's state.
    pub fn state(&self) -> State<'_, AppState> {
        self.app.state::<AppState>()
    }
}

/// The device's clock, read by the command that needs it and passed down to the replica
/// (a log-in's lockout, an op's device time): the one place the app reads it.
// Time is passed in (clippy.toml); this is where the passing starts.
#[allow(clippy::disallowed_methods)]
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// Runs replica work on a blocking thread: the PIN hash is deliberately slow and a large
/// pull page holds the replica's lock, and neither may hold up the window or other commands.
pub async fn blocking<T, E>(
    replica: &Arc<Replica>,
    f: impl FnOnce(&Replica) -> Result<T, E> + Send + 'static,
) -> AppResult<T>
where
    T: Send + 'static,
    E: Send + 'static,
    AppError: From<E>,
{
    let replica = replica.clone();
    tauri::async_runtime::spawn_blocking(move || f(&replica))
        .await
        .map_err(|e| ReplicaError::Storage { message: e.to_string() })?
        .map_err(AppError::from)
}

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
    serde_json::to_value(AppError::from(e.clone()))
        .and_then(serde_json::from_value)
        .unwrap_or_else(|_| ErrorView::new(ErrorCode::Internal, e.to_string()))
}

fn enrollment_view(replica: &Replica) -> replica::Result<Option<EnrollmentView>> {
    Ok(replica.enrollment()?.map(|e| EnrollmentView {
        server_url: e.server_url,
        device_id: e.device_id,
        store: e.store,
    }))
}

/// Where the app stands: enrollment, session, sync, language.
pub async fn app_state<R: Runtime>(cx: Cx<R>, _: NoArgs) -> AppResult<AppSnapshot> {
    let state = cx.state();
    let enrollment = blocking(&state.replica, enrollment_view).await?;
    Ok(AppSnapshot {
        enrollment,
        staff: state.staff(),
        sync: sync_view(&state.engine.status().borrow()),
        language: state.settings().language,
        mobile: cfg!(mobile),
        version: env!("CARGO_PKG_VERSION").to_string(),
    })
}

/// Enrols this device with a server address and a one-time code from HQ.
pub async fn enroll<R: Runtime>(cx: Cx<R>, args: EnrollArgs) -> AppResult<EnrollmentView> {
    let state = cx.state();
    let (server_url, code) = shared::input::enrollment(&args.server_url, &args.code)?;
    let device_name = std::env::var("HOSTNAME").unwrap_or_else(|_| "store device".into());
    state.engine.enroll(&server_url, &code, &device_name).await?;
    state.set_staff(None);
    blocking(&state.replica, enrollment_view).await?.ok_or_else(|| ReplicaError::NotEnrolled.into())
}

/// Staff who may log in on this device.
pub async fn staff_members<R: Runtime>(cx: Cx<R>, _: NoArgs) -> AppResult<Vec<StaffMember>> {
    blocking(&cx.state().replica, |r| r.staff_members()).await
}

/// Checks a PIN offline and starts a session.
pub async fn login<R: Runtime>(cx: Cx<R>, args: LoginArgs) -> AppResult<StaffMember> {
    let state = cx.state();
    let now = now().timestamp_millis();
    let record = blocking(&state.replica, move |r| r.login(&args.staff_id, &args.pin, now)).await?;
    let staff = StaffMember { id: record.id, name: record.name, role: record.role };
    state.set_staff(Some(staff.clone()));
    Ok(staff)
}

/// Ends the session.
pub async fn logout<R: Runtime>(cx: Cx<R>, _: NoArgs) -> AppResult<()> {
    cx.state().set_staff(None);
    Ok(())
}

/// Task counts and unread inbox items.
pub async fn home<R: Runtime>(cx: Cx<R>, _: NoArgs) -> AppResult<HomeView> {
    blocking(&cx.state().replica, |r| {
        Ok::<_, ReplicaError>(HomeView { counts: r.task_counts()?, unread_inbox: r.unread_inbox()? })
    })
    .await
}

/// Rejections and conflicts, newest first.
pub async fn inbox<R: Runtime>(cx: Cx<R>, _: NoArgs) -> AppResult<Vec<InboxItem>> {
    blocking(&cx.state().replica, |r| r.inbox()).await
}

/// Marks an inbox item read.
pub async fn mark_read<R: Runtime>(cx: Cx<R>, args: InboxItemArgs) -> AppResult<()> {
    blocking(&cx.state().replica, move |r| r.mark_read(args.id)).await
}

/// Syncs now and reports how it went.
pub async fn sync_now<R: Runtime>(cx: Cx<R>, _: NoArgs) -> AppResult<SyncView> {
    let state = cx.state();
    let result = state.engine.sync_once().await;
    let view = sync_view(&state.engine.status().borrow());
    result?;
    Ok(view)
}

/// Changes the UI language.
pub async fn set_language<R: Runtime>(cx: Cx<R>, args: LanguageArgs) -> AppResult<()> {
    shared::input::check_language(&args.language)?;
    let state = cx.state();
    state.save_settings(Settings { language: args.language, ..state.settings() })
}

/// Facts for support.
pub async fn diagnostics<R: Runtime>(cx: Cx<R>, _: NoArgs) -> AppResult<Diagnostics> {
    let data_dir = cx.state().data_dir.clone();
    blocking(&cx.state().replica, move |r| {
        let replica_bytes = std::fs::metadata(data_dir.join("replica.sqlite")).map(|m| m.len()).unwrap_or(0);
        Ok::<_, ReplicaError>(Diagnostics {
            version: env!("CARGO_PKG_VERSION").to_string(),
            protocol_version: shared::protocol::PROTOCOL_VERSION,
            data_dir: data_dir.display().to_string(),
            replica_bytes,
            cursor: r.cursor()?,
            pending_ops: r.pending_count()?,
            orders_on_device: r.fulfillment_orders(&[])?.len() as u64,
            cameras: camera::camera_names(),
        })
    })
    .await
}
