//! Thermal printing: the printer set on this device (address and paper, kept with the
//! device's settings) and printing a document on it. The document is the one the print
//! page shows (built by `shared::print`); the device engine renders it to ESC/POS and sends
//! it over TCP. The system print dialog path needs no command: the page calls
//! `window.print()`.

use super::Cx;
use crate::error::{AppResult, ShellError};
use crate::state::Settings;
use replica::print::{render, send, PrintTimeouts, PrinterError, RenderError};
use shared::app::command::NoArgs;
use shared::app::print::{PrintThermalArgs, PrintedJob, PrinterSettings};
use shared::app::InputField;
use shared::print::PrinterReason;
use tauri::Runtime;

/// The thermal printer set on this device.
pub async fn printer_settings<R: Runtime>(cx: Cx<R>, _: NoArgs) -> AppResult<PrinterSettings> {
    Ok(cx.state().settings().printer)
}

/// Sets the thermal printer (an empty address clears it); answers it as saved, the address
/// written out in full (`host:port`).
pub async fn set_printer<R: Runtime>(cx: Cx<R>, args: PrinterSettings) -> AppResult<PrinterSettings> {
    let address = match args.printer() {
        None => String::new(),
        Some(Ok(a)) => a.to_string(),
        Some(Err(e)) => {
            return Err(ShellError::InvalidInput { message: e.to_string(), field: InputField::PrinterAddress }.into())
        }
    };
    let state = cx.state();
    let printer = PrinterSettings { address, paper: args.paper };
    state.save_settings(Settings { printer: printer.clone(), ..state.settings() })?;
    Ok(printer)
}

fn printer_error(e: &PrinterError) -> ShellError {
    let reason = match e {
        PrinterError::Unreachable { .. } => PrinterReason::PrinterUnreachable,
        PrinterError::Refused { .. } => PrinterReason::PrinterRefused,
        PrinterError::TimedOut { .. } => PrinterReason::PrinterTimedOut,
        PrinterError::ConnectionLost { .. } => PrinterReason::PrinterConnectionLost,
    };
    ShellError::Printer { reason, address: e.address().to_string(), message: e.to_string() }
}

/// Renders `document` for the printer's paper and sends it.
pub async fn print_thermal<R: Runtime>(cx: Cx<R>, args: PrintThermalArgs) -> AppResult<PrintedJob> {
    let settings = cx.state().settings().printer;
    let not_set = || ShellError::Printer {
        reason: PrinterReason::PrinterNotConfigured,
        address: String::new(),
        message: "no thermal printer is set: enter its address in settings".into(),
    };
    let address = match settings.printer() {
        None => return Err(not_set().into()),
        Some(Err(e)) => {
            return Err(ShellError::InvalidInput { message: e.to_string(), field: InputField::PrinterAddress }.into())
        }
        Some(Ok(a)) => a,
    };
    let bytes = render(&args.document, settings.paper).map_err(|e: RenderError| ShellError::Printer {
        reason: PrinterReason::Unprintable,
        address: address.to_string(),
        message: e.to_string(),
    })?;
    let len = bytes.len() as u64;
    let to = address.clone();
    tauri::async_runtime::spawn_blocking(move || send(&to, &bytes, PrintTimeouts::default()))
        .await
        .map_err(|e| ShellError::Printer {
            reason: PrinterReason::PrinterConnectionLost,
            address: address.to_string(),
            message: e.to_string(),
        })?
        .map_err(|e| printer_error(&e))?;
    tracing::info!(printer = %address, bytes = len, kind = args.document.kind.as_str(), "printed");
    Ok(PrintedJob { address: address.to_string(), paper: settings.paper, bytes: len })
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};
    use shared::app::command::{Command, GetPrinter, PrintThermal, SetLanguage, SetPrinter};
    use shared::print::{Block, DocumentKind, PrintDocument};
    use std::io::Read;
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
    use tauri::webview::InvokeRequest;

    fn invoke(webview: &tauri::WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
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

    fn document() -> Value {
        let doc = PrintDocument {
            kind: DocumentKind::PackingSlip,
            title: "t".into(),
            blocks: vec![Block::Heading { text: "装箱单".into() }, Block::Cut],
        };
        json!({ "document": doc })
    }

    /// The printer is set and kept with the device's settings, a bad address is refused
    /// naming the field, and a job goes to the printer or says why it did not.
    #[test]
    fn the_printer_is_set_in_settings_and_jobs_reach_it_or_say_why_not() {
        let dir = tempfile::tempdir().unwrap();
        let app = crate::builder(mock_builder()).build(mock_context(noop_assets())).unwrap();
        crate::start(app.handle(), dir.path()).unwrap();
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();

        assert_eq!(invoke(&webview, GetPrinter::NAME, json!({})).unwrap(), json!({"address": "", "paper": "80mm"}));
        let e = invoke(&webview, PrintThermal::NAME, document()).unwrap_err();
        assert_eq!((e["error"].as_str(), e["reason"].as_str()), (Some("printer"), Some("printer_not_configured")));
        let e = invoke(&webview, SetPrinter::NAME, json!({"address": "printer:abc", "paper": "58mm"})).unwrap_err();
        assert_eq!((e["error"].as_str(), e["field"].as_str()), (Some("invalid_input"), Some("printer_address")));

        // A printer that takes one job.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let job = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            listener.accept().unwrap().0.read_to_end(&mut bytes).unwrap();
            bytes
        });
        let saved = invoke(&webview, SetPrinter::NAME, json!({"address": " 127.0.0.1 ", "paper": "58mm"})).unwrap();
        assert_eq!(saved["address"], "127.0.0.1:9100", "the default port is written out");
        invoke(&webview, SetPrinter::NAME, json!({"address": format!("127.0.0.1:{port}"), "paper": "58mm"})).unwrap();
        invoke(&webview, SetLanguage::NAME, json!({"language": "en"})).unwrap();
        let kept: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("settings.json")).unwrap()).unwrap();
        assert_eq!(kept["printer"]["address"], format!("127.0.0.1:{port}"), "a language change keeps the printer");
        assert_eq!(kept["language"], "en");

        let printed = invoke(&webview, PrintThermal::NAME, document()).unwrap();
        let bytes = job.join().unwrap();
        assert_eq!(printed["bytes"].as_u64(), Some(bytes.len() as u64));
        assert_eq!(&bytes[..2], b"\x1b@");
        assert_eq!(printed["paper"], "58mm");

        // Nothing listens there any more.
        let e = invoke(&webview, PrintThermal::NAME, document()).unwrap_err();
        assert_eq!((e["error"].as_str(), e["reason"].as_str()), (Some("printer"), Some("printer_refused")));
        assert_eq!(e["address"], format!("127.0.0.1:{port}"));
        let view: shared::app::ErrorView = serde_json::from_value(e).unwrap();
        assert_eq!(view.reason, Some(shared::app::ErrorReason::Printer(shared::print::PrinterReason::PrinterRefused)));
        let bad = json!({"document": {"kind": "packing_slip", "title": "t", "blocks": [{"block": "barcode", "data": "运单"}]}});
        let e = invoke(&webview, PrintThermal::NAME, bad).unwrap_err();
        assert_eq!(e["reason"], "unprintable");
    }
}
