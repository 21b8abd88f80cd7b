//! The data every suite starts from: the tiny import bundle, a channel order body, a push
//! batch and a return op.

use serde_json::{json, Value};
use shared::import::ImportBundle;

/// The EAN-13 barcode `gen::tiny` gives SKU number `n`.
pub use gen::ean;

/// The tiny brand (`gen::tiny`): STORE-A (near the customer of [`order`]) and STORE-B in
/// Shanghai, warehouse WH-1, SKU-1..3 with stock, a manager (`STORE-A-M`, PIN 8888) and an
/// associate (`STORE-A-A`, PIN 1234) per store.
pub fn fixture() -> ImportBundle {
    gen::tiny()
}

/// A Tmall order body (`POST /api/v1/orders`): `kind` is `ship`, `pickup` or `same_city`,
/// `lines` are `(sku, qty)` at ¥599.00 less ¥59.00 each, for customer 张三 in Shanghai.
pub fn order(id: &str, kind: &str, pickup_store: Option<&str>, lines: &[(&str, i64)]) -> Value {
    json!({
        "channel": "tmall",
        "channel_order_id": id,
        "fulfillment": kind,
        "customer": { "name": "张三", "phone": "13800001234", "address": "上海市静安区", "location": { "lat": 31.23, "lon": 121.47 } },
        "pickup_store": pickup_store,
        "lines": lines.iter().map(|(sku, q)| json!({ "sku_code": sku, "qty": q, "unit_price": 59900, "discount": 5900 })).collect::<Vec<_>>(),
    })
}

/// A push body (`POST /api/v1/sync/push`) of `ops` done by `staff`, with consecutive
/// sequence numbers from `first_seq` and new op ids.
pub fn batch(first_seq: u64, staff: &str, ops: Vec<Value>) -> Value {
    let ops: Vec<Value> = ops
        .into_iter()
        .enumerate()
        .map(|(i, op)| {
            json!({
                "op_id": uuid::Uuid::now_v7(),
                "device_seq": first_seq + i as u64,
                "staff_id": staff,
                "device_time": "2026-11-23T10:00:00Z",
                "op": op,
            })
        })
        .collect();
    json!({ "protocol_version": 1, "ops": ops })
}

/// A return of one unit of `sku`, resaleable, for a made-up order: a fact that adds one
/// unit to the store's on-hand whether or not the order is known, so an op applied twice
/// shows in the stock.
pub fn return_op(sku: &str) -> shared::protocol::Op {
    shared::protocol::Op::AcceptReturn {
        return_id: uuid::Uuid::now_v7(),
        order_id: Some(uuid::Uuid::now_v7()),
        order_ref: None,
        lines: vec![shared::protocol::ReturnLine {
            sku_code: sku.to_string(),
            qty: shared::Qty::new(1).unwrap(),
            condition: shared::protocol::ReturnCondition::Resaleable,
            line_no: None,
            reason: Default::default(),
            note: String::new(),
        }],
        approved_by: None,
        approval: None,
    }
}
