//! Channel orders and the fulfillment orders they are routed into.

use crate::fulfillment::{FulfillmentKind, FulfillmentState};
use crate::node::GeoPoint;
use crate::{Fen, Qty};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where an order came from; `store` is an endless-aisle order placed by an associate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Tmall (天猫).
    Tmall,
    /// JD (京东).
    Jd,
    /// Douyin (抖音).
    Douyin,
    /// The brand's mini-program (小程序).
    MiniProgram,
    /// Placed in a store by an associate (endless aisle).
    Store,
    /// The employee store (员工内购): staff buy at their own prices within per-employee limits.
    EmployeeStore,
    /// Outlet and discount channels (奥莱/折扣) that receive a directed allocation of slow movers.
    Outlet,
}

impl Channel {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Tmall => "tmall",
            Channel::Jd => "jd",
            Channel::Douyin => "douyin",
            Channel::MiniProgram => "mini_program",
            Channel::Store => "store",
            Channel::EmployeeStore => "employee_store",
            Channel::Outlet => "outlet",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Channel> {
        ALL_CHANNELS.into_iter().find(|c| c.as_str() == s)
    }
}

/// Every channel, in the order screens and reports list them.
pub const ALL_CHANNELS: [Channel; 7] = [
    Channel::Tmall,
    Channel::Jd,
    Channel::Douyin,
    Channel::MiniProgram,
    Channel::Store,
    Channel::EmployeeStore,
    Channel::Outlet,
];

/// The customer as far as fulfilment needs to know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// Name on the order.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// Mobile number for notifications.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 32))]
    pub phone: String,
    /// Delivery address (empty for pickup).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500, default = ""))]
    pub address: String,
    /// Where to deliver; required for ship and same-city routing (422 location_required).
    #[serde(default)]
    pub location: Option<GeoPoint>,
}

/// One line of a channel order as it arrives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrderLineInput {
    /// SKU code.
    pub sku_code: String,
    /// Units ordered.
    pub qty: Qty,
    /// Price per unit in fen before discount.
    pub unit_price: Fen,
    /// Discount on the whole line in fen (promotions, coupons prorated by the channel).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(default = 0))]
    pub discount: Fen,
}

/// A channel order sent to the intake API. Idempotent by `(channel, channel_order_id)`: the
/// same content returns the same order, different content is refused (409 order_conflict).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChannelOrderInput {
    /// Selling channel.
    pub channel: Channel,
    /// The channel's own order number.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub channel_order_id: String,
    /// How the customer gets the goods.
    pub fulfillment: FulfillmentKind,
    /// The customer.
    pub customer: Customer,
    /// For pickup orders (required there): the store the customer chose; it must offer
    /// pickup.
    #[serde(default)]
    pub pickup_store: Option<String>,
    /// Associate credited with the sale, if any.
    #[serde(default)]
    pub associate_id: Option<String>,
    /// Lines, at least one.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 100))]
    pub lines: Vec<OrderLineInput>,
    /// Shipping fee the customer paid, in fen (refunded with returns by HQ's return policy).
    /// Left out when zero, so an order's content (its idempotency digest) reads as it did
    /// before the field existed and a channel re-sending an older order gets it back.
    #[serde(default, skip_serializing_if = "Fen::is_zero")]
    #[cfg_attr(feature = "openapi", schema(default = 0))]
    pub shipping_fee: Fen,
    /// The campaign or live stream this order was sold in (a promotion lock's code): its
    /// lines draw on the stock locked for it. Left out when none (the idempotency digest
    /// of older orders is unchanged), as are the two fields below.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    /// The presale (预售) this order was sold in: it waits for the expected receipt and is
    /// routed when the stock arrives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presale: Option<String>,
    /// For the employee store: the staff member buying (their purchase limits apply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<String>,
}

/// Lifecycle of the whole order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Every line is routed to a node.
    Routed,
    /// Some lines could not be placed at any node; HQ must act.
    PartiallyUnrouted,
    /// Cancelled.
    Cancelled,
    /// Every fulfillment order reached its end.
    Completed,
    /// No line could be placed by the routing profiles: held in HQ's needs-attention queue
    /// with the reason, routed again when HQ acts or stock arrives.
    Held,
    /// Sold in a presale (预售): waits for the expected receipt, routed when stock arrives.
    Presale,
}

impl OrderStatus {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Routed => "routed",
            OrderStatus::PartiallyUnrouted => "partially_unrouted",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Completed => "completed",
            OrderStatus::Held => "held",
            OrderStatus::Presale => "presale",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<OrderStatus> {
        [
            OrderStatus::Routed,
            OrderStatus::PartiallyUnrouted,
            OrderStatus::Cancelled,
            OrderStatus::Completed,
            OrderStatus::Held,
            OrderStatus::Presale,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// An order line as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    /// 1-based line number.
    pub line_no: u32,
    /// SKU code.
    pub sku_code: String,
    /// Units ordered.
    pub qty: i64,
    /// Price per unit in fen.
    pub unit_price: Fen,
    /// Line discount in fen.
    pub discount: Fen,
    /// Units not placed at any node.
    pub unrouted_qty: i64,
    /// Units returned so far.
    pub returned_qty: i64,
}

/// An order with its fulfillment orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    /// Order id.
    pub id: Uuid,
    /// Channel.
    pub channel: Channel,
    /// The channel's order number.
    pub channel_order_id: String,
    /// Fulfilment kind.
    pub fulfillment: FulfillmentKind,
    /// Status.
    pub status: OrderStatus,
    /// Customer name (phone and address stay on the server).
    pub customer_name: String,
    /// Lines.
    pub lines: Vec<OrderLine>,
    /// Fulfillment orders it was routed into.
    pub fulfillment_orders: Vec<FulfillmentOrder>,
    /// When it arrived.
    pub created_at: DateTime<Utc>,
    /// Why it was routed as it was (the latest routing decision: candidates, the filter that
    /// removed each, scores, profiles tried), or why it is held. None for orders routed
    /// before decisions were recorded.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub routing: Option<Box<crate::routing_explanation::Explanation>>,
}

/// One line of a fulfillment order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FulfillmentLine {
    /// 1-based line number within the fulfillment order.
    pub line_no: u32,
    /// SKU code.
    pub sku_code: String,
    /// Units to fulfil.
    pub qty: i64,
    /// Units picked (after confirm pick).
    #[cfg_attr(feature = "openapi", schema(required))]
    pub picked_qty: Option<i64>,
}

/// Pickup-code data a device needs to verify a code offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickupCodeHash {
    /// Salted slow hash of the code.
    pub hash: String,
    /// When the code stops being valid.
    pub expires_at: DateTime<Utc>,
}

/// A fulfillment order (履约单): the part of an order one node fulfils.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FulfillmentOrder {
    /// Id.
    pub id: Uuid,
    /// The order it belongs to.
    pub order_id: Uuid,
    /// The channel's order number, shown to associates.
    pub channel_order_id: String,
    /// Channel.
    pub channel: Channel,
    /// Node that fulfils it.
    pub node_code: String,
    /// Kind.
    pub kind: FulfillmentKind,
    /// State.
    pub state: FulfillmentState,
    /// Customer name, for the counter.
    pub customer_name: String,
    /// Last four digits of the customer's phone, to check at the counter.
    pub customer_phone_tail: String,
    /// Lines.
    pub lines: Vec<FulfillmentLine>,
    /// Pickup code hash once ready for pickup.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub pickup_code: Option<PickupCodeHash>,
    /// Why it was rejected, if it was.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub reject_reason: Option<String>,
    /// Courier / carrier name.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub carrier: Option<String>,
    /// Tracking number.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub tracking_no: Option<String>,
    /// The latest courier booking (ship and same-city), once the store asked for one.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub courier: Option<crate::courier::CourierBooking>,
    /// Whether a same-city rider may be booked: the customer is within HQ's same-city
    /// radius of this node and a rider platform serves it (the server decides; the device
    /// offers the choice only then).
    #[serde(default)]
    pub same_city_offered: bool,
    /// Set when a conflicting fact was recorded and HQ must follow up.
    pub flagged: bool,
    /// Server version, bumped by every change.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// Refund for returning `returning` more units of a line with `qty` units that cost `paid`
/// fen in total, when `already_returned` units were refunded before. Cumulative rounding:
/// refunding every unit, in any number of returns, gives back exactly `paid`.
pub fn line_refund(paid: i64, qty: i64, already_returned: i64, returning: i64) -> i64 {
    if qty <= 0 {
        return 0;
    }
    let after = (already_returned + returning).min(qty);
    let before = already_returned.min(qty);
    paid * after / qty - paid * before / qty
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_order_without_shipping_reads_as_before_the_field_existed() {
        // The content of an order taken before `shipping_fee` existed, as its digest saw it.
        let old = r#"{"channel":"tmall","channel_order_id":"TM-1","fulfillment":"ship","customer":{"name":"张三","phone":"13800001234","address":"上海","location":null},"pickup_store":null,"associate_id":null,"lines":[{"sku_code":"SKU-1","qty":1,"unit_price":59900,"discount":0}]}"#;
        let input: ChannelOrderInput = serde_json::from_str(old).unwrap();
        assert_eq!(input.shipping_fee, Fen::ZERO);
        assert_eq!(serde_json::to_string(&input).unwrap(), old, "the same digest as before the upgrade");
        let with_fee = ChannelOrderInput { shipping_fee: Fen(800), ..input };
        let text = serde_json::to_string(&with_fee).unwrap();
        assert!(text.ends_with(r#","shipping_fee":800}"#), "{text}");
        assert_eq!(serde_json::from_str::<ChannelOrderInput>(&text).unwrap(), with_fee);
    }

    #[test]
    fn refunds_prorate_discounts() {
        // 3 units at 100.00 with 30.00 off: each unit refunds 90.00.
        assert_eq!(line_refund(27_000, 3, 0, 1), 9_000);
        assert_eq!(line_refund(10_000, 3, 0, 1), 3_333);
        assert_eq!(line_refund(10_000, 3, 1, 2), 6_667);
    }

    proptest! {
        #[test]
        fn refunds_in_pieces_sum_to_paid(paid in 0i64..10_000_000, qty in 1i64..50, cuts in proptest::collection::vec(1i64..5, 0..20)) {
            let mut returned = 0;
            let mut refunded = 0;
            for c in cuts {
                let take = c.min(qty - returned);
                if take == 0 { break; }
                refunded += line_refund(paid, qty, returned, take);
                returned += take;
            }
            refunded += line_refund(paid, qty, returned, qty - returned);
            prop_assert_eq!(refunded, paid);
        }
    }
}
