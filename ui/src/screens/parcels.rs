//! Packing a courier order into parcels: each picked unit is scanned (or tapped) into the
//! current parcel, parcels are added as the goods need, and each is weighed on the scale.
//! The packing is kept on the device as it goes (an app kill loses nothing) and checked
//! with `shared::courier::check_parcels` before the order can go on to its courier.

use super::common::perform;
use crate::components::{Failed, Loading, ScanBar, TopBar};
use crate::i18n::{error_text, parcel_problem_text, K};
use crate::ipc;
use crate::scan::on_scan;
use crate::state::{Ctx, Screen};
use leptos::prelude::*;
use shared::app::command::{AddParcel, GetPacking, OrderArgs, PackPut, PackScan, RemoveParcel, SetParcelWeight};
use shared::app::courier::{PackPutArgs, PackScanArgs, PackingView, ParcelArgs, ParcelWeightArgs};
use shared::app::ErrorView;
use shared::courier::check_parcels;
use shared::fulfillment::FulfillmentState;
use shared::protocol::{Op, PickedLine};
use uuid::Uuid;

/// Feedback on the last scan.
#[derive(Clone, PartialEq)]
enum Feedback {
    Packed(String),
    Refused(String),
}

/// The pack-into-parcels screen.
#[component]
pub fn ParcelsScreen(
    /// The fulfillment order being packed.
    id: Uuid,
) -> impl IntoView {
    let ctx = Ctx::get();
    let packing = RwSignal::new(None::<Result<PackingView, ErrorView>>);
    let current = RwSignal::new(1u32);
    let feedback = RwSignal::new(None::<Feedback>);
    let busy = RwSignal::new(false);
    // What is typed into each parcel's weight field, kept outside the rendered cards: a
    // reload (synced data arrived, a scan answered) redraws the cards and must not wipe a
    // weight the associate is typing.
    let weight_drafts = RwSignal::new(std::collections::HashMap::<u32, String>::new());
    // Reloads (synced data arrived) and changes answer the whole packing; only the answer to
    // the latest request is shown, so a slow reload never undoes a change made after it.
    let latest = StoredValue::new(0u64);
    let ticket = move || {
        latest.update_value(|n| *n += 1);
        latest.get_value()
    };
    let current_ticket = move |t: u64| latest.get_value() == t;
    Effect::new(move |_| {
        ctx.data_version.track();
        let t = ticket();
        leptos::task::spawn_local(async move {
            let got = ipc::invoke::<GetPacking>(OrderArgs { id }).await;
            if current_ticket(t) {
                packing.try_set(Some(got));
            }
        });
    });
    // Every change answers the whole packing again.
    let changed = move |got: Result<PackingView, ErrorView>, scanned: Option<String>| match got {
        Ok(v) => {
            let n = v.parcels.len() as u32;
            if current.get_untracked() > n.max(1) {
                current.set(n.max(1));
            }
            packing.set(Some(Ok(v)));
            if let Some(code) = scanned {
                feedback.set(Some(Feedback::Packed(code)));
            }
        }
        Err(e) => {
            feedback.set(Some(Feedback::Refused(error_text(ctx.lang.get_untracked(), &e))));
            ctx.error(&e);
        }
    };
    on_scan(move |barcode| {
        let parcel_no = current.get_untracked();
        ticket();
        leptos::task::spawn_local(async move {
            let got = ipc::invoke::<PackScan>(PackScanArgs { id, parcel_no, barcode: barcode.clone() }).await;
            changed(got, Some(barcode));
        });
    });
    let put = move |line_no: u32, delta: i64| {
        let parcel_no = current.get_untracked();
        ticket();
        leptos::task::spawn_local(async move {
            changed(ipc::invoke::<PackPut>(PackPutArgs { id, parcel_no, line_no, delta }).await, None);
        });
    };
    let add = move |_| {
        ticket();
        leptos::task::spawn_local(async move {
            let got = ipc::invoke::<AddParcel>(OrderArgs { id }).await;
            if let Ok(v) = &got {
                current.set(v.parcels.len() as u32);
            }
            changed(got, None);
        });
    };
    let remove = move |parcel_no: u32| {
        // The parcels after it are renumbered: their drafts no longer belong to them.
        weight_drafts.update(|d| d.retain(|n, _| *n < parcel_no));
        ticket();
        leptos::task::spawn_local(async move {
            changed(ipc::invoke::<RemoveParcel>(ParcelArgs { id, parcel_no }).await, None);
        });
    };
    let weigh = move |parcel_no: u32, text: String| {
        let weight_g = text.trim().parse::<u32>().unwrap_or(0);
        ticket();
        leptos::task::spawn_local(async move {
            changed(ipc::invoke::<SetParcelWeight>(ParcelWeightArgs { id, parcel_no, weight_g }).await, None);
        });
    };
    let body = move || match packing.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => {
            view! { <Failed error=e retry=Callback::new(move |_| ctx.data_version.update(|v| *v += 1))/> }.into_any()
        }
        Some(Ok(v)) => {
            let problem = check_parcels(&v.picked(), &v.parcels).err();
            let ok = problem.is_none();
            let picking = v.order.state == FulfillmentState::Picking;
            let units: i64 = v.lines.iter().map(|l| l.picked).sum();
            let packed: i64 = v.lines.iter().map(|l| l.packed).sum();
            let cur = current.get();
            let name_of = {
                let skus = v.skus.clone();
                move |code: &str| skus.iter().find(|s| s.code == code).cloned()
            };
            let in_current = |line_no: u32| {
                v.parcels
                    .get(cur as usize - 1)
                    .and_then(|p| p.lines.iter().find(|l| l.line_no == line_no))
                    .map_or(0, |l| l.qty.get())
            };
            let lines = v.lines.iter().map(|l| {
                let sku = name_of(&l.sku_code);
                let line_no = l.line_no;
                let done = l.packed >= l.picked;
                let here = in_current(line_no);
                view! {
                    <li class="line pack-line" class:done=done data-line-no=line_no>
                        <span class="name">{sku.as_ref().map(|s| s.name.clone()).unwrap_or_else(|| l.sku_code.clone())}</span>
                        <span class="sub">{sku.as_ref().map(|s| format!("{} · {} · {}", s.colour, s.size, s.barcode))}</span>
                        <span class="qty packed">{format!("{}/{}", l.packed, l.picked)}</span>
                        <span class="stepper">
                            <button class="btn step" data-action="minus" disabled=here == 0 on:click=move |_| put(line_no, -1)
                                aria-label="−">"−"</button>
                            <button class="btn step" data-action="plus" disabled=done on:click=move |_| put(line_no, 1)
                                aria-label="+">"+"</button>
                        </span>
                    </li>
                }
            }).collect_view();
            let mut cards: Vec<(u32, shared::courier::ParcelInput)> =
                v.parcels.iter().cloned().enumerate().map(|(i, p)| (i as u32 + 1, p)).collect();
            if cards.is_empty() {
                cards.push((1, shared::courier::ParcelInput { weight_g: 0, lines: Vec::new() }));
            }
            let stored = v.parcels.len() as u32;
            let parcels = cards.into_iter().map(|(n, p)| {
                let saved = if p.weight_g > 0 { p.weight_g.to_string() } else { String::new() };
                let weight =
                    Signal::derive(move || weight_drafts.with(|d| d.get(&n).cloned()).unwrap_or_else(|| saved.clone()));
                let typed = move |text: String| weight_drafts.update(|d| {
                    d.insert(n, text);
                });
                let contents = p.lines.iter().map(|l| {
                    let code = v.lines.iter().find(|x| x.line_no == l.line_no).map(|x| x.sku_code.clone()).unwrap_or_default();
                    let label = name_of(&code).map(|s| format!("{} {} {}", s.name, s.colour, s.size)).unwrap_or(code);
                    view! { <li>{label} " × " {l.qty.get()}</li> }
                }).collect_view();
                let empty = p.lines.is_empty();
                view! {
                    <section class="card parcel" class:current=n == cur id=format!("parcel-{n}") data-parcel-no=n>
                        <div class="row">
                            <button class="chip parcel-pick" class:active=n == cur on:click=move |_| current.set(n)>
                                {move || ctx.t(K::Parcel)} " " {n}
                                {(n == cur).then(|| view! { <span class="sub">" · " {move || ctx.t(K::ParcelCurrent)}</span> })}
                            </button>
                            {(n <= stored).then(|| view! {
                                <button class="btn danger small" id=format!("remove-parcel-{n}") on:click=move |_| remove(n)>
                                    {move || ctx.t(K::RemoveParcel)}
                                </button>
                            })}
                        </div>
                        {if empty {
                            view! { <p class="hint">{move || ctx.t(K::ParcelEmpty)}</p> }.into_any()
                        } else {
                            view! { <ul class="parcel-contents">{contents}</ul> }.into_any()
                        }}
                        <form class="inline-form weight-form" on:submit=move |ev| { ev.prevent_default(); weigh(n, weight.get_untracked()); }>
                            <label for=format!("weight-{n}")>{move || ctx.t(K::ParcelWeight)}</label>
                            <input id=format!("weight-{n}") type="text" inputmode="numeric" autocomplete="off"
                                prop:value=move || weight.get() on:input=move |ev| typed(event_target_value(&ev))/>
                            <button class="btn secondary" type="submit" id=format!("weight-save-{n}")
                                disabled=move || weight.get().trim().is_empty()>{move || ctx.t(K::ParcelWeightSave)}</button>
                        </form>
                        {(p.weight_g > 0).then(|| view! {
                            <p class="sub weight-shown">{p.weight_g} " " {move || ctx.t(K::Grams)}</p>
                        })}
                    </section>
                }
            }).collect_view();
            let lines_for_pick: Vec<PickedLine> = v
                .lines
                .iter()
                .filter_map(|l| Some(PickedLine { line_no: l.line_no, picked: shared::Count::new(l.picked).ok()? }))
                .collect();
            let confirm = move |_| {
                busy.set(true);
                let lines = lines_for_pick.clone();
                leptos::task::spawn_local(async move {
                    let ok = !picking
                        || perform(ctx, Op::ConfirmPick { fulfillment_order_id: id, lines, shortage_reason: None })
                            .await;
                    if ok {
                        ctx.reset_to(Screen::Home);
                        ctx.go(Screen::Order(id));
                        ctx.go(Screen::Ship(id));
                    }
                    busy.set(false);
                });
            };
            view! {
                <section class="card">
                    <div class="row">
                        <h2>{v.order.channel_order_id.clone()}</h2>
                        <span id="pack-progress" class="big-count">{format!("{packed}/{units}")}</span>
                    </div>
                    <p class="hint">{move || ctx.t(K::ParcelScanHint)}</p>
                </section>
                <ul class="card lines">{lines}</ul>
                <div class="parcels">{parcels}</div>
                <button id="add-parcel" class="btn secondary" on:click=add>{move || ctx.t(K::AddParcel)}</button>
                {problem.map(|p| {
                    view! { <p id="parcel-problem" class="flag">{move || parcel_problem_text(ctx.lang.get(), &p)}</p> }
                })}
                {ok.then(|| view! { <p id="parcels-ok" class="ok-text">"✓ " {move || ctx.t(K::AllInParcels)}</p> })}
                <section class="actions">
                    <button id="confirm-parcels" class="btn primary big" disabled=move || !ok || busy.get() on:click=confirm>
                        {move || ctx.t(K::ConfirmParcels)}
                    </button>
                </section>
            }
            .into_any()
        }
    };
    view! {
        <TopBar title=K::ParcelsTitle/>
        <main class="screen pick-layout parcels-screen">
            <div class="pick-main">{body}</div>
            <aside class="pick-side">
                <div id="scan-feedback" class="scan-feedback" class:ok=move || matches!(feedback.get(), Some(Feedback::Packed(_)))
                    class:bad=move || matches!(feedback.get(), Some(Feedback::Refused(_)))>
                    {move || match feedback.get() {
                        None => format!("{} {} {}", ctx.t(K::Parcel), current.get(), ctx.t(K::ParcelCurrent)),
                        Some(Feedback::Packed(code)) => format!("✓ {code} → {} {}", ctx.t(K::Parcel), current.get()),
                        Some(Feedback::Refused(why)) => format!("✗ {why}"),
                    }}
                </div>
                <ScanBar placeholder=K::BarcodePlaceholder/>
            </aside>
        </main>
    }
}
