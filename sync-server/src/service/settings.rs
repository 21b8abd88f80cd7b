//! HQ settings: read where the rules need them, changed through the API and validated.

use super::ServiceError;
use crate::storage::{settings, Tx};
use shared::staff::PinPolicy;

const PIN_POLICY: &str = "pin_policy";

/// The PIN policy in force (the default until HQ sets one).
pub fn pin_policy(tx: &mut dyn Tx) -> Result<PinPolicy, ServiceError> {
    Ok(settings::get(tx, PIN_POLICY)?
        .and_then(|v| serde_json::from_str::<PinPolicy>(&v).ok())
        .filter(PinPolicy::is_valid)
        .unwrap_or_default())
}

/// Sets the PIN policy. It applies to PINs HQ sets from now on; PINs already set stay until
/// HQ sets them again.
pub fn set_pin_policy(tx: &mut dyn Tx, policy: &PinPolicy, now: i64) -> Result<PinPolicy, ServiceError> {
    if !policy.is_valid() {
        return Err(ServiceError::invalid("invalid_pin_policy", "min_length must be 4 to 8 digits"));
    }
    let json = serde_json::to_string(policy)
        .map_err(|e| ServiceError::new(super::ErrorKind::Internal, "internal", e.to_string()))?;
    settings::set(tx, PIN_POLICY, &json, now)?;
    Ok(*policy)
}
