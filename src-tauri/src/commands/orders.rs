//! Fulfillment-order commands: lists, detail, actions, pick scans and hand-over.

use super::{blocking, now, Cx};
use crate::error::AppResult;
use shared::app::command::{IdCheckArgs, NoArgs, OrderArgs, OrderListArgs, PerformArgs, PickScanArgs};
use shared::app::OrderDetail;
use shared::order::FulfillmentOrder;
use shared::pick::PickLine;
use shared::rules::DeviceRules;
use tauri::Runtime;

/// Fulfillment orders on the device, newest first; all states when `states` is empty.
pub async fn fulfillment_orders<R: Runtime>(cx: Cx<R>, args: OrderListArgs) -> AppResult<Vec<FulfillmentOrder>> {
    blocking(&cx.state().replica, move |r| r.fulfillment_orders(&args.states)).await
}

/// The rules HQ set that this device applies, as of the last pull (the promise windows the
/// order cards show).
pub async fn device_rules<R: Runtime>(cx: Cx<R>, _: NoArgs) -> AppResult<DeviceRules> {
    blocking(&cx.state().replica, |r| r.rules()).await
}

/// One order with its SKUs described and its pick progress.
pub async fn order_detail<R: Runtime>(cx: Cx<R>, args: OrderArgs) -> AppResult<OrderDetail> {
    blocking(&cx.state().replica, move |r| r.order_detail(args.id)).await
}

/// Does an action as the logged-in associate and asks for a sync.
pub async fn perform<R: Runtime>(cx: Cx<R>, args: PerformArgs) -> AppResult<()> {
    let state = cx.state();
    let staff = state.require_staff()?;
    let device_time = now();
    blocking(&state.replica, move |r| r.perform_at(&staff.id, args.op, device_time)).await?;
    state.engine.poke();
    Ok(())
}

/// Counts one scanned unit while picking.
pub async fn scan_for_pick<R: Runtime>(cx: Cx<R>, args: PickScanArgs) -> AppResult<Vec<PickLine>> {
    let state = cx.state();
    state.require_staff()?;
    blocking(&state.replica, move |r| r.scan_for_pick(args.id, &args.barcode)).await
}

/// Starts the pick of an order over.
pub async fn reset_pick<R: Runtime>(cx: Cx<R>, args: OrderArgs) -> AppResult<()> {
    let state = cx.state();
    state.require_staff()?;
    blocking(&state.replica, move |r| r.reset_pick(args.id)).await
}

/// Hands an order over after a manager checked the customer's ID instead of a code (the
/// replica checks the note and the manager's PIN and role).
pub async fn hand_over_with_id_check<R: Runtime>(cx: Cx<R>, args: IdCheckArgs) -> AppResult<()> {
    let state = cx.state();
    let staff = state.require_staff()?;
    let now = now().timestamp_millis();
    blocking(&state.replica, move |r| {
        r.hand_over_with_id_check(&staff.id, args.id, &args.manager_id, &args.manager_pin, &args.note, now)
    })
    .await?;
    state.engine.poke();
    Ok(())
}
