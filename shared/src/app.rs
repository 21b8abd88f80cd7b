//! What the store app's shell and its UI exchange: the commands the UI invokes (see
//! [`command`]), the views its screens show and the error shape they translate. The shell
//! (native) and the UI (wasm) both use these types, so a field renamed on one side is a
//! compile error on the other.

pub mod command;

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
    // Found by the UI itself.
    /// A scan on the enrollment screen that is no enrollment code.
    NotAnEnrollmentCode,
    /// An item scanned on the home screen.
    ScanOnHome,
    /// A pickup QR of another order scanned at a hand-over.
    QrForAnotherOrder,
    /// A scan at a hand-over that is no pickup code.
    NotAPickupCode,
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
