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
