//! Store staff and their roles.

use serde::{Deserialize, Serialize};

/// What a staff member may do: an associate, or a store manager, who may also approve
/// ID-check hand-overs and large returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Store associate (导购/店员).
    Associate,
    /// Store manager: may approve ID-check hand-overs and large returns.
    Manager,
}

impl Role {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Associate => "associate",
            Role::Manager => "manager",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "associate" => Some(Role::Associate),
            "manager" => Some(Role::Manager),
            _ => None,
        }
    }
}

/// A staff member as HQ sets them up (the PIN is hashed on arrival and never stored plain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffInput {
    /// Staff id, e.g. employee number.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub id: String,
    /// The store they work at.
    pub store_code: String,
    /// Display name.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// Role.
    pub role: Role,
    /// Initial PIN, 4 to 8 digits.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{4,8}$"))]
    pub pin: String,
}

/// Whether a PIN has the accepted shape: 4 to 8 digits.
pub fn valid_pin(pin: &str) -> bool {
    (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// HQ's rule for staff PINs. A device keeps only slow hashes of PINs for offline log-in, so a
/// PIN's length is what an attacker who copied a device's replica must guess through: each
/// digit HQ requires multiplies that work by ten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PinPolicy {
    /// Fewest digits a new PIN may have (4 to 8).
    #[cfg_attr(feature = "openapi", schema(minimum = 4, maximum = 8, examples(6)))]
    pub min_length: u8,
}

impl Default for PinPolicy {
    /// Four digits, the shortest PIN the app takes; HQ should require six or more.
    fn default() -> Self {
        PinPolicy { min_length: 4 }
    }
}

impl PinPolicy {
    /// Whether the policy itself is one HQ may set.
    pub fn is_valid(&self) -> bool {
        (4..=8).contains(&self.min_length)
    }

    /// Whether `pin` has the accepted shape and is long enough under this policy.
    pub fn allows(&self, pin: &str) -> bool {
        valid_pin(pin) && pin.len() >= self.min_length as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_policy_requires_its_length() {
        let six = PinPolicy { min_length: 6 };
        assert!(six.is_valid() && !PinPolicy { min_length: 3 }.is_valid() && !PinPolicy { min_length: 9 }.is_valid());
        assert!(!six.allows("1234") && six.allows("123456") && six.allows("12345678") && !six.allows("12345a"));
        assert!(PinPolicy::default().allows("1234"));
    }
}
