//! Business rules HQ sets as data, not constants in code: the fulfillment fee, the refund
//! above which a manager must approve, the same-city radius, the pickup-code limits and the
//! promise a store makes per kind of order (e.g. ready for pickup within 2 h).
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
    /// A pickup order is promised ready for the customer within this many minutes of
    /// reaching the store (absent in an older server's or HQ client's rules: the default).
    #[serde(default = "default_promise_pickup_minutes")]
    #[cfg_attr(feature = "openapi", schema(minimum = 15, maximum = 10080))]
    pub promise_pickup_minutes: u32,
    /// A same-city order is promised packed for the rider within this many minutes.
    #[serde(default = "default_promise_same_city_minutes")]
    #[cfg_attr(feature = "openapi", schema(minimum = 15, maximum = 10080))]
    pub promise_same_city_minutes: u32,
    /// A parcel order is promised packed for the courier within this many minutes.
    #[serde(default = "default_promise_ship_minutes")]
    #[cfg_attr(feature = "openapi", schema(minimum = 15, maximum = 10080))]
    pub promise_ship_minutes: u32,
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
    /// A pickup order is promised ready within this many minutes (an older server's pages
    /// lack it: the default).
    #[serde(default = "default_promise_pickup_minutes")]
    pub promise_pickup_minutes: u32,
    /// A same-city order is promised packed for the rider within this many minutes.
    #[serde(default = "default_promise_same_city_minutes")]
    pub promise_same_city_minutes: u32,
    /// A parcel order is promised packed for the courier within this many minutes.
    #[serde(default = "default_promise_ship_minutes")]
    pub promise_ship_minutes: u32,
}

/// The longest promise HQ may set (minutes): a week.
pub const MAX_PROMISE_MINUTES: i64 = 7 * 24 * 60;

fn default_promise_pickup_minutes() -> u32 {
    120
}

fn default_promise_same_city_minutes() -> u32 {
    60
}

fn default_promise_ship_minutes() -> u32 {
    24 * 60
}

impl Default for DeviceRules {
    fn default() -> Self {
        DeviceRules {
            return_manager_limit_fen: 200_000,
            pickup_max_attempts: 5,
            pickup_lockout_minutes: 15,
            pickup_code_valid_days: 7,
            promise_pickup_minutes: default_promise_pickup_minutes(),
            promise_same_city_minutes: default_promise_same_city_minutes(),
            promise_ship_minutes: default_promise_ship_minutes(),
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
            promise_pickup_minutes: d.promise_pickup_minutes,
            promise_same_city_minutes: d.promise_same_city_minutes,
            promise_ship_minutes: d.promise_ship_minutes,
        }
    }

    /// The part a store device applies offline.
    pub fn device(&self) -> DeviceRules {
        DeviceRules {
            return_manager_limit_fen: self.return_manager_limit_fen,
            pickup_max_attempts: self.pickup_max_attempts,
            pickup_lockout_minutes: self.pickup_lockout_minutes,
            pickup_code_valid_days: self.pickup_code_valid_days,
            promise_pickup_minutes: self.promise_pickup_minutes,
            promise_same_city_minutes: self.promise_same_city_minutes,
            promise_ship_minutes: self.promise_ship_minutes,
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
        within("pickup_code_valid_days", self.pickup_code_valid_days.into(), 1, 30)?;
        within("promise_pickup_minutes", self.promise_pickup_minutes.into(), 15, MAX_PROMISE_MINUTES)?;
        within("promise_same_city_minutes", self.promise_same_city_minutes.into(), 15, MAX_PROMISE_MINUTES)?;
        within("promise_ship_minutes", self.promise_ship_minutes.into(), 15, MAX_PROMISE_MINUTES)
    }

    /// How long the store has to get an order of `kind` ready, in milliseconds (see
    /// [`crate::promise`]).
    pub fn promise_ms(&self, kind: crate::fulfillment::FulfillmentKind) -> i64 {
        use crate::fulfillment::FulfillmentKind as K;
        let minutes = match kind {
            K::Pickup => self.promise_pickup_minutes,
            K::SameCity => self.promise_same_city_minutes,
            K::Ship => self.promise_ship_minutes,
        };
        i64::from(minutes) * 60_000
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

    #[test]
    fn rules_without_the_promises_read_with_their_defaults() {
        // An older server's settings and pull pages, and an older HQ client's PUT.
        let mut old = serde_json::to_value(BusinessRules::default()).unwrap();
        for field in ["promise_pickup_minutes", "promise_same_city_minutes", "promise_ship_minutes"] {
            old.as_object_mut().unwrap().remove(field);
        }
        assert_eq!(serde_json::from_value::<BusinessRules>(old.clone()).unwrap(), BusinessRules::default());
        let page = serde_json::json!({"return_manager_limit_fen": 1, "pickup_max_attempts": 3,
            "pickup_lockout_minutes": 2, "pickup_code_valid_days": 1});
        let d: DeviceRules = serde_json::from_value(page).unwrap();
        assert_eq!(d.promise_pickup_minutes, 120);
        assert_eq!(d.promise_ms(crate::fulfillment::FulfillmentKind::Pickup), 2 * 3_600_000);
        assert_eq!(d.promise_ms(crate::fulfillment::FulfillmentKind::Ship), 24 * 3_600_000);
        let r = BusinessRules { promise_ship_minutes: 14, ..BusinessRules::default() };
        assert_eq!(r.check().unwrap_err().to_string(), "promise_ship_minutes must be 15 to 10080");
        let r = BusinessRules { promise_pickup_minutes: 10_081, ..BusinessRules::default() };
        assert_eq!(r.check().unwrap_err().field, "promise_pickup_minutes");
        let r = BusinessRules { promise_same_city_minutes: 45, ..BusinessRules::default() };
        assert_eq!(r.device().promise_ms(crate::fulfillment::FulfillmentKind::SameCity), 45 * 60_000);
    }
}
