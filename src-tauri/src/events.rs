//! Events the shell emits to the UI, each declared once in [`shared::app::command`] with
//! its name and payload.

use shared::app::command::Event;
use tauri::{AppHandle, Emitter, Runtime};

/// Emits `E` to every window. A window that is gone misses it, which is no error.
pub fn emit<E: Event, R: Runtime>(app: &AppHandle<R>, payload: E::Payload) {
    if let Err(e) = app.emit(E::NAME, payload) {
        tracing::debug!(event = E::NAME, error = %e, "event not delivered");
    }
}
