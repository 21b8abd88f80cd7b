//! The online side of the endless aisle: the live availability of a style (or, when HQ
//! cannot be asked, the stored snapshot and why), placing an order and pushing it at once
//! so the associate sees HQ's answer while the customer waits, and following the orders
//! the device placed (status, where they ship from, tracking) a few per sync round.

use super::transport::{Connector, Failure, Transport};
use super::SyncEngine;
use crate::error::{ReplicaError, Result};
use shared::aisle::{alternatives, Alternatives, StyleAvailability};
use shared::app::aisle::{
    AisleDelivery, AisleOrderInput, PlaceOrderOutcome, PlacedOrderView, PlacedState, SnapshotSku,
};
use std::time::Duration;
use uuid::Uuid;

/// How long placing an order waits for HQ's answer before the associate is told it is not
/// confirmed yet (it stays queued and is sent with the next sync).
pub const PLACE_PATIENCE: Duration = Duration::from_secs(8);

/// Most placed orders whose status is asked in one sync round (the look-ups count against
/// the device's read limit at HQ).
pub const PLACED_CHECKS_PER_ROUND: usize = 5;

/// A style's availability: HQ's live read, or the stored snapshot when HQ could not answer.
#[derive(Debug, Clone, PartialEq)]
pub enum AvailabilityRead {
    /// HQ's live, device-scoped read.
    Live(StyleAvailability),
    /// The stored snapshot: network totals per SKU, as of `as_of_ms`.
    Snapshot {
        /// When the snapshot was taken (ms), if there is one.
        as_of_ms: Option<i64>,
        /// The style's SKUs in it.
        skus: Vec<SnapshotSku>,
        /// Why HQ could not be asked.
        why: ReplicaError,
    },
}

/// A revoked device must enrol again; every other failure of a live read leaves the
/// associate with the snapshot.
fn falls_back(f: &Failure) -> bool {
    !matches!(f, Failure::Revoked)
}

impl<C: Connector> SyncEngine<C> {
    /// The live availability of a style from HQ; when HQ cannot be asked (offline, busy,
    /// too many look-ups, an older server), the stored snapshot with why.
    pub async fn style_availability(&self, style_code: &str) -> Result<AvailabilityRead> {
        let live = match self.session() {
            Ok((transport, token)) => transport.style_availability(&token, style_code).await,
            Err(e) => return Err(e),
        };
        match live {
            Ok(a) => Ok(AvailabilityRead::Live(a)),
            Err(f) if falls_back(&f) => {
                if matches!(f, Failure::Network { .. }) {
                    // HQ is out of reach: a sync round finds out and tells the screens.
                    self.poke();
                }
                let (as_of_ms, skus) = self.replica.style_snapshot(style_code)?;
                Ok(AvailabilityRead::Snapshot { as_of_ms, skus, why: f.into() })
            }
            Err(f) => Err(f.into()),
        }
    }

    /// Places an endless-aisle order ([`crate::Replica::place_order`]) and pushes it at once:
    /// waits up to [`PLACE_PATIENCE`] for HQ's answer, so online the associate sees it
    /// confirmed, or refused with HQ's reason and what to offer instead; offline (or when HQ
    /// is slow) it comes back queued, not yet confirmed, and is sent with the next sync.
    pub async fn place_order(
        &self,
        staff_id: &str,
        input: &AisleOrderInput,
        device_time: chrono::DateTime<chrono::Utc>,
    ) -> Result<PlaceOrderOutcome> {
        let order_id = Uuid::now_v7();
        self.replica.place_order(staff_id, input, order_id, device_time)?;
        self.answer_placed(order_id).await
    }

    /// Pushes an order the device just placed at once and waits up to [`PLACE_PATIENCE`]
    /// for HQ's answer (see [`SyncEngine::place_order`]; the app places the order on a
    /// blocking thread first, then calls this).
    pub async fn answer_placed(&self, order_id: Uuid) -> Result<PlaceOrderOutcome> {
        let mut status = self.status.subscribe();
        status.mark_unchanged();
        self.poke();
        let order = self.await_answer(order_id, &mut status).await?;
        let alternatives = match &order.state {
            PlacedState::Refused { .. } => {
                // Seen on the screen at once: no need to read it again in the inbox.
                self.replica.mark_refusal_seen(order.op_id)?;
                self.alternatives_for(&order).await
            }
            PlacedState::Confirmed => {
                // Where it ships from, while the customer is still at the counter.
                let _ = self.refresh_placed_order(order_id).await;
                None
            }
            PlacedState::Queued => None,
        };
        let order = self.replica.placed_order(order_id)?.unwrap_or(order);
        Ok(PlaceOrderOutcome { order, alternatives })
    }

    /// Waits until HQ answered the order, a sync round failed (offline), or
    /// [`PLACE_PATIENCE`] passed; returns the order as it then stands.
    async fn await_answer(
        &self,
        order_id: Uuid,
        status: &mut tokio::sync::watch::Receiver<super::SyncStatus>,
    ) -> Result<PlacedOrderView> {
        let mut patience = self.clock.sleep(PLACE_PATIENCE);
        loop {
            let order = self
                .replica
                .placed_order(order_id)?
                .ok_or_else(|| ReplicaError::NotFound { what: format!("placed order {order_id}") })?;
            if order.state != PlacedState::Queued {
                return Ok(order);
            }
            tokio::select! {
                changed = status.changed() => {
                    let failed = {
                        let s = status.borrow_and_update();
                        !s.syncing && s.error.is_some()
                    };
                    // A round ended without reaching HQ: it stays queued.
                    if changed.is_err() || failed {
                        return self.replica.placed_order(order_id)?.ok_or_else(|| ReplicaError::NotFound {
                            what: format!("placed order {order_id}"),
                        });
                    }
                }
                _ = &mut patience => return Ok(order),
            }
        }
    }

    /// What to offer instead of a refused order, from a live read of its style (none when
    /// HQ cannot be asked).
    async fn alternatives_for(&self, order: &PlacedOrderView) -> Option<Alternatives> {
        let line = order.lines.first()?;
        match self.style_availability(&order.style_code).await {
            Ok(AvailabilityRead::Live(a)) => {
                let pickup = !matches!(order.delivery, AisleDelivery::Ship { .. });
                Some(alternatives(&a, &line.sku_code, line.qty, pickup))
            }
            _ => None,
        }
    }

    /// Asks HQ now how an order this device placed stands, and keeps the answer.
    pub async fn refresh_placed_order(&self, order_id: Uuid) -> Result<PlacedOrderView> {
        let (transport, token) = self.session()?;
        let now = self.clock.now_ms();
        match transport.placed_order(&token, order_id).await {
            Ok(status) => self.replica.record_placed_status(&status, now)?,
            // Not known at HQ (yet): the order is still queued or was refused.
            Err(Failure::Other { status: 404, .. }) => self.replica.mark_placed_checked(order_id, now)?,
            Err(f) => return Err(f.into()),
        }
        self.replica
            .placed_order(order_id)?
            .ok_or_else(|| ReplicaError::NotFound { what: format!("placed order {order_id}") })
    }

    /// Follows the confirmed, still open orders this device placed: at most
    /// [`PLACED_CHECKS_PER_ROUND`] a round, each at most once a minute. A failure here
    /// never fails the round (the push and the pull already succeeded); the rest are
    /// asked about in a later round.
    pub(super) async fn refresh_placed_orders(&self, transport: &C::Transport, token: &str) {
        let due = match self.replica.placed_orders_to_follow(self.clock.now_ms(), PLACED_CHECKS_PER_ROUND) {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the placed orders to follow");
                return;
            }
        };
        for order_id in due {
            let now = self.clock.now_ms();
            let kept = match transport.placed_order(token, order_id).await {
                Ok(status) => self.replica.record_placed_status(&status, now),
                Err(Failure::Other { status: 404, .. }) => self.replica.mark_placed_checked(order_id, now),
                Err(f) => {
                    tracing::info!(%order_id, failure = ?f, "placed-order status not read; asked again later");
                    return;
                }
            };
            if let Err(e) = kept {
                tracing::warn!(%order_id, error = %e, "cannot keep the placed order's status");
                return;
            }
        }
    }
}
