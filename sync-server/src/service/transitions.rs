//! Server semantics of the fulfillment-order operations a store device pushes.

use super::intake::{refresh_status, release_lines, reroute};
use super::op_context::{flag, OpContext};
use super::{random_bytes, ServiceError};
use crate::storage::courier as courier_store;
use crate::storage::orders::{self, FulfillmentRow};
use crate::storage::Tx;
use crate::storage::{catalogue, followups, keys, ledger, settlement};
use shared::approval::Approved;
use shared::courier::{BookingProblem, BookingStatus, CourierMethod, KnownCarrier};
use shared::fulfillment::{transition, FulfillmentEvent, FulfillmentKind, FulfillmentState};
use shared::pickup::{pass_public_key, PassCheck, PickupCode, PickupPass};
use shared::protocol::{HandOverVerification, OpOutcome, PickedLine};
use shared::routing::Need;
use shared::staff::Role;
use shared::stock::{MovementReason, Quality};
use uuid::Uuid;

/// Loads a fulfillment order of the device's store for a step, locking it until the
/// transaction ends; another store's id is "not found".
pub fn load(tx: &mut dyn Tx, ctx: &OpContext<'_>, id: Uuid) -> Result<FulfillmentRow, ServiceError> {
    match orders::fulfillment_for_update(tx, id)? {
        Some(f) if f.node_code == ctx.store => Ok(f),
        _ => Err(ServiceError::not_found("fulfillment order", id)),
    }
}

/// Takes `event` on `f` by the state machine, or says why not.
pub fn step(f: &mut FulfillmentRow, event: FulfillmentEvent) -> Result<(), ServiceError> {
    match transition(f.kind, f.state, event) {
        Ok(next) => {
            f.state = next;
            Ok(())
        }
        Err(e) => {
            let why = match e.from {
                FulfillmentState::Cancelled => "it was cancelled at HQ".to_string(),
                FulfillmentState::Rejected => "it was rejected and rerouted".to_string(),
                other => format!("it is {}", other.as_str()),
            };
            Err(ServiceError::conflict("illegal_transition", format!("cannot {} this order: {why}", event_verb(event))))
        }
    }
}

fn event_verb(e: FulfillmentEvent) -> &'static str {
    match e {
        FulfillmentEvent::Accept => "accept",
        FulfillmentEvent::Reject => "reject",
        FulfillmentEvent::StartPick => "start picking",
        FulfillmentEvent::ConfirmPick => "confirm picking of",
        FulfillmentEvent::MarkReady => "mark ready",
        FulfillmentEvent::HandOver => "hand over",
        FulfillmentEvent::RequestCourier => "request a courier for",
        FulfillmentEvent::Dispatch => "dispatch",
        FulfillmentEvent::Deliver => "deliver",
        FulfillmentEvent::Cancel => "cancel",
        FulfillmentEvent::ReturnToStore => "take back",
    }
}

fn text(field: &str, v: &str, max: usize) -> Result<String, ServiceError> {
    super::text::check(field, v, shared::text::Rule::required(max))?;
    Ok(v.trim().to_string())
}

/// Accept, start picking: plain state steps.
pub fn simple(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    id: Uuid,
    event: FulfillmentEvent,
) -> Result<OpOutcome, ServiceError> {
    let mut f = load(tx, ctx, id)?;
    step(&mut f, event)?;
    orders::update_fulfillment(tx, &f, ctx.now)?;
    Ok(OpOutcome::Applied)
}

/// The store declines: release, reroute elsewhere.
pub fn reject(tx: &mut dyn Tx, ctx: &OpContext<'_>, id: Uuid, reason: &str) -> Result<OpOutcome, ServiceError> {
    let reason = text("reason", reason, 500)?;
    let mut f = load(tx, ctx, id)?;
    step(&mut f, FulfillmentEvent::Reject)?;
    f.reject_reason = Some(reason);
    release_lines(tx, id, ctx.now)?;
    orders::update_fulfillment(tx, &f, ctx.now)?;
    let needs: Vec<Need> = orders::fulfillment_lines(tx, id)?
        .into_iter()
        .filter(|l| l.qty > 0)
        .map(|l| Need { line_no: l.order_line_no, sku_code: l.sku_code, qty: l.qty })
        .collect();
    reroute(tx, f.order_id, &needs, None, ctx.now)?;
    Ok(OpOutcome::Applied)
}

/// Picking confirmed with scanned quantities; short lines are rerouted.
pub fn confirm_pick(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    id: Uuid,
    picked: &[PickedLine],
    shortage_reason: Option<&str>,
) -> Result<OpOutcome, ServiceError> {
    let mut f = load(tx, ctx, id)?;
    let lines = orders::fulfillment_lines(tx, id)?;
    if picked.len() != lines.len()
        || lines.iter().any(|l| picked.iter().filter(|p| p.line_no == l.line_no).count() != 1)
    {
        return Err(ServiceError::invalid(
            "pick_lines_mismatch",
            format!("confirm every line of the order exactly once ({} lines)", lines.len()),
        ));
    }
    let mut short = Vec::new();
    for l in &lines {
        let p = picked.iter().find(|p| p.line_no == l.line_no).map(|p| p.picked.get()).unwrap_or(0);
        if p > l.qty {
            return Err(ServiceError::invalid(
                "picked_too_many",
                format!("line {} ({}) needs {} but {p} were scanned; put the extra back", l.line_no, l.sku_code, l.qty),
            ));
        }
        if p < l.qty {
            short.push((l.clone(), p));
        }
    }
    let all_short = short.len() == lines.len() && short.iter().all(|(_, p)| *p == 0);
    if !short.is_empty() && shortage_reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(ServiceError::invalid(
            "shortage_reason_required",
            "some lines are short: say why (e.g. damaged, not found)",
        ));
    }
    step(&mut f, if all_short { FulfillmentEvent::Reject } else { FulfillmentEvent::ConfirmPick })?;
    let mut needs = Vec::new();
    for (l, p) in &short {
        if let Some(r) = &l.reservation_id {
            ledger::shrink_reservation(tx, r, *p, &id.to_string(), ctx.now)?;
        }
        let keep = (*p > 0).then_some(l.reservation_id.as_deref()).flatten();
        orders::set_line_picked(tx, id, l.line_no, *p, keep)?;
        needs.push(Need { line_no: l.order_line_no, sku_code: l.sku_code.clone(), qty: l.qty - p });
    }
    for l in lines.iter().filter(|l| !short.iter().any(|(s, _)| s.line_no == l.line_no)) {
        orders::set_line_picked(tx, id, l.line_no, l.qty, l.reservation_id.as_deref())?;
    }
    if all_short {
        f.reject_reason = shortage_reason.map(|s| s.trim().chars().take(500).collect());
    }
    orders::update_fulfillment(tx, &f, ctx.now)?;
    reroute(tx, f.order_id, &needs, Some(ctx.store), ctx.now)?;
    Ok(OpOutcome::Applied)
}

/// Pickup order at the counter: issue the pickup code and notify the customer once.
pub fn mark_ready(tx: &mut dyn Tx, ctx: &OpContext<'_>, id: Uuid) -> Result<OpOutcome, ServiceError> {
    let mut f = load(tx, ctx, id)?;
    step(&mut f, FulfillmentEvent::MarkReady)?;
    let code = PickupCode::from_entropy(random_bytes::<8>());
    let rules = super::settings::business_rules(tx)?.device();
    let valid_days = rules.pickup_code_valid_days;
    let expires = ctx.now + rules.pickup_code_valid_ms();
    f.pickup_code_hash = Some(code.hash(id, random_bytes::<16>()));
    f.pickup_expires_ms = Some(expires);
    // The QR is a pass HQ signs: a device checks it with HQ's public key, holding no secret.
    let pass = PickupPass::issue(&keys::pickup_pass_key(tx, random_bytes::<32>(), ctx.now)?, id, expires);
    orders::update_fulfillment(tx, &f, ctx.now)?;
    let order = orders::order(tx, f.order_id)?.ok_or_else(|| ServiceError::not_found("order", f.order_id))?;
    let store = catalogue::node(tx, ctx.store)?.map(|n| n.name).unwrap_or_else(|| ctx.store.to_string());
    let text = |code: &str, pass: &str| {
        format!(
            "您的订单 {} 已可在 {} 自提，提货码 {code}，{valid_days} 天内有效。/ Your order {} is ready at {}. Pickup code {code}, valid {valid_days} days. QR: {pass}",
            order.channel_order_id, store, order.channel_order_id, store
        )
    };
    // The plain code lives only until the SMS gateway acknowledges taking it.
    let (body, redacted) = (text(code.reveal(), &pass), text("********", "[sent]"));
    let n = followups::NewNotification {
        order_id: f.order_id,
        fulfillment_order_id: Some(id),
        kind: "pickup_code",
        recipient: &order.customer_phone,
        body: &body,
        redacted_body: &redacted,
    };
    followups::insert_notification(tx, &n, ctx.now)?;
    Ok(OpOutcome::Applied)
}

/// What the customer paid for the goods of `f` (fen): each line's share of its order line.
pub fn goods_value(tx: &mut dyn Tx, f: &FulfillmentRow) -> Result<i64, ServiceError> {
    let order_lines = orders::order_lines(tx, f.order_id)?;
    let mut value = 0;
    for l in orders::fulfillment_lines(tx, f.id)? {
        if let Some(ol) = order_lines.iter().find(|o| o.line_no == l.order_line_no) {
            let paid = ol.unit_price.0 * ol.qty - ol.discount.0;
            value += shared::order::line_refund(paid, ol.qty, 0, l.qty);
        }
    }
    Ok(value)
}

/// The fulfillment fee the node earns for `f` (HQ's rule over the goods' value).
pub fn fee_for(tx: &mut dyn Tx, f: &FulfillmentRow) -> Result<i64, ServiceError> {
    let value = goods_value(tx, f)?;
    Ok(super::settings::business_rules(tx)?.fulfillment_fee(value))
}

/// Goods left the node: consume reservations (or, if there are none any more, record the
/// movement anyway: the shelf is emptier whatever the server thought) and credit the fee.
fn goods_left(tx: &mut dyn Tx, ctx: &OpContext<'_>, f: &FulfillmentRow) -> Result<(), ServiceError> {
    goods_left_at(tx, ctx.store, f, ctx.now)?;
    Ok(())
}

/// [`goods_left`] from `store` at `now`, for a courier's callback (no device involved).
/// Once: goods that had left already (the store's hand-over and the platform's pickup of
/// the same parcels, in either order) leave no second time and earn no second fee. Answers
/// whether they left now.
pub fn goods_left_at(tx: &mut dyn Tx, store: &str, f: &FulfillmentRow, now: i64) -> Result<bool, ServiceError> {
    if !orders::mark_goods_left(tx, f.id, true)? {
        return Ok(false);
    }
    let reference = f.id.to_string();
    for l in orders::fulfillment_lines(tx, f.id)? {
        let consumed = match &l.reservation_id {
            Some(r) => ledger::close_reservation(tx, r, ledger::Close::Consume, &reference, now)?,
            None => false,
        };
        if !consumed && l.qty > 0 {
            let m = ledger::Movement {
                node: store,
                sku: &l.sku_code,
                quality: Quality::Sellable,
                delta: -l.qty,
                reason: MovementReason::Fulfilment,
                reference: &reference,
            };
            ledger::record_movement(tx, &m, now)?;
        }
    }
    let fee = fee_for(tx, f)?;
    let e = settlement::AttributionEntry {
        order_id: f.order_id,
        party_kind: "store",
        party: store,
        amount: fee,
        reason: "fulfillment_fee",
        reference: &reference,
    };
    settlement::insert_attribution(tx, &e, now)?;
    Ok(true)
}

/// Fact: goods handed to the customer. Never rejected for state; conflicts are flagged.
pub fn hand_over(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    id: Uuid,
    verification: &HandOverVerification,
) -> Result<OpOutcome, ServiceError> {
    let mut f = load(tx, ctx, id)?;
    let (method, verified, why) = match verification {
        HandOverVerification::PickupCode { code } => match PickupPass::parse(code) {
            Some(pass) => {
                let public = pass_public_key(&keys::pickup_pass_key(tx, random_bytes::<32>(), ctx.now)?);
                // Checked at the device's time of the hand-over would be kinder to an offline
                // counter, but the device clock is not trusted; the pass's own expiry is
                // generous (days, as HQ set it) and a late sync is flagged, not refused.
                let ok = pass.check(&public, id, ctx.now) == PassCheck::Valid;
                ("pickup_pass", ok, "the pickup QR code was not issued by HQ for this order (or has expired)")
            }
            None => {
                let ok = match (PickupCode::parse_input(code), &f.pickup_code_hash) {
                    (Some((c, qr_id)), Some(hash)) => {
                        qr_id.is_none_or(|q| q == id)
                            && c.verify(hash)
                            && f.pickup_expires_ms.is_some_and(|e| ctx.now < e)
                    }
                    _ => false,
                };
                ("pickup_code", ok, "the pickup code does not match this order (or has expired)")
            }
        },
        HandOverVerification::IdCheck { manager_id, note, approval } => {
            let manager = catalogue::staff(tx, manager_id)?;
            let is_manager =
                manager.is_some_and(|(store, s)| store == ctx.store && s.role == Role::Manager && s.active);
            let what = Approved::IdCheck { fulfillment_order_id: id, manager_id };
            let proven = manager_proof_ok(tx, manager_id, what, approval.as_deref())?;
            let ok = is_manager && proven && !note.trim().is_empty();
            let why = if is_manager && !proven {
                "the ID check carries no valid approval from the manager (their PIN was not confirmed on the device)"
            } else {
                "the ID check was not done by a manager of this store"
            };
            ("id_check", ok, why)
        }
    };
    followups::insert_handover(tx, id, ctx.device_id, ctx.staff_id, method, verified, ctx.now)?;
    let before = f.state;
    let mut conflict: Option<(&'static str, String)> = None;
    match before {
        FulfillmentState::PickedUp => {
            conflict = Some((
                "already_handed_over",
                "this order had already been handed over (on another device); HQ will check both hand-overs".into(),
            ));
        }
        FulfillmentState::Cancelled | FulfillmentState::Rejected => {
            // The goods are gone although the server had released them: record the fact.
            goods_left(tx, ctx, &f)?;
            conflict = Some((
                "handed_over_after_cancel",
                format!(
                    "the order was {} at HQ before you handed it over; HQ has been told to follow up",
                    if before == FulfillmentState::Cancelled { "cancelled" } else { "rerouted" }
                ),
            ));
        }
        _ => {
            if before != FulfillmentState::ReadyForPickup {
                conflict = Some((
                    "handed_over_early",
                    format!("the order was still {} on the server when it was handed over", before.as_str()),
                ));
            }
            f.state = FulfillmentState::PickedUp;
            goods_left(tx, ctx, &f)?;
        }
    }
    if conflict.is_none() && !verified {
        conflict = Some(("unverified_handover", why.to_string()));
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

/// An order the customer carries out of this store at once (endless aisle, an exchange's
/// new size from the shelf): its fulfillment order here takes every step of a pickup at the
/// counter in one go — accepted, picked in full, ready, handed over — and the goods leave
/// the shelf as at any hand-over (the reservation consumed with its stock movement, the
/// fulfillment fee credited). The associate at the counter is the verification.
pub fn carry_out(tx: &mut dyn Tx, ctx: &OpContext<'_>, id: Uuid) -> Result<(), ServiceError> {
    let mut f = load(tx, ctx, id)?;
    for event in [
        FulfillmentEvent::Accept,
        FulfillmentEvent::StartPick,
        FulfillmentEvent::ConfirmPick,
        FulfillmentEvent::MarkReady,
        FulfillmentEvent::HandOver,
    ] {
        step(&mut f, event)?;
    }
    for l in orders::fulfillment_lines(tx, id)? {
        orders::set_line_picked(tx, id, l.line_no, l.qty, l.reservation_id.as_deref())?;
    }
    followups::insert_handover(tx, id, ctx.device_id, ctx.staff_id, "carry_out", true, ctx.now)?;
    goods_left(tx, ctx, &f)?;
    orders::update_fulfillment(tx, &f, ctx.now)?;
    refresh_status(tx, f.order_id)?;
    Ok(())
}

/// Whether `proof` shows that `manager_id` approved `what` (see `shared::approval`). A
/// manager whose PIN HQ set before approvals had keys can give no proof.
pub fn manager_proof_ok(
    tx: &mut dyn Tx,
    manager_id: &str,
    what: Approved<'_>,
    proof: Option<&str>,
) -> Result<bool, ServiceError> {
    let key = catalogue::staff_approval_key(tx, manager_id)?
        .and_then(|k| shared::secret::from_hex(&k))
        .and_then(|k| <[u8; 32]>::try_from(k).ok());
    Ok(match (key, proof) {
        (Some(key), Some(p)) => shared::approval::verify(&key, what, p),
        _ => false,
    })
}

/// A courier or rider was requested.
pub fn request_courier(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    id: Uuid,
    carrier: &str,
) -> Result<OpOutcome, ServiceError> {
    let carrier = text("carrier", carrier, 64)?;
    let mut f = load(tx, ctx, id)?;
    step(&mut f, FulfillmentEvent::RequestCourier)?;
    f.carrier = Some(carrier);
    orders::update_fulfillment(tx, &f, ctx.now)?;
    Ok(OpOutcome::Applied)
}

/// The courier collected the parcel: goods left, tracking recorded.
pub fn record_tracking(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    id: Uuid,
    carrier: &str,
    tracking_no: &str,
) -> Result<OpOutcome, ServiceError> {
    let carrier = text("carrier", carrier, 64)?;
    let tracking_no = text("tracking_no", tracking_no, 64)?;
    // A known carrier's code: its number must fit the carrier's format. Free text (an
    // older app's carrier name) is taken as it is.
    let tracking_no = match KnownCarrier::parse(&carrier) {
        Some(known) => known
            .check_tracking_no(&tracking_no)
            .map_err(|e| ServiceError::invalid("tracking_no_invalid", e.to_string()))?,
        None => tracking_no,
    };
    let mut f = load(tx, ctx, id)?;
    // An intent: refused while a platform's booking is live (its courier is coming for the
    // parcels); one only waiting for a platform to be configured ends here.
    if let Some(mut b) = courier_store::latest_booking(tx, id)?
        .filter(|b| b.booking.method != CourierMethod::Manual && b.booking.status.is_before_collection())
    {
        if b.booking.problem != Some(BookingProblem::NotConfigured) {
            let platform = match b.booking.platform.as_str() {
                "" => "a courier platform".to_string(),
                p => p.to_string(),
            };
            return Err(ServiceError::conflict(
                "courier_booked_by_platform",
                format!("HQ booked {platform} for this order: hand the parcels to that courier"),
            ));
        }
        b.booking.status = BookingStatus::Cancelled;
        courier_store::update_booking(tx, &b, ctx.now)?;
    }
    step(&mut f, FulfillmentEvent::Dispatch)?;
    f.carrier = Some(carrier.clone());
    f.tracking_no = Some(tracking_no.clone());
    goods_left(tx, ctx, &f)?;
    // The booking the associate made by hand (a `manual` request) is collected now.
    if let Some(mut b) = courier_store::latest_booking(tx, id)?
        .filter(|b| b.booking.method == CourierMethod::Manual && b.booking.status.is_before_collection())
    {
        b.booking.platform = carrier;
        b.booking.platform_order_no = Some(tracking_no.clone());
        b.booking.status = BookingStatus::Collected;
        b.booking.problem = None;
        for p in &mut b.booking.parcels {
            p.waybill_no = Some(tracking_no.clone());
        }
        courier_store::update_booking(tx, &b, ctx.now)?;
    }
    orders::update_fulfillment(tx, &f, ctx.now)?;
    notify_tracking(tx, &f, ctx.now)?;
    Ok(OpOutcome::Applied)
}

/// An order a store placed for a customer (endless aisle) tells them its tracking number;
/// the channels tell their own customers.
fn notify_tracking(tx: &mut dyn Tx, f: &FulfillmentRow, now: i64) -> Result<(), ServiceError> {
    let Some(order) = orders::order(tx, f.order_id)? else { return Ok(()) };
    let (Some(_), Some(carrier), Some(no)) = (&order.placed_at_store, &f.carrier, &f.tracking_no) else {
        return Ok(());
    };
    let body = format!(
        "您的订单 {} 已发货，{carrier} 运单号 {no}。/ Your order {} has shipped: {carrier} tracking number {no}.",
        order.channel_order_id, order.channel_order_id
    );
    let n = followups::NewNotification {
        order_id: f.order_id,
        fulfillment_order_id: Some(f.id),
        kind: "tracking",
        recipient: &order.customer_phone,
        body: &body,
        redacted_body: &body,
    };
    followups::insert_notification(tx, &n, now)?;
    Ok(())
}

/// HQ/courier callback: a dispatched parcel was delivered.
pub fn delivered(tx: &mut dyn Tx, id: Uuid, now: i64) -> Result<(), ServiceError> {
    let mut f =
        orders::fulfillment_for_update(tx, id)?.ok_or_else(|| ServiceError::not_found("fulfillment order", id))?;
    if f.kind == FulfillmentKind::Pickup {
        return Err(ServiceError::conflict(
            "illegal_transition",
            "pickup orders are handed over at the store, not delivered",
        ));
    }
    step(&mut f, FulfillmentEvent::Deliver)?;
    orders::update_fulfillment(tx, &f, now)?;
    refresh_status(tx, f.order_id)?;
    Ok(())
}
