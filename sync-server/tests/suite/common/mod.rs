//! What only this suite needs besides `test-support` (re-exported here): the package's own
//! `sync-server` binary as a process, a manager's approval proof, the string leaves of a
//! JSON body, and a pickup order taken to ready.
#![allow(dead_code, unused_imports)]

use reqwest::StatusCode;
use serde_json::{json, Value};
pub use test_support::{
    batch, ean, fixture, on_postgres, order, postgres_admin, postgres_admin_url, Database, HqClient, HqProcess, Proxy,
    Reply, TestServer, ADMIN_TOKEN,
};

/// The `sync-server` binary of this package.
pub const SERVER_BIN: &str = env!("CARGO_BIN_EXE_sync-server");

/// A `sync-server serve` process over `database_url` on a free loopback port; killed when
/// dropped.
pub async fn instance(database_url: &str) -> HqProcess {
    HqProcess::start(SERVER_BIN, database_url).await
}

/// A manager's approval proof for `what`, computed as their device does from the PIN they
/// type, with the approval salt the store's devices get in the staff record (bootstrap pull).
pub async fn approval(
    hq: &HqClient,
    device_token: &str,
    manager_id: &str,
    pin: &str,
    what: shared::approval::Approved<'_>,
) -> String {
    let mut cursor = "0".to_string();
    loop {
        let page = hq.device_get(device_token, &format!("/api/v1/sync/pull?cursor={cursor}")).await.body;
        let salt = page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["entity"] == "staff" && c["id"] == manager_id)
            .map(|c| c["approval_salt"].as_str().unwrap().to_string());
        if let Some(salt) = salt {
            let key = shared::approval::approval_key(pin, manager_id, &salt);
            return shared::approval::proof(&key, what);
        }
        assert!(page["has_more"].as_bool().unwrap(), "{manager_id} is not staff of the device's store");
        cursor = page["cursor"].as_str().unwrap().to_string();
    }
}

/// Every string leaf of `v` as a JSON path (`a.b[0].c`) with its value.
pub fn string_leaves(v: &Value, at: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((at, s.clone())),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| string_leaves(x, format!("{at}[{i}]"), out)),
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| string_leaves(x, if at.is_empty() { k.clone() } else { format!("{at}.{k}") }, out)),
        _ => {}
    }
}

/// `v` with the string at `path` replaced.
pub fn replaced(v: &Value, path: &str, new: &str) -> Value {
    let mut v = v.clone();
    let mut cur = &mut v;
    for part in path.split('.') {
        let (key, indices) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        cur = &mut cur[key];
        for idx in indices.split(['[', ']']).filter(|s| !s.is_empty()) {
            cur = &mut cur[idx.parse::<usize>().unwrap()];
        }
    }
    *cur = json!(new);
    v
}

/// Takes a new pickup order of one SKU-1 at STORE-A to ready with `token`'s ops from
/// `first_seq` (four ops); returns the fulfillment order id.
pub async fn ready_pickup_order(s: &HqClient, token: &str, first_seq: u64, channel_order_id: &str) -> uuid::Uuid {
    let r = s.admin_post("/api/v1/orders", order(channel_order_id, "pickup", Some("STORE-A"), &[("SKU-1", 1)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let fo = r.body["fulfillment_orders"][0]["id"].as_str().unwrap().to_string();
    let ops = vec![
        json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo}),
        json!({"kind": "StartPick", "fulfillment_order_id": fo}),
        json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": 1, "picked": 1}]}),
        json!({"kind": "MarkReady", "fulfillment_order_id": fo}),
    ];
    let r = s.device_post(token, "/api/v1/sync/push", batch(first_seq, "STORE-A-A", ops)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    fo.parse().unwrap()
}
