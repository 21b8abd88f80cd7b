//! Pieces every screen uses: the top bar with sync state, the offline banner, the scan bar
//! and camera button, the message line, state badges, the loading/empty/error states, the
//! two-pane breakpoint, and the order list (cards with how long each order has waited and
//! its promise, most urgent first) that the order screens share.

use crate::i18n::{channel_label, error_text, kind_label, promise_texts, state_label, time_text, K};
use crate::ipc;
use crate::scan;
use crate::state::{now_ms, Ctx, OrderFilter, Screen};
use leptos::prelude::*;
use shared::app::command::{GetDeviceRules, ListOrders, NoArgs, OrderListArgs};
use shared::app::ErrorView;
use shared::fulfillment::FulfillmentState;
use shared::order::FulfillmentOrder;
use shared::promise::{promise, sort_by_urgency, PromiseState};
use shared::rules::DeviceRules;
use std::time::Duration;
use uuid::Uuid;

/// Title, back button and the sync indicator.
#[component]
pub fn TopBar(
    /// The screen's title (a translation key).
    title: K,
) -> impl IntoView {
    let ctx = Ctx::get();
    let sync_text = move || {
        let s = ctx.sync.get();
        let enrolled = ctx.snapshot.with(|s| s.as_ref().is_some_and(|s| s.enrollment.is_some()));
        if !enrolled {
            ctx.t(K::NotEnrolled).to_string()
        } else if let Some((done, total)) = s.bootstrap {
            format!("{} {done}/{total}", ctx.t(K::SyncDownloading))
        } else if s.syncing {
            ctx.t(K::SyncSyncing).to_string()
        } else if !s.online {
            ctx.t(K::SyncOffline).to_string()
        } else if s.pending_ops > 0 {
            format!("{} {}", s.pending_ops, ctx.t(K::SyncPending))
        } else {
            ctx.t(K::SyncUpToDate).to_string()
        }
    };
    let sync_class = move || {
        let s = ctx.sync.get();
        let enrolled = ctx.snapshot.with(|s| s.as_ref().is_some_and(|s| s.enrollment.is_some()));
        if !enrolled || !s.online {
            "sync-pill offline"
        } else if s.pending_ops > 0 || s.syncing {
            "sync-pill pending"
        } else {
            "sync-pill ok"
        }
    };
    view! {
        <header class="top-bar">
            <Show when=move || ctx.can_go_back()>
                <button id="back" class="icon-btn" on:click=move |_| ctx.back() aria-label=move || ctx.t(K::Back)>
                    "‹ " {move || ctx.t(K::Back)}
                </button>
            </Show>
            <h1 id="screen-title">{move || ctx.t(title)}</h1>
            <button id="sync-indicator" class=sync_class on:click=move |_| ctx.go(Screen::Settings)>
                {sync_text}
            </button>
        </header>
        <OfflineBanner/>
    }
}

/// Unmissable when the server cannot be reached: work continues and nothing is lost.
#[component]
pub fn OfflineBanner() -> impl IntoView {
    let ctx = Ctx::get();
    let enrolled = move || ctx.snapshot.with(|s| s.as_ref().is_some_and(|s| s.enrollment.is_some()));
    view! {
        <Show when=move || enrolled() && !ctx.sync.get().online>
            <div id="offline-banner" class="offline-banner" role="status">
                <strong>{move || ctx.t(K::OfflineTitle)}</strong>
                <span>
                    {move || ctx.t(K::OfflineBody)}
                    {move || {
                        let n = ctx.sync.get().pending_ops;
                        (n > 0).then(|| format!(" ({n} {})", ctx.t(K::SyncPending)))
                    }}
                </span>
            </div>
        </Show>
    }
}

/// Manual entry and the camera button; scanner bursts work without touching it.
#[component]
pub fn ScanBar(
    /// What the empty entry field says should be scanned or typed (a translation key).
    placeholder: K,
) -> impl IntoView {
    let ctx = Ctx::get();
    let text = RwSignal::new(String::new());
    let submit = move || {
        let value = text.get_untracked();
        if !value.trim().is_empty() {
            text.set(String::new());
            scan::deliver(ctx, value);
        }
    };
    view! {
        <form class="scan-bar" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <input id="manual-entry" type="text" inputmode="text" autocomplete="off"
                placeholder=move || ctx.t(placeholder)
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))/>
            <button id="manual-submit" type="submit" class="btn">{move || ctx.t(K::Enter)}</button>
            <CameraButton/>
        </form>
        <p class="hint">{move || ctx.t(K::ScanHint)}</p>
    }
}

/// Scans with the camera: the shell's camera on desktops and tablets (on until pressed
/// again), the OS scanner on phones (one code). What it reads arrives as a scan, like a
/// scanner's burst.
#[component]
pub fn CameraButton() -> impl IntoView {
    let ctx = Ctx::get();
    let camera_on = RwSignal::new(false);
    let toggle_camera = move |_| {
        if camera_on.get_untracked() {
            camera_on.set(false);
            leptos::task::spawn_local(scan::stop_camera());
        } else {
            leptos::task::spawn_local(async move {
                match scan::start_camera(ctx).await {
                    Ok(()) => camera_on.set(!ctx.snapshot.with_untracked(|s| s.as_ref().is_some_and(|s| s.mobile))),
                    Err(e) => ctx.error(&e),
                }
            });
        }
    };
    on_cleanup(move || {
        if camera_on.get_untracked() {
            leptos::task::spawn_local(scan::stop_camera());
        }
    });
    view! {
        <button id="camera" type="button" class="btn secondary" on:click=toggle_camera>
            {move || if camera_on.get() { ctx.t(K::CameraStop) } else { ctx.t(K::CameraStart) }}
        </button>
    }
}

/// The message line at the bottom: the toast of the screen in front (see [`crate::state`]);
/// it fades after a few seconds and goes when the screen does.
#[component]
pub fn ToastLine() -> impl IntoView {
    let ctx = Ctx::get();
    Effect::new(move |_| {
        if let Some(t) = ctx.toast.get() {
            let serial = t.serial;
            set_timeout(
                move || {
                    if ctx.toast.get_untracked().is_some_and(|now| now.serial == serial) {
                        ctx.toast.set(None);
                    }
                },
                std::time::Duration::from_secs(6),
            );
        }
    });
    view! {
        {move || ctx.current_toast().map(|t| view! {
            <div id="toast" role="alert" class=if t.error { "toast error" } else { "toast ok" }
                on:click=move |_| ctx.toast.set(None)>
                {t.text}
            </div>
        })}
    }
}

/// A coloured badge for an order state.
#[component]
pub fn StateBadge(
    /// The state shown, by its translated name and colour.
    state: FulfillmentState,
) -> impl IntoView {
    let ctx = Ctx::get();
    view! { <span class=format!("badge state-{}", state.as_str())>{move || state_label(ctx.lang.get(), state)}</span> }
}

/// Loading.
#[component]
pub fn Loading() -> impl IntoView {
    let ctx = Ctx::get();
    view! { <div class="state-box loading" id="loading">{move || ctx.t(K::Loading)}</div> }
}

/// Nothing to show, with what it means.
#[component]
pub fn Empty(
    /// What the empty screen means, e.g. no orders to pick (a translation key).
    text: K,
) -> impl IntoView {
    let ctx = Ctx::get();
    view! { <div class="state-box empty" id="empty-state">{move || ctx.t(text)}</div> }
}

/// A failed load, with a retry.
#[component]
pub fn Failed(
    /// Why the load failed, shown translated.
    error: ErrorView,
    /// Loads again, when the retry button is pressed.
    retry: Callback<()>,
) -> impl IntoView {
    let ctx = Ctx::get();
    let e = error.clone();
    view! {
        <div class="state-box failed" id="error-state" role="alert">
            <p>{move || error_text(ctx.lang.get(), &e)}</p>
            <button class="btn" on:click=move |_| retry.run(())>{move || ctx.t(K::Retry)}</button>
        </div>
    }
}

/// The narrowest viewport (CSS px) that shows two panes side by side: tablets in landscape
/// and desktops. The stylesheet's `@media (min-width: 900px)` is the same breakpoint.
pub const TWO_PANE_MIN_WIDTH: f64 = 900.0;

/// Whether the viewport is wide enough for two panes, following window resizes and
/// rotations while the calling component is mounted.
pub fn use_two_panes() -> Signal<bool> {
    let wide_now = || {
        web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|v| v.as_f64()).unwrap_or(0.0)
            >= TWO_PANE_MIN_WIDTH
    };
    let wide = RwSignal::new(wide_now());
    let listener = window_event_listener(leptos::ev::resize, move |_| {
        let now = wide_now();
        if wide.get_untracked() != now {
            wide.set(now);
        }
    });
    on_cleanup(move || listener.remove());
    wide.into()
}

/// A clock for what a screen shows (waited times, time left), ticking every 30 seconds
/// while the calling component is mounted.
pub fn use_ticking_now() -> Signal<i64> {
    let now = RwSignal::new(now_ms());
    if let Ok(handle) = set_interval_with_handle(move || now.set(now_ms()), Duration::from_secs(30)) {
        on_cleanup(move || handle.clear());
    }
    now.into()
}

/// The rules HQ set for this device (promise windows), reloaded when synced data arrives;
/// the defaults until they are read.
pub fn use_device_rules() -> Signal<DeviceRules> {
    let ctx = Ctx::get();
    let rules = LocalResource::new(move || {
        ctx.data_version.track();
        ipc::invoke::<GetDeviceRules>(NoArgs {})
    });
    Signal::derive(move || rules.get().and_then(|r| r.ok()).unwrap_or_default())
}

/// How long an order has waited and where it stands against its promise, in one line; red
/// when overdue, amber when a quarter of the window or less is left.
#[component]
pub fn PromiseLine(
    /// The order.
    order: FulfillmentOrder,
    /// HQ's promise windows.
    rules: Signal<DeviceRules>,
    /// The time shown (ms).
    now: Signal<i64>,
) -> impl IntoView {
    let ctx = Ctx::get();
    let p = Memo::new(move |_| promise(&order, &rules.get(), now.get()));
    let class = move || {
        let p = p.get();
        match p.state {
            _ if p.overdue() => "promise overdue",
            _ if p.due_soon() => "promise due-soon",
            PromiseState::Open { .. } => "promise open",
            PromiseState::Kept => "promise kept",
            PromiseState::Closed => "promise closed",
        }
    };
    view! {
        <span class=class>
            {move || {
                let t = promise_texts(ctx.lang.get(), &p.get());
                t.into_iter().map(|part| view! { <span>{part}</span> }).collect_view()
            }}
        </span>
    }
}

thread_local! {
    /// The last list each filter showed, so a list shown again (another order picked in
    /// the two-pane layout) appears at once while it reloads.
    static LISTS: std::cell::RefCell<Vec<(OrderFilter, Vec<FulfillmentOrder>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The filter chips and the order list, most urgent first (see [`shared::promise`]). A
/// card opens its order; with `selected` (the order shown beside the list) it is marked,
/// and picking another card switches the order in place, so Back still leaves the list.
#[component]
pub fn OrderList(
    /// Which orders the list shows; the chips switch to another filter.
    filter: OrderFilter,
    /// The order shown beside the list, in the two-pane layout.
    #[prop(optional)]
    selected: Option<Uuid>,
    /// Set to how many of the listed orders are overdue and how many due soon.
    #[prop(optional)]
    urgency: Option<RwSignal<Option<(usize, usize)>>>,
) -> impl IntoView {
    let ctx = Ctx::get();
    let cached = LISTS.with_borrow(|c| c.iter().find(|(f, _)| *f == filter).map(|(_, l)| l.clone()));
    let orders = RwSignal::new(cached.map(Ok::<_, ErrorView>));
    let rules = use_device_rules();
    let now = use_ticking_now();
    Effect::new(move |_| {
        ctx.data_version.track();
        leptos::task::spawn_local(async move {
            let got = ipc::invoke::<ListOrders>(OrderListArgs { states: filter.states() }).await;
            if let Ok(list) = &got {
                LISTS.with_borrow_mut(|c| {
                    c.retain(|(f, _)| *f != filter);
                    c.push((filter, list.clone()));
                });
            }
            orders.try_set(Some(got));
        });
    });
    let sorted = Memo::new(move |_| {
        let mut got = orders.get()?;
        if let Ok(list) = &mut got {
            sort_by_urgency(list, &rules.get(), now_ms());
        }
        Some(got)
    });
    if let Some(urgency) = urgency {
        Effect::new(move |_| {
            let counts = sorted.with(|s| match s {
                Some(Ok(list)) => {
                    let (r, t) = (rules.get(), now.get());
                    let ps: Vec<_> = list.iter().map(|fo| promise(fo, &r, t)).collect();
                    Some((ps.iter().filter(|p| p.overdue()).count(), ps.iter().filter(|p| p.due_soon()).count()))
                }
                _ => None,
            });
            urgency.set(counts);
        });
    }
    let chips = OrderFilter::ALL.map(|f| {
        view! {
            <button id=format!("filter-{}", f.id()) class="chip" class:active=move || f == filter
                on:click=move |_| ctx.switch(Screen::Orders(f))>
                {move || ctx.t(f.label())}
            </button>
        }
    });
    let open = move |id: Uuid| {
        if selected.is_some() {
            ctx.switch(Screen::Order(id));
        } else {
            ctx.go(Screen::Order(id));
        }
    };
    let list = move || {
        match sorted.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => {
            view! { <Failed error=e retry=Callback::new(move |_| ctx.data_version.update(|v| *v += 1))/> }.into_any()
        }
        Some(Ok(list)) if list.is_empty() => view! { <Empty text=K::NoOrders/> }.into_any(),
        Some(Ok(list)) => view! {
            <ul class="order-list">
                {list.into_iter().map(|fo| {
                    let id = fo.id;
                    let units: i64 = fo.lines.iter().map(|l| l.qty).sum();
                    let created = fo.created_at.timestamp_millis();
                    let (channel, kind) = (fo.channel, fo.kind);
                    let is_selected = selected == Some(id);
                    view! {
                        <li>
                            <button class="order-card" class:selected=is_selected data-order-id=id.to_string()
                                data-order-no=fo.channel_order_id.clone() aria-current=is_selected.then_some("true")
                                on:click=move |_| open(id)>
                                <span class="row">
                                    <strong class="order-no">{fo.channel_order_id.clone()}</strong>
                                    <StateBadge state=fo.state/>
                                </span>
                                <span class="row sub">
                                    <span>{move || channel_label(ctx.lang.get(), channel)} " · " {move || kind_label(ctx.lang.get(), kind)}</span>
                                    <span>{units} " " {move || ctx.t(K::Units)}</span>
                                </span>
                                <span class="row sub">
                                    <span>{fo.customer_name.clone()} " ****" {fo.customer_phone_tail.clone()}</span>
                                    <span>{move || time_text(created, ctx.lang.get())}</span>
                                </span>
                                <PromiseLine order=fo.clone() rules=rules now=now/>
                                {fo.flagged.then(|| view! { <span class="flag">{move || ctx.t(K::Flagged)}</span> })}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any(),
    }
    };
    // Keep the order shown beside the list in view when the list is drawn again.
    Effect::new(move |_| {
        if sorted.with(|s| matches!(s, Some(Ok(_)))) && selected.is_some() {
            request_animation_frame(move || {
                let card = selected.and_then(|id| {
                    web_sys::window()?.document()?.query_selector(&format!(".order-card[data-order-id='{id}']")).ok()?
                });
                if let Some(card) = card {
                    let options = web_sys::ScrollIntoViewOptions::new();
                    options.set_block(web_sys::ScrollLogicalPosition::Nearest);
                    card.scroll_into_view_with_scroll_into_view_options(&options);
                }
            });
        }
    });
    view! {
        <nav class="chips">{chips}</nav>
        {list}
    }
}
