//! The root: reads where the app stands, listens to sync events, and shows the screen.
//! It sits on top of the module graph: screens, components and state never call back here.

use crate::components::ToastLine;
use crate::ipc;
use crate::scan;
use crate::screens;
use crate::state::{Ctx, Screen};
use leptos::prelude::*;
use shared::app::command::SyncStatus;

/// The app.
#[component]
pub fn App() -> impl IntoView {
    let ctx = Ctx::new();
    provide_context(ctx);
    scan::install_wedge_listener(ctx);
    scan::install_camera_listener(ctx);
    // --- courier ---
    screens::common::watch_rider_arrivals(ctx);
    leptos::task::spawn_local(async move {
        ipc::listen::<SyncStatus>(move |view| {
            let synced = view.last_sync_ms != ctx.sync.get_untracked().last_sync_ms;
            ctx.sync.set(view);
            if synced {
                ctx.data_version.update(|v| *v += 1);
            }
        })
        .await;
        if let Some(s) = ctx.refresh_snapshot().await {
            ctx.reset_to(match (&s.enrollment, &s.staff) {
                (None, _) => Screen::Enroll,
                (Some(_), None) => Screen::Login,
                (Some(_), Some(_)) => Screen::Home,
            });
        }
    });
    Effect::new(move |_| {
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            if let Some(root) = doc.document_element() {
                let _ = root.set_attribute("lang", ctx.lang.get().tag());
            }
        }
    });
    view! {
        <div class="app" id="app" data-screen=move || screen_id(&ctx.screen.get())>
            {move || match ctx.screen.get() {
                Screen::Loading => view! { <crate::components::Loading/> }.into_any(),
                Screen::Enroll => view! { <screens::enroll::EnrollScreen/> }.into_any(),
                Screen::Login => view! { <screens::login::LoginScreen/> }.into_any(),
                Screen::Home => view! { <screens::home::HomeScreen/> }.into_any(),
                Screen::Orders(f) => view! { <screens::orders::OrdersScreen filter=f/> }.into_any(),
                Screen::Order(id) => view! { <screens::order::OrderScreen id=id/> }.into_any(),
                Screen::Pick(id) => view! { <screens::pick::PickScreen id=id/> }.into_any(),
                Screen::Pack(id) => view! { <screens::pack::PackScreen id=id/> }.into_any(),
                Screen::Handover(id) => view! { <screens::handover::HandoverScreen id=id/> }.into_any(),
                Screen::Inbox => view! { <screens::inbox::InboxScreen/> }.into_any(),
                Screen::Settings => view! { <screens::settings::SettingsScreen/> }.into_any(),
                Screen::Aisle => view! { <screens::aisle::AisleScreen/> }.into_any(),
                Screen::PlacedOrders => view! { <screens::aisle_orders::PlacedOrdersScreen/> }.into_any(),
                // --- returns ---
                Screen::Returns => view! { <screens::returns::ReturnsScreen/> }.into_any(),
                Screen::ReturnReceipt(id) => view! { <screens::return_receipt::ReturnReceiptScreen id=id/> }.into_any(),
                Screen::Exchange(id) => view! { <screens::return_receipt::ExchangeScreen id=id/> }.into_any(),
                // --- courier ---
                Screen::Parcels(id) => view! { <screens::parcels::ParcelsScreen id=id/> }.into_any(),
                Screen::Ship(id) => view! { <screens::ship::ShipScreen id=id/> }.into_any(),
                Screen::Booking(id) => view! { <screens::booking::BookingScreen id=id/> }.into_any(),
                Screen::CourierHandover(id) => view! { <screens::courier_handover::CourierHandoverScreen id=id/> }.into_any(),
                // --- print ---
                Screen::Print(target) => view! { <screens::print::PrintScreen target=target/> }.into_any(),
            }}
            <ToastLine/>
        </div>
    }
}

/// A stable name per screen (tests wait on it; CSS may use it).
pub fn screen_id(s: &Screen) -> &'static str {
    match s {
        Screen::Loading => "loading",
        Screen::Enroll => "enroll",
        Screen::Login => "login",
        Screen::Home => "home",
        Screen::Orders(_) => "orders",
        Screen::Order(_) => "order",
        Screen::Pick(_) => "pick",
        Screen::Pack(_) => "pack",
        Screen::Handover(_) => "handover",
        Screen::Inbox => "inbox",
        Screen::Settings => "settings",
        Screen::Aisle => "aisle",
        Screen::PlacedOrders => "placed-orders",
        // --- returns ---
        Screen::Returns => "returns",
        Screen::ReturnReceipt(_) => "return-receipt",
        Screen::Exchange(_) => "exchange",
        // --- courier ---
        Screen::Parcels(_) => "parcels",
        Screen::Ship(_) => "ship",
        Screen::Booking(_) => "booking",
        Screen::CourierHandover(_) => "courier-handover",
        // --- print ---
        Screen::Print(_) => "print",
    }
}
