//! Deterministic demo data for a sportswear brand selling across channels in China: a
//! catalogue with barcodes and kits, warehouses and stores on the map, staff, opening stock
//! and a stream of channel orders the server can accept in sequence.
//!
//! Pure and I/O-free so the sync server's `demo` command can embed it. Feature `files` adds
//! [`files::write`], the files `sync-server import` reads; the `gen` binary (feature `cli`)
//! writes them or seeds a running server.

mod tiny;
pub use tiny::{ean, tiny};
mod catalogue;
#[cfg(feature = "files")]
pub mod files;
mod names;
mod nodes;
mod orders;
mod returns;
pub use returns::{demo_return_order, DEMO_RETURN_HIGH_PRICE, DEMO_RETURN_ORDER, DEMO_RETURN_SHIPPING};
mod sample;
mod staff;
mod stock;
#[cfg(test)]
mod tests;

pub use catalogue::MAX_SKUS;

use rand::rngs::StdRng;
use rand::SeedableRng;
use shared::import::ImportBundle;
use shared::order::ChannelOrderInput;

/// Code of the demo store: the first store, with pickup, ship and same-city delivery.
pub const DEMO_STORE: &str = "SH-JINGAN";
/// PIN of the demo store's manager `SH-JINGAN-M1`.
pub const DEMO_MANAGER_PIN: &str = "8888";
/// PIN of the demo store's associates `SH-JINGAN-A1` to `-A3`.
pub const DEMO_ASSOCIATE_PIN: &str = "1234";

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenConfig {
    /// RNG seed: the same config always gives the same data.
    pub seed: u64,
    /// Regular styles (about 27 SKUs each); ten kit styles come on top.
    pub styles: usize,
    /// Stores besides the three warehouses.
    pub stores: usize,
    /// Channel orders.
    pub orders: usize,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig { seed: 2026, styles: 220, stores: 30, orders: 400 }
    }
}

/// Generated master data, stock and orders.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Nodes, styles, SKUs (regular then kits), bundles, staff and stock.
    pub bundle: ImportBundle,
    /// Channel orders in the order they should be sent.
    pub orders: Vec<ChannelOrderInput>,
}

/// Generates the dataset for `cfg`.
///
/// # Panics
/// If `styles` would need more than [`MAX_SKUS`] SKUs (about 37,000 styles).
pub fn generate(cfg: &GenConfig) -> Dataset {
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let nodes = nodes::build(cfg.stores);
    let cat = catalogue::build(cfg.styles, &mut rng);
    let staff = staff::build(&nodes, &mut rng);

    // Zipf over styles times the size curve, normalised to mean 1 over regular SKUs.
    let style_w = sample::zipf_weights(cfg.styles, 0.9, &mut rng);
    let mut popularity: Vec<f64> = cat.sku_style.iter().map(|(st, size_w)| style_w[*st] * size_w).collect();
    let mean = popularity.iter().sum::<f64>() / popularity.len().max(1) as f64;
    if mean > 0.0 {
        popularity.iter_mut().for_each(|p| *p /= mean);
    }

    let mut stock = stock::build(&nodes, &cat, &popularity, &mut rng);
    let orders = if popularity.is_empty() {
        Vec::new()
    } else {
        let ctx = orders::Ctx {
            nodes: &nodes,
            skus: &cat.skus,
            popularity: sample::Weighted::new(popularity.iter().copied()),
            n_skus: popularity.len(),
        };
        orders::build(cfg.orders, &ctx, &mut stock.available, &mut rng)
    };

    Dataset {
        bundle: ImportBundle {
            nodes,
            styles: cat.styles,
            skus: cat.skus,
            bundles: cat.bundles,
            staff,
            stock: stock.rows,
        },
        orders,
    }
}

/// SKUs per import request; with stock rows per request this keeps each body well under
/// 8 MiB.
pub const SKUS_PER_REQUEST: usize = 20_000;
/// Stock rows per import request.
pub const STOCK_ROWS_PER_REQUEST: usize = 20_000;

/// Splits the import into request-sized bundles, in an order the server can apply one by
/// one: nodes, styles and staff with the first SKUs; further SKUs; bundles with the last
/// SKUs (kits come last, so their components already exist); then stock in chunks.
pub fn import_requests(bundle: &ImportBundle) -> Vec<ImportBundle> {
    let mut requests = Vec::new();
    let sku_chunks: Vec<_> = bundle.skus.chunks(SKUS_PER_REQUEST).collect();
    let n = sku_chunks.len().max(1);
    for i in 0..n {
        let mut req =
            ImportBundle { skus: sku_chunks.get(i).map(|c| c.to_vec()).unwrap_or_default(), ..Default::default() };
        if i == 0 {
            req.nodes = bundle.nodes.clone();
            req.styles = bundle.styles.clone();
            req.staff = bundle.staff.clone();
        }
        if i == n - 1 {
            req.bundles = bundle.bundles.clone();
        }
        requests.push(req);
    }
    for chunk in bundle.stock.chunks(STOCK_ROWS_PER_REQUEST) {
        requests.push(ImportBundle { stock: chunk.to_vec(), ..Default::default() });
    }
    requests
}
