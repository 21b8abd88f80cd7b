//! The HTTP error body every endpoint returns: `{"error":{"code","message"}}`.

use serde::{Deserialize, Serialize};

/// Error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// The error.
    pub error: ApiErrorDetail,
}

/// Machine-readable code and a message that says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorDetail {
    /// Stable code, e.g. `insufficient_stock`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
}
