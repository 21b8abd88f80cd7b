//! HTTP calls to the sync server, with every failure turned into a [`ReplicaError`].

use crate::error::{ReplicaError, Result};
use serde::de::DeserializeOwned;
use shared::api_error::ApiErrorBody;
use shared::protocol::{
    AvailabilityPage, EnrollRequest, EnrollResponse, PullResponse, PushRequest, PushResponse, ResolutionPage,
    PROTOCOL_VERSION,
};
use std::time::Duration;

/// Most changes asked for per pull page.
pub const PULL_PAGE: u32 = 1000;
/// Most ops sent per push.
pub const PUSH_BATCH: usize = 200;

/// A client for one server.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// A client for `base` (e.g. `http://10.0.0.5:8080`).
    pub fn new(base: &str) -> Result<Client> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| ReplicaError::Offline { message: e.to_string() })?;
        Ok(Client { http, base: base.trim_end_matches('/').to_string() })
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The underlying HTTP client (for the events stream).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    async fn send<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> Result<T> {
        let resp = req.send().await.map_err(|e| ReplicaError::Offline { message: e.to_string() })?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| ReplicaError::Offline { message: e.to_string() })?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| ReplicaError::CorruptResponse { message: e.to_string() });
        }
        let (code, message) = match serde_json::from_slice::<ApiErrorBody>(&body) {
            Ok(b) => (b.error.code, b.error.message),
            Err(_) => ("unknown".to_string(), String::from_utf8_lossy(&body).chars().take(200).collect()),
        };
        Err(match (status.as_u16(), code.as_str()) {
            (401, "device_revoked" | "invalid_token") => ReplicaError::Revoked,
            (400, "unsupported_protocol_version") => ReplicaError::IncompatibleServer { message },
            (404, "unknown") => {
                ReplicaError::IncompatibleServer { message: format!("no sync API at {} (HTTP 404)", self.base) }
            }
            (s, _) => ReplicaError::Server { status: s, code, message },
        })
    }

    /// Exchanges a one-time enrollment code for a device token.
    pub async fn enroll(&self, code: &str, device_name: &str) -> Result<EnrollResponse> {
        let req = EnrollRequest {
            code: code.to_string(),
            device_name: device_name.to_string(),
            protocol_version: PROTOCOL_VERSION,
        };
        let r: EnrollResponse = self.send(self.http.post(format!("{}/api/v1/enroll", self.base)).json(&req)).await?;
        if r.protocol_version != PROTOCOL_VERSION {
            return Err(ReplicaError::IncompatibleServer {
                message: format!("server protocol v{}, app v{PROTOCOL_VERSION}", r.protocol_version),
            });
        }
        Ok(r)
    }

    /// Pushes a batch.
    pub async fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse> {
        let r: PushResponse =
            self.send(self.http.post(format!("{}/api/v1/sync/push", self.base)).bearer_auth(token).json(req)).await?;
        if r.results.len() != req.ops.len() || r.results.iter().zip(&req.ops).any(|(a, b)| a.op_id != b.op_id) {
            return Err(ReplicaError::CorruptResponse { message: "push results do not match the ops sent".into() });
        }
        Ok(r)
    }

    /// Pulls one page.
    pub async fn pull(&self, token: &str, cursor: &str) -> Result<PullResponse> {
        let url = format!("{}/api/v1/sync/pull", self.base);
        let (limit, version) = (PULL_PAGE.to_string(), PROTOCOL_VERSION.to_string());
        let query = [("cursor", cursor), ("limit", limit.as_str()), ("protocol_version", version.as_str())];
        // Read the version before the layout: a newer server's page may not parse as v1.
        let page: serde_json::Value = self.send(self.http.get(url).query(&query).bearer_auth(token)).await?;
        let server_version = page.get("protocol_version").and_then(|v| v.as_u64());
        if server_version != Some(PROTOCOL_VERSION as u64) {
            return Err(ReplicaError::IncompatibleServer {
                message: format!("server protocol {server_version:?}, app v{PROTOCOL_VERSION}"),
            });
        }
        serde_json::from_value(page).map_err(|e| ReplicaError::CorruptResponse { message: e.to_string() })
    }

    /// One page of HQ's resolutions of this store's conflicts.
    pub async fn resolutions(&self, token: &str, after: &str) -> Result<ResolutionPage> {
        let url = format!("{}/api/v1/sync/resolutions", self.base);
        self.send(self.http.get(url).query(&[("after", after)]).bearer_auth(token)).await
    }

    /// One page of the network availability snapshot.
    pub async fn availability(&self, token: &str, after: &str) -> Result<AvailabilityPage> {
        let url = format!("{}/api/v1/sync/availability", self.base);
        self.send(self.http.get(url).query(&[("after", after)]).bearer_auth(token)).await
    }
}
