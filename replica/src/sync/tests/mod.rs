//! The sync engine's behaviour against a scripted server and a hand-driven clock: paging,
//! back-off, `Retry-After`, revocation and re-enrolment, downloading again, isolating a
//! refused op, replaying a push whose answer was lost. Each test fails if its behaviour breaks.

mod aisle;
mod fake;
mod returns;

use super::policy::{backoff, BACKOFF_FIRST, IDLE, MAX_RETRY_AFTER, SLOW_RETRY};
use super::transport::{Failure, ServerEvent};
use super::AVAILABILITY_MAX_AGE;
use crate::error::ReplicaError;
use crate::token::TokenStore;
use fake::*;
use shared::protocol::{PushResponse, PROTOCOL_VERSION};
use std::time::Duration;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn offline() -> Failure {
    Failure::Network { message: "connection refused".into() }
}

fn busy(retry_after: Option<Duration>) -> Failure {
    Failure::Unavailable { retry_after, code: "unavailable".into(), message: "the server is busy".into() }
}

fn refused(code: &str) -> Failure {
    Failure::Refused { status: 422, code: code.into(), message: format!("refused: {code}") }
}

// Pull ----------------------------------------------------------------------------------

#[tokio::test]
async fn pull_pages_until_the_server_has_no_more_then_refreshes_availability_and_resolutions() {
    let fx = Fx::enrolled();
    fx.server.on_pull(|_| Ok(bootstrap_page("c1", true, vec![staff("A"), staff("B")], 2, 5)));
    fx.server.on_pull(|_| Ok(bootstrap_page("c2", true, vec![staff("C"), staff("D")], 4, 5)));
    fx.server.on_pull(|_| Ok(bootstrap_page("c3", false, vec![staff("E")], 5, 5)));
    let report = fx.engine.sync_once().await.unwrap();

    assert_eq!(report.pulled, 5);
    assert_eq!(fx.server.pulls(), ["c0", "c1", "c2"], "each page from the cursor the last one gave");
    assert_eq!(fx.replica.cursor().unwrap(), "c3");
    let calls = fx.server.calls();
    let last_pull = calls.iter().rposition(|c| matches!(c, Call::Pull { .. })).unwrap();
    assert!(
        matches!(&calls[last_pull + 1..], [Call::Availability { .. }, Call::Resolutions { .. }]),
        "availability and resolutions once, after the last page: {calls:?}"
    );
    let status = fx.engine.status().borrow().clone();
    assert!(status.online && status.error.is_none());
    assert_eq!(status.bootstrap, None, "progress is cleared once done");
    assert_eq!(status.last_sync_ms, Some(fx.clock.now().timestamp_millis()), "stamped by the engine's clock");
}

#[tokio::test]
async fn a_failed_page_keeps_the_pages_before_it_and_the_next_round_goes_on_from_there() {
    let fx = Fx::enrolled();
    fx.server.on_pull(|_| Ok(page("c1", true, vec![staff("A")])));
    fx.server.fail_pull(offline());
    assert!(matches!(fx.engine.sync_once().await, Err(ReplicaError::Offline { .. })));
    assert!(!fx.engine.status().borrow().online);
    assert_eq!(fx.replica.cursor().unwrap(), "c1");
    fx.engine.sync_once().await.unwrap();
    assert_eq!(fx.server.pulls(), ["c0", "c1", "c1"]);
}

#[tokio::test]
async fn an_unknown_cursor_downloads_the_store_again() {
    let fx = Fx::enrolled();
    fx.server.on_pull(|_| Ok(page("c9", false, vec![])));
    fx.engine.sync_once().await.unwrap();

    fx.server.on_pull(|_| Err(Failure::Conflict { code: "cursor_ahead".into(), message: "restored".into() }));
    fx.server.on_pull(|_| Ok(bootstrap_page("r1", false, vec![staff(STAFF), staff("NEW")], 2, 2)));
    let report = fx.engine.sync_once().await.unwrap();
    assert_eq!(fx.server.pulls(), ["c0", "c9", "0"], "pulled again from the start");
    assert_eq!(report.pulled, 2);
    assert_eq!(fx.replica.cursor().unwrap(), "r1");
    assert_eq!(fx.engine.status().borrow().error, None);
}

#[tokio::test]
async fn a_server_that_never_knows_the_cursor_is_asked_again_only_once_a_round() {
    let fx = Fx::enrolled();
    for _ in 0..2 {
        fx.server
            .on_pull(|_| Err(Failure::Refused { status: 400, code: "invalid_cursor".into(), message: String::new() }));
    }
    let e = fx.engine.sync_once().await.unwrap_err();
    assert!(matches!(e, ReplicaError::Server { status: 400, ref code, .. } if code == "invalid_cursor"), "{e:?}");
    assert_eq!(fx.server.pulls(), ["c0", "0"]);
}

// Push ----------------------------------------------------------------------------------

#[tokio::test]
async fn a_push_whose_answer_was_lost_is_sent_again_unchanged_and_applied_once() {
    let fx = Fx::enrolled();
    let ops = fx.queue(3);
    let queued = fx.outbox();
    fx.server.lose_push_answer();
    assert!(matches!(fx.engine.sync_once().await, Err(ReplicaError::Offline { .. })));
    assert_eq!(fx.outbox(), queued, "nothing leaves the outbox without an answer");

    let report = fx.engine.sync_once().await.unwrap();
    assert_eq!(report.pushed, 3);
    let pushes = fx.server.pushes();
    assert_eq!(pushes.len(), 2);
    assert_eq!(pushes[1].1, pushes[0].1, "the same ops with the same sequence numbers");
    assert_eq!(fx.server.applied(), ops, "each applied once");
    assert!(fx.outbox().is_empty());
}

#[tokio::test]
async fn a_refused_op_is_isolated_and_the_rest_of_the_outbox_goes_through() {
    let fx = Fx::enrolled();
    let ops = fx.queue(3);
    let (a, b, c) = (ops[0], ops[1], ops[2]);
    fx.server.refuse_op(b);
    let report = fx.engine.sync_once().await.unwrap();

    assert_eq!(report.pushed, 3);
    let sent: Vec<Vec<(uuid::Uuid, u64)>> = fx.server.pushes().into_iter().map(|(_, ops)| ops).collect();
    assert_eq!(
        sent,
        [
            vec![(a, 1), (b, 2), (c, 3)], // refused whole
            vec![(a, 1)],                 // the first op alone is fine
            vec![(b, 2), (c, 3)],         // refused again
            vec![(b, 2)],                 // the refused op alone: it goes to the inbox
            vec![(c, 2)],                 // the rest, renumbered so the server sees no gap
        ]
    );
    assert_eq!(fx.server.applied(), [a, c]);
    assert!(fx.outbox().is_empty());
    let inbox = fx.replica.inbox().unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!((inbox[0].op_id.as_str(), inbox[0].status.as_str()), (b.to_string().as_str(), "rejected"));
    assert_eq!(inbox[0].code, "invalid_field");
}

#[tokio::test]
async fn a_refused_single_op_goes_to_the_inbox_without_being_sent_twice() {
    let fx = Fx::enrolled();
    let op = fx.queue(1)[0];
    fx.server.refuse_op(op);
    assert_eq!(fx.engine.sync_once().await.unwrap().pushed, 1);
    assert_eq!(fx.server.pushes().len(), 1);
    assert_eq!(fx.replica.inbox().unwrap()[0].op_id, op.to_string());
}

#[tokio::test]
async fn an_op_that_fails_alone_for_another_reason_stays_queued() {
    let fx = Fx::enrolled();
    fx.queue(2);
    let queued = fx.outbox();
    fx.server.fail_push(refused("invalid_field"));
    fx.server.fail_push(busy(Some(secs(2))));
    assert!(matches!(fx.engine.sync_once().await, Err(ReplicaError::Server { status: 503, .. })));
    assert_eq!(fx.outbox(), queued, "a busy server refuses nothing for good");
    assert!(fx.replica.inbox().unwrap().is_empty());
}

#[tokio::test]
async fn an_answer_for_other_ops_changes_nothing() {
    let fx = Fx::enrolled();
    fx.queue(2);
    let queued = fx.outbox();
    fx.server.on_push(|req| {
        let mut resp = PushResponse { results: vec![] };
        for op in &req.ops {
            let mut other = op.clone();
            other.op_id = uuid::Uuid::now_v7();
            resp.results.push(shared::protocol::OpResult {
                op_id: other.op_id,
                device_seq: other.device_seq,
                outcome: shared::protocol::OpOutcome::Applied,
            });
        }
        Ok(resp)
    });
    assert!(matches!(fx.engine.sync_once().await, Err(ReplicaError::CorruptResponse { .. })));
    assert_eq!(fx.outbox(), queued);
}

#[tokio::test]
async fn a_sequence_gap_keeps_the_work_and_retries_only_slowly() {
    let fx = Fx::enrolled();
    fx.queue(1);
    let queued = fx.outbox();
    let gap = || Failure::Conflict { code: "sequence_gap".into(), message: "push from 4".into() };
    fx.server.fail_push(gap());
    let _loop = fx.start_loop();
    assert_eq!(fx.clock.next_sleep().await.duration, SLOW_RETRY);
    assert_eq!(fx.outbox(), queued);
    let error = fx.engine.status().borrow().error.clone();
    assert!(matches!(error, Some(ReplicaError::Server { status: 409, ref code, .. }) if code == "sequence_gap"));
}

// The sync loop: waiting -------------------------------------------------------------------

#[tokio::test]
async fn back_off_grows_while_the_server_is_unreachable_or_failing_and_resets_after_a_sync() {
    let fx = Fx::enrolled();
    fx.server.fail_pull(offline());
    fx.server.fail_pull(Failure::ServerError { status: 500, code: "internal".into(), message: String::new() });
    fx.server.fail_pull(busy(None));
    let _loop = fx.start_loop();
    let mut waits = vec![];
    for _ in 0..3 {
        let sleep = fx.clock.next_sleep().await;
        waits.push(sleep.duration);
        sleep.wake();
    }
    assert_eq!(waits, [BACKOFF_FIRST, 2 * BACKOFF_FIRST, 4 * BACKOFF_FIRST], "doubling");
    let idle = fx.clock.next_sleep().await;
    assert_eq!(idle.duration, IDLE, "synced, then idle");

    fx.server.fail_pull(offline());
    idle.wake();
    assert_eq!(fx.clock.next_sleep().await.duration, BACKOFF_FIRST, "a sync resets the back-off");
}

#[tokio::test]
async fn a_long_outage_backs_off_no_further_than_the_cap() {
    let fx = Fx::enrolled();
    for _ in 0..12 {
        fx.server.fail_pull(offline());
    }
    let _loop = fx.start_loop();
    let mut last = Duration::ZERO;
    for _ in 0..12 {
        let sleep = fx.clock.next_sleep().await;
        last = sleep.duration;
        sleep.wake();
    }
    assert_eq!(last, backoff(u32::MAX, 1.0));
    assert_eq!(last, secs(60));
}

#[tokio::test]
async fn a_poke_cuts_a_back_off_short() {
    let fx = Fx::enrolled();
    fx.server.fail_pull(offline());
    let _loop = fx.start_loop();
    let held = fx.clock.next_sleep().await;
    assert_eq!(held.duration, BACKOFF_FIRST);
    let before = fx.server.pulls().len();
    fx.engine.poke();
    assert_eq!(fx.clock.next_sleep().await.duration, IDLE, "synced without the back-off ending");
    assert_eq!(fx.server.pulls().len(), before + 1);
    drop(held);
}

#[tokio::test]
async fn retry_after_of_a_busy_server_is_waited_out_whatever_pokes() {
    let fx = Fx::enrolled();
    fx.server.fail_pull(busy(Some(secs(7))));
    let _loop = fx.start_loop();
    let sleep = fx.clock.next_sleep().await;
    assert_eq!(sleep.duration, secs(7));
    assert!(fx.engine.status().borrow().online, "a busy server is online");

    let pulls = fx.server.pulls().len();
    fx.engine.poke();
    settle().await;
    assert_eq!(fx.server.pulls().len(), pulls, "no request before the Retry-After");
    assert!(fx.clock.sleep_started().await.is_none());
    sleep.wake();
    assert_eq!(fx.clock.next_sleep().await.duration, IDLE);
    assert_eq!(fx.server.pulls().len(), pulls + 1, "retried once it passed; the poke needed no round of its own");
}

#[tokio::test]
async fn a_rate_limited_device_waits_as_asked_and_reports_the_429() {
    let fx = Fx::enrolled();
    let limited =
        |s| Failure::RateLimited { retry_after: Some(secs(s)), code: "rate_limited".into(), message: String::new() };
    fx.server.fail_pull(limited(9));
    fx.server.fail_pull(limited(86_400));
    let _loop = fx.start_loop();
    let first = fx.clock.next_sleep().await;
    assert_eq!(first.duration, secs(9));
    let error = fx.engine.status().borrow().error.clone();
    assert!(matches!(error, Some(ReplicaError::Server { status: 429, .. })), "{error:?}");
    first.wake();
    assert_eq!(fx.clock.next_sleep().await.duration, MAX_RETRY_AFTER, "an absurd Retry-After is capped");
}

// Revocation and enrolment ----------------------------------------------------------------

#[tokio::test]
async fn a_revoked_device_forgets_its_token_keeps_its_work_and_waits_to_be_enrolled() {
    let fx = Fx::enrolled();
    fx.queue(2);
    let queued = fx.outbox();
    fx.server.fail_push(Failure::Revoked);
    let _loop = fx.start_loop();
    fx.until(|s| !s.pushes().is_empty()).await;
    settle().await;

    assert_eq!(fx.tokens.get(), None, "the token is forgotten");
    assert_eq!(fx.outbox(), queued, "the work stays");
    assert_eq!(fx.engine.status().borrow().error, Some(ReplicaError::Revoked));
    assert!(fx.clock.sleep_started().await.is_none(), "no retry timer: it waits to be enrolled");

    // Poked (a local action): nothing to do without a token; the server is not called.
    let calls = fx.server.calls().len();
    fx.engine.poke();
    settle().await;
    assert_eq!(fx.server.calls().len(), calls);
    assert_eq!(fx.engine.status().borrow().error, Some(ReplicaError::NotEnrolled));
    assert!(fx.clock.sleep_started().await.is_none());
}

#[tokio::test]
async fn re_enrolment_wakes_the_loop_and_sends_the_kept_work_under_the_new_token() {
    let fx = Fx::enrolled();
    fx.queue(1);
    fx.engine.sync_once().await.unwrap();
    let kept = fx.queue(2);
    assert_eq!(fx.outbox().iter().map(|o| o.1).collect::<Vec<_>>(), [2, 3]);
    fx.server.fail_push(Failure::Revoked);
    let _loop = fx.start_loop();
    fx.until(|s| s.pushes().len() == 2).await;
    settle().await;
    assert_eq!(fx.tokens.get(), None);

    fx.server.on_enroll(|_| Ok(enroll_response("token-new", PROTOCOL_VERSION)));
    let enrolment = fx.engine.enroll(&format!("{URL}/"), "CODE-2", "till 2").await.unwrap();
    assert_eq!(enrolment.server_url, URL, "recorded without the trailing slash");
    assert_eq!(fx.tokens.get().as_deref(), Some("token-new"));
    assert_eq!(fx.clock.next_sleep().await.duration, IDLE, "the enrolment poked the loop, which synced");

    let pushes = fx.server.pushes();
    let (token, sent) = pushes.last().unwrap();
    assert_eq!(token, "token-new");
    assert_eq!(sent, &[(kept[0], 1), (kept[1], 2)], "renumbered from 1 for the new device id");
    assert!(fx.server.applied().ends_with(&kept));
    assert!(fx.outbox().is_empty());
    assert_eq!(fx.server.calls().iter().filter(|c| **c == Call::Connect(URL.into())).count(), 4);
}

#[tokio::test]
async fn an_enrolment_answered_in_another_protocol_saves_nothing() {
    let fx = Fx::unenrolled();
    fx.server.on_enroll(|_| Ok(enroll_response("token-v2", PROTOCOL_VERSION + 1)));
    let e = fx.engine.enroll(URL, "CODE", "till").await.unwrap_err();
    assert!(matches!(e, ReplicaError::IncompatibleServer { .. }), "{e:?}");
    assert_eq!(fx.tokens.get(), None);
    assert_eq!(fx.replica.enrollment().unwrap(), None);

    fx.server.on_enroll(|_| {
        Err(Failure::Denied { status: 401, code: "invalid_enrollment_code".into(), message: "used".into() })
    });
    let e = fx.engine.enroll(URL, "CODE", "till").await.unwrap_err();
    assert!(matches!(e, ReplicaError::Server { status: 401, .. }), "{e:?}");
    assert_eq!(fx.tokens.get(), None);
}

#[tokio::test]
async fn a_device_never_enrolled_calls_no_server() {
    let fx = Fx::unenrolled();
    assert_eq!(fx.engine.sync_once().await.unwrap_err(), ReplicaError::NotEnrolled);
    assert!(fx.server.calls().is_empty());
}

// Availability, resolutions, events ---------------------------------------------------------

#[tokio::test]
async fn availability_is_fetched_whole_and_again_only_once_older_than_its_max_age() {
    let fx = Fx::enrolled();
    let as_of = fx.clock.now();
    fx.server.on_availability(move |_| {
        Ok(shared::protocol::AvailabilityPage { as_of, items: vec![available("SKU-1", 4)], next: Some("SKU-1".into()) })
    });
    fx.server.on_availability(move |_| {
        Ok(shared::protocol::AvailabilityPage { as_of, items: vec![available("SKU-2", 9)], next: None })
    });
    fx.engine.sync_once().await.unwrap();
    assert_eq!(fx.replica.network_availability("SKU-1").unwrap(), Some((4, as_of.timestamp_millis())));
    assert_eq!(fx.replica.network_availability("SKU-2").unwrap().map(|a| a.0), Some(9));
    let fetched = |fx: &Fx| fx.server.calls().iter().filter(|c| matches!(c, Call::Availability { .. })).count();
    assert_eq!(fetched(&fx), 2);

    fx.clock.advance(AVAILABILITY_MAX_AGE - secs(1));
    fx.engine.sync_once().await.unwrap();
    assert_eq!(fetched(&fx), 2, "still fresh");
    fx.clock.advance(secs(1));
    fx.engine.sync_once().await.unwrap();
    assert_eq!(fetched(&fx), 3, "refreshed once stale");
    assert_eq!(fx.replica.network_availability("SKU-1").unwrap(), None, "the snapshot is replaced whole");
}

#[tokio::test]
async fn availability_pages_that_do_not_advance_are_an_error() {
    let fx = Fx::enrolled();
    let as_of = fx.clock.now();
    fx.server.on_availability(move |_| {
        Ok(shared::protocol::AvailabilityPage { as_of, items: vec![], next: Some(String::new()) })
    });
    assert!(matches!(fx.engine.sync_once().await, Err(ReplicaError::CorruptResponse { .. })));
}

#[tokio::test]
async fn server_events_poke_the_sync_loop_and_a_lost_connection_is_retried_with_back_off() {
    let fx = Fx::enrolled();
    fx.server.on_events(Err(offline()));
    fx.server.on_events(Err(offline()));
    fx.server.on_events(Ok(vec![ServerEvent::Changed]));
    let _listener = fx.start_listener();

    let mut waits = vec![];
    for _ in 0..3 {
        let sleep = fx.clock.next_sleep().await;
        waits.push(sleep.duration);
        sleep.wake();
    }
    assert_eq!(waits, [BACKOFF_FIRST, 2 * BACKOFF_FIRST, BACKOFF_FIRST], "a connection that worked starts afresh");
    tokio::time::timeout(secs(5), fx.engine.poke.notified()).await.expect("the event poked the engine");
    fx.until(|s| s.calls().iter().filter(|c| **c == Call::Events).count() == 4).await;
}

#[tokio::test]
async fn the_listener_waits_for_an_enrolment_without_calling_the_server() {
    let fx = Fx::unenrolled();
    let _listener = fx.start_listener();
    let sleep = fx.clock.next_sleep().await;
    assert_eq!(sleep.duration, super::LISTEN_UNENROLLED);
    assert!(fx.server.calls().is_empty());
    fx.replica.record_enrollment(URL, &enroll_response(TOKEN, PROTOCOL_VERSION)).unwrap();
    fx.tokens.save(TOKEN).unwrap();
    sleep.wake();
    fx.until(|s| s.calls().contains(&Call::Events)).await;
}
