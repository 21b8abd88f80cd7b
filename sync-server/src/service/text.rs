//! The text rules of [`shared::text`] as business errors: every service-layer check of a
//! free-text field goes through here, so SQLite and PostgreSQL refuse the same inputs with
//! the same 422 naming the field.

use super::ServiceError;
use shared::text::{self, Rule, TextError};

impl From<TextError> for ServiceError {
    fn from(e: TextError) -> Self {
        ServiceError::invalid("invalid_field", e.to_string())
    }
}

/// Checks one field; 422 `invalid_field` naming it.
pub fn check(field: &str, value: &str, rule: Rule) -> Result<(), ServiceError> {
    Ok(text::check(field, value, rule)?)
}

/// Checks one field; 422 with a field-specific `code` (kept where the API has always
/// answered with one, e.g. `invalid_staff`), naming the field.
pub fn check_as(code: &'static str, field: &str, value: &str, rule: Rule) -> Result<(), ServiceError> {
    text::check(field, value, rule).map_err(|e| ServiceError::invalid(code, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::ErrorKind;

    #[test]
    fn a_broken_rule_is_a_422_naming_the_field() {
        let e = check("customer.name", "a\0b", shared::text::CUSTOMER_NAME).unwrap_err();
        assert_eq!((e.kind, e.code), (ErrorKind::Invalid, "invalid_field"));
        assert!(e.message.starts_with("customer.name must be 1 to 100 characters"), "{}", e.message);
        let e = check_as("invalid_staff", "staff_id", "", shared::text::STAFF_ID).unwrap_err();
        assert_eq!((e.kind, e.code), (ErrorKind::Invalid, "invalid_staff"));
        assert!(e.message.starts_with("staff_id must be 1 to 64 characters"), "{}", e.message);
        assert_eq!(check("x", &"字".repeat(64), shared::text::SKU_CODE), Ok(()));
    }
}
