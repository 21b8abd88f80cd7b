//! A pull cursor beyond the end of the change log (HQ restored an older backup) is refused
//! with a clear 409 that makes the device start over, instead of "nothing new" for ever.

use crate::common::TestServer;
use reqwest::StatusCode;

#[tokio::test]
async fn a_cursor_beyond_the_change_log_is_refused_as_cursor_ahead() {
    let s = TestServer::with_fixture().await;
    let token = s.enrol("STORE-A").await;
    let mut cursor = "0".to_string();
    loop {
        let r = s.device_get(&token, &format!("/api/v1/sync/pull?cursor={cursor}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        cursor = r.body["cursor"].as_str().unwrap().to_string();
        if !r.body["has_more"].as_bool().unwrap() {
            break;
        }
    }
    // The cursor the server issued at the end is fine, again and again.
    let r = s.device_get(&token, &format!("/api/v1/sync/pull?cursor={cursor}")).await;
    assert_eq!((r.status, r.body["changes"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)), "{}", r.body);
    let (tx, seq) = {
        let mut p = cursor.trim_start_matches("c/").split('/');
        (p.next().unwrap().parse::<i64>().unwrap(), p.next().unwrap().parse::<i64>().unwrap())
    };
    let before = s.fingerprint().await;
    let mut ahead = vec![format!("c/{}/0", tx + 1), format!("b/{}/0/0/0/", tx + 1)];
    if seq < i64::MAX {
        // SQLite's end is (0, last seq); PostgreSQL's is (last commit, i64::MAX).
        ahead.push(format!("c/{tx}/{}", seq + 1));
    }
    for c in &ahead {
        let r = s.device_get(&token, &format!("/api/v1/sync/pull?cursor={c}")).await;
        assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "cursor_ahead"), "{c}: {}", r.body);
        assert!(r.body["error"]["message"].as_str().unwrap().contains("pull again from cursor 0"), "{}", r.body);
    }
    assert_eq!(s.fingerprint().await, before, "a refused pull changes nothing");
    // Starting over works.
    let r = s.device_get(&token, "/api/v1/sync/pull?cursor=0").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
