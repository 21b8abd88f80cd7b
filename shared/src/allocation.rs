//! Channel allocation (库存分配 / 渠道库存): how much of the one stock pool each sales channel
//! may sell, as a pure function of the pool, so the server, its tests and the property tests
//! share one rule.
//!
//! HQ's [`AllocationConfig`] is a list of [`AllocationRule`]s, each for a SKU group (all,
//! a style, a SKU list); the first rule whose group holds a SKU decides for it, else the
//! config's default plan. A rule has a *deep* plan and optionally a *shallow* one, with a
//! [`Switch`]: when the SKU's total available falls below `below` the shallow plan applies,
//! and the deep one again only once it is back at `back_at` or more (hysteresis, see
//! [`next_depth`]).
//!
//! A [`Plan`] shares the pool out in a fixed order that never gives the same unit twice:
//! 1. `safety_units` are held back from every channel (they stay for the stores' own shelves);
//! 2. each [`Share::Ratio`] channel gets an exclusive carve-out of `percent` of what is left
//!    after the safety (in list order);
//! 3. [`Share::Priority`] channels, by rank, each take what is left (up to `max_units`)
//!    exclusively: the first channels are served first when stock is shallow;
//! 4. every [`Share::Shared`] channel may sell all of what remains (they compete for the
//!    same units, so only the largest of them counts against the pool).
//!
//! Every carve-out takes concrete units from the nodes the channel may draw from (HQ's
//! channel exclusions by node group), and a shared channel sees only the remainder at its
//! nodes, so: each channel's published quantity ≤ what its nodes can fulfil, and the sum of
//! the carve-outs plus the largest shared quantity ≤ the pool (杜绝超卖). A channel's daily
//! cap bounds its quantity by what it may still sell today. A channel a plan does not name
//! publishes 0; `store` (endless aisle and carry-out in a store) is never limited and may not
//! appear in a plan.

use crate::order::Channel;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::BTreeSet;

/// The SKUs a rule is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SkuGroup {
    /// Every SKU.
    All,
    /// Every SKU of a style (款).
    Style {
        /// Style code.
        style: String,
    },
    /// The SKUs listed.
    Skus {
        /// SKU codes.
        skus: Vec<String>,
    },
}

impl SkuGroup {
    /// Whether the group holds `sku` of style `style` (None: unknown style).
    pub fn holds(&self, sku: &str, style: Option<&str>) -> bool {
        match self {
            SkuGroup::All => true,
            SkuGroup::Style { style: s } => style == Some(s.as_str()),
            SkuGroup::Skus { skus } => skus.iter().any(|k| k == sku),
        }
    }
}

/// How a channel shares in a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Share {
    /// Sells all of what the carve-outs leave (100% sharing), with the other shared channels.
    Shared,
    /// An exclusive carve-out: `percent` (1–100) of the pool after the safety units.
    Ratio {
        /// Percent of the pool.
        percent: u32,
    },
    /// An exclusive carve-out of what is left, served by rank (lower first), up to
    /// `max_units` if set.
    Priority {
        /// Rank: 0 is served first.
        rank: u32,
        /// At most this many units.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_units: Option<i64>,
    },
}

/// One channel's part of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelShare {
    /// The channel.
    pub channel: Channel,
    /// How it shares.
    pub share: Share,
    /// At most this many units of a SKU sold on the channel per day (HQ's time zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_cap: Option<i64>,
}

/// How a SKU's pool is shared out to channels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    /// Units of the pool no channel is given (safety threshold).
    #[serde(default)]
    pub safety_units: i64,
    /// The channels that may sell, each once.
    pub channels: Vec<ChannelShare>,
}

impl Plan {
    /// Every online channel shares 100% of the pool: the built-in default.
    pub fn share_all() -> Plan {
        Plan {
            safety_units: 0,
            channels: crate::order::ALL_CHANNELS
                .iter()
                .filter(|c| **c != Channel::Store)
                .map(|c| ChannelShare { channel: *c, share: Share::Shared, daily_cap: None })
                .collect(),
        }
    }
}

/// When a rule switches between its deep and shallow plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Switch {
    /// Switch to the shallow plan when the SKU's total available falls below this.
    pub below: i64,
    /// Back to the deep plan once it is at least this (greater than `below`).
    pub back_at: i64,
}

/// A rule for a SKU group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationRule {
    /// Name, unique in the config (letters, digits, `_-.:`).
    pub name: String,
    /// The SKUs it is for.
    pub group: SkuGroup,
    /// The plan while stock is deep.
    pub deep: Plan,
    /// The plan while stock is shallow (with `switch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shallow: Option<Plan>,
    /// When to switch (with `shallow`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch: Option<Switch>,
}

/// HQ's allocation configuration (stored versioned: each change is version n+1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationConfig {
    /// IANA time zone of the day daily caps count in (default `Asia/Shanghai`); the server
    /// checks the name.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// Rules, first match wins.
    #[serde(default)]
    pub rules: Vec<AllocationRule>,
    /// The plan of SKUs no rule holds.
    #[serde(default = "Plan::share_all")]
    pub default_plan: Plan,
}

fn default_time_zone() -> String {
    "Asia/Shanghai".to_string()
}

impl Default for AllocationConfig {
    /// Version 0, until HQ stores one: every online channel shares 100%.
    fn default() -> Self {
        AllocationConfig { time_zone: default_time_zone(), rules: Vec::new(), default_plan: Plan::share_all() }
    }
}

/// Largest number of rules, of SKUs in a list, of units in any quantity.
pub const MAX_RULES: usize = 500;
/// Largest SKU list of a rule.
pub const MAX_GROUP_SKUS: usize = 10_000;
/// Largest quantity in a plan or switch (units).
pub const MAX_UNITS: i64 = 1_000_000_000;

/// A configuration refused, naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocationError {
    /// What is wrong.
    pub message: String,
}

fn bad(message: String) -> AllocationError {
    AllocationError { message }
}

fn units_ok(n: i64) -> bool {
    (0..=MAX_UNITS).contains(&n)
}

impl Plan {
    /// Checks the plan; `at` names it in messages.
    pub fn validate(&self, at: &str) -> Result<(), AllocationError> {
        if !units_ok(self.safety_units) {
            return Err(bad(format!("{at}.safety_units must be 0..={MAX_UNITS}, not {}", self.safety_units)));
        }
        let mut seen = BTreeSet::new();
        let mut percent = 0u32;
        for (i, c) in self.channels.iter().enumerate() {
            let here = format!("{at}.channels[{i}]");
            if c.channel == Channel::Store {
                return Err(bad(format!("{here}: the store channel is never limited and has no allocation")));
            }
            if !seen.insert(c.channel) {
                return Err(bad(format!("{here}: channel {} appears twice", c.channel.as_str())));
            }
            if let Some(cap) = c.daily_cap {
                if !units_ok(cap) {
                    return Err(bad(format!("{here}.daily_cap must be 0..={MAX_UNITS}, not {cap}")));
                }
            }
            match &c.share {
                Share::Shared => {}
                Share::Ratio { percent: p } => {
                    if !(1..=100).contains(p) {
                        return Err(bad(format!("{here}.share.percent must be 1..=100, not {p}")));
                    }
                    percent += p;
                }
                Share::Priority { rank, max_units } => {
                    if *rank > 1000 {
                        return Err(bad(format!("{here}.share.rank must be 0..=1000, not {rank}")));
                    }
                    if let Some(m) = max_units {
                        if !units_ok(*m) {
                            return Err(bad(format!("{here}.share.max_units must be 0..={MAX_UNITS}, not {m}")));
                        }
                    }
                }
            }
        }
        if percent > 100 {
            return Err(bad(format!("{at}: the ratio channels' percents add up to {percent}, more than 100")));
        }
        Ok(())
    }
}

fn rule_name_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
}

impl AllocationConfig {
    /// Checks the configuration (all but the time zone's name, which the server checks).
    pub fn validate(&self) -> Result<(), AllocationError> {
        if self.time_zone.is_empty() || self.time_zone.len() > 64 {
            return Err(bad("time_zone must be an IANA time zone name such as Asia/Shanghai".into()));
        }
        if self.rules.len() > MAX_RULES {
            return Err(bad(format!("at most {MAX_RULES} rules, not {}", self.rules.len())));
        }
        self.default_plan.validate("default_plan")?;
        let mut names = BTreeSet::new();
        for (i, r) in self.rules.iter().enumerate() {
            let at = format!("rules[{i}]");
            if !rule_name_ok(&r.name) {
                return Err(bad(format!("{at}.name must be 1–64 letters, digits or _-.: (got {:?})", r.name)));
            }
            if !names.insert(r.name.as_str()) {
                return Err(bad(format!("{at}.name {} is used twice", r.name)));
            }
            match &r.group {
                SkuGroup::All => {}
                SkuGroup::Style { style } => {
                    if style.trim().is_empty() || style.len() > 64 {
                        return Err(bad(format!("{at}.group.style must be a style code")));
                    }
                }
                SkuGroup::Skus { skus } => {
                    if skus.is_empty() || skus.len() > MAX_GROUP_SKUS {
                        return Err(bad(format!("{at}.group.skus must list 1..={MAX_GROUP_SKUS} SKU codes")));
                    }
                    let mut seen = BTreeSet::new();
                    for s in skus {
                        if s.trim().is_empty() || s.len() > 64 {
                            return Err(bad(format!("{at}.group.skus holds an empty or too long SKU code")));
                        }
                        if !seen.insert(s.as_str()) {
                            return Err(bad(format!("{at}.group.skus lists {s} twice")));
                        }
                    }
                }
            }
            r.deep.validate(&format!("{at}.deep"))?;
            match (&r.shallow, &r.switch) {
                (None, None) => {}
                (Some(p), Some(s)) => {
                    p.validate(&format!("{at}.shallow"))?;
                    if !units_ok(s.below) || !units_ok(s.back_at) || s.back_at <= s.below {
                        return Err(bad(format!(
                            "{at}.switch needs 0 <= below < back_at <= {MAX_UNITS} (got below {} back_at {})",
                            s.below, s.back_at
                        )));
                    }
                }
                _ => return Err(bad(format!("{at}: shallow and switch go together (both or neither)"))),
            }
        }
        Ok(())
    }

    /// The rule deciding for `sku` of style `style`, if any (first match).
    pub fn rule_for(&self, sku: &str, style: Option<&str>) -> Option<&AllocationRule> {
        self.rules.iter().find(|r| r.group.holds(sku, style))
    }

    /// Whether some rule's group is a style (the SKU's style must then be looked up).
    pub fn needs_style(&self) -> bool {
        self.rules.iter().any(|r| matches!(r.group, SkuGroup::Style { .. }))
    }
}

/// Which of a rule's plans is in force for a SKU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Depth {
    /// Stock is deep: the deep plan.
    #[default]
    Deep,
    /// Stock is shallow: the shallow plan.
    Shallow,
}

impl Depth {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Depth::Deep => "deep",
            Depth::Shallow => "shallow",
        }
    }
    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Depth> {
        [Depth::Deep, Depth::Shallow].into_iter().find(|d| d.as_str() == s)
    }
}

/// The depth after the SKU's total available became `total`: shallow below `below`, deep
/// again only at `back_at` or more; in between it stays as it was. No switch: always deep.
pub fn next_depth(current: Depth, total: i64, switch: Option<&Switch>) -> Depth {
    let Some(s) = switch else { return Depth::Deep };
    match current {
        Depth::Deep if total < s.below => Depth::Shallow,
        Depth::Shallow if total >= s.back_at => Depth::Deep,
        d => d,
    }
}

impl AllocationRule {
    /// The plan of a depth.
    pub fn plan(&self, depth: Depth) -> &Plan {
        match (depth, &self.shallow) {
            (Depth::Shallow, Some(p)) => p,
            _ => &self.deep,
        }
    }
}

/// What a channel may sell of one SKU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Published {
    /// The channel.
    pub channel: Channel,
    /// Units it may sell.
    pub quantity: i64,
    /// Whether those units are its own (a ratio or priority carve-out) rather than shared.
    pub exclusive: bool,
}

/// Takes up to `want` units from the nodes `eligible` allows, in node order; answers how many.
fn take(rem: &mut [i64], want: i64, eligible: impl Fn(usize) -> bool) -> i64 {
    let mut left = want.max(0);
    for (i, r) in rem.iter_mut().enumerate() {
        if left == 0 {
            break;
        }
        if *r > 0 && eligible(i) {
            let t = (*r).min(left);
            *r -= t;
            left -= t;
        }
    }
    want.max(0) - left
}

/// What each channel of `plan` may sell of a SKU: `available[i]` is the sellable
/// availability at node i (negatives count as 0), `allows(channel, i)` whether the channel
/// may draw from node i, `cap_left(channel)` what it may still sell today under its daily
/// cap (called only for channels with one). One entry per channel of the plan, in plan
/// order.
pub fn publish(
    plan: &Plan,
    available: &[i64],
    allows: impl Fn(Channel, usize) -> bool,
    cap_left: impl Fn(Channel) -> i64,
) -> Vec<Published> {
    let mut rem: Vec<i64> = available.iter().map(|a| (*a).max(0)).collect();
    take(&mut rem, plan.safety_units, |_| true);
    let base: i64 = rem.iter().sum();
    let limit = |c: &ChannelShare| c.daily_cap.map(|_| cap_left(c.channel).max(0)).unwrap_or(i64::MAX);
    let mut out: Vec<Option<Published>> = vec![None; plan.channels.len()];
    for (k, c) in plan.channels.iter().enumerate() {
        if let Share::Ratio { percent } = c.share {
            let target = ((base as i128 * percent.min(100) as i128) / 100) as i64;
            let q = take(&mut rem, target.min(limit(c)), |i| allows(c.channel, i));
            out[k] = Some(Published { channel: c.channel, quantity: q, exclusive: true });
        }
    }
    let mut by_rank: Vec<(u32, usize)> = plan
        .channels
        .iter()
        .enumerate()
        .filter_map(|(k, c)| match c.share {
            Share::Priority { rank, .. } => Some((rank, k)),
            _ => None,
        })
        .collect();
    by_rank.sort();
    for (_, k) in by_rank {
        let c = &plan.channels[k];
        let Share::Priority { max_units, .. } = c.share else { continue };
        let want = max_units.unwrap_or(i64::MAX).min(limit(c));
        let q = take(&mut rem, want, |i| allows(c.channel, i));
        out[k] = Some(Published { channel: c.channel, quantity: q, exclusive: true });
    }
    for (k, c) in plan.channels.iter().enumerate() {
        if c.share == Share::Shared {
            let at_nodes: i64 = rem.iter().enumerate().filter(|(i, _)| allows(c.channel, *i)).map(|(_, r)| *r).sum();
            out[k] = Some(Published { channel: c.channel, quantity: at_nodes.min(limit(c)), exclusive: false });
        }
    }
    out.into_iter().flatten().collect()
}

/// The sum rule of a set of published quantities: the exclusive carve-outs plus the
/// largest shared quantity, i.e. the most the channels together can sell.
pub fn committed(published: &[Published]) -> i64 {
    let exclusive: i64 = published.iter().filter(|p| p.exclusive).map(|p| p.quantity).sum();
    let shared = published.iter().filter(|p| !p.exclusive).map(|p| p.quantity).max().unwrap_or(0);
    exclusive + shared
}

/// The signature header value of a webhook body: `t=<ms>,v1=<hex HMAC-SHA256 of "<ms>.<body>">`
/// with the channel's signing secret. The receiver recomputes it to check the sender and
/// refuses old timestamps to stop replays.
pub fn webhook_signature(secret: &str, timestamp_ms: i64, body: &[u8]) -> String {
    format!("t={timestamp_ms},v1={}", webhook_mac(secret, timestamp_ms, body))
}

fn webhook_mac(secret: &str, timestamp_ms: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp_ms.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    crate::secret::to_hex(&mac.finalize().into_bytes())
}

/// Checks a signature header from [`webhook_signature`] in constant time.
pub fn verify_webhook_signature(secret: &str, header: &str, body: &[u8]) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1 = Some(v),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else { return false };
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    match crate::secret::from_hex(v1) {
        Some(expected) => mac.verify_slice(&expected).is_ok(),
        None => false,
    }
}

/// HQ's allocation configuration in force, with its version (0: the built-in one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationConfigView {
    /// Version (each change stores the next).
    pub version: i64,
    /// When it was stored (None: built in).
    pub stored_ms: Option<i64>,
    /// The configuration.
    pub config: AllocationConfig,
}

/// One channel's quantity of a SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelQuantity {
    /// The channel.
    pub channel: Channel,
    /// Units it may sell now.
    pub quantity: i64,
    /// Its own carve-out (ratio or priority) rather than shared.
    pub exclusive: bool,
    /// Units it sold today (HQ's time zone; counted for channels with a daily cap).
    pub sold_today: i64,
    /// Its daily cap, if any.
    pub daily_cap: Option<i64>,
}

/// How a SKU is shared out to channels now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkuAllocation {
    /// SKU.
    pub sku_code: String,
    /// Sellable available over every node (on-hand − reserved − safety − locked).
    pub total_available: i64,
    /// The rule deciding (None: the default plan).
    pub rule: Option<String>,
    /// Deep or shallow plan.
    pub depth: Depth,
    /// The configuration version used.
    pub config_version: i64,
    /// Units held back from every channel.
    pub safety_units: i64,
    /// Every online channel (0 for those the plan does not name).
    pub channels: Vec<ChannelQuantity>,
    /// Its last switches, newest first.
    pub switches: Vec<SwitchRecord>,
}

/// A recorded switch of a SKU between a rule's deep and shallow plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SwitchRecord {
    /// Id (increasing).
    pub id: i64,
    /// SKU.
    pub sku_code: String,
    /// The rule.
    pub rule: String,
    /// The configuration version in force.
    pub config_version: i64,
    /// Before.
    pub from: Depth,
    /// After.
    pub to: Depth,
    /// The SKU's total available that caused it.
    pub total_available: i64,
    /// The threshold crossed (`below` going shallow, `back_at` going deep).
    pub threshold: i64,
    /// When (None when the stock change that caused it did not say).
    pub at_ms: Option<i64>,
}

/// A page of switches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SwitchPage {
    /// Newest first.
    pub switches: Vec<SwitchRecord>,
    /// Pass as `before` for the next (older) page; None at the end.
    pub next_before: Option<i64>,
}

/// One entry of a channel's stock feed: the SKU's current published quantity, served once
/// after its last change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedEntry {
    /// The channel's sequence number of this change (increasing per channel, in commit order).
    pub seq: i64,
    /// SKU.
    pub sku_code: String,
    /// Units the channel may sell.
    pub quantity: i64,
    /// Its own carve-out rather than shared.
    pub exclusive: bool,
    /// Deep or shallow plan.
    pub depth: Depth,
    /// The configuration version used.
    pub config_version: i64,
}

/// A page of a channel's stock feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedPage {
    /// The channel.
    pub channel: Channel,
    /// Entries after the cursor, by sequence.
    pub entries: Vec<FeedEntry>,
    /// Pass as `after` for the next page (the last entry's sequence, or the cursor).
    pub next_after: i64,
    /// Whether more entries follow now.
    pub more: bool,
}

/// What a webhook receives: a batch of feed entries, at least once; a receiver applies an
/// entry only if its `seq` is above the last it applied (idempotent by sequence). Signed in
/// the `X-Signature` header (see [`webhook_signature`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookBatch {
    /// The channel.
    pub channel: Channel,
    /// Entries by sequence.
    pub entries: Vec<FeedEntry>,
}

/// HQ's webhook settings for a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// http(s) URL the batches are POSTed to.
    pub url: String,
    /// The signing secret (16–200 characters); leave out to keep the stored one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Whether pushes are sent.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Deliver from this sequence on (the entries after it); leave out to keep the
    /// delivery position (new webhooks start at the feed's beginning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliver_after: Option<i64>,
}

fn yes() -> bool {
    true
}

/// A channel's webhook as HQ sees it (the secret is never shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookView {
    /// The channel.
    pub channel: Channel,
    /// URL.
    pub url: String,
    /// Always `***`.
    pub secret: String,
    /// Whether pushes are sent.
    pub enabled: bool,
    /// Version (each change stores the next).
    pub version: i64,
    /// The last sequence the receiver acknowledged (2xx).
    pub delivered_seq: i64,
    /// The channel's latest sequence.
    pub head_seq: i64,
    /// Failed tries since the last success.
    pub tries: i64,
    /// When the next try is due (ms).
    pub due_ms: i64,
    /// The last failure.
    pub last_error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cs(channel: Channel, share: Share, daily_cap: Option<i64>) -> ChannelShare {
        ChannelShare { channel, share, daily_cap }
    }

    #[test]
    fn share_all_gives_every_online_channel_the_pool() {
        let p = publish(&Plan::share_all(), &[300, 200, -5], |_, _| true, |_| 0);
        assert_eq!(p.len(), 6);
        assert!(p.iter().all(|p| p.quantity == 500 && !p.exclusive));
        assert_eq!(committed(&p), 500);
    }

    #[test]
    fn carve_outs_come_first_and_never_overlap() {
        let plan = Plan {
            safety_units: 100,
            channels: vec![
                cs(Channel::Tmall, Share::Ratio { percent: 30 }, None),
                cs(Channel::MiniProgram, Share::Priority { rank: 0, max_units: Some(50) }, None),
                cs(Channel::Jd, Share::Shared, None),
                cs(Channel::Douyin, Share::Shared, Some(10)),
            ],
        };
        let p = publish(&plan, &[600, 500], |_, _| true, |_| 4);
        let q = |c| p.iter().find(|p| p.channel == c).unwrap().quantity;
        assert_eq!(q(Channel::Tmall), 300);
        assert_eq!(q(Channel::MiniProgram), 50);
        assert_eq!(q(Channel::Jd), 650);
        assert_eq!(q(Channel::Douyin), 4);
        assert_eq!(committed(&p), 1000);
    }

    #[test]
    fn a_channel_sees_only_its_nodes() {
        let plan = Plan {
            safety_units: 0,
            channels: vec![
                cs(Channel::Tmall, Share::Priority { rank: 0, max_units: None }, None),
                cs(Channel::Jd, Share::Shared, None),
            ],
        };
        // Tmall may not use node 1: it takes node 0 only; JD gets node 1 and nothing of 0.
        let p = publish(&plan, &[10, 7], |c, i| !(c == Channel::Tmall && i == 1), |_| 0);
        assert_eq!(p[0].quantity, 10);
        assert_eq!(p[1].quantity, 7);
    }

    #[test]
    fn hysteresis_holds_inside_the_band() {
        let s = Switch { below: 500, back_at: 600 };
        assert_eq!(next_depth(Depth::Deep, 499, Some(&s)), Depth::Shallow);
        assert_eq!(next_depth(Depth::Shallow, 550, Some(&s)), Depth::Shallow);
        assert_eq!(next_depth(Depth::Deep, 550, Some(&s)), Depth::Deep);
        assert_eq!(next_depth(Depth::Shallow, 600, Some(&s)), Depth::Deep);
        assert_eq!(next_depth(Depth::Shallow, 0, None), Depth::Deep);
    }

    #[test]
    fn validation_names_the_field() {
        let mut c = AllocationConfig::default();
        assert!(c.validate().is_ok());
        c.default_plan.channels.push(cs(Channel::Store, Share::Shared, None));
        assert!(c.validate().unwrap_err().message.contains("store channel"));
        let mut c = AllocationConfig::default();
        c.rules.push(AllocationRule {
            name: "r".into(),
            group: SkuGroup::All,
            deep: Plan {
                safety_units: 0,
                channels: vec![
                    cs(Channel::Tmall, Share::Ratio { percent: 60 }, None),
                    cs(Channel::Jd, Share::Ratio { percent: 50 }, None),
                ],
            },
            shallow: None,
            switch: None,
        });
        assert!(c.validate().unwrap_err().message.contains("110"));
        c.rules[0].deep.channels.pop();
        c.rules[0].switch = Some(Switch { below: 10, back_at: 10 });
        assert!(c.validate().unwrap_err().message.contains("go together"));
        c.rules[0].shallow = Some(Plan::share_all());
        assert!(c.validate().unwrap_err().message.contains("below < back_at"));
        c.rules[0].switch = Some(Switch { below: 10, back_at: 11 });
        assert!(c.validate().is_ok());
    }

    #[test]
    fn signatures_verify_and_refuse_tampering() {
        let h = webhook_signature("s3cret", 1700, b"{\"a\":1}");
        assert!(verify_webhook_signature("s3cret", &h, b"{\"a\":1}"));
        assert!(!verify_webhook_signature("s3cret", &h, b"{\"a\":2}"));
        assert!(!verify_webhook_signature("other", &h, b"{\"a\":1}"));
        assert!(!verify_webhook_signature("s3cret", "garbage", b"{\"a\":1}"));
        assert!(!verify_webhook_signature("s3cret", &h.replace("t=1700", "t=1701"), b"{\"a\":1}"));
    }

    const CHANNELS: [Channel; 6] =
        [Channel::Tmall, Channel::Jd, Channel::Douyin, Channel::MiniProgram, Channel::EmployeeStore, Channel::Outlet];

    fn arb_share() -> impl Strategy<Value = Share> {
        prop_oneof![
            Just(Share::Shared),
            (1u32..=60).prop_map(|percent| Share::Ratio { percent }),
            (0u32..4, proptest::option::of(0i64..200))
                .prop_map(|(rank, max_units)| Share::Priority { rank, max_units }),
        ]
    }

    /// A valid plan: a random subset of channels, ratio percents trimmed to add up to ≤ 100.
    fn arb_plan() -> impl Strategy<Value = Plan> {
        (0i64..100, proptest::collection::vec((any::<bool>(), arb_share(), proptest::option::of(0i64..50)), 6))
            .prop_map(|(safety_units, picks)| {
                let mut left = 100u32;
                let channels = CHANNELS
                    .iter()
                    .zip(picks)
                    .filter(|(_, (on, _, _))| *on)
                    .map(|(c, (_, share, daily_cap))| {
                        let share = match share {
                            Share::Ratio { percent } if percent <= left => {
                                left -= percent;
                                Share::Ratio { percent }
                            }
                            Share::Ratio { .. } => Share::Shared,
                            s => s,
                        };
                        cs(*c, share, daily_cap)
                    })
                    .collect();
                Plan { safety_units, channels }
            })
    }

    #[derive(Debug, Clone)]
    enum Step {
        /// Stock arrives at (or leaves) a node.
        Stock(usize, i64),
        /// An order of the channel for a fraction (per mille) of what it publishes.
        Order(usize, u16),
        /// HQ changes the rule.
        Replan(Plan, Option<Plan>),
        /// A new day: the caps' counters start again.
        NewDay,
    }

    fn arb_step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0usize..5, -80i64..120).prop_map(|(n, d)| Step::Stock(n, d)),
            6 => (0usize..6, 0u16..=1000).prop_map(|(c, f)| Step::Order(c, f)),
            1 => (arb_plan(), proptest::option::of(arb_plan())).prop_map(|(d, s)| Step::Replan(d, s)),
            1 => Just(Step::NewDay),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Random stock, orders and strategy changes: at every step each channel's
        /// published quantity can be fulfilled from its own nodes (an order for all of it
        /// is reserved there, for real), the carve-outs plus the largest shared quantity
        /// stay within the pool, no channel goes over its daily cap, and the switch follows
        /// its hysteresis.
        #[test]
        fn published_never_exceeds_what_can_be_fulfilled(
            start in proptest::collection::vec(0i64..400, 5),
            // excluded[c][n]: channel c may not draw from node n.
            excluded in proptest::collection::vec(proptest::collection::vec(proptest::bool::weighted(0.2), 5), 6),
            deep in arb_plan(),
            shallow in proptest::option::of(arb_plan()),
            below in 0i64..600,
            band in 1i64..200,
            steps in proptest::collection::vec(arb_step(), 1..60),
        ) {
            let mut stock = start;
            let mut rule = AllocationRule {
                name: "r".into(),
                group: SkuGroup::All,
                deep,
                switch: shallow.as_ref().map(|_| Switch { below, back_at: below + band }),
                shallow,
            };
            let mut depth = Depth::Deep;
            let mut sold = [0i64; 6];
            let idx = |c: Channel| CHANNELS.iter().position(|x| *x == c).unwrap();
            let allows = |c: Channel, n: usize| !excluded[idx(c)][n];
            for step in steps {
                let total: i64 = stock.iter().sum();
                let before = depth;
                depth = next_depth(depth, total, rule.switch.as_ref());
                if let Some(s) = rule.switch {
                    if total >= s.below && total < s.back_at {
                        prop_assert_eq!(depth, before, "no switch inside the band");
                    }
                }
                let plan = rule.plan(depth).clone();
                let config = AllocationConfig { rules: vec![rule.clone()], ..Default::default() };
                prop_assert!(config.validate().is_ok());
                let cap_left = |c: Channel| {
                    let cap = plan.channels.iter().find(|s| s.channel == c).and_then(|s| s.daily_cap).unwrap_or(0);
                    cap - sold[idx(c)]
                };
                let published = publish(&plan, &stock, allows, cap_left);
                prop_assert!(committed(&published) <= total - plan.safety_units.min(total));
                for p in &published {
                    let reach: i64 = stock.iter().enumerate().filter(|(n, _)| allows(p.channel, *n)).map(|(_, s)| *s).sum();
                    prop_assert!(p.quantity >= 0);
                    prop_assert!(p.quantity <= reach, "{:?} publishes {} but its nodes hold {}", p.channel, p.quantity, reach);
                    if plan.channels.iter().any(|s| s.channel == p.channel && s.daily_cap.is_some()) {
                        prop_assert!(p.quantity <= cap_left(p.channel).max(0));
                    }
                }
                match step {
                    Step::Stock(n, d) => stock[n] = (stock[n] + d).max(0),
                    Step::Order(c, f) => {
                        let channel = CHANNELS[c];
                        let Some(p) = published.iter().find(|p| p.channel == channel) else { continue };
                        let mut want = p.quantity * f as i64 / 1000;
                        sold[c] += want;
                        for (n, s) in stock.iter_mut().enumerate() {
                            if allows(channel, n) {
                                let t = (*s).min(want);
                                *s -= t;
                                want -= t;
                            }
                        }
                        prop_assert_eq!(want, 0, "an admitted order could not be fulfilled");
                    }
                    Step::Replan(d, s) => {
                        rule.switch = s.as_ref().map(|_| Switch { below, back_at: below + band });
                        rule.deep = d;
                        rule.shallow = s;
                    }
                    Step::NewDay => sold = [0; 6],
                }
            }
        }

        /// The depth only changes across the thresholds, whatever the sequence of totals.
        #[test]
        fn the_switch_never_flaps_inside_the_band(below in 0i64..1000, band in 1i64..500, totals in proptest::collection::vec(0i64..2000, 1..200)) {
            let s = Switch { below, back_at: below + band };
            let mut d = Depth::Deep;
            for t in totals {
                let n = next_depth(d, t, Some(&s));
                if n != d {
                    prop_assert!((d == Depth::Deep && t < below) || (d == Depth::Shallow && t >= below + band));
                }
                d = n;
            }
        }
    }
}
