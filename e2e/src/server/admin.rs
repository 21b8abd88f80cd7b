//! HQ's side of a scenario over the admin API: enrollment codes, channel orders, the order
//! as HQ sees it, customer notifications (where the pickup code is) and the ledger audit.
//! `test_support::HqClient` makes the calls and types the answers (`shared::admin`, orders,
//! balances); each helper here fails with the server's status and JSON error rather than
//! panicking.

use super::SyncServer;
use crate::error::{Error, Result};
use reqwest::Method;
use serde_json::Value;
use shared::admin::{Audit, Notification};
use shared::order::Order;
use shared::protocol::StockRecord;
use shared::stock::Quality;
use std::time::{Duration, Instant};
use test_support::AdminError;
use uuid::Uuid;

impl From<AdminError> for Error {
    fn from(e: AdminError) -> Error {
        match e {
            AdminError::Transport { method, path, url, source } => {
                Error::Transport { command: format!("sync server {method} {path}"), url, source }
            }
            AdminError::Status { method, path, status, body } => {
                Error::Server { method: method.to_string(), path, status: status.as_u16(), body: body.to_string() }
            }
            AdminError::Decode { method, path, status, error, excerpt } => Error::Server {
                method: method.to_string(),
                path,
                status: status.as_u16(),
                body: format!("unexpected answer ({error}): {excerpt}"),
            },
        }
    }
}

impl From<test_support::StartError> for Error {
    fn from(e: test_support::StartError) -> Error {
        Error::Startup { what: e.what, detail: e.detail, log_tail: e.log_tail }
    }
}

/// Checking an audit in a scenario: `hq.audit().await?.check()?`.
pub trait CheckAudit {
    /// Ok when balances equal the ledger and the reservations; otherwise an error listing
    /// the mismatches.
    fn check(&self) -> Result<()>;
}

impl CheckAudit for Audit {
    fn check(&self) -> Result<()> {
        match test_support::audit_problems(self) {
            None => Ok(()),
            Some(problem) => Err(Error::Check(problem)),
        }
    }
}

impl SyncServer {
    /// Sends an admin request; returns the status and the JSON body (`null` when empty,
    /// a JSON string when not JSON). Does not judge the status.
    pub async fn admin_request(&self, method: Method, path: &str, body: Option<Value>) -> Result<(u16, Value)> {
        let r = self.process.try_admin_request(method, path, body.as_ref()).await?;
        Ok((r.status.as_u16(), r.body))
    }

    /// GET with the admin token; fails unless 2xx.
    pub async fn admin_get(&self, path: &str) -> Result<Value> {
        Ok(self.process.try_admin(Method::GET, path, None).await?)
    }

    /// POST JSON with the admin token; fails unless 2xx.
    pub async fn admin_post(&self, path: &str, body: &impl serde::Serialize) -> Result<Value> {
        let body = serde_json::to_value(body)
            .map_err(|e| Error::Check(format!("cannot encode a request body as JSON: {e}")))?;
        Ok(self.process.try_admin(Method::POST, path, Some(&body)).await?)
    }

    /// A one-time enrollment code for a device of `store`.
    pub async fn enrollment_code(&self, store: &str) -> Result<String> {
        Ok(self.process.try_enrollment_code(store).await?.code)
    }

    /// Takes in a channel order (any `ChannelOrderInput`-shaped body).
    pub async fn intake_order(&self, order: &impl serde::Serialize) -> Result<Order> {
        Ok(self.process.try_intake(order).await?)
    }

    /// A Tmall order `channel_order_id` for pickup at `store` with `(sku, qty)` lines, as
    /// `test_support::order` builds it (¥599.00 less ¥59.00 each, customer 张三). The
    /// fulfillment order the store works on is `order.fulfillment_orders[0]`.
    pub async fn pickup_order(&self, channel_order_id: &str, store: &str, lines: &[(&str, i64)]) -> Result<Order> {
        Ok(self.process.try_pickup_order(channel_order_id, store, lines).await?)
    }

    /// The order as HQ sees it now.
    pub async fn order(&self, id: Uuid) -> Result<Order> {
        Ok(self.process.try_order(id).await?)
    }

    /// Claims the unclaimed notifications (each is handed out once) and returns them; they
    /// are also kept in [`SyncServer::notifications`].
    pub async fn claim_notifications(&self) -> Result<Vec<Notification>> {
        Ok(self.process.try_claim_notifications().await?)
    }

    /// Every notification claimed so far through this handle.
    pub fn notifications(&self) -> Vec<Notification> {
        self.process.claimed_notifications()
    }

    /// The pickup code the customer received for fulfillment order `fo`, waiting up to
    /// `timeout` for the store's "ready" to reach HQ (the app syncs in the background). The
    /// code must come with a signed pickup pass naming `fo`.
    pub async fn pickup_code(&self, fo: Uuid, timeout: Duration) -> Result<String> {
        let start = Instant::now();
        loop {
            if let Some(n) = self.process.try_pickup_notification(fo).await? {
                return test_support::pickup_code_in(&n.body, fo)
                    .ok_or_else(|| Error::Check(format!("no pickup code for {fo} in the notification: {}", n.body)));
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

    /// The stock-ledger audit; see [`CheckAudit::check`].
    pub async fn audit(&self) -> Result<Audit> {
        Ok(self.process.try_audit().await?)
    }

    /// Every stock balance of `node`.
    pub async fn stock(&self, node: &str) -> Result<Vec<StockRecord>> {
        Ok(self.process.try_node_stock(node).await?)
    }

    /// SKUs with sellable units free at `node` (on hand minus reserved), most first.
    pub async fn skus_in_stock(&self, node: &str) -> Result<Vec<String>> {
        let mut rows: Vec<StockRecord> = self
            .stock(node)
            .await?
            .into_iter()
            .filter(|r| r.quality == Quality::Sellable && r.on_hand > r.reserved)
            .collect();
        rows.sort_by(|a, b| (b.on_hand - b.reserved).cmp(&(a.on_hand - a.reserved)).then(a.sku_code.cmp(&b.sku_code)));
        Ok(rows.into_iter().map(|r| r.sku_code).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unbalanced_audit_fails_its_check_naming_the_mismatches() {
        let mut audit = Audit {
            balances: 3,
            movements: 9,
            ledger_mismatches: vec![],
            reservation_mismatches: vec![],
            oversold: vec!["STORE-A/SKU-1/sellable".into()],
        };
        audit.check().expect("oversold alone is not a mismatch");
        audit.reservation_mismatches.push("STORE-B/SKU-2/sellable".into());
        let e = audit.check().unwrap_err();
        assert!(matches!(e, Error::Check(_)) && e.to_string().contains("STORE-B/SKU-2/sellable"), "{e}");
    }

    #[test]
    fn admin_errors_keep_the_status_and_the_servers_answer() {
        let e: Error = AdminError::Status {
            method: Method::GET,
            path: "/api/v1/orders/x".into(),
            status: reqwest::StatusCode::NOT_FOUND,
            body: serde_json::json!({"error": {"code": "not_found", "message": "no such order"}}),
        }
        .into();
        assert!(matches!(&e, Error::Server { status: 404, method, .. } if method == "GET"), "{e}");
        assert!(e.to_string().contains("not_found"), "{e}");
    }
}
