//! Camera scanning on desktops and in-store tablets: frames are decoded on a background
//! thread and each new code reaches the UI as a [`CameraScanned`] event, where it is
//! handled exactly like a keyboard-wedge scan. Phones and tablets running Android or iOS
//! use the OS scanner through the barcode-scanner plugin instead (called from the UI).

use super::Cx;
use crate::error::{AppResult, ShellError};
#[cfg(desktop)]
use crate::state::AppState;
#[cfg(desktop)]
use shared::app::command::CameraScanned;
use shared::app::command::NoArgs;
use shared::app::CameraReason;
use tauri::Runtime;

/// Names of the cameras found, for diagnostics.
pub fn camera_names() -> Vec<String> {
    #[cfg(desktop)]
    {
        scanner::camera::cameras().map(|c| c.into_iter().map(|c| c.name).collect()).unwrap_or_default()
    }
    #[cfg(mobile)]
    {
        Vec::new()
    }
}

#[cfg(desktop)]
fn camera_error(e: scanner::camera::CameraError) -> crate::error::AppError {
    use scanner::camera::CameraError;
    let reason = match &e {
        CameraError::NoCamera => CameraReason::NoCamera,
        CameraError::Busy => CameraReason::Busy,
        _ => CameraReason::Failed,
    };
    ShellError::Camera { reason, message: e.to_string() }.into()
}

/// Opens the first camera (slow: it runs on a blocking thread) and emits what it reads.
#[cfg(desktop)]
fn start_first_camera<R: Runtime>(app: tauri::AppHandle<R>) -> AppResult<()> {
    use tauri::Manager;
    let state = app.state::<AppState>();
    let mut camera = state.camera.lock().unwrap_or_else(|e| e.into_inner());
    if camera.is_some() {
        return Ok(());
    }
    let first = scanner::camera::cameras().map_err(camera_error)?.into_iter().next();
    let Some(first) = first else {
        return Err(camera_error(scanner::camera::CameraError::NoCamera));
    };
    let events = app.clone();
    let scanner = scanner::camera::CameraScanner::start(first.index, move |d| {
        let scan = shared::app::CameraScan {
            text: d.text,
            symbology: serde_json::to_value(d.symbology)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        };
        crate::events::emit::<CameraScanned, R>(&events, scan);
    })
    .map_err(camera_error)?;
    *camera = Some(scanner);
    Ok(())
}

/// Starts scanning with the first camera; codes arrive as [`CameraScanned`] events.
pub async fn camera_start<R: Runtime>(cx: Cx<R>, _: NoArgs) -> AppResult<()> {
    #[cfg(desktop)]
    {
        let app = cx.app().clone();
        tauri::async_runtime::spawn_blocking(move || start_first_camera(app))
            .await
            .map_err(|e| ShellError::Camera { reason: CameraReason::Failed, message: e.to_string() })?
    }
    #[cfg(mobile)]
    {
        let _ = cx;
        Err(ShellError::Camera { reason: CameraReason::UseOsScanner, message: "use the scan button".into() }.into())
    }
}

/// Stops the camera.
pub async fn camera_stop<R: Runtime>(cx: Cx<R>, _: NoArgs) -> AppResult<()> {
    #[cfg(desktop)]
    {
        // Dropping the scanner stops its thread and releases the device.
        let taken = cx.state().camera.lock().unwrap_or_else(|e| e.into_inner()).take();
        tauri::async_runtime::spawn_blocking(move || drop(taken))
            .await
            .map_err(|e| ShellError::Camera { reason: CameraReason::Failed, message: e.to_string() })?;
    }
    #[cfg(mobile)]
    let _ = cx;
    Ok(())
}
