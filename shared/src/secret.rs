//! Slow salted hashes for short secrets (staff PINs, pickup codes) and constant-time checks.
//!
//! A device keeps only these hashes, never the secrets, so a stolen tablet does not give
//! away codes. The format is self-describing: `pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>`.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Iterations for staff PINs: verified once per login, so they can be slow.
pub const PIN_ITERATIONS: u32 = 100_000;
/// Iterations for pickup codes: verified at the counter, still well above a fast hash.
pub const PICKUP_CODE_ITERATIONS: u32 = 20_000;

/// Hashes `secret` with `salt` (at least 16 random bytes from the caller).
pub fn hash_secret(secret: &str, salt: &[u8], iterations: u32) -> String {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(secret.as_bytes(), salt, iterations, &mut out);
    format!("pbkdf2-sha256${iterations}${}${}", to_hex(salt), to_hex(&out))
}

/// Checks `secret` against a hash from [`hash_secret`] in constant time. A malformed hash
/// never verifies.
pub fn verify_secret(secret: &str, encoded: &str) -> bool {
    let mut parts = encoded.split('$');
    let (Some("pbkdf2-sha256"), Some(iter), Some(salt), Some(hash), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (Ok(iterations), Some(salt), Some(expected)) = (iter.parse::<u32>(), from_hex(salt), from_hex(hash)) else {
        return false;
    };
    if iterations == 0 || expected.len() != 32 {
        return false;
    }
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(secret.as_bytes(), &salt, iterations, &mut out);
    out.ct_eq(expected.as_slice()).into()
}

/// SHA-256 of a high-entropy token (device tokens, enrollment codes), hex encoded. A fast
/// hash is right here: the token itself has ≥ 128 bits of entropy.
pub fn token_digest(token: &str) -> String {
    to_hex(&Sha256::digest(token.as_bytes()))
}

/// Lower-case hex.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Parses hex; `None` if malformed.
pub fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_only_the_right_secret() {
        let h = hash_secret("2468", b"0123456789abcdef", 1000);
        assert!(verify_secret("2468", &h));
        assert!(!verify_secret("2469", &h));
        assert!(!verify_secret("2468", "pbkdf2-sha256$1000$zz$00"));
        assert!(!verify_secret("2468", "garbage"));
        assert!(!verify_secret("2468", &h.replace("$1000$", "$0$")));
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(from_hex(&to_hex(&[0, 255, 16])), Some(vec![0, 255, 16]));
        assert_eq!(from_hex("abc"), None);
    }
}
