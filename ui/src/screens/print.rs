//! The print page: a label, packing slip or receipt ([`PrintTarget`]) built by
//! `shared::print` from what the device has, shown as it will print — sized for its paper
//! (a 100×150 mm label, an 80 mm receipt), the waybill as a Code 128 SVG and the QR codes
//! as SVG — with two ways out: the system print dialog (`window.print()`; the print CSS
//! hides the app around the sheet and sets the page size), or the store's network thermal
//! printer through the shell (ESC/POS). A label that does not exist yet says why.

use crate::components::{Failed, Loading, TopBar};
use crate::i18n::{error_text, K};
use crate::ipc;
use crate::state::{Ctx, Screen};
use chrono::{FixedOffset, Offset};
use leptos::prelude::*;
use shared::app::command::{GetOrderDetail, GetPrinter, GetReturn, NoArgs, OrderArgs, PrintThermal, ReturnArgs};
use shared::app::print::{self as doc, PrintThermalArgs};
use shared::app::{ErrorReason, ErrorView};
use shared::print::{Align, Block, Paper, PaperWidth, PrintDocument, PrintLang, PrintTarget, PrinterReason, TextSize};

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A Code 128 (set B) barcode as SVG bars, scaled to its box (the modules from `barcoders`).
fn barcode_svg(data: &str) -> String {
    let Ok(code) = barcoders::sym::code128::Code128::new(format!("\u{0181}{data}")) else {
        return String::new();
    };
    let bits = code.encode();
    let mut bars = String::new();
    let mut x = 0;
    while x < bits.len() {
        if bits[x] == 1 {
            let start = x;
            while x < bits.len() && bits[x] == 1 {
                x += 1;
            }
            bars.push_str(&format!(r#"<rect x="{start}" y="0" width="{}" height="1"/>"#, x - start));
        } else {
            x += 1;
        }
    }
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} 1" preserveAspectRatio="none" shape-rendering="crispEdges" role="img" aria-label="{}">{bars}</svg>"#,
        bits.len(),
        esc(data)
    )
}

/// A QR code as inline SVG (without the XML prolog, which HTML does not want).
fn qr_svg(data: &str) -> String {
    let svg = qrcode::QrCode::new(data.as_bytes())
        .map(|qr| qr.render::<qrcode::render::svg::Color>().min_dimensions(160, 160).quiet_zone(false).build())
        .unwrap_or_default();
    match svg.find("<svg") {
        Some(i) => svg[i..].to_string(),
        None => svg,
    }
}

fn align_class(a: Align) -> &'static str {
    match a {
        Align::Left => "al-left",
        Align::Center => "al-center",
        Align::Right => "al-right",
    }
}

/// The document as print-ready HTML (the sheet's content).
pub fn document_html(d: &PrintDocument) -> String {
    let mut h = String::new();
    for b in &d.blocks {
        match b {
            Block::Heading { text } => h.push_str(&format!(r#"<h1 class="pd-heading">{}</h1>"#, esc(text))),
            Block::Text { text, size, bold, align } => {
                let size = match size {
                    TextSize::Normal => "sz-normal",
                    TextSize::Large => "sz-large",
                    TextSize::Huge => "sz-huge",
                };
                let bold = if *bold { " bold" } else { "" };
                h.push_str(&format!(r#"<p class="pd-text {size}{bold} {}">{}</p>"#, align_class(*align), esc(text)));
            }
            Block::Row { key, value, bold } => h.push_str(&format!(
                r#"<div class="pd-row{}"><span class="pd-key">{}</span><span class="pd-value">{}</span></div>"#,
                if *bold { " bold" } else { "" },
                esc(key),
                esc(value)
            )),
            Block::Table { columns, rows } => {
                let total: u32 = columns.iter().map(|c| u32::from(c.width.max(1))).sum();
                h.push_str(r#"<table class="pd-table"><colgroup>"#);
                for c in columns {
                    h.push_str(&format!(r#"<col style="width:{}%">"#, u32::from(c.width.max(1)) * 100 / total.max(1)));
                }
                h.push_str("</colgroup><thead><tr>");
                for c in columns {
                    h.push_str(&format!(r#"<th class="{}">{}</th>"#, align_class(c.align), esc(&c.title)));
                }
                h.push_str("</tr></thead><tbody>");
                for r in rows {
                    h.push_str("<tr>");
                    for (cell, c) in r.iter().zip(columns) {
                        h.push_str(&format!(r#"<td class="{}">{}</td>"#, align_class(c.align), esc(cell)));
                    }
                    h.push_str("</tr>");
                }
                h.push_str("</tbody></table>");
            }
            Block::Barcode { data } => h.push_str(&format!(
                r#"<div class="pd-barcode" data-code="{}">{}<div class="pd-hri">{}</div></div>"#,
                esc(data),
                barcode_svg(data),
                esc(data)
            )),
            Block::Qr { data } => {
                h.push_str(&format!(r#"<div class="pd-qr" data-code="{}">{}</div>"#, esc(data), qr_svg(data)))
            }
            Block::Rule => h.push_str(r#"<hr class="pd-rule">"#),
            Block::Cut => h.push_str(r#"<div class="pd-cut"></div>"#),
        }
    }
    h
}

/// The sheet's class: its paper.
pub fn sheet_class(d: &PrintDocument) -> &'static str {
    match d.paper() {
        Paper::Label100x150 => "print-sheet paper-label",
        Paper::Receipt => "print-sheet paper-receipt",
    }
}

/// The print page's own CSS: the sheet on screen, and for the print dialog the page size of
/// `paper` with everything but the sheet hidden.
pub fn page_css(paper: Paper) -> String {
    let page = match paper {
        Paper::Label100x150 => "size: 100mm 150mm; margin: 0;",
        // A roll's length is the printer driver's: only the margins are the page's.
        Paper::Receipt => "margin: 0;",
    };
    format!("{SHEET_CSS}\n@page {{ {page} }}\n{PRINT_CSS}")
}

const SHEET_CSS: &str = r#"
.print-stage { display: flex; justify-content: center; padding: 12px 0; overflow-x: auto; }
.print-sheet { background: #fff; color: #000; box-shadow: 0 1px 6px rgba(0,0,0,.25); box-sizing: border-box;
  font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; line-height: 1.25; flex: none; }
.print-sheet.paper-label { width: 100mm; height: 150mm; padding: 3mm 4mm; overflow: hidden; font-size: 3.4mm;
  display: flex; flex-direction: column; }
.print-sheet.paper-receipt { width: 80mm; padding: 4mm; font-size: 3.2mm; }
.print-sheet p { margin: 0.6mm 0; }
.pd-heading { font-size: 5.5mm; text-align: center; margin: 1mm 0 2mm; }
.pd-text.sz-large { font-size: 1.6em; }
.pd-text.sz-huge { font-size: 11mm; letter-spacing: .5mm; line-height: 1.05; margin: 1mm 0; }
.pd-text.bold, .pd-row.bold { font-weight: 700; }
.al-left { text-align: left; } .al-center { text-align: center; } .al-right { text-align: right; }
.pd-row { display: flex; justify-content: space-between; gap: 2mm; margin: .4mm 0; }
.pd-value { text-align: right; }
.pd-table { width: 100%; border-collapse: collapse; margin: 1mm 0; table-layout: fixed; }
.pd-table th { border-bottom: .2mm solid #000; font-weight: 700; padding: .5mm 0; }
.pd-table td { padding: .6mm 0; vertical-align: top; word-break: break-all; }
.pd-barcode { text-align: center; margin: 1.5mm 0 .5mm; }
.pd-barcode svg { width: 86mm; height: 17mm; max-width: 100%; display: block; margin: 0 auto; fill: #000; }
.paper-receipt .pd-barcode svg { width: 66mm; height: 14mm; }
.pd-hri { font-family: monospace; font-size: 3.6mm; letter-spacing: .4mm; }
.pd-qr { text-align: center; margin: 1.5mm 0; }
.pd-qr svg { width: 26mm; height: 26mm; }
.paper-receipt .pd-qr svg { width: 30mm; height: 30mm; }
.pd-rule { border: 0; border-top: .3mm solid #000; margin: 1mm 0; }
.paper-receipt .pd-rule { border-top-style: dashed; }
.pd-cut { flex: 1; }
.print-actions { display: flex; flex-direction: column; gap: 8px; }
@media (min-width: 900px) {
  .print-layout { display: grid; grid-template-columns: 1fr 380px; align-items: start; }
  .print-layout .print-stage { grid-column: 1; grid-row: 1 / span 2; }
  .print-layout .print-toolbar { grid-column: 2; grid-row: 1; position: sticky; top: 8px; }
}
.print-note { margin: 6px 0 0; }
"#;

const PRINT_CSS: &str = r#"
@media print {
  html, body { margin: 0 !important; padding: 0 !important; background: #fff !important; }
  body * { visibility: hidden !important; }
  .print-sheet, .print-sheet * { visibility: visible !important; }
  .print-stage { padding: 0; display: block; }
  .print-sheet { position: fixed; left: 0; top: 0; box-shadow: none; }
}
"#;

/// `ms` in the device's time zone (its offset at that moment, from the browser).
fn at(ms: i64) -> chrono::DateTime<FixedOffset> {
    let minutes = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64)).get_timezone_offset();
    let offset = FixedOffset::west_opt((minutes * 60.0) as i32).unwrap_or_else(|| chrono::Utc.fix());
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().with_timezone(&offset)
}

/// What the page shows: a document, or why there is none.
#[derive(Debug, Clone, PartialEq)]
enum Built {
    Document(PrintDocument),
    NoLabel,
    NoSuchParcel,
}

async fn build(target: PrintTarget, store: String, lang: PrintLang) -> Result<Built, ErrorView> {
    Ok(match target {
        PrintTarget::Label { fulfillment_order_id, parcel_no } => {
            let detail = ipc::invoke::<GetOrderDetail>(OrderArgs { id: fulfillment_order_id }).await?;
            let labels = detail.order.courier.map(|c| c.labels).unwrap_or_default();
            match labels.iter().find(|l| l.parcel_no == parcel_no) {
                Some(l) => Built::Document(doc::shipping_label(l)),
                None if labels.is_empty() => Built::NoLabel,
                None => Built::NoSuchParcel,
            }
        }
        PrintTarget::PackingSlip { fulfillment_order_id } => {
            let detail = ipc::invoke::<GetOrderDetail>(OrderArgs { id: fulfillment_order_id }).await?;
            let parcels = detail.order.courier.as_ref().map(|c| c.parcels.clone()).unwrap_or_default();
            Built::Document(doc::packing_slip(&detail.order, &parcels, &detail.skus, &store, lang))
        }
        PrintTarget::PickupReceipt(data) => {
            Built::Document(doc::pickup_receipt(&data, &store, at(data.handed_over_ms), lang))
        }
        PrintTarget::ReturnReceipt { return_id } => {
            let r = ipc::invoke::<GetReturn>(ReturnArgs { return_id }).await?;
            Built::Document(doc::return_receipt(&r, &store, at(r.created_ms), lang))
        }
    })
}

fn paper_key(p: PaperWidth) -> K {
    match p {
        PaperWidth::Mm58 => K::Paper58,
        PaperWidth::Mm80 => K::Paper80,
        PaperWidth::Mm100 => K::Paper100,
    }
}

/// The print page.
#[component]
pub fn PrintScreen(
    /// What to print.
    target: PrintTarget,
) -> impl IntoView {
    let ctx = Ctx::get();
    let store =
        move || ctx.snapshot.with(|s| s.as_ref().and_then(|s| s.enrollment.as_ref()).map(|e| e.store.name.clone()));
    let built = LocalResource::new(move || {
        ctx.data_version.track();
        let lang = PrintLang::from_tag(ctx.lang.get().tag());
        build(target.clone(), store().unwrap_or_default(), lang)
    });
    let printer = LocalResource::new(|| ipc::invoke::<GetPrinter>(NoArgs {}));
    let sending = RwSignal::new(false);
    let problem = RwSignal::new(None::<ErrorView>);
    let thermal = move |d: PrintDocument| {
        sending.set(true);
        problem.set(None);
        leptos::task::spawn_local(async move {
            match ipc::invoke::<PrintThermal>(PrintThermalArgs { document: d }).await {
                Ok(_) => ctx.ok(K::PrintThermalDone),
                Err(e) => problem.set(Some(e)),
            }
            sending.set(false);
        });
    };
    let printer_line = move || {
        printer.get().and_then(|p| p.ok()).map(|p| {
            if p.address.is_empty() {
                view! { <p class="hint print-note" id="no-printer">{move || ctx.t(K::PrintNoPrinter)}</p> }.into_any()
            } else {
                let paper = p.paper;
                view! {
                    <p class="sub print-note" id="printer-line">{move || ctx.t(K::PrinterTitle)} ": "
                        <span class="mono">{p.address.clone()}</span> " · " {move || ctx.t(paper_key(paper))}</p>
                }
                .into_any()
            }
        })
    };
    let problem_view = move || {
        problem.get().map(|e| {
            let to_settings = matches!(
                e.reason,
                Some(ErrorReason::Printer(
                    PrinterReason::PrinterNotConfigured | PrinterReason::PrinterUnreachable | PrinterReason::PrinterRefused
                ))
            );
            let text = error_text(ctx.lang.get_untracked(), &e);
            view! {
                <div class="state-box failed" id="print-error" role="alert">
                    <p>{text}</p>
                    {to_settings.then(|| view! {
                        <button id="print-open-settings" class="btn secondary" on:click=move |_| ctx.go(Screen::Settings)>
                            {move || ctx.t(K::PrintOpenSettings)}
                        </button>
                    })}
                </div>
            }
        })
    };
    let body = move || match built.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <Failed error=e retry=Callback::new(move |_| built.refetch())/> }.into_any(),
        Some(Ok(Built::NoLabel)) => {
            view! { <p class="state-box empty" id="no-label">{move || ctx.t(K::PrintNoLabel)}</p> }.into_any()
        }
        Some(Ok(Built::NoSuchParcel)) => {
            view! { <p class="state-box empty" id="no-label">{move || ctx.t(K::PrintNoSuchParcel)}</p> }.into_any()
        }
        Some(Ok(Built::Document(d))) => {
            let css = page_css(d.paper());
            let html = document_html(&d);
            let class = sheet_class(&d);
            let kind = d.kind.as_str();
            let title = d.title.clone();
            view! {
                <style>{css}</style>
                <section class="card print-toolbar">
                    <h2 id="print-doc-title">{title}</h2>
                    <div class="print-actions">
                        <button id="print-system" class="btn primary big" on:click=move |_| {
                            if let Some(w) = web_sys::window() { let _ = w.print(); }
                        }>{move || ctx.t(K::PrintSystem)}</button>
                        <button id="print-thermal" class="btn secondary big" disabled=move || sending.get()
                            on:click=move |_| thermal(d.clone())>
                            {move || if sending.get() { ctx.t(K::PrintThermalSending) } else { ctx.t(K::PrintThermal) }}
                        </button>
                    </div>
                    {printer_line}
                    {problem_view}
                </section>
                <div class="print-stage">
                    <div class=class id="print-sheet" data-kind=kind inner_html=html></div>
                </div>
            }
            .into_any()
        }
    };
    view! {
        <TopBar title=K::PrintTitle/>
        <main class="screen print-layout">{body}</main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::courier::{ExpressService, LabelParty, ShippingLabel};

    #[test]
    fn a_label_renders_as_escaped_html_with_an_svg_barcode_and_qr() {
        let label = ShippingLabel {
            parcel_no: 1,
            parcel_count: 1,
            waybill_no: "SF1000000000011".into(),
            master_waybill_no: "SF1000000000011".into(),
            carrier: "顺丰速运".into(),
            service: ExpressService::Standard,
            dest_route_label: "755WF-021".into(),
            pro_code: "T6".into(),
            two_dimension_code: Some("MMM=<x>".into()),
            sender: LabelParty { name: "店".into(), phone: "021".into(), address: "上海".into() },
            recipient: LabelParty { name: "张*".into(), phone: "138****5678".into(), address: "<b>深圳</b>".into() },
            weight_g: 1000,
            reference: "TM-1".into(),
        };
        let d = doc::shipping_label(&label);
        let html = document_html(&d);
        assert!(html.contains(r#"<p class="pd-text sz-huge bold al-center">755WF-021</p>"#), "{html}");
        assert!(html.contains("&lt;b&gt;深圳&lt;/b&gt;"), "text is escaped");
        assert!(html.contains(r#"<div class="pd-barcode" data-code="SF1000000000011"><svg"#));
        assert!(html.contains(r#"data-code="MMM=&lt;x&gt;"><svg"#), "{html}");
        assert_eq!(sheet_class(&d), "print-sheet paper-label");
        assert!(page_css(d.paper()).contains("size: 100mm 150mm"));
        // Code 128: start B, 15 symbols, check, stop (13 modules) = 11 * 17 + 13.
        let svg = barcode_svg("SF1000000000011");
        assert!(svg.contains(r#"viewBox="0 0 200 1""#), "{svg}");
        assert!(barcode_svg("运单").is_empty());
    }
}
