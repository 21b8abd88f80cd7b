//! The production [`Transport`]: the sync server's HTTP API over reqwest, with every failure
//! sorted into a [`Failure`] (status and error body, `Retry-After`, unreadable answers).

use super::transport::{Connector, Events, Failure, ServerEvent, Transport};
use crate::clock::SystemClock;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use shared::api_error::ApiErrorBody;
use shared::protocol::{
    AvailabilityPage, EnrollRequest, EnrollResponse, PullResponse, PushRequest, PushResponse, ResolutionPage,
    PROTOCOL_VERSION, SSE_EVENT_CHANGED,
};
use std::time::Duration;

/// Most changes asked for per pull page.
pub const PULL_PAGE: u32 = 1000;
/// Most ops sent per push.
pub const PUSH_BATCH: usize = 200;

/// Opens an HTTP [`Client`] per round: a fresh connection pool each time, so a round never
/// reuses a connection to wherever the server used to be.
#[derive(Debug, Clone, Copy, Default)]
pub struct HttpConnector;

impl Connector for HttpConnector {
    type Transport = Client;

    fn connect(&self, server_url: &str) -> Result<Client, Failure> {
        Client::new(server_url)
    }
}

/// A client for one server.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

fn network(e: reqwest::Error) -> Failure {
    Failure::Network { message: e.to_string() }
}

impl Client {
    /// A client for `base` (e.g. `http://10.0.0.5:8080`).
    pub fn new(base: &str) -> Result<Client, Failure> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(network)?;
        Ok(Client { http, base: base.trim_end_matches('/').to_string() })
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    async fn send<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> Result<T, Failure> {
        let resp = req.send().await.map_err(network)?;
        let body = self.check(resp).await?.bytes().await.map_err(network)?;
        serde_json::from_slice(&body).map_err(|e| Failure::Corrupt { message: e.to_string() })
    }

    /// The base URL with `segments` appended, each escaped as one path segment.
    fn url_with_segments(&self, segments: &[&str]) -> Result<reqwest::Url, Failure> {
        let bad = |e: String| Failure::Incompatible {
            message: format!("the server address {} is not a URL: {e}", self.base),
        };
        let mut url = reqwest::Url::parse(&self.base).map_err(|e| bad(e.to_string()))?;
        url.path_segments_mut().map_err(|()| bad("it cannot have a path".into()))?.pop_if_empty().extend(segments);
        Ok(url)
    }

    /// The response if it is a success; its failure otherwise.
    async fn check(&self, resp: reqwest::Response) -> Result<reqwest::Response, Failure> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemClock::now()));
        let body = resp.bytes().await.map_err(network)?;
        let (code, message) = match serde_json::from_slice::<ApiErrorBody>(&body) {
            Ok(b) => (b.error.code, b.error.message),
            Err(_) => ("unknown".to_string(), String::from_utf8_lossy(&body).chars().take(200).collect()),
        };
        if status.as_u16() == 404 && code == "unknown" {
            return Err(Failure::Incompatible { message: format!("no sync API at {} (HTTP 404)", self.base) });
        }
        Err(Failure::from_answer(status.as_u16(), code, message, retry_after))
    }
}

impl Transport for Client {
    async fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, Failure> {
        self.send(self.http.post(format!("{}/api/v1/enroll", self.base)).json(req)).await
    }

    async fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse, Failure> {
        self.send(self.http.post(format!("{}/api/v1/sync/push", self.base)).bearer_auth(token).json(req)).await
    }

    async fn pull(&self, token: &str, cursor: &str) -> Result<PullResponse, Failure> {
        let url = format!("{}/api/v1/sync/pull", self.base);
        let (limit, version) = (PULL_PAGE.to_string(), PROTOCOL_VERSION.to_string());
        let query = [("cursor", cursor), ("limit", limit.as_str()), ("protocol_version", version.as_str())];
        // Read the version before the layout: a newer server's page may not parse as v1.
        let page: serde_json::Value = self.send(self.http.get(url).query(&query).bearer_auth(token)).await?;
        let server_version = page.get("protocol_version").and_then(|v| v.as_u64());
        if server_version != Some(PROTOCOL_VERSION as u64) {
            return Err(Failure::Incompatible {
                message: format!("server protocol {server_version:?}, app v{PROTOCOL_VERSION}"),
            });
        }
        serde_json::from_value(page).map_err(|e| Failure::Corrupt { message: e.to_string() })
    }

    async fn availability(&self, token: &str, after: &str) -> Result<AvailabilityPage, Failure> {
        let url = format!("{}/api/v1/sync/availability", self.base);
        self.send(self.http.get(url).query(&[("after", after)]).bearer_auth(token)).await
    }

    async fn resolutions(&self, token: &str, after: &str) -> Result<ResolutionPage, Failure> {
        let url = format!("{}/api/v1/sync/resolutions", self.base);
        self.send(self.http.get(url).query(&[("after", after)]).bearer_auth(token)).await
    }

    async fn order_lookup(
        &self,
        token: &str,
        lookup: &shared::returns::OrderLookup,
    ) -> Result<shared::returns::OrderLookupAnswer, Failure> {
        use shared::returns::OrderLookup;
        let url = format!("{}/api/v1/sync/order-lookup", self.base);
        let query: Vec<(&str, &str)> = match lookup {
            OrderLookup::Code { code } => vec![("code", code.as_str())],
            OrderLookup::ChannelOrder { channel, channel_order_id } => {
                vec![("channel", channel.as_str()), ("channel_order_id", channel_order_id.as_str())]
            }
            OrderLookup::Phone { phone_tail, name } => {
                vec![("phone_tail", phone_tail.as_str()), ("name", name.as_str())]
            }
        };
        self.send(self.http.get(url).query(&query).bearer_auth(token)).await
    }

    async fn return_status(
        &self,
        token: &str,
        return_id: uuid::Uuid,
    ) -> Result<shared::returns::ReturnStatus, Failure> {
        let url = format!("{}/api/v1/sync/returns/{return_id}", self.base);
        self.send(self.http.get(url).bearer_auth(token)).await
    }

    // --- aisle ---
    async fn style_availability(
        &self,
        token: &str,
        style_code: &str,
    ) -> Result<shared::aisle::StyleAvailability, Failure> {
        // The code is a path segment: escaped, whatever it holds.
        let url = self.url_with_segments(&["api", "v1", "sync", "styles", style_code, "availability"])?;
        self.send(self.http.get(url).bearer_auth(token)).await
    }

    async fn placed_order(
        &self,
        token: &str,
        order_id: uuid::Uuid,
    ) -> Result<shared::aisle::PlacedOrderStatus, Failure> {
        let url = format!("{}/api/v1/sync/placed-orders/{order_id}", self.base);
        self.send(self.http.get(url).bearer_auth(token)).await
    }

    async fn events(&self, token: &str) -> Result<Events, Failure> {
        let url = format!("{}/api/v1/sync/events", self.base);
        let resp = self
            .http
            .get(url)
            .bearer_auth(token)
            .timeout(Duration::from_secs(24 * 3600))
            .send()
            .await
            .map_err(network)?;
        let bytes = self.check(resp).await?.bytes_stream();
        // Ends at the first read error, like the connection.
        let stream = futures_util::stream::unfold((bytes, EventParser::default(), 0usize), |state| async move {
            let (mut bytes, mut parser, mut ready) = state;
            while ready == 0 {
                match bytes.next().await {
                    Some(Ok(chunk)) => ready = parser.feed(&chunk),
                    _ => return None,
                }
            }
            Some((ServerEvent::Changed, (bytes, parser, ready - 1)))
        });
        Ok(stream.boxed())
    }
}

/// `Retry-After` as delta-seconds or an HTTP date (a date in the past is no wait).
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some((at.to_utc() - now).to_std().unwrap_or(Duration::ZERO))
}

/// Reads a server-sent-events stream line by line, whatever the chunking, and counts the
/// `changed` events (keep-alive comments and data lines are skipped).
#[derive(Debug, Default)]
pub struct EventParser {
    line: Vec<u8>,
}

impl EventParser {
    /// Feeds a chunk; returns how many `changed` events it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> usize {
        let mut changed = 0;
        for &b in chunk {
            if b != b'\n' {
                self.line.push(b);
                continue;
            }
            let line = String::from_utf8_lossy(&self.line);
            let line = line.trim_end_matches('\r');
            if let Some(name) = line.strip_prefix("event:") {
                changed += usize::from(name.trim_start() == SSE_EVENT_CHANGED);
            }
            self.line.clear();
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ReplicaError;
    use chrono::TimeZone;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = chrono::Utc.with_ymd_and_hms(2015, 10, 21, 7, 28, 0).unwrap();
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn events_are_counted_whatever_the_chunking() {
        let stream =
            b": keep-alive\n\nevent: changed\ndata: pull\n\nevent:changed\r\ndata: pull\r\n\r\nevent: other\n\n";
        for split in 0..stream.len() {
            let mut p = EventParser::default();
            let n = p.feed(&stream[..split]) + p.feed(&stream[split..]);
            assert_eq!(n, 2, "split at {split}");
        }
        let mut p = EventParser::default();
        assert_eq!(p.feed(b"data: event: changed\n"), 0, "only an event line names the event");
    }

    #[test]
    fn error_answers_sort_as_before_for_the_app() {
        let sorted = |status: u16, code: &str| {
            ReplicaError::from(Failure::from_answer(status, code.into(), "m".into(), Some(Duration::from_secs(2))))
        };
        assert_eq!(sorted(401, "device_revoked"), ReplicaError::Revoked);
        assert_eq!(sorted(401, "invalid_token"), ReplicaError::Revoked);
        assert_eq!(
            sorted(400, "unsupported_protocol_version"),
            ReplicaError::IncompatibleServer { message: "m".into() }
        );
        for (status, code) in [
            (401, "missing_token"),
            (403, "forbidden"),
            (409, "cursor_ahead"),
            (422, "invalid_field"),
            (429, "rate_limited"),
        ]
        .into_iter()
        .chain([
            (503, "unavailable"),
            (500, "internal"),
            (502, "unknown"),
            (404, "not_found"),
            (413, "too_large"),
        ]) {
            assert_eq!(
                sorted(status, code),
                ReplicaError::Server { status, code: code.into(), message: "m".into() },
                "{status} {code}"
            );
        }
        let busy = Failure::from_answer(503, "unavailable".into(), String::new(), Some(Duration::from_secs(2)));
        assert_eq!(busy.retry_after(), Some(Duration::from_secs(2)));
        assert!(matches!(Failure::from_answer(502, "x".into(), String::new(), None), Failure::ServerError { .. }));
    }
}
