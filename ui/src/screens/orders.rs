//! Order lists by what they wait for.

use crate::components::{Empty, Failed, Loading, StateBadge, TopBar};
use crate::i18n::{channel_label, kind_label, time_text, K};
use crate::ipc;
use crate::state::{Ctx, OrderFilter, Screen};
use leptos::prelude::*;
use shared::app::command::{ListOrders, OrderListArgs};

/// The order list.
#[component]
pub fn OrdersScreen(
    /// Which orders the list shows; the chips switch to another filter.
    filter: OrderFilter,
) -> impl IntoView {
    let ctx = Ctx::get();
    let orders = LocalResource::new(move || {
        ctx.data_version.track();
        ipc::invoke::<ListOrders>(OrderListArgs { states: filter.states() })
    });
    let chips = OrderFilter::ALL.map(|f| {
        view! {
            <button id=format!("filter-{}", f.id()) class="chip" class:active=move || f == filter
                on:click=move |_| ctx.screen.set(Screen::Orders(f))>
                {move || ctx.t(f.label())}
            </button>
        }
    });
    let list = move || {
        match orders.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <Failed error=e retry=Callback::new(move |_| orders.refetch())/> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! { <Empty text=K::NoOrders/> }.into_any(),
        Some(Ok(list)) => view! {
            <ul class="order-list">
                {list.into_iter().map(|fo| {
                    let id = fo.id;
                    let units: i64 = fo.lines.iter().map(|l| l.qty).sum();
                    let created = fo.created_at.timestamp_millis();
                    let (channel, kind) = (fo.channel, fo.kind);
                    view! {
                        <li>
                            <button class="order-card" data-order-id=id.to_string() data-order-no=fo.channel_order_id.clone() on:click=move |_| ctx.go(Screen::Order(id))>
                                <span class="row">
                                    <strong class="order-no">{fo.channel_order_id.clone()}</strong>
                                    <StateBadge state=fo.state/>
                                </span>
                                <span class="row sub">
                                    <span>{move || channel_label(ctx.lang.get(), channel)} " · " {move || kind_label(ctx.lang.get(), kind)}</span>
                                    <span>{units} " " {move || ctx.t(K::Units)}</span>
                                </span>
                                <span class="row sub">
                                    <span>{fo.customer_name.clone()} " ****" {fo.customer_phone_tail.clone()}</span>
                                    <span>{move || time_text(created, ctx.lang.get())}</span>
                                </span>
                                {fo.flagged.then(|| view! { <span class="flag">{move || ctx.t(K::Flagged)}</span> })}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any(),
    }
    };
    view! {
        <TopBar title=K::OrdersTitle/>
        <main class="screen">
            <nav class="chips">{chips}</nav>
            {list}
        </main>
    }
}
