//! HQ restores an older backup of its database: a device whose cursor is now beyond the end
//! of the server's change log is told so, downloads the store's data again, keeps its unsent
//! work, and goes on receiving changes.

use crate::common::{bounded, start_hq, Device};
use shared::protocol::Op;
use std::path::Path;

const FILES: [&str; 3] = ["hq.sqlite", "hq.sqlite-wal", "hq.sqlite-shm"];

fn copy_database(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in FILES {
        let _ = std::fs::remove_file(to.join(f));
        if from.join(f).exists() {
            std::fs::copy(from.join(f), to.join(f)).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_ahead_of_a_restored_server_downloads_the_store_again() {
    bounded(120, async {
        let dir = tempfile::tempdir().unwrap();
        let (hq_dir, backup) = (dir.path().join("hq"), dir.path().join("backup"));
        std::fs::create_dir_all(&hq_dir).unwrap();
        let mut hq = start_hq(&hq_dir).await;
        let kept = hq.pickup_order("TM-KEPT", "STORE-A", &[("SKU-1", 1)]).await.fulfillment_orders[0].id;
        let device = Device::enrol(&hq, &hq.base, "STORE-A", &dir.path().join("till")).await;
        assert!(device.replica.fulfillment_order(kept).unwrap().is_some());

        // HQ backs up, then goes on: an order the device receives, and more changes.
        hq.kill();
        copy_database(&hq_dir, &backup);
        hq.restart().await;
        let lost = hq.pickup_order("TM-LOST", "STORE-A", &[("SKU-2", 1)]).await.fulfillment_orders[0].id;
        device.engine.sync_once().await.unwrap();
        assert!(device.replica.fulfillment_order(lost).unwrap().is_some());
        let ahead = device.replica.cursor().unwrap();

        // HQ restores the backup. Meanwhile the associate accepts the kept order offline.
        hq.kill();
        copy_database(&backup, &hq_dir);
        device.replica.perform("STORE-A-A", Op::AcceptFulfillment { fulfillment_order_id: kept }).unwrap();
        hq.restart().await;

        // The device is told its cursor is ahead, downloads the store again, and its unsent
        // work reaches HQ.
        let report = device.engine.sync_once().await.unwrap();
        assert_eq!(report.pushed, 1);
        assert_ne!(device.replica.cursor().unwrap(), ahead);
        assert!(device.replica.fulfillment_order(lost).unwrap().is_none(), "the restored server has no such order");
        let local = device.replica.fulfillment_order(kept).unwrap().unwrap();
        assert_eq!(local.state.as_str(), "accepted");
        assert_eq!(device.replica.pending_count().unwrap(), 0);

        // And changes made after the restore keep arriving.
        let fresh = hq.pickup_order("TM-FRESH", "STORE-A", &[("SKU-1", 1)]).await.fulfillment_orders[0].id;
        device.engine.sync_once().await.unwrap();
        assert!(device.replica.fulfillment_order(fresh).unwrap().is_some());
        hq.assert_audit_clean().await;
    })
    .await;
}
