//! Hand-over at the counter: by pickup code (checked locally) or by ID check.

use super::*;

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
