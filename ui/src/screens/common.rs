//! What several screens share: loading an order, doing an action on it, and the reasons
//! offered when rejecting or short-picking. Screens use this, never each other.

use crate::i18n::K;
use crate::ipc;
use crate::state::Ctx;
use leptos::prelude::*;
use shared::app::command::{GetOrderDetail, OrderArgs, Perform, PerformArgs};
use shared::app::{ErrorView, OrderDetail};
use shared::protocol::Op;
use uuid::Uuid;

/// Loads an order, reloading when synced data arrives.
pub fn order_resource(id: Uuid) -> LocalResource<Result<OrderDetail, ErrorView>> {
    let ctx = Ctx::get();
    LocalResource::new(move || {
        ctx.data_version.track();
        ipc::invoke::<GetOrderDetail>(OrderArgs { id })
    })
}

/// Does an action as the logged-in associate; on success the screens reload.
pub async fn try_perform(ctx: Ctx, op: Op) -> Result<(), ErrorView> {
    ipc::invoke::<Perform>(PerformArgs { op }).await?;
    ctx.data_version.update(|v| *v += 1);
    Ok(())
}

/// [`try_perform`], showing any error.
pub async fn perform(ctx: Ctx, op: Op) -> bool {
    match try_perform(ctx, op).await {
        Ok(()) => true,
        Err(e) => {
            ctx.error(&e);
            false
        }
    }
}

/// Reasons offered when rejecting or short-picking (free text is allowed too).
pub const REASONS: [K; 3] = [K::ReasonOutOfStock, K::ReasonDamaged, K::ReasonNotFound];

// --- courier ---

/// Riders waiting at the store's counter, as the last check after a sync found them
/// (in context; kept by [`watch_rider_arrivals`]).
#[derive(Clone, Copy)]
pub struct RidersWaiting(pub RwSignal<Vec<shared::app::courier::RiderArrival>>);

/// Asks the shell, whenever synced data arrives, which riders are at the store: each
/// booking's arrival is announced once with a message on whatever screen is in front, and
/// the waiting riders stay on a banner on the order list and the order until handed over.
/// The app root calls this once.
pub fn watch_rider_arrivals(ctx: Ctx) {
    use shared::app::command::{GetRiderArrivals, NoArgs};
    let waiting = RwSignal::new(Vec::new());
    provide_context(RidersWaiting(waiting));
    Effect::new(move |_| {
        ctx.data_version.track();
        let enrolled = ctx.snapshot.with(|s| s.as_ref().is_some_and(|s| s.enrollment.is_some()));
        if !enrolled {
            return;
        }
        leptos::task::spawn_local(async move {
            let Ok(arrivals) = ipc::invoke::<GetRiderArrivals>(NoArgs {}).await else { return };
            for a in &arrivals.new {
                let text =
                    crate::i18n::rider_arrived_text(ctx.lang.get_untracked(), &a.channel_order_id, &a.rider_name);
                let serial = ctx.toast.get_untracked().map_or(0, |t| t.serial.wrapping_add(1));
                ctx.toast.set(Some(crate::state::Toast { text, error: false, serial, visit: ctx.visit() }));
            }
            if waiting.get_untracked() != arrivals.waiting {
                waiting.set(arrivals.waiting);
            }
        });
    });
}

/// The banner for riders waiting at the store (all of them, or only `order`'s), each
/// opening its hand-over.
#[component]
pub fn RiderBanner(
    /// Only this order's rider.
    #[prop(optional)]
    order: Option<Uuid>,
) -> impl IntoView {
    let ctx = Ctx::get();
    let waiting = use_context::<RidersWaiting>().map(|w| w.0);
    let shown = move || {
        waiting
            .map(|w| w.get())
            .unwrap_or_default()
            .into_iter()
            .filter(|a| order.is_none_or(|id| id == a.fulfillment_order_id))
            .collect::<Vec<_>>()
    };
    view! {
        <Show when=move || !shown().is_empty()>
            <div id="rider-banner" class="rider-banner" role="status">
                <strong>{move || ctx.t(K::RiderArrivedBanner)}</strong>
                {move || shown().into_iter().map(|a| {
                    let id = a.fulfillment_order_id;
                    view! {
                        <button class="btn primary rider-go" data-order-id=id.to_string()
                            on:click=move |_| ctx.go(crate::state::Screen::CourierHandover(id))>
                            {a.channel_order_id.clone()} " · " {a.rider_name.clone()} " · " {move || ctx.t(K::HandToCourier)}
                        </button>
                    }
                }).collect_view()}
            </div>
        </Show>
    }
}

/// Whether the parcels can be handed over now: the booking is made and its courier is
/// coming or here (express: once the waybills exist).
pub fn ready_to_hand_over(state: shared::fulfillment::FulfillmentState, b: &shared::courier::CourierBooking) -> bool {
    state == shared::fulfillment::FulfillmentState::AwaitingCourier
        && match b.method {
            shared::courier::CourierMethod::Express => {
                matches!(
                    b.status,
                    shared::courier::BookingStatus::Dispatching
                        | shared::courier::BookingStatus::Accepted
                        | shared::courier::BookingStatus::Arrived
                ) && !b.labels.is_empty()
            }
            shared::courier::CourierMethod::SameCity => {
                matches!(b.status, shared::courier::BookingStatus::Accepted | shared::courier::BookingStatus::Arrived)
            }
            shared::courier::CourierMethod::Manual => false,
        }
}
