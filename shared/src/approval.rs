//! Proof that a manager approved an action on a device (an ID-check hand-over, a large
//! return), which the server checks.
//!
//! A device keeps only a slow hash of each PIN for offline log-in. A manager's approval
//! carries an HMAC keyed with a second key derived from the same PIN under another salt: the
//! device computes it from the PIN the manager types, and the server, which derived the key
//! when HQ set the PIN, recomputes it. Nothing stored on the device yields the key without
//! guessing the PIN, so a device (or anyone who copied its replica) cannot approve in a
//! manager's name without that guess; the PIN length HQ requires sets its cost.

use crate::secret::{from_hex, to_hex};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use uuid::Uuid;

/// PBKDF2 iterations for the approval key: derived once per approval, like a log-in.
pub const APPROVAL_ITERATIONS: u32 = 100_000;

/// The approval key of a staff member: PBKDF2 of the PIN under the staff member's approval
/// salt (hex, public: it is synced to the devices with the staff record).
pub fn approval_key(pin: &str, staff_id: &str, salt_hex: &str) -> [u8; 32] {
    let mut salt = b"omni-approval/v1|".to_vec();
    salt.extend_from_slice(staff_id.as_bytes());
    salt.push(b'|');
    salt.extend_from_slice(salt_hex.as_bytes());
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(pin.as_bytes(), &salt, APPROVAL_ITERATIONS, &mut out);
    out
}

/// What an approval is for; the proof is bound to it, so it cannot be moved to another
/// order or another manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approved<'a> {
    /// A hand-over after the manager checked the customer's ID.
    IdCheck {
        /// The fulfillment order.
        fulfillment_order_id: Uuid,
        /// The manager.
        manager_id: &'a str,
    },
    /// A return above the associate's limit.
    Return {
        /// The return.
        return_id: Uuid,
        /// The manager.
        manager_id: &'a str,
    },
}

impl Approved<'_> {
    fn message(&self) -> String {
        match self {
            Approved::IdCheck { fulfillment_order_id, manager_id } => {
                format!("omni-approve/v1|id_check|{fulfillment_order_id}|{manager_id}")
            }
            Approved::Return { return_id, manager_id } => format!("omni-approve/v1|return|{return_id}|{manager_id}"),
        }
    }
}

/// The proof for `what`, hex encoded.
pub fn proof(key: &[u8; 32], what: Approved<'_>) -> String {
    to_hex(&mac(key, what))
}

/// Checks a proof from [`proof`] in constant time; a malformed one never verifies.
pub fn verify(key: &[u8; 32], what: Approved<'_>, proof_hex: &str) -> bool {
    match from_hex(proof_hex) {
        Some(p) if p.len() == 32 => mac(key, what).ct_eq(p.as_slice()).into(),
        _ => false,
    }
}

fn mac(key: &[u8; 32], what: Approved<'_>) -> [u8; 32] {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(what.message().as_bytes());
    m.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proof_verifies_only_for_its_pin_action_and_manager() {
        let key = approval_key("8888", "M1", "00ff");
        let fo = Uuid::from_u128(1);
        let what = Approved::IdCheck { fulfillment_order_id: fo, manager_id: "M1" };
        let p = proof(&key, what);
        assert!(verify(&key, what, &p));
        assert!(!verify(&approval_key("8889", "M1", "00ff"), what, &p), "another PIN");
        assert!(!verify(&approval_key("8888", "M1", "00fe"), what, &p), "another salt");
        assert!(!verify(&key, Approved::IdCheck { fulfillment_order_id: Uuid::from_u128(2), manager_id: "M1" }, &p));
        assert!(!verify(&key, Approved::IdCheck { fulfillment_order_id: fo, manager_id: "M2" }, &p));
        assert!(!verify(&key, Approved::Return { return_id: fo, manager_id: "M1" }, &p));
        assert!(!verify(&key, what, "zz"));
        assert!(!verify(&key, what, &p[..62]));
    }
}
