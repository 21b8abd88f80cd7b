//! Scans reach the screen in front from three sources, handled alike: keyboard-wedge
//! scanners (key bursts captured anywhere in the app), the camera (desktop: `camera-scan`
//! events from the shell; phones: the OS scanner through the barcode-scanner plugin), and
//! manual entry.

use crate::ipc;
use crate::state::Ctx;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use shared::app::command::{CameraScanned, CameraStart, CameraStop, Command, NoArgs};
use shared::app::ErrorView;
use shared::scan::WedgeDetector;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Hands a scan to whichever screen is showing.
pub fn deliver(ctx: Ctx, text: String) {
    let text = text.trim().to_string();
    if !text.is_empty() {
        ctx.scans.update(|(n, s)| {
            *n += 1;
            *s = text;
        });
    }
}

/// Listens to key presses on the whole page and turns scanner bursts into scans.
pub fn install_wedge_listener(ctx: Ctx) {
    let detector = Rc::new(RefCell::new(WedgeDetector::new()));
    let on_key = Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |ev: web_sys::KeyboardEvent| {
        let mut d = detector.borrow_mut();
        let burst = d.pending().to_string();
        let Some(code) = d.key(&ev.key(), ev.time_stamp()) else {
            return;
        };
        ev.prevent_default();
        // The burst also landed in whatever field had focus: take it back out.
        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
            let value = input.value();
            if let Some(kept) = value.strip_suffix(burst.as_str()) {
                input.set_value(kept);
            }
        }
        deliver(ctx, code);
    });
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        let _ = doc.add_event_listener_with_callback_and_bool("keydown", on_key.as_ref().unchecked_ref(), true);
    }
    on_key.forget();
}

/// Forwards the shell's camera scans.
pub fn install_camera_listener(ctx: Ctx) {
    leptos::task::spawn_local(async move {
        ipc::listen::<CameraScanned>(move |scan| deliver(ctx, scan.text)).await;
    });
}

/// Runs `handle` for every scan made while the calling component is mounted (not for the
/// scan that was current when it mounted).
pub fn on_scan(handle: impl Fn(String) + 'static) {
    let ctx = Ctx::get();
    let seen = ctx.scans.get_untracked().0;
    Effect::new(move |_| {
        let (n, text) = ctx.scans.get();
        if n > seen {
            handle(text);
        }
    });
}

/// The OS scanner of phones and tablets: a command of the barcode-scanner plugin, not of
/// the app's shell.
enum OsScan {}

/// What the OS scanner is asked to read.
#[derive(Serialize, Deserialize)]
struct OsScanArgs {
    formats: Vec<String>,
}

/// What it read (the plugin answers more; only the text is used).
#[derive(Serialize, Deserialize)]
struct OsScanned {
    content: String,
}

impl Command for OsScan {
    const NAME: &'static str = "plugin:barcode-scanner|scan";
    type Args = OsScanArgs;
    type Answer = OsScanned;
}

/// Starts camera scanning: the shell's camera on desktops and tablets, the OS scanner on
/// phones. Errors (no camera) come back for the caller to show.
pub async fn start_camera(ctx: Ctx) -> Result<(), ErrorView> {
    let mobile = ctx.snapshot.with_untracked(|s| s.as_ref().is_some_and(|s| s.mobile));
    if mobile {
        let formats = ["QR_CODE", "EAN_13", "CODE_128"].map(String::from).to_vec();
        let got = ipc::invoke::<OsScan>(OsScanArgs { formats }).await?;
        deliver(ctx, got.content);
        Ok(())
    } else {
        ipc::invoke::<CameraStart>(NoArgs {}).await
    }
}

/// Stops the desktop camera.
pub async fn stop_camera() {
    let _ = ipc::invoke::<CameraStop>(NoArgs {}).await;
}
