//! Endless aisle (门店缺货线上订): the customer wants a size or colour the shelf lacks. Scan
//! the item (wedge or camera) or search by style code or name; the colour × size grid shows
//! this store's stock per cell; a cell shows the network's availability (live per node
//! online, the stored snapshot with its time offline); the associate places the order for
//! the customer (ship, collect at another store, collect here later) and sees at once
//! whether HQ confirmed or refused it, or, offline, that it is not confirmed yet.
//! Tablets in landscape show the grid and the order side by side.

use crate::components::{Failed, Loading, ScanBar, TopBar};
use crate::i18n::{aisle_delivery_text, error_text, inbox_code_text, node_kind_label, time_text, K};
use crate::ipc;
use crate::scan::on_scan;
use crate::state::{Ctx, Screen};
use leptos::prelude::*;
use shared::aisle::{pickup_nodes, Alternatives, ShelfCheck, StyleAvailability};
use shared::app::aisle::{
    AisleAvailability, AisleDelivery, AisleLine, AisleOrderInput, AisleSearchArgs, GridCell, PlaceOrderArgs,
    PlaceOrderOutcome, PlacedState, StyleArgs, StyleGrid, StyleHit,
};
use shared::app::command::{GetStyleAvailability, GetStyleGrid, PlaceAisleOrder, SearchStyles};
use shared::app::{ErrorCode, ErrorView};

/// How the customer wants the order, as the form's chips offer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    Ship,
    Elsewhere,
    Here,
}

impl Way {
    const ALL: [Way; 3] = [Way::Ship, Way::Elsewhere, Way::Here];

    fn id(self) -> &'static str {
        match self {
            Way::Ship => "delivery-ship",
            Way::Elsewhere => "delivery-elsewhere",
            Way::Here => "delivery-here",
        }
    }

    fn label(self) -> K {
        match self {
            Way::Ship => K::AisleShip,
            Way::Elsewhere => K::AislePickupElsewhere,
            Way::Here => K::AislePickupHere,
        }
    }
}

/// The customer's details, kept while the associate switches cells.
#[derive(Clone, Copy)]
struct Form {
    qty: RwSignal<i64>,
    way: RwSignal<Way>,
    store: RwSignal<String>,
    name: RwSignal<String>,
    phone: RwSignal<String>,
    address: RwSignal<String>,
    payment_ref: RwSignal<String>,
}

impl Form {
    fn new() -> Form {
        Form {
            qty: RwSignal::new(1),
            way: RwSignal::new(Way::Ship),
            store: RwSignal::new(String::new()),
            name: RwSignal::new(String::new()),
            phone: RwSignal::new(String::new()),
            address: RwSignal::new(String::new()),
            payment_ref: RwSignal::new(String::new()),
        }
    }

    fn input(&self, sku_code: String) -> AisleOrderInput {
        let delivery = match self.way.get_untracked() {
            Way::Ship => AisleDelivery::Ship { address: self.address.get_untracked() },
            Way::Elsewhere => AisleDelivery::PickupElsewhere { store_code: self.store.get_untracked() },
            Way::Here => AisleDelivery::PickupHere,
        };
        AisleOrderInput {
            lines: vec![AisleLine { sku_code, qty: self.qty.get_untracked() }],
            delivery,
            customer_name: self.name.get_untracked(),
            customer_phone: self.phone.get_untracked(),
            payment_ref: self.payment_ref.get_untracked(),
        }
    }

    /// A new customer: everything but the way they get it.
    fn clear_customer(&self) {
        for s in [self.name, self.phone, self.address, self.payment_ref] {
            s.set(String::new());
        }
        self.qty.set(1);
    }
}

type Loaded<T> = Option<Result<T, ErrorView>>;

/// The endless-aisle screen.
#[component]
pub fn AisleScreen() -> impl IntoView {
    let ctx = Ctx::get();
    let hits = RwSignal::new(None::<Vec<StyleHit>>);
    let style = RwSignal::new(None::<String>);
    let selected = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<PlaceOrderOutcome>);
    let problem = RwSignal::new(None::<ErrorView>);
    let busy = RwSignal::new(false);
    let asked = RwSignal::new(0u32);
    let form = Form::new();
    let grid = LocalResource::new(move || {
        ctx.data_version.track();
        let s = style.get();
        async move {
            match s {
                Some(style_code) => Some(ipc::invoke::<GetStyleGrid>(StyleArgs { style_code }).await),
                None => None,
            }
        }
    });
    // One live read per style opened (HQ limits look-ups per device); "refresh" asks again.
    let availability = LocalResource::new(move || {
        asked.track();
        let s = style.get();
        async move {
            match s {
                Some(style_code) => Some(ipc::invoke::<GetStyleAvailability>(StyleArgs { style_code }).await),
                None => None,
            }
        }
    });
    let open = move |style_code: String, sku: Option<String>| {
        hits.set(None);
        outcome.set(None);
        problem.set(None);
        selected.set(sku);
        style.set(Some(style_code));
    };
    let search = move |text: String| {
        leptos::task::spawn_local(async move {
            match ipc::invoke::<SearchStyles>(AisleSearchArgs { query: text.clone() }).await {
                Ok(found) if found.len() == 1 => {
                    let hit = &found[0];
                    open(hit.style_code.clone(), hit.matched_sku.clone());
                }
                Ok(found) if found.is_empty() => ctx.error(&ErrorView::new(ErrorCode::NoStyleFound, text)),
                Ok(found) => {
                    style.set(None);
                    selected.set(None);
                    hits.set(Some(found));
                }
                Err(e) => ctx.error(&e),
            }
        });
    };
    // Typed in the bar, scanned with a wedge anywhere, or read by the camera.
    on_scan(search);

    // The right pane follows these, so a sync that changes nothing about the chosen cell
    // leaves the form (and the field being typed in) alone.
    let chosen = Memo::new(move |_| {
        let Some(Some(Ok(g))) = grid.get() else { return None };
        let sku = selected.get();
        let cell = sku.and_then(|s| g.cells.iter().find(|c| c.sku_code == s).cloned());
        Some((g.name, cell))
    });
    let avail = Memo::new(move |_| availability.get().flatten());
    let place = move || {
        let Some(sku) = selected.get_untracked() else { return };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        problem.set(None);
        let input = form.input(sku);
        leptos::task::spawn_local(async move {
            match ipc::invoke::<PlaceAisleOrder>(PlaceOrderArgs { order: input }).await {
                Ok(o) => {
                    ctx.data_version.update(|v| *v += 1);
                    outcome.set(Some(o));
                }
                Err(e) => {
                    problem.set(Some(e.clone()));
                    ctx.error(&e);
                }
            }
            busy.set(false);
        });
    };
    let take_alternative_size = move |sku: String| {
        outcome.set(None);
        selected.set(Some(sku));
    };
    let take_alternative_node = move |node: String| {
        outcome.set(None);
        form.way.set(Way::Elsewhere);
        form.store.set(node);
    };

    let hits_view = move || {
        hits.get().map(|list| {
            view! {
                <ul class="card hit-list" id="style-hits">
                    {list.into_iter().map(|h| {
                        let code = h.style_code.clone();
                        view! {
                            <li>
                                <button class="hit" data-style=h.style_code.clone() on:click=move |_| open(code.clone(), None)>
                                    <strong>{h.name.clone()}</strong>
                                    <span class="sub">{h.style_code.clone()} " · " {h.list_price.to_string()} " · " {h.skus} " SKU"</span>
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }
        })
    };

    let grid_view = move || -> AnyView {
        match grid.get() {
            None => view! { <Loading/> }.into_any(),
            Some(None) => {
                if hits.get().is_some() {
                    ().into_any()
                } else {
                    view! { <p class="state-box empty" id="aisle-start">{move || ctx.t(K::AisleStart)}</p> }.into_any()
                }
            }
            Some(Some(Err(e))) => view! { <Failed error=e retry=Callback::new(move |_| grid.refetch())/> }.into_any(),
            Some(Some(Ok(g))) => grid_table(ctx, g, selected, outcome).into_any(),
        }
    };

    let right = move || -> AnyView {
        let Some((style_name, cell)) = chosen.get() else { return ().into_any() };
        let Some(cell) = cell else {
            return view! { <p class="hint card" id="pick-a-cell">{move || ctx.t(K::AislePickCell)}</p> }.into_any();
        };
        let avail: Loaded<AisleAvailability> = avail.get();
        let live = match &avail {
            Some(Ok(AisleAvailability::Live { availability })) => Some(availability.clone()),
            _ => None,
        };
        let head = view! {
            <section class="card cell-head" id="cell-head" data-sku=cell.sku_code.clone()>
                <h2>{style_name} " · " {cell.colour.clone()} " · " {cell.size.clone()}</h2>
                <p class="sub">{cell.sku_code.clone()} " · " {cell.barcode.clone()} " · " {cell.list_price.to_string()}</p>
                <p>
                    {move || ctx.t(K::AisleHere)} ": " <strong id="cell-here">{cell.here}</strong>
                    " · " {move || ctx.t(K::AisleOnShelf)} " " {cell.on_hand}
                    " · " {move || ctx.t(K::AisleLease)} " " <span id="cell-lease">{cell.lease}</span>
                </p>
            </section>
        };
        let body = match outcome.get() {
            Some(o) => outcome_view(ctx, o, form, outcome, take_alternative_size, take_alternative_node).into_any(),
            None => view! {
                {availability_view(ctx, avail, &cell, asked)}
                {order_form(ctx, form, &cell, live, busy, problem, place)}
            }
            .into_any(),
        };
        view! { {head} {body} }.into_any()
    };

    view! {
        <TopBar title=K::AisleTitle/>
        <main class="screen aisle-layout">
            <div class="aisle-left">
                <section class="card">
                    <ScanBar placeholder=K::AisleSearchPlaceholder/>
                    <button id="placed-orders-open" class="btn secondary" on:click=move |_| ctx.go(Screen::PlacedOrders)>
                        {move || ctx.t(K::PlacedOrdersTitle)}
                    </button>
                </section>
                {hits_view}
                {grid_view}
            </div>
            <div class="aisle-right">{right}</div>
        </main>
    }
}

/// The colour × size grid: rows are colours, columns sizes; each cell shows what this store
/// can promise (and the network's units in the snapshot, when there is one).
fn grid_table(
    ctx: Ctx,
    g: StyleGrid,
    selected: RwSignal<Option<String>>,
    outcome: RwSignal<Option<PlaceOrderOutcome>>,
) -> impl IntoView {
    let sizes = g.sizes.clone();
    let cells = g.cells.clone();
    let as_of = g.snapshot_as_of_ms;
    let rows = g
        .colours
        .iter()
        .map(|colour| {
            let tds = sizes
                .iter()
                .map(|size| match cells.iter().find(|c| &c.colour == colour && &c.size == size).cloned() {
                    None => view! { <td class="no-sku">"–"</td> }.into_any(),
                    Some(c) => {
                        let code = c.sku_code.clone();
                        let is_selected = {
                            let code = code.clone();
                            move || selected.get().as_deref() == Some(code.as_str())
                        };
                        view! {
                            <td>
                                <button class="grid-cell" data-sku=c.sku_code.clone() class:selected=is_selected
                                    class:none-here=c.here == 0
                                    on:click=move |_| { outcome.set(None); selected.set(Some(code.clone())); }>
                                    <span class="here">{c.here}</span>
                                    {c.network.map(|n| view! { <span class="net">{n}</span> })}
                                </button>
                            </td>
                        }
                        .into_any()
                    }
                })
                .collect_view();
            view! { <tr><th scope="row">{colour.clone()}</th>{tds}</tr> }
        })
        .collect_view();
    view! {
        <section class="card grid-card" id="style-grid" data-style=g.style_code.clone()>
            <div class="row">
                <h2 id="style-name">{g.name.clone()}</h2>
                <span class="sub">{g.style_code.clone()} " · " {g.list_price.to_string()}</span>
            </div>
            <div class="grid-scroll">
                <table class="size-grid">
                    <thead><tr><th></th>{sizes.iter().map(|s| view! { <th scope="col">{s.clone()}</th> }).collect_view()}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <p class="hint">
                {move || ctx.t(K::AisleGridLegend)}
                {as_of.map(|ms| view! { " · " {move || ctx.t(K::AisleSnapshotOf)} " " {move || time_text(ms, ctx.lang.get())} })}
            </p>
        </section>
    }
}

/// Availability of the chosen SKU: live per node, or the snapshot with its time.
fn availability_view(
    ctx: Ctx,
    avail: Loaded<AisleAvailability>,
    cell: &GridCell,
    asked: RwSignal<u32>,
) -> impl IntoView {
    let refresh = move |_| asked.update(|n| *n += 1);
    let body = match avail {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <Failed error=e retry=Callback::new(move |_| asked.update(|n| *n += 1))/> }.into_any(),
        Some(Ok(AisleAvailability::Live { availability })) => live_view(ctx, &availability, &cell.sku_code).into_any(),
        Some(Ok(AisleAvailability::Snapshot { as_of_ms, skus, why })) => {
            let network = skus.iter().find(|s| s.sku_code == cell.sku_code).map(|s| s.network);
            view! {
                <div class="snapshot-note" id="snapshot-note" role="status">
                    <strong>{move || ctx.t(K::AisleSnapshotTitle)}</strong>
                    <span>
                        {move || match as_of_ms {
                            Some(ms) => format!("{} {}", ctx.t(K::AisleSnapshotOf), time_text(ms, ctx.lang.get())),
                            None => ctx.t(K::AisleNoSnapshot).to_string(),
                        }}
                    </span>
                    <span class="sub">{move || error_text(ctx.lang.get(), &why)}</span>
                </div>
                <p class="network-total">
                    {move || ctx.t(K::AisleNetworkSnapshot)} ": "
                    <strong id="network-total">{network.map(|n| n.to_string()).unwrap_or_else(|| "–".into())}</strong>
                </p>
            }
            .into_any()
        }
    };
    view! {
        <section class="card" id="availability">
            <div class="row">
                <h2>{move || ctx.t(K::AisleAvailability)}</h2>
                <button id="availability-refresh" class="btn" on:click=refresh>{move || ctx.t(K::AisleRefresh)}</button>
            </div>
            {body}
        </section>
    }
}

fn live_view(ctx: Ctx, a: &StyleAvailability, sku_code: &str) -> impl IntoView {
    let as_of = a.as_of.timestamp_millis();
    let Some(sku) = a.skus.iter().find(|s| s.sku_code == sku_code).cloned() else {
        return view! { <p class="sub">{move || ctx.t(K::AisleNotAtHq)}</p> }.into_any();
    };
    let nodes = sku
        .nodes
        .iter()
        .map(|n| {
            let kind = n.kind;
            let km = format!("{:.1} km", n.distance_m as f64 / 1000.0);
            view! {
                <li class="node-row" data-node=n.node_code.clone()>
                    <span class="name">{n.name.clone()}</span>
                    <span class="sub">
                        {move || node_kind_label(ctx.lang.get(), kind)} " · " {n.city.clone()} " · " {km}
                        {n.pickup.then(|| view! { " · " {move || ctx.t(K::AisleOffersPickup)} })}
                    </span>
                    <span class="qty">{n.available}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="sub" id="live-as-of">{move || ctx.t(K::AisleLiveAsOf)} " " {move || time_text(as_of, ctx.lang.get())}</p>
        <ul class="lines node-list">
            <li class="node-row here-row">
                <span class="name">{move || ctx.t(K::AisleThisStore)}</span>
                <span class="qty" id="live-here">{sku.here}</span>
            </li>
            {nodes}
        </ul>
        <p class="network-total">{move || ctx.t(K::AisleNetworkTotal)} ": " <strong id="network-total">{sku.network}</strong></p>
    }
    .into_any()
}

/// The order form for the chosen SKU.
fn order_form(
    ctx: Ctx,
    form: Form,
    cell: &GridCell,
    live: Option<StyleAvailability>,
    busy: RwSignal<bool>,
    problem: RwSignal<Option<ErrorView>>,
    place: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let (lease, on_hand) = (cell.lease, cell.on_hand);
    let sku_code = cell.sku_code.clone();
    let stores = move || {
        let qty = form.qty.get();
        live.as_ref()
            .and_then(|a| a.skus.iter().find(|s| s.sku_code == sku_code))
            .map(|s| pickup_nodes(s, qty, true).into_iter().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let chips = Way::ALL.map(|w| {
        view! {
            <button type="button" id=w.id() class="chip" class:active=move || form.way.get() == w on:click=move |_| form.way.set(w)>
                {move || ctx.t(w.label())}
            </button>
        }
    });
    let text_field = move |id: &'static str, label: K, value: RwSignal<String>, mode: &'static str| {
        view! {
            <label for=id>{move || ctx.t(label)}</label>
            <input id=id type="text" inputmode=mode autocomplete="off" prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))/>
        }
    };
    view! {
        <section class="card" id="order-form">
            <h2>{move || ctx.t(K::AislePlaceTitle)}</h2>
            <form class="form" on:submit=move |ev| { ev.prevent_default(); place(); }>
                <label for="order-qty">{move || ctx.t(K::AisleQty)}</label>
                <input id="order-qty" type="number" min="1" inputmode="numeric" prop:value=move || form.qty.get().to_string()
                    on:input=move |ev| form.qty.set(event_target_value(&ev).trim().parse().unwrap_or(0))/>
                <label>{move || ctx.t(K::AisleHowDelivered)}</label>
                <div class="chips">{chips}</div>
                {move || match form.way.get() {
                    Way::Elsewhere => {
                        let options = stores();
                        if options.is_empty() {
                            view! { <p class="hint" id="no-pickup-stores">{move || ctx.t(K::AisleNoPickupStores)}</p> }.into_any()
                        } else {
                            view! {
                                <label for="pickup-store">{move || ctx.t(K::AislePickupStore)}</label>
                                <select id="pickup-store" on:change=move |ev| form.store.set(event_target_value(&ev))>
                                    <option value="">{move || ctx.t(K::AisleChooseStore)}</option>
                                    {options.into_iter().map(|n| {
                                        let code = n.node_code.clone();
                                        let chosen = form.store.get_untracked() == code;
                                        view! {
                                            <option value=code selected=chosen>
                                                {n.name.clone()} " · " {format!("{:.1} km", n.distance_m as f64 / 1000.0)} " · " {n.available}
                                            </option>
                                        }
                                    }).collect_view()}
                                </select>
                            }
                            .into_any()
                        }
                    }
                    Way::Here if on_hand > 0 && form.qty.get() > lease => view! {
                        <p class="warn-note" id="lease-warning" role="alert">
                            {move || ctx.t(K::AisleBeyondLease)} " (" {move || ctx.t(K::AisleLease)} " " {lease} ")"
                        </p>
                    }
                    .into_any(),
                    Way::Here if on_hand <= 0 => {
                        view! { <p class="hint" id="from-network-note">{move || ctx.t(K::AisleHereFromNetwork)}</p> }.into_any()
                    }
                    _ => ().into_any(),
                }}
                {text_field("customer-name", K::AisleCustomerName, form.name, "text")}
                {text_field("customer-phone", K::AisleCustomerPhone, form.phone, "tel")}
                {move || (form.way.get() == Way::Ship).then(|| text_field("customer-address", K::AisleAddress, form.address, "text"))}
                {text_field("payment-ref", K::AislePaymentRef, form.payment_ref, "text")}
                <p class="hint">{move || ctx.t(K::AislePaymentHint)}</p>
                {move || problem.get().map(|e| view! {
                    <p id="order-error" class="error-text" role="alert">{error_text(ctx.lang.get(), &e)}</p>
                })}
                <button id="place-order" type="submit" class="btn primary big" disabled=move || busy.get()>
                    {move || if busy.get() { ctx.t(K::AislePlacing) } else { ctx.t(K::AislePlace) }}
                </button>
            </form>
        </section>
    }
}

/// What placing the order led to: confirmed, refused (why, what to tell the customer, what
/// to offer instead) or, offline, unmistakably not yet confirmed.
fn outcome_view(
    ctx: Ctx,
    o: PlaceOrderOutcome,
    form: Form,
    outcome: RwSignal<Option<PlaceOrderOutcome>>,
    take_size: impl Fn(String) + Copy + 'static,
    take_node: impl Fn(String) + Copy + 'static,
) -> impl IntoView {
    let order = o.order;
    let number = order.order_id.to_string();
    let delivery = order.delivery.clone();
    let shelf = order.shelf;
    let (state_id, body) = match &order.state {
        PlacedState::Confirmed => {
            let from: Vec<String> =
                order.status.iter().flat_map(|s| s.fulfillments.iter().map(|f| f.node_name.clone())).collect();
            let body = view! {
                <h2>"✓ " {move || ctx.t(K::AisleConfirmed)}</h2>
                <p>{move || ctx.t(K::AisleConfirmedBody)}</p>
                {(!from.is_empty()).then(|| view! {
                    <p id="ships-from">{move || ctx.t(K::AisleShipsFrom)} ": " <strong>{from.join(", ")}</strong></p>
                })}
            }
            .into_any();
            ("confirmed", body)
        }
        PlacedState::Refused { code, message } => {
            let code = code.clone();
            let body = view! {
                <h2>"✗ " {move || ctx.t(K::AisleRefused)}</h2>
                <p id="refusal-reason"><strong>{move || inbox_code_text(ctx.lang.get(), &code)}</strong></p>
                <p class="sub">{message.clone()}</p>
                <p class="tell-customer">{move || ctx.t(K::AisleTellCustomerRefused)}</p>
                {alternatives_view(ctx, o.alternatives.unwrap_or_default(), take_size, take_node)}
            }
            .into_any();
            ("refused", body)
        }
        PlacedState::Queued => {
            let body = view! {
                <h2>{move || ctx.t(K::AisleNotConfirmed)}</h2>
                <p><strong>{move || ctx.t(K::AisleNotConfirmedBody)}</strong></p>
                <p class="tell-customer">{move || ctx.t(K::AisleTellCustomerQueued)}</p>
                {match shelf {
                    ShelfCheck::WithinLease => view! { <p class="ok-note" id="shelf-safe">{move || ctx.t(K::AisleShelfSafe)}</p> }.into_any(),
                    ShelfCheck::BeyondLease { free, wanted } => view! {
                        <p class="warn-note" id="shelf-beyond">{move || ctx.t(K::AisleBeyondLease)} " (" {free} "/" {wanted} ")"</p>
                    }
                    .into_any(),
                    ShelfCheck::Network => ().into_any(),
                }}
            }
            .into_any();
            ("queued", body)
        }
    };
    view! {
        <section class=format!("card order-outcome {state_id}") id="order-outcome" data-state=state_id
            data-order-id=number.clone() role="status">
            {body}
            <dl class="facts">
                <dt>{move || ctx.t(K::AisleOrderNo)}</dt><dd class="mono">{number.clone()}</dd>
                <dt>{move || ctx.t(K::Customer)}</dt><dd>{order.customer_name.clone()} " " {order.customer_phone.clone()}</dd>
                <dt>{move || ctx.t(K::AisleHowDelivered)}</dt><dd>{move || aisle_delivery_text(ctx.lang.get(), &delivery)}</dd>
                <dt>{move || ctx.t(K::AislePaymentRef)}</dt><dd>{order.payment_ref.clone()}</dd>
            </dl>
            <div class="actions">
                <button id="order-new" class="btn primary" on:click=move |_| { form.clear_customer(); outcome.set(None); }>
                    {move || ctx.t(K::AisleNewOrder)}
                </button>
                <button class="btn secondary" on:click=move |_| ctx.go(Screen::PlacedOrders)>{move || ctx.t(K::PlacedOrdersTitle)}</button>
            </div>
        </section>
    }
}

fn alternatives_view(
    ctx: Ctx,
    a: Alternatives,
    take_size: impl Fn(String) + Copy + 'static,
    take_node: impl Fn(String) + Copy + 'static,
) -> impl IntoView {
    if a.is_empty() {
        return view! { <p class="hint" id="no-alternatives">{move || ctx.t(K::AisleNoAlternatives)}</p> }.into_any();
    }
    let sizes = a
        .other_sizes
        .into_iter()
        .map(|s| {
            let code = s.sku_code.clone();
            view! {
                <button class="chip alt-size" data-sku=s.sku_code.clone() on:click=move |_| take_size(code.clone())>
                    {s.colour.clone()} " " {s.size.clone()} " · " {move || ctx.t(K::AisleNetworkShort)} " " {s.network}
                </button>
            }
        })
        .collect_view();
    let nodes = a
        .other_nodes
        .into_iter()
        .map(|n| {
            let code = n.node_code.clone();
            let pickup = n.pickup && n.kind.is_store();
            view! {
                <button class="chip alt-node" data-node=n.node_code.clone() disabled=!pickup on:click=move |_| take_node(code.clone())>
                    {n.name.clone()} " · " {format!("{:.1} km", n.distance_m as f64 / 1000.0)} " · " {n.available}
                </button>
            }
        })
        .collect_view();
    view! {
        <div id="alternatives">
            <h3>{move || ctx.t(K::AisleAlternatives)}</h3>
            <div class="chips">{sizes}</div>
            <div class="chips">{nodes}</div>
        </div>
    }
    .into_any()
}
