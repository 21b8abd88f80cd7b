//! PIN login, checked offline against the store's staff list on the device.

use crate::components::{Failed, Loading, TopBar};
use crate::i18n::{role_label, K};
use crate::ipc;
use crate::state::{Ctx, Screen};
use leptos::prelude::*;
use shared::app::command::{ListStaff, Login, LoginArgs, NoArgs};
use shared::app::StaffMember;

/// The login screen.
#[component]
pub fn LoginScreen() -> impl IntoView {
    let ctx = Ctx::get();
    let staff = LocalResource::new(move || {
        ctx.data_version.track();
        ipc::invoke::<ListStaff>(NoArgs {})
    });
    let chosen = RwSignal::new(None::<StaffMember>);
    let pin = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit = move || {
        let Some(member) = chosen.get_untracked() else { return };
        if busy.get_untracked() || pin.get_untracked().is_empty() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let args = LoginArgs { staff_id: member.id, pin: pin.get_untracked() };
            pin.set(String::new());
            match ipc::invoke::<Login>(args).await {
                Ok(_) => {
                    ctx.refresh_snapshot().await;
                    ctx.reset_to(Screen::Home);
                }
                Err(e) => ctx.error(&e),
            }
            busy.set(false);
        });
    };
    let digit = move |d: &'static str| {
        move |_| {
            if pin.get_untracked().len() < 8 {
                pin.update(|p| p.push_str(d));
            }
        }
    };
    let store_name =
        move || ctx.snapshot.with(|s| s.as_ref().and_then(|s| s.enrollment.as_ref().map(|e| e.store.name.clone())));
    let staff_list = move || match staff.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <Failed error=e retry=Callback::new(move |_| staff.refetch())/> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! {
            <div class="state-box empty" id="empty-state">
                <p>{move || ctx.t(K::StaffNotYetDownloaded)}</p>
                {move || ctx.sync.get().bootstrap.map(|(done, total)| view! {
                    <progress id="bootstrap-progress" max=total.max(1) value=done></progress>
                    <p>{format!("{done} / {total}")}</p>
                })}
            </div>
        }
        .into_any(),
        Some(Ok(list)) => view! {
            <div class="staff-grid">
                {list.into_iter().map(|m| {
                    let id = m.id.clone();
                    let selected = { let id = id.clone(); move || chosen.get().is_some_and(|c| c.id == id) };
                    let role = m.role;
                    let member = m.clone();
                    view! {
                        <button class="staff-btn" class:selected=selected data-staff-id=id.clone()
                            on:click=move |_| { chosen.set(Some(member.clone())); pin.set(String::new()); }>
                            <span class="name">{m.name.clone()}</span>
                            <span class="sub">{id.clone()} " · " {move || role_label(ctx.lang.get(), role)}</span>
                        </button>
                    }
                }).collect_view()}
            </div>
        }
        .into_any(),
    };
    view! {
        <TopBar title=K::LoginTitle/>
        <main class="screen login-layout">
            <section class="card">
                <h2>{store_name}</h2>
                <p class="hint">{move || ctx.t(K::ChooseYourName)}</p>
                {staff_list}
            </section>
            <Show when=move || chosen.get().is_some()>
                <section class="card pin-card">
                    <h2>{move || chosen.get().map(|m| m.name)}</h2>
                    <form on:submit=move |ev| { ev.prevent_default(); submit(); }>
                        <input id="pin-input" type="password" inputmode="numeric" autocomplete="off" maxlength="8"
                            placeholder=move || ctx.t(K::PinPlaceholder)
                            prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/>
                        <div class="pin-pad">
                            {["1", "2", "3", "4", "5", "6", "7", "8", "9"].into_iter().map(|d| view! {
                                <button type="button" class="pin-key" on:click=digit(d)>{d}</button>
                            }).collect_view()}
                            <button type="button" class="pin-key" on:click=move |_| pin.update(|p| { p.pop(); })>"⌫"</button>
                            <button type="button" class="pin-key" on:click=digit("0")>"0"</button>
                            <button id="login-submit" type="submit" class="pin-key primary" disabled=move || busy.get()>
                                {move || ctx.t(K::LogIn)}
                            </button>
                        </div>
                    </form>
                </section>
            </Show>
        </main>
    }
}
