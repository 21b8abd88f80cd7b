//! Pickup codes (提货码): issued when a pickup order is ready, verified offline at the counter.

use crate::rules::{DeviceRules, MAX_LOCKOUT_MINUTES};
use crate::secret::{hash_secret, verify_secret, PICKUP_CODE_ITERATIONS};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Digits in a pickup code.
pub const CODE_DIGITS: usize = 8;

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

/// A pickup pass: what the customer's QR code encodes, `PK2:<order>:<expires ms>:<signature>`.
///
/// HQ signs the fulfillment order id and the expiry with its Ed25519 key; a device checks the
/// signature with HQ's public key, which it got at enrollment. Nothing secret is needed on
/// the device to check a pass, so a stolen device gives nothing away for it. The typed
/// 8-digit code stays as the fallback, checked against its slow hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickupPass {
    /// The order it lets the customer collect.
    pub fulfillment_order_id: Uuid,
    /// Valid until (Unix ms).
    pub expires_ms: i64,
    signature: [u8; 64],
}

/// What a device learns from a scanned pickup pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassCheck {
    /// Signed by HQ for this order and not expired.
    Valid,
    /// Signed by HQ, but for another order.
    OtherOrder,
    /// Signed by HQ, but expired.
    Expired,
    /// Not signed by this HQ (forged or altered).
    BadSignature,
}

fn pass_message(fulfillment_order_id: Uuid, expires_ms: i64) -> Vec<u8> {
    let mut m = b"omni-pickup-pass/v2|".to_vec();
    m.extend_from_slice(fulfillment_order_id.as_bytes());
    m.extend_from_slice(&expires_ms.to_be_bytes());
    m
}

/// HQ's public key for a signing key (32 bytes each).
pub fn pass_public_key(signing_key: &[u8; 32]) -> [u8; 32] {
    ed25519_dalek::SigningKey::from_bytes(signing_key).verifying_key().to_bytes()
}

impl PickupPass {
    /// Issues a pass (HQ, with its signing key) and returns the QR payload.
    pub fn issue(signing_key: &[u8; 32], fulfillment_order_id: Uuid, expires_ms: i64) -> String {
        use ed25519_dalek::Signer;
        let key = ed25519_dalek::SigningKey::from_bytes(signing_key);
        let sig = key.sign(&pass_message(fulfillment_order_id, expires_ms));
        format!("PK2:{fulfillment_order_id}:{expires_ms}:{}", crate::secret::to_hex(&sig.to_bytes()))
    }

    /// Reads a scanned payload; `None` if it is not a pickup pass.
    pub fn parse(input: &str) -> Option<PickupPass> {
        let mut p = input.trim().strip_prefix("PK2:")?.split(':');
        let (Some(id), Some(exp), Some(sig), None) = (p.next(), p.next(), p.next(), p.next()) else { return None };
        let signature: [u8; 64] = crate::secret::from_hex(sig)?.try_into().ok()?;
        Some(PickupPass { fulfillment_order_id: Uuid::parse_str(id).ok()?, expires_ms: exp.parse().ok()?, signature })
    }

    /// Checks the pass for `fulfillment_order_id` at `now_ms` against HQ's public key.
    pub fn check(&self, public_key: &[u8; 32], fulfillment_order_id: Uuid, now_ms: i64) -> PassCheck {
        let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(public_key) else { return PassCheck::BadSignature };
        let sig = ed25519_dalek::Signature::from_bytes(&self.signature);
        if key.verify_strict(&pass_message(self.fulfillment_order_id, self.expires_ms), &sig).is_err() {
            return PassCheck::BadSignature;
        }
        if self.fulfillment_order_id != fulfillment_order_id {
            PassCheck::OtherOrder
        } else if now_ms >= self.expires_ms {
            PassCheck::Expired
        } else {
            PassCheck::Valid
        }
    }
}

/// Counter-side attempt limiting for one order (or one staff member's PIN), kept on the
/// device across restarts. Each lockout after the first lasts twice as long as the one
/// before (15 min, 30 min, 1 h, … up to a day), so guessing through the app is slow
/// whatever the PIN length; only a right answer starts the count again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AttemptState {
    /// Consecutive wrong codes.
    pub failures: u32,
    /// Locked until this time (Unix milliseconds), if locked.
    pub locked_until_ms: Option<i64>,
    /// Lockouts since the last right answer.
    #[serde(default)]
    pub lockouts: u32,
}

/// Outcome of one verification attempt at the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Attempt {
    /// Right code: hand the goods over.
    Verified,
    /// Wrong code; this many tries are left before the lockout.
    Wrong {
        /// Tries left before the counter locks.
        attempts_left: u32,
    },
    /// Too many wrong codes: locked until then (Unix ms). A manager can do an ID check.
    LockedOut {
        /// When the lock ends (Unix ms).
        until_ms: i64,
    },
    /// The code has expired; HQ must reissue it.
    Expired,
}

impl AttemptState {
    /// Records one attempt at `now_ms`, given whether the code matched and when it expires,
    /// under the attempt limit and lockout length HQ set.
    pub fn attempt(&mut self, rules: &DeviceRules, matched: bool, now_ms: i64, expires_ms: i64) -> Attempt {
        if let Some(until) = self.locked_until_ms {
            if now_ms < until {
                return Attempt::LockedOut { until_ms: until };
            }
            *self = AttemptState { lockouts: self.lockouts, ..AttemptState::default() };
        }
        if now_ms >= expires_ms {
            return Attempt::Expired;
        }
        if matched {
            *self = AttemptState::default();
            return Attempt::Verified;
        }
        self.failures += 1;
        let max_attempts = rules.pickup_max_attempts.max(1);
        if self.failures >= max_attempts {
            let first = i64::from(rules.pickup_lockout_minutes.max(1));
            let minutes = (first << self.lockouts.min(16)).min(MAX_LOCKOUT_MINUTES);
            let until = now_ms + minutes * 60_000;
            self.locked_until_ms = Some(until);
            self.lockouts += 1;
            Attempt::LockedOut { until_ms: until }
        } else {
            Attempt::Wrong { attempts_left: max_attempts - self.failures }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: DeviceRules = DeviceRules {
        return_manager_limit_fen: 200_000,
        pickup_max_attempts: 5,
        pickup_lockout_minutes: 15,
        pickup_code_valid_days: 7,
        promise_pickup_minutes: 120,
        promise_same_city_minutes: 60,
        promise_ship_minutes: 1440,
    };

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
    fn a_pass_checks_only_with_hqs_key_for_its_order_until_it_expires() {
        let (hq, other_hq) = ([5u8; 32], [6u8; 32]);
        let (fo, other) = (Uuid::from_u128(9), Uuid::from_u128(10));
        let qr = PickupPass::issue(&hq, fo, 1_000);
        let pass = PickupPass::parse(&qr).unwrap();
        let public = pass_public_key(&hq);
        assert_eq!(pass.check(&public, fo, 999), PassCheck::Valid);
        assert_eq!(pass.check(&public, fo, 1_000), PassCheck::Expired);
        assert_eq!(pass.check(&public, other, 0), PassCheck::OtherOrder);
        assert_eq!(pass.check(&pass_public_key(&other_hq), fo, 0), PassCheck::BadSignature);
        // Moving the expiry or the order breaks the signature.
        let later = qr.replace(":1000:", ":9000:");
        assert_eq!(PickupPass::parse(&later).unwrap().check(&public, fo, 0), PassCheck::BadSignature);
        let moved = qr.replace(&fo.to_string(), &other.to_string());
        assert_eq!(PickupPass::parse(&moved).unwrap().check(&public, other, 0), PassCheck::BadSignature);
        for bad in ["PK2:", "PK2:x:1:00", &qr[..qr.len() - 2], &format!("{qr}:x"), "12345678"] {
            assert_eq!(PickupPass::parse(bad), None, "{bad}");
        }
        assert_eq!(PickupCode::parse_input(&qr), None, "a pass is not a typed code");
    }

    #[test]
    fn locks_out_after_repeated_wrong_codes() {
        let mut s = AttemptState::default();
        for left in (1..R.pickup_max_attempts).rev() {
            assert_eq!(s.attempt(&R, false, 0, 1_000_000_000), Attempt::Wrong { attempts_left: left });
        }
        let locked = s.attempt(&R, false, 0, 1_000_000_000);
        assert!(matches!(locked, Attempt::LockedOut { .. }));
        // Even the right code is refused while locked.
        assert!(matches!(s.attempt(&R, true, 1, 1_000_000_000), Attempt::LockedOut { .. }));
        assert_eq!(s.attempt(&R, true, 15 * 60_000, 1_000_000_000), Attempt::Verified);
        assert_eq!(s.attempt(&R, true, 2_000_000_000, 1_000_000_000), Attempt::Expired);
    }

    #[test]
    fn each_lockout_lasts_twice_as_long_until_a_right_answer() {
        let mut s = AttemptState::default();
        let mut now = 0;
        for minutes in [15, 30, 60, 120, 240, 480, 960, 1440, 1440] {
            let mut last = Attempt::Verified;
            for _ in 0..R.pickup_max_attempts {
                last = s.attempt(&R, false, now, i64::MAX);
            }
            assert_eq!(last, Attempt::LockedOut { until_ms: now + minutes * 60_000 });
            now += minutes * 60_000;
        }
        assert_eq!(s.attempt(&R, true, now, i64::MAX), Attempt::Verified);
        for _ in 0..R.pickup_max_attempts - 1 {
            s.attempt(&R, false, now, i64::MAX);
        }
        assert_eq!(s.attempt(&R, false, now, i64::MAX), Attempt::LockedOut { until_ms: now + 15 * 60_000 });
    }

    #[test]
    fn the_limit_and_lockout_are_the_ones_hq_set() {
        let rules = DeviceRules { pickup_max_attempts: 3, pickup_lockout_minutes: 40, ..DeviceRules::default() };
        let mut s = AttemptState::default();
        assert_eq!(s.attempt(&rules, false, 0, i64::MAX), Attempt::Wrong { attempts_left: 2 });
        assert_eq!(s.attempt(&rules, false, 0, i64::MAX), Attempt::Wrong { attempts_left: 1 });
        assert_eq!(s.attempt(&rules, false, 0, i64::MAX), Attempt::LockedOut { until_ms: 40 * 60_000 });
        for _ in 0..3 {
            s.attempt(&rules, false, 40 * 60_000, i64::MAX);
        }
        assert_eq!(s.locked_until_ms, Some(40 * 60_000 + 80 * 60_000), "the second lockout doubles the first");
    }
}
