//! Channel allocation data: HQ's versioned allocation configuration, the plan in force per
//! SKU with its switches, units sold per channel and local day (daily caps), the published
//! quantity per (channel, SKU) that the channel stock feed pages through, and the channel
//! webhooks with their delivery state.
//!
//! [`stock_changed`] is called by the ledger in the transaction of every change of a
//! sellable balance: it recomputes that one SKU (one query for its balances, the rule from
//! the configuration, `shared::allocation::publish`) and writes only the channels whose
//! quantity changed, each with the channel's next sequence number. On SQLite (one writer)
//! that number is taken as the row is written; on PostgreSQL the row is written without one
//! and numbered right after its commit ([`position_committed`], like the change log), so
//! sequence order is commit order and a feed cursor never skips a change committed later
//! with a lower number, while concurrent writers never wait on a counter. The published rows
//! *are* the outbox of the webhook push: a channel's webhook delivers the rows above its
//! `delivered_seq`.

use super::{routing, Dialect, Row, StorageError, Tx};
use crate::params;
use shared::allocation::{
    next_depth, publish, AllocationConfig, Depth, FeedEntry, Published, SwitchRecord, WebhookInput,
};
use shared::order::{Channel, ALL_CHANNELS};
use std::collections::BTreeMap;

fn decode<T: serde::de::DeserializeOwned>(what: &str, doc: &str) -> Result<T, StorageError> {
    serde_json::from_str(doc).map_err(|e| StorageError::Decode(format!("{what}: {e}")))
}

fn channel_of(s: &str) -> Result<Channel, StorageError> {
    Channel::parse(s).ok_or_else(|| StorageError::Decode(format!("channel {s}")))
}

fn depth_of(s: &str) -> Result<Depth, StorageError> {
    Depth::parse(s).ok_or_else(|| StorageError::Decode(format!("depth {s}")))
}

/// The online channels (every channel but `store`, which is never limited).
pub fn online_channels() -> impl Iterator<Item = Channel> {
    ALL_CHANNELS.into_iter().filter(|c| *c != Channel::Store)
}

/// The configuration in force, its version and when it was stored: the latest stored, or
/// the built-in one as version 0.
pub fn current(tx: &mut dyn Tx) -> Result<(i64, AllocationConfig, Option<i64>), StorageError> {
    match tx.query_opt(
        "SELECT version, document, created_ms FROM allocation_config ORDER BY version DESC LIMIT 1",
        params![],
    )? {
        None => Ok((0, AllocationConfig::default(), None)),
        Some(r) => Ok((r.i64(0)?, decode("allocation config", &r.text(1)?)?, Some(r.i64(2)?))),
    }
}

/// One stored version.
pub fn version(tx: &mut dyn Tx, version: i64) -> Result<Option<(AllocationConfig, i64)>, StorageError> {
    tx.query_opt("SELECT document, created_ms FROM allocation_config WHERE version = $1", params![version])?
        .map(|r| Ok((decode("allocation config", &r.text(0)?)?, r.i64(1)?)))
        .transpose()
}

/// Stores `config` as the next version and returns it.
pub fn store(tx: &mut dyn Tx, config: &AllocationConfig, now_ms: i64) -> Result<i64, StorageError> {
    let doc = serde_json::to_string(config).map_err(|e| StorageError::Decode(e.to_string()))?;
    let next = tx
        .query_opt("SELECT COALESCE(MAX(version), 0) + 1 FROM allocation_config", params![])?
        .map(|r| r.i64(0))
        .transpose()?
        .unwrap_or(1);
    tx.exec(
        "INSERT INTO allocation_config (version, document, created_ms) VALUES ($1, $2, $3)",
        params![next, doc, now_ms],
    )?;
    Ok(next)
}

/// The local day (`YYYY-MM-DD`) of `now_ms` in the configuration's time zone (Asia/Shanghai
/// if the stored name does not parse, which validation prevents).
pub fn local_day(config: &AllocationConfig, now_ms: i64) -> String {
    let tz: chrono_tz::Tz = config.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    chrono::DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .format("%Y-%m-%d")
        .to_string()
}

/// A SKU's allocation as computed from the pool, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    /// The configuration version used.
    pub version: i64,
    /// The deciding rule (None: the default plan).
    pub rule: Option<String>,
    /// The depth before this computation.
    pub previous_depth: Depth,
    /// The depth now.
    pub depth: Depth,
    /// The threshold crossed, when the depth changed.
    pub threshold: Option<i64>,
    /// Sellable available over every node.
    pub total: i64,
    /// Units held back.
    pub safety_units: i64,
    /// Every online channel (0 for those the plan does not name).
    pub published: Vec<Published>,
    /// Units each channel sold on the day counted.
    pub sold: BTreeMap<Channel, i64>,
    /// Daily caps of the plan.
    pub caps: BTreeMap<Channel, i64>,
    /// What each online channel's nodes hold (the pool it could be given at most).
    pub reach: BTreeMap<Channel, i64>,
}

/// Units each channel sold of `sku` on `day`, or, without a day, on the latest day any
/// channel sold it (a stock change that did not say when: at worst yesterday's count,
/// which only publishes less until the day's first sale recomputes it).
fn sold(tx: &mut dyn Tx, sku: &str, day: Option<&str>) -> Result<BTreeMap<Channel, i64>, StorageError> {
    let rows = match day {
        Some(d) => tx.query(
            "SELECT channel, qty FROM allocation_sold WHERE sku_code = $1 AND local_day = $2",
            params![sku, d],
        )?,
        None => tx.query(
            "SELECT channel, qty FROM allocation_sold WHERE sku_code = $1
               AND local_day = (SELECT MAX(local_day) FROM allocation_sold WHERE sku_code = $1)",
            params![sku],
        )?,
    };
    rows.iter().map(|r| Ok((channel_of(&r.text(0)?)?, r.i64(1)?))).collect()
}

/// Computes `sku`'s allocation from its balances now, without writing. `now_ms` picks the
/// day of the daily caps (see [`sold`] without it).
pub fn compute(tx: &mut dyn Tx, sku: &str, now_ms: Option<i64>) -> Result<Computed, StorageError> {
    let (version, config, _) = current(tx)?;
    let style = if config.needs_style() {
        tx.query_opt("SELECT style_code FROM sku WHERE code = $1", params![sku])?.map(|r| r.text(0)).transpose()?
    } else {
        None
    };
    let rule = config.rule_for(sku, style.as_deref());
    let nodes = tx.query(
        "SELECT node_code, on_hand - reserved - safety - locked FROM stock_balance
         WHERE sku_code = $1 AND quality = 'sellable' ORDER BY node_code",
        params![sku],
    )?;
    let mut codes = Vec::with_capacity(nodes.len());
    let mut available = Vec::with_capacity(nodes.len());
    for r in &nodes {
        codes.push(r.text(0)?);
        available.push(r.i64(1)?.max(0));
    }
    let total: i64 = available.iter().sum();
    let stored = tx.query_opt("SELECT rule_name, depth FROM allocation_depth WHERE sku_code = $1", params![sku])?;
    let previous_depth = match (&stored, rule) {
        (Some(r), Some(rule)) if r.text(0)? == rule.name => depth_of(&r.text(1)?)?,
        _ => Depth::Deep,
    };
    let switch = rule.and_then(|r| r.switch);
    let depth = next_depth(previous_depth, total, switch.as_ref());
    let threshold = switch.filter(|_| depth != previous_depth).map(|s| match depth {
        Depth::Shallow => s.below,
        Depth::Deep => s.back_at,
    });
    let plan = match rule {
        Some(r) => r.plan(depth),
        None => &config.default_plan,
    };
    let caps: BTreeMap<Channel, i64> = plan.channels.iter().filter_map(|c| Some((c.channel, c.daily_cap?))).collect();
    let day = now_ms.map(|t| local_day(&config, t));
    let sold = if caps.is_empty() && day.is_none() { BTreeMap::new() } else { sold(tx, sku, day.as_deref())? };
    let exclusions = if plan.channels.is_empty() { None } else { Some(routing::current(tx)?.1) };
    let allows = |c: Channel, i: usize| exclusions.as_ref().is_none_or(|r| r.channel_allows(c, &codes[i]));
    let cap_left = |c: Channel| caps.get(&c).copied().unwrap_or(0) - sold.get(&c).copied().unwrap_or(0);
    let planned = publish(plan, &available, allows, cap_left);
    let reach = online_channels()
        .map(|c| (c, available.iter().enumerate().filter(|(i, _)| allows(c, *i)).map(|(_, a)| *a).sum()))
        .collect();
    let published = online_channels()
        .map(|c| {
            planned.iter().find(|p| p.channel == c).copied().unwrap_or(Published {
                channel: c,
                quantity: 0,
                exclusive: false,
            })
        })
        .collect();
    Ok(Computed {
        version,
        rule: rule.map(|r| r.name.clone()),
        previous_depth,
        depth,
        threshold,
        total,
        safety_units: plan.safety_units,
        published,
        sold,
        caps,
        reach,
    })
}

/// Writes a computation: the depth (and a switch record when it changed) and every channel
/// whose quantity changed, each with the channel's next sequence number.
pub fn apply(tx: &mut dyn Tx, sku: &str, c: &Computed, now_ms: Option<i64>) -> Result<(), StorageError> {
    if let Some(rule) = &c.rule {
        if c.depth != c.previous_depth {
            tx.exec(
                "INSERT INTO allocation_switch (sku_code, rule_name, config_version, from_depth, to_depth, total_available, threshold, at_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                params![
                    sku,
                    rule.as_str(),
                    c.version,
                    c.previous_depth.as_str(),
                    c.depth.as_str(),
                    c.total,
                    c.threshold.unwrap_or(0),
                    now_ms
                ],
            )?;
        }
        if c.depth != c.previous_depth || c.depth == Depth::Shallow {
            tx.exec(
                "INSERT INTO allocation_depth (sku_code, rule_name, depth, since_ms) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (sku_code) DO UPDATE SET rule_name = excluded.rule_name, depth = excluded.depth,
                    since_ms = CASE WHEN allocation_depth.depth = excluded.depth AND allocation_depth.rule_name = excluded.rule_name
                                    THEN allocation_depth.since_ms ELSE excluded.since_ms END",
                params![sku, rule.as_str(), c.depth.as_str(), now_ms],
            )?;
        }
    }
    let rows =
        tx.query("SELECT channel, quantity, exclusive FROM allocation_published WHERE sku_code = $1", params![sku])?;
    let mut before = BTreeMap::new();
    for r in &rows {
        before.insert(channel_of(&r.text(0)?)?, (r.i64(1)?, r.bool(2)?));
    }
    for p in &c.published {
        let old = before.get(&p.channel).copied();
        if old == Some((p.quantity, p.exclusive)) || (old.is_none() && p.quantity == 0) {
            continue;
        }
        // SQLite (one writer): the channel's next number now. PostgreSQL: none until
        // [`position_committed`] numbers the row right after this transaction commits.
        let seq = if tx.dialect() == Dialect::Sqlite { Some(next_seq(tx, p.channel)?) } else { None };
        tx.exec(
            "INSERT INTO allocation_published (channel, sku_code, quantity, exclusive, depth, rule_name, config_version, seq, updated_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (channel, sku_code) DO UPDATE SET quantity = excluded.quantity, exclusive = excluded.exclusive,
                depth = excluded.depth, rule_name = excluded.rule_name, config_version = excluded.config_version,
                seq = excluded.seq, updated_ms = COALESCE(excluded.updated_ms, allocation_published.updated_ms)",
            params![
                p.channel.as_str(),
                sku,
                p.quantity,
                p.exclusive,
                c.depth.as_str(),
                c.rule.as_deref(),
                c.version,
                seq,
                now_ms
            ],
        )?;
    }
    Ok(())
}

fn next_seq(tx: &mut dyn Tx, channel: Channel) -> Result<i64, StorageError> {
    advance_seq(tx, channel, 1)
}

/// Advances the channel's counter by `n` and answers its new value.
fn advance_seq(tx: &mut dyn Tx, channel: Channel, n: i64) -> Result<i64, StorageError> {
    tx.query_opt(
        "UPDATE allocation_channel_seq SET seq = seq + $2 WHERE channel = $1 RETURNING seq",
        params![channel.as_str(), n],
    )?
    .ok_or_else(|| StorageError::Decode(format!("no sequence row for channel {}", channel.as_str())))?
    .i64(0)
}

/// PostgreSQL: numbers the committed published rows still without a sequence, per channel
/// in order. Run in a transaction of its own right after a write commits (and by the
/// periodic sweep), beside the change log's. The advisory lock, held until this small
/// transaction commits, makes numbers visible in order, so a feed reader never sees a
/// later number before an earlier one; writers never lock the counters, and rows a running
/// writer holds are skipped (its own run after its commit numbers them), so this never
/// waits on a writer. SQLite numbers rows as they are written.
pub fn position_committed(tx: &mut dyn Tx) -> Result<(), StorageError> {
    if tx.dialect() != Dialect::Postgres
        || tx.query_opt("SELECT 1 FROM allocation_published WHERE seq IS NULL LIMIT 1", params![])?.is_none()
    {
        return Ok(());
    }
    tx.exec("SELECT pg_advisory_xact_lock(727213)", params![])?;
    let rows = tx.query(
        "SELECT channel, sku_code FROM allocation_published WHERE seq IS NULL
         ORDER BY channel, sku_code LIMIT 10000 FOR UPDATE SKIP LOCKED",
        params![],
    )?;
    let mut by_channel: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &rows {
        by_channel.entry(r.text(0)?).or_default().push(r.text(1)?);
    }
    for (channel, skus) in by_channel {
        let n = skus.len() as i64;
        let last = advance_seq(tx, channel_of(&channel)?, n)?;
        for (i, sku) in skus.iter().enumerate() {
            tx.exec(
                "UPDATE allocation_published SET seq = $3 WHERE channel = $1 AND sku_code = $2",
                params![channel.as_str(), sku.as_str(), last - n + 1 + i as i64],
            )?;
        }
    }
    Ok(())
}

/// Recomputes `sku` and writes what changed; answers the computation.
///
/// On PostgreSQL (read committed, several writers) the SKU's recomputations are serialized
/// by a transaction-scoped advisory lock taken *before* its balances are read: each one
/// then reads every balance change committed before it plus its own, so the last writer
/// always publishes from the true pool (without it, two transactions moving stock at two
/// nodes could each publish from a pool missing the other's change). Every caller updates
/// the balance first and then recomputes, so the order of locks is always balance → SKU.
pub fn recompute(tx: &mut dyn Tx, sku: &str, now_ms: Option<i64>) -> Result<Computed, StorageError> {
    if tx.dialect() == Dialect::Postgres {
        tx.exec("SELECT pg_advisory_xact_lock(727214, hashtext($1))", params![sku])?;
    }
    let c = compute(tx, sku, now_ms)?;
    apply(tx, sku, &c, now_ms)?;
    Ok(c)
}

thread_local! {
    /// SKUs touched inside [`batched`] on this thread, recomputed once at its end.
    static DEFERRED: std::cell::RefCell<Option<std::collections::BTreeSet<String>>> =
        const { std::cell::RefCell::new(None) };
}

/// Clears the deferred set however [`batched`] ends (an error or a panic included), so a
/// later transaction on the thread recomputes as usual.
struct DeferGuard;

impl Drop for DeferGuard {
    fn drop(&mut self) {
        DEFERRED.with(|d| d.borrow_mut().take());
    }
}

/// Runs `f` with the recomputation of published quantities deferred to its end, once per
/// SKU touched. A bulk import or an ERP batch touches a SKU at many nodes, and recomputing
/// it at each would cost rows × nodes (an import of 300,000 rows did not finish). A storage
/// job runs on one thread inside one transaction, so a thread-local set is enough; nested
/// calls join the outer batch.
pub fn batched<T, E: From<StorageError>>(tx: &mut dyn Tx, f: impl FnOnce(&mut dyn Tx) -> Result<T, E>) -> Result<T, E> {
    if DEFERRED.with(|d| d.borrow().is_some()) {
        return f(tx);
    }
    let guard = DeferGuard;
    DEFERRED.with(|d| *d.borrow_mut() = Some(std::collections::BTreeSet::new()));
    let value = f(tx)?;
    let skus = DEFERRED.with(|d| d.borrow_mut().take()).unwrap_or_default();
    drop(guard);
    for sku in skus {
        recompute(tx, &sku, None)?;
    }
    Ok(value)
}

/// The ledger's hook: a sellable balance of `sku` changed in this transaction (recomputed
/// now, or at the end of the enclosing [`batched`]).
pub fn stock_changed(tx: &mut dyn Tx, sku: &str, now_ms: Option<i64>) -> Result<(), StorageError> {
    let deferred = DEFERRED.with(|d| d.borrow_mut().as_mut().map(|set| set.insert(sku.to_string())).is_some());
    if deferred {
        return Ok(());
    }
    recompute(tx, sku, now_ms).map(|_| ())
}

/// Recomputes every SKU with stock or a published quantity (after a configuration change:
/// a full pass, unlike stock changes). Answers how many.
pub fn recompute_all(tx: &mut dyn Tx, now_ms: i64) -> Result<usize, StorageError> {
    let skus = tx.query(
        "SELECT sku_code FROM stock_balance WHERE quality = 'sellable'
         UNION SELECT sku_code FROM allocation_published ORDER BY 1",
        params![],
    )?;
    for r in &skus {
        recompute(tx, &r.text(0)?, Some(now_ms))?;
    }
    Ok(skus.len())
}

/// Adds `qty` units sold by `channel` of `sku` on `day`.
pub fn record_sold(tx: &mut dyn Tx, channel: Channel, sku: &str, day: &str, qty: i64) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO allocation_sold (channel, sku_code, local_day, qty) VALUES ($1, $2, $3, $4)
         ON CONFLICT (channel, sku_code, local_day) DO UPDATE SET qty = allocation_sold.qty + excluded.qty",
        params![channel.as_str(), sku, day, qty],
    )?;
    Ok(())
}

fn entry_from_row(r: &Row) -> Result<FeedEntry, StorageError> {
    Ok(FeedEntry {
        seq: r.i64(0)?,
        sku_code: r.text(1)?,
        quantity: r.i64(2)?,
        exclusive: r.bool(3)?,
        depth: depth_of(&r.text(4)?)?,
        config_version: r.i64(5)?,
    })
}

/// A channel's feed entries after `after`, by sequence, at most `limit`.
pub fn feed(tx: &mut dyn Tx, channel: Channel, after: i64, limit: u32) -> Result<Vec<FeedEntry>, StorageError> {
    tx.query(
        "SELECT seq, sku_code, quantity, exclusive, depth, config_version FROM allocation_published
         WHERE channel = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        params![channel.as_str(), after, limit],
    )?
    .iter()
    .map(entry_from_row)
    .collect()
}

/// A channel's latest sequence number.
pub fn head_seq(tx: &mut dyn Tx, channel: Channel) -> Result<i64, StorageError> {
    Ok(tx
        .query_opt("SELECT seq FROM allocation_channel_seq WHERE channel = $1", params![channel.as_str()])?
        .map(|r| r.i64(0))
        .transpose()?
        .unwrap_or(0))
}

fn switch_from_row(r: &Row) -> Result<SwitchRecord, StorageError> {
    Ok(SwitchRecord {
        id: r.i64(0)?,
        sku_code: r.text(1)?,
        rule: r.text(2)?,
        config_version: r.i64(3)?,
        from: depth_of(&r.text(4)?)?,
        to: depth_of(&r.text(5)?)?,
        total_available: r.i64(6)?,
        threshold: r.i64(7)?,
        at_ms: r.opt_i64(8)?,
    })
}

/// Switches, newest first: of one SKU or all, with ids below `before`, at most `limit`.
pub fn switches(
    tx: &mut dyn Tx,
    sku: Option<&str>,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<SwitchRecord>, StorageError> {
    tx.query(
        "SELECT id, sku_code, rule_name, config_version, from_depth, to_depth, total_available, threshold, at_ms
         FROM allocation_switch
         WHERE (CAST($1 AS TEXT) IS NULL OR sku_code = $1) AND (CAST($2 AS BIGINT) IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3",
        params![sku, before, limit],
    )?
    .iter()
    .map(switch_from_row)
    .collect()
}

/// A channel's webhook as stored (the secret included: only the worker reads it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// The channel.
    pub channel: Channel,
    /// URL.
    pub url: String,
    /// Signing secret.
    pub secret: String,
    /// Whether pushes are sent.
    pub enabled: bool,
    /// Version.
    pub version: i64,
    /// Last sequence acknowledged.
    pub delivered_seq: i64,
    /// Next try due (ms).
    pub due_ms: i64,
    /// Failed tries since the last success.
    pub tries: i64,
    /// The last failure.
    pub last_error: Option<String>,
}

const WEBHOOK_COLUMNS: &str = "channel, url, secret, enabled, version, delivered_seq, due_ms, tries, last_error";

fn webhook_from_row(r: &Row) -> Result<Webhook, StorageError> {
    Ok(Webhook {
        channel: channel_of(&r.text(0)?)?,
        url: r.text(1)?,
        secret: r.text(2)?,
        enabled: r.bool(3)?,
        version: r.i64(4)?,
        delivered_seq: r.i64(5)?,
        due_ms: r.i64(6)?,
        tries: r.i64(7)?,
        last_error: r.opt_text(8)?,
    })
}

/// A channel's webhook.
pub fn webhook(tx: &mut dyn Tx, channel: Channel) -> Result<Option<Webhook>, StorageError> {
    tx.query_opt(
        &format!("SELECT {WEBHOOK_COLUMNS} FROM allocation_webhook WHERE channel = $1"),
        params![channel.as_str()],
    )?
    .map(|r| webhook_from_row(&r))
    .transpose()
}

/// Stores a channel's webhook settings (validated by the caller) as its next version; a
/// new one starts delivering at `deliver_after` (default 0: the whole feed). Failures
/// so far are forgotten, so the next try is due now.
pub fn put_webhook(
    tx: &mut dyn Tx,
    channel: Channel,
    w: &WebhookInput,
    secret: &str,
    now_ms: i64,
) -> Result<(), StorageError> {
    tx.exec(
        "INSERT INTO allocation_webhook (channel, url, secret, enabled, version, delivered_seq, due_ms, tries, updated_ms)
         VALUES ($1, $2, $3, $4, 1, COALESCE(CAST($5 AS BIGINT), 0), $6, 0, $6)
         ON CONFLICT (channel) DO UPDATE SET url = excluded.url, secret = excluded.secret, enabled = excluded.enabled,
            version = allocation_webhook.version + 1,
            delivered_seq = COALESCE(CAST($5 AS BIGINT), allocation_webhook.delivered_seq),
            due_ms = excluded.due_ms, tries = 0, last_error = NULL, claimed_ms = NULL, claim_token = NULL,
            updated_ms = excluded.updated_ms",
        params![channel.as_str(), &w.url, secret, w.enabled, w.deliver_after, now_ms],
    )?;
    Ok(())
}

/// A claimed delivery: the webhook, the entries to send, and the claim's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The webhook as claimed.
    pub webhook: Webhook,
    /// Entries after its `delivered_seq`.
    pub entries: Vec<FeedEntry>,
    /// Only this claim may acknowledge or retry it.
    pub token: String,
}

/// Claims the webhook of one channel that is enabled, due, behind its feed and not held by
/// a live claim (claimed at or before `expired_ms` counts as free), with up to `batch`
/// entries to send. One at a time.
pub fn claim_delivery(
    tx: &mut dyn Tx,
    token: &str,
    batch: u32,
    now_ms: i64,
    expired_ms: i64,
) -> Result<Option<Delivery>, StorageError> {
    let skip = if tx.dialect() == Dialect::Postgres { " FOR UPDATE OF w SKIP LOCKED" } else { "" };
    let sql = format!(
        "SELECT w.channel FROM allocation_webhook w JOIN allocation_channel_seq s ON s.channel = w.channel
         WHERE w.enabled = 1 AND w.delivered_seq < s.seq AND w.due_ms <= $1 AND (w.claimed_ms IS NULL OR w.claimed_ms <= $2)
         ORDER BY w.due_ms, w.channel LIMIT 1{skip}"
    );
    let Some(r) = tx.query_opt(&sql, params![now_ms, expired_ms])? else { return Ok(None) };
    let channel = channel_of(&r.text(0)?)?;
    let taken = tx.exec(
        "UPDATE allocation_webhook SET claimed_ms = $2, claim_token = $3, last_attempt_ms = $2
         WHERE channel = $1 AND (claimed_ms IS NULL OR claimed_ms <= $4)",
        params![channel.as_str(), now_ms, token, expired_ms],
    )?;
    if taken != 1 {
        return Ok(None);
    }
    let Some(webhook) = webhook(tx, channel)? else { return Ok(None) };
    let entries = feed(tx, channel, webhook.delivered_seq, batch)?;
    Ok(Some(Delivery { webhook, entries, token: token.to_string() }))
}

/// The receiver acknowledged entries up to `seq`: the delivery position moves on (never
/// back) and the claim ends. Only by the claim holding it; answers whether it did.
pub fn ack_delivery(tx: &mut dyn Tx, channel: Channel, token: &str, seq: i64) -> Result<bool, StorageError> {
    Ok(tx.exec(
        "UPDATE allocation_webhook SET delivered_seq = CASE WHEN delivered_seq < $3 THEN $3 ELSE delivered_seq END,
            tries = 0, last_error = NULL, claimed_ms = NULL, claim_token = NULL
         WHERE channel = $1 AND claim_token = $2",
        params![channel.as_str(), token, seq],
    )? == 1)
}

/// The delivery failed: tried again at `due_ms`, the reason kept. Only by the claim
/// holding it; answers whether it did.
pub fn retry_delivery(
    tx: &mut dyn Tx,
    channel: Channel,
    token: &str,
    due_ms: i64,
    error: &str,
) -> Result<bool, StorageError> {
    let error: String = error.chars().take(500).collect();
    Ok(tx.exec(
        "UPDATE allocation_webhook SET tries = tries + 1, due_ms = $3, last_error = $4, claimed_ms = NULL, claim_token = NULL
         WHERE channel = $1 AND claim_token = $2",
        params![channel.as_str(), token, due_ms, error],
    )? == 1)
}
