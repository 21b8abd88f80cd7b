//! Limits on failed credential checks, so enrollment codes and tokens cannot be guessed
//! without end.
//!
//! Only failures count: after `per_source` failed checks (an unknown enrollment code, admin
//! token or device token) from one source within `window`, that source is refused every
//! credential check with 429 until its oldest failure leaves the window; after `per_code`
//! failed attempts at one enrollment code, that code is refused the same way, for every
//! source. A source's own successes are never held back by failures on other codes or
//! from other sources. A source is the peer's IP address, an IPv6 peer's /64 network (one
//! host usually holds a whole /64).
//!
//! A small module of our own rather than `governor`: governor meters every attempt with a
//! steady refill and has no way to ask "blocked?" without spending a cell, while this rule
//! counts failures only and answers how long until the window frees (`Retry-After`).
//! State is in memory, per instance, and bounded: at most `max_tracked` keys per kind, the
//! stalest evicted first.
//!
//! Device look-ups (network availability of a style, a placed order's status, an order at
//! the return counter) are read-only but each one is a real query: every call counts, and
//! a device may make `device_reads` of them per window ([`Limiter::device_read`]).

/// The 429 of a device look-up (order look-up, return status, the aisle's look-ups: one
/// limit per device, see [`Limiter::device_read`]), as the OpenAPI document states it.
pub const LOOKUP_LIMITED: &str = "rate_limited: this device made more look-ups than this server allows per window (`--device-lookups`, default 120 a minute), or too many credential checks failed from this address; nothing was read. Retry after the `Retry-After` seconds.";

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Default window failures are counted in.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(60);
/// Default failed checks a source may make per window.
pub const DEFAULT_PER_SOURCE: u32 = 10;
/// Default failed attempts one enrollment code may take per window.
pub const DEFAULT_PER_CODE: u32 = 5;
/// Default most sources (and, apart, codes) remembered.
pub const DEFAULT_MAX_TRACKED: usize = 10_000;
/// Default look-ups one device may make per window (two a second on average: far more
/// than an associate at a counter, far less than a script).
pub const DEFAULT_DEVICE_READS: u32 = 120;

/// The limits; a limit of 0 turns that kind off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a failure counts.
    pub window: Duration,
    /// Failed credential checks per source per window.
    pub per_source: u32,
    /// Failed attempts per enrollment code per window.
    pub per_code: u32,
    /// Most keys of each kind kept in memory.
    pub max_tracked: usize,
    /// Look-ups per device per window (every call counts, not only failures).
    pub device_reads: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            window: DEFAULT_WINDOW,
            per_source: DEFAULT_PER_SOURCE,
            per_code: DEFAULT_PER_CODE,
            max_tracked: DEFAULT_MAX_TRACKED,
            device_reads: DEFAULT_DEVICE_READS,
        }
    }
}

/// A refused check: how long until the caller may try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds for the `Retry-After` header, at least 1.
    pub fn seconds(&self) -> u64 {
        let d = self.0;
        (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
    }
}

/// Recent failures of each key, oldest first, at most `limit` kept per key.
struct Failures<K> {
    limit: u32,
    max_keys: usize,
    keys: HashMap<K, VecDeque<Instant>>,
}

impl<K: Hash + Eq + Clone> Failures<K> {
    fn new(limit: u32, max_keys: usize) -> Self {
        Failures { limit, max_keys: max_keys.max(1), keys: HashMap::new() }
    }

    fn prune(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
        while times.front().is_some_and(|t| now.saturating_duration_since(*t) >= window) {
            times.pop_front();
        }
    }

    /// How long `key` stays refused, if it has used up its failures.
    fn blocked(&mut self, key: &K, now: Instant, window: Duration) -> Option<Duration> {
        if self.limit == 0 {
            return None;
        }
        let times = self.keys.get_mut(key)?;
        Self::prune(times, now, window);
        if times.is_empty() {
            self.keys.remove(key);
            return None;
        }
        if times.len() < self.limit as usize {
            return None;
        }
        let oldest = *times.front()?;
        Some(window.saturating_sub(now.saturating_duration_since(oldest)))
    }

    fn record(&mut self, key: K, now: Instant, window: Duration) {
        if self.limit == 0 {
            return;
        }
        if !self.keys.contains_key(&key) && self.keys.len() >= self.max_keys {
            self.evict(now, window);
        }
        let times = self.keys.entry(key).or_default();
        Self::prune(times, now, window);
        times.push_back(now);
        while times.len() > self.limit as usize {
            times.pop_front();
        }
    }

    /// Drops expired keys, and if still full the key whose last failure is oldest.
    fn evict(&mut self, now: Instant, window: Duration) {
        self.keys.retain(|_, times| {
            Self::prune(times, now, window);
            !times.is_empty()
        });
        if self.keys.len() >= self.max_keys {
            let stalest = self.keys.iter().min_by_key(|(_, times)| times.back().copied()).map(|(k, _)| k.clone());
            if let Some(k) = stalest {
                self.keys.remove(&k);
            }
        }
    }
}

struct State {
    sources: Failures<IpAddr>,
    codes: Failures<String>,
    devices: Failures<String>,
}

/// Failed-credential limits of one server instance.
pub struct Limiter {
    window: Duration,
    state: Mutex<State>,
}

/// The key a peer address counts under.
fn source_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The key an enrollment code counts under: its digest in the form codes are compared in,
/// so memory per key is bounded whatever the caller sends.
fn code_key(code: &str) -> String {
    let normal: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    shared::secret::token_digest(&normal)
}

impl Limiter {
    /// A limiter with `limits`.
    pub fn new(limits: Limits) -> Limiter {
        Limiter {
            window: limits.window,
            state: Mutex::new(State {
                sources: Failures::new(limits.per_source, limits.max_tracked),
                codes: Failures::new(limits.per_code, limits.max_tracked),
                devices: Failures::new(limits.device_reads, limits.max_tracked),
            }),
        }
    }

    /// Whether a credential check from `source` (on enrollment `code`, if any) may go ahead.
    pub fn check(&self, source: Option<IpAddr>, code: Option<&str>, now: Instant) -> Result<(), RetryAfter> {
        let Ok(mut state) = self.state.lock() else { return Ok(()) };
        let by_source = source.and_then(|ip| state.sources.blocked(&source_key(ip), now, self.window));
        let by_code = code.and_then(|c| state.codes.blocked(&code_key(c), now, self.window));
        match by_source.into_iter().chain(by_code).max() {
            Some(wait) => Err(RetryAfter(wait)),
            None => Ok(()),
        }
    }

    /// Records a failed credential check.
    pub fn failed(&self, source: Option<IpAddr>, code: Option<&str>, now: Instant) {
        let Ok(mut state) = self.state.lock() else { return };
        if let Some(ip) = source {
            state.sources.record(source_key(ip), now, self.window);
        }
        if let Some(c) = code {
            state.codes.record(code_key(c), now, self.window);
        }
    }

    /// Counts a look-up by `device_id` and whether it may go ahead: refused, without being
    /// counted, once the device made its `device_reads` look-ups in the window.
    pub fn device_read(&self, device_id: &str, now: Instant) -> Result<(), RetryAfter> {
        let Ok(mut state) = self.state.lock() else { return Ok(()) };
        let key = device_id.to_string();
        if let Some(wait) = state.devices.blocked(&key, now, self.window) {
            return Err(RetryAfter(wait));
        }
        state.devices.record(key, now, self.window);
        Ok(())
    }

    /// Keys remembered (sources, codes).
    pub fn tracked(&self) -> (usize, usize) {
        self.state.lock().map(|s| (s.sources.keys.len(), s.codes.keys.len())).unwrap_or((0, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: Duration = Duration::from_secs(1);

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    fn limiter(per_source: u32, per_code: u32, max_tracked: usize) -> Limiter {
        Limiter::new(Limits { window: 60 * SEC, per_source, per_code, max_tracked, device_reads: 0 })
    }

    #[test]
    fn a_source_is_refused_after_its_failures_until_the_oldest_leaves_the_window() {
        let l = limiter(3, 100, 100);
        let t0 = Instant::now();
        for i in 0..3 {
            assert_eq!(l.check(ip("10.0.0.1"), None, t0 + i * SEC), Ok(()));
            l.failed(ip("10.0.0.1"), None, t0 + i * SEC);
        }
        assert_eq!(l.check(ip("10.0.0.1"), None, t0 + 10 * SEC), Err(RetryAfter(50 * SEC)));
        assert_eq!(RetryAfter(50 * SEC).seconds(), 50);
        // Other sources are not affected.
        assert_eq!(l.check(ip("10.0.0.2"), None, t0 + 10 * SEC), Ok(()));
        // The first failure leaves the window at t0 + 60 s: one more try is allowed.
        assert_eq!(l.check(ip("10.0.0.1"), None, t0 + 60 * SEC), Ok(()));
    }

    #[test]
    fn a_code_is_refused_for_every_source_but_other_codes_are_not() {
        let l = limiter(100, 2, 100);
        let t0 = Instant::now();
        l.failed(ip("10.0.0.1"), Some("ABCD-EFGH-JKLM"), t0);
        l.failed(ip("10.0.0.2"), Some("abcdefghjklm"), t0 + SEC);
        let refused = l.check(ip("10.0.0.3"), Some("ABCD-EFGH-JKLM"), t0 + 2 * SEC).unwrap_err();
        assert_eq!(refused.seconds(), 58);
        assert_eq!(l.check(ip("10.0.0.1"), Some("ZZZZ-EFGH-JKLM"), t0 + 2 * SEC), Ok(()));
        assert_eq!(l.check(ip("10.0.0.1"), None, t0 + 2 * SEC), Ok(()));
    }

    #[test]
    fn the_longer_of_two_refusals_is_reported_and_fractions_round_up() {
        let l = limiter(1, 1, 100);
        let t0 = Instant::now();
        l.failed(ip("10.0.0.1"), None, t0);
        l.failed(None, Some("CODE"), t0 + 20 * SEC);
        let r = l.check(ip("10.0.0.1"), Some("CODE"), t0 + Duration::from_millis(20_500)).unwrap_err();
        assert_eq!(r.seconds(), 60);
        assert_eq!(RetryAfter(Duration::from_millis(1)).seconds(), 1);
        assert_eq!(RetryAfter(Duration::ZERO).seconds(), 1);
    }

    #[test]
    fn ipv6_hosts_count_by_their_64_network_and_mapped_ipv4_as_ipv4() {
        let l = limiter(2, 100, 100);
        let t0 = Instant::now();
        l.failed(ip("2001:db8:1:2::1"), None, t0);
        l.failed(ip("2001:db8:1:2:ffff::9"), None, t0);
        assert!(l.check(ip("2001:db8:1:2::77"), None, t0).is_err());
        assert_eq!(l.check(ip("2001:db8:1:3::1"), None, t0), Ok(()));
        l.failed(ip("::ffff:10.1.1.1"), None, t0);
        l.failed(ip("10.1.1.1"), None, t0);
        assert!(l.check(ip("10.1.1.1"), None, t0).is_err());
    }

    #[test]
    fn memory_stays_bounded_and_the_stalest_key_goes_first() {
        let l = limiter(2, 2, 3);
        let t0 = Instant::now();
        for i in 0..50u32 {
            let a = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            l.failed(Some(a), Some(&format!("CODE{i}")), t0 + i * SEC / 10);
        }
        assert_eq!(l.tracked(), (3, 3));
        // Expired keys go before live ones.
        let l = limiter(1, 1, 2);
        l.failed(ip("10.0.0.1"), None, t0);
        l.failed(ip("10.0.0.2"), None, t0 + 30 * SEC);
        l.failed(ip("10.0.0.3"), None, t0 + 61 * SEC);
        assert!(l.check(ip("10.0.0.2"), None, t0 + 61 * SEC).is_err());
        assert!(l.check(ip("10.0.0.3"), None, t0 + 61 * SEC).is_err());
    }

    #[test]
    fn every_look_up_of_a_device_counts_and_other_devices_are_not_held_back() {
        let l = Limiter::new(Limits { window: 60 * SEC, device_reads: 3, ..Limits::default() });
        let t0 = Instant::now();
        for i in 0..3 {
            assert_eq!(l.device_read("D1", t0 + i * SEC), Ok(()));
        }
        assert_eq!(l.device_read("D1", t0 + 10 * SEC), Err(RetryAfter(50 * SEC)));
        // A refused look-up is not counted: the device gets its reads back with the window.
        assert_eq!(l.device_read("D2", t0 + 10 * SEC), Ok(()));
        assert_eq!(l.device_read("D1", t0 + 60 * SEC), Ok(()));
        assert!(l.device_read("D1", t0 + 60 * SEC).is_err());
        let off = Limiter::new(Limits { device_reads: 0, ..Limits::default() });
        for _ in 0..1000 {
            assert_eq!(off.device_read("D1", t0), Ok(()));
        }
    }

    #[test]
    fn a_limit_of_zero_turns_that_kind_off() {
        let l = limiter(0, 0, 10);
        let t0 = Instant::now();
        for _ in 0..100 {
            l.failed(ip("10.0.0.1"), Some("CODE"), t0);
        }
        assert_eq!(l.check(ip("10.0.0.1"), Some("CODE"), t0), Ok(()));
        assert_eq!(l.tracked(), (0, 0));
    }
}
