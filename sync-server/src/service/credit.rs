//! The credit of a sale (its `sale` attribution entries: channel, selling store,
//! associate) reversed when units stop being sold, returned or left unrouted. Below both
//! `intake` (units left unrouted) and `returns` (units returned), so neither depends on the
//! other.

use super::ServiceError;
use crate::storage::{orders, settlement, Tx};
use shared::order::{line_refund, OrderLine};
use uuid::Uuid;

/// `total * part / whole` in integers, for cumulative pro-rata shares (0 when `whole` is 0).
pub(super) fn share(total: i64, part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        return 0;
    }
    (i128::from(total) * i128::from(part.min(whole)) / i128::from(whole)) as i64
}

/// What the units of an order no longer sold are worth at the price the sale was credited
/// at: per line, the value of its units left unrouted or returned, prorated over the line's
/// units in whole fen (so the whole line is worth exactly what was paid for it).
fn value_gone(lines: &[OrderLine]) -> i64 {
    lines
        .iter()
        .map(|l| line_refund(l.unit_price.0 * l.qty - l.discount.0, l.qty, 0, (l.unrouted_qty + l.returned_qty).max(0)))
        .sum()
}

/// Reverses the sale's credit (channel, selling store, associate: every `sale` entry) for
/// the units of an order that stopped being sold since `before` (the order's lines then):
/// returned, or left unrouted (`reason` says which). A credit was written at intake for the
/// whole order, so it is reversed pro rata to the value of those units in the whole order,
/// cumulatively: units left unrouted and units returned together reverse each credit
/// exactly, and three units with one unrouted reverse one unit's credit per unit returned.
pub(super) fn release_sale_credit(
    tx: &mut dyn Tx,
    order_id: Uuid,
    before: &[OrderLine],
    reason: &str,
    reference: &str,
    now: i64,
) -> Result<(), ServiceError> {
    let after = orders::order_lines(tx, order_id)?;
    let base: i64 = after.iter().map(|l| l.unit_price.0 * l.qty - l.discount.0).sum();
    let (was, gone) = (value_gone(before), value_gone(&after));
    if gone == was {
        return Ok(());
    }
    let mut credits: Vec<(String, String, i64)> = Vec::new();
    for (kind, party, _, amount) in settlement::totals_by_reason(tx, order_id, "sale")? {
        match credits.iter_mut().find(|(k, p, _)| *k == kind && *p == party) {
            Some(c) => c.2 += amount,
            None => credits.push((kind, party, amount)),
        }
    }
    for (kind, party, credit) in credits {
        let amount = share(credit, gone, base) - share(credit, was, base);
        if amount != 0 {
            let e = settlement::AttributionEntry {
                order_id,
                party_kind: &kind,
                party: &party,
                amount: -amount,
                reason,
                reference,
            };
            settlement::insert_attribution(tx, &e, now)?;
        }
    }
    Ok(())
}
