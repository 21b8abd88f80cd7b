//! The store app's screens. Client-side Leptos compiled to wasm; every read and action is a
//! Tauri command into the device engine, so the UI holds no business rules of its own
//! beyond what `shared` gives it.

pub mod app;
pub mod components;
pub mod i18n;
pub mod ipc;
pub mod scan;
pub mod screens;
pub mod state;

/// Mounts the app (called by the generated JS glue when the module loads).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}
