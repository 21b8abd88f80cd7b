//! Handing the parcels to the rider or courier: the rider's pickup code is typed and
//! checked against the booking, or a label's waybill barcode is scanned (it must be one of
//! the booking's). A mismatch is refused on the device with what to do; a match records
//! the hand-over (a fact, queued while offline) and the order leaves the store's stock.

use super::common::ready_to_hand_over;
use crate::components::{CameraButton, Failed, Loading, StateBadge, TopBar};
use crate::i18n::{booking_status_text, error_text, K};
use crate::ipc;
use crate::scan::on_scan;
use crate::state::{Ctx, Screen};
use leptos::prelude::*;
use shared::app::command::{GetCourier, HandOverToCourier, OrderArgs};
use shared::app::courier::{CourierHandOverArgs, CourierView};
use shared::app::ErrorView;
use shared::courier::{CourierCheck, CourierMethod};
use uuid::Uuid;

/// The hand-over-to-courier screen.
#[component]
pub fn CourierHandoverScreen(
    /// The fulfillment order whose parcels leave.
    id: Uuid,
) -> impl IntoView {
    let ctx = Ctx::get();
    let got = RwSignal::new(None::<Result<CourierView, ErrorView>>);
    let entry = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<ErrorView>);
    let busy = RwSignal::new(false);
    Effect::new(move |_| {
        ctx.data_version.track();
        leptos::task::spawn_local(async move {
            got.try_set(Some(ipc::invoke::<GetCourier>(OrderArgs { id }).await));
        });
    });
    let method = move || {
        got.with(|g| g.as_ref().and_then(|r| r.as_ref().ok()).and_then(|v| v.order.courier.as_ref().map(|b| b.method)))
    };
    let submit = move |text: String| {
        let text = text.trim().to_string();
        if busy.get_untracked() || text.is_empty() {
            return;
        }
        let check = match method() {
            Some(CourierMethod::SameCity) => CourierCheck::RiderCode { code: text },
            _ => CourierCheck::Waybill { waybill_no: text },
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match ipc::invoke::<HandOverToCourier>(CourierHandOverArgs { id, check }).await {
                Ok(()) => {
                    ctx.data_version.update(|v| *v += 1);
                    ctx.reset_to(Screen::Home);
                    ctx.ok_after_leaving(K::HandedToCourier);
                }
                Err(e) => {
                    entry.set(String::new());
                    problem.set(Some(e.clone()));
                    ctx.error(&e);
                }
            }
            busy.set(false);
        });
    };
    // A label's barcode scanned anywhere on the screen (a rider's code is typed).
    on_scan(move |text| {
        entry.set(text.clone());
        submit(text);
    });
    let body = move || match got.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => {
            view! { <Failed error=e retry=Callback::new(move |_| ctx.data_version.update(|v| *v += 1))/> }.into_any()
        }
        Some(Ok(v)) => {
            let fo = v.order;
            let units: i64 = fo.lines.iter().map(|l| l.qty).sum();
            let Some(b) = fo.courier.clone() else {
                return view! { <p class="state-box failed" id="not-ready">{move || ctx.t(K::NoCourierYet)}</p> }
                    .into_any();
            };
            let ready = ready_to_hand_over(fo.state, &b);
            let rider_code = b.method == CourierMethod::SameCity;
            let status = b.status;
            let method = b.method;
            let parcels = b.parcels.len();
            let rider = b.rider.as_ref().map(|r| r.name.clone());
            view! {
                <section class="card">
                    <div class="row"><h2>{fo.channel_order_id.clone()}</h2><StateBadge state=fo.state/></div>
                    <p class="sub">{units} " " {move || ctx.t(K::Units)} " · " {parcels} " " {move || ctx.t(K::Parcels)}
                        " · " {move || booking_status_text(ctx.lang.get(), status, method)}</p>
                    {rider.map(|r| view! { <p>{move || ctx.t(K::Rider)} ": " <strong>{r.clone()}</strong></p> })}
                </section>
                {if !ready {
                    view! { <p class="state-box failed" id="not-ready">{move || ctx.t(K::NotAwaitingCourierYet)}</p> }.into_any()
                } else {
                    view! {
                        <section class="card">
                            <form class="form code-form" on:submit=move |ev| { ev.prevent_default(); submit(entry.get_untracked()); }>
                                <label for="courier-check">{move || ctx.t(if rider_code { K::RiderCode } else { K::Waybills })}</label>
                                <div class="code-row">
                                    <input id="courier-check" type="text" autocomplete="off"
                                        inputmode=if rider_code { "numeric" } else { "text" }
                                        class:code-input=rider_code
                                        placeholder=move || ctx.t(if rider_code { K::RiderCodePlaceholder } else { K::WaybillPlaceholder })
                                        prop:value=move || entry.get() on:input=move |ev| entry.set(event_target_value(&ev))/>
                                    {(!rider_code).then(|| view! { <CameraButton/> })}
                                </div>
                                <button id="courier-handover-submit" type="submit" class="btn primary big"
                                    disabled=move || busy.get() || entry.get().trim().is_empty()>
                                    {move || ctx.t(K::CheckAndHandToCourier)}
                                </button>
                            </form>
                            {move || problem.get().map(|e| view! {
                                <p id="courier-handover-error" class="error-text" role="alert">{error_text(ctx.lang.get(), &e)}</p>
                            })}
                            <p class="hint">{move || ctx.t(if rider_code { K::RiderCodeHint } else { K::LabelScanHint })}</p>
                        </section>
                    }
                    .into_any()
                }}
            }
            .into_any()
        }
    };
    view! {
        <TopBar title=K::CourierHandoverTitle/>
        <main class="screen narrow courier">
            {body}
        </main>
    }
}
