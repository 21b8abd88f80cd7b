//! Small deterministic sampling helpers shared by the generators.

use rand::rngs::StdRng;
use rand::Rng;

/// Picks indices in proportion to fixed weights (cumulative sums + binary search), so a
/// draw costs O(log n) even for 50,000 SKUs.
pub(crate) struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    pub(crate) fn new(weights: impl IntoIterator<Item = f64>) -> Weighted {
        let mut total = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w.max(0.0);
                total
            })
            .collect();
        Weighted { cumulative }
    }

    pub(crate) fn pick(&self, rng: &mut StdRng) -> usize {
        let total = *self.cumulative.last().expect("weights are not empty");
        let x = rng.gen::<f64>() * total;
        self.cumulative.partition_point(|c| *c <= x).min(self.cumulative.len() - 1)
    }
}

/// Zipf-like weights `1 / (rank + 1)^s` over `n` items whose ranks are a seeded shuffle,
/// so which styles are best sellers changes with the seed but the shape does not.
pub(crate) fn zipf_weights(n: usize, s: f64, rng: &mut StdRng) -> Vec<f64> {
    use rand::seq::SliceRandom;
    let mut ranks: Vec<usize> = (0..n).collect();
    ranks.shuffle(rng);
    ranks.iter().map(|r| 1.0 / ((*r + 1) as f64).powf(s)).collect()
}

/// Middle sizes sell best: weight 1.0 at the centre falling to 0.4 at the extremes.
pub(crate) fn size_weight(index: usize, count: usize) -> f64 {
    if count <= 1 {
        return 1.0;
    }
    let centre = (count - 1) as f64 / 2.0;
    1.0 - 0.6 * ((index as f64 - centre).abs() / centre)
}

/// Rounds a coordinate to six decimals (about 10 cm) so the JSON stays readable.
pub(crate) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
