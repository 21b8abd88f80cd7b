//! Time as the sync engine sees it: the wall clock, sleeping, and the random spread of retry
//! delays. Injected, so the engine's waits can be checked in tests without waiting.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// The engine's clock.
pub trait Clock: Send + Sync + 'static {
    /// Now, in ms since the epoch.
    fn now_ms(&self) -> i64;

    /// Completes after `d`.
    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;

    /// A factor in `[0.5, 1.0)` that spreads retry delays, so a store's devices do not all
    /// retry at once after an outage.
    fn jitter(&self) -> f64;
}

/// The real clock, tokio's timer and a random jitter.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }

    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(d))
    }

    fn jitter(&self) -> f64 {
        use rand::Rng;
        rand::thread_rng().gen_range(0.5..1.0)
    }
}
