//! Push: applies a device's operations exactly once, in device order.
//!
//! A batch runs in one transaction. Ops the server already applied (by `op_id`) get their
//! stored result again; the next new op must be `last_seq + 1`. Each new op runs in a
//! savepoint: a rejected intent undoes only its own writes, and its result is stored like
//! any other, so a replay gets the same answer.

use super::op_context::{flag, OpContext};
use super::{aisle, courier, returns, transitions, ErrorKind, ServiceError};
use crate::storage::devices::{self, Device};
use crate::storage::{catalogue, sync_ops, Tx};
use shared::fulfillment::FulfillmentEvent;
use shared::protocol::{
    Op, OpEnvelope, OpOutcome, OpResult, PushRequest, PushResponse, MAX_PUSH_OPS, PROTOCOL_VERSION,
};
use std::collections::HashSet;

/// Checks what can be checked without the database: version, size, order.
pub fn check_batch(req: &PushRequest) -> Result<(), ServiceError> {
    if req.protocol_version != PROTOCOL_VERSION {
        return Err(ServiceError::new(
            ErrorKind::BadRequest,
            "unsupported_protocol_version",
            format!(
                "this server speaks sync protocol v{PROTOCOL_VERSION}, the app sent v{}; update the app",
                req.protocol_version
            ),
        ));
    }
    if req.ops.len() > MAX_PUSH_OPS {
        return Err(ServiceError::invalid("batch_too_large", format!("push at most {MAX_PUSH_OPS} ops at a time")));
    }
    let mut ids = HashSet::new();
    for (i, op) in req.ops.iter().enumerate() {
        if op.device_seq == 0 || op.device_seq > i64::MAX as u64 {
            return Err(ServiceError::invalid("invalid_sequence", "device_seq starts at 1"));
        }
        if i > 0 && op.device_seq != req.ops[i - 1].device_seq + 1 {
            return Err(ServiceError::conflict(
                "reordered_batch",
                format!(
                    "ops must be in device order without gaps; op {} has device_seq {} after {}",
                    i + 1,
                    op.device_seq,
                    req.ops[i - 1].device_seq
                ),
            ));
        }
        if !ids.insert(op.op_id) {
            return Err(ServiceError::invalid(
                "duplicate_op_id",
                format!("op_id {} appears twice in the batch", op.op_id),
            ));
        }
        super::text::check_as("invalid_staff", &format!("ops[{i}].staff_id"), &op.staff_id, shared::text::STAFF_ID)?;
        // Every text field of the op, before anything is applied: one that can never be
        // stored refuses the batch whole (4xx) instead of failing it on every retry. Lengths
        // are the op's own business, answered as a rejected op (see `transitions`).
        for (field, value) in op.op.text_fields() {
            super::text::check(&format!("ops[{i}].op.{field}"), value, shared::text::Rule::ANY)?;
        }
    }
    Ok(())
}

fn apply(tx: &mut dyn Tx, ctx: &OpContext<'_>, op: &Op) -> Result<OpOutcome, ServiceError> {
    use transitions as t;
    match op {
        Op::AcceptFulfillment { fulfillment_order_id } => {
            t::simple(tx, ctx, *fulfillment_order_id, FulfillmentEvent::Accept)
        }
        Op::StartPick { fulfillment_order_id } => {
            t::simple(tx, ctx, *fulfillment_order_id, FulfillmentEvent::StartPick)
        }
        Op::RejectFulfillment { fulfillment_order_id, reason } => t::reject(tx, ctx, *fulfillment_order_id, reason),
        Op::ConfirmPick { fulfillment_order_id, lines, shortage_reason } => {
            t::confirm_pick(tx, ctx, *fulfillment_order_id, lines, shortage_reason.as_deref())
        }
        Op::MarkReady { fulfillment_order_id } => t::mark_ready(tx, ctx, *fulfillment_order_id),
        Op::HandOver { fulfillment_order_id, verification } => {
            t::hand_over(tx, ctx, *fulfillment_order_id, verification)
        }
        Op::RequestCourier { fulfillment_order_id, delivery, carrier } => {
            courier::request(tx, ctx, *fulfillment_order_id, delivery.as_ref(), carrier)
        }
        Op::HandOverToCourier { fulfillment_order_id, check } => {
            courier::hand_over(tx, ctx, *fulfillment_order_id, check)
        }
        Op::RecordTracking { fulfillment_order_id, carrier, tracking_no } => {
            t::record_tracking(tx, ctx, *fulfillment_order_id, carrier, tracking_no)
        }
        Op::AcceptReturn { return_id, order_id, order_ref, lines, approved_by, approval } => {
            let fact = returns::ReturnFact {
                return_id: *return_id,
                order_id: *order_id,
                order_ref: order_ref.as_ref(),
                lines,
                approved_by: approved_by.as_deref(),
                approval: approval.as_deref(),
            };
            returns::accept_return(tx, ctx, &fact)
        }
        Op::CountStock { count_id, lines } => returns::count_stock(tx, ctx, *count_id, lines),
        Op::PlaceOrder {
            order_id,
            fulfillment,
            customer,
            lines,
            pickup_store,
            payment_ref,
            carry_out,
            exchange_of,
        } => {
            let p = aisle::PlaceOrder {
                order_id: *order_id,
                fulfillment: *fulfillment,
                customer,
                lines,
                pickup_store: pickup_store.as_deref(),
                payment_ref,
                carry_out: *carry_out,
                exchange_of: *exchange_of,
            };
            aisle::place_order(tx, ctx, &p)
        }
    }
}

/// Applies one new op in a savepoint and turns business errors into a stored outcome.
fn apply_new(tx: &mut dyn Tx, device: &Device, env: &OpEnvelope, now: i64) -> Result<OpOutcome, ServiceError> {
    let ctx =
        OpContext { device_id: &device.id, store: &device.store_code, staff_id: &env.staff_id, op_id: env.op_id, now };
    let staff = catalogue::staff(tx, &env.staff_id)?;
    let staff_ok = staff.as_ref().is_some_and(|(store, s)| store == &device.store_code && s.active);
    let result = crate::storage::savepoint(tx, |tx| {
        // A fact (a hand-over, a return, a count, goods carried out over the counter) happened
        // whoever recorded it: it is applied and the unknown staff flagged below; an intent
        // from staff the server does not know is refused.
        if !staff_ok && !env.op.is_fact() {
            return Err(ServiceError::new(
                ErrorKind::Forbidden,
                "unknown_staff",
                format!("{} is not active staff of this store; log in again", env.staff_id),
            ));
        }
        apply(tx, &ctx, &env.op)
    });
    let outcome = match result {
        Ok(outcome) => outcome,
        // Not an answer about the op: the database failed, or the op lost a race with
        // another transaction (stock taken between planning and reserving). The whole
        // batch fails and the storage runs it again on fresh data (or the device retries);
        // only a business answer is stored as the op's outcome.
        Err(e) if matches!(e.kind, ErrorKind::Unavailable | ErrorKind::Internal) || e.race.is_some() => return Err(e),
        Err(e) => OpOutcome::Rejected { code: e.code.to_string(), message: e.message },
    };
    if !staff_ok && matches!(outcome, OpOutcome::Applied) {
        return flag(
            tx,
            &ctx,
            None,
            None,
            "unknown_staff",
            format!("recorded, but {} is not active staff of this store", env.staff_id),
        );
    }
    Ok(outcome)
}

/// Applies a checked batch for `device` (see [`check_batch`]).
///
/// An op is known by its `op_id`: one the server already applied — under this device's
/// sequence, or under the device id this device had before it was re-enrolled at the same
/// store — gets its stored result whatever sequence number it carries now, and the device's
/// sequence continues after it. A sequence number at or below the last applied one that
/// comes with an unknown op_id means the outbox and the server disagree.
pub fn push(tx: &mut dyn Tx, device_id: &str, req: &PushRequest, now: i64) -> Result<PushResponse, ServiceError> {
    // Locked: two instances serving overlapping pushes of one device take turns, and the
    // second sees what the first committed.
    let device = devices::device_for_update(tx, device_id)?
        .ok_or_else(|| ServiceError::new(ErrorKind::Unauthorized, "unknown_device", "this device is not enrolled"))?;
    let mut last = device.last_seq;
    if let Some(first) = req.ops.first() {
        if first.device_seq as i64 > last + 1 {
            return Err(ServiceError::conflict(
                "sequence_gap",
                format!(
                    "the server has applied this device's ops up to {last}, but the batch starts at {}; push from {}",
                    first.device_seq,
                    last + 1
                ),
            ));
        }
    }
    let mut results = Vec::with_capacity(req.ops.len());
    for env in &req.ops {
        let seq = env.device_seq as i64;
        let outcome = match sync_ops::by_op_id(tx, &env.op_id.to_string())? {
            Some((stored, store)) if store == device.store_code => {
                last = last.max(seq);
                serde_json::from_str::<OpOutcome>(&stored.outcome_json).map_err(|e| {
                    ServiceError::new(ErrorKind::Internal, "internal", format!("stored result unreadable: {e}"))
                })?
            }
            Some(_) => {
                return Err(ServiceError::conflict(
                    "op_id_reused",
                    format!("op_id {} was already used by a device of another store", env.op_id),
                ))
            }
            None if seq <= last => {
                return Err(ServiceError::conflict(
                    "sequence_conflict",
                    format!("device_seq {seq} was already used by another op; the outbox and the server disagree, re-enrol this device"),
                ))
            }
            None => {
                let outcome = apply_new(tx, &device, env, now)?;
                let json = serde_json::to_string(&outcome)
                    .map_err(|e| ServiceError::new(ErrorKind::Internal, "internal", e.to_string()))?;
                let record = sync_ops::NewOp {
                    device_id: &device.id,
                    device_seq: seq,
                    op_id: &env.op_id.to_string(),
                    kind: env.op.kind(),
                    staff_id: &env.staff_id,
                    device_time_ms: env.device_time.timestamp_millis(),
                    outcome_json: &json,
                };
                sync_ops::insert(tx, &record, now)?;
                last = seq;
                outcome
            }
        };
        results.push(OpResult { op_id: env.op_id, device_seq: env.device_seq, outcome });
    }
    devices::set_last_seq(tx, &device.id, last, now)?;
    Ok(PushResponse { results })
}
