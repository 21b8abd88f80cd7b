//! The outbox: ops queued with gap-free sequence numbers, cleared by push results that
//! fill the inbox.

use super::*;

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
    fx.r.record_push_results(
        &[result(e1.op_id, 1, OpOutcome::Applied), result(e2.op_id, 2, OpOutcome::Applied)],
        NOW_MS,
    )
    .unwrap();
    assert_eq!(fx.r.pending_ops(100).unwrap(), vec![e3.clone()]);
    let reopened = Replica::open(&fx.path).unwrap();
    assert_eq!(reopened.pending_ops(100).unwrap(), vec![e3]);
    let e4 = reopened.perform(ASSOCIATE, Op::StartPick { fulfillment_order_id: b.id }).unwrap();
    assert_eq!(e4.device_seq, 4);
    assert_eq!(reopened.pending_count().unwrap(), 2);
}

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
    fx.r.record_push_results(
        &[
            result(e1.op_id, 1, OpOutcome::Applied),
            result(e3.op_id, 3, conflict.clone()),
            result(Uuid::now_v7(), 99, rejected("nope")), // not ours: ignored
        ],
        NOW_MS,
    )
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
    fx.r.record_push_results(&[result(e3.op_id, 3, conflict)], NOW_MS).unwrap();
    assert_eq!(fx.r.inbox().unwrap().len(), 1);

    fx.r.record_push_results(&[result(e2.op_id, 2, rejected("busy")), result(e4.op_id, 4, OpOutcome::Applied)], NOW_MS)
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
    fx.r.record_push_results(&[result(env.op_id, 1, rejected("invalid_field"))], NOW_MS).unwrap();
    assert_eq!(fx.state(fo.id), FulfillmentState::AwaitingCourier, "order back to the server's state");
    assert_eq!(fx.sellable("SKU-1"), (5, 1, 4), "stock back to the server's state");
}
