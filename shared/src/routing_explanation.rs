//! Why a routing decision went as it did (可解释路由): the explanation stored per decision
//! and shown on an order. Its own module, apart from `routing`, because an order carries
//! it and routing speaks of orders: both depend on this, and this on nothing of theirs.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One node as an attempt saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidateNote {
    /// Node code.
    pub node_code: String,
    /// The filter that removed it (None: it was eligible).
    #[cfg_attr(feature = "openapi", schema(required))]
    pub removed_by: Option<String>,
    /// Why, in words (e.g. `closes 22:00, cut-off 30 min`).
    #[cfg_attr(feature = "openapi", schema(required))]
    pub detail: Option<String>,
    /// Distance to the customer, km (None without a location).
    #[cfg_attr(feature = "openapi", schema(required))]
    pub distance_km: Option<f64>,
    /// Whether it holds every unit the order needs.
    pub fills_all: bool,
}

/// A candidate plan and its scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanScore {
    /// Nodes used.
    pub nodes: Vec<String>,
    /// Raw metric per strategy (km, nodes, units below the shelf line, fen, days).
    pub metrics: BTreeMap<String, f64>,
    /// Score per strategy, 0..1, 1 best among the plans.
    pub scores: BTreeMap<String, f64>,
    /// Weighted total 0..1 (weighted ranking), or the first strategy's score (tie-break).
    pub total: f64,
    /// The plan chosen.
    pub chosen: bool,
}

/// One profile's attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attempt {
    /// Profile name.
    pub profile: String,
    /// Nodes holding any needed SKU, eligible first (nearest first), then removed.
    pub candidates: Vec<CandidateNote>,
    /// Candidates not listed (beyond the first 50).
    pub omitted: u32,
    /// Complete plans, best first (at most 10).
    pub plans: Vec<PlanScore>,
    /// Whether this profile placed the order.
    pub placed: bool,
    /// Why not, when it did not.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub reason: Option<String>,
}

/// What a decision came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every line placed.
    Placed,
    /// Some lines placed, the rest unrouted (a reroute that found too little).
    Partial,
    /// Held in the needs-attention queue.
    Held,
    /// Refused (insufficient stock).
    Rejected,
    /// Waiting for a presale's receipt.
    Presale,
    /// HQ moved lines to a named node by hand.
    Reassigned,
}

impl Outcome {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Placed => "placed",
            Outcome::Partial => "partial",
            Outcome::Held => "held",
            Outcome::Rejected => "rejected",
            Outcome::Presale => "presale",
            Outcome::Reassigned => "reassigned",
        }
    }
}

/// Why an order went where it went: stored per decision, shown on `GET /api/v1/orders/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Explanation {
    /// Routing configuration version used (0: the built-in one).
    pub config_version: i64,
    /// What the decision came to.
    pub outcome: Outcome,
    /// Profile that placed it.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub profile: Option<String>,
    /// Nodes chosen.
    pub nodes: Vec<String>,
    /// Why it was held, refused or only partly placed.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub reason: Option<String>,
    /// Each profile tried, in order.
    pub attempts: Vec<Attempt>,
}
