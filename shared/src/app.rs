//! What the store app's shell and its UI exchange: the commands the UI invokes (see
//! [`command`]), the views its screens show and the error shape they translate. The shell
//! (native) and the UI (wasm) both use these types, so a field renamed on one side is a
//! compile error on the other.

pub mod aisle;
pub mod command;
// --- courier ---
pub mod courier;
// --- print ---
pub mod print;

use crate::node::Node;
use crate::order::FulfillmentOrder;
use crate::pick::PickLine;
use crate::staff::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A staff member as the login screen lists them (no PIN hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    /// Staff id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// An SKU described for an associate at the shelf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuView {
    /// SKU code.
    pub code: String,
    /// EAN-13 on the tag.
    pub barcode: String,
    /// The style's name.
    pub name: String,
    /// Colour.
    pub colour: String,
    /// Size.
    pub size: String,
}

/// Counts for the home screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TaskCounts {
    /// Routed, waiting to be accepted.
    pub to_accept: u64,
    /// Accepted or being picked.
    pub to_pick: u64,
    /// Packed pickup orders to mark ready, and ready ones waiting for the customer.
    pub ready_for_pickup: u64,
    /// Packed courier orders and ones waiting for the courier.
    pub awaiting_courier: u64,
}

/// A rejection or conflict the associate should read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItem {
    /// Id.
    pub id: i64,
    /// The op.
    pub op_id: String,
    /// Its kind.
    pub kind: String,
    /// `rejected` or `conflict`.
    pub status: String,
    /// Machine-readable code.
    pub code: String,
    /// The server's message.
    pub message: String,
    /// The order concerned.
    pub fulfillment_order_id: Option<String>,
    /// When it arrived (ms).
    pub created_ms: i64,
    /// Whether it was read.
    pub read: bool,
    /// When HQ resolved it (ms), if it did.
    #[serde(default)]
    pub resolved_ms: Option<i64>,
    /// HQ's note on the resolution.
    #[serde(default)]
    pub resolution_note: Option<String>,
}

/// The stable code of an error the UI translates (the `error` field of [`ErrorView`]), as
/// the same snake_case strings on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // From the device engine (`replica::ReplicaError`).
    /// The device has not been enrolled yet.
    NotEnrolled,
    /// HQ revoked the device.
    Revoked,
    /// The server speaks another protocol version.
    IncompatibleServer,
    /// The server cannot be reached.
    Offline,
    /// The server refused a request.
    Server,
    /// The server's answer could not be read.
    CorruptResponse,
    /// The local database failed.
    Storage,
    /// The action is not possible now (see [`NotAllowedReason`]).
    NotAllowed,
    /// Not found on the device.
    NotFound,
    /// Wrong PIN.
    WrongPin,
    /// Wrong pickup code.
    WrongPickupCode,
    /// Too many wrong tries.
    LockedOut,
    /// A scan while picking was not counted (see [`PickScanReason`]).
    PickScan,
    /// An ID check confirmed by someone who is not a manager.
    NotManager,
    /// Something typed is not usable (see [`InputField`]).
    InvalidInput,
    // From the app shell.
    /// The action needs a logged-in associate.
    NotLoggedIn,
    /// The camera cannot scan (see [`CameraReason`]).
    Camera,
    /// Settings could not be saved.
    Settings,
    // --- print ---
    /// The thermal printer did not print (see [`crate::print::PrinterReason`]).
    Printer,
    // Found by the UI itself.
    /// A scan on the enrollment screen that is no enrollment code.
    NotAnEnrollmentCode,
    /// An item scanned on the home screen.
    ScanOnHome,
    /// A pickup QR of another order scanned at a hand-over.
    QrForAnotherOrder,
    /// A scan at a hand-over that is no pickup code.
    NotAPickupCode,
    /// An endless-aisle search or scan that matches no style.
    NoStyleFound,
    /// The shell's answer or error could not be read.
    Internal,
    /// A code this UI does not know (from a newer shell).
    #[default]
    #[serde(other)]
    Unknown,
}

/// Why an action is not possible now (`reason` of [`ErrorCode::NotAllowed`]): the reasons
/// the UI has its own text for; any other comes as [`ErrorReason::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotAllowedReason {
    /// The pickup code has expired.
    PickupCodeExpired,
    /// The device has no HQ key to check pickup passes with.
    NoHqKey,
    /// The order's pickup code has not reached the device.
    NoPickupCode,
    /// A pick scan for an order not being picked.
    NotPicking,
    /// The associate is no longer active staff of the store.
    UnknownStaff,
    // --- returns ---
    /// No order matches the look-up.
    OrderNotFound,
    /// Too many look-ups from this device: wait a moment.
    LookupRateLimited,
    /// The look-up was not understood.
    InvalidQuery,
    /// The order was not looked up on this device (look it up again).
    OrderNotLookedUp,
    /// A return with no units.
    NothingToReturn,
    /// A line with reason `other` needs a note.
    ReturnNoteRequired,
    /// The receipt's order number is missing (offline return).
    OrderNumberRequired,
    /// The refund is above the limit: a manager must approve.
    ManagerApprovalRequired,
    /// The line is not on the order.
    UnknownLine,
    /// More units than may still come back.
    MoreThanReturnable,
    /// A final-sale line.
    FinalSale,
    /// The return window has closed.
    ReturnWindowClosed,
    /// The order was cancelled.
    OrderCancelled,
    /// Only a store manager may approve.
    NotManager,
    /// The item is not free on this store's shelf: order it from the network.
    NotOnShelf,
    // --- aisle ---
    /// An endless-aisle order with no lines.
    NoLines,
    /// A quantity below 1 or absurdly large.
    InvalidQty,
    /// The chosen pickup store is not a store that offers pickup.
    InvalidPickupStore,
    // --- courier ---
    /// Parcels can be packed only once the order is picked, and until it leaves.
    NotPacking,
    /// The scanned item is picked for this order already in full: every unit is in a parcel.
    AllPacked,
    /// No such parcel.
    ParcelNotFound,
    /// The parcels do not hold exactly the picked units (see `shared::courier::ParcelProblem`).
    ParcelsInvalid,
    /// A same-city rider is not offered for this order.
    SameCityNotOffered,
    /// A booking is still under way: wait for it to end before asking again.
    CourierAlreadyBooked,
    /// The order is not waiting for a courier.
    NotAwaitingCourier,
    /// The rider's code has not reached the device yet.
    NoRiderCode,
    /// The code the rider showed is not this booking's.
    RiderCodeMismatch,
    /// The scanned waybill is not one of this booking's.
    WaybillMismatch,
    /// The booking has no waybill yet (HQ has not booked it).
    NoWaybill,
    /// The tracking number does not fit the carrier's format.
    TrackingNoInvalid,
    /// A tracking number for a booking HQ makes with a platform: hand it over instead.
    NotManualBooking,
}

/// Why a pick scan was not counted (`reason` of [`ErrorCode::PickScan`], the tag of
/// [`crate::pick::PickScanError`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PickScanReason {
    /// The barcode is not in the catalogue.
    UnknownBarcode,
    /// The item is not part of the order.
    WrongItem,
    /// Every unit of the item is already picked.
    TooMany,
}

/// Why the camera cannot scan (`reason` of [`ErrorCode::Camera`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraReason {
    /// No camera is connected.
    NoCamera,
    /// Another program holds the camera.
    Busy,
    /// The camera failed.
    Failed,
    /// Phones and tablets scan with the OS scanner instead.
    UseOsScanner,
}

/// The sub-code of an error, as a plain snake_case string on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ErrorReason {
    /// Of [`ErrorCode::NotAllowed`].
    NotAllowed(NotAllowedReason),
    /// Of [`ErrorCode::PickScan`].
    PickScan(PickScanReason),
    /// Of [`ErrorCode::Camera`].
    Camera(CameraReason),
    // --- print ---
    /// Of [`ErrorCode::Printer`].
    Printer(crate::print::PrinterReason),
    /// One the UI has no text of its own for.
    Other(String),
}

/// The input field an [`ErrorCode::InvalidInput`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputField {
    /// The server address at enrollment.
    ServerUrl,
    /// The enrollment code.
    Code,
    /// The note of a manager's ID check.
    Note,
    /// The reason for rejecting an order.
    Reason,
    /// The UI language.
    Language,
    // --- aisle ---
    /// The customer's name on an order.
    CustomerName,
    /// The customer's mobile number.
    CustomerPhone,
    /// The delivery address.
    Address,
    /// The till's payment reference.
    PaymentRef,
    // --- print ---
    /// The thermal printer's address on the settings screen.
    PrinterAddress,
    /// A field this UI does not know.
    #[serde(other)]
    Other,
}

/// An error as the UI receives it: a stable code to translate, the details some messages
/// need, and an English message for diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ErrorView {
    /// Stable code, e.g. `wrong_pin`, `not_allowed`, `pick_scan`, `offline`.
    pub error: ErrorCode,
    /// English text.
    #[serde(default)]
    pub message: String,
    /// Sub-code of `not_allowed`, `pick_scan` and `camera`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ErrorReason>,
    /// Tries left after a wrong PIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// End of a lockout (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<i64>,
    /// SKU concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku_code: Option<String>,
    /// Quantity concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qty: Option<i64>,
    /// Barcode concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    /// Input field concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<InputField>,
    /// HTTP status of a server refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Who an [`ErrorCode::NotManager`] is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_id: Option<String>,
}

impl ErrorView {
    /// An error with only a code and a message.
    pub fn new(error: ErrorCode, message: impl Into<String>) -> ErrorView {
        ErrorView { error, message: message.into(), ..Default::default() }
    }
}

/// A code the server puts on an op it refused or flagged (the `code` of an [`InboxItem`]):
/// the ones the UI has its own text for, as the same snake_case strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxCode {
    /// The order's state changed elsewhere first.
    StaleState,
    /// The step was not possible in the order's state on the server.
    IllegalTransition,
    /// Another device handed the order over.
    AlreadyHandedOver,
    /// The order was cancelled.
    Cancelled,
    /// Not enough stock.
    InsufficientStock,
    /// HQ has no such record.
    NotFound,
    /// Handed over after HQ cancelled or rerouted the order.
    HandedOverAfterCancel,
    /// Handed over before the order was ready.
    HandedOverEarly,
    /// The op was done by someone who is not active staff of the store.
    UnknownStaff,
    /// Stock moved while it was being counted.
    StockMovedDuringCount,
    /// A count below what is reserved.
    CountBelowReserved,
    /// A hand-over without verification.
    UnverifiedHandover,
    /// A return that needed a manager's approval had none.
    ManagerApprovalMissing,
    /// A return's manager approval could not be proven.
    ManagerApprovalUnproven,
    /// A count id sent again with other content.
    CountIdReused,
    /// A return id sent again with other content.
    ReturnIdReused,
    // --- returns ---
    /// A return matched no order (an offline return's order number).
    UnknownOrder,
    /// A returned SKU is not on the order.
    UnknownSku,
    /// A returned line is not on the order.
    UnknownLine,
    /// The same units were returned already (another device, offline).
    DuplicateReturn,
    /// More units returned than were still returnable.
    MoreThanReturnable,
    /// A final-sale item was taken back.
    FinalSale,
    /// Taken back after the channel's return window closed.
    ReturnWindowClosed,
    /// A return of a cancelled order.
    OrderCancelled,
    // --- aisle ---
    /// The store's shelf could not fill an order taken away at once.
    CarryOutUnavailable,
    /// An order taken away at once that is not collected at this store.
    InvalidCarryOut,
    /// The pickup store is unknown or offers no pickup.
    InvalidPickupStore,
    /// A price HQ does not accept.
    InvalidPrice,
    /// An order without lines or with too many.
    InvalidLines,
    /// The till's payment reference is too long.
    InvalidPaymentRef,
    /// The exchange names no return recorded at this store.
    ExchangeReturnNotFound,
    /// The order id was used before with other content.
    OrderConflict,
    /// No customer name.
    CustomerNameRequired,
    /// A customer name HQ does not accept.
    InvalidCustomerName,
    /// Not a mainland mobile number.
    InvalidPhone,
    /// A delivery without an address.
    AddressRequired,
    /// An address HQ does not accept.
    InvalidAddress,
    /// A placed order's price is not the catalogue's list price.
    PriceMismatch,
    /// A placed order without the till's payment reference.
    PaymentRefRequired,
    /// An order taken away at once booked without the till's payment reference (flagged).
    PaymentRefMissing,
    /// An order taken away at once beyond this store's free stock: booked, other orders' units
    /// are now short.
    CarryOutShort,
    // --- courier ---
    /// A courier request without a delivery (method and parcels).
    DeliveryRequired,
    /// The parcels do not hold exactly the picked units.
    ParcelsMismatch,
    /// No parcel in the request.
    ParcelsRequired,
    /// A parcel's weight is missing or too heavy.
    ParcelWeightInvalid,
    /// A same-city rider for a customer outside HQ's radius.
    SameCityNotOffered,
    /// A courier or rider is still booked for the order.
    CourierAlreadyBooked,
    /// HQ booked a platform courier: the hand-typed tracking number was not taken.
    CourierBookedByPlatform,
    /// The booking id was used before for another request.
    BookingIdReused,
    /// A tracking number that does not fit its carrier's format.
    TrackingNoInvalid,
    /// A courier step on a pickup order.
    NotACourierOrder,
    /// The rider collected the parcels although HQ had cancelled the order.
    CollectedAfterCancel,
    /// HQ could not cancel the courier booking at the platform.
    CourierCancelFailed,
    /// HQ's courier worker gave up booking after repeated failures.
    CourierTaskGaveUp,
}

impl InboxCode {
    /// The code as the server wrote it, if the UI knows it.
    pub fn parse(code: &str) -> Option<InboxCode> {
        use serde::de::IntoDeserializer;
        let de: serde::de::value::StrDeserializer<'_, serde::de::value::Error> = code.into_deserializer();
        InboxCode::deserialize(de).ok()
    }
}

/// Where sync stands.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncView {
    /// The last attempt reached the server.
    pub online: bool,
    /// A sync is running.
    pub syncing: bool,
    /// Actions waiting for the server.
    pub pending_ops: u64,
    /// Last successful sync (ms).
    pub last_sync_ms: Option<i64>,
    /// First-download progress `(done, total)`.
    pub bootstrap: Option<(u64, u64)>,
    /// Why the last attempt failed.
    pub error: Option<ErrorView>,
}

/// This device's enrollment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrollmentView {
    /// Server address.
    pub server_url: String,
    /// Device id.
    pub device_id: Uuid,
    /// The store.
    pub store: Node,
}

/// Everything the UI needs to pick its first screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppSnapshot {
    /// Enrollment, if enrolled.
    pub enrollment: Option<EnrollmentView>,
    /// Who is logged in.
    pub staff: Option<StaffMember>,
    /// Sync state.
    pub sync: SyncView,
    /// UI language (`zh-CN` or `en`).
    pub language: String,
    /// A phone or tablet build (camera scanning through the OS scanner).
    pub mobile: bool,
    /// App version.
    pub version: String,
}

/// The home screen.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HomeView {
    /// Task counts.
    pub counts: TaskCounts,
    /// Unread rejections and conflicts.
    pub unread_inbox: u64,
}

/// One fulfillment order with what its screens show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderDetail {
    /// The order (local view, including actions not yet synced).
    pub order: FulfillmentOrder,
    /// Its SKUs, described.
    pub skus: Vec<SkuView>,
    /// Pick progress per line.
    pub pick: Vec<PickLine>,
    /// This order's actions still waiting for the server.
    pub pending_ops: u64,
}

/// Facts for support, on the settings screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostics {
    /// App version.
    pub version: String,
    /// Sync protocol version.
    pub protocol_version: u32,
    /// Where the replica lives.
    pub data_dir: String,
    /// Size of the replica file (bytes).
    pub replica_bytes: u64,
    /// Sync cursor.
    pub cursor: String,
    /// Actions waiting for the server.
    pub pending_ops: u64,
    /// Fulfillment orders on the device.
    pub orders_on_device: u64,
    /// Cameras found (desktop).
    pub cameras: Vec<String>,
}

/// A code read by a camera.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CameraScan {
    /// The decoded text.
    pub text: String,
    /// `ean13`, `code128` or `qr`.
    pub symbology: String,
}

// --- returns ---

/// One line the associate takes back at the return counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLineInput {
    /// The order's line (from the look-up); `None` offline, where the line is matched by SKU.
    pub line_no: Option<u32>,
    /// SKU code (offline: the scanned item's; online: the line's).
    pub sku_code: String,
    /// Units taken back.
    pub qty: i64,
    /// Their condition: resaleable goes to sellable stock, damaged to defective stock.
    pub condition: crate::protocol::ReturnCondition,
    /// Why the customer brings them back.
    pub reason: crate::returns::ReturnReason,
    /// The associate's note (required for reason `other`).
    #[serde(default)]
    pub note: String,
}

/// The refund the customer will get for a return, shown before confirming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnPreview {
    /// The refund per line and in total ([`crate::returns::quote`]).
    pub quote: crate::returns::RefundQuote,
    /// Codes of what cannot be refunded as asked ([`crate::returns::ReturnProblem::code`]).
    pub problems: Vec<String>,
    /// The refund is above the limit HQ set: a manager must approve with their PIN.
    pub needs_approval: bool,
    /// The refund above which a manager must approve.
    pub approval_limit: crate::Fen,
}

/// Where a return made on this device stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnProgress {
    /// Saved on this device, not yet at HQ.
    Queued,
    /// HQ has it; its refund is not known on the device yet.
    Recorded,
    /// The refund was sent to the channel.
    Requested,
    /// The channel confirmed the refund.
    Confirmed,
    /// No refund is due (HQ follows the return up).
    NotDue,
}

impl ReturnProgress {
    /// A stable name (tests and CSS).
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnProgress::Queued => "queued",
            ReturnProgress::Recorded => "recorded",
            ReturnProgress::Requested => "requested",
            ReturnProgress::Confirmed => "confirmed",
            ReturnProgress::NotDue => "not_due",
        }
    }
}

/// One line of a return made on this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRecordLine {
    /// The order's line, if known.
    pub line_no: Option<u32>,
    /// SKU code.
    pub sku_code: String,
    /// The style's name (the SKU code when the device does not know it).
    pub name: String,
    /// Colour.
    pub colour: String,
    /// Size.
    pub size: String,
    /// Units taken back.
    pub qty: i64,
    /// Their condition.
    pub condition: crate::protocol::ReturnCondition,
    /// Why.
    pub reason: crate::returns::ReturnReason,
    /// The associate's note.
    pub note: String,
    /// The refund quoted for the line (none offline: matched at sync).
    pub refund: Option<crate::Fen>,
}

/// A return made on this device: the receipt and its refund's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRecord {
    /// Return id (the return number on the receipt).
    pub return_id: Uuid,
    /// The original order, when it was looked up.
    pub order_id: Option<Uuid>,
    /// Its channel, when known.
    pub channel: Option<crate::order::Channel>,
    /// The channel's order number (from the look-up or the receipt).
    pub channel_order_id: String,
    /// Taken without the look-up: HQ matches it to the order when it syncs.
    pub offline: bool,
    /// Lines.
    pub lines: Vec<ReturnRecordLine>,
    /// The refund quoted at the counter (goods and shipping; none offline).
    pub refund_quoted: Option<crate::Fen>,
    /// The shipping part of the quote.
    pub shipping_quoted: crate::Fen,
    /// The refund HQ booked, once known.
    pub refund_booked: Option<crate::Fen>,
    /// Where it stands.
    pub progress: ReturnProgress,
    /// HQ's follow-up code, if any.
    pub problem: Option<String>,
    /// The manager who approved it, if one did.
    pub approved_by: Option<String>,
    /// The associate who took it.
    pub staff_id: String,
    /// When it was taken (ms).
    pub created_ms: i64,
    /// What the receipt's QR encodes ([`crate::returns::return_qr_payload`]).
    pub qr_payload: String,
    /// The order placed in exchange, if the customer exchanged.
    #[serde(default)]
    pub exchange_order_id: Option<Uuid>,
}

/// An item scanned or typed at the return counter, as this store knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemView {
    /// The SKU, described.
    pub sku: SkuView,
    /// Its style.
    pub style_code: String,
    /// List price.
    pub list_price: crate::Fen,
    /// Sellable units on this store's shelf not reserved for orders.
    pub free_here: i64,
}

/// How the customer gets the item they exchange for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExchangeDelivery {
    /// From this store's shelf, handed over now.
    CarryOut,
    /// From the network, collected here later.
    PickupHere,
    /// From the network, shipped to the customer.
    Ship {
        /// Delivery address.
        address: String,
    },
}

/// An exchange after a return: a new order for another size or colour (no `Debug`: it
/// carries the customer's phone).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeArgs {
    /// The return it exchanges goods for.
    pub return_id: Uuid,
    /// The new item.
    pub sku_code: String,
    /// Units.
    pub qty: i64,
    /// How the customer gets it.
    pub delivery: ExchangeDelivery,
    /// Customer's name.
    pub customer_name: String,
    /// Customer's mobile number.
    pub customer_phone: String,
    /// The till's payment reference (of the price difference, or the exchange slip).
    pub payment_ref: String,
    /// The returned SKU the new item replaces (its refund is what the price difference is
    /// taken against); the whole return's refund when `None`.
    #[serde(default)]
    pub in_place_of: Option<String>,
}

/// An exchange placed: the new order and the price difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeView {
    /// The new order's id.
    pub order_id: Uuid,
    /// The return.
    pub return_id: Uuid,
    /// The new item's price for the units.
    pub new_total: crate::Fen,
    /// The refund the difference is taken against: the replaced line's, or the whole
    /// return's (none offline).
    pub refund: Option<crate::Fen>,
    /// What the customer pays on top (negative: what stays refunded), when the refund is known.
    pub difference: Option<crate::Fen>,
    /// Handed over now from this store's shelf.
    pub carry_out: bool,
    /// A carry-out's check against this store's lease (none otherwise): beyond it the
    /// associate is warned, but the hand-over is recorded all the same (the goods left) and
    /// HQ flags a short shelf.
    #[serde(default)]
    pub shelf: Option<crate::aisle::ShelfCheck>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view(v: serde_json::Value) -> ErrorView {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn error_codes_and_reasons_keep_their_snake_case_strings() {
        let e = view(json!({"error": "not_allowed", "reason": "pickup_code_expired", "message": "m"}));
        assert_eq!(
            (e.error, e.reason),
            (ErrorCode::NotAllowed, Some(ErrorReason::NotAllowed(NotAllowedReason::PickupCodeExpired)))
        );
        let e = view(json!({"error": "pick_scan", "reason": "too_many", "sku_code": "S", "qty": 2}));
        assert_eq!(e.reason, Some(ErrorReason::PickScan(PickScanReason::TooMany)));
        let e = view(json!({"error": "camera", "reason": "busy"}));
        assert_eq!(e.reason, Some(ErrorReason::Camera(CameraReason::Busy)));
        let e = view(json!({"error": "invalid_input", "field": "server_url"}));
        assert_eq!((e.error, e.field), (ErrorCode::InvalidInput, Some(InputField::ServerUrl)));
        let e = ErrorView::new(ErrorCode::QrForAnotherOrder, "x");
        assert_eq!(serde_json::to_value(&e).unwrap(), json!({"error": "qr_for_another_order", "message": "x"}));
        let reason = ErrorReason::NotAllowed(NotAllowedReason::NoHqKey);
        assert_eq!(serde_json::to_value(reason).unwrap(), json!("no_hq_key"));
    }

    #[test]
    fn unknown_codes_reasons_and_fields_still_read() {
        let e = view(json!({"error": "brand_new", "reason": "illegal_transition", "field": "colour", "message": "m"}));
        assert_eq!(e.error, ErrorCode::Unknown);
        assert_eq!(e.reason, Some(ErrorReason::Other("illegal_transition".into())));
        assert_eq!(e.field, Some(InputField::Other));
        assert_eq!(e.message, "m");
    }

    #[test]
    fn inbox_codes_parse_from_the_servers_strings() {
        assert_eq!(InboxCode::parse("handed_over_early"), Some(InboxCode::HandedOverEarly));
        assert_eq!(InboxCode::parse("count_id_reused"), Some(InboxCode::CountIdReused));
        assert_eq!(InboxCode::parse("something_new"), None);
    }
}
