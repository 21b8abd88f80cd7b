//! The channel webhook worker: pushes each channel's stock feed to the URL HQ set, at least
//! once, in sequence order.
//!
//! The outbox is the feed itself: every change of a published quantity is written with the
//! channel's next sequence number in the transaction of the stock movement, and the
//! webhook's `delivered_seq` is how far the receiver acknowledged. The worker claims one
//! channel at a time with a lease, POSTs the entries after `delivered_seq` (a
//! [`WebhookBatch`], signed with the channel's secret in `X-Signature`) outside any
//! transaction, and on a 2xx moves `delivered_seq` to the batch's last sequence; on a
//! failure it tries again after a back-off that doubles up to a cap. A worker that dies
//! mid-call leaves the claim to expire and the batch to be sent again: receivers apply an
//! entry only if its sequence is above the last they applied (idempotent by sequence).

use crate::service::{self, ServiceError};
use crate::storage::allocation as store;
use crate::storage::Storage;
use shared::allocation::{webhook_signature, WebhookBatch};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// How long a claimed delivery is the worker's before another may send it.
pub const LEASE_MS: i64 = 30_000;
/// Entries per POST.
pub const BATCH: u32 = 200;
/// Deliveries per round.
pub const ROUND: usize = 20;
/// The back-off after the first failure; it doubles per failure up to [`MAX_BACKOFF_MS`].
pub const FIRST_BACKOFF_MS: i64 = 1_000;
/// The longest back-off.
pub const MAX_BACKOFF_MS: i64 = 300_000;

/// The back-off after `tries` failures in a row (1 for the first).
pub fn backoff_ms(tries: i64) -> i64 {
    let shift = (tries - 1).clamp(0, 20) as u32;
    FIRST_BACKOFF_MS.saturating_mul(1_i64 << shift).min(MAX_BACKOFF_MS)
}

/// The worker.
#[derive(Clone)]
pub struct Worker {
    storage: Arc<dyn Storage>,
    http: reqwest::Client,
    /// Pause between rounds that found nothing to send.
    pub idle: Duration,
}

impl Worker {
    /// A worker over `storage` with a 10-second request timeout.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Worker { storage, http, idle: Duration::from_millis(500) }
    }

    /// Runs forever in the background.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match self.run_due().await {
                    Ok(n) if n > 0 => continue,
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "channel webhook worker: cannot claim deliveries"),
                }
                tokio::time::sleep(self.idle).await;
            }
        })
    }

    /// Claims and sends due deliveries one at a time, up to [`ROUND`]; answers how many it
    /// sent (successfully or not).
    pub async fn run_due(&self) -> Result<usize, ServiceError> {
        let mut n = 0;
        for _ in 0..ROUND {
            let now = service::now_ms();
            let token = Uuid::now_v7().to_string();
            let claimed = service::write(self.storage.as_ref(), move |tx| {
                Ok(store::claim_delivery(tx, &token, BATCH, now, now - LEASE_MS)?)
            })
            .await?;
            let Some(d) = claimed else { break };
            n += 1;
            self.send(d).await?;
        }
        Ok(n)
    }

    async fn send(&self, d: store::Delivery) -> Result<(), ServiceError> {
        let channel = d.webhook.channel;
        let Some(last) = d.entries.last().map(|e| e.seq) else {
            // Nothing after the position (the feed was compacted past it): caught up.
            let (token, head) = (d.token.clone(), d.webhook.delivered_seq);
            return service::write(self.storage.as_ref(), move |tx| {
                store::ack_delivery(tx, channel, &token, head)?;
                Ok(())
            })
            .await;
        };
        let batch = WebhookBatch { channel, entries: d.entries };
        let body = serde_json::to_vec(&batch).unwrap_or_default();
        let sent_ms = service::now_ms();
        let result = self
            .http
            .post(&d.webhook.url)
            .header("content-type", "application/json")
            .header("x-signature", webhook_signature(&d.webhook.secret, sent_ms, &body))
            .header("x-channel", channel.as_str())
            .header("x-last-seq", last.to_string())
            .body(body)
            .send()
            .await;
        let failure = match result {
            Ok(r) if r.status().is_success() => None,
            Ok(r) => Some(format!("the receiver answered {}", r.status())),
            Err(e) => Some(format!("cannot reach the receiver: {e}")),
        };
        let token = d.token.clone();
        let tries = d.webhook.tries + 1;
        let now = service::now_ms();
        service::write(self.storage.as_ref(), move |tx| {
            let held = match &failure {
                None => store::ack_delivery(tx, channel, &token, last)?,
                Some(error) => {
                    tracing::warn!(channel = channel.as_str(), tries, error = %error, "channel webhook delivery failed");
                    store::retry_delivery(tx, channel, &token, now + backoff_ms(tries), error)?
                }
            };
            if !held {
                tracing::warn!(channel = channel.as_str(), "channel webhook: the claim was lost meanwhile");
            }
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_up_to_the_cap() {
        assert_eq!(backoff_ms(1), 1_000);
        assert_eq!(backoff_ms(2), 2_000);
        assert_eq!(backoff_ms(5), 16_000);
        assert_eq!(backoff_ms(30), MAX_BACKOFF_MS);
        assert_eq!(backoff_ms(0), 1_000);
    }
}
