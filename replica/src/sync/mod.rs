//! The sync engine: push the outbox, pull changes, listen for pokes, back off when offline.

pub mod client;

use crate::error::{ReplicaError, Result};
use crate::local::{Enrollment, Replica};
use crate::token::TokenStore;
use client::{Client, PUSH_BATCH};
use futures_util::StreamExt;
use serde::Serialize;
use shared::protocol::{PushRequest, PROTOCOL_VERSION};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// Where sync stands, for the UI.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncStatus {
    /// The last attempt reached the server.
    pub online: bool,
    /// A sync is running.
    pub syncing: bool,
    /// Ops waiting for the server.
    pub pending_ops: u64,
    /// Last successful sync (ms).
    pub last_sync_ms: Option<i64>,
    /// Bootstrap progress `(done, total)` while the first pull runs.
    pub bootstrap: Option<(u64, u64)>,
    /// The last error, if the last attempt failed.
    pub error: Option<ReplicaError>,
}

/// A report of one sync round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// Ops the server answered.
    pub pushed: usize,
    /// Changes pulled.
    pub pulled: usize,
}

/// How old the network availability snapshot may get before a sync refreshes it.
pub const AVAILABILITY_MAX_AGE: Duration = Duration::from_secs(300);

/// Delay before retry `attempt` (0-based): exponential from 0.5 s to 60 s, with jitter so a
/// store's devices do not all retry at once after an outage.
pub fn backoff(attempt: u32) -> Duration {
    use rand::Rng;
    let base = 500u64.saturating_mul(1u64 << attempt.min(7)).min(60_000);
    let jitter = rand::thread_rng().gen_range(0.5..1.0);
    Duration::from_millis((base as f64 * jitter) as u64)
}

/// Stops the events listener when the sync loop is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Syncs one replica with its server.
pub struct SyncEngine {
    replica: Arc<Replica>,
    tokens: Arc<dyn TokenStore>,
    status: watch::Sender<SyncStatus>,
    poke: Notify,
    round: tokio::sync::Mutex<()>,
}

impl SyncEngine {
    /// An engine for an enrolled (or soon enrolled) replica.
    pub fn new(replica: Arc<Replica>, tokens: Arc<dyn TokenStore>) -> Arc<SyncEngine> {
        let pending = replica.pending_count().unwrap_or(0);
        let (status, _) = watch::channel(SyncStatus {
            online: false,
            syncing: false,
            pending_ops: pending,
            last_sync_ms: None,
            bootstrap: None,
            error: None,
        });
        Arc::new(SyncEngine { replica, tokens, status, poke: Notify::new(), round: tokio::sync::Mutex::new(()) })
    }

    /// Enrols the device at `server_url` with a one-time code from HQ.
    pub async fn enroll(&self, server_url: &str, code: &str, device_name: &str) -> Result<Enrollment> {
        let client = Client::new(server_url)?;
        let resp = client.enroll(code, device_name).await?;
        self.tokens.save(&resp.token)?;
        self.replica.record_enrollment(client.base(), &resp)?;
        self.poke();
        self.replica.enrollment()?.ok_or(ReplicaError::NotEnrolled)
    }

    /// Watches the sync status.
    pub fn status(&self) -> watch::Receiver<SyncStatus> {
        self.status.subscribe()
    }

    /// Asks for a sync soon (after a local action, or "sync now").
    pub fn poke(&self) {
        self.poke.notify_one();
    }

    fn update(&self, f: impl FnOnce(&mut SyncStatus)) {
        self.status.send_modify(f);
    }

    fn session(&self) -> Result<(Client, String)> {
        let enrollment = self.replica.enrollment()?.ok_or(ReplicaError::NotEnrolled)?;
        let token = self.tokens.load()?.ok_or(ReplicaError::NotEnrolled)?;
        Ok((Client::new(&enrollment.server_url)?, token))
    }

    /// One round: push the whole outbox in order, then pull until up to date.
    pub async fn sync_once(&self) -> Result<SyncReport> {
        let _round = self.round.lock().await;
        self.update(|s| s.syncing = true);
        let result = self.round_inner().await;
        let pending = self.replica.pending_count().unwrap_or(0);
        self.update(|s| {
            s.syncing = false;
            s.pending_ops = pending;
            match &result {
                Ok(_) => {
                    s.online = true;
                    s.error = None;
                    s.bootstrap = None;
                    s.last_sync_ms = Some(chrono::Utc::now().timestamp_millis());
                }
                Err(e) => {
                    s.online = !matches!(e, ReplicaError::Offline { .. });
                    s.error = Some(e.clone());
                }
            }
        });
        if matches!(result, Err(ReplicaError::Revoked)) {
            self.tokens.clear()?;
        }
        result
    }

    async fn round_inner(&self) -> Result<SyncReport> {
        let (client, token) = self.session()?;
        let mut report = SyncReport::default();
        loop {
            let ops = self.replica.pending_ops(PUSH_BATCH)?;
            if ops.is_empty() {
                break;
            }
            let req = PushRequest { protocol_version: PROTOCOL_VERSION, ops };
            let resp = match client.push(&token, &req).await {
                Ok(resp) => resp,
                // The server refused the batch as sent (400/422): some op in it can never be
                // applied. Find it by sending the first op alone; the one refused alone goes
                // to the inbox as a rejection, so the rest of the outbox is not stuck behind it.
                Err(ReplicaError::Server { status: 400 | 422, code, message }) => {
                    let first = req.ops[0].clone();
                    let alone = if req.ops.len() == 1 {
                        Err(ReplicaError::Server { status: 422, code, message })
                    } else {
                        let one = PushRequest { protocol_version: PROTOCOL_VERSION, ops: vec![first.clone()] };
                        client.push(&token, &one).await
                    };
                    match alone {
                        Ok(resp) => resp,
                        Err(ReplicaError::Server { status: 400 | 422, code, message }) => {
                            tracing::warn!(op_id = %first.op_id, %code, %message, "the server refuses this op as sent; it goes to the inbox");
                            self.replica.refuse_unsendable(first.op_id, &code, &message)?;
                            report.pushed += 1;
                            continue;
                        }
                        Err(e) => return Err(e),
                    }
                }
                Err(e) => return Err(e),
            };
            self.replica.record_push_results(&resp.results)?;
            report.pushed += resp.results.len();
            let pending = self.replica.pending_count()?;
            self.update(|s| s.pending_ops = pending);
        }
        let mut restarted = false;
        for _ in 0..100_000 {
            let page = match client.pull(&token, &self.replica.cursor()?).await {
                // The server does not know this cursor (HQ restored an older backup): the
                // store's data is downloaded again; unsent work stays in the outbox.
                Err(ReplicaError::Server { code, message, .. })
                    if !restarted && (code == "cursor_ahead" || code == "invalid_cursor") =>
                {
                    tracing::warn!(%code, %message, "the server does not know this device's cursor; downloading the store's data again");
                    self.replica.restart_bootstrap()?;
                    restarted = true;
                    continue;
                }
                other => other?,
            };
            self.replica.apply_pull(&page)?;
            report.pulled += page.changes.len();
            if let Some(b) = page.bootstrap {
                self.update(|s| s.bootstrap = Some((b.done, b.total)));
            }
            if !page.has_more {
                self.refresh_availability(&client, &token).await?;
                self.refresh_resolutions(&client, &token).await?;
                return Ok(report);
            }
        }
        Err(ReplicaError::CorruptResponse { message: "the server never finished the pull".into() })
    }

    /// Refreshes the network availability snapshot when it is older than
    /// [`AVAILABILITY_MAX_AGE`]; the whole snapshot is replaced at once.
    async fn refresh_availability(&self, client: &Client, token: &str) -> Result<()> {
        let now = chrono::Utc::now().timestamp_millis();
        if self.replica.availability_as_of()?.is_some_and(|t| now - t < AVAILABILITY_MAX_AGE.as_millis() as i64) {
            return Ok(());
        }
        let mut items = Vec::new();
        let mut after = String::new();
        let mut as_of = None;
        for _ in 0..10_000 {
            let page = client.availability(token, &after).await?;
            as_of.get_or_insert(page.as_of);
            items.extend(page.items);
            match page.next {
                Some(next) if next > after => after = next,
                Some(_) => {
                    return Err(ReplicaError::CorruptResponse { message: "availability pages do not advance".into() })
                }
                None => break,
            }
        }
        self.replica.replace_availability(&items, as_of.map(|t| t.timestamp_millis()).unwrap_or(now))
    }

    /// Fetches HQ's resolutions of this store's conflicts since the last ones and marks the
    /// inbox. A server too old to have them (404) is not an error.
    async fn refresh_resolutions(&self, client: &Client, token: &str) -> Result<()> {
        let mut after = self.replica.resolutions_after()?;
        for _ in 0..1_000 {
            let page = match client.resolutions(token, &after).await {
                Ok(p) => p,
                Err(ReplicaError::Server { status: 404, .. }) | Err(ReplicaError::IncompatibleServer { .. }) => {
                    return Ok(())
                }
                Err(e) => return Err(e),
            };
            self.replica.apply_resolutions(&page.items, page.next.as_deref())?;
            match page.next {
                Some(next) if next != after => after = next,
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    /// Runs until the device is revoked: syncs on pokes (local actions, server events) and
    /// every 30 s, backing off while offline.
    pub async fn run(self: Arc<Self>) {
        let _events = AbortOnDrop(tokio::spawn(self.clone().listen()));
        let mut failures = 0u32;
        loop {
            match self.sync_once().await {
                Ok(_) => failures = 0,
                Err(ReplicaError::Revoked) | Err(ReplicaError::NotEnrolled) => {
                    // Nothing to do until the device is enrolled (again).
                    self.poke.notified().await;
                    continue;
                }
                Err(e) => {
                    tracing::info!(error = %e, "sync failed; will retry");
                    let wait = if matches!(e, ReplicaError::IncompatibleServer { .. }) {
                        Duration::from_secs(300)
                    } else {
                        backoff(failures)
                    };
                    failures = failures.saturating_add(1);
                    let _ = tokio::time::timeout(wait, self.poke.notified()).await;
                    continue;
                }
            }
            let _ = tokio::time::timeout(Duration::from_secs(30), self.poke.notified()).await;
        }
    }

    /// Listens to the server's change events and pokes the sync loop.
    async fn listen(self: Arc<Self>) {
        let mut failures = 0u32;
        loop {
            let Ok((client, token)) = self.session() else {
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            };
            let url = format!("{}/api/v1/sync/events", client.base());
            match client.http().get(url).bearer_auth(token).timeout(Duration::from_secs(24 * 3600)).send().await {
                Ok(resp) if resp.status().is_success() => {
                    failures = 0;
                    let mut stream = resp.bytes_stream();
                    while let Some(Ok(chunk)) = stream.next().await {
                        if String::from_utf8_lossy(&chunk).contains("event: changed") {
                            self.poke();
                        }
                    }
                }
                _ => {}
            }
            tokio::time::sleep(backoff(failures)).await;
            failures = failures.saturating_add(1);
        }
    }
}
