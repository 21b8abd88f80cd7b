//! Stock layers and the arithmetic of one balance (node × SKU × quality).
//!
//! Every change to on-hand is a stock movement in the ledger; the balance is derived from
//! it. These functions are the single definition of what a movement or a reservation does
//! to a balance, used by the server's storage and by the device's optimistic apply.

use serde::{Deserialize, Serialize};

/// Logical stock layer by quality (逻辑库存): sellable (正品), or defective (次品: counted, never
/// sold or reserved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    /// Sellable (正品).
    Sellable,
    /// Defective (次品): counted, never sold or reserved.
    Defective,
}

impl Quality {
    /// Name used in JSON, CSV and SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Quality::Sellable => "sellable",
            Quality::Defective => "defective",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Quality> {
        match s {
            "sellable" => Some(Quality::Sellable),
            "defective" => Some(Quality::Defective),
            _ => None,
        }
    }
}

/// Why a stock movement was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementReason {
    /// Initial import or ERP adjustment.
    Import,
    /// ERP-side adjustment.
    Adjustment,
    /// Goods left the node to a customer (hand-over, dispatch).
    Fulfilment,
    /// A return was received.
    Return,
    /// A stock count corrected on-hand (盘点).
    Count,
}

impl MovementReason {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            MovementReason::Import => "import",
            MovementReason::Adjustment => "adjustment",
            MovementReason::Fulfilment => "fulfilment",
            MovementReason::Return => "return",
            MovementReason::Count => "count",
        }
    }
}

/// One balance: physical on-hand and what is promised or held back from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StockLevel {
    /// Physical units at the node (物理库存); the sum of the ledger.
    pub on_hand: i64,
    /// Units reserved for fulfilment orders and holds.
    pub reserved: i64,
    /// Safety stock kept back from channels (安全库存).
    pub safety: i64,
    /// Locked for promotions or frozen (锁定/冻结).
    pub locked: i64,
}

/// Why a stock operation cannot be done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StockError {
    /// Not enough available to promise.
    #[error("only {available} available, {requested} requested")]
    Insufficient {
        /// Units available.
        available: i64,
        /// Units asked for.
        requested: i64,
    },
    /// Releasing or consuming more than is reserved.
    #[error("only {reserved} reserved, cannot release {requested}")]
    NotReserved {
        /// Units reserved.
        reserved: i64,
        /// Units asked to release.
        requested: i64,
    },
    /// Quantities must be positive.
    #[error("quantity must be positive, got {0}")]
    NonPositive(i64),
}

impl StockLevel {
    /// Available to promise to any channel: on-hand − reserved − safety − locked, never
    /// below zero.
    pub fn available(&self) -> i64 {
        (self.on_hand - self.reserved - self.safety - self.locked).max(0)
    }

    /// What the node's own store may sell from its shelf: safety stock is kept back from the
    /// other channels, not from the store's own customers, so only reservations and locks
    /// are off limits.
    pub fn available_to_own_store(&self) -> i64 {
        (self.on_hand - self.reserved - self.locked).max(0)
    }

    /// The store's lease: units of its shelf that no other channel can take while the store
    /// is offline, so what it promises within the lease never oversells the pool. Routing for
    /// every other channel keeps the safety stock back, so the lease is the safety stock, as
    /// far as the shelf holds it free of reservations and locks.
    pub fn lease(&self) -> i64 {
        self.available_to_own_store().min(self.safety.max(0))
    }

    /// Reserves `qty` if that much is available.
    pub fn reserve(&mut self, qty: i64) -> Result<(), StockError> {
        if qty <= 0 {
            return Err(StockError::NonPositive(qty));
        }
        let available = self.available();
        if qty > available {
            return Err(StockError::Insufficient { available, requested: qty });
        }
        self.reserved += qty;
        Ok(())
    }

    /// Releases `qty` of a reservation (cancel, reject, reroute).
    pub fn release(&mut self, qty: i64) -> Result<(), StockError> {
        if qty <= 0 {
            return Err(StockError::NonPositive(qty));
        }
        if qty > self.reserved {
            return Err(StockError::NotReserved { reserved: self.reserved, requested: qty });
        }
        self.reserved -= qty;
        Ok(())
    }

    /// Goods left with a reservation: reserved and on-hand both fall by `qty`. Returns the
    /// ledger delta to record (`-qty`).
    pub fn consume(&mut self, qty: i64) -> Result<i64, StockError> {
        self.release(qty)?;
        self.on_hand -= qty;
        Ok(-qty)
    }

    /// Applies a ledger movement to on-hand. Physical facts are never refused, so on-hand
    /// may fall below reserved; [`StockLevel::oversold`] then tells by how much.
    pub fn apply_movement(&mut self, delta: i64) {
        self.on_hand += delta;
    }

    /// Units promised that the shelf cannot cover (reserved above on-hand), or zero.
    pub fn oversold(&self) -> i64 {
        (self.reserved - self.on_hand).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Receive(i64),
        Reserve(i64),
        Release(i64),
        Consume(i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1i64..50).prop_map(Op::Receive),
            (1i64..20).prop_map(Op::Reserve),
            (1i64..20).prop_map(Op::Release),
            (1i64..20).prop_map(Op::Consume),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Whatever sequence of receipts, reservations, releases and consumptions happens,
        /// on-hand equals the ledger sum, reserved never exceeds on-hand and nothing
        /// oversells.
        #[test]
        fn ledger_balances_and_nothing_oversells(safety in 0i64..5, locked in 0i64..5, ops in proptest::collection::vec(op(), 0..200)) {
            let mut level = StockLevel { safety, locked, ..Default::default() };
            let mut ledger: Vec<i64> = Vec::new();
            for op in ops {
                let before = level;
                let result = match op {
                    Op::Receive(q) => { level.apply_movement(q); ledger.push(q); Ok(()) }
                    Op::Reserve(q) => level.reserve(q),
                    Op::Release(q) => level.release(q),
                    Op::Consume(q) => level.consume(q).map(|d| ledger.push(d)),
                };
                if result.is_err() {
                    prop_assert_eq!(level, before, "a refused operation changes nothing");
                }
                prop_assert_eq!(level.on_hand, ledger.iter().sum::<i64>());
                prop_assert!(level.reserved >= 0);
                prop_assert!(level.reserved <= level.on_hand);
                prop_assert_eq!(level.oversold(), 0);
            }
        }
    }

    #[test]
    fn available_subtracts_every_hold() {
        let mut l = StockLevel { on_hand: 10, reserved: 2, safety: 3, locked: 1 };
        assert_eq!(l.available(), 4);
        assert_eq!(l.reserve(5), Err(StockError::Insufficient { available: 4, requested: 5 }));
        l.reserve(4).unwrap();
        assert_eq!(l.available(), 0);
        l.apply_movement(-9);
        assert_eq!(l.oversold(), 5);
    }

    #[test]
    fn the_lease_is_the_safety_stock_the_shelf_holds_free() {
        let l = StockLevel { on_hand: 4, reserved: 0, safety: 2, locked: 0 };
        assert_eq!((l.available(), l.available_to_own_store(), l.lease()), (2, 4, 2));
        let l = StockLevel { on_hand: 4, reserved: 3, safety: 2, locked: 0 };
        assert_eq!((l.available(), l.available_to_own_store(), l.lease()), (0, 1, 1));
        let l = StockLevel { on_hand: 4, reserved: 0, safety: 0, locked: 1 };
        assert_eq!((l.available(), l.available_to_own_store(), l.lease()), (3, 3, 0));
    }
}
