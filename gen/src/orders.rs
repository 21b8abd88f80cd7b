//! Channel orders that a server holding the generated stock can accept one after another.
//!
//! The server routes orders itself, so the generator cannot know which node a ship or
//! same-city line will draw on. It therefore books every line against *every* node that
//! could be chosen (saturating at zero): its view of availability never exceeds the
//! server's, so a line it deems available really is, whichever routes the server took.

use crate::names;
use crate::sample::{round6, Weighted};
use rand::rngs::StdRng;
use rand::Rng;
use shared::fulfillment::FulfillmentKind;
use shared::node::{GeoPoint, Node};
use shared::order::{Channel, ChannelOrderInput, Customer, OrderLineInput};
use shared::{Fen, Qty};

const CHANNELS: [(Channel, &str, f64); 4] = [
    (Channel::Tmall, "TM", 35.0),
    (Channel::Jd, "JD", 25.0),
    (Channel::Douyin, "DY", 25.0),
    (Channel::MiniProgram, "MP", 15.0),
];

/// Share of pickup and same-city orders sent to the demo store, so the demo has tasks.
const DEMO_SHARE: f64 = 0.5;
/// How far from the customer a same-city rider may be dispatched from, generously.
const SAME_CITY_REACH_KM: f64 = 10.0;
/// Random draws before falling back to a linear scan for a SKU in stock.
const DRAWS: usize = 60;

/// Inputs shared by every order.
pub(crate) struct Ctx<'a> {
    pub nodes: &'a [Node],
    pub skus: &'a [shared::catalogue::Sku],
    pub popularity: Weighted,
    pub n_skus: usize,
}

/// Moves `km` kilometres from `p` on `bearing` (radians); flat-earth is plenty for city scale.
fn offset(p: GeoPoint, km: f64, bearing: f64) -> GeoPoint {
    let dlat = km * bearing.cos() / 111.32;
    let dlon = km * bearing.sin() / (111.32 * p.lat.to_radians().cos());
    GeoPoint { lat: round6(p.lat + dlat), lon: round6(p.lon + dlon) }
}

fn random_near(p: GeoPoint, max_km: f64, rng: &mut StdRng) -> GeoPoint {
    let km = rng.gen_range(0.3..max_km);
    offset(p, km, rng.gen_range(0.0..std::f64::consts::TAU))
}

/// The node in `pool` nearest to `at`.
fn nearest(nodes: &[Node], pool: &[usize], at: GeoPoint) -> usize {
    let dist = |i: &usize| nodes[*i].location.distance_km(&at);
    *pool.iter().min_by(|a, b| dist(a).total_cmp(&dist(b))).expect("pool is not empty")
}

/// Picks up to `n` distinct SKUs, popular ones first, for which `ok(sku, qty)` holds.
fn pick_lines(ctx: &Ctx, n: usize, rng: &mut StdRng, ok: impl Fn(usize, i64) -> bool) -> Vec<(usize, i64)> {
    let mut lines: Vec<(usize, i64)> = Vec::new();
    for _ in 0..n {
        let qty = if rng.gen_bool(0.12) { 2 } else { 1 };
        let fresh = |s: usize, lines: &[(usize, i64)]| lines.iter().all(|(l, _)| *l != s);
        let mut found = (0..DRAWS).map(|_| ctx.popularity.pick(rng)).find(|s| fresh(*s, &lines) && ok(*s, qty));
        if found.is_none() {
            let start = rng.gen_range(0..ctx.n_skus);
            found = (0..ctx.n_skus).map(|k| (start + k) % ctx.n_skus).find(|s| fresh(*s, &lines) && ok(*s, 1));
            if let Some(s) = found {
                lines.push((s, 1));
            }
            continue;
        }
        lines.push((found.expect("checked"), qty));
    }
    lines
}

/// Books `lines` against every node in `candidates`.
fn book(avail: &mut [Vec<i64>], candidates: &[usize], lines: &[(usize, i64)]) {
    for &n in candidates {
        for &(s, q) in lines {
            avail[n][s] = (avail[n][s] - q).max(0);
        }
    }
}

/// Generates `count` orders, drawing down `avail` (per node, per regular SKU).
pub(crate) fn build(count: usize, ctx: &Ctx, avail: &mut [Vec<i64>], rng: &mut StdRng) -> Vec<ChannelOrderInput> {
    let nodes = ctx.nodes;
    let stores: Vec<usize> = (0..nodes.len()).filter(|i| nodes[*i].kind.is_store()).collect();
    let same_city: Vec<usize> = stores.iter().copied().filter(|i| nodes[*i].capabilities.same_city).collect();
    let shippers: Vec<usize> = (0..nodes.len()).filter(|i| nodes[*i].capabilities.ship).collect();
    let warehouses: Vec<usize> = (0..nodes.len()).filter(|i| !nodes[*i].kind.is_store()).collect();
    let demo = stores.iter().copied().find(|i| nodes[*i].code == crate::DEMO_STORE);
    let channel_pick = Weighted::new(CHANNELS.iter().map(|c| c.2));

    let choose_store = |pool: &[usize], rng: &mut StdRng| -> usize {
        match demo {
            Some(d) if pool.contains(&d) && rng.gen_bool(DEMO_SHARE) => d,
            _ => pool[rng.gen_range(0..pool.len())],
        }
    };

    let mut orders = Vec::with_capacity(count);
    for i in 0..count {
        let (channel, prefix, _) = CHANNELS[channel_pick.pick(rng)];
        let roll = rng.gen::<f64>();
        let mut kind = if roll < 0.60 {
            FulfillmentKind::Ship
        } else if roll < 0.85 {
            FulfillmentKind::Pickup
        } else {
            FulfillmentKind::SameCity
        };
        let n_lines = match rng.gen_range(0..10) {
            0..=5 => 1,
            6..=8 => 2,
            _ => 3,
        };
        let name = names::person(rng);
        let phone = names::phone(rng);
        let mut customer = Customer { name, phone, address: String::new(), location: None };
        let mut pickup_store = None;
        let mut lines = Vec::new();

        if kind == FulfillmentKind::Pickup && !stores.is_empty() {
            // A few tries: a thin store may have been sold out by earlier orders.
            for _ in 0..5 {
                let s = choose_store(&stores, rng);
                lines = pick_lines(ctx, n_lines, rng, |sku, q| avail[s][sku] >= q);
                if !lines.is_empty() {
                    book(avail, &[s], &lines);
                    pickup_store = Some(nodes[s].code.clone());
                    break;
                }
            }
        } else if kind == FulfillmentKind::SameCity && !same_city.is_empty() {
            for _ in 0..5 {
                let s = choose_store(&same_city, rng);
                lines = pick_lines(ctx, n_lines, rng, |sku, q| avail[s][sku] >= q);
                if !lines.is_empty() {
                    // Put the customer where this store is the nearest rider base, so the
                    // order lands where it was meant to (the demo store gets its share).
                    let mut at = random_near(nodes[s].location, 4.0, rng);
                    for _ in 0..20 {
                        if nearest(nodes, &same_city, at) == s {
                            break;
                        }
                        at = random_near(nodes[s].location, 2.5, rng);
                    }
                    let reach: Vec<usize> = same_city
                        .iter()
                        .copied()
                        .filter(|n| nodes[*n].location.distance_km(&at) <= SAME_CITY_REACH_KM)
                        .collect();
                    book(avail, &reach, &lines);
                    customer.location = Some(at);
                    customer.address = names::address(&nodes[s].city, rng);
                    break;
                }
            }
        }
        if lines.is_empty() {
            kind = FulfillmentKind::Ship;
            lines = pick_lines(ctx, n_lines, rng, |sku, q| warehouses.iter().any(|w| avail[*w][sku] >= q));
            if lines.is_empty() {
                // Every warehouse is sold out: only possible with tiny configurations.
                continue;
            }
            book(avail, &shippers, &lines);
            let near = if stores.is_empty() { warehouses[0] } else { stores[rng.gen_range(0..stores.len())] };
            customer.location = Some(random_near(nodes[near].location, 8.0, rng));
            customer.address = names::address(&nodes[near].city, rng);
        }

        let day = 20 + (i * 4 / count.max(1)).min(3);
        orders.push(ChannelOrderInput {
            channel,
            channel_order_id: format!("{prefix}202611{day}{:06}", i + 1),
            fulfillment: kind,
            customer,
            pickup_store,
            associate_id: None,
            lines: lines.into_iter().map(|(s, q)| line(&ctx.skus[s], q, rng)).collect(),
            shipping_fee: shared::Fen(if kind == FulfillmentKind::Ship { 800 } else { 0 }),
            campaign: None,
            presale: None,
            employee_id: None,
        });
    }
    orders
}

fn line(sku: &shared::catalogue::Sku, qty: i64, rng: &mut StdRng) -> OrderLineInput {
    let value = sku.list_price.0 * qty;
    // Platform coupons and store promotions take 10–20 % off about a quarter of lines.
    let discount = if rng.gen_bool(0.25) { value * rng.gen_range(10..=20) / 100 } else { 0 };
    OrderLineInput {
        sku_code: sku.code.clone(),
        qty: Qty::new(qty).expect("1 or 2"),
        unit_price: sku.list_price,
        discount: Fen(discount),
    }
}
