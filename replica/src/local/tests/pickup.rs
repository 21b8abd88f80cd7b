//! Pickup codes, pickup passes and managers' approvals, verified offline.

use super::*;

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
