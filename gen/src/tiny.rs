//! A tiny hand-made brand for tests and examples: two Shanghai stores (STORE-A near the
//! usual test customer, STORE-B further), one warehouse (WH-1), one style with three SKUs,
//! a manager (PIN 8888) and an associate (PIN 1234) per store.

use shared::catalogue::{Sku, Style};
use shared::ean13::Ean13;
use shared::import::{ImportBundle, StockLevelInput};
use shared::node::{Capabilities, GeoPoint, Node, NodeKind};
use shared::staff::{Role, StaffInput};
use shared::stock::Quality;
use shared::{Count, Fen};

fn node(code: &str, kind: NodeKind, lat: f64, lon: f64, caps: Capabilities) -> Node {
    Node {
        code: code.into(),
        name: format!("{code} name"),
        kind,
        city: "上海".into(),
        location: GeoPoint { lat, lon },
        capabilities: caps,
        opening_hours: "10:00-22:00".into(),
        daily_capacity: 200,
        handling_cost: Fen(500),
    }
}

/// A valid EAN-13 with China prefix 690 and item number `n`.
pub fn ean(n: u64) -> Ean13 {
    let s = format!("690{:09}", n);
    let mut d = [0u8; 12];
    for (i, c) in s.bytes().enumerate() {
        d[i] = c - b'0';
    }
    Ean13::from_first12(d)
}

/// The tiny brand.
pub fn tiny() -> ImportBundle {
    let all = Capabilities { ship: true, pickup: true, same_city: true };
    let nodes = vec![
        node("STORE-A", NodeKind::DirectStore, 31.2304, 121.4737, all),
        node("STORE-B", NodeKind::DirectStore, 31.2000, 121.4000, all),
        node(
            "WH-1",
            NodeKind::CentralWarehouse,
            31.3900,
            120.9800,
            Capabilities { ship: true, pickup: false, same_city: false },
        ),
    ];
    let styles =
        vec![Style { code: "ST-1".into(), name: "跑鞋".into(), category: "shoes".into(), list_price: Fen(59_900) }];
    let skus: Vec<Sku> = (1..=3)
        .map(|i| Sku {
            code: format!("SKU-{i}"),
            style_code: "ST-1".into(),
            barcode: ean(i),
            colour: "黑".into(),
            size: format!("{}", 40 + i),
            list_price: Fen(59_900),
        })
        .collect();
    let level = |node: &str, sku: &str, n: i64| StockLevelInput {
        node_code: node.into(),
        sku_code: sku.into(),
        quality: Quality::Sellable,
        on_hand: Count::new(n).expect("the tiny brand's stock levels are small"),
        safety: None,
    };
    let stock = vec![
        level("STORE-A", "SKU-1", 5),
        level("STORE-A", "SKU-2", 2),
        level("STORE-B", "SKU-1", 3),
        level("STORE-B", "SKU-3", 4),
        level("WH-1", "SKU-1", 100),
        level("WH-1", "SKU-2", 100),
        level("WH-1", "SKU-3", 100),
    ];
    let staff = ["STORE-A", "STORE-B"]
        .iter()
        .flat_map(|s| {
            [
                StaffInput {
                    id: format!("{s}-M"),
                    store_code: s.to_string(),
                    name: "店长".into(),
                    role: Role::Manager,
                    pin: "8888".into(),
                },
                StaffInput {
                    id: format!("{s}-A"),
                    store_code: s.to_string(),
                    name: "导购".into(),
                    role: Role::Associate,
                    pin: "1234".into(),
                },
            ]
        })
        .collect();
    ImportBundle { nodes, styles, skus, bundles: vec![], staff, stock }
}
