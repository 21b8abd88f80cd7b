//! Pieces every screen uses: the top bar with sync state, the offline banner, the scan bar,
//! the message line, state badges and the loading/empty/error states.

use crate::i18n::{error_text, state_label, K};
use crate::scan;
use crate::state::{Ctx, Screen};
use leptos::prelude::*;
use shared::app::ErrorView;
use shared::fulfillment::FulfillmentState;

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
    let camera_on = RwSignal::new(false);
    let submit = move || {
        let value = text.get_untracked();
        if !value.trim().is_empty() {
            text.set(String::new());
            scan::deliver(ctx, value);
        }
    };
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
        <form class="scan-bar" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <input id="manual-entry" type="text" inputmode="text" autocomplete="off"
                placeholder=move || ctx.t(placeholder)
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))/>
            <button id="manual-submit" type="submit" class="btn">{move || ctx.t(K::Enter)}</button>
            <button id="camera" type="button" class="btn secondary" on:click=toggle_camera>
                {move || if camera_on.get() { ctx.t(K::CameraStop) } else { ctx.t(K::CameraStart) }}
            </button>
        </form>
        <p class="hint">{move || ctx.t(K::ScanHint)}</p>
    }
}

/// The message line at the bottom; it fades after a few seconds.
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
        {move || ctx.toast.get().map(|t| view! {
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
