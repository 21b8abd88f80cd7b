//! Calls into the Tauri shell: commands (`invoke`) and events (`listen`), through the
//! global `window.__TAURI__` object the shell injects. Commands and events are the ones
//! declared in [`shared::app::command`]: their names, arguments and answers are typed, so
//! the UI cannot call a command the shell does not serve or misread its answer.

use serde::Serialize;
use shared::app::command::{Command, Event};
use shared::app::{ErrorCode, ErrorView};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    async fn tauri_listen(event: &str, handler: &Closure<dyn FnMut(JsValue)>) -> Result<JsValue, JsValue>;
}

// Errors here are rare and end up shown once; boxing them would buy nothing.
#[allow(clippy::result_large_err)]
fn to_js<A: Serialize>(args: &A) -> Result<JsValue, ErrorView> {
    // Plain objects, not JS Maps: Tauri reads command arguments as JSON.
    args.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| ErrorView::new(ErrorCode::Internal, format!("cannot encode the request: {e}")))
}

fn error_of(value: JsValue) -> ErrorView {
    if let Some(text) = value.as_string() {
        return ErrorView::new(ErrorCode::Internal, text);
    }
    serde_wasm_bindgen::from_value(value)
        .unwrap_or_else(|e| ErrorView::new(ErrorCode::Internal, format!("unreadable error from the app: {e}")))
}

/// Invokes command `C` with its arguments and decodes its answer. The arguments are
/// encoded at once, so the returned future borrows nothing.
pub fn invoke<C: Command>(args: C::Args) -> impl std::future::Future<Output = Result<C::Answer, ErrorView>> {
    let args = to_js(&args);
    async move {
        let value = tauri_invoke(C::NAME, args?).await.map_err(error_of)?;
        serde_wasm_bindgen::from_value(value)
            .map_err(|e| ErrorView::new(ErrorCode::Internal, format!("unreadable answer to {}: {e}", C::NAME)))
    }
}

/// Listens to event `E` for the life of the page, handing each payload to `f`.
pub async fn listen<E: Event>(mut f: impl FnMut(E::Payload) + 'static) {
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        let payload = js_sys::Reflect::get(&e, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
        if let Ok(p) = serde_wasm_bindgen::from_value(payload) {
            f(p);
        }
    });
    let _ = tauri_listen(E::NAME, &handler).await;
    // The listener lives as long as the page.
    handler.forget();
}
