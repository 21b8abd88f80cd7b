//! Ship from store and same-city delivery in the real app, against a real sync server that
//! books with the courier simulator over real HTTP both ways (the simulator's timeline is
//! stepped by the scenario, so every status arrives when the scenario says):
//!
//! 1. an express order packed into two parcels, labels produced, handed over by scanning a
//!    label, delivered by SF's route pushes;
//! 2. a same-city order whose first rider cancels: the dispatcher books another, who arrives
//!    (the store is alerted) and whose pickup code is checked at the hand-over (a wrong
//!    code first, refused);
//! 3. a courier asked for while the device is offline: queued on the device, booked by HQ
//!    once the device syncs.

use super::{barcodes_of, click, one_app_at_a_time, screen_is, shoot, text_of, wedge_scan};
use courier_sim::Script;
use e2e::couriers::{RIDER_PLATFORM, SF_PLATFORM};
use e2e::{App, AppOptions, CheckAudit, CourierSim, Seed, ServerOptions, Session, SyncServer};
use serde_json::json;
use shared::node::GeoPoint;
use shared::order::Order;
use std::collections::HashMap;
use std::time::Duration;
use test_support::Proxy;
use uuid::Uuid;

/// What the scenarios share.
struct World<'a> {
    app: &'a Session,
    hq: &'a SyncServer,
    sim: &'a CourierSim,
    proxy: &'a Proxy,
    barcodes: HashMap<String, String>,
    in_stock: Vec<String>,
    store_at: GeoPoint,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ship_from_store_express_same_city_and_offline_through_the_real_app() -> e2e::Result<()> {
    let _one_app = one_app_at_a_time().await;
    let port = test_support::free_port().map_err(|e| e2e::Error::Check(format!("no free port: {e}")))?;
    let sim = CourierSim::start(e2e::DEMO_STORE, port).await?;
    let hq = SyncServer::start_with(ServerOptions {
        port: Some(port),
        couriers: Some(sim.server_config(e2e::DEMO_STORE, port)),
        ..ServerOptions::new(Seed::Demo)
    })
    .await?;
    let brand = gen::generate(&gen::GenConfig::default());
    let store_at = brand
        .bundle
        .nodes
        .iter()
        .find(|n| n.code == e2e::DEMO_STORE)
        .map(|n| n.location)
        .ok_or_else(|| e2e::Error::Check("the demo store is in the brand".into()))?;
    let in_stock = hq.skus_in_stock(e2e::DEMO_STORE).await?;
    // The app reaches HQ through a proxy, so the device can go offline while HQ and the
    // courier platforms go on.
    let proxy = Proxy::start(std::net::SocketAddr::from(([127, 0, 0, 1], hq.port()))).await;
    let data = tempfile::tempdir().expect("temp dir");
    let app = App::launch(AppOptions::store_app()?.env("STORE_APP_DATA_DIR", data.path())).await?;
    let world =
        World { app: &app, hq: &hq, sim: &sim, proxy: &proxy, barcodes: barcodes_of(&brand), in_stock, store_at };
    let result = scenario(&world).await;
    if result.is_err() {
        eprintln!("--- courier simulator log ---\n{}", sim.log_tail(60));
    }
    super::finish(app, &hq, "courier-failure", 80, result).await
}

async fn scenario(w: &World<'_>) -> e2e::Result<()> {
    enrol_and_log_in(w).await?;
    express_in_two_parcels(w).await?;
    same_city_rider_cancels_then_another_comes(w).await?;
    requested_offline_booked_after_sync(w).await?;
    w.hq.audit().await?.check()
}

async fn enrol_and_log_in(w: &World<'_>) -> e2e::Result<()> {
    let app = w.app;
    screen_is(app, "enroll").await?;
    let field = app.wait_for("#server-url").await?;
    field.clear().await?;
    field.send_keys(&w.proxy.url()).await?;
    app.find("#enroll-code").await?.send_keys(&w.hq.enrollment_code(e2e::DEMO_STORE).await?).await?;
    click(app, "#enroll-submit").await?;
    screen_is(app, "login").await?;
    let associate = format!(".staff-btn[data-staff-id='{}']", e2e::DEMO_ASSOCIATE);
    app.wait_for_within(&associate, Duration::from_secs(120)).await?.click().await?;
    app.wait_for("#pin-input").await?.send_keys(e2e::DEMO_ASSOCIATE_PIN).await?;
    click(app, "#login-submit").await?;
    screen_is(app, "home").await
}

/// A Tmall order of `kind` (`ship` or `same_city`) for a customer next to the demo store,
/// which it must be routed to.
async fn courier_order(w: &World<'_>, no: &str, kind: &str, lines: &[(&str, i64)]) -> e2e::Result<Order> {
    let near = GeoPoint { lat: w.store_at.lat + 0.01, lon: w.store_at.lon + 0.01 };
    let input = json!({
        "channel": "tmall",
        "channel_order_id": no,
        "fulfillment": kind,
        "customer": { "name": "张三", "phone": "13800001234", "address": "上海市静安区南京西路 1266 号", "location": near },
        "lines": lines.iter().map(|(sku, q)| json!({ "sku_code": sku, "qty": q, "unit_price": 59900, "discount": 5900 })).collect::<Vec<_>>(),
    });
    let order = w.hq.intake_order(&input).await?;
    let nodes: Vec<&str> = order.fulfillment_orders.iter().map(|f| f.node_code.as_str()).collect();
    if nodes != [e2e::DEMO_STORE] {
        return Err(e2e::Error::Check(format!("{no} is routed to {nodes:?}, not the demo store alone")));
    }
    Ok(order)
}

/// Opens the order from the "all orders" list once it reached the device.
async fn open_when_here(app: &Session, order_no: &str) -> e2e::Result<()> {
    let card = format!(".order-card[data-order-no='{order_no}']");
    app.wait_until(&format!("{order_no} on the device"), Duration::from_secs(60), || async {
        screen_is(app, "home").await?;
        click(app, "#tile-all").await?;
        if app.find_all(&card).await?.is_empty() {
            click(app, "#back").await?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            return Ok(None);
        }
        Ok(Some(()))
    })
    .await?;
    click(app, &card).await?;
    screen_is(app, "order").await
}

/// Accepts, picks every unit by wedge scans and opens the pack-into-parcels screen.
async fn accept_and_pick(w: &World<'_>, order: &Order) -> e2e::Result<()> {
    let app = w.app;
    open_when_here(app, &order.channel_order_id).await?;
    click(app, "#accept").await?;
    click(app, "#start-pick").await?;
    screen_is(app, "pick").await?;
    let fo = &order.fulfillment_orders[0];
    let units: i64 = fo.lines.iter().map(|l| l.qty).sum();
    let mut scanned = 0;
    for line in &fo.lines {
        for _ in 0..line.qty {
            wedge_scan(app, &w.barcodes[&line.sku_code]).await?;
            scanned += 1;
            text_of(app, "#pick-progress", &format!("{scanned}/{units}")).await?;
        }
    }
    click(app, "#to-pack").await?;
    screen_is(app, "parcels").await
}

/// Saves the screen at both sizes from its top (a tap may have scrolled it).
async fn shot(app: &Session, name: &str) -> e2e::Result<()> {
    app.execute("window.scrollTo(0, 0);", vec![]).await?;
    shoot(app, name).await
}

/// Clicks `css` after scrolling it to the middle of the view, clear of the sticky top bar
/// and the message line.
async fn tap(app: &Session, css: &str) -> e2e::Result<()> {
    app.wait_for(css).await?;
    app.execute(
        "const el = document.querySelector(arguments[0]); if (el) el.scrollIntoView({ block: 'center' });",
        vec![json!(css)],
    )
    .await?;
    click(app, css).await
}

async fn weigh(app: &Session, parcel: u32, grams: u32) -> e2e::Result<()> {
    let css = format!("#weight-{parcel}");
    // A sync or a scan's answer may redraw the card between finding the field and typing
    // into it: the screen keeps what was typed across a redraw, but a handle to the old
    // field is stale, so the field is found again.
    let mut last = None;
    for _ in 0..3 {
        let field = app.wait_for(&css).await?;
        match async {
            field.clear().await?;
            field.send_keys(&grams.to_string()).await
        }
        .await
        {
            Ok(()) => {
                last = None;
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    if let Some(e) = last {
        return Err(e);
    }
    tap(app, &format!("#weight-save-{parcel}")).await?;
    text_of(app, &format!("#parcel-{parcel} .weight-shown"), &grams.to_string()).await?;
    Ok(())
}

async fn booking_is(app: &Session, status: &str, within: Duration) -> e2e::Result<()> {
    app.wait_for_within(&format!("#booking-status[data-status='{status}']"), within).await?;
    Ok(())
}

async fn hq_state_is(hq: &SyncServer, order: Uuid, state: &str) -> e2e::Result<()> {
    let start = std::time::Instant::now();
    loop {
        let now = hq.order(order).await?.fulfillment_orders[0].state;
        if now.as_str() == state {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(60) {
            return Err(e2e::Error::Check(format!("HQ has the order {}, not {state}", now.as_str())));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// (1) Express, two parcels, labels, hand-over by scanning a label, delivered by SF's pushes.
async fn express_in_two_parcels(w: &World<'_>) -> e2e::Result<()> {
    let app = w.app;
    let (a, b) = (w.in_stock[0].as_str(), w.in_stock[1].as_str());
    let order = courier_order(w, "TM-E2E-SHIP-1", "ship", &[(a, 2), (b, 1)]).await?;
    let fo_id = order.fulfillment_orders[0].id;
    accept_and_pick(w, &order).await?;
    shot(app, "30-parcels-empty").await?;
    // Parcel 1: one unit of A. Parcel 2: the other A and B.
    wedge_scan(app, &w.barcodes[a]).await?;
    text_of(app, "#pack-progress", "1/3").await?;
    tap(app, "#add-parcel").await?;
    app.wait_for("#parcel-2.current").await?;
    wedge_scan(app, &w.barcodes[a]).await?;
    text_of(app, "#pack-progress", "2/3").await?;
    wedge_scan(app, &w.barcodes[b]).await?;
    text_of(app, "#pack-progress", "3/3").await?;
    // One too many is refused; the parcels are not weighed yet.
    wedge_scan(app, &w.barcodes[b]).await?;
    text_of(app, "#toast", "已全部装箱").await?;
    text_of(app, "#parcel-problem", "称重").await?;
    shot(app, "31-parcels-not-weighed").await?;
    weigh(app, 1, 800).await?;
    weigh(app, 2, 1250).await?;
    app.wait_for("#parcels-ok").await?;
    shot(app, "32-parcels-two").await?;
    tap(app, "#confirm-parcels").await?;
    screen_is(app, "ship").await?;
    text_of(app, "#ship-parcels", "2").await?;
    shot(app, "33-ship-methods").await?;
    tap(app, "#method-express").await?;
    tap(app, "#service-priority").await?;
    shot(app, "34-ship-express").await?;
    tap(app, "#request-courier").await?;
    screen_is(app, "booking").await?;

    // HQ books the waybills with SF as soon as the request arrives; the labels come back.
    booking_is(app, "dispatching", Duration::from_secs(60)).await?;
    app.wait_for_within("#print-label-2", Duration::from_secs(30)).await?;
    let waybills = w
        .sim
        .wait_for("SF's waybills", Duration::from_secs(30), |o| {
            o.sf_express.iter().find(|s| s.waybills.len() == 2).map(|s| (s.order_id.clone(), s.waybills.clone()))
        })
        .await?;
    let (sf_order, waybills) = waybills;
    text_of(app, "#waybills", &waybills[1]).await?;
    shot(app, "35-booking-express").await?;
    tap(app, "#print-label-1").await?;
    screen_is(app, "print").await?;
    shot(app, "36-label-page").await?;
    click(app, "#back").await?;
    screen_is(app, "booking").await?;
    // The order says how it leaves, and leads to the hand-over.
    click(app, "#back").await?;
    screen_is(app, "order").await?;
    app.wait_for("#order-booking[data-status='dispatching']").await?;
    shot(app, "35a-order-booked").await?;

    // Hand-over: another order's waybill is refused, this order's label is taken.
    tap(app, "#to-courier-handover").await?;
    screen_is(app, "courier-handover").await?;
    shot(app, "37-handover-label").await?;
    wedge_scan(app, "SF0000000000000").await?;
    text_of(app, "#courier-handover-error", "不属于本订单").await?;
    shot(app, "38-handover-wrong-waybill").await?;
    wedge_scan(app, &waybills[1]).await?;
    screen_is(app, "home").await?;
    text_of(app, "#toast", "已交货").await?;
    hq_state_is(w.hq, order.id, "dispatched").await?;

    // SF collects, sorts, delivers: each push moves the order once.
    for _ in 0..4 {
        w.sim.advance(SF_PLATFORM, &sf_order).await?;
    }
    hq_state_is(w.hq, order.id, "delivered").await?;
    let courier = w.hq.admin_get(&format!("/api/v1/fulfillment-orders/{fo_id}/courier")).await?;
    assert!(courier.to_string().contains(&waybills[0]), "HQ's booking has the waybills: {courier}");
    Ok(())
}

/// (2) Same-city: the first rider cancels, the dispatcher re-books, the second arrives and
/// their code is checked at the hand-over.
async fn same_city_rider_cancels_then_another_comes(w: &World<'_>) -> e2e::Result<()> {
    let app = w.app;
    let sku = w.in_stock[2].as_str();
    let order = courier_order(w, "TM-E2E-CITY-1", "same_city", &[(sku, 1)]).await?;
    if !order.fulfillment_orders[0].same_city_offered {
        return Err(e2e::Error::Check("HQ offers a same-city rider for a customer next to the store".into()));
    }
    w.sim.script(RIDER_PLATFORM, Script::RiderCancelsOnce).await?;
    accept_and_pick(w, &order).await?;
    wedge_scan(app, &w.barcodes[sku]).await?;
    text_of(app, "#pack-progress", "1/1").await?;
    weigh(app, 1, 600).await?;
    tap(app, "#confirm-parcels").await?;
    screen_is(app, "ship").await?;
    tap(app, "#method-same_city").await?;
    shot(app, "39-ship-same-city").await?;
    tap(app, "#request-rider").await?;
    screen_is(app, "booking").await?;
    booking_is(app, "dispatching", Duration::from_secs(60)).await?;
    shot(app, "40-booking-dispatching").await?;

    // The first rider accepts, then cancels.
    let first = w
        .sim
        .wait_for("the first rider order", Duration::from_secs(30), |o| o.riders.first().map(|r| r.origin_id.clone()))
        .await?;
    w.sim.advance(RIDER_PLATFORM, &first).await?;
    booking_is(app, "accepted", Duration::from_secs(30)).await?;
    app.wait_for("#rider-name").await?;
    app.wait_for("#rider-phone[href^='tel:']").await?;
    shot(app, "41-booking-rider-accepted").await?;
    w.sim.advance(RIDER_PLATFORM, &first).await?;
    app.wait_for_within("#booking-problem[data-problem='rider_cancelled']", Duration::from_secs(30)).await?;
    text_of(app, "#booking-problem", "正在重新派单").await?;
    shot(app, "42-booking-rider-cancelled").await?;

    // The dispatcher books another rider, who accepts and comes to the store.
    let second = w
        .sim
        .wait_for("the re-booked rider order", Duration::from_secs(60), |o| {
            o.riders.iter().find(|r| r.origin_id != first).map(|r| (r.origin_id.clone(), r.fetch_code.clone()))
        })
        .await?;
    let (second, code) = second;
    w.sim.advance(RIDER_PLATFORM, &second).await?;
    booking_is(app, "accepted", Duration::from_secs(30)).await?;
    w.sim.advance(RIDER_PLATFORM, &second).await?;
    booking_is(app, "arrived", Duration::from_secs(30)).await?;
    app.wait_for("#rider-banner").await?;
    text_of(app, "#toast", "已到店").await?;
    shot(app, "43-booking-rider-arrived").await?;
    // The order list says so too.
    click(app, "#back").await?;
    screen_is(app, "order").await?;
    click(app, "#back").await?;
    screen_is(app, "home").await?;
    click(app, "#tile-all").await?;
    app.wait_for("#rider-banner .rider-go").await?;
    shot(app, "44-orders-rider-banner").await?;
    click(app, "#rider-banner .rider-go").await?;
    screen_is(app, "courier-handover").await?;
    shot(app, "45-handover-rider").await?;

    // A wrong code is refused on the device; the rider's code hands the bag over.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let field = app.wait_for("#courier-check").await?;
    field.send_keys(wrong).await?;
    tap(app, "#courier-handover-submit").await?;
    text_of(app, "#courier-handover-error", "取货码不符").await?;
    shot(app, "46-handover-wrong-code").await?;
    let field = app.wait_for("#courier-check").await?;
    field.clear().await?;
    field.send_keys(&code).await?;
    tap(app, "#courier-handover-submit").await?;
    screen_is(app, "home").await?;
    hq_state_is(w.hq, order.id, "dispatched").await?;
    // Picked up and delivered.
    w.sim.advance(RIDER_PLATFORM, &second).await?;
    w.sim.advance(RIDER_PLATFORM, &second).await?;
    hq_state_is(w.hq, order.id, "delivered").await
}

/// (3) Asked for while offline: queued on the device, booked by HQ after the sync.
async fn requested_offline_booked_after_sync(w: &World<'_>) -> e2e::Result<()> {
    let app = w.app;
    let sku = w.in_stock[3].as_str();
    let order = courier_order(w, "TM-E2E-SHIP-2", "ship", &[(sku, 1)]).await?;
    let fo_id = order.fulfillment_orders[0].id;
    accept_and_pick(w, &order).await?;
    wedge_scan(app, &w.barcodes[sku]).await?;
    weigh(app, 1, 450).await?;
    tap(app, "#confirm-parcels").await?;
    screen_is(app, "ship").await?;
    // Wait until the pick reached HQ, then the network goes.
    hq_state_is(w.hq, order.id, "packed").await?;
    w.proxy.cut();
    tap(app, "#method-express").await?;
    tap(app, "#request-courier").await?;
    screen_is(app, "booking").await?;
    booking_is(app, "queued", Duration::from_secs(10)).await?;
    text_of(app, "#booking-queued", "同步后由总部下单").await?;
    // The request's sync finds HQ unreachable.
    app.wait_for_within("#offline-banner", Duration::from_secs(60)).await?;
    shot(app, "48-booking-queued-offline").await?;
    let before = w.hq.admin_get(&format!("/api/v1/fulfillment-orders/{fo_id}/courier")).await?;
    assert_eq!(
        w.hq.order(order.id).await?.fulfillment_orders[0].state.as_str(),
        "packed",
        "HQ has not heard of the request: {before}"
    );

    // Back online: the request goes, HQ books it, the booking comes back to the device.
    w.proxy.restore().await;
    booking_is(app, "dispatching", Duration::from_secs(90)).await?;
    app.wait_gone("#booking-queued").await?;
    hq_state_is(w.hq, order.id, "awaiting_courier").await?;
    shot(app, "49-booking-booked-after-sync").await?;
    Ok(())
}
