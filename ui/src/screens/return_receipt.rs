//! After a return: its receipt (the return number, the lines, the refund, a QR of the return
//! for the customer, printable) with the refund's progress (requested → confirmed, updated as
//! the device syncs), and the exchange: another size or colour from this store's shelf
//! (handed over at once) or from the network, with the price difference shown.

use crate::components::{Failed, Loading, ScanBar, TopBar};
use crate::i18n::{
    channel_label, condition_label, error_text, inbox_code_text, progress_label, reason_label, time_text, K,
};
use crate::ipc;
use crate::scan::on_scan;
use crate::state::{Ctx, Screen};
use leptos::prelude::*;
use shared::app::command::{Exchange, GetReturn, ItemArgs, ListStaff, NoArgs, ReturnArgs, ReturnItem, SyncNow};
use shared::app::{ErrorView, ExchangeArgs, ExchangeDelivery, ExchangeView, ItemView, ReturnProgress, ReturnRecord};
use shared::Fen;
use uuid::Uuid;

/// An SVG QR code.
fn qr_svg(payload: &str) -> String {
    qrcode::QrCode::new(payload.as_bytes())
        .map(|qr| qr.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build())
        .unwrap_or_default()
}

/// The return number as the receipt prints it: short enough to read out.
pub fn return_number(id: Uuid) -> String {
    let hex = id.simple().to_string().to_uppercase();
    format!("RT-{}", &hex[hex.len() - 10..])
}

fn record_resource(id: Uuid) -> LocalResource<Result<ReturnRecord, ErrorView>> {
    let ctx = Ctx::get();
    LocalResource::new(move || {
        ctx.data_version.track();
        ipc::invoke::<GetReturn>(ReturnArgs { return_id: id })
    })
}

/// The steps of a refund, as the receipt shows them.
const STEPS: [ReturnProgress; 4] =
    [ReturnProgress::Queued, ReturnProgress::Recorded, ReturnProgress::Requested, ReturnProgress::Confirmed];

/// A return's receipt.
#[component]
pub fn ReturnReceiptScreen(
    /// The return.
    id: Uuid,
) -> impl IntoView {
    let ctx = Ctx::get();
    let record = record_resource(id);
    let staff = LocalResource::new(|| ipc::invoke::<ListStaff>(NoArgs {}));
    let syncing = RwSignal::new(false);
    let refresh = move |_| {
        syncing.set(true);
        leptos::task::spawn_local(async move {
            if let Err(e) = ipc::invoke::<SyncNow>(NoArgs {}).await {
                ctx.error(&e);
            }
            ctx.data_version.update(|v| *v += 1);
            syncing.set(false);
        });
    };
    let body = move || match record.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <Failed error=e retry=Callback::new(move |_| record.refetch())/> }.into_any(),
        Some(Ok(r)) => {
            let svg = qr_svg(&r.qr_payload);
            let progress = r.progress;
            let reached = STEPS.iter().position(|s| *s == progress);
            let refund = r.refund_booked.or(r.refund_quoted);
            let r2 = r.clone();
            view! {
                <div class="return-main">
                    <section class="card receipt" id="return-receipt" data-progress=progress.as_str() data-return-id=r.return_id.to_string()>
                        <h2>{move || ctx.t(K::ReturnReceipt)}</h2>
                        <p class="big-count" id="return-number">{return_number(r.return_id)}</p>
                        <p class="sub">
                            {r.channel.map(|c| channel_label(ctx.lang.get_untracked(), c))} " " {r.channel_order_id.clone()}
                            " · " {move || time_text(r.created_ms, ctx.lang.get())}
                        </p>
                        {r.offline.then(|| view! { <p class="flag" id="matched-at-sync">{move || ctx.t(K::MatchedAtSync)}</p> })}
                        <ul class="lines" id="receipt-lines">
                            {r.lines.iter().map(|l| {
                                let (condition, reason) = (l.condition, l.reason);
                                let note = (!l.note.is_empty()).then(|| format!(" · {}", l.note));
                                view! {
                                    <li class="line receipt-line" data-sku=l.sku_code.clone()>
                                        <span class="name">{format!("{} {} {} × {}", l.name, l.colour, l.size, l.qty)}</span>
                                        <span class="sub">{move || condition_label(ctx.lang.get(), condition)} " · "
                                            {move || reason_label(ctx.lang.get(), reason)} {note.clone()}</span>
                                        <span class="qty">{l.refund.map(|f| f.to_string()).unwrap_or_else(|| "—".into())}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <dl class="facts">
                            {(r.shipping_quoted.0 > 0).then(|| view! {
                                <dt>{move || ctx.t(K::RefundShipping)}</dt><dd>{r.shipping_quoted.to_string()}</dd>
                            })}
                            <dt><strong>{move || ctx.t(K::RefundTotal)}</strong></dt>
                            <dd><strong id="receipt-refund">{match refund {
                                Some(f) => f.to_string(),
                                None => ctx.t(K::RefundAtSyncShort).to_string(),
                            }}</strong></dd>
                            {r.approved_by.clone().map(|m| {
                                let shown = m.clone();
                                let name = move || {
                                    let who = staff.get().and_then(|s| s.ok()).unwrap_or_default();
                                    who.into_iter().find(|s| s.id == shown).map_or(shown.clone(), |s| format!("{} ({})", s.name, s.id))
                                };
                                view! { <dt>{move || ctx.t(K::ReturnApprovedBy)}</dt><dd id="approved-by">{name}</dd> }
                            })}
                        </dl>
                        <div class="qr" id="return-qr" inner_html=svg></div>
                        <p class="sub">{r.return_id.to_string()}</p>
                    </section>
                </div>
                <aside class="return-side">
                    <section class="card" id="refund-progress" data-progress=progress.as_str()>
                        <h2>{move || ctx.t(K::RefundProgress)}</h2>
                        <ol class="progress-steps">
                            {STEPS.map(|s| {
                                let i = STEPS.iter().position(|x| *x == s).unwrap_or(0);
                                let done = reached.is_some_and(|r| i <= r);
                                view! { <li class:done=done class:current=reached == Some(i)>{move || progress_label(ctx.lang.get(), s)}</li> }
                            })}
                        </ol>
                        {(progress == ReturnProgress::NotDue).then(|| view! { <p class="flag" id="not-due">{move || progress_label(ctx.lang.get(), ReturnProgress::NotDue)}</p> })}
                        {r2.problem.clone().map(|p| view! { <p class="error-text" id="return-problem">{move || inbox_code_text(ctx.lang.get(), &p)}</p> })}
                        <button id="refresh-return" class="btn secondary" disabled=move || syncing.get() on:click=refresh>
                            {move || ctx.t(K::SyncNow)}
                        </button>
                    </section>
                    <section class="actions">
                        {match r2.exchange_order_id {
                            Some(o) => view! { <p class="sub" id="exchanged">{move || ctx.t(K::ExchangedFor)} " " {o.to_string()}</p> }.into_any(),
                            None => view! {
                                <button id="exchange" class="btn secondary big" on:click=move |_| ctx.go(Screen::Exchange(id))>
                                    {move || ctx.t(K::ExchangeTitle)}
                                </button>
                            }.into_any(),
                        }}
                        <button id="print-receipt" class="btn secondary"
                            on:click=move |_| ctx.go(Screen::Print(shared::print::PrintTarget::ReturnReceipt { return_id: id }))>
                            {move || ctx.t(K::PrintReturnReceipt)}
                        </button>
                        <button id="return-done" class="btn primary big" on:click=move |_| ctx.reset_to(Screen::Home)>
                            {move || ctx.t(K::Done)}
                        </button>
                    </section>
                </aside>
            }
            .into_any()
        }
    };
    view! {
        <TopBar title=K::ReturnReceipt/>
        <main class="screen return-layout">{body}</main>
    }
}

/// The exchange after a return.
#[component]
pub fn ExchangeScreen(
    /// The return the new order exchanges goods for.
    id: Uuid,
) -> impl IntoView {
    let ctx = Ctx::get();
    let record = record_resource(id);
    let item = RwSignal::new(None::<ItemView>);
    let qty = RwSignal::new(1i64);
    let delivery = RwSignal::new("carry_out".to_string());
    let address = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let payment = RwSignal::new(format!("EX-{}", return_number(id)));
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<ErrorView>);
    let done = RwSignal::new(None::<ExchangeView>);
    // The returned line the new item replaces: the one of the same style, else the first.
    let replaces = RwSignal::new(None::<String>);
    on_scan(move |code| {
        leptos::task::spawn_local(async move {
            match ipc::invoke::<ReturnItem>(ItemArgs { code }).await {
                Ok(found) => {
                    if found.free_here < 1 && delivery.get_untracked() == "carry_out" {
                        delivery.set("pickup_here".into());
                    }
                    let lines = record.get_untracked().and_then(|r| r.ok()).map(|r| r.lines).unwrap_or_default();
                    let same = lines.iter().find(|l| l.name == found.sku.name).or(lines.first());
                    replaces.set(same.map(|l| l.sku_code.clone()));
                    item.set(Some(found));
                    problem.set(None);
                }
                Err(e) => ctx.error(&e),
            }
        });
    });
    let refund = move || {
        let r = record.get().and_then(|r| r.ok())?;
        match replaces.get() {
            Some(sku) => {
                r.lines.iter().filter(|l| l.sku_code == sku).try_fold(0, |sum, l| l.refund.map(|f| sum + f.0)).map(Fen)
            }
            None => r.refund_booked.or(r.refund_quoted),
        }
    };
    let new_total = move || item.get().map(|i| Fen(i.list_price.0 * qty.get()));
    let submit = move || {
        let Some(it) = item.get_untracked() else { return };
        let d = match delivery.get_untracked().as_str() {
            "carry_out" => ExchangeDelivery::CarryOut,
            "ship" => ExchangeDelivery::Ship { address: address.get_untracked() },
            _ => ExchangeDelivery::PickupHere,
        };
        let args = ExchangeArgs {
            return_id: id,
            sku_code: it.sku.code,
            qty: qty.get_untracked(),
            delivery: d,
            customer_name: name.get_untracked(),
            customer_phone: phone.get_untracked(),
            payment_ref: payment.get_untracked(),
            in_place_of: replaces.get_untracked(),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match ipc::invoke::<Exchange>(args).await {
                Ok(v) => {
                    ctx.data_version.update(|x| *x += 1);
                    done.set(Some(v));
                    problem.set(None);
                    ctx.ok(K::ExchangePlaced);
                }
                Err(e) => {
                    problem.set(Some(e.clone()));
                    ctx.error(&e);
                }
            }
            busy.set(false);
        });
    };
    let difference_text = move || {
        let (Some(total), Some(refund)) = (new_total(), refund()) else {
            return new_total().map(|t| format!("{} {t}", ctx.t(K::ExchangeNewPrice)));
        };
        let diff = total.0 - refund.0;
        Some(if diff > 0 {
            format!("{} {}", ctx.t(K::ExchangePays), Fen(diff))
        } else if diff < 0 {
            format!("{} {}", ctx.t(K::ExchangeGets), Fen(-diff))
        } else {
            ctx.t(K::ExchangeNoDifference).to_string()
        })
    };
    let returned = move || {
        record.get().and_then(|r| r.ok()).map(|r| {
            view! {
                <section class="card" id="exchange-return">
                    <h2>{move || ctx.t(K::ExchangeReturned)} " · " {return_number(r.return_id)}</h2>
                    <p class="hint">{move || ctx.t(K::ExchangeInPlaceOf)}</p>
                    <ul class="lines">
                        {r.lines.iter().map(|l| {
                            let sku = l.sku_code.clone();
                            let pick = sku.clone();
                            view! {
                                <li class="line ex-for" data-sku=sku.clone() class:selected=move || replaces.get().as_deref() == Some(sku.as_str())
                                    on:click=move |_| replaces.set(Some(pick.clone()))>
                                    <span class="name">{format!("{} {} {} × {}", l.name, l.colour, l.size, l.qty)}</span>
                                    <span class="qty">{l.refund.map(|f| f.to_string()).unwrap_or_else(|| "—".into())}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            }
        })
    };
    let chip = move |value: &'static str, label: K, enabled: Signal<bool>| {
        view! {
            <button type="button" id=format!("ex-{}", value.replace('_', "-")) class="chip"
                class:active=move || delivery.get() == value disabled=move || !enabled.get()
                on:click=move |_| delivery.set(value.to_string())>{move || ctx.t(label)}</button>
        }
    };
    let on_shelf = Signal::derive(move || item.get().is_some_and(|i| i.free_here >= qty.get()));
    let always = Signal::derive(|| true);
    let form = move || {
        view! {
            <section class="card" id="exchange-item-card">
                <h2>{move || ctx.t(K::ExchangeNewItem)}</h2>
                <p class="hint">{move || ctx.t(K::ExchangeScanItem)}</p>
                <ScanBar placeholder=K::BarcodePlaceholder/>
                {move || item.get().map(|it| view! {
                    <div id="exchange-item" data-sku=it.sku.code.clone()>
                        <p><strong>{it.sku.name.clone()}</strong> " " {format!("{} · {} · {}", it.sku.colour, it.sku.size, it.sku.code)}</p>
                        <p class="sub">{it.list_price.to_string()} " · " {move || ctx.t(K::ExchangeFreeHere)} " " {it.free_here}</p>
                    </div>
                })}
                <div class="stepper">
                    <button type="button" class="btn step-minus" disabled=move || qty.get() <= 1 on:click=move |_| qty.update(|q| *q = (*q - 1).max(1))>"−"</button>
                    <span class="qty-value" id="exchange-qty">{move || qty.get()}</span>
                    <button type="button" class="btn step-plus" on:click=move |_| qty.update(|q| *q = (*q + 1).min(99))>"+"</button>
                </div>
                <div class="chips">
                    {chip("carry_out", K::ExchangeFromShelf, always)}
                    {chip("pickup_here", K::ExchangePickupHere, always)}
                    {chip("ship", K::ExchangeShip, always)}
                </div>
                <Show when=move || delivery.get() == "carry_out" && item.get().is_some() && !on_shelf.get()>
                    <p class="warn-note" id="exchange-beyond-shelf">{move || ctx.t(K::ExchangeBeyondShelf)}</p>
                </Show>
                <Show when=move || delivery.get() == "ship">
                    <label for="ex-address">{move || ctx.t(K::ExchangeAddress)}</label>
                    <input id="ex-address" type="text" prop:value=move || address.get() on:input=move |ev| address.set(event_target_value(&ev))/>
                </Show>
            </section>
        }
    };
    let customer = move || {
        view! {
            <section class="card form" id="exchange-customer">
                <label for="ex-name">{move || ctx.t(K::ExchangeCustomerName)}</label>
                <input id="ex-name" type="text" autocomplete="off" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <label for="ex-phone">{move || ctx.t(K::ExchangeCustomerPhone)}</label>
                <input id="ex-phone" type="text" inputmode="tel" autocomplete="off" prop:value=move || phone.get() on:input=move |ev| phone.set(event_target_value(&ev))/>
                <label for="ex-payment">{move || ctx.t(K::ExchangePaymentRef)}</label>
                <input id="ex-payment" type="text" autocomplete="off" prop:value=move || payment.get() on:input=move |ev| payment.set(event_target_value(&ev))/>
                <p class="big-count" id="price-difference">{difference_text}</p>
                {move || problem.get().map(|e| view! { <p id="exchange-error" class="error-text" role="alert">{error_text(ctx.lang.get(), &e)}</p> })}
                <button id="confirm-exchange" class="btn primary big" disabled=move || busy.get() || item.get().is_none()
                    on:click=move |_| submit()>{move || ctx.t(K::ConfirmExchange)}</button>
            </section>
        }
    };
    let finished = move || {
        done.get().map(|v| {
            view! {
                <section class="card receipt" id="exchange-done" data-carry-out=v.carry_out.to_string() data-order-id=v.order_id.to_string()>
                    <h2>{move || if v.carry_out { ctx.t(K::ExchangeHandedOver) } else { ctx.t(K::ExchangeOrdered) }}</h2>
                    <p class="sub">{v.order_id.to_string()}</p>
                    <p>{move || ctx.t(K::ExchangeNewPrice)} " " {v.new_total.to_string()}</p>
                    {v.difference.map(|d| {
                        let text = move || if d.0 > 0 {
                            format!("{} {d}", ctx.t(K::ExchangePays))
                        } else if d.0 < 0 {
                            format!("{} {}", ctx.t(K::ExchangeGets), Fen(-d.0))
                        } else {
                            ctx.t(K::ExchangeNoDifference).to_string()
                        };
                        view! { <p class="big-count" id="exchange-difference">{text}</p> }
                    })}
                    <button id="exchange-done-button" class="btn primary big" on:click=move |_| ctx.reset_to(Screen::ReturnReceipt(id))>
                        {move || ctx.t(K::Done)}
                    </button>
                </section>
            }
        })
    };
    view! {
        <TopBar title=K::ExchangeTitle/>
        <main class="screen return-layout">
            <div class="return-main">{returned} {move || done.get().is_none().then(form)}</div>
            <aside class="return-side">{move || if done.get().is_some() { finished().into_any() } else { customer().into_any() }}</aside>
        </main>
    }
}
