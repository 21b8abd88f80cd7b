//! The courier config file (`--couriers <file>`, env `COURIERS_FILE`): which platforms HQ
//! books with, their accounts and secrets, and which stores each serves. Secrets are given
//! inline or by the name of an environment variable, and are kept in [`Secret`], which never
//! prints them.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A secret from the config: shown as `***` by `Debug` and `Display`, so a logged or
/// printed config never carries it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for signing a request.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    callback_base_url: String,
    #[serde(default)]
    request_timeout_secs: Option<u64>,
    #[serde(default)]
    stores: BTreeMap<String, StoreContact>,
    #[serde(default)]
    sf_express: Option<SfShape>,
    #[serde(default)]
    riders: BTreeMap<String, RiderShape>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SfShape {
    base_url: String,
    partner_id: String,
    checkword: Option<String>,
    checkword_env: Option<String>,
    callback_token: Option<String>,
    callback_token_env: Option<String>,
    #[serde(default)]
    stores: BTreeMap<String, SfStore>,
}

/// A store's SF account.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SfStore {
    /// The monthly card (月结卡号) its waybills are charged to.
    pub monthly_card: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RiderShape {
    base_url: String,
    app_key: String,
    app_secret: Option<String>,
    app_secret_env: Option<String>,
    source_id: String,
    callback_token: Option<String>,
    callback_token_env: Option<String>,
    #[serde(default)]
    shops: BTreeMap<String, String>,
}

/// Who sends from a store, as printed on waybills (the sender on SF's order).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreContact {
    /// Contact name (the store's name when not given).
    #[serde(default)]
    pub contact: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Street address.
    #[serde(default)]
    pub address: Option<String>,
    /// The rider platforms' city code (Dada `city_code`, e.g. `021`); the node's city name
    /// when not given.
    #[serde(default)]
    pub city_code: Option<String>,
}

/// SF Express open-platform account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SfConfig {
    /// API base URL.
    pub base_url: String,
    /// partnerID.
    pub partner_id: String,
    /// checkword, the signing secret.
    pub checkword: Secret,
    /// Token in the route-push URL registered with SF.
    pub callback_token: Secret,
    /// Per store: its monthly card.
    pub stores: BTreeMap<String, SfStore>,
}

/// A Dada-shaped same-city rider platform's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiderConfig {
    /// Its code (the `[riders.<code>]` key): `platform` on bookings.
    pub code: String,
    /// API base URL.
    pub base_url: String,
    /// app_key.
    pub app_key: String,
    /// app_secret, the signing secret.
    pub app_secret: Secret,
    /// Merchant id.
    pub source_id: String,
    /// Token in the callback URL registered with each order.
    pub callback_token: Secret,
    /// Per store: its registered shop number.
    pub shops: BTreeMap<String, String>,
}

/// The courier configuration in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourierConfig {
    /// This server's base URL as the platforms reach it, for callbacks.
    pub callback_base_url: String,
    /// Timeout of each call to a platform.
    pub request_timeout: std::time::Duration,
    /// Store senders.
    pub stores: BTreeMap<String, StoreContact>,
    /// SF Express, if configured.
    pub sf_express: Option<SfConfig>,
    /// Rider platforms, by code.
    pub riders: Vec<RiderConfig>,
}

/// Why the courier config cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CourierConfigError {
    /// Unreadable.
    #[error("cannot read the courier config {path}: {message}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// Not valid TOML, or an unknown key.
    #[error("the courier config is invalid: {0}")]
    Parse(String),
    /// A value missing or wrong (the message names it).
    #[error("the courier config is invalid: {0}")]
    Invalid(String),
}

/// The default timeout of a call to a platform.
pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 10;

fn secret(
    what: &str,
    inline: Option<String>,
    env_name: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Secret, CourierConfigError> {
    let invalid = |m: String| Err(CourierConfigError::Invalid(m));
    match (inline, env_name) {
        (Some(_), Some(_)) => invalid(format!("{what}: give the secret inline or by `_env`, not both")),
        (Some(v), None) if !v.trim().is_empty() => Ok(Secret::new(v.trim())),
        (None, Some(name)) => match env(&name) {
            Some(v) if !v.trim().is_empty() => Ok(Secret::new(v.trim())),
            _ => invalid(format!("{what}: the environment variable {name} is not set")),
        },
        _ => invalid(format!("{what} is required (inline, or `{what}_env` naming an environment variable)")),
    }
}

fn url(what: &str, v: &str) -> Result<String, CourierConfigError> {
    let v = v.trim().trim_end_matches('/');
    if v.starts_with("http://") || v.starts_with("https://") {
        Ok(v.to_string())
    } else {
        Err(CourierConfigError::Invalid(format!("{what} must be an http:// or https:// URL")))
    }
}

fn required(what: &str, v: &str) -> Result<String, CourierConfigError> {
    let v = v.trim();
    if v.is_empty() {
        Err(CourierConfigError::Invalid(format!("{what} is required")))
    } else {
        Ok(v.to_string())
    }
}

impl CourierConfig {
    /// Parses the file's text; `env` looks up the environment variables `*_env` keys name.
    pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<CourierConfig, CourierConfigError> {
        let f: FileShape = toml::from_str(text).map_err(|e| CourierConfigError::Parse(e.to_string()))?;
        let sf_express = match f.sf_express {
            None => None,
            Some(s) => Some(SfConfig {
                base_url: url("sf_express.base_url", &s.base_url)?,
                partner_id: required("sf_express.partner_id", &s.partner_id)?,
                checkword: secret("sf_express.checkword", s.checkword, s.checkword_env, env)?,
                callback_token: secret("sf_express.callback_token", s.callback_token, s.callback_token_env, env)?,
                stores: s.stores,
            }),
        };
        let mut riders = Vec::new();
        for (code, r) in f.riders {
            let valid = !code.is_empty()
                && code.len() <= 32
                && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !valid || code == "sf_express" {
                return Err(CourierConfigError::Invalid(format!(
                    "riders.{code}: a platform code is 1 to 32 lower-case letters, digits or _ (and not sf_express)"
                )));
            }
            let at = |k: &str| format!("riders.{code}.{k}");
            riders.push(RiderConfig {
                base_url: url(&at("base_url"), &r.base_url)?,
                app_key: required(&at("app_key"), &r.app_key)?,
                app_secret: secret(&at("app_secret"), r.app_secret, r.app_secret_env, env)?,
                source_id: required(&at("source_id"), &r.source_id)?,
                callback_token: secret(&at("callback_token"), r.callback_token, r.callback_token_env, env)?,
                shops: r.shops,
                code,
            });
        }
        let timeout = f.request_timeout_secs.unwrap_or(DEFAULT_REQUEST_TIMEOUT_SECS);
        if !(1..=120).contains(&timeout) {
            return Err(CourierConfigError::Invalid("request_timeout_secs must be 1 to 120".into()));
        }
        Ok(CourierConfig {
            callback_base_url: url("callback_base_url", &f.callback_base_url)?,
            request_timeout: std::time::Duration::from_secs(timeout),
            stores: f.stores,
            sf_express,
            riders,
        })
    }

    /// Reads and parses the file, with the process's environment.
    pub fn load(path: &Path) -> Result<CourierConfig, CourierConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CourierConfigError::Read { path: path.display().to_string(), message: e.to_string() })?;
        Self::parse(&text, &|name| std::env::var(name).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
callback_base_url = "http://127.0.0.1:8080/"
[stores.STORE-A]
contact = "静安店"
phone = "021-62000000"
address = "上海市静安区南京西路1号"
[sf_express]
base_url = "http://127.0.0.1:9001"
partner_id = "OMNI"
checkword_env = "SF_CHECKWORD_TEST"
callback_token = "sf-callback-token-1"
[sf_express.stores]
STORE-A = { monthly_card = "7551234567" }
[riders.dada]
base_url = "http://127.0.0.1:9002"
app_key = "k"
app_secret = "dada-secret-1"
source_id = "73753"
callback_token = "dada-callback-token-1"
[riders.dada.shops]
STORE-A = "shop-001"
"#;

    #[test]
    fn secrets_come_inline_or_from_the_environment_and_never_print() {
        let env = |name: &str| (name == "SF_CHECKWORD_TEST").then(|| "sf-checkword-1".to_string());
        let c = CourierConfig::parse(FILE, &env).unwrap();
        assert_eq!(c.callback_base_url, "http://127.0.0.1:8080");
        let sf = c.sf_express.as_ref().unwrap();
        assert_eq!(sf.checkword.expose(), "sf-checkword-1");
        assert_eq!(sf.stores["STORE-A"].monthly_card, "7551234567");
        assert_eq!(c.riders[0].code, "dada");
        assert_eq!(c.riders[0].shops["STORE-A"], "shop-001");
        let printed = format!("{c:?} {}", sf.checkword);
        for s in ["sf-checkword-1", "dada-secret-1", "sf-callback-token-1", "dada-callback-token-1"] {
            assert!(!printed.contains(s), "{s} printed: {printed}");
        }
        let missing = CourierConfig::parse(FILE, &|_| None).unwrap_err();
        assert!(missing.to_string().contains("SF_CHECKWORD_TEST"), "{missing}");
        assert!(!missing.to_string().contains("sf-checkword"), "{missing}");
    }

    #[test]
    fn unknown_keys_bad_urls_and_doubled_secrets_are_refused() {
        let env = |_: &str| Some("x".to_string());
        assert!(matches!(
            CourierConfig::parse(&FILE.replace("partner_id", "partner"), &env),
            Err(CourierConfigError::Parse(_))
        ));
        let e = CourierConfig::parse(&FILE.replace("http://127.0.0.1:9002", "ftp://x"), &env).unwrap_err();
        assert!(e.to_string().contains("riders.dada.base_url"), "{e}");
        let both = FILE.replace("checkword_env = \"SF_CHECKWORD_TEST\"", "checkword = \"a\"\ncheckword_env = \"B\"");
        assert!(CourierConfig::parse(&both, &env).unwrap_err().to_string().contains("not both"));
        let bad_code =
            FILE.replace("[riders.dada]", "[riders.Dada]").replace("[riders.dada.shops]", "[riders.Dada.shops]");
        assert!(CourierConfig::parse(&bad_code, &env).is_err());
    }
}
