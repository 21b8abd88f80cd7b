//! Packing: the associate checks the picked units into one bag labelled with the order
//! number; confirming records the pick (every unit scanned) with the server.

use super::common::{order_resource, perform};
use crate::components::{Failed, Loading, TopBar};
use crate::i18n::K;
use crate::state::{Ctx, Screen};
use leptos::prelude::*;
use shared::pick::{is_complete, picked_lines};
use shared::protocol::Op;
use uuid::Uuid;

/// The pack screen.
#[component]
pub fn PackScreen(
    /// The fulfillment order being packed.
    id: Uuid,
) -> impl IntoView {
    let ctx = Ctx::get();
    let detail = order_resource(id);
    let bagged = RwSignal::new(false);
    let labelled = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let body = move || match detail.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <Failed error=e retry=Callback::new(move |_| detail.refetch())/> }.into_any(),
        Some(Ok(d)) => {
            let complete = is_complete(&d.pick);
            let units: i64 = d.pick.iter().map(|l| l.scanned).sum();
            let lines = picked_lines(&d.pick);
            let order_no = d.order.channel_order_id.clone();
            let confirm = move |_| {
                busy.set(true);
                let op = Op::ConfirmPick { fulfillment_order_id: id, lines: lines.clone(), shortage_reason: None };
                leptos::task::spawn_local(async move {
                    if perform(ctx, op).await {
                        ctx.reset_to(Screen::Home);
                        ctx.go(Screen::Order(id));
                        ctx.ok_after_leaving(K::Packed);
                    }
                    busy.set(false);
                });
            };
            view! {
                <section class="card">
                    <h2>{order_no.clone()}</h2>
                    <p id="pack-units" class="big-count">{units} " " {move || ctx.t(K::Units)}</p>
                    {(!complete).then(|| view! { <p class="flag">{move || ctx.t(K::PickNotComplete)}</p> })}
                    <label class="check">
                        <input id="check-bagged" type="checkbox" prop:checked=move || bagged.get()
                            on:change=move |ev| bagged.set(event_target_checked(&ev))/>
                        {move || ctx.t(K::PackBagged)}
                    </label>
                    <label class="check">
                        <input id="check-labelled" type="checkbox" prop:checked=move || labelled.get()
                            on:change=move |ev| labelled.set(event_target_checked(&ev))/>
                        {move || ctx.t(K::PackLabelled)} " " <strong>{order_no.clone()}</strong>
                    </label>
                </section>
                <section class="actions">
                    <button id="confirm-pack" class="btn primary big"
                        disabled=move || !complete || !bagged.get() || !labelled.get() || busy.get()
                        on:click=confirm>
                        {move || ctx.t(K::ConfirmPacked)}
                    </button>
                </section>
            }
            .into_any()
        }
    };
    view! {
        <TopBar title=K::PackTitle/>
        <main class="screen narrow">{body}</main>
    }
}
