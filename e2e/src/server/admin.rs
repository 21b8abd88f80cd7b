//! HQ's side of a scenario over the admin API: enrollment codes, channel orders, the order
//! as HQ sees it, customer notifications (where the pickup code is) and the ledger audit.
//! Each helper fails with the server's status and JSON error rather than panicking.

use super::{SyncServer, ADMIN_TOKEN};
use crate::error::{Error, Result};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};
use shared::order::Order;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// A customer notification from the server's outbox (`POST /api/v1/notifications/claim`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Notification {
    /// Id.
    pub id: i64,
    /// Order.
    pub order_id: String,
    /// Fulfillment order, if any.
    pub fulfillment_order_id: Option<String>,
    /// Kind, e.g. `pickup_code`.
    pub kind: String,
    /// Phone number.
    pub recipient: String,
    /// Message text.
    pub body: String,
}

/// The stock-ledger audit (`GET /api/v1/stock/audit`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Audit {
    /// Balances checked.
    pub balances: u64,
    /// Movements in the ledger.
    pub movements: u64,
    /// Balances whose on-hand differs from their ledger sum.
    pub ledger_mismatches: Vec<String>,
    /// Balances whose reserved differs from their active reservations.
    pub reservation_mismatches: Vec<String>,
    /// Balances where more is reserved than on hand (possible after recorded facts).
    #[serde(default)]
    pub oversold: Vec<String>,
}

impl Audit {
    /// Ok when balances equal the ledger and the reservations; otherwise an error listing
    /// the mismatches.
    pub fn check(&self) -> Result<()> {
        if self.ledger_mismatches.is_empty() && self.reservation_mismatches.is_empty() {
            Ok(())
        } else {
            Err(Error::Check(format!(
                "the stock ledger does not balance: ledger mismatches {:?}, reservation mismatches {:?}",
                self.ledger_mismatches, self.reservation_mismatches
            )))
        }
    }
}

/// One stock balance (`GET /api/v1/stock?node=`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StockRow {
    /// SKU.
    pub sku_code: String,
    /// `sellable` or `defective`.
    pub quality: String,
    /// Physical units.
    pub on_hand: i64,
    /// Units held for orders.
    pub reserved: i64,
}

impl SyncServer {
    /// Sends an admin request; returns the status and the JSON body (`null` when empty,
    /// a JSON string when not JSON). Does not judge the status.
    pub async fn admin_request(&self, method: Method, path: &str, body: Option<Value>) -> Result<(u16, Value)> {
        let url = format!("{}{path}", self.url);
        let transport =
            |source| Error::Transport { command: format!("sync server {method} {path}"), url: url.clone(), source };
        let mut req = self.http.request(method.clone(), &url).bearer_auth(ADMIN_TOKEN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(transport)?;
        let value =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Ok((status, value))
    }

    async fn expect<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<T> {
        let name = if method == Method::GET { "GET" } else { "POST" };
        let (status, value) = self.admin_request(method, path, body).await?;
        if !(200..300).contains(&status) {
            return Err(Error::Server { method: name, path: path.into(), status, body: value.to_string() });
        }
        serde_json::from_value(value.clone()).map_err(|e| Error::Server {
            method: name,
            path: path.into(),
            status,
            body: format!("unexpected answer ({e}): {}", crate::webdriver::excerpt(&value.to_string(), 500)),
        })
    }

    /// GET with the admin token; fails unless 2xx.
    pub async fn admin_get(&self, path: &str) -> Result<Value> {
        self.expect(Method::GET, path, None).await
    }

    /// POST JSON with the admin token; fails unless 2xx.
    pub async fn admin_post(&self, path: &str, body: &impl serde::Serialize) -> Result<Value> {
        self.expect(Method::POST, path, Some(to_json(body)?)).await
    }

    /// A one-time enrollment code for a device of `store`.
    pub async fn enrollment_code(&self, store: &str) -> Result<String> {
        let v = self.admin_post("/api/v1/enrollment-codes", &json!({ "store_code": store })).await?;
        v["code"].as_str().map(str::to_string).ok_or_else(|| Error::Check(format!("no code in {v}")))
    }

    /// Takes in a channel order (any `ChannelOrderInput`-shaped body).
    pub async fn intake_order(&self, order: &impl serde::Serialize) -> Result<Order> {
        self.expect(Method::POST, "/api/v1/orders", Some(to_json(order)?)).await
    }

    /// A Tmall order `channel_order_id` for pickup at `store` with `(sku, qty)` lines at
    /// ¥299.00 each, for customer 王小明 (13800138000). The fulfillment order the store
    /// works on is `order.fulfillment_orders[0]`.
    pub async fn pickup_order(&self, channel_order_id: &str, store: &str, lines: &[(&str, i64)]) -> Result<Order> {
        let lines: Vec<Value> =
            lines.iter().map(|(sku, qty)| json!({ "sku_code": sku, "qty": qty, "unit_price": 29_900 })).collect();
        self.intake_order(&json!({
            "channel": "tmall",
            "channel_order_id": channel_order_id,
            "fulfillment": "pickup",
            "pickup_store": store,
            "customer": { "name": "王小明", "phone": "13800138000" },
            "lines": lines,
        }))
        .await
    }

    /// The order as HQ sees it now.
    pub async fn order(&self, id: Uuid) -> Result<Order> {
        self.expect(Method::GET, &format!("/api/v1/orders/{id}"), None).await
    }

    /// Claims the unclaimed notifications (each is handed out once) and returns them; they
    /// are also kept in [`SyncServer::notifications`].
    pub async fn claim_notifications(&self) -> Result<Vec<Notification>> {
        let fresh: Vec<Notification> = self.expect(Method::POST, "/api/v1/notifications/claim", None).await?;
        self.claimed.lock().unwrap_or_else(|p| p.into_inner()).extend(fresh.iter().cloned());
        Ok(fresh)
    }

    /// Every notification claimed so far through this handle.
    pub fn notifications(&self) -> Vec<Notification> {
        self.claimed.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The pickup code the customer received for fulfillment order `fo`, waiting up to
    /// `timeout` for the store's "ready" to reach HQ (the app syncs in the background).
    pub async fn pickup_code(&self, fo: Uuid, timeout: Duration) -> Result<String> {
        let start = Instant::now();
        loop {
            self.claim_notifications().await?;
            let fo_text = fo.to_string();
            let found = self
                .notifications()
                .into_iter()
                .rev()
                .find(|n| n.kind == "pickup_code" && n.fulfillment_order_id.as_deref() == Some(fo_text.as_str()));
            if let Some(n) = found {
                return pickup_code_in(&n.body, fo);
            }
            if start.elapsed() >= timeout {
                return Err(Error::Timeout {
                    what: format!("a pickup-code notification for fulfillment order {fo}"),
                    waited: start.elapsed(),
                    context: format!("--- sync server log ---\n{}", self.log_tail(20)),
                });
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The stock-ledger audit; see [`Audit::check`].
    pub async fn audit(&self) -> Result<Audit> {
        self.expect(Method::GET, "/api/v1/stock/audit", None).await
    }

    /// Every stock balance of `node`.
    pub async fn stock(&self, node: &str) -> Result<Vec<StockRow>> {
        self.expect(Method::GET, &format!("/api/v1/stock?node={node}"), None).await
    }

    /// SKUs with sellable units free at `node` (on hand minus reserved), most first.
    pub async fn skus_in_stock(&self, node: &str) -> Result<Vec<String>> {
        let mut rows: Vec<StockRow> =
            self.stock(node).await?.into_iter().filter(|r| r.quality == "sellable" && r.on_hand > r.reserved).collect();
        rows.sort_by(|a, b| (b.on_hand - b.reserved).cmp(&(a.on_hand - a.reserved)).then(a.sku_code.cmp(&b.sku_code)));
        Ok(rows.into_iter().map(|r| r.sku_code).collect())
    }
}

pub(super) fn to_json(body: &impl serde::Serialize) -> Result<Value> {
    serde_json::to_value(body).map_err(|e| Error::Check(format!("cannot encode a request body as JSON: {e}")))
}

/// The 8-digit code in a pickup notification (after "Pickup code "), checked against the
/// signed pickup pass the same notification carries for its QR, which must name `fo`.
fn pickup_code_in(body: &str, fo: Uuid) -> Result<String> {
    let pass = body.find("PK2:").map(|i| body[i..].split_whitespace().next().unwrap_or_default());
    let names_fo = pass.and_then(shared::pickup::PickupPass::parse).is_some_and(|p| p.fulfillment_order_id == fo);
    let digits = body.find("Pickup code ").map(|i| &body[i + "Pickup code ".len()..]);
    match digits
        .map(|d| d.chars().take(8).collect::<String>())
        .and_then(|d| shared::pickup::PickupCode::parse_input(&d))
    {
        Some((code, None)) if names_fo => Ok(code.reveal().to_string()),
        _ => Err(Error::Check(format!("no pickup code for {fo} in the notification: {body}"))),
    }
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
        assert_eq!(pickup_code_in(&body, fo).unwrap(), "01234567");
        assert!(pickup_code_in(&body, Uuid::from_u128(8)).is_err());
        assert!(pickup_code_in("no code here", fo).is_err());
    }
}
