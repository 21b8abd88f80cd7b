//! Money in integer fen (分). Never floats.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in integer fen (分): 1 yuan = 100 fen, e.g. 59900 is ¥599.00; never a
/// float. Negative amounts are refunds or reversals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Fen(pub i64);

impl Fen {
    /// Zero fen.
    pub const ZERO: Fen = Fen(0);

    /// Whether this is zero fen.
    pub fn is_zero(&self) -> bool {
        self.0 == 0
    }

    /// Adds, returning `None` on overflow.
    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    /// Multiplies by a quantity, returning `None` on overflow.
    pub fn checked_mul(self, qty: i64) -> Option<Fen> {
        self.0.checked_mul(qty).map(Fen)
    }
}

impl fmt::Display for Fen {
    /// Formats as yuan with two decimals, e.g. `¥12.30`, `-¥0.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}¥{}.{:02}", abs / 100, abs % 100)
    }
}

/// Splits `total` over `weights` in proportion, in whole fen, so that the parts add up to
/// exactly `total` (largest-remainder method). Used to prorate an order discount or a refund
/// over lines. Returns all zeros when every weight is zero.
pub fn prorate(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i128 = weights.iter().map(|w| *w as i128).sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut parts: Vec<i64> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    let mut allocated: i128 = 0;
    for (i, w) in weights.iter().enumerate() {
        let exact = total as i128 * *w as i128;
        let part = exact.div_euclid(sum);
        remainders.push((exact.rem_euclid(sum), i));
        allocated += part;
        parts.push(part as i64);
    }
    // Hand out the fen lost to rounding to the largest remainders, lowest index first on ties.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut left = (total as i128 - allocated) as usize;
    for (_, i) in remainders {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn displays_yuan() {
        assert_eq!(Fen(1230).to_string(), "¥12.30");
        assert_eq!(Fen(-5).to_string(), "-¥0.05");
    }

    #[test]
    fn prorates_exactly() {
        assert_eq!(prorate(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(prorate(0, &[5, 5]), vec![0, 0]);
        assert_eq!(prorate(10, &[0, 0]), vec![0, 0]);
    }

    proptest! {
        #[test]
        fn prorate_parts_sum_to_total(total in 0i64..10_000_000, weights in proptest::collection::vec(0i64..1_000_000, 1..20)) {
            let parts = prorate(total, &weights);
            let weight_sum: i64 = weights.iter().sum();
            if weight_sum > 0 {
                prop_assert_eq!(parts.iter().sum::<i64>(), total);
                for (p, w) in parts.iter().zip(&weights) {
                    // Each part is within one fen of its exact share.
                    let exact = total as f64 * *w as f64 / weight_sum as f64;
                    prop_assert!((*p as f64 - exact).abs() < 1.0 + 1e-9);
                }
            }
        }
    }
}
