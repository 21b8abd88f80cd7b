//! HQ's routing configuration as data (路由规则): rule profiles, which profile serves which
//! (channel, fulfillment kind), HQ's per-node routing settings and channel exclusions by
//! node group.
//!
//! One document, stored whole and versioned (every change is version n+1, and every
//! routing decision records the version it used). It arrives by `PUT
//! /api/v1/routing/config` or from a file (`sync-server routing apply --file F`, JSON or
//! TOML, the same document). [`RoutingConfig::validate`] is the one place its rules live;
//! nothing here knows about time zones' tables or storage (the server checks zone names).

use crate::fulfillment::FulfillmentKind;
use crate::order::Channel;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Most profiles in one document.
pub const MAX_PROFILES: usize = 64;
/// Most filters or strategies in one profile.
pub const MAX_RULES: usize = 16;
/// Most nodes one plan may split an order over.
pub const MAX_SPLITS: u32 = 100;
/// The zone a node's opening hours are read in unless HQ sets another.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// A hard filter: a node it fails is not a candidate (the explanation names the filter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Filter {
    /// The node can do the order's fulfillment kind (ship; pickup and same-city at stores).
    Capability,
    /// HQ has not paused the node.
    Paused,
    /// The node is in no group excluded for the order's channel.
    ChannelExclusion,
    /// The node is open now in its time zone, and closes no sooner than `cutoff_minutes`
    /// from now (orders after the cut-off wait for another node).
    OpeningHours {
        /// Minutes before closing after which the node takes no new orders.
        cutoff_minutes: u32,
    },
    /// The node has routed fewer fulfillment orders today (its local day) than its daily
    /// capacity.
    DailyCapacity,
    /// The node is at most `km` from the customer (or the pickup store).
    MaxDistance {
        /// Kilometres.
        km: u32,
    },
}

impl Filter {
    /// Name used in explanations.
    pub fn name(&self) -> &'static str {
        match self {
            Filter::Capability => "capability",
            Filter::Paused => "paused",
            Filter::ChannelExclusion => "channel_exclusion",
            Filter::OpeningHours { .. } => "opening_hours",
            Filter::DailyCapacity => "daily_capacity",
            Filter::MaxDistance { .. } => "max_distance",
        }
    }
}

fn one() -> u32 {
    1
}

/// A ranking strategy over candidate plans, with its weight (used when the profile ranks
/// by weighted sum; ignored for ordered tie-breaks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Strategy {
    /// 就近: the farthest node of the plan is as near the customer as possible.
    Nearest {
        /// Weight, 1 to 1000.
        #[serde(default = "one")]
        weight: u32,
    },
    /// 就全: as few nodes (parcels) as possible.
    FewestSplits {
        /// Weight, 1 to 1000.
        #[serde(default = "one")]
        weight: u32,
    },
    /// 库存深度优先: avoid leaving fewer than `keep_units` of a SKU on a store's shelf
    /// (counts the units a plan takes below that line at stores; warehouses never count).
    StockDepth {
        /// Weight, 1 to 1000.
        #[serde(default = "one")]
        weight: u32,
        /// Units of each SKU a store should keep on its shelf.
        keep_units: u32,
    },
    /// Lowest cost: each node's handling cost plus a shipping estimate of
    /// `shipping_base_fen + shipping_fen_per_km × distance`.
    LowestCost {
        /// Weight, 1 to 1000.
        #[serde(default = "one")]
        weight: u32,
        /// Shipping estimate per kilometre, fen.
        shipping_fen_per_km: i64,
        /// Shipping estimate per parcel, fen.
        #[serde(default)]
        shipping_base_fen: i64,
    },
    /// Prefer slow-moving (aged) stock: units from nodes that sold the SKU longest ago
    /// (days since the node's last fulfilment movement of it; never sold counts as
    /// `cap_days`, and so does anything older).
    AgedStock {
        /// Weight, 1 to 1000.
        #[serde(default = "one")]
        weight: u32,
        /// Days at which stock counts as fully aged.
        cap_days: u32,
    },
}

impl Strategy {
    /// Name used in explanations.
    pub fn name(&self) -> &'static str {
        match self {
            Strategy::Nearest { .. } => "nearest",
            Strategy::FewestSplits { .. } => "fewest_splits",
            Strategy::StockDepth { .. } => "stock_depth",
            Strategy::LowestCost { .. } => "lowest_cost",
            Strategy::AgedStock { .. } => "aged_stock",
        }
    }

    /// Its weight.
    pub fn weight(&self) -> u32 {
        match self {
            Strategy::Nearest { weight }
            | Strategy::FewestSplits { weight }
            | Strategy::StockDepth { weight, .. }
            | Strategy::LowestCost { weight, .. }
            | Strategy::AgedStock { weight, .. } => *weight,
        }
    }
}

/// How a profile combines its strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Ranking {
    /// Each strategy scores plans 0..1 (best 1); the highest weighted sum wins.
    Weighted,
    /// The first strategy decides; the next only breaks its ties, and so on.
    #[default]
    TieBreak,
}

/// What happens when a profile cannot place the whole order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fallback {
    /// Refuse the order (409 insufficient_stock); nothing is written.
    Reject,
    /// Accept it and hold it in HQ's needs-attention queue with the reason
    /// (`OrderStatus::Held`), to be routed when HQ retries or reassigns it.
    Hold,
    /// Try the named profile next.
    Next {
        /// Profile name.
        profile: String,
    },
}

/// A rule profile: hard filters, then ranking strategies, then a fallback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Unique name, e.g. `double11_ship`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub name: String,
    /// Filters, applied in order (the first a node fails is the one named).
    #[serde(default)]
    pub filters: Vec<Filter>,
    /// How strategies combine.
    #[serde(default)]
    pub ranking: Ranking,
    /// Strategies, in tie-break order.
    pub strategies: Vec<Strategy>,
    /// Most nodes the order may be split over (1: never split), 1 to 100.
    pub max_splits: u32,
    /// What happens when this profile cannot place the order.
    pub fallback: Fallback,
}

/// Which profile serves orders of a channel and fulfillment kind; `None` matches any. The
/// first matching selection wins, else the default profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// Channel, or any.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// Fulfillment kind, or any.
    #[serde(default)]
    pub fulfillment: Option<FulfillmentKind>,
    /// Profile name.
    pub profile: String,
}

fn default_zone() -> String {
    DEFAULT_TIME_ZONE.to_string()
}

/// HQ's routing settings of one node (kept here, not in the imported node, so master-data
/// imports from the ERP never overwrite them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NodeRouting {
    /// HQ paused it: the `paused` filter removes it.
    #[serde(default)]
    pub paused: bool,
    /// Groups it belongs to, e.g. `franchise`, `east_china`.
    #[serde(default)]
    pub groups: Vec<String>,
    /// IANA time zone its opening hours are in (default Asia/Shanghai).
    #[serde(default = "default_zone")]
    pub time_zone: String,
}

impl Default for NodeRouting {
    fn default() -> Self {
        NodeRouting { paused: false, groups: Vec::new(), time_zone: default_zone() }
    }
}

/// Nodes of `group` do not fulfil orders of `channel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChannelExclusion {
    /// Channel.
    pub channel: Channel,
    /// Node group.
    pub group: String,
}

/// The whole routing configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RoutingConfig {
    /// Rule profiles.
    pub profiles: Vec<Profile>,
    /// Profile per (channel, fulfillment kind), first match wins.
    #[serde(default)]
    pub selections: Vec<Selection>,
    /// Profile used when no selection matches.
    pub default_profile: String,
    /// HQ's settings per node code; a node not listed has the defaults.
    #[serde(default)]
    pub nodes: BTreeMap<String, NodeRouting>,
    /// Channel exclusions by node group.
    #[serde(default)]
    pub channel_exclusions: Vec<ChannelExclusion>,
}

/// A configuration refused, with the API's error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Error code (`invalid_routing_config`).
    pub code: &'static str,
    /// What is wrong, naming the field.
    pub message: String,
}

fn bad(message: String) -> ConfigError {
    ConfigError { code: "invalid_routing_config", message }
}

fn name_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

impl Default for RoutingConfig {
    /// The built-in configuration (version 0) until HQ stores one: what routing did before
    /// profiles existed. Ship orders go to the nearest node that fills every line, else the
    /// fewest nodes; pickup and same-city orders are never split; a shortfall refuses the
    /// order.
    fn default() -> Self {
        let base = [Filter::Capability, Filter::Paused, Filter::ChannelExclusion];
        let profile = |name: &str, max_splits| Profile {
            name: name.into(),
            filters: base.to_vec(),
            ranking: Ranking::TieBreak,
            strategies: vec![Strategy::FewestSplits { weight: 1 }, Strategy::Nearest { weight: 1 }],
            max_splits,
            fallback: Fallback::Reject,
        };
        RoutingConfig {
            profiles: vec![profile("default_ship", MAX_SPLITS), profile("default_local", 1)],
            selections: vec![
                Selection {
                    channel: None,
                    fulfillment: Some(FulfillmentKind::Pickup),
                    profile: "default_local".into(),
                },
                Selection {
                    channel: None,
                    fulfillment: Some(FulfillmentKind::SameCity),
                    profile: "default_local".into(),
                },
            ],
            default_profile: "default_ship".into(),
            nodes: BTreeMap::new(),
            channel_exclusions: Vec::new(),
        }
    }
}

impl RoutingConfig {
    /// The profile with this name.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// The profile that serves (channel, kind).
    pub fn select(&self, channel: Channel, kind: FulfillmentKind) -> &str {
        self.selections
            .iter()
            .find(|s| s.channel.is_none_or(|c| c == channel) && s.fulfillment.is_none_or(|k| k == kind))
            .map_or(self.default_profile.as_str(), |s| s.profile.as_str())
    }

    /// The profiles tried for (channel, kind), in order: the selected one, then its
    /// `next` fallbacks (validation guarantees the chain ends).
    pub fn chain(&self, channel: Channel, kind: FulfillmentKind) -> Vec<&Profile> {
        let mut out: Vec<&Profile> = Vec::new();
        let mut name = self.select(channel, kind);
        while let Some(p) = self.profile(name) {
            if out.iter().any(|q| q.name == p.name) {
                break;
            }
            out.push(p);
            match &p.fallback {
                Fallback::Next { profile } => name = profile,
                _ => break,
            }
        }
        out
    }

    /// HQ's settings of a node (the defaults when not listed).
    pub fn node(&self, code: &str) -> NodeRouting {
        self.nodes.get(code).cloned().unwrap_or_default()
    }

    /// Groups excluded for `channel`.
    pub fn excluded_groups(&self, channel: Channel) -> BTreeSet<&str> {
        self.channel_exclusions.iter().filter(|e| e.channel == channel).map(|e| e.group.as_str()).collect()
    }

    /// Whether the node `code` may fulfil orders of `channel` (no exclusion by its groups).
    /// Pausing is not an exclusion: a paused node still holds the channel's stock.
    pub fn channel_allows(&self, channel: Channel, code: &str) -> bool {
        let excluded = self.excluded_groups(channel);
        excluded.is_empty()
            || !self.nodes.get(code).is_some_and(|n| n.groups.iter().any(|g| excluded.contains(g.as_str())))
    }

    /// Checks the document: names, numbers in range, references resolve, fallback chains
    /// end. Node codes and time-zone names are checked by the server, which knows them.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.profiles.is_empty() || self.profiles.len() > MAX_PROFILES {
            return Err(bad(format!("profiles: 1 to {MAX_PROFILES} profiles")));
        }
        let mut names = BTreeSet::new();
        for (i, p) in self.profiles.iter().enumerate() {
            let at = format!("profiles[{i}]");
            if !name_ok(&p.name) {
                return Err(bad(format!("{at}.name: 1 to 64 letters, digits, '_', '-' or '.'")));
            }
            if !names.insert(p.name.as_str()) {
                return Err(bad(format!("{at}.name: profile {:?} appears twice", p.name)));
            }
            if p.filters.len() > MAX_RULES || p.strategies.is_empty() || p.strategies.len() > MAX_RULES {
                return Err(bad(format!("{at}: up to {MAX_RULES} filters and 1 to {MAX_RULES} strategies")));
            }
            let mut seen = BTreeSet::new();
            for f in &p.filters {
                if !seen.insert(f.name()) {
                    return Err(bad(format!("{at}.filters: {} appears twice", f.name())));
                }
                match f {
                    Filter::OpeningHours { cutoff_minutes } if *cutoff_minutes > 720 => {
                        return Err(bad(format!("{at}.filters: opening_hours cutoff_minutes is 0 to 720")));
                    }
                    Filter::MaxDistance { km } if *km == 0 || *km > 20_000 => {
                        return Err(bad(format!("{at}.filters: max_distance km is 1 to 20000")));
                    }
                    _ => {}
                }
            }
            let mut seen = BTreeSet::new();
            for s in &p.strategies {
                if !seen.insert(s.name()) {
                    return Err(bad(format!("{at}.strategies: {} appears twice", s.name())));
                }
                if s.weight() == 0 || s.weight() > 1000 {
                    return Err(bad(format!("{at}.strategies: {} weight is 1 to 1000", s.name())));
                }
                match s {
                    Strategy::StockDepth { keep_units, .. } if *keep_units > 100_000 => {
                        return Err(bad(format!("{at}.strategies: stock_depth keep_units is 0 to 100000")));
                    }
                    Strategy::LowestCost { shipping_fen_per_km, shipping_base_fen, .. }
                        if !(0..=1_000_000).contains(shipping_fen_per_km)
                            || !(0..=100_000_000).contains(shipping_base_fen) =>
                    {
                        return Err(bad(format!(
                            "{at}.strategies: lowest_cost shipping_fen_per_km is 0 to 1000000 and shipping_base_fen 0 to 100000000"
                        )));
                    }
                    Strategy::AgedStock { cap_days, .. } if *cap_days == 0 || *cap_days > 3650 => {
                        return Err(bad(format!("{at}.strategies: aged_stock cap_days is 1 to 3650")));
                    }
                    _ => {}
                }
            }
            if p.max_splits == 0 || p.max_splits > MAX_SPLITS {
                return Err(bad(format!("{at}.max_splits is 1 to {MAX_SPLITS}")));
            }
        }
        let known = |n: &str| names.contains(n);
        for (i, p) in self.profiles.iter().enumerate() {
            if let Fallback::Next { profile } = &p.fallback {
                if !known(profile) {
                    return Err(bad(format!("profiles[{i}].fallback names unknown profile {profile:?}")));
                }
            }
            // Follow the chain: it must end in reject or hold, never loop.
            let mut visited = BTreeSet::new();
            let mut cur = p;
            while let Fallback::Next { profile } = &cur.fallback {
                if !visited.insert(cur.name.as_str()) {
                    return Err(bad(format!("profiles[{i}].fallback: the chain from {:?} loops", p.name)));
                }
                match self.profile(profile) {
                    Some(next) => cur = next,
                    None => break,
                }
            }
        }
        if !known(&self.default_profile) {
            return Err(bad(format!("default_profile names unknown profile {:?}", self.default_profile)));
        }
        if self.selections.len() > MAX_PROFILES * 8 {
            return Err(bad(format!("selections: at most {}", MAX_PROFILES * 8)));
        }
        for (i, s) in self.selections.iter().enumerate() {
            if !known(&s.profile) {
                return Err(bad(format!("selections[{i}].profile names unknown profile {:?}", s.profile)));
            }
        }
        if self.nodes.len() > 100_000 {
            return Err(bad("nodes: at most 100000".into()));
        }
        for (code, n) in &self.nodes {
            if code.is_empty() || code.len() > 32 {
                return Err(bad(format!("nodes: node code {code:?} is 1 to 32 characters")));
            }
            if n.groups.len() > 32 || n.groups.iter().any(|g| !name_ok(g)) {
                return Err(bad(format!(
                    "nodes[{code}].groups: up to 32 names of 1 to 64 letters, digits, '_', '-' or '.'"
                )));
            }
            if n.time_zone.is_empty() || n.time_zone.len() > 64 {
                return Err(bad(format!("nodes[{code}].time_zone is an IANA zone name, e.g. Asia/Shanghai")));
            }
        }
        if self.channel_exclusions.len() > 1000 {
            return Err(bad("channel_exclusions: at most 1000".into()));
        }
        for (i, e) in self.channel_exclusions.iter().enumerate() {
            if !name_ok(&e.group) {
                return Err(bad(format!("channel_exclusions[{i}].group: 1 to 64 letters, digits, '_', '-' or '.'")));
            }
        }
        Ok(())
    }
}

/// Opening hours `HH:MM-HH:MM` as minutes from local midnight (close may be 24:00 and
/// may be before open: the node closes after midnight). None when unreadable.
pub fn parse_hours(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.trim().split_once('-')?;
    let hm = |t: &str| -> Option<u32> {
        let (h, m) = t.trim().split_once(':')?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return None;
        }
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
    };
    let (open, close) = (hm(a)?, hm(b)?);
    (open != close && open < 24 * 60).then_some((open, close))
}

/// Whether a node with `hours` takes an order at `minute` of its local day, `cutoff`
/// minutes before closing at the latest.
pub fn open_at(hours: (u32, u32), minute: u32, cutoff: u32) -> bool {
    let (open, close) = hours;
    // Minutes from opening, on a 24-hour clock that wraps past midnight.
    let span = (close + 1440 - open) % 1440;
    let span = if span == 0 { 1440 } else { span };
    let since = (minute % 1440 + 1440 - open) % 1440;
    since + cutoff < span
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::{prop_assert, proptest};

    #[test]
    fn the_built_in_config_is_valid_and_selects_by_kind() {
        let c = RoutingConfig::default();
        c.validate().unwrap();
        assert_eq!(c.select(Channel::Tmall, FulfillmentKind::Ship), "default_ship");
        assert_eq!(c.select(Channel::Tmall, FulfillmentKind::SameCity), "default_local");
        assert_eq!(c.chain(Channel::Jd, FulfillmentKind::Pickup).len(), 1);
    }

    #[test]
    fn loops_and_unknown_names_are_refused() {
        let mut c = RoutingConfig::default();
        c.profiles[0].fallback = Fallback::Next { profile: "default_local".into() };
        c.profiles[1].fallback = Fallback::Next { profile: "default_ship".into() };
        assert!(c.validate().unwrap_err().message.contains("loops"));
        let c = RoutingConfig { default_profile: "nope".into(), ..Default::default() };
        assert!(c.validate().is_err());
        let mut c = RoutingConfig::default();
        c.profiles[0].max_splits = 0;
        assert!(c.validate().is_err());
        let mut c = RoutingConfig::default();
        c.profiles[0].strategies.push(Strategy::Nearest { weight: 2 });
        assert!(c.validate().unwrap_err().message.contains("twice"));
    }

    #[test]
    fn documents_read_as_json() {
        let doc = r#"{"profiles":[{"name":"p","filters":[{"kind":"opening_hours","cutoff_minutes":30},{"kind":"max_distance","km":50}],
            "ranking":"weighted","strategies":[{"kind":"lowest_cost","weight":3,"shipping_fen_per_km":20},{"kind":"nearest"}],
            "max_splits":2,"fallback":{"kind":"hold"}}],"default_profile":"p",
            "nodes":{"SH-1":{"groups":["franchise"]}},"channel_exclusions":[{"channel":"douyin","group":"franchise"}]}"#;
        let c: RoutingConfig = serde_json::from_str(doc).unwrap();
        c.validate().unwrap();
        assert_eq!(c.node("SH-1").time_zone, "Asia/Shanghai");
        assert!(!c.channel_allows(Channel::Douyin, "SH-1"));
        assert!(c.channel_allows(Channel::Tmall, "SH-1"));
        assert!(serde_json::from_str::<RoutingConfig>(&doc.replace("\"km\":50", "\"km\":50,\"x\":1")).is_err());
    }

    #[test]
    fn hours_and_cutoff() {
        let h = parse_hours("10:00-22:00").unwrap();
        assert!(open_at(h, 10 * 60, 30));
        assert!(open_at(h, 21 * 60 + 29, 30));
        assert!(!open_at(h, 21 * 60 + 30, 30));
        assert!(!open_at(h, 9 * 60 + 59, 0));
        let all = parse_hours("00:00-24:00").unwrap();
        assert!(open_at(all, 0, 0) && open_at(all, 1439, 0));
        let night = parse_hours("22:00-02:00").unwrap();
        assert!(open_at(night, 23 * 60, 0) && open_at(night, 60, 0) && !open_at(night, 3 * 60, 0));
        assert_eq!(parse_hours("25:00-26:00"), None);
        assert_eq!(parse_hours("10-22"), None);
        assert_eq!(parse_hours(""), None);
    }

    proptest! {
        /// The cut-off only ever narrows the window, and an open node is open at opening time.
        #[test]
        fn cutoff_narrows(open in 0u32..1440, len in 1u32..1440, minute in 0u32..2880, cut in 0u32..720) {
            let h = (open, (open + len) % 1440);
            if open_at(h, minute, cut) { prop_assert!(open_at(h, minute, 0)); }
            if cut < len { prop_assert!(open_at(h, open, cut)); }
        }
    }
}
