//! What an operation does to the device's view before the server confirms it. Uses the
//! same transition function as the server, so the device never shows a state the server
//! would refuse.

use crate::error::{ReplicaError, Result};
use shared::fulfillment::{transition, FulfillmentEvent, FulfillmentState};
use shared::order::FulfillmentOrder;
use shared::protocol::{Op, StockRecord};
use shared::stock::Quality;

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
        Op::RequestCourier { carrier, .. } => {
            step(&mut fo, FulfillmentEvent::RequestCourier)?;
            fo.carrier = Some(carrier.clone());
        }
        Op::RecordTracking { carrier, tracking_no, .. } => {
            step(&mut fo, FulfillmentEvent::Dispatch)?;
            fo.carrier = Some(carrier.clone());
            fo.tracking_no = Some(tracking_no.clone());
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
        Op::HandOver { .. } | Op::RecordTracking { .. } => before
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
