//! Money after a return: the refund instructions the channel integrations claim and
//! acknowledge, the return's status as its store's devices follow it, and an order's
//! attribution as HQ reads it.

use super::{ErrorKind, ServiceError};
use crate::storage::returns::{self as booked, RefundRow};
use crate::storage::{orders, settlement, Tx};
use shared::order::Channel;
use shared::returns::{
    AttributionEntry, AttributionTotal, OrderAttribution, QuotedLine, RefundInstruction, RefundState, ReturnStatus,
};
use shared::Fen;
use uuid::Uuid;

/// How long a claimed refund instruction is the claimer's: unacknowledged after that, it
/// is handed out again (delivery is at least once; the channel dedupes by return id).
pub const REFUND_LEASE_MS: i64 = 60_000;
/// Instructions one claim hands out unless asked for fewer.
pub const DEFAULT_CLAIM: u32 = 100;
/// Most instructions one claim hands out.
pub const MAX_CLAIM: u32 = 1_000;

fn decode(e: impl std::fmt::Display) -> ServiceError {
    tracing::error!(error = %e, "a stored refund instruction does not parse");
    ServiceError::new(ErrorKind::Internal, "internal", "an internal error occurred; nothing was changed")
}

fn instruction(r: RefundRow) -> Result<RefundInstruction, ServiceError> {
    let lines: Vec<QuotedLine> = serde_json::from_str(&r.lines_json).map_err(decode)?;
    Ok(RefundInstruction {
        return_id: r.return_id,
        order_id: r.order_id,
        channel: Channel::parse(&r.channel).ok_or_else(|| decode(format!("channel {}", r.channel)))?,
        channel_order_id: r.channel_order_id,
        store_code: r.store_code,
        lines,
        goods: Fen(r.goods_fen),
        shipping: Fen(r.shipping_fen),
        amount: Fen(r.amount_fen),
        created_at: crate::clock::at_ms(r.created_ms),
    })
}

/// Claims up to `limit` (default [`DEFAULT_CLAIM`], clamped to 1..[`MAX_CLAIM`]) refund
/// instructions nobody holds, oldest first, for [`REFUND_LEASE_MS`].
pub fn claim(tx: &mut dyn Tx, limit: Option<u32>, now: i64) -> Result<Vec<RefundInstruction>, ServiceError> {
    let limit = limit.unwrap_or(DEFAULT_CLAIM).clamp(1, MAX_CLAIM);
    booked::claim_refunds(tx, limit, now, now - REFUND_LEASE_MS)?.into_iter().map(instruction).collect()
}

fn refund_not_found(id: &str) -> ServiceError {
    ServiceError::new(
        ErrorKind::NotFound,
        "refund_not_found",
        format!("there is no refund instruction for return {id}"),
    )
}

/// The channel took the refund: it is not handed out again. Acknowledging again is
/// harmless; an unknown return (or one with nothing to refund) is 404 refund_not_found.
pub fn ack(tx: &mut dyn Tx, return_id: &str, now: i64) -> Result<(), ServiceError> {
    let id = Uuid::parse_str(return_id).map_err(|_| refund_not_found(return_id))?;
    if booked::ack_refund(tx, id, now)? {
        Ok(())
    } else {
        Err(refund_not_found(return_id))
    }
}

/// A return `store` recorded, as its devices follow it; another store's return, or one the
/// server has not received, is 404 return_not_found.
pub fn return_status(tx: &mut dyn Tx, store: &str, return_id: &str) -> Result<ReturnStatus, ServiceError> {
    let not_found = || {
        ServiceError::new(
            ErrorKind::NotFound,
            "return_not_found",
            format!("this store has recorded no return {return_id} (or it has not been synced yet)"),
        )
    };
    let id = Uuid::parse_str(return_id).map_err(|_| not_found())?;
    let r = booked::store_return(tx, id, store)?.ok_or_else(not_found)?;
    let refund_state = match booked::refund_state(tx, id)? {
        Some(true) => RefundState::Confirmed,
        Some(false) => RefundState::Requested,
        None => RefundState::NotDue,
    };
    Ok(ReturnStatus {
        return_id: r.id,
        order_id: r.order_id,
        refund: Fen(r.refund_fen),
        refund_state,
        problem: r.problem,
        recorded_at: crate::clock::at_ms(r.created_ms),
    })
}

/// An order's attribution entries, oldest first, with the net per party; 404 for an
/// unknown order.
pub fn order_attribution(tx: &mut dyn Tx, order_id: Uuid) -> Result<OrderAttribution, ServiceError> {
    if orders::order(tx, order_id)?.is_none() {
        return Err(ServiceError::not_found("order", order_id));
    }
    let entries: Vec<AttributionEntry> = settlement::attribution_entries(tx, order_id)?
        .into_iter()
        .map(|e| AttributionEntry {
            party_kind: e.party_kind,
            party: e.party,
            amount: Fen(e.amount),
            reason: e.reason,
            reference: e.reference,
            at: crate::clock::at_ms(e.at_ms),
        })
        .collect();
    let totals = settlement::attribution_totals(tx, order_id)?
        .into_iter()
        .map(|(party_kind, party, amount)| AttributionTotal { party_kind, party, amount: Fen(amount) })
        .collect();
    Ok(OrderAttribution { order_id, entries, totals })
}

/// The conflicts under which a return's refund is held until someone approves it.
const HELD_FOR_APPROVAL: [&str; 2] = ["manager_approval_missing", "manager_approval_unproven"];

/// HQ approves a refund a return held for want of a manager's approval (the conflict
/// `conflict` raised): its instruction is queued for the channel with the amounts booked
/// when the goods came back (the refund per order line as booked on the receipt). Releasing
/// twice queues it once. Refused (422 nothing_to_release) for any other conflict, or a
/// return that refunds nothing.
pub fn release_held(
    tx: &mut dyn Tx,
    conflict: &crate::storage::followups::Conflict,
    now: i64,
) -> Result<(), ServiceError> {
    let nothing = |why: &str| {
        ServiceError::new(
            ErrorKind::Invalid,
            "nothing_to_release",
            format!("conflict {} holds no refund to release: {why}; resolve it without release_refund", conflict.id),
        )
    };
    if !HELD_FOR_APPROVAL.contains(&conflict.code.as_str()) {
        return Err(nothing("it is not a refund held for a manager's approval"));
    }
    let op = conflict.op_id.as_deref().ok_or_else(|| nothing("it names no op"))?;
    let ret = booked::return_by_op(tx, op)?.ok_or_else(|| nothing("its op booked no return"))?;
    let (Some(order_id), true) = (ret.order_id, ret.refund_fen > 0) else {
        return Err(nothing("the return refunds nothing"));
    };
    if booked::refund_state(tx, ret.id)?.is_some() {
        return Ok(());
    }
    let order = orders::order(tx, order_id)?.ok_or_else(|| nothing("its order is gone"))?;
    let row = super::returns::refund_row(&ret, order.channel, &order.channel_order_id, now)
        .ok_or_else(|| nothing("the return refunds nothing"))?;
    Ok(booked::insert_refund(tx, &row)?)
}
