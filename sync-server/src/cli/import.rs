//! `sync-server import`: files into the database through the same services as the API.

use crate::service::{self, intake, stock};
use crate::storage::Storage;
use anyhow::{bail, Context};
use serde::Deserialize;
use shared::import::{ImportBundle, StockLevelInput};
use shared::order::ChannelOrderInput;
use shared::stock::Quality;
use shared::Count;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
struct StockCsvRow {
    node_code: String,
    sku_code: String,
    quality: String,
    on_hand: i64,
    #[serde(default)]
    safety: Option<i64>,
}

fn read_stock_csv(path: &Path) -> anyhow::Result<Vec<StockLevelInput>> {
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut rows = Vec::new();
    for (i, row) in reader.deserialize::<StockCsvRow>().enumerate() {
        let line = i + 2;
        let row = row.with_context(|| {
            format!("{}:{line}: expected node_code,sku_code,quality,on_hand,safety", path.display())
        })?;
        let quality = Quality::parse(&row.quality)
            .with_context(|| format!("{}:{line}: quality must be sellable or defective", path.display()))?;
        let on_hand = Count::new(row.on_hand).with_context(|| format!("{}:{line}: on_hand", path.display()))?;
        let safety =
            row.safety.map(Count::new).transpose().with_context(|| format!("{}:{line}: safety", path.display()))?;
        rows.push(StockLevelInput { node_code: row.node_code, sku_code: row.sku_code, quality, on_hand, safety });
    }
    Ok(rows)
}

/// Imports the bundle in one transaction.
pub async fn import_bundle(storage: &dyn Storage, bundle: ImportBundle) -> anyhow::Result<stock::ImportSummary> {
    Ok(service::write(storage, move |tx| stock::import(tx, &bundle)).await?)
}

/// Takes channel orders one by one; returns (created, replayed, refused).
pub async fn import_orders(
    storage: &dyn Storage,
    orders: Vec<ChannelOrderInput>,
    mut progress: impl FnMut(usize),
) -> anyhow::Result<(usize, usize, usize)> {
    let (mut created, mut replayed, mut refused) = (0, 0, 0);
    for (i, order) in orders.into_iter().enumerate() {
        match service::write(storage, move |tx| intake::intake(tx, &order, &intake::PlacedBy::default())).await {
            Ok(r) if r.created => created += 1,
            Ok(_) => replayed += 1,
            Err(e) if e.kind == service::ErrorKind::Conflict => refused += 1,
            Err(e) => return Err(e.into()),
        }
        progress(i + 1);
    }
    Ok((created, replayed, refused))
}

/// Runs `sync-server import FILES`.
pub async fn run(storage: &dyn Storage, files: &[PathBuf]) -> anyhow::Result<()> {
    for path in files {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        match ext {
            "json" => {
                let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
                let bundle: ImportBundle = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not an import bundle", path.display()))?;
                let s = import_bundle(storage, bundle).await?;
                println!(
                    "{}: {} nodes, {} styles, {} SKUs, {} bundles, {} staff, {} stock rows",
                    path.display(),
                    s.nodes,
                    s.styles,
                    s.skus,
                    s.bundles,
                    s.staff,
                    s.stock
                );
            }
            "csv" => {
                let stock = read_stock_csv(path)?;
                let n = stock.len();
                import_bundle(storage, ImportBundle { stock, ..Default::default() }).await?;
                println!("{}: {n} stock rows", path.display());
            }
            "jsonl" => {
                let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
                let orders = text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| !l.trim().is_empty())
                    .map(|(i, l)| {
                        serde_json::from_str(l)
                            .with_context(|| format!("{}:{}: not a channel order", path.display(), i + 1))
                    })
                    .collect::<anyhow::Result<Vec<ChannelOrderInput>>>()?;
                let (c, r, x) = import_orders(storage, orders, |_| {}).await?;
                println!("{}: {c} orders created, {r} already known, {x} refused (out of stock)", path.display());
            }
            other => bail!("{}: unknown file type {other:?}; use .json, .csv or .jsonl", path.display()),
        }
    }
    Ok(())
}
