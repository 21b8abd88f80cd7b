use super::*;
use shared::ean13::Ean13;
use shared::fulfillment::FulfillmentKind;
use shared::node::NodeKind;
use shared::staff::{valid_pin, Role};
use shared::stock::Quality;
use std::collections::{BTreeMap, BTreeSet};

fn json(d: &Dataset) -> String {
    serde_json::to_string(&(&d.bundle, &d.orders)).unwrap()
}

#[test]
fn same_config_gives_identical_output_and_seeds_differ() {
    let cfg = GenConfig::default();
    let a = generate(&cfg);
    assert_eq!(json(&a), json(&generate(&cfg)));
    let other = generate(&GenConfig { seed: 7, ..cfg });
    assert_ne!(json(&a), json(&other));
}

#[test]
fn default_has_enough_skus_nodes_staff_and_orders() {
    let d = generate(&GenConfig::default());
    let b = &d.bundle;
    assert!(b.skus.len() >= 5_000, "{} SKUs", b.skus.len());
    assert_eq!(b.bundles.len(), 10);
    let warehouses: Vec<_> = b.nodes.iter().filter(|n| !n.kind.is_store()).collect();
    assert_eq!(warehouses.len(), 3);
    assert_eq!(warehouses[0].kind, NodeKind::CentralWarehouse);
    let stores: Vec<_> = b.nodes.iter().filter(|n| n.kind.is_store()).collect();
    assert_eq!(stores.len(), 30);
    assert_eq!(stores[0].code, DEMO_STORE);
    assert_eq!(stores[0].kind, NodeKind::DirectStore);
    let caps = stores[0].capabilities;
    assert!(caps.pickup && caps.ship && caps.same_city);
    assert!(stores.iter().all(|s| s.capabilities.pickup && s.location.is_valid()));
    assert_eq!(b.staff.len(), 30 * 4);
    assert!(b.staff.iter().all(|s| valid_pin(&s.pin)));
    let m = b.staff.iter().find(|s| s.id == "SH-JINGAN-M1").unwrap();
    assert_eq!((m.role, m.pin.as_str()), (Role::Manager, DEMO_MANAGER_PIN));
    let a = b.staff.iter().find(|s| s.id == "SH-JINGAN-A1").unwrap();
    assert_eq!((a.role, a.pin.as_str()), (Role::Associate, DEMO_ASSOCIATE_PIN));
    assert_eq!(d.orders.len(), 400);
    assert!(b.stock.iter().any(|r| r.quality == Quality::Defective));
}

#[test]
fn barcodes_are_valid_unique_and_chinese() {
    let d = generate(&GenConfig::default());
    let mut seen = BTreeSet::new();
    for sku in &d.bundle.skus {
        let code = sku.barcode.as_str();
        assert_eq!(Ean13::parse(code).as_ref(), Ok(&sku.barcode));
        assert!(("690".."700").contains(&&code[..3]), "{code}");
        assert!(seen.insert(code.to_string()), "duplicate {code}");
    }
}

#[test]
fn every_reference_resolves() {
    let d = generate(&GenConfig::default());
    let b = &d.bundle;
    let styles: BTreeSet<_> = b.styles.iter().map(|s| s.code.as_str()).collect();
    let skus: BTreeSet<_> = b.skus.iter().map(|s| s.code.as_str()).collect();
    let nodes: BTreeSet<_> = b.nodes.iter().map(|n| n.code.as_str()).collect();
    let stores: BTreeSet<_> = b.nodes.iter().filter(|n| n.kind.is_store()).map(|n| n.code.as_str()).collect();
    assert_eq!(styles.len(), b.styles.len());
    assert_eq!(skus.len(), b.skus.len());
    assert_eq!(nodes.len(), b.nodes.len());
    assert!(b.skus.iter().all(|s| styles.contains(s.style_code.as_str())));
    for kit in &b.bundles {
        assert!(skus.contains(kit.sku_code.as_str()));
        assert!(kit.components.iter().all(|c| skus.contains(c.sku_code.as_str()) && c.sku_code != kit.sku_code));
    }
    let mut keys = BTreeSet::new();
    for r in &b.stock {
        assert!(nodes.contains(r.node_code.as_str()) && skus.contains(r.sku_code.as_str()));
        assert!(keys.insert((&r.node_code, &r.sku_code, r.quality)), "duplicate stock row");
    }
    assert!(b.staff.iter().all(|s| stores.contains(s.store_code.as_str())));
    for o in &d.orders {
        assert!(!o.lines.is_empty() && o.lines.len() <= 3);
        assert!(o.lines.iter().all(|l| skus.contains(l.sku_code.as_str())));
        assert_eq!(o.pickup_store.is_some(), o.fulfillment == FulfillmentKind::Pickup);
        if let Some(s) = &o.pickup_store {
            assert!(stores.contains(s.as_str()));
        }
    }
}

#[test]
fn channel_order_ids_are_unique() {
    let d = generate(&GenConfig::default());
    let ids: BTreeSet<_> = d.orders.iter().map(|o| (o.channel.as_str(), o.channel_order_id.as_str())).collect();
    assert_eq!(ids.len(), d.orders.len());
    let plain: BTreeSet<_> = d.orders.iter().map(|o| o.channel_order_id.as_str()).collect();
    assert_eq!(plain.len(), d.orders.len());
}

/// Replays the orders against the opening stock with a simple router (pickup at the chosen
/// store, same-city from the nearest capable store, which must be within 5 km and hold every line, ship
/// from any node holding the line): every order must fit.
#[test]
fn orders_fit_the_stock_in_sequence() {
    let d = generate(&GenConfig::default());
    let b = &d.bundle;
    let mut avail: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for r in b.stock.iter().filter(|r| r.quality == Quality::Sellable) {
        let a = r.on_hand.get() - r.safety.map(|s| s.get()).unwrap_or(0);
        avail.insert((r.node_code.as_str(), r.sku_code.as_str()), a);
    }
    let (mut demo_pickup, mut demo_same_city) = (0, 0);
    for o in &d.orders {
        let holds = |avail: &BTreeMap<(&str, &str), i64>, node: &str| {
            o.lines.iter().all(|l| avail.get(&(node, l.sku_code.as_str())).copied().unwrap_or(0) >= l.qty.get())
        };
        match o.fulfillment {
            FulfillmentKind::Pickup => {
                let s = o.pickup_store.as_deref().unwrap();
                assert!(holds(&avail, s), "{} cannot be picked up at {s}", o.channel_order_id);
                demo_pickup += usize::from(s == DEMO_STORE);
                for l in &o.lines {
                    *avail.get_mut(&(s, l.sku_code.as_str())).unwrap() -= l.qty.get();
                }
            }
            FulfillmentKind::SameCity => {
                let at = o.customer.location.unwrap();
                let mut near: Vec<_> =
                    b.nodes.iter().filter(|n| n.capabilities.same_city && n.location.distance_km(&at) <= 5.0).collect();
                near.sort_by(|x, y| x.location.distance_km(&at).total_cmp(&y.location.distance_km(&at)));
                // The generator places the customer nearest to the store holding the lines.
                let node = near.first().expect("a same-city store within 5 km");
                assert!(holds(&avail, &node.code), "{} cannot be delivered from {}", o.channel_order_id, node.code);
                demo_same_city += usize::from(node.code == DEMO_STORE);
                for l in &o.lines {
                    *avail.get_mut(&(node.code.as_str(), l.sku_code.as_str())).unwrap() -= l.qty.get();
                }
            }
            FulfillmentKind::Ship => {
                assert!(o.customer.location.is_some() && !o.customer.address.is_empty());
                for l in &o.lines {
                    let node = b
                        .nodes
                        .iter()
                        .filter(|n| n.capabilities.ship)
                        .find(|n| {
                            avail.get(&(n.code.as_str(), l.sku_code.as_str())).copied().unwrap_or(0) >= l.qty.get()
                        })
                        .expect("some node ships the line");
                    *avail.get_mut(&(node.code.as_str(), l.sku_code.as_str())).unwrap() -= l.qty.get();
                }
            }
        }
    }
    assert!(demo_pickup + demo_same_city >= d.orders.len() * 15 / 100, "{demo_pickup} + {demo_same_city}");
    assert!(demo_pickup > 0 && demo_same_city > 0);
}

#[test]
fn import_requests_carry_everything_once() {
    let d = generate(&GenConfig { styles: 40, stores: 5, orders: 10, ..Default::default() });
    let reqs = import_requests(&d.bundle);
    let skus: usize = reqs.iter().map(|r| r.skus.len()).sum();
    let stock: usize = reqs.iter().map(|r| r.stock.len()).sum();
    assert_eq!((skus, stock), (d.bundle.skus.len(), d.bundle.stock.len()));
    assert_eq!(reqs[0].nodes.len(), d.bundle.nodes.len());
    assert_eq!(reqs[0].staff.len(), d.bundle.staff.len());
}

#[test]
fn tiny_and_large_store_counts_work() {
    let d = generate(&GenConfig { seed: 1, styles: 3, stores: 0, orders: 20 });
    assert!(d.orders.iter().all(|o| o.fulfillment == FulfillmentKind::Ship));
    let d = generate(&GenConfig { seed: 1, styles: 20, stores: 50, orders: 50 });
    let codes: BTreeSet<_> = d.bundle.nodes.iter().map(|n| &n.code).collect();
    assert_eq!(codes.len(), 53);
}
