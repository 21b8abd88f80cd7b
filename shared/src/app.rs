//! What the store app's shell and its UI exchange: the views its screens show and the
//! error shape they translate. The shell (native) and the UI (wasm) both use these types,
//! so a field renamed on one side is a compile error on the other.

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

/// An error as the UI receives it: a stable code to translate, the details some messages
/// need, and an English message for diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ErrorView {
    /// Stable code, e.g. `wrong_pin`, `not_allowed`, `pick_scan`, `offline`.
    pub error: String,
    /// English text.
    #[serde(default)]
    pub message: String,
    /// Sub-code of `not_allowed`, `pick_scan` and `camera`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
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
    pub field: Option<String>,
    /// HTTP status of a server refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
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
