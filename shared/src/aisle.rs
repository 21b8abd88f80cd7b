//! Endless aisle (门店缺货线上订): what an associate sees when a customer wants a colour or
//! size the shelf lacks, and the status of an order placed for them from the network.
//!
//! Online the device asks HQ for a live, device-scoped read of one style
//! (`GET /api/v1/sync/styles/{style_code}/availability`): free-to-promise units per SKU at
//! this store, at nearby stores (with distance) and at warehouses, and the network total.
//! Other nodes' on-hand, reservations and orders are never shown. Offline the device shows
//! its stored snapshot with its as-of time.

use crate::fulfillment::{FulfillmentKind, FulfillmentState};
use crate::node::NodeKind;
use crate::order::OrderStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Most other nodes listed per SKU (nearest first, warehouses included).
pub const MAX_NODES_PER_SKU: usize = 10;

mod device;
pub use device::{alternatives, pickup_nodes, shelf_check, Alternatives, ShelfCheck, SkuOption, MAX_ALTERNATIVES};

/// Free-to-promise units of one SKU at one other node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NodeAvailability {
    /// Node code.
    pub node_code: String,
    /// Its name.
    pub name: String,
    /// Its kind (a store or a warehouse).
    pub kind: NodeKind,
    /// Its city.
    pub city: String,
    /// Straight-line distance from the asking store, in metres.
    pub distance_m: u64,
    /// Units it can promise (more than zero).
    pub available: i64,
    /// It offers pickup (a customer could collect there).
    pub pickup: bool,
}

/// One SKU of the style: the colour × size cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkuAvailability {
    /// SKU code.
    pub sku_code: String,
    /// Colour.
    pub colour: String,
    /// Size.
    pub size: String,
    /// Units this store can promise from its own shelf (its lease included).
    pub here: i64,
    /// Units the whole network can promise.
    pub network: i64,
    /// Other nodes with units, nearest first, at most [`MAX_NODES_PER_SKU`].
    pub nodes: Vec<NodeAvailability>,
}

/// A style's live availability as one store's device may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StyleAvailability {
    /// Style code.
    pub style_code: String,
    /// Its name.
    pub name: String,
    /// When it was read.
    pub as_of: DateTime<Utc>,
    /// Every SKU of the style, by colour then size.
    pub skus: Vec<SkuAvailability>,
}

/// One fulfillment order of an order the store placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlacedFulfillment {
    /// The node that fulfils it.
    pub node_code: String,
    /// Its name.
    pub node_name: String,
    /// Kind.
    pub kind: FulfillmentKind,
    /// State.
    pub state: FulfillmentState,
    /// SKU codes and units it carries.
    pub lines: Vec<(String, i64)>,
    /// Courier, once booked.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub carrier: Option<String>,
    /// Tracking number, once dispatched.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub tracking_no: Option<String>,
}

/// An order this store placed, as its devices follow it
/// (`GET /api/v1/sync/placed-orders/{order_id}`; only orders placed at the asking store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlacedOrderStatus {
    /// Order id.
    pub order_id: Uuid,
    /// Status.
    pub status: OrderStatus,
    /// Units no node could take.
    pub unrouted: i64,
    /// Where it ships from.
    pub fulfillments: Vec<PlacedFulfillment>,
    /// When it was read.
    pub as_of: DateTime<Utc>,
}

/// Orders sizes as a size grid shows them: letter sizes from XXS to XXXL, numeric sizes
/// (shoes, 36 to 45) by number, anything else ("均码", "F") after them by name.
pub fn cmp_sizes(a: &str, b: &str) -> std::cmp::Ordering {
    const LETTERS: [&str; 9] = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL", "4XL"];
    fn rank(s: &str) -> (u8, u64, String) {
        let t = s.trim().to_ascii_uppercase();
        if let Some(i) = LETTERS.iter().position(|l| *l == t) {
            return (0, i as u64, String::new());
        }
        match t.parse::<f64>() {
            Ok(n) if n.is_finite() && n >= 0.0 => (1, (n * 10.0).round() as u64, String::new()),
            _ => (2, 0, t),
        }
    }
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

/// Most characters of a till's payment reference (`Op::PlaceOrder.payment_ref`).
pub const MAX_PAYMENT_REF_CHARS: usize = 64;

/// Why the customer details of an endless-aisle order cannot be used. The device refuses
/// them before queueing the order and the server refuses the op with the same code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CustomerProblem {
    /// No name.
    #[error("enter the customer's name")]
    NameMissing,
    /// A name longer than an order holds, or only digits (a phone number typed in the name).
    #[error("enter the customer's name as it should appear on the order (at most 100 characters, not a number)")]
    NameInvalid,
    /// Not a mainland mobile number.
    #[error(
        "enter the customer's mobile number: 11 digits starting with 1 (a +86 prefix, spaces and dashes are fine)"
    )]
    PhoneInvalid,
    /// A delivery without an address.
    #[error("enter the delivery address")]
    AddressMissing,
    /// An address longer than an order holds.
    #[error("the delivery address is too long (at most 500 characters)")]
    AddressTooLong,
}

impl CustomerProblem {
    /// Stable code (the op's rejected outcome carries it; the UI translates it).
    pub fn code(self) -> &'static str {
        match self {
            CustomerProblem::NameMissing => "customer_name_required",
            CustomerProblem::NameInvalid => "invalid_customer_name",
            CustomerProblem::PhoneInvalid => "invalid_phone",
            CustomerProblem::AddressMissing => "address_required",
            CustomerProblem::AddressTooLong => "invalid_address",
        }
    }
}

/// A mainland China mobile number in its 11-digit form (`13812345678`), from what an
/// associate typed: spaces and dashes are ignored, a `+86` / `0086` / `86` prefix dropped.
/// `None` when it is not 11 digits starting with 1 and a second digit from 3 to 9.
pub fn normalise_mobile(phone: &str) -> Option<String> {
    let compact: String = phone.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let digits = compact.strip_prefix('+').unwrap_or(&compact);
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let national = match digits.len() {
        13 if digits.starts_with("86") => &digits[2..],
        15 if digits.starts_with("0086") => &digits[4..],
        _ => digits,
    };
    let b = national.as_bytes();
    (b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])).then(|| national.to_string())
}

/// Checks the customer of an endless-aisle order: a name, a mobile number the
/// notifications can reach, and for delivery (ship, same-city) an address. The location
/// stays optional: HQ routes a delivery without one from the store's own position.
pub fn check_customer(customer: &crate::order::Customer, kind: FulfillmentKind) -> Result<(), CustomerProblem> {
    let name = customer.name.trim();
    if name.is_empty() {
        return Err(CustomerProblem::NameMissing);
    }
    if name.chars().count() > 100 || name.chars().all(|c| c.is_ascii_digit() || c == '+' || c == '-' || c == ' ') {
        return Err(CustomerProblem::NameInvalid);
    }
    if normalise_mobile(&customer.phone).is_none() {
        return Err(CustomerProblem::PhoneInvalid);
    }
    let address = customer.address.trim();
    if address.chars().count() > 500 {
        return Err(CustomerProblem::AddressTooLong);
    }
    if kind != FulfillmentKind::Pickup && address.is_empty() {
        return Err(CustomerProblem::AddressMissing);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::Customer;

    fn customer(name: &str, phone: &str, address: &str) -> Customer {
        Customer { name: name.into(), phone: phone.into(), address: address.into(), location: None }
    }

    #[test]
    fn sizes_sort_as_a_grid_shows_them() {
        let mut sizes = vec!["XL", "S", "均码", "M", "xs", "L", "XXL", "F"];
        sizes.sort_by(|a, b| cmp_sizes(a, b));
        assert_eq!(sizes, ["xs", "S", "M", "L", "XL", "XXL", "F", "均码"]);
        let mut shoes = vec!["40", "36", "42.5", "9", "45"];
        shoes.sort_by(|a, b| cmp_sizes(a, b));
        assert_eq!(shoes, ["9", "36", "40", "42.5", "45"]);
    }

    #[test]
    fn mobile_numbers_are_normalised_and_others_refused() {
        for ok in
            ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "8613812345678", "0086 13812345678"]
        {
            assert_eq!(normalise_mobile(ok).as_deref(), Some("13812345678"), "{ok}");
        }
        for bad in [
            "",
            "1381234567",
            "138123456789",
            "12812345678",
            "23812345678",
            "138****5678",
            "021-12345678",
            "abc",
            "+8612812345678",
        ] {
            assert_eq!(normalise_mobile(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_customer_needs_a_name_a_mobile_and_for_delivery_an_address() {
        use FulfillmentKind::*;
        assert_eq!(check_customer(&customer("张三", "13812345678", ""), Pickup), Ok(()));
        assert_eq!(check_customer(&customer("  ", "13812345678", ""), Pickup), Err(CustomerProblem::NameMissing));
        assert_eq!(
            check_customer(&customer("13812345678", "13812345678", ""), Pickup),
            Err(CustomerProblem::NameInvalid)
        );
        assert_eq!(
            check_customer(&customer(&"名".repeat(101), "13812345678", ""), Pickup),
            Err(CustomerProblem::NameInvalid)
        );
        assert_eq!(check_customer(&customer("张三", "5678", ""), Pickup), Err(CustomerProblem::PhoneInvalid));
        assert_eq!(check_customer(&customer("张三", "13812345678", " "), Ship), Err(CustomerProblem::AddressMissing));
        assert_eq!(
            check_customer(&customer("张三", "13812345678", " "), SameCity),
            Err(CustomerProblem::AddressMissing)
        );
        assert_eq!(check_customer(&customer("张三", "13812345678", "上海市静安区南京西路1号"), Ship), Ok(()));
        assert_eq!(
            check_customer(&customer("张三", "13812345678", &"路".repeat(501)), Ship),
            Err(CustomerProblem::AddressTooLong)
        );
        assert_eq!(CustomerProblem::PhoneInvalid.code(), "invalid_phone");
    }
}
