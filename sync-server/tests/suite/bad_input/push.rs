//! Push batches with a bad op anywhere are refused whole.

use super::*;

fn place_order_op(qty: Value) -> Value {
    json!({"kind": "PlaceOrder", "order_id": uuid::Uuid::now_v7(), "fulfillment": "ship", "payment_ref": "POS-1",
           "customer": {"name": "李四", "phone": "13900001111", "address": "杭州", "location": {"lat": 30.27, "lon": 120.15}},
           "lines": [{"sku_code": "SKU-3", "qty": qty, "unit_price": 59900}]})
}

#[tokio::test]
async fn push_refuses_bad_batches_whole() {
    use StatusCode as S;
    let s = TestServer::with_fixture().await;
    let a = s.enrol("STORE-A").await;
    let r = s.admin_post("/api/v1/orders", order("PUSH-1", "pickup", Some("STORE-A"), &[("SKU-1", 1)])).await;
    assert_eq!(r.status, S::CREATED, "{}", r.body);
    let fo = fulfillment_id(&r.body, "STORE-A");
    let order_id = r.body["id"].as_str().unwrap().to_string();
    let mut m = Matrix::new(&s).await;
    let dev = Some(a.as_str());
    let path = "/api/v1/sync/push";
    let accept = json!({"kind": "AcceptFulfillment", "fulfillment_order_id": fo});
    let one = |op: Value| batch(1, "STORE-A-A", vec![op]);
    let env = |f: &dyn Fn(&mut Value)| with(one(accept.clone()), |v| f(&mut v["ops"][0]));

    let cases: Vec<(&str, StatusCode, Option<&str>, Value)> = vec![
        (
            "protocol_version 2",
            S::BAD_REQUEST,
            Some("unsupported_protocol_version"),
            with(one(accept.clone()), |v| v["protocol_version"] = json!(2)),
        ),
        (
            "protocol_version \"1\" (string)",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            with(one(accept.clone()), |v| v["protocol_version"] = json!("1")),
        ),
        ("ops missing", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), json!({"protocol_version": 1})),
        (
            "ops is an object",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            with(one(accept.clone()), |v| v["ops"] = v["ops"][0].clone()),
        ),
        (
            "unknown field in an envelope",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            env(&|e| e["priority"] = json!(1)),
        ),
        (
            "unknown field in an op",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            env(&|e| e["op"]["force"] = json!(true)),
        ),
        (
            "unknown op kind Teleport",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            env(&|e| e["op"]["kind"] = json!("Teleport")),
        ),
        (
            "op kind in lower case",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            env(&|e| e["op"]["kind"] = json!("acceptfulfillment")),
        ),
        (
            "op without kind",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            env(&|e| {
                e["op"].as_object_mut().unwrap().remove("kind");
            }),
        ),
        ("op_id not a UUID", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), env(&|e| e["op_id"] = json!("op-1"))),
        (
            "fulfillment_order_id not a UUID",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            env(&|e| e["op"]["fulfillment_order_id"] = json!("FO-1")),
        ),
        (
            "device_time not a time",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            env(&|e| e["device_time"] = json!("yesterday")),
        ),
        ("device_seq -1", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), env(&|e| e["device_seq"] = json!(-1))),
        ("device_seq 0", S::UNPROCESSABLE_ENTITY, Some("invalid_sequence"), env(&|e| e["device_seq"] = json!(0))),
        (
            "device_seq 2^63",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_sequence"),
            env(&|e| e["device_seq"] = json!(9_223_372_036_854_775_808u64)),
        ),
        (
            "device_seq \"1\" (string)",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            env(&|e| e["device_seq"] = json!("1")),
        ),
        ("empty staff_id", S::UNPROCESSABLE_ENTITY, Some("invalid_staff"), env(&|e| e["staff_id"] = json!(""))),
        (
            "65-character staff_id",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_staff"),
            env(&|e| e["staff_id"] = json!("S".repeat(65))),
        ),
        ("PlaceOrder qty -1", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), one(place_order_op(json!(-1)))),
        ("PlaceOrder qty 0", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), one(place_order_op(json!(0)))),
        ("PlaceOrder qty 100001", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), one(place_order_op(json!(100_001)))),
        (
            "AcceptReturn qty 0",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            one(
                json!({"kind": "AcceptReturn", "return_id": uuid::Uuid::now_v7(), "order_id": order_id, "lines": [{"sku_code": "SKU-1", "qty": 0, "condition": "resaleable"}]}),
            ),
        ),
        (
            "AcceptReturn qty -2",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            one(
                json!({"kind": "AcceptReturn", "return_id": uuid::Uuid::now_v7(), "order_id": order_id, "lines": [{"sku_code": "SKU-1", "qty": -2, "condition": "resaleable"}]}),
            ),
        ),
        (
            "AcceptReturn qty 100001",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            one(
                json!({"kind": "AcceptReturn", "return_id": uuid::Uuid::now_v7(), "order_id": order_id, "lines": [{"sku_code": "SKU-1", "qty": 100_001, "condition": "resaleable"}]}),
            ),
        ),
        (
            "AcceptReturn condition \"stolen\"",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            one(
                json!({"kind": "AcceptReturn", "return_id": uuid::Uuid::now_v7(), "order_id": order_id, "lines": [{"sku_code": "SKU-1", "qty": 1, "condition": "stolen"}]}),
            ),
        ),
        ("CountStock counted -1", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), one(count_op(json!(-1)))),
        ("CountStock counted 100001", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), one(count_op(json!(100_001)))),
        ("CountStock counted 2.5", S::UNPROCESSABLE_ENTITY, Some("invalid_body"), one(count_op(json!(2.5)))),
        (
            "ConfirmPick picked -1",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            one(json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": 1, "picked": -1}]})),
        ),
        (
            "ConfirmPick picked 100001",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            one(
                json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": 1, "picked": 100_001}]}),
            ),
        ),
        (
            "ConfirmPick line_no -1",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            one(json!({"kind": "ConfirmPick", "fulfillment_order_id": fo, "lines": [{"line_no": -1, "picked": 1}]})),
        ),
        (
            "HandOver with an unknown verification method",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            one(json!({"kind": "HandOver", "fulfillment_order_id": fo, "verification": {"method": "telepathy"}})),
        ),
        (
            "valid ops followed by a CountStock with counted -1",
            S::UNPROCESSABLE_ENTITY,
            Some("invalid_body"),
            batch(1, "STORE-A-A", vec![accept.clone(), count_op(json!(3)), count_op(json!(-1))]),
        ),
        (
            "501 ops",
            S::UNPROCESSABLE_ENTITY,
            Some("batch_too_large"),
            batch(1, "STORE-A-A", (0..501).map(|_| count_op(json!(5))).collect()),
        ),
        (
            "duplicate op_ids in one batch",
            S::UNPROCESSABLE_ENTITY,
            Some("duplicate_op_id"),
            with(batch(1, "STORE-A-A", vec![accept.clone(), count_op(json!(5))]), |v| {
                v["ops"][1]["op_id"] = v["ops"][0]["op_id"].clone()
            }),
        ),
        (
            "reordered batch",
            S::CONFLICT,
            Some("reordered_batch"),
            with(batch(1, "STORE-A-A", vec![accept.clone(), count_op(json!(5))]), |v| {
                v["ops"].as_array_mut().unwrap().reverse()
            }),
        ),
        (
            "the same device_seq twice",
            S::CONFLICT,
            Some("reordered_batch"),
            with(batch(1, "STORE-A-A", vec![accept.clone(), count_op(json!(5))]), |v| {
                v["ops"][1]["device_seq"] = json!(1)
            }),
        ),
        (
            "a gap inside the batch",
            S::CONFLICT,
            Some("reordered_batch"),
            with(batch(1, "STORE-A-A", vec![accept.clone(), count_op(json!(5))]), |v| {
                v["ops"][1]["device_seq"] = json!(3)
            }),
        ),
        (
            "a batch starting after a gap",
            S::CONFLICT,
            Some("sequence_gap"),
            batch(4, "STORE-A-A", vec![accept.clone()]),
        ),
    ];
    for (what, status, code, body) in cases {
        m.expect_code(&format!("push: {what} -> {}", status.as_u16()), status, code, post(path, dev, &body)).await;
    }

    // A batch was applied; replaying it is harmless, contradicting it is refused whole.
    let applied_batch = batch(1, "STORE-A-A", vec![accept.clone()]);
    let first = m.setup("push: AcceptFulfillment as seq 1", S::OK, post(path, dev, &applied_batch)).await;
    assert_eq!(first.body["results"][0]["outcome"]["status"], "applied", "{}", first.body);
    let replay = m
        .expect_replay(
            "push: replay of the applied batch -> 200, nothing changes",
            S::OK,
            post(path, dev, &applied_batch),
        )
        .await;
    if let Some(r) = replay {
        if r.body != first.body {
            m.failures.push(format!(
                "push replay: results differ: first {} then {}",
                short(&first.body),
                short(&r.body)
            ));
        }
    }
    m.expect_code(
        "push: a different op under seq 1 -> 409",
        S::CONFLICT,
        Some("sequence_conflict"),
        post(path, dev, &batch(1, "STORE-A-A", vec![json!({"kind": "StartPick", "fulfillment_order_id": fo})])),
    )
    .await;
    let reused = with(
        batch(2, "STORE-A-A", vec![json!({"kind": "StartPick", "fulfillment_order_id": fo}), count_op(json!(5))]),
        |v| {
            v["ops"][1]["op_id"] = applied_batch["ops"][0]["op_id"].clone();
        },
    );
    // An op_id the server applied gets its stored result whatever sequence it now carries
    // (a device re-enrolled at its store renumbers its outbox); the sequence goes on after it.
    let renumbered =
        m.setup("push: new seq 2, then seq 1's op_id again as seq 3 -> 200", S::OK, post(path, dev, &reused)).await;
    assert_eq!(renumbered.body["results"][1]["outcome"], first.body["results"][0]["outcome"], "{}", renumbered.body);
    let replay_then_bad = with(batch(1, "STORE-A-A", vec![accept.clone(), count_op(json!(5))]), |v| {
        v["ops"][0] = applied_batch["ops"][0].clone();
        v["ops"][1]["op"]["lines"][0]["quality"] = json!("stolen");
    });
    m.expect_code(
        "push: replayed op then a malformed op -> 422",
        S::UNPROCESSABLE_ENTITY,
        Some("invalid_body"),
        post(path, dev, &replay_then_bad),
    )
    .await;
    // The device's sequence did not move: seq 4 is still the next one the server accepts.
    m.setup(
        "push: seq 4 still accepted after the refused batches",
        S::OK,
        post(path, dev, &batch(4, "STORE-A-A", vec![json!({"kind": "MarkReady", "fulfillment_order_id": fo})])),
    )
    .await;
    m.finish("push").await;
}
