//! The simulator over real HTTP, driven with the shared wire types as the sync server drives
//! it, its callbacks and pushes taken by a tiny loopback receiver that checks their signatures.

// Test helpers panic on failure: that is the failing test.
#![allow(clippy::unwrap_used)]

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use chrono::DateTime;
use courier_sim::{OrdersView, RiderOrderView, RiderPlatform, SfAccount, SfOrderView, SimConfig, Timeline};
use serde_json::Value;
use shared::courier::dada::{self, Answer, Envelope};
use shared::courier::sf::{self, ServiceCode, ServiceRequest, ServiceResponse};
use shared::courier::BookingStatus;
use shared::Fen;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SECRET: &str = "dada-secret";
const CHECKWORD: &str = "sf-checkword";

/// What the receiver got, and how many of the next requests it refuses (HTTP 500).
#[derive(Default)]
struct Inbox {
    dada: Vec<dada::Callback>,
    sf: Vec<sf::WaybillRoute>,
    refuse_next: u32,
    bad_signatures: u32,
}

type Shared = Arc<Mutex<Inbox>>;

async fn dada_cb(State(inbox): State<Shared>, body: axum::body::Bytes) -> StatusCode {
    let mut ib = inbox.lock().unwrap();
    if ib.refuse_next > 0 {
        ib.refuse_next -= 1;
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let cb = dada::Callback::parse(&body).unwrap();
    if cb.verify().is_err() {
        ib.bad_signatures += 1;
        return StatusCode::FORBIDDEN;
    }
    ib.dada.push(cb);
    StatusCode::OK
}

async fn sf_push(
    State(inbox): State<Shared>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
    body: axum::body::Bytes,
) -> axum::Json<sf::PushAnswer> {
    if !sf::push_token_matches("push-token", q.get("token").map(String::as_str).unwrap_or("")) {
        return axum::Json(sf::PushAnswer::failed("bad token"));
    }
    let push = sf::RoutePush::parse(&body).unwrap();
    inbox.lock().unwrap().sf.extend(push.body.waybill_route);
    axum::Json(sf::PushAnswer::ok())
}

async fn receiver() -> (String, Shared) {
    let inbox = Shared::default();
    let app = Router::new().route("/cb", post(dada_cb)).route("/sf", post(sf_push)).with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, inbox)
}

fn config(receiver: &str) -> SimConfig {
    let mut c = SimConfig { timeline: Timeline::Manual, callback_attempts: 4, ..SimConfig::default() };
    c.sf_express = Some(SfAccount {
        partner_id: "OMNI_TEST".into(),
        checkword: Some(CHECKWORD.into()),
        checkword_env: None,
        push_url: Some(format!("{receiver}/sf?token=push-token")),
        callback_token: None,
        callback_token_env: None,
        stores: [("STORE-A".to_owned(), courier_sim::SfStore { monthly_card: "7551234567".into() })].into(),
    });
    c.riders.insert(
        "dada".into(),
        RiderPlatform::new("dada-key", SECRET, "73753").with_shop("STORE-A", "shop-001", Some((31.2304, 121.4737))),
    );
    let mut fast = RiderPlatform::new("fast-key", "fast-secret", "1").with_shop("STORE-A", "fast-001", None);
    fast.base_fee_fen = 1200;
    fast.pickup_minutes = 5;
    c.riders.insert("fast".into(), fast);
    c
}

fn now() -> DateTime<chrono::Utc> {
    DateTime::from_timestamp(1_796_119_200, 0).unwrap()
}

fn order(origin_id: &str, receiver: &str) -> dada::OrderRequest {
    dada::OrderRequest {
        shop_no: "shop-001".into(),
        origin_id: origin_id.into(),
        city_code: "021".into(),
        cargo_price: Fen(25_900),
        is_prepay: 0,
        receiver_name: "张三".into(),
        receiver_address: "上海市黄浦区南京东路 1 号".into(),
        receiver_lat: 31.2397,
        receiver_lng: 121.4998,
        receiver_phone: "13800138000".into(),
        callback: format!("{receiver}/cb"),
        cargo_weight: 1500,
        tips: None,
        info: None,
        cargo_num: Some(2),
        origin_mark_no: None,
        is_finish_code_needed: None,
        fetch_code: Some("4821".into()),
    }
}

async fn dada_call<B: serde::Serialize, T: serde::de::DeserializeOwned>(
    base: &str,
    path: &str,
    secret: &str,
    body: &B,
) -> Answer<T> {
    let e = Envelope::signed("dada-key", secret, "73753", now(), body).unwrap();
    reqwest::Client::new().post(format!("{base}{path}")).json(&e).send().await.unwrap().json().await.unwrap()
}

async fn sf_call<M: serde::Serialize>(base: &str, service: ServiceCode, checkword: &str, msg: &M) -> ServiceResponse {
    let req = ServiceRequest::signed("OMNI_TEST", checkword, service, "req-1", now(), msg).unwrap();
    reqwest::Client::new()
        .post(format!("{base}{}", sf::SERVICE_PATH))
        .header("content-type", "application/x-www-form-urlencoded;charset=UTF-8")
        .body(req.to_form())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn advance(base: &str, platform: &str, id: &str) -> reqwest::StatusCode {
    reqwest::Client::new().post(format!("{base}/sim/orders/{platform}/{id}/advance")).send().await.unwrap().status()
}

async fn orders(base: &str) -> OrdersView {
    reqwest::get(format!("{base}/sim/orders")).await.unwrap().json().await.unwrap()
}

async fn rider_order(base: &str, platform: &str, id: &str) -> RiderOrderView {
    orders(base).await.riders.into_iter().find(|o| o.platform == platform && o.origin_id == id).unwrap()
}

async fn sf_order(base: &str, id: &str) -> SfOrderView {
    orders(base).await.sf_express.into_iter().find(|o| o.order_id == id).unwrap()
}

/// Waits (bounded: up to ~10 s) until `n` Dada callbacks for `id` arrived.
async fn callbacks(inbox: &Shared, id: &str, n: usize) -> Vec<dada::Callback> {
    for _ in 0..500 {
        let got: Vec<_> = inbox.lock().unwrap().dada.iter().filter(|c| c.order_id == id).cloned().collect();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("fewer than {n} callbacks for {id}: {:?}", inbox.lock().unwrap().dada);
}

fn statuses(cbs: &[dada::Callback]) -> Vec<i64> {
    cbs.iter().map(|c| c.order_status).collect()
}

async fn script(base: &str, platform: &str, script: &str) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(format!("{base}/sim/scripts"))
        .json(&serde_json::json!({ "platform": platform, "script": script }))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_quoted_rider_order_calls_back_signed_through_delivery() {
    let (rx, inbox) = receiver().await;
    let sim = courier_sim::start(config(&rx)).await.unwrap();
    let base = sim.platform_url("dada");

    let quote: dada::FeeResult =
        dada_call(&base, dada::path::QUERY_DELIVER_FEE, SECRET, &order("FO-1", &rx)).await.into_result().unwrap();
    assert!(quote.distance > 1_000, "{quote:?}");
    assert_eq!(quote.pickup_minutes, Some(12));
    assert_eq!(quote.fee, quote.deliver_fee);
    let placed: Answer<Value> = dada_call(
        &base,
        dada::path::ADD_AFTER_QUERY,
        SECRET,
        &dada::AddAfterQuery { delivery_no: quote.delivery_no.clone().unwrap() },
    )
    .await;
    assert_eq!(placed.into_unit(), Ok(()));
    // Placing the same quote again changes nothing.
    let again: Answer<Value> = dada_call(
        &base,
        dada::path::ADD_AFTER_QUERY,
        SECRET,
        &dada::AddAfterQuery { delivery_no: quote.delivery_no.unwrap() },
    )
    .await;
    assert_eq!(again.into_unit(), Ok(()));
    assert_eq!(statuses(&callbacks(&inbox, "FO-1", 1).await), [1]);

    for _ in 0..4 {
        assert_eq!(advance(&sim.url(), "dada", "FO-1").await, reqwest::StatusCode::OK);
    }
    let got = callbacks(&inbox, "FO-1", 5).await;
    assert_eq!(statuses(&got), [1, 2, 100, 3, 4]);
    let accepted = &got[1];
    assert!(accepted.dm_name.is_some() && accepted.dm_mobile.is_some(), "{accepted:?}");
    assert!(accepted.rider_position().is_some());
    assert!(got.iter().all(|c| c.fetch_code.as_deref() == Some("4821")), "the code we sent at order time");
    assert!(got.iter().all(|c| !c.client_id.is_empty() && c.client_id == got[0].client_id));
    assert_eq!(got[4].rider_position().map(|p| (p.lat, p.lon)), Some((31.2397, 121.4998)));
    let mapped: Vec<_> = got.iter().map(|c| dada::booking_status(c.order_status).unwrap()).collect();
    use BookingStatus as B;
    assert_eq!(mapped, [B::Dispatching, B::Accepted, B::Arrived, B::Collected, B::Delivered]);
    assert_eq!(inbox.lock().unwrap().bad_signatures, 0);

    assert_eq!(advance(&sim.url(), "dada", "FO-1").await, reqwest::StatusCode::CONFLICT, "nothing after delivery");
    let view = rider_order(&sim.url(), "dada", "FO-1").await;
    assert_eq!(view.status, Some(B::Delivered));
    assert_eq!(view.callbacks.len(), 5);
    assert!(view
        .callbacks
        .iter()
        .all(|c| c.delivered && c.attempts.len() == 1 && c.attempts[0].http_status == Some(200)));

    let status: dada::StatusResult =
        dada_call(&base, dada::path::STATUS_QUERY, SECRET, &dada::StatusQuery { order_id: "FO-1".into() })
            .await
            .into_result()
            .unwrap();
    assert_eq!(status.status_code, dada::status::DELIVERED);
    assert!(status.rider_position().is_some());
    sim.stop().await;
}

#[tokio::test]
async fn bad_signatures_and_unknown_accounts_are_refused() {
    let (rx, _inbox) = receiver().await;
    let sim = courier_sim::start(config(&rx)).await.unwrap();
    let base = sim.platform_url("dada");
    let bad: Answer<dada::FeeResult> =
        dada_call(&base, dada::path::QUERY_DELIVER_FEE, "wrong", &order("FO-2", &rx)).await;
    assert_eq!(bad.code, dada::CODE_SIGNATURE);
    assert_eq!(bad.status, "fail");
    // The other platform's secret does not open this one.
    let other: Answer<dada::FeeResult> =
        dada_call(&sim.platform_url("fast"), dada::path::QUERY_DELIVER_FEE, SECRET, &order("FO-2", &rx)).await;
    assert_eq!(other.code, dada::CODE_APP_KEY);
    let mut unknown_shop = order("FO-2", &rx);
    unknown_shop.shop_no = "nope".into();
    let shop: Answer<dada::FeeResult> = dada_call(&base, dada::path::QUERY_DELIVER_FEE, SECRET, &unknown_shop).await;
    assert_eq!(shop.code, dada::CODE_SHOP_UNKNOWN);
    let garbage =
        reqwest::Client::new().post(format!("{base}{}", dada::path::ADD_ORDER)).body("{").send().await.unwrap();
    assert_eq!(garbage.json::<Answer<Value>>().await.unwrap().code, dada::CODE_PARAMETER);
    assert!(orders(&sim.url()).await.riders.is_empty(), "nothing was created");

    let create = sf_create("FO-S1", 1);
    let refused = sf_call(&sim.url(), ServiceCode::CreateOrder, "wrong", &create).await;
    assert_eq!(refused.api_result_code, sf::API_DIGEST_INVALID);
    assert!(refused.into_result::<sf::CreateOrderAnswer>().is_err());
    let mut req = ServiceRequest::signed("SOMEONE", CHECKWORD, ServiceCode::CreateOrder, "r", now(), &create).unwrap();
    req.partner_id = "SOMEONE".into();
    let resp: ServiceResponse = reqwest::Client::new()
        .post(format!("{}{}", sim.url(), sf::SERVICE_PATH))
        .body(req.to_form())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(resp.api_result_code, sf::API_NO_PERMISSION);
    assert!(orders(&sim.url()).await.sf_express.is_empty());
    sim.stop().await;
}

fn sf_create(order_id: &str, parcels: u32) -> sf::CreateOrder {
    let party = |t, name: &str, city: &str| sf::ContactInfo {
        contact_type: t,
        company: None,
        contact: name.into(),
        mobile: Some("13800138000".into()),
        tel: None,
        country: "CN".into(),
        province: city.into(),
        city: city.into(),
        county: "".into(),
        address: "南京东路 1 号".into(),
        post_code: None,
    };
    sf::CreateOrder {
        language: "zh-CN".into(),
        order_id: order_id.into(),
        contact_info_list: vec![
            party(sf::CONTACT_SENDER, "南京东路店", "上海市"),
            party(sf::CONTACT_RECIPIENT, "张三", "北京市"),
        ],
        cargo_details: vec![sf::CargoDetail { name: "T恤".into(), count: 2, unit: Some("件".into()), weight: 1800 }],
        express_type_id: 2,
        pay_method: 1,
        monthly_card: Some("7551234567".into()),
        parcel_qty: parcels,
        total_weight: 1800,
        is_return_routelabel: 1,
        remark: None,
    }
}

#[tokio::test]
async fn sf_creates_idempotently_one_waybill_per_parcel_and_pushes_routes() {
    let (rx, inbox) = receiver().await;
    let sim = courier_sim::start(config(&rx)).await.unwrap();
    let url = sim.url();
    let first: sf::CreateOrderAnswer =
        sf_call(&url, ServiceCode::CreateOrder, CHECKWORD, &sf_create("FO-S2", 2)).await.into_result().unwrap();
    let waybills = first.parcel_waybill_nos();
    assert_eq!(waybills.len(), 2);
    assert_eq!(first.waybill_no_info_list[0].waybill_type, sf::WAYBILL_MASTER);
    assert_eq!(first.waybill_no_info_list[1].waybill_type, sf::WAYBILL_CHILD);
    for w in &waybills {
        assert!(shared::courier::KnownCarrier::SfExpress.check_tracking_no(w).is_ok(), "{w}");
        let label = first.label(w).unwrap();
        assert!(label.dest_route_label.starts_with("010"), "{label:?}");
        assert_eq!(label.pro_code, "T6");
    }
    let again: sf::CreateOrderAnswer =
        sf_call(&url, ServiceCode::CreateOrder, CHECKWORD, &sf_create("FO-S2", 2)).await.into_result().unwrap();
    assert_eq!(again, first, "the same order id answers the same waybills");
    assert_eq!(orders(&url).await.sf_express.len(), 1);

    let mut wrong_card = sf_create("FO-S3", 1);
    wrong_card.monthly_card = Some("000".into());
    let refused = sf_call(&url, ServiceCode::CreateOrder, CHECKWORD, &wrong_card).await;
    assert!(matches!(refused.into_result::<sf::CreateOrderAnswer>(), Err(sf::SfError::Business { .. })));

    for _ in 0..4 {
        assert_eq!(advance(&url, "sf_express", "FO-S2").await, reqwest::StatusCode::OK);
    }
    let routes = inbox.lock().unwrap().sf.clone();
    assert_eq!(routes.len(), 8, "one route per waybill per step");
    let master: Vec<&str> = routes.iter().filter(|r| r.mailno == waybills[0]).map(|r| r.op_code.as_str()).collect();
    assert_eq!(master, ["50", "36", "44", "80"]);
    let mut status = BookingStatus::Dispatching;
    for r in routes.iter().filter(|r| r.mailno == waybills[1]) {
        assert_eq!(r.orderid, "FO-S2");
        assert!(sf::parse_accept_time(&r.accept_time).is_ok());
        if let Some(next) = sf::route_status(&r.op_code, status) {
            status = next;
        }
    }
    assert_eq!(status, BookingStatus::Delivered);
    let view = sf_order(&url, "FO-S2").await;
    assert_eq!(view.status, BookingStatus::Delivered);
    assert!(view.pushes.iter().all(|p| p.delivered));

    let query = sf::SearchRoutes {
        language: "zh-CN".into(),
        tracking_type: sf::TRACK_BY_ORDER,
        tracking_number: vec!["FO-S2".into()],
        method_type: 1,
        check_phone_no: None,
    };
    let found: sf::SearchRoutesAnswer =
        sf_call(&url, ServiceCode::SearchRoutes, CHECKWORD, &query).await.into_result().unwrap();
    assert_eq!(found.route_resps.len(), 2);
    assert_eq!(found.route_resps[0].routes.len(), 4);

    // Cancel: not after collection; once before it; not twice.
    let cancel =
        |id: &str| sf::UpdateOrder { order_id: id.into(), deal_type: sf::DEAL_CANCEL, waybill_no_info_list: vec![] };
    let late = sf_call(&url, ServiceCode::UpdateOrder, CHECKWORD, &cancel("FO-S2")).await;
    assert!(
        matches!(late.into_result::<sf::UpdateOrderAnswer>(), Err(sf::SfError::Business { code, .. }) if code == sf::BUSINESS_ORDER_COLLECTED)
    );
    let _: sf::CreateOrderAnswer =
        sf_call(&url, ServiceCode::CreateOrder, CHECKWORD, &sf_create("FO-S4", 1)).await.into_result().unwrap();
    let done: sf::UpdateOrderAnswer =
        sf_call(&url, ServiceCode::UpdateOrder, CHECKWORD, &cancel("FO-S4")).await.into_result().unwrap();
    assert_eq!(done.res_status, 2);
    let twice = sf_call(&url, ServiceCode::UpdateOrder, CHECKWORD, &cancel("FO-S4")).await;
    assert!(
        matches!(twice.into_result::<sf::UpdateOrderAnswer>(), Err(sf::SfError::Business { code, .. }) if code == sf::BUSINESS_ORDER_CANCELLED)
    );
    let unknown = sf_call(&url, ServiceCode::UpdateOrder, CHECKWORD, &cancel("FO-NONE")).await;
    assert!(
        matches!(unknown.into_result::<sf::UpdateOrderAnswer>(), Err(sf::SfError::Business { code, .. }) if code == sf::BUSINESS_ORDER_UNKNOWN)
    );
    assert_eq!(advance(&url, "sf_express", "FO-S4").await, reqwest::StatusCode::CONFLICT);
    sim.stop().await;
}

#[tokio::test]
async fn a_rider_cancels_once_and_the_order_waits_for_our_re_dispatch() {
    let (rx, inbox) = receiver().await;
    let sim = courier_sim::start(config(&rx)).await.unwrap();
    let (url, base) = (sim.url(), sim.platform_url("dada"));
    assert_eq!(script(&url, "dada", "rider_cancels_once").await, reqwest::StatusCode::NO_CONTENT);
    let placed: dada::FeeResult =
        dada_call(&base, dada::path::ADD_ORDER, SECRET, &order("FO-3", &rx)).await.into_result().unwrap();
    assert_eq!(placed.delivery_no, None);
    advance(&url, "dada", "FO-3").await;
    advance(&url, "dada", "FO-3").await;
    let got = callbacks(&inbox, "FO-3", 3).await;
    assert_eq!(statuses(&got), [1, 2, 5]);
    assert_eq!(got[2].cancel_from, dada::CANCEL_FROM_RIDER);
    assert_eq!(advance(&url, "dada", "FO-3").await, reqwest::StatusCode::CONFLICT, "it waits for us");
    // A second placement under the same origin id is refused; re-adding it is the way.
    let dup: Answer<dada::FeeResult> = dada_call(&base, dada::path::ADD_ORDER, SECRET, &order("FO-3", &rx)).await;
    assert_eq!(dup.code, dada::CODE_ORDER_EXISTS);
    let mut again = order("FO-3", &rx);
    again.tips = Some(Fen(200));
    let re: dada::FeeResult = dada_call(&base, dada::path::RE_ADD_ORDER, SECRET, &again).await.into_result().unwrap();
    assert_eq!(re.fee.0, placed.fee.0 + 200, "the tip is paid on top");
    for _ in 0..4 {
        assert_eq!(advance(&url, "dada", "FO-3").await, reqwest::StatusCode::OK);
    }
    let got = callbacks(&inbox, "FO-3", 8).await;
    assert_eq!(statuses(&got), [1, 2, 5, 1, 2, 100, 3, 4]);
    assert_eq!(rider_order(&url, "dada", "FO-3").await.placements, 2);
    sim.stop().await;
}

#[tokio::test]
async fn scripts_expire_fail_create_fail_delivery_and_repeat_callbacks() {
    let (rx, inbox) = receiver().await;
    let sim = courier_sim::start(config(&rx)).await.unwrap();
    let (url, base) = (sim.url(), sim.platform_url("dada"));
    for s in ["expire", "fail_create", "fail_delivery", "duplicate_callbacks"] {
        assert_eq!(script(&url, "dada", s).await, reqwest::StatusCode::NO_CONTENT);
    }
    for id in ["FO-E", "FO-F", "FO-R", "FO-D"] {
        let _: dada::FeeResult =
            dada_call(&base, dada::path::ADD_ORDER, SECRET, &order(id, &rx)).await.into_result().unwrap();
    }
    // Expire: no rider.
    advance(&url, "dada", "FO-E").await;
    assert_eq!(statuses(&callbacks(&inbox, "FO-E", 2).await), [1, 7]);
    // Create failed: the first and only callback, without a platform order number.
    let failed = callbacks(&inbox, "FO-F", 1).await;
    assert_eq!(statuses(&failed), [1000]);
    assert!(failed[0].client_id.is_empty());
    assert_eq!(advance(&url, "dada", "FO-F").await, reqwest::StatusCode::CONFLICT);
    // Delivery fails: back to the store.
    for _ in 0..5 {
        advance(&url, "dada", "FO-R").await;
    }
    assert_eq!(statuses(&callbacks(&inbox, "FO-R", 6).await), [1, 2, 100, 3, 9, 10]);
    // Twice and out of order: each step again after the previous one's late repeat.
    advance(&url, "dada", "FO-D").await;
    advance(&url, "dada", "FO-D").await;
    assert_eq!(statuses(&callbacks(&inbox, "FO-D", 8).await), [1, 1, 2, 1, 2, 100, 2, 100]);
    // Applying only what advances ends where the platform is, each step once.
    let mut status = BookingStatus::Queued;
    let mut applied = Vec::new();
    for c in callbacks(&inbox, "FO-D", 8).await {
        let to = dada::booking_status(c.order_status).unwrap();
        if status.advances_to(to) {
            applied.push(to);
            status = to;
        }
    }
    assert_eq!(applied, [BookingStatus::Dispatching, BookingStatus::Accepted, BookingStatus::Arrived]);

    // SF: a scripted create failure; scripts that need a rider do not apply.
    assert_eq!(script(&url, "sf_express", "expire").await, reqwest::StatusCode::BAD_REQUEST);
    assert_eq!(script(&url, "sf_express", "fail_create").await, reqwest::StatusCode::NO_CONTENT);
    let refused = sf_call(&url, ServiceCode::CreateOrder, CHECKWORD, &sf_create("FO-SF", 1)).await;
    assert!(matches!(refused.into_result::<sf::CreateOrderAnswer>(), Err(sf::SfError::Business { .. })));
    assert_eq!(script(&url, "sf_express", "fail_delivery").await, reqwest::StatusCode::NO_CONTENT);
    let _: sf::CreateOrderAnswer =
        sf_call(&url, ServiceCode::CreateOrder, CHECKWORD, &sf_create("FO-SR", 1)).await.into_result().unwrap();
    for _ in 0..6 {
        assert_eq!(advance(&url, "sf_express", "FO-SR").await, reqwest::StatusCode::OK);
    }
    let ops: Vec<String> =
        inbox.lock().unwrap().sf.iter().filter(|r| r.orderid == "FO-SR").map(|r| r.op_code.clone()).collect();
    assert_eq!(ops, ["50", "36", "44", "70", "99", "80"]);
    assert_eq!(sf_order(&url, "FO-SR").await.status, BookingStatus::Returned);
    sim.stop().await;
}

#[tokio::test]
async fn a_merchant_cancel_after_acceptance_costs_the_penalty_and_tips_rise_only_while_looking() {
    let (rx, inbox) = receiver().await;
    let sim = courier_sim::start(config(&rx)).await.unwrap();
    let (url, base) = (sim.url(), sim.platform_url("dada"));
    for id in ["FO-C1", "FO-C2"] {
        let _: dada::FeeResult =
            dada_call(&base, dada::path::ADD_ORDER, SECRET, &order(id, &rx)).await.into_result().unwrap();
    }
    let tip = |id: &str, fen| dada::AddTip { order_id: id.into(), tips: Fen(fen), city_code: "021".into(), info: None };
    let raised: Answer<Value> = dada_call(&base, dada::path::ADD_TIP, SECRET, &tip("FO-C1", 300)).await;
    assert_eq!(raised.into_unit(), Ok(()));
    assert_eq!(rider_order(&url, "dada", "FO-C1").await.tips_fen, 300);
    let cancel = |id: &str| dada::FormalCancel {
        order_id: id.into(),
        cancel_reason_id: dada::CANCEL_REASON_CUSTOMER,
        cancel_reason: String::new(),
    };
    let free: dada::CancelResult =
        dada_call(&base, dada::path::FORMAL_CANCEL, SECRET, &cancel("FO-C1")).await.into_result().unwrap();
    assert_eq!(free.deduct_fee, Fen::ZERO, "no rider yet: free");

    advance(&url, "dada", "FO-C2").await;
    let late_tip: Answer<Value> = dada_call(&base, dada::path::ADD_TIP, SECRET, &tip("FO-C2", 300)).await;
    assert_eq!(late_tip.code, dada::CODE_STATUS);
    let paid: dada::CancelResult =
        dada_call(&base, dada::path::FORMAL_CANCEL, SECRET, &cancel("FO-C2")).await.into_result().unwrap();
    assert_eq!(paid.deduct_fee, Fen(200));
    let got = callbacks(&inbox, "FO-C2", 3).await;
    assert_eq!(statuses(&got), [1, 2, 5]);
    assert_eq!((got[2].cancel_from, got[2].deduct_fee), (dada::CANCEL_FROM_MERCHANT, Some(Fen(200))));
    let twice: Answer<dada::CancelResult> = dada_call(&base, dada::path::FORMAL_CANCEL, SECRET, &cancel("FO-C2")).await;
    assert_eq!(twice.code, dada::CODE_STATUS);
    let unknown: Answer<dada::CancelResult> =
        dada_call(&base, dada::path::FORMAL_CANCEL, SECRET, &cancel("FO-X")).await;
    assert_eq!(unknown.code, dada::CODE_ORDER_UNKNOWN);
    sim.stop().await;
}

#[tokio::test]
async fn a_callback_the_receiver_refuses_is_retried_until_taken() {
    let (rx, inbox) = receiver().await;
    let sim = courier_sim::start(config(&rx)).await.unwrap();
    let (url, base) = (sim.url(), sim.platform_url("dada"));
    let _: dada::FeeResult =
        dada_call(&base, dada::path::ADD_ORDER, SECRET, &order("FO-T", &rx)).await.into_result().unwrap();
    callbacks(&inbox, "FO-T", 1).await;
    inbox.lock().unwrap().refuse_next = 2;
    advance(&url, "dada", "FO-T").await;
    assert_eq!(statuses(&callbacks(&inbox, "FO-T", 2).await), [1, 2]);
    let view = rider_order(&url, "dada", "FO-T").await;
    let accepted = &view.callbacks[1];
    let codes: Vec<_> = accepted.attempts.iter().map(|a| a.http_status).collect();
    assert_eq!(codes, [Some(500), Some(500), Some(200)]);
    assert!(accepted.delivered);
    // Beyond the bound it gives up and says so.
    inbox.lock().unwrap().refuse_next = 10;
    advance(&url, "dada", "FO-T").await;
    let view = rider_order(&url, "dada", "FO-T").await;
    assert_eq!(view.callbacks[2].attempts.len(), 4);
    assert!(!view.callbacks[2].delivered);
    sim.stop().await;
}

#[tokio::test]
async fn the_control_api_refuses_bad_input_with_an_error_body() {
    let (rx, _inbox) = receiver().await;
    let sim = courier_sim::start(config(&rx)).await.unwrap();
    let url = sim.url();
    let client = reqwest::Client::new();
    for (body, status, code) in [
        (serde_json::json!({"platform":"nope","script":"expire"}), 404, "unknown_platform"),
        (serde_json::json!({"platform":"dada","script":"explode"}), 400, "bad_request"),
        (serde_json::json!({"platform":"dada"}), 400, "bad_request"),
    ] {
        let resp = client.post(format!("{url}/sim/scripts")).json(&body).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{body}");
        let err: Value = resp.json().await.unwrap();
        assert_eq!(err["error"]["code"], code, "{err}");
    }
    assert_eq!(advance(&url, "dada", "FO-NONE").await, reqwest::StatusCode::NOT_FOUND);
    assert_eq!(advance(&url, "nope", "FO-NONE").await, reqwest::StatusCode::NOT_FOUND);
    assert!(courier_sim::start_on(SimConfig::default(), "0.0.0.0:0".parse().unwrap()).await.is_err(), "loopback only");
    sim.stop().await;
}

#[tokio::test]
async fn the_automatic_timeline_moves_the_rider_to_the_shop_then_the_customer() {
    let (rx, inbox) = receiver().await;
    let mut c = config(&rx);
    c.timeline = Timeline::Auto { step_ms: 20 };
    let sim = courier_sim::start(c).await.unwrap();
    let _: dada::FeeResult = dada_call(&sim.platform_url("dada"), dada::path::ADD_ORDER, SECRET, &order("FO-A", &rx))
        .await
        .into_result()
        .unwrap();
    let mut got = Vec::new();
    for _ in 0..500 {
        got = inbox.lock().unwrap().dada.iter().filter(|c| c.order_id == "FO-A").cloned().collect();
        if got.last().is_some_and(|c| c.order_status == dada::status::DELIVERED) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut distinct = statuses(&got);
    distinct.dedup();
    assert_eq!(distinct, [1, 2, 100, 3, 4]);
    let positions: Vec<(f64, f64)> = got.iter().filter_map(|c| c.rider_position()).map(|p| (p.lat, p.lon)).collect();
    assert!(positions.len() > 5, "the rider's moves are reported: {positions:?}");
    let shop = (31.2304, 121.4737);
    let at_shop = positions.iter().position(|p| *p == shop).unwrap();
    assert!(at_shop > 1 && at_shop < positions.len() - 1, "moves toward the shop, then on: {positions:?}");
    sim.stop().await;
}

#[tokio::test]
async fn an_unreachable_receiver_is_tried_a_bounded_number_of_times() {
    let closed = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let sim = courier_sim::start(config(&closed)).await.unwrap();
    let _: dada::FeeResult =
        dada_call(&sim.platform_url("dada"), dada::path::ADD_ORDER, SECRET, &order("FO-U", &closed))
            .await
            .into_result()
            .unwrap();
    let mut view = rider_order(&sim.url(), "dada", "FO-U").await;
    for _ in 0..500 {
        if !view.callbacks.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        view = rider_order(&sim.url(), "dada", "FO-U").await;
    }
    let first = &view.callbacks[0];
    assert!(!first.delivered);
    assert_eq!(first.attempts.len(), 4);
    assert!(first.attempts.iter().all(|a| a.http_status.is_none()));
    // The order goes on regardless: the platform does not wait for its receiver.
    assert_eq!(advance(&sim.url(), "dada", "FO-U").await, reqwest::StatusCode::OK);
    sim.stop().await;
}
