//! Configuration: command-line flags win over environment variables, which win over the
//! config file, which wins over defaults.

use serde::Deserialize;
use std::path::Path;

/// Default database when none is configured.
pub const DEFAULT_DATABASE: &str = "sqlite://data/sync-server.sqlite";
/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The config file (TOML).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Database URL, e.g. `sqlite://data/hq.sqlite`.
    pub database: Option<String>,
    /// Listen address, e.g. `0.0.0.0:8080`.
    pub listen: Option<String>,
    /// HQ admin token for the ERP/HQ endpoints.
    pub admin_token: Option<String>,
    /// The address devices use to reach this server (printed in enrollment QR codes).
    pub public_url: Option<String>,
}

/// Why the config file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Unreadable.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The config file (`--config` or `SYNC_SERVER_CONFIG`).
        path: String,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// Not valid TOML or unknown keys.
    #[error("config file {path} is invalid: {message}")]
    Parse {
        /// The config file (`--config` or `SYNC_SERVER_CONFIG`).
        path: String,
        /// The TOML parser's complaint, with the line it is about.
        message: String,
    },
}

/// Reads the config file, or defaults when there is none.
pub fn load(path: Option<&Path>) -> Result<FileConfig, ConfigError> {
    let Some(path) = path else { return Ok(FileConfig::default()) };
    let text = std::fs::read_to_string(path)
        .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.display().to_string(), message: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_unknown_keys() {
        let c: FileConfig = toml::from_str("database = \"sqlite://x.sqlite\"\nlisten = \"0.0.0.0:9000\"").unwrap();
        assert_eq!(c.listen.as_deref(), Some("0.0.0.0:9000"));
        assert!(toml::from_str::<FileConfig>("databse = 1").is_err());
    }
}
