//! Pickup codes (提货码): issued when a pickup order is ready, verified offline at the counter.

use crate::secret::{hash_secret, verify_secret, PICKUP_CODE_ITERATIONS};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Digits in a pickup code.
pub const CODE_DIGITS: usize = 8;
/// Wrong codes allowed per order before the counter locks it for [`LOCKOUT_MINUTES`].
pub const MAX_ATTEMPTS: u32 = 5;
/// How long an order stays locked after too many wrong codes.
pub const LOCKOUT_MINUTES: i64 = 15;
/// Days a pickup code stays valid.
pub const VALID_DAYS: i64 = 7;

/// A plain pickup code. Exists on the server only long enough to hash it and put it in the
/// customer-notification outbox; never logged (its `Debug` is redacted).
#[derive(Clone, PartialEq, Eq)]
pub struct PickupCode(String);

impl std::fmt::Debug for PickupCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PickupCode(********)")
    }
}

impl PickupCode {
    /// Makes a code from caller-supplied random bytes (the caller owns the RNG, so this
    /// crate stays pure). Slight modulo bias over 2^64 is negligible for 10^8 codes.
    pub fn from_entropy(random: [u8; 8]) -> PickupCode {
        let n = u64::from_le_bytes(random) % 10u64.pow(CODE_DIGITS as u32);
        PickupCode(format!("{n:0width$}", width = CODE_DIGITS))
    }

    /// Parses what an associate typed or scanned: the 8 digits, spaces and dashes ignored,
    /// or a QR payload from [`PickupCode::qr_payload`]. Returns the code and, for a QR, the
    /// fulfillment order it names.
    pub fn parse_input(input: &str) -> Option<(PickupCode, Option<Uuid>)> {
        let input = input.trim();
        if let Some(rest) = input.strip_prefix("PK1:") {
            let (id, code) = rest.split_once(':')?;
            let id = Uuid::parse_str(id).ok()?;
            return PickupCode::parse_digits(code).map(|c| (c, Some(id)));
        }
        PickupCode::parse_digits(input).map(|c| (c, None))
    }

    fn parse_digits(s: &str) -> Option<PickupCode> {
        let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        (digits.len() == CODE_DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(PickupCode(digits))
    }

    /// The digits, for the customer notification only.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// What the customer's QR code encodes: order id and code.
    pub fn qr_payload(&self, fulfillment_order_id: Uuid) -> String {
        format!("PK1:{fulfillment_order_id}:{}", self.0)
    }

    /// Salted slow hash for the replica; the salt is bound to the order so a hash cannot be
    /// moved to another order.
    pub fn hash(&self, fulfillment_order_id: Uuid, salt: [u8; 16]) -> String {
        let mut s = salt.to_vec();
        s.extend_from_slice(fulfillment_order_id.as_bytes());
        hash_secret(&self.0, &s, PICKUP_CODE_ITERATIONS)
    }

    /// Checks the code against the order's stored hash in constant time.
    pub fn verify(&self, encoded_hash: &str) -> bool {
        verify_secret(&self.0, encoded_hash)
    }
}

/// Counter-side attempt limiting for one order, kept on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AttemptState {
    /// Consecutive wrong codes.
    pub failures: u32,
    /// Locked until this time (Unix milliseconds), if locked.
    pub locked_until_ms: Option<i64>,
}

/// Outcome of one verification attempt at the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Attempt {
    /// Right code: hand the goods over.
    Verified,
    /// Wrong code; this many tries are left before the lockout.
    Wrong { attempts_left: u32 },
    /// Too many wrong codes: locked until then (Unix ms). A manager can do an ID check.
    LockedOut { until_ms: i64 },
    /// The code has expired; HQ must reissue it.
    Expired,
}

impl AttemptState {
    /// Records one attempt at `now_ms`, given whether the code matched and when it expires.
    pub fn attempt(&mut self, matched: bool, now_ms: i64, expires_ms: i64) -> Attempt {
        if let Some(until) = self.locked_until_ms {
            if now_ms < until {
                return Attempt::LockedOut { until_ms: until };
            }
            *self = AttemptState::default();
        }
        if now_ms >= expires_ms {
            return Attempt::Expired;
        }
        if matched {
            *self = AttemptState::default();
            return Attempt::Verified;
        }
        self.failures += 1;
        if self.failures >= MAX_ATTEMPTS {
            let until = now_ms + LOCKOUT_MINUTES * 60_000;
            self.locked_until_ms = Some(until);
            Attempt::LockedOut { until_ms: until }
        } else {
            Attempt::Wrong { attempts_left: MAX_ATTEMPTS - self.failures }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_eight_digits_and_verify() {
        let code = PickupCode::from_entropy([7; 8]);
        assert_eq!(code.reveal().len(), 8);
        let id = Uuid::from_u128(42);
        let h = code.hash(id, [1; 16]);
        assert!(code.verify(&h));
        assert!(!PickupCode::from_entropy([8; 8]).verify(&h));
        assert_eq!(format!("{code:?}"), "PickupCode(********)");
    }

    #[test]
    fn parses_typed_and_scanned_input() {
        let id = Uuid::from_u128(7);
        let code = PickupCode::from_entropy([3; 8]);
        assert_eq!(PickupCode::parse_input(&code.qr_payload(id)), Some((code.clone(), Some(id))));
        let spaced = format!("{} {}", &code.reveal()[..4], &code.reveal()[4..]);
        assert_eq!(PickupCode::parse_input(&spaced), Some((code, None)));
        assert_eq!(PickupCode::parse_input("1234"), None);
        assert_eq!(PickupCode::parse_input("PK1:not-a-uuid:12345678"), None);
    }

    #[test]
    fn locks_out_after_repeated_wrong_codes() {
        let mut s = AttemptState::default();
        for left in (1..MAX_ATTEMPTS).rev() {
            assert_eq!(s.attempt(false, 0, 1_000_000_000), Attempt::Wrong { attempts_left: left });
        }
        let locked = s.attempt(false, 0, 1_000_000_000);
        assert!(matches!(locked, Attempt::LockedOut { .. }));
        // Even the right code is refused while locked.
        assert!(matches!(s.attempt(true, 1, 1_000_000_000), Attempt::LockedOut { .. }));
        assert_eq!(s.attempt(true, LOCKOUT_MINUTES * 60_000, 1_000_000_000), Attempt::Verified);
        assert_eq!(s.attempt(true, 2_000_000_000, 1_000_000_000), Attempt::Expired);
    }
}
