//! Store staff and their roles.

use serde::{Deserialize, Serialize};

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

/// Refunds above this need a manager (fen).
pub const RETURN_MANAGER_LIMIT_FEN: i64 = 200_000;

/// A staff member as HQ sets them up (the PIN is hashed on arrival and never stored plain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffInput {
    /// Staff id, e.g. employee number.
    pub id: String,
    /// The store they work at.
    pub store_code: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Initial PIN, 4 to 8 digits.
    pub pin: String,
}

/// Whether a PIN has the accepted shape: 4 to 8 digits.
pub fn valid_pin(pin: &str) -> bool {
    (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}
