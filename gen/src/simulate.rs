//! `gen devices`: simulated store devices, each the real device engine (`replica`) with its
//! own replica, working through a store's fulfillment orders against a running server.

use crate::DeviceArgs;
use anyhow::{Context, Result};
use replica::{FileTokenStore, Replica, SyncEngine};
use shared::fulfillment::{FulfillmentKind, FulfillmentState};
use shared::order::FulfillmentOrder;
use shared::protocol::{HandOverVerification, Op, PickedLine};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The wall clock, read when a simulated associate acts (the op's device time and the time
/// its pickup code is checked at): the one place `gen` reads it.
// Time is passed in (clippy.toml); this is where the simulated devices' time comes from.
#[allow(clippy::disallowed_methods)]
fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// Pickup codes customers received, read from the server's notification outbox.
type Codes = Arc<Mutex<HashMap<String, String>>>;

async fn claim_codes(http: &reqwest::Client, server: &str, token: &str, codes: &Codes) -> Result<()> {
    let notes: serde_json::Value =
        http.post(format!("{server}/api/v1/notifications/claim")).bearer_auth(token).send().await?.json().await?;
    for n in notes.as_array().into_iter().flatten() {
        let (Some(fo), Some(body)) = (n["fulfillment_order_id"].as_str(), n["body"].as_str()) else { continue };
        // The customer shows the QR: a pass HQ signed, which the device checks with HQ's key.
        if let Some(pass) = body.find("PK2:").and_then(|i| body[i..].split_whitespace().next()) {
            codes.lock().unwrap_or_else(|e| e.into_inner()).insert(fo.to_string(), pass.to_string());
        }
        // Sent, as far as this simulated gateway goes: HQ may erase the plain text now.
        if let Some(id) = n["id"].as_i64() {
            http.post(format!("{server}/api/v1/notifications/{id}/ack")).bearer_auth(token).send().await?;
        }
    }
    Ok(())
}

/// The next step for an order, as an associate would take it.
fn next_op(fo: &FulfillmentOrder, codes: &Codes) -> Option<Op> {
    let id = fo.id;
    Some(match (fo.state, fo.kind) {
        (FulfillmentState::Routed, _) => Op::AcceptFulfillment { fulfillment_order_id: id },
        (FulfillmentState::Accepted, _) => Op::StartPick { fulfillment_order_id: id },
        (FulfillmentState::Picking, _) => Op::ConfirmPick {
            fulfillment_order_id: id,
            lines: fo
                .lines
                .iter()
                .map(|l| Some(PickedLine { line_no: l.line_no, picked: shared::Count::new(l.qty).ok()? }))
                .collect::<Option<Vec<_>>>()?,
            shortage_reason: None,
        },
        (FulfillmentState::Packed, FulfillmentKind::Pickup) => Op::MarkReady { fulfillment_order_id: id },
        (FulfillmentState::Packed, _) => {
            Op::RequestCourier { fulfillment_order_id: id, delivery: None, carrier: "SF Express".into() }
        }
        (FulfillmentState::AwaitingCourier, _) => Op::RecordTracking {
            fulfillment_order_id: id,
            carrier: "SF Express".into(),
            tracking_no: format!("SF{}", &id.simple().to_string()[..12]),
        },
        (FulfillmentState::ReadyForPickup, _) => {
            let code = codes.lock().unwrap_or_else(|e| e.into_inner()).get(&id.to_string()).cloned()?;
            Op::HandOver { fulfillment_order_id: id, verification: HandOverVerification::PickupCode { code } }
        }
        _ => return None,
    })
}

/// Runs the simulation and prints what the devices did.
pub async fn run(args: DeviceArgs) -> Result<()> {
    let server = args.server.trim_end_matches('/').to_string();
    let tmp = tempfile_dir()?;
    let root = args.dir.clone().unwrap_or_else(|| tmp.clone());
    let http = reqwest::Client::new();
    let codes: Codes = Arc::new(Mutex::new(HashMap::new()));
    let staff = format!("{}-A1", args.store);
    let mut devices = Vec::new();
    for i in 0..args.devices {
        let dir = root.join(format!("device-{i}"));
        let replica = Arc::new(Replica::open(&dir.join("replica.sqlite"))?);
        let engine = SyncEngine::new(replica.clone(), Arc::new(FileTokenStore::new(dir.join("token"))));
        let code: serde_json::Value = http
            .post(format!("{server}/api/v1/enrollment-codes"))
            .bearer_auth(&args.admin_token)
            .json(&serde_json::json!({ "store_code": args.store }))
            .send()
            .await
            .with_context(|| format!("cannot reach the sync server at {server} — is it running?"))?
            .json()
            .await?;
        let code = code["code"]
            .as_str()
            .context("the server gave no enrollment code: check the admin token and the store code")?;
        engine.enroll(&server, code, &format!("simulated device {i}")).await?;
        devices.push((replica, engine));
    }
    println!("{} devices enrolled at {}; working for {} s…", args.devices, args.store, args.seconds);
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut done = 0usize;
    while Instant::now() < deadline {
        claim_codes(&http, &server, &args.admin_token, &codes).await?;
        for (i, (replica, engine)) in devices.iter().enumerate() {
            engine.sync_once().await?;
            // Each device takes its share of the orders, as associates split the work.
            for fo in replica.fulfillment_orders(&[])?.iter().filter(|f| f.id.as_u128() as usize % devices.len() == i) {
                if let Some(op) = next_op(fo, &codes) {
                    if replica.perform_at(&staff, op, now()).is_ok() {
                        done += 1;
                    }
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for (i, (replica, engine)) in devices.iter().enumerate() {
        engine.sync_once().await?;
        let c = replica.task_counts()?;
        println!(
            "device {i}: inbox {} item(s); tasks now: {} to accept, {} to pick, {} for pickup, {} awaiting courier",
            replica.inbox()?.len(),
            c.to_accept,
            c.to_pick,
            c.ready_for_pickup,
            c.awaiting_courier
        );
    }
    println!("{done} actions performed and synced");
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(())
}

fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("gen-devices-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
