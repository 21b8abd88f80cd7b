//! Returns at this store's counter (退货), whichever channel sold the goods: the orders HQ's
//! look-up found (kept on the device, so the refund shown is quoted from HQ's answer), the
//! refund preview — always [`shared::returns::quote`], the rule the server books with —,
//! taking the goods back (a manager approves with their PIN above HQ's limit; offline the
//! return is taken against what the receipt shows and HQ matches it at sync), and the record
//! of each return with how its refund stands (requested → confirmed).

use super::Replica;
use crate::error::{ReplicaError, Result};
use rusqlite::{params, Connection, OptionalExtension};
use shared::app::command::AcceptReturnArgs;
use shared::app::{ExchangeArgs, ExchangeDelivery, ExchangeView, InputField, ItemView};
use shared::app::{ReturnLineInput, ReturnPreview, ReturnProgress, ReturnRecord, ReturnRecordLine};
use shared::approval::Approved;
use shared::fulfillment::FulfillmentKind;
use shared::order::{Customer, OrderLineInput};
use shared::protocol::{ChannelOrderRef, Op, ReturnLine};
use shared::returns::{
    quote, return_qr_payload, OrderLookupAnswer, RefundState, ReturnAsk, ReturnReason, ReturnStatus, ReturnableOrder,
    ShippingRefund,
};
use shared::stock::Quality;
use shared::{Fen, Qty};
use uuid::Uuid;

/// How long a looked-up order stays on the device (ms): a day, then it is looked up again.
const LOOKUP_KEPT_MS: i64 = 24 * 3600 * 1000;

/// Most returns listed.
const RETURNS_LISTED: i64 = 50;

fn storage(e: impl std::fmt::Display) -> ReplicaError {
    ReplicaError::Storage { message: e.to_string() }
}

fn time(now_ms: i64) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp_millis(now_ms)
        .ok_or_else(|| ReplicaError::not_allowed("invalid_time", format!("{now_ms} ms is not a clock reading")))
}

/// A looked-up order as the device kept it.
fn looked_up(conn: &Connection, order_id: Uuid) -> Result<(ReturnableOrder, ShippingRefund)> {
    let row: Option<(String, String)> = conn
        .query_row("SELECT json, shipping_refund FROM return_order WHERE order_id = ?1", [order_id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let (json, shipping) = row.ok_or_else(|| {
        ReplicaError::not_allowed(
            "order_not_looked_up",
            format!("order {order_id} was not looked up here; look it up again"),
        )
    })?;
    Ok((serde_json::from_str(&json)?, serde_json::from_str(&shipping)?))
}

/// The lines asked for, as the refund rule reads them (a line without a number is no line
/// of the order).
fn asks_of(lines: &[ReturnLineInput]) -> Vec<ReturnAsk> {
    lines
        .iter()
        .filter(|l| l.qty != 0)
        .map(|l| ReturnAsk { line_no: l.line_no.unwrap_or(0), qty: l.qty, reason: l.reason })
        .collect()
}

/// The refund for `lines` of `order` at `now_ms` (see [`shared::returns::quote`]), and
/// whether it needs a manager (more than `limit` fen).
fn preview(
    order: &ReturnableOrder,
    shipping: ShippingRefund,
    lines: &[ReturnLineInput],
    limit: i64,
    now_ms: i64,
) -> Result<ReturnPreview> {
    let (quote, problems) = quote(order, &asks_of(lines), shipping, time(now_ms)?);
    Ok(ReturnPreview {
        needs_approval: quote.total.0 > limit,
        problems: problems.iter().map(|p| p.code().to_string()).collect(),
        approval_limit: Fen(limit),
        quote,
    })
}

/// The refund state's name as stored.
fn state_name(s: RefundState) -> &'static str {
    match s {
        RefundState::Requested => "requested",
        RefundState::Confirmed => "confirmed",
        RefundState::NotDue => "not_due",
    }
}

/// A return record as stored, with where it stands now.
fn load_record(conn: &Connection, row: &rusqlite::Row<'_>) -> Result<ReturnRecord> {
    let json: String = row.get(0)?;
    let op_id: String = row.get(1)?;
    let refund_booked: Option<i64> = row.get(2)?;
    let refund_state: Option<String> = row.get(3)?;
    let problem: Option<String> = row.get(4)?;
    let mut rec: ReturnRecord = serde_json::from_str(&json)?;
    let queued: bool =
        conn.query_row("SELECT EXISTS(SELECT 1 FROM outbox WHERE op_id = ?1)", [&op_id], |r| r.get(0))?;
    let flagged: Option<(String, String)> = conn
        .query_row("SELECT status, code FROM inbox WHERE op_id = ?1", [&op_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    rec.refund_booked = refund_booked.map(Fen);
    rec.problem = problem.or_else(|| flagged.as_ref().map(|(_, code)| code.clone()));
    rec.progress = if queued {
        ReturnProgress::Queued
    } else if flagged.as_ref().is_some_and(|(status, _)| status == "rejected") {
        ReturnProgress::NotDue
    } else {
        match refund_state.as_deref() {
            Some("requested") => ReturnProgress::Requested,
            Some("confirmed") => ReturnProgress::Confirmed,
            Some("not_due") => ReturnProgress::NotDue,
            _ => ReturnProgress::Recorded,
        }
    };
    Ok(rec)
}

const RECORD_COLUMNS: &str = "json, op_id, refund_booked, refund_state, problem";

impl Replica {
    /// Keeps the orders HQ's look-up answered (with HQ's shipping-refund rule), so the
    /// refund is quoted and the return taken against them; look-ups older than a day are
    /// forgotten.
    pub fn remember_lookup(&self, answer: &OrderLookupAnswer, now_ms: i64) -> Result<()> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let shipping = serde_json::to_string(&answer.shipping_refund)?;
        for o in &answer.orders {
            tx.execute(
                "INSERT INTO return_order (order_id, json, shipping_refund, fetched_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (order_id) DO UPDATE SET json = excluded.json, shipping_refund = excluded.shipping_refund,
                   fetched_ms = excluded.fetched_ms",
                params![o.order_id.to_string(), serde_json::to_string(o)?, shipping, now_ms],
            )?;
        }
        tx.execute("DELETE FROM return_order WHERE fetched_ms < ?1", [now_ms - LOOKUP_KEPT_MS])?;
        tx.commit()?;
        Ok(())
    }

    /// The refund for taking `lines` of a looked-up order back at `now_ms`, per line and in
    /// total, what cannot be refunded as asked, and whether a manager must approve.
    pub fn preview_return(&self, order_id: Uuid, lines: &[ReturnLineInput], now_ms: i64) -> Result<ReturnPreview> {
        let db = self.db();
        let (order, shipping) = looked_up(&db, order_id)?;
        preview(&order, shipping, lines, Self::device_rules(&db)?.return_manager_limit_fen, now_ms)
    }

    /// Takes goods back at the counter as `staff_id`, at `now_ms` (the device clock).
    ///
    /// Online (`order_id` of a looked-up order) the refund is quoted from that order and
    /// nothing beyond what may still come back is taken; above HQ's limit a manager must
    /// approve with their PIN, and the proof goes with the return. Offline (`order_ref`,
    /// what the receipt shows) the SKUs must be known here; no refund is quoted and HQ
    /// matches the return to the order at sync (a manager may approve all the same). The
    /// stock comes back at once: resaleable units to sellable stock, damaged ones to
    /// defective stock. Refused input queues nothing.
    pub fn accept_return(&self, staff_id: &str, args: &AcceptReturnArgs, now_ms: i64) -> Result<ReturnRecord> {
        let device_time = time(now_ms)?;
        let lines: Vec<ReturnLineInput> = args.lines.iter().filter(|l| l.qty != 0).cloned().collect();
        if lines.is_empty() {
            return Err(ReplicaError::not_allowed("nothing_to_return", "choose at least one unit to take back"));
        }
        for l in &lines {
            if Qty::new(l.qty).is_err() {
                return Err(ReplicaError::not_allowed(
                    "nothing_to_return",
                    format!("{} unit(s) of {} cannot be taken back", l.qty, l.sku_code),
                ));
            }
            if l.reason == ReturnReason::Other && l.note.trim().is_empty() {
                return Err(ReplicaError::not_allowed(
                    "return_note_required",
                    format!("say why {} comes back (reason: other)", l.sku_code),
                ));
            }
        }
        let return_id = Uuid::now_v7();
        let limit = self.rules()?.return_manager_limit_fen;
        let found = match args.order_id {
            Some(id) => {
                let (order, shipping) = looked_up(&self.db(), id)?;
                let p = preview(&order, shipping, &lines, limit, now_ms)?;
                // Nothing is taken beyond what may come back: the associate adjusts the lines.
                if let Some(problem) = quote(&order, &asks_of(&lines), shipping, device_time).1.first() {
                    return Err(ReplicaError::not_allowed(problem.code(), problem.to_string()));
                }
                Some((order, p))
            }
            None => None,
        };
        let order_ref = match &found {
            Some(_) => None,
            None => {
                let r = args.order_ref.as_ref().filter(|r| !r.channel_order_id.trim().is_empty()).ok_or_else(|| {
                    ReplicaError::not_allowed(
                        "order_number_required",
                        "type the channel and order number shown on the receipt",
                    )
                })?;
                Some(ChannelOrderRef { channel: r.channel, channel_order_id: r.channel_order_id.trim().to_string() })
            }
        };
        let manager = match (args.manager_id.as_deref(), args.manager_pin.as_deref()) {
            (Some(m), Some(p)) if !m.trim().is_empty() && !p.is_empty() => Some((m.trim(), p)),
            _ => None,
        };
        if found.as_ref().is_some_and(|(_, p)| p.needs_approval) && manager.is_none() {
            return Err(ReplicaError::not_allowed(
                "manager_approval_required",
                format!("the refund is above {limit} fen: a manager must approve with their PIN"),
            ));
        }
        let approval = match manager {
            Some((m, pin)) => Some((
                m.to_string(),
                self.manager_approval(m, pin, Approved::Return { return_id, manager_id: m }, now_ms)?,
            )),
            None => None,
        };

        // The lines as HQ books them, and as the receipt shows them.
        let mut op_lines = Vec::with_capacity(lines.len());
        let mut rec_lines = Vec::with_capacity(lines.len());
        for l in &lines {
            let qty = Qty::new(l.qty).map_err(|e| ReplicaError::not_allowed("nothing_to_return", e.to_string()))?;
            let (sku_code, name, colour, size, refund) = match &found {
                Some((order, p)) => {
                    let line = order.lines.iter().find(|o| Some(o.line_no) == l.line_no).ok_or_else(|| {
                        ReplicaError::not_allowed("unknown_line", format!("line {:?} is not on this order", l.line_no))
                    })?;
                    let refund = p.quote.lines.iter().find(|q| q.line_no == line.line_no).map(|q| q.refund);
                    (line.sku_code.clone(), line.name.clone(), line.colour.clone(), line.size.clone(), refund)
                }
                None => {
                    let view = self.sku_views(std::slice::from_ref(&l.sku_code))?.into_iter().next();
                    let view = view.ok_or_else(|| ReplicaError::NotFound { what: format!("SKU {}", l.sku_code) })?;
                    (view.code, view.name, view.colour, view.size, None)
                }
            };
            op_lines.push(ReturnLine {
                line_no: if found.is_some() { l.line_no } else { None },
                sku_code: sku_code.clone(),
                qty,
                condition: l.condition,
                reason: l.reason,
                note: l.note.trim().to_string(),
            });
            rec_lines.push(ReturnRecordLine {
                line_no: if found.is_some() { l.line_no } else { None },
                sku_code,
                name,
                colour,
                size,
                qty: l.qty,
                condition: l.condition,
                reason: l.reason,
                note: l.note.trim().to_string(),
                refund,
            });
        }
        let record = ReturnRecord {
            return_id,
            order_id: found.as_ref().map(|(o, _)| o.order_id),
            channel: found.as_ref().map(|(o, _)| o.channel).or(order_ref.as_ref().map(|r| r.channel)),
            channel_order_id: match (&found, &order_ref) {
                (Some((o, _)), _) => o.channel_order_id.clone(),
                (None, Some(r)) => r.channel_order_id.clone(),
                (None, None) => String::new(),
            },
            offline: found.is_none(),
            lines: rec_lines,
            refund_quoted: found.as_ref().map(|(_, p)| p.quote.total),
            shipping_quoted: found.as_ref().map_or(Fen(0), |(_, p)| p.quote.shipping),
            refund_booked: None,
            progress: ReturnProgress::Queued,
            problem: None,
            approved_by: approval.as_ref().map(|(m, _)| m.clone()),
            staff_id: staff_id.to_string(),
            created_ms: now_ms,
            qr_payload: return_qr_payload(return_id),
            exchange_order_id: None,
        };
        let op = Op::AcceptReturn {
            return_id,
            order_id: record.order_id,
            order_ref,
            lines: op_lines,
            approved_by: approval.as_ref().map(|(m, _)| m.clone()),
            approval: approval.map(|(_, proof)| proof),
        };
        let json = serde_json::to_string(&record)?;
        self.perform_then(staff_id, op, device_time, |tx, env| {
            tx.execute(
                "INSERT INTO return_record (return_id, op_id, created_ms, json) VALUES (?1, ?2, ?3, ?4)",
                params![return_id.to_string(), env.op_id.to_string(), now_ms, json],
            )?;
            // A second return at this counter sees these units as returned already.
            if let Some((mut order, p)) = found.clone() {
                for q in &p.quote.lines {
                    if let Some(line) = order.lines.iter_mut().find(|l| l.line_no == q.line_no) {
                        line.returned += q.qty;
                    }
                }
                order.shipping_refunded.0 += p.quote.shipping.0;
                tx.execute(
                    "UPDATE return_order SET json = ?2 WHERE order_id = ?1",
                    params![order.order_id.to_string(), serde_json::to_string(&order)?],
                )?;
            }
            Ok(())
        })?;
        self.return_record(return_id)
    }

    /// Returns made on this device, newest first (the last 50).
    pub fn returns(&self) -> Result<Vec<ReturnRecord>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS} FROM return_record ORDER BY created_ms DESC, return_id DESC LIMIT ?1"
        ))?;
        let mut rows = stmt.query([RETURNS_LISTED])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(load_record(&db, row)?);
        }
        Ok(out)
    }

    /// One return made on this device.
    pub fn return_record(&self, return_id: Uuid) -> Result<ReturnRecord> {
        let db = self.db();
        let mut stmt =
            db.prepare_cached(&format!("SELECT {RECORD_COLUMNS} FROM return_record WHERE return_id = ?1"))?;
        let mut rows = stmt.query([return_id.to_string()])?;
        match rows.next()? {
            Some(row) => load_record(&db, row),
            None => Err(ReplicaError::NotFound { what: format!("return {return_id}") }),
        }
    }

    /// Returns HQ has (their op is answered, not refused) whose refund is not settled:
    /// the longest unchecked first, at most `limit`.
    pub fn returns_to_check(&self, limit: usize) -> Result<Vec<Uuid>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(
            "SELECT return_id FROM return_record r
             WHERE (refund_state IS NULL OR refund_state = 'requested')
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.op_id = r.op_id)
               AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.op_id = r.op_id AND i.status = 'rejected')
             ORDER BY COALESCE(checked_ms, 0), created_ms LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for id in rows {
            out.push(Uuid::parse_str(&id?).map_err(storage)?);
        }
        Ok(out)
    }

    /// Records how HQ says a return stands (checked at `now_ms`): the refund booked, its
    /// state, HQ's follow-up, and the order an offline return was matched to.
    pub fn apply_return_status(&self, status: &ReturnStatus, now_ms: i64) -> Result<()> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let id = status.return_id.to_string();
        let json: Option<String> =
            tx.query_row("SELECT json FROM return_record WHERE return_id = ?1", [&id], |r| r.get(0)).optional()?;
        let Some(json) = json else { return Ok(()) };
        let mut rec: ReturnRecord = serde_json::from_str(&json)?;
        if rec.order_id.is_none() {
            rec.order_id = status.order_id;
        }
        tx.execute(
            "UPDATE return_record SET json = ?2, refund_booked = ?3, refund_state = ?4, problem = ?5, checked_ms = ?6
             WHERE return_id = ?1",
            params![
                id,
                serde_json::to_string(&rec)?,
                status.refund.0,
                state_name(status.refund_state),
                status.problem,
                now_ms
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Notes that HQ was asked about a return at `now_ms` without an answer to keep.
    pub fn mark_return_checked(&self, return_id: Uuid, now_ms: i64) -> Result<()> {
        self.db().execute(
            "UPDATE return_record SET checked_ms = ?2 WHERE return_id = ?1",
            params![return_id.to_string(), now_ms],
        )?;
        Ok(())
    }

    /// An item scanned (EAN-13) or typed (SKU code) at the return counter, with its price
    /// and what this store's shelf holds free of it.
    pub fn return_item(&self, code: &str) -> Result<ItemView> {
        let code = code.trim();
        let sku = match self.lookup_barcode(code)? {
            Some(sku) => sku,
            None => {
                let json: Option<String> =
                    self.db().query_row("SELECT json FROM sku WHERE code = ?1", [code], |r| r.get(0)).optional()?;
                let json = json.ok_or_else(|| ReplicaError::NotFound { what: format!("item {code}") })?;
                serde_json::from_str(&json)?
            }
        };
        let view = self.sku_views(std::slice::from_ref(&sku.code))?.into_iter().next();
        let view = view.ok_or_else(|| ReplicaError::NotFound { what: format!("SKU {}", sku.code) })?;
        let free_here = self
            .stock(&sku.code)?
            .iter()
            .filter(|s| s.quality == Quality::Sellable)
            .map(|s| (s.on_hand - s.reserved).max(0))
            .sum();
        Ok(ItemView { sku: view, style_code: sku.style_code, list_price: sku.list_price, free_here })
    }

    /// Places the new order of an exchange after return `args.return_id`, as `staff_id`
    /// at `now_ms`: another size or colour from this store's shelf (handed over at once:
    /// the units leave the shelf now) or from the network (collected here later, or
    /// shipped). The customer is checked with the shared rule, the price is the item's list
    /// price, and the order names the return it exchanges for; the price difference is the
    /// new price less the refund quoted.
    pub fn exchange(&self, staff_id: &str, args: &ExchangeArgs, now_ms: i64) -> Result<ExchangeView> {
        let device_time = time(now_ms)?;
        let order_id = Uuid::now_v7();
        let record = self.return_record(args.return_id)?;
        let item = self.return_item(&args.sku_code)?;
        let qty = Qty::new(args.qty).map_err(|e| ReplicaError::not_allowed("nothing_to_return", e.to_string()))?;
        let (kind, address, carry_out) = match &args.delivery {
            ExchangeDelivery::CarryOut => (FulfillmentKind::Pickup, String::new(), true),
            ExchangeDelivery::PickupHere => (FulfillmentKind::Pickup, String::new(), false),
            ExchangeDelivery::Ship { address } => (FulfillmentKind::Ship, address.trim().to_string(), false),
        };
        // The customer takes the goods over the counter: what happened is recorded whatever
        // the books say. Beyond this store's lease the associate is warned (as the aisle's
        // lease check warns); HQ flags a short shelf when the op arrives.
        let shelf = carry_out.then(|| {
            let lease: i64 = self
                .stock(&item.sku.code)
                .ok()
                .into_iter()
                .flatten()
                .filter(|s| s.quality == Quality::Sellable)
                .map(|s| s.lease)
                .sum();
            if args.qty <= lease {
                shared::aisle::ShelfCheck::WithinLease
            } else {
                shared::aisle::ShelfCheck::BeyondLease { free: lease.max(0), wanted: args.qty }
            }
        });
        let phone = shared::aisle::normalise_mobile(&args.customer_phone)
            .unwrap_or_else(|| args.customer_phone.trim().to_string());
        let customer = Customer { name: args.customer_name.trim().to_string(), phone, address, location: None };
        shared::aisle::check_customer(&customer, kind).map_err(|p| {
            use shared::aisle::CustomerProblem as P;
            let field = match p {
                P::NameMissing | P::NameInvalid => InputField::CustomerName,
                P::PhoneInvalid => InputField::CustomerPhone,
                P::AddressMissing | P::AddressTooLong => InputField::Address,
            };
            ReplicaError::InvalidInput { field, message: p.to_string() }
        })?;
        // An exchange may leave the customer nothing to pay at the till: the reference may be
        // blank (HQ requires it only of other store orders).
        let payment_ref = args.payment_ref.trim().to_string();
        if payment_ref.chars().count() > shared::aisle::MAX_PAYMENT_REF_CHARS {
            return Err(ReplicaError::InvalidInput {
                field: InputField::PaymentRef,
                message: format!(
                    "the till's payment reference: at most {} characters",
                    shared::aisle::MAX_PAYMENT_REF_CHARS
                ),
            });
        }
        let new_total = Fen(item.list_price.0 * args.qty);
        let refund = match &args.in_place_of {
            Some(sku) => {
                let replaced: Vec<_> = record.lines.iter().filter(|l| &l.sku_code == sku).collect();
                if replaced.is_empty() {
                    return Err(ReplicaError::not_allowed("unknown_line", format!("{sku} is not in this return")));
                }
                replaced.iter().try_fold(0, |sum, l| l.refund.map(|r| sum + r.0)).map(Fen)
            }
            None => record.refund_booked.or(record.refund_quoted),
        };
        let op = Op::PlaceOrder {
            order_id,
            fulfillment: kind,
            customer,
            lines: vec![OrderLineInput {
                sku_code: item.sku.code.clone(),
                qty,
                unit_price: item.list_price,
                discount: Fen(0),
            }],
            pickup_store: None,
            payment_ref,
            carry_out,
            exchange_of: Some(args.return_id),
        };
        let return_id = args.return_id.to_string();
        self.perform_then(staff_id, op, device_time, |tx, _| {
            let json: String =
                tx.query_row("SELECT json FROM return_record WHERE return_id = ?1", [&return_id], |r| r.get(0))?;
            let mut rec: ReturnRecord = serde_json::from_str(&json)?;
            rec.exchange_order_id = Some(order_id);
            tx.execute(
                "UPDATE return_record SET json = ?2 WHERE return_id = ?1",
                params![return_id, serde_json::to_string(&rec)?],
            )?;
            Ok(())
        })?;
        Ok(ExchangeView {
            order_id,
            return_id: args.return_id,
            new_total,
            refund,
            difference: refund.map(|r| Fen(new_total.0 - r.0)),
            carry_out,
            shelf,
        })
    }
}
