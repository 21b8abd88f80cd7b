//! The store app's commands and events, each declared once: its name on the wire, its
//! arguments and its answer. The shell routes an invoke by [`Command::NAME`] to a handler
//! that takes [`Command::Args`] and returns [`Command::Answer`]; the UI's ipc layer sends
//! the same `Args` and decodes the same `Answer`. Renaming a command, an argument or
//! changing an answer is a compile error on whichever side was not updated.
//!
//! Arguments travel as one JSON object whose keys are the fields of `Args` (what Tauri's
//! `invoke(name, args)` sends).

use super::{AppSnapshot, CameraScan, Diagnostics, EnrollmentView, HomeView, InboxItem, OrderDetail};
use super::{StaffMember, SyncView};
use crate::fulfillment::FulfillmentState;
use crate::order::FulfillmentOrder;
use crate::pick::PickLine;
use crate::protocol::Op;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A command the UI invokes on the shell.
pub trait Command {
    /// Its name on the wire.
    const NAME: &'static str;
    /// What the UI sends.
    type Args: Serialize + DeserializeOwned + Send + 'static;
    /// What the shell answers on success.
    type Answer: Serialize + DeserializeOwned + Send + 'static;
}

/// An event the shell emits to the UI.
pub trait Event {
    /// Its name on the wire.
    const NAME: &'static str;
    /// What it carries.
    type Payload: Serialize + DeserializeOwned + Clone + Send + 'static;
}

/// No arguments (an empty object).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NoArgs {}

/// Enrolment: the server's address and HQ's one-time code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollArgs {
    /// Server base URL.
    pub server_url: String,
    /// The one-time enrollment code.
    pub code: String,
}

/// A PIN login (no `Debug`: it carries the PIN).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginArgs {
    /// Who logs in.
    pub staff_id: String,
    /// Their PIN.
    pub pin: String,
}

/// One inbox item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItemArgs {
    /// Its id.
    pub id: i64,
}

/// The UI language to use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageArgs {
    /// `zh-CN` or `en` (see [`crate::input::LANGUAGES`]).
    pub language: String,
}

/// Which orders a list shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderListArgs {
    /// The states shown; all when empty.
    pub states: Vec<FulfillmentState>,
}

/// One fulfillment order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderArgs {
    /// The fulfillment order.
    pub id: Uuid,
}

/// An action to do as the logged-in associate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerformArgs {
    /// The action.
    pub op: Op,
}

/// One unit scanned while picking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickScanArgs {
    /// The order being picked.
    pub id: Uuid,
    /// What was scanned.
    pub barcode: String,
}

/// A hand-over after a manager checked the customer's ID (no `Debug`: it carries the
/// manager's PIN).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdCheckArgs {
    /// The order handed over.
    pub id: Uuid,
    /// The manager who checked.
    pub manager_id: String,
    /// The manager's PIN, confirming it.
    pub manager_pin: String,
    /// What was checked (ID type and last digits).
    pub note: String,
}

// --- returns ---

/// An order looked up at the return counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupOrderArgs {
    /// How: a scanned or typed code, a channel's order number, or phone tail and name.
    pub lookup: crate::returns::OrderLookup,
}

/// The refund preview of lines of a looked-up order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewReturnArgs {
    /// The order, as looked up.
    pub order_id: Uuid,
    /// The lines taken back.
    pub lines: Vec<super::ReturnLineInput>,
}

/// A return taken at the counter (no `Debug`: it may carry a manager's PIN).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptReturnArgs {
    /// The looked-up order; `None` offline.
    pub order_id: Option<Uuid>,
    /// Offline: the channel and order number on the receipt.
    pub order_ref: Option<crate::protocol::ChannelOrderRef>,
    /// The lines taken back.
    pub lines: Vec<super::ReturnLineInput>,
    /// The manager approving (above the limit).
    pub manager_id: Option<String>,
    /// Their PIN.
    pub manager_pin: Option<String>,
}

/// One return made on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnArgs {
    /// The return.
    pub return_id: Uuid,
}

/// An item scanned or typed at the return counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemArgs {
    /// Its EAN-13 or SKU code.
    pub code: String,
}

macro_rules! commands {
    ($($(#[$doc:meta])* $ty:ident = $name:literal, $args:ty => $answer:ty;)*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub enum $ty {}

            impl Command for $ty {
                const NAME: &'static str = $name;
                type Args = $args;
                type Answer = $answer;
            }
        )*

        /// Every command's name, in declaration order.
        pub const ALL: &[&str] = &[$($name),*];
    };
}

commands! {
    /// Where the app stands: enrollment, session, sync, language.
    GetAppState = "app_state", NoArgs => AppSnapshot;
    /// Enrols this device with a server address and a one-time code from HQ.
    Enroll = "enroll", EnrollArgs => EnrollmentView;
    /// Staff who may log in on this device.
    ListStaff = "staff_members", NoArgs => Vec<StaffMember>;
    /// Checks a PIN offline and starts a session.
    Login = "login", LoginArgs => StaffMember;
    /// Ends the session.
    Logout = "logout", NoArgs => ();
    /// Task counts and unread inbox items.
    GetHome = "home", NoArgs => HomeView;
    /// Rejections and conflicts, newest first.
    GetInbox = "inbox", NoArgs => Vec<InboxItem>;
    /// Marks an inbox item read.
    MarkRead = "mark_read", InboxItemArgs => ();
    /// Syncs now and reports how it went.
    SyncNow = "sync_now", NoArgs => SyncView;
    /// Changes the UI language.
    SetLanguage = "set_language", LanguageArgs => ();
    /// Facts for support.
    GetDiagnostics = "diagnostics", NoArgs => Diagnostics;
    /// Fulfillment orders on the device, newest first.
    ListOrders = "fulfillment_orders", OrderListArgs => Vec<FulfillmentOrder>;
    /// One order with its SKUs described and its pick progress.
    GetOrderDetail = "order_detail", OrderArgs => OrderDetail;
    /// Does an action as the logged-in associate.
    Perform = "perform", PerformArgs => ();
    /// Counts one scanned unit while picking.
    ScanForPick = "scan_for_pick", PickScanArgs => Vec<PickLine>;
    /// Starts the pick of an order over.
    ResetPick = "reset_pick", OrderArgs => ();
    /// Hands an order over after a manager checked the customer's ID.
    HandOverWithIdCheck = "hand_over_with_id_check", IdCheckArgs => ();
    /// Starts scanning with the first camera; codes arrive as [`CameraScanned`] events.
    CameraStart = "camera_start", NoArgs => ();
    /// Stops the camera.
    CameraStop = "camera_stop", NoArgs => ();
    // --- returns ---
    /// Looks an order up at HQ for a return (online only).
    LookupOrder = "lookup_order", LookupOrderArgs => crate::returns::OrderLookupAnswer;
    /// The refund for lines of a looked-up order, and whether a manager must approve.
    PreviewReturn = "preview_return", PreviewReturnArgs => super::ReturnPreview;
    /// Takes goods back (online against the looked-up order, offline against the receipt).
    AcceptReturn = "accept_return", AcceptReturnArgs => super::ReturnRecord;
    /// Returns made on this device, newest first.
    ListReturns = "returns", NoArgs => Vec<super::ReturnRecord>;
    /// One return made on this device.
    GetReturn = "return_record", ReturnArgs => super::ReturnRecord;
    /// An item scanned or typed at the return counter.
    ReturnItem = "return_item", ItemArgs => super::ItemView;
    /// Places the new order of an exchange after a return.
    Exchange = "exchange", super::ExchangeArgs => super::ExchangeView;
    // --- polish ---
    /// The rules HQ set that this device applies (promise windows for order cards).
    GetDeviceRules = "device_rules", NoArgs => crate::rules::DeviceRules;
    // --- aisle ---
    /// Styles matching a typed text or a scanned item, from the device's catalogue.
    SearchStyles = "aisle_search", super::aisle::AisleSearchArgs => Vec<super::aisle::StyleHit>;
    /// A style's colour × size grid with this store's stock and the stored snapshot.
    GetStyleGrid = "aisle_grid", super::aisle::StyleArgs => super::aisle::StyleGrid;
    /// A style's availability per node: live from HQ, or the snapshot with its time.
    GetStyleAvailability = "aisle_availability", super::aisle::StyleArgs => super::aisle::AisleAvailability;
    /// Places an endless-aisle order and waits briefly for HQ's answer.
    PlaceAisleOrder = "aisle_place_order", super::aisle::PlaceOrderArgs => super::aisle::PlaceOrderOutcome;
    /// The orders this device placed, newest first.
    ListPlacedOrders = "aisle_placed_orders", NoArgs => Vec<super::aisle::PlacedOrderView>;
    /// Asks HQ now how one placed order stands.
    RefreshPlacedOrder = "aisle_refresh_placed_order", super::aisle::PlacedOrderArgs => super::aisle::PlacedOrderView;
    // --- print ---
    /// The thermal printer set on this device.
    GetPrinter = "printer_settings", NoArgs => super::print::PrinterSettings;
    /// Sets (or clears, with an empty address) the thermal printer and its paper.
    SetPrinter = "set_printer", super::print::PrinterSettings => super::print::PrinterSettings;
    /// Renders a document to ESC/POS and sends it to the thermal printer.
    PrintThermal = "print_thermal", super::print::PrintThermalArgs => super::print::PrintedJob;
    // --- courier ---
    /// An order's picked lines and the parcels packed so far.
    GetPacking = "courier_packing", OrderArgs => super::courier::PackingView;
    /// One scanned unit into a parcel.
    PackScan = "courier_pack_scan", super::courier::PackScanArgs => super::courier::PackingView;
    /// Units of a line put into or taken out of a parcel by tapping.
    PackPut = "courier_pack_put", super::courier::PackPutArgs => super::courier::PackingView;
    /// Adds an empty parcel.
    AddParcel = "courier_add_parcel", OrderArgs => super::courier::PackingView;
    /// Removes a parcel (its units are unpacked); the later ones are renumbered.
    RemoveParcel = "courier_remove_parcel", super::courier::ParcelArgs => super::courier::PackingView;
    /// Sets a parcel's weight from the scale.
    SetParcelWeight = "courier_parcel_weight", super::courier::ParcelWeightArgs => super::courier::PackingView;
    /// Asks HQ for an express waybill or a same-city rider (queued while offline).
    RequestCourier = "courier_request", super::courier::RequestCourierArgs => super::courier::CourierView;
    /// Records a carrier booked by hand and its tracking number.
    RecordManualCourier = "courier_manual", super::courier::ManualCourierArgs => super::courier::CourierView;
    /// A courier order with its latest booking.
    GetCourier = "courier_booking", OrderArgs => super::courier::CourierView;
    /// Hands the parcels to the rider or courier after checking their code or the label.
    HandOverToCourier = "courier_hand_over", super::courier::CourierHandOverArgs => ();
    /// Riders at the store, and those to announce now.
    GetRiderArrivals = "courier_rider_arrivals", NoArgs => super::courier::RiderArrivals;
}

/// Sync state changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncStatus {}

impl Event for SyncStatus {
    const NAME: &'static str = "sync-status";
    type Payload = SyncView;
}

/// The camera read a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraScanned {}

impl Event for CameraScanned {
    const NAME: &'static str = "camera-scan";
    type Payload = CameraScan;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_are_unique_and_snake_case() {
        let mut names = ALL.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len(), "a command name is declared twice");
        for n in ALL {
            assert!(n.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{n}");
        }
    }

    #[test]
    fn arguments_are_one_object_keyed_by_field() {
        let args = PickScanArgs { id: Uuid::nil(), barcode: "6901234567892".into() };
        let json = serde_json::to_value(&args).unwrap();
        assert_eq!(json, serde_json::json!({"id": Uuid::nil(), "barcode": "6901234567892"}));
        assert_eq!(serde_json::to_value(NoArgs {}).unwrap(), serde_json::json!({}));
        let back: NoArgs = serde_json::from_value(serde_json::json!({})).unwrap();
        assert_eq!(back, NoArgs {});
    }
}
