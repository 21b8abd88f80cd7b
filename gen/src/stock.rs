//! Opening stock: deep at warehouses, thin and popularity-skewed at stores.

use crate::catalogue::Catalogue;
use rand::rngs::StdRng;
use rand::Rng;
use shared::import::StockLevelInput;
use shared::node::Node;
use shared::stock::Quality;
use shared::Count;

/// The stock rows and, per node and regular SKU, the sellable units available to promise
/// (on-hand − safety). Order generation draws this down so every order stays fulfillable.
pub(crate) struct Stock {
    pub rows: Vec<StockLevelInput>,
    pub available: Vec<Vec<i64>>,
}

fn count(n: i64) -> Count {
    Count::new(n).expect("generated stock stays within MAX_QTY")
}

/// `popularity[i]` is regular SKU i's demand weight, normalised to a mean of 1.
pub(crate) fn build(nodes: &[Node], cat: &Catalogue, popularity: &[f64], rng: &mut StdRng) -> Stock {
    let n_skus = popularity.len();
    let mut rows = Vec::new();
    let mut available = vec![vec![0i64; n_skus]; nodes.len()];
    // Stores range by the square root of demand; dividing by its mean keeps the share of
    // the catalogue a store carries close to its `carry` fraction.
    let root_mean = (popularity.iter().map(|p| p.sqrt()).sum::<f64>() / n_skus.max(1) as f64).max(f64::MIN_POSITIVE);
    for (ni, node) in nodes.iter().enumerate() {
        let store = node.kind.is_store();
        // Warehouses range almost the whole catalogue; stores a seeded 25–45 %, the demo
        // store the most so it has something for every kind of task.
        let (carry, depth) = match (store, ni) {
            (false, 0) => (0.95, 1.0),
            (false, _) => (0.80, 0.5),
            (true, _) if node.code == crate::DEMO_STORE => (0.45, 1.0),
            (true, _) => (rng.gen_range(0.25..0.45), 1.0),
        };
        for (si, pop) in popularity.iter().enumerate() {
            let sku = &cat.skus[si];
            let root = pop.sqrt();
            let p = if store { (carry * root / root_mean).min(0.95) } else { carry };
            if !rng.gen_bool(p) {
                continue;
            }
            let (on_hand, safety) = if store {
                let scale = 0.4 + 0.6 * (root / root_mean / 2.0).min(1.0);
                let q = 1.0 + rng.gen::<f64>().powi(2) * 11.0 * scale;
                ((q as i64).clamp(1, 12), None)
            } else {
                // Exponential around a popularity-driven mean gives the long tail of
                // deep best sellers and nearly empty slow movers.
                let mean = (15.0 + 40.0 * root) * depth;
                let q = (mean * -(1.0 - rng.gen::<f64>()).ln()) as i64;
                let q = q.clamp(0, 300);
                let safety = (q >= 20 && rng.gen_bool(0.5)).then(|| (q / 20).clamp(1, 10));
                (q, safety)
            };
            available[ni][si] = on_hand - safety.unwrap_or(0);
            rows.push(StockLevelInput {
                node_code: node.code.clone(),
                sku_code: sku.code.clone(),
                quality: Quality::Sellable,
                on_hand: count(on_hand),
                safety: safety.map(count),
            });
            // Returns and transit damage pile up as defective units at warehouses.
            if !store && rng.gen_bool(0.03) {
                rows.push(StockLevelInput {
                    node_code: node.code.clone(),
                    sku_code: sku.code.clone(),
                    quality: Quality::Defective,
                    on_hand: count(rng.gen_range(1..=5)),
                    safety: None,
                });
            }
        }
    }
    Stock { rows, available }
}
