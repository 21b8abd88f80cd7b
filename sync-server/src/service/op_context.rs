//! The context every op of a push is applied in, and the conflict flag the op handlers
//! raise: below the dispatcher (`push`) and the handlers (`transitions`, `returns`), so
//! they all import it and none imports another's caller.

use super::ServiceError;
use crate::storage::followups;
use crate::storage::orders::FulfillmentRow;
use crate::storage::Tx;
use shared::protocol::OpOutcome;
use uuid::Uuid;

/// Who did an op, where and when.
pub struct OpContext<'a> {
    /// Device.
    pub device_id: &'a str,
    /// The device's store.
    pub store: &'a str,
    /// Acting staff member.
    pub staff_id: &'a str,
    /// The op.
    pub op_id: Uuid,
    /// Server time (ms).
    pub now: i64,
}

/// Records a conflict for HQ and flags the fulfillment order.
pub fn flag(
    tx: &mut dyn Tx,
    ctx: &OpContext<'_>,
    f: Option<&mut FulfillmentRow>,
    order_id: Option<Uuid>,
    code: &'static str,
    message: String,
) -> Result<OpOutcome, ServiceError> {
    let fo_id = f.as_ref().map(|f| f.id.to_string());
    if let Some(f) = f {
        f.flagged = true;
    }
    let c = followups::Conflict {
        id: 0,
        store_code: Some(ctx.store.to_string()),
        device_id: Some(ctx.device_id.to_string()),
        op_id: Some(ctx.op_id.to_string()),
        order_id: order_id.map(|o| o.to_string()),
        fulfillment_order_id: fo_id,
        code: code.to_string(),
        message: message.clone(),
        created_ms: ctx.now,
    };
    followups::insert_conflict(tx, &c)?;
    Ok(OpOutcome::Conflict { code: code.to_string(), message })
}
