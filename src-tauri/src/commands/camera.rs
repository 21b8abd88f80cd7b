//! Camera scanning on desktops and in-store tablets: frames are decoded on a background
//! thread and each new code reaches the UI as a `camera-scan` event, where it is handled
//! exactly like a keyboard-wedge scan. Phones and tablets running Android or iOS use the
//! OS scanner through the barcode-scanner plugin instead (called from the UI).

use crate::error::{AppResult, ShellError};
use crate::state::AppState;
use tauri::State;

/// The event carrying a [`shared::app::CameraScan`].
pub const CAMERA_SCAN_EVENT: &str = "camera-scan";

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
        CameraError::NoCamera => "no_camera",
        CameraError::Busy => "busy",
        _ => "failed",
    };
    ShellError::Camera { reason: reason.into(), message: e.to_string() }.into()
}

/// Starts scanning with the first camera; codes arrive as `camera-scan` events.
#[tauri::command(rename_all = "snake_case")]
pub fn camera_start(app: tauri::AppHandle, state: State<'_, AppState>) -> AppResult<()> {
    #[cfg(desktop)]
    {
        use tauri::Emitter;
        let mut camera = state.camera.lock().unwrap_or_else(|e| e.into_inner());
        if camera.is_some() {
            return Ok(());
        }
        let first = scanner::camera::cameras().map_err(camera_error)?.into_iter().next();
        let Some(first) = first else {
            return Err(camera_error(scanner::camera::CameraError::NoCamera));
        };
        let scanner = scanner::camera::CameraScanner::start(first.index, move |d| {
            let scan = shared::app::CameraScan {
                text: d.text,
                symbology: serde_json::to_value(d.symbology)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
            };
            let _ = app.emit(CAMERA_SCAN_EVENT, scan);
        })
        .map_err(camera_error)?;
        *camera = Some(scanner);
        Ok(())
    }
    #[cfg(mobile)]
    {
        let _ = (app, state);
        Err(ShellError::Camera { reason: "use_os_scanner".into(), message: "use the scan button".into() }.into())
    }
}

/// Stops the camera.
#[tauri::command(rename_all = "snake_case")]
pub fn camera_stop(state: State<'_, AppState>) {
    #[cfg(desktop)]
    {
        // Dropping the scanner stops its thread and releases the device.
        let taken = state.camera.lock().unwrap_or_else(|e| e.into_inner()).take();
        drop(taken);
    }
    #[cfg(mobile)]
    let _ = state;
}
