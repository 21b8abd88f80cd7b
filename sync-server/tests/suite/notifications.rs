//! Customer notifications leave through an outbox with a lease: a claimed one is the
//! gateway's for a while, handed out again if never acknowledged, and once acknowledged its
//! plain pickup code is erased from the server.

use crate::common;
use crate::common::TestServer;
use reqwest::StatusCode;
use serde_json::json;
use sync_server::storage::followups::{self, NOTIFICATION_LEASE_MS};

#[tokio::test]
async fn the_plain_pickup_code_is_kept_only_until_the_gateway_acknowledges_it() {
    let s = TestServer::with_fixture().await;
    let token = s.enrol("STORE-A").await;
    let fo = common::ready_pickup_order(&s, &token, 1, "TM-SMS").await.to_string();
    let code = s.pickup_code_for(&fo).await;
    let stored = |s: &TestServer| {
        let storage = s.storage.clone();
        async move {
            sync_server::service::read(storage.as_ref(), |tx| {
                let rows = tx.query("SELECT body FROM notification WHERE kind = 'pickup_code'", &[])?;
                Ok(rows.iter().map(|r| r.text(0)).collect::<Result<Vec<_>, _>>()?)
            })
            .await
            .unwrap()
        }
    };
    assert!(stored(&s).await[0].contains(&code), "held until the gateway took it");

    // Not acknowledged: handed out again once the claim's lease is over (time is passed in).
    let later = chrono::Utc::now().timestamp_millis() + NOTIFICATION_LEASE_MS + 1;
    let again =
        sync_server::service::write(s.storage.as_ref(), move |tx| Ok(followups::claim_notifications(tx, 10, later)?))
            .await
            .unwrap();
    let n = again.iter().find(|n| n.fulfillment_order_id.as_deref() == Some(fo.as_str())).expect("handed out again");
    assert!(n.body.contains(&code));

    // Acknowledged: the code is gone from the server, and it is never handed out again.
    let r = s.admin_post(&format!("/api/v1/notifications/{}/ack", n.id), json!(null)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let bodies = stored(&s).await;
    assert!(!bodies[0].contains(&code) && !bodies[0].contains("PK2:"), "{bodies:?}");
    assert!(bodies[0].contains("********"), "the redacted text stays: {bodies:?}");
    let much_later = later + 10 * NOTIFICATION_LEASE_MS;
    let none = sync_server::service::write(s.storage.as_ref(), move |tx| {
        Ok(followups::claim_notifications(tx, 10, much_later)?)
    })
    .await
    .unwrap();
    assert!(none.iter().all(|n| n.kind != "pickup_code"), "{none:?}");
    // Acknowledging twice is harmless; an unknown id is a clear 404.
    assert_eq!(
        s.admin_post(&format!("/api/v1/notifications/{}/ack", n.id), json!(null)).await.status,
        StatusCode::NO_CONTENT
    );
    let r = s.admin_post("/api/v1/notifications/999999/ack", json!(null)).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"), "{}", r.body);
    let r = s.admin_post("/api/v1/notifications/abc/ack", json!(null)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}
