//! A fact the server flagged reaches the associate's inbox; when HQ resolves it, the same
//! inbox item shows it resolved, with HQ's note, unread again.

use crate::common::{bounded, start_hq, Device};
use serde_json::json;
use shared::protocol::{HandOverVerification, Op, PickedLine};
use shared::Count;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hqs_resolution_of_a_conflict_shows_in_the_devices_inbox() {
    bounded(120, async {
        let dir = tempfile::tempdir().unwrap();
        let hq = start_hq(dir.path()).await;
        let device = Device::enrol(&hq, &hq.base, "STORE-A", &dir.path().join("till")).await;
        let placed = hq.pickup_order("TM-INBOX", "STORE-A", &[("SKU-1", 1)]).await;
        let (order, fo) = (placed.id, placed.fulfillment_orders[0].id);
        device.engine.sync_once().await.unwrap();
        for op in [
            Op::AcceptFulfillment { fulfillment_order_id: fo },
            Op::StartPick { fulfillment_order_id: fo },
            Op::ConfirmPick {
                fulfillment_order_id: fo,
                lines: vec![PickedLine { line_no: 1, picked: Count::new(1).unwrap() }],
                shortage_reason: None,
            },
            Op::MarkReady { fulfillment_order_id: fo },
        ] {
            device.replica.perform("STORE-A-A", op).unwrap();
        }
        device.engine.sync_once().await.unwrap();
        let code = hq.pickup_code_for(fo).await;
        // HQ cancels while the customer is already at the counter; the device has not heard.
        let r = hq.admin_post(&format!("/api/v1/orders/{order}/cancel"), json!(null)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let hand_over =
            Op::HandOver { fulfillment_order_id: fo, verification: HandOverVerification::PickupCode { code } };
        device.replica.perform("STORE-A-A", hand_over).unwrap();
        device.engine.sync_once().await.unwrap();
        let inbox = device.replica.inbox().unwrap();
        let item =
            inbox.iter().find(|i| i.code == "handed_over_after_cancel").expect("the conflict in the inbox").clone();
        assert_eq!((item.resolved_ms, item.read), (None, false));
        device.replica.mark_read(item.id).unwrap();

        let open = hq.admin_get("/api/v1/conflicts").await.body;
        let conflict = open.as_array().unwrap().iter().find(|c| c["op_id"] == item.op_id.as_str()).unwrap().clone();
        let note = "顾客已取货，订单已改为已交付 / the customer has it; order closed";
        let r = hq.admin_post(&format!("/api/v1/conflicts/{}/resolve", conflict["id"]), json!({ "note": note })).await;
        assert_eq!(r.status, 200, "{}", r.body);

        device.engine.sync_once().await.unwrap();
        let after = device.replica.inbox().unwrap();
        let resolved = after.iter().find(|i| i.id == item.id).unwrap();
        assert!(resolved.resolved_ms.is_some(), "{resolved:?}");
        assert_eq!(resolved.resolution_note.as_deref(), Some(note));
        assert!(!resolved.read, "unread again, so the associate sees HQ's answer");
        // Heard once: a later sync leaves the item as the associate left it.
        device.replica.mark_read(item.id).unwrap();
        device.engine.sync_once().await.unwrap();
        assert!(device.replica.inbox().unwrap().iter().find(|i| i.id == item.id).unwrap().read);
    })
    .await;
}
