//! Reads whose callers give up (a client timing out on a slow pull drops its request while
//! the database job goes on) must not make later reads fail: a storage slot is free again
//! only when the connection the abandoned job holds is back, not when its caller left.
//! (Issue 9, item 5: a dozen abandoned 5,000-record pulls made health checks answer 503.)

use crate::common;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use sync_server::storage::{Outcome, Storage};

/// A gate the slow jobs wait on, on their blocking threads.
struct Gate {
    open: Mutex<bool>,
    changed: Condvar,
}

impl Gate {
    fn wait(&self) {
        let mut open = self.open.lock().unwrap();
        while !*open {
            // Bounded, so a broken run cannot hang the suite.
            let (guard, timeout) = self.changed.wait_timeout(open, Duration::from_secs(30)).unwrap();
            open = guard;
            if timeout.timed_out() {
                return;
            }
        }
    }

    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.changed.notify_all();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_abandoned_by_their_callers_do_not_make_later_reads_fail() {
    let database = common::Database::fresh();
    let storage: Arc<dyn Storage> = sync_server::storage::open(&database.url).unwrap();
    let gate = Arc::new(Gate { open: Mutex::new(false), changed: Condvar::new() });
    let started = Arc::new(AtomicUsize::new(0));

    // Slow reads, more than any pool has connections: each holds its connection until the
    // gate opens, like a pull of thousands of records.
    let mut slow = Vec::new();
    for _ in 0..32 {
        let (storage, gate, started) = (storage.clone(), gate.clone(), started.clone());
        slow.push(tokio::spawn(async move {
            let _ = storage
                .read(Box::new(move |tx| {
                    started.fetch_add(1, Ordering::SeqCst);
                    gate.wait();
                    tx.query("SELECT 1", &[])?;
                    Ok(Outcome::Commit)
                }))
                .await;
        }));
    }
    // Wait (bounded) until every connection the pool will hand out is held by a slow job.
    let mut seen = 0;
    let mut stable = 0;
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(25)).await;
        let now = started.load(Ordering::SeqCst);
        stable = if now > 0 && now == seen { stable + 1 } else { 0 };
        seen = now;
        if stable >= 8 {
            break;
        }
    }
    assert!(seen > 0, "no slow read started");

    // Their callers give up, as an HTTP request dropped on a client timeout does.
    for t in &slow {
        t.abort();
    }
    for t in slow {
        let _ = t.await;
    }

    // Health-check reads arrive while the abandoned jobs still hold their connections.
    let probes: Vec<_> = (0..8)
        .map(|_| {
            let storage = storage.clone();
            tokio::spawn(async move {
                sync_server::service::read(storage.as_ref(), |tx| Ok(tx.query_opt("SELECT 1", &[])?.is_some())).await
            })
        })
        .collect();
    // Give the probes time to reach the pool before the slow jobs finish.
    tokio::time::sleep(Duration::from_millis(300)).await;
    gate.open();

    for p in probes {
        let r = tokio::time::timeout(Duration::from_secs(20), p).await.expect("a read never finished").unwrap();
        assert_eq!(r, Ok(true), "a read failed after abandoned reads: {r:?}");
    }
    // And the pool is whole again afterwards.
    for _ in 0..8 {
        let r = sync_server::service::read(storage.as_ref(), |tx| Ok(tx.query_opt("SELECT 1", &[])?.is_some())).await;
        assert_eq!(r, Ok(true));
    }
}
