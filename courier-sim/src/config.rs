//! The simulator's configuration: the platform accounts it accepts (the same keys as the
//! sync server's courier file, so one file can describe both sides), the shops, prices and
//! speeds of each rider platform, where SF route pushes go, and the timeline mode.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Not TOML, or not this shape.
    #[error("courier simulator config: {0}")]
    Parse(String),
    /// A secret given neither inline nor by variable, both, or its variable unset.
    #[error("courier simulator config: {0}")]
    Secret(String),
    /// A platform code that cannot be a path prefix.
    #[error(
        "courier simulator config: platform code {0:?} must be lower-case letters, digits, - or _, and not sim or std"
    )]
    PlatformCode(String),
}

/// Everything the simulator needs.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SimConfig {
    /// The SF Express account, if SF is simulated.
    #[serde(default)]
    pub sf_express: Option<SfAccount>,
    /// Dada-shaped rider platforms by code (the URL prefix: `http://127.0.0.1:PORT/<code>`).
    #[serde(default)]
    pub riders: BTreeMap<String, RiderPlatform>,
    /// How statuses advance.
    #[serde(default)]
    pub timeline: Timeline,
    /// The server's callback base (the server's courier file key): with
    /// `sf_express.callback_token`, where route pushes go when `push_url` is not given.
    #[serde(default)]
    pub callback_base_url: Option<String>,
    /// Attempts per callback or push before the simulator gives up (at least 1).
    #[serde(default = "default_attempts")]
    pub callback_attempts: u32,
}

fn default_attempts() -> u32 {
    5
}

/// The SF account the simulator accepts (keys as in the server's `[sf_express]`; its other
/// keys, such as `base_url` and `callback_token`, are ignored here).
#[derive(Debug, Clone, Deserialize)]
pub struct SfAccount {
    /// `partnerID` (顾客编码).
    pub partner_id: String,
    /// The check word, inline…
    #[serde(default)]
    pub checkword: Option<String>,
    /// …or the name of the environment variable holding it.
    #[serde(default)]
    pub checkword_env: Option<String>,
    /// Where route pushes go (the server's route-push URL with its token). When absent, the
    /// server's own keys decide: `{callback_base_url}/api/v1/couriers/sf-express/route-push
    /// ?token={callback_token}`; with neither, no pushes.
    #[serde(default)]
    pub push_url: Option<String>,
    /// The server's route-push token, inline…
    #[serde(default)]
    pub callback_token: Option<String>,
    /// …or the name of the environment variable holding it.
    #[serde(default)]
    pub callback_token_env: Option<String>,
    /// Per store, its monthly card; when any is listed, a create must name one of them.
    #[serde(default)]
    pub stores: BTreeMap<String, SfStore>,
}

/// A store's SF settings.
#[derive(Debug, Clone, Deserialize)]
pub struct SfStore {
    /// The monthly card (月结卡号) paying its waybills.
    pub monthly_card: String,
}

/// A Dada-shaped platform (keys as in the server's `[riders.<code>]`, plus prices and speed).
#[derive(Debug, Clone, Deserialize)]
pub struct RiderPlatform {
    /// `app_key`.
    pub app_key: String,
    /// The app secret, inline…
    #[serde(default)]
    pub app_secret: Option<String>,
    /// …or the name of the environment variable holding it.
    #[serde(default)]
    pub app_secret_env: Option<String>,
    /// `source_id` (the merchant).
    pub source_id: String,
    /// Registered shops by store code: the shop number, or a table with its position.
    #[serde(default)]
    pub shops: BTreeMap<String, ShopEntry>,
    /// Fee up to [`RiderPlatform::base_km`] (fen).
    #[serde(default = "default_base_fee")]
    pub base_fee_fen: i64,
    /// Distance the base fee covers (km).
    #[serde(default = "default_base_km")]
    pub base_km: u32,
    /// Fee per started km beyond that (fen).
    #[serde(default = "default_per_km")]
    pub per_km_fen: i64,
    /// Minutes until a rider is at the shop, as quoted.
    #[serde(default = "default_pickup_minutes")]
    pub pickup_minutes: u32,
    /// Penalty when the merchant cancels after a rider accepted (fen).
    #[serde(default = "default_cancel_fee")]
    pub cancel_fee_fen: i64,
}

fn default_base_fee() -> i64 {
    800
}
fn default_base_km() -> u32 {
    3
}
fn default_per_km() -> i64 {
    200
}
fn default_pickup_minutes() -> u32 {
    12
}
fn default_cancel_fee() -> i64 {
    200
}

impl RiderPlatform {
    /// A platform with default prices and no shops.
    pub fn new(app_key: &str, app_secret: &str, source_id: &str) -> Self {
        RiderPlatform {
            app_key: app_key.into(),
            app_secret: Some(app_secret.into()),
            app_secret_env: None,
            source_id: source_id.into(),
            shops: BTreeMap::new(),
            base_fee_fen: default_base_fee(),
            base_km: default_base_km(),
            per_km_fen: default_per_km(),
            pickup_minutes: default_pickup_minutes(),
            cancel_fee_fen: default_cancel_fee(),
        }
    }

    /// Adds a registered shop.
    pub fn with_shop(mut self, store: &str, shop_no: &str, position: Option<(f64, f64)>) -> Self {
        let entry = match position {
            Some((lat, lng)) => ShopEntry::Located { shop_no: shop_no.into(), lat, lng },
            None => ShopEntry::Number(shop_no.into()),
        };
        self.shops.insert(store.into(), entry);
        self
    }
}

/// A registered shop: its number, optionally with its position (riders start near it).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ShopEntry {
    /// Just the shop number (`STORE-A = "shop-001"`).
    Number(String),
    /// The shop number and where it is.
    Located {
        /// Shop number.
        shop_no: String,
        /// Latitude.
        lat: f64,
        /// Longitude.
        lng: f64,
    },
}

impl ShopEntry {
    /// The shop number.
    pub fn shop_no(&self) -> &str {
        match self {
            Self::Number(n) | Self::Located { shop_no: n, .. } => n,
        }
    }

    /// Its position, if given.
    pub fn position(&self) -> Option<(f64, f64)> {
        match self {
            Self::Number(_) => None,
            Self::Located { lat, lng, .. } => Some((*lat, *lng)),
        }
    }
}

/// How statuses advance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum Timeline {
    /// Only `POST /sim/orders/<platform>/<id>/advance` moves an order (tests).
    #[default]
    Manual,
    /// Every order moves one step each `step_ms` (the demo).
    Auto {
        /// Milliseconds between steps.
        step_ms: u64,
    },
}

impl Timeline {
    /// The step interval in automatic mode.
    pub fn step(self) -> Option<Duration> {
        match self {
            Self::Manual => None,
            Self::Auto { step_ms } => Some(Duration::from_millis(step_ms.max(10))),
        }
    }
}

fn secret(inline: &Option<String>, env: &Option<String>, what: &str) -> Result<String, ConfigError> {
    match (inline, env) {
        (Some(s), None) => Ok(s.clone()),
        (None, Some(var)) => {
            std::env::var(var).map_err(|_| ConfigError::Secret(format!("{what}: variable {var} is not set")))
        }
        _ => Err(ConfigError::Secret(format!("{what}: give exactly one of the secret and its _env variable"))),
    }
}

impl SfAccount {
    /// The check word (inline or from its variable).
    pub fn checkword(&self) -> Result<String, ConfigError> {
        secret(&self.checkword, &self.checkword_env, "sf_express.checkword")
    }

    /// Where route pushes go: `push_url`, or the server's route-push URL built from its
    /// callback base and token.
    pub fn resolved_push_url(&self, callback_base_url: Option<&str>) -> Result<Option<String>, ConfigError> {
        if let Some(url) = &self.push_url {
            return Ok(Some(url.clone()));
        }
        let (Some(base), true) =
            (callback_base_url, self.callback_token.is_some() || self.callback_token_env.is_some())
        else {
            return Ok(None);
        };
        let token = secret(&self.callback_token, &self.callback_token_env, "sf_express.callback_token")?;
        let token: String = form_urlencoded::byte_serialize(token.as_bytes()).collect();
        Ok(Some(format!("{}/api/v1/couriers/sf-express/route-push?token={token}", base.trim_end_matches('/'))))
    }
}

impl RiderPlatform {
    /// The app secret (inline or from its variable).
    pub fn secret(&self) -> Result<String, ConfigError> {
        secret(&self.app_secret, &self.app_secret_env, "riders.app_secret")
    }
}

impl SimConfig {
    /// Reads the TOML form.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let c: SimConfig = toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        c.check()?;
        Ok(c)
    }

    /// Checks platform codes and that every secret resolves.
    pub fn check(&self) -> Result<(), ConfigError> {
        if let Some(sf) = &self.sf_express {
            sf.checkword()?;
            sf.resolved_push_url(self.callback_base_url.as_deref())?;
        }
        for (code, p) in &self.riders {
            let ok = !code.is_empty()
                && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
                && code != "sim"
                && code != "std";
            if !ok {
                return Err(ConfigError::PlatformCode(code.clone()));
            }
            p.secret()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_courier_file_reads_with_the_simulators_extras() {
        let c = SimConfig::from_toml(
            r#"
callback_base_url = "http://127.0.0.1:8080"
[sf_express]
base_url = "http://127.0.0.1:9000"
partner_id = "OMNI_TEST"
checkword = "cw"
callback_token = "t"
push_url = "http://127.0.0.1:8080/api/v1/couriers/sf-express/route-push?token=t"
[sf_express.stores]
STORE-A = { monthly_card = "7551234567" }
[riders.dada]
base_url = "http://127.0.0.1:9000/dada"
app_key = "k"
app_secret = "s"
source_id = "73753"
[riders.dada.shops]
STORE-A = "shop-001"
STORE-B = { shop_no = "shop-002", lat = 31.2, lng = 121.4 }
[timeline]
mode = "auto"
step_ms = 1500
"#,
        )
        .unwrap();
        assert_eq!(c.sf_express.as_ref().unwrap().stores["STORE-A"].monthly_card, "7551234567");
        let dada = &c.riders["dada"];
        assert_eq!(dada.shops["STORE-A"].shop_no(), "shop-001");
        assert_eq!(dada.shops["STORE-B"].position(), Some((31.2, 121.4)));
        assert_eq!(dada.base_fee_fen, 800);
        assert_eq!(c.timeline.step(), Some(Duration::from_millis(1500)));
        assert_eq!(c.callback_attempts, 5);
        let sf = c.sf_express.as_ref().unwrap();
        assert_eq!(sf.resolved_push_url(None).unwrap(), sf.push_url);
        let derived = SfAccount { push_url: None, callback_token: Some("t k".into()), ..sf.clone() };
        assert_eq!(
            derived.resolved_push_url(c.callback_base_url.as_deref()).unwrap().as_deref(),
            Some("http://127.0.0.1:8080/api/v1/couriers/sf-express/route-push?token=t+k")
        );
        assert_eq!(SfAccount { callback_token: None, ..derived }.resolved_push_url(Some("http://x")).unwrap(), None);
    }

    #[test]
    fn secrets_and_codes_are_checked() {
        let both = "[sf_express]\npartner_id = \"P\"\ncheckword = \"a\"\ncheckword_env = \"B\"\n";
        assert!(matches!(SimConfig::from_toml(both), Err(ConfigError::Secret(_))));
        let unset =
            "[riders.dada]\napp_key = \"k\"\napp_secret_env = \"COURIER_SIM_TEST_UNSET_VAR\"\nsource_id = \"1\"\n";
        assert!(matches!(SimConfig::from_toml(unset), Err(ConfigError::Secret(_))));
        let code = "[riders.sim]\napp_key = \"k\"\napp_secret = \"s\"\nsource_id = \"1\"\n";
        assert!(matches!(SimConfig::from_toml(code), Err(ConfigError::PlatformCode(_))));
        assert!(matches!(SimConfig::from_toml("riders = 3"), Err(ConfigError::Parse(_))));
        assert_eq!(SimConfig::from_toml("").unwrap().timeline, Timeline::Manual);
    }
}
