//! Returns at the counter: the refund quoted with the shared rule from the looked-up order,
//! nothing taken beyond what may come back, a manager's PIN above HQ's limit (with a proof
//! the server can check), an offline return against the receipt, the stock back in the
//! right quality, and the refund's progress as HQ reports it.

use super::*;
use shared::app::command::AcceptReturnArgs;
use shared::app::{ErrorReason, ErrorView, NotAllowedReason, ReturnLineInput, ReturnProgress};
use shared::order::OrderStatus;
use shared::protocol::ChannelOrderRef;
use shared::returns::{
    quote, OrderLookupAnswer, RefundState, ReturnAsk, ReturnReason, ReturnStatus, ReturnableLine, ReturnableOrder,
    ShippingRefund,
};

/// A Tmall order delivered a week ago: two units of SKU-1 (¥599 less ¥59 on the line) and one
/// of SKU-2 (¥599, final sale when `clearance`), ¥10 shipping.
fn tmall_order(clearance: bool) -> ReturnableOrder {
    let line = |line_no: u32, sku: &str, sold: i64, discount: i64| ReturnableLine {
        line_no,
        sku_code: sku.into(),
        style_code: "ST-1".into(),
        name: "Tee".into(),
        colour: "黑".into(),
        size: "M".into(),
        sold,
        returned: 0,
        unit_price: Fen(59_900),
        discount: Fen(discount),
        paid: Fen(59_900 * sold - discount),
        final_sale: false,
    };
    let mut lines = vec![line(1, "SKU-1", 2, 5_900), line(2, "SKU-2", 1, 0)];
    lines[1].final_sale = clearance;
    let ordered_at = DateTime::from_timestamp_millis(NOW_MS).unwrap() - Duration::days(7);
    ReturnableOrder {
        order_id: Uuid::now_v7(),
        channel: Channel::Tmall,
        channel_order_id: "TM-4912".into(),
        status: OrderStatus::Completed,
        ordered_at,
        return_by: ordered_at + Duration::days(30),
        selling_store: None,
        associate_id: None,
        customer_name: "张*".into(),
        customer_phone: "138****5678".into(),
        customer_address: String::new(),
        shipping_fee: Fen(1_000),
        shipping_refunded: Fen(0),
        lines,
    }
}

fn looked_up(fx: &Fx, order: &ReturnableOrder) {
    let answer = OrderLookupAnswer { orders: vec![order.clone()], shipping_refund: ShippingRefund::SellerFault };
    fx.r.remember_lookup(&answer, NOW_MS).unwrap();
}

fn with_limit(fx: &Fx, limit: i64) {
    let mut p = page(vec![]);
    p.rules = DeviceRules { return_manager_limit_fen: limit, ..DeviceRules::default() };
    fx.r.apply_pull(&p).unwrap();
}

fn line(
    line_no: Option<u32>,
    sku: &str,
    qty: i64,
    condition: ReturnCondition,
    reason: ReturnReason,
) -> ReturnLineInput {
    ReturnLineInput { line_no, sku_code: sku.into(), qty, condition, reason, note: String::new() }
}

fn online(order: &ReturnableOrder, lines: Vec<ReturnLineInput>) -> AcceptReturnArgs {
    AcceptReturnArgs { order_id: Some(order.order_id), order_ref: None, lines, manager_id: None, manager_pin: None }
}

fn approved(mut args: AcceptReturnArgs, manager: &str, pin: &str) -> AcceptReturnArgs {
    args.manager_id = Some(manager.into());
    args.manager_pin = Some(pin.into());
    args
}

fn reason_of(e: &ReplicaError) -> Option<ErrorReason> {
    serde_json::from_value::<ErrorView>(serde_json::to_value(e).unwrap()).unwrap().reason
}

/// One resaleable unit of line 1 and the damaged line 2.
fn two_lines() -> Vec<ReturnLineInput> {
    vec![
        line(Some(1), "SKU-1", 1, ReturnCondition::Resaleable, ReturnReason::Size),
        line(Some(2), "SKU-2", 1, ReturnCondition::Damaged, ReturnReason::Quality),
    ]
}

#[test]
fn the_refund_is_the_shared_quote_of_the_looked_up_order_and_the_stock_comes_back_by_condition() {
    let fx = fixture();
    let order = tmall_order(false);
    looked_up(&fx, &order);
    let before = (fx.sellable("SKU-1"), fx.quality("SKU-2", Quality::Defective));

    let preview = fx.r.preview_return(order.order_id, &two_lines(), NOW_MS).unwrap();
    let asks = [
        ReturnAsk { line_no: 1, qty: 1, reason: ReturnReason::Size },
        ReturnAsk { line_no: 2, qty: 1, reason: ReturnReason::Quality },
    ];
    let (expected, _) =
        quote(&order, &asks, ShippingRefund::SellerFault, DateTime::from_timestamp_millis(NOW_MS).unwrap());
    assert_eq!(preview.quote, expected, "the preview is the shared rule's quote");
    assert_eq!(preview.quote.lines[0].refund, Fen(56_950), "half of 2 × 599 − 59");
    assert_eq!(preview.quote.shipping, Fen(1_000), "a quality fault refunds the shipping");
    assert_eq!(preview.quote.total, Fen(56_950 + 59_900 + 1_000));
    assert!(preview.problems.is_empty());
    assert!(!preview.needs_approval, "¥1178.50 is under the default ¥2000 limit");

    let rec = fx.r.accept_return(ASSOCIATE, &online(&order, two_lines()), NOW_MS).unwrap();
    assert_eq!(rec.refund_quoted, Some(expected.total));
    assert_eq!(rec.progress, ReturnProgress::Queued);
    assert!(!rec.offline);
    assert_eq!(rec.qr_payload, shared::returns::return_qr_payload(rec.return_id));
    assert_eq!(rec.lines.iter().map(|l| l.refund).collect::<Vec<_>>(), [Some(Fen(56_950)), Some(Fen(59_900))]);
    let (s1, d2) = before;
    assert_eq!(fx.sellable("SKU-1").0, s1.0 + 1, "resaleable: sellable stock");
    assert_eq!(fx.quality("SKU-2", Quality::Defective).0, d2.0 + 1, "damaged: defective stock");
    assert_eq!(fx.sellable("SKU-2").0, 2, "nothing damaged goes to the shelf");

    let ops = fx.r.pending_ops(10).unwrap();
    let Op::AcceptReturn { return_id, order_id, order_ref, lines, approval, .. } = &ops[0].op else {
        panic!("{:?}", ops[0].op)
    };
    assert_eq!((*return_id, *order_id, order_ref.clone()), (rec.return_id, Some(order.order_id), None));
    assert_eq!(
        lines.iter().map(|l| (l.line_no, l.reason)).collect::<Vec<_>>(),
        [(Some(1), ReturnReason::Size), (Some(2), ReturnReason::Quality)]
    );
    assert_eq!(*approval, None);

    // The same counter sees those units as back already: the other unit of line 1 is all that
    // is left, and its refund completes what was paid for the line.
    let again = fx.r.preview_return(order.order_id, &two_lines(), NOW_MS).unwrap();
    assert_eq!(again.problems, ["more_than_returnable"]);
    let last = fx.r.preview_return(order.order_id, &two_lines()[..1], NOW_MS).unwrap();
    assert_eq!(last.quote.lines[0].refund, Fen(59_900 * 2 - 5_900 - 56_950));
    assert_eq!(last.quote.shipping, Fen(0), "shipping is refunded once");
}

#[test]
fn nothing_beyond_what_may_come_back_is_taken_and_other_needs_a_note() {
    let fx = fixture();
    let order = tmall_order(true);
    looked_up(&fx, &order);
    let refused = |lines: Vec<ReturnLineInput>| {
        let e = fx.r.accept_return(ASSOCIATE, &online(&order, lines), NOW_MS).unwrap_err();
        assert_eq!(fx.r.pending_count().unwrap(), 0, "a refused return queues nothing");
        reason_of(&e)
    };
    let final_sale = vec![line(Some(2), "SKU-2", 1, ReturnCondition::Resaleable, ReturnReason::Size)];
    assert_eq!(refused(final_sale), Some(ErrorReason::NotAllowed(NotAllowedReason::FinalSale)));
    let too_many = vec![line(Some(1), "SKU-1", 3, ReturnCondition::Resaleable, ReturnReason::Size)];
    assert_eq!(refused(too_many), Some(ErrorReason::NotAllowed(NotAllowedReason::MoreThanReturnable)));
    let unknown = vec![line(Some(9), "SKU-1", 1, ReturnCondition::Resaleable, ReturnReason::Size)];
    assert_eq!(refused(unknown), Some(ErrorReason::NotAllowed(NotAllowedReason::UnknownLine)));
    let no_note = vec![line(Some(1), "SKU-1", 1, ReturnCondition::Resaleable, ReturnReason::Other)];
    assert_eq!(refused(no_note), Some(ErrorReason::NotAllowed(NotAllowedReason::ReturnNoteRequired)));
    let negative = vec![line(Some(1), "SKU-1", -1, ReturnCondition::Resaleable, ReturnReason::Size)];
    assert_eq!(refused(negative), Some(ErrorReason::NotAllowed(NotAllowedReason::NothingToReturn)));
    assert_eq!(refused(vec![]), Some(ErrorReason::NotAllowed(NotAllowedReason::NothingToReturn)));
    let not_looked_up = AcceptReturnArgs { order_id: Some(Uuid::now_v7()), ..online(&order, two_lines()) };
    let e = fx.r.accept_return(ASSOCIATE, &not_looked_up, NOW_MS).unwrap_err();
    assert_eq!(reason_of(&e), Some(ErrorReason::NotAllowed(NotAllowedReason::OrderNotLookedUp)));
    let mut noted = vec![line(Some(1), "SKU-1", 1, ReturnCondition::Resaleable, ReturnReason::Other)];
    noted[0].note = "顾客不喜欢面料".into();
    let rec = fx.r.accept_return(ASSOCIATE, &online(&order, noted), NOW_MS).unwrap();
    assert_eq!(rec.lines[0].note, "顾客不喜欢面料");
}

#[test]
fn above_the_limit_a_manager_approves_with_a_proof_the_server_can_check() {
    let fx = fixture();
    with_limit(&fx, 100_000);
    let order = tmall_order(false);
    looked_up(&fx, &order);
    assert!(fx.r.preview_return(order.order_id, &two_lines(), NOW_MS).unwrap().needs_approval);
    let small = &two_lines()[..1];
    assert!(!fx.r.preview_return(order.order_id, small, NOW_MS).unwrap().needs_approval);

    let e = fx.r.accept_return(ASSOCIATE, &online(&order, two_lines()), NOW_MS).unwrap_err();
    assert_eq!(reason_of(&e), Some(ErrorReason::NotAllowed(NotAllowedReason::ManagerApprovalRequired)));
    let e = fx.r.accept_return(ASSOCIATE, &approved(online(&order, two_lines()), ASSOCIATE, PIN), NOW_MS).unwrap_err();
    assert_eq!(reason_of(&e), Some(ErrorReason::NotAllowed(NotAllowedReason::NotManager)));
    let e = fx.r.accept_return(ASSOCIATE, &approved(online(&order, two_lines()), MANAGER, "9999"), NOW_MS).unwrap_err();
    assert!(matches!(e, ReplicaError::WrongPin { .. }), "{e:?}");
    assert_eq!(fx.r.pending_count().unwrap(), 0);

    let rec = fx.r.accept_return(ASSOCIATE, &approved(online(&order, two_lines()), MANAGER, PIN), NOW_MS).unwrap();
    assert_eq!(rec.approved_by.as_deref(), Some(MANAGER));
    let ops = fx.r.pending_ops(10).unwrap();
    let Op::AcceptReturn { return_id, approved_by, approval: Some(proof), .. } = &ops[0].op else {
        panic!("{:?}", ops[0].op)
    };
    assert_eq!(approved_by.as_deref(), Some(MANAGER));
    let key = shared::approval::approval_key(PIN, MANAGER, &format!("{MANAGER}-approval-salt"));
    let what = shared::approval::Approved::Return { return_id: *return_id, manager_id: MANAGER };
    assert!(shared::approval::verify(&key, what, proof), "the server can check the proof");
}

#[test]
fn offline_the_goods_come_back_against_the_receipt_and_hq_matches_them_at_sync() {
    let fx = fixture();
    let receipt = ChannelOrderRef { channel: Channel::Jd, channel_order_id: " JD-778 ".into() };
    let offline = |lines: Vec<ReturnLineInput>, number: &str| AcceptReturnArgs {
        order_id: None,
        order_ref: Some(ChannelOrderRef { channel: Channel::Jd, channel_order_id: number.into() }),
        lines,
        manager_id: None,
        manager_pin: None,
    };
    let scanned = vec![line(None, "SKU-3", 1, ReturnCondition::Damaged, ReturnReason::Quality)];
    let e = fx.r.accept_return(ASSOCIATE, &offline(scanned.clone(), "  "), NOW_MS).unwrap_err();
    assert_eq!(reason_of(&e), Some(ErrorReason::NotAllowed(NotAllowedReason::OrderNumberRequired)));
    let stranger = vec![line(None, "NOPE", 1, ReturnCondition::Damaged, ReturnReason::Quality)];
    assert!(matches!(
        fx.r.accept_return(ASSOCIATE, &offline(stranger, "JD-778"), NOW_MS),
        Err(ReplicaError::NotFound { .. })
    ));

    let rec = fx.r.accept_return(ASSOCIATE, &offline(scanned, &receipt.channel_order_id), NOW_MS).unwrap();
    assert!(rec.offline);
    assert_eq!((rec.channel, rec.channel_order_id.as_str()), (Some(Channel::Jd), "JD-778"));
    assert_eq!(rec.refund_quoted, None, "no refund is quoted without the order");
    assert_eq!(rec.lines[0].refund, None);
    assert_eq!(fx.quality("SKU-3", Quality::Defective).0, 1, "the goods are booked at once");
    let ops = fx.r.pending_ops(10).unwrap();
    let Op::AcceptReturn { order_id, order_ref, lines, .. } = &ops[0].op else { panic!("{:?}", ops[0].op) };
    assert_eq!(*order_id, None);
    assert_eq!(order_ref.as_ref().map(|r| r.channel_order_id.as_str()), Some("JD-778"));
    assert_eq!(lines[0].line_no, None, "matched by SKU at HQ");
}

#[test]
fn the_refund_progress_follows_hq_requested_then_confirmed_and_a_flag_shows() {
    let fx = fixture();
    let order = tmall_order(false);
    looked_up(&fx, &order);
    let rec = fx.r.accept_return(ASSOCIATE, &online(&order, two_lines()), NOW_MS).unwrap();
    assert!(fx.r.returns_to_check(10).unwrap().is_empty(), "not asked about before HQ has it");

    let op = fx.r.pending_ops(1).unwrap().remove(0);
    fx.r.record_push_results(
        &[OpResult { op_id: op.op_id, device_seq: op.device_seq, outcome: OpOutcome::Applied }],
        NOW_MS,
    )
    .unwrap();
    assert_eq!(fx.r.return_record(rec.return_id).unwrap().progress, ReturnProgress::Recorded);
    assert_eq!(fx.r.returns_to_check(10).unwrap(), [rec.return_id]);

    let status = |state, problem: Option<&str>| ReturnStatus {
        return_id: rec.return_id,
        order_id: Some(order.order_id),
        refund: rec.refund_quoted.unwrap(),
        refund_state: state,
        problem: problem.map(String::from),
        recorded_at: DateTime::from_timestamp_millis(NOW_MS).unwrap(),
    };
    fx.r.apply_return_status(&status(RefundState::Requested, None), NOW_MS + 1).unwrap();
    let now = fx.r.return_record(rec.return_id).unwrap();
    assert_eq!((now.progress, now.refund_booked), (ReturnProgress::Requested, rec.refund_quoted));
    assert_eq!(fx.r.returns_to_check(10).unwrap(), [rec.return_id], "still followed until confirmed");
    fx.r.apply_return_status(&status(RefundState::Confirmed, None), NOW_MS + 2).unwrap();
    assert_eq!(fx.r.return_record(rec.return_id).unwrap().progress, ReturnProgress::Confirmed);
    assert!(fx.r.returns_to_check(10).unwrap().is_empty(), "settled: no longer asked about");
    assert_eq!(fx.r.returns().unwrap().len(), 1);

    // An offline return HQ could not match: no refund, HQ's follow-up shown.
    let offline = AcceptReturnArgs {
        order_id: None,
        order_ref: Some(ChannelOrderRef { channel: Channel::Tmall, channel_order_id: "TM-NONE".into() }),
        lines: vec![line(None, "SKU-1", 1, ReturnCondition::Resaleable, ReturnReason::Size)],
        manager_id: None,
        manager_pin: None,
    };
    let lost = fx.r.accept_return(ASSOCIATE, &offline, NOW_MS + 3).unwrap();
    let op = fx.r.pending_ops(1).unwrap().remove(0);
    let conflict = OpOutcome::Conflict { code: "return_order_not_found".into(), message: "no such order".into() };
    fx.r.record_push_results(&[OpResult { op_id: op.op_id, device_seq: op.device_seq, outcome: conflict }], NOW_MS + 4)
        .unwrap();
    let flagged = fx.r.return_record(lost.return_id).unwrap();
    assert_eq!(
        (flagged.progress, flagged.problem.as_deref()),
        (ReturnProgress::Recorded, Some("return_order_not_found"))
    );
    let mut not_due = status(RefundState::NotDue, Some("return_order_not_found"));
    (not_due.return_id, not_due.order_id, not_due.refund) = (lost.return_id, None, Fen(0));
    fx.r.apply_return_status(&not_due, NOW_MS + 5).unwrap();
    let settled = fx.r.return_record(lost.return_id).unwrap();
    assert_eq!((settled.progress, settled.refund_booked), (ReturnProgress::NotDue, Some(Fen(0))));
    assert_eq!(fx.r.returns().unwrap()[0].return_id, lost.return_id, "newest first");
}

#[test]
fn an_exchange_takes_the_new_size_from_the_shelf_at_once_and_names_the_return() {
    use shared::app::{ExchangeArgs, ExchangeDelivery, InputField};
    let fx = fixture();
    let order = tmall_order(false);
    looked_up(&fx, &order);
    let rec = fx.r.accept_return(ASSOCIATE, &online(&order, two_lines()[..1].to_vec()), NOW_MS).unwrap();
    let shelf = fx.sellable("SKU-2");
    let args = |delivery, qty, phone: &str| ExchangeArgs {
        return_id: rec.return_id,
        sku_code: sku(2).barcode.as_str().to_string(),
        qty,
        delivery,
        customer_name: "王小明".into(),
        customer_phone: phone.into(),
        payment_ref: "EX-1".into(),
        in_place_of: Some("SKU-1".into()),
    };
    let e = fx.r.exchange(ASSOCIATE, &args(ExchangeDelivery::CarryOut, 1, "5678"), NOW_MS).unwrap_err();
    assert!(matches!(e, ReplicaError::InvalidInput { field: InputField::CustomerPhone, .. }), "{e:?}");
    assert_eq!(fx.r.pending_count().unwrap(), 1, "refused: only the return is queued");

    let v = fx.r.exchange(ASSOCIATE, &args(ExchangeDelivery::CarryOut, 1, "139 1234 5678"), NOW_MS).unwrap();
    assert!(v.carry_out);
    assert_eq!(v.shelf, Some(shared::aisle::ShelfCheck::WithinLease));
    assert_eq!(v.new_total, Fen(59_900));
    assert_eq!(v.difference, Some(Fen(59_900 - 56_950)), "the new price less the refund");
    assert_eq!(fx.sellable("SKU-2").0, shelf.0 - 1, "handed over now: off the shelf at once");
    let ops = fx.r.pending_ops(10).unwrap();
    let Op::PlaceOrder { order_id, carry_out, exchange_of, lines, customer, .. } = &ops[1].op else {
        panic!("{:?}", ops[1].op)
    };
    assert_eq!((*order_id, *carry_out, *exchange_of), (v.order_id, true, Some(rec.return_id)));
    assert_eq!((lines[0].sku_code.as_str(), lines[0].unit_price), ("SKU-2", Fen(59_900)));
    assert_eq!(customer.phone, "13912345678");
    assert_eq!(fx.r.return_record(rec.return_id).unwrap().exchange_order_id, Some(v.order_id));
}

#[test]
fn a_carry_out_beyond_the_shelf_is_recorded_with_a_warning_not_blocked() {
    use shared::app::{ExchangeArgs, ExchangeDelivery};
    let fx = fixture();
    let order = tmall_order(false);
    looked_up(&fx, &order);
    let rec = fx.r.accept_return(ASSOCIATE, &online(&order, two_lines()[..1].to_vec()), NOW_MS).unwrap();
    let shelf = fx.sellable("SKU-2");
    let args = ExchangeArgs {
        return_id: rec.return_id,
        sku_code: sku(2).barcode.as_str().to_string(),
        qty: shelf.0 + 1,
        delivery: ExchangeDelivery::CarryOut,
        customer_name: "王小明".into(),
        customer_phone: "13912345678".into(),
        // An exchange may leave nothing to pay at the till.
        payment_ref: "  ".into(),
        in_place_of: Some("SKU-1".into()),
    };
    // More than the books hold: the customer has them in hand, so it is recorded, warned.
    let v = fx.r.exchange(ASSOCIATE, &args, NOW_MS).unwrap();
    assert!(
        matches!(v.shelf, Some(shared::aisle::ShelfCheck::BeyondLease { wanted, .. }) if wanted == shelf.0 + 1),
        "{:?}",
        v.shelf
    );
    assert_eq!(fx.sellable("SKU-2").0, -1, "off the shelf at once, whatever the books said");
    let ops = fx.r.pending_ops(10).unwrap();
    let Op::PlaceOrder { carry_out, payment_ref, .. } = &ops[1].op else { panic!("{:?}", ops[1].op) };
    assert!(*carry_out && payment_ref.is_empty());
}
