//! The online side of returns: the order look-up (kept on the device for the refund quote;
//! not found, too many look-ups and offline told apart) and the refunds' progress fetched in
//! the sync round, a bounded number per round, until settled.

use super::fake::*;
use crate::error::ReplicaError;
use crate::sync::returns::RETURN_CHECKS_PER_ROUND;
use crate::sync::transport::Failure;
use chrono::Duration;
use shared::app::command::AcceptReturnArgs;
use shared::app::{ReturnLineInput, ReturnProgress};
use shared::order::{Channel, OrderStatus};
use shared::protocol::ReturnCondition;
use shared::returns::{
    OrderLookup, OrderLookupAnswer, RefundState, ReturnReason, ReturnStatus, ReturnableLine, ReturnableOrder,
    ShippingRefund,
};
use shared::Fen;
use uuid::Uuid;

fn order(fx: &Fx, sold: i64) -> ReturnableOrder {
    let now = fx.clock.now();
    ReturnableOrder {
        order_id: Uuid::now_v7(),
        channel: Channel::Tmall,
        channel_order_id: "TM-1".into(),
        status: OrderStatus::Completed,
        ordered_at: now - Duration::days(2),
        return_by: now + Duration::days(28),
        selling_store: Some("STORE-T".into()),
        associate_id: None,
        customer_name: "张*".into(),
        customer_phone: "138****5678".into(),
        customer_address: String::new(),
        shipping_fee: Fen(0),
        shipping_refunded: Fen(0),
        lines: vec![ReturnableLine {
            line_no: 1,
            sku_code: "SKU-1".into(),
            style_code: "ST".into(),
            name: "Tee".into(),
            colour: "白".into(),
            size: "M".into(),
            sold,
            returned: 0,
            unit_price: Fen(1_000),
            discount: Fen(0),
            paid: Fen(1_000 * sold),
            final_sale: false,
        }],
    }
}

fn answer(o: &ReturnableOrder) -> OrderLookupAnswer {
    OrderLookupAnswer { orders: vec![o.clone()], shipping_refund: ShippingRefund::Never }
}

fn one_unit(o: &ReturnableOrder) -> AcceptReturnArgs {
    AcceptReturnArgs {
        order_id: Some(o.order_id),
        order_ref: None,
        lines: vec![ReturnLineInput {
            line_no: Some(1),
            sku_code: "SKU-1".into(),
            qty: 1,
            condition: ReturnCondition::Resaleable,
            reason: ReturnReason::Size,
            note: String::new(),
        }],
        manager_id: None,
        manager_pin: None,
    }
}

fn reason(e: &ReplicaError) -> &str {
    match e {
        ReplicaError::NotAllowed { reason, .. } => reason,
        other => panic!("expected NotAllowed, got {other:?}"),
    }
}

#[tokio::test]
async fn a_look_up_keeps_the_orders_for_the_quote_and_its_failures_are_told_apart() {
    let fx = Fx::enrolled();
    let o = order(&fx, 2);
    fx.server.on_order_lookup(Ok(answer(&o)));
    let lookup = OrderLookup::Code { code: "TM-1".into() };
    let got = fx.engine.lookup_order(&lookup).await.unwrap();
    assert_eq!(got.orders, std::slice::from_ref(&o));
    assert!(fx.server.calls().contains(&Call::OrderLookup(lookup.clone())));
    let now = fx.clock.now().timestamp_millis();
    let preview = fx.replica.preview_return(o.order_id, &one_unit(&o).lines, now).unwrap();
    assert_eq!(preview.quote.total, Fen(1_000), "quoted from what HQ answered");

    let e = fx.engine.lookup_order(&lookup).await.unwrap_err();
    assert_eq!(reason(&e), "order_not_found");
    fx.server.on_order_lookup(Err(Failure::RateLimited {
        retry_after: None,
        code: "rate_limited".into(),
        message: "slow down".into(),
    }));
    assert_eq!(reason(&fx.engine.lookup_order(&lookup).await.unwrap_err()), "lookup_rate_limited");
    fx.server.on_order_lookup(Err(Failure::Network { message: "no route to host".into() }));
    let e = fx.engine.lookup_order(&lookup).await.unwrap_err();
    assert!(matches!(e, ReplicaError::Offline { .. }), "offline: the return is taken against the receipt: {e:?}");
}

#[tokio::test]
async fn the_sync_round_follows_unsettled_refunds_a_bounded_number_at_a_time() {
    let fx = Fx::enrolled();
    let o = order(&fx, 30);
    fx.replica.remember_lookup(&answer(&o), fx.clock.now().timestamp_millis()).unwrap();
    let n = RETURN_CHECKS_PER_ROUND + 2;
    let now = fx.clock.now().timestamp_millis();
    let ids: Vec<Uuid> =
        (0..n).map(|_| fx.replica.accept_return(STAFF, &one_unit(&o), now).unwrap().return_id).collect();
    let asked = |fx: &Fx| -> Vec<Uuid> {
        fx.server
            .calls()
            .into_iter()
            .filter_map(|c| if let Call::ReturnStatus(id) = c { Some(id) } else { None })
            .collect()
    };

    // Round 1 pushes them; HQ does not know them as the store's yet (404): asked, kept.
    fx.engine.sync_once().await.unwrap();
    let first = asked(&fx);
    assert_eq!(first.len(), RETURN_CHECKS_PER_ROUND, "bounded per round");
    assert!(fx.replica.returns().unwrap().iter().all(|r| r.progress == ReturnProgress::Recorded));

    for id in &ids {
        let status = ReturnStatus {
            return_id: *id,
            order_id: Some(o.order_id),
            refund: Fen(1_000),
            refund_state: RefundState::Confirmed,
            problem: None,
            recorded_at: fx.clock.now(),
        };
        fx.server.set_return_status(*id, Ok(status));
    }
    fx.clock.advance(std::time::Duration::from_secs(30));
    fx.engine.sync_once().await.unwrap();
    let second: Vec<Uuid> = asked(&fx)[first.len()..].to_vec();
    assert_eq!(second.len(), RETURN_CHECKS_PER_ROUND);
    let never_asked: Vec<&Uuid> = ids.iter().filter(|id| !first.contains(id)).collect();
    assert!(never_asked.iter().all(|id| second.contains(id)), "the ones not asked yet come first");

    fx.engine.sync_once().await.unwrap();
    assert_eq!(asked(&fx).len(), first.len() + second.len() + 2, "only the two still unsettled");
    assert!(fx.replica.returns().unwrap().iter().all(|r| r.progress == ReturnProgress::Confirmed));
    fx.engine.sync_once().await.unwrap();
    assert_eq!(asked(&fx).len(), first.len() + second.len() + 2, "settled refunds are not asked about again");
}
