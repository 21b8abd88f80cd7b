//! Channel order intake, routing into fulfillment orders (through HQ's routing profiles,
//! see `service::routing`), rerouting, routing held and presale orders, and cancellation.

use super::routing;
use super::text::check;
use super::{now_ms, ServiceError};
use crate::storage::orders::{self, FulfillmentRow, OrderRow};
use crate::storage::{catalogue, followups, ledger, settlement, Tx};
use shared::fulfillment::{transition, FulfillmentEvent, FulfillmentKind, FulfillmentState};
use shared::node::GeoPoint;
use shared::order::{ChannelOrderInput, Order, OrderLine, OrderStatus};
use shared::routing::config::Fallback;
use shared::routing::engine::{Explanation, Outcome};
use shared::routing::{Assignment, Need, Plan};
use shared::secret::token_digest;
use shared::text::{self, Rule};
use uuid::Uuid;

/// Most lines one order may have.
pub const MAX_LINES: usize = 100;

/// An order and whether this call created it.
pub struct IntakeResult {
    /// The order with its fulfillment orders.
    pub order: Order,
    /// False on an idempotent replay.
    pub created: bool,
    /// Lines of a carry-out booked without a reservation: the shelf had fewer free units
    /// than the customer took (empty otherwise, and on a replay).
    pub unreserved: Vec<Need>,
}

/// What [`try_intake`] did.
pub enum Intake {
    /// The order exists: created now, or by an earlier request with the same content.
    Done(IntakeResult),
    /// Some lines could not be placed, so nothing was written.
    Short {
        /// What no node could take.
        unplaced: Vec<Need>,
        /// The one node the order had to come from (the pickup store), if any.
        at: Option<String>,
    },
}

/// Who placed an order in a store (endless aisle), if anyone.
#[derive(Debug, Clone, Default)]
pub struct PlacedBy {
    /// The store.
    pub store: Option<String>,
    /// Order id chosen by the device.
    pub order_id: Option<Uuid>,
    /// The customer already took the goods from the store's shelf (a fact): every line is
    /// booked at the pickup store even when its free stock is short, the short lines
    /// without a reservation (see [`IntakeResult::unreserved`]).
    pub carry_out: bool,
}

fn validate(tx: &mut dyn Tx, input: &ChannelOrderInput, placed: &PlacedBy) -> Result<(), ServiceError> {
    check("channel_order_id", &input.channel_order_id, text::CHANNEL_ORDER_ID)?;
    check("customer.name", &input.customer.name, text::CUSTOMER_NAME)?;
    check("customer.phone", &input.customer.phone, text::CUSTOMER_PHONE)?;
    check("customer.address", &input.customer.address, text::CUSTOMER_ADDRESS)?;
    // Looked up, not stored: an unknown value is refused below, a control character here.
    if let Some(s) = &input.pickup_store {
        check("pickup_store", s, Rule::ANY)?;
    }
    if let Some(a) = &input.associate_id {
        check("associate_id", a, Rule::ANY)?;
    }
    if input.lines.is_empty() || input.lines.len() > MAX_LINES {
        return Err(ServiceError::invalid("invalid_lines", format!("an order has 1 to {MAX_LINES} lines")));
    }
    for (i, l) in input.lines.iter().enumerate() {
        check(&format!("lines[{i}].sku_code"), &l.sku_code, Rule::ANY)?;
        if !catalogue::sku_exists(tx, &l.sku_code)? {
            return Err(ServiceError::invalid(
                "unknown_sku",
                format!("line {} names unknown SKU {:?}", i + 1, l.sku_code),
            ));
        }
        let gross = l.unit_price.0.checked_mul(l.qty.get()).unwrap_or(i64::MAX);
        if l.unit_price.0 < 0 || l.unit_price.0 > 100_000_000 || l.discount.0 < 0 || l.discount.0 > gross {
            return Err(ServiceError::invalid(
                "invalid_price",
                format!("line {}: prices are 0 to 1,000,000 yuan and the discount at most the line value", i + 1),
            ));
        }
    }
    if input.shipping_fee.0 < 0 || input.shipping_fee.0 > 100_000_000 {
        return Err(ServiceError::invalid("invalid_price", "shipping_fee is 0 to 1,000,000 yuan"));
    }
    if let Some(loc) = input.customer.location {
        if !loc.is_valid() {
            return Err(ServiceError::invalid("invalid_location", "customer.location has coordinates off the globe"));
        }
    }
    match input.fulfillment {
        FulfillmentKind::Pickup => {
            let store = input
                .pickup_store
                .as_deref()
                .ok_or_else(|| ServiceError::invalid("pickup_store_required", "a pickup order needs pickup_store"))?;
            let node = catalogue::node(tx, store)?;
            // Goods carried out over a store's counter left it whether or not it offers pickup.
            if !node.is_some_and(|n| n.kind.is_store() && (n.capabilities.pickup || placed.carry_out)) {
                return Err(ServiceError::invalid(
                    "invalid_pickup_store",
                    format!("{store} is not a store that offers pickup"),
                ));
            }
        }
        FulfillmentKind::Ship | FulfillmentKind::SameCity => {
            if input.customer.location.is_none() {
                return Err(ServiceError::invalid(
                    "location_required",
                    "ship and same-city orders need customer.location to route",
                ));
            }
        }
    }
    Ok(())
}

/// The lines of an order as routing needs them: kit lines expanded into their components.
fn needs_of(tx: &mut dyn Tx, lines: &[(u32, String, i64)]) -> Result<Vec<Need>, ServiceError> {
    let needs: Vec<Need> =
        lines.iter().map(|(line_no, sku, qty)| Need { line_no: *line_no, sku_code: sku.clone(), qty: *qty }).collect();
    routing::expand_kits(tx, &needs)
}

fn target_of(tx: &mut dyn Tx, order: &OrderRow) -> Result<Option<GeoPoint>, ServiceError> {
    let target = order.location_e6.map(|(a, b)| GeoPoint { lat: a as f64 / 1e6, lon: b as f64 / 1e6 });
    Ok(match (&order.pickup_store, target) {
        (Some(store), None) => catalogue::node(tx, store)?.map(|n| n.location),
        (_, t) => t,
    })
}

/// Creates fulfillment orders for a plan and reserves their lines. Returns the ids, and
/// (with `unreserved_ok`, a carry-out) the lines booked without a reservation because the
/// node had too few free units; otherwise a failed reservation is a lost race.
fn materialise(
    tx: &mut dyn Tx,
    order: &OrderRow,
    plan: &Plan,
    routed: &routing::Routed,
    now: i64,
    unreserved_ok: bool,
) -> Result<(Vec<Uuid>, Vec<Need>), ServiceError> {
    let mut ids = Vec::new();
    let mut unreserved = Vec::new();
    for node in plan.nodes() {
        routing::count_routed(tx, &routed.config, &node, now)?;
        let id = Uuid::now_v7();
        let row = FulfillmentRow::routed(id, order.id, node.clone(), order.fulfillment, now);
        orders::insert_fulfillment(tx, &row)?;
        for (i, a) in plan.assignments.iter().filter(|a| a.node_code == node).enumerate() {
            let reservation = Uuid::now_v7().to_string();
            let campaign = order.campaign.as_deref().filter(|_| routed.locked.contains(&a.sku_code));
            let reserved = if let Some(c) = campaign {
                super::campaigns::reserve_from_lock(tx, c, &reservation, &node, &a.sku_code, a.qty, now)?
            } else if order.placed_at_store.as_deref() == Some(node.as_str()) {
                ledger::try_reserve_own_shelf(tx, &reservation, &node, &a.sku_code, a.qty, now)?
            } else {
                ledger::try_reserve(tx, &reservation, None, &node, &a.sku_code, a.qty, now)?
            };
            if !reserved && unreserved_ok {
                unreserved.push(Need { line_no: a.line_no, sku_code: a.sku_code.clone(), qty: a.qty });
            } else if !reserved {
                // Another transaction took the stock between planning and reserving.
                return Err(ServiceError::stale_read(
                    "stock_changed",
                    "stock changed while routing; retry the request",
                ));
            }
            let reservation = reserved.then_some(reservation.as_str());
            orders::insert_fulfillment_line(tx, id, i as u32 + 1, a.line_no, &a.sku_code, a.qty, reservation)?;
        }
        ids.push(id);
    }
    Ok((ids, unreserved))
}

fn shortfall_message(unplaced: &[Need], where_: &str) -> String {
    let parts: Vec<String> =
        unplaced.iter().map(|u| format!("line {} ({}): {} short", u.line_no, u.sku_code, u.qty)).collect();
    format!("not enough stock {where_}: {}", parts.join("; "))
}

/// Takes a channel order: validates, routes, reserves and creates fulfillment orders, all
/// or nothing. A replay with the same content returns the same order. Lines no node can
/// take refuse it with 409 `insufficient_stock`.
pub fn intake(tx: &mut dyn Tx, input: &ChannelOrderInput, placed: &PlacedBy) -> Result<IntakeResult, ServiceError> {
    match try_intake(tx, input, placed)? {
        Intake::Done(r) => Ok(r),
        Intake::Short { unplaced, at } => {
            let where_ = match at {
                Some(s) => format!("at pickup store {s}"),
                None => "in the network".to_string(),
            };
            Err(ServiceError::conflict("insufficient_stock", shortfall_message(&unplaced, &where_)))
        }
    }
}

/// [`intake`], answering a shortfall with what was short instead of an error, so an order
/// placed at a store can say what else is available. An order a store placed is also
/// credited to that store (`store` / `sale`), besides its channel and associate.
pub fn try_intake(tx: &mut dyn Tx, input: &ChannelOrderInput, placed: &PlacedBy) -> Result<Intake, ServiceError> {
    validate(tx, input, placed)?;
    let digest = token_digest(&serde_json::to_string(input).unwrap_or_default());
    if let Some(existing) = orders::order_by_channel(tx, input.channel, &input.channel_order_id)? {
        if existing.digest != digest {
            return Err(ServiceError::conflict(
                "order_conflict",
                format!(
                    "{} order {} exists with different content; channel order ids cannot be reused",
                    input.channel.as_str(),
                    input.channel_order_id
                ),
            ));
        }
        return Ok(Intake::Done(IntakeResult {
            order: order_view(tx, existing.id)?,
            created: false,
            unreserved: Vec::new(),
        }));
    }
    let now = now_ms();
    let lines: Vec<(u32, String, i64)> =
        input.lines.iter().enumerate().map(|(i, l)| (i as u32 + 1, l.sku_code.clone(), l.qty.get())).collect();
    let needs = needs_of(tx, &lines)?;
    let pickup_node = match &input.pickup_store {
        Some(s) if input.fulfillment == FulfillmentKind::Pickup => catalogue::node(tx, s)?,
        _ => None,
    };
    let target = input.customer.location.or(pickup_node.as_ref().map(|n| n.location));
    let only = pickup_node.as_ref().map(|n| n.code.as_str());
    let ask = routing::Ask {
        channel: input.channel,
        kind: input.fulfillment,
        target,
        only,
        exclude: &[],
        needs: &needs,
        own_store: placed.store.as_deref(),
        campaign: input.campaign.as_deref(),
    };
    // A presale order waits for its receipt: it is not routed now.
    let routed = match input.presale {
        Some(_) => None,
        None => Some(routing::decide(tx, &ask, now)?),
    };
    let mut status = OrderStatus::Routed;
    let mut plan = Plan::default();
    let mut explanation = None;
    if let Some(r) = &routed {
        let d = &r.decision;
        explanation = Some(d.explanation.clone());
        plan = d.plan.clone();
        match (only, placed.carry_out) {
            _ if d.placed => {}
            // The goods are gone from this shelf: every line is booked there, whatever it holds.
            (Some(node), true) => {
                let assignments = needs
                    .iter()
                    .map(|n| Assignment {
                        node_code: node.to_string(),
                        line_no: n.line_no,
                        sku_code: n.sku_code.clone(),
                        qty: n.qty,
                    })
                    .collect();
                plan = Plan { assignments, unplaced: Vec::new() };
                if let Some(e) = explanation.as_mut() {
                    e.outcome = Outcome::Placed;
                    e.nodes = vec![node.to_string()];
                    e.reason = Some("carried out over the counter: booked at the store whatever it holds".into());
                }
            }
            _ if d.fallback == Fallback::Hold => {
                status = OrderStatus::Held;
                plan = Plan::default();
            }
            _ => return Ok(Intake::Short { unplaced: d.plan.unplaced.clone(), at: only.map(str::to_string) }),
        }
    } else {
        status = OrderStatus::Presale;
    }
    let admitted: Vec<(String, i64)> = needs.iter().map(|n| (n.sku_code.clone(), n.qty)).collect();
    // Limits are checked (and purchases recorded) only for an order that will be written.
    super::clearance::check_order(tx, input, now)?;
    super::allocation::admit(tx, input.channel, &admitted, now)?;
    let held_reason = match status {
        OrderStatus::Held => explanation.as_ref().and_then(|e| e.reason.clone()),
        _ => None,
    };
    let row = OrderRow {
        id: placed.order_id.unwrap_or_else(Uuid::now_v7),
        channel: input.channel,
        channel_order_id: input.channel_order_id.clone(),
        fulfillment: input.fulfillment,
        status,
        customer_name: input.customer.name.clone(),
        customer_phone: input.customer.phone.clone(),
        customer_address: input.customer.address.clone(),
        location_e6: input.customer.location.map(|l| ((l.lat * 1e6).round() as i64, (l.lon * 1e6).round() as i64)),
        pickup_store: pickup_node.map(|n| n.code),
        associate_id: input.associate_id.clone(),
        placed_at_store: placed.store.clone(),
        digest,
        created_ms: now,
        campaign: input.campaign.clone(),
        held_reason,
    };
    if orders::order(tx, row.id)?.is_some() {
        return Err(ServiceError::conflict("order_conflict", format!("order id {} is already used", row.id)));
    }
    orders::insert_order(tx, &row)?;
    crate::storage::returns::set_shipping_fee(tx, row.id, input.shipping_fee.0)?;
    let mut paid_total = 0;
    for (i, l) in input.lines.iter().enumerate() {
        let line = OrderLine {
            line_no: i as u32 + 1,
            sku_code: l.sku_code.clone(),
            qty: l.qty.get(),
            unit_price: l.unit_price,
            discount: l.discount,
            unrouted_qty: 0,
            returned_qty: 0,
        };
        paid_total += l.unit_price.0 * l.qty.get() - l.discount.0;
        orders::insert_order_line(tx, row.id, &line)?;
    }
    let mut unreserved = Vec::new();
    match (&routed, &input.presale) {
        (Some(r), _) => {
            if status == OrderStatus::Routed {
                unreserved = materialise(tx, &row, &plan, r, now, placed.carry_out)?.1;
            }
        }
        (None, Some(presale)) => {
            super::campaigns::accept_presale(tx, row.id, presale, &admitted, now)?;
            let (version, _) = routing::current(tx)?;
            explanation = Some(Explanation {
                config_version: version,
                outcome: Outcome::Presale,
                profile: None,
                nodes: Vec::new(),
                reason: Some(format!("sold in presale {presale}: routed when the expected stock arrives")),
                attempts: Vec::new(),
            });
        }
        (None, None) => {}
    }
    if let Some(e) = &explanation {
        routing::record(tx, row.id, e, now)?;
    }
    let reference = row.id.to_string();
    let channel_credit = settlement::AttributionEntry {
        order_id: row.id,
        party_kind: "channel",
        party: input.channel.as_str(),
        amount: paid_total,
        reason: "sale",
        reference: &reference,
    };
    settlement::insert_attribution(tx, &channel_credit, now)?;
    if let Some(a) = &input.associate_id {
        let credit = settlement::AttributionEntry {
            order_id: row.id,
            party_kind: "associate",
            party: a,
            amount: paid_total,
            reason: "sale",
            reference: &reference,
        };
        settlement::insert_attribution(tx, &credit, now)?;
    }
    if let Some(store) = &placed.store {
        // 业绩归属: the store that sold it keeps the credit whichever node fulfils it.
        let credit = settlement::AttributionEntry {
            order_id: row.id,
            party_kind: "store",
            party: store,
            amount: paid_total,
            reason: "sale",
            reference: &reference,
        };
        settlement::insert_attribution(tx, &credit, now)?;
    }
    Ok(Intake::Done(IntakeResult { order: order_view(tx, row.id)?, created: true, unreserved }))
}

/// Places `lines` of an order again, avoiding nodes that rejected it and `short_at` (the
/// node that just came up short). What no node can take is marked unrouted and flagged for
/// HQ. Returns the new fulfillment order ids.
pub fn reroute(
    tx: &mut dyn Tx,
    order_id: Uuid,
    lines: &[Need],
    short_at: Option<&str>,
    now: i64,
) -> Result<Vec<Uuid>, ServiceError> {
    let Some(order) = orders::order(tx, order_id)? else { return Ok(Vec::new()) };
    if order.status == OrderStatus::Cancelled || lines.is_empty() {
        return Ok(Vec::new());
    }
    let mut exclude = orders::rejecting_nodes(tx, order_id)?;
    exclude.extend(short_at.map(str::to_string));
    let target = target_of(tx, &order)?;
    let ask = routing::Ask {
        channel: order.channel,
        kind: order.fulfillment,
        target,
        only: None,
        exclude: &exclude,
        needs: lines,
        own_store: order.placed_at_store.as_deref(),
        campaign: order.campaign.as_deref(),
    };
    let routed = routing::decide(tx, &ask, now)?;
    let plan = routed.decision.plan.clone();
    let mut explanation = routed.decision.explanation.clone();
    if !routed.decision.placed {
        explanation.outcome = Outcome::Partial;
        explanation.nodes = plan.nodes();
    }
    routing::record(tx, order_id, &explanation, now)?;
    let (ids, _) = materialise(tx, &order, &plan, &routed, now, false)?;
    let lines_before = orders::order_lines(tx, order_id)?;
    for u in &plan.unplaced {
        orders::add_unrouted(tx, order_id, u.line_no, u.qty)?;
    }
    if !plan.unplaced.is_empty() {
        // The units no node can take are not sold: their share of the sale's credit goes.
        super::credit::release_sale_credit(tx, order_id, &lines_before, "unrouted", &order_id.to_string(), now)?;
        orders::set_order_status(tx, order_id, OrderStatus::PartiallyUnrouted)?;
        let c = followups::Conflict {
            id: 0,
            store_code: None,
            device_id: None,
            op_id: None,
            order_id: Some(order_id.to_string()),
            fulfillment_order_id: None,
            code: "unrouted_lines".into(),
            message: shortfall_message(&plan.unplaced, "to reroute"),
            created_ms: now,
        };
        followups::insert_conflict(tx, &c)?;
    }
    if order.fulfillment == FulfillmentKind::Pickup {
        for node in plan.nodes() {
            let body = format!("您的订单 {} 改为在门店 {} 自提，备货完成后将发送提货码。/ Your order {} will now be ready at store {}; we will send your pickup code when it is ready.", order.channel_order_id, node, order.channel_order_id, node);
            let n = followups::NewNotification {
                order_id,
                fulfillment_order_id: None,
                kind: "pickup_store_changed",
                recipient: &order.customer_phone,
                body: &body,
                redacted_body: &body,
            };
            followups::insert_notification(tx, &n, now)?;
        }
    }
    Ok(ids)
}

/// Sets the order's status from its fulfillment orders once none is open.
pub fn refresh_status(tx: &mut dyn Tx, order_id: Uuid) -> Result<(), ServiceError> {
    let Some(order) = orders::order(tx, order_id)? else { return Ok(()) };
    if order.status == OrderStatus::Cancelled {
        return Ok(());
    }
    let fos = orders::fulfillments_of_order(tx, order_id)?;
    let done = !fos.is_empty() && fos.iter().all(|f| f.state.is_terminal());
    if done && order.status != OrderStatus::PartiallyUnrouted {
        orders::set_order_status(tx, order_id, OrderStatus::Completed)?;
    }
    Ok(())
}

/// The order with lines and fulfillment orders.
pub fn order_view(tx: &mut dyn Tx, id: Uuid) -> Result<Order, ServiceError> {
    let o = orders::order(tx, id)?.ok_or_else(|| ServiceError::not_found("order", id))?;
    let lines = orders::order_lines(tx, id)?;
    let mut fos = Vec::new();
    for f in orders::fulfillments_of_order(tx, id)? {
        if let Some(v) = orders::fulfillment_view(tx, f.id)? {
            fos.push(v);
        }
    }
    Ok(Order {
        id: o.id,
        channel: o.channel,
        channel_order_id: o.channel_order_id,
        fulfillment: o.fulfillment,
        status: o.status,
        customer_name: o.customer_name,
        lines,
        fulfillment_orders: fos,
        created_at: chrono::DateTime::from_timestamp_millis(o.created_ms).unwrap_or_default(),
        routing: routing::latest(tx, id)?.map(Box::new),
    })
}

/// Releases every active reservation of a fulfillment order's lines.
pub fn release_lines(tx: &mut dyn Tx, fo: Uuid, now: i64) -> Result<(), ServiceError> {
    for l in orders::fulfillment_lines(tx, fo)? {
        if let Some(r) = &l.reservation_id {
            ledger::close_reservation(tx, r, ledger::Close::Release, &fo.to_string(), now)?;
        }
    }
    Ok(())
}

/// Cancels an order at HQ: every open fulfillment order is cancelled and its stock
/// released. Refused when goods already left (dispatched, delivered or picked up).
pub fn cancel(tx: &mut dyn Tx, id: Uuid) -> Result<Order, ServiceError> {
    let order = orders::order(tx, id)?.ok_or_else(|| ServiceError::not_found("order", id))?;
    if order.status == OrderStatus::Cancelled {
        return order_view(tx, id);
    }
    let fos = orders::fulfillments_of_order_for_update(tx, id)?;
    if let Some(gone) = fos.iter().find(|f| {
        matches!(f.state, FulfillmentState::Dispatched | FulfillmentState::Delivered | FulfillmentState::PickedUp)
    }) {
        return Err(ServiceError::conflict(
            "order_not_cancellable",
            format!(
                "fulfillment order {} is already {}; take it back as a return instead",
                gone.id,
                gone.state.as_str()
            ),
        ));
    }
    let now = now_ms();
    for mut f in fos {
        if let Ok(next) = transition(f.kind, f.state, FulfillmentEvent::Cancel) {
            f.state = next;
            release_lines(tx, f.id, now)?;
            orders::update_fulfillment(tx, &f, now)?;
        }
    }
    orders::set_order_status(tx, id, OrderStatus::Cancelled)?;
    let reference = id.to_string();
    // Sales credit is reversed; a store's fulfillment fees are not (none exist before goods
    // leave, and then the order cannot be cancelled), but the selling store's credit is.
    let selling = order.placed_at_store.clone();
    for (kind, party, amount) in settlement::attribution_totals(tx, id)? {
        if amount != 0 && (kind != "store" || selling.as_deref() == Some(party.as_str())) {
            let e = settlement::AttributionEntry {
                order_id: id,
                party_kind: &kind,
                party: &party,
                amount: -amount,
                reason: "cancel",
                reference: &reference,
            };
            settlement::insert_attribution(tx, &e, now)?;
        }
    }
    order_view(tx, id)
}

/// Routes an order waiting in [`OrderStatus::Held`] or [`OrderStatus::Presale`] (stock
/// arrived, HQ retried it): runs the routing profiles, reserves and creates fulfillment
/// orders. Answers true when the order was placed, false when it still cannot be (a held
/// order stays held with the new reason, a presale order stays in presale). Orders in any
/// other state are left alone (false).
pub fn route_existing(tx: &mut dyn Tx, order_id: Uuid, now: i64) -> Result<bool, ServiceError> {
    let Some(order) = orders::order(tx, order_id)? else { return Ok(false) };
    if !matches!(order.status, OrderStatus::Held | OrderStatus::Presale) {
        return Ok(false);
    }
    let lines: Vec<(u32, String, i64)> =
        orders::order_lines(tx, order_id)?.into_iter().map(|l| (l.line_no, l.sku_code, l.qty)).collect();
    let needs = needs_of(tx, &lines)?;
    let target = target_of(tx, &order)?;
    let only = if order.fulfillment == FulfillmentKind::Pickup { order.pickup_store.clone() } else { None };
    let exclude = orders::rejecting_nodes(tx, order_id)?;
    let ask = routing::Ask {
        channel: order.channel,
        kind: order.fulfillment,
        target,
        only: only.as_deref(),
        exclude: &exclude,
        needs: &needs,
        own_store: order.placed_at_store.as_deref(),
        campaign: order.campaign.as_deref(),
    };
    let routed = routing::decide(tx, &ask, now)?;
    let mut explanation = routed.decision.explanation.clone();
    if !routed.decision.placed {
        if order.status == OrderStatus::Held {
            explanation.outcome = Outcome::Held;
            orders::set_order_routing(tx, order_id, OrderStatus::Held, explanation.reason.as_deref())?;
            routing::record(tx, order_id, &explanation, now)?;
        }
        return Ok(false);
    }
    materialise(tx, &order, &routed.decision.plan, &routed, now, false)?;
    orders::set_order_routing(tx, order_id, OrderStatus::Routed, None)?;
    routing::record(tx, order_id, &explanation, now)?;
    Ok(true)
}

/// Routes a hypothetical order through HQ's profiles without reserving or writing anything
/// (`POST /api/v1/routing/dry-run`): validated as intake validates it, answered with the
/// plan and the explanation. Presale orders are routed as if their stock had arrived.
pub fn dry_run(tx: &mut dyn Tx, input: &ChannelOrderInput) -> Result<shared::routing::DryRun, ServiceError> {
    validate(tx, input, &PlacedBy::default())?;
    let lines: Vec<(u32, String, i64)> =
        input.lines.iter().enumerate().map(|(i, l)| (i as u32 + 1, l.sku_code.clone(), l.qty.get())).collect();
    let needs = needs_of(tx, &lines)?;
    let pickup_node = match &input.pickup_store {
        Some(s) if input.fulfillment == FulfillmentKind::Pickup => catalogue::node(tx, s)?,
        _ => None,
    };
    let target = input.customer.location.or(pickup_node.as_ref().map(|n| n.location));
    let ask = routing::Ask {
        channel: input.channel,
        kind: input.fulfillment,
        target,
        only: pickup_node.as_ref().map(|n| n.code.as_str()),
        exclude: &[],
        needs: &needs,
        own_store: None,
        campaign: input.campaign.as_deref(),
    };
    let d = routing::decide(tx, &ask, now_ms())?.decision;
    Ok(shared::routing::DryRun {
        placed: d.placed,
        assignments: d.plan.assignments,
        unplaced: d.plan.unplaced,
        explanation: d.explanation,
    })
}
