//! The routing engine: applies a profile chain to one order and says why (可解释路由).
//!
//! Pure: the server gathers [`NodeFacts`] (stock, HQ settings, the node's local time and
//! today's count) and stores the [`Explanation`]; the bench feeds the same function from
//! memory. One attempt per profile of the chain:
//!
//! 1. every node holding any needed SKU passes the base filters (capability, paused,
//!    channel exclusion, nodes that refused this order, the same-city radius), then the
//!    profile's filters in order; the first it fails is recorded;
//! 2. candidate plans: each eligible node that fills every line, and (when the profile
//!    allows splits and no node fills everything) one split plan built greedily: the node
//!    covering most of what is left, ties ranked by the profile's strategies, at most
//!    `max_splits` nodes;
//! 3. the strategies score the complete plans (raw metric, then 0..1 where 1 is best among
//!    the plans), combined by weighted sum or as ordered tie-breaks, node codes last.
//!
//! Aged stock is measured as the days since the node last sold (a fulfilment movement of)
//! the SKU; a node that never sold it counts as fully aged (`cap_days`). Slow movers are
//! what HQ wants gone first, and the ledger already has the fact, so no new bookkeeping.

use super::config::{Fallback, Filter, Profile, Ranking, RoutingConfig, Strategy};
use super::{Assignment, Need, Plan};
use crate::fulfillment::FulfillmentKind;
use crate::node::{Capabilities, GeoPoint, NodeKind};
use crate::order::Channel;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Most candidates one attempt lists in its explanation (the rest are counted).
pub const MAX_LISTED: usize = 50;
/// Most plans one attempt lists.
pub const MAX_PLANS_LISTED: usize = 10;

/// What the engine knows about one node for one decision.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeFacts {
    /// Node code.
    pub code: String,
    /// Kind (stores keep stock depth).
    pub kind: NodeKind,
    /// Where it is.
    pub location: GeoPoint,
    /// What it can do.
    pub capabilities: Capabilities,
    /// Handling cost per fulfillment order, fen.
    pub handling_cost: i64,
    /// Fulfillment orders it takes per day.
    pub daily_capacity: u32,
    /// Fulfillment orders routed to it so far in its local day.
    pub routed_today: u32,
    /// Opening hours (minutes from local midnight), None when unreadable.
    pub hours: Option<(u32, u32)>,
    /// Minute of its local day now.
    pub local_minute: u32,
    /// Units available to this order by SKU.
    pub available: BTreeMap<String, i64>,
    /// Days since it last sold each SKU (missing: never).
    pub days_since_sold: BTreeMap<String, u32>,
}

/// The order to route.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Channel.
    pub channel: Channel,
    /// Fulfillment kind.
    pub kind: FulfillmentKind,
    /// Customer (or pickup store) location.
    pub target: Option<GeoPoint>,
    /// What to place.
    pub needs: &'a [Need],
    /// Nodes that already refused this order.
    pub exclude: &'a [String],
    /// Same-city delivery radius (HQ business rule), for same-city orders.
    pub radius_km: Option<f64>,
}

pub use crate::routing_explanation::{Attempt, CandidateNote, Explanation, Outcome, PlanScore};

/// A decision: the plan (complete when placed, else the first profile's best partial plan
/// with what is unplaced), what to do when unplaced, and the explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The plan.
    pub plan: Plan,
    /// Whether the plan places everything.
    pub placed: bool,
    /// The last profile's fallback when not placed (`Reject` or `Hold`).
    pub fallback: Fallback,
    /// Why.
    pub explanation: Explanation,
}

type Take = Vec<(usize, i64)>; // (need index, units)

#[derive(Clone)]
struct Cand {
    parts: Vec<(usize, Take)>, // (node index, what it takes)
}

fn dist(req: &Request<'_>, n: &NodeFacts) -> Option<f64> {
    req.target.map(|t| t.distance_km(&n.location))
}

fn capable(n: &NodeFacts, kind: FulfillmentKind) -> bool {
    let store = n.kind.is_store();
    match kind {
        FulfillmentKind::Ship => n.capabilities.ship,
        FulfillmentKind::Pickup => store && n.capabilities.pickup,
        FulfillmentKind::SameCity => store && n.capabilities.same_city,
    }
}

fn hm(m: u32) -> String {
    format!("{:02}:{:02}", (m / 60) % 25, m % 60)
}

/// The first filter `n` fails, with the detail.
fn removed_by(
    config: &RoutingConfig,
    profile: &Profile,
    req: &Request<'_>,
    n: &NodeFacts,
    d: Option<f64>,
    excluded: &BTreeSet<&str>,
) -> Option<(&'static str, String)> {
    if !capable(n, req.kind) {
        return Some(("capability", format!("cannot do {} orders", req.kind.as_str())));
    }
    if req.exclude.contains(&n.code) {
        return Some(("refused_before", "the node already refused this order".into()));
    }
    let settings = config.nodes.get(&n.code);
    if settings.is_some_and(|s| s.paused) {
        return Some(("paused", "paused by HQ".into()));
    }
    if !excluded.is_empty() && settings.is_some_and(|s| s.groups.iter().any(|g| excluded.contains(g.as_str()))) {
        return Some(("channel_exclusion", format!("its group is excluded for {}", req.channel.as_str())));
    }
    if let (Some(r), Some(d)) = (req.radius_km, d) {
        if d > r {
            return Some(("same_city_radius", format!("{d:.1} km is beyond the same-city radius of {r} km")));
        }
    }
    for f in &profile.filters {
        match f {
            Filter::OpeningHours { cutoff_minutes } => match n.hours {
                None => return Some((f.name(), "opening hours unreadable".into())),
                Some(h) if !super::config::open_at(h, n.local_minute, *cutoff_minutes) => {
                    return Some((
                        f.name(),
                        format!(
                            "local time {}, open {}-{}, cut-off {} min before closing",
                            hm(n.local_minute),
                            hm(h.0),
                            hm(h.1),
                            cutoff_minutes
                        ),
                    ))
                }
                Some(_) => {}
            },
            Filter::DailyCapacity if n.routed_today >= n.daily_capacity => {
                return Some((f.name(), format!("{} of {} orders routed today", n.routed_today, n.daily_capacity)));
            }
            Filter::MaxDistance { km } => {
                if let Some(d) = d {
                    if d > f64::from(*km) {
                        return Some((f.name(), format!("{d:.1} km is beyond {km} km")));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

fn take_from(n: &NodeFacts, needs: &[Need], remaining: &[i64]) -> Take {
    let mut used: BTreeMap<&str, i64> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, need) in needs.iter().enumerate() {
        if remaining[i] <= 0 {
            continue;
        }
        let have = n.available.get(&need.sku_code).copied().unwrap_or(0);
        let u = used.entry(need.sku_code.as_str()).or_insert(0);
        let t = (have - *u).min(remaining[i]).max(0);
        if t > 0 {
            *u += t;
            out.push((i, t));
        }
    }
    out
}

fn units(t: &Take) -> i64 {
    t.iter().map(|(_, q)| q).sum()
}

/// Raw metric of a strategy for a plan; the bool says higher is better.
fn metric(s: &Strategy, c: &Cand, req: &Request<'_>, nodes: &[NodeFacts]) -> (f64, bool) {
    match s {
        Strategy::Nearest { .. } => {
            (c.parts.iter().map(|(n, _)| dist(req, &nodes[*n]).unwrap_or(0.0)).fold(0.0, f64::max), false)
        }
        Strategy::FewestSplits { .. } => (c.parts.len() as f64, false),
        Strategy::StockDepth { keep_units, .. } => {
            let keep = i64::from(*keep_units);
            let mut below = 0;
            for (n, take) in &c.parts {
                let node = &nodes[*n];
                if !node.kind.is_store() {
                    continue;
                }
                let mut by_sku: BTreeMap<&str, i64> = BTreeMap::new();
                for (i, q) in take {
                    *by_sku.entry(req.needs[*i].sku_code.as_str()).or_default() += q;
                }
                for (sku, q) in by_sku {
                    let left = node.available.get(sku).copied().unwrap_or(0) - q;
                    below += q.min((keep - left).max(0));
                }
            }
            (below as f64, false)
        }
        Strategy::LowestCost { shipping_fen_per_km, shipping_base_fen, .. } => {
            let cost: f64 = c
                .parts
                .iter()
                .map(|(n, _)| {
                    let node = &nodes[*n];
                    (node.handling_cost + shipping_base_fen) as f64
                        + *shipping_fen_per_km as f64 * dist(req, node).unwrap_or(0.0)
                })
                .sum();
            (cost.round(), false)
        }
        Strategy::AgedStock { cap_days, .. } => {
            let (mut weighted, mut total) = (0.0, 0.0);
            for (n, take) in &c.parts {
                for (i, q) in take {
                    let days = nodes[*n].days_since_sold.get(&req.needs[*i].sku_code).copied().unwrap_or(*cap_days);
                    weighted += f64::from(days.min(*cap_days)) * *q as f64;
                    total += *q as f64;
                }
            }
            (if total > 0.0 { weighted / total } else { 0.0 }, true)
        }
    }
}

struct Scored {
    idx: usize,
    metrics: Vec<f64>,
    scores: Vec<f64>,
    total: f64,
    codes: Vec<String>,
}

fn codes(c: &Cand, nodes: &[NodeFacts]) -> Vec<String> {
    c.parts.iter().map(|(n, _)| nodes[*n].code.clone()).collect()
}

/// Scores and sorts candidate plans, best first.
fn rank(profile: &Profile, req: &Request<'_>, cands: &[Cand], nodes: &[NodeFacts]) -> Vec<Scored> {
    let k = profile.strategies.len();
    let raw: Vec<Vec<(f64, bool)>> =
        cands.iter().map(|c| profile.strategies.iter().map(|s| metric(s, c, req, nodes)).collect()).collect();
    let mut out: Vec<Scored> = Vec::with_capacity(cands.len());
    let weights: Vec<f64> = profile.strategies.iter().map(|s| f64::from(s.weight())).collect();
    let wsum: f64 = weights.iter().sum();
    let (mut lo, mut hi) = (vec![f64::INFINITY; k], vec![f64::NEG_INFINITY; k]);
    for r in &raw {
        for j in 0..k {
            lo[j] = lo[j].min(r[j].0);
            hi[j] = hi[j].max(r[j].0);
        }
    }
    for (idx, r) in raw.iter().enumerate() {
        let scores: Vec<f64> = (0..k)
            .map(|j| {
                let (x, higher) = r[j];
                if hi[j] - lo[j] <= f64::EPSILON {
                    1.0
                } else if higher {
                    (x - lo[j]) / (hi[j] - lo[j])
                } else {
                    (hi[j] - x) / (hi[j] - lo[j])
                }
            })
            .collect();
        let total = match profile.ranking {
            Ranking::Weighted => scores.iter().zip(&weights).map(|(s, w)| s * w).sum::<f64>() / wsum,
            Ranking::TieBreak => scores.first().copied().unwrap_or(1.0),
        };
        out.push(Scored {
            idx,
            metrics: r.iter().map(|m| m.0).collect(),
            scores,
            total,
            codes: codes(&cands[idx], nodes),
        });
    }
    let cmp = |a: &Scored, b: &Scored| -> Ordering {
        let by_score = match profile.ranking {
            Ranking::Weighted => b.total.total_cmp(&a.total),
            Ranking::TieBreak => a
                .scores
                .iter()
                .zip(&b.scores)
                .map(|(x, y)| y.total_cmp(x))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal),
        };
        by_score.then_with(|| a.codes.cmp(&b.codes))
    };
    out.sort_by(cmp);
    out
}

/// Greedy split plan over `eligible`: most coverage first, ties ranked by the strategies.
fn split(profile: &Profile, req: &Request<'_>, eligible: &[usize], nodes: &[NodeFacts]) -> (Cand, Vec<i64>) {
    let mut remaining: Vec<i64> = req.needs.iter().map(|n| n.qty).collect();
    let mut pool: Vec<usize> = eligible.to_vec();
    let mut plan = Cand { parts: Vec::new() };
    while plan.parts.len() < profile.max_splits as usize && remaining.iter().any(|r| *r > 0) {
        let takes: Vec<(usize, Take)> =
            pool.iter().map(|n| (*n, take_from(&nodes[*n], req.needs, &remaining))).collect();
        let best = takes.iter().map(|(_, t)| units(t)).max().unwrap_or(0);
        if best == 0 {
            break;
        }
        let tied: Vec<Cand> = takes
            .into_iter()
            .filter(|(_, t)| units(t) == best)
            .map(|(n, t)| {
                let mut parts = plan.parts.clone();
                parts.push((n, t));
                Cand { parts }
            })
            .collect();
        let winner = rank(profile, req, &tied, nodes).first().map_or(0, |s| s.idx);
        let Some((n, t)) = tied.into_iter().nth(winner).and_then(|c| c.parts.last().cloned()) else { break };
        for (i, q) in &t {
            remaining[*i] -= q;
        }
        pool.retain(|p| *p != n);
        plan.parts.push((n, t));
    }
    (plan, remaining)
}

fn to_plan(c: &Cand, req: &Request<'_>, nodes: &[NodeFacts], remaining: &[i64]) -> Plan {
    let mut assignments = Vec::new();
    for (n, take) in &c.parts {
        for (i, q) in take {
            let need = &req.needs[*i];
            assignments.push(Assignment {
                node_code: nodes[*n].code.clone(),
                line_no: need.line_no,
                sku_code: need.sku_code.clone(),
                qty: *q,
            });
        }
    }
    let unplaced = req
        .needs
        .iter()
        .zip(remaining)
        .filter(|(_, r)| **r > 0)
        .map(|(n, r)| Need { line_no: n.line_no, sku_code: n.sku_code.clone(), qty: *r })
        .collect();
    Plan { assignments, unplaced }
}

fn shortfall(unplaced: &[Need]) -> String {
    let parts: Vec<String> =
        unplaced.iter().map(|u| format!("line {} ({}): {} short", u.line_no, u.sku_code, u.qty)).collect();
    parts.join("; ")
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// One profile's attempt: the plan (complete or best partial) and the notes.
fn attempt(config: &RoutingConfig, profile: &Profile, req: &Request<'_>, nodes: &[NodeFacts]) -> (Plan, bool, Attempt) {
    let excluded = config.excluded_groups(req.channel);
    let mut notes: Vec<(bool, f64, CandidateNote)> = Vec::new();
    let mut eligible: Vec<usize> = Vec::new();
    let all: Vec<i64> = req.needs.iter().map(|n| n.qty).collect();
    let mut whole: Vec<Cand> = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        let d = dist(req, n);
        let take = take_from(n, req.needs, &all);
        let fills_all = units(&take) == all.iter().sum::<i64>();
        let removed = removed_by(config, profile, req, n, d, &excluded);
        if removed.is_none() {
            eligible.push(i);
            if fills_all {
                whole.push(Cand { parts: vec![(i, take)] });
            }
        }
        let (removed_by, detail) = match removed {
            Some((f, d)) => (Some(f.to_string()), Some(d)),
            None => (None, None),
        };
        notes.push((
            removed_by.is_some(),
            d.unwrap_or(0.0),
            CandidateNote { node_code: n.code.clone(), removed_by, detail, distance_km: d.map(round3), fills_all },
        ));
    }
    let mut cands = whole;
    let mut partial: Option<(Cand, Vec<i64>)> = None;
    // The split plan takes the node covering most first: when one node fills everything it
    // would be that node alone, a whole plan already listed. So split only when none does.
    if profile.max_splits > 1 && eligible.len() > 1 && cands.is_empty() {
        let (c, remaining) = split(profile, req, &eligible, nodes);
        if remaining.iter().all(|r| *r <= 0) {
            cands.push(c);
        } else {
            partial = Some((c, remaining));
        }
    }
    notes.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.node_code.cmp(&b.2.node_code)));
    let omitted = notes.len().saturating_sub(MAX_LISTED) as u32;
    let candidates: Vec<CandidateNote> = notes.into_iter().take(MAX_LISTED).map(|n| n.2).collect();
    let names: Vec<String> = profile.strategies.iter().map(|s| s.name().to_string()).collect();
    if cands.is_empty() {
        let (plan, reason) = match partial {
            Some((c, remaining)) => {
                let plan = to_plan(&c, req, nodes, &remaining);
                let more = if c.parts.len() >= profile.max_splits as usize {
                    format!(" within {} nodes", profile.max_splits)
                } else {
                    String::new()
                };
                let reason = format!("not enough stock at eligible nodes{more}: {}", shortfall(&plan.unplaced));
                (plan, reason)
            }
            None => {
                let plan = Plan { assignments: Vec::new(), unplaced: req.needs.to_vec() };
                let reason = if eligible.is_empty() {
                    if candidates.is_empty() {
                        "no node holds the SKUs".to_string()
                    } else {
                        "every node holding the SKUs was removed by a filter".to_string()
                    }
                } else {
                    format!("no eligible node fills every line: {}", shortfall(&plan.unplaced))
                };
                (plan, reason)
            }
        };
        let a = Attempt {
            profile: profile.name.clone(),
            candidates,
            omitted,
            plans: Vec::new(),
            placed: false,
            reason: Some(reason),
        };
        return (plan, false, a);
    }
    let ranked = rank(profile, req, &cands, nodes);
    let best = ranked[0].idx;
    let plans = ranked
        .iter()
        .take(MAX_PLANS_LISTED)
        .map(|s| PlanScore {
            nodes: s.codes.clone(),
            metrics: names.iter().cloned().zip(s.metrics.iter().map(|m| round3(*m))).collect(),
            scores: names.iter().cloned().zip(s.scores.iter().map(|m| round3(*m))).collect(),
            total: round3(s.total),
            chosen: s.idx == best,
        })
        .collect();
    let zero = vec![0; req.needs.len()];
    let plan = to_plan(&cands[best], req, nodes, &zero);
    (plan, true, Attempt { profile: profile.name.clone(), candidates, omitted, plans, placed: true, reason: None })
}

/// Routes one order through the profile chain `config` selects for it. `nodes` are the
/// nodes holding any needed SKU (others cannot help and are not listed).
pub fn decide(config: &RoutingConfig, version: i64, req: &Request<'_>, nodes: &[NodeFacts]) -> Decision {
    let chain = config.chain(req.channel, req.kind);
    let mut attempts = Vec::new();
    let mut first: Option<Plan> = None;
    let mut fallback = Fallback::Reject;
    for profile in chain {
        let (plan, placed, a) = attempt(config, profile, req, nodes);
        attempts.push(a);
        if placed {
            let nodes_used = plan.nodes();
            return Decision {
                plan,
                placed: true,
                fallback: Fallback::Reject,
                explanation: Explanation {
                    config_version: version,
                    outcome: Outcome::Placed,
                    profile: Some(profile.name.clone()),
                    nodes: nodes_used,
                    reason: None,
                    attempts,
                },
            };
        }
        first.get_or_insert(plan);
        fallback = profile.fallback.clone();
    }
    let plan = first.unwrap_or_else(|| Plan { assignments: Vec::new(), unplaced: req.needs.to_vec() });
    let outcome = if fallback == Fallback::Hold { Outcome::Held } else { Outcome::Rejected };
    let reason = attempts.last().and_then(|a| a.reason.clone()).or(Some("no routing profile applies".into()));
    Decision {
        plan,
        placed: false,
        fallback,
        explanation: Explanation {
            config_version: version,
            outcome,
            profile: None,
            nodes: Vec::new(),
            reason,
            attempts,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::config::Selection;
    use super::*;
    use proptest::prelude::{any, prop_assert, prop_assert_eq, prop_oneof, proptest, ProptestConfig};
    use proptest::strategy::Strategy as _;

    fn node(code: &str, lat: f64, stock: &[(&str, i64)]) -> NodeFacts {
        NodeFacts {
            code: code.into(),
            kind: NodeKind::DirectStore,
            location: GeoPoint { lat, lon: 121.0 },
            capabilities: Capabilities { ship: true, pickup: true, same_city: true },
            handling_cost: 500,
            daily_capacity: 100,
            routed_today: 0,
            hours: Some((600, 1320)),
            local_minute: 720,
            available: stock.iter().map(|(s, q)| (s.to_string(), *q)).collect(),
            days_since_sold: BTreeMap::new(),
        }
    }

    fn need(line: u32, sku: &str, qty: i64) -> Need {
        Need { line_no: line, sku_code: sku.into(), qty }
    }

    fn req<'a>(needs: &'a [Need], exclude: &'a [String]) -> Request<'a> {
        Request {
            channel: Channel::Tmall,
            kind: FulfillmentKind::Ship,
            target: Some(GeoPoint { lat: 31.0, lon: 121.0 }),
            needs,
            exclude,
            radius_km: None,
        }
    }

    fn one_profile(p: Profile) -> RoutingConfig {
        RoutingConfig {
            default_profile: p.name.clone(),
            profiles: vec![p],
            selections: Vec::<Selection>::new(),
            nodes: BTreeMap::new(),
            channel_exclusions: Vec::new(),
        }
    }

    fn profile(strategies: Vec<Strategy>, ranking: Ranking, filters: Vec<Filter>) -> Profile {
        Profile { name: "p".into(), filters, ranking, strategies, max_splits: 3, fallback: Fallback::Hold }
    }

    #[test]
    fn the_built_in_profiles_route_as_before() {
        let nodes = [
            node("FAR", 40.0, &[("A", 5), ("B", 5)]),
            node("NEAR", 31.1, &[("A", 5), ("B", 5)]),
            node("NEAREST", 31.0, &[("A", 5)]),
        ];
        let needs = [need(1, "A", 1), need(2, "B", 1)];
        let d = decide(&RoutingConfig::default(), 0, &req(&needs, &[]), &nodes);
        assert!(d.placed);
        assert_eq!(d.plan.nodes(), vec!["NEAR".to_string()]);
        assert_eq!(d.explanation.attempts[0].plans[0].nodes, vec!["NEAR".to_string()]);
        let exclude = ["NEAR".to_string()];
        let d = decide(&RoutingConfig::default(), 0, &req(&needs, &exclude), &nodes);
        assert_eq!(d.plan.nodes(), vec!["FAR".to_string()]);
        let note = d.explanation.attempts[0].candidates.iter().find(|c| c.node_code == "NEAR").unwrap();
        assert_eq!(note.removed_by.as_deref(), Some("refused_before"));
    }

    #[test]
    fn filters_say_which_removed_a_node() {
        let mut closed = node("CLOSED", 31.0, &[("A", 5)]);
        closed.local_minute = 21 * 60 + 45;
        let mut full = node("FULL", 31.0, &[("A", 5)]);
        full.routed_today = 100;
        let far = node("FAR", 35.0, &[("A", 5)]);
        let ok = node("OK", 31.2, &[("A", 5)]);
        let filters =
            vec![Filter::OpeningHours { cutoff_minutes: 30 }, Filter::DailyCapacity, Filter::MaxDistance { km: 100 }];
        let config = one_profile(profile(vec![Strategy::Nearest { weight: 1 }], Ranking::TieBreak, filters));
        let needs = [need(1, "A", 1)];
        let d = decide(&config, 7, &req(&needs, &[]), &[closed, full, far, ok]);
        assert_eq!(d.plan.nodes(), vec!["OK".to_string()]);
        assert_eq!(d.explanation.config_version, 7);
        let by: BTreeMap<_, _> = d.explanation.attempts[0]
            .candidates
            .iter()
            .map(|c| (c.node_code.as_str(), c.removed_by.clone().unwrap_or_default()))
            .collect();
        assert_eq!(by["CLOSED"], "opening_hours");
        assert_eq!(by["FULL"], "daily_capacity");
        assert_eq!(by["FAR"], "max_distance");
        assert_eq!(by["OK"], "");
    }

    #[test]
    fn weighted_cost_beats_distance_when_it_weighs_more() {
        let mut cheap = node("CHEAP", 31.5, &[("A", 5)]);
        cheap.handling_cost = 0;
        let mut dear = node("DEAR", 31.0, &[("A", 5)]);
        dear.handling_cost = 5000;
        let strategies = vec![
            Strategy::Nearest { weight: 1 },
            Strategy::LowestCost { weight: 5, shipping_fen_per_km: 1, shipping_base_fen: 0 },
        ];
        let config = one_profile(profile(strategies, Ranking::Weighted, vec![]));
        let needs = [need(1, "A", 1)];
        let d = decide(&config, 1, &req(&needs, &[]), &[cheap.clone(), dear.clone()]);
        assert_eq!(d.plan.nodes(), vec!["CHEAP".to_string()]);
        let config = one_profile(profile(vec![Strategy::Nearest { weight: 1 }], Ranking::Weighted, vec![]));
        let d = decide(&config, 1, &req(&needs, &[]), &[cheap, dear]);
        assert_eq!(d.plan.nodes(), vec!["DEAR".to_string()]);
    }

    #[test]
    fn stock_depth_and_aged_stock_rank() {
        let shallow = node("SHALLOW", 31.0, &[("A", 2)]);
        let deep = node("DEEP", 31.3, &[("A", 20)]);
        let needs = [need(1, "A", 1)];
        let s = vec![Strategy::StockDepth { weight: 1, keep_units: 3 }, Strategy::Nearest { weight: 1 }];
        let d = decide(&one_profile(profile(s, Ranking::TieBreak, vec![])), 1, &req(&needs, &[]), &[shallow, deep]);
        assert_eq!(d.plan.nodes(), vec!["DEEP".to_string()]);
        let mut fresh = node("FRESH", 31.0, &[("A", 5)]);
        fresh.days_since_sold.insert("A".into(), 1);
        let mut stale = node("STALE", 31.3, &[("A", 5)]);
        stale.days_since_sold.insert("A".into(), 200);
        let s = vec![Strategy::AgedStock { weight: 1, cap_days: 90 }, Strategy::Nearest { weight: 1 }];
        let d = decide(&one_profile(profile(s, Ranking::TieBreak, vec![])), 1, &req(&needs, &[]), &[fresh, stale]);
        assert_eq!(d.plan.nodes(), vec!["STALE".to_string()]);
    }

    #[test]
    fn max_splits_caps_and_falls_back() {
        let nodes = [node("X", 31.0, &[("A", 1)]), node("Y", 31.1, &[("B", 1)]), node("Z", 31.2, &[("C", 1)])];
        let needs = [need(1, "A", 1), need(2, "B", 1), need(3, "C", 1)];
        let mut p = profile(vec![Strategy::FewestSplits { weight: 1 }], Ranking::TieBreak, vec![]);
        p.max_splits = 2;
        p.fallback = Fallback::Next { profile: "wide".into() };
        let mut wide = p.clone();
        wide.name = "wide".into();
        wide.max_splits = 3;
        wide.fallback = Fallback::Hold;
        let mut config = one_profile(p);
        config.profiles.push(wide);
        config.validate().unwrap();
        let d = decide(&config, 1, &req(&needs, &[]), &nodes);
        assert!(d.placed);
        assert_eq!(d.explanation.profile.as_deref(), Some("wide"));
        assert_eq!(d.explanation.attempts.len(), 2);
        assert!(d.explanation.attempts[0].reason.as_deref().unwrap().contains("within 2 nodes"));
        config.profiles[1].max_splits = 1;
        let d = decide(&config, 1, &req(&needs, &[]), &nodes);
        assert!(!d.placed);
        assert_eq!(d.fallback, Fallback::Hold);
        assert_eq!(d.explanation.outcome, Outcome::Held);
    }

    #[test]
    fn exclusions_and_pauses_come_from_hq_settings() {
        let mut config = RoutingConfig::default();
        config.nodes.insert(
            "F".into(),
            super::super::config::NodeRouting { groups: vec!["franchise".into()], ..Default::default() },
        );
        config.nodes.insert("P".into(), super::super::config::NodeRouting { paused: true, ..Default::default() });
        config
            .channel_exclusions
            .push(super::super::config::ChannelExclusion { channel: Channel::Tmall, group: "franchise".into() });
        let nodes = [node("F", 31.0, &[("A", 1)]), node("P", 31.0, &[("A", 1)]), node("D", 33.0, &[("A", 1)])];
        let needs = [need(1, "A", 1)];
        let d = decide(&config, 2, &req(&needs, &[]), &nodes);
        assert_eq!(d.plan.nodes(), vec!["D".to_string()]);
        let mut r = req(&needs, &[]);
        r.channel = Channel::Jd;
        let d = decide(&config, 2, &r, &nodes);
        assert_eq!(d.plan.nodes(), vec!["F".to_string()]);
    }

    fn arb_strategy() -> impl proptest::strategy::Strategy<Value = super::super::config::Strategy> {
        use super::super::config::Strategy as S;
        prop_oneof![
            (1u32..5).prop_map(|weight| S::Nearest { weight }),
            (1u32..5).prop_map(|weight| S::FewestSplits { weight }),
            (1u32..5, 0u32..5).prop_map(|(weight, keep_units)| S::StockDepth { weight, keep_units }),
            (1u32..5, 0i64..50).prop_map(|(weight, k)| S::LowestCost {
                weight,
                shipping_fen_per_km: k,
                shipping_base_fen: 100
            }),
            (1u32..5, 1u32..100).prop_map(|(weight, cap_days)| S::AgedStock { weight, cap_days }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// Whatever the profile: a plan never takes more than an eligible node has, never
        /// uses a removed node or more than max_splits nodes, and placed + unplaced = needed;
        /// a placed decision places everything.
        #[test]
        fn decisions_respect_stock_filters_and_caps(
            stocks in proptest::collection::vec((proptest::collection::vec(0i64..4, 3), any::<bool>(), 0u32..3), 1..8),
            qtys in proptest::collection::vec(1i64..4, 1..5),
            strategies in proptest::collection::vec(arb_strategy(), 1..4),
            weighted in any::<bool>(),
            max_splits in 1u32..4,
        ) {
            let skus = ["A", "B", "C"];
            let nodes: Vec<NodeFacts> = stocks.iter().enumerate().map(|(i, (s, ship, used))| {
                let mut n = node(&format!("N{i}"), 30.0 + i as f64 * 0.3, &[]);
                n.available = skus.iter().zip(s).map(|(k, q)| (k.to_string(), *q)).collect();
                n.capabilities.ship = *ship;
                n.daily_capacity = 1;
                n.routed_today = *used;
                n.days_since_sold.insert("A".into(), i as u32 * 7);
                n
            }).collect();
            let needs: Vec<Need> = qtys.iter().enumerate().map(|(i, q)| need(i as u32 + 1, skus[i % 3], *q)).collect();
            let mut seen = std::collections::BTreeSet::new();
            let strategies: Vec<_> = strategies.into_iter().filter(|s| seen.insert(s.name())).collect();
            let mut p = profile(strategies, if weighted { Ranking::Weighted } else { Ranking::TieBreak }, vec![Filter::DailyCapacity]);
            p.max_splits = max_splits;
            let config = one_profile(p);
            prop_assert!(config.validate().is_ok());
            let d = decide(&config, 1, &req(&needs, &[]), &nodes);
            prop_assert!(d.plan.nodes().len() <= max_splits as usize);
            for n in &nodes {
                let used = d.plan.assignments.iter().any(|a| a.node_code == n.code);
                if used {
                    prop_assert!(n.capabilities.ship && n.routed_today < n.daily_capacity);
                }
                for sku in skus {
                    let given: i64 = d.plan.assignments.iter().filter(|a| a.node_code == n.code && a.sku_code == sku).map(|a| a.qty).sum();
                    prop_assert!(given <= n.available[sku]);
                }
            }
            for n in &needs {
                let placed: i64 = d.plan.assignments.iter().filter(|a| a.line_no == n.line_no).map(|a| a.qty).sum();
                let unplaced: i64 = d.plan.unplaced.iter().filter(|u| u.line_no == n.line_no).map(|u| u.qty).sum();
                prop_assert_eq!(placed + unplaced, n.qty);
            }
            prop_assert_eq!(d.placed, d.plan.unplaced.is_empty());
            prop_assert_eq!(d.explanation.attempts.len(), 1);
        }
    }
}
