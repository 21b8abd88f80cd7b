//! Ship-from-store commands: packing into parcels, asking HQ for a courier or rider (or
//! recording a carrier booked by hand), the booking, the hand-over to the rider or
//! courier, and riders waiting at the store. Thin: the rules are the replica's and
//! `shared::courier`'s.

use super::{blocking, now, Cx};
use crate::error::AppResult;
use shared::app::command::{NoArgs, OrderArgs};
use shared::app::courier::{CourierHandOverArgs, CourierView, ManualCourierArgs, PackPutArgs, PackScanArgs};
use shared::app::courier::{PackingView, ParcelArgs, ParcelWeightArgs, RequestCourierArgs, RiderArrivals};
use tauri::Runtime;

/// An order's picked lines and the parcels packed so far.
pub async fn courier_packing<R: Runtime>(cx: Cx<R>, args: OrderArgs) -> AppResult<PackingView> {
    blocking(&cx.state().replica, move |r| r.packing(args.id)).await
}

/// One scanned unit into a parcel.
pub async fn courier_pack_scan<R: Runtime>(cx: Cx<R>, args: PackScanArgs) -> AppResult<PackingView> {
    let state = cx.state();
    state.require_staff()?;
    blocking(&state.replica, move |r| r.pack_scan(args.id, args.parcel_no, &args.barcode)).await
}

/// Units of a line put into or taken out of a parcel.
pub async fn courier_pack_put<R: Runtime>(cx: Cx<R>, args: PackPutArgs) -> AppResult<PackingView> {
    let state = cx.state();
    state.require_staff()?;
    blocking(&state.replica, move |r| r.pack_put(args.id, args.parcel_no, args.line_no, args.delta)).await
}

/// Adds an empty parcel.
pub async fn courier_add_parcel<R: Runtime>(cx: Cx<R>, args: OrderArgs) -> AppResult<PackingView> {
    let state = cx.state();
    state.require_staff()?;
    blocking(&state.replica, move |r| r.add_parcel(args.id)).await
}

/// Removes a parcel.
pub async fn courier_remove_parcel<R: Runtime>(cx: Cx<R>, args: ParcelArgs) -> AppResult<PackingView> {
    let state = cx.state();
    state.require_staff()?;
    blocking(&state.replica, move |r| r.remove_parcel(args.id, args.parcel_no)).await
}

/// Sets a parcel's weight.
pub async fn courier_parcel_weight<R: Runtime>(cx: Cx<R>, args: ParcelWeightArgs) -> AppResult<PackingView> {
    let state = cx.state();
    state.require_staff()?;
    blocking(&state.replica, move |r| r.set_parcel_weight(args.id, args.parcel_no, args.weight_g)).await
}

/// Asks HQ for an express waybill or a same-city rider as the logged-in associate and asks
/// for a sync (queued while offline).
pub async fn courier_request<R: Runtime>(cx: Cx<R>, args: RequestCourierArgs) -> AppResult<CourierView> {
    let state = cx.state();
    let staff = state.require_staff()?;
    let device_time = now();
    let view = blocking(&state.replica, move |r| {
        r.request_courier(&staff.id, args.id, args.method, args.service, device_time)?;
        r.courier_view(args.id)
    })
    .await?;
    state.engine.poke();
    Ok(view)
}

/// Records a carrier booked by hand and its tracking number.
pub async fn courier_manual<R: Runtime>(cx: Cx<R>, args: ManualCourierArgs) -> AppResult<CourierView> {
    let state = cx.state();
    let staff = state.require_staff()?;
    let device_time = now();
    let view = blocking(&state.replica, move |r| {
        r.record_manual_courier(&staff.id, args.id, args.carrier, &args.tracking_no, device_time)?;
        r.courier_view(args.id)
    })
    .await?;
    state.engine.poke();
    Ok(view)
}

/// A courier order with its latest booking.
pub async fn courier_booking<R: Runtime>(cx: Cx<R>, args: OrderArgs) -> AppResult<CourierView> {
    blocking(&cx.state().replica, move |r| r.courier_view(args.id)).await
}

/// Hands the parcels over after checking the rider's code or the label.
pub async fn courier_hand_over<R: Runtime>(cx: Cx<R>, args: CourierHandOverArgs) -> AppResult<()> {
    let state = cx.state();
    let staff = state.require_staff()?;
    let device_time = now();
    blocking(&state.replica, move |r| r.hand_over_to_courier(&staff.id, args.id, args.check, device_time)).await?;
    state.engine.poke();
    Ok(())
}

/// Riders at the store, and those to announce now (each booking once).
pub async fn courier_rider_arrivals<R: Runtime>(cx: Cx<R>, _: NoArgs) -> AppResult<RiderArrivals> {
    let now = now().timestamp_millis();
    blocking(&cx.state().replica, move |r| r.rider_arrivals(now)).await
}
