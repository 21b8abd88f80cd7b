//! What an associate's input must be before the device acts on it: the reason for rejecting
//! an order, the note of a manager's ID check, who may confirm one, and enrollment. Pure
//! rules: the device engine enforces them whoever drives it (the app or a test device), and
//! the UI may use them to disable a button early.

use crate::app::InputField;
use crate::protocol::{HandOverVerification, Op};
use crate::staff::Role;

/// The fewest characters an ID check's note may have (ID type and last digits).
pub const MIN_ID_CHECK_NOTE_CHARS: usize = 4;

/// The UI languages (BCP 47 tags); the first is the default.
pub const LANGUAGES: [&str; 2] = ["zh-CN", "en"];

/// Input that breaks a rule. The English message says what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// An order rejected without a reason.
    #[error("choose or type why the order is rejected")]
    RejectReasonMissing,
    /// An ID check's note too short to say what was checked.
    #[error("note the ID type and its last digits (at least {MIN_ID_CHECK_NOTE_CHARS} characters)")]
    IdCheckNoteTooShort,
    /// A server address that is not http(s).
    #[error("the server address must start with http:// or https://")]
    ServerUrlScheme,
    /// No enrollment code.
    #[error("enter the enrollment code from HQ")]
    EnrollmentCodeMissing,
    /// A language the UI does not have.
    #[error("language must be zh-CN or en")]
    UnsupportedLanguage,
}

impl InputError {
    /// The field the error is about.
    pub fn field(self) -> InputField {
        match self {
            InputError::RejectReasonMissing => InputField::Reason,
            InputError::IdCheckNoteTooShort => InputField::Note,
            InputError::ServerUrlScheme => InputField::ServerUrl,
            InputError::EnrollmentCodeMissing => InputField::Code,
            InputError::UnsupportedLanguage => InputField::Language,
        }
    }
}

/// Checks what an op carries that only a person can supply: a reason to reject, a note on
/// an ID check. (Text the server could never store is [`crate::text`]'s rule; whether the
/// op is possible in the order's state is [`crate::fulfillment`]'s.)
pub fn check_op(op: &Op) -> Result<(), InputError> {
    match op {
        Op::RejectFulfillment { reason, .. } if reason.trim().is_empty() => Err(InputError::RejectReasonMissing),
        Op::HandOver { verification: HandOverVerification::IdCheck { note, .. }, .. } => check_id_check_note(note),
        _ => Ok(()),
    }
}

/// An ID check's note says what was checked: at least [`MIN_ID_CHECK_NOTE_CHARS`]
/// characters besides surrounding blanks.
pub fn check_id_check_note(note: &str) -> Result<(), InputError> {
    if note.trim().chars().count() < MIN_ID_CHECK_NOTE_CHARS {
        return Err(InputError::IdCheckNoteTooShort);
    }
    Ok(())
}

/// Only a manager may confirm an ID check instead of the customer's pickup code.
pub fn may_confirm_id_check(role: Role) -> bool {
    role == Role::Manager
}

/// The server address and code as enrollment uses them: trimmed, the address without a
/// trailing slash.
pub fn enrollment(server_url: &str, code: &str) -> Result<(String, String), InputError> {
    let server_url = server_url.trim().trim_end_matches('/');
    if !(server_url.starts_with("http://") || server_url.starts_with("https://")) {
        return Err(InputError::ServerUrlScheme);
    }
    let code = code.trim();
    if code.is_empty() {
        return Err(InputError::EnrollmentCodeMissing);
    }
    Ok((server_url.to_string(), code.to_string()))
}

/// A UI language the app has.
pub fn check_language(tag: &str) -> Result<(), InputError> {
    if !LANGUAGES.contains(&tag) {
        return Err(InputError::UnsupportedLanguage);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn id_check(note: &str) -> Op {
        Op::HandOver {
            fulfillment_order_id: Uuid::nil(),
            verification: HandOverVerification::IdCheck { manager_id: "M1".into(), note: note.into(), approval: None },
        }
    }

    #[test]
    fn a_rejection_needs_a_reason() {
        let reject = |r: &str| Op::RejectFulfillment { fulfillment_order_id: Uuid::nil(), reason: r.into() };
        assert_eq!(check_op(&reject(" \t")), Err(InputError::RejectReasonMissing));
        assert_eq!(check_op(&reject("缺货")), Ok(()));
        assert_eq!(InputError::RejectReasonMissing.field(), InputField::Reason);
    }

    #[test]
    fn an_id_check_note_counts_characters_not_bytes() {
        assert_eq!(check_op(&id_check("身份证 1")), Ok(()));
        assert_eq!(check_op(&id_check("  身份证  ")), Err(InputError::IdCheckNoteTooShort));
        assert_eq!(check_op(&id_check("1234")), Ok(()));
        assert_eq!(check_op(&id_check(" 123 ")), Err(InputError::IdCheckNoteTooShort));
        let by_code = Op::HandOver {
            fulfillment_order_id: Uuid::nil(),
            verification: HandOverVerification::PickupCode { code: String::new() },
        };
        assert_eq!(check_op(&by_code), Ok(()));
    }

    #[test]
    fn only_managers_confirm_id_checks() {
        assert!(may_confirm_id_check(Role::Manager));
        assert!(!may_confirm_id_check(Role::Associate));
    }

    #[test]
    fn enrollment_input_is_trimmed_and_checked() {
        assert_eq!(
            enrollment(" https://hq.example/ ", " ABC-123 "),
            Ok(("https://hq.example".to_string(), "ABC-123".to_string()))
        );
        assert_eq!(enrollment("hq.example", "ABC"), Err(InputError::ServerUrlScheme));
        assert_eq!(enrollment("http://hq.example", "  "), Err(InputError::EnrollmentCodeMissing));
        assert_eq!(check_language("en"), Ok(()));
        assert_eq!(check_language("fr"), Err(InputError::UnsupportedLanguage));
    }
}
