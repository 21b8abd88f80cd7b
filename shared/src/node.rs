//! Fulfilment nodes (履约节点): warehouses, stores and the like.

use serde::{Deserialize, Serialize};

/// What kind of node holds the stock: warehouses of several kinds, or direct and franchise
/// stores (devices enrol only at stores).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// Central warehouse (总仓).
    CentralWarehouse,
    /// Regional warehouse (区域仓).
    RegionalWarehouse,
    /// E-commerce warehouse (电商仓).
    EcommerceWarehouse,
    /// Directly operated store (直营店).
    DirectStore,
    /// Franchise store (加盟店).
    FranchiseStore,
    /// Dealer warehouse (经销商仓).
    DealerWarehouse,
    /// Front warehouse (前置仓).
    FrontWarehouse,
}

impl NodeKind {
    /// Stores are where devices enrol and associates work.
    pub fn is_store(self) -> bool {
        matches!(self, NodeKind::DirectStore | NodeKind::FranchiseStore)
    }

    /// The snake_case name used in JSON and SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::CentralWarehouse => "central_warehouse",
            NodeKind::RegionalWarehouse => "regional_warehouse",
            NodeKind::EcommerceWarehouse => "ecommerce_warehouse",
            NodeKind::DirectStore => "direct_store",
            NodeKind::FranchiseStore => "franchise_store",
            NodeKind::DealerWarehouse => "dealer_warehouse",
            NodeKind::FrontWarehouse => "front_warehouse",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<NodeKind> {
        ALL_NODE_KINDS.iter().copied().find(|k| k.as_str() == s)
    }
}

const ALL_NODE_KINDS: [NodeKind; 7] = [
    NodeKind::CentralWarehouse,
    NodeKind::RegionalWarehouse,
    NodeKind::EcommerceWarehouse,
    NodeKind::DirectStore,
    NodeKind::FranchiseStore,
    NodeKind::DealerWarehouse,
    NodeKind::FrontWarehouse,
];

/// A point on the map in decimal degrees (WGS-84). The API refuses coordinates off the globe
/// (422 invalid_location).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GeoPoint {
    /// Latitude, -90..=90.
    #[cfg_attr(feature = "openapi", schema(minimum = -90, maximum = 90))]
    pub lat: f64,
    /// Longitude, -180..=180.
    #[cfg_attr(feature = "openapi", schema(minimum = -180, maximum = 180))]
    pub lon: f64,
}

impl GeoPoint {
    /// Whether the coordinates are on the globe.
    pub fn is_valid(&self) -> bool {
        self.lat.is_finite() && self.lon.is_finite() && self.lat.abs() <= 90.0 && self.lon.abs() <= 180.0
    }

    /// Great-circle distance in kilometres (haversine).
    pub fn distance_km(&self, other: &GeoPoint) -> f64 {
        let r = 6371.0088_f64;
        let (la1, la2) = (self.lat.to_radians(), other.lat.to_radians());
        let dla = la2 - la1;
        let dlo = (other.lon - self.lon).to_radians();
        let a = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
        2.0 * r * a.sqrt().asin()
    }
}

/// What a node can do for an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    /// Ships parcels to customers.
    pub ship: bool,
    /// Customers can pick up here (stores).
    pub pickup: bool,
    /// Same-city delivery by rider (同城配/闪送).
    pub same_city: bool,
}

/// A fulfilment node (履约节点): a warehouse or a store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Node code, e.g. `SH-XTD` for a Shanghai store.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 32))]
    pub code: String,
    /// Display name.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub name: String,
    /// Kind of node.
    pub kind: NodeKind,
    /// City name.
    pub city: String,
    /// Where it is.
    pub location: GeoPoint,
    /// What it can do.
    pub capabilities: Capabilities,
    /// Opening hours in local time, e.g. `10:00-22:00`.
    pub opening_hours: String,
    /// Fulfilment orders it can take per day.
    pub daily_capacity: u32,
    /// Handling cost per fulfilment order in fen.
    pub handling_cost: crate::Fen,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shanghai_to_beijing_is_about_1070_km() {
        let sh = GeoPoint { lat: 31.2304, lon: 121.4737 };
        let bj = GeoPoint { lat: 39.9042, lon: 116.4074 };
        let d = sh.distance_km(&bj);
        assert!((1050.0..1090.0).contains(&d), "{d}");
        assert!(!GeoPoint { lat: 91.0, lon: 0.0 }.is_valid());
    }

    #[test]
    fn node_kind_names_round_trip() {
        for k in ALL_NODE_KINDS {
            assert_eq!(NodeKind::parse(k.as_str()), Some(k));
        }
    }
}
