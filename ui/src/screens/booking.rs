//! The courier booking of an order, live (synced data arrives by the server's poke): its
//! status, the platform, the fee and tip, the rider with a tap-to-call phone, the ETA and
//! distance; for express the waybills and their labels to print. A queued booking says
//! HQ books it when the device syncs; a booking in trouble says what happened and what to
//! do next. From here the parcels are handed to the rider or courier.

use super::common::{ready_to_hand_over, RiderBanner};
use crate::components::{Empty, Failed, Loading, StateBadge, TopBar};
use crate::i18n::{
    booking_problem_text, booking_status_text, method_label, platform_label, service_label, time_text, K,
};
use crate::ipc;
use crate::state::{Ctx, Screen};
use leptos::prelude::*;
use shared::app::command::{GetCourier, OrderArgs};
use shared::app::courier::CourierView;
use shared::app::ErrorView;
use shared::courier::{BookingProblem, BookingStatus, CourierBooking, CourierMethod};
use shared::fulfillment::FulfillmentState;
use uuid::Uuid;

/// The booking screen.
#[component]
pub fn BookingScreen(
    /// The fulfillment order.
    id: Uuid,
) -> impl IntoView {
    let ctx = Ctx::get();
    let got = RwSignal::new(None::<Result<CourierView, ErrorView>>);
    Effect::new(move |_| {
        ctx.data_version.track();
        leptos::task::spawn_local(async move {
            got.try_set(Some(ipc::invoke::<GetCourier>(OrderArgs { id }).await));
        });
    });
    let body = move || match got.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => {
            view! { <Failed error=e retry=Callback::new(move |_| ctx.data_version.update(|v| *v += 1))/> }.into_any()
        }
        Some(Ok(v)) => {
            let fo = v.order.clone();
            let head = view! {
                <section class="card">
                    <div class="row"><h2 id="order-no">{fo.channel_order_id.clone()}</h2><StateBadge state=fo.state/></div>
                    <p class="sub">{fo.customer_name.clone()} " ****" {fo.customer_phone_tail.clone()}</p>
                </section>
            };
            let Some(b) = fo.courier.clone() else {
                let packed = fo.state == FulfillmentState::Packed;
                return view! {
                    {head}
                    <Empty text=K::NoCourierYet/>
                    {packed.then(|| view! {
                        <button id="choose-method" class="btn primary big" on:click=move |_| ctx.go(Screen::Ship(id))>
                            {move || ctx.t(K::ShipTitle)}
                        </button>
                    })}
                }
                .into_any();
            };
            booking_view(ctx, id, fo.state, b, v.pending_ops, head).into_any()
        }
    };
    view! {
        <TopBar title=K::BookingTitle/>
        <main class="screen narrow courier">
            <RiderBanner order=id/>
            {body}
        </main>
    }
}

fn booking_view(
    ctx: Ctx,
    id: Uuid,
    state: FulfillmentState,
    b: CourierBooking,
    pending_ops: u64,
    head: impl IntoView + 'static,
) -> impl IntoView {
    let status = b.status;
    let method = b.method;
    let service = b.service;
    let can_hand_over = ready_to_hand_over(state, &b);
    // Asking again is possible once the booking ended and the parcels are at the store.
    let can_ask_again = matches!(state, FulfillmentState::Packed | FulfillmentState::AwaitingCourier)
        && shared::app::courier::may_ask_again(&b);
    let queued_here = status == BookingStatus::Queued && pending_ops > 0;
    let queued_at_hq = status == BookingStatus::Queued && pending_ops == 0 && b.problem.is_none();
    let problem = b.problem.map(|p| {
        let detail = b.problem_detail.clone();
        let code = p.as_str();
        let working = matches!(p, BookingProblem::RiderCancelled | BookingProblem::NoRiderYet);
        view! {
            <section id="booking-problem" class="card problem" class:working=working data-problem=code>
                <strong>{move || booking_problem_text(ctx.lang.get(), p).0}</strong>
                <p class="next-step">{move || booking_problem_text(ctx.lang.get(), p).1}</p>
                {detail.map(|d| view! { <p class="sub platform-words">"“" {d} "”"</p> })}
            </section>
        }
    });
    let facts = {
        let platform = (!b.platform.is_empty()).then(|| b.platform.clone());
        let fee = (!b.fee.is_zero()).then_some(b.fee);
        let tip = b.tip;
        let eta = b.eta.map(|t| t.timestamp_millis());
        let distance = b.distance_m;
        let order_no = b.platform_order_no.clone();
        let attempt = b.attempt;
        let any = platform.is_some() || fee.is_some() || eta.is_some() || distance.is_some() || attempt > 1;
        any.then(|| view! {
            <dl class="card facts" id="booking-facts">
                <dt>{move || ctx.t(K::CourierPlatform)}</dt>
                <dd id="booking-platform">
                    {move || platform.as_deref().map(|p| platform_label(ctx.lang.get(), p)).unwrap_or_else(|| "—".into())}
                    {(attempt > 1).then_some(move || match ctx.lang.get() {
                        crate::i18n::Lang::Zh => format!(" · 第 {attempt} 次派单"),
                        crate::i18n::Lang::En => format!(" · attempt {attempt}"),
                    })}
                </dd>
                {order_no.map(|n| view! { <dt>{move || ctx.t(K::PlatformOrderNo)}</dt><dd class="mono">{n}</dd> })}
                {fee.map(|f| view! {
                    <dt>{move || ctx.t(K::CourierFee)}</dt>
                    <dd id="booking-fee">{f.to_string()}
                        {(!tip.is_zero()).then(|| view! { " + " {move || ctx.t(K::CourierTip)} " " {tip.to_string()} })}
                    </dd>
                })}
                {distance.map(|m| view! {
                    <dt>{move || ctx.t(K::CourierDistance)}</dt>
                    <dd id="booking-distance">{format!("{:.1} km", f64::from(m) / 1000.0)}</dd>
                })}
                {eta.map(|t| view! {
                    <dt>{move || ctx.t(if method == CourierMethod::SameCity { K::CourierEtaStore } else { K::CourierEtaDelivery })}</dt>
                    <dd id="booking-eta">{move || time_text(t, ctx.lang.get())}</dd>
                })}
            </dl>
        })
    };
    let rider = b.rider.clone().map(|r| {
        let tel = format!("tel:{}", r.phone.replace(' ', ""));
        view! {
            <section class="card rider" id="rider">
                <div class="row">
                    <strong id="rider-name">{move || ctx.t(K::Rider)} " " {r.name.clone()}</strong>
                    <a id="rider-phone" class="btn secondary" href=tel>{move || ctx.t(K::CallRider)} " " {r.phone.clone()}</a>
                </div>
                <p class="hint">{move || ctx.t(K::RiderCodeHint)}</p>
            </section>
        }
    });
    let labels = (method == CourierMethod::Express && !b.parcels.is_empty()).then(|| {
        let has_labels = !b.labels.is_empty();
        let rows = b
            .parcels
            .iter()
            .map(|p| {
                let n = p.parcel_no;
                let waybill = p.waybill_no.clone();
                let printable = b.labels.iter().any(|l| l.parcel_no == n);
                view! {
                    <li class="waybill" data-parcel-no=n>
                        <span>{move || ctx.t(K::Parcel)} " " {n} " · " {p.weight_g} " g"</span>
                        <span class="mono">{waybill.unwrap_or_else(|| "—".into())}</span>
                        {printable.then(|| view! {
                            <button class="btn secondary print-label" id=format!("print-label-{n}")
                                on:click=move |_| ctx.go(Screen::Print(shared::print::PrintTarget::Label { fulfillment_order_id: id, parcel_no: n }))>
                                {move || ctx.t(K::PrintLabel)}
                            </button>
                        })}
                    </li>
                }
            })
            .collect_view();
        view! {
            <section class="card" id="waybills">
                <h2>{move || ctx.t(K::Waybills)} " · " {move || service_label(ctx.lang.get(), service)}</h2>
                <ul class="waybills">{rows}</ul>
                {has_labels.then(|| view! {
                    <button id="print-packing-slip" class="btn secondary"
                        on:click=move |_| ctx.go(Screen::Print(shared::print::PrintTarget::PackingSlip { fulfillment_order_id: id }))>
                        {move || ctx.t(K::PrintPackingSlip)}
                    </button>
                })}
            </section>
        }
    });
    view! {
        {head}
        <section class="card booking-head">
            <div class="row">
                <span class="sub">{move || method_label(ctx.lang.get(), method)}
                    {(method == CourierMethod::Express).then_some(move || format!(" · {}", service_label(ctx.lang.get(), service)))}
                </span>
                <span id="booking-status" class=format!("badge booking-{}", status.as_str()) data-status=status.as_str()>
                    {move || booking_status_text(ctx.lang.get(), status, method)}
                </span>
            </div>
            {queued_here.then(|| view! {
                <p id="booking-queued" class="pending-note">{move || ctx.t(K::BookingQueued)}</p>
            })}
            {queued_at_hq.then(|| view! {
                <p id="booking-at-hq" class="pending-note">{move || ctx.t(K::BookingAtHq)}</p>
            })}
            {matches!(state, FulfillmentState::Dispatched | FulfillmentState::Delivered).then(|| view! {
                <p id="booking-done" class="ok-text">{move || ctx.t(K::BookingDone)}</p>
            })}
        </section>
        {problem}
        {rider}
        {facts}
        {labels}
        <section class="actions">
            {can_hand_over.then(|| view! {
                <button id="to-courier-handover" class="btn primary big" on:click=move |_| ctx.go(Screen::CourierHandover(id))>
                    {move || ctx.t(K::HandToCourier)}
                </button>
            })}
            {can_ask_again.then(|| view! {
                <button id="ask-again" class="btn secondary big" on:click=move |_| ctx.go(Screen::Ship(id))>
                    {move || ctx.t(K::AskAgain)}
                </button>
            })}
        </section>
    }
}
