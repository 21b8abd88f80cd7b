//! The online side of the endless aisle against the scripted server: live availability or
//! the snapshot with why, an order pushed at once and confirmed (with where it ships from)
//! or refused with alternatives, "not yet confirmed" offline and HQ's answer at the next
//! sync (a refusal in the inbox), and the bounded status refresh in the sync round.

use super::fake::*;
use crate::error::ReplicaError;
use crate::sync::aisle::{AvailabilityRead, PLACED_CHECKS_PER_ROUND};
use crate::sync::transport::Failure;
use shared::aisle::{NodeAvailability, PlacedOrderStatus, SkuAvailability, StyleAvailability};
use shared::app::aisle::{AisleDelivery, AisleLine, AisleOrderInput, PlacedState};
use shared::catalogue::{Sku, Style};
use shared::ean13::Ean13;
use shared::node::NodeKind;
use shared::order::OrderStatus;
use shared::protocol::{Change, NetworkAvailability, StockRecord};
use shared::stock::Quality;
use shared::Fen;
use std::time::Duration;

fn ean(n: u8) -> Ean13 {
    let mut d = [6, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    d[11] = n;
    Ean13::from_first12(d)
}

fn sku(code: &str, size: &str, n: u8) -> Sku {
    Sku {
        code: code.into(),
        style_code: "ST".into(),
        barcode: ean(n),
        colour: "黑".into(),
        size: size.into(),
        list_price: Fen(19_900),
    }
}

/// The device knows the style, its two sizes and three units of M on its shelf.
fn with_catalogue(fx: &Fx) {
    let style = Style { code: "ST".into(), name: "T 恤".into(), category: "tops".into(), list_price: Fen(19_900) };
    let stock = StockRecord {
        sku_code: "ST-BLK-M".into(),
        quality: Quality::Sellable,
        on_hand: 3,
        reserved: 0,
        safety: 100,
        locked: 0,
        lease: 3,
    };
    let changes = vec![
        Change::Style(style),
        Change::Sku(sku("ST-BLK-M", "M", 1)),
        Change::Sku(sku("ST-BLK-L", "L", 2)),
        Change::Stock(stock),
    ];
    fx.replica.apply_pull(&page("c1", false, changes)).unwrap();
}

fn live(fx: &Fx) -> StyleAvailability {
    let node = NodeAvailability {
        node_code: "STORE-N".into(),
        name: "Nearby".into(),
        kind: NodeKind::DirectStore,
        city: "上海".into(),
        distance_m: 1_200,
        available: 2,
        pickup: true,
    };
    StyleAvailability {
        style_code: "ST".into(),
        name: "T 恤".into(),
        as_of: fx.clock.now(),
        skus: vec![
            SkuAvailability {
                sku_code: "ST-BLK-M".into(),
                colour: "黑".into(),
                size: "M".into(),
                here: 3,
                network: 9,
                nodes: vec![],
            },
            SkuAvailability {
                sku_code: "ST-BLK-L".into(),
                colour: "黑".into(),
                size: "L".into(),
                here: 0,
                network: 2,
                nodes: vec![node],
            },
        ],
    }
}

fn ship_l() -> AisleOrderInput {
    AisleOrderInput {
        lines: vec![AisleLine { sku_code: "ST-BLK-L".into(), qty: 1 }],
        delivery: AisleDelivery::Ship { address: "上海市静安区南京西路1号".into() },
        customer_name: "李四".into(),
        customer_phone: "13900001111".into(),
        payment_ref: "POS-77".into(),
    }
}

fn status(as_of: chrono::DateTime<chrono::Utc>, order_id: uuid::Uuid, tracking: Option<&str>) -> PlacedOrderStatus {
    PlacedOrderStatus {
        order_id,
        status: OrderStatus::Routed,
        unrouted: 0,
        fulfillments: vec![shared::aisle::PlacedFulfillment {
            node_code: "STORE-N".into(),
            node_name: "Nearby".into(),
            kind: shared::fulfillment::FulfillmentKind::Ship,
            state: shared::fulfillment::FulfillmentState::Routed,
            lines: vec![("ST-BLK-L".into(), 1)],
            carrier: None,
            tracking_no: tracking.map(String::from),
        }],
        as_of,
    }
}

fn offline() -> Failure {
    Failure::Network { message: "connection refused".into() }
}

#[tokio::test]
async fn availability_is_read_live_online_and_from_the_snapshot_with_why_otherwise() {
    let fx = Fx::enrolled();
    with_catalogue(&fx);
    fx.server.set_style_availability("ST", Ok(live(&fx)));
    match fx.engine.style_availability("ST").await.unwrap() {
        AvailabilityRead::Live(a) => assert_eq!(a, live(&fx)),
        other => panic!("expected a live read, got {other:?}"),
    }
    assert!(fx.server.calls().contains(&Call::StyleAvailability("ST".into())));

    let as_of = fx.clock.now().timestamp_millis() - 120_000;
    let snapshot = [NetworkAvailability { sku_code: "ST-BLK-L".into(), available: 4 }];
    fx.replica.replace_availability(&snapshot, as_of).unwrap();
    for (failure, code) in [
        (offline(), "offline"),
        (Failure::RateLimited { retry_after: None, code: "rate_limited".into(), message: String::new() }, "server"),
        (not_found("style_not_found"), "server"),
    ] {
        fx.server.set_style_availability("ST", Err(failure));
        match fx.engine.style_availability("ST").await.unwrap() {
            AvailabilityRead::Snapshot { as_of_ms, skus, why } => {
                assert_eq!(as_of_ms, Some(as_of), "the snapshot's own time");
                assert_eq!((skus.len(), skus[0].network), (1, 4));
                assert_eq!(why.code(), code);
            }
            other => panic!("expected the snapshot, got {other:?}"),
        }
    }
    fx.server.set_style_availability("ST", Err(Failure::Revoked));
    assert_eq!(fx.engine.style_availability("ST").await.unwrap_err(), ReplicaError::Revoked);
}

#[tokio::test]
async fn online_an_order_is_pushed_at_once_and_confirmed_with_where_it_ships_from() {
    let fx = Fx::enrolled();
    with_catalogue(&fx);
    let _loop = fx.start_loop();
    settle().await;
    // HQ will know the order under the id the device gave it.
    let (server, at) = (fx.server.clone(), fx.clock.now());
    fx.server.inspect_push(move |req| {
        for op in &req.ops {
            if let shared::protocol::Op::PlaceOrder { order_id, .. } = &op.op {
                server.set_placed_order(*order_id, Ok(status(at, *order_id, None)));
            }
        }
    });
    let outcome = tokio::time::timeout(Duration::from_secs(5), fx.engine.place_order(STAFF, &ship_l(), fx.clock.now()))
        .await
        .expect("the order is answered while the customer waits")
        .unwrap();
    assert_eq!(outcome.order.state, PlacedState::Confirmed);
    assert_eq!(outcome.alternatives, None);
    let shipped_from = outcome.order.status.expect("where it ships from, read at once");
    assert_eq!(shipped_from.fulfillments[0].node_name, "Nearby");
    assert_eq!(fx.server.applied().len(), 1);
    assert_eq!(fx.replica.pending_count().unwrap(), 0);
}

#[tokio::test]
async fn online_a_refused_order_comes_back_with_hqs_reason_and_what_to_offer_instead() {
    let fx = Fx::enrolled();
    with_catalogue(&fx);
    fx.server.set_style_availability("ST", Ok(live(&fx)));
    fx.server.refuse_place_orders(Some(("insufficient_stock", "not enough stock in the network")));
    let _loop = fx.start_loop();
    settle().await;
    let mut order = ship_l();
    order.lines[0].sku_code = "ST-BLK-M".into();
    order.lines[0].qty = 20;
    order.delivery = AisleDelivery::PickupElsewhere { store_code: "STORE-T".into() };
    let outcome = tokio::time::timeout(Duration::from_secs(5), fx.engine.place_order(STAFF, &order, fx.clock.now()))
        .await
        .expect("answered at once")
        .unwrap();
    assert!(
        matches!(&outcome.order.state, PlacedState::Refused { code, message } if code == "insufficient_stock" && message.contains("network")),
        "{:?}",
        outcome.order.state
    );
    let alternatives = outcome.alternatives.expect("alternatives from a live read");
    assert!(alternatives.other_sizes.is_empty(), "no other size has 20");
    let inbox = fx.replica.inbox().unwrap();
    assert_eq!((inbox.len(), inbox[0].kind.as_str()), (1, "PlaceOrder"));
    assert!(inbox[0].read, "seen on the screen while placing it");

    // A smaller order of L gets L's other sizes and the nearby store as alternatives.
    let mut order = ship_l();
    order.delivery = AisleDelivery::PickupHere;
    let outcome = fx.engine.place_order(STAFF, &order, fx.clock.now()).await.unwrap();
    let alternatives = outcome.alternatives.unwrap();
    assert_eq!(alternatives.other_sizes.iter().map(|s| s.sku_code.as_str()).collect::<Vec<_>>(), ["ST-BLK-M"]);
    assert_eq!(alternatives.other_nodes.iter().map(|n| n.node_code.as_str()).collect::<Vec<_>>(), ["STORE-N"]);
}

#[tokio::test]
async fn offline_an_order_is_not_yet_confirmed_and_hq_answers_it_at_the_next_sync() {
    let fx = Fx::enrolled();
    with_catalogue(&fx);
    let _loop = fx.start_loop();
    settle().await;
    fx.server.fail_push(offline());
    let outcome = tokio::time::timeout(Duration::from_secs(5), fx.engine.place_order(STAFF, &ship_l(), fx.clock.now()))
        .await
        .expect("a failed round answers at once")
        .unwrap();
    assert_eq!(outcome.order.state, PlacedState::Queued, "not yet confirmed");
    assert_eq!(outcome.alternatives, None);
    assert_eq!(fx.replica.pending_count().unwrap(), 1);

    // Back online: the next sync confirms it.
    fx.engine.sync_once().await.unwrap();
    let order = fx.replica.placed_order(outcome.order.order_id).unwrap().unwrap();
    assert_eq!(order.state, PlacedState::Confirmed);

    // Another one placed offline is refused at sync: the record says why, the inbox has it.
    fx.server.fail_push(offline());
    let queued = fx.engine.place_order(STAFF, &ship_l(), fx.clock.now()).await.unwrap().order;
    assert_eq!(queued.state, PlacedState::Queued);
    fx.server.refuse_place_orders(Some(("insufficient_stock", "not enough stock in the network")));
    fx.engine.sync_once().await.unwrap();
    let refused = fx.replica.placed_order(queued.order_id).unwrap().unwrap();
    assert!(matches!(&refused.state, PlacedState::Refused { code, .. } if code == "insufficient_stock"));
    let inbox = fx.replica.inbox().unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!((inbox[0].op_id.clone(), inbox[0].status.as_str()), (queued.op_id.to_string(), "rejected"));
    assert!(!inbox[0].read, "refused at sync: the associate has yet to read it and tell the customer");
}

#[tokio::test]
async fn with_hq_slow_to_answer_the_associate_is_told_after_the_patience_runs_out() {
    let fx = Fx::enrolled();
    with_catalogue(&fx);
    // No sync loop: nothing pushes the order; only the patience ends the wait.
    let placing = tokio::spawn({
        let engine = fx.engine.clone();
        let now = fx.clock.now();
        async move { engine.place_order(STAFF, &ship_l(), now).await }
    });
    let patience = fx.clock.next_sleep().await;
    assert_eq!(patience.duration, crate::sync::aisle::PLACE_PATIENCE);
    patience.wake();
    let outcome = placing.await.unwrap().unwrap();
    assert_eq!(outcome.order.state, PlacedState::Queued);
}

#[tokio::test]
async fn the_sync_round_follows_a_few_confirmed_orders_and_never_fails_for_them() {
    let fx = Fx::enrolled();
    with_catalogue(&fx);
    let n = PLACED_CHECKS_PER_ROUND + 2;
    let mut ids = Vec::new();
    for _ in 0..n {
        let id = uuid::Uuid::now_v7();
        fx.replica.place_order(STAFF, &ship_l(), id, fx.clock.now()).unwrap();
        ids.push(id);
    }
    // The round pushes them (confirmed) and then asks about the first few.
    fx.server.set_placed_order(ids[0], Ok(status(fx.clock.now(), ids[0], Some("SF1001"))));
    fx.server.set_placed_order(ids[1], Err(offline()));
    fx.engine.sync_once().await.unwrap();
    let asked = |fx: &Fx| fx.server.calls().iter().filter(|c| matches!(c, Call::PlacedOrder(_))).count();
    assert_eq!(asked(&fx), 2, "a failure stops the refresh for this round, not the round");
    let first = fx.replica.placed_order(ids[0]).unwrap().unwrap();
    assert_eq!(first.status.unwrap().fulfillments[0].tracking_no.as_deref(), Some("SF1001"));

    fx.server.set_placed_order(ids[1], Ok(status(fx.clock.now(), ids[1], None)));
    fx.engine.sync_once().await.unwrap();
    assert_eq!(asked(&fx), 2 + PLACED_CHECKS_PER_ROUND, "at most a few a round (unknown ones answer 404)");
    fx.engine.sync_once().await.unwrap();
    assert_eq!(asked(&fx), 2 + PLACED_CHECKS_PER_ROUND + 1, "then the one not yet asked; none twice a minute");
    fx.clock.advance(Duration::from_secs(61));
    fx.engine.sync_once().await.unwrap();
    assert_eq!(asked(&fx), 2 + 2 * PLACED_CHECKS_PER_ROUND + 1, "a minute later, again");
}
