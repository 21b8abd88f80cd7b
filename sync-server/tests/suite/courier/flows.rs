//! Courier dispatch against the courier simulator, in-process on a loopback port, real HTTP
//! both ways: the worker books with the simulated SF and rider platforms, the simulator's
//! manual timeline sends their signed callbacks and route pushes back to the server.

use super::{config, parcel, request, sf_path, Hq, SECRETS};
use courier_sim::{RiderPlatform, Running, Script, SfAccount, SfStore, SimConfig, Timeline};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The server and the simulator, each knowing the other's address; SF route pushes go to
/// the server unless `sf_pushes` is false (refused then: the server learns routes by asking).
pub(super) async fn with_sim(sf_pushes: bool, fengniao_fee: i64) -> (Hq, Running) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut riders = BTreeMap::new();
    riders.insert(
        "dada".to_string(),
        RiderPlatform::new("dada-app-key", SECRETS[2], "73753").with_shop(
            "STORE-A",
            "dada-shop-001",
            Some((31.2304, 121.4737)),
        ),
    );
    let mut fengniao =
        RiderPlatform::new("fengniao-app-key", SECRETS[4], "90001").with_shop("STORE-A", "fn-shop-001", None);
    fengniao.base_fee_fen = fengniao_fee;
    fengniao.pickup_minutes = 5;
    riders.insert("fengniao".to_string(), fengniao);
    let mut stores = BTreeMap::new();
    stores.insert("STORE-A".to_string(), SfStore { monthly_card: "7551234567".into() });
    let sim = courier_sim::start(SimConfig {
        sf_express: Some(SfAccount {
            partner_id: "OMNI_TEST".into(),
            checkword: Some(SECRETS[0].into()),
            checkword_env: None,
            // Without pushes for the server, they go to a URL with a stale token: refused (and
            // logged), so SF's route query is the only way HQ learns where the parcel is.
            push_url: Some(if sf_pushes {
                format!("{base}{}", sf_path())
            } else {
                format!("{base}/api/v1/couriers/sf-express/route-push?token=stale")
            }),
            callback_token: None,
            callback_token_env: None,
            stores,
        }),
        riders,
        callback_base_url: None,
        timeline: Timeline::Manual,
        callback_attempts: 2,
    })
    .await
    .unwrap();
    let text = config(&base, &sim.url(), &sim.platform_url("dada"), &sim.platform_url("fengniao"));
    (Hq::start_on(listener, Some(text)).await, sim)
}

/// Steps `order` at `platform` until the server's latest booking of `fo` is `status`
/// (bounded).
async fn advance_until(hq: &Hq, sim: &Running, platform: &str, order: Uuid, fo: Uuid, status: &str) -> Value {
    for _ in 0..12 {
        let b = hq.view(fo).await["bookings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["id"] == order.to_string())
            .cloned()
            .unwrap();
        if b["status"] == status {
            return b;
        }
        sim.advance(platform, &order.to_string())
            .await
            .unwrap_or_else(|e| panic!("{platform} {order} stuck at {}: {e}", b["status"]));
    }
    panic!("{order} never became {status}");
}

#[tokio::test]
async fn an_express_order_in_two_parcels_gets_two_labels_is_handed_over_and_delivered() {
    let (hq, sim) = with_sim(true, 1_200).await;
    let token = hq.enrol("STORE-A").await;
    let fo = hq.packed(&token, 1, "TM-SIM-EX", "ship", &[("SKU-1", 2), ("SKU-2", 1)]).await;
    let booking = Uuid::now_v7();
    let parcels = json!([parcel(1_200, &[(1, 2)]), parcel(400, &[(2, 1)])]);
    let mut op = request(fo, booking, "express", parcels);
    op["delivery"]["service"] = json!("priority");
    assert_eq!(hq.push(&token, 4, vec![op]).await[0]["status"], "applied");
    assert!(hq.work().await >= 1);

    let b = hq.latest(fo).await;
    assert_eq!((b["status"].as_str(), b["platform"].as_str()), (Some("dispatching"), Some("sf_express")), "{b}");
    let labels = b["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 2, "{b}");
    let waybills: Vec<&str> = labels.iter().map(|l| l["waybill_no"].as_str().unwrap()).collect();
    assert_ne!(waybills[0], waybills[1]);
    for (i, l) in labels.iter().enumerate() {
        assert_eq!((l["parcel_no"].as_u64(), l["parcel_count"].as_u64()), (Some(i as u64 + 1), Some(2)));
        assert_eq!(l["master_waybill_no"], waybills[0]);
        assert_eq!((l["carrier"].as_str(), l["service"].as_str()), (Some("顺丰速运"), Some("priority")));
        assert!(
            !l["dest_route_label"].as_str().unwrap().is_empty() && !l["pro_code"].as_str().unwrap().is_empty(),
            "{l}"
        );
        assert_eq!(
            (l["recipient"]["name"].as_str(), l["recipient"]["phone"].as_str()),
            (Some("张*"), Some("138****1234"))
        );
        assert_eq!((l["sender"]["name"].as_str(), l["reference"].as_str()), (Some("静安店"), Some("TM-SIM-EX")));
        assert_eq!(b["parcels"][i]["waybill_no"], waybills[i]);
    }
    assert_eq!((labels[0]["weight_g"].as_u64(), labels[1]["weight_g"].as_u64()), (Some(1_200), Some(400)));
    let orders = sim.orders();
    assert_eq!(orders.sf_express.len(), 1);
    assert_eq!(orders.sf_express[0].order_id, booking.to_string(), "our booking id is SF's orderId");
    let device = hq.device_view(&token, fo).await;
    assert_eq!(device["courier"]["labels"].as_array().unwrap().len(), 2, "the store prints them: {device}");
    assert_eq!(device["tracking_no"], waybills[0]);
    let told = hq.notes(fo, "courier_booked").await;
    assert!(told.len() == 1 && told[0].contains(waybills[0]), "{told:?}");

    // Booking again after a crash between the platform's answer and its record: SF answers
    // the same waybills for the same orderId; nothing is booked twice.
    sync_server::service::write(hq.storage.as_ref(), move |tx| {
        tx.exec(
            "UPDATE courier_booking SET platform_order_no = NULL, status = 'queued' WHERE id = $1",
            &[booking.to_string().into()],
        )?;
        sync_server::storage::courier::queue_task(tx, sync_server::storage::courier::TaskKind::Book, booking, 0, 0)?;
        Ok(())
    })
    .await
    .unwrap();
    hq.work().await;
    assert_eq!(sim.orders().sf_express.len(), 1);
    let again = hq.latest(fo).await;
    assert_eq!(again["labels"][1]["waybill_no"], waybills[1]);
    assert_eq!(again["status"], "dispatching");

    // The associate scans the second label; the courier's collection then changes nothing.
    let shelf = (hq.shelf("SKU-1").await, hq.shelf("SKU-2").await);
    let out = hq
        .push(
            &token,
            5,
            vec![json!({"kind": "HandOverToCourier", "fulfillment_order_id": fo,
        "check": {"method": "waybill", "waybill_no": waybills[1]}})],
        )
        .await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    assert_eq!(hq.shelf("SKU-1").await, (shelf.0 .0 - 2, shelf.0 .1 - 2));
    assert_eq!(hq.shelf("SKU-2").await, (shelf.1 .0 - 1, shelf.1 .1 - 1));
    advance_until(&hq, &sim, "sf_express", booking, fo, "delivered").await;
    assert_eq!(hq.state(fo).await, "delivered");
    assert_eq!(hq.shelf("SKU-1").await, (shelf.0 .0 - 2, shelf.0 .1 - 2), "left once");
    assert_eq!(hq.notes(fo, "delivered").await.len(), 1);
    let pushes = &sim.orders().sf_express[0].pushes;
    assert!(!pushes.is_empty() && pushes.iter().all(|p| p.delivered), "every push taken: {pushes:?}");
    hq.assert_audit_clean().await;
}

#[tokio::test]
async fn a_rider_who_cancels_is_replaced_with_a_higher_tip_and_the_parcel_is_delivered() {
    let (hq, sim) = with_sim(true, 1_200).await;
    let token = hq.enrol("STORE-A").await;
    let fo = hq.packed(&token, 1, "TM-SIM-SC", "same_city", &[("SKU-1", 1)]).await;
    sim.script("dada", Script::RiderCancelsOnce).unwrap();
    let first = Uuid::now_v7();
    assert_eq!(
        hq.push(&token, 4, vec![request(fo, first, "same_city", json!([parcel(900, &[(1, 1)])]))]).await[0]["status"],
        "applied"
    );
    hq.work().await;
    let b = hq.latest(fo).await;
    assert_eq!(
        (b["platform"].as_str(), b["status"].as_str(), b["fee"].as_i64()),
        (Some("dada"), Some("dispatching"), Some(800)),
        "the cheapest quote: {b}"
    );
    let sent = sim.orders().riders.into_iter().find(|o| o.origin_id == first.to_string()).unwrap();
    assert_eq!(sent.fetch_code, b["rider_code"].as_str().unwrap(), "the pickup code is ours");
    let cancelled = advance_until(&hq, &sim, "dada", first, fo, "cancelled").await;
    assert_eq!(cancelled["problem"], "rider_cancelled");

    // The dispatcher books again, with the policy's tip.
    let second = hq.latest(fo).await;
    assert_eq!(
        (second["attempt"].as_u64(), second["status"].as_str(), second["tip"].as_i64()),
        (Some(2), Some("queued"), Some(200))
    );
    hq.work().await;
    let second_id: Uuid = second["id"].as_str().unwrap().parse().unwrap();
    let placed = sim.orders().riders.into_iter().find(|o| o.origin_id == second_id.to_string()).expect("booked again");
    assert_eq!(placed.tips_fen, 200, "the tip reached the platform");
    let arrived = advance_until(&hq, &sim, "dada", second_id, fo, "arrived").await;
    assert!(arrived["rider"]["name"].is_string(), "{arrived}");
    let device = hq.device_view(&token, fo).await;
    assert_eq!(
        (device["courier"]["status"].as_str(), device["courier"]["problem"].clone()),
        (Some("arrived"), Value::Null),
        "{device}"
    );
    let out = hq
        .push(
            &token,
            5,
            vec![json!({"kind": "HandOverToCourier", "fulfillment_order_id": fo,
        "check": {"method": "rider_code", "code": arrived["rider_code"]}})],
        )
        .await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    advance_until(&hq, &sim, "dada", second_id, fo, "delivered").await;
    assert_eq!(hq.state(fo).await, "delivered");
    let view = hq.view(fo).await;
    let mut fees: Vec<(String, i64)> = view["fees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap().to_string(), f["amount"].as_i64().unwrap()))
        .collect();
    fees.sort();
    assert_eq!(fees, [("delivery_fee".to_string(), 800), ("tip".to_string(), 200)], "{view}");
    assert_eq!(hq.notes(fo, "rider_on_the_way").await.len(), 2, "one per rider who took it");
    hq.assert_audit_clean().await;
}

#[tokio::test]
async fn the_fastest_rule_picks_the_other_platform_and_expiries_end_in_no_rider_found() {
    let (hq, sim) = with_sim(true, 1_200).await;
    let policy = json!({"dispatch_rule": "fastest", "max_attempts": 2, "tip_step_fen": 300, "tip_cap_fen": 1000});
    assert_eq!(hq.admin_put("/api/v1/settings/courier-policy", &policy).await.status, StatusCode::OK);
    let token = hq.enrol("STORE-A").await;
    let fo = hq.packed(&token, 1, "TM-SIM-EXP", "same_city", &[("SKU-1", 1)]).await;
    sim.script("fengniao", Script::Expire).unwrap();
    sim.script("fengniao", Script::Expire).unwrap();
    let first = Uuid::now_v7();
    assert_eq!(
        hq.push(&token, 4, vec![request(fo, first, "same_city", json!([parcel(900, &[(1, 1)])]))]).await[0]["status"],
        "applied"
    );
    hq.work().await;
    assert_eq!(hq.latest(fo).await["platform"], "fengniao", "5 minutes beats 12");
    advance_until(&hq, &sim, "fengniao", first, fo, "expired").await;
    let second = hq.latest(fo).await;
    assert_eq!((second["attempt"].as_u64(), second["tip"].as_i64()), (Some(2), Some(300)));
    hq.work().await;
    let second: Uuid = second["id"].as_str().unwrap().parse().unwrap();
    advance_until(&hq, &sim, "fengniao", second, fo, "expired").await;
    hq.work().await;
    let view = hq.view(fo).await;
    assert_eq!(view["bookings"].as_array().unwrap().len(), 2, "{view}");
    assert_eq!(hq.device_view(&token, fo).await["courier"]["problem"], "no_rider_found");
    assert_eq!(hq.state(fo).await, "awaiting_courier", "the store asks again or sends it by express");
}

#[tokio::test]
async fn hq_cancels_while_the_rider_is_on_the_way_and_the_platform_keeps_its_fee() {
    let (hq, sim) = with_sim(true, 1_200).await;
    let token = hq.enrol("STORE-A").await;
    let shelf = hq.shelf("SKU-1").await;
    let fo = hq.packed(&token, 1, "TM-SIM-CX", "same_city", &[("SKU-1", 1)]).await;
    let booking = Uuid::now_v7();
    assert_eq!(
        hq.push(&token, 4, vec![request(fo, booking, "same_city", json!([parcel(900, &[(1, 1)])]))]).await[0]["status"],
        "applied"
    );
    hq.work().await;
    advance_until(&hq, &sim, "dada", booking, fo, "accepted").await;
    let order_id = hq.device_view(&token, fo).await["order_id"].as_str().unwrap().to_string();
    let r = hq.admin_post(&format!("/api/v1/orders/{order_id}/cancel"), json!(null)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    hq.work().await;
    let b = hq.latest(fo).await;
    assert_eq!((b["status"].as_str(), b["penalty"].as_i64()), (Some("cancelled"), Some(200)), "{b}");
    let view = hq.view(fo).await;
    assert_eq!(view["fees"][0]["kind"], "cancellation_fee");
    assert_eq!(view["fee_total"], 200);
    assert_eq!(view["bookings"].as_array().unwrap().len(), 1, "nobody else is booked for a cancelled order");
    assert!(view["tasks"].as_array().unwrap().iter().all(|t| !t["done_at"].is_null()), "{view}");
    let placed = sim.orders().riders.into_iter().find(|o| o.origin_id == booking.to_string()).unwrap();
    assert_eq!(placed.deduct_fee_fen, 200);
    assert_eq!(hq.shelf("SKU-1").await, shelf, "the reservation was released");
    assert_eq!(hq.state(fo).await, "cancelled");
    assert!(hq.flags(fo).await.is_empty());
}

#[tokio::test]
async fn without_route_pushes_hq_asks_sf_and_a_failed_delivery_comes_back_to_the_store() {
    let (hq, sim) = with_sim(false, 1_200).await;
    let token = hq.enrol("STORE-A").await;
    let shelf = hq.shelf("SKU-1").await;
    let fo = hq.packed(&token, 1, "TM-SIM-RT", "ship", &[("SKU-1", 1)]).await;
    let booking = Uuid::now_v7();
    sim.script("sf_express", Script::FailDelivery).unwrap();
    assert_eq!(
        hq.push(&token, 4, vec![request(fo, booking, "express", json!([parcel(600, &[(1, 1)])]))]).await[0]["status"],
        "applied"
    );
    hq.work().await;
    assert_eq!(hq.latest(fo).await["status"], "dispatching");
    // SF moves it along, but pushes nothing here: HQ asks.
    for _ in 0..12 {
        if sim.advance("sf_express", &booking.to_string()).await.is_err() {
            break;
        }
    }
    assert_eq!(hq.latest(fo).await["status"], "dispatching", "no push was taken");
    assert!(sim.orders().sf_express[0]
        .pushes
        .iter()
        .all(|p| !p.delivered && p.attempts.iter().all(|a| a.http_status == Some(403))));
    let r = hq.admin_post(&format!("/api/v1/fulfillment-orders/{fo}/courier/refresh"), json!(null)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    hq.work().await;
    let b = hq.latest(fo).await;
    assert_eq!(
        (b["status"].as_str(), b["problem"].as_str()),
        (Some("returned"), Some("returned_to_store")),
        "{}",
        hq.view(fo).await
    );
    assert_eq!(hq.state(fo).await, "packed");
    assert_eq!(hq.shelf("SKU-1").await, (shelf.0, shelf.1 + 1), "back on the shelf, reserved again");
    // Asking again changes nothing more.
    assert_eq!(
        hq.admin_post(&format!("/api/v1/fulfillment-orders/{fo}/courier/refresh"), json!(null)).await.status,
        StatusCode::ACCEPTED
    );
    hq.work().await;
    assert_eq!(hq.shelf("SKU-1").await, (shelf.0, shelf.1 + 1));
    hq.assert_audit_clean().await;
}

#[tokio::test]
async fn duplicated_and_reordered_platform_callbacks_are_applied_once() {
    let (hq, sim) = with_sim(true, 1_200).await;
    let token = hq.enrol("STORE-A").await;
    let shelf = hq.shelf("SKU-1").await;
    let fo = hq.packed(&token, 1, "TM-SIM-DUP", "same_city", &[("SKU-1", 1)]).await;
    sim.script("dada", Script::DuplicateCallbacks).unwrap();
    let booking = Uuid::now_v7();
    assert_eq!(
        hq.push(&token, 4, vec![request(fo, booking, "same_city", json!([parcel(900, &[(1, 1)])]))]).await[0]["status"],
        "applied"
    );
    hq.work().await;
    advance_until(&hq, &sim, "dada", booking, fo, "delivered").await;
    let view = hq.view(fo).await;
    let outcomes: Vec<&str> =
        view["callbacks"].as_array().unwrap().iter().map(|c| c["outcome"].as_str().unwrap()).collect();
    assert!(outcomes.contains(&"repeated") && outcomes.contains(&"applied"), "{outcomes:?}");
    assert_eq!(hq.state(fo).await, "delivered");
    assert_eq!(hq.shelf("SKU-1").await, (shelf.0 - 1, shelf.1), "left once");
    assert_eq!(view["fees"].as_array().unwrap().len(), 1, "{view}");
    assert_eq!(hq.notes(fo, "delivered").await.len(), 1);
    assert_eq!(hq.notes(fo, "rider_on_the_way").await.len(), 1);
    hq.assert_audit_clean().await;
}

/// HQ registers a store as a shop with a rider platform (Dada's shop registration), under
/// the shop number of the courier file; what cannot be registered says why, as a 4xx (503
/// when the platform does not answer).
#[tokio::test]
async fn hq_registers_a_store_as_a_shop_with_a_rider_platform() {
    let (hq, sim) = with_sim(true, 900).await;
    let r = hq.admin_post("/api/v1/couriers/dada/shops/STORE-A", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.body["platform"].as_str(), r.body["store"].as_str()), (Some("dada"), Some("STORE-A")));
    assert_eq!(r.body["shop_no"], "dada-shop-001");
    let again = hq.admin_post("/api/v1/couriers/dada/shops/STORE-A", json!({})).await;
    assert_eq!(again.status, StatusCode::OK, "registering again answers the same shop: {}", again.body);
    for (path, status, code) in [
        ("/api/v1/couriers/meituan/shops/STORE-A", StatusCode::NOT_FOUND, "not_found"),
        ("/api/v1/couriers/dada/shops/NO-SUCH-STORE", StatusCode::NOT_FOUND, "not_found"),
        ("/api/v1/couriers/dada/shops/STORE-B", StatusCode::NOT_FOUND, "shop_not_configured"),
        ("/api/v1/couriers/sf_express/shops/STORE-A", StatusCode::UNPROCESSABLE_ENTITY, "not_a_rider_platform"),
    ] {
        let r = hq.admin_post(path, json!({})).await;
        assert_eq!((r.status, r.code()), (status, code), "{path}: {}", r.body);
    }

    // A shop number the platform does not accept: its words come back.
    let other = Hq::start(Some(&|base: &str| {
        config(base, &sim.url(), &sim.platform_url("dada"), &sim.platform_url("fengniao"))
            .replace("dada-shop-001", "dada-shop-999")
    }))
    .await;
    let r = other.admin_post("/api/v1/couriers/dada/shops/STORE-A", json!({})).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "platform_refused"), "{}", r.body);
    let nowhere = Hq::unreachable().await;
    let r = nowhere.admin_post("/api/v1/couriers/dada/shops/STORE-A", json!({})).await;
    assert_eq!((r.status, r.code()), (StatusCode::SERVICE_UNAVAILABLE, "courier_unreachable"), "{}", r.body);
}
