//! Ship from store on the device: packing into parcels, asking for a courier offline, HQ's
//! booking replacing the queued one, and the hand-over checks.

use super::*;
use shared::courier::{
    BookingStatus, CourierBooking, CourierCheck, CourierMethod, ExpressService, KnownCarrier, LabelParty, Parcel,
    Rider, ShippingLabel,
};

/// A ship order picked in full (2 × SKU-1, 1 × SKU-2) and packed.
fn picked_ship_order(kind: FulfillmentKind) -> FulfillmentOrder {
    let mut fo = order(kind, FulfillmentState::Packed, &[("SKU-1", 2), ("SKU-2", 1)]);
    for l in &mut fo.lines {
        l.picked_qty = Some(l.qty);
    }
    fo
}

fn barcode(i: u64) -> String {
    ean(i).as_str().to_string()
}

/// Packs `fo` into two weighed parcels: SKU-1 in the first, SKU-1 and SKU-2 in the second.
fn pack_two(fx: &Fx, fo: &FulfillmentOrder) {
    fx.r.pack_scan(fo.id, 1, &barcode(1)).unwrap();
    fx.r.pack_scan(fo.id, 2, &barcode(1)).unwrap();
    fx.r.pack_put(fo.id, 2, 2, 1).unwrap();
    fx.r.set_parcel_weight(fo.id, 1, 800).unwrap();
    fx.r.set_parcel_weight(fo.id, 2, 1_250).unwrap();
}

/// HQ's booking for the device's request `id`, as a pull brings it.
fn hq_booking(fo: &FulfillmentOrder, id: Uuid, status: BookingStatus) -> CourierBooking {
    let party = |name: &str| LabelParty { name: name.into(), phone: "138****5678".into(), address: "上海".into() };
    let label = |n: u32, waybill: &str| ShippingLabel {
        parcel_no: n,
        parcel_count: 2,
        waybill_no: waybill.into(),
        master_waybill_no: "SF1000000000001".into(),
        carrier: "顺丰速运".into(),
        service: ExpressService::Priority,
        dest_route_label: "021WA".into(),
        pro_code: "T4".into(),
        two_dimension_code: None,
        sender: party("Store A"),
        recipient: party("王*"),
        weight_g: 800,
        reference: fo.channel_order_id.clone(),
    };
    CourierBooking {
        id,
        fulfillment_order_id: fo.id,
        method: CourierMethod::Express,
        service: ExpressService::Priority,
        platform: "sf_express".into(),
        attempt: 1,
        platform_order_no: Some("SF-ORDER-1".into()),
        status,
        problem: None,
        problem_detail: None,
        fee: Fen(2_300),
        tip: Fen(0),
        penalty: Fen(0),
        distance_m: None,
        rider: None,
        rider_code: None,
        eta: None,
        parcels: vec![
            Parcel {
                parcel_no: 1,
                weight_g: 800,
                lines: vec![shared::courier::ParcelLine { line_no: 1, qty: Qty::new(1).unwrap() }],
                waybill_no: Some("SF1000000000001".into()),
            },
            Parcel {
                parcel_no: 2,
                weight_g: 1_250,
                lines: vec![
                    shared::courier::ParcelLine { line_no: 1, qty: Qty::new(1).unwrap() },
                    shared::courier::ParcelLine { line_no: 2, qty: Qty::new(1).unwrap() },
                ],
                waybill_no: Some("SF1000000000002".into()),
            },
        ],
        labels: vec![label(1, "SF1000000000001"), label(2, "SF1000000000002")],
        updated_at: Utc::now(),
    }
}

/// A same-city booking with a rider who accepted (or is at the store) and their code.
fn rider_booking(fo: &FulfillmentOrder, id: Uuid, status: BookingStatus) -> CourierBooking {
    CourierBooking {
        method: CourierMethod::SameCity,
        service: ExpressService::Standard,
        platform: "dada".into(),
        platform_order_no: Some("DD-1".into()),
        fee: Fen(1_200),
        distance_m: Some(3_400),
        rider: Some(Rider { name: "李师傅".into(), phone: "13900001111".into(), position: None }),
        rider_code: Some("4821".into()),
        eta: Some(Utc::now() + Duration::minutes(12)),
        labels: Vec::new(),
        ..hq_booking(fo, id, status)
    }
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

#[test]
fn parcels_are_packed_by_scan_and_tap_and_survive_a_reopen() {
    let fx = fixture();
    let fo = picked_ship_order(FulfillmentKind::Ship);
    fx.put(&[&fo]);
    let empty = fx.r.packing(fo.id).unwrap();
    assert!(empty.parcels.is_empty());
    assert_eq!(empty.picked(), vec![(1, 2), (2, 1)]);

    pack_two(&fx, &fo);
    // Wrong item, unknown barcode, one too many: refused, nothing changes.
    let wrong = fx.r.pack_scan(fo.id, 1, &barcode(3)).unwrap_err();
    assert!(matches!(wrong, ReplicaError::PickScan(shared::pick::PickScanError::WrongItem { .. })), "{wrong:?}");
    let unknown = fx.r.pack_scan(fo.id, 1, "6900000000000").unwrap_err();
    assert!(matches!(unknown, ReplicaError::PickScan(shared::pick::PickScanError::UnknownBarcode { .. })));
    assert_eq!(reason(&fx.r.pack_scan(fo.id, 1, &barcode(1)).unwrap_err()), "all_packed");
    assert_eq!(reason(&fx.r.pack_put(fo.id, 1, 2, 1).unwrap_err()), "all_packed");
    assert_eq!(reason(&fx.r.pack_scan(fo.id, 9, &barcode(1)).unwrap_err()), "parcel_not_found");
    assert_eq!(reason(&fx.r.set_parcel_weight(fo.id, 1, 0).unwrap_err()), "parcels_invalid");
    assert_eq!(reason(&fx.r.set_parcel_weight(fo.id, 1, 50_001).unwrap_err()), "parcels_invalid");

    // The app is killed: the packing is still there.
    let before = fx.r.packing(fo.id).unwrap();
    let reopened = Replica::open(&fx.path).unwrap();
    let after = reopened.packing(fo.id).unwrap();
    assert_eq!(after.parcels, before.parcels);
    assert_eq!(after.parcels.len(), 2);
    assert_eq!((after.parcels[0].weight_g, after.parcels[1].weight_g), (800, 1_250));
    assert_eq!(after.lines.iter().map(|l| l.packed).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(shared::courier::check_parcels(&after.picked(), &after.parcels), Ok(()));

    // Taking a unit out and removing a parcel unpack its units; the rest move up.
    let out = reopened.pack_put(fo.id, 2, 2, -1).unwrap();
    assert_eq!(out.lines[1].packed, 0);
    let removed = reopened.remove_parcel(fo.id, 1).unwrap();
    assert_eq!(removed.parcels.len(), 1);
    assert_eq!(removed.parcels[0].weight_g, 1_250);
    assert_eq!(removed.lines.iter().map(|l| l.packed).collect::<Vec<_>>(), [1, 0]);

    // A pickup order is not packed into parcels.
    let pickup = order(FulfillmentKind::Pickup, FulfillmentState::Packed, &[("SKU-1", 1)]);
    fx.put(&[&pickup]);
    assert_eq!(reason(&fx.r.pack_scan(pickup.id, 1, &barcode(1)).unwrap_err()), "not_packing");
}

#[test]
fn parcels_must_hold_exactly_the_picked_units_before_a_courier_is_asked() {
    let fx = fixture();
    let fo = picked_ship_order(FulfillmentKind::Ship);
    fx.put(&[&fo]);
    let ask = |fx: &Fx| fx.r.request_courier(ASSOCIATE, fo.id, CourierMethod::Express, ExpressService::Standard, now());
    assert_eq!(reason(&ask(&fx).unwrap_err()), "parcels_invalid", "no parcels");
    fx.r.pack_scan(fo.id, 1, &barcode(1)).unwrap();
    fx.r.pack_scan(fo.id, 1, &barcode(1)).unwrap();
    fx.r.set_parcel_weight(fo.id, 1, 900).unwrap();
    let e = ask(&fx).unwrap_err();
    assert_eq!(reason(&e), "parcels_invalid");
    assert!(e.to_string().contains("parcels_mismatch"), "{e}");
    fx.r.pack_scan(fo.id, 2, &barcode(2)).unwrap();
    let e = ask(&fx).unwrap_err();
    assert!(e.to_string().contains("parcel_weight_invalid"), "parcel 2 not weighed: {e}");
    assert_eq!(fx.r.pending_count().unwrap(), 0, "nothing queued");
    assert_eq!(fx.state(fo.id), FulfillmentState::Packed);

    // Same-city only where HQ offers it.
    fx.r.set_parcel_weight(fo.id, 2, 300).unwrap();
    let e = fx.r.request_courier(ASSOCIATE, fo.id, CourierMethod::SameCity, ExpressService::Standard, now());
    assert_eq!(reason(&e.unwrap_err()), "same_city_not_offered");
    let mut offered = fo.clone();
    offered.same_city_offered = true;
    offered.version = 2;
    fx.put(&[&offered]);
    fx.r.request_courier(ASSOCIATE, fo.id, CourierMethod::SameCity, ExpressService::Standard, now()).unwrap();
    assert_eq!(fx.state(fo.id), FulfillmentState::AwaitingCourier);
}

#[test]
fn a_courier_asked_for_offline_is_queued_then_replaced_by_hqs_booking() {
    let fx = fixture();
    let fo = picked_ship_order(FulfillmentKind::Ship);
    fx.put(&[&fo]);
    pack_two(&fx, &fo);
    let env = fx.r.request_courier(ASSOCIATE, fo.id, CourierMethod::Express, ExpressService::Priority, now()).unwrap();
    let Op::RequestCourier { delivery: Some(d), .. } = &env.op else { panic!("{:?}", env.op) };
    assert_eq!(d.parcels.len(), 2);
    assert_eq!(d.booking_id.get_version_num(), 7);

    // Offline: the order waits for the courier with a queued booking holding the parcels.
    let view = fx.r.courier_view(fo.id).unwrap();
    assert_eq!(view.order.state, FulfillmentState::AwaitingCourier);
    assert_eq!(view.pending_ops, 1);
    let queued = view.order.courier.expect("a queued booking");
    assert_eq!(
        (queued.id, queued.status, queued.method),
        (d.booking_id, BookingStatus::Queued, CourierMethod::Express)
    );
    assert_eq!(queued.parcels.iter().map(|p| p.weight_g).collect::<Vec<_>>(), [800, 1_250]);
    assert!(queued.platform.is_empty() && queued.labels.is_empty());
    // Asking again while it is queued is refused.
    let again = fx.r.request_courier(ASSOCIATE, fo.id, CourierMethod::Express, ExpressService::Standard, now());
    assert_eq!(reason(&again.unwrap_err()), "courier_already_booked");

    // Back online: HQ booked it; a pull brings HQ's booking before the push's answer is
    // recorded: HQ's booking stands, the request is not applied a second time.
    let mut booked = fo.clone();
    booked.state = FulfillmentState::AwaitingCourier;
    booked.version = 3;
    booked.courier = Some(hq_booking(&fo, d.booking_id, BookingStatus::Dispatching));
    fx.put(&[&booked]);
    let local = fx.r.fulfillment_order(fo.id).unwrap().unwrap();
    assert_eq!(local.courier.as_ref().map(|b| b.status), Some(BookingStatus::Dispatching));
    assert_eq!(local.courier.as_ref().map(|b| b.labels.len()), Some(2));
    fx.r.record_push_results(&[result(env.op_id, env.device_seq, OpOutcome::Applied)], NOW_MS).unwrap();
    fx.put(&[&booked]);
    let view = fx.r.courier_view(fo.id).unwrap();
    assert_eq!(view.pending_ops, 0);
    assert_eq!(view.order.courier, booked.courier);

    // Hand-over by scanning a label: another waybill is refused, the booking's is taken.
    let wrong = Op::HandOverToCourier {
        fulfillment_order_id: fo.id,
        check: CourierCheck::Waybill { waybill_no: "SF9999999999999".into() },
    };
    assert_eq!(reason(&fx.perform(wrong).unwrap_err()), "waybill_mismatch");
    let before = fx.sellable("SKU-1");
    fx.r.hand_over_to_courier(
        ASSOCIATE,
        fo.id,
        CourierCheck::Waybill { waybill_no: " sf1000000000002 ".into() },
        now(),
    )
    .unwrap();
    assert_eq!(fx.state(fo.id), FulfillmentState::Dispatched);
    assert_eq!(fx.sellable("SKU-1").0, before.0 - 2, "the units left the store's stock");
    let n: i64 = fx.r.db().query_row("SELECT COUNT(*) FROM pack_parcel", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 0, "the packing record goes with the parcels");
}

#[test]
fn a_hand_over_with_the_wrong_rider_code_is_refused_on_the_device() {
    let fx = fixture();
    let mut fo = picked_ship_order(FulfillmentKind::SameCity);
    fo.same_city_offered = true;
    fx.put(&[&fo]);
    fx.r.pack_scan(fo.id, 1, &barcode(1)).unwrap();
    fx.r.pack_scan(fo.id, 1, &barcode(1)).unwrap();
    fx.r.pack_scan(fo.id, 1, &barcode(2)).unwrap();
    fx.r.set_parcel_weight(fo.id, 1, 1_500).unwrap();
    let env = fx.r.request_courier(ASSOCIATE, fo.id, CourierMethod::SameCity, ExpressService::Standard, now()).unwrap();
    let Op::RequestCourier { delivery: Some(d), .. } = &env.op else { panic!() };
    let code = |c: &str| CourierCheck::RiderCode { code: c.into() };
    assert_eq!(
        reason(&fx.r.hand_over_to_courier(ASSOCIATE, fo.id, code("4821"), now()).unwrap_err()),
        "no_rider_code",
        "the rider's code has not arrived yet"
    );
    fx.r.record_push_results(&[result(env.op_id, env.device_seq, OpOutcome::Applied)], NOW_MS).unwrap();
    let mut booked = fo.clone();
    booked.state = FulfillmentState::AwaitingCourier;
    booked.version = 2;
    booked.courier = Some(rider_booking(&fo, d.booking_id, BookingStatus::Arrived));
    fx.put(&[&booked]);

    // The rider is at the store: announced once per booking.
    let first = fx.r.rider_arrivals(NOW_MS).unwrap();
    assert_eq!(first.new.len(), 1);
    assert_eq!(first.new[0].rider_name, "李师傅");
    let second = fx.r.rider_arrivals(NOW_MS + 1).unwrap();
    assert_eq!((second.waiting.len(), second.new.len()), (1, 0));

    let wrong = fx.r.hand_over_to_courier(ASSOCIATE, fo.id, code("0000"), now()).unwrap_err();
    assert_eq!(reason(&wrong), "rider_code_mismatch");
    assert_eq!(fx.r.pending_count().unwrap(), 0, "nothing queued");
    assert_eq!(fx.state(fo.id), FulfillmentState::AwaitingCourier);
    let env = fx.r.hand_over_to_courier(ASSOCIATE, fo.id, code(" 4821 "), now()).unwrap();
    assert_eq!(env.op, Op::HandOverToCourier { fulfillment_order_id: fo.id, check: code("4821") });
    assert_eq!(fx.state(fo.id), FulfillmentState::Dispatched);
    assert_eq!(
        fx.r.fulfillment_order(fo.id).unwrap().unwrap().courier.map(|b| b.status),
        Some(BookingStatus::Collected)
    );
}

#[test]
fn after_no_rider_is_found_the_store_asks_again_with_the_same_parcels() {
    let fx = fixture();
    let mut fo = picked_ship_order(FulfillmentKind::SameCity);
    fo.same_city_offered = true;
    fo.state = FulfillmentState::AwaitingCourier;
    let mut ended = rider_booking(&fo, Uuid::now_v7(), BookingStatus::Expired);
    ended.problem = Some(shared::courier::BookingProblem::NoRiderFound);
    ended.attempt = 3;
    fo.courier = Some(ended);
    fx.put(&[&fo]);
    let packing = fx.r.packing(fo.id).unwrap();
    assert_eq!(packing.parcels.len(), 2, "the booking's parcels, as packed");
    let env = fx.r.request_courier(ASSOCIATE, fo.id, CourierMethod::Express, ExpressService::Standard, now()).unwrap();
    let local = fx.r.fulfillment_order(fo.id).unwrap().unwrap().courier.unwrap();
    let Op::RequestCourier { delivery: Some(d), .. } = env.op else { panic!() };
    assert_eq!((local.id, local.method, local.attempt), (d.booking_id, CourierMethod::Express, 4));
    assert_eq!(local.status, BookingStatus::Queued);

    // A booking HQ could not place (no platform for the store) waits queued at HQ: the
    // store may ask again (another way), which HQ takes in its place.
    let mut unplaced = picked_ship_order(FulfillmentKind::Ship);
    unplaced.state = FulfillmentState::AwaitingCourier;
    let mut waiting = hq_booking(&unplaced, Uuid::now_v7(), BookingStatus::Queued);
    waiting.problem = Some(shared::courier::BookingProblem::NotConfigured);
    waiting.labels.clear();
    unplaced.courier = Some(waiting.clone());
    fx.put(&[&unplaced]);
    fx.r.record_manual_courier(ASSOCIATE, unplaced.id, KnownCarrier::Yto, "YT1234567890123", now()).unwrap();
    assert_eq!(fx.state(unplaced.id), FulfillmentState::Dispatched);
    // One under way at a platform is not replaced.
    let mut busy = picked_ship_order(FulfillmentKind::Ship);
    busy.state = FulfillmentState::AwaitingCourier;
    busy.courier = Some(hq_booking(&busy, Uuid::now_v7(), BookingStatus::Dispatching));
    fx.put(&[&busy]);
    let again = fx.r.request_courier(ASSOCIATE, busy.id, CourierMethod::Express, ExpressService::Standard, now());
    assert_eq!(reason(&again.unwrap_err()), "courier_already_booked");
    assert_eq!(reason(&fx.r.pack_scan(busy.id, 1, &barcode(1)).unwrap_err()), "not_packing");
}

#[test]
fn a_carrier_booked_by_hand_needs_a_tracking_number_in_its_format() {
    let fx = fixture();
    let fo = picked_ship_order(FulfillmentKind::Ship);
    fx.put(&[&fo]);
    pack_two(&fx, &fo);
    let e = fx.r.record_manual_courier(ASSOCIATE, fo.id, KnownCarrier::SfExpress, "SF123", now()).unwrap_err();
    assert_eq!(reason(&e), "tracking_no_invalid");
    assert_eq!(fx.r.pending_count().unwrap(), 0);
    fx.r.record_manual_courier(ASSOCIATE, fo.id, KnownCarrier::Zto, " 731234567890 ", now()).unwrap();
    let ops = fx.r.pending_ops(10).unwrap();
    assert_eq!(ops.iter().map(|e| e.op.kind()).collect::<Vec<_>>(), ["RequestCourier", "RecordTracking"]);
    let Op::RecordTracking { carrier, tracking_no, .. } = &ops[1].op else { panic!() };
    assert_eq!((carrier.as_str(), tracking_no.as_str()), ("zto", "731234567890"));
    let local = fx.r.fulfillment_order(fo.id).unwrap().unwrap();
    assert_eq!(local.state, FulfillmentState::Dispatched);
    let b = local.courier.unwrap();
    assert_eq!((b.method, b.platform.as_str(), b.status), (CourierMethod::Manual, "zto", BookingStatus::Collected));

    // An express booking is handed over, not given a tracking number by hand.
    let other = picked_ship_order(FulfillmentKind::Ship);
    let mut waiting = other.clone();
    waiting.state = FulfillmentState::AwaitingCourier;
    waiting.courier = Some(hq_booking(&other, Uuid::now_v7(), BookingStatus::Dispatching));
    fx.put(&[&waiting]);
    let op = Op::RecordTracking {
        fulfillment_order_id: other.id,
        carrier: "sf_express".into(),
        tracking_no: "SF1000000000001".into(),
    };
    assert_eq!(reason(&fx.perform(op).unwrap_err()), "not_manual_booking");
}
