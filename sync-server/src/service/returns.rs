//! Facts from the shop floor about stock: returns received and stock counts.
//!
//! Each fact carries an id of its own (return id, count id) and is applied once by it,
//! whatever op carries it: the same fact sent again gets its first outcome back and changes
//! nothing; other content under a known id is flagged for HQ, not applied.

use super::credit::{release_sale_credit, share};
use super::lookup::returnable_order;
use super::op_context::{flag, OpContext};
use super::{ErrorKind, ServiceError};
use crate::storage::returns::{self as booked, RefundRow, ReturnLineRow, ReturnRow};
use crate::storage::{catalogue, followups, ledger, orders, settlement, Tx};
use shared::order::{line_refund, Channel};
use shared::protocol::{ChannelOrderRef, CountLine, OpOutcome, ReturnLine};
use shared::returns::{quote, RefundQuote, ReturnAsk, ReturnReason, ReturnableOrder};
use shared::secret::token_digest;
use shared::staff::Role;
use shared::stock::MovementReason;
use shared::text::{self, Rule};
use uuid::Uuid;

/// Most lines one return has.
pub const MAX_RETURN_LINES: usize = 100;

/// A return as a device sends it (`Op::AcceptReturn`).
#[derive(Debug, Clone, Copy)]
pub struct ReturnFact<'a> {
    /// Return id (the device's).
    pub return_id: Uuid,
    /// The original order, when the device found it.
    pub order_id: Option<Uuid>,
    /// Offline, the channel and order number on the customer's receipt.
    pub order_ref: Option<&'a ChannelOrderRef>,
    /// Lines brought back.
    pub lines: &'a [ReturnLine],
    /// The manager named as approving.
    pub approved_by: Option<&'a str>,
    /// The manager's proof of approval.
    pub approval: Option<&'a str>,
}

/// What cannot be recorded at all: no lines, no order to match, a note too long. Refused as
/// an op (nothing is booked); everything else about a return is a fact.
fn check_fact(f: &ReturnFact<'_>) -> Result<(), ServiceError> {
    if f.lines.is_empty() || f.lines.len() > MAX_RETURN_LINES {
        return Err(ServiceError::invalid("invalid_lines", format!("a return has 1 to {MAX_RETURN_LINES} lines")));
    }
    if f.order_id.is_none() && f.order_ref.is_none() {
        return Err(ServiceError::invalid(
            "order_required",
            "a return names its order: order_id (from the look-up or the receipt's QR) or order_ref (the channel and order number on the receipt)",
        ));
    }
    if let Some(r) = f.order_ref {
        super::text::check("order_ref.channel_order_id", &r.channel_order_id, text::CHANNEL_ORDER_ID)?;
    }
    for (i, l) in f.lines.iter().enumerate() {
        super::text::check(&format!("lines[{i}].note"), &l.note, Rule::optional(500))?;
    }
    Ok(())
}

/// Problems found with a fact: a conflict code and what HQ should know.
type Problems = Vec<(&'static str, String)>;

/// Fact: a return was received at this store. The goods go back to this store's stock
/// (resaleable → sellable, damaged → defective) whatever else is wrong. The return is
/// matched to its order (by id, else by the channel number on the receipt) and its lines
/// to the order's lines (by line number, else by SKU); the refund is
/// [`shared::returns::quote`] of the server's own [`ReturnableOrder`] under HQ's return
/// policy, booked with the returned units, the reversed attribution and a refund
/// instruction for the channel, all in this transaction. What cannot be refunded (an
/// unknown order, more units than still returnable, final sale, a closed window, a
/// cancelled order, a refund above the manager limit without a manager's proof) is flagged
/// for HQ; a refund that lacks the manager's approval is booked but not sent to the channel.
pub fn accept_return(tx: &mut dyn Tx, ctx: &OpContext<'_>, f: &ReturnFact<'_>) -> Result<OpOutcome, ServiceError> {
    check_fact(f)?;
    let digest =
        token_digest(&serde_json::to_string(&(f.order_id, f.order_ref, f.lines, f.approved_by)).unwrap_or_default());
    if let Some(outcome) = seen_before(tx, ctx, RETURN, f.return_id, &digest, f.order_id)? {
        return Ok(outcome);
    }
    // A receipt recorded before facts were kept by id: it cannot be compared, only flagged.
    if booked::return_exists(tx, f.return_id)? {
        return flag(
            tx,
            ctx,
            None,
            f.order_id,
            "duplicate_return",
            format!("return {} was already recorded; nothing was changed", f.return_id),
        );
    }
    let reference = f.return_id.to_string();
    let mut problems: Problems = Vec::new();
    let mut in_catalogue = Vec::with_capacity(f.lines.len());
    for l in f.lines {
        let known = catalogue::sku_exists(tx, &l.sku_code)?;
        in_catalogue.push(known);
        if !known {
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
    let order = match_order(tx, f)?;
    let mut refund = RefundQuote::default();
    let mut per_line = vec![(None, 0i64, 0i64); f.lines.len()];
    match &order {
        None => {
            let which = match (f.order_id, f.order_ref) {
                (_, Some(r)) => format!("{} order {}", r.channel.as_str(), r.channel_order_id),
                (Some(id), None) => format!("order {id}"),
                (None, None) => "the order".to_string(),
            };
            problems.push((
                "unknown_order",
                format!("{which} is unknown to HQ; the goods were booked into stock without a refund"),
            ));
        }
        Some(o) => {
            booked::lock_order(tx, o.order_id)?;
            let policy = super::settings::return_policy(tx)?;
            // Read again under the lock: another return of this order may have just been booked.
            let row = orders::order(tx, o.order_id)?.ok_or_else(|| ServiceError::not_found("order", o.order_id))?;
            let copy = returnable_order(tx, &row, &policy)?;
            let (asks, assigned) = asks_for(&copy, f.lines, &in_catalogue, &mut problems);
            let now = chrono::DateTime::from_timestamp_millis(ctx.now).unwrap_or_default();
            let (q, found) = quote(&copy, &asks, policy.shipping_refund, now);
            problems.extend(found.iter().map(|p| (p.code(), p.to_string())));
            let lines_before = orders::order_lines(tx, copy.order_id)?;
            for ql in &q.lines {
                orders::add_returned(tx, copy.order_id, ql.line_no, ql.qty)?;
            }
            per_line = split_refunds(&q, &assigned, f.lines.len());
            if !q.lines.is_empty() {
                release_sale_credit(tx, copy.order_id, &lines_before, "return", &reference, ctx.now)?;
            }
            reverse_fees(tx, ctx, &copy, &q, &reference)?;
            refund = q;
        }
    }
    let held = !approval_ok(tx, ctx, f, refund.total.0, &mut problems)?;
    let order_id = order.as_ref().map(|o| o.order_id);
    let receipt = ReturnRow {
        id: f.return_id,
        order_id,
        order_ref_channel: f.order_ref.map(|r| r.channel.as_str().to_string()),
        order_ref_id: f.order_ref.map(|r| r.channel_order_id.clone()),
        store_code: ctx.store.to_string(),
        device_id: ctx.device_id.to_string(),
        op_id: ctx.op_id.to_string(),
        staff_id: ctx.staff_id.to_string(),
        approved_by: f.approved_by.map(str::to_string),
        goods_fen: refund.goods.0,
        shipping_fen: refund.shipping.0,
        refund_fen: refund.total.0,
        refund_lines_json: serde_json::to_string(&refund.lines).unwrap_or_else(|_| "[]".into()),
        problem: problems.first().map(|(c, _)| c.to_string()),
        created_ms: ctx.now,
    };
    booked::insert_return(tx, &receipt)?;
    for (i, (l, (order_line_no, refund_qty, refund_fen))) in f.lines.iter().zip(&per_line).enumerate() {
        let row = ReturnLineRow {
            line_no: i as u32 + 1,
            sku_code: &l.sku_code,
            qty: l.qty.get(),
            condition: l.condition.as_str(),
            order_line_no: *order_line_no,
            refund_qty: *refund_qty,
            refund_fen: *refund_fen,
            reason: l.reason.as_str(),
            note: l.note.trim(),
        };
        booked::insert_return_line(tx, f.return_id, &row)?;
    }
    if let (Some(o), false) = (&order, held) {
        if let Some(r) = refund_row(&receipt, o.channel, &o.channel_order_id, ctx.now) {
            booked::insert_refund(tx, &r)?;
        }
    }
    let outcome = flag_all(tx, ctx, order_id, problems)?;
    remember(tx, ctx, RETURN, f.return_id, digest, &outcome)?;
    Ok(outcome)
}

/// The refund instruction for a booked return, queued at `now`: the amounts and the refund
/// per order line exactly as booked on the receipt, for the order's channel. `None` when
/// the return matched no order or refunds nothing. Used when the goods come back and when
/// HQ releases a refund held for a manager's approval, so both send the same instruction.
pub(super) fn refund_row(receipt: &ReturnRow, channel: Channel, channel_order_id: &str, now: i64) -> Option<RefundRow> {
    let order_id = receipt.order_id?;
    (receipt.refund_fen > 0).then(|| RefundRow {
        return_id: receipt.id,
        order_id,
        channel: channel.as_str().to_string(),
        channel_order_id: channel_order_id.to_string(),
        store_code: receipt.store_code.clone(),
        lines_json: receipt.refund_lines_json.clone(),
        goods_fen: receipt.goods_fen,
        shipping_fen: receipt.shipping_fen,
        amount_fen: receipt.refund_fen,
        created_ms: now,
    })
}

/// The order a return names: by id, else (or when the id is unknown) by the channel number
/// on the receipt. Only what matching needs is read here.
fn match_order(tx: &mut dyn Tx, f: &ReturnFact<'_>) -> Result<Option<MatchedOrder>, ServiceError> {
    let by_id = match f.order_id {
        Some(id) => orders::order(tx, id)?,
        None => None,
    };
    let row = match (by_id, f.order_ref) {
        (Some(o), _) => Some(o),
        (None, Some(r)) => orders::order_by_channel(tx, r.channel, r.channel_order_id.trim())?,
        (None, None) => None,
    };
    Ok(row.map(|o| MatchedOrder { order_id: o.id, channel: o.channel, channel_order_id: o.channel_order_id }))
}

/// The order a return was matched to.
struct MatchedOrder {
    order_id: Uuid,
    channel: Channel,
    channel_order_id: String,
}

/// Adds `qty` units of order line `line_no` to the asks (one ask per order line; a reason
/// the brand is at fault for wins, as it decides the shipping refund).
fn add(asks: &mut Vec<ReturnAsk>, line_no: u32, qty: i64, reason: ReturnReason) {
    match asks.iter_mut().find(|a| a.line_no == line_no) {
        Some(a) => {
            a.qty += qty;
            if reason.seller_at_fault() {
                a.reason = reason;
            }
        }
        None => asks.push(ReturnAsk { line_no, qty, reason }),
    }
}

/// Which return line's units went to which order line: (return line index, order line,
/// units).
type Assigned = Vec<(usize, u32, i64)>;

/// The asks to quote for a return's lines, one per order line (so a line brought back in
/// two conditions is quoted as one), and which return line's units went to which order
/// line. A line is matched by its line number when it names one whose SKU it is, else by
/// SKU over the order's lines with that SKU, filling what each may still take back (what
/// no line can take goes to the last, where the quote flags it). A SKU not on the order is
/// flagged here; a SKU not in the catalogue was not booked and is not refunded.
fn asks_for(
    order: &ReturnableOrder,
    lines: &[ReturnLine],
    known: &[bool],
    problems: &mut Problems,
) -> (Vec<ReturnAsk>, Assigned) {
    let mut asks: Vec<ReturnAsk> = Vec::new();
    let mut assigned: Assigned = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if !known.get(i).copied().unwrap_or(false) {
            continue;
        }
        let qty = l.qty.get();
        let named = l.line_no.and_then(|n| order.lines.iter().find(|ol| ol.line_no == n && ol.sku_code == l.sku_code));
        if let Some(ol) = named {
            add(&mut asks, ol.line_no, qty, l.reason);
            assigned.push((i, ol.line_no, qty));
            continue;
        }
        let candidates: Vec<_> = order.lines.iter().filter(|ol| ol.sku_code == l.sku_code).collect();
        let Some(last) = candidates.last() else {
            let named = l.line_no.map(|n| format!(" (line {n})")).unwrap_or_default();
            problems.push((
                "unknown_line",
                format!(
                    "{} unit(s) of {}{named} are not on {} order {}; no refund for them",
                    qty,
                    l.sku_code,
                    order.channel.as_str(),
                    order.channel_order_id
                ),
            ));
            continue;
        };
        let mut left = qty;
        for ol in &candidates {
            let asked: i64 = asks.iter().filter(|a| a.line_no == ol.line_no).map(|a| a.qty).sum();
            let take = (ol.returnable() - asked).max(0).min(left);
            if take > 0 {
                add(&mut asks, ol.line_no, take, l.reason);
                assigned.push((i, ol.line_no, take));
                left -= take;
            }
        }
        if left > 0 {
            add(&mut asks, last.line_no, left, l.reason);
            assigned.push((i, last.line_no, left));
        }
    }
    (asks, assigned)
}

/// Each return line's share of the quote: (the first order line it matched, units
/// refunded, refund). An order line's refunded units go to its return lines in order and its
/// refund is split over them with cumulative rounding, so the shares sum to the quote.
fn split_refunds(q: &RefundQuote, assigned: &Assigned, n: usize) -> Vec<(Option<u32>, i64, i64)> {
    let mut out = vec![(None, 0i64, 0i64); n];
    for (i, line_no, _) in assigned {
        if out[*i].0.is_none() {
            out[*i].0 = Some(*line_no);
        }
    }
    for ql in &q.lines {
        let mut given = 0;
        for (i, _, units) in assigned.iter().filter(|(_, l, _)| *l == ql.line_no) {
            let take = (*units).min(ql.qty - given);
            if take <= 0 {
                break;
            }
            out[*i].1 += take;
            out[*i].2 += line_refund(ql.refund.0, ql.qty, given, take);
            given += take;
        }
    }
    out
}

/// Reverses the fulfillment fee of the nodes that fulfilled the returned units, pro rata to
/// their value in what each fulfilled. The units of each line returned so far (this return
/// included) are counted against the fulfillment orders whose goods left (they earned a
/// fee), oldest first, which gives each node the part of its fee the returns so far take
/// back; what is reversed now is that part less what earlier returns already reversed for
/// the node, and never more than the node's fee still unreversed. So an order's fees never
/// go below nothing, whichever node's goods come back first or when each node's goods left,
/// and a full return reverses each node's fee exactly.
fn reverse_fees(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    order: &ReturnableOrder,
    q: &RefundQuote,
    reference: &str,
) -> Result<(), ServiceError> {
    if q.lines.is_empty() {
        return Ok(());
    }
    let fees = settlement::totals_by_reason(tx, order.order_id, "fulfillment_fee")?;
    if fees.is_empty() {
        return Ok(());
    }
    let reversed = settlement::totals_by_reason(tx, order.order_id, "fulfillment_fee_return")?;
    let order_lines = orders::order_lines(tx, order.order_id)?;
    // Units of each order line returned, this return included.
    let mut left: Vec<(u32, i64)> = order
        .lines
        .iter()
        .map(|l| {
            (l.line_no, l.returned + q.lines.iter().filter(|ql| ql.line_no == l.line_no).map(|ql| ql.qty).sum::<i64>())
        })
        .collect();
    // The value of `units` of order line `n` as the fee counted it (its paid share).
    let value = |n: u32, units: i64| {
        order_lines
            .iter()
            .find(|l| l.line_no == n)
            .map_or(0, |l| line_refund(l.unit_price.0 * l.qty - l.discount.0, l.qty, 0, units))
    };
    // Per node: (its fees, the part of them the returns so far take back).
    let mut nodes: Vec<(String, i64, i64)> = Vec::new();
    for f in orders::fulfillments_of_order(tx, order.order_id)? {
        let id = f.id.to_string();
        let fee: i64 = fees.iter().filter(|(k, _, r, _)| k == "store" && *r == id).map(|(_, _, _, a)| a).sum();
        if fee <= 0 {
            continue;
        }
        let lines = orders::fulfillment_lines(tx, f.id)?;
        let whole: i64 = lines.iter().map(|fl| value(fl.order_line_no, fl.qty)).sum();
        let back: i64 = lines
            .iter()
            .map(|fl| {
                let Some(l) = left.iter_mut().find(|(n, _)| *n == fl.order_line_no) else { return 0 };
                let take = l.1.min(fl.qty).max(0);
                l.1 -= take;
                value(fl.order_line_no, take)
            })
            .sum();
        let due = share(fee, back, whole);
        match nodes.iter_mut().find(|(n, _, _)| *n == f.node_code) {
            Some(n) => {
                n.1 += fee;
                n.2 += due;
            }
            None => nodes.push((f.node_code, fee, due)),
        }
    }
    for (node, fee, due) in nodes {
        let done: i64 =
            -reversed.iter().filter(|(k, p, _, _)| k == "store" && *p == node).map(|(_, _, _, a)| a).sum::<i64>();
        let amount = due.min(fee) - done;
        if amount > 0 {
            let e = settlement::AttributionEntry {
                order_id: order.order_id,
                party_kind: "store",
                party: &node,
                amount: -amount,
                reason: "fulfillment_fee_return",
                reference,
            };
            settlement::insert_attribution(tx, &e, ctx.now)?;
        }
    }
    Ok(())
}

/// Whether a refund of `total` may go to the channel: at or below HQ's manager limit, or
/// approved by a manager of this store with their proof. Flags what is missing.
fn approval_ok(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    f: &ReturnFact<'_>,
    total: i64,
    problems: &mut Problems,
) -> Result<bool, ServiceError> {
    if total <= super::settings::business_rules(tx)?.return_manager_limit_fen {
        return Ok(true);
    }
    let approved = match f.approved_by {
        Some(m) => {
            catalogue::staff(tx, m)?.is_some_and(|(store, s)| store == ctx.store && s.role == Role::Manager && s.active)
        }
        None => false,
    };
    let proven = match f.approved_by {
        Some(m) => super::transitions::manager_proof_ok(
            tx,
            m,
            shared::approval::Approved::Return { return_id: f.return_id, manager_id: m },
            f.approval,
        )?,
        None => false,
    };
    if !approved {
        problems.push((
            "manager_approval_missing",
            format!(
                "a refund of {} needs a store manager's approval; it is held until HQ follows this up",
                shared::Fen(total)
            ),
        ));
    } else if !proven {
        problems.push((
            "manager_approval_unproven",
            format!(
                "a refund of {} was approved in a manager's name without their PIN confirmed on the device; it is held until HQ follows this up",
                shared::Fen(total)
            ),
        ));
    }
    Ok(approved && proven)
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

#[cfg(test)]
mod tests {
    use super::*;
    use shared::order::{Channel, OrderStatus};
    use shared::protocol::ReturnCondition;
    use shared::returns::{ReturnableLine, ShippingRefund};
    use shared::{Fen, Qty};

    fn order(lines: &[(u32, &str, i64, i64)]) -> ReturnableOrder {
        let at = chrono::DateTime::from_timestamp(0, 0).unwrap();
        ReturnableOrder {
            order_id: Uuid::nil(),
            channel: Channel::Tmall,
            channel_order_id: "T".into(),
            status: OrderStatus::Completed,
            ordered_at: at,
            return_by: at + chrono::Duration::days(30),
            selling_store: None,
            associate_id: None,
            customer_name: String::new(),
            customer_phone: String::new(),
            customer_address: String::new(),
            shipping_fee: Fen(0),
            shipping_refunded: Fen(0),
            lines: lines
                .iter()
                .map(|(n, sku, sold, paid)| ReturnableLine {
                    line_no: *n,
                    sku_code: sku.to_string(),
                    style_code: "S".into(),
                    name: String::new(),
                    colour: String::new(),
                    size: String::new(),
                    sold: *sold,
                    returned: 0,
                    unit_price: Fen(*paid / sold),
                    discount: Fen(0),
                    paid: Fen(*paid),
                    final_sale: false,
                })
                .collect(),
        }
    }

    fn back(line_no: Option<u32>, sku: &str, qty: i64, reason: ReturnReason) -> ReturnLine {
        ReturnLine {
            line_no,
            sku_code: sku.into(),
            qty: Qty::new(qty).unwrap(),
            condition: ReturnCondition::Resaleable,
            reason,
            note: String::new(),
        }
    }

    #[test]
    fn lines_match_by_number_else_by_sku_and_one_ask_per_order_line() {
        let o = order(&[(1, "A", 2, 20_000), (2, "B", 1, 5_000), (3, "A", 1, 9_999)]);
        let lines = [
            back(Some(1), "A", 1, ReturnReason::Size),
            back(Some(1), "A", 1, ReturnReason::Quality),
            back(None, "A", 2, ReturnReason::Colour),
            back(Some(2), "A", 1, ReturnReason::Size),
            back(None, "Z", 1, ReturnReason::Size),
        ];
        let mut problems = Vec::new();
        let (asks, assigned) = asks_for(&o, &lines, &[true; 5], &mut problems);
        // Line 1 is full after the first two; the third goes to line 3 and its extra to it
        // too (the last line of SKU A), the fourth names line 2 but is SKU A.
        assert_eq!(
            asks,
            [
                ReturnAsk { line_no: 1, qty: 2, reason: ReturnReason::Quality },
                ReturnAsk { line_no: 3, qty: 3, reason: ReturnReason::Colour },
            ]
        );
        assert_eq!(assigned, [(0, 1, 1), (1, 1, 1), (2, 3, 1), (2, 3, 1), (3, 3, 1)]);
        assert_eq!(problems.iter().map(|p| p.0).collect::<Vec<_>>(), ["unknown_line"]);
        let (q, found) = quote(&o, &asks, ShippingRefund::Never, o.ordered_at);
        assert_eq!(found.iter().map(|p| p.code()).collect::<Vec<_>>(), ["more_than_returnable"]);
        let split = split_refunds(&q, &assigned, lines.len());
        assert_eq!(split.iter().map(|s| s.2).sum::<i64>(), q.goods.0, "the shares sum to the quote");
        assert_eq!(split[0], (Some(1), 1, 10_000));
        assert_eq!(split[1], (Some(1), 1, 10_000));
        assert_eq!(split[2], (Some(3), 1, 9_999), "line 3 has one unit: the first ask of it gets it");
        assert_eq!((split[3].1, split[4]), (0, (None, 0, 0)));
    }

    #[test]
    fn pro_rata_shares_are_cumulative_and_exact() {
        let credit = 10_001;
        let paid = 30_000;
        let mut given = 0;
        let mut refunded = 0;
        for refund in [10_000, 9_999, 10_001] {
            given += share(credit, refunded + refund, paid) - share(credit, refunded, paid);
            refunded += refund;
        }
        assert_eq!(given, credit);
        assert_eq!(share(5, 1, 0), 0);
        assert_eq!(share(i64::MAX / 2, 3, 4), (i128::from(i64::MAX / 2) * 3 / 4) as i64);
    }
}
