//! Validated item quantities.

use serde::{Deserialize, Serialize};

/// Largest quantity a single line, reservation or count may carry. Anything above is treated
/// as a typo or an attack rather than a real shop-floor quantity.
pub const MAX_QTY: u32 = 100_000;

/// A positive item quantity, 1 to [`MAX_QTY`] (100000). Deserialising zero, a negative,
/// fractional or absurd quantity fails (the API answers 422) with a message that says the
/// allowed range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "i64", into = "u32")]
pub struct Qty(u32);

/// Why a number is not a valid quantity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("quantity must be between 1 and {MAX_QTY}, got {0}")]
pub struct QtyError(pub i64);

impl Qty {
    /// Validates a quantity.
    pub fn new(n: i64) -> Result<Qty, QtyError> {
        if (1..=MAX_QTY as i64).contains(&n) {
            Ok(Qty(n as u32))
        } else {
            Err(QtyError(n))
        }
    }

    /// The quantity as an `i64` for ledger arithmetic.
    pub fn get(self) -> i64 {
        self.0 as i64
    }
}

impl TryFrom<i64> for Qty {
    type Error = QtyError;
    fn try_from(n: i64) -> Result<Self, Self::Error> {
        Qty::new(n)
    }
}

impl From<Qty> for u32 {
    fn from(q: Qty) -> u32 {
        q.0
    }
}

/// A count of items that may be zero (a stock count, a picked quantity), 0 to [`MAX_QTY`]
/// (100000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "i64", into = "u32")]
pub struct Count(u32);

impl Count {
    /// Validates a count.
    pub fn new(n: i64) -> Result<Count, QtyError> {
        if (0..=MAX_QTY as i64).contains(&n) {
            Ok(Count(n as u32))
        } else {
            Err(QtyError(n))
        }
    }

    /// The count as an `i64`.
    pub fn get(self) -> i64 {
        self.0 as i64
    }
}

impl TryFrom<i64> for Count {
    type Error = QtyError;
    fn try_from(n: i64) -> Result<Self, Self::Error> {
        Count::new(n)
    }
}

impl From<Count> for u32 {
    fn from(q: Count) -> u32 {
        q.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_zero_negative_and_absurd() {
        assert!(serde_json::from_str::<Qty>("0").is_err());
        assert!(serde_json::from_str::<Qty>("-3").is_err());
        assert!(serde_json::from_str::<Qty>("100001").is_err());
        assert!(serde_json::from_str::<Qty>("1.5").is_err());
        assert_eq!(serde_json::from_str::<Qty>("7").unwrap().get(), 7);
        assert_eq!(serde_json::from_str::<Count>("0").unwrap().get(), 0);
        let err = serde_json::from_str::<Qty>("-3").unwrap_err().to_string();
        assert!(err.contains("between 1 and 100000"), "{err}");
    }
}
