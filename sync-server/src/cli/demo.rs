//! `sync-server demo`: a ready-to-use HQ on embedded SQLite with a generated brand.

use super::{
    enrollment_code,
    import::{import_bundle, import_orders},
    serve,
};
use crate::service::{self, random_bytes};
use crate::storage::{self, catalogue};
use anyhow::Context;
use std::io::Write;
use std::path::Path;

/// The demo's delivered Tmall order to return (see `gen::demo_return_order`), taken and
/// delivered once; `None` if the brand has no SKUs for it.
async fn demo_return(storage: &dyn storage::Storage) -> anyhow::Result<Option<uuid::Uuid>> {
    let data = gen::generate(&gen::GenConfig::default());
    let Some(order) = gen::demo_return_order(&data.bundle, gen::DEMO_RETURN_HIGH_PRICE) else { return Ok(None) };
    let now = service::now_ms();
    let id = service::write(storage, move |tx| service::demo::delivered_order(tx, &order, now))
        .await
        .context("cannot take the demo's order to return")?;
    Ok(Some(id))
}

/// The demo's stock-control seed: the deepest sellable SKUs of the network and a central
/// warehouse (see `service::demo::seed_stock_control`).
fn stock_control_seed(data: &gen::Dataset) -> Option<service::demo::StockControlSeed> {
    use std::collections::BTreeMap;
    let mut depth: BTreeMap<&str, i64> = BTreeMap::new();
    for s in data.bundle.stock.iter().filter(|s| s.quality == shared::stock::Quality::Sellable) {
        *depth.entry(s.sku_code.as_str()).or_default() += s.on_hand.get();
    }
    let kits: Vec<&str> = data.bundle.bundles.iter().map(|b| b.sku_code.as_str()).collect();
    let mut deep: Vec<(&str, i64)> = depth.into_iter().filter(|(k, _)| !kits.contains(k)).collect();
    deep.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let style_of = |code: &str| data.bundle.skus.iter().find(|s| s.code == code).map(|s| s.style_code.clone());
    let deep_skus = deep.iter().take(4).filter_map(|(k, _)| Some((k.to_string(), style_of(k)?))).collect();
    let warehouse = data.bundle.nodes.iter().find(|n| n.kind == shared::node::NodeKind::CentralWarehouse)?.code.clone();
    Some(service::demo::StockControlSeed { deep_skus, warehouse })
}

/// The demo's routing configuration: the documented example.
const DEMO_ROUTING: &str = include_str!("../../../docs/routing.example.toml");

/// Step between two statuses of a simulated booking.
const DEMO_STEP_MS: u64 = 6_000;

/// The demo's couriers: the courier simulator in-process on a free loopback port, in
/// automatic mode, with SF Express and two rider platforms serving the demo store, and the
/// server's courier config pointing at it (secrets made up for this run).
async fn demo_couriers(listen: &str) -> anyhow::Result<(crate::courier::Couriers, courier_sim::Running)> {
    use courier_sim::{RiderPlatform, SfAccount, SfStore, SimConfig, Timeline};
    use std::collections::BTreeMap;
    let secret = || shared::secret::to_hex(&random_bytes::<16>());
    let (checkword, push_token) = (secret(), secret());
    let base = format!("http://{listen}");
    let store = gen::DEMO_STORE;
    let mut riders = BTreeMap::new();
    let mut rider_keys = Vec::new();
    for (code, fee, minutes) in [("dada", 800, 12), ("fengniao", 900, 6)] {
        let (app_secret, token) = (secret(), secret());
        let mut p = RiderPlatform::new(&format!("{code}-demo"), &app_secret, "10001").with_shop(
            store,
            &format!("{code}-{store}"),
            None,
        );
        p.base_fee_fen = fee;
        p.pickup_minutes = minutes;
        riders.insert(code.to_string(), p);
        rider_keys.push((code, app_secret, token));
    }
    let mut stores = BTreeMap::new();
    stores.insert(store.to_string(), SfStore { monthly_card: "7550000001".into() });
    let sim = courier_sim::start(SimConfig {
        sf_express: Some(SfAccount {
            partner_id: "OMNI_DEMO".into(),
            checkword: Some(checkword.clone()),
            checkword_env: None,
            push_url: Some(format!("{base}/api/v1/couriers/sf-express/route-push?token={push_token}")),
            callback_token: None,
            callback_token_env: None,
            stores,
        }),
        riders,
        callback_base_url: None,
        timeline: Timeline::Auto { step_ms: DEMO_STEP_MS },
        callback_attempts: 5,
    })
    .await
    .context("cannot start the courier simulator")?;
    let mut text = format!(
        "callback_base_url = \"{base}\"\n[sf_express]\nbase_url = \"{}\"\npartner_id = \"OMNI_DEMO\"\ncheckword = \"{checkword}\"\ncallback_token = \"{push_token}\"\n[sf_express.stores]\n\"{store}\" = {{ monthly_card = \"7550000001\" }}\n",
        sim.url()
    );
    for (code, app_secret, token) in rider_keys {
        text.push_str(&format!(
            "[riders.{code}]\nbase_url = \"{}\"\napp_key = \"{code}-demo\"\napp_secret = \"{app_secret}\"\nsource_id = \"10001\"\ncallback_token = \"{token}\"\n[riders.{code}.shops]\n\"{store}\" = \"{code}-{store}\"\n",
            sim.platform_url(code)
        ));
    }
    let config = crate::courier::CourierConfig::parse(&text, &|_| None)?;
    Ok((crate::courier::Couriers::from_config(config)?, sim))
}

pub async fn run(listen: &str, data_dir: &Path, fresh: bool) -> anyhow::Result<()> {
    let db = data_dir.join("demo.sqlite");
    if fresh {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create {}", data_dir.display()))?;
    let storage = storage::open(&format!("sqlite://{}", db.display()))?;
    let seeded = service::read(storage.as_ref(), |tx| Ok(catalogue::node(tx, gen::DEMO_STORE)?.is_some())).await?;
    if !seeded {
        let data = gen::generate(&gen::GenConfig::default());
        println!(
            "Seeding the demo brand: {} SKUs, {} nodes, {} stock rows, {} orders…",
            data.bundle.skus.len(),
            data.bundle.nodes.len(),
            data.bundle.stock.len(),
            data.orders.len()
        );
        let seed = stock_control_seed(&data);
        import_bundle(storage.as_ref(), data.bundle).await?;
        // The routing profiles of the documented example (docs/routing.example.toml).
        let routing: shared::routing::config::RoutingConfig =
            toml::from_str(DEMO_ROUTING).context("the demo's routing example does not parse")?;
        let now = service::now_ms();
        let applied = service::write(storage.as_ref(), move |tx| service::routing::put_config(tx, &routing, now))
            .await
            .context("cannot apply the demo's routing profiles")?;
        println!("  routing: {} profiles (version {})", applied.config.profiles.len(), applied.version);
        if let Some(seed) = seed {
            let now = service::now_ms();
            let seeded = service::write(storage.as_ref(), move |tx| service::demo::seed_stock_control(tx, &seed, now))
                .await
                .context("cannot seed the demo's stock control")?;
            if let Some(s) = seeded {
                println!(
                    "  stock control: allocation rule {} (switches below 500 units), live-stream lock {}, presale {}",
                    s.allocation_rule, s.campaign, s.presale
                );
            }
        }
        let total = data.orders.len();
        let (created, _, refused) = import_orders(storage.as_ref(), data.orders, |i| {
            if i % 50 == 0 || i == total {
                print!("\r  orders {i}/{total}");
                let _ = std::io::stdout().flush();
            }
        })
        .await?;
        println!("\n  {created} orders routed, {refused} refused for lack of stock");
    }
    let to_return = demo_return(storage.as_ref()).await?;
    let token_file = data_dir.join("admin-token");
    let admin_token = match std::fs::read_to_string(&token_file) {
        Ok(t) if t.trim().len() >= 16 => t.trim().to_string(),
        _ => {
            let t = shared::secret::to_hex(&random_bytes::<16>());
            std::fs::write(&token_file, &t).with_context(|| format!("cannot write {}", token_file.display()))?;
            t
        }
    };
    let url = format!("http://{listen}");
    println!("\nDemo HQ at {url}  (database {})", db.display());
    println!("HQ admin token: {admin_token}   (also in {})", token_file.display());
    println!(
        "Demo store {}: manager {}-M1 PIN {}, associate {}-A1 PIN {}\n",
        gen::DEMO_STORE,
        gen::DEMO_STORE,
        gen::DEMO_MANAGER_PIN,
        gen::DEMO_STORE,
        gen::DEMO_ASSOCIATE_PIN
    );
    enrollment_code(storage.as_ref(), gen::DEMO_STORE, &url).await?;
    if let Some(order_id) = to_return {
        println!(
            "A delivered Tmall order to take back at the return counter: {} (order {order_id}).\nScan its receipt QR or type the number:\n",
            gen::DEMO_RETURN_ORDER
        );
        let payload = shared::returns::order_qr_payload(order_id);
        super::print_qr(&payload);
        println!("QR content: {payload}\n");
    }
    println!(
        "Try: curl -H 'Authorization: Bearer {admin_token}' '{url}/api/v1/stock?node={}' | head -c 600\n",
        gen::DEMO_STORE
    );
    let (couriers, sim) = demo_couriers(listen).await?;
    println!("Couriers: SF Express and two rider platforms (dada, fengniao), simulated at {} — riders move every few seconds.\n", sim.url());
    serve(storage, listen, &admin_token, couriers).await
}
