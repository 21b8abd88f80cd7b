//! Sync protocol v1 (DESIGN §4): enrollment, push of operations, pull of changes.

use crate::catalogue::{Bundle, Sku, Style};
use crate::fulfillment::FulfillmentKind;
use crate::node::Node;
use crate::order::{Channel, Customer, FulfillmentOrder, OrderLineInput};
use crate::staff::Role;
use crate::stock::Quality;
use crate::{Count, Qty};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// Most operations one push may carry.
pub const MAX_PUSH_OPS: usize = 500;
/// Most changes one pull page may carry.
pub const MAX_PULL_LIMIT: u32 = 5_000;
/// The cursor that asks for a bootstrap snapshot.
pub const BOOTSTRAP_CURSOR: &str = "0";

/// Exchange a one-time enrollment code for a device credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The one-time code HQ printed, e.g. `ABCD-EFGH-JKLM`; dashes, spaces and case are
    /// ignored, so a code that matches no issued one is 401 invalid_enrollment_code rather
    /// than a format error.
    pub code: String,
    /// A name for the device, shown to HQ (e.g. "Counter tablet 1").
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub device_name: String,
    /// Protocol version the device speaks; another than the server's is 400
    /// unsupported_protocol_version.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub protocol_version: u32,
}

/// The device credential. The token is shown once; the server keeps only its hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollResponse {
    /// Device id.
    pub device_id: Uuid,
    /// Bearer token for every later call.
    pub token: String,
    /// The store the device now belongs to.
    pub store: Node,
    /// Protocol version the server speaks.
    pub protocol_version: u32,
    /// HQ's public key for pickup passes (32 bytes, hex): the device checks a customer's
    /// pickup QR with it (see [`crate::pickup::PickupPass`]).
    #[serde(default)]
    pub hq_public_key: Option<String>,
}

/// A batch of operations from one device's outbox, in device order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// Protocol version the device speaks; another than the server's is 400
    /// unsupported_protocol_version.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub protocol_version: u32,
    /// At most 500 operations, strictly increasing `device_seq` with no gaps.
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub ops: Vec<OpEnvelope>,
}

/// One operation with its identity and context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpEnvelope {
    /// UUIDv7 created on the device; the server applies each op_id once.
    pub op_id: Uuid,
    /// The device's own sequence number, from 1 to 2^63−1 (422 invalid_sequence otherwise),
    /// without gaps. Orders the ops; the device clock does not.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 9223372036854775807i64))]
    pub device_seq: u64,
    /// Staff member who did it (422 invalid_staff when blank or too long).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub staff_id: String,
    /// Device clock when it was done (informational; may be skewed).
    pub device_time: DateTime<Utc>,
    /// What was done.
    pub op: Op,
}

/// A business operation: an intent or a fact, never a row diff. Facts (HandOver, AcceptReturn,
/// CountStock, a carry-out PlaceOrder) are never rejected: conflicts are recorded and flagged for HQ. A text field
/// that breaks its rule (a blank or too long reason or carrier) rejects the op alone
/// (invalid_field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", deny_unknown_fields)]
pub enum Op {
    /// The store takes the order (routed → accepted).
    AcceptFulfillment {
        /// Fulfillment order.
        fulfillment_order_id: Uuid,
    },
    /// The store declines the order; the server releases its reservations and reroutes its
    /// lines.
    RejectFulfillment {
        /// Fulfillment order.
        fulfillment_order_id: Uuid,
        /// Why, shown to HQ.
        #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
        reason: String,
    },
    /// An associate starts picking (accepted → picking).
    StartPick {
        /// Fulfillment order.
        fulfillment_order_id: Uuid,
    },
    /// Picking done (→ packed): scanned quantities per line; short lines are released and
    /// rerouted.
    ConfirmPick {
        /// Fulfillment order.
        fulfillment_order_id: Uuid,
        /// Picked quantity of every line.
        lines: Vec<PickedLine>,
        /// Why lines are short, if any are.
        #[serde(default)]
        shortage_reason: Option<String>,
    },
    /// A packed pickup order is at the counter (→ ready_for_pickup); the server issues the
    /// pickup code and queues its notification to the customer.
    MarkReady {
        /// Fulfillment order.
        fulfillment_order_id: Uuid,
    },
    /// Fact: the goods were handed to the customer (→ picked_up); the reservation is consumed
    /// as a stock movement. Recorded even when it conflicts, then flagged for HQ.
    HandOver {
        /// Fulfillment order.
        fulfillment_order_id: Uuid,
        /// How the customer was verified.
        verification: HandOverVerification,
    },
    /// A courier or same-city rider was requested for a packed order (→ awaiting_courier):
    /// HQ books it with the platform when the op arrives (queued while the device is
    /// offline). Asking again while waiting (no rider found, switch to express) replaces a
    /// booking that ended.
    RequestCourier {
        /// Fulfillment order.
        fulfillment_order_id: Uuid,
        /// What to book and the parcels packed. Required from this version on; an older
        /// app sent only `carrier` (booked by hand, as `manual`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delivery: Option<crate::courier::DeliveryRequest>,
        /// An older app's free-text courier name (without `delivery`).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        #[cfg_attr(feature = "openapi", schema(max_length = 64, default = ""))]
        carrier: String,
    },
    /// Fact: the parcels were handed to the courier or rider HQ booked (→ dispatched); the
    /// reservation is consumed. Recorded even when it conflicts (the rider's code did not
    /// match, the order was cancelled meanwhile), then flagged for HQ.
    HandOverToCourier {
        /// Fulfillment order.
        fulfillment_order_id: Uuid,
        /// How the courier or rider was checked.
        check: crate::courier::CourierCheck,
    },
    /// The courier collected the parcel (→ dispatched); the reservation is consumed. For a
    /// carrier booked by hand the number must fit the carrier's format when `carrier` is a
    /// known carrier's code (see [`crate::courier::KnownCarrier`]).
    RecordTracking {
        /// Fulfillment order.
        fulfillment_order_id: Uuid,
        /// Courier company.
        #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
        carrier: String,
        /// Tracking number.
        #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
        tracking_no: String,
    },
    /// Fact: a return was received at this store, for an order from any channel.
    AcceptReturn {
        /// Return id (UUIDv7 from the device).
        return_id: Uuid,
        /// The original order, when the device found it (look-up or the receipt's QR).
        #[serde(default)]
        order_id: Option<Uuid>,
        /// Offline, without the order's id: the channel and order number on the receipt; the
        /// server matches the return to that order when it arrives. One of `order_id` and
        /// `order_ref` is required (422 order_required).
        #[serde(default)]
        order_ref: Option<ChannelOrderRef>,
        /// Returned lines.
        lines: Vec<ReturnLine>,
        /// Manager who approved it, when the refund needs one.
        #[serde(default)]
        approved_by: Option<String>,
        /// The manager's proof of that approval (see [`crate::approval`]); without it the
        /// approval is recorded as unproven and flagged for HQ.
        #[serde(default)]
        approval: Option<String>,
    },
    /// Intent: order for a customer from the network's stock (endless aisle); each line at
    /// the catalogue's list price (a discount at most the line's value), with the till's
    /// payment reference unless it is an exchange. With `carry_out` it is a fact instead:
    /// booked even when the shelf is short or the price differs, and flagged for HQ.
    PlaceOrder {
        /// Order id (UUIDv7 from the device).
        order_id: Uuid,
        /// How the customer gets it.
        fulfillment: FulfillmentKind,
        /// The customer.
        customer: Customer,
        /// Lines.
        lines: Vec<OrderLineInput>,
        /// For pickup: the store the customer collects at; this store when absent.
        #[serde(default)]
        pickup_store: Option<String>,
        /// The store till's payment reference (the app takes no payments).
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(max_length = 64, default = ""))]
        payment_ref: String,
        /// The customer took the goods from this store's shelf: the order is fulfilled here
        /// and handed over at once (an exchange's new size in stock here). A fact: a shelf
        /// short of the units is flagged (`carry_out_short`), never refused.
        #[serde(default)]
        carry_out: bool,
        /// The return this order exchanges goods for, if it is an exchange.
        #[serde(default)]
        exchange_of: Option<Uuid>,
    },
    /// Fact: a stock count (盘点) of some SKUs at this store.
    CountStock {
        /// Count id (UUIDv7 from the device).
        count_id: Uuid,
        /// Counted SKUs.
        lines: Vec<CountLine>,
    },
}

impl Op {
    /// The operation's kind name as in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Op::AcceptFulfillment { .. } => "AcceptFulfillment",
            Op::RejectFulfillment { .. } => "RejectFulfillment",
            Op::StartPick { .. } => "StartPick",
            Op::ConfirmPick { .. } => "ConfirmPick",
            Op::MarkReady { .. } => "MarkReady",
            Op::HandOver { .. } => "HandOver",
            Op::RequestCourier { .. } => "RequestCourier",
            Op::HandOverToCourier { .. } => "HandOverToCourier",
            Op::RecordTracking { .. } => "RecordTracking",
            Op::AcceptReturn { .. } => "AcceptReturn",
            Op::PlaceOrder { .. } => "PlaceOrder",
            Op::CountStock { .. } => "CountStock",
        }
    }

    /// Facts of the physical world are never rejected; conflicts are flagged instead. A
    /// carry-out `PlaceOrder` is one: the customer already walked out with the goods.
    pub fn is_fact(&self) -> bool {
        matches!(
            self,
            Op::HandOver { .. }
                | Op::HandOverToCourier { .. }
                | Op::AcceptReturn { .. }
                | Op::CountStock { .. }
                | Op::PlaceOrder { carry_out: true, .. }
        )
    }

    /// Every text field of the op with its path inside the op (e.g. `reason`,
    /// `lines[0].sku_code`, `customer.name`), for the text rules (see [`crate::text`]).
    /// Ids that are UUIDs are typed and not listed.
    pub fn text_fields(&self) -> Vec<(String, &str)> {
        let mut out: Vec<(String, &str)> = Vec::new();
        match self {
            Op::AcceptFulfillment { .. } | Op::StartPick { .. } | Op::MarkReady { .. } => {}
            Op::RejectFulfillment { reason, .. } => out.push(("reason".into(), reason)),
            Op::ConfirmPick { shortage_reason, .. } => {
                out.extend(shortage_reason.as_deref().map(|r| ("shortage_reason".to_string(), r)))
            }
            Op::HandOver { verification, .. } => match verification {
                HandOverVerification::PickupCode { code } => out.push(("verification.code".into(), code)),
                HandOverVerification::IdCheck { manager_id, note, approval } => {
                    out.push(("verification.manager_id".into(), manager_id));
                    out.push(("verification.note".into(), note));
                    out.extend(approval.as_deref().map(|a| ("verification.approval".to_string(), a)));
                }
            },
            Op::RequestCourier { carrier, .. } => {
                if !carrier.is_empty() {
                    out.push(("carrier".into(), carrier))
                }
            }
            Op::HandOverToCourier { check, .. } => match check {
                crate::courier::CourierCheck::RiderCode { code } => out.push(("check.code".into(), code)),
                crate::courier::CourierCheck::Waybill { waybill_no } => {
                    out.push(("check.waybill_no".into(), waybill_no))
                }
            },
            Op::RecordTracking { carrier, tracking_no, .. } => {
                out.push(("carrier".into(), carrier));
                out.push(("tracking_no".into(), tracking_no));
            }
            Op::AcceptReturn { lines, approved_by, approval, order_ref, .. } => {
                out.extend(
                    order_ref.as_ref().map(|r| ("order_ref.channel_order_id".to_string(), r.channel_order_id.as_str())),
                );
                for (i, l) in lines.iter().enumerate() {
                    out.push((format!("lines[{i}].sku_code"), &l.sku_code));
                    out.push((format!("lines[{i}].note"), &l.note));
                }
                out.extend(approved_by.as_deref().map(|a| ("approved_by".to_string(), a)));
                out.extend(approval.as_deref().map(|a| ("approval".to_string(), a)));
            }
            Op::PlaceOrder { customer, lines, pickup_store, payment_ref, .. } => {
                out.extend(pickup_store.as_deref().map(|s| ("pickup_store".to_string(), s)));
                out.push(("payment_ref".into(), payment_ref));
                out.push(("customer.name".into(), &customer.name));
                out.push(("customer.phone".into(), &customer.phone));
                out.push(("customer.address".into(), &customer.address));
                for (i, l) in lines.iter().enumerate() {
                    out.push((format!("lines[{i}].sku_code"), &l.sku_code));
                }
            }
            Op::CountStock { lines, .. } => {
                for (i, l) in lines.iter().enumerate() {
                    out.push((format!("lines[{i}].sku_code"), &l.sku_code));
                }
            }
        }
        out
    }
}

/// Picked quantity of one fulfillment line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PickedLine {
    /// Fulfillment line number.
    pub line_no: u32,
    /// Units scanned.
    pub picked: Count,
}

/// How the customer proved they may collect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum HandOverVerification {
    /// The customer's pickup code (typed or from their QR), verified on the device.
    PickupCode {
        /// The code as entered.
        code: String,
    },
    /// A manager checked the customer's ID instead.
    IdCheck {
        /// The manager who checked.
        manager_id: String,
        /// What was checked (ID type, last digits), for the audit trail.
        note: String,
        /// The manager's proof that they approved it (see [`crate::approval`]); without
        /// it the hand-over is recorded as unverified and flagged for HQ.
        #[serde(default)]
        approval: Option<String>,
    },
}

pub use crate::returns::ReturnCondition;

/// One returned line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnLine {
    /// The original order's line, when the device knew it (from the look-up); matched by
    /// SKU code otherwise.
    #[serde(default)]
    pub line_no: Option<u32>,
    /// SKU code.
    pub sku_code: String,
    /// Units returned.
    pub qty: Qty,
    /// Their condition.
    pub condition: ReturnCondition,
    /// Why the customer returns them.
    #[serde(default)]
    pub reason: crate::returns::ReturnReason,
    /// What the associate noted (required on the device for reason `other`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500, default = ""))]
    pub note: String,
}

/// One counted SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CountLine {
    /// SKU code.
    pub sku_code: String,
    /// Stock layer counted.
    pub quality: Quality,
    /// Units found on the shelf.
    pub counted: Count,
    /// On-hand the device showed when counting; a difference from the server's on-hand
    /// means stock moved meanwhile, which is flagged.
    pub expected: i64,
}

/// The server's answer to a push: one result per op, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    /// Results in the order of the request.
    pub results: Vec<OpResult>,
}

/// What happened to one op. A replayed op gets the stored result again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpResult {
    /// The op.
    pub op_id: Uuid,
    /// Its device sequence number.
    pub device_seq: u64,
    /// Outcome.
    pub outcome: OpOutcome,
}

/// Outcome of one op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum OpOutcome {
    /// Applied as asked.
    Applied,
    /// Not applied; the reason is for the associate.
    Rejected {
        /// Machine-readable reason.
        code: String,
        /// Human-readable reason.
        message: String,
    },
    /// A fact recorded although it conflicts with the server's state; flagged for HQ.
    Conflict {
        /// Machine-readable reason.
        code: String,
        /// Human-readable reason.
        message: String,
    },
}

/// One page of changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    /// Protocol version the server speaks.
    pub protocol_version: u32,
    /// Cursor for the next pull.
    pub cursor: String,
    /// More pages are ready now.
    pub has_more: bool,
    /// Progress while bootstrapping; null once incremental.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub bootstrap: Option<BootstrapProgress>,
    /// Current state of every entity that changed, in change order.
    pub changes: Vec<Change>,
    /// Server clock, for the device to show how fresh its data is.
    pub server_time: DateTime<Utc>,
    /// The rules HQ set that the device applies offline (pickup-code limits, the refund a
    /// manager must approve); on every page, so a change reaches devices with their next
    /// pull. Defaults when an older server leaves it out.
    #[serde(default)]
    pub rules: crate::rules::DeviceRules,
}

/// How far a bootstrap has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BootstrapProgress {
    /// Records sent so far, this page included.
    pub done: u64,
    /// Records in the snapshot.
    pub total: u64,
}

/// The current state of one entity in the device's scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "entity", rename_all = "snake_case")]
pub enum Change {
    /// A node (all nodes are visible, for endless aisle and transfers).
    Node(Node),
    /// A style.
    Style(Style),
    /// A SKU.
    Sku(Sku),
    /// A bundle definition.
    Bundle(Bundle),
    /// The store's stock of one SKU and quality.
    Stock(StockRecord),
    /// A fulfillment order of the store (boxed: with its courier booking it is many times
    /// the size of the other entities).
    FulfillmentOrder(Box<FulfillmentOrder>),
    /// A staff member of the store.
    Staff(StaffRecord),
}

/// A node's stock of one SKU and quality (in a pull, the device's store's). Available to
/// promise to channels is on_hand − reserved − safety − locked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockRecord {
    /// SKU code.
    pub sku_code: String,
    /// Stock layer.
    pub quality: Quality,
    /// Physical units (物理库存): the sum of the stock movement ledger; may fall below reserved
    /// after physical facts (oversold).
    pub on_hand: i64,
    /// Reserved for fulfillment orders and holds.
    pub reserved: i64,
    /// Safety stock kept back from channels.
    pub safety: i64,
    /// Units locked for promotions or frozen.
    pub locked: i64,
    /// The store's lease: units of its own shelf it may promise while offline, which no other
    /// channel can take meanwhile: its safety stock as far as on_hand − reserved − locked holds
    /// it (the smaller of the two, not below zero). The store itself may also sell its safety
    /// stock online.
    pub lease: i64,
}

/// A staff member as the device sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffRecord {
    /// Staff id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Slow salted PIN hash for offline login.
    pub pin_hash: String,
    /// Inactive staff cannot log in.
    pub active: bool,
    /// Salt of the manager's approval key (hex, not secret; see [`crate::approval`]).
    #[serde(default)]
    pub approval_salt: String,
}

/// Reference to an order by its channel number, for online look-ups at the counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChannelOrderRef {
    /// Channel.
    pub channel: Channel,
    /// The channel's order number.
    pub channel_order_id: String,
}

/// The Server-sent event a device receives when its scope changed.
pub const SSE_EVENT_CHANGED: &str = "changed";

/// HQ resolved a conflict one of the store's ops raised: the device shows it resolved in its
/// inbox. Served by `GET /api/v1/sync/resolutions`, outside the change log, so apps that do not
/// ask keep working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resolution {
    /// The conflict's id at HQ.
    pub conflict_id: i64,
    /// The op that raised it.
    pub op_id: Uuid,
    /// The conflict's code.
    pub code: String,
    /// When HQ resolved it.
    pub resolved_at: DateTime<Utc>,
    /// HQ's note.
    pub note: String,
}

/// A page of resolutions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolutionPage {
    /// Resolutions after the cursor.
    pub items: Vec<Resolution>,
    /// Where the next page starts (pass as `after`); null when this was the last page.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_round_trip_and_unknown_kinds_fail() {
        let env = OpEnvelope {
            op_id: Uuid::from_u128(1),
            device_seq: 1,
            staff_id: "S1".into(),
            device_time: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            op: Op::HandOver {
                fulfillment_order_id: Uuid::from_u128(2),
                verification: HandOverVerification::PickupCode { code: "12345678".into() },
            },
        };
        let json = serde_json::to_string(&env).unwrap();
        assert!(json.contains("\"kind\":\"HandOver\""), "{json}");
        assert_eq!(serde_json::from_str::<OpEnvelope>(&json).unwrap(), env);
        let bad = json.replace("HandOver", "Teleport");
        assert!(serde_json::from_str::<OpEnvelope>(&bad).is_err());
        let extra = json.replace("\"kind\":\"HandOver\"", "\"kind\":\"HandOver\",\"sneaky\":1");
        assert!(serde_json::from_str::<OpEnvelope>(&extra).is_err());
    }

    #[test]
    fn text_fields_list_every_string_of_an_op() {
        // Every string value in an op's JSON is listed, under its JSON path.
        fn strings(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
            match v {
                serde_json::Value::String(_) => out.push(at),
                serde_json::Value::Array(a) => {
                    a.iter().enumerate().for_each(|(i, x)| strings(x, format!("{at}[{i}]"), out))
                }
                serde_json::Value::Object(o) => o
                    .iter()
                    .for_each(|(k, x)| strings(x, if at.is_empty() { k.clone() } else { format!("{at}.{k}") }, out)),
                _ => {}
            }
        }
        let id = "00000000-0000-0000-0000-000000000001";
        let ops = [
            format!(r#"{{"kind":"RejectFulfillment","fulfillment_order_id":"{id}","reason":"r"}}"#),
            format!(r#"{{"kind":"ConfirmPick","fulfillment_order_id":"{id}","lines":[],"shortage_reason":"s"}}"#),
            format!(
                r#"{{"kind":"HandOver","fulfillment_order_id":"{id}","verification":{{"method":"pickup_code","code":"1"}}}}"#
            ),
            format!(
                r#"{{"kind":"HandOver","fulfillment_order_id":"{id}","verification":{{"method":"id_check","manager_id":"m","note":"n"}}}}"#
            ),
            format!(r#"{{"kind":"RequestCourier","fulfillment_order_id":"{id}","carrier":"c"}}"#),
            format!(r#"{{"kind":"RecordTracking","fulfillment_order_id":"{id}","carrier":"c","tracking_no":"t"}}"#),
            format!(
                r#"{{"kind":"RequestCourier","fulfillment_order_id":"{id}","delivery":{{"booking_id":"{id}","method":"express","service":"priority","parcels":[{{"weight_g":900,"lines":[{{"line_no":1,"qty":1}}]}}]}}}}"#
            ),
            format!(
                r#"{{"kind":"HandOverToCourier","fulfillment_order_id":"{id}","check":{{"method":"rider_code","code":"123456"}}}}"#
            ),
            format!(
                r#"{{"kind":"HandOverToCourier","fulfillment_order_id":"{id}","check":{{"method":"waybill","waybill_no":"SF1"}}}}"#
            ),
            format!(
                r#"{{"kind":"AcceptReturn","return_id":"{id}","order_id":"{id}","order_ref":{{"channel":"tmall","channel_order_id":"o"}},"lines":[{{"sku_code":"a","qty":1,"condition":"damaged","note":"n"}},{{"sku_code":"b","qty":1,"condition":"damaged","reason":"size","note":""}}],"approved_by":"m"}}"#
            ),
            format!(
                r#"{{"kind":"PlaceOrder","order_id":"{id}","fulfillment":"ship","customer":{{"name":"n","phone":"p","address":"a"}},"lines":[{{"sku_code":"a","qty":1,"unit_price":1}}],"pickup_store":"s","payment_ref":"p"}}"#
            ),
            format!(
                r#"{{"kind":"CountStock","count_id":"{id}","lines":[{{"sku_code":"a","quality":"sellable","counted":1,"expected":1}}]}}"#
            ),
        ];
        for json in ops {
            let op: Op = serde_json::from_str(&json).unwrap();
            let mut want = Vec::new();
            strings(&serde_json::to_value(&op).unwrap(), String::new(), &mut want);
            let ignored = [
                "kind",
                "fulfillment_order_id",
                "return_id",
                "order_id",
                "count_id",
                "fulfillment",
                "verification.method",
                "check.method",
                "delivery.booking_id",
                "delivery.method",
                "delivery.service",
                "quality",
                "condition",
                "lines[0].reason",
                "lines[1].reason",
                "order_ref.channel",
            ];
            want.retain(|p| !ignored.iter().any(|i| p == i || p.ends_with(&format!(".{i}"))));
            let mut got: Vec<String> = op.text_fields().into_iter().map(|(p, _)| p).collect();
            want.sort();
            got.sort();
            assert_eq!(got, want, "{json}");
        }
    }

    #[test]
    fn negative_quantities_do_not_parse() {
        let json = r#"{"kind":"CountStock","count_id":"00000000-0000-0000-0000-000000000001","lines":[{"sku_code":"A","quality":"sellable","counted":-1,"expected":0}]}"#;
        assert!(serde_json::from_str::<Op>(json).is_err());
    }
}

/// What the enrollment QR code HQ prints encodes: the server address and the one-time code.
pub fn enrollment_qr_payload(server_url: &str, code: &str) -> String {
    format!("OMNI-ENROLL|{server_url}|{code}")
}

/// Reads an enrollment QR payload back: `(server_url, code)`.
pub fn parse_enrollment_qr(payload: &str) -> Option<(String, String)> {
    let mut parts = payload.trim().splitn(3, '|');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("OMNI-ENROLL"), Some(url), Some(code)) if !url.is_empty() && !code.is_empty() => {
            Some((url.to_string(), code.to_string()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod qr_tests {
    #[test]
    fn enrollment_payload_round_trips() {
        let p = super::enrollment_qr_payload("http://10.0.0.5:8080", "ABCD-EFGH-JKLM");
        assert_eq!(super::parse_enrollment_qr(&p), Some(("http://10.0.0.5:8080".into(), "ABCD-EFGH-JKLM".into())));
        assert_eq!(super::parse_enrollment_qr("hello"), None);
    }
}

/// Network availability of one SKU: sellable units free across every node (for endless
/// aisle: can the brand still sell this size anywhere?).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NetworkAvailability {
    /// SKU code.
    pub sku_code: String,
    /// Units available to promise across the network.
    pub available: i64,
}

/// One page of the network availability snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvailabilityPage {
    /// When the snapshot was read.
    pub as_of: DateTime<Utc>,
    /// SKUs in code order.
    pub items: Vec<NetworkAvailability>,
    /// Pass as `after` for the next page; null on the last page.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub next: Option<String>,
}
