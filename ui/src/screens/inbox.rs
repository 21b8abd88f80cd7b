//! The conflict inbox: actions the server refused and facts it flagged for HQ.

use crate::components::{Empty, Failed, Loading, TopBar};
use crate::i18n::{inbox_code_text, time_text, K};
use crate::ipc;
use crate::state::{Ctx, Screen};
use leptos::prelude::*;
use shared::app::command::{GetInbox, InboxItemArgs, ListPlacedOrders, MarkRead, NoArgs};

/// The inbox screen.
#[component]
pub fn InboxScreen() -> impl IntoView {
    let ctx = Ctx::get();
    let items = LocalResource::new(move || {
        ctx.data_version.track();
        ipc::invoke::<GetInbox>(NoArgs {})
    });
    // Endless-aisle orders this device placed, to say whose order HQ refused.
    let placed = LocalResource::new(move || {
        ctx.data_version.track();
        ipc::invoke::<ListPlacedOrders>(NoArgs {})
    });
    let mark_read = move |id: i64| {
        leptos::task::spawn_local(async move {
            match ipc::invoke::<MarkRead>(InboxItemArgs { id }).await {
                Ok(()) => items.refetch(),
                Err(e) => ctx.error(&e),
            }
        });
    };
    let list = move || {
        match items.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <Failed error=e retry=Callback::new(move |_| items.refetch())/> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! { <Empty text=K::InboxEmpty/> }.into_any(),
        Some(Ok(list)) => view! {
            <ul class="inbox-list">
                {list.into_iter().map(|item| {
                    let id = item.id;
                    let order = item.fulfillment_order_id.as_deref().and_then(|s| uuid::Uuid::parse_str(s).ok());
                    let conflict = item.status == "conflict";
                    let code = item.code.clone();
                    let created = item.created_ms;
                    let resolved = item.resolved_ms;
                    let note = item.resolution_note.clone().unwrap_or_default();
                    // An endless-aisle order HQ refused: what to tell the customer.
                    let placed_order = item.kind == "PlaceOrder";
                    let op_id = item.op_id.clone();
                    let whose = move || {
                        let list = placed.get().and_then(|r| r.ok()).unwrap_or_default();
                        list.into_iter().find(|o| o.op_id.to_string() == op_id).map(|o| {
                            format!("{} {} · {}: {}", o.customer_name, o.customer_phone, ctx.t(K::AislePaymentRef), o.payment_ref)
                        })
                    };
                    view! {
                        <li class="card inbox-item" class:unread=!item.read data-inbox-id=id>
                            <div class="row">
                                <span class="badges">
                                    <span class=if conflict { "badge conflict" } else { "badge rejected" }>
                                        {move || if conflict { ctx.t(K::Conflict) } else { ctx.t(K::Refused) }}
                                    </span>
                                    {resolved.map(|_| view! { <span class="badge resolved">{move || ctx.t(K::Resolved)}</span> })}
                                </span>
                                <span class="sub">{move || time_text(created, ctx.lang.get())}</span>
                            </div>
                            <p><strong>{move || inbox_code_text(ctx.lang.get(), &code)}</strong></p>
                            <p class="sub">{item.message.clone()}</p>
                            {resolved.map(|at| view! {
                                <p class="resolution">
                                    <strong>{move || ctx.t(K::ResolutionNote)}</strong>
                                    " · " {move || time_text(at, ctx.lang.get())} ": " {note.clone()}
                                </p>
                            })}
                            {placed_order.then(|| view! {
                                <p class="tell-customer">
                                    {move || ctx.t(K::AisleTellCustomerRefused)}
                                    {move || whose().map(|w| view! { <br/><strong class="whose">{w}</strong> })}
                                </p>
                            })}
                            <div class="row">
                                {placed_order.then(|| view! {
                                    <button class="btn secondary open-placed" on:click=move |_| ctx.go(Screen::PlacedOrders)>{move || ctx.t(K::PlacedOrdersTitle)}</button>
                                })}
                                {order.map(|o| view! {
                                    <button class="btn secondary" on:click=move |_| ctx.go(Screen::Order(o))>{move || ctx.t(K::OpenOrder)}</button>
                                })}
                                {(!item.read).then(|| view! {
                                    <button class="btn" id=format!("mark-read-{id}") on:click=move |_| mark_read(id)>{move || ctx.t(K::MarkRead)}</button>
                                })}
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any(),
    }
    };
    view! {
        <TopBar title=K::InboxTitle/>
        <main class="screen">{list}</main>
    }
}
