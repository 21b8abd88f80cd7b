//! A headless device as a process, so tests can SIGKILL it mid-sync.
//!
//! `device DIR sync` runs one sync round of the replica in DIR (replica.sqlite + token).
//! `device DIR perform-returns N [SKU] [STAFF]` queues N returns of one unit of SKU (default
//! `SKU-1`) for made-up orders, done by STAFF (default `STORE-A-A`): facts that each add one
//! unit to the store's on-hand, so an op applied twice shows in the stock.

use std::sync::Arc;

const USAGE: &str = "usage: device DIR sync | device DIR perform-returns N [SKU] [STAFF]";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(cmd)) = (args.get(1), args.get(2)) else {
        anyhow::bail!(USAGE);
    };
    let dir = std::path::Path::new(dir);
    let replica = Arc::new(replica::Replica::open(&dir.join("replica.sqlite"))?);
    match cmd.as_str() {
        "sync" => {
            let tokens = Arc::new(replica::FileTokenStore::new(dir.join("token")));
            let engine = replica::SyncEngine::new(replica, tokens);
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let report = rt.block_on(engine.sync_once())?;
            println!("pushed {} pulled {}", report.pushed, report.pulled);
            Ok(())
        }
        "perform-returns" => {
            let n: u64 = args.get(3).and_then(|n| n.parse().ok()).ok_or_else(|| anyhow::anyhow!(USAGE))?;
            let sku = args.get(4).map(String::as_str).unwrap_or("SKU-1");
            let staff = args.get(5).map(String::as_str).unwrap_or("STORE-A-A");
            for _ in 0..n {
                let op = shared::protocol::Op::AcceptReturn {
                    return_id: uuid::Uuid::now_v7(),
                    order_id: Some(uuid::Uuid::now_v7()),
                    order_ref: None,
                    lines: vec![shared::protocol::ReturnLine {
                        sku_code: sku.to_string(),
                        qty: shared::Qty::new(1)?,
                        condition: shared::protocol::ReturnCondition::Resaleable,
                        line_no: None,
                        reason: Default::default(),
                        note: String::new(),
                    }],
                    approved_by: None,
                    approval: None,
                };
                replica.perform(staff, op)?;
            }
            println!("queued {n}; {} pending", replica.pending_count()?);
            Ok(())
        }
        other => anyhow::bail!("unknown command {other}; {USAGE}"),
    }
}
