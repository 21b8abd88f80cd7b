//! The command router: an invoke is served by the handler written for the
//! [`Command`] of that name, which takes the command's `Args` and answers its `Answer`.
//! The names, arguments and answers are declared once in [`shared::app::command`], so a
//! rename there or a handler of the wrong shape is a compile error, here or in the UI.

use crate::commands::{self, aisle, camera, courier, orders, print, returns, Cx};
use crate::error::AppResult;
use shared::app::command::{self as cmd, Command};
use std::future::Future;
use tauri::ipc::{Invoke, InvokeBody, InvokeError};
use tauri::{Manager, Runtime};

macro_rules! routes {
    ($($command:ty => $handler:path,)*) => {
        /// Serves `invoke` if it names one of the app's commands.
        fn route<R: Runtime>(invoke: Invoke<R>) -> bool {
            let name = invoke.message.command();
            $(
                if name == <$command as Command>::NAME {
                    serve::<R, $command, _, _>(invoke, $handler);
                    return true;
                }
            )*
            false
        }

        /// The names [`route`] serves.
        #[cfg(test)]
        const ROUTED: &[&str] = &[$(<$command as Command>::NAME),*];
    };
}

routes! {
    cmd::GetAppState => commands::app_state,
    cmd::Enroll => commands::enroll,
    cmd::ListStaff => commands::staff_members,
    cmd::Login => commands::login,
    cmd::Logout => commands::logout,
    cmd::GetHome => commands::home,
    cmd::GetInbox => commands::inbox,
    cmd::MarkRead => commands::mark_read,
    cmd::SyncNow => commands::sync_now,
    cmd::SetLanguage => commands::set_language,
    cmd::GetDiagnostics => commands::diagnostics,
    cmd::ListOrders => orders::fulfillment_orders,
    cmd::GetOrderDetail => orders::order_detail,
    cmd::Perform => orders::perform,
    cmd::ScanForPick => orders::scan_for_pick,
    cmd::ResetPick => orders::reset_pick,
    cmd::HandOverWithIdCheck => orders::hand_over_with_id_check,
    cmd::CameraStart => camera::camera_start,
    cmd::CameraStop => camera::camera_stop,
    // --- returns ---
    cmd::LookupOrder => returns::lookup_order,
    cmd::PreviewReturn => returns::preview_return,
    cmd::AcceptReturn => returns::accept_return,
    cmd::ListReturns => returns::returns,
    cmd::GetReturn => returns::return_record,
    cmd::ReturnItem => returns::return_item,
    cmd::Exchange => returns::exchange,
    // --- polish ---
    cmd::GetDeviceRules => orders::device_rules,
    // --- aisle ---
    cmd::SearchStyles => aisle::aisle_search,
    cmd::GetStyleGrid => aisle::aisle_grid,
    cmd::GetStyleAvailability => aisle::aisle_availability,
    cmd::PlaceAisleOrder => aisle::aisle_place_order,
    cmd::ListPlacedOrders => aisle::aisle_placed_orders,
    cmd::RefreshPlacedOrder => aisle::aisle_refresh_placed_order,
    // --- print ---
    cmd::GetPrinter => print::printer_settings,
    cmd::SetPrinter => print::set_printer,
    cmd::PrintThermal => print::print_thermal,
    // --- courier ---
    cmd::GetPacking => courier::courier_packing,
    cmd::PackScan => courier::courier_pack_scan,
    cmd::PackPut => courier::courier_pack_put,
    cmd::AddParcel => courier::courier_add_parcel,
    cmd::RemoveParcel => courier::courier_remove_parcel,
    cmd::SetParcelWeight => courier::courier_parcel_weight,
    cmd::RequestCourier => courier::courier_request,
    cmd::RecordManualCourier => courier::courier_manual,
    cmd::GetCourier => courier::courier_booking,
    cmd::HandOverToCourier => courier::courier_hand_over,
    cmd::GetRiderArrivals => courier::courier_rider_arrivals,
}

/// The invoke handler for [`tauri::Builder::invoke_handler`].
pub fn handler<R: Runtime>() -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    route::<R>
}

/// Decodes `C`'s arguments from the invoke, runs its handler on the async runtime and
/// answers with its result: the answer, or the error the UI translates. Arguments that do
/// not decode are refused with a message naming the command, as Tauri's own commands do.
fn serve<R, C, F, Fut>(invoke: Invoke<R>, handler: F)
where
    R: Runtime,
    C: Command,
    F: FnOnce(Cx<R>, C::Args) -> Fut,
    Fut: Future<Output = AppResult<C::Answer>> + Send + 'static,
{
    let Invoke { message, resolver, .. } = invoke;
    let args = match message.payload() {
        InvokeBody::Json(value) => serde_json::from_value::<C::Args>(value.clone()).map_err(|e| e.to_string()),
        InvokeBody::Raw(_) => Err("expected a JSON object of arguments, got bytes".to_string()),
    };
    let args = match args {
        Ok(args) => args,
        Err(e) => return resolver.reject(format!("invalid args for command {}: {e}", C::NAME)),
    };
    let running = handler(Cx::new(message.webview_ref().app_handle().clone()), args);
    resolver.respond_async(async move { running.await.map_err(InvokeError::from) });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declared_command_is_routed_once() {
        let mut routed = ROUTED.to_vec();
        let mut declared = cmd::ALL.to_vec();
        routed.sort_unstable();
        declared.sort_unstable();
        assert_eq!(routed, declared);
    }
}
