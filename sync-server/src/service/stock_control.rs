//! The background side of stock control: the [`Sweeper`] releases promotion locks whose
//! window ended, expires channel holds past their TTL, and routes presale orders first come
//! first served once their stock is there. Apart from `service::campaigns` because it routes
//! (through `service::intake`, which itself calls the campaign hooks).

use super::campaigns::{expire_holds, release_ended};
use super::ServiceError;
use crate::storage::campaigns as store;
use crate::storage::{orders, Storage, Tx};
use shared::order::OrderStatus;
use std::sync::Arc;

/// What happened to the head of a presale's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Head {
    /// Nobody waits.
    Empty,
    /// The first order was routed (or had left the presale, e.g. cancelled): try the next.
    Done,
    /// The first order still cannot be placed: those behind it wait too (first come, first
    /// served).
    Waiting,
}

/// Routes the first waiting order of a presale through the routing profiles (H1's
/// `intake::route_existing`).
pub fn route_presale_head(tx: &mut dyn Tx, code: &str, now: i64) -> Result<Head, ServiceError> {
    let Some(head) = store::presale_orders(tx, code, true, 1)?.into_iter().next() else {
        return Ok(Head::Empty);
    };
    let status = orders::order(tx, head.order_id)?.map(|o| o.status);
    if status != Some(OrderStatus::Presale) {
        // Cancelled (or placed by HQ by hand): it no longer holds up the queue.
        store::mark_presale_routed(tx, head.order_id, now)?;
        return Ok(Head::Done);
    }
    if super::intake::route_existing(tx, head.order_id, now)? {
        store::mark_presale_routed(tx, head.order_id, now)?;
        Ok(Head::Done)
    } else {
        Ok(Head::Waiting)
    }
}

/// Routes a presale's waiting orders first come first served, each in its own transaction,
/// until one cannot be placed yet; answers how many were routed.
pub async fn route_presale(storage: &dyn Storage, code: &str) -> Result<usize, ServiceError> {
    let mut done = 0;
    loop {
        let code = code.to_string();
        let now = super::now_ms();
        match super::write(storage, move |tx| route_presale_head(tx, &code, now)).await? {
            Head::Done => done += 1,
            Head::Empty | Head::Waiting => return Ok(done),
        }
    }
}

// The sweeper ---------------------------------------------------------------------------

/// Most rows one sweep transaction handles.
const SWEEP_BATCH: u32 = 200;

/// The background worker of this module: releases locks whose window ended, expires channel
/// holds and routes waiting presale orders. Each step is its own short transaction, so it
/// runs beside intake on both backends; it is safe to run on every instance at once (every
/// step is conditional and harmless twice).
pub struct Sweeper {
    storage: Arc<dyn Storage>,
    idle: std::time::Duration,
}

impl Sweeper {
    /// A sweeper over `storage`, waking every `idle` when there is nothing to do.
    pub fn new(storage: Arc<dyn Storage>, idle: std::time::Duration) -> Sweeper {
        Sweeper { storage, idle }
    }

    /// One sweep at `now`: answers how many locks, holds and presale orders it handled.
    pub async fn run_due(&self, now: i64) -> Result<usize, ServiceError> {
        let s = self.storage.as_ref();
        let mut n = super::write(s, move |tx| release_ended(tx, now, SWEEP_BATCH)).await?;
        n += super::write(s, move |tx| expire_holds(tx, now, SWEEP_BATCH)).await?;
        let waiting = super::read(s, |tx| Ok(store::presales_waiting(tx, SWEEP_BATCH)?)).await?;
        for code in waiting {
            n += route_presale(s, &code).await?;
        }
        Ok(n)
    }

    /// Runs forever in the background.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match self.run_due(super::now_ms()).await {
                    Ok(n) if n > 0 => continue,
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "campaign sweeper"),
                }
                tokio::time::sleep(self.idle).await;
            }
        })
    }
}
