//! Settings: language, the server this device is enrolled with, the network thermal
//! printer (address and paper), sync now, diagnostics.

use crate::components::{Failed, Loading, TopBar};
use crate::i18n::{time_text, Lang, K};
use crate::ipc;
use crate::state::{Ctx, Screen};
use leptos::prelude::*;
use shared::app::command::{
    GetDiagnostics, GetPrinter, LanguageArgs, Logout, NoArgs, SetLanguage, SetPrinter, SyncNow,
};
use shared::app::print::PrinterSettings;
use shared::app::ErrorView;
use shared::print::PaperWidth;

/// The thermal printer: its address (`host:port`, the port defaulting to 9100) and paper.
#[component]
fn PrinterCard() -> impl IntoView {
    let ctx = Ctx::get();
    let address = RwSignal::new(String::new());
    let paper = RwSignal::new(PaperWidth::default());
    let saved = RwSignal::new(None::<PrinterSettings>);
    let problem = RwSignal::new(None::<ErrorView>);
    let busy = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        match ipc::invoke::<GetPrinter>(NoArgs {}).await {
            Ok(p) => {
                address.set(p.address.clone());
                paper.set(p.paper);
                saved.set(Some(p));
            }
            Err(e) => problem.set(Some(e)),
        }
    });
    let save = move || {
        busy.set(true);
        let args = PrinterSettings { address: address.get_untracked(), paper: paper.get_untracked() };
        leptos::task::spawn_local(async move {
            match ipc::invoke::<SetPrinter>(args).await {
                Ok(p) => {
                    address.set(p.address.clone());
                    saved.set(Some(p));
                    problem.set(None);
                    ctx.ok(K::PrinterSaved);
                }
                Err(e) => problem.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let chip = move |w: PaperWidth, label: K| {
        view! {
            <button type="button" id=format!("paper-{}", w.as_str()) class="chip" class:active=move || paper.get() == w
                on:click=move |_| paper.set(w)>{move || ctx.t(label)}</button>
        }
    };
    view! {
        <section class="card form" id="printer-settings">
            <h2>{move || ctx.t(K::PrinterTitle)}</h2>
            <form class="form" on:submit=move |ev| { ev.prevent_default(); save(); }>
                <label for="printer-address">{move || ctx.t(K::PrinterAddress)}</label>
                <input id="printer-address" type="text" inputmode="url" autocomplete="off" placeholder="192.168.1.50:9100"
                    prop:value=move || address.get() on:input=move |ev| address.set(event_target_value(&ev))/>
                <p class="hint">{move || ctx.t(K::PrinterAddressHint)}</p>
                <label>{move || ctx.t(K::PrinterPaper)}</label>
                <div class="chips">
                    {chip(PaperWidth::Mm80, K::Paper80)}
                    {chip(PaperWidth::Mm58, K::Paper58)}
                    {chip(PaperWidth::Mm100, K::Paper100)}
                </div>
                {move || problem.get().map(|e| view! {
                    <p id="printer-error" class="error-text" role="alert">{crate::i18n::error_text(ctx.lang.get(), &e)}</p>
                })}
                <button id="printer-save" type="submit" class="btn primary" disabled=move || busy.get()>
                    {move || ctx.t(K::PrinterSave)}
                </button>
            </form>
            <p class="sub" id="printer-current">{move || ctx.t(K::PrinterTitle)} ": "
                {move || saved.get().filter(|p| !p.address.is_empty()).map(|p| p.address).unwrap_or_else(|| ctx.t(K::PrinterNone).to_string())}
            </p>
        </section>
    }
}

/// The settings screen.
#[component]
pub fn SettingsScreen() -> impl IntoView {
    let ctx = Ctx::get();
    let diagnostics = LocalResource::new(move || {
        ctx.data_version.track();
        ipc::invoke::<GetDiagnostics>(NoArgs {})
    });
    let syncing = RwSignal::new(false);
    let set_lang = move |lang: Lang| {
        leptos::task::spawn_local(async move {
            match ipc::invoke::<SetLanguage>(LanguageArgs { language: lang.tag().into() }).await {
                Ok(()) => ctx.lang.set(lang),
                Err(e) => ctx.error(&e),
            }
        });
    };
    let sync_now = move |_| {
        syncing.set(true);
        leptos::task::spawn_local(async move {
            match ipc::invoke::<SyncNow>(NoArgs {}).await {
                Ok(view) => {
                    ctx.sync.set(view);
                    ctx.data_version.update(|v| *v += 1);
                    ctx.ok(K::SyncDone);
                }
                Err(e) => ctx.error(&e),
            }
            syncing.set(false);
        });
    };
    let logout = move |_| {
        leptos::task::spawn_local(async move {
            let _ = ipc::invoke::<Logout>(NoArgs {}).await;
            ctx.refresh_snapshot().await;
            ctx.reset_to(Screen::Login);
        });
    };
    let enrollment = move || ctx.snapshot.with(|s| s.as_ref().and_then(|s| s.enrollment.clone()));
    let diag = move || {
        match diagnostics.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <Failed error=e retry=Callback::new(move |_| diagnostics.refetch())/> }.into_any(),
        Some(Ok(d)) => view! {
            <dl class="facts" id="diagnostics">
                <dt>{move || ctx.t(K::AppVersion)}</dt><dd>{d.version.clone()} " (" {move || ctx.t(K::Protocol)} " " {d.protocol_version} ")"</dd>
                <dt>{move || ctx.t(K::PendingOps)}</dt><dd id="diag-pending">{d.pending_ops}</dd>
                <dt>{move || ctx.t(K::OrdersOnDevice)}</dt><dd>{d.orders_on_device}</dd>
                <dt>{move || ctx.t(K::DataSize)}</dt><dd>{format!("{:.1} MB", d.replica_bytes as f64 / 1_048_576.0)}</dd>
                <dt>{move || ctx.t(K::DataDir)}</dt><dd class="mono">{d.data_dir.clone()}</dd>
                <dt>{move || ctx.t(K::Cursor)}</dt><dd class="mono">{d.cursor.clone()}</dd>
                <dt>{move || ctx.t(K::Cameras)}</dt>
                <dd>{if d.cameras.is_empty() { None } else { Some(d.cameras.join(", ")) }
                    .unwrap_or_else(|| ctx.t(K::NoCamera).to_string())}</dd>
            </dl>
        }
        .into_any(),
    }
    };
    view! {
        <TopBar title=K::SettingsTitle/>
        <main class="screen settings-layout">
            <section class="card">
                <h2>{move || ctx.t(K::Language)}</h2>
                <div class="chips">
                    <button id="lang-zh" class="chip" class:active=move || ctx.lang.get() == Lang::Zh on:click=move |_| set_lang(Lang::Zh)>"简体中文"</button>
                    <button id="lang-en" class="chip" class:active=move || ctx.lang.get() == Lang::En on:click=move |_| set_lang(Lang::En)>"English"</button>
                </div>
            </section>
            <section class="card">
                <h2>{move || ctx.t(K::Server)}</h2>
                {move || enrollment().map(|e| view! {
                    <p class="mono" id="server-address">{e.server_url.clone()}</p>
                    <p class="sub">{e.store.name.clone()} " (" {e.store.code.clone()} ")"</p>
                })}
                <button id="re-enroll" class="btn secondary" on:click=move |_| ctx.go(Screen::Enroll)>{move || ctx.t(K::EnrollAgain)}</button>
            </section>
            <PrinterCard/>
            <section class="card">
                <h2>{move || ctx.t(K::Sync)}</h2>
                <p id="sync-state">
                    {move || if ctx.sync.get().online { ctx.t(K::Online) } else { ctx.t(K::SyncOffline) }}
                    {move || ctx.sync.get().last_sync_ms.map(|t| format!(" · {} {}", ctx.t(K::LastSync), time_text(t, ctx.lang.get())))}
                </p>
                {move || ctx.sync.get().error.map(|e| view! { <p class="error-text">{crate::i18n::error_text(ctx.lang.get(), &e)}</p> })}
                <button id="sync-now" class="btn primary" disabled=move || syncing.get() on:click=sync_now>
                    {move || if syncing.get() { ctx.t(K::SyncSyncing) } else { ctx.t(K::SyncNow) }}
                </button>
            </section>
            <section class="card">
                <h2>{move || ctx.t(K::Diagnostics)}</h2>
                {diag}
            </section>
            <section class="card">
                <button id="logout" class="btn danger" on:click=logout>{move || ctx.t(K::LogOut)}</button>
            </section>
        </main>
    }
}
