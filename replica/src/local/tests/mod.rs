//! The replica's local rules without a network: a replica in a temporary directory, fed
//! synthetic pull pages and push results.
// Tests pick their own times; where only "about now" matters (a code valid for a week, a
// page's server time) they read the wall clock, as `Replica::perform` does.
#![allow(clippy::disallowed_methods)]

use super::Replica;
use crate::error::ReplicaError;
use chrono::{DateTime, Duration, Utc};
use shared::catalogue::Sku;
use shared::ean13::Ean13;
use shared::fulfillment::{transition, FulfillmentEvent, FulfillmentKind, FulfillmentState};
use shared::node::{Capabilities, GeoPoint, Node, NodeKind};
use shared::order::{Channel, FulfillmentLine, FulfillmentOrder, PickupCodeHash};
use shared::pickup::{Attempt, PickupCode};
use shared::protocol::{
    Change, CountLine, EnrollResponse, HandOverVerification, Op, OpOutcome, OpResult, PickedLine, PullResponse,
    ReturnCondition, ReturnLine, StaffRecord, StockRecord, PROTOCOL_VERSION,
};
use shared::rules::DeviceRules;
use shared::secret::hash_secret;
use shared::staff::Role;
use shared::stock::Quality;
use shared::{Count, Fen, Qty};
use tempfile::TempDir;
use uuid::Uuid;

mod aisle;
mod courier;
mod enrolment;
mod handover;
mod login;
mod outbox;
mod pickup;
mod pull;
mod returns;
mod rules;
mod stock;
mod transitions;
mod views;

const STORE: &str = "STORE-A";
const ASSOCIATE: &str = "A1";
const MANAGER: &str = "M1";
const RETIRED: &str = "X1";
const PIN: &str = "1234";
const SALT: [u8; 16] = *b"pickup-salt-0001";
/// A fixed "now" for attempt limits (ms).
const NOW_MS: i64 = 1_800_000_000_000;

struct Fx {
    _dir: TempDir,
    r: Replica,
    path: std::path::PathBuf,
}

fn ean(n: u64) -> Ean13 {
    let s = format!("690{n:09}");
    let mut d = [0u8; 12];
    for (i, c) in s.bytes().enumerate() {
        d[i] = c - b'0';
    }
    Ean13::from_first12(d)
}

fn store_node() -> Node {
    Node {
        code: STORE.into(),
        name: "Store A".into(),
        kind: NodeKind::DirectStore,
        city: "上海".into(),
        location: GeoPoint { lat: 31.23, lon: 121.47 },
        capabilities: Capabilities { ship: true, pickup: true, same_city: true },
        opening_hours: "10:00-22:00".into(),
        daily_capacity: 200,
        handling_cost: Fen(500),
    }
}

fn sku(i: u64) -> Sku {
    Sku {
        code: format!("SKU-{i}"),
        style_code: "ST-1".into(),
        barcode: ean(i),
        colour: "黑".into(),
        size: format!("{}", 40 + i),
        list_price: Fen(59_900),
    }
}

/// HQ's pickup-pass signing key in these tests.
const HQ_KEY: [u8; 32] = [7; 32];

fn staff(id: &str, role: Role, active: bool) -> StaffRecord {
    StaffRecord {
        id: id.into(),
        name: format!("{id} name"),
        role,
        pin_hash: hash_secret(PIN, format!("salt-of-{id}-0123456789").as_bytes(), 1000),
        active,
        approval_salt: format!("{id}-approval-salt"),
    }
}

/// A balance whose safety stock covers the shelf, so the store's lease (its safety stock as
/// far as the shelf holds it free) is everything not reserved.
fn stock(sku: &str, quality: Quality, on_hand: i64, reserved: i64) -> StockRecord {
    StockRecord {
        sku_code: sku.into(),
        quality,
        on_hand,
        reserved,
        safety: SAFETY,
        locked: 0,
        lease: (on_hand - reserved).clamp(0, SAFETY),
    }
}

const SAFETY: i64 = 100;

fn page(changes: Vec<Change>) -> PullResponse {
    PullResponse {
        protocol_version: PROTOCOL_VERSION,
        cursor: format!("c{}", Uuid::now_v7()),
        has_more: false,
        bootstrap: None,
        changes,
        server_time: Utc::now(),
        rules: Default::default(),
    }
}

fn order(kind: FulfillmentKind, state: FulfillmentState, lines: &[(&str, i64)]) -> FulfillmentOrder {
    let now = Utc::now();
    FulfillmentOrder {
        id: Uuid::now_v7(),
        order_id: Uuid::now_v7(),
        channel_order_id: format!("TM-{}", Uuid::now_v7().simple()),
        channel: Channel::Tmall,
        node_code: STORE.into(),
        kind,
        state,
        customer_name: "王五".into(),
        customer_phone_tail: "1234".into(),
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, (sku, qty))| FulfillmentLine {
                line_no: i as u32 + 1,
                sku_code: sku.to_string(),
                qty: *qty,
                picked_qty: None,
            })
            .collect(),
        pickup_code: None,
        reject_reason: None,
        carrier: None,
        tracking_no: None,
        courier: None,
        same_city_offered: false,
        flagged: false,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// A pickup order ready at the counter with `code`, valid until `expires_at`.
fn ready_with_code(code: &PickupCode, expires_at: DateTime<Utc>, lines: &[(&str, i64)]) -> FulfillmentOrder {
    let mut fo = order(FulfillmentKind::Pickup, FulfillmentState::ReadyForPickup, lines);
    fo.pickup_code = Some(PickupCodeHash { hash: code.hash(fo.id, SALT), expires_at });
    fo
}

/// An enrolled replica at STORE-A with staff, three SKUs and some stock.
fn fixture() -> Fx {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replica.sqlite");
    let r = Replica::open(&path).unwrap();
    let resp = EnrollResponse {
        device_id: Uuid::now_v7(),
        token: "device-token".into(),
        store: store_node(),
        protocol_version: PROTOCOL_VERSION,
        hq_public_key: Some(shared::secret::to_hex(&shared::pickup::pass_public_key(&HQ_KEY))),
    };
    r.record_enrollment("http://hq.invalid:1", &resp).unwrap();
    r.apply_pull(&page(vec![
        Change::Staff(staff(ASSOCIATE, Role::Associate, true)),
        Change::Staff(staff(MANAGER, Role::Manager, true)),
        Change::Staff(staff(RETIRED, Role::Associate, false)),
        Change::Sku(sku(1)),
        Change::Sku(sku(2)),
        Change::Sku(sku(3)),
        Change::Stock(stock("SKU-1", Quality::Sellable, 5, 1)),
        Change::Stock(stock("SKU-2", Quality::Sellable, 2, 0)),
    ]))
    .unwrap();
    Fx { _dir: dir, r, path }
}

impl Fx {
    fn put(&self, fos: &[&FulfillmentOrder]) {
        self.r
            .apply_pull(&page(fos.iter().map(|f| Change::FulfillmentOrder(Box::new((*f).clone()))).collect()))
            .unwrap();
    }

    fn state(&self, id: Uuid) -> FulfillmentState {
        self.r.fulfillment_order(id).unwrap().expect("order on the device").state
    }

    fn sellable(&self, sku: &str) -> (i64, i64, i64) {
        self.quality(sku, Quality::Sellable)
    }

    fn quality(&self, sku: &str, q: Quality) -> (i64, i64, i64) {
        self.r
            .stock(sku)
            .unwrap()
            .into_iter()
            .find(|s| s.quality == q)
            .map(|s| (s.on_hand, s.reserved, s.lease))
            .unwrap_or((0, 0, 0))
    }

    fn perform(&self, op: Op) -> crate::Result<shared::protocol::OpEnvelope> {
        self.r.perform(ASSOCIATE, op)
    }
}

type MakeOp = Box<dyn Fn(&FulfillmentOrder) -> Op>;

fn reason(e: &ReplicaError) -> &str {
    match e {
        ReplicaError::NotAllowed { reason, .. } => reason,
        e @ ReplicaError::WrongPickupCode { .. } => e.code(),
        other => panic!("expected NotAllowed, got {other:?}"),
    }
}

fn accept(id: Uuid) -> Op {
    Op::AcceptFulfillment { fulfillment_order_id: id }
}

fn full_pick(fo: &FulfillmentOrder) -> Op {
    Op::ConfirmPick {
        fulfillment_order_id: fo.id,
        lines: fo.lines.iter().map(|l| PickedLine { line_no: l.line_no, picked: Count::new(l.qty).unwrap() }).collect(),
        shortage_reason: None,
    }
}

fn id_check(id: Uuid) -> Op {
    Op::HandOver {
        fulfillment_order_id: id,
        verification: HandOverVerification::IdCheck {
            manager_id: MANAGER.into(),
            note: "身份证 1234".into(),
            approval: None,
        },
    }
}

fn by_code(id: Uuid, code: &str) -> Op {
    Op::HandOver { fulfillment_order_id: id, verification: HandOverVerification::PickupCode { code: code.into() } }
}

fn result(op_id: Uuid, seq: u64, outcome: OpOutcome) -> OpResult {
    OpResult { op_id, device_seq: seq, outcome }
}

fn rejected(code: &str) -> OpOutcome {
    OpOutcome::Rejected { code: code.into(), message: format!("server says {code}") }
}
