//! Return-counter commands: look an order up at HQ, preview the refund, take the goods back
//! (with a manager's PIN above the limit, or offline against the receipt), and the returns
//! made on this device. Thin: the rules are the replica's and `shared::returns`.

use super::{blocking, now, Cx};
use crate::error::AppResult;
use shared::app::command::{AcceptReturnArgs, ItemArgs, LookupOrderArgs, NoArgs, PreviewReturnArgs, ReturnArgs};
use shared::app::{ExchangeArgs, ExchangeView, ItemView, ReturnPreview, ReturnRecord};
use shared::returns::OrderLookupAnswer;
use tauri::Runtime;

/// Looks an order up at HQ (online only; offline the UI offers the receipt form).
pub async fn lookup_order<R: Runtime>(cx: Cx<R>, args: LookupOrderArgs) -> AppResult<OrderLookupAnswer> {
    let state = cx.state();
    state.require_staff()?;
    let answer = state.engine.lookup_order(&args.lookup).await;
    if let Err(replica::ReplicaError::Offline { .. }) = &answer {
        // Let the sync status say so too (the banner), not only the return screen.
        state.engine.poke();
    }
    Ok(answer?)
}

/// The refund for lines of a looked-up order, and whether a manager must approve.
pub async fn preview_return<R: Runtime>(cx: Cx<R>, args: PreviewReturnArgs) -> AppResult<ReturnPreview> {
    let now = now().timestamp_millis();
    blocking(&cx.state().replica, move |r| r.preview_return(args.order_id, &args.lines, now)).await
}

/// Takes goods back as the logged-in associate and asks for a sync.
pub async fn accept_return<R: Runtime>(cx: Cx<R>, args: AcceptReturnArgs) -> AppResult<ReturnRecord> {
    let state = cx.state();
    let staff = state.require_staff()?;
    let now = now().timestamp_millis();
    let record = blocking(&state.replica, move |r| r.accept_return(&staff.id, &args, now)).await?;
    state.engine.poke();
    Ok(record)
}

/// Returns made on this device, newest first.
pub async fn returns<R: Runtime>(cx: Cx<R>, _: NoArgs) -> AppResult<Vec<ReturnRecord>> {
    blocking(&cx.state().replica, |r| r.returns()).await
}

/// One return made on this device.
pub async fn return_record<R: Runtime>(cx: Cx<R>, args: ReturnArgs) -> AppResult<ReturnRecord> {
    blocking(&cx.state().replica, move |r| r.return_record(args.return_id)).await
}

/// An item scanned or typed at the return counter.
pub async fn return_item<R: Runtime>(cx: Cx<R>, args: ItemArgs) -> AppResult<ItemView> {
    blocking(&cx.state().replica, move |r| r.return_item(&args.code)).await
}

/// Places the new order of an exchange as the logged-in associate and asks for a sync.
pub async fn exchange<R: Runtime>(cx: Cx<R>, args: ExchangeArgs) -> AppResult<ExchangeView> {
    let state = cx.state();
    let staff = state.require_staff()?;
    let now = now().timestamp_millis();
    let view = blocking(&state.replica, move |r| r.exchange(&staff.id, &args, now)).await?;
    state.engine.poke();
    Ok(view)
}
