//! HQ's HTTP API as a test calls it: any request with any credential ([`Reply`] keeps the
//! status and the JSON body, for tests that probe the answers), and the admin calls a
//! scenario needs, typed with the answer types of `shared` (`shared::admin`, orders,
//! balances).
//!
//! Each typed call comes twice: `try_…` returns [`AdminError`] (for a harness that reports
//! instead of panicking, as `e2e` does), the plain one panics with that error's message.

use crate::ADMIN_TOKEN;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use shared::admin::{Audit, Device, EnrollmentCode, ImportSummary, Notification};
use shared::order::Order;
use shared::protocol::{EnrollResponse, StockRecord};
use shared::stock::Quality;
use std::fmt::Display;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// An HTTP answer: its status and its body as JSON (`null` when empty, a JSON string when
/// it is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// Body.
    pub body: Value,
}

impl Reply {
    /// The error code of a JSON error answer (`{"error": {"code": …}}`), or `""`.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

impl From<Reply> for (StatusCode, Value) {
    fn from(r: Reply) -> (StatusCode, Value) {
        (r.status, r.body)
    }
}

/// An admin call that did not give the answer asked for.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// No answer (the server is down, the connection dropped) or an unreadable one.
    #[error("{method} {path}: no usable answer from {url}: {source}")]
    Transport {
        /// HTTP method.
        method: Method,
        /// Request path.
        path: String,
        /// Where it was sent.
        url: String,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// An answer with another status than 2xx.
    #[error("{method} {path}: HTTP {status}: {body}")]
    Status {
        /// HTTP method.
        method: Method,
        /// Request path.
        path: String,
        /// Status received.
        status: StatusCode,
        /// The body (the server's JSON error).
        body: Value,
    },
    /// A 2xx answer that is not the type asked for.
    #[error("{method} {path}: HTTP {status}, unexpected answer ({error}): {excerpt}")]
    Decode {
        /// HTTP method.
        method: Method,
        /// Request path.
        path: String,
        /// Status received.
        status: StatusCode,
        /// Why it does not decode.
        error: serde_json::Error,
        /// The start of the body.
        excerpt: String,
    },
}

/// At most `max` characters of `s`, marked when cut.
pub fn excerpt(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}… [{} more characters]", &s[..i], s[i..].chars().count()),
        None => s.to_string(),
    }
}

/// A client of one HQ server at `base` (`http://127.0.0.1:PORT`), acting as admin with
/// [`ADMIN_TOKEN`] or as a device with its token. Cheap to clone; clones share the record
/// of claimed notifications.
#[derive(Clone)]
pub struct HqClient {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The HTTP client (no overall timeout; a keep-alive pool of 64 per host).
    pub client: reqwest::Client,
    claimed: Arc<Mutex<Vec<Notification>>>,
}

impl HqClient {
    /// A client of the server at `base`.
    pub fn new(base: impl Into<String>) -> HqClient {
        let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
        HqClient::with_client(base, client)
    }

    /// A client of the server at `base` sending with `client` (e.g. one with a timeout).
    pub fn with_client(base: impl Into<String>, client: reqwest::Client) -> HqClient {
        HqClient { base: base.into(), client, claimed: Arc::default() }
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    // ---- Any request -------------------------------------------------------------------

    /// Sends `req`; the status and body, or the transport error.
    pub async fn try_send(&self, req: RequestBuilder) -> Result<Reply, reqwest::Error> {
        let resp = req.send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        let body =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Ok(Reply { status, body })
    }

    /// Sends `req`; panics if there is no answer.
    pub async fn send(&self, req: RequestBuilder) -> Reply {
        self.try_send(req).await.unwrap_or_else(|e| panic!("no answer from {}: {e:?}", self.base))
    }

    /// `method path` with `token` as bearer (if any) and `body` as JSON (if any).
    pub fn request(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> RequestBuilder {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        req
    }

    /// GET with the admin token.
    pub async fn admin_get(&self, path: &str) -> Reply {
        self.send(self.request(Method::GET, path, Some(ADMIN_TOKEN), None)).await
    }

    /// POST `body` as JSON with the admin token.
    pub async fn admin_post(&self, path: &str, body: impl Serialize) -> Reply {
        self.send(self.request(Method::POST, path, Some(ADMIN_TOKEN), Some(&to_json(&body)))).await
    }

    /// PUT `body` as JSON with the admin token.
    pub async fn admin_put(&self, path: &str, body: impl Serialize) -> Reply {
        self.send(self.request(Method::PUT, path, Some(ADMIN_TOKEN), Some(&to_json(&body)))).await
    }

    /// DELETE with the admin token.
    pub async fn admin_delete(&self, path: &str) -> Reply {
        self.send(self.request(Method::DELETE, path, Some(ADMIN_TOKEN), None)).await
    }

    /// GET with a device's token.
    pub async fn device_get(&self, token: &str, path: &str) -> Reply {
        self.send(self.request(Method::GET, path, Some(token), None)).await
    }

    /// POST `body` as JSON with a device's token.
    pub async fn device_post(&self, token: &str, path: &str, body: impl Serialize) -> Reply {
        self.send(self.request(Method::POST, path, Some(token), Some(&to_json(&body)))).await
    }

    /// Any bytes with any content type, with `token` (if any).
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let req = self.request(method, path, token, None).header("content-type", content_type).body(body);
        self.send(req).await
    }

    // ---- Admin calls with typed answers ------------------------------------------------

    /// An admin request; the reply whatever its status, or the transport error.
    pub async fn try_admin_request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, AdminError> {
        let req = self.request(method.clone(), path, Some(ADMIN_TOKEN), body);
        self.try_send(req).await.map_err(|source| AdminError::Transport {
            method,
            path: path.into(),
            url: self.url(path),
            source,
        })
    }

    /// An admin request that must answer 2xx with a `T`.
    pub async fn try_admin<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, AdminError> {
        let r = self.try_admin_request(method.clone(), path, body).await?;
        if !r.status.is_success() {
            return Err(AdminError::Status { method, path: path.into(), status: r.status, body: r.body });
        }
        decode(method, path, r)
    }

    /// An admin request that must answer exactly `status` with a `T`.
    pub async fn try_admin_answering<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        status: StatusCode,
    ) -> Result<T, AdminError> {
        let r = self.try_admin_request(method.clone(), path, body).await?;
        if r.status != status {
            return Err(AdminError::Status { method, path: path.into(), status: r.status, body: r.body });
        }
        decode(method, path, r)
    }

    /// Imports master data and stock (`POST /api/v1/import`, answered 200 OK).
    pub async fn try_import(&self, bundle: &impl Serialize) -> Result<ImportSummary, AdminError> {
        self.try_admin_answering(Method::POST, "/api/v1/import", Some(&to_json(bundle)), StatusCode::OK).await
    }

    /// [`HqClient::try_import`], panicking.
    pub async fn import(&self, bundle: &impl Serialize) -> ImportSummary {
        must(self.try_import(bundle).await)
    }

    /// A one-time enrollment code for a device of `store` (answered 201 Created).
    pub async fn try_enrollment_code(&self, store: &str) -> Result<EnrollmentCode, AdminError> {
        let body = json!({ "store_code": store });
        self.try_admin_answering(Method::POST, "/api/v1/enrollment-codes", Some(&body), StatusCode::CREATED).await
    }

    /// The code of [`HqClient::try_enrollment_code`], panicking.
    pub async fn enrollment_code(&self, store: &str) -> String {
        must(self.try_enrollment_code(store).await).code
    }

    /// Enrols a device at `store` over HTTP (as a device does, with a fresh code); its
    /// id and token.
    pub async fn enrol_device(&self, store: &str) -> EnrollResponse {
        let code = self.enrollment_code(store).await;
        let body = json!({ "code": code, "device_name": format!("tablet at {store}"), "protocol_version": 1 });
        let r = self.send(self.request(Method::POST, "/api/v1/enroll", None, Some(&body))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        serde_json::from_value(r.body.clone()).unwrap_or_else(|e| panic!("enrollment answer ({e}): {}", r.body))
    }

    /// Enrols a device at `store`; its token.
    pub async fn enrol(&self, store: &str) -> String {
        self.enrol_device(store).await.token
    }

    /// Takes in a channel order (a body such as [`crate::order`] builds).
    pub async fn try_intake(&self, order: &impl Serialize) -> Result<Order, AdminError> {
        self.try_admin(Method::POST, "/api/v1/orders", Some(&to_json(order))).await
    }

    /// [`HqClient::try_intake`], panicking.
    pub async fn intake(&self, order: &impl Serialize) -> Order {
        must(self.try_intake(order).await)
    }

    /// A channel order `channel_order_id` for pickup at `store` with `(sku, qty)` lines
    /// ([`crate::order`]); the store's fulfillment order is `fulfillment_orders[0]`.
    pub async fn try_pickup_order(
        &self,
        channel_order_id: &str,
        store: &str,
        lines: &[(&str, i64)],
    ) -> Result<Order, AdminError> {
        self.try_intake(&crate::order(channel_order_id, "pickup", Some(store), lines)).await
    }

    /// [`HqClient::try_pickup_order`], panicking.
    pub async fn pickup_order(&self, channel_order_id: &str, store: &str, lines: &[(&str, i64)]) -> Order {
        must(self.try_pickup_order(channel_order_id, store, lines).await)
    }

    /// The order as HQ sees it now.
    pub async fn try_order(&self, id: Uuid) -> Result<Order, AdminError> {
        self.try_admin(Method::GET, &format!("/api/v1/orders/{id}"), None).await
    }

    /// [`HqClient::try_order`], panicking.
    pub async fn order(&self, id: Uuid) -> Order {
        must(self.try_order(id).await)
    }

    /// Claims the unclaimed customer notifications (each is handed out once) and returns
    /// them; they are also kept in [`HqClient::claimed_notifications`].
    pub async fn try_claim_notifications(&self) -> Result<Vec<Notification>, AdminError> {
        let fresh: Vec<Notification> = self.try_admin(Method::POST, "/api/v1/notifications/claim", None).await?;
        self.claimed.lock().unwrap_or_else(|p| p.into_inner()).extend(fresh.iter().cloned());
        Ok(fresh)
    }

    /// [`HqClient::try_claim_notifications`], panicking.
    pub async fn claim_notifications(&self) -> Vec<Notification> {
        must(self.try_claim_notifications().await)
    }

    /// Every notification claimed so far through this client (and its clones).
    pub fn claimed_notifications(&self) -> Vec<Notification> {
        self.claimed.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Claims pending notifications and returns the latest pickup-code notification for
    /// fulfillment order `fo` claimed so far, if any.
    pub async fn try_pickup_notification(&self, fo: impl Display) -> Result<Option<Notification>, AdminError> {
        self.try_claim_notifications().await?;
        let fo = fo.to_string();
        Ok(self
            .claimed_notifications()
            .into_iter()
            .rev()
            .find(|n| n.kind == "pickup_code" && n.fulfillment_order_id.is_some_and(|id| id.to_string() == fo)))
    }

    /// The pickup code the customer got for fulfillment order `fo` (from the notification
    /// outbox); panics if there is none yet.
    pub async fn pickup_code_for(&self, fo: impl Display) -> String {
        let fo = fo.to_string();
        let n = must(self.try_pickup_notification(&fo).await).expect("a pickup code notification");
        let id: Uuid = fo.parse().expect("a fulfillment order id");
        pickup_code_in(&n.body, id).unwrap_or_else(|| panic!("no pickup code for {fo} in the notification: {}", n.body))
    }

    /// Every stock balance of `node`.
    pub async fn try_node_stock(&self, node: &str) -> Result<Vec<StockRecord>, AdminError> {
        self.try_admin(Method::GET, &format!("/api/v1/stock?node={node}"), None).await
    }

    /// [`HqClient::try_node_stock`], panicking.
    pub async fn node_stock(&self, node: &str) -> Vec<StockRecord> {
        must(self.try_node_stock(node).await)
    }

    /// The sellable balance of `sku` at `node` (all zero when there is none).
    pub async fn stock(&self, node: &str, sku: &str) -> StockRecord {
        let rows: Vec<StockRecord> =
            must(self.try_admin(Method::GET, &format!("/api/v1/stock?node={node}&sku={sku}"), None).await);
        rows.into_iter().find(|r| r.quality == Quality::Sellable).unwrap_or(StockRecord {
            sku_code: sku.to_string(),
            quality: Quality::Sellable,
            on_hand: 0,
            reserved: 0,
            safety: 0,
            locked: 0,
            lease: 0,
        })
    }

    /// The stock-ledger audit.
    pub async fn try_audit(&self) -> Result<Audit, AdminError> {
        self.try_admin(Method::GET, "/api/v1/stock/audit", None).await
    }

    /// [`HqClient::try_audit`], panicking.
    pub async fn audit(&self) -> Audit {
        must(self.try_audit().await)
    }

    /// Asserts the stock ledger balances: every on-hand equals its movements, every
    /// reserved its active reservations.
    pub async fn assert_audit_clean(&self) {
        if let Some(problem) = audit_problems(&self.audit().await) {
            panic!("{problem}");
        }
    }

    /// The enrolled devices (`GET /api/v1/devices`).
    pub async fn devices(&self) -> Vec<Device> {
        must(self.try_admin(Method::GET, "/api/v1/devices", None).await)
    }

    /// The highest `device_seq` HQ applied from `device`.
    pub async fn device_last_seq(&self, device: Uuid) -> i64 {
        let devices = self.devices().await;
        devices.iter().find(|d| d.id == device).unwrap_or_else(|| panic!("no device {device} in {devices:?}")).last_seq
    }
}

/// What is wrong with an audit: `None` when the ledger balances (on-hand equals the
/// movements, reserved the active reservations).
pub fn audit_problems(a: &Audit) -> Option<String> {
    if a.ledger_mismatches.is_empty() && a.reservation_mismatches.is_empty() {
        None
    } else {
        Some(format!(
            "the stock ledger does not balance: ledger mismatches {:?}, reservation mismatches {:?}",
            a.ledger_mismatches, a.reservation_mismatches
        ))
    }
}

/// The 8-digit code in a pickup notification's text (after "Pickup code "), if the signed
/// pickup pass the same text carries for its QR names fulfillment order `fo`.
pub fn pickup_code_in(body: &str, fo: Uuid) -> Option<String> {
    let pass = body.find("PK2:").map(|i| body[i..].split_whitespace().next().unwrap_or_default());
    let names_fo = pass.and_then(shared::pickup::PickupPass::parse).is_some_and(|p| p.fulfillment_order_id == fo);
    let digits =
        body.find("Pickup code ").map(|i| body[i + "Pickup code ".len()..].chars().take(8).collect::<String>());
    match digits.as_deref().and_then(shared::pickup::PickupCode::parse_input) {
        Some((code, None)) if names_fo => Some(code.reveal().to_string()),
        _ => None,
    }
}

/// The body of `r` as a `T`.
fn decode<T: DeserializeOwned>(method: Method, path: &str, r: Reply) -> Result<T, AdminError> {
    T::deserialize(&r.body).map_err(|error| AdminError::Decode {
        method,
        path: path.into(),
        status: r.status,
        error,
        excerpt: excerpt(&r.body.to_string(), 500),
    })
}

fn to_json(body: &impl Serialize) -> Value {
    serde_json::to_value(body).expect("a request body that encodes as JSON")
}

fn must<T>(r: Result<T, AdminError>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_pickup_code_of_the_order_the_pass_names() {
        let fo = Uuid::from_u128(7);
        let pass = shared::pickup::PickupPass::issue(&[1; 32], fo, 1);
        let body =
            format!("您的订单 T1 已可在 静安店 自提，提货码 01234567 … Pickup code 01234567, valid 7 days. QR: {pass}");
        assert_eq!(pickup_code_in(&body, fo).as_deref(), Some("01234567"));
        assert_eq!(pickup_code_in(&body, Uuid::from_u128(8)), None);
        assert_eq!(pickup_code_in("no code here", fo), None);
    }

    #[test]
    fn excerpts_cut_long_text_on_a_character_boundary() {
        assert_eq!(excerpt("短い", 5), "短い");
        assert_eq!(excerpt("拣货拣货", 2), "拣货… [2 more characters]");
    }
}
