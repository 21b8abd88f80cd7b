//! The endless aisle on the device: finding a style, its grid with this store's stock and
//! the stored snapshot, placing an order (customer rule, lease check), HQ's answer reaching
//! the record and the inbox, and following the order's status.

use super::*;
use shared::aisle::{PlacedFulfillment, PlacedOrderStatus, ShelfCheck};
use shared::app::aisle::{AisleDelivery, AisleLine, AisleOrderInput, PlacedState};
use shared::app::InputField;
use shared::catalogue::Style;
use shared::order::OrderStatus;
use shared::protocol::NetworkAvailability;

fn style() -> Style {
    Style { code: "ST-1".into(), name: "跑鞋 Runner".into(), category: "shoes".into(), list_price: Fen(59_900) }
}

fn node(code: &str, kind: NodeKind, pickup: bool) -> Node {
    Node {
        code: code.into(),
        name: format!("{code} name"),
        kind,
        capabilities: Capabilities { ship: true, pickup, same_city: false },
        ..store_node()
    }
}

/// The fixture with the style, a red colour, other nodes and a network snapshot.
fn aisle() -> Fx {
    let fx = fixture();
    let mut red = sku(4);
    red.colour = "红".into();
    red.size = "39".into();
    fx.r.apply_pull(&page(vec![
        Change::Style(style()),
        Change::Sku(red),
        Change::Node(node("STORE-B", NodeKind::FranchiseStore, true)),
        Change::Node(node("STORE-C", NodeKind::DirectStore, false)),
        Change::Node(node("WH-1", NodeKind::CentralWarehouse, false)),
    ]))
    .unwrap();
    // SKU-4: four on the shelf, but HQ keeps only one as safety stock, so the lease is one.
    let thin = StockRecord { safety: 1, lease: 1, ..stock("SKU-4", Quality::Sellable, 4, 0) };
    fx.r.apply_pull(&page(vec![Change::Stock(thin)])).unwrap();
    let snapshot = [("SKU-1", 40), ("SKU-2", 7), ("SKU-3", 12)]
        .map(|(s, n)| NetworkAvailability { sku_code: s.into(), available: n });
    fx.r.replace_availability(&snapshot, NOW_MS - 60_000).unwrap();
    fx
}

fn input(sku: &str, qty: i64, delivery: AisleDelivery) -> AisleOrderInput {
    AisleOrderInput {
        lines: vec![AisleLine { sku_code: sku.into(), qty }],
        delivery,
        customer_name: " 张三 ".into(),
        customer_phone: "+86 138-1234-5678".into(),
        payment_ref: "POS-0001".into(),
    }
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

impl Fx {
    fn place(&self, input: &AisleOrderInput) -> crate::Result<shared::app::aisle::PlacedOrderView> {
        self.r.place_order(ASSOCIATE, input, Uuid::now_v7(), at(NOW_MS))
    }

    fn cell_here(&self, sku: &str) -> i64 {
        let grid = self.r.style_grid("ST-1").unwrap();
        grid.cells.iter().find(|c| c.sku_code == sku).unwrap().here
    }
}

#[test]
fn a_scan_a_sku_code_a_style_code_or_a_name_finds_the_style() {
    let fx = aisle();
    let by_scan = fx.r.search_styles(&format!(" {} ", ean(2).as_str())).unwrap();
    assert_eq!(by_scan.len(), 1);
    assert_eq!((by_scan[0].style_code.as_str(), by_scan[0].matched_sku.as_deref()), ("ST-1", Some("SKU-2")));
    assert_eq!(by_scan[0].skus, 4);
    assert_eq!(fx.r.search_styles("sku-3").unwrap()[0].matched_sku.as_deref(), Some("SKU-3"), "SKU codes in any case");
    let by_code = fx.r.search_styles("st-").unwrap();
    assert_eq!((by_code.len(), by_code[0].matched_sku.clone()), (1, None));
    assert_eq!(fx.r.search_styles("Runner").unwrap().len(), 1, "part of the name");
    assert_eq!(fx.r.search_styles("跑鞋").unwrap().len(), 1);
    assert!(fx.r.search_styles("%").unwrap().is_empty(), "a typed % matches only itself");
    assert!(fx.r.search_styles("  ").unwrap().is_empty());
    assert!(fx.r.search_styles(ean(99).as_str()).unwrap().is_empty(), "an unknown barcode finds nothing");
}

#[test]
fn the_grid_shows_this_stores_stock_per_cell_and_the_snapshot_with_its_time() {
    let fx = aisle();
    let grid = fx.r.style_grid("ST-1").unwrap();
    assert_eq!((grid.name.as_str(), grid.list_price), ("跑鞋 Runner", Fen(59_900)));
    assert_eq!(grid.colours, ["黑", "红"], "catalogue order");
    assert_eq!(grid.sizes, ["39", "41", "42", "43"], "smallest first");
    let cell = |code: &str| grid.cells.iter().find(|c| c.sku_code == code).unwrap().clone();
    // SKU-1: 5 on the shelf, 1 reserved for an order: 4 the store can promise.
    assert_eq!((cell("SKU-1").on_hand, cell("SKU-1").here, cell("SKU-1").network), (5, 4, Some(40)));
    assert_eq!((cell("SKU-3").on_hand, cell("SKU-3").here, cell("SKU-3").network), (0, 0, Some(12)));
    assert_eq!(cell("SKU-4").network, None, "not in the snapshot");
    let thin = cell("SKU-4");
    assert_eq!((thin.on_hand, thin.here, thin.lease), (4, 4, 1), "sellable here, but only one safe offline");
    assert_eq!(cell("SKU-2").barcode, ean(2).as_str());
    assert_eq!(grid.snapshot_as_of_ms, Some(NOW_MS - 60_000));
    let (as_of, skus) = fx.r.style_snapshot("ST-1").unwrap();
    assert_eq!(as_of, Some(NOW_MS - 60_000));
    assert_eq!(
        skus.iter().map(|s| (s.sku_code.as_str(), s.network)).collect::<Vec<_>>(),
        [("SKU-1", 40), ("SKU-2", 7), ("SKU-3", 12)]
    );
    assert!(matches!(fx.r.style_grid("NOPE"), Err(ReplicaError::NotFound { .. })));
}

#[test]
fn an_order_collected_here_within_the_lease_is_safe_offline_and_beyond_it_is_warned_but_queued() {
    let fx = aisle();
    // SKU-2: two on the shelf, both free.
    let first = fx.place(&input("SKU-2", 2, AisleDelivery::PickupHere)).unwrap();
    assert_eq!(first.shelf, ShelfCheck::WithinLease);
    assert_eq!(first.state, PlacedState::Queued);
    assert_eq!(fx.cell_here("SKU-2"), 0, "the queued order uses the lease");
    // A second one finds the lease used up: warned, still queued for HQ to decide.
    let second = fx.place(&input("SKU-2", 1, AisleDelivery::PickupHere)).unwrap();
    assert_eq!(second.shelf, ShelfCheck::BeyondLease { free: 0, wanted: 1 });
    // Shipped, collected elsewhere, or here when the store has none: HQ routes it.
    let shipped = fx.place(&input("SKU-1", 1, AisleDelivery::Ship { address: "上海市静安区1号".into() })).unwrap();
    assert_eq!(shipped.shelf, ShelfCheck::Network);
    let elsewhere =
        fx.place(&input("SKU-1", 1, AisleDelivery::PickupElsewhere { store_code: "STORE-B".into() })).unwrap();
    assert_eq!(elsewhere.shelf, ShelfCheck::Network);
    let lacking = fx.place(&input("SKU-3", 1, AisleDelivery::PickupHere)).unwrap();
    assert_eq!(lacking.shelf, ShelfCheck::Network);
    // On the shelf, but beyond what the lease covers.
    let thin = fx.place(&input("SKU-4", 2, AisleDelivery::PickupHere)).unwrap();
    assert_eq!(thin.shelf, ShelfCheck::BeyondLease { free: 1, wanted: 2 });
    assert_eq!(fx.r.pending_count().unwrap(), 6, "every order is queued");
    // The op carries what HQ needs; the record keeps the phone masked.
    let ops = fx.r.pending_ops(10).unwrap();
    match &ops[0].op {
        Op::PlaceOrder { order_id, fulfillment, customer, lines, pickup_store, payment_ref, carry_out, .. } => {
            assert_eq!(*order_id, first.order_id);
            assert_eq!(*fulfillment, FulfillmentKind::Pickup);
            assert_eq!((customer.name.as_str(), customer.phone.as_str()), ("张三", "13812345678"));
            assert_eq!(
                (lines[0].sku_code.as_str(), lines[0].qty.get(), lines[0].unit_price),
                ("SKU-2", 2, Fen(59_900))
            );
            assert_eq!((pickup_store.as_deref(), payment_ref.as_str(), *carry_out), (None, "POS-0001", false));
        }
        other => panic!("expected PlaceOrder, got {other:?}"),
    }
    match &ops[3].op {
        Op::PlaceOrder { pickup_store, .. } => assert_eq!(pickup_store.as_deref(), Some("STORE-B")),
        other => panic!("expected PlaceOrder, got {other:?}"),
    }
    assert_eq!(first.customer_phone, "138****5678");
    assert_eq!((first.lines[0].name.as_str(), first.lines[0].size.as_str()), ("跑鞋 Runner", "42"));
    // Collecting "elsewhere" at this very store is collecting here.
    let here = fx.place(&input("SKU-1", 1, AisleDelivery::PickupElsewhere { store_code: STORE.into() })).unwrap();
    assert_eq!((here.delivery, here.shelf), (AisleDelivery::PickupHere, ShelfCheck::WithinLease));
    let listed = fx.r.placed_orders().unwrap();
    assert_eq!(listed.len(), 7);
    assert_eq!(listed.last().unwrap().order_id, first.order_id, "newest first");
}

#[test]
fn unusable_input_is_refused_and_queues_nothing() {
    let fx = aisle();
    let field = |r: crate::Result<_>| match r {
        Err(ReplicaError::InvalidInput { field, .. }) => field,
        other => panic!("expected invalid input, got {other:?}"),
    };
    let mut i = input("SKU-1", 1, AisleDelivery::PickupHere);
    i.customer_name = "  ".into();
    assert_eq!(field(fx.place(&i)), InputField::CustomerName);
    i.customer_name = "13812345678".into();
    assert_eq!(field(fx.place(&i)), InputField::CustomerName, "a phone number typed as the name");
    let mut i = input("SKU-1", 1, AisleDelivery::PickupHere);
    i.customer_phone = "5678".into();
    assert_eq!(field(fx.place(&i)), InputField::CustomerPhone);
    let i = input("SKU-1", 1, AisleDelivery::Ship { address: " ".into() });
    assert_eq!(field(fx.place(&i)), InputField::Address);
    let mut i = input("SKU-1", 1, AisleDelivery::PickupHere);
    i.payment_ref = " ".into();
    assert_eq!(field(fx.place(&i)), InputField::PaymentRef);
    i.payment_ref = "P".repeat(65);
    assert_eq!(field(fx.place(&i)), InputField::PaymentRef);
    for store in ["WH-1", "STORE-C", "NOWHERE"] {
        let e = fx.place(&input("SKU-1", 1, AisleDelivery::PickupElsewhere { store_code: store.into() })).unwrap_err();
        assert_eq!(reason(&e), "invalid_pickup_store", "{store}");
    }
    let e = fx.place(&input("SKU-1", 0, AisleDelivery::PickupHere)).unwrap_err();
    assert_eq!(reason(&e), "invalid_qty");
    let mut none = input("SKU-1", 1, AisleDelivery::PickupHere);
    none.lines.clear();
    assert_eq!(reason(&fx.place(&none).unwrap_err()), "no_lines");
    assert!(matches!(fx.place(&input("SKU-9", 1, AisleDelivery::PickupHere)), Err(ReplicaError::NotFound { .. })));
    let e = fx.r.place_order(RETIRED, &input("SKU-1", 1, AisleDelivery::PickupHere), Uuid::now_v7(), at(NOW_MS));
    assert_eq!(reason(&e.unwrap_err()), "unknown_staff");
    assert_eq!(fx.r.pending_count().unwrap(), 0);
    assert!(fx.r.placed_orders().unwrap().is_empty());
}

#[test]
fn hqs_answer_confirms_or_refuses_the_order_and_a_refusal_reaches_the_inbox() {
    let fx = aisle();
    let kept = fx.place(&input("SKU-2", 1, AisleDelivery::PickupHere)).unwrap();
    let refused = fx.place(&input("SKU-2", 1, AisleDelivery::PickupHere)).unwrap();
    assert_eq!(fx.cell_here("SKU-2"), 0);
    let ops = fx.r.pending_ops(10).unwrap();
    fx.r.record_push_results(
        &[
            result(ops[0].op_id, ops[0].device_seq, OpOutcome::Applied),
            result(ops[1].op_id, ops[1].device_seq, rejected("insufficient_stock")),
        ],
        NOW_MS + 5,
    )
    .unwrap();
    let kept = fx.r.placed_order(kept.order_id).unwrap().unwrap();
    assert_eq!((kept.state, kept.answered_ms), (PlacedState::Confirmed, Some(NOW_MS + 5)));
    let refused = fx.r.placed_order(refused.order_id).unwrap().unwrap();
    assert!(matches!(&refused.state, PlacedState::Refused { code, .. } if code == "insufficient_stock"), "{refused:?}");
    let inbox = fx.r.inbox().unwrap();
    assert_eq!(inbox.len(), 1, "only the refusal");
    assert_eq!((inbox[0].kind.as_str(), inbox[0].status.as_str()), ("PlaceOrder", "rejected"));
    assert_eq!(
        (inbox[0].op_id.as_str(), inbox[0].code.as_str()),
        (refused.op_id.to_string().as_str(), "insufficient_stock")
    );
    assert_eq!(fx.r.pending_count().unwrap(), 0);
    // Neither order holds the lease any more: the confirmed one is HQ's reservation now.
    assert_eq!(fx.cell_here("SKU-2"), 2);
    // An answer arriving again changes nothing.
    fx.r.record_push_results(&[result(ops[1].op_id, ops[1].device_seq, OpOutcome::Applied)], NOW_MS + 9).unwrap();
    assert!(matches!(fx.r.placed_order(refused.order_id).unwrap().unwrap().state, PlacedState::Refused { .. }));
}

fn status(order_id: Uuid, status: OrderStatus, tracking: Option<&str>) -> PlacedOrderStatus {
    PlacedOrderStatus {
        order_id,
        status,
        unrouted: 0,
        fulfillments: vec![PlacedFulfillment {
            node_code: "WH-1".into(),
            node_name: "WH-1 name".into(),
            kind: FulfillmentKind::Ship,
            state: if tracking.is_some() { FulfillmentState::Dispatched } else { FulfillmentState::Routed },
            lines: vec![("SKU-3".into(), 1)],
            carrier: tracking.map(|_| "SF".into()),
            tracking_no: tracking.map(String::from),
        }],
        as_of: at(NOW_MS),
    }
}

#[test]
fn confirmed_orders_are_followed_until_they_close_and_at_most_once_a_minute() {
    let fx = aisle();
    let ship = AisleDelivery::Ship { address: "杭州市西湖区1号".into() };
    let a = fx.place(&input("SKU-3", 1, ship.clone())).unwrap();
    let b = fx.place(&input("SKU-3", 1, ship.clone())).unwrap();
    let c = fx.place(&input("SKU-3", 1, ship)).unwrap();
    assert!(fx.r.placed_orders_to_follow(NOW_MS, 10).unwrap().is_empty(), "queued orders are not asked about");
    let ops = fx.r.pending_ops(10).unwrap();
    fx.r.record_push_results(
        &[
            result(ops[0].op_id, ops[0].device_seq, OpOutcome::Applied),
            result(ops[1].op_id, ops[1].device_seq, OpOutcome::Applied),
            result(ops[2].op_id, ops[2].device_seq, rejected("insufficient_stock")),
        ],
        NOW_MS,
    )
    .unwrap();
    assert_eq!(fx.r.placed_orders_to_follow(NOW_MS, 10).unwrap(), [a.order_id, b.order_id], "refused ones are not");
    assert_eq!(fx.r.placed_orders_to_follow(NOW_MS, 1).unwrap(), [a.order_id], "bounded");
    fx.r.record_placed_status(&status(a.order_id, OrderStatus::Routed, Some("SF123")), NOW_MS).unwrap();
    fx.r.mark_placed_checked(b.order_id, NOW_MS).unwrap();
    assert!(fx.r.placed_orders_to_follow(NOW_MS + 59_999, 10).unwrap().is_empty(), "asked a moment ago");
    assert_eq!(fx.r.placed_orders_to_follow(NOW_MS + 60_000, 10).unwrap().len(), 2);
    let followed = fx.r.placed_order(a.order_id).unwrap().unwrap();
    let s = followed.status.unwrap();
    assert_eq!(
        (s.fulfillments[0].node_name.as_str(), s.fulfillments[0].tracking_no.as_deref()),
        ("WH-1 name", Some("SF123"))
    );
    assert_eq!(followed.status_ms, Some(NOW_MS));
    fx.r.record_placed_status(&status(a.order_id, OrderStatus::Completed, Some("SF123")), NOW_MS + 1).unwrap();
    assert_eq!(fx.r.placed_orders_to_follow(NOW_MS + 120_000, 10).unwrap(), [b.order_id], "completed: no longer asked");
    let _ = c;
}
