//! The return counter (退换货) for orders from any channel: find the original order (scan the
//! receipt's QR with the scanner or the camera, type the channel's order number, or the
//! customer's phone ending and name), choose lines and units (never more than still
//! returnable; final-sale lines cannot be chosen), a reason per line and the condition, see
//! the refund per line and in total before confirming, a manager's PIN above HQ's limit.
//! Scanning an item's tag while choosing lines counts a unit of its line.
//! When HQ cannot be reached, the goods are taken back against what the receipt shows and
//! matched to the order at sync. Tablets show the order and its lines beside the refund.

use crate::components::{ScanBar, TopBar};
use crate::i18n::{channel_label, condition_label, error_text, reason_label, return_problem_text, time_text, K};
use crate::ipc;
use crate::scan::on_scan;
use crate::state::{Ctx, Screen};
use leptos::prelude::*;
use shared::app::command::{
    AcceptReturn, AcceptReturnArgs, ItemArgs, ListReturns, ListStaff, LookupOrder, LookupOrderArgs, NoArgs,
    PreviewReturn, PreviewReturnArgs, ReturnItem,
};
use shared::app::{ErrorCode, ErrorView, ItemView, ReturnLineInput, ReturnPreview, ReturnRecord};
use shared::order::Channel;
use shared::protocol::{ChannelOrderRef, ReturnCondition};
use shared::returns::{OrderLookup, ReturnReason, ReturnableOrder, RETURN_REASONS};
use shared::staff::Role;

/// The channels an order number may come from, in the order the form offers them.
const CHANNELS: [Channel; 7] = shared::order::ALL_CHANNELS;

/// Where the counter is.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// Finding the order.
    Find,
    /// Several orders match: choose one.
    Matches(Vec<ReturnableOrder>),
    /// Choosing the lines of the order.
    Lines(Box<ReturnableOrder>),
    /// HQ cannot be reached: against the receipt.
    Offline,
}

/// What the associate chose for one line.
#[derive(Debug, Clone, PartialEq)]
struct Draft {
    /// The order's line (online) or the scanned item (offline).
    line_no: Option<u32>,
    sku_code: String,
    /// Offline: the scanned item, described.
    item: Option<ItemView>,
    qty: i64,
    /// Most units that may come back.
    max: i64,
    reason: ReturnReason,
    note: String,
    condition: ReturnCondition,
}

impl Draft {
    fn input(&self) -> ReturnLineInput {
        ReturnLineInput {
            line_no: self.line_no,
            sku_code: self.sku_code.clone(),
            qty: self.qty,
            condition: self.condition,
            reason: self.reason,
            note: self.note.clone(),
        }
    }
}

/// Most units of one scanned item taken back offline.
const OFFLINE_MAX: i64 = 99;

fn channel_of(s: &str) -> Channel {
    Channel::parse(s).unwrap_or(Channel::Tmall)
}

/// The return counter.
#[component]
pub fn ReturnsScreen() -> impl IntoView {
    let ctx = Ctx::get();
    let step = RwSignal::new(Step::Find);
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<ErrorView>);
    let channel = RwSignal::new(Channel::Tmall);
    let number = RwSignal::new(String::new());
    let phone_tail = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let drafts = RwSignal::new(Vec::<Draft>::new());
    let manager_dialog = RwSignal::new(false);
    let manager_id = RwSignal::new(String::new());
    let manager_pin = RwSignal::new(String::new());
    let offline_manager = RwSignal::new(false);
    let offline_channel = RwSignal::new(Channel::Tmall);
    let offline_number = RwSignal::new(String::new());
    let managers = LocalResource::new(|| ipc::invoke::<ListStaff>(NoArgs {}));
    let recent = LocalResource::new(move || {
        ctx.data_version.track();
        ipc::invoke::<ListReturns>(NoArgs {})
    });

    let open_order = move |order: ReturnableOrder| {
        drafts.set(
            order
                .lines
                .iter()
                .map(|l| Draft {
                    line_no: Some(l.line_no),
                    sku_code: l.sku_code.clone(),
                    item: None,
                    qty: 0,
                    max: l.returnable(),
                    reason: ReturnReason::Size,
                    note: String::new(),
                    condition: ReturnCondition::Resaleable,
                })
                .collect(),
        );
        problem.set(None);
        step.set(Step::Lines(Box::new(order)));
    };
    let lookup = move |q: OrderLookup| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        problem.set(None);
        leptos::task::spawn_local(async move {
            match ipc::invoke::<LookupOrder>(LookupOrderArgs { lookup: q.clone() }).await {
                Ok(answer) if answer.orders.len() == 1 => {
                    if let Some(o) = answer.orders.into_iter().next() {
                        open_order(o);
                    }
                }
                Ok(answer) => step.set(Step::Matches(answer.orders)),
                Err(e) if e.error == ErrorCode::Offline => {
                    // HQ cannot be reached: take the goods back against the receipt.
                    match &q {
                        OrderLookup::ChannelOrder { channel: c, channel_order_id } => {
                            offline_channel.set(*c);
                            offline_number.set(channel_order_id.clone());
                        }
                        OrderLookup::Code { code } if !code.starts_with("OMNI-ORDER|") => {
                            offline_number.set(code.clone())
                        }
                        _ => {}
                    }
                    drafts.set(Vec::new());
                    problem.set(Some(e));
                    step.set(Step::Offline);
                }
                Err(e) => {
                    problem.set(Some(e.clone()));
                    ctx.error(&e);
                }
            }
            busy.set(false);
        });
    };
    let add_item = move |scanned: String| {
        leptos::task::spawn_local(async move {
            match ipc::invoke::<ReturnItem>(ItemArgs { code: scanned }).await {
                Ok(item) => drafts.update(|d| {
                    if let Some(existing) = d.iter_mut().find(|x| x.sku_code == item.sku.code) {
                        existing.qty = (existing.qty + 1).min(OFFLINE_MAX);
                    } else {
                        d.push(Draft {
                            line_no: None,
                            sku_code: item.sku.code.clone(),
                            item: Some(item),
                            qty: 1,
                            max: OFFLINE_MAX,
                            reason: ReturnReason::Size,
                            note: String::new(),
                            condition: ReturnCondition::Resaleable,
                        });
                    }
                }),
                Err(e) => ctx.error(&e),
            }
        });
    };
    // A scan finds the order (the receipt's QR or a channel's number); offline it adds the
    // scanned item.
    on_scan(move |text| match step.get_untracked() {
        Step::Offline => add_item(text),
        // An item scanned while choosing lines counts one more unit of its line; anything
        // else is looked up as another order's code.
        Step::Lines(_) => leptos::task::spawn_local(async move {
            match ipc::invoke::<ReturnItem>(ItemArgs { code: text.clone() }).await {
                Ok(item) => drafts.update(|d| {
                    if let Some(x) = d.iter_mut().find(|x| x.sku_code == item.sku.code && x.qty < x.max) {
                        x.qty += 1;
                    }
                }),
                Err(_) => lookup(OrderLookup::Code { code: text }),
            }
        }),
        _ => lookup(OrderLookup::Code { code: text }),
    });

    let chosen = move || drafts.with(|d| d.iter().filter(|x| x.qty > 0).map(Draft::input).collect::<Vec<_>>());
    let preview = LocalResource::new(move || {
        let order = match step.get() {
            Step::Lines(o) => Some(o.order_id),
            _ => None,
        };
        let lines = chosen();
        async move {
            match order {
                Some(order_id) if !lines.is_empty() => {
                    Some(ipc::invoke::<PreviewReturn>(PreviewReturnArgs { order_id, lines }).await)
                }
                _ => None,
            }
        }
    });
    let current_preview = move || preview.get().flatten().and_then(|r| r.ok());

    let submit = move |with_manager: bool| {
        if busy.get_untracked() {
            return;
        }
        let (order_id, order_ref) = match step.get_untracked() {
            Step::Lines(o) => (Some(o.order_id), None),
            _ => (
                None,
                Some(ChannelOrderRef {
                    channel: offline_channel.get_untracked(),
                    channel_order_id: offline_number.get_untracked(),
                }),
            ),
        };
        let (approver, pin) = if with_manager {
            (Some(manager_id.get_untracked()), Some(manager_pin.get_untracked()))
        } else {
            (None, None)
        };
        let args = AcceptReturnArgs { order_id, order_ref, lines: chosen(), manager_id: approver, manager_pin: pin };
        manager_pin.set(String::new());
        busy.set(true);
        leptos::task::spawn_local(async move {
            match ipc::invoke::<AcceptReturn>(args).await {
                Ok(record) => {
                    manager_dialog.set(false);
                    ctx.data_version.update(|v| *v += 1);
                    ctx.reset_to(Screen::ReturnReceipt(record.return_id));
                    ctx.ok_after_leaving(K::ReturnTaken);
                }
                Err(e) => {
                    problem.set(Some(e.clone()));
                    ctx.error(&e);
                }
            }
            busy.set(false);
        });
    };

    let line_controls = move |i: usize, max: i64, disabled: bool| {
        let set = move |f: Box<dyn Fn(&mut Draft)>| {
            drafts.update(|all| {
                if let Some(x) = all.get_mut(i) {
                    f(x)
                }
            })
        };
        let qty = move || drafts.with(|all| all.get(i).map_or(0, |x| x.qty));
        let reason = move || drafts.with(|all| all.get(i).map_or(ReturnReason::Size, |x| x.reason));
        let condition = move || drafts.with(|all| all.get(i).map_or(ReturnCondition::Resaleable, |x| x.condition));
        let has_qty = move || qty() > 0;
        let at_max = move || disabled || qty() >= max;
        view! {
            <div class="return-controls">
                <div class="stepper">
                    <button type="button" class="btn step-minus" disabled=move || disabled || qty() == 0
                        on:click=move |_| set(Box::new(|x| x.qty = (x.qty - 1).max(0)))>"−"</button>
                    <span class="qty-value">{qty}</span>
                    <button type="button" class="btn step-plus" disabled=at_max
                        on:click=move |_| set(Box::new(move |x| x.qty = (x.qty + 1).min(max)))>"+"</button>
                    {(max < OFFLINE_MAX).then(|| view! { <span class="sub">{move || format!("{} {max}", ctx.t(K::ReturnableUpTo))}</span> })}
                </div>
                <Show when=has_qty>
                    <label class="sub">{move || ctx.t(K::ReturnReasonLabel)}</label>
                    <select class="reason-select" on:change=move |ev| {
                        let r = ReturnReason::parse(&event_target_value(&ev)).unwrap_or_default();
                        set(Box::new(move |x| x.reason = r));
                    }>
                        {RETURN_REASONS.map(|r| view! {
                            <option value=r.as_str() selected=move || reason() == r>{move || reason_label(ctx.lang.get(), r)}</option>
                        })}
                    </select>
                    <Show when=move || reason() == ReturnReason::Other>
                        <input class="reason-note" type="text" placeholder=move || ctx.t(K::ReturnNotePlaceholder)
                            prop:value=move || drafts.with(|all| all.get(i).map(|x| x.note.clone()).unwrap_or_default())
                            on:input=move |ev| { let v = event_target_value(&ev); set(Box::new(move |x| x.note = v.clone())); }/>
                    </Show>
                    <div class="chips condition">
                        {[ReturnCondition::Resaleable, ReturnCondition::Damaged].map(|c| view! {
                            <button type="button" class=format!("chip cond-{}", c.as_str())
                                class:active=move || condition() == c
                                on:click=move |_| set(Box::new(move |x| x.condition = c))>
                                {move || condition_label(ctx.lang.get(), c)}
                            </button>
                        })}
                    </div>
                </Show>
            </div>
        }
    };

    let find_view = move || {
        view! {
            <section class="card" id="find-order">
                <h2>{move || ctx.t(K::ReturnFindOrder)}</h2>
                <p class="hint">{move || ctx.t(K::ReturnFindHint)}</p>
                <label>{move || ctx.t(K::ReturnOrderCode)}</label>
                <ScanBar placeholder=K::ReturnCodePlaceholder/>
                <form class="form" on:submit=move |ev| {
                    ev.prevent_default();
                    lookup(OrderLookup::ChannelOrder { channel: channel.get_untracked(), channel_order_id: number.get_untracked().trim().to_string() });
                }>
                    <label for="lookup-number">{move || ctx.t(K::ReturnChannelNumber)}</label>
                    <div class="lookup-row">
                        <select id="lookup-channel" on:change=move |ev| channel.set(channel_of(&event_target_value(&ev)))>
                            {CHANNELS.map(|c| view! { <option value=c.as_str()>{move || channel_label(ctx.lang.get(), c)}</option> })}
                        </select>
                        <input id="lookup-number" type="text" autocomplete="off"
                            prop:value=move || number.get() on:input=move |ev| number.set(event_target_value(&ev))/>
                        <button id="lookup-number-submit" type="submit" class="btn secondary" disabled=move || busy.get() || number.get().trim().is_empty()>
                            {move || ctx.t(K::ReturnFind)}
                        </button>
                    </div>
                </form>
                <form class="form" on:submit=move |ev| {
                    ev.prevent_default();
                    lookup(OrderLookup::Phone { phone_tail: phone_tail.get_untracked().trim().to_string(), name: name.get_untracked().trim().to_string() });
                }>
                    <label for="lookup-phone">{move || ctx.t(K::ReturnPhoneAndName)}</label>
                    <div class="lookup-row">
                        <input id="lookup-phone" type="text" inputmode="numeric" maxlength="4" autocomplete="off" placeholder="5678"
                            prop:value=move || phone_tail.get() on:input=move |ev| phone_tail.set(event_target_value(&ev))/>
                        <input id="lookup-name" type="text" autocomplete="off" placeholder=move || ctx.t(K::ReturnNamePlaceholder)
                            prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                        <button id="lookup-phone-submit" type="submit" class="btn secondary"
                            disabled=move || busy.get() || phone_tail.get().trim().len() != 4 || name.get().trim().is_empty()>
                            {move || ctx.t(K::ReturnFind)}
                        </button>
                    </div>
                </form>
                {move || problem.get().map(|e| view! { <p id="lookup-error" class="error-text" role="alert">{error_text(ctx.lang.get(), &e)}</p> })}
                <button id="offline-return" type="button" class="btn secondary" on:click=move |_| { drafts.set(Vec::new()); step.set(Step::Offline); }>
                    {move || ctx.t(K::ReturnWithoutLookup)}
                </button>
            </section>
        }
    };

    let recent_view = move || {
        let list = recent.get().and_then(|r| r.ok()).unwrap_or_default();
        if list.is_empty() {
            return view! { <div class="state-box empty" id="no-returns">{move || ctx.t(K::NoReturnsYet)}</div> }
                .into_any();
        }
        {
            view! {
                <section class="card" id="recent-returns">
                    <h2>{move || ctx.t(K::RecentReturns)}</h2>
                    <ul class="lines">
                        {list.into_iter().take(10).map(|r: ReturnRecord| {
                            let id = r.return_id;
                            let units: i64 = r.lines.iter().map(|l| l.qty).sum();
                            view! {
                                <li class="line return-card" data-return-id=id.to_string() on:click=move |_| ctx.go(Screen::ReturnReceipt(id))>
                                    <span class="name">{r.channel.map(|c| channel_label(ctx.lang.get_untracked(), c)).unwrap_or_default()} " " {r.channel_order_id.clone()}</span>
                                    <span class="sub">{units} " " {move || ctx.t(K::Units)} " · " {move || time_text(r.created_ms, ctx.lang.get())}</span>
                                    <span class=format!("qty progress-{}", r.progress.as_str())>{move || crate::i18n::progress_label(ctx.lang.get(), r.progress)}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            }
        }
        .into_any()
    };

    let matches_view = move |orders: Vec<ReturnableOrder>| {
        view! {
            <section class="card" id="match-list">
                <h2>{move || ctx.t(K::ReturnChooseOrder)}</h2>
                <ul class="lines">
                    {orders.into_iter().map(|o| {
                        let units: i64 = o.lines.iter().map(|l| l.sold).sum();
                        let oid = o.order_id.to_string();
                        let head = format!("{} {}", channel_label(ctx.lang.get_untracked(), o.channel), o.channel_order_id);
                        let sub = format!("{} · {} {} · {}", o.customer_name, units, ctx.t(K::Units), time_text(o.ordered_at.timestamp_millis(), ctx.lang.get_untracked()));
                        view! {
                            <li class="line match-card" data-order-id=oid on:click=move |_| open_order(o.clone())>
                                <span class="name">{head}</span>
                                <span class="sub">{sub}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <button type="button" class="btn secondary" on:click=move |_| step.set(Step::Find)>{move || ctx.t(K::Back)}</button>
            </section>
        }
    };

    let summary_view = move |p: Option<ReturnPreview>, order: Option<ReturnableOrder>| {
        let lines = drafts.get();
        let name_of = move |line_no: u32| {
            order
                .as_ref()
                .and_then(|o| o.lines.iter().find(|l| l.line_no == line_no))
                .map(|l| format!("{} {} {}", l.name, l.colour, l.size))
                .unwrap_or_default()
        };
        let units: i64 = lines.iter().map(|d| d.qty).sum();
        view! {
            <section class="card refund-summary" id="refund-summary">
                <h2>{move || ctx.t(K::ReturnRefund)}</h2>
                {match &p {
                    Some(p) => view! {
                        <ul class="lines" id="refund-lines">
                            {p.quote.lines.iter().map(|q| view! {
                                <li class="line refund-line" data-line-no=q.line_no>
                                    <span class="name">{name_of(q.line_no)}</span>
                                    <span class="sub">{format!("× {}", q.qty)}</span>
                                    <span class="qty">{q.refund.to_string()}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                        <dl class="facts">
                            <dt>{move || ctx.t(K::RefundGoods)}</dt><dd id="refund-goods">{p.quote.goods.to_string()}</dd>
                            <dt>{move || ctx.t(K::RefundShipping)}</dt><dd id="refund-shipping">{p.quote.shipping.to_string()}</dd>
                            <dt><strong>{move || ctx.t(K::RefundTotal)}</strong></dt><dd><strong id="refund-total" class="big-count">{p.quote.total.to_string()}</strong></dd>
                        </dl>
                        {p.needs_approval.then(|| {
                            let limit = p.approval_limit;
                            view! { <p id="approval-needed" class="flag">{move || format!("{} {limit}{}", ctx.t(K::ApprovalAbove), ctx.t(K::ApprovalAboveEnd))}</p> }
                        })}
                        {p.problems.iter().map(|c| {
                            let c = c.clone();
                            view! { <p class="error-text return-problem">{move || return_problem_text(ctx.lang.get(), &c)}</p> }
                        }).collect_view()}
                        <p class="hint">{move || ctx.t(K::RefundOriginalChannel)}</p>
                    }.into_any(),
                    None if units == 0 => view! { <p class="hint" id="refund-empty">{move || ctx.t(K::ReturnChooseUnits)}</p> }.into_any(),
                    None => view! { <p class="hint" id="refund-offline">{move || ctx.t(K::RefundAtSync)}</p> }.into_any(),
                }}
                {move || problem.get().filter(|_| !matches!(step.get(), Step::Find)).map(|e| view! {
                    <p id="return-error" class="error-text" role="alert">{error_text(ctx.lang.get(), &e)}</p>
                })}
            </section>
        }
    };

    let lines_view = move |order: ReturnableOrder| {
        let o = order.clone();
        let header = view! {
            <section class="card" id="return-order" data-order-id=o.order_id.to_string()>
                <div class="row">
                    <h2>{move || channel_label(ctx.lang.get(), o.channel)} " " {o.channel_order_id.clone()}</h2>
                </div>
                <p class="sub">{move || ctx.t(K::Customer)} ": " {o.customer_name.clone()} " " {o.customer_phone.clone()}</p>
                <p class="sub">{move || ctx.t(K::ReturnOrderedAt)} " " {move || time_text(o.ordered_at.timestamp_millis(), ctx.lang.get())}
                    " · " {move || ctx.t(K::ReturnBy)} " " {move || time_text(o.return_by.timestamp_millis(), ctx.lang.get())}</p>
                {o.selling_store.clone().map(|s| view! { <p class="sub">{move || ctx.t(K::ReturnSellingStore)} " " {s.clone()}
                    {o.associate_id.clone().map(|a| format!(" · {a}"))}</p> })}
            </section>
        };
        let lines = order.lines.clone();
        view! {
            {header}
            <ul class="return-lines">
                {lines.into_iter().enumerate().map(|(i, l)| {
                    let d = drafts.with_untracked(|all| all.get(i).cloned());
                    let returnable = l.returnable();
                    view! {
                        <li class="card return-line" class:final-sale=l.final_sale data-line-no=l.line_no data-sku=l.sku_code.clone()>
                            <div class="row">
                                <strong>{l.name.clone()}</strong>
                                <span class="sub">{format!("{} · {} · {}", l.colour, l.size, l.sku_code)}</span>
                            </div>
                            <p class="sub">{move || format!("{} {} · {} {} · {} {} · {} {}",
                                ctx.t(K::ReturnSold), l.sold, ctx.t(K::AlreadyReturned), l.returned,
                                ctx.t(K::ReturnUnitPrice), l.unit_price, ctx.t(K::ReturnPaid), l.paid)}</p>
                            {l.final_sale.then(|| view! { <p class="flag final-sale-note">{move || ctx.t(K::FinalSaleNote)}</p> })}
                            {(!l.final_sale && returnable == 0).then(|| view! { <p class="flag">{move || ctx.t(K::AllReturned)}</p> })}
                            {d.map(|d| line_controls(i, d.max, l.final_sale || returnable == 0))}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    };

    let offline_view = move || {
        view! {
            <section class="card offline-return" id="offline-form">
                <h2>{move || ctx.t(K::OfflineReturnTitle)}</h2>
                <p class="state-box failed" id="offline-return-note">{move || ctx.t(K::OfflineReturnNote)}</p>
                <label for="offline-number">{move || ctx.t(K::ReceiptOrderNumber)}</label>
                <div class="lookup-row">
                    <select id="offline-channel" on:change=move |ev| offline_channel.set(channel_of(&event_target_value(&ev)))>
                        {CHANNELS.map(|c| view! { <option value=c.as_str() selected=move || offline_channel.get() == c>{move || channel_label(ctx.lang.get(), c)}</option> })}
                    </select>
                    <input id="offline-number" type="text" autocomplete="off"
                        prop:value=move || offline_number.get() on:input=move |ev| offline_number.set(event_target_value(&ev))/>
                </div>
                <p class="hint">{move || ctx.t(K::ScanReturnedItems)}</p>
                <ScanBar placeholder=K::BarcodePlaceholder/>
            </section>
            <ul class="return-lines" id="offline-lines">
                {move || drafts.get().into_iter().enumerate().map(|(i, d)| {
                    let item = d.item.clone();
                    view! {
                        <li class="card return-line" data-sku=d.sku_code.clone()>
                            <div class="row">
                                <strong>{item.as_ref().map(|it| it.sku.name.clone()).unwrap_or_else(|| d.sku_code.clone())}</strong>
                                <span class="sub">{item.as_ref().map(|it| format!("{} · {} · {}", it.sku.colour, it.sku.size, it.sku.code))}</span>
                            </div>
                            {line_controls(i, d.max, false)}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <section class="card">
                <label class="check">
                    <input id="offline-manager-toggle" type="checkbox" prop:checked=move || offline_manager.get()
                        on:change=move |_| offline_manager.update(|v| *v = !*v)/>
                    {move || ctx.t(K::OfflineManagerApproves)}
                </label>
            </section>
        }
    };

    let manager_fields = move || {
        view! {
            <label for="return-manager">{move || ctx.t(K::Manager)}</label>
            <select id="return-manager" on:change=move |ev| manager_id.set(event_target_value(&ev))>
                <option value="">{move || ctx.t(K::ChooseManager)}</option>
                {move || managers.get().and_then(|r| r.ok()).unwrap_or_default().into_iter()
                    .filter(|m| m.role == Role::Manager)
                    .map(|m| view! { <option value=m.id.clone()>{m.name.clone()}</option> })
                    .collect_view()}
            </select>
            <label for="return-manager-pin">{move || ctx.t(K::ManagerPin)}</label>
            <input id="return-manager-pin" type="password" inputmode="numeric" autocomplete="off"
                prop:value=move || manager_pin.get() on:input=move |ev| manager_pin.set(event_target_value(&ev))/>
        }
    };

    let confirm_bar = move || {
        let online = matches!(step.get(), Step::Lines(_));
        let p = current_preview();
        let units: i64 = drafts.with(|d| d.iter().map(|x| x.qty).sum());
        let blocked = units == 0
            || (online && p.as_ref().is_none_or(|p| !p.problems.is_empty() || p.quote.lines.is_empty()))
            || (!online && offline_number.get().trim().is_empty());
        let needs = p.as_ref().is_some_and(|p| p.needs_approval);
        view! {
            <section class="actions">
                {(!online && offline_manager.get()).then(|| view! { <div class="card form">{manager_fields()}</div> })}
                <button id="confirm-return" class="btn primary big" disabled=move || busy.get() || blocked
                    on:click=move |_| {
                        if online && needs { manager_dialog.set(true) } else { submit(!online && offline_manager.get_untracked()) }
                    }>
                    {move || if needs { ctx.t(K::ConfirmReturnWithManager) } else { ctx.t(K::ConfirmReturn) }}
                </button>
                <button id="cancel-return" type="button" class="btn secondary" on:click=move |_| { problem.set(None); step.set(Step::Find); }>
                    {move || ctx.t(K::Cancel)}
                </button>
            </section>
        }
    };

    let body = move || match step.get() {
        Step::Find => view! {
            <div class="return-main">{find_view()}</div>
            <aside class="return-side">{recent_view}</aside>
        }
        .into_any(),
        Step::Matches(orders) => view! { <div class="return-main">{matches_view(orders)}</div> }.into_any(),
        Step::Lines(order) => {
            let order = *order;
            let o = order.clone();
            view! {
                <div class="return-main">{lines_view(order)}</div>
                <aside class="return-side">
                    {move || summary_view(current_preview(), Some(o.clone()))}
                    {confirm_bar}
                </aside>
            }
            .into_any()
        }
        Step::Offline => view! {
            <div class="return-main">{offline_view()}</div>
            <aside class="return-side">{move || summary_view(None, None)} {confirm_bar}</aside>
        }
        .into_any(),
    };

    view! {
        <TopBar title=K::ReturnsTitle/>
        <main class="screen return-layout" data-step=move || match step.get() {
            Step::Find => "find", Step::Matches(_) => "matches", Step::Lines(_) => "lines", Step::Offline => "offline",
        }>
            {body}
            <Show when=move || manager_dialog.get()>
                <div class="dialog" role="dialog" id="manager-dialog">
                    <h2>{move || ctx.t(K::ReturnManagerApproval)}</h2>
                    <p class="hint">{move || current_preview().map(|p| format!("{} {} · {} {}", ctx.t(K::RefundTotal), p.quote.total, ctx.t(K::ApprovalAbove), p.approval_limit))}</p>
                    <form class="form" on:submit=move |ev| { ev.prevent_default(); submit(true); }>
                        {manager_fields()}
                        <div class="row">
                            <button type="button" class="btn secondary" on:click=move |_| manager_dialog.set(false)>{move || ctx.t(K::Cancel)}</button>
                            <button id="manager-approve" type="submit" class="btn primary"
                                disabled=move || busy.get() || manager_id.get().is_empty() || manager_pin.get().is_empty()>
                                {move || ctx.t(K::ApproveAndConfirm)}
                            </button>
                        </div>
                    </form>
                    {move || problem.get().map(|e| view! { <p id="manager-error" class="error-text" role="alert">{error_text(ctx.lang.get(), &e)}</p> })}
                </div>
            </Show>
        </main>
    }
}
