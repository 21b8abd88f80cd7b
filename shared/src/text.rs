//! Text rules for every free-text field that crosses the API: one place that says what a
//! field may hold, so both storage backends (and the device, and the OpenAPI document)
//! refuse exactly the same inputs.
//!
//! A field's text never holds a control character (Unicode category Cc: U+0000–U+001F,
//! U+007F–U+009F). NUL in particular cannot be stored by PostgreSQL at all, and the others
//! break receipts, logs and exports. No field of the API is documented as multi-line, so
//! line breaks and tabs are control characters like any other. Lengths count characters
//! (Unicode scalar values, as JSON Schema's `maxLength` does), never UTF-8 bytes: a
//! 200-character name may be 200 Chinese characters. A required field must hold at least
//! one character that is not white space.

use std::fmt;

/// What one field may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// At least one character that is not white space.
    pub required: bool,
    /// Most characters, if limited.
    pub max: Option<usize>,
}

impl Rule {
    /// 1 to `max` characters, not only white space.
    pub const fn required(max: usize) -> Rule {
        Rule { required: true, max: Some(max) }
    }
    /// 0 to `max` characters.
    pub const fn optional(max: usize) -> Rule {
        Rule { required: false, max: Some(max) }
    }
    /// Any length (up to the request's body limit); only free of control characters.
    pub const ANY: Rule = Rule { required: false, max: None };

    /// The rule in words, e.g. "1 to 64 characters without control characters".
    pub fn describe(&self) -> String {
        match (self.required, self.max) {
            (true, Some(max)) => format!("1 to {max} characters without control characters"),
            (false, Some(max)) => format!("at most {max} characters without control characters"),
            (true, None) => "not empty and without control characters".to_string(),
            (false, None) => "without control characters".to_string(),
        }
    }
}

/// Node code.
pub const NODE_CODE: Rule = Rule::required(32);
/// Node or style display name.
pub const DISPLAY_NAME: Rule = Rule::required(200);
/// Style code.
pub const STYLE_CODE: Rule = Rule::required(64);
/// SKU code.
pub const SKU_CODE: Rule = Rule::required(64);
/// Staff id (also the acting staff member of a pushed operation).
pub const STAFF_ID: Rule = Rule::required(64);
/// Staff member's display name.
pub const STAFF_NAME: Rule = Rule::required(100);
/// An ERP adjustment batch's id.
pub const BATCH_ID: Rule = Rule::required(100);
/// A channel hold's idempotency reference.
pub const HOLD_REFERENCE: Rule = Rule::required(100);
/// A channel's own order number.
pub const CHANNEL_ORDER_ID: Rule = Rule::required(64);
/// Customer name on an order.
pub const CUSTOMER_NAME: Rule = Rule::required(100);
/// Customer phone on an order.
pub const CUSTOMER_PHONE: Rule = Rule::required(32);
/// Delivery address (empty for pickup).
pub const CUSTOMER_ADDRESS: Rule = Rule::optional(500);
/// A device's name, shown to HQ.
pub const DEVICE_NAME: Rule = Rule::required(100);
/// Why a store rejected a fulfillment order.
pub const REJECT_REASON: Rule = Rule::required(500);
/// Courier company or rider service.
pub const CARRIER: Rule = Rule::required(64);
/// Courier tracking number.
pub const TRACKING_NO: Rule = Rule::required(64);
/// Why an ERP adjustment was made, for the ledger.
pub const ADJUSTMENT_NOTE: Rule = Rule::optional(200);
/// HQ's note when it resolves a conflict.
pub const RESOLUTION_NOTE: Rule = Rule::required(500);

/// What is wrong with a field's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Empty or only white space, where the field is required.
    Blank,
    /// More characters than the rule allows.
    TooLong {
        /// Characters in the value.
        chars: usize,
    },
    /// A control character at a (0-based) character position.
    Control {
        /// Character position.
        at: usize,
        /// The character.
        ch: char,
    },
}

/// A field whose text breaks its rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    /// The field as the caller knows it, e.g. `customer.name` or `ops[2].op.reason`.
    pub field: String,
    /// The rule it breaks.
    pub rule: Rule,
    /// How.
    pub problem: Problem,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.problem {
            Problem::Blank => "it is empty".to_string(),
            Problem::TooLong { chars } => format!("it has {chars}"),
            Problem::Control { at, ch } => {
                format!("it has control character U+{:04X} at character {}", ch as u32, at + 1)
            }
        };
        write!(f, "{} must be {}; {why}", self.field, self.rule.describe())
    }
}

impl std::error::Error for TextError {}

/// A character no field may hold.
pub fn is_forbidden(c: char) -> bool {
    c.is_control()
}

/// White space for the "required" rule; the byte-order mark counts, as in JSON Schema's
/// `\s`.
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}'
}

/// The first control character and its character position, if any.
pub fn first_forbidden(value: &str) -> Option<(usize, char)> {
    value.chars().enumerate().find(|(_, c)| is_forbidden(*c))
}

/// Checks `value` of `field` against `rule`. Control characters are reported first: they
/// are the one problem a caller can never have meant.
pub fn check(field: &str, value: &str, rule: Rule) -> Result<(), TextError> {
    let err = |problem| Err(TextError { field: field.to_string(), rule, problem });
    if let Some((at, ch)) = first_forbidden(value) {
        return err(Problem::Control { at, ch });
    }
    if rule.required && value.chars().all(is_space) {
        return err(Problem::Blank);
    }
    if let Some(max) = rule.max {
        // Counting stops just past the limit, so a huge value costs no more than a short one.
        let chars = value.chars().take(max + 1).count();
        if chars > max {
            return err(Problem::TooLong { chars: value.chars().count() });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_count_characters_not_bytes() {
        let han_100 = "款".repeat(100);
        assert_eq!(han_100.len(), 300);
        assert_eq!(check("style name", &han_100, DISPLAY_NAME), Ok(()));
        assert_eq!(check("style name", &"款".repeat(200), DISPLAY_NAME), Ok(()));
        let e = check("style name", &"款".repeat(201), DISPLAY_NAME).unwrap_err();
        assert_eq!(e.problem, Problem::TooLong { chars: 201 });
        assert_eq!(e.to_string(), "style name must be 1 to 200 characters without control characters; it has 201");
        assert_eq!(check("x", "😀😀", Rule::required(2)), Ok(()));
        assert!(check("x", "😀😀😀", Rule::required(2)).is_err());
    }

    #[test]
    fn control_characters_are_refused_everywhere_with_their_position() {
        for c in ['\0', '\u{1}', '\t', '\n', '\r', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'] {
            let v = format!("ab{c}cd");
            for rule in [Rule::ANY, Rule::optional(10), Rule::required(10)] {
                let e = check("f", &v, rule).unwrap_err();
                assert_eq!(e.problem, Problem::Control { at: 2, ch: c }, "{c:?}");
            }
        }
        let e = check("customer.name", "张\0三", CUSTOMER_NAME).unwrap_err();
        assert_eq!(e.field, "customer.name");
        assert!(e.to_string().contains("U+0000 at character 2"), "{e}");
        // Not control characters: other invisible or unusual characters stay allowed.
        for ok in ["\u{a0}x", "a\u{200b}b", "\u{fffd}", "x\u{2028}y"] {
            assert_eq!(check("f", ok, Rule::ANY), Ok(()), "{ok:?}");
        }
    }

    #[test]
    fn required_fields_need_a_character_that_is_not_space() {
        for blank in ["", " ", "\u{3000}", "\u{feff}", " \u{a0} "] {
            assert_eq!(check("f", blank, Rule::required(5)).unwrap_err().problem, Problem::Blank, "{blank:?}");
            assert_eq!(check("f", blank, Rule::optional(5)), Ok(()), "{blank:?}");
        }
        assert_eq!(check("f", " a ", Rule::required(3)), Ok(()));
        assert_eq!(check("f", &"x".repeat(10_000), Rule::ANY), Ok(()));
    }
}
