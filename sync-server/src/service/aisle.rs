//! Endless aisle (门店缺货线上订 / 线下扫码，线上履约): what a store's device may read about
//! the network's stock of a style, the orders it placed, and the `PlaceOrder` op.
//!
//! An order placed at a store goes through the channel intake ([`super::intake`]): the same
//! validation, the same routing, the same reservations. What the store adds (the till's
//! payment reference, the return it exchanges goods for) is kept beside the order; the
//! sale is attributed to the store and the associate whoever fulfils it; the customer is
//! told the order number through the notification outbox. Each line is at the catalogue's
//! list price and the till's payment reference is required unless the order is an exchange.
//! A refusal says in one sentence what else is available, chosen by the device's own rule
//! ([`shared::aisle::alternatives`]), so the refusal and the device's offer agree.
//!
//! A `carry_out` order is a fact, not an intent: the customer already left with the goods
//! (an exchange at the counter, possibly offline). It is fulfilled by this store and handed
//! over at once ([`super::transitions::carry_out`]) with its stock movement even when the
//! shelf is short (`carry_out_short`, naming the orders whose reservations are now short so
//! HQ reroutes them), at the device's price when it differs from the catalogue's
//! (`price_mismatch`), without a payment reference (`payment_ref_missing`): each flagged for
//! HQ, the outcome `conflict`. Only what cannot be booked as told is refused: an unknown SKU,
//! malformed customer details, a carry-out that is not a pickup at this store, an exchange
//! of a return this store never recorded.

use super::intake::{self, Intake, PlacedBy};
use super::op_context::flag;
use super::op_context::OpContext;
use super::{transitions, ErrorKind, ServiceError};
use crate::storage::aisle::{self as store, PlacedOrderRow, StyleBalance, StyleSku};
use crate::storage::{catalogue, followups, ledger, orders, Tx};
use chrono::{DateTime, Utc};
use shared::aisle::{
    alternatives as offer, check_customer, cmp_sizes, normalise_mobile, NodeAvailability, PlacedFulfillment,
    PlacedOrderStatus, SkuAvailability, StyleAvailability, MAX_NODES_PER_SKU, MAX_PAYMENT_REF_CHARS,
};
use shared::catalogue::Style;
use shared::fulfillment::FulfillmentKind;
use shared::node::Node;
use shared::order::{Channel, ChannelOrderInput, Customer, OrderLineInput};
use shared::protocol::OpOutcome;
use shared::routing::Need;
use shared::stock::Quality;
use shared::Fen;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Whether a node can fulfil an order placed at a store at all: it ships, or it is a store
/// a customer can collect at. Other nodes' stock is not promisable to a customer.
fn promisable(n: &Node) -> bool {
    n.capabilities.ship || (n.kind.is_store() && n.capabilities.pickup)
}

/// Units of each SKU each node can promise, as `store` sees them: its own shelf with its
/// lease (safety stock included), every other promisable node without its safety stock.
fn promisable_units<'a>(
    store: &str,
    balances: &'a [StyleBalance],
    nodes: &HashMap<&str, &Node>,
) -> BTreeMap<&'a str, BTreeMap<&'a str, i64>> {
    let mut out: BTreeMap<&str, BTreeMap<&str, i64>> = BTreeMap::new();
    for b in balances {
        let units = if b.node_code == store {
            b.level.available_to_own_store()
        } else if nodes.get(b.node_code.as_str()).is_some_and(|n| promisable(n)) {
            b.level.available()
        } else {
            0
        };
        if units > 0 {
            out.entry(b.sku_code.as_str()).or_default().insert(b.node_code.as_str(), units);
        }
    }
    out
}

fn distance_m(from: Option<&Node>, to: &Node) -> u64 {
    from.map_or(0, |f| (f.location.distance_km(&to.location) * 1000.0).round().max(0.0) as u64)
}

fn sort_skus(skus: &mut [StyleSku]) {
    skus.sort_by(|a, b| a.colour.cmp(&b.colour).then_with(|| cmp_sizes(&a.size, &b.size)).then(a.code.cmp(&b.code)));
}

/// Builds the answer of the look-up from what storage read (pure, so the rules are tested
/// without a database).
fn availability_of(
    store: &str,
    style: Style,
    mut skus: Vec<StyleSku>,
    balances: &[StyleBalance],
    all_nodes: &[Node],
    now: DateTime<Utc>,
) -> StyleAvailability {
    let nodes: HashMap<&str, &Node> = all_nodes.iter().map(|n| (n.code.as_str(), n)).collect();
    let here_node = nodes.get(store).copied();
    let units = promisable_units(store, balances, &nodes);
    sort_skus(&mut skus);
    let skus = skus
        .into_iter()
        .map(|s| {
            let at = units.get(s.code.as_str());
            let here = at.and_then(|m| m.get(store)).copied().unwrap_or(0);
            let mut others: Vec<NodeAvailability> = at
                .into_iter()
                .flatten()
                .filter(|(code, _)| **code != store)
                .filter_map(|(code, n)| {
                    let node = nodes.get(code)?;
                    Some(NodeAvailability {
                        node_code: node.code.clone(),
                        name: node.name.clone(),
                        kind: node.kind,
                        city: node.city.clone(),
                        distance_m: distance_m(here_node, node),
                        available: *n,
                        pickup: node.kind.is_store() && node.capabilities.pickup,
                    })
                })
                .collect();
            let network = here + others.iter().map(|n| n.available).sum::<i64>();
            others.sort_by(|a, b| a.distance_m.cmp(&b.distance_m).then_with(|| a.node_code.cmp(&b.node_code)));
            others.truncate(MAX_NODES_PER_SKU);
            SkuAvailability { sku_code: s.code, colour: s.colour, size: s.size, here, network, nodes: others }
        })
        .collect();
    StyleAvailability { style_code: style.code, name: style.name, as_of: now, skus }
}

/// A style's live availability for `store`'s device: per SKU, this store's free units
/// (its lease included), the other nodes that can promise units, nearest first, and the
/// network total. Other nodes' on-hand, reservations and orders are not part of it.
pub fn style_availability(
    tx: &mut dyn Tx,
    store: &str,
    style_code: &str,
    now: DateTime<Utc>,
) -> Result<StyleAvailability, ServiceError> {
    let style = catalogue::style(tx, style_code)?.ok_or_else(|| {
        ServiceError::new(
            ErrorKind::NotFound,
            "style_not_found",
            format!("style {style_code:?} is not in the catalogue; scan the item again or search by style code"),
        )
    })?;
    let skus = store::style_skus(tx, &style.code)?;
    let balances = store::style_balances(tx, &style.code)?;
    let nodes = catalogue::all_nodes(tx)?;
    Ok(availability_of(store, style, skus, &balances, &nodes, now))
}

/// An order placed at `store`, as its devices follow it, by the id as the path gave it;
/// any other order (another store's, a channel's, an unknown or malformed id) is 404
/// `order_not_found`.
pub fn placed_order_status(
    tx: &mut dyn Tx,
    store: &str,
    order_id: &str,
    now: DateTime<Utc>,
) -> Result<PlacedOrderStatus, ServiceError> {
    let not_found = || {
        ServiceError::new(
            ErrorKind::NotFound,
            "order_not_found",
            format!("no order {order_id:?} was placed at this store"),
        )
    };
    let order_id = Uuid::parse_str(order_id).map_err(|_| not_found())?;
    let order =
        orders::order(tx, order_id)?.filter(|o| o.placed_at_store.as_deref() == Some(store)).ok_or_else(not_found)?;
    let unrouted = orders::order_lines(tx, order_id)?.iter().map(|l| l.unrouted_qty).sum();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut fulfillments = Vec::new();
    for f in orders::fulfillments_of_order(tx, order_id)? {
        if !names.contains_key(&f.node_code) {
            let name = catalogue::node(tx, &f.node_code)?.map(|n| n.name).unwrap_or_else(|| f.node_code.clone());
            names.insert(f.node_code.clone(), name);
        }
        let lines = orders::fulfillment_lines(tx, f.id)?.into_iter().map(|l| (l.sku_code, l.qty)).collect();
        fulfillments.push(PlacedFulfillment {
            node_name: names.get(&f.node_code).cloned().unwrap_or_default(),
            node_code: f.node_code,
            kind: f.kind,
            state: f.state,
            lines,
            carrier: f.carrier,
            tracking_no: f.tracking_no,
        });
    }
    Ok(PlacedOrderStatus { order_id, status: order.status, unrouted, fulfillments, as_of: now })
}

/// An endless-aisle order as the device sends it (`Op::PlaceOrder`).
pub struct PlaceOrder<'a> {
    /// Order id chosen by the device.
    pub order_id: Uuid,
    /// Ship, pickup or same-city.
    pub fulfillment: FulfillmentKind,
    /// The customer.
    pub customer: &'a Customer,
    /// Lines.
    pub lines: &'a [OrderLineInput],
    /// For pickup: where the customer collects (this store when absent).
    pub pickup_store: Option<&'a str>,
    /// The till's payment reference.
    pub payment_ref: &'a str,
    /// The customer takes the goods from this store's shelf now.
    pub carry_out: bool,
    /// The return this order exchanges goods for.
    pub exchange_of: Option<Uuid>,
}

/// A problem a carry-out is booked with and flagged for (an order still to be placed is
/// refused with it instead).
type Problem = (&'static str, String);

/// The store's business checks of the lines and the payment: each line at the SKU's list
/// price (an unknown SKU is the intake's to refuse), the till's payment reference unless the
/// order is an exchange.
fn business_problems(tx: &mut dyn Tx, p: &PlaceOrder<'_>) -> Result<Vec<Problem>, ServiceError> {
    let mut problems = Vec::new();
    for (i, l) in p.lines.iter().enumerate() {
        let Some(sku) = catalogue::sku(tx, &l.sku_code)? else { continue };
        // A price off the scale is malformed: the intake refuses it (invalid_price).
        if l.unit_price.0 >= 0 && l.unit_price != sku.list_price {
            problems.push((
                "price_mismatch",
                format!(
                    "line {} ({}): the catalogue price is {} ({} fen), the order says {}; a store sells at the list price (give a discount instead)",
                    i + 1,
                    sku.code,
                    sku.list_price,
                    sku.list_price.0,
                    l.unit_price
                ),
            ));
        }
    }
    if p.payment_ref.trim().is_empty() && p.exchange_of.is_none() {
        problems.push((
            if p.carry_out { "payment_ref_missing" } else { "payment_ref_required" },
            "the order carries no payment reference from the store's till; enter the till's reference".to_string(),
        ));
    }
    Ok(problems)
}

/// Checks what the op carries beyond the intake's own rules, and turns it into a channel
/// order of the store channel, with the business problems a carry-out is booked with (an
/// order still to be placed is refused with the first of them).
fn order_input(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    p: &PlaceOrder<'_>,
) -> Result<(ChannelOrderInput, Vec<Problem>), ServiceError> {
    check_customer(p.customer, p.fulfillment).map_err(|e| ServiceError::invalid(e.code(), e.to_string()))?;
    if p.payment_ref.chars().count() > MAX_PAYMENT_REF_CHARS {
        return Err(ServiceError::invalid(
            "invalid_payment_ref",
            format!("the till's payment reference is at most {MAX_PAYMENT_REF_CHARS} characters"),
        ));
    }
    let problems = business_problems(tx, p)?;
    if let (false, Some((code, message))) = (p.carry_out, problems.first()) {
        return Err(ServiceError::invalid(code, message.clone()));
    }
    let pickup_store = match (p.fulfillment, p.pickup_store) {
        (FulfillmentKind::Pickup, s) => Some(s.unwrap_or(ctx.store).to_string()),
        (_, None) => None,
        (_, Some(_)) => {
            return Err(ServiceError::invalid(
                "invalid_pickup_store",
                "pickup_store is for pickup orders; a delivery goes to the customer's address",
            ))
        }
    };
    if p.carry_out && (p.fulfillment != FulfillmentKind::Pickup || pickup_store.as_deref() != Some(ctx.store)) {
        return Err(ServiceError::invalid(
            "invalid_carry_out",
            "a carry-out order is a pickup at this store: the customer takes the goods now",
        ));
    }
    if let Some(r) = p.exchange_of {
        if store::return_store(tx, r)?.as_deref() != Some(ctx.store) {
            return Err(ServiceError::invalid(
                "exchange_return_not_found",
                format!("exchange_of names return {r}, which this store has not recorded; record the return first"),
            ));
        }
    }
    let mut customer = p.customer.clone();
    customer.name = customer.name.trim().to_string();
    customer.address = customer.address.trim().to_string();
    // Checked above: the notifications need the plain 11-digit number.
    customer.phone = normalise_mobile(&customer.phone).unwrap_or_default();
    if customer.location.is_none() && p.fulfillment != FulfillmentKind::Pickup {
        // The device has no geocoder: a delivery is routed from the store the customer is in.
        customer.location = catalogue::node(tx, ctx.store)?.map(|n| n.location);
    }
    let input = ChannelOrderInput {
        channel: Channel::Store,
        channel_order_id: p.order_id.to_string(),
        fulfillment: p.fulfillment,
        customer,
        pickup_store,
        associate_id: Some(ctx.staff_id.to_string()),
        lines: p.lines.to_vec(),
        shipping_fee: Fen(0),
        campaign: None,
        presale: None,
        employee_id: None,
    };
    Ok((input, problems))
}

/// Applies `PlaceOrder`. An intent: a problem is a rejected outcome (its code stable, its
/// message one sentence on what else is available) and nothing is written. A carry-out: a
/// fact, booked whole; a short shelf, another price or no payment reference is flagged for
/// HQ and the outcome is `conflict` (malformed input is still refused).
pub fn place_order(tx: &mut dyn Tx, ctx: &OpContext<'_>, p: &PlaceOrder<'_>) -> Result<OpOutcome, ServiceError> {
    let (input, mut problems) = order_input(tx, ctx, p)?;
    let placed = PlacedBy { store: Some(ctx.store.to_string()), order_id: Some(p.order_id), carry_out: p.carry_out };
    let extra = PlacedOrderRow {
        order_id: p.order_id,
        store_code: ctx.store.to_string(),
        staff_id: ctx.staff_id.to_string(),
        payment_ref: p.payment_ref.trim().to_string(),
        carry_out: p.carry_out,
        exchange_of: p.exchange_of,
        created_ms: ctx.now,
    };
    let result = match intake::try_intake(tx, &input, &placed)? {
        Intake::Done(r) => r,
        Intake::Short { unplaced, at } => {
            // Never for a carry-out: its lines are booked at this store whatever it holds.
            let scope = match &at {
                Some(node) => Scope::Node(node.clone()),
                None => Scope::Network,
            };
            // A delivery may be split, so what is left is the remainder: name the whole line.
            let asked: Vec<Need> = unplaced
                .iter()
                .map(|u| {
                    let line = (u.line_no as usize).checked_sub(1).and_then(|i| p.lines.get(i));
                    Need { qty: line.map_or(u.qty, |l| l.qty.get()), ..u.clone() }
                })
                .collect();
            let pickup = p.fulfillment == FulfillmentKind::Pickup;
            return Err(ServiceError::conflict("insufficient_stock", refusal(tx, ctx, &asked, &scope, pickup)?));
        }
    };
    if !result.created {
        // The same order sent again under another op id: the same answer, written once. (An
        // order placed before the server kept these extras has none to compare.)
        return match store::placed_order(tx, p.order_id)? {
            None => Ok(OpOutcome::Applied),
            Some(prev) if PlacedOrderRow { created_ms: prev.created_ms, ..extra.clone() } == prev => {
                Ok(OpOutcome::Applied)
            }
            _ => Err(ServiceError::conflict(
                "order_conflict",
                format!("order id {} is already used with other content", p.order_id),
            )),
        };
    }
    store::insert_placed_order(tx, &extra)?;
    notify_placed(tx, ctx, &input, p)?;
    if p.carry_out {
        for f in &result.order.fulfillment_orders {
            transitions::carry_out(tx, ctx, f.id)?;
        }
    }
    if !result.unreserved.is_empty() {
        problems.insert(0, ("carry_out_short", short_shelf(tx, ctx, &result.unreserved)?));
    }
    let Some((code, _)) = problems.first() else { return Ok(OpOutcome::Applied) };
    let code = *code;
    let message = problems.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join(" ");
    for (code, message) in problems.iter().cloned() {
        flag(tx, ctx, None, Some(p.order_id), code, message)?;
    }
    Ok(OpOutcome::Conflict { code: code.to_string(), message })
}

/// The follow-up of a carry-out the shelf was short for: per SKU, what left without free
/// stock, and the orders whose reservations at this store the shelf no longer covers (the
/// newest first, as many as the shortfall reaches), so HQ reroutes them.
fn short_shelf(tx: &mut dyn Tx, ctx: &OpContext<'_>, unreserved: &[Need]) -> Result<String, ServiceError> {
    let mut taken: BTreeMap<&str, i64> = BTreeMap::new();
    for n in unreserved {
        *taken.entry(n.sku_code.as_str()).or_default() += n.qty;
    }
    let mut sentences = Vec::new();
    for (sku, qty) in taken {
        let level = ledger::balance(tx, ctx.store, sku, Quality::Sellable)?;
        let mut s = format!(
            "{qty} of {sku} were carried out beyond this store's free stock and booked anyway (the goods left)."
        );
        let short = level.reserved + level.locked - level.on_hand.max(0);
        if short > 0 {
            let mut covered = 0;
            let mut names = Vec::new();
            for r in store::order_reservations(tx, ctx.store, sku)? {
                if covered >= short {
                    break;
                }
                covered += r.qty;
                names.push(format!("{} order {} ({} reserved)", r.channel, r.channel_order_id, r.qty));
            }
            if names.is_empty() {
                s.push_str(&format!(" The shelf is now {short} short of its reserved and locked units."));
            } else {
                s.push_str(&format!(
                    " The shelf is now {short} short for the reservations of {}: reroute them.",
                    names.join(", ")
                ));
            }
        }
        if level.on_hand < 0 {
            s.push_str(&format!(" The books now show {} on hand: count the shelf.", level.on_hand));
        }
        sentences.push(s);
    }
    Ok(sentences.join(" "))
}

/// Tells the customer the order number and what comes next, through the outbox.
fn notify_placed(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    input: &ChannelOrderInput,
    p: &PlaceOrder<'_>,
) -> Result<(), ServiceError> {
    let name = |tx: &mut dyn Tx, code: &str| -> Result<String, ServiceError> {
        Ok(catalogue::node(tx, code)?.map(|n| n.name).unwrap_or_else(|| code.to_string()))
    };
    let here = name(tx, ctx.store)?;
    let no = &input.channel_order_id;
    let body = if p.carry_out {
        format!("您在 {here} 的订单 {no} 已完成提货，退换货请凭此订单号。/ Your order {no} at {here} is complete and handed over; keep this order number for returns.")
    } else if input.fulfillment == FulfillmentKind::Pickup {
        let at = name(tx, input.pickup_store.as_deref().unwrap_or(ctx.store))?;
        format!("您在 {here} 下的订单 {no} 已确认，可在 {at} 自提，备货完成后将发送提货码。/ Your order {no} placed at {here} is confirmed for pickup at {at}; we will send your pickup code when it is ready.")
    } else {
        format!("您在 {here} 下的订单 {no} 已确认，发货后将发送快递单号。/ Your order {no} placed at {here} is confirmed; we will send the tracking number when it ships.")
    };
    let n = followups::NewNotification {
        order_id: p.order_id,
        fulfillment_order_id: None,
        kind: "order_placed",
        recipient: &input.customer.phone,
        body: &body,
        redacted_body: &body,
    };
    followups::insert_notification(tx, &n, ctx.now)?;
    Ok(())
}

/// Where a refused order came up short.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    /// At one node (the pickup store, or this store for a carry-out).
    Node(String),
    /// Nowhere in the network (or not within reach of a same-city delivery).
    Network,
}

/// The refusal's message: per short line, one sentence saying what else is available.
fn refusal(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    unplaced: &[Need],
    scope: &Scope,
    pickup: bool,
) -> Result<String, ServiceError> {
    let nodes = catalogue::all_nodes(tx)?;
    let mut sentences = Vec::new();
    for need in unplaced {
        let sku = catalogue::sku(tx, &need.sku_code)?;
        let Some(sku) = sku else { continue };
        let Some(style) = catalogue::style(tx, &sku.style_code)? else { continue };
        let skus = store::style_skus(tx, &sku.style_code)?;
        let balances = store::style_balances(tx, &sku.style_code)?;
        let at = Where { store: ctx.store, scope, pickup };
        sentences.extend(alternatives(&at, need, style, skus, &balances, &nodes));
    }
    if sentences.is_empty() {
        // Every line is there, but not together (a pickup or a same-city delivery is never
        // split between nodes).
        let where_ = match scope {
            Scope::Node(n) if n == ctx.store => "this store".to_string(),
            Scope::Node(n) => format!("store {n}"),
            Scope::Network => "one node within reach".to_string(),
        };
        sentences
            .push(format!("Not every line is available together at {where_}; place the lines as separate orders."));
    }
    Ok(sentences.join(" "))
}

/// Where a refused order had to come from: the placing store, the scope it was short in,
/// whether the customer collects.
struct Where<'a> {
    store: &'a str,
    scope: &'a Scope,
    pickup: bool,
}

/// One short line's sentence (pure): the short SKU and how many there are where it was
/// asked, then what the device offers instead ([`shared::aisle::alternatives`] on the
/// availability the placing store's device reads): other sizes of the colour, then the size
/// in other colours, with their units, and this SKU at the nearest other nodes (only pickup
/// stores for a pickup). `None` when the line is not short where it was asked (a pickup is
/// refused whole, so its other lines come back too).
fn alternatives(
    at: &Where<'_>,
    need: &Need,
    style: Style,
    skus: Vec<StyleSku>,
    balances: &[StyleBalance],
    all_nodes: &[Node],
) -> Option<String> {
    let Where { store, scope, pickup } = *at;
    let nodes: HashMap<&str, &Node> = all_nodes.iter().map(|n| (n.code.as_str(), n)).collect();
    let units = promisable_units(store, balances, &nodes);
    let have = {
        let m = units.get(need.sku_code.as_str());
        match scope {
            Scope::Node(n) => m.and_then(|m| m.get(n.as_str())).copied().unwrap_or(0),
            Scope::Network => m.map_or(0, |m| m.values().sum()),
        }
    };
    if have >= need.qty {
        return None;
    }
    let avail = availability_of(store, style, skus, balances, all_nodes, DateTime::default());
    let what = avail
        .skus
        .iter()
        .find(|s| s.sku_code == need.sku_code)
        .map_or(need.sku_code.clone(), |s| format!("{} ({} {})", s.sku_code, s.colour, s.size));
    let where_ = match scope {
        Scope::Node(n) if n == store => "at this store".to_string(),
        Scope::Node(n) => format!("at store {n}"),
        Scope::Network => "in the network".to_string(),
    };
    let alt = offer(&avail, &need.sku_code, need.qty, pickup);
    let sizes: Vec<String> = alt
        .other_sizes
        .iter()
        .map(|s| match s.here {
            0 => format!("{} {} ({} in the network)", s.colour, s.size, s.network),
            here => format!("{} {} ({here} here, {} in the network)", s.colour, s.size, s.network),
        })
        .collect();
    let elsewhere: Vec<String> = alt
        .other_nodes
        .iter()
        .map(|n| format!("{} {:.1} km ({})", n.node_code, n.distance_m as f64 / 1000.0, n.available))
        .collect();
    let mut instead = Vec::new();
    if !sizes.is_empty() {
        instead.push(sizes.join(", "));
    }
    if !elsewhere.is_empty() {
        instead.push(format!("this item at {}", elsewhere.join(", ")));
    }
    let asked = format!("Only {have} of {} {what} {where_}", need.qty);
    Some(if instead.is_empty() {
        format!("{asked}, and nothing else of this style can be offered instead.")
    } else {
        format!("{asked}; available instead: {}.", instead.join("; "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::node::{Capabilities, GeoPoint, NodeKind};
    use shared::stock::StockLevel;

    fn node(code: &str, kind: NodeKind, lat: f64, pickup: bool, ship: bool) -> Node {
        Node {
            code: code.into(),
            name: format!("{code} name"),
            kind,
            city: "上海".into(),
            location: GeoPoint { lat, lon: 121.4 },
            capabilities: Capabilities { ship, pickup, same_city: false },
            opening_hours: "10:00-22:00".into(),
            daily_capacity: 100,
            handling_cost: Fen(0),
        }
    }

    fn nodes() -> Vec<Node> {
        vec![
            node("HERE", NodeKind::DirectStore, 31.20, true, true),
            node("NEAR", NodeKind::DirectStore, 31.21, true, false),
            node("FAR", NodeKind::DirectStore, 31.60, true, true),
            node("WH", NodeKind::CentralWarehouse, 31.30, false, true),
            node("DEALER", NodeKind::FranchiseStore, 31.20, false, false),
        ]
    }

    fn sku(code: &str, colour: &str, size: &str) -> StyleSku {
        StyleSku { code: code.into(), colour: colour.into(), size: size.into() }
    }

    fn bal(sku: &str, node: &str, on_hand: i64, reserved: i64, safety: i64) -> StyleBalance {
        StyleBalance {
            sku_code: sku.into(),
            node_code: node.into(),
            level: StockLevel { on_hand, reserved, safety, locked: 0 },
        }
    }

    fn style() -> Style {
        Style { code: "ST".into(), name: "Runner".into(), category: "shoes".into(), list_price: Fen(100) }
    }

    fn skus() -> Vec<StyleSku> {
        vec![sku("ST-BLK-L", "black", "L"), sku("ST-BLK-M", "black", "M"), sku("ST-RED-S", "red", "S")]
    }

    #[test]
    fn the_store_sees_its_lease_and_other_nodes_free_units_nearest_first() {
        let balances = vec![
            bal("ST-BLK-M", "HERE", 5, 1, 2),    // own shelf: 4 with its safety stock
            bal("ST-BLK-M", "FAR", 10, 0, 2),    // 8
            bal("ST-BLK-M", "NEAR", 3, 3, 0),    // nothing free: not listed
            bal("ST-BLK-M", "WH", 100, 10, 0),   // 90
            bal("ST-BLK-M", "DEALER", 50, 0, 0), // cannot fulfil: not listed, not counted
            bal("ST-BLK-L", "NEAR", 2, 0, 0),
        ];
        let a = availability_of("HERE", style(), skus(), &balances, &nodes(), DateTime::default());
        let cells: Vec<_> = a.skus.iter().map(|s| (s.sku_code.as_str(), s.here, s.network)).collect();
        assert_eq!(cells, [("ST-BLK-M", 4, 102), ("ST-BLK-L", 0, 2), ("ST-RED-S", 0, 0)], "colour then size order");
        let m = &a.skus[0];
        let listed: Vec<_> = m.nodes.iter().map(|n| (n.node_code.as_str(), n.available)).collect();
        assert_eq!(listed, [("WH", 90), ("FAR", 8)]);
        assert!(m.nodes[0].distance_m < m.nodes[1].distance_m);
        assert!((11_000..11_300).contains(&m.nodes[0].distance_m), "{}", m.nodes[0].distance_m);
        assert!(!m.nodes[0].pickup && m.nodes[1].pickup);
        assert!(a.skus[2].nodes.is_empty());
    }

    #[test]
    fn at_most_the_nearest_nodes_are_listed_but_all_count_in_the_network() {
        let mut all = nodes();
        let mut balances = Vec::new();
        for i in 0..15 {
            all.push(node(&format!("S{i:02}"), NodeKind::DirectStore, 31.2 + 0.01 * f64::from(i), true, true));
            balances.push(bal("ST-RED-S", &format!("S{i:02}"), 1, 0, 0));
        }
        let a = availability_of("HERE", style(), skus(), &balances, &all, DateTime::default());
        let red = a.skus.iter().find(|s| s.sku_code == "ST-RED-S").unwrap();
        assert_eq!((red.nodes.len(), red.network), (MAX_NODES_PER_SKU, 15));
        assert_eq!(red.nodes[0].node_code, "S00");
    }

    #[test]
    fn a_refusal_offers_what_the_device_offers_other_sizes_then_the_item_elsewhere() {
        let balances = vec![
            bal("ST-BLK-M", "HERE", 3, 0, 0),
            bal("ST-RED-S", "HERE", 1, 0, 0),
            bal("ST-BLK-L", "HERE", 1, 0, 0),
            bal("ST-BLK-L", "NEAR", 4, 0, 0),
            bal("ST-BLK-L", "WH", 50, 0, 0),
        ];
        let here = Scope::Node("HERE".into());
        let at = |scope, pickup| Where { store: "HERE", scope, pickup };
        let need = Need { line_no: 1, sku_code: "ST-BLK-L".into(), qty: 2 };
        let text = alternatives(&at(&here, true), &need, style(), skus(), &balances, &nodes()).unwrap();
        assert_eq!(
            text,
            "Only 1 of 2 ST-BLK-L (black L) at this store; available instead: black M (3 here, 3 in the network); this item at NEAR 1.1 km (4)."
        );
        // The same choice as the device's rule on the same availability.
        let avail = availability_of("HERE", style(), skus(), &balances, &nodes(), DateTime::default());
        let device = shared::aisle::alternatives(&avail, "ST-BLK-L", 2, true);
        assert_eq!(device.other_sizes.iter().map(|s| s.sku_code.as_str()).collect::<Vec<_>>(), ["ST-BLK-M"]);
        assert_eq!(device.other_nodes.iter().map(|n| n.node_code.as_str()).collect::<Vec<_>>(), ["NEAR"]);
        // Shipped: any node that ships or holds it, nearest first.
        let one = Need { qty: 1, ..need.clone() };
        let none_here = vec![bal("ST-BLK-L", "NEAR", 4, 0, 0), bal("ST-BLK-L", "WH", 50, 0, 0)];
        let shipped = alternatives(&at(&here, false), &one, style(), skus(), &none_here, &nodes()).unwrap();
        assert_eq!(
            shipped,
            "Only 0 of 1 ST-BLK-L (black L) at this store; available instead: this item at NEAR 1.1 km (4), WH 11.1 km (50)."
        );
        let five = Need { qty: 5, ..need.clone() };
        let near = Scope::Node("NEAR".into());
        let at_near = alternatives(&at(&near, true), &five, style(), skus(), &balances, &nodes()).unwrap();
        assert_eq!(
            at_near,
            "Only 4 of 5 ST-BLK-L (black L) at store NEAR, and nothing else of this style can be offered instead."
        );
        let none = alternatives(&at(&Scope::Network, false), &need, style(), skus(), &[], &nodes()).unwrap();
        assert_eq!(
            none,
            "Only 0 of 2 ST-BLK-L (black L) in the network, and nothing else of this style can be offered instead."
        );
        // A line that is there is not short (a pickup is refused whole).
        let fine = Need { line_no: 2, sku_code: "ST-BLK-M".into(), qty: 3 };
        assert_eq!(alternatives(&at(&here, true), &fine, style(), skus(), &balances, &nodes()), None);
    }
}
