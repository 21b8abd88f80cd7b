//! The stock arithmetic the server really runs — conditional `UPDATE`s and availability
//! computed in SQL, in `storage::ledger` — agrees step by step with the shared rules of
//! `shared::stock::StockLevel` that devices and the rest of the code reason with: the same
//! reservations are refused, the same units stay available to other channels and to the
//! store's own shelf, the same lease is shown. A divergence would mean a device promises
//! what the server refuses, or the server sells what the shared rules say is not there.

use crate::common;
use proptest::prelude::*;
use shared::stock::{MovementReason, Quality, StockLevel};
use sync_server::service;
use sync_server::storage::{ledger, Storage};

const NODE: &str = "STORE-A";
const OTHER: &str = "STORE-B";
const SKU: &str = "SKU-1";

#[derive(Debug, Clone)]
enum Op {
    /// A channel reservation (safety stock kept back).
    Reserve(i64),
    /// The store's own customer, from its shelf (safety stock may be sold).
    ReserveOwnShelf(i64),
    /// An open reservation released.
    Release(usize),
    /// An open reservation's goods left the node.
    Consume(usize),
    /// A physical fact: units arrived or disappeared (never refused).
    Movement(i64),
    /// An ERP adjustment: refused if it would take on-hand below reserved.
    Adjustment(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1i64..8).prop_map(Op::Reserve),
        (1i64..8).prop_map(Op::ReserveOwnShelf),
        (0usize..16).prop_map(Op::Release),
        (0usize..16).prop_map(Op::Consume),
        (-6i64..7).prop_filter("non-zero", |d| *d != 0).prop_map(Op::Movement),
        (-6i64..7).prop_filter("non-zero", |d| *d != 0).prop_map(Op::Adjustment),
    ]
}

/// What the server shows of the balance: the level, availability to another channel and to
/// the store itself, and the lease.
fn observe(storage: &dyn Storage) -> (StockLevel, i64, i64, i64) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(service::read(storage, |tx| {
        let level = ledger::balance(tx, NODE, SKU, Quality::Sellable)?;
        let at = |v: Vec<(String, i64)>| v.into_iter().find(|(n, _)| n == NODE).map_or(0, |(_, a)| a);
        let to_others = at(ledger::availability(tx, SKU, Some(OTHER))?);
        let to_own = at(ledger::availability(tx, SKU, Some(NODE))?);
        let lease = ledger::stock_record(tx, NODE, SKU, Quality::Sellable)?.lease;
        Ok((level, to_others, to_own, lease))
    }))
    .unwrap()
}

fn write<T: Send + 'static>(
    storage: &dyn Storage,
    f: impl FnMut(&mut dyn sync_server::storage::Tx) -> Result<T, service::ServiceError> + Send + 'static,
) -> T {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(service::write(storage, f)).unwrap()
}

fn run(storage: &dyn Storage, start: StockLevel, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut model = start;
    // (reservation id, qty, still open)
    let mut open: Vec<(String, i64, bool)> = Vec::new();
    for (i, op) in ops.into_iter().enumerate() {
        let id = format!("r{i}");
        match op {
            Op::Reserve(qty) | Op::ReserveOwnShelf(qty) => {
                let own = matches!(op, Op::ReserveOwnShelf(_));
                let expected = if own {
                    // The shared rule for the store's own customers: reservations and locks
                    // are off limits, safety stock is not.
                    qty <= model.available_to_own_store()
                } else {
                    model.clone().reserve(qty).is_ok()
                };
                let rid = id.clone();
                let done = write(storage, move |tx| {
                    Ok(if own {
                        ledger::try_reserve_own_shelf(tx, &rid, NODE, SKU, qty, 0)?
                    } else {
                        ledger::try_reserve(tx, &rid, None, NODE, SKU, qty, 0)?
                    })
                });
                prop_assert_eq!(done, expected, "reserve {} (own shelf: {}) at {:?}", qty, own, model);
                if done {
                    model.reserved += qty;
                    open.push((id, qty, true));
                }
            }
            Op::Release(which) | Op::Consume(which) if !open.is_empty() => {
                let n = open.len();
                let (rid, qty, is_open) = &mut open[which % n];
                let how = if matches!(op, Op::Consume(_)) { ledger::Close::Consume } else { ledger::Close::Release };
                let rid2 = rid.clone();
                let closed = write(storage, move |tx| Ok(ledger::close_reservation(tx, &rid2, how, "prop", 0)?));
                prop_assert_eq!(closed, *is_open, "closing {} twice", rid);
                if *is_open {
                    match how {
                        ledger::Close::Release => {
                            model.release(*qty).map_err(|e| TestCaseError::fail(e.to_string()))?
                        }
                        ledger::Close::Consume => {
                            let delta = model.consume(*qty).map_err(|e| TestCaseError::fail(e.to_string()))?;
                            prop_assert_eq!(delta, -*qty);
                        }
                    }
                    *is_open = false;
                }
            }
            Op::Release(_) | Op::Consume(_) => {}
            Op::Movement(delta) => {
                write(storage, move |tx| {
                    let m = movement(delta, MovementReason::Count);
                    Ok(ledger::record_movement(tx, &m, 0)?)
                });
                model.apply_movement(delta);
            }
            Op::Adjustment(delta) => {
                let fits = model.on_hand + delta >= 0 && model.on_hand + delta >= model.reserved;
                let done = write(storage, move |tx| {
                    let m = movement(delta, MovementReason::Adjustment);
                    Ok(ledger::try_record_movement(tx, &m, 0)?)
                });
                prop_assert_eq!(done, delta > 0 || fits, "adjustment {} at {:?}", delta, model);
                if done {
                    model.apply_movement(delta);
                }
            }
        }
        let (level, to_others, to_own, lease) = observe(storage);
        prop_assert_eq!(level, model, "the balance after step {}", i);
        prop_assert_eq!(to_others, model.available(), "available to other channels after step {}", i);
        prop_assert_eq!(to_own, model.available_to_own_store(), "available to the store after step {}", i);
        prop_assert_eq!(lease, model.lease(), "the lease after step {}", i);
    }
    Ok(())
}

fn movement(delta: i64, reason: MovementReason) -> ledger::Movement<'static> {
    ledger::Movement { node: NODE, sku: SKU, quality: Quality::Sellable, delta, reason, reference: "prop" }
}

proptest! {
    // Each case creates a database: a PostgreSQL one takes over a second, so fewer cases there
    // (the arithmetic is the same SQL; the backend's part is the dialect).
    #![proptest_config(ProptestConfig { cases: if common::on_postgres() { 12 } else { 48 }, ..ProptestConfig::default() })]

    #[test]
    fn the_servers_stock_arithmetic_is_the_shared_rules(
        on_hand in 0i64..12,
        safety in 0i64..5,
        ops in proptest::collection::vec(op(), 1..30),
    ) {
        let database = common::Database::fresh();
        let storage = sync_server::storage::open(&database.url).unwrap();
        let mut bundle = common::fixture();
        bundle.staff.clear();
        bundle.stock.retain(|r| r.node_code == NODE && r.sku_code == SKU);
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(service::write(storage.as_ref(), move |tx| service::stock::import(tx, &bundle))).unwrap();
        // From whatever the fixture holds to the generated start.
        let (imported, ..) = observe(storage.as_ref());
        write(storage.as_ref(), move |tx| {
            ledger::record_movement(tx, &movement(on_hand - imported.on_hand, MovementReason::Import), 0)?;
            Ok(ledger::set_safety(tx, NODE, SKU, Quality::Sellable, safety)?)
        });
        let start = StockLevel { on_hand, reserved: 0, safety, locked: 0 };
        prop_assert_eq!(observe(storage.as_ref()).0, start);
        run(storage.as_ref(), start, ops)?;
    }
}
