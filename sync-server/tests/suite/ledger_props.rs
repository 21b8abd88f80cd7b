//! Property test over the real storage: whatever mix of stock operations runs, every
//! balance equals its ledger, reserved equals the active reservations, nothing oversells,
//! and no ERP adjustment ever takes on-hand below reserved (a batch that would is refused
//! whole, and one that fits is applied whole), checked against a model of the pool.

use crate::common;
use proptest::prelude::*;
use shared::import::{ImportBundle, ReservationRequest, StockAdjustment, StockAdjustmentBatch};
use shared::stock::Quality;
use shared::Qty;
use std::collections::HashMap;
use sync_server::service::{self, stock};
use sync_server::storage::{ledger, Storage};

#[derive(Debug, Clone)]
enum Op {
    /// An ERP batch of one to three lines `(node, sku, delta)`.
    Adjust {
        lines: Vec<(usize, usize, i64)>,
    },
    Hold {
        node: usize,
        sku: usize,
        qty: i64,
    },
    Release {
        which: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let line = (0usize..3, 0usize..3, -8i64..8).prop_filter("non-zero", |(_, _, d)| *d != 0);
    prop_oneof![
        proptest::collection::vec(line, 1..4).prop_map(|lines| Op::Adjust { lines }),
        (0usize..3, 0usize..3, 1i64..6).prop_map(|(node, sku, qty)| Op::Hold { node, sku, qty }),
        (0usize..64).prop_map(|which| Op::Release { which }),
    ]
}

const NODES: [&str; 3] = ["STORE-A", "STORE-B", "WH-1"];
const SKUS: [&str; 3] = ["SKU-1", "SKU-2", "SKU-3"];

/// What the pool should hold: (on-hand, reserved) per (node, sku), sellable.
type Model = HashMap<(usize, usize), (i64, i64)>;

async fn run(storage: &dyn Storage, ops: Vec<Op>, mut model: Model) -> Result<(), TestCaseError> {
    // (reservation id, node, sku, qty, still active)
    let mut holds: Vec<(String, usize, usize, i64, bool)> = Vec::new();
    for (i, op) in ops.into_iter().enumerate() {
        match op {
            Op::Adjust { lines } => {
                // The batch fits iff every line, counting the earlier ones, keeps on-hand at or
                // above reserved (and zero); then all of it applies, else none.
                let mut after = model.clone();
                let mut fits = true;
                for &(node, sku, delta) in &lines {
                    let (on_hand, reserved) = after.entry((node, sku)).or_default();
                    if delta < 0 && *on_hand + delta < (*reserved).max(0) {
                        fits = false;
                    }
                    *on_hand += delta;
                }
                let batch = StockAdjustmentBatch {
                    batch_id: format!("b{i}"),
                    lines: lines
                        .iter()
                        .map(|&(node, sku, delta)| StockAdjustment {
                            node_code: NODES[node].into(),
                            sku_code: SKUS[sku].into(),
                            quality: Quality::Sellable,
                            delta,
                            note: "prop".into(),
                        })
                        .collect(),
                };
                match service::write(storage, move |tx| stock::adjust(tx, &batch)).await {
                    Ok(r) => {
                        prop_assert!(fits, "a batch that takes on-hand below reserved was applied: {:?}", lines);
                        prop_assert_eq!(r.applied, lines.len());
                        model = after;
                    }
                    Err(e) => {
                        prop_assert!(!fits, "a batch that fits was refused: {:?}: {}", lines, e);
                        prop_assert_eq!(e.code, "adjustment_exceeds_stock");
                    }
                }
            }
            Op::Hold { node, sku, qty } => {
                let req = ReservationRequest {
                    reference: format!("r{i}"),
                    node_code: NODES[node].into(),
                    sku_code: SKUS[sku].into(),
                    qty: Qty::new(qty).unwrap(),
                    ttl_seconds: None,
                };
                let (on_hand, reserved) = model.entry((node, sku)).or_default();
                let fits = *on_hand - *reserved >= qty;
                match service::write(storage, move |tx| stock::hold(tx, &req)).await {
                    Ok(h) => {
                        prop_assert!(fits);
                        *reserved += qty;
                        holds.push((h.reservation.id, node, sku, qty, true));
                    }
                    Err(e) => {
                        prop_assert!(!fits, "{}", e);
                        prop_assert_eq!(e.code, "insufficient_stock");
                    }
                }
            }
            Op::Release { which } => {
                if !holds.is_empty() {
                    let n = holds.len();
                    let (id, node, sku, qty, active) = &mut holds[which % n];
                    let id_owned = id.clone();
                    service::write(storage, move |tx| stock::release_hold(tx, &id_owned))
                        .await
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    if *active {
                        model.entry((*node, *sku)).or_default().1 -= *qty;
                        *active = false;
                    }
                }
            }
        }
    }
    let audit = service::read(storage, |tx| Ok(ledger::audit(tx)?)).await.unwrap();
    prop_assert!(audit.ledger_mismatches.is_empty(), "{:?}", audit);
    prop_assert!(audit.reservation_mismatches.is_empty(), "{:?}", audit);
    // Neither holds nor adjustments ever oversell: only physical facts (counts) may.
    prop_assert!(audit.oversold.is_empty(), "{:?}", audit);
    let levels = service::read(storage, |tx| {
        let mut v = Vec::new();
        for (n, node) in NODES.iter().enumerate() {
            for (s, sku) in SKUS.iter().enumerate() {
                v.push(((n, s), ledger::balance(tx, node, sku, Quality::Sellable)?));
            }
        }
        Ok(v)
    })
    .await
    .unwrap();
    for (key, l) in levels {
        // Reserved is exactly the holds this test still has open there (counted from the
        // holds themselves, not from the model or the server's audit), and on-hand covers it.
        let open: i64 = holds.iter().filter(|h| (h.1, h.2) == key && h.4).map(|h| h.3).sum();
        prop_assert_eq!(l.reserved, open, "{:?}: reserved is not the open holds: {:?}", key, l);
        prop_assert!(l.on_hand >= l.reserved, "{:?} oversold: {:?}", key, l);
        prop_assert_eq!((l.on_hand, l.reserved), model.get(&key).copied().unwrap_or_default(), "{:?}", key);
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
            let model: Model = bundle
                .stock
                .iter()
                .map(|r| {
                    let at = |names: &[&str], code: &str| names.iter().position(|n| *n == code).unwrap();
                    ((at(&NODES, &r.node_code), at(&SKUS, &r.sku_code)), (r.on_hand.get(), 0))
                })
                .collect();
            service::write(storage.as_ref(), move |tx| stock::import(tx, &bundle)).await.unwrap();
            run(storage.as_ref(), ops, model).await
        })?;
    }
}
