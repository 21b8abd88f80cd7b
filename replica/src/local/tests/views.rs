//! Staff and SKU views, and pick progress by scanning.

use super::*;
use shared::pick::PickScanError;

fn picking(fx: &Fx) -> FulfillmentOrder {
    let fo = order(FulfillmentKind::Pickup, FulfillmentState::Picking, &[("SKU-1", 2), ("SKU-2", 1)]);
    fx.put(&[&fo]);
    fo
}

fn scan_error(e: ReplicaError) -> PickScanError {
    match e {
        ReplicaError::PickScan(p) => p,
        other => panic!("expected a pick-scan error, got {other:?}"),
    }
}

#[test]
fn staff_members_list_active_staff_managers_first_without_pin_hashes() {
    let fx = fixture();
    let staff = fx.r.staff_members().unwrap();
    let ids: Vec<&str> = staff.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, [MANAGER, ASSOCIATE]);
    assert_eq!(staff[0].role, Role::Manager);
    assert!(!serde_json::to_string(&staff).unwrap().contains("pbkdf2"));
}

#[test]
fn sku_views_describe_known_skus_in_order() {
    let fx = fixture();
    let views = fx.r.sku_views(&["SKU-2".into(), "NOPE".into(), "SKU-1".into()]).unwrap();
    let codes: Vec<&str> = views.iter().map(|v| v.code.as_str()).collect();
    assert_eq!(codes, ["SKU-2", "SKU-1"]);
    assert_eq!(views[1].barcode, ean(1).as_str());
    assert_eq!(views[1].size, "41");
    // No style record arrived: the style code stands in for its name.
    assert_eq!(views[1].name, "ST-1");
}

#[test]
fn scanning_counts_units_and_refuses_wrong_items_and_extras() {
    let fx = fixture();
    let fo = picking(&fx);
    let one = ean(1);
    fx.r.scan_for_pick(fo.id, one.as_str()).unwrap();
    let lines = fx.r.scan_for_pick(fo.id, one.as_str()).unwrap();
    assert_eq!(lines[0].scanned, 2);
    let e = scan_error(fx.r.scan_for_pick(fo.id, one.as_str()).unwrap_err());
    assert_eq!(e, PickScanError::TooMany { sku_code: "SKU-1".into(), qty: 2 });
    let e = scan_error(fx.r.scan_for_pick(fo.id, ean(3).as_str()).unwrap_err());
    assert_eq!(e, PickScanError::WrongItem { sku_code: "SKU-3".into() });
    let e = scan_error(fx.r.scan_for_pick(fo.id, "4006381333931").unwrap_err());
    assert_eq!(e, PickScanError::UnknownBarcode { barcode: "4006381333931".into() });
    let scanned: Vec<i64> = fx.r.pick_progress(fo.id).unwrap().iter().map(|l| l.scanned).collect();
    assert_eq!(scanned, [2, 0]);
}

#[test]
fn pick_progress_survives_a_restart_and_ends_with_the_confirmed_pick() {
    let fx = fixture();
    let fo = picking(&fx);
    fx.r.scan_for_pick(fo.id, ean(2).as_str()).unwrap();
    let reopened = Replica::open(&fx.path).unwrap();
    let scanned: Vec<i64> = reopened.pick_progress(fo.id).unwrap().iter().map(|l| l.scanned).collect();
    assert_eq!(scanned, [0, 1]);
    fx.perform(full_pick(&fo)).unwrap();
    let scanned: Vec<i64> = fx.r.pick_progress(fo.id).unwrap().iter().map(|l| l.scanned).collect();
    assert_eq!(scanned, [0, 0]);
}

#[test]
fn scans_need_an_order_being_picked() {
    let fx = fixture();
    let fo = order(FulfillmentKind::Pickup, FulfillmentState::Accepted, &[("SKU-1", 1)]);
    fx.put(&[&fo]);
    let e = fx.r.scan_for_pick(fo.id, ean(1).as_str()).unwrap_err();
    assert_eq!(reason(&e), "not_picking");
    fx.r.reset_pick(fo.id).unwrap();
}

#[test]
fn a_version_1_replica_is_migrated_in_place_keeping_its_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../schema.sql")).unwrap();
        conn.execute(
            "INSERT INTO outbox (seq, op_id, staff_id, device_time, op) VALUES (1, 'op-1', 'A1', 't', '{}')",
            [],
        )
        .unwrap();
        conn.execute_batch("PRAGMA user_version = 1;").unwrap();
    }
    let r = Replica::open(&path).unwrap();
    assert_eq!(r.pending_count().unwrap(), 1);
    let version: i64 = r.db().query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap();
    assert_eq!(version, crate::local::SCHEMA_VERSION);
    for table in ["return_order", "return_record"] {
        let exists: bool = r
            .db()
            .query_row("SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE name = ?1)", [table], |row| row.get(0))
            .unwrap();
        assert!(exists, "{table} is created by the v4 migration");
    }
    let has_table: bool = r
        .db()
        .query_row("SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE name = 'pick_progress')", [], |row| row.get(0))
        .unwrap();
    assert!(has_table);
    let has_salt: bool = r
        .db()
        .query_row("SELECT EXISTS(SELECT 1 FROM pragma_table_info('staff') WHERE name = 'approval_salt')", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert!(has_salt, "version 3 keeps each staff member's approval salt");
}
