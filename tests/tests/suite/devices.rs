//! Several devices of one store against a real server: offline work that lands once, and a
//! double hand-over that converges.

use crate::common::{start_hq, Device};
use shared::fulfillment::FulfillmentState;
use shared::protocol::{HandOverVerification, Op, PickedLine};
use shared::Count;

fn pick_ops(fo: uuid::Uuid, qty: i64) -> Vec<Op> {
    vec![
        Op::AcceptFulfillment { fulfillment_order_id: fo },
        Op::StartPick { fulfillment_order_id: fo },
        Op::ConfirmPick {
            fulfillment_order_id: fo,
            lines: vec![PickedLine { line_no: 1, picked: Count::new(qty).unwrap() }],
            shortage_reason: None,
        },
        Op::MarkReady { fulfillment_order_id: fo },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_work_offline_on_different_orders_and_everything_lands_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut hq = start_hq(dir.path()).await;
    let fo1 = hq.pickup_order("TM-1", "STORE-A", &[("SKU-1", 1)]).await.fulfillment_orders[0].id;
    let fo2 = hq.pickup_order("TM-2", "STORE-A", &[("SKU-2", 1)]).await.fulfillment_orders[0].id;
    let a = Device::enrol(&hq, &hq.base, "STORE-A", &dir.path().join("a")).await;
    let b = Device::enrol(&hq, &hq.base, "STORE-A", &dir.path().join("b")).await;
    assert_eq!(a.replica.task_counts().unwrap().to_accept, 2);

    hq.kill();
    for op in pick_ops(fo1, 1) {
        a.replica.perform("STORE-A-A", op).unwrap();
    }
    for op in pick_ops(fo2, 1) {
        b.replica.perform("STORE-A-M", op).unwrap();
    }
    assert_eq!(a.replica.fulfillment_order(fo1).unwrap().unwrap().state, FulfillmentState::ReadyForPickup);
    let offline = a.engine.sync_once().await.unwrap_err();
    assert!(offline.is_transient(), "{offline:?}");
    assert_eq!(a.replica.pending_count().unwrap(), 4, "nothing lost while offline");

    hq.restart().await;
    a.engine.sync_once().await.unwrap();
    b.engine.sync_once().await.unwrap();
    // Syncing again changes nothing and sends nothing.
    assert_eq!(a.engine.sync_once().await.unwrap().pushed, 0);
    a.engine.sync_once().await.unwrap();
    for (device, fo) in [(&a, fo1), (&b, fo2), (&a, fo2), (&b, fo1)] {
        assert_eq!(device.replica.fulfillment_order(fo).unwrap().unwrap().state, FulfillmentState::ReadyForPickup);
    }
    let devices = hq.admin_get("/api/v1/devices?store=STORE-A").await.body;
    let last_seqs: Vec<i64> = devices.as_array().unwrap().iter().map(|d| d["last_seq"].as_i64().unwrap()).collect();
    assert_eq!(last_seqs, vec![4, 4]);
    let stock = hq.stock("STORE-A", "SKU-1").await;
    assert_eq!((stock.on_hand, stock.reserved), (5, 1));
    hq.assert_audit_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_hand_over_the_same_order_offline_and_converge() {
    let dir = tempfile::tempdir().unwrap();
    let mut hq = start_hq(dir.path()).await;
    let fo = hq.pickup_order("TM-D", "STORE-A", &[("SKU-1", 2)]).await.fulfillment_orders[0].id;
    let a = Device::enrol(&hq, &hq.base, "STORE-A", &dir.path().join("a")).await;
    for op in pick_ops(fo, 2) {
        a.replica.perform("STORE-A-A", op).unwrap();
    }
    a.engine.sync_once().await.unwrap();
    let code = hq.pickup_code_for(fo).await;
    let b = Device::enrol(&hq, &hq.base, "STORE-A", &dir.path().join("b")).await;
    a.engine.sync_once().await.unwrap();
    assert!(
        a.replica.fulfillment_order(fo).unwrap().unwrap().pickup_code.is_some(),
        "the code hash reached the device"
    );

    hq.kill();
    // A wrong code first, then the right one, verified offline on both devices.
    let now = chrono::Utc::now().timestamp_millis();
    assert!(
        matches!(a.replica.verify_pickup_code(fo, "00000000", now).unwrap(), shared::pickup::Attempt::Wrong { .. })
            || code == "00000000"
    );
    assert_eq!(a.replica.verify_pickup_code(fo, &code, now).unwrap(), shared::pickup::Attempt::Verified);
    let hand_over = Op::HandOver {
        fulfillment_order_id: fo,
        verification: HandOverVerification::PickupCode { code: code.clone() },
    };
    a.replica.perform("STORE-A-A", hand_over.clone()).unwrap();
    b.replica.perform("STORE-A-M", hand_over).unwrap();
    assert_eq!(a.replica.stock("SKU-1").unwrap()[0].on_hand, 3, "the device shows the goods gone at once");

    hq.restart().await;
    a.engine.sync_once().await.unwrap();
    b.engine.sync_once().await.unwrap();
    a.engine.sync_once().await.unwrap();
    // Both facts recorded, one flagged; both devices agree; stock left once.
    let conflicts = hq.admin_get("/api/v1/conflicts").await.body;
    assert_eq!(conflicts.as_array().unwrap().iter().filter(|c| c["code"] == "already_handed_over").count(), 1);
    assert_eq!(b.replica.inbox().unwrap().iter().filter(|i| i.status == "conflict").count(), 1);
    assert!(a.replica.inbox().unwrap().is_empty());
    for d in [&a, &b] {
        assert!(d.replica.fulfillment_order(fo).unwrap().is_none(), "the finished order left the task list");
        assert_eq!(d.replica.stock("SKU-1").unwrap()[0].on_hand, 3);
        assert_eq!(d.replica.task_counts().unwrap().ready_for_pickup, 0);
    }
    let stock = hq.stock("STORE-A", "SKU-1").await;
    assert_eq!((stock.on_hand, stock.reserved), (3, 0));
    hq.assert_audit_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_keeps_a_network_availability_snapshot_for_endless_aisle() {
    let dir = tempfile::tempdir().unwrap();
    let hq = start_hq(dir.path()).await;
    let a = Device::enrol(&hq, &hq.base, "STORE-A", &dir.path().join("a")).await;
    // The tiny brand: SKU-3 is not at STORE-A, but 4 at STORE-B and 100 at the warehouse.
    let (available, as_of) = a.replica.network_availability("SKU-3").unwrap().expect("a snapshot");
    assert_eq!(available, 104);
    assert!(as_of > 0);
    assert!(a.replica.stock("SKU-3").unwrap().is_empty(), "none on the store's own shelf");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_enrolling_a_revoked_device_keeps_its_unsent_work() {
    let dir = tempfile::tempdir().unwrap();
    let hq = start_hq(dir.path()).await;
    let fo = hq.pickup_order("TM-R", "STORE-A", &[("SKU-1", 1)]).await.fulfillment_orders[0].id;
    let a = Device::enrol(&hq, &hq.base, "STORE-A", &dir.path().join("a")).await;
    a.replica.perform("STORE-A-A", Op::AcceptFulfillment { fulfillment_order_id: fo }).unwrap();
    let devices = hq.admin_get("/api/v1/devices?store=STORE-A").await.body;
    let id = devices[0]["id"].as_str().unwrap().to_string();
    hq.admin_post(&format!("/api/v1/devices/{id}/revoke"), serde_json::json!({})).await;
    assert_eq!(a.engine.sync_once().await.unwrap_err(), replica::ReplicaError::Revoked);
    assert_eq!(a.replica.pending_count().unwrap(), 1, "the accept waits");
    let code = hq.enrollment_code("STORE-A").await;
    a.engine.enroll(&hq.base, &code, "test device").await.unwrap();
    a.engine.sync_once().await.unwrap();
    assert_eq!(a.replica.pending_count().unwrap(), 0);
    assert_eq!(a.replica.fulfillment_order(fo).unwrap().unwrap().state, FulfillmentState::Accepted);
}
