//! Writes the print page's HTML for a sample shipping label and packing slip into a folder,
//! for the README pictures and for looking at the layout in a browser without the app:
//! `<kind>.html` is the print-ready sheet alone at its paper size (what `window.print()`
//! prints), `<kind>-page.html` the print page as the app lays it out (the app's stylesheet,
//! the top bar, the buttons and the sheet). The document HTML and the page CSS are the print
//! screen's own functions, so what is shown is what the app prints.
//!
//! `cargo run -p store-ui --example print_preview -- <out-dir>` (the app's stylesheet is
//! copied next to the pages).

use chrono::{TimeZone, Utc};
use shared::app::print::{packing_slip, shipping_label};
use shared::app::SkuView;
use shared::courier::{ExpressService, LabelParty, Parcel, ParcelLine, ShippingLabel};
use shared::fulfillment::{FulfillmentKind, FulfillmentState};
use shared::order::{Channel, FulfillmentLine, FulfillmentOrder};
use shared::print::{PrintDocument, PrintLang};
use shared::Qty;
use store_ui::screens::print::{document_html, page_css, sheet_class};
use uuid::Uuid;

fn label() -> ShippingLabel {
    ShippingLabel {
        parcel_no: 1,
        parcel_count: 2,
        waybill_no: "SF1402733820215".into(),
        master_waybill_no: "SF1402733820215".into(),
        carrier: "顺丰速运".into(),
        service: ExpressService::Standard,
        dest_route_label: "755WF-021A".into(),
        pro_code: "T6".into(),
        two_dimension_code: Some("MMM={'k1':'755WF','k2':'021A','k5':'SF1402733820215'}".into()),
        sender: LabelParty {
            name: "上海南京西路店".into(),
            phone: "021-62580000".into(),
            address: "上海市静安区南京西路1266号恒隆广场B1".into(),
        },
        recipient: LabelParty {
            name: "林*".into(),
            phone: "138****5678".into(),
            address: "广东省深圳市南山区粤海街道科技南十二路2号金蝶软件园A座".into(),
        },
        weight_g: 1250,
        reference: "TM-3921870044512".into(),
    }
}

fn slip() -> PrintDocument {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).single().unwrap_or_default();
    let order = FulfillmentOrder {
        id: Uuid::from_u128(7),
        order_id: Uuid::from_u128(8),
        channel_order_id: "TM-3921870044512".into(),
        channel: Channel::Tmall,
        node_code: "SH-NJW".into(),
        kind: FulfillmentKind::Ship,
        state: FulfillmentState::AwaitingCourier,
        customer_name: "林晓雨".into(),
        customer_phone_tail: "5678".into(),
        lines: vec![
            FulfillmentLine { line_no: 1, sku_code: "CT2201-CAM-M".into(), qty: 1, picked_qty: Some(1) },
            FulfillmentLine { line_no: 2, sku_code: "SC0410-GRY-F".into(), qty: 2, picked_qty: Some(2) },
            FulfillmentLine { line_no: 3, sku_code: "KN1103-NAV-L".into(), qty: 1, picked_qty: Some(1) },
        ],
        pickup_code: None,
        reject_reason: None,
        carrier: None,
        tracking_no: None,
        courier: None,
        same_city_offered: false,
        flagged: false,
        version: 3,
        created_at: at,
        updated_at: at,
    };
    let qty = |n| Qty::new(n).expect("a positive quantity");
    let parcels = vec![
        Parcel {
            parcel_no: 1,
            weight_g: 1250,
            lines: vec![ParcelLine { line_no: 1, qty: qty(1) }, ParcelLine { line_no: 2, qty: qty(2) }],
            waybill_no: Some("SF1402733820215".into()),
        },
        Parcel {
            parcel_no: 2,
            weight_g: 600,
            lines: vec![ParcelLine { line_no: 3, qty: qty(1) }],
            waybill_no: Some("SF1402733820224".into()),
        },
    ];
    let sku = |code: &str, name: &str, colour: &str, size: &str| SkuView {
        code: code.into(),
        barcode: String::new(),
        name: name.into(),
        colour: colour.into(),
        size: size.into(),
    };
    let skus = vec![
        sku("CT2201-CAM-M", "双面羊绒大衣", "驼色", "M"),
        sku("SC0410-GRY-F", "羊毛围巾", "灰色", "均码"),
        sku("KN1103-NAV-L", "圆领针织衫", "藏青", "L"),
    ];
    packing_slip(&order, &parcels, &skus, "上海南京西路店", PrintLang::Zh)
}

fn sheet_page(d: &PrintDocument) -> String {
    format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title><style>{css}
html, body {{ margin: 0; background: #fff; }} .print-sheet {{ box-shadow: none; }}</style></head>
<body><div class="{class}">{html}</div></body></html>"#,
        title = d.title,
        css = page_css(d.paper()),
        class = sheet_class(d),
        html = document_html(d)
    )
}

fn app_page(d: &PrintDocument) -> String {
    format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<title>{title}</title><link rel="stylesheet" href="style.css"></head>
<body><div class="app" id="app" data-screen="print">
<header class="top-bar"><button id="back" class="icon-btn">‹ 返回</button><h1 id="screen-title">打印</h1>
<button id="sync-indicator" class="sync-pill ok">已同步</button></header>
<main class="screen print-layout"><style>{css}</style>
<section class="card print-toolbar"><h2 id="print-doc-title">{title}</h2>
<div class="print-actions"><button id="print-system" class="btn primary big">打印 / Print</button>
<button id="print-thermal" class="btn secondary big">热敏打印 / Thermal print</button></div>
<p class="sub print-note" id="printer-line">热敏打印机: <span class="mono">192.168.1.50:9100</span> · {paper}</p></section>
<div class="print-stage"><div class="{class}" id="print-sheet">{html}</div></div>
</main></div></body></html>"#,
        title = d.title,
        css = page_css(d.paper()),
        paper = if d.paper() == shared::print::Paper::Label100x150 { "100 毫米面单" } else { "80 毫米小票" },
        class = sheet_class(d),
        html = document_html(d)
    )
}

fn main() -> std::io::Result<()> {
    let out = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "target/print-preview".into()));
    std::fs::create_dir_all(&out)?;
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(here.join("style.css"), out.join("style.css"))?;
    for (name, d) in [("label", shipping_label(&label())), ("packing-slip", slip())] {
        std::fs::write(out.join(format!("{name}.html")), sheet_page(&d))?;
        std::fs::write(out.join(format!("{name}-page.html")), app_page(&d))?;
    }
    println!("print pages written to {}", out.display());
    Ok(())
}
