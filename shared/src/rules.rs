//! Business rules HQ sets as data, not constants in code: the fulfillment fee, the refund
//! above which a manager must approve, the same-city radius and the pickup-code limits.
//!
//! Every rule has a default (what a new installation runs with) and a valid range that
//! [`BusinessRules::check`] enforces before HQ's change is stored. The part a store device
//! needs offline ([`DeviceRules`]) travels with every pull page, so a device applies the
//! limits HQ set as soon as it syncs.

use serde::{Deserialize, Serialize};

/// The longest a counter lockout gets, however often it repeats (minutes).
pub const MAX_LOCKOUT_MINUTES: i64 = 24 * 60;

/// The rules HQ sets for the whole network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BusinessRules {
    /// The fee a store earns for fulfilling an online order, in basis points of the goods'
    /// value (300 = 3%).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 3000))]
    pub fulfillment_fee_bp: u32,
    /// Same-city deliveries go only to nodes within this many kilometres of the customer.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 200))]
    pub same_city_radius_km: u32,
    /// A return refunding more than this (fen) needs a store manager's approval.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100000000))]
    pub return_manager_limit_fen: i64,
    /// Wrong pickup codes (or PINs) in a row before the counter locks.
    #[cfg_attr(feature = "openapi", schema(minimum = 3, maximum = 10))]
    pub pickup_max_attempts: u32,
    /// The first lockout's length in minutes; each further one doubles, up to a day.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1440))]
    pub pickup_lockout_minutes: u32,
    /// Days a pickup code stays valid after the order is ready.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 30))]
    pub pickup_code_valid_days: u32,
}

/// The rules a store device applies without asking HQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceRules {
    /// A return refunding more than this (fen) needs a store manager's approval.
    pub return_manager_limit_fen: i64,
    /// Wrong pickup codes (or PINs) in a row before the counter locks.
    pub pickup_max_attempts: u32,
    /// The first lockout's length in minutes; each further one doubles, up to a day.
    pub pickup_lockout_minutes: u32,
    /// Days a pickup code stays valid after the order is ready.
    pub pickup_code_valid_days: u32,
}

impl Default for DeviceRules {
    fn default() -> Self {
        DeviceRules {
            return_manager_limit_fen: 200_000,
            pickup_max_attempts: 5,
            pickup_lockout_minutes: 15,
            pickup_code_valid_days: 7,
        }
    }
}

impl Default for BusinessRules {
    fn default() -> Self {
        BusinessRules::with_device(300, 30, DeviceRules::default())
    }
}

/// A rule outside its range: which one, and what it may be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} must be {min} to {max}")]
pub struct RuleOutOfRange {
    /// The rule's JSON name.
    pub field: &'static str,
    /// Smallest allowed value.
    pub min: i64,
    /// Largest allowed value.
    pub max: i64,
}

fn within(field: &'static str, value: i64, min: i64, max: i64) -> Result<(), RuleOutOfRange> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(RuleOutOfRange { field, min, max })
    }
}

impl BusinessRules {
    /// Checks every rule against its range; the first one outside is named.
    pub fn check(&self) -> Result<(), RuleOutOfRange> {
        within("fulfillment_fee_bp", self.fulfillment_fee_bp.into(), 0, 3_000)?;
        within("same_city_radius_km", self.same_city_radius_km.into(), 1, 200)?;
        self.device().check()
    }

    /// Network rules around the given device rules.
    pub fn with_device(fulfillment_fee_bp: u32, same_city_radius_km: u32, d: DeviceRules) -> Self {
        BusinessRules {
            fulfillment_fee_bp,
            same_city_radius_km,
            return_manager_limit_fen: d.return_manager_limit_fen,
            pickup_max_attempts: d.pickup_max_attempts,
            pickup_lockout_minutes: d.pickup_lockout_minutes,
            pickup_code_valid_days: d.pickup_code_valid_days,
        }
    }

    /// The part a store device applies offline.
    pub fn device(&self) -> DeviceRules {
        DeviceRules {
            return_manager_limit_fen: self.return_manager_limit_fen,
            pickup_max_attempts: self.pickup_max_attempts,
            pickup_lockout_minutes: self.pickup_lockout_minutes,
            pickup_code_valid_days: self.pickup_code_valid_days,
        }
    }

    /// The fee for fulfilling goods worth `value_fen`, rounded down to the fen.
    pub fn fulfillment_fee(&self, value_fen: i64) -> i64 {
        value_fen.saturating_mul(self.fulfillment_fee_bp.into()) / 10_000
    }
}

impl DeviceRules {
    /// Checks the device rules against their ranges.
    pub fn check(&self) -> Result<(), RuleOutOfRange> {
        within("return_manager_limit_fen", self.return_manager_limit_fen, 0, 100_000_000)?;
        within("pickup_max_attempts", self.pickup_max_attempts.into(), 3, 10)?;
        within("pickup_lockout_minutes", self.pickup_lockout_minutes.into(), 1, MAX_LOCKOUT_MINUTES)?;
        within("pickup_code_valid_days", self.pickup_code_valid_days.into(), 1, 30)
    }

    /// How long a pickup code stays valid, in milliseconds.
    pub fn pickup_code_valid_ms(&self) -> i64 {
        i64::from(self.pickup_code_valid_days) * 86_400_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_rules_a_new_installation_ran_with() {
        let r = BusinessRules::default();
        assert_eq!(r.check(), Ok(()));
        assert_eq!(r.fulfillment_fee(10_000), 300);
        assert_eq!(r.device().pickup_code_valid_ms(), 7 * 86_400_000);
    }

    #[test]
    fn a_rule_out_of_range_is_named_with_its_range() {
        let mut r = BusinessRules { pickup_max_attempts: 2, ..BusinessRules::default() };
        assert_eq!(r.check(), Err(RuleOutOfRange { field: "pickup_max_attempts", min: 3, max: 10 }));
        r = BusinessRules { fulfillment_fee_bp: 3_001, ..BusinessRules::default() };
        assert_eq!(r.check().unwrap_err().field, "fulfillment_fee_bp");
        r = BusinessRules { return_manager_limit_fen: -1, ..BusinessRules::default() };
        assert_eq!(r.check().unwrap_err().to_string(), "return_manager_limit_fen must be 0 to 100000000");
    }

    #[test]
    fn the_fee_rounds_down_and_never_overflows() {
        let r = BusinessRules { fulfillment_fee_bp: 250, ..BusinessRules::default() };
        assert_eq!(r.fulfillment_fee(399), 9);
        assert_eq!(r.fulfillment_fee(i64::MAX), i64::MAX / 10_000);
    }

    #[test]
    fn the_wire_shape_is_flat_and_refuses_unknown_rules() {
        let json = serde_json::to_value(BusinessRules::default()).unwrap();
        assert_eq!(json["pickup_max_attempts"], 5);
        assert_eq!(json["fulfillment_fee_bp"], 300);
        assert!(serde_json::from_value::<BusinessRules>(serde_json::json!({"fulfillment_fee_bp": 1})).is_err());
        let mut extra = json.clone();
        extra["surprise"] = 1.into();
        assert!(serde_json::from_value::<BusinessRules>(extra).is_err());
        assert_eq!(serde_json::from_value::<BusinessRules>(json).unwrap(), BusinessRules::default());
    }
}
