//! Server-sent events poke an online device when its store's scope changes, and only then.

use crate::common::{order, TestServer};
use futures_util::StreamExt;
use std::time::Duration;

async fn next_event<S, B, E>(stream: &mut S, wait: Duration) -> Option<String>
where
    S: futures_util::Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
{
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(chunk))) => {
                text.push_str(&String::from_utf8_lossy(chunk.as_ref()));
                if text.contains("event: changed") {
                    return Some(text);
                }
            }
            _ => return None,
        }
    }
}

#[tokio::test]
async fn a_new_order_pokes_its_store_only() {
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    let b = s.enrol("STORE-B").await;
    let open = |token: String| {
        let client = s.client.clone();
        let url = format!("{}/api/v1/sync/events", s.base);
        async move { client.get(url).bearer_auth(token).send().await.unwrap() }
    };
    let resp_a = open(a).await;
    assert_eq!(resp_a.headers()["content-type"], "text/event-stream");
    let resp_b = open(b).await;
    let mut events_a = resp_a.bytes_stream();
    let mut events_b = resp_b.bytes_stream();
    // The fixture import may still poke both stores: let those pokes pass first.
    while next_event(&mut events_a, Duration::from_millis(800)).await.is_some() {}
    while next_event(&mut events_b, Duration::from_millis(100)).await.is_some() {}
    let r = s.admin_post("/api/v1/orders", order("TM-E", "pickup", Some("STORE-A"), &[("SKU-1", 1)])).await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED);
    assert!(next_event(&mut events_a, Duration::from_secs(5)).await.is_some(), "store A was poked");
    assert!(next_event(&mut events_b, Duration::from_millis(1500)).await.is_none(), "store B was not poked");
}
