//! HQ settings: read where the rules need them, changed through the API and validated.

use super::ServiceError;
use crate::storage::{settings, Tx};
use shared::returns::ReturnPolicy;
use shared::rules::BusinessRules;
use shared::staff::PinPolicy;

const PIN_POLICY: &str = "pin_policy";
use settings::BUSINESS_RULES;
const RETURN_POLICY: &str = "return_policy";

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

/// The business rules in force (the defaults until HQ sets them).
pub fn business_rules(tx: &mut dyn Tx) -> Result<BusinessRules, ServiceError> {
    Ok(settings::business_rules(tx)?)
}

/// Sets the business rules, all at once. They apply to what happens from now on (a fee
/// already credited, or a pickup code already issued, keeps the rule it was made under);
/// devices get the part they apply offline with their next pull.
pub fn set_business_rules(tx: &mut dyn Tx, rules: &BusinessRules, now: i64) -> Result<BusinessRules, ServiceError> {
    rules.check().map_err(|e| ServiceError::invalid("invalid_business_rules", e.to_string()))?;
    let json = serde_json::to_string(rules)
        .map_err(|e| ServiceError::new(super::ErrorKind::Internal, "internal", e.to_string()))?;
    settings::set(tx, BUSINESS_RULES, &json, now)?;
    Ok(*rules)
}

/// HQ's return policy in force (the default until HQ sets one): return windows per channel,
/// final-sale codes, the shipping-refund rule.
pub fn return_policy(tx: &mut dyn Tx) -> Result<ReturnPolicy, ServiceError> {
    Ok(settings::get(tx, RETURN_POLICY)?
        .and_then(|v| serde_json::from_str::<ReturnPolicy>(&v).ok())
        .filter(|p| p.check().is_ok())
        .unwrap_or_default())
}

/// Sets the return policy, all of it. It applies to returns booked from now on (a return
/// already booked keeps the refund it got), and to the look-ups that answer from now on.
pub fn set_return_policy(tx: &mut dyn Tx, policy: &ReturnPolicy, now: i64) -> Result<ReturnPolicy, ServiceError> {
    policy.check().map_err(|e| ServiceError::invalid("invalid_policy", e.to_string()))?;
    let json = serde_json::to_string(policy)
        .map_err(|e| ServiceError::new(super::ErrorKind::Internal, "internal", e.to_string()))?;
    settings::set(tx, RETURN_POLICY, &json, now)?;
    Ok(policy.clone())
}

const COURIER_POLICY: &str = "courier_policy";

/// HQ's courier policy in force (the default until HQ sets one): how the rider dispatcher
/// chooses among quotes, how often it re-dispatches and the tip it adds each time.
pub fn courier_policy(tx: &mut dyn Tx) -> Result<shared::courier::CourierPolicy, ServiceError> {
    Ok(settings::get(tx, COURIER_POLICY)?
        .and_then(|v| serde_json::from_str::<shared::courier::CourierPolicy>(&v).ok())
        .filter(|p| p.check().is_ok())
        .unwrap_or_default())
}

/// Sets the courier policy, all of it. It applies to dispatches from now on (a booking
/// already made keeps its tip).
pub fn set_courier_policy(
    tx: &mut dyn Tx,
    policy: &shared::courier::CourierPolicy,
    now: i64,
) -> Result<shared::courier::CourierPolicy, ServiceError> {
    policy.check().map_err(|e| ServiceError::invalid("invalid_courier_policy", e.to_string()))?;
    let json = serde_json::to_string(policy)
        .map_err(|e| ServiceError::new(super::ErrorKind::Internal, "internal", e.to_string()))?;
    settings::set(tx, COURIER_POLICY, &json, now)?;
    Ok(*policy)
}
