//! Fulfillment-order commands: lists, detail, actions, pick scans and hand-over.

use crate::error::{invalid, AppError, AppResult, ShellError};
use crate::state::AppState;
use replica::ReplicaError;
use shared::app::OrderDetail;
use shared::approval::Approved;
use shared::fulfillment::FulfillmentState;
use shared::order::FulfillmentOrder;
use shared::pick::PickLine;
use shared::protocol::{HandOverVerification, Op};
use tauri::State;
use uuid::Uuid;

/// Fulfillment orders on the device, newest first; all states when `states` is empty.
#[tauri::command(rename_all = "snake_case")]
pub fn fulfillment_orders(
    state: State<'_, AppState>,
    states: Vec<FulfillmentState>,
) -> AppResult<Vec<FulfillmentOrder>> {
    Ok(state.replica.fulfillment_orders(&states)?)
}

/// One order with its SKUs described and its pick progress.
#[tauri::command(rename_all = "snake_case")]
pub fn order_detail(state: State<'_, AppState>, id: Uuid) -> AppResult<OrderDetail> {
    let order = state
        .replica
        .fulfillment_order(id)?
        .ok_or_else(|| ReplicaError::NotFound { what: format!("fulfillment order {id}") })?;
    let codes: Vec<String> = order.lines.iter().map(|l| l.sku_code.clone()).collect();
    Ok(OrderDetail {
        skus: state.replica.sku_views(&codes)?,
        pick: state.replica.pick_progress(id)?,
        pending_ops: state.replica.pending_count_for(id)?,
        order,
    })
}

/// Does an action as the logged-in associate and asks for a sync.
#[tauri::command(rename_all = "snake_case")]
pub fn perform(state: State<'_, AppState>, op: Op) -> AppResult<()> {
    let staff = state.require_staff()?;
    if let Op::RejectFulfillment { reason, .. } = &op {
        if reason.trim().is_empty() {
            return Err(invalid("reason", "choose or type why the order is rejected"));
        }
    }
    state.replica.perform(&staff.id, op)?;
    state.engine.poke();
    Ok(())
}

/// Counts one scanned unit while picking.
#[tauri::command(rename_all = "snake_case")]
pub fn scan_for_pick(state: State<'_, AppState>, id: Uuid, barcode: String) -> AppResult<Vec<PickLine>> {
    state.require_staff()?;
    Ok(state.replica.scan_for_pick(id, &barcode)?)
}

/// Starts the pick of an order over.
#[tauri::command(rename_all = "snake_case")]
pub fn reset_pick(state: State<'_, AppState>, id: Uuid) -> AppResult<()> {
    state.require_staff()?;
    Ok(state.replica.reset_pick(id)?)
}

/// Hands an order over after a manager checked the customer's ID instead of a code: the
/// manager confirms with their own PIN, checked offline like a login.
#[tauri::command(rename_all = "snake_case")]
pub async fn hand_over_with_id_check(
    state: State<'_, AppState>,
    id: Uuid,
    manager_id: String,
    manager_pin: String,
    note: String,
) -> AppResult<()> {
    let staff = state.require_staff()?;
    if note.trim().chars().count() < 4 {
        return Err(invalid("note", "note the ID type and its last digits (at least 4 characters)"));
    }
    let replica = state.replica.clone();
    let now = chrono::Utc::now().timestamp_millis();
    let manager = manager_id.clone();
    let approval = tauri::async_runtime::spawn_blocking(move || {
        let what = Approved::IdCheck { fulfillment_order_id: id, manager_id: &manager };
        replica.manager_approval(&manager, &manager_pin, what, now)
    })
    .await
    .map_err(|e| ReplicaError::Storage { message: e.to_string() })?
    .map_err(|e| -> AppError {
        match e {
            ReplicaError::NotAllowed { reason, .. } if reason == "not_manager" => {
                ShellError::NotManager { staff_id: manager_id.clone() }.into()
            }
            other => other.into(),
        }
    })?;
    let verification =
        HandOverVerification::IdCheck { manager_id, note: note.trim().to_string(), approval: Some(approval) };
    state.replica.perform(&staff.id, Op::HandOver { fulfillment_order_id: id, verification })?;
    state.engine.poke();
    Ok(())
}
