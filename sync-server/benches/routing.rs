//! The routing engine alone, in memory: decisions per second and p50 / p99 latency.
//!
//! `cargo bench -p sync-server --bench routing [-- --seconds N] [-- --quick]`
//!
//! A network of 1,000 nodes (20 warehouses holding most of the range, 980 stores holding
//! 2,000 SKUs each, spread over eastern China) × 100,000 SKUs, kept as a per-SKU index of
//! (node, units) in memory, about 4 million balances. Each decision is a random channel
//! order of 1 to 4 lines (popular SKUs more often) for a random customer: the candidate
//! facts are gathered from the index (every node holding a needed SKU, with its clock,
//! today's count, when it last sold the SKU) and `shared::routing::engine::decide` runs a
//! realistic Double-11 profile chain: opening hours with a 30-minute cut-off, daily
//! capacity, 800 km; weighted fewest splits, nearest, lowest cost (handling + 0.3 yuan/km)
//! and stock depth (keep 2 on a shelf), at most 3 nodes; fallback to a network-wide
//! profile, then hold. No storage: this is the engine's own limit, what intake adds on top
//! is the intake bench's business. `--quick` (the smoke run of `scripts/test.sh`) uses 100
//! nodes × 5,000 SKUs for a fraction of a second.

use rand::{Rng, SeedableRng};
use shared::fulfillment::FulfillmentKind;
use shared::node::{Capabilities, GeoPoint, NodeKind};
use shared::order::Channel;
use shared::routing::config::{Fallback, Filter, Profile, Ranking, RoutingConfig, Strategy};
use shared::routing::engine::{decide, NodeFacts, Request};
use shared::routing::Need;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

struct Node {
    code: String,
    kind: NodeKind,
    location: GeoPoint,
    routed_today: u32,
    hours: (u32, u32),
}

fn profile(name: &str, filters: Vec<Filter>, fallback: Fallback) -> Profile {
    Profile {
        name: name.into(),
        filters,
        ranking: Ranking::Weighted,
        strategies: vec![
            Strategy::FewestSplits { weight: 5 },
            Strategy::Nearest { weight: 3 },
            Strategy::LowestCost { weight: 2, shipping_fen_per_km: 30, shipping_base_fen: 600 },
            Strategy::StockDepth { weight: 1, keep_units: 2 },
        ],
        max_splits: 3,
        fallback,
    }
}

fn config() -> RoutingConfig {
    let strict =
        vec![Filter::OpeningHours { cutoff_minutes: 30 }, Filter::DailyCapacity, Filter::MaxDistance { km: 800 }];
    RoutingConfig {
        profiles: vec![
            profile("double11", strict, Fallback::Next { profile: "network".into() }),
            profile("network", vec![Filter::DailyCapacity], Fallback::Hold),
        ],
        selections: Vec::new(),
        default_profile: "double11".into(),
        nodes: BTreeMap::new(),
        channel_exclusions: Vec::new(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let seconds: u64 = args
        .iter()
        .position(|a| a == "--seconds")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let (n_nodes, n_skus, per_store, warehouses) =
        if quick { (100, 5_000, 500, 5) } else { (1_000, 100_000, 2_000, 20) };
    let run_for = if quick { Duration::from_millis(300) } else { Duration::from_secs(seconds) };
    let mut rng = rand::rngs::StdRng::seed_from_u64(13);
    let t0 = Instant::now();
    let nodes: Vec<Node> = (0..n_nodes)
        .map(|i| Node {
            code: format!("N{i:04}"),
            kind: if i < warehouses { NodeKind::RegionalWarehouse } else { NodeKind::DirectStore },
            location: GeoPoint { lat: rng.gen_range(22.0..40.0), lon: rng.gen_range(110.0..122.0) },
            routed_today: rng.gen_range(0..220),
            hours: if i < warehouses { (0, 1440) } else { (600, 1320) },
        })
        .collect();
    let skus: Vec<String> = (0..n_skus).map(|i| format!("SKU-{i:06}")).collect();
    // index[sku] = (node, units)
    let mut index: Vec<Vec<(u16, i32)>> = vec![Vec::new(); n_skus];
    for (w, _) in nodes.iter().enumerate().take(warehouses) {
        for (s, row) in index.iter_mut().enumerate() {
            if rng.gen_bool(0.9) || s % 7 == w % 7 {
                row.push((w as u16, rng.gen_range(0..400)));
            }
        }
    }
    for n in warehouses..n_nodes {
        for _ in 0..per_store {
            // Stores carry the popular end of the range more often.
            let s = (rng.gen_range(0.0f64..1.0).powi(2) * n_skus as f64) as usize;
            index[s.min(n_skus - 1)].push((n as u16, rng.gen_range(0..12)));
        }
    }
    let balances: usize = index.iter().map(Vec::len).sum();
    let last_sold: Vec<u32> = (0..n_nodes).map(|_| rng.gen_range(0..120)).collect();
    println!(
        "routing bench: {} nodes × {} SKUs, {} balances in memory (built in {:.1} s)",
        n_nodes,
        n_skus,
        balances,
        t0.elapsed().as_secs_f64()
    );
    let config = config();
    config.validate().expect("the bench profile is valid");
    let mut latencies = Vec::new();
    let (mut placed, mut held, mut candidates) = (0u64, 0u64, 0u64);
    let started = Instant::now();
    while started.elapsed() < run_for || latencies.len() < 100 {
        let lines = rng.gen_range(1..=4);
        let needs: Vec<Need> = (0..lines)
            .map(|l| {
                let s = (rng.gen_range(0.0f64..1.0).powi(3) * n_skus as f64) as usize;
                Need { line_no: l + 1, sku_code: skus[s.min(n_skus - 1)].clone(), qty: rng.gen_range(1..=2) }
            })
            .collect();
        let target = GeoPoint { lat: rng.gen_range(22.0..40.0), lon: rng.gen_range(110.0..122.0) };
        let minute = rng.gen_range(0..1440);
        let t = Instant::now();
        // Gather the facts of every node holding a needed SKU, as the service does from storage.
        let mut by_node: BTreeMap<u16, BTreeMap<String, i64>> = BTreeMap::new();
        for need in &needs {
            let s: usize = need.sku_code[4..].parse().unwrap_or(0);
            for (n, q) in &index[s] {
                if *q > 0 {
                    by_node.entry(*n).or_default().insert(need.sku_code.clone(), i64::from(*q));
                }
            }
        }
        let facts: Vec<NodeFacts> = by_node
            .into_iter()
            .map(|(n, available)| {
                let node = &nodes[n as usize];
                NodeFacts {
                    code: node.code.clone(),
                    kind: node.kind,
                    location: node.location,
                    capabilities: Capabilities {
                        ship: true,
                        pickup: node.kind.is_store(),
                        same_city: node.kind.is_store(),
                    },
                    handling_cost: if node.kind.is_store() { 800 } else { 300 },
                    daily_capacity: if node.kind.is_store() { 200 } else { 50_000 },
                    routed_today: node.routed_today,
                    hours: Some(node.hours),
                    local_minute: minute,
                    days_since_sold: available.keys().map(|k| (k.clone(), last_sold[n as usize])).collect(),
                    available,
                }
            })
            .collect();
        let req = Request {
            channel: Channel::Tmall,
            kind: FulfillmentKind::Ship,
            target: Some(target),
            needs: &needs,
            exclude: &[],
            radius_km: None,
        };
        let d = decide(&config, 1, &req, &facts);
        latencies.push(t.elapsed());
        candidates += facts.len() as u64;
        if d.placed {
            placed += 1;
        } else {
            held += 1;
        }
        std::hint::black_box(d);
    }
    let wall = started.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    let n = latencies.len();
    println!(
        "{n} decisions in {:.2} s: {:.0} decisions/s on one core; p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        wall.as_secs_f64(),
        n as f64 / wall.as_secs_f64(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        latencies[n - 1].as_secs_f64() * 1e3
    );
    println!(
        "placed {placed}, held {held}; {:.1} candidate nodes per decision on average",
        candidates as f64 / n as f64
    );
}
