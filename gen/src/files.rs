//! The dataset as files `sync-server import` reads: import bundles (`.json`), stock rows
//! (`.csv`) and channel orders (`.jsonl`).

use crate::Dataset;
use anyhow::{Context, Result};
use serde::Serialize;
use shared::import::ImportBundle;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The files [`write`] creates, in the order `sync-server import` must take them: nodes
/// before the staff and stock that name them, SKUs before stock, stock before orders.
pub const FILES: [&str; 5] = ["nodes.json", "catalogue.json", "staff.json", "stock.csv", "orders.jsonl"];

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::new(file);
    serde_json::to_writer_pretty(&mut w, value)?;
    w.write_all(b"\n")?;
    w.flush()?;
    Ok(())
}

/// Writes [`FILES`] into `out` (created if missing) and returns their paths in that order.
/// Every `.json` file is an [`ImportBundle`], the one format `sync-server import` and
/// `POST /api/v1/import` accept.
pub fn write(out: &Path, d: &Dataset) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let b = &d.bundle;
    let paths: Vec<PathBuf> = FILES.iter().map(|f| out.join(f)).collect();
    write_json(&paths[0], &ImportBundle { nodes: b.nodes.clone(), ..Default::default() })?;
    let catalogue = ImportBundle {
        styles: b.styles.clone(),
        skus: b.skus.clone(),
        bundles: b.bundles.clone(),
        ..Default::default()
    };
    write_json(&paths[1], &catalogue)?;
    write_json(&paths[2], &ImportBundle { staff: b.staff.clone(), ..Default::default() })?;

    let mut csv = csv::Writer::from_path(&paths[3]).with_context(|| format!("cannot create {}", paths[3].display()))?;
    csv.write_record(["node_code", "sku_code", "quality", "on_hand", "safety"])?;
    for r in &b.stock {
        let safety = r.safety.map(|s| s.get().to_string()).unwrap_or_default();
        csv.write_record([&r.node_code, &r.sku_code, r.quality.as_str(), &r.on_hand.get().to_string(), &safety])?;
    }
    csv.flush()?;

    let file = File::create(&paths[4]).with_context(|| format!("cannot create {}", paths[4].display()))?;
    let mut w = BufWriter::new(file);
    for o in &d.orders {
        serde_json::to_writer(&mut w, o)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(paths)
}
