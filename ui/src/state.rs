//! App-wide UI state: the current screen with its history, language, sync state, the
//! latest scan and transient messages. Shared through Leptos context as one `Copy` handle.

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
}

impl Ctx {
    /// A fresh state.
    pub fn new() -> Ctx {
        Ctx {
            lang: RwSignal::new(Lang::Zh),
            screen: RwSignal::new(Screen::Loading),
            history: RwSignal::new(Vec::new()),
            snapshot: RwSignal::new(None),
            sync: RwSignal::new(SyncView::default()),
            toast: RwSignal::new(None),
            scans: RwSignal::new((0, String::new())),
            data_version: RwSignal::new(0),
        }
    }

    /// The handle from context.
    pub fn get() -> Ctx {
        expect_context::<Ctx>()
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

    fn show(&self, text: String, error: bool) {
        let serial = self.toast.get_untracked().map_or(0, |t| t.serial + 1);
        self.toast.set(Some(Toast { text, error, serial }));
    }

    /// Shows a confirmation.
    pub fn ok(&self, k: K) {
        self.show(t(self.lang.get_untracked(), k).to_string(), false);
    }

    /// Shows an error in the user's language, and leaves for the screen it calls for.
    pub fn error(&self, e: &ErrorView) {
        self.show(error_text(self.lang.get_untracked(), e), true);
        match e.error {
            ErrorCode::NotLoggedIn => self.reset_to(Screen::Login),
            ErrorCode::NotEnrolled | ErrorCode::Revoked => self.reset_to(Screen::Enroll),
            _ => {}
        }
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
