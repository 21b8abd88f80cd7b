//! HQ sets the business rules as data: validated against the ranges the OpenAPI document
//! states, applied by the server from then on, and carried to devices on every pull page.

use crate::common::{ready_pickup_order, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

const PATH: &str = "/api/v1/settings/business-rules";

async fn put(s: &TestServer, body: &Value) -> (StatusCode, Value) {
    s.admin_put(PATH, body).await.into()
}

/// Every page of the store's pull, from the start.
async fn pull_all(s: &TestServer, token: &str) -> Vec<Value> {
    let mut cursor = "0".to_string();
    let mut pages = Vec::new();
    loop {
        let r = s.device_get(token, &format!("/api/v1/sync/pull?cursor={cursor}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        cursor = r.body["cursor"].as_str().unwrap().to_string();
        let more = r.body["has_more"] == json!(true);
        pages.push(r.body);
        if !more {
            return pages;
        }
    }
}

#[tokio::test]
async fn business_rules_are_validated_by_their_documented_ranges_and_nothing_changes_on_a_refusal() {
    let s = TestServer::with_fixture().await;
    let defaults = s.admin_get(PATH).await;
    assert_eq!(defaults.status, StatusCode::OK);
    assert_eq!(
        defaults.body,
        json!({
            "fulfillment_fee_bp": 300,
            "same_city_radius_km": 30,
            "return_manager_limit_fen": 200000,
            "pickup_max_attempts": 5,
            "pickup_lockout_minutes": 15,
            "pickup_code_valid_days": 7,
            "promise_pickup_minutes": 120,
            "promise_same_city_minutes": 60,
            "promise_ship_minutes": 1440,
        }),
        "the rules a new installation runs with"
    );
    let doc = s.admin_get("/api/v1/openapi.json").await.body;
    let properties = doc["components"]["schemas"]["BusinessRules"]["properties"].as_object().unwrap().clone();
    assert_eq!(properties.len(), 9, "every rule is documented");
    for (name, schema) in &properties {
        let (min, max) = (schema["minimum"].as_i64().unwrap(), schema["maximum"].as_i64().unwrap());
        for (value, ok) in [(min, true), (max, true), (min - 1, false), (max + 1, false)] {
            let mut body = defaults.body.clone();
            body[name] = json!(value);
            let (status, answer) = put(&s, &body).await;
            if ok {
                assert_eq!(
                    (status, &answer),
                    (StatusCode::OK, &body),
                    "{name} = {value} is within the documented range"
                );
            } else if value >= 0 {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name} = {value}: {answer}");
                assert_eq!(answer["error"]["code"], "invalid_business_rules", "{answer}");
                let message = answer["error"]["message"].as_str().unwrap();
                assert!(message.contains(name.as_str()) && message.contains(&format!("{min} to {max}")), "{message}");
            } else {
                // Below zero for an unsigned rule: refused while reading the body.
                assert!(status.is_client_error(), "{name} = {value}: {status} {answer}");
            }
        }
    }
    assert_eq!(put(&s, &defaults.body).await.0, StatusCode::OK);
    // An HQ client older than the promise windows still sets the rules it knows; the
    // promises keep their defaults.
    let mut older = defaults.body.clone();
    for field in ["promise_pickup_minutes", "promise_same_city_minutes", "promise_ship_minutes"] {
        older.as_object_mut().unwrap().remove(field);
    }
    older["fulfillment_fee_bp"] = json!(250);
    let (status, answer) = put(&s, &older).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        (answer["fulfillment_fee_bp"].clone(), answer["promise_pickup_minutes"].clone()),
        (json!(250), json!(120))
    );
    assert_eq!(put(&s, &defaults.body).await.0, StatusCode::OK);
    let before = s.fingerprint().await;
    let mut unknown = defaults.body.clone();
    unknown["surprise_fee_bp"] = json!(1);
    let mut partial = defaults.body.clone();
    partial.as_object_mut().unwrap().remove("pickup_max_attempts");
    for bad in [unknown, partial, json!({}), json!("300"), json!({"fulfillment_fee_bp": "300"})] {
        let (status, body) = put(&s, &bad).await;
        assert!(status.is_client_error(), "{bad}: {status} {body}");
        assert!(body["error"]["code"].is_string(), "{body}");
    }
    assert_eq!(s.fingerprint().await, before, "a refused change leaves nothing behind");
    assert_eq!(s.admin_get(PATH).await.body, defaults.body);
}

#[tokio::test]
async fn devices_get_the_offline_rules_on_every_page_and_new_pickup_codes_last_as_long_as_hq_says() {
    let s = TestServer::with_fixture().await;
    let token = s.enrol("STORE-A").await;
    for page in pull_all(&s, &token).await {
        assert_eq!(page["rules"]["pickup_max_attempts"], 5, "the defaults until HQ sets them");
    }
    let mut rules = s.admin_get(PATH).await.body;
    rules["pickup_max_attempts"] = json!(3);
    rules["pickup_lockout_minutes"] = json!(45);
    rules["pickup_code_valid_days"] = json!(2);
    rules["return_manager_limit_fen"] = json!(50_000);
    rules["promise_pickup_minutes"] = json!(90);
    assert_eq!(put(&s, &rules).await.0, StatusCode::OK);

    let before_ms = chrono::Utc::now().timestamp_millis();
    let fo = ready_pickup_order(&s, &token, 1, "TM-RULES-1").await;
    let after_ms = chrono::Utc::now().timestamp_millis();
    let pages = pull_all(&s, &token).await;
    for page in &pages {
        assert_eq!(
            page["rules"],
            json!({
                "return_manager_limit_fen": 50000,
                "pickup_max_attempts": 3,
                "pickup_lockout_minutes": 45,
                "pickup_code_valid_days": 2,
                "promise_pickup_minutes": 90,
                "promise_same_city_minutes": 60,
                "promise_ship_minutes": 1440,
            }),
            "the device's part of the rules, and only that part, on every page"
        );
    }
    let order = pages
        .iter()
        .flat_map(|p| p["changes"].as_array().unwrap().iter())
        .find(|c| c["entity"] == "fulfillment_order" && c["id"] == json!(fo.to_string()))
        .expect("the ready order reaches the device")
        .clone();
    let expires = chrono::DateTime::parse_from_rfc3339(order["pickup_code"]["expires_at"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    let two_days = 2 * 86_400_000;
    assert!(
        (before_ms + two_days - 1_000..=after_ms + two_days + 1_000).contains(&expires),
        "the code is valid for the two days HQ set: {order}"
    );
    let sms = s.admin_post("/api/v1/notifications/claim", json!({})).await;
    assert!(
        sms.body.to_string().contains("2 天内有效") && sms.body.to_string().contains("valid 2 days"),
        "{}",
        sms.body
    );
}
