//! Returns and exchanges (退换货) of orders from any channel at any store: what a store may
//! still take back, the refund, and HQ's return policy.
//!
//! The rule is written once here and used by both sides: the device quotes the refund at
//! the counter from the order the look-up returned ([`quote`]), and the server books the
//! refund from its own copy of the same order with the same function, so the number the
//! customer is shown is the number finance sees. Refunds are prorated in integer fen with
//! cumulative rounding ([`crate::order::line_refund`]): returning every unit, in any number
//! of returns, gives back exactly what was paid.

use crate::order::{line_refund, Channel, OrderStatus};
use crate::stock::Quality;
use crate::Fen;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why the customer brings an item back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    /// Wrong size.
    Size,
    /// Wrong colour.
    Colour,
    /// A quality defect.
    Quality,
    /// Not as described.
    NotAsDescribed,
    /// Changed their mind.
    ChangedMind,
    /// Something else, said in the line's note (also what an older app's returns carry).
    #[default]
    Other,
}

/// Every reason, in the order the return screen offers them.
pub const RETURN_REASONS: [ReturnReason; 6] = [
    ReturnReason::Size,
    ReturnReason::Colour,
    ReturnReason::Quality,
    ReturnReason::NotAsDescribed,
    ReturnReason::ChangedMind,
    ReturnReason::Other,
];

impl ReturnReason {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnReason::Size => "size",
            ReturnReason::Colour => "colour",
            ReturnReason::Quality => "quality",
            ReturnReason::NotAsDescribed => "not_as_described",
            ReturnReason::ChangedMind => "changed_mind",
            ReturnReason::Other => "other",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<ReturnReason> {
        RETURN_REASONS.into_iter().find(|r| r.as_str() == s)
    }

    /// The brand is at fault (a defect, not as described): shipping may be refunded under
    /// [`ShippingRefund::SellerFault`].
    pub fn seller_at_fault(self) -> bool {
        matches!(self, ReturnReason::Quality | ReturnReason::NotAsDescribed)
    }
}

/// Condition of a returned item decides its stock layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReturnCondition {
    /// Resaleable: back to sellable stock.
    Resaleable,
    /// Damaged: to defective stock.
    Damaged,
}

impl ReturnCondition {
    /// The stock layer the item goes to.
    pub fn quality(self) -> Quality {
        match self {
            ReturnCondition::Resaleable => Quality::Sellable,
            ReturnCondition::Damaged => Quality::Defective,
        }
    }
}

impl ReturnCondition {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnCondition::Resaleable => "resaleable",
            ReturnCondition::Damaged => "damaged",
        }
    }
}

/// When the order's shipping fee is refunded with a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShippingRefund {
    /// Never.
    Never,
    /// With the return that brings back the last unit sold.
    FullReturn,
    /// With a full return, or with the first return of an item the brand is at fault for
    /// (quality, not as described).
    #[default]
    SellerFault,
}

/// The return window of one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnWindow {
    /// The channel the order was sold on.
    pub channel: Channel,
    /// Days after the order during which a store takes it back (0: never at a store).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 365))]
    pub days: u32,
}

/// Most final-sale codes the policy holds.
pub const MAX_FINAL_SALE_CODES: usize = 2_000;

/// HQ's return policy (`GET/PUT /api/v1/settings/return-policy`). The refund above which a
/// manager must approve is [`crate::rules::BusinessRules::return_manager_limit_fen`], which
/// devices also need offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnPolicy {
    /// Return window of a channel not listed in `windows` (days after the order).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 365))]
    pub default_window_days: u32,
    /// Windows per channel, each channel at most once.
    #[serde(default)]
    pub windows: Vec<ReturnWindow>,
    /// Final-sale / clearance SKU or style codes: never returnable at a store.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 2000))]
    pub final_sale: Vec<String>,
    /// When the shipping fee is refunded.
    #[serde(default)]
    pub shipping_refund: ShippingRefund,
}

impl Default for ReturnPolicy {
    fn default() -> Self {
        ReturnPolicy {
            default_window_days: 30,
            windows: Vec::new(),
            final_sale: Vec::new(),
            shipping_refund: ShippingRefund::SellerFault,
        }
    }
}

/// A return policy HQ may not store: what is wrong, in English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct PolicyError {
    /// The JSON path of the offending field.
    pub field: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl ReturnPolicy {
    /// Checks the policy before it is stored.
    pub fn check(&self) -> Result<(), PolicyError> {
        let err = |field: String, message: String| Err(PolicyError { field, message });
        if self.default_window_days > 365 {
            return err("default_window_days".into(), "must be 0 to 365 days".into());
        }
        for (i, w) in self.windows.iter().enumerate() {
            if w.days > 365 {
                return err(format!("windows[{i}].days"), "must be 0 to 365 days".into());
            }
            if self.windows[..i].iter().any(|o| o.channel == w.channel) {
                return err(format!("windows[{i}].channel"), format!("{} is listed twice", w.channel.as_str()));
            }
        }
        if self.final_sale.len() > MAX_FINAL_SALE_CODES {
            return err("final_sale".into(), format!("at most {MAX_FINAL_SALE_CODES} codes"));
        }
        for (i, c) in self.final_sale.iter().enumerate() {
            if c.trim().is_empty() || c.trim() != c || c.chars().count() > 64 {
                return err(format!("final_sale[{i}]"), "a SKU or style code of 1 to 64 characters".into());
            }
        }
        Ok(())
    }

    /// The return window of a channel, in days.
    pub fn window_days(&self, channel: Channel) -> u32 {
        self.windows.iter().find(|w| w.channel == channel).map_or(self.default_window_days, |w| w.days)
    }

    /// The last moment an order sold on `channel` at `ordered_at` may be returned.
    pub fn return_by(&self, channel: Channel, ordered_at: DateTime<Utc>) -> DateTime<Utc> {
        ordered_at + Duration::days(i64::from(self.window_days(channel)))
    }

    /// Whether a SKU (of a style) is final sale.
    pub fn is_final_sale(&self, sku_code: &str, style_code: &str) -> bool {
        self.final_sale.iter().any(|c| c == sku_code || c == style_code)
    }
}

/// How an associate looks an order up at the counter (`GET /api/v1/sync/order-lookup`);
/// exactly one way per look-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case", deny_unknown_fields)]
pub enum OrderLookup {
    /// What was scanned or typed: the receipt's QR ([`order_qr_payload`]), an order id, or a
    /// channel order number (which may match on several channels).
    Code {
        /// The code.
        code: String,
    },
    /// A channel's order number on that channel.
    ChannelOrder {
        /// The channel.
        channel: Channel,
        /// Its order number.
        channel_order_id: String,
    },
    /// The customer's phone's last four digits and their name as on the order.
    Phone {
        /// Last four digits.
        phone_tail: String,
        /// The name on the order.
        name: String,
    },
}

/// One line of an order as the return counter sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnableLine {
    /// The order's line number.
    pub line_no: u32,
    /// SKU code.
    pub sku_code: String,
    /// Its style.
    pub style_code: String,
    /// The style's name.
    pub name: String,
    /// Colour.
    pub colour: String,
    /// Size.
    pub size: String,
    /// Units sold (ordered and not left unrouted or cancelled).
    pub sold: i64,
    /// Units already returned.
    pub returned: i64,
    /// Price per unit before discounts.
    pub unit_price: Fen,
    /// The line's share of the order's discounts.
    pub discount: Fen,
    /// What the customer paid for the line's sold units.
    pub paid: Fen,
    /// Final sale / clearance: not returnable.
    pub final_sale: bool,
}

impl ReturnableLine {
    /// Units that may still come back.
    pub fn returnable(&self) -> i64 {
        if self.final_sale {
            0
        } else {
            (self.sold - self.returned).max(0)
        }
    }
}

/// An order found at the return counter, with what the store may still take back. The
/// customer's phone and address are masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnableOrder {
    /// Order id.
    pub order_id: Uuid,
    /// Selling channel.
    pub channel: Channel,
    /// The channel's order number.
    pub channel_order_id: String,
    /// Status.
    pub status: OrderStatus,
    /// When it was ordered.
    pub ordered_at: DateTime<Utc>,
    /// The last moment it may be returned under the channel's window.
    pub return_by: DateTime<Utc>,
    /// The store that sold it (endless-aisle and store orders), if any.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub selling_store: Option<String>,
    /// The associate credited with the sale, if any.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub associate_id: Option<String>,
    /// The customer's name, masked (张*).
    pub customer_name: String,
    /// The customer's phone, masked (138****5678).
    pub customer_phone: String,
    /// The delivery address, masked.
    pub customer_address: String,
    /// Shipping fee the customer paid.
    pub shipping_fee: Fen,
    /// Shipping already refunded.
    pub shipping_refunded: Fen,
    /// Lines.
    pub lines: Vec<ReturnableLine>,
}

/// The look-up's answer: the orders that match (several for a phone search or a number used
/// on several channels), newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLookupAnswer {
    /// Matching orders, newest first, at most 20.
    pub orders: Vec<ReturnableOrder>,
    /// HQ's shipping-refund rule ([`ReturnPolicy::shipping_refund`]), so the device's refund
    /// preview ([`quote`]) uses the rule the server books with.
    #[serde(default)]
    pub shipping_refund: ShippingRefund,
}

/// One line the associate wants to take back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReturnAsk {
    /// The order's line number.
    pub line_no: u32,
    /// Units.
    pub qty: i64,
    /// Why.
    pub reason: ReturnReason,
}

/// The refund for one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotedLine {
    /// The order's line number.
    pub line_no: u32,
    /// SKU code.
    pub sku_code: String,
    /// Units refunded (at most what was returnable).
    pub qty: i64,
    /// Refund for them.
    pub refund: Fen,
}

/// The refund for a return, before or after it is booked.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundQuote {
    /// Per line.
    pub lines: Vec<QuotedLine>,
    /// Refund for the goods: the sum of the lines.
    pub goods: Fen,
    /// Shipping refunded with this return.
    pub shipping: Fen,
    /// Goods and shipping.
    pub total: Fen,
}

/// Why (part of) a return cannot be refunded as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReturnProblem {
    /// The line is not on the order.
    #[error("line {line_no} is not on this order")]
    UnknownLine {
        /// The line asked for.
        line_no: u32,
    },
    /// More units than may still come back.
    #[error("line {line_no}: {asked} unit(s) asked, {left} still returnable")]
    MoreThanReturnable {
        /// The line.
        line_no: u32,
        /// Units asked.
        asked: i64,
        /// Units still returnable.
        left: i64,
    },
    /// A final-sale SKU.
    #[error("line {line_no} ({sku_code}) is final sale and cannot be returned")]
    FinalSale {
        /// The line.
        line_no: u32,
        /// Its SKU.
        sku_code: String,
    },
    /// The channel's return window has closed.
    #[error("the return window closed on {return_by}")]
    WindowClosed {
        /// When it closed.
        return_by: DateTime<Utc>,
    },
    /// The order was cancelled: nothing was sold.
    #[error("the order was cancelled")]
    OrderCancelled,
}

impl ReturnProblem {
    /// The stable code HQ's follow-ups and the UI's catalogue use.
    pub fn code(&self) -> &'static str {
        match self {
            ReturnProblem::UnknownLine { .. } => "unknown_line",
            ReturnProblem::MoreThanReturnable { .. } => "more_than_returnable",
            ReturnProblem::FinalSale { .. } => "final_sale",
            ReturnProblem::WindowClosed { .. } => "return_window_closed",
            ReturnProblem::OrderCancelled => "order_cancelled",
        }
    }
}

/// The refund for taking back `asks` from `order` at `now` under `shipping`: what may come
/// back is refunded (never more than still returnable, never a final-sale line, nothing once
/// the window closed or for a cancelled order) and everything else is listed as a problem.
/// The line refunds are exact: each is the line's paid amount prorated with cumulative
/// rounding, so what all returns of a line refund sums to what was paid for it.
pub fn quote(
    order: &ReturnableOrder,
    asks: &[ReturnAsk],
    shipping: ShippingRefund,
    now: DateTime<Utc>,
) -> (RefundQuote, Vec<ReturnProblem>) {
    let mut problems = Vec::new();
    if order.status == OrderStatus::Cancelled {
        problems.push(ReturnProblem::OrderCancelled);
        return (RefundQuote::default(), problems);
    }
    if now > order.return_by {
        problems.push(ReturnProblem::WindowClosed { return_by: order.return_by });
        return (RefundQuote::default(), problems);
    }
    let mut out = RefundQuote::default();
    // Units taken in this return per line, so two asks of one line add up.
    let mut taken: Vec<(u32, i64)> = Vec::new();
    let mut seller_fault = false;
    for ask in asks {
        let Some(line) = order.lines.iter().find(|l| l.line_no == ask.line_no) else {
            problems.push(ReturnProblem::UnknownLine { line_no: ask.line_no });
            continue;
        };
        if line.final_sale {
            problems.push(ReturnProblem::FinalSale { line_no: line.line_no, sku_code: line.sku_code.clone() });
            continue;
        }
        let before = taken.iter().find(|(n, _)| *n == line.line_no).map_or(0, |(_, q)| *q);
        let left = line.returnable() - before;
        let qty = ask.qty.max(0).min(left);
        if ask.qty > left {
            problems.push(ReturnProblem::MoreThanReturnable { line_no: line.line_no, asked: ask.qty, left });
        }
        if qty == 0 {
            continue;
        }
        let refund = line_refund(line.paid.0, line.sold, line.returned + before, qty);
        match taken.iter_mut().find(|(n, _)| *n == line.line_no) {
            Some(t) => t.1 += qty,
            None => taken.push((line.line_no, qty)),
        }
        seller_fault |= ask.reason.seller_at_fault();
        out.goods.0 += refund;
        out.lines.push(QuotedLine { line_no: line.line_no, sku_code: line.sku_code.clone(), qty, refund: Fen(refund) });
    }
    let all_back = order.lines.iter().all(|l| {
        let now_taken = taken.iter().find(|(n, _)| *n == l.line_no).map_or(0, |(_, q)| *q);
        l.returned + now_taken >= l.sold
    });
    let owed_shipping = (order.shipping_fee.0 - order.shipping_refunded.0).max(0);
    let refund_shipping = !out.lines.is_empty()
        && match shipping {
            ShippingRefund::Never => false,
            ShippingRefund::FullReturn => all_back,
            ShippingRefund::SellerFault => all_back || seller_fault,
        };
    if refund_shipping {
        out.shipping = Fen(owed_shipping);
    }
    out.total = Fen(out.goods.0 + out.shipping.0);
    (out, problems)
}

/// What the QR on a receipt encodes for an order: scanned at the return counter, it finds
/// the order without typing.
pub fn order_qr_payload(order_id: Uuid) -> String {
    format!("OMNI-ORDER|{order_id}")
}

/// What a return receipt's QR encodes.
pub fn return_qr_payload(return_id: Uuid) -> String {
    format!("OMNI-RETURN|{return_id}")
}

/// A scanned or typed order code: an order id (from our QR or typed) or a channel number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderCode {
    /// Our order id.
    Id(Uuid),
    /// A channel's order number (which channel is not known from the number alone).
    ChannelNumber(String),
}

/// Reads a scanned or typed order code. `None` for a blank code.
pub fn parse_order_code(code: &str) -> Option<OrderCode> {
    let code = code.trim();
    if code.is_empty() {
        return None;
    }
    let id = code.strip_prefix("OMNI-ORDER|").unwrap_or(code);
    match Uuid::parse_str(id) {
        Ok(id) => Some(OrderCode::Id(id)),
        Err(_) => Some(OrderCode::ChannelNumber(code.to_string())),
    }
}

/// The customer's name masked for the counter: the first character, then `*` (张* / J***).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.count().clamp(1, 3);
            format!("{first}{}", "*".repeat(rest))
        }
        None => String::new(),
    }
}

/// A phone number masked for the counter: the first three and last four digits (138****5678);
/// short numbers keep only their last two.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() >= 11 {
        let head: String = digits[..3].iter().collect();
        let tail: String = digits[digits.len() - 4..].iter().collect();
        format!("{head}****{tail}")
    } else if digits.len() > 2 {
        let tail: String = digits[digits.len() - 2..].iter().collect();
        format!("{}{tail}", "*".repeat(digits.len() - 2))
    } else {
        "*".repeat(digits.len())
    }
}

/// An address masked for the counter: its first six characters (the city or district),
/// then `****`; empty stays empty.
pub fn mask_address(address: &str) -> String {
    let address = address.trim();
    if address.is_empty() {
        return String::new();
    }
    let head: String = address.chars().take(6).collect();
    format!("{head}****")
}

/// The last four digits of a phone number, as the phone search matches them.
pub fn phone_tail(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    digits[digits.len().saturating_sub(4)..].iter().collect()
}

/// How the customer's refund for a return stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RefundState {
    /// Sent to the channel, not yet confirmed.
    Requested,
    /// The channel confirmed the refund.
    Confirmed,
    /// No refund is due (nothing matched, or the return is being followed up by HQ).
    NotDue,
}

/// A return this store recorded, as its devices follow it
/// (`GET /api/v1/sync/returns/{return_id}`; only returns of the asking store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnStatus {
    /// Return id.
    pub return_id: Uuid,
    /// The order it was matched to, if any.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub order_id: Option<Uuid>,
    /// The refund booked.
    pub refund: Fen,
    /// Where the refund stands.
    pub refund_state: RefundState,
    /// The follow-up HQ has for it (a conflict code), if any.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub problem: Option<String>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// A refund for the channel to pay back (`POST /api/v1/refunds/claim`): one per return that
/// refunds anything, queued in the same transaction as the return. A claim holds it for a
/// lease; the channel integration acknowledges it by `return_id` once the channel took it,
/// and dedupes by `return_id` (delivery is at least once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundInstruction {
    /// The return: acknowledge with it, dedupe by it.
    pub return_id: Uuid,
    /// The original order.
    pub order_id: Uuid,
    /// The channel that takes the refund back to the customer (the order's channel).
    pub channel: Channel,
    /// The channel's order number.
    pub channel_order_id: String,
    /// The store that took the goods back.
    pub store_code: String,
    /// Refund per order line.
    pub lines: Vec<QuotedLine>,
    /// Refund for the goods.
    pub goods: Fen,
    /// Shipping refunded.
    pub shipping: Fen,
    /// What the channel pays back: goods and shipping.
    pub amount: Fen,
    /// When the return was booked.
    pub created_at: DateTime<Utc>,
}

/// One entry of an order's attribution (业绩归属): sales credit, a fulfillment fee, or their
/// reversal by a return or a cancellation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttributionEntry {
    /// `channel`, `associate` or `store`.
    pub party_kind: String,
    /// Who: the channel's name, the associate's staff id, the store's code.
    pub party: String,
    /// Amount in fen (negative for reversals).
    pub amount: Fen,
    /// `sale`, `fulfillment_fee`, `return` (a sale reversed for returned units), `unrouted`
    /// (a sale reversed for units no node could take), `fulfillment_fee_return` (a fee
    /// reversed) or `cancel`.
    pub reason: String,
    /// What caused it: the order, fulfillment order or return id.
    pub reference: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// What one party is credited with for an order, all entries summed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttributionTotal {
    /// `channel`, `associate` or `store`.
    pub party_kind: String,
    /// Who.
    pub party: String,
    /// Net amount in fen.
    pub amount: Fen,
}

/// An order's attribution as HQ reads it (`GET /api/v1/orders/{id}/attribution`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderAttribution {
    /// The order.
    pub order_id: Uuid,
    /// Every entry, oldest first.
    pub entries: Vec<AttributionEntry>,
    /// Net per party, by kind and party.
    pub totals: Vec<AttributionTotal>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(s, 0).unwrap()
    }

    fn line(line_no: u32, sold: i64, returned: i64, unit: i64, discount: i64) -> ReturnableLine {
        ReturnableLine {
            line_no,
            sku_code: format!("SKU-{line_no}"),
            style_code: "ST".into(),
            name: "Tee".into(),
            colour: "White".into(),
            size: "M".into(),
            sold,
            returned,
            unit_price: Fen(unit),
            discount: Fen(discount),
            paid: Fen(unit * sold - discount),
            final_sale: false,
        }
    }

    fn order(lines: Vec<ReturnableLine>, shipping: i64) -> ReturnableOrder {
        ReturnableOrder {
            order_id: Uuid::from_u128(1),
            channel: Channel::Tmall,
            channel_order_id: "T1".into(),
            status: OrderStatus::Completed,
            ordered_at: at(0),
            return_by: at(30 * 86_400),
            selling_store: None,
            associate_id: None,
            customer_name: "张*".into(),
            customer_phone: "138****5678".into(),
            customer_address: String::new(),
            shipping_fee: Fen(shipping),
            shipping_refunded: Fen(0),
            lines,
        }
    }

    fn ask(line_no: u32, qty: i64, reason: ReturnReason) -> ReturnAsk {
        ReturnAsk { line_no, qty, reason }
    }

    #[test]
    fn refunds_prorate_and_refuse_what_is_not_returnable() {
        let mut o = order(vec![line(1, 3, 0, 10_000, 1_000), line(2, 1, 0, 5_000, 0)], 1_000);
        o.lines[1].final_sale = true;
        let (q, problems) = quote(
            &o,
            &[ask(1, 4, ReturnReason::Size), ask(2, 1, ReturnReason::Size), ask(9, 1, ReturnReason::Size)],
            ShippingRefund::SellerFault,
            at(1),
        );
        assert_eq!(q.lines.len(), 1);
        assert_eq!(q.lines[0].qty, 3);
        assert_eq!(q.goods, Fen(29_000));
        assert_eq!(q.shipping, Fen(0), "the final-sale line is still out: not a full return");
        let codes: Vec<_> = problems.iter().map(ReturnProblem::code).collect();
        assert_eq!(codes, ["more_than_returnable", "final_sale", "unknown_line"]);
    }

    #[test]
    fn shipping_follows_the_rule() {
        let o = order(vec![line(1, 2, 0, 10_000, 0)], 800);
        let one = [ask(1, 1, ReturnReason::Size)];
        let all = [ask(1, 2, ReturnReason::ChangedMind)];
        let fault = [ask(1, 1, ReturnReason::Quality)];
        assert_eq!(quote(&o, &all, ShippingRefund::Never, at(1)).0.shipping, Fen(0));
        assert_eq!(quote(&o, &one, ShippingRefund::FullReturn, at(1)).0.shipping, Fen(0));
        assert_eq!(quote(&o, &all, ShippingRefund::FullReturn, at(1)).0.total, Fen(20_800));
        assert_eq!(quote(&o, &fault, ShippingRefund::SellerFault, at(1)).0.shipping, Fen(800));
        let mut refunded = o.clone();
        refunded.shipping_refunded = Fen(800);
        assert_eq!(quote(&refunded, &all, ShippingRefund::FullReturn, at(1)).0.shipping, Fen(0));
    }

    #[test]
    fn closed_window_and_cancelled_orders_refund_nothing() {
        let o = order(vec![line(1, 1, 0, 100, 0)], 0);
        let (q, p) = quote(&o, &[ask(1, 1, ReturnReason::Size)], ShippingRefund::Never, at(31 * 86_400));
        assert_eq!((q.total, p[0].code()), (Fen(0), "return_window_closed"));
        let mut c = o.clone();
        c.status = OrderStatus::Cancelled;
        assert_eq!(
            quote(&c, &[ask(1, 1, ReturnReason::Size)], ShippingRefund::Never, at(1)).1[0].code(),
            "order_cancelled"
        );
    }

    #[test]
    fn policy_checks_and_windows() {
        let mut p = ReturnPolicy::default();
        p.windows.push(ReturnWindow { channel: Channel::Tmall, days: 7 });
        p.final_sale.push("CLEAR-1".into());
        assert!(p.check().is_ok());
        assert_eq!(p.window_days(Channel::Tmall), 7);
        assert_eq!(p.window_days(Channel::Jd), 30);
        assert!(p.is_final_sale("X", "CLEAR-1") && !p.is_final_sale("X", "Y"));
        p.windows.push(ReturnWindow { channel: Channel::Tmall, days: 9 });
        assert_eq!(p.check().unwrap_err().field, "windows[1].channel");
        let bad = ReturnPolicy { final_sale: vec![" x".into()], ..ReturnPolicy::default() };
        assert_eq!(bad.check().unwrap_err().field, "final_sale[0]");
    }

    #[test]
    fn codes_and_masks() {
        let id = Uuid::from_u128(7);
        assert_eq!(parse_order_code(&order_qr_payload(id)), Some(OrderCode::Id(id)));
        assert_eq!(parse_order_code(&id.to_string()), Some(OrderCode::Id(id)));
        assert_eq!(parse_order_code(" 4912 "), Some(OrderCode::ChannelNumber("4912".into())));
        assert_eq!(parse_order_code("  "), None);
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("张"), "张*");
        assert_eq!(mask_phone("138-1234-5678"), "138****5678");
        assert_eq!(mask_phone("12345"), "***45");
        assert_eq!(mask_address("上海市黄浦区南京东路1号"), "上海市黄浦区****");
        assert_eq!(phone_tail("13812345678"), "5678");
    }

    proptest! {
        /// However a line is returned in pieces, the refunds never exceed what was paid and
        /// returning everything gives back exactly what was paid, shipping once.
        #[test]
        fn refunds_never_exceed_paid_and_sum_exactly(
            units in proptest::collection::vec((1i64..6, 1i64..100_000, 0i64..100), 1..5),
            shipping in 0i64..2_000,
            cuts in proptest::collection::vec((0usize..5, 1i64..4), 0..12),
        ) {
            let lines: Vec<ReturnableLine> = units.iter().enumerate().map(|(i, (sold, unit, pct))| {
                let discount = unit * sold * pct / 100;
                line(i as u32 + 1, *sold, 0, *unit, discount)
            }).collect();
            let paid: i64 = lines.iter().map(|l| l.paid.0).sum();
            let mut o = order(lines, shipping);
            let mut refunded = 0;
            let mut returns = cuts.iter().map(|(l, q)| vec![ask((*l % units.len()) as u32 + 1, *q, ReturnReason::ChangedMind)]).collect::<Vec<_>>();
            returns.push(o.lines.iter().map(|l| ask(l.line_no, l.sold, ReturnReason::ChangedMind)).collect());
            for asks in returns {
                let (q, _) = quote(&o, &asks, ShippingRefund::FullReturn, at(1));
                prop_assert_eq!(q.goods.0, q.lines.iter().map(|l| l.refund.0).sum::<i64>());
                for ql in &q.lines {
                    let l = o.lines.iter_mut().find(|l| l.line_no == ql.line_no).unwrap();
                    l.returned += ql.qty;
                    prop_assert!(l.returned <= l.sold);
                }
                o.shipping_refunded.0 += q.shipping.0;
                refunded += q.total.0;
                prop_assert!(refunded <= paid + shipping);
            }
            prop_assert_eq!(refunded, paid + shipping);
        }
    }
}
