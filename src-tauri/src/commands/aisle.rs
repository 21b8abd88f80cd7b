//! Endless-aisle commands: find a style, its grid with this store's stock, its availability
//! (live or the stored snapshot), place an order for a customer and follow the orders this
//! device placed. Thin: the rules are the replica's and `shared::aisle`.

use super::{blocking, error_view, now, Cx};
use crate::error::AppResult;
use replica::sync::aisle::AvailabilityRead;
use shared::app::aisle::{AisleAvailability, AisleSearchArgs, PlaceOrderArgs, PlaceOrderOutcome, PlacedOrderArgs};
use shared::app::aisle::{PlacedOrderView, StyleArgs, StyleGrid, StyleHit};
use shared::app::command::NoArgs;
use tauri::Runtime;

/// Styles matching a typed text or a scanned item.
pub async fn aisle_search<R: Runtime>(cx: Cx<R>, args: AisleSearchArgs) -> AppResult<Vec<StyleHit>> {
    blocking(&cx.state().replica, move |r| r.search_styles(&args.query)).await
}

/// A style's colour × size grid with this store's stock.
pub async fn aisle_grid<R: Runtime>(cx: Cx<R>, args: StyleArgs) -> AppResult<StyleGrid> {
    blocking(&cx.state().replica, move |r| r.style_grid(&args.style_code)).await
}

/// A style's availability: live from HQ, or the stored snapshot and why.
pub async fn aisle_availability<R: Runtime>(cx: Cx<R>, args: StyleArgs) -> AppResult<AisleAvailability> {
    Ok(match cx.state().engine.style_availability(&args.style_code).await? {
        AvailabilityRead::Live(availability) => AisleAvailability::Live { availability },
        AvailabilityRead::Snapshot { as_of_ms, skus, why } => {
            AisleAvailability::Snapshot { as_of_ms, skus, why: error_view(&why) }
        }
    })
}

/// Places an endless-aisle order as the logged-in associate and waits briefly for HQ.
pub async fn aisle_place_order<R: Runtime>(cx: Cx<R>, args: PlaceOrderArgs) -> AppResult<PlaceOrderOutcome> {
    let state = cx.state();
    let staff = state.require_staff()?;
    let device_time = now();
    let order_id = uuid::Uuid::now_v7();
    blocking(&state.replica, move |r| r.place_order(&staff.id, &args.order, order_id, device_time)).await?;
    Ok(state.engine.answer_placed(order_id).await?)
}

/// The orders this device placed, newest first.
pub async fn aisle_placed_orders<R: Runtime>(cx: Cx<R>, _: NoArgs) -> AppResult<Vec<PlacedOrderView>> {
    blocking(&cx.state().replica, |r| r.placed_orders()).await
}

/// Asks HQ now how one placed order stands.
pub async fn aisle_refresh_placed_order<R: Runtime>(cx: Cx<R>, args: PlacedOrderArgs) -> AppResult<PlacedOrderView> {
    Ok(cx.state().engine.refresh_placed_order(args.order_id).await?)
}
