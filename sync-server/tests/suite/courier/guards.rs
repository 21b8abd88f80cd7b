//! The guards around a booking's races (review of issue 12): goods leave and come back once
//! whoever reports it first (the store's hand-over, the platform's pickup or return, on an
//! order HQ cancelled meanwhile); a retry books with the platform chosen before the call;
//! the worker's claim holds for its task only and a task that used up its tries is given
//! up and flagged; an SF push with an unknown waybill still moves the others; a tracking
//! number by hand is refused while a platform's courier is coming.

use super::{dada_callback, parcel, request, rider_path, sf_path, sf_push, Hq};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sync_server::service::courier::worker::{MAX_TRIES, TASK_LEASE_MS};
use sync_server::storage::courier as store;
use uuid::Uuid;

fn rider() -> Value {
    json!({"dm_id": 7, "dm_name": "李骑手", "dm_mobile": "13900001111", "transporter_lat": 31.231, "transporter_lng": 121.474})
}

/// A same-city order booked with dada, the rider accepted, then cancelled by HQ.
async fn accepted_then_cancelled(hq: &Hq, token: &str, number: &str, seq: u64) -> (Uuid, Uuid, String) {
    let fo = hq.packed(token, seq, number, "same_city", &[("SKU-1", 1)]).await;
    let booking = Uuid::now_v7();
    let out = hq.push(token, seq + 3, vec![request(fo, booking, "same_city", json!([parcel(800, &[(1, 1)])]))]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    hq.as_booked(booking, "dada", &format!("DD-{number}"), &[]).await;
    let r = hq.callback(&rider_path("dada"), &dada_callback(booking, &format!("DD-{number}"), 2, 1_000, rider())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let order_id = hq.device_view(token, fo).await["order_id"].as_str().unwrap().to_string();
    let r = hq.admin_post(&format!("/api/v1/orders/{order_id}/cancel"), json!(null)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    (fo, booking, order_id)
}

/// The store's fulfillment fee rows of an order: (count, total).
async fn store_fees(hq: &Hq, order_id: &str) -> (usize, i64) {
    let r = hq.admin_get(&format!("/api/v1/orders/{order_id}/attribution")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let entries: Vec<&Value> = r.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["party_kind"] == "store" && e["reason"] == "fulfillment_fee")
        .collect();
    let total = r.body["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["party_kind"] == "store")
        .map_or(0, |t| t["amount"].as_i64().unwrap());
    (entries.len(), total)
}

async fn hand_over(hq: &Hq, token: &str, seq: u64, fo: Uuid) -> Value {
    let code = hq.latest(fo).await["rider_code"].clone();
    let out = hq
        .push(
            token,
            seq,
            vec![json!({"kind": "HandOverToCourier", "fulfillment_order_id": fo,
                "check": {"method": "rider_code", "code": code}})],
        )
        .await;
    out[0].clone()
}

#[tokio::test]
async fn a_cancelled_orders_goods_leave_once_whether_the_store_or_the_rider_reports_it_first() {
    let hq = Hq::unreachable().await;
    let token = hq.enrol("STORE-A").await;
    let start = hq.shelf("SKU-1").await;

    // The associate hands over first (synced after HQ's cancel), then the rider's pickup.
    let (fo, booking, order_id) = accepted_then_cancelled(&hq, &token, "TM-G1", 1).await;
    let out = hand_over(&hq, &token, 5, fo).await;
    assert_eq!((out["status"].as_str(), out["code"].as_str()), (Some("conflict"), Some("handed_over_after_cancel")));
    assert_eq!(hq.shelf("SKU-1").await.0, start.0 - 1);
    let r = hq.callback(&rider_path("dada"), &dada_callback(booking, "DD-TM-G1", 3, 1_100, rider())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(hq.shelf("SKU-1").await.0, start.0 - 1, "the goods left once");
    let (rows, total) = store_fees(&hq, &order_id).await;
    assert_eq!(rows, 1, "the fulfillment fee is credited once");
    assert!(total > 0);

    // The other order: the rider's pickup first, then the associate's hand-over.
    let (fo2, booking2, order2) = accepted_then_cancelled(&hq, &token, "TM-G2", 6).await;
    let r = hq.callback(&rider_path("dada"), &dada_callback(booking2, "DD-TM-G2", 3, 1_100, rider())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(hq.shelf("SKU-1").await.0, start.0 - 2);
    let out = hand_over(&hq, &token, 10, fo2).await;
    assert_eq!(out["code"], "handed_over_after_cancel", "{out}");
    assert_eq!(hq.shelf("SKU-1").await.0, start.0 - 2, "no second movement");
    assert_eq!(store_fees(&hq, &order2).await.0, 1);
    assert_eq!(hq.state(fo2).await, "cancelled");
    hq.assert_audit_clean().await;
}

#[tokio::test]
async fn goods_brought_back_on_a_cancelled_order_are_on_the_shelf_again_once() {
    let hq = Hq::unreachable().await;
    let token = hq.enrol("STORE-A").await;
    let start = hq.shelf("SKU-1").await;
    let (fo, booking, order_id) = accepted_then_cancelled(&hq, &token, "TM-G3", 1).await;
    let send = |status: i64, at: i64| {
        let hq = &hq;
        async move {
            let r = hq.callback(&rider_path("dada"), &dada_callback(booking, "DD-TM-G3", status, at, rider())).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
    };
    send(3, 1_100).await;
    assert_eq!(hq.shelf("SKU-1").await, (start.0 - 1, start.1));
    send(9, 1_200).await;
    send(10, 1_300).await;
    send(10, 1_300).await;
    assert_eq!(hq.shelf("SKU-1").await, start, "back on the shelf, for sale (nothing to reserve it for)");
    assert_eq!(store_fees(&hq, &order_id).await.1, 0, "the fee is taken back");
    assert_eq!(hq.state(fo).await, "cancelled");
    assert_eq!(hq.latest(fo).await["status"], "returned");
    hq.assert_audit_clean().await;
}

#[tokio::test]
async fn an_sf_push_with_an_unknown_waybill_still_moves_the_known_ones() {
    let hq = Hq::unreachable().await;
    let token = hq.enrol("STORE-A").await;
    let fo = hq.packed(&token, 1, "TM-G4", "ship", &[("SKU-1", 1)]).await;
    let booking = Uuid::now_v7();
    let out = hq.push(&token, 4, vec![request(fo, booking, "express", json!([parcel(700, &[(1, 1)])]))]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    let master = "SF1000000000041";
    hq.as_booked(booking, "sf_express", master, &[master]).await;
    let t = "2026-12-01 10:00:00";

    let before = hq.courier_fingerprint().await;
    let stranger = Uuid::now_v7();
    let r = hq.callback(&sf_path(), &sf_push(&[("SF9999999999999", stranger, "50", t)])).await;
    assert_eq!((r.status, r.body["return_code"].as_str()), (StatusCode::NOT_FOUND, Some("1000")), "{}", r.body);
    assert_eq!(hq.courier_fingerprint().await, before, "none of ours: refused, nothing changed");

    let push = sf_push(&[("SF9999999999999", stranger, "50", t), (master, booking, "50", t)]);
    let r = hq.callback(&sf_path(), &push).await;
    assert_eq!((r.status, r.body["return_code"].as_str()), (StatusCode::OK, Some("0000")), "{}", r.body);
    assert_eq!(hq.state(fo).await, "dispatched");
    assert_eq!(hq.view(fo).await["callbacks"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_retry_books_with_the_platform_chosen_before_the_call_and_no_other() {
    // fengniao quotes dearer than dada: the cheapest rule would pick dada.
    let (hq, sim) = super::flows::with_sim(true, 5_000).await;
    let token = hq.enrol("STORE-A").await;
    let fo = hq.packed(&token, 1, "TM-G5", "same_city", &[("SKU-1", 1)]).await;
    let booking = Uuid::now_v7();
    let out = hq.push(&token, 4, vec![request(fo, booking, "same_city", json!([parcel(900, &[(1, 1)])]))]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    // An earlier try chose fengniao and its place call timed out (it may have placed it).
    sync_server::service::write(hq.storage.as_ref(), move |tx| {
        let mut b = store::booking_for_update(tx, booking)?.unwrap();
        b.booking.platform = "fengniao".into();
        store::update_booking(tx, &b, 0)?;
        Ok(())
    })
    .await
    .unwrap();
    hq.work().await;
    let b = hq.latest(fo).await;
    assert_eq!((b["platform"].as_str(), b["status"].as_str()), (Some("fengniao"), Some("dispatching")), "{b}");
    let placed: Vec<String> =
        sim.orders().riders.into_iter().filter(|o| o.origin_id == booking.to_string()).map(|o| o.platform).collect();
    assert_eq!(placed, ["fengniao"], "one rider platform has the order");

    // A booking the worker books afresh records its choice before the place call: the
    // platform's first callback, racing the worker's record, is taken.
    let fo2 = hq.packed(&token, 5, "TM-G6", "same_city", &[("SKU-1", 1)]).await;
    let booking2 = Uuid::now_v7();
    let out = hq.push(&token, 8, vec![request(fo2, booking2, "same_city", json!([parcel(900, &[(1, 1)])]))]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    hq.work().await;
    let view = hq.view(fo2).await;
    let b = &view["bookings"][0];
    assert_eq!((b["platform"].as_str(), b["fee"].as_i64()), (Some("dada"), Some(800)), "{view}");
    assert!(
        view["callbacks"].as_array().unwrap().iter().all(|c| c["platform"] == "dada"),
        "the platform's callbacks are recorded: {view}"
    );
}

#[tokio::test]
async fn a_task_that_used_up_its_tries_is_given_up_and_flagged_for_hq() {
    let hq = Hq::unreachable().await;
    let token = hq.enrol("STORE-A").await;
    let fo = hq.packed(&token, 1, "TM-G7", "same_city", &[("SKU-1", 1)]).await;
    let booking = Uuid::now_v7();
    let out = hq.push(&token, 4, vec![request(fo, booking, "same_city", json!([parcel(900, &[(1, 1)])]))]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    // Every run so far died before it could record an answer; the last lease expired.
    sync_server::service::write(hq.storage.as_ref(), move |tx| {
        tx.exec(
            "UPDATE courier_task SET tries = $2, claimed_ms = 1, claim_token = 'dead' WHERE booking_id = $1",
            &[booking.to_string().as_str().into(), MAX_TRIES.into()],
        )?;
        Ok(())
    })
    .await
    .unwrap();
    hq.work().await;
    let view = hq.view(fo).await;
    let task = &view["tasks"][0];
    assert_eq!(task["tries"].as_i64(), Some(MAX_TRIES), "not run again: {view}");
    assert!(task["done_at"].is_string(), "{view}");
    assert!(task["last_error"].as_str().unwrap().contains("gave up"), "{view}");
    let b = &view["bookings"][0];
    assert_eq!((b["status"].as_str(), b["problem"].as_str()), (Some("failed"), Some("create_failed")), "{view}");
    assert_eq!(hq.flags(fo).await, ["courier_task_gave_up"]);
    assert_eq!(hq.work().await, 0, "nothing left to do");
}

#[tokio::test]
async fn a_claim_whose_lease_was_taken_over_can_neither_extend_retry_nor_acknowledge() {
    let hq = Hq::unreachable().await;
    let token = hq.enrol("STORE-A").await;
    let fo = hq.packed(&token, 1, "TM-G8", "same_city", &[("SKU-1", 1)]).await;
    let out = hq.push(&token, 4, vec![request(fo, Uuid::now_v7(), "same_city", json!([parcel(900, &[(1, 1)])]))]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    let now = sync_server::service::now_ms() + 1_000;
    let results = sync_server::service::write(hq.storage.as_ref(), move |tx| {
        let first = store::claim_task(tx, "first", MAX_TRIES, now, now - TASK_LEASE_MS)?.expect("due");
        let none = store::claim_task(tx, "other", MAX_TRIES, now + 1, now + 1 - TASK_LEASE_MS)?;
        let later = now + TASK_LEASE_MS + 1;
        let second = store::claim_task(tx, "second", MAX_TRIES, later, later - TASK_LEASE_MS)?.expect("lease over");
        let lost = (
            store::extend_claim(tx, &first, later)?,
            store::retry_task(tx, &first, later, "late")?,
            store::ack_task(tx, &first, later)?,
        );
        let held = (store::extend_claim(tx, &second, later)?, store::ack_task(tx, &second, later)?);
        Ok((none.is_none(), first.id == second.id, second.tries, lost, held))
    })
    .await
    .unwrap();
    assert_eq!(results, (true, true, 2, (false, false, false), (true, true)));
}

#[tokio::test]
async fn a_tracking_number_by_hand_is_refused_while_a_platforms_courier_is_coming() {
    let hq = Hq::unreachable().await;
    let token = hq.enrol("STORE-A").await;
    let fo = hq.packed(&token, 1, "TM-G9", "ship", &[("SKU-1", 1)]).await;
    let booking = Uuid::now_v7();
    let out = hq.push(&token, 4, vec![request(fo, booking, "express", json!([parcel(700, &[(1, 1)])]))]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    hq.as_booked(booking, "sf_express", "SF1000000000091", &["SF1000000000091"]).await;
    let shelf = hq.shelf("SKU-1").await;
    let before = hq.courier_fingerprint().await;
    let out = hq
        .push(
            &token,
            5,
            vec![json!({"kind": "RecordTracking", "fulfillment_order_id": fo, "carrier": "某快递", "tracking_no": "X123456789"})],
        )
        .await;
    assert_eq!(
        (out[0]["status"].as_str(), out[0]["code"].as_str()),
        (Some("rejected"), Some("courier_booked_by_platform")),
        "{out:?}"
    );
    assert!(out[0]["message"].as_str().unwrap().contains("sf_express"), "{out:?}");
    assert_eq!(hq.state(fo).await, "awaiting_courier");
    assert_eq!(hq.shelf("SKU-1").await, shelf);
    assert_eq!(hq.courier_fingerprint().await[..4], before[..4]);
}

#[tokio::test]
async fn a_pickup_order_handed_to_a_courier_is_flagged_and_stays_as_it_was() {
    let hq = Hq::unreachable().await;
    let token = hq.enrol("STORE-A").await;
    let fo = crate::common::ready_pickup_order(&hq, &token, 1, "TM-G10").await;
    let state = hq.state(fo).await;
    let shelf = hq.shelf("SKU-1").await;
    let out = hq
        .push(
            &token,
            5,
            vec![json!({"kind": "HandOverToCourier", "fulfillment_order_id": fo,
                "check": {"method": "waybill", "waybill_no": "SF1"}})],
        )
        .await;
    assert_eq!((out[0]["status"].as_str(), out[0]["code"].as_str()), (Some("conflict"), Some("not_a_courier_order")));
    assert_eq!(hq.state(fo).await, state, "a pickup order is never dispatched");
    assert_eq!(hq.shelf("SKU-1").await, shelf);
    assert_eq!(hq.flags(fo).await, ["not_a_courier_order"]);
}

#[tokio::test]
async fn hq_cancels_the_rider_booking_only_and_the_store_sends_it_by_express_instead() {
    let (hq, sim) = super::flows::with_sim(true, 5_000).await;
    let token = hq.enrol("STORE-A").await;
    let fo = hq.packed(&token, 1, "TM-G11", "same_city", &[("SKU-1", 1)]).await;
    let booking = Uuid::now_v7();
    let out = hq.push(&token, 4, vec![request(fo, booking, "same_city", json!([parcel(900, &[(1, 1)])]))]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    hq.work().await;
    assert_eq!(hq.latest(fo).await["status"], "dispatching");
    let path = format!("/api/v1/fulfillment-orders/{fo}/courier/cancel");
    let r = hq.admin_post(&path, json!(null)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert!(r.body["tasks"].as_array().unwrap().iter().any(|t| t["kind"] == "cancel" && t["done_at"].is_null()));
    let r = hq.admin_post(&path, json!(null)).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "cancel_already_requested"), "{}", r.body);
    hq.work().await;
    let view = hq.view(fo).await;
    assert_eq!(view["bookings"].as_array().unwrap().len(), 1, "no re-dispatch: {view}");
    assert_eq!(view["bookings"][0]["status"], "cancelled", "{view}");
    assert_eq!(view["state"], "awaiting_courier");
    let at_platform = sim.orders().riders.into_iter().find(|o| o.origin_id == booking.to_string()).unwrap();
    assert_eq!(at_platform.status.map(|s| s.as_str()), Some("cancelled"));
    // The store switches to express: booked with SF.
    let again = Uuid::now_v7();
    let out = hq.push(&token, 5, vec![request(fo, again, "express", json!([parcel(900, &[(1, 1)])]))]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    hq.work().await;
    let b = hq.latest(fo).await;
    assert_eq!((b["platform"].as_str(), b["status"].as_str()), (Some("sf_express"), Some("dispatching")), "{b}");
    let r = hq.admin_post(&path, json!(null)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "the SF booking may be cancelled too: {}", r.body);
}

/// PostgreSQL only: SQLite runs one write transaction at a time, so the race cannot happen
/// there.
#[tokio::test]
async fn a_server_starting_does_not_revive_a_waiting_booking_the_store_replaced_meanwhile() {
    use sync_server::storage::{orders, Dialect};
    let hq = Hq::start(None).await;
    let dialect = sync_server::service::read(hq.storage.as_ref(), |tx| Ok(tx.dialect())).await.unwrap();
    if dialect != Dialect::Postgres {
        return;
    }
    let token = hq.enrol("STORE-A").await;
    let fo = hq.packed(&token, 1, "TM-G12", "ship", &[("SKU-1", 1)]).await;
    let booking = Uuid::now_v7();
    let out = hq.push(&token, 4, vec![request(fo, booking, "express", json!([parcel(700, &[(1, 1)])]))]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    assert_eq!(hq.latest(fo).await["problem"], "not_configured");

    // A store's new request, in flight: the order and the waiting booking locked, the
    // booking cancelled, not committed until the test says.
    let (locked_tx, locked) = std::sync::mpsc::channel::<()>();
    let (go_tx, go) = std::sync::mpsc::channel::<()>();
    let go = std::sync::Arc::new(std::sync::Mutex::new(go));
    let replacing = {
        let storage = hq.storage.clone();
        tokio::spawn(async move {
            sync_server::service::write(storage.as_ref(), move |tx| {
                let f = orders::fulfillment_for_update(tx, fo)?.unwrap();
                let mut b = store::booking_for_update(tx, booking)?.unwrap();
                b.booking.status = shared::courier::BookingStatus::Cancelled;
                store::update_booking(tx, &b, 1)?;
                orders::update_fulfillment(tx, &f, 1)?;
                let _ = locked_tx.send(());
                let _ = go.lock().unwrap().recv();
                Ok(())
            })
            .await
            .unwrap()
        })
    };
    tokio::task::spawn_blocking(move || locked.recv().unwrap()).await.unwrap();
    // A server with a platform for the store starts meanwhile.
    let starting = {
        let storage = hq.storage.clone();
        let text = super::config(&hq.base, super::NOWHERE, super::NOWHERE, super::NOWHERE);
        tokio::spawn(async move {
            let couriers = sync_server::courier::Couriers::from_config(
                sync_server::courier::CourierConfig::parse(&text, &|_| None).unwrap(),
            )
            .unwrap();
            sync_server::start_couriers(storage, &couriers).await.map(|_| ())
        })
    };
    // Wait until it waits for a lock the in-flight request holds.
    let mut waiting = false;
    for _ in 0..2_000 {
        let n = sync_server::service::read(hq.storage.as_ref(), |tx| {
            Ok(tx.query_opt("SELECT COUNT(*) FROM pg_locks WHERE NOT granted", &[])?.unwrap().i64(0)?)
        })
        .await
        .unwrap();
        if n > 0 {
            waiting = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(waiting, "the starting server never waited for the request's locks");
    go_tx.send(()).unwrap();
    replacing.await.unwrap();
    starting.await.unwrap().unwrap();
    let view = hq.view(fo).await;
    assert_eq!(view["bookings"][0]["status"], "cancelled", "not revived: {view}");
    assert!(view["tasks"].as_array().unwrap().is_empty(), "nothing to book: {view}");
}
