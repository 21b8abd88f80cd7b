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
        import_bundle(storage.as_ref(), data.bundle).await?;
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
    serve(storage, listen, &admin_token).await
}
