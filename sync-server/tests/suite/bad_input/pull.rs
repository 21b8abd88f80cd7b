//! Pull with bad cursors and limits.

use super::*;

#[tokio::test]
async fn pull_refuses_bad_cursors_and_limits() {
    use StatusCode as S;
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    let mut m = Matrix::new(&s).await;
    let dev = Some(a.as_str());
    let cases: Vec<(&str, &str, &str)> = vec![
        ("no cursor", "/api/v1/sync/pull", "invalid_query"),
        ("no cursor, only a limit", "/api/v1/sync/pull?limit=10", "invalid_query"),
        ("limit=-1", "/api/v1/sync/pull?cursor=0&limit=-1", "invalid_query"),
        ("limit=abc", "/api/v1/sync/pull?cursor=0&limit=abc", "invalid_query"),
        ("limit=4294967296", "/api/v1/sync/pull?cursor=0&limit=4294967296", "invalid_query"),
        ("limit=1.5", "/api/v1/sync/pull?cursor=0&limit=1.5", "invalid_query"),
        ("an unknown parameter", "/api/v1/sync/pull?cursor=0&store=STORE-B", "invalid_query"),
        ("cursor twice", "/api/v1/sync/pull?cursor=0&cursor=1", "invalid_query"),
        ("a garbage cursor", "/api/v1/sync/pull?cursor=garbage", "invalid_cursor"),
        ("an empty cursor", "/api/v1/sync/pull?cursor=", "invalid_cursor"),
        ("cursor -1", "/api/v1/sync/pull?cursor=-1", "invalid_cursor"),
        ("cursor c/abc/1", "/api/v1/sync/pull?cursor=c/abc/1", "invalid_cursor"),
        ("cursor c/-1/-1", "/api/v1/sync/pull?cursor=c/-1/-1", "invalid_cursor"),
        ("cursor c/1 (missing part)", "/api/v1/sync/pull?cursor=c/1", "invalid_cursor"),
        ("cursor c/99999999999999999999/0", "/api/v1/sync/pull?cursor=c/99999999999999999999/0", "invalid_cursor"),
        ("cursor b/0/0 (truncated)", "/api/v1/sync/pull?cursor=b/0/0", "invalid_cursor"),
        ("cursor with section 7", "/api/v1/sync/pull?cursor=b/0/0/0/7/x", "invalid_cursor"),
        ("cursor with section 4294967296", "/api/v1/sync/pull?cursor=b/0/0/0/4294967296/x", "invalid_cursor"),
        ("cursor with a NUL byte", "/api/v1/sync/pull?cursor=c/1/1%00", "invalid_query"),
    ];
    for (what, p, code) in cases {
        m.expect_code(&format!("pull with {what} -> 400"), S::BAD_REQUEST, Some(code), get(p, dev)).await;
    }
    m.finish("pull").await;
}
