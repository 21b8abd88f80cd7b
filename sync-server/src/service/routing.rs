//! Routing as HQ configures it: gathers what the engine (`shared::routing::engine`) needs
//! from storage (stock, HQ's node settings, each node's local time and today's count, when
//! it last sold a SKU), keeps the versioned configuration, expands kits into components,
//! and runs HQ's overrides: dry-run, the needs-attention queue, manual reassignment.
//!
//! Intake, reroute and [`super::intake::route_existing`] all route through [`decide`], so
//! every path uses the same profiles and records the same explanation.

use super::ServiceError;
use crate::storage::{catalogue, ledger, orders, routing as store, Tx};
use chrono::{TimeZone, Timelike};
use chrono_tz::Tz;
use shared::fulfillment::{FulfillmentKind, FulfillmentState};
use shared::node::{GeoPoint, Node};
use shared::order::{Channel, OrderStatus};
use shared::routing::config::{Filter, NodeRouting, RoutingConfig, Strategy};
use shared::routing::engine::{self, Decision, Explanation, NodeFacts, Outcome, Request};
use shared::routing::{HeldOrder, HeldPage, Need, RoutingConfigView};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Most held orders one page lists.
pub const MAX_HELD_PAGE: u32 = 500;

/// What to route.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    /// Channel.
    pub channel: Channel,
    /// Fulfillment kind.
    pub kind: FulfillmentKind,
    /// Customer (or pickup store) location.
    pub target: Option<GeoPoint>,
    /// The one node allowed (the pickup store), if any.
    pub only: Option<&'a str>,
    /// Nodes that refused the order.
    pub exclude: &'a [String],
    /// Lines, kits already expanded into components.
    pub needs: &'a [Need],
    /// The store that placed the order (its own safety stock counts).
    pub own_store: Option<&'a str>,
    /// The campaign whose lock the lines draw on.
    pub campaign: Option<&'a str>,
}

/// A decision with what carrying it out needs.
pub struct Routed {
    /// The engine's decision.
    pub decision: Decision,
    /// SKUs served from the campaign's lock (reserve them from it).
    pub locked: BTreeSet<String>,
    /// The configuration used (time zones for the daily counts).
    pub config: RoutingConfig,
}

fn zone(name: &str) -> Tz {
    name.parse::<Tz>().unwrap_or(chrono_tz::Asia::Shanghai)
}

/// Minute of the local day and the local date (`YYYY-MM-DD`) at `now` in `zone`.
pub fn local_time(zone_name: &str, now: i64) -> (u32, String) {
    let tz = zone(zone_name);
    match tz.timestamp_millis_opt(now).single() {
        Some(t) => (t.hour() * 60 + t.minute(), t.format("%Y-%m-%d").to_string()),
        None => (0, "1970-01-01".into()),
    }
}

/// The config in force.
pub fn current(tx: &mut dyn Tx) -> Result<(i64, RoutingConfig), ServiceError> {
    Ok(store::current(tx)?)
}

fn view(version: i64, config: RoutingConfig, stored_ms: Option<i64>) -> RoutingConfigView {
    RoutingConfigView { version, stored_at: stored_ms.map(crate::clock::at_ms), config }
}

/// `GET /api/v1/routing/config`.
pub fn config(tx: &mut dyn Tx) -> Result<RoutingConfigView, ServiceError> {
    let (version, config) = store::current(tx)?;
    let stored = store::current_stored_ms(tx)?;
    Ok(view(version, config, stored))
}

/// One stored version.
pub fn config_version(tx: &mut dyn Tx, version: i64) -> Result<RoutingConfigView, ServiceError> {
    if version == 0 {
        return Ok(view(0, RoutingConfig::default(), None));
    }
    let (config, ms) =
        store::version(tx, version)?.ok_or_else(|| ServiceError::not_found("routing config version", version))?;
    Ok(view(version, config, Some(ms)))
}

/// Validates and stores `config` as the next version.
pub fn put_config(tx: &mut dyn Tx, config: &RoutingConfig, now: i64) -> Result<RoutingConfigView, ServiceError> {
    config.validate().map_err(|e| ServiceError::invalid(e.code, e.message))?;
    let known: BTreeSet<String> = catalogue::all_nodes(tx)?.into_iter().map(|n| n.code).collect();
    for (code, n) in &config.nodes {
        if !known.contains(code) {
            return Err(ServiceError::invalid("unknown_node", format!("nodes names unknown node {code:?}")));
        }
        if n.time_zone.parse::<Tz>().is_err() {
            return Err(ServiceError::invalid(
                "invalid_time_zone",
                format!("nodes[{code}].time_zone {:?} is not an IANA zone (e.g. Asia/Shanghai)", n.time_zone),
            ));
        }
    }
    let version = store::store(tx, config, now)?;
    Ok(view(version, config.clone(), Some(now)))
}

/// Sets HQ's routing settings of one node (a new version of the configuration).
pub fn put_node(
    tx: &mut dyn Tx,
    code: &str,
    settings: &NodeRouting,
    now: i64,
) -> Result<RoutingConfigView, ServiceError> {
    if catalogue::node(tx, code)?.is_none() {
        return Err(ServiceError::not_found("node", code));
    }
    let (_, mut config) = store::current(tx)?;
    config.nodes.insert(code.to_string(), settings.clone());
    put_config(tx, &config, now)
}

/// Expands kit lines into their components (a kit line of 2 with components A×1, B×2
/// needs A 2 and B 4, all under the kit's line number); other lines stay as they are.
pub fn expand_kits(tx: &mut dyn Tx, needs: &[Need]) -> Result<Vec<Need>, ServiceError> {
    let mut out = Vec::with_capacity(needs.len());
    for n in needs {
        match catalogue::bundle(tx, &n.sku_code)? {
            Some(b) => {
                for c in b.components {
                    out.push(Need { line_no: n.line_no, sku_code: c.sku_code, qty: n.qty.saturating_mul(c.qty.get()) });
                }
            }
            None => out.push(n.clone()),
        }
    }
    Ok(out)
}

/// Network availability rows with kits added: a kit's availability is the minimum over
/// its components of `available / qty` (rows for SKUs in `items` and kits after `after`
/// up to the page's last SKU, or up to `limit` kits when the page is not full).
pub fn with_kits(
    tx: &mut dyn Tx,
    items: Vec<(String, i64)>,
    after: &str,
    limit: u32,
) -> Result<Vec<(String, i64)>, ServiceError> {
    let full = items.len() as u32 >= limit;
    let upto = items.last().map(|i| i.0.clone());
    let mut by_sku: BTreeMap<String, i64> = items.into_iter().collect();
    for kit in catalogue::bundle_codes_after(tx, after, limit)? {
        if full && upto.as_deref().is_some_and(|u| kit.as_str() > u) {
            break;
        }
        let avail = kit_available(tx, &kit)?;
        by_sku.insert(kit, avail);
    }
    Ok(by_sku.into_iter().take(limit as usize).collect())
}

/// Units of a kit the network can fill: the minimum over its components of the network
/// availability divided by the component's quantity (0 when `sku` is not a kit).
pub fn kit_available(tx: &mut dyn Tx, sku: &str) -> Result<i64, ServiceError> {
    let Some(b) = catalogue::bundle(tx, sku)? else { return Ok(0) };
    let mut min = i64::MAX;
    for c in &b.components {
        let total: i64 = ledger::availability(tx, &c.sku_code, None)?.iter().map(|(_, q)| q).sum();
        min = min.min(total / c.qty.get().max(1));
    }
    Ok(if min == i64::MAX { 0 } else { min })
}

fn uses_capacity(config: &RoutingConfig, chain: &[&shared::routing::config::Profile]) -> bool {
    let _ = config;
    chain.iter().any(|p| p.filters.iter().any(|f| matches!(f, Filter::DailyCapacity)))
}

fn uses_aged(chain: &[&shared::routing::config::Profile]) -> bool {
    chain.iter().any(|p| p.strategies.iter().any(|s| matches!(s, Strategy::AgedStock { .. })))
}

/// Routes `ask` through the profiles HQ configured for it: reads, writes nothing.
pub fn decide(tx: &mut dyn Tx, ask: &Ask<'_>, now: i64) -> Result<Routed, ServiceError> {
    let (version, config) = store::current(tx)?;
    let nodes: BTreeMap<String, Node> = catalogue::all_nodes(tx)?
        .into_iter()
        .filter(|n| ask.only.is_none_or(|o| o == n.code))
        .map(|n| (n.code.clone(), n))
        .collect();
    let mut available: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut locked = BTreeSet::new();
    let mut skus: Vec<&str> = ask.needs.iter().map(|n| n.sku_code.as_str()).collect();
    skus.sort_unstable();
    skus.dedup();
    for sku in &skus {
        let mut rows = Vec::new();
        if let Some(c) = ask.campaign {
            rows = super::campaigns::lock_availability(tx, c, sku, now)?;
            if !rows.is_empty() {
                locked.insert(sku.to_string());
            }
        }
        if !locked.contains(*sku) {
            rows = ledger::availability(tx, sku, ask.own_store)?;
        }
        for (node, qty) in rows {
            if nodes.contains_key(&node) && qty > 0 {
                available.entry(node).or_default().insert(sku.to_string(), qty);
            }
        }
    }
    let chain = config.chain(ask.channel, ask.kind);
    let capacity = uses_capacity(&config, &chain);
    let aged = uses_aged(&chain);
    let mut clocks: BTreeMap<String, (u32, String)> = BTreeMap::new();
    let mut counts: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
    let mut sold: BTreeMap<&str, BTreeMap<String, i64>> = BTreeMap::new();
    if aged {
        for sku in &skus {
            sold.insert(sku, store::last_sold(tx, sku)?);
        }
    }
    let mut facts = Vec::with_capacity(available.len());
    for (code, stock) in available {
        let n = &nodes[&code];
        let tz = config.nodes.get(&code).map_or(shared::routing::config::DEFAULT_TIME_ZONE, |s| s.time_zone.as_str());
        let (minute, day) = clocks.entry(tz.to_string()).or_insert_with(|| local_time(tz, now)).clone();
        let routed_today = if capacity {
            if !counts.contains_key(&day) {
                let c = store::routed_on(tx, &day)?;
                counts.insert(day.clone(), c);
            }
            counts[&day].get(&code).copied().unwrap_or(0)
        } else {
            0
        };
        let days_since_sold = sold
            .iter()
            .filter_map(|(sku, by_node)| {
                by_node.get(&code).map(|at| (sku.to_string(), ((now - at).max(0) / 86_400_000) as u32))
            })
            .collect();
        facts.push(NodeFacts {
            code: code.clone(),
            kind: n.kind,
            location: n.location,
            capabilities: n.capabilities,
            handling_cost: n.handling_cost.0,
            daily_capacity: n.daily_capacity,
            routed_today,
            hours: shared::routing::config::parse_hours(&n.opening_hours),
            local_minute: minute,
            available: stock,
            days_since_sold,
        });
    }
    let radius_km = if ask.kind == FulfillmentKind::SameCity {
        Some(f64::from(super::settings::business_rules(tx)?.same_city_radius_km))
    } else {
        None
    };
    let req = Request {
        channel: ask.channel,
        kind: ask.kind,
        target: ask.target,
        needs: ask.needs,
        exclude: ask.exclude,
        radius_km,
    };
    let decision = engine::decide(&config, version, &req, &facts);
    Ok(Routed { decision, locked, config })
}

/// Counts a fulfillment order routed to `node` today (its local day).
pub fn count_routed(tx: &mut dyn Tx, config: &RoutingConfig, node: &str, now: i64) -> Result<(), ServiceError> {
    let tz = config.nodes.get(node).map_or(shared::routing::config::DEFAULT_TIME_ZONE, |s| s.time_zone.as_str());
    let (_, day) = local_time(tz, now);
    Ok(store::count_routed(tx, node, &day)?)
}

/// Records a decision for an order.
pub fn record(tx: &mut dyn Tx, order_id: Uuid, e: &Explanation, now: i64) -> Result<(), ServiceError> {
    Ok(store::insert_decision(tx, order_id, e, now)?)
}

/// The latest decision of an order.
pub fn latest(tx: &mut dyn Tx, order_id: Uuid) -> Result<Option<Explanation>, ServiceError> {
    Ok(store::latest_decision(tx, order_id)?)
}

fn parse_cursor(after: &str) -> Result<(i64, String), ServiceError> {
    if after.is_empty() {
        return Ok((i64::MIN, String::new()));
    }
    let bad = || ServiceError::invalid("invalid_cursor", "after is a cursor from an earlier page's next");
    let (ms, id) = after.split_once('_').ok_or_else(bad)?;
    let ms: i64 = ms.parse().map_err(|_| bad())?;
    if id.len() > 64 {
        return Err(bad());
    }
    Ok((ms, id.to_string()))
}

/// HQ's needs-attention queue: held orders, oldest first.
pub fn held(tx: &mut dyn Tx, after: &str, limit: u32) -> Result<HeldPage, ServiceError> {
    let limit = limit.clamp(1, MAX_HELD_PAGE);
    let (ms, id) = parse_cursor(after)?;
    let rows = orders::orders_in_status(tx, OrderStatus::Held, ms, &id, limit)?;
    let next =
        (rows.len() as u32 == limit).then(|| rows.last().map(|r| format!("{}_{}", r.created_ms, r.id))).flatten();
    Ok(HeldPage {
        items: rows
            .into_iter()
            .map(|r| HeldOrder {
                order_id: r.id,
                channel: r.channel,
                channel_order_id: r.channel_order_id,
                fulfillment: r.fulfillment,
                reason: r.held_reason.unwrap_or_default(),
                created_at: crate::clock::at_ms(r.created_ms),
            })
            .collect(),
        next,
    })
}

/// HQ moves a fulfillment order (or some of its lines) to `node_code`: the lines' stock is
/// reserved there and released where it was, in one transaction; the fulfillment order
/// that gave up lines changes (or is cancelled when it gave up all) and a new one is
/// created at the node, so both stores' devices see it on their next pull. Returns the
/// order's id.
pub fn reassign(
    tx: &mut dyn Tx,
    fo_id: Uuid,
    req: &shared::routing::ReassignRequest,
    now: i64,
) -> Result<Uuid, ServiceError> {
    super::text::check("node_code", &req.node_code, shared::text::Rule::ANY)?;
    let mut fo = orders::fulfillment_for_update(tx, fo_id)?
        .ok_or_else(|| ServiceError::not_found("fulfillment order", fo_id))?;
    if !matches!(fo.state, FulfillmentState::Routed | FulfillmentState::Accepted) {
        return Err(ServiceError::conflict(
            "not_reassignable",
            format!("fulfillment order {fo_id} is {}; only routed or accepted ones can move", fo.state.as_str()),
        ));
    }
    let node = catalogue::node(tx, &req.node_code)?
        .ok_or_else(|| ServiceError::invalid("unknown_node", format!("no node {:?}", req.node_code)))?;
    if node.code == fo.node_code {
        return Err(ServiceError::invalid("same_node", format!("the lines are already at {}", node.code)));
    }
    let capable = match fo.kind {
        FulfillmentKind::Ship => node.capabilities.ship,
        FulfillmentKind::Pickup => node.kind.is_store() && node.capabilities.pickup,
        FulfillmentKind::SameCity => node.kind.is_store() && node.capabilities.same_city,
    };
    if !capable {
        return Err(ServiceError::invalid(
            "node_cannot_fulfil",
            format!("{} cannot do {} orders", node.code, fo.kind.as_str()),
        ));
    }
    let lines = orders::fulfillment_lines(tx, fo_id)?;
    let chosen: Vec<u32> = match &req.lines {
        None => lines.iter().map(|l| l.line_no).collect(),
        Some(list) => {
            if list.is_empty() || list.len() > lines.len() {
                return Err(ServiceError::invalid(
                    "invalid_lines",
                    "lines names 1 or more lines of the fulfillment order",
                ));
            }
            let mut seen = BTreeSet::new();
            for n in list {
                if !seen.insert(*n) || !lines.iter().any(|l| l.line_no == *n) {
                    return Err(ServiceError::invalid(
                        "invalid_lines",
                        format!("line {n} is not a line of fulfillment order {fo_id}, or appears twice"),
                    ));
                }
            }
            list.clone()
        }
    };
    let order = orders::order(tx, fo.order_id)?.ok_or_else(|| ServiceError::not_found("order", fo.order_id))?;
    let new_id = Uuid::now_v7();
    let row = orders::FulfillmentRow::routed(new_id, fo.order_id, node.code.clone(), fo.kind, now);
    orders::insert_fulfillment(tx, &row)?;
    let mut moved = Vec::new();
    for (i, l) in lines.iter().filter(|l| chosen.contains(&l.line_no)).enumerate() {
        let reservation = Uuid::now_v7().to_string();
        let ok = if order.placed_at_store.as_deref() == Some(node.code.as_str()) {
            ledger::try_reserve_own_shelf(tx, &reservation, &node.code, &l.sku_code, l.qty, now)?
        } else {
            ledger::try_reserve(tx, &reservation, None, &node.code, &l.sku_code, l.qty, now)?
        };
        if !ok {
            return Err(ServiceError::conflict(
                "insufficient_stock",
                format!("{} has fewer than {} units of {} available", node.code, l.qty, l.sku_code),
            ));
        }
        if let Some(r) = &l.reservation_id {
            ledger::close_reservation(tx, r, ledger::Close::Release, &fo_id.to_string(), now)?;
        }
        orders::insert_fulfillment_line(
            tx,
            new_id,
            i as u32 + 1,
            l.order_line_no,
            &l.sku_code,
            l.qty,
            Some(&reservation),
        )?;
        orders::delete_fulfillment_line(tx, fo_id, l.line_no)?;
        moved.push(format!("{} ({} × {})", l.order_line_no, l.sku_code, l.qty));
    }
    let from = fo.node_code.clone();
    if chosen.len() == lines.len() {
        fo.state = FulfillmentState::Cancelled;
        fo.reject_reason = Some(format!("moved to {} by HQ", node.code));
    }
    orders::update_fulfillment(tx, &fo, now)?;
    let (version, config) = store::current(tx)?;
    count_routed(tx, &config, &node.code, now)?;
    let e = Explanation {
        config_version: version,
        outcome: Outcome::Reassigned,
        profile: None,
        nodes: vec![node.code.clone()],
        reason: Some(format!("HQ moved order lines {} from {from} to {}", moved.join(", "), node.code)),
        attempts: Vec::new(),
    };
    record(tx, order.id, &e, now)?;
    Ok(order.id)
}
