//! The return counter's order look-up: which order the customer brings back, and what of
//! it the store may still take back.
//!
//! Any store's device may look up any order (returns are cross-store), so the answer holds
//! only what [`ReturnableOrder`] holds, with the customer's name, phone and address masked.
//! The same [`ReturnableOrder`], built here from the server's own rows, is what a return is
//! booked against with [`shared::returns::quote`]: the refund the device previews from the
//! look-up is the refund the server books.

use super::{ErrorKind, ServiceError};
use crate::storage::orders::{self, OrderRow};
use crate::storage::{catalogue, returns, Tx};
use shared::order::{line_refund, Channel};
use shared::returns::{
    mask_address, mask_name, mask_phone, parse_order_code, phone_tail, OrderCode, OrderLookup, OrderLookupAnswer,
    ReturnPolicy, ReturnableLine, ReturnableOrder,
};
use shared::Fen;
use std::collections::HashMap;
use uuid::Uuid;

/// Most orders one look-up answers with.
pub const MAX_RESULTS: usize = 20;
/// Orders in one customer name scanned for the phone's last digits.
const NAME_SCAN: u32 = 500;
/// Longest code a look-up takes (a receipt's QR payload is 47 characters).
const MAX_CODE: usize = 100;

fn bad(message: impl Into<String>) -> ServiceError {
    ServiceError::new(ErrorKind::BadRequest, "invalid_query", message)
}

fn text(field: &str, value: &str, max: usize) -> Result<String, ServiceError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(bad(format!("{field} must be 1 to {max} characters")));
    }
    Ok(v.to_string())
}

/// The look-up a query asks for: exactly one of `code`; `channel` with `channel_order_id`;
/// `phone_tail` (four digits) with `name`. Anything else is 400 invalid_query.
pub fn lookup_form(
    code: Option<&str>,
    channel: Option<&str>,
    channel_order_id: Option<&str>,
    phone_tail: Option<&str>,
    name: Option<&str>,
) -> Result<OrderLookup, ServiceError> {
    const FORMS: &str = "look an order up by exactly one of: code; channel with channel_order_id; phone_tail with name";
    match (code, channel, channel_order_id, phone_tail, name) {
        (Some(code), None, None, None, None) => Ok(OrderLookup::Code { code: text("code", code, MAX_CODE)? }),
        (None, Some(channel), Some(number), None, None) => {
            let channel = Channel::parse(channel.trim()).ok_or_else(|| {
                bad(format!("channel {channel:?} is not one of tmall, jd, douyin, mini_program, store"))
            })?;
            Ok(OrderLookup::ChannelOrder { channel, channel_order_id: text("channel_order_id", number, 64)? })
        }
        (None, None, None, Some(tail), Some(name)) => {
            let tail = tail.trim();
            if tail.len() != 4 || !tail.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad("phone_tail must be the last four digits of the customer's phone"));
            }
            Ok(OrderLookup::Phone { phone_tail: tail.to_string(), name: text("name", name, 100)? })
        }
        _ => Err(bad(FORMS)),
    }
}

/// The orders a look-up finds, newest first, at most [`MAX_RESULTS`], as the counter sees
/// them; 404 order_not_found when none matches.
pub fn lookup(tx: &mut dyn Tx, form: &OrderLookup) -> Result<OrderLookupAnswer, ServiceError> {
    let ids: Vec<Uuid> = match form {
        OrderLookup::Code { code } => match parse_order_code(code) {
            Some(OrderCode::Id(id)) => orders::order(tx, id)?.map(|o| o.id).into_iter().collect(),
            Some(OrderCode::ChannelNumber(n)) => returns::orders_by_channel_number(tx, &n, MAX_RESULTS as u32)?,
            None => Vec::new(),
        },
        OrderLookup::ChannelOrder { channel, channel_order_id } => {
            orders::order_by_channel(tx, *channel, channel_order_id)?.map(|o| o.id).into_iter().collect()
        }
        OrderLookup::Phone { phone_tail: tail, name } => returns::orders_by_customer_name(tx, name, NAME_SCAN)?
            .into_iter()
            .filter(|(_, phone)| phone_tail(phone) == *tail)
            .map(|(id, _)| id)
            .take(MAX_RESULTS)
            .collect(),
    };
    let policy = super::settings::return_policy(tx)?;
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(o) = orders::order(tx, id)? {
            found.push(returnable_order(tx, &o, &policy)?);
        }
    }
    if found.is_empty() {
        return Err(ServiceError::new(
            ErrorKind::NotFound,
            "order_not_found",
            "no order matches; check the number (or the phone's last four digits and the name on the order), or take the goods back against the receipt",
        ));
    }
    Ok(OrderLookupAnswer { orders: found, shipping_refund: policy.shipping_refund })
}

/// How a look-up is written to the log: the form (`code`, `channel_order`, `phone`) and what
/// was asked, never the customer's phone or name. A mobile number typed or scanned into the
/// code field, in whatever spelling (`+86 138 1234 5678`, `138-1234-5678`), is masked.
pub fn logged_query(form: &OrderLookup) -> (&'static str, String) {
    match form {
        OrderLookup::Code { code } => match shared::aisle::normalise_mobile(code) {
            Some(mobile) => ("code", mask_phone(&mobile)),
            None => ("code", code.clone()),
        },
        OrderLookup::ChannelOrder { channel, channel_order_id } => {
            ("channel_order", format!("{}:{channel_order_id}", channel.as_str()))
        }
        OrderLookup::Phone { .. } => ("phone", String::new()),
    }
}

/// An order as the return counter sees it under `policy`, from the server's rows: what was
/// sold and returned per line, what was paid, what is final sale, and the window. The
/// customer's details are masked.
pub fn returnable_order(tx: &mut dyn Tx, o: &OrderRow, policy: &ReturnPolicy) -> Result<ReturnableOrder, ServiceError> {
    let money = returns::order_money(tx, o.id)?;
    let gone = returns::units_gone(tx, o.id)?;
    let mut styles: HashMap<String, String> = HashMap::new();
    let mut lines = Vec::new();
    for l in orders::order_lines(tx, o.id)? {
        let sku = catalogue::sku(tx, &l.sku_code)?;
        let (style_code, colour, size) = sku
            .map(|s| (s.style_code, s.colour, s.size))
            .unwrap_or_else(|| (String::new(), String::new(), String::new()));
        let name = match styles.get(&style_code) {
            Some(n) => n.clone(),
            None => {
                let n = catalogue::style(tx, &style_code)?.map(|s| s.name).unwrap_or_default();
                styles.insert(style_code.clone(), n.clone());
                n
            }
        };
        // Sold: the units whose goods left a node (picked up, dispatched, delivered). Units
        // still being fulfilled, rejected, cancelled or left unrouted never reached the
        // customer and cannot be taken back (an offline return of them is booked into
        // stock and flagged, not refunded).
        let left = gone.iter().find(|(n, _)| *n == l.line_no).map_or(0, |(_, u)| *u);
        let sold = left.min(l.qty - l.unrouted_qty).max(0);
        // What was paid for the units sold: the line's price less its discount, prorated
        // over its units.
        let paid = line_refund(l.unit_price.0 * l.qty - l.discount.0, l.qty, 0, sold);
        lines.push(ReturnableLine {
            line_no: l.line_no,
            final_sale: policy.is_final_sale(&l.sku_code, &style_code),
            sku_code: l.sku_code,
            style_code,
            name,
            colour,
            size,
            sold,
            returned: l.returned_qty,
            unit_price: l.unit_price,
            discount: Fen(l.unit_price.0 * sold - paid),
            paid: Fen(paid),
        });
    }
    let ordered_at = crate::clock::at_ms(o.created_ms);
    Ok(ReturnableOrder {
        order_id: o.id,
        channel: o.channel,
        channel_order_id: o.channel_order_id.clone(),
        status: o.status,
        ordered_at,
        return_by: policy.return_by(o.channel, ordered_at),
        selling_store: o.placed_at_store.clone(),
        associate_id: o.associate_id.clone(),
        customer_name: mask_name(&o.customer_name),
        customer_phone: mask_phone(&o.customer_phone),
        customer_address: mask_address(&o.customer_address),
        shipping_fee: Fen(money.shipping_fee),
        shipping_refunded: Fen(money.shipping_refunded),
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_in_the_code_field_is_logged_masked_in_any_spelling() {
        for typed in ["13812345678", "+86 138 1234 5678", "138-1234-5678", "+8613812345678", "0086 13812345678"] {
            let (by, asked) = logged_query(&OrderLookup::Code { code: typed.to_string() });
            assert_eq!((by, asked.as_str()), ("code", "138****5678"), "{typed}");
        }
        let (_, asked) = logged_query(&OrderLookup::Code { code: "TM-20261123-0001".into() });
        assert_eq!(asked, "TM-20261123-0001", "an order number is logged as asked");
        let phone = OrderLookup::Phone { phone_tail: "5678".into(), name: "张三".into() };
        assert_eq!(logged_query(&phone), ("phone", String::new()));
    }
}
