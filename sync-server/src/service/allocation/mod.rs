//! Channel allocation: what each sales channel may sell of the shared stock pool.
//!
//! HQ's allocation configuration (strategies per SKU group and channel, the deep/shallow
//! switch) is data, versioned; the rule itself is `shared::allocation`. The published
//! quantities follow every stock movement in its own transaction (the ledger calls
//! `storage::allocation::stock_changed`), so this module only handles what HQ and intake
//! ask: intake calls [`admit`] before routing a channel order, so a channel never sells more
//! than HQ published to it (or more than its daily cap allows); HQ reads and changes the
//! configuration, a SKU's allocation and its switches, the channels' stock feeds and their
//! webhooks (pushed by [`webhook`]'s worker).

pub mod webhook;

use super::ServiceError;
use crate::storage::allocation as store;
use crate::storage::Tx;
use shared::allocation::{
    AllocationConfig, AllocationConfigView, AllocationRule, ChannelQuantity, ChannelShare, FeedPage, Plan, Share,
    SkuAllocation, SkuGroup, SwitchPage, WebhookInput, WebhookView,
};
use shared::order::Channel;
use std::collections::BTreeMap;

/// Largest page of the stock feed.
pub const MAX_FEED_PAGE: u32 = 1000;
/// Largest page of switches.
pub const MAX_SWITCH_PAGE: u32 = 500;

/// Admits the lines of a channel order against the channel's published quantities and
/// daily caps, recording the sale where the channel has a cap. Refuses with 409
/// `channel_stock_exhausted` (naming the SKU, the quantity asked and the quantity
/// published) when a line asks for more than the channel's allocation gives it, i.e. more
/// than its published quantity while that is less than its nodes hold (a carve-out, a
/// shallow plan, a daily cap, or a channel the plan leaves out). When the channel is given
/// everything its nodes hold, a shortfall is physical and routing decides as it always did
/// (refuse, or hold for HQ). `Channel::Store` is not limited. Lines of the same SKU count
/// together.
pub fn admit(tx: &mut dyn Tx, channel: Channel, lines: &[(String, i64)], now: i64) -> Result<(), ServiceError> {
    if channel == Channel::Store {
        return Ok(());
    }
    let mut wanted: BTreeMap<&str, i64> = BTreeMap::new();
    for (sku, qty) in lines {
        if *qty <= 0 {
            return Err(ServiceError::invalid(
                "invalid_lines",
                format!("line of {sku}: the quantity must be positive"),
            ));
        }
        let e = wanted.entry(sku.as_str()).or_default();
        *e = e.saturating_add(*qty);
    }
    let (_, config, _) = store::current(tx)?;
    let day = store::local_day(&config, now);
    for (sku, qty) in &wanted {
        // Fresh from the pool, read only: intake takes no allocation lock before it
        // reserves (the reservation's own recomputation publishes the result, counting
        // this sale against the cap).
        let c = store::compute(tx, sku, Some(now))?;
        let published = c.published.iter().find(|p| p.channel == channel).map(|p| p.quantity).unwrap_or(0);
        let reach = c.reach.get(&channel).copied().unwrap_or(0);
        if *qty > published && published < reach {
            let capped = c.caps.contains_key(&channel);
            return Err(ServiceError::conflict(
                "channel_stock_exhausted",
                format!(
                    "channel {} may sell {published} of SKU {sku} now{}; the order asks {qty}",
                    channel.as_str(),
                    if capped { " (within its daily cap)" } else { "" }
                ),
            ));
        }
        // Only capped channels count their sales: an uncounted channel's orders never
        // queue on a counter row.
        if c.caps.contains_key(&channel) {
            store::record_sold(tx, channel, sku, &day, *qty)?;
        }
    }
    Ok(())
}

fn view(version: i64, config: AllocationConfig, stored_ms: Option<i64>) -> AllocationConfigView {
    AllocationConfigView { version, stored_ms, config }
}

/// The allocation configuration in force.
pub fn config(tx: &mut dyn Tx) -> Result<AllocationConfigView, ServiceError> {
    let (v, c, at) = store::current(tx)?;
    Ok(view(v, c, at))
}

/// One stored version (0: the built-in one).
pub fn config_version(tx: &mut dyn Tx, version: i64) -> Result<AllocationConfigView, ServiceError> {
    if version == 0 {
        return Ok(view(0, AllocationConfig::default(), None));
    }
    let (c, at) =
        store::version(tx, version)?.ok_or_else(|| ServiceError::not_found("allocation config version", version))?;
    Ok(view(version, c, Some(at)))
}

fn check(config: &AllocationConfig) -> Result<(), ServiceError> {
    config.validate().map_err(|e| ServiceError::invalid("invalid_allocation_config", e.message))?;
    if config.time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(ServiceError::invalid(
            "invalid_time_zone",
            format!("time_zone {:?} is not an IANA time zone name (e.g. Asia/Shanghai)", config.time_zone),
        ));
    }
    Ok(())
}

/// Replaces the configuration with `config`, validated, as the next version, and
/// recomputes every SKU's published quantities with it in the same transaction.
pub fn put_config(tx: &mut dyn Tx, config: &AllocationConfig, now: i64) -> Result<AllocationConfigView, ServiceError> {
    check(config)?;
    let version = store::store(tx, config, now)?;
    store::recompute_all(tx, now)?;
    Ok(view(version, config.clone(), Some(now)))
}

/// Directs `skus` to `channel` alone (a directed allocation, e.g. slow movers to the
/// outlet): a rule `directed:<channel>`, first in the configuration, gives that channel
/// 100% of them and every other channel nothing. Empty `skus` removes the rule. Stores the
/// next version (answered) and recomputes those SKUs.
pub fn direct_to_channel(
    tx: &mut dyn Tx,
    channel: Channel,
    skus: &[String],
    note: &str,
    now: i64,
) -> Result<i64, ServiceError> {
    if channel == Channel::Store {
        return Err(ServiceError::invalid(
            "invalid_channel",
            "the store channel is never limited; direct to an online channel",
        ));
    }
    let (_, mut config, _) = store::current(tx)?;
    let name = format!("directed:{}", channel.as_str());
    let before: Vec<String> = config
        .rules
        .iter()
        .find(|r| r.name == name)
        .and_then(|r| match &r.group {
            SkuGroup::Skus { skus } => Some(skus.clone()),
            _ => None,
        })
        .unwrap_or_default();
    config.rules.retain(|r| r.name != name);
    let mut list: Vec<String> = Vec::new();
    for s in skus {
        if !list.contains(s) {
            list.push(s.clone());
        }
    }
    if !list.is_empty() {
        let plan =
            Plan { safety_units: 0, channels: vec![ChannelShare { channel, share: Share::Shared, daily_cap: None }] };
        config.rules.insert(
            0,
            AllocationRule {
                name,
                group: SkuGroup::Skus { skus: list.clone() },
                deep: plan,
                shallow: None,
                switch: None,
            },
        );
    }
    check(&config)?;
    let version = store::store(tx, &config, now)?;
    tracing::info!(channel = channel.as_str(), skus = list.len(), version, note, "directed allocation stored");
    for sku in before.iter().chain(list.iter()) {
        store::recompute(tx, sku, Some(now))?;
    }
    Ok(version)
}

/// How `sku` is shared out now (computed fresh from the pool; nothing is written).
pub fn sku_allocation(tx: &mut dyn Tx, sku: &str, now: i64) -> Result<SkuAllocation, ServiceError> {
    if sku.is_empty() || sku.len() > 64 {
        return Err(ServiceError::invalid("invalid_sku", "the SKU code must be 1–64 characters"));
    }
    if tx.query_opt("SELECT 1 FROM sku WHERE code = $1", crate::params![sku])?.is_none() {
        return Err(ServiceError::not_found("SKU", sku));
    }
    let c = store::compute(tx, sku, Some(now))?;
    let switches = store::switches(tx, Some(sku), None, 20)?;
    Ok(SkuAllocation {
        sku_code: sku.to_string(),
        total_available: c.total,
        rule: c.rule.clone(),
        depth: c.depth,
        config_version: c.version,
        safety_units: c.safety_units,
        channels: c
            .published
            .iter()
            .map(|p| ChannelQuantity {
                channel: p.channel,
                quantity: p.quantity,
                exclusive: p.exclusive,
                sold_today: c.sold.get(&p.channel).copied().unwrap_or(0),
                daily_cap: c.caps.get(&p.channel).copied(),
            })
            .collect(),
        switches,
    })
}

/// Switches, newest first (of one SKU, or all), before the id `before`.
pub fn switches(
    tx: &mut dyn Tx,
    sku: Option<&str>,
    before: Option<i64>,
    limit: u32,
) -> Result<SwitchPage, ServiceError> {
    if limit == 0 || limit > MAX_SWITCH_PAGE {
        return Err(ServiceError::invalid("invalid_limit", format!("limit must be 1..={MAX_SWITCH_PAGE}")));
    }
    let switches = store::switches(tx, sku, before, limit)?;
    let next_before = if switches.len() as u32 == limit { switches.last().map(|s| s.id) } else { None };
    Ok(SwitchPage { switches, next_before })
}

fn online(channel: &str) -> Result<Channel, ServiceError> {
    match Channel::parse(channel) {
        Some(Channel::Store) => {
            Err(ServiceError::invalid("invalid_channel", "the store channel is never limited and has no stock feed"))
        }
        Some(c) => Ok(c),
        None => Err(ServiceError::not_found("channel", channel)),
    }
}

/// A page of `channel`'s stock feed after the sequence `after`.
pub fn feed(tx: &mut dyn Tx, channel: &str, after: i64, limit: u32) -> Result<FeedPage, ServiceError> {
    let channel = online(channel)?;
    if after < 0 {
        return Err(ServiceError::invalid("invalid_cursor", "after must be a sequence number (0 to start)"));
    }
    if limit == 0 || limit > MAX_FEED_PAGE {
        return Err(ServiceError::invalid("invalid_limit", format!("limit must be 1..={MAX_FEED_PAGE}")));
    }
    let mut entries = store::feed(tx, channel, after, limit + 1)?;
    let more = entries.len() as u32 > limit;
    entries.truncate(limit as usize);
    let next_after = entries.last().map(|e| e.seq).unwrap_or(after);
    Ok(FeedPage { channel, entries, next_after, more })
}

fn webhook_view(tx: &mut dyn Tx, w: store::Webhook) -> Result<WebhookView, ServiceError> {
    Ok(WebhookView {
        channel: w.channel,
        url: w.url,
        secret: "***".into(),
        enabled: w.enabled,
        version: w.version,
        delivered_seq: w.delivered_seq,
        head_seq: store::head_seq(tx, w.channel)?,
        tries: w.tries,
        due_ms: w.due_ms,
        last_error: w.last_error,
    })
}

/// A channel's webhook (the secret shown as `***`).
pub fn webhook(tx: &mut dyn Tx, channel: &str) -> Result<WebhookView, ServiceError> {
    let channel = online(channel)?;
    let w =
        store::webhook(tx, channel)?.ok_or_else(|| ServiceError::not_found("webhook of channel", channel.as_str()))?;
    webhook_view(tx, w)
}

/// Sets a channel's webhook as its next version; the secret is required the first time.
pub fn put_webhook(
    tx: &mut dyn Tx,
    channel: &str,
    input: &WebhookInput,
    now: i64,
) -> Result<WebhookView, ServiceError> {
    let channel = online(channel)?;
    let url = input.url.trim();
    let scheme_ok = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !host.contains(char::is_whitespace)
    });
    if !scheme_ok || url.len() > 500 || url.chars().any(char::is_control) {
        return Err(ServiceError::invalid("invalid_url", "url must be an http(s) URL of at most 500 characters"));
    }
    if input.deliver_after.is_some_and(|s| s < 0) {
        return Err(ServiceError::invalid(
            "invalid_cursor",
            "deliver_after must be a sequence number (0: the whole feed)",
        ));
    }
    let existing = store::webhook(tx, channel)?;
    let secret = match (&input.secret, &existing) {
        (Some(s), _) => {
            let n = s.chars().count();
            if !(16..=200).contains(&n) || s.chars().any(char::is_control) {
                return Err(ServiceError::invalid("invalid_secret", "secret must be 16–200 printable characters"));
            }
            s.clone()
        }
        (None, Some(w)) => w.secret.clone(),
        (None, None) => {
            return Err(ServiceError::invalid(
                "invalid_secret",
                "a new webhook needs a signing secret (16–200 characters)",
            ))
        }
    };
    let input = WebhookInput { url: url.to_string(), ..input.clone() };
    store::put_webhook(tx, channel, &input, &secret, now)?;
    let w =
        store::webhook(tx, channel)?.ok_or_else(|| ServiceError::not_found("webhook of channel", channel.as_str()))?;
    webhook_view(tx, w)
}
