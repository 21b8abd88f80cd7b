//! The sync engine's decisions as pure functions of what happened: how long to wait after a
//! round (back off, honour `Retry-After`, park until re-enrolled), whether a pull failure
//! means downloading the store again, whether a push failure means isolating a refused op.
//! Kept apart from the I/O so every decision is tested with plain values.

use super::transport::Failure;
use super::RoundError;
use crate::error::ReplicaError;
use shared::protocol::{PushRequest, PushResponse};
use std::time::Duration;

/// The first retry delay (before jitter).
pub const BACKOFF_FIRST: Duration = Duration::from_millis(500);
/// The longest retry delay (before jitter).
pub const BACKOFF_CAP: Duration = Duration::from_secs(60);
/// How long an up-to-date device waits for a poke before it syncs anyway.
pub const IDLE: Duration = Duration::from_secs(30);
/// How long the device waits when retrying soon cannot help (another protocol, a sequence
/// only HQ or a re-enrolment can mend, a credential refused).
pub const SLOW_RETRY: Duration = Duration::from_secs(300);
/// The longest `Retry-After` honoured; a longer one is taken as this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);

/// Delay before retry `attempt` (0-based): doubling from [`BACKOFF_FIRST`] to
/// [`BACKOFF_CAP`], times `jitter` (in `[0.5, 1.0)`, see [`super::Clock::jitter`]).
pub fn backoff(attempt: u32, jitter: f64) -> Duration {
    let first = BACKOFF_FIRST.as_millis() as u64;
    let base = first.saturating_mul(1u64 << attempt.min(7)).min(BACKOFF_CAP.as_millis() as u64);
    Duration::from_millis((base as f64 * jitter.clamp(0.0, 1.0)) as u64)
}

/// How a round ended, as far as the sync loop cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Pushed and pulled everything.
    Synced,
    /// Not enrolled, or revoked: nothing to do until the device is enrolled (again).
    Parked,
    /// The server asked to be left alone this long (429 or 503 with `Retry-After`).
    RetryAfter(Duration),
    /// Retrying soon cannot help.
    Slow,
    /// Anything else: offline, a 5xx, a local failure, an unreadable answer.
    Failed,
}

impl Outcome {
    /// Sorts a round's result.
    pub(crate) fn of<T>(result: &Result<T, RoundError>) -> Outcome {
        match result {
            Ok(_) => Outcome::Synced,
            Err(RoundError::Local(ReplicaError::NotEnrolled | ReplicaError::Revoked)) => Outcome::Parked,
            Err(RoundError::Local(ReplicaError::IncompatibleServer { .. })) => Outcome::Slow,
            Err(RoundError::Local(_)) => Outcome::Failed,
            Err(RoundError::Transport(f)) => Outcome::of_failure(f),
        }
    }

    /// Sorts a transport failure.
    pub fn of_failure(f: &Failure) -> Outcome {
        match f {
            Failure::Revoked => Outcome::Parked,
            Failure::RateLimited { retry_after: Some(d), .. } | Failure::Unavailable { retry_after: Some(d), .. } => {
                Outcome::RetryAfter(*d)
            }
            Failure::Incompatible { .. } | Failure::Denied { .. } => Outcome::Slow,
            Failure::Conflict { code, .. } if needs_hq(code) => Outcome::Slow,
            _ => Outcome::Failed,
        }
    }
}

/// A push conflict the device cannot mend by sending again: its sequence and the server's
/// disagree (the server lost ops it had acknowledged, or numbers were reused), or an op id is
/// taken. HQ has to look, or the device has to be enrolled again.
fn needs_hq(code: &str) -> bool {
    matches!(code, "sequence_gap" | "sequence_conflict" | "op_id_reused")
}

/// What the sync loop does before the next round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Until poked (a local action, an enrolment).
    ForPoke,
    /// This long, or until poked, whichever comes first.
    UpTo(Duration),
    /// This long, pokes or not: the server asked for it.
    Exactly(Duration),
}

/// The sync loop's memory between rounds: how many rounds in a row failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retry {
    failures: u32,
}

impl Retry {
    /// Failed rounds in a row.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The wait after a round that ended with `outcome`; `jitter` spreads back-off delays.
    pub fn after(&mut self, outcome: Outcome, jitter: f64) -> Wait {
        match outcome {
            Outcome::Synced => {
                self.failures = 0;
                Wait::UpTo(IDLE)
            }
            Outcome::Parked => {
                // A re-enrolled device starts afresh.
                self.failures = 0;
                Wait::ForPoke
            }
            Outcome::RetryAfter(asked) => {
                // Never sooner than the server asked, nor than the back-off would have waited.
                let wait = asked.min(MAX_RETRY_AFTER).max(backoff(self.failures, jitter));
                self.failures = self.failures.saturating_add(1);
                Wait::Exactly(wait)
            }
            Outcome::Slow => {
                self.failures = self.failures.saturating_add(1);
                Wait::UpTo(SLOW_RETRY)
            }
            Outcome::Failed => {
                let wait = backoff(self.failures, jitter);
                self.failures = self.failures.saturating_add(1);
                Wait::UpTo(wait)
            }
        }
    }
}

/// The pull failure that means the server does not know this device's cursor (HQ restored
/// an older backup, or the device now talks to another server): download the store again.
pub fn asks_rebootstrap(f: &Failure) -> bool {
    matches!(f.code(), Some("cursor_ahead" | "invalid_cursor"))
}

/// The push failure that means some op in the batch can never be applied as sent (400/422):
/// the batch is split to find it.
pub fn refused_as_sent(f: &Failure) -> bool {
    matches!(f, Failure::Refused { status: 400 | 422, .. })
}

/// Checks that a push answer answers exactly the ops sent, in order.
pub fn check_push_answer(req: &PushRequest, resp: &PushResponse) -> Result<(), Failure> {
    if resp.results.len() != req.ops.len() || resp.results.iter().zip(&req.ops).any(|(a, b)| a.op_id != b.op_id) {
        return Err(Failure::Corrupt { message: "push results do not match the ops sent".into() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_JITTER: f64 = 1.0;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn busy(retry_after: Option<Duration>) -> Failure {
        Failure::Unavailable { retry_after, code: "unavailable".into(), message: "busy".into() }
    }

    #[test]
    fn backoff_doubles_from_half_a_second_up_to_a_minute() {
        let delays: Vec<u64> = (0..10).map(|a| backoff(a, NO_JITTER).as_millis() as u64).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
        assert_eq!(backoff(u32::MAX, NO_JITTER), BACKOFF_CAP, "no overflow, still capped");
    }

    #[test]
    fn jitter_shortens_a_delay_at_most_by_half() {
        assert_eq!(backoff(3, 0.5), Duration::from_secs(2));
        assert_eq!(backoff(7, 0.5), Duration::from_secs(30));
        assert_eq!(backoff(3, 7.0), Duration::from_secs(4), "a bad jitter never lengthens the cap");
    }

    #[test]
    fn failures_back_off_further_and_a_success_starts_again() {
        let mut r = Retry::default();
        let waits: Vec<Wait> = (0..3).map(|_| r.after(Outcome::Failed, NO_JITTER)).collect();
        assert_eq!(waits, [Wait::UpTo(backoff(0, 1.0)), Wait::UpTo(backoff(1, 1.0)), Wait::UpTo(backoff(2, 1.0))]);
        assert_eq!(r.failures(), 3);
        assert_eq!(r.after(Outcome::Synced, NO_JITTER), Wait::UpTo(IDLE));
        assert_eq!(r.after(Outcome::Failed, NO_JITTER), Wait::UpTo(BACKOFF_FIRST), "reset after a success");
    }

    #[test]
    fn a_long_outage_waits_at_most_the_cap() {
        let mut r = Retry::default();
        let last = (0..50).map(|_| r.after(Outcome::Failed, NO_JITTER)).last().unwrap();
        assert_eq!(last, Wait::UpTo(BACKOFF_CAP));
    }

    #[test]
    fn retry_after_is_honoured_whatever_pokes_and_is_capped() {
        let mut r = Retry::default();
        assert_eq!(r.after(Outcome::RetryAfter(secs(7)), NO_JITTER), Wait::Exactly(secs(7)));
        assert_eq!(r.after(Outcome::RetryAfter(secs(86_400)), NO_JITTER), Wait::Exactly(MAX_RETRY_AFTER));
        // A Retry-After shorter than the back-off already reached does not make it hammer.
        let mut r = Retry::default();
        for _ in 0..8 {
            r.after(Outcome::Failed, NO_JITTER);
        }
        assert_eq!(r.after(Outcome::RetryAfter(Duration::ZERO), NO_JITTER), Wait::Exactly(BACKOFF_CAP));
        assert_eq!(r.failures(), 9, "it still counts as a failure");
    }

    #[test]
    fn revoked_or_not_enrolled_waits_for_a_poke_and_starts_afresh() {
        let mut r = Retry::default();
        r.after(Outcome::Failed, NO_JITTER);
        assert_eq!(r.after(Outcome::Parked, NO_JITTER), Wait::ForPoke);
        assert_eq!(r.after(Outcome::Failed, NO_JITTER), Wait::UpTo(BACKOFF_FIRST));
    }

    #[test]
    fn failures_sort_into_what_the_loop_does() {
        let sorted = |f: Failure| Outcome::of_failure(&f);
        assert_eq!(sorted(Failure::Revoked), Outcome::Parked);
        assert_eq!(sorted(busy(Some(secs(2)))), Outcome::RetryAfter(secs(2)));
        assert_eq!(sorted(busy(None)), Outcome::Failed, "a 503 without Retry-After backs off");
        let limited =
            Failure::RateLimited { retry_after: Some(secs(9)), code: "rate_limited".into(), message: String::new() };
        assert_eq!(sorted(limited), Outcome::RetryAfter(secs(9)));
        assert_eq!(sorted(Failure::Network { message: "refused".into() }), Outcome::Failed);
        let five = Failure::ServerError { status: 500, code: "internal".into(), message: String::new() };
        assert_eq!(sorted(five), Outcome::Failed);
        assert_eq!(sorted(Failure::Incompatible { message: "v2".into() }), Outcome::Slow);
        let denied = Failure::Denied { status: 403, code: "forbidden".into(), message: String::new() };
        assert_eq!(sorted(denied), Outcome::Slow);
        let gap = Failure::Conflict { code: "sequence_gap".into(), message: "push from 4".into() };
        assert_eq!(sorted(gap), Outcome::Slow);
        let raced = Failure::Conflict { code: "constraint_violation".into(), message: String::new() };
        assert_eq!(sorted(raced), Outcome::Failed);
        let not_enrolled: Result<(), RoundError> = Err(RoundError::Local(ReplicaError::NotEnrolled));
        assert_eq!(Outcome::of(&not_enrolled), Outcome::Parked);
        let disk: Result<(), RoundError> = Err(RoundError::Local(ReplicaError::Storage { message: "full".into() }));
        assert_eq!(Outcome::of(&disk), Outcome::Failed);
    }

    #[test]
    fn only_an_unknown_cursor_downloads_again_and_only_400_or_422_isolates() {
        let conflict = |code: &str| Failure::Conflict { code: code.into(), message: String::new() };
        let refused = |status, code: &str| Failure::Refused { status, code: code.into(), message: String::new() };
        assert!(asks_rebootstrap(&conflict("cursor_ahead")));
        assert!(asks_rebootstrap(&refused(400, "invalid_cursor")));
        assert!(!asks_rebootstrap(&conflict("sequence_gap")));
        assert!(!asks_rebootstrap(&busy(None)));
        assert!(refused_as_sent(&refused(422, "invalid_field")));
        assert!(refused_as_sent(&refused(400, "malformed_json")));
        assert!(!refused_as_sent(&conflict("sequence_gap")));
        assert!(!refused_as_sent(&Failure::Incompatible { message: String::new() }));
    }
}
