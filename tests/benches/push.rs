//! Pushing a long outbox to the server against the raw limit of recording the same ops.
//!
//! `cargo bench -p tests --bench push [-- --ops N] [-- --quick]`
//!
//! An in-process sync server with the tiny brand; a device enrolled at STORE-A queues
//! 10,000 stock counts (`--quick`: 2,000), one SKU each, expected on-hand always right so
//! none conflicts, while offline (no sync). Then one `sync_once()` is timed: the outbox
//! goes in batches of 200 (each batch one server transaction: per op a savepoint, the
//! count's ledger movement, the applied-op record) followed by the pull that brings the
//! resulting stock changes back. Raw limit, in the same run: the same number of rows
//! inserted into a fresh SQLite file with the server's `applied_op` table, 200 per
//! transaction (as the pushes are), with a prepared statement.

// A benchmark of a test-only crate: a failed step should stop it loudly, and it stamps the
// data it generates with the time it runs.
#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod common;

use shared::protocol::{CountLine, Op, PROTOCOL_VERSION};
use shared::stock::Quality;
use shared::Count;
use std::time::Instant;

fn raw(path: &std::path::Path, ops: &[shared::protocol::OpEnvelope]) -> f64 {
    let mut conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
         CREATE TABLE applied_op (
            device_id TEXT NOT NULL, device_seq INTEGER NOT NULL, op_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
            staff_id TEXT NOT NULL, device_time_ms INTEGER NOT NULL, outcome TEXT NOT NULL, applied_ms INTEGER NOT NULL,
            PRIMARY KEY (device_id, device_seq));",
    )
    .unwrap();
    let outcome = serde_json::to_string(&shared::protocol::OpOutcome::Applied).unwrap();
    let device = uuid::Uuid::now_v7().to_string();
    let start = Instant::now();
    for batch in ops.chunks(replica::sync::client::PUSH_BATCH) {
        let tx = conn.transaction().unwrap();
        {
            let mut ins = tx
                .prepare_cached("INSERT INTO applied_op (device_id, device_seq, op_id, kind, staff_id, device_time_ms, outcome, applied_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
                .unwrap();
            for op in batch {
                ins.execute(rusqlite::params![
                    device,
                    op.device_seq as i64,
                    op.op_id.to_string(),
                    op.op.kind(),
                    op.staff_id,
                    op.device_time.timestamp_millis(),
                    outcome,
                    chrono::Utc::now().timestamp_millis()
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    start.elapsed().as_secs_f64()
}

fn main() {
    let quick = common::quick();
    let n: usize = common::arg("ops", if quick { 2_000 } else { 10_000 });
    assert_eq!(PROTOCOL_VERSION, 1);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (replica, engine) = rt.block_on(async {
        let (storage, addr) = common::server(&dir.path().join("hq.sqlite")).await;
        common::import(storage.as_ref(), &gen::tiny()).await;
        let base = format!("http://{addr}");
        let (replica, engine) = common::enrol(&base, &base, "STORE-A", &dir.path().join("device")).await;
        engine.sync_once().await.unwrap();
        (replica, engine)
    });

    // Queue the counts offline: each sets one SKU to a new number, expecting the last one.
    let skus = ["SKU-1", "SKU-2", "SKU-3"];
    let mut on_hand: Vec<i64> = skus
        .iter()
        .map(|s| {
            replica.stock(s).unwrap().iter().find(|r| r.quality == Quality::Sellable).map(|r| r.on_hand).unwrap_or(0)
        })
        .collect();
    let t = Instant::now();
    for i in 0..n {
        let k = i % skus.len();
        let counted = 1 + (i as i64 * 7) % 20;
        let op = Op::CountStock {
            count_id: uuid::Uuid::now_v7(),
            lines: vec![CountLine {
                sku_code: skus[k].into(),
                quality: Quality::Sellable,
                counted: Count::new(counted).unwrap(),
                expected: on_hand[k],
            }],
        };
        replica.perform("STORE-A-A", op).unwrap();
        on_hand[k] = counted;
    }
    let queue_s = t.elapsed().as_secs_f64();
    let ops = replica.pending_ops(n).unwrap();
    assert_eq!(ops.len(), n);
    println!("push: {n} CountStock ops queued offline in {queue_s:.2} s ({:.0} perform/s)", n as f64 / queue_s);

    let t = Instant::now();
    let report = rt.block_on(engine.sync_once()).unwrap();
    let sync_s = t.elapsed().as_secs_f64();
    assert_eq!(report.pushed, n);
    assert_eq!(replica.pending_count().unwrap(), 0);
    let conflicts = replica.inbox().unwrap().len();
    for (k, s) in skus.iter().enumerate() {
        let now = replica.stock(s).unwrap().iter().find(|r| r.quality == Quality::Sellable).map(|r| r.on_hand);
        assert_eq!(now, Some(on_hand[k]), "{s} after the pull");
    }

    let raw_s = raw(&dir.path().join("raw.sqlite"), &ops);
    println!("{:<52} {:>10} {:>12}", "", "seconds", "ops/s");
    println!("{:<52} {:>10.2} {:>12.0}", "sync_once (push in batches of 200 + pull)", sync_s, n as f64 / sync_s);
    println!("{:<52} {:>10.3} {:>12.0}", "raw applied_op INSERTs (200 per tx, prepared)", raw_s, n as f64 / raw_s);
    println!(
        "pulled {} changes after the push; {conflicts} conflicts/rejections in the inbox; ratio raw_time / sync_time = {:.3}",
        report.pulled,
        raw_s / sync_s
    );
}
