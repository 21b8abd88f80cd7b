//! Pickup hand-over at the counter: the customer's code is checked on the device, so it
//! works offline; wrong codes count towards a lockout. One code field takes it typed, from
//! a keyboard-wedge scanner (a burst anywhere on the screen) or from the camera button
//! beside it. A manager may check the customer's ID instead. A receipt QR closes the
//! hand-over.

use super::common::{order_resource, try_perform};
use crate::components::{CameraButton, Failed, Loading, TopBar};
use crate::i18n::{error_text, role_label, time_text, K};
use crate::ipc;
use crate::scan::on_scan;
use crate::state::{Ctx, Screen};
use leptos::prelude::*;
use shared::app::command::{HandOverWithIdCheck, IdCheckArgs, ListStaff, NoArgs};
use shared::app::{ErrorCode, ErrorView};
use shared::fulfillment::FulfillmentState;
use shared::protocol::{HandOverVerification, Op};
use shared::scan::{classify, ScanInput};
use shared::staff::Role;
use uuid::Uuid;

/// What the receipt QR carries: the order and when it was handed over.
fn receipt_payload(id: Uuid, order_no: &str, at_ms: i64) -> String {
    format!("OMNI-RECEIPT|{id}|{order_no}|{at_ms}")
}

/// An SVG QR code.
fn qr_svg(payload: &str) -> String {
    qrcode::QrCode::new(payload.as_bytes())
        .map(|qr| qr.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build())
        .unwrap_or_default()
}

/// The hand-over screen.
#[component]
pub fn HandoverScreen(
    /// The fulfillment order being handed to the customer.
    id: Uuid,
) -> impl IntoView {
    let ctx = Ctx::get();
    let detail = order_resource(id);
    let code = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<ErrorView>);
    let busy = RwSignal::new(false);
    let receipt = RwSignal::new(None::<(String, i64)>);
    // What the printed receipt shows, taken at the hand-over: the order leaves the device at
    // the next sync.
    let printable = RwSignal::new(None::<shared::print::PickupReceiptData>);
    let id_check = RwSignal::new(false);
    let managers = LocalResource::new(|| ipc::invoke::<ListStaff>(NoArgs {}));
    let manager_id = RwSignal::new(String::new());
    let manager_pin = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let done = move |order_no: String| {
        let now = crate::state::now_ms();
        if let Some(Ok(d)) = detail.get_untracked() {
            printable.set(Some(shared::app::print::pickup_receipt_data(&d, now)));
        }
        receipt.set(Some((order_no, now)));
        problem.set(None);
        ctx.ok(K::HandedOver);
    };
    let order_no = move || detail.get().and_then(|d| d.ok()).map(|d| d.order.channel_order_id).unwrap_or_default();
    let submit_code = move || {
        if busy.get_untracked() || code.get_untracked().trim().is_empty() {
            return;
        }
        busy.set(true);
        let verification = HandOverVerification::PickupCode { code: code.get_untracked().trim().to_string() };
        leptos::task::spawn_local(async move {
            match try_perform(ctx, Op::HandOver { fulfillment_order_id: id, verification }).await {
                Ok(()) => {
                    done(order_no());
                }
                Err(e) => {
                    code.set(String::new());
                    problem.set(Some(e.clone()));
                    ctx.error(&e);
                }
            }
            busy.set(false);
        });
    };
    let submit_id_check = move || {
        busy.set(true);
        let args = IdCheckArgs {
            id,
            manager_id: manager_id.get_untracked(),
            manager_pin: manager_pin.get_untracked(),
            note: note.get_untracked(),
        };
        manager_pin.set(String::new());
        leptos::task::spawn_local(async move {
            match ipc::invoke::<HandOverWithIdCheck>(args).await {
                Ok(()) => {
                    ctx.data_version.update(|v| *v += 1);
                    id_check.set(false);
                    done(order_no());
                }
                Err(e) => {
                    problem.set(Some(e.clone()));
                    ctx.error(&e);
                }
            }
            busy.set(false);
        });
    };
    on_scan(move |text| match classify(&text) {
        ScanInput::PickupQr { fulfillment_order_id, payload } if fulfillment_order_id == id => {
            code.set(payload);
            submit_code();
        }
        ScanInput::PickupQr { .. } => {
            code.set(String::new());
            ctx.error(&ErrorView::new(ErrorCode::QrForAnotherOrder, text));
        }
        ScanInput::PickupCode { code: c } => {
            code.set(c);
            submit_code();
        }
        _ => {
            code.set(String::new());
            ctx.error(&ErrorView::new(ErrorCode::NotAPickupCode, text));
        }
    });
    // Once handed over, the order leaves the device: the receipt alone remains.
    let body = move || match detail.get() {
        _ if receipt.get().is_some() => ().into_any(),
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <Failed error=e retry=Callback::new(move |_| detail.refetch())/> }.into_any(),
        Some(Ok(d)) => {
            let fo = d.order;
            let units: i64 = fo.lines.iter().map(|l| l.qty).sum();
            let ready = fo.state == FulfillmentState::ReadyForPickup;
            view! {
                <section class="card">
                    <div class="row"><h2>{fo.channel_order_id.clone()}</h2><crate::components::StateBadge state=fo.state/></div>
                    <p class="customer">{move || ctx.t(K::Customer)} ": " <strong>{fo.customer_name.clone()}</strong>
                        " ****" {fo.customer_phone_tail.clone()}</p>
                    <p class="sub">{units} " " {move || ctx.t(K::Units)} " · " {move || ctx.t(K::CheckPhoneTail)}</p>
                </section>
                {(!ready && receipt.get().is_none()).then(|| view! {
                    <p class="state-box failed" id="not-ready">{move || ctx.t(K::NotReadyForPickup)}</p>
                })}
            }
            .into_any()
        }
    };
    let code_form = move || {
        view! {
            <section class="card">
                <form class="form code-form" on:submit=move |ev| { ev.prevent_default(); submit_code(); }>
                    <label for="pickup-code">{move || ctx.t(K::PickupCode)}</label>
                    <div class="code-row">
                        <input id="pickup-code" type="text" inputmode="numeric" autocomplete="off" class="code-input"
                            placeholder=move || ctx.t(K::PickupCodeOrScan)
                            prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
                        <CameraButton/>
                    </div>
                    <button id="handover-submit" type="submit" class="btn primary big"
                        disabled=move || busy.get() || code.get().trim().is_empty()>
                        {move || ctx.t(K::VerifyAndHandOver)}
                    </button>
                </form>
                {move || problem.get().map(|e| view! {
                    <p id="handover-error" class="error-text" role="alert">{error_text(ctx.lang.get(), &e)}</p>
                })}
                <p class="hint">{move || ctx.t(K::HandoverScanHint)}</p>
                <button id="id-check-toggle" class="btn secondary" on:click=move |_| id_check.update(|v| *v = !*v)>
                    {move || ctx.t(K::ManagerIdCheck)}
                </button>
            </section>
        }
    };
    let id_check_form = move || {
        view! {
            <section class="card" id="id-check">
                <h2>{move || ctx.t(K::ManagerIdCheck)}</h2>
                <p class="hint">{move || ctx.t(K::IdCheckExplain)}</p>
                <form class="form" on:submit=move |ev| { ev.prevent_default(); submit_id_check(); }>
                    <label for="manager-id">{move || ctx.t(K::Manager)}</label>
                    <select id="manager-id" on:change=move |ev| manager_id.set(event_target_value(&ev))>
                        <option value="">{move || ctx.t(K::ChooseManager)}</option>
                        {move || managers.get().and_then(|r| r.ok()).unwrap_or_default().into_iter()
                            .filter(|m| m.role == Role::Manager)
                            .map(|m| view! { <option value=m.id.clone()>{m.name.clone()} " (" {move || role_label(ctx.lang.get(), m.role)} ")"</option> })
                            .collect_view()}
                    </select>
                    <label for="manager-pin">{move || ctx.t(K::ManagerPin)}</label>
                    <input id="manager-pin" type="password" inputmode="numeric" autocomplete="off"
                        prop:value=move || manager_pin.get() on:input=move |ev| manager_pin.set(event_target_value(&ev))/>
                    <label for="id-note">{move || ctx.t(K::IdNote)}</label>
                    <input id="id-note" type="text" autocomplete="off" placeholder=move || ctx.t(K::IdNotePlaceholder)
                        prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                    <button id="id-check-submit" type="submit" class="btn primary"
                        disabled=move || busy.get() || manager_id.get().is_empty() || manager_pin.get().is_empty()>
                        {move || ctx.t(K::ConfirmIdCheck)}
                    </button>
                </form>
            </section>
        }
    };
    let receipt_view = move || {
        receipt.get().map(|(order_no, at)| {
            let svg = qr_svg(&receipt_payload(id, &order_no, at));
            view! {
                <section class="card receipt" id="receipt">
                    <h2>{move || ctx.t(K::HandedOver)}</h2>
                    <div class="qr" inner_html=svg></div>
                    <p><strong>{order_no.clone()}</strong></p>
                    <p class="sub">{move || time_text(at, ctx.lang.get())}</p>
                    <p class="hint">{move || ctx.t(K::ReceiptHint)}</p>
                    {move || printable.get().map(|data| view! {
                        <button id="print-pickup-receipt" class="btn secondary"
                            on:click=move |_| ctx.go(Screen::Print(shared::print::PrintTarget::PickupReceipt(data.clone())))>
                            {move || ctx.t(K::PrintPickupReceipt)}
                        </button>
                    })}
                    <button id="receipt-done" class="btn primary big" on:click=move |_| ctx.reset_to(Screen::Home)>
                        {move || ctx.t(K::Done)}
                    </button>
                </section>
            }
        })
    };
    view! {
        <TopBar title=K::HandoverTitle/>
        <main class="screen handover-layout">
            <div>{body}</div>
            <div>
                {move || if receipt.get().is_some() {
                    receipt_view().into_any()
                } else if id_check.get() {
                    view! { {code_form()} {id_check_form()} }.into_any()
                } else {
                    code_form().into_any()
                }}
            </div>
        </main>
    }
}
