//! `sync-server routing apply --file F` and `sync-server routing show`: HQ's routing
//! configuration as a file, the same document as `PUT /api/v1/routing/config` (JSON, or
//! TOML when the file ends in `.toml`), validated and stored as the next version.

use crate::service::{self, now_ms, routing};
use crate::storage::Storage;
use anyhow::{bail, Context};
use shared::routing::config::RoutingConfig;
use std::path::Path;

/// Reads a routing configuration document from a JSON or TOML file.
pub fn read(path: &Path) -> anyhow::Result<RoutingConfig> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let toml = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    if toml {
        toml::from_str(&text).with_context(|| format!("{} is not a routing configuration (TOML)", path.display()))
    } else {
        serde_json::from_str(&text).with_context(|| format!("{} is not a routing configuration (JSON)", path.display()))
    }
}

/// Validates and stores the file's configuration as the next version; prints it.
pub async fn apply(storage: &dyn Storage, path: &Path) -> anyhow::Result<()> {
    let config = read(path)?;
    let view = service::write(storage, move |tx| routing::put_config(tx, &config, now_ms())).await;
    match view {
        Ok(v) => {
            println!("routing configuration version {} applied from {}", v.version, path.display());
            Ok(())
        }
        Err(e) => bail!("{} refused ({}): {}", path.display(), e.code, e.message),
    }
}

/// Prints the configuration in force as JSON.
pub async fn show(storage: &dyn Storage) -> anyhow::Result<()> {
    let v = service::read(storage, routing::config).await.map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
    println!("{}", serde_json::to_string_pretty(&v)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_documented_example_reads_and_validates() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/routing.example.toml");
        let config = super::read(&path).unwrap();
        config.validate().unwrap();
        assert_eq!(
            config.select(shared::order::Channel::Outlet, shared::fulfillment::FulfillmentKind::Ship),
            "outlet_clearance"
        );
        // The same document as JSON reads back equal.
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(serde_json::from_str::<shared::routing::config::RoutingConfig>(&json).unwrap(), config);
    }
}
