//! A courier simulator: the SF Express open platform and any number of Dada-shaped rider
//! platforms, on loopback, so the demo shows riders moving and the tests use real HTTP both
//! ways (issue 12).
//!
//! It speaks exactly the wire shapes of `shared::courier::{sf, dada}` — the same types the
//! sync server's clients use — checks every request's signature as the real platforms do, and
//! sends signed status callbacks (Dada) and route pushes (SF) on a timeline:
//!
//! - SF: `POST {base}/std/service` (create — idempotent by `orderId`, one waybill per parcel,
//!   master then children, with route-label data —, cancel, route query); route pushes to the
//!   account's `push_url`: collected → in transit → out for delivery → signed.
//! - Rider platforms under `{base}/<code>/api/...`: quote, place (by quote or directly),
//!   re-place, tip, cancel (a penalty once a rider accepted), status query; callbacks to each
//!   order's `callback` URL: looking → accepted (rider name, phone, position) → at the shop →
//!   picked up → delivered, each with the rider's pickup code, retried (bounded) until the
//!   receiver answers HTTP 200.
//! - Control (`/sim/...`): scripts for a platform's next order (the rider cancels once, no rider
//!   until expiry, create fails, delivery fails and the parcel returns, callbacks twice and out of
//!   order), manual stepping, and every order with the callbacks sent and the answers received.
//!
//! Timelines are manual (tests: `advance` steps one status and answers once its callbacks were
//! delivered) or automatic (demo: one step each interval). Start it in-process with [`start`]
//! (tests) or as the `courier-sim` binary ([`cli::main`]).

pub mod cli;
pub mod config;
mod control;
mod dada;
mod sf;
mod types;

pub use config::{ConfigError, RiderPlatform, SfAccount, SfStore, ShopEntry, SimConfig, Timeline};
use types::{clip, Mailbox, Outgoing, Target};
pub use types::{
    Attempt, CallbackRecord, OrdersView, RiderOrderView, RiderView, Script, ScriptRequest, SfOrderView, SimError,
};

use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::oneshot;

/// The simulator's one clock read: platform timestamps (callback `update_time`, SF
/// `acceptTime`) are wall-clock times, as the real platforms send them.
#[allow(clippy::disallowed_methods)]
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is not usable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Only loopback addresses are served.
    #[error("the courier simulator listens on loopback only, not {0}")]
    NotLoopback(SocketAddr),
    /// The address could not be bound.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The HTTP client for callbacks could not be built.
    #[error("could not build the callback client: {0}")]
    Client(String),
}

/// The shared state behind every handler.
pub(crate) struct Sim {
    pub(crate) config: SimConfig,
    /// Resolved secrets: SF check word and each platform's app secret.
    pub(crate) sf_checkword: Option<String>,
    /// Where SF route pushes go.
    pub(crate) sf_push_url: Option<String>,
    pub(crate) secrets: BTreeMap<String, String>,
    pub(crate) http: reqwest::Client,
    pub(crate) state: Mutex<State>,
    /// Set when the simulator stops: automatic timelines end.
    pub(crate) stopped: AtomicBool,
}

impl Sim {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A handler that panicked mid-update leaves plain data behind; keep serving it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    pub(crate) fn attempts(&self) -> u32 {
        self.config.callback_attempts.max(1)
    }

    /// The pause between two attempts of one callback.
    pub(crate) fn retry_pause(&self) -> Duration {
        match self.config.timeline.step() {
            Some(step) => (step / 4).min(Duration::from_secs(2)),
            None => Duration::from_millis(20),
        }
    }
}

/// A running simulator. Dropping it stops it too.
pub struct Running {
    addr: SocketAddr,
    sim: Arc<Sim>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: SF's base URL (requests go to `{url}/std/service`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL of a rider platform (`{url}/<code>`; its paths `/api/...` follow).
    pub fn platform_url(&self, code: &str) -> String {
        format!("http://{}/{code}", self.addr)
    }

    /// Every order, its status and the callbacks sent with the answers received.
    pub fn orders(&self) -> OrdersView {
        orders_view(&self.sim)
    }

    /// Queues a script for the platform's next order (`sf_express` or a rider platform's code).
    pub fn script(&self, platform: &str, script: Script) -> Result<(), SimError> {
        queue_script(&self.sim, platform, script)
    }

    /// Steps an order one status (manual mode), delivering its callbacks before answering.
    pub async fn advance(&self, platform: &str, order_id: &str) -> Result<(), SimError> {
        advance(&self.sim, platform, order_id).await
    }

    /// Stops serving and waits for the server to end.
    pub async fn stop(mut self) {
        self.sim.stopped.store(true, Ordering::SeqCst);
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.sim.stopped.store(true, Ordering::SeqCst);
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts the simulator on `127.0.0.1:0` (a free port).
pub async fn start(config: SimConfig) -> Result<Running, StartError> {
    start_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts the simulator on a loopback address.
pub async fn start_on(config: SimConfig, listen: SocketAddr) -> Result<Running, StartError> {
    if !listen.ip().is_loopback() {
        return Err(StartError::NotLoopback(listen));
    }
    config.check()?;
    let sf_checkword = config.sf_express.as_ref().map(SfAccount::checkword).transpose()?;
    let sf_push_url = match &config.sf_express {
        Some(sf) => sf.resolved_push_url(config.callback_base_url.as_deref())?,
        None => None,
    };
    let mut secrets = BTreeMap::new();
    for (code, p) in &config.riders {
        secrets.insert(code.clone(), p.secret()?);
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| StartError::Client(e.to_string()))?;
    let sim = Arc::new(Sim {
        config,
        sf_checkword,
        sf_push_url,
        secrets,
        http,
        state: Mutex::new(State::default()),
        stopped: AtomicBool::new(false),
    });
    let listener =
        tokio::net::TcpListener::bind(listen).await.map_err(|source| StartError::Bind { addr: listen, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: listen, source })?;
    let (tx, rx) = oneshot::channel::<()>();
    let app = control::router(sim.clone());
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = served.await {
            tracing::warn!("courier simulator stopped: {e}");
        }
    });
    tracing::info!("courier simulator listening on http://{addr}");
    Ok(Running { addr, sim, shutdown: Some(tx), task: Some(task) })
}

/// Everything the simulator holds.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) sf: BTreeMap<String, sf::SfOrder>,
    pub(crate) riders: BTreeMap<(String, String), dada::RiderOrder>,
    pub(crate) quotes: HashMap<String, dada::Quote>,
    pub(crate) scripts: HashMap<String, VecDeque<Script>>,
    pub(crate) seq: u64,
}

impl State {
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub(crate) fn take_script(&mut self, platform: &str) -> Option<Script> {
        self.scripts.get_mut(platform).and_then(VecDeque::pop_front)
    }
}

fn mailbox<'a>(st: &'a mut State, target: &Target) -> Option<&'a mut Mailbox> {
    match target {
        Target::Sf(id) => st.sf.get_mut(id).map(|o| &mut o.mail),
        Target::Rider(p, id) => st.riders.get_mut(&(p.clone(), id.clone())).map(|o| &mut o.mail),
    }
}

async fn send(sim: &Sim, o: &Outgoing) -> (Vec<Attempt>, bool) {
    let mut attempts = Vec::new();
    for n in 0..sim.attempts() {
        if n > 0 {
            if sim.is_stopped() {
                break;
            }
            tokio::time::sleep(sim.retry_pause()).await;
        }
        match sim.http.post(&o.url).json(&o.body).send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let text = resp.text().await.unwrap_or_default();
                let ok = o.rule.accepts(status, &text);
                attempts.push(Attempt { http_status: Some(status), answer: clip(text) });
                if ok {
                    return (attempts, true);
                }
            }
            Err(e) => attempts.push(Attempt { http_status: None, answer: clip(e.without_url().to_string()) }),
        }
    }
    // The URL's query may hold the receiver's token: log the path only.
    let url = o.url.split('?').next().unwrap_or_default();
    tracing::warn!(url, label = %o.label, "callback not taken after {} attempts", attempts.len());
    (attempts, false)
}

/// Sends the order's queued deliveries unless another task is already sending them.
async fn pump(sim: &Sim, target: &Target) {
    {
        let mut st = sim.lock();
        match mailbox(&mut st, target) {
            Some(m) if !m.pumping => m.pumping = true,
            _ => return,
        }
    }
    loop {
        let next = {
            let mut st = sim.lock();
            let Some(m) = mailbox(&mut st, target) else { return };
            match m.outbox.pop_front() {
                Some(o) => o,
                None => {
                    m.pumping = false;
                    return;
                }
            }
        };
        let (attempts, delivered) = send(sim, &next).await;
        let record = CallbackRecord { label: next.label, payload: next.body, attempts, delivered };
        let mut st = sim.lock();
        if let Some(m) = mailbox(&mut st, target) {
            m.records.push(record);
        }
    }
}

/// Sends the order's queued deliveries and returns once all were sent (by this task or the
/// one already sending them; bounded by the attempts and timeouts of what is queued).
pub(crate) async fn flush(sim: &Sim, target: &Target) {
    pump(sim, target).await;
    for _ in 0..6_000 {
        let idle = {
            let mut st = sim.lock();
            mailbox(&mut st, target).is_none_or(|m| m.idle())
        };
        if idle || sim.is_stopped() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        pump(sim, target).await;
    }
}

/// Sends the order's queued deliveries in the background.
pub(crate) fn flush_later(sim: &Arc<Sim>, target: Target) {
    let sim = sim.clone();
    tokio::spawn(async move { flush(&sim, &target).await });
}

/// The platform code of SF in the control API.
pub(crate) const SF_PLATFORM: &str = "sf_express";

pub(crate) fn queue_script(sim: &Sim, platform: &str, script: Script) -> Result<(), SimError> {
    if platform == SF_PLATFORM {
        if sim.config.sf_express.is_none() {
            return Err(SimError::UnknownPlatform(platform.into()));
        }
        if matches!(script, Script::RiderCancelsOnce | Script::Expire) {
            return Err(SimError::ScriptNotApplicable { platform: platform.into(), script });
        }
    } else if !sim.config.riders.contains_key(platform) {
        return Err(SimError::UnknownPlatform(platform.into()));
    }
    sim.lock().scripts.entry(platform.to_owned()).or_default().push_back(script);
    Ok(())
}

/// One step of an order, its callbacks delivered before this returns.
pub(crate) async fn advance(sim: &Sim, platform: &str, order_id: &str) -> Result<(), SimError> {
    let target = if platform == SF_PLATFORM {
        sf::step(sim, order_id)?;
        Target::Sf(order_id.into())
    } else if sim.config.riders.contains_key(platform) {
        dada::step(sim, platform, order_id)?;
        Target::Rider(platform.into(), order_id.into())
    } else {
        return Err(SimError::UnknownPlatform(platform.into()));
    };
    flush(sim, &target).await;
    Ok(())
}

pub(crate) fn orders_view(sim: &Sim) -> OrdersView {
    let st = sim.lock();
    OrdersView {
        sf_express: st.sf.values().map(sf::view).collect(),
        riders: st.riders.values().map(dada::view).collect(),
    }
}

/// Starts an order's automatic timeline, if the simulator runs one: a step each interval
/// until nothing more happens without the merchant.
/// A re-placed order gets a new timeline: the old one ends when it sees the new placement.
pub(crate) fn spawn_timeline(sim: &Arc<Sim>, platform: String, order_id: String) {
    let Some(step) = sim.config.timeline.step() else {
        return;
    };
    let sim = sim.clone();
    tokio::spawn(async move {
        let placement = |sim: &Sim| {
            let st = sim.lock();
            st.riders.get(&(platform.clone(), order_id.clone())).map(dada::placements)
        };
        let mine = placement(&sim);
        loop {
            tokio::time::sleep(step).await;
            if sim.is_stopped() || placement(&sim) != mine {
                break;
            }
            if advance(&sim, &platform, &order_id).await.is_err() {
                break;
            }
        }
    });
}
