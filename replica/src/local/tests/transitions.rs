//! `perform()`: the shared transition rules, walked order by order, and what it refuses.

use super::*;

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
                    Box::new(|f| Op::RequestCourier {
                        fulfillment_order_id: f.id,
                        delivery: None,
                        carrier: "SF".into(),
                    }),
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
                crate::local::queries::store_order(&fx.r.db(), &fo).unwrap();
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
    let e = fx
        .perform(Op::RequestCourier { fulfillment_order_id: p.id, delivery: None, carrier: "SF".into() })
        .unwrap_err();
    assert_eq!(reason(&e), "illegal_transition");
    fx.perform(Op::MarkReady { fulfillment_order_id: p.id }).unwrap();
    assert_eq!(fx.state(p.id), FulfillmentState::ReadyForPickup);

    fx.perform(accept(s.id)).unwrap();
    fx.perform(full_pick(&s)).unwrap();
    let e = fx.perform(Op::MarkReady { fulfillment_order_id: s.id }).unwrap_err();
    assert_eq!(reason(&e), "illegal_transition");
    fx.perform(Op::RequestCourier { fulfillment_order_id: s.id, delivery: None, carrier: "闪送".into() }).unwrap();
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
