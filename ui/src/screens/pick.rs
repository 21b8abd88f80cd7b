//! Picking by scanning every unit: the wrong item or one too many is refused on the spot;
//! a shortage is reported with a reason and the server reroutes the missing units.

use super::common::{order_resource, perform, REASONS};
use crate::components::{Failed, Loading, ScanBar, TopBar};
use crate::i18n::{error_text, K};
use crate::ipc;
use crate::scan::on_scan;
use crate::state::{Ctx, Screen};
use leptos::prelude::*;
use shared::app::command::{OrderArgs, PickScanArgs, ResetPick, ScanForPick};
use shared::pick::{is_complete, picked_lines, PickLine};
use shared::protocol::Op;
use uuid::Uuid;

/// Feedback on the last scan.
#[derive(Clone, PartialEq)]
enum Feedback {
    Counted(String),
    Refused(String),
}

/// The pick screen.
#[component]
pub fn PickScreen(
    /// The fulfillment order being picked.
    id: Uuid,
) -> impl IntoView {
    let ctx = Ctx::get();
    let detail = order_resource(id);
    let lines = RwSignal::new(None::<Vec<PickLine>>);
    let feedback = RwSignal::new(None::<Feedback>);
    let short = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(d)) = detail.get() {
            lines.set(Some(d.pick.clone()));
        }
    });
    on_scan(move |barcode| {
        leptos::task::spawn_local(async move {
            match ipc::invoke::<ScanForPick>(PickScanArgs { id, barcode: barcode.clone() }).await {
                Ok(l) => {
                    lines.set(Some(l));
                    feedback.set(Some(Feedback::Counted(barcode)));
                }
                Err(e) => {
                    feedback.set(Some(Feedback::Refused(error_text(ctx.lang.get_untracked(), &e))));
                    ctx.error(&e);
                }
            }
        });
    });
    let confirm_short = move || {
        let Some(l) = lines.get_untracked() else { return };
        let op = Op::ConfirmPick {
            fulfillment_order_id: id,
            lines: picked_lines(&l),
            shortage_reason: Some(reason.get_untracked()),
        };
        leptos::task::spawn_local(async move {
            if perform(ctx, op).await {
                ctx.reset_to(Screen::Home);
                ctx.ok_after_leaving(K::ShortReported);
            }
        });
    };
    let reset = move |_| {
        leptos::task::spawn_local(async move {
            match ipc::invoke::<ResetPick>(OrderArgs { id }).await {
                Ok(()) => detail.refetch(),
                Err(e) => ctx.error(&e),
            }
        });
    };
    let body = move || match (detail.get(), lines.get()) {
        (Some(Err(e)), _) => view! { <Failed error=e retry=Callback::new(move |_| detail.refetch())/> }.into_any(),
        (_, None) | (None, _) => view! { <Loading/> }.into_any(),
        (Some(Ok(d)), Some(l)) => {
            let done: i64 = l.iter().map(|x| x.scanned).sum();
            let total: i64 = l.iter().map(|x| x.qty).sum();
            let complete = is_complete(&l);
            // Courier orders are packed into parcels; pickup orders into one bag.
            let pack_screen = if d.order.kind == shared::fulfillment::FulfillmentKind::Pickup {
                Screen::Pack(id)
            } else {
                Screen::Parcels(id)
            };
            view! {
                <section class="card">
                    <div class="row">
                        <h2>{d.order.channel_order_id.clone()}</h2>
                        <span id="pick-progress" class="big-count">{format!("{done}/{total}")}</span>
                    </div>
                    <progress max=total.max(1) value=done></progress>
                </section>
                <ul class="card lines">
                    {l.into_iter().map(|line| {
                        let sku = d.skus.iter().find(|s| s.code == line.sku_code).cloned();
                        let full = line.scanned >= line.qty;
                        view! {
                            <li class="line pick-line" class:done=full data-line-no=line.line_no>
                                <span class="name">{sku.as_ref().map(|s| s.name.clone()).unwrap_or_else(|| line.sku_code.clone())}</span>
                                <span class="sub">{sku.as_ref().map(|s| format!("{} · {} · {}", s.colour, s.size, s.barcode))}</span>
                                <span class="qty scanned">{format!("{}/{}", line.scanned, line.qty)}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <section class="actions">
                    <button id="to-pack" class="btn primary big" disabled=!complete on:click=move |_| ctx.go(pack_screen.clone())>
                        {move || ctx.t(K::DonePicking)}
                    </button>
                    <button id="short-pick" class="btn secondary" disabled=complete on:click=move |_| short.set(true)>
                        {move || ctx.t(K::ShortPick)}
                    </button>
                    <button id="reset-pick" class="btn secondary" on:click=reset>{move || ctx.t(K::StartOver)}</button>
                </section>
            }
            .into_any()
        }
    };
    view! {
        <TopBar title=K::PickTitle/>
        <main class="screen pick-layout">
            <div class="pick-main">{body}</div>
            <aside class="pick-side">
                <div id="scan-feedback" class="scan-feedback" class:ok=move || matches!(feedback.get(), Some(Feedback::Counted(_)))
                    class:bad=move || matches!(feedback.get(), Some(Feedback::Refused(_)))>
                    {move || match feedback.get() {
                        None => ctx.t(K::PickScanPrompt).to_string(),
                        Some(Feedback::Counted(code)) => format!("✓ {code}"),
                        Some(Feedback::Refused(why)) => format!("✗ {why}"),
                    }}
                </div>
                <ScanBar placeholder=K::BarcodePlaceholder/>
            </aside>
            <Show when=move || short.get()>
                <div class="dialog" role="dialog" id="short-dialog">
                    <h2>{move || ctx.t(K::ShortTitle)}</h2>
                    <p class="hint">{move || ctx.t(K::ShortExplain)}</p>
                    <div class="chips">
                        {REASONS.map(|r| view! {
                            <button class="chip" class:active=move || reason.get() == ctx.t(r)
                                on:click=move |_| reason.set(ctx.t(r).to_string())>{move || ctx.t(r)}</button>
                        })}
                    </div>
                    <input id="short-reason" placeholder=move || ctx.t(K::ReasonPlaceholder) prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))/>
                    <div class="row">
                        <button class="btn secondary" on:click=move |_| short.set(false)>{move || ctx.t(K::Cancel)}</button>
                        <button id="short-confirm" class="btn danger" disabled=move || reason.get().trim().is_empty()
                            on:click=move |_| { short.set(false); confirm_short(); }>
                            {move || ctx.t(K::ShortConfirm)}
                        </button>
                    </div>
                </div>
            </Show>
        </main>
    }
}
