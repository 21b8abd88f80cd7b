//! The replica's local rules without a network: a replica in a temporary directory, fed
//! synthetic pull pages and push results.

use super::Replica;
use crate::error::ReplicaError;
use chrono::{DateTime, Duration, Utc};
use shared::catalogue::Sku;
use shared::ean13::Ean13;
use shared::fulfillment::{transition, FulfillmentEvent, FulfillmentKind, FulfillmentState};
use shared::node::{Capabilities, GeoPoint, Node, NodeKind};
use shared::order::{Channel, FulfillmentLine, FulfillmentOrder, PickupCodeHash};
use shared::pickup::{Attempt, PickupCode};
use shared::rules::DeviceRules;
use shared::protocol::{
    Change, CountLine, EnrollResponse, HandOverVerification, Op, OpOutcome, OpResult, PickedLine, PullResponse,
    ReturnCondition, ReturnLine, StaffRecord, StockRecord, PROTOCOL_VERSION,
};
use shared::secret::hash_secret;
use shared::staff::Role;
use shared::stock::Quality;
use shared::{Count, Fen, Qty};
use tempfile::TempDir;
use uuid::Uuid;

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
        self.r.apply_pull(&page(fos.iter().map(|f| Change::FulfillmentOrder((*f).clone())).collect())).unwrap();
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

// ---------------------------------------------------------------------------------------
// perform(): the shared transition rules

/// Every fulfillment op against every state of every kind: the device allows exactly what
/// `shared::fulfillment::transition` allows, ends in the same state, and a refused op
/// changes nothing and queues nothing.
#[test]
fn perform_follows_the_shared_transition_rules_exhaustively() {
    let fx = fixture();
    let mut expected_seq = 1;
    for kind in [FulfillmentKind::Pickup, FulfillmentKind::Ship, FulfillmentKind::SameCity] {
        for &from in FulfillmentState::all() {
            let ops: Vec<(FulfillmentEvent, MakeOp)> = vec![
                (FulfillmentEvent::Accept, Box::new(|f| accept(f.id))),
                (
                    FulfillmentEvent::Reject,
                    Box::new(|f| Op::RejectFulfillment { fulfillment_order_id: f.id, reason: "no staff".into() }),
                ),
                (FulfillmentEvent::StartPick, Box::new(|f| Op::StartPick { fulfillment_order_id: f.id })),
                (FulfillmentEvent::ConfirmPick, Box::new(full_pick)),
                (FulfillmentEvent::MarkReady, Box::new(|f| Op::MarkReady { fulfillment_order_id: f.id })),
                (FulfillmentEvent::HandOver, Box::new(|f| id_check(f.id))),
                (
                    FulfillmentEvent::RequestCourier,
                    Box::new(|f| Op::RequestCourier { fulfillment_order_id: f.id, carrier: "SF".into() }),
                ),
                (
                    FulfillmentEvent::Dispatch,
                    Box::new(|f| Op::RecordTracking {
                        fulfillment_order_id: f.id,
                        carrier: "SF".into(),
                        tracking_no: "SF123".into(),
                    }),
                ),
            ];
            for (event, make) in ops {
                // Closed orders are not kept by a pull unless an op refers to them, so
                // store them directly as a previous local step would have.
                let fo = order(kind, from, &[("SKU-3", 1)]);
                super::queries::store_order(&fx.r.db(), &fo).unwrap();
                let before_pending = fx.r.pending_count().unwrap();
                let before_stock = fx.r.stock("SKU-3").unwrap();
                let got = fx.perform(make(&fo));
                match transition(kind, from, event) {
                    Ok(next) => {
                        let env = got.unwrap_or_else(|e| panic!("{kind:?} {from:?} {event:?}: {e:?}"));
                        assert_eq!(env.device_seq, expected_seq);
                        expected_seq += 1;
                        assert_eq!(fx.state(fo.id), next, "{kind:?} {from:?} {event:?}");
                        assert_eq!(fx.r.pending_count().unwrap(), before_pending + 1);
                    }
                    Err(_) => {
                        let e = got.expect_err(&format!("{kind:?} {from:?} {event:?} must be refused"));
                        assert!(matches!(e, ReplicaError::NotAllowed { .. }), "{kind:?} {from:?} {event:?}: {e:?}");
                        assert_eq!(fx.r.fulfillment_order(fo.id).unwrap().as_ref(), Some(&fo), "unchanged");
                        assert_eq!(fx.r.pending_count().unwrap(), before_pending, "nothing queued");
                        assert_eq!(fx.r.stock("SKU-3").unwrap(), before_stock, "stock unchanged");
                    }
                }
            }
        }
    }
}

#[test]
fn walks_a_pickup_and_a_courier_order_to_the_end() {
    let fx = fixture();
    let p = order(FulfillmentKind::Pickup, FulfillmentState::Routed, &[("SKU-1", 1)]);
    let s = order(FulfillmentKind::SameCity, FulfillmentState::Routed, &[("SKU-2", 2)]);
    fx.put(&[&p, &s]);
    for op in [accept(p.id), Op::StartPick { fulfillment_order_id: p.id }, full_pick(&p)] {
        fx.perform(op).unwrap();
    }
    assert_eq!(fx.state(p.id), FulfillmentState::Packed);
    let e = fx.perform(Op::RequestCourier { fulfillment_order_id: p.id, carrier: "SF".into() }).unwrap_err();
    assert_eq!(reason(&e), "illegal_transition");
    fx.perform(Op::MarkReady { fulfillment_order_id: p.id }).unwrap();
    assert_eq!(fx.state(p.id), FulfillmentState::ReadyForPickup);

    fx.perform(accept(s.id)).unwrap();
    fx.perform(full_pick(&s)).unwrap();
    let e = fx.perform(Op::MarkReady { fulfillment_order_id: s.id }).unwrap_err();
    assert_eq!(reason(&e), "illegal_transition");
    fx.perform(Op::RequestCourier { fulfillment_order_id: s.id, carrier: "闪送".into() }).unwrap();
    let o = fx.r.fulfillment_order(s.id).unwrap().unwrap();
    assert_eq!((o.state, o.carrier.as_deref()), (FulfillmentState::AwaitingCourier, Some("闪送")));
    fx.perform(Op::RecordTracking { fulfillment_order_id: s.id, carrier: "闪送".into(), tracking_no: "SS-1".into() })
        .unwrap();
    let o = fx.r.fulfillment_order(s.id).unwrap().unwrap();
    assert_eq!((o.state, o.tracking_no.as_deref()), (FulfillmentState::Dispatched, Some("SS-1")));
    // The goods left with the courier: on-hand and reservation go down together.
    assert_eq!(fx.sellable("SKU-2"), (0, 0, 0));
    assert_eq!(fx.r.pending_count().unwrap(), 8);
}

#[test]
fn confirm_pick_checks_the_lines() {
    let fx = fixture();
    let fo = order(FulfillmentKind::Ship, FulfillmentState::Accepted, &[("SKU-1", 2), ("SKU-2", 1)]);
    fx.put(&[&fo]);
    let pick = |lines: &[(u32, i64)], why: Option<&str>| Op::ConfirmPick {
        fulfillment_order_id: fo.id,
        lines: lines.iter().map(|(n, q)| PickedLine { line_no: *n, picked: Count::new(*q).unwrap() }).collect(),
        shortage_reason: why.map(Into::into),
    };
    assert_eq!(reason(&fx.perform(pick(&[(1, 2)], None)).unwrap_err()), "pick_lines_mismatch");
    assert_eq!(reason(&fx.perform(pick(&[(1, 2), (1, 2)], None)).unwrap_err()), "pick_lines_mismatch");
    assert_eq!(reason(&fx.perform(pick(&[(1, 3), (2, 1)], None)).unwrap_err()), "picked_too_many");
    assert_eq!(reason(&fx.perform(pick(&[(1, 1), (2, 1)], None)).unwrap_err()), "shortage_reason_required");
    assert_eq!(reason(&fx.perform(pick(&[(1, 1), (2, 1)], Some("  "))).unwrap_err()), "shortage_reason_required");
    assert_eq!(fx.r.pending_count().unwrap(), 0);
    assert_eq!(fx.state(fo.id), FulfillmentState::Accepted);
    fx.perform(pick(&[(1, 1), (2, 1)], Some("one pair damaged"))).unwrap();
    let o = fx.r.fulfillment_order(fo.id).unwrap().unwrap();
    assert_eq!(o.state, FulfillmentState::Packed);
    assert_eq!((o.lines[0].qty, o.lines[0].picked_qty), (1, Some(1)));

    // Nothing found at all: the store cannot fill it, which is a rejection.
    let empty = order(FulfillmentKind::Ship, FulfillmentState::Picking, &[("SKU-1", 1)]);
    fx.put(&[&empty]);
    fx.perform(Op::ConfirmPick {
        fulfillment_order_id: empty.id,
        lines: vec![PickedLine { line_no: 1, picked: Count::new(0).unwrap() }],
        shortage_reason: Some("not on the shelf".into()),
    })
    .unwrap();
    assert_eq!(fx.state(empty.id), FulfillmentState::Rejected);
}

#[test]
fn unknown_staff_orders_and_devices_are_refused() {
    let fx = fixture();
    let fo = order(FulfillmentKind::Pickup, FulfillmentState::Routed, &[("SKU-1", 1)]);
    fx.put(&[&fo]);
    let e = fx.r.perform("NOBODY", accept(fo.id)).unwrap_err();
    assert_eq!(reason(&e), "unknown_staff");
    let e = fx.r.perform(RETIRED, accept(fo.id)).unwrap_err();
    assert_eq!(reason(&e), "unknown_staff");
    let e = fx.perform(accept(Uuid::now_v7())).unwrap_err();
    assert!(matches!(e, ReplicaError::NotFound { .. }), "{e:?}");
    assert_eq!(fx.r.pending_count().unwrap(), 0);
    assert_eq!(fx.state(fo.id), FulfillmentState::Routed);

    let dir = tempfile::tempdir().unwrap();
    let fresh = Replica::open(&dir.path().join("r.sqlite")).unwrap();
    assert_eq!(fresh.enrollment().unwrap(), None);
    assert_eq!(fresh.perform(ASSOCIATE, accept(fo.id)).unwrap_err(), ReplicaError::NotEnrolled);
}

// ---------------------------------------------------------------------------------------
// The outbox

#[test]
fn ops_are_queued_with_gap_free_sequence_numbers_from_one() {
    let fx = fixture();
    let a = order(FulfillmentKind::Pickup, FulfillmentState::Routed, &[("SKU-1", 1)]);
    let b = order(FulfillmentKind::Ship, FulfillmentState::Routed, &[("SKU-2", 1)]);
    fx.put(&[&a, &b]);
    let t0 = Utc::now() - Duration::days(400); // a device clock that is far off
    let e1 = fx.r.perform_at(ASSOCIATE, accept(a.id), t0).unwrap();
    // Refused ops in between use no number.
    fx.perform(accept(a.id)).unwrap_err();
    fx.r.perform("NOBODY", accept(b.id)).unwrap_err();
    let e2 = fx.r.perform(MANAGER, accept(b.id)).unwrap();
    fx.perform(Op::MarkReady { fulfillment_order_id: a.id }).unwrap_err();
    let e3 = fx.perform(Op::StartPick { fulfillment_order_id: a.id }).unwrap();
    assert_eq!([e1.device_seq, e2.device_seq, e3.device_seq], [1, 2, 3]);
    assert!(e1.op_id < e2.op_id && e2.op_id < e3.op_id, "UUIDv7 in order");
    assert_eq!(e1.op_id.get_version_num(), 7);
    let pending = fx.r.pending_ops(100).unwrap();
    assert_eq!(pending, vec![e1.clone(), e2.clone(), e3.clone()]);
    assert_eq!(pending[0].device_time.timestamp_millis(), t0.timestamp_millis());
    assert_eq!(pending[1].staff_id, MANAGER);
    assert_eq!(fx.r.pending_ops(2).unwrap(), vec![e1.clone(), e2.clone()]);

    // Answered ops leave; numbering goes on and survives reopening the file.
    fx.r.record_push_results(&[result(e1.op_id, 1, OpOutcome::Applied), result(e2.op_id, 2, OpOutcome::Applied)])
        .unwrap();
    assert_eq!(fx.r.pending_ops(100).unwrap(), vec![e3.clone()]);
    let reopened = Replica::open(&fx.path).unwrap();
    assert_eq!(reopened.pending_ops(100).unwrap(), vec![e3]);
    let e4 = reopened.perform(ASSOCIATE, Op::StartPick { fulfillment_order_id: b.id }).unwrap();
    assert_eq!(e4.device_seq, 4);
    assert_eq!(reopened.pending_count().unwrap(), 2);
}

// ---------------------------------------------------------------------------------------
// Pull: server state replaced, unanswered ops on top

#[test]
fn a_pull_reapplies_unanswered_ops_on_top_of_server_state() {
    let fx = fixture();
    let fo = order(FulfillmentKind::Pickup, FulfillmentState::Routed, &[("SKU-1", 1)]);
    fx.put(&[&fo]);
    fx.perform(accept(fo.id)).unwrap();
    fx.perform(Op::StartPick { fulfillment_order_id: fo.id }).unwrap();
    assert_eq!(fx.state(fo.id), FulfillmentState::Picking);

    // HQ changed something else about the order; the server has not seen the ops yet.
    let mut again = fo.clone();
    again.version = 2;
    again.customer_name = "王五 (VIP)".into();
    fx.put(&[&again]);
    let local = fx.r.fulfillment_order(fo.id).unwrap().unwrap();
    assert_eq!(local.state, FulfillmentState::Picking, "local ops re-applied");
    assert_eq!(local.customer_name, "王五 (VIP)", "server fields taken");
    assert_eq!(local.version, 2);
    assert_eq!(fx.r.pending_count().unwrap(), 2);

    // Stock: the server's numbers, plus the device's unanswered return on top.
    let ret = Op::AcceptReturn {
        return_id: Uuid::now_v7(),
        order_id: Uuid::now_v7(),
        lines: vec![ReturnLine {
            sku_code: "SKU-1".into(),
            qty: Qty::new(2).unwrap(),
            condition: ReturnCondition::Resaleable,
        }],
        approved_by: None,
        approval: None,
    };
    fx.perform(ret).unwrap();
    assert_eq!(fx.sellable("SKU-1"), (7, 1, 6));
    fx.r.apply_pull(&page(vec![Change::Stock(stock("SKU-1", Quality::Sellable, 4, 2))])).unwrap();
    assert_eq!(fx.sellable("SKU-1"), (6, 2, 4), "server 4 on hand + 2 returned");
    // A page that does not mention the balance leaves the local view alone.
    fx.r.apply_pull(&page(vec![Change::Stock(stock("SKU-2", Quality::Sellable, 9, 0))])).unwrap();
    assert_eq!(fx.sellable("SKU-1"), (6, 2, 4));
    assert_eq!(fx.sellable("SKU-2"), (9, 0, 9));
}

#[test]
fn a_cancelled_order_and_a_rejected_op_give_back_the_server_state() {
    let fx = fixture();
    let fo = order(FulfillmentKind::Pickup, FulfillmentState::Routed, &[("SKU-1", 1)]);
    fx.put(&[&fo]);
    let env = fx.perform(accept(fo.id)).unwrap();
    assert_eq!(fx.state(fo.id), FulfillmentState::Accepted);

    // Pull first: HQ cancelled the order. The accept no longer applies on top of it.
    let mut cancelled = fo.clone();
    cancelled.state = FulfillmentState::Cancelled;
    cancelled.version = 2;
    fx.put(&[&cancelled]);
    assert_eq!(fx.state(fo.id), FulfillmentState::Cancelled);
    assert_eq!(fx.r.task_counts().unwrap(), super::TaskCounts::default());

    // Then the server's answer to the push.
    fx.r.record_push_results(&[result(env.op_id, 1, rejected("illegal_transition"))]).unwrap();
    assert_eq!(fx.r.pending_count().unwrap(), 0);
    assert!(fx.r.fulfillment_order(fo.id).unwrap().is_none_or(|o| o.state == FulfillmentState::Cancelled));
    let inbox = fx.r.inbox().unwrap();
    assert_eq!(inbox.len(), 1);
    let item = &inbox[0];
    assert_eq!(
        (item.op_id.as_str(), item.kind.as_str(), item.status.as_str(), item.code.as_str()),
        (env.op_id.to_string().as_str(), "AcceptFulfillment", "rejected", "illegal_transition")
    );
    assert_eq!(item.fulfillment_order_id, Some(fo.id.to_string()));
    assert!(!item.read);
    fx.r.mark_read(item.id).unwrap();
    assert!(fx.r.inbox().unwrap()[0].read);
    // The next pull clears the closed order from the device.
    fx.r.apply_pull(&page(vec![])).unwrap();
    assert!(fx.r.fulfillment_order(fo.id).unwrap().is_none());
}

#[test]
fn the_other_way_round_a_rejection_before_the_pull_also_ends_in_the_server_state() {
    let fx = fixture();
    let fo = order(FulfillmentKind::Pickup, FulfillmentState::Routed, &[("SKU-1", 1)]);
    fx.put(&[&fo]);
    let a = fx.perform(accept(fo.id)).unwrap();
    fx.perform(Op::StartPick { fulfillment_order_id: fo.id }).unwrap();
    fx.r.record_push_results(&[result(a.op_id, 1, rejected("order_cancelled"))]).unwrap();
    // Back to what the server last said; the start-pick cannot apply on top of "routed".
    assert_eq!(fx.state(fo.id), FulfillmentState::Routed);
    assert_eq!(fx.r.pending_count().unwrap(), 1);
    let mut cancelled = fo.clone();
    cancelled.state = FulfillmentState::Cancelled;
    fx.put(&[&cancelled]);
    assert_eq!(fx.state(fo.id), FulfillmentState::Cancelled, "kept while an op still refers to it");
}

#[test]
fn closed_orders_leave_the_device_unless_an_op_refers_to_them() {
    let fx = fixture();
    let a = order(FulfillmentKind::Ship, FulfillmentState::Routed, &[("SKU-1", 1)]);
    let b = order(FulfillmentKind::Ship, FulfillmentState::Routed, &[("SKU-2", 1)]);
    fx.put(&[&a, &b]);
    fx.perform(accept(b.id)).unwrap();
    let mut a2 = a.clone();
    a2.state = FulfillmentState::Cancelled;
    let mut b2 = b.clone();
    b2.state = FulfillmentState::Cancelled;
    fx.put(&[&a2, &b2]);
    assert!(fx.r.fulfillment_order(a.id).unwrap().is_none());
    assert_eq!(fx.state(b.id), FulfillmentState::Cancelled);
    assert_eq!(fx.r.fulfillment_orders(&[]).unwrap().len(), 1);
}

// ---------------------------------------------------------------------------------------
// Push results

#[test]
fn push_results_clear_the_outbox_and_fill_the_inbox() {
    let fx = fixture();
    let a = order(FulfillmentKind::Pickup, FulfillmentState::Routed, &[("SKU-1", 1)]);
    let b = order(FulfillmentKind::Pickup, FulfillmentState::ReadyForPickup, &[("SKU-2", 1)]);
    fx.put(&[&a, &b]);
    let e1 = fx.perform(accept(a.id)).unwrap();
    let e2 = fx.perform(Op::StartPick { fulfillment_order_id: a.id }).unwrap();
    let e3 = fx.perform(id_check(b.id)).unwrap();
    let count = Op::CountStock {
        count_id: Uuid::now_v7(),
        lines: vec![CountLine {
            sku_code: "SKU-3".into(),
            quality: Quality::Sellable,
            counted: Count::new(4).unwrap(),
            expected: 0,
        }],
    };
    let e4 = fx.perform(count).unwrap();
    assert_eq!(fx.r.pending_count().unwrap(), 4);

    let conflict = OpOutcome::Conflict { code: "handed_over_early".into(), message: "flagged".into() };
    fx.r.record_push_results(&[
        result(e1.op_id, 1, OpOutcome::Applied),
        result(e3.op_id, 3, conflict.clone()),
        result(Uuid::now_v7(), 99, rejected("nope")), // not ours: ignored
    ])
    .unwrap();
    assert_eq!(fx.r.pending_ops(10).unwrap(), vec![e2.clone(), e4.clone()]);
    // A conflict is a recorded fact: the local view keeps it.
    assert_eq!(fx.state(b.id), FulfillmentState::PickedUp);
    assert_eq!(fx.state(a.id), FulfillmentState::Picking);
    let inbox = fx.r.inbox().unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!((inbox[0].status.as_str(), inbox[0].code.as_str()), ("conflict", "handed_over_early"));
    assert_eq!(inbox[0].kind, "HandOver");

    // The same answers again (a retried push) change nothing.
    fx.r.record_push_results(&[result(e3.op_id, 3, conflict)]).unwrap();
    assert_eq!(fx.r.inbox().unwrap().len(), 1);

    fx.r.record_push_results(&[result(e2.op_id, 2, rejected("busy")), result(e4.op_id, 4, OpOutcome::Applied)])
        .unwrap();
    assert_eq!(fx.r.pending_count().unwrap(), 0);
    // The accept was applied on the server but the pull has not brought it yet: the device
    // shows the last server state it has with its remaining ops (none) on top.
    assert_eq!(fx.state(a.id), FulfillmentState::Routed);
    let inbox = fx.r.inbox().unwrap();
    assert_eq!(inbox.len(), 2);
    assert_eq!((inbox[0].kind.as_str(), inbox[0].status.as_str()), ("StartPick", "rejected"));
    assert_eq!(inbox[0].fulfillment_order_id, Some(a.id.to_string()));
    assert_eq!(fx.r.unread_inbox().unwrap(), 2);
    fx.r.mark_read(inbox[0].id).unwrap();
    assert_eq!(fx.r.unread_inbox().unwrap(), 1);
}

/// The server refused an op that had moved stock locally (here: a tracking number the
/// server finds invalid). The device must show the server's stock again, as it does for
/// the order, not keep the effect of an op that never happened.
#[test]
fn a_rejected_op_no_longer_moves_local_stock() {
    let fx = fixture();
    let fo = order(FulfillmentKind::Ship, FulfillmentState::AwaitingCourier, &[("SKU-1", 1)]);
    fx.put(&[&fo]);
    assert_eq!(fx.sellable("SKU-1"), (5, 1, 4));
    let env = fx
        .perform(Op::RecordTracking { fulfillment_order_id: fo.id, carrier: "SF".into(), tracking_no: " ".into() })
        .unwrap();
    assert_eq!(fx.sellable("SKU-1"), (4, 0, 4));
    fx.r.record_push_results(&[result(env.op_id, 1, rejected("invalid_field"))]).unwrap();
    assert_eq!(fx.state(fo.id), FulfillmentState::AwaitingCourier, "order back to the server's state");
    assert_eq!(fx.sellable("SKU-1"), (5, 1, 4), "stock back to the server's state");
}

// ---------------------------------------------------------------------------------------
// Staff PIN login, offline

#[test]
fn pin_login_works_offline_and_locks_out_after_five_wrong_pins() {
    let fx = fixture();
    let s = fx.r.login(ASSOCIATE, PIN, NOW_MS).unwrap();
    assert_eq!((s.id.as_str(), s.role, s.active), (ASSOCIATE, Role::Associate, true));
    assert_eq!(fx.r.login(MANAGER, PIN, NOW_MS).unwrap().role, Role::Manager);

    // A success resets the count.
    assert_eq!(fx.r.login(ASSOCIATE, "0000", NOW_MS).unwrap_err(), ReplicaError::WrongPin { attempts_left: 4 });
    fx.r.login(ASSOCIATE, PIN, NOW_MS).unwrap();
    for left in (1..DeviceRules::default().pickup_max_attempts).rev() {
        assert_eq!(fx.r.login(ASSOCIATE, "9999", NOW_MS).unwrap_err(), ReplicaError::WrongPin { attempts_left: left });
    }
    let until = NOW_MS + i64::from(DeviceRules::default().pickup_lockout_minutes) * 60_000;
    assert_eq!(fx.r.login(ASSOCIATE, "9999", NOW_MS).unwrap_err(), ReplicaError::LockedOut { until_ms: until });
    // Locked: even the right PIN is refused, and the lock survives reopening the file.
    assert_eq!(fx.r.login(ASSOCIATE, PIN, NOW_MS + 1).unwrap_err(), ReplicaError::LockedOut { until_ms: until });
    let reopened = Replica::open(&fx.path).unwrap();
    assert_eq!(reopened.login(ASSOCIATE, PIN, until - 1).unwrap_err(), ReplicaError::LockedOut { until_ms: until });
    // Other staff are not affected.
    reopened.login(MANAGER, PIN, NOW_MS + 1).unwrap();
    // Guessing on after a lockout locks for twice as long, also across a restart.
    for _ in 0..DeviceRules::default().pickup_max_attempts - 1 {
        reopened.login(ASSOCIATE, "9999", until).unwrap_err();
    }
    let twice = until + 2 * i64::from(DeviceRules::default().pickup_lockout_minutes) * 60_000;
    assert_eq!(reopened.login(ASSOCIATE, "9999", until).unwrap_err(), ReplicaError::LockedOut { until_ms: twice });
    let again = Replica::open(&fx.path).unwrap();
    assert_eq!(again.login(ASSOCIATE, PIN, twice - 1).unwrap_err(), ReplicaError::LockedOut { until_ms: twice });
    assert_eq!(again.login(ASSOCIATE, PIN, twice).unwrap().id, ASSOCIATE);

    assert!(matches!(fx.r.login("NOBODY", PIN, NOW_MS), Err(ReplicaError::NotFound { .. })));
    assert!(matches!(fx.r.login(RETIRED, PIN, NOW_MS), Err(ReplicaError::NotFound { .. })));
}

#[test]
fn the_attempt_limit_and_lockout_hq_set_arrive_with_a_pull_and_apply_offline() {
    let fx = fixture();
    assert_eq!(fx.r.rules().unwrap(), DeviceRules::default(), "defaults before HQ says otherwise");
    let rules = DeviceRules { pickup_max_attempts: 3, pickup_lockout_minutes: 40, ..DeviceRules::default() };
    let mut p = page(vec![]);
    p.rules = rules;
    fx.r.apply_pull(&p).unwrap();
    assert_eq!(fx.r.rules().unwrap(), rules);
    assert_eq!(fx.r.login(ASSOCIATE, "9999", NOW_MS).unwrap_err(), ReplicaError::WrongPin { attempts_left: 2 });
    assert_eq!(fx.r.login(ASSOCIATE, "9999", NOW_MS).unwrap_err(), ReplicaError::WrongPin { attempts_left: 1 });
    let until = NOW_MS + 40 * 60_000;
    assert_eq!(fx.r.login(ASSOCIATE, "9999", NOW_MS).unwrap_err(), ReplicaError::LockedOut { until_ms: until });
    // The rules survive a restart of the app (they live in the replica file).
    assert_eq!(Replica::open(&fx.path).unwrap().rules().unwrap(), rules);
}

#[test]
fn a_pin_change_from_hq_takes_effect_with_the_next_pull() {
    let fx = fixture();
    let mut s = staff(ASSOCIATE, Role::Associate, true);
    s.pin_hash = hash_secret("5678", b"another-salt-0123456", 1000);
    fx.r.apply_pull(&page(vec![Change::Staff(s)])).unwrap();
    assert!(matches!(fx.r.login(ASSOCIATE, PIN, NOW_MS), Err(ReplicaError::WrongPin { .. })));
    fx.r.login(ASSOCIATE, "5678", NOW_MS).unwrap();
    // Deactivated at HQ: no more login, no more actions.
    fx.r.apply_pull(&page(vec![Change::Staff(staff(ASSOCIATE, Role::Associate, false))])).unwrap();
    assert!(matches!(fx.r.login(ASSOCIATE, "5678", NOW_MS), Err(ReplicaError::NotFound { .. })));
}

// ---------------------------------------------------------------------------------------
// Pickup codes, offline

#[test]
fn pickup_codes_verify_offline_with_attempt_limits() {
    let fx = fixture();
    // Codes expire, so attempts happen at the real time.
    let now_ms = Utc::now().timestamp_millis();
    let code = PickupCode::from_entropy([9, 8, 7, 6, 5, 4, 3, 2]);
    let valid = Utc::now() + Duration::days(7);
    let fo = ready_with_code(&code, valid, &[("SKU-1", 1)]);
    let other = ready_with_code(&code, valid, &[("SKU-2", 1)]);
    fx.put(&[&fo, &other]);
    let digits = code.reveal();
    assert_eq!(fx.r.verify_pickup_code(fo.id, digits, now_ms).unwrap(), Attempt::Verified);
    let spaced = format!(" {}-{} ", &digits[..4], &digits[4..]);
    assert_eq!(fx.r.verify_pickup_code(fo.id, &spaced, now_ms).unwrap(), Attempt::Verified);
    assert_eq!(fx.r.verify_pickup_code(fo.id, &code.qr_payload(fo.id), now_ms).unwrap(), Attempt::Verified);

    // The QR of another order carries the right digits but is refused, and counts.
    let wrong = if digits == "00000000" { "11111111" } else { "00000000" };
    assert_eq!(
        fx.r.verify_pickup_code(fo.id, &code.qr_payload(other.id), now_ms).unwrap(),
        Attempt::Wrong { attempts_left: DeviceRules::default().pickup_max_attempts - 1 }
    );
    for left in (1..DeviceRules::default().pickup_max_attempts - 1).rev() {
        assert_eq!(fx.r.verify_pickup_code(fo.id, wrong, now_ms).unwrap(), Attempt::Wrong { attempts_left: left });
    }
    let until = now_ms + i64::from(DeviceRules::default().pickup_lockout_minutes) * 60_000;
    assert_eq!(fx.r.verify_pickup_code(fo.id, "garbage", now_ms).unwrap(), Attempt::LockedOut { until_ms: until });
    assert_eq!(fx.r.verify_pickup_code(fo.id, digits, now_ms + 1).unwrap(), Attempt::LockedOut { until_ms: until });
    // Per order: the other order is not locked.
    assert_eq!(fx.r.verify_pickup_code(other.id, digits, now_ms).unwrap(), Attempt::Verified);
    assert_eq!(fx.r.verify_pickup_code(fo.id, digits, until).unwrap(), Attempt::Verified);

    // Expired.
    let old = ready_with_code(&code, Utc::now() - Duration::minutes(1), &[("SKU-1", 1)]);
    fx.put(&[&old]);
    let now = Utc::now().timestamp_millis();
    assert_eq!(fx.r.verify_pickup_code(old.id, digits, now).unwrap(), Attempt::Expired);

    // No code on the device yet; unknown order.
    let packed = order(FulfillmentKind::Pickup, FulfillmentState::ReadyForPickup, &[("SKU-1", 1)]);
    fx.put(&[&packed]);
    assert_eq!(reason(&fx.r.verify_pickup_code(packed.id, digits, now_ms).unwrap_err()), "no_pickup_code");
    assert!(matches!(fx.r.verify_pickup_code(Uuid::now_v7(), digits, now_ms), Err(ReplicaError::NotFound { .. })));
}

#[test]
fn pickup_passes_verify_with_hqs_public_key_and_count_when_forged() {
    use shared::pickup::PickupPass;
    let fx = fixture();
    let now_ms = Utc::now().timestamp_millis();
    let code = PickupCode::from_entropy([4; 8]);
    let valid = Utc::now() + Duration::days(7);
    let fo = ready_with_code(&code, valid, &[("SKU-1", 1)]);
    let other = ready_with_code(&code, valid, &[("SKU-2", 1)]);
    fx.put(&[&fo, &other]);
    let pass = PickupPass::issue(&HQ_KEY, fo.id, valid.timestamp_millis());
    assert_eq!(fx.r.verify_pickup_code(fo.id, &pass, now_ms).unwrap(), Attempt::Verified);
    // Signed by another key (forged), or for another order: refused, and counted.
    let forged = PickupPass::issue(&[8; 32], fo.id, valid.timestamp_millis());
    assert_eq!(
        fx.r.verify_pickup_code(fo.id, &forged, now_ms).unwrap(),
        Attempt::Wrong { attempts_left: DeviceRules::default().pickup_max_attempts - 1 }
    );
    let elsewhere = PickupPass::issue(&HQ_KEY, other.id, valid.timestamp_millis());
    assert_eq!(
        fx.r.verify_pickup_code(fo.id, &elsewhere, now_ms).unwrap(),
        Attempt::Wrong { attempts_left: DeviceRules::default().pickup_max_attempts - 2 }
    );
    // Expired passes are refused as expired.
    let old = PickupPass::issue(&HQ_KEY, other.id, now_ms - 1);
    assert_eq!(fx.r.verify_pickup_code(other.id, &old, now_ms).unwrap(), Attempt::Expired);
    // A hand-over by pass goes through the same check.
    fx.perform(by_code(fo.id, &pass)).unwrap();
    assert_eq!(fx.state(fo.id), FulfillmentState::PickedUp);
    // A device enrolled before HQ had a key cannot check passes, and says what to do.
    let bare = fixture();
    let mut resp = bare.r.enrollment().unwrap().unwrap();
    resp.server_url = "http://hq.invalid:1".into();
    bare.put(&[&other]);
    bare.r
        .record_enrollment(
            "http://hq.invalid:1",
            &EnrollResponse {
                device_id: Uuid::now_v7(),
                token: "t".into(),
                store: store_node(),
                protocol_version: PROTOCOL_VERSION,
                hq_public_key: None,
            },
        )
        .unwrap();
    let pass = PickupPass::issue(&HQ_KEY, other.id, valid.timestamp_millis());
    assert_eq!(reason(&bare.r.verify_pickup_code(other.id, &pass, now_ms).unwrap_err()), "no_hq_key");
}

#[test]
fn a_manager_approval_is_a_proof_from_the_pin_the_manager_types() {
    use shared::approval::{approval_key, verify, Approved};
    let fx = fixture();
    let fo = Uuid::now_v7();
    let what = Approved::IdCheck { fulfillment_order_id: fo, manager_id: MANAGER };
    let proof = fx.r.manager_approval(MANAGER, PIN, what, NOW_MS).unwrap();
    // What the server checks with the key it derived when HQ set the PIN.
    let key = approval_key(PIN, MANAGER, &format!("{MANAGER}-approval-salt"));
    assert!(verify(&key, what, &proof));
    assert!(!verify(&key, Approved::IdCheck { fulfillment_order_id: Uuid::now_v7(), manager_id: MANAGER }, &proof));
    // Only a manager approves, with their own PIN; wrong PINs count towards the lockout.
    let associate = Approved::IdCheck { fulfillment_order_id: fo, manager_id: ASSOCIATE };
    assert_eq!(reason(&fx.r.manager_approval(ASSOCIATE, PIN, associate, NOW_MS).unwrap_err()), "not_manager");
    assert!(matches!(
        fx.r.manager_approval(MANAGER, "0000", what, NOW_MS),
        Err(ReplicaError::WrongPin { attempts_left }) if attempts_left == DeviceRules::default().pickup_max_attempts - 1
    ));
}

#[test]
fn hand_over_checks_the_pickup_code_locally() {
    let fx = fixture();
    let code = PickupCode::from_entropy([1, 2, 3, 4, 5, 6, 7, 8]);
    let fo = ready_with_code(&code, Utc::now() + Duration::days(7), &[("SKU-1", 1)]);
    let other = ready_with_code(&code, Utc::now() + Duration::days(7), &[("SKU-2", 1)]);
    let no_code = order(FulfillmentKind::Pickup, FulfillmentState::ReadyForPickup, &[("SKU-2", 1)]);
    fx.put(&[&fo, &other, &no_code]);
    let wrong = if code.reveal() == "00000000" { "11111111" } else { "00000000" };
    assert_eq!(reason(&fx.perform(by_code(fo.id, wrong)).unwrap_err()), "wrong_pickup_code");
    assert_eq!(reason(&fx.perform(by_code(fo.id, "12")).unwrap_err()), "wrong_pickup_code");
    assert_eq!(reason(&fx.perform(by_code(fo.id, &code.qr_payload(other.id))).unwrap_err()), "wrong_pickup_code");
    assert_eq!(reason(&fx.perform(by_code(no_code.id, code.reveal())).unwrap_err()), "no_pickup_code");
    assert_eq!(fx.r.pending_count().unwrap(), 0);
    assert_eq!(fx.state(fo.id), FulfillmentState::ReadyForPickup);
    assert_eq!(fx.sellable("SKU-1"), (5, 1, 4));

    fx.perform(by_code(fo.id, &code.qr_payload(fo.id))).unwrap();
    assert_eq!(fx.state(fo.id), FulfillmentState::PickedUp);
    assert_eq!(fx.sellable("SKU-1"), (4, 0, 4), "the unit left: on-hand and its reservation go");
    // Not twice.
    assert_eq!(reason(&fx.perform(by_code(fo.id, code.reveal())).unwrap_err()), "not_ready");
    assert_eq!(fx.sellable("SKU-1"), (4, 0, 4));
    assert_eq!(fx.r.pending_count().unwrap(), 1);
}

/// An expired code is refused at the counter by `verify_pickup_code`; a hand-over that
/// names the expired code must be refused locally too (the server records it as an
/// unverified hand-over).
#[test]
fn hand_over_with_an_expired_code_is_refused_locally() {
    let fx = fixture();
    let code = PickupCode::from_entropy([4; 8]);
    let fo = ready_with_code(&code, Utc::now() - Duration::hours(1), &[("SKU-1", 1)]);
    fx.put(&[&fo]);
    assert_eq!(fx.r.verify_pickup_code(fo.id, code.reveal(), Utc::now().timestamp_millis()).unwrap(), Attempt::Expired);
    let got = fx.perform(by_code(fo.id, code.reveal()));
    assert!(matches!(got, Err(ReplicaError::NotAllowed { .. })), "expired code accepted: {got:?}");
    assert_eq!(fx.state(fo.id), FulfillmentState::ReadyForPickup);
    assert_eq!(fx.r.pending_count().unwrap(), 0);
}

// ---------------------------------------------------------------------------------------
// Look-ups and counts

#[test]
fn barcode_lookup() {
    let fx = fixture();
    assert_eq!(fx.r.lookup_barcode(ean(2).as_str()).unwrap(), Some(sku(2)));
    assert_eq!(fx.r.lookup_barcode(&format!(" {}\n", ean(3).as_str())).unwrap(), Some(sku(3)));
    assert_eq!(fx.r.lookup_barcode(ean(4).as_str()).unwrap(), None);
    assert_eq!(fx.r.lookup_barcode("").unwrap(), None);
    // HQ re-labels SKU-1: the old barcode no longer finds it.
    let mut relabelled = sku(1);
    relabelled.barcode = ean(101);
    fx.r.apply_pull(&page(vec![Change::Sku(relabelled.clone())])).unwrap();
    assert_eq!(fx.r.lookup_barcode(ean(1).as_str()).unwrap(), None);
    assert_eq!(fx.r.lookup_barcode(ean(101).as_str()).unwrap(), Some(relabelled));
}

#[test]
fn task_counts_per_state() {
    use FulfillmentKind as K;
    use FulfillmentState as S;
    let fx = fixture();
    let fos: Vec<FulfillmentOrder> = [
        (K::Pickup, S::Routed),
        (K::Ship, S::Routed),
        (K::SameCity, S::Accepted),
        (K::Pickup, S::Picking),
        (K::Ship, S::Picking),
        (K::Pickup, S::Packed),
        (K::Pickup, S::ReadyForPickup),
        (K::Pickup, S::ReadyForPickup),
        (K::Ship, S::Packed),
        (K::SameCity, S::AwaitingCourier),
        (K::Ship, S::AwaitingCourier),
        (K::Ship, S::Dispatched),
        (K::Pickup, S::PickedUp),
        (K::Ship, S::Cancelled),
        (K::Pickup, S::Rejected),
    ]
    .iter()
    .map(|(k, s)| order(*k, *s, &[("SKU-1", 1)]))
    .collect();
    fx.put(&fos.iter().collect::<Vec<_>>());
    let c = fx.r.task_counts().unwrap();
    assert_eq!((c.to_accept, c.to_pick, c.ready_for_pickup, c.awaiting_courier), (2, 3, 3, 3), "{c:?}");
    assert_eq!(fx.r.fulfillment_orders(&[]).unwrap().len(), 11, "closed orders are not kept");
    assert_eq!(fx.r.fulfillment_orders(&[S::ReadyForPickup]).unwrap().len(), 2);
    // A local action moves the counts at once.
    fx.perform(accept(fos[0].id)).unwrap();
    let c = fx.r.task_counts().unwrap();
    assert_eq!((c.to_accept, c.to_pick), (1, 4));
}

// ---------------------------------------------------------------------------------------
// Stock effects

#[test]
fn count_stock_sets_on_hand_and_refuses_unknown_skus() {
    let fx = fixture();
    let line = |sku: &str, n: i64, expected: i64| CountLine {
        sku_code: sku.into(),
        quality: Quality::Sellable,
        counted: Count::new(n).unwrap(),
        expected,
    };
    let e = fx
        .perform(Op::CountStock { count_id: Uuid::now_v7(), lines: vec![line("SKU-2", 1, 2), line("NOPE", 3, 0)] })
        .unwrap_err();
    assert!(matches!(&e, ReplicaError::NotFound { what } if what.contains("NOPE")), "{e:?}");
    assert_eq!(fx.r.pending_count().unwrap(), 0);
    assert_eq!(fx.sellable("SKU-2"), (2, 0, 2), "nothing of the refused count applied");

    fx.perform(Op::CountStock { count_id: Uuid::now_v7(), lines: vec![line("SKU-1", 3, 5), line("SKU-3", 2, 0)] })
        .unwrap();
    assert_eq!(fx.sellable("SKU-1"), (3, 1, 2));
    // A balance the store did not have yet: no safety stock, so no lease to promise offline.
    assert_eq!(fx.sellable("SKU-3"), (2, 0, 0), "a balance the store did not have yet");
    // A count replaces on-hand also on top of a later server number.
    fx.r.apply_pull(&page(vec![Change::Stock(stock("SKU-1", Quality::Sellable, 8, 1))])).unwrap();
    assert_eq!(fx.sellable("SKU-1"), (3, 1, 2));
}

#[test]
fn returns_add_to_sellable_or_defective_stock() {
    let fx = fixture();
    fx.perform(Op::AcceptReturn {
        return_id: Uuid::now_v7(),
        order_id: Uuid::now_v7(),
        lines: vec![
            ReturnLine { sku_code: "SKU-1".into(), qty: Qty::new(1).unwrap(), condition: ReturnCondition::Resaleable },
            ReturnLine { sku_code: "SKU-2".into(), qty: Qty::new(2).unwrap(), condition: ReturnCondition::Damaged },
        ],
        approved_by: None,
        approval: None,
    })
    .unwrap();
    assert_eq!(fx.sellable("SKU-1"), (6, 1, 5));
    assert_eq!(fx.sellable("SKU-2"), (2, 0, 2));
    assert_eq!(fx.quality("SKU-2", Quality::Defective), (2, 0, 0), "no safety stock there, so no lease");
    assert_eq!(fx.r.stock("SKU-2").unwrap().len(), 2);
}

#[test]
fn hand_over_with_id_check_moves_stock_of_every_line() {
    let fx = fixture();
    let fo = order(FulfillmentKind::Pickup, FulfillmentState::ReadyForPickup, &[("SKU-1", 1), ("SKU-2", 2)]);
    fx.put(&[&fo]);
    fx.r.apply_pull(&page(vec![Change::Stock(stock("SKU-2", Quality::Sellable, 2, 2))])).unwrap();
    fx.perform(id_check(fo.id)).unwrap();
    assert_eq!(fx.sellable("SKU-1"), (4, 0, 4));
    assert_eq!(fx.sellable("SKU-2"), (0, 0, 0));
    // The server's next numbers still get the hand-over on top until it is answered.
    fx.r.apply_pull(&page(vec![Change::Stock(stock("SKU-2", Quality::Sellable, 5, 2))])).unwrap();
    assert_eq!(fx.sellable("SKU-2"), (3, 0, 3));
}

#[test]
fn enrolling_at_another_store_starts_from_scratch() {
    let fx = fixture();
    let fo = order(FulfillmentKind::Pickup, FulfillmentState::Routed, &[("SKU-1", 1)]);
    fx.put(&[&fo]);
    fx.perform(accept(fo.id)).unwrap();
    let mut other = store_node();
    other.code = "STORE-B".into();
    let resp = EnrollResponse {
        device_id: Uuid::now_v7(),
        token: "t2".into(),
        store: other,
        protocol_version: PROTOCOL_VERSION,
        hq_public_key: None,
    };
    fx.r.record_enrollment("http://hq.invalid:1", &resp).unwrap();
    assert_eq!(fx.r.enrollment().unwrap().unwrap().store.code, "STORE-B");
    assert_eq!(fx.r.pending_count().unwrap(), 0);
    assert_eq!(fx.r.cursor().unwrap(), shared::protocol::BOOTSTRAP_CURSOR);
    assert!(fx.r.fulfillment_orders(&[]).unwrap().is_empty());
    assert!(fx.r.stock("SKU-1").unwrap().is_empty());
    assert!(matches!(fx.r.login(ASSOCIATE, PIN, NOW_MS), Err(ReplicaError::NotFound { .. })));
}

mod rules;
mod views;
