//! The text rules of [`shared::text`] as business errors: every service-layer check of a
//! free-text field goes through here, so SQLite and PostgreSQL refuse the same inputs with
//! the same 422 naming the field.

use super::ServiceError;
use serde_json::Value;
use shared::text::{self, check as check_text, Rule, TextError};

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

/// The first string in `v` (object keys included) that breaks the text rules, named by its
/// JSON path (`customer.name`, `ops[2].op.reason`).
pub fn first_bad_string(v: &Value) -> Option<TextError> {
    fn walk(v: &Value, at: &mut String) -> Option<TextError> {
        match v {
            Value::String(s) => check_text(if at.is_empty() { "body" } else { at }, s, Rule::ANY).err(),
            Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
                let len = at.len();
                at.push_str(&format!("[{i}]"));
                let r = walk(item, at);
                at.truncate(len);
                r
            }),
            Value::Object(fields) => fields.iter().find_map(|(k, item)| {
                let len = at.len();
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(k);
                let r = check_text(&format!("the key {k:?}"), k, Rule::ANY).err().or_else(|| walk(item, at));
                at.truncate(len);
                r
            }),
            _ => None,
        }
    }
    walk(v, &mut String::new())
}

/// Refuses any value with a control character in any of its strings (keys included): the
/// rule for whole documents that reach storage without passing the HTTP layer (a CLI import).
pub fn check_document(v: &impl serde::Serialize) -> Result<(), ServiceError> {
    let v = serde_json::to_value(v).map_err(|e| ServiceError::invalid("invalid_body", e.to_string()))?;
    match first_bad_string(&v) {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
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
