//! Order lists by what they wait for, most urgent first. On a tablet in landscape the list
//! takes the left of the screen and the order picked from it opens beside it (the order
//! screen keeps the list); until one is picked, the right says how urgent the list is.

use super::common::RiderBanner;
use crate::components::{use_two_panes, OrderList, TopBar};
use crate::i18n::{urgency_summary, K};
use crate::state::{Ctx, OrderFilter};
use leptos::prelude::*;

/// The order list.
#[component]
pub fn OrdersScreen(
    /// Which orders the list shows; the chips switch to another filter.
    filter: OrderFilter,
) -> impl IntoView {
    let ctx = Ctx::get();
    let two_panes = use_two_panes();
    let urgency = RwSignal::new(None::<(usize, usize)>);
    let beside = move || {
        two_panes.get().then(|| {
            view! {
                <section class="detail-pane">
                    <div class="state-box choose" id="choose-order">
                        <p>{move || ctx.t(K::ChooseOrder)}</p>
                        {move || urgency.get().map(|(overdue, soon)| {
                            let late = overdue > 0;
                            view! {
                            <p id="urgency-summary" class="urgency" class:overdue=late>
                                {move || urgency_summary(ctx.lang.get(), overdue, soon)}
                            </p>
                            }
                        })}
                    </div>
                </section>
            }
        })
    };
    view! {
        <TopBar title=K::OrdersTitle/>
        <main class="screen" class:two-pane=move || two_panes.get()>
            <section class="list-pane"><RiderBanner/><OrderList filter=filter urgency=urgency/></section>
            {beside}
        </main>
    }
}
