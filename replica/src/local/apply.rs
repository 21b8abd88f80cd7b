//! What an operation does to the device's view before the server confirms it. Uses the
//! same transition function as the server, so the device never shows a state the server
//! would refuse.

use crate::error::{ReplicaError, Result};
use shared::fulfillment::{transition, FulfillmentEvent, FulfillmentState};
use shared::order::FulfillmentOrder;
use shared::protocol::{Op, StockRecord};
use shared::stock::Quality;

/// What asking for a courier and handing over to one do to an order (and the device-side
/// checks of both), beside the state machine's step.
pub mod courier {
    use crate::error::{ReplicaError, Result};
    use shared::app::courier::may_ask_again;
    use shared::courier::{
        check_parcels, BookingStatus, CourierBooking, CourierCheck, CourierMethod, DeliveryRequest, KnownCarrier,
        Parcel,
    };
    use shared::fulfillment::{FulfillmentEvent, FulfillmentState};
    use shared::order::FulfillmentOrder;

    /// Units picked per line: `(line_no, picked)`, as [`check_parcels`] takes them.
    pub fn picked(fo: &FulfillmentOrder) -> Vec<(u32, i64)> {
        fo.lines.iter().map(|l| (l.line_no, l.picked_qty.unwrap_or(l.qty))).collect()
    }

    pub(crate) fn not_awaiting(fo: &FulfillmentOrder) -> ReplicaError {
        ReplicaError::not_allowed(
            "not_awaiting_courier",
            format!("order {} is {}, not waiting for a courier", fo.channel_order_id, fo.state.as_str()),
        )
    }

    /// A booking still under way blocks a new request ([`may_ask_again`]).
    pub(crate) fn check_no_open_booking(fo: &FulfillmentOrder) -> Result<()> {
        match fo.courier.as_ref().filter(|b| !may_ask_again(b)) {
            Some(b) => Err(ReplicaError::not_allowed(
                "courier_already_booked",
                format!("booking {} is still {}: wait for it to end before asking again", b.id, b.status.as_str()),
            )),
            None => Ok(()),
        }
    }

    /// Checks a request against the order and records it as a queued booking (HQ books it
    /// when the op arrives; the pull then brings HQ's booking under the same id).
    pub(crate) fn request(fo: &mut FulfillmentOrder, d: &DeliveryRequest) -> Result<()> {
        check_no_open_booking(fo)?;
        if d.method == CourierMethod::SameCity && !fo.same_city_offered {
            return Err(ReplicaError::not_allowed(
                "same_city_not_offered",
                "HQ offers no same-city rider for this order: send it by express",
            ));
        }
        check_parcels(&picked(fo), &d.parcels)
            .map_err(|p| ReplicaError::not_allowed("parcels_invalid", format!("{} ({})", p, p.code())))?;
        super::step(fo, FulfillmentEvent::RequestCourier)?;
        let attempt = fo.courier.as_ref().map_or(1, |b| b.attempt.saturating_add(1));
        fo.courier = Some(CourierBooking {
            id: d.booking_id,
            fulfillment_order_id: fo.id,
            method: d.method,
            service: d.service,
            platform: String::new(),
            attempt,
            platform_order_no: None,
            status: BookingStatus::Queued,
            problem: None,
            problem_detail: None,
            fee: shared::Fen(0),
            tip: shared::Fen(0),
            penalty: shared::Fen(0),
            distance_m: None,
            rider: None,
            rider_code: None,
            eta: None,
            parcels: d
                .parcels
                .iter()
                .enumerate()
                .map(|(i, p)| Parcel {
                    parcel_no: i as u32 + 1,
                    weight_g: p.weight_g,
                    lines: p.lines.clone(),
                    waybill_no: None,
                })
                .collect(),
            labels: Vec::new(),
            updated_at: fo.updated_at,
        });
        Ok(())
    }

    /// A tracking number is recorded for a carrier booked by hand only, in its carrier's
    /// format when the carrier is a known one.
    pub(crate) fn check_manual_tracking(fo: &FulfillmentOrder, carrier: &str, tracking_no: &str) -> Result<()> {
        if let Some(b) = fo.courier.as_ref().filter(|b| b.method != CourierMethod::Manual) {
            return Err(ReplicaError::not_allowed(
                "not_manual_booking",
                format!("HQ books this order's {} courier: hand the parcels over instead", b.method.as_str()),
            ));
        }
        if let Some(known) = KnownCarrier::parse(carrier) {
            known
                .check_tracking_no(tracking_no)
                .map_err(|e| ReplicaError::not_allowed("tracking_no_invalid", e.to_string()))?;
        }
        Ok(())
    }

    /// The waybill numbers of a booking (its parcels' and its labels').
    pub fn waybills(b: &CourierBooking) -> Vec<String> {
        let mut out: Vec<String> = b
            .parcels
            .iter()
            .filter_map(|p| p.waybill_no.clone())
            .chain(b.labels.iter().flat_map(|l| [l.waybill_no.clone(), l.master_waybill_no.clone()]))
            .filter(|w| !w.is_empty())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Checks the rider's code or the scanned label against the order's booking before the
    /// parcels leave: a mismatch is refused on the device (nothing is queued).
    pub fn check_hand_over(fo: &FulfillmentOrder, check: &CourierCheck) -> Result<()> {
        if fo.state != FulfillmentState::AwaitingCourier {
            return Err(not_awaiting(fo));
        }
        let Some(b) = fo.courier.as_ref() else { return Err(not_awaiting(fo)) };
        match check {
            CourierCheck::RiderCode { code } => match b.rider_code.as_deref() {
                None => Err(ReplicaError::not_allowed(
                    "no_rider_code",
                    "the rider's code has not reached this device yet: sync, or scan the label",
                )),
                Some(want) if want.trim() == code.trim() => Ok(()),
                Some(_) => Err(ReplicaError::not_allowed(
                    "rider_code_mismatch",
                    "that is not this booking's rider code: check the rider's app shows this order",
                )),
            },
            CourierCheck::Waybill { waybill_no } => {
                let all = waybills(b);
                if all.is_empty() {
                    return Err(ReplicaError::not_allowed(
                        "no_waybill",
                        "HQ has not booked this order's waybill yet: wait for the label",
                    ));
                }
                let scanned = waybill_no.trim();
                if all.iter().any(|w| w.eq_ignore_ascii_case(scanned)) {
                    Ok(())
                } else {
                    Err(ReplicaError::not_allowed(
                        "waybill_mismatch",
                        format!("{scanned} is not one of this order's waybills ({})", all.join(", ")),
                    ))
                }
            }
        }
    }
}

/// The fulfillment order an op acts on, if any.
pub fn fulfillment_of(op: &Op) -> Option<uuid::Uuid> {
    match op {
        Op::AcceptFulfillment { fulfillment_order_id }
        | Op::RejectFulfillment { fulfillment_order_id, .. }
        | Op::StartPick { fulfillment_order_id }
        | Op::ConfirmPick { fulfillment_order_id, .. }
        | Op::MarkReady { fulfillment_order_id }
        | Op::HandOver { fulfillment_order_id, .. }
        | Op::RequestCourier { fulfillment_order_id, .. }
        | Op::HandOverToCourier { fulfillment_order_id, .. }
        | Op::RecordTracking { fulfillment_order_id, .. } => Some(*fulfillment_order_id),
        _ => None,
    }
}

fn step(fo: &mut FulfillmentOrder, event: FulfillmentEvent) -> Result<()> {
    let next = transition(fo.kind, fo.state, event).map_err(|e| {
        ReplicaError::not_allowed(
            "illegal_transition",
            format!("order {} is {}; that step is not possible now", fo.channel_order_id, e.from.as_str()),
        )
    })?;
    fo.state = next;
    Ok(())
}

/// Applies `op` to the order it names. Errors leave `fo` unchanged.
pub fn apply_to_order(fo: &FulfillmentOrder, op: &Op) -> Result<FulfillmentOrder> {
    let mut fo = fo.clone();
    match op {
        Op::AcceptFulfillment { .. } => step(&mut fo, FulfillmentEvent::Accept)?,
        Op::StartPick { .. } => step(&mut fo, FulfillmentEvent::StartPick)?,
        Op::RejectFulfillment { reason, .. } => {
            step(&mut fo, FulfillmentEvent::Reject)?;
            fo.reject_reason = Some(reason.clone());
        }
        Op::ConfirmPick { lines, shortage_reason, .. } => {
            if lines.len() != fo.lines.len()
                || fo.lines.iter().any(|l| lines.iter().filter(|p| p.line_no == l.line_no).count() != 1)
            {
                return Err(ReplicaError::not_allowed(
                    "pick_lines_mismatch",
                    "confirm every line of the order exactly once",
                ));
            }
            let mut all_zero = true;
            for l in fo.lines.iter_mut() {
                let picked = lines.iter().find(|p| p.line_no == l.line_no).map(|p| p.picked.get()).unwrap_or(0);
                if picked > l.qty {
                    return Err(ReplicaError::not_allowed(
                        "picked_too_many",
                        format!("line {} needs {} but {picked} were scanned", l.line_no, l.qty),
                    ));
                }
                if picked < l.qty && shortage_reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                    return Err(ReplicaError::not_allowed("shortage_reason_required", "some lines are short: say why"));
                }
                all_zero &= picked == 0;
                l.picked_qty = Some(picked);
                l.qty = picked;
            }
            step(&mut fo, if all_zero { FulfillmentEvent::Reject } else { FulfillmentEvent::ConfirmPick })?;
        }
        Op::MarkReady { .. } => step(&mut fo, FulfillmentEvent::MarkReady)?,
        Op::HandOver { .. } => {
            if fo.state != FulfillmentState::ReadyForPickup {
                return Err(ReplicaError::not_allowed(
                    "not_ready",
                    format!("order {} is {}, not ready for pickup", fo.channel_order_id, fo.state.as_str()),
                ));
            }
            fo.state = FulfillmentState::PickedUp;
        }
        Op::RequestCourier { delivery: Some(delivery), .. } => {
            if fo.courier.as_ref().is_some_and(|b| b.id == delivery.booking_id) {
                // HQ has this very request already (its booking came with a pull): HQ's
                // booking stands.
                return Ok(fo);
            }
            courier::request(&mut fo, delivery)?;
        }
        Op::RequestCourier { carrier, .. } => {
            step(&mut fo, FulfillmentEvent::RequestCourier)?;
            fo.carrier = Some(carrier.clone());
        }
        Op::RecordTracking { carrier, tracking_no, .. } => {
            courier::check_manual_tracking(&fo, carrier, tracking_no)?;
            step(&mut fo, FulfillmentEvent::Dispatch)?;
            fo.carrier = Some(carrier.clone());
            fo.tracking_no = Some(tracking_no.clone());
            if let Some(b) = fo.courier.as_mut() {
                b.platform = carrier.clone();
                b.status = shared::courier::BookingStatus::Collected;
                for p in &mut b.parcels {
                    p.waybill_no.get_or_insert_with(|| tracking_no.clone());
                }
            }
        }
        Op::HandOverToCourier { .. } => {
            if fo.state != FulfillmentState::AwaitingCourier {
                return Err(courier::not_awaiting(&fo));
            }
            step(&mut fo, FulfillmentEvent::Dispatch)?;
            if let Some(b) = fo.courier.as_mut() {
                b.status = shared::courier::BookingStatus::Collected;
            }
        }
        _ => {}
    }
    Ok(fo)
}

/// Stock changes an op makes at the store: `(sku, quality, on-hand delta, reserved delta)`,
/// or for a count `(sku, quality, new on-hand)` via [`StockEffect::Set`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StockEffect {
    /// Add to on-hand and reserved.
    Delta {
        /// The SKU whose balance changes.
        sku: String,
        /// Which of its balances: sellable or defective.
        quality: Quality,
        /// Units added to on-hand (negative takes away).
        on_hand: i64,
        /// Units added to reserved (negative releases).
        reserved: i64,
    },
    /// Set on-hand (a count).
    Set {
        /// The SKU counted.
        sku: String,
        /// Which of its balances was counted.
        quality: Quality,
        /// The on-hand the count found.
        on_hand: i64,
    },
}

impl StockEffect {
    /// The balance it touches.
    pub fn key(&self) -> (&str, Quality) {
        match self {
            StockEffect::Delta { sku, quality, .. } | StockEffect::Set { sku, quality, .. } => (sku, *quality),
        }
    }

    /// Applies it to a record.
    pub fn apply(&self, r: &mut StockRecord) {
        match self {
            StockEffect::Delta { on_hand, reserved, .. } => {
                r.on_hand += on_hand;
                r.reserved = (r.reserved + reserved).max(0);
            }
            StockEffect::Set { on_hand, .. } => r.on_hand = *on_hand,
        }
        r.lease =
            shared::stock::StockLevel { on_hand: r.on_hand, reserved: r.reserved, safety: r.safety, locked: r.locked }
                .lease();
    }
}

/// The stock effects of `op`, given the order it acts on as it was before.
pub fn stock_effects(op: &Op, before: Option<&FulfillmentOrder>) -> Vec<StockEffect> {
    match op {
        Op::HandOver { .. } | Op::RecordTracking { .. } | Op::HandOverToCourier { .. } => before
            .map(|fo| {
                fo.lines
                    .iter()
                    .filter(|l| l.qty > 0)
                    .map(|l| StockEffect::Delta {
                        sku: l.sku_code.clone(),
                        quality: Quality::Sellable,
                        on_hand: -l.qty,
                        reserved: -l.qty,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        Op::AcceptReturn { lines, .. } => lines
            .iter()
            .map(|l| StockEffect::Delta {
                sku: l.sku_code.clone(),
                quality: l.condition.quality(),
                on_hand: l.qty.get(),
                reserved: 0,
            })
            .collect(),
        Op::CountStock { lines, .. } => lines
            .iter()
            .map(|l| StockEffect::Set { sku: l.sku_code.clone(), quality: l.quality, on_hand: l.counted.get() })
            .collect(),
        // Taken from this store's shelf now (an exchange's new size): the units leave at once.
        Op::PlaceOrder { carry_out: true, lines, .. } => lines
            .iter()
            .map(|l| StockEffect::Delta {
                sku: l.sku_code.clone(),
                quality: Quality::Sellable,
                on_hand: -l.qty.get(),
                reserved: 0,
            })
            .collect(),
        _ => Vec::new(),
    }
}
