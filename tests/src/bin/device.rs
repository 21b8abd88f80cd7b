//! A headless device as a process, so tests can SIGKILL it mid-sync.
//!
//! `device DIR sync` runs one sync round of the replica in DIR (replica.sqlite + token).

use std::sync::Arc;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(cmd)) = (args.get(1), args.get(2)) else {
        anyhow::bail!("usage: device DIR sync");
    };
    let dir = std::path::Path::new(dir);
    let replica = Arc::new(replica::Replica::open(&dir.join("replica.sqlite"))?);
    let tokens = Arc::new(replica::FileTokenStore::new(dir.join("token")));
    let engine = replica::SyncEngine::new(replica, tokens);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    match cmd.as_str() {
        "sync" => {
            let report = rt.block_on(engine.sync_once())?;
            println!("pushed {} pulled {}", report.pushed, report.pulled);
            Ok(())
        }
        other => anyhow::bail!("unknown command {other}"),
    }
}
