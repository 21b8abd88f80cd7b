//! The platforms' callbacks over real HTTP, against bookings recorded as the worker records
//! a platform's answer (`Hq::as_booked`): each status applied once however often or late it
//! comes, forged and unknown ones refused changing nothing, the rider dispatcher's
//! re-bookings, the failed delivery back at the store, the hand-over fact, and the cancel
//! race.

use super::{dada_callback, parcel, request, rider_path, sf_path, sf_push, Hq};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

fn outcomes(view: &Value) -> Vec<String> {
    view["callbacks"].as_array().unwrap().iter().map(|c| c["outcome"].as_str().unwrap().to_string()).collect()
}

fn rider() -> Value {
    json!({"dm_id": 7, "dm_name": "李骑手", "dm_mobile": "13900001111", "transporter_lat": 31.231, "transporter_lng": 121.474})
}

async fn same_city_booked(hq: &Hq, token: &str, number: &str, seq: u64) -> (Uuid, Uuid) {
    let fo = hq.packed(token, seq, number, "same_city", &[("SKU-1", 1)]).await;
    let booking = Uuid::now_v7();
    let out = hq.push(token, seq + 3, vec![request(fo, booking, "same_city", json!([parcel(800, &[(1, 1)])]))]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    hq.as_booked(booking, "dada", &format!("DD-{number}"), &[]).await;
    (fo, booking)
}

#[tokio::test]
async fn rider_callbacks_move_the_booking_once_however_often_or_late_they_come() {
    let hq = Hq::unreachable().await;
    let token = hq.enrol("STORE-A").await;
    let fo = hq.packed(&token, 1, "TM-SC-1", "same_city", &[("SKU-1", 1)]).await;
    assert_eq!(hq.device_view(&token, fo).await["same_city_offered"], true, "a rider platform serves STORE-A, nearby");
    let booking = Uuid::now_v7();
    let out = hq.push(&token, 4, vec![request(fo, booking, "same_city", json!([parcel(800, &[(1, 1)])]))]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    let queued = hq.latest(fo).await;
    assert_eq!((queued["status"].as_str(), queued["attempt"].as_u64()), (Some("queued"), Some(1)));
    let code = queued["rider_code"].as_str().unwrap().to_string();
    assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    assert_eq!(hq.state(fo).await, "awaiting_courier");
    hq.as_booked(booking, "dada", "DD-1", &[]).await;
    let shelf = hq.shelf("SKU-1").await;

    let hq = &hq;
    let send = |status: i64, at: i64, extra: Value| {
        let body = dada_callback(booking, "DD-1", status, at, extra);
        async move { hq.callback(&rider_path("dada"), &body).await }
    };
    let r = send(2, 1_000, rider()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.body["status"].as_str(), r.body["code"].as_i64()), (Some("success"), Some(0)), "Dada's answer shape");
    let b = hq.latest(fo).await;
    assert_eq!(b["status"], "accepted");
    assert_eq!((b["rider"]["name"].as_str(), b["rider"]["phone"].as_str()), (Some("李骑手"), Some("13900001111")));
    assert_eq!(b["rider_code"], code.as_str(), "the code is ours, from the booking");
    // The same callback again (Dada retries until it sees 200): nothing changes.
    assert_eq!(send(2, 1_000, rider()).await.status, StatusCode::OK);
    assert_eq!(send(100, 1_100, rider()).await.status, StatusCode::OK);
    let device = hq.device_view(&token, fo).await;
    assert_eq!(device["courier"]["status"], "arrived", "the store sees the rider at the counter: {device}");
    // Delivered arrives before picked-up (reordered): the order is dispatched and delivered
    // once; the late picked-up and a repeated delivered change nothing.
    assert_eq!(send(4, 1_300, rider()).await.status, StatusCode::OK);
    assert_eq!(send(3, 1_200, rider()).await.status, StatusCode::OK);
    assert_eq!(send(4, 1_300, rider()).await.status, StatusCode::OK);

    assert_eq!(hq.state(fo).await, "delivered");
    assert_eq!(hq.shelf("SKU-1").await, (shelf.0 - 1, shelf.1 - 1), "the unit left the shelf once");
    let view = hq.view(fo).await;
    assert_eq!(outcomes(&view), ["applied", "repeated", "applied", "applied", "repeated", "repeated"]);
    let fees: Vec<(&str, i64)> = view["fees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap(), f["amount"].as_i64().unwrap()))
        .collect();
    assert_eq!(fees, [("delivery_fee", 900)], "charged once, no tip on the first attempt");
    assert_eq!(view["fee_total"], 900);
    assert_eq!(hq.notes(fo, "rider_on_the_way").await.len(), 1);
    let delivered = hq.notes(fo, "delivered").await;
    assert_eq!(delivered.len(), 1);
    assert!(delivered[0].contains("TM-SC-1"), "{delivered:?}");
    let o = hq
        .admin_get(&format!("/api/v1/orders/{}", hq.device_view(&token, fo).await["order_id"].as_str().unwrap()))
        .await;
    assert_eq!(o.body["status"], "completed", "{}", o.body);
    hq.assert_audit_clean().await;
}

#[tokio::test]
async fn forged_unknown_or_malformed_callbacks_are_refused_and_change_nothing() {
    let hq = Hq::unreachable().await;
    let token = hq.enrol("STORE-A").await;
    let (fo, booking) = same_city_booked(&hq, &token, "TM-SC-F", 1).await;
    let before = hq.courier_fingerprint().await;
    let good = dada_callback(booking, "DD-TM-SC-F", 2, 1_000, rider());

    let r = hq.callback("/api/v1/couriers/dada/callback?token=guess", &good).await;
    assert_eq!((r.status, r.body["status"].as_str()), (StatusCode::FORBIDDEN, Some("fail")), "{}", r.body);
    let r = hq.callback("/api/v1/couriers/dada/callback", &good).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(hq.courier_fingerprint().await, before);
    let r = hq.callback(&rider_path("dada"), &good).await;
    assert_eq!(r.status, StatusCode::OK, "sanity: the right token takes it");
    let after_good = hq.courier_fingerprint().await;
    assert_ne!(after_good, before);
    let before = after_good;
    // The token of another platform is not this one's.
    let wrong_token = format!("/api/v1/couriers/dada/callback?token={}", super::SECRETS[5]);
    assert_eq!(hq.callback(&wrong_token, &good).await.status, StatusCode::FORBIDDEN);

    let mut forged = dada_callback(booking, "DD-TM-SC-F", 3, 1_100, json!({}));
    forged["signature"] = json!("0123456789abcdef0123456789abcdef");
    let r = hq.callback(&rider_path("dada"), &forged).await;
    assert_eq!((r.status, r.body["status"].as_str()), (StatusCode::UNAUTHORIZED, Some("fail")), "{}", r.body);
    // Signed, but the status was changed after signing: Dada signs client_id, order_id and
    // update_time only, so the token is what keeps strangers out; a changed order id fails.
    let mut moved = dada_callback(booking, "DD-TM-SC-F", 3, 1_100, json!({}));
    moved["order_id"] = json!(Uuid::now_v7().to_string());
    assert_eq!(hq.callback(&rider_path("dada"), &moved).await.status, StatusCode::UNAUTHORIZED);

    let unknown = dada_callback(Uuid::now_v7(), "DD-X", 3, 1_100, json!({}));
    let r = hq.callback(&rider_path("dada"), &unknown).await;
    assert_eq!((r.status, r.body["status"].as_str()), (StatusCode::NOT_FOUND, Some("fail")), "{}", r.body);
    let other_platform = dada_callback(booking, "DD-TM-SC-F", 3, 1_100, json!({}));
    let r = hq.callback(&rider_path("fengniao"), &other_platform).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "a dada booking is unknown to fengniao: {}", r.body);
    let r = hq.callback(&rider_path("dada"), &json!({"hello": 1})).await;
    assert_eq!((r.status, r.body["status"].as_str()), (StatusCode::BAD_REQUEST, Some("fail")), "{}", r.body);
    let not_ours = {
        let mut c: shared::courier::dada::Callback =
            serde_json::from_value(dada_callback(booking, "DD-TM-SC-F", 3, 1_100, json!({}))).unwrap();
        c.order_id = "ORDER-7".into();
        c.sign();
        serde_json::to_value(&c).unwrap()
    };
    assert_eq!(hq.callback(&rider_path("dada"), &not_ours).await.status, StatusCode::BAD_REQUEST);
    let r = hq.raw(Method::POST, &rider_path("dada"), None, "text/plain", b"order_status=3".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.body);
    let r = hq.raw(Method::POST, &rider_path("dada"), None, "application/json", b"{not json".to_vec()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = hq.callback("/api/v1/couriers/meituan/callback?token=x", &good).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "unknown_platform"), "{}", r.body);
    let r = hq.callback("/api/v1/couriers/sf_express/callback?token=x", &good).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "unknown_platform"), "{}", r.body);

    // SF: the token, then the push's shape, then the waybills.
    let push = sf_push(&[("SF1000000000099", booking, "50", "2026-12-01 10:00:00")]);
    let r = hq.callback("/api/v1/couriers/sf-express/route-push?token=guess", &push).await;
    assert_eq!((r.status, r.body["return_code"].as_str()), (StatusCode::FORBIDDEN, Some("1000")), "{}", r.body);
    let r = hq.callback(&sf_path(), &push).await;
    assert_eq!((r.status, r.body["return_code"].as_str()), (StatusCode::NOT_FOUND, Some("1000")), "{}", r.body);
    let r = hq.callback(&sf_path(), &json!({"Body": {}})).await;
    assert_eq!((r.status, r.body["return_code"].as_str()), (StatusCode::BAD_REQUEST, Some("1000")), "{}", r.body);
    let eleven: Vec<(&str, Uuid, &str, &str)> =
        (0..11).map(|_| ("SF1", booking, "30", "2026-12-01 10:00:00")).collect();
    assert_eq!(hq.callback(&sf_path(), &sf_push(&eleven)).await.status, StatusCode::BAD_REQUEST);

    assert_eq!(hq.courier_fingerprint().await, before, "nothing changed");
    assert_eq!(hq.latest(fo).await["status"], "accepted");
}

#[tokio::test]
async fn sf_route_pushes_dispatch_and_deliver_an_express_order_once() {
    let hq = Hq::unreachable().await;
    let token = hq.enrol("STORE-A").await;
    let fo = hq.packed(&token, 1, "TM-EX-1", "ship", &[("SKU-1", 2)]).await;
    let booking = Uuid::now_v7();
    let parcels = json!([parcel(700, &[(1, 1)]), parcel(900, &[(1, 1)])]);
    assert_eq!(hq.push(&token, 4, vec![request(fo, booking, "express", parcels)]).await[0]["status"], "applied");
    let (master, child) = ("SF1000000000001", "SF1000000000002");
    hq.as_booked(booking, "sf_express", master, &[master, child]).await;
    let shelf = hq.shelf("SKU-1").await;

    let t = "2026-12-01 10:00:00";
    let r = hq.callback(&sf_path(), &sf_push(&[(master, booking, "50", t), (child, booking, "50", t)])).await;
    assert_eq!((r.status, r.body["return_code"].as_str()), (StatusCode::OK, Some("0000")), "{}", r.body);
    assert_eq!(hq.state(fo).await, "dispatched");
    assert_eq!(hq.shelf("SKU-1").await, (shelf.0 - 2, shelf.1 - 2));
    // The associate scans the label afterwards (the fact syncs late): recorded, no second
    // movement.
    let out = hq
        .push(
            &token,
            5,
            vec![json!({"kind": "HandOverToCourier", "fulfillment_order_id": fo,
        "check": {"method": "waybill", "waybill_no": child.to_lowercase()}})],
        )
        .await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    assert_eq!(hq.shelf("SKU-1").await, (shelf.0 - 2, shelf.1 - 2));
    let push = sf_push(&[(master, booking, "30", t), (master, booking, "80", "2026-12-02 09:00:00")]);
    assert_eq!(hq.callback(&sf_path(), &push).await.status, StatusCode::OK);
    assert_eq!(hq.callback(&sf_path(), &push).await.status, StatusCode::OK, "pushed again");
    assert_eq!(hq.state(fo).await, "delivered");
    let view = hq.view(fo).await;
    assert_eq!(outcomes(&view), ["applied", "repeated", "applied", "applied", "repeated", "repeated"]);
    assert_eq!(view["bookings"][0]["status"], "delivered");
    assert_eq!(hq.notes(fo, "delivered").await.len(), 1);
    assert_eq!(hq.shelf("SKU-1").await, (shelf.0 - 2, shelf.1 - 2));
    hq.assert_audit_clean().await;
}

#[tokio::test]
async fn a_failed_delivery_comes_back_to_the_store_with_its_stock_reserved_again() {
    let hq = Hq::unreachable().await;
    let token = hq.enrol("STORE-A").await;
    let shelf = hq.shelf("SKU-1").await;
    let (fo, booking) = same_city_booked(&hq, &token, "TM-SC-R", 1).await;
    let order_id = hq.device_view(&token, fo).await["order_id"].as_str().unwrap().to_string();
    let fee_of = |body: &Value| {
        body["totals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["party_kind"] == "store")
            .map_or(0, |t| t["amount"].as_i64().unwrap())
    };
    for (status, at) in [(2, 1_000), (3, 1_100)] {
        assert_eq!(
            hq.callback(&rider_path("dada"), &dada_callback(booking, "DD-R", status, at, rider())).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(hq.state(fo).await, "dispatched");
    assert_eq!(hq.shelf("SKU-1").await, (shelf.0 - 1, shelf.1));
    let earned = fee_of(&hq.admin_get(&format!("/api/v1/orders/{order_id}/attribution")).await.body);
    assert!(earned > 0);
    assert_eq!(
        hq.callback(&rider_path("dada"), &dada_callback(booking, "DD-R", 9, 1_200, rider())).await.status,
        StatusCode::OK
    );
    assert_eq!(hq.device_view(&token, fo).await["courier"]["problem"], "returning_to_store");
    assert_eq!(
        hq.callback(&rider_path("dada"), &dada_callback(booking, "DD-R", 10, 1_300, rider())).await.status,
        StatusCode::OK
    );
    assert_eq!(
        hq.callback(&rider_path("dada"), &dada_callback(booking, "DD-R", 10, 1_300, rider())).await.status,
        StatusCode::OK
    );

    assert_eq!(hq.state(fo).await, "packed", "back at the store, to be sent again");
    assert_eq!(hq.shelf("SKU-1").await, (shelf.0, shelf.1 + 1), "on the shelf again, reserved for the order again");
    let device = hq.device_view(&token, fo).await;
    assert_eq!(
        (device["state"].as_str(), device["courier"]["problem"].as_str()),
        (Some("packed"), Some("returned_to_store"))
    );
    assert_eq!(
        fee_of(&hq.admin_get(&format!("/api/v1/orders/{order_id}/attribution")).await.body),
        0,
        "the fee is earned when it leaves again"
    );
    // The store sends it again: a new booking, attempt 2.
    let again = Uuid::now_v7();
    let out = hq.push(&token, 5, vec![request(fo, again, "same_city", json!([parcel(800, &[(1, 1)])]))]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    let b = hq.latest(fo).await;
    assert_eq!(
        (b["id"].as_str(), b["attempt"].as_u64(), b["status"].as_str()),
        (Some(again.to_string().as_str()), Some(2), Some("queued"))
    );
    hq.assert_audit_clean().await;
}

#[tokio::test]
async fn a_rider_cancel_books_again_with_a_higher_tip_until_no_rider_is_found() {
    let hq = Hq::unreachable().await;
    let policy = json!({"dispatch_rule": "cheapest", "max_attempts": 3, "tip_step_fen": 300, "tip_cap_fen": 500});
    assert_eq!(hq.admin_put("/api/v1/settings/courier-policy", &policy).await.status, StatusCode::OK);
    let token = hq.enrol("STORE-A").await;
    let (fo, first) = same_city_booked(&hq, &token, "TM-SC-D", 1).await;

    // The rider takes it, then cancels; the platform deducts a fee.
    assert_eq!(
        hq.callback(&rider_path("dada"), &dada_callback(first, "DD-1", 2, 1_000, rider())).await.status,
        StatusCode::OK
    );
    let cancel = dada_callback(
        first,
        "DD-1",
        5,
        1_100,
        json!({"cancel_from": 1, "cancel_reason": "骑手有事", "deduct_fee": 2.0}),
    );
    assert_eq!(hq.callback(&rider_path("dada"), &cancel).await.status, StatusCode::OK);
    assert_eq!(hq.callback(&rider_path("dada"), &cancel).await.status, StatusCode::OK, "repeated: one re-dispatch");
    let view = hq.view(fo).await;
    let bookings = view["bookings"].as_array().unwrap();
    assert_eq!(bookings.len(), 2, "{view}");
    assert_eq!((bookings[0]["status"].as_str(), bookings[0]["penalty"].as_i64()), (Some("cancelled"), Some(200)));
    let second = &bookings[1];
    assert_eq!(
        (second["attempt"].as_u64(), second["status"].as_str(), second["tip"].as_i64(), second["problem"].as_str()),
        (Some(2), Some("queued"), Some(300), Some("rider_cancelled"))
    );
    assert_ne!(second["rider_code"], bookings[0]["rider_code"], "a new code for the new rider");
    assert!(view["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["kind"] == "book" && t["booking_id"] == second["id"] && t["done_at"].is_null()));
    assert_eq!(
        hq.device_view(&token, fo).await["courier"]["problem"],
        "rider_cancelled",
        "the store sees: re-dispatching"
    );
    assert_eq!(hq.state(fo).await, "awaiting_courier");

    // The second goes to the other platform and nobody takes it in time.
    let second: Uuid = second["id"].as_str().unwrap().parse().unwrap();
    hq.as_booked(second, "fengniao", "FN-2", &[]).await;
    assert_eq!(
        hq.callback(&rider_path("fengniao"), &dada_callback(second, "FN-2", 7, 2_000, json!({}))).await.status,
        StatusCode::OK
    );
    let third = hq.latest(fo).await;
    assert_eq!(
        (third["attempt"].as_u64(), third["tip"].as_i64(), third["problem"].as_str()),
        (Some(3), Some(500), Some("no_rider_yet")),
        "the tip stops at the cap"
    );
    let third: Uuid = third["id"].as_str().unwrap().parse().unwrap();
    hq.as_booked(third, "dada", "DD-3", &[]).await;
    assert_eq!(
        hq.callback(&rider_path("dada"), &dada_callback(third, "DD-3", 7, 3_000, json!({}))).await.status,
        StatusCode::OK
    );

    let view = hq.view(fo).await;
    assert_eq!(view["bookings"].as_array().unwrap().len(), 3, "no fourth: HQ allows three");
    let last = hq.device_view(&token, fo).await["courier"].clone();
    assert_eq!((last["status"].as_str(), last["problem"].as_str()), (Some("expired"), Some("no_rider_found")));
    let fees: Vec<(&str, i64)> = view["fees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap(), f["amount"].as_i64().unwrap()))
        .collect();
    assert_eq!(fees, [("cancellation_fee", 200)]);
    // The store asks again (or for express): a new request starts the count again.
    let again = Uuid::now_v7();
    assert_eq!(
        hq.push(&token, 5, vec![request(fo, again, "same_city", json!([parcel(800, &[(1, 1)])]))]).await[0]["status"],
        "applied"
    );
    let b = hq.latest(fo).await;
    assert_eq!((b["attempt"].as_u64(), b["tip"].as_i64(), b["problem"].clone()), (Some(4), Some(0), Value::Null));
}

#[tokio::test]
async fn the_hand_over_to_the_rider_is_a_fact_checked_against_the_code() {
    let hq = Hq::unreachable().await;
    let token = hq.enrol("STORE-A").await;
    let (fo, booking) = same_city_booked(&hq, &token, "TM-SC-H", 1).await;
    assert_eq!(
        hq.callback(&rider_path("dada"), &dada_callback(booking, "DD-H", 2, 1_000, rider())).await.status,
        StatusCode::OK
    );
    let shelf = hq.shelf("SKU-1").await;
    let code = hq.latest(fo).await["rider_code"].as_str().unwrap().to_string();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let out = hq
        .push(
            &token,
            5,
            vec![json!({"kind": "HandOverToCourier", "fulfillment_order_id": fo,
        "check": {"method": "rider_code", "code": wrong}})],
        )
        .await;
    assert_eq!(
        (out[0]["status"].as_str(), out[0]["code"].as_str()),
        (Some("conflict"), Some("unverified_handover")),
        "{out:?}"
    );
    assert_eq!(hq.state(fo).await, "dispatched", "the parcels left all the same");
    assert_eq!(hq.shelf("SKU-1").await, (shelf.0 - 1, shelf.1 - 1));
    // The platform reports the pickup after the store's hand-over: no second movement.
    assert_eq!(
        hq.callback(&rider_path("dada"), &dada_callback(booking, "DD-H", 3, 1_100, rider())).await.status,
        StatusCode::OK
    );
    assert_eq!(hq.shelf("SKU-1").await, (shelf.0 - 1, shelf.1 - 1));
    assert_eq!(hq.view(fo).await["bookings"][0]["status"], "collected");

    // Another order, the right code: applied.
    let (fo2, booking2) = same_city_booked(&hq, &token, "TM-SC-H2", 6).await;
    assert_eq!(
        hq.callback(&rider_path("dada"), &dada_callback(booking2, "DD-H2", 2, 1_000, rider())).await.status,
        StatusCode::OK
    );
    let code2 = hq.latest(fo2).await["rider_code"].as_str().unwrap().to_string();
    let out = hq
        .push(
            &token,
            10,
            vec![json!({"kind": "HandOverToCourier", "fulfillment_order_id": fo2,
        "check": {"method": "rider_code", "code": format!(" {code2} ")}})],
        )
        .await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    assert_eq!(hq.state(fo2).await, "dispatched");
    assert!(hq.flags(fo2).await.is_empty());
    assert_eq!(hq.flags(fo).await, ["unverified_handover"]);
    hq.assert_audit_clean().await;
}

#[tokio::test]
async fn hq_cancels_while_the_rider_is_on_the_way_and_the_rider_picks_up_anyway() {
    let hq = Hq::unreachable().await;
    let token = hq.enrol("STORE-A").await;
    let shelf = hq.shelf("SKU-1").await;
    let (fo, booking) = same_city_booked(&hq, &token, "TM-SC-C", 1).await;
    assert_eq!(
        hq.callback(&rider_path("dada"), &dada_callback(booking, "DD-C", 2, 1_000, rider())).await.status,
        StatusCode::OK
    );
    let order_id = hq.device_view(&token, fo).await["order_id"].as_str().unwrap().to_string();
    let r = hq.admin_post(&format!("/api/v1/orders/{order_id}/cancel"), json!(null)).await;
    assert_eq!((r.status, r.body["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{}", r.body);
    let view = hq.view(fo).await;
    assert!(
        view["tasks"].as_array().unwrap().iter().any(|t| t["kind"] == "cancel" && t["done_at"].is_null()),
        "the platform is asked to cancel through the outbox: {view}"
    );
    assert_eq!(hq.shelf("SKU-1").await, shelf, "released");
    // The pickup callback crosses the cancellation: the goods left; HQ follows it up.
    assert_eq!(
        hq.callback(&rider_path("dada"), &dada_callback(booking, "DD-C", 3, 1_100, rider())).await.status,
        StatusCode::OK
    );
    assert_eq!(hq.state(fo).await, "cancelled");
    assert_eq!(hq.shelf("SKU-1").await, (shelf.0 - 1, shelf.1));
    assert_eq!(hq.flags(fo).await, ["collected_after_cancel"]);
    // A cancellation the rider reports later changes nothing and books no one else.
    assert_eq!(
        hq.callback(&rider_path("dada"), &dada_callback(booking, "DD-C", 5, 1_200, json!({}))).await.status,
        StatusCode::OK
    );
    assert_eq!(hq.view(fo).await["bookings"].as_array().unwrap().len(), 1);
    hq.assert_audit_clean().await;
}

#[tokio::test]
async fn courier_notifications_are_leased_redelivered_and_acknowledged() {
    use sync_server::storage::followups::{self, NOTIFICATION_LEASE_MS};
    let hq = Hq::unreachable().await;
    let token = hq.enrol("STORE-A").await;
    let (fo, booking) = same_city_booked(&hq, &token, "TM-SC-N", 1).await;
    assert_eq!(
        hq.callback(&rider_path("dada"), &dada_callback(booking, "DD-N", 2, 1_000, rider())).await.status,
        StatusCode::OK
    );
    let mine = |ns: &[shared::admin::Notification]| {
        ns.iter().filter(|n| n.fulfillment_order_id == Some(fo)).cloned().collect::<Vec<_>>()
    };
    let claimed = mine(&hq.claim_notifications().await);
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].kind, "rider_on_the_way");
    assert!(claimed[0].body.contains("李骑手"), "{}", claimed[0].body);
    assert!(mine(&hq.claim_notifications().await).is_empty(), "leased to the first claimer");
    // Never acknowledged: handed out again after the lease (time passed in).
    let later = chrono::Utc::now().timestamp_millis() + NOTIFICATION_LEASE_MS + 1;
    let again =
        sync_server::service::write(hq.storage.as_ref(), move |tx| Ok(followups::claim_notifications(tx, 100, later)?))
            .await
            .unwrap();
    assert!(again.iter().any(|n| n.id == claimed[0].id), "redelivered");
    let r = hq.admin_post(&format!("/api/v1/notifications/{}/ack", claimed[0].id), json!(null)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let much_later = later + 10 * NOTIFICATION_LEASE_MS;
    let none = sync_server::service::write(hq.storage.as_ref(), move |tx| {
        Ok(followups::claim_notifications(tx, 100, much_later)?)
    })
    .await
    .unwrap();
    assert!(none.iter().all(|n| n.id != claimed[0].id), "acknowledged: never again");
}
