//! The promise a store makes on an order and how urgent the order is: a pickup order is
//! promised ready for the customer, a courier or rider order packed for collection, within
//! the window HQ set for its kind ([`DeviceRules::promise_ms`]), counted from when the order
//! reached the store. Order lists sort by it: the least time left first, overdue before
//! everything, then orders already kept waiting on the customer or the courier (longest
//! first), then finished ones (newest first).
//!
//! Pure: the caller passes the time (the UI's clock for what it shows).

use crate::fulfillment::{FulfillmentKind, FulfillmentState};
use crate::order::FulfillmentOrder;
use crate::rules::DeviceRules;
use std::cmp::Ordering;

/// Where an order stands against its promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromiseState {
    /// Not kept yet: `left_ms` until it is due (negative once overdue).
    Open {
        /// Milliseconds until the promise is due; below zero when overdue.
        left_ms: i64,
    },
    /// Kept: the order is ready (at the counter, or packed for the courier) and waits for
    /// the customer or the courier.
    Kept,
    /// The order is finished here (handed over, dispatched, rejected, cancelled).
    Closed,
}

/// An order's promise as an order card shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Promise {
    /// How the customer gets it: what "ready" means.
    pub kind: FulfillmentKind,
    /// The promise window (ms), e.g. 2 h for pickup.
    pub window_ms: i64,
    /// When it is due (Unix ms).
    pub due_ms: i64,
    /// How long the order has waited since it reached the store (ms, never negative).
    pub waited_ms: i64,
    /// Kept, open or over.
    pub state: PromiseState,
}

impl Promise {
    /// Still open and past its due time.
    pub fn overdue(&self) -> bool {
        matches!(self.state, PromiseState::Open { left_ms } if left_ms < 0)
    }

    /// Still open, not overdue, with a quarter of its window or less left: the moment to
    /// get to it.
    pub fn due_soon(&self) -> bool {
        matches!(self.state, PromiseState::Open { left_ms } if left_ms >= 0 && left_ms.saturating_mul(4) <= self.window_ms)
    }
}

/// The state from which an order of `kind` counts as ready (the promise kept).
fn kept(kind: FulfillmentKind, state: FulfillmentState) -> bool {
    use FulfillmentState as S;
    match kind {
        FulfillmentKind::Pickup => matches!(state, S::ReadyForPickup),
        FulfillmentKind::Ship | FulfillmentKind::SameCity => matches!(state, S::Packed | S::AwaitingCourier),
    }
}

/// The promise of `fo` at `now_ms` under HQ's `rules`.
pub fn promise(fo: &FulfillmentOrder, rules: &DeviceRules, now_ms: i64) -> Promise {
    let window_ms = rules.promise_ms(fo.kind);
    let created = fo.created_at.timestamp_millis();
    let due_ms = created.saturating_add(window_ms);
    let state = if fo.state.is_terminal() || fo.state == FulfillmentState::Dispatched {
        PromiseState::Closed
    } else if kept(fo.kind, fo.state) {
        PromiseState::Kept
    } else {
        PromiseState::Open { left_ms: due_ms.saturating_sub(now_ms) }
    };
    Promise { kind: fo.kind, window_ms, due_ms, waited_ms: now_ms.saturating_sub(created).max(0), state }
}

/// Urgency order: open promises by time left (overdue first), then kept ones waiting
/// longest first, then closed ones newest first; ties by order number.
pub fn by_urgency(a: &FulfillmentOrder, b: &FulfillmentOrder, rules: &DeviceRules, now_ms: i64) -> Ordering {
    let key = |fo: &FulfillmentOrder| {
        let p = promise(fo, rules, now_ms);
        match p.state {
            PromiseState::Open { left_ms } => (0, left_ms),
            PromiseState::Kept => (1, -p.waited_ms),
            PromiseState::Closed => (2, -fo.created_at.timestamp_millis()),
        }
    };
    key(a).cmp(&key(b)).then_with(|| a.channel_order_id.cmp(&b.channel_order_id))
}

/// Sorts `orders` most urgent first (see [`by_urgency`]).
pub fn sort_by_urgency(orders: &mut [FulfillmentOrder], rules: &DeviceRules, now_ms: i64) {
    orders.sort_by(|a, b| by_urgency(a, b, rules, now_ms));
}

/// A duration as whole hours and minutes, rounded down: `(hours, minutes)`.
pub fn hours_minutes(ms: i64) -> (i64, i64) {
    let minutes = ms.max(0) / 60_000;
    (minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::Channel;
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    const HOUR: i64 = 3_600_000;
    const NOW: i64 = 1_800_000_000_000;

    fn fo(no: &str, kind: FulfillmentKind, state: FulfillmentState, created_ms: i64) -> FulfillmentOrder {
        let at = Utc.timestamp_millis_opt(created_ms).single().unwrap();
        FulfillmentOrder {
            id: Uuid::nil(),
            order_id: Uuid::nil(),
            channel_order_id: no.into(),
            channel: Channel::Tmall,
            node_code: "STORE-A".into(),
            kind,
            state,
            customer_name: "张三".into(),
            customer_phone_tail: "5678".into(),
            lines: vec![],
            pickup_code: None,
            reject_reason: None,
            carrier: None,
            tracking_no: None,
            courier: None,
            same_city_offered: false,
            flagged: false,
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_pickup_order_is_due_two_hours_after_it_reached_the_store_by_default() {
        let r = DeviceRules::default();
        let o = fo("A", FulfillmentKind::Pickup, FulfillmentState::Routed, NOW - HOUR / 2);
        let p = promise(&o, &r, NOW);
        assert_eq!((p.window_ms, p.due_ms, p.waited_ms), (2 * HOUR, NOW + 3 * HOUR / 2, HOUR / 2));
        assert_eq!(p.state, PromiseState::Open { left_ms: 3 * HOUR / 2 });
        assert!(!p.overdue() && !p.due_soon());
        assert!(promise(&o, &r, NOW + HOUR).due_soon(), "half an hour of two left");
        assert!(!promise(&o, &r, NOW + HOUR - 60_000).due_soon());
        let late = promise(&o, &r, NOW + 2 * HOUR);
        assert_eq!(late.state, PromiseState::Open { left_ms: -HOUR / 2 });
        assert!(late.overdue() && !late.due_soon());
        // HQ's window, not a constant.
        let r = DeviceRules { promise_pickup_minutes: 15, ..r };
        assert!(promise(&o, &r, NOW).overdue());
    }

    #[test]
    fn ready_orders_have_kept_their_promise_and_finished_ones_have_none() {
        let r = DeviceRules::default();
        let s = |kind, state| promise(&fo("A", kind, state, NOW - 5 * HOUR), &r, NOW).state;
        assert_eq!(s(FulfillmentKind::Pickup, FulfillmentState::ReadyForPickup), PromiseState::Kept);
        assert!(matches!(s(FulfillmentKind::Pickup, FulfillmentState::Packed), PromiseState::Open { .. }));
        assert_eq!(s(FulfillmentKind::Ship, FulfillmentState::Packed), PromiseState::Kept);
        assert_eq!(s(FulfillmentKind::SameCity, FulfillmentState::AwaitingCourier), PromiseState::Kept);
        assert_eq!(s(FulfillmentKind::Ship, FulfillmentState::Dispatched), PromiseState::Closed);
        for done in [FulfillmentState::PickedUp, FulfillmentState::Rejected, FulfillmentState::Cancelled] {
            assert_eq!(s(FulfillmentKind::Pickup, done), PromiseState::Closed);
        }
        // A clock behind the order's time never shows a negative wait.
        assert_eq!(
            promise(&fo("A", FulfillmentKind::Ship, FulfillmentState::Routed, NOW + HOUR), &r, NOW).waited_ms,
            0
        );
    }

    #[test]
    fn lists_sort_overdue_first_then_by_time_left_then_waiting_then_finished() {
        let r = DeviceRules::default();
        use FulfillmentKind as K;
        use FulfillmentState as S;
        let mut list = vec![
            fo("done-old", K::Pickup, S::PickedUp, NOW - 9 * HOUR),
            fo("ship-fresh", K::Ship, S::Routed, NOW - HOUR),
            fo("ready-long", K::Pickup, S::ReadyForPickup, NOW - 6 * HOUR),
            fo("pickup-overdue", K::Pickup, S::Accepted, NOW - 3 * HOUR),
            fo("done-new", K::Pickup, S::Rejected, NOW - HOUR),
            fo("pickup-new", K::Pickup, S::Routed, NOW - HOUR / 4),
            fo("ready-short", K::Pickup, S::ReadyForPickup, NOW - 4 * HOUR),
            fo("rider-overdue-most", K::SameCity, S::Picking, NOW - 3 * HOUR),
        ];
        sort_by_urgency(&mut list, &r, NOW);
        let order: Vec<&str> = list.iter().map(|o| o.channel_order_id.as_str()).collect();
        assert_eq!(
            order,
            [
                "rider-overdue-most",
                "pickup-overdue",
                "pickup-new",
                "ship-fresh",
                "ready-long",
                "ready-short",
                "done-new",
                "done-old"
            ]
        );
    }

    #[test]
    fn durations_read_as_hours_and_minutes() {
        assert_eq!(hours_minutes(0), (0, 0));
        assert_eq!(hours_minutes(59_999), (0, 0));
        assert_eq!(hours_minutes(125 * 60_000 + 59_000), (2, 5));
        assert_eq!(hours_minutes(-5), (0, 0));
    }
}
