//! Device rules for the endless aisle: whether an order's units come from this store's
//! shelf within its stock lease, and what to offer a customer instead of what HQ refused.
//! The associate's screen and the device engine use them, so a simulated device and the app
//! decide alike.

use super::{NodeAvailability, SkuAvailability, StyleAvailability};
use serde::{Deserialize, Serialize};

/// Whether an order's units come from this store's own shelf, and whether the store's
/// stock lease covers them (see the store stock lease in the sync protocol).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "shelf", rename_all = "snake_case")]
pub enum ShelfCheck {
    /// The units come from the network: HQ confirms or refuses when the op arrives.
    Network,
    /// From this store's shelf within its lease: safe to promise offline.
    WithinLease,
    /// From this store's shelf beyond its lease: the associate is warned; the order is
    /// still queued and HQ decides.
    BeyondLease {
        /// Units the lease still covers (after the store's other queued orders).
        free: i64,
        /// Units the order takes.
        wanted: i64,
    },
}

impl ShelfCheck {
    /// Safe to promise the customer before HQ answers.
    pub fn safe_offline(self) -> bool {
        self == ShelfCheck::WithinLease
    }

    /// The worse of two checks (an order of several lines is as safe as its least safe line).
    pub fn worst(self, other: ShelfCheck) -> ShelfCheck {
        let rank = |c: ShelfCheck| match c {
            ShelfCheck::WithinLease => 0,
            ShelfCheck::BeyondLease { .. } => 1,
            ShelfCheck::Network => 2,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// The shelf check of one line: an order collected here later takes units from this
/// store's shelf when the store holds any (`on_hand` > 0); `free` is what the store's lease
/// still covers after its other queued orders. Any other order (shipped, collected at
/// another store, or here when the store has none) is routed by HQ.
pub fn shelf_check(pickup_here: bool, on_hand: i64, free: i64, wanted: i64) -> ShelfCheck {
    if !pickup_here || on_hand <= 0 {
        ShelfCheck::Network
    } else if wanted <= free {
        ShelfCheck::WithinLease
    } else {
        ShelfCheck::BeyondLease { free: free.max(0), wanted }
    }
}

/// Another SKU of the same style to offer instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuOption {
    /// SKU code.
    pub sku_code: String,
    /// Colour.
    pub colour: String,
    /// Size.
    pub size: String,
    /// Units this store can promise.
    pub here: i64,
    /// Units the network can promise.
    pub network: i64,
}

/// What to offer when the wanted SKU cannot be ordered as asked.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Alternatives {
    /// Other sizes of the same colour first, then the same size in other colours, each
    /// with enough units in the network.
    pub other_sizes: Vec<SkuOption>,
    /// Other nodes with enough units of the wanted SKU, nearest first (only stores that
    /// offer pickup when the customer wants to collect).
    pub other_nodes: Vec<NodeAvailability>,
}

impl Alternatives {
    /// Nothing to offer.
    pub fn is_empty(&self) -> bool {
        self.other_sizes.is_empty() && self.other_nodes.is_empty()
    }
}

/// Most alternatives of each kind offered.
pub const MAX_ALTERNATIVES: usize = 6;

/// What to offer instead of `qty` units of `sku_code`, from a live availability read.
/// `pickup` keeps only stores where the customer could collect.
pub fn alternatives(avail: &StyleAvailability, sku_code: &str, qty: i64, pickup: bool) -> Alternatives {
    let Some(wanted) = avail.skus.iter().find(|s| s.sku_code == sku_code) else {
        return Alternatives::default();
    };
    let option = |s: &SkuAvailability| SkuOption {
        sku_code: s.sku_code.clone(),
        colour: s.colour.clone(),
        size: s.size.clone(),
        here: s.here,
        network: s.network,
    };
    let enough = |s: &&SkuAvailability| s.sku_code != wanted.sku_code && s.network >= qty;
    let same_colour = avail.skus.iter().filter(|s| s.colour == wanted.colour).filter(enough);
    let same_size = avail.skus.iter().filter(|s| s.colour != wanted.colour && s.size == wanted.size).filter(enough);
    let other_sizes = same_colour.chain(same_size).take(MAX_ALTERNATIVES).map(option).collect();
    let mut other_nodes: Vec<NodeAvailability> = pickup_nodes(wanted, qty, pickup).into_iter().cloned().collect();
    other_nodes.truncate(MAX_ALTERNATIVES);
    Alternatives { other_sizes, other_nodes }
}

/// The other nodes holding at least `qty` units of this SKU, nearest first; with `pickup`,
/// only stores that offer pickup (where a customer can collect).
pub fn pickup_nodes(sku: &SkuAvailability, qty: i64, pickup: bool) -> Vec<&NodeAvailability> {
    let mut nodes: Vec<&NodeAvailability> =
        sku.nodes.iter().filter(|n| n.available >= qty && (!pickup || (n.pickup && n.kind.is_store()))).collect();
    nodes.sort_by_key(|n| n.distance_m);
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::NodeKind;

    fn node(code: &str, kind: NodeKind, distance_m: u64, available: i64, pickup: bool) -> NodeAvailability {
        NodeAvailability {
            node_code: code.into(),
            name: code.into(),
            kind,
            city: "上海".into(),
            distance_m,
            available,
            pickup,
        }
    }

    fn sku(code: &str, colour: &str, size: &str, network: i64, nodes: Vec<NodeAvailability>) -> SkuAvailability {
        SkuAvailability { sku_code: code.into(), colour: colour.into(), size: size.into(), here: 0, network, nodes }
    }

    #[test]
    fn only_a_pickup_here_from_stock_on_the_shelf_is_checked_against_the_lease() {
        assert_eq!(shelf_check(false, 5, 5, 1), ShelfCheck::Network, "shipped: HQ routes it");
        assert_eq!(shelf_check(true, 0, 0, 1), ShelfCheck::Network, "none here: sent to the store");
        assert_eq!(shelf_check(true, 3, 2, 2), ShelfCheck::WithinLease);
        assert_eq!(shelf_check(true, 3, 2, 3), ShelfCheck::BeyondLease { free: 2, wanted: 3 });
        assert_eq!(shelf_check(true, 3, -1, 1), ShelfCheck::BeyondLease { free: 0, wanted: 1 });
        assert!(ShelfCheck::WithinLease.safe_offline());
        assert!(!ShelfCheck::BeyondLease { free: 0, wanted: 1 }.safe_offline());
        let beyond = ShelfCheck::BeyondLease { free: 1, wanted: 2 };
        assert_eq!(ShelfCheck::WithinLease.worst(beyond), beyond);
        assert_eq!(beyond.worst(ShelfCheck::Network), ShelfCheck::Network);
        assert_eq!(ShelfCheck::Network.worst(ShelfCheck::WithinLease), ShelfCheck::Network);
    }

    #[test]
    fn alternatives_offer_other_sizes_then_colours_and_nearer_pickup_stores() {
        let wh = node("WH-1", NodeKind::CentralWarehouse, 1_000, 9, false);
        let far = node("ST-FAR", NodeKind::DirectStore, 9_000, 3, true);
        let near = node("ST-NEAR", NodeKind::FranchiseStore, 2_000, 1, true);
        let no_pickup = node("ST-NP", NodeKind::DirectStore, 500, 5, false);
        let avail = StyleAvailability {
            style_code: "ST".into(),
            name: "Tee".into(),
            as_of: chrono::DateTime::from_timestamp_millis(0).unwrap_or_default(),
            skus: vec![
                sku("ST-BLK-M", "黑", "M", 14, vec![wh.clone(), far.clone(), near.clone(), no_pickup.clone()]),
                sku("ST-BLK-L", "黑", "L", 2, vec![]),
                sku("ST-BLK-XL", "黑", "XL", 0, vec![]),
                sku("ST-WHT-M", "白", "M", 4, vec![]),
                sku("ST-WHT-L", "白", "L", 4, vec![]),
            ],
        };
        let a = alternatives(&avail, "ST-BLK-M", 2, true);
        let codes: Vec<&str> = a.other_sizes.iter().map(|s| s.sku_code.as_str()).collect();
        assert_eq!(codes, ["ST-BLK-L", "ST-WHT-M"], "same colour first, then same size; none without stock");
        let nodes: Vec<&str> = a.other_nodes.iter().map(|n| n.node_code.as_str()).collect();
        assert_eq!(nodes, ["ST-FAR"], "pickup: only stores that offer it and hold enough");
        let shipped = alternatives(&avail, "ST-BLK-M", 1, false);
        let nodes: Vec<&str> = shipped.other_nodes.iter().map(|n| n.node_code.as_str()).collect();
        assert_eq!(nodes, ["ST-NP", "WH-1", "ST-NEAR", "ST-FAR"], "nearest first");
        assert!(alternatives(&avail, "UNKNOWN", 1, false).is_empty());
    }
}
