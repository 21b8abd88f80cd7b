//! Ship from store and same-city delivery across the app boundary: packing the picked
//! units into parcels (kept on the device until the hand-over, so an app kill loses
//! nothing), asking HQ for a courier or rider, the booking as the screens show it, and the
//! hand-over to the rider or courier. The rules are [`crate::courier`]'s; these are the
//! shapes the shell and the UI exchange.

use super::SkuView;
use crate::courier::{BookingProblem, BookingStatus, CourierBooking, CourierCheck, CourierMethod, ExpressService};
use crate::courier::{KnownCarrier, ParcelInput};
use crate::order::FulfillmentOrder;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One fulfillment line as the pack screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackLine {
    /// Fulfillment line number.
    pub line_no: u32,
    /// SKU code.
    pub sku_code: String,
    /// Units picked (what must go into the parcels).
    pub picked: i64,
    /// Units in the parcels so far.
    pub packed: i64,
}

/// An order being packed into parcels: its picked lines and the parcels so far (parcel
/// `i` of `parcels` is parcel number `i + 1`; a weight of 0 is not weighed yet).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackingView {
    /// The order (local view).
    pub order: FulfillmentOrder,
    /// Its SKUs, described.
    pub skus: Vec<SkuView>,
    /// Its lines with units picked and packed.
    pub lines: Vec<PackLine>,
    /// The parcels, in number order.
    pub parcels: Vec<ParcelInput>,
}

impl PackingView {
    /// `(line_no, picked)` of every line, as [`crate::courier::check_parcels`] takes them.
    pub fn picked(&self) -> Vec<(u32, i64)> {
        self.lines.iter().map(|l| (l.line_no, l.picked)).collect()
    }
}

/// A unit scanned into a parcel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackScanArgs {
    /// The order.
    pub id: Uuid,
    /// The parcel (1-based).
    pub parcel_no: u32,
    /// What was scanned.
    pub barcode: String,
}

/// Units of a line put into (positive) or taken out of (negative) a parcel by tapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackPutArgs {
    /// The order.
    pub id: Uuid,
    /// The parcel (1-based).
    pub parcel_no: u32,
    /// The fulfillment line.
    pub line_no: u32,
    /// Units added (negative: taken out).
    pub delta: i64,
}

/// One parcel of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParcelArgs {
    /// The order.
    pub id: Uuid,
    /// The parcel (1-based).
    pub parcel_no: u32,
}

/// A parcel's weight from the scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParcelWeightArgs {
    /// The order.
    pub id: Uuid,
    /// The parcel (1-based).
    pub parcel_no: u32,
    /// Grams (1 to [`crate::courier::MAX_PARCEL_WEIGHT_G`]).
    pub weight_g: u32,
}

/// Asks HQ for an express waybill or a same-city rider for the packed parcels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestCourierArgs {
    /// The order.
    pub id: Uuid,
    /// Express or same-city (manual goes through [`ManualCourierArgs`]).
    pub method: CourierMethod,
    /// Express service level.
    #[serde(default)]
    pub service: ExpressService,
}

/// A carrier the associate booked by hand, with its tracking number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualCourierArgs {
    /// The order.
    pub id: Uuid,
    /// The carrier.
    pub carrier: KnownCarrier,
    /// Its tracking number as typed or scanned.
    pub tracking_no: String,
}

/// The parcels handed to the rider or courier, and how they were checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourierHandOverArgs {
    /// The order.
    pub id: Uuid,
    /// The rider's code or the label's waybill.
    pub check: CourierCheck,
}

/// A courier order with what its booking screens show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourierView {
    /// The order (local view; its `courier` is the latest booking, queued until HQ booked it).
    pub order: FulfillmentOrder,
    /// Its SKUs, described.
    pub skus: Vec<SkuView>,
    /// This order's actions still waiting for the server (a queued booking is one).
    pub pending_ops: u64,
}

/// A rider waiting at the store's counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiderArrival {
    /// The order.
    pub fulfillment_order_id: Uuid,
    /// Its channel order number.
    pub channel_order_id: String,
    /// The booking.
    pub booking_id: Uuid,
    /// The rider's name.
    pub rider_name: String,
}

/// Riders at the store now, and those not yet announced on this device (each booking is
/// announced once).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RiderArrivals {
    /// Every booking whose rider is at the store.
    pub waiting: Vec<RiderArrival>,
    /// Of those, the ones announced now for the first time.
    pub new: Vec<RiderArrival>,
}

/// Whether the store may ask for a courier again over the order's latest booking `b`: once
/// it ended (cancelled, expired, failed, back at the store), or while it only waits at HQ
/// with nothing booked at a platform (a carrier booked by hand, or no platform configured
/// for the store), which HQ replaces with the new request. A booking under way blocks it.
pub fn may_ask_again(b: &CourierBooking) -> bool {
    !b.status.is_before_collection()
        || (b.status == BookingStatus::Queued
            && (b.method == CourierMethod::Manual || b.problem == Some(BookingProblem::NotConfigured)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arguments_keep_their_wire_names() {
        let args: RequestCourierArgs =
            serde_json::from_value(json!({"id": Uuid::nil(), "method": "same_city"})).unwrap();
        assert_eq!((args.method, args.service), (CourierMethod::SameCity, ExpressService::Standard));
        let args = CourierHandOverArgs { id: Uuid::nil(), check: CourierCheck::RiderCode { code: "123456".into() } };
        assert_eq!(
            serde_json::to_value(&args).unwrap(),
            json!({"id": Uuid::nil(), "check": {"method": "rider_code", "code": "123456"}})
        );
        let manual: ManualCourierArgs =
            serde_json::from_value(json!({"id": Uuid::nil(), "carrier": "zto", "tracking_no": "731234567890"}))
                .unwrap();
        assert_eq!(manual.carrier, KnownCarrier::Zto);
    }
}
