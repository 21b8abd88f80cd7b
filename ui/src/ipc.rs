//! Calls into the Tauri shell: commands (`invoke`) and events (`listen`), through the
//! global `window.__TAURI__` object the shell injects.

use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::app::ErrorView;
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
    args.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| ErrorView {
        error: "internal".into(),
        message: format!("cannot encode the request: {e}"),
        ..Default::default()
    })
}

fn error_of(value: JsValue) -> ErrorView {
    if let Some(text) = value.as_string() {
        return ErrorView { error: "internal".into(), message: text, ..Default::default() };
    }
    serde_wasm_bindgen::from_value(value).unwrap_or_else(|e| ErrorView {
        error: "internal".into(),
        message: format!("unreadable error from the app: {e}"),
        ..Default::default()
    })
}

/// Calls a command with named arguments and decodes its answer. The arguments are encoded
/// at once, so the returned future borrows nothing.
pub fn call<A: Serialize, R: DeserializeOwned>(
    cmd: &'static str,
    args: &A,
) -> impl std::future::Future<Output = Result<R, ErrorView>> {
    let args = to_js(args);
    async move {
        let value = tauri_invoke(cmd, args?).await.map_err(error_of)?;
        serde_wasm_bindgen::from_value(value).map_err(|e| ErrorView {
            error: "internal".into(),
            message: format!("unreadable answer to {cmd}: {e}"),
            ..Default::default()
        })
    }
}

/// Calls a command that answers nothing.
pub fn run<A: Serialize>(cmd: &'static str, args: &A) -> impl std::future::Future<Output = Result<(), ErrorView>> {
    let args = to_js(args);
    async move { tauri_invoke(cmd, args?).await.map(|_| ()).map_err(error_of) }
}

/// No arguments.
#[derive(Serialize)]
pub struct NoArgs {}

/// Listens to an app event for the life of the page, handing each payload to `f`.
pub async fn listen<T: DeserializeOwned + 'static>(event: &str, mut f: impl FnMut(T) + 'static) {
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        let payload = js_sys::Reflect::get(&e, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
        if let Ok(p) = serde_wasm_bindgen::from_value(payload) {
            f(p);
        }
    });
    let _ = tauri_listen(event, &handler).await;
    // The listener lives as long as the page.
    handler.forget();
}
