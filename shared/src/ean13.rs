//! EAN-13 barcodes with check-digit validation.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A valid EAN-13 barcode: 13 ASCII digits whose last digit is the check digit (weights
/// 1,3,1,3… over the first 12 digits; check = (10 − sum mod 10) mod 10). A wrong check digit
/// does not deserialise (the API answers 422).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{13}$", examples("6901234567892")))]
#[serde(try_from = "String", into = "String")]
pub struct Ean13(String);

/// Why a string is not a valid EAN-13.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Ean13Error {
    /// Not 13 digits.
    #[error("an EAN-13 barcode has 13 digits, got {0:?}")]
    Format(String),
    /// Check digit does not match.
    #[error("barcode {code} has a wrong check digit (expected {expected})")]
    CheckDigit {
        /// The barcode as read.
        code: String,
        /// The check digit its first twelve digits call for.
        expected: u8,
    },
}

/// Computes the check digit for the first 12 digits.
pub fn check_digit(first12: &[u8; 12]) -> u8 {
    let sum: u32 = first12.iter().enumerate().map(|(i, d)| *d as u32 * if i % 2 == 0 { 1 } else { 3 }).sum();
    ((10 - sum % 10) % 10) as u8
}

impl Ean13 {
    /// Parses and validates a barcode.
    pub fn parse(s: &str) -> Result<Ean13, Ean13Error> {
        let s = s.trim();
        if s.len() != 13 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Ean13Error::Format(s.chars().take(32).collect()));
        }
        let digits: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
        let mut first12 = [0u8; 12];
        first12.copy_from_slice(&digits[..12]);
        let expected = check_digit(&first12);
        if digits[12] != expected {
            return Err(Ean13Error::CheckDigit { code: s.to_string(), expected });
        }
        Ok(Ean13(s.to_string()))
    }

    /// Builds a barcode from 12 digits by appending the check digit.
    pub fn from_first12(first12: [u8; 12]) -> Ean13 {
        let mut s: String = first12.iter().map(|d| char::from(b'0' + (d % 10))).collect();
        let digits: [u8; 12] = first12.map(|d| d % 10);
        s.push(char::from(b'0' + check_digit(&digits)));
        Ean13(s)
    }

    /// The 13 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Ean13 {
    type Error = Ean13Error;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Ean13::parse(&s)
    }
}

impl From<Ean13> for String {
    fn from(e: Ean13) -> String {
        e.0
    }
}

impl fmt::Display for Ean13 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn validates_known_codes() {
        assert!(Ean13::parse("6901234567892").is_ok());
        assert!(Ean13::parse("4006381333931").is_ok());
        assert!(matches!(Ean13::parse("4006381333932"), Err(Ean13Error::CheckDigit { expected: 1, .. })));
        assert!(matches!(Ean13::parse("400638133393"), Err(Ean13Error::Format(_))));
        assert!(matches!(Ean13::parse("40063813339a1"), Err(Ean13Error::Format(_))));
    }

    proptest! {
        #[test]
        fn built_codes_validate_and_one_digit_changes_fail(first in proptest::array::uniform12(0u8..10), pos in 0usize..13, bump in 1u8..10) {
            let code = Ean13::from_first12(first);
            prop_assert!(Ean13::parse(code.as_str()).is_ok());
            let mut bytes = code.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + bump) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(Ean13::parse(&changed).is_err());
        }
    }
}
