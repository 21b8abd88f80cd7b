//! The endless aisle in the real app: the customer holds an item whose size the demo store
//! lacks. The associate scans it, picks the missing size in the colour × size grid, sees
//! the network's live availability and orders it shipped from another node (confirmed at
//! once). Then the network goes away (the app reaches HQ through a proxy that is cut): the
//! grid shows the stored snapshot, one order is placed and shown "not yet confirmed", and
//! another for a SKU HQ sells out meanwhile; when the network is back the first is
//! confirmed at sync and the second refused, in the inbox with what to tell the customer.

use super::{click, one_app_at_a_time, screen_is, shoot, text_of, wedge_scan};
use e2e::{screens, App, AppOptions, CheckAudit, FormFactor, Seed, Session, SyncServer};
use serde_json::json;
use shared::import::{StockAdjustment, StockAdjustmentBatch};
use shared::order::Channel;
use shared::stock::Quality;
use std::collections::HashMap;
use std::time::Duration;
use test_support::Proxy;
use uuid::Uuid;

/// The style and SKUs the scenario uses, chosen from the demo brand.
struct Pick {
    style: String,
    /// On the demo store's shelf: the item the customer holds.
    held: String,
    held_barcode: String,
    /// Same style, none at the demo store, plenty elsewhere: ordered online and offline.
    lacking: String,
    /// Same style, none at the demo store: sold out at HQ (every node) while offline.
    sells_out: String,
    /// Where `sells_out` is held, with its units.
    sells_out_at: Vec<(String, i64)>,
}

fn pick(brand: &gen::Dataset) -> Pick {
    let mut at: HashMap<&str, Vec<(&str, i64)>> = HashMap::new();
    for s in &brand.bundle.stock {
        if s.quality == Quality::Sellable && s.on_hand.get() > 0 {
            at.entry(s.sku_code.as_str()).or_default().push((s.node_code.as_str(), s.on_hand.get()));
        }
    }
    let here =
        |sku: &str| at.get(sku).map_or(0, |v| v.iter().filter(|(n, _)| *n == e2e::DEMO_STORE).map(|(_, q)| q).sum());
    let elsewhere = |sku: &str| -> i64 {
        at.get(sku).map_or(0, |v| v.iter().filter(|(n, _)| *n != e2e::DEMO_STORE).map(|(_, q)| q).sum())
    };
    let mut by_style: HashMap<&str, Vec<&shared::catalogue::Sku>> = HashMap::new();
    for s in &brand.bundle.skus {
        by_style.entry(s.style_code.as_str()).or_default().push(s);
    }
    let mut styles: Vec<_> = by_style.into_iter().collect();
    styles.sort_by_key(|(code, _)| *code);
    for (style, skus) in styles {
        let Some(held) = skus.iter().find(|s| here(&s.code) >= 2) else { continue };
        let mut lacking: Vec<_> = skus.iter().filter(|s| here(&s.code) == 0 && elsewhere(&s.code) >= 20).collect();
        lacking.sort_by_key(|s| std::cmp::Reverse(elsewhere(&s.code)));
        let Some(lacking) = lacking.first() else { continue };
        let few =
            skus.iter().find(|s| s.code != lacking.code && here(&s.code) == 0 && at.contains_key(s.code.as_str()));
        let Some(sells_out) = few else { continue };
        return Pick {
            style: style.to_string(),
            held: held.code.clone(),
            held_barcode: held.barcode.as_str().to_string(),
            lacking: lacking.code.clone(),
            sells_out: sells_out.code.clone(),
            sells_out_at: at[sells_out.code.as_str()].iter().map(|(n, q)| (n.to_string(), *q)).collect(),
        };
    }
    panic!("the demo brand has no style with a size the demo store lacks")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_aisle_online_offline_and_refused_through_the_real_app() -> e2e::Result<()> {
    let _one_app = one_app_at_a_time().await;
    let hq = SyncServer::start(Seed::Demo).await?;
    let brand = gen::generate(&gen::GenConfig::default());
    let chosen = pick(&brand);
    // The app reaches HQ through a proxy, so the network can go away while HQ stays up.
    let proxy = Proxy::start(std::net::SocketAddr::from(([127, 0, 0, 1], hq.port()))).await;
    let data = tempfile::tempdir().expect("temp dir");
    let app = App::launch(AppOptions::store_app()?.env("STORE_APP_DATA_DIR", data.path())).await?;
    let result = scenario(&app, &hq, &proxy, &chosen).await;
    super::finish(app, &hq, "aisle-failure", 60, result).await
}

async fn enrol_and_log_in(app: &Session, hq: &SyncServer, url: &str) -> e2e::Result<()> {
    screen_is(app, "enroll").await?;
    let field = app.wait_for("#server-url").await?;
    field.clear().await?;
    field.send_keys(url).await?;
    app.find("#enroll-code").await?.send_keys(&hq.enrollment_code(e2e::DEMO_STORE).await?).await?;
    click(app, "#enroll-submit").await?;
    screen_is(app, "login").await?;
    let associate = format!(".staff-btn[data-staff-id='{}']", e2e::DEMO_ASSOCIATE);
    app.wait_for_within(&associate, Duration::from_secs(120)).await?.click().await?;
    app.wait_for("#pin-input").await?.send_keys(e2e::DEMO_ASSOCIATE_PIN).await?;
    click(app, "#login-submit").await?;
    screen_is(app, "home").await
}

/// Saves the screen at both sizes with `css` scrolled to the top of the view (on a phone the
/// order pane is below the grid), leaving the window at phone size.
async fn shoot_at(app: &Session, name: &str, css: &str) -> e2e::Result<()> {
    for form in [FormFactor::TabletLandscape, FormFactor::PhonePortrait] {
        screens::resize_to(app, form).await?;
        app.execute(
            "const el = document.querySelector(arguments[0]); \
             if (el) { el.scrollIntoView({ block: 'start' }); window.scrollBy(0, -64); }",
            vec![json!(css)],
        )
        .await?;
        screens::save_screenshot(app, name, form.label()).await?;
    }
    Ok(())
}

/// Clicks `css` after scrolling it to the middle of the view, clear of the sticky top bar
/// (the grid scrolls under it on a phone).
async fn click_centered(app: &Session, css: &str) -> e2e::Result<()> {
    app.wait_for(css).await?;
    app.execute(
        "const el = document.querySelector(arguments[0]); if (el) el.scrollIntoView({ block: 'center' });",
        vec![json!(css)],
    )
    .await?;
    click(app, css).await
}

/// Types into a form field, replacing what it held.
async fn fill(app: &Session, css: &str, text: &str) -> e2e::Result<()> {
    let field = app.wait_for(css).await?;
    field.clear().await?;
    field.send_keys(text).await
}

/// Fills the order form for a customer and places the order; returns the outcome's state
/// and order id once it shows.
async fn place(app: &Session, delivery: &str, customer: &str, payment_ref: &str) -> e2e::Result<(String, Uuid)> {
    click_centered(app, &format!("#{delivery}")).await?;
    fill(app, "#customer-name", customer).await?;
    fill(app, "#customer-phone", "138 1234 5678").await?;
    if delivery == "delivery-ship" {
        fill(app, "#customer-address", "上海市静安区南京西路 1266 号").await?;
    }
    fill(app, "#payment-ref", payment_ref).await?;
    click_centered(app, "#place-order").await?;
    let outcome = app.wait_for_within("#order-outcome", Duration::from_secs(30)).await?;
    let state = outcome.attribute("data-state").await?.unwrap_or_default();
    let id = outcome.attribute("data-order-id").await?.unwrap_or_default();
    let id = Uuid::parse_str(&id).map_err(|e| e2e::Error::Check(format!("order id {id:?}: {e}")))?;
    Ok((state, id))
}

/// Asks the app to sync now (from settings) and comes back home.
async fn sync_now(app: &Session) -> e2e::Result<()> {
    click(app, "#back").await?;
    screen_is(app, "home").await?;
    click(app, "#tile-settings").await?;
    click(app, "#sync-now").await?;
    click(app, "#back").await?;
    screen_is(app, "home").await
}

async fn scenario(app: &Session, hq: &SyncServer, proxy: &Proxy, p: &Pick) -> e2e::Result<()> {
    enrol_and_log_in(app, hq, &proxy.url()).await?;

    // The customer holds an item: scan it; its style's grid opens on that cell.
    click(app, "#tile-aisle").await?;
    screen_is(app, "aisle").await?;
    shoot(app, "20-aisle-start").await?;
    wedge_scan(app, &p.held_barcode).await?;
    app.wait_for(&format!("#style-grid[data-style='{}']", p.style)).await?;
    app.wait_for(&format!(".grid-cell.selected[data-sku='{}']", p.held)).await?;
    let lacking_cell = format!(".grid-cell[data-sku='{}']", p.lacking);
    text_of(app, &format!("{lacking_cell} .here"), "0").await?;
    shoot(app, "21-aisle-grid").await?;

    // The size the store lacks: live availability per node, then ship it to the customer.
    click_centered(app, &lacking_cell).await?;
    app.wait_for("#live-as-of").await?;
    text_of(app, "#live-here", "0").await?;
    let network: i64 = app.wait_for("#network-total").await?.text().await?.trim().parse().unwrap_or(0);
    assert!(network > 0, "the network has the size the store lacks");
    assert!(!app.find_all(".node-row[data-node]").await?.is_empty(), "nodes with the size are listed");
    shoot_at(app, "22-aisle-availability", "#cell-head").await?;
    let (state, online) = place(app, "delivery-ship", "王小明", "POS-E2E-0001").await?;
    assert_eq!(state, "confirmed", "online the order is confirmed at once");
    app.wait_for("#ships-from").await?;
    shoot_at(app, "23-aisle-confirmed", "#order-outcome").await?;
    let order = hq.order(online).await?;
    assert_eq!(order.channel, Channel::Store);
    assert!(!order.fulfillment_orders.is_empty());
    assert!(
        order.fulfillment_orders.iter().all(|f| f.node_code != e2e::DEMO_STORE),
        "shipped from another node: {:?}",
        order.fulfillment_orders.iter().map(|f| &f.node_code).collect::<Vec<_>>()
    );
    click_centered(app, "#order-new").await?;

    // The network goes away. The availability is the stored snapshot, said plainly.
    proxy.cut();
    click_centered(app, "#availability-refresh").await?;
    app.wait_for("#snapshot-note").await?;
    app.wait_for("#offline-banner").await?;
    shoot_at(app, "24-aisle-offline-snapshot", "#availability").await?;
    let (state, queued) = place(app, "delivery-ship", "李四", "POS-E2E-0002").await?;
    assert_eq!(state, "queued", "offline: not yet confirmed");
    shoot_at(app, "25-aisle-not-confirmed", "#order-outcome").await?;
    click_centered(app, "#order-new").await?;
    // Another one, for a SKU HQ sells out before the device is back.
    click_centered(app, &format!(".grid-cell[data-sku='{}']", p.sells_out)).await?;
    let (state, doomed) = place(app, "delivery-ship", "赵六", "POS-E2E-0003").await?;
    assert_eq!(state, "queued");
    let lines = p
        .sells_out_at
        .iter()
        .map(|(node, on_hand)| StockAdjustment {
            node_code: node.clone(),
            sku_code: p.sells_out.clone(),
            quality: Quality::Sellable,
            delta: -on_hand,
            note: "e2e: sold out while the store was offline".into(),
        })
        .collect();
    hq.admin_post("/api/v1/stock/adjustments", &StockAdjustmentBatch { batch_id: "e2e-sold-out".into(), lines })
        .await?;

    // Back online: HQ confirms the first and refuses the second at sync.
    tokio::time::sleep(Duration::from_millis(200)).await;
    proxy.restore().await;
    sync_now(app).await?;
    click(app, "#tile-aisle").await?;
    click(app, "#placed-orders-open").await?;
    screen_is(app, "placed-orders").await?;
    let card = |id: Uuid, state: &str| format!(".placed-card[data-order-id='{id}'][data-state='{state}']");
    app.wait_until("HQ's answers on the device", Duration::from_secs(60), || async {
        let confirmed = app.find_all(&card(queued, "confirmed")).await?;
        let refused = app.find_all(&card(doomed, "refused")).await?;
        if confirmed.is_empty() || refused.is_empty() {
            tokio::time::sleep(Duration::from_millis(500)).await;
            return Ok(None);
        }
        Ok(Some(()))
    })
    .await?;
    app.wait_for(&card(online, "confirmed")).await?;
    text_of(app, &format!("{} .refusal", card(doomed, "refused")), "库存不足").await?;
    shoot(app, "26-aisle-placed-orders").await?;
    assert_eq!(hq.order(queued).await?.channel, Channel::Store, "the offline order reached HQ once");
    assert!(hq.order(doomed).await.is_err(), "the refused order was never created");

    // Online, HQ refuses the sold-out SKU at once, with what to offer instead.
    click(app, "#aisle-open").await?;
    screen_is(app, "aisle").await?;
    wedge_scan(app, &p.held_barcode).await?;
    click_centered(app, &format!(".grid-cell[data-sku='{}']", p.sells_out)).await?;
    app.wait_for("#live-as-of").await?;
    let (state, _) = place(app, "delivery-ship", "钱七", "POS-E2E-0004").await?;
    assert_eq!(state, "refused", "refused while the customer waits");
    text_of(app, "#refusal-reason", "库存不足").await?;
    app.wait_for("#alternatives .alt-size").await?;
    shoot_at(app, "28-aisle-refused-online", "#order-outcome").await?;
    // Taking another size opens that cell's order form.
    let other = app.wait_for("#alternatives .alt-size").await?.attribute("data-sku").await?.unwrap_or_default();
    click_centered(app, "#alternatives .alt-size").await?;
    app.wait_for(&format!("#cell-head[data-sku='{other}']")).await?;
    app.wait_for("#order-form").await?;

    // The refusal at sync is in the inbox, with what to tell the customer.
    click(app, "#back").await?;
    screen_is(app, "placed-orders").await?;
    click(app, "#back").await?;
    click(app, "#back").await?;
    screen_is(app, "home").await?;
    click(app, "#tile-inbox").await?;
    screen_is(app, "inbox").await?;
    app.wait_for(".inbox-item .tell-customer .whose").await?;
    text_of(app, ".inbox-item .tell-customer", "POS-E2E-0003").await?;
    text_of(app, ".inbox-item", "库存不足").await?;
    shoot(app, "27-aisle-inbox-refusal").await?;
    hq.audit().await?.check()
}
