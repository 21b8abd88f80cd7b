//! Promotion locks (库存快照) and presale quotas (预售): the pure rules and the API types.
//!
//! A **lock** sets N units of a SKU aside in the `locked` layer of a balance for a campaign
//! or live stream and its time window. Locked units are out of every channel's available
//! (`StockLevel::available`); orders sold in the campaign draw them (locked → reserved, on-hand
//! unchanged); at the window's end, or when HQ releases early, what is left goes back to the
//! pool. A network-wide lock is spread over the nodes by what each had available when it was
//! made ([`spread`]). A lock is taken only from available units, and shrinks when a physical
//! fact (a count finding less) leaves less on hand than is reserved and locked
//! ([`excess_locked`]), so locked never exceeds what is on hand.
//!
//! A **presale** sells a quota of SKUs ahead of an expected receipt at a node with a promise
//! date: each order takes from the quota atomically ([`take_quota`]) and waits, in the order
//! it came (FIFO), until the stock arrives and it is routed.
//!
//! Times are Unix milliseconds (`*_ms`), like HQ's other records.

use crate::clearance::{EmployeeStorePolicy, OutletPolicy};
use crate::stock::StockLevel;
use crate::Qty;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Most lines one lock or presale request may carry.
pub const MAX_LINES: usize = 500;

/// One line of a lock request: units of a SKU at a node, or network-wide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LockLineInput {
    /// SKU to lock.
    pub sku_code: String,
    /// Node to lock at; left out for a network-wide lock, spread over the nodes by what
    /// each has available now.
    #[serde(default)]
    pub node_code: Option<String>,
    /// Units to lock.
    pub qty: Qty,
}

/// `POST /api/v1/campaigns`: a campaign (or live stream) and the stock locked for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CampaignRequest {
    /// The campaign code orders carry in `campaign`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub code: String,
    /// Display name, e.g. "双11 直播 A场".
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub name: String,
    /// When the window opens (Unix ms): orders of the campaign are taken from then.
    pub starts_ms: i64,
    /// When it closes (Unix ms): the remainder is released to the pool then.
    pub ends_ms: i64,
    /// What to lock, at least one line.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 500))]
    pub lines: Vec<LockLineInput>,
}

/// Where a campaign is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// Stock is locked; the window has not opened yet.
    Scheduled,
    /// Orders of the campaign draw from the lock.
    Running,
    /// The window closed and the remainder went back to the pool.
    Ended,
    /// HQ released the remainder before the window closed.
    Released,
}

impl CampaignStatus {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Scheduled => "scheduled",
            CampaignStatus::Running => "running",
            CampaignStatus::Ended => "ended",
            CampaignStatus::Released => "released",
        }
    }
}

/// The status of a campaign with this window at `now`; `closed` is how it was closed, if
/// it was (`true` = released early by HQ).
pub fn status(starts_ms: i64, ends_ms: i64, closed: Option<bool>, now: i64) -> CampaignStatus {
    match closed {
        Some(true) => CampaignStatus::Released,
        Some(false) => CampaignStatus::Ended,
        None if now < starts_ms => CampaignStatus::Scheduled,
        None if now < ends_ms => CampaignStatus::Running,
        // Past the end but the worker has not released it yet: no longer sells.
        None => CampaignStatus::Ended,
    }
}

/// One locked balance of a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LockLine {
    /// Node.
    pub node_code: String,
    /// SKU.
    pub sku_code: String,
    /// Units locked when the campaign was made.
    pub locked: i64,
    /// Units still locked.
    pub left: i64,
    /// Units drawn by the campaign's orders.
    pub sold: i64,
    /// Units given back to the pool (at the end, early, or because a count found less).
    pub released: i64,
}

/// A campaign with its lock, as HQ sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Campaign {
    /// Code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Window start (Unix ms).
    pub starts_ms: i64,
    /// Window end (Unix ms).
    pub ends_ms: i64,
    /// Where it is in its life.
    pub status: CampaignStatus,
    /// When it was made (Unix ms).
    pub created_ms: i64,
    /// When the remainder was released (Unix ms), if it was.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub closed_ms: Option<i64>,
    /// The locked balances, by node and SKU.
    pub lines: Vec<LockLine>,
}

/// Spreads a network-wide lock of `qty` units over nodes in proportion to what each has
/// `available` (largest remainder, ties to the node listed first), never more than a node
/// has. `None` when all of them together have fewer than `qty`. Nodes with nothing
/// available get nothing and are left out.
pub fn spread(qty: i64, available: &[(String, i64)]) -> Option<Vec<(String, i64)>> {
    let total: i64 = available.iter().map(|(_, a)| (*a).max(0)).sum();
    if qty < 0 || total < qty {
        return None;
    }
    if qty == 0 {
        return Some(Vec::new());
    }
    // Floor shares, then hand the rest out by largest remainder. i128: qty × available may
    // overflow i64 for absurd inputs.
    let mut shares: Vec<(usize, i64, i128)> = available
        .iter()
        .enumerate()
        .map(|(i, (_, a))| {
            let a = (*a).max(0) as i128;
            let exact = a * qty as i128;
            (i, (exact / total as i128) as i64, exact % total as i128)
        })
        .collect();
    let mut rest = qty - shares.iter().map(|s| s.1).sum::<i64>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&x, &y| shares[y].2.cmp(&shares[x].2).then(x.cmp(&y)));
    for i in order {
        if rest == 0 {
            break;
        }
        let cap = available[i].1.max(0);
        if shares[i].1 < cap {
            shares[i].1 += 1;
            rest -= 1;
        }
    }
    // With remainders all zero but a share still short (cannot happen: floor shares leave
    // at most one unit per node with a positive remainder), give the rest to whoever has room.
    for s in shares.iter_mut() {
        let room = available[s.0].1.max(0) - s.1;
        let give = room.min(rest);
        s.1 += give;
        rest -= give;
    }
    Some(shares.into_iter().filter(|s| s.1 > 0).map(|(i, q, _)| (available[i].0.clone(), q)).collect())
}

/// Units a new lock may take from a balance: what channels could sell of it.
pub fn lockable(level: &StockLevel) -> i64 {
    level.available()
}

/// Locked units a balance can no longer back: a physical fact left less on hand than is
/// reserved and locked, so this many must be unlocked (reserved units keep their claim:
/// their orders were promised first).
pub fn excess_locked(level: &StockLevel) -> i64 {
    (level.locked - (level.on_hand - level.reserved).max(0)).max(0)
}

/// What is left of a presale quota after `sold`, and whether `qty` more fit: the new sold
/// count, or `None` when taking `qty` would oversell the quota.
pub fn take_quota(quota: i64, sold: i64, qty: i64) -> Option<i64> {
    (qty > 0 && sold.checked_add(qty)? <= quota).then(|| sold + qty)
}

/// One line of a presale: a SKU expected at the presale's node and the quota sold ahead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PresaleLineInput {
    /// SKU.
    pub sku_code: String,
    /// Units expected with the receipt.
    pub expected: Qty,
    /// Units that may be sold ahead (at most `expected`); `expected` when left out.
    #[serde(default)]
    pub quota: Option<Qty>,
}

/// `POST /api/v1/presales`: a presale against an expected receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PresaleRequest {
    /// The presale code orders carry in `presale`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub code: String,
    /// Display name.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub name: String,
    /// The node (usually a warehouse) the receipt is expected at.
    pub node_code: String,
    /// The date promised to customers (Unix ms).
    pub promise_ms: i64,
    /// The SKUs, at least one.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 500))]
    pub lines: Vec<PresaleLineInput>,
}

/// Whether a presale still sells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PresaleStatus {
    /// Orders are taken against the quota.
    Open,
    /// HQ closed it: no more orders; those taken still wait for the stock.
    Closed,
}

impl PresaleStatus {
    /// Name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PresaleStatus::Open => "open",
            PresaleStatus::Closed => "closed",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<PresaleStatus> {
        [PresaleStatus::Open, PresaleStatus::Closed].into_iter().find(|p| p.as_str() == s)
    }
}

/// One SKU of a presale and how much of its quota is sold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PresaleLine {
    /// SKU.
    pub sku_code: String,
    /// Units expected.
    pub expected: i64,
    /// Units that may be sold ahead.
    pub quota: i64,
    /// Units sold so far (never above `quota`).
    pub sold: i64,
}

/// An order waiting in a presale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PresaleOrder {
    /// The order.
    pub order_id: Uuid,
    /// Its place in the queue (first come, first routed).
    pub seq: i64,
    /// When it was taken (Unix ms).
    pub accepted_ms: i64,
    /// When it was routed (Unix ms), once the stock arrived.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub routed_ms: Option<i64>,
}

/// A presale as HQ sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Presale {
    /// Code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Node the receipt is expected at.
    pub node_code: String,
    /// Promise date (Unix ms).
    pub promise_ms: i64,
    /// Whether it still sells.
    pub status: PresaleStatus,
    /// When it was made (Unix ms).
    pub created_ms: i64,
    /// Its SKUs.
    pub lines: Vec<PresaleLine>,
    /// Its orders, in queue order.
    pub orders: Vec<PresaleOrder>,
}

/// How long channel holds (`POST /api/v1/reservations`) live before the sweeper releases them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HoldPolicy {
    /// TTL of a hold that does not ask for one, in seconds.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub default_ttl_seconds: u32,
    /// Longest TTL a hold may ask for, in seconds.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub max_ttl_seconds: u32,
}

impl Default for HoldPolicy {
    fn default() -> Self {
        // A checkout's payment window, and a day for the longest (B2B quotes).
        HoldPolicy { default_ttl_seconds: 30 * 60, max_ttl_seconds: 24 * 3600 }
    }
}

/// HQ's stock-control settings for holds and clearance channels (`GET`/`PUT
/// /api/v1/settings/stock-control`). Each PUT stores a new version.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StockControlPolicy {
    /// Channel hold TTLs.
    #[serde(default)]
    pub holds: HoldPolicy,
    /// Employee store limits.
    #[serde(default)]
    pub employee_store: EmployeeStorePolicy,
    /// How slow movers are picked for the outlet channel.
    #[serde(default)]
    pub outlet: OutletPolicy,
}

impl StockControlPolicy {
    /// Checks every number; the message names the field.
    pub fn check(&self) -> Result<(), String> {
        let h = &self.holds;
        if h.default_ttl_seconds == 0 || h.max_ttl_seconds == 0 {
            return Err("holds: TTLs must be at least 1 second".into());
        }
        if h.default_ttl_seconds > h.max_ttl_seconds {
            return Err("holds.default_ttl_seconds must not exceed max_ttl_seconds".into());
        }
        self.employee_store.check()?;
        self.outlet.check()
    }
}

/// The stock-control settings in force and their version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockControlSettings {
    /// Version: 0 for the defaults, then 1, 2, … for each PUT.
    pub version: i64,
    /// When it was set (Unix ms); 0 for the defaults.
    pub updated_ms: i64,
    /// The settings.
    pub policy: StockControlPolicy,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spread_is_proportional() {
        let a = vec![("A".to_string(), 30), ("B".to_string(), 10), ("C".to_string(), 0)];
        assert_eq!(spread(8, &a), Some(vec![("A".into(), 6), ("B".into(), 2)]));
        assert_eq!(spread(41, &a), None);
        assert_eq!(spread(40, &a), Some(vec![("A".into(), 30), ("B".into(), 10)]));
    }

    #[test]
    fn statuses() {
        assert_eq!(status(10, 20, None, 5), CampaignStatus::Scheduled);
        assert_eq!(status(10, 20, None, 10), CampaignStatus::Running);
        assert_eq!(status(10, 20, None, 20), CampaignStatus::Ended);
        assert_eq!(status(10, 20, Some(true), 15), CampaignStatus::Released);
    }

    /// A balance under random locks, draws, releases and physical movements, applying the
    /// rules the storage layer applies: locks come from available only, draws move locked
    /// to reserved, physical losses shrink the lock by [`excess_locked`].
    #[derive(Debug, Clone)]
    enum Step {
        Lock(i64),
        Draw(i64),
        Unlock(i64),
        Physical(i64),
        Reserve(i64),
        Consume(i64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (1i64..50).prop_map(Step::Lock),
            (1i64..20).prop_map(Step::Draw),
            (1i64..20).prop_map(Step::Unlock),
            (-40i64..40).prop_map(Step::Physical),
            (1i64..20).prop_map(Step::Reserve),
            (1i64..20).prop_map(Step::Consume),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn spread_never_exceeds_and_sums(qty in 0i64..10_000, av in proptest::collection::vec(-5i64..5_000, 0..20)) {
            let nodes: Vec<(String, i64)> = av.iter().enumerate().map(|(i, a)| (format!("N{i}"), *a)).collect();
            let total: i64 = av.iter().map(|a| (*a).max(0)).sum();
            match spread(qty, &nodes) {
                None => prop_assert!(total < qty),
                Some(s) => {
                    prop_assert_eq!(s.iter().map(|x| x.1).sum::<i64>(), qty);
                    for (n, q) in &s {
                        let a = nodes.iter().find(|x| &x.0 == n).unwrap().1;
                        prop_assert!(*q > 0 && *q <= a);
                    }
                }
            }
        }

        #[test]
        fn locks_never_exceed_on_hand(start in 0i64..200, safety in 0i64..10, steps in proptest::collection::vec(step(), 1..60)) {
            let mut l = StockLevel { on_hand: start, reserved: 0, safety, locked: 0 };
            let (mut lock_in, mut drawn, mut unlocked) = (0i64, 0i64, 0i64);
            for s in steps {
                match s {
                    Step::Lock(q) => if lockable(&l) >= q { l.locked += q; lock_in += q; },
                    Step::Draw(q) => if l.locked >= q { l.locked -= q; l.reserved += q; drawn += q; },
                    Step::Unlock(q) => { let q = q.min(l.locked); l.locked -= q; unlocked += q; },
                    Step::Physical(d) => {
                        l.on_hand = (l.on_hand + d).max(0);
                        let x = excess_locked(&l);
                        l.locked -= x;
                        unlocked += x;
                    }
                    Step::Reserve(q) => if l.available() >= q { l.reserved += q; },
                    Step::Consume(q) => if l.reserved >= q { l.reserved -= q; l.on_hand -= q; },
                }
                prop_assert!(l.locked >= 0);
                prop_assert!(l.locked <= l.on_hand.max(0), "locked {} on hand {}", l.locked, l.on_hand);
                prop_assert!(l.locked + l.reserved <= l.on_hand.max(l.reserved), "{:?}", l);
                prop_assert_eq!(lock_in, drawn + unlocked + l.locked, "the lock's units are accounted for");
            }
        }

        #[test]
        fn quota_is_never_oversold(quota in 0i64..100, asks in proptest::collection::vec(-3i64..10, 0..80)) {
            let mut sold = 0;
            for q in asks {
                if let Some(s) = take_quota(quota, sold, q) { prop_assert!(q > 0); sold = s; }
                prop_assert!(sold <= quota);
            }
        }
    }
}
