//! The courier platforms of a scenario: the `e2e-courier-sim` binary of this crate (the
//! same code as `courier-sim`, via `courier_sim::cli::main`) as a child process on a free
//! loopback port, with a manual timeline, so a scenario decides when a rider accepts,
//! arrives or cancels and when SF pushes a route; and the courier file that points a
//! [`crate::SyncServer`] at it ([`CourierSim::server_config`], passed as
//! [`crate::ServerOptions::couriers`]).
//!
//! Why a process: the server reaches the platforms and the platforms call the server back
//! over real HTTP both ways, as in production; the server runs as a process too
//! ([`crate::server`]), and the simulator outlives the server's restarts.

use crate::error::{Error, Result};
use crate::process::{free_port, profile_dir, ProcessGroup};
use courier_sim::{OrdersView, Script, ScriptRequest};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// The rider platform's code the scenarios use (`[riders.dada]`).
pub const RIDER_PLATFORM: &str = "dada";
/// SF's platform code on bookings and in the simulator's control API.
pub const SF_PLATFORM: &str = "sf_express";
/// The demo store's shop number at the rider platform.
const SHOP_NO: &str = "e2e-shop-1";
/// Token the server expects in the platforms' callback URLs.
const CALLBACK_TOKEN: &str = "e2e-callback-token";
/// SF account and monthly card (test values; the simulator accepts exactly these).
const SF_PARTNER: &str = "E2E_PARTNER";
const SF_CHECKWORD: &str = "e2e-sf-checkword";
const SF_MONTHLY_CARD: &str = "7551234567";
const DADA_KEY: &str = "e2e-dada-key";
const DADA_SECRET: &str = "e2e-dada-secret";
const DADA_SOURCE: &str = "73753";

/// A running courier simulator.
pub struct CourierSim {
    process: ProcessGroup,
    port: u16,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl CourierSim {
    /// Starts the simulator for `store` (its SF monthly card and rider shop), pushing SF
    /// routes to the sync server that will listen on `server_port`.
    pub async fn start(store: &str, server_port: u16) -> Result<CourierSim> {
        let binary = sim_binary()?;
        let dir = tempfile::Builder::new().prefix("e2e-sim-").tempdir().map_err(|source| Error::Io {
            action: "cannot create a directory in",
            path: std::env::temp_dir(),
            source,
        })?;
        let config = dir.path().join("sim.toml");
        let text = format!(
            "[sf_express]\npartner_id = \"{SF_PARTNER}\"\ncheckword = \"{SF_CHECKWORD}\"\n\
             push_url = \"http://127.0.0.1:{server_port}/api/v1/couriers/sf-express/route-push?token={CALLBACK_TOKEN}\"\n\
             [sf_express.stores]\n\"{store}\" = {{ monthly_card = \"{SF_MONTHLY_CARD}\" }}\n\
             [riders.{RIDER_PLATFORM}]\napp_key = \"{DADA_KEY}\"\napp_secret = \"{DADA_SECRET}\"\nsource_id = \"{DADA_SOURCE}\"\n\
             [riders.{RIDER_PLATFORM}.shops]\n\"{store}\" = \"{SHOP_NO}\"\n"
        );
        std::fs::write(&config, text).map_err(|source| Error::Io {
            action: "cannot write",
            path: config.clone(),
            source,
        })?;
        let port = free_port()?;
        let mut cmd = Command::new(&binary);
        cmd.arg("--config").arg(&config).args(["--listen", &format!("127.0.0.1:{port}"), "--manual"]);
        if std::env::var_os("RUST_LOG").is_none() {
            cmd.env("RUST_LOG", "info");
        }
        let mut process = ProcessGroup::spawn(cmd, &format!("courier simulator on port {port}"))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|source| Error::Transport { command: "build HTTP client".into(), url: String::new(), source })?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let health = http.get(format!("http://127.0.0.1:{port}/health")).send().await;
            if health.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            if Instant::now() >= deadline || !process.is_running() {
                return Err(process.startup_error("no answer on /health within 20 s"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(CourierSim { process, port, http, _dir: dir })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The sync server's courier file (TOML) for a server on `server_port`: SF and the
    /// rider platform at this simulator, with the accounts it accepts.
    pub fn server_config(&self, store: &str, server_port: u16) -> String {
        let base = self.url();
        format!(
            "callback_base_url = \"http://127.0.0.1:{server_port}\"\nrequest_timeout_secs = 10\n\
             [stores.\"{store}\"]\ncontact = \"静安店\"\nphone = \"02112345678\"\naddress = \"上海市静安区南京西路 1 号\"\ncity_code = \"021\"\n\
             [sf_express]\nbase_url = \"{base}\"\npartner_id = \"{SF_PARTNER}\"\ncheckword = \"{SF_CHECKWORD}\"\ncallback_token = \"{CALLBACK_TOKEN}\"\n\
             [sf_express.stores]\n\"{store}\" = {{ monthly_card = \"{SF_MONTHLY_CARD}\" }}\n\
             [riders.{RIDER_PLATFORM}]\nbase_url = \"{base}/{RIDER_PLATFORM}\"\napp_key = \"{DADA_KEY}\"\napp_secret = \"{DADA_SECRET}\"\n\
             source_id = \"{DADA_SOURCE}\"\ncallback_token = \"{CALLBACK_TOKEN}\"\n\
             [riders.{RIDER_PLATFORM}.shops]\n\"{store}\" = \"{SHOP_NO}\"\n"
        )
    }

    /// Runs `script` for `platform`'s next order.
    pub async fn script(&self, platform: &str, script: Script) -> Result<()> {
        let body = ScriptRequest { platform: platform.to_string(), script };
        self.post("/sim/scripts", Some(&body)).await.map(|_| ())
    }

    /// Moves `platform`'s order `order_id` one step on its timeline; answers once its
    /// callbacks were delivered.
    pub async fn advance(&self, platform: &str, order_id: &str) -> Result<OrdersView> {
        let path = format!("/sim/orders/{platform}/{order_id}/advance");
        let body = self.post(&path, None::<&()>).await?;
        serde_json::from_str(&body).map_err(|e| Error::Check(format!("unreadable answer of {path}: {e}: {body}")))
    }

    /// Every order the platforms have, with the callbacks sent.
    pub async fn orders(&self) -> Result<OrdersView> {
        let url = format!("{}/sim/orders", self.url());
        let r = self.http.get(&url).send().await.map_err(|source| Error::Transport {
            command: "courier simulator GET /sim/orders".into(),
            url: url.clone(),
            source,
        })?;
        let text = r.text().await.unwrap_or_default();
        serde_json::from_str(&text).map_err(|e| Error::Check(format!("unreadable /sim/orders: {e}: {text}")))
    }

    /// Waits until `pick` finds what it looks for in the simulator's orders.
    pub async fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut pick: impl FnMut(&OrdersView) -> Option<T>,
    ) -> Result<T> {
        let start = Instant::now();
        loop {
            let orders = self.orders().await?;
            if let Some(found) = pick(&orders) {
                return Ok(found);
            }
            if start.elapsed() >= timeout {
                return Err(Error::Timeout {
                    what: what.to_string(),
                    waited: start.elapsed(),
                    context: format!(
                        "--- simulator orders ---\n{}\n--- simulator log ---\n{}",
                        serde_json::to_string_pretty(&orders).unwrap_or_default(),
                        self.log_tail(20)
                    ),
                });
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// The last `lines` lines the simulator logged.
    pub fn log_tail(&self, lines: usize) -> String {
        self.process.log_tail(lines)
    }

    async fn post(&self, path: &str, body: Option<&impl serde::Serialize>) -> Result<String> {
        let url = format!("{}{path}", self.url());
        let mut req = self.http.post(&url);
        if let Some(b) = body {
            req = req.json(b);
        }
        let r = req.send().await.map_err(|source| Error::Transport {
            command: format!("courier simulator POST {path}"),
            url: url.clone(),
            source,
        })?;
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        if !(200..300).contains(&status) {
            return Err(Error::Server { method: "POST".into(), path: path.to_string(), status, body: text });
        }
        Ok(text)
    }
}

/// The `e2e-courier-sim` binary: `$E2E_COURIER_SIM_BIN`, else beside the test binary.
fn sim_binary() -> Result<PathBuf> {
    let path = match std::env::var_os("E2E_COURIER_SIM_BIN") {
        Some(p) => PathBuf::from(p),
        None => profile_dir().unwrap_or_default().join("e2e-courier-sim"),
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(Error::MissingTool {
            tool: "the e2e-courier-sim binary".into(),
            looked: path.display().to_string(),
            install: "`cargo build -p e2e --bin e2e-courier-sim` (cargo test -p e2e builds it)".into(),
        })
    }
}
