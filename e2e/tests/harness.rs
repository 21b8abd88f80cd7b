//! The harness proving itself without the store app: WebDriver against WebKitGTK's
//! MiniBrowser (directly and through tauri-driver), screenshots and resizing, and the sync
//! server with its admin helpers. The UI tests need a display: run
//! `xvfb-run -a cargo test -p e2e`; without one they fail with `Error::NoDisplay`.

// A test fails by panicking, so its helpers unwrap as its `#[test]` functions may.
#![allow(clippy::unwrap_used)]

use e2e::app::MINIBROWSER;
use e2e::{keys, screens, App, AppOptions, CheckAudit, Error, FormFactor, Seed, SyncServer};
use serde_json::{json, Value};
use shared::protocol::{Op, PickedLine};
use shared::stock::Quality;
use std::path::Path;
use std::time::{Duration, Instant};

const PAGE: &str = r##"<!doctype html>
<html><head><meta charset="utf-8"><title>e2e harness</title>
<style>
  body { margin: 0; font-family: sans-serif; background: #fff } #hidden { display: none }
  #corner { position: fixed; right: 0; bottom: 0; width: 24px; height: 24px; background: #f00 }
</style></head>
<body>
<h1 id="title">拣货 Picking</h1>
<input id="name" value="preset">
<button id="greet" onclick="document.getElementById('out').textContent = 'Hello, ' + document.getElementById('name').value">Greet</button>
<div id="out"></div>
<p id="hidden">secret</p>
<a id="link" href="#x" data-sku="SKU-1">link</a>
<div id="corner"></div>
<script>
  setTimeout(function () {
    var d = document.createElement('div'); d.id = 'late'; d.textContent = 'arrived'; document.body.appendChild(d);
  }, 500);
</script>
</body></html>"##;

/// Writes the test page into `dir` and returns its `file://` URL.
fn page(dir: &Path) -> String {
    let path = dir.join("page.html");
    std::fs::write(&path, PAGE).unwrap();
    format!("file://{}", path.display())
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.len() > 24 && png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let be = |i: usize| u32::from_be_bytes([png[i], png[i + 1], png[i + 2], png[i + 3]]);
    (be(16), be(20))
}

/// The RGB colour at (`x`, `y`) of a PNG screenshot.
fn pixel(png_bytes: &[u8], x: u32, y: u32) -> [u8; 3] {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let i = y as usize * info.line_size + x as usize * channels;
    [buf[i], buf[i + 1], buf[i + 2]]
}

/// Asserts the screenshot at `path` is `w`x`h` and shows this size's layout: the fixed red
/// corner marker at the bottom right, white at the top right. A stale frame (the old layout
/// cropped or padded to the new size) fails this.
fn assert_painted_at(path: &Path, w: u32, h: u32) {
    let png = std::fs::read(path).unwrap();
    assert_eq!(png_size(&png), (w, h), "{}", path.display());
    assert_eq!(pixel(&png, w - 5, h - 5), [255, 0, 0], "no red corner at the bottom right of {}", path.display());
    assert_eq!(pixel(&png, w - 5, 5), [255, 255, 255], "{}", path.display());
}

#[tokio::test(flavor = "multi_thread")]
async fn webdriver_drives_a_page_in_minibrowser() -> e2e::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let app = App::launch_browser(&[]).await?;
    eprintln!("WebKitWebDriver + MiniBrowser session in {:?}", started.elapsed());
    app.goto(&page(dir.path())).await?;
    assert_eq!(app.title().await?, "e2e harness");

    // Waiting: the element appears 500 ms after load.
    assert_eq!(app.wait_for("#late").await?.text().await?, "arrived");

    // Typing (CJK too), clearing, clicking, reading back.
    let name = app.find("#name").await?;
    assert_eq!(name.value().await?, "preset");
    name.clear().await?;
    name.send_keys("王小明").await?;
    assert_eq!(name.value().await?, "王小明");
    app.find("#greet").await?.click().await?;
    app.wait_for_text("#out", "Hello, 王小明").await?;
    name.send_keys(&format!("{}X", keys::BACKSPACE)).await?;
    assert_eq!(name.value().await?, "王小X");

    // Attributes, properties, displayedness, lists.
    let link = app.find("#link").await?;
    assert_eq!(link.attribute("data-sku").await?.as_deref(), Some("SKU-1"));
    assert_eq!(link.attribute("data-missing").await?, None);
    assert_eq!(link.property("tagName").await?, json!("A"));
    assert!(link.is_displayed().await?);
    assert!(!app.find("#hidden").await?.is_displayed().await?);
    app.wait_gone("#hidden").await?;
    assert_eq!(app.find_all("input, button").await?.len(), 2);
    assert!(app.find_all("#missing").await?.is_empty());

    // A missing element is a W3C error with its code; a wait that runs out says what it
    // waited for and what the page showed.
    let missing = app.find("#missing").await.unwrap_err();
    assert_eq!(missing.webdriver_code(), Some("no such element"), "{missing}");
    assert!(missing.to_string().contains("#missing"), "{missing}");
    let t0 = Instant::now();
    let timeout = app.wait_for_within("#never", Duration::from_millis(800)).await.unwrap_err();
    assert!(t0.elapsed() < Duration::from_secs(10), "the wait was not bounded");
    let text = timeout.to_string();
    assert!(matches!(timeout, Error::Timeout { .. }), "{text}");
    assert!(text.contains("`#never`") && text.contains("拣货 Picking") && text.contains("Hello, 王小明"), "{text}");

    // Scripts, sync and async, with element arguments.
    let title = app.find("#title").await?;
    let v = app.execute("return arguments[0].textContent + arguments[1];", vec![title.to_json(), json!("!")]).await?;
    assert_eq!(v, json!("拣货 Picking!"));
    let script = "const done = arguments[arguments.length - 1]; setTimeout(() => done(arguments[0] * 2), 100);";
    assert_eq!(app.execute_async(script, vec![json!(21)]).await?, json!(42));
    assert!(app.page_source().await?.contains("id=\"greet\""));

    // Screenshots: a PNG the size of the viewport, saved under the screenshot directory.
    let png = app.screenshot().await?;
    let vp = screens::viewport(&app).await?;
    assert_eq!(png_size(&png), (vp.width, vp.height));
    let saved = screens::save_screenshot(&app, "harness page", "default").await?;
    assert!(saved.ends_with("harness_page-default.png"), "{}", saved.display());
    assert!(std::fs::metadata(&saved).unwrap().len() > 1000);
    assert!(title.screenshot().await?.len() > 100);

    app.quit().await
}

#[tokio::test(flavor = "multi_thread")]
async fn window_resizes_to_tablet_and_as_near_phone_as_the_window_allows() -> e2e::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let app = App::launch_browser(&[]).await?;
    app.goto(&page(dir.path())).await?;
    let before = app.window_rect().await?;

    let tablet = screens::resize_to(&app, FormFactor::TabletLandscape).await?;
    assert_eq!((tablet.width, tablet.height), (1280, 800));
    let after = app.window_rect().await?;
    assert_ne!(before, after, "the window did not change");
    let shot = screens::save_screenshot(&app, "harness", FormFactor::TabletLandscape.label()).await?;
    assert_painted_at(&shot, 1280, 800);

    // A size MiniBrowser can reach is met exactly, despite its toolbar, and the screenshot
    // taken right after shows the new layout.
    let vp = screens::set_viewport(&app, 600, 900).await?;
    assert_eq!((vp.width, vp.height), (600, 900));
    assert_painted_at(&screens::save_screenshot(&app, "harness", "600x900").await?, 600, 900);
    screens::resize_to(&app, FormFactor::TabletLandscape).await?;
    assert_painted_at(&screens::save_screenshot(&app, "harness", "tablet-again").await?, 1280, 800);

    // MiniBrowser's toolbar keeps its window wider than a phone: that must be reported, not
    // silently accepted. (The app's window has no toolbar and should reach 390x844.)
    match screens::resize_to(&app, FormFactor::PhonePortrait).await {
        Ok(vp) => assert_eq!((vp.width, vp.height), (390, 844)),
        Err(e @ Error::Resize { .. }) => {
            eprintln!("phone size in MiniBrowser: {e}");
            assert!(e.to_string().contains("asked for a 390x844 viewport"), "{e}");
        }
        Err(e) => return Err(e),
    }
    app.quit().await
}

/// `/proc/PID/environ` as `KEY=VALUE` strings.
fn environ(pid: u32) -> Vec<String> {
    let raw = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    raw.split(|b| *b == 0).map(|s| String::from_utf8_lossy(s).into_owned()).collect()
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
}

#[tokio::test(flavor = "multi_thread")]
async fn tauri_driver_launches_an_application_with_its_environment_and_leaves_nothing() -> e2e::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let opts = AppOptions::new(MINIBROWSER).arg("--automation").env("E2E_PROBE", "from-the-harness");
    let started = Instant::now();
    let app = App::launch(opts).await?;
    eprintln!("tauri-driver + MiniBrowser session in {:?}", started.elapsed());
    app.goto(&page(dir.path())).await?;
    app.wait_for("#greet").await?;

    // The launched application got the variables set on tauri-driver, and the automation
    // flag tauri-driver adds.
    let pids = app.pids();
    let browser = pids
        .iter()
        .copied()
        .find(|p| std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == "MiniBrowser"))
        .unwrap_or_else(|| panic!("no MiniBrowser among {pids:?}"));
    let env = environ(browser);
    assert!(env.iter().any(|e| e == "E2E_PROBE=from-the-harness"), "{env:?}");
    assert!(env.iter().any(|e| e == "TAURI_WEBVIEW_AUTOMATION=true"), "{env:?}");
    assert!(pids.len() >= 3, "tauri-driver, WebKitWebDriver, MiniBrowser: {pids:?}");

    // Dropping the app (no quit, as when a test fails) kills the whole tree.
    drop(app);
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|p| alive(*p)) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let left: Vec<u32> = pids.into_iter().filter(|p| alive(*p)).collect();
    assert!(left.is_empty(), "processes left running: {left:?}");
    Ok(())
}

/// Plays a store device over HTTP: enrolls with `code`, then accepts, picks and marks the
/// pickup order ready, which makes HQ issue the customer's pickup code.
async fn device_marks_ready(hq: &SyncServer, code: &str, fo: uuid::Uuid) -> Value {
    let http = test_support::HqClient::new(hq.url());
    let enroll = json!({ "code": code, "device_name": "harness device", "protocol_version": 1 });
    let enrolled = http.send(http.request(reqwest::Method::POST, "/api/v1/enroll", None, Some(&enroll))).await.body;
    let token = enrolled["token"].as_str().unwrap_or_else(|| panic!("{enrolled}"));
    let picked = PickedLine { line_no: 1, picked: shared::Count::new(1).unwrap() };
    let ops = [
        Op::AcceptFulfillment { fulfillment_order_id: fo },
        Op::ConfirmPick { fulfillment_order_id: fo, lines: vec![picked], shortage_reason: None },
        Op::MarkReady { fulfillment_order_id: fo },
    ];
    let ops = ops.iter().map(|op| serde_json::to_value(op).unwrap()).collect();
    let resp = http.device_post(token, "/api/v1/sync/push", test_support::batch(1, "STORE-A-A", ops)).await;
    assert!(resp.status.is_success(), "push: {}", resp.status);
    resp.body
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_server_takes_orders_issues_pickup_codes_and_survives_a_restart() -> e2e::Result<()> {
    let started = Instant::now();
    let mut hq = SyncServer::start(Seed::Tiny).await?;
    eprintln!("sync server (tiny brand) up in {:?}", started.elapsed());
    let code = hq.enrollment_code("STORE-A").await?;
    assert!(!code.is_empty());

    let order = hq.pickup_order("TM-E2E-1", "STORE-A", &[("SKU-1", 1)]).await?;
    let fo = &order.fulfillment_orders[0];
    assert_eq!(fo.node_code, "STORE-A");
    assert_eq!(hq.order(order.id).await?.id, order.id);
    assert!(hq.skus_in_stock("STORE-A").await?.contains(&"SKU-1".to_string()));
    let reserved =
        hq.stock("STORE-A").await?.into_iter().find(|r| r.sku_code == "SKU-1" && r.quality == Quality::Sellable);
    assert_eq!(reserved.map(|r| r.reserved), Some(1));
    hq.audit().await?.check()?;

    // Nobody is notified before the store marks the order ready; then the code arrives.
    assert!(hq.claim_notifications().await?.is_empty());
    let pushed = device_marks_ready(&hq, &code, fo.id).await;
    assert!(pushed["results"].as_array().unwrap().iter().all(|r| r["outcome"]["status"] == "applied"), "{pushed}");
    let pickup = hq.pickup_code(fo.id, Duration::from_secs(10)).await?;
    assert!(pickup.len() == 8 && pickup.bytes().all(|b| b.is_ascii_digit()), "{pickup}");
    // Claimed once, still found again through the handle's record.
    assert_eq!(hq.pickup_code(fo.id, Duration::from_secs(1)).await?, pickup);

    // An unknown order is an HTTP error with the server's JSON error.
    let err = hq.order(uuid::Uuid::now_v7()).await.unwrap_err();
    assert!(matches!(err, Error::Server { status: 404, .. }), "{err}");

    // Down: requests fail. Back on the same address and database: the order is still there.
    let url = hq.url().to_string();
    hq.stop();
    assert!(!hq.is_running());
    assert!(matches!(hq.order(order.id).await, Err(Error::Transport { .. })));
    hq.restart().await?;
    assert_eq!(hq.url(), url);
    assert_eq!(hq.order(order.id).await?.fulfillment_orders[0].id, fo.id);
    hq.audit().await?.check()?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_brand_serves_the_demo_store() -> e2e::Result<()> {
    let started = Instant::now();
    let hq = SyncServer::start(Seed::Demo).await?;
    eprintln!("sync server (demo brand) up and seeded in {:?}", started.elapsed());
    let skus = hq.skus_in_stock(e2e::DEMO_STORE).await?;
    assert!(skus.len() > 100, "{} SKUs in stock at {}", skus.len(), e2e::DEMO_STORE);
    assert!(!hq.enrollment_code(e2e::DEMO_STORE).await?.is_empty());
    let order = hq.pickup_order("TM-DEMO-1", e2e::DEMO_STORE, &[(&skus[0], 1)]).await?;
    assert_eq!(order.fulfillment_orders[0].node_code, e2e::DEMO_STORE);
    hq.audit().await?.check()?;
    Ok(())
}
