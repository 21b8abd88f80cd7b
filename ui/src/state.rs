//! App-wide UI state: the current screen with its history, language, sync state, the
//! latest scan and transient messages. Shared through Leptos context as one `Copy` handle.
//!
//! A message (toast) belongs to the screen that raised it: every showing of a screen is a
//! numbered visit, the handle a screen's components get from [`Ctx::get`] remembers its
//! visit, and a toast is shown only during the visit it was raised in. Leaving the screen
//! (however the screen changes) takes its toast away, and an answer that arrives after the
//! screen was left raises nothing. A task that ends by leaving confirms on the screen it
//! leads to with [`Ctx::ok_after_leaving`].

use crate::i18n::{error_text, t, Lang, K};
use crate::ipc;
use leptos::prelude::*;
use shared::app::command::{GetAppState, NoArgs};
use shared::app::{AppSnapshot, ErrorCode, ErrorView, SyncView};
use shared::fulfillment::FulfillmentState;
use uuid::Uuid;

/// Which orders a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderFilter {
    /// Routed to the store, waiting to be accepted.
    ToAccept,
    /// Accepted or being picked.
    ToPick,
    /// Packed pickup orders and those at the counter.
    Ready,
    /// Courier orders waiting for collection.
    Courier,
    /// Every order on the device.
    All,
}

impl OrderFilter {
    /// The states shown (empty: all).
    pub fn states(self) -> Vec<FulfillmentState> {
        use FulfillmentState as S;
        match self {
            OrderFilter::ToAccept => vec![S::Routed],
            OrderFilter::ToPick => vec![S::Accepted, S::Picking],
            OrderFilter::Ready => vec![S::Packed, S::ReadyForPickup],
            OrderFilter::Courier => vec![S::AwaitingCourier],
            OrderFilter::All => vec![],
        }
    }

    /// Every filter, in chip order.
    pub const ALL: [OrderFilter; 5] =
        [OrderFilter::ToAccept, OrderFilter::ToPick, OrderFilter::Ready, OrderFilter::Courier, OrderFilter::All];

    /// Stable id for tests and CSS.
    pub fn id(self) -> &'static str {
        match self {
            OrderFilter::ToAccept => "to-accept",
            OrderFilter::ToPick => "to-pick",
            OrderFilter::Ready => "ready",
            OrderFilter::Courier => "courier",
            OrderFilter::All => "all",
        }
    }

    /// Label.
    pub fn label(self) -> K {
        match self {
            OrderFilter::ToAccept => K::FilterToAccept,
            OrderFilter::ToPick => K::FilterToPick,
            OrderFilter::Ready => K::FilterReady,
            OrderFilter::Courier => K::FilterCourier,
            OrderFilter::All => K::FilterAll,
        }
    }
}

/// A screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// Reading the app state.
    Loading,
    /// Enrollment.
    Enroll,
    /// PIN login.
    Login,
    /// Home with task counts.
    Home,
    /// Order list.
    Orders(OrderFilter),
    /// Order detail.
    Order(Uuid),
    /// Picking by scanning.
    Pick(Uuid),
    /// Packing.
    Pack(Uuid),
    /// Pickup hand-over.
    Handover(Uuid),
    /// Conflict inbox.
    Inbox,
    /// Settings.
    Settings,
    // --- returns ---
    /// The return counter: find the order, choose lines, refund, confirm.
    Returns,
    /// A return's receipt and its refund's progress.
    ReturnReceipt(Uuid),
    /// An exchange after a return.
    Exchange(Uuid),
    // --- aisle ---
    /// Endless aisle: find a style, its grid, availability, order for a customer.
    Aisle,
    /// The endless-aisle orders this device placed.
    PlacedOrders,
    // --- courier ---
    /// Packing a courier order into parcels.
    Parcels(Uuid),
    /// Choosing how a packed order leaves: express, same-city rider or a carrier by hand.
    Ship(Uuid),
    /// The courier booking, live.
    Booking(Uuid),
    /// Handing the parcels to the rider or courier.
    CourierHandover(Uuid),
    // --- print ---
    /// A label, packing slip or receipt, ready to print.
    Print(shared::print::PrintTarget),
}

/// A transient message.
#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    /// Text.
    pub text: String,
    /// An error (red) or a confirmation (green).
    pub error: bool,
    /// Distinguishes repeated identical messages.
    pub serial: u32,
    /// The visit of the screen it belongs to (see [`Ctx::visit`]).
    pub visit: u32,
}

/// The handle every component uses.
#[derive(Clone, Copy)]
pub struct Ctx {
    /// Language.
    pub lang: RwSignal<Lang>,
    /// Current screen.
    pub screen: RwSignal<Screen>,
    history: RwSignal<Vec<Screen>>,
    /// Enrollment, session, version.
    pub snapshot: RwSignal<Option<AppSnapshot>>,
    /// Sync state (from `sync-status` events).
    pub sync: RwSignal<SyncView>,
    /// The message shown at the bottom.
    pub toast: RwSignal<Option<Toast>>,
    /// The latest scan, numbered so the same code scanned twice counts twice.
    pub scans: RwSignal<(u32, String)>,
    /// Bumped when synced data arrives, so screens reload.
    pub data_version: RwSignal<u32>,
    /// Numbers the showings of screens: one more whenever the screen changes.
    visits: Memo<u32>,
    /// The visit this handle was taken in (`None`: the app root's, which follows the screen).
    raised_in: Option<u32>,
}

impl Ctx {
    /// A fresh state.
    pub fn new() -> Ctx {
        let screen = RwSignal::new(Screen::Loading);
        Ctx {
            lang: RwSignal::new(Lang::Zh),
            screen,
            history: RwSignal::new(Vec::new()),
            snapshot: RwSignal::new(None),
            sync: RwSignal::new(SyncView::default()),
            toast: RwSignal::new(None),
            scans: RwSignal::new((0, String::new())),
            data_version: RwSignal::new(0),
            // Recomputed on the first read after any change of `screen`, so a screen set
            // directly counts as well as one opened with `go`.
            visits: Memo::new(move |previous: Option<&u32>| {
                screen.track();
                previous.map_or(0, |v| v.wrapping_add(1))
            }),
            raised_in: None,
        }
    }

    /// The handle from context, tied to the screen in front (a component calls this when
    /// it is created, so its messages belong to its screen).
    pub fn get() -> Ctx {
        let ctx = expect_context::<Ctx>();
        Ctx { raised_in: Some(ctx.visits.get_untracked()), ..ctx }
    }

    /// The current visit (tracked): changes whenever the screen does.
    pub fn visit(&self) -> u32 {
        self.visits.get()
    }

    /// The toast to show now: only one raised during the current visit.
    pub fn current_toast(&self) -> Option<Toast> {
        let visit = self.visits.get();
        self.toast.get().filter(|t| t.visit == visit)
    }

    /// Changes the screen in place: Back still goes where it went (filter chips, another
    /// order of the same list).
    pub fn switch(&self, s: Screen) {
        if self.screen.get_untracked() != s {
            self.screen.set(s);
        }
    }

    /// The list the current screen was opened from, if it was opened from one.
    pub fn came_from_list(&self) -> Option<OrderFilter> {
        self.history.with(|h| match h.last() {
            Some(Screen::Orders(f)) => Some(*f),
            _ => None,
        })
    }

    /// Translates (reactively: re-runs when the language changes).
    pub fn t(&self, k: K) -> &'static str {
        t(self.lang.get(), k)
    }

    /// Opens a screen; Back returns here.
    pub fn go(&self, s: Screen) {
        let current = self.screen.get_untracked();
        if current != s {
            self.history.update(|h| h.push(current));
            self.screen.set(s);
        }
    }

    /// Opens a screen with no way back (after login, enrollment, a finished task).
    pub fn reset_to(&self, s: Screen) {
        self.history.set(Vec::new());
        self.screen.set(s);
    }

    /// Goes back one screen (home if there is no history).
    pub fn back(&self) {
        let previous = self.history.try_update(|h| h.pop()).flatten();
        self.screen.set(previous.unwrap_or(Screen::Home));
    }

    /// There is a screen to go back to.
    pub fn can_go_back(&self) -> bool {
        self.history.with(|h| !h.is_empty())
    }

    /// Shows `text` on the screen in front, unless this handle's screen has been left.
    fn show(&self, text: String, error: bool, on_arrival: bool) {
        let visit = self.visits.get_untracked();
        if !on_arrival && self.raised_in.is_some_and(|v| v != visit) {
            return;
        }
        let serial = self.toast.get_untracked().map_or(0, |t| t.serial.wrapping_add(1));
        self.toast.set(Some(Toast { text, error, serial, visit }));
    }

    /// Shows a confirmation on this screen.
    pub fn ok(&self, k: K) {
        self.show(t(self.lang.get_untracked(), k).to_string(), false, false);
    }

    /// Confirms a finished task on the screen it led to: call it after navigating there
    /// (`ctx.reset_to(Screen::Home); ctx.ok_after_leaving(K::Packed)`).
    pub fn ok_after_leaving(&self, k: K) {
        self.show(t(self.lang.get_untracked(), k).to_string(), false, true);
    }

    /// Shows an error in the user's language on this screen, or leaves for the screen it
    /// calls for (log in again, enrol again) and shows it there.
    pub fn error(&self, e: &ErrorView) {
        let text = error_text(self.lang.get_untracked(), e);
        match e.error {
            ErrorCode::NotLoggedIn => self.reset_to(Screen::Login),
            ErrorCode::NotEnrolled | ErrorCode::Revoked => self.reset_to(Screen::Enroll),
            _ => return self.show(text, true, false),
        }
        self.show(text, true, true);
    }

    /// Reloads the snapshot (enrollment, session, language) from the shell.
    pub async fn refresh_snapshot(self) -> Option<AppSnapshot> {
        match ipc::invoke::<GetAppState>(NoArgs {}).await {
            Ok(s) => {
                self.lang.set(Lang::from_tag(&s.language));
                self.sync.set(s.sync.clone());
                self.snapshot.set(Some(s.clone()));
                Some(s)
            }
            Err(e) => {
                self.error(&e);
                None
            }
        }
    }

    /// The logged-in staff member's name.
    pub fn staff_name(&self) -> Option<String> {
        self.snapshot.with(|s| s.as_ref().and_then(|s| s.staff.as_ref().map(|m| m.name.clone())))
    }
}

impl Default for Ctx {
    fn default() -> Self {
        Ctx::new()
    }
}

/// The UI's one clock read (Unix ms), for what it shows the associate (a receipt's time):
/// every rule takes its time from the shell or the replica, never from here.
#[allow(clippy::disallowed_methods)] // the one place the UI reads the clock
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}
