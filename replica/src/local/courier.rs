//! Ship from store on the device: packing the picked units into parcels (kept in the
//! replica, like pick progress, until the parcels leave, so an app kill loses nothing),
//! asking HQ for a courier or rider (queued while offline: the order shows the booking as
//! queued until HQ's booking arrives by pull), recording a carrier booked by hand, the
//! hand-over to the rider or courier, and the rider's arrival announced once per booking.

use super::apply::courier::picked;
use super::queries::load_order;
use super::Replica;
use crate::error::{ReplicaError, Result};
use rusqlite::{params, Connection};
use shared::app::courier::{CourierView, PackLine, PackingView, RiderArrival, RiderArrivals};
use shared::courier::{
    check_parcels, BookingStatus, CourierCheck, CourierMethod, DeliveryRequest, ExpressService, KnownCarrier,
    ParcelInput, ParcelLine, MAX_PARCELS, MAX_PARCEL_WEIGHT_G,
};
use shared::fulfillment::{FulfillmentKind, FulfillmentState};
use shared::order::FulfillmentOrder;
use shared::pick::{count_scan, PickLine, PickScanError};
use shared::protocol::{Op, OpEnvelope};
use uuid::Uuid;

fn not_packing(fo: &FulfillmentOrder) -> ReplicaError {
    ReplicaError::not_allowed(
        "not_packing",
        format!(
            "order {} is {}: parcels are packed after picking, until they leave",
            fo.channel_order_id,
            fo.state.as_str()
        ),
    )
}

/// The order, if it may be packed now: a courier order that is picked (or being picked)
/// and not yet with a courier, nor with a booking still under way.
fn packable(conn: &Connection, id: Uuid) -> Result<FulfillmentOrder> {
    let fo = load_order(conn, &id.to_string())?
        .ok_or_else(|| ReplicaError::NotFound { what: format!("fulfillment order {id}") })?;
    let open_booking = fo.courier.as_ref().is_some_and(|b| !shared::app::courier::may_ask_again(b));
    let ok = fo.kind != FulfillmentKind::Pickup
        && match fo.state {
            FulfillmentState::Picking | FulfillmentState::Packed => true,
            FulfillmentState::AwaitingCourier => !open_booking,
            _ => false,
        };
    if ok {
        Ok(fo)
    } else {
        Err(not_packing(&fo))
    }
}

/// Units picked per line: while picking, the units scanned so far; once the pick is
/// confirmed, what it recorded.
fn picked_now(conn: &Connection, fo: &FulfillmentOrder) -> Result<Vec<(u32, i64)>> {
    if fo.state != FulfillmentState::Picking {
        return Ok(picked(fo));
    }
    let mut stmt =
        conn.prepare_cached("SELECT scanned FROM pick_progress WHERE fulfillment_order_id = ?1 AND line_no = ?2")?;
    let mut out = Vec::with_capacity(fo.lines.len());
    for l in &fo.lines {
        let scanned: Option<i64> =
            rusqlite::OptionalExtension::optional(stmt.query_row(params![fo.id.to_string(), l.line_no], |r| r.get(0)))?;
        out.push((l.line_no, scanned.unwrap_or(0).clamp(0, l.qty)));
    }
    Ok(out)
}

/// The parcels packed so far: the stored ones, else those of the order's last booking (a
/// parcel back at the store, or a booking that ended, is sent again as it was packed).
fn load_parcels(conn: &Connection, fo: &FulfillmentOrder) -> Result<Vec<ParcelInput>> {
    let mut stmt = conn
        .prepare_cached("SELECT weight_g, lines FROM pack_parcel WHERE fulfillment_order_id = ?1 ORDER BY parcel_no")?;
    let rows = stmt.query_map([fo.id.to_string()], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (weight_g, lines) = row?;
        out.push(ParcelInput {
            weight_g: weight_g.clamp(0, u32::MAX.into()) as u32,
            lines: serde_json::from_str(&lines)?,
        });
    }
    if out.is_empty() {
        if let Some(b) = &fo.courier {
            out = b.parcels.iter().map(|p| ParcelInput { weight_g: p.weight_g, lines: p.lines.clone() }).collect();
        }
    }
    Ok(out)
}

fn save_parcels(conn: &Connection, id: Uuid, parcels: &[ParcelInput]) -> Result<()> {
    conn.execute("DELETE FROM pack_parcel WHERE fulfillment_order_id = ?1", [id.to_string()])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO pack_parcel (fulfillment_order_id, parcel_no, weight_g, lines) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (i, p) in parcels.iter().enumerate() {
        stmt.execute(params![id.to_string(), i as i64 + 1, i64::from(p.weight_g), serde_json::to_string(&p.lines)?])?;
    }
    Ok(())
}

fn packed_of(parcels: &[ParcelInput], line_no: u32) -> i64 {
    parcels.iter().flat_map(|p| &p.lines).filter(|l| l.line_no == line_no).map(|l| l.qty.get()).sum()
}

/// Adds `delta` units of `line_no` to `parcel` (taking out when negative), dropping a line
/// that reaches 0.
fn put(parcel: &mut ParcelInput, line_no: u32, delta: i64) {
    let now = parcel.lines.iter().find(|l| l.line_no == line_no).map_or(0, |l| l.qty.get());
    let next = (now + delta).max(0);
    parcel.lines.retain(|l| l.line_no != line_no);
    if let Ok(qty) = shared::Qty::new(next) {
        parcel.lines.push(ParcelLine { line_no, qty });
        parcel.lines.sort_by_key(|l| l.line_no);
    }
}

fn parcel_index(parcels: &mut Vec<ParcelInput>, parcel_no: u32) -> Result<usize> {
    let n = parcel_no as usize;
    if n >= 1 && n <= parcels.len() {
        return Ok(n - 1);
    }
    // The next number opens a new parcel (the first scan of an order opens parcel 1).
    if n == parcels.len() + 1 && n <= MAX_PARCELS {
        parcels.push(ParcelInput { weight_g: 0, lines: Vec::new() });
        return Ok(n - 1);
    }
    Err(ReplicaError::not_allowed("parcel_not_found", format!("there is no parcel {parcel_no}")))
}

impl Replica {
    fn packing_view(&self, conn: &Connection, fo: FulfillmentOrder) -> Result<PackingView> {
        let picked = picked_now(conn, &fo)?;
        let parcels = load_parcels(conn, &fo)?;
        let lines = fo
            .lines
            .iter()
            .map(|l| PackLine {
                line_no: l.line_no,
                sku_code: l.sku_code.clone(),
                picked: picked.iter().find(|(n, _)| *n == l.line_no).map_or(0, |(_, q)| *q),
                packed: packed_of(&parcels, l.line_no),
            })
            .collect();
        Ok(PackingView { skus: Vec::new(), lines, parcels, order: fo })
    }

    fn with_skus(&self, mut view: PackingView) -> Result<PackingView> {
        let codes: Vec<String> = view.order.lines.iter().map(|l| l.sku_code.clone()).collect();
        view.skus = self.sku_views(&codes)?;
        Ok(view)
    }

    /// Changes an order's parcels under one lock (two quick scans cannot both take the
    /// last unit) and answers the pack screen's view.
    fn change_parcels(
        &self,
        id: Uuid,
        change: impl FnOnce(&Connection, &FulfillmentOrder, &[(u32, i64)], &mut Vec<ParcelInput>) -> Result<()>,
    ) -> Result<PackingView> {
        let view = {
            let mut db = self.db();
            let tx = db.transaction()?;
            let fo = packable(&tx, id)?;
            let picked = picked_now(&tx, &fo)?;
            let mut parcels = load_parcels(&tx, &fo)?;
            change(&tx, &fo, &picked, &mut parcels)?;
            save_parcels(&tx, id, &parcels)?;
            let view = self.packing_view(&tx, fo)?;
            tx.commit()?;
            view
        };
        self.with_skus(view)
    }

    /// An order's picked lines and the parcels packed so far.
    pub fn packing(&self, id: Uuid) -> Result<PackingView> {
        let view = {
            let db = self.db();
            let fo = load_order(&db, &id.to_string())?
                .ok_or_else(|| ReplicaError::NotFound { what: format!("fulfillment order {id}") })?;
            self.packing_view(&db, fo)?
        };
        self.with_skus(view)
    }

    /// Puts one scanned unit into `parcel_no` (the next number opens a new parcel): the
    /// first line of that item with units still unpacked takes it. An unknown barcode, an
    /// item the order does not have, or one whose picked units are all packed changes
    /// nothing and says why.
    pub fn pack_scan(&self, id: Uuid, parcel_no: u32, barcode: &str) -> Result<PackingView> {
        let barcode = barcode.trim().to_string();
        self.change_parcels(id, move |conn, fo, picked, parcels| {
            let sku: Option<String> = rusqlite::OptionalExtension::optional(
                conn.prepare_cached("SELECT code FROM sku WHERE barcode = ?1")?.query_row([&barcode], |r| r.get(0)),
            )?;
            let mut lines: Vec<PickLine> = fo
                .lines
                .iter()
                .map(|l| PickLine {
                    line_no: l.line_no,
                    sku_code: l.sku_code.clone(),
                    qty: picked.iter().find(|(n, _)| *n == l.line_no).map_or(0, |(_, q)| *q),
                    scanned: packed_of(parcels, l.line_no),
                })
                .collect();
            let i = parcel_index(parcels, parcel_no)?;
            let line_no = match count_scan(&mut lines, &barcode, sku.as_deref()) {
                Ok(n) => n,
                Err(PickScanError::TooMany { sku_code, qty }) => {
                    return Err(ReplicaError::not_allowed(
                        "all_packed",
                        format!("all {qty} picked units of {sku_code} are in parcels already"),
                    ))
                }
                Err(e) => return Err(ReplicaError::PickScan(e)),
            };
            put(&mut parcels[i], line_no, 1);
            Ok(())
        })
    }

    /// Puts units of a line into a parcel, or takes them out (negative `delta`), by tapping;
    /// never more than were picked across the parcels, never below 0.
    pub fn pack_put(&self, id: Uuid, parcel_no: u32, line_no: u32, delta: i64) -> Result<PackingView> {
        self.change_parcels(id, move |_, fo, picked, parcels| {
            let Some(&(_, want)) = picked.iter().find(|(n, _)| *n == line_no) else {
                return Err(ReplicaError::NotFound {
                    what: format!("line {line_no} of order {}", fo.channel_order_id),
                });
            };
            let i = parcel_index(parcels, parcel_no)?;
            let room = want - packed_of(parcels, line_no);
            if delta > room {
                return Err(ReplicaError::not_allowed(
                    "all_packed",
                    format!("line {line_no}: all {want} picked units are in parcels already"),
                ));
            }
            put(&mut parcels[i], line_no, delta);
            Ok(())
        })
    }

    /// Adds an empty parcel (at most [`MAX_PARCELS`]).
    pub fn add_parcel(&self, id: Uuid) -> Result<PackingView> {
        self.change_parcels(id, |_, _, _, parcels| {
            if parcels.len() >= MAX_PARCELS {
                return Err(ReplicaError::not_allowed(
                    "parcels_invalid",
                    format!("an order may be packed into at most {MAX_PARCELS} parcels"),
                ));
            }
            parcels.push(ParcelInput { weight_g: 0, lines: Vec::new() });
            Ok(())
        })
    }

    /// Removes a parcel (its units are unpacked again); the later parcels move up a number.
    pub fn remove_parcel(&self, id: Uuid, parcel_no: u32) -> Result<PackingView> {
        self.change_parcels(id, move |_, _, _, parcels| {
            let n = parcel_no as usize;
            if n == 0 || n > parcels.len() {
                return Err(ReplicaError::not_allowed("parcel_not_found", format!("there is no parcel {parcel_no}")));
            }
            parcels.remove(n - 1);
            Ok(())
        })
    }

    /// Sets a parcel's weight from the scale (1 to [`MAX_PARCEL_WEIGHT_G`] grams).
    pub fn set_parcel_weight(&self, id: Uuid, parcel_no: u32, weight_g: u32) -> Result<PackingView> {
        self.change_parcels(id, move |_, _, _, parcels| {
            if weight_g == 0 || weight_g > MAX_PARCEL_WEIGHT_G {
                return Err(ReplicaError::not_allowed(
                    "parcels_invalid",
                    format!("parcel {parcel_no} weighs {weight_g} g: enter the weight from the scale (1 to {MAX_PARCEL_WEIGHT_G} g)"),
                ));
            }
            let i = parcel_index(parcels, parcel_no)?;
            parcels[i].weight_g = weight_g;
            Ok(())
        })
    }

    /// Asks HQ for an express waybill, a same-city rider or (with [`CourierMethod::Manual`])
    /// records that the store books a carrier itself, for the parcels packed: checked
    /// against the picked units ([`check_parcels`]), applied at once (the order waits for
    /// the courier with a queued booking) and queued for HQ, which books it when the op
    /// arrives. A new booking id (UUIDv7) names it until then and after.
    pub fn request_courier(
        &self,
        staff_id: &str,
        id: Uuid,
        method: CourierMethod,
        service: ExpressService,
        device_time: chrono::DateTime<chrono::Utc>,
    ) -> Result<OpEnvelope> {
        let parcels = {
            let db = self.db();
            if let Some(order) = load_order(&db, &id.to_string())? {
                // The order's own rule, with its own reason, before the packing's.
                super::apply::courier::check_no_open_booking(&order)?;
            }
            let fo = packable(&db, id)?;
            let parcels = load_parcels(&db, &fo)?;
            let picked = picked_now(&db, &fo)?;
            check_parcels(&picked, &parcels)
                .map_err(|p| ReplicaError::not_allowed("parcels_invalid", format!("{p} ({})", p.code())))?;
            parcels
        };
        let delivery = DeliveryRequest { booking_id: Uuid::now_v7(), method, service, parcels };
        let op = Op::RequestCourier { fulfillment_order_id: id, delivery: Some(delivery), carrier: String::new() };
        self.perform_at(staff_id, op, device_time)
    }

    /// A carrier the associate booked by hand: asks for a manual booking (unless the order
    /// already waits with one) and records the tracking number, checked against the
    /// carrier's format first so nothing is queued for a mistyped number.
    pub fn record_manual_courier(
        &self,
        staff_id: &str,
        id: Uuid,
        carrier: KnownCarrier,
        tracking_no: &str,
        device_time: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let tracking_no = carrier
            .check_tracking_no(tracking_no)
            .map_err(|e| ReplicaError::not_allowed("tracking_no_invalid", e.to_string()))?;
        let fo = self
            .fulfillment_order(id)?
            .ok_or_else(|| ReplicaError::NotFound { what: format!("fulfillment order {id}") })?;
        let waiting_manual = fo.state == FulfillmentState::AwaitingCourier
            && fo
                .courier
                .as_ref()
                .is_some_and(|b| b.method == CourierMethod::Manual && b.status.is_before_collection());
        if !waiting_manual {
            self.request_courier(staff_id, id, CourierMethod::Manual, ExpressService::Standard, device_time)?;
        }
        let op = Op::RecordTracking { fulfillment_order_id: id, carrier: carrier.as_str().to_string(), tracking_no };
        self.perform_then(staff_id, op, device_time, |tx, _| forget_parcels(tx, id))?;
        Ok(())
    }

    /// Hands the parcels to the rider or courier after checking the rider's code or the
    /// label's waybill against the booking (a mismatch is refused here and queues nothing;
    /// HQ checks again). A fact: the order is dispatched at once and its units leave the
    /// store's stock.
    pub fn hand_over_to_courier(
        &self,
        staff_id: &str,
        id: Uuid,
        check: CourierCheck,
        device_time: chrono::DateTime<chrono::Utc>,
    ) -> Result<OpEnvelope> {
        let check = match check {
            CourierCheck::RiderCode { code } => CourierCheck::RiderCode { code: code.trim().to_string() },
            CourierCheck::Waybill { waybill_no } => {
                CourierCheck::Waybill { waybill_no: waybill_no.trim().to_ascii_uppercase() }
            }
        };
        let op = Op::HandOverToCourier { fulfillment_order_id: id, check };
        self.perform_then(staff_id, op, device_time, |tx, _| forget_parcels(tx, id))
    }

    /// A courier order with its latest booking.
    pub fn courier_view(&self, id: Uuid) -> Result<CourierView> {
        let order = self
            .fulfillment_order(id)?
            .ok_or_else(|| ReplicaError::NotFound { what: format!("fulfillment order {id}") })?;
        let codes: Vec<String> = order.lines.iter().map(|l| l.sku_code.clone()).collect();
        Ok(CourierView { skus: self.sku_views(&codes)?, pending_ops: self.pending_count_for(id)?, order })
    }

    /// Riders waiting at the store, and the ones not announced on this device before
    /// (recorded now, stamped `now_ms`, so each booking's arrival is announced once).
    pub fn rider_arrivals(&self, now_ms: i64) -> Result<RiderArrivals> {
        let orders = self.fulfillment_orders(&[FulfillmentState::AwaitingCourier])?;
        let mut out = RiderArrivals::default();
        let db = self.db();
        for fo in orders {
            let Some(b) = fo.courier.as_ref().filter(|b| b.status == BookingStatus::Arrived) else { continue };
            let arrival = RiderArrival {
                fulfillment_order_id: fo.id,
                channel_order_id: fo.channel_order_id.clone(),
                booking_id: b.id,
                rider_name: b.rider.as_ref().map(|r| r.name.clone()).unwrap_or_default(),
            };
            let fresh = db.execute(
                "INSERT INTO rider_arrival_seen (booking_id, seen_ms) VALUES (?1, ?2) ON CONFLICT (booking_id) DO NOTHING",
                params![b.id.to_string(), now_ms],
            )? == 1;
            if fresh {
                out.new.push(arrival.clone());
            }
            out.waiting.push(arrival);
        }
        Ok(out)
    }
}

/// The parcels have left: their packing record goes.
fn forget_parcels(conn: &Connection, id: Uuid) -> Result<()> {
    conn.execute("DELETE FROM pack_parcel WHERE fulfillment_order_id = ?1", [id.to_string()])?;
    Ok(())
}
