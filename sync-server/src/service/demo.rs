//! What the demo needs beyond the API: an order taken through its whole life at once, as
//! if its fulfilling nodes had worked it, so the demo store has a delivered online order to
//! take back at the return counter.

use super::op_context::OpContext;
use super::{intake, transitions, ServiceError};
use crate::storage::orders;
use crate::storage::Tx;
use shared::fulfillment::{FulfillmentEvent, FulfillmentKind, FulfillmentState};
use shared::order::ChannelOrderInput;
use shared::protocol::PickedLine;
use shared::Count;
use uuid::Uuid;

/// Takes every routed fulfillment order of a ship or same-city order through accept, pick
/// (every unit), courier and dispatch to delivered, with the same steps (stock movements,
/// fulfillment fees) a store's ops and the courier's callback make; pickup orders and
/// fulfillment orders past `routed` are left as they are.
pub fn deliver(tx: &mut dyn Tx, order_id: Uuid, now: i64) -> Result<(), ServiceError> {
    for f in orders::fulfillments_of_order(tx, order_id)? {
        deliver_fulfillment(tx, f.id, now)?;
    }
    Ok(())
}

/// [`deliver`] for one fulfillment order: a routed ship or same-city one is taken to
/// delivered, anything else is left as it is.
pub fn deliver_fulfillment(tx: &mut dyn Tx, id: Uuid, now: i64) -> Result<(), ServiceError> {
    let Some(f) = orders::fulfillment(tx, id)? else { return Ok(()) };
    if f.kind == FulfillmentKind::Pickup || f.state != FulfillmentState::Routed {
        return Ok(());
    }
    let ctx = OpContext { device_id: "demo", store: &f.node_code, staff_id: "demo", op_id: Uuid::nil(), now };
    transitions::simple(tx, &ctx, f.id, FulfillmentEvent::Accept)?;
    transitions::simple(tx, &ctx, f.id, FulfillmentEvent::StartPick)?;
    let picked: Vec<PickedLine> = orders::fulfillment_lines(tx, f.id)?
        .into_iter()
        .map(|l| PickedLine { line_no: l.line_no, picked: Count::new(l.qty).unwrap_or_default() })
        .collect();
    transitions::confirm_pick(tx, &ctx, f.id, &picked, None)?;
    transitions::request_courier(tx, &ctx, f.id, "SF Express")?;
    transitions::record_tracking(tx, &ctx, f.id, "SF Express", &format!("SF{}", &f.id.simple().to_string()[..12]))?;
    transitions::delivered(tx, f.id, now)?;
    Ok(())
}

/// Takes `order` (idempotent by its channel number, as any intake) and delivers it; returns
/// its id. Taken again, it is found and left as it is.
pub fn delivered_order(tx: &mut dyn Tx, order: &ChannelOrderInput, now: i64) -> Result<Uuid, ServiceError> {
    let taken = intake::intake(tx, order, &intake::PlacedBy::default())?;
    if taken.created {
        deliver(tx, taken.order.id, now)?;
    }
    Ok(taken.order.id)
}
