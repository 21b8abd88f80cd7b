//! Courier dispatch (DESIGN §3 "Courier booking", §6): a store's request becomes a booking
//! queued for the courier worker ([`worker`]) in the same transaction; the platforms'
//! callbacks move the booking forward only ([`BookingStatus::advances_to`]) and the
//! fulfillment order by the state machine, each change once however often or late a
//! callback comes; the rider dispatcher books again when a rider cancels or no rider takes
//! the order, with a higher tip, up to HQ's limit; an order HQ cancels is cancelled at the
//! platform through the outbox. Every booking change bumps the fulfillment order's version
//! so the store's devices see it at their next pull.

pub mod shops;
pub mod worker;

use super::intake::refresh_status;
use super::op_context::{flag, OpContext};
use super::transitions::{goods_left_at, goods_value, load, step};
use super::{random_bytes, ServiceError};
use crate::courier::StatusReport;
use crate::storage::courier::{self as store, BookingRow, CallbackRow, TaskKind};
use crate::storage::orders::{self, FulfillmentRow, OrderRow};
use crate::storage::{catalogue, followups, ledger, settlement, Tx};
use serde::Serialize;
use shared::courier::{
    check_parcels, BookingProblem, BookingStatus, CourierBooking, CourierCheck, CourierMethod, DeliveryRequest, Parcel,
};
use shared::fulfillment::{FulfillmentEvent, FulfillmentState};
use shared::protocol::OpOutcome;
use shared::stock::{MovementReason, Quality};
use shared::Fen;
use utoipa::ToSchema;
use uuid::Uuid;

/// Fee kinds recorded per fulfillment order.
pub mod fee {
    /// The platform's delivery fee, charged once the parcel was collected.
    pub const DELIVERY: &str = "delivery_fee";
    /// The tip HQ added for the rider, charged with the delivery fee.
    pub const TIP: &str = "tip";
    /// What the platform deducted for a cancellation after a rider took the order.
    pub const CANCELLATION: &str = "cancellation_fee";
}

/// A fresh pickup code for a rider booking (six digits): ours, sent with the order, shown
/// to the store and checked at the counter.
fn rider_code() -> String {
    let n = u32::from_le_bytes(random_bytes::<4>()) % 1_000_000;
    format!("{n:06}")
}

fn parcels_of(d: &DeliveryRequest) -> Vec<Parcel> {
    d.parcels
        .iter()
        .enumerate()
        .map(|(i, p)| Parcel {
            parcel_no: i as u32 + 1,
            weight_g: p.weight_g,
            lines: p.lines.clone(),
            waybill_no: None,
        })
        .collect()
}

fn order_of(tx: &mut dyn Tx, f: &FulfillmentRow) -> Result<OrderRow, ServiceError> {
    orders::order(tx, f.order_id)?.ok_or_else(|| ServiceError::not_found("order", f.order_id))
}

/// A courier was requested (`RequestCourier`). Without `delivery` (an older app) it is the
/// free-text carrier as before; with it, the parcels must hold exactly what was picked, a
/// same-city rider must be on offer, and express and same-city bookings are queued for the
/// worker (or wait with `not_configured` when no platform serves the store); a manual one
/// waits for the associate's `RecordTracking`.
pub fn request(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    id: Uuid,
    delivery: Option<&DeliveryRequest>,
    carrier: &str,
) -> Result<OpOutcome, ServiceError> {
    let Some(d) = delivery else {
        if carrier.trim().is_empty() {
            return Err(ServiceError::invalid(
                "delivery_required",
                "say what to book: express, a same-city rider or a carrier by hand, with the parcels packed",
            ));
        }
        return super::transitions::request_courier(tx, ctx, id, carrier);
    };
    let carrier = carrier.trim();
    super::text::check("carrier", carrier, shared::text::Rule::optional(64))?;
    let mut f = load(tx, ctx, id)?;
    if let Some(existing) = store::booking(tx, d.booking_id)? {
        if existing.booking.fulfillment_order_id == id {
            return Ok(OpOutcome::Applied);
        }
        return Err(ServiceError::conflict(
            "booking_id_reused",
            format!("booking {} is another order's", d.booking_id),
        ));
    }
    let picked: Vec<(u32, i64)> =
        orders::fulfillment_lines(tx, id)?.iter().map(|l| (l.line_no, l.picked_qty.unwrap_or(l.qty))).collect();
    check_parcels(&picked, &d.parcels).map_err(|p| ServiceError::invalid(p.code(), p.to_string()))?;
    let order = order_of(tx, &f)?;
    let coverage = store::coverage(tx)?;
    let served = match d.method {
        CourierMethod::Express => coverage.express.contains(&f.node_code),
        CourierMethod::SameCity => {
            if !orders::within_same_city_radius(tx, &f, &order)? {
                return Err(ServiceError::invalid(
                    "same_city_not_offered",
                    "the customer is outside the same-city radius of this store: send it by express",
                ));
            }
            coverage.same_city.contains_key(&f.node_code)
        }
        CourierMethod::Manual => true,
    };
    let latest = store::latest_booking(tx, id)?;
    if let Some(mut l) = latest.clone().filter(|l| l.booking.status.is_before_collection()) {
        // A booking nobody made with a platform (by hand, or waiting for a platform to be
        // configured) is replaced; one a platform has must end first.
        if l.booking.method == CourierMethod::Manual || l.booking.problem == Some(BookingProblem::NotConfigured) {
            l.booking.status = BookingStatus::Cancelled;
            store::update_booking(tx, &l, ctx.now)?;
        } else {
            return Err(ServiceError::conflict(
                "courier_already_booked",
                format!(
                    "a courier is already booked for this order ({}); wait for it, or ask HQ to cancel it",
                    l.booking.status.as_str()
                ),
            ));
        }
    }
    step(&mut f, FulfillmentEvent::RequestCourier)?;
    let policy = super::settings::courier_policy(tx)?;
    let b = BookingRow {
        booking: CourierBooking {
            id: d.booking_id,
            fulfillment_order_id: id,
            method: d.method,
            service: d.service,
            platform: if d.method == CourierMethod::Manual { carrier.to_string() } else { String::new() },
            attempt: latest.as_ref().map_or(1, |l| l.booking.attempt + 1),
            platform_order_no: None,
            status: BookingStatus::Queued,
            problem: (!served).then_some(BookingProblem::NotConfigured),
            problem_detail: (!served).then(|| "no courier platform is configured for this store".to_string()),
            fee: Fen::ZERO,
            tip: if d.method == CourierMethod::SameCity { policy.tip_for_attempt(1) } else { Fen::ZERO },
            penalty: Fen::ZERO,
            distance_m: None,
            rider: None,
            rider_code: (d.method == CourierMethod::SameCity).then(rider_code),
            eta: None,
            parcels: parcels_of(d),
            labels: Vec::new(),
            updated_at: crate::clock::at_ms(ctx.now),
        },
        node_code: f.node_code.clone(),
        dispatch_no: 1,
        cancel_requested: false,
        created_ms: ctx.now,
    };
    store::insert_booking(tx, &b)?;
    if served && d.method != CourierMethod::Manual {
        store::queue_task(tx, TaskKind::Book, d.booking_id, ctx.now, ctx.now)?;
    }
    if d.method == CourierMethod::Manual && !carrier.is_empty() {
        f.carrier = Some(carrier.to_string());
    }
    orders::update_fulfillment(tx, &f, ctx.now)?;
    Ok(OpOutcome::Applied)
}

fn normalised(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// Fact: the parcels were handed to the rider or courier (`HandOverToCourier`). Never
/// rejected for state: recorded, the goods leave the store's stock (unless a platform's
/// callback already reported the collection), and what conflicts is flagged for HQ.
pub fn hand_over(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    id: Uuid,
    check: &CourierCheck,
) -> Result<OpOutcome, ServiceError> {
    let mut f = load(tx, ctx, id)?;
    let booking = store::latest_booking(tx, id)?.map(|b| b.booking);
    let (method, verified, why) = match (check, &booking) {
        (_, None) => ("courier", false, "no courier was booked for this order".to_string()),
        (CourierCheck::RiderCode { code }, Some(b)) => (
            "rider_code",
            b.rider_code.as_deref().is_some_and(|c| c == code.trim()),
            "the rider's code does not match the booking: check who took the parcels".to_string(),
        ),
        (CourierCheck::Waybill { waybill_no }, Some(b)) => {
            let scanned = normalised(waybill_no);
            let ok = b.parcels.iter().filter_map(|p| p.waybill_no.as_deref()).any(|w| normalised(w) == scanned)
                || b.labels.iter().any(|l| normalised(&l.waybill_no) == scanned);
            ("waybill", ok, format!("{} is not a waybill of this order's booking", waybill_no.trim()))
        }
    };
    followups::insert_handover(tx, id, ctx.device_id, ctx.staff_id, method, verified, ctx.now)?;
    let mut conflict: Option<(&'static str, String)> = None;
    match f.state {
        // The platform reported the collection before this fact synced: the goods left then.
        FulfillmentState::Dispatched | FulfillmentState::Delivered => {}
        FulfillmentState::Cancelled | FulfillmentState::Rejected => {
            goods_left_at(tx, ctx.store, &f, ctx.now)?;
            conflict = Some((
                "handed_over_after_cancel",
                "the order was cancelled at HQ before the parcels were handed over; HQ has been told to follow up"
                    .into(),
            ));
        }
        FulfillmentState::PickedUp => {
            conflict = Some(("already_handed_over", "this order had already been handed over at the counter".into()));
        }
        FulfillmentState::AwaitingCourier => {
            f.state = FulfillmentState::Dispatched;
            goods_left_at(tx, ctx.store, &f, ctx.now)?;
        }
        _ if f.kind == shared::fulfillment::FulfillmentKind::Pickup => {
            // A fact all the same: recorded and flagged, the order and its stock untouched
            // (a pickup order is never dispatched).
            conflict = Some((
                "not_a_courier_order",
                "a pickup order was handed to a courier; HQ has been told to follow up".into(),
            ));
        }
        other => {
            conflict = Some((
                "handed_over_early",
                format!("the order was still {} on the server when it was handed to the courier", other.as_str()),
            ));
            f.state = FulfillmentState::Dispatched;
            goods_left_at(tx, ctx.store, &f, ctx.now)?;
        }
    }
    if conflict.is_none() && !verified {
        conflict = Some(("unverified_handover", why));
    }
    let outcome = match conflict {
        Some((code, message)) => {
            let order_id = f.order_id;
            flag(tx, ctx, Some(&mut f), Some(order_id), code, message)?
        }
        None => OpOutcome::Applied,
    };
    orders::update_fulfillment(tx, &f, ctx.now)?;
    refresh_status(tx, f.order_id)?;
    Ok(outcome)
}

/// Flags something for HQ that no device op caused (a platform's callback or answer).
fn flag_for_hq(
    tx: &mut dyn Tx,
    f: &mut FulfillmentRow,
    code: &str,
    message: String,
    now: i64,
) -> Result<(), ServiceError> {
    f.flagged = true;
    let c = followups::Conflict {
        id: 0,
        store_code: Some(f.node_code.clone()),
        device_id: None,
        op_id: None,
        order_id: Some(f.order_id.to_string()),
        fulfillment_order_id: Some(f.id.to_string()),
        code: code.to_string(),
        message,
        created_ms: now,
    };
    followups::insert_conflict(tx, &c)?;
    Ok(())
}

/// A parcel came back to the store (`ReturnToStore`): its goods are on the store's stock
/// again (reserved for the order again when it is to be sent again: `reserve`), and the
/// fulfillment fee the store earned when they left is taken back (it earns it again when
/// they leave again). Once, and only if they had left.
fn back_at_store(tx: &mut dyn Tx, f: &FulfillmentRow, reserve: bool, now: i64) -> Result<(), ServiceError> {
    if !orders::mark_goods_left(tx, f.id, false)? {
        return Ok(());
    }
    let reference = f.id.to_string();
    for l in orders::fulfillment_lines(tx, f.id)?.into_iter().filter(|l| l.qty > 0) {
        let m = ledger::Movement {
            node: &f.node_code,
            sku: &l.sku_code,
            quality: Quality::Sellable,
            delta: l.qty,
            reason: MovementReason::Return,
            reference: &reference,
        };
        ledger::record_movement(tx, &m, now)?;
        if !reserve {
            continue;
        }
        let reservation = Uuid::now_v7().to_string();
        let reserved = ledger::try_reserve_own_shelf(tx, &reservation, &f.node_code, &l.sku_code, l.qty, now)?;
        orders::set_line_picked(tx, f.id, l.line_no, l.qty, reserved.then_some(reservation.as_str()))?;
    }
    let fee = super::transitions::fee_for(tx, f)?;
    if fee != 0 {
        let e = settlement::AttributionEntry {
            order_id: f.order_id,
            party_kind: "store",
            party: &f.node_code,
            amount: -fee,
            reason: "fulfillment_fee_return",
            reference: &reference,
        };
        settlement::insert_attribution(tx, &e, now)?;
    }
    Ok(())
}

fn notify(tx: &mut dyn Tx, f: &FulfillmentRow, b: &CourierBooking, now: i64) -> Result<(), ServiceError> {
    if !b.status.notifies_customer(b.method) {
        return Ok(());
    }
    let order = order_of(tx, f)?;
    if order.customer_phone.trim().is_empty() {
        return Ok(());
    }
    let no = &order.channel_order_id;
    let store = catalogue::node(tx, &f.node_code)?.map(|n| n.name).unwrap_or_else(|| f.node_code.clone());
    let (kind, body) = match b.status {
        BookingStatus::Dispatching => {
            let waybill = b
                .labels
                .first()
                .map(|l| l.master_waybill_no.clone())
                .or(b.platform_order_no.clone())
                .unwrap_or_default();
            (
                "courier_booked",
                format!(
                    "您的订单 {no} 将由{store}发出，{} 运单号 {waybill}。/ Your order {no} ships from {store}: {} waybill {waybill}.",
                    crate::courier::sf::CARRIER_NAME,
                    crate::courier::sf::CARRIER_NAME
                ),
            )
        }
        BookingStatus::Accepted => {
            let rider = b.rider.as_ref().map(|r| format!("{} {}", r.name, r.phone)).unwrap_or_default();
            (
                "rider_on_the_way",
                format!("您的订单 {no} 已有骑手接单（{rider}），正前往{store}取货。/ A rider ({rider}) is on the way to {store} for your order {no}."),
            )
        }
        BookingStatus::Delivered => ("delivered", format!("您的订单 {no} 已送达。/ Your order {no} was delivered.")),
        _ => return Ok(()),
    };
    let n = followups::NewNotification {
        order_id: f.order_id,
        fulfillment_order_id: Some(f.id),
        kind,
        recipient: &order.customer_phone,
        body: &body,
        redacted_body: &body,
    };
    followups::insert_notification(tx, &n, now)?;
    Ok(())
}

/// The next booking the dispatcher makes after `ended` (a rider cancelled, or none took
/// it): a new id, the next attempt, the tip for it, queued for the worker. None when HQ's
/// policy allows no more: the ended booking then says `no_rider_found`.
fn redispatch(tx: &mut dyn Tx, ended: &mut BookingRow, now: i64) -> Result<Option<Uuid>, ServiceError> {
    let policy = super::settings::courier_policy(tx)?;
    if ended.dispatch_no >= policy.max_attempts {
        ended.booking.problem = Some(BookingProblem::NoRiderFound);
        return Ok(None);
    }
    let id = Uuid::now_v7();
    let dispatch_no = ended.dispatch_no + 1;
    let k = &ended.booking;
    let next = BookingRow {
        booking: CourierBooking {
            id,
            platform: String::new(),
            attempt: k.attempt + 1,
            platform_order_no: None,
            status: BookingStatus::Queued,
            fee: Fen::ZERO,
            tip: policy.tip_for_attempt(dispatch_no),
            penalty: Fen::ZERO,
            distance_m: None,
            rider: None,
            rider_code: Some(rider_code()),
            eta: None,
            parcels: k.parcels.iter().map(|p| Parcel { waybill_no: None, ..p.clone() }).collect(),
            labels: Vec::new(),
            updated_at: crate::clock::at_ms(now),
            ..k.clone()
        },
        node_code: ended.node_code.clone(),
        dispatch_no,
        cancel_requested: false,
        created_ms: now,
    };
    store::insert_booking(tx, &next)?;
    store::queue_task(tx, TaskKind::Book, id, now, now)?;
    Ok(Some(id))
}

/// Applies the fulfillment step a booking status causes, once: a step the order already
/// took (the store handed the parcels over first) is no step.
fn follow(
    tx: &mut dyn Tx,
    f: &mut FulfillmentRow,
    b: &CourierBooking,
    to: BookingStatus,
    now: i64,
) -> Result<(), ServiceError> {
    let Some(event) = to.fulfillment_event() else { return Ok(()) };
    use FulfillmentState as S;
    match (event, f.state) {
        (FulfillmentEvent::Dispatch | FulfillmentEvent::Deliver, S::AwaitingCourier) => {
            step(f, FulfillmentEvent::Dispatch)?;
            goods_left_at(tx, &f.node_code.clone(), f, now)?;
            if event == FulfillmentEvent::Deliver {
                step(f, FulfillmentEvent::Deliver)?;
            }
        }
        (FulfillmentEvent::Dispatch, S::Cancelled | S::Rejected) => {
            // The rider took the parcels although HQ had cancelled the order: they left.
            goods_left_at(tx, &f.node_code.clone(), f, now)?;
            let message = format!(
                "{} collected the parcels of an order HQ had cancelled (booking {}); get them back or let the delivery go on",
                b.platform, b.id
            );
            flag_for_hq(tx, f, "collected_after_cancel", message, now)?;
        }
        (FulfillmentEvent::Deliver, S::Dispatched) => step(f, FulfillmentEvent::Deliver)?,
        (FulfillmentEvent::ReturnToStore, S::Dispatched) => {
            step(f, FulfillmentEvent::ReturnToStore)?;
            back_at_store(tx, f, true, now)?;
        }
        (FulfillmentEvent::ReturnToStore, S::Cancelled | S::Rejected) => {
            // The parcels of an order HQ cancelled came back: on the shelf again, for sale.
            back_at_store(tx, f, false, now)?;
        }
        _ => {}
    }
    Ok(())
}

/// What one report of a callback did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// It moved the booking.
    Moved,
    /// A status the booking had passed already (repeated or late): nothing changed.
    Repeated,
    /// About an order HQ never booked with this platform: skipped (logged).
    Unknown,
}

/// Applies a platform's status reports (one callback; SF pushes up to 10 routes): each
/// report about one of our bookings is applied and recorded with what it did; one about an
/// order HQ never booked with this platform is skipped and logged, so it does not hold the
/// others back. Only a callback none of whose reports is ours is refused (404
/// `unknown_order`, nothing changed).
pub fn apply_reports(
    tx: &mut dyn Tx,
    platform: &str,
    reports: &[StatusReport],
    body: &str,
    now: i64,
) -> Result<Vec<Applied>, ServiceError> {
    let mut out = Vec::with_capacity(reports.len());
    for r in reports {
        out.push(match apply_report(tx, platform, r, body, now) {
            Err(e) if e.code == "unknown_order" => {
                tracing::warn!(
                    platform,
                    booking = ?r.booking_id,
                    platform_order_no = ?r.platform_order_no,
                    "courier report about an order HQ did not book with this platform: skipped"
                );
                Applied::Unknown
            }
            other => other?,
        });
    }
    if out.iter().all(|a| *a == Applied::Unknown) {
        return Err(ServiceError::new(
            super::ErrorKind::NotFound,
            "unknown_order",
            format!("{platform} reported on an order HQ did not book with it"),
        ));
    }
    Ok(out)
}

fn find_booking(tx: &mut dyn Tx, platform: &str, r: &StatusReport) -> Result<Option<BookingRow>, ServiceError> {
    if let Some(b) = r.booking_id.map(|id| store::booking(tx, id)).transpose()?.flatten() {
        if b.booking.platform == platform {
            return Ok(Some(b));
        }
    }
    match &r.platform_order_no {
        Some(no) => Ok(store::booking_by_platform_no(tx, platform, no)?),
        None => Ok(None),
    }
}

fn apply_report(
    tx: &mut dyn Tx,
    platform: &str,
    r: &StatusReport,
    body: &str,
    now: i64,
) -> Result<Applied, ServiceError> {
    let found = find_booking(tx, platform, r)?.ok_or_else(|| {
        ServiceError::new(
            super::ErrorKind::NotFound,
            "unknown_order",
            format!("{platform} reported on an order HQ did not book with it"),
        )
    })?;
    // Fulfillment order first, then the booking: the order every writer locks them in.
    let mut f = orders::fulfillment_for_update(tx, found.booking.fulfillment_order_id)?
        .ok_or_else(|| ServiceError::not_found("fulfillment order", found.booking.fulfillment_order_id))?;
    let mut b = store::booking_for_update(tx, found.booking.id)?
        .ok_or_else(|| ServiceError::not_found("booking", found.booking.id))?;
    let current = b.booking.status;
    let to = if current == BookingStatus::Returning { r.when_returning.or(r.status) } else { r.status };
    let advance = to.filter(|t| current.advances_to(*t));
    let record = CallbackRow {
        id: 0,
        platform: platform.to_string(),
        booking_id: b.booking.id,
        platform_status: r.platform_status.chars().take(32).collect(),
        status: to,
        outcome: if advance.is_some() { "applied" } else { "repeated" }.into(),
        body: body.chars().take(8_000).collect(),
        received_ms: now,
    };
    store::insert_callback(tx, &record)?;
    let Some(to) = advance else { return Ok(Applied::Repeated) };
    let k = &mut b.booking;
    k.status = to;
    if let Some(rider) = &r.rider {
        k.rider = Some(rider.clone());
    }
    if k.rider_code.is_none() {
        k.rider_code = r.rider_code.clone();
    }
    if let (Some(no), CourierMethod::SameCity) = (&r.platform_order_no, k.method) {
        k.platform_order_no = Some(no.clone());
    }
    if let Some(d) = &r.detail {
        k.problem_detail = Some(d.chars().take(200).collect());
    }
    k.problem = match to {
        BookingStatus::Accepted
        | BookingStatus::Arrived
        | BookingStatus::Collected
        | BookingStatus::InTransit
        | BookingStatus::Delivered => None,
        BookingStatus::Returning => Some(BookingProblem::ReturningToStore),
        BookingStatus::Returned => Some(BookingProblem::ReturnedToStore),
        BookingStatus::Failed => Some(BookingProblem::CreateFailed),
        BookingStatus::Cancelled if !b.cancel_requested && k.method == CourierMethod::SameCity => {
            Some(BookingProblem::RiderCancelled)
        }
        BookingStatus::Expired => Some(BookingProblem::NoRiderYet),
        _ => k.problem,
    };
    if to.fulfillment_event() == Some(FulfillmentEvent::Dispatch) || to == BookingStatus::Delivered {
        if k.fee.0 > 0 {
            store::insert_fee(tx, k, fee::DELIVERY, k.fee, now)?;
        }
        if k.tip.0 > 0 {
            store::insert_fee(tx, k, fee::TIP, k.tip, now)?;
        }
    }
    if let (Some(p), BookingStatus::Cancelled | BookingStatus::Expired) = (r.penalty, to) {
        if p.0 > 0 {
            k.penalty = p;
            store::insert_fee(tx, k, fee::CANCELLATION, p, now)?;
        }
    }
    if to == BookingStatus::Arrived {
        tracing::info!(booking = %k.id, store = %f.node_code, "the rider is at the store");
    }
    let snapshot = k.clone();
    follow(tx, &mut f, &snapshot, to, now)?;
    let ended_before_pickup = matches!(to, BookingStatus::Cancelled | BookingStatus::Expired | BookingStatus::Failed);
    if ended_before_pickup
        && !b.cancel_requested
        && b.booking.method == CourierMethod::SameCity
        && f.state == FulfillmentState::AwaitingCourier
    {
        redispatch(tx, &mut b, now)?;
    }
    store::update_booking(tx, &b, now)?;
    notify(tx, &f, &b.booking, now)?;
    orders::update_fulfillment(tx, &f, now)?;
    refresh_status(tx, f.order_id)?;
    Ok(Applied::Moved)
}

/// HQ cancels an order (`POST /api/v1/orders/{id}/cancel`): as `intake::cancel`, and every
/// booking a platform has before collection is cancelled there through the outbox (its
/// cancellation fee recorded when the platform answers); one still queued is simply not
/// booked.
pub fn cancel_order(tx: &mut dyn Tx, order_id: Uuid, now: i64) -> Result<shared::order::Order, ServiceError> {
    let order = super::intake::cancel(tx, order_id)?;
    for f in orders::fulfillments_of_order(tx, order_id)? {
        let Some(mut b) = store::latest_booking(tx, f.id)? else { continue };
        if !b.booking.status.is_before_collection() || b.cancel_requested {
            continue;
        }
        b.cancel_requested = true;
        if b.booking.status == BookingStatus::Queued {
            b.booking.status = BookingStatus::Cancelled;
        }
        // Booked, or its platform chosen (the place call may have reached it): cancel there.
        if b.booking.platform_order_no.is_some()
            || (b.booking.method != CourierMethod::Manual && !b.booking.platform.is_empty())
        {
            store::queue_task(tx, TaskKind::Cancel, b.booking.id, now, now)?;
        }
        store::update_booking(tx, &b, now)?;
        orders::update_fulfillment(tx, &f, now)?;
    }
    Ok(order)
}

/// HQ cancels the fulfillment order's live booking only (the order stays to be sent): a
/// booking a platform has, or whose platform was chosen, is cancelled there through the
/// outbox (its cancellation fee recorded when the platform answers); one still queued for
/// the worker is simply not booked. The store may then ask again, or switch to express.
pub fn cancel_booking(tx: &mut dyn Tx, id: Uuid, now: i64) -> Result<CourierView, ServiceError> {
    let f = orders::fulfillment_for_update(tx, id)?.ok_or_else(|| ServiceError::not_found("fulfillment order", id))?;
    let live = store::latest_booking(tx, id)?
        .filter(|b| b.booking.method != CourierMethod::Manual && b.booking.status.is_before_collection())
        .ok_or_else(|| {
            ServiceError::conflict(
                "nothing_to_cancel",
                "this order has no courier booking before collection to cancel (none, by hand, or the parcels were collected)",
            )
        })?;
    let mut b = store::booking_for_update(tx, live.booking.id)?
        .ok_or_else(|| ServiceError::not_found("booking", live.booking.id))?;
    if b.cancel_requested {
        return Err(ServiceError::conflict(
            "cancel_already_requested",
            "HQ already asked the platform to cancel this booking; wait for its answer",
        ));
    }
    b.cancel_requested = true;
    let at_platform = b.booking.platform_order_no.is_some() || !b.booking.platform.is_empty();
    if b.booking.status == BookingStatus::Queued {
        b.booking.status = BookingStatus::Cancelled;
    }
    if at_platform {
        store::queue_task(tx, TaskKind::Cancel, b.booking.id, now, now)?;
    }
    store::update_booking(tx, &b, now)?;
    orders::update_fulfillment(tx, &f, now)?;
    view(tx, id)
}

/// HQ asks the platform where the latest booking of a fulfillment order is (for callbacks
/// that never came): a `track` task for the worker.
pub fn refresh(tx: &mut dyn Tx, id: Uuid, now: i64) -> Result<CourierView, ServiceError> {
    let b = store::latest_booking(tx, id)?
        .filter(|b| b.booking.platform_order_no.is_some() && b.booking.method != CourierMethod::Manual)
        .ok_or_else(|| {
            ServiceError::conflict("nothing_to_track", "this order has no booking with a courier platform to ask about")
        })?;
    store::queue_task(tx, TaskKind::Track, b.booking.id, now, now)?;
    view(tx, id)
}

/// Records the coverage of the courier config in force, and queues the bookings that were
/// waiting for a platform their store now has.
pub fn publish_coverage(tx: &mut dyn Tx, coverage: &store::Coverage, now: i64) -> Result<usize, ServiceError> {
    store::set_coverage(tx, coverage, now)?;
    let mut queued = 0;
    for candidate in store::queued_unconfigured(tx)? {
        // Fulfillment order first, then the booking (the order every writer locks them
        // in), and look again: a store's new request may have replaced it meanwhile.
        let Some(f) = orders::fulfillment_for_update(tx, candidate.booking.fulfillment_order_id)? else { continue };
        let Some(mut b) = store::booking_for_update(tx, candidate.booking.id)? else { continue };
        if b.booking.status != BookingStatus::Queued || b.booking.problem != Some(BookingProblem::NotConfigured) {
            continue;
        }
        let served = match b.booking.method {
            CourierMethod::Express => coverage.express.contains(&b.node_code),
            CourierMethod::SameCity => coverage.same_city.contains_key(&b.node_code),
            CourierMethod::Manual => false,
        };
        if served {
            b.booking.problem = None;
            b.booking.problem_detail = None;
            store::update_booking(tx, &b, now)?;
            store::queue_task(tx, TaskKind::Book, b.booking.id, now, now)?;
            orders::update_fulfillment(tx, &f, now)?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// A callback as HQ's courier view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CallbackRecord {
    /// Id.
    pub id: i64,
    /// The booking.
    pub booking_id: Uuid,
    /// The platform.
    pub platform: String,
    /// The platform's status code.
    pub platform_status: String,
    /// Our status for it.
    #[schema(required)]
    pub status: Option<BookingStatus>,
    /// `applied`, or `repeated` (a status already passed: nothing changed).
    pub outcome: String,
    /// The body as received.
    pub body: String,
    /// When.
    pub received_at: chrono::DateTime<chrono::Utc>,
}

/// A fee as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FeeRecord {
    /// The booking.
    pub booking_id: Uuid,
    /// The platform.
    pub platform: String,
    /// `delivery_fee`, `tip` or `cancellation_fee`.
    pub kind: String,
    /// Amount (fen).
    pub amount: Fen,
    /// When.
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

/// A courier worker task as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TaskRecord {
    /// `book`, `cancel` or `track`.
    pub kind: String,
    /// The booking.
    pub booking_id: Uuid,
    /// Tries so far.
    pub tries: i64,
    /// Due.
    pub due_at: chrono::DateTime<chrono::Utc>,
    /// Done.
    #[schema(required)]
    pub done_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The last failure.
    #[schema(required)]
    pub last_error: Option<String>,
}

/// Everything HQ knows about a fulfillment order's courier bookings.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CourierView {
    /// The fulfillment order.
    pub fulfillment_order_id: Uuid,
    /// Its state.
    pub state: FulfillmentState,
    /// Its bookings, first attempt first.
    pub bookings: Vec<CourierBooking>,
    /// Every callback about them, oldest first.
    pub callbacks: Vec<CallbackRecord>,
    /// The fees recorded.
    pub fees: Vec<FeeRecord>,
    /// Their total (fen).
    pub fee_total: Fen,
    /// The worker's tasks for them.
    pub tasks: Vec<TaskRecord>,
}

/// HQ's view of a fulfillment order's courier bookings.
pub fn view(tx: &mut dyn Tx, id: Uuid) -> Result<CourierView, ServiceError> {
    let f = orders::fulfillment(tx, id)?.ok_or_else(|| ServiceError::not_found("fulfillment order", id))?;
    let fees: Vec<FeeRecord> = store::fees_of(tx, id)?
        .into_iter()
        .map(|(booking_id, platform, kind, amount, ms)| FeeRecord {
            booking_id,
            platform,
            kind,
            amount,
            recorded_at: crate::clock::at_ms(ms),
        })
        .collect();
    Ok(CourierView {
        fulfillment_order_id: id,
        state: f.state,
        bookings: store::bookings_of(tx, id)?.into_iter().map(|b| b.booking).collect(),
        callbacks: store::callbacks_of(tx, id)?
            .into_iter()
            .map(|c| CallbackRecord {
                id: c.id,
                booking_id: c.booking_id,
                platform: c.platform,
                platform_status: c.platform_status,
                status: c.status,
                outcome: c.outcome,
                body: c.body,
                received_at: crate::clock::at_ms(c.received_ms),
            })
            .collect(),
        fee_total: Fen(fees.iter().map(|f| f.amount.0).sum()),
        fees,
        tasks: store::tasks_of(tx, id)?
            .into_iter()
            .map(|t| TaskRecord {
                kind: t.kind.as_str().to_string(),
                booking_id: t.booking_id,
                tries: t.tries,
                due_at: crate::clock::at_ms(t.due_ms),
                done_at: t.done_ms.map(crate::clock::at_ms),
                last_error: t.last_error,
            })
            .collect(),
    })
}
