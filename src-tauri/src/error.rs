//! Errors as the UI receives them: a stable `error` code (plus details) it translates, and
//! an English `message` for logs and diagnostics.

use replica::ReplicaError;
use serde::Serialize;
use shared::app::{CameraReason, InputField};
use shared::input::InputError;

/// Failures of the app shell itself, beside the replica's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ShellError {
    /// The action needs a logged-in associate.
    #[error("log in with your PIN first")]
    NotLoggedIn,
    /// Something typed is not usable.
    #[error("{message}")]
    InvalidInput {
        /// What is wrong, in English.
        message: String,
        /// Which field.
        field: InputField,
    },
    /// The camera cannot scan.
    #[error("{message}")]
    Camera {
        /// Why.
        reason: CameraReason,
        /// Details.
        message: String,
    },
    /// Settings could not be saved.
    #[error("settings could not be saved: {message}")]
    Settings {
        /// Details.
        message: String,
    },
    // --- print ---
    /// The thermal printer did not print.
    #[error("{message}")]
    Printer {
        /// Why.
        reason: shared::print::PrinterReason,
        /// The printer's address as set (empty when none is).
        address: String,
        /// What to check, in English.
        message: String,
    },
}

/// What a command returns on failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// From the device engine.
    #[error(transparent)]
    Replica(#[from] ReplicaError),
    /// From the shell.
    #[error(transparent)]
    Shell(#[from] ShellError),
}

impl Serialize for AppError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // The tagged variant's own fields, plus the English message.
        let value = match self {
            AppError::Replica(e) => serde_json::to_value(e),
            AppError::Shell(e) => serde_json::to_value(e),
        }
        .map_err(serde::ser::Error::custom)?;
        let mut map = s.serialize_map(None)?;
        if let serde_json::Value::Object(fields) = value {
            for (k, v) in fields {
                if k != "message" {
                    map.serialize_entry(&k, &v)?;
                }
            }
        }
        map.serialize_entry("message", &self.to_string())?;
        map.end()
    }
}

/// Command result.
pub type AppResult<T> = Result<T, AppError>;

impl From<InputError> for AppError {
    fn from(e: InputError) -> Self {
        ShellError::InvalidInput { message: e.to_string(), field: e.field() }.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_a_code_details_and_an_english_message() {
        let e: AppError = ReplicaError::WrongPin { attempts_left: 3 }.into();
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["error"], "wrong_pin");
        assert_eq!(v["attempts_left"], 3);
        assert_eq!(v["message"], "wrong PIN; 3 tries left");
        let e: AppError =
            ReplicaError::PickScan(shared::pick::PickScanError::WrongItem { sku_code: "S1".into() }).into();
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            (v["error"].as_str(), v["reason"].as_str(), v["sku_code"].as_str()),
            (Some("pick_scan"), Some("wrong_item"), Some("S1"))
        );
        let v = serde_json::to_value(AppError::from(ShellError::NotLoggedIn)).unwrap();
        assert_eq!(v["error"], "not_logged_in");
    }

    /// Rules moved into the replica keep the shape the UI had from the shell.
    #[test]
    fn replica_refusals_keep_the_codes_the_shell_gave() {
        let e: AppError = ReplicaError::NotManager { staff_id: "A1".into() }.into();
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!((v["error"].as_str(), v["staff_id"].as_str()), (Some("not_manager"), Some("A1")));
        assert_eq!(v["message"], "A1 is not a manager; a manager must confirm the ID check");
        let from_replica: AppError = ReplicaError::from(InputError::IdCheckNoteTooShort).into();
        let from_shell: AppError = InputError::IdCheckNoteTooShort.into();
        assert_eq!(serde_json::to_value(from_replica).unwrap(), serde_json::to_value(from_shell).unwrap());
        let v = serde_json::to_value(AppError::from(InputError::RejectReasonMissing)).unwrap();
        assert_eq!((v["error"].as_str(), v["field"].as_str()), (Some("invalid_input"), Some("reason")));
        let camera = ShellError::Camera { reason: CameraReason::NoCamera, message: "none".into() };
        let v = serde_json::to_value(AppError::from(camera)).unwrap();
        assert_eq!((v["error"].as_str(), v["reason"].as_str()), (Some("camera"), Some("no_camera")));
        let view: shared::app::ErrorView = serde_json::from_value(v).unwrap();
        assert_eq!(view.reason, Some(shared::app::ErrorReason::Camera(CameraReason::NoCamera)));
    }
}
