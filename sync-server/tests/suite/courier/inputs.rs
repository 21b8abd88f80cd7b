//! What a store or HQ may send about couriers, and what it may not: bad input on every new
//! endpoint and op answered with a 4xx (or a rejected op) changing nothing, requests kept
//! with `not_configured` on a server without couriers and booked once one has them, and no
//! secret of the courier config in any answer or log line.

use super::{config, parcel, request, Hq, NOWHERE, SECRETS};
use crate::common::{batch, order};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use sync_server::courier::{CourierConfig, Couriers};
use uuid::Uuid;

#[tokio::test]
async fn requests_without_a_courier_config_wait_and_are_booked_once_a_platform_serves_the_store() {
    let hq = Hq::start(None).await;
    let token = hq.enrol("STORE-A").await;
    let fo = hq.packed(&token, 1, "TM-NC-1", "ship", &[("SKU-1", 1)]).await;
    assert_eq!(hq.device_view(&token, fo).await["same_city_offered"], false, "no rider platform");
    let booking = Uuid::now_v7();
    let out = hq.push(&token, 4, vec![request(fo, booking, "express", json!([parcel(500, &[(1, 1)])]))]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    let device = hq.device_view(&token, fo).await;
    assert_eq!(device["state"], "awaiting_courier");
    assert_eq!(
        (device["courier"]["status"].as_str(), device["courier"]["problem"].as_str()),
        (Some("queued"), Some("not_configured"))
    );
    assert_eq!(hq.work().await, 0, "nothing to book with");

    // The server starts again with a courier config serving STORE-A: the request is booked.
    let couriers =
        Couriers::from_config(CourierConfig::parse(&config(&hq.base, NOWHERE, NOWHERE, NOWHERE), &|_| None).unwrap())
            .unwrap();
    sync_server::start_couriers(hq.storage.clone(), &couriers).await.unwrap();
    let view = hq.view(fo).await;
    assert_eq!(view["bookings"][0]["problem"], Value::Null, "{view}");
    assert!(view["tasks"].as_array().unwrap().iter().any(|t| t["kind"] == "book" && t["done_at"].is_null()), "{view}");
    assert_eq!(hq.device_view(&token, fo).await["courier"]["problem"], Value::Null);
}

#[tokio::test]
async fn a_carrier_booked_by_hand_needs_a_tracking_number_in_its_format() {
    let hq = Hq::start(None).await;
    let token = hq.enrol("STORE-A").await;
    let fo = hq.packed(&token, 1, "TM-MAN-1", "ship", &[("SKU-1", 1)]).await;
    let booking = Uuid::now_v7();
    let mut op = request(fo, booking, "manual", json!([parcel(500, &[(1, 1)])]));
    op["carrier"] = json!("sf_express");
    assert_eq!(hq.push(&token, 4, vec![op]).await[0]["status"], "applied");
    let out = hq.push(&token, 5, vec![json!({"kind": "RecordTracking", "fulfillment_order_id": fo, "carrier": "sf_express", "tracking_no": "SF12345"})]).await;
    assert_eq!(
        (out[0]["status"].as_str(), out[0]["code"].as_str()),
        (Some("rejected"), Some("tracking_no_invalid")),
        "{out:?}"
    );
    assert_eq!(hq.state(fo).await, "awaiting_courier");
    let out = hq.push(&token, 6, vec![json!({"kind": "RecordTracking", "fulfillment_order_id": fo, "carrier": "sf_express", "tracking_no": " sf1234567890123 "})]).await;
    assert_eq!(out[0]["status"], "applied", "{out:?}");
    let b = hq.latest(fo).await;
    assert_eq!(
        (b["status"].as_str(), b["platform"].as_str(), b["platform_order_no"].as_str()),
        (Some("collected"), Some("sf_express"), Some("SF1234567890123"))
    );
    assert_eq!(b["parcels"][0]["waybill_no"], "SF1234567890123");
    // An older app: the carrier's name as free text, and any number.
    let old = hq.packed(&token, 7, "TM-MAN-2", "ship", &[("SKU-1", 1)]).await;
    let out = hq.push(&token, 10, vec![
        json!({"kind": "RequestCourier", "fulfillment_order_id": old, "carrier": "闪送"}),
        json!({"kind": "RecordTracking", "fulfillment_order_id": old, "carrier": "闪送", "tracking_no": "SS-778"}),
    ]).await;
    assert!(out.iter().all(|o| o["status"] == "applied"), "{out:?}");
    assert_eq!(hq.state(old).await, "dispatched");
    assert_eq!(hq.latest(old).await, Value::Null, "no booking for the old op, as before");
}

#[tokio::test]
async fn bad_courier_requests_are_rejected_and_change_nothing() {
    let hq = Hq::unreachable().await;
    let token = hq.enrol("STORE-A").await;
    let fo = hq.packed(&token, 1, "TM-BAD-1", "ship", &[("SKU-1", 2)]).await;
    let pickup = hq.admin_post("/api/v1/orders", order("TM-BAD-P", "pickup", Some("STORE-A"), &[("SKU-2", 1)])).await;
    let pickup: Uuid = pickup.body["fulfillment_orders"][0]["id"].as_str().unwrap().parse().unwrap();
    let before = hq.courier_fingerprint().await;
    let two = |w1, w2| json!([parcel(w1, &[(1, 1)]), parcel(w2, &[(1, 1)])]);
    let cases: Vec<(Value, &str)> = vec![
        (request(fo, Uuid::now_v7(), "express", json!([])), "parcels_required"),
        (request(fo, Uuid::now_v7(), "express", two(0, 500)), "parcel_weight_invalid"),
        (request(fo, Uuid::now_v7(), "express", two(500, 50_001)), "parcel_weight_invalid"),
        (request(fo, Uuid::now_v7(), "express", json!([parcel(500, &[(1, 1)])])), "parcels_mismatch"),
        (request(fo, Uuid::now_v7(), "express", json!([parcel(500, &[(1, 2), (2, 1)])])), "parcel_line_unknown"),
        (request(fo, Uuid::now_v7(), "express", json!([parcel(500, &[(1, 2)]), parcel(100, &[])])), "parcel_empty"),
        (
            request(fo, Uuid::now_v7(), "express", json!((0..21).map(|_| parcel(100, &[(1, 1)])).collect::<Vec<_>>())),
            "too_many_parcels",
        ),
        (request(pickup, Uuid::now_v7(), "express", json!([parcel(500, &[(1, 1)])])), "illegal_transition"),
        (
            {
                let mut op = request(fo, Uuid::now_v7(), "manual", json!([parcel(500, &[(1, 2)])]));
                op["carrier"] = json!("x".repeat(65));
                op
            },
            "invalid_field",
        ),
        (
            json!({"kind": "HandOverToCourier", "fulfillment_order_id": Uuid::now_v7(), "check": {"method": "rider_code", "code": "1"}}),
            "not_found",
        ),
        (
            json!({"kind": "RecordTracking", "fulfillment_order_id": fo, "carrier": "zto", "tracking_no": "12"}),
            "tracking_no_invalid",
        ),
        (json!({"kind": "RequestCourier", "fulfillment_order_id": fo}), "delivery_required"),
    ];
    let mut seq = 4;
    for (op, code) in cases {
        let out = hq.push(&token, seq, vec![op.clone()]).await;
        seq += 1;
        assert_eq!(
            (out[0]["status"].as_str(), out[0]["code"].as_str()),
            (Some("rejected"), Some(code)),
            "{op}: {out:?}"
        );
    }
    // Not the protocol's shape at all: the whole push is refused.
    for bad in [
        json!({"kind": "RequestCourier", "fulfillment_order_id": fo, "delivery": {"booking_id": Uuid::now_v7(), "method": "drone", "parcels": []}}),
        json!({"kind": "RequestCourier", "fulfillment_order_id": fo, "delivery": {"booking_id": "x", "method": "express", "parcels": []}}),
        json!({"kind": "HandOverToCourier", "fulfillment_order_id": fo, "check": {"method": "telepathy"}}),
        json!({"kind": "RequestCourier", "fulfillment_order_id": fo, "delivery": {"booking_id": Uuid::now_v7(), "method": "express", "parcels": [{"weight_g": -1, "lines": []}]}}),
    ] {
        let r = hq.device_post(&token, "/api/v1/sync/push", batch(seq, "STORE-A-A", vec![bad.clone()])).await;
        assert!(r.status.is_client_error(), "{bad}: {} {}", r.status, r.body);
        assert!(r.body["error"]["code"].is_string(), "{}", r.body);
    }
    assert_eq!(hq.courier_fingerprint().await, before, "nothing changed");

    // Same-city only within the radius: the customer of this order lives far away.
    let far = hq.packed(&token, seq, "TM-BAD-FAR", "ship", &[("SKU-1", 1)]).await;
    seq += 3;
    let moved = far;
    sync_server::service::write(hq.storage.as_ref(), move |tx| {
        tx.exec(
            "UPDATE orders SET lat_e6 = 39904200, lon_e6 = 116407400 WHERE id = (SELECT order_id FROM fulfillment_order WHERE id = $1)",
            &[moved.to_string().into()],
        )?;
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(hq.device_view(&token, far).await["same_city_offered"], false);
    let out =
        hq.push(&token, seq, vec![request(far, Uuid::now_v7(), "same_city", json!([parcel(500, &[(1, 1)])]))]).await;
    assert_eq!(out[0]["code"], "same_city_not_offered", "{out:?}");
    seq += 1;
    // A booking a platform has must end before another is asked for; a booking id is one
    // order's.
    let booking = Uuid::now_v7();
    assert_eq!(
        hq.push(&token, seq, vec![request(fo, booking, "express", two(500, 600))]).await[0]["status"],
        "applied"
    );
    hq.as_booked(booking, "sf_express", "SF1000000000007", &["SF1000000000007", "SF1000000000008"]).await;
    let out =
        hq.push(&token, seq + 1, vec![request(fo, Uuid::now_v7(), "same_city", json!([parcel(900, &[(1, 2)])]))]).await;
    assert_eq!(out[0]["code"], "courier_already_booked", "{out:?}");
    let out = hq.push(&token, seq + 2, vec![request(far, booking, "express", json!([parcel(500, &[(1, 1)])]))]).await;
    assert_eq!(out[0]["code"], "booking_id_reused", "{out:?}");
}

#[tokio::test]
async fn the_new_endpoints_refuse_bad_input_with_a_json_4xx() {
    let hq = Hq::unreachable().await;
    let token = hq.enrol("STORE-A").await;
    let fo = hq.packed(&token, 1, "TM-EP-1", "ship", &[("SKU-1", 1)]).await;
    let r = hq.admin_get("/api/v1/settings/courier-policy").await;
    assert_eq!(
        r.body,
        json!({"dispatch_rule": "cheapest", "max_attempts": 3, "tip_step_fen": 200, "tip_cap_fen": 1000})
    );
    let before = hq.courier_fingerprint().await;
    let put = |body: Value| hq.admin_put("/api/v1/settings/courier-policy", body);
    for (body, status, code) in [
        (json!({"max_attempts": 0}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_courier_policy"),
        (json!({"max_attempts": 11}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_courier_policy"),
        (json!({"tip_cap_fen": 20_001}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_courier_policy"),
        (json!({"tip_step_fen": -1}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_courier_policy"),
        (json!({"dispatch_rule": "random"}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
        (json!({"bogus": 1}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
        (json!([1]), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
    ] {
        let r = put(body.clone()).await;
        assert_eq!((r.status, r.code()), (status, code), "{body}: {}", r.body);
    }
    let r = hq
        .raw(
            Method::PUT,
            "/api/v1/settings/courier-policy",
            Some(crate::common::ADMIN_TOKEN),
            "application/json",
            b"{".to_vec(),
        )
        .await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "malformed_json"));
    let r = hq
        .raw(
            Method::PUT,
            "/api/v1/settings/courier-policy",
            Some(crate::common::ADMIN_TOKEN),
            "text/plain",
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    for (method, path) in [
        (Method::GET, "/api/v1/settings/courier-policy".to_string()),
        (Method::PUT, "/api/v1/settings/courier-policy".to_string()),
        (Method::GET, format!("/api/v1/fulfillment-orders/{fo}/courier")),
        (Method::POST, format!("/api/v1/fulfillment-orders/{fo}/courier/refresh")),
        (Method::POST, format!("/api/v1/fulfillment-orders/{fo}/courier/cancel")),
    ] {
        let r = hq.send(hq.request(method.clone(), &path, None, Some(&json!({})))).await;
        assert_eq!((r.status, r.code()), (StatusCode::UNAUTHORIZED, "missing_token"), "{method} {path}");
        let r = hq.send(hq.request(method.clone(), &path, Some(&token), Some(&json!({})))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "a device token is not HQ's: {method} {path}");
    }
    for id in ["abc".to_string(), Uuid::now_v7().to_string()] {
        let r = hq.admin_get(&format!("/api/v1/fulfillment-orders/{id}/courier")).await;
        assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"), "{}", r.body);
        let r = hq.admin_post(&format!("/api/v1/fulfillment-orders/{id}/courier/refresh"), json!(null)).await;
        assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"), "{}", r.body);
        let r = hq.admin_post(&format!("/api/v1/fulfillment-orders/{id}/courier/cancel"), json!(null)).await;
        assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"), "{}", r.body);
    }
    let r = hq.admin_post(&format!("/api/v1/fulfillment-orders/{fo}/courier/refresh"), json!(null)).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "nothing_to_track"), "{}", r.body);
    let r = hq.admin_post(&format!("/api/v1/fulfillment-orders/{fo}/courier/cancel"), json!(null)).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "nothing_to_cancel"), "{}", r.body);
    assert_eq!(hq.courier_fingerprint().await, before, "nothing changed");
    assert_eq!(hq.admin_get("/api/v1/settings/courier-policy").await.body["max_attempts"], 3);
    // A good policy is taken whole; a value left out takes its default.
    let r = put(json!({"dispatch_rule": "fastest", "tip_step_fen": 100})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        hq.admin_get("/api/v1/settings/courier-policy").await.body,
        json!({"dispatch_rule": "fastest", "max_attempts": 3, "tip_step_fen": 100, "tip_cap_fen": 1000})
    );
}

/// Log lines written while it is the thread's subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test]
async fn courier_secrets_appear_in_no_answer_and_no_log_line() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let parsed = CourierConfig::parse(&config("http://hq", NOWHERE, NOWHERE, NOWHERE), &|_| None).unwrap();
    let mut seen = format!("{parsed:?} {:?}", Couriers::from_config(parsed.clone()).unwrap());
    let hq = Hq::unreachable().await;
    let token = hq.enrol("STORE-A").await;
    let express = hq.packed(&token, 1, "TM-SEC-1", "ship", &[("SKU-1", 1)]).await;
    let rider = hq.packed(&token, 4, "TM-SEC-2", "same_city", &[("SKU-2", 1)]).await;
    hq.push(
        &token,
        7,
        vec![
            request(express, Uuid::now_v7(), "express", json!([parcel(500, &[(1, 1)])])),
            request(rider, Uuid::now_v7(), "same_city", json!([parcel(500, &[(1, 1)])])),
        ],
    )
    .await;
    // The platforms cannot be reached: the worker logs and retries later.
    hq.work().await;
    let views = [hq.view(express).await, hq.view(rider).await];
    assert!(views[0]["tasks"][0]["last_error"].is_string(), "{}", views[0]);
    for v in &views {
        seen.push_str(&v.to_string());
    }
    let wrong = super::dada_callback(Uuid::now_v7(), "X", 2, 1, json!({}));
    for path in ["/api/v1/couriers/dada/callback?token=guess".to_string(), super::rider_path("dada"), super::sf_path()]
    {
        seen.push_str(&hq.callback(&path, &wrong).await.body.to_string());
    }
    for path in ["/api/v1/settings/courier-policy", "/api/v1/openapi.json", "/api/v1/conflicts?status=all"] {
        seen.push_str(&hq.admin_get(path).await.body.to_string());
    }
    seen.push_str(&hq.device_view(&token, rider).await.to_string());
    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("courier callback refused"), "the refusals are logged: {logged}");
    assert!(logged.contains("courier platform call failed"), "the failed calls are logged: {logged}");
    for secret in SECRETS {
        assert!(!seen.contains(secret), "{secret} in an answer");
        assert!(!logged.contains(secret), "{secret} in the log");
    }
}
