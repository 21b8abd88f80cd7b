//! Conflicts HQ follows up: listed, resolved with a note, and the resolutions served to the
//! store whose op raised each, so its devices show them resolved.

use super::{text, ServiceError};
use crate::storage::followups::{self, FollowUp};
use crate::storage::Tx;
use shared::protocol::{Resolution, ResolutionPage};

/// Most resolutions per page.
pub const MAX_RESOLUTION_PAGE: u32 = 500;
/// Conflicts or notifications one call lists when it does not say.
pub const DEFAULT_LIST_LIMIT: u32 = 100;
/// The most conflicts or notifications one call lists.
pub const MAX_LIST_LIMIT: u32 = 1000;

fn list_limit(limit: Option<u32>) -> u32 {
    limit.unwrap_or(DEFAULT_LIST_LIMIT).clamp(1, MAX_LIST_LIMIT)
}

/// Conflicts flagged for HQ, newest first: open ones (`Some(false)`), resolved ones
/// (`Some(true)`) or all.
pub fn conflicts(
    tx: &mut dyn Tx,
    resolved: Option<bool>,
    limit: Option<u32>,
) -> Result<Vec<shared::admin::Conflict>, ServiceError> {
    Ok(followups::follow_ups(tx, resolved, list_limit(limit))?)
}

/// Hands customer notifications to the gateway, each leased for a while so a gateway that
/// dies before acknowledging does not lose them.
pub fn claim_notifications(
    tx: &mut dyn Tx,
    limit: Option<u32>,
    now: i64,
) -> Result<Vec<shared::admin::Notification>, ServiceError> {
    let claimed = followups::claim_notifications(tx, list_limit(limit), now)?;
    Ok(claimed.iter().map(followups::Notification::to_admin).collect::<Result<Vec<_>, _>>()?)
}

/// The gateway took notification `id` (as the caller wrote it): it is not handed out again
/// and its secrets are erased. Acknowledging again is harmless.
pub fn ack_notification(tx: &mut dyn Tx, id: &str, now: i64) -> Result<(), ServiceError> {
    let not_found =
        || ServiceError::new(super::ErrorKind::NotFound, "not_found", format!("notification {id:?} was not found"));
    let n: i64 = id.parse().ok().filter(|n| *n > 0).ok_or_else(not_found)?;
    if followups::ack_notification(tx, n, now)? {
        Ok(())
    } else {
        Err(ServiceError::not_found("notification", n))
    }
}

/// Resolves a conflict with HQ's note. Resolving again with the same note answers the same;
/// with another note it is refused, so one resolution is what the store sees. With
/// `release_refund`, a return's held refund is released in the same transaction (see
/// [`super::refunds::release_held`]).
pub fn resolve(tx: &mut dyn Tx, id: i64, note: &str, release_refund: bool, now: i64) -> Result<FollowUp, ServiceError> {
    text::check("note", note, shared::text::RESOLUTION_NOTE)?;
    let note = note.trim();
    let found = followups::follow_up_for_update(tx, id)?.ok_or_else(|| ServiceError::not_found("conflict", id))?;
    match found.resolution_note.as_deref() {
        Some(n) if found.resolved_ms.is_some() && n == note => return Ok(found),
        Some(_) if found.resolved_ms.is_some() => {
            return Err(ServiceError::conflict(
                "already_resolved",
                format!("conflict {id} was already resolved with another note; it keeps that one"),
            ))
        }
        _ => {}
    }
    if release_refund {
        super::refunds::release_held(tx, &found.conflict, now)?;
    }
    followups::resolve(tx, id, note, now)?;
    followups::follow_up_for_update(tx, id)?.ok_or_else(|| ServiceError::not_found("conflict", id))
}

fn bad_after() -> ServiceError {
    ServiceError::new(
        super::ErrorKind::BadRequest,
        "invalid_query",
        "after must be the `next` of the previous page (`<ms>/<id>`), or empty to start",
    )
}

/// The store's resolutions after `after` (`""` to start, else a page's `next`).
pub fn resolutions(tx: &mut dyn Tx, store: &str, after: &str, limit: u32) -> Result<ResolutionPage, ServiceError> {
    let after = if after.is_empty() {
        (i64::MIN, i64::MIN)
    } else {
        let (ms, id) = after.split_once('/').ok_or_else(bad_after)?;
        (ms.parse().map_err(|_| bad_after())?, id.parse().map_err(|_| bad_after())?)
    };
    let limit = limit.clamp(1, MAX_RESOLUTION_PAGE);
    let rows = followups::resolutions_after(tx, store, after, limit)?;
    let next = rows
        .last()
        .filter(|_| rows.len() as u32 == limit)
        .map(|r| format!("{}/{}", r.resolved_ms.unwrap_or(0), r.conflict.id));
    let items = rows
        .into_iter()
        .filter_map(|r| {
            Some(Resolution {
                conflict_id: r.conflict.id,
                op_id: r.conflict.op_id.as_deref().and_then(|o| uuid::Uuid::parse_str(o).ok())?,
                code: r.conflict.code,
                resolved_at: chrono::DateTime::from_timestamp_millis(r.resolved_ms?)?,
                note: r.resolution_note.unwrap_or_default(),
            })
        })
        .collect();
    Ok(ResolutionPage { items, next })
}
