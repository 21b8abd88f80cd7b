//! Enrolling at another store starts from scratch.

use super::*;

#[test]
fn enrolling_at_another_store_starts_from_scratch() {
    let fx = fixture();
    let fo = order(FulfillmentKind::Pickup, FulfillmentState::Routed, &[("SKU-1", 1)]);
    fx.put(&[&fo]);
    fx.perform(accept(fo.id)).unwrap();
    let mut other = store_node();
    other.code = "STORE-B".into();
    let resp = EnrollResponse {
        device_id: Uuid::now_v7(),
        token: "t2".into(),
        store: other,
        protocol_version: PROTOCOL_VERSION,
        hq_public_key: None,
    };
    fx.r.record_enrollment("http://hq.invalid:1", &resp).unwrap();
    assert_eq!(fx.r.enrollment().unwrap().unwrap().store.code, "STORE-B");
    assert_eq!(fx.r.pending_count().unwrap(), 0);
    assert_eq!(fx.r.cursor().unwrap(), shared::protocol::BOOTSTRAP_CURSOR);
    assert!(fx.r.fulfillment_orders(&[]).unwrap().is_empty());
    assert!(fx.r.stock("SKU-1").unwrap().is_empty());
    assert!(matches!(fx.r.login(ASSOCIATE, PIN, NOW_MS), Err(ReplicaError::NotFound { .. })));
}
