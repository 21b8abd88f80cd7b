//! An op the server refuses whole (text it can never store, queued by an older app) must not
//! block the outbox behind it: it goes to the inbox as a rejection, and the ops after it are
//! renumbered and applied, exactly once.

use crate::common::{bounded, start_hq, Device};
use shared::protocol::Op;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_op_the_server_can_never_apply_goes_to_the_inbox_and_the_rest_drain() {
    bounded(120, async {
        let dir = tempfile::tempdir().unwrap();
        let hq = start_hq(dir.path()).await;
        let till = dir.path().join("till");
        let device = Device::enrol(&hq, &hq.base, "STORE-A", &till).await;
        let a = hq.pickup_order("TM-A", "STORE-A", &[("SKU-1", 1)]).await.fulfillment_orders[0].id;
        let b = hq.pickup_order("TM-B", "STORE-A", &[("SKU-2", 1)]).await.fulfillment_orders[0].id;
        device.engine.sync_once().await.unwrap();
        // The app itself refuses such text before it is queued...
        let bad = Op::RejectFulfillment { fulfillment_order_id: b, reason: "尺码\u{0}缺".into() };
        let refused = device.replica.perform("STORE-A-A", bad).unwrap_err();
        assert_eq!(refused.code(), "not_allowed", "{refused}");
        // ...but an older app queued one. Queue three ops, then turn the second (seq 2) into a
        // rejection of B whose reason holds a NUL.
        device.replica.perform("STORE-A-A", Op::AcceptFulfillment { fulfillment_order_id: a }).unwrap();
        device.replica.perform("STORE-A-A", Op::StartPick { fulfillment_order_id: a }).unwrap();
        device.replica.perform("STORE-A-A", Op::AcceptFulfillment { fulfillment_order_id: b }).unwrap();
        {
            let conn = rusqlite::Connection::open(till.join("replica.sqlite")).unwrap();
            let op =
                serde_json::json!({"kind": "RejectFulfillment", "fulfillment_order_id": b, "reason": "尺码\u{0}缺"});
            conn.execute(
                "UPDATE outbox SET op = ?1, fulfillment_order_id = ?2 WHERE seq = 2",
                [op.to_string(), b.to_string()],
            )
            .unwrap();
        }
        let report = device.engine.sync_once().await.unwrap();
        assert_eq!(report.pushed, 3);
        assert_eq!(device.replica.pending_count().unwrap(), 0, "nothing is stuck");
        let inbox = device.replica.inbox().unwrap();
        let item = inbox.iter().find(|i| i.kind == "RejectFulfillment").expect("the refused op in the inbox");
        assert_eq!((item.status.as_str(), item.code.as_str()), ("rejected", "invalid_field"), "{item:?}");
        assert_eq!(device.replica.fulfillment_order(a).unwrap().unwrap().state.as_str(), "accepted");
        assert_eq!(device.replica.fulfillment_order(b).unwrap().unwrap().state.as_str(), "accepted");
        let enrollment = device.replica.enrollment().unwrap().unwrap();
        assert_eq!(hq.device_last_seq(enrollment.device_id).await, 2, "the two good ops, renumbered, applied once");
        // New work goes on after them.
        device.replica.perform("STORE-A-A", Op::StartPick { fulfillment_order_id: b }).unwrap();
        device.engine.sync_once().await.unwrap();
        assert_eq!(hq.device_last_seq(enrollment.device_id).await, 3);
        hq.assert_audit_clean().await;
    })
    .await;
}
