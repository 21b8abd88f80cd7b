//! Pull: the server's state replaces the local one, unanswered ops are applied on top.

use super::*;

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
        order_id: Some(Uuid::now_v7()),
        order_ref: None,
        lines: vec![ReturnLine {
            sku_code: "SKU-1".into(),
            qty: Qty::new(2).unwrap(),
            condition: ReturnCondition::Resaleable,
            line_no: None,
            reason: Default::default(),
            note: String::new(),
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
    assert_eq!(fx.r.task_counts().unwrap(), crate::local::TaskCounts::default());

    // Then the server's answer to the push.
    fx.r.record_push_results(&[result(env.op_id, 1, rejected("illegal_transition"))], NOW_MS).unwrap();
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
    fx.r.record_push_results(&[result(a.op_id, 1, rejected("order_cancelled"))], NOW_MS).unwrap();
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
