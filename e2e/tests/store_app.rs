//! The store app end to end: the real app binary (bundled UI) driven through tauri-driver
//! and WebKitWebDriver under a virtual display, against a real sync server seeded with the
//! demo brand. Every screen is saved at a phone and a tablet size along the way.
//!
//! Build the app first (`./scripts/build-ui.sh && cargo build -p store-app`), then run
//! `xvfb-run -a cargo test -p e2e --test store_app`; `scripts/test.sh` does both.

use e2e::{screens, App, AppOptions, CheckAudit, FormFactor, Seed, Session, SyncServer};
use serde_json::json;
use shared::order::Order;
use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

#[path = "store_app/aisle.rs"]
mod aisle;
#[path = "store_app/courier.rs"]
mod courier;
#[path = "store_app/polish.rs"]
mod polish;
#[path = "store_app/returns.rs"]
mod returns;

/// Every SKU's barcode by SKU code, for scanning what a scenario picks.
fn barcodes_of(brand: &gen::Dataset) -> HashMap<String, String> {
    brand.bundle.skus.iter().map(|s| (s.code.clone(), s.barcode.as_str().to_string())).collect()
}

/// Ends a scenario: on failure its screen is saved as `name` and the last `lines` of the
/// app's and the server's logs are printed; the app quits either way it got here.
async fn finish(app: App, hq: &SyncServer, name: &str, lines: usize, result: e2e::Result<()>) -> e2e::Result<()> {
    if result.is_err() {
        screens::save_failure(&app, name).await;
        eprintln!("--- app log ---\n{}\n--- server log ---\n{}", app.log_tail(lines), hq.log_tail(lines));
    }
    result?;
    app.quit().await
}

/// One app and its server at a time: the scenarios share one virtual display and the
/// machine's cores, and their waits are bounded. A test holds this for its whole run.
async fn one_app_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static ONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    ONE.lock().await
}

/// Saves the current screen at both sizes, leaving the window at phone size.
async fn shoot(app: &Session, name: &str) -> e2e::Result<()> {
    for form in [FormFactor::TabletLandscape, FormFactor::PhonePortrait] {
        screens::resize_to(app, form).await?;
        screens::save_screenshot(app, name, form.label()).await?;
    }
    Ok(())
}

/// Types `code` the way a keyboard-wedge scanner does: a burst of key presses ending in
/// Enter, sent to the page rather than to any field.
async fn wedge_scan(app: &Session, code: &str) -> e2e::Result<()> {
    app.execute(
        "const code = arguments[0];
         for (const key of code) document.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
         document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));",
        vec![json!(code)],
    )
    .await?;
    Ok(())
}

async fn screen_is(app: &Session, screen: &str) -> e2e::Result<()> {
    app.wait_for(&format!("#app[data-screen='{screen}']")).await?;
    Ok(())
}

async fn click(app: &Session, css: &str) -> e2e::Result<()> {
    app.wait_for(css).await?.click().await
}

/// Waits until the element's text contains `text`, re-finding it across re-renders.
async fn text_of(app: &Session, css: &str, text: &str) -> e2e::Result<String> {
    let el = app.wait_for_text(css, text).await?;
    el.text().await
}

/// Opens an order from the "all orders" list by its channel order number.
async fn open_order(app: &Session, order_no: &str) -> e2e::Result<()> {
    screen_is(app, "home").await?;
    click(app, "#tile-all").await?;
    click(app, &format!(".order-card[data-order-no='{order_no}']")).await?;
    screen_is(app, "order").await
}

/// From the pick screen: scans every unit (and, when `screenshots`, one too many), packs,
/// marks the order ready, and returns once HQ issued the pickup code and the device has it.
async fn pick_pack_ready(
    app: &Session,
    hq: &SyncServer,
    order: &Order,
    barcodes: &HashMap<String, String>,
    screenshots: bool,
) -> e2e::Result<String> {
    let fo = &order.fulfillment_orders[0];
    screen_is(app, "pick").await?;
    let units: i64 = fo.lines.iter().map(|l| l.qty).sum();
    let mut scanned = 0;
    for line in &fo.lines {
        for _ in 0..line.qty {
            wedge_scan(app, &barcodes[&line.sku_code]).await?;
            scanned += 1;
            text_of(app, "#pick-progress", &format!("{scanned}/{units}")).await?;
        }
    }
    if screenshots {
        // One too many: refused, nothing counted.
        wedge_scan(app, &barcodes[&fo.lines[0].sku_code]).await?;
        text_of(app, "#toast", "已拣够").await?;
        text_of(app, "#pick-progress", &format!("{units}/{units}")).await?;
        shoot(app, "06-pick-done").await?;
    }
    click(app, "#to-pack").await?;
    screen_is(app, "pack").await?;
    click(app, "#check-bagged").await?;
    click(app, "#check-labelled").await?;
    if screenshots {
        shoot(app, "07-pack").await?;
    }
    click(app, "#confirm-pack").await?;
    screen_is(app, "order").await?;
    click(app, "#mark-ready").await?;
    let code = hq.pickup_code(fo.id, Duration::from_secs(60)).await?;
    // The code's hash reaches the device with the pull after the push.
    app.wait_until("the order's actions to reach HQ", Duration::from_secs(30), || async {
        Ok(app.find_all("#pending-note").await?.is_empty().then_some(()))
    })
    .await?;
    Ok(code)
}

/// Accepts the open order while HQ is reachable and waits until the acceptance reached HQ:
/// the "waiting for sync" note then leaves the page, and the buttons below it move up, so a
/// click aimed before that could land on the next button.
async fn accept_online(app: &Session) -> e2e::Result<()> {
    click(app, "#accept").await?;
    app.wait_until("the acceptance to reach HQ", Duration::from_secs(30), || async {
        Ok(app.find_all("#pending-note").await?.is_empty().then_some(()))
    })
    .await
}

/// Hands an order over: a wrong code first (refused, one try used), then the right one.
async fn hand_over(app: &Session, code: &str, screenshots: bool) -> e2e::Result<()> {
    click(app, "#hand-over").await?;
    screen_is(app, "handover").await?;
    if screenshots {
        shoot(app, "08-handover").await?;
    }
    let wrong = if code == "00000000" { "11111111" } else { "00000000" };
    let field = app.wait_for("#pickup-code").await?;
    field.send_keys(wrong).await?;
    click(app, "#handover-submit").await?;
    let error = text_of(app, "#handover-error", "取货码不正确").await?;
    assert!(error.contains('4'), "one of five tries used: {error}");
    if screenshots {
        shoot(app, "09-handover-wrong-code").await?;
    }
    let field = app.wait_for("#pickup-code").await?;
    field.clear().await?;
    field.send_keys(code).await?;
    click(app, "#handover-submit").await?;
    app.wait_for("#receipt svg").await?;
    if screenshots {
        shoot(app, "10-receipt").await?;
    }
    click(app, "#receipt-done").await?;
    screen_is(app, "home").await
}

async fn fulfillment_state(hq: &SyncServer, order: Uuid) -> e2e::Result<String> {
    let o = hq.order(order).await?;
    Ok(o.fulfillment_orders[0].state.as_str().to_string())
}

/// Writes a resolved conflict and an open rejection into the app's inbox.
// The items' times only need to be about now, for the picture.
#[allow(clippy::disallowed_methods)]
fn seed_inbox(data: &std::path::Path) {
    let conn = rusqlite::Connection::open(data.join("replica.sqlite")).expect("the app's replica");
    conn.busy_timeout(Duration::from_secs(5)).expect("busy timeout");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as i64;
    conn.execute(
        "INSERT INTO inbox (op_id, kind, status, code, message, created_ms, resolved_ms, resolution_note)
         VALUES (?1, 'HandOver', 'conflict', 'handed_over_after_cancel', ?2, ?3, ?4, ?5)",
        rusqlite::params![
            Uuid::now_v7().to_string(),
            "the order was cancelled at HQ before you handed it over; HQ has been told to follow up",
            now - 3_600_000,
            now - 600_000,
            "已联系顾客，订单改为已交付 / customer contacted, order closed"
        ],
    )
    .expect("a resolved conflict");
    conn.execute(
        "INSERT INTO inbox (op_id, kind, status, code, message, created_ms) VALUES (?1, 'AcceptFulfillment', 'rejected', 'illegal_transition', ?2, ?3)",
        rusqlite::params![Uuid::now_v7().to_string(), "cannot accept this order: it was cancelled at HQ", now - 60_000],
    )
    .expect("a rejection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bopis_online_and_offline_through_the_real_app() -> e2e::Result<()> {
    let _one_app = one_app_at_a_time().await;
    let mut hq = SyncServer::start(Seed::Demo).await?;
    let brand = gen::generate(&gen::GenConfig::default());
    let barcodes = barcodes_of(&brand);
    let in_stock = hq.skus_in_stock(e2e::DEMO_STORE).await?;
    assert!(in_stock.len() >= 3, "the demo store stocks SKUs");
    let data = tempfile::tempdir().expect("temp dir");
    let app = App::launch(AppOptions::store_app()?.env("STORE_APP_DATA_DIR", data.path())).await?;
    let result = scenario(&app, &mut hq, &barcodes, &in_stock, data.path()).await;
    finish(app, &hq, "store-app-failure", 40, result).await
}

async fn scenario(
    app: &Session,
    hq: &mut SyncServer,
    barcodes: &HashMap<String, String>,
    in_stock: &[String],
    data: &std::path::Path,
) -> e2e::Result<()> {
    // Enrollment.
    screen_is(app, "enroll").await?;
    shoot(app, "01-enroll").await?;
    let url = app.wait_for("#server-url").await?;
    url.clear().await?;
    url.send_keys(hq.url()).await?;
    app.find("#enroll-code").await?.send_keys(&hq.enrollment_code(e2e::DEMO_STORE).await?).await?;
    click(app, "#enroll-submit").await?;
    screen_is(app, "login").await?;

    // PIN login, offline-capable: the staff list arrives with the first download.
    let associate = format!(".staff-btn[data-staff-id='{}']", e2e::DEMO_ASSOCIATE);
    app.wait_for_within(&associate, Duration::from_secs(120)).await?.click().await?;
    shoot(app, "02-login").await?;
    app.wait_for("#pin-input").await?.send_keys(e2e::DEMO_ASSOCIATE_PIN).await?;
    click(app, "#login-submit").await?;
    screen_is(app, "home").await?;

    // Two pickup orders arrive from Tmall while the app is open.
    let online = hq.pickup_order("TM-E2E-0001", e2e::DEMO_STORE, &[(&in_stock[0], 2), (&in_stock[1], 1)]).await?;
    let offline = hq.pickup_order("TM-E2E-0002", e2e::DEMO_STORE, &[(&in_stock[2], 1)]).await?;
    app.wait_until("both orders on the device", Duration::from_secs(30), || async {
        click(app, "#tile-to-accept").await?;
        let found = app.find_all(".order-card[data-order-no='TM-E2E-0002']").await?;
        if found.is_empty() {
            click(app, "#back").await?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            return Ok(None);
        }
        Ok(Some(()))
    })
    .await?;
    shoot(app, "04-orders").await?;
    click(app, "#back").await?;
    screen_is(app, "home").await?;
    shoot(app, "03-home").await?;

    // Online: accept, pick by wedge scans (a wrong item first), pack, ready, hand over.
    click(app, "#tile-all").await?;
    click(app, ".order-card[data-order-no='TM-E2E-0001']").await?;
    screen_is(app, "order").await?;
    shoot(app, "04-order-detail").await?;
    accept_online(app).await?;
    click(app, "#start-pick").await?;
    screen_is(app, "pick").await?;
    shoot(app, "05-pick-start").await?;
    let stranger = barcodes.iter().find(|(sku, _)| !in_stock[..3].contains(sku)).map(|(_, b)| b.clone());
    wedge_scan(app, &stranger.expect("a SKU outside the order")).await?;
    text_of(app, "#toast", "不在此订单中").await?;
    app.wait_for(".scan-feedback.bad").await?;
    text_of(app, "#pick-progress", "0/3").await?;
    let code = pick_pack_ready(app, hq, &online, barcodes, true).await?;
    hand_over(app, &code, true).await?;
    app.wait_until("HQ to record the hand-over", Duration::from_secs(30), || async {
        Ok((fulfillment_state(hq, online.id).await? == "picked_up").then_some(()))
    })
    .await?;

    // The other screens. The inbox is shown with one item of each kind: how the server's
    // rejections, conflicts and HQ's resolutions reach it is tested with the device engine in
    // tests/tests/suite/inbox.rs; here they are written into the app's replica for the picture.
    seed_inbox(data);
    click(app, "#tile-inbox").await?;
    screen_is(app, "inbox").await?;
    app.wait_for(".badge.resolved").await?;
    text_of(app, ".resolution", "已联系顾客").await?;
    shoot(app, "11-inbox").await?;
    click(app, "#back").await?;
    click(app, "#tile-settings").await?;
    screen_is(app, "settings").await?;
    shoot(app, "12-settings").await?;
    click(app, "#lang-en").await?;
    app.wait_for_page_text("Diagnostics").await?;
    shoot(app, "13-settings-english").await?;
    click(app, "#lang-zh").await?;
    app.wait_for_page_text("诊断信息").await?;
    click(app, "#back").await?;

    // Offline: the second order is made ready online, then HQ goes away; the hand-over
    // is verified on the device, queued, and reaches HQ exactly once when it is back.
    open_order(app, "TM-E2E-0002").await?;
    accept_online(app).await?;
    click(app, "#start-pick").await?;
    let code = pick_pack_ready(app, hq, &offline, barcodes, false).await?;
    hq.stop();
    // The next sync attempt finds HQ gone; ask for one rather than wait for the timer.
    click(app, "#back").await?;
    screen_is(app, "home").await?;
    click(app, "#tile-settings").await?;
    click(app, "#sync-now").await?;
    app.wait_for("#offline-banner").await?;
    click(app, "#back").await?;
    screen_is(app, "home").await?;
    shoot(app, "14-offline-home").await?;
    open_order(app, "TM-E2E-0002").await?;
    hand_over(app, &code, false).await?;
    text_of(app, "#offline-banner", "1 项待同步").await?;
    hq.restart().await?;
    app.wait_until("HQ to record the offline hand-over", Duration::from_secs(90), || async {
        Ok((fulfillment_state(hq, offline.id).await? == "picked_up").then_some(()))
    })
    .await?;
    app.wait_gone("#offline-banner").await?;
    // Exactly once: no conflict was raised for it, and the ledger balances.
    let conflicts = hq.admin_get("/api/v1/conflicts").await?;
    assert_eq!(conflicts.as_array().map(Vec::len), Some(0), "no conflicts: {conflicts}");
    hq.audit().await?.check()?;
    Ok(())
}
