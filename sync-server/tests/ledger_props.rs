//! Property test over the real storage: whatever mix of stock operations runs, every
//! balance equals its ledger, reserved equals the active reservations, nothing oversells.

use proptest::prelude::*;
use shared::import::{ImportBundle, ReservationRequest, StockAdjustment, StockAdjustmentBatch};
use shared::stock::Quality;
use shared::Qty;
use sync_server::service::{self, stock};
use sync_server::storage::{ledger, Storage};

mod common;

#[derive(Debug, Clone)]
enum Op {
    Adjust { node: usize, sku: usize, delta: i64 },
    Hold { node: usize, sku: usize, qty: i64 },
    Release { which: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..3, 0usize..3, -5i64..8)
            .prop_filter("non-zero", |(_, _, d)| *d != 0)
            .prop_map(|(node, sku, delta)| Op::Adjust { node, sku, delta }),
        (0usize..3, 0usize..3, 1i64..6).prop_map(|(node, sku, qty)| Op::Hold { node, sku, qty }),
        (0usize..64).prop_map(|which| Op::Release { which }),
    ]
}

const NODES: [&str; 3] = ["STORE-A", "STORE-B", "WH-1"];
const SKUS: [&str; 3] = ["SKU-1", "SKU-2", "SKU-3"];

async fn run(storage: &dyn Storage, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut holds: Vec<String> = Vec::new();
    for (i, op) in ops.into_iter().enumerate() {
        match op {
            Op::Adjust { node, sku, delta } => {
                let batch = StockAdjustmentBatch {
                    batch_id: format!("b{i}"),
                    lines: vec![StockAdjustment {
                        node_code: NODES[node].into(),
                        sku_code: SKUS[sku].into(),
                        quality: Quality::Sellable,
                        delta,
                        note: "prop".into(),
                    }],
                };
                service::write(storage, move |tx| stock::adjust(tx, &batch))
                    .await
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
            Op::Hold { node, sku, qty } => {
                let req = ReservationRequest {
                    reference: format!("r{i}"),
                    node_code: NODES[node].into(),
                    sku_code: SKUS[sku].into(),
                    qty: Qty::new(qty).unwrap(),
                };
                match service::write(storage, move |tx| stock::hold(tx, &req)).await {
                    Ok(h) => holds.push(h.reservation.id),
                    Err(e) => prop_assert_eq!(e.code, "insufficient_stock"),
                }
            }
            Op::Release { which } => {
                if !holds.is_empty() {
                    let id = holds[which % holds.len()].clone();
                    service::write(storage, move |tx| stock::release_hold(tx, &id))
                        .await
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                }
            }
        }
    }
    let audit = service::read(storage, |tx| Ok(ledger::audit(tx)?)).await.unwrap();
    prop_assert!(audit.ledger_mismatches.is_empty(), "{:?}", audit);
    prop_assert!(audit.reservation_mismatches.is_empty(), "{:?}", audit);
    // Only negative adjustments (physical facts) may leave reserved above on-hand; holds never do.
    let levels = service::read(storage, |tx| {
        let mut v = Vec::new();
        for n in NODES {
            for s in SKUS {
                v.push(ledger::balance(tx, n, s, Quality::Sellable)?);
            }
        }
        Ok(v)
    })
    .await
    .unwrap();
    for l in levels {
        prop_assert!(l.reserved >= 0);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn ledger_always_balances(ops in proptest::collection::vec(op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let database = common::Database::fresh();
            let storage = sync_server::storage::open(&database.url).unwrap();
            let mut bundle: ImportBundle = common::fixture();
            bundle.staff.clear();
            service::write(storage.as_ref(), move |tx| stock::import(tx, &bundle)).await.unwrap();
            run(storage.as_ref(), ops).await
        })?;
    }
}
