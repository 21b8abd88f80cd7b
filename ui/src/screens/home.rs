//! Home: what is waiting for the store, and the way to everything else.

use crate::components::{Failed, TopBar};
use crate::i18n::K;
use crate::ipc;
use crate::scan::on_scan;
use crate::state::{Ctx, OrderFilter, Screen};
use leptos::prelude::*;
use shared::app::command::{GetHome, NoArgs};
use shared::app::{ErrorCode, ErrorView};
use shared::scan::{classify, ScanInput};

/// The home screen.
#[component]
pub fn HomeScreen() -> impl IntoView {
    let ctx = Ctx::get();
    let home = LocalResource::new(move || {
        ctx.data_version.track();
        ipc::invoke::<GetHome>(NoArgs {})
    });
    // A customer's pickup QR scanned from anywhere on home opens the hand-over.
    on_scan(move |text| match classify(&text) {
        ScanInput::PickupQr { fulfillment_order_id, .. } => ctx.go(Screen::Handover(fulfillment_order_id)),
        _ => ctx.error(&ErrorView::new(ErrorCode::ScanOnHome, text)),
    });
    let tile = move |id: &'static str, label: K, count: Option<u64>, to: Screen, urgent: bool| {
        view! {
            <button id=id class="tile" class:urgent=move || { urgent && count.unwrap_or(0) > 0 } on:click=move |_| ctx.go(to.clone())>
                <span class="count">{count.map(|c| c.to_string()).unwrap_or_default()}</span>
                <span class="label">{move || ctx.t(label)}</span>
            </button>
        }
    };
    let tiles = move || {
        match home.get() {
        None => view! { <crate::components::Loading/> }.into_any(),
        Some(Err(e)) => view! { <Failed error=e retry=Callback::new(move |_| home.refetch())/> }.into_any(),
        Some(Ok(h)) => view! {
            <div class="tiles">
                {tile("tile-to-accept", K::FilterToAccept, Some(h.counts.to_accept), Screen::Orders(OrderFilter::ToAccept), true)}
                {tile("tile-to-pick", K::FilterToPick, Some(h.counts.to_pick), Screen::Orders(OrderFilter::ToPick), true)}
                {tile("tile-ready", K::FilterReady, Some(h.counts.ready_for_pickup), Screen::Orders(OrderFilter::Ready), false)}
                {tile("tile-courier", K::FilterCourier, Some(h.counts.awaiting_courier), Screen::Orders(OrderFilter::Courier), false)}
                {tile("tile-returns", K::ReturnsTitle, None, Screen::Returns, false)}
                {tile("tile-aisle", K::AisleTitle, None, Screen::Aisle, false)}
                {tile("tile-inbox", K::InboxTitle, Some(h.unread_inbox), Screen::Inbox, true)}
                {tile("tile-all", K::FilterAll, None, Screen::Orders(OrderFilter::All), false)}
                {tile("tile-settings", K::SettingsTitle, None, Screen::Settings, false)}
            </div>
        }
        .into_any(),
    }
    };
    view! {
        <TopBar title=K::HomeTitle/>
        <main class="screen">
            <p class="lead" id="greeting">
                {move || ctx.t(K::Hello)} " " {move || ctx.staff_name().unwrap_or_default()}
            </p>
            {tiles}
            <p class="hint">{move || ctx.t(K::HomeScanHint)}</p>
        </main>
    }
}
