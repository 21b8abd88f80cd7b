//! Look-ups, task counts and stock facts: barcodes, counts per state, stock counts and
//! returns.

use super::*;

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
        order_id: Some(Uuid::now_v7()),
        order_ref: None,
        lines: vec![
            ReturnLine {
                sku_code: "SKU-1".into(),
                qty: Qty::new(1).unwrap(),
                condition: ReturnCondition::Resaleable,
                line_no: None,
                reason: Default::default(),
                note: String::new(),
            },
            ReturnLine {
                sku_code: "SKU-2".into(),
                qty: Qty::new(2).unwrap(),
                condition: ReturnCondition::Damaged,
                line_no: None,
                reason: Default::default(),
                note: String::new(),
            },
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
