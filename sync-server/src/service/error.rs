//! Business errors, each with an HTTP status class, a stable code and a message that tells
//! the caller what to do.

use crate::storage::StorageError;

/// Class of a business error; maps to an HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 400: malformed request.
    BadRequest,
    /// 401: missing or invalid credential.
    Unauthorized,
    /// 403: valid credential, not allowed.
    Forbidden,
    /// 404: no such thing in the caller's scope.
    NotFound,
    /// 409: conflicts with current state (out of stock, duplicate with other content).
    Conflict,
    /// 422: well-formed but invalid values.
    Invalid,
    /// 503: storage unavailable; retry later.
    Unavailable,
    /// 500: a bug.
    Internal,
}

/// A business error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ServiceError {
    /// Class.
    pub kind: ErrorKind,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// What went wrong and what to do.
    pub message: String,
    /// Set when the error came from a race with another transaction, so the storage can
    /// run the whole job again on fresh data instead of reporting it.
    pub race: Option<Race>,
}

/// Which kind of race an error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Race {
    /// Data the job read changed before it wrote (e.g. stock taken between planning and
    /// reserving).
    StaleRead,
    /// A unique key was taken by a concurrent transaction.
    Constraint,
}

impl ServiceError {
    /// Builds an error.
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        ServiceError { kind, code, message: message.into(), race: None }
    }
    /// 404.
    pub fn not_found(what: &str, id: impl std::fmt::Display) -> Self {
        Self::new(ErrorKind::NotFound, "not_found", format!("{what} {id} was not found"))
    }
    /// 422.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, message)
    }
    /// 409 caused by data that changed under the job; the storage retries it first.
    pub fn stale_read(code: &'static str, message: impl Into<String>) -> Self {
        ServiceError { race: Some(Race::StaleRead), ..Self::conflict(code, message) }
    }
    /// 409.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }
}

impl From<StorageError> for ServiceError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Unavailable(m) | StorageError::Retry(m) => ServiceError::new(
                ErrorKind::Unavailable,
                "unavailable",
                format!("the database is busy or restarting ({m}); retry in a few seconds"),
            ),
            StorageError::Constraint(m) => ServiceError {
                race: Some(Race::Constraint),
                ..ServiceError::new(
                    ErrorKind::Conflict,
                    "constraint_violation",
                    format!("the change conflicts with existing data: {m}"),
                )
            },
            other => {
                tracing::error!(error = %other, "storage error");
                ServiceError::new(
                    ErrorKind::Internal,
                    "internal",
                    "an internal error occurred; the change was not applied",
                )
            }
        }
    }
}
