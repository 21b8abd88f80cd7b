//! The demo's order to take back: a Tmall order bought online, shipped and delivered, whose
//! channel order number the demo prints (with its receipt QR) so an associate at the demo
//! store can scan or type it at the return counter.

use shared::fulfillment::FulfillmentKind;
use shared::import::ImportBundle;
use shared::node::GeoPoint;
use shared::order::{Channel, ChannelOrderInput, Customer, OrderLineInput};
use shared::stock::Quality;
use shared::{Fen, Qty};

/// The Tmall order number of the demo's order to return.
pub const DEMO_RETURN_ORDER: &str = "TM20261120880001";
/// The price of the demo return order's second line: above the default refund a store
/// manager must approve (`BusinessRules::return_manager_limit_fen`, ¥2,000.00), so taking it
/// back needs the manager's PIN.
pub const DEMO_RETURN_HIGH_PRICE: Fen = Fen(259_900);
/// The demo return order's shipping fee.
pub const DEMO_RETURN_SHIPPING: Fen = Fen(1_000);

/// The demo's order to return, on the SKUs of `bundle`: two lines of SKUs of different
/// styles that a warehouse able to ship holds plenty of (so the order routes whatever the
/// rest of the demo took), the first at its list price less ¥20.00, the second at
/// `high_price` less ¥100.00 (use [`DEMO_RETURN_HIGH_PRICE`] for the demo; a test may choose
/// a price on either side of its manager limit), with a ¥10.00 shipping fee. `None` when the
/// bundle has no such SKUs.
pub fn demo_return_order(bundle: &ImportBundle, high_price: Fen) -> Option<ChannelOrderInput> {
    let shipping_warehouse =
        |code: &str| bundle.nodes.iter().any(|n| n.code == code && !n.kind.is_store() && n.capabilities.ship);
    let kits: Vec<&str> = bundle.bundles.iter().map(|b| b.sku_code.as_str()).collect();
    let mut picked: Vec<&shared::catalogue::Sku> = Vec::new();
    for row in &bundle.stock {
        if row.quality != Quality::Sellable || row.on_hand.get() < 20 || !shipping_warehouse(&row.node_code) {
            continue;
        }
        let Some(sku) = bundle.skus.iter().find(|s| s.code == row.sku_code) else { continue };
        if kits.contains(&sku.code.as_str()) || picked.iter().any(|p| p.style_code == sku.style_code) {
            continue;
        }
        picked.push(sku);
        if picked.len() == 2 {
            break;
        }
    }
    let [first, second] = picked[..] else { return None };
    let one = Qty::new(1).ok()?;
    let line = |sku: &shared::catalogue::Sku, price: Fen, off: i64| OrderLineInput {
        sku_code: sku.code.clone(),
        qty: one,
        unit_price: price,
        discount: Fen(off.min(price.0)),
    };
    Some(ChannelOrderInput {
        channel: Channel::Tmall,
        channel_order_id: DEMO_RETURN_ORDER.to_string(),
        fulfillment: FulfillmentKind::Ship,
        customer: Customer {
            name: "王小明".into(),
            phone: "13912345678".into(),
            address: "上海市静安区南京西路1601号".into(),
            location: Some(GeoPoint { lat: 31.2253, lon: 121.4470 }),
        },
        pickup_store: None,
        associate_id: None,
        lines: vec![line(first, first.list_price, 2_000), line(second, high_price, 10_000)],
        shipping_fee: DEMO_RETURN_SHIPPING,
        campaign: None,
        presale: None,
        employee_id: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{generate, GenConfig};

    #[test]
    fn the_demo_order_has_two_styles_and_a_line_above_the_manager_limit() {
        let d = generate(&GenConfig { styles: 12, stores: 3, orders: 0, ..GenConfig::default() });
        let o = demo_return_order(&d.bundle, DEMO_RETURN_HIGH_PRICE).unwrap();
        assert_eq!(
            (o.channel, o.channel_order_id.as_str(), o.shipping_fee),
            (Channel::Tmall, DEMO_RETURN_ORDER, DEMO_RETURN_SHIPPING)
        );
        let style = |code: &str| d.bundle.skus.iter().find(|s| s.code == code).unwrap().style_code.clone();
        assert_ne!(style(&o.lines[0].sku_code), style(&o.lines[1].sku_code));
        let limit = shared::rules::BusinessRules::default().return_manager_limit_fen;
        assert!(o.lines[1].unit_price.0 - o.lines[1].discount.0 > limit);
        assert!(o.lines[0].unit_price.0 - o.lines[0].discount.0 < limit);
        assert_eq!(o, demo_return_order(&d.bundle, DEMO_RETURN_HIGH_PRICE).unwrap(), "deterministic");
        assert!(demo_return_order(&crate::tiny(), DEMO_RETURN_HIGH_PRICE).is_none(), "one style only");
    }
}
