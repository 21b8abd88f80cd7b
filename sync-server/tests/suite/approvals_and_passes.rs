//! What a stolen device cannot do: approve in a manager's name without their PIN, or make a
//! customer's pickup QR. A manager's approval carries a proof the server checks; the QR is a
//! pass HQ signs and devices check with HQ's public key. Devices never see either secret.

use crate::common;
use crate::common::{approval, batch, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::approval::Approved;
use shared::pickup::{pass_public_key, PassCheck, PickupPass};

/// A pickup order of STORE-A taken to ready by `token`; returns its id and notification text.
async fn ready(s: &TestServer, token: &str, first_seq: u64, id: &str) -> (uuid::Uuid, String) {
    let fo = common::ready_pickup_order(s, token, first_seq, id).await;
    let notes = s.admin_post("/api/v1/notifications/claim", json!(null)).await;
    let note = notes.body.as_array().unwrap().iter().find(|n| n["fulfillment_order_id"] == fo.to_string()).cloned();
    (fo, note.expect("the pickup code notification")["body"].as_str().unwrap().to_string())
}

fn outcome(r: &Value) -> (String, String) {
    let o = &r["results"][0]["outcome"];
    (o["status"].as_str().unwrap_or("").into(), o["code"].as_str().unwrap_or("").into())
}

async fn enrol(s: &TestServer) -> (String, String) {
    let r = s.admin_post("/api/v1/enrollment-codes", json!({ "store_code": "STORE-A" })).await;
    let body = json!({"code": r.body["code"], "device_name": "till", "protocol_version": 1});
    let r = s.raw(reqwest::Method::POST, "/api/v1/enroll", None, "application/json", body.to_string().into()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (r.body["token"].as_str().unwrap().into(), r.body["hq_public_key"].as_str().unwrap().into())
}

#[tokio::test]
async fn the_pickup_qr_is_a_pass_hq_signed_and_devices_check_with_its_public_key() {
    let s = TestServer::with_fixture().await;
    let (token, public_hex) = enrol(&s).await;
    let (_, again) = enrol(&s).await;
    assert_eq!(public_hex, again, "one HQ key for every device");
    let public: [u8; 32] = shared::secret::from_hex(&public_hex).unwrap().try_into().unwrap();
    let (fo, body) = ready(&s, &token, 1, "TM-PASS").await;
    let pass = body[body.find("PK2:").unwrap()..].split_whitespace().next().unwrap().to_string();
    let now = chrono::Utc::now().timestamp_millis();
    assert_eq!(PickupPass::parse(&pass).unwrap().check(&public, fo, now), PassCheck::Valid);
    // A pass signed with any other key is not HQ's: the hand-over is recorded (a fact) but
    // flagged as unverified.
    let (other, _) = ready(&s, &token, 5, "TM-FORGED").await;
    let forged = PickupPass::issue(&[9; 32], other, now + 60_000);
    let by = |fo: uuid::Uuid, code: &str| json!({"kind": "HandOver", "fulfillment_order_id": fo, "verification": {"method": "pickup_code", "code": code}});
    let r = s.device_post(&token, "/api/v1/sync/push", batch(9, "STORE-A-A", vec![by(other, &forged)])).await;
    assert_eq!(outcome(&r.body), ("conflict".into(), "unverified_handover".into()), "{}", r.body);
    let r = s.device_post(&token, "/api/v1/sync/push", batch(10, "STORE-A-A", vec![by(fo, &pass)])).await;
    assert_eq!(outcome(&r.body), ("applied".into(), "".into()), "{}", r.body);
    // Nothing a device pulls holds a secret: no signing key, no approval key.
    let pulled = s.device_get(&token, "/api/v1/sync/pull?cursor=0&limit=1000").await;
    let text = pulled.body.to_string();
    assert!(!text.contains("approval_key") && !text.contains("secret"), "{text}");
    // Devices check passes against `pass_public_key` of HQ's key, which only HQ holds.
    assert_ne!(public, pass_public_key(&[9; 32]));
}

#[tokio::test]
async fn a_managers_approval_without_the_proof_of_their_pin_is_flagged() {
    let s = TestServer::with_fixture().await;
    let (token, _) = enrol(&s).await;
    let id_check = |fo: uuid::Uuid, approval: Option<&str>| json!({"kind": "HandOver", "fulfillment_order_id": fo, "verification": {"method": "id_check", "manager_id": "STORE-A-M", "note": "ID card ****1234", "approval": approval}});
    // No proof: recorded, flagged for HQ.
    let (fo, _) = ready(&s, &token, 1, "TM-NOPROOF").await;
    let r = s.device_post(&token, "/api/v1/sync/push", batch(5, "STORE-A-M", vec![id_check(fo, None)])).await;
    assert_eq!(outcome(&r.body), ("conflict".into(), "unverified_handover".into()), "{}", r.body);
    assert!(r.body.to_string().contains("approval"), "{}", r.body);
    // A proof made with a wrong PIN, or for another order, is no proof.
    let (fo, _) = ready(&s, &token, 6, "TM-WRONGPIN").await;
    let what = Approved::IdCheck { fulfillment_order_id: fo, manager_id: "STORE-A-M" };
    let wrong = approval(&s, &token, "STORE-A-M", "0000", what).await;
    let r = s.device_post(&token, "/api/v1/sync/push", batch(10, "STORE-A-M", vec![id_check(fo, Some(&wrong))])).await;
    assert_eq!(outcome(&r.body), ("conflict".into(), "unverified_handover".into()), "{}", r.body);
    let (fo2, _) = ready(&s, &token, 11, "TM-MOVED").await;
    let right_for_fo = approval(&s, &token, "STORE-A-M", "8888", what).await;
    let r = s
        .device_post(&token, "/api/v1/sync/push", batch(15, "STORE-A-M", vec![id_check(fo2, Some(&right_for_fo))]))
        .await;
    assert_eq!(outcome(&r.body), ("conflict".into(), "unverified_handover".into()), "{}", r.body);
    // The manager's own PIN, for this order: verified.
    let (fo3, _) = ready(&s, &token, 16, "TM-PROVEN").await;
    let what = Approved::IdCheck { fulfillment_order_id: fo3, manager_id: "STORE-A-M" };
    let proof = approval(&s, &token, "STORE-A-M", "8888", what).await;
    let r = s.device_post(&token, "/api/v1/sync/push", batch(20, "STORE-A-M", vec![id_check(fo3, Some(&proof))])).await;
    assert_eq!(outcome(&r.body), ("applied".into(), "".into()), "{}", r.body);

    // A return above the manager limit, approved in the manager's name without the proof.
    let big = json!({
        "channel": "tmall", "channel_order_id": "TM-BIG", "fulfillment": "ship",
        "customer": { "name": "张三", "phone": "13800001234", "address": "上海市静安区", "location": { "lat": 31.23, "lon": 121.47 } },
        "lines": [{ "sku_code": "SKU-3", "qty": 5, "unit_price": 59900, "discount": 0 }],
    });
    let r = s.admin_post("/api/v1/orders", big).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let order_id = r.body["id"].as_str().unwrap().to_string();
    // Its goods left (only units that left a node can be returned).
    let id: uuid::Uuid = order_id.parse().unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    sync_server::service::write(s.storage.as_ref(), move |tx| sync_server::service::demo::deliver(tx, id, now))
        .await
        .unwrap();
    let give_back = |return_id: uuid::Uuid, approval: Option<&str>| {
        json!({"kind": "AcceptReturn", "return_id": return_id, "order_id": order_id, "approved_by": "STORE-A-M", "approval": approval,
               "lines": [{"sku_code": "SKU-3", "qty": 4, "condition": "resaleable"}]})
    };
    let unproven = uuid::Uuid::now_v7();
    let r = s.device_post(&token, "/api/v1/sync/push", batch(21, "STORE-A-A", vec![give_back(unproven, None)])).await;
    assert_eq!(outcome(&r.body), ("conflict".into(), "manager_approval_unproven".into()), "{}", r.body);
    let proven = uuid::Uuid::now_v7();
    let what = Approved::Return { return_id: proven, manager_id: "STORE-A-M" };
    let proof = approval(&s, &token, "STORE-A-M", "8888", what).await;
    let r =
        s.device_post(&token, "/api/v1/sync/push", batch(22, "STORE-A-A", vec![give_back(proven, Some(&proof))])).await;
    assert_ne!(outcome(&r.body).1, "manager_approval_unproven", "{}", r.body);
    assert_ne!(outcome(&r.body).1, "manager_approval_missing", "{}", r.body);
    let conflicts = s.admin_get("/api/v1/conflicts").await;
    assert!(conflicts.body.to_string().contains("manager_approval_unproven"), "HQ sees it: {}", conflicts.body);
}
