//! The HTTP error body every endpoint returns: `{"error":{"code","message"}}`.

use serde::{Deserialize, Serialize};

/// Every error response: a stable machine-readable code and a message that says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Error))]
pub struct ApiErrorBody {
    /// The error.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub error: ApiErrorDetail,
}

/// Machine-readable code and a message that says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorDetail {
    /// Stable code, e.g. `insufficient_stock`.
    #[cfg_attr(feature = "openapi", schema(examples("insufficient_stock")))]
    pub code: String,
    /// Human-readable message.
    pub message: String,
}
