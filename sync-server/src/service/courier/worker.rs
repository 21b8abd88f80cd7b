//! The courier worker: claims due tasks of the courier outbox with a lease, makes each
//! platform call outside any transaction, then records the answer and acknowledges the task
//! in one transaction (DESIGN §6). A worker that dies between claim and acknowledgement
//! leaves the task to be claimed again after the lease; every call is idempotent by our
//! booking id (SF `orderId`, Dada `origin_id`), so running it twice books once. Runs inside
//! `sync-server serve` and `demo`, a bounded batch per round.

use super::{apply_reports, fee, flag_for_hq, notify};
use crate::courier::{CourierError, Couriers, Goods, Party, Quote, Shipment};
use crate::service::{self, ServiceError};
use crate::storage::courier::{self as store, BookingRow, Task, TaskKind};
use crate::storage::orders;
use crate::storage::{catalogue, Storage, Tx};
use shared::courier::{choose_quote, BookingProblem, BookingStatus, CourierMethod};
use shared::fulfillment::FulfillmentState;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// How long a claimed task is the worker's before another may run it.
pub const TASK_LEASE_MS: i64 = 60_000;
/// Tries of a task that keeps failing to reach the platform before it gives up.
pub const MAX_TRIES: i64 = 8;
/// Tasks run per round (claimed one at a time, each under its own lease).
pub const BATCH: u32 = 20;

/// The worker.
#[derive(Clone)]
pub struct Worker {
    storage: Arc<dyn Storage>,
    couriers: Couriers,
    /// Pause between rounds that found nothing due.
    pub idle: Duration,
}

/// A booking with what its platform call needs.
struct Prepared {
    row: BookingRow,
    shipment: Shipment,
    state: FulfillmentState,
}

fn prepare(tx: &mut dyn Tx, booking_id: Uuid) -> Result<Option<Prepared>, ServiceError> {
    let Some(row) = store::booking(tx, booking_id)? else { return Ok(None) };
    let Some(f) = orders::fulfillment(tx, row.booking.fulfillment_order_id)? else { return Ok(None) };
    let Some(order) = orders::order(tx, f.order_id)? else { return Ok(None) };
    let node = catalogue::node(tx, &f.node_code)?;
    let goods = orders::fulfillment_lines(tx, f.id)?
        .into_iter()
        .filter(|l| l.qty > 0)
        .map(|l| Goods { sku_code: l.sku_code, qty: l.qty })
        .collect();
    let goods_value = super::goods_value(tx, &f)?;
    let (name, city, location) = match &node {
        Some(n) => (n.name.clone(), n.city.clone(), Some(n.location)),
        None => (f.node_code.clone(), String::new(), None),
    };
    let shipment = Shipment {
        booking_id,
        fulfillment_order_id: f.id,
        reference: order.channel_order_id.clone(),
        store_code: f.node_code.clone(),
        sender: Party { name, phone: String::new(), address: city.clone(), city: city.clone(), location },
        recipient: Party {
            name: order.customer_name.clone(),
            phone: order.customer_phone.clone(),
            address: order.customer_address.clone(),
            city: city.clone(),
            location: order
                .location_e6
                .map(|(lat, lon)| shared::node::GeoPoint { lat: lat as f64 / 1e6, lon: lon as f64 / 1e6 }),
        },
        service: row.booking.service,
        parcels: row.booking.parcels.clone(),
        goods,
        goods_value: shared::Fen(goods_value),
        tip: row.booking.tip,
        city_code: city,
        rider_code: row.booking.rider_code.clone(),
    };
    Ok(Some(Prepared { row, shipment, state: f.state }))
}

/// What a platform's answer to a booking was.
enum BookAnswer {
    Booked { platform: String, created: crate::courier::Created },
    Failed { problem: BookingProblem, detail: String },
}

fn backoff_ms(tries: i64) -> i64 {
    let secs = 1_i64 << tries.clamp(0, 8);
    secs.min(300) * 1000
}

/// Records a platform's answer to a booking and acknowledges the task.
fn record_booking(tx: &mut dyn Tx, task: &Task, answer: &BookAnswer, now: i64) -> Result<(), ServiceError> {
    let Some(b0) = store::booking(tx, task.booking_id)? else {
        store::ack_task(tx, task, now)?;
        return Ok(());
    };
    let mut f = orders::fulfillment_for_update(tx, b0.booking.fulfillment_order_id)?
        .ok_or_else(|| ServiceError::not_found("fulfillment order", b0.booking.fulfillment_order_id))?;
    let Some(mut b) = store::booking_for_update(tx, task.booking_id)? else { return Ok(()) };
    // The answer is recorded even when this claim lost the task meanwhile: the call was
    // idempotent by our booking id, so the other run books the same platform order.
    store::ack_task(tx, task, now)?;
    match answer {
        BookAnswer::Booked { platform, created } => {
            // What the platform answered fills in what is missing: its first callback may
            // have come before this answer (the platform was recorded before the call), and
            // a second run of the task answers the same.
            let k = &mut b.booking;
            k.platform = platform.clone();
            if k.platform_order_no.is_none() {
                k.platform_order_no = Some(created.platform_order_no.clone());
            }
            if k.fee.0 == 0 {
                k.fee = created.fee;
            }
            k.distance_m = k.distance_m.or(created.distance_m);
            k.eta = k.eta.or(created.eta);
            if k.labels.is_empty() {
                k.labels = created.labels.clone();
            }
            for (p, w) in k.parcels.iter_mut().zip(&created.waybills) {
                p.waybill_no.get_or_insert_with(|| w.clone());
            }
            if k.method == CourierMethod::Express && f.tracking_no.is_none() {
                f.carrier = Some(crate::courier::sf::CARRIER_NAME.to_string());
                f.tracking_no = Some(created.platform_order_no.clone());
            }
            if b.cancel_requested {
                // HQ cancelled the order while the platform was booking it: cancel it there.
                store::queue_task(tx, TaskKind::Cancel, k.id, now, now)?;
            } else if k.status.advances_to(BookingStatus::Dispatching) {
                k.status = BookingStatus::Dispatching;
                if k.method == CourierMethod::Express {
                    k.problem = None;
                }
            }
        }
        BookAnswer::Failed { problem, detail } => {
            if !b.booking.status.advances_to(BookingStatus::Failed) {
                return Ok(());
            }
            b.booking.status = BookingStatus::Failed;
            b.booking.problem = Some(*problem);
            b.booking.problem_detail = Some(detail.chars().take(200).collect());
        }
    }
    store::update_booking(tx, &b, now)?;
    notify(tx, &f, &b.booking, now)?;
    orders::update_fulfillment(tx, &f, now)?;
    Ok(())
}

/// Closes the tasks that used up their tries without an answer recorded (each run failed
/// before it could record one): a booking still to be booked fails with `create_failed`,
/// and HQ is told to follow up. Answers how many.
fn give_up(tx: &mut dyn Tx, now: i64) -> Result<usize, ServiceError> {
    let error = format!("gave up after {MAX_TRIES} tries");
    let tasks = store::give_up_tasks(tx, MAX_TRIES, now, now - TASK_LEASE_MS, &error)?;
    for task in &tasks {
        tracing::warn!(task = task.id, kind = task.kind.as_str(), booking = %task.booking_id, "courier task: {error}");
        let Some(b0) = store::booking(tx, task.booking_id)? else { continue };
        let Some(mut f) = orders::fulfillment_for_update(tx, b0.booking.fulfillment_order_id)? else { continue };
        let Some(mut b) = store::booking_for_update(tx, task.booking_id)? else { continue };
        if task.kind == TaskKind::Book && b.booking.status.advances_to(BookingStatus::Failed) {
            b.booking.status = BookingStatus::Failed;
            b.booking.problem = Some(BookingProblem::CreateFailed);
            b.booking.problem_detail = Some(format!("HQ could not book it: {error}"));
            store::update_booking(tx, &b, now)?;
        }
        let message = format!(
            "the courier worker gave up on the {} task of booking {} ({}) after {MAX_TRIES} tries; see its last error",
            task.kind.as_str(),
            b.booking.id,
            if b.booking.platform.is_empty() { "no platform yet" } else { b.booking.platform.as_str() }
        );
        flag_for_hq(tx, &mut f, "courier_task_gave_up", message, now)?;
        orders::update_fulfillment(tx, &f, now)?;
    }
    Ok(tasks.len())
}

impl Worker {
    /// A worker over `storage` booking with `couriers`.
    pub fn new(storage: Arc<dyn Storage>, couriers: Couriers) -> Self {
        Worker { storage, couriers, idle: Duration::from_millis(500) }
    }

    /// Runs forever in the background: a round of due tasks, then a pause when there were
    /// none.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match self.run_due().await {
                    Ok(n) if n > 0 => continue,
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "courier worker: cannot claim tasks"),
                }
                tokio::time::sleep(self.idle).await;
            }
        })
    }

    /// Gives up on the tasks that used up their tries, then claims and runs due tasks one
    /// at a time (each under its own lease), up to [`BATCH`]; answers how many it handled.
    pub async fn run_due(&self) -> Result<usize, ServiceError> {
        let now = service::now_ms();
        let mut n = service::write(self.storage.as_ref(), move |tx| give_up(tx, now)).await?;
        for _ in 0..BATCH {
            let now = service::now_ms();
            let token = Uuid::now_v7().to_string();
            let claimed = service::write(self.storage.as_ref(), move |tx| {
                Ok(store::claim_task(tx, &token, MAX_TRIES, now, now - TASK_LEASE_MS)?)
            })
            .await?;
            let Some(task) = claimed else { break };
            n += 1;
            if let Err(e) = self.run(&task).await {
                tracing::warn!(task = task.id, booking = %task.booking_id, error = %e, "courier task failed; it runs again after its lease");
            }
        }
        Ok(n)
    }

    async fn retry(&self, task: &Task, error: &CourierError) -> Result<(), ServiceError> {
        let now = service::now_ms();
        tracing::warn!(task = task.id, kind = task.kind.as_str(), booking = %task.booking_id, tries = task.tries, error = %error, "courier platform call failed");
        let (task, due, text) = (task.clone(), now + backoff_ms(task.tries), error.to_string());
        service::write(self.storage.as_ref(), move |tx| {
            if !store::retry_task(tx, &task, due, &text)? {
                tracing::warn!(task = task.id, "courier task: the claim was lost meanwhile; the other run goes on");
            }
            Ok(())
        })
        .await
    }

    async fn ack(&self, task: &Task) -> Result<(), ServiceError> {
        let (task, now) = (task.clone(), service::now_ms());
        service::write(self.storage.as_ref(), move |tx| {
            store::ack_task(tx, &task, now)?;
            Ok(())
        })
        .await
    }

    /// Renews the task's lease right before a platform call; false when this claim lost it
    /// (another run has the task: this one stops without calling).
    async fn hold(&self, task: &Task) -> Result<bool, ServiceError> {
        let (t, now) = (task.clone(), service::now_ms());
        let held = service::write(self.storage.as_ref(), move |tx| Ok(store::extend_claim(tx, &t, now)?)).await?;
        if !held {
            tracing::warn!(task = task.id, booking = %task.booking_id, "courier task: the lease was lost; another run has it");
        }
        Ok(held)
    }

    /// Records the platform chosen for a booking before the place call (in its own short
    /// transaction), so a retry after a call that timed out (but may have placed it) places
    /// it with that platform only, and the platform's first callback finds it. Answers the
    /// platform to place it with (the one recorded first), or None when the booking is no
    /// longer to be booked.
    async fn choose(&self, booking_id: Uuid, code: &str) -> Result<Option<String>, ServiceError> {
        let code = code.to_string();
        let now = service::now_ms();
        service::write(self.storage.as_ref(), move |tx| {
            let Some(b0) = store::booking(tx, booking_id)? else { return Ok(None) };
            let Some(f) = orders::fulfillment_for_update(tx, b0.booking.fulfillment_order_id)? else { return Ok(None) };
            let Some(mut b) = store::booking_for_update(tx, booking_id)? else { return Ok(None) };
            if b.booking.status != BookingStatus::Queued || b.cancel_requested {
                return Ok(None);
            }
            if !b.booking.platform.is_empty() {
                return Ok(Some(b.booking.platform));
            }
            b.booking.platform = code.clone();
            store::update_booking(tx, &b, now)?;
            orders::update_fulfillment(tx, &f, now)?;
            Ok(Some(code.clone()))
        })
        .await
    }

    async fn run(&self, task: &Task) -> Result<(), ServiceError> {
        let id = task.booking_id;
        let Some(mut p) = service::read(self.storage.as_ref(), move |tx| prepare(tx, id)).await? else {
            return self.ack(task).await;
        };
        let contact = self.couriers.contact(&p.shipment.store_code);
        if let Some(c) = contact.contact {
            p.shipment.sender.name = c;
        }
        if let Some(phone) = contact.phone {
            p.shipment.sender.phone = phone;
        }
        if let Some(a) = contact.address {
            p.shipment.sender.address = a;
        }
        if let Some(code) = contact.city_code {
            p.shipment.city_code = code;
        }
        match task.kind {
            TaskKind::Book => self.book(task, p).await,
            TaskKind::Cancel => self.cancel(task, p).await,
            TaskKind::Track => self.track(task, p).await,
        }
    }

    async fn finish_booking(&self, task: &Task, answer: BookAnswer) -> Result<(), ServiceError> {
        let task = task.clone();
        let now = service::now_ms();
        let answer = Arc::new(answer);
        service::write(self.storage.as_ref(), move |tx| record_booking(tx, &task, &answer, now)).await
    }

    async fn book(&self, task: &Task, p: Prepared) -> Result<(), ServiceError> {
        let b = &p.row.booking;
        if b.platform_order_no.is_some()
            || b.status != BookingStatus::Queued
            || p.state != FulfillmentState::AwaitingCourier
        {
            // Booked already, cancelled meanwhile, or the parcels left by another way.
            return self.ack(task).await;
        }
        let s = &p.shipment;
        let stored = (!b.platform.is_empty()).then(|| b.platform.clone());
        let (platform, quote) = match b.method {
            CourierMethod::Express => match self.couriers.express_for(&s.store_code) {
                Some(c) => (c, None),
                None => {
                    let detail = "no express platform is configured for this store".to_string();
                    return self
                        .finish_booking(task, BookAnswer::Failed { problem: BookingProblem::NotConfigured, detail })
                        .await;
                }
            },
            CourierMethod::SameCity => {
                let riders = self.couriers.riders_for(&s.store_code);
                if let Some(code) = stored {
                    // Chosen by an earlier try whose place call may have reached the
                    // platform: that platform only, never another (two riders).
                    let Some(r) = riders.into_iter().find(|r| r.code() == code) else {
                        let detail = format!(
                            "the rider platform {code} chosen for this booking is no longer configured for this store"
                        );
                        return self
                            .finish_booking(task, BookAnswer::Failed { problem: BookingProblem::NotConfigured, detail })
                            .await;
                    };
                    // A fresh quote (the earlier one may have expired); without one, the
                    // order is placed directly (idempotent by our booking id).
                    match r.quote(s).await {
                        Ok(q) => (r, Some(q)),
                        Err(e) if e.retryable() && task.tries < MAX_TRIES => return self.retry(task, &e).await,
                        Err(_) => (r, None),
                    }
                } else {
                    if riders.is_empty() {
                        let detail = "no rider platform is configured for this store".to_string();
                        return self
                            .finish_booking(task, BookAnswer::Failed { problem: BookingProblem::NotConfigured, detail })
                            .await;
                    }
                    let mut quotes: Vec<(Arc<dyn crate::courier::Courier>, Quote)> = Vec::new();
                    let mut errors = Vec::new();
                    for r in riders {
                        match r.quote(s).await {
                            Ok(q) => quotes.push((r, q)),
                            Err(e) => errors.push((r.code().to_string(), e)),
                        }
                    }
                    let policy = {
                        let storage = self.storage.clone();
                        service::read(storage.as_ref(), super::super::settings::courier_policy).await?
                    };
                    let offers: Vec<_> = quotes.iter().map(|(_, q)| q.quote.clone()).collect();
                    match choose_quote(policy.dispatch_rule, &offers).map(|c| c.platform.clone()) {
                        Some(code) => match quotes.into_iter().find(|(c, _)| c.code() == code) {
                            Some((c, q)) => (c, Some(q)),
                            None => return self.ack(task).await,
                        },
                        None => {
                            if let Some((_, e)) =
                                errors.iter().find(|(_, e)| e.retryable()).filter(|_| task.tries < MAX_TRIES)
                            {
                                return self.retry(task, e).await;
                            }
                            let detail = errors.iter().map(|(c, e)| format!("{c}: {e}")).collect::<Vec<_>>().join("; ");
                            return self
                                .finish_booking(
                                    task,
                                    BookAnswer::Failed { problem: BookingProblem::CreateFailed, detail },
                                )
                                .await;
                        }
                    }
                }
            }
            CourierMethod::Manual => return self.ack(task).await,
        };
        // Recorded before the call, and the lease renewed for it.
        match self.choose(b.id, platform.code()).await? {
            Some(code) if code == platform.code() => {}
            Some(code) => {
                // Another run chose first: it goes on with its platform.
                tracing::warn!(booking = %b.id, chosen = %code, "courier booking: another run chose its platform first");
                return Ok(());
            }
            None => return self.ack(task).await,
        }
        if !self.hold(task).await? {
            return Ok(());
        }
        match platform.create(s, quote.as_ref()).await {
            Ok(created) => {
                let answer = BookAnswer::Booked { platform: platform.code().to_string(), created };
                self.finish_booking(task, answer).await
            }
            Err(e) if e.retryable() && task.tries < MAX_TRIES => self.retry(task, &e).await,
            Err(e) => {
                let answer = BookAnswer::Failed { problem: BookingProblem::CreateFailed, detail: e.to_string() };
                self.finish_booking(task, answer).await
            }
        }
    }

    async fn cancel(&self, task: &Task, p: Prepared) -> Result<(), ServiceError> {
        let b = p.row.booking.clone();
        let Some(platform) = self.couriers.by_code(&b.platform).filter(|_| b.method != CourierMethod::Manual) else {
            return self.ack(task).await;
        };
        if !self.hold(task).await? {
            return Ok(());
        }
        let result = platform.cancel(&b, "the order was cancelled").await;
        if let Err(e) = &result {
            if e.retryable() && task.tries < MAX_TRIES {
                return self.retry(task, e).await;
            }
        }
        let task = task.clone();
        let now = service::now_ms();
        let result = Arc::new(result);
        service::write(self.storage.as_ref(), move |tx| {
            store::ack_task(tx, &task, now)?;
            let Some(found) = store::booking(tx, task.booking_id)? else { return Ok(()) };
            let mut f = orders::fulfillment_for_update(tx, found.booking.fulfillment_order_id)?
                .ok_or_else(|| ServiceError::not_found("fulfillment order", found.booking.fulfillment_order_id))?;
            let Some(mut b) = store::booking_for_update(tx, task.booking_id)? else { return Ok(()) };
            match result.as_ref() {
                Ok(c) => {
                    if b.booking.status.advances_to(BookingStatus::Cancelled) {
                        b.booking.status = BookingStatus::Cancelled;
                    }
                    if c.penalty.0 > 0 {
                        b.booking.penalty = c.penalty;
                        store::insert_fee(tx, &b.booking, fee::CANCELLATION, c.penalty, now)?;
                    }
                }
                Err(CourierError::AlreadyCollected(msg)) => {
                    let message = format!(
                        "HQ cancelled the order, but {} says the rider already has the parcels ({msg}); get them back or let the delivery go on",
                        b.booking.platform
                    );
                    flag_for_hq(tx, &mut f, "rider_already_collected", message, now)?;
                }
                Err(e) => {
                    let message = format!("{} did not cancel booking {}: {e}", b.booking.platform, b.booking.id);
                    flag_for_hq(tx, &mut f, "courier_cancel_failed", message, now)?;
                }
            }
            store::update_booking(tx, &b, now)?;
            orders::update_fulfillment(tx, &f, now)?;
            Ok(())
        })
        .await
    }

    async fn track(&self, task: &Task, p: Prepared) -> Result<(), ServiceError> {
        let b = p.row.booking.clone();
        let Some(platform) = self.couriers.by_code(&b.platform) else { return self.ack(task).await };
        if !self.hold(task).await? {
            return Ok(());
        }
        match platform.track(&b).await {
            Ok(reports) => {
                let task = task.clone();
                let now = service::now_ms();
                let code = platform.code().to_string();
                service::write(self.storage.as_ref(), move |tx| {
                    store::ack_task(tx, &task, now)?;
                    apply_reports(tx, &code, &reports, "(status query)", now)?;
                    Ok(())
                })
                .await
            }
            Err(e) if e.retryable() && task.tries < MAX_TRIES => self.retry(task, &e).await,
            Err(e) => {
                tracing::warn!(booking = %b.id, error = %e, "the platform did not answer the status query");
                self.ack(task).await
            }
        }
    }
}
