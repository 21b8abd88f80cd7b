//! The order screens' polish in the real app: cards say how long an order has waited and
//! what was promised (the window HQ set, travelling with the pull), lists are sorted by
//! urgency, a tablet shows the list beside the order, an order is rejected with a reason
//! and a pick comes up short — and HQ reroutes both — a toast stays on the screen that
//! raised it, and the hand-over's one code field takes a scanner's burst.

use super::{click, screen_is, shoot, text_of, wedge_scan};
use e2e::{screens, App, AppOptions, CheckAudit, FormFactor, Seed, Session, SyncServer};
use reqwest::Method;
use serde_json::json;
use shared::fulfillment::FulfillmentState;
use shared::order::{FulfillmentOrder, Order};
use shared::stock::Quality;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// Enrols the app with the demo store and logs the associate in.
async fn enrol_and_log_in(app: &Session, hq: &SyncServer) -> e2e::Result<()> {
    screen_is(app, "enroll").await?;
    let url = app.wait_for("#server-url").await?;
    url.clear().await?;
    url.send_keys(hq.url()).await?;
    app.find("#enroll-code").await?.send_keys(&hq.enrollment_code(e2e::DEMO_STORE).await?).await?;
    click(app, "#enroll-submit").await?;
    screen_is(app, "login").await?;
    let associate = format!(".staff-btn[data-staff-id='{}']", e2e::DEMO_ASSOCIATE);
    app.wait_for_within(&associate, Duration::from_secs(120)).await?.click().await?;
    app.wait_for("#pin-input").await?.send_keys(e2e::DEMO_ASSOCIATE_PIN).await?;
    click(app, "#login-submit").await?;
    screen_is(app, "home").await
}

/// SKUs the demo store has on its shelf that at least two other nodes stock too, so a
/// reroute has somewhere to go.
fn reroutable(brand: &gen::Dataset, in_stock: &[String]) -> Vec<String> {
    let mut elsewhere: HashMap<&str, HashSet<&str>> = HashMap::new();
    for s in &brand.bundle.stock {
        if s.node_code != e2e::DEMO_STORE && s.quality == Quality::Sellable && s.on_hand.get() >= 5 {
            elsewhere.entry(s.sku_code.as_str()).or_default().insert(s.node_code.as_str());
        }
    }
    in_stock.iter().filter(|sku| elsewhere.get(sku.as_str()).is_some_and(|n| n.len() >= 2)).cloned().collect()
}

/// The fulfillment orders HQ made for `order` at nodes other than the demo store.
fn rerouted(order: &Order) -> Vec<&FulfillmentOrder> {
    order.fulfillment_orders.iter().filter(|f| f.node_code != e2e::DEMO_STORE).collect()
}

/// The channel order numbers of the cards in the list, top to bottom.
async fn card_order(app: &Session) -> e2e::Result<Vec<String>> {
    let mut numbers = Vec::new();
    for card in app.find_all(".order-card").await? {
        numbers.push(card.attribute("data-order-no").await?.unwrap_or_default());
    }
    Ok(numbers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reject_with_a_reason_and_a_short_pick_are_rerouted_by_hq() -> e2e::Result<()> {
    let _one_app = super::one_app_at_a_time().await;
    let hq = SyncServer::start(Seed::Demo).await?;
    let brand = gen::generate(&gen::GenConfig::default());
    let barcodes = super::barcodes_of(&brand);
    let in_stock = hq.skus_in_stock(e2e::DEMO_STORE).await?;
    let skus = reroutable(&brand, &in_stock);
    assert!(skus.len() >= 3, "SKUs the demo store and two other nodes stock: {skus:?}");
    let data = tempfile::tempdir().expect("temp dir");
    let app = App::launch(AppOptions::store_app()?.env("STORE_APP_DATA_DIR", data.path())).await?;
    let result = polish_scenario(&app, &hq, &barcodes, &skus, &in_stock).await;
    super::finish(app, &hq, "store-app-polish-failure", 40, result).await
}

async fn polish_scenario(
    app: &Session,
    hq: &SyncServer,
    barcodes: &HashMap<String, String>,
    skus: &[String],
    in_stock: &[String],
) -> e2e::Result<()> {
    // HQ promises pickup orders ready within 90 minutes; the device learns it with the pull.
    let mut rules = hq.admin_get("/api/v1/settings/business-rules").await?;
    rules["promise_pickup_minutes"] = json!(90);
    let (status, answer) = hq.admin_request(Method::PUT, "/api/v1/settings/business-rules", Some(rules)).await?;
    assert_eq!(status, 200, "{answer}");
    enrol_and_log_in(app, hq).await?;

    // Two pickup orders, the older first: with the same promise it is due first.
    let to_reject = hq.pickup_order("TM-E2E-REJ-1", e2e::DEMO_STORE, &[(&skus[0], 1)]).await?;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let to_short = hq.pickup_order("TM-E2E-SHORT-1", e2e::DEMO_STORE, &[(&skus[1], 2), (&skus[2], 1)]).await?;
    app.wait_until("both orders on the device", Duration::from_secs(30), || async {
        click(app, "#tile-to-accept").await?;
        let found = app.find_all(".order-card[data-order-no='TM-E2E-SHORT-1']").await?;
        if found.is_empty() {
            click(app, "#back").await?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            return Ok(None);
        }
        Ok(Some(()))
    })
    .await?;
    // The cards: waited, HQ's promise, time left; the most urgent (older) first, where the
    // list used to put the newest first.
    let card = ".order-card[data-order-no='TM-E2E-REJ-1'] .promise";
    let line = text_of(app, card, "承诺 1 小时 30 分钟内备妥").await?;
    assert!(line.contains("刚到店") || line.contains("已等"), "how long it waited: {line}");
    assert!(line.contains("还剩 1 小时"), "the time left: {line}");
    let order = card_order(app).await?;
    let pos = |no: &str| order.iter().position(|n| n == no);
    assert!(pos("TM-E2E-REJ-1") < pos("TM-E2E-SHORT-1"), "most urgent first: {order:?}");
    // A tablet shows the list with room for the order beside it.
    screens::resize_to(app, FormFactor::TabletLandscape).await?;
    app.wait_for("main.two-pane #choose-order").await?;
    shoot(app, "15-orders-urgency").await?;

    // Reject with a reason: the order leaves the store and HQ routes it to another node.
    click(app, ".order-card[data-order-no='TM-E2E-REJ-1']").await?;
    screen_is(app, "order").await?;
    text_of(app, "#order-no", "TM-E2E-REJ-1").await?;
    screens::resize_to(app, FormFactor::TabletLandscape).await?;
    app.wait_for("main.two-pane .list-pane .order-card.selected[data-order-no='TM-E2E-REJ-1']").await?;
    shoot(app, "16-order-beside-list").await?;
    click(app, "#reject").await?;
    app.wait_for("#reject-dialog").await?;
    click(app, "#reject-dialog .chip").await?;
    let reason = app.find("#reject-reason").await?.value().await?;
    assert_eq!(reason, "库存不足", "the first reason chip fills the reason");
    shoot(app, "17-reject-with-reason").await?;
    click(app, "#reject-confirm").await?;
    let order = app
        .wait_until("HQ to reroute the rejected order", Duration::from_secs(30), || async {
            let o = hq.order(to_reject.id).await?;
            Ok((o.fulfillment_orders[0].state == FulfillmentState::Rejected && !rerouted(&o).is_empty()).then_some(o))
        })
        .await?;
    let original = &order.fulfillment_orders[0];
    assert_eq!(original.reject_reason.as_deref(), Some("库存不足"), "HQ keeps the reason");
    let new = rerouted(&order);
    assert_eq!(new.len(), 1, "{:?}", order.fulfillment_orders);
    assert_eq!((new[0].lines[0].sku_code.as_str(), new[0].lines[0].qty), (skus[0].as_str(), 1));
    assert_eq!(new[0].state, FulfillmentState::Routed);

    // Another card in the list beside switches the order in place.
    screens::resize_to(app, FormFactor::TabletLandscape).await?;
    click(app, ".list-pane .order-card[data-order-no='TM-E2E-SHORT-1']").await?;
    text_of(app, "#order-no", "TM-E2E-SHORT-1").await?;
    screens::resize_to(app, FormFactor::PhonePortrait).await?;
    assert!(app.find_all(".list-pane").await?.is_empty(), "a phone shows one pane");
    click(app, "#accept").await?;
    click(app, "#start-pick").await?;
    screen_is(app, "pick").await?;

    // A refused scan's toast belongs to the pick screen: it is gone on the next one.
    let stranger = barcodes.iter().find(|(sku, _)| !in_stock.contains(sku)).map(|(_, b)| b.clone());
    wedge_scan(app, &stranger.expect("a SKU the store does not stock")).await?;
    text_of(app, "#toast", "不在此订单中").await?;
    click(app, "#back").await?;
    screen_is(app, "order").await?;
    assert!(app.find_all("#toast").await?.is_empty(), "the pick screen's error stayed on the order screen");
    click(app, "#continue-pick").await?;
    screen_is(app, "pick").await?;
    assert!(app.find_all("#toast").await?.is_empty(), "an old toast came back");

    // Short pick: one of the two units of the first line is missing.
    wedge_scan(app, &barcodes[&skus[1]]).await?;
    text_of(app, "#pick-progress", "1/3").await?;
    wedge_scan(app, &barcodes[&skus[2]]).await?;
    text_of(app, "#pick-progress", "2/3").await?;
    click(app, "#short-pick").await?;
    app.wait_for("#short-dialog").await?;
    let chips = app.find_all("#short-dialog .chip").await?;
    chips[1].click().await?;
    assert_eq!(app.find("#short-reason").await?.value().await?, "商品破损");
    shoot(app, "18-short-pick").await?;
    click(app, "#short-confirm").await?;
    screen_is(app, "home").await?;
    // The confirmation of a finished task shows on the screen it led to.
    text_of(app, "#toast", "已上报缺货").await?;
    let order = app
        .wait_until("HQ to reroute the missing unit", Duration::from_secs(30), || async {
            let o = hq.order(to_short.id).await?;
            Ok((!rerouted(&o).is_empty()).then_some(o))
        })
        .await?;
    let here = &order.fulfillment_orders[0];
    assert_eq!(here.state, FulfillmentState::Packed, "the scanned units are fulfilled here");
    // What this store hands over: the units scanned (HQ shrinks the short line to them).
    let picked: Vec<(String, Option<i64>)> = here.lines.iter().map(|l| (l.sku_code.clone(), l.picked_qty)).collect();
    assert!(picked.contains(&(skus[1].clone(), Some(1))), "{picked:?}");
    assert!(picked.contains(&(skus[2].clone(), Some(1))), "{picked:?}");
    let new = rerouted(&order);
    let moved: Vec<(String, i64)> =
        new.iter().flat_map(|f| f.lines.iter().map(|l| (l.sku_code.clone(), l.qty))).collect();
    assert_eq!(moved, [(skus[1].clone(), 1)], "only the missing unit is rerouted");

    // The rest goes to the customer; the one code field takes the scanner's burst.
    click(app, "#tile-all").await?;
    click(app, ".order-card[data-order-no='TM-E2E-SHORT-1']").await?;
    screen_is(app, "order").await?;
    click(app, "#mark-ready").await?;
    let code = hq.pickup_code(here.id, Duration::from_secs(60)).await?;
    app.wait_until("the order's actions to reach HQ", Duration::from_secs(30), || async {
        Ok(app.find_all("#pending-note").await?.is_empty().then_some(()))
    })
    .await?;
    click(app, "#hand-over").await?;
    screen_is(app, "handover").await?;
    app.wait_for("#pickup-code").await?;
    assert!(app.find_all("#manual-entry").await?.is_empty(), "one code field, not two");
    assert_eq!(app.find_all("main input[type=text]").await?.len(), 1, "one code field, not two");
    app.wait_for("#handover-submit:disabled").await?;
    shoot(app, "19-handover-one-field").await?;
    wedge_scan(app, &code).await?;
    app.wait_for("#receipt svg").await?;
    click(app, "#receipt-done").await?;
    screen_is(app, "home").await?;
    app.wait_until("HQ to record the hand-over", Duration::from_secs(30), || async {
        Ok((hq.order(to_short.id).await?.fulfillment_orders[0].state == FulfillmentState::PickedUp).then_some(()))
    })
    .await?;
    let conflicts = hq.admin_get("/api/v1/conflicts").await?;
    assert_eq!(conflicts.as_array().map(Vec::len), Some(0), "no conflicts: {conflicts}");
    hq.audit().await?.check()?;
    Ok(())
}
