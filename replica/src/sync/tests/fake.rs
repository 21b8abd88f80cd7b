//! What the sync engine's tests run against instead of a server and real time: a scripted
//! server (each endpoint answers from a queue of scripted replies, and once the queue is
//! empty behaves like a well-behaved server: applies each op once, answers a replayed op from
//! what it stored, has nothing new to pull), a clock whose sleeps the test ends by hand, a
//! token store in memory, and an enrolled replica in a temporary directory.

use crate::clock::Clock;
use crate::local::Replica;
use crate::sync::transport::{Connector, Events, Failure, ServerEvent, Transport};
use crate::sync::SyncEngine;
use crate::token::TokenStore;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use shared::node::{Capabilities, GeoPoint, Node, NodeKind};
use shared::protocol::{
    AvailabilityPage, BootstrapProgress, Change, EnrollRequest, EnrollResponse, NetworkAvailability, Op, OpOutcome,
    OpResult, PullResponse, PushRequest, PushResponse, ResolutionPage, ReturnCondition, ReturnLine, StaffRecord,
    PROTOCOL_VERSION,
};
use shared::staff::Role;
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// The server's address as the device recorded it.
pub const URL: &str = "http://hq.test:8080";
/// The associate who queues the tests' ops.
pub const STAFF: &str = "S1";
/// The token of the fixture's enrolment.
pub const TOKEN: &str = "token-1";
/// How long a test waits for the engine to do something before it fails (real time; only a
/// broken engine ever waits this long).
const PATIENCE: Duration = Duration::from_secs(5);
/// Where the fake clock starts (Unix ms), and the time the scripted server's pages carry.
const START_MS: i64 = 1_800_000_000_000;

/// One call the engine made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    Connect(String),
    Enroll { code: String },
    Push { token: String, ops: Vec<(Uuid, u64)> },
    Pull { token: String, cursor: String },
    Availability { after: String },
    Resolutions { after: String },
    Events,
    OrderLookup(shared::returns::OrderLookup),
    ReturnStatus(Uuid),
    StyleAvailability(String),
    PlacedOrder(Uuid),
}

type Reply<Req, T> = Box<dyn FnOnce(&Req) -> Result<T, Failure> + Send>;

#[derive(Default)]
struct State {
    calls: Vec<Call>,
    enroll: VecDeque<Reply<EnrollRequest, EnrollResponse>>,
    push: VecDeque<Reply<PushRequest, PushResponse>>,
    pull: VecDeque<Reply<str, PullResponse>>,
    availability: VecDeque<Reply<str, AvailabilityPage>>,
    resolutions: VecDeque<Reply<str, ResolutionPage>>,
    events: VecDeque<Result<Vec<ServerEvent>, Failure>>,
    order_lookup: VecDeque<Result<shared::returns::OrderLookupAnswer, Failure>>,
    /// What the return-status endpoint answers per return (404 return_not_found otherwise).
    return_status: HashMap<Uuid, Result<shared::returns::ReturnStatus, Failure>>,
    /// What the style-availability endpoint answers per style (404 style_not_found otherwise).
    style_availability: HashMap<String, Result<shared::aisle::StyleAvailability, Failure>>,
    /// What the placed-order endpoint answers per order (404 order_not_found otherwise).
    placed_orders: HashMap<Uuid, Result<shared::aisle::PlacedOrderStatus, Failure>>,
    /// PlaceOrder ops are refused with this code and message while set.
    refuse_place_orders: Option<(String, String)>,
    /// Ops refused (422) in any batch that holds them.
    unstorable: HashSet<Uuid>,
    /// What the server stored for each op it applied.
    stored: HashMap<Uuid, OpOutcome>,
    /// Ops applied, counting each once.
    applied: Vec<Uuid>,
}

/// The scripted server; clones share it.
#[derive(Clone)]
pub struct FakeServer {
    state: Arc<Mutex<State>>,
    clock: Arc<FakeClock>,
}

impl FakeServer {
    fn new(clock: Arc<FakeClock>) -> FakeServer {
        FakeServer { state: Arc::default(), clock }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// The pushes so far: token and `(op_id, device_seq)` of each op.
    pub fn pushes(&self) -> Vec<(String, Vec<(Uuid, u64)>)> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Push { token, ops } => Some((token, ops)),
                _ => None,
            })
            .collect()
    }

    /// The cursors pulled from so far.
    pub fn pulls(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Pull { cursor, .. } => Some(cursor),
                _ => None,
            })
            .collect()
    }

    /// Ops the server applied, each once, in order.
    pub fn applied(&self) -> Vec<Uuid> {
        self.lock().applied.clone()
    }

    /// The next enrolment answers `reply`.
    pub fn on_enroll(&self, reply: impl FnOnce(&EnrollRequest) -> Result<EnrollResponse, Failure> + Send + 'static) {
        self.lock().enroll.push_back(Box::new(reply));
    }

    /// The next push answers `reply`.
    pub fn on_push(&self, reply: impl FnOnce(&PushRequest) -> Result<PushResponse, Failure> + Send + 'static) {
        self.lock().push.push_back(Box::new(reply));
    }

    /// The next push fails with `f`, applying nothing.
    pub fn fail_push(&self, f: Failure) {
        self.on_push(move |_| Err(f));
    }

    /// The next push is applied, but its answer is lost on the way back.
    pub fn lose_push_answer(&self) {
        let server = self.clone();
        self.on_push(move |req| {
            server.apply(req);
            Err(Failure::Network { message: "connection reset after the request was sent".into() })
        });
    }

    /// Every batch holding `op_id` is refused (422), as a server refuses text it cannot store.
    pub fn refuse_op(&self, op_id: Uuid) {
        self.lock().unstorable.insert(op_id);
    }

    /// The next pull answers `reply` (given the cursor pulled from).
    pub fn on_pull(&self, reply: impl FnOnce(&str) -> Result<PullResponse, Failure> + Send + 'static) {
        self.lock().pull.push_back(Box::new(reply));
    }

    /// The next pull fails with `f`.
    pub fn fail_pull(&self, f: Failure) {
        self.on_pull(move |_| Err(f));
    }

    /// The next availability call answers `reply` (given `after`).
    pub fn on_availability(&self, reply: impl FnOnce(&str) -> Result<AvailabilityPage, Failure> + Send + 'static) {
        self.lock().availability.push_back(Box::new(reply));
    }

    /// The next events subscription yields `events` and ends (or fails).
    pub fn on_events(&self, events: Result<Vec<ServerEvent>, Failure>) {
        self.lock().events.push_back(events);
    }

    /// The next order look-up answers `answer` (404 order_not_found once none is scripted).
    pub fn on_order_lookup(&self, answer: Result<shared::returns::OrderLookupAnswer, Failure>) {
        self.lock().order_lookup.push_back(answer);
    }

    /// The return-status endpoint answers `answer` for `return_id` from now on.
    pub fn set_return_status(&self, return_id: Uuid, answer: Result<shared::returns::ReturnStatus, Failure>) {
        self.lock().return_status.insert(return_id, answer);
    }

    /// The style-availability endpoint answers `answer` for `style_code` from now on.
    pub fn set_style_availability(&self, style_code: &str, answer: Result<shared::aisle::StyleAvailability, Failure>) {
        self.lock().style_availability.insert(style_code.to_string(), answer);
    }

    /// The placed-order endpoint answers `answer` for `order_id` from now on.
    pub fn set_placed_order(&self, order_id: Uuid, answer: Result<shared::aisle::PlacedOrderStatus, Failure>) {
        self.lock().placed_orders.insert(order_id, answer);
    }

    /// The next push is applied as usual, after `inspect` has seen it (so a test can script
    /// what HQ says later about what the device sent).
    pub fn inspect_push(&self, inspect: impl FnOnce(&PushRequest) + Send + 'static) {
        let server = self.clone();
        self.on_push(move |req| {
            inspect(req);
            Ok(server.apply(req))
        });
    }

    /// From now on, PlaceOrder ops the server has not seen are rejected with `code` (an
    /// intent HQ refuses); `None` applies them again.
    pub fn refuse_place_orders(&self, refusal: Option<(&str, &str)>) {
        self.lock().refuse_place_orders = refusal.map(|(c, m)| (c.to_string(), m.to_string()));
    }

    /// Applies the batch as the server does: an op it has seen gets its stored outcome.
    fn apply(&self, req: &PushRequest) -> PushResponse {
        let mut guard = self.lock();
        let s = &mut *guard;
        let results = req
            .ops
            .iter()
            .map(|op| {
                let refusal = match (&op.op, &s.refuse_place_orders) {
                    (Op::PlaceOrder { .. }, Some((code, message))) => {
                        Some(OpOutcome::Rejected { code: code.clone(), message: message.clone() })
                    }
                    _ => None,
                };
                let outcome = s.stored.entry(op.op_id).or_insert_with(|| {
                    refusal.unwrap_or_else(|| {
                        s.applied.push(op.op_id);
                        OpOutcome::Applied
                    })
                });
                OpResult { op_id: op.op_id, device_seq: op.device_seq, outcome: outcome.clone() }
            })
            .collect();
        PushResponse { results }
    }

    fn record(&self, call: Call) {
        self.lock().calls.push(call);
    }
}

impl Connector for FakeServer {
    type Transport = FakeServer;

    fn connect(&self, server_url: &str) -> Result<FakeServer, Failure> {
        self.record(Call::Connect(server_url.to_string()));
        Ok(self.clone())
    }
}

impl Transport for FakeServer {
    async fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, Failure> {
        self.record(Call::Enroll { code: req.code.clone() });
        let scripted = self.lock().enroll.pop_front();
        match scripted {
            Some(reply) => reply(req),
            None => Ok(enroll_response("token-2", PROTOCOL_VERSION)),
        }
    }

    async fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse, Failure> {
        let ops = req.ops.iter().map(|o| (o.op_id, o.device_seq)).collect();
        self.record(Call::Push { token: token.to_string(), ops });
        let scripted = self.lock().push.pop_front();
        if let Some(reply) = scripted {
            return reply(req);
        }
        if req.ops.iter().any(|o| self.lock().unstorable.contains(&o.op_id)) {
            return Err(Failure::Refused {
                status: 422,
                code: "invalid_field".into(),
                message: "a text field holds a control character".into(),
            });
        }
        Ok(self.apply(req))
    }

    async fn pull(&self, token: &str, cursor: &str) -> Result<PullResponse, Failure> {
        self.record(Call::Pull { token: token.to_string(), cursor: cursor.to_string() });
        let scripted = self.lock().pull.pop_front();
        match scripted {
            Some(reply) => reply(cursor),
            None => Ok(page(cursor, false, vec![])),
        }
    }

    async fn availability(&self, _token: &str, after: &str) -> Result<AvailabilityPage, Failure> {
        self.record(Call::Availability { after: after.to_string() });
        let scripted = self.lock().availability.pop_front();
        match scripted {
            Some(reply) => reply(after),
            None => Ok(AvailabilityPage { as_of: self.clock.now(), items: vec![], next: None }),
        }
    }

    async fn resolutions(&self, _token: &str, after: &str) -> Result<ResolutionPage, Failure> {
        self.record(Call::Resolutions { after: after.to_string() });
        let scripted = self.lock().resolutions.pop_front();
        match scripted {
            Some(reply) => reply(after),
            None => Ok(ResolutionPage { items: vec![], next: None }),
        }
    }

    async fn order_lookup(
        &self,
        _token: &str,
        lookup: &shared::returns::OrderLookup,
    ) -> Result<shared::returns::OrderLookupAnswer, Failure> {
        self.record(Call::OrderLookup(lookup.clone()));
        let scripted = self.lock().order_lookup.pop_front();
        scripted.unwrap_or_else(|| Err(not_found("order_not_found")))
    }

    async fn return_status(&self, _token: &str, return_id: Uuid) -> Result<shared::returns::ReturnStatus, Failure> {
        self.record(Call::ReturnStatus(return_id));
        let answer = self.lock().return_status.get(&return_id).cloned();
        answer.unwrap_or_else(|| Err(not_found("return_not_found")))
    }

    async fn style_availability(
        &self,
        _token: &str,
        style_code: &str,
    ) -> Result<shared::aisle::StyleAvailability, Failure> {
        self.record(Call::StyleAvailability(style_code.to_string()));
        let answer = self.lock().style_availability.get(style_code).cloned();
        answer.unwrap_or_else(|| Err(not_found("style_not_found")))
    }

    async fn placed_order(&self, _token: &str, order_id: Uuid) -> Result<shared::aisle::PlacedOrderStatus, Failure> {
        self.record(Call::PlacedOrder(order_id));
        let answer = self.lock().placed_orders.get(&order_id).cloned();
        answer.unwrap_or_else(|| Err(not_found("order_not_found")))
    }

    async fn events(&self, _token: &str) -> Result<Events, Failure> {
        self.record(Call::Events);
        let scripted = self.lock().events.pop_front();
        match scripted {
            Some(events) => Ok(futures_util::stream::iter(events?).boxed()),
            // Nothing scripted: a connection on which nothing ever happens.
            None => Ok(futures_util::stream::pending().boxed()),
        }
    }
}

/// A 404 with a code, as the server answers an unknown order or return.
pub fn not_found(code: &str) -> Failure {
    Failure::Other { status: 404, code: code.to_string(), message: code.to_string() }
}

/// A pull page after which the device's cursor is `cursor` (read from JSON as a device
/// reads it, so fields the tests do not care about take their defaults).
pub fn page(cursor: &str, has_more: bool, changes: Vec<Change>) -> PullResponse {
    serde_json::from_value(serde_json::json!({
        "protocol_version": PROTOCOL_VERSION,
        "cursor": cursor,
        "has_more": has_more,
        "bootstrap": null,
        "changes": changes,
        "server_time": DateTime::from_timestamp_millis(START_MS),
    }))
    .expect("a pull page")
}

/// A bootstrap page: `done` of `total` records sent, this page's `changes` included.
pub fn bootstrap_page(cursor: &str, has_more: bool, changes: Vec<Change>, done: u64, total: u64) -> PullResponse {
    PullResponse { bootstrap: Some(BootstrapProgress { done, total }), ..page(cursor, has_more, changes) }
}

/// A staff member of the store (also the tests' filler change).
pub fn staff(id: &str) -> Change {
    Change::Staff(StaffRecord {
        id: id.to_string(),
        name: format!("{id} name"),
        role: Role::Associate,
        pin_hash: "not checked here".into(),
        active: true,
        approval_salt: format!("{id}-salt"),
    })
}

/// The availability of one SKU.
pub fn available(sku: &str, n: i64) -> NetworkAvailability {
    NetworkAvailability { sku_code: sku.to_string(), available: n }
}

fn store() -> Node {
    Node {
        code: "STORE-T".into(),
        name: "Test store".into(),
        kind: NodeKind::DirectStore,
        city: "上海".into(),
        location: GeoPoint { lat: 31.2, lon: 121.5 },
        capabilities: Capabilities { ship: true, pickup: true, same_city: false },
        opening_hours: "10:00-22:00".into(),
        daily_capacity: 100,
        handling_cost: shared::Fen(300),
    }
}

/// What the server answers an enrolment at the test store.
pub fn enroll_response(token: &str, protocol_version: u32) -> EnrollResponse {
    EnrollResponse {
        device_id: Uuid::now_v7(),
        token: token.to_string(),
        store: store(),
        protocol_version,
        hq_public_key: None,
    }
}

/// A return of one unit of `sku` for a made-up order: an op valid on any replica.
pub fn return_op(sku: &str) -> Op {
    Op::AcceptReturn {
        return_id: Uuid::now_v7(),
        order_id: Some(Uuid::now_v7()),
        order_ref: None,
        lines: vec![ReturnLine {
            sku_code: sku.to_string(),
            qty: shared::Qty::new(1).unwrap(),
            condition: ReturnCondition::Resaleable,
            line_no: None,
            reason: Default::default(),
            note: String::new(),
        }],
        approved_by: None,
        approval: None,
    }
}

/// A sleep the engine asked for; it lasts until woken or dropped.
pub struct Sleep {
    pub duration: Duration,
    wake: oneshot::Sender<()>,
}

impl Sleep {
    /// Ends the sleep.
    pub fn wake(self) {
        let _ = self.wake.send(());
    }
}

/// A clock that stands still unless moved, with a jitter of 1 (no spread), whose sleeps are
/// handed to the test to end.
pub struct FakeClock {
    now_ms: AtomicI64,
    sleeps_tx: mpsc::UnboundedSender<Sleep>,
    sleeps: tokio::sync::Mutex<mpsc::UnboundedReceiver<Sleep>>,
}

impl FakeClock {
    fn new() -> FakeClock {
        let (sleeps_tx, rx) = mpsc::unbounded_channel();
        FakeClock { now_ms: AtomicI64::new(START_MS), sleeps_tx, sleeps: tokio::sync::Mutex::new(rx) }
    }

    /// Moves the clock on.
    pub fn advance(&self, d: Duration) {
        self.now_ms.fetch_add(d.as_millis() as i64, Ordering::SeqCst);
    }

    /// Now.
    pub fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.now_ms()).unwrap()
    }

    /// The next sleep the engine starts.
    pub async fn next_sleep(&self) -> Sleep {
        let mut rx = self.sleeps.lock().await;
        tokio::time::timeout(PATIENCE, rx.recv()).await.expect("the engine never slept").expect("clock alive")
    }

    /// A sleep the engine started and the test has not taken yet, if any.
    pub async fn sleep_started(&self) -> Option<Sleep> {
        self.sleeps.lock().await.try_recv().ok()
    }
}

impl Clock for FakeClock {
    fn now_ms(&self) -> i64 {
        self.now_ms.load(Ordering::SeqCst)
    }

    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let (wake, woken) = oneshot::channel();
        let _ = self.sleeps_tx.send(Sleep { duration: d, wake });
        Box::pin(async move {
            let _ = woken.await;
        })
    }

    fn jitter(&self) -> f64 {
        1.0
    }
}

/// A token in memory.
#[derive(Default)]
pub struct MemTokens(Mutex<Option<String>>);

impl MemTokens {
    /// The token kept, if any.
    pub fn get(&self) -> Option<String> {
        self.0.lock().unwrap().clone()
    }
}

impl TokenStore for MemTokens {
    fn load(&self) -> crate::Result<Option<String>> {
        Ok(self.get())
    }

    fn save(&self, token: &str) -> crate::Result<()> {
        *self.0.lock().unwrap() = Some(token.to_string());
        Ok(())
    }

    fn clear(&self) -> crate::Result<()> {
        *self.0.lock().unwrap() = None;
        Ok(())
    }
}

/// Aborts a spawned task when dropped, so a failed test does not leave it running.
pub struct Running(tokio::task::JoinHandle<()>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// An engine over the fake server and clock, for a replica in a temporary directory.
pub struct Fx {
    _dir: tempfile::TempDir,
    pub replica: Arc<Replica>,
    pub tokens: Arc<MemTokens>,
    pub server: FakeServer,
    pub clock: Arc<FakeClock>,
    pub engine: Arc<SyncEngine<FakeServer>>,
}

impl Fx {
    /// A device that has never been enrolled.
    pub fn unenrolled() -> Fx {
        let dir = tempfile::tempdir().unwrap();
        let replica = Arc::new(Replica::open(&dir.path().join("replica.sqlite")).unwrap());
        let tokens = Arc::new(MemTokens::default());
        let clock = Arc::new(FakeClock::new());
        let server = FakeServer::new(clock.clone());
        let engine = SyncEngine::with_transport(replica.clone(), tokens.clone(), server.clone(), clock.clone());
        Fx { _dir: dir, replica, tokens, server, clock, engine }
    }

    /// A device enrolled at [`URL`] with [`TOKEN`], knowing its associate [`STAFF`], with
    /// nothing queued and nothing called yet.
    pub fn enrolled() -> Fx {
        let fx = Fx::unenrolled();
        fx.replica.record_enrollment(URL, &enroll_response(TOKEN, PROTOCOL_VERSION)).unwrap();
        fx.tokens.save(TOKEN).unwrap();
        fx.replica.apply_pull(&page("c0", false, vec![staff(STAFF)])).unwrap();
        fx
    }

    /// Queues `n` ops; returns their ids in order.
    pub fn queue(&self, n: usize) -> Vec<Uuid> {
        (0..n).map(|_| self.replica.perform(STAFF, return_op("SKU-1")).unwrap().op_id).collect()
    }

    /// The outbox: `(op_id, device_seq)` in order.
    pub fn outbox(&self) -> Vec<(Uuid, u64)> {
        self.replica.pending_ops(usize::MAX).unwrap().into_iter().map(|o| (o.op_id, o.device_seq)).collect()
    }

    /// Starts the sync loop (without the events listener).
    pub fn start_loop(&self) -> Running {
        let engine = self.engine.clone();
        Running(tokio::spawn(async move { engine.sync_loop().await }))
    }

    /// Starts the events listener.
    pub fn start_listener(&self) -> Running {
        Running(tokio::spawn(self.engine.clone().listen()))
    }

    /// Waits until what the server saw satisfies `done`.
    pub async fn until(&self, done: impl Fn(&FakeServer) -> bool) {
        let waited = tokio::time::timeout(PATIENCE, async {
            while !done(&self.server) {
                tokio::task::yield_now().await;
            }
        });
        waited.await.unwrap_or_else(|_| panic!("the engine stopped at {:?}", self.server.calls()));
    }
}

/// Lets every spawned task run until it waits on something the test controls.
pub async fn settle() {
    for _ in 0..200 {
        tokio::task::yield_now().await;
    }
}
