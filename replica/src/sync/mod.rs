//! The sync engine: push the outbox, pull changes, listen for pokes, back off when offline.
//! It talks to the server only through a [`Transport`] (HTTP in production, see
//! [`client`]) and reads time only through a [`Clock`], and its waiting decisions live in
//! [`policy`], so all of it is unit-tested without a server or real time.

pub mod aisle;
pub mod client;
pub mod policy;
mod returns;
#[cfg(test)]
mod tests;
pub mod transport;

pub use crate::clock::{Clock, SystemClock};
use crate::error::{ReplicaError, Result};
use crate::local::{Enrollment, Replica};
use crate::token::TokenStore;
use client::{HttpConnector, PUSH_BATCH};
use futures_util::{FutureExt, StreamExt};
use policy::{Outcome, Retry, Wait};
use serde::Serialize;
use shared::protocol::{EnrollRequest, PushRequest, PushResponse, PROTOCOL_VERSION};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
pub use transport::{Connector, Events, Failure, ServerEvent, Transport};

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

/// How long the events listener waits before looking again for an enrolment.
const LISTEN_UNENROLLED: Duration = Duration::from_secs(5);

/// Most pull pages in one round before the server is taken to be looping.
const MAX_PULL_PAGES: usize = 100_000;

/// Delay before retry `attempt` (0-based): exponential from 0.5 s to 60 s, with jitter so a
/// store's devices do not all retry at once after an outage. See [`policy::backoff`].
pub fn backoff(attempt: u32) -> Duration {
    policy::backoff(attempt, SystemClock.jitter())
}

/// Why a round stopped: a transport failure (kept whole, `Retry-After` and all, for the
/// sync loop) or a local one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RoundError {
    Transport(Failure),
    Local(ReplicaError),
}

impl From<Failure> for RoundError {
    fn from(f: Failure) -> Self {
        RoundError::Transport(f)
    }
}

impl From<ReplicaError> for RoundError {
    fn from(e: ReplicaError) -> Self {
        RoundError::Local(e)
    }
}

impl From<RoundError> for ReplicaError {
    fn from(e: RoundError) -> Self {
        match e {
            RoundError::Transport(f) => f.into(),
            RoundError::Local(e) => e,
        }
    }
}

type RoundResult<T> = std::result::Result<T, RoundError>;

/// Stops the events listener when the sync loop is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Syncs one replica with its server, over the transports `C` opens.
pub struct SyncEngine<C: Connector = HttpConnector> {
    replica: Arc<Replica>,
    tokens: Arc<dyn TokenStore>,
    connector: C,
    clock: Arc<dyn Clock>,
    status: watch::Sender<SyncStatus>,
    poke: Notify,
    round: tokio::sync::Mutex<()>,
}

impl SyncEngine {
    /// An engine for an enrolled (or soon enrolled) replica, over HTTP and the real clock.
    pub fn new(replica: Arc<Replica>, tokens: Arc<dyn TokenStore>) -> Arc<SyncEngine> {
        SyncEngine::with_transport(replica, tokens, HttpConnector, Arc::new(SystemClock))
    }
}

impl<C: Connector> SyncEngine<C> {
    /// An engine over the transports `connector` opens, reading time from `clock`.
    pub fn with_transport(
        replica: Arc<Replica>,
        tokens: Arc<dyn TokenStore>,
        connector: C,
        clock: Arc<dyn Clock>,
    ) -> Arc<SyncEngine<C>> {
        let pending = replica.pending_count().unwrap_or(0);
        let (status, _) = watch::channel(SyncStatus {
            online: false,
            syncing: false,
            pending_ops: pending,
            last_sync_ms: None,
            bootstrap: None,
            error: None,
        });
        Arc::new(SyncEngine {
            replica,
            tokens,
            connector,
            clock,
            status,
            poke: Notify::new(),
            round: tokio::sync::Mutex::new(()),
        })
    }

    /// Enrols the device at `server_url` with a one-time code from HQ.
    pub async fn enroll(&self, server_url: &str, code: &str, device_name: &str) -> Result<Enrollment> {
        let server_url = server_url.trim_end_matches('/');
        let transport = self.connector.connect(server_url)?;
        let req = EnrollRequest {
            code: code.to_string(),
            device_name: device_name.to_string(),
            protocol_version: PROTOCOL_VERSION,
        };
        let resp = transport.enroll(&req).await?;
        if resp.protocol_version != PROTOCOL_VERSION {
            return Err(ReplicaError::IncompatibleServer {
                message: format!("server protocol v{}, app v{PROTOCOL_VERSION}", resp.protocol_version),
            });
        }
        self.tokens.save(&resp.token)?;
        self.replica.record_enrollment(server_url, &resp)?;
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

    fn session(&self) -> Result<(C::Transport, String)> {
        let enrollment = self.replica.enrollment()?.ok_or(ReplicaError::NotEnrolled)?;
        let token = self.tokens.load()?.ok_or(ReplicaError::NotEnrolled)?;
        Ok((self.connector.connect(&enrollment.server_url)?, token))
    }

    /// One round: push the whole outbox in order, then pull until up to date.
    pub async fn sync_once(&self) -> Result<SyncReport> {
        self.run_round().await.map_err(ReplicaError::from)
    }

    /// [`SyncEngine::sync_once`], with the failure as the transport reported it.
    async fn run_round(&self) -> RoundResult<SyncReport> {
        let _round = self.round.lock().await;
        self.update(|s| s.syncing = true);
        let result = self.round_inner().await;
        let pending = self.replica.pending_count().unwrap_or(0);
        let now = self.clock.now_ms();
        self.update(|s| {
            s.syncing = false;
            s.pending_ops = pending;
            match &result {
                Ok(_) => {
                    s.online = true;
                    s.error = None;
                    s.bootstrap = None;
                    s.last_sync_ms = Some(now);
                }
                Err(e) => {
                    let e = ReplicaError::from(e.clone());
                    s.online = !matches!(e, ReplicaError::Offline { .. });
                    s.error = Some(e);
                }
            }
        });
        if matches!(result, Err(RoundError::Transport(Failure::Revoked))) {
            self.tokens.clear()?;
        }
        result
    }

    async fn round_inner(&self) -> RoundResult<SyncReport> {
        let (transport, token) = self.session()?;
        let mut report = SyncReport::default();
        self.push_outbox(&transport, &token, &mut report).await?;
        self.pull_all(&transport, &token, &mut report).await?;
        self.refresh_availability(&transport, &token).await?;
        self.refresh_resolutions(&transport, &token).await?;
        self.refresh_returns(&transport, &token).await?;
        self.refresh_placed_orders(&transport, &token).await;
        Ok(report)
    }

    /// Pushes a batch and checks that the answer answers it.
    async fn push(
        &self,
        transport: &C::Transport,
        token: &str,
        req: &PushRequest,
    ) -> std::result::Result<PushResponse, Failure> {
        let resp = transport.push(token, req).await?;
        policy::check_push_answer(req, &resp)?;
        Ok(resp)
    }

    /// Pushes the outbox in order, in batches, until it is empty. An op lost with its answer
    /// stays queued and is sent again as it was; the server answers it from what it stored.
    async fn push_outbox(&self, transport: &C::Transport, token: &str, report: &mut SyncReport) -> RoundResult<()> {
        loop {
            let ops = self.replica.pending_ops(PUSH_BATCH)?;
            if ops.is_empty() {
                return Ok(());
            }
            let req = PushRequest { protocol_version: PROTOCOL_VERSION, ops };
            let resp = match self.push(transport, token, &req).await {
                Ok(resp) => resp,
                // The server refused the batch as sent (400/422): some op in it can never be
                // applied. Find it by sending the first op alone; the one refused alone goes
                // to the inbox as a rejection, so the rest of the outbox is not stuck behind it.
                Err(refused) if policy::refused_as_sent(&refused) => {
                    let first = req.ops[0].clone();
                    let alone = if req.ops.len() == 1 {
                        Err(refused)
                    } else {
                        let one = PushRequest { protocol_version: PROTOCOL_VERSION, ops: vec![first.clone()] };
                        self.push(transport, token, &one).await
                    };
                    match alone {
                        Ok(resp) => resp,
                        Err(Failure::Refused { status: 400 | 422, code, message }) => {
                            tracing::warn!(op_id = %first.op_id, %code, %message, "the server refuses this op as sent; it goes to the inbox");
                            self.replica.refuse_unsendable(first.op_id, &code, &message, self.clock.now_ms())?;
                            report.pushed += 1;
                            continue;
                        }
                        Err(f) => return Err(f.into()),
                    }
                }
                Err(f) => return Err(f.into()),
            };
            self.replica.record_push_results(&resp.results, self.clock.now_ms())?;
            report.pushed += resp.results.len();
            let pending = self.replica.pending_count()?;
            self.update(|s| s.pending_ops = pending);
        }
    }

    /// Pulls pages until the server has no more.
    async fn pull_all(&self, transport: &C::Transport, token: &str, report: &mut SyncReport) -> RoundResult<()> {
        let mut restarted = false;
        for _ in 0..MAX_PULL_PAGES {
            let page = match transport.pull(token, &self.replica.cursor()?).await {
                // The server does not know this cursor (HQ restored an older backup): the
                // store's data is downloaded again, once a round; unsent work stays queued.
                Err(f) if !restarted && policy::asks_rebootstrap(&f) => {
                    tracing::warn!(failure = ?f, "the server does not know this device's cursor; downloading the store's data again");
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
                return Ok(());
            }
        }
        Err(ReplicaError::CorruptResponse { message: "the server never finished the pull".into() }.into())
    }

    /// Refreshes the network availability snapshot when it is older than
    /// [`AVAILABILITY_MAX_AGE`]; the whole snapshot is replaced at once.
    async fn refresh_availability(&self, transport: &C::Transport, token: &str) -> RoundResult<()> {
        let now = self.clock.now_ms();
        if self.replica.availability_as_of()?.is_some_and(|t| now - t < AVAILABILITY_MAX_AGE.as_millis() as i64) {
            return Ok(());
        }
        let mut items = Vec::new();
        let mut after = String::new();
        let mut as_of = None;
        for _ in 0..10_000 {
            let page = transport.availability(token, &after).await?;
            as_of.get_or_insert(page.as_of);
            items.extend(page.items);
            match page.next {
                Some(next) if next > after => after = next,
                Some(_) => return Err(Failure::Corrupt { message: "availability pages do not advance".into() }.into()),
                None => break,
            }
        }
        Ok(self.replica.replace_availability(&items, as_of.map(|t| t.timestamp_millis()).unwrap_or(now))?)
    }

    /// Fetches HQ's resolutions of this store's conflicts since the last ones and marks the
    /// inbox. A server too old to have them (404) is not an error.
    async fn refresh_resolutions(&self, transport: &C::Transport, token: &str) -> RoundResult<()> {
        let mut after = self.replica.resolutions_after()?;
        for _ in 0..1_000 {
            let page = match transport.resolutions(token, &after).await {
                Ok(p) => p,
                Err(Failure::Other { status: 404, .. } | Failure::Incompatible { .. }) => return Ok(()),
                Err(f) => return Err(f.into()),
            };
            self.replica.apply_resolutions(&page.items, page.next.as_deref())?;
            match page.next {
                Some(next) if next != after => after = next,
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    /// Runs until dropped: syncs on pokes (local actions, server events) and every 30 s,
    /// backing off while offline, waiting as long as a busy server asks, and doing nothing
    /// while the device is not enrolled (or revoked) until it is poked.
    pub async fn run(self: Arc<Self>) {
        let _events = AbortOnDrop(tokio::spawn(self.clone().listen()));
        self.sync_loop().await
    }

    /// The rounds of [`SyncEngine::run`], without the events listener.
    async fn sync_loop(&self) {
        let mut retry = Retry::default();
        loop {
            let result = self.run_round().await;
            let outcome = Outcome::of(&result);
            if let (Err(e), false) = (&result, outcome == Outcome::Parked) {
                tracing::info!(error = ?e, "sync failed; will retry");
            }
            match retry.after(outcome, self.clock.jitter()) {
                Wait::ForPoke => self.poke.notified().await,
                Wait::UpTo(d) => {
                    tokio::select! {
                        _ = self.clock.sleep(d) => {}
                        _ = self.poke.notified() => {}
                    }
                }
                Wait::Exactly(d) => {
                    self.clock.sleep(d).await;
                    // The round about to start answers any poke that came meanwhile.
                    let _ = self.poke.notified().now_or_never();
                }
            }
        }
    }

    /// Listens to the server's change events and pokes the sync loop.
    async fn listen(self: Arc<Self>) {
        let mut failures = 0u32;
        loop {
            let Ok((transport, token)) = self.session() else {
                self.clock.sleep(LISTEN_UNENROLLED).await;
                continue;
            };
            if let Ok(mut events) = transport.events(&token).await {
                failures = 0;
                while let Some(ServerEvent::Changed) = events.next().await {
                    self.poke();
                }
            }
            self.clock.sleep(policy::backoff(failures, self.clock.jitter())).await;
            failures = failures.saturating_add(1);
        }
    }
}
