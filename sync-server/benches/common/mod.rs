//! What the reservation benchmarks share: the seeded catalogue and the HTTP load.
#![allow(dead_code)]

pub mod intake;

use rand::{Rng, SeedableRng};
use serde_json::json;
use shared::catalogue::{Sku, Style};
use shared::ean13::Ean13;
use shared::import::{ImportBundle, StockAdjustment, StockAdjustmentBatch, StockLevelInput};
use shared::node::{Capabilities, GeoPoint, Node, NodeKind};
use shared::stock::Quality;
use shared::{Count, Fen};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use sync_server::service::{self, stock};
use sync_server::storage::Storage;

pub const SKUS: usize = 5_000;
pub const CLIENTS: usize = 32;
/// The admin token the benchmarks' servers run with (`test-support`'s).
pub const ADMIN: &str = test_support::ADMIN_TOKEN;

/// One warehouse holding 100,000 units of each of [`SKUS`] SKUs of one style.
pub fn bundle() -> anyhow::Result<ImportBundle> {
    let node = Node {
        code: "BENCH-WH".into(),
        name: "bench warehouse".into(),
        kind: NodeKind::CentralWarehouse,
        city: "上海".into(),
        location: GeoPoint { lat: 31.2, lon: 121.4 },
        capabilities: Capabilities { ship: true, pickup: false, same_city: false },
        opening_hours: "00:00-24:00".into(),
        daily_capacity: 100_000,
        handling_cost: Fen(300),
    };
    let style = Style { code: "BENCH".into(), name: "bench".into(), category: "bench".into(), list_price: Fen(100) };
    let skus: Vec<Sku> = (0..SKUS)
        .map(|i| {
            let digits = format!("691{i:09}");
            let mut d = [0u8; 12];
            for (k, c) in digits.bytes().enumerate() {
                d[k] = c - b'0';
            }
            Sku {
                code: format!("B{i:05}"),
                style_code: "BENCH".into(),
                barcode: Ean13::from_first12(d),
                colour: "x".into(),
                size: "x".into(),
                list_price: Fen(100),
            }
        })
        .collect();
    let stock = skus
        .iter()
        .map(|s| {
            Ok(StockLevelInput {
                node_code: "BENCH-WH".into(),
                sku_code: s.code.clone(),
                quality: Quality::Sellable,
                on_hand: Count::new(100_000)?,
                safety: None,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(ImportBundle { nodes: vec![node], styles: vec![style], skus, stock, ..Default::default() })
}

/// Reservations per second from [`CLIENTS`] clients spread over `bases` (round robin).
pub async fn http_rate(bases: &[String], hot: bool, seconds: u64, run: &str) -> anyhow::Result<f64> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build()?;
    let ok = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (client, ok, url, run) =
            (client.clone(), ok.clone(), format!("{}/api/v1/reservations", bases[c % bases.len()]), run.to_string());
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(c as u64);
            let mut n = 0u64;
            while Instant::now() < deadline {
                let sku = if hot { 0 } else { rng.gen_range(0..SKUS) };
                let body = json!({"reference": format!("{run}-{c}-{n}"), "node_code": "BENCH-WH", "sku_code": format!("B{sku:05}"), "qty": 1});
                let r = client.post(&url).bearer_auth(ADMIN).json(&body).send().await.expect("server reachable");
                assert_eq!(r.status(), reqwest::StatusCode::CREATED, "reservation refused");
                n += 1;
                ok.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    Ok(ok.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64())
}

/// Seeds the catalogue and tops the hot SKU up to 10 million units.
pub async fn seed(storage: &dyn Storage) -> anyhow::Result<()> {
    test_support::import_into(storage, &bundle()?).await;
    // The hot SKU needs more than one import row can hold.
    let lines = (0..100)
        .map(|_| StockAdjustment {
            node_code: "BENCH-WH".into(),
            sku_code: "B00000".into(),
            quality: Quality::Sellable,
            delta: 100_000,
            note: "bench".into(),
        })
        .collect();
    let batch = StockAdjustmentBatch { batch_id: "hot".into(), lines };
    service::write(storage, move |tx| stock::adjust(tx, &batch)).await?;
    Ok(())
}

/// The conditional UPDATE a reservation is, for the raw limit.
pub const RAW_UPDATE: &str = "UPDATE stock_balance SET reserved = reserved + $3 WHERE node_code = $1 AND sku_code = $2 AND quality = 'sellable' AND on_hand - reserved - safety - locked >= $3";

/// SKU codes in the order the load picks them.
pub fn sku_picker(hot: bool, seed: u64) -> impl FnMut() -> String {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    move || if hot { "B00000".to_string() } else { format!("B{:05}", rng.gen_range(0..SKUS)) }
}

/// `--seconds N` from the command line, default 5.
pub fn seconds_arg() -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == "--seconds").and_then(|i| args.get(i + 1)).and_then(|s| s.parse().ok()).unwrap_or(5)
}
