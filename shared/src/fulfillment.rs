//! Fulfillment orders (履约单) and their state machine.

use serde::{Deserialize, Serialize};

/// How the customer gets the goods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FulfillmentKind {
    /// Parcel shipped to the customer (门店发货 when from a store).
    Ship,
    /// Customer picks up at the store with a pickup code (自提).
    Pickup,
    /// Same-city rider delivery (同城配/闪送).
    SameCity,
}

impl FulfillmentKind {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FulfillmentKind::Ship => "ship",
            FulfillmentKind::Pickup => "pickup",
            FulfillmentKind::SameCity => "same_city",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ship" => Some(Self::Ship),
            "pickup" => Some(Self::Pickup),
            "same_city" => Some(Self::SameCity),
            _ => None,
        }
    }
}

/// Where a fulfillment order is in its life. picked_up, delivered, rejected and cancelled are
/// terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FulfillmentState {
    /// Routed to a node, waiting for the node to accept.
    Routed,
    /// Accepted by the node.
    Accepted,
    /// Being picked.
    Picking,
    /// Picked and packed.
    Packed,
    /// Waiting at the counter for the customer (pickup only).
    ReadyForPickup,
    /// Handed over to the customer. Terminal.
    PickedUp,
    /// Waiting for the courier or rider (ship and same-city).
    AwaitingCourier,
    /// With the courier.
    Dispatched,
    /// Delivered to the customer. Terminal.
    Delivered,
    /// Declined or short; the lines were rerouted. Terminal.
    Rejected,
    /// Cancelled at HQ. Terminal.
    Cancelled,
}

const ALL_STATES: [FulfillmentState; 11] = [
    FulfillmentState::Routed,
    FulfillmentState::Accepted,
    FulfillmentState::Picking,
    FulfillmentState::Packed,
    FulfillmentState::ReadyForPickup,
    FulfillmentState::PickedUp,
    FulfillmentState::AwaitingCourier,
    FulfillmentState::Dispatched,
    FulfillmentState::Delivered,
    FulfillmentState::Rejected,
    FulfillmentState::Cancelled,
];

impl FulfillmentState {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Routed => "routed",
            Self::Accepted => "accepted",
            Self::Picking => "picking",
            Self::Packed => "packed",
            Self::ReadyForPickup => "ready_for_pickup",
            Self::PickedUp => "picked_up",
            Self::AwaitingCourier => "awaiting_courier",
            Self::Dispatched => "dispatched",
            Self::Delivered => "delivered",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Self> {
        ALL_STATES.iter().copied().find(|st| st.as_str() == s)
    }

    /// No transition leaves a terminal state.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::PickedUp | Self::Delivered | Self::Rejected | Self::Cancelled)
    }

    /// Still a task for the store (shown on the device, holds reservations).
    pub fn is_open(self) -> bool {
        !self.is_terminal() && self != Self::Dispatched
    }

    /// All states, for exhaustive tests and UI filters.
    pub fn all() -> &'static [FulfillmentState] {
        &ALL_STATES
    }
}

/// Something that happens to a fulfillment order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FulfillmentEvent {
    /// The store accepts the order.
    Accept,
    /// The store declines it (or cannot fill any line).
    Reject,
    /// An associate starts picking.
    StartPick,
    /// Picking is confirmed and the parcel packed.
    ConfirmPick,
    /// Packed pickup order put at the counter; the pickup code is issued.
    MarkReady,
    /// Goods handed to the customer.
    HandOver,
    /// A courier or rider was requested.
    RequestCourier,
    /// The courier collected it; tracking number recorded.
    Dispatch,
    /// The courier delivered it.
    Deliver,
    /// HQ cancelled the order.
    Cancel,
    /// The delivery failed and the parcel came back to the store (→ packed: its goods are
    /// on the store's stock again, to be sent again or cancelled).
    ReturnToStore,
}

/// An event that the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {kind:?} fulfillment order in state {from:?} cannot {event:?}")]
pub struct IllegalTransition {
    /// The kind of order.
    pub kind: FulfillmentKind,
    /// The state it was in.
    pub from: FulfillmentState,
    /// What was attempted.
    pub event: FulfillmentEvent,
}

/// The fulfillment-order state machine (DESIGN §3): the next state, or why not.
pub fn transition(
    kind: FulfillmentKind,
    from: FulfillmentState,
    event: FulfillmentEvent,
) -> Result<FulfillmentState, IllegalTransition> {
    use FulfillmentEvent as E;
    use FulfillmentKind as K;
    use FulfillmentState as S;
    let courier = matches!(kind, K::Ship | K::SameCity);
    let next = match (from, event) {
        (S::Routed, E::Accept) => Some(S::Accepted),
        (S::Routed | S::Accepted | S::Picking, E::Reject) => Some(S::Rejected),
        (S::Accepted, E::StartPick) => Some(S::Picking),
        (S::Accepted | S::Picking, E::ConfirmPick) => Some(S::Packed),
        (S::Packed, E::MarkReady) if kind == K::Pickup => Some(S::ReadyForPickup),
        (S::ReadyForPickup, E::HandOver) => Some(S::PickedUp),
        // Asking again while waiting (no rider found, or switching to express) keeps waiting.
        (S::Packed | S::AwaitingCourier, E::RequestCourier) if courier => Some(S::AwaitingCourier),
        (S::AwaitingCourier, E::Dispatch) => Some(S::Dispatched),
        (S::Dispatched, E::Deliver) => Some(S::Delivered),
        (S::Dispatched, E::ReturnToStore) => Some(S::Packed),
        (s, E::Cancel) if s.is_open() => Some(S::Cancelled),
        _ => None,
    };
    next.ok_or(IllegalTransition { kind, from, event })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use FulfillmentEvent as E;
    use FulfillmentState as S;

    const EVENTS: [FulfillmentEvent; 11] = [
        E::Accept,
        E::Reject,
        E::StartPick,
        E::ConfirmPick,
        E::MarkReady,
        E::HandOver,
        E::RequestCourier,
        E::Dispatch,
        E::Deliver,
        E::Cancel,
        E::ReturnToStore,
    ];
    const KINDS: [FulfillmentKind; 3] = [FulfillmentKind::Ship, FulfillmentKind::Pickup, FulfillmentKind::SameCity];

    fn run(kind: FulfillmentKind, events: &[FulfillmentEvent]) -> Result<S, IllegalTransition> {
        events.iter().try_fold(S::Routed, |s, e| transition(kind, s, *e))
    }

    #[test]
    fn pickup_happy_path() {
        let path = [E::Accept, E::StartPick, E::ConfirmPick, E::MarkReady, E::HandOver];
        assert_eq!(run(FulfillmentKind::Pickup, &path), Ok(S::PickedUp));
    }

    #[test]
    fn ship_happy_path() {
        let path = [E::Accept, E::ConfirmPick, E::RequestCourier, E::Dispatch, E::Deliver];
        assert_eq!(run(FulfillmentKind::Ship, &path), Ok(S::Delivered));
    }

    #[test]
    fn a_failed_delivery_comes_back_to_packed() {
        let path = [E::Accept, E::ConfirmPick, E::RequestCourier, E::RequestCourier, E::Dispatch, E::ReturnToStore];
        assert_eq!(run(FulfillmentKind::SameCity, &path), Ok(S::Packed));
        assert!(transition(FulfillmentKind::Ship, S::Delivered, E::ReturnToStore).is_err());
        assert!(transition(FulfillmentKind::Pickup, S::PickedUp, E::ReturnToStore).is_err());
    }

    #[test]
    fn illegal_transitions_are_errors() {
        assert!(transition(FulfillmentKind::Ship, S::Packed, E::MarkReady).is_err());
        assert!(transition(FulfillmentKind::Pickup, S::Packed, E::RequestCourier).is_err());
        assert!(transition(FulfillmentKind::Pickup, S::PickedUp, E::Cancel).is_err());
        assert!(transition(FulfillmentKind::Pickup, S::Routed, E::HandOver).is_err());
        let err = transition(FulfillmentKind::Pickup, S::Routed, E::HandOver).unwrap_err();
        assert_eq!(err.from, S::Routed);
    }

    #[test]
    fn names_round_trip() {
        for s in S::all() {
            assert_eq!(S::parse(s.as_str()), Some(*s));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Terminal states have no way out; every reachable state is reachable only through
        /// legal steps; a pickup order never meets a courier and a shipped one never a counter.
        #[test]
        fn random_event_sequences_respect_the_machine(kind_i in 0usize..3, events in proptest::collection::vec(0usize..11, 0..30)) {
            let kind = KINDS[kind_i];
            let mut state = S::Routed;
            for e in events {
                let event = EVENTS[e];
                match transition(kind, state, event) {
                    Ok(next) => {
                        prop_assert!(!state.is_terminal(), "left terminal state {:?}", state);
                        if kind == FulfillmentKind::Pickup {
                            prop_assert!(!matches!(next, S::AwaitingCourier | S::Dispatched | S::Delivered));
                        } else {
                            prop_assert!(!matches!(next, S::ReadyForPickup | S::PickedUp));
                        }
                        state = next;
                    }
                    Err(err) => {
                        prop_assert_eq!(err.from, state);
                    }
                }
            }
        }
    }
}
