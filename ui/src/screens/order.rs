//! One order: its lines and what can be done with it now. On a tablet in landscape the list
//! it was opened from stays on the left (another card switches the order in place).

use super::common::{order_resource, perform, ready_to_hand_over, RiderBanner, REASONS};
use crate::components::{use_device_rules, use_ticking_now, use_two_panes, OrderList, PromiseLine};
use crate::components::{Failed, Loading, StateBadge, TopBar};
use crate::i18n::{booking_status_text, channel_label, kind_label, method_label, K};
use crate::state::{Ctx, OrderFilter, Screen};
use leptos::prelude::*;
use shared::fulfillment::{FulfillmentKind, FulfillmentState};
use shared::protocol::Op;
use uuid::Uuid;

/// The order screen.
#[component]
pub fn OrderScreen(
    /// The fulfillment order shown.
    id: Uuid,
) -> impl IntoView {
    let ctx = Ctx::get();
    let detail = order_resource(id);
    let rejecting = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let tracking = RwSignal::new(String::new());
    let two_panes = use_two_panes();
    let list_filter = ctx.came_from_list().unwrap_or(OrderFilter::All);
    let rules = use_device_rules();
    let now = use_ticking_now();
    let act = move |op: Op, then: Option<Screen>| {
        leptos::task::spawn_local(async move {
            if perform(ctx, op).await {
                match then {
                    Some(s) => {
                        ctx.go(s);
                        ctx.ok_after_leaving(K::Saved);
                    }
                    None => ctx.ok(K::Saved),
                }
            }
        });
    };
    let body = move || match detail.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <Failed error=e retry=Callback::new(move |_| detail.refetch())/> }.into_any(),
        Some(Ok(d)) => {
            let fo = d.order.clone();
            let state = fo.state;
            let (channel, kind) = (fo.channel, fo.kind);
            let courier = fo.courier.clone();
            let can_reject =
                matches!(state, FulfillmentState::Routed | FulfillmentState::Accepted | FulfillmentState::Picking);
            let lines = fo.lines.iter().map(|l| {
                let sku = d.skus.iter().find(|s| s.code == l.sku_code).cloned();
                let picked = d.pick.iter().find(|p| p.line_no == l.line_no).map_or(0, |p| p.scanned);
                let picked = l.picked_qty.unwrap_or(picked);
                view! {
                    <li class="line" data-line-no=l.line_no>
                        <span class="name">{sku.as_ref().map(|s| s.name.clone()).unwrap_or_else(|| l.sku_code.clone())}</span>
                        <span class="sub">
                            {sku.as_ref().map(|s| format!("{} · {} · {}", s.colour, s.size, s.barcode))}
                            " · " {l.sku_code.clone()}
                        </span>
                        <span class="qty">{format!("{picked}/{}", l.qty)}</span>
                    </li>
                }
            }).collect_view();
            view! {
                <section class="card order-head">
                    <div class="row"><h2 id="order-no">{fo.channel_order_id.clone()}</h2><StateBadge state=state/></div>
                    <p class="sub">{move || channel_label(ctx.lang.get(), channel)} " · " {move || kind_label(ctx.lang.get(), kind)}</p>
                    <p>{move || ctx.t(K::Customer)} ": " {fo.customer_name.clone()} " ****" {fo.customer_phone_tail.clone()}</p>
                    <PromiseLine order=fo.clone() rules=rules now=now/>
                    {(d.pending_ops > 0).then(|| view! { <p class="pending-note" id="pending-note">{move || ctx.t(K::WaitingForSync)}</p> })}
                    {fo.flagged.then(|| view! { <p class="flag">{move || ctx.t(K::FlaggedLong)}</p> })}
                    {fo.reject_reason.clone().map(|r| view! { <p class="sub">{move || ctx.t(K::RejectReason)} ": " {r.clone()}</p> })}
                    {fo.tracking_no.clone().map(|t| view! { <p class="sub">{fo.carrier.clone().unwrap_or_default()} " " {t}</p> })}
                </section>
                <ul class="card lines">{lines}</ul>
                <section class="actions">
                    {(state == FulfillmentState::Routed).then(|| view! {
                        <button id="accept" class="btn primary big"
                            on:click=move |_| act(Op::AcceptFulfillment { fulfillment_order_id: id }, None)>
                            {move || ctx.t(K::Accept)}
                        </button>
                    })}
                    {(state == FulfillmentState::Accepted).then(|| view! {
                        <button id="start-pick" class="btn primary big"
                            on:click=move |_| act(Op::StartPick { fulfillment_order_id: id }, Some(Screen::Pick(id)))>
                            {move || ctx.t(K::StartPick)}
                        </button>
                    })}
                    {(state == FulfillmentState::Picking).then(|| view! {
                        <button id="continue-pick" class="btn primary big" on:click=move |_| ctx.go(Screen::Pick(id))>
                            {move || ctx.t(K::ContinuePick)}
                        </button>
                    })}
                    {(state == FulfillmentState::Packed && kind == FulfillmentKind::Pickup).then(|| view! {
                        <button id="mark-ready" class="btn primary big"
                            on:click=move |_| act(Op::MarkReady { fulfillment_order_id: id }, None)>
                            {move || ctx.t(K::MarkReady)}
                        </button>
                    })}
                    {(state == FulfillmentState::ReadyForPickup).then(|| view! {
                        <button id="hand-over" class="btn primary big" on:click=move |_| ctx.go(Screen::Handover(id))>
                            {move || ctx.t(K::HandOver)}
                        </button>
                    })}
                    // --- courier ---
                    {(state == FulfillmentState::Packed && kind != FulfillmentKind::Pickup).then(|| view! {
                        <button id="pack-parcels" class="btn primary big" on:click=move |_| ctx.go(Screen::Parcels(id))>
                            {move || ctx.t(K::PackIntoParcels)}
                        </button>
                    })}
                    {courier.clone().map(|b| {
                        let status = b.status;
                        let method = b.method;
                        let ready = ready_to_hand_over(state, &b);
                        view! {
                            <p id="order-booking" class="booking-line" data-status=status.as_str()>
                                {move || method_label(ctx.lang.get(), method)} " · "
                                <span class=format!("badge booking-{}", status.as_str())>{move || booking_status_text(ctx.lang.get(), status, method)}</span>
                            </p>
                            {ready.then(|| view! {
                                <button id="to-courier-handover" class="btn primary big" on:click=move |_| ctx.go(Screen::CourierHandover(id))>
                                    {move || ctx.t(K::HandToCourier)}
                                </button>
                            })}
                            <button id="view-booking" class="btn secondary big" on:click=move |_| ctx.go(Screen::Booking(id))>
                                {move || ctx.t(K::ViewBooking)}
                            </button>
                        }
                    })}
                    // An order an older app asked a courier for by name: its tracking number by hand.
                    {(state == FulfillmentState::AwaitingCourier && courier.is_none()).then(|| view! {
                        <form class="inline-form" on:submit=move |ev| {
                            ev.prevent_default();
                            let carrier_name = fo.carrier.clone().unwrap_or_default();
                            act(Op::RecordTracking { fulfillment_order_id: id, carrier: carrier_name, tracking_no: tracking.get_untracked() }, None);
                        }>
                            <input id="tracking-no" placeholder=move || ctx.t(K::TrackingNo) prop:value=move || tracking.get()
                                on:input=move |ev| tracking.set(event_target_value(&ev))/>
                            <button id="record-tracking" class="btn primary" disabled=move || tracking.get().trim().is_empty()>
                                {move || ctx.t(K::RecordTracking)}
                            </button>
                        </form>
                    })}
                    {can_reject.then(|| view! {
                        <button id="reject" class="btn danger" on:click=move |_| rejecting.set(true)>{move || ctx.t(K::Reject)}</button>
                    })}
                </section>
            }
            .into_any()
        }
    };
    view! {
        <TopBar title=K::OrderTitle/>
        <main class="screen" class:two-pane=move || two_panes.get()>
            {move || two_panes.get().then(|| view! {
                <section class="list-pane"><OrderList filter=list_filter selected=id/></section>
            })}
            <section class="detail-pane"><RiderBanner order=id/>{body}</section>
            <Show when=move || rejecting.get()>
                <div class="dialog" role="dialog" id="reject-dialog">
                    <h2>{move || ctx.t(K::RejectTitle)}</h2>
                    <div class="chips">
                        {REASONS.map(|r| view! {
                            <button class="chip" class:active=move || reason.get() == ctx.t(r)
                                on:click=move |_| reason.set(ctx.t(r).to_string())>{move || ctx.t(r)}</button>
                        })}
                    </div>
                    <input id="reject-reason" placeholder=move || ctx.t(K::ReasonPlaceholder) prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))/>
                    <div class="row">
                        <button class="btn secondary" on:click=move |_| rejecting.set(false)>{move || ctx.t(K::Cancel)}</button>
                        <button id="reject-confirm" class="btn danger" disabled=move || reason.get().trim().is_empty()
                            on:click=move |_| {
                                rejecting.set(false);
                                act(Op::RejectFulfillment { fulfillment_order_id: id, reason: reason.get_untracked() }, None);
                            }>
                            {move || ctx.t(K::Reject)}
                        </button>
                    </div>
                </div>
            </Show>
        </main>
    }
}
