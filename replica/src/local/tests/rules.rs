//! The input rules the replica enforces for whoever drives it (the app's shell, a test
//! device, a script): a rejection needs a reason, an ID check needs a note and an active
//! manager. A refusal queues nothing and changes nothing; its error reaches the UI as the
//! code it translates.

use super::*;
use shared::app::{ErrorCode, ErrorReason, ErrorView, InputField, NotAllowedReason, PickScanReason};

fn reject(id: Uuid, reason: &str) -> Op {
    Op::RejectFulfillment { fulfillment_order_id: id, reason: reason.into() }
}

fn id_check_by(id: Uuid, manager: &str, note: &str) -> Op {
    Op::HandOver {
        fulfillment_order_id: id,
        verification: HandOverVerification::IdCheck { manager_id: manager.into(), note: note.into(), approval: None },
    }
}

/// A pickup order at the counter with one unit of SKU-1 reserved.
fn at_counter(fx: &Fx) -> FulfillmentOrder {
    let fo = order(FulfillmentKind::Pickup, FulfillmentState::ReadyForPickup, &[("SKU-1", 1)]);
    fx.put(&[&fo]);
    fo
}

/// What the UI receives for `e` (the shell adds only the English message).
fn ui_view(e: &ReplicaError) -> ErrorView {
    serde_json::from_value(serde_json::to_value(e).unwrap()).unwrap()
}

/// Nothing was queued, the order kept its state and the shelf its stock.
fn nothing_changed(fx: &Fx, fo: &FulfillmentOrder, stock: (i64, i64, i64)) {
    assert_eq!(fx.r.pending_count().unwrap(), 0, "a refused op must not reach the outbox");
    assert!(fx.r.pending_ops(10).unwrap().is_empty());
    assert_eq!(fx.state(fo.id), fo.state);
    assert_eq!(fx.sellable("SKU-1"), stock);
}

#[test]
fn a_rejection_without_a_reason_is_refused() {
    let fx = fixture();
    let fo = order(FulfillmentKind::Pickup, FulfillmentState::Routed, &[("SKU-1", 1)]);
    fx.put(&[&fo]);
    let before = fx.sellable("SKU-1");
    for blank in ["", "   ", "\u{3000} "] {
        let e = fx.perform(reject(fo.id, blank)).unwrap_err();
        assert!(matches!(e, ReplicaError::InvalidInput { field: InputField::Reason, .. }), "{e:?}");
        nothing_changed(&fx, &fo, before);
    }
    fx.perform(reject(fo.id, "店内无货")).unwrap();
    assert_eq!(fx.state(fo.id), FulfillmentState::Rejected);
    assert_eq!(fx.r.pending_count().unwrap(), 1);
}

#[test]
fn an_id_check_needs_a_note_of_four_characters() {
    let fx = fixture();
    let fo = at_counter(&fx);
    let before = fx.sellable("SKU-1");
    for short in ["", "身份证", "  123  "] {
        let e = fx.perform(id_check_by(fo.id, MANAGER, short)).unwrap_err();
        assert!(matches!(e, ReplicaError::InvalidInput { field: InputField::Note, .. }), "{short:?}: {e:?}");
        nothing_changed(&fx, &fo, before);
    }
    fx.perform(id_check_by(fo.id, MANAGER, "身份证 1")).unwrap();
    assert_eq!(fx.state(fo.id), FulfillmentState::PickedUp);
}

#[test]
fn only_an_active_manager_confirms_an_id_check() {
    let fx = fixture();
    let fo = at_counter(&fx);
    let before = fx.sellable("SKU-1");
    for who in [ASSOCIATE, RETIRED, "NOBODY"] {
        let e = fx.perform(id_check_by(fo.id, who, "身份证 1234")).unwrap_err();
        assert_eq!(e, ReplicaError::NotManager { staff_id: who.into() });
        nothing_changed(&fx, &fo, before);
    }
}

#[test]
fn hand_over_with_id_check_proves_the_managers_pin_and_queues_one_hand_over() {
    use shared::approval::{approval_key, verify, Approved};
    let fx = fixture();
    let fo = at_counter(&fx);
    let env = fx.r.hand_over_with_id_check(ASSOCIATE, fo.id, MANAGER, PIN, "  身份证 1234 ", NOW_MS).unwrap();
    assert_eq!(env.staff_id, ASSOCIATE);
    let Op::HandOver { verification: HandOverVerification::IdCheck { manager_id, note, approval }, .. } = &env.op
    else {
        panic!("queued {:?}", env.op);
    };
    assert_eq!((manager_id.as_str(), note.as_str()), (MANAGER, "身份证 1234"), "the note is queued trimmed");
    let key = approval_key(PIN, MANAGER, &format!("{MANAGER}-approval-salt"));
    let what = Approved::IdCheck { fulfillment_order_id: fo.id, manager_id: MANAGER };
    assert!(verify(&key, what, approval.as_deref().expect("an approval")));
    assert_eq!(fx.state(fo.id), FulfillmentState::PickedUp);
    let queued = fx.r.pending_ops(10).unwrap();
    assert_eq!(queued.iter().map(|q| (q.op_id, &q.op)).collect::<Vec<_>>(), [(env.op_id, &env.op)]);
}

#[test]
fn hand_over_with_id_check_refuses_without_queuing() {
    let fx = fixture();
    let fo = at_counter(&fx);
    let before = fx.sellable("SKU-1");
    // An associate named as the manager, with their own right PIN.
    let e = fx.r.hand_over_with_id_check(ASSOCIATE, fo.id, ASSOCIATE, PIN, "身份证 1234", NOW_MS).unwrap_err();
    assert_eq!(e, ReplicaError::NotManager { staff_id: ASSOCIATE.into() });
    nothing_changed(&fx, &fo, before);
    // A short note is refused before the PIN is checked: no try of the manager's is used.
    let e = fx.r.hand_over_with_id_check(ASSOCIATE, fo.id, MANAGER, "0000", "123", NOW_MS).unwrap_err();
    assert!(matches!(e, ReplicaError::InvalidInput { field: InputField::Note, .. }), "{e:?}");
    nothing_changed(&fx, &fo, before);
    let first_wrong = fx.r.hand_over_with_id_check(ASSOCIATE, fo.id, MANAGER, "0000", "身份证 1234", NOW_MS);
    let fresh = fixture();
    let fresh_wrong = fresh.r.login(MANAGER, "0000", NOW_MS);
    assert!(matches!(first_wrong, Err(ReplicaError::WrongPin { .. })), "{first_wrong:?}");
    assert_eq!(first_wrong.unwrap_err(), fresh_wrong.unwrap_err(), "the wrong PIN was the manager's first");
    nothing_changed(&fx, &fo, before);
}

/// The UI translates these by code (and reason or field): the replica's refusals keep
/// the strings it matches.
#[test]
fn refusals_reach_the_ui_as_the_codes_it_translates() {
    let fx = fixture();
    let fo = at_counter(&fx);
    let routed = order(FulfillmentKind::Pickup, FulfillmentState::Routed, &[("SKU-1", 1)]);
    let picking = order(FulfillmentKind::Pickup, FulfillmentState::Picking, &[("SKU-1", 1)]);
    let code = PickupCode::from_entropy([9; 8]);
    let expired = ready_with_code(&code, Utc::now() - Duration::hours(1), &[("SKU-2", 1)]);
    fx.put(&[&routed, &picking, &expired]);

    let v = ui_view(&fx.perform(reject(routed.id, " ")).unwrap_err());
    assert_eq!((v.error, v.field), (ErrorCode::InvalidInput, Some(InputField::Reason)));
    let v = ui_view(&fx.perform(id_check_by(fo.id, MANAGER, "12")).unwrap_err());
    assert_eq!((v.error, v.field), (ErrorCode::InvalidInput, Some(InputField::Note)));
    let v = ui_view(&fx.perform(id_check_by(fo.id, ASSOCIATE, "身份证 1234")).unwrap_err());
    assert_eq!((v.error, v.staff_id.as_deref()), (ErrorCode::NotManager, Some(ASSOCIATE)));

    let not_allowed = |e: ReplicaError| {
        let v = ui_view(&e);
        assert_eq!(v.error, ErrorCode::NotAllowed, "{e:?}");
        v.reason
    };
    let reason = |r| Some(ErrorReason::NotAllowed(r));
    assert_eq!(
        not_allowed(fx.perform(by_code(expired.id, code.reveal())).unwrap_err()),
        reason(NotAllowedReason::PickupCodeExpired)
    );
    assert_eq!(
        not_allowed(fx.perform(by_code(fo.id, "12345678")).unwrap_err()),
        reason(NotAllowedReason::NoPickupCode)
    );
    assert_eq!(
        not_allowed(fx.r.scan_for_pick(routed.id, ean(1).as_str()).unwrap_err()),
        reason(NotAllowedReason::NotPicking)
    );
    let retired = fx.r.perform(RETIRED, accept(routed.id)).unwrap_err();
    assert_eq!(not_allowed(retired), reason(NotAllowedReason::UnknownStaff));

    let scan = |barcode: &str| ui_view(&fx.r.scan_for_pick(picking.id, barcode).unwrap_err());
    let v = scan(ean(2).as_str());
    assert_eq!((v.error, v.reason), (ErrorCode::PickScan, Some(ErrorReason::PickScan(PickScanReason::WrongItem))));
    fx.r.scan_for_pick(picking.id, ean(1).as_str()).unwrap();
    assert_eq!(scan(ean(1).as_str()).reason, Some(ErrorReason::PickScan(PickScanReason::TooMany)));
    assert_eq!(scan("0000").reason, Some(ErrorReason::PickScan(PickScanReason::UnknownBarcode)));
    assert_eq!(fx.r.pending_count().unwrap(), 0);
}
