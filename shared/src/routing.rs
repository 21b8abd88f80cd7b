//! Order routing maths (订单路由): which nodes fulfil which lines.
//!
//! Pure: the caller supplies candidate nodes (already filtered by capability, hours and
//! exclusions) with their availability. Rules: one node that can fill every line, nearest
//! to the customer (就近 + 就全); otherwise, if splitting is allowed, the fewest nodes by
//! repeatedly taking the node that covers the most remaining units, nearest on ties.
//!
//! [`plan`] is that one fixed rule; HQ's configurable, explainable routing (rule profiles,
//! filters, strategies, fallback) is [`config`] + [`engine`], whose built-in profiles
//! reproduce it.

pub mod config;
pub mod engine;

use crate::fulfillment::FulfillmentKind;
use crate::node::GeoPoint;
use crate::order::{Channel, Order};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A node that may fulfil, with what it has.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Node code.
    pub node_code: String,
    /// Where it is.
    pub location: GeoPoint,
    /// Available units by SKU code.
    pub available: BTreeMap<String, i64>,
}

/// A line to place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Need {
    /// Order line number.
    pub line_no: u32,
    /// SKU code.
    pub sku_code: String,
    /// Units.
    pub qty: i64,
}

/// Units of a line given to a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignment {
    /// Node code.
    pub node_code: String,
    /// Order line number.
    pub line_no: u32,
    /// SKU code.
    pub sku_code: String,
    /// Units.
    pub qty: i64,
}

/// A routing plan: what goes where, and what no node can take.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Assignments, grouped by node in the order nodes were chosen.
    pub assignments: Vec<Assignment>,
    /// Units no candidate could take.
    pub unplaced: Vec<Need>,
}

impl Plan {
    /// Node codes used, in the order chosen.
    pub fn nodes(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for a in &self.assignments {
            if !out.contains(&a.node_code) {
                out.push(a.node_code.clone());
            }
        }
        out
    }
}

/// HQ's routing configuration in force (`GET`/`PUT /api/v1/routing/config`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoutingConfigView {
    /// Version: 0 is the built-in configuration, every change stores the next.
    pub version: i64,
    /// When this version was stored (None for the built-in one).
    #[cfg_attr(feature = "openapi", schema(required))]
    pub stored_at: Option<DateTime<Utc>>,
    /// The document.
    pub config: config::RoutingConfig,
}

/// What routing would do with an order (`POST /api/v1/routing/dry-run`): nothing is
/// reserved or written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DryRun {
    /// Whether every line would be placed.
    pub placed: bool,
    /// Units per node and line (a kit line as its components).
    pub assignments: Vec<Assignment>,
    /// What no node could take.
    pub unplaced: Vec<Need>,
    /// Why.
    pub explanation: engine::Explanation,
}

/// An order in HQ's needs-attention queue (routing held it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeldOrder {
    /// Order id.
    pub order_id: Uuid,
    /// Channel.
    pub channel: Channel,
    /// The channel's order number.
    pub channel_order_id: String,
    /// Fulfillment kind.
    pub fulfillment: FulfillmentKind,
    /// Why routing holds it.
    pub reason: String,
    /// When it arrived.
    pub created_at: DateTime<Utc>,
}

/// A page of held orders, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeldPage {
    /// Held orders.
    pub items: Vec<HeldOrder>,
    /// Cursor of the next page (pass as `after`), None on the last.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub next: Option<String>,
}

/// HQ moves a fulfillment order, or some of its lines, to a named node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReassignRequest {
    /// The node to move them to.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 32))]
    pub node_code: String,
    /// Fulfillment line numbers to move (all when left out).
    #[serde(default)]
    pub lines: Option<Vec<u32>>,
}

/// What routing a held order again did (`POST /api/v1/orders/{id}/route`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RouteResult {
    /// Whether it was placed now.
    pub placed: bool,
    /// The order after the attempt (its `routing` says why).
    pub order: Order,
}

fn distance(target: Option<GeoPoint>, c: &Candidate) -> f64 {
    target.map_or(0.0, |t| t.distance_km(&c.location))
}

fn can_fill_all(c: &Candidate, needs: &[Need]) -> bool {
    let mut wanted: BTreeMap<&str, i64> = BTreeMap::new();
    for n in needs {
        *wanted.entry(n.sku_code.as_str()).or_default() += n.qty;
    }
    wanted.iter().all(|(sku, q)| c.available.get(*sku).copied().unwrap_or(0) >= *q)
}

/// Plans where `needs` go. `target` is the customer (or pickup store) location.
pub fn plan(target: Option<GeoPoint>, candidates: &[Candidate], needs: &[Need], allow_split: bool) -> Plan {
    let whole = candidates
        .iter()
        .filter(|c| can_fill_all(c, needs))
        .min_by(|a, b| distance(target, a).total_cmp(&distance(target, b)).then(a.node_code.cmp(&b.node_code)));
    if let Some(c) = whole {
        let assignments = needs
            .iter()
            .map(|n| Assignment {
                node_code: c.node_code.clone(),
                line_no: n.line_no,
                sku_code: n.sku_code.clone(),
                qty: n.qty,
            })
            .collect();
        return Plan { assignments, unplaced: Vec::new() };
    }
    if !allow_split {
        return Plan { assignments: Vec::new(), unplaced: needs.to_vec() };
    }
    let mut remaining: Vec<Need> = needs.to_vec();
    let mut pool: Vec<Candidate> = candidates.to_vec();
    let mut assignments = Vec::new();
    loop {
        let cover = |c: &Candidate| -> i64 {
            let mut avail = c.available.clone();
            remaining
                .iter()
                .map(|n| {
                    let a = avail.entry(n.sku_code.clone()).or_insert(0);
                    let take = (*a).min(n.qty).max(0);
                    *a -= take;
                    take
                })
                .sum()
        };
        let best = pool.iter().enumerate().map(|(i, c)| (i, cover(c))).filter(|(_, units)| *units > 0).max_by(
            |(ia, ua), (ib, ub)| {
                ua.cmp(ub)
                    .then(distance(target, &pool[*ib]).total_cmp(&distance(target, &pool[*ia])))
                    .then(pool[*ib].node_code.cmp(&pool[*ia].node_code))
            },
        );
        let Some((i, _)) = best else { break };
        let node = pool.remove(i);
        let mut avail = node.available.clone();
        for n in remaining.iter_mut() {
            let a = avail.entry(n.sku_code.clone()).or_insert(0);
            let take = (*a).min(n.qty).max(0);
            if take > 0 {
                *a -= take;
                n.qty -= take;
                assignments.push(Assignment {
                    node_code: node.node_code.clone(),
                    line_no: n.line_no,
                    sku_code: n.sku_code.clone(),
                    qty: take,
                });
            }
        }
        remaining.retain(|n| n.qty > 0);
        if remaining.is_empty() {
            break;
        }
    }
    Plan { assignments, unplaced: remaining }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cand(code: &str, lat: f64, stock: &[(&str, i64)]) -> Candidate {
        Candidate {
            node_code: code.into(),
            location: GeoPoint { lat, lon: 121.0 },
            available: stock.iter().map(|(s, q)| (s.to_string(), *q)).collect(),
        }
    }

    fn need(line: u32, sku: &str, qty: i64) -> Need {
        Need { line_no: line, sku_code: sku.into(), qty }
    }

    #[test]
    fn nearest_node_that_fills_everything_wins() {
        let c = [
            cand("FAR", 40.0, &[("A", 5), ("B", 5)]),
            cand("NEAR", 31.1, &[("A", 5), ("B", 5)]),
            cand("NEAREST", 31.0, &[("A", 5)]),
        ];
        let p = plan(Some(GeoPoint { lat: 31.0, lon: 121.0 }), &c, &[need(1, "A", 1), need(2, "B", 1)], true);
        assert_eq!(p.nodes(), vec!["NEAR".to_string()]);
        assert!(p.unplaced.is_empty());
    }

    #[test]
    fn splits_over_fewest_nodes() {
        let c = [cand("X", 31.0, &[("A", 1)]), cand("Y", 32.0, &[("A", 1), ("B", 2)]), cand("Z", 33.0, &[("C", 1)])];
        let p = plan(None, &c, &[need(1, "A", 1), need(2, "B", 2), need(3, "C", 1)], true);
        assert_eq!(p.nodes(), vec!["Y".to_string(), "Z".to_string()]);
        let p = plan(None, &c, &[need(1, "A", 1), need(2, "B", 2), need(3, "C", 1)], false);
        assert_eq!(p.unplaced.len(), 3);
    }

    proptest! {
        /// A plan never gives a node more than it has, and placed + unplaced = needed.
        #[test]
        fn plans_respect_availability(
            stocks in proptest::collection::vec(proptest::collection::vec(0i64..4, 3), 1..6),
            qtys in proptest::collection::vec(1i64..4, 1..5),
        ) {
            let skus = ["A", "B", "C"];
            let cands: Vec<Candidate> = stocks.iter().enumerate().map(|(i, s)| Candidate {
                node_code: format!("N{i}"),
                location: GeoPoint { lat: 30.0 + i as f64, lon: 120.0 },
                available: skus.iter().zip(s).map(|(k, q)| (k.to_string(), *q)).collect(),
            }).collect();
            let needs: Vec<Need> = qtys.iter().enumerate().map(|(i, q)| need(i as u32 + 1, skus[i % 3], *q)).collect();
            let p = plan(None, &cands, &needs, true);
            for c in &cands {
                for sku in skus {
                    let given: i64 = p.assignments.iter().filter(|a| a.node_code == c.node_code && a.sku_code == sku).map(|a| a.qty).sum();
                    prop_assert!(given <= c.available[sku]);
                }
            }
            for n in &needs {
                let placed: i64 = p.assignments.iter().filter(|a| a.line_no == n.line_no).map(|a| a.qty).sum();
                let unplaced: i64 = p.unplaced.iter().filter(|u| u.line_no == n.line_no).map(|u| u.qty).sum();
                prop_assert_eq!(placed + unplaced, n.qty);
            }
        }
    }
}
