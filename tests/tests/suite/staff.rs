//! Staff changes reach every device that holds the record: a staff member HQ moves to
//! another store can no longer log in (offline, by PIN) on the old store's devices once
//! they sync, and the new store's devices get them.

use crate::common::{return_op, start_hq, Device};
use serde_json::json;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn on_the_list(d: &Device, id: &str) -> bool {
    d.replica.staff_members().unwrap().iter().any(|s| s.id == id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_member_moved_to_another_store_can_no_longer_log_in_on_the_old_stores_devices() {
    let dir = tempfile::tempdir().unwrap();
    let hq = start_hq(dir.path()).await;
    let a = Device::enrol(&hq, &hq.base, "STORE-A", &dir.path().join("a")).await;
    let b = Device::enrol(&hq, &hq.base, "STORE-B", &dir.path().join("b")).await;
    assert_eq!(a.replica.login("STORE-A-A", "1234", now_ms()).unwrap().id, "STORE-A-A");
    assert!(on_the_list(&a, "STORE-A-A"));
    assert!(b.replica.login("STORE-A-A", "1234", now_ms()).is_err(), "not B's staff yet");

    // HQ moves the associate to store B (same PIN).
    let moved = json!({"staff": [{"id": "STORE-A-A", "store_code": "STORE-B", "name": "导购", "role": "associate", "pin": "1234"}]});
    let r = hq.admin_post("/api/v1/import", moved).await;
    assert_eq!(r.status, 200, "{}", r.body);

    a.engine.sync_once().await.unwrap();
    let refused = a.replica.login("STORE-A-A", "1234", now_ms());
    assert!(refused.is_err(), "the old PIN still works on store A's device: {refused:?}");
    assert!(!on_the_list(&a, "STORE-A-A"), "store A's login list still shows them");
    let e = a.replica.perform("STORE-A-A", return_op("SKU-1")).unwrap_err();
    assert!(e.to_string().contains("not active staff"), "{e}");
    // The rest of store A's staff is untouched.
    assert!(a.replica.login("STORE-A-M", "8888", now_ms()).is_ok());

    b.engine.sync_once().await.unwrap();
    assert_eq!(b.replica.login("STORE-A-A", "1234", now_ms()).unwrap().id, "STORE-A-A");
    assert!(on_the_list(&b, "STORE-A-A"));

    // A device of store A enrolled after the move never sees them; one of B does.
    let a2 = Device::enrol(&hq, &hq.base, "STORE-A", &dir.path().join("a2")).await;
    assert!(a2.replica.login("STORE-A-A", "1234", now_ms()).is_err());
    let b2 = Device::enrol(&hq, &hq.base, "STORE-B", &dir.path().join("b2")).await;
    assert!(b2.replica.login("STORE-A-A", "1234", now_ms()).is_ok());

    // Moved back: store A's devices get them again, store B's lose them.
    let back = json!({"staff": [{"id": "STORE-A-A", "store_code": "STORE-A", "name": "导购", "role": "associate", "pin": "1234"}]});
    assert_eq!(hq.admin_post("/api/v1/import", back).await.status, 200);
    a.engine.sync_once().await.unwrap();
    b.engine.sync_once().await.unwrap();
    assert!(a.replica.login("STORE-A-A", "1234", now_ms()).is_ok());
    assert!(b.replica.login("STORE-A-A", "1234", now_ms()).is_err());
}
