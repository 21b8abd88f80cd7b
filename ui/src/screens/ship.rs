//! Choosing how a packed order leaves: an express waybill (标快 or 特快) or a same-city
//! rider booked by HQ (the rider only where HQ offers it for this customer), or a carrier
//! the associate booked by hand with its tracking number checked against the carrier's
//! format. Asking works offline: the request is queued and HQ books it when the device syncs.

use crate::components::{Failed, Loading, StateBadge, TopBar};
use crate::i18n::{carrier_label, parcel_problem_text, service_label, K};
use crate::ipc;
use crate::state::{Ctx, Screen};
use leptos::prelude::*;
use shared::app::command::{GetPacking, OrderArgs, RecordManualCourier, RequestCourier};
use shared::app::courier::{ManualCourierArgs, PackingView, RequestCourierArgs};
use shared::app::ErrorView;
use shared::courier::{check_parcels, CourierMethod, ExpressService, KnownCarrier};
use uuid::Uuid;

/// The choose-method screen.
#[component]
pub fn ShipScreen(
    /// The packed fulfillment order.
    id: Uuid,
) -> impl IntoView {
    let ctx = Ctx::get();
    let packing = RwSignal::new(None::<Result<PackingView, ErrorView>>);
    let method = RwSignal::new(None::<CourierMethod>);
    let service = RwSignal::new(ExpressService::Standard);
    let carrier = RwSignal::new(None::<KnownCarrier>);
    let tracking = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<ErrorView>);
    Effect::new(move |_| {
        ctx.data_version.track();
        leptos::task::spawn_local(async move {
            packing.try_set(Some(ipc::invoke::<GetPacking>(OrderArgs { id }).await));
        });
    });
    let request = move |m: CourierMethod| {
        busy.set(true);
        let args = RequestCourierArgs { id, method: m, service: service.get_untracked() };
        leptos::task::spawn_local(async move {
            match ipc::invoke::<RequestCourier>(args).await {
                Ok(_) => {
                    ctx.data_version.update(|v| *v += 1);
                    ctx.reset_to(Screen::Home);
                    ctx.go(Screen::Order(id));
                    ctx.go(Screen::Booking(id));
                    ctx.ok_after_leaving(K::CourierRequested);
                }
                Err(e) => {
                    problem.set(Some(e.clone()));
                    ctx.error(&e);
                }
            }
            busy.set(false);
        });
    };
    let tracking_check = move || carrier.get().map(|c| c.check_tracking_no(&tracking.get()));
    let record_manual = move || {
        let Some(c) = carrier.get_untracked() else { return };
        busy.set(true);
        let args = ManualCourierArgs { id, carrier: c, tracking_no: tracking.get_untracked() };
        leptos::task::spawn_local(async move {
            match ipc::invoke::<RecordManualCourier>(args).await {
                Ok(_) => {
                    ctx.data_version.update(|v| *v += 1);
                    ctx.reset_to(Screen::Home);
                    ctx.ok_after_leaving(K::HandedToCourier);
                }
                Err(e) => {
                    problem.set(Some(e.clone()));
                    ctx.error(&e);
                }
            }
            busy.set(false);
        });
    };
    let method_button = move |m: CourierMethod, title: K, hint: K, enabled: bool| {
        view! {
            <button class="method-card" id=format!("method-{}", m.as_str()) class:active=move || method.get() == Some(m)
                disabled=!enabled on:click=move |_| method.set(Some(m))>
                <strong>{move || ctx.t(title)}</strong>
                <span class="sub">{move || ctx.t(if enabled { hint } else { K::SameCityNotOffered })}</span>
            </button>
        }
    };
    let body = move || match packing.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => {
            view! { <Failed error=e retry=Callback::new(move |_| ctx.data_version.update(|v| *v += 1))/> }.into_any()
        }
        Some(Ok(v)) => {
            let parcel_problem = check_parcels(&v.picked(), &v.parcels).err();
            let packed_ok = parcel_problem.is_none();
            let offered = v.order.same_city_offered;
            let weights: Vec<String> = v.parcels.iter().map(|p| format!("{} g", p.weight_g)).collect();
            view! {
                <section class="card">
                    <div class="row"><h2>{v.order.channel_order_id.clone()}</h2><StateBadge state=v.order.state/></div>
                    <p id="ship-parcels">{v.parcels.len()} " " {move || ctx.t(K::Parcels)} " · " {weights.join(" / ")}</p>
                    {parcel_problem.map(|p| view! {
                        <p id="parcel-problem" class="flag">{move || parcel_problem_text(ctx.lang.get(), &p)}</p>
                    })}
                    <button id="change-packing" class="btn secondary" on:click=move |_| ctx.go(Screen::Parcels(id))>
                        {move || ctx.t(K::ChangePacking)}
                    </button>
                </section>
                <section class="methods" class:disabled=!packed_ok>
                    {method_button(CourierMethod::Express, K::MethodExpress, K::MethodExpressHint, packed_ok)}
                    {method_button(CourierMethod::SameCity, K::MethodSameCity, K::MethodSameCityHint, packed_ok && offered)}
                    {method_button(CourierMethod::Manual, K::MethodManual, K::MethodManualHint, packed_ok)}
                </section>
                <p class="hint">{move || ctx.t(K::ShipOfflineHint)}</p>
            }
            .into_any()
        }
    };
    let chosen = move || {
        match method.get() {
        None => ().into_any(),
        Some(CourierMethod::Express) => view! {
            <section class="card" id="express-form">
                <div class="chips">
                    {[ExpressService::Standard, ExpressService::Priority].map(|s| view! {
                        <button class="chip" id=format!("service-{}", s.as_str()) class:active=move || service.get() == s
                            on:click=move |_| service.set(s)>{move || service_label(ctx.lang.get(), s)}</button>
                    })}
                </div>
                <button id="request-courier" class="btn primary big" disabled=move || busy.get()
                    on:click=move |_| request(CourierMethod::Express)>{move || ctx.t(K::RequestExpress)}</button>
            </section>
        }
        .into_any(),
        Some(CourierMethod::SameCity) => view! {
            <section class="card" id="same-city-form">
                <button id="request-rider" class="btn primary big" disabled=move || busy.get()
                    on:click=move |_| request(CourierMethod::SameCity)>{move || ctx.t(K::RequestRider)}</button>
            </section>
        }
        .into_any(),
        Some(CourierMethod::Manual) => view! {
            <section class="card" id="manual-form">
                <form class="form" on:submit=move |ev| { ev.prevent_default(); record_manual(); }>
                    <label for="carrier">{move || ctx.t(K::ChooseCarrier)}</label>
                    <select id="carrier" on:change=move |ev| carrier.set(KnownCarrier::parse(&event_target_value(&ev)))>
                        <option value="">{move || ctx.t(K::ChooseCarrier)}</option>
                        {KnownCarrier::all().iter().map(|c| view! {
                            <option value=c.as_str() selected=move || carrier.get() == Some(*c)>
                                {move || carrier_label(ctx.lang.get(), *c)}
                            </option>
                        }).collect_view()}
                    </select>
                    <label for="tracking-no">{move || ctx.t(K::TrackingNo)}</label>
                    <input id="tracking-no" type="text" autocomplete="off" placeholder=move || ctx.t(K::TrackingNoPlaceholder)
                        prop:value=move || tracking.get() on:input=move |ev| tracking.set(event_target_value(&ev))/>
                    {move || match tracking_check() {
                        Some(Err(_)) if !tracking.get().trim().is_empty() => view! {
                            <p id="tracking-problem" class="error-text">
                                {move || crate::i18n::error_text(ctx.lang.get(), &ErrorView {
                                    error: shared::app::ErrorCode::NotAllowed,
                                    reason: Some(shared::app::ErrorReason::NotAllowed(shared::app::NotAllowedReason::TrackingNoInvalid)),
                                    ..Default::default()
                                })}
                            </p>
                        }.into_any(),
                        _ => ().into_any(),
                    }}
                    <button id="record-manual" type="submit" class="btn primary big"
                        disabled=move || busy.get() || !matches!(tracking_check(), Some(Ok(_)))>
                        {move || ctx.t(K::RecordAndSend)}
                    </button>
                </form>
            </section>
        }
        .into_any(),
    }
    };
    view! {
        <TopBar title=K::ShipTitle/>
        <main class="screen narrow courier">
            {body}
            {chosen}
            {move || problem.get().map(|e| view! {
                <p id="ship-error" class="error-text" role="alert">{crate::i18n::error_text(ctx.lang.get(), &e)}</p>
            })}
        </main>
    }
}
