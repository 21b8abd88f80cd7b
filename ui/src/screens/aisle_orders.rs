//! The endless-aisle orders this device placed: whether HQ confirmed or refused each (and
//! what to tell the customer), or that it is not confirmed yet; then HQ's status, where it
//! ships from and its tracking number. Refreshed from HQ on request, and in every sync.

use crate::components::{Empty, Failed, Loading, StateBadge, TopBar};
use crate::i18n::{aisle_delivery_text, inbox_code_text, order_status_label, time_text, K};
use crate::ipc;
use crate::state::{Ctx, Screen};
use leptos::prelude::*;
use shared::aisle::ShelfCheck;
use shared::app::aisle::{PlacedOrderArgs, PlacedOrderView, PlacedState};
use shared::app::command::{ListPlacedOrders, NoArgs, RefreshPlacedOrder};

/// The placed-orders screen.
#[component]
pub fn PlacedOrdersScreen() -> impl IntoView {
    let ctx = Ctx::get();
    let orders = LocalResource::new(move || {
        ctx.data_version.track();
        ipc::invoke::<ListPlacedOrders>(NoArgs {})
    });
    let refresh = move |order_id| {
        leptos::task::spawn_local(async move {
            match ipc::invoke::<RefreshPlacedOrder>(PlacedOrderArgs { order_id }).await {
                Ok(_) => orders.refetch(),
                Err(e) => ctx.error(&e),
            }
        });
    };
    let list = move || match orders.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <Failed error=e retry=Callback::new(move |_| orders.refetch())/> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! { <Empty text=K::PlacedOrdersEmpty/> }.into_any(),
        Some(Ok(list)) => view! {
            <ul class="order-list placed-list">
                {list.into_iter().map(|o| placed_card(ctx, o, refresh)).collect_view()}
            </ul>
        }
        .into_any(),
    };
    view! {
        <TopBar title=K::PlacedOrdersTitle/>
        <main class="screen">
            <button id="aisle-open" class="btn secondary" on:click=move |_| ctx.go(Screen::Aisle)>{move || ctx.t(K::AisleTitle)}</button>
            {list}
        </main>
    }
}

fn placed_card(ctx: Ctx, o: PlacedOrderView, refresh: impl Fn(uuid::Uuid) + Copy + 'static) -> impl IntoView {
    let id = o.order_id;
    let placed = o.placed_ms;
    let delivery = o.delivery.clone();
    let (state_id, badge) = match &o.state {
        PlacedState::Queued => ("queued", K::AisleNotConfirmed),
        PlacedState::Confirmed => ("confirmed", K::AisleConfirmed),
        PlacedState::Refused { .. } => ("refused", K::AisleRefused),
    };
    let lines = o
        .lines
        .iter()
        .map(|l| view! { <p>{l.name.clone()} " · " {l.colour.clone()} " · " {l.size.clone()} " × " {l.qty}</p> })
        .collect_view();
    let refusal = match &o.state {
        PlacedState::Refused { code, message } => {
            let code = code.clone();
            Some(view! {
                <p class="refusal"><strong>{move || inbox_code_text(ctx.lang.get(), &code)}</strong></p>
                <p class="sub">{message.clone()}</p>
                <p class="tell-customer">{move || ctx.t(K::AisleTellCustomerRefused)} " (" {o.payment_ref.clone()} ")"</p>
            })
        }
        _ => None,
    };
    let queued = (o.state == PlacedState::Queued).then(|| {
        let safe = o.shelf == ShelfCheck::WithinLease;
        view! {
            <p class="warn-note">{move || ctx.t(K::AisleNotConfirmedBody)}</p>
            {safe.then(|| view! { <p class="ok-note">{move || ctx.t(K::AisleShelfSafe)}</p> })}
        }
    });
    let status = o.status.clone().map(|s| {
        let order_status = s.status;
        let as_of = o.status_ms.unwrap_or(s.as_of.timestamp_millis());
        let unrouted = s.unrouted;
        let fulfillments = s
            .fulfillments
            .into_iter()
            .map(|f| {
                let tracking = f.tracking_no.clone().map(|t| format!("{} {t}", f.carrier.clone().unwrap_or_default()));
                view! {
                    <li class="ships-from" data-node=f.node_code.clone()>
                        <span>{move || ctx.t(K::AisleShipsFrom)} ": " <strong>{f.node_name.clone()}</strong></span>
                        <StateBadge state=f.state/>
                        {tracking.map(|t| view! { <span class="tracking">{move || ctx.t(K::TrackingNo)} ": " {t.clone()}</span> })}
                    </li>
                }
            })
            .collect_view();
        view! {
            <p class="sub">
                {move || ctx.t(K::AisleHqStatus)} ": " <strong class="order-status">{move || order_status_label(ctx.lang.get(), order_status)}</strong>
                " · " {move || time_text(as_of, ctx.lang.get())}
            </p>
            {(unrouted > 0).then(|| view! { <p class="warn-note">{move || ctx.t(K::AisleUnrouted)} " " {unrouted}</p> })}
            <ul class="fulfillments">{fulfillments}</ul>
        }
    });
    view! {
        <li class="card placed-card" data-order-id=id.to_string() data-state=state_id>
            <div class="row">
                <strong class="mono">{id.to_string()}</strong>
                <span class=format!("badge placed-state {state_id}")>{move || ctx.t(badge)}</span>
            </div>
            <p class="sub">
                {o.customer_name.clone()} " " {o.customer_phone.clone()} " · "
                {move || aisle_delivery_text(ctx.lang.get(), &delivery)} " · " {move || time_text(placed, ctx.lang.get())}
            </p>
            {lines}
            {refusal}
            {queued}
            {status}
            {(o.state == PlacedState::Confirmed).then(|| view! {
                <button class="btn" id=format!("refresh-{id}") on:click=move |_| refresh(id)>{move || ctx.t(K::AisleRefresh)}</button>
            })}
        </li>
    }
}
