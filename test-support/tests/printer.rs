//! Printing end to end on a fake network printer: each document the store prints, built by
//! `shared::print`, rendered to ESC/POS by the device engine and sent over TCP, read back
//! as the printer decoded it; and what the associate is told when the printer is not there.

// The helpers below are test code too (clippy.toml allows unwrap only inside #[test]).
#![allow(clippy::unwrap_used)]

use chrono::{FixedOffset, TimeZone, Utc};
use replica::print::{render, send, PrintTimeouts, PrinterError};
use shared::app::print;
use shared::app::{ReturnProgress, ReturnRecord, ReturnRecordLine, SkuView};
use shared::courier::{ExpressService, LabelParty, Parcel, ParcelLine, ShippingLabel};
use shared::fulfillment::{FulfillmentKind, FulfillmentState};
use shared::order::{Channel, FulfillmentLine, FulfillmentOrder};
use shared::print::{PaperWidth, PickupReceiptData, PrintDocument, PrintLang, PrinterAddress};
use shared::{Fen, Qty};
use std::time::Duration;
use test_support::printer::FakePrinter;
use uuid::Uuid;

fn address(p: &FakePrinter) -> PrinterAddress {
    PrinterAddress::parse(&p.addr().to_string()).unwrap()
}

/// Prints `doc` on a fresh fake printer and answers its transcript.
fn printed(doc: &PrintDocument, paper: PaperWidth) -> Vec<String> {
    let printer = FakePrinter::start();
    let bytes = render(doc, paper).unwrap();
    send(&address(&printer), &bytes, PrintTimeouts::default()).unwrap();
    let t = printer.transcript(0);
    assert!(!t.iter().any(|l| l.starts_with("unknown")), "every command is one the printer knows: {t:#?}");
    assert_eq!(t[..2], ["init", "chinese on"], "{t:#?}");
    t
}

fn has(t: &[String], line: &str) -> bool {
    t.iter().any(|l| l == line)
}

fn label() -> ShippingLabel {
    ShippingLabel {
        parcel_no: 1,
        parcel_count: 2,
        waybill_no: "SF1000000000011".into(),
        master_waybill_no: "SF1000000000011".into(),
        carrier: "顺丰速运".into(),
        service: ExpressService::Standard,
        dest_route_label: "755WF-021".into(),
        pro_code: "T6".into(),
        two_dimension_code: Some("MMM={'k1':'755WF','k2':'021'}".into()),
        sender: LabelParty {
            name: "上海南京西路店".into(),
            phone: "021-62580000".into(),
            address: "上海市静安区南京西路1000号".into(),
        },
        recipient: LabelParty {
            name: "张*".into(),
            phone: "138****5678".into(),
            address: "广东省深圳市南山区科技园1号".into(),
        },
        weight_g: 1500,
        reference: "TM-20261201-0001".into(),
    }
}

#[test]
fn a_shipping_label_prints_routing_code_barcode_parties_and_2d_code() {
    let t = printed(&print::shipping_label(&label()), PaperWidth::Mm100);
    assert!(has(&t, "text [center bold 3x3] 755WF-021"), "{t:#?}");
    assert!(has(&t, "barcode code128 [center w3 h80] SF1000000000011"), "{t:#?}");
    assert!(has(&t, "text [center bold 2x2] 1/2"), "{t:#?}");
    assert!(has(&t, "text [bold 2x2] 收 张* 138****5678"), "{t:#?}");
    assert!(has(&t, "text [bold] 广东省深圳市南山区科技园1号"), "{t:#?}");
    assert!(t.iter().any(|l| l.starts_with("text 重量") && l.ends_with("1.5 kg")), "{t:#?}");
    assert!(has(&t, "qr [center size6] MMM={'k1':'755WF','k2':'021'}"), "{t:#?}");
    let end = &t[t.len() - 3..];
    assert_eq!(end, ["feed 3", "next label", "cut"], "a label printer feeds to the next label");
}

fn order() -> FulfillmentOrder {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
    FulfillmentOrder {
        id: Uuid::from_u128(1),
        order_id: Uuid::from_u128(2),
        channel_order_id: "TM-1".into(),
        channel: Channel::Tmall,
        node_code: "STORE-A".into(),
        kind: FulfillmentKind::Ship,
        state: FulfillmentState::AwaitingCourier,
        customer_name: "王小明".into(),
        customer_phone_tail: "5678".into(),
        lines: vec![FulfillmentLine { line_no: 1, sku_code: "SKU-1".into(), qty: 2, picked_qty: Some(2) }],
        pickup_code: None,
        reject_reason: None,
        carrier: None,
        tracking_no: None,
        courier: None,
        same_city_offered: false,
        flagged: false,
        version: 1,
        created_at: at,
        updated_at: at,
    }
}

#[test]
fn a_packing_slip_prints_each_parcel_as_a_table_at_58_and_80_mm() {
    let parcels = [Parcel {
        parcel_no: 1,
        weight_g: 800,
        lines: vec![ParcelLine { line_no: 1, qty: Qty::new(2).unwrap() }],
        waybill_no: Some("SF1000000000011".into()),
    }];
    let skus = [SkuView {
        code: "SKU-1".into(),
        barcode: "6901234567892".into(),
        name: "羊毛大衣".into(),
        colour: "驼色".into(),
        size: "M".into(),
    }];
    let doc = print::packing_slip(&order(), &parcels, &skus, "上海南京西路店", PrintLang::Zh);
    let t = printed(&doc, PaperWidth::Mm80);
    assert!(has(&t, "text [center bold 2x2] 装箱单"), "{t:#?}");
    assert!(has(&t, "text [bold] 包裹 1/1 · 0.8 kg · 运单号 SF1000000000011"), "{t:#?}");
    assert!(has(&t, &format!("text {}", "-".repeat(48))), "an 80 mm rule is 48 columns: {t:#?}");
    let row = t.iter().find(|l| l.contains("羊毛大衣")).unwrap();
    assert!(row.ends_with(" 2") && row.contains("SKU-1"), "{row}");
    assert!(has(&t, &format!("qr [center size6] OMNI-ORDER|{}", Uuid::from_u128(2))), "{t:#?}");
    assert_eq!(t.last().map(String::as_str), Some("cut"));
    assert!(!has(&t, "next label"), "a receipt is cut, not fed to a label");
    let narrow = printed(&doc, PaperWidth::Mm58);
    assert!(has(&narrow, &format!("text {}", "-".repeat(32))), "{narrow:#?}");
    assert!(narrow.iter().all(|l| !l.starts_with("text ") || l.chars().count() <= 32 * 2 + 20), "{narrow:#?}");
}

#[test]
fn pickup_and_return_receipts_print_their_qr_and_totals() {
    let data = PickupReceiptData {
        fulfillment_order_id: Uuid::from_u128(1),
        channel: Channel::MiniProgram,
        channel_order_id: "MP-9".into(),
        customer_name: "Jane".into(),
        customer_phone_tail: "0001".into(),
        items: vec![("羊毛大衣 驼色 M".into(), 1)],
        handed_over_ms: 1_764_576_000_000,
    };
    let at = FixedOffset::east_opt(8 * 3600).unwrap().timestamp_millis_opt(data.handed_over_ms).unwrap();
    let t = printed(&print::pickup_receipt(&data, "上海南京西路店", at, PrintLang::Zh), PaperWidth::Mm80);
    assert!(has(&t, "text [center bold 2x2] 自提凭证"), "{t:#?}");
    assert!(t.iter().any(|l| l.starts_with("text 提货时间") && l.ends_with("2025-12-01 16:00")), "{t:#?}");
    assert!(has(&t, &format!("qr [center size6] OMNI-RECEIPT|{}|MP-9|1764576000000", Uuid::from_u128(1))));

    let id = Uuid::from_u128(0xABCDEF0123);
    let record = ReturnRecord {
        return_id: id,
        order_id: None,
        channel: Some(Channel::Jd),
        channel_order_id: "JD-7".into(),
        offline: false,
        lines: vec![ReturnRecordLine {
            line_no: Some(1),
            sku_code: "SKU-1".into(),
            name: "羊毛大衣".into(),
            colour: "驼色".into(),
            size: "M".into(),
            qty: 1,
            condition: shared::protocol::ReturnCondition::Resaleable,
            reason: shared::returns::ReturnReason::default(),
            note: String::new(),
            refund: Some(Fen(59_900)),
        }],
        refund_quoted: Some(Fen(59_900)),
        shipping_quoted: Fen(0),
        refund_booked: None,
        progress: ReturnProgress::Queued,
        problem: None,
        approved_by: None,
        staff_id: "A1".into(),
        created_ms: 0,
        qr_payload: shared::returns::return_qr_payload(id),
        exchange_order_id: None,
    };
    let t = printed(&print::return_receipt(&record, "S", at, PrintLang::En), PaperWidth::Mm58);
    assert!(has(&t, "text [center bold 2x2] RT-ABCDEF0123"), "{t:#?}");
    assert!(t.iter().any(|l| l.starts_with("text [bold] Refund total") && l.ends_with("￥599.00")), "{t:#?}");
    assert!(has(&t, &format!("qr [center size4] OMNI-RETURN|{id}")), "{t:#?}");
}

#[test]
fn a_printer_that_is_not_there_is_named_with_what_to_check() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let to = PrinterAddress { host: "127.0.0.1".into(), port };
    let timeouts = PrintTimeouts { connect: Duration::from_secs(2), write: Duration::from_secs(2) };
    let e = send(&to, b"\x1b@", timeouts).unwrap_err();
    assert_eq!(e, PrinterError::Refused { address: format!("127.0.0.1:{port}") });
    assert_eq!(e.code(), "printer_refused");
    assert!(e.to_string().contains("port 9100"), "{e}");
    let bad = PrinterAddress { host: "no-such-printer.invalid".into(), port: 9100 };
    let e = send(&bad, b"\x1b@", timeouts).unwrap_err();
    assert!(matches!(e, PrinterError::Unreachable { .. } | PrinterError::TimedOut { .. }), "{e:?}");
    assert_eq!(e.address(), "no-such-printer.invalid:9100");
}
