//! The documents the store app prints, built from what its screens show: one parcel's
//! shipping label (100×150 mm, from the carrier's label data), the packing slip of a
//! fulfillment order, and the pickup and return receipts (what the print page is asked for
//! is a [`crate::print::PrintTarget`]); and the thermal printer's commands' arguments and
//! answers. The document model is [`crate::print`]; this module builds documents from the
//! app's views, so it sits under `app`: the model must not depend on `app`.

use super::{OrderDetail, ReturnRecord, SkuView};
use crate::courier::{ExpressService, Parcel, ShippingLabel};
use crate::order::{Channel, FulfillmentOrder};
use crate::print::{weight_text, Align, Block, Column, DocumentKind, PaperWidth, PrintDocument, PrintLang, TextSize};
use crate::print::{PickupReceiptData, PrinterAddress, PrinterAddressInvalid};
use crate::returns::{mask_name, mask_phone, order_qr_payload};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The device's thermal printer, as the settings screen sets it and the app keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PrinterSettings {
    /// `host:port` (the port defaults to 9100); empty when the store has no network printer.
    pub address: String,
    /// Its paper.
    pub paper: PaperWidth,
}

impl PrinterSettings {
    /// The address to print to; `None` when none is set.
    pub fn printer(&self) -> Option<Result<PrinterAddress, PrinterAddressInvalid>> {
        (!self.address.trim().is_empty()).then(|| PrinterAddress::parse(&self.address))
    }
}

/// A document to print on the thermal printer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintThermalArgs {
    /// The document, as the print page shows it.
    pub document: PrintDocument,
}

/// A job the thermal printer took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintedJob {
    /// The printer (`host:port`).
    pub address: String,
    /// Its paper.
    pub paper: PaperWidth,
    /// Bytes sent.
    pub bytes: u64,
}

/// The printed words of the documents other than the label.
#[derive(Debug, Clone, Copy)]
enum W {
    PackingSlip,
    PickupReceipt,
    ReturnReceipt,
    Order,
    Channel,
    Customer,
    Store,
    Parcel,
    Waybill,
    Sku,
    Item,
    Qty,
    Units,
    Refund,
    Shipping,
    RefundTotal,
    RefundAtSync,
    HandedOverAt,
    ReturnedAt,
    KeepReceipt,
    ScanToReturn,
    NotBookedYet,
}

fn w(lang: PrintLang, word: W) -> &'static str {
    let (zh, en) = match word {
        W::PackingSlip => ("装箱单", "Packing slip"),
        W::PickupReceipt => ("自提凭证", "Pickup receipt"),
        W::ReturnReceipt => ("退货凭证", "Return receipt"),
        W::Order => ("订单号", "Order"),
        W::Channel => ("渠道", "Channel"),
        W::Customer => ("客户", "Customer"),
        W::Store => ("门店", "Store"),
        W::Parcel => ("包裹", "Parcel"),
        W::Waybill => ("运单号", "Waybill"),
        W::Sku => ("货号", "SKU"),
        W::Item => ("商品", "Item"),
        W::Qty => ("数量", "Qty"),
        W::Units => ("合计件数", "Units"),
        W::Refund => ("退款", "Refund"),
        W::Shipping => ("运费退款", "Shipping refund"),
        W::RefundTotal => ("退款合计", "Refund total"),
        W::RefundAtSync => ("联网后确认", "confirmed when online"),
        W::HandedOverAt => ("提货时间", "Picked up"),
        W::ReturnedAt => ("退货时间", "Returned"),
        W::KeepReceipt => ("请妥善保管本凭证", "Please keep this receipt"),
        W::ScanToReturn => ("退换货时请出示此码", "Show this code to return or exchange"),
        W::NotBookedYet => ("未预约快递", "no courier booked yet"),
    };
    match lang {
        PrintLang::Zh => zh,
        PrintLang::En => en,
    }
}

fn channel_name(lang: PrintLang, c: Channel) -> &'static str {
    let (zh, en) = match c {
        Channel::Tmall => ("天猫", "Tmall"),
        Channel::Jd => ("京东", "JD"),
        Channel::Douyin => ("抖音", "Douyin"),
        Channel::MiniProgram => ("小程序", "Mini program"),
        Channel::Store => ("门店", "Store"),
        Channel::EmployeeStore => ("员工内购", "Employee store"),
        Channel::Outlet => ("奥莱", "Outlet"),
    };
    match lang {
        PrintLang::Zh => zh,
        PrintLang::En => en,
    }
}

fn text(text: impl Into<String>, size: TextSize, bold: bool, align: Align) -> Block {
    Block::Text { text: text.into(), size, bold, align }
}

fn plain(t: impl Into<String>) -> Block {
    text(t, TextSize::Normal, false, Align::Left)
}

fn row(key: impl Into<String>, value: impl Into<String>) -> Block {
    Block::Row { key: key.into(), value: value.into(), bold: false }
}

/// A masked value stays as it is; a plain one is masked.
fn masked(value: &str, mask: fn(&str) -> String) -> String {
    if value.contains('*') {
        value.to_string()
    } else {
        mask(value)
    }
}

/// One parcel's shipping label (100×150 mm), from the carrier's label data: the routing
/// code large on top, the waybill's barcode, parcel n/m (with the master waybill when the
/// shipment has several), the recipient (name and phone masked) and the sender, the
/// service, weight and our order number, and the carrier's 2-D code if it sent one.
pub fn shipping_label(label: &ShippingLabel) -> PrintDocument {
    let service = match label.service {
        ExpressService::Standard => "标快",
        ExpressService::Priority => "特快",
    };
    let mut blocks = vec![
        text(
            format!("{}  {service} {}", label.carrier, label.pro_code).trim_end(),
            TextSize::Normal,
            true,
            Align::Left,
        ),
        Block::Rule,
        text(label.dest_route_label.clone(), TextSize::Huge, true, Align::Center),
        Block::Rule,
        Block::Barcode { data: label.waybill_no.clone() },
        text(format!("{}/{}", label.parcel_no, label.parcel_count), TextSize::Large, true, Align::Center),
    ];
    if label.parcel_count > 1 {
        blocks.push(text(format!("母单 {}", label.master_waybill_no), TextSize::Normal, false, Align::Center));
    }
    let r = &label.recipient;
    let s = &label.sender;
    blocks.extend([
        Block::Rule,
        text(
            format!("收 {} {}", masked(&r.name, mask_name), masked(&r.phone, mask_phone)),
            TextSize::Large,
            true,
            Align::Left,
        ),
        text(r.address.clone(), TextSize::Normal, true, Align::Left),
        Block::Rule,
        plain(format!("寄 {} {}", s.name, s.phone)),
        plain(s.address.clone()),
        Block::Rule,
        row("服务", format!("{service} {}", label.pro_code).trim_end().to_string()),
        row("件数", format!("{}/{}", label.parcel_no, label.parcel_count)),
        row("重量", weight_text(label.weight_g)),
        row("参考号", label.reference.clone()),
    ]);
    if let Some(code) = label.two_dimension_code.as_ref().filter(|c| !c.is_empty()) {
        blocks.push(Block::Qr { data: code.clone() });
    }
    blocks.push(Block::Cut);
    PrintDocument {
        kind: DocumentKind::ShippingLabel,
        title: format!("{} {} {}/{}", label.carrier, label.waybill_no, label.parcel_no, label.parcel_count),
        blocks,
    }
}

/// An SKU's name for a slip or receipt: `name colour size`, or the code if unknown.
fn sku_text(skus: &[SkuView], code: &str) -> String {
    match skus.iter().find(|s| s.code == code) {
        Some(s) => [s.name.as_str(), s.colour.as_str(), s.size.as_str()]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
        None => code.to_string(),
    }
}

fn item_columns(lang: PrintLang) -> Vec<Column> {
    vec![
        Column { title: w(lang, W::Item).into(), width: 5, align: Align::Left },
        Column { title: w(lang, W::Sku).into(), width: 3, align: Align::Left },
        Column { title: w(lang, W::Qty).into(), width: 1, align: Align::Right },
    ]
}

/// The packing slip of a fulfillment order: the order, the customer (masked), and per
/// parcel its number, weight, waybill and items (with their names from `skus`); before the
/// order was packed into parcels, its lines as picked. Its QR finds the order at the return
/// counter.
pub fn packing_slip(
    order: &FulfillmentOrder,
    parcels: &[Parcel],
    skus: &[SkuView],
    store: &str,
    lang: PrintLang,
) -> PrintDocument {
    let mut blocks = vec![
        Block::Heading { text: w(lang, W::PackingSlip).into() },
        row(w(lang, W::Store), store),
        row(w(lang, W::Channel), channel_name(lang, order.channel)),
        row(w(lang, W::Order), order.channel_order_id.clone()),
        row(w(lang, W::Customer), format!("{} ****{}", mask_name(&order.customer_name), order.customer_phone_tail)),
        Block::Rule,
    ];
    let line_sku = |line_no: u32| order.lines.iter().find(|l| l.line_no == line_no).map(|l| l.sku_code.as_str());
    let mut units = 0i64;
    if parcels.is_empty() {
        let rows = order
            .lines
            .iter()
            .map(|l| {
                let qty = l.picked_qty.unwrap_or(l.qty);
                units += qty;
                vec![sku_text(skus, &l.sku_code), l.sku_code.clone(), qty.to_string()]
            })
            .collect();
        blocks.push(Block::Table { columns: item_columns(lang), rows });
    } else {
        for p in parcels {
            let mut head =
                format!("{} {}/{} · {}", w(lang, W::Parcel), p.parcel_no, parcels.len(), weight_text(p.weight_g));
            match &p.waybill_no {
                Some(no) => head.push_str(&format!(" · {} {no}", w(lang, W::Waybill))),
                None => head.push_str(&format!(" · {}", w(lang, W::NotBookedYet))),
            }
            blocks.push(text(head, TextSize::Normal, true, Align::Left));
            let rows = p
                .lines
                .iter()
                .map(|l| {
                    units += l.qty.get();
                    let code = line_sku(l.line_no).unwrap_or("?");
                    vec![sku_text(skus, code), code.to_string(), l.qty.get().to_string()]
                })
                .collect();
            blocks.push(Block::Table { columns: item_columns(lang), rows });
        }
    }
    blocks.extend([
        Block::Rule,
        Block::Row { key: w(lang, W::Units).into(), value: units.to_string(), bold: true },
        Block::Qr { data: order_qr_payload(order.order_id) },
        text(w(lang, W::ScanToReturn), TextSize::Normal, false, Align::Center),
        Block::Cut,
    ]);
    PrintDocument {
        kind: DocumentKind::PackingSlip,
        title: format!("{} {}", w(lang, W::PackingSlip), order.channel_order_id),
        blocks,
    }
}

/// What a pickup receipt's QR carries: the order and when it was handed over (ms).
pub fn pickup_receipt_payload(fulfillment_order_id: Uuid, order_no: &str, at_ms: i64) -> String {
    format!("OMNI-RECEIPT|{fulfillment_order_id}|{order_no}|{at_ms}")
}

/// The return number as receipts print it: short enough to read out (`RT-` and the last ten
/// hex digits of the return's id).
pub fn return_number(id: Uuid) -> String {
    let hex = id.simple().to_string().to_uppercase();
    format!("RT-{}", &hex[hex.len() - 10..])
}

/// The receipt data of handing `detail`'s order over at `handed_over_ms`: what the
/// hand-over screen keeps for the receipt page ([`crate::print::PrintTarget::PickupReceipt`]).
pub fn pickup_receipt_data(detail: &OrderDetail, handed_over_ms: i64) -> PickupReceiptData {
    let o = &detail.order;
    PickupReceiptData {
        fulfillment_order_id: o.id,
        channel: o.channel,
        channel_order_id: o.channel_order_id.clone(),
        customer_name: o.customer_name.clone(),
        customer_phone_tail: o.customer_phone_tail.clone(),
        items: o.lines.iter().map(|l| (sku_text(&detail.skus, &l.sku_code), l.picked_qty.unwrap_or(l.qty))).collect(),
        handed_over_ms,
    }
}

fn local_time(at: DateTime<FixedOffset>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

/// The pickup receipt: the store, the order, the customer (masked), what was handed over,
/// when (in the device's time zone, `at`), and the QR of the hand-over.
pub fn pickup_receipt(
    data: &PickupReceiptData,
    store: &str,
    at: DateTime<FixedOffset>,
    lang: PrintLang,
) -> PrintDocument {
    let units: i64 = data.items.iter().map(|(_, q)| q).sum();
    let rows = data.items.iter().map(|(name, q)| vec![name.clone(), q.to_string()]).collect();
    let columns = vec![
        Column { title: w(lang, W::Item).into(), width: 8, align: Align::Left },
        Column { title: w(lang, W::Qty).into(), width: 1, align: Align::Right },
    ];
    let blocks = vec![
        Block::Heading { text: w(lang, W::PickupReceipt).into() },
        text(store, TextSize::Normal, false, Align::Center),
        Block::Rule,
        row(w(lang, W::Channel), channel_name(lang, data.channel)),
        row(w(lang, W::Order), data.channel_order_id.clone()),
        row(w(lang, W::Customer), format!("{} ****{}", mask_name(&data.customer_name), data.customer_phone_tail)),
        row(w(lang, W::HandedOverAt), local_time(at)),
        Block::Rule,
        Block::Table { columns, rows },
        Block::Row { key: w(lang, W::Units).into(), value: units.to_string(), bold: true },
        Block::Rule,
        Block::Qr {
            data: pickup_receipt_payload(data.fulfillment_order_id, &data.channel_order_id, data.handed_over_ms),
        },
        text(w(lang, W::KeepReceipt), TextSize::Normal, false, Align::Center),
        Block::Cut,
    ];
    PrintDocument {
        kind: DocumentKind::PickupReceipt,
        title: format!("{} {}", w(lang, W::PickupReceipt), data.channel_order_id),
        blocks,
    }
}

/// The return receipt, from the return as the device recorded it: the return number, the
/// order, the lines with their refunds, the shipping refund, the total (or that it is
/// confirmed once online), when (in the device's time zone, `at`) and the return's QR.
pub fn return_receipt(r: &ReturnRecord, store: &str, at: DateTime<FixedOffset>, lang: PrintLang) -> PrintDocument {
    let mut blocks = vec![
        Block::Heading { text: w(lang, W::ReturnReceipt).into() },
        text(store, TextSize::Normal, false, Align::Center),
        Block::Rule,
        text(return_number(r.return_id), TextSize::Large, true, Align::Center),
    ];
    if let Some(c) = r.channel {
        blocks.push(row(w(lang, W::Channel), channel_name(lang, c)));
    }
    blocks.extend([
        row(w(lang, W::Order), r.channel_order_id.clone()),
        row(w(lang, W::ReturnedAt), local_time(at)),
        Block::Rule,
    ]);
    let columns = vec![
        Column { title: w(lang, W::Item).into(), width: 5, align: Align::Left },
        Column { title: w(lang, W::Qty).into(), width: 1, align: Align::Right },
        Column { title: w(lang, W::Refund).into(), width: 2, align: Align::Right },
    ];
    let rows = r
        .lines
        .iter()
        .map(|l| {
            let name = [l.name.as_str(), l.colour.as_str(), l.size.as_str()]
                .iter()
                .filter(|p| !p.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            vec![name, l.qty.to_string(), l.refund.map(|f| f.to_string()).unwrap_or_else(|| "—".into())]
        })
        .collect();
    blocks.push(Block::Table { columns, rows });
    blocks.push(Block::Rule);
    if r.shipping_quoted.0 > 0 {
        blocks.push(row(w(lang, W::Shipping), r.shipping_quoted.to_string()));
    }
    let total =
        r.refund_booked.or(r.refund_quoted).map(|f| f.to_string()).unwrap_or_else(|| w(lang, W::RefundAtSync).into());
    blocks.extend([
        Block::Row { key: w(lang, W::RefundTotal).into(), value: total, bold: true },
        Block::Rule,
        Block::Qr { data: r.qr_payload.clone() },
        text(w(lang, W::KeepReceipt), TextSize::Normal, false, Align::Center),
        Block::Cut,
    ]);
    PrintDocument {
        kind: DocumentKind::ReturnReceipt,
        title: format!("{} {}", w(lang, W::ReturnReceipt), return_number(r.return_id)),
        blocks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{ReturnProgress, ReturnRecordLine};
    use crate::courier::{LabelParty, ParcelLine};
    use crate::fulfillment::{FulfillmentKind, FulfillmentState};
    use crate::order::FulfillmentLine;
    use crate::print::{is_code128, DocumentProblem, Paper, MAX_QR};
    use crate::{Fen, Qty};
    use chrono::TimeZone;

    fn label(parcel_no: u32, parcel_count: u32, two_d: Option<&str>) -> ShippingLabel {
        ShippingLabel {
            parcel_no,
            parcel_count,
            waybill_no: format!("SF10000000000{parcel_no}"),
            master_waybill_no: "SF100000000001".into(),
            carrier: "顺丰速运".into(),
            service: ExpressService::Priority,
            dest_route_label: "755WF-021".into(),
            pro_code: "T4".into(),
            two_dimension_code: two_d.map(str::to_string),
            sender: LabelParty {
                name: "上海南京西路店".into(),
                phone: "021-62580000".into(),
                address: "上海市静安区南京西路1000号".into(),
            },
            recipient: LabelParty {
                name: "张三丰".into(),
                phone: "13800005678".into(),
                address: "广东省深圳市南山区科技园1号".into(),
            },
            weight_g: 1250,
            reference: "TM-20261201-0001".into(),
        }
    }

    fn texts(doc: &PrintDocument) -> Vec<String> {
        doc.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { text } | Block::Text { text, .. } => Some(text.clone()),
                Block::Row { key, value, .. } => Some(format!("{key}={value}")),
                Block::Barcode { data } => Some(format!("barcode:{data}")),
                Block::Qr { data } => Some(format!("qr:{data}")),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_label_prints_the_routing_code_large_the_waybill_barcode_and_masks_the_recipient() {
        let doc = shipping_label(&label(2, 3, Some("MMM={'k1':'755WF'}")));
        assert_eq!(doc.kind.paper(), Paper::Label100x150);
        assert_eq!(doc.check(), Ok(()));
        assert!(doc.blocks.contains(&Block::Text {
            text: "755WF-021".into(),
            size: TextSize::Huge,
            bold: true,
            align: Align::Center
        }));
        let t = texts(&doc);
        assert!(t.contains(&"barcode:SF100000000002".to_string()), "{t:?}");
        assert!(t.contains(&"2/3".to_string()));
        assert!(t.contains(&"母单 SF100000000001".to_string()), "several parcels name the master waybill");
        assert!(t.contains(&"收 张** 138****5678".to_string()), "{t:?}");
        assert!(t.iter().all(|s| !s.contains("13800005678") && !s.contains("张三丰")), "the recipient is masked");
        assert!(t.contains(&"广东省深圳市南山区科技园1号".to_string()), "the courier needs the whole address");
        assert!(t.contains(&"服务=特快 T4".to_string()));
        assert!(t.contains(&"重量=1.25 kg".to_string()));
        assert!(t.contains(&"参考号=TM-20261201-0001".to_string()));
        assert!(t.contains(&"qr:MMM={'k1':'755WF'}".to_string()));
        assert_eq!(doc.blocks.last(), Some(&Block::Cut));
    }

    #[test]
    fn a_single_parcel_label_without_a_2d_code_has_neither() {
        let mut l = label(1, 1, None);
        l.recipient.name = "李*".into();
        l.recipient.phone = "139****0001".into();
        let t = texts(&shipping_label(&l));
        assert!(!t.iter().any(|s| s.starts_with("母单") || s.starts_with("qr:")), "{t:?}");
        assert!(t.contains(&"收 李* 139****0001".to_string()), "already masked stays as the carrier sent it");
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
            state: FulfillmentState::Packed,
            customer_name: "王小明".into(),
            customer_phone_tail: "5678".into(),
            lines: vec![
                FulfillmentLine { line_no: 1, sku_code: "SKU-1".into(), qty: 2, picked_qty: Some(2) },
                FulfillmentLine { line_no: 2, sku_code: "SKU-2".into(), qty: 1, picked_qty: Some(1) },
            ],
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

    use chrono::Utc;

    fn skus() -> Vec<SkuView> {
        vec![SkuView {
            code: "SKU-1".into(),
            barcode: "6901234567892".into(),
            name: "羊毛大衣".into(),
            colour: "驼色".into(),
            size: "M".into(),
        }]
    }

    fn tables(doc: &PrintDocument) -> Vec<Vec<Vec<String>>> {
        doc.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table { rows, .. } => Some(rows.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_packing_slip_lists_each_parcel_with_product_names() {
        let parcels = vec![
            Parcel {
                parcel_no: 1,
                weight_g: 800,
                lines: vec![ParcelLine { line_no: 1, qty: Qty::new(2).unwrap() }],
                waybill_no: Some("SF100000000001".into()),
            },
            Parcel {
                parcel_no: 2,
                weight_g: 300,
                lines: vec![ParcelLine { line_no: 2, qty: Qty::new(1).unwrap() }],
                waybill_no: None,
            },
        ];
        let doc = packing_slip(&order(), &parcels, &skus(), "上海南京西路店", PrintLang::Zh);
        assert_eq!(doc.check(), Ok(()));
        assert_eq!(doc.paper(), Paper::Receipt);
        let t = texts(&doc);
        assert!(t.contains(&"包裹 1/2 · 0.8 kg · 运单号 SF100000000001".to_string()), "{t:?}");
        assert!(t.contains(&"包裹 2/2 · 0.3 kg · 未预约快递".to_string()), "{t:?}");
        assert!(t.contains(&"客户=王** ****5678".to_string()), "{t:?}");
        assert!(t.contains(&"合计件数=3".to_string()));
        assert!(t.contains(&format!("qr:OMNI-ORDER|{}", Uuid::from_u128(2))));
        assert_eq!(
            tables(&doc),
            vec![
                vec![vec!["羊毛大衣 驼色 M".to_string(), "SKU-1".into(), "2".into()]],
                vec![vec!["SKU-2".to_string(), "SKU-2".into(), "1".into()]],
            ],
            "names from the catalogue, the code where the device does not know the SKU"
        );
        let before_parcels = packing_slip(&order(), &[], &skus(), "S", PrintLang::En);
        assert_eq!(before_parcels.blocks[0], Block::Heading { text: "Packing slip".into() });
        assert_eq!(tables(&before_parcels)[0].len(), 2, "the picked lines before any parcel");
    }

    #[test]
    fn a_pickup_receipt_carries_the_handover_qr_and_local_time() {
        let data = PickupReceiptData {
            fulfillment_order_id: Uuid::from_u128(1),
            channel: Channel::MiniProgram,
            channel_order_id: "MP-9".into(),
            customer_name: "Jane".into(),
            customer_phone_tail: "0001".into(),
            items: vec![("羊毛大衣 驼色 M".into(), 2), ("围巾".into(), 1)],
            handed_over_ms: 1_764_576_000_000,
        };
        let at = FixedOffset::east_opt(8 * 3600).unwrap().timestamp_millis_opt(data.handed_over_ms).unwrap();
        let doc = pickup_receipt(&data, "上海南京西路店", at, PrintLang::Zh);
        assert_eq!(doc.check(), Ok(()));
        let t = texts(&doc);
        assert!(t.contains(&"提货时间=2025-12-01 16:00".to_string()), "{t:?}");
        assert!(t.contains(&"客户=J*** ****0001".to_string()), "{t:?}");
        assert!(t.contains(&"合计件数=3".to_string()));
        assert!(t.contains(&format!("qr:OMNI-RECEIPT|{}|MP-9|1764576000000", Uuid::from_u128(1))));
    }

    #[test]
    fn a_return_receipt_shows_refunds_or_that_they_come_at_sync() {
        let mut r = ReturnRecord {
            return_id: Uuid::from_u128(0xABCDEF0123),
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
                condition: crate::protocol::ReturnCondition::Resaleable,
                reason: crate::returns::ReturnReason::default(),
                note: String::new(),
                refund: Some(Fen(59_900)),
            }],
            refund_quoted: Some(Fen(60_700)),
            shipping_quoted: Fen(800),
            refund_booked: None,
            progress: ReturnProgress::Queued,
            problem: None,
            approved_by: None,
            staff_id: "A1".into(),
            created_ms: 0,
            qr_payload: crate::returns::return_qr_payload(Uuid::from_u128(0xABCDEF0123)),
            exchange_order_id: None,
        };
        let at = FixedOffset::east_opt(0).unwrap().timestamp_millis_opt(0).unwrap();
        let doc = return_receipt(&r, "S", at, PrintLang::En);
        assert_eq!(doc.check(), Ok(()));
        let t = texts(&doc);
        assert!(t.contains(&"RT-ABCDEF0123".to_string()), "{t:?}");
        assert!(t.contains(&"Shipping refund=¥8.00".to_string()));
        assert!(t.contains(&"Refund total=¥607.00".to_string()));
        assert_eq!(tables(&doc), vec![vec![vec!["羊毛大衣 驼色 M".to_string(), "1".into(), "¥599.00".into()]]]);
        r.refund_quoted = None;
        r.lines[0].refund = None;
        r.shipping_quoted = Fen(0);
        let offline = texts(&return_receipt(&r, "S", at, PrintLang::Zh));
        assert!(offline.contains(&"退款合计=联网后确认".to_string()), "{offline:?}");
        assert!(!offline.iter().any(|s| s.starts_with("运费退款")));
    }

    #[test]
    fn documents_that_cannot_be_printed_are_refused() {
        let mut doc = shipping_label(&label(1, 1, None));
        doc.blocks.push(Block::Barcode { data: "顺丰".into() });
        assert!(matches!(doc.check(), Err(DocumentProblem::Barcode { .. })));
        doc.blocks.pop();
        doc.blocks.push(Block::Qr { data: "x".repeat(MAX_QR + 1) });
        assert!(matches!(doc.check(), Err(DocumentProblem::Qr { bytes: 701, .. })));
        doc.blocks.pop();
        doc.blocks.push(Block::Table { columns: item_columns(PrintLang::Zh), rows: vec![vec!["a".into()]] });
        assert!(matches!(doc.check(), Err(DocumentProblem::Table { cells: 1, columns: 3, .. })));
        assert_eq!(
            PrintDocument { kind: DocumentKind::PackingSlip, title: String::new(), blocks: vec![] }.check(),
            Err(DocumentProblem::Empty)
        );
        assert!(!is_code128("") && is_code128("SF1234567890123") && !is_code128(&"1".repeat(41)));
        assert_eq!(weight_text(1000), "1 kg");
        assert_eq!(weight_text(50), "0.05 kg");
        assert_eq!(return_number(Uuid::from_u128(0xABCDEF0123)), "RT-ABCDEF0123");
        let json = serde_json::to_value(&doc.blocks[0]).unwrap();
        assert_eq!(json["block"], "text");
        let back: PrintDocument = serde_json::from_value(serde_json::to_value(&doc).unwrap()).unwrap();
        assert_eq!(back, doc);
    }
}
