//! Device-side errors. Each has a stable code the UI translates and a message in English.

use serde::Serialize;
use shared::app::InputField;
use shared::input::InputError;

/// What can go wrong on the device.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ReplicaError {
    /// The device has not been enrolled yet.
    #[error("this device is not enrolled; enter the server address and an enrollment code from HQ")]
    NotEnrolled,
    /// HQ revoked the device (or its token is unknown): it must be enrolled again.
    #[error("HQ revoked this device's access; enrol it again with a new code")]
    Revoked,
    /// The server speaks another protocol version.
    #[error("the server speaks a different sync protocol ({message}); update the app or the server")]
    IncompatibleServer {
        /// Which versions differ, or why the address has no sync API.
        message: String,
    },
    /// The server cannot be reached; work goes on offline.
    #[error("the server cannot be reached ({message}); working offline")]
    Offline {
        /// The network error, for the log and the status line.
        message: String,
    },
    /// The server refused a request.
    #[error("the server refused the request ({code}): {message}")]
    Server {
        /// The HTTP status of the answer.
        status: u16,
        /// The server's stable error code.
        code: String,
        /// The server's explanation, in English.
        message: String,
    },
    /// The server's answer could not be read; nothing was applied.
    #[error("the server sent an answer this app cannot read ({message}); nothing was changed")]
    CorruptResponse {
        /// What could not be read.
        message: String,
    },
    /// The local database failed.
    #[error("the local database failed: {message}")]
    Storage {
        /// SQLite's or the file system's error.
        message: String,
    },
    /// The action is not possible in the current state.
    #[error("{message}")]
    NotAllowed {
        /// The stable code of the rule that refused it (e.g. `unknown_staff`).
        reason: String,
        /// What the person should know or do, in English.
        message: String,
    },
    /// Something was not found locally.
    #[error("{what} was not found on this device")]
    NotFound {
        /// What was looked for (e.g. the order or SKU).
        what: String,
    },
    /// Wrong PIN.
    #[error("wrong PIN; {attempts_left} tries left")]
    WrongPin {
        /// Tries left before the PIN locks.
        attempts_left: u32,
    },
    /// The pickup code does not match the order.
    #[error("the pickup code does not match this order; {attempts_left} tries left")]
    WrongPickupCode {
        /// Tries left before the order's code locks.
        attempts_left: u32,
    },
    /// Too many wrong PINs or codes.
    #[error("too many wrong tries; locked until {until_ms}")]
    LockedOut {
        /// When the lock ends (Unix ms).
        until_ms: i64,
    },
    /// A scan while picking was not counted.
    #[error("{0}")]
    PickScan(shared::pick::PickScanError),
    /// An ID check confirmed by someone who is not an active manager of the store.
    #[error("{staff_id} is not a manager; a manager must confirm the ID check")]
    NotManager {
        /// Who was named as the manager.
        staff_id: String,
    },
    /// Input that breaks a rule of [`shared::input`] (a reject reason, an ID-check note).
    #[error("{message}")]
    InvalidInput {
        /// Which field.
        field: InputField,
        /// What is wrong, in English.
        message: String,
    },
}

impl ReplicaError {
    /// The stable code the UI uses to pick a translated message.
    pub fn code(&self) -> &'static str {
        match self {
            ReplicaError::NotEnrolled => "not_enrolled",
            ReplicaError::Revoked => "revoked",
            ReplicaError::IncompatibleServer { .. } => "incompatible_server",
            ReplicaError::Offline { .. } => "offline",
            ReplicaError::Server { .. } => "server",
            ReplicaError::CorruptResponse { .. } => "corrupt_response",
            ReplicaError::Storage { .. } => "storage",
            ReplicaError::NotAllowed { .. } => "not_allowed",
            ReplicaError::NotFound { .. } => "not_found",
            ReplicaError::WrongPin { .. } => "wrong_pin",
            ReplicaError::WrongPickupCode { .. } => "wrong_pickup_code",
            ReplicaError::LockedOut { .. } => "locked_out",
            ReplicaError::PickScan(_) => "pick_scan",
            ReplicaError::NotManager { .. } => "not_manager",
            ReplicaError::InvalidInput { .. } => "invalid_input",
        }
    }

    /// Builds a `NotAllowed`.
    pub fn not_allowed(reason: &str, message: impl Into<String>) -> Self {
        ReplicaError::NotAllowed { reason: reason.to_string(), message: message.into() }
    }

    /// Worth retrying later (network, server busy).
    pub fn is_transient(&self) -> bool {
        match self {
            ReplicaError::Offline { .. } => true,
            ReplicaError::Server { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

impl From<InputError> for ReplicaError {
    fn from(e: InputError) -> Self {
        ReplicaError::InvalidInput { field: e.field(), message: e.to_string() }
    }
}

impl From<rusqlite::Error> for ReplicaError {
    fn from(e: rusqlite::Error) -> Self {
        ReplicaError::Storage { message: e.to_string() }
    }
}

impl From<serde_json::Error> for ReplicaError {
    fn from(e: serde_json::Error) -> Self {
        ReplicaError::Storage { message: format!("unreadable local record: {e}") }
    }
}

/// Result with [`ReplicaError`].
pub type Result<T> = std::result::Result<T, ReplicaError>;
