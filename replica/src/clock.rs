//! Time as the device engine sees it: the wall clock, sleeping, and the random spread of retry
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

impl SystemClock {
    /// The device's wall clock: the one place the replica reads it. Everything else takes
    /// `now` from its caller or from a [`Clock`].
    // Time is passed in (clippy.toml); this is where the passing starts.
    #[allow(clippy::disallowed_methods)]
    pub fn now() -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }
}

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemClock::now().timestamp_millis()
    }

    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(d))
    }

    fn jitter(&self) -> f64 {
        use rand::Rng;
        rand::thread_rng().gen_range(0.5..1.0)
    }
}
