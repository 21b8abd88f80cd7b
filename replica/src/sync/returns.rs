//! The online side of returns at the counter: looking the original order up at HQ, and
//! following the refund of each return this device made (requested → confirmed) in the
//! sync round, a few returns per round.

use super::transport::{Connector, Failure, Transport};
use super::{RoundResult, SyncEngine};
use crate::error::{ReplicaError, Result};
use shared::returns::{OrderLookup, OrderLookupAnswer};

/// Most returns whose refund is asked about in one sync round.
pub const RETURN_CHECKS_PER_ROUND: usize = 20;

/// What the associate is told about a look-up HQ refused or could not answer.
fn lookup_error(f: Failure) -> ReplicaError {
    match &f {
        Failure::Other { status: 404, code, message } if code == "order_not_found" => {
            ReplicaError::not_allowed("order_not_found", message.clone())
        }
        Failure::RateLimited { message, .. } => ReplicaError::not_allowed("lookup_rate_limited", message.clone()),
        Failure::Refused { code, message, .. } if code == "invalid_query" => {
            ReplicaError::not_allowed("invalid_query", message.clone())
        }
        _ => f.into(),
    }
}

impl<C: Connector> SyncEngine<C> {
    /// Looks an order up at HQ for a return (online only: offline, the error is
    /// [`ReplicaError::Offline`] and the return is taken against the receipt). The orders
    /// found are kept on the device, so the refund is quoted from what HQ answered.
    pub async fn lookup_order(&self, lookup: &OrderLookup) -> Result<OrderLookupAnswer> {
        let (transport, token) = self.session()?;
        let answer = transport.order_lookup(&token, lookup).await.map_err(lookup_error)?;
        self.replica.remember_lookup(&answer, self.clock.now_ms())?;
        Ok(answer)
    }

    /// Asks HQ how the refunds of this device's returns stand: those HQ has and whose refund
    /// is not settled yet, the longest unchecked first, at most
    /// [`RETURN_CHECKS_PER_ROUND`]. A server without the endpoint is not an error.
    pub(super) async fn refresh_returns(&self, transport: &C::Transport, token: &str) -> RoundResult<()> {
        for return_id in self.replica.returns_to_check(RETURN_CHECKS_PER_ROUND)? {
            let now = self.clock.now_ms();
            match transport.return_status(token, return_id).await {
                Ok(status) => self.replica.apply_return_status(&status, now)?,
                // Not (yet) known as this store's: asked again in a later round.
                Err(Failure::Other { status: 404, .. }) => self.replica.mark_return_checked(return_id, now)?,
                Err(Failure::Incompatible { .. }) => return Ok(()),
                Err(f) => return Err(f.into()),
            }
        }
        Ok(())
    }
}
