//! Returns and an exchange in the real app. A Tmall order bought online (the demo's order to
//! return, taken in through HQ's intake, routed to another store that ships, and shipped by
//! that store's own device: accepted, picked, handed to the courier, then delivered on the
//! courier's callback) comes back to the demo store: the associate scans its order QR,
//! takes one line back resaleable and the other damaged, sees the refund (the shared quote,
//! checked here against what was paid) and, the refund being above HQ's limit, the manager
//! approves with their PIN. HQ then shows the stock back in the right quality, one refund
//! instruction for the return (claimed once, acknowledged, confirmed on the device), the
//! sale's attribution reversed and a balanced ledger. The customer exchanges for another
//! item from the shelf (handed over at once). Then the network goes away: a return of the
//! customer's other delivered order is taken against the receipt, marked to be matched at
//! sync, and HQ matches it to its order when the device is back.

use super::{click, one_app_at_a_time, screen_is, shoot, text_of, wedge_scan};
use e2e::{App, AppOptions, CheckAudit, Seed, Session, SyncServer};
use serde_json::json;
use shared::catalogue::Sku;
use shared::fulfillment::FulfillmentState;
use shared::node::GeoPoint;
use shared::order::{ChannelOrderInput, Order};
use shared::protocol::{Op, PickedLine};
use shared::returns::{order_qr_payload, OrderAttribution, RefundInstruction};
use shared::stock::Quality;
use shared::{Count, Fen};
use std::collections::HashMap;
use std::time::Duration;
use test_support::device::Device;
use test_support::Proxy;
use uuid::Uuid;

/// Types into a form field, replacing what it held.
async fn fill(app: &Session, css: &str, text: &str) -> e2e::Result<()> {
    let field = app.wait_for(css).await?;
    field.clear().await?;
    field.send_keys(text).await
}

/// Chooses `value` in a `<select>` as a tap on it would (the change event included).
async fn choose(app: &Session, css: &str, value: &str) -> e2e::Result<()> {
    let select = app.wait_for(css).await?;
    app.execute(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', { bubbles: true }));",
        vec![select.to_json(), json!(value)],
    )
    .await?;
    Ok(())
}

fn on_hand(stock: &[shared::protocol::StockRecord], sku: &str, quality: Quality) -> i64 {
    stock.iter().filter(|s| s.sku_code == sku && s.quality == quality).map(|s| s.on_hand).sum()
}

async fn claim(hq: &SyncServer) -> e2e::Result<Vec<RefundInstruction>> {
    let v = hq.admin_post("/api/v1/refunds/claim?limit=50", &json!({})).await?;
    serde_json::from_value(v).map_err(|e| e2e::Error::Check(format!("refund claim: {e}")))
}

/// Clicks `css` once the message line, which covers the bottom of a phone's screen for a few
/// seconds, is out of the way (a tap on it closes it, as an associate would).
async fn tap(app: &Session, css: &str) -> e2e::Result<()> {
    for toast in app.find_all("#toast").await? {
        let _ = toast.click().await;
    }
    app.wait_gone("#toast").await?;
    click(app, css).await
}

async fn attribute(app: &Session, css: &str, name: &str) -> e2e::Result<String> {
    Ok(app.wait_for(css).await?.attribute(name).await?.unwrap_or_default())
}

/// Waits until the receipt shows the refund at `progress`, asking the app to sync meanwhile.
async fn refund_progress(app: &Session, progress: &str) -> e2e::Result<()> {
    let css = format!("#refund-progress[data-progress='{progress}']");
    app.wait_until(&format!("the refund to be {progress} on the receipt"), Duration::from_secs(60), || async {
        if !app.find_all(&css).await?.is_empty() {
            return Ok(Some(()));
        }
        if let Some(b) = app.find_all("#refresh-return").await?.first() {
            let _ = b.click().await;
        }
        tokio::time::sleep(Duration::from_millis(700)).await;
        Ok(None)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn returns_exchange_and_an_offline_return_through_the_real_app() -> e2e::Result<()> {
    let _one_app = one_app_at_a_time().await;
    let hq = SyncServer::start(Seed::Demo).await?;
    let brand = gen::generate(&gen::GenConfig::default());
    let barcodes = super::barcodes_of(&brand);
    let proxy = Proxy::start(std::net::SocketAddr::from(([127, 0, 0, 1], hq.port()))).await;
    let data = tempfile::tempdir().expect("temp dir");
    let app = App::launch(AppOptions::store_app()?.env("STORE_APP_DATA_DIR", data.path())).await?;
    let result = scenario(&app, &hq, &proxy, &brand, &barcodes).await;
    super::finish(app, &hq, "returns-failure", 60, result).await
}

async fn enrol_and_log_in(app: &Session, hq: &SyncServer, url: &str) -> e2e::Result<()> {
    screen_is(app, "enroll").await?;
    fill(app, "#server-url", url).await?;
    app.find("#enroll-code").await?.send_keys(&hq.enrollment_code(e2e::DEMO_STORE).await?).await?;
    click(app, "#enroll-submit").await?;
    screen_is(app, "login").await?;
    let associate = format!(".staff-btn[data-staff-id='{}']", e2e::DEMO_ASSOCIATE);
    app.wait_for_within(&associate, Duration::from_secs(120)).await?.click().await?;
    app.wait_for("#pin-input").await?.send_keys(e2e::DEMO_ASSOCIATE_PIN).await?;
    click(app, "#login-submit").await?;
    screen_is(app, "home").await
}

/// What the customer paid for a line (one unit each in these orders).
fn paid(input: &ChannelOrderInput, i: usize) -> i64 {
    let l = &input.lines[i];
    l.unit_price.0 * l.qty.get() - l.discount.0
}

/// The store that ships the customer's online orders — not the demo store, which takes them
/// back — with a device of its own (the real replica and sync engine, enrolled there) that
/// its staff work the orders on, as they would on the store app.
struct ShippingStore {
    code: String,
    location: GeoPoint,
    staff: String,
    device: Device,
    // The device's replica and token; removed with the store.
    _dir: tempfile::TempDir,
}

/// Turns the shipping store's device's error (while doing `what`) into the test's.
fn check<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> e2e::Error + '_ {
    move |e| e2e::Error::Check(format!("the shipping store's device: {what}: {e}"))
}

impl ShippingStore {
    /// A store other than the demo store that ships (in the demo store's city if one does),
    /// with a device enrolled there and bootstrapped.
    async fn enrol(hq: &SyncServer, brand: &gen::Dataset) -> e2e::Result<ShippingStore> {
        let nodes = &brand.bundle.nodes;
        let city = nodes.iter().find(|n| n.code == e2e::DEMO_STORE).map(|n| n.city.clone());
        let mut stores: Vec<_> =
            nodes.iter().filter(|n| n.kind.is_store() && n.code != e2e::DEMO_STORE && n.capabilities.ship).collect();
        stores.sort_by_key(|n| Some(&n.city) != city.as_ref());
        let node =
            stores.first().ok_or_else(|| e2e::Error::Check("the demo brand has another store that ships".into()))?;
        let staff = brand
            .bundle
            .staff
            .iter()
            .find(|s| s.store_code == node.code && s.role == shared::staff::Role::Associate)
            .map(|s| s.id.clone())
            .ok_or_else(|| e2e::Error::Check(format!("{} has staff", node.code)))?;
        let dir = tempfile::tempdir().expect("temp dir");
        let device = Device::open(dir.path());
        let code = hq.enrollment_code(&node.code).await?;
        device.engine.enroll(hq.url(), &code, "shipping desk").await.map_err(check("enrol"))?;
        device.engine.sync_once().await.map_err(check("bootstrap"))?;
        Ok(ShippingStore { code: node.code.clone(), location: node.location, staff, device, _dir: dir })
    }

    /// Two SKUs of different styles (no kits) with units this store can promise, most first.
    async fn two_skus<'a>(&self, hq: &SyncServer, brand: &'a gen::Dataset) -> e2e::Result<(&'a Sku, &'a Sku)> {
        let kits: Vec<&str> = brand.bundle.bundles.iter().map(|b| b.sku_code.as_str()).collect();
        let mut free: Vec<(i64, String)> = hq
            .stock(&self.code)
            .await?
            .into_iter()
            .filter(|r| r.quality == Quality::Sellable)
            .map(|r| (r.on_hand - r.reserved - r.locked - r.safety, r.sku_code))
            .filter(|(free, sku)| *free >= 3 && !kits.contains(&sku.as_str()))
            .collect();
        free.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut picked: Vec<&Sku> = Vec::new();
        for (_, code) in free {
            let Some(sku) = brand.bundle.skus.iter().find(|s| s.code == code) else { continue };
            if picked.iter().all(|p| p.style_code != sku.style_code) {
                picked.push(sku);
            }
            if let [a, b] = picked[..] {
                return Ok((a, b));
            }
        }
        Err(e2e::Error::Check(format!("{} has two styles in stock to ship", self.code)))
    }

    /// Takes `input` in at HQ, checks it was routed here, ships it as the store's staff
    /// would (accept, pick every unit, courier, tracking number, synced to HQ) and has the
    /// courier's callback mark it delivered. Returns the order as HQ sees it then.
    async fn ship_and_deliver(&self, hq: &SyncServer, input: &ChannelOrderInput) -> e2e::Result<Order> {
        let order = hq.intake_order(input).await?;
        let nodes: Vec<&str> = order.fulfillment_orders.iter().map(|f| f.node_code.as_str()).collect();
        if nodes != [self.code.as_str()] {
            return Err(e2e::Error::Check(format!(
                "{} is routed to {} alone, not {nodes:?}",
                input.channel_order_id, self.code
            )));
        }
        self.device.engine.sync_once().await.map_err(check("pull the new order"))?;
        for fo in &order.fulfillment_orders {
            let id = fo.id;
            let picked = fo
                .lines
                .iter()
                .map(|l| PickedLine { line_no: l.line_no, picked: Count::new(l.qty).expect("a line's units") })
                .collect();
            let tracking_no = format!("SF{}", &id.simple().to_string()[20..]);
            for op in [
                Op::AcceptFulfillment { fulfillment_order_id: id },
                Op::StartPick { fulfillment_order_id: id },
                Op::ConfirmPick { fulfillment_order_id: id, lines: picked, shortage_reason: None },
                Op::RequestCourier { fulfillment_order_id: id, delivery: None, carrier: "SF Express".into() },
                Op::RecordTracking { fulfillment_order_id: id, carrier: "SF Express".into(), tracking_no },
            ] {
                self.device.replica.perform(&self.staff, op).map_err(check("work the order"))?;
            }
        }
        self.device.engine.sync_once().await.map_err(check("push"))?;
        let states = |o: &Order| o.fulfillment_orders.iter().map(|f| f.state).collect::<Vec<_>>();
        let shipped = hq.order(order.id).await?;
        if !states(&shipped).iter().all(|s| *s == FulfillmentState::Dispatched) {
            return Err(e2e::Error::Check(format!("shipped by {}: {:?}", self.code, states(&shipped))));
        }
        for fo in &order.fulfillment_orders {
            hq.admin_post(&format!("/api/v1/fulfillment-orders/{}/delivered", fo.id), &json!({})).await?;
        }
        let delivered = hq.order(order.id).await?;
        if !states(&delivered).iter().all(|s| *s == FulfillmentState::Delivered) {
            return Err(e2e::Error::Check(format!("delivered: {:?}", states(&delivered))));
        }
        Ok(delivered)
    }
}

async fn scenario(
    app: &Session,
    hq: &SyncServer,
    proxy: &Proxy,
    brand: &gen::Dataset,
    barcodes: &HashMap<String, String>,
) -> e2e::Result<()> {
    // The demo's Tmall order, bought online: one line at list price less ¥20, one at ¥2,599
    // less ¥100, ¥10 shipping; shipped from another store (its SKUs, the customer at its
    // door so the routing picks it) and delivered before it comes back.
    let shipper = ShippingStore::enrol(hq, brand).await?;
    let (a, b) = shipper.two_skus(hq, brand).await?;
    let mut input = gen::demo_return_order(&brand.bundle, gen::DEMO_RETURN_HIGH_PRICE)
        .ok_or_else(|| e2e::Error::Check("the demo brand has SKUs for the order to return".into()))?;
    input.customer.location = Some(shipper.location);
    input.lines[0].sku_code = a.code.clone();
    input.lines[0].unit_price = a.list_price;
    input.lines[0].discount = Fen(a.list_price.0.min(2_000));
    input.lines[1].sku_code = b.code.clone();
    let order: Order = shipper.ship_and_deliver(hq, &input).await?;
    let (sku1, sku2) = (input.lines[0].sku_code.clone(), input.lines[1].sku_code.clone());
    let before = hq.stock(e2e::DEMO_STORE).await?;

    enrol_and_log_in(app, hq, &proxy.url()).await?;
    click(app, "#tile-returns").await?;
    screen_is(app, "returns").await?;
    shoot(app, "30-return-find").await?;

    // Scan the order's QR from the customer's receipt.
    wedge_scan(app, &order_qr_payload(order.id)).await?;
    app.wait_for("main[data-step='lines']").await?;
    app.wait_for(&format!("#return-order[data-order-id='{}']", order.id)).await?;
    let line = |n: u32| format!(".return-line[data-line-no='{n}']");
    click(app, &format!("{} .step-plus", line(1))).await?;
    click(app, &format!("{} .step-plus", line(2))).await?;
    click(app, &format!("{} .cond-damaged", line(2))).await?;
    choose(app, &format!("{} .reason-select", line(2)), "quality").await?;
    // One unit each: the stepper stops at what may come back.
    assert!(!app.find(&format!("{} .step-plus", line(1))).await?.is_enabled().await?, "at most what was sold");

    // The refund before confirming: what was paid for both lines, and the shipping (a
    // quality fault, and everything comes back).
    let total = Fen(paid(&input, 0) + paid(&input, 1) + input.shipping_fee.0);
    text_of(app, "#refund-total", &total.to_string()).await?;
    text_of(app, "#refund-lines [data-line-no='2']", &Fen(paid(&input, 1)).to_string()).await?;
    text_of(app, "#refund-shipping", &input.shipping_fee.to_string()).await?;
    app.wait_for("#approval-needed").await?;
    shoot(app, "31-return-lines-refund").await?;

    // Above the limit: the manager approves with their PIN (a wrong one first).
    click(app, "#confirm-return").await?;
    app.wait_for("#manager-dialog").await?;
    choose(app, "#return-manager", e2e::DEMO_MANAGER).await?;
    fill(app, "#return-manager-pin", "0000").await?;
    click(app, "#manager-approve").await?;
    text_of(app, "#manager-error", "PIN 错误").await?;
    fill(app, "#return-manager-pin", e2e::DEMO_MANAGER_PIN).await?;
    shoot(app, "32-return-manager-pin").await?;
    click(app, "#manager-approve").await?;
    screen_is(app, "return-receipt").await?;
    app.wait_for("#return-qr svg").await?;
    text_of(app, "#receipt-refund", &total.to_string()).await?;
    text_of(app, "#approved-by", e2e::DEMO_MANAGER).await?;
    let return_id = Uuid::parse_str(&attribute(app, "#return-receipt", "data-return-id").await?)
        .map_err(|e| e2e::Error::Check(format!("return id: {e}")))?;
    refund_progress(app, "requested").await?;
    shoot(app, "33-return-receipt-requested").await?;

    // HQ: the stock back in the right quality.
    let after = hq.stock(e2e::DEMO_STORE).await?;
    assert_eq!(on_hand(&after, &sku1, Quality::Sellable), on_hand(&before, &sku1, Quality::Sellable) + 1);
    assert_eq!(on_hand(&after, &sku2, Quality::Defective), on_hand(&before, &sku2, Quality::Defective) + 1);
    assert_eq!(on_hand(&after, &sku2, Quality::Sellable), on_hand(&before, &sku2, Quality::Sellable));
    // One refund instruction for the return, claimed once, for what the device showed.
    let claimed = claim(hq).await?;
    let ours: Vec<&RefundInstruction> = claimed.iter().filter(|r| r.return_id == return_id).collect();
    assert_eq!(ours.len(), 1, "one instruction per return: {claimed:?}");
    assert_eq!((ours[0].order_id, ours[0].amount, ours[0].store_code.as_str()), (order.id, total, e2e::DEMO_STORE));
    assert!(claim(hq).await?.iter().all(|r| r.return_id != return_id), "claimed: not handed out twice");
    hq.admin_post(&format!("/api/v1/refunds/{return_id}/ack"), &json!({})).await?;
    refund_progress(app, "confirmed").await?;
    shoot(app, "34-return-receipt-confirmed").await?;
    // The sale's attribution reversed for the returned units.
    let v = hq.admin_get(&format!("/api/v1/orders/{}/attribution", order.id)).await?;
    let attribution: OrderAttribution =
        serde_json::from_value(v.clone()).map_err(|e| e2e::Error::Check(format!("attribution {v}: {e}")))?;
    let reversed: i64 = attribution
        .entries
        .iter()
        .filter(|e| e.reason == "return" && e.reference == return_id.to_string())
        .map(|e| e.amount.0)
        .sum();
    assert!(reversed < 0, "the sale's credit is reversed by the return: {v}");
    assert!(
        attribution.totals.iter().filter(|t| t.party_kind == "channel").all(|t| t.amount.0 == 0),
        "every unit came back: {v}"
    );
    hq.audit().await?.check()?;

    // The exchange: another item from this store's shelf, handed over at once.
    tap(app, "#exchange").await?;
    screen_is(app, "exchange").await?;
    // Another size or colour of the first item, from this store's shelf.
    let in_stock = hq.skus_in_stock(e2e::DEMO_STORE).await?;
    let sku_of = |code: &str| brand.bundle.skus.iter().find(|s| s.code == code);
    let style1 = sku_of(&sku1).map(|s| s.style_code.clone()).unwrap_or_default();
    let new_sku = in_stock
        .iter()
        .find(|s| **s != sku1 && sku_of(s).is_some_and(|k| k.style_code == style1))
        .or_else(|| in_stock.iter().find(|s| **s != sku1 && **s != sku2))
        .cloned()
        .ok_or_else(|| e2e::Error::Check("the demo store stocks something to exchange for".into()))?;
    let new_price = sku_of(&new_sku).map_or(0, |s| s.list_price.0);
    let shelf_before = on_hand(&hq.stock(e2e::DEMO_STORE).await?, &new_sku, Quality::Sellable);
    wedge_scan(app, &barcodes[&new_sku]).await?;
    app.wait_for(&format!("#exchange-item[data-sku='{new_sku}']")).await?;
    app.wait_for(&format!(".ex-for.selected[data-sku='{sku1}']")).await?;
    // The difference is taken against the refund of the item it replaces.
    let difference = new_price - paid(&input, 0);
    text_of(app, "#price-difference", &Fen(difference.abs()).to_string()).await?;
    click(app, "#ex-carry-out").await?;
    fill(app, "#ex-name", "王小明").await?;
    fill(app, "#ex-phone", "139 1234 5678").await?;
    shoot(app, "35-exchange").await?;
    click(app, "#confirm-exchange").await?;
    let exchange_id = Uuid::parse_str(&attribute(app, "#exchange-done", "data-order-id").await?)
        .map_err(|e| e2e::Error::Check(format!("exchange order id: {e}")))?;
    text_of(app, "#exchange-difference", &Fen(difference.abs()).to_string()).await?;
    shoot(app, "36-exchange-done").await?;
    let exchanged = app
        .wait_until("HQ to take the exchange", Duration::from_secs(60), || async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            Ok(hq.order(exchange_id).await.ok())
        })
        .await?;
    assert!(
        exchanged.fulfillment_orders.iter().all(|f| f.node_code == e2e::DEMO_STORE && f.state.as_str() == "picked_up"),
        "taken from this store's shelf and handed over at once: {:?}",
        exchanged.fulfillment_orders.iter().map(|f| (&f.node_code, f.state)).collect::<Vec<_>>()
    );
    let shelf_after = on_hand(&hq.stock(e2e::DEMO_STORE).await?, &new_sku, Quality::Sellable);
    assert_eq!(shelf_after, shelf_before - 1, "the exchanged unit left the shelf");
    tap(app, "#exchange-done-button").await?;
    screen_is(app, "return-receipt").await?;
    app.wait_for("#exchanged").await?;
    hq.audit().await?.check()?;

    // The customer's other order (shipped and delivered too), found by their phone's last
    // four digits and name.
    let mut second = input.clone();
    second.channel_order_id = "TM-E2E-RET-0002".into();
    second.lines.truncate(1);
    second.shipping_fee = Fen(0);
    let second_order = shipper.ship_and_deliver(hq, &second).await?;
    tap(app, "#return-done").await?;
    screen_is(app, "home").await?;
    click(app, "#tile-returns").await?;
    screen_is(app, "returns").await?;
    app.wait_for(&format!(".return-card[data-return-id='{return_id}']")).await?;
    let tail = &input.customer.phone[input.customer.phone.len() - 4..];
    fill(app, "#lookup-phone", tail).await?;
    fill(app, "#lookup-name", &input.customer.name).await?;
    click(app, "#lookup-phone-submit").await?;
    app.wait_for("main[data-step='matches']").await?;
    app.wait_for(&format!(".match-card[data-order-id='{}']", order.id)).await?;
    shoot(app, "37-return-phone-matches").await?;
    click(app, &format!(".match-card[data-order-id='{}']", second_order.id)).await?;
    app.wait_for(&format!("#return-order[data-order-id='{}']", second_order.id)).await?;
    click(app, "#cancel-return").await?;
    app.wait_for("main[data-step='find']").await?;

    // Offline: that order's goods come back while HQ cannot be reached, against the receipt.
    proxy.cut();
    choose(app, "#lookup-channel", "tmall").await?;
    fill(app, "#lookup-number", &second.channel_order_id).await?;
    click(app, "#lookup-number-submit").await?;
    app.wait_for("main[data-step='offline']").await?;
    app.wait_for("#offline-return-note").await?;
    wedge_scan(app, &barcodes[&sku1]).await?;
    app.wait_for(&format!("#offline-lines .return-line[data-sku='{sku1}']")).await?;
    shoot(app, "38-return-offline").await?;
    click(app, "#confirm-return").await?;
    screen_is(app, "return-receipt").await?;
    app.wait_for("#matched-at-sync").await?;
    app.wait_for("#refund-progress[data-progress='queued']").await?;
    let offline_id = Uuid::parse_str(&attribute(app, "#return-receipt", "data-return-id").await?)
        .map_err(|e| e2e::Error::Check(format!("return id: {e}")))?;
    shoot(app, "39-return-offline-receipt").await?;
    // And one against a receipt number HQ does not know: taken all the same, never dropped.
    tap(app, "#return-done").await?;
    click(app, "#tile-returns").await?;
    click(app, "#offline-return").await?;
    fill(app, "#offline-number", "TM-E2E-NO-SUCH-ORDER").await?;
    // Typed text is a burst of keys too: the scan comes after a pause longer than a
    // scanner's gap between keys, as at a counter, or it would read as one code with it.
    tokio::time::sleep(Duration::from_millis(4 * shared::scan::WEDGE_MAX_GAP_MS as u64)).await;
    wedge_scan(app, &barcodes[&sku2]).await?;
    app.wait_for(&format!("#offline-lines .return-line[data-sku='{sku2}']")).await?;
    click(app, &format!("#offline-lines .return-line[data-sku='{sku2}'] .cond-damaged")).await?;
    click(app, "#confirm-return").await?;
    screen_is(app, "return-receipt").await?;
    let unmatched_id = Uuid::parse_str(&attribute(app, "#return-receipt", "data-return-id").await?)
        .map_err(|e| e2e::Error::Check(format!("return id: {e}")))?;
    let defective_before = on_hand(&hq.stock(e2e::DEMO_STORE).await?, &sku2, Quality::Defective);

    // Back online: HQ matches the first to its order and refunds it; the second has no
    // order: its stock is booked, no refund is due, and HQ follows it up (the inbox says so).
    proxy.restore().await;
    refund_progress(app, "not_due").await?;
    text_of(app, "#return-problem", "未匹配到订单").await?;
    shoot(app, "40-return-unmatched").await?;
    let booked = on_hand(&hq.stock(e2e::DEMO_STORE).await?, &sku2, Quality::Defective);
    assert_eq!(booked, defective_before + 1, "the unmatched return's goods are booked all the same");
    tap(app, "#return-done").await?;
    click(app, "#tile-returns").await?;
    click(app, &format!(".return-card[data-return-id='{offline_id}']")).await?;
    screen_is(app, "return-receipt").await?;
    refund_progress(app, "requested").await?;
    text_of(app, "#receipt-refund", &Fen(paid(&second, 0)).to_string()).await?;
    shoot(app, "41-return-offline-matched").await?;
    let claimed = claim(hq).await?;
    let matched: Vec<&RefundInstruction> = claimed.iter().filter(|r| r.return_id == offline_id).collect();
    assert_eq!(matched.len(), 1, "{claimed:?}");
    assert_eq!((matched[0].order_id, matched[0].amount), (second_order.id, Fen(paid(&second, 0))));
    assert!(claimed.iter().all(|r| r.return_id != unmatched_id), "nothing is refunded without an order");
    tap(app, "#return-done").await?;
    screen_is(app, "home").await?;
    click(app, "#tile-inbox").await?;
    screen_is(app, "inbox").await?;
    text_of(app, ".inbox-item", "未匹配到订单").await?;
    shoot(app, "42-return-inbox-unmatched").await?;
    hq.audit().await?.check()
}
