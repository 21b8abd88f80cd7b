//! Enrollment: the server address and HQ's one-time code, typed or scanned from HQ's QR.

use crate::components::TopBar;
use crate::i18n::K;
use crate::ipc;
use crate::scan::on_scan;
use crate::state::{Ctx, Screen};
use leptos::prelude::*;
use shared::app::command::{Enroll, EnrollArgs};
use shared::app::{ErrorCode, ErrorView};
use shared::scan::{classify, ScanInput};

/// The enrollment screen.
#[component]
pub fn EnrollScreen() -> impl IntoView {
    let ctx = Ctx::get();
    let current =
        ctx.snapshot.with_untracked(|s| s.as_ref().and_then(|s| s.enrollment.as_ref().map(|e| e.server_url.clone())));
    let server_url = RwSignal::new(current.unwrap_or_else(|| "http://".into()));
    let code = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let args = EnrollArgs { server_url: server_url.get_untracked(), code: code.get_untracked() };
            match ipc::invoke::<Enroll>(args).await {
                Ok(_) => {
                    ctx.refresh_snapshot().await;
                    ctx.reset_to(Screen::Login);
                    ctx.ok_after_leaving(K::Enrolled);
                }
                Err(e) => ctx.error(&e),
            }
            busy.set(false);
        });
    };
    on_scan(move |text| match classify(&text) {
        ScanInput::Enrollment { server_url: url, code: c } => {
            server_url.set(url);
            code.set(c);
            submit();
        }
        _ => ctx.error(&ErrorView::new(ErrorCode::NotAnEnrollmentCode, text)),
    });
    view! {
        <TopBar title=K::EnrollTitle/>
        <main class="screen narrow">
            <p class="lead">{move || ctx.t(K::EnrollIntro)}</p>
            <form class="card form" on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <label for="server-url">{move || ctx.t(K::ServerUrl)}</label>
                <input id="server-url" type="url" inputmode="url" autocomplete="off"
                    prop:value=move || server_url.get() on:input=move |ev| server_url.set(event_target_value(&ev))/>
                <label for="enroll-code">{move || ctx.t(K::EnrollCode)}</label>
                <input id="enroll-code" type="text" autocomplete="off" autocapitalize="characters"
                    prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
                <button id="enroll-submit" type="submit" class="btn primary big" disabled=move || busy.get()>
                    {move || if busy.get() { ctx.t(K::Enrolling) } else { ctx.t(K::EnrollSubmit) }}
                </button>
            </form>
            <section class="card">
                <p class="hint">{move || ctx.t(K::EnrollScanHint)}</p>
                <crate::components::ScanBar placeholder=K::EnrollScanPlaceholder/>
            </section>
        </main>
    }
}
