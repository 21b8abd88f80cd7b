//! Pull: a paged bootstrap snapshot of the store's scope, then incremental changes.
//!
//! Cursors are opaque to devices: `0` starts a bootstrap; `b/<tx>/<seq>/<done>/<section>/<after>`
//! pages through the snapshot taken at change-log position `(tx, seq)`; `c/<tx>/<seq>` serves
//! changes after that position. Entities that change during a bootstrap are sent again by
//! the incremental pulls that follow, so the device always converges.

use super::{ErrorKind, ServiceError};
use crate::storage::changes::{self, Entity, Position};
use crate::storage::{catalogue, ledger, orders, Tx};
use shared::protocol::{BootstrapProgress, Change, PullResponse, BOOTSTRAP_CURSOR, PROTOCOL_VERSION};
use shared::stock::Quality;
use std::collections::HashSet;
use uuid::Uuid;

const SECTIONS: u32 = 7;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Cursor {
    Bootstrap { at: Position, done: u64, section: u32, after: String },
    Changes { at: Position },
}

fn bad_cursor() -> ServiceError {
    ServiceError::new(
        ErrorKind::BadRequest,
        "invalid_cursor",
        "the cursor is not one this server issued; pull again from cursor 0",
    )
}

fn parse(cursor: &str) -> Result<Cursor, ServiceError> {
    if cursor == BOOTSTRAP_CURSOR {
        return Ok(Cursor::Bootstrap { at: Position { tx: -1, seq: -1 }, done: 0, section: 0, after: String::new() });
    }
    let num = |s: Option<&str>| -> Result<i64, ServiceError> {
        s.and_then(|s| s.parse::<i64>().ok()).filter(|n| *n >= 0).ok_or_else(bad_cursor)
    };
    if let Some(rest) = cursor.strip_prefix("b/") {
        let mut p = rest.splitn(5, '/');
        let at = Position { tx: num(p.next())?, seq: num(p.next())? };
        let done = num(p.next())? as u64;
        let section = u32::try_from(num(p.next())?).map_err(|_| bad_cursor())?;
        let after = p.next().ok_or_else(bad_cursor)?.to_string();
        if section >= SECTIONS {
            return Err(bad_cursor());
        }
        return Ok(Cursor::Bootstrap { at, done, section, after });
    }
    if let Some(rest) = cursor.strip_prefix("c/") {
        let mut p = rest.splitn(2, '/');
        return Ok(Cursor::Changes { at: Position { tx: num(p.next())?, seq: num(p.next())? } });
    }
    Err(bad_cursor())
}

/// A cursor beyond the end of the log was not issued by this database as it is now: HQ
/// restored an older backup, or the device talks to another server. Serving it would answer
/// "nothing new" for ever while the device misses everything, so the device must start over.
fn check_not_ahead(tx: &mut dyn Tx, at: Position) -> Result<(), ServiceError> {
    let end = changes::horizon(tx)?;
    if at > end {
        return Err(ServiceError::conflict(
            "cursor_ahead",
            format!(
                "the device has seen changes up to {}/{} but this server's change log ends at {}/{} (was HQ's database restored from a backup?); pull again from cursor 0",
                at.tx, at.seq, end.tx, end.seq
            ),
        ));
    }
    Ok(())
}

fn changes_cursor(at: Position) -> String {
    format!("c/{}/{}", at.tx, at.seq)
}

/// Refuses a device that speaks another sync protocol version than this server (400
/// `unsupported_protocol_version`); a device that does not say is served.
pub fn check_protocol_version(version: Option<u32>) -> Result<(), ServiceError> {
    match version {
        Some(v) if v != PROTOCOL_VERSION => Err(ServiceError::new(
            ErrorKind::BadRequest,
            "unsupported_protocol_version",
            format!("this server speaks sync protocol v{PROTOCOL_VERSION}, the app sent v{v}; update the app"),
        )),
        _ => Ok(()),
    }
}

/// One page of the store's changes after `cursor`, stamped with the server's time `now`.
pub fn pull(
    tx: &mut dyn Tx,
    store: &str,
    cursor: &str,
    limit: u32,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<PullResponse, ServiceError> {
    let limit = limit.clamp(1, shared::protocol::MAX_PULL_LIMIT);
    match parse(cursor)? {
        Cursor::Bootstrap { mut at, done, section, after } => {
            if at.seq < 0 {
                at = changes::horizon(tx)?;
            } else {
                check_not_ahead(tx, at)?;
            }
            let total = bootstrap_total(tx, store)?;
            let (changes, next) = bootstrap_page(tx, store, section, &after, limit)?;
            let done = done + changes.len() as u64;
            let (cursor, has_more) = match next {
                Some((section, after)) => (format!("b/{}/{}/{done}/{section}/{after}", at.tx, at.seq), true),
                None => (changes_cursor(at), !changes::after(tx, store, at, 1)?.is_empty()),
            };
            Ok(PullResponse {
                protocol_version: PROTOCOL_VERSION,
                cursor,
                has_more,
                bootstrap: Some(BootstrapProgress { done, total: total.max(done) }),
                changes,
                server_time: now,
                rules: super::settings::business_rules(tx)?.device(),
            })
        }
        Cursor::Changes { at } => {
            check_not_ahead(tx, at)?;
            let logged = changes::after(tx, store, at, limit)?;
            let has_more = logged.len() as u32 == limit;
            let next = logged.last().map(|l| l.position).unwrap_or(at);
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for l in logged.iter().rev() {
                if seen.insert((l.entity, l.key.clone())) {
                    if let Some(c) = load(tx, store, l.entity, &l.key)? {
                        out.push(c);
                    }
                }
            }
            out.reverse();
            Ok(PullResponse {
                protocol_version: PROTOCOL_VERSION,
                cursor: changes_cursor(next),
                has_more,
                bootstrap: None,
                changes: out,
                server_time: now,
                rules: super::settings::business_rules(tx)?.device(),
            })
        }
    }
}

fn bootstrap_total(tx: &mut dyn Tx, store: &str) -> Result<u64, ServiceError> {
    let c = catalogue::counts(tx, store)?;
    Ok(c.iter().sum::<u64>() + ledger::count_balances(tx, store)? + orders::count_open_fulfillments(tx, store)?)
}

/// Where a bootstrap goes on: section and the last key sent in it.
type Resume = (u32, String);

/// Fills a page from `section` on; returns the changes and where to go on, if anywhere.
fn bootstrap_page(
    tx: &mut dyn Tx,
    store: &str,
    mut section: u32,
    after: &str,
    limit: u32,
) -> Result<(Vec<Change>, Option<Resume>), ServiceError> {
    let mut out: Vec<Change> = Vec::new();
    let mut after = after.to_string();
    while section < SECTIONS {
        let room = limit - out.len() as u32;
        if room == 0 {
            return Ok((out, Some((section, after))));
        }
        let (page, last): (Vec<Change>, Option<String>) = match section {
            0 => {
                let v = catalogue::nodes_after(tx, &after, room)?;
                let last = v.last().map(|n| n.code.clone());
                (v.into_iter().map(Change::Node).collect(), last)
            }
            1 => {
                let v = catalogue::styles_after(tx, &after, room)?;
                let last = v.last().map(|n| n.code.clone());
                (v.into_iter().map(Change::Style).collect(), last)
            }
            2 => {
                let v = catalogue::skus_after(tx, &after, room)?;
                let last = v.last().map(|n| n.code.clone());
                (v.into_iter().map(Change::Sku).collect(), last)
            }
            3 => {
                let codes = catalogue::bundle_codes_after(tx, &after, room)?;
                let last = codes.last().cloned();
                let mut v = Vec::new();
                for c in codes {
                    if let Some(b) = catalogue::bundle(tx, &c)? {
                        v.push(Change::Bundle(b));
                    }
                }
                (v, last)
            }
            4 => {
                let v = catalogue::store_staff_after(tx, store, &after, room)?;
                let last = v.last().map(|s| s.id.clone());
                (v.into_iter().map(Change::Staff).collect(), last)
            }
            5 => {
                let (sku, quality) = after.rsplit_once('|').unwrap_or(("", ""));
                let v = ledger::stock_after(tx, store, sku, quality, room)?;
                let last = v.last().map(|s| ledger::stock_key(&s.sku_code, s.quality));
                (v.into_iter().map(Change::Stock).collect(), last)
            }
            _ => {
                let ids = orders::open_fulfillment_ids_after(tx, store, &after, room)?;
                let last = ids.last().map(|i| i.to_string());
                let mut v = Vec::new();
                for id in ids {
                    if let Some(f) = orders::fulfillment_view(tx, id)? {
                        v.push(Change::FulfillmentOrder(Box::new(f)));
                    }
                }
                (v, last)
            }
        };
        let full = last.is_some() && (page.len() as u32) >= room;
        out.extend(page);
        if full {
            return Ok((out, last.map(|l| (section, l))));
        }
        section += 1;
        after.clear();
    }
    Ok((out, None))
}

/// The current state of one logged entity as the store sees it.
fn load(tx: &mut dyn Tx, store: &str, entity: Entity, key: &str) -> Result<Option<Change>, ServiceError> {
    Ok(match entity {
        Entity::Node => catalogue::node(tx, key)?.map(Change::Node),
        Entity::Style => catalogue::style(tx, key)?.map(Change::Style),
        Entity::Sku => catalogue::sku(tx, key)?.map(Change::Sku),
        Entity::Bundle => catalogue::bundle(tx, key)?.map(Change::Bundle),
        // Logged in this store's scope but now working at another store (moved away): the
        // device gets them deactivated and without their PIN material, so they cannot log in
        // or approve here.
        Entity::Staff => catalogue::staff(tx, key)?.map(|(s, r)| {
            Change::Staff(if s == store {
                r
            } else {
                shared::protocol::StaffRecord {
                    active: false,
                    pin_hash: String::new(),
                    approval_salt: String::new(),
                    ..r
                }
            })
        }),
        Entity::Stock => {
            let Some((sku, quality)) = key.rsplit_once('|') else { return Ok(None) };
            let Some(quality) = Quality::parse(quality) else { return Ok(None) };
            Some(Change::Stock(ledger::stock_record(tx, store, sku, quality)?))
        }
        Entity::FulfillmentOrder => {
            let Ok(id) = Uuid::parse_str(key) else { return Ok(None) };
            orders::fulfillment_view(tx, id)?
                .filter(|f| f.node_code == store)
                .map(|f| Change::FulfillmentOrder(Box::new(f)))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_parse_or_fail_clearly() {
        assert!(matches!(parse("0"), Ok(Cursor::Bootstrap { section: 0, .. })));
        assert_eq!(parse("c/0/17").unwrap(), Cursor::Changes { at: Position { tx: 0, seq: 17 } });
        assert_eq!(
            parse("b/0/5/10/5/SKU|1|sellable").unwrap(),
            Cursor::Bootstrap { at: Position { tx: 0, seq: 5 }, done: 10, section: 5, after: "SKU|1|sellable".into() }
        );
        for bad in ["", "c/-1/2", "c/x", "b/0/0/0/9/", "z/1/2", "c/1"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
