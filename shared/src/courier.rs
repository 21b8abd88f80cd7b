//! Courier dispatch for ship-from-store and same-city orders (DESIGN §3 "Courier booking").
//!
//! What a store asks for ([`DeliveryRequest`]: express, same-city rider or a carrier the
//! associate books by hand, and the parcels it packed), the booking HQ makes with a courier
//! platform ([`CourierBooking`]) and its [`BookingStatus`] as the platform's callbacks report
//! it, how those statuses move the fulfillment order ([`BookingStatus::fulfillment_event`]),
//! and the tracking-number formats of the carriers an associate may enter by hand
//! ([`KnownCarrier`]). Pure and shared: the server books and applies callbacks with these
//! rules, the device shows and checks with the same ones. The platforms' own wire shapes
//! live in [`sf`] and [`dada`], used by the server's clients and by the courier simulator.

use crate::node::GeoPoint;
use crate::{Fen, Qty};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub mod dada;
pub mod sf;

/// How a parcel leaves the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CourierMethod {
    /// An express waybill booked by HQ with the express platform (顺丰 open platform shape).
    Express,
    /// A same-city rider booked by HQ's rider dispatcher (达达-style platforms).
    SameCity,
    /// The associate books a carrier themselves and enters its tracking number.
    Manual,
}

impl CourierMethod {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Express => "express",
            Self::SameCity => "same_city",
            Self::Manual => "manual",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Express, Self::SameCity, Self::Manual].into_iter().find(|m| m.as_str() == s)
    }
}

/// Express service level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExpressService {
    /// 标快: standard express.
    #[default]
    Standard,
    /// 特快: priority express.
    Priority,
}

impl ExpressService {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Priority => "priority",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Standard, Self::Priority].into_iter().find(|m| m.as_str() == s)
    }

    /// The SF Express open platform's `expressTypeId` (1 特快, 2 标快).
    pub fn sf_express_type_id(self) -> u32 {
        match self {
            Self::Priority => 1,
            Self::Standard => 2,
        }
    }
}

/// The heaviest parcel a store may declare (grams).
pub const MAX_PARCEL_WEIGHT_G: u32 = 50_000;
/// The most parcels one fulfillment order may be packed into.
pub const MAX_PARCELS: usize = 20;

/// One parcel as the store packed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ParcelInput {
    /// Weight on the store's scale, in grams (1 to 50,000).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 50000))]
    pub weight_g: u32,
    /// What went into it.
    pub lines: Vec<ParcelLine>,
}

/// Units of one fulfillment line in a parcel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ParcelLine {
    /// Fulfillment line number.
    pub line_no: u32,
    /// Units of it in the parcel.
    pub qty: Qty,
}

/// What the store asks HQ to book for a packed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeliveryRequest {
    /// The booking's id (UUIDv7 from the device): the device shows the request as queued
    /// under this id until HQ has booked it.
    pub booking_id: Uuid,
    /// Express, same-city rider or manual.
    pub method: CourierMethod,
    /// Express service level (ignored for the other methods).
    #[serde(default)]
    pub service: ExpressService,
    /// The parcels: every picked unit in exactly one (same-city: usually one bag).
    pub parcels: Vec<ParcelInput>,
}

/// Why a store's parcels do not describe the order it picked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParcelProblem {
    /// No parcel at all.
    #[error("pack the order into at least one parcel")]
    NoParcels,
    /// More than [`MAX_PARCELS`].
    #[error("an order may be packed into at most {MAX_PARCELS} parcels")]
    TooManyParcels,
    /// A parcel with nothing in it.
    #[error("parcel {parcel_no} is empty: scan what goes into it or remove it")]
    EmptyParcel {
        /// 1-based parcel number.
        parcel_no: usize,
    },
    /// A weight of 0 or above [`MAX_PARCEL_WEIGHT_G`].
    #[error("parcel {parcel_no} weighs {weight_g} g: enter the weight from the scale (1 to {MAX_PARCEL_WEIGHT_G} g)")]
    Weight {
        /// 1-based parcel number.
        parcel_no: usize,
        /// The weight given.
        weight_g: u32,
    },
    /// A line the order does not have.
    #[error("parcel {parcel_no} holds line {line_no}, which this order does not have")]
    UnknownLine {
        /// 1-based parcel number.
        parcel_no: usize,
        /// The line.
        line_no: u32,
    },
    /// The parcels hold a different number of units of a line than were picked.
    #[error("line {line_no} was picked {picked} times but the parcels hold {packed}: every picked unit goes into exactly one parcel")]
    Mismatch {
        /// The line.
        line_no: u32,
        /// Units picked.
        picked: i64,
        /// Units in the parcels.
        packed: i64,
    },
}

impl ParcelProblem {
    /// Stable code for the API and the UI's catalogue.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoParcels => "parcels_required",
            Self::TooManyParcels => "too_many_parcels",
            Self::EmptyParcel { .. } => "parcel_empty",
            Self::Weight { .. } => "parcel_weight_invalid",
            Self::UnknownLine { .. } => "parcel_line_unknown",
            Self::Mismatch { .. } => "parcels_mismatch",
        }
    }
}

/// Checks that `parcels` hold exactly the `picked` units: `(line_no, picked qty)` of every
/// fulfillment line (a line picked 0 times may be left out of every parcel).
pub fn check_parcels(picked: &[(u32, i64)], parcels: &[ParcelInput]) -> Result<(), ParcelProblem> {
    if parcels.is_empty() {
        return Err(ParcelProblem::NoParcels);
    }
    if parcels.len() > MAX_PARCELS {
        return Err(ParcelProblem::TooManyParcels);
    }
    for (i, p) in parcels.iter().enumerate() {
        let parcel_no = i + 1;
        if p.lines.is_empty() {
            return Err(ParcelProblem::EmptyParcel { parcel_no });
        }
        if p.weight_g == 0 || p.weight_g > MAX_PARCEL_WEIGHT_G {
            return Err(ParcelProblem::Weight { parcel_no, weight_g: p.weight_g });
        }
        if let Some(l) = p.lines.iter().find(|l| !picked.iter().any(|(n, _)| *n == l.line_no)) {
            return Err(ParcelProblem::UnknownLine { parcel_no, line_no: l.line_no });
        }
    }
    for &(line_no, want) in picked {
        let packed: i64 =
            parcels.iter().flat_map(|p| &p.lines).filter(|l| l.line_no == line_no).map(|l| l.qty.get()).sum();
        if packed != want.max(0) {
            return Err(ParcelProblem::Mismatch { line_no, picked: want, packed });
        }
    }
    Ok(())
}

/// Where a booking is, as the courier platform reports it. Statuses move forward only
/// ([`BookingStatus::advances_to`]): a repeated or late callback changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// Asked for by the store; HQ has not booked it yet (the device may be offline, or the
    /// platform not yet answered).
    Queued,
    /// Booked: an express waybill exists, or the rider platform is looking for a rider.
    Dispatching,
    /// A rider took the order and is on the way to the store.
    Accepted,
    /// The rider is at the store.
    Arrived,
    /// The courier or rider has the parcel: it left the store.
    Collected,
    /// Express only: sorting and line-haul.
    InTransit,
    /// Delivered to the customer. Terminal.
    Delivered,
    /// The delivery failed and the parcel is on its way back to the store.
    Returning,
    /// The parcel is back at the store. Terminal for this booking.
    Returned,
    /// Cancelled (by the rider, the platform, the store or HQ) before collection. Terminal
    /// for this booking; the dispatcher may book another.
    Cancelled,
    /// No rider took it in time. Terminal for this booking; the dispatcher may book another.
    Expired,
    /// The platform refused to create it. Terminal for this booking.
    Failed,
}

const ALL_STATUSES: [BookingStatus; 12] = [
    BookingStatus::Queued,
    BookingStatus::Dispatching,
    BookingStatus::Accepted,
    BookingStatus::Arrived,
    BookingStatus::Collected,
    BookingStatus::InTransit,
    BookingStatus::Delivered,
    BookingStatus::Returning,
    BookingStatus::Returned,
    BookingStatus::Cancelled,
    BookingStatus::Expired,
    BookingStatus::Failed,
];

impl BookingStatus {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Dispatching => "dispatching",
            Self::Accepted => "accepted",
            Self::Arrived => "arrived",
            Self::Collected => "collected",
            Self::InTransit => "in_transit",
            Self::Delivered => "delivered",
            Self::Returning => "returning",
            Self::Returned => "returned",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
            Self::Failed => "failed",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Self> {
        ALL_STATUSES.iter().copied().find(|st| st.as_str() == s)
    }

    /// All statuses.
    pub fn all() -> &'static [BookingStatus] {
        &ALL_STATUSES
    }

    /// Nothing follows.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Delivered | Self::Returned | Self::Cancelled | Self::Expired | Self::Failed)
    }

    /// Booked or being booked, and the parcel still at the store: it can be cancelled,
    /// and another booking for the same order must wait for it to end.
    pub fn is_before_collection(self) -> bool {
        matches!(self, Self::Queued | Self::Dispatching | Self::Accepted | Self::Arrived)
    }

    /// Whether a callback reporting `to` moves a booking now in `self` forward. A status
    /// the booking already passed (repeated or reordered callbacks) does not; nothing leaves
    /// a terminal status.
    pub fn advances_to(self, to: BookingStatus) -> bool {
        use BookingStatus as B;
        if self.is_terminal() || self == to {
            return false;
        }
        match to {
            B::Queued => false,
            B::Dispatching => self == B::Queued,
            // A rider can be re-assigned by the platform (accepted again after arriving is
            // not a step back we model): forward along the main line only.
            B::Accepted | B::Arrived | B::Collected | B::InTransit | B::Delivered => {
                self.line_rank().is_some_and(|from| to.line_rank().is_some_and(|t| t > from))
            }
            B::Returning => matches!(self, B::Collected | B::InTransit),
            B::Returned => matches!(self, B::Collected | B::InTransit | B::Returning),
            B::Cancelled | B::Expired => self.is_before_collection(),
            B::Failed => matches!(self, B::Queued | B::Dispatching),
        }
    }

    fn line_rank(self) -> Option<u8> {
        use BookingStatus as B;
        Some(match self {
            B::Queued => 0,
            B::Dispatching => 1,
            B::Accepted => 2,
            B::Arrived => 3,
            B::Collected => 4,
            B::InTransit => 5,
            B::Delivered => 6,
            _ => return None,
        })
    }

    /// The fulfillment order's step this status causes, if any: collection dispatches it
    /// (the goods leave the store's stock), delivery delivers it, a parcel back at the store
    /// puts it back to packed (the goods back on the store's stock).
    pub fn fulfillment_event(self) -> Option<crate::fulfillment::FulfillmentEvent> {
        use crate::fulfillment::FulfillmentEvent as E;
        match self {
            Self::Collected | Self::InTransit => Some(E::Dispatch),
            Self::Delivered => Some(E::Deliver),
            Self::Returned => Some(E::ReturnToStore),
            _ => None,
        }
    }

    /// The customer is told about this status (SMS through the notification outbox).
    pub fn notifies_customer(self, method: CourierMethod) -> bool {
        match self {
            Self::Dispatching => method == CourierMethod::Express,
            Self::Accepted => method == CourierMethod::SameCity,
            Self::Delivered => true,
            _ => false,
        }
    }
}

/// What went wrong with a booking, for the store's exception screen (stable codes; the
/// UI's catalogue has the next step for each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BookingProblem {
    /// The rider cancelled; the dispatcher is booking another.
    RiderCancelled,
    /// No rider took it in time; the dispatcher is booking another with a higher tip.
    NoRiderYet,
    /// No rider after every attempt HQ allows: ask again, or send it by express.
    NoRiderFound,
    /// The platform refused the booking (its message is in the detail).
    CreateFailed,
    /// The delivery failed; the parcel is coming back to the store.
    ReturningToStore,
    /// The parcel is back at the store: request a courier again, or HQ cancels the order.
    ReturnedToStore,
    /// No courier platform is configured for this store and method.
    NotConfigured,
}

impl BookingProblem {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RiderCancelled => "rider_cancelled",
            Self::NoRiderYet => "no_rider_yet",
            Self::NoRiderFound => "no_rider_found",
            Self::CreateFailed => "create_failed",
            Self::ReturningToStore => "returning_to_store",
            Self::ReturnedToStore => "returned_to_store",
            Self::NotConfigured => "not_configured",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::RiderCancelled,
            Self::NoRiderYet,
            Self::NoRiderFound,
            Self::CreateFailed,
            Self::ReturningToStore,
            Self::ReturnedToStore,
            Self::NotConfigured,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// The rider on a same-city booking, as the platform last reported them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rider {
    /// Name.
    pub name: String,
    /// Phone, for the store to call.
    pub phone: String,
    /// Last known position.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub position: Option<GeoPoint>,
}

/// A party on a shipping label; the recipient's name and phone are masked (张*,
/// 138****5678) as carriers print them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabelParty {
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Address.
    pub address: String,
}

/// Everything printed on one parcel's shipping label (100×150 mm), from the carrier's
/// label data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShippingLabel {
    /// 1-based parcel number.
    pub parcel_no: u32,
    /// Parcels in the shipment.
    pub parcel_count: u32,
    /// The parcel's waybill number (its barcode).
    pub waybill_no: String,
    /// The shipment's master waybill (the first parcel's).
    pub master_waybill_no: String,
    /// The carrier's name as printed (顺丰速运).
    pub carrier: String,
    /// Service level printed (标快 / 特快).
    pub service: ExpressService,
    /// The carrier's destination routing code (SF destRouteLabel), printed large.
    pub dest_route_label: String,
    /// The carrier's product code (SF proCode, e.g. T4).
    pub pro_code: String,
    /// The carrier's 2-D code content, if it sends one.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub two_dimension_code: Option<String>,
    /// Sender (the store).
    pub sender: LabelParty,
    /// Recipient (masked).
    pub recipient: LabelParty,
    /// Declared weight, grams.
    pub weight_g: u32,
    /// Our order number, printed as the reference.
    pub reference: String,
}

/// A packed parcel of a booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Parcel {
    /// 1-based parcel number.
    pub parcel_no: u32,
    /// Weight, grams.
    pub weight_g: u32,
    /// What is in it.
    pub lines: Vec<ParcelLine>,
    /// Its waybill number, once booked (express).
    #[cfg_attr(feature = "openapi", schema(required))]
    pub waybill_no: Option<String>,
}

/// A courier booking for a fulfillment order, as HQ and the store see it. An order may
/// have several over its life (a rider cancelled, the dispatcher booked another); the
/// store shows the latest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourierBooking {
    /// Id (the device's, from its request).
    pub id: Uuid,
    /// The fulfillment order.
    pub fulfillment_order_id: Uuid,
    /// Express, same-city or manual.
    pub method: CourierMethod,
    /// Express service level.
    pub service: ExpressService,
    /// The platform that took it (`sf_express`, a rider platform's code, or the carrier an
    /// associate entered); empty while queued.
    pub platform: String,
    /// Which attempt this is for the order (1 for the first; the dispatcher's re-bookings
    /// count up).
    pub attempt: u32,
    /// The platform's own order number.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub platform_order_no: Option<String>,
    /// Status.
    pub status: BookingStatus,
    /// What is wrong, if anything.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub problem: Option<BookingProblem>,
    /// The platform's own words about the problem.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub problem_detail: Option<String>,
    /// The delivery fee the platform quoted or charged.
    pub fee: Fen,
    /// Tip added for the rider (raised on re-dispatch, within HQ's cap).
    pub tip: Fen,
    /// Cancellation fee or penalty the platform deducted.
    pub penalty: Fen,
    /// Distance the platform computed (metres).
    #[cfg_attr(feature = "openapi", schema(required))]
    pub distance_m: Option<u32>,
    /// The rider, once one accepted.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub rider: Option<Rider>,
    /// The code the rider shows at the counter (Dada fetch code), to check before handing
    /// the bag over.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub rider_code: Option<String>,
    /// When the platform expects the rider at the store (same-city) or the delivery.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub eta: Option<DateTime<Utc>>,
    /// The parcels.
    pub parcels: Vec<Parcel>,
    /// Labels to print, one per parcel (express, once booked).
    pub labels: Vec<ShippingLabel>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A store registered as a shop with a same-city rider platform (its `shop_no` is what the
/// store's orders are placed under).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShopRegistration {
    /// The rider platform's code.
    pub platform: String,
    /// The store.
    pub store: String,
    /// The shop number the platform registered it under.
    pub shop_no: String,
    /// The shop's name as the platform has it.
    pub station_name: String,
}

/// How the associate checked the courier or rider before handing the parcels over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum CourierCheck {
    /// The rider's pickup code, as they showed it (same-city).
    RiderCode {
        /// The code as entered.
        code: String,
    },
    /// The label's waybill barcode, scanned (express).
    Waybill {
        /// The waybill number as scanned.
        waybill_no: String,
    },
}

/// Carriers whose tracking numbers an associate may enter by hand, with their formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KnownCarrier {
    /// 顺丰速运: SF + 12 or 13 digits.
    SfExpress,
    /// 京东物流: JD + 13 to 15 digits or capital letters.
    Jd,
    /// 中通快递: 12 to 15 digits.
    Zto,
    /// 圆通速递: YT + 13 to 15 digits.
    Yto,
    /// 申通快递: 12 to 15 digits.
    Sto,
    /// 韵达快递: 13 or 15 digits.
    Yunda,
    /// EMS: 2 capital letters, 9 digits, 2 capital letters (UPU S10), or 13 digits.
    Ems,
    /// 极兔速递: JT + 13 digits.
    JtExpress,
}

const ALL_CARRIERS: [KnownCarrier; 8] = [
    KnownCarrier::SfExpress,
    KnownCarrier::Jd,
    KnownCarrier::Zto,
    KnownCarrier::Yto,
    KnownCarrier::Sto,
    KnownCarrier::Yunda,
    KnownCarrier::Ems,
    KnownCarrier::JtExpress,
];

/// A tracking number that does not fit its carrier's format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{number} is not a {carrier} tracking number ({format})")]
pub struct TrackingNoInvalid {
    /// The carrier's printed name.
    pub carrier: &'static str,
    /// What was entered (trimmed).
    pub number: String,
    /// The format, in words.
    pub format: &'static str,
}

impl KnownCarrier {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SfExpress => "sf_express",
            Self::Jd => "jd",
            Self::Zto => "zto",
            Self::Yto => "yto",
            Self::Sto => "sto",
            Self::Yunda => "yunda",
            Self::Ems => "ems",
            Self::JtExpress => "jt_express",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Self> {
        ALL_CARRIERS.iter().copied().find(|c| c.as_str() == s)
    }

    /// Every carrier, for the picker.
    pub fn all() -> &'static [KnownCarrier] {
        &ALL_CARRIERS
    }

    /// The carrier's name as printed in China.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::SfExpress => "顺丰速运",
            Self::Jd => "京东物流",
            Self::Zto => "中通快递",
            Self::Yto => "圆通速递",
            Self::Sto => "申通快递",
            Self::Yunda => "韵达快递",
            Self::Ems => "EMS",
            Self::JtExpress => "极兔速递",
        }
    }

    fn format(self) -> &'static str {
        match self {
            Self::SfExpress => "SF and 12 or 13 digits",
            Self::Jd => "JD and 13 to 15 digits or capital letters",
            Self::Zto | Self::Sto => "12 to 15 digits",
            Self::Yto => "YT and 13 to 15 digits",
            Self::Yunda => "13 or 15 digits",
            Self::Ems => "2 letters, 9 digits, 2 letters, or 13 digits",
            Self::JtExpress => "JT and 13 digits",
        }
    }

    /// Checks a hand-entered tracking number against the carrier's format; answers it
    /// trimmed and in capitals.
    pub fn check_tracking_no(self, number: &str) -> Result<String, TrackingNoInvalid> {
        let n = number.trim().to_ascii_uppercase();
        let digits = |s: &str, lens: &[usize]| lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
        let upper_or_digit = |s: &str| s.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        let ok = match self {
            Self::SfExpress => n.strip_prefix("SF").is_some_and(|r| digits(r, &[12, 13])),
            Self::Jd => n.strip_prefix("JD").is_some_and(|r| (13..=15).contains(&r.len()) && upper_or_digit(r)),
            Self::Zto | Self::Sto => digits(&n, &[12, 13, 14, 15]),
            Self::Yto => n.strip_prefix("YT").is_some_and(|r| digits(r, &[13, 14, 15])),
            Self::Yunda => digits(&n, &[13, 15]),
            Self::Ems => {
                let b = n.as_bytes();
                digits(&n, &[13])
                    || (b.len() == 13
                        && b[..2].iter().all(u8::is_ascii_uppercase)
                        && b[2..11].iter().all(u8::is_ascii_digit)
                        && b[11..].iter().all(u8::is_ascii_uppercase))
            }
            Self::JtExpress => n.strip_prefix("JT").is_some_and(|r| digits(r, &[13])),
        };
        if ok {
            Ok(n)
        } else {
            Err(TrackingNoInvalid { carrier: self.name_zh(), number: n, format: self.format() })
        }
    }
}

/// How the rider dispatcher chooses among the same-city platforms' quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DispatchRule {
    /// The lowest fee (ties: the shortest pickup time).
    #[default]
    Cheapest,
    /// The shortest expected pickup time (ties: the lowest fee).
    Fastest,
}

/// HQ's courier policy (GET/PUT /api/v1/settings/courier-policy): how riders are chosen
/// and re-dispatched. Data, not constants: each value has a default and a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CourierPolicy {
    /// How the dispatcher picks a same-city quote.
    #[serde(default)]
    pub dispatch_rule: DispatchRule,
    /// Bookings the dispatcher makes for one order before it gives up (no rider found).
    #[serde(default = "default_max_attempts")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10))]
    pub max_attempts: u32,
    /// Tip added on each re-dispatch (fen).
    #[serde(default = "default_tip_step")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 5000))]
    pub tip_step_fen: i64,
    /// The most tip the dispatcher offers for one order (fen).
    #[serde(default = "default_tip_cap")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 20000))]
    pub tip_cap_fen: i64,
}

fn default_max_attempts() -> u32 {
    3
}
fn default_tip_step() -> i64 {
    200
}
fn default_tip_cap() -> i64 {
    1_000
}

impl Default for CourierPolicy {
    fn default() -> Self {
        CourierPolicy {
            dispatch_rule: DispatchRule::default(),
            max_attempts: default_max_attempts(),
            tip_step_fen: default_tip_step(),
            tip_cap_fen: default_tip_cap(),
        }
    }
}

impl CourierPolicy {
    /// Checks every value against its range; the first one outside is named.
    pub fn check(&self) -> Result<(), crate::rules::RuleOutOfRange> {
        let within = |field: &'static str, v: i64, min: i64, max: i64| {
            if (min..=max).contains(&v) {
                Ok(())
            } else {
                Err(crate::rules::RuleOutOfRange { field, min, max })
            }
        };
        within("max_attempts", self.max_attempts.into(), 1, 10)?;
        within("tip_step_fen", self.tip_step_fen, 0, 5_000)?;
        within("tip_cap_fen", self.tip_cap_fen, 0, 20_000)
    }

    /// The tip for booking number `attempt` (1-based): raised by a step each re-dispatch,
    /// never above the cap.
    pub fn tip_for_attempt(&self, attempt: u32) -> Fen {
        let steps = i64::from(attempt.saturating_sub(1));
        Fen(steps.saturating_mul(self.tip_step_fen).min(self.tip_cap_fen))
    }
}

/// One platform's quote for a same-city delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiderQuote {
    /// The platform's code.
    pub platform: String,
    /// Delivery fee (fen), tip excluded.
    pub fee: Fen,
    /// Expected minutes until a rider is at the store.
    pub pickup_minutes: u32,
    /// Distance the platform computed (metres).
    pub distance_m: u32,
}

/// The quote the dispatcher books: by the policy's rule, ties broken by the other measure
/// and then by the platform's code (so the choice is deterministic). None without quotes.
pub fn choose_quote(rule: DispatchRule, quotes: &[RiderQuote]) -> Option<&RiderQuote> {
    quotes.iter().min_by(|a, b| {
        let fee = a.fee.0.cmp(&b.fee.0);
        let time = a.pickup_minutes.cmp(&b.pickup_minutes);
        let first = match rule {
            DispatchRule::Cheapest => fee.then(time),
            DispatchRule::Fastest => time.then(fee),
        };
        first.then_with(|| a.platform.cmp(&b.platform))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parcel(weight_g: u32, lines: &[(u32, i64)]) -> ParcelInput {
        ParcelInput {
            weight_g,
            lines: lines.iter().map(|&(line_no, q)| ParcelLine { line_no, qty: Qty::new(q).unwrap() }).collect(),
        }
    }

    #[test]
    fn every_picked_unit_goes_into_exactly_one_parcel() {
        let picked = [(1, 2), (2, 1), (3, 0)];
        assert_eq!(check_parcels(&picked, &[parcel(800, &[(1, 1)]), parcel(900, &[(1, 1), (2, 1)])]), Ok(()));
        assert_eq!(check_parcels(&picked, &[]), Err(ParcelProblem::NoParcels));
        assert_eq!(
            check_parcels(&picked, &[parcel(800, &[(1, 2)])]),
            Err(ParcelProblem::Mismatch { line_no: 2, picked: 1, packed: 0 })
        );
        assert_eq!(
            check_parcels(&picked, &[parcel(800, &[(1, 2), (2, 1), (1, 1)])]),
            Err(ParcelProblem::Mismatch { line_no: 1, picked: 2, packed: 3 })
        );
        assert_eq!(
            check_parcels(&picked, &[parcel(0, &[(1, 2), (2, 1)])]),
            Err(ParcelProblem::Weight { parcel_no: 1, weight_g: 0 })
        );
        assert_eq!(
            check_parcels(&picked, &[parcel(800, &[(1, 2), (2, 1)]), parcel(100, &[])]),
            Err(ParcelProblem::EmptyParcel { parcel_no: 2 })
        );
        assert_eq!(
            check_parcels(&picked, &[parcel(800, &[(1, 2), (2, 1), (9, 1)])]).unwrap_err().code(),
            "parcel_line_unknown"
        );
    }

    #[test]
    fn statuses_only_move_forward() {
        use BookingStatus as B;
        assert!(B::Queued.advances_to(B::Dispatching));
        assert!(B::Dispatching.advances_to(B::Arrived), "a skipped callback does not block the next");
        assert!(!B::Arrived.advances_to(B::Accepted), "a late callback is not a step back");
        assert!(!B::Collected.advances_to(B::Cancelled), "once collected it cannot be cancelled");
        assert!(B::Accepted.advances_to(B::Cancelled));
        assert!(B::InTransit.advances_to(B::Returning));
        assert!(B::Returning.advances_to(B::Returned));
        assert!(!B::Returning.advances_to(B::Delivered));
        for s in B::all() {
            assert!(!s.advances_to(*s), "{s:?} repeated");
            assert_eq!(B::parse(s.as_str()), Some(*s));
        }
    }

    proptest! {
        /// Whatever order and repetition callbacks come in, applying only the ones that
        /// advance ends in one status, changes the fulfillment order at most once per
        /// event, and never leaves a terminal status.
        #[test]
        fn callbacks_in_any_order_apply_each_step_once(seq in proptest::collection::vec(0usize..12, 0..40)) {
            let mut status = BookingStatus::Queued;
            let mut events = Vec::new();
            for i in seq {
                let to = BookingStatus::all()[i];
                if status.advances_to(to) {
                    prop_assert!(!status.is_terminal());
                    if let Some(e) = to.fulfillment_event() {
                        events.push(e);
                    }
                    status = to;
                }
            }
            use crate::fulfillment::FulfillmentEvent as E;
            for e in [E::Dispatch, E::Deliver, E::ReturnToStore] {
                let n = events.iter().filter(|x| **x == e).count();
                // In transit after collected reports Dispatch again: the caller applies a
                // step only when the fulfillment order's machine allows it.
                prop_assert!(n <= 2, "{e:?} {n} times");
            }
        }
    }

    #[test]
    fn the_dispatcher_picks_by_rule_and_raises_the_tip_within_the_cap() {
        let q = |platform: &str, fee, pickup_minutes| RiderQuote {
            platform: platform.into(),
            fee: Fen(fee),
            pickup_minutes,
            distance_m: 3_000,
        };
        let quotes = [q("dada", 900, 12), q("fengniao", 800, 20), q("shansong", 800, 15)];
        assert_eq!(choose_quote(DispatchRule::Cheapest, &quotes).unwrap().platform, "shansong");
        assert_eq!(choose_quote(DispatchRule::Fastest, &quotes).unwrap().platform, "dada");
        assert!(choose_quote(DispatchRule::Fastest, &[]).is_none());
        let p = CourierPolicy { tip_step_fen: 300, tip_cap_fen: 700, ..CourierPolicy::default() };
        let tips: Vec<i64> = (1..=5).map(|a| p.tip_for_attempt(a).0).collect();
        assert_eq!(tips, [0, 300, 600, 700, 700]);
        assert!(CourierPolicy { max_attempts: 0, ..p }.check().is_err());
        assert_eq!(CourierPolicy::default().check(), Ok(()));
        let old: CourierPolicy = serde_json::from_str("{}").unwrap();
        assert_eq!(old, CourierPolicy::default());
    }

    #[test]
    fn tracking_numbers_follow_their_carrier() {
        assert_eq!(KnownCarrier::SfExpress.check_tracking_no(" sf1234567890123 "), Ok("SF1234567890123".into()));
        assert!(KnownCarrier::SfExpress.check_tracking_no("SF12345").is_err());
        assert!(KnownCarrier::Zto.check_tracking_no("731234567890").is_ok());
        assert!(KnownCarrier::Zto.check_tracking_no("73123456789a").is_err());
        assert!(KnownCarrier::Ems.check_tracking_no("EA123456789CN").is_ok());
        assert!(KnownCarrier::Yto.check_tracking_no("YT1234567890123").is_ok());
        assert!(KnownCarrier::JtExpress.check_tracking_no("JT0001234567890").is_ok());
        assert!(KnownCarrier::Jd.check_tracking_no("JDVA12345678901").is_ok());
        let e = KnownCarrier::Yunda.check_tracking_no("123").unwrap_err();
        assert!(e.to_string().contains("13 or 15 digits"), "{e}");
        for c in KnownCarrier::all() {
            assert_eq!(KnownCarrier::parse(c.as_str()), Some(*c));
        }
    }
}
