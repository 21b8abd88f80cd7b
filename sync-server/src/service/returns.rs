//! Facts from the shop floor about stock: returns received and stock counts.
//!
//! Each fact carries an id of its own (return id, count id) and is applied once by it,
//! whatever op carries it: the same fact sent again gets its first outcome back and changes
//! nothing; other content under a known id is flagged for HQ, not applied.

use super::op_context::{flag, OpContext};
use super::{ErrorKind, ServiceError};
use crate::storage::{catalogue, followups, ledger, orders, settlement, Tx};
use shared::order::line_refund;
use shared::protocol::{CountLine, OpOutcome, ReturnCondition, ReturnLine};
use shared::secret::token_digest;
use shared::staff::Role;
use shared::stock::MovementReason;
use uuid::Uuid;

/// Fact: a return was received at this store. The goods go back to stock whatever else is
/// wrong; refund and attribution follow the original order; problems are flagged.
pub fn accept_return(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    return_id: Uuid,
    order_id: Uuid,
    lines: &[ReturnLine],
    approved_by: Option<&str>,
    approval: Option<&str>,
) -> Result<OpOutcome, ServiceError> {
    if lines.is_empty() || lines.len() > 100 {
        return Err(ServiceError::invalid("invalid_lines", "a return has 1 to 100 lines"));
    }
    let digest = token_digest(&serde_json::to_string(&(order_id, lines, approved_by)).unwrap_or_default());
    if let Some(outcome) = seen_before(tx, ctx, RETURN, return_id, &digest, Some(order_id))? {
        return Ok(outcome);
    }
    // A receipt recorded before facts were kept by id: it cannot be compared, only flagged.
    if settlement::return_exists(tx, return_id)? {
        return flag(
            tx,
            ctx,
            None,
            Some(order_id),
            "duplicate_return",
            format!("return {return_id} was already recorded; nothing was changed"),
        );
    }
    let reference = return_id.to_string();
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    for l in lines {
        if !catalogue::sku_exists(tx, &l.sku_code)? {
            problems.push((
                "unknown_sku",
                format!("SKU {} is not in the catalogue; its units were not booked", l.sku_code),
            ));
            continue;
        }
        let m = ledger::Movement {
            node: ctx.store,
            sku: &l.sku_code,
            quality: l.condition.quality(),
            delta: l.qty.get(),
            reason: MovementReason::Return,
            reference: &reference,
        };
        ledger::record_movement(tx, &m, ctx.now)?;
    }
    let order = orders::order(tx, order_id)?;
    let mut refund_total = 0;
    let mut receipt_lines: Vec<(String, i64, &'static str, i64)> = Vec::new();
    if let Some(order) = &order {
        let mut order_lines = orders::order_lines(tx, order_id)?;
        for l in lines {
            let mut left = l.qty.get();
            let mut refund = 0;
            for ol in order_lines.iter_mut().filter(|o| o.sku_code == l.sku_code) {
                let returnable = ol.qty - ol.unrouted_qty - ol.returned_qty;
                let take = returnable.min(left).max(0);
                if take == 0 {
                    continue;
                }
                let paid = ol.unit_price.0 * ol.qty - ol.discount.0;
                refund += line_refund(paid, ol.qty, ol.returned_qty, take);
                orders::add_returned(tx, order_id, ol.line_no, take)?;
                ol.returned_qty += take;
                left -= take;
            }
            if left > 0 {
                problems.push(("more_than_sold", format!("{left} unit(s) of {} were not sold on this order (or were already returned); no refund for them", l.sku_code)));
            }
            let condition = match l.condition {
                ReturnCondition::Resaleable => "resaleable",
                ReturnCondition::Damaged => "damaged",
            };
            refund_total += refund;
            receipt_lines.push((l.sku_code.clone(), l.qty.get(), condition, refund));
        }
        for (kind, party) in
            [("channel", Some(order.channel.as_str().to_string())), ("associate", order.associate_id.clone())]
        {
            if let (Some(party), true) = (party, refund_total > 0) {
                let e = settlement::AttributionEntry {
                    order_id,
                    party_kind: kind,
                    party: &party,
                    amount: -refund_total,
                    reason: "return",
                    reference: &reference,
                };
                settlement::insert_attribution(tx, &e, ctx.now)?;
            }
        }
    } else {
        problems.push((
            "unknown_order",
            format!("order {order_id} is unknown; the goods were booked into stock without a refund"),
        ));
    }
    if refund_total > super::settings::business_rules(tx)?.return_manager_limit_fen {
        let approved = match approved_by {
            Some(m) => catalogue::staff(tx, m)?
                .is_some_and(|(store, s)| store == ctx.store && s.role == Role::Manager && s.active),
            None => false,
        };
        let proven = match approved_by {
            Some(m) => super::transitions::manager_proof_ok(
                tx,
                m,
                shared::approval::Approved::Return { return_id, manager_id: m },
                approval,
            )?,
            None => false,
        };
        if !approved {
            problems.push((
                "manager_approval_missing",
                format!("a refund of {} needs a store manager's approval", shared::Fen(refund_total)),
            ));
        } else if !proven {
            problems.push((
                "manager_approval_unproven",
                format!(
                    "a refund of {} was approved in a manager's name without their PIN confirmed on the device",
                    shared::Fen(refund_total)
                ),
            ));
        }
    }
    settlement::insert_return(tx, return_id, order_id, ctx.store, ctx.staff_id, approved_by, refund_total, ctx.now)?;
    for (i, (sku, qty, condition, refund)) in receipt_lines.iter().enumerate() {
        settlement::insert_return_line(tx, return_id, i as u32 + 1, sku, *qty, condition, *refund)?;
    }
    let outcome = flag_all(tx, ctx, Some(order_id), problems)?;
    remember(tx, ctx, RETURN, return_id, digest, &outcome)?;
    Ok(outcome)
}

/// A fact kept by its id: its kind in the store of facts, and the conflict code for other
/// content under a known id.
struct FactKind {
    kind: &'static str,
    reused: &'static str,
}

const RETURN: FactKind = FactKind { kind: "return", reused: "return_id_reused" };
const COUNT: FactKind = FactKind { kind: "count", reused: "count_id_reused" };

/// The answer for a fact whose id is known: its first outcome when it says the same (and
/// nothing changes), else a flagged conflict (and nothing is applied). `None` for a new id.
fn seen_before(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    fact: FactKind,
    id: Uuid,
    digest: &str,
    order_id: Option<Uuid>,
) -> Result<Option<OpOutcome>, ServiceError> {
    let Some(prior) = followups::device_fact(tx, fact.kind, &id.to_string())? else { return Ok(None) };
    if prior.store_code == ctx.store && prior.digest == digest {
        let outcome = serde_json::from_str(&prior.outcome_json).map_err(|e| {
            tracing::error!(error = %e, fact = fact.kind, %id, "stored outcome does not parse");
            ServiceError::new(ErrorKind::Internal, "internal", "an internal error occurred; the change was not applied")
        })?;
        return Ok(Some(outcome));
    }
    let differs = if prior.store_code == ctx.store { "with other lines" } else { "by another store" };
    let message = format!(
        "{} {id} was recorded before {differs} (op {}); this one was not applied. If it is another {}, send it \
         under a new id",
        fact.kind, prior.op_id, fact.kind
    );
    Ok(Some(flag(tx, ctx, None, order_id, fact.reused, message)?))
}

/// Keeps a new fact's content and outcome under its id.
fn remember(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    fact: FactKind,
    id: Uuid,
    digest: String,
    outcome: &OpOutcome,
) -> Result<(), ServiceError> {
    let f = followups::DeviceFact {
        kind: fact.kind.to_string(),
        fact_id: id.to_string(),
        store_code: ctx.store.to_string(),
        digest,
        outcome_json: serde_json::to_string(outcome).unwrap_or_default(),
        op_id: ctx.op_id.to_string(),
    };
    Ok(followups::insert_device_fact(tx, &f, ctx.now)?)
}

/// Flags the problems found with a fact for HQ, one conflict per kind of problem so each
/// can be followed up by its code; the op's outcome carries the first code and every
/// message.
fn flag_all(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    order_id: Option<Uuid>,
    problems: Vec<(&'static str, String)>,
) -> Result<OpOutcome, ServiceError> {
    let Some(&(first, _)) = problems.first() else { return Ok(OpOutcome::Applied) };
    let mut codes: Vec<&'static str> = Vec::new();
    for (code, _) in &problems {
        if !codes.contains(code) {
            codes.push(code);
        }
    }
    let join = |code: Option<&str>| {
        problems
            .iter()
            .filter(|(c, _)| code.is_none_or(|k| k == *c))
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    for code in codes {
        flag(tx, ctx, None, order_id, code, join(Some(code)))?;
    }
    Ok(OpOutcome::Conflict { code: first.to_string(), message: join(None) })
}

/// Fact: a stock count, applied once by `count_id`. On-hand becomes what was counted, even
/// below what is reserved (the shelf is what it is); if stock moved since the device read it,
/// or the count leaves less than is promised (`count_below_reserved`), HQ is told.
pub fn count_stock(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    count_id: Uuid,
    lines: &[CountLine],
) -> Result<OpOutcome, ServiceError> {
    if lines.is_empty() || lines.len() > 5_000 {
        return Err(ServiceError::invalid("invalid_lines", "a count has 1 to 5000 lines"));
    }
    let digest = token_digest(&serde_json::to_string(lines).unwrap_or_default());
    if let Some(outcome) = seen_before(tx, ctx, COUNT, count_id, &digest, None)? {
        return Ok(outcome);
    }
    let reference = count_id.to_string();
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    for l in lines {
        if !catalogue::sku_exists(tx, &l.sku_code)? {
            problems
                .push(("unknown_sku", format!("SKU {} is not in the catalogue; its count was not booked", l.sku_code)));
            continue;
        }
        let level = ledger::balance(tx, ctx.store, &l.sku_code, l.quality)?;
        if level.on_hand != l.expected {
            problems.push((
                "stock_moved_during_count",
                format!(
                    "{}: the device expected {} but the server had {} when the count arrived",
                    l.sku_code, l.expected, level.on_hand
                ),
            ));
        }
        let delta = l.counted.get() - level.on_hand;
        let m = ledger::Movement {
            node: ctx.store,
            sku: &l.sku_code,
            quality: l.quality,
            delta,
            reason: MovementReason::Count,
            reference: &reference,
        };
        ledger::record_movement(tx, &m, ctx.now)?;
        if level.reserved > l.counted.get() {
            problems.push((
                "count_below_reserved",
                format!(
                    "{} ({}): {} counted but {} are promised to orders; the count is booked, reroute or \
                     cancel the orders short of {} unit(s)",
                    l.sku_code,
                    l.quality.as_str(),
                    l.counted.get(),
                    level.reserved,
                    level.reserved - l.counted.get()
                ),
            ));
        }
    }
    let outcome = flag_all(tx, ctx, None, problems)?;
    remember(tx, ctx, COUNT, count_id, digest, &outcome)?;
    Ok(outcome)
}
